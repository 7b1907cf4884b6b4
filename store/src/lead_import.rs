//! CSV imports of leads: checking them against the database (which partnership each row goes
//! to, the importer's own or the active partner a teammate's row names; its answers to that
//! group's custom lead fields; for teammates, its conflicts) and, when confirmed, writing
//! every row in one transaction or none.

use std::collections::HashMap;

use domain::lead::LeadStatus;
use domain::lead_fields::LeadField;
use domain::lead_import::ImportLine;
use sqlx::Row;

use super::context::Teammate;
use super::db::{Db, Tx, now_ms};
use super::leads;
use crate::dto::{ImportOutcome, ImportRow};
use crate::error::AppError;

/// Where the rows of an import go.
pub enum Target<'a> {
    /// A partner's own partnership.
    Partnership(i64),
    /// Active partners of the program named by key, within a restricted manager's groups.
    ByKey { allowed: Option<&'a [i64]> },
}

/// A row ready to write: its partnership and custom answers.
pub struct Ready {
    pub partnership_id: i64,
    pub answers: Vec<(String, String)>,
}

async fn by_key(
    tx: &mut Tx,
    program_id: i64,
    allowed: Option<&[i64]>,
    key: &str,
) -> Result<Result<i64, String>, AppError> {
    let unknown = || format!("No partner of this program has the key {key}");
    let row = sqlx::query(
        "SELECT id, status, group_id FROM partnerships WHERE program_id = $1 AND partner_key = $2",
    )
    .bind(program_id)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(Err(unknown()));
    };
    let group: i64 = row.try_get(2)?;
    if allowed.is_some_and(|g| !g.contains(&group)) {
        return Ok(Err(unknown()));
    }
    if row.try_get::<String, _>(1)? != "active" {
        return Ok(Err(format!("The partner {key} is not active")));
    }
    Ok(Ok(row.try_get(0)?))
}

/// Every row's check, and the rows ready to write (all of them only when none is wrong).
pub async fn check(
    tx: &mut Tx,
    program_id: i64,
    lines: &[ImportLine],
    target: &Target<'_>,
    show_conflicts: bool,
) -> Result<(ImportOutcome, Vec<Ready>), AppError> {
    let mut rows = Vec::with_capacity(lines.len());
    let mut ready = Vec::with_capacity(lines.len());
    let mut fields: HashMap<i64, Vec<LeadField>> = HashMap::new();
    for line in lines {
        let mut errors = line.lead.as_ref().err().cloned().unwrap_or_default();
        let partnership = match (target, line.partner_key.as_deref()) {
            (Target::Partnership(id), _) => Some(*id),
            (Target::ByKey { allowed }, Some(key)) if !key.is_empty() => {
                by_key(tx, program_id, *allowed, key)
                    .await?
                    .map_err(|e| errors.push(e))
                    .ok()
            }
            (Target::ByKey { .. }, _) => None,
        };
        let mut answers = Vec::new();
        if let Some(id) = partnership {
            if let std::collections::hash_map::Entry::Vacant(slot) = fields.entry(id) {
                slot.insert(super::structure::lead_fields_of_partnership(&mut **tx, id).await?);
            }
            let asked = fields.get(&id).map(Vec::as_slice).unwrap_or_default();
            let answer = |key: &str| {
                line.extra
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
            };
            match domain::lead_fields::check_answers(asked, answer) {
                Ok(a) => answers = a,
                Err(problems) => errors.extend(problems.into_iter().map(|(_, m)| m)),
            }
        }
        let conflict = match &line.lead {
            Ok(lead) if show_conflicts => {
                let claims =
                    super::leads::claims(tx, program_id, lead.domain.as_deref(), &lead.company_key)
                        .await?;
                super::leads::describe(&claims)
            }
            _ => None,
        };
        if let (true, Some(partnership_id)) = (errors.is_empty(), partnership) {
            ready.push(Ready {
                partnership_id,
                answers,
            });
        }
        rows.push(ImportRow {
            line: line.line,
            company: line.company.clone(),
            email: line.email.clone(),
            partner_key: line.partner_key.clone(),
            errors,
            conflict,
        });
    }
    let invalid = rows.iter().filter(|r| !r.errors.is_empty()).count();
    Ok((
        ImportOutcome {
            valid: rows.len() - invalid,
            invalid,
            rows,
            imported: None,
        },
        ready,
    ))
}

/// Whether to write this import (see `domain::lead_import::writes`).
fn confirmed(confirm: Option<&str>, outcome: &ImportOutcome) -> Result<bool, AppError> {
    let asked = confirm.is_some_and(|c| !c.is_empty());
    Ok(domain::lead_import::writes(
        asked,
        outcome.rows.len(),
        outcome.invalid,
    )?)
}

/// A partner contact importing leads into their team's partnership in a program.
pub struct PartnerImporter {
    pub program_id: i64,
    pub company_id: i64,
    pub partnership_id: i64,
    pub contact_id: i64,
    pub user_id: i64,
}

/// Checks a partner's import and, with `confirm`, registers every row as the contact's own
/// lead, all in the transaction that checked them (or none, when a row is wrong).
pub async fn import_as_partner(
    db: &Db,
    by: PartnerImporter,
    lines: &[ImportLine],
    confirm: Option<&str>,
) -> Result<ImportOutcome, AppError> {
    let mut tx = db.begin().await?;
    let target = Target::Partnership(by.partnership_id);
    let (mut outcome, ready) = check(&mut tx, by.program_id, lines, &target, false).await?;
    if confirmed(confirm, &outcome)? {
        let now = now_ms();
        let leads_ok = lines.iter().filter_map(|l| l.lead.as_ref().ok());
        for (lead, row) in leads_ok.zip(&ready) {
            let who = (LeadStatus::Submitted, Some(by.contact_id));
            let (id, claims) =
                leads::insert_imported(&mut tx, by.program_id, lead, row, who, now).await?;
            let registration = leads::Registration {
                lead_id: id,
                partnership_id: row.partnership_id,
                lead,
                claims: &claims,
                source: "csv",
            };
            leads::record_registration(&mut tx, by.user_id, by.company_id, registration).await?;
        }
        tx.commit().await?;
        outcome.imported = Some(ready.len());
    }
    Ok(outcome)
}

/// Checks a teammate's import into `program_id` (one of their company's) and, with `confirm`,
/// passes each row to the active partner its `partner_key` names, within the teammate's
/// groups; checked and written in one transaction, as [`import_as_partner`].
pub async fn import_as_teammate(
    db: &Db,
    program_id: i64,
    me: &Teammate,
    lines: &[ImportLine],
    confirm: Option<&str>,
) -> Result<ImportOutcome, AppError> {
    let mut tx = db.begin().await?;
    let target = Target::ByKey {
        allowed: me.allowed_groups.as_deref(),
    };
    let (mut outcome, ready) = check(&mut tx, program_id, lines, &target, true).await?;
    if confirmed(confirm, &outcome)? {
        let now = now_ms();
        let leads_ok = lines.iter().filter_map(|l| l.lead.as_ref().ok());
        for (lead, row) in leads_ok.zip(&ready) {
            let who = (LeadStatus::Passed, None);
            let (id, _) = leads::insert_imported(&mut tx, program_id, lead, row, who, now).await?;
            leads::record_pass(&mut tx, me, id, row.partnership_id, now).await?;
        }
        tx.commit().await?;
        outcome.imported = Some(ready.len());
    }
    Ok(outcome)
}
