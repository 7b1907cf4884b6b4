-- A visitor's signup waits here until they follow the link emailed to them: no account exists
-- before the address is confirmed, so the signup form answers the same for every address.
-- Only the token's hash is kept; the password is already hashed.
CREATE TABLE signups (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    email_normalized TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    team_name TEXT NOT NULL,
    partner_type TEXT NOT NULL,
    website TEXT,
    country TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
