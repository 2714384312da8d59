//! Form building blocks with GOV.UK Frontend's wiring: a label on every input, the hint and
//! the error tied to the input by `aria-describedby`, `aria-invalid` on a bad value, a visually
//! hidden "错误：" before each message, and an error summary that links to the fields.

use leptos::prelude::*;

/// `aria-describedby` for an input with an optional hint and an optional error.
fn described_by(id: &str, has_hint: bool, has_error: bool) -> Option<String> {
    let ids: Vec<String> = [(has_hint, "hint"), (has_error, "error")]
        .into_iter()
        .filter(|(present, _)| *present)
        .map(|(_, suffix)| format!("{id}-{suffix}"))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

#[component]
pub fn ErrorMessage(
    #[prop(into)] id: String,
    #[prop(into)] message: Signal<Option<String>>,
) -> impl IntoView {
    move || {
        message.get().map(|text| {
            view! {
                <p class="app-error-message" id=format!("{id}-error")>
                    <span class="app-visually-hidden">"错误："</span>
                    {text}
                </p>
            }
        })
    }
}

/// How the browser should help with a text input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InputKind {
    #[default]
    Text,
    /// Digits on a phone keypad (mobile numbers, codes, account numbers).
    Numeric,
    Email,
    Tel,
}

#[component]
pub fn TextInput(
    /// Element id, also the key of its error.
    #[prop(into)]
    id: String,
    /// Form field name the server function reads.
    #[prop(into)]
    name: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    /// The current value; also rendered into the HTML so forms work without JavaScript.
    #[prop(into)]
    value: Signal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] on_input: Option<Callback<String>>,
    #[prop(optional)] on_blur: Option<Callback<()>>,
    #[prop(optional)] kind: InputKind,
    #[prop(optional, into)] autocomplete: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    /// A width modifier such as `app-input--w10`.
    #[prop(optional, into)]
    width: Option<&'static str>,
    #[prop(optional, into)] disabled: Signal<bool>,
    /// The id of a `<datalist>` offering suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
) -> impl IntoView {
    let has_hint = hint.is_some();
    let (input_type, inputmode) = match kind {
        InputKind::Text => ("text", None),
        InputKind::Numeric => ("text", Some("numeric")),
        InputKind::Email => ("email", None),
        InputKind::Tel => ("tel", None),
    };
    let described = {
        let id = id.clone();
        move || described_by(&id, has_hint, error.with(Option::is_some))
    };
    let initial = value.get_untracked();
    // Write the value into the element only when it differs: rewriting what the applicant
    // is typing would move the caret to the end.
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |previous: Option<()>| {
        let wanted = value.get();
        let Some(el) = input.get() else { return };
        let shown = el.value();
        if shown == wanted {
            return;
        }
        match (previous, on_input) {
            // First run, just after hydration: keep what was typed before the wasm arrived.
            (None, Some(adopt)) => adopt.run(shown),
            (None, None) => {}
            (Some(()), _) => el.set_value(&wanted),
        }
    });
    view! {
        <div class="app-form-group" class:app-form-group--error=move || error.with(Option::is_some)>
            <label class="app-label" for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="app-hint" id=format!("{id}-hint")>{h}</p> })}
            <ErrorMessage id=id.clone() message=error />
            <input
                class=format!("app-input {}", width.unwrap_or(""))
                class:app-input--error=move || error.with(Option::is_some)
                id=id.clone()
                name=name
                type=input_type
                inputmode=inputmode
                autocomplete=autocomplete
                maxlength=maxlength
                list=list
                spellcheck="false"
                value=initial
                node_ref=input
                disabled=move || disabled.get()
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
                on:input=move |ev| {
                    if let Some(cb) = on_input {
                        cb.run(event_target_value(&ev));
                    }
                }
                on:blur=move |_| {
                    if let Some(cb) = on_blur {
                        cb.run(());
                    }
                }
            />
        </div>
    }
}

/// The list of problems at the top of a form, each linking to its field.
///
/// Rendered with `role="alert"` so screen readers announce it; the wasm moves focus to it when
/// it appears after a submit.
/// The 6-digit texted code, as every page that texts one asks for it (login, lookup, the
/// certificate businesses).
#[component]
pub fn SmsCodeInput(
    #[prop(into)] id: String,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <TextInput
            id=id
            name="code"
            label="短信验证码"
            hint="6位数字"
            value=Signal::derive(String::new)
            error=error
            kind=InputKind::Numeric
            autocomplete="one-time-code"
            maxlength=6
            width="app-input--w6"
        />
    }
}

#[component]
pub fn ErrorSummary(#[prop(into)] errors: Signal<Vec<(String, String)>>) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if !errors.with(Vec::is_empty)
            && let Some(el) = node.get()
        {
            let _ = el.focus();
        }
    });
    move || {
        (!errors.with(Vec::is_empty)).then(|| {
            view! {
                <div class="app-error-summary" node_ref=node tabindex="-1" data-module="error-summary">
                    <div role="alert">
                        <h2 class="app-error-summary__title">"请修改以下问题后继续"</h2>
                        <ul class="app-error-summary__list">
                            {errors.get().into_iter().map(|(field, message)| view! {
                                <li><a href=format!("#{field}")>{message}</a></li>
                            }).collect_view()}
                        </ul>
                    </div>
                </div>
            }
        })
    }
}

/// `false` while rendering on the server and hydrating, `true` once the wasm runs the page:
/// for controls that only a browser without JavaScript needs.
pub fn use_hydrated() -> Signal<bool> {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    hydrated.into()
}
