-- Where a partner team is paid (set only by its owner, shown masked elsewhere), and the
-- teammates' notes on a partnership.
ALTER TABLE partner_teams ADD COLUMN payout_method TEXT;
ALTER TABLE partner_teams ADD COLUMN payout_details TEXT;
ALTER TABLE partnerships ADD COLUMN notes TEXT NOT NULL DEFAULT '';
