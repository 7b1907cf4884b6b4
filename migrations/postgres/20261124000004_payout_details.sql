-- Where a partner team is paid. Set only by the team's owner; shown masked everywhere else.
ALTER TABLE partner_teams ADD COLUMN payout_method TEXT;
ALTER TABLE partner_teams ADD COLUMN payout_details TEXT;
