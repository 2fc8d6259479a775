-- Who registered a subscription or a watch (the partner token's issuer), checked against the current
-- PARTNER_ISSUERS at every poll and delivery (issue 9). Rows from before have none and are not served until a
-- partner token of an allowed issuer updates them (PATCH the subscription, PUT the watch again).
ALTER TABLE webhook_subscriptions ADD COLUMN issuer TEXT;
ALTER TABLE watches ADD COLUMN issuer TEXT;
