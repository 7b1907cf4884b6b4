use domain::tier::Metric;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::{
    AddLeadField, CreateLabel, DeleteLabel, RemoveLeadField, RenameLabel, SaveTier,
    SetDefaultGroup, fetch_structure,
};
use crate::components::{NoProgram, Submit, TopBar, data_page};
use crate::dto::{ProgramSummary, Structure, StructurePage as Data, TierInfo};

/// `/vendor/structure`: a program's groups, tags, tiers and saved segments.
#[component]
pub fn StructurePage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query
                .read()
                .get("program")
                .and_then(|v| v.parse::<i64>().ok())
        },
        |program| fetch_structure(program, None),
    );
    data_page("Program structure", data, move |data| {
        view! { <StructureView data /> }.into_any()
    })
}

#[component]
fn StructureView(data: Data) -> impl IntoView {
    let Data {
        viewer,
        program,
        structure,
        can_edit,
    } = data;
    let (Some(program), Some(structure)) = (program, structure) else {
        return view! { <NoProgram viewer title="Program structure" /> }.into_any();
    };
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <div class="page-head">
                <h1>"Program structure"</h1>
            </div>
            <p class="muted">{format!("Groups, tags, tiers and segments of {}.", program.name)}</p>
            <div class="columns">
                <Labels
                    kind="group"
                    title="Groups"
                    structure=structure.clone()
                    program=program.clone()
                    can_edit
                />
                <Labels
                    kind="tag"
                    title="Tags"
                    structure=structure.clone()
                    program=program.clone()
                    can_edit
                />
            </div>
            <Tiers tiers=structure.tiers.clone() program=program.clone() can_edit />
            <LeadFields groups=structure.groups.clone() can_edit />
            <section class="card">
                <h2>"Segments"</h2>
                <ul class="plain">
                    {structure
                        .segments
                        .iter()
                        .map(|s| {
                            view! {
                                <li>
                                    <a href=format!(
                                        "/vendor/partners?program={}&segment={}",
                                        program.id,
                                        s.id,
                                    )>{s.name.clone()}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                {structure
                    .segments
                    .is_empty()
                    .then(|| view! { <p class="empty">"No saved segments yet."</p> })}
                <p>
                    <a href=format!(
                        "/vendor/segments/new?program={}",
                        program.id,
                    )>"Build a segment"</a>
                </p>
            </section>
        </main>
    }
    .into_any()
}

#[component]
fn Labels(
    kind: &'static str,
    title: &'static str,
    structure: Structure,
    program: ProgramSummary,
    can_edit: bool,
) -> impl IntoView {
    let rows: Vec<(i64, String, String, bool)> = if kind == "group" {
        structure
            .groups
            .iter()
            .map(|g| {
                let note = format!(
                    "{} partner{}{}",
                    g.partners,
                    if g.partners == 1 { "" } else { "s" },
                    if g.is_default { " · default" } else { "" }
                );
                (g.id, g.name.clone(), note, g.is_default)
            })
            .collect()
    } else {
        structure
            .tags
            .iter()
            .map(|t| (t.id, t.name.clone(), String::new(), true))
            .collect()
    };
    let empty = rows.is_empty();
    let singular = if kind == "group" { "group" } else { "tag" };
    view! {
        <section class="card">
            <h2 id=format!("{kind}-heading")>{title}</h2>
            <ul class="plain" aria-labelledby=format!("{kind}-heading")>
                {rows
                    .into_iter()
                    .map(|(id, name, note, is_default)| {
                        let label = format!("Delete {singular} {name}");
                        let rename_label = format!("Rename {singular} {name}");
                        let new_name_id = format!("rename-{kind}-{id}");
                        let new_name_label = format!("New name for {name}");
                        let default_label = format!("Make {name} the default group");
                        let shown = name.clone();
                        view! {
                            <li class="row">
                                <span>{shown}</span>
                                <span class="muted">{note}</span>
                                {can_edit
                                    .then(move || {
                                        view! {
                                            <details class="inline-edit">
                                                <summary aria-label=rename_label.clone()>"Rename"</summary>
                                                <form method="post" action=RenameLabel::PATH class="inline">
                                                    <input type="hidden" name="kind" value=kind />
                                                    <input type="hidden" name="id" value=id />
                                                    <label class="visually-hidden" for=new_name_id.clone()>
                                                        {new_name_label}
                                                    </label>
                                                    <input
                                                        id=new_name_id
                                                        name="name"
                                                        required
                                                        maxlength="60"
                                                        value=name.clone()
                                                    />
                                                    <Submit label="Save name" busy_text="Saving…" />
                                                </form>
                                            </details>
                                            {(!is_default)
                                                .then(|| {
                                                    view! {
                                                        <form
                                                            method="post"
                                                            action=SetDefaultGroup::PATH
                                                            class="inline"
                                                        >
                                                            <input type="hidden" name="id" value=id />
                                                            <button
                                                                type="submit"
                                                                class="secondary"
                                                                aria-label=default_label
                                                            >
                                                                "Make default"
                                                            </button>
                                                        </form>
                                                    }
                                                })}
                                            <form method="post" action=DeleteLabel::PATH class="inline">
                                                <input type="hidden" name="kind" value=kind />
                                                <input type="hidden" name="id" value=id />
                                                <button type="submit" class="danger" aria-label=label>
                                                    "Delete"
                                                </button>
                                            </form>
                                        }
                                    })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {empty.then(|| view! { <p class="empty">{format!("No {kind}s yet.")}</p> })}
            {can_edit
                .then(|| {
                    view! {
                        <form method="post" action=CreateLabel::PATH class="inline">
                            <input type="hidden" name="program" value=program.id />
                            <input type="hidden" name="kind" value=kind />
                            <label class="visually-hidden" for=format!("new-{kind}")>
                                {format!("New {singular} name")}
                            </label>
                            <input
                                id=format!("new-{kind}")
                                name="name"
                                required
                                maxlength="60"
                                placeholder=format!("New {singular}")
                            />
                            <Submit label=format!("Add {singular}") busy_text="Adding…" />
                        </form>
                    }
                })}
        </section>
    }
}

fn describe(tier: &TierInfo, currency: &str) -> String {
    match &tier.rule {
        None => "Assigned by hand".into(),
        Some(rule) => {
            let window = rule
                .window_days
                .map(|d| format!("in the last {d} days"))
                .unwrap_or_else(|| "all time".into());
            let amount = if rule.metric.is_money() {
                domain::money::format_stored(rule.threshold, currency)
            } else {
                rule.threshold.to_string()
            };
            format!("{} {window} ≥ {amount}", rule.metric.label())
        }
    }
}

#[component]
fn Tiers(tiers: Vec<TierInfo>, program: ProgramSummary, can_edit: bool) -> impl IntoView {
    let empty = tiers.is_empty();
    let next_rank = tiers.iter().map(|t| t.rank).max().unwrap_or(0) + 1;
    let columns = if can_edit { 5 } else { 4 };
    view! {
        <section class="card">
            <h2 id="tiers-heading">"Tiers"</h2>
            <table aria-labelledby="tiers-heading">
                <thead>
                    <tr>
                        <th scope="col">"Rank"</th>
                        <th scope="col">"Tier"</th>
                        <th scope="col">"Qualifies when"</th>
                        <th scope="col">"Partners"</th>
                        {can_edit.then(|| view! { <th scope="col">"Actions"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {tiers
                        .into_iter()
                        .map(|t| {
                            let name = t.name.clone();
                            let program = program.clone();
                            let summary = describe(&t, &program.currency);
                            view! {
                                <tr>
                                    <td>{t.rank}</td>
                                    <td>{t.name.clone()}</td>
                                    <td>
                                        {summary}
                                        {t
                                            .benefits
                                            .multiplier_percent
                                            .map(|m| format!(" · rewards ×{m}%"))}
                                    </td>
                                    <td>{t.partners}</td>
                                    {can_edit
                                        .then(move || {
                                            view! {
                                                <td class="actions">
                                                    <details class="inline-edit">
                                                        <summary aria-label=format!(
                                                            "Edit tier {name}",
                                                        )>"Edit"</summary>
                                                        <TierForm
                                                            tier=Some(t.clone())
                                                            program=program
                                                            rank=t.rank
                                                        />
                                                    </details>
                                                    <form method="post" action=DeleteLabel::PATH class="inline">
                                                        <input type="hidden" name="kind" value="tier" />
                                                        <input type="hidden" name="id" value=t.id />
                                                        <button
                                                            type="submit"
                                                            class="danger"
                                                            aria-label=format!("Delete tier {name}")
                                                        >
                                                            "Delete"
                                                        </button>
                                                    </form>
                                                </td>
                                            }
                                        })}
                                </tr>
                            }
                        })
                        .collect_view()}
                    {empty
                        .then(|| {
                            view! {
                                <tr>
                                    <td colspan=columns class="empty">
                                        "No tiers yet."
                                    </td>
                                </tr>
                            }
                        })}
                </tbody>
            </table>
            {can_edit
                .then(|| {
                    view! {
                        <h3>"Add a tier"</h3>
                        <TierForm tier=None program=program.clone() rank=next_rank />
                    }
                })}
        </section>
    }
}

/// The form of a new tier (`tier` = `None`) or of an existing one, filled in.
#[component]
fn TierForm(tier: Option<TierInfo>, program: ProgramSummary, rank: i64) -> impl IntoView {
    let p = tier.as_ref().map_or("new".to_owned(), |t| t.id.to_string());
    let rule = tier.as_ref().and_then(|t| t.rule.clone());
    let metric = rule.as_ref().map(|r| r.metric);
    let window = match (&tier, &rule) {
        (None, _) => "90".to_owned(),
        (Some(_), Some(r)) => r.window_days.map(|d| d.to_string()).unwrap_or_default(),
        (Some(_), None) => String::new(),
    };
    let threshold = rule
        .as_ref()
        .map(|r| {
            if r.metric.is_money() {
                domain::money::input_text(r.threshold, &program.currency)
            } else {
                r.threshold.to_string()
            }
        })
        .unwrap_or_default();
    let multiplier = tier
        .as_ref()
        .and_then(|t| t.benefits.multiplier_percent)
        .map(|m| m.to_string())
        .unwrap_or_default();
    let name = tier.as_ref().map(|t| t.name.clone()).unwrap_or_default();
    let label = if tier.is_some() {
        "Save tier"
    } else {
        "Add tier"
    };
    let id = move |field: &str| format!("tier-{field}-{p}");
    view! {
        <form method="post" action=SaveTier::PATH class="form-row">
            <input type="hidden" name="program" value=program.id />
            {tier.as_ref().map(|t| view! { <input type="hidden" name="id" value=t.id /> })}
            <div class="field">
                <label for=id("name")>"Name"</label>
                <input id=id("name") name="name" required maxlength="60" value=name />
            </div>
            <div class="field">
                <label for=id("rank")>"Rank"</label>
                <input id=id("rank") name="rank" type="number" min="1" value=rank required />
            </div>
            <div class="field">
                <label for=id("metric")>"Metric"</label>
                <select id=id("metric") name="metric">
                    {Metric::ALL
                        .iter()
                        .map(|m| {
                            view! {
                                <option value=m.as_str() selected=Some(*m) == metric>
                                    {m.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=id("window")>"Window (days, empty for all time)"</label>
                <input id=id("window") name="window_days" type="number" min="1" value=window />
            </div>
            <div class="field">
                <label for=id(
                    "threshold",
                )>{format!("At least ({} or a count)", program.currency)}</label>
                <input id=id("threshold") name="threshold" required value=threshold />
            </div>
            <div class="field">
                <label for=id("multiplier")>"Reward multiplier %"</label>
                <input
                    id=id("multiplier")
                    name="multiplier_percent"
                    type="number"
                    min="1"
                    max="1000"
                    placeholder="110"
                    value=multiplier
                />
            </div>
            <div class="field end">
                <Submit label=label busy_text="Saving…" />
            </div>
        </form>
    }
}

/// Each group's custom lead fields, with a form to add one and a button to remove each.
#[component]
fn LeadFields(groups: Vec<crate::dto::GroupInfo>, can_edit: bool) -> impl IntoView {
    use domain::lead_fields::FieldKind;
    let choices: Vec<(i64, String)> = groups.iter().map(|g| (g.id, g.name.clone())).collect();
    view! {
        <section class="card" aria-labelledby="lead-fields">
            <h2 id="lead-fields">"Lead fields"</h2>
            <p class="muted">
                "Extra questions partners in a group answer when they register a lead."
            </p>
            <ul class="plain">
                {groups
                    .into_iter()
                    .map(|g| {
                        let group_id = g.id;
                        let group = g.name.clone();
                        let none = g.lead_fields.is_empty();
                        view! {
                            <li>
                                <strong>{g.name}</strong>
                                {none
                                    .then(|| {
                                        view! { <span class="muted">" — no custom fields"</span> }
                                    })}
                                <ul class="plain">
                                    {g
                                        .lead_fields
                                        .into_iter()
                                        .map(|f| {
                                            let kind = match &f.kind {
                                                FieldKind::Text => "text".to_owned(),
                                                FieldKind::Number => "number".to_owned(),
                                                FieldKind::Select { options } => {
                                                    format!("one of {}", options.join(", "))
                                                }
                                            };
                                            let remove_label = format!(
                                                "Remove {} from {group}",
                                                f.label,
                                            );
                                            view! {
                                                <li>
                                                    {format!(
                                                        "{} ({kind}{})",
                                                        f.label,
                                                        if f.required { ", required" } else { "" },
                                                    )}
                                                    {can_edit
                                                        .then(|| {
                                                            view! {
                                                                <form
                                                                    method="post"
                                                                    action=RemoveLeadField::PATH
                                                                    class="inline"
                                                                >
                                                                    <input type="hidden" name="group_id" value=group_id />
                                                                    <input type="hidden" name="key" value=f.key.clone() />
                                                                    <button
                                                                        type="submit"
                                                                        class="link danger"
                                                                        aria-label=remove_label
                                                                    >
                                                                        "Remove"
                                                                    </button>
                                                                </form>
                                                            }
                                                        })}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {can_edit
                .then(|| {
                    view! {
                        <h3>"Add a lead field"</h3>
                        <form method="post" action=AddLeadField::PATH class="form-row">
                            <div class="field">
                                <label for="lf-group">"Group"</label>
                                <select id="lf-group" name="group_id">
                                    {choices
                                        .into_iter()
                                        .map(|(id, name)| {
                                            view! { <option value=id>{name}</option> }
                                        })
                                        .collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label for="lf-label">"Question"</label>
                                <input id="lf-label" name="label" required maxlength="60" />
                            </div>
                            <div class="field">
                                <label for="lf-kind">"Answer"</label>
                                <select id="lf-kind" name="kind">
                                    <option value="text">"Text"</option>
                                    <option value="number">"Number"</option>
                                    <option value="select">"One of a list"</option>
                                </select>
                            </div>
                            <div class="field">
                                <label for="lf-options">"List choices (comma separated)"</label>
                                <input id="lf-options" name="options" />
                            </div>
                            <div class="field">
                                <label for="lf-required">"Required"</label>
                                <select id="lf-required" name="required">
                                    <option value="no">"Optional"</option>
                                    <option value="yes">"Required"</option>
                                </select>
                            </div>
                            <div class="field end">
                                <Submit label="Add field" busy_text="Adding…" />
                            </div>
                        </form>
                    }
                })}
        </section>
    }
}
