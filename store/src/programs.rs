//! Creating programs: from the program settings page and for a new company.

use domain::link::TrackingSettings;
use domain::program::{DealSettings, ProgramSettings};

use super::db::Tx;
use crate::error::AppError;

/// A program's settings, checked.
pub struct NewProgram<'a> {
    pub settings: &'a ProgramSettings,
    pub deals: &'a DealSettings,
    pub tier_grace_days: i64,
    pub tracking: &'a TrackingSettings,
}

/// Inserts a program of `company_id` with its default group (every partnership needs one) and
/// its public key; the caller records the event.
pub async fn insert(
    tx: &mut Tx,
    company_id: i64,
    program: NewProgram<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let NewProgram {
        settings,
        deals,
        tier_grace_days,
        tracking,
    } = program;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO programs (company_id, name, slug, currency, attribution_window_days, hold_days, min_cashout_minor, signup_mode, allowed_domains, terms, created_at, \
         deal_protection_days, customer_email_visible, tier_grace_days, default_destination, link_param_partner, link_param_click, attribution_model, public_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
    )
    .bind(company_id)
    .bind(&settings.name)
    .bind(&settings.slug)
    .bind(settings.currency.code())
    .bind(settings.attribution_window_days)
    .bind(settings.hold_days)
    .bind(settings.min_cashout_minor)
    .bind(settings.signup_mode.as_str())
    .bind(settings.allowed_domains.join(","))
    .bind(&settings.terms)
    .bind(now)
    .bind(i64::from(deals.protection_days))
    .bind(i64::from(deals.customer_emails_visible))
    .bind(tier_grace_days)
    .bind(&tracking.default_destination)
    .bind(&tracking.params.partner)
    .bind(&tracking.params.click)
    .bind(tracking.model.as_str())
    .bind(super::links::new_public_key())
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO partner_groups (program_id, name, is_default, created_at) VALUES ($1, 'Default', 1, $2)",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Whether another program (not `except`) already has the address `/join/<slug>`.
pub async fn slug_taken(tx: &mut Tx, slug: &str, except: i64) -> Result<bool, AppError> {
    let taken: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM programs WHERE slug = $1 AND id <> $2")
            .bind(slug)
            .bind(except)
            .fetch_one(&mut **tx)
            .await?;
    Ok(taken > 0)
}
