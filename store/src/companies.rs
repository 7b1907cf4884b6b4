//! A new vendor company with its first program and owner (`server create-company`, and the
//! first-run page through [`super::setup`]), and the one-time link its owner sets a password
//! with (`password_tokens`).

use domain::company::{Branding, NewCompany, Problem};
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
    Invalid(Vec<Problem>),
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

/// Whether any company exists.
pub(crate) async fn any<'e, E>(executor: E) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let one: Option<i64> = sqlx::query_scalar("SELECT id FROM companies LIMIT 1")
        .fetch_optional(executor)
        .await?;
    Ok(one.is_some())
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
    let prepared = prepare(hasher, company, currency).await?;
    let mut tx = db.begin().await?;
    let created = insert(&mut tx, company, prepared, "create-company").await?;
    tx.commit().await?;
    Ok(created)
}

/// What [`insert`] needs that is worked out before the transaction: the first program's
/// settings, checked, and the hash of a password nobody knows (hashing takes a while).
pub(crate) struct Prepared {
    settings: domain::program::ProgramSettings,
    unusable_hash: String,
}

pub(crate) async fn prepare(
    hasher: &Hasher,
    company: &NewCompany,
    currency: &str,
) -> Result<Prepared, CreateRefused> {
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
                .map(|(field, message)| {
                    // The program's name is made of the company's.
                    let field = if field == "currency" {
                        "currency"
                    } else {
                        "name"
                    };
                    Problem::new(field, message)
                })
                .collect(),
        )
    })?;
    let unusable_hash = hasher
        .hash(&session::new_token())
        .await
        .map_err(AppError::internal)?;
    Ok(Prepared {
        settings,
        unusable_hash,
    })
}

/// Writes the company, its owner and first program with their events; `via` says what made
/// it (`create-company`, `setup`).
pub(crate) async fn insert(
    tx: &mut Tx,
    company: &NewCompany,
    prepared: Prepared,
    via: &str,
) -> Result<CompanyCreated, CreateRefused> {
    let Prepared {
        mut settings,
        unusable_hash,
    } = prepared;
    let deals = validate_deal_settings(None, None)
        .map_err(|_| AppError::internal("default deal settings are invalid"))?;
    let tracking = domain::link::TrackingSettings::default();
    let now = now_ms();
    let same_name: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM companies WHERE LOWER(name) = LOWER($1)")
            .bind(&company.name)
            .fetch_one(&mut **tx)
            .await?;
    if same_name > 0 {
        return Err(CreateRefused::Invalid(vec![Problem::new(
            "name",
            format!("a company named {} already exists", company.name),
        )]));
    }
    let company_id: i64 =
        sqlx::query_scalar("INSERT INTO companies (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(&company.name)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
            .bind(&company.owner_email)
            .fetch_optional(&mut **tx)
            .await?;
    let owner_user_id = match existing {
        Some(id) => id,
        None => {
            super::membership::create_user(
                tx,
                &company.owner_email,
                &company.owner_name,
                &unusable_hash,
                Some(company_id),
                serde_json::json!({ "via": via }),
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
    .fetch_one(&mut **tx)
    .await?;
    settings.slug = free_slug(tx, &settings.slug).await?;
    let program_id = programs::insert(
        tx,
        company_id,
        NewProgram {
            settings: &settings,
            deals: &deals,
            tier_grace_days: domain::tier::DEFAULT_GRACE_DAYS,
            churn_days: domain::customer::DEFAULT_CHURN_DAYS,
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
            serde_json::json!({ "name": company.name, "via": via }),
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
            tx,
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
        None => Some(password_tokens::create(tx, owner_user_id, Purpose::SetPassword, now).await?),
    };
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

/// How the company shows itself to its partners.
pub async fn branding(db: &Db, company_id: i64) -> Result<Branding, AppError> {
    read_branding(&mut db.conn().await?, company_id).await
}

async fn read_branding<'e, E>(executor: E, company_id: i64) -> Result<Branding, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (name, brand_color, logo_url, support_email): (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT name, brand_color, logo_url, support_email FROM companies WHERE id = $1",
    )
    .bind(company_id)
    .fetch_optional(executor)
    .await?
    .ok_or_else(|| AppError::not_found("Company"))?;
    Ok(Branding {
        name,
        brand_color,
        logo_url,
        support_email,
    })
}

/// Saves the company's settings (checked by `domain::company::validate_branding`) with a
/// `company.settings_changed` event of what changed; a name another company has is refused.
pub async fn save_branding(
    db: &Db,
    company_id: i64,
    user_id: i64,
    new: &Branding,
) -> Result<(), CreateRefused> {
    let mut tx = db.begin().await?;
    let before = read_branding(&mut *tx, company_id).await?;
    // The unique index on the lowercased name decides between two saves at once.
    let saved = sqlx::query(
        "UPDATE companies SET name = $1, brand_color = $2, logo_url = $3, support_email = $4 WHERE id = $5",
    )
    .bind(&new.name)
    .bind(&new.brand_color)
    .bind(&new.logo_url)
    .bind(&new.support_email)
    .bind(company_id)
    .execute(&mut *tx)
    .await;
    match saved {
        Ok(_) => {}
        Err(e) if super::db::is_unique_violation(&e) => {
            return Err(CreateRefused::Invalid(vec![Problem::new(
                "name",
                "another company has that name: choose another",
            )]));
        }
        Err(e) => return Err(e.into()),
    }
    let mut changed = serde_json::Map::new();
    for (field, old, new) in [
        ("name", Some(&before.name), Some(&new.name)),
        (
            "brand_color",
            before.brand_color.as_ref(),
            new.brand_color.as_ref(),
        ),
        ("logo_url", before.logo_url.as_ref(), new.logo_url.as_ref()),
        (
            "support_email",
            before.support_email.as_ref(),
            new.support_email.as_ref(),
        ),
    ] {
        if old != new {
            changed.insert(field.into(), serde_json::json!({ "from": old, "to": new }));
        }
    }
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind: "company.settings_changed",
            subject_type: "company",
            subject_id: company_id,
            payload: serde_json::Value::Object(changed),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
