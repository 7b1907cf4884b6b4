//! Integration tests against the real server (port 0), each on SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use crate::common::{DEMO_PASSWORD, TestApp};
use serde_json::Value;

on_both_backends!(
    sign_in_and_out,
    unknown_email_and_wrong_password_look_the_same,
    sessions_expire,
    roles_gate_pages_and_server_functions,
    cross_tenant_table,
    cross_origin_posts_are_refused,
    login_limiter_answers_429,
    workspace_picker_for_users_in_two_workspaces,
    every_change_writes_an_event,
    limits_and_health,
    program_switcher_scopes_each_side,
);

async fn sign_in_and_out(app: &TestApp) {
    let client = app.client();
    let res = app
        .call(
            &client,
            "login",
            &[("email", "Owner@Acme.example"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/vendor");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("portal_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            cookie.contains(attribute),
            "cookie lacks {attribute}: {cookie}"
        );
    }
    // The token is stored only as its hash.
    let token = cookie
        .trim_start_matches("portal_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = $1",
            &token
        )
        .await,
        0
    );
    let user_sessions = "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email_normalized = $1";
    assert_eq!(app.scalar(user_sessions, "owner@acme.example").await, 1);

    let page = client.get(app.url("/vendor")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Acme Analytics program overview"));
    assert_eq!(html.matches("<h1").count(), 1, "one h1 per page");

    let overview: Value = app
        .call(&client, "vendor_overview", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview["kpis"]["active_partners"], 2);
    assert_eq!(overview["kpis"]["open_leads"], 4);
    assert_eq!(overview["kpis"]["open_deals"], 3);
    assert_eq!(overview["kpis"]["rewards_pending"]["minor"], 29425);
    assert_eq!(overview["kpis"]["payouts_requested"]["minor"], 80000);
    assert_eq!(overview["partners"].as_array().unwrap().len(), 3);

    let res = app.call(&client, "logout", &[]).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        app.scalar(user_sessions, "owner@acme.example").await,
        0,
        "logout deletes the session row"
    );
    // The old token is dead even if a client kept it.
    let stale = app.client();
    let res = stale
        .get(app.url("/vendor"))
        .header("cookie", format!("portal_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=/vendor");
}

async fn unknown_email_and_wrong_password_look_the_same(app: &TestApp) {
    let client = app.client();
    let mut wrong = Duration::ZERO;
    let mut unknown = Duration::ZERO;
    let mut bodies = Vec::new();
    for i in 0..3 {
        let started = Instant::now();
        let res = app
            .call(
                &client,
                "login",
                &[
                    ("email", "finance@acme.example"),
                    ("password", "wrong-password-123"),
                ],
            )
            .await;
        wrong += started.elapsed();
        assert_eq!(res.status(), 401);
        bodies.push(res.text().await.unwrap());
        let started = Instant::now();
        let email = format!("nobody{i}@acme.example");
        let res = app
            .call(
                &client,
                "login",
                &[
                    ("email", email.as_str()),
                    ("password", "wrong-password-123"),
                ],
            )
            .await;
        unknown += started.elapsed();
        assert_eq!(res.status(), 401);
        bodies.push(res.text().await.unwrap());
    }
    assert!(
        bodies
            .iter()
            .all(|b| b == &bodies[0] && b.contains("Invalid email or password")),
        "{bodies:?}"
    );
    // Both paths run one argon2 verification; an unknown email must not answer noticeably faster.
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!(
        (0.33..3.0).contains(&ratio),
        "unknown {unknown:?} vs wrong {wrong:?}"
    );
}

async fn sessions_expire(app: &TestApp) {
    let hour = 60 * 60 * 1000_i64;
    for (column, age) in [("last_seen_at", 13 * hour), ("created_at", 8 * 24 * hour)] {
        let client = app.signed_in("manager@acme.example").await;
        assert_eq!(
            client
                .get(app.url("/vendor"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let sql: &'static str = match column {
            "last_seen_at" => "UPDATE sessions SET last_seen_at = last_seen_at - $1",
            _ => "UPDATE sessions SET created_at = created_at - $1",
        };
        sqlx::query(sql)
            .bind(age)
            .execute(&app.db.pool)
            .await
            .unwrap();
        // A server function reads the session anew (a page may use its process's read of the
        // last second, and this change comes from outside the process).
        assert_eq!(
            app.call(&client, "vendor_overview", &[]).await.status(),
            401,
            "{column} {age}"
        );
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM sessions WHERE $1 = $1", "")
                .await,
            0,
            "expired sessions are deleted"
        );
        let res = client.get(app.url("/vendor")).send().await.unwrap();
        assert_eq!(res.status(), 303, "{column} {age}");
    }
}

async fn roles_gate_pages_and_server_functions(app: &TestApp) {
    let partner = app.signed_in("owner@northwind.example").await;
    assert_eq!(
        app.call(&partner, "vendor_overview", &[]).await.status(),
        403
    );
    let page = partner.get(app.url("/vendor")).send().await.unwrap();
    assert_eq!(page.status(), 403);
    let html = page.text().await.unwrap();
    assert!(html.contains("Forbidden"));
    for vendor_data in ["Active partners", "Lakeside", "Brightside", "$294.25"] {
        assert!(
            !html.contains(vendor_data),
            "forbidden page leaks {vendor_data}"
        );
    }
    let dashboard: Value = app
        .call(&partner, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    let card = &dashboard["partnerships"][0];
    assert_eq!(card["earnings"]["available"]["minor"], 37050);
    assert_eq!(card["earnings"]["pending"]["minor"], 14425);
    assert_eq!(card["earnings"]["lifetime_paid"]["minor"], 120000);
    assert_eq!(card["group"], "Agencies");
    assert_eq!(card["tier"], "Silver");

    // Members see their team but not its money; technical teammates see no money.
    let member = app.signed_in("member@northwind.example").await;
    let dashboard: Value = app
        .call(&member, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(dashboard["partnerships"][0]["earnings"].is_null());
    let tech = app.signed_in("tech@acme.example").await;
    let overview: Value = app
        .call(&tech, "vendor_overview", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(overview["kpis"]["rewards_pending"].is_null());
    assert_eq!(overview["kpis"]["active_partners"], 2);

    let teammate = app.signed_in("owner@acme.example").await;
    assert_eq!(
        app.call(&teammate, "partner_dashboard", &[]).await.status(),
        403
    );
    assert_eq!(
        teammate
            .get(app.url("/partner"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let visitor = app.client();
    assert_eq!(
        app.call(&visitor, "vendor_overview", &[]).await.status(),
        401
    );
    assert_eq!(
        app.call(&visitor, "partner_dashboard", &[]).await.status(),
        401
    );
    assert_eq!(app.call(&visitor, "workspaces", &[]).await.status(), 401);
    let res = visitor.get(app.url("/partner")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=/partner");
}

/// Every server function, called by users of other tenants: the status and the strings of
/// the other tenant that must never appear. A new server function must join this table.
async fn cross_tenant_table(app: &TestApp) {
    let globex_program = app
        .id_of(
            "SELECT p.id FROM programs p JOIN companies c ON c.id = p.company_id WHERE c.name = $1",
            "Globex",
        )
        .await;
    let acme_company = app
        .id_of("SELECT id FROM companies WHERE name = $1", "Acme Analytics")
        .await;
    let northwind = app
        .id_of(
            "SELECT id FROM partner_teams WHERE name = $1",
            "Northwind Agency",
        )
        .await;
    let globex_program = globex_program.to_string();
    let acme_company = acme_company.to_string();
    let northwind = northwind.to_string();

    struct Case<'a> {
        caller: &'a str,
        endpoint: &'a str,
        form: Vec<(&'a str, &'a str)>,
        status: u16,
        must_not_contain: &'a [&'a str],
    }
    /// Calls the case's server function as its caller: the status it expects, and none of the
    /// other tenant's strings in the answer.
    async fn check(app: &TestApp, case: &Case<'_>) {
        let client = app.signed_in(case.caller).await;
        let res = app.call(&client, case.endpoint, &case.form).await;
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_eq!(
            status, case.status,
            "{} -> {}: {body}",
            case.caller, case.endpoint
        );
        for secret in case.must_not_contain {
            assert!(
                !body.contains(secret),
                "{} -> {} leaked {secret}: {body}",
                case.caller,
                case.endpoint
            );
        }
    }
    let acme_secrets: &[&str] = &["Northwind", "Lakeside", "Acme Partner Program", "29425"];
    let globex_secrets: &[&str] = &["Initech", "Globex Secret Lead", "Globex Partners", "77700"];
    let acme_partnership = app.partnership_id("Brightside Affiliates").await;
    let acme_teammate = app
        .id_of(
            "SELECT t.id FROM teammates t JOIN users u ON u.id = t.user_id WHERE u.email_normalized = $1",
            "manager@acme.example",
        )
        .await
        .to_string();
    let acme_program = app.acme_program_id().await.to_string();
    let acme_owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &acme_owner,
            "invite_teammate",
            &[("email", "pending@acme.example"), ("role", "finance")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let acme_invite = app
        .id_of(
            "SELECT id FROM invites WHERE email = $1",
            "pending@acme.example",
        )
        .await
        .to_string();
    let case = |caller, endpoint, form, status, must_not_contain| Case {
        caller,
        endpoint,
        form,
        status,
        must_not_contain,
    };
    let mut cases = vec![
        Case {
            caller: "owner@acme.example",
            endpoint: "vendor_overview",
            form: vec![],
            status: 200,
            must_not_contain: globex_secrets,
        },
        Case {
            caller: "owner@acme.example",
            endpoint: "vendor_overview",
            form: vec![("program", &globex_program)],
            status: 404,
            must_not_contain: globex_secrets,
        },
        Case {
            caller: "owner@globex.example",
            endpoint: "vendor_overview",
            form: vec![],
            status: 200,
            must_not_contain: acme_secrets,
        },
        Case {
            caller: "owner@globex.example",
            endpoint: "select_workspace",
            form: vec![("kind", "vendor"), ("id", &acme_company)],
            status: 403,
            must_not_contain: acme_secrets,
        },
        Case {
            caller: "owner@initech.example",
            endpoint: "partner_dashboard",
            form: vec![],
            status: 200,
            must_not_contain: acme_secrets,
        },
        Case {
            caller: "owner@initech.example",
            endpoint: "select_workspace",
            form: vec![("kind", "partner"), ("id", &northwind)],
            status: 403,
            must_not_contain: acme_secrets,
        },
        Case {
            caller: "owner@initech.example",
            endpoint: "vendor_overview",
            form: vec![],
            status: 403,
            must_not_contain: globex_secrets,
        },
        Case {
            caller: "owner@northwind.example",
            endpoint: "partner_dashboard",
            form: vec![],
            status: 200,
            must_not_contain: globex_secrets,
        },
        Case {
            caller: "owner@northwind.example",
            endpoint: "workspaces",
            form: vec![],
            status: 200,
            must_not_contain: &["Globex", "Initech", "Acme"],
        },
        Case {
            caller: "owner@globex.example",
            endpoint: "login",
            form: vec![
                ("email", "owner@globex.example"),
                ("password", DEMO_PASSWORD),
            ],
            status: 200,
            must_not_contain: acme_secrets,
        },
        Case {
            caller: "owner@globex.example",
            endpoint: "logout",
            form: vec![],
            status: 200,
            must_not_contain: acme_secrets,
        },
    ];
    let gx = "owner@globex.example";
    let ini = "owner@initech.example";
    let long = "a-long-enough-password";
    let northwind_member = app
        .id_of(
            "SELECT c.id FROM contacts c JOIN users u ON u.id = c.user_id WHERE u.email_normalized = $1",
            "member@northwind.example",
        )
        .await
        .to_string();
    let nw_owner = app.signed_in("owner@northwind.example").await;
    let res = app
        .call(
            &nw_owner,
            "invite_contact",
            &[("email", "pending@northwind.example"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let northwind_invite = app
        .id_of(
            "SELECT id FROM invites WHERE email = $1",
            "pending@northwind.example",
        )
        .await
        .to_string();
    let acme_tag: i64 = sqlx::query_scalar(
        "INSERT INTO tags (program_id, name, created_at) SELECT id, 'secret-tag', 0 FROM programs WHERE slug = 'acme-partner-program' RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let acme_tag = acme_tag.to_string();
    let any_rule = r#"{"all":[]}"#;
    let acme_group = app
        .id_of(
            "SELECT g.id FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE p.slug = $1 AND g.name = 'Agencies'",
            "acme-partner-program",
        )
        .await
        .to_string();
    cases.extend([
        case(
            gx,
            "set_teammate_groups",
            vec![("teammate_id", &acme_teammate), ("groups[]", &acme_group)],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "set_teammate_groups",
            vec![("teammate_id", &acme_teammate)],
            403,
            acme_secrets,
        ),
    ]);
    cases.extend([
        case(
            gx,
            "partner",
            vec![("partnership_id", &acme_partnership)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "save_partner_notes",
            vec![("partnership_id", &acme_partnership), ("notes", "x")],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "partner",
            vec![("partnership_id", &acme_partnership)],
            403,
            acme_secrets,
        ),
    ]);
    cases.extend([
        case(
            gx,
            "partners",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(gx, "partners", vec![], 200, acme_secrets),
        case(
            gx,
            "structure",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "create_label",
            vec![("program", &acme_program), ("kind", "tag"), ("name", "x")],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "delete_label",
            vec![("kind", "tag"), ("id", &acme_tag)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "save_tier",
            vec![
                ("program", &acme_program),
                ("name", "T"),
                ("rank", "9"),
                ("metric", "paying_customers"),
                ("threshold", "1"),
            ],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "save_segment",
            vec![
                ("program", &acme_program),
                ("name", "S"),
                ("rule", any_rule),
            ],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "preview_segment",
            vec![("program", &acme_program), ("rule", any_rule)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "bulk_update_partners",
            vec![
                ("program", &acme_program),
                ("action", "suspend"),
                ("ids[]", &acme_partnership),
            ],
            404,
            acme_secrets,
        ),
        case(ini, "partners", vec![], 403, acme_secrets),
    ]);
    cases.extend([
        case(
            gx,
            "program_settings",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "save_program",
            vec![
                ("id", &acme_program),
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
            acme_secrets,
        ),
    ]);
    cases.extend([
        case(gx, "profile", vec![], 200, acme_secrets),
        case(
            gx,
            "update_name",
            vec![("name", "Greta G.")],
            200,
            acme_secrets,
        ),
        case(
            gx,
            "change_password",
            vec![
                ("current_password", "wrong-password-1"),
                ("new_password", long),
            ],
            400,
            acme_secrets,
        ),
        case(
            gx,
            "set_payout_details",
            vec![
                ("method", "paypal"),
                ("details", "gx@globex.example"),
                ("password", crate::common::DEMO_PASSWORD),
            ],
            403,
            acme_secrets,
        ),
        case(ini, "profile", vec![], 200, acme_secrets),
    ]);
    cases.extend([
        case(ini, "team", vec![], 200, acme_secrets),
        case(
            ini,
            "invite_contact",
            vec![("email", "member@northwind.example"), ("role", "member")],
            200,
            acme_secrets,
        ),
        case(
            ini,
            "revoke_contact_invite",
            vec![("invite_id", &northwind_invite)],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "change_contact_role",
            vec![("contact_id", &northwind_member), ("role", "admin")],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "remove_contact",
            vec![("contact_id", &northwind_member)],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "transfer_ownership",
            vec![("contact_id", &northwind_member)],
            404,
            acme_secrets,
        ),
        case(gx, "team", vec![], 403, acme_secrets),
    ]);
    cases.extend([
        case(gx, "teammates", vec![], 200, &["acme.example", "Manny"]),
        case(
            gx,
            "invite_teammate",
            vec![("email", "manager@acme.example"), ("role", "admin")],
            200,
            acme_secrets,
        ),
        case(
            gx,
            "revoke_invite",
            vec![("invite_id", &acme_invite)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "change_teammate_role",
            vec![("teammate_id", &acme_teammate), ("role", "read_only")],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "remove_teammate",
            vec![("teammate_id", &acme_teammate)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "applications",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "approve_application",
            vec![("partnership_id", &acme_partnership)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "reject_application",
            vec![("partnership_id", &acme_partnership), ("reason", "no")],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "approve_application",
            vec![("partnership_id", &acme_partnership)],
            403,
            acme_secrets,
        ),
        case(
            ini,
            "invite",
            vec![("token", "not-a-token")],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "accept_invite",
            vec![("token", "not-a-token"), ("name", "x"), ("password", long)],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "join_info",
            vec![("slug", "acme-partner-program")],
            200,
            &["Northwind", "29425"],
        ),
        case(
            ini,
            "apply",
            vec![
                ("slug", "acme-partner-program"),
                ("name", "I"),
                ("email", "owner@initech.example"),
                ("password", long),
                ("team_name", "Initech"),
                ("partner_type", "reseller"),
                ("website", ""),
                ("country", ""),
            ],
            400,
            acme_secrets,
        ),
    ]);
    let res = app
        .call(
            &acme_owner,
            "invite_partner",
            &[
                ("program", &acme_program),
                ("email", "prospect@example.com"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let acme_partner_invite = app
        .id_of(
            "SELECT id FROM invites WHERE email = $1",
            "prospect@example.com",
        )
        .await
        .to_string();
    let acme_segment = app
        .id_of("SELECT id FROM segments WHERE name = $1", "VIP partners")
        .await
        .to_string();
    cases.extend([
        case(
            gx,
            "invite_partner",
            vec![("program", &acme_program), ("email", "x@example.com")],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "revoke_partner_invite",
            vec![("invite_id", &acme_partner_invite)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "rename_label",
            vec![("kind", "tag"), ("id", &acme_tag), ("name", "mine")],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "set_default_group",
            vec![("id", &acme_group)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "delete_label",
            vec![("kind", "segment"), ("id", &acme_segment)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "structure",
            vec![("segment", &acme_segment)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "join_with_team",
            vec![("slug", "acme-partner-program")],
            403,
            acme_secrets,
        ),
    ]);
    let acme_lead = app
        .id_of(
            "SELECT id FROM leads WHERE company_name = $1",
            "Blue Yonder Airlines",
        )
        .await
        .to_string();
    cases.extend([
        case(
            gx,
            "register_lead",
            vec![
                ("company", "X"),
                ("contact_name", ""),
                ("email", "x@x.example"),
                ("domain", ""),
                ("notes", ""),
            ],
            403,
            acme_secrets,
        ),
        case(
            ini,
            "register_lead",
            vec![
                ("company", "Contoso"),
                ("contact_name", ""),
                ("email", "x@contoso.example"),
                ("domain", ""),
                ("notes", ""),
            ],
            200,
            acme_secrets,
        ),
        case(ini, "partner_leads", vec![], 200, acme_secrets),
        case(ini, "partner_customers", vec![], 200, acme_secrets),
        case(ini, "vendor_leads", vec![], 403, acme_secrets),
        case(
            gx,
            "vendor_leads",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(gx, "vendor_leads", vec![], 200, acme_secrets),
        case(gx, "vendor_customers", vec![], 200, acme_secrets),
        case(
            gx,
            "vendor_customers",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(ini, "vendor_customers", vec![], 403, acme_secrets),
        case(
            gx,
            "pass_lead",
            vec![
                ("partnership_id", &acme_partnership),
                ("company", "X"),
                ("contact_name", ""),
                ("email", "x@x.example"),
                ("domain", ""),
                ("notes", ""),
            ],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "repass_lead",
            vec![("lead_id", &acme_lead), ("partner_key", "initech-55b1")],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "answer_lead",
            vec![("lead_id", &acme_lead), ("action", "take")],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "decide_lead",
            vec![("lead_id", &acme_lead), ("action", "accept")],
            404,
            acme_secrets,
        ),
    ]);
    let acme_deal = app
        .id_of(
            "SELECT id FROM deals WHERE name = $1",
            "Blue Yonder analytics rollout",
        )
        .await
        .to_string();
    let acme_customer = app
        .id_of("SELECT id FROM customers WHERE name = $1", "Contoso Retail")
        .await
        .to_string();
    let deal_form = vec![
        ("company", "Initech Deal"),
        ("domain", "initech-deal.example"),
        ("amount", "100"),
        ("expected_close", "2099-01-01"),
        ("motion", "cosell"),
    ];
    cases.extend([
        case(ini, "register_deal", deal_form.clone(), 200, acme_secrets),
        case(gx, "register_deal", deal_form, 403, acme_secrets),
        case(ini, "partner_deals", vec![], 200, acme_secrets),
        case(ini, "vendor_deals", vec![], 403, acme_secrets),
        case(gx, "vendor_deals", vec![], 200, acme_secrets),
        case(
            gx,
            "vendor_deals",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "decide_deal",
            vec![("deal_id", &acme_deal), ("action", "approve")],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "decide_deal",
            vec![("deal_id", &acme_deal), ("action", "approve")],
            403,
            acme_secrets,
        ),
        case(
            ini,
            "advance_deal",
            vec![("deal_id", &acme_deal)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "assign_deal_rep",
            vec![("deal_id", &acme_deal), ("rep", "")],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "vendor_customer",
            vec![("id", &acme_customer)],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "vendor_customer",
            vec![("id", &acme_customer)],
            403,
            acme_secrets,
        ),
        case(
            ini,
            "import_partner_leads",
            vec![("csv", "company,email\nImported,x@imported.example\n")],
            200,
            acme_secrets,
        ),
        case(
            gx,
            "import_vendor_leads",
            vec![
                ("program", &acme_program),
                (
                    "csv",
                    "company,email,partner_key\nX,x@x.example,northwind-3f7a\n",
                ),
            ],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "import_vendor_leads",
            vec![(
                "csv",
                "company,email,partner_key\nX,x@x.example,lakeside-2c9d\n",
            )],
            200,
            acme_secrets,
        ),
        case(
            ini,
            "import_vendor_leads",
            vec![("csv", "company,email\n")],
            403,
            acme_secrets,
        ),
        case(
            gx,
            "add_lead_field",
            vec![
                ("group_id", &acme_group),
                ("label", "Industry"),
                ("kind", "text"),
            ],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "remove_lead_field",
            vec![("group_id", &acme_group), ("key", "industry")],
            404,
            acme_secrets,
        ),
        case(gx, "suggest_partners", vec![], 200, acme_secrets),
        case(
            gx,
            "suggest_partners",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(ini, "suggest_partners", vec![], 403, acme_secrets),
    ]);
    let acme_reward = app
        .id_of(
            "SELECT MIN(r.id) FROM rewards r JOIN programs p ON p.id = r.program_id WHERE p.slug = $1",
            "acme-partner-program",
        )
        .await
        .to_string();
    let acme_payout = app
        .id_of(
            "SELECT MIN(o.id) FROM payouts o JOIN programs p ON p.id = o.program_id WHERE p.slug = $1",
            "acme-partner-program",
        )
        .await
        .to_string();
    let acme_key: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (program_id, name, prefix, key_hash, created_by_user_id, created_at) \
         SELECT p.id, 'Acme billing', 'pp_acmekey00000', 'x', u.id, 0 FROM programs p, users u \
         WHERE p.slug = 'acme-partner-program' AND u.email_normalized = 'owner@acme.example' RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let acme_key = acme_key.to_string();
    let offer_form = vec![
        ("program", acme_program.as_str()),
        ("name", "Sneaky"),
        ("event", "transaction_created"),
        ("payout_kind", "percent"),
        ("payout_value", "50"),
        ("target[]", "everyone"),
    ];
    let mut simulate_form = offer_form.clone();
    simulate_form.push(("intent", "simulate"));
    cases.extend([
        case(gx, "offers", vec![], 200, acme_secrets),
        case(
            gx,
            "offers",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(ini, "offers", vec![], 403, acme_secrets),
        case(gx, "save_offer", offer_form.clone(), 404, acme_secrets),
        case(ini, "save_offer", offer_form, 403, acme_secrets),
        case(gx, "save_offer", simulate_form, 404, acme_secrets),
        case(gx, "api_keys", vec![], 200, acme_secrets),
        case(
            gx,
            "api_keys",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(ini, "api_keys", vec![], 403, acme_secrets),
        case(
            gx,
            "create_api_key",
            vec![("program", &acme_program), ("name", "x")],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "revoke_api_key",
            vec![("key_id", &acme_key)],
            404,
            acme_secrets,
        ),
        case(gx, "vendor_rewards", vec![], 200, acme_secrets),
        case(
            gx,
            "vendor_rewards",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(ini, "vendor_rewards", vec![], 403, acme_secrets),
        case(
            gx,
            "review_reward",
            vec![("reward_id", &acme_reward), ("action", "approve")],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "review_reward",
            vec![("reward_id", &acme_reward), ("action", "approve")],
            403,
            acme_secrets,
        ),
        case(
            gx,
            "add_manual_reward",
            vec![
                ("program", &acme_program),
                ("partner_key", "northwind-7f3a"),
                ("amount", "10"),
                ("reason", "x"),
            ],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "record_transaction",
            vec![
                ("program", &acme_program),
                ("customer", "cus_1001"),
                ("kind", "payment"),
                ("amount", "10"),
                ("transaction_key", "sneaky"),
            ],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "record_transaction",
            vec![
                ("program", &acme_program),
                ("customer", "cus_1001"),
                ("kind", "payment"),
                ("amount", "10"),
            ],
            403,
            acme_secrets,
        ),
        case(gx, "vendor_transactions", vec![], 200, acme_secrets),
        case(
            gx,
            "vendor_transactions",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(ini, "vendor_transactions", vec![], 403, acme_secrets),
        case(
            gx,
            "bulk_review_rewards",
            vec![
                ("program", &acme_program),
                ("action", "approve"),
                ("ids[]", &acme_reward),
            ],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "bulk_review_rewards",
            vec![
                ("program", &acme_program),
                ("action", "approve"),
                ("ids[]", &acme_reward),
            ],
            403,
            acme_secrets,
        ),
        case(gx, "vendor_payouts", vec![], 200, acme_secrets),
        case(
            gx,
            "vendor_payouts",
            vec![("program", &acme_program)],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "update_payout",
            vec![("payout_id", &acme_payout), ("status", "processing")],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "update_payout",
            vec![("payout_id", &acme_payout), ("status", "processing")],
            403,
            acme_secrets,
        ),
        case(ini, "partner_earnings", vec![], 200, acme_secrets),
        case(gx, "partner_earnings", vec![], 403, acme_secrets),
        case(gx, "cash_out", vec![], 403, acme_secrets),
        case(
            gx,
            "vendor_reward",
            vec![("reward_id", &acme_reward)],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "partner_reward",
            vec![("reward_id", &acme_reward)],
            404,
            acme_secrets,
        ),
    ]);
    let acme_customer = app
        .id_of(
            "SELECT id FROM customers WHERE external_key = $1",
            "cus_1001",
        )
        .await
        .to_string();
    cases.extend([
        case(
            gx,
            "review_referral",
            vec![("customer", &acme_customer), ("decision", "approve")],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "review_referral",
            vec![("customer", &acme_customer), ("decision", "approve")],
            403,
            acme_secrets,
        ),
        case(
            gx,
            "create_link",
            vec![("name", "X"), ("destination", "")],
            403,
            acme_secrets,
        ),
        // Teammates don't turn partners' links off.
        case(
            gx,
            "set_link_enabled",
            vec![("link", "1"), ("turn", "off")],
            403,
            acme_secrets,
        ),
        // Initech's program allows no domain: another vendor's site is refused.
        case(
            ini,
            "create_link",
            vec![("name", "X"), ("destination", "https://www.acme.example/")],
            400,
            acme_secrets,
        ),
        case(
            gx,
            "select_program",
            vec![("program", &acme_program), ("current", "/vendor")],
            404,
            acme_secrets,
        ),
        case(
            ini,
            "select_program",
            vec![("program", &acme_program), ("current", "/partner")],
            404,
            acme_secrets,
        ),
    ]);
    // One-time set-password links: a token is the only key; another's is not found.
    fn tracking_form(program: &str) -> Vec<(&str, &str)> {
        vec![
            ("program", program),
            ("default_destination", ""),
            ("link_param_partner", "partner_key"),
            ("link_param_click", "click_id"),
            ("attribution_model", "last_click"),
        ]
    }
    cases.extend([
        case(
            gx,
            "save_tracking",
            tracking_form(&acme_program),
            404,
            acme_secrets,
        ),
        case(
            ini,
            "save_tracking",
            tracking_form(&acme_program),
            403,
            acme_secrets,
        ),
        case(
            gx,
            "password_link",
            vec![("token", "0123abcd")],
            404,
            acme_secrets,
        ),
        case(
            gx,
            "set_password",
            vec![("token", "0123abcd"), ("password", long)],
            404,
            acme_secrets,
        ),
    ]);
    for case in &cases {
        check(app, case).await;
    }
    // Sibling partner teams of one program see nothing of each other's.
    let northwind_reward = app
        .id_of(
            "SELECT MIN(r.id) FROM rewards r JOIN partnerships p ON p.id = r.partnership_id WHERE p.partner_key = $1",
            "northwind-7f3a",
        )
        .await
        .to_string();
    let northwind_deal = app
        .id_of(
            "SELECT MIN(d.id) FROM deals d JOIN partnerships p ON p.id = d.partnership_id WHERE p.partner_key = $1",
            "northwind-7f3a",
        )
        .await
        .to_string();
    let northwind_secrets: &[&str] = &["Northwind", "northwind-7f3a", "Nora"];
    let lakeside_secrets: &[&str] = &["Lakeside", "lakeside-2c9d"];
    let lk = "owner@lakeside.example";
    let siblings = [
        case(
            lk,
            "partner_reward",
            vec![("reward_id", &northwind_reward)],
            404,
            northwind_secrets,
        ),
        case(lk, "partner_dashboard", vec![], 200, northwind_secrets),
        case(lk, "partner_earnings", vec![], 200, northwind_secrets),
        case(lk, "partner_deals", vec![], 200, northwind_secrets),
        case(lk, "partner_leads", vec![], 200, northwind_secrets),
        case(lk, "partner_customers", vec![], 200, northwind_secrets),
        case(
            lk,
            "advance_deal",
            vec![("deal_id", &northwind_deal)],
            404,
            northwind_secrets,
        ),
        case(
            "owner@northwind.example",
            "team",
            vec![],
            200,
            lakeside_secrets,
        ),
    ];
    // A partner manager restricted to Resellers (Lakeside) meets Northwind (Agencies) nowhere.
    let resellers = app
        .id_of(
            "SELECT g.id FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE p.slug = $1 AND g.name = 'Resellers'",
            "acme-partner-program",
        )
        .await
        .to_string();
    let res = app
        .call(
            &acme_owner,
            "set_teammate_groups",
            &[("teammate_id", &acme_teammate), ("groups[]", &resellers)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let northwind_partnership = app.partnership_id("Northwind Agency").await;
    let mgr = "manager@acme.example";
    let restricted = [
        case(mgr, "vendor_overview", vec![], 200, northwind_secrets),
        case(mgr, "partners", vec![], 200, northwind_secrets),
        case(
            mgr,
            "partner",
            vec![("partnership_id", &northwind_partnership)],
            404,
            northwind_secrets,
        ),
        case(mgr, "vendor_rewards", vec![], 200, northwind_secrets),
        case(
            mgr,
            "vendor_reward",
            vec![("reward_id", &northwind_reward)],
            404,
            northwind_secrets,
        ),
        case(mgr, "vendor_payouts", vec![], 200, northwind_secrets),
        case(mgr, "vendor_transactions", vec![], 200, northwind_secrets),
        case(mgr, "vendor_deals", vec![], 200, northwind_secrets),
    ];
    for case in siblings.iter().chain(restricted.iter()) {
        check(app, case).await;
    }
    // Another company's payouts export, and the vendor API with another program's key.
    let globex = app.signed_in(gx).await;
    let csv = globex
        .get(app.url(&format!(
            "/vendor/payouts/export.csv?program={acme_program}"
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
    let globex_key: serde_json::Value = app
        .call(
            &globex,
            "create_api_key",
            &[("program", &globex_program), ("name", "Billing")],
        )
        .await
        .json()
        .await
        .unwrap();
    let globex_key = globex_key["key"].as_str().unwrap().to_owned();
    let acme_key: serde_json::Value = app
        .call(
            &acme_owner,
            "create_api_key",
            &[("program", &acme_program), ("name", "Billing")],
        )
        .await
        .json()
        .await
        .unwrap();
    let paid: serde_json::Value = reqwest::Client::new()
        .post(app.url("/api/v1/transactions"))
        .bearer_auth(acme_key["key"].as_str().unwrap())
        .json(&serde_json::json!({ "customer_key": "cus_1001", "amount": 1_000, "currency": "USD", "transaction_key": "acme-only" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let acme_transaction = paid["id"].as_i64().unwrap();
    let res = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/transactions/{acme_transaction}")))
        .bearer_auth(&globex_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let listed = reqwest::Client::new()
        .get(app.url("/api/v1/transactions"))
        .bearer_auth(&globex_key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listed.contains("cus_1001"), "{listed}");
    // The referral widget of another program's customer key shows that program's customer
    // only: Acme's customer cus_1001 is not Globex's.
    let widget: serde_json::Value = reqwest::Client::new()
        .post(app.url("/api/v1/referral_tokens"))
        .bearer_auth(&globex_key)
        .json(&serde_json::json!({ "customer_key": "cus_1001", "email": "cus1001@contoso.example", "name": "C" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = reqwest::Client::new()
        .get(widget["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    for secret in acme_secrets {
        assert!(!page.contains(secret), "the widget leaked {secret}");
    }
    // Every server function the portal serves is in the table.
    let served: std::collections::BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let tested: std::collections::BTreeSet<String> =
        cases.iter().map(|c| c.endpoint.to_owned()).collect();
    assert_eq!(
        served, tested,
        "server functions missing from the cross-tenant table"
    );
}

async fn cross_origin_posts_are_refused(app: &TestApp) {
    let client = app.client();
    let form = [("email", "owner@acme.example"), ("password", DEMO_PASSWORD)];
    let evil_origin = client
        .post(app.url("/api/login"))
        .header("origin", "http://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(evil_origin.status(), 403);
    let evil_referer = app
        .client_without_origin()
        .post(app.url("/api/login"))
        .header("referer", "http://evil.example/page")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(evil_referer.status(), 403);
    // Neither Origin nor Referer: a browser never does that on a post; refused.
    let bare = app
        .client_without_origin()
        .post(app.url("/api/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 403);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM sessions WHERE $1 = $1", "")
            .await,
        0,
        "nothing changed"
    );
    let same = client
        .post(app.url("/api/login"))
        .header("origin", app.base.as_str())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    // No state change on GET: server functions answer only POST.
    let get = client.get(app.url("/api/logout")).send().await.unwrap();
    assert_ne!(get.status(), 200);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM sessions WHERE $1 = $1", "")
            .await,
        1,
        "GET did not sign out"
    );
}

async fn login_limiter_answers_429(app: &TestApp) {
    let client = app.client();
    for _ in 0..5 {
        let res = app
            .call(
                &client,
                "login",
                &[
                    ("email", "finance@northwind.example"),
                    ("password", "wrong-password-123"),
                ],
            )
            .await;
        assert_eq!(res.status(), 401);
    }
    let res = app
        .call(
            &client,
            "login",
            &[
                ("email", "finance@northwind.example"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 429, "even the right password waits");
    let retry: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Other accounts are not locked out by it.
    app.signed_in("owner@northwind.example").await;
}

async fn workspace_picker_for_users_in_two_workspaces(app: &TestApp) {
    let user = app
        .id_of(
            "SELECT id FROM users WHERE email_normalized = $1",
            "owner@acme.example",
        )
        .await;
    let lakeside = app
        .id_of(
            "SELECT id FROM partner_teams WHERE name = $1",
            "Lakeside IT",
        )
        .await;
    sqlx::query("INSERT INTO contacts (partner_team_id, user_id, role, created_at) VALUES ($1, $2, 'member', 0)")
        .bind(lakeside)
        .bind(user)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let client = app.client();
    let res = app
        .call(
            &client,
            "login",
            &[("email", "owner@acme.example"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.headers()["location"], "/workspaces");
    assert_eq!(
        client
            .get(app.url("/vendor"))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "no workspace chosen yet"
    );
    let picker = client
        .get(app.url("/workspaces"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(picker.contains("Open Acme Analytics") && picker.contains("Open Lakeside IT"));
    let lakeside = lakeside.to_string();
    let res = app
        .call(
            &client,
            "select_workspace",
            &[("kind", "partner"), ("id", &lakeside)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/partner");
    let dashboard: Value = app
        .call(&client, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dashboard["team"], "Lakeside IT");
    assert_eq!(dashboard["viewer"]["can_switch"], true);
    assert_eq!(
        app.call(&client, "vendor_overview", &[]).await.status(),
        403,
        "the choice is remembered"
    );
    let bad = app
        .call(
            &client,
            "select_workspace",
            &[("kind", "admin"), ("id", "1")],
        )
        .await;
    assert_eq!(bad.status(), 400);
}

async fn every_change_writes_an_event(app: &TestApp) {
    let before = app
        .scalar("SELECT COUNT(*) FROM events WHERE $1 = $1", "")
        .await;
    let client = app.signed_in("owner@lakeside.example").await;
    app.call(&client, "logout", &[]).await;
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM events WHERE id > $1 ORDER BY id")
            .bind(before)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(kinds, ["session.created", "session.ended"]);
}

async fn limits_and_health(app: &TestApp) {
    let client = app.client();
    let res = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.text().await.unwrap(), "ok");
    let huge = "x".repeat(200 * 1024);
    // Its own connection: the server closes a connection whose oversized body it did not read.
    let res = app
        .client()
        .post(app.url("/api/login"))
        .form(&[("email", huge.as_str()), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let missing = client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let bad = app.call(&client, "login", &[("password", "x")]).await;
    assert_eq!(bad.status(), 400, "a missing field is a clear client error");
}

#[test]
fn migrations_are_the_same_versions_on_both_backends() {
    let (sqlite, postgres) = store::db::Db::migration_versions();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
    let names = |dir: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!(
            "{}/../migrations/{dir}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

/// The header's program switcher: the choice lives in the session, pages follow it, and a
/// partner team in two vendors' programs sees one vendor at a time.
async fn program_switcher_scopes_each_side(app: &TestApp) {
    let umbrella = app
        .id_of(
            "SELECT id FROM programs WHERE slug = $1",
            "umbrella-referral-program",
        )
        .await
        .to_string();
    let northwind = app.signed_in("owner@northwind.example").await;
    let dashboard: Value = app
        .call(&northwind, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    let choices = dashboard["viewer"]["programs"].as_array().unwrap();
    assert_eq!(choices.len(), 2, "{choices:?}");
    assert_eq!(
        dashboard["partnerships"].as_array().unwrap().len(),
        1,
        "one vendor at a time"
    );
    assert_eq!(dashboard["partnerships"][0]["vendor"], "Acme Analytics");

    let res = app
        .call(
            &northwind,
            "select_program",
            &[("program", &umbrella), ("current", "/partner/team?x=1")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/partner/team");
    let dashboard = app
        .call(&northwind, "partner_dashboard", &[])
        .await
        .text()
        .await
        .unwrap();
    let parsed: Value = serde_json::from_str(&dashboard).unwrap();
    assert_eq!(
        parsed["viewer"]["program"].as_i64().unwrap().to_string(),
        umbrella
    );
    assert_eq!(parsed["partnerships"][0]["vendor"], "Umbrella Health");
    for acme in [
        "Acme Partner Program\",",
        "northwind-7f3a",
        "Silver",
        "Agencies",
    ] {
        assert!(
            !dashboard.contains(acme),
            "Acme leaked into Umbrella: {acme}"
        );
    }
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "session.program_selected"
        )
        .await,
        1
    );

    // A vendor page follows the session's program; a stale choice falls back to the first.
    let owner = app.signed_in("owner@acme.example").await;
    let res = app
        .call(
            &owner,
            "save_program",
            &[
                ("name", "Acme Resellers"),
                ("slug", ""),
                ("currency", "EUR"),
                ("attribution_window_days", "60"),
                ("hold_days", "14"),
                ("min_cashout", "100"),
                ("signup_mode", "open"),
                ("allowed_domains", ""),
                ("terms", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let resellers = app
        .id_of("SELECT id FROM programs WHERE slug = $1", "acme-resellers")
        .await
        .to_string();
    let res = app
        .call(
            &owner,
            "select_program",
            &[
                ("program", &resellers),
                ("current", "/vendor/partners/12?sort=name"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/vendor/partners");
    let partners: Value = app
        .call(&owner, "partners", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(partners["program"]["name"], "Acme Resellers");
    assert_eq!(partners["rows"].as_array().unwrap().len(), 0);
    assert_eq!(
        partners["viewer"]["program"].as_i64().unwrap().to_string(),
        resellers
    );
    // The URL still wins over the session.
    let acme = app.acme_program_id().await.to_string();
    let partners: Value = app
        .call(&owner, "partners", &[("program", &acme)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(partners["program"]["name"], "Acme Partner Program");
    assert_eq!(
        partners["viewer"]["program"].as_i64().unwrap().to_string(),
        acme
    );
}
