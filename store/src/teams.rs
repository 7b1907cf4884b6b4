//! A partner team's own profile (name, type, website, country): what every vendor it partners
//! with sees on its applications and partner pages.

use domain::program::{Application, PartnerType};
use sqlx::Row;

use super::context::Contact;
use super::db::Db;
use super::events::{self, NewEvent};
use crate::dto::TeamProfile;
use crate::error::AppError;

pub async fn profile(db: &Db, partner_team_id: i64) -> Result<TeamProfile, AppError> {
    let r = sqlx::query("SELECT name, kind, website, country FROM partner_teams WHERE id = $1")
        .bind(partner_team_id)
        .fetch_one(&mut db.conn().await?)
        .await?;
    Ok(TeamProfile {
        name: r.try_get(0)?,
        // Older teams may carry a free-text type: the form then asks for one.
        partner_type: PartnerType::parse(&r.try_get::<String, _>(1)?).ok(),
        website: r.try_get(2)?,
        country: r.try_get(3)?,
    })
}

/// Saves the contact's team's profile (validated by `domain::program::validate_application`)
/// with its event, and the name every partnership of the team is sorted by, in one
/// transaction.
pub async fn save_profile(db: &Db, actor: &Contact, profile: &Application) -> Result<(), AppError> {
    let team = actor.partner_team_id;
    let mut tx = db.begin().await?;
    let before =
        sqlx::query("SELECT name, kind, website, country FROM partner_teams WHERE id = $1")
            .bind(team)
            .fetch_one(&mut *tx)
            .await?;
    let before = serde_json::json!({
        "name": before.try_get::<String, _>(0)?,
        "kind": before.try_get::<String, _>(1)?,
        "website": before.try_get::<Option<String>, _>(2)?,
        "country": before.try_get::<Option<String>, _>(3)?,
    });
    sqlx::query(
        "UPDATE partner_teams SET name = $1, kind = $2, website = $3, country = $4 WHERE id = $5",
    )
    .bind(&profile.team_name)
    .bind(profile.partner_type.as_str())
    .bind(&profile.website)
    .bind(&profile.country)
    .bind(team)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE partnerships SET team_name = $1 WHERE partner_team_id = $2")
        .bind(&profile.team_name)
        .bind(team)
        .execute(&mut *tx)
        .await?;
    // Each vendor's history (and its triggers and webhooks) hears of a new name.
    let old_name = before["name"].as_str().unwrap_or_default();
    if old_name != profile.team_name {
        let partnerships = sqlx::query(
            "SELECT p.id, pr.company_id FROM partnerships p JOIN programs pr ON pr.id = p.program_id \
             WHERE p.partner_team_id = $1 ORDER BY p.id",
        )
        .bind(team)
        .fetch_all(&mut *tx)
        .await?;
        for row in partnerships {
            events::append(
                &mut tx,
                NewEvent {
                    actor_user_id: Some(actor.identity.user_id),
                    company_id: Some(row.try_get(1)?),
                    kind: "partnership.team_renamed",
                    subject_type: "partnership",
                    subject_id: row.try_get(0)?,
                    payload: serde_json::json!({ "before": old_name, "after": profile.team_name }),
                },
            )
            .await?;
        }
    }
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor.identity.user_id),
            company_id: None,
            kind: "partner_team.updated",
            subject_type: "partner_team",
            subject_id: team,
            payload: serde_json::json!({
                "before": before,
                "after": {
                    "name": profile.team_name,
                    "kind": profile.partner_type.as_str(),
                    "website": profile.website,
                    "country": profile.country,
                },
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
