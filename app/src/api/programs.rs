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
    use crate::server::{endpoint, programs, public_origin, require_teammate, viewer};
    use domain::permissions::Permission;
    use domain::program::SignupMode;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let creating = new.unwrap_or(false);
        if creating && !me.role.can(Permission::ManageProgramSettings) {
            return Err(AppError::forbidden());
        }
        let selected = if creating {
            None
        } else {
            crate::server::authz::current_program(program)?
        };
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
                churn_days: domain::customer::DEFAULT_CHURN_DAYS,
                customer_emails_visible: false,
                default_destination: String::new(),
                link_param_partner: domain::link::LinkParams::default().partner,
                link_param_click: domain::link::LinkParams::default().click,
                attribution_model: domain::link::AttributionModel::LastClick,
                snippet: None,
            },
            Some(p) => {
                programs::settings_form(&state.db, p.id, me.company_id, &public_origin(&state))
                    .await?
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
    churn_days: Option<String>,
) -> Result<i64, AppError> {
    use crate::server::{endpoint, programs, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageProgramSettings).await?;
        let id = id
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.parse::<i64>())
            .transpose()
            .map_err(|_| AppError::bad_request("Unknown program"))?;
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
        let deals = domain::program::validate_deal_settings(
            deal_protection_days.as_deref(),
            customer_emails.as_deref(),
        )
        .map_err(AppError::invalid_fields)?;
        // A new program starts with the default tracking settings; `save_tracking` changes them.
        let tracking = domain::link::TrackingSettings::default();
        let grace_days = domain::tier::parse_grace_days(tier_grace_days.as_deref())
            .map_err(|e| AppError::invalid_fields(vec![("tier_grace_days", e.0)]))?;
        let churn_days = domain::customer::parse_churn_days(churn_days.as_deref())
            .map_err(|e| AppError::invalid_fields(vec![("churn_days", e.0)]))?;
        if let Some(p) = &existing
            && p.currency != settings.currency.code()
        {
            return Err(AppError::invalid_fields(vec![(
                "currency",
                "The currency cannot change once a program exists".into(),
            )]));
        }
        let program = programs::NewProgram {
            settings: &settings,
            deals: &deals,
            tier_grace_days: grace_days,
            churn_days,
            tracking: &tracking,
        };
        let id = programs::save(
            &state.db,
            me.company_id,
            me.identity.user_id,
            existing.as_ref(),
            program,
        )
        .await?;
        if existing.is_some() {
            crate::server::notice::notice("Saved.");
        } else {
            // The new program's own settings page, where its tools are linked.
            crate::server::notice::notice("Program created.");
            leptos_axum::redirect(&format!("/vendor/program?program={id}"));
        }
        Ok(id)
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
    use crate::server::{endpoint, programs, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTracking).await?;
        let program = crate::server::authz::program(program)?;
        let form = programs::TrackingForm {
            default_destination: &default_destination,
            link_param_partner: &link_param_partner,
            link_param_click: &link_param_click,
            attribution_model: &attribution_model,
        };
        programs::save_tracking(
            &state.db,
            program.id,
            me.company_id,
            me.identity.user_id,
            form,
        )
        .await?;
        crate::server::notice::notice("Tracking settings saved.");
        Ok(())
    })
    .await
}
