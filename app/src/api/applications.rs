//! Joining a program through its public page, and teammates deciding on applications.

use leptos::prelude::*;

use crate::dto::{ApplicationsPage, JoinInfo};
use crate::error::AppError;

/// The public facts of a program's signup page.
#[server(prefix = "/api", endpoint = "join_info")]
pub async fn fetch_join_info(slug: String) -> Result<JoinInfo, AppError> {
    use crate::server::{endpoint, state};
    use domain::program::SignupMode;
    use sqlx::Row;

    endpoint(async move {
        let state = state()?;
        let row = sqlx::query(
            "SELECT p.name, c.name, p.signup_mode, p.terms FROM programs p JOIN companies c ON c.id = p.company_id WHERE p.slug = $1",
        )
        .bind(&slug)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| AppError::not_found("Program"))?;
        let mode: String = row.try_get(2)?;
        Ok(JoinInfo {
            program: row.try_get(0)?,
            company: row.try_get(1)?,
            signup_mode: SignupMode::parse(&mode).map_err(AppError::internal)?,
            terms: row.try_get(3)?,
        })
    })
    .await
}

/// A visitor creates their account and partner team and applies. Open programs activate the
/// partnership at once; approval programs queue it for a teammate.
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
) -> Result<(), AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{db::now_ms, endpoint, session, state};
    use domain::partnership::PartnershipStatus;
    use domain::program::{SignupMode, partner_key_base, validate_application};
    use domain::workspace::WorkspaceKind;
    use sqlx::Row;

    endpoint(async move {
        let state = state()?;
        let program = sqlx::query("SELECT id, company_id, signup_mode, name FROM programs WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or_else(|| AppError::not_found("Program"))?;
        let program_id: i64 = program.try_get(0)?;
        let company_id: i64 = program.try_get(1)?;
        let mode: String = program.try_get(2)?;
        let program_name: String = program.try_get(3)?;
        let status = SignupMode::parse(&mode).map_err(AppError::internal)?.status_on_apply().map_err(|e| AppError::new(403, e.0))?;

        let mut fields = Vec::new();
        let name = domain::invite::validate_person_name(&name).map_err(|e| fields.push(("name", e.0))).ok();
        let email = domain::identity::normalize_email(&email).map_err(|e| fields.push(("email", e.0))).ok();
        if let Err(e) = domain::identity::check_new_password(&password) {
            fields.push(("password", e.0));
        }
        let application = validate_application(&team_name, &partner_type, &website, &country)
            .map_err(|errors| fields.extend(errors))
            .ok();
        if let Some(email) = &email {
            let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_normalized = $1")
                .bind(email)
                .fetch_one(&state.db.pool)
                .await?;
            if taken > 0 {
                fields.push(("email", "An account with this email already exists. Sign in instead.".into()));
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
            Some(company_id),
            serde_json::json!({ "via": "signup", "program_id": program_id }),
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
        let group_id: i64 = match sqlx::query_scalar::<_, i64>(
            "SELECT id FROM partner_groups WHERE program_id = $1 ORDER BY is_default DESC, id LIMIT 1",
        )
        .bind(program_id)
        .fetch_optional(&mut *tx)
        .await?
        {
            Some(id) => id,
            None => {
                sqlx::query_scalar(
                    "INSERT INTO partner_groups (program_id, name, is_default, created_at) VALUES ($1, 'Default', 1, $2) RETURNING id",
                )
                .bind(program_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        let key = unique_partner_key(&mut tx, &partner_key_base(&application.team_name)).await?;
        let partnership_id: i64 = sqlx::query_scalar(
            "INSERT INTO partnerships (program_id, partner_team_id, status, partner_key, group_id, joined_at, team_name) \
             VALUES ($1, $2, $3, $4, $5, $6, (SELECT name FROM partner_teams WHERE id = $2)) RETURNING id",
        )
        .bind(program_id)
        .bind(team_id)
        .bind(status.as_str())
        .bind(&key)
        .bind(group_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(user_id),
                company_id: Some(company_id),
                kind: if status == PartnershipStatus::Active { "partner_joined" } else { "partnership.applied" },
                subject_type: "partnership",
                subject_id: partnership_id,
                payload: serde_json::json!({
                    "partner_team_id": team_id,
                    "program_id": program_id,
                    "status": status.as_str(),
                    "partner_type": application.partner_type.as_str(),
                }),
            },
        )
        .await?;
        // Who hears of a new application follows the permission matrix: every teammate whose
        // role may decide applications.
        let teammates = sqlx::query("SELECT u.email, t.role FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $1")
            .bind(company_id)
            .fetch_all(&mut *tx)
            .await?;
        for teammate in teammates {
            let role: String = teammate.try_get(1)?;
            if !domain::permissions::TeammateRole::parse(&role)
                .is_ok_and(|r| r.can(domain::permissions::Permission::ManageApplications))
            {
                continue;
            }
            sqlx::query(
                "INSERT INTO emails (company_id, to_email, subject, body, status, created_at) VALUES ($1, $2, $3, $4, 'queued', $5)",
            )
            .bind(company_id)
            .bind(teammate.try_get::<String, _>(0)?)
            .bind(format!("New partner application: {}", application.team_name))
            .bind(format!("{} applied to {program_name}. Review it under Applications.", application.team_name))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let token = session::create(&mut tx, user_id, Some((WorkspaceKind::Partner, team_id))).await?;
        tx.commit().await?;
        super::auth::set_cookie(&session::cookie(&token, state.config.secure_cookies));
        leptos_axum::redirect(WorkspaceKind::Partner.home());
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
async fn unique_partner_key(
    tx: &mut crate::server::db::Tx,
    base: &str,
) -> Result<String, AppError> {
    use rand::Rng;
    for _ in 0..8 {
        let suffix: u16 = rand::thread_rng().r#gen();
        let key = format!("{base}-{suffix:04x}");
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM partnerships WHERE partner_key = $1")
                .bind(&key)
                .fetch_one(&mut **tx)
                .await?;
        if taken == 0 {
            return Ok(key);
        }
    }
    Err(AppError::internal("no free partner key after 8 tries"))
}

/// Applications waiting for a decision in one of the company's programs, oldest first.
#[server(prefix = "/api", endpoint = "applications")]
pub async fn fetch_applications(
    program: Option<i64>,
    after: Option<i64>,
) -> Result<ApplicationsPage, AppError> {
    use crate::dto::ApplicationRow;
    use crate::server::{endpoint, require_teammate, structure, vendor, viewer};
    use domain::partnership::PartnershipStatus;
    use domain::permissions::Permission;
    use sqlx::Row;

    const PAGE: i64 = 25;
    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let programs = vendor::programs(&state.db, me.company_id).await?;
        let selected = vendor::current_program(&programs, program, me.identity.program_id)?;
        let mut applications = Vec::new();
        let mut next_after = None;
        if let Some(program) = &selected {
            let rows = sqlx::query(
                "SELECT p.id, t.name, t.kind, t.website, t.country, p.joined_at, p.group_id, \
                 (SELECT u.name FROM contacts c JOIN users u ON u.id = c.user_id WHERE c.partner_team_id = t.id AND c.role = 'owner' ORDER BY c.id LIMIT 1), \
                 (SELECT u.email FROM contacts c JOIN users u ON u.id = c.user_id WHERE c.partner_team_id = t.id AND c.role = 'owner' ORDER BY c.id LIMIT 1) \
                 FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id \
                 WHERE p.program_id = $1 AND p.status = $2 AND p.id > $3 ORDER BY p.id LIMIT $4",
            )
            .bind(program.id)
            .bind(PartnershipStatus::Applied.as_str())
            .bind(after.unwrap_or(0))
            .bind(PAGE + 1)
            .fetch_all(&state.db.pool)
            .await?;
            let allowed = structure::allowed_groups(&state.db, &me).await?;
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
        Ok(ApplicationsPage {
            viewer: viewer(&state, &me.identity, &me.company_name, selected.as_ref().map(|p| p.id)).await?,
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
    use crate::server::{endpoint, partnerships, require_teammate, structure};
    use domain::partnership::PartnershipStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApplications).await?;
        let allowed = structure::allowed_groups(&state.db, &me).await?;
        let mut tx = state.db.begin().await?;
        let loaded = partnerships::load(&mut tx, &me, allowed.as_deref(), partnership_id).await?;
        partnerships::set_status(&mut tx, &me, &loaded, PartnershipStatus::Active, None).await?;
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
    use crate::server::{endpoint, partnerships, require_teammate, structure};
    use domain::partnership::PartnershipStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApplications).await?;
        let reason = domain::program::validate_reason(&reason)
            .map_err(|e| AppError::invalid_fields(vec![("reason", e.0)]))?;
        let allowed = structure::allowed_groups(&state.db, &me).await?;
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
