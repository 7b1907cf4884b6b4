-- Password reset links share the set-password links' table; a token opens only the page of
-- its purpose (domain::password_link::Purpose).
ALTER TABLE password_tokens ADD COLUMN purpose TEXT NOT NULL DEFAULT 'set_password';
