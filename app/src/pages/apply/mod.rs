//! `/p/:project/apply/:step`: the application form, one step per page.
//!
//! The page keeps the draft in one signal. Inputs write to it, the domain rules check it as
//! the applicant types (the same functions the server runs), and an effect saves it to the
//! server a moment after the last keystroke. Each step is also an ordinary form posting to its
//! server function, so everything works before (or without) the wasm.

mod choose;
mod details;
mod idle;
mod review;

use std::collections::HashSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use time::Date;

use crate::api::apply::{ApplyPage, SaveDraft, load_apply_page};
use crate::api::auth::Logout;
use crate::components::form::use_hydrated;
use crate::domain::application::{self, FieldErrors};
use crate::domain::catalog::Project;
use crate::domain::draft::{Draft, Step};

/// The route: its data starts loading at once while the form's code, split into its own wasm
/// chunk (`cargo leptos build --split`), loads beside it; the guide page never downloads it.
#[derive(Clone)]
pub struct ApplyRoute {
    page: Resource<Result<ApplyPage, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for ApplyRoute {
    fn data() -> Self {
        let params = use_params_map();
        let query = use_query_map();
        let key = move || {
            (
                params.read().get("project").unwrap_or_default(),
                params.read().get("step").unwrap_or_default(),
                query.read().get("check").is_some_and(|v| v == "true"),
            )
        };
        Self {
            page: Resource::new(key, |(project, step, check)| {
                load_apply_page(project, step, check)
            }),
        }
    }

    fn view(this: Self) -> AnyView {
        let page = this.page;
        view! {
            <div class="app-width app-page">
                <Suspense fallback=|| view! { <p>"正在加载申请表…"</p> }>
                    {move || Suspend::new(async move {
                        match page.await {
                            Ok(page) => view! { <ApplyView page /> }.into_any(),
                            Err(_) => view! {
                                <p class="app-error-text">"申请表暂时无法加载，请稍后刷新重试。"</p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        }
        .into_any()
    }
}

/// Shared by the step components.
#[derive(Clone, Copy)]
pub(crate) struct Form {
    pub project: StoredValue<Project>,
    pub draft: RwSignal<Draft>,
    pub today: Date,
    /// Fields the applicant has left at least once: their errors show as they type.
    touched: RwSignal<HashSet<String>>,
    /// After a refused "下一步": every error of the step shows, with the summary.
    show_all: RwSignal<bool>,
    step_errors: Memo<FieldErrors>,
}

impl Form {
    pub fn project_id(&self) -> String {
        self.project.with_value(|p| p.id.clone())
    }

    /// The message for `field`, once it should be shown.
    pub fn error(&self, field: impl Into<String>) -> Signal<Option<String>> {
        let field = field.into();
        let form = *self;
        Signal::derive(move || {
            if form.show_all.get() {
                form.step_errors.with(|e| e.get(&field).map(str::to_owned))
            } else if form.touched.with(|t| t.contains(&field)) {
                form.draft.with(|d| {
                    form.project
                        .with_value(|p| application::validate_field(d, p, form.today, &field))
                })
            } else {
                None
            }
        })
    }

    pub fn touch(&self, field: impl Into<String>) {
        let field = field.into();
        self.touched.update(|t| {
            t.insert(field);
        });
    }

    /// Changes the draft; an input handler calls this on every keystroke.
    pub fn edit(&self, change: impl FnOnce(&mut Draft)) {
        self.draft.update(change);
    }

    /// Shows every error of the step (after the server refused to move on).
    pub fn show_errors(&self) {
        self.show_all.set(true);
    }

    pub fn summary(&self) -> Signal<Vec<(String, String)>> {
        let form = *self;
        Signal::derive(move || {
            if form.show_all.get() {
                form.step_errors.with(|e| {
                    e.iter()
                        .map(|e| (e.field.clone(), e.message.clone()))
                        .collect()
                })
            } else {
                Vec::new()
            }
        })
    }
}

#[component]
fn ApplyView(page: ApplyPage) -> impl IntoView {
    let step = page.step;
    let today = page.today;
    let project = StoredValue::new(page.project.clone());
    let draft = RwSignal::new(page.draft.clone());
    let step_errors = Memo::new(move |_| {
        draft.with(|d| {
            project.with_value(|p| match step {
                Step::Choose => application::validate_choose(d, p, today),
                Step::Details => application::validate_details(d, p, today),
                Step::Review => application::validate(d, p, today).err().unwrap_or_default(),
            })
        })
    });
    let form = Form {
        project,
        draft,
        today,
        touched: RwSignal::new(HashSet::new()),
        show_all: RwSignal::new(!page.errors.is_empty()),
        step_errors,
    };
    provide_context(form);

    let save = autosave(form, step);
    let initially_saved = page.saved_at.clone();
    let save_status = move || {
        if save.pending().get() {
            return "正在保存…".to_owned();
        }
        match save.value().get() {
            Some(Ok(Some(at))) => format!("已保存 {at}"),
            Some(Ok(None)) => "申请已提交，正在打开…".to_owned(),
            Some(Err(_)) => "自动保存失败，将在您继续填写时重试".to_owned(),
            None => initially_saved
                .as_ref()
                .map_or("填写内容会自动保存".to_owned(), |at| {
                    format!("已保存 {at}")
                }),
        }
    };

    let title = format!("{} - {}", step.title(), page.project.name);
    let logout = ServerAction::<Logout>::new();
    let project_id = page.project.id.clone();
    // The form's code arrives after the rest of the page (it is a lazy chunk); this tells
    // tests and styles when the form itself is live.
    let hydrated = use_hydrated();
    view! {
        <Title text=title />
        <div class="app-apply" data-hydrated=move || hydrated.get().then_some("true")>
        <div class="app-apply-bar">
            <p class="app-caption">{page.project.name.clone()} " · 数字证书新办"</p>
            <ActionForm action=logout attr:class="app-apply-bar__logout">
                <input type="hidden" name="project" value=project_id />
                <button type="submit" class="app-button app-button--link-plain">"退出登录"</button>
            </ActionForm>
        </div>
        <StepNav current=step />
        <idle::IdleWarning project=page.project.id.clone() idle_minutes=page.idle_minutes autosave=save />
        <div class="app-save-state" role="status" aria-live="polite">
            {save_status}
        </div>
        {match step {
            Step::Choose => view! { <choose::ChooseStep /> }.into_any(),
            Step::Details => view! { <details::DetailsStep /> }.into_any(),
            Step::Review => view! { <review::ReviewStep quote=page.quote.clone() /> }.into_any(),
        }}
        </div>
    }
}

/// Saves the draft 800 ms after the last change, while the page is open.
fn autosave(form: Form, step: Step) -> ServerAction<SaveDraft> {
    let save = ServerAction::<SaveDraft>::new();
    #[cfg(feature = "hydrate")]
    {
        use std::time::Duration;
        let pending = StoredValue::new(None::<TimeoutHandle>);
        Effect::watch(
            move || form.draft.get(),
            move |draft, _, _| {
                if let Some(handle) = pending.get_value() {
                    handle.clear();
                }
                let draft = draft.clone();
                let project = form.project_id();
                let handle = set_timeout_with_handle(
                    move || {
                        save.dispatch(SaveDraft {
                            project,
                            step,
                            draft,
                        });
                    },
                    Duration::from_millis(800),
                );
                pending.set_value(handle.ok());
            },
            false,
        );
        // Leaving the step must not let a queued save land after the next step's request.
        on_cleanup(move || {
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (form, step);
    save
}

#[component]
fn StepNav(current: Step) -> impl IntoView {
    view! {
        <nav class="app-steps-nav" aria-label="办理步骤">
            <ol class="app-steps-nav__list">
                {Step::ALL.into_iter().enumerate().map(|(i, step)| {
                    let state = if step == current { "current" } else if step < current { "done" } else { "todo" };
                    view! {
                        <li class=format!("app-steps-nav__item app-steps-nav__item--{state}")
                            aria-current=(step == current).then_some("step")>
                            <span class="app-steps-nav__number">{i + 1}</span>
                            {step.title()}
                        </li>
                    }
                }).collect_view()}
                <li class="app-steps-nav__item app-steps-nav__item--todo">
                    <span class="app-steps-nav__number">"4"</span>"上传资料与认证"
                </li>
            </ol>
        </nav>
    }
}
