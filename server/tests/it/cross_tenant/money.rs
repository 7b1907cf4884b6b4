//! Money (`app/src/api/rewards.rs`): transactions, rewards, payouts, earnings; and the payouts
//! CSV export.

use super::{ACME_SECRETS, Case, Fixture, GX, INI, LK, MGR, NORTHWIND_SECRETS, case, check_all};
use crate::common::TestApp;

on_both_backends!(money);

/// This area's cases, in the order they run (a case may rely on an earlier one's effect).
pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    vec![
        case(GX, "vendor_rewards", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "vendor_rewards",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(INI, "vendor_rewards", vec![], 403, ACME_SECRETS),
        case(
            GX,
            "review_reward",
            vec![("reward_id", &fx.acme_reward), ("action", "approve")],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "review_reward",
            vec![("reward_id", &fx.acme_reward), ("action", "approve")],
            403,
            ACME_SECRETS,
        ),
        case(
            GX,
            "add_manual_reward",
            vec![
                ("program", &fx.acme_program),
                ("partner_key", "northwind-7f3a"),
                ("amount", "10"),
                ("reason", "x"),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "record_transaction",
            vec![
                ("program", &fx.acme_program),
                ("customer", "cus_1001"),
                ("kind", "payment"),
                ("amount", "10"),
                ("transaction_key", "sneaky"),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "record_transaction",
            vec![
                ("program", &fx.acme_program),
                ("customer", "cus_1001"),
                ("kind", "payment"),
                ("amount", "10"),
            ],
            403,
            ACME_SECRETS,
        ),
        case(GX, "vendor_transactions", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "vendor_transactions",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(INI, "vendor_transactions", vec![], 403, ACME_SECRETS),
        case(
            GX,
            "bulk_review_rewards",
            vec![
                ("program", &fx.acme_program),
                ("action", "approve"),
                ("ids[]", &fx.acme_reward),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "bulk_review_rewards",
            vec![
                ("program", &fx.acme_program),
                ("action", "approve"),
                ("ids[]", &fx.acme_reward),
            ],
            403,
            ACME_SECRETS,
        ),
        case(GX, "vendor_payouts", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "vendor_payouts",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "update_payout",
            vec![("payout_id", &fx.acme_payout), ("status", "processing")],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "update_payout",
            vec![("payout_id", &fx.acme_payout), ("status", "processing")],
            403,
            ACME_SECRETS,
        ),
        case(INI, "partner_earnings", vec![], 200, ACME_SECRETS),
        case(GX, "partner_earnings", vec![], 403, ACME_SECRETS),
        case(GX, "cash_out", vec![], 403, ACME_SECRETS),
        case(
            GX,
            "vendor_reward",
            vec![("reward_id", &fx.acme_reward)],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "partner_reward",
            vec![("reward_id", &fx.acme_reward)],
            404,
            ACME_SECRETS,
        ),
        // Sibling partner teams of one program see nothing of each other's.
        case(
            LK,
            "partner_reward",
            vec![("reward_id", &fx.northwind_reward)],
            404,
            NORTHWIND_SECRETS,
        ),
        case(LK, "partner_earnings", vec![], 200, NORTHWIND_SECRETS),
        // Manny, the Acme partner manager `Fixture::load` restricts to Resellers (Lakeside),
        // meets Northwind (Agencies) nowhere.
        case(MGR, "vendor_rewards", vec![], 200, NORTHWIND_SECRETS),
        case(
            MGR,
            "vendor_reward",
            vec![("reward_id", &fx.northwind_reward)],
            404,
            NORTHWIND_SECRETS,
        ),
        case(MGR, "vendor_payouts", vec![], 200, NORTHWIND_SECRETS),
        case(MGR, "vendor_transactions", vec![], 200, NORTHWIND_SECRETS),
    ]
}

async fn money(app: &TestApp) {
    let fx = Fixture::load(app).await;
    check_all(app, &cases(&fx)).await;
    // Another company's payouts export.
    let globex = app.signed_in(GX).await;
    let csv = globex
        .get(app.url(&format!(
            "/vendor/payouts/export.csv?program={}",
            fx.acme_program
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 404);
    let body = csv.text().await.unwrap();
    assert!(
        !body.contains("Northwind") && !body.contains("Lakeside"),
        "{body}"
    );
}
