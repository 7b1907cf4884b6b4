//! Server functions: the portal's HTTP API (`/api/<endpoint>`). Each one authenticates,
//! authorises against the domain permission matrix and the caller's tenant, loads, applies the
//! domain rule, persists with its event in one transaction, and returns a DTO.

use leptos::prelude::*;

use crate::dto::{PartnerDashboard, VendorOverview, WorkspaceChoice};
use crate::error::AppError;

/// Signs in with email and password. One message for an unknown email and a wrong password,
/// in the same time; too many failures per account or address answer 429 with Retry-After.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{db::now_ms, endpoint, membership, session, state};
    use domain::workspace::{Landing, destination, landing};
    use sqlx::Row;

    endpoint(async move {
        let state = state()?;
        let account = domain::identity::normalize_email(&email).ok();
        let account_key = account
            .clone()
            .unwrap_or_else(|| email.trim().to_lowercase());
        let ip = client_ip();
        let now = now_ms();
        if let Some(wait_ms) = state.limiter.retry_after(&account_key, &ip, now) {
            let seconds = (wait_ms + 999) / 1000;
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
                && let Ok(value) = http::HeaderValue::from_str(&seconds.to_string())
            {
                response.insert_header(http::header::RETRY_AFTER, value);
            }
            let minutes = (seconds + 59) / 60;
            return Err(AppError::too_many_requests(format!(
                "Too many failed sign-in attempts. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            )));
        }
        let user = match &account {
            Some(account) => {
                sqlx::query("SELECT id, password_hash FROM users WHERE email_normalized = $1")
                    .bind(account)
                    .fetch_optional(&state.db.pool)
                    .await
                    .map_err(AppError::internal)?
            }
            None => None,
        };
        let user = user
            .map(|row| {
                Ok::<_, sqlx::Error>((row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?))
            })
            .transpose()
            .map_err(AppError::internal)?;
        let plausible = domain::identity::plausible_login_password(&password);
        let password = if plausible { password } else { String::new() };
        let verified = state
            .hasher
            .verify(&password, user.as_ref().map(|(_, hash)| hash.as_str()))
            .await
            .map_err(AppError::internal)?;
        let user_id = match user {
            Some((id, _)) if verified && plausible => id,
            _ => {
                state.limiter.record_failure(&account_key, &ip, now);
                return Err(AppError::new(401, "Invalid email or password"));
            }
        };
        state.limiter.record_success(&account_key);

        let memberships = membership::memberships(&state.db, user_id)
            .await
            .map_err(AppError::internal)?;
        let landing = landing(&memberships);
        let workspace = match landing {
            Landing::Workspace { kind, id } => Some((kind, id)),
            Landing::Picker => None,
        };
        let mut tx = state.db.begin().await.map_err(AppError::internal)?;
        let token = session::create(&mut tx, user_id, workspace)
            .await
            .map_err(AppError::internal)?;
        tx.commit().await.map_err(AppError::internal)?;
        set_cookie(&session::cookie(&token, state.config.secure_cookies));
        leptos_axum::redirect(&destination(landing, next.as_deref()));
        Ok(())
    })
    .await
}

/// Signs out: deletes the session row and clears the cookie.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{endpoint, identity, session, state};

    endpoint(async move {
        let state = state()?;
        if let Some(identity) = identity() {
            let mut tx = state.db.begin().await.map_err(AppError::internal)?;
            session::delete(&mut tx, &identity)
                .await
                .map_err(AppError::internal)?;
            tx.commit().await.map_err(AppError::internal)?;
        }
        set_cookie(&session::clear_cookie(state.config.secure_cookies));
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// The signed-in user's workspaces, for the picker.
#[server(prefix = "/api", endpoint = "workspaces")]
pub async fn workspace_choices() -> Result<WorkspaceChoice, AppError> {
    use crate::server::{endpoint, membership, require_user, state};

    endpoint(async move {
        let state = state()?;
        let identity = require_user()?;
        let memberships = membership::memberships(&state.db, identity.user_id)
            .await
            .map_err(AppError::internal)?;
        Ok(WorkspaceChoice {
            name: identity.name,
            email: identity.email,
            memberships,
        })
    })
    .await
}

/// Switches the session to one of the user's own workspaces.
#[server(prefix = "/api", endpoint = "select_workspace")]
pub async fn select_workspace(kind: String, id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, membership, require_user, session, state};
    use domain::workspace::WorkspaceKind;

    endpoint(async move {
        let state = state()?;
        let identity = require_user()?;
        let kind = WorkspaceKind::parse(&kind)?;
        let memberships = membership::memberships(&state.db, identity.user_id)
            .await
            .map_err(AppError::internal)?;
        if !memberships
            .iter()
            .any(|m| m.kind() == kind && m.workspace_id() == id)
        {
            return Err(AppError::forbidden());
        }
        let mut tx = state.db.begin().await.map_err(AppError::internal)?;
        session::set_workspace(&mut tx, &identity, kind, id)
            .await
            .map_err(AppError::internal)?;
        tx.commit().await.map_err(AppError::internal)?;
        leptos_axum::redirect(kind.home());
        Ok(())
    })
    .await
}

/// The program overview for the teammate's company: KPI cards and one page of partners.
#[server(prefix = "/api", endpoint = "vendor_overview")]
pub async fn fetch_vendor_overview(
    program: Option<i64>,
    after: Option<i64>,
) -> Result<VendorOverview, AppError> {
    use crate::server::{endpoint, membership, require_teammate, vendor};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, teammate) = require_teammate(Permission::ViewProgram).await?;
        let programs = vendor::programs(&state.db, teammate.company_id)
            .await
            .map_err(AppError::internal)?;
        let selected = match program {
            // Another company's program id is indistinguishable from a missing one.
            Some(id) => Some(
                programs
                    .iter()
                    .find(|p| p.id == id)
                    .cloned()
                    .ok_or_else(|| AppError::not_found("Program"))?,
            ),
            None => programs.first().cloned(),
        };
        let (kpis, partners, next) = match &selected {
            Some(program) => {
                let with_money = teammate.role.can(Permission::ViewMoney);
                let kpis = vendor::kpis(&state.db, program, with_money)
                    .await
                    .map_err(AppError::internal)?;
                let (partners, next) = vendor::partners_page(&state.db, program.id, after)
                    .await
                    .map_err(AppError::internal)?;
                (Some(kpis), partners, next)
            }
            None => (None, Vec::new(), None),
        };
        let memberships = membership::count(&state.db, teammate.identity.user_id)
            .await
            .map_err(AppError::internal)?;
        Ok(VendorOverview {
            viewer: crate::dto::Viewer {
                name: teammate.identity.name.clone(),
                email: teammate.identity.email.clone(),
                workspace_name: teammate.company_name.clone(),
                can_switch: memberships > 1,
            },
            role: teammate.role,
            company: teammate.company_name,
            programs,
            program: selected,
            kpis,
            partners,
            next_partners_after: next,
        })
    })
    .await
}

/// The partner contact's dashboard: their team, and per program the status, group, tier and,
/// for roles that see money, the balance, pending rewards and lifetime paid.
#[server(prefix = "/api", endpoint = "partner_dashboard")]
pub async fn fetch_partner_dashboard() -> Result<PartnerDashboard, AppError> {
    use crate::dto::{EarningsDto, Money, PartnershipCard, Viewer};
    use crate::server::{endpoint, membership, partner, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, contact) = require_contact(ContactPermission::ViewDashboard).await?;
        let with_earnings = contact.role.can(ContactPermission::ViewEarnings);
        let rows = partner::partnerships(&state.db, contact.partner_team_id)
            .await
            .map_err(AppError::internal)?;
        let mut partnerships = Vec::with_capacity(rows.len());
        for row in rows {
            let earnings = if with_earnings {
                let e = partner::earnings(&state.db, row.id)
                    .await
                    .map_err(AppError::internal)?;
                Some(EarningsDto {
                    available: Money::new(e.available, &row.currency),
                    pending: Money::new(e.pending, &row.currency),
                    lifetime_paid: Money::new(e.lifetime_paid, &row.currency),
                    minimum_cashout: Money::new(row.min_cashout_minor, &row.currency),
                })
            } else {
                None
            };
            partnerships.push(PartnershipCard {
                partnership_id: row.id,
                program: row.program,
                vendor: row.vendor,
                status: row.status,
                group: row.group,
                tier: row.tier,
                partner_key: row.partner_key,
                earnings,
            });
        }
        let memberships = membership::count(&state.db, contact.identity.user_id)
            .await
            .map_err(AppError::internal)?;
        Ok(PartnerDashboard {
            viewer: Viewer {
                name: contact.identity.name.clone(),
                email: contact.identity.email.clone(),
                workspace_name: contact.partner_team_name.clone(),
                can_switch: memberships > 1,
            },
            role: contact.role,
            team: contact.partner_team_name,
            team_kind: contact.partner_team_kind,
            partnerships,
        })
    })
    .await
}

#[cfg(feature = "ssr")]
fn client_ip() -> String {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(feature = "ssr")]
fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}
