//! The demo shows the product: `seed_demo_work` fills a month of work so that every demo role
//! meets a full inbox at once, with overdue items, documents to register and to issue, a signed
//! and issued document and case files.

mod common;
mod support;

use common::TestApp;
use egov_service::Caller;

async fn caller(app: &TestApp, username: &str) -> Caller {
    let mut c = app.store.read().await.expect("read");
    let id = egov_storage::accounts::credentials_by_username(&mut c, username)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("{username} exists"))
        .id;
    drop(c);
    let actor = app.services.actor(id, None).await.expect("actor");
    Caller { actor, ip: None, session_id: None, token_id: None }
}

async fn seeded() -> TestApp {
    let app = TestApp::spawn().await;
    app.seed_demo().await;
    app.services.create_demo_pki(None).await.expect("demo PKI");
    let work = app.services.seed_demo_work().await.expect("demo work");
    assert_eq!((work.incoming, work.drafts, work.messages, work.case_files), (31, 9, 6, 2), "{work:?}");
    assert_eq!((work.tasks, work.schedule_entries), (5, 3), "{work:?}");
    // The tasks are real work: the specialist's part is at 60 %, and rolls up into the plan.
    let officer = caller(&app, "chuyenvien").await;
    let mine = app.services.tasks(&officer, egov_storage::tasks::TaskList::Mine, true, None, 50).await.expect("tasks");
    let part = mine.items.iter().find(|t| t.title.starts_with("Tổng hợp số liệu")).expect("the specialist's part");
    assert_eq!(part.progress, 60);
    let leader = caller(&app, "lanhdao").await;
    let plan = app.services.task(&leader, part.parent_id.expect("a part of the plan")).await.expect("the plan");
    assert_eq!(plan.task.progress, 40, "(2 × 60 + 1 × 0) / 3");
    app
}

#[tokio::test]
async fn every_demo_role_meets_a_full_inbox() {
    let app = seeded().await;
    let today = egov_service::documents::today().to_string();
    for (username, at_least) in [("lanhdao", 5), ("truongphong", 5), ("phophong", 5), ("chuyenvien", 5), ("vanthu", 2)]
    {
        let who = caller(&app, username).await;
        let items = app.services.inbox(&who, false, None, 200).await.expect("inbox");
        assert!(items.len() >= at_least, "{username} has {} open items", items.len());
        // The month is spread out: not everything arrived today.
        let days: std::collections::BTreeSet<i64> = items.iter().map(|i| i.created_at / 86_400_000).collect();
        if username != "vanthu" {
            assert!(days.len() >= 3, "{username}'s items arrived on {} days", days.len());
        }
        if username == "chuyenvien" {
            let overdue = items.iter().filter(|i| i.deadline.as_deref().is_some_and(|d| d < today.as_str())).count();
            assert!(overdue >= 1, "the specialist has overdue work");
        }
    }
    let clerk = caller(&app, "vanthu").await;
    let queue = app.services.to_register(&clerk).await.expect("to register");
    assert_eq!(queue.len(), 2, "two documents from the Department of Home Affairs wait to be registered");
}

#[tokio::test]
async fn the_demo_has_signed_issued_documents_and_case_files() {
    let app = seeded().await;
    let specialist = caller(&app, "chuyenvien").await;
    let files = app.services.case_files(&specialist, None).await.expect("case files");
    assert_eq!(files.len(), 2);
    let detail = app.services.case_file(&specialist, files[0].id).await.expect("case file");
    assert!(!detail.documents.is_empty(), "the case file holds documents");
    let clerk = caller(&app, "vanthu").await;
    let books = app.services.books(&clerk).await.expect("books");
    let outgoing: Vec<_> = books.iter().filter(|b| b.direction == "outgoing").collect();
    assert!(!outgoing.is_empty(), "the office has an outgoing register book");
    let extract = app.services.book(&clerk, outgoing[0].id).await.expect("book");
    let issued = extract.lines.iter().find(|l| l.document.status == "issued").expect("an issued document");
    let detail = app.services.document(&clerk, issued.document.id).await.expect("document");
    assert!(!detail.signatures.is_empty(), "the issued document's file is signed");
}

/// The numbers of the home dashboard, as (what, list link, count), read from the page.
fn dashboard_counts(html: &str) -> Vec<(String, String, i64)> {
    html.split("<li><a href=\"")
        .skip(1)
        .filter(|part| part.contains("data-count="))
        .filter_map(|part| {
            let href = part.split('"').next()?.replace("&amp;", "&");
            let key = part.split("data-count=\"").nth(1)?.split('"').next()?.to_string();
            let num = part.split("<strong class=\"num\">").nth(1)?.split('<').next()?.trim().parse().ok()?;
            Some((key, href, num))
        })
        .collect()
}

/// The total an inbox page states ("… trong tổng số N").
fn inbox_total(html: &str) -> Option<i64> {
    html.split("trong tổng số ").nth(1)?.split('<').next()?.trim().parse().ok()
}

#[tokio::test]
async fn each_demo_roles_dashboard_shows_counts_that_match_the_lists_they_link_to() {
    let app = seeded().await;
    for (username, nonzero) in [
        ("lanhdao", &["/inbox", "/notifications?unread=1"][..]),
        ("truongphong", &["/inbox", "/notifications?unread=1"][..]),
        ("chuyenvien", &["/inbox", "/inbox?due=overdue", "/notifications?unread=1"][..]),
        ("vanthu", &["/inbox", "/notifications?unread=1"][..]),
    ] {
        let client = app.client();
        support::sign_in(&app, &client, username, common::DEMO_PASSWORD).await;
        let home = support::page(&app, &client, "/").await;
        let counts = dashboard_counts(&home);
        assert!(counts.len() >= 4, "{username}: {counts:?}");
        for want in nonzero {
            let n = counts.iter().find(|(_, h, _)| h == want).map(|c| c.2);
            assert!(n.is_some_and(|n| n > 0), "{username}: {want} shows {n:?}");
        }
        for (key, href, n) in &counts {
            let list = support::page(&app, &client, href).await;
            if key == "dash.to_register" {
                let clerk = caller(&app, username).await;
                let queue = app.services.to_register(&clerk).await.expect("queue").len() as i64;
                assert_eq!(*n, queue, "{username}: arrivals to register");
            } else if href.starts_with("/inbox") {
                if *n > 0 {
                    assert_eq!(inbox_total(&list), Some(*n), "{username}: {href} says {n} on the dashboard");
                }
            } else if href.starts_with("/notifications") {
                let unread =
                    list.split("Chưa đọc: ").nth(1).and_then(|t| t.split('<').next()?.trim().parse::<i64>().ok());
                assert_eq!(unread, Some(*n), "{username}: {href}");
            }
        }
    }
}
