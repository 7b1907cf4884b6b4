//! The outbox sent over SMTP to a real SMTP server process (the sink), on SQLite and
//! PostgreSQL: delivery, retries, failures a person resends, several runners on one database,
//! and a server killed with SIGKILL in the middle of sending.

use serde_json::Value;
use store::db::{Backend, Db};
use store::emails::{self, Recipient};
use store::messages::Message;

use crate::common::{SmtpSink, TestApp, spawn_with, wait_for};

/// Runs `test` against a server that sends its outbox to a fresh sink.
async fn with_mail(backend: Backend, test: impl AsyncFnOnce(&TestApp, &SmtpSink)) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let Some(app) = spawn_with(backend, |s| s.smtp_url = Some(url)).await else {
        return;
    };
    // The demo's queued messages go out first, so a test's refusal meets its own message.
    let left = wait_for(10, async || pending_sends(&app.db).await, |n| *n == 0).await;
    assert_eq!(left, 0, "the demo's messages were not sent");
    test(&app, &sink).await;
    app.cleanup().await;
}

macro_rules! mail_tests {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::with_mail(store::db::Backend::Sqlite, super::$name).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::with_mail(store::db::Backend::Postgres, super::$name).await;
                }
            }
        )+
    };
}

mail_tests!(
    a_forgotten_password_is_reset_by_email,
    an_invite_reaches_the_smtp_server,
    a_message_the_server_defers_is_retried,
    a_refused_message_fails_with_its_reason_until_resent,
);

on_both_backends!(
    a_claim_taken_over_cannot_finish,
    two_runners_send_each_message_once,
    a_server_killed_while_sending_finishes_after_restart,
);

async fn email_row(app: &TestApp, to: &str) -> (i64, String, i64, Option<String>) {
    sqlx::query_as::<_, (i64, String, i64, Option<String>)>(
        "SELECT id, status, attempts, last_error FROM emails WHERE to_email = $1",
    )
    .bind(to)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn invite(app: &TestApp, email: &str) {
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &owner,
            "invite_teammate",
            &[("email", email), ("role", "finance")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn an_invite_reaches_the_smtp_server(app: &TestApp, sink: &SmtpSink) {
    invite(app, "new.finance@acme.example").await;
    let received = wait_for(
        10,
        async || sink.messages().await,
        |m| m.iter().any(|m| m.to == ["new.finance@acme.example"]),
    )
    .await;
    let message = received
        .iter()
        .find(|m| m.to == ["new.finance@acme.example"])
        .expect("the invite reached the SMTP server");
    assert!(
        message.subject.contains("invited you to Acme"),
        "{}",
        message.subject
    );
    assert!(message.text.contains("/invite/"), "{}", message.text);
    assert!(
        message.html.contains("Accept the invite"),
        "{}",
        message.html
    );
    assert!(
        message.from.contains("portal@localhost"),
        "{}",
        message.from
    );
    let (id, status, attempts, error) = wait_for(
        5,
        async || email_row(app, "new.finance@acme.example").await,
        |row| row.1 == "sent",
    )
    .await;
    assert_eq!(message.id, id);
    assert_eq!((status.as_str(), attempts, error), ("sent", 1, None));
    let sent_events = app
        .scalar(
            "SELECT COUNT(*) FROM events WHERE kind = 'email.sent' AND subject_id = CAST($1 AS BIGINT)",
            &id.to_string(),
        )
        .await;
    assert_eq!(sent_events, 1);
}

async fn a_message_the_server_defers_is_retried(app: &TestApp, sink: &SmtpSink) {
    sink.refuse("deferred@acme.example", 1, 451).await;
    invite(app, "deferred@acme.example").await;
    let (_, status, attempts, error) = wait_for(
        5,
        async || email_row(app, "deferred@acme.example").await,
        |row| row.2 == 1,
    )
    .await;
    assert_eq!((status.as_str(), attempts), ("queued", 1));
    assert!(error.as_deref().unwrap_or("").contains("451"), "{error:?}");
    // The first retry waits between 2.5 and 5 seconds.
    let (_, status, attempts, error) = wait_for(
        15,
        async || email_row(app, "deferred@acme.example").await,
        |row| row.1 == "sent",
    )
    .await;
    assert_eq!((status.as_str(), attempts, error), ("sent", 2, None));
    let received = sink.messages().await;
    assert_eq!(
        received
            .iter()
            .filter(|m| m.to == ["deferred@acme.example"])
            .count(),
        1
    );
}

async fn a_refused_message_fails_with_its_reason_until_resent(app: &TestApp, sink: &SmtpSink) {
    sink.refuse("refused@acme.example", 1, 550).await;
    invite(app, "refused@acme.example").await;
    let (id, status, attempts, error) = wait_for(
        5,
        async || email_row(app, "refused@acme.example").await,
        |row| row.1 == "failed",
    )
    .await;
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    assert!(error.as_deref().unwrap_or("").contains("550"), "{error:?}");

    // The outbox shows it, with the reason, to an owner.
    let owner = app.signed_in("owner@acme.example").await;
    let page: Value = app
        .call(&owner, "outbox_page", &[])
        .await
        .json()
        .await
        .unwrap();
    let row = page["emails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .expect("the failed message is in the outbox")
        .clone();
    assert_eq!(row["status"], "failed");
    assert!(row["last_error"].as_str().unwrap().contains("550"));

    // Partner managers do not read the outbox, nor resend from it.
    let manager = app.signed_in("manager@acme.example").await;
    let res = app.call(&manager, "outbox_page", &[]).await;
    assert_eq!(res.status(), 403);
    let id_text = id.to_string();
    let res = app
        .call(&manager, "resend_email", &[("email_id", &id_text)])
        .await;
    assert_eq!(res.status(), 403);

    let res = app
        .call(&owner, "resend_email", &[("email_id", &id_text)])
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (_, status, attempts, error) = wait_for(
        5,
        async || email_row(app, "refused@acme.example").await,
        |row| row.1 == "sent",
    )
    .await;
    assert_eq!((status.as_str(), attempts, error), ("sent", 1, None));
    // A sent message is not sent again.
    let res = app
        .call(&owner, "resend_email", &[("email_id", &id_text)])
        .await;
    assert_eq!(res.status(), 400);
}

async fn request_reset(app: &TestApp, email: &str) -> reqwest::Response {
    let visitor = app.client();
    app.call(&visitor, "request_password_reset", &[("email", email)])
        .await
}

async fn resets_to(sink: &SmtpSink, to: &str) -> Vec<crate::common::Received> {
    sink.messages()
        .await
        .into_iter()
        .filter(|m| m.to == [to] && m.subject.starts_with("Choose a new password"))
        .collect()
}

async fn a_forgotten_password_is_reset_by_email(app: &TestApp, sink: &SmtpSink) {
    const OWNER: &str = "owner@acme.example";
    const NEW_PASSWORD: &str = "a-brand-new-password";
    let elsewhere = app.signed_in(OWNER).await;

    // An address with an account and one without get the same answer.
    let known = request_reset(app, "Owner@Acme.example").await;
    let unknown = request_reset(app, "nobody@nowhere.example").await;
    assert_eq!(known.status(), 200);
    assert_eq!(unknown.status(), 200);
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    let bad = request_reset(app, "not an address").await;
    assert_eq!(bad.status(), 400);

    let received = wait_for(10, async || resets_to(sink, OWNER).await, |m| !m.is_empty()).await;
    let text = &received.first().expect("the reset email arrived").text;
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/reset-password/"))
        .expect("a reset link")
        .to_owned();
    assert!(
        link.starts_with(&format!("{}/reset-password/", app.base)),
        "{link}"
    );
    let token = link.rsplit('/').next().unwrap().to_owned();
    let left = wait_for(5, async || pending_sends(&app.db).await, |n| *n == 0).await;
    assert_eq!(left, 0);
    assert!(
        sink.messages()
            .await
            .iter()
            .all(|m| m.to != ["nobody@nowhere.example"])
    );

    // The token opens the reset page only, never the set-password one.
    let visitor = app.client();
    let info = app
        .call(
            &visitor,
            "password_link",
            &[("token", &token), ("purpose", "reset")],
        )
        .await;
    assert_eq!(info.status(), 200);
    let info = app
        .call(&visitor, "password_link", &[("token", &token)])
        .await;
    assert_eq!(info.status(), 404);

    let set = app
        .call(
            &visitor,
            "set_password",
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("purpose", "reset"),
            ],
        )
        .await;
    assert!(
        set.status().is_success() || set.status().is_redirection(),
        "{}",
        set.status()
    );
    // The session signed in before the reset is over; the new password signs in, the old
    // one no longer does, and the link works once.
    let res = app.call(&elsewhere, "profile", &[]).await;
    assert_eq!(res.status(), 401);
    let fresh = app.client();
    let res = app
        .call(
            &fresh,
            "login",
            &[("email", OWNER), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .call(
            &app.client(),
            "login",
            &[("email", OWNER), ("password", crate::common::DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 401);
    let again = app
        .call(
            &app.client(),
            "set_password",
            &[
                ("token", &token),
                ("password", "another-long-password"),
                ("purpose", "reset"),
            ],
        )
        .await;
    assert_eq!(again.status(), 400);

    // A request through a forged Host (with a matching Origin, as a script sends) mails no
    // link pointing at that host.
    let forged = reqwest::Client::new()
        .post(app.url("/api/request_password_reset"))
        .header("host", "evil.example")
        .header("origin", "http://evil.example")
        .form(&[("email", OWNER)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 200);
    // An account gets 3 reset requests an hour (the forged one counted): of the next three,
    // one is sent.
    for _ in 0..3 {
        assert_eq!(request_reset(app, OWNER).await.status(), 200);
    }
    let left = wait_for(5, async || pending_sends(&app.db).await, |n| *n == 0).await;
    assert_eq!(left, 0);
    let resets = resets_to(sink, OWNER).await;
    assert_eq!(
        resets.len(),
        2,
        "the first, then one more: the forged one sent none"
    );
    assert!(resets.iter().all(|m| !m.text.contains("evil.example")));
}

/// Queues `n` messages in Acme's outbox; their ids.
async fn queue_messages(db: &Db, n: usize) -> Vec<i64> {
    let company_id: i64 = sqlx::query_scalar("SELECT id FROM companies WHERE name = $1")
        .bind("Acme Analytics")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("bulk{i}@example.com");
        let id = emails::queue(
            &mut tx,
            Recipient {
                email: &email,
                company_id: Some(company_id),
                partner_team_id: None,
                program_id: None,
            },
            &Message::ApplicationReceived {
                team: &format!("Team {i}"),
                program: "Acme Partner Program",
            },
        )
        .await
        .unwrap()
        .expect("nobody turned it off");
        ids.push(id);
    }
    tx.commit().await.unwrap();
    ids
}

async fn pending_sends(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE queue = 'send_email' AND status <> 'done'")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// Every queued message was sent, its job finished and its `email.sent` event written exactly
/// once; returns how many deliveries the sink saw beyond one per message.
async fn assert_each_sent_once(db: &Db, sink: &SmtpSink, ids: &[i64]) -> usize {
    let received: Vec<_> = sink
        .messages()
        .await
        .into_iter()
        .filter(|m| ids.contains(&m.id))
        .collect();
    for id in ids {
        let status: String = sqlx::query_scalar("SELECT status FROM emails WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(status, "sent", "message {id}");
        let events: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM events WHERE kind = 'email.sent' AND subject_id = $1",
        )
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        assert_eq!(events, 1, "email.sent events of message {id}");
        assert!(
            received.iter().any(|m| m.id == *id),
            "message {id} never reached the SMTP server"
        );
    }
    received.len() - ids.len()
}

async fn a_claim_taken_over_cannot_finish(app: &TestApp) {
    use domain::job::Queue;
    use store::jobs;
    let ids = queue_messages(&app.db, 1).await;
    let now = store::db::now_ms();
    // The first runner's lease ends at once, so a second runner takes the job over.
    let first = jobs::claim(&app.db, Queue::SendEmail, now, 0)
        .await
        .unwrap();
    let first = first
        .iter()
        .find(|j| j.subject_id == ids[0])
        .unwrap()
        .clone();
    let second = jobs::claim(&app.db, Queue::SendEmail, now, 60_000)
        .await
        .unwrap();
    let second = second
        .iter()
        .find(|j| j.subject_id == ids[0])
        .unwrap()
        .clone();
    assert_eq!((first.attempt, second.attempt), (1, 2));
    // Nobody else gets it while the second runner holds it.
    let third = jobs::claim(&app.db, Queue::SendEmail, now, 60_000)
        .await
        .unwrap();
    assert!(third.iter().all(|j| j.subject_id != ids[0]));

    assert!(
        !emails::sent(&app.db, &first).await.unwrap(),
        "a lost claim finished"
    );
    emails::send_failed(&app.db, &first, "late", false)
        .await
        .unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM emails WHERE id = $1")
        .bind(ids[0])
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "queued", "the lost claim changed the message");
    assert!(emails::sent(&app.db, &second).await.unwrap());
    let (status, attempts): (String, i64) =
        sqlx::query_as("SELECT status, attempts FROM emails WHERE id = $1")
            .bind(ids[0])
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("sent", 2));
}

async fn two_runners_send_each_message_once(app: &TestApp) {
    let sink = SmtpSink::start();
    // The demo's own queued messages go out too.
    let seeded = pending_sends(&app.db).await;
    let ids = queue_messages(&app.db, 120).await;
    let mailer = server::mail::Mailer::new(&sink.url(), server::DEFAULT_MAIL_FROM).unwrap();
    // Two runners on two connection pools, as two server processes would have.
    let second = Db::connect(&app.database_url).await.unwrap();
    let run = |db: Db, mailer: server::mail::Mailer| async move {
        let mut claimed = 0;
        loop {
            let n = server::jobs::send_due(&db, &mailer, 60_000).await.unwrap();
            assert!(n <= store::jobs::BATCH, "one claim took {n} jobs");
            if n == 0 {
                return claimed;
            }
            claimed += n;
        }
    };
    let (a, b) = tokio::join!(
        tokio::spawn(run(app.db.clone(), mailer.clone())),
        tokio::spawn(run(second.clone(), mailer))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        i64::try_from(a + b).unwrap(),
        i64::try_from(ids.len()).unwrap() + seeded,
        "claims: {a} + {b}"
    );
    assert!(a > 0 && b > 0, "both runners took work: {a} and {b}");
    assert_eq!(pending_sends(&app.db).await, 0);
    assert_eq!(assert_each_sent_once(&app.db, &sink, &ids).await, 0);
    second.close().await;
}

/// Starts the real server binary on the test's database, sending to `sink` with a 1 s lease.
fn server_process(app: &TestApp, sink: &SmtpSink) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("PORTAL_SMTP_URL", sink.url())
        .env("PORTAL_MAIL_POLL_MS", "20")
        .env("PORTAL_JOB_LEASE_SECS", "1")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the server binary")
}

async fn a_server_killed_while_sending_finishes_after_restart(app: &TestApp) {
    let sink = SmtpSink::start();
    let ids = queue_messages(&app.db, 400).await;
    let mut first = server_process(app, &sink);
    let received = wait_for(30, async || sink.messages().await.len(), |n| *n >= 60).await;
    assert!(received >= 60, "only {received} messages arrived");
    first.kill().unwrap(); // SIGKILL: no shutdown, leases held
    first.wait().unwrap();
    let left = pending_sends(&app.db).await;
    assert!(left > 0, "the kill came after the last message");

    let mut second = server_process(app, &sink);
    let left = wait_for(60, async || pending_sends(&app.db).await, |n| *n == 0).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(left, 0, "messages still unsent after the restart");
    let again = assert_each_sent_once(&app.db, &sink, &ids).await;
    // At least once: only what was in flight when the process died may arrive twice.
    assert!(
        again <= store::jobs::BATCH,
        "{again} messages arrived twice"
    );
}
