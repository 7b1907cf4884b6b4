//! What server functions return to the browser. Money is minor units plus the currency code;
//! the browser formats it with `domain::money` so server and browser render the same text.
//!
//! Statuses, stages, roles and sources are the domain's enums. Those marked
//! `#[serde(with = "crate::stored")]` cross the wire by their stored name (`"active"`,
//! `"closed_won"`), as they did when they were strings; the others by their serde derive.
//! Role and kind fields that carry display labels ("Partner team owner", "Agency") stay text.

use domain::customer::{CustomerSource, CustomerStatus};
use domain::ledger::PayoutStatus;
use domain::link::ReviewStatus;
use domain::partnership::PartnershipStatus;
use domain::permissions::{ContactRole, TeammateRole};
use domain::reward::RewardStatus;
use domain::workspace::Membership;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub name: String,
    pub email: String,
    /// The name of the company or partner team the viewer is acting in.
    pub workspace_name: String,
    /// More than one membership: the header offers to switch.
    pub can_switch: bool,
    /// The programs of the workspace, for the header's program switcher: a company's programs,
    /// or the programs a partner team is in ("Program — Vendor").
    pub programs: Vec<ProgramChoice>,
    /// The program the page shows.
    pub program: Option<i64>,
    /// Notifications of the workspace not read yet.
    pub unread: i64,
    /// The side and role the viewer acts in; `None` before a workspace is chosen.
    pub seat: Option<domain::navigation::Seat>,
    /// What the viewer's last change did, said once on the page that follows it.
    pub notice: Option<String>,
    /// On the partner side: the vendor of the program shown, as it presents itself.
    pub brand: Option<Brand>,
}

/// `/vendor/company`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanySettingsPage {
    pub viewer: Viewer,
    pub settings: domain::company::Branding,
}

/// A vendor as its partners see it (its company settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brand {
    pub vendor: String,
    /// `#rrggbb`, and the text colour that reads on it.
    pub color: Option<(String, String)>,
    pub logo_url: Option<String>,
    pub support_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramChoice {
    pub id: i64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: String,
}

impl Money {
    pub fn new(minor: i64, currency: &str) -> Self {
        Self {
            minor,
            currency: currency.to_owned(),
        }
    }

    pub fn display(&self) -> String {
        domain::money::format_stored(self.minor, &self.currency)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramSummary {
    pub id: i64,
    pub name: String,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorKpis {
    pub active_partners: i64,
    pub open_leads: i64,
    pub open_deals: i64,
    /// `None` when the teammate's role does not see money.
    pub rewards_pending: Option<Money>,
    pub payouts_requested: Option<Money>,
    pub payouts_requested_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerRow {
    pub partnership_id: i64,
    pub partner_team: String,
    pub kind: String,
    #[serde(with = "crate::stored")]
    pub status: PartnershipStatus,
    pub group: String,
    pub tier: Option<String>,
    pub partner_key: String,
    pub joined_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorOverview {
    pub viewer: Viewer,
    pub role: TeammateRole,
    pub company: String,
    /// The program shown; `None` when the company has no program yet.
    pub program: Option<ProgramSummary>,
    pub kpis: Option<VendorKpis>,
    pub partners: Vec<PartnerRow>,
    /// The keyset cursor of the next page of partners, when there is one.
    pub next_partners_after: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarningsDto {
    pub available: Money,
    pub pending: Money,
    pub lifetime_paid: Money,
    pub minimum_cashout: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipCard {
    pub partnership_id: i64,
    pub program: String,
    pub vendor: String,
    #[serde(with = "crate::stored")]
    pub status: PartnershipStatus,
    pub group: String,
    pub tier: Option<String>,
    pub partner_key: String,
    /// Why the vendor rejected the application, shown to the partner.
    pub rejection_reason: Option<String>,
    pub terms: String,
    /// Progress toward the next tier, when there is one with a rule that can be measured.
    pub tier_progress: Option<TierProgress>,
    /// Set while the partnership is below its own tier's rule: when it will move down.
    pub tier_warning: Option<String>,
    /// The latest tier changes, newest first, with their reasons.
    pub tier_changes: Vec<TierChangeView>,
    /// `None` when the contact's role does not see earnings.
    pub earnings: Option<EarningsDto>,
    /// The links the contact may share (their own; the team's for owners and admins).
    pub links: Vec<LinkView>,
    /// Whether the contact may make links, and team links.
    pub can_make_links: bool,
    pub can_make_team_links: bool,
    /// May end the partnership from the team's side (`ContactPermission::LeavePrograms`).
    pub can_leave: bool,
    /// Where links without their own destination go ("" when the vendor set none yet).
    pub default_destination: String,
    /// The latest customers credited to the partnership.
    pub recent_customers: Vec<CustomerRow>,
}

/// A referral link as its partner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    pub id: i64,
    pub name: String,
    /// The address to share (`https://portal/r/<key>`).
    pub url: String,
    /// The link's own destination; `None`: the program's default.
    pub destination: Option<String>,
    /// The contact whose link it is; `None`: the team's.
    pub owner: Option<String>,
    pub clicks: i64,
    pub signups: i64,
    /// `false`: turned off; its address answers "not found".
    pub enabled: bool,
}

impl LinkView {
    /// How the link is named in lists ([`domain::link::link_label`]).
    pub fn label(&self) -> String {
        domain::link::link_label(&self.name, self.owner.as_deref())
    }
}

/// A link after it was turned off or on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkState {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerDashboard {
    pub viewer: Viewer,
    pub role: ContactRole,
    pub team: String,
    pub team_kind: String,
    pub partnerships: Vec<PartnershipCard>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceChoice {
    pub viewer: Viewer,
    pub name: String,
    pub email: String,
    pub memberships: Vec<Membership>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeammateRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: TeammateRole,
    pub joined_at: i64,
    pub is_you: bool,
    /// The groups a partner manager is restricted to (empty: every group).
    pub groups: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub invited_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeammatesPage {
    pub viewer: Viewer,
    pub company: String,
    pub can_manage: bool,
    /// The roles the viewer may give (empty when they cannot manage teammates).
    pub assignable_roles: Vec<TeammateRole>,
    pub teammates: Vec<TeammateRow>,
    pub invites: Vec<InviteRow>,
    /// Every group of the company's programs ("Program · Group"), for restrictions.
    pub all_groups: Vec<Named>,
    /// The link of the invite the form just made, shown this once.
    pub invite_link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteCreated {
    pub email: String,
    /// The link to share until email sending is configured.
    pub link: String,
}

/// A set-password link, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordLinkInfo {
    pub email: String,
    pub name: String,
    /// Why the link cannot be used, when it cannot.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteInfo {
    /// "Acme Analytics" or "Northwind Agency".
    pub workspace_name: String,
    /// "teammate" or "partner contact".
    pub joining_as: String,
    pub role: String,
    pub email: String,
    /// Why the invite cannot be accepted, when it cannot.
    pub problem: Option<String>,
    /// The email of whoever is signed in on this browser: the page offers them a one-click
    /// accept when it is the invited one. Whether the invited email has an account is never
    /// said.
    pub signed_in_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinInfo {
    pub program: String,
    pub company: String,
    pub signup_mode: domain::program::SignupMode,
    pub terms: String,
    /// Whom the invite in the link is for, when it is good.
    pub invite_email: Option<String>,
    /// Why the invite in the link cannot be used.
    pub invite_problem: Option<String>,
    /// The signed-in partner contact's team, when they may join with it.
    pub your_team: Option<YourTeam>,
    /// How the vendor shows itself.
    pub brand: Brand,
}

/// `/verify-email/<token>`: the signup a confirmation link finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupLinkInfo {
    pub program: String,
    pub email: String,
    pub team: String,
    /// Why the link cannot be used, when it cannot.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YourTeam {
    pub name: String,
    pub already_in: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationRow {
    pub partnership_id: i64,
    pub partner_team: String,
    pub kind: String,
    pub website: Option<String>,
    pub country: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub applied_at: i64,
    /// The group it applied into (the program's default group), which approval may change.
    pub group_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationsPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub can_decide: bool,
    pub applications: Vec<ApplicationRow>,
    pub next_after: Option<i64>,
    /// Pending partner invites of the program (for those who decide applications).
    pub invites: Vec<InviteRow>,
    /// The link of the invite the form just made, shown this once.
    pub invite_link: Option<String>,
    /// The groups an approval or an invite may place a partner in (a restricted manager's
    /// own); empty for those who do not decide.
    pub groups: Vec<Named>,
    /// An invite must name one of `groups` (a partner manager bound to groups).
    pub group_required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: ContactRole,
    pub joined_at: i64,
    pub is_you: bool,
    /// The contact's own referral code: their links, leads and deals count to them.
    pub referral_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub viewer: Viewer,
    pub team: String,
    pub your_role: ContactRole,
    pub can_manage: bool,
    pub can_transfer: bool,
    pub assignable_roles: Vec<ContactRole>,
    pub contacts: Vec<ContactRow>,
    pub invites: Vec<InviteRow>,
    /// The link of the invite the form just made, shown this once.
    pub invite_link: Option<String>,
    pub profile: TeamProfile,
    /// May edit the profile (`ContactPermission::EditTeamProfile`).
    pub can_edit_profile: bool,
}

/// What a partner team says of itself, which its vendors see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamProfile {
    pub name: String,
    /// `None` for an older free-text type the form asks to choose again.
    #[serde(with = "crate::stored::option")]
    pub partner_type: Option<domain::program::PartnerType>,
    pub website: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub id: i64,
    pub name: String,
    pub is_default: bool,
    pub partners: i64,
    /// What partners in the group answer when they register a lead.
    pub lead_fields: Vec<domain::lead_fields::LeadField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierInfo {
    pub id: i64,
    pub name: String,
    pub rank: i64,
    pub rule: Option<domain::tier::TierRule>,
    pub benefits: domain::tier::TierBenefits,
    pub partners: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentInfo {
    pub id: i64,
    pub name: String,
    pub rule: domain::segment::Rule,
}

/// The program's structure: what filters, bulk actions and the rule builder choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Structure {
    pub groups: Vec<GroupInfo>,
    pub tiers: Vec<TierInfo>,
    pub tags: Vec<Named>,
    pub segments: Vec<SegmentInfo>,
    pub managers: Vec<Named>,
}

impl Structure {
    /// Groups, tiers and segments as `(id, name)` choices for selects.
    pub fn group_choices(&self) -> Vec<Named> {
        self.groups
            .iter()
            .map(|g| Named {
                id: g.id,
                name: g.name.clone(),
            })
            .collect()
    }

    pub fn tier_choices(&self) -> Vec<Named> {
        self.tiers
            .iter()
            .map(|t| Named {
                id: t.id,
                name: t.name.clone(),
            })
            .collect()
    }

    pub fn segment_choices(&self) -> Vec<Named> {
        self.segments
            .iter()
            .map(|s| Named {
                id: s.id,
                name: s.name.clone(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerListRow {
    pub partnership_id: i64,
    pub partner_team: String,
    pub kind: String,
    pub country: Option<String>,
    #[serde(with = "crate::stored")]
    pub status: PartnershipStatus,
    pub group: String,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    pub manager: Option<String>,
    pub joined_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnersPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub structure: Structure,
    pub can_bulk_edit: bool,
    pub rows: Vec<PartnerListRow>,
    /// Keyset cursor of the next page.
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResult {
    pub changed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructurePage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub structure: Option<Structure>,
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentPreview {
    pub count: i64,
    pub sample: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilePage {
    pub viewer: Viewer,
    pub name: String,
    pub email: String,
    /// The partner team whose payout details the viewer sees, when in a partner workspace.
    pub payout: Option<PayoutView>,
    /// The emails the viewer may turn off (for the side of the portal they act on), and
    /// whether they receive each.
    pub emails: Vec<EmailChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailChoice {
    pub kind: String,
    pub label: String,
    pub receive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutView {
    pub team: String,
    pub can_edit: bool,
    pub method: Option<String>,
    /// Only the last four characters.
    pub masked_details: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramForm {
    pub id: Option<i64>,
    pub name: String,
    pub slug: String,
    pub currency: String,
    pub attribution_window_days: i64,
    pub hold_days: i64,
    /// The minimum cashout as the teammate types it ("50.00").
    pub min_cashout: String,
    pub signup_mode: domain::program::SignupMode,
    pub allowed_domains: String,
    pub terms: String,
    pub deal_protection_days: u32,
    pub tier_grace_days: i64,
    /// Days without a payment after which a paying customer churned.
    pub churn_days: i64,
    pub customer_emails_visible: bool,
    pub default_destination: String,
    pub link_param_partner: String,
    pub link_param_click: String,
    pub attribution_model: domain::link::AttributionModel,
    /// The tracking snippet to paste, with the program's public key (existing programs).
    pub snippet: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramSettingsPage {
    pub viewer: Viewer,
    pub form: ProgramForm,
    pub can_edit: bool,
    /// Owners, admins and technical teammates save the link and tracking settings.
    pub can_edit_tracking: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub actor: Option<String>,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerDetail {
    pub viewer: Viewer,
    pub partnership_id: i64,
    pub program: String,
    pub partner_team: String,
    pub kind: String,
    pub website: Option<String>,
    pub country: Option<String>,
    pub partner_key: String,
    #[serde(with = "crate::stored")]
    pub status: PartnershipStatus,
    pub rejection_reason: Option<String>,
    pub group: String,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    pub manager: Option<String>,
    pub joined_at: i64,
    pub contacts: Vec<ContactRow>,
    pub history: Vec<HistoryEntry>,
    pub notes: String,
    pub can_edit_notes: bool,
    /// May suspend, reactivate, archive and unarchive (`Permission::ManagePartners`).
    pub can_change_status: bool,
    pub program_id: i64,
    pub group_id: i64,
    pub tier_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub tag_ids: Vec<i64>,
    /// The program's groups, tiers, tags and managers, when the viewer may change them here.
    pub choices: Option<Structure>,
    /// The viewer may pass leads to this (active) partner.
    pub can_pass_leads: bool,
    /// The team's referral links, with their clicks and signups.
    pub links: Vec<LinkView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierProgress {
    pub next_tier: String,
    /// "Closed-won deal revenue in the last 90 days".
    pub metric: String,
    pub value: String,
    pub threshold: String,
    pub remaining: String,
    pub percent: u8,
}

/// A tier change as partners and teammates read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierChangeView {
    pub date: String,
    /// "Promoted to Gold".
    pub title: String,
    pub from: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadRow {
    pub id: i64,
    pub company: String,
    pub contact_name: String,
    pub email: String,
    pub domain: Option<String>,
    pub status: domain::lead::LeadStatus,
    /// Why it was rejected or declined; the partner sees it.
    pub reason: Option<String>,
    pub partner_team: String,
    /// The contact who registered it.
    pub registered_by: Option<String>,
    /// What it collided with at registration (teammates only).
    pub conflict: Option<String>,
    pub created_at: i64,
    /// The customer it became.
    pub customer: Option<String>,
    /// The lead's passes, oldest first (teammates only).
    pub passes: Vec<String>,
    /// Answers to the group's custom lead fields, as (label, value).
    pub custom: Vec<(String, String)>,
}

/// `/partner/leads`: register leads and follow them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerLeadsPage {
    pub viewer: Viewer,
    /// The program leads go to; `None` when the team is in no program.
    pub program: Option<String>,
    /// Only active partnerships register leads.
    pub can_register: bool,
    /// Owners and admins see the team's leads; others their own.
    pub whole_team: bool,
    /// The group's custom questions the registration form asks.
    pub lead_fields: Vec<domain::lead_fields::LeadField>,
    pub leads: Vec<LeadRow>,
    pub next: Option<i64>,
}

/// `/vendor/leads`: the program's leads to decide on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorLeadsPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub status: Option<domain::lead::LeadStatus>,
    pub can_decide: bool,
    pub leads: Vec<LeadRow>,
    pub next: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    /// Masked for partners.
    pub email: Option<String>,
    #[serde(with = "crate::stored")]
    pub source: CustomerSource,
    #[serde(with = "crate::stored")]
    pub status: CustomerStatus,
    pub attributed_at: Option<i64>,
}

/// `/partner/customers`: the customers attributed to the team in the current program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerCustomersPage {
    pub viewer: Viewer,
    pub program: Option<String>,
    pub emails_masked: bool,
    pub customers: Vec<CustomerRow>,
    pub next: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorCustomerRow {
    pub id: i64,
    pub name: String,
    pub external_key: String,
    pub email: Option<String>,
    pub domain: Option<String>,
    /// The partner team it is attributed to, if any.
    pub partner_team: Option<String>,
    #[serde(with = "crate::stored")]
    pub source: CustomerSource,
    #[serde(with = "crate::stored")]
    pub status: CustomerStatus,
    pub attributed_at: Option<i64>,
    /// `pending` while a self-referral waits for a teammate, then `approved` / `rejected`.
    #[serde(with = "crate::stored::option")]
    pub review_status: Option<ReviewStatus>,
}

/// `/vendor/customers`: the program's customers and their attribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorCustomersPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub q: String,
    pub status: Option<domain::customer::CustomerStatus>,
    pub source: Option<domain::customer::CustomerSource>,
    pub customers: Vec<VendorCustomerRow>,
    pub next: Option<i64>,
}

/// One deal as a pipeline shows it; amounts are formatted in the program's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealRow {
    pub id: i64,
    pub company: String,
    pub domain: Option<String>,
    pub amount: String,
    pub amount_minor: i64,
    pub currency: String,
    pub motion: domain::deal::DealMotion,
    pub stage: domain::deal::DealStage,
    pub expected_close_at: Option<i64>,
    pub partner_team: String,
    /// The contact who registered it.
    pub registered_by: Option<String>,
    /// The vendor's rep on a co-sell deal.
    pub rep: Option<String>,
    pub rep_user_id: Option<i64>,
    /// Resell: what the partner buys at, and the discount it came from ("12.5%").
    pub buy_price: Option<String>,
    pub discount: Option<String>,
    /// Resell, teammates only: the amount less the buy price.
    pub margin: Option<String>,
    /// Why it was rejected; the partner sees it.
    pub reason: Option<String>,
    /// What it collided with at registration (teammates only).
    pub conflict: Option<String>,
    /// Until when the partner's protection lasts, and whether it still does.
    pub protected_until: Option<i64>,
    pub protected: bool,
    pub customer: Option<String>,
    pub customer_id: Option<i64>,
    pub notes: String,
    pub created_at: i64,
    /// Who did what to the deal, oldest first; both sides see it.
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: i64,
    pub text: String,
}

/// One stage of a pipeline: its deals (one page) and their count and total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageColumn {
    pub stage: domain::deal::DealStage,
    pub count: usize,
    pub total: String,
    pub deals: Vec<DealRow>,
    /// The cursor of this stage's next page.
    pub next: Option<i64>,
}

/// The filters a vendor pipeline was asked for, to show them back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealFilters {
    pub partner: String,
    pub motion: Option<domain::deal::DealMotion>,
    pub rep: Option<i64>,
    /// Only this stage (paging through one stage).
    pub stage: Option<domain::deal::DealStage>,
}

/// `/vendor/deals`: the program's pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorDealsPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub filters: DealFilters,
    /// Teammates who can be a co-sell deal's rep (user id, name).
    pub reps: Vec<Named>,
    pub can_manage: bool,
    pub stages: Vec<StageColumn>,
}

/// `/partner/deals`: register deals and follow the team's (or one's own) pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerDealsPage {
    pub viewer: Viewer,
    pub program: Option<String>,
    pub currency: Option<String>,
    pub can_register: bool,
    pub whole_team: bool,
    pub stage: Option<domain::deal::DealStage>,
    pub stages: Vec<StageColumn>,
}

/// `/vendor/customers/:id`: one customer, its attribution and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetailPage {
    pub viewer: Viewer,
    pub customer: VendorCustomerRow,
    pub program: String,
    pub partner_id: Option<i64>,
    /// The leads that became this customer ("Lead from Northwind Agency, converted").
    pub leads: Vec<TimelineEntry>,
    pub deals: Vec<DealRow>,
    pub history: Vec<TimelineEntry>,
    /// Click -> signup -> partner, with times, when the customer came through a link.
    pub journey: Vec<TimelineEntry>,
    /// The partner team a held self-referral would go to.
    pub held_for: Option<String>,
    pub can_review: bool,
}

/// One row of a leads import as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub company: String,
    pub email: String,
    pub partner_key: Option<String>,
    /// Empty when the row can be imported.
    pub errors: Vec<String>,
    /// What the lead would collide with (teammates' previews only).
    pub conflict: Option<String>,
}

/// A leads import: the preview of every row, or how many were written when confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub rows: Vec<ImportRow>,
    pub valid: usize,
    pub invalid: usize,
    /// Set once the import is confirmed and written (all rows, or none).
    pub imported: Option<usize>,
}

/// An active partner a teammate might pass a lead to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerSuggestion {
    pub partnership_id: i64,
    pub team: String,
    pub partner_key: String,
    pub partner_type: String,
    pub country: Option<String>,
    pub tier: Option<String>,
}

/// The filters of a suggestion and what matched, best tier first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerSuggestions {
    pub country: String,
    pub partner_type: Option<domain::program::PartnerType>,
    pub tier: Option<i64>,
    pub tiers: Vec<Named>,
    pub partners: Vec<PartnerSuggestion>,
}

/// One version of an offer, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferVersionRow {
    pub version: u32,
    pub effective_from: String,
    pub summary: String,
    pub target: String,
    pub limits: String,
    pub created_by: String,
}

/// The fields of an offer's form, as saved last (to start the next version from).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferFormValues {
    pub name: String,
    pub event: String,
    pub payout_kind: String,
    pub payout_value: String,
    /// The chosen target values (`everyone`, `group:ID`…).
    pub target: Vec<String>,
    pub first_months: String,
    pub cap_per_customer: String,
    pub min_amount: String,
    pub product_keys: String,
    /// (tier id, tier name, its own rate as typed; empty for none), for every program tier.
    pub tier_overrides: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRow {
    pub id: i64,
    pub name: String,
    #[serde(with = "crate::stored")]
    pub event: domain::offer::OfferEvent,
    /// Newest first.
    pub versions: Vec<OfferVersionRow>,
    pub form: OfferFormValues,
}

/// What saving an offer's form did: saved a version, or (the Simulate button) replayed past
/// events through it without saving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferOutcome {
    pub saved: Option<i64>,
    pub simulation: Option<OfferSimulation>,
}

/// A draft offer replayed over the last `days`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferSimulation {
    /// The offer whose form ran it (`None`: the new-offer form).
    pub offer: Option<i64>,
    pub days: i64,
    pub events: u32,
    /// More events happened than one run replays; the totals cover the oldest ones.
    pub truncated: bool,
    /// Partners with an event or a reward in the window (the table lists the largest).
    pub partners: u32,
    pub rows: Vec<SimulationRow>,
    pub total_would_earn: Money,
    pub total_earned: Money,
    /// Whether "earned" is the edited offer's actual rewards (false for a new offer).
    pub compared: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationRow {
    pub partner: String,
    pub events: u32,
    pub rewards: u32,
    pub would_earn: Money,
    pub earned: Money,
    pub difference: Money,
}

/// `/vendor/offers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffersPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub offers: Vec<OfferRow>,
    /// (form value, label) of everyone, each group, tier and segment.
    pub targets: Vec<(String, String)>,
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
}

/// `/vendor/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub keys: Vec<ApiKeyRow>,
    /// The key made by the form just sent, shown this once.
    pub new_key: Option<String>,
}

/// A key just made: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub name: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardRow {
    pub id: i64,
    pub partner: String,
    pub amount: Money,
    #[serde(with = "crate::stored")]
    pub status: RewardStatus,
    pub on_hold: bool,
    pub in_payout: bool,
    pub description: String,
    pub created_at: String,
    pub available_at: String,
    pub decline_reason: Option<String>,
    /// It takes back part of an earlier reward after a refund.
    pub clawback: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutRow {
    pub id: i64,
    pub partner: String,
    pub amount: Money,
    #[serde(with = "crate::stored")]
    pub status: PayoutStatus,
    pub method: String,
    pub details: String,
    pub reference: Option<String>,
    pub reason: Option<String>,
    pub created_at: String,
    pub rewards: i64,
}

/// `/vendor/rewards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorRewardsPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    #[serde(with = "crate::stored::option")]
    pub status: Option<domain::reward::RewardState>,
    pub rewards: Vec<RewardRow>,
    /// The id to pass as `after` for the next page.
    pub next: Option<i64>,
    pub can_review: bool,
}

/// `/vendor/payouts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorPayoutsPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    #[serde(with = "crate::stored::option")]
    pub status: Option<PayoutStatus>,
    pub payouts: Vec<PayoutRow>,
    pub next: Option<i64>,
    pub can_process: bool,
    pub can_export: bool,
}

/// A transaction as the transactions page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionRow {
    pub id: i64,
    pub transaction_key: String,
    pub customer: String,
    pub customer_key: String,
    pub amount: Money,
    pub product_key: Option<String>,
    /// The transaction key a refund gives money back of.
    pub refunds: Option<String>,
    pub occurred_on: String,
    pub partner_key: Option<String>,
    /// `api` or `manual`.
    pub source: String,
}

/// `/vendor/transactions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorTransactionsPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub transactions: Vec<TransactionRow>,
    pub next: Option<i64>,
    pub can_record: bool,
    /// New with every load: the record form sends it, so a form sent twice records once.
    pub form_key: String,
}

/// `/partner/earnings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerEarningsPage {
    pub viewer: Viewer,
    pub program: Option<String>,
    /// The team's sums (owner and finance contacts only).
    pub earnings: Option<EarningsDto>,
    pub can_cash_out: bool,
    pub has_payout_details: bool,
    /// Whether `rewards` are the team's (else the contact's own).
    pub whole_team: bool,
    pub rewards: Vec<RewardRow>,
    pub next: Option<i64>,
    pub payouts: Vec<PayoutRow>,
}

/// "Why did I get this?": a reward and the steps that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardExplanation {
    pub viewer: Viewer,
    pub reward: RewardRow,
    pub source: String,
    pub steps: Vec<String>,
    pub rounding: String,
    pub clawback_of: Option<i64>,
    pub payout: Option<(i64, String)>,
    pub can_review: bool,
}

/// One message in the outbox (`/vendor/emails`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEmail {
    pub id: i64,
    pub to: String,
    pub kind: String,
    pub subject: String,
    /// The plain-text part; `None` when it holds a link that acts for its recipient (an
    /// invite's).
    pub text: Option<String>,
    #[serde(with = "crate::stored")]
    pub status: domain::email::EmailStatus,
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// `/vendor/emails`: the company's outbox, newest first, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxPage {
    pub viewer: Viewer,
    /// An SMTP server is configured: queued messages go out on their own.
    pub sending: bool,
    pub emails: Vec<OutboxEmail>,
    /// The `before` of the next (older) page, when there is one.
    pub older: Option<i64>,
}

/// A trigger's form values, as typed (or as saved, to edit).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TriggerFormValues {
    pub name: String,
    pub event: String,
    pub segment: String,
    pub min_amount: String,
    pub product_key: String,
    pub deal_stage: String,
    pub deal_motion: String,
    pub reward_kind: String,
    pub reward_value: String,
    pub reward_description: String,
    pub add_tag: String,
    pub remove_tag: String,
    pub move_group: String,
    pub set_tier: String,
    pub email_subject: String,
    pub email_body: String,
    pub call_webhook: String,
}

/// One trigger in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerRow {
    pub id: i64,
    pub name: String,
    /// "When a transaction was recorded of at least $1,000.00: add tag VIP, email the partner".
    pub summary: String,
    pub enabled: bool,
    pub last_run: Option<String>,
}

/// What the trigger form offers to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TriggerChoices {
    /// (value, label) of each event a trigger can start on.
    pub events: Vec<(String, String)>,
    pub segments: Vec<Named>,
    pub tags: Vec<Named>,
    pub groups: Vec<Named>,
    pub tiers: Vec<Named>,
    /// The program's webhook endpoints (named by URL).
    pub webhooks: Vec<Named>,
    /// (value, label) of the deal stages and motions.
    pub deal_stages: Vec<(String, String)>,
    pub deal_motions: Vec<(String, String)>,
}

/// `/vendor/triggers`: the program's triggers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggersPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub triggers: Vec<TriggerRow>,
    /// Events the runner gave up on after every attempt failed.
    pub stuck: i64,
}

/// One run of a trigger for an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerRunRow {
    pub id: i64,
    pub at: String,
    /// The event in words ("transaction inv_1 of $1,500.00").
    pub event: String,
    pub partner: String,
    /// "Ran", "Not run" or "Failed".
    pub outcome: String,
    pub lines: Vec<String>,
}

/// `/vendor/triggers/new` and `/vendor/triggers/:id`: the form, and a saved trigger's run log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    /// `None`: a new trigger.
    pub trigger: Option<TriggerRow>,
    pub values: TriggerFormValues,
    pub choices: TriggerChoices,
    pub runs: Vec<TriggerRunRow>,
    /// The `before` of the next (older) page of runs.
    pub older: Option<i64>,
}

/// What a trigger would have done for one past event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRunRow {
    pub at: String,
    pub event: String,
    pub partner: String,
    pub would_run: bool,
    pub lines: Vec<String>,
}

/// What saving a trigger's form did: saved it, or (the Dry run button) showed what it would
/// have done over the last days, saving nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerOutcome {
    pub saved: Option<i64>,
    pub dry_run: Option<TriggerDryRun>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerDryRun {
    pub days: i64,
    pub rows: Vec<DryRunRow>,
    pub would_run: u32,
    pub truncated: bool,
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRow {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub at: String,
    pub read: bool,
}

/// `/notifications`: the workspace's notifications, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsPage {
    pub viewer: Viewer,
    pub notifications: Vec<NotificationRow>,
    pub older: Option<i64>,
}

/// A webhook endpoint, as its list row and its page show it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpointRow {
    pub id: i64,
    pub url: String,
    pub description: String,
    /// "All events", or the names it receives.
    pub events: String,
    /// The names it receives (empty: all), as the form ticks them.
    pub event_names: Vec<String>,
    pub enabled: bool,
    /// "On", "On · failing since …", "Off: why".
    pub status: String,
    /// While a rotated-out secret still signs beside the new one: until when.
    pub rotating_until: Option<String>,
}

/// `/vendor/webhooks`: the program's endpoints and the form to add one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub endpoints: Vec<WebhookEndpointRow>,
    /// (name, label) of every event an endpoint can receive.
    pub events: Vec<(String, String)>,
}

/// One attempt to deliver a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookAttemptRow {
    pub attempt: i64,
    pub at: String,
    /// "HTTP 200 in 35 ms", "No answer within 10 s (10,002 ms)".
    pub result: String,
    pub response: String,
}

/// One message to an endpoint, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDeliveryRow {
    pub id: i64,
    pub event_type: String,
    pub msg_id: String,
    pub body: String,
    /// "Delivered", "Retrying at …: HTTP 500", "Failed: …".
    pub status: String,
    pub replay_of: Option<i64>,
    pub created_at: String,
    pub attempts: Vec<WebhookAttemptRow>,
}

/// `/vendor/webhooks/:id`: an endpoint, its form and its delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub endpoint: Option<WebhookEndpointRow>,
    pub events: Vec<(String, String)>,
    pub deliveries: Vec<WebhookDeliveryRow>,
    /// Where the next (older) page of the log starts.
    pub older: Option<i64>,
    /// An attempt is due within the next minute: the page checks again shortly.
    pub due_soon: bool,
}

/// `/vendor/emails/templates`: the wording of the emails a program's partners get, and the
/// editor of one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailTemplatesPage {
    pub viewer: Viewer,
    pub program: Option<ProgramSummary>,
    pub templates: Vec<EmailTemplateRow>,
    /// The kind open in the editor.
    pub editing: Option<EmailTemplateEditor>,
}

/// One kind of email a program may reword.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailTemplateRow {
    /// The kind's stored name (`deal_won`).
    pub kind: String,
    pub label: String,
    pub sent_when: String,
    /// When the program saved its own wording, formatted; `None`: the portal's.
    pub saved_at: Option<String>,
}

/// The editor of one kind: its wording (the program's or the default), the placeholders it may
/// read and a preview of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailTemplateEditor {
    pub row: EmailTemplateRow,
    pub subject: String,
    pub text: String,
    /// (name, meaning) of each placeholder.
    pub placeholders: Vec<(String, String)>,
    /// The saved wording with sample values, or why it does not render (it may read a value
    /// that changed since, such as the program's name).
    pub preview: Result<EmailPreview, crate::error::AppError>,
}

/// A wording rendered with sample values (the HTML part is the same text in the layout).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPreview {
    pub subject: String,
    pub text: String,
}
