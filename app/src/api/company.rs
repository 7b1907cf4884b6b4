//! The company's settings (`/vendor/company`): its name, brand colour, logo and support
//! address, which its partners see on their pages and on the signup page.

use leptos::prelude::*;

use crate::dto::CompanySettingsPage;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "company_settings")]
pub async fn fetch_company_settings() -> Result<CompanySettingsPage, AppError> {
    use crate::server::{companies, endpoint, require_teammate, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageCompany).await?;
        Ok(CompanySettingsPage {
            viewer: viewer(&me.company_name, None)?,
            settings: companies::branding(&state.db, me.company_id).await?,
        })
    })
    .await
}

/// Saves the company's settings; an empty optional field unsets it.
#[server(prefix = "/api", endpoint = "save_company_settings")]
pub async fn save_company_settings(
    name: String,
    brand_color: String,
    logo_url: String,
    support_email: String,
) -> Result<(), AppError> {
    use crate::server::companies::{self, CreateRefused};
    use crate::server::{endpoint, require_teammate};
    use domain::company::validate_branding;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageCompany).await?;
        let settings = validate_branding(&name, &brand_color, &logo_url, &support_email)
            .map_err(AppError::company_problems)?;
        match companies::save_branding(&state.db, me.company_id, me.identity.user_id, &settings)
            .await
        {
            Ok(()) => {}
            Err(CreateRefused::Invalid(problems)) => {
                return Err(AppError::company_problems(problems));
            }
            Err(CreateRefused::Failed(e)) => return Err(e),
        }
        crate::server::notice::notice("Company settings saved.");
        Ok(())
    })
    .await
}
