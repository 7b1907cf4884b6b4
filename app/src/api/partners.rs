//! The partners table: filters, search, sort, keyset pages and bulk actions.

use leptos::prelude::*;

use crate::dto::{BulkResult, PartnersPage};
use crate::error::AppError;

/// One page of the program's partners matching the filters. Every filter is optional;
/// `segment` applies a saved segment's rule.
#[server(prefix = "/api", endpoint = "partners")]
pub async fn fetch_partners(
    program: Option<i64>,
    status: Option<String>,
    group: Option<i64>,
    tier: Option<String>,
    tag: Option<i64>,
    segment: Option<i64>,
    manager: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    after: Option<String>,
) -> Result<PartnersPage, AppError> {
    use crate::server::{endpoint, partner_list, require_teammate, structure, viewer};
    use domain::partnership::PartnershipStatus;
    use domain::permissions::Permission;
    use domain::segment::{Condition, Rule};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let selected = crate::server::authz::current_program(program)?;
        let viewer = viewer(&me.company_name, selected.as_ref().map(|p| p.id))?;
        let can_bulk_edit = me.role.can(Permission::ManagePartners)
            && me.role.can(Permission::ManageGroupsTagsTiers);
        let Some(program) = selected else {
            let structure = crate::dto::Structure {
                groups: vec![],
                tiers: vec![],
                tags: vec![],
                segments: vec![],
                managers: vec![],
            };
            return Ok(PartnersPage {
                viewer,
                program: None,
                structure,
                can_bulk_edit,
                rows: vec![],
                next: None,
            });
        };
        let structure = structure::choices(&state.db, program.id, me.company_id).await?;
        let blank = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut conditions = Vec::new();
        if let Some(s) = blank(&status) {
            conditions.push(Condition::Status(PartnershipStatus::parse(&s)?));
        }
        if let Some(g) = group {
            conditions.push(Condition::Group(g));
        }
        match blank(&tier).as_deref() {
            Some("none") => conditions.push(Condition::Tier(None)),
            Some(t) => conditions.push(Condition::Tier(Some(
                t.parse()
                    .map_err(|_| AppError::bad_request("Unknown tier"))?,
            ))),
            None => {}
        }
        if let Some(t) = tag {
            conditions.push(Condition::HasTag(t));
        }
        match blank(&manager).as_deref() {
            Some("none") => conditions.push(Condition::Manager(None)),
            Some(m) => conditions.push(Condition::Manager(Some(
                m.parse()
                    .map_err(|_| AppError::bad_request("Unknown manager"))?,
            ))),
            None => {}
        }
        if let Some(q) = blank(&q) {
            conditions.push(Condition::Search(q));
        }
        let mut rule = Rule::all_of(conditions);
        if let Some(id) = segment {
            let saved = structure
                .segments
                .iter()
                .find(|s| s.id == id)
                .ok_or_else(|| AppError::not_found("Segment"))?;
            rule = Rule::All(vec![rule, saved.rule.clone()]);
        }
        rule.validate()?;
        let allowed = me.allowed_groups.clone();
        let rule = structure::within_groups(rule, allowed.as_deref());
        let sort = partner_list::Sort::parse(sort.as_deref());
        let (rows, next) =
            partner_list::page(&state.db, program.id, &rule, sort, after.as_deref()).await?;
        Ok(PartnersPage {
            viewer,
            program: Some(program),
            structure,
            can_bulk_edit,
            rows,
            next,
        })
    })
    .await
}

/// Applies one action to the selected partnerships of a program: `add_tag`, `remove_tag`
/// (with `tag`), `move_group` (with `group`), `set_tier` (with `tier`, empty for none),
/// `assign_manager` (with `manager`, empty for none), or a status action: `suspend`,
/// `reactivate`, `archive` or `unarchive` (partners it does not apply to are left as they are).
#[server(prefix = "/api", endpoint = "bulk_update_partners")]
pub async fn bulk_update_partners(
    program: i64,
    action: String,
    ids: Option<Vec<i64>>,
    tag: Option<String>,
    group: Option<String>,
    tier: Option<String>,
    manager: Option<String>,
) -> Result<BulkResult, AppError> {
    use crate::server::bulk::{self, BulkAction};
    use crate::server::{endpoint, optional_id, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let program = crate::server::authz::program(program)?;
        let ids = ids.unwrap_or_default();
        if ids.is_empty() {
            return Err(AppError::bad_request("Select at least one partner"));
        }
        if ids.len() > bulk::MAX_IDS {
            return Err(AppError::bad_request(format!(
                "Select at most {} partners at a time",
                bulk::MAX_IDS
            )));
        }
        let optional_id = |v: Option<String>, what: &str| optional_id(v.as_deref(), what);
        let action = match action.as_str() {
            "add_tag" => BulkAction::AddTag(
                optional_id(tag, "tag")?.ok_or_else(|| AppError::bad_request("Choose a tag"))?,
            ),
            "remove_tag" => BulkAction::RemoveTag(
                optional_id(tag, "tag")?.ok_or_else(|| AppError::bad_request("Choose a tag"))?,
            ),
            "move_group" => BulkAction::MoveGroup(
                optional_id(group, "group")?
                    .ok_or_else(|| AppError::bad_request("Choose a group"))?,
            ),
            "set_tier" => BulkAction::SetTier(optional_id(tier, "tier")?),
            "assign_manager" => BulkAction::AssignManager(optional_id(manager, "manager")?),
            other => domain::partnership::StatusAction::parse(other)
                .map(BulkAction::Status)
                .ok_or_else(|| AppError::bad_request("Choose an action"))?,
        };
        let needed = action.permission();
        if !me.role.can(needed) {
            return Err(AppError::forbidden());
        }
        let allowed = me.allowed_groups.clone();
        let changed =
            bulk::apply(&state.db, &me, program.id, &ids, allowed.as_deref(), action).await?;
        crate::server::notice::notice(&format!(
            "Updated {changed} partner{}.",
            if changed == 1 { "" } else { "s" }
        ));
        Ok(BulkResult { changed })
    })
    .await
}
