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
    use crate::server::{endpoint, links, public_origin, require_contact};
    use domain::permissions::ContactPermission;

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
            return Err(AppError::invalid_fields(vec![(
                "name",
                "Name the link in 1 to 80 characters".into(),
            )]));
        }
        let link = links::ExtraLink {
            program_id: context.program_id,
            company_id: context.company_id,
            partnership_id: context.partnership_id,
            owner: (!for_team).then_some((me.contact_id, me.identity.name.as_str())),
            user_id: me.identity.user_id,
            name,
            destination: &destination,
        };
        let link = links::add_extra(&state.db, &public_origin(&state), link).await?;
        crate::server::notice::notice(&format!("Link \"{}\" created.", link.name));
        Ok(link)
    })
    .await
}

/// Turns one of the current program's links off (`turn=off`) or back on (`turn=on`): the
/// contact's own with the right to share links, the team's or another contact's with the right
/// to manage the team's links.
#[server(prefix = "/api", endpoint = "set_link_enabled")]
pub async fn set_link_enabled(link: i64, turn: String) -> Result<LinkState, AppError> {
    use crate::server::{endpoint, links, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ShareOwnLinks).await?;
        let enabled = match turn.as_str() {
            "on" => true,
            "off" => false,
            _ => return Err(AppError::bad_request("Say turn=on or turn=off")),
        };
        let context =
            crate::server::authz::partnership()?.ok_or_else(|| AppError::not_found("Link"))?;
        let switch = links::LinkSwitch {
            link_id: link,
            partnership_id: context.partnership_id,
            company_id: context.company_id,
            contact_id: me.contact_id,
            role: me.role,
            user_id: me.identity.user_id,
            enabled,
        };
        let link = links::turn(&state.db, switch).await?;
        crate::server::notice::notice(&format!(
            "Link \"{}\" turned {}.",
            link.name,
            if link.enabled {
                "on"
            } else {
                "off: its address now answers \"not found\" (within a minute)"
            },
        ));
        Ok(link)
    })
    .await
}
