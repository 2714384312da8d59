//! The printable documents on the server: the font subsets the browser renders them with,
//! the same documents rendered here for browsers without JavaScript or wasm (one generator,
//! the `documents` crate, for both), and the check codes in their QR codes.

use std::collections::HashMap;
use std::path::Path as FsPath;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use app::domain::business::Business;
use app::domain::documents::{change_lines, document_data, file_name};
use app::services::documents::DocumentService;
use app::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use documents::DocumentKind;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::crypto::{self, Keys};
use crate::heavy::{self, Refused};
use crate::http::answer::HttpError;
use crate::http::applicant::{CurrentUser, owned};

/// A document prints a few hundred distinct characters; more is not a real request.
const MAX_SUBSET_CHARS: usize = 4000;

/// What a font or document request answers while the CPU pool is full.
const BUSY: &str = "服务器正忙，暂时无法生成文档，请稍等几秒后刷新页面";

/// Subsets kept in memory: each document's characters repeat across the applicants of a
/// day (fixed wording, similar names), and a subset takes tens of milliseconds to cut.
const SUBSET_CACHE_ENTRIES: usize = 512;

/// The full font, its version, and the key for check codes.
pub struct Documents {
    font: Vec<u8>,
    /// The font file's SHA-256, short: part of every subset URL, so a new font is a new URL.
    font_version: String,
    public_url: String,
    keys: Arc<Keys>,
    subsets: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

impl Documents {
    pub fn load(font_path: &FsPath, public_url: &str, keys: Arc<Keys>) -> anyhow::Result<Self> {
        let font = std::fs::read(font_path).with_context(|| {
            format!(
                "reading the document font {} (scripts/setup.sh installs it from npm)",
                font_path.display()
            )
        })?;
        let font_version = hex::encode(&Sha256::digest(&font)[..6]);
        Ok(Self {
            font,
            font_version,
            public_url: public_url.trim_end_matches('/').to_owned(),
            keys,
            subsets: Mutex::new(HashMap::new()),
        })
    }

    /// The font cut down to `characters`, if it was cut before.
    fn cached(&self, characters: &str) -> Option<Arc<Vec<u8>>> {
        self.cache().get(characters).cloned()
    }

    /// The font cut down to `characters`, from the cache when it was cut before.
    pub fn subset(&self, characters: &str) -> anyhow::Result<Arc<Vec<u8>>> {
        if let Some(hit) = self.cached(characters) {
            return Ok(hit);
        }
        let subset = Arc::new(documents::subset_font(&self.font, characters)?);
        let mut cache = self.cache();
        if cache.len() >= SUBSET_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(characters.to_owned(), subset.clone());
        Ok(subset)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Vec<u8>>>> {
        // A panic while holding the lock leaves a usable map.
        self.subsets.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn code(&self, number: &str) -> String {
        hex::encode(&self.keys.document_mac(number)[..8])
    }
}

impl DocumentService for Documents {
    fn verify_url(&self, number: &str) -> String {
        format!(
            "{}/verify/{number}?c={}",
            self.public_url,
            self.code(number)
        )
    }

    fn verify(&self, number: &str, code: &str) -> bool {
        crypto::same(self.code(number).as_bytes(), code.as_bytes())
    }

    fn font_path(&self, characters: &str) -> String {
        let encoded: String = form_urlencoded::byte_serialize(characters.as_bytes()).collect();
        format!("/documents/font?v={}&c={encoded}", self.font_version)
    }
}

/// What the two routes need.
#[derive(Clone)]
struct Shared {
    app: AppState,
    documents: Arc<Documents>,
}

pub fn router(app: AppState, documents: Arc<Documents>) -> Router {
    Router::new()
        .route("/documents/font", get(font))
        .route(
            "/p/{project}/applications/{number}/documents/{file}",
            get(pdf),
        )
        .with_state(Shared { app, documents })
}

#[derive(Deserialize)]
struct FontQuery {
    c: String,
}

/// `GET /documents/font?v=<font version>&c=<characters>`: a TrueType subset. The answer
/// depends only on the URL, so browsers and proxies may keep it for good.
async fn font(State(shared): State<Shared>, Query(query): Query<FontQuery>) -> Response {
    let documents = shared.documents;
    if query.c.is_empty() || query.c.chars().count() > MAX_SUBSET_CHARS {
        return StatusCode::BAD_REQUEST.into_response();
    }
    // A subset cut before costs nothing; cutting one waits for the CPU pool.
    let cut = match documents.cached(&query.c) {
        Some(hit) => Ok(Ok(hit)),
        None => heavy::run("cutting a font subset", move || documents.subset(&query.c)).await,
    };
    match cut {
        Ok(Ok(subset)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("font/ttf")),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            subset.as_ref().clone(),
        )
            .into_response(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "font subset failed");
            StatusCode::UNPROCESSABLE_ENTITY.into_response()
        }
        Err(Refused::Busy) => heavy::busy_answer(BUSY),
        Err(Refused::Panicked) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Deserialize)]
struct PdfTarget {
    project: String,
    number: String,
    file: String,
}

/// `GET /p/{project}/applications/{number}/documents/{slug}.pdf`: the document rendered on
/// the server, for the owner only (anyone else gets 404, as for a number that does not exist).
async fn pdf(
    State(Shared {
        app: state,
        documents,
    }): State<Shared>,
    user: Result<CurrentUser, HttpError>,
    Path(target): Path<PdfTarget>,
) -> Response {
    let Ok(CurrentUser(user)) = user else {
        let login = format!("/p/{}/login", target.project);
        return (StatusCode::SEE_OTHER, [(header::LOCATION, login)]).into_response();
    };
    let Some(kind) = target
        .file
        .strip_suffix(".pdf")
        .and_then(|slug| slug.parse::<DocumentKind>().ok())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (project, submitted) = match owned(
        &state,
        user,
        &target.project,
        &target.number,
        "找不到这份申请",
    )
    .await
    {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    // A document the application does not print (a natural person's authorization letter).
    if !app::domain::materials::documents(&submitted.application).contains(&kind) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let project = project.clone();
    let mut data = document_data(
        &project,
        &submitted.number,
        submitted.business,
        &submitted.application,
        documents.verify_url(&submitted.number),
        crate::clock::china_date(time::OffsetDateTime::now_utc()),
    );
    if submitted.business == Business::Change {
        match state.certificates.changes(&submitted.number).await {
            Ok(changes) => data.changes = change_lines(changes),
            Err(error) => return HttpError::internal(error).into_response(),
        }
    }
    let name = file_name(kind, &submitted.number);
    let rendered = heavy::run("rendering a document", move || {
        let font = documents.subset(&documents::characters(kind, &data))?;
        anyhow::Ok(documents::render(kind, &data, &font)?)
    })
    .await;
    match rendered {
        Ok(Ok(bytes)) => {
            let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
            let disposition = format!(
                "inline; filename=\"{}.pdf\"; filename*=UTF-8''{encoded}",
                kind.slug()
            );
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/pdf"),
                    ),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("private, no-store"),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_str(&disposition)
                            .unwrap_or(HeaderValue::from_static("inline")),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(Err(error)) => {
            tracing::error!(%error, number = submitted.number, "rendering a document failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(Refused::Busy) => heavy::busy_answer(BUSY),
        Err(Refused::Panicked) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
