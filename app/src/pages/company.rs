//! `/vendor/company`: the company's name, brand colour, logo and support address: what its
//! partners see in their header and on the signup page.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{SaveCompanySettings, fetch_company_settings};
use crate::components::{FieldError, Submit, TopBar, data_page};
use crate::dto::CompanySettingsPage as Data;

const TITLE: &str = "Company settings";

#[component]
pub fn CompanyPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| fetch_company_settings());
    data_page(TITLE, data, move |data| {
        view! { <CompanySettings data /> }.into_any()
    })
}

#[component]
fn CompanySettings(data: Data) -> impl IntoView {
    let Data { viewer, settings } = data;
    let save = ServerAction::<SaveCompanySettings>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let text = |value: Option<String>| value.unwrap_or_default();
    view! {
        <TopBar viewer />
        <main id="main" class="page narrow">
            <h1>{TITLE}</h1>
            <p class="muted">
                "Your partners see these in the header of their pages and on your programs' signup pages."
            </p>
            <form method="post" action=SaveCompanySettings::PATH class="card form" aria-label=TITLE>
                <label for="co-name">"Company name"</label>
                <input
                    id="co-name"
                    name="name"
                    value=settings.name
                    required
                    maxlength="100"
                    autocomplete="organization"
                />
                <FieldError error name="name" />
                <label for="co-color">"Brand colour"</label>
                <input
                    id="co-color"
                    name="brand_color"
                    value=text(settings.brand_color)
                    maxlength="7"
                    placeholder="#1d4ed8"
                    aria-describedby="co-color-note"
                    autocomplete="off"
                />
                <p id="co-color-note" class="muted">
                    "# and six hexadecimal digits. Buttons on your partners' pages take it, with white or dark text, whichever reads better. Empty: the portal's own."
                </p>
                <FieldError error name="brand_color" />
                <label for="co-logo">"Logo address"</label>
                <input
                    id="co-logo"
                    name="logo_url"
                    type="url"
                    value=text(settings.logo_url)
                    maxlength="500"
                    placeholder="https://www.example.com/logo.png"
                    aria-describedby="co-logo-note"
                />
                <p id="co-logo-note" class="muted">
                    "An https:// image, shown about 28 pixels high."
                </p>
                <FieldError error name="logo_url" />
                <label for="co-support">"Support email"</label>
                <input
                    id="co-support"
                    name="support_email"
                    type="email"
                    value=text(settings.support_email)
                    maxlength="320"
                    placeholder="partners@example.com"
                    aria-describedby="co-support-note"
                />
                <p id="co-support-note" class="muted">
                    "Partners find it behind Help in their header."
                </p>
                <FieldError error name="support_email" />
                <Submit label="Save company settings" busy_text="Saving…" />
            </form>
        </main>
    }
}
