//! A program's groups, tiers, tags, segments and managers, and the groups a partner manager
//! is restricted to.

use domain::segment::Rule;
use sqlx::Row;

use super::context::Teammate;
use super::db::Db;
use crate::dto::{GroupInfo, Named, SegmentInfo, Structure, TierInfo};
use crate::error::AppError;

/// A group's stored custom lead fields; a damaged list counts as none.
pub fn parse_lead_fields(json: &str) -> Vec<domain::lead_fields::LeadField> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The custom lead fields of the group a partnership is in.
pub async fn lead_fields_of_partnership<'e, E>(
    executor: E,
    partnership_id: i64,
) -> Result<Vec<domain::lead_fields::LeadField>, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let json: Option<String> = sqlx::query_scalar(
        "SELECT g.lead_fields FROM partnerships p JOIN partner_groups g ON g.id = p.group_id WHERE p.id = $1",
    )
    .bind(partnership_id)
    .fetch_optional(executor)
    .await?;
    Ok(json.map(|j| parse_lead_fields(&j)).unwrap_or_default())
}

/// The custom lead fields of a group of one of the teammate's company's programs.
pub async fn lead_fields_of_group(
    tx: &mut super::db::Tx,
    me: &Teammate,
    group_id: i64,
) -> Result<Vec<domain::lead_fields::LeadField>, AppError> {
    let json: String = sqlx::query_scalar(
        "SELECT g.lead_fields FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE g.id = $1 AND p.company_id = $2",
    )
    .bind(group_id)
    .bind(me.company_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("Group"))?;
    Ok(parse_lead_fields(&json))
}

/// Saves a group's custom lead fields with the event of the change (kind, payload).
pub async fn store_lead_fields(
    tx: &mut super::db::Tx,
    me: &Teammate,
    group_id: i64,
    fields: &[domain::lead_fields::LeadField],
    change: (&'static str, serde_json::Value),
) -> Result<(), AppError> {
    sqlx::query("UPDATE partner_groups SET lead_fields = $1 WHERE id = $2")
        .bind(serde_json::to_string(fields).map_err(AppError::internal)?)
        .bind(group_id)
        .execute(&mut **tx)
        .await?;
    let (kind, payload) = change;
    super::events::append(
        tx,
        super::events::NewEvent {
            actor_user_id: Some(me.identity.user_id),
            company_id: Some(me.company_id),
            kind,
            subject_type: "group",
            subject_id: group_id,
            payload,
        },
    )
    .await?;
    Ok(())
}

pub async fn load(db: &Db, program_id: i64, company_id: i64) -> Result<Structure, AppError> {
    let groups = sqlx::query(
        "SELECT g.id, g.name, g.is_default, (SELECT COUNT(*) FROM partnerships p WHERE p.group_id = g.id), g.lead_fields \
         FROM partner_groups g WHERE g.program_id = $1 ORDER BY g.name, g.id",
    )
    .bind(program_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok(GroupInfo {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            is_default: r.try_get::<i64, _>(2)? != 0,
            partners: r.try_get(3)?,
            lead_fields: parse_lead_fields(&r.try_get::<String, _>(4)?),
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let tiers = sqlx::query(
        "SELECT tr.id, tr.name, tr.rank, tr.rule, (SELECT COUNT(*) FROM partnerships p WHERE p.tier_id = tr.id), tr.benefits \
         FROM tiers tr WHERE tr.program_id = $1 ORDER BY tr.rank, tr.id",
    )
    .bind(program_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        let rule: String = r.try_get(3)?;
        let benefits: String = r.try_get(5)?;
        Ok(TierInfo {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            rank: r.try_get(2)?,
            rule: serde_json::from_str(&rule).ok(),
            benefits: serde_json::from_str(&benefits).unwrap_or_default(),
            partners: r.try_get(4)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let tags = named(
        db,
        "SELECT id, name FROM tags WHERE program_id = $1 ORDER BY name, id",
        program_id,
    )
    .await?;
    let segments =
        sqlx::query("SELECT id, name, rule FROM segments WHERE program_id = $1 ORDER BY name, id")
            .bind(program_id)
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .filter_map(|r| {
                let rule: String = r.try_get(2).ok()?;
                Some(SegmentInfo {
                    id: r.try_get(0).ok()?,
                    name: r.try_get(1).ok()?,
                    rule: serde_json::from_str(&rule).ok()?,
                })
            })
            .collect();
    let managers = named(
        db,
        "SELECT t.id, u.name FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $1 ORDER BY u.name, t.id",
        company_id,
    )
    .await?;
    Ok(Structure {
        groups,
        tiers,
        tags,
        segments,
        managers,
    })
}

async fn named(db: &Db, sql: &'static str, id: i64) -> Result<Vec<Named>, sqlx::Error> {
    sqlx::query(sql)
        .bind(id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Named {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
            })
        })
        .collect()
}

/// `rule`, narrowed to the groups the teammate may see.
pub fn within_groups(rule: Rule, groups: Option<&[i64]>) -> Rule {
    match groups {
        None => rule,
        Some(groups) => Rule::All(vec![
            rule,
            Rule::Any(
                groups
                    .iter()
                    .map(|g| Rule::Is(domain::segment::Condition::Group(*g)))
                    .collect(),
            ),
        ]),
    }
}

/// Checks that `id` is a row of `table` in `program_id` (tags, groups, tiers, segments).
pub async fn owned(db: &Db, table: Owned, id: i64, program_id: i64) -> Result<(), AppError> {
    let sql = match table {
        Owned::Tag => "SELECT COUNT(*) FROM tags WHERE id = $1 AND program_id = $2",
        Owned::Group => "SELECT COUNT(*) FROM partner_groups WHERE id = $1 AND program_id = $2",
        Owned::Tier => "SELECT COUNT(*) FROM tiers WHERE id = $1 AND program_id = $2",
        Owned::Manager => {
            "SELECT COUNT(*) FROM teammates t JOIN programs p ON p.company_id = t.company_id WHERE t.id = $1 AND p.id = $2"
        }
    };
    let n: i64 = sqlx::query_scalar(sql)
        .bind(id)
        .bind(program_id)
        .fetch_one(&db.pool)
        .await?;
    if n == 0 {
        return Err(AppError::not_found(table.label()));
    }
    Ok(())
}

#[derive(Clone, Copy)]
pub enum Owned {
    Tag,
    Group,
    Tier,
    Manager,
}

impl Owned {
    fn label(self) -> &'static str {
        match self {
            Owned::Tag => "Tag",
            Owned::Group => "Group",
            Owned::Tier => "Tier",
            Owned::Manager => "Teammate",
        }
    }
}
