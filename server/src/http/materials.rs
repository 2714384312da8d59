//! `/p/{project}/applications/{number}/materials/{slot}`: upload, remove and view one scan.
//!
//! Plain axum handlers rather than server functions, because a file is posted as multipart:
//! by XHR from the hydrated page (to show progress; it asks for JSON) or by a plain HTML form
//! (it gets a 303 back to the materials page and the outcome in the session). Only the
//! signed-in owner of the application reaches a file; anyone else gets 404.

use app::domain::materials::{
    FileKind, MAX_UPLOAD_BYTES, Slot, TRANSFER_VOUCHER, UploadRejection, transfer_voucher_slot,
    upload_slots,
};
use app::domain::order::{Event, PaymentMethod, Status};
use app::services::login::UserId;
use app::services::materials::{FLASH_KEY, MaterialsFlash, NewMaterial, UploadedMaterial};
use app::services::orders::{Change, FlagItem, Who};
use app::state::AppState;
use axum::Router;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use crate::heavy::{self, Refused};
use crate::http::answer::{HttpError, see_other};
use crate::http::applicant::{CurrentUser, owned};
use crate::http::security::Style;
use crate::materials::inspect::inspect;

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

/// The one answer for "no such application, slot or file": all look the same from outside.
const NOT_FOUND: &str = "找不到这份申请或这项资料";

async fn upload(
    State(state): State<AppState>,
    user: Result<CurrentUser, HttpError>,
    session: Session,
    Path(target): Path<Target>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let outcome = async {
        let CurrentUser(user) = user?;
        let (slot, status) = authorize(&state, user, &target, Access::Upload).await?;
        // The voucher has its own rule in `authorize`.
        if slot.id != TRANSFER_VOUCHER {
            writable(&state, user, &target.number, &slot).await?;
        }
        let (file_name, bytes) = read_file(multipart).await?;
        let checked = heavy::run("inspecting an upload", move || {
            inspect(&bytes).map(|i| (i, bytes))
        })
        .await
        .map_err(inspection_refused)?;
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
            .ok_or_else(|| HttpError::not_found(NOT_FOUND))?;
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
    user: Result<CurrentUser, HttpError>,
    session: Session,
    Path(target): Path<Target>,
    headers: HeaderMap,
) -> Response {
    let outcome = async {
        let CurrentUser(user) = user?;
        let (slot, _) = authorize(&state, user, &target, Access::Remove).await?;
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
    user: Result<CurrentUser, HttpError>,
    Path(target): Path<Target>,
    headers: HeaderMap,
) -> Response {
    let outcome = async {
        let CurrentUser(user) = user?;
        let (slot, _) = authorize(&state, user, &target, Access::Read).await?;
        let (material, bytes) = state
            .materials
            .open(user, &target.number, &slot.id)
            .await?
            .ok_or_else(|| HttpError::not_found(NOT_FOUND))?;
        let kind = FileKind::parse(&material.kind).ok_or_else(|| {
            HttpError::internal(format!("stored material kind {:?}", material.kind))
        })?;
        Ok((material, kind, bytes))
    }
    .await;
    let (material, kind, bytes) = match outcome {
        Ok(found) => found,
        Err(error) => return refuse(Style::of(&headers), &target, error),
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
async fn voucher_uploaded(state: &AppState, user: UserId, number: &str) -> Result<(), HttpError> {
    let mut change = Change::new(Event::VoucherUploaded, Who::Applicant(user));
    change.payment_method = Some(PaymentMethod::BankTransfer);
    state
        .orders
        .apply(number, change)
        .await
        .map(|_| ())
        .map_err(HttpError::internal)
}

/// The slot and the order's status, if `user` owns the application in that project and the
/// slot is one the application needs. The transfer voucher may be uploaded (or replaced) only
/// while the order waits for payment or for the transfer, and never removed: the reviewer
/// checks it against the account.
async fn authorize(
    state: &AppState,
    user: UserId,
    target: &Target,
    access: Access,
) -> Result<(Slot, Status), HttpError> {
    let (project, submitted) =
        owned(state, user, &target.project, &target.number, NOT_FOUND).await?;
    let missing = || HttpError::not_found(NOT_FOUND);
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
            Ok((transfer_voucher_slot(), submitted.status))
        } else {
            Err(missing())
        };
    }
    let slot = upload_slots(project, &submitted.application)
        .into_iter()
        .find(|slot| slot.id == target.slot)
        .ok_or_else(missing)?;
    Ok((slot, submitted.status))
}

/// Scans may change until the order is paid; after a rejection, only the flagged ones.
async fn writable(
    state: &AppState,
    user: UserId,
    number: &str,
    slot: &Slot,
) -> Result<(), HttpError> {
    let order = state
        .orders
        .view(Some(user), number)
        .await?
        .ok_or_else(|| HttpError::not_found(NOT_FOUND))?;
    let flagged = order.status == Status::Rejected
        && order
            .flags
            .iter()
            .any(|f| f.item == FlagItem::Material(slot.id.clone()));
    if order.status.materials_open() || flagged {
        Ok(())
    } else {
        Err(HttpError::new(
            StatusCode::CONFLICT,
            "locked",
            "申请已进入审核，这项资料不能再修改",
        ))
    }
}

/// The `file` field's name and bytes, reading no more than one byte past the limit.
async fn read_file(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(String, Vec<u8>), HttpError> {
    let mut multipart = multipart.map_err(|_| malformed())?;
    while let Some(mut field) = multipart.next_field().await.map_err(body_failure)? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(body_failure)? {
            if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                return Err(UploadRejection::TooLarge.into());
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok((file_name, bytes));
    }
    // A form submitted without choosing a file.
    Err(UploadRejection::Empty.into())
}

fn malformed() -> HttpError {
    HttpError::bad_request("上传没有完成，请重新选择文件上传")
}

fn body_failure(error: MultipartError) -> HttpError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UploadRejection::TooLarge.into()
    } else {
        malformed()
    }
}

fn inspection_refused(refused: Refused) -> HttpError {
    match refused {
        Refused::Busy => HttpError::busy(
            "服务器正忙，暂时无法检查这份文件，请稍等几秒后重新上传",
            heavy::RETRY_AFTER_SECS,
        ),
        Refused::Panicked => HttpError::internal(refused),
    }
}

impl From<UploadRejection> for HttpError {
    fn from(rejection: UploadRejection) -> Self {
        let status = match rejection {
            UploadRejection::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UploadRejection::NotAllowedType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        HttpError::new(status, rejection.code(), rejection.message())
    }
}

enum Done {
    Stored(UploadedMaterial, Slot),
    Removed(bool, Slot),
}

async fn respond(
    style: Style,
    target: &Target,
    session: &Session,
    outcome: Result<Done, HttpError>,
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
        // What is wrong with the file, or a passing trouble: the page shows it at the slot.
        (Err(error), Style::Form) if shown_at_slot(&error) => {
            error.log();
            MaterialsFlash {
                slot: target.slot.clone(),
                ok: false,
                message: error.message,
            }
        }
        (Err(error), style) => return refuse(style, target, error),
    };
    if let Err(error) = session.insert(FLASH_KEY, &flash).await {
        tracing::error!(%error, "keeping the materials message in the session failed");
    }
    see_other(&target.page())
}

/// Whether a form's failure is about the file or the moment (shown next to the slot) rather
/// than about access (not signed in, not found, locked), which has no slot to show it at.
fn shown_at_slot(error: &HttpError) -> bool {
    !matches!(
        error.status,
        StatusCode::UNAUTHORIZED
            | StatusCode::NOT_FOUND
            | StatusCode::FORBIDDEN
            | StatusCode::CONFLICT
    )
}

fn ok_flash(slot: &Slot, done: &str) -> MaterialsFlash {
    MaterialsFlash {
        slot: slot.id.clone(),
        ok: true,
        message: format!("{done}“{}”", slot.name),
    }
}

/// A refusal answered without the session: JSON, or for a form a redirect to log in, else
/// the plain sentence.
fn refuse(style: Style, target: &Target, error: HttpError) -> Response {
    match style {
        Style::Json => error.into_response(),
        Style::Form if error.status == StatusCode::UNAUTHORIZED => {
            see_other(&format!("/p/{}/login", target.project))
        }
        Style::Form => error.to_text(),
    }
}
