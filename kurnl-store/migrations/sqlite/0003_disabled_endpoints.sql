-- Webhook endpoints that answered 410 Gone (Standard Webhooks: the receiver asks the sender to
-- stop), one per provider environment. Events for a disabled URL are recorded as failed
-- without being sent; a replay or a new URL re-enables delivery.
CREATE TABLE disabled_endpoints (
    provider_id BLOB NOT NULL,
    sandbox INTEGER NOT NULL,
    url TEXT NOT NULL,
    disabled_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (provider_id, sandbox)
);
