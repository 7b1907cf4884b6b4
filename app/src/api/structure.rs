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
                let of_segment: i64 = sqlx::query_scalar(
                    "SELECT s.program_id FROM segments s JOIN programs p ON p.id = s.program_id WHERE s.id = $1 AND p.company_id = $2",
                )
                .bind(segment)
                .bind(me.company_id)
                .fetch_optional(&state.db.pool)
                .await?
                .ok_or_else(|| AppError::not_found("Segment"))?;
                Some(of_segment)
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
    use crate::server::{db::now_ms, endpoint, events, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let program = crate::server::authz::program(program)?;
        let name = domain::program::validate_label_name(&name).map_err(|e| AppError::invalid_fields(vec![("name", e.0)]))?;
        let (sql, taken_sql, event): (&'static str, &'static str, &'static str) = match kind.as_str() {
            "tag" => (
                "INSERT INTO tags (program_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
                "SELECT COUNT(*) FROM tags WHERE program_id = $1 AND name = $2",
                "tag.created",
            ),
            "group" => (
                "INSERT INTO partner_groups (program_id, name, is_default, created_at) VALUES ($1, $2, 0, $3) RETURNING id",
                "SELECT COUNT(*) FROM partner_groups WHERE program_id = $1 AND name = $2",
                "group.created",
            ),
            _ => return Err(AppError::bad_request("Choose tag or group")),
        };
        let taken: i64 = sqlx::query_scalar(taken_sql).bind(program.id).bind(&name).fetch_one(&state.db.pool).await?;
        if taken > 0 {
            return Err(AppError::invalid_fields(vec![("name", format!("\"{name}\" already exists"))]));
        }
        let mut tx = state.db.begin().await?;
        let id: i64 = sqlx::query_scalar(sql).bind(program.id).bind(&name).bind(now_ms()).fetch_one(&mut *tx).await?;
        events::append(
            &mut tx,
            events::NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: event,
                subject_type: if kind == "tag" { "tag" } else { "group" },
                subject_id: id,
                payload: serde_json::json!({ "program_id": program.id, "name": name }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// What `delete_label` and `rename_label` act on: the table, the owner check and the names.
#[cfg(feature = "ssr")]
struct LabelKind {
    /// The row's program, whether it is the default group, and how many partnerships hold it.
    owner_sql: &'static str,
    rename_sql: Option<&'static str>,
    taken_sql: &'static str,
    delete_sql: &'static [&'static str],
    noun: &'static str,
    in_use: Option<&'static str>,
}

#[cfg(feature = "ssr")]
fn label_kind(kind: &str) -> Result<LabelKind, AppError> {
    Ok(match kind {
        "tag" => LabelKind {
            owner_sql: "SELECT x.program_id, 0, 0, x.name FROM tags x JOIN programs p ON p.id = x.program_id WHERE x.id = $1 AND p.company_id = $2",
            rename_sql: Some("UPDATE tags SET name = $1 WHERE id = $2"),
            taken_sql: "SELECT COUNT(*) FROM tags WHERE program_id = $1 AND name = $2 AND id <> $3",
            delete_sql: &[
                "DELETE FROM partnership_tags WHERE tag_id = $1",
                "DELETE FROM tags WHERE id = $1",
            ],
            noun: "tag",
            in_use: None,
        },
        "group" => LabelKind {
            owner_sql: "SELECT x.program_id, x.is_default, (SELECT COUNT(*) FROM partnerships pa WHERE pa.group_id = x.id), x.name \
                        FROM partner_groups x JOIN programs p ON p.id = x.program_id WHERE x.id = $1 AND p.company_id = $2",
            rename_sql: Some("UPDATE partner_groups SET name = $1 WHERE id = $2"),
            taken_sql: "SELECT COUNT(*) FROM partner_groups WHERE program_id = $1 AND name = $2 AND id <> $3",
            delete_sql: &[
                "DELETE FROM teammate_groups WHERE group_id = $1",
                "DELETE FROM partner_groups WHERE id = $1",
            ],
            noun: "group",
            in_use: Some(
                "Only an empty group that is not the default can be deleted; move its partners first",
            ),
        },
        "tier" => LabelKind {
            owner_sql: "SELECT x.program_id, 0, (SELECT COUNT(*) FROM partnerships pa WHERE pa.tier_id = x.id), x.name \
                        FROM tiers x JOIN programs p ON p.id = x.program_id WHERE x.id = $1 AND p.company_id = $2",
            rename_sql: None,
            taken_sql: "SELECT COUNT(*) FROM tiers WHERE program_id = $1 AND name = $2 AND id <> $3",
            delete_sql: &["DELETE FROM tiers WHERE id = $1"],
            noun: "tier",
            in_use: Some("Only a tier no partner holds can be deleted; change their tier first"),
        },
        "segment" => LabelKind {
            owner_sql: "SELECT x.program_id, 0, 0, x.name FROM segments x JOIN programs p ON p.id = x.program_id WHERE x.id = $1 AND p.company_id = $2",
            rename_sql: None,
            taken_sql: "SELECT COUNT(*) FROM segments WHERE program_id = $1 AND name = $2 AND id <> $3",
            delete_sql: &["DELETE FROM segments WHERE id = $1"],
            noun: "segment",
            in_use: None,
        },
        _ => return Err(AppError::bad_request("Choose tag, group, tier or segment")),
    })
}

/// Deletes a tag (removing it from every partnership), an empty non-default group, a tier no
/// partnership holds, or a saved segment (membership is computed, so partnerships stay).
#[server(prefix = "/api", endpoint = "delete_label")]
pub async fn delete_label(kind: String, id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, events, require_teammate};
    use domain::permissions::Permission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let label = label_kind(&kind)?;
        let mut tx = state.db.begin().await?;
        let row = sqlx::query(label.owner_sql)
            .bind(id)
            .bind(me.company_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::not_found(label.noun))?;
        let (is_default, members): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
        if let Some(message) = label.in_use.filter(|_| is_default != 0 || members > 0) {
            return Err(AppError::bad_request(message));
        }
        for sql in label.delete_sql {
            sqlx::query(*sql).bind(id).execute(&mut *tx).await?;
        }
        let event = match label.noun {
            "tag" => "tag.deleted",
            "group" => "group.deleted",
            "tier" => "tier.deleted",
            _ => "segment.deleted",
        };
        events::append(
            &mut tx,
            events::NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: event,
                subject_type: label.noun,
                subject_id: id,
                payload: serde_json::json!({ "program_id": row.try_get::<i64, _>(0)?, "name": row.try_get::<String, _>(3)? }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Renames a tag or a group of one of the company's programs.
#[server(prefix = "/api", endpoint = "rename_label")]
pub async fn rename_label(kind: String, id: i64, name: String) -> Result<(), AppError> {
    use crate::server::{endpoint, events, require_teammate};
    use domain::permissions::Permission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let label = label_kind(&kind)?;
        let Some(rename_sql) = label.rename_sql else {
            return Err(AppError::bad_request("Only tags and groups are renamed here; tiers and segments are saved with their whole form"));
        };
        let name = domain::program::validate_label_name(&name).map_err(|e| AppError::invalid_fields(vec![("name", e.0)]))?;
        let mut tx = state.db.begin().await?;
        let row = sqlx::query(label.owner_sql)
            .bind(id)
            .bind(me.company_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::not_found(label.noun))?;
        let program_id: i64 = row.try_get(0)?;
        let before: String = row.try_get(3)?;
        let taken: i64 = sqlx::query_scalar(label.taken_sql).bind(program_id).bind(&name).bind(id).fetch_one(&mut *tx).await?;
        if taken > 0 {
            return Err(AppError::invalid_fields(vec![("name", format!("\"{name}\" already exists"))]));
        }
        sqlx::query(rename_sql).bind(&name).bind(id).execute(&mut *tx).await?;
        events::append(
            &mut tx,
            events::NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: if label.noun == "tag" { "tag.renamed" } else { "group.renamed" },
                subject_type: label.noun,
                subject_id: id,
                payload: serde_json::json!({ "program_id": program_id, "before": before, "after": name }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Makes a group its program's default: where new partners land.
#[server(prefix = "/api", endpoint = "set_default_group")]
pub async fn set_default_group(id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, events, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let mut tx = state.db.begin().await?;
        let program_id: i64 = sqlx::query_scalar(
            "SELECT g.program_id FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE g.id = $1 AND p.company_id = $2",
        )
        .bind(id)
        .bind(me.company_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("Group"))?;
        let before: Option<i64> = sqlx::query_scalar("SELECT id FROM partner_groups WHERE program_id = $1 AND is_default = 1")
            .bind(program_id)
            .fetch_optional(&mut *tx)
            .await?;
        // Exactly one default per program: clear, then set, in one transaction.
        sqlx::query("UPDATE partner_groups SET is_default = CASE WHEN id = $1 THEN 1 ELSE 0 END WHERE program_id = $2")
            .bind(id)
            .bind(program_id)
            .execute(&mut *tx)
            .await?;
        events::append(
            &mut tx,
            events::NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: "group.made_default",
                subject_type: "group",
                subject_id: id,
                payload: serde_json::json!({ "program_id": program_id, "before": before }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Adds a tier (no `id`) or changes one, with its qualification rule and benefits.
#[allow(clippy::too_many_arguments)]
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
    use crate::server::{db::now_ms, endpoint, events, require_teammate};
    use domain::permissions::Permission;
    use domain::tier::{Metric, TierBenefits, TierRule, validate_tier_name};
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let program = crate::server::authz::program(program)?;
        let mut fields = Vec::new();
        let name = validate_tier_name(&name).map_err(|e| fields.push(("name", e.0))).ok();
        let metric = Metric::parse(&metric).map_err(|_| fields.push(("metric", "Choose a metric".into()))).ok();
        let window_days = match window_days.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => d.parse::<u32>().map_err(|_| fields.push(("window_days", "Enter a number of days".into()))).ok(),
        };
        let threshold = match metric {
            Some(m) if m.is_money() => domain::money::Currency::parse(&program.currency)
                .and_then(|c| domain::money::parse_amount(&threshold, c).and_then(|a| domain::money::to_minor(a, c)))
                .map_err(|e| fields.push(("threshold", e.0)))
                .ok(),
            _ => threshold.trim().parse::<i64>().map_err(|_| fields.push(("threshold", "Enter a whole number".into()))).ok(),
        };
        let multiplier_percent = match multiplier_percent.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(m) => m
                .parse::<u32>()
                .ok()
                .filter(|m| (1..=1000).contains(m))
                .or_else(|| {
                    fields.push(("multiplier_percent", "Enter a percentage from 1 to 1000".into()));
                    None
                }),
        };
        let (Some(name), Some(metric), Some(threshold), true) = (name, metric, threshold, fields.is_empty()) else {
            return Err(AppError::invalid_fields(fields));
        };
        let rule = TierRule { metric, window_days, threshold };
        rule.validate().map_err(|e| AppError::invalid_fields(vec![("threshold", e.0)]))?;
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tiers WHERE program_id = $1 AND rank = $2 AND id <> $3")
            .bind(program.id)
            .bind(rank)
            .bind(id.unwrap_or(0))
            .fetch_one(&state.db.pool)
            .await?;
        if taken > 0 {
            return Err(AppError::invalid_fields(vec![("rank", format!("Another tier already has rank {rank}"))]));
        }
        let rule_json = serde_json::to_string(&rule).map_err(AppError::internal)?;
        let benefits = serde_json::to_string(&TierBenefits { multiplier_percent }).map_err(AppError::internal)?;
        let mut tx = state.db.begin().await?;
        let (tier_id, kind, before) = match id {
            Some(id) => {
                let before = sqlx::query("SELECT name, rank, rule, benefits FROM tiers WHERE id = $1 AND program_id = $2")
                    .bind(id)
                    .bind(program.id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| AppError::not_found("Tier"))?;
                let before = serde_json::json!({
                    "name": before.try_get::<String, _>(0)?,
                    "rank": before.try_get::<i64, _>(1)?,
                    "rule": serde_json::from_str::<serde_json::Value>(&before.try_get::<String, _>(2)?).unwrap_or_default(),
                    "benefits": serde_json::from_str::<serde_json::Value>(&before.try_get::<String, _>(3)?).unwrap_or_default(),
                });
                sqlx::query("UPDATE tiers SET name = $1, rank = $2, rule = $3, benefits = $4 WHERE id = $5")
                    .bind(&name)
                    .bind(rank)
                    .bind(&rule_json)
                    .bind(&benefits)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                (id, "tier.updated", Some(before))
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO tiers (program_id, name, rank, rule, benefits, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(program.id)
                .bind(&name)
                .bind(rank)
                .bind(&rule_json)
                .bind(&benefits)
                .bind(now_ms())
                .fetch_one(&mut *tx)
                .await?;
                (id, "tier.created", None)
            }
        };
        events::append(
            &mut tx,
            events::NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind,
                subject_type: "tier",
                subject_id: tier_id,
                payload: serde_json::json!({
                    "program_id": program.id,
                    "before": before,
                    "name": name,
                    "rank": rank,
                    "rule": rule,
                    "benefits": { "multiplier_percent": multiplier_percent },
                }),
            },
        )
        .await?;
        tx.commit().await?;
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
    use crate::server::{db::now_ms, endpoint, events, require_teammate};
    use domain::permissions::Permission;
    use domain::segment::{Rule, validate_segment_name};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let program = crate::server::authz::program(program)?;
        let name = validate_segment_name(&name).map_err(|e| AppError::invalid_fields(vec![("name", e.0)]))?;
        let parsed: Rule = serde_json::from_str(&rule).map_err(|_| AppError::bad_request("The rule is not valid"))?;
        parsed.validate()?;
        let rule = serde_json::to_string(&parsed).map_err(AppError::internal)?;
        let now = now_ms();
        let mut tx = state.db.begin().await?;
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM segments WHERE program_id = $1 AND name = $2 AND id <> $3")
            .bind(program.id)
            .bind(&name)
            .bind(id.unwrap_or(0))
            .fetch_one(&mut *tx)
            .await?;
        if taken > 0 {
            return Err(AppError::invalid_fields(vec![("name", format!("A segment called \"{name}\" exists"))]));
        }
        let segment_id: i64 = match id {
            Some(id) => sqlx::query_scalar("UPDATE segments SET name = $1, rule = $2, updated_at = $3 WHERE id = $4 AND program_id = $5 RETURNING id")
                .bind(&name)
                .bind(&rule)
                .bind(now)
                .bind(id)
                .bind(program.id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| AppError::not_found("Segment"))?,
            None => sqlx::query_scalar("INSERT INTO segments (program_id, name, rule, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id")
                .bind(program.id)
                .bind(&name)
                .bind(&rule)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?,
        };
        events::append(
            &mut tx,
            events::NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: if id.is_some() { "segment.updated" } else { "segment.created" },
                subject_type: "segment",
                subject_id: segment_id,
                payload: serde_json::json!({ "program_id": program.id, "name": name, "rule": parsed }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(segment_id)
    })
    .await
}

/// How many partnerships a rule selects, with the first few names.
#[server(prefix = "/api", endpoint = "preview_segment")]
pub async fn preview_segment(program: i64, rule: String) -> Result<SegmentPreview, AppError> {
    use crate::server::{endpoint, partner_list, require_teammate, segments, structure};
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
        let count = segments::count(&state.db, program.id, &parsed).await?;
        let (rows, _) = partner_list::page(
            &state.db,
            program.id,
            &parsed,
            partner_list::Sort::Name,
            None,
        )
        .await?;
        Ok(SegmentPreview {
            count,
            sample: rows.into_iter().take(10).map(|r| r.partner_team).collect(),
        })
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
        let mut tx = state.db.begin().await?;
        let mut fields = structure::lead_fields_of_group(&mut tx, &me, group_id).await?;
        let required = required.as_deref() == Some("yes");
        let field = domain::lead_fields::define_field(
            &label,
            &kind,
            options.as_deref().unwrap_or(""),
            required,
            &fields,
        )
        .map_err(AppError::invalid_fields)?;
        fields.push(field.clone());
        let change = (
            "group.lead_field_added",
            serde_json::json!({ "field": field }),
        );
        structure::store_lead_fields(&mut tx, &me, group_id, &fields, change).await?;
        tx.commit().await?;
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
        let mut tx = state.db.begin().await?;
        let mut fields = structure::lead_fields_of_group(&mut tx, &me, group_id).await?;
        let before = fields.len();
        fields.retain(|f| f.key != key);
        if fields.len() == before {
            return Err(AppError::not_found("Lead field"));
        }
        let change = (
            "group.lead_field_removed",
            serde_json::json!({ "key": key }),
        );
        structure::store_lead_fields(&mut tx, &me, group_id, &fields, change).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
