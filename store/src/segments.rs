//! Segment rules as SQL: one parameterised condition over `partnerships p` joined with
//! `partner_teams t`. Only fixed fragments and `$n` placeholders are written into the text;
//! every value from a rule is a bound parameter. Saved segments, and a rule's preview.

use domain::segment::{Condition, Rule};

use super::db::{Db, is_unique_violation, now_ms};
use super::events::{self, NewEvent};
use super::partner_list::{self, Sort};
use crate::dto::SegmentPreview;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    Int(i64),
    Text(String),
}

/// A rule translated to SQL: `sql` uses placeholders from `$first` on, `binds` in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlCondition {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// Translates `rule`, numbering placeholders from `first`.
pub fn to_sql(rule: &Rule, first: usize) -> SqlCondition {
    let mut out = SqlCondition {
        sql: String::new(),
        binds: Vec::new(),
    };
    write_rule(rule, first, &mut out);
    out
}

fn placeholder(first: usize, out: &mut SqlCondition, bind: Bind) -> String {
    out.binds.push(bind);
    format!("${}", first + out.binds.len() - 1)
}

fn write_rule(rule: &Rule, first: usize, out: &mut SqlCondition) {
    match rule {
        Rule::All(rules) | Rule::Any(rules) if rules.is_empty() => {
            out.sql.push_str(if matches!(rule, Rule::All(_)) {
                "1 = 1"
            } else {
                "1 = 0"
            });
        }
        Rule::All(rules) | Rule::Any(rules) => {
            let joiner = if matches!(rule, Rule::All(_)) {
                " AND "
            } else {
                " OR "
            };
            out.sql.push('(');
            for (i, r) in rules.iter().enumerate() {
                if i > 0 {
                    out.sql.push_str(joiner);
                }
                write_rule(r, first, out);
            }
            out.sql.push(')');
        }
        Rule::Not(rule) => {
            out.sql.push_str("NOT (");
            write_rule(rule, first, out);
            out.sql.push(')');
        }
        Rule::Is(condition) => write_condition(condition, first, out),
    }
}

/// LIKE pattern for "contains", with the wildcards of the text itself escaped.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

// Nullable columns are compared through COALESCE so no comparison is ever NULL: NOT then means
// exactly "does not match", as in `Rule::matches`.
fn write_condition(condition: &Condition, first: usize, out: &mut SqlCondition) {
    let sql = match condition {
        Condition::Status(s) => format!(
            "p.status = {}",
            placeholder(first, out, Bind::Text(s.as_str().into()))
        ),
        Condition::Group(g) => format!("p.group_id = {}", placeholder(first, out, Bind::Int(*g))),
        Condition::Tier(t) => {
            format!(
                "COALESCE(p.tier_id, 0) = {}",
                placeholder(first, out, Bind::Int(t.unwrap_or(0)))
            )
        }
        Condition::HasTag(t) => format!(
            "EXISTS (SELECT 1 FROM partnership_tags pt WHERE pt.partnership_id = p.id AND pt.tag_id = {})",
            placeholder(first, out, Bind::Int(*t))
        ),
        Condition::PartnerType(k) => format!(
            "t.kind = {}",
            placeholder(first, out, Bind::Text(k.clone()))
        ),
        Condition::Country(c) => {
            format!(
                "COALESCE(t.country, '') = {}",
                placeholder(first, out, Bind::Text(c.clone()))
            )
        }
        Condition::JoinedBefore(at) => {
            format!("p.joined_at < {}", placeholder(first, out, Bind::Int(*at)))
        }
        Condition::JoinedSince(at) => {
            format!("p.joined_at >= {}", placeholder(first, out, Bind::Int(*at)))
        }
        Condition::Manager(m) => format!(
            "COALESCE(p.manager_teammate_id, 0) = {}",
            placeholder(first, out, Bind::Int(m.unwrap_or(0)))
        ),
        Condition::Search(text) => {
            let name = placeholder(first, out, Bind::Text(contains_pattern(text)));
            let email = placeholder(first, out, Bind::Text(contains_pattern(text)));
            format!(
                "(LOWER(t.name) LIKE {name} ESCAPE '\\' OR EXISTS (SELECT 1 FROM contacts c JOIN users u ON u.id = c.user_id \
                 WHERE c.partner_team_id = t.id AND u.email_normalized LIKE {email} ESCAPE '\\'))"
            )
        }
    };
    out.sql.push_str(&sql);
}

/// Binds `binds` in order onto a query.
pub fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    binds: &[Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for bind in binds {
        query = match bind {
            Bind::Int(v) => query.bind(*v),
            Bind::Text(v) => query.bind(v.clone()),
        };
    }
    query
}

/// Counts the partnerships of `program_id` the rule selects.
pub async fn count(db: &Db, program_id: i64, rule: &Rule) -> Result<i64, sqlx::Error> {
    let condition = to_sql(rule, 2);
    let sql = format!(
        "SELECT COUNT(*) FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id \
         WHERE p.program_id = $1 AND {}",
        condition.sql
    );
    // Safe: the text holds only fixed fragments and placeholders (see the module comment).
    let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program_id);
    let row = bind_all(query, &condition.binds)
        .fetch_one(&mut db.conn().await?)
        .await?;
    sqlx::Row::try_get(&row, 0)
}

/// Whether the segment (of the partnership's own program) selects the partnership now.
pub async fn contains(
    conn: &mut sqlx::AnyConnection,
    segment_id: i64,
    partnership_id: i64,
) -> Result<bool, AppError> {
    let rule: Option<String> = sqlx::query_scalar(
        "SELECT s.rule FROM segments s JOIN partnerships p ON p.program_id = s.program_id \
         WHERE s.id = $1 AND p.id = $2",
    )
    .bind(segment_id)
    .bind(partnership_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(rule) = rule.and_then(|r| serde_json::from_str::<Rule>(&r).ok()) else {
        return Ok(false);
    };
    let condition = to_sql(&rule, 2);
    let sql = format!(
        "SELECT COUNT(*) FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id \
         WHERE p.id = $1 AND {}",
        condition.sql
    );
    // Safe: the text holds only fixed fragments and placeholders (see the module comment).
    let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(partnership_id);
    let row = bind_all(query, &condition.binds)
        .fetch_one(&mut *conn)
        .await?;
    Ok(sqlx::Row::try_get::<i64, _>(&row, 0)? > 0)
}

/// How many partnerships of `program_id` a rule selects, with the first ten names (by name).
pub async fn preview(db: &Db, program_id: i64, rule: &Rule) -> Result<SegmentPreview, AppError> {
    let count = count(db, program_id, rule).await?;
    let (rows, _) = partner_list::page(db, program_id, rule, Sort::Name, None).await?;
    Ok(SegmentPreview {
        count,
        sample: rows.into_iter().take(10).map(|r| r.partner_team).collect(),
    })
}

/// Saves a segment of `program_id`, which the caller checked is `company_id`'s: a new one
/// (`id` `None`), or `id`'s new name and rule. Returns the segment's id.
pub async fn save(
    db: &Db,
    program_id: i64,
    company_id: i64,
    user_id: i64,
    id: Option<i64>,
    name: &str,
    rule: &Rule,
) -> Result<i64, AppError> {
    let stored_rule = serde_json::to_string(rule).map_err(AppError::internal)?;
    let now = now_ms();
    let taken = || {
        AppError::invalid_fields(vec![(
            "name",
            format!("A segment called \"{name}\" exists"),
        )])
    };
    let mut tx = db.begin().await?;
    let same_name: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM segments WHERE program_id = $1 AND name = $2 AND id <> $3",
    )
    .bind(program_id)
    .bind(name)
    .bind(id.unwrap_or(0))
    .fetch_one(&mut *tx)
    .await?;
    if same_name > 0 {
        return Err(taken());
    }
    let written = match id {
        Some(id) => sqlx::query_scalar(
            "UPDATE segments SET name = $1, rule = $2, updated_at = $3 WHERE id = $4 AND program_id = $5 RETURNING id",
        )
        .bind(name)
        .bind(&stored_rule)
        .bind(now)
        .bind(id)
        .bind(program_id)
        .fetch_optional(&mut *tx)
        .await,
        None => sqlx::query_scalar(
            "INSERT INTO segments (program_id, name, rule, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(program_id)
        .bind(name)
        .bind(&stored_rule)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map(Some),
    };
    let segment_id: i64 = written
        .map_err(|e| {
            if is_unique_violation(&e) {
                taken()
            } else {
                e.into()
            }
        })?
        .ok_or_else(|| AppError::not_found("Segment"))?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind: if id.is_some() {
                "segment.updated"
            } else {
                "segment.created"
            },
            subject_type: "segment",
            subject_id: segment_id,
            payload: serde_json::json!({ "program_id": program_id, "name": name, "rule": rule }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(segment_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::partnership::PartnershipStatus;

    #[test]
    fn values_become_numbered_parameters() {
        let rule = Rule::All(vec![
            Rule::Is(Condition::HasTag(3)),
            Rule::Not(Box::new(Rule::Is(Condition::Status(
                PartnershipStatus::Suspended,
            )))),
            Rule::Is(Condition::Search("50%_off'; DROP".into())),
        ]);
        let sql = to_sql(&rule, 2);
        assert!(sql.sql.contains("pt.tag_id = $2"));
        assert!(sql.sql.contains("NOT (p.status = $3)"));
        assert!(sql.sql.contains("LIKE $4") && sql.sql.contains("LIKE $5"));
        assert!(
            !sql.sql.contains("DROP"),
            "user text never enters the SQL text"
        );
        assert_eq!(sql.binds[2], Bind::Text("%50\\%\\_off'; drop%".into()));
        assert_eq!(to_sql(&Rule::Any(vec![]), 1).sql, "1 = 0");
    }
}
