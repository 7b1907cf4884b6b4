//! Teammates, invites and applications, on SQLite and PostgreSQL.

use crate::common::{DEMO_PASSWORD, TestApp};
use serde_json::Value;

on_both_backends!(
    invite_a_new_teammate,
    invites_refuse_bad_tokens,
    invite_an_existing_user,
    teammate_roles_follow_the_matrix,
    apply_and_get_approved,
    reject_with_a_reason,
    invite_only_programs_refuse_applications,
    invited_partners_join_invite_only_programs,
    a_partner_team_joins_a_second_vendor,
    partner_team_management,
    a_partner_team_edits_its_profile,
    profile_password_and_payout_details,
);

fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

async fn invite(app: &TestApp, by: &str, email: &str, role: &str) -> String {
    let client = app.signed_in(by).await;
    let res = app
        .call(
            &client,
            "invite_teammate",
            &[("email", email), ("role", role)],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let created: Value = res.json().await.unwrap();
    created["link"].as_str().unwrap().to_owned()
}

async fn invite_a_new_teammate(app: &TestApp) {
    let link = invite(
        app,
        "owner@acme.example",
        "New.Person@Acme.example",
        "finance",
    )
    .await;
    assert!(link.starts_with(&app.base), "{link}");
    assert!(link.contains("/invite/"));
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM emails WHERE to_email = $1",
            "new.person@acme.example"
        )
        .await,
        1
    );
    let token = token_of(&link);
    let visitor = app.client();
    let info: Value = app
        .call(&visitor, "invite", &[("token", &token)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["workspace_name"], "Acme Analytics");
    assert_eq!(info["role"], "Finance");
    assert!(info.get("account_exists").is_none(), "never said: {info}");
    assert!(info["problem"].is_null());

    let short = app
        .call(
            &visitor,
            "accept_invite",
            &[
                ("token", &token),
                ("name", "Nia New"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status(), 400);
    let error: Value = short.json().await.unwrap();
    assert_eq!(error["fields"][0][0], "password");
    assert_eq!(accounts_of(app, "new.person@acme.example").await, 0);

    let ok = app
        .call(
            &visitor,
            "accept_invite",
            &[
                ("token", &token),
                ("name", "Nia New"),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["location"], "/vendor");
    let overview: Value = app
        .call(&visitor, "vendor_overview", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview["role"], "Finance");

    let again = app
        .call(
            &app.client(),
            "accept_invite",
            &[
                ("token", &token),
                ("name", "Eve"),
                ("password", "another-long-password"),
            ],
        )
        .await;
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("already been used"));

    let owner = app.signed_in("owner@acme.example").await;
    let team: Value = app
        .call(&owner, "teammates", &[])
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = team["teammates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Nia New"), "{names:?}");
    assert!(
        team["invites"].as_array().unwrap().is_empty(),
        "the accepted invite is no longer pending"
    );
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM events WHERE kind LIKE 'invite.%' OR kind IN ('teammate.added', 'user.created') ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(kinds, ["invite.created", "user.created", "teammate.added"]);
}

async fn invites_refuse_bad_tokens(app: &TestApp) {
    let visitor = app.client();
    let unknown = app
        .call(
            &visitor,
            "accept_invite",
            &[
                ("token", "nope"),
                ("name", "X"),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(unknown.status(), 404);
    let link = invite(app, "owner@acme.example", "late@acme.example", "read_only").await;
    sqlx::query("UPDATE invites SET expires_at = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let expired = app
        .call(
            &visitor,
            "accept_invite",
            &[
                ("token", &token_of(&link)),
                ("name", "Late"),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(expired.status(), 400);
    assert!(expired.text().await.unwrap().contains("expired"));
    assert_eq!(accounts_of(app, "late@acme.example").await, 0);

    // A withdrawn invite is refused; another company cannot withdraw it.
    let link = invite(app, "owner@acme.example", "maybe@acme.example", "read_only").await;
    let invite_id = app
        .id_of(
            "SELECT id FROM invites WHERE email = $1 AND revoked_at IS NULL",
            "maybe@acme.example",
        )
        .await
        .to_string();
    let globex = app.signed_in("owner@globex.example").await;
    assert_eq!(
        app.call(&globex, "revoke_invite", &[("invite_id", &invite_id)])
            .await
            .status(),
        404
    );
    let owner = app.signed_in("owner@acme.example").await;
    assert_eq!(
        app.call(&owner, "revoke_invite", &[("invite_id", &invite_id)])
            .await
            .status(),
        200
    );
    let withdrawn = app
        .call(
            &visitor,
            "accept_invite",
            &[
                ("token", &token_of(&link)),
                ("name", "May"),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(withdrawn.status(), 400);
    assert!(withdrawn.text().await.unwrap().contains("withdrawn"));
}

async fn invite_an_existing_user(app: &TestApp) {
    let link = invite(
        app,
        "owner@acme.example",
        "owner@northwind.example",
        "read_only",
    )
    .await;
    let token = token_of(&link);
    let visitor = app.client();
    let info: Value = app
        .call(&visitor, "invite", &[("token", &token)])
        .await
        .json()
        .await
        .unwrap();
    assert!(info.get("account_exists").is_none(), "never said: {info}");
    // The link never takes a password: the account's owner signs in, then accepts.
    let guess = app
        .call(
            &visitor,
            "accept_invite",
            &[("token", &token), ("name", ""), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(guess.status(), 409);
    let owner = app.signed_in("owner@northwind.example").await;
    let ok = app
        .call(&owner, "accept_invite", &[("token", &token)])
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["location"], "/vendor");
    // Two workspaces now: signing in asks which one.
    let res = app
        .call(
            &app.client(),
            "login",
            &[
                ("email", "owner@northwind.example"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/workspaces");
}

async fn teammate_roles_follow_the_matrix(app: &TestApp) {
    let manager = app.signed_in("manager@acme.example").await;
    assert_eq!(
        app.call(
            &manager,
            "invite_teammate",
            &[("email", "x@acme.example"), ("role", "finance")]
        )
        .await
        .status(),
        403
    );
    let tech = app.signed_in("tech@acme.example").await;
    let team: Value = app
        .call(&tech, "teammates", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(team["can_manage"], false);
    assert!(team["invites"].as_array().unwrap().is_empty());

    let owner = app.signed_in("owner@acme.example").await;
    let team: Value = app
        .call(&owner, "teammates", &[])
        .await
        .json()
        .await
        .unwrap();
    let id_of = |email: &str| {
        team["teammates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["email"] == email)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string()
    };
    let me = id_of("owner@acme.example");
    let manager_id = id_of("manager@acme.example");
    let finance_id = id_of("finance@acme.example");
    let res = app
        .call(
            &owner,
            "change_teammate_role",
            &[("teammate_id", &me), ("role", "admin")],
        )
        .await;
    assert_eq!(res.status(), 400, "nobody changes their own role");
    assert_eq!(
        app.call(&owner, "remove_teammate", &[("teammate_id", &me)])
            .await
            .status(),
        400
    );
    let res = app
        .call(
            &owner,
            "change_teammate_role",
            &[("teammate_id", &manager_id), ("role", "admin")],
        )
        .await;
    assert_eq!(res.status(), 200);
    // The new admin manages teammates but cannot make owners.
    let admin = app.signed_in("manager@acme.example").await;
    let res = app
        .call(
            &admin,
            "change_teammate_role",
            &[("teammate_id", &finance_id), ("role", "owner")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .call(
            &admin,
            "change_teammate_role",
            &[("teammate_id", &me), ("role", "read_only")],
        )
        .await;
    assert_eq!(res.status(), 400, "only an owner changes an owner");
    assert_eq!(
        app.call(
            &admin,
            "change_teammate_role",
            &[("teammate_id", &finance_id), ("role", "read_only")]
        )
        .await
        .status(),
        200
    );
    // Read-only changes nothing.
    let read_only = app.signed_in("finance@acme.example").await;
    assert_eq!(
        app.call(
            &read_only,
            "remove_teammate",
            &[("teammate_id", &manager_id)]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.call(&admin, "remove_teammate", &[("teammate_id", &finance_id)])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(&read_only, "vendor_overview", &[]).await.status(),
        403,
        "a removed teammate loses access at once"
    );
    // Another company's teammate ids are not found.
    let globex = app.signed_in("owner@globex.example").await;
    assert_eq!(
        app.call(&globex, "remove_teammate", &[("teammate_id", &manager_id)])
            .await
            .status(),
        404
    );
    let changes: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM events WHERE kind = 'teammate.role_changed' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(
        changes[0].contains("\"before\":\"partner_manager\"")
            && changes[0].contains("\"after\":\"admin\""),
        "{changes:?}"
    );
}

async fn apply(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    team: &str,
) -> reqwest::Response {
    app.call(
        client,
        "apply",
        &[
            ("slug", "acme-partner-program"),
            ("name", "Pat Partner"),
            ("email", email),
            ("password", "a-long-enough-password"),
            ("team_name", team),
            ("partner_type", "agency"),
            ("website", "https://pat.example"),
            ("country", "nl"),
        ],
    )
    .await
}

/// How many accounts use the normalised `email`.
async fn accounts_of(app: &TestApp, email: &str) -> i64 {
    app.scalar(
        "SELECT COUNT(*) FROM users WHERE email_normalized = $1",
        email,
    )
    .await
}

/// [`apply`], then the visitor follows the emailed link: the account exists from then on.
async fn join_as_new(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    team: &str,
) -> reqwest::Response {
    let res = apply(app, client, email, team).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    app.confirm_signup(client, email).await
}

async fn apply_and_get_approved(app: &TestApp) {
    let visitor = app.client();
    let info: Value = app
        .call(&visitor, "join_info", &[("slug", "acme-partner-program")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["program"], "Acme Partner Program");
    assert_eq!(info["signup_mode"], "Approval");
    let bad = app
        .call(
            &visitor,
            "apply",
            &[
                ("slug", "acme-partner-program"),
                ("name", ""),
                ("email", "owner@acme.example"),
                ("password", "short"),
                ("team_name", "X"),
                ("partner_type", "spy"),
                ("website", "nope"),
                ("country", "Netherlands"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 400);
    let error: Value = bad.json().await.unwrap();
    let fields: Vec<&str> = error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[0].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "password",
            "team_name",
            "partner_type",
            "website",
            "country"
        ]
    );
    // The address has an account, and the form does not say so.

    // Nothing exists until the emailed link is followed.
    let res = apply(app, &visitor, "pat@pat.example", "Pat Agency").await;
    assert_eq!(res.status(), 200);
    let pending = res.text().await.unwrap();
    assert_eq!(accounts_of(app, "pat@pat.example").await, 0);
    assert_eq!(
        app.call(&visitor, "partner_dashboard", &[]).await.status(),
        401
    );
    let res = app.confirm_signup(&visitor, "pat@pat.example").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // The link works once.
    let again = app.confirm_signup(&app.client(), "pat@pat.example").await;
    assert_eq!(again.status(), 400);
    let dashboard: Value = app
        .call(&visitor, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dashboard["team"], "Pat Agency");
    assert_eq!(dashboard["partnerships"][0]["status"], "applied");
    assert_eq!(dashboard["partnerships"][0]["group"], "Default");

    let manager = app.signed_in("manager@acme.example").await;
    let page: Value = app
        .call(&manager, "applications", &[])
        .await
        .json()
        .await
        .unwrap();
    let apps = page["applications"].as_array().unwrap();
    let pat = apps
        .iter()
        .find(|a| a["partner_team"] == "Pat Agency")
        .expect("listed");
    assert_eq!(pat["contact_email"], "pat@pat.example");
    assert_eq!(pat["country"], "NL");
    let id = pat["partnership_id"].as_i64().unwrap().to_string();

    let tech = app.signed_in("tech@acme.example").await;
    assert_eq!(
        app.call(&tech, "approve_application", &[("partnership_id", &id)])
            .await
            .status(),
        403
    );
    let globex = app.signed_in("owner@globex.example").await;
    assert_eq!(
        app.call(&globex, "approve_application", &[("partnership_id", &id)])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.call(&manager, "approve_application", &[("partnership_id", &id)])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(&manager, "approve_application", &[("partnership_id", &id)])
            .await
            .status(),
        400,
        "already active"
    );
    let dashboard: Value = app
        .call(&visitor, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dashboard["partnerships"][0]["status"], "active");
    let payload: String = sqlx::query_scalar("SELECT payload FROM events WHERE kind = 'partnership.status_changed' ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        payload.contains("\"before\":\"applied\"") && payload.contains("\"after\":\"active\""),
        "{payload}"
    );
    // The same email makes no second account, and the answer is the one a new address got
    // (with the address as typed, normalised); the owner is told by email how to join.
    let again = apply(app, &app.client(), "PAT@pat.example", "Pat Again").await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.text().await.unwrap(), pending);
    assert_eq!(accounts_of(app, "pat@pat.example").await, 1);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM emails WHERE to_email = $1 AND kind = 'signup_existing'",
            "pat@pat.example"
        )
        .await,
        1
    );
}

async fn reject_with_a_reason(app: &TestApp) {
    let visitor = app.client();
    assert_eq!(
        join_as_new(app, &visitor, "rex@rex.example", "Rex Media")
            .await
            .status(),
        200
    );
    let id = app.partnership_id("Rex Media").await;
    let owner = app.signed_in("owner@acme.example").await;
    let empty = app
        .call(
            &owner,
            "reject_application",
            &[("partnership_id", &id), ("reason", "  ")],
        )
        .await;
    assert_eq!(empty.status(), 400);
    let res = app
        .call(
            &owner,
            "reject_application",
            &[
                ("partnership_id", &id),
                ("reason", "We only work with analytics resellers"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let dashboard: Value = app
        .call(&visitor, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dashboard["partnerships"][0]["status"], "rejected");
    assert_eq!(
        dashboard["partnerships"][0]["rejection_reason"],
        "We only work with analytics resellers"
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM emails WHERE to_email = $1 AND kind = 'application_rejected'",
            "rex@rex.example"
        )
        .await,
        1
    );
}

async fn invite_only_programs_refuse_applications(app: &TestApp) {
    sqlx::query("UPDATE programs SET signup_mode = 'invite_only'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let res = apply(app, &app.client(), "ivy@ivy.example", "Ivy").await;
    assert_eq!(res.status(), 403);
    assert_eq!(accounts_of(app, "ivy@ivy.example").await, 0);
    assert_eq!(
        app.call(&app.client(), "join_info", &[("slug", "no-such-program")])
            .await
            .status(),
        404
    );
}

async fn partner_team_management(app: &TestApp) {
    let member = app.signed_in("member@northwind.example").await;
    let res = app
        .call(
            &member,
            "invite_contact",
            &[("email", "x@northwind.example"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 403, "a member cannot invite");
    let team: Value = app.call(&member, "team", &[]).await.json().await.unwrap();
    assert_eq!(team["can_manage"], false);
    assert_eq!(
        team["contacts"].as_array().unwrap().len(),
        4,
        "members see the whole team"
    );
    let finance = app.signed_in("finance@northwind.example").await;
    assert_eq!(app.call(&finance, "team", &[]).await.status(), 200);

    let owner = app.signed_in("owner@northwind.example").await;
    let as_owner = app
        .call(
            &owner,
            "invite_contact",
            &[("email", "boss@northwind.example"), ("role", "owner")],
        )
        .await;
    assert_eq!(
        as_owner.status(),
        400,
        "ownership is transferred, never invited"
    );
    let res = app
        .call(
            &owner,
            "invite_contact",
            &[("email", "new@northwind.example"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let link: Value = res.json().await.unwrap();
    let token = token_of(link["link"].as_str().unwrap());
    let newcomer = app.client();
    let res = app
        .call(
            &newcomer,
            "accept_invite",
            &[
                ("token", &token),
                ("name", "Nell New"),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/partner");
    let dashboard: Value = app
        .call(&newcomer, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dashboard["team"], "Northwind Agency");
    assert_eq!(dashboard["role"], "Member");

    let team: Value = app.call(&owner, "team", &[]).await.json().await.unwrap();
    let id_of = |email: &str| {
        team["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["email"] == email)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string()
    };
    let (owner_id, admin_id, member_id) = (
        id_of("owner@northwind.example"),
        id_of("admin@northwind.example"),
        id_of("member@northwind.example"),
    );
    let admin = app.signed_in("admin@northwind.example").await;
    assert_eq!(
        app.call(
            &admin,
            "change_contact_role",
            &[("contact_id", &member_id), ("role", "finance")]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.call(&admin, "remove_contact", &[("contact_id", &owner_id)])
            .await
            .status(),
        400
    );
    assert_eq!(
        app.call(&admin, "transfer_ownership", &[("contact_id", &admin_id)])
            .await
            .status(),
        403
    );
    let initech = app.signed_in("owner@initech.example").await;
    assert_eq!(
        app.call(&initech, "remove_contact", &[("contact_id", &member_id)])
            .await
            .status(),
        404
    );

    assert_eq!(
        app.call(&owner, "transfer_ownership", &[("contact_id", &admin_id)])
            .await
            .status(),
        200
    );
    let owners = app.scalar("SELECT COUNT(*) FROM contacts c JOIN partner_teams t ON t.id = c.partner_team_id WHERE c.role = 'owner' AND t.name = $1", "Northwind Agency").await;
    assert_eq!(owners, 1, "exactly one owner");
    let team: Value = app.call(&admin, "team", &[]).await.json().await.unwrap();
    assert_eq!(team["your_role"], "Owner");
    assert_eq!(
        app.call(&owner, "transfer_ownership", &[("contact_id", &admin_id)])
            .await
            .status(),
        403,
        "no longer the owner"
    );
}

async fn profile_password_and_payout_details(app: &TestApp) {
    let laptop = app.signed_in("owner@northwind.example").await;
    let phone = app.signed_in("owner@northwind.example").await;
    let wrong = app
        .call(
            &laptop,
            "change_password",
            &[
                ("current_password", "nope-nope-nope"),
                ("new_password", "a-brand-new-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 400);
    let short = app
        .call(
            &laptop,
            "change_password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status(), 400);
    let ok = app
        .call(
            &laptop,
            "change_password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "a-brand-new-password"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        app.call(&laptop, "profile", &[]).await.status(),
        200,
        "this session stays"
    );
    assert_eq!(
        app.call(&phone, "profile", &[]).await.status(),
        401,
        "other sessions end"
    );
    let old = app
        .call(
            &app.client(),
            "login",
            &[
                ("email", "owner@northwind.example"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(old.status(), 401);

    // Payout details: owner only, password required, masked when read back and in the log.
    let finance = app.signed_in("finance@northwind.example").await;
    let form = [
        ("method", "bank_transfer"),
        ("details", "DE89 3704 0044 0532 0130 00"),
        ("password", DEMO_PASSWORD),
    ];
    assert_eq!(
        app.call(&finance, "set_payout_details", &form)
            .await
            .status(),
        403
    );
    let bad_password = [
        ("method", "bank_transfer"),
        ("details", "DE89 3704 0044 0532 0130 00"),
        ("password", DEMO_PASSWORD),
    ];
    assert_eq!(
        app.call(&laptop, "set_payout_details", &bad_password)
            .await
            .status(),
        400,
        "the old password no longer works"
    );
    let good = [
        ("method", "bank_transfer"),
        ("details", "DE89 3704 0044 0532 0130 00"),
        ("password", "a-brand-new-password"),
    ];
    assert_eq!(
        app.call(&laptop, "set_payout_details", &good)
            .await
            .status(),
        200
    );
    let profile: Value = app
        .call(&finance, "profile", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(profile["payout"]["masked_details"], "•••• 3000");
    assert_eq!(profile["payout"]["can_edit"], false);
    let body = app
        .call(&finance, "profile", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!body.contains("DE8937"), "{body}");
    let logged: String = sqlx::query_scalar(
        "SELECT payload FROM events WHERE kind = 'partner_team.payout_details_set'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        !logged.contains("DE8937") && logged.contains("3000"),
        "{logged}"
    );
    assert_eq!(
        app.call(&finance, "update_name", &[("name", "Faye F.")])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(&finance, "update_name", &[("name", " ")])
            .await
            .status(),
        400
    );
}

/// The token of a partner invite link (`.../join/<slug>?invite=<token>`).
fn program_token_of(link: &str) -> String {
    link.rsplit_once("invite=").unwrap().1.to_owned()
}

async fn invited_partners_join_invite_only_programs(app: &TestApp) {
    sqlx::query(
        "UPDATE programs SET signup_mode = 'invite_only' WHERE slug = 'acme-partner-program'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let program = app.acme_program_id().await.to_string();
    // Who may invite follows the matrix; partners already in the program are refused.
    let tech = app.signed_in("tech@acme.example").await;
    let res = app
        .call(
            &tech,
            "invite_partner",
            &[("program", &program), ("email", "ivy@ivy.example")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let manager = app.signed_in("manager@acme.example").await;
    let res: Value = app
        .call(
            &manager,
            "invite_partner",
            &[("program", &program), ("email", "member@northwind.example")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["fields"][0][0], "email", "{res}");
    // The invite may choose a group of the program, never another program's.
    let resellers = app.group_id("Acme Partner Program", "Resellers").await;
    let foreign = app.group_id("Globex Partners", "Resellers").await;
    let res = app
        .call(
            &manager,
            "invite_partner",
            &[
                ("program", &program),
                ("email", "ivy@ivy.example"),
                ("group", &foreign),
            ],
        )
        .await;
    assert_eq!(res.status(), 404);
    let created: Value = app
        .call(
            &manager,
            "invite_partner",
            &[
                ("program", &program),
                ("email", "Ivy@Ivy.example"),
                ("group", &resellers),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let link = created["link"].as_str().unwrap();
    assert!(
        link.contains("/join/acme-partner-program?invite="),
        "{link}"
    );
    let token = program_token_of(link);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM emails WHERE to_email = $1",
            "ivy@ivy.example"
        )
        .await,
        1,
        "the invite is queued as an email"
    );
    let pending: Value = app
        .call(&manager, "applications", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending["invites"][0]["email"], "ivy@ivy.example");

    // The signup page knows the invite; another address or a wrong token changes nothing.
    let visitor = app.client();
    let info: Value = app
        .call(
            &visitor,
            "join_info",
            &[("slug", "acme-partner-program"), ("invite", token.as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["invite_email"], "ivy@ivy.example");
    let info: Value = app
        .call(
            &visitor,
            "join_info",
            &[("slug", "acme-partner-program"), ("invite", "nope")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        info["invite_problem"]
            .as_str()
            .unwrap()
            .contains("not valid")
    );
    let mut form = vec![
        ("slug", "acme-partner-program"),
        ("name", "Ivy Ives"),
        ("email", "someone@else.example"),
        ("password", "a-long-enough-password"),
        ("team_name", "Ivy Digital"),
        ("partner_type", "agency"),
        ("website", ""),
        ("country", ""),
        ("invite", token.as_str()),
    ];
    let res = app.call(&visitor, "apply", &form).await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM partner_teams WHERE name = $1",
            "Ivy Digital"
        )
        .await,
        0
    );
    form[2].1 = "ivy@ivy.example";
    let res = app.call(&visitor, "apply", &form).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id WHERE t.name = $1 AND p.status = 'active'",
            "Ivy Digital"
        )
        .await,
        1,
        "invited partners start active"
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id \
             JOIN partner_groups g ON g.id = p.group_id WHERE t.name = $1 AND g.name = 'Resellers'",
            "Ivy Digital"
        )
        .await,
        1,
        "in the invite's group"
    );
    let dashboard: Value = app
        .call(&visitor, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dashboard["partnerships"][0]["status"], "active");
    // The invite works once.
    form[2].1 = "ivy2@ivy.example";
    form[6].1 = "Ivy Two";
    let res = app.call(&app.client(), "apply", &form).await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM partner_teams WHERE name = $1",
            "Ivy Two"
        )
        .await,
        0
    );

    // A withdrawn invite is refused too.
    let created: Value = app
        .call(
            &manager,
            "invite_partner",
            &[("program", &program), ("email", "zed@zed.example")],
        )
        .await
        .json()
        .await
        .unwrap();
    let invite_id = app
        .id_of("SELECT id FROM invites WHERE email = $1", "zed@zed.example")
        .await
        .to_string();
    let res = app
        .call(
            &manager,
            "revoke_partner_invite",
            &[("invite_id", &invite_id)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let zed = program_token_of(created["link"].as_str().unwrap());
    let res = app
        .call(
            &app.client(),
            "apply",
            &[
                ("slug", "acme-partner-program"),
                ("name", "Zed"),
                ("email", "zed@zed.example"),
                ("password", "a-long-enough-password"),
                ("team_name", "Zed Co"),
                ("partner_type", "agency"),
                ("website", ""),
                ("country", ""),
                ("invite", zed.as_str()),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    // Teammate invites cannot be withdrawn through the partner endpoint, nor the reverse.
    let owner = app.signed_in("owner@acme.example").await;
    app.call(
        &owner,
        "invite_teammate",
        &[("email", "t@acme.example"), ("role", "finance")],
    )
    .await;
    let teammate_invite = app
        .id_of("SELECT id FROM invites WHERE email = $1", "t@acme.example")
        .await
        .to_string();
    let res = app
        .call(
            &manager,
            "revoke_partner_invite",
            &[("invite_id", &teammate_invite)],
        )
        .await;
    assert_eq!(res.status(), 404);
}

async fn a_partner_team_joins_a_second_vendor(app: &TestApp) {
    sqlx::query("UPDATE programs SET signup_mode = 'open' WHERE slug = 'globex-partners'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Members may not commit the team; owners and admins may.
    let member = app.signed_in("member@northwind.example").await;
    let res = app
        .call(&member, "join_with_team", &[("slug", "globex-partners")])
        .await;
    assert_eq!(res.status(), 403);
    let admin = app.signed_in("admin@northwind.example").await;
    let info: Value = app
        .call(&admin, "join_info", &[("slug", "globex-partners")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["your_team"]["name"], "Northwind Agency");
    assert_eq!(info["your_team"]["already_in"], false);
    let res = app
        .call(&admin, "join_with_team", &[("slug", "globex-partners")])
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .call(&admin, "join_with_team", &[("slug", "globex-partners")])
        .await;
    assert_eq!(res.status(), 400, "once per program");
    // The session now works in the new program, and shows nothing of Acme there.
    let dashboard = app
        .call(&admin, "partner_dashboard", &[])
        .await
        .text()
        .await
        .unwrap();
    let parsed: Value = serde_json::from_str(&dashboard).unwrap();
    assert_eq!(parsed["partnerships"][0]["vendor"], "Globex");
    assert!(!dashboard.contains("northwind-7f3a"));
    assert_eq!(parsed["viewer"]["programs"].as_array().unwrap().len(), 3);
    // Globex sees the new partner; an invite-only program needs an invite addressed to you.
    let globex = app.signed_in("owner@globex.example").await;
    let partners = app
        .call(&globex, "partners", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(partners.contains("Northwind Agency"));
    sqlx::query(
        "UPDATE programs SET signup_mode = 'invite_only' WHERE slug = 'umbrella-referral-program'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let lake = app.signed_in("owner@lakeside.example").await;
    let res = app
        .call(
            &lake,
            "join_with_team",
            &[("slug", "umbrella-referral-program")],
        )
        .await;
    assert_eq!(res.status(), 403, "invite-only programs need an invite");
    sqlx::query(
        "UPDATE programs SET signup_mode = 'approval' WHERE slug = 'umbrella-referral-program'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let res = app
        .call(
            &lake,
            "join_with_team",
            &[("slug", "umbrella-referral-program")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM partnerships p JOIN programs pr ON pr.id = p.program_id WHERE pr.slug = $1 AND p.status = 'applied'",
            "umbrella-referral-program"
        )
        .await,
        1,
        "approval programs queue the team"
    );
}

/// The owner and admins edit the team's profile (checked as on the signup form); the vendor
/// sees the new name, type and website, and the partners table sorts by the new name.
async fn a_partner_team_edits_its_profile(app: &TestApp) {
    use crate::common::json_of;
    let form =
        |name: &'static str, kind: &'static str, site: &'static str, country: &'static str| {
            [
                ("team_name", name),
                ("partner_type", kind),
                ("website", site),
                ("country", country),
            ]
        };
    let member = app.signed_in("member@northwind.example").await;
    let team = json_of(app.call(&member, "team", &[]).await).await;
    assert_eq!(team["can_edit_profile"], false);
    assert_eq!(team["profile"]["name"], "Northwind Agency");
    let res = app
        .call(
            &member,
            "save_team_profile",
            &form("Northwind Two", "agency", "", ""),
        )
        .await;
    assert_eq!(res.status(), 403);

    let owner = app.signed_in("owner@northwind.example").await;
    let res = app
        .call(
            &owner,
            "save_team_profile",
            &form("N", "robot", "northwind", "Germany"),
        )
        .await;
    assert_eq!(res.status(), 400);
    let refused: Value = res.json().await.unwrap();
    let fields: Vec<&str> = refused["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[0].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["team_name", "partner_type", "website", "country"]);

    let res = app
        .call(
            &owner,
            "save_team_profile",
            &form(
                "Aardvark Partners",
                "msp",
                "https://northwind.example",
                "nl",
            ),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let team = json_of(app.call(&owner, "team", &[]).await).await;
    assert_eq!(team["profile"]["name"], "Aardvark Partners");
    assert_eq!(team["profile"]["partner_type"], "msp");
    assert_eq!(team["profile"]["country"], "NL");

    let vendor = app.signed_in("owner@acme.example").await;
    let northwind = app.partnership_id("Aardvark Partners").await;
    let detail = json_of(
        app.call(&vendor, "partner", &[("partnership_id", &northwind)])
            .await,
    )
    .await;
    assert_eq!(detail["partner_team"], "Aardvark Partners");
    assert_eq!(detail["kind"], "MSP");
    assert_eq!(detail["website"], "https://northwind.example");
    assert_eq!(
        detail["history"][0]["what"],
        "The team renamed itself from Northwind Agency"
    );
    let page = json_of(app.call(&vendor, "partners", &[("sort", "name")]).await).await;
    let names: Vec<&str> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partner_team"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.first(),
        Some(&"Aardvark Partners"),
        "sorted by the new name"
    );
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}
