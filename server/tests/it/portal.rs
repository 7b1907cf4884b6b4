//! Integration tests against the real server (port 0), each on SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use crate::common::{DEMO_PASSWORD, TestApp, json_of};
use serde_json::Value;

on_both_backends!(
    sign_in_and_out,
    unknown_email_and_wrong_password_look_the_same,
    sessions_expire,
    roles_gate_pages_and_server_functions,
    cross_origin_posts_are_refused,
    login_limiter_answers_429,
    workspace_picker_for_users_in_two_workspaces,
    every_change_writes_an_event,
    limits_and_health,
    program_switcher_scopes_each_side,
    pages_and_answers_are_compressed,
    a_form_tells_the_next_page_what_it_did_and_a_secret_shows_once,
    ready_only_with_every_migration_applied,
);

async fn sign_in_and_out(app: &TestApp) {
    let client = app.client();
    let res = app
        .call(
            &client,
            "login",
            &[("email", "Owner@Acme.example"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/vendor");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("portal_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            cookie.contains(attribute),
            "cookie lacks {attribute}: {cookie}"
        );
    }
    // The token is stored only as its hash.
    let token = cookie
        .trim_start_matches("portal_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = $1",
            &token
        )
        .await,
        0
    );
    let user_sessions = "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email_normalized = $1";
    assert_eq!(app.scalar(user_sessions, "owner@acme.example").await, 1);

    let page = client.get(app.url("/vendor")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Acme Analytics program overview"));
    assert_eq!(html.matches("<h1").count(), 1, "one h1 per page");

    let overview: Value = app
        .call(&client, "vendor_overview", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview["kpis"]["active_partners"], 2);
    assert_eq!(overview["kpis"]["open_leads"], 4);
    assert_eq!(overview["kpis"]["open_deals"], 3);
    assert_eq!(overview["kpis"]["rewards_pending"]["minor"], 29425);
    assert_eq!(overview["kpis"]["payouts_requested"]["minor"], 80000);
    assert_eq!(overview["partners"].as_array().unwrap().len(), 3);

    let res = app.call(&client, "logout", &[]).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        app.scalar(user_sessions, "owner@acme.example").await,
        0,
        "logout deletes the session row"
    );
    // The old token is dead even if a client kept it.
    let stale = app.client();
    let res = stale
        .get(app.url("/vendor"))
        .header("cookie", format!("portal_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=/vendor");
}

async fn unknown_email_and_wrong_password_look_the_same(app: &TestApp) {
    let client = app.client();
    let mut wrong = Duration::ZERO;
    let mut unknown = Duration::ZERO;
    let mut bodies = Vec::new();
    for i in 0..3 {
        let started = Instant::now();
        let res = app
            .call(
                &client,
                "login",
                &[
                    ("email", "finance@acme.example"),
                    ("password", "wrong-password-123"),
                ],
            )
            .await;
        wrong += started.elapsed();
        assert_eq!(res.status(), 401);
        bodies.push(res.text().await.unwrap());
        let started = Instant::now();
        let email = format!("nobody{i}@acme.example");
        let res = app
            .call(
                &client,
                "login",
                &[
                    ("email", email.as_str()),
                    ("password", "wrong-password-123"),
                ],
            )
            .await;
        unknown += started.elapsed();
        assert_eq!(res.status(), 401);
        bodies.push(res.text().await.unwrap());
    }
    assert!(
        bodies
            .iter()
            .all(|b| b == &bodies[0] && b.contains("Invalid email or password")),
        "{bodies:?}"
    );
    // Both paths run one argon2 verification; an unknown email must not answer noticeably faster.
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!(
        (0.33..3.0).contains(&ratio),
        "unknown {unknown:?} vs wrong {wrong:?}"
    );
}

async fn sessions_expire(app: &TestApp) {
    let hour = 60 * 60 * 1000_i64;
    for (column, age) in [("last_seen_at", 13 * hour), ("created_at", 8 * 24 * hour)] {
        let client = app.signed_in("manager@acme.example").await;
        assert_eq!(
            client
                .get(app.url("/vendor"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let sql: &'static str = match column {
            "last_seen_at" => "UPDATE sessions SET last_seen_at = last_seen_at - $1",
            _ => "UPDATE sessions SET created_at = created_at - $1",
        };
        sqlx::query(sql)
            .bind(age)
            .execute(&app.db.pool)
            .await
            .unwrap();
        // A server function reads the session anew (a page may use its process's read of the
        // last second, and this change comes from outside the process).
        assert_eq!(
            app.call(&client, "vendor_overview", &[]).await.status(),
            401,
            "{column} {age}"
        );
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM sessions WHERE $1 = $1", "")
                .await,
            0,
            "expired sessions are deleted"
        );
        let res = client.get(app.url("/vendor")).send().await.unwrap();
        assert_eq!(res.status(), 303, "{column} {age}");
    }
}

async fn roles_gate_pages_and_server_functions(app: &TestApp) {
    let partner = app.signed_in("owner@northwind.example").await;
    assert_eq!(
        app.call(&partner, "vendor_overview", &[]).await.status(),
        403
    );
    let page = partner.get(app.url("/vendor")).send().await.unwrap();
    assert_eq!(page.status(), 403);
    let html = page.text().await.unwrap();
    assert!(html.contains("Forbidden"));
    for vendor_data in ["Active partners", "Lakeside", "Brightside", "$294.25"] {
        assert!(
            !html.contains(vendor_data),
            "forbidden page leaks {vendor_data}"
        );
    }
    let dashboard: Value = app
        .call(&partner, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    let card = &dashboard["partnerships"][0];
    assert_eq!(card["earnings"]["available"]["minor"], 37050);
    assert_eq!(card["earnings"]["pending"]["minor"], 14425);
    assert_eq!(card["earnings"]["lifetime_paid"]["minor"], 120000);
    assert_eq!(card["group"], "Agencies");
    assert_eq!(card["tier"], "Silver");

    // Members see their team but not its money; technical teammates see no money.
    let member = app.signed_in("member@northwind.example").await;
    let dashboard: Value = app
        .call(&member, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(dashboard["partnerships"][0]["earnings"].is_null());
    let tech = app.signed_in("tech@acme.example").await;
    let overview: Value = app
        .call(&tech, "vendor_overview", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(overview["kpis"]["rewards_pending"].is_null());
    assert_eq!(overview["kpis"]["active_partners"], 2);

    // A refused page tells a browser its real status, not 200 with "Forbidden" in it.
    let finance_contact = app.signed_in("finance@northwind.example").await;
    let globex = app.signed_in("owner@globex.example").await;
    for (client, path, status, title) in [
        (&tech, "/vendor/rewards", 403, "Forbidden"),
        (&finance_contact, "/partner/leads", 403, "Forbidden"),
        (&globex, "/vendor/partners/1", 404, "Not found"),
    ] {
        let page = client
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), status, "{path}");
        assert!(page.text().await.unwrap().contains(title), "{path}");
    }
    // Only those who may change settings create programs.
    let finance = app.signed_in("finance@acme.example").await;
    let new_program = [("new", "true")];
    let res = app.call(&finance, "program_settings", &new_program).await;
    assert_eq!(res.status(), 403);
    let owner = app.signed_in("owner@acme.example").await;
    let res = app.call(&owner, "program_settings", &new_program).await;
    assert_eq!(res.status(), 200);

    let teammate = app.signed_in("owner@acme.example").await;
    assert_eq!(
        app.call(&teammate, "partner_dashboard", &[]).await.status(),
        403
    );
    assert_eq!(
        teammate
            .get(app.url("/partner"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let visitor = app.client();
    assert_eq!(
        app.call(&visitor, "vendor_overview", &[]).await.status(),
        401
    );
    assert_eq!(
        app.call(&visitor, "partner_dashboard", &[]).await.status(),
        401
    );
    assert_eq!(app.call(&visitor, "workspaces", &[]).await.status(), 401);
    let res = visitor.get(app.url("/partner")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=/partner");
}

async fn cross_origin_posts_are_refused(app: &TestApp) {
    let client = app.client();
    let form = [("email", "owner@acme.example"), ("password", DEMO_PASSWORD)];
    let evil_origin = client
        .post(app.url("/api/login"))
        .header("origin", "http://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(evil_origin.status(), 403);
    let evil_referer = app
        .client_without_origin()
        .post(app.url("/api/login"))
        .header("referer", "http://evil.example/page")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(evil_referer.status(), 403);
    // Neither Origin nor Referer: a browser never does that on a post; refused.
    let bare = app
        .client_without_origin()
        .post(app.url("/api/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 403);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM sessions WHERE $1 = $1", "")
            .await,
        0,
        "nothing changed"
    );
    let same = client
        .post(app.url("/api/login"))
        .header("origin", app.base.as_str())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    // No state change on GET: server functions answer only POST.
    let get = client.get(app.url("/api/logout")).send().await.unwrap();
    assert_ne!(get.status(), 200);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM sessions WHERE $1 = $1", "")
            .await,
        1,
        "GET did not sign out"
    );
}

async fn login_limiter_answers_429(app: &TestApp) {
    let client = app.client();
    for _ in 0..5 {
        let res = app
            .call(
                &client,
                "login",
                &[
                    ("email", "finance@northwind.example"),
                    ("password", "wrong-password-123"),
                ],
            )
            .await;
        assert_eq!(res.status(), 401);
    }
    let res = app
        .call(
            &client,
            "login",
            &[
                ("email", "finance@northwind.example"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 429, "even the right password waits");
    let retry: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Other accounts are not locked out by it.
    app.signed_in("owner@northwind.example").await;
}

async fn workspace_picker_for_users_in_two_workspaces(app: &TestApp) {
    let user = app
        .id_of(
            "SELECT id FROM users WHERE email_normalized = $1",
            "owner@acme.example",
        )
        .await;
    let lakeside = app
        .id_of(
            "SELECT id FROM partner_teams WHERE name = $1",
            "Lakeside IT",
        )
        .await;
    sqlx::query("INSERT INTO contacts (partner_team_id, user_id, role, created_at) VALUES ($1, $2, 'member', 0)")
        .bind(lakeside)
        .bind(user)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let client = app.client();
    let res = app
        .call(
            &client,
            "login",
            &[("email", "owner@acme.example"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.headers()["location"], "/workspaces");
    assert_eq!(
        client
            .get(app.url("/vendor"))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "no workspace chosen yet"
    );
    let picker = client
        .get(app.url("/workspaces"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(picker.contains("Open Acme Analytics") && picker.contains("Open Lakeside IT"));
    let lakeside = lakeside.to_string();
    let res = app
        .call(
            &client,
            "select_workspace",
            &[("kind", "partner"), ("id", &lakeside)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/partner");
    let dashboard: Value = app
        .call(&client, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dashboard["team"], "Lakeside IT");
    assert_eq!(dashboard["viewer"]["can_switch"], true);
    assert_eq!(
        app.call(&client, "vendor_overview", &[]).await.status(),
        403,
        "the choice is remembered"
    );
    let bad = app
        .call(
            &client,
            "select_workspace",
            &[("kind", "admin"), ("id", "1")],
        )
        .await;
    assert_eq!(bad.status(), 400);
}

async fn every_change_writes_an_event(app: &TestApp) {
    let before = app
        .scalar("SELECT COUNT(*) FROM events WHERE $1 = $1", "")
        .await;
    let client = app.signed_in("owner@lakeside.example").await;
    app.call(&client, "logout", &[]).await;
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM events WHERE id > $1 ORDER BY id")
            .bind(before)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(kinds, ["session.created", "session.ended"]);
}

async fn limits_and_health(app: &TestApp) {
    let client = app.client();
    let res = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.text().await.unwrap(), "ok");
    let huge = "x".repeat(200 * 1024);
    // Its own connection: the server closes a connection whose oversized body it did not read.
    let res = app
        .client()
        .post(app.url("/api/login"))
        .form(&[("email", huge.as_str()), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let missing = client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let bad = app.call(&client, "login", &[("password", "x")]).await;
    assert_eq!(bad.status(), 400, "a missing field is a clear client error");
}

/// Pages and server-function answers go out compressed with what the browser accepts
/// (brotli first), and say that they vary with it; a client that accepts neither gets them
/// as they are.
async fn pages_and_answers_are_compressed(app: &TestApp) {
    let client = app.client();
    let page = |encoding: &'static str| {
        client
            .get(app.url("/login"))
            .header("accept-encoding", encoding)
            .send()
    };
    let br = page("gzip, deflate, br").await.unwrap();
    assert_eq!(br.status(), 200);
    assert_eq!(br.headers()["content-encoding"], "br");
    assert!(
        br.headers()["vary"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    let compressed = br.bytes().await.unwrap().len();
    let gzip = page("gzip").await.unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let plain = page("identity").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let full = plain.bytes().await.unwrap().len();
    // The fastest level still takes a third off the sign-in page (more off bigger ones).
    assert!(compressed * 3 < full * 2, "{compressed} of {full} bytes");

    let owner = app.signed_in("owner@acme.example").await;
    let answer = owner
        .post(app.url("/api/partners"))
        .header("accept-encoding", "br")
        .form(&[] as &[(&str, &str)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-encoding"], "br");
}

#[test]
fn migrations_are_the_same_versions_on_both_backends() {
    let (sqlite, postgres) = store::db::Db::migration_versions();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
    let names = |dir: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!(
            "{}/../migrations/{dir}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

/// The header's program switcher: the choice lives in the session, pages follow it, and a
/// partner team in two vendors' programs sees one vendor at a time.
async fn program_switcher_scopes_each_side(app: &TestApp) {
    let umbrella = app
        .id_of(
            "SELECT id FROM programs WHERE slug = $1",
            "umbrella-referral-program",
        )
        .await
        .to_string();
    let northwind = app.signed_in("owner@northwind.example").await;
    let dashboard: Value = app
        .call(&northwind, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    let choices = dashboard["viewer"]["programs"].as_array().unwrap();
    assert_eq!(choices.len(), 2, "{choices:?}");
    assert_eq!(
        dashboard["partnerships"].as_array().unwrap().len(),
        1,
        "one vendor at a time"
    );
    assert_eq!(dashboard["partnerships"][0]["vendor"], "Acme Analytics");

    let res = app
        .call(
            &northwind,
            "select_program",
            &[("program", &umbrella), ("current", "/partner/team?x=1")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/partner/team");
    let dashboard = app
        .call(&northwind, "partner_dashboard", &[])
        .await
        .text()
        .await
        .unwrap();
    let parsed: Value = serde_json::from_str(&dashboard).unwrap();
    assert_eq!(
        parsed["viewer"]["program"].as_i64().unwrap().to_string(),
        umbrella
    );
    assert_eq!(parsed["partnerships"][0]["vendor"], "Umbrella Health");
    for acme in [
        "Acme Partner Program\",",
        "northwind-7f3a",
        "Silver",
        "Agencies",
    ] {
        assert!(
            !dashboard.contains(acme),
            "Acme leaked into Umbrella: {acme}"
        );
    }
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "session.program_selected"
        )
        .await,
        1
    );

    // A vendor page follows the session's program; a stale choice falls back to the first.
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &owner,
            "save_program",
            &[
                ("name", "Acme Resellers"),
                ("slug", ""),
                ("currency", "EUR"),
                ("attribution_window_days", "60"),
                ("hold_days", "14"),
                ("min_cashout", "100"),
                ("signup_mode", "open"),
                ("allowed_domains", ""),
                ("terms", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let resellers = app
        .id_of("SELECT id FROM programs WHERE slug = $1", "acme-resellers")
        .await
        .to_string();
    let res = app
        .call(
            &owner,
            "select_program",
            &[
                ("program", &resellers),
                ("current", "/vendor/partners/12?sort=name"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/vendor/partners");
    // The switch says so once, on the next page, through a short-lived HttpOnly cookie.
    let notice = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("portal_notice="))
        .expect("a notice cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=60"] {
        assert!(notice.contains(attribute), "{notice}");
    }
    let partners: Value = app
        .call(&owner, "partners", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(partners["viewer"]["notice"], "Now showing Acme Resellers.");
    assert_eq!(partners["program"]["name"], "Acme Resellers");
    assert_eq!(partners["rows"].as_array().unwrap().len(), 0);
    assert_eq!(
        partners["viewer"]["program"].as_i64().unwrap().to_string(),
        resellers
    );
    // The URL still wins over the session.
    let acme = app.acme_program_id().await.to_string();
    let partners: Value = app
        .call(&owner, "partners", &[("program", &acme)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(partners["program"]["name"], "Acme Partner Program");
    assert_eq!(
        partners["viewer"]["program"].as_i64().unwrap().to_string(),
        acme
    );
    assert_eq!(partners["viewer"]["notice"], Value::Null, "shown once");
}

/// A form's server function says what it did on the next page (a notice), and a secret it made
/// (an API key, an invite link) is handed to the page that shows that kind, once.
async fn a_form_tells_the_next_page_what_it_did_and_a_secret_shows_once(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let program = app.acme_program_id().await.to_string();
    let res = app
        .call(
            &owner,
            "create_api_key",
            &[("program", &program), ("name", "Billing")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    // Another kind's page leaves the key alone.
    let teammates = json_of(app.call(&owner, "teammates", &[]).await).await;
    assert_eq!(teammates["invite_link"], Value::Null);
    assert_eq!(
        teammates["viewer"]["notice"],
        "Key Billing created. Copy it now: it is not shown again."
    );
    let keys = json_of(app.call(&owner, "api_keys", &[("program", &program)]).await).await;
    assert_eq!(keys["new_key"], key);
    assert_eq!(
        keys["viewer"]["notice"],
        Value::Null,
        "the notice showed once"
    );
    let again = json_of(app.call(&owner, "api_keys", &[("program", &program)]).await).await;
    assert_eq!(again["new_key"], Value::Null, "a key shows once");

    // A refused form says nothing and hands nothing over.
    let res = app
        .call(
            &owner,
            "invite_teammate",
            &[("email", "not an email"), ("role", "admin")],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("set-cookie").is_none());
    let res = app
        .call(
            &owner,
            "invite_teammate",
            &[("email", "new-hire@acme.example"), ("role", "admin")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let invite: Value = res.json().await.unwrap();
    let teammates = json_of(app.call(&owner, "teammates", &[]).await).await;
    assert_eq!(teammates["invite_link"], invite["link"]);
    assert!(
        teammates["viewer"]["notice"]
            .as_str()
            .unwrap()
            .starts_with("Invite created for new-hire@acme.example."),
        "{}",
        teammates["viewer"]["notice"]
    );
}

/// `/readyz` answers 200 while the database answers and has every migration of this binary,
/// 503 (saying which, and nothing internal) once one is missing.
async fn ready_only_with_every_migration_applied(app: &TestApp) {
    let client = app.client();
    let res = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.text().await.unwrap(), "ready");
    let last: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE _sqlx_migrations SET success = FALSE WHERE version = $1")
        .bind(last)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let res = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.text().await.unwrap(),
        "not ready: migrations pending (run server migrate)"
    );
    sqlx::query("UPDATE _sqlx_migrations SET success = TRUE WHERE version = $1")
        .bind(last)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let res = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}
