//! A partnership's referral links as a table: the partner's dashboard (with Copy and the
//! on/off switch) and the vendor's page of the partner (read-only) show the same columns.

use leptos::prelude::*;

use crate::dto::LinkView;

/// `default_text` stands in for a link that goes to the program's default destination;
/// `actions`, when given, fills a last column per link.
#[component]
pub fn LinksTable(
    links: Vec<LinkView>,
    /// The id of the heading that names the table.
    labelled_by: &'static str,
    default_text: String,
    empty_text: &'static str,
    #[prop(optional_no_strip)] actions: Option<Callback<LinkView, AnyView>>,
) -> impl IntoView {
    let empty = links.is_empty();
    let with_actions = actions.is_some();
    view! {
        <table aria-labelledby=labelled_by>
            <thead>
                <tr>
                    <th scope="col">"Link"</th>
                    <th scope="col">"Goes to"</th>
                    <th scope="col">"Clicks"</th>
                    <th scope="col">"Signups"</th>
                    {with_actions
                        .then(|| {
                            view! {
                                <th scope="col">
                                    <span class="sr-only">"Actions"</span>
                                </th>
                            }
                        })}
                </tr>
            </thead>
            <tbody>
                {empty
                    .then(|| {
                        view! {
                            <tr>
                                <td colspan=if with_actions { "5" } else { "4" } class="empty">
                                    {empty_text}
                                </td>
                            </tr>
                        }
                    })}
                {links
                    .into_iter()
                    .map(|l| {
                        let actions = actions.map(|a| a.run(l.clone()));
                        view! {
                            <tr>
                                <td>
                                    <strong>{l.label()}</strong>
                                    {(!l.enabled)
                                        .then(|| {
                                            view! {
                                                " "
                                                <span class="badge suspended">"Off"</span>
                                            }
                                        })}
                                    <br />
                                    <code>{l.url.clone()}</code>
                                </td>
                                <td>
                                    {l.destination.clone().unwrap_or_else(|| default_text.clone())}
                                </td>
                                <td class="num">{l.clicks}</td>
                                <td class="num">{l.signups}</td>
                                {actions.map(|a| view! { <td class="row-actions">{a}</td> })}
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
