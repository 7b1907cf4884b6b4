//! Partners' referral links.

use leptos::prelude::*;

use crate::dto::{LinkState, LinkView};
use crate::error::AppError;

/// Makes an extra link in the current program for the contact (or, with `for_team` and the
/// permission, for the team), to the program's default destination or one on its allow-list.
#[server(prefix = "/api", endpoint = "create_link")]
pub async fn create_link(
    name: String,
    destination: String,
    for_team: Option<String>,
) -> Result<LinkView, AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{db::now_ms, endpoint, links, public_origin, require_contact};
    use domain::permissions::ContactPermission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ShareOwnLinks).await?;
        let for_team = for_team.is_some_and(|v| !v.is_empty());
        if for_team && !me.role.can(ContactPermission::ManageTeamLinks) {
            return Err(AppError::forbidden());
        }
        let context = crate::server::authz::partnership()?
            .filter(|c| c.active)
            .ok_or_else(|| AppError::new(409, "Links are for active partnerships"))?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(AppError::invalid_fields(vec![("name", "Name the link in 1 to 80 characters".into())]));
        }
        let allowed: String = sqlx::query("SELECT allowed_domains FROM programs WHERE id = $1")
            .bind(context.program_id)
            .fetch_one(&state.db.pool)
            .await?
            .try_get(0)?;
        let destination = match destination.trim() {
            "" => None,
            text => Some(
                domain::link::parse_destination(text, &links::domain_list(&allowed))
                    .map_err(|e| AppError::invalid_fields(vec![("destination", e.0)]))?,
            ),
        };
        let now = now_ms();
        let contact = (!for_team).then_some(me.contact_id);
        let mut tx = state.db.begin().await?;
        let link = links::NewLink {
            program_id: context.program_id,
            partnership_id: context.partnership_id,
            contact_id: contact,
            name,
            destination: destination.as_deref(),
            user_id: me.identity.user_id,
        };
        let (id, key) = links::create(&mut tx, link, now).await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(context.company_id),
                kind: "link.created",
                subject_type: "link",
                subject_id: id,
                payload: serde_json::json!({ "partnership_id": context.partnership_id, "name": name, "destination": destination, "team": for_team }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(LinkView {
            id,
            name: name.to_owned(),
            url: links::share_url(&public_origin(&state), &key),
            destination,
            owner: (!for_team).then(|| me.identity.name.clone()),
            clicks: 0,
            signups: 0,
            enabled: true,
        })
    })
    .await
}

/// Turns one of the current program's links off (`turn=off`) or back on (`turn=on`): the
/// contact's own with the right to share links, the team's or another contact's with the right
/// to manage the team's links.
#[server(prefix = "/api", endpoint = "set_link_enabled")]
pub async fn set_link_enabled(link: i64, turn: String) -> Result<LinkState, AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{db::now_ms, endpoint, links, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ShareOwnLinks).await?;
        let enabled = match turn.as_str() {
            "on" => true,
            "off" => false,
            _ => return Err(AppError::bad_request("Say turn=on or turn=off")),
        };
        let context = crate::server::authz::partnership()?
            .ok_or_else(|| AppError::not_found("Link"))?;
        let mut tx = state.db.begin().await?;
        let found = links::owner(&mut tx, link, context.partnership_id)
            .await?
            .ok_or_else(|| AppError::not_found("Link"))?;
        let own = found.contact_id == Some(me.contact_id);
        if !me.role.can(domain::link::manage_link_permission(own)) {
            return Err(AppError::forbidden());
        }
        if found.enabled != enabled {
            links::set_enabled(&mut tx, link, enabled, now_ms()).await?;
            events::append(
                &mut tx,
                NewEvent {
                    actor_user_id: Some(me.identity.user_id),
                    company_id: Some(context.company_id),
                    kind: if enabled { "link.enabled" } else { "link.disabled" },
                    subject_type: "link",
                    subject_id: link,
                    payload: serde_json::json!({ "partnership_id": context.partnership_id, "name": found.name }),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(LinkState {
            id: link,
            name: found.name,
            enabled,
        })
    })
    .await
}
