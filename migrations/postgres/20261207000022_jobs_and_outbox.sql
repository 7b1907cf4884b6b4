-- Background jobs (domain::job): one row per (queue, subject). A runner claims a due job by
-- moving its run_at to the end of a lease and writing its own lock_token; the job then
-- finishes, waits for a retry at run_at after a failure, or is dead after its last attempt.
-- Due jobs are found through a partial index, so a claim reads only what is due.
CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    queue TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    company_id BIGINT REFERENCES companies(id),
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    run_at BIGINT NOT NULL,
    lock_token TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (queue, subject_id)
);
CREATE INDEX jobs_due ON jobs(queue, run_at, id) WHERE status = 'pending';

-- The outbox page lists a company's emails newest first; a message keeps its kind, an HTML
-- part, how often sending was tried and why the last try failed.
ALTER TABLE emails ADD COLUMN kind TEXT NOT NULL DEFAULT 'message';
ALTER TABLE emails ADD COLUMN html TEXT;
ALTER TABLE emails ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE emails ADD COLUMN last_error TEXT;
CREATE INDEX emails_company ON emails(company_id, id);

-- Mail queued before there was a sender goes out now.
INSERT INTO jobs (queue, subject_id, company_id, status, run_at, created_at)
SELECT 'send_email', id, company_id, 'pending', created_at, created_at FROM emails WHERE status = 'queued';
