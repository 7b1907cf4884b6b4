-- Referral links and their clicks. A program lists the domains its links may go to and the
-- address they go to by default; the names of the two parameters a redirect adds are its own
-- (partner_key and click_id unless set); signups go to the first or the last click.

ALTER TABLE programs ADD COLUMN link_domains TEXT NOT NULL DEFAULT '';
ALTER TABLE programs ADD COLUMN default_destination TEXT NOT NULL DEFAULT '';
ALTER TABLE programs ADD COLUMN link_param_partner TEXT NOT NULL DEFAULT 'partner_key';
ALTER TABLE programs ADD COLUMN link_param_click TEXT NOT NULL DEFAULT 'click_id';
ALTER TABLE programs ADD COLUMN attribution_model TEXT NOT NULL DEFAULT 'last_click';

CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id),
    -- The contact whose link it is (revenue can be credited to a person); NULL: the team's.
    contact_id BIGINT REFERENCES contacts(id),
    link_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- NULL: the program's default destination.
    destination TEXT,
    is_default BIGINT NOT NULL DEFAULT 0,
    created_by_user_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE INDEX links_partnership ON links(partnership_id, id);
-- One default link per partnership and per contact in it.
CREATE UNIQUE INDEX links_one_default ON links(partnership_id, COALESCE(contact_id, 0)) WHERE is_default = 1;

-- Written in batches off the redirect's path. The IP is kept only as a hash salted per day.
CREATE TABLE clicks (
    id INTEGER PRIMARY KEY,
    link_id BIGINT NOT NULL REFERENCES links(id),
    program_id BIGINT NOT NULL,
    partnership_id BIGINT NOT NULL,
    click_key TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    ip_hash TEXT NOT NULL,
    user_agent_family TEXT NOT NULL,
    referrer_host TEXT,
    country TEXT,
    bot BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX clicks_link ON clicks(link_id, occurred_at);
CREATE INDEX clicks_partnership ON clicks(partnership_id, occurred_at);
CREATE INDEX clicks_key ON clicks(click_key);
