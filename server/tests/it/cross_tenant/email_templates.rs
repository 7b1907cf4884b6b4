//! Email templates (`app/src/api/email_templates.rs`): another company's wording is never
//! listed, previewed in its program's name, saved over or reset; partners and partner managers
//! have none.

use super::{Case, Fixture, GX, INI, MGR, case, check_all};
use crate::common::TestApp;

on_both_backends!(email_templates);

/// Acme's strings with its own wording of deal_won (saved by [`email_templates`]).
const ACME_WORDING_SECRETS: &[&str] = &[
    "Northwind",
    "Lakeside",
    "Acme Partner Program",
    "29425",
    "Acme only",
];

/// This area's cases, in the order they run.
pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    let acme = fx.acme_program.as_str();
    let globex = fx.globex_program.as_str();
    let s = ACME_WORDING_SECRETS;
    let kind = ("kind", "deal_won");
    let subject = ("subject", "Globex was here {{ deal }}");
    let text = ("text", "Globex was here");
    vec![
        case(GX, "email_templates", vec![], 200, s),
        case(GX, "email_templates", vec![("program", acme)], 404, s),
        case(INI, "email_templates", vec![], 403, s),
        case(MGR, "email_templates", vec![], 403, s),
        case(
            GX,
            "preview_email_template",
            vec![("program", acme), kind, subject, text],
            404,
            s,
        ),
        case(
            MGR,
            "preview_email_template",
            vec![("program", acme), kind, subject, text],
            403,
            s,
        ),
        case(
            GX,
            "save_email_template",
            vec![("program", acme), kind, subject, text],
            404,
            s,
        ),
        case(
            INI,
            "save_email_template",
            vec![("program", acme), kind, subject, text],
            403,
            s,
        ),
        case(
            MGR,
            "save_email_template",
            vec![("program", acme), kind, subject, text],
            403,
            s,
        ),
        case(
            GX,
            "reset_email_template",
            vec![("program", acme), kind],
            404,
            s,
        ),
        case(
            MGR,
            "reset_email_template",
            vec![("program", acme), kind],
            403,
            s,
        ),
        // Globex rewording its own program leaves Acme's alone.
        case(
            GX,
            "save_email_template",
            vec![("program", globex), kind, subject, text],
            200,
            s,
        ),
        case(
            GX,
            "reset_email_template",
            vec![("program", globex), kind],
            200,
            s,
        ),
    ]
}

async fn email_templates(app: &TestApp) {
    let fx = Fixture::load(app).await;
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &owner,
            "save_email_template",
            &[
                ("program", fx.acme_program.as_str()),
                ("kind", "deal_won"),
                ("subject", "Acme only: {{ deal }} is won"),
                ("text", "Acme only"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    check_all(app, &cases(&fx)).await;
    // Acme's wording is as it was saved, and the only one.
    let subject: String = sqlx::query_scalar(
        "SELECT subject FROM program_email_templates WHERE program_id = CAST($1 AS BIGINT) AND kind = 'deal_won'",
    )
    .bind(&fx.acme_program)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(subject, "Acme only: {{ deal }} is won");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM program_email_templates WHERE $1 = $1",
            "x"
        )
        .await,
        1
    );
}
