//! `/p/{project}/applications/{number}/materials/{slot}`: upload, remove and view one scan.
//!
//! Plain axum handlers rather than server functions, because a file is posted as multipart:
//! by XHR from the hydrated page (to show progress; it asks for JSON) or by a plain HTML form
//! (it gets a 303 back to the materials page and the outcome in the session). Only the
//! signed-in owner of the application reaches a file; anyone else gets 404.

use app::domain::catalog::Project;
use app::domain::materials::{
    FileKind, MAX_UPLOAD_BYTES, Slot, TRANSFER_VOUCHER, UploadRejection, transfer_voucher_slot,
    upload_slots,
};
use app::domain::order::{Event, PaymentMethod, Status};
use app::services::StoreError;
use app::services::login::UserId;
use app::services::materials::{FLASH_KEY, MaterialsFlash, NewMaterial, UploadedMaterial};
use app::services::orders::{Change, FlagItem, Who};
use app::state::AppState;
use axum::Router;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use crate::heavy::{self, Refused};
use crate::http::security::Style;
use crate::materials::inspect::inspect;

use app::api::session::USER_KEY;

/// A 2 MB file plus the multipart framing around it. Larger bodies are cut off while the
/// file is read, and answered with the same message as a file just over 2 MB.
const UPLOAD_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 64 * 1024;

const SLOT_PATH: &str = "/p/{project}/applications/{number}/materials/{slot}";

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            SLOT_PATH,
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(&format!("{SLOT_PATH}/delete"), post(remove))
        // Only the routes above change state; the file below is read-only.
        .route_layer(middleware::from_fn(same_origin_only))
        .route(&format!("{SLOT_PATH}/file"), get(file))
        .with_state(state)
}

#[derive(Deserialize)]
struct Target {
    project: String,
    number: String,
    slot: String,
}

impl Target {
    /// Where a plain form comes back to: the pay page for the transfer voucher.
    fn page(&self) -> String {
        let page = if self.slot == TRANSFER_VOUCHER {
            "pay"
        } else {
            "materials"
        };
        format!("/p/{}/applications/{}/{page}", self.project, self.number)
    }
}

/// What a request does with a slot, which decides when the transfer voucher is open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Upload,
    Remove,
    Read,
}

async fn upload(
    State(state): State<AppState>,
    session: Session,
    Path(target): Path<Target>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let outcome = async {
        let (user, slot, status) = authorize(&state, &session, &target, Access::Upload).await?;
        // The voucher has its own rule in `authorize`.
        if slot.id != TRANSFER_VOUCHER {
            writable(&state, user, &target.number, &slot).await?;
        }
        let (file_name, bytes) = read_file(multipart).await?;
        let checked = heavy::run("inspecting an upload", move || {
            inspect(&bytes).map(|i| (i, bytes))
        })
        .await?;
        let (inspected, bytes) = checked.inspect_err(|rejection| {
            tracing::info!(
                number = target.number,
                slot = slot.id,
                code = rejection.code(),
                "material refused"
            );
        })?;
        let material = NewMaterial {
            slot: slot.id.clone(),
            file_name,
            inspected,
            bytes,
        };
        let saved = state
            .materials
            .save(user, &target.number, material)
            .await?
            .ok_or(Failure::NotFound)?;
        if slot.id == TRANSFER_VOUCHER && status == Status::AwaitingPayment {
            voucher_uploaded(&state, user, &target.number).await?;
        }
        Ok(Done::Stored(saved, slot))
    }
    .await;
    respond(Style::of(&headers), &target, &session, outcome).await
}

async fn remove(
    State(state): State<AppState>,
    session: Session,
    Path(target): Path<Target>,
    headers: HeaderMap,
) -> Response {
    let outcome = async {
        let (user, slot, _) = authorize(&state, &session, &target, Access::Remove).await?;
        writable(&state, user, &target.number, &slot).await?;
        let removed = state
            .materials
            .remove(user, &target.number, &slot.id)
            .await?;
        Ok(Done::Removed(removed, slot))
    }
    .await;
    respond(Style::of(&headers), &target, &session, outcome).await
}

/// The decrypted file, for thumbnails and previews on the materials page.
async fn file(
    State(state): State<AppState>,
    session: Session,
    Path(target): Path<Target>,
    headers: HeaderMap,
) -> Response {
    let outcome = async {
        let (user, slot, _) = authorize(&state, &session, &target, Access::Read).await?;
        state
            .materials
            .open(user, &target.number, &slot.id)
            .await?
            .ok_or(Failure::NotFound)
    }
    .await;
    let (material, bytes) = match outcome {
        Ok(found) => found,
        Err(failure) => return refuse(Style::of(&headers), &target, failure),
    };
    let Some(kind) = FileKind::parse(&material.kind) else {
        let cause = format!("stored material kind {:?}", material.kind);
        return refuse(Style::of(&headers), &target, Failure::Internal(cause));
    };
    let file_name: String = material
        .slot
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    let headers = [
        (header::CONTENT_TYPE, kind.mime().to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{file_name}.{}\"", kind.extension()),
        ),
        (header::CACHE_CONTROL, "private, no-store".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        // The materials page may show a PDF in a frame; no other site may embed or load it.
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'self'".to_owned(),
        ),
        (header::X_FRAME_OPTIONS, "SAMEORIGIN".to_owned()),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin".to_owned(),
        ),
    ];
    (headers, bytes).into_response()
}

/// The order moves to 待确认到账 once its transfer voucher is stored.
async fn voucher_uploaded(state: &AppState, user: UserId, number: &str) -> Result<(), Failure> {
    let mut change = Change::new(Event::VoucherUploaded, Who::Applicant(user));
    change.payment_method = Some(PaymentMethod::BankTransfer);
    state
        .orders
        .apply(number, change)
        .await
        .map(|_| ())
        .map_err(|e| Failure::Internal(e.to_string()))
}

/// The signed-in user, the slot and the order's status, if the project exists, the user owns
/// the application in that project, and the slot is one the application needs. The transfer
/// voucher may be uploaded (or replaced) only while the order waits for payment or for the
/// transfer, and never removed: the reviewer checks it against the account.
async fn authorize(
    state: &AppState,
    session: &Session,
    target: &Target,
    access: Access,
) -> Result<(UserId, Slot, Status), Failure> {
    let project: &Project = state
        .catalog
        .project(&target.project)
        .ok_or(Failure::NotFound)?;
    let user = session
        .get::<i64>(USER_KEY)
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?
        .map(UserId)
        .ok_or(Failure::SignIn)?;
    let submitted = state
        .applications
        .submitted(user, &target.number)
        .await?
        .filter(|a| a.project_id == project.id)
        .ok_or(Failure::NotFound)?;
    if target.slot == TRANSFER_VOUCHER {
        let open = match access {
            Access::Read => true,
            Access::Upload => matches!(
                submitted.status,
                Status::AwaitingPayment | Status::AwaitingTransfer
            ),
            Access::Remove => false,
        };
        return if open {
            Ok((user, transfer_voucher_slot(), submitted.status))
        } else {
            Err(Failure::NotFound)
        };
    }
    let slot = upload_slots(project, &submitted.application)
        .into_iter()
        .find(|slot| slot.id == target.slot)
        .ok_or(Failure::NotFound)?;
    Ok((user, slot, submitted.status))
}

/// Scans may change until the order is paid; after a rejection, only the flagged ones.
async fn writable(
    state: &AppState,
    user: UserId,
    number: &str,
    slot: &Slot,
) -> Result<(), Failure> {
    let order = state
        .orders
        .view(Some(user), number)
        .await?
        .ok_or(Failure::NotFound)?;
    let flagged = order.status == Status::Rejected
        && order
            .flags
            .iter()
            .any(|f| f.item == FlagItem::Material(slot.id.clone()));
    if order.status.materials_open() || flagged {
        Ok(())
    } else {
        Err(Failure::Locked)
    }
}

/// The `file` field's name and bytes, reading no more than one byte past the limit.
async fn read_file(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(String, Vec<u8>), Failure> {
    let mut multipart = multipart.map_err(|_| Failure::Malformed)?;
    while let Some(mut field) = multipart.next_field().await.map_err(body_failure)? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(body_failure)? {
            if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                return Err(Failure::Rejected(UploadRejection::TooLarge));
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok((file_name, bytes));
    }
    // A form submitted without choosing a file.
    Err(Failure::Rejected(UploadRejection::Empty))
}

fn body_failure(error: MultipartError) -> Failure {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Failure::Rejected(UploadRejection::TooLarge)
    } else {
        Failure::Malformed
    }
}

/// Refuses cross-site posts. Neither these routes nor server functions carry CSRF tokens,
/// and the session cookie is SameSite=Lax, which still sends it on a top-level cross-site
/// form post; browsers say where a request comes from in `Sec-Fetch-Site` and `Origin`.
async fn same_origin_only(request: Request, next: Next) -> Response {
    if crate::http::security::is_cross_site(request.headers(), request.uri()) {
        tracing::warn!(path = request.uri().path(), "cross-site request refused");
        return refuse_plain(Style::of(request.headers()), Failure::CrossSite);
    }
    next.run(request).await
}

enum Done {
    Stored(UploadedMaterial, Slot),
    Removed(bool, Slot),
}

enum Failure {
    SignIn,
    /// No such project, application of this user, or slot: all look the same from outside.
    NotFound,
    CrossSite,
    /// Not a multipart body, or one cut short.
    Malformed,
    /// The order went past the point where scans may change (and this one was not flagged).
    Locked,
    Rejected(UploadRejection),
    /// Too many files being checked at once: try again in a few seconds.
    Busy,
    /// Logged with its cause when answered; the applicant sees a generic message.
    Internal(String),
}

impl From<Refused> for Failure {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Busy => Failure::Busy,
            Refused::Panicked => Failure::Internal(refused.to_string()),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Failure::Internal(error.to_string())
    }
}

impl From<UploadRejection> for Failure {
    fn from(rejection: UploadRejection) -> Self {
        Failure::Rejected(rejection)
    }
}

impl Failure {
    fn status(&self) -> StatusCode {
        match self {
            Failure::SignIn => StatusCode::UNAUTHORIZED,
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::CrossSite => StatusCode::FORBIDDEN,
            Failure::Malformed => StatusCode::BAD_REQUEST,
            Failure::Locked => StatusCode::CONFLICT,
            Failure::Rejected(UploadRejection::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::Rejected(UploadRejection::NotAllowedType { .. }) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            Failure::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Failure::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Failure::SignIn => "unauthenticated",
            Failure::NotFound => "not_found",
            Failure::CrossSite => "cross_site",
            Failure::Malformed => "bad_request",
            Failure::Locked => "locked",
            Failure::Rejected(rejection) => rejection.code(),
            Failure::Busy => "busy",
            Failure::Internal(_) => "server_error",
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::SignIn => "请先登录".into(),
            Failure::NotFound => "找不到这份申请或这项资料".into(),
            Failure::CrossSite => "请求不是从本站页面发出的，已拒绝。请回到本站页面重新操作".into(),
            Failure::Malformed => "上传没有完成，请重新选择文件上传".into(),
            Failure::Locked => "申请已进入审核，这项资料不能再修改".into(),
            Failure::Rejected(rejection) => rejection.message(),
            Failure::Busy => "服务器正忙，暂时无法检查这份文件，请稍等几秒后重新上传".into(),
            Failure::Internal(_) => "系统繁忙，请稍后重试".into(),
        }
    }
}

async fn respond(
    style: Style,
    target: &Target,
    session: &Session,
    outcome: Result<Done, Failure>,
) -> Response {
    let flash = match (outcome, style) {
        (Ok(Done::Stored(saved, _)), Style::Json) => {
            return Json(json!({ "material": saved })).into_response();
        }
        (Ok(Done::Removed(removed, _)), Style::Json) => {
            return Json(json!({ "removed": removed })).into_response();
        }
        (Ok(Done::Stored(_, slot)), Style::Form) => ok_flash(&slot, "已上传"),
        (Ok(Done::Removed(_, slot)), Style::Form) => ok_flash(&slot, "已删除"),
        // A form page shows these next to the slot.
        (
            Err(
                failure @ (Failure::Rejected(_)
                | Failure::Malformed
                | Failure::Busy
                | Failure::Internal(_)),
            ),
            Style::Form,
        ) => {
            log_internal(&failure);
            MaterialsFlash {
                slot: target.slot.clone(),
                ok: false,
                message: failure.message(),
            }
        }
        (Err(failure), style) => return refuse(style, target, failure),
    };
    if let Err(error) = session.insert(FLASH_KEY, &flash).await {
        tracing::error!(%error, "keeping the materials message in the session failed");
    }
    see_other(&target.page())
}

fn ok_flash(slot: &Slot, done: &str) -> MaterialsFlash {
    MaterialsFlash {
        slot: slot.id.clone(),
        ok: true,
        message: format!("{done}“{}”", slot.name),
    }
}

/// A failure answered without the session: JSON, or for a form a redirect to log in, else a
/// plain message.
fn refuse(style: Style, target: &Target, failure: Failure) -> Response {
    match (style, &failure) {
        (Style::Form, Failure::SignIn) => see_other(&format!("/p/{}/login", target.project)),
        _ => refuse_plain(style, failure),
    }
}

fn refuse_plain(style: Style, failure: Failure) -> Response {
    log_internal(&failure);
    let status = failure.status();
    let mut response = match style {
        Style::Json => (
            status,
            Json(json!({ "error": failure.message(), "code": failure.code() })),
        )
            .into_response(),
        Style::Form => (status, failure.message()).into_response(),
    };
    if matches!(failure, Failure::Busy) {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(heavy::RETRY_AFTER_SECS),
        );
    }
    response
}

fn log_internal(failure: &Failure) {
    if let Failure::Internal(cause) = failure {
        tracing::error!(error = %cause, "material request failed");
    }
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}
