//! The request context: server functions read the session on every request; pages may use
//! their process's read of the last second, so a sign-out applies at once on the process that
//! served it and within a second on every other.

use crate::common::{DEMO_PASSWORD, TestApp};

on_both_backends!(
    a_sign_out_reaches_every_server_process_within_a_second,
    a_changed_role_applies_on_the_next_request,
    a_read_connection_goes_back_unless_its_statement_failed,
);

/// Signs in with a client that keeps no cookies; the `Cookie` header value of the session.
async fn session_cookie(app: &TestApp, email: &str) -> String {
    let res = app
        .client_without_origin()
        .post(app.url("/api/login"))
        .header("origin", &app.origin)
        .form(&[("email", email), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("sign in");
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("portal_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// `GET {base}/vendor` with `cookie`: its status.
async fn vendor_page(base: &str, cookie: &str) -> u16 {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{base}/vendor"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("page")
        .status()
        .as_u16()
}

async fn sign_out(base: &str, cookie: &str) {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{base}/api/logout"))
        .header("cookie", cookie)
        .header("origin", base)
        .header("accept", "application/json")
        .send()
        .await
        .expect("sign out");
    assert!(
        res.status().as_u16() < 400,
        "sign-out answered {}",
        res.status()
    );
}

async fn a_sign_out_reaches_every_server_process_within_a_second(app: &TestApp) {
    let second = app.second_server().await;
    let cookie = session_cookie(app, "owner@acme.example").await;
    assert_eq!(vendor_page(&second, &cookie).await, 200);
    assert_eq!(vendor_page(&app.base, &cookie).await, 200);
    sign_out(&app.base, &cookie).await;
    let signed_out = std::time::Instant::now();
    assert_eq!(vendor_page(&app.base, &cookie).await, 303);
    // The second process read this session just before; it uses that read for at most
    // `RECENT_FOR`, then reads the sign-out.
    loop {
        let status = vendor_page(&second, &cookie).await;
        if status == 303 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            signed_out.elapsed()
                < store::context::RECENT_FOR + std::time::Duration::from_millis(300),
            "the second process still served the page {:?} after the sign-out",
            signed_out.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn a_changed_role_applies_on_the_next_request(app: &TestApp) {
    let cookie = session_cookie(app, "finance@acme.example").await;
    let rewards = || async {
        reqwest::Client::new()
            .post(app.url("/api/vendor_rewards"))
            .header("cookie", &cookie)
            .header("origin", &app.origin)
            .send()
            .await
            .expect("vendor_rewards")
            .status()
            .as_u16()
    };
    assert_eq!(rewards().await, 200);
    sqlx::query(
        "UPDATE teammates SET role = 'technical' WHERE user_id = (SELECT id FROM users WHERE email_normalized = $1)",
    )
    .bind("finance@acme.example")
    .execute(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(rewards().await, 403, "technical teammates see no money");
}

/// Read connections go back to their pool without a round trip; one whose statement failed is
/// closed instead. A temporary table (one connection's own) tells which connection a read got.
async fn a_read_connection_goes_back_unless_its_statement_failed(app: &TestApp) {
    // A pool of its own, so that nothing the server does takes the connection in between.
    let db = store::db::Db::connect(&app.database_url)
        .await
        .expect("connect");
    let probe = "SELECT COUNT(*) FROM read_probe";
    sqlx::query("CREATE TEMPORARY TABLE read_probe (x INTEGER)")
        .execute(&mut db.conn().await.expect("read"))
        .await
        .expect("temporary table");
    let count: i64 = sqlx::query_scalar(probe)
        .fetch_one(&mut db.conn().await.expect("read"))
        .await
        .expect("the same connection came back");
    assert_eq!(count, 0);

    let failed = sqlx::query("SELECT no_such_column FROM read_probe")
        .fetch_all(&mut db.conn().await.expect("read"))
        .await;
    assert!(failed.is_err(), "a column that does not exist");
    let after: Result<i64, _> = sqlx::query_scalar(probe)
        .fetch_one(&mut db.conn().await.expect("read"))
        .await;
    assert!(
        after.is_err(),
        "the connection whose statement failed was closed: a new one has no read_probe"
    );
    // The new connection is set up like every other: SQLite's foreign keys are on.
    if db.backend == store::db::Backend::Sqlite {
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut db.conn().await.expect("read"))
            .await
            .expect("pragma");
        assert_eq!(on, 1);
    }
    db.close().await;
}
