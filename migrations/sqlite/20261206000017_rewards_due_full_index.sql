-- The partial index rewards_due (WHERE status = 'pending') made SQLite plan again, on every
-- run, each statement that compares rewards.status with a bound value: it checks the value
-- against the index's WHERE and marks the statement stale whenever that value is bound anew.
-- That was a quarter of the vendor overview's time. A full index serves the hold-release job's
-- `status = $ AND available_at <= $` scan the same way on both backends.
DROP INDEX rewards_due;
CREATE INDEX rewards_status_due ON rewards(status, available_at, id);
