-- Attempt counters (sign-in and password re-checks per account and per address, public signup
-- reports per program and per address), shared by every server process on this database.
-- An attempt is counted and read back in one upsert, so parallel attempts each see their own
-- count (domain::throttle).
CREATE TABLE throttle_counters (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    window_started_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX throttle_counters_window ON throttle_counters(window_started_at);

-- One-time links where a person sets their password (the first owner of a company made by
-- `server create-company`). Only the token's SHA-256 is stored.
CREATE TABLE password_tokens (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_tokens_user ON password_tokens(user_id);
