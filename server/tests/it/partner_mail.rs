//! What a partner team's owners hear by email, on SQLite and PostgreSQL: a deal approved, a
//! lead passed to them, a reward declined and a tier changed each queue a message in the
//! program's outbox, in the transaction of the change.

use crate::common::TestApp;

on_both_backends!(partners_hear_of_their_deals_leads_rewards_and_tier);

/// The subject and text of the newest message of `kind` to Northwind's owner.
async fn last_to_northwind(app: &TestApp, kind: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT subject, body FROM emails WHERE to_email = 'owner@northwind.example' AND kind = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(kind)
    .fetch_one(&app.db.pool)
    .await
    .unwrap_or_else(|e| panic!("no {kind} message: {e}"))
}

/// Acme's partner manager approves Northwind's seeded deal "Blue Yonder analytics rollout".
pub(crate) async fn approve_blue_yonder(app: &TestApp) {
    let manager = app.signed_in("manager@acme.example").await;
    let deal = app
        .id_of(
            "SELECT id FROM deals WHERE name = $1",
            "Blue Yonder analytics rollout",
        )
        .await
        .to_string();
    let res = app
        .call(
            &manager,
            "decide_deal",
            &[("deal_id", &deal), ("action", "approve")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn partners_hear_of_their_deals_leads_rewards_and_tier(app: &TestApp) {
    approve_blue_yonder(app).await;
    let manager = app.signed_in("manager@acme.example").await;
    let (subject, text) = last_to_northwind(app, "deal_approved").await;
    assert_eq!(
        subject,
        "Your deal Blue Yonder analytics rollout is approved"
    );
    assert!(text.contains("It is protected for you until"), "{text}");

    let northwind = app.partnership_id("Northwind Agency").await;
    let form = [
        ("company", "Passed Co"),
        ("contact_name", "Ann Buyer"),
        ("email", "buyer@passed-co.example"),
        ("domain", ""),
        ("notes", "Wants a demo"),
        ("partnership_id", northwind.as_str()),
    ];
    let res = app.call(&manager, "pass_lead", &form).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (subject, _) = last_to_northwind(app, "lead_passed").await;
    assert_eq!(subject, "A lead for you: Passed Co");

    let finance = app.signed_in("finance@acme.example").await;
    let reward = app
        .id_of(
            "SELECT MIN(r.id) FROM rewards r JOIN partnerships p ON p.id = r.partnership_id WHERE p.partner_key = $1 AND r.status = 'pending'",
            "northwind-7f3a",
        )
        .await
        .to_string();
    let res = app
        .call(
            &finance,
            "review_reward",
            &[
                ("reward_id", &reward),
                ("action", "decline"),
                ("reason", "Counted twice"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (subject, text) = last_to_northwind(app, "reward_declined").await;
    assert_eq!(subject, "A reward was declined");
    assert!(text.ends_with("was declined: Counted twice"), "{text}");

    let owner = app.signed_in("owner@acme.example").await;
    let program = app.acme_program_id().await.to_string();
    let gold = app
        .id_of(
            "SELECT t.id FROM tiers t JOIN programs p ON p.id = t.program_id WHERE p.slug = 'acme-partner-program' AND t.name = $1",
            "Gold",
        )
        .await
        .to_string();
    let res = app
        .call(
            &owner,
            "bulk_update_partners",
            &[
                ("program", &program),
                ("action", "set_tier"),
                ("tier", &gold),
                ("ids[]", &northwind),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (subject, text) = last_to_northwind(app, "tier_changed").await;
    assert_eq!(subject, "Your tier in Acme Partner Program changed");
    assert!(
        text.starts_with("Tier set from Silver to Gold: Set by the vendor's team"),
        "{text}"
    );
    // The vendor's outbox lists them for its owners.
    let outbox = crate::common::json_of(app.call(&owner, "outbox_page", &[]).await).await;
    let kinds: Vec<&str> = outbox["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "Deal approved",
        "Lead passed",
        "Reward declined",
        "Tier changed",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
}
