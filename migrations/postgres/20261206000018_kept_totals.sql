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

-- Adds to the sums of the group `partnership` is in now. The partnership's row is read FOR
-- SHARE: a concurrent move to another group waits for this transaction (or this one for the
-- move), so no change is counted in the group it just left.
CREATE FUNCTION group_totals_add(p_program BIGINT, p_partnership BIGINT, d_leads BIGINT,
    d_deals BIGINT, d_rewards BIGINT, d_payouts BIGINT, d_payouts_minor BIGINT)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    g BIGINT;
BEGIN
    IF d_leads = 0 AND d_deals = 0 AND d_rewards = 0 AND d_payouts = 0 AND d_payouts_minor = 0 THEN
        RETURN;
    END IF;
    SELECT p.group_id INTO g FROM partnerships p WHERE p.id = p_partnership FOR SHARE;
    INSERT INTO group_totals AS t (program_id, group_id, open_leads, open_deals,
                                   pending_rewards_minor, requested_payouts, requested_payouts_minor)
    VALUES (p_program, g, d_leads, d_deals, d_rewards, d_payouts, d_payouts_minor)
    ON CONFLICT (program_id, group_id) DO UPDATE SET
        open_leads = t.open_leads + excluded.open_leads,
        open_deals = t.open_deals + excluded.open_deals,
        pending_rewards_minor = t.pending_rewards_minor + excluded.pending_rewards_minor,
        requested_payouts = t.requested_payouts + excluded.requested_payouts,
        requested_payouts_minor = t.requested_payouts_minor + excluded.requested_payouts_minor;
END $$;

-- A partnership counts as active or not; when it moves group (or program) it takes what it
-- owns along.
CREATE FUNCTION partnerships_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND (TG_OP = 'DELETE' OR OLD.status <> NEW.status
        OR OLD.group_id <> NEW.group_id OR OLD.program_id <> NEW.program_id) THEN
        INSERT INTO group_totals AS t (program_id, group_id, active_partners, open_leads, open_deals, pending_rewards_minor, requested_payouts, requested_payouts_minor)
        SELECT OLD.program_id, OLD.group_id, -(CASE WHEN OLD.status = 'active' THEN 1 ELSE 0 END),
               -(SELECT COUNT(*) FROM leads l WHERE l.partnership_id = OLD.id AND l.status IN ('submitted', 'accepted', 'passed', 'taken')),
               -(SELECT COUNT(*) FROM deals d WHERE d.partnership_id = OLD.id AND d.stage IN ('registered', 'approved', 'in_progress')),
               -(SELECT COALESCE(SUM(r.amount_minor), 0) FROM rewards r WHERE r.partnership_id = OLD.id AND r.status = 'pending'),
               -(SELECT COUNT(*) FROM payouts o WHERE o.partnership_id = OLD.id AND o.status = 'requested'),
               -(SELECT COALESCE(SUM(o.amount_minor), 0) FROM payouts o WHERE o.partnership_id = OLD.id AND o.status = 'requested')
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            active_partners = t.active_partners + excluded.active_partners,
        open_leads = t.open_leads + excluded.open_leads,
        open_deals = t.open_deals + excluded.open_deals,
        pending_rewards_minor = t.pending_rewards_minor + excluded.pending_rewards_minor,
        requested_payouts = t.requested_payouts + excluded.requested_payouts,
        requested_payouts_minor = t.requested_payouts_minor + excluded.requested_payouts_minor;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (OLD.status <> NEW.status
        OR OLD.group_id <> NEW.group_id OR OLD.program_id <> NEW.program_id)) THEN
        INSERT INTO group_totals AS t (program_id, group_id, active_partners, open_leads, open_deals, pending_rewards_minor, requested_payouts, requested_payouts_minor)
        SELECT NEW.program_id, NEW.group_id, CASE WHEN NEW.status = 'active' THEN 1 ELSE 0 END,
               (SELECT COUNT(*) FROM leads l WHERE l.partnership_id = NEW.id AND l.status IN ('submitted', 'accepted', 'passed', 'taken')),
               (SELECT COUNT(*) FROM deals d WHERE d.partnership_id = NEW.id AND d.stage IN ('registered', 'approved', 'in_progress')),
               (SELECT COALESCE(SUM(r.amount_minor), 0) FROM rewards r WHERE r.partnership_id = NEW.id AND r.status = 'pending'),
               (SELECT COUNT(*) FROM payouts o WHERE o.partnership_id = NEW.id AND o.status = 'requested'),
               (SELECT COALESCE(SUM(o.amount_minor), 0) FROM payouts o WHERE o.partnership_id = NEW.id AND o.status = 'requested')
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            active_partners = t.active_partners + excluded.active_partners,
        open_leads = t.open_leads + excluded.open_leads,
        open_deals = t.open_deals + excluded.open_deals,
        pending_rewards_minor = t.pending_rewards_minor + excluded.pending_rewards_minor,
        requested_payouts = t.requested_payouts + excluded.requested_payouts,
        requested_payouts_minor = t.requested_payouts_minor + excluded.requested_payouts_minor;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER partnerships_totals AFTER INSERT OR DELETE OR UPDATE OF status, group_id, program_id
ON partnerships FOR EACH ROW EXECUTE FUNCTION partnerships_totals();

CREATE FUNCTION leads_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('submitted', 'accepted', 'passed', 'taken') THEN
        PERFORM group_totals_add(OLD.program_id, OLD.partnership_id, -1, 0, 0, 0, 0);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('submitted', 'accepted', 'passed', 'taken') THEN
        PERFORM group_totals_add(NEW.program_id, NEW.partnership_id, 1, 0, 0, 0, 0);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER leads_totals AFTER INSERT OR DELETE OR UPDATE OF status, partnership_id, program_id
ON leads FOR EACH ROW EXECUTE FUNCTION leads_totals();

CREATE FUNCTION deals_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.stage IN ('registered', 'approved', 'in_progress') THEN
        PERFORM group_totals_add(OLD.program_id, OLD.partnership_id, 0, -1, 0, 0, 0);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.stage IN ('registered', 'approved', 'in_progress') THEN
        PERFORM group_totals_add(NEW.program_id, NEW.partnership_id, 0, 1, 0, 0, 0);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER deals_totals AFTER INSERT OR DELETE OR UPDATE OF stage, partnership_id, program_id
ON deals FOR EACH ROW EXECUTE FUNCTION deals_totals();

CREATE FUNCTION rewards_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'pending' THEN
        PERFORM group_totals_add(OLD.program_id, OLD.partnership_id, 0, 0, -OLD.amount_minor, 0, 0);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'pending' THEN
        PERFORM group_totals_add(NEW.program_id, NEW.partnership_id, 0, 0, NEW.amount_minor, 0, 0);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER rewards_totals AFTER INSERT OR DELETE OR UPDATE OF status, amount_minor, partnership_id, program_id
ON rewards FOR EACH ROW EXECUTE FUNCTION rewards_totals();

CREATE FUNCTION payouts_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'requested' THEN
        PERFORM group_totals_add(OLD.program_id, OLD.partnership_id, 0, 0, 0, -1, -OLD.amount_minor);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'requested' THEN
        PERFORM group_totals_add(NEW.program_id, NEW.partnership_id, 0, 0, 0, 1, NEW.amount_minor);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER payouts_totals AFTER INSERT OR DELETE OR UPDATE OF status, amount_minor, partnership_id, program_id
ON payouts FOR EACH ROW EXECUTE FUNCTION payouts_totals();

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

CREATE FUNCTION rewards_earnings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO partnership_earnings AS t (partnership_id, available_minor, pending_minor, paid_minor, in_payout_minor)
        VALUES (OLD.partnership_id, CASE WHEN OLD.status = 'approved' AND OLD.payout_id IS NULL THEN -OLD.amount_minor ELSE 0 END, CASE WHEN OLD.status = 'pending' THEN -OLD.amount_minor ELSE 0 END, CASE WHEN OLD.status = 'paid' THEN -OLD.amount_minor ELSE 0 END, CASE WHEN OLD.status = 'approved' AND OLD.payout_id IS NOT NULL THEN -OLD.amount_minor ELSE 0 END)
        ON CONFLICT (partnership_id) DO UPDATE SET
            available_minor = t.available_minor + excluded.available_minor,
            pending_minor = t.pending_minor + excluded.pending_minor,
            paid_minor = t.paid_minor + excluded.paid_minor,
            in_payout_minor = t.in_payout_minor + excluded.in_payout_minor;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO partnership_earnings AS t (partnership_id, available_minor, pending_minor, paid_minor, in_payout_minor)
        VALUES (NEW.partnership_id, CASE WHEN NEW.status = 'approved' AND NEW.payout_id IS NULL THEN NEW.amount_minor ELSE 0 END, CASE WHEN NEW.status = 'pending' THEN NEW.amount_minor ELSE 0 END, CASE WHEN NEW.status = 'paid' THEN NEW.amount_minor ELSE 0 END, CASE WHEN NEW.status = 'approved' AND NEW.payout_id IS NOT NULL THEN NEW.amount_minor ELSE 0 END)
        ON CONFLICT (partnership_id) DO UPDATE SET
            available_minor = t.available_minor + excluded.available_minor,
            pending_minor = t.pending_minor + excluded.pending_minor,
            paid_minor = t.paid_minor + excluded.paid_minor,
            in_payout_minor = t.in_payout_minor + excluded.in_payout_minor;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER rewards_earnings AFTER INSERT OR DELETE OR UPDATE OF status, amount_minor, payout_id, partnership_id
ON rewards FOR EACH ROW EXECUTE FUNCTION rewards_earnings();
