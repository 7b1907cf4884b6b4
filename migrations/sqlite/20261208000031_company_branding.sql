-- How a company shows itself to its partners (domain::company::Branding): a brand colour
-- (#rrggbb), an https logo address and the address partners write to for help; NULL is unset.
ALTER TABLE companies ADD COLUMN brand_color TEXT;
ALTER TABLE companies ADD COLUMN logo_url TEXT;
ALTER TABLE companies ADD COLUMN support_email TEXT;

-- One company a name, whatever its case: two renames at once cannot both take it.
CREATE UNIQUE INDEX companies_name ON companies(LOWER(name));
