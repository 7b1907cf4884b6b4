-- Tier progress sums a partnership's closed-won deal revenue or paid revenue over a window of
-- whole UTC days (day = milliseconds / 86,400,000). The sums are kept per partnership and day,
-- so a measure reads at most one row per day of its window however many deals and
-- transactions the partner has. Statement triggers over transition tables keep them in the
-- writer's transaction, one upsert per statement (as the dashboard sums are kept).
CREATE TABLE partnership_days (
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id),
    day BIGINT NOT NULL,
    closed_won_minor BIGINT NOT NULL DEFAULT 0,
    paid_minor BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (partnership_id, day)
);

INSERT INTO partnership_days (partnership_id, day, closed_won_minor, paid_minor)
SELECT partnership_id, day, SUM(won), SUM(paid) FROM (
    SELECT partnership_id, COALESCE(closed_at, created_at) / 86400000 AS day, amount_minor AS won, 0 AS paid
    FROM deals WHERE stage = 'closed_won'
    UNION ALL
    SELECT partnership_id, occurred_at / 86400000, 0, amount_minor
    FROM transactions WHERE partnership_id IS NOT NULL
) x GROUP BY partnership_id, day;

-- The rows a statement won (+) and the rows it took back (-), summed per partnership and day.
-- Upserts run in key order, so concurrent writers lock the same rows in the same order.
CREATE FUNCTION partnership_days_deals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO partnership_days AS d (partnership_id, day, closed_won_minor)
        SELECT partnership_id, COALESCE(closed_at, created_at) / 86400000 AS day, SUM(amount_minor)
        FROM new_rows WHERE stage = 'closed_won' GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (partnership_id, day) DO UPDATE SET closed_won_minor = d.closed_won_minor + excluded.closed_won_minor;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO partnership_days AS d (partnership_id, day, closed_won_minor)
        SELECT partnership_id, day, SUM(amount) FROM (
            SELECT partnership_id, COALESCE(closed_at, created_at) / 86400000 AS day, amount_minor AS amount
            FROM new_rows WHERE stage = 'closed_won'
            UNION ALL
            SELECT partnership_id, COALESCE(closed_at, created_at) / 86400000, -amount_minor
            FROM old_rows WHERE stage = 'closed_won'
        ) x GROUP BY 1, 2 HAVING SUM(amount) <> 0 ORDER BY 1, 2
        ON CONFLICT (partnership_id, day) DO UPDATE SET closed_won_minor = d.closed_won_minor + excluded.closed_won_minor;
    ELSE
        INSERT INTO partnership_days AS d (partnership_id, day, closed_won_minor)
        SELECT partnership_id, COALESCE(closed_at, created_at) / 86400000 AS day, -SUM(amount_minor)
        FROM old_rows WHERE stage = 'closed_won' GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (partnership_id, day) DO UPDATE SET closed_won_minor = d.closed_won_minor + excluded.closed_won_minor;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER partnership_days_deals_insert AFTER INSERT ON deals
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_days_deals();
CREATE TRIGGER partnership_days_deals_update AFTER UPDATE ON deals
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_days_deals();
CREATE TRIGGER partnership_days_deals_delete AFTER DELETE ON deals
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_days_deals();

CREATE FUNCTION partnership_days_transactions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO partnership_days AS d (partnership_id, day, paid_minor)
        SELECT partnership_id, occurred_at / 86400000 AS day, SUM(amount_minor)
        FROM new_rows WHERE partnership_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (partnership_id, day) DO UPDATE SET paid_minor = d.paid_minor + excluded.paid_minor;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO partnership_days AS d (partnership_id, day, paid_minor)
        SELECT partnership_id, day, SUM(amount) FROM (
            SELECT partnership_id, occurred_at / 86400000 AS day, amount_minor AS amount
            FROM new_rows WHERE partnership_id IS NOT NULL
            UNION ALL
            SELECT partnership_id, occurred_at / 86400000, -amount_minor
            FROM old_rows WHERE partnership_id IS NOT NULL
        ) x GROUP BY 1, 2 HAVING SUM(amount) <> 0 ORDER BY 1, 2
        ON CONFLICT (partnership_id, day) DO UPDATE SET paid_minor = d.paid_minor + excluded.paid_minor;
    ELSE
        INSERT INTO partnership_days AS d (partnership_id, day, paid_minor)
        SELECT partnership_id, occurred_at / 86400000 AS day, -SUM(amount_minor)
        FROM old_rows WHERE partnership_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (partnership_id, day) DO UPDATE SET paid_minor = d.paid_minor + excluded.paid_minor;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER partnership_days_transactions_insert AFTER INSERT ON transactions
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_days_transactions();
CREATE TRIGGER partnership_days_transactions_update AFTER UPDATE ON transactions
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_days_transactions();
CREATE TRIGGER partnership_days_transactions_delete AFTER DELETE ON transactions
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_days_transactions();
