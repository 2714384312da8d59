//! Texts an operator may replace, loaded from `CONTENT_DIR` at start-up.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use app::services::consent::{Agreement, Agreements};
use sha2::{Digest, Sha256};

/// The agreements an applicant accepts, in the order shown: the electronic certification
/// service agreement, the personal-information authorization, and the separate consent to
/// processing sensitive personal information (PIPL art. 29).
pub const AGREEMENTS: [&str; 3] = ["service", "privacy", "sensitive"];

/// Reads `<dir>/agreements/<id>.md` for each of [`AGREEMENTS`], and for each of `projects`
/// any `<dir>/projects/<project>/agreements/<id>.md` that replaces one for that project. A
/// missing site text or any malformed file stops start-up: nobody may be asked to accept a
/// text that is not there. A folder for a project the catalog does not have is refused too,
/// as it is surely a misspelt id.
pub fn load_agreements(dir: &Path, projects: &[&str]) -> anyhow::Result<Agreements> {
    let read = |path: &Path, id: &str| -> anyhow::Result<Agreement> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read agreement {}", path.display()))?;
        parse_agreement(id, &bytes).with_context(|| format!("invalid agreement {}", path.display()))
    };
    let site = AGREEMENTS
        .iter()
        .map(|id| read(&dir.join("agreements").join(format!("{id}.md")), id))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut own = HashMap::new();
    let projects_dir = dir.join("projects");
    if projects_dir.is_dir() {
        for entry in std::fs::read_dir(&projects_dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            anyhow::ensure!(
                projects.contains(&name.as_str()),
                "{} is for a project the catalog does not have",
                projects_dir.join(&name).display()
            );
        }
    }
    for project in projects {
        let texts = AGREEMENTS
            .iter()
            .filter_map(|id| {
                let path = projects_dir
                    .join(project)
                    .join("agreements")
                    .join(format!("{id}.md"));
                path.exists().then(|| read(&path, id))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if !texts.is_empty() {
            own.insert((*project).to_owned(), texts);
        }
    }
    Ok(Agreements::new(site, own))
}

/// Title from the first line (`# 标题`), body the rest, version the SHA-256 of the bytes.
pub fn parse_agreement(id: &str, bytes: &[u8]) -> anyhow::Result<Agreement> {
    let version = format!("{:x}", Sha256::digest(bytes));
    let text = std::str::from_utf8(bytes).context("not UTF-8")?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let title = first
        .trim_end()
        .strip_prefix("# ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .context("the first line must be the title, written `# 标题`")?;
    let body = rest.trim();
    anyhow::ensure!(!body.is_empty(), "the text after the title is empty");
    Ok(Agreement {
        id: id.to_owned(),
        title: title.to_owned(),
        version,
        body: body.replace("\r\n", "\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_body_and_version_come_from_the_file() {
        let bytes = "# 隐私政策\r\n\r\n第一段。\r\n\r\n第二段。\r\n".as_bytes();
        let a = parse_agreement("privacy", bytes).unwrap();
        assert_eq!(a.title, "隐私政策");
        assert_eq!(a.body, "第一段。\n\n第二段。");
        assert_eq!(a.version.len(), 64);
        assert_eq!(a.version, format!("{:x}", Sha256::digest(bytes)));
    }

    #[test]
    fn a_file_without_a_title_or_body_is_refused() {
        assert!(parse_agreement("service", "没有标题\n\n正文".as_bytes()).is_err());
        assert!(parse_agreement("service", "# 标题\n\n".as_bytes()).is_err());
    }
}
