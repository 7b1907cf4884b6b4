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


-- The triggers run once per statement over its transition tables: a statement that writes
-- many rows (an import, a bulk action) updates each sum row once. Row triggers updated the same
-- sum row once per written row within one transaction, and each update walked the row's chain
-- of versions from that transaction: 20,000 rewards in one statement took 12 s.

-- A partnership counts as active or not; when it moves group (or program) it takes what it
-- owns along.
CREATE FUNCTION partnerships_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO group_totals AS t (program_id, group_id, active_partners, open_leads, open_deals, pending_rewards_minor, requested_payouts, requested_payouts_minor)
        SELECT program_id, group_id, SUM(active_partners), SUM(open_leads), SUM(open_deals), SUM(pending_rewards_minor), SUM(requested_payouts), SUM(requested_payouts_minor)
        FROM (
            SELECT n.program_id, n.group_id, (CASE WHEN n.status = 'active' THEN 1 ELSE 0 END) AS active_partners, 0 AS open_leads, 0 AS open_deals,
                   0 AS pending_rewards_minor, 0 AS requested_payouts, 0 AS requested_payouts_minor
            FROM new_rows n
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(active_partners) <> 0 OR SUM(open_leads) <> 0 OR SUM(open_deals) <> 0 OR SUM(pending_rewards_minor) <> 0 OR SUM(requested_payouts) <> 0 OR SUM(requested_payouts_minor) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            active_partners = t.active_partners + excluded.active_partners,
            open_leads = t.open_leads + excluded.open_leads,
            open_deals = t.open_deals + excluded.open_deals,
            pending_rewards_minor = t.pending_rewards_minor + excluded.pending_rewards_minor,
            requested_payouts = t.requested_payouts + excluded.requested_payouts,
            requested_payouts_minor = t.requested_payouts_minor + excluded.requested_payouts_minor;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO group_totals AS t (program_id, group_id, active_partners, open_leads, open_deals, pending_rewards_minor, requested_payouts, requested_payouts_minor)
        SELECT program_id, group_id, SUM(active_partners), SUM(open_leads), SUM(open_deals), SUM(pending_rewards_minor), SUM(requested_payouts), SUM(requested_payouts_minor)
        FROM (
            SELECT o.program_id, o.group_id, -(CASE WHEN o.status = 'active' THEN 1 ELSE 0 END) AS active_partners, 0 AS open_leads, 0 AS open_deals,
                   0 AS pending_rewards_minor, 0 AS requested_payouts, 0 AS requested_payouts_minor
            FROM old_rows o
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(active_partners) <> 0 OR SUM(open_leads) <> 0 OR SUM(open_deals) <> 0 OR SUM(pending_rewards_minor) <> 0 OR SUM(requested_payouts) <> 0 OR SUM(requested_payouts_minor) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            active_partners = t.active_partners + excluded.active_partners,
            open_leads = t.open_leads + excluded.open_leads,
            open_deals = t.open_deals + excluded.open_deals,
            pending_rewards_minor = t.pending_rewards_minor + excluded.pending_rewards_minor,
            requested_payouts = t.requested_payouts + excluded.requested_payouts,
            requested_payouts_minor = t.requested_payouts_minor + excluded.requested_payouts_minor;
    ELSE
        INSERT INTO group_totals AS t (program_id, group_id, active_partners, open_leads, open_deals, pending_rewards_minor, requested_payouts, requested_payouts_minor)
        SELECT program_id, group_id, SUM(active_partners), SUM(open_leads), SUM(open_deals), SUM(pending_rewards_minor), SUM(requested_payouts), SUM(requested_payouts_minor)
        FROM (
            SELECT o.program_id, o.group_id, -(CASE WHEN o.status = 'active' THEN 1 ELSE 0 END) AS active_partners,
                   -(SELECT COUNT(*) FROM leads l WHERE l.partnership_id = o.id AND l.status IN ('submitted', 'accepted', 'passed', 'taken')) AS open_leads,
                   -(SELECT COUNT(*) FROM deals d WHERE d.partnership_id = o.id AND d.stage IN ('registered', 'approved', 'in_progress')) AS open_deals,
                   -(SELECT COALESCE(SUM(r.amount_minor), 0) FROM rewards r WHERE r.partnership_id = o.id AND r.status = 'pending') AS pending_rewards_minor,
                   -(SELECT COUNT(*) FROM payouts py WHERE py.partnership_id = o.id AND py.status = 'requested') AS requested_payouts,
                   -(SELECT COALESCE(SUM(py.amount_minor), 0) FROM payouts py WHERE py.partnership_id = o.id AND py.status = 'requested') AS requested_payouts_minor
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.status <> n.status OR o.group_id <> n.group_id OR o.program_id <> n.program_id
            UNION ALL
            SELECT n.program_id, n.group_id, (CASE WHEN n.status = 'active' THEN 1 ELSE 0 END) AS active_partners,
                   (SELECT COUNT(*) FROM leads l WHERE l.partnership_id = n.id AND l.status IN ('submitted', 'accepted', 'passed', 'taken')) AS open_leads,
                   (SELECT COUNT(*) FROM deals d WHERE d.partnership_id = n.id AND d.stage IN ('registered', 'approved', 'in_progress')) AS open_deals,
                   (SELECT COALESCE(SUM(r.amount_minor), 0) FROM rewards r WHERE r.partnership_id = n.id AND r.status = 'pending') AS pending_rewards_minor,
                   (SELECT COUNT(*) FROM payouts py WHERE py.partnership_id = n.id AND py.status = 'requested') AS requested_payouts,
                   (SELECT COALESCE(SUM(py.amount_minor), 0) FROM payouts py WHERE py.partnership_id = n.id AND py.status = 'requested') AS requested_payouts_minor
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.status <> n.status OR o.group_id <> n.group_id OR o.program_id <> n.program_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(active_partners) <> 0 OR SUM(open_leads) <> 0 OR SUM(open_deals) <> 0 OR SUM(pending_rewards_minor) <> 0 OR SUM(requested_payouts) <> 0 OR SUM(requested_payouts_minor) <> 0
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

CREATE TRIGGER partnerships_totals_insert AFTER INSERT ON partnerships
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION partnerships_totals();
CREATE TRIGGER partnerships_totals_update AFTER UPDATE ON partnerships
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION partnerships_totals();
CREATE TRIGGER partnerships_totals_delete AFTER DELETE ON partnerships
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION partnerships_totals();

CREATE FUNCTION leads_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A concurrent move of a partnership to another group waits for this transaction (or
        -- this one for the move), so nothing is counted in the group it just left.
        PERFORM 1 FROM partnerships WHERE id IN (SELECT partnership_id FROM new_rows) FOR SHARE;
        INSERT INTO group_totals AS t (program_id, group_id, open_leads)
        SELECT program_id, group_id, SUM(open_leads)
        FROM (
            SELECT n.program_id, p.group_id, CASE WHEN n.status IN ('submitted', 'accepted', 'passed', 'taken') THEN 1 ELSE 0 END AS open_leads
            FROM new_rows n JOIN partnerships p ON p.id = n.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(open_leads) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            open_leads = t.open_leads + excluded.open_leads;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO group_totals AS t (program_id, group_id, open_leads)
        SELECT program_id, group_id, SUM(open_leads)
        FROM (
            SELECT o.program_id, p.group_id, CASE WHEN o.status IN ('submitted', 'accepted', 'passed', 'taken') THEN -1 ELSE 0 END AS open_leads
            FROM old_rows o JOIN partnerships p ON p.id = o.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(open_leads) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            open_leads = t.open_leads + excluded.open_leads;
    ELSE
        -- A concurrent move of a partnership to another group waits for this transaction (or
        -- this one for the move), so nothing is counted in the group it just left.
        PERFORM 1 FROM partnerships WHERE id IN (SELECT partnership_id FROM new_rows) FOR SHARE;
        INSERT INTO group_totals AS t (program_id, group_id, open_leads)
        SELECT program_id, group_id, SUM(open_leads)
        FROM (
            SELECT o.program_id, p.group_id, CASE WHEN o.status IN ('submitted', 'accepted', 'passed', 'taken') THEN -1 ELSE 0 END AS open_leads
            FROM old_rows o JOIN partnerships p ON p.id = o.partnership_id
            UNION ALL
            SELECT n.program_id, p.group_id, CASE WHEN n.status IN ('submitted', 'accepted', 'passed', 'taken') THEN 1 ELSE 0 END AS open_leads
            FROM new_rows n JOIN partnerships p ON p.id = n.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(open_leads) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            open_leads = t.open_leads + excluded.open_leads;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER leads_totals_insert AFTER INSERT ON leads
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION leads_totals();
CREATE TRIGGER leads_totals_update AFTER UPDATE ON leads
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION leads_totals();
CREATE TRIGGER leads_totals_delete AFTER DELETE ON leads
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION leads_totals();

CREATE FUNCTION deals_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A concurrent move of a partnership to another group waits for this transaction (or
        -- this one for the move), so nothing is counted in the group it just left.
        PERFORM 1 FROM partnerships WHERE id IN (SELECT partnership_id FROM new_rows) FOR SHARE;
        INSERT INTO group_totals AS t (program_id, group_id, open_deals)
        SELECT program_id, group_id, SUM(open_deals)
        FROM (
            SELECT n.program_id, p.group_id, CASE WHEN n.stage IN ('registered', 'approved', 'in_progress') THEN 1 ELSE 0 END AS open_deals
            FROM new_rows n JOIN partnerships p ON p.id = n.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(open_deals) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            open_deals = t.open_deals + excluded.open_deals;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO group_totals AS t (program_id, group_id, open_deals)
        SELECT program_id, group_id, SUM(open_deals)
        FROM (
            SELECT o.program_id, p.group_id, CASE WHEN o.stage IN ('registered', 'approved', 'in_progress') THEN -1 ELSE 0 END AS open_deals
            FROM old_rows o JOIN partnerships p ON p.id = o.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(open_deals) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            open_deals = t.open_deals + excluded.open_deals;
    ELSE
        -- A concurrent move of a partnership to another group waits for this transaction (or
        -- this one for the move), so nothing is counted in the group it just left.
        PERFORM 1 FROM partnerships WHERE id IN (SELECT partnership_id FROM new_rows) FOR SHARE;
        INSERT INTO group_totals AS t (program_id, group_id, open_deals)
        SELECT program_id, group_id, SUM(open_deals)
        FROM (
            SELECT o.program_id, p.group_id, CASE WHEN o.stage IN ('registered', 'approved', 'in_progress') THEN -1 ELSE 0 END AS open_deals
            FROM old_rows o JOIN partnerships p ON p.id = o.partnership_id
            UNION ALL
            SELECT n.program_id, p.group_id, CASE WHEN n.stage IN ('registered', 'approved', 'in_progress') THEN 1 ELSE 0 END AS open_deals
            FROM new_rows n JOIN partnerships p ON p.id = n.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(open_deals) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            open_deals = t.open_deals + excluded.open_deals;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER deals_totals_insert AFTER INSERT ON deals
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION deals_totals();
CREATE TRIGGER deals_totals_update AFTER UPDATE ON deals
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION deals_totals();
CREATE TRIGGER deals_totals_delete AFTER DELETE ON deals
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION deals_totals();

CREATE FUNCTION rewards_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A concurrent move of a partnership to another group waits for this transaction (or
        -- this one for the move), so nothing is counted in the group it just left.
        PERFORM 1 FROM partnerships WHERE id IN (SELECT partnership_id FROM new_rows) FOR SHARE;
        INSERT INTO group_totals AS t (program_id, group_id, pending_rewards_minor)
        SELECT program_id, group_id, SUM(pending_rewards_minor)
        FROM (
            SELECT n.program_id, p.group_id, CASE WHEN n.status = 'pending' THEN n.amount_minor ELSE 0 END AS pending_rewards_minor
            FROM new_rows n JOIN partnerships p ON p.id = n.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(pending_rewards_minor) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            pending_rewards_minor = t.pending_rewards_minor + excluded.pending_rewards_minor;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO group_totals AS t (program_id, group_id, pending_rewards_minor)
        SELECT program_id, group_id, SUM(pending_rewards_minor)
        FROM (
            SELECT o.program_id, p.group_id, CASE WHEN o.status = 'pending' THEN -o.amount_minor ELSE 0 END AS pending_rewards_minor
            FROM old_rows o JOIN partnerships p ON p.id = o.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(pending_rewards_minor) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            pending_rewards_minor = t.pending_rewards_minor + excluded.pending_rewards_minor;
    ELSE
        -- A concurrent move of a partnership to another group waits for this transaction (or
        -- this one for the move), so nothing is counted in the group it just left.
        PERFORM 1 FROM partnerships WHERE id IN (SELECT partnership_id FROM new_rows) FOR SHARE;
        INSERT INTO group_totals AS t (program_id, group_id, pending_rewards_minor)
        SELECT program_id, group_id, SUM(pending_rewards_minor)
        FROM (
            SELECT o.program_id, p.group_id, CASE WHEN o.status = 'pending' THEN -o.amount_minor ELSE 0 END AS pending_rewards_minor
            FROM old_rows o JOIN partnerships p ON p.id = o.partnership_id
            UNION ALL
            SELECT n.program_id, p.group_id, CASE WHEN n.status = 'pending' THEN n.amount_minor ELSE 0 END AS pending_rewards_minor
            FROM new_rows n JOIN partnerships p ON p.id = n.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(pending_rewards_minor) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            pending_rewards_minor = t.pending_rewards_minor + excluded.pending_rewards_minor;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER rewards_totals_insert AFTER INSERT ON rewards
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rewards_totals();
CREATE TRIGGER rewards_totals_update AFTER UPDATE ON rewards
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rewards_totals();
CREATE TRIGGER rewards_totals_delete AFTER DELETE ON rewards
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rewards_totals();

CREATE FUNCTION payouts_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A concurrent move of a partnership to another group waits for this transaction (or
        -- this one for the move), so nothing is counted in the group it just left.
        PERFORM 1 FROM partnerships WHERE id IN (SELECT partnership_id FROM new_rows) FOR SHARE;
        INSERT INTO group_totals AS t (program_id, group_id, requested_payouts, requested_payouts_minor)
        SELECT program_id, group_id, SUM(requested_payouts), SUM(requested_payouts_minor)
        FROM (
            SELECT n.program_id, p.group_id, CASE WHEN n.status = 'requested' THEN 1 ELSE 0 END AS requested_payouts, CASE WHEN n.status = 'requested' THEN n.amount_minor ELSE 0 END AS requested_payouts_minor
            FROM new_rows n JOIN partnerships p ON p.id = n.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(requested_payouts) <> 0 OR SUM(requested_payouts_minor) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            requested_payouts = t.requested_payouts + excluded.requested_payouts,
            requested_payouts_minor = t.requested_payouts_minor + excluded.requested_payouts_minor;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO group_totals AS t (program_id, group_id, requested_payouts, requested_payouts_minor)
        SELECT program_id, group_id, SUM(requested_payouts), SUM(requested_payouts_minor)
        FROM (
            SELECT o.program_id, p.group_id, CASE WHEN o.status = 'requested' THEN -1 ELSE 0 END AS requested_payouts, CASE WHEN o.status = 'requested' THEN -o.amount_minor ELSE 0 END AS requested_payouts_minor
            FROM old_rows o JOIN partnerships p ON p.id = o.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(requested_payouts) <> 0 OR SUM(requested_payouts_minor) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            requested_payouts = t.requested_payouts + excluded.requested_payouts,
            requested_payouts_minor = t.requested_payouts_minor + excluded.requested_payouts_minor;
    ELSE
        -- A concurrent move of a partnership to another group waits for this transaction (or
        -- this one for the move), so nothing is counted in the group it just left.
        PERFORM 1 FROM partnerships WHERE id IN (SELECT partnership_id FROM new_rows) FOR SHARE;
        INSERT INTO group_totals AS t (program_id, group_id, requested_payouts, requested_payouts_minor)
        SELECT program_id, group_id, SUM(requested_payouts), SUM(requested_payouts_minor)
        FROM (
            SELECT o.program_id, p.group_id, CASE WHEN o.status = 'requested' THEN -1 ELSE 0 END AS requested_payouts, CASE WHEN o.status = 'requested' THEN -o.amount_minor ELSE 0 END AS requested_payouts_minor
            FROM old_rows o JOIN partnerships p ON p.id = o.partnership_id
            UNION ALL
            SELECT n.program_id, p.group_id, CASE WHEN n.status = 'requested' THEN 1 ELSE 0 END AS requested_payouts, CASE WHEN n.status = 'requested' THEN n.amount_minor ELSE 0 END AS requested_payouts_minor
            FROM new_rows n JOIN partnerships p ON p.id = n.partnership_id
        ) changes
        GROUP BY program_id, group_id
        HAVING SUM(requested_payouts) <> 0 OR SUM(requested_payouts_minor) <> 0
        ON CONFLICT (program_id, group_id) DO UPDATE SET
            requested_payouts = t.requested_payouts + excluded.requested_payouts,
            requested_payouts_minor = t.requested_payouts_minor + excluded.requested_payouts_minor;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER payouts_totals_insert AFTER INSERT ON payouts
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payouts_totals();
CREATE TRIGGER payouts_totals_update AFTER UPDATE ON payouts
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payouts_totals();
CREATE TRIGGER payouts_totals_delete AFTER DELETE ON payouts
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION payouts_totals();
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
    IF TG_OP = 'INSERT' THEN
        INSERT INTO partnership_earnings AS t (partnership_id, available_minor, pending_minor, paid_minor, in_payout_minor)
        SELECT partnership_id, SUM(available_minor), SUM(pending_minor), SUM(paid_minor), SUM(in_payout_minor)
        FROM (
            SELECT n.partnership_id, CASE WHEN n.status = 'approved' AND n.payout_id IS NULL THEN n.amount_minor ELSE 0 END AS available_minor, CASE WHEN n.status = 'pending' THEN n.amount_minor ELSE 0 END AS pending_minor, CASE WHEN n.status = 'paid' THEN n.amount_minor ELSE 0 END AS paid_minor, CASE WHEN n.status = 'approved' AND n.payout_id IS NOT NULL THEN n.amount_minor ELSE 0 END AS in_payout_minor
            FROM new_rows n
        ) changes
        GROUP BY partnership_id
        HAVING SUM(available_minor) <> 0 OR SUM(pending_minor) <> 0 OR SUM(paid_minor) <> 0 OR SUM(in_payout_minor) <> 0
        ON CONFLICT (partnership_id) DO UPDATE SET
            available_minor = t.available_minor + excluded.available_minor,
            pending_minor = t.pending_minor + excluded.pending_minor,
            paid_minor = t.paid_minor + excluded.paid_minor,
            in_payout_minor = t.in_payout_minor + excluded.in_payout_minor;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO partnership_earnings AS t (partnership_id, available_minor, pending_minor, paid_minor, in_payout_minor)
        SELECT partnership_id, SUM(available_minor), SUM(pending_minor), SUM(paid_minor), SUM(in_payout_minor)
        FROM (
            SELECT o.partnership_id, CASE WHEN o.status = 'approved' AND o.payout_id IS NULL THEN -o.amount_minor ELSE 0 END AS available_minor, CASE WHEN o.status = 'pending' THEN -o.amount_minor ELSE 0 END AS pending_minor, CASE WHEN o.status = 'paid' THEN -o.amount_minor ELSE 0 END AS paid_minor, CASE WHEN o.status = 'approved' AND o.payout_id IS NOT NULL THEN -o.amount_minor ELSE 0 END AS in_payout_minor
            FROM old_rows o
        ) changes
        GROUP BY partnership_id
        HAVING SUM(available_minor) <> 0 OR SUM(pending_minor) <> 0 OR SUM(paid_minor) <> 0 OR SUM(in_payout_minor) <> 0
        ON CONFLICT (partnership_id) DO UPDATE SET
            available_minor = t.available_minor + excluded.available_minor,
            pending_minor = t.pending_minor + excluded.pending_minor,
            paid_minor = t.paid_minor + excluded.paid_minor,
            in_payout_minor = t.in_payout_minor + excluded.in_payout_minor;
    ELSE
        INSERT INTO partnership_earnings AS t (partnership_id, available_minor, pending_minor, paid_minor, in_payout_minor)
        SELECT partnership_id, SUM(available_minor), SUM(pending_minor), SUM(paid_minor), SUM(in_payout_minor)
        FROM (
            SELECT o.partnership_id, CASE WHEN o.status = 'approved' AND o.payout_id IS NULL THEN -o.amount_minor ELSE 0 END AS available_minor, CASE WHEN o.status = 'pending' THEN -o.amount_minor ELSE 0 END AS pending_minor, CASE WHEN o.status = 'paid' THEN -o.amount_minor ELSE 0 END AS paid_minor, CASE WHEN o.status = 'approved' AND o.payout_id IS NOT NULL THEN -o.amount_minor ELSE 0 END AS in_payout_minor
            FROM old_rows o
            UNION ALL
            SELECT n.partnership_id, CASE WHEN n.status = 'approved' AND n.payout_id IS NULL THEN n.amount_minor ELSE 0 END AS available_minor, CASE WHEN n.status = 'pending' THEN n.amount_minor ELSE 0 END AS pending_minor, CASE WHEN n.status = 'paid' THEN n.amount_minor ELSE 0 END AS paid_minor, CASE WHEN n.status = 'approved' AND n.payout_id IS NOT NULL THEN n.amount_minor ELSE 0 END AS in_payout_minor
            FROM new_rows n
        ) changes
        GROUP BY partnership_id
        HAVING SUM(available_minor) <> 0 OR SUM(pending_minor) <> 0 OR SUM(paid_minor) <> 0 OR SUM(in_payout_minor) <> 0
        ON CONFLICT (partnership_id) DO UPDATE SET
            available_minor = t.available_minor + excluded.available_minor,
            pending_minor = t.pending_minor + excluded.pending_minor,
            paid_minor = t.paid_minor + excluded.paid_minor,
            in_payout_minor = t.in_payout_minor + excluded.in_payout_minor;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER rewards_earnings_insert AFTER INSERT ON rewards
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rewards_earnings();
CREATE TRIGGER rewards_earnings_update AFTER UPDATE ON rewards
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rewards_earnings();
CREATE TRIGGER rewards_earnings_delete AFTER DELETE ON rewards
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rewards_earnings();
