-- Tier progress sums a partnership's closed-won deal revenue or paid revenue over a window of
-- whole UTC days (day = milliseconds / 86,400,000). The sums are kept per partnership and day,
-- so a measure reads at most one row per day of its window however many deals and
-- transactions the partner has. Triggers keep them in the writer's transaction.
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

CREATE TRIGGER partnership_days_deals_insert AFTER INSERT ON deals WHEN NEW.stage = 'closed_won'
BEGIN
    INSERT INTO partnership_days (partnership_id, day, closed_won_minor)
    VALUES (NEW.partnership_id, COALESCE(NEW.closed_at, NEW.created_at) / 86400000, NEW.amount_minor)
    ON CONFLICT (partnership_id, day) DO UPDATE SET closed_won_minor = closed_won_minor + excluded.closed_won_minor;
END;

CREATE TRIGGER partnership_days_deals_update
AFTER UPDATE OF stage, amount_minor, closed_at, created_at, partnership_id ON deals
WHEN OLD.stage = 'closed_won' OR NEW.stage = 'closed_won'
BEGIN
    UPDATE partnership_days SET closed_won_minor = closed_won_minor - OLD.amount_minor
    WHERE OLD.stage = 'closed_won' AND partnership_id = OLD.partnership_id
      AND day = COALESCE(OLD.closed_at, OLD.created_at) / 86400000;
    INSERT INTO partnership_days (partnership_id, day, closed_won_minor)
    SELECT NEW.partnership_id, COALESCE(NEW.closed_at, NEW.created_at) / 86400000, NEW.amount_minor
    WHERE NEW.stage = 'closed_won'
    ON CONFLICT (partnership_id, day) DO UPDATE SET closed_won_minor = closed_won_minor + excluded.closed_won_minor;
END;

CREATE TRIGGER partnership_days_deals_delete AFTER DELETE ON deals WHEN OLD.stage = 'closed_won'
BEGIN
    UPDATE partnership_days SET closed_won_minor = closed_won_minor - OLD.amount_minor
    WHERE partnership_id = OLD.partnership_id AND day = COALESCE(OLD.closed_at, OLD.created_at) / 86400000;
END;

CREATE TRIGGER partnership_days_transactions_insert AFTER INSERT ON transactions
WHEN NEW.partnership_id IS NOT NULL
BEGIN
    INSERT INTO partnership_days (partnership_id, day, paid_minor)
    VALUES (NEW.partnership_id, NEW.occurred_at / 86400000, NEW.amount_minor)
    ON CONFLICT (partnership_id, day) DO UPDATE SET paid_minor = paid_minor + excluded.paid_minor;
END;

CREATE TRIGGER partnership_days_transactions_update
AFTER UPDATE OF partnership_id, amount_minor, occurred_at ON transactions
WHEN OLD.partnership_id IS NOT NULL OR NEW.partnership_id IS NOT NULL
BEGIN
    UPDATE partnership_days SET paid_minor = paid_minor - OLD.amount_minor
    WHERE partnership_id = OLD.partnership_id AND day = OLD.occurred_at / 86400000;
    INSERT INTO partnership_days (partnership_id, day, paid_minor)
    SELECT NEW.partnership_id, NEW.occurred_at / 86400000, NEW.amount_minor
    WHERE NEW.partnership_id IS NOT NULL
    ON CONFLICT (partnership_id, day) DO UPDATE SET paid_minor = paid_minor + excluded.paid_minor;
END;

CREATE TRIGGER partnership_days_transactions_delete AFTER DELETE ON transactions
WHEN OLD.partnership_id IS NOT NULL
BEGIN
    UPDATE partnership_days SET paid_minor = paid_minor - OLD.amount_minor
    WHERE partnership_id = OLD.partnership_id AND day = OLD.occurred_at / 86400000;
END;
