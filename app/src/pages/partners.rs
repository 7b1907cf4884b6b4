use domain::partnership::PartnershipStatus;
use domain::time::format_date;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{BulkUpdatePartners, fetch_partners};
use crate::components::{ErrorPage, Loading, NoProgram, Submit, TopBar};
use crate::dto::{Named, PartnerListRow, PartnersPage as Data, Structure};

/// The filters of the partners table, as they stand in the URL.
#[derive(Clone, Debug, PartialEq, Default)]
struct Filters {
    program: Option<i64>,
    status: String,
    group: String,
    tier: String,
    tag: String,
    segment: String,
    manager: String,
    q: String,
    sort: String,
    after: Option<String>,
}

impl Filters {
    /// The query string of these filters (without the page cursor).
    fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.program {
            parts.push(format!("program={p}"));
        }
        for (key, value) in [
            ("status", &self.status),
            ("group", &self.group),
            ("tier", &self.tier),
            ("tag", &self.tag),
            ("segment", &self.segment),
            ("manager", &self.manager),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if !value.is_empty() {
                parts.push(format!("{key}={}", encode(value)));
            }
        }
        parts.join("&")
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `/vendor/partners`: every partner of a program, filtered, sorted, a page at a time, with
/// bulk actions on a selection.
#[component]
pub fn PartnersPage() -> impl IntoView {
    let query = use_query_map();
    let filters = move || {
        let q = query.read();
        let text = |key: &str| q.get(key).unwrap_or_default();
        Filters {
            program: q.get("program").and_then(|v| v.parse().ok()),
            status: text("status"),
            group: text("group"),
            tier: text("tier"),
            tag: text("tag"),
            segment: text("segment"),
            manager: text("manager"),
            q: text("q"),
            sort: text("sort"),
            after: q.get("after"),
        }
    };
    let data = Resource::new(filters, |f| {
        let some = |v: String| (!v.is_empty()).then_some(v);
        let id = |v: &str| v.parse::<i64>().ok();
        fetch_partners(
            f.program,
            some(f.status.clone()),
            id(&f.group),
            some(f.tier.clone()),
            id(&f.tag),
            id(&f.segment),
            some(f.manager.clone()),
            some(f.q.clone()),
            some(f.sort.clone()),
            f.after.clone(),
        )
    });
    view! {
        <Title text="Partners" />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let f = filters();
                match data.await {
                    Ok(data) => view! { <Partners data filters=f /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn options(items: &[Named], selected: &str) -> impl IntoView + use<> {
    items
        .iter()
        .map(|i| {
            let value = i.id.to_string();
            let is = value == selected;
            view! {
                <option value=value selected=is>
                    {i.name.clone()}
                </option>
            }
        })
        .collect_view()
}

#[component]
fn Partners(data: Data, filters: Filters) -> impl IntoView {
    let Data {
        viewer,
        program,
        structure,
        can_bulk_edit,
        rows,
        next,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="Partners" /> }.into_any();
    };
    let groups = structure.group_choices();
    let tiers = structure.tier_choices();
    let tags = structure.tags.clone();
    let managers = structure.managers.clone();
    let segments = structure.segment_choices();
    let next_href = next.map(|cursor| {
        let base = filters.query();
        let sep = if base.is_empty() { "" } else { "&" };
        format!("/vendor/partners?{base}{sep}after={}", encode(&cursor))
    });
    let first_page = filters
        .after
        .is_some()
        .then(|| format!("/vendor/partners?{}", filters.query()));
    let empty = rows.is_empty();
    let table_rows = rows
        .into_iter()
        .map(|row| view! { <PartnerLine row selectable=can_bulk_edit /> })
        .collect_view();
    let table = view! {
        <table aria-label="Partners">
            <thead>
                <tr>
                    {can_bulk_edit
                        .then(|| {
                            view! {
                                <th scope="col">
                                    <span class="visually-hidden">"Select"</span>
                                </th>
                            }
                        })} <th scope="col">"Partner"</th> <th scope="col">"Type"</th>
                    <th scope="col">"Country"</th> <th scope="col">"Status"</th>
                    <th scope="col">"Group"</th> <th scope="col">"Tier"</th>
                    <th scope="col">"Tags"</th> <th scope="col">"Manager"</th>
                    <th scope="col">"Joined"</th>
                </tr>
            </thead>
            <tbody>
                {table_rows}
                {empty
                    .then(|| {
                        view! {
                            <tr>
                                <td colspan="10" class="empty">
                                    "No partners match these filters."
                                </td>
                            </tr>
                        }
                    })}
            </tbody>
        </table>
    };
    let body = if can_bulk_edit {
        view! {
            <form method="post" action=BulkUpdatePartners::PATH>
                <input type="hidden" name="program" value=program.id />
                <BulkControls structure=structure.clone() />
                {table}
            </form>
        }
        .into_any()
    } else {
        table.into_any()
    };
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <div class="page-head">
                <h1>"Partners"</h1>
            </div>
            <form
                method="get"
                action="/vendor/partners"
                class="card filters"
                aria-label="Filter partners"
            >
                <input type="hidden" name="program" value=program.id />
                <label>
                    "Search"
                    <input
                        type="search"
                        name="q"
                        value=filters.q.clone()
                        placeholder="Name or email"
                    />
                </label>
                <label>
                    "Status" <select name="status">
                        <option value="">"Any"</option>
                        {PartnershipStatus::ALL
                            .iter()
                            .map(|s| {
                                view! {
                                    <option value=s.as_str() selected=filters.status == s.as_str()>
                                        {s.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Group" <select name="group">
                        <option value="">"Any"</option>
                        {options(&groups, &filters.group)}
                    </select>
                </label>
                <label>
                    "Tier" <select name="tier">
                        <option value="">"Any"</option>
                        <option value="none" selected=filters.tier == "none">
                            "No tier"
                        </option>
                        {options(&tiers, &filters.tier)}
                    </select>
                </label>
                <label>
                    "Tag" <select name="tag">
                        <option value="">"Any"</option>
                        {options(&tags, &filters.tag)}
                    </select>
                </label>
                <label>
                    "Segment" <select name="segment">
                        <option value="">"All partners"</option>
                        {options(&segments, &filters.segment)}
                    </select>
                </label>
                <label>
                    "Manager" <select name="manager">
                        <option value="">"Anyone"</option>
                        <option value="none" selected=filters.manager == "none">
                            "No manager"
                        </option>
                        {options(&managers, &filters.manager)}
                    </select>
                </label>
                <label>
                    "Sort" <select name="sort">
                        <option
                            value="newest"
                            selected=filters.sort.is_empty() || filters.sort == "newest"
                        >
                            "Newest first"
                        </option>
                        <option value="oldest" selected=filters.sort == "oldest">
                            "Oldest first"
                        </option>
                        <option value="name" selected=filters.sort == "name">
                            "Name"
                        </option>
                    </select>
                </label>
                <button type="submit">"Apply filters"</button>
                <a href=format!("/vendor/partners?program={}", program.id)>"Clear"</a>
            </form>
            <section class="card">
                {body}
                <p class="pager">
                    {first_page.map(|href| view! { <a href=href>"First page"</a> })}
                    {next_href.map(|href| view! { <a href=href>"Next page"</a> })}
                </p>
            </section>
        </main>
    }
    .into_any()
}

#[component]
fn BulkControls(structure: Structure) -> impl IntoView {
    let groups = structure.group_choices();
    let tiers = structure.tier_choices();
    view! {
        <fieldset class="bulk">
            <legend>"With the selected partners"</legend>
            <label>
                "Action" <select name="action">
                    <option value="add_tag">"Add tag"</option>
                    <option value="remove_tag">"Remove tag"</option>
                    <option value="move_group">"Move to group"</option>
                    <option value="set_tier">"Set tier"</option>
                    <option value="assign_manager">"Assign manager"</option>
                    <option value="suspend">"Suspend"</option>
                    <option value="reactivate">"Reactivate"</option>
                    <option value="archive">"Archive"</option>
                    <option value="unarchive">"Unarchive"</option>
                </select>
            </label>
            <label>
                "Tag" <select name="tag">
                    <option value="">"—"</option>
                    {options(&structure.tags, "")}
                </select>
            </label>
            <label>
                "Group" <select name="group">
                    <option value="">"—"</option>
                    {options(&groups, "")}
                </select>
            </label>
            <label>
                "Tier" <select name="tier">
                    <option value="none">"No tier"</option>
                    {options(&tiers, "")}
                </select>
            </label>
            <label>
                "Manager" <select name="manager">
                    <option value="none">"No manager"</option>
                    {options(&structure.managers, "")}
                </select>
            </label>
            <Submit label="Apply to selected" busy_text="Updating…" />
        </fieldset>
    }
}

#[component]
fn PartnerLine(row: PartnerListRow, selectable: bool) -> impl IntoView {
    let label = format!("Select {}", row.partner_team);
    view! {
        <tr>
            {selectable
                .then(|| {
                    view! {
                        <td>
                            <input
                                type="checkbox"
                                name="ids[]"
                                value=row.partnership_id
                                aria-label=label
                            />
                        </td>
                    }
                })} <td>
                <a href=format!("/vendor/partners/{}", row.partnership_id)>{row.partner_team}</a>
            </td> <td>{row.kind}</td> <td>{row.country.unwrap_or_else(|| "—".into())}</td> <td>
                <span class=format!("badge {}", row.status.as_str())>{row.status.as_str()}</span>
            </td> <td>{row.group}</td> <td>{row.tier.unwrap_or_else(|| "—".into())}</td>
            <td class="tags">
                {row
                    .tags
                    .into_iter()
                    .map(|t| view! { <span class="tag">{t}</span> })
                    .collect_view()}
            </td> <td>{row.manager.unwrap_or_else(|| "—".into())}</td>
            <td>{format_date(row.joined_at)}</td>
        </tr>
    }
}
