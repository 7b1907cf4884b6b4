//! Programs: creating them (from the program settings page and for a new company), their
//! settings form, and saving their settings and tracking settings.

use domain::link::TrackingSettings;
use domain::program::{DealSettings, ProgramSettings, SignupMode};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::db::{Db, Tx, is_unique_violation, now_ms};
use super::events::{self, NewEvent};
use crate::dto::{ProgramForm, ProgramSummary};
use crate::error::AppError;

/// Who changes something of a program (its webhooks, its email wording), in which company.
pub struct Change {
    pub company_id: i64,
    pub program_id: i64,
    pub user_id: i64,
}

impl Change {
    /// Appends the change's event about `subject`, its payload naming the program.
    pub async fn log(
        &self,
        tx: &mut Tx,
        kind: &str,
        subject: (&str, i64),
        mut payload: serde_json::Value,
    ) -> Result<(), AppError> {
        payload["program_id"] = self.program_id.into();
        events::append(
            tx,
            NewEvent {
                actor_user_id: Some(self.user_id),
                company_id: Some(self.company_id),
                kind,
                subject_type: subject.0,
                subject_id: subject.1,
                payload,
            },
        )
        .await?;
        Ok(())
    }
}

/// A program's settings, checked.
pub struct NewProgram<'a> {
    pub settings: &'a ProgramSettings,
    pub deals: &'a DealSettings,
    pub tier_grace_days: i64,
    pub churn_days: i64,
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
    Ok(insert_rows(tx, company_id, program, now).await?)
}

/// [`insert`], with the database's error for [`save`] to tell a taken address.
async fn insert_rows(
    tx: &mut Tx,
    company_id: i64,
    program: NewProgram<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let NewProgram {
        settings,
        deals,
        tier_grace_days,
        churn_days,
        tracking,
    } = program;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO programs (company_id, name, slug, currency, attribution_window_days, hold_days, min_cashout_minor, signup_mode, allowed_domains, terms, created_at, \
         deal_protection_days, customer_email_visible, tier_grace_days, default_destination, link_param_partner, link_param_click, attribution_model, public_key, churn_days) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
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
    .bind(churn_days)
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

/// The answer to an address another program has.
fn slug_taken_error(slug: &str) -> AppError {
    AppError::invalid_fields(vec![(
        "slug",
        format!("/join/{slug} is taken; choose another address"),
    )])
}

/// Creates a program of `company_id` (`existing` `None`) or saves `existing`, one of its
/// programs, with the event of the change. Returns the program's id. The currency of an
/// existing program is not written: its amounts are stored in that currency's minor units.
pub async fn save(
    db: &Db,
    company_id: i64,
    user_id: i64,
    existing: Option<&ProgramSummary>,
    program: NewProgram<'_>,
) -> Result<i64, AppError> {
    let NewProgram {
        settings,
        deals,
        tier_grace_days,
        churn_days,
        ..
    } = program;
    let id = existing.map(|p| p.id);
    let now = now_ms();
    let domains = settings.allowed_domains.join(",");
    // Besides the slug, the only unique value written is the public key: 256 random bits.
    let taken = |e: sqlx::Error| -> AppError {
        if is_unique_violation(&e) {
            slug_taken_error(&settings.slug)
        } else {
            e.into()
        }
    };
    let mut tx = db.begin().await?;
    if slug_taken(&mut tx, &settings.slug, id.unwrap_or(0)).await? {
        return Err(slug_taken_error(&settings.slug));
    }
    let program_id: i64 = match id {
        Some(id) => sqlx::query_scalar(
            "UPDATE programs SET name = $1, slug = $2, attribution_window_days = $3, hold_days = $4, min_cashout_minor = $5, \
             signup_mode = $6, allowed_domains = $7, terms = $8, deal_protection_days = $11, customer_email_visible = $12, tier_grace_days = $13, \
             churn_days = $14 WHERE id = $9 AND company_id = $10 RETURNING id",
        )
        .bind(&settings.name)
        .bind(&settings.slug)
        .bind(settings.attribution_window_days)
        .bind(settings.hold_days)
        .bind(settings.min_cashout_minor)
        .bind(settings.signup_mode.as_str())
        .bind(&domains)
        .bind(&settings.terms)
        .bind(id)
        .bind(company_id)
        .bind(i64::from(deals.protection_days))
        .bind(i64::from(deals.customer_emails_visible))
        .bind(tier_grace_days)
        .bind(churn_days)
        .fetch_one(&mut *tx)
        .await
        .map_err(taken)?,
        None => insert_rows(&mut tx, company_id, program, now)
            .await
            .map_err(taken)?,
    };
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind: if existing.is_some() {
                "program.updated"
            } else {
                "program.created"
            },
            subject_type: "program",
            subject_id: program_id,
            payload: serde_json::json!({
                "before": existing.map(|p| &p.name),
                "name": settings.name,
                "slug": settings.slug,
                "signup_mode": settings.signup_mode.as_str(),
                "min_cashout_minor": settings.min_cashout_minor,
                "deal_protection_days": deals.protection_days,
                "customer_emails_visible": deals.customer_emails_visible,
                "tier_grace_days": tier_grace_days,
                "churn_days": churn_days,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(program_id)
}

/// The settings form of program `program_id`, one of `company_id`'s, with the tracking snippet
/// (loading the script from `origin`) once the program has a public key.
pub async fn settings_form(
    db: &Db,
    program_id: i64,
    company_id: i64,
    origin: &str,
) -> Result<ProgramForm, AppError> {
    let r = sqlx::query(
        "SELECT name, slug, currency, attribution_window_days, hold_days, min_cashout_minor, signup_mode, allowed_domains, terms, \
         deal_protection_days, customer_email_visible, tier_grace_days, default_destination, link_param_partner, link_param_click, \
         attribution_model, public_key, churn_days FROM programs WHERE id = $1 AND company_id = $2",
    )
    .bind(program_id)
    .bind(company_id)
    .fetch_one(&mut db.conn().await?)
    .await?;
    form_row(&r, program_id, origin)
}

/// A row of [`settings_form`]'s query as the form. Stored names that no longer parse are
/// internal errors: the form could not save them back.
fn form_row(r: &AnyRow, id: i64, origin: &str) -> Result<ProgramForm, AppError> {
    let currency: String = r.try_get(2)?;
    let minor: i64 = r.try_get(5)?;
    let mode: String = r.try_get(6)?;
    let min_cashout = domain::money::input_text(minor, &currency);
    Ok(ProgramForm {
        id: Some(id),
        name: r.try_get(0)?,
        slug: r.try_get(1)?,
        currency,
        attribution_window_days: r.try_get(3)?,
        hold_days: r.try_get(4)?,
        min_cashout,
        signup_mode: SignupMode::parse(&mode).map_err(AppError::internal)?,
        allowed_domains: r.try_get::<String, _>(7)?.replace(',', ", "),
        terms: r.try_get(8)?,
        deal_protection_days: u32::try_from(r.try_get::<i64, _>(9)?).map_err(AppError::internal)?,
        customer_emails_visible: r.try_get::<i64, _>(10)? != 0,
        tier_grace_days: r.try_get(11)?,
        churn_days: r.try_get(17)?,
        default_destination: r.try_get(12)?,
        link_param_partner: r.try_get(13)?,
        link_param_click: r.try_get(14)?,
        attribution_model: domain::link::AttributionModel::parse(&r.try_get::<String, _>(15)?)
            .map_err(AppError::internal)?,
        snippet: r
            .try_get::<Option<String>, _>(16)?
            .map(|key| snippet(origin, &key, r.try_get(3).unwrap_or(90), r.try_get(14).ok())),
    })
}

/// The `<script>` tag a vendor pastes into its site.
fn snippet(
    origin: &str,
    public_key: &str,
    window_days: i64,
    click_param: Option<String>,
) -> String {
    let click = click_param
        .filter(|p| *p != domain::link::LinkParams::default().click)
        .map(|p| format!(" data-click-param=\"{p}\""))
        .unwrap_or_default();
    format!(
        "<script src=\"{}/js/track.js\" data-key=\"{public_key}\" data-window-days=\"{window_days}\"{click} async></script>",
        origin.trim_end_matches('/')
    )
}

/// A program's link and tracking settings as the form gives them, unchecked.
pub struct TrackingForm<'a> {
    pub default_destination: &'a str,
    pub link_param_partner: &'a str,
    pub link_param_click: &'a str,
    pub attribution_model: &'a str,
}

/// Saves the link and tracking settings of `program_id`, which the caller checked is
/// `company_id`'s. The default destination is checked against the program's allowed domains
/// as they are in the transaction that writes it.
pub async fn save_tracking(
    db: &Db,
    program_id: i64,
    company_id: i64,
    user_id: i64,
    form: TrackingForm<'_>,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let domains: String = sqlx::query_scalar("SELECT allowed_domains FROM programs WHERE id = $1")
        .bind(program_id)
        .fetch_one(&mut *tx)
        .await?;
    let tracking = domain::link::validate_tracking(
        form.default_destination,
        form.link_param_partner,
        form.link_param_click,
        form.attribution_model,
        &super::links::domain_list(&domains),
    )
    .map_err(AppError::invalid_fields)?;
    sqlx::query(
        "UPDATE programs SET default_destination = $1, link_param_partner = $2, link_param_click = $3, attribution_model = $4 WHERE id = $5",
    )
    .bind(&tracking.default_destination)
    .bind(&tracking.params.partner)
    .bind(&tracking.params.click)
    .bind(tracking.model.as_str())
    .bind(program_id)
    .execute(&mut *tx)
    .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind: "program.tracking_updated",
            subject_type: "program",
            subject_id: program_id,
            payload: serde_json::json!({
                "default_destination": tracking.default_destination,
                "link_param_partner": tracking.params.partner,
                "link_param_click": tracking.params.click,
                "attribution_model": tracking.model.as_str(),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The program a tracking snippet reports to, found by its public key.
#[derive(Debug, Clone)]
pub struct SnippetProgram {
    pub id: i64,
    /// The domains whose pages may report signups (the CORS check of the signup endpoint).
    pub allowed_domains: Vec<String>,
}

/// The program whose public key is `public_key` (`None`: no program has it), for the
/// snippet's signup endpoint, which has nothing else to tell the program by.
pub async fn by_public_key(
    db: &Db,
    public_key: &str,
) -> Result<Option<SnippetProgram>, sqlx::Error> {
    let Some(row) = sqlx::query("SELECT id, allowed_domains FROM programs WHERE public_key = $1")
        .bind(public_key)
        .fetch_optional(&mut db.conn().await?)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(SnippetProgram {
        id: row.try_get(0)?,
        allowed_domains: super::links::domain_list(&row.try_get::<String, _>(1)?),
    }))
}
