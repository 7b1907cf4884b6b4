//! Referral links: each partnership's default link (and each contact's own), and what the
//! redirect needs to know about a key.

use domain::link::{LinkParams, key_from_random};
use domain::permissions::ContactRole;
use rand::RngCore;
use sqlx::Row;

use super::db::{Db, Tx, placeholders};
use super::events::{self, NewEvent};
use crate::dto::{LinkState, LinkView};
use crate::error::AppError;

/// A fresh random link key.
pub fn new_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    key_from_random(bytes)
}

/// A click id (time-ordered, see [`domain::link::click_key_from`]) from the thread's CSPRNG
/// (seeded from the OS, so the redirect makes no system call per click).
pub fn new_click_key(now: i64) -> String {
    use rand::Rng;
    domain::link::click_key_from(now, rand::thread_rng().r#gen())
}

/// A fresh public key for a program's tracking snippet.
pub fn new_public_key() -> String {
    let mut a = [0u8; 16];
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut a);
    rand::rngs::OsRng.fill_bytes(&mut b);
    domain::link::public_key_from_random(a, b)
}

/// The default link of a partnership (`contact_id` `None`) or of one of its contacts, made on
/// first use. Concurrent first uses make one: the second insert hits the unique index and reads
/// the first one's row.
pub async fn default_link(
    tx: &mut Tx,
    program_id: i64,
    partnership_id: i64,
    contact_id: Option<i64>,
    now: i64,
) -> Result<(i64, String), AppError> {
    let find = "SELECT id, link_key FROM links WHERE partnership_id = $1 AND COALESCE(contact_id, 0) = $2 AND is_default = 1";
    if let Some(row) = sqlx::query(find)
        .bind(partnership_id)
        .bind(contact_id.unwrap_or(0))
        .fetch_optional(&mut **tx)
        .await?
    {
        return Ok((row.try_get(0)?, row.try_get(1)?));
    }
    sqlx::query(
        "INSERT INTO links (program_id, partnership_id, contact_id, link_key, name, destination, is_default, created_at) \
         VALUES ($1, $2, $3, $4, $5, NULL, 1, $6) ON CONFLICT DO NOTHING",
    )
    .bind(program_id)
    .bind(partnership_id)
    .bind(contact_id)
    .bind(new_key())
    .bind(domain::link::default_link_name(contact_id.is_some()))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query(find)
        .bind(partnership_id)
        .bind(contact_id.unwrap_or(0))
        .fetch_one(&mut **tx)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// Makes the partnership's team link and `contact_id`'s own link, those of them that are
/// missing (links are made on first view: the dashboard calls this when
/// [`crate::partner::partnership`] counted fewer than two).
pub async fn make_defaults(
    db: &Db,
    program_id: i64,
    partnership_id: i64,
    contact_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    default_link(&mut tx, program_id, partnership_id, None, now).await?;
    default_link(&mut tx, program_id, partnership_id, Some(contact_id), now).await?;
    tx.commit().await?;
    Ok(())
}

/// What a redirect needs about an enabled link of an active partnership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub link_id: i64,
    pub partner_key: String,
    /// The link's own destination, else the program's default (may be empty: no destination).
    pub destination: String,
    pub allowed: Vec<String>,
    pub params: LinkParams,
}

/// Most keys [`targets`] reads in one statement.
pub const TARGETS_PER_STATEMENT: usize = 64;

/// The targets of those of `keys` that are enabled links of active partnerships, with their
/// keys, read `TARGETS_PER_STATEMENT` at a time. The last statement repeats its last key up to
/// 1, 8 or 64 keys: statements of three sizes only, which stay prepared.
pub async fn targets(
    conn: &mut sqlx::AnyConnection,
    keys: &[String],
) -> Result<Vec<(String, Target)>, AppError> {
    let mut found = Vec::new();
    for chunk in keys.chunks(TARGETS_PER_STATEMENT) {
        let Some(last) = chunk.last() else { continue };
        let size = [1, 8, TARGETS_PER_STATEMENT]
            .into_iter()
            .find(|size| *size >= chunk.len())
            .unwrap_or(TARGETS_PER_STATEMENT);
        let placeholders = placeholders(0, size);
        let sql = format!(
            "SELECT l.link_key, l.id, p.partner_key, \
             COALESCE(l.destination, pr.default_destination), pr.allowed_domains, pr.link_param_partner, pr.link_param_click \
             FROM links l JOIN partnerships p ON p.id = l.partnership_id JOIN programs pr ON pr.id = l.program_id \
             WHERE l.link_key IN ({placeholders}) AND l.disabled_at IS NULL AND p.status = 'active'"
        );
        // Safe: the text holds only placeholders; every key is bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in 0..size {
            query = query.bind(chunk.get(i).unwrap_or(last).clone());
        }
        for row in query.fetch_all(&mut *conn).await? {
            let params =
                LinkParams::new(&row.try_get::<String, _>(5)?, &row.try_get::<String, _>(6)?)
                    .unwrap_or_default();
            found.push((
                row.try_get(0)?,
                Target {
                    link_id: row.try_get(1)?,
                    partner_key: row.try_get(2)?,
                    destination: row.try_get(3)?,
                    allowed: domain_list(&row.try_get::<String, _>(4)?),
                    params,
                },
            ));
        }
    }
    Ok(found)
}

/// `programs.allowed_domains` as a list (stored comma-separated).
pub fn domain_list(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The address a key is shared as.
pub fn share_url(origin: &str, key: &str) -> String {
    format!("{}/r/{key}", origin.trim_end_matches('/'))
}

/// The columns [`link_row`] reads, of `links l`, its contact's user `u` and its signups.
macro_rules! link_columns {
    () => {
        "l.id, l.link_key, l.name, l.destination, u.name, l.click_count, \
         (SELECT COUNT(*) FROM customers c WHERE c.link_id = l.id), \
         CAST(CASE WHEN l.disabled_at IS NULL THEN 1 ELSE 0 END AS BIGINT)"
    };
}
pub(crate) use link_columns;

/// Whose links a list holds: one contact's, or the whole team's.
#[derive(Debug, Clone, Copy)]
pub enum LinkScope {
    Contact(i64),
    Team,
}

impl LinkScope {
    /// The contact whose links to list, 0 for the team's (the SQL's `$n = 0 OR …`).
    pub(crate) fn contact_or_zero(self) -> i64 {
        match self {
            LinkScope::Contact(id) => id,
            LinkScope::Team => 0,
        }
    }
}

/// The links of a partnership in `scope`, defaults first, shared from `origin`. A partnership
/// has few links (one per contact and the ones they make), and each count is an indexed
/// per-link lookup.
pub async fn list(
    db: &Db,
    origin: &str,
    partnership_id: i64,
    scope: LinkScope,
) -> Result<Vec<LinkView>, AppError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        link_columns!(),
        " FROM links l LEFT JOIN contacts ct ON ct.id = l.contact_id LEFT JOIN users u ON u.id = ct.user_id \
         WHERE l.partnership_id = $1 AND ($2 = 0 OR l.contact_id = $2) \
         ORDER BY l.is_default DESC, l.id LIMIT 200"
    ))
    .bind(partnership_id)
    .bind(scope.contact_or_zero())
    .fetch_all(&mut db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| link_row(origin, r).map_err(AppError::from))
        .collect()
}

/// A link as its list shows it, from the columns of [`link_columns!`].
pub(crate) fn link_row(origin: &str, r: &sqlx::any::AnyRow) -> Result<LinkView, sqlx::Error> {
    Ok(LinkView {
        id: r.try_get(0)?,
        url: share_url(origin, &r.try_get::<String, _>(1)?),
        name: r.try_get(2)?,
        destination: r.try_get(3)?,
        owner: r.try_get(4)?,
        clicks: r.try_get(5)?,
        signups: r.try_get(6)?,
        enabled: r.try_get::<i64, _>(7)? != 0,
    })
}

/// A partnership's links are capped: links are for campaigns, not one per visitor.
pub const MAX_LINKS_PER_PARTNERSHIP: i64 = 200;

/// An extra link: its destination already checked against the program's domains (`None`: the
/// program's default), `contact_id` `None` for a team link.
pub struct NewLink<'a> {
    pub program_id: i64,
    pub partnership_id: i64,
    pub contact_id: Option<i64>,
    pub name: &'a str,
    pub destination: Option<&'a str>,
    pub user_id: i64,
}

/// Makes an extra link; returns its id and key.
pub async fn create(tx: &mut Tx, link: NewLink<'_>, now: i64) -> Result<(i64, String), AppError> {
    let NewLink {
        program_id,
        partnership_id,
        contact_id,
        name,
        destination,
        user_id,
    } = link;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM links WHERE partnership_id = $1")
        .bind(partnership_id)
        .fetch_one(&mut **tx)
        .await?;
    if count >= MAX_LINKS_PER_PARTNERSHIP {
        return Err(AppError::new(
            409,
            format!("A partnership has at most {MAX_LINKS_PER_PARTNERSHIP} links"),
        ));
    }
    let key = new_key();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO links (program_id, partnership_id, contact_id, link_key, name, destination, is_default, created_by_user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) RETURNING id",
    )
    .bind(program_id)
    .bind(partnership_id)
    .bind(contact_id)
    .bind(&key)
    .bind(name)
    .bind(destination)
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, key))
}

/// A link of a partnership, as turning it off or on needs it.
pub struct LinkOwner {
    pub name: String,
    pub contact_id: Option<i64>,
    pub enabled: bool,
}

/// The link `link_id` if it belongs to `partnership_id`.
pub async fn owner(
    tx: &mut Tx,
    link_id: i64,
    partnership_id: i64,
) -> Result<Option<LinkOwner>, AppError> {
    let row = sqlx::query(
        "SELECT name, contact_id, CAST(CASE WHEN disabled_at IS NULL THEN 1 ELSE 0 END AS BIGINT) \
         FROM links WHERE id = $1 AND partnership_id = $2",
    )
    .bind(link_id)
    .bind(partnership_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(LinkOwner {
            name: r.try_get(0)?,
            contact_id: r.try_get(1)?,
            enabled: r.try_get::<i64, _>(2)? != 0,
        })
    })
    .transpose()
}

/// Turns a link off (its redirect answers 404 once the servers' caches have read it again) or
/// back on.
pub async fn set_enabled(
    tx: &mut Tx,
    link_id: i64,
    enabled: bool,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE links SET disabled_at = $1 WHERE id = $2")
        .bind((!enabled).then_some(now))
        .bind(link_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An extra link as a contact asks for it in one of their team's partnerships.
pub struct ExtraLink<'a> {
    pub program_id: i64,
    pub company_id: i64,
    pub partnership_id: i64,
    /// The contact whose own link it is, with their name; `None` for a team link.
    pub owner: Option<(i64, &'a str)>,
    pub user_id: i64,
    /// Already checked.
    pub name: &'a str,
    /// As typed: empty for the program's default destination.
    pub destination: &'a str,
}

/// Makes an extra link, to the program's default destination or to one on the program's
/// allow-list, with its event; returns it as shared from `origin`.
pub async fn add_extra(db: &Db, origin: &str, link: ExtraLink<'_>) -> Result<LinkView, AppError> {
    let ExtraLink {
        program_id,
        company_id,
        partnership_id,
        owner,
        user_id,
        name,
        destination,
    } = link;
    let allowed: String = sqlx::query_scalar("SELECT allowed_domains FROM programs WHERE id = $1")
        .bind(program_id)
        .fetch_one(&mut db.conn().await?)
        .await?;
    let destination = match destination.trim() {
        "" => None,
        text => Some(
            domain::link::parse_destination(text, &domain_list(&allowed))
                .map_err(|e| AppError::invalid_fields(vec![("destination", e.0)]))?,
        ),
    };
    let now = super::db::now_ms();
    let mut tx = db.begin().await?;
    let new = NewLink {
        program_id,
        partnership_id,
        contact_id: owner.map(|(id, _)| id),
        name,
        destination: destination.as_deref(),
        user_id,
    };
    let (id, key) = create(&mut tx, new, now).await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind: "link.created",
            subject_type: "link",
            subject_id: id,
            payload: serde_json::json!({ "partnership_id": partnership_id, "name": name, "destination": destination, "team": owner.is_none() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(LinkView {
        id,
        name: name.to_owned(),
        url: share_url(origin, &key),
        destination,
        owner: owner.map(|(_, name)| name.to_owned()),
        clicks: 0,
        signups: 0,
        enabled: true,
    })
}

/// A contact turning a link of their team's partnership off or on.
pub struct LinkSwitch {
    pub link_id: i64,
    pub partnership_id: i64,
    pub company_id: i64,
    pub contact_id: i64,
    pub role: ContactRole,
    pub user_id: i64,
    pub enabled: bool,
}

/// Turns a link of the partnership off or back on: the contact's own with the right to share
/// links, the team's or another contact's with the right to manage the team's links. A link
/// already in that state is left as it is, without an event.
pub async fn turn(db: &Db, switch: LinkSwitch) -> Result<LinkState, AppError> {
    let LinkSwitch {
        link_id,
        partnership_id,
        company_id,
        contact_id,
        role,
        user_id,
        enabled,
    } = switch;
    let mut tx = db.begin().await?;
    let found = owner(&mut tx, link_id, partnership_id)
        .await?
        .ok_or_else(|| AppError::not_found("Link"))?;
    let own = found.contact_id == Some(contact_id);
    if !role.can(domain::link::manage_link_permission(own)) {
        return Err(AppError::forbidden());
    }
    if found.enabled != enabled {
        set_enabled(&mut tx, link_id, enabled, super::db::now_ms()).await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(user_id),
                company_id: Some(company_id),
                kind: if enabled {
                    "link.enabled"
                } else {
                    "link.disabled"
                },
                subject_type: "link",
                subject_id: link_id,
                payload: serde_json::json!({ "partnership_id": partnership_id, "name": found.name }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(LinkState {
        id: link_id,
        name: found.name,
        enabled,
    })
}
