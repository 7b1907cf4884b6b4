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
        let programs = vendor::programs(&state.db, teammate.company_id).await?;
        let selected = vendor::current_program(&programs, program, teammate.identity.program_id)?;
        let (kpis, partners, next) = match &selected {
            Some(program) => {
                let with_money = teammate.role.can(Permission::ViewMoney);
                let kpis = vendor::kpis(&state.db, program, with_money).await?;
                let (partners, next) = vendor::partners_page(&state.db, program.id, after).await?;
                (Some(kpis), partners, next)
            }
            None => (None, Vec::new(), None),
        };
        Ok(VendorOverview {
            viewer: viewer(
                &state,
                &teammate.identity,
                &teammate.company_name,
                selected.as_ref().map(|p| p.id),
            )
            .await?,
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
        let viewer = viewer(&state, &contact.identity, &contact.partner_team_name, None).await?;
        // Only the program chosen in the header: nothing of one vendor shows in another's.
        let rows = partner::partnerships(&state.db, contact.partner_team_id).await?;
        let mut partnerships = Vec::with_capacity(1);
        for row in rows
            .into_iter()
            .filter(|r| Some(r.program_id) == viewer.program)
        {
            let earnings = if with_earnings {
                let e = partner::earnings(&state.db, row.id).await?;
                Some(EarningsDto {
                    available: Money::new(e.available, &row.currency),
                    pending: Money::new(e.pending, &row.currency),
                    lifetime_paid: Money::new(e.lifetime_paid, &row.currency),
                    minimum_cashout: Money::new(row.min_cashout_minor, &row.currency),
                })
            } else {
                None
            };
            let (tier_progress, tier_warning) = if row.status == "active" {
                crate::server::tiers::progress(
                    &state.db,
                    row.program_id,
                    row.id,
                    crate::server::db::now_ms(),
                )
                .await?
            } else {
                (None, None)
            };
            let tier_changes = crate::server::tiers::history(&state.db, row.id, 5).await?;
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
