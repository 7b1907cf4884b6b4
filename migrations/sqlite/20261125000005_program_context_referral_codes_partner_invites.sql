-- The program a session works in (the header's program switcher), each contact's own referral
-- code, invites of partners to a program, and a sortable copy of the partner team's name on
-- each partnership so the partners table sorts by name through an index.

ALTER TABLE sessions ADD COLUMN program_id BIGINT REFERENCES programs(id);

ALTER TABLE contacts ADD COLUMN referral_code TEXT;
UPDATE contacts SET referral_code = lower(hex(randomblob(6))) WHERE referral_code IS NULL;
CREATE UNIQUE INDEX contacts_referral_code ON contacts(referral_code);

ALTER TABLE invites ADD COLUMN program_id BIGINT REFERENCES programs(id);
CREATE INDEX invites_program ON invites(program_id, id);

ALTER TABLE partnerships ADD COLUMN team_name TEXT NOT NULL DEFAULT '';
UPDATE partnerships SET team_name = (SELECT t.name FROM partner_teams t WHERE t.id = partnerships.partner_team_id);
CREATE INDEX partnerships_program_team_name ON partnerships(program_id, team_name, id);
