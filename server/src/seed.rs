//! The demo data: two vendors, their programs, partner teams with every contact role, and
//! leads, deals, customers, rewards and a payout so both dashboards show real numbers.
//! Deterministic: the same rows (and times) every run; only password salts differ.

use domain::money::RoundingMode;
use domain::time::date_to_ms;
use store::db::{Db, Tx};
use store::events::{self, NewEvent};
use store::password::Hasher;

pub const DEMO_PASSWORD: &str = "partner-portal-demo";

/// The demo logins, printed by `run` and documented in the README.
pub const DEMO_LOGINS: &[(&str, &str)] = &[
    ("owner@acme.example", "Acme Analytics, owner"),
    ("manager@acme.example", "Acme Analytics, partner manager"),
    ("finance@acme.example", "Acme Analytics, finance"),
    ("tech@acme.example", "Acme Analytics, technical"),
    ("owner@northwind.example", "Northwind Agency, owner"),
    ("admin@northwind.example", "Northwind Agency, admin"),
    ("finance@northwind.example", "Northwind Agency, finance"),
    ("member@northwind.example", "Northwind Agency, member"),
    ("owner@lakeside.example", "Lakeside IT, owner"),
    ("owner@globex.example", "Globex, owner"),
    ("owner@initech.example", "Initech Resellers, owner"),
];

/// Seeds when the database has no users; returns whether it seeded.
pub async fn seed_if_empty(db: &Db, hasher: &Hasher) -> Result<bool, String> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db.pool)
        .await
        .map_err(|e| e.to_string())?;
    if users > 0 {
        return Ok(false);
    }
    seed(db, hasher).await?;
    Ok(true)
}

/// The demo's made-up company domain: "Contoso Retail" -> "contoso.example".
fn demo_domain(company: &str) -> String {
    let first = company.split_whitespace().next().unwrap_or("demo");
    format!(
        "{}.example",
        first
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "")
    )
}

fn day(n: i64) -> i64 {
    date_to_ms(2026, 1, 1) + n * 86_400_000
}

/// A demo deal; the dates not given follow the demo calendar.
#[derive(Default)]
struct SeedDeal<'a> {
    name: &'a str,
    domain: &'a str,
    amount: i64,
    motion: &'a str,
    stage: &'a str,
    rep: Option<i64>,
    buy_price: Option<i64>,
    discount_bp: Option<i64>,
    reason: Option<&'a str>,
    approved_at: Option<i64>,
    customer: Option<i64>,
}

struct Seeder {
    tx: Tx,
}

impl Seeder {
    async fn id(&mut self, sql: &'static str, binds: Vec<Bind>) -> Result<i64, String> {
        let mut query = sqlx::query_scalar::<_, i64>(sql);
        for bind in binds {
            query = match bind {
                Bind::I(v) => query.bind(v),
                Bind::S(v) => query.bind(v),
                Bind::OI(v) => query.bind(v),
                Bind::OS(v) => query.bind(v),
            };
        }
        query
            .fetch_one(&mut *self.tx)
            .await
            .map_err(|e| format!("seeding failed: {e}"))
    }

    async fn user(&mut self, email: &str, name: &str, hash: String) -> Result<i64, String> {
        self.id(
            "INSERT INTO users (email, email_normalized, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            vec![S(email.into()), S(email.to_lowercase()), S(name.into()), S(hash), I(day(0))],
        )
        .await
    }

    async fn company(&mut self, name: &str) -> Result<i64, String> {
        self.id(
            "INSERT INTO companies (name, created_at) VALUES ($1, $2) RETURNING id",
            vec![S(name.into()), I(day(0))],
        )
        .await
    }

    async fn teammate(&mut self, company: i64, user: i64, role: &str) -> Result<i64, String> {
        self.id(
            "INSERT INTO teammates (company_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            vec![I(company), I(user), S(role.into()), I(day(0))],
        )
        .await
    }

    async fn team(&mut self, name: &str, kind: &str, country: &str) -> Result<i64, String> {
        self.id(
            "INSERT INTO partner_teams (name, kind, country, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            vec![S(name.into()), S(kind.into()), S(country.into()), I(day(1))],
        )
        .await
    }

    async fn contact(&mut self, team: i64, user: i64, role: &str) -> Result<i64, String> {
        self.id(
            "INSERT INTO contacts (partner_team_id, user_id, role, created_at, referral_code) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            // Deterministic, like the rest of the demo; real codes are random.
            vec![I(team), I(user), S(role.into()), I(day(1)), S(format!("demo{team:03}{user:05}"))],
        )
        .await
    }

    async fn program(
        &mut self,
        company: i64,
        name: &str,
        currency: &str,
        min_cashout: i64,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO programs (company_id, name, slug, currency, attribution_window_days, hold_days, min_cashout_minor, signup_mode, terms, created_at, public_key) \
             VALUES ($1, $2, $3, $4, 90, 30, $5, 'approval', $6, $7, $8) RETURNING id",
            vec![
                I(company),
                S(name.into()),
                S(domain::program::slugify(name)),
                S(currency.into()),
                I(min_cashout),
                S(format!("Partners of {name} earn rewards on the customers they bring. Rewards are held for 30 days before they can be cashed out.")),
                I(day(0)),
                S(store::links::new_public_key()),
            ],
        )
        .await
    }

    async fn group(&mut self, program: i64, name: &str, is_default: bool) -> Result<i64, String> {
        self.id(
            "INSERT INTO partner_groups (program_id, name, is_default, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            vec![I(program), S(name.into()), I(i64::from(is_default)), I(day(0))],
        )
        .await
    }

    async fn tier(
        &mut self,
        program: i64,
        name: &str,
        rank: i64,
        threshold_minor: i64,
    ) -> Result<i64, String> {
        let rule = domain::tier::TierRule {
            metric: domain::tier::Metric::ClosedWonRevenue,
            window_days: Some(90),
            threshold: threshold_minor,
        };
        // Only the top tier earns more per reward; the others show progress toward it.
        let benefits = domain::tier::TierBenefits {
            multiplier_percent: (rank >= 3).then_some(110),
        };
        self.id(
            "INSERT INTO tiers (program_id, name, rank, rule, benefits, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            vec![
                I(program),
                S(name.into()),
                I(rank),
                S(serde_json::to_string(&rule).map_err(|e| e.to_string())?),
                S(serde_json::to_string(&benefits).map_err(|e| e.to_string())?),
                I(day(0)),
            ],
        )
        .await
    }

    async fn tag(&mut self, program: i64, name: &str, partnerships: &[i64]) -> Result<i64, String> {
        let tag = self
            .id(
                "INSERT INTO tags (program_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
                vec![I(program), S(name.into()), I(day(0))],
            )
            .await?;
        for partnership in partnerships {
            self.id(
                "INSERT INTO partnership_tags (partnership_id, tag_id, created_at) VALUES ($1, $2, $3) RETURNING tag_id",
                vec![I(*partnership), I(tag), I(day(10))],
            )
            .await?;
        }
        Ok(tag)
    }

    #[expect(clippy::too_many_arguments, reason = "one value per column written")]
    async fn partnership(
        &mut self,
        program: i64,
        team: i64,
        status: &str,
        key: &str,
        group: i64,
        tier: Option<i64>,
        manager: Option<i64>,
        joined: i64,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO partnerships (program_id, partner_team_id, status, partner_key, group_id, tier_id, manager_teammate_id, joined_at, team_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT name FROM partner_teams WHERE id = $2)) RETURNING id",
            vec![I(program), I(team), S(status.into()), S(key.into()), I(group), OI(tier), OI(manager), I(day(joined))],
        )
        .await
    }

    async fn customer(
        &mut self,
        program: i64,
        partnership: i64,
        key: &str,
        name: &str,
        source: &str,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO customers (program_id, partnership_id, external_key, name, source, created_at, attributed_at, domain, company_key, email) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) RETURNING id",
            vec![
                I(program),
                I(partnership),
                S(key.into()),
                S(name.into()),
                S(source.into()),
                I(day(20)),
                S(demo_domain(name)),
                S(domain::conflict::normalize_company_name(name)),
                S(format!("billing@{}", demo_domain(name))),
            ],
        )
        .await
    }

    async fn lead(
        &mut self,
        program: i64,
        partnership: i64,
        company: &str,
        email: &str,
        status: &str,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO leads (program_id, partnership_id, company_name, contact_email, status, created_at, updated_at, domain, company_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING id",
            vec![
                I(program),
                I(partnership),
                S(company.into()),
                S(email.into()),
                S(status.into()),
                I(day(30)),
                S(email.rsplit('@').next().unwrap_or_default().to_owned()),
                S(domain::conflict::normalize_company_name(company)),
            ],
        )
        .await
    }

    async fn deal(
        &mut self,
        program: i64,
        partnership: i64,
        d: SeedDeal<'_>,
    ) -> Result<i64, String> {
        let closed = matches!(d.stage, "closed_won" | "closed_lost").then(|| day(80));
        self.id(
            "INSERT INTO deals (program_id, partnership_id, name, amount_minor, currency, motion, stage, created_at, updated_at, domain, company_key, \
             expected_close_at, rep_user_id, buy_price_minor, discount_bp, reason, approved_at, protected_until, closed_at, customer_id) \
             VALUES ($1, $2, $3, $4, 'USD', $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
            vec![
                I(program),
                I(partnership),
                S(d.name.into()),
                I(d.amount),
                S(d.motion.into()),
                S(d.stage.into()),
                I(day(40)),
                S(d.domain.into()),
                S(domain::conflict::normalize_company_name(d.name)),
                I(day(120)),
                OI(d.rep),
                OI(d.buy_price),
                OI(d.discount_bp),
                OS(d.reason.map(Into::into)),
                OI(d.approved_at),
                OI(d.approved_at.map(|at| domain::deal::protected_until(at, 90))),
                OI(closed),
                OI(d.customer),
            ],
        )
        .await
    }

    async fn payout(
        &mut self,
        program: i64,
        partnership: i64,
        amount: i64,
        currency: &str,
        status: &str,
        reference: Option<&str>,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO payouts (program_id, partnership_id, amount_minor, currency, status, reference, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            vec![I(program), I(partnership), I(amount), S(currency.into()), S(status.into()), OS(reference.map(Into::into)), I(day(60))],
        )
        .await
    }

    #[expect(clippy::too_many_arguments, reason = "one value per column written")]
    async fn reward(
        &mut self,
        program: i64,
        partnership: i64,
        amount: i64,
        currency: &str,
        status: &str,
        description: &str,
        payout: Option<i64>,
        created: i64,
    ) -> Result<i64, String> {
        let decline_reason =
            (status == "declined").then(|| "Duplicate of an existing customer".to_owned());
        // Pending rewards stay inside their hold for a while from whenever the demo is seeded,
        // so the hold release does not change the demo's numbers on its first run.
        let available_at = if status == "pending" {
            store::db::now_ms() + 20 * 86_400_000
        } else {
            day(created + 30)
        };
        self.id(
            "INSERT INTO rewards (program_id, partnership_id, amount_minor, currency, rounding_mode, status, description, decline_reason, payout_id, available_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            vec![
                I(program),
                I(partnership),
                I(amount),
                S(currency.into()),
                S(RoundingMode::DEFAULT.as_str().into()),
                S(status.into()),
                S(description.into()),
                OS(decline_reason),
                OI(payout),
                I(available_at),
                I(day(created)),
            ],
        )
        .await
    }
}

enum Bind {
    I(i64),
    S(String),
    OI(Option<i64>),
    OS(Option<String>),
}
use Bind::{I, OI, OS, S};

/// Writes the demo data in one transaction, with one event recording it.
pub async fn seed(db: &Db, hasher: &Hasher) -> Result<(), String> {
    let people = [
        ("owner@acme.example", "Olivia Owner"),
        ("manager@acme.example", "Manny Manager"),
        ("finance@acme.example", "Fiona Finance"),
        ("tech@acme.example", "Theo Tech"),
        ("owner@northwind.example", "Nora Northwind"),
        ("admin@northwind.example", "Adam Admin"),
        ("finance@northwind.example", "Faye Figures"),
        ("member@northwind.example", "Mia Member"),
        ("owner@lakeside.example", "Liam Lakeside"),
        ("owner@globex.example", "Greta Globex"),
        ("owner@initech.example", "Ivan Initech"),
    ];
    let mut hashes = Vec::with_capacity(people.len());
    for _ in &people {
        hashes.push(hasher.hash(DEMO_PASSWORD).await?);
    }
    let tx = db.begin().await.map_err(|e| e.to_string())?;
    let mut s = Seeder { tx };
    let mut users = Vec::new();
    for ((email, name), hash) in people.iter().zip(hashes) {
        users.push(s.user(email, name, hash).await?);
    }
    let [
        acme_owner,
        acme_manager,
        acme_finance,
        acme_tech,
        nw_owner,
        nw_admin,
        nw_finance,
        nw_member,
        lake_owner,
        globex_owner,
        initech_owner,
    ] = users[..]
    else {
        return Err("seed user list changed".into());
    };

    // Acme Analytics and its USD program.
    let acme = s.company("Acme Analytics").await?;
    s.teammate(acme, acme_owner, "owner").await?;
    let manager = s.teammate(acme, acme_manager, "partner_manager").await?;
    s.teammate(acme, acme_finance, "finance").await?;
    s.teammate(acme, acme_tech, "technical").await?;
    let program = s
        .program(acme, "Acme Partner Program", "USD", 5_000)
        .await?;
    let default_group = s.group(program, "Default", true).await?;
    let agencies = s.group(program, "Agencies", false).await?;
    let resellers = s.group(program, "Resellers", false).await?;
    let _bronze = s.tier(program, "Bronze", 1, 0).await?;
    let silver = s.tier(program, "Silver", 2, 1_000_000).await?;
    let gold = s.tier(program, "Gold", 3, 5_000_000).await?;

    let northwind = s.team("Northwind Agency", "agency", "US").await?;
    for (user, role) in [
        (nw_owner, "owner"),
        (nw_admin, "admin"),
        (nw_finance, "finance"),
        (nw_member, "member"),
    ] {
        s.contact(northwind, user, role).await?;
    }
    let lakeside = s.team("Lakeside IT", "msp", "GB").await?;
    s.contact(lakeside, lake_owner, "owner").await?;
    let brightside = s.team("Brightside Affiliates", "affiliate", "CA").await?;

    let nw = s
        .partnership(
            program,
            northwind,
            "active",
            "northwind-7f3a",
            agencies,
            Some(silver),
            Some(manager),
            3,
        )
        .await?;
    let lk = s
        .partnership(
            program,
            lakeside,
            "active",
            "lakeside-2c9d",
            resellers,
            Some(gold),
            Some(manager),
            5,
        )
        .await?;
    s.partnership(
        program,
        brightside,
        "applied",
        "brightside-91e0",
        default_group,
        None,
        None,
        50,
    )
    .await?;

    // A partner invite waiting for an answer, so the Applications page lists one. It is dated
    // now (invites expire after 7 days); its token is random and thrown away: withdraw it and
    // invite again to get a link.
    let now = store::db::now_ms();
    s.id(
        "INSERT INTO invites (token_hash, kind, company_id, program_id, email, role, invited_by_user_id, created_at, expires_at) \
         VALUES ($1, 'partner', $2, $3, $4, 'owner', $5, $6, $7) RETURNING id",
        vec![
            S(store::session::hash_token(&store::session::new_token())),
            I(acme),
            I(program),
            S("hello@fabrikam-agency.example".into()),
            I(acme_manager),
            I(now),
            I(domain::invite::InviteTimes::new(now).expires_at),
        ],
    )
    .await?;

    let vip = s.tag(program, "VIP", &[nw, lk]).await?;
    s.tag(program, "EMEA", &[lk]).await?;
    s.tag(program, "Webinar 2026", &[nw]).await?;
    s.tag(program, "Newsletter", &[]).await?;
    let vip_rule = domain::segment::Rule::all_of([domain::segment::Condition::HasTag(vip)]);
    s.id(
        "INSERT INTO segments (program_id, name, rule, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
        vec![I(program), S("VIP partners".into()), S(serde_json::to_string(&vip_rule).map_err(|e| e.to_string())?), I(day(0))],
    )
    .await?;

    let contoso = s
        .customer(program, nw, "cus_1001", "Contoso Retail", "link")
        .await?;
    s.customer(program, nw, "cus_1002", "Fabrikam Foods", "lead")
        .await?;
    s.customer(program, lk, "cus_1003", "Tailspin Toys", "deal")
        .await?;

    s.lead(
        program,
        nw,
        "Blue Yonder Airlines",
        "ops@blueyonder.example",
        "submitted",
    )
    .await?;
    s.lead(
        program,
        nw,
        "Wide World Importers",
        "it@wideworld.example",
        "accepted",
    )
    .await?;
    s.lead(
        program,
        nw,
        "Fabrikam Foods",
        "cto@fabrikam.example",
        "converted",
    )
    .await?;
    s.lead(
        program,
        lk,
        "Margie's Travel",
        "hello@margies.example",
        "lost",
    )
    .await?;

    // Leads in the states the seed above leaves out: rejected, and passed by the vendor
    // (waiting, taken, declined).
    let rejected = s
        .lead(
            program,
            lk,
            "Adventure Works",
            "buyer@adventure-works.example",
            "rejected",
        )
        .await?;
    s.id(
        "UPDATE leads SET reason = $1 WHERE id = $2 RETURNING id",
        vec![
            S("Adventure Works is already talking to our sales team".into()),
            I(rejected),
        ],
    )
    .await?;
    for (company, email, partnership, status, reason) in [
        (
            "Coho Winery",
            "owner@cohowinery.example",
            nw,
            "passed",
            None,
        ),
        (
            "Alpine Ski House",
            "it@alpineskihouse.example",
            lk,
            "taken",
            None,
        ),
        (
            "Proseware",
            "cio@proseware.example",
            nw,
            "declined",
            Some("We do not cover the public sector"),
        ),
    ] {
        let lead = s.lead(program, partnership, company, email, status).await?;
        s.id(
            "INSERT INTO lead_passes (lead_id, partnership_id, status, reason, passed_by_user_id, passed_at, answered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            vec![
                I(lead),
                I(partnership),
                S(status.into()),
                OS(reason.map(Into::into)),
                I(acme_manager),
                I(day(31)),
                OI((status != "passed").then(|| day(33))),
            ],
        )
        .await?;
    }

    // Deals in every stage. The approved co-sell deal is protected from today (so the demo
    // shows protection running); the in-progress resell one was approved in the demo calendar,
    // so its protection has lapsed.
    s.deal(
        program,
        nw,
        SeedDeal {
            name: "Blue Yonder analytics rollout",
            domain: "blueyonder.example",
            amount: 1_200_000,
            motion: "cosell",
            stage: "registered",
            ..SeedDeal::default()
        },
    )
    .await?;
    s.deal(
        program,
        nw,
        SeedDeal {
            name: "Wide World Importers expansion",
            domain: "wideworld.example",
            amount: 850_000,
            motion: "cosell",
            stage: "approved",
            rep: Some(acme_manager),
            approved_at: Some(now),
            ..SeedDeal::default()
        },
    )
    .await?;
    s.deal(
        program,
        nw,
        SeedDeal {
            name: "Contoso annual plan",
            domain: "contoso.example",
            amount: 500_000,
            motion: "referral",
            stage: "closed_won",
            approved_at: Some(day(42)),
            customer: Some(contoso),
            ..SeedDeal::default()
        },
    )
    .await?;
    s.deal(
        program,
        nw,
        SeedDeal {
            name: "Lucerne Publishing pilot",
            domain: "lucerne.example",
            amount: 300_000,
            motion: "referral",
            stage: "closed_lost",
            approved_at: Some(day(42)),
            ..SeedDeal::default()
        },
    )
    .await?;
    s.deal(
        program,
        lk,
        SeedDeal {
            name: "Tailspin resell bundle",
            domain: "tailspin.example",
            amount: 2_000_000,
            motion: "resell",
            stage: "in_progress",
            buy_price: Some(1_600_000),
            discount_bp: Some(2000),
            approved_at: Some(day(42)),
            ..SeedDeal::default()
        },
    )
    .await?;
    s.deal(
        program,
        lk,
        SeedDeal {
            name: "Margie's Travel renewal",
            domain: "margies.example",
            amount: 150_000,
            motion: "referral",
            stage: "rejected",
            reason: Some("Margie's Travel already works with our sales team"),
            ..SeedDeal::default()
        },
    )
    .await?;

    // Northwind: a paid payout, an available balance, pending and declined rewards.
    let paid = s
        .payout(program, nw, 120_000, "USD", "paid", Some("ACH-2026-0001"))
        .await?;
    s.reward(
        program,
        nw,
        50_000,
        "USD",
        "paid",
        "Contoso Retail: first purchase",
        Some(paid),
        20,
    )
    .await?;
    s.reward(
        program,
        nw,
        70_000,
        "USD",
        "paid",
        "Contoso annual plan closed won",
        Some(paid),
        25,
    )
    .await?;
    s.reward(
        program,
        nw,
        25_000,
        "USD",
        "approved",
        "Fabrikam Foods: lead converted",
        None,
        40,
    )
    .await?;
    s.reward(
        program,
        nw,
        12_050,
        "USD",
        "approved",
        "Contoso Retail: renewal",
        None,
        45,
    )
    .await?;
    s.reward(
        program,
        nw,
        9_900,
        "USD",
        "pending",
        "Fabrikam Foods: first purchase",
        None,
        300,
    )
    .await?;
    s.reward(
        program,
        nw,
        4_525,
        "USD",
        "pending",
        "Contoso Retail: add-on",
        None,
        310,
    )
    .await?;
    s.reward(
        program,
        nw,
        3_000,
        "USD",
        "declined",
        "Duplicate signup",
        None,
        41,
    )
    .await?;
    // Lakeside: a requested payout and a pending reward.
    let requested = s
        .payout(program, lk, 80_000, "USD", "requested", None)
        .await?;
    s.reward(
        program,
        lk,
        80_000,
        "USD",
        "approved",
        "Tailspin Toys: first purchase",
        Some(requested),
        30,
    )
    .await?;
    s.reward(
        program,
        lk,
        15_000,
        "USD",
        "pending",
        "Tailspin Toys: expansion",
        None,
        305,
    )
    .await?;

    // Globex: a separate tenant with its own EUR program and partner.
    let globex = s.company("Globex").await?;
    s.teammate(globex, globex_owner, "owner").await?;
    let gx_program = s.program(globex, "Globex Partners", "EUR", 10_000).await?;
    let gx_group = s.group(gx_program, "Resellers", true).await?;
    let initech = s.team("Initech Resellers", "reseller", "DE").await?;
    s.contact(initech, initech_owner, "owner").await?;
    let ini = s
        .partnership(
            gx_program,
            initech,
            "active",
            "initech-55b1",
            gx_group,
            None,
            None,
            7,
        )
        .await?;
    s.lead(
        gx_program,
        ini,
        "Globex Secret Lead",
        "lead@secret.example",
        "submitted",
    )
    .await?;
    s.reward(
        gx_program,
        ini,
        77_700,
        "EUR",
        "pending",
        "Globex-only reward",
        None,
        300,
    )
    .await?;

    // Umbrella Health: a second vendor Northwind works with, so the partner header has a
    // program switcher and each vendor's context can be checked for leaks.
    let umbrella = s.company("Umbrella Health").await?;
    let um_program = s
        .program(umbrella, "Umbrella Referral Program", "USD", 2_500)
        .await?;
    let um_group = s.group(um_program, "Default", true).await?;
    s.partnership(
        um_program,
        northwind,
        "active",
        "northwind-u8e2",
        um_group,
        None,
        None,
        20,
    )
    .await?;

    events::append(
        &mut s.tx,
        NewEvent {
            actor_user_id: None,
            company_id: None,
            kind: "demo.seeded",
            subject_type: "company",
            subject_id: acme,
            payload: serde_json::json!({ "companies": [acme, globex, umbrella] }),
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    s.tx.commit().await.map_err(|e| e.to_string())
}
