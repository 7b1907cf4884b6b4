-- Keyset pages of a program's customers, newest first, with or without a status filter; and
-- pipeline pages of deals filtered by motion or by rep (one stage at a time).
CREATE INDEX customers_program_id ON customers(program_id, id);
CREATE INDEX customers_program_status_id ON customers(program_id, status, id);
CREATE INDEX deals_program_motion_stage_id ON deals(program_id, motion, stage, id);
CREATE INDEX deals_program_rep_stage_id ON deals(program_id, rep_user_id, stage, id);
-- A partner's pipeline reads one stage at a time; with an index on (partnership_id, id) alone
-- PostgreSQL walks every deal of the partnership looking for a stage it has few of.
-- (partnership_id, stage, id) serves every query that used it.
DROP INDEX deals_partnership;
-- PostgreSQL only: a partner's deals crowd into a few stages, so the partnership and the stage
-- are far from independent; these statistics let the planner see it and keep pipeline pages on
-- their keyset indexes.
CREATE STATISTICS deals_partnership_stage_stats (dependencies, mcv) ON partnership_id, stage FROM deals;
CREATE STATISTICS deals_program_motion_stage_stats (dependencies, mcv) ON program_id, motion, stage FROM deals;
