//! Segments, the partners table, bulk actions and program structure, on SQLite and PostgreSQL.

use std::collections::{BTreeSet, HashMap};

use crate::common::TestApp;
use domain::partnership::PartnershipStatus;
use domain::segment::{Condition, PartnershipFacts, Rule};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use sqlx::Row;
use store::segments;

on_both_backends!(
    segment_sql_agrees_with_the_reference_rule,
    partners_table_filters_sorts_and_pages,
    bulk_actions,
    restricted_partner_manager_sees_only_their_groups,
    structure_editing,
    programs_are_created_and_edited,
    partner_detail_history_and_notes,
    partner_status_actions,
    approval_chooses_the_group,
    partners_see_progress_to_the_next_tier,
    structure_is_renamed_reordered_and_pruned,
);

async fn program_id(app: &TestApp) -> i64 {
    app.acme_program_id().await
}

async fn ids(app: &TestApp, sql: &'static str, program: i64) -> Vec<i64> {
    sqlx::query_scalar(sql)
        .bind(program)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

/// Adds `n` random partnerships (with tags, tiers, managers, countries) to the program.
async fn add_random_partners(app: &TestApp, program: i64, n: usize, rng: &mut StdRng) {
    let groups = ids(
        app,
        "SELECT id FROM partner_groups WHERE program_id = $1",
        program,
    )
    .await;
    let tiers = ids(app, "SELECT id FROM tiers WHERE program_id = $1", program).await;
    let managers = ids(app, "SELECT t.id FROM teammates t JOIN programs p ON p.company_id = t.company_id WHERE p.id = $1", program).await;
    let mut tags = ids(app, "SELECT id FROM tags WHERE program_id = $1", program).await;
    for name in ["vip", "emea", "new", "webinar"] {
        if tags.len() >= 4 {
            break;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tags (program_id, name, created_at) VALUES ($1, $2, 0) RETURNING id",
        )
        .bind(program)
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        tags.push(id);
    }
    let names = [
        "North Star",
        "Exo Labs",
        "Zeta",
        "northern lights",
        "Example Co",
        "Quiet",
    ];
    for i in 0..n {
        let name = format!("{} {i}", names[rng.gen_range(0..names.len())]);
        let kind = ["agency", "msp"][rng.gen_range(0..2)];
        let country: Option<&str> = [None, Some("US"), Some("DE")][rng.gen_range(0..3)];
        let team: i64 = sqlx::query_scalar("INSERT INTO partner_teams (name, kind, country, created_at) VALUES ($1, $2, $3, 0) RETURNING id")
            .bind(&name)
            .bind(kind)
            .bind(country)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let status = PartnershipStatus::ALL[rng.gen_range(0..5)];
        let tier = rng
            .gen_bool(0.6)
            .then(|| tiers[rng.gen_range(0..tiers.len())]);
        let manager = rng
            .gen_bool(0.5)
            .then(|| managers[rng.gen_range(0..managers.len())]);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO partnerships (program_id, partner_team_id, status, partner_key, group_id, tier_id, manager_teammate_id, joined_at, team_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT name FROM partner_teams WHERE id = $2)) RETURNING id",
        )
        .bind(program)
        .bind(team)
        .bind(status.as_str())
        .bind(format!("rnd-{team}"))
        .bind(groups[rng.gen_range(0..groups.len())])
        .bind(tier)
        .bind(manager)
        .bind(rng.gen_range(0..100_i64))
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        for tag in &tags {
            if rng.gen_bool(0.3) {
                sqlx::query("INSERT INTO partnership_tags (partnership_id, tag_id, created_at) VALUES ($1, $2, 0)")
                    .bind(id)
                    .bind(tag)
                    .execute(&app.db.pool)
                    .await
                    .unwrap();
            }
        }
    }
}

/// Every partnership of the program as facts, read straight from the tables.
async fn facts(app: &TestApp, program: i64) -> Vec<PartnershipFacts> {
    let rows = sqlx::query(
        "SELECT p.id, p.status, p.group_id, p.tier_id, t.kind, t.country, p.joined_at, p.manager_teammate_id, t.name, t.id \
         FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id WHERE p.program_id = $1",
    )
    .bind(program)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let tags: Vec<(i64, i64)> = sqlx::query("SELECT partnership_id, tag_id FROM partnership_tags")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let emails: Vec<(i64, String)> = sqlx::query("SELECT c.partner_team_id, u.email_normalized FROM contacts c JOIN users u ON u.id = c.user_id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    rows.into_iter()
        .map(|r| {
            let id: i64 = r.get(0);
            let team: i64 = r.get(9);
            let status: String = r.get(1);
            PartnershipFacts {
                status: PartnershipStatus::parse(&status).ok(),
                group_id: r.get(2),
                tier_id: r.get(3),
                tag_ids: tags
                    .iter()
                    .filter(|(p, _)| *p == id)
                    .map(|(_, t)| *t)
                    .collect(),
                partner_type: r.get(4),
                country: r.get(5),
                joined_at: r.get(6),
                manager_id: r.get(7),
                team_name: r.get(8),
                contact_emails: emails
                    .iter()
                    .filter(|(t, _)| *t == team)
                    .map(|(_, e)| e.clone())
                    .collect(),
            }
        })
        .collect()
}

fn random_rule(rng: &mut StdRng, pools: &HashMap<&str, Vec<i64>>, depth: usize) -> Rule {
    if depth >= 3 || rng.gen_bool(0.45) {
        let pick = |rng: &mut StdRng, key: &str| pools[key][rng.gen_range(0..pools[key].len())];
        let condition = match rng.gen_range(0..10) {
            0 => Condition::Status(PartnershipStatus::ALL[rng.gen_range(0..5)]),
            1 => Condition::Group(pick(rng, "groups")),
            2 => Condition::Tier(rng.gen_bool(0.7).then(|| pick(rng, "tiers"))),
            3 => Condition::HasTag(pick(rng, "tags")),
            4 => Condition::PartnerType(["agency", "msp", "affiliate"][rng.gen_range(0..3)].into()),
            5 => Condition::Country(["", "US", "DE"][rng.gen_range(0..3)].into()),
            6 => Condition::JoinedBefore(rng.gen_range(0..100)),
            7 => Condition::JoinedSince(rng.gen_range(0..100)),
            8 => Condition::Manager(rng.gen_bool(0.7).then(|| pick(rng, "managers"))),
            _ => Condition::Search(
                ["north", "EX", "z", "@northwind", "%", "_"][rng.gen_range(0..6)].into(),
            ),
        };
        return Rule::Is(condition);
    }
    let children = (0..rng.gen_range(0..4))
        .map(|_| random_rule(rng, pools, depth + 1))
        .collect();
    match rng.gen_range(0..3) {
        0 => Rule::All(children),
        1 => Rule::Any(children),
        _ => Rule::Not(Box::new(random_rule(rng, pools, depth + 1))),
    }
}

async fn segment_sql_agrees_with_the_reference_rule(app: &TestApp) {
    let program = program_id(app).await;
    let mut rng = StdRng::seed_from_u64(20261124);
    add_random_partners(app, program, 60, &mut rng).await;
    let all = facts(app, program).await;
    let mut pools = HashMap::new();
    pools.insert(
        "groups",
        ids(
            app,
            "SELECT id FROM partner_groups WHERE program_id = $1",
            program,
        )
        .await,
    );
    pools.insert(
        "tiers",
        ids(app, "SELECT id FROM tiers WHERE program_id = $1", program).await,
    );
    pools.insert(
        "tags",
        ids(app, "SELECT id FROM tags WHERE program_id = $1", program).await,
    );
    pools.insert("managers", ids(app, "SELECT t.id FROM teammates t JOIN programs p ON p.company_id = t.company_id WHERE p.id = $1", program).await);
    let mut nonzero = 0;
    for _ in 0..150 {
        let rule = random_rule(&mut rng, &pools, 0);
        let expected = all.iter().filter(|f| rule.matches(f)).count() as i64;
        let counted = segments::count(&app.db, program, &rule).await.unwrap();
        assert_eq!(
            counted,
            expected,
            "rule {}",
            serde_json::to_string(&rule).unwrap()
        );
        if expected > 0 && expected < all.len() as i64 {
            nonzero += 1;
        }
    }
    assert!(
        nonzero > 30,
        "the random rules should mostly split the partners ({nonzero})"
    );
}

async fn partners_table_filters_sorts_and_pages(app: &TestApp) {
    let program = program_id(app).await;
    let mut rng = StdRng::seed_from_u64(7);
    add_random_partners(app, program, 120, &mut rng).await;
    let owner = app.signed_in("owner@acme.example").await;
    let total = app.scalar("SELECT COUNT(*) FROM partnerships p JOIN programs pr ON pr.id = p.program_id WHERE pr.slug = $1", "acme-partner-program").await;
    for sort in ["newest", "oldest", "name"] {
        let mut seen = Vec::new();
        let mut after = String::new();
        loop {
            let mut form = vec![("sort", sort)];
            if !after.is_empty() {
                form.push(("after", after.as_str()));
            }
            let page: Value = app
                .call(&owner, "partners", &form)
                .await
                .json()
                .await
                .unwrap();
            let rows = page["rows"].as_array().unwrap();
            assert!(rows.len() <= 50);
            seen.extend(rows.iter().map(|r| {
                (
                    r["partnership_id"].as_i64().unwrap(),
                    r["joined_at"].as_i64().unwrap(),
                    r["partner_team"].as_str().unwrap().to_owned(),
                )
            }));
            match page["next"].as_str() {
                Some(next) => after = next.to_owned(),
                None => break,
            }
        }
        assert_eq!(seen.len() as i64, total, "{sort}: every partner once");
        assert_eq!(
            seen.iter().map(|s| s.0).collect::<BTreeSet<_>>().len() as i64,
            total,
            "{sort}: no duplicates"
        );
        if sort == "newest" {
            assert!(
                seen.windows(2)
                    .all(|w| (w[0].1, w[0].0) >= (w[1].1, w[1].0))
            );
        }
        if sort == "oldest" {
            assert!(
                seen.windows(2)
                    .all(|w| (w[0].1, w[0].0) <= (w[1].1, w[1].0))
            );
        }
    }
    // Filters are the same rules as segments: compare with the reference.
    let all = facts(app, program).await;
    let tag = ids(
        app,
        "SELECT id FROM tags WHERE program_id = $1 ORDER BY id",
        program,
    )
    .await[0];
    let tag_text = tag.to_string();
    let page: Value = app
        .call(
            &owner,
            "partners",
            &[("tag", tag_text.as_str()), ("status", "active")],
        )
        .await
        .json()
        .await
        .unwrap();
    let expected = all
        .iter()
        .filter(|f| f.tag_ids.contains(&tag) && f.status == Some(PartnershipStatus::Active))
        .count();
    assert_eq!(page["rows"].as_array().unwrap().len(), expected.min(50));
    let page: Value = app
        .call(&owner, "partners", &[("q", "NORTHWIND")])
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partner_team"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Northwind Agency"]);
    let bad = app.call(&owner, "partners", &[("status", "frozen")]).await;
    assert_eq!(bad.status(), 400);
}

async fn bulk_actions(app: &TestApp) {
    let program = program_id(app).await.to_string();
    let owner = app.signed_in("owner@acme.example").await;
    assert_eq!(
        app.call(
            &owner,
            "create_label",
            &[("program", &program), ("kind", "tag"), ("name", "Q4 push")]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.call(
            &owner,
            "create_label",
            &[("program", &program), ("kind", "tag"), ("name", "Q4 push")]
        )
        .await
        .status(),
        400
    );
    let structure: Value = app
        .call(&owner, "structure", &[])
        .await
        .json()
        .await
        .unwrap();
    let tag = structure["structure"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Q4 push")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let page: Value = app
        .call(&owner, "partners", &[])
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<String> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partnership_id"].as_i64().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    let mut form: Vec<(&str, &str)> =
        vec![("program", &program), ("action", "add_tag"), ("tag", &tag)];
    for id in &ids {
        form.push(("ids[]", id));
    }
    let tech = app.signed_in("tech@acme.example").await;
    assert_eq!(
        app.call(&tech, "bulk_update_partners", &form)
            .await
            .status(),
        403
    );
    let res: Value = app
        .call(&owner, "bulk_update_partners", &form)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["changed"], 3);
    let again: Value = app
        .call(&owner, "bulk_update_partners", &form)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["changed"], 0, "already tagged: nothing changes");
    let page: Value = app
        .call(&owner, "partners", &[("tag", tag.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["rows"].as_array().unwrap().len(), 3);
    assert!(
        page["rows"][0]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "Q4 push")
    );
    let events = app
        .scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "partnership.tag_added",
        )
        .await;
    assert_eq!(events, 3);
    // Another company's partnership among the ids: nothing happens.
    let globex_partnership = app.partnership_id("Initech Resellers").await;
    let form = vec![
        ("program", program.as_str()),
        ("action", "suspend"),
        ("ids[]", ids[0].as_str()),
        ("ids[]", globex_partnership.as_str()),
    ];
    assert_eq!(
        app.call(&owner, "bulk_update_partners", &form)
            .await
            .status(),
        404
    );
    let suspended = app
        .scalar(
            "SELECT COUNT(*) FROM partnerships WHERE status = $1",
            "suspended",
        )
        .await;
    assert_eq!(suspended, 0);
    let form = vec![
        ("program", program.as_str()),
        ("action", "suspend"),
        ("ids[]", ids[0].as_str()),
        ("ids[]", ids[1].as_str()),
        ("ids[]", ids[2].as_str()),
    ];
    let res: Value = app
        .call(&owner, "bulk_update_partners", &form)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["changed"], 2, "the applied partner cannot be suspended");
    let none = vec![("program", program.as_str()), ("action", "suspend")];
    assert_eq!(
        app.call(&owner, "bulk_update_partners", &none)
            .await
            .status(),
        400
    );
}

async fn restricted_partner_manager_sees_only_their_groups(app: &TestApp) {
    let program = program_id(app).await;
    let manager = app.id_of("SELECT t.id FROM teammates t JOIN users u ON u.id = t.user_id WHERE u.email_normalized = $1", "manager@acme.example").await;
    let agencies: i64 = sqlx::query_scalar(
        "SELECT id FROM partner_groups WHERE program_id = $1 AND name = 'Agencies'",
    )
    .bind(program)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let owner = app.signed_in("owner@acme.example").await;
    let (manager_text, agencies_text) = (manager.to_string(), agencies.to_string());
    let finance = app.id_of("SELECT t.id FROM teammates t JOIN users u ON u.id = t.user_id WHERE u.email_normalized = $1", "finance@acme.example").await.to_string();
    let res = app
        .call(
            &owner,
            "set_teammate_groups",
            &[("teammate_id", &finance), ("groups[]", &agencies_text)],
        )
        .await;
    assert_eq!(res.status(), 400, "only partner managers are restricted");
    let globex_group = app.id_of("SELECT g.id FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE p.slug = $1", "globex-partners").await.to_string();
    let res = app
        .call(
            &owner,
            "set_teammate_groups",
            &[("teammate_id", &manager_text), ("groups[]", &globex_group)],
        )
        .await;
    assert_eq!(res.status(), 404, "another company's group");
    let res = app
        .call(
            &owner,
            "set_teammate_groups",
            &[("teammate_id", &manager_text), ("groups[]", &agencies_text)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let team: Value = app
        .call(&owner, "teammates", &[])
        .await
        .json()
        .await
        .unwrap();
    let row = team["teammates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["email"] == "manager@acme.example")
        .unwrap()
        .clone();
    assert_eq!(row["groups"], serde_json::json!([agencies]));
    let client = app.signed_in("manager@acme.example").await;
    let page: Value = app
        .call(&client, "partners", &[])
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partner_team"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Northwind Agency"]);
    let brightside = app.partnership_id("Brightside Affiliates").await;
    assert_eq!(
        app.call(
            &client,
            "approve_application",
            &[("partnership_id", &brightside)]
        )
        .await
        .status(),
        404,
        "even by id"
    );
    let apps: Value = app
        .call(&client, "applications", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(apps["applications"].as_array().unwrap().is_empty());
    let program = program.to_string();
    let form = vec![
        ("program", program.as_str()),
        ("action", "suspend"),
        ("ids[]", brightside.as_str()),
    ];
    assert_eq!(
        app.call(&client, "bulk_update_partners", &form)
            .await
            .status(),
        404
    );
    let preview: Value = app
        .call(
            &client,
            "preview_segment",
            &[("program", &program), ("rule", r#"{"all":[]}"#)],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["count"], 1);
}

async fn structure_editing(app: &TestApp) {
    let program = program_id(app).await.to_string();
    let owner = app.signed_in("owner@acme.example").await;
    // Tiers: money thresholds in the program currency, ranks unique, fields checked.
    let tier = |name: &'static str, rank: &'static str, threshold: &'static str| {
        vec![
            ("program", program.clone()),
            ("name", name.into()),
            ("rank", rank.into()),
            ("metric", "closed_won_revenue".into()),
            ("window_days", "90".into()),
            ("threshold", threshold.into()),
            ("multiplier_percent", "110".into()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
    };
    let form = as_refs(&tier("Platinum", "4", "10,000.50"));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(app.call(&owner, "save_tier", &form).await.status(), 200);
    let stored: String = sqlx::query_scalar("SELECT rule FROM tiers WHERE name = 'Platinum'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(stored.contains("1000050"), "{stored}");
    let dup = as_refs(&tier("Again", "4", "1"));
    let dup: Vec<(&str, &str)> = dup.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res: Value = app
        .call(&owner, "save_tier", &dup)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["fields"][0][0], "rank");
    let bad = as_refs(&tier("", "9", "1.234"));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res: Value = app
        .call(&owner, "save_tier", &bad)
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
    assert_eq!(fields, ["name", "threshold"]);

    // Groups: a group with partners or the default group stays.
    let structure: Value = app
        .call(&owner, "structure", &[])
        .await
        .json()
        .await
        .unwrap();
    let group_id = |name: &str| {
        structure["structure"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        app.call(
            &owner,
            "delete_label",
            &[("kind", "group"), ("id", &group_id("Agencies"))]
        )
        .await
        .status(),
        400
    );
    assert_eq!(
        app.call(
            &owner,
            "create_label",
            &[("program", &program), ("kind", "group"), ("name", "Spare")]
        )
        .await
        .status(),
        200
    );
    let structure: Value = app
        .call(&owner, "structure", &[])
        .await
        .json()
        .await
        .unwrap();
    let spare = structure["structure"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Spare")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let globex = app.signed_in("owner@globex.example").await;
    assert_eq!(
        app.call(
            &globex,
            "delete_label",
            &[("kind", "group"), ("id", &spare)]
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.call(&owner, "delete_label", &[("kind", "group"), ("id", &spare)])
            .await
            .status(),
        200
    );

    // Segments: saved rules, validated, previewed.
    let silver = structure["structure"]["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Silver")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let rule = serde_json::to_string(&Rule::all_of([Condition::Tier(Some(silver))])).unwrap();
    let preview: Value = app
        .call(
            &owner,
            "preview_segment",
            &[("program", &program), ("rule", &rule)],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["count"], 1);
    assert_eq!(preview["sample"][0], "Northwind Agency");
    assert_eq!(
        app.call(
            &owner,
            "save_segment",
            &[
                ("program", &program),
                ("name", "Silver partners"),
                ("rule", &rule)
            ]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.call(
            &owner,
            "save_segment",
            &[
                ("program", &program),
                ("name", "Broken"),
                ("rule", "{not json")
            ]
        )
        .await
        .status(),
        400
    );
    let read_only_tech = app.signed_in("tech@acme.example").await;
    assert_eq!(
        app.call(
            &read_only_tech,
            "save_segment",
            &[("program", &program), ("name", "X"), ("rule", &rule)]
        )
        .await
        .status(),
        403
    );
    let structure: Value = app
        .call(&owner, "structure", &[])
        .await
        .json()
        .await
        .unwrap();
    let segment = structure["structure"]["segments"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let page: Value = app
        .call(&owner, "partners", &[("segment", segment.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["rows"].as_array().unwrap().len(),
        1,
        "saved segments filter the partners table"
    );
}

async fn programs_are_created_and_edited(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let form = |id: &'static str, slug: &'static str, currency: &'static str| {
        vec![
            ("id", id),
            ("name", "Acme Resellers"),
            ("slug", slug),
            ("currency", currency),
            ("attribution_window_days", "60"),
            ("hold_days", "14"),
            ("min_cashout", "25.50"),
            ("signup_mode", "open"),
            ("allowed_domains", "acme.example, shop.acme.example"),
            ("terms", "Resell responsibly."),
        ]
    };
    let manager = app.signed_in("manager@acme.example").await;
    assert_eq!(
        app.call(&manager, "save_program", &form("", "", "EUR"))
            .await
            .status(),
        403,
        "program settings need an admin"
    );
    let taken: Value = app
        .call(
            &owner,
            "save_program",
            &form("", "acme-partner-program", "EUR"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(taken["fields"][0][0], "slug");
    let res = app.call(&owner, "save_program", &form("", "", "EUR")).await;
    assert_eq!(res.status(), 200);
    let id: i64 = res.json().await.unwrap();
    let settings: Value = app
        .call(&owner, "program_settings", &[("program", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settings["form"]["slug"], "acme-resellers");
    assert_eq!(settings["form"]["min_cashout"], "25.50");
    assert_eq!(
        settings["form"]["allowed_domains"],
        "acme.example, shop.acme.example"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE p.slug = $1 AND g.is_default = 1", "acme-resellers").await, 1);
    let id_text = id.to_string();
    let mut change_currency = form("", "", "USD");
    change_currency[0] = ("id", id_text.as_str());
    let res: Value = app
        .call(&owner, "save_program", &change_currency)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["fields"][0][0], "currency");
    // Open programs activate partners at once.
    let visitor = app.client();
    let res = app
        .call(
            &visitor,
            "apply",
            &[
                ("slug", "acme-resellers"),
                ("name", "Olly Open"),
                ("email", "olly@open.example"),
                ("password", "a-long-enough-password"),
                ("team_name", "Open Co"),
                ("partner_type", "reseller"),
                ("website", ""),
                ("country", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app.confirm_signup(&visitor, "olly@open.example").await;
    assert_eq!(res.status(), 200);
    let dashboard: Value = app
        .call(&visitor, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dashboard["partnerships"][0]["status"], "active");
    let globex = app.signed_in("owner@globex.example").await;
    let mut steal = form("", "", "EUR");
    steal[0] = ("id", id_text.as_str());
    assert_eq!(
        app.call(&globex, "save_program", &steal).await.status(),
        404
    );
}

async fn partner_detail_history_and_notes(app: &TestApp) {
    let brightside = app.partnership_id("Brightside Affiliates").await;
    let owner = app.signed_in("owner@acme.example").await;
    assert_eq!(
        app.call(
            &owner,
            "reject_application",
            &[("partnership_id", &brightside), ("reason", "Not a fit yet")]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.call(
            &owner,
            "save_partner_notes",
            &[
                ("partnership_id", &brightside),
                ("notes", "Call again in Q3")
            ]
        )
        .await
        .status(),
        200
    );
    let detail: Value = app
        .call(&owner, "partner", &[("partnership_id", &brightside)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["partner_team"], "Brightside Affiliates");
    assert_eq!(detail["status"], "rejected");
    assert_eq!(detail["notes"], "Call again in Q3");
    let history: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        ["Notes edited", "Status applied → rejected (Not a fit yet)"]
    );
    assert_eq!(detail["history"][1]["actor"], "Olivia Owner");
    let northwind = app.partnership_id("Northwind Agency").await;
    let detail: Value = app
        .call(&owner, "partner", &[("partnership_id", &northwind)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["contacts"].as_array().unwrap().len(), 4);
    assert_eq!(detail["tags"], serde_json::json!(["VIP", "Webinar 2026"]));
    let tech = app.signed_in("tech@acme.example").await;
    let detail: Value = app
        .call(&tech, "partner", &[("partnership_id", &brightside)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["can_edit_notes"], false);
    assert_eq!(
        app.call(
            &tech,
            "save_partner_notes",
            &[("partnership_id", &brightside), ("notes", "x")]
        )
        .await
        .status(),
        403
    );
    let globex = app.signed_in("owner@globex.example").await;
    assert_eq!(
        app.call(&globex, "partner", &[("partnership_id", &brightside)])
            .await
            .status(),
        404
    );
}

/// Suspend, reactivate, archive and unarchive from the partner page and the partners table:
/// each follows the status machine, keeps its reason in the history, and unarchiving restores
/// what the partnership was.
async fn partner_status_actions(app: &TestApp) {
    use crate::common::json_of;
    let northwind = app.partnership_id("Northwind Agency").await;
    let brightside = app.partnership_id("Brightside Affiliates").await;
    let owner = app.signed_in("owner@acme.example").await;
    let partner = app.signed_in("owner@northwind.example").await;
    let act = |id: &str, action: &'static str, reason: &'static str| {
        vec![
            ("partnership_id", id.to_owned()),
            ("action", action.to_owned()),
            ("reason", reason.to_owned()),
        ]
    };
    let status = |detail: &Value| detail["status"].as_str().unwrap().to_owned();
    let detail_of = async |id: &str| {
        json_of(app.call(&owner, "partner", &[("partnership_id", id)]).await).await
    };
    let send = async |form: Vec<(&str, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.call(&owner, "change_partner_status", &form).await
    };

    assert_eq!(status(&detail_of(&northwind).await), "active");
    assert_eq!(detail_of(&northwind).await["can_change_status"], true);
    // Reactivating an active partner breaks the rule and changes nothing.
    let res = send(act(&northwind, "reactivate", "")).await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Only a suspended partnership")
    );
    assert_eq!(send(act(&northwind, "dance", "")).await.status(), 400);

    assert_eq!(
        send(act(&northwind, "suspend", "Fake traffic"))
            .await
            .status(),
        200
    );
    let card_of = async || {
        let dashboard = json_of(app.call(&partner, "partner_dashboard", &[]).await).await;
        dashboard["partnerships"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["partnership_id"]
                    .as_i64()
                    .map(|id| id.to_string())
                    .as_deref()
                    == Some(northwind.as_str())
            })
            .cloned()
            .expect("the Acme card")
    };
    assert_eq!(card_of().await["status"], "suspended");
    assert_eq!(send(act(&northwind, "reactivate", "")).await.status(), 200);
    assert_eq!(status(&detail_of(&northwind).await), "active");

    assert_eq!(
        send(act(&northwind, "archive", "Left the market"))
            .await
            .status(),
        200
    );
    assert_eq!(status(&detail_of(&northwind).await), "archived");
    assert_eq!(send(act(&northwind, "suspend", "")).await.status(), 400);
    assert_eq!(send(act(&northwind, "unarchive", "")).await.status(), 200);
    let detail = detail_of(&northwind).await;
    assert_eq!(status(&detail), "active", "unarchive restores what it was");
    let history: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["what"].as_str().unwrap())
        .take(4)
        .collect();
    assert_eq!(
        history,
        [
            "Status archived → active",
            "Status active → archived (Left the market)",
            "Status suspended → active",
            "Status active → suspended (Fake traffic)",
        ]
    );

    // A rejected partner keeps its reason through archive and unarchive.
    let reject = [
        ("partnership_id", brightside.as_str()),
        ("reason", "Not a fit yet"),
    ];
    assert_eq!(
        app.call(&owner, "reject_application", &reject)
            .await
            .status(),
        200
    );
    assert_eq!(send(act(&brightside, "archive", "")).await.status(), 200);
    assert_eq!(
        send(act(&brightside, "unarchive", "Archived by mistake"))
            .await
            .status(),
        200
    );
    let detail = detail_of(&brightside).await;
    assert_eq!(status(&detail), "rejected");
    assert_eq!(detail["rejection_reason"], "Not a fit yet");

    // The partners table: archive both, then unarchive both; a partner the action does not
    // apply to is skipped.
    let program = app.acme_program_id().await.to_string();
    let bulk = |action: &'static str| {
        vec![
            ("program", program.clone()),
            ("action", action.to_owned()),
            ("ids[]", northwind.clone()),
            ("ids[]", brightside.clone()),
        ]
    };
    let bulk_send = async |form: Vec<(&str, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        json_of(app.call(&owner, "bulk_update_partners", &form).await).await["changed"].clone()
    };
    assert_eq!(bulk_send(bulk("reactivate")).await, 0);
    assert_eq!(bulk_send(bulk("archive")).await, 2);
    assert_eq!(bulk_send(bulk("archive")).await, 0);
    assert_eq!(bulk_send(bulk("unarchive")).await, 2);
    assert_eq!(status(&detail_of(&northwind).await), "active");
    assert_eq!(status(&detail_of(&brightside).await), "rejected");

    // Only teammates who manage partners.
    let tech = app.signed_in("tech@acme.example").await;
    let form = [
        ("partnership_id", northwind.as_str()),
        ("action", "suspend"),
    ];
    assert_eq!(
        app.call(&tech, "change_partner_status", &form)
            .await
            .status(),
        403
    );

    // The team's owner leaves the program (a member may not); the vendor can bring it back.
    let leave = [("partnership_id", northwind.as_str())];
    let member = app.signed_in("member@northwind.example").await;
    assert_eq!(
        app.call(&member, "leave_program", &leave).await.status(),
        403
    );
    assert_eq!(card_of().await["can_leave"], true);
    assert_eq!(
        app.call(&partner, "leave_program", &leave).await.status(),
        200
    );
    let card = card_of().await;
    assert_eq!(card["status"], "archived");
    assert_eq!(card["can_leave"], false);
    assert_eq!(
        app.call(&partner, "leave_program", &leave).await.status(),
        400
    );
    let detail = detail_of(&northwind).await;
    assert_eq!(
        detail["history"][0]["what"],
        "Status active → archived (The partner left the program)"
    );
    assert_eq!(detail["history"][0]["actor"], "Nora Northwind");
    assert_eq!(send(act(&northwind, "unarchive", "")).await.status(), 200);
    assert_eq!(status(&detail_of(&northwind).await), "active");
}

/// Approving an application may place the partner in another group of the program, never in
/// another program's group.
async fn approval_chooses_the_group(app: &TestApp) {
    use crate::common::json_of;
    let brightside = app.partnership_id("Brightside Affiliates").await;
    let owner = app.signed_in("owner@acme.example").await;
    let page = json_of(app.call(&owner, "applications", &[]).await).await;
    let groups: Vec<&str> = page["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["Agencies", "Default", "Resellers"]);
    let foreign = app.group_id("Globex Partners", "Resellers").await;
    let agencies = app.group_id("Acme Partner Program", "Agencies").await;
    let approve = |group: &str| {
        vec![
            ("partnership_id", brightside.clone()),
            ("group", group.to_owned()),
        ]
    };
    let send = async |form: Vec<(&str, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.call(&owner, "approve_application", &form).await
    };
    assert_eq!(send(approve(&foreign)).await.status(), 404);
    assert_eq!(send(approve("soon")).await.status(), 400);
    let detail = json_of(
        app.call(&owner, "partner", &[("partnership_id", &brightside)])
            .await,
    )
    .await;
    assert_eq!(
        detail["status"], "applied",
        "a refused approval changes nothing"
    );
    assert_eq!(send(approve(&agencies)).await.status(), 200);
    let detail = json_of(
        app.call(&owner, "partner", &[("partnership_id", &brightside)])
            .await,
    )
    .await;
    assert_eq!(detail["status"], "active");
    assert_eq!(detail["group"], "Agencies");
    assert_eq!(detail["history"][0]["what"], "Moved to another group");
}

async fn partners_see_progress_to_the_next_tier(app: &TestApp) {
    let partner = app.signed_in("owner@northwind.example").await;
    let dashboard: Value = app
        .call(&partner, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    let progress = &dashboard["partnerships"][0]["tier_progress"];
    assert_eq!(progress["next_tier"], "Gold");
    assert_eq!(
        progress["value"], "$0.00",
        "the seeded closed-won deal is older than the 90-day window"
    );
    assert_eq!(progress["threshold"], "$50,000.00");
    assert!(
        dashboard["partnerships"][0]["terms"]
            .as_str()
            .unwrap()
            .contains("Rewards are held")
    );
    // A deal won now counts (by the time it closed, not when it was registered).
    sqlx::query("UPDATE deals SET closed_at = $1 WHERE stage = 'closed_won'")
        .bind(store::db::now_ms())
        .execute(&app.db.pool)
        .await
        .unwrap();
    let dashboard: Value = app
        .call(&partner, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    let progress = &dashboard["partnerships"][0]["tier_progress"];
    assert_eq!(progress["value"], "$5,000.00");
    assert_eq!(progress["remaining"], "$45,000.00");
    assert_eq!(progress["percent"], 10);
    assert_eq!(
        progress["metric"],
        "Closed-won deal revenue in the last 90 days"
    );
    // Lakeside holds the top tier: nothing to work toward.
    let lakeside = app.signed_in("owner@lakeside.example").await;
    let dashboard: Value = app
        .call(&lakeside, "partner_dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(dashboard["partnerships"][0]["tier_progress"].is_null());
}

/// Renaming groups and tags, the default group, editing and deleting tiers and segments: each
/// change is guarded, recorded, and leaves the rest alone.
async fn structure_is_renamed_reordered_and_pruned(app: &TestApp) {
    let program = program_id(app).await.to_string();
    let owner = app.signed_in("owner@acme.example").await;
    let id = |sql: &'static str, name: &'static str| async move {
        app.id_of(sql, name).await.to_string()
    };
    let vip = id("SELECT id FROM tags WHERE name = $1", "VIP").await;
    let agencies = id("SELECT id FROM partner_groups WHERE name = $1", "Agencies").await;
    let default_group = app
        .id_of(
            "SELECT g.id FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE p.slug = $1 AND g.is_default = 1",
            "acme-partner-program",
        )
        .await
        .to_string();

    // Rename: a clash is a field error and changes nothing; a good name is kept with an event.
    let res: Value = app
        .call(
            &owner,
            "rename_label",
            &[("kind", "tag"), ("id", &vip), ("name", "EMEA")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["fields"][0][0], "name", "{res}");
    let res = app
        .call(
            &owner,
            "rename_label",
            &[("kind", "tag"), ("id", &vip), ("name", " Key accounts ")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tags WHERE name = $1", "Key accounts")
            .await,
        1
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM partnership_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.name = $1",
            "Key accounts"
        )
        .await,
        2,
        "partners keep the renamed tag"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE kind = $1", "tag.renamed")
            .await,
        1
    );
    let res = app
        .call(
            &owner,
            "rename_label",
            &[("kind", "tier"), ("id", &vip), ("name", "x")],
        )
        .await;
    assert_eq!(res.status(), 400);

    // The default group moves; exactly one default remains.
    let res = app
        .call(&owner, "set_default_group", &[("id", &agencies)])
        .await;
    assert_eq!(res.status(), 200);
    let defaults = "SELECT COUNT(*) FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE p.slug = $1 AND g.is_default = 1";
    assert_eq!(app.scalar(defaults, "acme-partner-program").await, 1);
    assert_eq!(
        app.scalar(
            "SELECT is_default FROM partner_groups WHERE name = $1",
            "Agencies"
        )
        .await,
        1
    );
    // The old default, now empty of the flag, can be deleted once it has no partners.
    let res = app
        .call(
            &owner,
            "delete_label",
            &[("kind", "group"), ("id", &default_group)],
        )
        .await;
    assert_eq!(res.status(), 400, "Brightside is still in it");

    // Tiers: edited in place (rank clash refused), deleted only when nobody holds them.
    let bronze = id("SELECT id FROM tiers WHERE name = $1", "Bronze").await;
    let silver = id("SELECT id FROM tiers WHERE name = $1", "Silver").await;
    let edit = |tier: &str, name: &str, rank: &str| {
        vec![
            ("program".to_owned(), program.clone()),
            ("id".to_owned(), tier.to_owned()),
            ("name".to_owned(), name.to_owned()),
            ("rank".to_owned(), rank.to_owned()),
            ("metric".to_owned(), "paying_customers".to_owned()),
            ("window_days".to_owned(), String::new()),
            ("threshold".to_owned(), "3".to_owned()),
            ("multiplier_percent".to_owned(), "105".to_owned()),
        ]
    };
    let call = |form: Vec<(String, String)>| {
        let owner = owner.clone();
        async move {
            let refs: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.call(&owner, "save_tier", &refs).await
        }
    };
    let clash: Value = call(edit(&bronze, "Bronze", "2"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(clash["fields"][0][0], "rank");
    assert_eq!(call(edit(&bronze, "Starter", "1")).await.status(), 200);
    let stored: (String, String) = {
        let row = sqlx::query("SELECT name, benefits FROM tiers WHERE id = $1")
            .bind(bronze.parse::<i64>().unwrap())
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(stored.0, "Starter");
    assert!(stored.1.contains("105"), "{}", stored.1);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "tier.updated"
        )
        .await,
        1
    );
    let res = app
        .call(&owner, "delete_label", &[("kind", "tier"), ("id", &silver)])
        .await;
    assert_eq!(res.status(), 400, "Northwind holds Silver");
    let res = app
        .call(&owner, "delete_label", &[("kind", "tier"), ("id", &bronze)])
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tiers WHERE name = $1", "Starter")
            .await,
        0
    );

    // Segments: changed by id, then deleted; another company's id is not found.
    let vip_segment = id("SELECT id FROM segments WHERE name = $1", "VIP partners").await;
    let rule = serde_json::to_string(&Rule::all_of([Condition::Country("GB".into())])).unwrap();
    let res = app
        .call(
            &owner,
            "save_segment",
            &[
                ("program", &program),
                ("id", &vip_segment),
                ("name", "UK partners"),
                ("rule", &rule),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page: Value = app
        .call(&owner, "structure", &[("segment", vip_segment.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["program"]["id"].as_i64().unwrap().to_string(), program);
    let globex = app.signed_in("owner@globex.example").await;
    assert_eq!(
        app.call(&globex, "structure", &[("segment", vip_segment.as_str())])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.call(
            &globex,
            "delete_label",
            &[("kind", "segment"), ("id", vip_segment.as_str())]
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.call(
            &owner,
            "delete_label",
            &[("kind", "segment"), ("id", vip_segment.as_str())]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM segments WHERE name = $1",
            "UK partners"
        )
        .await,
        0
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "segment.deleted"
        )
        .await,
        1
    );
}
