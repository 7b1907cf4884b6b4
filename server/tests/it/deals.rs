//! Deals: registration with conflict checks, the co-sell flow to closed won in both
//! pipelines, protection moving and lapsing, roles, illegal moves, resell margins, the
//! program's deal and customer-email settings, and the customer page. On SQLite and PostgreSQL.

use app::api::{AdvanceDeal, DecideDeal, FetchPartnerDeals};

use crate::common::TestApp;
use serde_json::Value;

on_both_backends!(
    a_cosell_deal_is_won_and_shows_in_both_pipelines,
    conflicts_are_flagged_and_protection_moves,
    a_won_deal_links_or_attributes_the_existing_customer,
    roles_and_illegal_moves,
    resell_terms_and_pipeline_filters,
    program_settings_for_deals_and_customer_emails,
);

fn deal_form<'a>(
    company: &'a str,
    domain: &'a str,
    amount: &'a str,
    motion: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("company", company),
        ("domain", domain),
        ("amount", amount),
        ("expected_close", "2099-06-30"),
        ("motion", motion),
        ("buy_price", ""),
        ("discount", ""),
        ("notes", ""),
    ]
}

async fn json(res: reqwest::Response) -> Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// The deals a pipeline shows in `stage`.
fn in_stage<'a>(page: &'a Value, stage: &str) -> &'a Value {
    page["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == stage)
        .unwrap_or_else(|| panic!("no {stage} stage in {page}"))
}

fn deal_in<'a>(page: &'a Value, stage: &str, company: &str) -> Option<&'a Value> {
    in_stage(page, stage)["deals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["company"] == company)
}

async fn deal_id(app: &TestApp, company: &str) -> String {
    app.id_of("SELECT id FROM deals WHERE name = $1", company)
        .await
        .to_string()
}

async fn a_cosell_deal_is_won_and_shows_in_both_pipelines(app: &TestApp) {
    let member = app.signed_in("member@northwind.example").await;
    let res = app
        .call(
            &member,
            "register_deal",
            &deal_form(
                "Fourth Coffee",
                "https://fourthcoffee.example/buy",
                "12,000.00",
                "cosell",
            ),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let id = deal_id(app, "Fourth Coffee").await;
    let mine = json(
        app.invoke(
            &member,
            &FetchPartnerDeals {
                stage: None,
                after: None,
            },
        )
        .await,
    )
    .await;
    let registered =
        deal_in(&mine, "Registered", "Fourth Coffee").expect("the member sees their deal");
    assert_eq!(registered["amount"], "$12,000.00");
    assert_eq!(registered["domain"], "fourthcoffee.example");

    // Only teammates decide; a partner cannot approve through the vendor's endpoint.
    let res = app
        .invoke(
            &member,
            &DecideDeal {
                deal_id: id.parse().unwrap(),
                action: "approve".into(),
                reason: None,
                amount: None,
            },
        )
        .await;
    assert_eq!(res.status(), 403);

    let manager = app.signed_in("manager@acme.example").await;
    let res = app
        .invoke(
            &manager,
            &DecideDeal {
                deal_id: id.parse().unwrap(),
                action: "approve".into(),
                reason: None,
                amount: None,
            },
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let protected_until = app
        .scalar(
            "SELECT protected_until FROM deals WHERE name = $1",
            "Fourth Coffee",
        )
        .await;
    let approved_at = app
        .scalar(
            "SELECT approved_at FROM deals WHERE name = $1",
            "Fourth Coffee",
        )
        .await;
    assert_eq!(
        protected_until - approved_at,
        90 * 86_400_000,
        "the default protection is 90 days"
    );

    // The partner starts the work; the vendor assigns its rep.
    let res = app
        .invoke(
            &member,
            &AdvanceDeal {
                deal_id: id.parse().unwrap(),
            },
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let rep = app
        .id_of(
            "SELECT id FROM users WHERE email_normalized = $1",
            "manager@acme.example",
        )
        .await
        .to_string();
    let res = app
        .call(
            &manager,
            "assign_deal_rep",
            &[("deal_id", &id), ("rep", &rep)],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let filtered = json(app.call(&manager, "vendor_deals", &[("rep", &rep)]).await).await;
    assert!(
        deal_in(&filtered, "InProgress", "Fourth Coffee").is_some(),
        "the rep filter finds it"
    );

    // Closed won at a final amount: the amount is recorded and a customer is made.
    let res = app
        .call(
            &manager,
            "decide_deal",
            &[("deal_id", &id), ("action", "won"), ("amount", "13,500.50")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        app.scalar(
            "SELECT amount_minor FROM deals WHERE name = $1",
            "Fourth Coffee"
        )
        .await,
        1_350_050
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM customers c JOIN deals d ON d.customer_id = c.id AND d.partnership_id = c.partnership_id \
             WHERE d.name = $1 AND c.source = 'deal' AND c.domain = 'fourthcoffee.example'",
            "Fourth Coffee"
        )
        .await,
        1
    );

    for (client, endpoint) in [(&member, "partner_deals"), (&manager, "vendor_deals")] {
        let page = json(app.call(client, endpoint, &[]).await).await;
        let won = deal_in(&page, "ClosedWon", "Fourth Coffee")
            .unwrap_or_else(|| panic!("{endpoint}: {page}"));
        assert_eq!(won["amount"], "$13,500.50");
        assert_eq!(won["rep"], "Manny Manager");
        let timeline: Vec<&str> = won["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["text"].as_str().unwrap())
            .collect();
        assert_eq!(timeline.len(), 5, "{timeline:?}");
        assert!(timeline[0].starts_with("Registered by"), "{timeline:?}");
        assert!(
            timeline
                .iter()
                .any(|t| t.contains("assigned as the vendor's rep")),
            "{timeline:?}"
        );
        assert!(
            timeline.last().unwrap().ends_with("at $13,500.50"),
            "{timeline:?}"
        );
        // The stage's total is the sum of the deals it shows.
        let column = in_stage(&page, "ClosedWon");
        let sum: i64 = column["deals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["amount_minor"].as_i64().unwrap())
            .sum();
        assert_eq!(column["count"], column["deals"].as_array().unwrap().len());
        assert_eq!(column["total"], domain::money::format_stored(sum, "USD"));
    }
    let customer = app
        .id_of(
            "SELECT customer_id FROM deals WHERE name = $1",
            "Fourth Coffee",
        )
        .await
        .to_string();
    let detail = json(
        app.call(&manager, "vendor_customer", &[("id", &customer)])
            .await,
    )
    .await;
    assert_eq!(detail["customer"]["partner_team"], "Northwind Agency");
    assert_eq!(detail["deals"][0]["company"], "Fourth Coffee");
    assert_eq!(detail["history"].as_array().unwrap().len(), 1);
    // The customers list filters by status and source.
    let paying = json(
        app.call(
            &manager,
            "vendor_customers",
            &[("status", "paying"), ("source", "deal")],
        )
        .await,
    )
    .await;
    let names: Vec<&str> = paying["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Fourth Coffee"]);
    let from_links = json(
        app.call(&manager, "vendor_customers", &[("source", "link")])
            .await,
    )
    .await;
    assert!(
        from_links["customers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["source"] == "link")
    );
    assert_eq!(
        app.call(&manager, "vendor_customers", &[("status", "asleep")])
            .await
            .status(),
        400
    );
    let partner_customers = json(app.call(&member, "partner_customers", &[]).await).await;
    assert!(
        partner_customers["customers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Fourth Coffee")
    );
}

async fn conflicts_are_flagged_and_protection_moves(app: &TestApp) {
    let northwind = app.signed_in("owner@northwind.example").await;
    let lakeside = app.signed_in("owner@lakeside.example").await;
    for (client, company, domain) in [
        (&northwind, "Acme Corp", "acme-corp.com"),
        (
            &lakeside,
            "Acme Corporation EU",
            "https://www.app.acme-corp.com/x",
        ),
        (&lakeside, "Acme Colombia", "acme-corp.co"),
        (
            &northwind,
            "Contoso expansion",
            "https://www.shop.contoso.example/x",
        ),
    ] {
        let res = app
            .call(
                client,
                "register_deal",
                &deal_form(company, domain, "1000", "referral"),
            )
            .await;
        assert_eq!(
            res.status(),
            200,
            "{company}: {}",
            res.text().await.unwrap()
        );
    }
    let manager = app.signed_in("manager@acme.example").await;
    let page = json(
        app.call(&manager, "vendor_deals", &[("stage", "registered")])
            .await,
    )
    .await;
    assert_eq!(
        page["stages"].as_array().unwrap().len(),
        1,
        "one stage asked, one shown"
    );
    let conflict =
        |company: &str| deal_in(&page, "Registered", company).unwrap()["conflict"].clone();
    assert!(
        conflict("Acme Corp").is_null(),
        "the first registration conflicts with nothing"
    );
    assert_eq!(conflict("Acme Corporation EU"), "open deal Acme Corp");
    assert!(
        conflict("Acme Colombia").is_null(),
        "acme-corp.co is another company"
    );
    assert_eq!(conflict("Contoso expansion"), "customer Contoso Retail");
    let partner_view = json(
        app.invoke(
            &lakeside,
            &FetchPartnerDeals {
                stage: None,
                after: None,
            },
        )
        .await,
    )
    .await;
    assert!(
        deal_in(&partner_view, "Registered", "Acme Corporation EU").unwrap()["conflict"].is_null(),
        "partners never see conflicts"
    );

    // Approving the first protects it; approving the later registration moves the protection.
    let first = deal_id(app, "Acme Corp").await;
    let second = deal_id(app, "Acme Corporation EU").await;
    let res = app
        .invoke(
            &manager,
            &DecideDeal {
                deal_id: first.parse().unwrap(),
                action: "approve".into(),
                reason: None,
                amount: None,
            },
        )
        .await;
    assert_eq!(res.status(), 200);
    let after_first = json(
        app.invoke(
            &northwind,
            &FetchPartnerDeals {
                stage: None,
                after: None,
            },
        )
        .await,
    )
    .await;
    assert_eq!(
        deal_in(&after_first, "Approved", "Acme Corp").unwrap()["protected"],
        true
    );
    let res = app
        .invoke(
            &manager,
            &DecideDeal {
                deal_id: second.parse().unwrap(),
                action: "approve".into(),
                reason: None,
                amount: None,
            },
        )
        .await;
    assert_eq!(res.status(), 200);
    let after_second = json(
        app.invoke(
            &northwind,
            &FetchPartnerDeals {
                stage: None,
                after: None,
            },
        )
        .await,
    )
    .await;
    let moved = deal_in(&after_second, "Approved", "Acme Corp").unwrap();
    assert_eq!(moved["protected"], false, "{moved}");
    assert!(
        moved["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["text"].as_str().unwrap().starts_with("Protection moved"))
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "deal.protection_moved"
        )
        .await,
        1
    );

    // Rejected as a duplicate, with a reason the partner reads.
    let contoso = deal_id(app, "Contoso expansion").await;
    let res = app
        .call(
            &manager,
            "decide_deal",
            &[("deal_id", &contoso), ("action", "reject"), ("reason", " ")],
        )
        .await;
    assert_eq!(res.status(), 400, "a rejection needs a reason");
    let res = app
        .call(
            &manager,
            "decide_deal",
            &[
                ("deal_id", &contoso),
                ("action", "reject"),
                ("reason", "Duplicate of Contoso Retail"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let rejected = json(
        app.invoke(
            &northwind,
            &FetchPartnerDeals {
                stage: None,
                after: None,
            },
        )
        .await,
    )
    .await;
    assert_eq!(
        deal_in(&rejected, "Rejected", "Contoso expansion").unwrap()["reason"],
        "Duplicate of Contoso Retail"
    );
}

/// Registers, approves, starts and wins a deal of `client`'s team; returns the customer id.
async fn win(app: &TestApp, client: &reqwest::Client, company: &str, domain: &str) -> i64 {
    let res = app
        .call(
            client,
            "register_deal",
            &deal_form(company, domain, "500", "referral"),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let id = deal_id(app, company).await;
    let manager = app.signed_in("manager@acme.example").await;
    for action in ["approve", "start", "won"] {
        let res = app
            .call(
                &manager,
                "decide_deal",
                &[("deal_id", &id), ("action", action)],
            )
            .await;
        assert_eq!(res.status(), 200, "{action}: {}", res.text().await.unwrap());
    }
    app.scalar("SELECT customer_id FROM deals WHERE name = $1", company)
        .await
}

async fn a_won_deal_links_or_attributes_the_existing_customer(app: &TestApp) {
    let lakeside = app.signed_in("owner@lakeside.example").await;
    // Contoso Retail belongs to Northwind: the first partner keeps it; the deal only links it.
    let contoso = app
        .id_of("SELECT id FROM customers WHERE name = $1", "Contoso Retail")
        .await;
    assert_eq!(
        win(app, &lakeside, "Contoso upsell", "contoso.example").await,
        contoso
    );
    let owner: String = sqlx::query_scalar(
        "SELECT t.name FROM customers c JOIN partnerships p ON p.id = c.partnership_id JOIN partner_teams t ON t.id = p.partner_team_id WHERE c.id = $1",
    )
    .bind(contoso)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(owner, "Northwind Agency");
    // A customer nobody brought becomes the deal's partner's.
    let program = app.acme_program_id().await;
    let orphan: i64 = sqlx::query_scalar(
        "INSERT INTO customers (program_id, external_key, name, source, created_at, domain, company_key, status) \
         VALUES ($1, 'cus_orphan', 'Orphan Ltd', 'api', 1, 'orphan.example', 'orphan', 'signed_up') RETURNING id",
    )
    .bind(program)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        win(app, &lakeside, "Orphan rollout", "www.orphan.example").await,
        orphan
    );
    let lake = app.partnership_id("Lakeside IT").await;
    assert_eq!(
        app.scalar(
            "SELECT partnership_id FROM customers WHERE source = 'deal' AND name = $1",
            "Orphan Ltd"
        )
        .await
        .to_string(),
        lake
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "customer.attributed"
        )
        .await,
        1
    );
}

async fn roles_and_illegal_moves(app: &TestApp) {
    // Finance contacts have no leads or deals.
    let finance = app.signed_in("finance@northwind.example").await;
    let res = app
        .call(
            &finance,
            "register_deal",
            &deal_form("Nope", "nope.example", "10", "referral"),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.call(&finance, "partner_deals", &[]).await.status(), 403);

    // Members see their own deals; owners the team's (the seed's four Northwind deals).
    let member = app.signed_in("member@northwind.example").await;
    let owner = app.signed_in("owner@northwind.example").await;
    let count = |page: &Value| -> usize {
        page["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["deals"].as_array().unwrap().len())
            .sum()
    };
    assert_eq!(
        count(
            &json(
                app.invoke(
                    &member,
                    &FetchPartnerDeals {
                        stage: None,
                        after: None
                    }
                )
                .await
            )
            .await
        ),
        0
    );
    assert_eq!(
        count(&json(app.call(&owner, "partner_deals", &[]).await).await),
        4
    );
    // The member cannot start the team's approved deal; the owner can.
    let wide_world = deal_id(app, "Wide World Importers expansion").await;
    assert_eq!(
        app.call(&member, "advance_deal", &[("deal_id", &wide_world)])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.call(&owner, "advance_deal", &[("deal_id", &wide_world)])
            .await
            .status(),
        200
    );
    // Another team's deal is not found.
    let tailspin = deal_id(app, "Tailspin resell bundle").await;
    assert_eq!(
        app.call(&owner, "advance_deal", &[("deal_id", &tailspin)])
            .await
            .status(),
        404
    );

    // Illegal moves say why and change nothing.
    let manager = app.signed_in("manager@acme.example").await;
    let margies = deal_id(app, "Margie's Travel renewal").await;
    let res = app
        .invoke(
            &manager,
            &DecideDeal {
                deal_id: margies.parse().unwrap(),
                action: "won".into(),
                reason: None,
                amount: None,
            },
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        json_error(res).await,
        "A rejected deal cannot be closed won"
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM deals WHERE stage = 'rejected' AND name = $1",
            "Margie's Travel renewal"
        )
        .await,
        1
    );
    let blue = deal_id(app, "Blue Yonder analytics rollout").await;
    let res = app
        .call(&owner, "advance_deal", &[("deal_id", &blue)])
        .await;
    assert_eq!(json_error(res).await, "A registered deal cannot be started");
    let finance_teammate = app.signed_in("finance@acme.example").await;
    assert_eq!(
        app.call(
            &finance_teammate,
            "decide_deal",
            &[("deal_id", &blue), ("action", "approve")]
        )
        .await
        .status(),
        403
    );

    // Amounts parse exactly; bad ones are refused field by field and nothing is written.
    for amount in ["1e3", "-5", "12.345", "abc"] {
        let res = app
            .call(
                &owner,
                "register_deal",
                &deal_form("Bad Amount Co", "bad.example", amount, "referral"),
            )
            .await;
        assert_eq!(res.status(), 400, "{amount}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["fields"][0][0], "amount", "{amount}: {body}");
    }
    let res = app
        .call(
            &owner,
            "register_deal",
            &deal_form("Past Co", "past.example", "10", "referral"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let mut past = deal_form("Past Co 2", "past2.example", "10", "referral");
    past[3].1 = "2001-01-01";
    assert_eq!(app.call(&owner, "register_deal", &past).await.status(), 400);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM deals WHERE name = $1",
            "Bad Amount Co"
        )
        .await,
        0
    );

    // A rep is a co-sell matter, and one of the vendor's own teammates.
    let globex_owner = app
        .id_of(
            "SELECT id FROM users WHERE email_normalized = $1",
            "owner@globex.example",
        )
        .await
        .to_string();
    let res = app
        .call(
            &manager,
            "assign_deal_rep",
            &[("deal_id", &blue), ("rep", &globex_owner)],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(
        app.scalar(
            "SELECT COUNT(*) FROM deals WHERE rep_user_id IS NOT NULL AND name = $1",
            "Blue Yonder analytics rollout"
        )
        .await
            == 0
    );
    let res = app
        .call(
            &manager,
            "assign_deal_rep",
            &[("deal_id", &tailspin), ("rep", "")],
        )
        .await;
    assert_eq!(
        json_error(res).await,
        "Only co-sell deals have a vendor rep"
    );
}

async fn json_error(res: reqwest::Response) -> String {
    let body: Value = res.json().await.unwrap();
    body["message"].as_str().unwrap_or_default().to_owned()
}

async fn resell_terms_and_pipeline_filters(app: &TestApp) {
    let owner = app.signed_in("owner@lakeside.example").await;
    let mut form = deal_form("Litware resale", "litware.example", "10,000", "resell");
    form[6].1 = "12.5";
    let res = app.call(&owner, "register_deal", &form).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        app.scalar(
            "SELECT buy_price_minor FROM deals WHERE name = $1",
            "Litware resale"
        )
        .await,
        875_000
    );
    let mut both = deal_form("Both Co", "both.example", "100", "resell");
    both[5].1 = "80";
    both[6].1 = "10";
    assert_eq!(app.call(&owner, "register_deal", &both).await.status(), 400);

    let partner = json(app.call(&owner, "partner_deals", &[]).await).await;
    let mine = deal_in(&partner, "Registered", "Litware resale").unwrap();
    assert_eq!(mine["buy_price"], "$8,750.00");
    assert_eq!(mine["discount"], "12.5%");
    assert!(mine["margin"].is_null(), "the margin is the vendor's view");
    let manager = app.signed_in("manager@acme.example").await;
    let vendor = json(
        app.call(&manager, "vendor_deals", &[("motion", "resell")])
            .await,
    )
    .await;
    assert_eq!(
        deal_in(&vendor, "Registered", "Litware resale").unwrap()["margin"],
        "$1,250.00"
    );
    let motions: Vec<&str> = vendor["stages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["deals"].as_array().unwrap())
        .map(|d| d["motion"].as_str().unwrap())
        .collect();
    assert!(
        !motions.is_empty() && motions.iter().all(|m| *m == "Resell"),
        "{motions:?}"
    );

    let key: String = sqlx::query_scalar(
        "SELECT p.partner_key FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id JOIN programs pr ON pr.id = p.program_id \
         WHERE t.name = 'Northwind Agency' AND pr.slug = 'acme-partner-program'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let northwind = json(
        app.call(&manager, "vendor_deals", &[("partner", &key)])
            .await,
    )
    .await;
    let teams: Vec<&str> = northwind["stages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["deals"].as_array().unwrap())
        .map(|d| d["partner_team"].as_str().unwrap())
        .collect();
    assert_eq!(teams.len(), 4);
    assert!(teams.iter().all(|t| *t == "Northwind Agency"));
    let unknown = json(
        app.call(&manager, "vendor_deals", &[("partner", "no-such-key")])
            .await,
    )
    .await;
    assert!(
        unknown["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["deals"].as_array().unwrap().is_empty())
    );
    assert_eq!(
        app.call(&manager, "vendor_deals", &[("motion", "barter")])
            .await
            .status(),
        400
    );
}

async fn program_settings_for_deals_and_customer_emails(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let program = app.acme_program_id().await.to_string();
    let settings = json(
        app.call(&owner, "program_settings", &[("program", &program)])
            .await,
    )
    .await;
    assert_eq!(settings["form"]["deal_protection_days"], 90);
    assert_eq!(settings["form"]["customer_emails_visible"], false);
    let form = &settings["form"];
    let text = |key: &str| {
        form[key]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| form[key].to_string())
    };
    let values = [
        ("id", program.clone()),
        ("name", text("name")),
        ("slug", text("slug")),
        ("currency", text("currency")),
        ("attribution_window_days", text("attribution_window_days")),
        ("hold_days", text("hold_days")),
        ("min_cashout", text("min_cashout")),
        ("signup_mode", "approval".to_owned()),
        ("allowed_domains", text("allowed_domains")),
        ("terms", text("terms")),
    ];
    let with = |extra: Vec<(&'static str, &'static str)>| {
        let mut all: Vec<(&str, String)> = values.iter().map(|(k, v)| (*k, v.clone())).collect();
        all.extend(extra.into_iter().map(|(k, v)| (k, v.to_owned())));
        all
    };
    let bad = with(vec![
        ("deal_protection_days", "0"),
        ("customer_emails", "visible"),
    ]);
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.call(&owner, "save_program", &bad).await.status(), 400);
    let good = with(vec![
        ("deal_protection_days", "30"),
        ("customer_emails", "visible"),
    ]);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.call(&owner, "save_program", &good).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Partners now see their customers' emails in full; deals are protected for 30 days.
    let partner = app.signed_in("owner@northwind.example").await;
    let customers = json(app.call(&partner, "partner_customers", &[]).await).await;
    assert_eq!(customers["emails_masked"], false);
    assert!(
        customers["customers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["email"] == "billing@contoso.example"),
        "{customers}"
    );
    let blue = deal_id(app, "Blue Yonder analytics rollout").await;
    let res = app
        .invoke(
            &owner,
            &DecideDeal {
                deal_id: blue.parse().unwrap(),
                action: "approve".into(),
                reason: None,
                amount: None,
            },
        )
        .await;
    assert_eq!(res.status(), 200);
    let days = app
        .scalar(
            "SELECT (protected_until - approved_at) / 86400000 FROM deals WHERE name = $1",
            "Blue Yonder analytics rollout",
        )
        .await;
    assert_eq!(days, 30);

    // Leaving the settings out (an older client) keeps emails masked.
    let plain: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.call(&owner, "save_program", &plain).await.status(), 200);
    let customers = json(app.call(&partner, "partner_customers", &[]).await).await;
    assert_eq!(customers["emails_masked"], true);
    assert!(
        customers["customers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["email"] != "billing@contoso.example")
    );
}
