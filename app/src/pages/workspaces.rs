use domain::workspace::Membership;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::api::{SelectWorkspace, workspace_choices};
use crate::components::{ErrorPage, Loading, TopBar};

/// `/workspaces`: for users who are teammates and/or contacts in more than one place.
#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let choices = Resource::new(|| (), |_| workspace_choices());
    view! {
        <Title text="Choose a workspace" />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match choices.await {
                    Ok(choice) => {
                        let empty = choice.memberships.is_empty();
                        view! {
                            <TopBar viewer=choice.viewer />
                            <main id="main" class="page narrow">
                                <h1>"Choose a workspace"</h1>
                                <p class="muted">
                                    {format!("Signed in as {} ({})", choice.name, choice.email)}
                                </p>
                                {empty
                                    .then(|| {
                                        view! {
                                            <p class="empty">
                                                "Your account is not a teammate of any company or a contact in any partner team yet. Ask the person who invited you to add you."
                                            </p>
                                        }
                                    })}
                                <ul class="choices">
                                    {choice
                                        .memberships
                                        .into_iter()
                                        .map(|membership| view! { <Choice membership /> })
                                        .collect_view()}
                                </ul>
                            </main>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Choice(membership: Membership) -> impl IntoView {
    let (kind_label, role) = match &membership {
        Membership::Teammate { role, .. } => ("Vendor", role.label()),
        Membership::Contact { role, .. } => ("Partner team", role.label()),
    };
    let name = membership.name().to_owned();
    view! {
        <li class="card">
            <form method="post" action=SelectWorkspace::PATH>
                <input type="hidden" name="kind" value=membership.kind().as_str() />
                <input type="hidden" name="id" value=membership.workspace_id() />
                <p>
                    <strong>{name.clone()}</strong>
                    <span class="muted">{format!(" · {kind_label} · {role}")}</span>
                </p>
                <button type="submit" data-busy="Opening…">
                    {format!("Open {name}")}
                </button>
            </form>
        </li>
    }
}
