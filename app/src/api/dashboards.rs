//! The two dashboards' data.

use leptos::prelude::*;

use crate::dto::{PartnerDashboard, VendorOverview};
use crate::error::AppError;

/// The program overview for the teammate's company: KPI cards and one page of partners.
#[server(prefix = "/api", endpoint = "vendor_overview")]
pub async fn fetch_vendor_overview(
    program: Option<i64>,
    after: Option<i64>,
) -> Result<VendorOverview, AppError> {
    use crate::server::{endpoint, require_teammate, vendor, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, teammate) = require_teammate(Permission::ViewProgram).await?;
        let restricted_to = teammate
            .allowed_groups
            .clone()
            .map(|_| teammate.teammate_id);
        let selected = crate::server::authz::current_program(program)?;
        let (kpis, partners, next) = match &selected {
            Some(program) => {
                let with_money = teammate.role.can(Permission::ViewMoney);
                let (kpis, partners, next) =
                    vendor::overview(&state.db, program, with_money, after, restricted_to).await?;
                (Some(kpis), partners, next)
            }
            None => (None, Vec::new(), None),
        };
        Ok(VendorOverview {
            viewer: viewer(&teammate.company_name, selected.as_ref().map(|p| p.id))?,
            role: teammate.role,
            company: teammate.company_name,
            program: selected,
            kpis,
            partners,
            next_partners_after: next,
        })
    })
    .await
}

/// The partner contact's dashboard: their team, and per program the status, group, tier and,
/// for roles that see money, the balance, pending rewards and lifetime paid.
#[server(prefix = "/api", endpoint = "partner_dashboard")]
pub async fn fetch_partner_dashboard() -> Result<PartnerDashboard, AppError> {
    use crate::dto::{EarningsDto, Money, PartnershipCard};
    use crate::server::{endpoint, partner, require_contact, viewer};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, contact) = require_contact(ContactPermission::ViewDashboard).await?;
        let with_earnings = contact.role.can(ContactPermission::ViewEarnings);
        let viewer = viewer(&contact.partner_team_name, None)?;
        // Only the program chosen in the header: nothing of one vendor shows in another's.
        let chosen = crate::server::authz::partnership()?;
        let row = match &chosen {
            Some(p) => {
                partner::partnership(
                    &state.db,
                    contact.partner_team_id,
                    p.partnership_id,
                    contact.contact_id,
                )
                .await?
            }
            None => None,
        };
        let mut partnerships = Vec::with_capacity(1);
        if let Some(row) = row {
            let earnings = if with_earnings {
                let e = &row.earnings;
                Some(EarningsDto {
                    available: Money::new(e.available, &row.currency),
                    pending: Money::new(e.pending, &row.currency),
                    lifetime_paid: Money::new(e.lifetime_paid, &row.currency),
                    minimum_cashout: Money::new(row.min_cashout_minor, &row.currency),
                })
            } else {
                None
            };
            let active = row.status == domain::partnership::PartnershipStatus::Active;
            let links = if active { link_scope(&contact) } else { None };
            if links.is_some() && row.default_links < 2 {
                let now = crate::server::db::now_ms();
                crate::server::links::make_defaults(
                    &state.db,
                    row.program_id,
                    row.id,
                    contact.contact_id,
                    now,
                )
                .await?;
            }
            let origin = crate::server::public_origin(&state);
            let emails_visible = chosen.as_ref().is_some_and(|p| p.customer_emails_visible);
            let lists = partner::card_lists(
                &state.db,
                &row,
                partner::CardAsk {
                    origin: &origin,
                    links,
                    customers: active.then_some(emails_visible),
                },
            )
            .await?;
            let (tier_progress, tier_warning) = if active {
                crate::server::tiers::progress(
                    &state.db,
                    &lists.tiers,
                    row.id,
                    (row.tier_id, row.tier_below_since),
                    crate::server::db::now_ms(),
                )
                .await?
            } else {
                (None, None)
            };
            let tier_changes = lists.tier_changes;
            let (links, default_destination, recent_customers) = if active {
                (
                    lists.links,
                    row.default_destination.clone(),
                    lists.recent_customers,
                )
            } else {
                (Vec::new(), String::new(), Vec::new())
            };
            partnerships.push(PartnershipCard {
                partnership_id: row.id,
                program: row.program,
                vendor: row.vendor,
                status: row.status,
                group: row.group,
                tier: row.tier,
                partner_key: row.partner_key,
                rejection_reason: row.rejection_reason,
                terms: row.terms,
                tier_progress,
                tier_warning,
                tier_changes,
                earnings,
                links,
                can_make_links: active && contact.role.can(ContactPermission::ShareOwnLinks),
                can_make_team_links: active && contact.role.can(ContactPermission::ManageTeamLinks),
                can_leave: contact.role.can(ContactPermission::LeavePrograms)
                    && domain::partnership::StatusAction::Archive
                        .next(row.status, None)
                        .is_ok(),
                default_destination,
                recent_customers,
            });
        }
        Ok(PartnerDashboard {
            viewer,
            role: contact.role,
            team: contact.partner_team_name,
            team_kind: domain::program::partner_type_label(&contact.partner_team_kind),
            partnerships,
        })
    })
    .await
}

/// Whose links a contact shares on the dashboard: the team's (a contact who manages team
/// links), their own, or none.
#[cfg(feature = "ssr")]
fn link_scope(contact: &crate::server::authz::Contact) -> Option<crate::server::links::LinkScope> {
    use crate::server::links::LinkScope;
    use domain::permissions::ContactPermission;

    if contact.role.can(ContactPermission::ManageTeamLinks) {
        Some(LinkScope::Team)
    } else if contact.role.can(ContactPermission::ShareOwnLinks) {
        Some(LinkScope::Contact(contact.contact_id))
    } else {
        None
    }
}
