//! The signed-in user's own profile: name, password, and (for partner owners) payout details.

use leptos::prelude::*;

use crate::dto::ProfilePage;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "profile")]
pub async fn fetch_profile() -> Result<ProfilePage, AppError> {
    use crate::server::authz::account_viewer;
    use crate::server::{emails, endpoint, profile, require_contact, require_user, state};
    use domain::permissions::ContactPermission;
    use domain::workspace::WorkspaceKind;

    endpoint(async move {
        let state = state()?;
        let me = require_user()?;
        let payout = match me.workspace {
            Some((WorkspaceKind::Partner, _)) => {
                let (_, contact) = require_contact(ContactPermission::ViewDashboard).await?;
                Some(profile::payout_view(&state.db, &contact).await?)
            }
            _ => None,
        };
        let partner = matches!(me.workspace, Some((WorkspaceKind::Partner, _)));
        let emails = emails::preferences(&state.db, me.user_id, partner)
            .await?
            .into_iter()
            .map(|(kind, receive)| crate::dto::EmailChoice {
                kind: kind.as_str().to_owned(),
                label: kind.label().to_owned(),
                receive,
            })
            .collect();
        Ok(ProfilePage {
            viewer: account_viewer()?,
            name: me.name,
            email: me.email,
            payout,
            emails,
        })
    })
    .await
}

/// Which of the optional emails (of the side of the portal the viewer acts on) they receive;
/// the others are turned off. They still appear among the notifications.
#[server(prefix = "/api", endpoint = "save_email_preferences")]
pub async fn save_email_preferences(receive: Option<Vec<String>>) -> Result<(), AppError> {
    use crate::server::{emails, endpoint, require_user, state};
    use domain::email::EmailKind;
    use domain::workspace::WorkspaceKind;

    endpoint(async move {
        let state = state()?;
        let me = require_user()?;
        let partner = matches!(me.workspace, Some((WorkspaceKind::Partner, _)));
        let mut kinds = Vec::new();
        for name in receive.unwrap_or_default() {
            match EmailKind::parse(&name) {
                Ok(kind) if EmailKind::optional_for(partner).contains(&kind) => kinds.push(kind),
                _ => {
                    return Err(AppError::invalid_fields(vec![(
                        "receive",
                        format!("{name} is not an email you can turn off"),
                    )]));
                }
            }
        }
        emails::set_preferences(&state.db, me.user_id, partner, &kinds).await?;
        crate::server::notice::notice("Email settings saved.");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "update_name")]
pub async fn update_name(name: String) -> Result<(), AppError> {
    use crate::server::{endpoint, profile, require_user, state};

    endpoint(async move {
        let state = state()?;
        let me = require_user()?;
        let name = domain::invite::validate_person_name(&name)
            .map_err(|e| AppError::invalid_fields(vec![("name", e.0)]))?;
        profile::rename(&state.db, me.user_id, &me.name, &name).await?;
        crate::server::notice::notice("Name saved.");
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
    use crate::server::{endpoint, profile, require_user, state};

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
        profile::change_password(&state.db, me.user_id, me.session_id, &hash).await?;
        crate::server::notice::notice("Password changed. Other sessions were signed out.");
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
    use crate::server::{profile, throttle};
    let (hash, account) = profile::password_check(&state.db, user_id).await?;
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
    use crate::server::{endpoint, profile, require_contact};
    use domain::payout::{PayoutMethod, validate_details};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, owner) = require_contact(ContactPermission::CashOut).await?;
        verify_current(&state, owner.identity.user_id, &password, "password").await?;
        let method = PayoutMethod::parse(&method)
            .map_err(|_| AppError::invalid_fields(vec![("method", "Choose a method".into())]))?;
        let details = validate_details(method, &details)
            .map_err(|e| AppError::invalid_fields(vec![("details", e.0)]))?;
        profile::set_payout_details(
            &state.db,
            owner.partner_team_id,
            owner.identity.user_id,
            method,
            &details,
        )
        .await?;
        crate::server::notice::notice("Payout details saved.");
        Ok(())
    })
    .await
}
