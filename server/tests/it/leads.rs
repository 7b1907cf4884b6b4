//! Leads: registration with conflict checks, who sees which leads, decisions through the lead
//! state machine, conversion into a customer the partner sees. On SQLite and PostgreSQL.

use crate::common::TestApp;
use serde_json::Value;

on_both_backends!(
    a_member_registers_and_a_teammate_converts,
    conflicts_are_flagged_for_teammates,
    roles_and_illegal_moves,
    a_passed_lead_is_declined_and_passed_on,
    teammates_search_the_programs_customers,
    csv_imports_preview_then_write_all_or_nothing,
    custom_lead_fields_per_group,
    partner_suggestions_for_a_pass,
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

async fn csv_imports_preview_then_write_all_or_nothing(app: &TestApp) {
    let member = app.signed_in("member@northwind.example").await;
    let leads_before = app
        .scalar("SELECT COUNT(*) FROM leads WHERE $1 = $1", "")
        .await;
    let bad = "company,email,contact_name\nImported One,one@imported-one.example,Ann\n,not-an-email,Bob\n";
    let preview: Value = app
        .call(&member, "import_partner_leads", &[("csv", bad)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["valid"], 1);
    assert_eq!(preview["invalid"], 1);
    assert_eq!(preview["rows"][1]["line"], 3);
    assert_eq!(preview["rows"][1]["errors"].as_array().unwrap().len(), 2);
    assert!(preview["imported"].is_null());
    // Confirming a file with a bad row writes nothing.
    let res = app
        .call(
            &member,
            "import_partner_leads",
            &[("csv", bad), ("confirm", "1")],
        )
        .await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["message"],
        "Nothing was imported: 1 of 2 rows need fixing first"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM leads WHERE $1 = $1", "")
            .await,
        leads_before
    );

    let good = "Company,Email\nImported One,one@imported-one.example\n\"Contoso, EU\",buyer@contoso.example\n";
    let done: Value = app
        .call(
            &member,
            "import_partner_leads",
            &[("csv", good), ("confirm", "1")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["imported"], 2);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM leads WHERE $1 = $1", "")
            .await,
        leads_before + 2
    );
    let mine: Value = app
        .call(&member, "partner_leads", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        mine["leads"].as_array().unwrap().len(),
        2,
        "imported leads are the member's own"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM leads WHERE company_name = $1 AND conflict = 'customer Contoso Retail'", "Contoso, EU").await,
        1,
        "conflicts are recorded for imported leads too"
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = 'lead.registered' AND payload LIKE $1",
            "%\"csv\"%"
        )
        .await,
        2
    );
    // A partner's file cannot pass leads to other partners.
    let res = app
        .call(
            &member,
            "import_partner_leads",
            &[(
                "csv",
                "company,email,partner_key\nA,a@a.example,lakeside-2c9d\n",
            )],
        )
        .await;
    assert_eq!(res.status(), 400);
    let finance = app.signed_in("finance@northwind.example").await;
    assert_eq!(
        app.call(&finance, "import_partner_leads", &[("csv", good)])
            .await
            .status(),
        403
    );

    // A teammate's import passes each lead to the partner its key names.
    let manager = app.signed_in("manager@acme.example").await;
    let vendor_csv = "company,email,partner_key\nPassed One,p1@passed-one.example,lakeside-2c9d\nPassed Two,p2@passed-two.example,no-such-key\n";
    let preview: Value = app
        .call(&manager, "import_vendor_leads", &[("csv", vendor_csv)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["invalid"], 1);
    assert_eq!(
        preview["rows"][1]["errors"][0],
        "No partner of this program has the key no-such-key"
    );
    let fixed = vendor_csv.replace("no-such-key", "lakeside-2c9d");
    let done: Value = app
        .call(
            &manager,
            "import_vendor_leads",
            &[("csv", &fixed), ("confirm", "1")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["imported"], 2);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM lead_passes lp JOIN leads l ON l.id = lp.lead_id WHERE l.company_name LIKE $1 AND l.status = 'passed'", "Passed %").await,
        2
    );
    let tech = app.signed_in("finance@acme.example").await;
    assert_eq!(
        app.call(&tech, "import_vendor_leads", &[("csv", &fixed)])
            .await
            .status(),
        403
    );
}

async fn custom_lead_fields_per_group(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    // Northwind's group in the Acme program.
    let group: String = sqlx::query_scalar::<_, i64>(
        "SELECT p.group_id FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id JOIN programs pr ON pr.id = p.program_id \
         WHERE t.name = 'Northwind Agency' AND pr.slug = 'acme-partner-program'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
    .to_string();
    let add =
        |label: &'static str, kind: &'static str, options: &'static str, required: &'static str| {
            vec![
                ("group_id", group.clone()),
                ("label", label.into()),
                ("kind", kind.into()),
                ("options", options.into()),
                ("required", required.into()),
            ]
        };
    let as_pairs = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, x)| (*k, x.clone())).collect::<Vec<_>>()
    };
    for form in [
        add("Industry", "select", "Retail, Health", "yes"),
        add("Seats", "number", "", "no"),
    ] {
        let pairs = as_pairs(&form);
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app.call(&owner, "add_lead_field", &refs).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    let dup = as_pairs(&add("industry", "text", "", "no"));
    let refs: Vec<(&str, &str)> = dup.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.call(&owner, "add_lead_field", &refs).await.status(),
        400
    );
    // A finance teammate cannot change the structure.
    let finance = app.signed_in("finance@acme.example").await;
    assert_eq!(
        app.call(&finance, "add_lead_field", &refs).await.status(),
        403
    );

    let member = app.signed_in("member@northwind.example").await;
    let page: Value = app
        .call(&member, "partner_leads", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["lead_fields"].as_array().unwrap().len(), 2);
    let mut form = lead_form("Fielded Co", "x@fielded.example", "");
    let res = app.call(&member, "register_lead", &form).await;
    assert_eq!(res.status(), 400, "the required field is missing");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["fields"][0][0], "custom[industry]");
    form.push(("custom[industry]", "Mining"));
    assert_eq!(
        app.call(&member, "register_lead", &form).await.status(),
        400
    );
    form.pop();
    form.push(("custom[industry]", "Health"));
    form.push(("custom[seats]", "40"));
    let res = app.call(&member, "register_lead", &form).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let manager = app.signed_in("manager@acme.example").await;
    let leads: Value = app
        .call(&manager, "vendor_leads", &[])
        .await
        .json()
        .await
        .unwrap();
    let lead = leads["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["company"] == "Fielded Co")
        .unwrap();
    assert_eq!(
        lead["custom"],
        serde_json::json!([["Industry", "Health"], ["Seats", "40"]])
    );

    // Imports answer custom fields in columns named by key.
    let csv = "company,email,industry\nImported Fielded,i@imported-fielded.example,Retail\nNo Answer,n@no-answer.example,\n";
    let preview: Value = app
        .call(&member, "import_partner_leads", &[("csv", csv)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["invalid"], 1);
    assert_eq!(preview["rows"][1]["errors"][0], "Industry is required");

    // Removing a field keeps the answers leads were given.
    let res = app
        .call(
            &owner,
            "remove_lead_field",
            &[("group_id", &group), ("key", "industry")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let leads: Value = app
        .call(&manager, "vendor_leads", &[])
        .await
        .json()
        .await
        .unwrap();
    let lead = leads["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["company"] == "Fielded Co")
        .unwrap();
    assert_eq!(lead["custom"][0][1], "Health");
    let page: Value = app
        .call(&member, "partner_leads", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["lead_fields"].as_array().unwrap().len(), 1);
}

async fn partner_suggestions_for_a_pass(app: &TestApp) {
    let manager = app.signed_in("manager@acme.example").await;
    let all: Value = app
        .call(&manager, "suggest_partners", &[])
        .await
        .json()
        .await
        .unwrap();
    let teams: Vec<&str> = all["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["team"].as_str().unwrap())
        .collect();
    assert_eq!(
        teams,
        ["Lakeside IT", "Northwind Agency"],
        "active partners only, highest tier first"
    );
    let country: String =
        sqlx::query_scalar("SELECT country FROM partner_teams WHERE name = 'Lakeside IT'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let by_country: Value = app
        .call(
            &manager,
            "suggest_partners",
            &[("country", &country.to_lowercase())],
        )
        .await
        .json()
        .await
        .unwrap();
    let teams: Vec<&str> = by_country["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["team"].as_str().unwrap())
        .collect();
    assert!(teams.contains(&"Lakeside IT"), "{teams:?}");
    assert!(
        by_country["partners"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["country"] == country.as_str())
    );
    assert_eq!(
        app.call(&manager, "suggest_partners", &[("partner_type", "pirate")])
            .await
            .status(),
        400
    );
    let finance = app.signed_in("finance@acme.example").await;
    assert_eq!(
        app.call(&finance, "suggest_partners", &[]).await.status(),
        403
    );
}
