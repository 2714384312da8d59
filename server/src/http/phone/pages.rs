//! The phone's pages, `/m/{token}` and `/m`: plain server-rendered HTML, one screen per
//! [`Next`], each working as a plain form without JavaScript (the claim, the ID photos through
//! `<input type=file capture>`, the short code).
//!
//! The page loads none of the desktop application: no Leptos hydration, no form or PDF code.
//! Its only script is the phone module (`/phone/phone.js`, crate `phone`, built by
//! `scripts/build-phone.sh`), which adds the live camera with the card guide, the quality
//! checks and the liveness capture. It reloads the page after every step, so this module
//! stays the single place that decides what the phone shows.

use app::domain::handoff::{IdSide, MAX_RETAKES, Next, Stage};
use app::services::handoff::{HandoffError, PhoneState};
use app::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use leptos::prelude::*;
use serde::Deserialize;

use super::device::device_cookie;

/// The phone module and the shared stylesheet; no inline script, so no nonce is needed.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

#[derive(Deserialize)]
pub struct PageQuery {
    error: Option<String>,
}

/// `GET /m/{token}`: the screen for where the session stands. Never claims.
pub async fn token_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let device = device_cookie(&headers);
    let problem = query.error.as_deref().map(error_message);
    match state.handoff.phone_state(&token, device.as_deref()).await {
        Ok(phone) => page(
            StatusCode::OK,
            "手机身份认证",
            session_view(&token, phone, problem),
        ),
        Err(HandoffError::UnknownToken) => page(
            StatusCode::NOT_FOUND,
            "链接无效",
            message_view(
                "链接无效",
                "这个链接不完整或已不存在。请在电脑上的“在线认证”页面重新扫描二维码，或在下方输入电脑上显示的 6 位认证码。",
                true,
            ),
        ),
        Err(error) => {
            tracing::error!(%error, "phone page failed");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "暂时无法打开",
                message_view(
                    "暂时无法打开",
                    "服务暂时出现问题，请稍后刷新本页重试。",
                    false,
                ),
            )
        }
    }
}

/// `GET /m`: type the six-digit code shown on the computer.
pub async fn code_page(Query(query): Query<PageQuery>) -> Response {
    let problem = query.error.as_deref().map(error_message);
    page(StatusCode::OK, "输入认证码", code_view(problem))
}

fn page(status: StatusCode, title: &str, body: AnyView) -> Response {
    crate::http::html::page(status, CSP, render(title, body))
}

fn render(title: &str, body: AnyView) -> String {
    let body = view! {
        <header class="phone-header">
            <span class="phone-header__brand">"数字证书网上办理"</span>
            <span class="phone-header__part">"手机身份认证"</span>
        </header>
        <main id="main" class="phone-main">{body}</main>
    };
    crate::http::html::document(
        crate::http::html::Head {
            title: &format!("{title} - 数字证书网上办理"),
            stylesheet: "/pkg/cert-portal.css",
            script: Some("/phone/boot.js"),
        },
        Some("phone"),
        body.into_any(),
    )
}

/// The message for a `?error=` code a plain form came back with.
fn error_message(code: &str) -> String {
    match code {
        "photo_empty" => "没有收到照片，请重新拍摄。",
        "photo_too_large" => "照片超过 2 MB，请重新拍摄；用手机相机直接拍照通常不会超过。",
        "photo_not_image" => "只能上传 JPG 或 PNG 格式的照片。",
        "photo_corrupt" => "照片无法读取，可能没有上传完整，请重新拍摄。",
        "photo_too_small" => "照片太小，请靠近一些重新拍摄。",
        "other_device" => "这个链接已在另一台手机上打开，只能在那台手机上继续。",
        "expired" => "链接已过期，请在电脑上刷新二维码后重新扫码。",
        "completed" => "认证已经完成，无需再次操作。",
        "failed" => "本次认证未通过，请回到电脑上查看原因并重新开始。",
        "not_claimed" => "请先点击“开始认证”。",
        "wrong_step" => "这一步已经完成，页面已更新到当前步骤。",
        "code_unknown" => "认证码不正确或已过期，请核对电脑上显示的 6 位数字。",
        "code_limit" => "输错次数过多，请 15 分钟后再试，或直接用手机扫描电脑上的二维码。",
        "cross_site" => "请求不是从本页面发出的，已拒绝。",
        "verifier_unavailable" => "身份核验服务暂时不可用，请稍后重试。",
        _ => "操作没有完成，请重试。",
    }
    .to_owned()
}

/// Which of the three steps a screen is, for the progress line.
fn step_index(next: Next) -> Option<usize> {
    match next {
        Next::IdFront => Some(0),
        Next::IdBack => Some(1),
        Next::Liveness => Some(2),
        Next::Done => Some(3),
        _ => None,
    }
}

fn progress(next: Next) -> impl IntoView {
    let current = step_index(next);
    let names = ["身份证人像面", "身份证国徽面", "活体检测"];
    current.map(|current| {
        view! {
            <ol class="phone-progress" aria-label="认证步骤">
                {names
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let class = if i < current {
                            "phone-progress__item phone-progress__item--done"
                        } else if i == current {
                            "phone-progress__item phone-progress__item--current"
                        } else {
                            "phone-progress__item"
                        };
                        let current = (i == current).then_some("step");
                        view! { <li class=class aria-current=current>{name}</li> }
                    })
                    .collect_view()}
            </ol>
        }
    })
}

fn problem_banner(problem: Option<String>) -> impl IntoView {
    problem.map(|text| {
        view! {
            <div class="phone-alert phone-alert--error" role="alert">
                <p>{text}</p>
            </div>
        }
    })
}

fn session_view(token: &str, phone: PhoneState, problem: Option<String>) -> AnyView {
    let next = phone.next;
    let screen = match next {
        Next::Claim => claim_screen(token, &phone),
        Next::IdFront => id_screen(token, &phone, IdSide::Front),
        Next::IdBack => id_screen(token, &phone, IdSide::Back),
        Next::Liveness => liveness_screen(&phone),
        Next::Done => view! {
            <div class="phone-screen phone-screen--done">
                <h1 class="phone-title">"认证完成"</h1>
                <p class="phone-lead">"身份证和活体检测均已完成。请回到电脑继续办理，电脑页面会自动进入下一步。"</p>
                <p class="phone-hint">"现在可以关闭本页面。"</p>
            </div>
        }
        .into_any(),
        Next::OtherDevice => message_view(
            "请在原来的手机上继续",
            &phone.message,
            false,
        ),
        Next::Rescan => rescan_screen(&phone),
    };
    let next_code = serde_json::to_value(next)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let attempts_left = phone.liveness_attempts_left.to_string();
    view! {
        <div
            id="phone"
            data-token=token.to_owned()
            data-next=next_code
            data-attempts-left=attempts_left
        >
            {progress(next)}
            {problem_banner(problem)}
            {screen}
        </div>
    }
    .into_any()
}

fn claim_screen(token: &str, phone: &PhoneState) -> AnyView {
    let who = match &phone.person {
        Some(person) => format!("请由{}（{}）本人操作。", phone.role, person),
        None => format!("请由{}本人操作。", phone.role),
    };
    let minutes = phone.expires_in_secs.div_ceil(60);
    view! {
        <div class="phone-screen">
            <h1 class="phone-title">"手机身份认证"</h1>
            <p class="phone-lead">{who}</p>
            <p>"接下来需要："</p>
            <ol class="phone-list">
                <li>"拍摄身份证人像面和国徽面（请准备好身份证原件）"</li>
                <li>"按提示完成眨眼、张嘴或转头等动作的活体检测"</li>
            </ol>
            <p class="phone-hint">
                "照片和检测画面加密保存，仅用于本次证书申请的身份核验，审核结束后按规定期限删除。"
            </p>
            <form method="post" action=format!("/m/{token}/claim")>
                <button type="submit" class="app-button phone-button">"开始认证"</button>
            </form>
            <p class="phone-hint">{format!("此链接约 {minutes} 分钟内有效，开始后只能在这台手机上完成。")}</p>
        </div>
    }
    .into_any()
}

fn id_screen(token: &str, phone: &PhoneState, side: IdSide) -> AnyView {
    let (title, guidance) = match side {
        IdSide::Front => (
            "拍摄身份证人像面",
            "人像面是有照片的一面。把身份证平放在深色桌面上，正对镜头，让四个角都在框内。",
        ),
        IdSide::Back => (
            "拍摄身份证国徽面",
            "国徽面印有有效期限。翻到背面，同样平放、正对镜头，让文字清晰可读。",
        ),
    };
    let retakes_left = match side {
        IdSide::Front => phone.front_retakes_left,
        IdSide::Back => phone.back_retakes_left,
    };
    let mismatches: Vec<_> = phone
        .mismatches
        .iter()
        .filter(|m| m.side == side)
        .cloned()
        .collect();
    let mismatch_panel = (!mismatches.is_empty()).then(|| {
        view! {
            <div class="phone-alert phone-alert--error" role="alert" id="phone-mismatch">
                <h2 class="phone-alert__title">"身份证与申请表不一致"</h2>
                <ul class="phone-list">
                    {mismatches
                        .into_iter()
                        .map(|m| view! { <li>{m.message}</li> })
                        .collect_view()}
                </ul>
                <p>
                    {format!(
                        "如果是拍得不清楚，请重新拍摄（还可重拍 {retakes_left} 次，之后将交由审核人员人工核对）。"
                    )}
                </p>
                <p>
                    "如果是申请表填错了，请不要继续拍摄：在电脑上的“在线认证”页面点“更正信息”，改好后再扫描新的二维码。"
                </p>
            </div>
        }
    });
    let side_code = side.code();
    view! {
        <div class="phone-screen" data-side=side_code data-retakes-left=retakes_left.to_string()
            data-max-retakes=MAX_RETAKES.to_string()>
            <h1 class="phone-title">{title}</h1>
            {mismatch_panel}
            <p class="phone-lead">{guidance}</p>
            <div id="phone-camera" class="phone-camera" hidden>
                <div class="phone-viewfinder">
                    <video id="phone-video" class="phone-viewfinder__video" playsinline="" muted="" autoplay=""></video>
                    <div class="phone-viewfinder__card" aria-hidden="true"></div>
                </div>
                <p class="phone-hint" id="phone-camera-hint">"将身份证对齐白框，保持手机稳定。"</p>
                <button type="button" id="phone-shoot" class="app-button phone-button">"拍照"</button>
            </div>
            <div id="phone-status" class="phone-status" role="status" aria-live="polite"></div>
            <div id="phone-preview" class="phone-preview" hidden>
                <img id="phone-preview-img" alt="刚拍摄的照片" />
            </div>
            <button type="button" id="phone-open-camera" class="app-button phone-button" hidden>
                "打开相机拍摄"
            </button>
            <form
                id="phone-file-form"
                class="phone-file-form"
                method="post"
                enctype="multipart/form-data"
                action=format!("/m/{token}/id/{side_code}")
            >
                <label class="phone-file" for="phone-file">
                    <span class="phone-file__label">"用手机相机拍照或从相册选择"</span>
                    <input
                        id="phone-file"
                        class="phone-file__input"
                        type="file"
                        name="file"
                        accept="image/jpeg,image/png,image/*"
                        capture="environment"
                    />
                </label>
                <button type="submit" id="phone-file-submit" class="app-button app-button--secondary phone-button">
                    "上传照片"
                </button>
            </form>
            <div id="phone-help" class="phone-help" hidden></div>
        </div>
    }
    .into_any()
}

fn liveness_screen(phone: &PhoneState) -> AnyView {
    let last_failure = phone
        .steps
        .last()
        .filter(|s| s.kind == "liveness_failed" || s.kind == "face_mismatch")
        .map(|s| s.message.clone());
    let attempts = phone.liveness_attempts_left;
    view! {
        <div class="phone-screen" data-liveness="">
            <h1 class="phone-title">"活体检测"</h1>
            {last_failure.map(|message| view! {
                <div class="phone-alert phone-alert--error" role="alert" id="phone-last-failure">
                    <p>{message}</p>
                    <p>{format!("还可以再试 {attempts} 次。")}</p>
                </div>
            })}
            <p class="phone-lead">
                "请本人正对手机前置摄像头，在光线充足处摘下帽子和口罩。开始后屏幕会依次提示 2 至 3 个动作，每个动作跟着做一次即可。"
            </p>
            <div id="phone-camera" class="phone-camera" hidden>
                <div class="phone-viewfinder phone-viewfinder--face">
                    <video id="phone-video" class="phone-viewfinder__video phone-viewfinder__video--mirror" playsinline="" muted="" autoplay=""></video>
                    <div class="phone-viewfinder__face" aria-hidden="true"></div>
                </div>
                <p id="phone-prompt" class="phone-prompt" aria-live="assertive"></p>
            </div>
            <div id="phone-status" class="phone-status" role="status" aria-live="polite"></div>
            <noscript>
                <div class="phone-alert phone-alert--error">
                    <p>"活体检测需要浏览器开启 JavaScript。请换用手机自带浏览器打开本链接。"</p>
                </div>
            </noscript>
            <button type="button" id="phone-start-liveness" class="app-button phone-button" hidden>
                "开始检测"
            </button>
            <div id="phone-video-fallback" class="phone-file-form" hidden>
                <p>"这个浏览器不能直接使用摄像头。可以改为录制一段约 5 秒的自拍视频："</p>
                <ol id="phone-video-steps" class="phone-list"></ol>
                <label class="phone-file" for="phone-video-file">
                    <span class="phone-file__label">"录制自拍视频"</span>
                    <input
                        id="phone-video-file"
                        class="phone-file__input"
                        type="file"
                        accept="video/*"
                        capture="user"
                    />
                </label>
            </div>
            <div id="phone-help" class="phone-help" hidden></div>
        </div>
    }
    .into_any()
}

fn rescan_screen(phone: &PhoneState) -> AnyView {
    let title = match phone.stage {
        Stage::Failed => "本次认证未通过",
        Stage::Completed => "认证已完成",
        _ => "请回到电脑重新扫码",
    };
    let detail = phone
        .failure
        .as_ref()
        .map(|f| f.message.clone())
        .unwrap_or_else(|| phone.message.clone());
    message_view(title, &detail, matches!(phone.stage, Stage::Expired))
}

fn message_view(title: &str, text: &str, offer_code: bool) -> AnyView {
    let title = title.to_owned();
    let text = text.to_owned();
    view! {
        <div class="phone-screen phone-screen--message">
            <h1 class="phone-title">{title}</h1>
            <p class="phone-lead">{text}</p>
            {offer_code.then(|| view! {
                <p><a href="/m">"输入电脑上显示的认证码"</a></p>
            })}
        </div>
    }
    .into_any()
}

fn code_view(problem: Option<String>) -> AnyView {
    let invalid = problem.is_some().then_some("true");
    let described = if problem.is_some() {
        "code-hint code-error"
    } else {
        "code-hint"
    };
    view! {
        <div class="phone-screen">
            <h1 class="phone-title">"输入认证码"</h1>
            <p class="phone-lead">
                "扫不了二维码时，在这里输入电脑上“在线认证”页面显示的 6 位认证码，同样可以继续认证。"
            </p>
            <form method="post" action="/m/code" class="phone-code-form">
                <label class="app-label" for="code">"认证码"</label>
                <p id="code-hint" class="app-hint">"6 位数字，10 分钟内有效，用一次即失效。"</p>
                {problem.map(|text| view! {
                    <p id="code-error" class="app-error-message">
                        <span class="app-visually-hidden">"错误："</span>
                        {text}
                    </p>
                })}
                <input
                    id="code"
                    name="code"
                    class="app-input phone-code-input"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    pattern="[0-9０-９ ]*"
                    maxlength="12"
                    aria-invalid=invalid
                    aria-describedby=described
                    required
                />
                <button type="submit" class="app-button phone-button">"继续"</button>
            </form>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn every_form_error_code_has_its_own_sentence() {
        let fallback = error_message("no_such_code");
        for code in [
            "photo_empty",
            "photo_too_large",
            "photo_not_image",
            "photo_corrupt",
            "photo_too_small",
            "other_device",
            "expired",
            "completed",
            "failed",
            "code_unknown",
            "code_limit",
        ] {
            assert_ne!(error_message(code), fallback, "{code}");
        }
    }

    #[test]
    fn text_is_escaped_and_the_page_loads_only_the_phone_module() {
        let html = render("输入认证码", code_view(Some("<b>".into())));
        assert!(html.contains("&lt;b&gt;"), "{html}");
        assert!(html.contains(r#"src="/phone/boot.js""#));
        assert!(!html.contains("/pkg/cert-portal.js"));
        let response = page(StatusCode::OK, "输入认证码", code_view(None));
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
