//! People (`app/src/api/teammates.rs`, `team.rs`, `invites.rs`, `profile.rs`,
//! `password_links.rs`, `emails.rs`, `setup.rs`, `company.rs`): a vendor's teammates, a partner team's contacts, invites,
//! one's own profile, one-time set-password links, the first-run set-up, company settings, the email outbox.

use super::{
    ACME_SECRETS, Case, Fixture, GX, INI, LAKESIDE_SECRETS, LONG_PASSWORD, MGR, case, check_all,
};
use crate::common::{DEMO_PASSWORD, TestApp};

on_both_backends!(people);

/// This area's cases, in the order they run (a case may rely on an earlier one's effect).
pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    vec![
        case(
            GX,
            "set_teammate_groups",
            vec![
                ("teammate_id", &fx.acme_teammate),
                ("groups[]", &fx.acme_group),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "set_teammate_groups",
            vec![("teammate_id", &fx.acme_teammate)],
            403,
            ACME_SECRETS,
        ),
        case(GX, "profile", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "update_name",
            vec![("name", "Greta G.")],
            200,
            ACME_SECRETS,
        ),
        case(
            GX,
            "change_password",
            vec![
                ("current_password", "wrong-password-1"),
                ("new_password", LONG_PASSWORD),
            ],
            400,
            ACME_SECRETS,
        ),
        case(
            GX,
            "set_payout_details",
            vec![
                ("method", "paypal"),
                ("details", "gx@globex.example"),
                ("password", DEMO_PASSWORD),
            ],
            403,
            ACME_SECRETS,
        ),
        case(INI, "profile", vec![], 200, ACME_SECRETS),
        case(INI, "team", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "save_team_profile",
            vec![
                ("team_name", "Northwind Agency"),
                ("partner_type", "agency"),
                ("website", ""),
                ("country", ""),
            ],
            403,
            ACME_SECRETS,
        ),
        case(
            INI,
            "save_team_profile",
            vec![
                ("team_name", "x"),
                ("partner_type", "agency"),
                ("website", ""),
                ("country", ""),
            ],
            400,
            ACME_SECRETS,
        ),
        case(
            INI,
            "invite_contact",
            vec![("email", "member@northwind.example"), ("role", "member")],
            200,
            ACME_SECRETS,
        ),
        case(
            INI,
            "revoke_contact_invite",
            vec![("invite_id", &fx.northwind_invite)],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "change_contact_role",
            vec![("contact_id", &fx.northwind_member), ("role", "admin")],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "remove_contact",
            vec![("contact_id", &fx.northwind_member)],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "transfer_ownership",
            vec![("contact_id", &fx.northwind_member)],
            404,
            ACME_SECRETS,
        ),
        case(GX, "team", vec![], 403, ACME_SECRETS),
        case(GX, "teammates", vec![], 200, &["acme.example", "Manny"]),
        case(
            GX,
            "invite_teammate",
            vec![("email", "manager@acme.example"), ("role", "admin")],
            200,
            ACME_SECRETS,
        ),
        case(
            GX,
            "revoke_invite",
            vec![("invite_id", &fx.acme_invite)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "change_teammate_role",
            vec![("teammate_id", &fx.acme_teammate), ("role", "read_only")],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "remove_teammate",
            vec![("teammate_id", &fx.acme_teammate)],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "invite",
            vec![("token", "not-a-token")],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "accept_invite",
            vec![
                ("token", "not-a-token"),
                ("name", "x"),
                ("password", LONG_PASSWORD),
            ],
            404,
            ACME_SECRETS,
        ),
        // One-time set-password links: a token is the only key; another's is not found.
        case(
            GX,
            "password_link",
            vec![("token", "0123abcd")],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "set_password",
            vec![("token", "0123abcd"), ("password", LONG_PASSWORD)],
            404,
            ACME_SECRETS,
        ),
        // Another company's outbox is empty of Acme's mail; partners and partner managers have
        // none; nobody resends another company's message.
        case(GX, "outbox_page", vec![], 200, ACME_SECRETS),
        case(INI, "outbox_page", vec![], 403, ACME_SECRETS),
        case(MGR, "outbox_page", vec![], 403, ACME_SECRETS),
        case(
            GX,
            "resend_email",
            vec![("email_id", &fx.acme_email)],
            400,
            ACME_SECRETS,
        ),
        case(
            "owner@northwind.example",
            "resend_email",
            vec![("email_id", &fx.acme_email)],
            403,
            ACME_SECRETS,
        ),
        // A company's settings: only its owners and admins read and change them.
        case(GX, "company_settings", vec![], 200, ACME_SECRETS),
        case(INI, "company_settings", vec![], 403, ACME_SECRETS),
        case(MGR, "company_settings", vec![], 403, ACME_SECRETS),
        case(
            INI,
            "save_company_settings",
            company_form("#facc15"),
            403,
            ACME_SECRETS,
        ),
        case(
            MGR,
            "save_company_settings",
            company_form("#facc15"),
            403,
            ACME_SECRETS,
        ),
        case(
            GX,
            "save_company_settings",
            company_form("not-a-colour"),
            400,
            ACME_SECRETS,
        ),
        // The first-run set-up: a set-up portal says so, and no token creates a company.
        case(GX, "setup_status", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "complete_setup",
            vec![
                ("token", "0123abcd"),
                ("name", "Acme Analytics"),
                ("owner_name", "Gus"),
                ("owner_email", "owner@acme.example"),
                ("currency", "USD"),
            ],
            400,
            ACME_SECRETS,
        ),
        // A reset request names an account of another tenant: it answers as for any address
        // and tells nothing of it.
        case(
            GX,
            "request_password_reset",
            vec![("email", "owner@acme.example")],
            200,
            ACME_SECRETS,
        ),
        // Sibling partner teams of one program see nothing of each other's.
        case(
            "owner@northwind.example",
            "team",
            vec![],
            200,
            LAKESIDE_SECRETS,
        ),
    ]
}

async fn people(app: &TestApp) {
    let fx = Fixture::load(app).await;
    check_all(app, &cases(&fx)).await;
}

/// The company settings form, with Globex's own name.
fn company_form(color: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", "Globex"),
        ("brand_color", color),
        ("logo_url", ""),
        ("support_email", ""),
    ]
}
