//! Program structure: groups, tags, tiers and segments.

use leptos::prelude::*;

use crate::dto::{SegmentPreview, StructurePage};
use crate::error::AppError;

/// A program's structure: the one asked for, or the program of `segment` (a segment being
/// edited), else the session's.
#[server(prefix = "/api", endpoint = "structure")]
pub async fn fetch_structure(
    program: Option<i64>,
    segment: Option<i64>,
) -> Result<StructurePage, AppError> {
    use crate::server::{endpoint, require_teammate, structure, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let program = match segment {
            Some(segment) => {
                Some(structure::program_of_segment(&state.db, segment, me.company_id).await?)
            }
            None => program,
        };
        let program = crate::server::authz::current_program(program)?;
        let structure = match &program {
            Some(p) => Some(structure::load(&state.db, p.id, me.company_id).await?),
            None => None,
        };
        Ok(StructurePage {
            viewer: viewer(&me.company_name, program.as_ref().map(|p| p.id))?,
            program,
            structure,
            can_edit: me.role.can(Permission::ManageGroupsTagsTiers),
        })
    })
    .await
}

/// Creates a tag or group (`kind` = `tag` | `group`) in one of the company's programs.
#[server(prefix = "/api", endpoint = "create_label")]
pub async fn create_label(program: i64, kind: String, name: String) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, structure};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let program = crate::server::authz::program(program)?;
        structure::create_label(
            &state.db,
            program.id,
            me.company_id,
            me.identity.user_id,
            &kind,
            &name,
        )
        .await?;
        crate::server::notice::notice(&format!("{} {} created.", capitalised(&kind), name.trim()));
        Ok(())
    })
    .await
}

/// Deletes a tag (removing it from every partnership), an empty non-default group, a tier no
/// partnership holds, or a saved segment (membership is computed, so partnerships stay).
#[server(prefix = "/api", endpoint = "delete_label")]
pub async fn delete_label(kind: String, id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, structure};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        structure::delete_label(&state.db, me.company_id, me.identity.user_id, &kind, id).await?;
        crate::server::notice::notice(&deleted_notice(&kind));
        Ok(())
    })
    .await
}

/// Renames a tag or a group of one of the company's programs.
#[server(prefix = "/api", endpoint = "rename_label")]
pub async fn rename_label(kind: String, id: i64, name: String) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, structure};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        structure::rename_label(
            &state.db,
            me.company_id,
            me.identity.user_id,
            &kind,
            id,
            &name,
        )
        .await?;
        crate::server::notice::notice("Renamed.");
        Ok(())
    })
    .await
}

/// Makes a group its program's default: where new partners land.
#[server(prefix = "/api", endpoint = "set_default_group")]
pub async fn set_default_group(id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, structure};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        structure::set_default_group(&state.db, me.company_id, me.identity.user_id, id).await?;
        crate::server::notice::notice("Default group changed. New partners join it.");
        Ok(())
    })
    .await
}

/// Adds a tier (no `id`) or changes one, with its qualification rule and benefits.
#[server(prefix = "/api", endpoint = "save_tier")]
pub async fn save_tier(
    program: i64,
    id: Option<i64>,
    name: String,
    rank: i64,
    metric: String,
    window_days: Option<String>,
    threshold: String,
    multiplier_percent: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, tiers};
    use domain::permissions::Permission;
    use domain::tier::{Metric, TierRule, validate_tier_name};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let program = crate::server::authz::program(program)?;
        let mut fields = Vec::new();
        let name = validate_tier_name(&name)
            .map_err(|e| fields.push(("name", e.0)))
            .ok();
        let metric = Metric::parse(&metric)
            .map_err(|_| fields.push(("metric", "Choose a metric".into())))
            .ok();
        let window_days = match window_days.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => d
                .parse::<u32>()
                .map_err(|_| fields.push(("window_days", "Enter a number of days".into())))
                .ok(),
        };
        let threshold = match metric {
            Some(m) if m.is_money() => domain::money::Currency::parse(&program.currency)
                .and_then(|c| {
                    domain::money::parse_amount(&threshold, c)
                        .and_then(|a| domain::money::to_minor(a, c))
                })
                .map_err(|e| fields.push(("threshold", e.0)))
                .ok(),
            _ => threshold
                .trim()
                .parse::<i64>()
                .map_err(|_| fields.push(("threshold", "Enter a whole number".into())))
                .ok(),
        };
        let multiplier_percent = match multiplier_percent.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) => m
                .parse::<u32>()
                .ok()
                .filter(|m| (1..=1000).contains(m))
                .or_else(|| {
                    fields.push((
                        "multiplier_percent",
                        "Enter a percentage from 1 to 1000".into(),
                    ));
                    None
                }),
        };
        let (Some(name), Some(metric), Some(threshold), true) =
            (name, metric, threshold, fields.is_empty())
        else {
            return Err(AppError::invalid_fields(fields));
        };
        let rule = TierRule {
            metric,
            window_days,
            threshold,
        };
        rule.validate()
            .map_err(|e| AppError::invalid_fields(vec![("threshold", e.0)]))?;
        let tier = tiers::TierForm {
            id,
            name: &name,
            rank,
            rule: &rule,
            multiplier_percent,
        };
        tiers::save(
            &state.db,
            program.id,
            me.company_id,
            me.identity.user_id,
            tier,
        )
        .await?;
        crate::server::notice::notice(if id.is_some() {
            "Tier saved."
        } else {
            "Tier created."
        });
        Ok(())
    })
    .await
}

/// Saves a segment (a new one, or replaces `id`'s name and rule). `rule` is the JSON of a
/// `domain::segment::Rule`.
#[server(prefix = "/api", endpoint = "save_segment")]
pub async fn save_segment(
    program: i64,
    id: Option<i64>,
    name: String,
    rule: String,
) -> Result<i64, AppError> {
    use crate::server::{endpoint, require_teammate, segments};
    use domain::permissions::Permission;
    use domain::segment::{Rule, validate_segment_name};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let program = crate::server::authz::program(program)?;
        let name = validate_segment_name(&name)
            .map_err(|e| AppError::invalid_fields(vec![("name", e.0)]))?;
        let parsed: Rule = serde_json::from_str(&rule)
            .map_err(|_| AppError::bad_request("The rule is not valid"))?;
        parsed.validate()?;
        let id_was_new = id.is_none();
        let id = segments::save(
            &state.db,
            program.id,
            me.company_id,
            me.identity.user_id,
            id,
            &name,
            &parsed,
        )
        .await?;
        crate::server::notice::notice("Segment saved.");
        // A new segment's builder opens on it, with its saved rule and a link to its partners.
        if id_was_new {
            leptos_axum::redirect(&format!("/vendor/segments/{id}?program={}", program.id));
        }
        Ok(id)
    })
    .await
}

/// How many partnerships a rule selects, with the first few names.
#[server(prefix = "/api", endpoint = "preview_segment")]
pub async fn preview_segment(program: i64, rule: String) -> Result<SegmentPreview, AppError> {
    use crate::server::{endpoint, require_teammate, segments, structure};
    use domain::permissions::Permission;
    use domain::segment::Rule;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let program = crate::server::authz::program(program)?;
        let parsed: Rule = serde_json::from_str(&rule)
            .map_err(|_| AppError::bad_request("The rule is not valid"))?;
        parsed.validate()?;
        let allowed = me.allowed_groups.clone();
        let parsed = structure::within_groups(parsed, allowed.as_deref());
        segments::preview(&state.db, program.id, &parsed).await
    })
    .await
}

/// Adds a custom lead field to a group: partners in it answer it when registering a lead.
#[server(prefix = "/api", endpoint = "add_lead_field")]
pub async fn add_lead_field(
    group_id: i64,
    label: String,
    kind: String,
    options: Option<String>,
    required: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, structure};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let field = structure::NewLeadField {
            label: &label,
            kind: &kind,
            options: options.as_deref().unwrap_or(""),
            required: required.as_deref() == Some("yes"),
        };
        structure::add_lead_field(
            &state.db,
            me.company_id,
            me.identity.user_id,
            group_id,
            field,
        )
        .await?;
        crate::server::notice::notice(
            "Lead field added. Partners in the group answer it from now on.",
        );
        Ok(())
    })
    .await
}

/// Removes a custom lead field from a group; leads keep the answers they were given.
#[server(prefix = "/api", endpoint = "remove_lead_field")]
pub async fn remove_lead_field(group_id: i64, key: String) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, structure};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        structure::remove_lead_field(
            &state.db,
            me.company_id,
            me.identity.user_id,
            group_id,
            &key,
        )
        .await?;
        crate::server::notice::notice(
            "Lead field removed. Answers already given stay on their leads.",
        );
        Ok(())
    })
    .await
}

/// "Group deleted.", "Segment deleted." …
#[cfg(feature = "ssr")]
fn deleted_notice(kind: &str) -> String {
    format!("{} deleted.", capitalised(kind))
}

/// A label kind ("group", "tag") at the start of a sentence.
#[cfg(feature = "ssr")]
fn capitalised(kind: &str) -> String {
    let mut chars = kind.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
