//! Joining a program through its public page, and teammates deciding on applications.

use leptos::prelude::*;

use crate::dto::{ApplicationsPage, JoinInfo, SignupLinkInfo};
use crate::error::AppError;

/// The public facts of a program's signup page; with an invite token, whether it is good and
/// for whom; for a signed-in partner contact, the team they could join with.
#[server(prefix = "/api", endpoint = "join_info")]
pub async fn fetch_join_info(slug: String, invite: Option<String>) -> Result<JoinInfo, AppError> {
    use crate::server::{endpoint, identity, joining, state};
    use domain::workspace::WorkspaceKind;

    endpoint(async move {
        let state = state()?;
        let program = joining::program_by_slug(&state.db, &slug).await?;
        let (invite_email, invite_problem) =
            match joining::program_invite(&state.db, &program, invite.as_deref()).await {
                Ok(found) => (found.map(|i| i.email), None),
                Err(e) if e.status < 500 => (None, Some(e.message)),
                Err(e) => return Err(e),
            };
        // A signed-in partner owner or admin may join with the team they are in.
        let mut your_team = None;
        if let Some(me) = identity()
            && let Some((WorkspaceKind::Partner, team_id)) = me.workspace
        {
            your_team = joining::your_team(&state.db, team_id, me.user_id, program.id).await?;
        }
        Ok(JoinInfo {
            brand: crate::server::authz::brand_of(&program.company, &program.brand),
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

/// A visitor signs up through a program's page. With an invite (emailed to them, so their
/// address is known) the account, team and partnership are made at once and they are signed
/// in. Without one, nothing is made yet: an email goes to the address, and the answer is the
/// address to check, the same whether or not it has an account ([`confirm_signup`] finishes).
/// Open programs (and invited partners) start active; approval programs queue the
/// application for a teammate.
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
) -> Result<Option<String>, AppError> {
    use crate::server::{endpoint, joining, session, state, trusted_origin};
    use domain::program::validate_application;
    use domain::workspace::WorkspaceKind;

    endpoint(async move {
        let state = state()?;
        let program = joining::program_by_slug(&state.db, &slug).await?;
        let invite = joining::program_invite(&state.db, &program, invite.as_deref()).await?;
        // Refused before anything is checked or created.
        program
            .mode
            .status_on_apply(invite.is_some())
            .map_err(|e| AppError::new(403, e.0))?;

        let mut fields = Vec::new();
        let name = domain::invite::validate_person_name(&name)
            .map_err(|e| fields.push(("name", e.0)))
            .ok();
        let email = domain::identity::normalize_email(&email)
            .map_err(|e| fields.push(("email", e.0)))
            .ok();
        if let (Some(invite), Some(email)) = (&invite, &email)
            && &invite.email != email
        {
            fields.push((
                "email",
                format!(
                    "This invite is for {}; sign up with that address",
                    invite.email
                ),
            ));
        }
        if let Err(e) = domain::identity::check_new_password(&password) {
            fields.push(("password", e.0));
        }
        let application = validate_application(&team_name, &partner_type, &website, &country)
            .map_err(|errors| fields.extend(errors))
            .ok();
        if email.is_some() {
            crate::server::throttle::check(
                &state.db,
                &[(
                    domain::throttle::ACCOUNT_SIGNUPS_PER_ADDRESS,
                    &super::auth::client_ip(),
                )],
                "Too many signups from your network.",
            )
            .await?;
        }
        // The invitee already knows whom the invite is for: an account there is no secret.
        if let (Some(_), Some(email)) = (&invite, &email)
            && joining::account_exists(&state.db, email).await?
        {
            fields.push(("email", joining::ACCOUNT_EXISTS.into()));
        }
        let (Some(name), Some(email), Some(application), true) =
            (name, email, application, fields.is_empty())
        else {
            return Err(AppError::invalid_fields(fields));
        };
        // Hashed for every address alike, so the answer takes as long for each.
        let hash = state
            .hasher
            .hash(&password)
            .await
            .map_err(AppError::internal)?;
        let new = joining::SignUp {
            email: &email,
            name: &name,
            password_hash: &hash,
            application: &application,
        };
        let Some(invite) = invite else {
            match trusted_origin(&state) {
                Some(origin) => {
                    joining::start_sign_up(&state.db, &program, &slug, new, &origin).await?;
                }
                None => tracing::warn!(
                    "a signup came through a Host that is not this machine; set PORTAL_PUBLIC_ORIGIN so its email can be sent"
                ),
            }
            crate::server::notice::notice(&format!(
                "Check your email: we sent a message to {email}. Follow its link within 24 hours to finish joining."
            ));
            return Ok(Some(email));
        };
        let token = joining::sign_up(&state.db, &program, Some(&invite), new).await?;
        crate::server::set_cookie(&session::cookie(&token, state.config.secure_cookies));
        leptos_axum::redirect(WorkspaceKind::Partner.home());
        Ok(None)
    })
    .await
}

/// What the page of a signup's confirmation link shows.
#[server(prefix = "/api", endpoint = "signup_link")]
pub async fn fetch_signup_link(token: String) -> Result<SignupLinkInfo, AppError> {
    use crate::server::{db::now_ms, endpoint, joining, state};

    endpoint(async move {
        let state = state()?;
        let pending = joining::pending_sign_up(&state.db, &token)
            .await?
            .ok_or_else(|| AppError::new(404, SIGNUP_LINK_NOT_VALID))?;
        Ok(SignupLinkInfo {
            problem: domain::program::signup_confirmable(
                pending.expires_at,
                pending.used_at,
                now_ms(),
            )
            .err()
            .map(|e| e.0),
            program: pending.program,
            email: pending.email,
            team: pending.application.team_name,
        })
    })
    .await
}

#[cfg(feature = "ssr")]
const SIGNUP_LINK_NOT_VALID: &str = "This link is not valid. Check that you copied all of it.";

/// Confirms a signup's email: its account, team and partnership are made and the person is
/// signed in.
#[server(prefix = "/api", endpoint = "confirm_signup")]
pub async fn confirm_signup(token: String) -> Result<(), AppError> {
    use crate::server::{endpoint, joining, session, state};
    use domain::workspace::WorkspaceKind;

    endpoint(async move {
        let state = state()?;
        let pending = joining::pending_sign_up(&state.db, &token)
            .await?
            .ok_or_else(|| AppError::new(404, SIGNUP_LINK_NOT_VALID))?;
        let token = joining::confirm_sign_up(&state.db, &pending).await?;
        crate::server::set_cookie(&session::cookie(&token, state.config.secure_cookies));
        leptos_axum::redirect(WorkspaceKind::Partner.home());
        Ok(())
    })
    .await
}

/// A signed-in partner owner or admin joins the program with their team (a team can be a
/// partner of several vendors). With an invite, it must be addressed to them.
#[server(prefix = "/api", endpoint = "join_with_team")]
pub async fn join_with_team(slug: String, invite: Option<String>) -> Result<(), AppError> {
    use crate::server::{endpoint, joining, require_contact};
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
        joining::join_team(&state.db, &program, &me, invite.as_ref()).await?;
        leptos_axum::redirect(WorkspaceKind::Partner.home());
        Ok(())
    })
    .await
}

/// A partner team's owner leaves one of its programs: the partnership is archived,
/// as a teammate would archive it, with the reason in its history.
#[server(prefix = "/api", endpoint = "leave_program")]
pub async fn leave_program(partnership_id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, partnerships, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::LeavePrograms).await?;
        partnerships::leave(&state.db, &me, partnership_id).await?;
        crate::server::notice::notice(
            "You left the program. Its vendor can bring the partnership back.",
        );
        Ok(())
    })
    .await
}

/// A teammate invites a partner by email into a program (into `group` when one is chosen,
/// else the program's default group): the way into invite-only programs, and a skip of the
/// approval queue elsewhere. Returns the link to share.
#[server(prefix = "/api", endpoint = "invite_partner")]
pub async fn invite_partner(
    program: i64,
    email: String,
    group: Option<String>,
) -> Result<crate::dto::InviteCreated, AppError> {
    use crate::server::{
        applications, authz::public_origin, endpoint, optional_id, require_teammate,
    };
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApplications).await?;
        let program = crate::server::authz::program(program)?;
        let email = domain::identity::normalize_email(&email)
            .map_err(|e| AppError::invalid_fields(vec![("email", e.0)]))?;
        let group = optional_id(group.as_deref(), "group")?;
        // A partner manager bound to groups places partners only in their own groups (the
        // program's default group may not be one).
        if let Some(allowed) = me.allowed_groups.as_deref() {
            match group {
                None => {
                    return Err(AppError::invalid_fields(vec![(
                        "group",
                        "Choose one of your groups".into(),
                    )]));
                }
                Some(g) if !allowed.contains(&g) => return Err(AppError::not_found("Group")),
                Some(_) => {}
            }
        }
        applications::invite_partner(
            &state.db,
            me.company_id,
            &program,
            &me.identity,
            &public_origin(&state),
            email,
            group,
        )
        .await
        .map(super::invites::invite_made("partner_invite"))
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
        invites::revoke(
            &state.db,
            invite_id,
            invites::Owner::Programs(me.company_id),
            &me.identity,
        )
        .await?;
        crate::server::notice::notice("Invite withdrawn. Its link no longer works.");
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
    use crate::server::{applications, endpoint, require_teammate, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let selected = crate::server::authz::current_program(program)?;
        let (applications, next_after) = match &selected {
            Some(program) => {
                applications::waiting(&state.db, program.id, me.allowed_groups.as_deref(), after)
                    .await?
            }
            None => (Vec::new(), None),
        };
        let can_decide = me.role.can(Permission::ManageApplications);
        let (invites, groups) = match (&selected, can_decide) {
            (Some(p), true) => {
                let invites = crate::server::invites::pending(
                    &state.db,
                    crate::server::invites::Owner::Programs(me.company_id),
                    Some(p.id),
                )
                .await?;
                let structure =
                    crate::server::structure::choices(&state.db, p.id, me.company_id).await?;
                let groups = structure
                    .group_choices()
                    .into_iter()
                    .filter(|g| me.allowed_groups.as_ref().is_none_or(|a| a.contains(&g.id)))
                    .collect();
                (invites, groups)
            }
            _ => (Vec::new(), Vec::new()),
        };
        Ok(ApplicationsPage {
            invites,
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            can_decide: me.role.can(Permission::ManageApplications),
            applications,
            next_after,
            invite_link: crate::server::notice::take_revealed("partner_invite"),
            groups,
            group_required: me.allowed_groups.is_some(),
        })
    })
    .await
}

/// Approves an application, into `group` when one is chosen (empty: the group it applied into).
#[server(prefix = "/api", endpoint = "approve_application")]
pub async fn approve_application(
    partnership_id: i64,
    group: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{applications, endpoint, optional_id, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApplications).await?;
        let group = optional_id(group.as_deref(), "group")?;
        applications::approve(&state.db, &me, partnership_id, group).await?;
        crate::server::notice::notice("Application approved. The partner is active now.");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "reject_application")]
pub async fn reject_application(partnership_id: i64, reason: String) -> Result<(), AppError> {
    use crate::server::{applications, endpoint, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApplications).await?;
        let reason = domain::program::validate_reason(&reason)
            .map_err(|e| AppError::invalid_fields(vec![("reason", e.0)]))?;
        applications::reject(&state.db, &me, partnership_id, &reason).await?;
        crate::server::notice::notice("Application rejected. The applicant is told why.");
        Ok(())
    })
    .await
}
