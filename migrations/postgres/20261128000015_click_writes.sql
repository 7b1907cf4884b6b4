-- Every index, column and constraint of clicks is paid on every click, the busiest insert
-- there is.
-- Clicks are read by their click id only (attribution), never by partnership: that index goes.
DROP INDEX clicks_partnership;
-- A link's program and partnership never change: they are read through the link. A bot is a
-- click whose user agent family is 'bot'.
ALTER TABLE clicks DROP COLUMN program_id;
ALTER TABLE clicks DROP COLUMN partnership_id;
ALTER TABLE clicks DROP COLUMN bot;
-- Checking the link of every click row was most of the click writer's time on PostgreSQL (a
-- query and a row lock per click). The writer takes link ids from links it has just read,
-- and links are never deleted.
ALTER TABLE clicks DROP CONSTRAINT clicks_link_id_fkey;
