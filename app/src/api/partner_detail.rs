//! One partner, as the vendor sees it: team, contacts, terms, history and notes.

use leptos::prelude::*;

use crate::dto::PartnerDetail;
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "partner")]
pub async fn fetch_partner(partnership_id: i64) -> Result<PartnerDetail, AppError> {
    use crate::dto::{ContactRow, HistoryEntry};
    use crate::server::links::{self, LinkScope};
    use crate::server::{
        endpoint, partnerships, public_origin, require_teammate, structure, viewer,
    };
    use domain::permissions::{ContactRole, Permission};
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let allowed = me.allowed_groups.clone();
        let mut tx = state.db.begin().await?;
        let loaded = partnerships::load(&mut tx, &me, allowed.as_deref(), partnership_id).await?;
        tx.commit().await?;
        let r = sqlx::query(
            "SELECT t.kind, t.website, t.country, p.partner_key, p.rejection_reason, g.name, tr.name, u.name, p.joined_at, p.notes, p.group_id, p.tier_id, p.manager_teammate_id \
             FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id JOIN partner_groups g ON g.id = p.group_id \
             LEFT JOIN tiers tr ON tr.id = p.tier_id LEFT JOIN teammates m ON m.id = p.manager_teammate_id \
             LEFT JOIN users u ON u.id = m.user_id WHERE p.id = $1",
        )
        .bind(loaded.id)
        .fetch_one(&state.db.pool)
        .await?;
        let mut tags = Vec::new();
        let mut tag_ids = Vec::new();
        for t in sqlx::query(
            "SELECT tg.id, tg.name FROM partnership_tags pt JOIN tags tg ON tg.id = pt.tag_id WHERE pt.partnership_id = $1 ORDER BY tg.name",
        )
        .bind(loaded.id)
        .fetch_all(&state.db.pool)
        .await?
        {
            tag_ids.push(t.try_get::<i64, _>(0)?);
            tags.push(t.try_get::<String, _>(1)?);
        }
        // The same permissions as the partners table's bulk actions, which these forms use.
        let can_manage = me.role.can(Permission::ManagePartners) && me.role.can(Permission::ManageGroupsTagsTiers);
        let choices = if can_manage {
            let mut s = structure::load(&state.db, loaded.program_id, me.company_id).await?;
            if let Some(groups) = &allowed {
                s.groups.retain(|g| groups.contains(&g.id));
            }
            Some(s)
        } else {
            None
        };
        let mut contacts = Vec::new();
        for c in sqlx::query(
            "SELECT c.id, u.name, u.email, c.role, c.created_at, c.referral_code FROM contacts c JOIN users u ON u.id = c.user_id \
             WHERE c.partner_team_id = $1 ORDER BY u.name",
        )
        .bind(loaded.partner_team_id)
        .fetch_all(&state.db.pool)
        .await?
        {
            let role: String = c.try_get(3)?;
            contacts.push(ContactRow {
                id: c.try_get(0)?,
                name: c.try_get(1)?,
                email: c.try_get(2)?,
                role: ContactRole::parse(&role).map_err(AppError::internal)?,
                joined_at: c.try_get(4)?,
                is_you: false,
                referral_code: c.try_get(5)?,
            });
        }
        // The latest 50 events about this partnership: its status history and changes.
        let mut history = Vec::new();
        for e in sqlx::query(
            "SELECT e.occurred_at, u.name, e.kind, e.payload FROM events e LEFT JOIN users u ON u.id = e.actor_user_id \
             WHERE e.subject_type = 'partnership' AND e.subject_id = $1 AND e.company_id = $2 ORDER BY e.id DESC LIMIT 50",
        )
        .bind(loaded.id)
        .bind(me.company_id)
        .fetch_all(&state.db.pool)
        .await?
        {
            let kind: String = e.try_get(2)?;
            let payload: String = e.try_get(3)?;
            history.push(HistoryEntry { at: e.try_get(0)?, actor: e.try_get(1)?, what: describe_event(&kind, &payload) });
        }
        let links = links::list(&state.db, &public_origin(&state), loaded.id, LinkScope::Team).await?;
        let kind: String = r.try_get(0)?;
        Ok(PartnerDetail {
            viewer: viewer(&me.company_name, Some(loaded.program_id))?,
            partnership_id: loaded.id,
            program: loaded.program,
            partner_team: loaded.partner_team,
            kind: domain::program::partner_type_label(&kind),
            website: r.try_get(1)?,
            country: r.try_get(2)?,
            partner_key: r.try_get(3)?,
            status: loaded.status.as_str().to_owned(),
            rejection_reason: r.try_get(4)?,
            group: r.try_get(5)?,
            tier: r.try_get(6)?,
            manager: r.try_get(7)?,
            joined_at: r.try_get(8)?,
            notes: r.try_get(9)?,
            tags,
            contacts,
            history,
            can_edit_notes: me.role.can(Permission::ManagePartners),
            program_id: loaded.program_id,
            group_id: r.try_get(10)?,
            tier_id: r.try_get(11)?,
            manager_id: r.try_get(12)?,
            tag_ids,
            choices,
            can_pass_leads: me.role.can(Permission::ManageLeads) && loaded.status == domain::partnership::PartnershipStatus::Active,
            links,
        })
    })
    .await
}

/// A line of history a person can read, from an event's kind and payload.
#[cfg(feature = "ssr")]
fn describe_event(kind: &str, payload: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    let field = |name: &str| {
        value.get(name).map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string())
        })
    };
    match kind {
        "partnership.status_changed" => {
            let mut text = format!(
                "Status {} → {}",
                field("before").unwrap_or_default(),
                field("after").unwrap_or_default()
            );
            if let Some(reason) = field("reason").filter(|r| r != "null") {
                text.push_str(&format!(" ({reason})"));
            }
            text
        }
        "partnership.applied" => "Applied to the program".into(),
        "partner_joined" => "Joined the program".into(),
        "partnership.tag_added" => "Tag added".into(),
        "partnership.tag_removed" => "Tag removed".into(),
        "partnership.group_changed" => "Moved to another group".into(),
        "partnership.tier_changed" => field("summary").unwrap_or_else(|| "Tier changed".into()),
        "partnership.manager_changed" => "Partner manager changed".into(),
        "partnership.notes_changed" => "Notes edited".into(),
        other => other.replace(['.', '_'], " "),
    }
}

#[server(prefix = "/api", endpoint = "save_partner_notes")]
pub async fn save_partner_notes(partnership_id: i64, notes: String) -> Result<(), AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{endpoint, partnerships, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManagePartners).await?;
        let notes = notes.trim().to_owned();
        if notes.chars().count() > 10_000 {
            return Err(AppError::invalid_fields(vec![(
                "notes",
                "Notes are at most 10,000 characters".into(),
            )]));
        }
        let allowed = me.allowed_groups.clone();
        let mut tx = state.db.begin().await?;
        let loaded = partnerships::load(&mut tx, &me, allowed.as_deref(), partnership_id).await?;
        sqlx::query("UPDATE partnerships SET notes = $1 WHERE id = $2")
            .bind(&notes)
            .bind(loaded.id)
            .execute(&mut *tx)
            .await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: "partnership.notes_changed",
                subject_type: "partnership",
                subject_id: loaded.id,
                payload: serde_json::json!({ "length": notes.chars().count() }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
