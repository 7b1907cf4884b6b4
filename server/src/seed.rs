//! The demo data: two vendors, their programs, partner teams with every contact role, and
//! leads, deals, customers, rewards and a payout so both dashboards show real numbers.
//! Deterministic: the same rows (and times) every run; only password salts differ. The SQL
//! writing them is `store::seed`'s.

use store::db::Db;
use store::messages::Message;
use store::password::Hasher;
use store::seed::{SeedDeal, Seeder, day};

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
    let users = store::seed::user_count(db)
        .await
        .map_err(|e| e.to_string())?;
    if users > 0 {
        return Ok(false);
    }
    seed(db, hasher).await?;
    Ok(true)
}

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
    let mut s = Seeder::begin(db).await?;
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
    // Its requested payout (below) can then be paid.
    s.payout_details(
        lakeside,
        domain::payout::PayoutMethod::Wise,
        "payouts@lakeside.example",
    )
    .await?;
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
    // now, so it has not expired.
    let now = store::db::now_ms();
    s.invite(
        acme,
        program,
        "hello@fabrikam-agency.example",
        acme_manager,
        now,
    )
    .await?;

    // The outbox: Brightside's application told the teammates who decide applications, and
    // the welcome Northwind's and Lakeside's owners got. Queued like any message: a portal
    // with an SMTP server sends them, one without shows them as queued.
    let acme_outbox = |email| store::emails::Recipient {
        email,
        company_id: Some(acme),
        partner_team_id: None,
        program_id: None,
    };
    for decider in ["owner@acme.example", "manager@acme.example"] {
        s.email(
            acme_outbox(decider),
            &Message::ApplicationReceived {
                team: "Brightside Affiliates",
                program: "Acme Partner Program",
            },
        )
        .await?;
    }
    for (owner, team) in [
        ("owner@northwind.example", northwind),
        ("owner@lakeside.example", lakeside),
    ] {
        s.email(
            store::emails::Recipient {
                partner_team_id: Some(team),
                ..acme_outbox(owner)
            },
            &Message::ApplicationApproved {
                company: "Acme Analytics",
                program: "Acme Partner Program",
            },
        )
        .await?;
    }

    // A trigger that welcomed Northwind and Lakeside when they were approved: its run log
    // shows both runs, and their owners' welcome emails are in the outbox.
    s.demo_trigger(program, acme_owner, &[nw, lk]).await?;

    let vip = s.tag(program, "VIP", &[nw, lk]).await?;
    s.tag(program, "EMEA", &[lk]).await?;
    s.tag(program, "Webinar 2026", &[nw]).await?;
    s.tag(program, "Newsletter", &[]).await?;
    let vip_rule = domain::segment::Rule::all_of([domain::segment::Condition::HasTag(vip)]);
    s.segment(program, "VIP partners", &vip_rule).await?;

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
    s.lead_reason(
        rejected,
        "Adventure Works is already talking to our sales team",
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
        s.lead_pass(lead, partnership, status, reason, acme_manager)
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

    s.finish(acme, &[acme, globex, umbrella]).await
}
