//! Server-side state the server functions reach through Leptos context (ssr only).

use std::sync::Arc;

use leptos::prelude::*;

use crate::domain::catalog::Project;
use crate::services::applications::ApplicationStore;
use crate::services::bank_check::{BankCheckService, Statements};
use crate::services::certificate_actions::CertificateActionService;
use crate::services::certificates::CertificateService;
use crate::services::changes::ChangeService;
use crate::services::consent::{Agreements, ConsentStore};
use crate::services::documents::DocumentService;
use crate::services::handoff::HandoffService;
use crate::services::login::LoginService;
use crate::services::lookup::LookupService;
use crate::services::materials::MaterialStore;
use crate::services::orders::OrderService;
use crate::services::payment::PaymentService;
use crate::services::privacy::PrivacyRequests;
use crate::services::renewals::RenewalService;
use crate::services::replacements::ReplacementService;
use crate::services::sms::{Outbox, SmsSender};

/// What every request may use; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
    /// The documents to accept before applying, in the order shown.
    pub agreements: Arc<Agreements>,
    pub login: Arc<dyn LoginService>,
    pub sms: Arc<dyn SmsSender>,
    /// Present only while the local SMS provider is active: backs `/dev/outbox`.
    pub outbox: Option<Arc<dyn Outbox>>,
    pub consents: Arc<dyn ConsentStore>,
    /// 撤回同意 and 注销账号 requests from 个人中心.
    pub privacy: Arc<dyn PrivacyRequests>,
    pub applications: Arc<dyn ApplicationStore>,
    /// The scans uploaded for submitted applications.
    pub materials: Arc<dyn MaterialStore>,
    /// Links and fonts for the printed documents.
    pub documents: Arc<dyn DocumentService>,
    /// The phone handoff: QR links, ID photos, liveness (`/m/...`).
    pub handoff: Arc<dyn HandoffService>,
    /// Status, timeline and notices of submitted applications.
    pub orders: Arc<dyn OrderService>,
    /// Issued certificates, for 我的证书.
    pub certificates: Arc<dyn CertificateService>,
    /// 续期: the page and the order.
    pub renewals: Arc<dyn RenewalService>,
    /// 介质补办: the page and the order.
    pub replacements: Arc<dyn ReplacementService>,
    /// 信息变更: the page and the order.
    pub changes: Arc<dyn ChangeService>,
    /// 注销 and 解锁.
    pub certificate_actions: Arc<dyn CertificateActionService>,
    /// 证书查询 / 订单查询, for anyone with a serial or an application number.
    pub lookup: Arc<dyn LookupService>,
    /// Online payment: trades and their QR codes.
    pub payments: Arc<dyn PaymentService>,
    /// 金融认证: the 0.01-yuan transfer and its code.
    pub bank_checks: Arc<dyn BankCheckService>,
    /// Present only while the local bank provider is active: its simulated statement,
    /// shown at `/dev/outbox`.
    pub statements: Option<Arc<dyn Statements>>,
    /// Sessions end after this long without a request; the form warns shortly before.
    pub session_idle_minutes: u32,
    /// `SANDBOX=on`: stand-in providers, and a 演示环境 banner on every page.
    pub sandbox: bool,
}

/// The projects an operator configured, in the order they were listed, each with the version
/// (content hash) of the file it came from.
#[derive(Debug, Default)]
pub struct Catalog {
    projects: Vec<(Project, String)>,
}

impl Catalog {
    pub fn new(projects: Vec<(Project, String)>) -> Self {
        Self { projects }
    }

    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().map(|(p, _)| p).find(|p| p.id == id)
    }

    pub fn projects(&self) -> impl Iterator<Item = &Project> {
        self.projects.iter().map(|(p, _)| p)
    }

    /// The content hash of the project's catalog file, which quotes refer to.
    pub fn version(&self, id: &str) -> Option<&str> {
        self.projects
            .iter()
            .find(|(p, _)| p.id == id)
            .map(|(_, v)| v.as_str())
    }
}

/// Who may frame the page being rendered: for `/embed/<project>/…` that project's listed
/// portal origins, for everything else nobody.
#[cfg(feature = "ssr")]
fn frame_ancestors() -> String {
    let path = use_context::<http::request::Parts>().map(|parts| parts.uri.path().to_owned());
    let origins = path
        .as_deref()
        .and_then(crate::paths::embedded_project)
        .zip(use_context::<AppState>())
        .and_then(|(id, state)| state.catalog.project(id).map(|p| p.embed.origins.join(" ")))
        .filter(|origins| !origins.is_empty());
    origins.unwrap_or_else(|| "'none'".to_owned())
}

/// Sets the page's Content-Security-Policy with this response's script nonce.
///
/// Leptos marks its inline hydration and streaming scripts with the nonce, so inline scripts
/// from anywhere else are refused. Non-HTML responses get a stricter default from the server.
pub fn set_page_security_headers() {
    use http::{HeaderValue, header::CONTENT_SECURITY_POLICY};
    use leptos::nonce::use_nonce;
    use leptos_axum::ResponseOptions;

    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {}",
        frame_ancestors()
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}
