-- Customers move between signed up, paying and churned from their transactions
-- (domain::customer::next_status): the time of each customer's latest payment, and each
-- program's churn window (days without a payment after which a paying customer churned).
ALTER TABLE customers ADD COLUMN last_paid_at BIGINT;
ALTER TABLE programs ADD COLUMN churn_days BIGINT NOT NULL DEFAULT 90;
UPDATE customers SET last_paid_at = (
    SELECT MAX(t.occurred_at) FROM transactions t WHERE t.customer_id = customers.id AND t.amount_minor > 0
);
-- Customers who paid before the rule existed are paying now (no history event: the rule did
-- not move them, the migration did).
UPDATE customers SET status = 'paying' WHERE status = 'signed_up' AND last_paid_at IS NOT NULL;
CREATE INDEX customers_paying_quiet ON customers(status, last_paid_at);
