//! The project catalog: the chooser and each project's guide.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::catalog::{ProductKind, Project};

/// A line in the project chooser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectSummary {
    pub id: String,
    pub name: String,
    pub ca_name: String,
    /// The kinds of certificate on offer, in catalog order.
    pub products: Vec<ProductKind>,
}

#[server]
pub async fn list_projects() -> Result<Vec<ProjectSummary>, ServerFnError> {
    let state = expect_context::<crate::state::AppState>();
    Ok(state
        .catalog
        .projects()
        .map(|p| ProjectSummary {
            id: p.id.clone(),
            name: p.name.clone(),
            ca_name: p.ca.short_name.clone(),
            products: p.products.iter().map(|product| product.kind).collect(),
        })
        .collect())
}

/// The project's guide data; `None` when no project has that id.
#[server]
pub async fn project_guide(id: String) -> Result<Option<Project>, ServerFnError> {
    let state = expect_context::<crate::state::AppState>();
    Ok(state.catalog.project(&id).cloned())
}
