//! The local SMS provider's outbox repository on both engines.

use crate::common;

use server::store::outbox::OutboxRepo;

const NOW: i64 = 1_740_794_400;

fn index(n: u8) -> Vec<u8> {
    vec![n; 32]
}

#[tokio::test]
async fn the_outbox_keeps_messages_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        db.put(&index(1), &[1; 40], "login_code", "码 123456", NOW)
            .await
            .unwrap();
        db.put(&index(2), &[2; 40], "notice", "通知", NOW + 1)
            .await
            .unwrap();
        let recent = db.recent(10).await.unwrap();
        assert_eq!(recent.len(), 2, "{:?}", db.engine());
        assert_eq!(
            (recent[0].kind.as_str(), recent[0].text.as_str()),
            ("notice", "通知")
        );
        assert_eq!(recent[1].mobile_index, index(1));
        assert_eq!(recent[1].sent_at, NOW);
        assert_eq!(db.recent(1).await.unwrap().len(), 1);
        assert!(db.put(&index(3), &[3; 40], "spam", "x", NOW).await.is_err());
    }
}
