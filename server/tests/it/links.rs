//! The referral redirect: `/r/<key>` sends visitors to the allow-listed destination with the
//! partner key and a click id, answers 404 for anything else, and stores every click — in
//! batches, and before the server exits. On SQLite and PostgreSQL.

use std::net::SocketAddr;

use crate::common::{TestApp, eventually};
use store::db::now_ms;

on_both_backends!(
    a_link_redirects_to_its_destination_and_counts_clicks,
    unknown_disabled_and_unsafe_links_answer_404,
    stopping_the_server_loses_no_queued_click,
    a_burst_of_new_keys_gets_each_its_own_target,
);

/// Gives the Acme program its link domains and default destination.
pub(crate) async fn configure_links(app: &TestApp) {
    sqlx::query(
        "UPDATE programs SET allowed_domains = $1, default_destination = $2 WHERE slug = 'acme-partner-program'",
    )
    .bind("acme.example")
    .bind("https://www.acme.example/pricing?utm_source=partners")
    .execute(&app.db.pool)
    .await
    .unwrap();
}

/// The default link of a team's Acme partnership (or of its first contact).
pub(crate) async fn default_link(app: &TestApp, team: &str, contact: bool) -> String {
    let partnership: i64 = app.partnership_id(team).await.parse().unwrap();
    let program: i64 = app.acme_program_id().await;
    let contact_id: Option<i64> = if contact {
        sqlx::query_scalar(
            "SELECT c.id FROM contacts c JOIN partnerships p ON p.partner_team_id = c.partner_team_id WHERE p.id = $1 ORDER BY c.id LIMIT 1",
        )
        .bind(partnership)
        .fetch_optional(&app.db.pool)
        .await
        .unwrap()
    } else {
        None
    };
    let mut tx = app.db.begin().await.unwrap();
    let (_, key) = store::links::default_link(&mut tx, program, partnership, contact_id, now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    key
}

async fn clicks(app: &TestApp, expected: i64) -> i64 {
    // The writer stores clicks a moment after the redirects.
    eventually(
        || app.scalar("SELECT COUNT(*) FROM clicks WHERE click_key <> $1", ""),
        |n| *n >= expected,
    )
    .await
}

async fn a_link_redirects_to_its_destination_and_counts_clicks(app: &TestApp) {
    configure_links(app).await;
    let key = default_link(app, "Northwind Agency", false).await;
    assert_eq!(key.len(), domain::link::KEY_LEN);
    assert_eq!(
        default_link(app, "Northwind Agency", false).await,
        key,
        "one default link per partnership"
    );
    let mine = default_link(app, "Northwind Agency", true).await;
    assert_ne!(mine, key, "each contact has a link of their own");
    let client = app.client();
    let res = client
        .get(app.url(&format!("/r/{key}")))
        .header("User-Agent", "Mozilla/5.0 Chrome/126.0 Safari/537.36")
        .header("Referer", "https://blog.example/post?x=1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let prefix =
        "https://www.acme.example/pricing?utm_source=partners&partner_key=northwind-7f3a&click_id=";
    assert!(location.starts_with(prefix), "{location}");
    let click_key = &location[prefix.len()..];
    assert!(domain::link::is_key(click_key));
    for _ in 0..49 {
        let res = client
            .get(app.url(&format!("/r/{mine}")))
            .header("User-Agent", "curl/8.5.0")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302);
    }
    assert_eq!(clicks(app, 50).await, 50);
    let (family, referrer): (String, Option<String>) =
        sqlx::query_as("SELECT user_agent_family, referrer_host FROM clicks WHERE click_key = $1")
            .bind(click_key)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (family.as_str(), referrer.as_deref()),
        ("Chrome", Some("blog.example"))
    );
    let bots = app
        .scalar(
            "SELECT COUNT(*) FROM clicks WHERE user_agent_family = $1",
            domain::link::BOT_FAMILY,
        )
        .await;
    assert_eq!(bots, 49, "curl is counted, as a bot");
    let hashes = app
        .scalar(
            "SELECT COUNT(DISTINCT ip_hash) FROM clicks WHERE click_key <> $1",
            "",
        )
        .await;
    assert_eq!(hashes, 1, "one visitor, one salted hash, no address stored");
    // The writer adds stored clicks to their links' counters within a second or so.
    let counts = |key: String| async move {
        let read = || {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT click_count, bot_click_count FROM links WHERE link_key = $1",
            )
            .bind(key.clone())
            .fetch_one(&app.db.pool)
        };
        eventually(read, |c| c.as_ref().is_ok_and(|c| *c != (0, 0)))
            .await
            .unwrap()
    };
    assert_eq!(counts(key).await, (1, 0));
    assert_eq!(counts(mine).await, (0, 49), "bots are counted apart");
}

async fn unknown_disabled_and_unsafe_links_answer_404(app: &TestApp) {
    configure_links(app).await;
    let client = app.client();
    let status = |path: String| {
        let client = client.clone();
        async move {
            let res = client.get(app.url(&path)).send().await.unwrap();
            assert!(res.headers().get("location").is_none());
            res.status().as_u16()
        }
    };
    assert_eq!(status("/r/NoSuchKey1".into()).await, 404);
    assert_eq!(status("/r/abcdef%0d%0aSet-Cookie:%20x=1".into()).await, 404);
    assert_eq!(status("/r/abc".into()).await, 404);
    // A link whose partnership is suspended, or that was turned off, leads nowhere.
    let lakeside = default_link(app, "Lakeside IT", false).await;
    sqlx::query("UPDATE partnerships SET status = 'suspended' WHERE id = CAST($1 AS BIGINT)")
        .bind(app.partnership_id("Lakeside IT").await)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status(format!("/r/{lakeside}")).await, 404);
    let northwind = default_link(app, "Northwind Agency", false).await;
    sqlx::query("UPDATE links SET disabled_at = 1 WHERE link_key = $1")
        .bind(&northwind)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status(format!("/r/{northwind}")).await, 404);
    // A stored destination outside the allow-list (a domain was removed) is never served.
    let mine = default_link(app, "Northwind Agency", true).await;
    sqlx::query("UPDATE links SET destination = $1 WHERE link_key = $2")
        .bind("https://evil.example/")
        .bind(&mine)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status(format!("/r/{mine}")).await, 404);
    assert_eq!(clicks(app, 0).await, 0);
}

async fn stopping_the_server_loses_no_queued_click(app: &TestApp) {
    configure_links(app).await;
    let key = default_link(app, "Northwind Agency", false).await;
    // A server of its own, stopped by the test.
    let settings = server::Settings::local(String::new());
    let state = server::app_state(app.db.clone(), &settings);
    let (redirects, writer) = server::redirect::start(app.db.clone(), settings.link_cache);
    let router = server::router_with_clock(state, settings.leptos_options(), false, redirects);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
    });
    const N: i64 = 300;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut sent = Vec::new();
    for _ in 0..N {
        let client = client.clone();
        let url = format!("{base}/r/{key}");
        sent.push(tokio::spawn(async move {
            client.get(url).send().await.unwrap().status().as_u16()
        }));
    }
    for s in sent {
        assert_eq!(s.await.unwrap(), 302);
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    writer.finish().await;
    let stored = app
        .scalar("SELECT COUNT(*) FROM clicks WHERE click_key <> $1", "")
        .await;
    assert_eq!(stored, N);
}

/// Keys requested at once before any is cached are read together; each still gets its own
/// destination, and an unknown key among them its 404.
async fn a_burst_of_new_keys_gets_each_its_own_target(app: &TestApp) {
    configure_links(app).await;
    let partnership: i64 = app
        .partnership_id("Northwind Agency")
        .await
        .parse()
        .unwrap();
    let program: i64 = app.acme_program_id().await;
    const N: usize = 150;
    let mut keys = Vec::new();
    for i in 0..N {
        let key = store::links::new_key();
        sqlx::query(
            "INSERT INTO links (program_id, partnership_id, link_key, name, destination, created_at) VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(program)
        .bind(partnership)
        .bind(&key)
        .bind(format!("Page {i}"))
        .bind(format!("https://www.acme.example/page/{i}"))
        .execute(&app.db.pool)
        .await
        .unwrap();
        keys.push(key);
    }
    let client = app.client();
    let mut requests = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let (client, url) = (client.clone(), app.url(&format!("/r/{key}")));
        requests.push(tokio::spawn(async move {
            let res = client.get(url).send().await.unwrap();
            (
                i,
                res.status().as_u16(),
                res.headers()
                    .get("location")
                    .map(|l| l.to_str().unwrap().to_owned()),
            )
        }));
    }
    let unknown = client.get(app.url("/r/NoSuchKey2")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    for request in requests {
        let (i, status, location) = request.await.unwrap();
        assert_eq!(status, 302);
        let location = location.unwrap();
        assert!(
            location.starts_with(&format!(
                "https://www.acme.example/page/{i}?partner_key=northwind-7f3a&click_id="
            )),
            "link {i}: {location}"
        );
    }
}
