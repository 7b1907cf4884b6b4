//! Leads and deals (`app/src/api/leads.rs`, `lead_import.rs`, `deals.rs`): leads registered,
//! passed and imported, customers, deals, referrals.

use super::{ACME_SECRETS, Case, Fixture, GX, INI, LK, MGR, NORTHWIND_SECRETS, case, check_all};
use crate::common::TestApp;

on_both_backends!(leads_and_deals);

/// This area's cases, in the order they run (a case may rely on an earlier one's effect).
pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    let status_form = vec![
        ("customer", fx.acme_customer.as_str()),
        ("status", "churned"),
        ("reason", "Not ours"),
    ];
    let reattribute = vec![
        ("customer", fx.acme_customer.as_str()),
        ("partner_key", "lakeside-2c9d"),
        ("reason", "Not ours"),
    ];
    let deal_form = vec![
        ("company", "Initech Deal"),
        ("domain", "initech-deal.example"),
        ("amount", "100"),
        ("expected_close", "2099-01-01"),
        ("motion", "cosell"),
    ];
    vec![
        case(
            GX,
            "register_lead",
            vec![
                ("company", "X"),
                ("contact_name", ""),
                ("email", "x@x.example"),
                ("domain", ""),
                ("notes", ""),
            ],
            403,
            ACME_SECRETS,
        ),
        case(
            INI,
            "register_lead",
            vec![
                ("company", "Contoso"),
                ("contact_name", ""),
                ("email", "x@contoso.example"),
                ("domain", ""),
                ("notes", ""),
            ],
            200,
            ACME_SECRETS,
        ),
        case(INI, "partner_leads", vec![], 200, ACME_SECRETS),
        case(INI, "partner_customers", vec![], 200, ACME_SECRETS),
        case(INI, "vendor_leads", vec![], 403, ACME_SECRETS),
        case(
            GX,
            "vendor_leads",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(GX, "vendor_leads", vec![], 200, ACME_SECRETS),
        case(GX, "vendor_customers", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "vendor_customers",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(INI, "vendor_customers", vec![], 403, ACME_SECRETS),
        case(
            GX,
            "pass_lead",
            vec![
                ("partnership_id", &fx.acme_partnership),
                ("company", "X"),
                ("contact_name", ""),
                ("email", "x@x.example"),
                ("domain", ""),
                ("notes", ""),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "repass_lead",
            vec![("lead_id", &fx.acme_lead), ("partner_key", "initech-55b1")],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "answer_lead",
            vec![("lead_id", &fx.acme_lead), ("action", "take")],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "decide_lead",
            vec![("lead_id", &fx.acme_lead), ("action", "accept")],
            404,
            ACME_SECRETS,
        ),
        case(INI, "register_deal", deal_form.clone(), 200, ACME_SECRETS),
        case(GX, "register_deal", deal_form, 403, ACME_SECRETS),
        case(INI, "partner_deals", vec![], 200, ACME_SECRETS),
        case(INI, "vendor_deals", vec![], 403, ACME_SECRETS),
        case(GX, "vendor_deals", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "vendor_deals",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "decide_deal",
            vec![("deal_id", &fx.acme_deal), ("action", "approve")],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "decide_deal",
            vec![("deal_id", &fx.acme_deal), ("action", "approve")],
            403,
            ACME_SECRETS,
        ),
        case(
            INI,
            "advance_deal",
            vec![("deal_id", &fx.acme_deal)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "assign_deal_rep",
            vec![("deal_id", &fx.acme_deal), ("rep", "")],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "vendor_customer",
            vec![("id", &fx.acme_customer)],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "vendor_customer",
            vec![("id", &fx.acme_customer)],
            403,
            ACME_SECRETS,
        ),
        case(
            INI,
            "import_partner_leads",
            vec![("csv", "company,email\nImported,x@imported.example\n")],
            200,
            ACME_SECRETS,
        ),
        case(
            GX,
            "import_vendor_leads",
            vec![
                ("program", &fx.acme_program),
                (
                    "csv",
                    "company,email,partner_key\nX,x@x.example,northwind-3f7a\n",
                ),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "import_vendor_leads",
            vec![(
                "csv",
                "company,email,partner_key\nX,x@x.example,lakeside-2c9d\n",
            )],
            200,
            ACME_SECRETS,
        ),
        case(
            INI,
            "import_vendor_leads",
            vec![("csv", "company,email\n")],
            403,
            ACME_SECRETS,
        ),
        case(GX, "suggest_partners", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "suggest_partners",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(INI, "suggest_partners", vec![], 403, ACME_SECRETS),
        case(
            GX,
            "set_customer_status",
            status_form.clone(),
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "reattribute_customer",
            reattribute.clone(),
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "reattribute_customer",
            reattribute.clone(),
            403,
            ACME_SECRETS,
        ),
        case(
            MGR,
            "reattribute_customer",
            reattribute.clone(),
            404,
            NORTHWIND_SECRETS,
        ),
        // Northwind's customer is outside the manager's groups.
        case(
            MGR,
            "set_customer_status",
            status_form.clone(),
            404,
            NORTHWIND_SECRETS,
        ),
        case(
            INI,
            "set_customer_status",
            status_form.clone(),
            403,
            ACME_SECRETS,
        ),
        case(
            GX,
            "review_referral",
            vec![("customer", &fx.acme_customer), ("decision", "approve")],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "review_referral",
            vec![("customer", &fx.acme_customer), ("decision", "approve")],
            403,
            ACME_SECRETS,
        ),
        // Sibling partner teams of one program see nothing of each other's.
        case(LK, "partner_deals", vec![], 200, NORTHWIND_SECRETS),
        case(LK, "partner_leads", vec![], 200, NORTHWIND_SECRETS),
        case(LK, "partner_customers", vec![], 200, NORTHWIND_SECRETS),
        case(
            LK,
            "advance_deal",
            vec![("deal_id", &fx.northwind_deal)],
            404,
            NORTHWIND_SECRETS,
        ),
        // Manny, the Acme partner manager `Fixture::load` restricts to Resellers (Lakeside),
        // meets Northwind (Agencies) nowhere.
        case(MGR, "vendor_deals", vec![], 200, NORTHWIND_SECRETS),
    ]
}

async fn leads_and_deals(app: &TestApp) {
    let fx = Fixture::load(app).await;
    check_all(app, &cases(&fx)).await;
}
