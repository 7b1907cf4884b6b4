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
    use crate::server::events::{self, NewEvent};
    use crate::server::{db::now_ms, endpoint, identity, invites, membership, session, state};
    use domain::invite::InviteKind;
    use domain::workspace::WorkspaceKind;

    endpoint(async move {
        let state = state()?;
        let invite = invites::find(&state.db, &token)
            .await?
            .filter(|i| i.kind != InviteKind::Partner)
            .ok_or_else(|| AppError::new(404, NOT_VALID))?;
        invite.times.usable(now_ms())?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
                .bind(&invite.email)
                .fetch_optional(&state.db.pool)
                .await?;
        let signed_in = identity().and_then(|me| domain::identity::normalize_email(&me.email).ok());
        let acceptance = domain::invite::acceptance(&invite.email, signed_in.as_deref(), existing.is_some())
            .map_err(|refusal| {
                let status = match refusal {
                    domain::invite::AcceptRefusal::OtherAccountSignedIn { .. } => 403,
                    domain::invite::AcceptRefusal::SignInFirst => 409,
                };
                AppError::new(status, refusal.message(&invite.email))
            })?;
        // A new account's details are checked and hashed before the transaction starts.
        let new_account = match acceptance {
            domain::invite::Acceptance::SignedInAccount => None,
            domain::invite::Acceptance::NewAccount => {
                let mut fields = Vec::new();
                let name = domain::invite::validate_person_name(&name).map_err(|e| fields.push(("name", e.0))).ok();
                if let Err(e) = domain::identity::check_new_password(&password) {
                    fields.push(("password", e.0));
                }
                let Some(name) = name.filter(|_| fields.is_empty()) else {
                    return Err(AppError::invalid_fields(fields));
                };
                Some((name, state.hasher.hash(&password).await.map_err(AppError::internal)?))
            }
        };

        let now = now_ms();
        let mut tx = state.db.begin().await?;
        let user_id = match (existing, new_account) {
            (Some(id), None) => id,
            (None, Some((name, hash))) => {
                membership::create_user(
                    &mut tx,
                    &invite.email,
                    &name,
                    &hash,
                    invite.company_id,
                    serde_json::json!({ "via": "invite", "invite_id": invite.id }),
                )
                .await?
            }
            _ => return Err(AppError::internal("invite acceptance without one account")),
        };
        let claimed = sqlx::query(
            "UPDATE invites SET accepted_at = $1, accepted_user_id = $2 WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(invite.id)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Err(AppError::bad_request("This invite has already been used. Sign in instead."));
        }
        let (workspace, membership_sql, membership_kind): (_, &'static str, _) = match (invite.kind, invite.company_id, invite.partner_team_id) {
            (InviteKind::Teammate, Some(company), _) => (
                (WorkspaceKind::Vendor, company),
                "INSERT INTO teammates (company_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (company_id, user_id) DO NOTHING RETURNING id",
                "teammate.added",
            ),
            (InviteKind::Contact, _, Some(team)) => (
                (WorkspaceKind::Partner, team),
                "INSERT INTO contacts (partner_team_id, user_id, role, created_at, referral_code) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (partner_team_id, user_id) DO NOTHING RETURNING id",
                "contact.added",
            ),
            _ => return Err(AppError::internal(format!("invite {} has no place to join", invite.id))),
        };
        let mut insert = sqlx::query_scalar::<_, i64>(membership_sql)
            .bind(workspace.1)
            .bind(user_id)
            .bind(&invite.role)
            .bind(now);
        if invite.kind == InviteKind::Contact {
            insert = insert.bind(crate::server::contacts::new_referral_code());
        }
        let member_id = insert.fetch_optional(&mut *tx).await?;
        let Some(member_id) = member_id else {
            return Err(AppError::bad_request(format!("You are already a member of {}. Sign in instead.", invite.workspace_name)));
        };
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(user_id),
                company_id: invite.company_id,
                kind: membership_kind,
                subject_type: if invite.kind == InviteKind::Teammate { "teammate" } else { "contact" },
                subject_id: member_id,
                payload: serde_json::json!({ "invite_id": invite.id, "role": invite.role, "partner_team_id": invite.partner_team_id }),
            },
        )
        .await?;
        let token = session::create(&mut tx, user_id, Some(workspace)).await?;
        tx.commit().await?;
        super::auth::set_cookie(&session::cookie(&token, state.config.secure_cookies));
        leptos_axum::redirect(workspace.0.home());
        Ok(())
    })
    .await
}
