-- Signup attribution, the tracking snippet's public key, link counters and the customer
-- referral widget.

-- Links go to the domains of programs.allowed_domains (the Settings field); the column the
-- links migration added for the same list was never written by the app.
ALTER TABLE programs DROP COLUMN link_domains;

-- The tracking snippet's key: public (it sits in the vendor's pages), so stored as is.
ALTER TABLE programs ADD COLUMN public_key TEXT;
UPDATE programs SET public_key = 'pk_' || substr(md5(random()::text || id::text), 1, 24);
CREATE UNIQUE INDEX programs_public_key ON programs(public_key);

-- Counted by the click writer, in the batch's transaction, so link lists never count clicks.
ALTER TABLE links ADD COLUMN click_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN bot_click_count BIGINT NOT NULL DEFAULT 0;
-- With the counts kept, nothing reads clicks by link: one index less on the busiest insert.
DROP INDEX clicks_link;

-- How a signup was attributed: the click (its link, the contact whose link it is, when), the
-- model that chose it, and a review when it looked like a self-referral (held: no
-- partnership until a teammate approves it).
ALTER TABLE customers ADD COLUMN link_id BIGINT REFERENCES links(id);
ALTER TABLE customers ADD COLUMN contact_id BIGINT REFERENCES contacts(id);
ALTER TABLE customers ADD COLUMN click_key TEXT;
ALTER TABLE customers ADD COLUMN clicked_at BIGINT;
ALTER TABLE customers ADD COLUMN signed_up_at BIGINT;
ALTER TABLE customers ADD COLUMN attribution_model TEXT;
ALTER TABLE customers ADD COLUMN review_status TEXT;
ALTER TABLE customers ADD COLUMN review_partnership_id BIGINT REFERENCES partnerships(id);
CREATE INDEX customers_link ON customers(link_id, id);
CREATE INDEX customers_review ON customers(program_id, review_status, id);

-- A customer who refers others has a partnership of its own (type customer_referral).
ALTER TABLE partnerships ADD COLUMN referrer_customer_id BIGINT REFERENCES customers(id);
CREATE UNIQUE INDEX partnerships_referrer ON partnerships(referrer_customer_id);

-- Short-lived tokens the vendor's backend creates for the referral widget; only a hash is kept.
CREATE TABLE referral_tokens (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX referral_tokens_expiry ON referral_tokens(expires_at);
