//! The facts printed on the application's documents (the `documents` crate's data model),
//! drawn from the application as submitted.

use documents::{
    Agent, ApplicationType, CertificateLine, ChangeLine, DocumentData, DocumentKind, Holder,
    Organisation, Person, Subject,
};
use time::Date;

use crate::domain::application::{self, Applicant, Application};
use crate::domain::business::Business;
use crate::domain::catalog::{ProductKind, Project};

/// The documents' facts, from the application as submitted for `business`.
pub fn document_data(
    project: &Project,
    number: &str,
    business: Business,
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
        application_type: match business {
            // 解锁 asks for no materials, so nothing is printed for it.
            Business::New | Business::Unlock => ApplicationType::New,
            Business::Renewal => ApplicationType::Renewal,
            Business::Change => ApplicationType::Change,
            Business::Replacement => ApplicationType::Replacement,
            Business::Cancellation => ApplicationType::Cancellation,
        },
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
        changes: Vec::new(),
    }
}

/// A 变更 order's changes as its documents print them.
pub fn change_lines(changes: Vec<crate::domain::business::change::Changed>) -> Vec<ChangeLine> {
    changes
        .into_iter()
        .map(|c| ChangeLine {
            section: c.section,
            item: c.label,
            before: c.before,
            after: c.after,
        })
        .collect()
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
