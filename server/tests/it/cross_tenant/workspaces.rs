//! Dashboards and workspaces (`app/src/api/auth.rs`, `dashboards.rs`): signing in and out,
//! the workspace and program pickers, the vendor overview and the partner dashboard.

use super::{
    ACME_SECRETS, Case, Fixture, GLOBEX_SECRETS, GX, INI, LK, MGR, NORTHWIND_SECRETS, case,
    check_all,
};
use crate::common::{DEMO_PASSWORD, TestApp};

on_both_backends!(workspaces);

/// This area's cases, in the order they run (a case may rely on an earlier one's effect).
pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    vec![
        Case {
            caller: "owner@acme.example",
            endpoint: "vendor_overview",
            form: vec![],
            status: 200,
            must_not_contain: GLOBEX_SECRETS,
        },
        Case {
            caller: "owner@acme.example",
            endpoint: "vendor_overview",
            form: vec![("program", &fx.globex_program)],
            status: 404,
            must_not_contain: GLOBEX_SECRETS,
        },
        Case {
            caller: "owner@globex.example",
            endpoint: "vendor_overview",
            form: vec![],
            status: 200,
            must_not_contain: ACME_SECRETS,
        },
        Case {
            caller: "owner@globex.example",
            endpoint: "select_workspace",
            form: vec![("kind", "vendor"), ("id", &fx.acme_company)],
            status: 403,
            must_not_contain: ACME_SECRETS,
        },
        Case {
            caller: "owner@initech.example",
            endpoint: "partner_dashboard",
            form: vec![],
            status: 200,
            must_not_contain: ACME_SECRETS,
        },
        Case {
            caller: "owner@initech.example",
            endpoint: "select_workspace",
            form: vec![("kind", "partner"), ("id", &fx.northwind)],
            status: 403,
            must_not_contain: ACME_SECRETS,
        },
        Case {
            caller: "owner@initech.example",
            endpoint: "vendor_overview",
            form: vec![],
            status: 403,
            must_not_contain: GLOBEX_SECRETS,
        },
        Case {
            caller: "owner@northwind.example",
            endpoint: "partner_dashboard",
            form: vec![],
            status: 200,
            must_not_contain: GLOBEX_SECRETS,
        },
        Case {
            caller: "owner@northwind.example",
            endpoint: "workspaces",
            form: vec![],
            status: 200,
            // The header names the programs Northwind is in (Acme's among them), as on every
            // partner page; no company is among its workspaces.
            must_not_contain: &["Globex", "Initech", "Teammate", "company_id"],
        },
        Case {
            caller: "owner@globex.example",
            endpoint: "login",
            form: vec![
                ("email", "owner@globex.example"),
                ("password", DEMO_PASSWORD),
            ],
            status: 200,
            must_not_contain: ACME_SECRETS,
        },
        Case {
            caller: "owner@globex.example",
            endpoint: "logout",
            form: vec![],
            status: 200,
            must_not_contain: ACME_SECRETS,
        },
        case(
            GX,
            "select_program",
            vec![("program", &fx.acme_program), ("current", "/vendor")],
            404,
            ACME_SECRETS,
        ),
        case(
            INI,
            "select_program",
            vec![("program", &fx.acme_program), ("current", "/partner")],
            404,
            ACME_SECRETS,
        ),
        // A notice is read from the caller's own cookie only.
        case(INI, "notice", vec![], 200, ACME_SECRETS),
        // Sibling partner teams of one program see nothing of each other's.
        case(LK, "partner_dashboard", vec![], 200, NORTHWIND_SECRETS),
        // Manny, the Acme partner manager `Fixture::load` restricts to Resellers (Lakeside),
        // meets Northwind (Agencies) nowhere.
        case(MGR, "vendor_overview", vec![], 200, NORTHWIND_SECRETS),
    ]
}

async fn workspaces(app: &TestApp) {
    let fx = Fixture::load(app).await;
    check_all(app, &cases(&fx)).await;
}
