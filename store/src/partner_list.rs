//! The partners table: one keyset page of a program's partnerships that match a rule.
//! No OFFSET: each page continues after the last row of the previous one, through indexes on
//! `(program_id, joined_at, id)` and `(program_id, team_name, id)`, so a page costs the same on page 1 and page 4,000.

pub use domain::listing::Cursor;
use domain::segment::Rule;
use sqlx::Row;

use super::db::Db;
use super::segments::{Bind, bind_all, to_sql};
use crate::dto::PartnerListRow;
use crate::error::AppError;

pub const PAGE: i64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Oldest,
    Name,
}

impl Sort {
    pub fn parse(text: Option<&str>) -> Self {
        match text {
            Some("oldest") => Sort::Oldest,
            Some("name") => Sort::Name,
            _ => Sort::Newest,
        }
    }
}

pub async fn page(
    db: &Db,
    program_id: i64,
    rule: &Rule,
    sort: Sort,
    after: Option<&str>,
) -> Result<(Vec<PartnerListRow>, Option<String>), AppError> {
    let condition = to_sql(rule, 2);
    let mut binds = condition.binds.clone();
    let mut n = 2 + binds.len();
    let mut next_placeholder = |bind: Bind, binds: &mut Vec<Bind>| {
        binds.push(bind);
        n += 1;
        format!("${}", n - 1)
    };
    let cursor = after.and_then(Cursor::decode);
    let keyset = match (sort, cursor) {
        (Sort::Newest, Some(Cursor::Joined(at, id))) => {
            let a = next_placeholder(Bind::Int(at), &mut binds);
            let a2 = next_placeholder(Bind::Int(at), &mut binds);
            let b = next_placeholder(Bind::Int(id), &mut binds);
            format!(" AND (p.joined_at < {a} OR (p.joined_at = {a2} AND p.id < {b}))")
        }
        (Sort::Oldest, Some(Cursor::Joined(at, id))) => {
            let a = next_placeholder(Bind::Int(at), &mut binds);
            let a2 = next_placeholder(Bind::Int(at), &mut binds);
            let b = next_placeholder(Bind::Int(id), &mut binds);
            format!(" AND (p.joined_at > {a} OR (p.joined_at = {a2} AND p.id > {b}))")
        }
        (Sort::Name, Some(Cursor::Name(name, id))) => {
            let a = next_placeholder(Bind::Text(name.clone()), &mut binds);
            let a2 = next_placeholder(Bind::Text(name), &mut binds);
            let b = next_placeholder(Bind::Int(id), &mut binds);
            format!(" AND (p.team_name > {a} OR (p.team_name = {a2} AND p.id > {b}))")
        }
        _ => String::new(),
    };
    let order = match sort {
        Sort::Newest => "p.joined_at DESC, p.id DESC",
        Sort::Oldest => "p.joined_at ASC, p.id ASC",
        Sort::Name => "p.team_name ASC, p.id ASC",
    };
    // The limit is written into the text (see the `db` module: bound limits re-plan).
    let limit = PAGE + 1;
    let sql = format!(
        "SELECT p.id, p.team_name, t.kind, t.country, p.status, g.name, tr.name, u.name, p.joined_at \
         FROM partnerships p \
         JOIN partner_teams t ON t.id = p.partner_team_id \
         JOIN partner_groups g ON g.id = p.group_id \
         LEFT JOIN tiers tr ON tr.id = p.tier_id \
         LEFT JOIN teammates m ON m.id = p.manager_teammate_id \
         LEFT JOIN users u ON u.id = m.user_id \
         WHERE p.program_id = $1 AND {}{keyset} ORDER BY {order} LIMIT {limit}",
        condition.sql
    );
    // Safe: fixed fragments and placeholders only; every value is bound.
    let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program_id);
    let rows = bind_all(query, &binds)
        .fetch_all(&mut db.conn().await?)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: String = r.try_get(2)?;
        out.push(PartnerListRow {
            partnership_id: r.try_get(0)?,
            partner_team: r.try_get(1)?,
            kind: domain::program::partner_type_label(&kind),
            country: r.try_get(3)?,
            status: crate::db::stored(&r, 4)?,
            group: r.try_get(5)?,
            tier: r.try_get(6)?,
            manager: r.try_get(7)?,
            joined_at: r.try_get(8)?,
            tags: Vec::new(),
        });
    }
    let next = if out.len() as i64 > PAGE {
        out.truncate(PAGE as usize);
        out.last().map(|last| match sort {
            Sort::Name => Cursor::Name(last.partner_team.clone(), last.partnership_id).encode(),
            _ => Cursor::Joined(last.joined_at, last.partnership_id).encode(),
        })
    } else {
        None
    };
    attach_tags(db, &mut out).await?;
    Ok((out, next))
}

/// One query for the tags of every row on the page.
async fn attach_tags(db: &Db, rows: &mut [PartnerListRow]) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let placeholders = super::db::placeholders(0, rows.len());
    let sql = format!(
        "SELECT pt.partnership_id, tg.name FROM partnership_tags pt JOIN tags tg ON tg.id = pt.tag_id \
         WHERE pt.partnership_id IN ({}) ORDER BY tg.name",
        placeholders
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows.iter() {
        query = query.bind(row.partnership_id);
    }
    for r in query.fetch_all(&mut db.conn().await?).await? {
        let id: i64 = r.try_get(0)?;
        let name: String = r.try_get(1)?;
        if let Some(row) = rows.iter_mut().find(|row| row.partnership_id == id) {
            row.tags.push(name);
        }
    }
    Ok(())
}
