-- kurnl store schema, SQLite flavour (see ../postgres for the PostgreSQL twin).
--
-- Conventions shared with PostgreSQL so that one set of queries serves both:
-- ids are UUIDs (16-byte BLOBs here), timestamps are RFC 3339 UTC text with nine fractional digits,
-- which sorts chronologically and round-trips chrono values exactly (years 0000-9999), nested value objects are JSON text.
--
-- Uniqueness rules of the Store contract are unique indexes. SQLite reports a violation as
-- "UNIQUE constraint failed: <table>.<col>, ..." without the index name, so the adapter maps
-- the column list to a ConflictKind (src/error.rs); keep the column lists distinct.

CREATE TABLE providers (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    live_webhook_url TEXT,
    live_webhook_secret TEXT,
    sandbox_webhook_url TEXT,
    sandbox_webhook_secret TEXT,
    external_checkout_url TEXT,
    billing_mode TEXT NOT NULL
);

CREATE TABLE api_keys (
    id BLOB PRIMARY KEY NOT NULL,
    provider_id BLOB NOT NULL,
    key_hash TEXT NOT NULL,
    display_prefix TEXT NOT NULL,
    sandbox INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX api_keys_hash_uq ON api_keys (key_hash);

CREATE TABLE plans (
    id BLOB PRIMARY KEY NOT NULL,
    provider_id BLOB NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE plan_versions (
    id BLOB PRIMARY KEY NOT NULL,
    plan_id BLOB NOT NULL,
    provider_id BLOB NOT NULL,
    name TEXT NOT NULL,
    vlan INTEGER NOT NULL,
    rate_down INTEGER NOT NULL,
    rate_up INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT
);
CREATE INDEX plan_versions_provider_idx ON plan_versions (provider_id, effective_from, id);

CREATE TABLE switches (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    driver TEXT NOT NULL,
    address TEXT NOT NULL,
    ssh_port INTEGER NOT NULL,
    credentials_ref TEXT NOT NULL,
    host_key TEXT,
    captive_vlan INTEGER NOT NULL,
    max_sessions INTEGER NOT NULL
);
CREATE INDEX switches_name_idx ON switches (name, id);

CREATE TABLE ports (
    switch_id BLOB NOT NULL,
    port_number INTEGER NOT NULL,
    interface TEXT NOT NULL,
    PRIMARY KEY (switch_id, port_number)
);

CREATE TABLE locations (
    hash TEXT PRIMARY KEY NOT NULL,
    switch_id BLOB NOT NULL,
    port_number INTEGER NOT NULL,
    building_id BLOB,
    unit_id BLOB
);

CREATE TABLE buildings (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    address TEXT
);

CREATE TABLE units (
    id BLOB PRIMARY KEY NOT NULL,
    building_id BLOB NOT NULL,
    label TEXT NOT NULL,
    floor TEXT
);

CREATE TABLE subscribers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL,
    provider_id BLOB NOT NULL,
    sandbox INTEGER NOT NULL,
    email TEXT NOT NULL,
    username TEXT,
    firstname TEXT NOT NULL,
    lastname TEXT NOT NULL,
    phonenumber TEXT,
    address TEXT NOT NULL,
    customer_type TEXT NOT NULL,
    password_hash TEXT,
    invoice_contact TEXT,
    contract_contact TEXT,
    -- lower-cased "email\nfirstname\nlastname" for the case-insensitive search
    search_text TEXT NOT NULL,
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- checked in reverse creation order: duplicate id first, as in the reference store
CREATE UNIQUE INDEX subscribers_email_uq ON subscribers (provider_id, sandbox, email);
CREATE UNIQUE INDEX subscribers_id_uq ON subscribers (id);
CREATE INDEX subscribers_list_idx ON subscribers (provider_id, sandbox, created_at, id);

CREATE TABLE subscriptions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL,
    provider_id BLOB NOT NULL,
    sandbox INTEGER NOT NULL,
    subscriber_id BLOB,
    plan_version_id BLOB NOT NULL,
    status TEXT NOT NULL,
    delivery_mode TEXT NOT NULL,
    location_hash TEXT,
    unit_id BLOB,
    port_switch_id BLOB,
    port_number INTEGER,
    mac TEXT,
    external_subscription_id TEXT,
    idempotency_key TEXT,
    request_fingerprint TEXT,
    initial_job_id BLOB,
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- SQLite checks a table's unique indexes in the reverse order of their creation; these are
-- created so that a write breaking several rules reports them in the order of the reference
-- store: duplicate id, then idempotency key, then port, then unit.
CREATE UNIQUE INDEX subscriptions_unit_uq ON subscriptions (sandbox, unit_id)
    WHERE status <> 'CANCELLED' AND unit_id IS NOT NULL;
CREATE UNIQUE INDEX subscriptions_port_uq ON subscriptions (sandbox, port_switch_id, port_number)
    WHERE status <> 'CANCELLED' AND port_switch_id IS NOT NULL;
CREATE UNIQUE INDEX subscriptions_idempotency_uq ON subscriptions (provider_id, sandbox, idempotency_key)
    WHERE status <> 'CANCELLED' AND idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX subscriptions_id_uq ON subscriptions (id);
CREATE INDEX subscriptions_subscriber_idx ON subscriptions (subscriber_id, status);

CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL,
    provider_id BLOB NOT NULL,
    subscription_id BLOB NOT NULL,
    sandbox INTEGER NOT NULL,
    action TEXT NOT NULL,
    switch_id BLOB NOT NULL,
    port_number INTEGER NOT NULL,
    interface TEXT NOT NULL,
    desired TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    run_at TEXT NOT NULL,
    lease BLOB,
    lease_expires_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
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

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL,
    provider_id BLOB NOT NULL,
    sandbox INTEGER NOT NULL,
    subscription_id BLOB NOT NULL,
    data TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease BLOB,
    lease_expires_at TEXT
);
CREATE UNIQUE INDEX events_id_uq ON events (id);
CREATE INDEX events_provider_idx ON events (provider_id, created_at, seq);
CREATE INDEX events_pending_idx ON events (created_at, seq) WHERE status = 'pending';
CREATE UNIQUE INDEX events_sequence_uq ON events (subscription_id, sequence);

CREATE TABLE delivery_attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BLOB NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    status_code INTEGER,
    latency_ms INTEGER NOT NULL,
    error TEXT
);
CREATE INDEX delivery_attempts_event_idx ON delivery_attempts (event_id, seq);

CREATE TABLE batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL,
    provider_id BLOB NOT NULL,
    sandbox INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX batches_id_uq ON batches (id);
CREATE INDEX batches_provider_idx ON batches (provider_id, sandbox, created_at);
CREATE INDEX batches_created_idx ON batches (created_at, seq);

CREATE TABLE batch_entries (
    batch_id BLOB NOT NULL,
    idx INTEGER NOT NULL,
    email TEXT NOT NULL,
    request TEXT NOT NULL,
    outcome TEXT,
    job_id BLOB,
    PRIMARY KEY (batch_id, idx)
);
CREATE INDEX batch_entries_unprocessed_idx ON batch_entries (batch_id) WHERE outcome IS NULL;
