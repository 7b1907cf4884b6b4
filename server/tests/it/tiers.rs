//! The tier engine: promotion at once on a won deal, demotion only after the program's grace
//! period, the history partners see, rewards using the tier in force at their event's time,
//! the daily run claimed once, and the grace setting. On SQLite and PostgreSQL.

use crate::common::{TestApp, json_of};
use serde_json::{Value, json};
use store::db::now_ms;
use store::tiers;

on_both_backends!(
    a_won_deal_promotes_at_once_and_demotion_waits_for_the_grace_period,
    rewards_use_the_tier_in_force_at_the_event,
    the_daily_run_is_claimed_once_and_the_grace_period_is_a_setting,
);

const DAY: i64 = 86_400_000;

async fn tier_of(app: &TestApp, team: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT tr.name FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id \
         LEFT JOIN tiers tr ON tr.id = p.tier_id WHERE t.name = $1 ORDER BY p.id LIMIT 1",
    )
    .bind(team)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// Wins Northwind's approved deal at `amount` through the vendor's deal actions.
async fn win_northwind_deal(app: &TestApp, amount: &str) {
    let owner = app.signed_in("owner@acme.example").await;
    let northwind = app.partnership_id("Northwind Agency").await;
    let deal = app
        .scalar(
            "SELECT id FROM deals WHERE partnership_id = CAST($1 AS BIGINT) AND stage = 'approved'",
            &northwind,
        )
        .await
        .to_string();
    json_of(
        app.call(
            &owner,
            "decide_deal",
            &[("deal_id", &deal), ("action", "start")],
        )
        .await,
    )
    .await;
    json_of(
        app.call(
            &owner,
            "decide_deal",
            &[("deal_id", &deal), ("action", "won"), ("amount", amount)],
        )
        .await,
    )
    .await;
}

async fn set_grace_days(app: &TestApp, days: i64) {
    sqlx::query("UPDATE programs SET tier_grace_days = $1")
        .bind(days)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

async fn partner_card(app: &TestApp) -> Value {
    let partner = app.signed_in("owner@northwind.example").await;
    let dashboard = json_of(app.call(&partner, "partner_dashboard", &[]).await).await;
    dashboard["partnerships"][0].clone()
}

async fn a_won_deal_promotes_at_once_and_demotion_waits_for_the_grace_period(app: &TestApp) {
    set_grace_days(app, 10).await;
    assert_eq!(
        tier_of(app, "Northwind Agency").await.as_deref(),
        Some("Silver")
    );
    win_northwind_deal(app, "60000").await;
    assert_eq!(
        tier_of(app, "Northwind Agency").await.as_deref(),
        Some("Gold")
    );
    let card = partner_card(app).await;
    let change = &card["tier_changes"][0];
    assert_eq!(change["title"], "Promoted to Gold");
    assert_eq!(change["from"], "Silver");
    assert_eq!(
        change["reason"],
        "Closed-won deal revenue in the last 90 days reached $60,000.00 (Gold needs $50,000.00)"
    );
    assert!(card["tier_progress"].is_null(), "Gold is the top tier");
    let events = app
        .scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "partnership.tier_changed",
        )
        .await;
    assert_eq!(events, 1);

    // The deal leaves the 90-day window: the grace period starts, the partner is told, and
    // nothing moves until it has run out.
    let now = now_ms();
    sqlx::query("UPDATE deals SET closed_at = $1 WHERE stage = 'closed_won'")
        .bind(now - 200 * DAY)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(tiers::evaluate_all(&app.db, now).await.unwrap(), 0);
    let card = partner_card(app).await;
    let warning = card["tier_warning"].as_str().unwrap();
    assert!(warning.starts_with("Below Gold's rule since"), "{warning}");
    assert_eq!(
        tiers::evaluate_all(&app.db, now + 9 * DAY).await.unwrap(),
        0
    );
    assert_eq!(
        tier_of(app, "Northwind Agency").await.as_deref(),
        Some("Gold")
    );
    // Qualifying again in the meantime would have reset it; here it stays below and moves down
    // to the highest tier whose rule holds (Bronze needs nothing).
    assert!(tiers::evaluate_all(&app.db, now + 10 * DAY).await.unwrap() >= 1);
    assert_eq!(
        tier_of(app, "Northwind Agency").await.as_deref(),
        Some("Bronze")
    );
    let card = partner_card(app).await;
    assert_eq!(card["tier_changes"][0]["title"], "Moved to Bronze");
    assert_eq!(
        card["tier_changes"][0]["reason"],
        "Closed-won deal revenue in the last 90 days stayed below Gold's $50,000.00 for 10 days (now $0.00)"
    );
    assert!(card["tier_warning"].is_null());
    // The vendor's timeline of the partner says the same.
    let owner = app.signed_in("owner@acme.example").await;
    let northwind = app.partnership_id("Northwind Agency").await;
    let detail = json_of(
        app.call(&owner, "partner", &[("partnership_id", &northwind)])
            .await,
    )
    .await;
    let timeline = detail.to_string();
    assert!(
        timeline.contains("Moved down from Gold to Bronze"),
        "{timeline}"
    );
}

async fn rewards_use_the_tier_in_force_at_the_event(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let program = app.acme_program_id().await.to_string();
    json_of(
        app.call(
            &owner,
            "save_offer",
            &[
                ("program", &program),
                ("name", "Everyone 20%"),
                ("event", "transaction_created"),
                ("payout_kind", "percent"),
                ("payout_value", "20"),
                ("target[]", "everyone"),
            ],
        )
        .await,
    )
    .await;
    // A moment after the offer starts and before the promotion (timestamps are to the second).
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let before_gold = domain::time::format_timestamp(now_ms());
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    win_northwind_deal(app, "60000").await;
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
    let post = |body: Value| {
        let key = key.clone();
        async move {
            let res = reqwest::Client::new()
                .post(app.url("/api/v1/transactions"))
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
            res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
        }
    };
    // Told now of a payment made before the promotion: Silver, no multiplier.
    let late = post(
        json!({ "customer_key": "cus_1001", "amount": 50_000, "currency": "USD",
        "transaction_key": "inv_late", "occurred_at": before_gold }),
    )
    .await;
    let now = post(
        json!({ "customer_key": "cus_1001", "amount": 50_000, "currency": "USD",
        "transaction_key": "inv_now" }),
    )
    .await;
    let reward = |transaction: i64| async move {
        sqlx::query_as::<_, (i64, String)>(
            "SELECT amount_minor, explanation FROM rewards WHERE transaction_id = $1",
        )
        .bind(transaction)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    };
    let (amount, steps) = reward(late).await;
    assert_eq!(amount, 10_000);
    assert!(steps.contains("Tier at the event: Silver"), "{steps}");
    let (amount, steps) = reward(now).await;
    assert_eq!(amount, 11_000, "Gold's 110% multiplier");
    assert!(steps.contains("Tier at the event: Gold"), "{steps}");
}

async fn the_daily_run_is_claimed_once_and_the_grace_period_is_a_setting(app: &TestApp) {
    let now = now_ms();
    assert!(tiers::evaluate_daily(&app.db, now).await.unwrap().is_some());
    assert!(
        tiers::evaluate_daily(&app.db, now).await.unwrap().is_none(),
        "another process (or tick) the same day finds the run taken"
    );
    assert!(
        tiers::evaluate_daily(&app.db, now + DAY)
            .await
            .unwrap()
            .is_some()
    );
    // Both seeded partners are below their tiers' rules now: their grace periods started.
    let below = app
        .scalar(
            "SELECT COUNT(*) FROM partnerships WHERE tier_below_since IS NOT NULL AND status = $1",
            "active",
        )
        .await;
    assert_eq!(below, 2);

    let owner = app.signed_in("owner@acme.example").await;
    let settings = json_of(app.call(&owner, "program_settings", &[]).await).await;
    let form = &settings["form"];
    assert_eq!(form["tier_grace_days"], 30);
    let id = form["id"].to_string();
    let text = |k: &str| form[k].as_str().unwrap().to_owned();
    let (name, slug, currency, min_cashout) = (
        text("name"),
        text("slug"),
        text("currency"),
        text("min_cashout"),
    );
    let window = form["attribution_window_days"].to_string();
    let hold = form["hold_days"].to_string();
    let save = |grace: &'static str| {
        let fields = [
            ("id", id.clone()),
            ("name", name.clone()),
            ("slug", slug.clone()),
            ("currency", currency.clone()),
            ("attribution_window_days", window.clone()),
            ("hold_days", hold.clone()),
            ("min_cashout", min_cashout.clone()),
            ("signup_mode", "approval".to_owned()),
            ("allowed_domains", String::new()),
            ("terms", String::new()),
            ("tier_grace_days", grace.to_owned()),
        ];
        let owner = owner.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&owner, "save_program", &pairs).await
        }
    };
    let res = save("400").await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("0 to 365"));
    assert_eq!(save("0").await.status(), 200);
    // No grace: the next evaluation moves both partners down at once.
    assert_eq!(tiers::evaluate_all(&app.db, now + DAY).await.unwrap(), 2);
    assert_eq!(
        tier_of(app, "Northwind Agency").await.as_deref(),
        Some("Bronze")
    );
    assert_eq!(tier_of(app, "Lakeside IT").await.as_deref(), Some("Bronze"));
}
