-- The lead form suggests a program's active partners best tier first, then by name. The rank
-- of a partnership's tier is kept on the partnership (-1: no tier) and indexed in that order,
-- so ten suggestions read ten index entries instead of sorting every active partnership.
ALTER TABLE partnerships ADD COLUMN tier_rank BIGINT NOT NULL DEFAULT -1;
UPDATE partnerships p SET tier_rank = t.rank FROM tiers t WHERE t.id = p.tier_id;
CREATE INDEX partnerships_suggested ON partnerships(program_id, status, tier_rank DESC, team_name, id);

-- A BEFORE row trigger sets the row being written: no second write of the row.
CREATE FUNCTION partnerships_tier_rank() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.tier_rank := COALESCE((SELECT rank FROM tiers WHERE id = NEW.tier_id), -1);
    RETURN NEW;
END $$;
CREATE TRIGGER partnerships_tier_rank BEFORE INSERT OR UPDATE OF tier_id ON partnerships
FOR EACH ROW EXECUTE FUNCTION partnerships_tier_rank();

CREATE FUNCTION tiers_rank() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE partnerships SET tier_rank = NEW.rank WHERE tier_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER tiers_rank_update AFTER UPDATE OF rank ON tiers
FOR EACH ROW WHEN (OLD.rank IS DISTINCT FROM NEW.rank) EXECUTE FUNCTION tiers_rank();
