//! Webhooks (`app/src/api/webhooks.rs`): another company's endpoints are never listed, read,
//! changed, rotated, revealed, tested or replayed; partners and partner managers have none.

use super::{ACME_HOOK_SECRETS, ACME_WEBHOOK_SECRET, Case, Fixture, GX, INI, MGR, case, check_all};
use crate::common::TestApp;

on_both_backends!(webhooks);

/// This area's cases, in the order they run.
pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    let acme = fx.acme_program.as_str();
    let globex = fx.globex_program.as_str();
    let hook = fx.acme_webhook.as_str();
    let url = ("url", "https://hooks.globex.example/x");
    let s = ACME_HOOK_SECRETS;
    vec![
        case(GX, "webhooks", vec![], 200, s),
        case(GX, "webhooks", vec![("program", acme)], 404, s),
        case(INI, "webhooks", vec![], 403, s),
        case(MGR, "webhooks", vec![], 403, s),
        case(
            GX,
            "webhook",
            vec![("program", acme), ("webhook", hook)],
            404,
            s,
        ),
        case(GX, "webhook", vec![("webhook", hook)], 404, s),
        case(MGR, "webhook", vec![("webhook", hook)], 403, s),
        case(GX, "save_webhook", vec![("program", acme), url], 404, s),
        case(
            GX,
            "save_webhook",
            vec![("program", globex), ("webhook", hook), url],
            404,
            s,
        ),
        case(MGR, "save_webhook", vec![("program", acme), url], 403, s),
        case(
            GX,
            "set_webhook_enabled",
            vec![("program", globex), ("webhook", hook), ("enabled", "true")],
            404,
            s,
        ),
        case(
            GX,
            "set_webhook_enabled",
            vec![("program", acme), ("webhook", hook), ("enabled", "true")],
            404,
            s,
        ),
        case(
            GX,
            "rotate_webhook_secret",
            vec![("program", globex), ("webhook", hook)],
            404,
            s,
        ),
        case(
            GX,
            "rotate_webhook_secret",
            vec![("program", acme), ("webhook", hook)],
            404,
            s,
        ),
        case(
            GX,
            "webhook_secret",
            vec![("program", globex), ("webhook", hook)],
            404,
            s,
        ),
        case(
            GX,
            "webhook_secret",
            vec![("program", acme), ("webhook", hook)],
            404,
            s,
        ),
        case(
            MGR,
            "webhook_secret",
            vec![("program", acme), ("webhook", hook)],
            403,
            s,
        ),
        case(
            GX,
            "send_test_webhook",
            vec![("program", globex), ("webhook", hook)],
            404,
            s,
        ),
        case(
            GX,
            "replay_webhook",
            vec![("program", globex), ("delivery", &fx.acme_delivery)],
            404,
            s,
        ),
        case(
            GX,
            "replay_webhook",
            vec![("program", acme), ("delivery", &fx.acme_delivery)],
            404,
            s,
        ),
        case(
            MGR,
            "replay_webhook",
            vec![("program", acme), ("delivery", &fx.acme_delivery)],
            403,
            s,
        ),
    ]
}

async fn webhooks(app: &TestApp) {
    let fx = Fixture::load(app).await;
    check_all(app, &cases(&fx)).await;
    // Acme's endpoint is as it was: off, its secret and URL unchanged, no delivery added.
    let (enabled, secret, url): (i64, String, String) = sqlx::query_as(
        "SELECT enabled, secret, url FROM webhook_endpoints WHERE id = CAST($1 AS BIGINT)",
    )
    .bind(&fx.acme_webhook)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (enabled, secret.as_str(), url.as_str()),
        (0, ACME_WEBHOOK_SECRET, "https://hooks.acme.example/portal")
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = CAST($1 AS BIGINT)",
            &fx.acme_webhook
        )
        .await,
        1
    );
}
