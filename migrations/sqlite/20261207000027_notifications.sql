-- In-app notifications: the messages the portal emails a person with an account, kept for the
-- workspace they concern (a company for teammates, a partner team for its contacts), read or
-- not. The header counts the unread ones of the session's workspace.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    workspace_kind TEXT NOT NULL,
    workspace_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- A page of the portal (a path) where the matter is.
    link TEXT,
    email_id BIGINT REFERENCES emails(id),
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_inbox ON notifications(user_id, workspace_kind, workspace_id, id);
CREATE INDEX notifications_unread ON notifications(user_id, workspace_kind, workspace_id, read_at);

-- The kinds of optional email (`EmailKind::optional`) a person turned off; they still find
-- those messages among their notifications.
CREATE TABLE email_opt_outs (
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
