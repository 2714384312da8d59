//! What every page of one submitted application shares: its data loaded by the project and
//! number in the URL, a loading line, 404 for an unknown application or someone else's, and
//! a retry message when loading fails.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::not_found::NotFound;

/// The page's data for the application in the URL, reloaded when the URL changes.
pub fn load<T, Fut>(
    fetch: impl Fn(String, String) -> Fut + Send + Sync + 'static,
) -> Resource<Result<Option<T>, ServerFnError>>
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<Option<T>, ServerFnError>> + Send + 'static,
{
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (
            p.get("project").unwrap_or_default(),
            p.get("number").unwrap_or_default(),
        )
    };
    Resource::new(key, move |(project, number)| fetch(project, number))
}

/// `render` once the data is there.
pub fn show<T>(
    title: &'static str,
    page: Resource<Result<Option<T>, ServerFnError>>,
    render: impl Fn(T) -> AnyView + Clone + Send + Sync + 'static,
) -> AnyView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    view! {
        <Title text=title />
        <Suspense fallback=|| view! { <div class="app-width app-page"><p>"正在加载…"</p></div> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(Some(data)) => render(data),
                        Ok(None) => view! { <NotFound /> }.into_any(),
                        Err(_) => view! {
                            <div class="app-width app-page">
                                <p class="app-error-text">"页面暂时无法加载，请稍后刷新重试。"</p>
                            </div>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}
