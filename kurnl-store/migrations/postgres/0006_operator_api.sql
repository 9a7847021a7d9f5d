-- Operator keys (issue 18): the credentials of the operator endpoints, stored as SHA-256 like
-- provider API keys but in their own table, so no provider key can ever match one.
CREATE TABLE operator_keys (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL,
    key_hash TEXT NOT NULL,
    display_prefix TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    revoked_at TEXT COLLATE "C"
);
CREATE UNIQUE INDEX operator_keys_id_uq ON operator_keys (id);
CREATE UNIQUE INDEX operator_keys_hash_uq ON operator_keys (key_hash);
-- The operator's job list, newest first, and its per-switch filter.
CREATE INDEX jobs_created_idx ON jobs (created_at, seq);
CREATE INDEX jobs_switch_created_idx ON jobs (switch_id, created_at, seq);
-- Webhook secret rotation: the secret a rotation replaced keeps signing (a second
-- Standard Webhooks signature) and keeps opening external checkout until its time is up.
ALTER TABLE providers ADD COLUMN live_previous_secret TEXT;
ALTER TABLE providers ADD COLUMN live_previous_until TEXT COLLATE "C";
ALTER TABLE providers ADD COLUMN sandbox_previous_secret TEXT;
ALTER TABLE providers ADD COLUMN sandbox_previous_until TEXT COLLATE "C";
-- A provider's keys, for its key list.
CREATE INDEX api_keys_provider_idx ON api_keys (provider_id, created_at);
-- A disabled switch (maintenance) keeps its queue but no claim picks its jobs.
ALTER TABLE switches ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX switches_disabled_idx ON switches (id) WHERE disabled;
