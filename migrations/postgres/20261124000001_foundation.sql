-- Foundation: identity, companies and partner teams, programs and partnerships, the sales
-- motions and money tables the dashboards read, sessions, and the events outbox.
-- Money: integer minor units + ISO currency. Times: integer UTC milliseconds.

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    email_normalized TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE companies (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE teammates (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (company_id, user_id)
);
CREATE INDEX teammates_user ON teammates(user_id);

CREATE TABLE partner_teams (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE contacts (
    id BIGSERIAL PRIMARY KEY,
    partner_team_id BIGINT NOT NULL REFERENCES partner_teams(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (partner_team_id, user_id)
);
CREATE INDEX contacts_user ON contacts(user_id);

CREATE TABLE programs (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    currency TEXT NOT NULL,
    attribution_window_days BIGINT NOT NULL DEFAULT 90,
    hold_days BIGINT NOT NULL DEFAULT 30,
    min_cashout_minor BIGINT NOT NULL DEFAULT 0,
    signup_mode TEXT NOT NULL DEFAULT 'approval',
    created_at BIGINT NOT NULL
);
CREATE INDEX programs_company ON programs(company_id, id);

CREATE TABLE partner_groups (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (program_id, name)
);

CREATE TABLE tiers (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    name TEXT NOT NULL,
    rank BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (program_id, rank)
);

CREATE TABLE partnerships (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    partner_team_id BIGINT NOT NULL REFERENCES partner_teams(id),
    status TEXT NOT NULL,
    partner_key TEXT NOT NULL UNIQUE,
    group_id BIGINT NOT NULL REFERENCES partner_groups(id),
    tier_id BIGINT REFERENCES tiers(id),
    manager_teammate_id BIGINT REFERENCES teammates(id),
    joined_at BIGINT NOT NULL,
    UNIQUE (program_id, partner_team_id)
);
CREATE INDEX partnerships_program ON partnerships(program_id, status, id);
CREATE INDEX partnerships_team ON partnerships(partner_team_id);

CREATE TABLE customers (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    partnership_id BIGINT REFERENCES partnerships(id),
    external_key TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (program_id, external_key)
);
CREATE INDEX customers_partnership ON customers(partnership_id, id);

CREATE TABLE leads (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id),
    company_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX leads_program_status ON leads(program_id, status);
CREATE INDEX leads_partnership ON leads(partnership_id, id);

CREATE TABLE deals (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id),
    name TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    motion TEXT NOT NULL,
    stage TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX deals_program_stage ON deals(program_id, stage);
CREATE INDEX deals_partnership ON deals(partnership_id, id);

CREATE TABLE payouts (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id),
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    reference TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX payouts_program_status ON payouts(program_id, status);
CREATE INDEX payouts_partnership ON payouts(partnership_id, id);

CREATE TABLE rewards (
    id BIGSERIAL PRIMARY KEY,
    program_id BIGINT NOT NULL REFERENCES programs(id),
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id),
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    rounding_mode TEXT NOT NULL,
    status TEXT NOT NULL,
    description TEXT NOT NULL,
    decline_reason TEXT,
    payout_id BIGINT REFERENCES payouts(id),
    available_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX rewards_program_status ON rewards(program_id, status);
CREATE INDEX rewards_partnership_status ON rewards(partnership_id, status);

CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    workspace_kind TEXT,
    workspace_id BIGINT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    occurred_at BIGINT NOT NULL,
    actor_user_id BIGINT REFERENCES users(id),
    company_id BIGINT REFERENCES companies(id),
    kind TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX events_company ON events(company_id, id);
CREATE INDEX events_subject ON events(subject_type, subject_id);
