-- The lead form suggests a program's active partners best tier first, then by name. The rank
-- of a partnership's tier is kept on the partnership (-1: no tier) and indexed in that order,
-- so ten suggestions read ten index entries instead of sorting every active partnership.
ALTER TABLE partnerships ADD COLUMN tier_rank BIGINT NOT NULL DEFAULT -1;
UPDATE partnerships SET tier_rank = COALESCE((SELECT t.rank FROM tiers t WHERE t.id = partnerships.tier_id), -1);
CREATE INDEX partnerships_suggested ON partnerships(program_id, status, tier_rank DESC, team_name, id);

CREATE TRIGGER partnerships_tier_rank_insert AFTER INSERT ON partnerships WHEN NEW.tier_id IS NOT NULL
BEGIN
    UPDATE partnerships SET tier_rank = COALESCE((SELECT rank FROM tiers WHERE id = NEW.tier_id), -1) WHERE id = NEW.id;
END;

CREATE TRIGGER partnerships_tier_rank_update AFTER UPDATE OF tier_id ON partnerships
BEGIN
    UPDATE partnerships SET tier_rank = COALESCE((SELECT rank FROM tiers WHERE id = NEW.tier_id), -1) WHERE id = NEW.id;
END;

CREATE TRIGGER tiers_rank_update AFTER UPDATE OF rank ON tiers
BEGIN
    UPDATE partnerships SET tier_rank = NEW.rank WHERE tier_id = NEW.id;
END;
