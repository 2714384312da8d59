//! Which agreement versions an applicant accepted, and when.

#[cfg(feature = "ssr")]
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::StoreError;
#[cfg(feature = "ssr")]
use super::login::UserId;

/// An agreement text the applicant must accept, loaded from `CONTENT_DIR/agreements/<id>.md`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// The file stem: `service`, `privacy`, `sensitive`.
    pub id: String,
    /// The file's first line, without the leading `# `.
    pub title: String,
    /// SHA-256 of the file's bytes: what an acceptance records.
    pub version: String,
    /// The rest of the file: paragraphs separated by blank lines.
    pub body: String,
}

/// The agreement texts: the site's own, and those a project replaces with its own version
/// (`CONTENT_DIR/projects/<project>/agreements/<id>.md`), e.g. where a platform's rules add
/// terms. An acceptance names the version, so accepting one project's text does not count
/// for another project's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Agreements {
    site: Vec<Agreement>,
    projects: std::collections::HashMap<String, Vec<Agreement>>,
}

impl Agreements {
    pub fn new(
        site: Vec<Agreement>,
        projects: std::collections::HashMap<String, Vec<Agreement>>,
    ) -> Self {
        Self { site, projects }
    }

    /// The site's own texts, in the order shown.
    pub fn iter(&self) -> impl Iterator<Item = &Agreement> {
        self.site.iter()
    }

    /// What an applicant for `project` accepts, in the order shown: the project's own
    /// version of each text where it has one.
    pub fn for_project(&self, project: &str) -> Vec<Agreement> {
        let own = self.projects.get(project);
        self.site
            .iter()
            .map(|a| {
                own.and_then(|texts| texts.iter().find(|t| t.id == a.id))
                    .unwrap_or(a)
                    .clone()
            })
            .collect()
    }
}

/// One accepted document: its id (`service`, `privacy`, `sensitive`) and content hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acceptance {
    pub document: String,
    pub version: String,
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait ConsentStore: Send + Sync {
    /// Appends the acceptances with the current time; earlier records are kept as history.
    async fn record(
        &self,
        user: UserId,
        accepted: &[Acceptance],
        ip: IpAddr,
    ) -> Result<(), StoreError>;

    /// The versions this user has accepted, latest first.
    async fn accepted(&self, user: UserId) -> Result<Vec<Acceptance>, StoreError>;
}
