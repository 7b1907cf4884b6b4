//! Triggers (`app/src/api/triggers.rs`): another company's triggers are never listed, read,
//! changed, dry-run or retried; partners and partner managers have none.

use super::{ACME_SECRETS, Case, Fixture, GX, INI, MGR, case, check_all};
use crate::common::TestApp;

on_both_backends!(triggers);

/// A valid trigger form with `extra` fields, so only the tenant decides the answer.
fn form<'a>(extra: Vec<(&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Copycat"),
        ("event", "transaction_created"),
        ("reward_kind", "flat"),
        ("reward_value", "1"),
    ];
    fields.extend(extra);
    fields
}

/// This area's cases, in the order they run (a case may rely on an earlier one's effect).
pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    vec![
        case(GX, "triggers", vec![], 200, ACME_SECRETS),
        case(
            GX,
            "triggers",
            vec![("program", &fx.acme_program)],
            404,
            ACME_SECRETS,
        ),
        case(INI, "triggers", vec![], 403, ACME_SECRETS),
        case(MGR, "triggers", vec![], 403, ACME_SECRETS),
        case(
            GX,
            "trigger",
            vec![("program", &fx.acme_program), ("trigger", &fx.acme_trigger)],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "trigger",
            vec![("trigger", &fx.acme_trigger)],
            404,
            ACME_SECRETS,
        ),
        case(
            MGR,
            "trigger",
            vec![("trigger", &fx.acme_trigger)],
            403,
            ACME_SECRETS,
        ),
        case(
            GX,
            "save_trigger",
            form(vec![("program", &fx.acme_program)]),
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "save_trigger",
            form(vec![
                ("program", &fx.globex_program),
                ("trigger", &fx.acme_trigger),
            ]),
            404,
            ACME_SECRETS,
        ),
        // Another program's tag is refused like a missing one.
        case(
            GX,
            "save_trigger",
            form(vec![
                ("program", &fx.globex_program),
                ("add_tag", &fx.acme_tag),
            ]),
            400,
            ACME_SECRETS,
        ),
        case(
            GX,
            "save_trigger",
            form(vec![
                ("program", &fx.globex_program),
                ("trigger", &fx.acme_trigger),
                ("intent", "dry_run"),
            ]),
            404,
            ACME_SECRETS,
        ),
        case(
            MGR,
            "save_trigger",
            form(vec![("program", &fx.acme_program)]),
            403,
            ACME_SECRETS,
        ),
        case(
            GX,
            "set_trigger_enabled",
            vec![
                ("program", &fx.globex_program),
                ("trigger", &fx.acme_trigger),
                ("enabled", "false"),
            ],
            404,
            ACME_SECRETS,
        ),
        case(
            GX,
            "set_trigger_enabled",
            vec![
                ("program", &fx.acme_program),
                ("trigger", &fx.acme_trigger),
                ("enabled", "false"),
            ],
            404,
            ACME_SECRETS,
        ),
        case(GX, "retry_trigger_events", vec![], 200, ACME_SECRETS),
        case(INI, "retry_trigger_events", vec![], 403, ACME_SECRETS),
    ]
}

async fn triggers(app: &TestApp) {
    let fx = Fixture::load(app).await;
    check_all(app, &cases(&fx)).await;
    // Acme's trigger is as it was.
    let enabled = app
        .scalar(
            "SELECT enabled FROM triggers WHERE id = CAST($1 AS BIGINT)",
            &fx.acme_trigger,
        )
        .await;
    assert_eq!(enabled, 1);
}
