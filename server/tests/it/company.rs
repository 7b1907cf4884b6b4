//! The vendor company: on a new install the `/setup` page, with the token the server prints at
//! start-up, creates the first one, its program and owner; its settings (name, brand colour,
//! logo, support address) show on its partners' pages.

use crate::common::{TestApp, json_of};

on_both_backends_empty!(the_first_company_is_made_on_the_setup_page);
on_both_backends!(company_settings_show_on_partner_pages);

fn form<'a>(token: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("name", "Contoso"),
        ("owner_name", "Ann Lee"),
        ("owner_email", email),
        ("currency", "EUR"),
    ]
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn the_first_company_is_made_on_the_setup_page(app: &TestApp) {
    // What `server serve` does at start on an empty portal (and prints with the address).
    let token = store::setup::issue_token(&app.db)
        .await
        .unwrap()
        .expect("an empty portal gives a set-up token");
    let browser = app.client();
    let page = browser
        .get(app.url(&format!("/setup?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1>Set up the portal</h1>"), "{html}");
    assert!(
        html.contains(&format!("value=\"{token}\"")),
        "the link fills the token in"
    );
    assert_eq!(
        json_of(app.call(&browser, "setup_status", &[]).await).await,
        true
    );

    // A wrong token or a bad field writes nothing.
    let res = app
        .call(
            &browser,
            "complete_setup",
            &form("not-the-token", "ann@contoso.example"),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("set-up token"));
    let res = app
        .call(&browser, "complete_setup", &form(&token, "not-an-email"))
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("owner_email"));
    assert_eq!(count(app, "companies").await, 0);
    assert_eq!(count(app, "users").await, 0);

    let res = app
        .call(
            &browser,
            "complete_setup",
            &form(&token, "ann@contoso.example"),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let password_token = location
        .strip_prefix("/set-password/")
        .expect("on to choose a password")
        .to_owned();
    assert_eq!(count(app, "companies").await, 1);
    let currency: String = sqlx::query_scalar("SELECT currency FROM programs")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(currency, "EUR");
    let via: String =
        sqlx::query_scalar("SELECT payload FROM events WHERE kind = 'company.created'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(via.contains("\"setup\""), "{via}");

    // Done once: every token is spent, no new one is given, the page says so.
    assert_eq!(count(app, "setup_tokens").await, 0);
    assert_eq!(store::setup::issue_token(&app.db).await.unwrap(), None);
    let again = app
        .call(
            &app.client(),
            "complete_setup",
            &form(&token, "eve@example.com"),
        )
        .await;
    assert_eq!(again.status(), 400);
    assert_eq!(count(app, "companies").await, 1);
    let html = app.html(&browser, "/setup").await;
    assert!(html.contains("The portal is set up"), "{html}");
    assert!(!html.contains("Create the company"));

    // The owner chooses a password and lands in the vendor dashboard of the new company.
    let res = app
        .call(
            &browser,
            "set_password",
            &[
                ("token", &password_token),
                ("password", "contoso-owner-password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(res.headers()["location"], "/vendor");
    let page = browser.get(app.url("/vendor")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Contoso"));
}

fn settings<'a>(name: &'a str, color: &'a str, logo: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("brand_color", color),
        ("logo_url", logo),
        ("support_email", "Partners@Acme.example"),
    ]
}

async fn company_settings_show_on_partner_pages(app: &TestApp) {
    const LOGO: &str = "https://cdn.acme.example/logo.png";
    let owner = app.signed_in("owner@acme.example").await;
    let finance = app.signed_in("finance@acme.example").await;
    let save = async |client: &reqwest::Client, form: Vec<(&str, &str)>| {
        app.call(client, "save_company_settings", &form).await
    };
    // Only owners and admins; bad input names its fields and changes nothing.
    let res = save(&finance, settings("Acme Analytics", "#facc15", LOGO)).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.call(&finance, "company_settings", &[]).await.status(),
        403
    );
    let res = save(
        &owner,
        settings("Acme Analytics", "yellow", "http://cdn.acme.example/x.png"),
    )
    .await;
    assert_eq!(res.status(), 400);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("brand_color") && text.contains("logo_url"),
        "{text}"
    );
    let res = save(&owner, settings("globex", "#facc15", LOGO)).await;
    assert_eq!(res.status(), 400, "another company's name");
    let stored = json_of(app.call(&owner, "company_settings", &[]).await).await;
    assert_eq!(stored["settings"]["name"], "Acme Analytics");
    assert_eq!(stored["settings"]["brand_color"], serde_json::Value::Null);

    let res = save(&owner, settings("Acme Analytics", "#FACC15", LOGO)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let stored = json_of(app.call(&owner, "company_settings", &[]).await).await;
    assert_eq!(stored["settings"]["brand_color"], "#facc15");
    assert_eq!(stored["settings"]["support_email"], "partners@acme.example");
    let change: String = sqlx::query_scalar(
        "SELECT payload FROM events WHERE kind = 'company.settings_changed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        change.contains("#facc15") && !change.contains("\"name\""),
        "{change}"
    );

    // Acme's partners see it; a dark text reads on the yellow.
    let partner = app.signed_in("owner@northwind.example").await;
    let page = partner.get(app.url("/partner")).send().await.unwrap();
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("style-src 'self' 'nonce-"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(":root{--accent:#facc15;--on-accent:#111827}"),
        "{html}"
    );
    assert!(html.contains(&format!("src=\"{LOGO}\"")));
    assert!(html.contains("mailto:partners@acme.example"));
    let join = app.html(&app.client(), "/join/acme-partner-program").await;
    assert!(
        join.contains("--accent:#facc15") && join.contains(LOGO),
        "{join}"
    );
    // Vendor pages keep the portal's own colours; another vendor's partners see nothing of it.
    let vendor = app.html(&owner, "/vendor").await;
    assert!(!vendor.contains("--accent"));
    let initech = app.signed_in("owner@initech.example").await;
    let theirs = app.html(&initech, "/partner").await;
    assert!(!theirs.contains("facc15") && !theirs.contains(LOGO));
}
