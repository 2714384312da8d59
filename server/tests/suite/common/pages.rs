//! Every server-rendered page, as a visitor, as an applicant with a submitted application and
//! as one still filling in the form see them, in the site and in the embedded flow: what the
//! stress and load tests render over and over.

use app::domain::correction::SECTIONS;
use app::domain::draft::Step;
use server::clock::ManualClock;

use super::applicant::{self, OWNER, PROJECT};
use super::browser::Browser;

const PROJECTS: [&str; 4] = ["soetp", "hnsggzy", "ccgp-liaoning", "ccgp-neimenggu"];
/// The applicant still at the form's last step.
const DRAFTER: &str = "13812340099";
/// Where the embedded flow's login is posted from, as far as the server can tell.
const EMBED_LOGIN: &str = "http://portal.test/embed/soetp/login";

/// A page and the `Cookie` header it is requested with.
pub type Page = (String, Option<String>);

pub struct Site {
    /// The applicant's session cookies (site and embed) and their submitted application.
    applicant: String,
    number: String,
    /// The cookies of an applicant whose draft is at the review step.
    drafter: String,
}

impl Site {
    /// Signs both applicants in, in the site and in the embed (moving `clock` past the
    /// minute between two codes), accepts the agreements for them, submits [`OWNER`]'s
    /// application and saves the other's draft.
    pub async fn prepare(server: &server::Server, clock: &ManualClock) -> Self {
        let applicant = signed_in(server, clock, OWNER).await;
        let number = applicant::submit(server, OWNER, &[]).await;
        let drafter = signed_in(server, clock, DRAFTER).await;
        let user = applicant::user(server, DRAFTER).await;
        server
            .state
            .applications
            .save_draft(user, PROJECT, &applicant::draft(&[]), Step::Review)
            .await
            .unwrap();
        Self {
            applicant,
            number,
            drafter,
        }
    }

    /// Every page, each with the cookies of whoever it is meant for.
    pub fn pages(&self) -> Vec<Page> {
        let mut pages: Vec<Page> = public().into_iter().map(|p| (p, None)).collect();
        let number = &self.number;
        let mine = |path: String| (path, Some(self.applicant.clone()));
        pages.push(mine(format!("/verify/{number}?c=000000")));
        for mount in ["p", "embed"] {
            let base = format!("/{mount}/{PROJECT}");
            pages.push(mine(format!("{base}/consent")));
            pages.push(mine(format!("{base}/me")));
            pages.push(mine(format!("{base}/submitted/{number}")));
            let order = format!("{base}/applications/{number}");
            for page in ["", "/materials", "/identity", "/pay"] {
                pages.push(mine(format!("{order}{page}")));
            }
            for section in SECTIONS {
                pages.push(mine(format!("{order}/fix/{}", section.id)));
            }
            for step in Step::ALL {
                let path = format!("{base}/apply/{}", step.slug());
                pages.push((path, Some(self.drafter.clone())));
            }
        }
        pages
    }
}

/// Pages anyone may open, the not-found pages among them.
fn public() -> Vec<String> {
    let mut pages = vec![
        "/".to_owned(),
        "/no-such-page".to_owned(),
        "/p/no-such-project".to_owned(),
        "/m".to_owned(),
        "/console/login".to_owned(),
        "/dev/outbox".to_owned(),
    ];
    for project in PROJECTS {
        for mount in ["p", "embed"] {
            pages.push(format!("/{mount}/{project}"));
            pages.push(format!("/{mount}/{project}/login"));
            pages.push(format!("/{mount}/{project}/lookup"));
        }
    }
    pages
}

/// `mobile` signed in to the site and to the embed, the agreements accepted; the `Cookie`
/// header carrying both sessions.
async fn signed_in(server: &server::Server, clock: &ManualClock, mobile: &str) -> String {
    let browser = Browser::new(server);
    browser.sign_in(mobile, &[]).await;
    clock.advance(time::Duration::seconds(61));
    browser.sign_in(mobile, &[("referer", EMBED_LOGIN)]).await;
    clock.advance(time::Duration::seconds(61));
    applicant::accept_agreements(server, mobile).await;
    browser.cookie_header().expect("session cookies")
}
