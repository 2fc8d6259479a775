-- Webhook subscriptions, watched users, snapshots and the delivery log (issue 6).
CREATE TABLE webhook_subscriptions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  url TEXT NOT NULL,
  events TEXT NOT NULL,            -- JSON array of event types; empty = all
  user_ids TEXT,                   -- JSON array of user ids; NULL = every watched user of the organisation
  description TEXT,
  enabled INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'active', -- active | failing | disabled
  secret TEXT NOT NULL,            -- AES-GCM encrypted with WEBHOOK_SECRETS_KEY
  previous_secret TEXT,            -- encrypted; still signs until previous_secret_until (rotation grace)
  previous_secret_until INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX webhook_subscriptions_org ON webhook_subscriptions (org_id, created_at);

CREATE TABLE watches (
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_checked_at INTEGER,
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX watches_due ON watches (last_checked_at);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  subscription_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  response_status INTEGER,
  duration_ms INTEGER,
  next_retry_at TEXT,
  outcome TEXT NOT NULL,           -- delivered | retrying | disabled | dead-lettered
  created_at TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);
