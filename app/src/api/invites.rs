//! Accepting an invite: a new person sets their name and password; someone who already has an
//! account signs in as usual (through the sign-in limits) and then accepts with one click.
//! Either way they join the company or partner team and are signed in there. Whoever holds an
//! invite link can never test passwords with it.

use leptos::prelude::*;

use crate::dto::InviteInfo;
use crate::error::AppError;

#[cfg(feature = "ssr")]
const NOT_VALID: &str = "This invite link is not valid. Check that you copied all of it.";

#[server(prefix = "/api", endpoint = "invite")]
pub async fn fetch_invite(token: String) -> Result<InviteInfo, AppError> {
    use crate::server::{db::now_ms, endpoint, identity, invites, state};
    use domain::invite::InviteKind;

    endpoint(async move {
        let state = state()?;
        // Partner invites are taken on the program's signup page, not here.
        let invite = invites::find(&state.db, &token)
            .await?
            .filter(|i| i.kind != InviteKind::Partner)
            .ok_or_else(|| AppError::new(404, NOT_VALID))?;
        let role = role_label(invite.kind, &invite.role);
        Ok(InviteInfo {
            workspace_name: invite.workspace_name,
            joining_as: match invite.kind {
                InviteKind::Teammate => "teammate".into(),
                InviteKind::Contact | InviteKind::Partner => "partner contact".into(),
            },
            role,
            email: invite.email,
            problem: invite.times.usable(now_ms()).err().map(|e| e.0),
            signed_in_as: identity().map(|me| me.email),
        })
    })
    .await
}

#[cfg(feature = "ssr")]
fn role_label(kind: domain::invite::InviteKind, role: &str) -> String {
    use domain::invite::InviteKind;
    use domain::permissions::{ContactRole, TeammateRole};
    match kind {
        InviteKind::Teammate => TeammateRole::parse(role)
            .map(|r| r.label())
            .unwrap_or(role)
            .to_owned(),
        InviteKind::Contact | InviteKind::Partner => ContactRole::parse(role)
            .map(|r| r.label())
            .unwrap_or(role)
            .to_owned(),
    }
}

/// Accepts the invite: the signed-in user whose email it names joins with one click; a visitor
/// makes a new account with `name` and `password`. An email that already has an account must
/// sign in first: a password is never checked here.
#[server(prefix = "/api", endpoint = "accept_invite")]
pub async fn accept_invite(
    token: String,
    #[server(default)] name: String,
    #[server(default)] password: String,
) -> Result<(), AppError> {
    use crate::server::{endpoint, identity, invites, session, state};
    use domain::invite::InviteKind;

    endpoint(async move {
        let state = state()?;
        let invite = invites::find(&state.db, &token)
            .await?
            .filter(|i| i.kind != InviteKind::Partner)
            .ok_or_else(|| AppError::new(404, NOT_VALID))?;
        let signed_in = identity().and_then(|me| domain::identity::normalize_email(&me.email).ok());
        let who = invites::Accepting {
            signed_in: signed_in.as_deref(),
            name: &name,
            password: &password,
        };
        let invites::Accepted { token, workspace } =
            invites::accept(&state.db, &state.hasher, &invite, who).await?;
        crate::server::set_cookie(&session::cookie(&token, state.config.secure_cookies));
        leptos_axum::redirect(workspace.0.home());
        Ok(())
    })
    .await
}

/// Tells the inviter the invite exists and hands its link to the page they come back to (the
/// one that shows invites of `kind`), where it shows once, to share another way than the email.
#[cfg(feature = "ssr")]
pub(super) fn invite_made(
    kind: &'static str,
) -> impl FnOnce(crate::dto::InviteCreated) -> crate::dto::InviteCreated {
    move |created| {
        crate::server::notice::notice(&format!(
            "Invite created for {}. Share the link below with them; it works once and expires in 7 days.",
            created.email
        ));
        crate::server::notice::reveal(kind, &created.link);
        created
    }
}
