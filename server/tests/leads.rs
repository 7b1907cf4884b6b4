//! Leads: registration with conflict checks, who sees which leads, decisions through the lead
//! state machine, conversion into a customer the partner sees. On SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::TestApp;
use serde_json::Value;

on_both_backends!(
    a_member_registers_and_a_teammate_converts,
    conflicts_are_flagged_for_teammates,
    roles_and_illegal_moves,
    a_passed_lead_is_declined_and_passed_on,
    teammates_search_the_programs_customers,
);

fn lead_form<'a>(company: &'a str, email: &'a str, domain: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("company", company),
        ("contact_name", "Ann Buyer"),
        ("email", email),
        ("domain", domain),
        ("notes", "Wants a demo"),
    ]
}

async fn a_member_registers_and_a_teammate_converts(app: &TestApp) {
    let member = app.signed_in("member@northwind.example").await;
    let res = app
        .call(
            &member,
            "register_lead",
            &lead_form("Northwind Prospect", "ann@prospect-co.example", ""),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let lead_id = app
        .id_of(
            "SELECT id FROM leads WHERE company_name = $1",
            "Northwind Prospect",
        )
        .await
        .to_string();
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM leads WHERE domain = $1",
            "prospect-co.example"
        )
        .await,
        1,
        "the domain comes from the contact's email"
    );
    // A member sees only their own leads; the owner sees the team's (the seed has five).
    let mine: Value = app
        .call(&member, "partner_leads", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["leads"].as_array().unwrap().len(), 1);
    assert_eq!(mine["whole_team"], false);
    let owner = app.signed_in("owner@northwind.example").await;
    let team: Value = app
        .call(&owner, "partner_leads", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(team["leads"].as_array().unwrap().len(), 6);
    assert!(
        team["leads"][0]["conflict"].is_null(),
        "partners never see conflicts"
    );

    let manager = app.signed_in("manager@acme.example").await;
    for (action, status) in [("accept", "accepted"), ("convert", "converted")] {
        let res = app
            .call(
                &manager,
                "decide_lead",
                &[("lead_id", &lead_id), ("action", action)],
            )
            .await;
        assert_eq!(res.status(), 200, "{action}: {}", res.text().await.unwrap());
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM leads WHERE status = $1 AND company_name = 'Northwind Prospect'", status)
                .await,
            1
        );
    }
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "lead.status_changed"
        )
        .await,
        2
    );
    let customers: Value = app
        .call(&member, "partner_customers", &[])
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = customers["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Northwind Prospect"), "{names:?}");
    let converted = &customers["customers"][0];
    assert_eq!(
        converted["email"], "a•••@prospect-co.example",
        "emails are masked for partners"
    );
    assert_eq!(converted["source"], "lead");
}

async fn conflicts_are_flagged_for_teammates(app: &TestApp) {
    let owner = app.signed_in("owner@northwind.example").await;
    // Contoso Retail is a seeded customer at contoso.example; a subdomain URL still matches.
    let res = app
        .call(
            &owner,
            "register_lead",
            &lead_form(
                "Contoso (new team)",
                "it@contoso.example",
                "https://www.shop.contoso.example/x",
            ),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .call(
            &owner,
            "register_lead",
            &lead_form("Unrelated", "a@unrelated.example", "contoso.co"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let manager = app.signed_in("manager@acme.example").await;
    let page: Value = app
        .call(&manager, "vendor_leads", &[("status", "submitted")])
        .await
        .json()
        .await
        .unwrap();
    let find = |company: &str| {
        page["leads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["company"] == company)
            .unwrap()
            .clone()
    };
    assert_eq!(
        find("Contoso (new team)")["conflict"],
        "customer Contoso Retail"
    );
    assert!(find("Unrelated")["conflict"].is_null());
    // Bad input is refused field by field and nothing is written.
    let res: Value = app
        .call(
            &owner,
            "register_lead",
            &lead_form("", "not-an-email", "nope"),
        )
        .await
        .json()
        .await
        .unwrap();
    let fields: Vec<&str> = res["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[0].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["company", "email", "domain"]);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM leads WHERE company_name = $1", "")
            .await,
        0
    );
}

async fn roles_and_illegal_moves(app: &TestApp) {
    let finance = app.signed_in("finance@northwind.example").await;
    assert_eq!(
        app.call(&finance, "partner_leads", &[]).await.status(),
        403,
        "finance contacts do not see leads"
    );
    assert_eq!(
        app.call(
            &finance,
            "register_lead",
            &lead_form("X", "x@x.example", "")
        )
        .await
        .status(),
        403
    );
    let converted = app
        .id_of(
            "SELECT id FROM leads WHERE company_name = $1 AND status = 'converted'",
            "Fabrikam Foods",
        )
        .await
        .to_string();
    let submitted = app
        .id_of(
            "SELECT id FROM leads WHERE company_name = $1",
            "Blue Yonder Airlines",
        )
        .await
        .to_string();
    let tech = app.signed_in("tech@acme.example").await;
    assert_eq!(
        app.call(
            &tech,
            "decide_lead",
            &[("lead_id", &submitted), ("action", "accept")]
        )
        .await
        .status(),
        403,
        "technical teammates do not decide leads"
    );
    let manager = app.signed_in("manager@acme.example").await;
    let res = app
        .call(
            &manager,
            "decide_lead",
            &[("lead_id", &converted), ("action", "lost")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "A converted lead cannot be marked lost");
    let res = app
        .call(
            &manager,
            "decide_lead",
            &[
                ("lead_id", &submitted),
                ("action", "reject"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(res.status(), 400, "a rejection needs a reason");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM leads WHERE status = $1", "rejected")
            .await,
        1,
        "only the seed's rejected lead"
    );
    let res = app
        .call(
            &manager,
            "decide_lead",
            &[
                ("lead_id", &submitted),
                ("action", "reject"),
                ("reason", "Already a customer"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let owner = app.signed_in("owner@northwind.example").await;
    let team = app
        .call(&owner, "partner_leads", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        team.contains("Already a customer"),
        "the partner sees the reason"
    );
}

async fn a_passed_lead_is_declined_and_passed_on(app: &TestApp) {
    let northwind = app.partnership_id("Northwind Agency").await;
    let brightside = app.partnership_id("Brightside Affiliates").await;
    let manager = app.signed_in("manager@acme.example").await;
    let mut form = lead_form("Passed Co", "buyer@passed-co.example", "");
    form.push(("partnership_id", brightside.as_str()));
    let res = app.call(&manager, "pass_lead", &form).await;
    assert_eq!(res.status(), 400, "Brightside has only applied");
    form.pop();
    form.push(("partnership_id", northwind.as_str()));
    let res = app.call(&manager, "pass_lead", &form).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let lead = app
        .id_of("SELECT id FROM leads WHERE company_name = $1", "Passed Co")
        .await
        .to_string();

    // Members do not answer for the team; the teammate cannot answer for the partner.
    let member = app.signed_in("member@northwind.example").await;
    assert_eq!(
        app.call(
            &member,
            "answer_lead",
            &[("lead_id", &lead), ("action", "take")]
        )
        .await
        .status(),
        403
    );
    let lake = app.signed_in("owner@lakeside.example").await;
    assert_eq!(
        app.call(
            &lake,
            "answer_lead",
            &[("lead_id", &lead), ("action", "take")]
        )
        .await
        .status(),
        404,
        "another partner cannot take it"
    );
    let owner = app.signed_in("owner@northwind.example").await;
    let res = app
        .call(
            &owner,
            "answer_lead",
            &[("lead_id", &lead), ("action", "decline"), ("reason", "")],
        )
        .await;
    assert_eq!(res.status(), 400, "declining needs a reason");
    let res = app
        .call(
            &owner,
            "answer_lead",
            &[
                ("lead_id", &lead),
                ("action", "decline"),
                ("reason", "Not our region"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .call(
            &owner,
            "answer_lead",
            &[("lead_id", &lead), ("action", "take")],
        )
        .await;
    assert_eq!(res.status(), 400, "a declined lead cannot be taken");

    // Passed on: not back to the same partner, and only by a known key.
    let res = app
        .call(
            &manager,
            "repass_lead",
            &[("lead_id", &lead), ("partner_key", "northwind-7f3a")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .call(
            &manager,
            "repass_lead",
            &[("lead_id", &lead), ("partner_key", "initech-55b1")],
        )
        .await;
    assert_eq!(
        res.status(),
        400,
        "another program's partner is unknown here"
    );
    let res = app
        .call(
            &manager,
            "repass_lead",
            &[("lead_id", &lead), ("partner_key", "lakeside-2c9d")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .call(
            &lake,
            "answer_lead",
            &[("lead_id", &lead), ("action", "take")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page: Value = app
        .call(&manager, "vendor_leads", &[])
        .await
        .json()
        .await
        .unwrap();
    let row = page["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["company"] == "Passed Co")
        .unwrap()
        .clone();
    assert_eq!(row["status"], "Taken");
    let passes: Vec<&str> = row["passes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        passes,
        [
            "Northwind Agency declined: Not our region",
            "Lakeside IT taken"
        ]
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE kind = $1", "lead.passed")
            .await,
        2
    );
    // Northwind no longer sees the lead; Lakeside does.
    let nw = app
        .call(&owner, "partner_leads", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!nw.contains("Passed Co"));
    let lk = app
        .call(&lake, "partner_leads", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(lk.contains("Passed Co"));
}

async fn teammates_search_the_programs_customers(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let page: Value = app
        .call(&owner, "vendor_customers", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["customers"].as_array().unwrap().len(), 3);
    assert_eq!(
        page["customers"][0]["email"], "billing@tailspin.example",
        "teammates see emails"
    );
    let found: Value = app
        .call(&owner, "vendor_customers", &[("q", "CONTOSO")])
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = found["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Contoso Retail"]);
    assert_eq!(found["customers"][0]["partner_team"], "Northwind Agency");
    // LIKE wildcards in the search are plain characters.
    let none: Value = app
        .call(&owner, "vendor_customers", &[("q", "%")])
        .await
        .json()
        .await
        .unwrap();
    assert!(none["customers"].as_array().unwrap().is_empty());
    // A partner manager restricted to the Resellers group sees only Lakeside's customer.
    let manager = app
        .id_of(
            "SELECT t.id FROM teammates t JOIN users u ON u.id = t.user_id WHERE u.email_normalized = $1",
            "manager@acme.example",
        )
        .await
        .to_string();
    let resellers = app
        .id_of("SELECT id FROM partner_groups WHERE name = $1 AND is_default = 0 AND program_id = (SELECT id FROM programs WHERE slug = 'acme-partner-program')", "Resellers")
        .await
        .to_string();
    let res = app
        .call(
            &owner,
            "set_teammate_groups",
            &[
                ("teammate_id", manager.as_str()),
                ("groups[]", resellers.as_str()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let restricted = app.signed_in("manager@acme.example").await;
    let page: Value = app
        .call(&restricted, "vendor_customers", &[])
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = page["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Tailspin Toys"]);
    let partner = app.signed_in("owner@northwind.example").await;
    assert_eq!(
        app.call(&partner, "vendor_customers", &[]).await.status(),
        403
    );
}
