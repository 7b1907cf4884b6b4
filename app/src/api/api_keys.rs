//! Program API keys for the vendor API: made and revoked by owners, admins and technical
//! teammates; a key is shown once, then only its prefix.

use leptos::prelude::*;

use crate::dto::{ApiKeysPage, CreatedApiKey};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "api_keys")]
pub async fn fetch_api_keys(program: Option<i64>) -> Result<ApiKeysPage, AppError> {
    use crate::server::{api_keys, endpoint, require_teammate, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApiKeys).await?;
        let selected = crate::server::authz::current_program(program)?;
        let keys = match &selected {
            Some(p) => api_keys::list(&state.db, p.id).await?,
            None => Vec::new(),
        };
        Ok(ApiKeysPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            keys,
            new_key: crate::server::notice::take_revealed("api_key"),
        })
    })
    .await
}

/// Makes a key for the program and returns it: the only time it can be read.
#[server(prefix = "/api", endpoint = "create_api_key")]
pub async fn create_api_key(program: i64, name: String) -> Result<CreatedApiKey, AppError> {
    use crate::server::{api_keys, endpoint, require_teammate};
    use domain::permissions::Permission;
    use domain::transaction::api_key::validate_name;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApiKeys).await?;
        let program = crate::server::authz::program(program)?;
        let name =
            validate_name(&name).map_err(|e| AppError::invalid_fields(vec![("name", e.0)]))?;
        let created = api_keys::create(
            &state.db,
            program.id,
            me.company_id,
            me.identity.user_id,
            name,
        )
        .await?;
        crate::server::notice::notice(&format!(
            "Key {} created. Copy it now: it is not shown again.",
            created.name
        ));
        crate::server::notice::reveal("api_key", &created.key);
        Ok(created)
    })
    .await
}

/// Revokes a key of one of the company's programs; requests with it get 401 from then on.
#[server(prefix = "/api", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(key_id: i64) -> Result<(), AppError> {
    use crate::server::{api_keys, endpoint, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApiKeys).await?;
        api_keys::revoke(&state.db, me.company_id, me.identity.user_id, key_id).await?;
        crate::server::notice::notice("Key revoked. Requests with it are refused from now on.");
        Ok(())
    })
    .await
}
