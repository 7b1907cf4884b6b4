//! A partner team joining a program: through its public page, with or without a teammate's
//! invite, as a new team or as a team that is already a partner of another vendor.

use domain::invite::InviteKind;
use domain::partnership::PartnershipStatus;
use domain::permissions::{ContactPermission, ContactRole};
use domain::program::{Application, SignupMode, partner_key_base};
use domain::workspace::WorkspaceKind;
use sqlx::Row;

use super::context::Contact;
use super::db::{Db, Tx, is_unique_violation, now_ms, violates};
use super::emails;
use super::events::{self, NewEvent};
use super::invites::{self, StoredInvite};
use super::messages::Message;
use super::{contacts, membership, session};
use crate::dto::YourTeam;
use crate::error::AppError;

/// What a visitor signing up with the email of an existing account is told (for the form's
/// email field).
pub const ACCOUNT_EXISTS: &str =
    "An account with this email already exists. Sign in, then join with your team.";

pub struct JoinProgram {
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    pub company: String,
    pub mode: SignupMode,
    pub terms: String,
    /// How the vendor shows itself on the signup page.
    pub brand: super::context::VendorBrand,
}

const JOIN_PROGRAM: &str = "SELECT p.id, p.company_id, p.name, c.name, p.signup_mode, p.terms, \
     c.brand_color, c.logo_url, c.support_email FROM programs p JOIN companies c ON c.id = p.company_id";

pub async fn program_by_slug(db: &Db, slug: &str) -> Result<JoinProgram, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{JOIN_PROGRAM} WHERE p.slug = $1"
    )))
    .bind(slug)
    .fetch_optional(&mut db.conn().await?)
    .await?
    .ok_or_else(|| AppError::not_found("Program"))?;
    join_program(&row)
}

async fn program_by_id(tx: &mut Tx, id: i64) -> Result<JoinProgram, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{JOIN_PROGRAM} WHERE p.id = $1"
    )))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    join_program(&row)
}

fn join_program(row: &sqlx::any::AnyRow) -> Result<JoinProgram, AppError> {
    let mode: String = row.try_get(4)?;
    Ok(JoinProgram {
        id: row.try_get(0)?,
        company_id: row.try_get(1)?,
        name: row.try_get(2)?,
        company: row.try_get(3)?,
        mode: SignupMode::parse(&mode).map_err(AppError::internal)?,
        terms: row.try_get(5)?,
        brand: super::context::VendorBrand {
            color: row.try_get(6)?,
            logo_url: row.try_get(7)?,
            support_email: row.try_get(8)?,
        },
    })
}

/// The team partner contact `user_id` could join the program with from their workspace
/// `team_id`: named when their role may join programs (`None` otherwise), and whether it is
/// already in the program.
pub async fn your_team(
    db: &Db,
    team_id: i64,
    user_id: i64,
    program_id: i64,
) -> Result<Option<YourTeam>, AppError> {
    let row = sqlx::query(
        "SELECT t.name, c.role, (SELECT COUNT(*) FROM partnerships p WHERE p.partner_team_id = t.id AND p.program_id = $3) \
         FROM contacts c JOIN partner_teams t ON t.id = c.partner_team_id WHERE c.partner_team_id = $1 AND c.user_id = $2",
    )
    .bind(team_id)
    .bind(user_id)
    .bind(program_id)
    .fetch_optional(&mut db.conn().await?)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let role: String = row.try_get(1)?;
    let already: i64 = row.try_get(2)?;
    if !ContactRole::parse(&role).is_ok_and(|r| r.can(ContactPermission::JoinPrograms)) {
        return Ok(None);
    }
    Ok(Some(YourTeam {
        name: row.try_get(0)?,
        already_in: already > 0,
    }))
}

/// Whether an account has the normalised `email`: a sign-up with it is refused
/// ([`ACCOUNT_EXISTS`]) before its password is hashed.
pub async fn account_exists(db: &Db, email: &str) -> Result<bool, AppError> {
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_normalized = $1")
        .bind(email)
        .fetch_one(&mut db.conn().await?)
        .await?;
    Ok(taken > 0)
}

/// A visitor signing up through a program's page, validated, the password already hashed.
pub struct SignUp<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub application: &'a Application,
}

/// Creates the visitor's account, their partner team (they are its owner) and its partnership
/// in the program ([`join`]), and a session in the team and program, in one transaction;
/// returns the session's token. An account made with the same email since the caller's
/// [`account_exists`] check is refused with the same message.
pub async fn sign_up(
    db: &Db,
    program: &JoinProgram,
    invite: Option<&StoredInvite>,
    new: SignUp<'_>,
) -> Result<String, AppError> {
    let mut tx = db.begin().await?;
    let token = create_account(&mut tx, program, invite, new).await?;
    tx.commit().await?;
    Ok(token)
}

/// [`sign_up`]'s writes, in the caller's transaction.
async fn create_account(
    tx: &mut Tx,
    program: &JoinProgram,
    invite: Option<&StoredInvite>,
    new: SignUp<'_>,
) -> Result<String, AppError> {
    let application = new.application;
    let now = now_ms();
    let user_id = membership::create_user(
        tx,
        new.email,
        new.name,
        new.password_hash,
        Some(program.company_id),
        serde_json::json!({ "via": "signup", "program_id": program.id }),
    )
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::invalid_fields(vec![("email", ACCOUNT_EXISTS.into())])
        } else {
            e.into()
        }
    })?;
    let team_id: i64 = sqlx::query_scalar(
        "INSERT INTO partner_teams (name, kind, country, website, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&application.team_name)
    .bind(application.partner_type.as_str())
    .bind(&application.country)
    .bind(&application.website)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO contacts (partner_team_id, user_id, role, created_at, referral_code) VALUES ($1, $2, 'owner', $3, $4)")
        .bind(team_id)
        .bind(user_id)
        .bind(now)
        .bind(contacts::new_referral_code())
        .execute(&mut **tx)
        .await?;
    join(
        tx,
        program,
        team_id,
        &application.team_name,
        user_id,
        invite,
    )
    .await?;
    let token =
        session::create_in_program(tx, user_id, (WorkspaceKind::Partner, team_id), program.id)
            .await?;
    Ok(token)
}

/// A signed-in partner contact joins the program with their team ([`join`]), and their session
/// moves to the program, in one transaction. The caller checked the invite is addressed to them.
pub async fn join_team(
    db: &Db,
    program: &JoinProgram,
    contact: &Contact,
    invite: Option<&StoredInvite>,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    join(
        &mut tx,
        program,
        contact.partner_team_id,
        &contact.partner_team_name,
        contact.identity.user_id,
        invite,
    )
    .await?;
    session::set_program(&mut tx, &contact.identity, None, program.id).await?;
    tx.commit().await?;
    Ok(())
}

/// The partner invite behind `token`, which must be this program's and still usable.
pub async fn program_invite(
    db: &Db,
    program: &JoinProgram,
    token: Option<&str>,
) -> Result<Option<StoredInvite>, AppError> {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let invite = invites::find(db, token)
        .await?
        .filter(|i| i.kind == InviteKind::Partner && i.program_id == Some(program.id))
        .ok_or_else(|| {
            AppError::new(
                404,
                "This invite link is not valid for this program. Check that you copied all of it.",
            )
        })?;
    invite.times.usable(now_ms())?;
    Ok(Some(invite))
}

/// Adds `team` to the program: active at once when open or invited, else an application
/// waiting for a teammate. Claims the invite, records the event and queues the emails to the
/// teammates who decide applications, all in the caller's transaction.
pub async fn join(
    tx: &mut Tx,
    program: &JoinProgram,
    team_id: i64,
    team_name: &str,
    actor_user_id: i64,
    invite: Option<&StoredInvite>,
) -> Result<(i64, PartnershipStatus), AppError> {
    let status = program
        .mode
        .status_on_apply(invite.is_some())
        .map_err(|e| AppError::new(403, e.0))?;
    let now = now_ms();
    let already: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM partnerships WHERE program_id = $1 AND partner_team_id = $2",
    )
    .bind(program.id)
    .bind(team_id)
    .fetch_one(&mut **tx)
    .await?;
    if already > 0 {
        return Err(already_in(team_name, program));
    }
    // The invite's group is read with its claim, in this transaction: a group deleted since
    // the invite was read leaves it empty (the default group), never a missing row.
    let mut invite_group = None;
    if let Some(invite) = invite {
        let claimed: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE invites SET accepted_at = $1, accepted_user_id = $2 WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL \
             RETURNING group_id",
        )
        .bind(now)
        .bind(actor_user_id)
        .bind(invite.id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(group) = claimed else {
            return Err(AppError::bad_request("This invite has already been used."));
        };
        invite_group = group;
    }
    let group_id = match invite_group {
        Some(group) => group,
        None => default_group(tx, program.id, now).await?,
    };
    let key = unique_partner_key(tx, &partner_key_base(team_name)).await?;
    // The count above sees only committed rows: a join of the same team in a concurrent
    // transaction (a double submit) fails on the unique (program_id, partner_team_id) instead.
    let partnership_id: i64 = sqlx::query_scalar(
        "INSERT INTO partnerships (program_id, partner_team_id, status, partner_key, group_id, joined_at, team_name) \
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT name FROM partner_teams WHERE id = $2)) RETURNING id",
    )
    .bind(program.id)
    .bind(team_id)
    .bind(status.as_str())
    .bind(&key)
    .bind(group_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if !is_unique_violation(&e) {
            e.into()
        } else if violates(&e, "partner_key") {
            // Another team took the same new key between our check and this insert.
            AppError::new(409, "Another team joined with the same partner key at the same moment; please try again")
        } else {
            already_in(team_name, program)
        }
    })?;
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(program.company_id),
            kind: if status == PartnershipStatus::Active {
                "partner_joined"
            } else {
                "partnership.applied"
            },
            subject_type: "partnership",
            subject_id: partnership_id,
            payload: serde_json::json!({
                "partner_team_id": team_id,
                "program_id": program.id,
                "status": status.as_str(),
                "invite_id": invite.map(|i| i.id),
            }),
        },
    )
    .await?;
    match status {
        PartnershipStatus::Applied => email_deciders(tx, program, team_name).await?,
        _ => {
            super::rewards::reward_join(tx, program.id, partnership_id, Some(actor_user_id), now)
                .await?;
        }
    }
    Ok((partnership_id, status))
}

fn already_in(team_name: &str, program: &JoinProgram) -> AppError {
    AppError::bad_request(format!("{team_name} is already in {}.", program.name))
}

pub async fn default_group(tx: &mut Tx, program_id: i64, now: i64) -> Result<i64, AppError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM partner_groups WHERE program_id = $1 ORDER BY is_default DESC, id LIMIT 1",
    )
    .bind(program_id)
    .fetch_optional(&mut **tx)
    .await?;
    match found {
        Some(id) => Ok(id),
        None => Ok(sqlx::query_scalar(
            "INSERT INTO partner_groups (program_id, name, is_default, created_at) VALUES ($1, 'Default', 1, $2) RETURNING id",
        )
        .bind(program_id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?),
    }
}

/// Who hears of a new application follows the permission matrix: every teammate whose role
/// may decide applications.
async fn email_deciders(
    tx: &mut Tx,
    program: &JoinProgram,
    team_name: &str,
) -> Result<(), AppError> {
    let teammates = sqlx::query(
        "SELECT u.email, t.role FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $1",
    )
    .bind(program.company_id)
    .fetch_all(&mut **tx)
    .await?;
    for teammate in teammates {
        let role: String = teammate.try_get(1)?;
        if !domain::permissions::TeammateRole::parse(&role)
            .is_ok_and(|r| r.can(domain::permissions::Permission::ManageApplications))
        {
            continue;
        }
        emails::queue(
            tx,
            emails::Recipient {
                email: &teammate.try_get::<String, _>(0)?,
                company_id: Some(program.company_id),
                partner_team_id: None,
                program_id: Some(program.id),
            },
            &Message::ApplicationReceived {
                team: team_name,
                program: &program.name,
            },
        )
        .await?;
    }
    Ok(())
}

pub async fn unique_partner_key(tx: &mut Tx, base: &str) -> Result<String, AppError> {
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

/// Starts a visitor's signup through a program's page (no invite): nothing is created but a
/// waiting signup and an email to the address. A new address gets the link that confirms it
/// ([`confirm_sign_up`]); an address that has an account gets a note saying how to join with
/// it. The caller answers the same either way, so the form tells nobody who has an account.
/// `origin` is where the links point (a trusted origin).
pub async fn start_sign_up(
    db: &Db,
    program: &JoinProgram,
    slug: &str,
    new: SignUp<'_>,
    origin: &str,
) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_normalized = $1")
        .bind(new.email)
        .fetch_one(&mut *tx)
        .await?;
    // The portal's own mail, in no company's outbox: a vendor reading which of the two a
    // signup on its page got would learn who has an account.
    let to = emails::Recipient {
        email: new.email,
        company_id: None,
        partner_team_id: None,
        program_id: None,
    };
    if exists > 0 {
        let sign_in = format!("{origin}/login?next=/join/{slug}");
        let forgot_password = format!("{origin}/forgot-password");
        emails::queue(
            &mut tx,
            to,
            &Message::SignupExisting {
                program: &program.name,
                sign_in: &sign_in,
                forgot_password: &forgot_password,
            },
        )
        .await?;
    } else {
        let token = session::new_token();
        let application = new.application;
        sqlx::query(
            "INSERT INTO signups (token_hash, program_id, email_normalized, name, password_hash, team_name, \
             partner_type, website, country, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(session::hash_token(&token))
        .bind(program.id)
        .bind(new.email)
        .bind(new.name)
        .bind(new.password_hash)
        .bind(&application.team_name)
        .bind(application.partner_type.as_str())
        .bind(&application.website)
        .bind(&application.country)
        .bind(now)
        .bind(now + domain::program::SIGNUP_CONFIRM_VALID_MS)
        .execute(&mut *tx)
        .await?;
        let link = format!("{origin}/verify-email/{token}");
        emails::queue(
            &mut tx,
            to,
            &Message::ConfirmSignup {
                name: new.name,
                program: &program.name,
                link: &link,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A waiting signup, found by the token of its link.
pub struct PendingSignUp {
    pub id: i64,
    pub program_id: i64,
    pub program: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub application: Application,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn pending_sign_up(db: &Db, token: &str) -> Result<Option<PendingSignUp>, AppError> {
    let row = sqlx::query(
        "SELECT s.id, s.program_id, p.name, s.email_normalized, s.name, s.password_hash, s.team_name, \
         s.partner_type, s.website, s.country, s.expires_at, s.used_at \
         FROM signups s JOIN programs p ON p.id = s.program_id WHERE s.token_hash = $1",
    )
    .bind(session::hash_token(token))
    .fetch_optional(&mut db.conn().await?)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    Ok(Some(PendingSignUp {
        id: r.try_get(0)?,
        program_id: r.try_get(1)?,
        program: r.try_get(2)?,
        email: r.try_get(3)?,
        name: r.try_get(4)?,
        password_hash: r.try_get(5)?,
        application: Application {
            team_name: r.try_get(6)?,
            partner_type: crate::db::stored(&r, 7)?,
            website: r.try_get(8)?,
            country: r.try_get(9)?,
        },
        expires_at: r.try_get(10)?,
        used_at: r.try_get(11)?,
    }))
}

/// Confirms a waiting signup: its account, partner team and partnership are made (as
/// [`sign_up`] makes them) and a session starts, in one transaction that also uses the link
/// up. Returns the session's token.
pub async fn confirm_sign_up(db: &Db, pending: &PendingSignUp) -> Result<String, AppError> {
    let now = now_ms();
    domain::program::signup_confirmable(pending.expires_at, pending.used_at, now)?;
    let mut tx = db.begin().await?;
    let claimed = sqlx::query(
        "UPDATE signups SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(pending.id)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 0 {
        // Another request confirmed it a moment ago.
        return Err(AppError::bad_request(domain::program::SIGNUP_LINK_USED));
    }
    let program = program_by_id(&mut tx, pending.program_id).await?;
    let token = create_account(
        &mut tx,
        &program,
        None,
        SignUp {
            email: &pending.email,
            name: &pending.name,
            password_hash: &pending.password_hash,
            application: &pending.application,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}
