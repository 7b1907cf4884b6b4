//! The trust boundary, probed as an outsider would: invites that never check passwords, posts
//! without an origin, oversized bodies in any framing, the attempt limits under parallel load
//! and across server processes, the pages' security headers, the public signup endpoint, the
//! first company of a real install. Each on SQLite and PostgreSQL.

use crate::common::{DEMO_PASSWORD, TestApp, json_of};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(
    an_invite_link_is_no_password_oracle,
    every_server_function_refuses_a_post_without_origin,
    oversized_bodies_get_413_in_any_framing,
    parallel_wrong_passwords_get_five_checks,
    password_re_checks_are_limited,
    pages_carry_their_security_headers,
    the_public_signup_endpoint_never_rewrites_a_customer,
    create_company_makes_a_vendor_whose_owner_sets_a_password,
    a_group_restricted_manager_sees_only_their_groups_money,
    a_payment_form_sent_twice_records_one_payment,
    technical_teammates_save_tracking_settings,
);

fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

/// Anyone can make an invite for any email (a partner owner through open signup): holding
/// its link must not let them test that account's password, nor tell them whether it exists
/// when they invite it.
async fn an_invite_link_is_no_password_oracle(app: &TestApp) {
    let northwind = app.signed_in("owner@northwind.example").await;
    let invite = |email: &'static str| {
        let northwind = northwind.clone();
        async move {
            let res = app
                .call(
                    &northwind,
                    "invite_contact",
                    &[("email", email), ("role", "member")],
                )
                .await;
            let status = res.status().as_u16();
            let mut body: Value = res.json().await.unwrap();
            (status, body["link"].take(), body)
        }
    };
    // The vendor owner's account exists; the other does not: the inviter sees no difference.
    let (existing_status, link, existing) = invite("owner@acme.example").await;
    let (new_status, _, new) = invite("nobody-yet@example.org").await;
    assert_eq!((existing_status, new_status), (200, 200));
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&existing), keys(&new));
    let token = token_of(link.as_str().unwrap());
    let visitor = app.client();
    let info: Value = json_of(app.call(&visitor, "invite", &[("token", &token)]).await).await;
    assert!(info.get("account_exists").is_none(), "{info}");
    assert!(info["signed_in_as"].is_null());
    // Guesses, the right password among them: never a session, never a password check.
    for guess in ["wrong-password-1", DEMO_PASSWORD, "wrong-password-2"] {
        let res = app
            .call(
                &visitor,
                "accept_invite",
                &[("token", &token), ("name", "Eve"), ("password", guess)],
            )
            .await;
        assert_eq!(res.status(), 409, "{guess}");
        assert!(res.headers().get("set-cookie").is_none());
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("Sign in as owner@acme.example")
        );
    }
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM contacts c JOIN users u ON u.id = c.user_id WHERE u.email_normalized = $1",
            "owner@acme.example"
        )
        .await,
        0
    );
    // Someone else signed in cannot take it either.
    let lakeside = app.signed_in("owner@lakeside.example").await;
    let res = app
        .call(&lakeside, "accept_invite", &[("token", &token)])
        .await;
    assert_eq!(res.status(), 403);
    // The account's owner signs in (through the sign-in limits) and accepts with one click.
    let acme = app.signed_in("owner@acme.example").await;
    let info: Value = json_of(app.call(&acme, "invite", &[("token", &token)]).await).await;
    assert_eq!(info["signed_in_as"], "owner@acme.example");
    let res = app.call(&acme, "accept_invite", &[("token", &token)]).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(res.headers()["location"], "/partner");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM contacts c JOIN users u ON u.id = c.user_id WHERE u.email_normalized = $1",
            "owner@acme.example"
        )
        .await,
        1
    );
}

/// Browsers send `Origin` on every post; a post without it (or a `Referer`) is forged or
/// scripted, and every server function refuses it before running.
async fn every_server_function_refuses_a_post_without_origin(app: &TestApp) {
    let before = app
        .scalar("SELECT COUNT(*) FROM events WHERE $1 = $1", "")
        .await;
    // Signed in, so a refusal is the origin check's and not the session's.
    let signed_in = app.signed_in("owner@acme.example").await;
    let bare = app.client_without_origin();
    let paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    assert!(paths.len() > 50, "{}", paths.len());
    for path in &paths {
        let res = bare
            .post(app.url(path))
            .form(&[("email", "owner@acme.example"), ("password", DEMO_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
    }
    // The same posts from the signed-in browser's client are not refused for their origin.
    let res = app.call(&signed_in, "vendor_overview", &[]).await;
    assert_eq!(res.status(), 200);
    let after = app
        .scalar("SELECT COUNT(*) FROM events WHERE $1 = $1", "")
        .await;
    assert_eq!(after, before + 1, "only the sign-in wrote anything");
}

/// Sends `body` with `Transfer-Encoding: chunked` (no length up front) and returns the status.
async fn chunked_post(app: &TestApp, path: &str, headers: &str, body: &[u8]) -> u16 {
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nOrigin: {}\r\n{headers}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.origin
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(8 * 1024) {
        let sent = async {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(chunk).await?;
            stream.write_all(b"\r\n").await
        };
        // The server may answer and close before reading everything.
        if sent.await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"))
}

async fn oversized_bodies_get_413_in_any_framing(app: &TestApp) {
    let mut form = b"email=".to_vec();
    form.extend(std::iter::repeat_n(b'x', 200 * 1024));
    form.extend(b"&password=x");
    let form_type = "Content-Type: application/x-www-form-urlencoded\r\n";
    assert_eq!(chunked_post(app, "/api/login", form_type, &form).await, 413);
    // A small chunked body is read as usual (a wrong password: 401, not 413 or 500).
    assert_eq!(
        chunked_post(
            app,
            "/api/login",
            form_type,
            b"email=owner%40acme.example&password=wrong-password-9"
        )
        .await,
        401
    );
    let json_type = "Content-Type: application/json\r\nAuthorization: Bearer pp_x\r\n";
    let big = format!("{{\"metadata\":\"{}\"}}", "x".repeat(40 * 1024));
    assert_eq!(
        chunked_post(app, "/api/v1/transactions", json_type, big.as_bytes()).await,
        413
    );
    assert_eq!(
        chunked_post(app, "/api/v1/track/signup", json_type, big.as_bytes()).await,
        413
    );
}

pub(crate) async fn wrong_password(app: &TestApp, base: &str, email: &str) -> u16 {
    app.client_without_origin()
        .post(format!("{base}/api/login"))
        .header("origin", base)
        .form(&[("email", email), ("password", "wrong-password-123")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Counting and checking is one step: 30 guesses at once get 5 password checks.
async fn parallel_wrong_passwords_get_five_checks(app: &TestApp) {
    let guesses = (0..30).map(|_| {
        let base = app.base.clone();
        let origin = app.origin.clone();
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{base}/api/login"))
                .header("origin", origin)
                .form(&[
                    ("email", "finance@acme.example"),
                    ("password", "wrong-password-123"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let mut statuses = Vec::new();
    for guess in guesses.collect::<Vec<_>>() {
        statuses.push(guess.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    // At most five reach the password check. Fewer may: a guess counted fifth for the account
    // can find the address's count already past its own limit, raised by the refused ones.
    assert!((1..=5).contains(&checked), "{statuses:?}");
    assert_eq!(checked + limited, 30, "{statuses:?}");
}

/// The password re-checks of signed-in forms count against the same limit as sign-in: a
/// stolen session cannot guess the password it would need to change.
async fn password_re_checks_are_limited(app: &TestApp) {
    let member = app.signed_in("member@northwind.example").await;
    for _ in 0..5 {
        let res = app
            .call(
                &member,
                "change_password",
                &[
                    ("current_password", "wrong-password-123"),
                    ("new_password", "a-brand-new-password"),
                ],
            )
            .await;
        assert_eq!(res.status(), 400);
    }
    let res = app
        .call(
            &member,
            "change_password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "a-brand-new-password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let owner = app.signed_in("owner@northwind.example").await;
    for _ in 0..5 {
        let res = app
            .call(
                &owner,
                "set_payout_details",
                &[
                    ("method", "paypal"),
                    ("details", "pay@northwind.example"),
                    ("password", "wrong-password-123"),
                ],
            )
            .await;
        assert_eq!(res.status(), 400);
    }
    let res = app
        .call(
            &owner,
            "set_payout_details",
            &[
                ("method", "paypal"),
                ("details", "pay@northwind.example"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 429);
}

async fn pages_carry_their_security_headers(app: &TestApp) {
    let visitor = app.client();
    let res = visitor.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for part in [
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(policy.contains(part), "{policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_owned();
    assert!(nonce.len() >= 16, "{nonce}");
    let html = res.text().await.unwrap();
    let scripts = html.matches("<script").count();
    assert!(scripts >= 1);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every inline script carries the response's nonce"
    );
    // The not-found page too: the header's nonce is the one on its scripts.
    let missing = visitor.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let missing_policy = missing.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let missing_nonce = missing_policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_owned();
    let missing_html = missing.text().await.unwrap();
    assert_eq!(
        missing_html
            .matches(&format!("nonce=\"{missing_nonce}\""))
            .count(),
        missing_html.matches("<script").count()
    );
    // A new nonce per response.
    let again = visitor.get(app.url("/login")).send().await.unwrap();
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce)
    );
    // Signed-in pages and server functions' answers are never cached.
    let owner = app.signed_in("owner@acme.example").await;
    let page = owner.get(app.url("/vendor")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let answer = app.call(&owner, "vendor_overview", &[]).await;
    assert_eq!(answer.headers()["cache-control"], "no-store");
    assert!(answer.headers().contains_key("content-security-policy"));
    // The vendor API carries them too.
    let api = visitor
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert_eq!(api.headers()["cache-control"], "no-store");
    assert!(
        api.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    // Over plain http there is no HSTS and the cookie has its plain name.
    assert!(page.headers().get("strict-transport-security").is_none());

    // Served as https (behind a proxy): HSTS, and a __Host- cookie that is Secure.
    let https = crate::common::spawn_with(app.db.backend, |s| {
        s.public_origin = Some("https://partners.example".into());
    })
    .await
    .unwrap();
    let client = https.client();
    let res = https
        .call(
            &client,
            "login",
            &[("email", "owner@acme.example"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-portal_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    // The plain-named cookie is not read there: a sibling site cannot plant a session.
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("__Host-portal_session=")
        .to_owned();
    let planted = https
        .client_without_origin()
        .get(https.url("/vendor"))
        .header("cookie", format!("portal_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(planted.status(), 303);
    https.cleanup().await;
}

const SITE: &str = "https://app.acme.example";

async fn track_signup(app: &TestApp, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/track/signup"))
        .header("Origin", SITE)
        .header("Content-Type", "text/plain")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// Only the public key is needed to call it: a known customer key changes nothing and learns
/// nothing, and a flood from one address stops.
async fn the_public_signup_endpoint_never_rewrites_a_customer(app: &TestApp) {
    sqlx::query(
        "UPDATE programs SET allowed_domains = 'acme.example' WHERE slug = 'acme-partner-program'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let public_key: String =
        sqlx::query_scalar("SELECT public_key FROM programs WHERE slug = 'acme-partner-program'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let known: (String, String, String) = sqlx::query_as(
        "SELECT external_key, name, email FROM customers WHERE partnership_id IS NOT NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let res = track_signup(
        app,
        &json!({ "public_key": public_key, "key": known.0, "email": "attacker@evil.example", "name": "Renamed" }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    assert!(answer["partner_key"].is_null(), "{answer}");
    assert_eq!(answer["attribution"], "already_recorded");
    let now: (String, String) =
        sqlx::query_as("SELECT name, email FROM customers WHERE external_key = $1")
            .bind(&known.0)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(now, (known.1.clone(), known.2.clone()));
    // 20 signups a minute from one address; the 21st waits and writes nothing.
    for i in 1..20 {
        let res = track_signup(
            app,
            &json!({ "public_key": public_key, "key": format!("flood-{i}"), "email": format!("f{i}@contoso.example") }),
        )
        .await;
        assert_eq!(res.status(), 201, "{i}");
    }
    let customers = app
        .scalar("SELECT COUNT(*) FROM customers WHERE $1 = $1", "")
        .await;
    let res = track_signup(
        app,
        &json!({ "public_key": public_key, "key": "flood-21", "email": "f21@contoso.example" }),
    )
    .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(res.headers()["access-control-allow-origin"], SITE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM customers WHERE $1 = $1", "")
            .await,
        customers
    );
}

/// Runs the binary's `create-company` on the test database.
fn create_company(app: &TestApp, args: &[&str]) -> (i32, String, String) {
    let args: Vec<&str> = std::iter::once("create-company")
        .chain(args.iter().copied())
        .collect();
    app.run_binary(&args, &[("PORTAL_PUBLIC_ORIGIN", &app.base)])
}

async fn create_company_makes_a_vendor_whose_owner_sets_a_password(app: &TestApp) {
    let companies = || app.scalar("SELECT COUNT(*) FROM companies WHERE $1 = $1", "");
    let before = companies().await;
    for bad in [
        vec![
            "--name",
            "Contoso",
            "--owner-email",
            "not-an-email",
            "--owner-name",
            "Ann",
        ],
        vec![
            "--name",
            "acme analytics",
            "--owner-email",
            "ann@contoso.example",
            "--owner-name",
            "Ann",
        ],
        vec!["--name", "Contoso", "--owner-email", "ann@contoso.example"],
        vec![
            "--name",
            "Contoso",
            "--owner-email",
            "ann@contoso.example",
            "--owner-name",
            "Ann",
            "--color",
            "red",
        ],
    ] {
        let (code, _, err) = create_company(app, &bad);
        assert_eq!(code, 2, "{bad:?}: {err}");
        assert!(err.contains("error: "), "{err}");
        assert_eq!(companies().await, before, "{bad:?} changed nothing");
    }
    let (_, _, err) = create_company(
        app,
        &[
            "--name",
            "acme analytics",
            "--owner-email",
            "ann@contoso.example",
            "--owner-name",
            "Ann",
        ],
    );
    assert!(err.contains("already exists"), "{err}");

    let (code, out, err) = create_company(
        app,
        &[
            "--name",
            "Contoso",
            "--owner-email",
            "Ann@Contoso.example",
            "--owner-name",
            "Ann Lee",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(companies().await, before + 1);
    let link = out
        .split_whitespace()
        .find(|w| w.contains("/set-password/"))
        .unwrap_or_else(|| panic!("no link in {out}"));
    assert!(link.starts_with(&app.base), "{link}");
    let token = token_of(link);
    // The owner cannot sign in before choosing a password.
    let visitor = app.client();
    let res = app
        .call(
            &visitor,
            "login",
            &[("email", "ann@contoso.example"), ("password", "")],
        )
        .await;
    assert_ne!(res.status(), 200);
    let page = visitor
        .get(app.url(&format!("/set-password/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Set your password") && html.contains("ann@contoso.example"));
    let short = app
        .call(
            &visitor,
            "set_password",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(short.status(), 400);
    let res = app
        .call(
            &visitor,
            "set_password",
            &[("token", &token), ("password", "contoso-owner-password")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(res.headers()["location"], "/vendor");
    let overview: Value = json_of(app.call(&visitor, "vendor_overview", &[]).await).await;
    assert_eq!(overview["kpis"]["active_partners"], 0);
    let again = app
        .call(
            &app.client(),
            "set_password",
            &[("token", &token), ("password", "another-long-password")],
        )
        .await;
    assert_eq!(again.status(), 400, "the link works once");
    let owner = app.client();
    let res = app
        .call(
            &owner,
            "login",
            &[
                ("email", "ann@contoso.example"),
                ("password", "contoso-owner-password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM programs p JOIN companies c ON c.id = p.company_id WHERE c.name = $1",
            "Contoso"
        )
        .await,
        1
    );
}

/// A partner manager restricted to Agencies (Northwind) sees neither Lakeside's (Resellers)
/// payouts nor its transactions, nor counts it in the overview.
async fn a_group_restricted_manager_sees_only_their_groups_money(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let program = app.acme_program_id().await.to_string();
    // A payment by a Lakeside customer, so there is something to hide.
    let key = json_of(
        app.call(
            &owner,
            "create_api_key",
            &[("program", &program), ("name", "Billing")],
        )
        .await,
    )
    .await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let lakeside_customer: String = sqlx::query_scalar(
        "SELECT c.external_key FROM customers c JOIN partnerships p ON p.id = c.partnership_id \
         WHERE p.partner_key = 'lakeside-2c9d' ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/transactions"))
        .bearer_auth(&key)
        .json(&json!({ "customer_key": lakeside_customer, "amount": 12_345, "currency": "USD", "transaction_key": "lakeside-order" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let manager_id = app
        .id_of(
            "SELECT t.id FROM teammates t JOIN users u ON u.id = t.user_id WHERE u.email_normalized = $1",
            "manager@acme.example",
        )
        .await
        .to_string();
    let agencies = app
        .id_of("SELECT id FROM partner_groups WHERE name = $1", "Agencies")
        .await
        .to_string();
    let res = app
        .call(
            &owner,
            "set_teammate_groups",
            &[("teammate_id", &manager_id), ("groups[]", &agencies)],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // The owner (unrestricted) sees Lakeside's money.
    let all = app
        .call(&owner, "vendor_payouts", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(all.contains("Lakeside"), "{all}");
    let all = app
        .call(&owner, "vendor_transactions", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(all.contains("lakeside-order"), "{all}");

    let manager = app.signed_in("manager@acme.example").await;
    let overview: Value = json_of(app.call(&manager, "vendor_overview", &[]).await).await;
    assert_eq!(overview["kpis"]["active_partners"], 1, "{overview}");
    assert_eq!(overview["kpis"]["payouts_requested_count"], 0, "{overview}");
    let text = overview.to_string();
    assert!(
        !text.contains("Lakeside") && text.contains("Northwind"),
        "{text}"
    );
    let payouts = json_of(app.call(&manager, "vendor_payouts", &[]).await)
        .await
        .to_string();
    assert!(
        !payouts.contains("Lakeside") && payouts.contains("Northwind"),
        "{payouts}"
    );
    let transactions = json_of(app.call(&manager, "vendor_transactions", &[]).await)
        .await
        .to_string();
    assert!(!transactions.contains("lakeside"), "{transactions}");
}

/// The record form carries a key of its own: sent twice (a double click before hydration, a
/// retried post), it records one payment and answers both times with it.
async fn a_payment_form_sent_twice_records_one_payment(app: &TestApp) {
    let finance = app.signed_in("finance@acme.example").await;
    let page: Value = json_of(app.call(&finance, "vendor_transactions", &[]).await).await;
    let form_key = page["form_key"].as_str().unwrap().to_owned();
    let program = app.acme_program_id().await.to_string();
    let form = [
        ("program", program.as_str()),
        ("customer", "cus_1001"),
        ("kind", "payment"),
        ("amount", "250.00"),
        ("form_key", form_key.as_str()),
    ];
    let (a, b) = tokio::join!(
        app.call(&finance, "record_transaction", &form),
        app.call(&finance, "record_transaction", &form)
    );
    let (a, b) = (json_of(a).await, json_of(b).await);
    assert_eq!(a["id"], b["id"], "{a} {b}");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM transactions WHERE transaction_key = $1",
            &format!("manual-{form_key}")
        )
        .await,
        1
    );
    // An amount too large for minor units is a clear error, not a panic (fuzzing found it).
    let huge = app
        .call(
            &finance,
            "record_transaction",
            &[
                ("program", program.as_str()),
                ("customer", "cus_1001"),
                ("kind", "payment"),
                ("amount", "7922816251426433759354395033"),
            ],
        )
        .await;
    assert_eq!(huge.status(), 400);
    assert!(huge.text().await.unwrap().contains("too large"));
    // The next load brings a new key: the next payment is a new one.
    let again: Value = json_of(app.call(&finance, "vendor_transactions", &[]).await).await;
    assert_ne!(again["form_key"], page["form_key"]);
}

/// DOMAIN.md: technical teammates keep the link and tracking settings; they cannot change the
/// program's other settings, and partner managers and finance cannot change tracking.
async fn technical_teammates_save_tracking_settings(app: &TestApp) {
    sqlx::query(
        "UPDATE programs SET allowed_domains = 'acme.example' WHERE slug = 'acme-partner-program'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let program = app.acme_program_id().await.to_string();
    let form = |destination: &'static str, model: &'static str| {
        let program = program.clone();
        move || {
            vec![
                ("program", program.clone()),
                ("default_destination", destination.to_owned()),
                ("link_param_partner", "ref".to_owned()),
                ("link_param_click", "cid".to_owned()),
                ("attribution_model", model.to_owned()),
            ]
        }
    };
    let tech = app.signed_in("tech@acme.example").await;
    let good = form("https://www.acme.example/start", "first_click")();
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.call(&tech, "save_tracking", &good).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let saved: (String, String, String, String) = sqlx::query_as(
        "SELECT default_destination, link_param_partner, link_param_click, attribution_model FROM programs WHERE slug = 'acme-partner-program'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        saved,
        (
            "https://www.acme.example/start".to_owned(),
            "ref".to_owned(),
            "cid".to_owned(),
            "first_click".to_owned()
        )
    );
    let settings: Value = json_of(app.call(&tech, "program_settings", &[]).await).await;
    assert_eq!(settings["can_edit_tracking"], true);
    assert_eq!(settings["can_edit"], false);
    // A destination off the allow-list changes nothing.
    let bad = form("https://evil.example/", "last_click")();
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.call(&tech, "save_tracking", &bad).await;
    assert_eq!(res.status(), 400);
    for who in ["manager@acme.example", "finance@acme.example"] {
        let client = app.signed_in(who).await;
        assert_eq!(
            app.call(&client, "save_tracking", &good).await.status(),
            403,
            "{who}"
        );
    }
    let unchanged: String = sqlx::query_scalar(
        "SELECT default_destination FROM programs WHERE slug = 'acme-partner-program'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(unchanged, "https://www.acme.example/start");
}
