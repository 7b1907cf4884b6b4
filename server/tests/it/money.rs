//! Money: the transactions API (keys, errors, idempotency, pagination), offers making rewards
//! with explanations, the hold release, cashout and payouts, refunds clawing back, the ledger's
//! invariants over a random sequence of operations, and concurrency. On SQLite and PostgreSQL.

use crate::common::{TestApp, json_of};
use serde_json::{Value, json};

on_both_backends!(
    a_transaction_earns_a_reward_that_is_held_cashed_out_and_clawed_back,
    api_keys_errors_and_pagination,
    idempotency_keys_replay_refuse_and_wait,
    thirty_two_cashouts_make_one_payout,
    thirty_two_identical_posts_make_one_transaction,
    the_ledger_holds_its_invariants,
    money_permissions,
    won_deals_and_converted_leads_earn_by_offer,
    finance_reviews_rewards_in_bulk,
    teammates_record_payments_and_refunds_by_hand,
    the_simulator_replays_past_events_without_saving,
    offers_target_several_groups_and_pay_partners_who_join,
    a_tier_rate_replaces_the_offer_rate,
    sixteen_concurrent_full_refunds_make_one,
    rewards_made_after_the_test_clock_ran_stay_held,
    a_recorded_transaction_stores_its_idempotent_answer_with_it,
    customers_move_with_their_payments,
);

const DAY: i64 = 86_400_000;

async fn acme_program(app: &TestApp) -> String {
    app.acme_program_id().await.to_string()
}

/// A 20% offer on transactions for Northwind's group.
pub(crate) async fn twenty_percent_offer(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let program = acme_program(app).await;
    let group = app
        .id_of(
            "SELECT p.group_id FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id WHERE t.name = $1",
            "Northwind Agency",
        )
        .await;
    let target = format!("group:{group}");
    let res = app
        .call(
            &owner,
            "save_offer",
            &[
                ("program", &program),
                ("name", "Agencies 20%"),
                ("event", "transaction_created"),
                ("payout_kind", "percent"),
                ("payout_value", "20"),
                ("target[]", &target),
            ],
        )
        .await;
    json_of(res).await;
}

async fn post(app: &TestApp, key: &str, body: &Value, idem: Option<&str>) -> (u16, Value, bool) {
    let mut req = reqwest::Client::new()
        .post(app.url("/api/v1/transactions"))
        .bearer_auth(key)
        .json(body);
    if let Some(idem) = idem {
        req = req.header("Idempotency-Key", idem);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let replayed = res.headers().contains_key("idempotent-replayed");
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        replayed,
    )
}

fn payment(key: &str, amount: i64) -> Value {
    json!({ "customer_key": "cus_1001", "amount": amount, "currency": "USD", "transaction_key": key })
}

async fn northwind_balance(app: &TestApp) -> i64 {
    let id = app.partnership_id("Northwind Agency").await;
    app.scalar(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM rewards WHERE partnership_id = CAST($1 AS BIGINT) AND status = 'approved' AND payout_id IS NULL",
        &id,
    )
    .await
}

async fn set_payout_details(app: &TestApp, client: &reqwest::Client) {
    let res = app
        .call(
            client,
            "set_payout_details",
            &[
                ("method", "paypal"),
                ("details", "pay@northwind.example"),
                ("password", crate::common::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn a_transaction_earns_a_reward_that_is_held_cashed_out_and_clawed_back(app: &TestApp) {
    twenty_percent_offer(app).await;
    let key = app.api_key().await;
    let (status, tx, _) = post(app, &key, &payment("inv_500", 50_000), None).await;
    assert_eq!(status, 201, "{tx}");
    assert_eq!(tx["partner_key"], "northwind-7f3a");
    let reward: i64 = sqlx::query_scalar("SELECT id FROM rewards WHERE transaction_id = $1")
        .bind(tx["id"].as_i64().unwrap())
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let owner = app.signed_in("owner@northwind.example").await;
    let why = json_of(
        app.call(
            &owner,
            "partner_reward",
            &[("reward_id", &reward.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(why["reward"]["amount"]["minor"], 10_000);
    assert_eq!(why["reward"]["status"], "pending");
    let steps: Vec<String> = serde_json::from_value(why["steps"].clone()).unwrap();
    assert!(
        steps[0].starts_with("Event: transaction inv_500 of $500.00"),
        "{steps:?}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s.starts_with("Customer: Contoso Retail")),
        "{steps:?}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s.starts_with("Attribution: Northwind Agency")),
        "{steps:?}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s.starts_with("Offer: Agencies 20% — version 1")),
        "{steps:?}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s == "20% of $500.00 = 100 (offer version 1)"),
        "{steps:?}"
    );
    assert_eq!(
        steps.last().unwrap(),
        "Rounded half away from zero to $100.00"
    );

    // The hold: nothing moves before it ends, everything due moves after.
    let now = store::db::now_ms();
    store::rewards::approve_all_due(&app.db, now).await.unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM rewards WHERE id = $1")
        .bind(reward)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "pending");
    store::rewards::approve_all_due(&app.db, now + 31 * DAY)
        .await
        .unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM rewards WHERE id = $1")
        .bind(reward)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "approved");
    let approved_events = app
        .scalar("SELECT COUNT(*) FROM events WHERE kind = $1 AND subject_id = (SELECT MAX(id) FROM rewards WHERE amount_minor = 10000)", "reward.approved")
        .await;
    assert_eq!(approved_events, 1);

    // Cashout takes the whole balance; without payout details it is refused.
    let res = app.call(&owner, "cash_out", &[]).await;
    assert_eq!(res.status(), 400);
    set_payout_details(app, &owner).await;
    let before = northwind_balance(app).await;
    assert!(before >= 10_000);
    let payout = json_of(app.call(&owner, "cash_out", &[]).await)
        .await
        .as_i64()
        .unwrap();
    assert_eq!(northwind_balance(app).await, 0);
    let amount: i64 = sqlx::query_scalar("SELECT amount_minor FROM payouts WHERE id = $1")
        .bind(payout)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(amount, before);

    // Finance pays it; the CSV export lists it until then.
    let finance = app.signed_in("finance@acme.example").await;
    let program = acme_program(app).await;
    let csv = finance
        .get(app.url(&format!("/vendor/payouts/export.csv?program={program}")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("payout_id,payee,method,details,amount,currency,status,reward_ids"));
    assert!(
        csv.contains(&format!(
            "{payout},Northwind Agency,paypal,pay@northwind.example,"
        )),
        "{csv}"
    );
    let id = payout.to_string();
    let res = app
        .call(
            &finance,
            "update_payout",
            &[("payout_id", &id), ("status", "paid"), ("note", "ACH-9")],
        )
        .await;
    assert_eq!(res.status(), 400, "paid needs processing first");
    json_of(
        app.call(
            &finance,
            "update_payout",
            &[("payout_id", &id), ("status", "processing")],
        )
        .await,
    )
    .await;
    json_of(
        app.call(
            &finance,
            "update_payout",
            &[("payout_id", &id), ("status", "paid"), ("note", "ACH-9")],
        )
        .await,
    )
    .await;
    let status: String = sqlx::query_scalar("SELECT status FROM rewards WHERE id = $1")
        .bind(reward)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "paid");

    // A $250 refund claws back $50 and the balance goes negative, which blocks cashout.
    let refund = json!({ "customer_key": "cus_1001", "amount": -25_000, "currency": "USD", "transaction_key": "ref_250", "refunds": "inv_500" });
    let (status, body, _) = post(app, &key, &refund, None).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["refunds"], "inv_500");
    let clawback: i64 =
        sqlx::query_scalar("SELECT amount_minor FROM rewards WHERE clawback_of = $1")
            .bind(reward)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(clawback, -5_000);
    assert_eq!(northwind_balance(app).await, -5_000);
    let res = app.call(&owner, "cash_out", &[]).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("negative"));
    // The rest of the refund claws back exactly the rest; more than the payment is refused.
    let rest = json!({ "customer_key": "cus_1001", "amount": -25_001, "currency": "USD", "transaction_key": "ref_x", "refunds": "inv_500" });
    assert_eq!(post(app, &key, &rest, None).await.0, 422);
    let rest = json!({ "customer_key": "cus_1001", "amount": -25_000, "currency": "USD", "transaction_key": "ref_rest", "refunds": "inv_500" });
    assert_eq!(post(app, &key, &rest, None).await.0, 201);
    let clawed: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(amount_minor) AS BIGINT) FROM rewards WHERE clawback_of = $1",
    )
    .bind(reward)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(clawed, -10_000);

    // A refund while the reward is still pending declines it instead.
    let (_, second, _) = post(app, &key, &payment("inv_2", 10_000), None).await;
    let full = json!({ "customer_key": "cus_1001", "amount": -10_000, "currency": "USD", "transaction_key": "ref_2", "refunds": "inv_2" });
    assert_eq!(post(app, &key, &full, None).await.0, 201);
    let row: (String, Option<String>) = {
        let r = sqlx::query("SELECT status, decline_reason FROM rewards WHERE transaction_id = $1")
            .bind(second["id"].as_i64().unwrap())
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        (sqlx::Row::get(&r, 0), sqlx::Row::get(&r, 1))
    };
    assert_eq!(row.0, "declined");
    assert!(row.1.unwrap().contains("refunded before the hold ended"));
}

async fn api_keys_errors_and_pagination(app: &TestApp) {
    let key = app.api_key().await;
    let url = app.url("/api/v1/transactions");
    let client = reqwest::Client::new();
    let res = client
        .post(&url)
        .json(&payment("a", 100))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    // The same prefix with another secret (the last digit changed).
    let last = if key.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &key[..key.len() - 1]);
    assert_eq!(post(app, &wrong, &payment("a", 100), None).await.0, 401);
    let code = |r: (u16, Value, bool)| {
        (
            r.0,
            r.1["error"]["code"].as_str().unwrap_or_default().to_owned(),
        )
    };
    // Another program's customer does not exist for this key.
    let globex = json!({ "customer_key": "gx_cus_1", "amount": 100, "currency": "USD", "transaction_key": "g" });
    let globex_customer: Option<String> = sqlx::query_scalar(
        "SELECT c.external_key FROM customers c JOIN programs p ON p.id = c.program_id JOIN companies co ON co.id = p.company_id WHERE co.name = 'Globex' LIMIT 1",
    )
    .fetch_optional(&app.db.pool)
    .await
    .unwrap();
    let globex = match globex_customer {
        Some(k) => {
            json!({ "customer_key": k, "amount": 100, "currency": "USD", "transaction_key": "g" })
        }
        None => globex,
    };
    assert_eq!(
        code(post(app, &key, &globex, None).await),
        (404, "customer_not_found".into())
    );
    let eur = json!({ "customer_key": "cus_1001", "amount": 100, "currency": "EUR", "transaction_key": "e" });
    assert_eq!(
        code(post(app, &key, &eur, None).await),
        (422, "currency_mismatch".into())
    );
    for amount in [json!(500.5), json!("500"), json!(0), json!(1e3)] {
        let bad = json!({ "customer_key": "cus_1001", "amount": amount, "currency": "USD", "transaction_key": "b" });
        assert_eq!(
            code(post(app, &key, &bad, None).await),
            (422, "invalid_amount".into()),
            "{amount}"
        );
    }
    let unknown = json!({ "customer_key": "cus_1001", "amount": 1, "currency": "USD", "transaction_key": "u", "amout": 1 });
    assert_eq!(
        code(post(app, &key, &unknown, None).await),
        (422, "unknown_field".into())
    );
    let big = json!({ "customer_key": "cus_1001", "amount": 1, "currency": "USD", "transaction_key": "big", "product_key": "x".repeat(17_000) });
    assert_eq!(post(app, &key, &big, None).await.0, 413);
    let before: i64 = app
        .scalar(
            "SELECT COUNT(*) FROM transactions WHERE transaction_key <> $1",
            "",
        )
        .await;
    assert_eq!(before, 0, "refused requests wrote nothing");

    // Pagination: newest first, `starting_after` the last id of the page.
    for i in 0..5 {
        assert_eq!(
            post(app, &key, &payment(&format!("p{i}"), 1_000 + i), None)
                .await
                .0,
            201
        );
    }
    assert_eq!(
        code(post(app, &key, &payment("p0", 1), None).await),
        (409, "duplicate_transaction_key".into())
    );
    let page = |query: String| {
        let client = client.clone();
        let key = key.clone();
        let url = app.url(&format!("/api/v1/transactions{query}"));
        async move {
            let res = client.get(url).bearer_auth(key).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, first) = page("?limit=2".into()).await;
    assert_eq!(status, 200);
    assert_eq!(first["has_more"], true);
    let keys = |v: &Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["transaction_key"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&first), ["p4", "p3"]);
    let last = first["data"][1]["id"].as_i64().unwrap();
    let (_, second) = page(format!("?limit=2&starting_after={last}")).await;
    assert_eq!(keys(&second), ["p2", "p1"]);
    let (_, rest) = page(format!(
        "?limit=250&starting_after={}",
        second["data"][1]["id"]
    ))
    .await;
    assert_eq!(keys(&rest), ["p0"]);
    assert_eq!(rest["has_more"], false);
    assert_eq!(page("?limit=251".into()).await.0, 422);
    assert_eq!(page("?limit=0".into()).await.0, 422);
    let (status, one) = page(format!("/{last}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["transaction_key"], "p3");
    assert_eq!(one["amount_minor"], 1_003);
    assert_eq!(page("/999999".into()).await.0, 404);

    // The OpenAPI document is public and describes these endpoints and their types.
    let doc: Value = client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["paths"]["/api/v1/transactions"]["post"].is_object(),
        "{doc}"
    );
    assert!(doc["paths"]["/api/v1/transactions/{id}"]["get"].is_object());
    let request = &doc["components"]["schemas"]["TransactionRequest"]["properties"];
    for field in [
        "customer_key",
        "customer_email",
        "amount",
        "currency",
        "transaction_key",
        "refunds",
        "metadata",
    ] {
        assert!(request[field].is_object(), "{field} in {request}");
    }
    assert!(doc["components"]["schemas"]["Transaction"]["properties"]["amount_minor"].is_object());

    // A revoked key stops working at once.
    let owner = app.signed_in("owner@acme.example").await;
    let key_id = app
        .id_of("SELECT MAX(id) FROM api_keys WHERE name = $1", "Billing")
        .await
        .to_string();
    json_of(
        app.call(&owner, "revoke_api_key", &[("key_id", &key_id)])
            .await,
    )
    .await;
    assert_eq!(page("".into()).await.0, 401);
}

async fn idempotency_keys_replay_refuse_and_wait(app: &TestApp) {
    let key = app.api_key().await;
    let first = post(app, &key, &payment("i1", 2_000), Some("order-1")).await;
    assert_eq!(first.0, 201);
    assert!(!first.2);
    let again = post(app, &key, &payment("i1", 2_000), Some("order-1")).await;
    assert_eq!((again.0, &again.1), (201, &first.1));
    assert!(again.2, "a replay says so");
    let other = post(app, &key, &payment("i1", 2_001), Some("order-1")).await;
    assert_eq!(
        (other.0, other.1["error"]["code"].as_str().unwrap()),
        (422, "idempotency_key_reused")
    );
    // A refused request is stored and replayed like any other answer.
    let bad = post(app, &key, &payment("i1", 2_000), Some("order-2")).await;
    assert_eq!(bad.1["error"]["code"], "duplicate_transaction_key");
    assert_eq!(
        post(app, &key, &payment("i1", 2_000), Some("order-2"))
            .await
            .1,
        bad.1
    );
    // A request still running under the key: the duplicate waits, then gets 409.
    let program = acme_program(app).await;
    let body = serde_json::to_vec(&payment("i3", 3_000)).unwrap();
    let hash = server::api_v1::transaction_request_hash(&body);
    sqlx::query("INSERT INTO idempotency_keys (program_id, idem_key, request_hash, created_at) VALUES (CAST($1 AS BIGINT), 'busy', $2, $3)")
        .bind(&program)
        .bind(&hash)
        .bind(store::db::now_ms())
        .execute(&app.db.pool)
        .await
        .unwrap();
    let busy = reqwest::Client::new()
        .post(app.url("/api/v1/transactions"))
        .bearer_auth(&key)
        .header("Idempotency-Key", "busy")
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(busy.status(), 409);
    let long = "k".repeat(256);
    assert_eq!(post(app, &key, &payment("i4", 1), Some(&long)).await.0, 400);
    let count = app
        .scalar(
            "SELECT COUNT(*) FROM transactions WHERE transaction_key LIKE $1",
            "i%",
        )
        .await;
    assert_eq!(count, 1);
}

async fn thirty_two_cashouts_make_one_payout(app: &TestApp) {
    cash_outs_make_one_payout(app, std::slice::from_ref(&app.base)).await;
}

/// Northwind's owner asks 32 times at once to cash out, spread over the server processes at
/// `bases`: one payout of the whole balance, every other ask refused.
pub(crate) async fn cash_outs_make_one_payout(app: &TestApp, bases: &[String]) {
    let owner = app.signed_in("owner@northwind.example").await;
    set_payout_details(app, &owner).await;
    let before = northwind_balance(app).await;
    assert!(before > 0);
    let requested = || {
        app.scalar(
            "SELECT COUNT(*) FROM payouts WHERE status = $1",
            "requested",
        )
    };
    let payouts_before = requested().await;
    let calls = (0..32).map(|i| {
        let (owner, base) = (owner.clone(), bases[i % bases.len()].clone());
        tokio::spawn(async move {
            // Behind one load balancer all have one origin; here each its own.
            owner
                .post(format!("{base}/api/cash_out"))
                .header("origin", &base)
                .form(&[("x", "")])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let statuses: Vec<u16> = futures_join(calls).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [200, 400, 409].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(requested().await, payouts_before + 1);
    assert_eq!(northwind_balance(app).await, 0);
    let amount = app
        .scalar("SELECT amount_minor FROM payouts WHERE id = (SELECT MAX(id) FROM payouts WHERE status = $1)", "requested")
        .await;
    assert_eq!(amount, before);
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

async fn thirty_two_identical_posts_make_one_transaction(app: &TestApp) {
    twenty_percent_offer(app).await;
    let key = app.api_key().await;
    let calls = (0..32).map(|_| {
        let url = app.url("/api/v1/transactions");
        let key = key.clone();
        tokio::spawn(async move {
            let res = reqwest::Client::new()
                .post(url)
                .bearer_auth(key)
                .header("Idempotency-Key", "same-order")
                .json(&payment("same", 7_000))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        })
    });
    let answers = futures_join(calls).await;
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 201);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM transactions WHERE transaction_key = $1",
            "same"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM rewards WHERE transaction_id = (SELECT id FROM transactions WHERE transaction_key = $1)", "same").await,
        1
    );
}

/// Checks, per partnership of the program: the balance the dashboards show equals the approved
/// rewards outside payouts; every payout that holds rewards sums to its amount; failed and
/// canceled payouts hold none.
async fn check_ledger(app: &TestApp) {
    let rows = sqlx::query("SELECT id FROM partnerships")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    for r in rows {
        let id: i64 = sqlx::Row::get(&r, 0);
        let e = store::partner::earnings(&app.db, id).await.unwrap();
        let balance = store::payouts::balance(&app.db.pool, id).await.unwrap();
        assert_eq!(e.available, balance);
    }
    let payouts = sqlx::query(
        "SELECT o.id, o.amount_minor, o.status, CAST(COALESCE(SUM(r.amount_minor), 0) AS BIGINT), COUNT(r.id) FROM payouts o \
         LEFT JOIN rewards r ON r.payout_id = o.id WHERE o.created_at > $1 GROUP BY o.id, o.amount_minor, o.status",
    )
    .bind(store::db::now_ms() - DAY)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    for p in payouts {
        let (id, amount, status, sum, count): (i64, i64, String, i64, i64) = (
            sqlx::Row::get(&p, 0),
            sqlx::Row::get(&p, 1),
            sqlx::Row::get(&p, 2),
            sqlx::Row::get(&p, 3),
            sqlx::Row::get(&p, 4),
        );
        if status == "failed" || status == "canceled" {
            assert_eq!(count, 0, "payout {id} ({status}) still holds rewards");
        } else {
            assert_eq!(amount, sum, "payout {id} ({status})");
        }
    }
    // Paid rewards are in a paid payout; rewards in a payout are approved or paid.
    let stray = app
        .scalar(
            "SELECT COUNT(*) FROM rewards r LEFT JOIN payouts o ON o.id = r.payout_id \
             WHERE (r.status = 'paid' AND (o.status IS NULL OR o.status <> 'paid')) \
             OR (r.payout_id IS NOT NULL AND r.status NOT IN ('approved', 'paid')) OR r.status = $1",
            "deleted",
        )
        .await;
    assert_eq!(stray, 0);
}

async fn the_ledger_holds_its_invariants(app: &TestApp) {
    use rand::{Rng, SeedableRng};
    twenty_percent_offer(app).await;
    let key = app.api_key().await;
    let owner = app.signed_in("owner@northwind.example").await;
    set_payout_details(app, &owner).await;
    let finance = app.signed_in("finance@acme.example").await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let mut payments: Vec<(String, i64, i64)> = Vec::new();
    let mut clock = store::db::now_ms();
    let rewards_before = app
        .scalar("SELECT COUNT(*) FROM rewards WHERE description <> $1", "")
        .await;
    for step in 0..60 {
        match rng.gen_range(0..6) {
            0 | 1 => {
                let amount = rng.gen_range(1..200_000);
                let key_text = format!("t{step}");
                let (status, _, _) = post(app, &key, &payment(&key_text, amount), None).await;
                assert_eq!(status, 201);
                payments.push((key_text, amount, 0));
            }
            2 if !payments.is_empty() => {
                let i = rng.gen_range(0..payments.len());
                let (original, amount, refunded) = payments[i].clone();
                if refunded < amount {
                    let part = rng.gen_range(1..=amount - refunded);
                    let body = json!({ "customer_key": "cus_1001", "amount": -part, "currency": "USD", "transaction_key": format!("r{step}"), "refunds": original });
                    assert_eq!(post(app, &key, &body, None).await.0, 201);
                    payments[i].2 += part;
                }
            }
            3 => {
                clock += rng.gen_range(0..40) * DAY;
                store::rewards::approve_all_due(&app.db, clock)
                    .await
                    .unwrap();
            }
            4 => {
                let status = app.call(&owner, "cash_out", &[]).await.status().as_u16();
                assert!([200, 400].contains(&status), "{status}");
            }
            _ => {
                let open: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(id) FROM payouts WHERE status IN ('requested', 'processing')",
                )
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
                if let Some(id) = open {
                    let id = id.to_string();
                    let _ = app
                        .call(
                            &finance,
                            "update_payout",
                            &[("payout_id", &id), ("status", "processing")],
                        )
                        .await;
                    let (to, note) = if rng.gen_bool(0.5) {
                        ("paid", "REF")
                    } else {
                        ("failed", "Bounced")
                    };
                    json_of(
                        app.call(
                            &finance,
                            "update_payout",
                            &[("payout_id", &id), ("status", to), ("note", note)],
                        )
                        .await,
                    )
                    .await;
                }
            }
        }
        check_ledger(app).await;
    }
    assert!(
        app.scalar("SELECT COUNT(*) FROM rewards WHERE description <> $1", "")
            .await
            > rewards_before
    );
}

async fn money_permissions(app: &TestApp) {
    let member = app.signed_in("member@northwind.example").await;
    assert_eq!(app.call(&member, "cash_out", &[]).await.status(), 403);
    let page = json_of(app.call(&member, "partner_earnings", &[]).await).await;
    assert!(page["earnings"].is_null(), "members see no team balance");
    assert!(
        page["rewards"].as_array().unwrap().is_empty(),
        "nor others' rewards"
    );
    let finance = app.signed_in("finance@northwind.example").await;
    assert_eq!(app.call(&finance, "cash_out", &[]).await.status(), 403);
    let page = json_of(app.call(&finance, "partner_earnings", &[]).await).await;
    assert_eq!(page["earnings"]["available"]["minor"], 37_050);
    assert_eq!(
        app.call(
            &finance,
            "set_payout_details",
            &[
                ("method", "paypal"),
                ("details", "x@y.example"),
                ("password", crate::common::DEMO_PASSWORD)
            ]
        )
        .await
        .status(),
        403
    );
    let reward = app
        .id_of("SELECT MIN(id) FROM rewards WHERE status = $1", "pending")
        .await
        .to_string();
    let manager = app.signed_in("manager@acme.example").await;
    assert_eq!(
        app.call(
            &manager,
            "review_reward",
            &[("reward_id", &reward), ("action", "approve")]
        )
        .await
        .status(),
        403
    );
    let tech = app.signed_in("tech@acme.example").await;
    assert_eq!(app.call(&tech, "vendor_rewards", &[]).await.status(), 403);
    let program = acme_program(app).await;
    assert_eq!(
        app.call(
            &tech,
            "create_api_key",
            &[("program", &program), ("name", "CI")]
        )
        .await
        .status(),
        200
    );
    let finance_teammate = app.signed_in("finance@acme.example").await;
    assert_eq!(
        app.call(
            &finance_teammate,
            "create_api_key",
            &[("program", &program), ("name", "x")]
        )
        .await
        .status(),
        403
    );
    let res = app
        .call(
            &finance_teammate,
            "review_reward",
            &[
                ("reward_id", &reward),
                ("action", "decline"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    json_of(
        app.call(
            &finance_teammate,
            "review_reward",
            &[("reward_id", &reward), ("action", "hold")],
        )
        .await,
    )
    .await;
    // A held reward stays pending past its hold.
    store::rewards::approve_all_due(&app.db, store::db::now_ms() + 365 * DAY)
        .await
        .unwrap();
    let status: String =
        sqlx::query_scalar("SELECT status FROM rewards WHERE id = CAST($1 AS BIGINT)")
            .bind(&reward)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(status, "pending");
    json_of(
        app.call(
            &finance_teammate,
            "review_reward",
            &[
                ("reward_id", &reward),
                ("action", "decline"),
                ("reason", "Duplicate order"),
            ],
        )
        .await,
    )
    .await;
    let owner = app.signed_in("owner@northwind.example").await;
    let why = json_of(
        app.call(&owner, "partner_reward", &[("reward_id", &reward)])
            .await,
    )
    .await;
    assert_eq!(why["reward"]["decline_reason"], "Duplicate order");
    let res = app
        .call(
            &finance_teammate,
            "review_reward",
            &[("reward_id", &reward), ("action", "approve")],
        )
        .await;
    assert_eq!(res.status(), 400, "a declined reward stays declined");
    let manual = app
        .call(
            &finance_teammate,
            "add_manual_reward",
            &[
                ("program", &program),
                ("partner_key", "northwind-7f3a"),
                ("amount", "12.345"),
                ("reason", "Bonus"),
            ],
        )
        .await;
    assert_eq!(manual.status(), 400);
    json_of(
        app.call(
            &finance_teammate,
            "add_manual_reward",
            &[
                ("program", &program),
                ("partner_key", "northwind-7f3a"),
                ("amount", "12.34"),
                ("reason", "Bonus"),
            ],
        )
        .await,
    )
    .await;
}

async fn flat_offer(app: &TestApp, name: &str, event: &str, amount: &str) {
    let owner = app.signed_in("owner@acme.example").await;
    let program = acme_program(app).await;
    let form = [
        ("program", program.as_str()),
        ("name", name),
        ("event", event),
        ("payout_kind", "flat"),
        ("payout_value", amount),
        ("target[]", "everyone"),
    ];
    json_of(app.call(&owner, "save_offer", &form).await).await;
}

async fn won_deals_and_converted_leads_earn_by_offer(app: &TestApp) {
    flat_offer(app, "Deal bonus", "deal_closed_won", "50").await;
    flat_offer(app, "Lead bonus", "lead_converted", "25").await;
    flat_offer(app, "Customer bonus", "customer_created", "10").await;
    let owner = app.signed_in("owner@acme.example").await;
    let deal = app
        .id_of(
            "SELECT id FROM deals WHERE name = $1",
            "Tailspin resell bundle",
        )
        .await
        .to_string();
    json_of(
        app.call(
            &owner,
            "decide_deal",
            &[("deal_id", &deal), ("action", "won")],
        )
        .await,
    )
    .await;
    // Lakeside is in the Gold tier: 110% of the flat $50.
    let row = sqlx::query(
        "SELECT amount_minor, status, explanation FROM rewards WHERE description = 'Deal bonus'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let (amount, status, steps): (i64, String, String) = (
        sqlx::Row::get(&row, 0),
        sqlx::Row::get(&row, 1),
        sqlx::Row::get(&row, 2),
    );
    assert_eq!((amount, status.as_str()), (5_500, "pending"));
    assert!(
        steps.contains("Event: deal Tailspin resell bundle won at $20,000.00"),
        "{steps}"
    );
    assert!(steps.contains("Tier at the event: Gold"), "{steps}");
    let lead = app
        .id_of(
            "SELECT id FROM leads WHERE company_name = $1",
            "Wide World Importers",
        )
        .await
        .to_string();
    json_of(
        app.call(
            &owner,
            "decide_lead",
            &[("lead_id", &lead), ("action", "convert")],
        )
        .await,
    )
    .await;
    let northwind = app.partnership_id("Northwind Agency").await;
    let amount = app
        .scalar(
            "SELECT amount_minor FROM rewards WHERE description = 'Lead bonus' AND partnership_id = CAST($1 AS BIGINT)",
            &northwind,
        )
        .await;
    assert_eq!(amount, 2_500);
    // New customers earn the customer offer: the converted lead's, and the one a won deal
    // makes. Tailspin's deal linked the customer Lakeside already had, which earns nothing.
    let customer_bonuses = |partnership: String| async move {
        app.scalar(
            "SELECT COUNT(*) FROM rewards WHERE description = 'Customer bonus' AND partnership_id = CAST($1 AS BIGINT)",
            &partnership,
        )
        .await
    };
    assert_eq!(customer_bonuses(northwind.clone()).await, 1);
    assert_eq!(
        customer_bonuses(app.partnership_id("Lakeside IT").await).await,
        0
    );
    let deal = app
        .id_of(
            "SELECT id FROM deals WHERE name = $1",
            "Blue Yonder analytics rollout",
        )
        .await
        .to_string();
    for action in ["approve", "start", "won"] {
        json_of(
            app.call(
                &owner,
                "decide_deal",
                &[("deal_id", &deal), ("action", action)],
            )
            .await,
        )
        .await;
    }
    assert_eq!(customer_bonuses(northwind).await, 2);
}

/// Three $500 payments for Contoso (Northwind) under the 20% offer: three pending $100 rewards.
async fn three_pending_rewards(app: &TestApp) -> Vec<String> {
    twenty_percent_offer(app).await;
    let key = app.api_key().await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let (status, tx, _) =
            post(app, &key, &payment(&format!("inv_bulk_{n}"), 50_000), None).await;
        assert_eq!(status, 201, "{tx}");
        let id: i64 = sqlx::query_scalar("SELECT id FROM rewards WHERE transaction_id = $1")
            .bind(tx["id"].as_i64().unwrap())
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        ids.push(id.to_string());
    }
    ids
}

async fn reward_state(app: &TestApp, id: &str) -> (String, i64) {
    sqlx::query_as("SELECT status, on_hold FROM rewards WHERE id = CAST($1 AS BIGINT)")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn finance_reviews_rewards_in_bulk(app: &TestApp) {
    let ids = three_pending_rewards(app).await;
    let program = acme_program(app).await;
    let finance = app.signed_in("finance@acme.example").await;
    let bulk = |action: &'static str, chosen: Vec<&String>, reason: Option<&'static str>| {
        let mut form: Vec<(&str, String)> =
            vec![("program", program.clone()), ("action", action.to_owned())];
        form.extend(chosen.into_iter().map(|id| ("ids[]", id.clone())));
        if let Some(r) = reason {
            form.push(("reason", r.to_owned()));
        }
        let finance = finance.clone();
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&finance, "bulk_review_rewards", &pairs).await
        }
    };
    let changed =
        |res: reqwest::Response| async move { json_of(res).await["changed"].as_i64().unwrap() };
    assert_eq!(changed(bulk("hold", vec![&ids[2]], None).await).await, 1);
    assert_eq!(
        changed(bulk("approve", vec![&ids[0], &ids[1]], None).await).await,
        2
    );
    // Approved ones are skipped, not approved twice.
    assert_eq!(
        changed(bulk("approve", vec![&ids[0], &ids[1]], None).await).await,
        0
    );
    assert_eq!(reward_state(app, &ids[2]).await, ("pending".into(), 1));
    // Approved before their hold ended, they are available from the approval on.
    let early: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM rewards WHERE id IN (CAST($1 AS BIGINT), CAST($2 AS BIGINT)) AND available_at <= updated_at",
    )
    .bind(&ids[0])
    .bind(&ids[1])
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(early, 2);
    // The filter names the states the rows show: held rewards are "on hold", not "pending".
    let listed = |status: &'static str| {
        let (finance, program) = (finance.clone(), program.clone());
        async move {
            let page = json_of(
                app.call(
                    &finance,
                    "vendor_rewards",
                    &[("program", program.as_str()), ("status", status)],
                )
                .await,
            )
            .await;
            page["rewards"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].to_string())
                .collect::<Vec<_>>()
        }
    };
    assert!(listed("on_hold").await.contains(&ids[2]));
    assert!(!listed("pending").await.contains(&ids[2]));
    let available = listed("available").await;
    assert!(available.contains(&ids[0]) && available.contains(&ids[1]));
    assert!(listed("in_payout").await.iter().all(|id| !ids.contains(id)));
    let res = app
        .call(&finance, "vendor_rewards", &[("status", "approved")])
        .await;
    assert_eq!(res.status(), 400);
    // A decline needs a reason, and changes nothing without one.
    let res = bulk("decline", vec![&ids[1], &ids[2]], None).await;
    assert_eq!(res.status(), 400);
    assert_eq!(reward_state(app, &ids[1]).await.0, "approved");
    assert_eq!(
        changed(bulk("decline", vec![&ids[1], &ids[2]], Some("Duplicate order")).await).await,
        2
    );
    assert_eq!(reward_state(app, &ids[2]).await.0, "declined");
    let events = app
        .scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "reward.declined",
        )
        .await;
    assert_eq!(events, 2);
    // An id of another company's reward fails the whole request.
    let stranger: i64 = sqlx::query_scalar(
        "SELECT r.id FROM rewards r JOIN programs p ON p.id = r.program_id WHERE p.slug <> $1 LIMIT 1",
    )
    .bind("acme-partner-program")
    .fetch_optional(&app.db.pool)
    .await
    .unwrap()
    .unwrap_or(999_999);
    let stranger = stranger.to_string();
    assert_eq!(
        bulk("approve", vec![&ids[0], &stranger], None)
            .await
            .status(),
        404
    );
    assert_eq!(bulk("approve", vec![], None).await.status(), 400);
    // Partner managers see rewards but do not review them.
    let manager = app.signed_in("manager@acme.example").await;
    let form = [
        ("program", program.as_str()),
        ("action", "approve"),
        ("ids[]", ids[0].as_str()),
    ];
    assert_eq!(
        app.call(&manager, "bulk_review_rewards", &form)
            .await
            .status(),
        403
    );
}

async fn teammates_record_payments_and_refunds_by_hand(app: &TestApp) {
    twenty_percent_offer(app).await;
    let program = acme_program(app).await;
    let finance = app.signed_in("finance@acme.example").await;
    let record = |fields: Vec<(&'static str, &'static str)>| {
        let mut form: Vec<(&str, String)> = vec![("program", program.clone())];
        form.extend(fields.into_iter().map(|(k, v)| (k, v.to_owned())));
        let finance = finance.clone();
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&finance, "record_transaction", &pairs).await
        }
    };
    let paid = json_of(
        record(vec![
            ("customer", "cus_1001"),
            ("kind", "payment"),
            ("amount", "500.00"),
            ("transaction_key", "inv_manual"),
        ])
        .await,
    )
    .await;
    assert_eq!(paid["amount"]["minor"], 50_000);
    assert_eq!(paid["source"], "manual");
    assert_eq!(paid["partner_key"], "northwind-7f3a");
    let reward: i64 = app
        .scalar(
            "SELECT r.amount_minor FROM rewards r JOIN transactions t ON t.id = r.transaction_id WHERE t.transaction_key = $1",
            "inv_manual",
        )
        .await;
    assert_eq!(reward, 10_000);
    // Bad input is refused field by field and records nothing.
    for (fields, field) in [
        (
            vec![
                ("customer", "cus_1001"),
                ("kind", "payment"),
                ("amount", "-5"),
            ],
            "amount",
        ),
        (
            vec![
                ("customer", "cus_1001"),
                ("kind", "refund"),
                ("amount", "5"),
            ],
            "refunds",
        ),
        (
            vec![("customer", "cus_1001"), ("kind", "gift"), ("amount", "5")],
            "kind",
        ),
    ] {
        let res = record(fields).await;
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains(field));
    }
    assert_eq!(
        record(vec![
            ("customer", "cus_nobody"),
            ("kind", "payment"),
            ("amount", "5")
        ])
        .await
        .status(),
        404
    );
    let count = app
        .scalar(
            "SELECT COUNT(*) FROM transactions WHERE source = $1",
            "manual",
        )
        .await;
    assert_eq!(count, 1);
    // A refund of half claws back half; the key is made when none is given.
    let refund = json_of(
        record(vec![
            ("customer", "cus_1001"),
            ("kind", "refund"),
            ("amount", "250"),
            ("refunds", "inv_manual"),
        ])
        .await,
    )
    .await;
    assert_eq!(refund["amount"]["minor"], -25_000);
    assert!(
        refund["transaction_key"]
            .as_str()
            .unwrap()
            .starts_with("manual-")
    );
    let clawback = app
        .scalar(
            "SELECT amount_minor FROM rewards WHERE source = $1",
            "clawback",
        )
        .await;
    assert_eq!(clawback, -5_000);
    // A clawback follows its refund: nobody declines it, one by one or in bulk.
    let clawback_id = app
        .scalar("SELECT id FROM rewards WHERE source = $1", "clawback")
        .await
        .to_string();
    let form = [
        ("reward_id", clawback_id.as_str()),
        ("action", "decline"),
        ("reason", "Goodwill"),
    ];
    let res = app.call(&finance, "review_reward", &form).await;
    assert_eq!(res.status(), 409);
    let form = [
        ("program", program.as_str()),
        ("action", "decline"),
        ("reason", "Goodwill"),
        ("ids[]", clawback_id.as_str()),
    ];
    let res = json_of(app.call(&finance, "bulk_review_rewards", &form).await).await;
    assert_eq!(res["changed"], 0);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM rewards WHERE source = $1 AND status = 'declined'",
            "clawback"
        )
        .await,
        0
    );
    // Declining the reward it claws back declines it too: the partner owes nothing for a
    // reward that no longer counts.
    let original = app
        .scalar(
            "SELECT clawback_of FROM rewards WHERE source = $1",
            "clawback",
        )
        .await
        .to_string();
    let form = [
        ("reward_id", original.as_str()),
        ("action", "decline"),
        ("reason", "Test order"),
    ];
    json_of(app.call(&finance, "review_reward", &form).await).await;
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM rewards WHERE source = $1 AND status = 'declined'",
            "clawback"
        )
        .await,
        1
    );
    // The list shows both, newest first.
    let page = json_of(
        app.call(&finance, "vendor_transactions", &[("program", &program)])
            .await,
    )
    .await;
    let rows = page["transactions"].as_array().unwrap();
    assert_eq!(rows[0]["refunds"], "inv_manual");
    assert_eq!(rows[1]["transaction_key"], "inv_manual");
    assert_eq!(page["can_record"], true);
    // Partner managers see money but do not record it.
    let manager = app.signed_in("manager@acme.example").await;
    let form = [
        ("program", program.as_str()),
        ("customer", "cus_1001"),
        ("kind", "payment"),
        ("amount", "5"),
    ];
    assert_eq!(
        app.call(&manager, "record_transaction", &form)
            .await
            .status(),
        403
    );
    let page = json_of(app.call(&manager, "vendor_transactions", &[]).await).await;
    assert_eq!(page["can_record"], false);
}

async fn the_simulator_replays_past_events_without_saving(app: &TestApp) {
    twenty_percent_offer(app).await;
    let key = app.api_key().await;
    for (n, amount) in [(0, 50_000), (1, 20_000)] {
        let (status, _, _) = post(app, &key, &payment(&format!("inv_sim_{n}"), amount), None).await;
        assert_eq!(status, 201);
    }
    let owner = app.signed_in("owner@acme.example").await;
    let program = acme_program(app).await;
    let offer = app
        .scalar("SELECT id FROM offers WHERE name = $1", "Agencies 20%")
        .await
        .to_string();
    let versions_before = app
        .scalar(
            "SELECT COUNT(*) FROM offer_versions WHERE offer_id = CAST($1 AS BIGINT)",
            &offer,
        )
        .await;
    let simulate = |offer: Option<&str>, percent: &str, days: &str| {
        let mut form: Vec<(&str, String)> = vec![
            ("program", program.clone()),
            ("name", "Agencies 20%".into()),
            ("event", "transaction_created".into()),
            ("payout_kind", "percent".into()),
            ("payout_value", percent.into()),
            ("target[]", "everyone".into()),
            ("intent", "simulate".into()),
            ("simulate_days", days.into()),
        ];
        if let Some(o) = offer {
            form.push(("offer", o.into()));
        }
        let owner = owner.clone();
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&owner, "save_offer", &pairs).await
        }
    };
    let outcome = json_of(simulate(Some(&offer), "10", "30").await).await;
    assert!(outcome["saved"].is_null());
    let sim = &outcome["simulation"];
    assert_eq!(sim["events"], 2);
    assert_eq!(sim["compared"], true);
    let row = &sim["rows"][0];
    assert_eq!(row["partner"], "Northwind Agency");
    assert_eq!(row["would_earn"]["minor"], 7_000);
    assert_eq!(row["earned"]["minor"], 14_000);
    assert_eq!(row["difference"]["minor"], -7_000);
    assert_eq!(sim["total_would_earn"]["minor"], 7_000);
    // A new offer has no rewards to compare with.
    let outcome = json_of(simulate(None, "10", "1").await).await;
    assert_eq!(outcome["simulation"]["compared"], false);
    assert_eq!(outcome["simulation"]["events"], 2);
    let res = simulate(Some(&offer), "10", "0").await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("simulate_days"));
    let versions_after = app
        .scalar(
            "SELECT COUNT(*) FROM offer_versions WHERE offer_id = CAST($1 AS BIGINT)",
            &offer,
        )
        .await;
    assert_eq!(
        versions_before, versions_after,
        "a simulation saves nothing"
    );
    // Another program's offer is not found.
    assert_eq!(simulate(Some("999999"), "10", "30").await.status(), 404);
}

async fn offers_target_several_groups_and_pay_partners_who_join(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let program = acme_program(app).await;
    let groups: Vec<i64> = sqlx::query_scalar(
        "SELECT g.id FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE p.slug = $1 ORDER BY g.id",
    )
    .bind("acme-partner-program")
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let targets: Vec<String> = groups.iter().map(|g| format!("group:{g}")).collect();
    let mut form: Vec<(&str, &str)> = vec![
        ("program", &program),
        ("name", "Welcome bonus"),
        ("event", "partner_joined"),
        ("payout_kind", "flat"),
        ("payout_value", "50"),
    ];
    form.extend(targets.iter().map(|t| ("target[]", t.as_str())));
    json_of(app.call(&owner, "save_offer", &form).await).await;
    let offers = json_of(app.call(&owner, "offers", &[("program", &program)]).await).await;
    let saved = &offers["offers"][0]["form"]["target"];
    assert_eq!(saved.as_array().unwrap().len(), groups.len());
    // A mix of a group and a tier is refused.
    let tier = app
        .scalar("SELECT id FROM tiers WHERE name = $1", "Gold")
        .await
        .to_string();
    let tier = format!("tier:{tier}");
    let mix = [
        ("program", program.as_str()),
        ("name", "Mixed"),
        ("event", "partner_joined"),
        ("payout_kind", "flat"),
        ("payout_value", "5"),
        ("target[]", targets[0].as_str()),
        ("target[]", tier.as_str()),
    ];
    let res = app.call(&owner, "save_offer", &mix).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("not a mix"));
    // Approving Brightside's application is its join: the offer pays once.
    let brightside = app.partnership_id("Brightside Affiliates").await;
    json_of(
        app.call(
            &owner,
            "approve_application",
            &[("partnership_id", &brightside)],
        )
        .await,
    )
    .await;
    let (amount, status): (i64, String) = sqlx::query_as(
        "SELECT amount_minor, status FROM rewards WHERE partnership_id = CAST($1 AS BIGINT) AND description = 'Welcome bonus'",
    )
    .bind(&brightside)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((amount, status.as_str()), (5_000, "pending"));
}

async fn a_tier_rate_replaces_the_offer_rate(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let program = acme_program(app).await;
    let gold = app
        .scalar("SELECT id FROM tiers WHERE name = $1", "Gold")
        .await
        .to_string();
    let silver = app
        .scalar("SELECT id FROM tiers WHERE name = $1", "Silver")
        .await
        .to_string();
    let form = [
        ("program", program.as_str()),
        ("name", "Everyone 20%"),
        ("event", "transaction_created"),
        ("payout_kind", "percent"),
        ("payout_value", "20"),
        ("target[]", "everyone"),
        ("override_tier[]", silver.as_str()),
        ("override_value[]", ""),
        ("override_tier[]", gold.as_str()),
        ("override_value[]", "25"),
    ];
    json_of(app.call(&owner, "save_offer", &form).await).await;
    let offers = json_of(app.call(&owner, "offers", &[("program", &program)]).await).await;
    let offer = &offers["offers"][0];
    assert_eq!(
        offer["versions"][0]["summary"],
        "20% of each transaction (Gold 25%)"
    );
    let rates = offer["form"]["tier_overrides"].as_array().unwrap();
    assert!(rates.iter().any(|r| r[1] == "Gold" && r[2] == "25"));
    assert!(rates.iter().any(|r| r[1] == "Silver" && r[2] == ""));
    let key = app.api_key().await;
    // Lakeside (Gold) earns its tier's 25%, without Gold's 1.1x on top; Northwind (Silver) 20%.
    let lakeside = json!({ "customer_key": "cus_1003", "amount": 100_000, "currency": "USD", "transaction_key": "inv_gold" });
    let (status, _, _) = post(app, &key, &lakeside, None).await;
    assert_eq!(status, 201);
    let (status, _, _) = post(app, &key, &payment("inv_silver", 50_000), None).await;
    assert_eq!(status, 201);
    let amount = |key: &'static str| async move {
        app.scalar(
            "SELECT r.amount_minor FROM rewards r JOIN transactions t ON t.id = r.transaction_id WHERE t.transaction_key = $1",
            key,
        )
        .await
    };
    assert_eq!(amount("inv_gold").await, 25_000);
    assert_eq!(amount("inv_silver").await, 10_000);
    // A rate for another program's tier, or one out of range, is refused beside the field.
    let mut bad = form.to_vec();
    bad[9] = ("override_value[]", "101");
    let res = app.call(&owner, "save_offer", &bad).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("tier_overrides"));
    let mut foreign = form.to_vec();
    foreign[8] = ("override_tier[]", "999999");
    foreign[1] = ("name", "Another");
    assert_eq!(app.call(&owner, "save_offer", &foreign).await.status(), 400);
}

/// Sixteen full refunds of one payment, each with its own key, at once: one is recorded, the
/// rest are refused, and what the payment earned is taken back once.
async fn sixteen_concurrent_full_refunds_make_one(app: &TestApp) {
    twenty_percent_offer(app).await;
    let key = app.api_key().await;
    let (status, paid, _) = post(app, &key, &payment("pay-16", 10_000), None).await;
    assert_eq!(status, 201, "{paid}");
    let calls = (0..16).map(|i| {
        let url = app.url("/api/v1/transactions");
        let key = key.clone();
        tokio::spawn(async move {
            let body = json!({ "customer_key": "cus_1001", "amount": -10_000, "currency": "USD",
                "transaction_key": format!("refund-16-{i}"), "refunds": "pay-16" });
            let res = reqwest::Client::new()
                .post(url)
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        })
    });
    let answers = futures_join(calls).await;
    let recorded = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(recorded, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(*status, 422, "{body}");
        assert!(body.contains("refund_exceeds_transaction"), "{body}");
    }
    let payment_id = app
        .scalar(
            "SELECT id FROM transactions WHERE transaction_key = $1",
            "pay-16",
        )
        .await;
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM transactions WHERE refund_of = CAST($1 AS BIGINT)",
            &payment_id.to_string()
        )
        .await,
        1
    );
    // The reward and its clawbacks (or its decline while held) leave nothing owed.
    let owed = app
        .scalar(
            "SELECT CAST(COALESCE(SUM(r.amount_minor), 0) AS BIGINT) FROM rewards r JOIN transactions t ON t.id = r.transaction_id \
             WHERE (t.id = CAST($1 AS BIGINT) OR t.refund_of = CAST($1 AS BIGINT)) AND r.status <> 'declined'",
            &payment_id.to_string(),
        )
        .await;
    assert_eq!(owed, 0);
}

/// The end-to-end tests' clock releases what is due N days from now, once; it moves no clock
/// the jobs keep using, so a reward made afterwards is held its full period however often the
/// job runs (a lasting offset approved such rewards at the job's next tick).
async fn rewards_made_after_the_test_clock_ran_stay_held(app: &TestApp) {
    twenty_percent_offer(app).await;
    let key = app.api_key().await;
    let run_jobs = |days: &'static str| {
        let url = app.url("/test/clock");
        async move {
            let res = reqwest::Client::new()
                .post(url)
                .form(&[("days", days)])
                .send()
                .await
                .unwrap();
            json_of(res).await
        }
    };
    let (status, _, _) = post(app, &key, &payment("before-clock", 10_000), None).await;
    assert_eq!(status, 201);
    let moved = run_jobs("31").await;
    assert!(moved["approved"].as_i64().unwrap() >= 1, "{moved}");
    let (status, _, _) = post(app, &key, &payment("after-clock", 10_000), None).await;
    assert_eq!(status, 201);
    // What the job does on its next tick.
    run_jobs("0").await;
    let status_of = |key: &'static str| async move {
        sqlx::query_scalar::<_, String>(
            "SELECT r.status FROM rewards r JOIN transactions t ON t.id = r.transaction_id WHERE t.transaction_key = $1",
        )
        .bind(key)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    };
    assert_eq!(status_of("before-clock").await, "approved");
    assert_eq!(status_of("after-clock").await, "pending");
}

/// A transaction recorded under an idempotency key stores the key's answer in the same
/// database transaction: nothing can record the payment and lose the answer to replay.
async fn a_recorded_transaction_stores_its_idempotent_answer_with_it(app: &TestApp) {
    use store::rewards::program_money;
    use store::transactions::{self, Recorder};
    let key = app.api_key().await;
    let program_id = app.acme_program_id().await;
    let key_id = app
        .scalar("SELECT id FROM api_keys WHERE program_id = CAST($1 AS BIGINT) ORDER BY id DESC LIMIT 1", &program_id.to_string())
        .await;
    let claimed: i64 = sqlx::query_scalar(
        "INSERT INTO idempotency_keys (program_id, idem_key, request_hash, created_at) VALUES ($1, 'crash-1', 'h', $2) RETURNING id",
    )
    .bind(program_id)
    .bind(store::db::now_ms())
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let program = program_money(&app.db.pool, program_id).await.unwrap();
    let input = domain::transaction::TransactionInput {
        customer_key: Some("cus_1001".into()),
        amount_minor: Some(4_200),
        currency: "USD".into(),
        transaction_key: "crash-order".into(),
        ..Default::default()
    };
    let now = store::db::now_ms();
    let new = domain::transaction::validate(input, program.currency, now).unwrap();
    // The request "dies" right after recording: nothing else runs.
    let recorded = transactions::record(
        &app.db,
        &program,
        new,
        Recorder::ApiKey(key_id),
        now,
        Some(claimed),
    )
    .await
    .unwrap()
    .unwrap();
    let (status, body): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT status_code, response_body FROM idempotency_keys WHERE id = $1")
            .bind(claimed)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(status, Some(201));
    let stored: Value = serde_json::from_str(&body.unwrap()).unwrap();
    assert_eq!(stored["id"], json!(recorded.id));
    let _ = key;
}

/// A customer's status, and the reason of its latest change.
async fn customer_status(app: &TestApp, key: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT c.status, COALESCE((SELECT e.payload FROM events e WHERE e.subject_type = 'customer' \
         AND e.subject_id = c.id AND e.kind = 'customer.status_changed' ORDER BY e.id DESC LIMIT 1), '') \
         FROM customers c WHERE c.external_key = $1",
    )
    .bind(key)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn customers_move_with_their_payments(app: &TestApp) {
    let key = app.api_key().await;
    assert_eq!(customer_status(app, "cus_1001").await.0, "signed_up");
    let (status, ..) = post(app, &key, &payment("life_1", 10_000), None).await;
    assert_eq!(status, 201);
    let (now, why) = customer_status(app, "cus_1001").await;
    assert_eq!(now, "paying");
    assert!(why.contains("First payment"), "{why}");
    // A second payment changes nothing; refunding less than everything neither.
    post(app, &key, &payment("life_2", 5_000), None).await;
    let mut refund = payment("life_r1", -5_000);
    refund["refunds"] = json!("life_2");
    assert_eq!(post(app, &key, &refund, None).await.0, 201);
    assert_eq!(customer_status(app, "cus_1001").await.0, "paying");
    let mut refund = payment("life_r2", -10_000);
    refund["refunds"] = json!("life_1");
    assert_eq!(post(app, &key, &refund, None).await.0, 201);
    let (now, why) = customer_status(app, "cus_1001").await;
    assert_eq!(now, "churned");
    assert!(why.contains("Every payment was refunded"), "{why}");
    post(app, &key, &payment("life_3", 2_000), None).await;
    assert!(
        customer_status(app, "cus_1001")
            .await
            .1
            .contains("Paid again")
    );

    // The churn window: quiet for 30 days (the program's setting), the customer churned, once.
    sqlx::query("UPDATE programs SET churn_days = 30")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let now = store::db::now_ms();
    assert_eq!(
        store::customers::churn_quiet(&app.db, now + 29 * DAY)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store::customers::churn_quiet(&app.db, now + 31 * DAY)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store::customers::churn_quiet(&app.db, now + 31 * DAY)
            .await
            .unwrap(),
        0
    );
    let (status, why) = customer_status(app, "cus_1001").await;
    assert_eq!(status, "churned");
    assert!(why.contains("No payment for 30 days"), "{why}");

    // By hand, with a reason; partner managers only; the list filters by status.
    let id = app
        .scalar(
            "SELECT id FROM customers WHERE external_key = $1",
            "cus_1001",
        )
        .await
        .to_string();
    let owner = app.signed_in("owner@acme.example").await;
    let finance = app.signed_in("finance@acme.example").await;
    let set = |status: &'static str, reason: &'static str| {
        vec![
            ("customer", id.clone()),
            ("status", status.into()),
            ("reason", reason.into()),
        ]
    };
    let call = async |client: &reqwest::Client, form: Vec<(&str, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.call(client, "set_customer_status", &form).await
    };
    assert_eq!(
        call(&finance, set("paying", "Paid by invoice"))
            .await
            .status(),
        403
    );
    assert_eq!(call(&owner, set("paying", " ")).await.status(), 400);
    assert_eq!(
        call(&owner, set("churned", "Again")).await.status(),
        400,
        "no change"
    );
    assert_eq!(
        call(&owner, set("paying", "Paid by invoice"))
            .await
            .status(),
        200
    );
    let detail = json_of(app.call(&owner, "vendor_customer", &[("id", &id)]).await).await;
    let history = detail["history"].to_string();
    assert!(
        history.contains("Status churned → paying (Paid by invoice) by"),
        "{history}"
    );
    let program = acme_program(app).await;
    let paying = json_of(
        app.call(
            &owner,
            "vendor_customers",
            &[("program", &program), ("status", "paying")],
        )
        .await,
    )
    .await;
    let names = paying["customers"].to_string();
    assert!(
        names.contains("Contoso Retail") && !names.contains("Fabrikam"),
        "{names}"
    );

    // Credited to another partner by hand: Lakeside from now on, with the reason kept.
    let move_to = async |client: &reqwest::Client, key: &str, reason: &str| {
        let form = [
            ("customer", id.as_str()),
            ("partner_key", key),
            ("reason", reason),
        ];
        app.call(client, "reattribute_customer", &form).await
    };
    assert_eq!(
        move_to(&finance, "lakeside-2c9d", "Their deal")
            .await
            .status(),
        403
    );
    assert_eq!(
        move_to(&owner, "no-such-key", "Their deal").await.status(),
        400
    );
    assert_eq!(
        move_to(&owner, "northwind-7f3a", "Theirs").await.status(),
        400,
        "already"
    );
    assert_eq!(move_to(&owner, "lakeside-2c9d", "").await.status(), 400);
    let res = move_to(&owner, "lakeside-2c9d", "Lakeside closed the deal").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let holder: String = sqlx::query_scalar(
        "SELECT t.name FROM customers c JOIN partnerships p ON p.id = c.partnership_id \
         JOIN partner_teams t ON t.id = p.partner_team_id WHERE c.external_key = $1",
    )
    .bind("cus_1001")
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(holder, "Lakeside IT");
    let detail = json_of(app.call(&owner, "vendor_customer", &[("id", &id)]).await).await;
    let history = detail["history"].to_string();
    assert!(
        history.contains("Attributed to Lakeside IT by hand (Lakeside closed the deal)"),
        "{history}"
    );
}
