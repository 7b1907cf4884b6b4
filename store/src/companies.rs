//! A new vendor company with its first program and owner (`server create-company`), and the
//! one-time links people set their password with (`password_tokens`).

use domain::company::NewCompany;
use domain::password_link::Purpose;
use domain::program::{slugify, validate_deal_settings, validate_program};

use super::db::{Db, Tx, now_ms};
use super::events::{self, NewEvent};
use super::password::Hasher;
use super::programs::{self, NewProgram};
use super::{password_tokens, session};
use crate::error::AppError;

/// What `create` made.
#[derive(Debug)]
pub struct CompanyCreated {
    pub company_id: i64,
    pub program_id: i64,
    pub program_slug: String,
    pub owner_user_id: i64,
    /// The set-password token, for an owner who had no account yet.
    pub password_token: Option<String>,
}

/// Why `create` wrote nothing.
#[derive(Debug)]
pub enum CreateRefused {
    /// Bad input: each problem, for the person who typed it.
    Invalid(Vec<String>),
    Failed(AppError),
}

impl From<AppError> for CreateRefused {
    fn from(e: AppError) -> Self {
        CreateRefused::Failed(e)
    }
}

impl From<sqlx::Error> for CreateRefused {
    fn from(e: sqlx::Error) -> Self {
        CreateRefused::Failed(e.into())
    }
}

/// Creates the company, its first program (approval signup, `currency`, the usual defaults)
/// and its owner, all in one transaction. An owner email without an account gets a user whose
/// password nobody knows and a set-password link valid for 24 hours; an existing account
/// becomes the owner as it is (it signs in with its own password).
pub async fn create(
    db: &Db,
    hasher: &Hasher,
    company: &NewCompany,
    currency: &str,
) -> Result<CompanyCreated, CreateRefused> {
    let settings = validate_program(
        &company.program_name,
        "",
        currency,
        "90",
        "30",
        "0",
        "approval",
        "",
        "",
    )
    .map_err(|fields| {
        CreateRefused::Invalid(
            fields
                .into_iter()
                .map(|(f, m)| format!("{f}: {m}"))
                .collect(),
        )
    })?;
    let deals = validate_deal_settings(None, None)
        .map_err(|_| AppError::internal("default deal settings are invalid"))?;
    let tracking = domain::link::TrackingSettings::default();
    // Hashed before the transaction: a password nobody knows, until the owner sets theirs.
    let unusable = hasher
        .hash(&session::new_token())
        .await
        .map_err(AppError::internal)?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let same_name: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM companies WHERE LOWER(name) = LOWER($1)")
            .bind(&company.name)
            .fetch_one(&mut *tx)
            .await?;
    if same_name > 0 {
        return Err(CreateRefused::Invalid(vec![format!(
            "--name: a company named {} already exists",
            company.name
        )]));
    }
    let company_id: i64 =
        sqlx::query_scalar("INSERT INTO companies (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(&company.name)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
            .bind(&company.owner_email)
            .fetch_optional(&mut *tx)
            .await?;
    let owner_user_id = match existing {
        Some(id) => id,
        None => {
            super::membership::create_user(
                &mut tx,
                &company.owner_email,
                &company.owner_name,
                &unusable,
                Some(company_id),
                serde_json::json!({ "via": "create-company" }),
            )
            .await?
        }
    };
    let teammate_id: i64 = sqlx::query_scalar(
        "INSERT INTO teammates (company_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3) RETURNING id",
    )
    .bind(company_id)
    .bind(owner_user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let mut settings = settings;
    settings.slug = free_slug(&mut tx, &settings.slug).await?;
    let program_id = programs::insert(
        &mut tx,
        company_id,
        NewProgram {
            settings: &settings,
            deals: &deals,
            tier_grace_days: domain::tier::DEFAULT_GRACE_DAYS,
            tracking: &tracking,
        },
        now,
    )
    .await?;
    for (kind, subject_type, subject_id, payload) in [
        (
            "company.created",
            "company",
            company_id,
            serde_json::json!({ "name": company.name, "via": "create-company" }),
        ),
        (
            "teammate.added",
            "teammate",
            teammate_id,
            serde_json::json!({ "role": "owner", "user_id": owner_user_id }),
        ),
        (
            "program.created",
            "program",
            program_id,
            serde_json::json!({ "name": settings.name, "slug": settings.slug }),
        ),
    ] {
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: None,
                company_id: Some(company_id),
                kind,
                subject_type,
                subject_id,
                payload,
            },
        )
        .await?;
    }
    let password_token = match existing {
        Some(_) => None,
        None => {
            Some(password_tokens::create(&mut tx, owner_user_id, Purpose::SetPassword, now).await?)
        }
    };
    tx.commit().await?;
    Ok(CompanyCreated {
        company_id,
        program_id,
        program_slug: settings.slug,
        owner_user_id,
        password_token,
    })
}

/// `slug`, or `slug-2`, `slug-3`, … when another program has it.
async fn free_slug(tx: &mut Tx, slug: &str) -> Result<String, AppError> {
    for n in 1..100 {
        let candidate = if n == 1 {
            slug.to_owned()
        } else {
            slugify(&format!("{slug}-{n}"))
        };
        if !programs::slug_taken(tx, &candidate, 0).await? {
            return Ok(candidate);
        }
    }
    Err(AppError::internal("no free program address after 99 tries"))
}
