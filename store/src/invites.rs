//! Invites: a link into a company, a partner team or a program, emailed to the person.

use domain::invite::{AcceptRefusal, Acceptance, InviteKind, InviteTimes};
use domain::workspace::WorkspaceKind;
use sqlx::Row;

use super::db::{Db, Tx, is_unique_violation, now_ms};
use super::emails;
use super::events::{self, NewEvent};
use super::messages::Message;
use super::password::Hasher;
use super::session::{self, Identity};
use crate::error::AppError;

pub struct NewInvite<'a> {
    pub kind: InviteKind,
    pub company_id: Option<i64>,
    pub partner_team_id: Option<i64>,
    /// The program a partner invite leads into.
    pub program_id: Option<i64>,
    /// The group of that program the partner joins (`None`: the program's default group).
    pub group_id: Option<i64>,
    pub email: &'a str,
    pub role: &'a str,
    pub role_label: &'a str,
    pub workspace_name: &'a str,
    pub invited_by: &'a Identity,
    pub origin: &'a str,
    /// The page that takes the invite; the token is appended (`/invite/`, `/join/x?invite=`).
    pub landing: &'a str,
}

/// Creates the invite (withdrawing any earlier pending one for the same email and place),
/// queues its email and returns the link to accept it.
pub async fn create(tx: &mut Tx, invite: NewInvite<'_>) -> Result<String, AppError> {
    let now = now_ms();
    sqlx::query(
        "UPDATE invites SET revoked_at = $1 WHERE kind = $2 AND email = $3 \
         AND COALESCE(company_id, 0) = $4 AND COALESCE(partner_team_id, 0) = $5 \
         AND COALESCE(program_id, 0) = $6 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(invite.kind.as_str())
    .bind(invite.email)
    .bind(invite.company_id.unwrap_or(0))
    .bind(invite.partner_team_id.unwrap_or(0))
    .bind(invite.program_id.unwrap_or(0))
    .execute(&mut **tx)
    .await?;
    let token = session::new_token();
    let times = InviteTimes::new(now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invites (token_hash, kind, company_id, partner_team_id, email, role, invited_by_user_id, created_at, expires_at, program_id, group_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(session::hash_token(&token))
    .bind(invite.kind.as_str())
    .bind(invite.company_id)
    .bind(invite.partner_team_id)
    .bind(invite.email)
    .bind(invite.role)
    .bind(invite.invited_by.user_id)
    .bind(now)
    .bind(times.expires_at)
    .bind(invite.program_id)
    .bind(invite.group_id)
    .fetch_one(&mut **tx)
    .await?;
    let link = format!("{}{}{token}", invite.origin, invite.landing);
    let role = invite.role_label.to_lowercase();
    emails::queue(
        tx,
        emails::Recipient {
            email: invite.email,
            company_id: invite.company_id,
            partner_team_id: invite.partner_team_id,
            program_id: None,
        },
        &Message::Invite {
            inviter_name: &invite.invited_by.name,
            inviter_email: &invite.invited_by.email,
            workspace: invite.workspace_name,
            role: &role,
            link: &link,
        },
    )
    .await?;
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(invite.invited_by.user_id),
            company_id: invite.company_id,
            kind: "invite.created",
            subject_type: "invite",
            subject_id: id,
            payload: serde_json::json!({
                "kind": invite.kind.as_str(),
                "email": invite.email,
                "role": invite.role,
                "partner_team_id": invite.partner_team_id,
                "program_id": invite.program_id,
            }),
        },
    )
    .await?;
    Ok(link)
}

/// Whose invite it is: only that company or partner team may withdraw it.
pub enum Owner {
    /// A company's invites of teammates.
    Company(i64),
    PartnerTeam(i64),
    /// A company's invites of partners into its programs.
    Programs(i64),
}

/// Withdraws a pending invite of `owner` (a teammate, contact or partner invite), with its
/// event, in one transaction.
pub async fn revoke(
    db: &Db,
    invite_id: i64,
    owner: Owner,
    actor: &Identity,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    revoke_in(&mut tx, invite_id, owner, actor).await?;
    tx.commit().await?;
    Ok(())
}

async fn revoke_in(
    tx: &mut Tx,
    invite_id: i64,
    owner: Owner,
    actor: &Identity,
) -> Result<(), AppError> {
    let (company_id, team_id, kind) = match owner {
        Owner::Company(id) => (Some(id), None, InviteKind::Teammate),
        Owner::PartnerTeam(id) => (None, Some(id), InviteKind::Contact),
        Owner::Programs(id) => (Some(id), None, InviteKind::Partner),
    };
    let done = sqlx::query(
        "UPDATE invites SET revoked_at = $1 WHERE id = $2 AND COALESCE(company_id, 0) = $3 \
         AND COALESCE(partner_team_id, 0) = $4 AND kind = $5 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(invite_id)
    .bind(company_id.unwrap_or(0))
    .bind(team_id.unwrap_or(0))
    .bind(kind.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::not_found("Pending invite"));
    }
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(actor.user_id),
            company_id,
            kind: "invite.revoked",
            subject_type: "invite",
            subject_id: invite_id,
            payload: serde_json::json!({ "partner_team_id": team_id }),
        },
    )
    .await?;
    Ok(())
}

/// A stored invite, found by its token.
pub struct StoredInvite {
    pub id: i64,
    pub kind: InviteKind,
    pub company_id: Option<i64>,
    pub partner_team_id: Option<i64>,
    pub email: String,
    pub role: String,
    pub times: InviteTimes,
    pub workspace_name: String,
    pub program_id: Option<i64>,
    pub group_id: Option<i64>,
}

pub async fn find(db: &super::db::Db, token: &str) -> Result<Option<StoredInvite>, AppError> {
    let row = sqlx::query(
        "SELECT i.id, i.kind, i.company_id, i.partner_team_id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at, \
         COALESCE(c.name, p.name, ''), i.program_id, i.group_id FROM invites i \
         LEFT JOIN companies c ON c.id = i.company_id LEFT JOIN partner_teams p ON p.id = i.partner_team_id \
         WHERE i.token_hash = $1",
    )
    .bind(session::hash_token(token))
    .fetch_optional(&mut db.conn().await?)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let kind: String = r.try_get(1)?;
    Ok(Some(StoredInvite {
        id: r.try_get(0)?,
        kind: InviteKind::parse(&kind).map_err(AppError::internal)?,
        company_id: r.try_get(2)?,
        partner_team_id: r.try_get(3)?,
        email: r.try_get(4)?,
        role: r.try_get(5)?,
        times: InviteTimes {
            expires_at: r.try_get(6)?,
            accepted_at: r.try_get(7)?,
            revoked_at: r.try_get(8)?,
        },
        workspace_name: r.try_get(9)?,
        program_id: r.try_get(10)?,
        group_id: r.try_get(11)?,
    }))
}

/// Who accepts an invite: the normalised email of whoever is signed in on this browser, and
/// the name and password typed for a new account (unused when the account exists).
pub struct Accepting<'a> {
    pub signed_in: Option<&'a str>,
    pub name: &'a str,
    pub password: &'a str,
}

/// A signed-in session made by accepting an invite: the cookie's token and the workspace.
pub struct Accepted {
    pub token: String,
    pub workspace: (WorkspaceKind, i64),
}

/// Accepts a teammate or contact invite (see `domain::invite::acceptance`): the signed-in user
/// whose email it names joins; a visitor makes the invited email's account with `name` and
/// `password`. An email that already has an account must sign in first: a password is never
/// checked here. Claims the invite, adds the membership and starts a session there, in one
/// transaction.
pub async fn accept(
    db: &Db,
    hasher: &Hasher,
    invite: &StoredInvite,
    who: Accepting<'_>,
) -> Result<Accepted, AppError> {
    invite.times.usable(now_ms())?;
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
            .bind(&invite.email)
            .fetch_optional(&mut db.conn().await?)
            .await?;
    let refused = |refusal: AcceptRefusal| {
        let status = match refusal {
            AcceptRefusal::OtherAccountSignedIn { .. } => 403,
            AcceptRefusal::SignInFirst => 409,
        };
        AppError::new(status, refusal.message(&invite.email))
    };
    let acceptance = domain::invite::acceptance(&invite.email, who.signed_in, existing.is_some())
        .map_err(refused)?;
    // A new account's details are checked and hashed before the transaction starts.
    let new_account = match acceptance {
        Acceptance::SignedInAccount => None,
        Acceptance::NewAccount => {
            let mut fields = Vec::new();
            let name = domain::invite::validate_person_name(who.name)
                .map_err(|e| fields.push(("name", e.0)))
                .ok();
            if let Err(e) = domain::identity::check_new_password(who.password) {
                fields.push(("password", e.0));
            }
            let Some(name) = name.filter(|_| fields.is_empty()) else {
                return Err(AppError::invalid_fields(fields));
            };
            Some((
                name,
                hasher
                    .hash(who.password)
                    .await
                    .map_err(AppError::internal)?,
            ))
        }
    };

    let now = now_ms();
    let mut tx = db.begin().await?;
    let user_id = match (existing, new_account) {
        (Some(id), None) => id,
        (None, Some((name, hash))) => super::membership::create_user(
            &mut tx,
            &invite.email,
            &name,
            &hash,
            invite.company_id,
            serde_json::json!({ "via": "invite", "invite_id": invite.id }),
        )
        .await
        // The account was made since it was looked for: it is an existing account now.
        .map_err(|e| {
            if is_unique_violation(&e) {
                refused(AcceptRefusal::SignInFirst)
            } else {
                e.into()
            }
        })?,
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
        return Err(AppError::bad_request(
            "This invite has already been used. Sign in instead.",
        ));
    }
    let (workspace, membership_sql, membership_kind): (_, &'static str, _) = match (
        invite.kind,
        invite.company_id,
        invite.partner_team_id,
    ) {
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
        _ => {
            return Err(AppError::internal(format!(
                "invite {} has no place to join",
                invite.id
            )));
        }
    };
    let mut insert = sqlx::query_scalar::<_, i64>(membership_sql)
        .bind(workspace.1)
        .bind(user_id)
        .bind(&invite.role)
        .bind(now);
    if invite.kind == InviteKind::Contact {
        insert = insert.bind(super::contacts::new_referral_code());
    }
    let member_id = insert.fetch_optional(&mut *tx).await?;
    let Some(member_id) = member_id else {
        return Err(AppError::bad_request(format!(
            "You are already a member of {}. Sign in instead.",
            invite.workspace_name
        )));
    };
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: invite.company_id,
            kind: membership_kind,
            subject_type: if invite.kind == InviteKind::Teammate {
                "teammate"
            } else {
                "contact"
            },
            subject_id: member_id,
            payload: serde_json::json!({ "invite_id": invite.id, "role": invite.role, "partner_team_id": invite.partner_team_id }),
        },
    )
    .await?;
    let token = session::create(&mut tx, user_id, Some(workspace)).await?;
    tx.commit().await?;
    Ok(Accepted { token, workspace })
}

/// Where an invite leads: a company (as a teammate) or a partner team (as a contact).
pub enum Place<'a> {
    Company { id: i64, name: &'a str },
    PartnerTeam { id: i64, name: &'a str },
}

/// Invites `email` into `place` with a role the caller already checked (`role`, `role_label`):
/// refuses a bad email or an existing member field by field, then creates the invite and its
/// email in one transaction and returns what the inviter shares.
pub async fn invite_member(
    db: &Db,
    origin: &str,
    invited_by: &Identity,
    place: Place<'_>,
    email: &str,
    role: &str,
    role_label: &str,
) -> Result<crate::dto::InviteCreated, AppError> {
    let email = domain::identity::normalize_email(email)
        .map_err(|e| AppError::invalid_fields(vec![("email", e.0)]))?;
    let (kind, company_id, partner_team_id, name, exists_sql, member_word): (
        _,
        _,
        _,
        _,
        &'static str,
        _,
    ) = match place {
        Place::Company { id, name } => (
            InviteKind::Teammate,
            Some(id),
            None,
            name,
            "SELECT COUNT(*) FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $1 AND u.email_normalized = $2",
            "a teammate",
        ),
        Place::PartnerTeam { id, name } => (
            InviteKind::Contact,
            None,
            Some(id),
            name,
            "SELECT COUNT(*) FROM contacts c JOIN users u ON u.id = c.user_id WHERE c.partner_team_id = $1 AND u.email_normalized = $2",
            "in your team",
        ),
    };
    let already: i64 = sqlx::query_scalar(exists_sql)
        .bind(company_id.or(partner_team_id).unwrap_or(0))
        .bind(&email)
        .fetch_one(&mut db.conn().await?)
        .await?;
    if already > 0 {
        return Err(AppError::invalid_fields(vec![(
            "email",
            format!("{email} is already {member_word}"),
        )]));
    }
    let mut tx = db.begin().await?;
    let link = create(
        &mut tx,
        NewInvite {
            kind,
            company_id,
            partner_team_id,
            email: &email,
            role,
            role_label,
            workspace_name: name,
            invited_by,
            origin,
            program_id: None,
            group_id: None,
            landing: "/invite/",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(crate::dto::InviteCreated { email, link })
}

/// The pending invites of an owner, newest first (at most 100), with role labels.
pub async fn pending(
    db: &super::db::Db,
    owner: Owner,
    program_id: Option<i64>,
) -> Result<Vec<crate::dto::InviteRow>, AppError> {
    use domain::permissions::{ContactRole, TeammateRole};
    let (sql, id, kind): (&'static str, i64, InviteKind) = match owner {
        Owner::Company(id) => (
            "SELECT id, email, role, created_at, expires_at FROM invites WHERE company_id = $1 AND kind = $2 \
             AND $3 = 0 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $4 ORDER BY id DESC LIMIT 100",
            id,
            InviteKind::Teammate,
        ),
        Owner::PartnerTeam(id) => (
            "SELECT id, email, role, created_at, expires_at FROM invites WHERE partner_team_id = $1 AND kind = $2 \
             AND $3 = 0 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $4 ORDER BY id DESC LIMIT 100",
            id,
            InviteKind::Contact,
        ),
        Owner::Programs(id) => (
            "SELECT id, email, role, created_at, expires_at FROM invites WHERE company_id = $1 AND kind = $2 \
             AND program_id = $3 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $4 ORDER BY id DESC LIMIT 100",
            id,
            InviteKind::Partner,
        ),
    };
    let rows = sqlx::query(sql)
        .bind(id)
        .bind(kind.as_str())
        .bind(program_id.unwrap_or(0))
        .bind(now_ms())
        .fetch_all(&mut db.conn().await?)
        .await?;
    rows.into_iter()
        .map(|r| {
            let role: String = r.try_get(2)?;
            let role = match kind {
                InviteKind::Teammate => TeammateRole::parse(&role)?.label(),
                InviteKind::Contact => ContactRole::parse(&role)?.label(),
                InviteKind::Partner => "Partner team owner",
            };
            Ok(crate::dto::InviteRow {
                id: r.try_get(0)?,
                email: r.try_get(1)?,
                role: role.to_owned(),
                invited_at: r.try_get(3)?,
                expires_at: r.try_get(4)?,
            })
        })
        .collect()
}
