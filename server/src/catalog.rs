//! Loads the operator's project catalog (`CATALOG_DIR/*.toml`) at start-up.

use std::path::{Path, PathBuf};

use anyhow::Context;
use app::domain::catalog::Project;
use app::state::Catalog;
use sha2::{Digest, Sha256};

use crate::store::catalog::CatalogRepo;

/// One parsed catalog file with the hash of its exact bytes.
pub struct LoadedProject {
    pub project: Project,
    pub source: String,
    pub content_hash: String,
}

/// Reads and checks every `*.toml` in `dir`, in file-name order. Any error stops start-up:
/// serving wrong prices is worse than not serving.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<LoadedProject>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read catalog folder {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    anyhow::ensure!(
        !files.is_empty(),
        "no *.toml project files in {}",
        dir.display()
    );

    let mut loaded: Vec<LoadedProject> = Vec::with_capacity(files.len());
    for path in files {
        let source = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let project: Project = toml::from_str(&source)
            .with_context(|| format!("invalid catalog file {}", path.display()))?;
        project
            .validate()
            .with_context(|| format!("inconsistent catalog file {}", path.display()))?;
        // Guessed figures may go live (the catalog says so itself), but never unnoticed.
        for (key, reason) in &project.unconfirmed {
            tracing::warn!(
                project = %project.id,
                key = %key,
                reason = %reason,
                "catalog value awaits the operator's confirmation"
            );
        }
        anyhow::ensure!(
            loaded.iter().all(|p| p.project.id != project.id),
            "project id {} is defined twice (second time in {})",
            project.id,
            path.display()
        );
        let content_hash = format!("{:x}", Sha256::digest(source.as_bytes()));
        loaded.push(LoadedProject {
            project,
            source,
            content_hash,
        });
    }
    Ok(loaded)
}

/// Records each loaded file version, so quotes can later name the version they used.
pub async fn record_snapshots(
    repo: &dyn CatalogRepo,
    loaded: &[LoadedProject],
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    for item in loaded {
        repo.keep_snapshot(
            &item.content_hash,
            &item.project.id,
            &item.source,
            crate::store::time::to_db(now),
        )
        .await?;
    }
    Ok(())
}

pub fn into_catalog(loaded: Vec<LoadedProject>) -> Catalog {
    Catalog::new(
        loaded
            .into_iter()
            .map(|l| (l.project, l.content_hash))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_catalog_loads_every_project() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog");
        let loaded = load_dir(&dir).unwrap();
        let ids: Vec<_> = loaded.iter().map(|l| l.project.id.as_str()).collect();
        assert_eq!(ids, ["ccgp-liaoning", "ccgp-neimenggu", "hnsggzy", "soetp"]);
        assert!(loaded.iter().all(|l| l.content_hash.len() == 64));
    }

    #[test]
    fn a_bad_unconfirmed_key_stops_start_up() {
        let dir = tempfile::tempdir().unwrap();
        let source = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/soetp.toml"),
        )
        .unwrap()
        .replace("\"embed.origins\" =", "\"embed.origin\" =");
        std::fs::write(dir.path().join("soetp.toml"), source).unwrap();
        let err = load_dir(dir.path()).err().unwrap();
        assert!(format!("{err:#}").contains("embed.origin"), "{err:#}");
    }
}
