-- Fails the statement that calls it, with SQLSTATE KU001 and `what` as the message.
--
-- Writes that are one statement run without BEGIN/COMMIT (one round trip instead of three).
-- When such a statement finds, part-way, that it must not take effect (a stale revision, a lost
-- lease), it calls this function in its final SELECT: the error rolls back everything the
-- statement's data-modifying WITH items already did. VOLATILE, so the planner never evaluates
-- it ahead of time (a constant `1/0` in a CASE branch may be folded and fail every call).
-- The store maps KU001 to its error by `what` (see `map_pg`).
CREATE FUNCTION kurnl_check_failed(what TEXT) RETURNS BIGINT LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION '%', what USING ERRCODE = 'KU001';
END
$$;
