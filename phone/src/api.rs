//! The handoff routes the phone calls (documented in `server/src/handoff/routes.rs`), through
//! gloo-net. Every call asks for JSON; a refusal comes back as `{error, code}`.

use gloo_net::http::{Request, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use web_sys::{Blob, FormData};

/// The fields of `app::services::handoff::IdPhotoResult` this page reads. The module does not
/// depend on the `app` crate: that would compile the desktop application's Leptos code for
/// the phone. The end-to-end tests hold the two sides to the same JSON.
#[derive(Deserialize)]
pub struct IdPhotoResult {
    pub accepted: bool,
}

/// `app::services::handoff::LivenessChallenge`, the fields read here.
#[derive(Deserialize)]
pub struct LivenessChallenge {
    pub challenge: String,
    pub prompts: Vec<PromptView>,
    pub min_frames: u8,
    pub max_frames: u8,
}

#[derive(Deserialize)]
pub struct PromptView {
    /// 眨眼, 张嘴, ...
    pub text: String,
}

/// `app::services::handoff::LivenessResult`: nothing is read; the page reloads to show it.
#[derive(Deserialize)]
pub struct LivenessResult {}

/// Why a call did not succeed, with the sentence to show.
#[derive(Clone, Debug)]
pub struct Refused {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl Refused {
    /// The session moved on elsewhere (expired, finished, failed, another device, another
    /// step): the server-rendered page explains it better than a line here.
    pub fn page_knows_better(&self) -> bool {
        matches!(self.status, 403 | 410) || self.code == "wrong_step" || self.code == "not_claimed"
    }
}

#[derive(Deserialize)]
struct RefusalBody {
    error: String,
    code: String,
}

fn offline() -> Refused {
    Refused {
        status: 0,
        code: "network".into(),
        message: "网络连接中断，请检查网络后重试。".into(),
    }
}

async fn answer<T: DeserializeOwned>(
    sent: Result<Response, gloo_net::Error>,
) -> Result<T, Refused> {
    let response = sent.map_err(|_| offline())?;
    let status = response.status();
    if response.ok() {
        return response.json::<T>().await.map_err(|_| offline());
    }
    Err(match response.json::<RefusalBody>().await {
        Ok(body) => Refused {
            status,
            code: body.code,
            message: body.error,
        },
        Err(_) => Refused {
            status,
            code: "server_error".into(),
            message: "服务暂时出现问题，请稍后重试。".into(),
        },
    })
}

async fn post_form<T: DeserializeOwned>(path: &str, form: FormData) -> Result<T, Refused> {
    let request = Request::post(path)
        .header("Accept", "application/json")
        .body(form)
        .map_err(|_| offline())?;
    answer(request.send().await).await
}

pub async fn id_photo(token: &str, side: &str, photo: &Blob) -> Result<IdPhotoResult, Refused> {
    let form = FormData::new().map_err(|_| offline())?;
    form.append_with_blob_and_filename("file", photo, &format!("{side}.jpg"))
        .map_err(|_| offline())?;
    post_form(&format!("/m/{token}/id/{side}"), form).await
}

pub async fn start_liveness(token: &str) -> Result<LivenessChallenge, Refused> {
    let sent = Request::post(&format!("/m/{token}/liveness/start"))
        .header("Accept", "application/json")
        .send()
        .await;
    answer(sent).await
}

pub async fn liveness(
    token: &str,
    challenge: &str,
    frames: &[Blob],
) -> Result<LivenessResult, Refused> {
    let form = FormData::new().map_err(|_| offline())?;
    form.append_with_str("challenge", challenge)
        .map_err(|_| offline())?;
    for (i, frame) in frames.iter().enumerate() {
        form.append_with_blob_and_filename("frame", frame, &format!("frame-{i}.jpg"))
            .map_err(|_| offline())?;
    }
    post_form(&format!("/m/{token}/liveness"), form).await
}
