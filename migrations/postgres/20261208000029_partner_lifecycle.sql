-- The status an archived partnership had before, which unarchiving restores (domain::partnership::StatusAction).
ALTER TABLE partnerships ADD COLUMN archived_from TEXT;

-- The group a partner invite places its partner in (the program's default group when empty).
ALTER TABLE invites ADD COLUMN group_id BIGINT REFERENCES partner_groups(id);
