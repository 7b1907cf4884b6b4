//! Signup attribution: the tracking snippet's endpoint (public key, CORS, size, JSON), first-
//! and last-click within the window, self-referrals held for review, the secret-key customers
//! API, partners' links, and the customer referral widget. On SQLite and PostgreSQL.

use crate::common::{TestApp, eventually, json_of};
use serde_json::{Value, json};
use store::db::now_ms;

on_both_backends!(
    the_snippet_endpoint_refuses_bad_requests_and_writes_nothing,
    signups_go_to_the_click_by_the_model_and_window,
    self_referrals_wait_for_a_teammate,
    the_customers_api_attributes_server_to_server,
    partners_make_links_and_see_their_clicks_and_customers,
    partners_turn_their_links_off_and_on,
    the_referral_widget_makes_a_referrer_once,
);

const BROWSER: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36";
const ORIGIN: &str = "https://www.acme.example";

/// Links of the Acme program go to acme.example; returns the program's public key.
async fn configure(app: &TestApp, model: &str) -> String {
    sqlx::query(
        "UPDATE programs SET allowed_domains = $1, default_destination = $2, attribution_model = $3 WHERE slug = 'acme-partner-program'",
    )
    .bind("acme.example")
    .bind("https://www.acme.example/start")
    .bind(model)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query_scalar("SELECT public_key FROM programs WHERE slug = 'acme-partner-program'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn team_link(app: &TestApp, team: &str) -> String {
    let partnership: i64 = app.partnership_id(team).await.parse().unwrap();
    let program: i64 = app.acme_program_id().await;
    let mut tx = app.db.begin().await.unwrap();
    let (_, key) = store::links::default_link(&mut tx, program, partnership, None, now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    key
}

/// Follows a link as a browser and returns the click id the redirect added, once stored.
async fn click(app: &TestApp, key: &str, user_agent: &str) -> String {
    let res = app
        .client()
        .get(app.url(&format!("/r/{key}")))
        .header("User-Agent", user_agent)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let click = location.rsplit_once("click_id=").unwrap().1.to_owned();
    let stored = eventually(
        || app.scalar("SELECT COUNT(*) FROM clicks WHERE click_key = $1", &click),
        |n| *n == 1,
    )
    .await;
    assert_eq!(stored, 1, "click {click} was not stored");
    click
}

async fn signup(app: &TestApp, origin: &str, body: &Value) -> reqwest::Response {
    app.client()
        .post(app.url("/api/v1/track/signup"))
        .header("Origin", origin)
        .header("Content-Type", "text/plain")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// A new secret API key of the Acme program, made by its owner.
async fn secret_key(app: &TestApp, name: &str) -> String {
    let owner = app.signed_in("owner@acme.example").await;
    let program = app.acme_program_id().await.to_string();
    let res = app
        .call(
            &owner,
            "create_api_key",
            &[("program", &program), ("name", name)],
        )
        .await;
    json_of(res).await["key"].as_str().unwrap().to_owned()
}

async fn customers(app: &TestApp) -> i64 {
    app.scalar(
        "SELECT COUNT(*) FROM customers WHERE external_key LIKE $1",
        "user-%",
    )
    .await
}

async fn the_snippet_endpoint_refuses_bad_requests_and_writes_nothing(app: &TestApp) {
    let public_key = configure(app, "last_click").await;
    let script = app
        .client()
        .get(app.url("/js/track.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        script.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let text = script.text().await.unwrap();
    assert!(text.contains("portal.signup") || text.contains("portal.signup = signup"));
    assert!(
        text.len() < 6_000,
        "the snippet stays small: {} bytes",
        text.len()
    );

    let good = json!({ "public_key": public_key, "key": "user-1", "email": "ana@contoso.example", "name": "Ana" });
    // Wrong public key: 401.
    let mut wrong = good.clone();
    wrong["public_key"] = json!("pk_AAAAAAAAAAAAAAAAAAAA");
    let res = signup(app, ORIGIN, &wrong).await;
    assert_eq!(res.status(), 401);
    // A page outside the allowed domains gets no CORS headers.
    let res = signup(app, "https://evil.example", &good).await;
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("access-control-allow-origin").is_none());
    // Oversize body: 413.
    let mut big = good.clone();
    big["name"] = json!("x".repeat(5_000));
    assert_eq!(signup(app, ORIGIN, &big).await.status(), 413);
    // Malformed JSON: 400 with a message that says what is expected.
    let res = app
        .client()
        .post(app.url("/api/v1/track/signup"))
        .header("Origin", ORIGIN)
        .body("{\"public_key\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("public_key")
    );
    // A bad email: 400, still nothing written.
    let mut bad = good.clone();
    bad["email"] = json!("not an email");
    let res = signup(app, ORIGIN, &bad).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["access-control-allow-origin"], ORIGIN);
    assert_eq!(
        customers(app).await,
        0,
        "no refused request wrote a customer"
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind LIKE $1",
            "customer.%"
        )
        .await,
        0
    );
    // Preflights get no CORS headers either (the snippet sends a simple request).
    let res = app
        .client()
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/track/signup"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());

    // The good request, from a subdomain of an allowed domain: CORS for that origin.
    let res = signup(app, ORIGIN, &good).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["access-control-allow-origin"], ORIGIN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["attribution"], "unattributed",
        "a signup without a click is unattributed"
    );
    assert_eq!(customers(app).await, 1);
}

async fn signups_go_to_the_click_by_the_model_and_window(app: &TestApp) {
    let public_key = configure(app, "last_click").await;
    let northwind = team_link(app, "Northwind Agency").await;
    let lakeside = team_link(app, "Lakeside IT").await;
    let first = click(app, &northwind, BROWSER).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let last = click(app, &lakeside, BROWSER).await;
    let body = |key: &str| json!({ "public_key": public_key, "key": key, "email": format!("{key}@contoso.example"), "name": "Contoso", "click_ids": [first, last] });
    // Last click: Lakeside.
    let res = signup(app, ORIGIN, &body("user-last")).await;
    assert_eq!(res.status(), 201);
    let outcome: Value = res.json().await.unwrap();
    assert_eq!(outcome["attribution"], "attributed");
    assert_eq!(outcome["partner_key"], "lakeside-2c9d");
    // The same key again changes nothing (idempotent), and says so without telling who it is
    // credited to: the public key is all a caller needs.
    let again: Value = signup(app, ORIGIN, &body("user-last"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["customer_id"].clone(), again["created"].clone()),
        (outcome["customer_id"].clone(), json!(false))
    );
    assert!(again["partner_key"].is_null(), "{again}");
    assert_eq!(again["attribution"], "already_recorded");
    assert_eq!(customers(app).await, 1);
    // First click: Northwind.
    sqlx::query(
        "UPDATE programs SET attribution_model = 'first_click' WHERE slug = 'acme-partner-program'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let outcome: Value = signup(app, ORIGIN, &body("user-first"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outcome["partner_key"], "northwind-7f3a");
    let (source, link, clicked): (String, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT source, link_id, clicked_at FROM customers WHERE external_key = 'user-first'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(source, "link");
    assert!(link.is_some() && clicked.is_some());
    // A click older than the window does not attribute.
    sqlx::query("UPDATE clicks SET occurred_at = occurred_at - $1")
        .bind(91 * 86_400_000_i64)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let outcome: Value = signup(app, ORIGIN, &body("user-late"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outcome["attribution"], "unattributed");
    // Bots are never attributed; unknown click ids count as no click.
    let bot = click(app, &northwind, "curl/8.5.0").await;
    let outcome: Value = signup(
        app,
        ORIGIN,
        &json!({ "public_key": public_key, "key": "user-bot", "email": "bot@contoso.example", "click_ids": [bot, "ZZZZZZZZZZ"] }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(outcome["attribution"], "unattributed");
    // A customer_created offer pays the partnership a signup is credited to (events recorded).
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "customer.attributed"
        )
        .await,
        2
    );
}

async fn self_referrals_wait_for_a_teammate(app: &TestApp) {
    let public_key = configure(app, "last_click").await;
    let key = team_link(app, "Northwind Agency").await;
    let click_id = click(app, &key, BROWSER).await;
    // Same company domain as a Northwind contact: held, credited to nobody.
    let outcome: Value = signup(
        app,
        ORIGIN,
        &json!({ "public_key": public_key, "key": "user-self", "email": "intern@northwind.example", "name": "Intern", "click_ids": [click_id] }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(outcome["attribution"], "held_for_review");
    let customer = outcome["customer_id"].as_i64().unwrap().to_string();
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM customers WHERE external_key = $1 AND partnership_id IS NOT NULL",
            "user-self"
        )
        .await,
        0
    );
    // The partner does not see it yet.
    let partner = app.signed_in("owner@northwind.example").await;
    let dashboard = json_of(app.call(&partner, "partner_dashboard", &[]).await).await;
    assert!(!dashboard.to_string().contains("Intern"));
    // The vendor sees why, and who may decide.
    let manager = app.signed_in("manager@acme.example").await;
    let detail = json_of(
        app.call(&manager, "vendor_customer", &[("id", &customer)])
            .await,
    )
    .await;
    assert_eq!(detail["held_for"], "Northwind Agency");
    let journey = detail["journey"].to_string();
    assert!(
        journey.contains("Clicked") && journey.contains("Held for review"),
        "{journey}"
    );
    // Technical teammates can't decide; the partner can't either.
    let tech = app.signed_in("tech@acme.example").await;
    assert_eq!(
        app.call(
            &tech,
            "review_referral",
            &[("customer", &customer), ("decision", "approve")]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.call(
            &partner,
            "review_referral",
            &[("customer", &customer), ("decision", "approve")]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.call(
            &manager,
            "review_referral",
            &[("customer", &customer), ("decision", "maybe")]
        )
        .await
        .status(),
        400
    );
    // Approved: credited to Northwind, once.
    let res = app
        .call(
            &manager,
            "review_referral",
            &[("customer", &customer), ("decision", "approve")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .call(
            &manager,
            "review_referral",
            &[("customer", &customer), ("decision", "reject")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let partner_id = app.partnership_id("Northwind Agency").await;
    assert_eq!(
        app.scalar(
            "SELECT partnership_id FROM customers WHERE external_key = $1",
            "user-self"
        )
        .await
        .to_string(),
        partner_id
    );
    let dashboard = json_of(app.call(&partner, "partner_dashboard", &[]).await).await;
    assert!(dashboard.to_string().contains("Intern"));
    // The same email as a contact is a self-referral too; rejected, it stays unattributed.
    let click_id = click(app, &key, BROWSER).await;
    let outcome: Value = signup(
        app,
        ORIGIN,
        &json!({ "public_key": public_key, "key": "user-owner", "email": "owner@northwind.example", "click_ids": [click_id] }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(outcome["attribution"], "held_for_review");
    let customer = outcome["customer_id"].as_i64().unwrap().to_string();
    let res = app
        .call(
            &manager,
            "review_referral",
            &[("customer", &customer), ("decision", "reject")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM customers WHERE external_key = $1 AND partnership_id IS NULL AND review_status = 'rejected'", "user-owner").await, 1);
    // Another company's teammate can't see or decide it.
    let globex = app.signed_in("owner@globex.example").await;
    assert_eq!(
        app.call(
            &globex,
            "review_referral",
            &[("customer", &customer), ("decision", "approve")]
        )
        .await
        .status(),
        404
    );
}

async fn the_customers_api_attributes_server_to_server(app: &TestApp) {
    configure(app, "last_click").await;
    let secret = secret_key(app, "Signups").await;
    let post = |auth: Option<String>, body: Value| {
        let mut req = app.client().post(app.url("/api/v1/customers")).json(&body);
        if let Some(key) = auth {
            req = req.bearer_auth(key);
        }
        req.send()
    };
    let body = json!({ "key": "user-api", "email": "buyer@contoso.example", "name": "Contoso", "partner_key": "northwind-7f3a" });
    assert_eq!(post(None, body.clone()).await.unwrap().status(), 401);
    assert_eq!(
        post(Some("pp_wrong".into()), body.clone())
            .await
            .unwrap()
            .status(),
        401
    );
    let res = post(Some(secret.clone()), body.clone()).await.unwrap();
    assert_eq!(res.status(), 201);
    let outcome: Value = res.json().await.unwrap();
    assert_eq!(outcome["partner_key"], "northwind-7f3a");
    assert_eq!(
        post(Some(secret.clone()), body).await.unwrap().status(),
        200,
        "a known key is idempotent"
    );
    let res = post(
        Some(secret.clone()),
        json!({ "key": "user-x", "email": "x@contoso.example", "partner_key": "nobody-0000" }),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 404);
    let res = post(
        Some(secret.clone()),
        json!({ "key": "user-x", "email": "x@contoso.example", "unknown": 1 }),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    let key = team_link(app, "Lakeside IT").await;
    let click_id = click(app, &key, BROWSER).await;
    let outcome: Value = post(
        Some(secret),
        json!({ "key": "user-click", "email": "y@contoso.example", "click_id": click_id }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(outcome["partner_key"], "lakeside-2c9d");
    let doc = app
        .client()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(doc.contains("/api/v1/customers") && doc.contains("/api/v1/referral_tokens"));
}

/// The link "Pricing" on a partner dashboard.
fn pricing_of(dashboard: &Value) -> Value {
    dashboard["partnerships"][0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Pricing")
        .unwrap()
        .clone()
}

async fn partners_make_links_and_see_their_clicks_and_customers(app: &TestApp) {
    let public_key = configure(app, "last_click").await;
    let owner = app.signed_in("owner@northwind.example").await;
    let dashboard = json_of(app.call(&owner, "partner_dashboard", &[]).await).await;
    let links = dashboard["partnerships"][0]["links"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = links.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Team link", "My link"],
        "the team link and the owner's own"
    );
    assert_eq!(dashboard["partnerships"][0]["can_make_team_links"], true);
    // A destination off the allow-list is refused beside the field; nothing is made.
    let res = app
        .call(
            &owner,
            "create_link",
            &[("name", "Blog"), ("destination", "https://evil.example/")],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("destination"));
    let res = app
        .call(
            &owner,
            "create_link",
            &[
                ("name", "Pricing"),
                (
                    "destination",
                    "https://www.acme.example/pricing?utm_campaign=spring",
                ),
            ],
        )
        .await;
    let link = json_of(res).await;
    assert_eq!(
        link["destination"],
        "https://www.acme.example/pricing?utm_campaign=spring"
    );
    let key = link["url"]
        .as_str()
        .unwrap()
        .rsplit_once("/r/")
        .unwrap()
        .1
        .to_owned();
    let res = app
        .client()
        .get(app.url(&format!("/r/{key}")))
        .header("User-Agent", BROWSER)
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("https://www.acme.example/pricing?utm_campaign=spring&partner_key=northwind-7f3a&click_id="), "{location}");
    // A member makes their own links, not team links; finance contacts none.
    let member = app.signed_in("member@northwind.example").await;
    assert_eq!(
        app.call(
            &member,
            "create_link",
            &[("name", "Team"), ("destination", ""), ("for_team", "1")]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.call(
            &member,
            "create_link",
            &[("name", "Mine"), ("destination", "")]
        )
        .await
        .status(),
        200
    );
    let finance = app.signed_in("finance@northwind.example").await;
    assert_eq!(
        app.call(
            &finance,
            "create_link",
            &[("name", "X"), ("destination", "")]
        )
        .await
        .status(),
        403
    );
    let member_view = json_of(app.call(&member, "partner_dashboard", &[]).await).await;
    let member_links: Vec<String> = member_view["partnerships"][0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        member_links,
        ["My link", "Mine"],
        "members see only their own links"
    );
    // A visit and a signup show on the owner's dashboard: clicks, signups, the customer.
    let click_id = click(app, &key, BROWSER).await;
    let outcome: Value = signup(
        app,
        ORIGIN,
        &json!({ "public_key": public_key, "key": "user-dash", "email": "lee@fabrikam.example", "name": "Fabrikam", "click_ids": [click_id] }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(outcome["attribution"], "attributed");
    // Clicks reach the links' counters within a second or so of being stored.
    let dashboard = eventually(
        || async { json_of(app.call(&owner, "partner_dashboard", &[]).await).await },
        |d| pricing_of(d)["clicks"] == 2,
    )
    .await;
    let pricing = pricing_of(&dashboard);
    assert_eq!(
        (pricing["clicks"].as_i64(), pricing["signups"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        dashboard["partnerships"][0]["recent_customers"][0]["name"],
        "Fabrikam"
    );
    // The contact credited is the one whose link it was (the owner made it for themselves).
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM customers c JOIN contacts ct ON ct.id = c.contact_id JOIN users u ON u.id = ct.user_id WHERE u.email = $1", "owner@northwind.example").await,
        1
    );
    // Teammates can't make partner links.
    let teammate = app.signed_in("owner@acme.example").await;
    assert_eq!(
        app.call(
            &teammate,
            "create_link",
            &[("name", "X"), ("destination", "")]
        )
        .await
        .status(),
        403
    );
    // The vendor sees the same links on the partner's page, with the same counts, whoever
    // of its teammates looks (the technical one too: clicks are not money).
    let northwind = app
        .scalar(
            "SELECT id FROM partnerships WHERE partner_key = $1",
            "northwind-7f3a",
        )
        .await
        .to_string();
    for email in ["owner@acme.example", "tech@acme.example"] {
        let viewer = app.signed_in(email).await;
        let detail = json_of(
            app.call(&viewer, "partner", &[("partnership_id", &northwind)])
                .await,
        )
        .await;
        let vendor_links = json!({ "partnerships": [{ "links": detail["links"].clone() }] });
        assert_eq!(pricing_of(&vendor_links), pricing, "{email}");
        assert_eq!(
            detail["links"].as_array().unwrap().len(),
            dashboard["partnerships"][0]["links"]
                .as_array()
                .unwrap()
                .len(),
            "{email} sees the team's links"
        );
    }
}

async fn the_referral_widget_makes_a_referrer_once(app: &TestApp) {
    configure(app, "last_click").await;
    let secret = secret_key(app, "App").await;
    let token_for = |key: &'static str| {
        app.client()
            .post(app.url("/api/v1/referral_tokens"))
            .bearer_auth(&secret)
            .json(&json!({ "customer_key": key, "email": "happy@customer.example", "name": "Happy Customer" }))
            .send()
    };
    assert_eq!(
        app.client()
            .post(app.url("/api/v1/referral_tokens"))
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let res = token_for("user-referrer").await.unwrap();
    assert_eq!(res.status(), 201);
    let token: Value = res.json().await.unwrap();
    let url = token["url"].as_str().unwrap();
    assert!(url.contains("/embed/referral?token="));
    let path = &url[url.find("/embed").unwrap()..];
    let page = app.client().get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors")
            && csp.contains("https://acme.example")
            && !csp.contains("frame-ancestors *"),
        "{csp}"
    );
    assert!(
        page.headers().get("x-frame-options").is_none(),
        "framable by the allowed domains"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Refer a friend to Acme") && html.contains("/r/"),
        "{html}"
    );
    let link_key = html.split("/r/").nth(1).unwrap()[..domain::link::KEY_LEN].to_owned();
    // A second view (a new token) is the same referrer and link.
    let again: Value = token_for("user-referrer")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let again_url = again["url"].as_str().unwrap();
    let widget = || async {
        app.client()
            .get(app.url(&again_url[again_url.find("/embed").unwrap()..]))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let html = widget().await;
    assert!(html.contains(&link_key));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id WHERE t.kind = $1", "customer_referral").await,
        1
    );
    // The referrer's link attributes like any other (kind customer_referral, no login).
    let click_id = click(app, &link_key, BROWSER).await;
    let public_key: String =
        sqlx::query_scalar("SELECT public_key FROM programs WHERE slug = 'acme-partner-program'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let outcome: Value = signup(
        app,
        ORIGIN,
        &json!({ "public_key": public_key, "key": "user-referred", "email": "friend@else.example", "click_ids": [click_id] }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(outcome["attribution"], "attributed");
    // The click reaches the link's counter within a second or so of being stored.
    let html = eventually(widget, |html| html.contains("<dt>Clicks</dt><dd>1</dd>")).await;
    assert!(
        html.contains("<dt>Clicks</dt><dd>1</dd>") && html.contains("<dt>Signups</dt><dd>1</dd>"),
        "{html}"
    );
    // Unknown and expired tokens: 404, nothing made.
    assert_eq!(
        app.client()
            .get(app.url("/embed/referral?token=nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    sqlx::query("UPDATE referral_tokens SET expires_at = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        app.client()
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

/// The links a contact's dashboard lists, by name: (id, key, enabled).
async fn dashboard_links(
    app: &TestApp,
    client: &reqwest::Client,
) -> Vec<(String, i64, String, bool)> {
    let dashboard = json_of(app.call(client, "partner_dashboard", &[]).await).await;
    dashboard["partnerships"][0]["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let url = l["url"].as_str().unwrap();
            (
                l["name"].as_str().unwrap().to_owned(),
                l["id"].as_i64().unwrap(),
                url.rsplit('/').next().unwrap().to_owned(),
                l["enabled"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn partners_turn_their_links_off_and_on(app: &TestApp) {
    configure(app, "last_click").await;
    let member = app.signed_in("member@northwind.example").await;
    let mine = dashboard_links(app, &member).await;
    let (_, my_id, my_key, enabled) = mine[0].clone();
    assert!(enabled);
    let owner = app.signed_in("owner@northwind.example").await;
    let team = dashboard_links(app, &owner).await;
    let team_id = team.iter().find(|l| l.0 == "Team link").unwrap().1;
    let switch = |client: reqwest::Client, link: i64, turn: &'static str| async move {
        app.call(
            &client,
            "set_link_enabled",
            &[("link", &link.to_string()), ("turn", turn)],
        )
        .await
    };
    // The member turns their own link off: it leads nowhere and the list says so.
    let res = switch(member.clone(), my_id, "off").await;
    assert_eq!(res.status(), 200);
    let state = json_of(res).await;
    assert_eq!(
        (state["enabled"].as_bool(), state["id"].as_i64()),
        (Some(false), Some(my_id))
    );
    let res = app
        .client()
        .get(app.url(&format!("/r/{my_key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(!dashboard_links(app, &member).await[0].3);
    // Not the team's link, a bad word, a link of another team, another role.
    assert_eq!(switch(member.clone(), team_id, "off").await.status(), 403);
    assert_eq!(switch(member.clone(), my_id, "maybe").await.status(), 400);
    let lakeside = app.signed_in("owner@lakeside.example").await;
    assert_eq!(switch(lakeside, my_id, "on").await.status(), 404);
    let finance = app.signed_in("finance@northwind.example").await;
    assert_eq!(switch(finance, my_id, "on").await.status(), 403);
    let teammate = app.signed_in("owner@acme.example").await;
    assert_eq!(switch(teammate, my_id, "on").await.status(), 403);
    assert!(
        !dashboard_links(app, &member).await[0].3,
        "refusals change nothing"
    );
    // The owner manages every link of the team: turns the member's back on.
    assert_eq!(switch(owner.clone(), my_id, "on").await.status(), 200);
    assert!(dashboard_links(app, &member).await[0].3);
    // Turning a link to the state it has is accepted and records nothing.
    assert_eq!(switch(owner.clone(), my_id, "on").await.status(), 200);
    let events = |kind: &'static str| async move {
        app.scalar("SELECT COUNT(*) FROM events WHERE kind = $1", kind)
            .await
    };
    assert_eq!(
        (events("link.disabled").await, events("link.enabled").await),
        (1, 1)
    );
}
