//! One partner, as the vendor sees it: team, contacts, terms, history and notes.

use leptos::prelude::*;

use crate::dto::PartnerDetail;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "partner")]
pub async fn fetch_partner(partnership_id: i64) -> Result<PartnerDetail, AppError> {
    use crate::server::{endpoint, partnerships, public_origin, require_teammate, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        // The same permissions as the partners table's bulk actions, which these forms use.
        let can_manage = me.role.can(Permission::ManagePartners)
            && me.role.can(Permission::ManageGroupsTagsTiers);
        let d = partnerships::detail(
            &state.db,
            me.company_id,
            me.allowed_groups.as_deref(),
            partnership_id,
            can_manage,
            &public_origin(&state),
        )
        .await?;
        Ok(PartnerDetail {
            viewer: viewer(&me.company_name, Some(d.program_id))?,
            partnership_id: d.id,
            program: d.program,
            partner_team: d.partner_team,
            kind: d.kind,
            website: d.website,
            country: d.country,
            partner_key: d.partner_key,
            status: d.status,
            rejection_reason: d.rejection_reason,
            group: d.group,
            tier: d.tier,
            manager: d.manager,
            joined_at: d.joined_at,
            notes: d.notes,
            tags: d.tags,
            contacts: d.contacts,
            history: d.history,
            can_edit_notes: me.role.can(Permission::ManagePartners),
            can_change_status: me.role.can(Permission::ManagePartners),
            program_id: d.program_id,
            group_id: d.group_id,
            tier_id: d.tier_id,
            manager_id: d.manager_id,
            tag_ids: d.tag_ids,
            choices: d.choices,
            can_pass_leads: me.role.can(Permission::ManageLeads)
                && d.status == domain::partnership::PartnershipStatus::Active,
            links: d.links,
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "save_partner_notes")]
pub async fn save_partner_notes(partnership_id: i64, notes: String) -> Result<(), AppError> {
    use crate::server::{endpoint, partnerships, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManagePartners).await?;
        let notes = notes.trim().to_owned();
        if notes.chars().count() > 10_000 {
            return Err(AppError::invalid_fields(vec![(
                "notes",
                "Notes are at most 10,000 characters".into(),
            )]));
        }
        partnerships::save_notes(
            &state.db,
            me.company_id,
            me.allowed_groups.as_deref(),
            me.identity.user_id,
            partnership_id,
            &notes,
        )
        .await?;
        crate::server::notice::notice("Notes saved.");
        Ok(())
    })
    .await
}

/// Suspends, reactivates, archives or unarchives one partner (`action`: the name of a
/// `domain::partnership::StatusAction`), with an optional reason kept in its history.
#[server(prefix = "/api", endpoint = "change_partner_status")]
pub async fn change_partner_status(
    partnership_id: i64,
    action: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{endpoint, partnerships, require_teammate};
    use domain::partnership::StatusAction;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManagePartners).await?;
        let action = StatusAction::parse(&action)
            .ok_or_else(|| AppError::bad_request("Choose what to do with this partner"))?;
        let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > 500) {
            return Err(AppError::invalid_fields(vec![(
                "reason",
                "A reason is at most 500 characters".into(),
            )]));
        }
        let now =
            partnerships::change_status(&state.db, &me, partnership_id, action, reason).await?;
        crate::server::notice::notice(&format!(
            "The partnership is now {}.",
            now.label().to_lowercase()
        ));
        Ok(())
    })
    .await
}
