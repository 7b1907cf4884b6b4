//! First-run set-up (`/setup`): while no company exists, whoever has the token the server
//! printed in its log creates the first company, its program and owner.

use leptos::prelude::*;

use crate::error::AppError;

/// Whether the portal still waits for its first company.
#[server(prefix = "/api", endpoint = "setup_status")]
pub async fn setup_status() -> Result<bool, AppError> {
    use crate::server::{endpoint, setup, state};

    endpoint(async move { Ok(setup::is_open(&state()?.db).await?) }).await
}

/// Creates the first company with the set-up token, then sends its owner on to choose a
/// password (`/set-password/<token>`), or to sign in when the address already has an account.
#[server(prefix = "/api", endpoint = "complete_setup")]
pub async fn complete_setup(
    token: String,
    name: String,
    owner_name: String,
    owner_email: String,
    currency: String,
) -> Result<(), AppError> {
    use crate::server::companies::CreateRefused;
    use crate::server::setup::{self, SetupRefused};
    use crate::server::{endpoint, state};
    use domain::company::validate_new_company;

    endpoint(async move {
        let state = state()?;
        let company = validate_new_company(&name, &owner_email, &owner_name).map_err(AppError::company_problems)?;
        let currency = currency.trim().to_uppercase();
        let created = match setup::complete(&state.db, &state.hasher, &token, &company, &currency)
            .await
        {
            Ok(created) => created,
            Err(SetupRefused::BadToken) => {
                return Err(AppError::invalid_fields(vec![(
                    "token",
                    "This is not the set-up token the server printed. Copy the whole link from the server's log.".into(),
                )]));
            }
            Err(SetupRefused::Done) => {
                return Err(AppError::new(409, "This portal is set up already. Sign in instead."));
            }
            Err(SetupRefused::Company(CreateRefused::Invalid(problems))) => {
                return Err(AppError::company_problems(problems));
            }
            Err(SetupRefused::Company(CreateRefused::Failed(e))) => return Err(e),
        };
        match created.password_token {
            Some(password) => {
                crate::server::notice::notice(&format!(
                    "{} is ready. Choose the password you will sign in with.",
                    company.name
                ));
                leptos_axum::redirect(&format!("/set-password/{password}"));
            }
            None => {
                crate::server::notice::notice(&format!(
                    "{} is ready. {} already has an account: sign in with its password.",
                    company.name, company.owner_email
                ));
                leptos_axum::redirect("/login");
            }
        }
        Ok(())
    })
    .await
}
