//! Notifications (`app/src/api/notifications.rs`): a person reads and marks only their own, in
//! the workspace they act in; nobody else's are listed or marked.

use super::{Case, Fixture, GX, INI, LK, MGR, NORTHWIND_SECRETS, case, check_all};
use crate::common::TestApp;

on_both_backends!(notifications);

pub fn cases(fx: &Fixture) -> Vec<Case<'_>> {
    let theirs = fx.northwind_notification.as_str();
    let s = NORTHWIND_SECRETS;
    let mut cases = Vec::new();
    for who in [GX, INI, LK, MGR] {
        cases.push(case(who, "notifications", vec![], 200, s));
        cases.push(case(
            who,
            "mark_notifications_read",
            vec![("notification", theirs)],
            404,
            s,
        ));
        // "All" is one's own only.
        cases.push(case(who, "mark_notifications_read", vec![], 200, s));
    }
    // Preferences are one's own; a vendor cannot turn off a partner's kind.
    cases.push(case(
        GX,
        "save_email_preferences",
        vec![("receive[]", "deal_won")],
        400,
        s,
    ));
    cases.push(case(LK, "save_email_preferences", vec![], 200, s));
    cases
}

async fn notifications(app: &TestApp) {
    let fx = Fixture::load(app).await;
    check_all(app, &cases(&fx)).await;
    let unread = app
        .scalar(
            "SELECT COUNT(*) FROM notifications WHERE id = CAST($1 AS BIGINT) AND read_at IS NULL",
            &fx.northwind_notification,
        )
        .await;
    assert_eq!(unread, 1, "Northwind's notification is still unread");
}
