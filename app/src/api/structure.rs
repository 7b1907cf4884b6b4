//! Program structure: groups, tags, tiers and segments.

use leptos::prelude::*;

use crate::dto::{SegmentPreview, StructurePage};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "structure")]
pub async fn fetch_structure(program: Option<i64>) -> Result<StructurePage, AppError> {
    use crate::server::{endpoint, require_teammate, structure, vendor, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let programs = vendor::programs(&state.db, me.company_id).await?;
        let program = vendor::current_program(&programs, program, me.identity.program_id)?;
        let structure = match &program {
            Some(p) => Some(structure::load(&state.db, p.id, me.company_id).await?),
            None => None,
        };
        Ok(StructurePage {
            viewer: viewer(&state, &me.identity, &me.company_name, program.as_ref().map(|p| p.id)).await?,
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
    use crate::server::{db::now_ms, endpoint, events, require_teammate, vendor};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let program = vendor::program_of(&state.db, me.company_id, program).await?;
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(AppError::invalid_fields(vec![("name", "Names are 1 to 60 characters".into())]));
        }
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

/// Deletes a tag (removing it from every partnership) or an empty, non-default group.
#[server(prefix = "/api", endpoint = "delete_label")]
pub async fn delete_label(kind: String, id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, events, require_teammate};
    use domain::permissions::Permission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let owner_sql: &'static str = match kind.as_str() {
            "tag" => "SELECT x.program_id, 0, 0 FROM tags x JOIN programs p ON p.id = x.program_id WHERE x.id = $1 AND p.company_id = $2",
            "group" => "SELECT x.program_id, x.is_default, (SELECT COUNT(*) FROM partnerships pa WHERE pa.group_id = x.id) \
                        FROM partner_groups x JOIN programs p ON p.id = x.program_id WHERE x.id = $1 AND p.company_id = $2",
            _ => return Err(AppError::bad_request("Choose tag or group")),
        };
        let mut tx = state.db.begin().await?;
        let row = sqlx::query(owner_sql)
            .bind(id)
            .bind(me.company_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::not_found(if kind == "tag" { "Tag" } else { "Group" }))?;
        let (is_default, members): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
        if kind == "group" && (is_default != 0 || members > 0) {
            return Err(AppError::bad_request(
                "Only an empty group that is not the default can be deleted; move its partners first",
            ));
        }
        if kind == "tag" {
            sqlx::query("DELETE FROM partnership_tags WHERE tag_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM tags WHERE id = $1").bind(id).execute(&mut *tx).await?;
        } else {
            sqlx::query("DELETE FROM teammate_groups WHERE group_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM partner_groups WHERE id = $1").bind(id).execute(&mut *tx).await?;
        }
        events::append(
            &mut tx,
            events::NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: if kind == "tag" { "tag.deleted" } else { "group.deleted" },
                subject_type: if kind == "tag" { "tag" } else { "group" },
                subject_id: id,
                payload: serde_json::json!({ "program_id": row.try_get::<i64, _>(0)? }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Adds a tier with its qualification rule and benefits.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "create_tier")]
pub async fn create_tier(
    program: i64,
    name: String,
    rank: i64,
    metric: String,
    window_days: Option<String>,
    threshold: String,
    multiplier_percent: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{db::now_ms, endpoint, events, require_teammate, vendor};
    use domain::permissions::Permission;
    use domain::tier::{Metric, TierBenefits, TierRule, validate_tier_name};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let program = vendor::program_of(&state.db, me.company_id, program).await?;
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
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tiers WHERE program_id = $1 AND rank = $2")
            .bind(program.id)
            .bind(rank)
            .fetch_one(&state.db.pool)
            .await?;
        if taken > 0 {
            return Err(AppError::invalid_fields(vec![("rank", format!("Another tier already has rank {rank}"))]));
        }
        let rule_json = serde_json::to_string(&rule).map_err(AppError::internal)?;
        let benefits = serde_json::to_string(&TierBenefits { multiplier_percent }).map_err(AppError::internal)?;
        let mut tx = state.db.begin().await?;
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
        events::append(
            &mut tx,
            events::NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: "tier.created",
                subject_type: "tier",
                subject_id: id,
                payload: serde_json::json!({ "program_id": program.id, "name": name, "rank": rank, "rule": rule }),
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
    use crate::server::{db::now_ms, endpoint, events, require_teammate, vendor};
    use domain::permissions::Permission;
    use domain::segment::{Rule, validate_segment_name};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageGroupsTagsTiers).await?;
        let program = vendor::program_of(&state.db, me.company_id, program).await?;
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
    use crate::server::{endpoint, partner_list, require_teammate, segments, structure, vendor};
    use domain::permissions::Permission;
    use domain::segment::Rule;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let program = vendor::program_of(&state.db, me.company_id, program).await?;
        let parsed: Rule = serde_json::from_str(&rule)
            .map_err(|_| AppError::bad_request("The rule is not valid"))?;
        parsed.validate()?;
        let allowed = structure::allowed_groups(&state.db, &me).await?;
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
