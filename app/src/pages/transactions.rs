//! `/vendor/transactions`: the program's transactions (from the API or recorded by hand) and
//! the form finance uses to record a payment or a refund.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{RecordTransaction, fetch_vendor_transactions};
use leptos::server_fn::ServerFn;

use crate::components::{NoProgram, Submit, TopBar, data_page};
use crate::dto::{TransactionRow, VendorTransactionsPage as Data};

#[component]
pub fn VendorTransactionsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("program").and_then(|v| v.parse::<i64>().ok()),
                q.get("after").and_then(|v| v.parse::<i64>().ok()),
            )
        },
        |(program, after)| fetch_vendor_transactions(program, after),
    );
    data_page("Transactions", data, move |data| {
        view! { <Transactions data /> }.into_any()
    })
}

#[component]
fn Transactions(data: Data) -> impl IntoView {
    let Data {
        viewer,
        program,
        transactions,
        next,
        can_record,
        form_key,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="Transactions" /> }.into_any();
    };
    let next =
        next.map(|after| format!("/vendor/transactions?program={}&after={after}", program.id));
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Transactions"</h1>
            <p class="muted">
                {format!(
                    "Payments and refunds of {}'s customers, from the API or recorded here. Each one runs the program's offers for the partner the customer is attributed to.",
                    program.name,
                )}
            </p>
            {can_record
                .then(|| {
                    view! {
                        <section class="card" aria-labelledby="record-transaction">
                            <h2 id="record-transaction">"Record a transaction"</h2>
                            <form method="post" action=RecordTransaction::PATH class="form">
                                <input type="hidden" name="program" value=program.id />
                                <input type="hidden" name="form_key" value=form_key />
                                <label for="tx-customer">"Customer key or email"</label>
                                <input id="tx-customer" name="customer" required maxlength="320" />
                                <label for="tx-kind">"Kind"</label>
                                <select id="tx-kind" name="kind">
                                    <option value="payment">"Payment"</option>
                                    <option value="refund">"Refund"</option>
                                </select>
                                <label for="tx-amount">
                                    {format!("Amount ({})", program.currency)}
                                </label>
                                <input id="tx-amount" name="amount" required inputmode="decimal" />
                                <label for="tx-refunds">
                                    "Refunded transaction key (for a refund)"
                                </label>
                                <input id="tx-refunds" name="refunds" maxlength="255" />
                                <label for="tx-key">
                                    "Transaction key (optional; made for you when empty)"
                                </label>
                                <input id="tx-key" name="transaction_key" maxlength="255" />
                                <label for="tx-product">"Product key (optional)"</label>
                                <input id="tx-product" name="product_key" maxlength="255" />
                                <Submit label="Record transaction" busy_text="Recording…" />
                            </form>
                        </section>
                    }
                })}
            <TransactionsTable transactions />
            {next
                .map(|href| {
                    view! {
                        <p>
                            <a href=href>"Older transactions"</a>
                        </p>
                    }
                })}
        </main>
    }
    .into_any()
}

#[component]
fn TransactionsTable(transactions: Vec<TransactionRow>) -> impl IntoView {
    let empty = transactions.is_empty();
    view! {
        <table aria-label="Transactions">
            <thead>
                <tr>
                    <th scope="col">"Date"</th>
                    <th scope="col">"Transaction key"</th>
                    <th scope="col">"Customer"</th>
                    <th scope="col">"Partner"</th>
                    <th scope="col">"Amount"</th>
                    <th scope="col">"Product"</th>
                    <th scope="col">"Source"</th>
                </tr>
            </thead>
            <tbody>
                {transactions
                    .into_iter()
                    .map(|t| {
                        view! {
                            <tr>
                                <td>{t.occurred_on}</td>
                                <td>
                                    <code>{t.transaction_key}</code>
                                    {t
                                        .refunds
                                        .map(|r| {
                                            view! {
                                                <br />
                                                <span class="muted">{format!("Refund of {r}")}</span>
                                            }
                                        })}
                                </td>
                                <td>
                                    {t.customer}<br /><span class="muted">{t.customer_key}</span>
                                </td>
                                <td>{t.partner_key.unwrap_or_else(|| "—".into())}</td>
                                <td class="num">{t.amount.display()}</td>
                                <td>{t.product_key.unwrap_or_else(|| "—".into())}</td>
                                <td>
                                    {if t.source == "api" { "API" } else { "Recorded by hand" }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
                {empty
                    .then(|| {
                        view! {
                            <tr>
                                <td colspan="7" class="empty">
                                    "No transactions yet. They arrive through the API, or record one above."
                                </td>
                            </tr>
                        }
                    })}
            </tbody>
        </table>
    }
}
