-- First-run set-up (/setup): while no company exists, each server process that starts stores the
-- hash of a token it prints in its log; the page creates the first company with any of them, and
-- then they are all deleted.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
