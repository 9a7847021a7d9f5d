-- A batch whose entries all have outcomes and whose jobs all finished stays finished (outcomes
-- and finished jobs never change back). Marking it lets the "batches in progress" check look
-- at the few open batches of a provider instead of every batch it ever sent.
ALTER TABLE batches ADD COLUMN finished BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX batches_open_idx ON batches (provider_id, sandbox) WHERE NOT finished;
