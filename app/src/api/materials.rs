//! The materials page of a submitted application: the documents to print, and one upload
//! slot per scan the project asks for. Uploads themselves go to plain HTTP routes (multipart
//! with progress), not to server functions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::handoff::Role;
use crate::domain::materials::Slot;
use crate::services::materials::{MaterialsFlash, UploadedMaterial};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialsPage {
    pub project_id: String,
    pub project_name: String,
    pub number: String,
    pub status: String,
    pub documents: Vec<DocumentEntry>,
    pub slots: Vec<Slot>,
    /// Who does the identity check on the phone next.
    pub identity_role: Role,
    pub uploaded: Vec<UploadedMaterial>,
    /// Slots whose file may still change: all of them until payment, after a rejection the
    /// flagged ones, otherwise none.
    pub editable: Vec<String>,
    /// A rejection's reasons, by slot id.
    pub flagged: Vec<(String, String)>,
    /// The outcome of the last upload made without JavaScript, shown once.
    pub flash: Option<MaterialsFlash>,
}

/// A document to print, with the slot its stamped scan goes into.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentEntry {
    /// `authorization-letter`, `application-form`, `seal-sheet`.
    pub slug: String,
    pub title: String,
    pub purpose: String,
}

#[server]
pub async fn load_materials_page(
    project: String,
    number: String,
) -> Result<Option<MaterialsPage>, ServerFnError> {
    use super::session::{self, internal};
    use crate::domain::materials;
    use crate::domain::order::Status;
    use crate::services::materials::FLASH_KEY;
    use crate::services::orders::FlagItem;

    let Some((user, project, submitted)) =
        super::apply::ssr::open_submitted(&project, &number).await?
    else {
        return Ok(None);
    };
    let state = session::state();
    let uploaded = state
        .materials
        .list(user, &submitted.number)
        .await
        .map_err(internal)?;
    let order = state
        .orders
        .view(Some(user), &submitted.number)
        .await
        .map_err(internal)?;
    let flagged: Vec<(String, String)> = order
        .iter()
        .filter(|o| o.status == Status::Rejected)
        .flat_map(|o| o.flags.iter())
        .filter_map(|f| match &f.item {
            FlagItem::Material(slot) => Some((slot.clone(), f.reason.clone())),
            _ => None,
        })
        .collect();
    let application = &submitted.application;
    let slots = materials::upload_slots(&project, application);
    let editable = if submitted.status.materials_open() {
        slots.iter().map(|s| s.id.clone()).collect()
    } else {
        flagged.iter().map(|(slot, _)| slot.clone()).collect()
    };
    let documents = materials::documents(application)
        .into_iter()
        .map(|kind| DocumentEntry {
            slug: kind.slug().to_owned(),
            title: kind.title().to_owned(),
            purpose: purpose(kind, application.variant()).to_owned(),
        })
        .collect();
    Ok(Some(MaterialsPage {
        slots,
        editable,
        flagged,
        identity_role: application.identity_subject().0,
        project_id: project.id.clone(),
        project_name: project.name.clone(),
        number: submitted.number,
        status: submitted.status.label().to_owned(),
        documents,
        uploaded,
        flash: session::take(FLASH_KEY).await?,
    }))
}

#[cfg(feature = "ssr")]
fn purpose(
    kind: documents::DocumentKind,
    variant: crate::domain::application::Variant,
) -> &'static str {
    use crate::domain::application::Variant::{NaturalPerson, Organisation};
    use documents::DocumentKind;
    match (kind, variant) {
        (DocumentKind::AuthorizationLetter, _) => {
            "单位授权经办人办理证书。由法定代表人签字、加盖单位公章后扫描上传。"
        }
        (DocumentKind::ApplicationForm, Organisation) => {
            "您填写的全部申请信息。核对无误后加盖单位公章，与其他资料一并留存或按要求上传。"
        }
        (DocumentKind::ApplicationForm, NaturalPerson) => {
            "您填写的全部申请信息。核对无误后由申请人本人签字，扫描后上传，不需要盖章。"
        }
        (DocumentKind::SealSheet, Organisation) => {
            "用于制作电子印章：在方框内加盖单位公章，并由法定代表人签字或盖章后扫描上传。"
        }
        (DocumentKind::SealSheet, NaturalPerson) => {
            "用于制作电子签章：申请人在方框内签名后扫描上传。"
        }
    }
}
