-- The event feed (issue 13): every event the webhook worker detects, per organisation, in the order it was stored
-- (seq), once per event id — for consumers that pull instead of receiving webhooks. Kept WEBHOOK_RETENTION_DAYS.
CREATE TABLE org_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX org_events_id ON org_events (org_id, event_id);
CREATE INDEX org_events_feed ON org_events (org_id, seq);
CREATE INDEX org_events_age ON org_events (created_at);
