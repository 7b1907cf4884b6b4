-- A program's own wording of the emails its partners get (`EmailKind::customizable`): a
-- subject and a text with placeholders, in place of the portal's default. The HTML part is
-- made from the text, so the program's wording reads the same in both.
CREATE TABLE program_email_templates (
    program_id BIGINT NOT NULL REFERENCES programs(id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (program_id, kind)
);
