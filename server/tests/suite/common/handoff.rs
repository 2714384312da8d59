//! Sessions of the phone hand-off made through its repository, for the tests of that area.

use app::domain::handoff::{self as rules, Event, Role};
use server::store::Db;
use server::store::handoff::{
    Change, Created, Ending, HandoffRepo, HandoffRow, NewFile, NewHandoff,
};

/// Seconds of [`super::START`].
pub const T0: i64 = super::START.unix_timestamp();

/// A submitted application; its id.
pub async fn application(db: &Db, number: &str) -> i64 {
    super::rows::application(db, number).await.1
}

pub fn codes(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| (*c).to_owned()).collect()
}

/// Opens a session with QR token `[token; 32]` and the first free of `short_codes`.
pub async fn open(
    db: &Db,
    application_id: i64,
    token: u8,
    short_codes: &[String],
    endings: &[Ending],
) -> Created {
    let seal = |id: i64| format!("subject of {id}").into_bytes();
    let new = NewHandoff {
        application_id,
        person: Role::Agent,
        token_hash: [token; 32],
        claim_deadline: T0 + 600,
        now: T0,
        short_codes,
        seal_subject: &seal,
    };
    db.create(new, endings).await.unwrap()
}

pub fn opened(created: Created) -> (i64, String) {
    match created {
        Created::Opened { id, short_code } => (id, short_code),
        other => panic!("not opened: {other:?}"),
    }
}

/// The change `event` makes to `row`.
pub fn change(row: &HandoffRow, event: Event) -> Change {
    let next = rules::transition(&row.state().unwrap(), &event).unwrap();
    Change::new(next, rules::steps_of(&event, &next))
}

pub fn file(n: u8) -> NewFile {
    NewFile {
        object: format!("{n:02}").repeat(32),
        size: 100,
        width: 640,
        height: 480,
    }
}
