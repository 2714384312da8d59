//! 信息变更 from the applicant's side: the page's data (the details a change may touch, as
//! they stand), the order it makes, and why it refuses.

use serde::{Deserialize, Serialize};

use crate::domain::certificate::{CertState, Certificate};
use crate::domain::quote::Quote;

/// One detail as it stands, to be edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeField {
    pub id: String,
    pub label: String,
    pub hint: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSection {
    pub label: String,
    pub fields: Vec<ChangeField>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePage {
    pub project_name: String,
    pub certificate: Certificate,
    pub state: CertState,
    /// Why its details cannot be changed online now; `None` when they can.
    pub refusal: Option<String>,
    pub quote: Option<Quote>,
    pub sections: Vec<ChangeSection>,
    /// The organisation's other certificates still in use: each carries the organisation's
    /// details too, and is changed by an order of its own.
    pub siblings: Vec<Certificate>,
    /// China's date on the server, for checking identity numbers as typed.
    pub today: time::Date,
}

/// Why a change order was not made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ChangeError {
    #[error("没有找到这张证书，请回到个人中心重新选择")]
    NotFound,
    /// The certificate's own reason, or the project's.
    #[error("{0}")]
    NotOpen(String),
    #[error("这张证书已有一笔未完成的业务（申请编号 {0}），请先完成或取消后再办理")]
    Held(String),
    /// Each field's message, by the form's own rules.
    #[error("请按提示修改后再提交")]
    Fields(Vec<(String, String)>),
    #[error("没有修改任何信息。请修改需要变更的内容后再提交")]
    NothingChanged,
    #[error("系统繁忙，请稍后重试")]
    Unavailable,
}

#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait ChangeService: Send + Sync {
    /// Certificate `id` of the applicant in `project`, the details a change may touch, and
    /// whether it can be changed online now.
    async fn page(
        &self,
        user: crate::services::login::UserId,
        project: &str,
        id: i64,
    ) -> Result<ChangePage, ChangeError>;

    /// Checks the `values` typed (field id to text) and makes the change order; its number.
    /// Nothing is written when a value is wrong or nothing changed.
    async fn open(
        &self,
        user: crate::services::login::UserId,
        project: &str,
        id: i64,
        values: &std::collections::HashMap<String, String>,
    ) -> Result<String, ChangeError>;
}
