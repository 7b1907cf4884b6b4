//! Offers and their versions. A version is never updated: an edit inserts the next version,
//! effective from the moment it is saved, so every reward can name the version that made it.

use domain::money::Currency;
use domain::offer::{OfferDraft, OfferEvent, OfferVersion};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::db::{Db, Tx, is_unique_violation};
use super::events::{self, NewEvent};
use crate::dto::OfferSimulation;
use crate::error::AppError;

/// An offer with its versions, oldest first; `version_ids[i]` is the row of `versions[i]`.
#[derive(Debug, Clone)]
pub struct Offer {
    pub id: i64,
    pub name: String,
    pub versions: Vec<OfferVersion>,
    pub version_ids: Vec<i64>,
    pub version_created: Vec<(i64, String)>,
}

impl Offer {
    /// The version in force at `at`, with its row id.
    pub fn version_at(&self, at: i64) -> Option<(i64, &OfferVersion)> {
        let version = domain::offer::version_at(&self.versions, at)?;
        let index = self.versions.iter().position(|v| v == version)?;
        Some((self.version_ids[index], version))
    }
}

/// The program's offers (for one event, or all), with every version.
pub async fn load<'e, E>(
    executor: E,
    program_id: i64,
    event: Option<OfferEvent>,
) -> Result<Vec<Offer>, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT o.id, o.name, v.id, v.definition, v.created_at, u.name FROM offers o \
         JOIN offer_versions v ON v.offer_id = o.id JOIN users u ON u.id = v.created_by_user_id \
         WHERE o.program_id = $1 AND ($2 = '' OR o.event = $2) ORDER BY o.id, v.version",
    )
    .bind(program_id)
    .bind(event.map(|e| e.as_str()).unwrap_or(""))
    .fetch_all(executor)
    .await?;
    let mut offers: Vec<Offer> = Vec::new();
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let definition: String = r.try_get(3)?;
        let version: OfferVersion =
            serde_json::from_str(&definition).map_err(AppError::internal)?;
        if offers.last().is_none_or(|o| o.id != id) {
            offers.push(Offer {
                id,
                name: r.try_get(1)?,
                versions: Vec::new(),
                version_ids: Vec::new(),
                version_created: Vec::new(),
            });
        }
        if let Some(offer) = offers.last_mut() {
            offer.versions.push(version);
            offer.version_ids.push(r.try_get(2)?);
            offer.version_created.push((r.try_get(4)?, r.try_get(5)?));
        }
    }
    Ok(offers)
}

/// Checks that the groups, tiers or segment an offer targets, and the tiers it has rates for,
/// belong to the program.
pub async fn check_target(
    conn: &mut sqlx::AnyConnection,
    program_id: i64,
    draft: &OfferDraft,
) -> Result<(), AppError> {
    use domain::offer::Target;
    for o in &draft.tier_overrides {
        let found: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM tiers WHERE id = $1 AND program_id = $2")
                .bind(o.tier_id)
                .bind(program_id)
                .fetch_one(&mut *conn)
                .await?;
        if found == 0 {
            return Err(AppError::invalid_fields(vec![(
                "tier_overrides",
                "Choose a tier of this program".into(),
            )]));
        }
    }
    let (table, ids): (&str, Vec<i64>) = match &draft.target {
        Target::Everyone => return Ok(()),
        Target::Groups(ids) => ("partner_groups", ids.clone()),
        Target::Tiers(ids) => ("tiers", ids.clone()),
        Target::Segment(id) => ("segments", vec![*id]),
    };
    for id in ids {
        let sql = match table {
            "partner_groups" => {
                "SELECT COUNT(*) FROM partner_groups WHERE id = $1 AND program_id = $2"
            }
            "tiers" => "SELECT COUNT(*) FROM tiers WHERE id = $1 AND program_id = $2",
            _ => "SELECT COUNT(*) FROM segments WHERE id = $1 AND program_id = $2",
        };
        let found: i64 = sqlx::query_scalar(sql)
            .bind(id)
            .bind(program_id)
            .fetch_one(&mut *conn)
            .await?;
        if found == 0 {
            return Err(AppError::invalid_fields(vec![(
                "target",
                "Choose a group, tier or segment of this program".into(),
            )]));
        }
    }
    Ok(())
}

/// "Not found" unless `offer_id` is an offer of the program.
pub async fn check_offer(
    conn: &mut sqlx::AnyConnection,
    program_id: i64,
    offer_id: i64,
) -> Result<(), AppError> {
    let found: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM offers WHERE id = $1 AND program_id = $2")
            .bind(offer_id)
            .bind(program_id)
            .fetch_one(&mut *conn)
            .await?;
    if found == 0 {
        return Err(AppError::not_found("Offer"));
    }
    Ok(())
}

/// Saves a new offer (version 1) or the next version of `offer_id`, effective from `now`.
pub async fn save(
    tx: &mut Tx,
    program_id: i64,
    company_id: i64,
    offer_id: Option<i64>,
    draft: OfferDraft,
    user_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    check_target(tx, program_id, &draft).await?;
    let name = draft.name.clone();
    let event = draft.event;
    let (offer_id, version) = match offer_id {
        None => {
            let taken: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM offers WHERE program_id = $1 AND name = $2",
            )
            .bind(program_id)
            .bind(&name)
            .fetch_one(&mut **tx)
            .await?;
            let name_taken = || {
                AppError::invalid_fields(vec![(
                    "name",
                    format!("An offer named {name} exists already"),
                )])
            };
            if taken > 0 {
                return Err(name_taken());
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO offers (program_id, name, event, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(program_id)
            .bind(&name)
            .bind(event.as_str())
            .bind(now)
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    name_taken()
                } else {
                    e.into()
                }
            })?;
            (id, 1)
        }
        Some(id) => {
            let row = sqlx::query(
                "SELECT o.event, (SELECT MAX(version) FROM offer_versions WHERE offer_id = o.id) \
                 FROM offers o WHERE o.id = $1 AND o.program_id = $2",
            )
            .bind(id)
            .bind(program_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| AppError::not_found("Offer"))?;
            let stored: String = row.try_get(0)?;
            if stored != event.as_str() {
                return Err(AppError::invalid_fields(vec![(
                    "event",
                    "An offer keeps its event; create another offer for a different one".into(),
                )]));
            }
            let last: i64 = row.try_get(1)?;
            (id, last + 1)
        }
    };
    let version = u32::try_from(version).map_err(AppError::internal)?;
    let definition = draft.version(version, now);
    let version_id: i64 = sqlx::query_scalar(
        "INSERT INTO offer_versions (offer_id, version, effective_from, definition, created_by_user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $3) RETURNING id",
    )
    .bind(offer_id)
    .bind(i64::from(version))
    .bind(now)
    .bind(serde_json::to_string(&definition).map_err(AppError::internal)?)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: Some(company_id),
            kind: if version == 1 {
                "offer.created"
            } else {
                "offer.versioned"
            },
            subject_type: "offer",
            subject_id: offer_id,
            payload: serde_json::json!({
                "program_id": program_id,
                "name": name,
                "version": version,
                "offer_version_id": version_id,
                "definition": definition,
            }),
        },
    )
    .await?;
    Ok(offer_id)
}

/// Saves the form's offer (see [`save`]) in a transaction of its own.
pub async fn publish(
    db: &Db,
    program_id: i64,
    company_id: i64,
    offer_id: Option<i64>,
    draft: OfferDraft,
    user_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = db.begin().await?;
    let id = save(
        &mut tx, program_id, company_id, offer_id, draft, user_id, now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Replays the form's offer, without saving it, over the last `days` of the program's events
/// (see [`crate::simulator::run`]), after the checks saving it would make: its targets, and
/// `offer_id` (the offer it would version) being the program's.
pub async fn simulate(
    db: &Db,
    program_id: i64,
    currency: Currency,
    offer_id: Option<i64>,
    draft: OfferDraft,
    days: i64,
    now: i64,
) -> Result<OfferSimulation, AppError> {
    let mut conn = db.pool.acquire().await?;
    check_target(&mut conn, program_id, &draft).await?;
    if let Some(offer_id) = offer_id {
        check_offer(&mut conn, program_id, offer_id).await?;
    }
    // The replay takes a connection of its own: this one goes back to the pool first.
    drop(conn);
    let version = draft.version(0, now);
    super::simulator::run(db, program_id, currency, offer_id, &version, days, now).await
}

/// What an offer can target besides everyone, as (form value `kind:id`, label): the program's
/// groups, tiers and segments.
async fn targets(db: &Db, program_id: i64) -> Result<Vec<(String, String)>, AppError> {
    let rows = sqlx::query(
        "SELECT 'group', id, name FROM partner_groups WHERE program_id = $1 \
         UNION ALL SELECT 'tier', id, name FROM tiers WHERE program_id = $1 \
         UNION ALL SELECT 'segment', id, name FROM segments WHERE program_id = $1",
    )
    .bind(program_id)
    .fetch_all(&mut db.conn().await?)
    .await?;
    Ok(rows
        .iter()
        .map(target_row)
        .collect::<Result<_, sqlx::Error>>()?)
}

fn target_row(r: &AnyRow) -> Result<(String, String), sqlx::Error> {
    let kind: String = r.try_get(0)?;
    let id: i64 = r.try_get(1)?;
    let name: String = r.try_get(2)?;
    let label = match kind.as_str() {
        "group" => format!("Group: {name}"),
        "tier" => format!("Tier: {name}"),
        _ => format!("Segment: {name}"),
    };
    Ok((format!("{kind}:{id}"), label))
}

/// What the offers page shows of a program: its offers with every version, and what an offer
/// can target besides everyone.
pub struct Listing {
    pub targets: Vec<(String, String)>,
    pub offers: Vec<Offer>,
}

/// Reads a program's [`Listing`].
pub async fn listing(db: &Db, program_id: i64) -> Result<Listing, AppError> {
    Ok(Listing {
        targets: targets(db, program_id).await?,
        offers: load(&mut db.conn().await?, program_id, None).await?,
    })
}
