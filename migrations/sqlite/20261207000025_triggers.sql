-- Triggers (domain::trigger): a program's automation. The rule (event, conditions, actions)
-- is JSON; event_kind is the logged event kind it listens to, so appending an event can ask
-- with one indexed lookup whether any enabled trigger of the company wants it.
CREATE TABLE triggers (
    id INTEGER PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    program_id BIGINT NOT NULL REFERENCES programs(id),
    name TEXT NOT NULL,
    event TEXT NOT NULL,
    event_kind TEXT NOT NULL,
    rule TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    -- Since when it is on: events that happened before (a backlog, events retried later) never
    -- run it.
    enabled_at BIGINT NOT NULL,
    created_by_user_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX triggers_listening ON triggers(company_id, event_kind, enabled);
CREATE INDEX triggers_program ON triggers(program_id, id);

-- One run per (trigger, event), whatever happens to the job that ran it: the log that says
-- why a trigger ran or did not, and the guard that it never runs twice for one event.
CREATE TABLE trigger_runs (
    id INTEGER PRIMARY KEY,
    trigger_id BIGINT NOT NULL REFERENCES triggers(id),
    event_id BIGINT NOT NULL REFERENCES events(id),
    partnership_id BIGINT REFERENCES partnerships(id),
    -- The event in words ("transaction inv_1 of $1,500.00"), as the log shows it.
    event_text TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (event_id, trigger_id)
);
CREATE INDEX trigger_runs_log ON trigger_runs(trigger_id, id);

-- An event an automation caused names the triggers whose actions led to it (comma-separated
-- ids, for the loop rule) and the event that started the chain.
ALTER TABLE events ADD COLUMN caused_by_triggers TEXT;
ALTER TABLE events ADD COLUMN origin_event_id BIGINT;

-- The dry run reads a program's recent events of one kind.
CREATE INDEX events_company_kind ON events(company_id, kind, id);

-- A reward a trigger made names it.
ALTER TABLE rewards ADD COLUMN trigger_id BIGINT REFERENCES triggers(id);

-- The triggers page counts a company's events the runner gave up on.
CREATE INDEX jobs_company ON jobs(company_id, queue, status);
