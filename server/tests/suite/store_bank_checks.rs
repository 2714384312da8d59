//! The 金融认证 repositories on both engines: transfers, guarded tries, the local statement.

use crate::common;

use std::sync::Arc;

use common::seed;
use server::store::Db;
use server::store::bank_checks::{BankCheckRepo, NewCheck, StatementRepo, StatementRow};

fn check(application_id: i64, sent_at: i64) -> NewCheck {
    NewCheck {
        application_id,
        code_mac: vec![sent_at as u8; 32],
        account_name: "山西某某科技有限公司".into(),
        opening_bank: "中国工商银行".into(),
        account_masked: "0502****2345".into(),
        reference: format!("LOCAL{sent_at}"),
        sent_at,
        expires_at: sent_at + 3600,
    }
}

async fn awaiting(db: &Db) -> (i64, i64) {
    let user = seed::user(db, 1).await;
    let id = seed::application(db, user, "A1", "awaiting_bank_check").await;
    (user, id)
}

#[tokio::test]
async fn the_newest_transfer_counts_and_all_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (user, id) = awaiting(&db).await;
        let found = Some((id, "awaiting_bank_check".to_owned()));
        assert_eq!(db.application(None, "A1").await.unwrap(), found);
        assert_eq!(db.application(Some(user), "A1").await.unwrap(), found);
        assert_eq!(db.application(Some(user + 1), "A1").await.unwrap(), None);
        assert_eq!(db.application(None, "A2").await.unwrap(), None);

        assert_eq!(db.latest(id).await.unwrap(), None);
        assert_eq!(db.transfers(id).await.unwrap(), 0);
        db.record(&check(id, 100)).await.unwrap();
        db.record(&check(id, 200)).await.unwrap();
        let latest = db.latest(id).await.unwrap().unwrap();
        assert_eq!((latest.sent_at, latest.expires_at), (200, 3800));
        assert_eq!((latest.attempts, latest.passed_at), (0, None));
        assert_eq!(latest.transfers, 2);
        assert_eq!(latest.code_mac, vec![200u8; 32]);
        assert_eq!(db.transfers(id).await.unwrap(), 2);
    }
}

#[tokio::test]
async fn a_try_counts_until_the_check_passes_or_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (_, id) = awaiting(&db).await;
        db.record(&check(id, 100)).await.unwrap();
        let check_id = db.latest(id).await.unwrap().unwrap().id;
        assert!(db.count_attempt(check_id, None, 3).await.unwrap());
        assert!(db.count_attempt(check_id, Some(150), 3).await.unwrap());
        let passed = db.latest(id).await.unwrap().unwrap();
        assert_eq!((passed.attempts, passed.passed_at), (2, Some(150)));
        assert!(
            !db.count_attempt(check_id, None, 3).await.unwrap(),
            "passed"
        );

        db.record(&check(id, 200)).await.unwrap();
        let check_id = db.latest(id).await.unwrap().unwrap().id;
        for _ in 0..3 {
            assert!(db.count_attempt(check_id, None, 3).await.unwrap());
        }
        assert!(
            !db.count_attempt(check_id, Some(250), 3).await.unwrap(),
            "locked"
        );
        assert_eq!(db.latest(id).await.unwrap().unwrap().passed_at, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_tries_count_up_to_the_limit_and_no_further() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let (_, id) = awaiting(&db).await;
        db.record(&check(id, 100)).await.unwrap();
        let check_id = db.latest(id).await.unwrap().unwrap().id;
        let db = Arc::new(db);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.count_attempt(check_id, None, 5).await })
            })
            .collect();
        let mut counted = 0;
        for task in tasks {
            counted += usize::from(task.await.unwrap().unwrap());
        }
        assert_eq!(counted, 5, "{:?}", db.engine());
        assert_eq!(db.latest(id).await.unwrap().unwrap().attempts, 5);
    }
}

#[tokio::test]
async fn the_local_statement_lists_the_newest_lines_first() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let mut ids = Vec::new();
        for at in [10, 20, 30] {
            let line = StatementRow {
                account_name: "某公司".into(),
                opening_bank: "中国工商银行".into(),
                account_masked: "0502****2345".into(),
                amount_fen: 1,
                memo: format!("memo {at}"),
                at,
            };
            ids.push(db.add_line(&line).await.unwrap());
        }
        assert!(ids[0] < ids[1] && ids[1] < ids[2], "{ids:?}");
        let recent = db.recent_lines(2).await.unwrap();
        let memos: Vec<_> = recent.iter().map(|l| l.memo.as_str()).collect();
        assert_eq!(memos, ["memo 30", "memo 20"]);
        assert_eq!((recent[0].amount_fen, recent[0].at), (1, 30));
    }
}
