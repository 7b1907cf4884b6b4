//! Joining a program (`app/src/api/applications.rs`): the join page, applications, partner
//! invites.

use super::{
    ACME_SECRETS, Case, Fixture, GX, INI, LK, LONG_PASSWORD, MGR, NORTHWIND_SECRETS, case,
    check_all,
};
use crate::common::TestApp;

on_both_backends!(applications);

/// This area's cases, in the order they run (a case may rely on an earlier one's effect).
pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    vec![
        case(
            GX,
            "applications",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "approve_application",
            vec![("partnership_id", &fx.acme_partnership)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "reject_application",
            vec![("partnership_id", &fx.acme_partnership), ("reason", "no")],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "approve_application",
            vec![("partnership_id", &fx.acme_partnership)],
            403,
            ACME_SECRETS,
        ),
        // The partner manager bound to Resellers invites into their own group only.
        case(
            MGR,
            "invite_partner",
            vec![
                ("program", &fx.acme_program),
                ("email", "new@partner.example"),
                ("group", &fx.acme_group),
            ],
            404,
            NORTHWIND_SECRETS,
        ),
        case(
            MGR,
            "invite_partner",
            vec![
                ("program", &fx.acme_program),
                ("email", "new@partner.example"),
            ],
            400,
            NORTHWIND_SECRETS,
        ),
        case(
            GX,
            "leave_program",
            vec![("partnership_id", &fx.northwind_partnership)],
            403,
            ACME_SECRETS,
        ),
        case(
            LK,
            "leave_program",
            vec![("partnership_id", &fx.northwind_partnership)],
            404,
            NORTHWIND_SECRETS,
        ),
        case(
            INI,
            "leave_program",
            vec![("partnership_id", &fx.acme_partnership)],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "join_info",
            vec![("slug", "acme-partner-program")],
            200,
            &["Northwind", "29425"],
        ),
        case(
            INI,
            "apply",
            vec![
                ("slug", "acme-partner-program"),
                ("name", "I"),
                ("email", "owner@initech.example"),
                ("password", LONG_PASSWORD),
                ("team_name", "Initech"),
                ("partner_type", "reseller"),
                ("website", ""),
                ("country", ""),
            ],
            200,
            ACME_SECRETS,
        ),
        // A confirmation link is a secret of its own: a made-up one finds nothing.
        case(
            GX,
            "signup_link",
            vec![("token", "0123abcd")],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "confirm_signup",
            vec![("token", "0123abcd")],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "invite_partner",
            vec![("program", &fx.acme_program), ("email", "x@example.com")],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "revoke_partner_invite",
            vec![("invite_id", &fx.acme_partner_invite)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "join_with_team",
            vec![("slug", "acme-partner-program")],
            403,
            ACME_SECRETS,
        ),
    ]
}

async fn applications(app: &TestApp) {
    let fx = Fixture::load(app).await;
    check_all(app, &cases(&fx)).await;
}
