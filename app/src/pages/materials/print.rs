//! One document to print. Without JavaScript the link fetches a PDF the server renders; in
//! the browser the same click renders it locally with the generator module, opens it in a
//! new tab and offers the download.

use leptos::prelude::*;

use crate::api::materials::DocumentEntry;

#[component]
pub fn DocumentItem(project: String, number: String, doc: DocumentEntry) -> impl IntoView {
    let server_pdf = format!(
        "/p/{project}/applications/{number}/documents/{}.pdf",
        doc.slug
    );
    // Nothing while idle; a status text while working; the links once ready; or an error.
    let state = RwSignal::new(State::Idle);
    let title = doc.title.clone();

    #[cfg(feature = "hydrate")]
    let on_click = {
        let slug = doc.slug.clone();
        move |event: leptos::ev::MouseEvent| {
            // Modified clicks (new tab, save link) keep the server's PDF.
            if event.ctrl_key() || event.meta_key() || event.shift_key() || event.button() != 0 {
                return;
            }
            event.prevent_default();
            if matches!(state.get_untracked(), State::Working(_)) {
                return;
            }
            let (project, number, slug) = (project.clone(), number.clone(), slug.clone());
            leptos::task::spawn_local(async move {
                use crate::browser::pdf::{Phase, render};
                let outcome = render(project, number, slug, move |phase| {
                    state.set(State::Working(match phase {
                        Phase::Loading => "正在下载打印组件和字体…",
                        Phase::Rendering => "正在生成 PDF…",
                    }))
                })
                .await;
                match outcome {
                    Ok(ready) => {
                        let url = ready.url.clone();
                        state.set(State::Ready {
                            url: ready.url,
                            file_name: ready.file_name,
                            size_kb: (ready.size / 1024.0).ceil() as u32,
                        });
                        // Still within the click's user activation, so popup blockers allow it;
                        // if one does not, the links above do the same.
                        if let Some(window) = web_sys::window() {
                            let _ = window.open_with_url_and_target(&url, "_blank");
                        }
                    }
                    Err(message) => state.set(State::Failed(message)),
                }
            });
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let on_click = {
        let _ = (project, number);
        |_: leptos::ev::MouseEvent| {}
    };

    let server_link = server_pdf.clone();
    view! {
        <li class="app-document" id=format!("document-{}", doc.slug) data-document=doc.slug.clone()>
            <div class="app-document__text">
                <h3 class="app-heading-s">{doc.title.clone()}</h3>
                <p class="app-hint">{doc.purpose.clone()}</p>
            </div>
            <div class="app-document__actions">
                <a class="app-button app-button--secondary" href=server_pdf target="_blank" rel="noopener"
                    aria-label=format!("生成 PDF：{title}") on:click=on_click>
                    "生成 PDF"
                </a>
                <div class="app-document__state" aria-live="polite">
                    {move || match state.get() {
                        State::Idle => ().into_any(),
                        State::Working(text) => view! {
                            <p class="app-document__working"><span class="app-spinner" aria-hidden="true"></span>{text}</p>
                        }.into_any(),
                        State::Ready { url, file_name, size_kb } => view! {
                            <p class="app-document__ready">
                                <a href=url.clone() target="_blank" rel="noopener">"打开 PDF"</a>
                                " · "
                                <a href=url download=file_name.clone() data-testid="download-pdf">"下载 " {file_name.clone()}</a>
                                {format!("（{size_kb} KB）")}
                            </p>
                        }.into_any(),
                        State::Failed(message) => view! {
                            <p class="app-error-text" role="alert">
                                {message} " "
                                <a href=server_link.clone() target="_blank" rel="noopener">"在服务器生成"</a>
                            </p>
                        }.into_any(),
                    }}
                </div>
            </div>
        </li>
    }
}

#[derive(Clone, Debug, PartialEq)]
// Only the browser moves past `Idle`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum State {
    Idle,
    Working(&'static str),
    Ready {
        url: String,
        file_name: String,
        size_kb: u32,
    },
    Failed(String),
}
