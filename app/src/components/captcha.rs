//! The image captcha asked before an SMS code is sent (login and the public lookup): the
//! picture, a field for its characters, and 看不清，换一张 for a new picture.

use leptos::prelude::*;

use crate::api::auth::NewCaptcha;
use crate::components::form::TextInput;
use crate::services::login::CaptchaImage;

/// Nothing while `captcha` is `None` (not asked). `id` is the field's id and the key of its
/// error; the form posts `captcha_id` and `captcha_answer`. A new picture replaces the one in
/// `captcha`, so a picture the server sends with an answer shows here too.
#[component]
pub fn CaptchaField(
    captcha: RwSignal<Option<CaptchaImage>>,
    id: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let refresh = ServerAction::<NewCaptcha>::new();
    Effect::new(move |_| {
        if let Some(Ok(fresh)) = refresh.value().get() {
            captcha.set(Some(fresh));
        }
    });
    move || {
        captcha.get().map(|c| {
            view! {
                <input type="hidden" name="captcha_id" value=c.id.clone() />
                <div class="app-captcha">
                    <TextInput
                        id=id
                        name="captcha_answer"
                        label="图片验证码"
                        hint="输入右侧图片中的字符，不区分大小写"
                        value=Signal::derive(String::new)
                        error
                        autocomplete="off"
                        maxlength=8
                        width="app-input--w6"
                    />
                    <div class="app-captcha__image">
                        <img src=c.data_url.clone() alt="图片验证码" width="150" height="50" />
                        <button
                            type="button"
                            class="app-button app-button--link-plain"
                            on:click=move |_| {
                                refresh.dispatch(NewCaptcha {});
                            }
                        >
                            "看不清，换一张"
                        </button>
                    </div>
                </div>
            }
        })
    }
}
