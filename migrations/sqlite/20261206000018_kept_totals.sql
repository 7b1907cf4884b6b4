-- The vendor dashboard's cards (active partners, open leads and deals, pending rewards,
-- requested payouts) read sums that triggers keep per program and partner group, in the
-- transaction of each change: the cards cost the same with ten partnerships or ten thousand.
-- Per group, so that a partner manager limited to groups reads only theirs; a partnership
-- that moves group takes its leads, deals, rewards and payouts with it.
-- The open statuses here are domain's LeadStatus::OPEN and DealStage::OPEN; every integration
-- test ends by comparing these sums with a count of the rows on both backends.
CREATE TABLE group_totals (
    program_id BIGINT NOT NULL REFERENCES programs(id),
    group_id BIGINT NOT NULL REFERENCES partner_groups(id),
    active_partners BIGINT NOT NULL DEFAULT 0,
    open_leads BIGINT NOT NULL DEFAULT 0,
    open_deals BIGINT NOT NULL DEFAULT 0,
    pending_rewards_minor BIGINT NOT NULL DEFAULT 0,
    requested_payouts BIGINT NOT NULL DEFAULT 0,
    requested_payouts_minor BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (program_id, group_id)
);

INSERT INTO group_totals (program_id, group_id, active_partners, open_leads, open_deals, pending_rewards_minor, requested_payouts, requested_payouts_minor)
SELECT p.program_id, p.group_id,
       SUM(CASE WHEN p.status = 'active' THEN 1 ELSE 0 END),
       SUM((SELECT COUNT(*) FROM leads l WHERE l.partnership_id = p.id AND l.status IN ('submitted', 'accepted', 'passed', 'taken'))),
       SUM((SELECT COUNT(*) FROM deals d WHERE d.partnership_id = p.id AND d.stage IN ('registered', 'approved', 'in_progress'))),
       SUM((SELECT COALESCE(SUM(r.amount_minor), 0) FROM rewards r WHERE r.partnership_id = p.id AND r.status = 'pending')),
       SUM((SELECT COUNT(*) FROM payouts o WHERE o.partnership_id = p.id AND o.status = 'requested')),
       SUM((SELECT COALESCE(SUM(o.amount_minor), 0) FROM payouts o WHERE o.partnership_id = p.id AND o.status = 'requested'))
FROM partnerships p
GROUP BY p.program_id, p.group_id;

-- A partnership counts as active or not; when it moves group (or program) it takes what it
-- owns along.
CREATE TRIGGER partnerships_totals_insert AFTER INSERT ON partnerships
WHEN NEW.status = 'active'
BEGIN
    INSERT INTO group_totals (program_id, group_id, active_partners)
    VALUES (NEW.program_id, NEW.group_id, 1)
    ON CONFLICT (program_id, group_id) DO UPDATE SET active_partners = active_partners + 1;
END;

CREATE TRIGGER partnerships_totals_update AFTER UPDATE OF status, group_id, program_id ON partnerships
WHEN OLD.status <> NEW.status OR OLD.group_id <> NEW.group_id OR OLD.program_id <> NEW.program_id
BEGIN
    INSERT INTO group_totals (program_id, group_id, active_partners, open_leads, open_deals, pending_rewards_minor, requested_payouts, requested_payouts_minor)
    SELECT OLD.program_id, OLD.group_id, -(CASE WHEN OLD.status = 'active' THEN 1 ELSE 0 END),
           -(SELECT COUNT(*) FROM leads l WHERE l.partnership_id = OLD.id AND l.status IN ('submitted', 'accepted', 'passed', 'taken')),
           -(SELECT COUNT(*) FROM deals d WHERE d.partnership_id = OLD.id AND d.stage IN ('registered', 'approved', 'in_progress')),
           -(SELECT COALESCE(SUM(r.amount_minor), 0) FROM rewards r WHERE r.partnership_id = OLD.id AND r.status = 'pending'),
           -(SELECT COUNT(*) FROM payouts o WHERE o.partnership_id = OLD.id AND o.status = 'requested'),
           -(SELECT COALESCE(SUM(o.amount_minor), 0) FROM payouts o WHERE o.partnership_id = OLD.id AND o.status = 'requested')
    WHERE true
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        active_partners = active_partners + excluded.active_partners,
        open_leads = open_leads + excluded.open_leads,
        open_deals = open_deals + excluded.open_deals,
        pending_rewards_minor = pending_rewards_minor + excluded.pending_rewards_minor,
        requested_payouts = requested_payouts + excluded.requested_payouts,
        requested_payouts_minor = requested_payouts_minor + excluded.requested_payouts_minor;
    INSERT INTO group_totals (program_id, group_id, active_partners, open_leads, open_deals, pending_rewards_minor, requested_payouts, requested_payouts_minor)
    SELECT NEW.program_id, NEW.group_id, CASE WHEN NEW.status = 'active' THEN 1 ELSE 0 END,
           (SELECT COUNT(*) FROM leads l WHERE l.partnership_id = NEW.id AND l.status IN ('submitted', 'accepted', 'passed', 'taken')),
           (SELECT COUNT(*) FROM deals d WHERE d.partnership_id = NEW.id AND d.stage IN ('registered', 'approved', 'in_progress')),
           (SELECT COALESCE(SUM(r.amount_minor), 0) FROM rewards r WHERE r.partnership_id = NEW.id AND r.status = 'pending'),
           (SELECT COUNT(*) FROM payouts o WHERE o.partnership_id = NEW.id AND o.status = 'requested'),
           (SELECT COALESCE(SUM(o.amount_minor), 0) FROM payouts o WHERE o.partnership_id = NEW.id AND o.status = 'requested')
    WHERE true
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        active_partners = active_partners + excluded.active_partners,
        open_leads = open_leads + excluded.open_leads,
        open_deals = open_deals + excluded.open_deals,
        pending_rewards_minor = pending_rewards_minor + excluded.pending_rewards_minor,
        requested_payouts = requested_payouts + excluded.requested_payouts,
        requested_payouts_minor = requested_payouts_minor + excluded.requested_payouts_minor;
END;

CREATE TRIGGER partnerships_totals_delete AFTER DELETE ON partnerships
WHEN OLD.status = 'active'
BEGIN
    UPDATE group_totals SET active_partners = active_partners - 1
    WHERE program_id = OLD.program_id AND group_id = OLD.group_id;
END;

CREATE TRIGGER leads_totals_insert AFTER INSERT ON leads
WHEN NEW.status IN ('submitted', 'accepted', 'passed', 'taken')
BEGIN
    INSERT INTO group_totals (program_id, group_id, open_leads)
    SELECT NEW.program_id, p.group_id, CASE WHEN NEW.status IN ('submitted', 'accepted', 'passed', 'taken') THEN 1 ELSE 0 END
    FROM partnerships p WHERE p.id = NEW.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        open_leads = open_leads + excluded.open_leads;
END;

CREATE TRIGGER leads_totals_update AFTER UPDATE OF status, partnership_id, program_id ON leads
WHEN OLD.status <> NEW.status OR OLD.partnership_id <> NEW.partnership_id OR OLD.program_id <> NEW.program_id
BEGIN
    INSERT INTO group_totals (program_id, group_id, open_leads)
    SELECT OLD.program_id, p.group_id, CASE WHEN OLD.status IN ('submitted', 'accepted', 'passed', 'taken') THEN -1 ELSE 0 END
    FROM partnerships p WHERE p.id = OLD.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        open_leads = open_leads + excluded.open_leads;
    INSERT INTO group_totals (program_id, group_id, open_leads)
    SELECT NEW.program_id, p.group_id, CASE WHEN NEW.status IN ('submitted', 'accepted', 'passed', 'taken') THEN 1 ELSE 0 END
    FROM partnerships p WHERE p.id = NEW.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        open_leads = open_leads + excluded.open_leads;
END;

CREATE TRIGGER leads_totals_delete AFTER DELETE ON leads
WHEN OLD.status IN ('submitted', 'accepted', 'passed', 'taken')
BEGIN
    INSERT INTO group_totals (program_id, group_id, open_leads)
    SELECT OLD.program_id, p.group_id, CASE WHEN OLD.status IN ('submitted', 'accepted', 'passed', 'taken') THEN -1 ELSE 0 END
    FROM partnerships p WHERE p.id = OLD.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        open_leads = open_leads + excluded.open_leads;
END;

CREATE TRIGGER deals_totals_insert AFTER INSERT ON deals
WHEN NEW.stage IN ('registered', 'approved', 'in_progress')
BEGIN
    INSERT INTO group_totals (program_id, group_id, open_deals)
    SELECT NEW.program_id, p.group_id, CASE WHEN NEW.stage IN ('registered', 'approved', 'in_progress') THEN 1 ELSE 0 END
    FROM partnerships p WHERE p.id = NEW.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        open_deals = open_deals + excluded.open_deals;
END;

CREATE TRIGGER deals_totals_update AFTER UPDATE OF stage, partnership_id, program_id ON deals
WHEN OLD.stage <> NEW.stage OR OLD.partnership_id <> NEW.partnership_id OR OLD.program_id <> NEW.program_id
BEGIN
    INSERT INTO group_totals (program_id, group_id, open_deals)
    SELECT OLD.program_id, p.group_id, CASE WHEN OLD.stage IN ('registered', 'approved', 'in_progress') THEN -1 ELSE 0 END
    FROM partnerships p WHERE p.id = OLD.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        open_deals = open_deals + excluded.open_deals;
    INSERT INTO group_totals (program_id, group_id, open_deals)
    SELECT NEW.program_id, p.group_id, CASE WHEN NEW.stage IN ('registered', 'approved', 'in_progress') THEN 1 ELSE 0 END
    FROM partnerships p WHERE p.id = NEW.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        open_deals = open_deals + excluded.open_deals;
END;

CREATE TRIGGER deals_totals_delete AFTER DELETE ON deals
WHEN OLD.stage IN ('registered', 'approved', 'in_progress')
BEGIN
    INSERT INTO group_totals (program_id, group_id, open_deals)
    SELECT OLD.program_id, p.group_id, CASE WHEN OLD.stage IN ('registered', 'approved', 'in_progress') THEN -1 ELSE 0 END
    FROM partnerships p WHERE p.id = OLD.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        open_deals = open_deals + excluded.open_deals;
END;

CREATE TRIGGER rewards_totals_insert AFTER INSERT ON rewards
WHEN NEW.status = 'pending'
BEGIN
    INSERT INTO group_totals (program_id, group_id, pending_rewards_minor)
    SELECT NEW.program_id, p.group_id, CASE WHEN NEW.status = 'pending' THEN NEW.amount_minor ELSE 0 END
    FROM partnerships p WHERE p.id = NEW.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        pending_rewards_minor = pending_rewards_minor + excluded.pending_rewards_minor;
END;

CREATE TRIGGER rewards_totals_update AFTER UPDATE OF status, amount_minor, partnership_id, program_id ON rewards
WHEN OLD.status <> NEW.status OR OLD.amount_minor <> NEW.amount_minor OR OLD.partnership_id <> NEW.partnership_id OR OLD.program_id <> NEW.program_id
BEGIN
    INSERT INTO group_totals (program_id, group_id, pending_rewards_minor)
    SELECT OLD.program_id, p.group_id, CASE WHEN OLD.status = 'pending' THEN -OLD.amount_minor ELSE 0 END
    FROM partnerships p WHERE p.id = OLD.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        pending_rewards_minor = pending_rewards_minor + excluded.pending_rewards_minor;
    INSERT INTO group_totals (program_id, group_id, pending_rewards_minor)
    SELECT NEW.program_id, p.group_id, CASE WHEN NEW.status = 'pending' THEN NEW.amount_minor ELSE 0 END
    FROM partnerships p WHERE p.id = NEW.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        pending_rewards_minor = pending_rewards_minor + excluded.pending_rewards_minor;
END;

CREATE TRIGGER rewards_totals_delete AFTER DELETE ON rewards
WHEN OLD.status = 'pending'
BEGIN
    INSERT INTO group_totals (program_id, group_id, pending_rewards_minor)
    SELECT OLD.program_id, p.group_id, CASE WHEN OLD.status = 'pending' THEN -OLD.amount_minor ELSE 0 END
    FROM partnerships p WHERE p.id = OLD.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        pending_rewards_minor = pending_rewards_minor + excluded.pending_rewards_minor;
END;

CREATE TRIGGER payouts_totals_insert AFTER INSERT ON payouts
WHEN NEW.status = 'requested'
BEGIN
    INSERT INTO group_totals (program_id, group_id, requested_payouts, requested_payouts_minor)
    SELECT NEW.program_id, p.group_id, CASE WHEN NEW.status = 'requested' THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'requested' THEN NEW.amount_minor ELSE 0 END
    FROM partnerships p WHERE p.id = NEW.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        requested_payouts = requested_payouts + excluded.requested_payouts,
        requested_payouts_minor = requested_payouts_minor + excluded.requested_payouts_minor;
END;

CREATE TRIGGER payouts_totals_update AFTER UPDATE OF status, amount_minor, partnership_id, program_id ON payouts
WHEN OLD.status <> NEW.status OR OLD.amount_minor <> NEW.amount_minor OR OLD.partnership_id <> NEW.partnership_id OR OLD.program_id <> NEW.program_id
BEGIN
    INSERT INTO group_totals (program_id, group_id, requested_payouts, requested_payouts_minor)
    SELECT OLD.program_id, p.group_id, CASE WHEN OLD.status = 'requested' THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'requested' THEN -OLD.amount_minor ELSE 0 END
    FROM partnerships p WHERE p.id = OLD.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        requested_payouts = requested_payouts + excluded.requested_payouts,
        requested_payouts_minor = requested_payouts_minor + excluded.requested_payouts_minor;
    INSERT INTO group_totals (program_id, group_id, requested_payouts, requested_payouts_minor)
    SELECT NEW.program_id, p.group_id, CASE WHEN NEW.status = 'requested' THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'requested' THEN NEW.amount_minor ELSE 0 END
    FROM partnerships p WHERE p.id = NEW.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        requested_payouts = requested_payouts + excluded.requested_payouts,
        requested_payouts_minor = requested_payouts_minor + excluded.requested_payouts_minor;
END;

CREATE TRIGGER payouts_totals_delete AFTER DELETE ON payouts
WHEN OLD.status = 'requested'
BEGIN
    INSERT INTO group_totals (program_id, group_id, requested_payouts, requested_payouts_minor)
    SELECT OLD.program_id, p.group_id, CASE WHEN OLD.status = 'requested' THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'requested' THEN -OLD.amount_minor ELSE 0 END
    FROM partnerships p WHERE p.id = OLD.partnership_id
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        requested_payouts = requested_payouts + excluded.requested_payouts,
        requested_payouts_minor = requested_payouts_minor + excluded.requested_payouts_minor;
END;

-- A partnership's balance and totals (what its dashboard and cash-out read), kept the same
-- way: available (approved, in no payout), pending, paid, and approved in a payout.
CREATE TABLE partnership_earnings (
    partnership_id BIGINT PRIMARY KEY REFERENCES partnerships(id),
    available_minor BIGINT NOT NULL DEFAULT 0,
    pending_minor BIGINT NOT NULL DEFAULT 0,
    paid_minor BIGINT NOT NULL DEFAULT 0,
    in_payout_minor BIGINT NOT NULL DEFAULT 0
);

INSERT INTO partnership_earnings (partnership_id, available_minor, pending_minor, paid_minor, in_payout_minor)
SELECT r.partnership_id, SUM(CASE WHEN r.status = 'approved' AND r.payout_id IS NULL THEN r.amount_minor ELSE 0 END), SUM(CASE WHEN r.status = 'pending' THEN r.amount_minor ELSE 0 END), SUM(CASE WHEN r.status = 'paid' THEN r.amount_minor ELSE 0 END), SUM(CASE WHEN r.status = 'approved' AND r.payout_id IS NOT NULL THEN r.amount_minor ELSE 0 END)
FROM rewards r
GROUP BY r.partnership_id;

CREATE TRIGGER rewards_earnings_insert AFTER INSERT ON rewards
BEGIN
    INSERT INTO partnership_earnings (partnership_id, available_minor, pending_minor, paid_minor, in_payout_minor)
    SELECT NEW.partnership_id, CASE WHEN NEW.status = 'approved' AND NEW.payout_id IS NULL THEN NEW.amount_minor ELSE 0 END, CASE WHEN NEW.status = 'pending' THEN NEW.amount_minor ELSE 0 END, CASE WHEN NEW.status = 'paid' THEN NEW.amount_minor ELSE 0 END, CASE WHEN NEW.status = 'approved' AND NEW.payout_id IS NOT NULL THEN NEW.amount_minor ELSE 0 END
    WHERE true
    ON CONFLICT (partnership_id) DO UPDATE SET
        available_minor = available_minor + excluded.available_minor,
        pending_minor = pending_minor + excluded.pending_minor,
        paid_minor = paid_minor + excluded.paid_minor,
        in_payout_minor = in_payout_minor + excluded.in_payout_minor;
END;

CREATE TRIGGER rewards_earnings_update AFTER UPDATE OF status, amount_minor, payout_id, partnership_id ON rewards
WHEN OLD.status <> NEW.status OR OLD.amount_minor <> NEW.amount_minor OR OLD.payout_id IS NOT NEW.payout_id
    OR OLD.partnership_id <> NEW.partnership_id
BEGIN
    INSERT INTO partnership_earnings (partnership_id, available_minor, pending_minor, paid_minor, in_payout_minor)
    SELECT OLD.partnership_id, CASE WHEN OLD.status = 'approved' AND OLD.payout_id IS NULL THEN -OLD.amount_minor ELSE 0 END, CASE WHEN OLD.status = 'pending' THEN -OLD.amount_minor ELSE 0 END, CASE WHEN OLD.status = 'paid' THEN -OLD.amount_minor ELSE 0 END, CASE WHEN OLD.status = 'approved' AND OLD.payout_id IS NOT NULL THEN -OLD.amount_minor ELSE 0 END
    WHERE true
    ON CONFLICT (partnership_id) DO UPDATE SET
        available_minor = available_minor + excluded.available_minor,
        pending_minor = pending_minor + excluded.pending_minor,
        paid_minor = paid_minor + excluded.paid_minor,
        in_payout_minor = in_payout_minor + excluded.in_payout_minor;
    INSERT INTO partnership_earnings (partnership_id, available_minor, pending_minor, paid_minor, in_payout_minor)
    SELECT NEW.partnership_id, CASE WHEN NEW.status = 'approved' AND NEW.payout_id IS NULL THEN NEW.amount_minor ELSE 0 END, CASE WHEN NEW.status = 'pending' THEN NEW.amount_minor ELSE 0 END, CASE WHEN NEW.status = 'paid' THEN NEW.amount_minor ELSE 0 END, CASE WHEN NEW.status = 'approved' AND NEW.payout_id IS NOT NULL THEN NEW.amount_minor ELSE 0 END
    WHERE true
    ON CONFLICT (partnership_id) DO UPDATE SET
        available_minor = available_minor + excluded.available_minor,
        pending_minor = pending_minor + excluded.pending_minor,
        paid_minor = paid_minor + excluded.paid_minor,
        in_payout_minor = in_payout_minor + excluded.in_payout_minor;
END;

CREATE TRIGGER rewards_earnings_delete AFTER DELETE ON rewards
BEGIN
    INSERT INTO partnership_earnings (partnership_id, available_minor, pending_minor, paid_minor, in_payout_minor)
    SELECT OLD.partnership_id, CASE WHEN OLD.status = 'approved' AND OLD.payout_id IS NULL THEN -OLD.amount_minor ELSE 0 END, CASE WHEN OLD.status = 'pending' THEN -OLD.amount_minor ELSE 0 END, CASE WHEN OLD.status = 'paid' THEN -OLD.amount_minor ELSE 0 END, CASE WHEN OLD.status = 'approved' AND OLD.payout_id IS NOT NULL THEN -OLD.amount_minor ELSE 0 END
    WHERE true
    ON CONFLICT (partnership_id) DO UPDATE SET
        available_minor = available_minor + excluded.available_minor,
        pending_minor = pending_minor + excluded.pending_minor,
        paid_minor = paid_minor + excluded.paid_minor,
        in_payout_minor = in_payout_minor + excluded.in_payout_minor;
END;
