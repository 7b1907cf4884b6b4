//! CSV imports of leads: a partner's leads for their team, or a teammate's leads passed to
//! partners by key. A call without `confirm` only previews; with it, every row is written in
//! one transaction or none is.

use leptos::prelude::*;

use crate::dto::ImportOutcome;
use crate::error::AppError;

/// A partner contact imports leads into their current program, registered as their own.
#[server(prefix = "/api", endpoint = "import_partner_leads")]
pub async fn import_partner_leads(
    csv: String,
    confirm: Option<String>,
) -> Result<ImportOutcome, AppError> {
    use crate::server::lead_import::{Target, check, confirmed};
    use crate::server::{db::now_ms, endpoint, leads, require_contact};
    use domain::lead::LeadStatus;
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageOwnLeadsDeals).await?;
        let context = crate::server::authz::partnership()?
            .filter(|c| c.active)
            .ok_or_else(|| {
                AppError::new(403, "Leads can be imported once your partnership is active")
            })?;
        let lines = domain::lead_import::read_import(&csv, false)?;
        let mut tx = state.db.begin().await?;
        let target = Target::Partnership(context.partnership_id);
        let (mut outcome, ready) =
            check(&mut tx, context.program_id, &lines, &target, false).await?;
        if confirmed(&confirm, &outcome)? {
            let now = now_ms();
            let leads_ok = lines.iter().filter_map(|l| l.lead.as_ref().ok());
            for (lead, row) in leads_ok.zip(&ready) {
                let who = (LeadStatus::Submitted, Some(me.contact_id));
                let (id, claims) =
                    leads::insert_imported(&mut tx, context.program_id, lead, row, who, now)
                        .await?;
                let registration = leads::Registration {
                    lead_id: id,
                    partnership_id: row.partnership_id,
                    lead,
                    claims: &claims,
                    source: "csv",
                };
                leads::record_registration(
                    &mut tx,
                    me.identity.user_id,
                    context.company_id,
                    registration,
                )
                .await?;
            }
            tx.commit().await?;
            outcome.imported = Some(ready.len());
        }
        Ok(outcome)
    })
    .await
}

/// A teammate imports leads into the current program and passes each to the active partner
/// its `partner_key` names.
#[server(prefix = "/api", endpoint = "import_vendor_leads")]
pub async fn import_vendor_leads(
    program: Option<i64>,
    csv: String,
    confirm: Option<String>,
) -> Result<ImportOutcome, AppError> {
    use crate::server::lead_import::{Target, check, confirmed};
    use crate::server::{db::now_ms, endpoint, leads, require_teammate};
    use domain::lead::LeadStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        let program = crate::server::authz::current_program(program)?
            .ok_or_else(|| AppError::bad_request("Create a program first"))?;
        let allowed = me.allowed_groups.clone();
        let lines = domain::lead_import::read_import(&csv, true)?;
        let mut tx = state.db.begin().await?;
        let target = Target::ByKey {
            allowed: allowed.as_deref(),
        };
        let (mut outcome, ready) = check(&mut tx, program.id, &lines, &target, true).await?;
        if confirmed(&confirm, &outcome)? {
            let now = now_ms();
            let leads_ok = lines.iter().filter_map(|l| l.lead.as_ref().ok());
            for (lead, row) in leads_ok.zip(&ready) {
                let who = (LeadStatus::Passed, None);
                let (id, _) =
                    leads::insert_imported(&mut tx, program.id, lead, row, who, now).await?;
                leads::record_pass(&mut tx, &me, id, row.partnership_id, now).await?;
            }
            tx.commit().await?;
            outcome.imported = Some(ready.len());
        }
        Ok(outcome)
    })
    .await
}
