-- Every index, column and constraint of clicks is paid on every click, the busiest insert
-- there is. SQLite can't drop a foreign key, so the table is made anew:
-- - clicks are read by their click id only (attribution), never by partnership: that index goes;
-- - a link's program and partnership never change: they are read through the link; a bot is a
--   click whose user agent family is 'bot';
-- - the link of every click row is not checked: the click writer takes link ids from links it
--   has just read, and links are never deleted.
CREATE TABLE clicks_new (
    id INTEGER PRIMARY KEY,
    link_id BIGINT NOT NULL,
    click_key TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    ip_hash TEXT NOT NULL,
    user_agent_family TEXT NOT NULL,
    referrer_host TEXT,
    country TEXT
);
INSERT INTO clicks_new (id, link_id, click_key, occurred_at, ip_hash, user_agent_family, referrer_host, country)
    SELECT id, link_id, click_key, occurred_at, ip_hash, user_agent_family, referrer_host, country FROM clicks;
DROP TABLE clicks;
ALTER TABLE clicks_new RENAME TO clicks;
CREATE INDEX clicks_key ON clicks(click_key);
