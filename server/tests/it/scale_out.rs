//! Two server processes on one database behave as one (what a load balancer spreads requests
//! over): sessions, the sign-in limit, exactly-once cash-outs and turned-off links.

use std::time::{Duration, Instant};

use crate::common::{DEMO_PASSWORD, TestApp, json_of};
use crate::links::{configure_links, default_link};
use crate::money::cash_outs_make_one_payout;
use crate::trust::wrong_password;

on_both_backends!(two_server_processes_behave_as_one);

/// How long the second process serves a link's target from memory.
const LINK_CACHE: Duration = Duration::from_secs(1);

async fn two_server_processes_behave_as_one(app: &TestApp) {
    let second = app.second_server_with(|s| s.link_cache = LINK_CACHE).await;
    let bases = [app.base.clone(), second.clone()];
    a_session_made_on_one_works_on_the_other(app, &second).await;
    wrong_passwords_over_both_are_throttled_after_five(app, &bases).await;
    cash_outs_make_one_payout(app, &bases).await;
    a_link_turned_off_on_one_stops_on_the_other(app, &second).await;
    the_daily_tier_run_happens_once(app).await;
}

async fn a_session_made_on_one_works_on_the_other(app: &TestApp, second: &str) {
    let owner = app.signed_in("owner@acme.example").await;
    let res = owner.get(format!("{second}/vendor")).send().await.unwrap();
    assert_eq!(res.status(), 200, "the session of the first process");
}

async fn wrong_passwords_over_both_are_throttled_after_five(app: &TestApp, bases: &[String; 2]) {
    let statuses: Vec<u16> = {
        let mut out = Vec::new();
        for i in 0..7 {
            out.push(wrong_password(app, &bases[i % 2], "tech@acme.example").await);
        }
        out
    };
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    let res = app
        .client_without_origin()
        .post(format!("{}/api/login", bases[1]))
        .header("origin", &bases[1])
        .form(&[("email", "tech@acme.example"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "even the right password waits");
    // Another account from the same address still signs in.
    app.signed_in("owner@acme.example").await;
}

async fn a_link_turned_off_on_one_stops_on_the_other(app: &TestApp, second: &str) {
    configure_links(app).await;
    let key = default_link(app, "Northwind Agency", false).await;
    let visitor = app.client();
    let status = async || {
        visitor
            .get(format!("{second}/r/{key}"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status().await, 302, "the second process caches the target");
    let link = app
        .scalar("SELECT id FROM links WHERE link_key = $1", &key)
        .await
        .to_string();
    let partner = app.signed_in("owner@northwind.example").await;
    let turned = app
        .call(
            &partner,
            "set_link_enabled",
            &[("link", &link), ("turn", "off")],
        )
        .await;
    json_of(turned).await;
    let off = Instant::now();
    assert_eq!(
        app.client()
            .get(app.url(&format!("/r/{key}")))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "the first process, which has not cached it"
    );
    // The second serves what it read for at most its cache time, then reads the link again
    // (the request after the one that finds the entry old gets the new answer).
    loop {
        // Timed when asked, not when answered: a slow answer on a busy machine is no stale one.
        let asked = off.elapsed();
        match status().await {
            404 => break,
            302 => assert!(
                asked < LINK_CACHE * 2 + Duration::from_millis(500),
                "the second process still redirected {asked:?} after the link was turned off"
            ),
            other => panic!("unexpected {other}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Both processes' job loops try the daily tier evaluation at once: one runs it.
async fn the_daily_tier_run_happens_once(app: &TestApp) {
    sqlx::query("UPDATE job_runs SET last_run_at = 0 WHERE name = 'tier_evaluation'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let other = store::db::Db::connect(&app.database_url).await.unwrap();
    let now = store::db::now_ms();
    let (a, b) = tokio::join!(
        store::tiers::evaluate_daily(&app.db, now),
        store::tiers::evaluate_daily(&other, now)
    );
    let ran = [a.unwrap(), b.unwrap()];
    assert_eq!(ran.iter().filter(|r| r.is_some()).count(), 1, "{ran:?}");
    other.close().await;
}
