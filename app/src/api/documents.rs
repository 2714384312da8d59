//! The documents to print (授权委托书, 申请表, 印章采集表): the facts the in-browser
//! generator lays out, and the verification page their QR code opens.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::application::Variant;

/// What the browser needs to render one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSource {
    /// `documents::DocumentData` as JSON, handed to the generator untouched, so the page's
    /// own code never needs the document types.
    pub data_json: String,
    /// The font subset with exactly the characters this document prints.
    pub font_path: String,
    /// The name offered when saving, e.g. `授权委托书-SQ202611210001.pdf`.
    pub file_name: String,
}

/// The facts for `kind` (a slug such as `authorization-letter`) of the signed-in user's
/// application; `None` when there is no such application or document.
#[server]
pub async fn load_document_source(
    project: String,
    number: String,
    kind: String,
) -> Result<Option<DocumentSource>, ServerFnError> {
    use documents::DocumentKind;

    use super::session::internal;
    let Some((_, project, submitted)) =
        super::apply::ssr::open_submitted(&project, &number).await?
    else {
        return Ok(None);
    };
    let Ok(kind) = kind.parse::<DocumentKind>() else {
        return Ok(None);
    };
    let state = super::session::state();
    if !crate::domain::materials::documents(&submitted.application).contains(&kind) {
        return Ok(None);
    }
    let mut data = crate::domain::documents::document_data(
        &project,
        &submitted.number,
        submitted.business,
        &submitted.application,
        state.documents.verify_url(&submitted.number),
        super::apply::ssr::today(),
    );
    if submitted.business == crate::domain::business::Business::Change {
        let changes = state
            .certificates
            .changes(&submitted.number)
            .await
            .map_err(internal)?;
        data.changes = crate::domain::documents::change_lines(changes);
    }
    Ok(Some(DocumentSource {
        data_json: serde_json::to_string(&data).map_err(internal)?,
        font_path: state
            .documents
            .font_path(&documents::characters(kind, &data)),
        file_name: crate::domain::documents::file_name(kind, &submitted.number),
    }))
}

/// What the verification page shows to whoever scans a printed document: enough to match
/// the paper with the order, nothing the paper does not already say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub number: String,
    pub project_name: String,
    /// Whether an organisation or a natural person applies, and the name they go by.
    pub variant: Variant,
    pub applicant: String,
    pub certificates: Vec<String>,
    pub status: String,
    pub submitted_at: String,
}

/// `None` when the number is unknown or the check code does not match it.
#[server]
pub async fn verify_document(
    number: String,
    code: String,
) -> Result<Option<Verification>, ServerFnError> {
    use super::session::internal;
    let state = super::session::state();
    if !state.documents.verify(&number, &code) {
        return Ok(None);
    }
    let Some(found) = state
        .applications
        .by_number(&number)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let Some(project) = state.catalog.project(&found.project_id) else {
        return Ok(None);
    };
    let data = crate::domain::documents::document_data(
        project,
        &found.number,
        found.business,
        &found.application,
        String::new(),
        super::apply::ssr::today(),
    );
    Ok(Some(Verification {
        number: found.number,
        project_name: project.name.clone(),
        variant: found.application.variant(),
        applicant: found.application.applicant_name().to_owned(),
        certificates: data
            .certificates
            .iter()
            .map(crate::domain::documents::certificate_label)
            .collect(),
        status: found.status.label().to_owned(),
        submitted_at: super::apply::ssr::clock_label_full(&found.submitted_at),
    }))
}
