-- Program slugs and signup details, invites with the email outbox, applications.

ALTER TABLE programs ADD COLUMN slug TEXT NOT NULL DEFAULT '';
UPDATE programs SET slug = 'program-' || id WHERE slug = '';
CREATE UNIQUE INDEX programs_slug ON programs(slug);
ALTER TABLE programs ADD COLUMN terms TEXT NOT NULL DEFAULT '';
ALTER TABLE programs ADD COLUMN allowed_domains TEXT NOT NULL DEFAULT '';

ALTER TABLE partner_groups ADD COLUMN is_default BIGINT NOT NULL DEFAULT 0;

ALTER TABLE partner_teams ADD COLUMN website TEXT;

ALTER TABLE partnerships ADD COLUMN rejection_reason TEXT;
ALTER TABLE partnerships ADD COLUMN decided_at BIGINT;

CREATE TABLE invites (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    company_id BIGINT REFERENCES companies(id),
    partner_team_id BIGINT REFERENCES partner_teams(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by_user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_user_id BIGINT REFERENCES users(id),
    revoked_at BIGINT
);
CREATE INDEX invites_company ON invites(company_id, id);
CREATE INDEX invites_team ON invites(partner_team_id, id);

-- Every email the portal means to send; until SMTP is configured they are only shown in the app.
CREATE TABLE emails (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT REFERENCES companies(id),
    partner_team_id BIGINT REFERENCES partner_teams(id),
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX emails_status ON emails(status, id);
