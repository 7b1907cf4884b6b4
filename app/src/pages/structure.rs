use domain::tier::Metric;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{CreateLabel, CreateTier, DeleteLabel, fetch_structure};
use crate::components::{
    ErrorPage, FieldError, FormAlert, Loading, NoProgram, Submit, TopBar,
};
use crate::dto::{ProgramSummary, Structure, StructurePage as Data, TierInfo};

/// `/vendor/structure`: a program's groups, tags, tiers and saved segments.
#[component]
pub fn StructurePage() -> impl IntoView {
    let query = use_query_map();
    // One action per kind, so an error shows beside the form that caused it.
    let create_group = ServerAction::<CreateLabel>::new();
    let create_tag = ServerAction::<CreateLabel>::new();
    let delete = ServerAction::<DeleteLabel>::new();
    let tier = ServerAction::<CreateTier>::new();
    let data = Resource::new(
        move || {
            let program = query
                .read()
                .get("program")
                .and_then(|v| v.parse::<i64>().ok());
            let versions = (
                create_group.version().get(),
                create_tag.version().get(),
                delete.version().get(),
                tier.version().get(),
            );
            (program, versions)
        },
        |(program, _)| fetch_structure(program),
    );
    view! {
        <Title text="Program structure" />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <StructureView data create_group create_tag delete tier /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StructureView(
    data: Data,
    create_group: ServerAction<CreateLabel>,
    create_tag: ServerAction<CreateLabel>,
    delete: ServerAction<DeleteLabel>,
    tier: ServerAction<CreateTier>,
) -> impl IntoView {
    let Data {
        viewer,
        program,
        structure,
        can_edit,
    } = data;
    let (Some(program), Some(structure)) = (program, structure) else {
        return view! { <NoProgram viewer title="Program structure" /> }.into_any();
    };
    let delete_error = Signal::derive(move || delete.value().get().and_then(Result::err));
    view! {
        <TopBar viewer home="/vendor" />
        <main class="page">
            <div class="page-head">
                <h1>"Program structure"</h1>
            </div>
            <p class="muted">{format!("Groups, tags, tiers and segments of {}.", program.name)}</p>
            <FormAlert error=delete_error />
            <div class="columns">
                <Labels kind="group" title="Groups" structure=structure.clone() program=program.clone() can_edit create=create_group delete />
                <Labels kind="tag" title="Tags" structure=structure.clone() program=program.clone() can_edit create=create_tag delete />
            </div>
            <Tiers tiers=structure.tiers.clone() program=program.clone() can_edit action=tier />
            <section class="card">
                <h2>"Segments"</h2>
                <ul class="plain">
                    {structure.segments.iter().map(|s| view! {
                        <li><a href=format!("/vendor/partners?program={}&segment={}", program.id, s.id)>{s.name.clone()}</a></li>
                    }).collect_view()}
                </ul>
                {structure.segments.is_empty().then(|| view! { <p class="empty">"No saved segments yet."</p> })}
                <p><a href=format!("/vendor/segments/new?program={}", program.id)>"Build a segment"</a></p>
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
    create: ServerAction<CreateLabel>,
    delete: ServerAction<DeleteLabel>,
) -> impl IntoView {
    let rows: Vec<(i64, String, String)> = if kind == "group" {
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
                (g.id, g.name.clone(), note)
            })
            .collect()
    } else {
        structure
            .tags
            .iter()
            .map(|t| (t.id, t.name.clone(), String::new()))
            .collect()
    };
    let empty = rows.is_empty();
    let error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .filter(|_| create.input().get().is_none())
    });
    let singular = if kind == "group" { "group" } else { "tag" };
    view! {
        <section class="card">
            <h2 id=format!("{kind}-heading")>{title}</h2>
            <ul class="plain" aria-labelledby=format!("{kind}-heading")>
                {rows.into_iter().map(|(id, name, note)| {
                    let label = format!("Delete {singular} {name}");
                    view! {
                        <li class="row">
                            <span>{name}</span>
                            <span class="muted">{note}</span>
                            {can_edit.then(|| view! {
                                <ActionForm action=delete attr:class="inline">
                                    <input type="hidden" name="kind" value=kind />
                                    <input type="hidden" name="id" value=id />
                                    <button type="submit" class="danger" aria-label=label>"Delete"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {empty.then(|| view! { <p class="empty">{format!("No {kind}s yet.")}</p> })}
            {can_edit.then(|| view! {
                <ActionForm action=create attr:class="inline">
                    <input type="hidden" name="program" value=program.id />
                    <input type="hidden" name="kind" value=kind />
                    <label class="visually-hidden" for=format!("new-{kind}")>{format!("New {singular} name")}</label>
                    <input id=format!("new-{kind}") name="name" required maxlength="60" placeholder=format!("New {singular}") />
                    <Submit label=format!("Add {singular}") pending=create.pending() busy_text="Adding…" />
                </ActionForm>
                <FieldError error name="name" />
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
fn Tiers(
    tiers: Vec<TierInfo>,
    program: ProgramSummary,
    can_edit: bool,
    action: ServerAction<CreateTier>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let empty = tiers.is_empty();
    let next_rank = tiers.iter().map(|t| t.rank).max().unwrap_or(0) + 1;
    view! {
        <section class="card">
            <h2 id="tiers-heading">"Tiers"</h2>
            <table aria-labelledby="tiers-heading">
                <thead><tr><th scope="col">"Rank"</th><th scope="col">"Tier"</th><th scope="col">"Qualifies when"</th><th scope="col">"Partners"</th></tr></thead>
                <tbody>
                    {tiers.iter().map(|t| view! {
                        <tr><td>{t.rank}</td><td>{t.name.clone()}</td><td>{describe(t, &program.currency)}</td><td>{t.partners}</td></tr>
                    }).collect_view()}
                    {empty.then(|| view! { <tr><td colspan="4" class="empty">"No tiers yet."</td></tr> })}
                </tbody>
            </table>
            {can_edit.then(|| view! {
                <h3>"Add a tier"</h3>
                <ActionForm action=action attr:class="form-row">
                    <input type="hidden" name="program" value=program.id />
                    <div class="field"><label for="tier-name">"Name"</label><input id="tier-name" name="name" required maxlength="60" /><FieldError error name="name" /></div>
                    <div class="field"><label for="tier-rank">"Rank"</label><input id="tier-rank" name="rank" type="number" min="1" value=next_rank required /><FieldError error name="rank" /></div>
                    <div class="field"><label for="tier-metric">"Metric"</label>
                        <select id="tier-metric" name="metric">
                            {Metric::ALL.iter().map(|m| view! { <option value=m.as_str()>{m.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field"><label for="tier-window">"Window (days, empty for all time)"</label><input id="tier-window" name="window_days" type="number" min="1" value="90" /><FieldError error name="window_days" /></div>
                    <div class="field"><label for="tier-threshold">{format!("At least ({} or a count)", program.currency)}</label><input id="tier-threshold" name="threshold" required /><FieldError error name="threshold" /></div>
                    <div class="field"><label for="tier-multiplier">"Reward multiplier %"</label><input id="tier-multiplier" name="multiplier_percent" type="number" min="1" max="1000" placeholder="110" /><FieldError error name="multiplier_percent" /></div>
                    <div class="field end"><Submit label="Add tier" pending=action.pending() busy_text="Adding…" /></div>
                </ActionForm>
                <FormAlert error=general />
            })}
        </section>
    }
}
