-- Polling at scale (issue 11): every watch belongs to one of 256 shards (the first two hex digits of its user id),
-- and the cron fans the due work out by shard; a shard's due watches are found by index. A watch never checked
-- has last_checked_at 0 (was NULL), so one range condition finds every due watch.
ALTER TABLE watches ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
UPDATE watches SET shard = (instr('0123456789abcdef', substr(lower(user_id), 1, 1)) - 1) * 16 + (instr('0123456789abcdef', substr(lower(user_id), 2, 1)) - 1);
UPDATE watches SET shard = 0 WHERE shard < 0;
UPDATE watches SET last_checked_at = 0 WHERE last_checked_at IS NULL;
DROP INDEX watches_due;
CREATE INDEX watches_shard_due ON watches (shard, last_checked_at);
