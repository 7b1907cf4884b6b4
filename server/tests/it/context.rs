//! The request context: one read of the session per request, reused for a moment by pages
//! only, so a sign-out reaches every server process within a second and one's own change
//! shows at once.

use std::time::{Duration, Instant};

use crate::common::{DEMO_PASSWORD, TestApp};

on_both_backends!(
    a_sign_out_reaches_every_server_process_within_a_second,
    a_page_right_after_a_change_reads_the_session_again,
);

/// Signs in with a client that keeps no cookies; the `Cookie` header value of the session.
async fn session_cookie(app: &TestApp, email: &str) -> String {
    let res = app
        .client_without_origin()
        .post(app.url("/api/login"))
        .header("origin", &app.origin)
        .form(&[("email", email), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("sign in");
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("portal_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// `GET {base}/vendor` with `cookie`: its status.
async fn vendor_page(base: &str, cookie: &str) -> u16 {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{base}/vendor"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("page")
        .status()
        .as_u16()
}

async fn sign_out(base: &str, cookie: &str) {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{base}/api/logout"))
        .header("cookie", cookie)
        .header("origin", base)
        .header("accept", "application/json")
        .send()
        .await
        .expect("sign out");
    assert!(
        res.status().as_u16() < 400,
        "sign-out answered {}",
        res.status()
    );
}

async fn a_sign_out_reaches_every_server_process_within_a_second(app: &TestApp) {
    let second = app.second_server().await;
    let cookie = session_cookie(app, "owner@acme.example").await;
    // The second process has just read the session for a page.
    assert_eq!(vendor_page(&second, &cookie).await, 200);
    sign_out(&app.base, &cookie).await;
    let signed_out = Instant::now();
    // The first process, where the sign-out ran, knows at once.
    assert_eq!(vendor_page(&app.base, &cookie).await, 303);
    loop {
        let status = vendor_page(&second, &cookie).await;
        if status == 303 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            signed_out.elapsed() < Duration::from_millis(1100),
            "the second process still served the signed-out session after {:?}",
            signed_out.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(signed_out.elapsed() < Duration::from_millis(1100));
}

async fn a_page_right_after_a_change_reads_the_session_again(app: &TestApp) {
    let cookie = session_cookie(app, "owner@acme.example").await;
    assert_eq!(vendor_page(&app.base, &cookie).await, 200);
    assert_eq!(vendor_page(&app.base, &cookie).await, 200);
    sign_out(&app.base, &cookie).await;
    assert_eq!(vendor_page(&app.base, &cookie).await, 303);
}
