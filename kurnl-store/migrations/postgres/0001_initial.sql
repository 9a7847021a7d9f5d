-- kurnl store schema, PostgreSQL flavour (twin of ../sqlite; keep them in step).
--
-- Conventions shared with SQLite so that one set of queries serves both: timestamps are
-- RFC 3339 UTC text with nine fractional digits in the "C" collation, which sorts
-- chronologically and round-trips chrono values exactly (timestamptz would truncate to
-- microseconds); nested value objects are JSONB.
--
-- Uniqueness rules of the Store contract are unique indexes; the adapter maps a violation to
-- a ConflictKind by the index name PostgreSQL reports (src/error.rs).

CREATE TABLE providers (
    id UUID PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    live_webhook_url TEXT,
    live_webhook_secret TEXT,
    sandbox_webhook_url TEXT,
    sandbox_webhook_secret TEXT,
    external_checkout_url TEXT,
    billing_mode TEXT NOT NULL
);

CREATE TABLE api_keys (
    id UUID PRIMARY KEY NOT NULL,
    provider_id UUID NOT NULL,
    key_hash TEXT NOT NULL,
    display_prefix TEXT NOT NULL,
    sandbox BOOLEAN NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    revoked_at TEXT COLLATE "C"
);
CREATE UNIQUE INDEX api_keys_hash_uq ON api_keys (key_hash);

CREATE TABLE plans (
    id UUID PRIMARY KEY NOT NULL,
    provider_id UUID NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE plan_versions (
    id UUID PRIMARY KEY NOT NULL,
    plan_id UUID NOT NULL,
    provider_id UUID NOT NULL,
    name TEXT NOT NULL,
    vlan BIGINT NOT NULL,
    rate_down BIGINT NOT NULL,
    rate_up BIGINT NOT NULL,
    effective_from TEXT COLLATE "C" NOT NULL,
    effective_to TEXT COLLATE "C"
);
CREATE INDEX plan_versions_provider_idx ON plan_versions (provider_id, effective_from, id);

CREATE TABLE switches (
    id UUID PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    driver TEXT NOT NULL,
    address TEXT NOT NULL,
    ssh_port BIGINT NOT NULL,
    credentials_ref TEXT NOT NULL,
    host_key TEXT,
    captive_vlan BIGINT NOT NULL,
    max_sessions BIGINT NOT NULL
);
CREATE INDEX switches_name_idx ON switches (name, id);

CREATE TABLE ports (
    switch_id UUID NOT NULL,
    port_number BIGINT NOT NULL,
    interface TEXT NOT NULL,
    PRIMARY KEY (switch_id, port_number)
);

CREATE TABLE locations (
    hash TEXT PRIMARY KEY NOT NULL,
    switch_id UUID NOT NULL,
    port_number BIGINT NOT NULL,
    building_id UUID,
    unit_id UUID
);

CREATE TABLE buildings (
    id UUID PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    address TEXT
);

CREATE TABLE units (
    id UUID PRIMARY KEY NOT NULL,
    building_id UUID NOT NULL,
    label TEXT NOT NULL,
    floor TEXT
);

CREATE TABLE subscribers (
    id UUID PRIMARY KEY NOT NULL,
    provider_id UUID NOT NULL,
    sandbox BOOLEAN NOT NULL,
    email TEXT NOT NULL,
    username TEXT,
    firstname TEXT NOT NULL,
    lastname TEXT NOT NULL,
    phonenumber TEXT,
    address JSONB NOT NULL,
    customer_type TEXT NOT NULL,
    password_hash TEXT,
    invoice_contact JSONB,
    contract_contact JSONB,
    -- lower-cased "email\nfirstname\nlastname" for the case-insensitive search
    search_text TEXT NOT NULL,
    revision BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX subscribers_email_uq ON subscribers (provider_id, sandbox, email);
CREATE INDEX subscribers_list_idx ON subscribers (provider_id, sandbox, created_at, id);

CREATE TABLE subscriptions (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL,
    provider_id UUID NOT NULL,
    sandbox BOOLEAN NOT NULL,
    subscriber_id UUID,
    plan_version_id UUID NOT NULL,
    status TEXT NOT NULL,
    delivery_mode TEXT NOT NULL,
    location_hash TEXT,
    unit_id UUID,
    port_switch_id UUID,
    port_number BIGINT,
    mac TEXT,
    external_subscription_id TEXT,
    idempotency_key TEXT,
    request_fingerprint TEXT,
    initial_job_id UUID,
    revision BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
-- PostgreSQL checks a table's unique indexes in the order of their creation (OID order);
-- these are created so that a write breaking several rules reports them in the order of the
-- reference store: duplicate id, then idempotency key, then port, then unit.
CREATE UNIQUE INDEX subscriptions_id_uq ON subscriptions (id);
CREATE UNIQUE INDEX subscriptions_idempotency_uq ON subscriptions (provider_id, sandbox, idempotency_key)
    WHERE status <> 'CANCELLED' AND idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX subscriptions_port_uq ON subscriptions (sandbox, port_switch_id, port_number)
    WHERE status <> 'CANCELLED' AND port_switch_id IS NOT NULL;
CREATE UNIQUE INDEX subscriptions_unit_uq ON subscriptions (sandbox, unit_id)
    WHERE status <> 'CANCELLED' AND unit_id IS NOT NULL;
CREATE INDEX subscriptions_subscriber_idx ON subscriptions (subscriber_id, status);

CREATE TABLE jobs (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL,
    provider_id UUID NOT NULL,
    subscription_id UUID NOT NULL,
    sandbox BOOLEAN NOT NULL,
    action TEXT NOT NULL,
    switch_id UUID NOT NULL,
    port_number BIGINT NOT NULL,
    interface TEXT NOT NULL,
    desired JSONB NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    run_at TEXT COLLATE "C" NOT NULL,
    lease UUID,
    lease_expires_at TEXT COLLATE "C",
    last_error TEXT,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX jobs_id_uq ON jobs (id);
CREATE INDEX jobs_subscription_idx ON jobs (subscription_id, created_at, seq);
-- unfinished jobs per port, in queue order: head-of-port checks and claims
CREATE INDEX jobs_open_port_idx ON jobs (switch_id, port_number, created_at, seq)
    WHERE status IN ('pending', 'in_progress');
-- pending jobs oldest first: the claim walks this and stops at the first servable head
CREATE INDEX jobs_pending_idx ON jobs (created_at, seq) WHERE status = 'pending';
-- leases held per switch (the session limit)
CREATE INDEX jobs_switch_lease_idx ON jobs (switch_id, lease) WHERE status = 'in_progress';
-- expired leases, for reaping
CREATE INDEX jobs_lease_expiry_idx ON jobs (lease_expires_at) WHERE status = 'in_progress';
CREATE INDEX jobs_lease_token_idx ON jobs (lease) WHERE lease IS NOT NULL;

-- last sequence number handed out per subscription (SQLite, with one writer, needs none)
CREATE TABLE event_sequences (
    subscription_id UUID PRIMARY KEY NOT NULL,
    last BIGINT NOT NULL
);

CREATE TABLE events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL,
    provider_id UUID NOT NULL,
    sandbox BOOLEAN NOT NULL,
    subscription_id UUID NOT NULL,
    data JSONB NOT NULL,
    sequence BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TEXT COLLATE "C" NOT NULL,
    lease UUID,
    lease_expires_at TEXT COLLATE "C"
);
CREATE UNIQUE INDEX events_id_uq ON events (id);
CREATE INDEX events_provider_idx ON events (provider_id, created_at, seq);
CREATE INDEX events_pending_idx ON events (created_at, seq) WHERE status = 'pending';
CREATE UNIQUE INDEX events_sequence_uq ON events (subscription_id, sequence);

CREATE TABLE delivery_attempts (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id UUID NOT NULL,
    attempt BIGINT NOT NULL,
    at TEXT COLLATE "C" NOT NULL,
    status_code BIGINT,
    latency_ms BIGINT NOT NULL,
    error TEXT
);
CREATE INDEX delivery_attempts_event_idx ON delivery_attempts (event_id, seq);

CREATE TABLE batches (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL,
    provider_id UUID NOT NULL,
    sandbox BOOLEAN NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX batches_id_uq ON batches (id);
CREATE INDEX batches_provider_idx ON batches (provider_id, sandbox, created_at);
CREATE INDEX batches_created_idx ON batches (created_at, seq);

CREATE TABLE batch_entries (
    batch_id UUID NOT NULL,
    idx BIGINT NOT NULL,
    email TEXT NOT NULL,
    request JSONB NOT NULL,
    outcome JSONB,
    job_id UUID,
    PRIMARY KEY (batch_id, idx)
);
CREATE INDEX batch_entries_unprocessed_idx ON batch_entries (batch_id) WHERE outcome IS NULL;
