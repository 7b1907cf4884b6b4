-- Deal registration: who registered it, expected close, the cosell rep, resell terms, the
-- reason of a decision, a conflict found at registration, protection, closing and the customer
-- a won deal made or linked. Programs get the protection length and whether partners see
-- their customers' emails unmasked (0 = masked, the default).

ALTER TABLE deals ADD COLUMN contact_id BIGINT REFERENCES contacts(id);
ALTER TABLE deals ADD COLUMN expected_close_at BIGINT;
ALTER TABLE deals ADD COLUMN rep_user_id BIGINT REFERENCES users(id);
ALTER TABLE deals ADD COLUMN buy_price_minor BIGINT;
ALTER TABLE deals ADD COLUMN discount_bp BIGINT;
ALTER TABLE deals ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE deals ADD COLUMN reason TEXT;
ALTER TABLE deals ADD COLUMN conflict TEXT;
ALTER TABLE deals ADD COLUMN approved_at BIGINT;
ALTER TABLE deals ADD COLUMN protected_until BIGINT;
ALTER TABLE deals ADD COLUMN closed_at BIGINT;
ALTER TABLE deals ADD COLUMN customer_id BIGINT REFERENCES customers(id);
ALTER TABLE deals ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE deals SET updated_at = created_at;
CREATE INDEX deals_program_stage_id ON deals(program_id, stage, id);
CREATE INDEX deals_partnership_stage_id ON deals(partnership_id, stage, id);

ALTER TABLE programs ADD COLUMN deal_protection_days BIGINT NOT NULL DEFAULT 90;
ALTER TABLE programs ADD COLUMN customer_email_visible BIGINT NOT NULL DEFAULT 0;
