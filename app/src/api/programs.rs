//! Creating and editing programs.

use leptos::prelude::*;

use crate::dto::ProgramSettingsPage;
use crate::error::AppError;

/// The settings form of a program (`new` for an empty one).
#[server(prefix = "/api", endpoint = "program_settings")]
pub async fn fetch_program_settings(
    program: Option<i64>,
    new: Option<bool>,
) -> Result<ProgramSettingsPage, AppError> {
    use crate::dto::ProgramForm;
    use crate::server::{endpoint, require_teammate, viewer};
    use domain::permissions::Permission;
    use domain::program::SignupMode;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let selected = if new.unwrap_or(false) { None } else { crate::server::authz::current_program(program)? };
        let showing = selected.as_ref().map(|p| p.id);
        let form = match selected {
            None => ProgramForm {
                id: None,
                name: String::new(),
                slug: String::new(),
                currency: "USD".into(),
                attribution_window_days: 90,
                hold_days: 30,
                min_cashout: "50.00".into(),
                signup_mode: SignupMode::Approval,
                allowed_domains: String::new(),
                terms: String::new(),
                deal_protection_days: domain::program::DealSettings::DEFAULT.protection_days,
                tier_grace_days: domain::tier::DEFAULT_GRACE_DAYS,
                customer_emails_visible: false,
                default_destination: String::new(),
                link_param_partner: domain::link::LinkParams::default().partner,
                link_param_click: domain::link::LinkParams::default().click,
                attribution_model: domain::link::AttributionModel::LastClick,
                snippet: None,
            },
            Some(p) => {
                let r = sqlx::query(
                    "SELECT name, slug, currency, attribution_window_days, hold_days, min_cashout_minor, signup_mode, allowed_domains, terms, \
                     deal_protection_days, customer_email_visible, tier_grace_days, default_destination, link_param_partner, link_param_click, \
                     attribution_model, public_key FROM programs WHERE id = $1 AND company_id = $2",
                )
                .bind(p.id)
                .bind(me.company_id)
                .fetch_one(&state.db.pool)
                .await?;
                let currency: String = r.try_get(2)?;
                let minor: i64 = r.try_get(5)?;
                let mode: String = r.try_get(6)?;
                let min_cashout = domain::money::input_text(minor, &currency);
                ProgramForm {
                    id: Some(p.id),
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
                    default_destination: r.try_get(12)?,
                    link_param_partner: r.try_get(13)?,
                    link_param_click: r.try_get(14)?,
                    attribution_model: domain::link::AttributionModel::parse(&r.try_get::<String, _>(15)?).map_err(AppError::internal)?,
                    snippet: r
                        .try_get::<Option<String>, _>(16)?
                        .map(|key| snippet(&crate::server::public_origin(&state), &key, r.try_get(3).unwrap_or(90), r.try_get(14).ok())),
                }
            }
        };
        Ok(ProgramSettingsPage {
            viewer: viewer(&me.company_name, showing)?,
            form,
            can_edit: me.role.can(Permission::ManageProgramSettings),
            can_edit_tracking: me.role.can(Permission::ManageTracking),
        })
    })
    .await
}

/// Creates a program (`id` empty) or saves one of the company's programs. The currency is
/// fixed once the program exists: its amounts are stored in that currency's minor units.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "save_program")]
pub async fn save_program(
    id: Option<String>,
    name: String,
    slug: String,
    currency: String,
    attribution_window_days: String,
    hold_days: String,
    min_cashout: String,
    signup_mode: String,
    allowed_domains: String,
    terms: String,
    deal_protection_days: Option<String>,
    customer_emails: Option<String>,
    tier_grace_days: Option<String>,
) -> Result<i64, AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{db::now_ms, endpoint, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageProgramSettings).await?;
        let id = id.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| v.parse::<i64>()).transpose().map_err(|_| AppError::bad_request("Unknown program"))?;
        let existing = match id {
            Some(id) => Some(crate::server::authz::program(id)?),
            None => None,
        };
        let settings = domain::program::validate_program(
            &name,
            &slug,
            &currency,
            &attribution_window_days,
            &hold_days,
            &min_cashout,
            &signup_mode,
            &allowed_domains,
            &terms,
        )
        .map_err(AppError::invalid_fields)?;
        let deals = domain::program::validate_deal_settings(deal_protection_days.as_deref(), customer_emails.as_deref())
            .map_err(AppError::invalid_fields)?;
        // A new program starts with the default tracking settings; `save_tracking` changes them.
        let tracking = domain::link::TrackingSettings::default();
        let grace_days = domain::tier::parse_grace_days(tier_grace_days.as_deref())
            .map_err(|e| AppError::invalid_fields(vec![("tier_grace_days", e.0)]))?;
        if let Some(p) = &existing
            && p.currency != settings.currency.code()
        {
            return Err(AppError::invalid_fields(vec![("currency", "The currency cannot change once a program exists".into())]));
        }
        let now = now_ms();
        let domains = settings.allowed_domains.join(",");
        let mut tx = state.db.begin().await?;
        if crate::server::programs::slug_taken(&mut tx, &settings.slug, id.unwrap_or(0)).await? {
            return Err(AppError::invalid_fields(vec![("slug", format!("/join/{} is taken; choose another address", settings.slug))]));
        }
        let program_id: i64 = match id {
            Some(id) => sqlx::query_scalar(
                "UPDATE programs SET name = $1, slug = $2, attribution_window_days = $3, hold_days = $4, min_cashout_minor = $5, \
                 signup_mode = $6, allowed_domains = $7, terms = $8, deal_protection_days = $11, customer_email_visible = $12, tier_grace_days = $13 \
                 WHERE id = $9 AND company_id = $10 RETURNING id",
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
            .bind(me.company_id)
            .bind(i64::from(deals.protection_days))
            .bind(i64::from(deals.customer_emails_visible))
            .bind(grace_days)
            .fetch_one(&mut *tx)
            .await?,
            None => {
                crate::server::programs::insert(
                    &mut tx,
                    me.company_id,
                    crate::server::programs::NewProgram { settings: &settings, deals: &deals, tier_grace_days: grace_days, tracking: &tracking },
                    now,
                )
                .await?
            }
        };
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: if existing.is_some() { "program.updated" } else { "program.created" },
                subject_type: "program",
                subject_id: program_id,
                payload: serde_json::json!({
                    "before": existing.map(|p| p.name),
                    "name": settings.name,
                    "slug": settings.slug,
                    "signup_mode": settings.signup_mode.as_str(),
                    "min_cashout_minor": settings.min_cashout_minor,
                    "deal_protection_days": deals.protection_days,
                    "customer_emails_visible": deals.customer_emails_visible,
                    "tier_grace_days": grace_days,
                }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(program_id)
    })
    .await
}

/// Saves a program's link and tracking settings: where links without a destination go, the
/// names of the partner-key and click-id parameters, and the attribution model. Owners,
/// admins and technical teammates (`ManageTracking`).
#[server(prefix = "/api", endpoint = "save_tracking")]
pub async fn save_tracking(
    program: i64,
    default_destination: String,
    link_param_partner: String,
    link_param_click: String,
    attribution_model: String,
) -> Result<(), AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{endpoint, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTracking).await?;
        let program = crate::server::authz::program(program)?;
        let mut tx = state.db.begin().await?;
        let domains: String = sqlx::query_scalar("SELECT allowed_domains FROM programs WHERE id = $1")
            .bind(program.id)
            .fetch_one(&mut *tx)
            .await?;
        let tracking = domain::link::validate_tracking(
            &default_destination,
            &link_param_partner,
            &link_param_click,
            &attribution_model,
            &crate::server::links::domain_list(&domains),
        )
        .map_err(AppError::invalid_fields)?;
        sqlx::query(
            "UPDATE programs SET default_destination = $1, link_param_partner = $2, link_param_click = $3, attribution_model = $4 WHERE id = $5",
        )
        .bind(&tracking.default_destination)
        .bind(&tracking.params.partner)
        .bind(&tracking.params.click)
        .bind(tracking.model.as_str())
        .bind(program.id)
        .execute(&mut *tx)
        .await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: "program.tracking_updated",
                subject_type: "program",
                subject_id: program.id,
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
    })
    .await
}

/// The `<script>` tag a vendor pastes into its site.
#[cfg(feature = "ssr")]
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
