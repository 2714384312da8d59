//! The reviewer repository (accounts, sign-in counters and lock, wrong passwords per address,
//! audit) on both engines, and the sign-in rules over it under concurrent wrong passwords.

use crate::common;

use std::net::IpAddr;
use std::sync::Arc;

use server::clock::ManualClock;
use server::service::reviewers::{Reviewers, Role, SignIn};
use server::store::Db;
use server::store::reviewers::{NewReviewer, ReviewerRepo};

const NOW: i64 = 1_740_794_400;

fn new(login: &str) -> NewReviewer<'_> {
    NewReviewer {
        login,
        name: "张审核",
        role: "reviewer",
        password_hash: "$argon2id$not-checked-here",
        created_at: NOW,
    }
}

async fn failed_logins(db: &Db, id: i64) -> i64 {
    sqlx::query_scalar("SELECT failed_logins FROM reviewers WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn accounts_are_added_once_listed_and_disabled() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let zhang = db.add(new("zhang")).await.unwrap().unwrap();
        assert_eq!(db.add(new("zhang")).await.unwrap(), None);
        let li = db.add(new("li")).await.unwrap().unwrap();
        let all = db.list().await.unwrap();
        assert_eq!(
            all.iter().map(|r| r.id).collect::<Vec<_>>(),
            [zhang, li],
            "{:?}",
            db.engine()
        );
        let row = db.get(zhang).await.unwrap().unwrap();
        assert_eq!(
            (row.login.as_str(), row.role.as_str(), row.created_at),
            ("zhang", "reviewer", NOW)
        );
        assert!(!row.disabled && row.locked_until.is_none() && row.last_login_at.is_none());
        assert!(db.set_disabled("zhang", true).await.unwrap());
        assert!(db.get(zhang).await.unwrap().unwrap().disabled);
        assert!(!db.set_disabled("nobody", true).await.unwrap());
        assert_eq!(db.get(9999).await.unwrap(), None);
    }
}

#[tokio::test]
async fn tries_are_counted_locked_and_lifted() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let id = db.add(new("zhang")).await.unwrap().unwrap();
        for _ in 0..5 {
            let (got, hash) = db.take_try("zhang", NOW, 5).await.unwrap().unwrap();
            assert_eq!((got, hash.as_str()), (id, "$argon2id$not-checked-here"));
        }
        // Five in flight: a sixth is refused before its password is checked.
        assert_eq!(db.take_try("zhang", NOW, 5).await.unwrap(), None);
        assert_eq!(db.locked_id("zhang", 5).await.unwrap(), Some(id));
        db.give_back_try(id).await.unwrap();
        assert_eq!(failed_logins(&db, id).await, 4);
        assert!(!db.lock_if_spent(id, NOW + 900, 5).await.unwrap());
        db.take_try("zhang", NOW, 5).await.unwrap().unwrap();
        assert!(db.lock_if_spent(id, NOW + 900, 5).await.unwrap());
        assert!(!db.lock_if_spent(id, NOW + 900, 5).await.unwrap());
        // A right password that finishes after the lock landed does not sign in.
        assert!(!db.signed_in(id, NOW).await.unwrap());
        assert_eq!(db.take_try("zhang", NOW + 899, 5).await.unwrap(), None);
        // The lock runs out: the count starts again.
        assert!(db.take_try("zhang", NOW + 900, 5).await.unwrap().is_some());
        assert_eq!(failed_logins(&db, id).await, 1);
        assert!(db.signed_in(id, NOW + 901).await.unwrap());
        let row = db.get(id).await.unwrap().unwrap();
        assert_eq!(
            (row.last_login_at, row.locked_until),
            (Some(NOW + 901), None)
        );
        assert_eq!(failed_logins(&db, id).await, 0);

        // Disabled: no tries; enabled again: the lock is gone too.
        for _ in 0..5 {
            db.take_try("zhang", NOW + 1000, 5).await.unwrap();
        }
        db.lock_if_spent(id, NOW + 2000, 5).await.unwrap();
        db.set_disabled("zhang", true).await.unwrap();
        assert_eq!(db.take_try("zhang", NOW + 3000, 5).await.unwrap(), None);
        assert_eq!(db.locked_id("zhang", 5).await.unwrap(), None);
        db.set_disabled("zhang", false).await.unwrap();
        assert!(db.take_try("zhang", NOW + 1001, 5).await.unwrap().is_some());
        assert_eq!(db.take_try("nobody", NOW, 5).await.unwrap(), None);
    }
}

#[tokio::test]
async fn an_address_gets_its_places_per_window() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let mut places = Vec::new();
        for second in 0..3 {
            let place = db.take_place("198.51.100.1", NOW + second, NOW - 900, 3);
            places.push(place.await.unwrap().unwrap());
        }
        assert_eq!(
            db.take_place("198.51.100.1", NOW + 5, NOW - 900, 3)
                .await
                .unwrap(),
            Err(NOW),
            "{:?}",
            db.engine()
        );
        assert!(
            db.take_place("198.51.100.2", NOW + 5, NOW - 900, 3)
                .await
                .unwrap()
                .is_ok()
        );
        db.give_back_place(places[1]).await.unwrap();
        assert!(
            db.take_place("198.51.100.1", NOW + 6, NOW - 900, 3)
                .await
                .unwrap()
                .is_ok()
        );
        // The window moves past the first attempt.
        assert!(
            db.take_place("198.51.100.1", NOW + 901, NOW + 1, 3)
                .await
                .unwrap()
                .is_ok()
        );
    }
}

#[tokio::test]
async fn audit_lines_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let id = db.add(new("zhang")).await.unwrap().unwrap();
        db.audit(id, None, "login", None, NOW).await.unwrap();
        db.audit(id, None, "logout", Some("x"), NOW + 1)
            .await
            .unwrap();
        let kept: Vec<(String, Option<String>, i64)> =
            sqlx::query_as("SELECT action, detail, at FROM reviewer_audit ORDER BY id")
                .fetch_all(db.pool())
                .await
                .unwrap();
        assert_eq!(
            kept,
            [
                ("login".to_owned(), None, NOW),
                ("logout".to_owned(), Some("x".to_owned()), NOW + 1)
            ]
        );
        assert!(db.audit_of(1).await.unwrap().is_empty());
        assert!(db.audit(9999, None, "login", None, NOW).await.is_err());
        let recent = db.recent_audit(1).await.unwrap();
        assert_eq!(
            recent,
            [(
                NOW + 1,
                "张审核".to_owned(),
                "logout".to_owned(),
                Some("x".to_owned()),
                None
            )],
            "{:?}",
            db.engine()
        );
        assert_eq!(db.recent_audit(10).await.unwrap().len(), 2);
        // An audit line naming no application is never a repeat of one that does.
        assert!(!db.audited_since(id, 1, "logout", "x", NOW).await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tries_and_places_are_each_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let db = Arc::new(db);
        let id = db.add(new("zhang")).await.unwrap().unwrap();
        let tries: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.take_try("zhang", NOW, 5).await })
            })
            .collect();
        let mut taken = 0;
        for t in tries {
            taken += usize::from(t.await.unwrap().unwrap().is_some());
        }
        assert_eq!(taken, 5, "{:?}", db.engine());
        assert_eq!(failed_logins(&db, id).await, 5);
        let locks: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.lock_if_spent(id, NOW + 900, 5).await })
            })
            .collect();
        let mut locked = 0;
        for l in locks {
            locked += usize::from(l.await.unwrap().unwrap());
        }
        assert_eq!(locked, 1, "{:?}", db.engine());

        let places: Vec<_> = (0..16)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.take_place("198.51.100.1", NOW, NOW - 900, 10).await })
            })
            .collect();
        let mut given = 0;
        for p in places {
            given += usize::from(p.await.unwrap().unwrap().is_ok());
        }
        assert_eq!(given, 10, "{:?}", db.engine());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_lock_the_account_after_exactly_five() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let db = Arc::new(db);
        let clock = Arc::new(ManualClock::new(common::START));
        let reviewers = Arc::new(Reviewers::new(db.clone(), clock));
        reviewers
            .add("zhang", "张审核", Role::Reviewer, "correct horse battery")
            .await
            .unwrap();
        let from: IpAddr = "198.51.100.1".parse().unwrap();
        let tries: Vec<_> = (0..8)
            .map(|_| {
                let reviewers = reviewers.clone();
                tokio::spawn(async move {
                    reviewers
                        .authenticate("zhang", "wrong horse battery", from)
                        .await
                })
            })
            .collect();
        for t in tries {
            assert!(matches!(t.await.unwrap().unwrap(), SignIn::Refused));
        }
        let audited: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM reviewer_audit WHERE action LIKE 'login%' ORDER BY action",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        let checked = audited
            .iter()
            .filter(|a| a.starts_with("login_failed"))
            .count();
        assert_eq!(checked, 5, "{audited:?} on {:?}", db.engine());
        assert_eq!(
            audited
                .iter()
                .filter(|a| *a == "login_failed_locked")
                .count(),
            1
        );
        assert_eq!(failed_logins(&db, 1).await, 5);
        // Locked: even the right password is refused now.
        assert!(matches!(
            reviewers
                .authenticate("zhang", "correct horse battery", from)
                .await
                .unwrap(),
            SignIn::Refused
        ));
        assert!(
            reviewers
                .get(1)
                .await
                .unwrap()
                .unwrap()
                .locked_until
                .is_some()
        );
    }
}
