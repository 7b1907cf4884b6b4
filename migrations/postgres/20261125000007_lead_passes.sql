-- Lead pass: the vendor hands a lead to a partnership, which takes or declines it (with a
-- reason); a declined lead can be passed to another. Every pass stays on the lead.
CREATE TABLE lead_passes (
    id BIGSERIAL PRIMARY KEY,
    lead_id BIGINT NOT NULL REFERENCES leads(id),
    partnership_id BIGINT NOT NULL REFERENCES partnerships(id),
    status TEXT NOT NULL,
    reason TEXT,
    passed_by_user_id BIGINT NOT NULL REFERENCES users(id),
    passed_at BIGINT NOT NULL,
    answered_by_user_id BIGINT REFERENCES users(id),
    answered_at BIGINT
);
CREATE INDEX lead_passes_lead ON lead_passes(lead_id, id);
