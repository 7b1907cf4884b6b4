//! The signed-in user's own profile: name, password, and (for partner owners) payout details.

use leptos::prelude::*;

use crate::dto::ProfilePage;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "profile")]
pub async fn fetch_profile() -> Result<ProfilePage, AppError> {
    use crate::dto::PayoutView;
    use crate::server::{endpoint, require_contact, require_user, state};
    use domain::payout::{PayoutMethod, mask};
    use domain::permissions::ContactPermission;
    use domain::workspace::WorkspaceKind;
    use sqlx::Row;

    endpoint(async move {
        let state = state()?;
        let me = require_user()?;
        let payout = match me.workspace {
            Some((WorkspaceKind::Partner, _)) => {
                let (_, contact) = require_contact(ContactPermission::ViewDashboard).await?;
                let row = sqlx::query(
                    "SELECT payout_method, payout_details FROM partner_teams WHERE id = $1",
                )
                .bind(contact.partner_team_id)
                .fetch_one(&state.db.pool)
                .await?;
                let method: Option<String> = row.try_get(0)?;
                let details: Option<String> = row.try_get(1)?;
                Some(PayoutView {
                    team: contact.partner_team_name,
                    can_edit: contact.role.can(ContactPermission::CashOut),
                    method: method
                        .and_then(|m| PayoutMethod::parse(&m).ok())
                        .map(|m| m.label().to_owned()),
                    masked_details: details.as_deref().map(mask),
                })
            }
            _ => None,
        };
        Ok(ProfilePage {
            name: me.name,
            email: me.email,
            payout,
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "update_name")]
pub async fn update_name(name: String) -> Result<(), AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{endpoint, require_user, state};

    endpoint(async move {
        let state = state()?;
        let me = require_user()?;
        let name = domain::invite::validate_person_name(&name)
            .map_err(|e| AppError::invalid_fields(vec![("name", e.0)]))?;
        let mut tx = state.db.begin().await?;
        sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
            .bind(&name)
            .bind(me.user_id)
            .execute(&mut *tx)
            .await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.user_id),
                company_id: None,
                kind: "user.renamed",
                subject_type: "user",
                subject_id: me.user_id,
                payload: serde_json::json!({ "before": me.name, "after": name }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Changes the password after checking the current one; every other session of the user ends.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{endpoint, require_user, state};

    endpoint(async move {
        let state = state()?;
        let me = require_user()?;
        verify_current(&state, me.user_id, &current_password, "current_password").await?;
        domain::identity::check_new_password(&new_password)
            .map_err(|e| AppError::invalid_fields(vec![("new_password", e.0)]))?;
        let hash = state
            .hasher
            .hash(&new_password)
            .await
            .map_err(AppError::internal)?;
        let mut tx = state.db.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(me.user_id)
            .execute(&mut *tx)
            .await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(me.user_id)
            .bind(me.session_id)
            .execute(&mut *tx)
            .await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.user_id),
                company_id: None,
                kind: "user.password_changed",
                subject_type: "user",
                subject_id: me.user_id,
                payload: serde_json::json!({ "other_sessions_ended": ended.rows_affected() }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Checks a signed-in user's password again, through the same attempt limits as sign-in (a
/// stolen session must not become a password oracle).
#[cfg(feature = "ssr")]
async fn verify_current(
    state: &crate::server::state::AppState,
    user_id: i64,
    password: &str,
    field: &'static str,
) -> Result<(), AppError> {
    use crate::server::throttle;
    use sqlx::Row;
    let row = sqlx::query("SELECT password_hash, email_normalized FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&state.db.pool)
        .await?;
    let (hash, account): (String, String) = (row.try_get(0)?, row.try_get(1)?);
    let address = super::auth::client_ip();
    throttle::password_attempt(&state.db, &account, &address).await?;
    let ok = domain::identity::plausible_login_password(password)
        && state
            .hasher
            .verify(password, Some(&hash))
            .await
            .map_err(AppError::internal)?;
    if ok {
        throttle::password_verified(&state.db, &account, &address).await
    } else {
        Err(AppError::invalid_fields(vec![(
            field,
            "That is not your current password".into(),
        )]))
    }
}

/// Sets where the partner team is paid. Owner only, with the password re-entered.
#[server(prefix = "/api", endpoint = "set_payout_details")]
pub async fn set_payout_details(
    method: String,
    details: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{endpoint, require_contact};
    use domain::payout::{PayoutMethod, mask, validate_details};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, owner) = require_contact(ContactPermission::CashOut).await?;
        verify_current(&state, owner.identity.user_id, &password, "password").await?;
        let method = PayoutMethod::parse(&method).map_err(|_| AppError::invalid_fields(vec![("method", "Choose a method".into())]))?;
        let details = validate_details(method, &details).map_err(|e| AppError::invalid_fields(vec![("details", e.0)]))?;
        let mut tx = state.db.begin().await?;
        sqlx::query("UPDATE partner_teams SET payout_method = $1, payout_details = $2 WHERE id = $3")
            .bind(method.as_str())
            .bind(&details)
            .bind(owner.partner_team_id)
            .execute(&mut *tx)
            .await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(owner.identity.user_id),
                company_id: None,
                kind: "partner_team.payout_details_set",
                subject_type: "partner_team",
                subject_id: owner.partner_team_id,
                // The audit log keeps only the masked form.
                payload: serde_json::json!({ "method": method.as_str(), "details": mask(&details) }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
