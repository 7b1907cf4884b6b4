-- Webhooks (domain::webhook): a program's endpoints, the messages queued for each and every
-- attempt to deliver one.
CREATE TABLE webhook_endpoints (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    program_id BIGINT NOT NULL REFERENCES programs(id),
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The event names it receives, comma-separated; empty for every event.
    event_types TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    -- Why it was turned off when the portal did it (a 410, five days of failures).
    disabled_reason TEXT,
    secret TEXT NOT NULL,
    -- A rotated-out secret signs beside the new one until previous_secret_until.
    previous_secret TEXT,
    previous_secret_until BIGINT,
    -- Since when every attempt has failed (NULL after a success).
    failing_since BIGINT,
    created_by_user_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_program ON webhook_endpoints(program_id, id);
CREATE INDEX webhook_endpoints_company ON webhook_endpoints(company_id, enabled);

-- One message for one endpoint: an event (the body fixed when it was queued, so every attempt
-- sends the same bytes), a replay of an earlier one, or a test.
CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints(id),
    event_id BIGINT REFERENCES events(id),
    replay_of BIGINT REFERENCES webhook_deliveries(id),
    event_type TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries(endpoint_id, id);
-- An event is queued once per endpoint (replays are rows of their own).
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries(endpoint_id, event_id)
    WHERE replay_of IS NULL AND event_id IS NOT NULL;

-- Each attempt: what was sent, what came back, how long it took.
CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id),
    attempt BIGINT NOT NULL,
    attempted_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    response_status BIGINT,
    -- The first part of the answer's body, or why there was no answer.
    response TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);
