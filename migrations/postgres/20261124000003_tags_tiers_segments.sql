-- Tags on partnerships, tier rules and benefits, saved segments, and the groups a partner
-- manager is restricted to.

CREATE TABLE tags (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (program_id, name)
);

CREATE TABLE partnership_tags (
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id),
    tag_id BIGINT NOT NULL REFERENCES tags(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (partnership_id, tag_id)
);
CREATE INDEX partnership_tags_tag ON partnership_tags(tag_id, partnership_id);

-- JSON: the qualification rule and the benefits of a tier (domain::tier).
ALTER TABLE tiers ADD COLUMN rule TEXT NOT NULL DEFAULT '';
ALTER TABLE tiers ADD COLUMN benefits TEXT NOT NULL DEFAULT '';

-- JSON: a domain::segment::Rule.
CREATE TABLE segments (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    name TEXT NOT NULL,
    rule TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (program_id, name)
);

CREATE TABLE teammate_groups (
    teammate_id BIGINT NOT NULL REFERENCES teammates(id),
    group_id BIGINT NOT NULL REFERENCES partner_groups(id),
    PRIMARY KEY (teammate_id, group_id)
);

CREATE INDEX partnerships_program_group ON partnerships(program_id, group_id, id);
CREATE INDEX partnerships_program_tier ON partnerships(program_id, tier_id, id);
CREATE INDEX partnerships_program_joined ON partnerships(program_id, joined_at, id);
