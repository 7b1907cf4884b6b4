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
    use domain::reward::RewardStatus;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewMoney).await?;
        let status = status_param(status, RewardStatus::parse)?;
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
            status: status.map(|s| s.as_str().to_owned()),
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
        let mut tx = state.db.begin().await?;
        let status = rewards::status_for_review(&mut tx, me.company_id, None, reward_id).await?;
        rewards::review(
            &mut tx,
            me.company_id,
            (reward_id, status),
            &review,
            Some(me.identity.user_id),
            now_ms(),
        )
        .await?;
        tx.commit().await?;
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
        let now = now_ms();
        let mut tx = state.db.begin().await?;
        let mut changed = 0;
        for id in ids {
            let status =
                rewards::status_for_review(&mut tx, me.company_id, Some(program.id), id).await?;
            if review.applies_to(status) {
                rewards::review(
                    &mut tx,
                    me.company_id,
                    (id, status),
                    &review,
                    Some(me.identity.user_id),
                    now,
                )
                .await?;
                changed += 1;
            }
        }
        tx.commit().await?;
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
    use domain::money::{parse_amount, to_minor};
    use domain::permissions::Permission;
    use domain::reward::{RewardStatus, available_at};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ReviewRewards).await?;
        let program = crate::server::authz::program(program)?;
        let money = rewards::program_money(&state.db.pool, program.id).await?;
        let mut problems = Vec::new();
        let amount =
            match parse_amount(&amount, money.currency).and_then(|a| to_minor(a, money.currency)) {
                Ok(0) => {
                    problems.push(("amount", "The amount is not zero".to_owned()));
                    0
                }
                Ok(a) => a,
                Err(e) => {
                    problems.push(("amount", e.0));
                    0
                }
            };
        let reason = reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > 500 {
            problems.push((
                "reason",
                "Say why (up to 500 characters); the partner sees it".to_owned(),
            ));
        }
        let partnership: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM partnerships WHERE program_id = $1 AND partner_key = $2",
        )
        .bind(program.id)
        .bind(partner_key.trim())
        .fetch_optional(&state.db.pool)
        .await?;
        if partnership.is_none() {
            problems.push((
                "partner_key",
                "No partner of this program has that key".to_owned(),
            ));
        }
        let Some(partnership_id) = partnership.filter(|_| problems.is_empty()) else {
            return Err(AppError::invalid_fields(problems));
        };
        let now = now_ms();
        let mut tx = state.db.begin().await?;
        let steps = vec![
            format!(
                "Manual reward by {} on {}",
                me.identity.name,
                domain::time::format_date(now)
            ),
            format!("Reason: {reason}"),
            format!(
                "Amount: {}",
                domain::money::format_minor(amount, money.currency)
            ),
        ];
        let id = rewards::insert(
            &mut tx,
            &money,
            rewards::NewReward {
                partnership_id,
                amount_minor: amount,
                rounding: domain::money::RoundingMode::HalfAwayFromZero.as_str(),
                status: RewardStatus::Pending,
                description: format!("Manual: {reason}"),
                source: "manual",
                contact_id: None,
                customer_id: None,
                transaction_id: None,
                offer_version_id: None,
                created_by_user_id: Some(me.identity.user_id),
                reason: Some(reason),
                clawback_of: None,
                available_at: available_at(now, money.hold_days),
                steps,
            },
            Some(me.identity.user_id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    })
    .await
}

/// A teammate records a payment, or a refund of an earlier transaction, for a customer of the
/// program (by customer key or email), as the API would. The amount is typed positive; a
/// refund names the transaction key it gives money back of. Without a transaction key one is
/// made (`manual-…`).
#[allow(clippy::too_many_arguments)]
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
        let program = rewards::program_money(&state.db.pool, program.id).await?;
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
        match transactions::record(
            &state.db,
            &program,
            new,
            Recorder::Teammate(me.identity.user_id),
            now,
            None,
        )
        .await?
        {
            Ok(t) => Ok(store::transactions::TransactionView::into_row(t)),
            Err(refused)
                if refused.code == "duplicate_transaction_key"
                    && replay_key.starts_with("manual-") =>
            {
                match transactions::recorded_by_hand(
                    &state.db,
                    program.program_id,
                    &replay_key,
                    me.identity.user_id,
                    signed_amount,
                )
                .await?
                {
                    Some(t) => Ok(store::transactions::TransactionView::into_row(t)),
                    None => Err(refused.into()),
                }
            }
            Err(refused) => Err(refused.into()),
        }
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
            status: status.map(|s| s.as_str().to_owned()),
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
    use crate::server::{db::now_ms, endpoint, payouts, require_teammate, rewards};
    use domain::ledger::PayoutStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ProcessPayouts).await?;
        let next = PayoutStatus::parse(status.trim())?;
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        match (next, &note) {
            (PayoutStatus::Paid, None) => {
                return Err(AppError::invalid_fields(vec![("note", "Enter the payment's reference".into())]));
            }
            (PayoutStatus::Failed, None) => {
                return Err(AppError::invalid_fields(vec![("note", "Say why the payment failed; the partner sees it".into())]));
            }
            _ => {}
        }
        let program_id: i64 = sqlx::query_scalar(
            "SELECT o.program_id FROM payouts o JOIN programs pr ON pr.id = o.program_id WHERE o.id = $1 AND pr.company_id = $2",
        )
        .bind(payout_id)
        .bind(me.company_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| AppError::not_found("Payout"))?;
        let program = rewards::program_money(&state.db.pool, program_id).await?;
        let mut tx = state.db.begin().await?;
        payouts::move_payout(&mut tx, &program, payout_id, next, note.as_deref(), me.identity.user_id, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// The partner's earnings in the current program: the team's sums and payouts for the owner
/// and finance, the rewards (the team's, or one's own for other roles).
#[server(prefix = "/api", endpoint = "partner_earnings")]
pub async fn fetch_partner_earnings(after: Option<i64>) -> Result<PartnerEarningsPage, AppError> {
    use crate::dto::{EarningsDto, Money};
    use crate::server::{endpoint, partner, payouts, require_contact, rewards, viewer};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ViewDashboard).await?;
        let whole_team = me.role.can(ContactPermission::ViewEarnings);
        let context = crate::server::authz::partnership()?;
        let has_payout_details: bool = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM partner_teams WHERE id = $1 AND payout_method IS NOT NULL AND payout_details IS NOT NULL",
        )
        .bind(me.partner_team_id)
        .fetch_one(&state.db.pool)
        .await?
            > 0;
        let mut page = PartnerEarningsPage {
            viewer: viewer(&me.partner_team_name, context.as_ref().map(|c| c.program_id))?,
            program: context.as_ref().map(|c| c.program.clone()),
            earnings: None,
            can_cash_out: me.role.can(ContactPermission::CashOut),
            has_payout_details,
            whole_team,
            rewards: Vec::new(),
            next: None,
            payouts: Vec::new(),
        };
        if let Some(c) = &context {
            let scope = rewards::Scope::Partnership {
                partnership_id: c.partnership_id,
                contact_id: (!whole_team).then_some(me.contact_id),
            };
            let (rows, next) = rewards::page(&state.db, &scope, after).await?;
            page.rewards = rows.into_iter().map(|r| r.row).collect();
            page.next = next;
            if whole_team {
                let money = rewards::program_money(&state.db.pool, c.program_id).await?;
                let e = partner::earnings(&state.db, c.partnership_id).await?;
                page.earnings = Some(EarningsDto {
                    available: Money::new(e.available, &c.currency),
                    pending: Money::new(e.pending, &c.currency),
                    lifetime_paid: Money::new(e.lifetime_paid, &c.currency),
                    minimum_cashout: Money::new(money.min_cashout_minor, &c.currency),
                });
                page.payouts = payouts::page(&state.db, c.program_id, Some(c.partnership_id), None, None, true, None).await?.0;
            }
        }
        Ok(page)
    })
    .await
}

/// The partner team's owner cashes out the whole balance of the current program.
#[server(prefix = "/api", endpoint = "cash_out")]
pub async fn cash_out() -> Result<i64, AppError> {
    use crate::server::{db::now_ms, endpoint, payouts, require_contact, rewards};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::CashOut).await?;
        let context = crate::server::authz::partnership()?
            .filter(|c| c.active)
            .ok_or_else(|| AppError::new(403, "Cashing out needs an active partnership"))?;
        let program = rewards::program_money(&state.db.pool, context.program_id).await?;
        payouts::cash_out(
            &state.db,
            &program,
            context.partnership_id,
            me.partner_team_id,
            me.identity.user_id,
            now_ms(),
        )
        .await
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
        let (rows, _) = rewards::page(&state.db, &rewards::Scope::One { reward_id }, None).await?;
        let reward = rows.into_iter().next().ok_or_else(|| AppError::not_found("Reward"))?;
        let visible: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM programs pr JOIN partnerships p ON p.program_id = pr.id \
             WHERE pr.id = $1 AND pr.company_id = $2 AND p.id = $3 \
             AND ($4 = 0 OR p.group_id IN (SELECT group_id FROM teammate_groups WHERE teammate_id = $4))",
        )
        .bind(reward.program_id)
        .bind(me.company_id)
        .bind(reward.partnership_id)
        .bind(restricted_to.unwrap_or(0))
        .fetch_one(&state.db.pool)
        .await?;
        if visible == 0 {
            return Err(AppError::not_found("Reward"));
        }
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
        let (rows, _) = rewards::page(&state.db, &rewards::Scope::One { reward_id }, None).await?;
        let reward = rows
            .into_iter()
            .next()
            .ok_or_else(|| AppError::not_found("Reward"))?;
        let team: i64 =
            sqlx::query_scalar("SELECT partner_team_id FROM partnerships WHERE id = $1")
                .bind(reward.partnership_id)
                .fetch_one(&state.db.pool)
                .await?;
        let own = reward.contact_id == Some(me.contact_id);
        if team != me.partner_team_id || !(own || me.role.can(ContactPermission::ViewEarnings)) {
            return Err(AppError::not_found("Reward"));
        }
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
