use domain::partnership::PartnershipStatus;
use domain::program::PartnerType;
use domain::segment::{BUILDER_FIELDS, BuilderCondition, BuilderForm, BuilderItem, Condition};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{DeleteLabel, SaveSegment, fetch_structure};
use crate::components::{NoProgram, Submit, TopBar, data_page};
use crate::dto::{Named, SegmentInfo, SegmentPreview, Structure, StructurePage as Data};

/// `/vendor/segments/new` and `/vendor/segments/:id`: build (or change) a rule from conditions
/// and groups of conditions, see how many partners match as you go, and save it.
#[component]
pub fn SegmentBuilderPage() -> impl IntoView {
    let query = use_query_map();
    let params = use_params_map();
    let editing = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok());
    let data = Resource::new(
        move || {
            let program = query
                .read()
                .get("program")
                .and_then(|v| v.parse::<i64>().ok());
            (program, editing())
        },
        |(program, segment)| fetch_structure(program, segment),
    );
    data_page("Build a segment", data, move |data| {
        view! { <Builder data editing=editing() /> }.into_any()
    })
}

/// `/vendor/segments`: the program's saved segments, to open, change or delete.
#[component]
pub fn SegmentsPage() -> impl IntoView {
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
    data_page("Segments", data, move |data| {
        view! { <SegmentList data /> }.into_any()
    })
}

#[component]
fn SegmentList(data: Data) -> impl IntoView {
    let Data {
        viewer,
        program,
        structure,
        can_edit,
    } = data;
    let (Some(program), Some(structure)) = (program, structure) else {
        return view! { <NoProgram viewer title="Segments" /> }.into_any();
    };
    let empty = structure.segments.is_empty();
    let structure = StoredValue::new(structure);
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <div class="page-head">
                <h1>"Segments"</h1>
                <a class="button" href=format!("/vendor/segments/new?program={}", program.id)>
                    "Build a segment"
                </a>
            </div>
            <p class="muted">
                {format!(
                    "Saved rules over the partners of {}. Each one is a filter of the partners table.",
                    program.name,
                )}
            </p>
            <table aria-label="Saved segments">
                <thead>
                    <tr>
                        <th scope="col">"Segment"</th>
                        <th scope="col">"Rule"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {structure
                        .read_value()
                        .segments
                        .iter()
                        .map(|segment| {
                            let id = segment.id;
                            let name = segment.name.clone();
                            let summary = describe_rule(&segment.rule, &structure.read_value());
                            view! {
                                <tr>
                                    <td>
                                        <a href=format!(
                                            "/vendor/partners?program={}&segment={id}",
                                            program.id,
                                        )>{name.clone()}</a>
                                    </td>
                                    <td>{summary}</td>
                                    <td class="actions">
                                        {can_edit
                                            .then(|| {
                                                view! {
                                                    <a
                                                        href=format!("/vendor/segments/{id}")
                                                        aria-label=format!("Edit segment {name}")
                                                    >
                                                        "Edit"
                                                    </a>
                                                    <form method="post" action=DeleteLabel::PATH class="inline">
                                                        <input type="hidden" name="kind" value="segment" />
                                                        <input type="hidden" name="id" value=id />
                                                        <button
                                                            type="submit"
                                                            class="danger"
                                                            aria-label=format!("Delete segment {name}")
                                                        >
                                                            "Delete"
                                                        </button>
                                                    </form>
                                                }
                                            })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                    {empty
                        .then(|| {
                            view! {
                                <tr>
                                    <td colspan="3" class="empty">
                                        "No saved segments yet. Build one to filter partners by tags, tiers, groups and more."
                                    </td>
                                </tr>
                            }
                        })}
                </tbody>
            </table>
        </main>
    }
    .into_any()
}

/// A rule in words, with the names of groups, tiers, tags and managers.
fn describe_rule(rule: &domain::segment::Rule, s: &Structure) -> String {
    use domain::segment::Rule;
    let name_of = |items: &[Named], id: i64| {
        items
            .iter()
            .find(|i| i.id == id)
            .map_or_else(|| format!("#{id}"), |i| i.name.clone())
    };
    let condition = |c: &Condition| -> String {
        let (field, value) = c.to_field();
        let label = BUILDER_FIELDS
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(field, |(_, l)| *l);
        let id = value.parse::<i64>().ok();
        let value = match (c, id) {
            (Condition::Group(g), _) => s
                .groups
                .iter()
                .find(|x| x.id == *g)
                .map_or_else(|| value.clone(), |x| x.name.clone()),
            (Condition::Tier(Some(t)), _) => s
                .tiers
                .iter()
                .find(|x| x.id == *t)
                .map_or_else(|| value.clone(), |x| x.name.clone()),
            (Condition::HasTag(t), _) => name_of(&s.tags, *t),
            (Condition::Manager(Some(m)), _) => name_of(&s.managers, *m),
            (Condition::Status(st), _) => st.label().to_owned(),
            _ => value.clone(),
        };
        format!("{label}: {value}")
    };
    fn walk(rule: &Rule, condition: &dyn Fn(&Condition) -> String) -> String {
        match rule {
            Rule::Is(c) => condition(c),
            Rule::Not(inner) => format!("not ({})", walk(inner, condition)),
            Rule::All(rules) if rules.is_empty() => "every partner".into(),
            Rule::Any(rules) if rules.is_empty() => "no partner".into(),
            Rule::All(rules) | Rule::Any(rules) => {
                let joiner = if matches!(rule, Rule::Any(_)) {
                    " or "
                } else {
                    " and "
                };
                let parts: Vec<String> = rules
                    .iter()
                    .map(|r| match r {
                        Rule::All(_) | Rule::Any(_) => format!("({})", walk(r, condition)),
                        _ => walk(r, condition),
                    })
                    .collect();
                parts.join(joiner)
            }
        }
    }
    walk(rule, &condition)
}

/// A saved rule the builder cannot show (saved through the API with deeper nesting).
#[component]
fn Unreadable(viewer: crate::dto::Viewer, segment: SegmentInfo) -> impl IntoView {
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>{format!("Segment {}", segment.name)}</h1>
            <p class="notice">
                "This segment's rule nests deeper than the builder shows, so it can only be changed through the API."
            </p>
            <pre class="rule">
                {serde_json::to_string_pretty(&segment.rule).unwrap_or_default()}
            </pre>
            <p>
                <a href="/vendor/segments">"Back to segments"</a>
            </p>
        </main>
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

fn next_key(counter: RwSignal<usize>) -> usize {
    let key = counter.get_untracked() + 1;
    counter.set(key);
    key
}

fn new_row(counter: RwSignal<usize>) -> Row {
    Row {
        key: next_key(counter),
        field: RwSignal::new("tag".into()),
        negate: RwSignal::new(false),
        value: RwSignal::new(String::new()),
    }
}

fn row_of(counter: RwSignal<usize>, c: &BuilderCondition) -> Row {
    let (field, value) = c.condition.to_field();
    Row {
        key: next_key(counter),
        field: RwSignal::new(field.to_owned()),
        negate: RwSignal::new(c.negate),
        value: RwSignal::new(value),
    }
}

/// The condition a row stands for; `None` while it is incomplete.
fn row_condition(row: &Row) -> Option<BuilderCondition> {
    Condition::from_field(&row.field.get(), &row.value.get()).map(|condition| BuilderCondition {
        negate: row.negate.get(),
        condition,
    })
}

#[component]
fn Builder(data: Data, editing: Option<i64>) -> impl IntoView {
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
    let editing = editing.and_then(|id| structure.segments.iter().find(|s| s.id == id).cloned());
    if let Some(segment) = &editing
        && BuilderForm::from_rule(&segment.rule).is_none()
    {
        return view! { <Unreadable viewer segment=segment.clone() /> }.into_any();
    }
    let title = match &editing {
        Some(s) => format!("Edit segment {}", s.name),
        None => "Build a segment".to_owned(),
    };
    let program_id = program.id;
    let its_partners = editing
        .as_ref()
        .map(|s| format!("/vendor/partners?program={program_id}&segment={}", s.id));
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>{title}</h1>
            <p class="muted">
                {format!(
                    "Partners of {} that match these conditions. Membership updates itself as partners change.",
                    program.name,
                )}
            </p>
            {its_partners
                .map(|href| {
                    view! {
                        <p>
                            <a href=href>"See its partners"</a>
                        </p>
                    }
                })}
            <RuleBuilder program=program_id structure editing can_edit />
        </main>
    }
    .into_any()
}

/// The rule's conditions and groups, edited in the browser, with a live count of the partners
/// that match and the form that saves it.
#[island]
fn RuleBuilder(
    program: i64,
    structure: Structure,
    editing: Option<SegmentInfo>,
    can_edit: bool,
) -> impl IntoView {
    let initial = editing
        .as_ref()
        .and_then(|s| BuilderForm::from_rule(&s.rule))
        .unwrap_or(BuilderForm {
            any: false,
            items: Vec::new(),
        });
    let counter = RwSignal::new(0usize);
    let any = RwSignal::new(initial.any);
    let mut initial_rows = Vec::new();
    let mut initial_groups = Vec::new();
    for item in &initial.items {
        match item {
            BuilderItem::Condition(c) => initial_rows.push(row_of(counter, c)),
            BuilderItem::Group { any, conditions } => initial_groups.push(Group {
                key: next_key(counter),
                any: RwSignal::new(*any),
                rows: RwSignal::new(conditions.iter().map(|c| row_of(counter, c)).collect()),
            }),
        }
    }
    let rows = RwSignal::new(initial_rows);
    let groups = RwSignal::new(initial_groups);
    let rule = Memo::new(move |_| {
        let mut items: Vec<BuilderItem> = rows
            .get()
            .iter()
            .filter_map(row_condition)
            .map(BuilderItem::Condition)
            .collect();
        for group in groups.get() {
            items.push(BuilderItem::Group {
                any: group.any.get(),
                conditions: group.rows.get().iter().filter_map(row_condition).collect(),
            });
        }
        BuilderForm {
            any: any.get(),
            items,
        }
        .to_rule()
    });
    let rule_json = Memo::new(move |_| serde_json::to_string(&rule.get()).unwrap_or_default());
    let program_id = program;
    let editing_id = editing.as_ref().map(|s| s.id);
    let initial_name = editing.as_ref().map(|s| s.name.clone()).unwrap_or_default();
    // Counted in the browser as the rule changes (the server's page says "Counting…"); an
    // answer to an older rule is dropped.
    let preview = RwSignal::new(None::<Result<SegmentPreview, crate::error::AppError>>);
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        let asked = StoredValue::new(0_u32);
        Effect::new(move |_| {
            let rule = rule_json.get();
            let ticket = asked.get_value() + 1;
            asked.set_value(ticket);
            leptos::task::spawn_local(async move {
                let counted = count(program_id, rule).await;
                if asked.get_value() == ticket {
                    preview.set(Some(counted));
                }
            });
        });
    }
    let structure = StoredValue::new(structure);
    view! {
        <section class="card builder" aria-label="Rule">
            <Combinator any label="Partners match" />
            <ul class="rows">
                <For each=move || rows.get() key=|r| r.key let:row>
                    <RowEditor
                        row
                        structure
                        on_remove=Callback::new(move |key: usize| {
                            rows.update(|v| v.retain(|r| r.key != key))
                        })
                    />
                </For>
            </ul>
            <For each=move || groups.get() key=|g| g.key let:group>
                <div class="group" role="group" aria-label=format!("Group {}", group.key)>
                    <Combinator any=group.any label="Within this group, partners match" />
                    <ul class="rows">
                        <For each=move || group.rows.get() key=|r| r.key let:row>
                            <RowEditor
                                row
                                structure
                                on_remove=Callback::new(move |key: usize| {
                                    group.rows.update(|v| v.retain(|r| r.key != key))
                                })
                            />
                        </For>
                    </ul>
                    <button
                        type="button"
                        class="secondary"
                        on:click=move |_| group.rows.update(|v| v.push(new_row(counter)))
                    >
                        "Add condition to group"
                    </button>
                    <button
                        type="button"
                        class="danger"
                        on:click=move |_| groups.update(|v| v.retain(|g| g.key != group.key))
                    >
                        "Remove group"
                    </button>
                </div>
            </For>
            <p class="inline">
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| rows.update(|v| v.push(new_row(counter)))
                >
                    "Add condition"
                </button>
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| {
                        let group = Group {
                            key: next_key(counter),
                            any: RwSignal::new(true),
                            rows: RwSignal::new(vec![new_row(counter)]),
                        };
                        groups.update(|v| v.push(group));
                    }
                >
                    "Add group"
                </button>
            </p>
        </section>
        <section class="card" aria-label="Preview">
            <h2>"Preview"</h2>
            {move || match preview.get() {
                None => view! { <p role="status">"Counting…"</p> }.into_any(),
                Some(Ok(p)) => {
                    view! {
                        <p role="status" class="preview-count">
                            {format!(
                                "{} partner{} match{}",
                                p.count,
                                if p.count == 1 { "" } else { "s" },
                                if p.count == 1 { "es" } else { "" },
                            )}
                        </p>
                        <ul class="plain preview">
                            {p
                                .sample
                                .into_iter()
                                .map(|name| view! { <li>{name}</li> })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
                Some(Err(e)) => {
                    view! {
                        <p role="alert" class="alert">
                            {e.message}
                        </p>
                    }
                        .into_any()
                }
            }}
        </section>
        {can_edit
            .then(|| {
                view! {
                    <section class="card">
                        <h2>"Save"</h2>
                        <form method="post" action=SaveSegment::PATH class="inline">
                            <input type="hidden" name="program" value=program_id />
                            {editing_id
                                .map(|id| view! { <input type="hidden" name="id" value=id /> })}
                            <input type="hidden" name="rule" prop:value=move || rule_json.get() />
                            <label for="segment-name">"Segment name"</label>
                            <input
                                id="segment-name"
                                name="name"
                                required
                                maxlength="80"
                                value=initial_name
                            />
                            <Submit label="Save segment" busy_text="Saving…" />
                        </form>
                    </section>
                }
            })}
    }
}

/// How many partners of `program` match `rule` (JSON), and a few of their names: the
/// preview server function, called the way the form sender calls the server (no typed client
/// of its own in the wasm).
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
async fn count(program: i64, rule: String) -> Result<SegmentPreview, crate::error::AppError> {
    use crate::forms::client;
    let body = client::body(&[("program", &program.to_string()), ("rule", &rule)]);
    client::call(crate::api::PreviewSegment::PATH, body).await
}

#[component]
fn Combinator(any: RwSignal<bool>, label: &'static str) -> impl IntoView {
    view! {
        <p class="inline">
            <label>
                {label} " "
                <select
                    on:change=move |ev| any.set(event_target_value(&ev) == "any")
                    prop:value=move || if any.get() { "any" } else { "all" }
                >
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
            <label class="visually-hidden" for=format!("field-{n}")>
                {format!("Field of condition {n}")}
            </label>
            <select
                id=format!("field-{n}")
                prop:value=move || row.field.get()
                on:change=move |ev| {
                    row.field.set(event_target_value(&ev));
                    row.value.set(String::new());
                }
            >
                {BUILDER_FIELDS
                    .iter()
                    .map(|(field, label)| {
                        view! {
                            <option value=*field selected=row.field.get_untracked() == *field>
                                {*label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <label class="visually-hidden" for=format!("negate-{n}")>
                {format!("Operator of condition {n}")}
            </label>
            <select
                id=format!("negate-{n}")
                prop:value=move || if row.negate.get() { "not" } else { "is" }
                on:change=move |ev| row.negate.set(event_target_value(&ev) == "not")
            >
                <option value="is">"is / has"</option>
                <option value="not">"is not / has not"</option>
            </select>
            <label class="visually-hidden" for=format!("value-{n}")>
                {format!("Value of condition {n}")}
            </label>
            {move || match value_options() {
                Some(options) => {
                    view! {
                        <select
                            id=format!("value-{n}")
                            prop:value=move || row.value.get()
                            on:change=move |ev| row.value.set(event_target_value(&ev))
                        >
                            <option value="">"Choose…"</option>
                            {options
                                .into_iter()
                                .map(|(value, label)| {
                                    let chosen = row.value.get_untracked() == value;
                                    view! {
                                        <option value=value selected=chosen>
                                            {label}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <input
                            id=format!("value-{n}")
                            type=input_type
                            value=row.value.get_untracked()
                            prop:value=move || row.value.get()
                            on:input=move |ev| row.value.set(event_target_value(&ev))
                        />
                    }
                        .into_any()
                }
            }}
            <button
                type="button"
                class="danger"
                aria-label=format!("Remove condition {n}")
                on:click=move |_| on_remove.run(n)
            >
                "Remove"
            </button>
        </li>
    }
}
