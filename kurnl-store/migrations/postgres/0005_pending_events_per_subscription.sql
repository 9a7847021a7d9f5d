-- Pending events per subscription, in sequence order: an event claim takes an event only when
-- it is the first pending event of its subscription, one probe of this index per candidate.
-- Without it the probe combined `events_sequence_uq` with the whole of `events_pending_idx`
-- (a BitmapAnd re-reading every pending event for every candidate) whenever the table had
-- not yet been analysed: 1.2 s a claim during a fresh database's first bulk import.
CREATE INDEX events_pending_subscription_idx ON events (subscription_id, sequence)
    WHERE status = 'pending';
