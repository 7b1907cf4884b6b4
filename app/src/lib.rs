//! The portal's Leptos application: routes, pages and server functions. The request context
//! server functions start from lives in [`server`] behind the `ssr` feature; the SQL is in the
//! `store` crate.

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod forms;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

pub use wire::{dto, error};

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::headers::use_request_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.ico" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| format!("{page} · Partner portal") />
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/") view=pages::home::Home />
                <Route path=path!("/login") view=pages::login::LoginPage />
                // Pages with data render whole on the server (no streamed fragments), so they
                // read the same before hydration and without JavaScript.
                <Route
                    path=path!("/workspaces")
                    view=pages::workspaces::WorkspacesPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor")
                    view=pages::vendor::VendorOverviewPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/partner")
                    view=pages::partner::PartnerDashboardPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/partner/team") view=pages::team::TeamPage ssr=SsrMode::Async />
                <Route
                    path=path!("/partner/leads")
                    view=pages::leads::PartnerLeadsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/partner/customers")
                    view=pages::leads::PartnerCustomersPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/leads")
                    view=pages::leads::VendorLeadsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/customers")
                    view=pages::leads::VendorCustomersPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/customers/:id")
                    view=pages::deals::CustomerDetailPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/deals")
                    view=pages::deals::VendorDealsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/offers")
                    view=pages::offers::OffersPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/transactions")
                    view=pages::transactions::VendorTransactionsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/rewards")
                    view=pages::money::VendorRewardsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/rewards/:id")
                    view=pages::money::VendorRewardPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/payouts")
                    view=pages::money::VendorPayoutsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/emails")
                    view=pages::emails::OutboxPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/emails/templates")
                    view=pages::email_templates::EmailTemplatesPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/triggers")
                    view=pages::triggers::TriggersPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/triggers/new")
                    view=pages::triggers::TriggerPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/triggers/:id")
                    view=pages::triggers::TriggerPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/notifications")
                    view=pages::notifications::NotificationsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/webhooks")
                    view=pages::webhooks::WebhooksPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/webhooks/:id")
                    view=pages::webhooks::WebhookPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/api-keys")
                    view=pages::api_keys::ApiKeysPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/partner/earnings")
                    view=pages::money::PartnerEarningsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/partner/rewards/:id")
                    view=pages::money::PartnerRewardPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/partner/deals")
                    view=pages::deals::PartnerDealsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/partners")
                    view=pages::partners::PartnersPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/structure")
                    view=pages::structure::StructurePage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/segments")
                    view=pages::segments::SegmentsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/segments/new")
                    view=pages::segments::SegmentBuilderPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/segments/:id")
                    view=pages::segments::SegmentBuilderPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/profile") view=pages::profile::ProfilePage ssr=SsrMode::Async />
                <Route
                    path=path!("/vendor/program")
                    view=pages::program::ProgramSettingsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/partners/:id")
                    view=pages::partner_detail::PartnerDetailPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/teammates")
                    view=pages::teammates::TeammatesPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/vendor/applications")
                    view=pages::applications::ApplicationsPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/invite/:token")
                    view=pages::invite::InvitePage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/set-password/:token")
                    view=pages::set_password::SetPasswordPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/reset-password/:token")
                    view=pages::set_password::ResetPasswordPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/forgot-password")
                    view=pages::set_password::ForgotPasswordPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/verify-email/:token")
                    view=pages::verify_email::VerifyEmailPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/join/:slug") view=pages::join::JoinPage ssr=SsrMode::Async />
                <Route path=path!("/setup") view=pages::setup::SetupPage ssr=SsrMode::Async />
                <Route
                    path=path!("/vendor/company")
                    view=pages::company::CompanyPage
                    ssr=SsrMode::Async
                />
            </Routes>
        </Router>
        <forms::FormSender />
    }
}
