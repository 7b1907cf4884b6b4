-- Custom lead fields per group (a JSON list of {key, label, kind, required}) and each lead's
-- answers (a JSON list of [label, value] pairs, so a lead reads the same after its group's
-- fields change).
ALTER TABLE partner_groups ADD COLUMN lead_fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE leads ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '[]';
