//! Joining a program through its public page, and teammates deciding on applications.

use leptos::prelude::*;

use crate::dto::{ApplicationsPage, JoinInfo};
use crate::error::AppError;

/// The public facts of a program's signup page; with an invite token, whether it is good and
/// for whom; for a signed-in partner contact, the team they could join with.
#[server(prefix = "/api", endpoint = "join_info")]
pub async fn fetch_join_info(slug: String, invite: Option<String>) -> Result<JoinInfo, AppError> {
    use crate::server::{endpoint, identity, joining, state};
    use domain::permissions::{ContactPermission, ContactRole};
    use domain::workspace::WorkspaceKind;
    use sqlx::Row;

    endpoint(async move {
        let state = state()?;
        let program = joining::program_by_slug(&state.db, &slug).await?;
        let (invite_email, invite_problem) = match joining::program_invite(&state.db, &program, invite.as_deref()).await {
            Ok(found) => (found.map(|i| i.email), None),
            Err(e) if e.status < 500 => (None, Some(e.message)),
            Err(e) => return Err(e),
        };
        // A signed-in partner owner or admin may join with the team they are in.
        let mut your_team = None;
        if let Some(me) = identity()
            && let Some((WorkspaceKind::Partner, team_id)) = me.workspace
        {
            let row = sqlx::query(
                "SELECT t.name, c.role, (SELECT COUNT(*) FROM partnerships p WHERE p.partner_team_id = t.id AND p.program_id = $3) \
                 FROM contacts c JOIN partner_teams t ON t.id = c.partner_team_id WHERE c.partner_team_id = $1 AND c.user_id = $2",
            )
            .bind(team_id)
            .bind(me.user_id)
            .bind(program.id)
            .fetch_optional(&state.db.pool)
            .await?;
            if let Some(row) = row {
                let role: String = row.try_get(1)?;
                let already: i64 = row.try_get(2)?;
                if ContactRole::parse(&role).is_ok_and(|r| r.can(ContactPermission::JoinPrograms)) {
                    your_team = Some(crate::dto::YourTeam { name: row.try_get(0)?, already_in: already > 0 });
                }
            }
        }
        Ok(JoinInfo {
            program: program.name,
            company: program.company,
            signup_mode: program.mode,
            terms: program.terms,
            invite_email,
            invite_problem,
            your_team,
        })
    })
    .await
}

/// A visitor creates their account and partner team and applies. Open programs (and invited
/// partners) start active at once; approval programs queue it for a teammate.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "apply")]
pub async fn apply_to_program(
    slug: String,
    name: String,
    email: String,
    password: String,
    team_name: String,
    partner_type: String,
    website: String,
    country: String,
    invite: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{db::now_ms, endpoint, joining, session, state};
    use domain::program::validate_application;
    use domain::workspace::WorkspaceKind;

    endpoint(async move {
        let state = state()?;
        let program = joining::program_by_slug(&state.db, &slug).await?;
        let invite = joining::program_invite(&state.db, &program, invite.as_deref()).await?;
        // Refused before anything is checked or created.
        program.mode.status_on_apply(invite.is_some()).map_err(|e| AppError::new(403, e.0))?;

        let mut fields = Vec::new();
        let name = domain::invite::validate_person_name(&name).map_err(|e| fields.push(("name", e.0))).ok();
        let email = domain::identity::normalize_email(&email).map_err(|e| fields.push(("email", e.0))).ok();
        if let (Some(invite), Some(email)) = (&invite, &email)
            && &invite.email != email
        {
            fields.push(("email", format!("This invite is for {}; sign up with that address", invite.email)));
        }
        if let Err(e) = domain::identity::check_new_password(&password) {
            fields.push(("password", e.0));
        }
        let application = validate_application(&team_name, &partner_type, &website, &country)
            .map_err(|errors| fields.extend(errors))
            .ok();
        if let Some(email) = &email {
            crate::server::throttle::check(
                &state.db,
                &[(domain::throttle::ACCOUNT_SIGNUPS_PER_ADDRESS, &super::auth::client_ip())],
                "Too many signups from your network.",
            )
            .await?;
            let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_normalized = $1")
                .bind(email)
                .fetch_one(&state.db.pool)
                .await?;
            if taken > 0 {
                fields.push(("email", "An account with this email already exists. Sign in, then join with your team.".into()));
            }
        }
        let (Some(name), Some(email), Some(application), true) = (name, email, application, fields.is_empty()) else {
            return Err(AppError::invalid_fields(fields));
        };
        let hash = state.hasher.hash(&password).await.map_err(AppError::internal)?;

        let now = now_ms();
        let mut tx = state.db.begin().await?;
        let user_id = crate::server::membership::create_user(
            &mut tx,
            &email,
            &name,
            &hash,
            Some(program.company_id),
            serde_json::json!({ "via": "signup", "program_id": program.id }),
        )
        .await?;
        let team_id: i64 = sqlx::query_scalar(
            "INSERT INTO partner_teams (name, kind, country, website, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&application.team_name)
        .bind(application.partner_type.as_str())
        .bind(&application.country)
        .bind(&application.website)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO contacts (partner_team_id, user_id, role, created_at, referral_code) VALUES ($1, $2, 'owner', $3, $4)")
            .bind(team_id)
            .bind(user_id)
            .bind(now)
            .bind(crate::server::contacts::new_referral_code())
            .execute(&mut *tx)
            .await?;
        joining::join(&mut tx, &program, team_id, &application.team_name, user_id, invite.as_ref()).await?;
        let token = session::create(&mut tx, user_id, Some((WorkspaceKind::Partner, team_id))).await?;
        sqlx::query("UPDATE sessions SET program_id = $1 WHERE token_hash = $2")
            .bind(program.id)
            .bind(session::hash_token(&token))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        super::auth::set_cookie(&session::cookie(&token, state.config.secure_cookies));
        leptos_axum::redirect(WorkspaceKind::Partner.home());
        Ok(())
    })
    .await
}

/// A signed-in partner owner or admin joins the program with their team (a team can be a
/// partner of several vendors). With an invite, it must be addressed to them.
#[server(prefix = "/api", endpoint = "join_with_team")]
pub async fn join_with_team(slug: String, invite: Option<String>) -> Result<(), AppError> {
    use crate::server::{endpoint, joining, require_contact, session};
    use domain::permissions::ContactPermission;
    use domain::workspace::WorkspaceKind;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::JoinPrograms).await?;
        let program = joining::program_by_slug(&state.db, &slug).await?;
        let invite = joining::program_invite(&state.db, &program, invite.as_deref()).await?;
        if let Some(invite) = &invite
            && domain::identity::normalize_email(&me.identity.email)
                .ok()
                .as_ref()
                != Some(&invite.email)
        {
            return Err(AppError::new(
                403,
                format!(
                    "This invite is for {}. Sign in as that person to use it.",
                    invite.email
                ),
            ));
        }
        let mut tx = state.db.begin().await?;
        joining::join(
            &mut tx,
            &program,
            me.partner_team_id,
            &me.partner_team_name,
            me.identity.user_id,
            invite.as_ref(),
        )
        .await?;
        session::set_program(&mut tx, &me.identity, None, program.id).await?;
        tx.commit().await?;
        leptos_axum::redirect(WorkspaceKind::Partner.home());
        Ok(())
    })
    .await
}

/// A teammate invites a partner by email into a program: the way into invite-only programs,
/// and a skip of the approval queue elsewhere. Returns the link to share.
#[server(prefix = "/api", endpoint = "invite_partner")]
pub async fn invite_partner(
    program: i64,
    email: String,
) -> Result<crate::dto::InviteCreated, AppError> {
    use crate::server::invites::{NewInvite, create};
    use crate::server::{authz::public_origin, endpoint, require_teammate};
    use domain::invite::InviteKind;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApplications).await?;
        let program = crate::server::authz::program(program)?;
        let email = domain::identity::normalize_email(&email).map_err(|e| AppError::invalid_fields(vec![("email", e.0)]))?;
        let already: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM partnerships p JOIN contacts c ON c.partner_team_id = p.partner_team_id \
             JOIN users u ON u.id = c.user_id WHERE p.program_id = $1 AND u.email_normalized = $2",
        )
        .bind(program.id)
        .bind(&email)
        .fetch_one(&state.db.pool)
        .await?;
        if already > 0 {
            return Err(AppError::invalid_fields(vec![("email", format!("{email} is already a partner in {}", program.name))]));
        }
        let slug: String = sqlx::query_scalar("SELECT slug FROM programs WHERE id = $1").bind(program.id).fetch_one(&state.db.pool).await?;
        let landing = format!("/join/{slug}?invite=");
        let mut tx = state.db.begin().await?;
        let link = create(
            &mut tx,
            NewInvite {
                kind: InviteKind::Partner,
                company_id: Some(me.company_id),
                partner_team_id: None,
                program_id: Some(program.id),
                email: &email,
                role: "owner",
                role_label: "a partner",
                workspace_name: &program.name,
                invited_by: &me.identity,
                origin: &public_origin(&state),
                landing: &landing,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(crate::dto::InviteCreated { email, link })
    })
    .await
}

/// Withdraws a pending partner invite of one of the company's programs.
#[server(prefix = "/api", endpoint = "revoke_partner_invite")]
pub async fn revoke_partner_invite(invite_id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, invites, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApplications).await?;
        let mut tx = state.db.begin().await?;
        invites::revoke(
            &mut tx,
            invite_id,
            invites::Owner::Programs(me.company_id),
            &me.identity,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Applications waiting for a decision in one of the company's programs, oldest first.
#[server(prefix = "/api", endpoint = "applications")]
pub async fn fetch_applications(
    program: Option<i64>,
    after: Option<i64>,
) -> Result<ApplicationsPage, AppError> {
    use crate::dto::ApplicationRow;
    use crate::server::{endpoint, require_teammate, viewer};
    use domain::partnership::PartnershipStatus;
    use domain::permissions::Permission;
    use sqlx::Row;

    const PAGE: i64 = 25;
    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let selected = crate::server::authz::current_program(program)?;
        let mut applications = Vec::new();
        let mut next_after = None;
        if let Some(program) = &selected {
            // The limit is written into the text (see the `store::db` module: bound limits re-plan).
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT p.id, t.name, t.kind, t.website, t.country, p.joined_at, p.group_id, \
                 (SELECT u.name FROM contacts c JOIN users u ON u.id = c.user_id WHERE c.partner_team_id = t.id AND c.role = 'owner' ORDER BY c.id LIMIT 1), \
                 (SELECT u.email FROM contacts c JOIN users u ON u.id = c.user_id WHERE c.partner_team_id = t.id AND c.role = 'owner' ORDER BY c.id LIMIT 1) \
                 FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id \
                 WHERE p.program_id = $1 AND p.status = $2 AND p.id > $3 ORDER BY p.id LIMIT {}",
                PAGE + 1
            )))
            .bind(program.id)
            .bind(PartnershipStatus::Applied.as_str())
            .bind(after.unwrap_or(0))
            .fetch_all(&state.db.pool)
            .await?;
            let allowed = me.allowed_groups.clone();
            for r in rows {
                let group_id: i64 = r.try_get(6)?;
                if allowed.as_ref().is_some_and(|groups| !groups.contains(&group_id)) {
                    continue;
                }
                let kind: String = r.try_get(2)?;
                applications.push(ApplicationRow {
                    partnership_id: r.try_get(0)?,
                    partner_team: r.try_get(1)?,
                    kind: domain::program::partner_type_label(&kind),
                    website: r.try_get(3)?,
                    country: r.try_get(4)?,
                    applied_at: r.try_get(5)?,
                    contact_name: r.try_get::<Option<String>, _>(7)?.unwrap_or_default(),
                    contact_email: r.try_get::<Option<String>, _>(8)?.unwrap_or_default(),
                });
            }
            if applications.len() as i64 > PAGE {
                applications.truncate(PAGE as usize);
                next_after = applications.last().map(|a| a.partnership_id);
            }
        }
        let can_decide = me.role.can(Permission::ManageApplications);
        let invites = match (&selected, can_decide) {
            (Some(p), true) => crate::server::invites::pending(&state.db, crate::server::invites::Owner::Programs(me.company_id), Some(p.id)).await?,
            _ => Vec::new(),
        };
        Ok(ApplicationsPage {
            invites,
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            can_decide: me.role.can(Permission::ManageApplications),
            applications,
            next_after,
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "approve_application")]
pub async fn approve_application(partnership_id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, partnerships, require_teammate};
    use domain::partnership::PartnershipStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApplications).await?;
        let allowed = me.allowed_groups.clone();
        let mut tx = state.db.begin().await?;
        let loaded = partnerships::load(&mut tx, &me, allowed.as_deref(), partnership_id).await?;
        partnerships::set_status(&mut tx, &me, &loaded, PartnershipStatus::Active, None).await?;
        if loaded.status == PartnershipStatus::Applied {
            crate::server::rewards::reward_join(
                &mut tx,
                loaded.program_id,
                loaded.id,
                Some(me.identity.user_id),
                crate::server::db::now_ms(),
            )
            .await?;
        }
        partnerships::email_team_owners(
            &mut tx,
            loaded.partner_team_id,
            &format!("Welcome to {}", loaded.program),
            &format!(
                "{} approved your application to {}. Sign in to get started.",
                me.company_name, loaded.program
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "reject_application")]
pub async fn reject_application(partnership_id: i64, reason: String) -> Result<(), AppError> {
    use crate::server::{endpoint, partnerships, require_teammate};
    use domain::partnership::PartnershipStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApplications).await?;
        let reason = domain::program::validate_reason(&reason)
            .map_err(|e| AppError::invalid_fields(vec![("reason", e.0)]))?;
        let allowed = me.allowed_groups.clone();
        let mut tx = state.db.begin().await?;
        let loaded = partnerships::load(&mut tx, &me, allowed.as_deref(), partnership_id).await?;
        partnerships::set_status(
            &mut tx,
            &me,
            &loaded,
            PartnershipStatus::Rejected,
            Some(&reason),
        )
        .await?;
        partnerships::email_team_owners(
            &mut tx,
            loaded.partner_team_id,
            &format!("Your application to {}", loaded.program),
            &format!(
                "{} did not approve your application to {}.\n\nReason: {reason}",
                me.company_name, loaded.program
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
