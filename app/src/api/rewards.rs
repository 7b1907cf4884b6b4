//! Money for both sides: rewards with their explanations, finance's review actions and manual
//! rewards, transactions recorded by hand, the partner owner's cashout, and payouts.

use leptos::prelude::*;

use crate::dto::{PartnerEarningsPage, RewardExplanation, VendorPayoutsPage, VendorRewardsPage};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn status_param<T>(
    text: Option<String>,
    parse: fn(&str) -> Result<T, domain::RuleViolation>,
) -> Result<Option<T>, AppError> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => Ok(Some(parse(s)?)),
    }
}

/// The program's rewards for teammates who see money, newest first, by status.
#[server(prefix = "/api", endpoint = "vendor_rewards")]
pub async fn fetch_vendor_rewards(
    program: Option<i64>,
    status: Option<String>,
    after: Option<i64>,
) -> Result<VendorRewardsPage, AppError> {
    use crate::server::{endpoint, require_teammate, rewards, viewer};
    use domain::permissions::Permission;
    use domain::reward::RewardState;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewMoney).await?;
        let status = status_param(status, RewardState::parse)?;
        let selected = crate::server::authz::current_program(program)?;
        let restricted_to = me.allowed_groups.clone().map(|_| me.teammate_id);
        let (rows, next) = match &selected {
            Some(p) => {
                let scope = rewards::Scope::Program {
                    program_id: p.id,
                    status,
                    restricted_to,
                };
                rewards::page(&state.db, &scope, after).await?
            }
            None => (Vec::new(), None),
        };
        Ok(VendorRewardsPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            status,
            rewards: rows.into_iter().map(|r| r.row).collect(),
            next,
            can_review: me.role.can(Permission::ReviewRewards),
        })
    })
    .await
}

/// Finance reviews a reward: `approve` it before its hold ends, `decline` it with a reason
/// (the partner sees it), or `hold` / `release` it from the automatic approval.
#[server(prefix = "/api", endpoint = "review_reward")]
pub async fn review_reward(
    reward_id: i64,
    action: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{db::now_ms, endpoint, require_teammate, rewards};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ReviewRewards).await?;
        let review = rewards::Review::parse(&action, reason.as_deref())?;
        rewards::review_one(
            &state.db,
            me.company_id,
            me.identity.user_id,
            reward_id,
            &review,
            now_ms(),
        )
        .await?;
        let done = match action.as_str() {
            "approve" => "approved",
            "decline" => "declined",
            "hold" => "held for review",
            _ => "released from hold",
        };
        crate::server::notice::notice(&format!("Reward {reward_id} {done}."));
        Ok(())
    })
    .await
}

/// The same review for a selection of a program's rewards, in one transaction. Rewards the
/// action does not apply to (already approved, in a payout, declined) are left as they are
/// and not counted.
#[server(prefix = "/api", endpoint = "bulk_review_rewards")]
pub async fn bulk_review_rewards(
    program: i64,
    action: String,
    ids: Option<Vec<i64>>,
    reason: Option<String>,
) -> Result<crate::dto::BulkResult, AppError> {
    use crate::server::{bulk::MAX_IDS, db::now_ms, endpoint, require_teammate, rewards};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ReviewRewards).await?;
        let program = crate::server::authz::program(program)?;
        let review = rewards::Review::parse(&action, reason.as_deref())?;
        let mut ids = ids.unwrap_or_default();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Err(AppError::bad_request("Select at least one reward"));
        }
        if ids.len() > MAX_IDS {
            return Err(AppError::bad_request(format!(
                "Select at most {MAX_IDS} rewards at a time"
            )));
        }
        let changed = rewards::review_many(
            &state.db,
            me.company_id,
            program.id,
            me.identity.user_id,
            &ids,
            &review,
            now_ms(),
        )
        .await?;
        crate::server::notice::notice(&match changed {
            1 => "1 reward updated.".to_owned(),
            n => format!("{n} rewards updated."),
        });
        Ok(crate::dto::BulkResult { changed })
    })
    .await
}

/// Finance adds a reward (or, negative, a deduction) by hand for a partner, with a reason.
#[server(prefix = "/api", endpoint = "add_manual_reward")]
pub async fn add_manual_reward(
    program: i64,
    partner_key: String,
    amount: String,
    reason: String,
) -> Result<i64, AppError> {
    use crate::server::{db::now_ms, endpoint, require_teammate, rewards};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ReviewRewards).await?;
        let program = crate::server::authz::program(program)?;
        let form = rewards::ManualReward {
            partner_key: &partner_key,
            amount: &amount,
            reason: &reason,
        };
        let id = rewards::add_manual(
            &state.db,
            program.id,
            me.identity.user_id,
            &me.identity.name,
            form,
            now_ms(),
        )
        .await?;
        crate::server::notice::notice("Reward added.");
        Ok(id)
    })
    .await
}

/// A teammate records a payment, or a refund of an earlier transaction, for a customer of the
/// program (by customer key or email), as the API would. The amount is typed positive; a
/// refund names the transaction key it gives money back of. Without a transaction key one is
/// made (`manual-…`).
#[server(prefix = "/api", endpoint = "record_transaction")]
pub async fn record_transaction(
    program: i64,
    customer: String,
    kind: String,
    amount: String,
    transaction_key: Option<String>,
    product_key: Option<String>,
    refunds: Option<String>,
    form_key: Option<String>,
) -> Result<crate::dto::TransactionRow, AppError> {
    use crate::server::transactions::{self, Recorder};
    use crate::server::{db::now_ms, endpoint, require_teammate, rewards};
    use domain::money::{parse_positive_amount, to_minor};
    use domain::permissions::Permission;
    use domain::transaction::{TransactionInput, validate};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTransactions).await?;
        let program = crate::server::authz::program(program)?;
        let program = rewards::program_money(&mut state.db.conn().await?, program.id).await?;
        let refund = match kind.as_str() {
            "payment" => false,
            "refund" => true,
            _ => {
                return Err(AppError::invalid_fields(vec![(
                    "kind",
                    "Choose a payment or a refund".into(),
                )]));
            }
        };
        let amount_minor = parse_positive_amount(&amount, program.currency)
            .and_then(|a| to_minor(a, program.currency))
            .map_err(|e| AppError::invalid_fields(vec![("amount", e.0)]))?;
        let customer = customer.trim();
        let (customer_key, customer_email) = if customer.contains('@') {
            (None, Some(customer.to_owned()))
        } else {
            (Some(customer.to_owned()), None)
        };
        let transaction_key = match transaction_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(key) => key.to_owned(),
            // The form's own key: the same form sent twice (a double click, a retried post)
            // names one transaction.
            None => match form_key
                .as_deref()
                .filter(|k| domain::transaction::is_form_key(k))
            {
                Some(form_key) => format!("manual-{form_key}"),
                None => format!("manual-{}", &crate::server::session::new_token()[..16]),
            },
        };
        let replay_key = transaction_key.clone();
        let refunds = refunds
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if refund && refunds.is_none() {
            return Err(AppError::invalid_fields(vec![(
                "refunds",
                "Name the transaction key this refund gives money back of".into(),
            )]));
        }
        let now = now_ms();
        let input = TransactionInput {
            customer_key,
            customer_email,
            amount_minor: Some(if refund { -amount_minor } else { amount_minor }),
            currency: program.currency.code().to_owned(),
            transaction_key,
            product_key,
            refunds: if refund { refunds } else { None },
            ..TransactionInput::default()
        };
        let signed_amount = if refund { -amount_minor } else { amount_minor };
        let new = validate(input, program.currency, now).map_err(|p| {
            let field = match p.field {
                "customer_key" | "customer_email" | "customer" => "customer",
                "amount_minor" => "amount",
                other => other,
            };
            AppError::invalid_fields(vec![(field, p.message)])
        })?;
        let recorded = match transactions::record(
            &state.db,
            &program,
            new,
            Recorder::Teammate(me.identity.user_id),
            now,
            None,
        )
        .await?
        {
            Ok(t) => t,
            Err(refused)
                if refused.code == "duplicate_transaction_key"
                    && replay_key.starts_with("manual-") =>
            {
                transactions::recorded_by_hand(
                    &state.db,
                    program.program_id,
                    &replay_key,
                    me.identity.user_id,
                    signed_amount,
                )
                .await?
                .ok_or(refused)?
            }
            Err(refused) => return Err(refused.into()),
        };
        let row = store::transactions::TransactionView::into_row(recorded);
        crate::server::notice::notice(&format!(
            "Recorded {} of {} for {}.",
            row.transaction_key,
            row.amount.display(),
            row.customer
        ));
        Ok(row)
    })
    .await
}

/// The program's transactions, newest first, for teammates who see money.
#[server(prefix = "/api", endpoint = "vendor_transactions")]
pub async fn fetch_vendor_transactions(
    program: Option<i64>,
    after: Option<i64>,
) -> Result<crate::dto::VendorTransactionsPage, AppError> {
    use crate::server::{endpoint, require_teammate, transactions, viewer};
    use domain::permissions::Permission;

    const PAGE: i64 = 50;
    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewMoney).await?;
        let selected = crate::server::authz::current_program(program)?;
        let restricted_to = me.allowed_groups.clone().map(|_| me.teammate_id);
        let (rows, next) = match &selected {
            Some(p) => {
                let mut rows =
                    transactions::list(&state.db, p.id, after, PAGE + 1, restricted_to).await?;
                let next = (rows.len() as i64 > PAGE).then(|| {
                    rows.truncate(PAGE as usize);
                    rows.last().map(|t| t.id)
                });
                (
                    rows.into_iter()
                        .map(store::transactions::TransactionView::into_row)
                        .collect(),
                    next.flatten(),
                )
            }
            None => (Vec::new(), None),
        };
        Ok(crate::dto::VendorTransactionsPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            transactions: rows,
            next,
            can_record: me.role.can(Permission::ManageTransactions),
            form_key: crate::server::session::new_token()[..32].to_owned(),
        })
    })
    .await
}

/// The program's payouts for teammates who see money, by status.
#[server(prefix = "/api", endpoint = "vendor_payouts")]
pub async fn fetch_vendor_payouts(
    program: Option<i64>,
    status: Option<String>,
    after: Option<i64>,
) -> Result<VendorPayoutsPage, AppError> {
    use crate::server::{endpoint, payouts, require_teammate, viewer};
    use domain::ledger::PayoutStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewMoney).await?;
        let status = status_param(status, PayoutStatus::parse)?;
        let selected = crate::server::authz::current_program(program)?;
        let restricted_to = me.allowed_groups.clone().map(|_| me.teammate_id);
        let (rows, next) = match &selected {
            Some(p) => {
                let masked = !me.role.can(Permission::ViewPayoutMethods);
                payouts::page(&state.db, p.id, None, status, after, masked, restricted_to).await?
            }
            None => (Vec::new(), None),
        };
        Ok(VendorPayoutsPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            status,
            payouts: rows,
            next,
            can_process: me.role.can(Permission::ProcessPayouts),
            can_export: me.role.can(Permission::ExportPayouts),
        })
    })
    .await
}

/// Finance moves a payout: `processing`, `paid` (with the payment's reference), `failed` (with
/// a reason; its rewards become available again) or `canceled`.
#[server(prefix = "/api", endpoint = "update_payout")]
pub async fn update_payout(
    payout_id: i64,
    status: String,
    note: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{db::now_ms, endpoint, payouts, require_teammate};
    use domain::ledger::PayoutStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ProcessPayouts).await?;
        let next = PayoutStatus::parse(status.trim())?;
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        match (next, &note) {
            (PayoutStatus::Paid, None) => {
                return Err(AppError::invalid_fields(vec![(
                    "note",
                    "Enter the payment's reference".into(),
                )]));
            }
            (PayoutStatus::Failed, None) => {
                return Err(AppError::invalid_fields(vec![(
                    "note",
                    "Say why the payment failed; the partner sees it".into(),
                )]));
            }
            _ => {}
        }
        payouts::update(
            &state.db,
            me.company_id,
            me.identity.user_id,
            payout_id,
            next,
            note.as_deref(),
            now_ms(),
        )
        .await?;
        crate::server::notice::notice(&format!("Payout #{payout_id} is now {}.", next.as_str()));
        Ok(())
    })
    .await
}

/// The partner's earnings in the current program: the team's sums and payouts for the owner
/// and finance, the rewards (the team's, or one's own for other roles).
#[server(prefix = "/api", endpoint = "partner_earnings")]
pub async fn fetch_partner_earnings(after: Option<i64>) -> Result<PartnerEarningsPage, AppError> {
    use crate::server::{endpoint, payouts, require_contact, viewer};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ViewDashboard).await?;
        let whole_team = me.role.can(ContactPermission::ViewEarnings);
        let context = crate::server::authz::partnership()?;
        let e = payouts::partner_earnings(
            &state.db,
            me.partner_team_id,
            me.contact_id,
            whole_team,
            context.as_ref(),
            after,
        )
        .await?;
        Ok(PartnerEarningsPage {
            viewer: viewer(
                &me.partner_team_name,
                context.as_ref().map(|c| c.program_id),
            )?,
            program: context.map(|c| c.program),
            earnings: e.earnings,
            can_cash_out: me.role.can(ContactPermission::CashOut),
            has_payout_details: e.has_payout_details,
            whole_team,
            rewards: e.rewards,
            next: e.next,
            payouts: e.payouts,
        })
    })
    .await
}

/// The partner team's owner cashes out the whole balance of the current program.
#[server(prefix = "/api", endpoint = "cash_out")]
pub async fn cash_out() -> Result<i64, AppError> {
    use crate::server::{db::now_ms, endpoint, payouts, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::CashOut).await?;
        let context = crate::server::authz::partnership()?
            .filter(|c| c.active)
            .ok_or_else(|| AppError::new(403, "Cashing out needs an active partnership"))?;
        let id = payouts::cash_out(
            &state.db,
            context.program_id,
            context.partnership_id,
            me.partner_team_id,
            me.identity.user_id,
            now_ms(),
        )
        .await?;
        crate::server::notice::notice(&format!("Payout #{id} requested."));
        Ok(id)
    })
    .await
}

/// "Why did I get this?" for a teammate who sees money (within their groups).
#[server(prefix = "/api", endpoint = "vendor_reward")]
pub async fn fetch_vendor_reward(reward_id: i64) -> Result<RewardExplanation, AppError> {
    use crate::server::{endpoint, require_teammate, rewards, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewMoney).await?;
        let restricted_to = me.allowed_groups.clone().map(|_| me.teammate_id);
        let reward =
            rewards::one_for_teammate(&state.db, me.company_id, restricted_to, reward_id).await?;
        Ok(explanation(
            viewer(&me.company_name, Some(reward.program_id))?,
            reward,
            me.role.can(Permission::ReviewRewards),
        ))
    })
    .await
}

/// "Why did I get this?" for the partner: the team's rewards for the owner and finance, one's
/// own for other roles.
#[server(prefix = "/api", endpoint = "partner_reward")]
pub async fn fetch_partner_reward(reward_id: i64) -> Result<RewardExplanation, AppError> {
    use crate::server::{endpoint, require_contact, rewards, viewer};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ViewDashboard).await?;
        let whole_team = me.role.can(ContactPermission::ViewEarnings);
        let own_only = (!whole_team).then_some(me.contact_id);
        let reward =
            rewards::one_for_contact(&state.db, me.partner_team_id, own_only, reward_id).await?;
        Ok(explanation(
            viewer(&me.partner_team_name, Some(reward.program_id))?,
            reward,
            false,
        ))
    })
    .await
}

#[cfg(feature = "ssr")]
fn explanation(
    viewer: crate::dto::Viewer,
    reward: crate::server::rewards::Loaded,
    can_review: bool,
) -> RewardExplanation {
    let rounding = domain::money::RoundingMode::parse(&reward.rounding)
        .map(|m| m.label().to_owned())
        .unwrap_or(reward.rounding);
    RewardExplanation {
        viewer,
        reward: reward.row,
        source: reward.source,
        steps: reward.steps,
        rounding,
        clawback_of: reward.clawback_of,
        payout: reward.payout,
        can_review,
    }
}
