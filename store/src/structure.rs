//! A program's groups, tiers, tags, segments and managers, and the groups a partner manager
//! is restricted to; creating, renaming and deleting those labels, and groups' custom lead
//! fields.

use domain::lead_fields::LeadField;
use domain::segment::Rule;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::db::{Db, Tx, is_unique_violation, now_ms};
use super::events::{self, NewEvent};
use crate::dto::{GroupInfo, Named, SegmentInfo, Structure, TierInfo};
use crate::error::AppError;

/// A group's stored custom lead fields; a damaged list counts as none.
pub fn parse_lead_fields(json: &str) -> Vec<LeadField> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The custom lead fields of the group a partnership is in.
pub async fn lead_fields_of_partnership<'e, E>(
    executor: E,
    partnership_id: i64,
) -> Result<Vec<LeadField>, AppError>
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

/// The custom lead fields of a group of one of `company_id`'s programs.
async fn lead_fields_of_group(
    tx: &mut Tx,
    company_id: i64,
    group_id: i64,
) -> Result<Vec<LeadField>, AppError> {
    let json: String = sqlx::query_scalar(
        "SELECT g.lead_fields FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE g.id = $1 AND p.company_id = $2",
    )
    .bind(group_id)
    .bind(company_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("Group"))?;
    Ok(parse_lead_fields(&json))
}

/// Saves a group's custom lead fields with the event of the change (kind, payload).
async fn store_lead_fields(
    tx: &mut Tx,
    company_id: i64,
    user_id: i64,
    group_id: i64,
    fields: &[LeadField],
    change: (&'static str, serde_json::Value),
) -> Result<(), AppError> {
    sqlx::query("UPDATE partner_groups SET lead_fields = $1 WHERE id = $2")
        .bind(serde_json::to_string(fields).map_err(AppError::internal)?)
        .bind(group_id)
        .execute(&mut **tx)
        .await?;
    let (kind, payload) = change;
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind,
            subject_type: "group",
            subject_id: group_id,
            payload,
        },
    )
    .await?;
    Ok(())
}

/// A custom lead field as the teammate typed it.
pub struct NewLeadField<'a> {
    pub label: &'a str,
    pub kind: &'a str,
    pub options: &'a str,
    pub required: bool,
}

/// Adds a custom lead field, checked against the group's others, to group `group_id` of one of
/// `company_id`'s programs: partners in the group answer it when registering a lead.
pub async fn add_lead_field(
    db: &Db,
    company_id: i64,
    user_id: i64,
    group_id: i64,
    field: NewLeadField<'_>,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let mut fields = lead_fields_of_group(&mut tx, company_id, group_id).await?;
    let field = domain::lead_fields::define_field(
        field.label,
        field.kind,
        field.options,
        field.required,
        &fields,
    )
    .map_err(AppError::invalid_fields)?;
    fields.push(field.clone());
    let change = (
        "group.lead_field_added",
        serde_json::json!({ "field": field }),
    );
    store_lead_fields(&mut tx, company_id, user_id, group_id, &fields, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the custom lead field `key` from group `group_id` of one of `company_id`'s
/// programs; leads keep the answers they were given.
pub async fn remove_lead_field(
    db: &Db,
    company_id: i64,
    user_id: i64,
    group_id: i64,
    key: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let mut fields = lead_fields_of_group(&mut tx, company_id, group_id).await?;
    let before = fields.len();
    fields.retain(|f| f.key != key);
    if fields.len() == before {
        return Err(AppError::not_found("Lead field"));
    }
    let change = (
        "group.lead_field_removed",
        serde_json::json!({ "key": key }),
    );
    store_lead_fields(&mut tx, company_id, user_id, group_id, &fields, change).await?;
    tx.commit().await?;
    Ok(())
}

/// The program of segment `segment_id` when it is one of `company_id`'s: the structure page
/// opened on a segment shows that segment's program.
pub async fn program_of_segment(
    db: &Db,
    segment_id: i64,
    company_id: i64,
) -> Result<i64, AppError> {
    sqlx::query_scalar(
        "SELECT s.program_id FROM segments s JOIN programs p ON p.id = s.program_id WHERE s.id = $1 AND p.company_id = $2",
    )
    .bind(segment_id)
    .bind(company_id)
    .fetch_optional(&mut db.conn().await?)
    .await?
    .ok_or_else(|| AppError::not_found("Segment"))
}

/// The answer to a name another label of the program has (names are unique in a program).
fn name_taken(name: &str) -> AppError {
    AppError::invalid_fields(vec![("name", format!("\"{name}\" already exists"))])
}

/// Creates a tag or group (`kind` = `tag` | `group`) in `program_id`, which the caller checked
/// is `company_id`'s.
pub async fn create_label(
    db: &Db,
    program_id: i64,
    company_id: i64,
    user_id: i64,
    kind: &str,
    name: &str,
) -> Result<(), AppError> {
    let name = domain::program::validate_label_name(name)
        .map_err(|e| AppError::invalid_fields(vec![("name", e.0)]))?;
    let (sql, taken_sql, event): (&'static str, &'static str, &'static str) = match kind {
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
    let taken: i64 = sqlx::query_scalar(taken_sql)
        .bind(program_id)
        .bind(&name)
        .fetch_one(&mut db.conn().await?)
        .await?;
    if taken > 0 {
        return Err(name_taken(&name));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(sql)
        .bind(program_id)
        .bind(&name)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                name_taken(&name)
            } else {
                e.into()
            }
        })?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind: event,
            subject_type: if kind == "tag" { "tag" } else { "group" },
            subject_id: id,
            payload: serde_json::json!({ "program_id": program_id, "name": name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What `delete_label` and `rename_label` act on: the table, the owner check and the names.
struct LabelKind {
    /// The row's program, whether it is the default group, how many partnerships hold it, and
    /// its name (read by [`label_row`]).
    owner_sql: &'static str,
    rename_sql: Option<&'static str>,
    taken_sql: &'static str,
    delete_sql: &'static [&'static str],
    noun: &'static str,
    in_use: Option<&'static str>,
}

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
                // A pending invite into the group places its partner in the default one.
                "UPDATE invites SET group_id = NULL WHERE group_id = $1",
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

/// A tag, group, tier or segment as [`LabelKind::owner_sql`] reads it.
struct Label {
    program_id: i64,
    is_default: bool,
    /// The partnerships holding it (groups and tiers; 0 for tags and segments).
    members: i64,
    name: String,
}

fn label_row(r: &AnyRow) -> Result<Label, sqlx::Error> {
    Ok(Label {
        program_id: r.try_get(0)?,
        is_default: r.try_get::<i64, _>(1)? != 0,
        members: r.try_get(2)?,
        name: r.try_get(3)?,
    })
}

/// The label `id` of `kind` when it belongs to one of `company_id`'s programs.
async fn owned_label(
    tx: &mut Tx,
    kind: &LabelKind,
    id: i64,
    company_id: i64,
) -> Result<Label, AppError> {
    let row = sqlx::query(kind.owner_sql)
        .bind(id)
        .bind(company_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::not_found(kind.noun))?;
    Ok(label_row(&row)?)
}

/// Deletes a tag (removing it from every partnership), an empty non-default group, a tier no
/// partnership holds, or a saved segment (membership is computed, so partnerships stay), of
/// one of `company_id`'s programs.
pub async fn delete_label(
    db: &Db,
    company_id: i64,
    user_id: i64,
    kind: &str,
    id: i64,
) -> Result<(), AppError> {
    let label = label_kind(kind)?;
    let mut tx = db.begin().await?;
    let row = owned_label(&mut tx, &label, id, company_id).await?;
    if let Some(message) = label.in_use.filter(|_| row.is_default || row.members > 0) {
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
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind: event,
            subject_type: label.noun,
            subject_id: id,
            payload: serde_json::json!({ "program_id": row.program_id, "name": row.name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Renames a tag or a group of one of `company_id`'s programs (tiers and segments are saved
/// with their whole form).
pub async fn rename_label(
    db: &Db,
    company_id: i64,
    user_id: i64,
    kind: &str,
    id: i64,
    name: &str,
) -> Result<(), AppError> {
    let label = label_kind(kind)?;
    let Some(rename_sql) = label.rename_sql else {
        return Err(AppError::bad_request(
            "Only tags and groups are renamed here; tiers and segments are saved with their whole form",
        ));
    };
    let name = domain::program::validate_label_name(name)
        .map_err(|e| AppError::invalid_fields(vec![("name", e.0)]))?;
    let mut tx = db.begin().await?;
    let row = owned_label(&mut tx, &label, id, company_id).await?;
    let taken: i64 = sqlx::query_scalar(label.taken_sql)
        .bind(row.program_id)
        .bind(&name)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if taken > 0 {
        return Err(name_taken(&name));
    }
    sqlx::query(rename_sql)
        .bind(&name)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                name_taken(&name)
            } else {
                e.into()
            }
        })?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind: if label.noun == "tag" {
                "tag.renamed"
            } else {
                "group.renamed"
            },
            subject_type: label.noun,
            subject_id: id,
            payload: serde_json::json!({ "program_id": row.program_id, "before": row.name, "after": name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Makes group `id` of one of `company_id`'s programs its program's default: where new
/// partners land.
pub async fn set_default_group(
    db: &Db,
    company_id: i64,
    user_id: i64,
    id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let program_id: i64 = sqlx::query_scalar(
        "SELECT g.program_id FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE g.id = $1 AND p.company_id = $2",
    )
    .bind(id)
    .bind(company_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found("Group"))?;
    let before: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM partner_groups WHERE program_id = $1 AND is_default = 1",
    )
    .bind(program_id)
    .fetch_optional(&mut *tx)
    .await?;
    // Exactly one default per program: clear, then set, in one transaction.
    sqlx::query(
        "UPDATE partner_groups SET is_default = CASE WHEN id = $1 THEN 1 ELSE 0 END WHERE program_id = $2",
    )
    .bind(id)
    .bind(program_id)
    .execute(&mut *tx)
    .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind: "group.made_default",
            subject_type: "group",
            subject_id: id,
            payload: serde_json::json!({ "program_id": program_id, "before": before }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A program's structure for the structure page: groups and tiers with how many partnerships
/// hold each (a count over the program's partnerships).
pub async fn load(db: &Db, program_id: i64, company_id: i64) -> Result<Structure, AppError> {
    read(db, program_id, company_id, true).await
}

/// A program's structure as the choices of filters and forms: no partnership counts (each
/// `partners` is 0), so a list page's cost does not grow with the program.
pub async fn choices(db: &Db, program_id: i64, company_id: i64) -> Result<Structure, AppError> {
    read(db, program_id, company_id, false).await
}

/// The whole structure in one statement: each list is a branch of one `UNION ALL`, tagged
/// with its list (column 7) and its place in it (column 8). The counts run only when asked.
async fn read(
    db: &Db,
    program_id: i64,
    company_id: i64,
    with_counts: bool,
) -> Result<Structure, AppError> {
    let rows = sqlx::query(
        "SELECT g.id, g.name, g.lead_fields, CAST(NULL AS TEXT), CAST(g.is_default AS BIGINT), \
           CASE WHEN $3 = 1 THEN (SELECT COUNT(*) FROM partnerships p WHERE p.group_id = g.id) ELSE 0 END, \
           'g', ROW_NUMBER() OVER (ORDER BY g.name, g.id) \
         FROM partner_groups g WHERE g.program_id = $1 \
         UNION ALL \
         SELECT tr.id, tr.name, tr.rule, tr.benefits, tr.rank, \
           CASE WHEN $3 = 1 THEN (SELECT COUNT(*) FROM partnerships p WHERE p.tier_id = tr.id) ELSE 0 END, \
           't', ROW_NUMBER() OVER (ORDER BY tr.rank, tr.id) \
         FROM tiers tr WHERE tr.program_id = $1 \
         UNION ALL \
         SELECT id, name, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
           'a', ROW_NUMBER() OVER (ORDER BY name, id) \
         FROM tags WHERE program_id = $1 \
         UNION ALL \
         SELECT id, name, rule, CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
           's', ROW_NUMBER() OVER (ORDER BY name, id) \
         FROM segments WHERE program_id = $1 \
         UNION ALL \
         SELECT t.id, u.name, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
           'm', ROW_NUMBER() OVER (ORDER BY u.name, t.id) \
         FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $2 \
         ORDER BY 7, 8",
    )
    .bind(program_id)
    .bind(company_id)
    .bind(i64::from(with_counts))
    .fetch_all(&mut db.conn().await?)
    .await?;
    let mut structure = Structure {
        groups: Vec::new(),
        tiers: Vec::new(),
        tags: Vec::new(),
        segments: Vec::new(),
        managers: Vec::new(),
    };
    for r in &rows {
        let named = || -> Result<Named, sqlx::Error> {
            Ok(Named {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
            })
        };
        match r.try_get::<String, _>(6)?.as_str() {
            "g" => structure.groups.push(GroupInfo {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                is_default: r.try_get::<i64, _>(4)? != 0,
                partners: r.try_get(5)?,
                lead_fields: parse_lead_fields(&r.try_get::<String, _>(2)?),
            }),
            "t" => structure.tiers.push(TierInfo {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                rank: r.try_get(4)?,
                rule: serde_json::from_str(&r.try_get::<String, _>(2)?).ok(),
                benefits: serde_json::from_str(&r.try_get::<String, _>(3)?).unwrap_or_default(),
                partners: r.try_get(5)?,
            }),
            "a" => structure.tags.push(named()?),
            "s" => {
                // A segment whose saved rule no longer reads is left out.
                if let Ok(rule) = serde_json::from_str(&r.try_get::<String, _>(2)?) {
                    structure.segments.push(SegmentInfo {
                        id: r.try_get(0)?,
                        name: r.try_get(1)?,
                        rule,
                    });
                }
            }
            "m" => structure.managers.push(named()?),
            _ => {}
        }
    }
    Ok(structure)
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
    owned_in(&mut *db.pool.acquire().await?, table, id, program_id).await
}

/// [`owned`] on a connection or in a transaction.
pub async fn owned_in(
    conn: &mut sqlx::AnyConnection,
    table: Owned,
    id: i64,
    program_id: i64,
) -> Result<(), AppError> {
    owned_name(conn, table, id, program_id).await.map(|_| ())
}

#[derive(Clone, Copy)]
pub enum Owned {
    Tag,
    Group,
    Tier,
    Manager,
    Segment,
    /// A webhook endpoint (its name is its URL).
    Webhook,
}

impl Owned {
    fn label(self) -> &'static str {
        match self {
            Owned::Tag => "Tag",
            Owned::Group => "Group",
            Owned::Tier => "Tier",
            Owned::Manager => "Teammate",
            Owned::Segment => "Segment",
            Owned::Webhook => "Webhook endpoint",
        }
    }

    /// The word a sentence uses for one ("tag").
    pub fn noun(self) -> &'static str {
        match self {
            Owned::Tag => "tags",
            Owned::Group => "groups",
            Owned::Tier => "tiers",
            Owned::Manager => "teammates",
            Owned::Segment => "segments",
            Owned::Webhook => "webhook endpoints",
        }
    }
}

/// The name of `id`, a tag, group, tier or segment of `program_id`; "not found" otherwise.
pub async fn owned_name(
    conn: &mut sqlx::AnyConnection,
    table: Owned,
    id: i64,
    program_id: i64,
) -> Result<String, AppError> {
    let sql = match table {
        Owned::Tag => "SELECT name FROM tags WHERE id = $1 AND program_id = $2",
        Owned::Group => "SELECT name FROM partner_groups WHERE id = $1 AND program_id = $2",
        Owned::Tier => "SELECT name FROM tiers WHERE id = $1 AND program_id = $2",
        Owned::Segment => "SELECT name FROM segments WHERE id = $1 AND program_id = $2",
        Owned::Webhook => "SELECT url FROM webhook_endpoints WHERE id = $1 AND program_id = $2",
        Owned::Manager => {
            "SELECT u.name FROM teammates t JOIN users u ON u.id = t.user_id \
             JOIN programs p ON p.company_id = t.company_id WHERE t.id = $1 AND p.id = $2"
        }
    };
    sqlx::query_scalar(sql)
        .bind(id)
        .bind(program_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| AppError::not_found(table.label()))
}
