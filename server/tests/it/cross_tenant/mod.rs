//! Every server function, called by users of other tenants: the status and the strings of the
//! other tenant that must never appear. One table per area (a file here, after the server
//! function modules of `app/src/api`), each its own test on its own server;
//! `every_server_function_is_in_a_table` fails when a server function is in none of them, so a
//! new server function must join the table of its area.
//!
//! The tenants of the demo data: the vendor companies Acme Analytics and Globex; the partner
//! teams Northwind, Lakeside and Brightside (Acme's partners) and Initech (Globex's).

use std::collections::BTreeSet;

use crate::common::TestApp;

mod applications;
mod email_templates;
mod leads_and_deals;
mod links_and_keys;
mod money;
mod notifications;
mod people;
mod structure;
mod triggers;
mod webhooks;
mod workspaces;

on_both_backends!(every_server_function_is_in_a_table);

/// Acme's strings that Globex's and Initech's people must never see.
pub const ACME_SECRETS: &[&str] = &["Northwind", "Lakeside", "Acme Partner Program", "29425"];
/// Globex's strings that Acme's and Northwind's people must never see.
pub const GLOBEX_SECRETS: &[&str] = &["Initech", "Globex Secret Lead", "Globex Partners", "77700"];
/// Northwind's strings that Lakeside, its sibling in Acme's program, and the Acme teammate
/// restricted to Lakeside's group must never see.
pub const NORTHWIND_SECRETS: &[&str] = &["Northwind", "northwind-7f3a", "Nora"];
/// Lakeside's strings that Northwind must never see.
pub const LAKESIDE_SECRETS: &[&str] = &["Lakeside", "lakeside-2c9d"];

/// The signing secret of Acme's webhook endpoint in [`Fixture`].
pub const ACME_WEBHOOK_SECRET: &str = "whsec_QWNtZVNpZ25pbmdTZWNyZXRGb3JUZXN0c09ubHkhIQ==";
/// Acme's strings with its webhook secret.
pub const ACME_HOOK_SECRETS: &[&str] = &[
    "Northwind",
    "Lakeside",
    "Acme Partner Program",
    "29425",
    ACME_WEBHOOK_SECRET,
    "hooks.acme.example",
];

/// Globex's owner (a vendor teammate of another company than Acme).
pub const GX: &str = "owner@globex.example";
/// Initech's owner (a partner of Globex, not of Acme).
pub const INI: &str = "owner@initech.example";
/// Lakeside's owner (a partner of Acme, as Northwind is).
pub const LK: &str = "owner@lakeside.example";
/// Acme's partner manager, restricted to the Resellers group by [`Fixture::load`].
pub const MGR: &str = "manager@acme.example";
/// A password long enough to pass the length rule.
pub const LONG_PASSWORD: &str = "a-long-enough-password";

pub struct Case<'a> {
    pub caller: &'a str,
    pub endpoint: &'a str,
    pub form: Vec<(&'a str, &'a str)>,
    pub status: u16,
    pub must_not_contain: &'a [&'a str],
}

pub fn case<'a>(
    caller: &'a str,
    endpoint: &'a str,
    form: Vec<(&'a str, &'a str)>,
    status: u16,
    must_not_contain: &'a [&'a str],
) -> Case<'a> {
    Case {
        caller,
        endpoint,
        form,
        status,
        must_not_contain,
    }
}

/// Calls the case's server function as its caller: the status it expects, and none of the
/// other tenant's strings in the answer.
pub async fn check(app: &TestApp, case: &Case<'_>) {
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

/// [`check`]s the cases one after the other, in their order.
pub async fn check_all(app: &TestApp, cases: &[Case<'_>]) {
    for case in cases {
        check(app, case).await;
    }
}

/// The ids (as form text) of the other tenants' things the cases aim at, resolved from the demo
/// data, and what the cases need beyond it: each area's test loads it on its own fresh server.
pub struct Fixture {
    pub globex_program: String,
    pub acme_company: String,
    /// Northwind's partner team.
    pub northwind: String,
    /// Brightside's partnership in Acme's program.
    pub acme_partnership: String,
    /// The teammate of manager@acme.example ([`MGR`]).
    pub acme_teammate: String,
    pub acme_program: String,
    /// A teammate invite of Acme's, still pending.
    pub acme_invite: String,
    /// The contact of member@northwind.example.
    pub northwind_member: String,
    /// A contact invite of Northwind's, still pending.
    pub northwind_invite: String,
    pub acme_tag: String,
    /// Acme's Agencies group.
    pub acme_group: String,
    /// A partner invite of Acme's program, still pending.
    pub acme_partner_invite: String,
    pub acme_segment: String,
    pub acme_lead: String,
    pub acme_deal: String,
    /// Contoso Retail (`cus_1001`), Northwind's customer in Acme's program.
    pub acme_customer: String,
    /// An API key of Acme's program.
    pub acme_key: String,
    pub acme_reward: String,
    pub acme_payout: String,
    pub northwind_reward: String,
    pub northwind_deal: String,
    pub northwind_partnership: String,
    /// A message in Acme's outbox (to Northwind's owner) whose sending failed.
    pub acme_email: String,
    /// The demo's trigger of Acme's program.
    pub acme_trigger: String,
    /// A webhook endpoint of Acme's program (turned off, so nothing is sent) and one of its
    /// deliveries.
    pub acme_webhook: String,
    pub acme_delivery: String,
    /// A notification of Northwind's owner, unread.
    pub northwind_notification: String,
}

/// Sends an invite through `endpoint` as `caller` (it must answer 200) and returns its id.
async fn invite(
    app: &TestApp,
    caller: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> String {
    let res = app.call(caller, endpoint, form).await;
    assert_eq!(res.status(), 200, "{endpoint}");
    let email = form
        .iter()
        .find(|(name, _)| *name == "email")
        .map(|(_, value)| *value)
        .expect("an invite has an email");
    app.id_of("SELECT id FROM invites WHERE email = $1", email)
        .await
        .to_string()
}

impl Fixture {
    /// Resolves the ids and sets up what the cases need: pending invites of Acme's and
    /// Northwind's, a tag and an API key of Acme's, and Acme's partner manager restricted to the
    /// Resellers group.
    pub async fn load(app: &TestApp) -> Fixture {
        let globex_program = app
            .id_of(
                "SELECT p.id FROM programs p JOIN companies c ON c.id = p.company_id WHERE c.name = $1",
                "Globex",
            )
            .await
            .to_string();
        let acme_company = app
            .id_of("SELECT id FROM companies WHERE name = $1", "Acme Analytics")
            .await
            .to_string();
        let northwind = app
            .id_of(
                "SELECT id FROM partner_teams WHERE name = $1",
                "Northwind Agency",
            )
            .await
            .to_string();
        let acme_partnership = app.partnership_id("Brightside Affiliates").await;
        let acme_teammate = app
            .id_of(
                "SELECT t.id FROM teammates t JOIN users u ON u.id = t.user_id WHERE u.email_normalized = $1",
                MGR,
            )
            .await
            .to_string();
        let acme_program = app.acme_program_id().await.to_string();
        let acme_owner = app.signed_in("owner@acme.example").await;
        let acme_invite = invite(
            app,
            &acme_owner,
            "invite_teammate",
            &[("email", "pending@acme.example"), ("role", "finance")],
        )
        .await;
        let northwind_member = app
            .id_of(
                "SELECT c.id FROM contacts c JOIN users u ON u.id = c.user_id WHERE u.email_normalized = $1",
                "member@northwind.example",
            )
            .await
            .to_string();
        let nw_owner = app.signed_in("owner@northwind.example").await;
        let northwind_invite = invite(
            app,
            &nw_owner,
            "invite_contact",
            &[("email", "pending@northwind.example"), ("role", "member")],
        )
        .await;
        let acme_tag: i64 = sqlx::query_scalar(
            "INSERT INTO tags (program_id, name, created_at) SELECT id, 'secret-tag', 0 FROM programs WHERE slug = 'acme-partner-program' RETURNING id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let acme_group = app
            .id_of(
                "SELECT g.id FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE p.slug = $1 AND g.name = 'Agencies'",
                "acme-partner-program",
            )
            .await
            .to_string();
        let acme_partner_invite = invite(
            app,
            &acme_owner,
            "invite_partner",
            &[
                ("program", &acme_program),
                ("email", "prospect@example.com"),
            ],
        )
        .await;
        let acme_segment = app
            .id_of("SELECT id FROM segments WHERE name = $1", "VIP partners")
            .await
            .to_string();
        let acme_lead = app
            .id_of(
                "SELECT id FROM leads WHERE company_name = $1",
                "Blue Yonder Airlines",
            )
            .await
            .to_string();
        let acme_deal = app
            .id_of(
                "SELECT id FROM deals WHERE name = $1",
                "Blue Yonder analytics rollout",
            )
            .await
            .to_string();
        let acme_customer = app
            .id_of(
                "SELECT id FROM customers WHERE external_key = $1",
                "cus_1001",
            )
            .await
            .to_string();
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
        let acme_webhook: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_endpoints (company_id, program_id, url, description, event_types, enabled, secret, \
             created_at, updated_at) SELECT p.company_id, p.id, 'https://hooks.acme.example/portal', \
             'Northwind CRM sync', '', 0, $1, 0, 0 FROM programs p WHERE p.slug = 'acme-partner-program' RETURNING id",
        )
        .bind(ACME_WEBHOOK_SECRET)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let acme_delivery: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (endpoint_id, event_type, msg_id, body, status, attempts, created_at) \
             VALUES ($1, 'webhook.test', 'msg_test_0', '{\"data\":\"Northwind\"}', 'delivered', 1, 0) RETURNING id",
        )
        .bind(acme_webhook)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let northwind_notification: i64 = sqlx::query_scalar(
            "INSERT INTO notifications (user_id, workspace_kind, workspace_id, kind, title, body, created_at) \
             SELECT u.id, 'partner', c.partner_team_id, 'deal_approved', 'Northwind news', 'northwind-7f3a', 0 \
             FROM users u JOIN contacts c ON c.user_id = u.id \
             WHERE u.email_normalized = 'owner@northwind.example' RETURNING id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
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
        // A partner manager restricted to Resellers (Lakeside) meets Northwind (Agencies)
        // nowhere: the cases of `MGR`.
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
        let acme_email = app
            .id_of(
                "SELECT MIN(id) FROM emails WHERE to_email = $1",
                "owner@northwind.example",
            )
            .await;
        sqlx::query("UPDATE emails SET status = 'failed' WHERE id = $1")
            .bind(acme_email)
            .execute(&app.db.pool)
            .await
            .unwrap();
        Fixture {
            globex_program,
            acme_company,
            northwind,
            acme_partnership,
            acme_teammate,
            acme_program,
            acme_invite,
            northwind_member,
            northwind_invite,
            acme_tag: acme_tag.to_string(),
            acme_group,
            acme_partner_invite,
            acme_segment,
            acme_lead,
            acme_deal,
            acme_customer,
            acme_key: acme_key.to_string(),
            acme_reward,
            acme_payout,
            northwind_reward,
            northwind_deal,
            northwind_partnership,
            acme_email: acme_email.to_string(),
            acme_trigger: app
                .id_of(
                    "SELECT id FROM triggers WHERE name = $1",
                    "Welcome approved partners",
                )
                .await
                .to_string(),
            acme_webhook: acme_webhook.to_string(),
            acme_delivery: acme_delivery.to_string(),
            northwind_notification: northwind_notification.to_string(),
        }
    }
}

/// Every server function the portal serves is in the table of an area, and every endpoint
/// there is served. Builds the tables without calling their endpoints.
async fn every_server_function_is_in_a_table(app: &TestApp) {
    let fx = Fixture::load(app).await;
    let tables = [
        workspaces::cases(&fx),
        people::cases(&fx),
        structure::cases(&fx),
        leads_and_deals::cases(&fx),
        money::cases(&fx),
        applications::cases(&fx),
        links_and_keys::cases(&fx),
        triggers::cases(&fx),
        webhooks::cases(&fx),
        notifications::cases(&fx),
        email_templates::cases(&fx),
    ];
    let tested: BTreeSet<&str> = tables.iter().flatten().map(|c| c.endpoint).collect();
    let served: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let served: BTreeSet<&str> = served.iter().map(String::as_str).collect();
    let missing: Vec<&str> = served.difference(&tested).copied().collect();
    let extra: Vec<&str> = tested.difference(&served).copied().collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "server functions missing from the cross-tenant tables: {missing:?}; \
         endpoints in the tables that the portal does not serve: {extra:?}"
    );
}
