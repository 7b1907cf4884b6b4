-- Money: program API keys, idempotent API requests, transactions, versioned offers, and what
-- rewards and payouts need to be explained, held, clawed back and paid.

-- A key is shown once; only its SHA-256 is stored (keys are 32 random bytes, so a fast hash
-- is enough). The prefix identifies a key in lists and finds its row.
CREATE TABLE api_keys (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    key_hash TEXT NOT NULL,
    created_by_user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_keys_program ON api_keys(program_id, id);

-- The first response to an Idempotency-Key (status NULL while that request runs).
CREATE TABLE idempotency_keys (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (program_id, idem_key)
);

CREATE TABLE transactions (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    partnership_id BIGINT REFERENCES partnerships(id),
    transaction_key TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    product_key TEXT,
    refund_of BIGINT REFERENCES transactions(id),
    metadata TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL,
    created_by_user_id BIGINT REFERENCES users(id),
    occurred_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (program_id, transaction_key)
);
CREATE INDEX transactions_program_id ON transactions(program_id, id);
CREATE INDEX transactions_customer ON transactions(customer_id, id);
CREATE INDEX transactions_refund_of ON transactions(refund_of);

CREATE TABLE offers (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    name TEXT NOT NULL,
    event TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (program_id, name)
);
CREATE INDEX offers_program_event ON offers(program_id, event);

-- JSON: a domain::offer::OfferVersion. Never updated: an edit is a new version.
CREATE TABLE offer_versions (
    id BIGSERIAL PRIMARY KEY,
    offer_id BIGINT NOT NULL REFERENCES offers(id),
    version BIGINT NOT NULL,
    effective_from BIGINT NOT NULL,
    definition TEXT NOT NULL,
    created_by_user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (offer_id, version)
);

ALTER TABLE rewards ADD COLUMN contact_id BIGINT REFERENCES contacts(id);
ALTER TABLE rewards ADD COLUMN customer_id BIGINT REFERENCES customers(id);
ALTER TABLE rewards ADD COLUMN transaction_id BIGINT REFERENCES transactions(id);
ALTER TABLE rewards ADD COLUMN offer_version_id BIGINT REFERENCES offer_versions(id);
ALTER TABLE rewards ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE rewards ADD COLUMN created_by_user_id BIGINT REFERENCES users(id);
ALTER TABLE rewards ADD COLUMN reason TEXT;
ALTER TABLE rewards ADD COLUMN clawback_of BIGINT REFERENCES rewards(id);
ALTER TABLE rewards ADD COLUMN on_hold BIGINT NOT NULL DEFAULT 0;
-- JSON: the explanation steps (event, customer, attribution, offer version, tier, rounding).
ALTER TABLE rewards ADD COLUMN explanation TEXT NOT NULL DEFAULT '[]';
ALTER TABLE rewards ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE rewards SET updated_at = created_at;
CREATE INDEX customers_program_email ON customers(program_id, email);
CREATE INDEX rewards_partnership_id ON rewards(partnership_id, id);
CREATE INDEX rewards_program_id ON rewards(program_id, id);
CREATE INDEX rewards_program_status_id ON rewards(program_id, status, id);
CREATE INDEX rewards_transaction ON rewards(transaction_id);
CREATE INDEX rewards_payout ON rewards(payout_id);
CREATE INDEX rewards_clawback_of ON rewards(clawback_of);
-- The hold job reads only pending rewards that are due.
CREATE INDEX rewards_due ON rewards(available_at, id) WHERE status = 'pending';

-- Where the payout goes, copied from the partner team when it was requested.
ALTER TABLE payouts ADD COLUMN method TEXT;
ALTER TABLE payouts ADD COLUMN details TEXT;
ALTER TABLE payouts ADD COLUMN requested_by_user_id BIGINT REFERENCES users(id);
ALTER TABLE payouts ADD COLUMN reason TEXT;
ALTER TABLE payouts ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE payouts SET updated_at = created_at;
CREATE INDEX payouts_program_status_id ON payouts(program_id, status, id);
