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
    use crate::server::{endpoint, lead_import, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageOwnLeadsDeals).await?;
        let context = crate::server::authz::partnership()?
            .filter(|c| c.active)
            .ok_or_else(|| {
                AppError::new(403, "Leads can be imported once your partnership is active")
            })?;
        let lines = domain::lead_import::read_import(&csv, false)?;
        let by = lead_import::PartnerImporter {
            program_id: context.program_id,
            company_id: context.company_id,
            partnership_id: context.partnership_id,
            contact_id: me.contact_id,
            user_id: me.identity.user_id,
        };
        lead_import::import_as_partner(&state.db, by, &lines, confirm.as_deref())
            .await
            .map(told)
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
    use crate::server::{endpoint, lead_import, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        let program = crate::server::authz::current_program(program)?
            .ok_or_else(|| AppError::bad_request("Create a program first"))?;
        let lines = domain::lead_import::read_import(&csv, true)?;
        lead_import::import_as_teammate(&state.db, program.id, &me, &lines, confirm.as_deref())
            .await
            .map(told)
    })
    .await
}

/// A written import is told on the next page (the leads list, which now shows the leads).
#[cfg(feature = "ssr")]
fn told(outcome: ImportOutcome) -> ImportOutcome {
    if let Some(n) = outcome.imported {
        crate::server::notice::notice(&format!(
            "{n} {} imported.",
            if n == 1 { "lead" } else { "leads" }
        ));
    }
    outcome
}
