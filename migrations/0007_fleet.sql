-- The fleet view (issue 13): every heat pump of the watched users, as the latest check saw it, one row each, with
-- what the filters need in columns (indexed); `body` is the heat pump without owners' personal data.
CREATE TABLE fleet_heat_pumps (
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  heat_pump_id TEXT NOT NULL,
  status TEXT NOT NULL,
  online INTEGER NOT NULL,
  action_needed INTEGER NOT NULL,
  fetched_at TEXT NOT NULL,
  changed_at TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (org_id, user_id, heat_pump_id)
);
CREATE INDEX fleet_by_status ON fleet_heat_pumps (org_id, status, user_id, heat_pump_id);
