-- The last heat pumps seen per watched user, to compare the next poll with (issue 6).
CREATE TABLE snapshots (
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  heat_pumps TEXT NOT NULL,        -- JSON: the reshaped heat pumps, without owners' personal data
  taken_at TEXT NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
