-- Partner-registered leads: who registered them, the normalised domain and company name that
-- conflict checks compare, the reason of a decision, a conflict found at registration, and the
-- customer a lead became. Customers and deals get the same normalised keys.

ALTER TABLE leads ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN domain TEXT;
ALTER TABLE leads ADD COLUMN company_key TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN contact_id BIGINT REFERENCES contacts(id);
ALTER TABLE leads ADD COLUMN reason TEXT;
ALTER TABLE leads ADD COLUMN conflict TEXT;
ALTER TABLE leads ADD COLUMN customer_id BIGINT REFERENCES customers(id);
ALTER TABLE leads ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE leads SET company_key = lower(company_name), updated_at = created_at;
CREATE INDEX leads_program_id ON leads(program_id, id);
CREATE INDEX leads_program_domain ON leads(program_id, domain);
CREATE INDEX leads_program_company ON leads(program_id, company_key);

ALTER TABLE customers ADD COLUMN email TEXT;
ALTER TABLE customers ADD COLUMN domain TEXT;
ALTER TABLE customers ADD COLUMN company_key TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN status TEXT NOT NULL DEFAULT 'signed_up';
ALTER TABLE customers ADD COLUMN attributed_at BIGINT;
UPDATE customers SET company_key = lower(name), attributed_at = created_at;
CREATE INDEX customers_program_domain ON customers(program_id, domain);
CREATE INDEX customers_program_company ON customers(program_id, company_key);

ALTER TABLE deals ADD COLUMN domain TEXT;
ALTER TABLE deals ADD COLUMN company_key TEXT NOT NULL DEFAULT '';
UPDATE deals SET company_key = lower(name);
CREATE INDEX deals_program_domain ON deals(program_id, domain);
CREATE INDEX deals_program_company ON deals(program_id, company_key);
