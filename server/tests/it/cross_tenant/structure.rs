//! How a vendor shapes its program (`app/src/api/structure.rs`, `partners.rs`,
//! `partner_detail.rs`, `programs.rs`, `offers.rs`): groups, tags, tiers, segments, lead fields,
//! the partner list and a partner's page, program settings and tracking, offers.

use super::{ACME_SECRETS, Case, Fixture, GX, INI, MGR, NORTHWIND_SECRETS, case, check_all};
use crate::common::TestApp;

on_both_backends!(structure);

/// This area's cases, in the order they run (a case may rely on an earlier one's effect).
pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    let any_rule = r#"{"all":[]}"#;
    let offer_form = vec![
        ("program", fx.acme_program.as_str()),
        ("name", "Sneaky"),
        ("event", "transaction_created"),
        ("payout_kind", "percent"),
        ("payout_value", "50"),
        ("target[]", "everyone"),
    ];
    let mut simulate_form = offer_form.clone();
    simulate_form.push(("intent", "simulate"));
    vec![
        case(
            GX,
            "partner",
            vec![("partnership_id", &fx.acme_partnership)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "save_partner_notes",
            vec![("partnership_id", &fx.acme_partnership), ("notes", "x")],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "partner",
            vec![("partnership_id", &fx.acme_partnership)],
            403,
            ACME_SECRETS,
        ),
        case(
            GX,
            "change_partner_status",
            vec![
                ("partnership_id", &fx.acme_partnership),
                ("action", "suspend"),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "change_partner_status",
            vec![
                ("partnership_id", &fx.acme_partnership),
                ("action", "archive"),
            ],
            403,
            ACME_SECRETS,
        ),
        case(
            GX,
            "partners",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(GX, "partners", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "structure",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "create_label",
            vec![
                ("program", &fx.acme_program),
                ("kind", "tag"),
                ("name", "x"),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "delete_label",
            vec![("kind", "tag"), ("id", &fx.acme_tag)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "save_tier",
            vec![
                ("program", &fx.acme_program),
                ("name", "T"),
                ("rank", "9"),
                ("metric", "paying_customers"),
                ("threshold", "1"),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "save_segment",
            vec![
                ("program", &fx.acme_program),
                ("name", "S"),
                ("rule", any_rule),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "preview_segment",
            vec![("program", &fx.acme_program), ("rule", any_rule)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "bulk_update_partners",
            vec![
                ("program", &fx.acme_program),
                ("action", "suspend"),
                ("ids[]", &fx.acme_partnership),
            ],
            404,
            ACME_SECRETS,
        ),
        case(INI, "partners", vec![], 403, ACME_SECRETS),
        case(
            GX,
            "program_settings",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "save_program",
            vec![
                ("id", &fx.acme_program),
                ("name", "Stolen"),
                ("slug", ""),
                ("currency", "USD"),
                ("attribution_window_days", "90"),
                ("hold_days", "30"),
                ("min_cashout", "0"),
                ("signup_mode", "open"),
                ("allowed_domains", ""),
                ("terms", ""),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "rename_label",
            vec![("kind", "tag"), ("id", &fx.acme_tag), ("name", "mine")],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "set_default_group",
            vec![("id", &fx.acme_group)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "delete_label",
            vec![("kind", "segment"), ("id", &fx.acme_segment)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "structure",
            vec![("segment", &fx.acme_segment)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "add_lead_field",
            vec![
                ("group_id", &fx.acme_group),
                ("label", "Industry"),
                ("kind", "text"),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "remove_lead_field",
            vec![("group_id", &fx.acme_group), ("key", "industry")],
            404,
            ACME_SECRETS,
        ),
        case(GX, "offers", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "offers",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(INI, "offers", vec![], 403, ACME_SECRETS),
        case(GX, "save_offer", offer_form.clone(), 404, ACME_SECRETS),
        case(INI, "save_offer", offer_form, 403, ACME_SECRETS),
        case(GX, "save_offer", simulate_form, 404, ACME_SECRETS),
        case(
            GX,
            "save_tracking",
            tracking_form(&fx.acme_program),
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "save_tracking",
            tracking_form(&fx.acme_program),
            403,
            ACME_SECRETS,
        ),
        // Manny, the Acme partner manager `Fixture::load` restricts to Resellers (Lakeside),
        // meets Northwind (Agencies) nowhere.
        case(MGR, "partners", vec![], 200, NORTHWIND_SECRETS),
        case(
            MGR,
            "partner",
            vec![("partnership_id", &fx.northwind_partnership)],
            404,
            NORTHWIND_SECRETS,
        ),
        case(
            MGR,
            "change_partner_status",
            vec![
                ("partnership_id", &fx.northwind_partnership),
                ("action", "suspend"),
            ],
            404,
            NORTHWIND_SECRETS,
        ),
    ]
}

fn tracking_form(program: &str) -> Vec<(&str, &str)> {
    vec![
        ("program", program),
        ("default_destination", ""),
        ("link_param_partner", "partner_key"),
        ("link_param_click", "click_id"),
        ("attribution_model", "last_click"),
    ]
}

async fn structure(app: &TestApp) {
    let fx = Fixture::load(app).await;
    check_all(app, &cases(&fx)).await;
}
