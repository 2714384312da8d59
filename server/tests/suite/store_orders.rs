//! The order repository on both engines: guarded moves with their events and flags, the
//! timeline, fixing flags, and a move inside another transaction.

use crate::common;

use std::sync::Arc;

use common::rows;
use server::store::Db;
use server::store::orders::{EventRow, Move, NewFlag, OrderRepo};

fn event(event: &str, from: &str, to: &str, at: i64) -> EventRow {
    EventRow {
        event: event.into(),
        from_status: from.into(),
        to_status: to.into(),
        actor: "reviewer".into(),
        actor_id: Some(7),
        actor_name: Some("王审核".into()),
        note: Some("备注".into()),
        at,
    }
}

fn reject(at: i64) -> Move {
    Move {
        events: vec![event("reject", "awaiting_review", "rejected", at)],
        flags: vec![
            NewFlag {
                item: "field:org.name".into(),
                label: "单位名称".into(),
                reason: "与执照不符".into(),
            },
            NewFlag {
                item: "material:license".into(),
                label: "营业执照".into(),
                reason: "不清晰".into(),
            },
        ],
        ..Move::default()
    }
}

/// A submitted order, moved to 待审核.
async fn order(db: &Db) -> (i64, i64, String) {
    let user = rows::user(db, 1).await;
    let number = rows::submitted(db, user, "demo", "20250301", 100).await;
    let id = db.order(&number, None).await.unwrap().unwrap().id;
    let submitted = Move {
        events: vec![event(
            "materials_done",
            "awaiting_materials",
            "awaiting_review",
            110,
        )],
        ..Move::default()
    };
    assert!(db.move_if(id, &submitted).await.unwrap());
    (id, user, number)
}

async fn events(db: &Db, id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM order_events WHERE application_id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_move_is_recorded_only_from_the_status_it_expects() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let (id, user, number) = order(&db).await;
        assert!(db.order(&number, Some(user + 1)).await.unwrap().is_none());
        assert_eq!(db.orders(user).await.unwrap().len(), 1);

        assert!(db.move_if(id, &reject(120)).await.unwrap(), "{engine:?}");
        // The same move again finds the order rejected: refused, nothing written.
        assert!(!db.move_if(id, &reject(121)).await.unwrap());
        let row = db.order(&number, Some(user)).await.unwrap().unwrap();
        assert_eq!(row.status, "rejected");
        let timeline = db.timeline(id).await.unwrap();
        assert_eq!(timeline.len(), 2, "{engine:?}");
        assert_eq!(
            timeline[1],
            event("reject", "awaiting_review", "rejected", 120)
        );
        let flags = db.flags(id).await.unwrap();
        assert_eq!(flags.len(), 2);
        assert_eq!(flags[0].item, "field:org.name");
        assert_eq!(flags[0].fixed_at, None);

        assert!(
            db.mark_fixed(id, "field:org.name", Some("改了名称"), 130)
                .await
                .unwrap()
        );
        assert!(!db.mark_fixed(id, "nothing", None, 130).await.unwrap());
        let flags = db.flags(id).await.unwrap();
        assert_eq!(
            (flags[0].fixed_at, flags[0].changes.as_deref()),
            (Some(130), Some("改了名称"))
        );

        // Resubmitted, then a shipment and an approval's two steps in one move.
        let resubmit = Move {
            events: vec![event("resubmit", "rejected", "awaiting_review", 140)],
            ..Move::default()
        };
        assert!(db.move_if(id, &resubmit).await.unwrap());
        // Only a rejected order's flags can be fixed.
        assert!(
            !db.mark_fixed(id, "material:license", None, 150)
                .await
                .unwrap()
        );
        let approve = Move {
            events: vec![
                event("approve", "awaiting_review", "approved", 160),
                event("transfer_expected", "approved", "awaiting_transfer", 160),
            ],
            payment_method: Some(Some("bank_transfer".into())),
            shipment: Some(("顺丰".into(), "SF123456".into())),
            ..Move::default()
        };
        assert!(db.move_if(id, &approve).await.unwrap());
        let row = db.order(&number, None).await.unwrap().unwrap();
        assert_eq!(
            (
                row.status.as_str(),
                row.payment_method.as_deref(),
                row.courier.as_deref(),
                row.tracking_no.as_deref(),
                row.shipped_at
            ),
            (
                "awaiting_transfer",
                Some("bank_transfer"),
                Some("顺丰"),
                Some("SF123456"),
                Some(160)
            ),
            "{engine:?}"
        );
        assert_eq!(events(&db, id).await, 5);
        let cleared = Move {
            events: vec![event(
                "transfer_refused",
                "awaiting_transfer",
                "awaiting_payment",
                170,
            )],
            payment_method: Some(None),
            ..Move::default()
        };
        assert!(db.move_if(id, &cleared).await.unwrap());
        assert_eq!(
            db.order(&number, None)
                .await
                .unwrap()
                .unwrap()
                .payment_method,
            None
        );
        // An empty move changes nothing.
        assert!(!db.move_if(id, &Move::default()).await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_moves_record_one_event() {
    let dir = tempfile::tempdir().unwrap();
    for db in common::engines::every(dir.path()).await {
        let engine = db.engine();
        let (id, _, _) = order(&db).await;
        let db = Arc::new(db);
        let moves: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.move_if(id, &reject(120)).await.unwrap() })
            })
            .collect();
        let mut made = 0;
        for m in moves {
            made += usize::from(m.await.unwrap());
        }
        assert_eq!(made, 1, "{engine:?}");
        assert_eq!(events(&db, id).await, 2, "{engine:?}");
        assert_eq!(db.flags(id).await.unwrap().len(), 2);
    }
}
