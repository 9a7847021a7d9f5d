-- The drift audit: each managed switch's audit schedule and last audit, and the drifted ports
-- it found (with the repair job it queued under policy `repair`).
--
-- One row per switch that was ever considered for an audit. `next_due_at` is when the next
-- audit is due, or while one runs when its claim expires (`last_claimed_at`: when it was
-- taken); the `last_*` columns describe the last audit that finished (NULL before the first).
-- `last_outcome` is 'completed' (with the three counts) or 'unreachable' (with `last_error`).
CREATE TABLE switch_audits (
    switch_id BLOB PRIMARY KEY NOT NULL,
    next_due_at TEXT NOT NULL,
    last_claimed_at TEXT,
    last_started_at TEXT,
    last_finished_at TEXT,
    last_policy TEXT,
    last_outcome TEXT,
    ports_checked INTEGER,
    drifted INTEGER,
    unreadable INTEGER,
    last_error TEXT
);

-- Drift findings in insertion order (`seq`). `desired` and `actual` are port states (JSON;
-- `actual` NULL when the switch showed a form kurnl cannot read back, field 'other'),
-- `fields` the JSON array of the field names that differ; `action` is 'reported',
-- 'repair_queued' (with `repair_job_id`) or 'repair_superseded'.
CREATE TABLE drift_findings (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL,
    switch_id BLOB NOT NULL,
    port_number INTEGER NOT NULL,
    interface TEXT NOT NULL,
    subscription_id BLOB,
    provider_id BLOB,
    desired TEXT NOT NULL,
    actual TEXT,
    fields TEXT NOT NULL,
    action TEXT NOT NULL,
    repair_job_id BLOB,
    detected_at TEXT NOT NULL
);
CREATE UNIQUE INDEX drift_findings_id_uq ON drift_findings (id);
-- The operator's finding list, newest first, and its per-switch filter.
CREATE INDEX drift_findings_detected_idx ON drift_findings (detected_at, id);
CREATE INDEX drift_findings_switch_detected_idx ON drift_findings (switch_id, detected_at, id);
