//! Program API keys for the vendor API: made and revoked by owners, admins and technical
//! teammates; a key is shown once, then only its prefix.

use leptos::prelude::*;

use crate::dto::{ApiKeysPage, CreatedApiKey};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "api_keys")]
pub async fn fetch_api_keys(program: Option<i64>) -> Result<ApiKeysPage, AppError> {
    use crate::dto::ApiKeyRow;
    use crate::server::{endpoint, require_teammate, viewer};
    use domain::permissions::Permission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApiKeys).await?;
        let selected = crate::server::authz::current_program(program)?;
        let mut keys = Vec::new();
        if let Some(p) = &selected {
            let rows = sqlx::query(
                "SELECT k.id, k.name, k.prefix, k.created_at, u.name, k.revoked_at FROM api_keys k \
                 JOIN users u ON u.id = k.created_by_user_id WHERE k.program_id = $1 ORDER BY k.id DESC",
            )
            .bind(p.id)
            .fetch_all(&state.db.pool)
            .await?;
            for r in rows {
                keys.push(ApiKeyRow {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    prefix: r.try_get(2)?,
                    created_at: domain::time::format_date(r.try_get(3)?),
                    created_by: r.try_get(4)?,
                    revoked_at: r.try_get::<Option<i64>, _>(5)?.map(domain::time::format_date),
                });
            }
        }
        Ok(ApiKeysPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            keys,
        })
    })
    .await
}

/// Makes a key for the program and returns it: the only time it can be read.
#[server(prefix = "/api", endpoint = "create_api_key")]
pub async fn create_api_key(program: i64, name: String) -> Result<CreatedApiKey, AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{api_keys, db::now_ms, endpoint, require_teammate};
    use domain::permissions::Permission;
    use domain::transaction::api_key::validate_name;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApiKeys).await?;
        let program = crate::server::authz::program(program)?;
        let name = validate_name(&name).map_err(|e| AppError::invalid_fields(vec![("name", e.0)]))?;
        let (key, prefix, hash) = api_keys::generate();
        let mut tx = state.db.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_keys (program_id, name, prefix, key_hash, created_by_user_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(program.id)
        .bind(&name)
        .bind(&prefix)
        .bind(&hash)
        .bind(me.identity.user_id)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: "api_key.created",
                subject_type: "api_key",
                subject_id: id,
                payload: serde_json::json!({ "program_id": program.id, "name": name, "prefix": prefix }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedApiKey { name, key })
    })
    .await
}

/// Revokes a key of one of the company's programs; requests with it get 401 from then on.
#[server(prefix = "/api", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(key_id: i64) -> Result<(), AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{db::now_ms, endpoint, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageApiKeys).await?;
        let mut tx = state.db.begin().await?;
        let revoked = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
             AND program_id IN (SELECT id FROM programs WHERE company_id = $3)",
        )
        .bind(now_ms())
        .bind(key_id)
        .bind(me.company_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if revoked != 1 {
            return Err(AppError::not_found("API key"));
        }
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: "api_key.revoked",
                subject_type: "api_key",
                subject_id: key_id,
                payload: serde_json::json!({}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
