use domain::partnership::PartnershipStatus;
use domain::program::PartnerType;
use domain::segment::{Condition, Rule};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{SaveSegment, fetch_structure, preview_segment};
use crate::components::{ErrorPage, FieldError, FormAlert, Loading, NoProgram, Submit, TopBar};
use crate::dto::{Named, Structure, StructurePage as Data};

/// `/vendor/segments/new`: build a rule from conditions and groups of conditions, see how
/// many partners match as you go, and save it.
#[component]
pub fn SegmentBuilderPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query
                .read()
                .get("program")
                .and_then(|v| v.parse::<i64>().ok())
        },
        fetch_structure,
    );
    view! {
        <Title text="Build a segment" />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <Builder data /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One condition row of the builder.
#[derive(Clone, Copy)]
struct Row {
    key: usize,
    field: RwSignal<String>,
    negate: RwSignal<bool>,
    value: RwSignal<String>,
}

/// A nested group of conditions.
#[derive(Clone, Copy)]
struct Group {
    key: usize,
    any: RwSignal<bool>,
    rows: RwSignal<Vec<Row>>,
}

fn new_row(counter: RwSignal<usize>) -> Row {
    let key = counter.get_untracked() + 1;
    counter.set(key);
    Row {
        key,
        field: RwSignal::new("tag".into()),
        negate: RwSignal::new(false),
        value: RwSignal::new(String::new()),
    }
}

/// The rule a row stands for; `None` while it is incomplete.
fn row_rule(row: &Row) -> Option<Rule> {
    let value = row.value.get();
    let value = value.trim();
    let id = || value.parse::<i64>().ok();
    let optional_id = || {
        if value == "none" {
            Some(None)
        } else {
            id().map(Some)
        }
    };
    let date = || {
        let mut parts = value.split('-').map(|p| p.parse::<i64>().ok());
        let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
        Some(domain::time::date_to_ms(
            y,
            u32::try_from(m).ok()?,
            u32::try_from(d).ok()?,
        ))
    };
    if value.is_empty() {
        return None;
    }
    let condition = match row.field.get().as_str() {
        "status" => Condition::Status(PartnershipStatus::parse(value).ok()?),
        "group" => Condition::Group(id()?),
        "tier" => Condition::Tier(optional_id()?),
        "tag" => Condition::HasTag(id()?),
        "type" => Condition::PartnerType(value.to_owned()),
        "country" => Condition::Country(value.to_ascii_uppercase()),
        "joined_before" => Condition::JoinedBefore(date()?),
        "joined_since" => Condition::JoinedSince(date()?),
        "manager" => Condition::Manager(optional_id()?),
        "search" => Condition::Search(value.to_owned()),
        _ => return None,
    };
    let rule = Rule::Is(condition);
    Some(if row.negate.get() {
        Rule::Not(Box::new(rule))
    } else {
        rule
    })
}

fn combine(any: bool, rules: Vec<Rule>) -> Rule {
    if any {
        Rule::Any(rules)
    } else {
        Rule::All(rules)
    }
}

#[component]
fn Builder(data: Data) -> impl IntoView {
    let Data {
        viewer,
        program,
        structure,
        can_edit,
        ..
    } = data;
    let (Some(program), Some(structure)) = (program, structure) else {
        return view! { <NoProgram viewer title="Build a segment" /> }.into_any();
    };
    let counter = RwSignal::new(0usize);
    let any = RwSignal::new(false);
    let rows = RwSignal::new(Vec::<Row>::new());
    let groups = RwSignal::new(Vec::<Group>::new());
    let rule = Memo::new(move |_| {
        let mut rules: Vec<Rule> = rows.get().iter().filter_map(row_rule).collect();
        for group in groups.get() {
            let inner: Vec<Rule> = group.rows.get().iter().filter_map(row_rule).collect();
            if !inner.is_empty() {
                rules.push(combine(group.any.get(), inner));
            }
        }
        combine(any.get(), rules)
    });
    let rule_json = Memo::new(move |_| serde_json::to_string(&rule.get()).unwrap_or_default());
    let program_id = program.id;
    let preview = Resource::new(
        move || rule_json.get(),
        move |json| preview_segment(program_id, json),
    );
    let save = ServerAction::<SaveSegment>::new();
    let save_error = Signal::derive(move || save.value().get().and_then(Result::err));
    let general = Signal::derive(move || save_error.get().filter(|e| e.fields.is_empty()));
    let saved = move || {
        save.value().get().and_then(Result::ok).map(|id| {
            view! {
                <p role="status" class="notice">
                    "Segment saved. "
                    <a href=format!("/vendor/partners?program={program_id}&segment={id}")>"See its partners"</a>
                </p>
            }
        })
    };
    let structure = StoredValue::new(structure);
    view! {
        <TopBar viewer home="/vendor" />
        <main class="page">
            <h1>"Build a segment"</h1>
            <p class="muted">{format!("Partners of {} that match these conditions. Membership updates itself as partners change.", program.name)}</p>
            <section class="card builder" aria-label="Rule">
                <Combinator any label="Partners match" />
                <ul class="rows">
                    <For each=move || rows.get() key=|r| r.key let:row>
                        <RowEditor row structure on_remove=Callback::new(move |key: usize| rows.update(|v| v.retain(|r| r.key != key))) />
                    </For>
                </ul>
                <For each=move || groups.get() key=|g| g.key let:group>
                    <div class="group" role="group" aria-label=format!("Group {}", group.key)>
                        <Combinator any=group.any label="Within this group, partners match" />
                        <ul class="rows">
                            <For each=move || group.rows.get() key=|r| r.key let:row>
                                <RowEditor row structure on_remove=Callback::new(move |key: usize| group.rows.update(|v| v.retain(|r| r.key != key))) />
                            </For>
                        </ul>
                        <button type="button" class="secondary" on:click=move |_| group.rows.update(|v| v.push(new_row(counter)))>"Add condition to group"</button>
                        <button type="button" class="danger" on:click=move |_| groups.update(|v| v.retain(|g| g.key != group.key))>"Remove group"</button>
                    </div>
                </For>
                <p class="inline">
                    <button type="button" class="secondary" on:click=move |_| rows.update(|v| v.push(new_row(counter)))>"Add condition"</button>
                    <button type="button" class="secondary" on:click=move |_| {
                        let key = counter.get_untracked() + 1;
                        counter.set(key);
                        let group = Group { key, any: RwSignal::new(true), rows: RwSignal::new(vec![new_row(counter)]) };
                        groups.update(|v| v.push(group));
                    }>"Add group"</button>
                </p>
            </section>
            <section class="card" aria-label="Preview">
                <h2>"Preview"</h2>
                <Transition fallback=|| view! { <p role="status">"Counting…"</p> }>
                    {move || preview.get().map(|p| match p {
                        Ok(p) => view! {
                            <p role="status" class="preview-count">{format!("{} partner{} match{}", p.count, if p.count == 1 { "" } else { "s" }, if p.count == 1 { "es" } else { "" })}</p>
                            <ul class="plain preview">{p.sample.into_iter().map(|name| view! { <li>{name}</li> }).collect_view()}</ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="alert">{e.message}</p> }.into_any(),
                    })}
                </Transition>
            </section>
            {can_edit.then(|| view! {
                <section class="card">
                    <h2>"Save"</h2>
                    <ActionForm action=save attr:class="inline">
                        <input type="hidden" name="program" value=program_id />
                        <input type="hidden" name="rule" prop:value=move || rule_json.get() />
                        <label for="segment-name">"Segment name"</label>
                        <input id="segment-name" name="name" required maxlength="80" />
                        <Submit label="Save segment" pending=save.pending() busy_text="Saving…" />
                    </ActionForm>
                    <FieldError error=save_error name="name" />
                    <FormAlert error=general />
                    {saved}
                </section>
            })}
        </main>
    }
    .into_any()
}

#[component]
fn Combinator(any: RwSignal<bool>, label: &'static str) -> impl IntoView {
    view! {
        <p class="inline">
            <label>
                {label}
                " "
                <select on:change=move |ev| any.set(event_target_value(&ev) == "any") prop:value=move || if any.get() { "any" } else { "all" }>
                    <option value="all">"all of these"</option>
                    <option value="any">"any of these"</option>
                </select>
            </label>
        </p>
    }
}

fn choices(items: &[Named]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|i| (i.id.to_string(), i.name.clone()))
        .collect()
}

#[component]
fn RowEditor(
    row: Row,
    structure: StoredValue<Structure>,
    on_remove: Callback<usize>,
) -> impl IntoView {
    let n = row.key;
    let value_options = move || -> Option<Vec<(String, String)>> {
        let s = structure.read_value();
        let named = |v: Vec<(i64, String)>| {
            v.into_iter()
                .map(|(id, name)| (id.to_string(), name))
                .collect::<Vec<_>>()
        };
        Some(match row.field.get().as_str() {
            "status" => PartnershipStatus::ALL
                .iter()
                .map(|x| (x.as_str().to_owned(), x.label().to_owned()))
                .collect(),
            "group" => named(s.groups.iter().map(|g| (g.id, g.name.clone())).collect()),
            "tier" => {
                let mut v = vec![("none".to_owned(), "No tier".to_owned())];
                v.extend(named(
                    s.tiers.iter().map(|t| (t.id, t.name.clone())).collect(),
                ));
                v
            }
            "tag" => choices(&s.tags),
            "type" => PartnerType::ALL
                .iter()
                .map(|t| (t.as_str().to_owned(), t.label().to_owned()))
                .collect(),
            "manager" => {
                let mut v = vec![("none".to_owned(), "No manager".to_owned())];
                v.extend(choices(&s.managers));
                v
            }
            _ => return None,
        })
    };
    let input_type = move || match row.field.get().as_str() {
        "joined_before" | "joined_since" => "date",
        _ => "text",
    };
    view! {
        <li class="row-editor">
            <label class="visually-hidden" for=format!("field-{n}")>{format!("Field of condition {n}")}</label>
            <select id=format!("field-{n}") prop:value=move || row.field.get() on:change=move |ev| { row.field.set(event_target_value(&ev)); row.value.set(String::new()); }>
                <option value="tag">"Tag"</option>
                <option value="tier">"Tier"</option>
                <option value="group">"Group"</option>
                <option value="status">"Status"</option>
                <option value="type">"Partner type"</option>
                <option value="country">"Country"</option>
                <option value="manager">"Manager"</option>
                <option value="joined_since">"Joined on or after"</option>
                <option value="joined_before">"Joined before"</option>
                <option value="search">"Name or email contains"</option>
            </select>
            <label class="visually-hidden" for=format!("negate-{n}")>{format!("Operator of condition {n}")}</label>
            <select id=format!("negate-{n}") prop:value=move || if row.negate.get() { "not" } else { "is" } on:change=move |ev| row.negate.set(event_target_value(&ev) == "not")>
                <option value="is">"is / has"</option>
                <option value="not">"is not / has not"</option>
            </select>
            <label class="visually-hidden" for=format!("value-{n}")>{format!("Value of condition {n}")}</label>
            {move || match value_options() {
                Some(options) => view! {
                    <select id=format!("value-{n}") prop:value=move || row.value.get() on:change=move |ev| row.value.set(event_target_value(&ev))>
                        <option value="">"Choose…"</option>
                        {options.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                    </select>
                }.into_any(),
                None => view! {
                    <input id=format!("value-{n}") type=input_type prop:value=move || row.value.get() on:input=move |ev| row.value.set(event_target_value(&ev)) />
                }.into_any(),
            }}
            <button type="button" class="danger" aria-label=format!("Remove condition {n}") on:click=move |_| on_remove.run(n)>"Remove"</button>
        </li>
    }
}
