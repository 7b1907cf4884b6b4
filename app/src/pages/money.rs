//! Money pages: `/vendor/rewards`, `/vendor/payouts`, `/partner/earnings`, and the reward
//! explanation on both sides (`/vendor/rewards/:id`, `/partner/rewards/:id`).

use domain::ledger::PayoutStatus;
use domain::reward::{RewardState, RewardStatus};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    AddManualReward, BulkReviewRewards, CashOut, ReviewReward, UpdatePayout,
    fetch_partner_earnings, fetch_partner_reward, fetch_vendor_payouts, fetch_vendor_reward,
    fetch_vendor_rewards,
};
use crate::components::{EarningsKpis, NoProgram, Submit, TopBar, data_page};
use crate::dto::{
    PartnerEarningsPage as EarningsData, PayoutRow, RewardExplanation, RewardRow,
    VendorPayoutsPage as PayoutsData, VendorRewardsPage as RewardsData,
};

fn status_text(r: &RewardRow) -> &'static str {
    RewardState::of(r.status, r.on_hold, r.in_payout).label()
}

/// A table of rewards, each linked to its explanation under `base`.
#[component]
fn RewardsTable(
    rewards: Vec<RewardRow>,
    base: &'static str,
    #[prop(optional_no_strip)] actions: Option<Callback<RewardRow, AnyView>>,
    /// The id of the bulk form the rows' checkboxes belong to (the form sits outside the table,
    /// since the rows hold forms of their own).
    #[prop(optional_no_strip)]
    select_form: Option<&'static str>,
) -> impl IntoView {
    let empty = rewards.is_empty();
    let with_actions = actions.is_some();
    view! {
        <table aria-label="Rewards">
            <thead>
                <tr>
                    {select_form
                        .map(|_| {
                            view! {
                                <th scope="col">
                                    <span class="visually-hidden">"Select"</span>
                                </th>
                            }
                        })} <th scope="col">"Reward"</th><th scope="col">"Partner"</th>
                    <th scope="col">"Amount"</th> <th scope="col">"Status"</th>
                    <th scope="col">"Created"</th><th scope="col">"Available from"</th>
                    {with_actions.then(|| view! { <th scope="col">"Actions"</th> })}
                </tr>
            </thead>
            <tbody>
                {rewards
                    .into_iter()
                    .map(|r| {
                        let status = status_text(&r);
                        let actions = actions.map(|a| a.run(r.clone()));
                        view! {
                            <tr>
                                {select_form
                                    .map(|form| {
                                        view! {
                                            <td>
                                                <input
                                                    type="checkbox"
                                                    name="ids[]"
                                                    value=r.id
                                                    form=form
                                                    aria-label=format!("Select reward {}", r.id)
                                                />
                                            </td>
                                        }
                                    })} <td>
                                    <a
                                        href=format!("{base}/{}", r.id)
                                        aria-label=format!("Why reward {}", r.id)
                                    >
                                        {r.description.clone()}
                                    </a>
                                    {r
                                        .decline_reason
                                        .clone()
                                        .map(|d| {
                                            view! {
                                                <br />
                                                <span class="muted">{format!("Declined: {d}")}</span>
                                            }
                                        })}
                                </td> <td>{r.partner.clone()}</td>
                                <td class="num">{r.amount.display()}</td> <td>
                                    <span class=format!(
                                        "badge {}",
                                        r.status.as_str(),
                                    )>{status}</span>
                                </td> <td>{r.created_at.clone()}</td>
                                <td>{r.available_at.clone()}</td>
                                {actions.map(|a| view! { <td>{a}</td> })}
                            </tr>
                        }
                    })
                    .collect_view()}
                {empty
                    .then(|| {
                        view! {
                            <tr>
                                <td colspan="8" class="empty">
                                    "No rewards yet."
                                </td>
                            </tr>
                        }
                    })}
            </tbody>
        </table>
    }
}

/// `/vendor/rewards`: review, approve early, decline, hold; add manual rewards.
#[component]
pub fn VendorRewardsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("program").and_then(|v| v.parse::<i64>().ok()),
                q.get("status"),
                q.get("after").and_then(|v| v.parse::<i64>().ok()),
            )
        },
        |(program, status, after)| fetch_vendor_rewards(program, status, after),
    );
    data_page("Rewards", data, move |data| {
        view! { <VendorRewards data /> }.into_any()
    })
}

#[component]
fn VendorRewards(data: RewardsData) -> impl IntoView {
    let RewardsData {
        viewer,
        program,
        status,
        rewards,
        next,
        can_review,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="Rewards" /> }.into_any();
    };
    let next = next.map(|after| {
        format!(
            "/vendor/rewards?program={}&status={}&after={after}",
            program.id,
            status.map(RewardState::as_str).unwrap_or_default()
        )
    });
    let actions = can_review.then(|| {
        Callback::new(move |r: RewardRow| {
            let open = (r.status == RewardStatus::Pending
                || (r.status == RewardStatus::Approved && !r.in_payout))
                && r.amount.minor != 0;
            if !open {
                return ().into_any();
            }
            let pending = r.status == RewardStatus::Pending;
            let id = r.id;
            view! {
                <div class="inline">
                    {pending
                        .then(|| {
                            view! {
                                <form method="post" action=ReviewReward::PATH class="inline">
                                    <input type="hidden" name="reward_id" value=id />
                                    <input type="hidden" name="action" value="approve" />
                                    <button
                                        type="submit"
                                        class="secondary"
                                        aria-label=format!("Approve reward {id}")
                                    >
                                        "Approve"
                                    </button>
                                </form>
                                <form method="post" action=ReviewReward::PATH class="inline">
                                    <input type="hidden" name="reward_id" value=id />
                                    <input
                                        type="hidden"
                                        name="action"
                                        value=if r.on_hold { "release" } else { "hold" }
                                    />
                                    <button
                                        type="submit"
                                        class="secondary"
                                        aria-label=format!(
                                            "{} reward {id}",
                                            if r.on_hold { "Release" } else { "Hold" },
                                        )
                                    >
                                        {if r.on_hold { "Release" } else { "Hold" }}
                                    </button>
                                </form>
                            }
                        })} // A clawback is declined only with the reward it claws back.
                    {(!r.clawback)
                        .then(|| {
                            view! {
                                <details>
                                    <summary>"Decline"</summary>
                                    <form method="post" action=ReviewReward::PATH class="inline">
                                        <input type="hidden" name="reward_id" value=id />
                                        <input type="hidden" name="action" value="decline" />
                                        <label for=format!("decline-{id}")>"Reason"</label>
                                        <input id=format!("decline-{id}") name="reason" required />
                                        <button
                                            type="submit"
                                            aria-label=format!("Decline reward {id}")
                                        >
                                            "Decline"
                                        </button>
                                    </form>
                                </details>
                            }
                        })}
                </div>
            }
            .into_any()
        })
    });
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Rewards"</h1>
            <p class="muted">
                {format!(
                    "Rewards of {}. Pending rewards become available when their hold ends, unless held for review.",
                    program.name,
                )}
            </p>
            <form method="get" action="/vendor/rewards" class="inline" aria-label="Filter rewards">
                <input type="hidden" name="program" value=program.id />
                <label for="reward-status">"Status"</label>
                <select id="reward-status" name="status">
                    <option value="" selected=status.is_none()>
                        "Any"
                    </option>
                    {RewardState::ALL
                        .iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=status == Some(*s)>
                                    {s.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="secondary">
                    "Filter"
                </button>
            </form>
            {can_review
                .then(|| {
                    view! {
                        <form
                            method="post"
                            action=BulkReviewRewards::PATH
                            id="bulk-rewards"
                            class="inline bulk"
                            aria-label="Selected rewards"
                        >
                            <input type="hidden" name="program" value=program.id />
                            <label for="bulk-action">"With the selected rewards"</label>
                            <select id="bulk-action" name="action">
                                <option value="approve">"Approve"</option>
                                <option value="hold">"Hold for review"</option>
                                <option value="release">"Release from hold"</option>
                                <option value="decline">"Decline"</option>
                            </select>
                            <label for="bulk-reason">
                                "Reason (for a decline; the partner sees it)"
                            </label>
                            <input id="bulk-reason" name="reason" maxlength="500" />
                            <Submit label="Apply to selected" busy_text="Updating…" />
                        </form>
                    }
                })}
            <RewardsTable
                rewards
                base="/vendor/rewards"
                actions=actions
                select_form=can_review.then_some("bulk-rewards")
            />
            {next
                .map(|href| {
                    view! {
                        <p>
                            <a href=href>"Older rewards"</a>
                        </p>
                    }
                })}
            {can_review
                .then(|| {
                    view! {
                        <section class="card" aria-labelledby="manual-reward">
                            <h2 id="manual-reward">"Add a manual reward"</h2>
                            <form method="post" action=AddManualReward::PATH class="form">
                                <input type="hidden" name="program" value=program.id />
                                <label for="manual-partner">"Partner key"</label>
                                <input id="manual-partner" name="partner_key" required />
                                <label for="manual-amount">
                                    {format!("Amount ({}; negative deducts)", program.currency)}
                                </label>
                                <input
                                    id="manual-amount"
                                    name="amount"
                                    required
                                    inputmode="decimal"
                                />
                                <label for="manual-reason">"Reason (the partner sees it)"</label>
                                <input id="manual-reason" name="reason" required maxlength="500" />
                                <Submit label="Add reward" busy_text="Adding…" />
                            </form>
                        </section>
                    }
                })}
        </main>
    }
    .into_any()
}

#[component]
fn PayoutsTable(
    payouts: Vec<PayoutRow>,
    #[prop(optional_no_strip)] actions: Option<Callback<PayoutRow, AnyView>>,
) -> impl IntoView {
    let empty = payouts.is_empty();
    let with_actions = actions.is_some();
    view! {
        <table aria-label="Payouts">
            <thead>
                <tr>
                    <th scope="col">"Payout"</th>
                    <th scope="col">"Partner"</th>
                    <th scope="col">"Amount"</th>
                    <th scope="col">"Rewards"</th>
                    <th scope="col">"Method"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Requested"</th>
                    {with_actions.then(|| view! { <th scope="col">"Actions"</th> })}
                </tr>
            </thead>
            <tbody>
                {payouts
                    .into_iter()
                    .map(|p| {
                        let actions = actions.map(|a| a.run(p.clone()));
                        let note = p
                            .reference
                            .clone()
                            .map(|r| format!("Reference {r}"))
                            .or_else(|| p.reason.clone());
                        view! {
                            <tr>
                                <td>{format!("#{}", p.id)}</td>
                                <td>{p.partner.clone()}</td>
                                <td class="num">{p.amount.display()}</td>
                                <td>{p.rewards}</td>
                                <td>{format!("{} {}", p.method, p.details)}</td>
                                <td>
                                    <span class=format!(
                                        "badge {}",
                                        p.status.as_str(),
                                    )>{p.status.as_str()}</span>
                                    {note
                                        .map(|n| {
                                            view! {
                                                <br />
                                                <span class="muted">{n}</span>
                                            }
                                        })}
                                </td>
                                <td>{p.created_at.clone()}</td>
                                {actions.map(|a| view! { <td>{a}</td> })}
                            </tr>
                        }
                    })
                    .collect_view()}
                {empty
                    .then(|| {
                        view! {
                            <tr>
                                <td colspan="8" class="empty">
                                    "No payouts yet."
                                </td>
                            </tr>
                        }
                    })}
            </tbody>
        </table>
    }
}

/// `/vendor/payouts`: requested payouts to process, pay or fail; the CSV export.
#[component]
pub fn VendorPayoutsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("program").and_then(|v| v.parse::<i64>().ok()),
                q.get("status"),
                q.get("after").and_then(|v| v.parse::<i64>().ok()),
            )
        },
        |(program, status, after)| fetch_vendor_payouts(program, status, after),
    );
    data_page("Payouts", data, move |data| {
        view! { <VendorPayouts data /> }.into_any()
    })
}

#[component]
fn VendorPayouts(data: PayoutsData) -> impl IntoView {
    let PayoutsData {
        viewer,
        program,
        status,
        payouts,
        next,
        can_process,
        can_export,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="Payouts" /> }.into_any();
    };
    let next = next.map(|after| {
        format!(
            "/vendor/payouts?program={}&status={}&after={after}",
            program.id,
            status.map(PayoutStatus::as_str).unwrap_or_default()
        )
    });
    let actions = can_process.then(|| {
        Callback::new(move |p: PayoutRow| {
            let current = p.status;
            let id = p.id;
            let simple = |to: PayoutStatus, label: &'static str| {
                current.can_become(to).then(|| {
                    view! {
                        <form method="post" action=UpdatePayout::PATH class="inline">
                            <input type="hidden" name="payout_id" value=id />
                            <input type="hidden" name="status" value=to.as_str() />
                            <button
                                type="submit"
                                class="secondary"
                                aria-label=format!("{label} payout {id}")
                            >
                                {label}
                            </button>
                        </form>
                    }
                })
            };
            let with_note =
                |to: PayoutStatus, label: &'static str, note: &'static str| {
                    current.can_become(to).then(|| view! {
                        <details>
                            <summary>{label}</summary>
                            <form method="post" action=UpdatePayout::PATH class="inline">
                                <input type="hidden" name="payout_id" value=id />
                                <input type="hidden" name="status" value=to.as_str() />
                                <label for=format!("{}-{id}", to.as_str())>{note}</label>
                                <input id=format!("{}-{id}", to.as_str()) name="note" required />
                                <button type="submit" aria-label=format!("{label} payout {id}")>
                                    {label}
                                </button>
                            </form>
                        </details>
                    })
                };
            view! {
                <div class="inline">
                    {simple(PayoutStatus::Processing, "Start processing")}
                    {with_note(PayoutStatus::Paid, "Mark paid", "Payment reference")}
                    {with_note(PayoutStatus::Failed, "Mark failed", "Why it failed")}
                    {simple(PayoutStatus::Canceled, "Cancel")}
                </div>
            }
            .into_any()
        })
    });
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Payouts"</h1>
            <p class="muted">
                {format!(
                    "Cashouts partners of {} requested. Paying one marks its rewards paid; a failed or canceled one makes them available again.",
                    program.name,
                )}
            </p>
            <form method="get" action="/vendor/payouts" class="inline" aria-label="Filter payouts">
                <input type="hidden" name="program" value=program.id />
                <label for="payout-status">"Status"</label>
                <select id="payout-status" name="status">
                    <option value="" selected=status.is_none()>
                        "Any"
                    </option>
                    {PayoutStatus::ALL
                        .iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=status == Some(*s)>
                                    {s.as_str()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="secondary">
                    "Filter"
                </button>
            </form>
            {can_export
                .then(|| {
                    view! {
                        <p>
                            <a
                                href=format!("/vendor/payouts/export.csv?program={}", program.id)
                                download=""
                            >
                                "Export payouts to pay (CSV)"
                            </a>
                        </p>
                    }
                })}
            <PayoutsTable payouts actions=actions />
            {next
                .map(|href| {
                    view! {
                        <p>
                            <a href=href>"Older payouts"</a>
                        </p>
                    }
                })}
        </main>
    }
    .into_any()
}

/// `/partner/earnings`: balance, cashout (owner), rewards and payout history.
#[component]
pub fn PartnerEarningsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query
                .read()
                .get("after")
                .and_then(|v| v.parse::<i64>().ok())
        },
        fetch_partner_earnings,
    );
    data_page("Earnings", data, move |data| {
        view! { <PartnerEarnings data /> }.into_any()
    })
}

#[component]
fn PartnerEarnings(data: EarningsData) -> impl IntoView {
    let EarningsData {
        viewer,
        program,
        earnings,
        can_cash_out,
        has_payout_details,
        whole_team,
        rewards,
        next,
        payouts,
    } = data;
    let intro = match (&program, whole_team) {
        (None, _) => "Your team is not in a partner program yet.".to_owned(),
        (Some(p), true) => format!("Your team's rewards and payouts in {p}."),
        (Some(p), false) => format!(
            "The rewards you earned in {p}. Your team's owner and finance contacts see the team's balance."
        ),
    };
    let next = next.map(|after| format!("/partner/earnings?after={after}"));
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Earnings"</h1>
            <p class="muted">{intro}</p>
            {earnings
                .map(|e| {
                    let negative = e.available.minor < 0;
                    view! {
                        <EarningsKpis earnings=e label="Balance" />
                        {negative
                            .then(|| {
                                view! {
                                    <p class="notice" role="status">
                                        "Your balance is negative after a refund: cashing out resumes once new rewards cover it."
                                    </p>
                                }
                            })}
                        {can_cash_out
                            .then(|| {
                                view! {
                                    <section class="card" aria-labelledby="cash-out">
                                        <h2 id="cash-out">"Cash out"</h2>
                                        {if has_payout_details {
                                            view! {
                                                <p class="muted">
                                                    "Every available reward goes into one payout to your payout details."
                                                </p>
                                                <form method="post" action=CashOut::PATH class="inline">
                                                    <Submit label="Cash out" busy_text="Requesting…" />
                                                </form>
                                            }
                                                .into_any()
                                        } else {
                                            view! {
                                                <p>
                                                    "Add your payout details on "
                                                    <a href="/profile">"your profile"</a>" to cash out."
                                                </p>
                                            }
                                                .into_any()
                                        }}
                                    </section>
                                }
                            })}
                    }
                })}
            <h2>"Rewards"</h2>
            <RewardsTable rewards base="/partner/rewards" />
            {next
                .map(|href| {
                    view! {
                        <p>
                            <a href=href>"Older rewards"</a>
                        </p>
                    }
                })}
            {whole_team
                .then(|| {
                    view! {
                        <h2>"Payouts"</h2>
                        <PayoutsTable payouts />
                    }
                })}
        </main>
    }
}

/// `/vendor/rewards/:id` and `/partner/rewards/:id`: "Why did I get this?"
#[component]
pub fn VendorRewardPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || {
            params
                .read()
                .get("id")
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        },
        fetch_vendor_reward,
    );
    data_page("Reward", data, move |data| {
        view! { <Explanation data home="/vendor" /> }.into_any()
    })
}

#[component]
pub fn PartnerRewardPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || {
            params
                .read()
                .get("id")
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        },
        fetch_partner_reward,
    );
    data_page("Reward", data, move |data| {
        view! { <Explanation data home="/partner" /> }.into_any()
    })
}

#[component]
fn Explanation(data: RewardExplanation, home: &'static str) -> impl IntoView {
    let RewardExplanation {
        viewer,
        reward,
        source,
        steps,
        rounding,
        clawback_of,
        payout,
        can_review,
    } = data;
    let base = if home == "/vendor" {
        "/vendor/rewards"
    } else {
        "/partner/rewards"
    };
    let list = if home == "/vendor" {
        "/vendor/rewards"
    } else {
        "/partner/earnings"
    };
    let status = status_text(&reward);
    view! {
        <TopBar viewer />
        <main id="main" class="page narrow">
            <h1>{format!("Reward #{}: {}", reward.id, reward.amount.display())}</h1>
            <dl class="facts">
                <dt>"Partner"</dt>
                <dd>{reward.partner.clone()}</dd>
                <dt>"For"</dt>
                <dd>{reward.description.clone()}</dd>
                <dt>"Status"</dt>
                <dd>
                    <span class=format!("badge {}", reward.status.as_str())>{status}</span>
                </dd>
                <dt>"Created"</dt>
                <dd>{reward.created_at.clone()}</dd>
                <dt>"Available from"</dt>
                <dd>{reward.available_at.clone()}</dd>
                <dt>"Source"</dt>
                <dd>{source}</dd>
                {reward
                    .decline_reason
                    .clone()
                    .map(|d| {
                        view! {
                            <dt>"Declined because"</dt>
                            <dd>{d}</dd>
                        }
                    })}
                {clawback_of
                    .map(|id| {
                        view! {
                            <dt>"Claws back"</dt>
                            <dd>
                                <a href=format!("{base}/{id}")>{format!("Reward #{id}")}</a>
                            </dd>
                        }
                    })}
                {payout
                    .map(|(id, s)| {
                        view! {
                            <dt>"Payout"</dt>
                            <dd>{format!("#{id} ({s})")}</dd>
                        }
                    })}
            </dl>
            <section class="card" aria-labelledby="why">
                <h2 id="why">"Why did I get this?"</h2>
                <ol class="explanation">
                    {steps.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                </ol>
                <p class="muted">{format!("Rounding: {rounding}.")}</p>
            </section>
            {can_review
                .then(|| {
                    view! {
                        <p>
                            <a href="/vendor/rewards?status=pending">"Review pending rewards"</a>
                        </p>
                    }
                })}
            <p>
                <a href=list>"Back to rewards"</a>
            </p>
        </main>
    }
}
