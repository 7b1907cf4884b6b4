-- The tier engine: every tier change is kept (the tier in force at an event's time is read
-- from it), demotion waits a grace period set per program, and the daily evaluation is
-- claimed by one server process at a time.

ALTER TABLE programs ADD COLUMN tier_grace_days BIGINT NOT NULL DEFAULT 30;

-- When the partnership stopped qualifying for the tier it holds (NULL while it qualifies).
ALTER TABLE partnerships ADD COLUMN tier_below_since BIGINT;

CREATE TABLE tier_changes (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id),
    from_tier_id BIGINT REFERENCES tiers(id),
    to_tier_id BIGINT REFERENCES tiers(id),
    -- promoted | demoted | set (by a teammate)
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor_user_id BIGINT REFERENCES users(id),
    effective_at BIGINT NOT NULL
);
CREATE INDEX tier_changes_partnership ON tier_changes(partnership_id, effective_at, id);

-- Paid revenue and paying customers per partnership over a window.
CREATE INDEX transactions_partnership ON transactions(partnership_id, occurred_at);
-- Closed-won revenue per partnership over a window.
CREATE INDEX deals_partnership_closed ON deals(partnership_id, stage, closed_at);

-- Jobs that run once a day across all server processes: a process claims a run with a
-- conditional update of last_run_at.
CREATE TABLE job_runs (
    name TEXT PRIMARY KEY,
    last_run_at BIGINT NOT NULL
);
INSERT INTO job_runs (name, last_run_at) VALUES ('tier_evaluation', 0);

-- The offer simulator replays a program's events of a window, oldest first.
CREATE INDEX transactions_program_occurred ON transactions(program_id, occurred_at, id);
CREATE INDEX deals_program_stage_closed ON deals(program_id, stage, closed_at, id);
CREATE INDEX leads_program_status_updated ON leads(program_id, status, updated_at, id);
CREATE INDEX customers_program_created ON customers(program_id, created_at, id);
-- What an offer paid, per partnership, over a window.
CREATE INDEX rewards_offer_version ON rewards(offer_version_id, created_at);
