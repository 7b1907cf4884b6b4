//! Links and API keys (`app/src/api/links.rs`, `api_keys.rs`); and the vendor REST API and the
//! referral widget reached with another program's key.

use super::{ACME_SECRETS, Case, Fixture, GX, INI, case, check_all};
use crate::common::TestApp;

on_both_backends!(links_and_keys);

/// This area's cases, in the order they run (a case may rely on an earlier one's effect).
pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    vec![
        case(GX, "api_keys", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "api_keys",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(INI, "api_keys", vec![], 403, ACME_SECRETS),
        case(
            GX,
            "create_api_key",
            vec![("program", &fx.acme_program), ("name", "x")],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "revoke_api_key",
            vec![("key_id", &fx.acme_key)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "create_link",
            vec![("name", "X"), ("destination", "")],
            403,
            ACME_SECRETS,
        ),
        // Teammates don't turn partners' links off.
        case(
            GX,
            "set_link_enabled",
            vec![("link", "1"), ("turn", "off")],
            403,
            ACME_SECRETS,
        ),
        // Initech's program allows no domain: another vendor's site is refused.
        case(
            INI,
            "create_link",
            vec![("name", "X"), ("destination", "https://www.acme.example/")],
            400,
            ACME_SECRETS,
        ),
    ]
}

async fn links_and_keys(app: &TestApp) {
    let fx = Fixture::load(app).await;
    check_all(app, &cases(&fx)).await;
    // The vendor API with another program's key.
    let globex = app.signed_in(GX).await;
    let acme_owner = app.signed_in("owner@acme.example").await;
    let globex_key: serde_json::Value = app
        .call(
            &globex,
            "create_api_key",
            &[("program", &fx.globex_program), ("name", "Billing")],
        )
        .await
        .json()
        .await
        .unwrap();
    let globex_key = globex_key["key"].as_str().unwrap().to_owned();
    let acme_key: serde_json::Value = app
        .call(
            &acme_owner,
            "create_api_key",
            &[("program", &fx.acme_program), ("name", "Billing")],
        )
        .await
        .json()
        .await
        .unwrap();
    let paid: serde_json::Value = reqwest::Client::new()
        .post(app.url("/api/v1/transactions"))
        .bearer_auth(acme_key["key"].as_str().unwrap())
        .json(&serde_json::json!({ "customer_key": "cus_1001", "amount": 1_000, "currency": "USD", "transaction_key": "acme-only" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let acme_transaction = paid["id"].as_i64().unwrap();
    let res = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/transactions/{acme_transaction}")))
        .bearer_auth(&globex_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let listed = reqwest::Client::new()
        .get(app.url("/api/v1/transactions"))
        .bearer_auth(&globex_key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listed.contains("cus_1001"), "{listed}");
    // The referral widget of another program's customer key shows that program's customer
    // only: Acme's customer cus_1001 is not Globex's.
    let widget: serde_json::Value = reqwest::Client::new()
        .post(app.url("/api/v1/referral_tokens"))
        .bearer_auth(&globex_key)
        .json(&serde_json::json!({ "customer_key": "cus_1001", "email": "cus1001@contoso.example", "name": "C" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = reqwest::Client::new()
        .get(widget["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    for secret in ACME_SECRETS {
        assert!(!page.contains(secret), "the widget leaked {secret}");
    }
}
