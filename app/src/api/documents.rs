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
    let data = ssr::document_data(
        &project,
        &submitted.number,
        &submitted.application,
        state.documents.verify_url(&submitted.number),
        super::apply::ssr::today(),
    );
    Ok(Some(DocumentSource {
        data_json: serde_json::to_string(&data).map_err(internal)?,
        font_path: state
            .documents
            .font_path(&documents::characters(kind, &data)),
        file_name: ssr::file_name(kind, &submitted.number),
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
    let data = ssr::document_data(
        project,
        &found.number,
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
            .map(ssr::certificate_label)
            .collect(),
        status: found.status.label().to_owned(),
        submitted_at: super::apply::ssr::clock_label_full(&found.submitted_at),
    }))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use documents::{
        Agent, CertificateLine, DocumentData, DocumentKind, Holder, Organisation, Person, Subject,
    };
    use time::Date;

    use crate::domain::application::{self, Applicant, Application};
    use crate::domain::catalog::{ProductKind, Project};

    /// The documents' facts, from the application as submitted.
    pub fn document_data(
        project: &Project,
        number: &str,
        application: &Application,
        verify_url: String,
        today: Date,
    ) -> DocumentData {
        let person = |p: &application::Person| Person {
            name: p.name.to_string(),
            id_number: p.id_number.as_str().to_owned(),
            mobile: p.mobile.to_string(),
        };
        let product = |kind: ProductKind| {
            project
                .product(kind)
                .map_or_else(|| kind.label().to_owned(), |p| p.name.clone())
        };
        let mut holders = application.holders.iter();
        let certificates = application
            .selection
            .certs
            .iter()
            .map(|cert| CertificateLine {
                product: product(cert.kind),
                holder: (cert.kind == ProductKind::OrgPersonal)
                    .then(|| holders.next())
                    .flatten()
                    .map(|h| Holder {
                        name: h.name.to_string(),
                        id_number: h.id_number.as_str().to_owned(),
                    }),
                years: cert.years,
            })
            .collect();
        let subject = match &application.applicant {
            Applicant::Organisation {
                org,
                legal_rep,
                agent,
                bank,
            } => Subject::Organisation {
                org: Organisation {
                    name: org.name.to_string(),
                    credit_code: org.credit_code.to_string(),
                    region: format!("{} {}", org.province.name, org.city.name),
                    address: org.address.to_string(),
                    bank_account_name: bank.account_name.to_string(),
                    bank_name: bank.opening_bank.to_string(),
                    bank_account: bank.account_number.to_string(),
                },
                legal_rep: person(legal_rep),
                agent: Agent {
                    person: person(&agent.person),
                    email: agent.email.to_string(),
                    position: agent.position.clone(),
                },
            },
            Applicant::NaturalPerson { applicant, .. } => Subject::NaturalPerson {
                person: person(&applicant.person),
                address: applicant.postal_address(),
            },
        };
        DocumentData {
            application_number: number.to_owned(),
            verify_url,
            project_name: project.name.clone(),
            ca_name: project.ca.name.clone(),
            date: format!(
                "{}年{}月{}日",
                today.year(),
                u8::from(today.month()),
                today.day()
            ),
            subject,
            certificates,
        }
    }

    /// `机构数字证书 1 年` or `机构个人数字证书（王喆）2 年`.
    pub fn certificate_label(line: &CertificateLine) -> String {
        match &line.holder {
            Some(holder) => format!("{}（{}）{} 年", line.product, holder.name, line.years),
            None => format!("{} {} 年", line.product, line.years),
        }
    }

    pub fn file_name(kind: DocumentKind, number: &str) -> String {
        format!("{}-{number}.pdf", kind.title())
    }
}
