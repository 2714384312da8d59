//! 撤回同意 and 注销账号: the applicant's requests and what completing one does. A reviewer
//! completes them in the console (`console::requests`).
//!
//! * Withdrawing consent marks every acceptance withdrawn: the consent page asks again, and
//!   until the applicant agrees again no page of the flow opens and nothing can be submitted.
//! * Closing the account deletes the open drafts, cancelled applications with their files,
//!   the acceptances, the phone-handover tickets and every login session, and the login
//!   identity: the account row itself when nothing else names it; otherwise (submitted
//!   applications kept as certification records, 电子签名法 第二十四条) the row stays only as
//!   their owner, with the number replaced so it never signs anyone in again.
//!
//! The rows go in one transaction ([`PrivacyRepo::complete`]); the files they named after it
//! commits ([`Files`]).

use std::sync::Arc;

use app::services::StoreError;
use app::services::login::UserId;
use app::services::privacy::{PrivacyOverview, PrivacyRequests, RequestKind, RequestState};

use crate::clock::Clock;
use crate::service::erase::Files;
use crate::store::privacy::{Done, PrivacyRepo};
use crate::store::time::{to_db, to_text};

/// A request waiting for a reviewer, as the console lists it.
pub struct Pending {
    pub id: i64,
    pub kind: RequestKind,
    /// `None` once the account is gone (only completed requests can be so).
    pub user: Option<i64>,
    pub requested_at: String,
    /// Submitted applications of the applicant that closure keeps.
    pub kept: Vec<String>,
}

/// A completed request, newest first in the console.
pub struct Completed {
    pub id: i64,
    pub kind: RequestKind,
    pub completed_at: String,
    pub reviewer: String,
    pub outcome: String,
}

pub struct Privacy {
    repo: Arc<dyn PrivacyRepo>,
    files: Files,
    clock: Arc<dyn Clock>,
}

/// What a completed request did, in the words the console and the record keep.
fn outcome(done: &Done) -> String {
    match done {
        Done::Withdrawn { consents } => format!("撤回同意记录 {consents} 条"),
        Done::Closed {
            drafts,
            cancelled,
            sessions,
            kept,
        } => {
            let kept = if kept.is_empty() {
                "无".to_owned()
            } else {
                kept.join("、")
            };
            format!(
                "删除草稿 {drafts} 份、已取消的申请 {cancelled} 份，结束登录会话 {sessions} 个；依法保留的申请：{kept}"
            )
        }
    }
}

impl Privacy {
    pub fn new(repo: Arc<dyn PrivacyRepo>, files: Files, clock: Arc<dyn Clock>) -> Self {
        Self { repo, files, clock }
    }

    pub async fn pending(&self) -> Result<Vec<Pending>, StoreError> {
        let rows = self.repo.pending().await?;
        let mut pending = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(kind) = RequestKind::from_code(&row.kind) else {
                continue;
            };
            let kept = match row.user_id {
                Some(user) => self.repo.kept(user).await?,
                None => Vec::new(),
            };
            pending.push(Pending {
                id: row.id,
                kind,
                user: row.user_id,
                requested_at: to_text(row.requested_at),
                kept,
            });
        }
        Ok(pending)
    }

    pub async fn completed(&self, limit: i64) -> Result<Vec<Completed>, StoreError> {
        let rows = self.repo.completed(limit).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(Completed {
                    id: row.id,
                    kind: RequestKind::from_code(&row.kind)?,
                    completed_at: to_text(row.completed_at),
                    reviewer: row.reviewer,
                    outcome: row.outcome.unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Carries out open request `id` for `reviewer`; returns what was done, or `None` when
    /// there is no such open request (already completed, say by another reviewer).
    pub async fn complete(&self, id: i64, reviewer: i64) -> Result<Option<String>, StoreError> {
        let at = to_db(self.clock.now());
        let Some(completion) = self.repo.complete(id, reviewer, at, &outcome).await? else {
            return Ok(None);
        };
        self.files.drop(completion.removed).await;
        tracing::info!(
            request = id,
            kind = completion.kind,
            reviewer,
            "privacy request completed"
        );
        Ok(Some(completion.outcome))
    }
}

#[async_trait::async_trait]
impl PrivacyRequests for Privacy {
    async fn overview(&self, user: UserId) -> Result<PrivacyOverview, StoreError> {
        let mut requests: Vec<RequestState> = Vec::new();
        for row in self.repo.requests_of(user.0).await? {
            let Some(kind) = RequestKind::from_code(&row.kind) else {
                continue;
            };
            if requests.iter().all(|r| r.kind != kind) {
                requests.push(RequestState {
                    kind,
                    requested_at: to_text(row.requested_at),
                    completed_at: row.completed_at.map(to_text),
                });
            }
        }
        Ok(PrivacyOverview {
            requests,
            kept: self.repo.kept(user.0).await?,
        })
    }

    async fn request(&self, user: UserId, kind: RequestKind) -> Result<bool, StoreError> {
        let made = self
            .repo
            .request(user.0, kind.code(), to_db(self.clock.now()))
            .await?;
        if made {
            tracing::info!(user = user.0, kind = kind.code(), "privacy request made");
        }
        Ok(made)
    }
}
