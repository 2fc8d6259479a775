-- Every event queued for a subscription, with its original id and payload, kept WEBHOOK_RETENTION_DAYS for replay
-- (issue 10). A check that runs twice inserts nothing new: the id is derived from the change itself.
CREATE TABLE webhook_events (
  subscription_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (subscription_id, event_id)
);
CREATE INDEX webhook_events_window ON webhook_events (subscription_id, created_at);
CREATE INDEX webhook_events_age ON webhook_events (created_at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (subscription_id, event_id, created_at);
CREATE INDEX webhook_deliveries_age ON webhook_deliveries (created_at);
-- Replays of one subscription at most once a minute.
ALTER TABLE webhook_subscriptions ADD COLUMN last_replay_at INTEGER;
