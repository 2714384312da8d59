//! Step 2, 填写申请信息: organisation, legal representative, agent and basic bank account,
//! or for a natural-person certificate the applicant and their own bank account; then
//! shipping and invoice. Every field is checked as typed.

use leptos::prelude::*;

use super::Form;
use crate::api::apply::SubmitDetails;
use crate::components::form::{ErrorMessage, ErrorSummary, InputKind, TextInput, use_hydrated};
use crate::domain::application::{self, Variant};
use crate::domain::banks;
use crate::domain::draft::{Draft, field};
use crate::domain::regions;

#[component]
pub fn DetailsStep() -> impl IntoView {
    let form = expect_context::<Form>();
    let submit = ServerAction::<SubmitDetails>::new();
    Effect::new(move |_| {
        if let Some(Ok(outcome)) = submit.value().get()
            && !outcome.errors.is_empty()
        {
            form.show_errors();
        }
    });
    // Decided on the first step; this page never changes it.
    let variant = form.draft.with_untracked(application::variant);
    let lead = match variant {
        Variant::Organisation => "请按证件和开户资料如实填写。带有格式要求的项目会在您填写时检查。",
        Variant::NaturalPerson => {
            "请按申请人本人的身份证和银行账户如实填写，不需要填写单位信息。带有格式要求的项目会在您填写时检查。"
        }
    };

    view! {
        <h1 class="app-heading-xl">"填写申请信息"</h1>
        <p class="app-lead">{lead}</p>
        <ErrorSummary errors=form.summary() />
        <ActionForm action=submit attr:class="app-form" attr:novalidate="">
            <input type="hidden" name="project" value=form.project_id() />
            {match variant {
                Variant::Organisation => view! { <OrgSections /> }.into_any(),
                Variant::NaturalPerson => view! { <PersonSections /> }.into_any(),
            }}
            <ShippingSection variant />
            <InvoiceSection variant />

            <div class="app-button-row">
                <button type="submit" name="intent" value="next" class="app-button" disabled=move || submit.pending().get()>
                    "下一步：核对信息"
                </button>
                <button type="submit" name="intent" value="back" class="app-button app-button--secondary">"上一步"</button>
                <button type="submit" name="intent" value="save" class="app-button app-button--secondary">"保存"</button>
            </div>
        </ActionForm>
    }
}

/// 单位信息, 法人信息, 经办人信息 and the basic account.
#[component]
fn OrgSections() -> impl IntoView {
    let form = expect_context::<Form>();
    let same_as_legal = Memo::new(move |_| form.draft.with(|d| d.agent.same_as_legal_rep));
    view! {
        <fieldset class="app-fieldset" id="org">
            <legend class="app-fieldset__legend">"单位信息"</legend>
            <DraftField id=field::ORG_NAME name="details[org][name]" label="机构名称"
                hint="与营业执照上的名称完全一致"
                get=|d| d.org.name.clone() set=|d, v| d.org.name = v
                autocomplete="organization" maxlength=100 width="app-input--w30" />
            <div class="app-form-group">
                <label class="app-label" for=field::ORG_CERT_TYPE>"机构证件类型"</label>
                <select class="app-select" id=field::ORG_CERT_TYPE name="details[org][cert_type]">
                    <option value="uscc" selected>"统一社会信用代码证"</option>
                </select>
            </div>
            <DraftField id=field::ORG_CREDIT_CODE name="details[org][credit_code]" label="机构证件号码"
                hint="18位统一社会信用代码，见营业执照"
                get=|d| d.org.credit_code.clone() set=|d, v| d.org.credit_code = v
                maxlength=24 width="app-input--w20" />
            <RegionPicker
                legend="省市"
                ids=[field::ORG_PROVINCE, field::ORG_CITY, ""]
                names=["details[org][province]", "details[org][city]", ""]
                get=|d| [d.org.province.clone(), d.org.city.clone(), String::new()]
                set=|d, level, v| match level {
                    0 => { d.org.province = v; d.org.city.clear(); }
                    _ => d.org.city = v,
                }
            />
            <DraftField id=field::ORG_ADDRESS name="details[org][address]" label="单位地址"
                get=|d| d.org.address.clone() set=|d, v| d.org.address = v
                autocomplete="street-address" maxlength=120 width="app-input--w30" />
        </fieldset>

        <fieldset class="app-fieldset" id="legal">
            <legend class="app-fieldset__legend">"法人信息"</legend>
            <DraftField id=field::LEGAL_NAME name="details[legal_rep][name]" label="法人姓名"
                get=|d| d.legal_rep.name.clone() set=|d, v| d.legal_rep.name = v
                maxlength=50 width="app-input--w10" />
            <DraftField id=field::LEGAL_ID_NUMBER name="details[legal_rep][id_number]" label="身份证号码"
                get=|d| d.legal_rep.id_number.clone() set=|d, v| d.legal_rep.id_number = v
                maxlength=24 width="app-input--w20" />
            <DraftField id=field::LEGAL_MOBILE name="details[legal_rep][mobile]" label="移动电话"
                get=|d| d.legal_rep.mobile.clone() set=|d, v| d.legal_rep.mobile = v
                kind=InputKind::Tel maxlength=20 width="app-input--w12" />
        </fieldset>

        <fieldset class="app-fieldset" id="agent">
            <legend class="app-fieldset__legend">"经办人信息"</legend>
            <div class="app-checkbox">
                <input class="app-checkbox__input" type="checkbox" id=field::AGENT_SAME_AS_LEGAL
                    name="details[agent][same_as_legal_rep]" value="true"
                    checked=move || same_as_legal.get()
                    prop:checked=move || same_as_legal.get()
                    aria-describedby=format!("{}-hint", field::AGENT_SAME_AS_LEGAL)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        form.edit(|d| d.agent.same_as_legal_rep = on);
                    } />
                <label class="app-checkbox__label" for=field::AGENT_SAME_AS_LEGAL>"经办人即法定代表人"</label>
            </div>
            <p class="app-hint" id=format!("{}-hint", field::AGENT_SAME_AS_LEGAL)>
                "勾选后，经办人的姓名、身份证号码和手机号码使用上面的法人信息。"
            </p>
            <div class="app-conditional" class:app-hidden=move || same_as_legal.get()>
                <DraftField id=field::AGENT_NAME name="details[agent][name]" label="单位经办人姓名"
                    get=|d| d.agent.name.clone() set=|d, v| d.agent.name = v
                    maxlength=50 width="app-input--w10" />
                <DraftField id=field::AGENT_ID_NUMBER name="details[agent][id_number]" label="身份证号码"
                    get=|d| d.agent.id_number.clone() set=|d, v| d.agent.id_number = v
                    maxlength=24 width="app-input--w20" />
                <DraftField id=field::AGENT_MOBILE name="details[agent][mobile]" label="移动电话"
                    hint="请填写以经办人本人身份证实名登记的手机号码"
                    get=|d| d.agent.mobile.clone() set=|d, v| d.agent.mobile = v
                    kind=InputKind::Tel maxlength=20 width="app-input--w12" />
            </div>
            <DraftField id=field::AGENT_EMAIL name="details[agent][email]" label="常用联系邮箱"
                hint="用于接收电子发票"
                get=|d| d.agent.email.clone() set=|d, v| d.agent.email = v
                kind=InputKind::Email autocomplete="email" maxlength=254 width="app-input--w20" />
            <DraftField id=field::AGENT_POSITION name="details[agent][position]" label="职务"
                get=|d| d.agent.position.clone() set=|d, v| d.agent.position = v
                autocomplete="organization-title" maxlength=20 width="app-input--w10" />
        </fieldset>

        <fieldset class="app-fieldset" id="bank">
            <legend class="app-fieldset__legend">"金融认证信息"</legend>
            <p class="app-hint">
                "在线支付后，我们会向单位基本存款账户（基本户）转账0.01元，附言中含6位验证码，用于确认申请单位；证书PIN码也将随转账附言发送，请向单位财务人员获取。"
            </p>
            <DraftField id=field::BANK_ACCOUNT_NAME name="details[bank][account_name]" label="基本户名称"
                hint="须与机构名称一致"
                get=|d| d.bank.account_name.clone() set=|d, v| d.bank.account_name = v
                maxlength=100 width="app-input--w30" />
            <BankField id=field::BANK_NAME name="details[bank][bank_name]" label="基本户开户行"
                get=|d| d.bank.bank_name.clone() set=|d, v| d.bank.bank_name = v />
            <DraftField id=field::BANK_ACCOUNT_NUMBER name="details[bank][account_number]" label="基本户账号"
                get=|d| d.bank.account_number.clone() set=|d, v| d.bank.account_number = v
                kind=InputKind::Numeric maxlength=40 width="app-input--w20" />
        </fieldset>
    }
}

/// 申请人信息 and the applicant's own account, for a natural-person certificate.
#[component]
fn PersonSections() -> impl IntoView {
    view! {
        <fieldset class="app-fieldset" id="applicant">
            <legend class="app-fieldset__legend">"申请人信息"</legend>
            <p class="app-hint">"自然人证书签发给申请人本人，手机身份核验也由本人完成。"</p>
            <DraftField id=field::APPLICANT_NAME name="details[applicant][name]" label="姓名"
                hint="与身份证上的姓名一致"
                get=|d| d.applicant.name.clone() set=|d, v| d.applicant.name = v
                autocomplete="name" maxlength=50 width="app-input--w10" />
            <DraftField id=field::APPLICANT_ID_NUMBER name="details[applicant][id_number]" label="身份证号码"
                get=|d| d.applicant.id_number.clone() set=|d, v| d.applicant.id_number = v
                maxlength=24 width="app-input--w20" />
            <DraftField id=field::APPLICANT_MOBILE name="details[applicant][mobile]" label="手机号码"
                hint="请填写以申请人本人身份证实名登记的手机号码"
                get=|d| d.applicant.mobile.clone() set=|d, v| d.applicant.mobile = v
                kind=InputKind::Tel autocomplete="tel" maxlength=20 width="app-input--w12" />
            <DraftField id=field::APPLICANT_EMAIL name="details[applicant][email]" label="电子邮箱"
                hint="用于接收电子发票"
                get=|d| d.applicant.email.clone() set=|d, v| d.applicant.email = v
                kind=InputKind::Email autocomplete="email" maxlength=254 width="app-input--w20" />
            <RegionPicker
                legend="所在省市"
                ids=[field::APPLICANT_PROVINCE, field::APPLICANT_CITY, ""]
                names=["details[applicant][province]", "details[applicant][city]", ""]
                get=|d| [d.applicant.province.clone(), d.applicant.city.clone(), String::new()]
                set=|d, level, v| match level {
                    0 => { d.applicant.province = v; d.applicant.city.clear(); }
                    _ => d.applicant.city = v,
                }
            />
            <DraftField id=field::APPLICANT_ADDRESS name="details[applicant][address]" label="联系地址"
                hint="街道和门牌号，将印在申请表上"
                get=|d| d.applicant.address.clone() set=|d, v| d.applicant.address = v
                autocomplete="street-address" maxlength=120 width="app-input--w30" />
        </fieldset>

        <fieldset class="app-fieldset" id="applicant-bank">
            <legend class="app-fieldset__legend">"银行账户"</legend>
            <p class="app-hint">
                "用于金融认证：在线支付后，我们向这个账户转账0.01元，附言中含6位验证码，证书PIN码也随附言发送。请填写申请人本人名下的银行账户。"
            </p>
            <DraftField id=field::APPLICANT_BANK_ACCOUNT_NAME name="details[applicant_bank][account_name]" label="户名"
                hint="须与申请人姓名一致"
                get=|d| d.applicant_bank.account_name.clone() set=|d, v| d.applicant_bank.account_name = v
                maxlength=50 width="app-input--w10" />
            <BankField id=field::APPLICANT_BANK_NAME name="details[applicant_bank][bank_name]" label="开户银行"
                get=|d| d.applicant_bank.bank_name.clone() set=|d, v| d.applicant_bank.bank_name = v />
            <DraftField id=field::APPLICANT_BANK_ACCOUNT_NUMBER name="details[applicant_bank][account_number]" label="银行账号"
                hint="银行卡号或存折账号"
                get=|d| d.applicant_bank.account_number.clone() set=|d, v| d.applicant_bank.account_number = v
                kind=InputKind::Numeric maxlength=40 width="app-input--w20" />
        </fieldset>
    }
}

/// 邮寄信息 (收件信息 for a natural person, who receives it themself).
#[component]
fn ShippingSection(variant: Variant) -> impl IntoView {
    let form = expect_context::<Form>();
    let shipping_options = form.project.with_value(|p| p.shipping.clone());
    let (legend, hint) = match variant {
        Variant::Organisation => (
            "邮寄信息",
            "证书介质（CA锁）以快递寄给经办人，请填写能签收的地址。",
        ),
        Variant::NaturalPerson => (
            "收件信息",
            "证书介质（CA锁）以快递寄给申请人，请填写能签收的地址。",
        ),
    };
    view! {
        <fieldset class="app-fieldset" id="shipping">
            <legend class="app-fieldset__legend">{legend}</legend>
            <p class="app-hint">{hint}</p>
            <RegionPicker
                legend="省/市/区"
                ids=[field::SHIP_PROVINCE, field::SHIP_CITY, field::SHIP_DISTRICT]
                names=["details[shipping][province]", "details[shipping][city]", "details[shipping][district]"]
                get=|d| [d.shipping.province.clone(), d.shipping.city.clone(), d.shipping.district.clone()]
                set=|d, level, v| match level {
                    0 => { d.shipping.province = v; d.shipping.city.clear(); d.shipping.district.clear(); }
                    1 => { d.shipping.city = v; d.shipping.district.clear(); }
                    _ => d.shipping.district = v,
                }
            />
            <DraftField id=field::SHIP_ADDRESS name="details[shipping][address]" label="收件地址"
                hint="街道、门牌号、楼层和房间号"
                get=|d| d.shipping.address.clone() set=|d, v| d.shipping.address = v
                autocomplete="street-address" maxlength=120 width="app-input--w30" />
            <DraftField id=field::SHIP_POSTAL_CODE name="details[shipping][postal_code]" label="邮政编码（选填）"
                get=|d| d.shipping.postal_code.clone() set=|d, v| d.shipping.postal_code = v
                kind=InputKind::Numeric autocomplete="postal-code" maxlength=6 width="app-input--w6" />
            <fieldset class="app-fieldset app-fieldset--inner" id=field::SHIP_OPTION>
                <legend class="app-label">"邮寄方式"</legend>
                <ErrorMessage id=field::SHIP_OPTION message=form.error(field::SHIP_OPTION) />
                {shipping_options.into_iter().enumerate().map(|(i, option)| {
                    let id = format!("{}-{i}", field::SHIP_OPTION);
                    let value = option.id.clone();
                    let checked = { let value = value.clone(); move || form.draft.with(|d| d.shipping.option == value) };
                    view! {
                        <div class="app-radio">
                            <input class="app-radio__input" type="radio" id=id.clone() name="details[shipping][option]"
                                value=value.clone() checked=checked.clone() prop:checked=checked
                                on:change=move |_| { let v = value.clone(); form.edit(|d| d.shipping.option = v); } />
                            <label class="app-radio__label" for=id>{option.label}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
        </fieldset>
    }
}

/// 发票信息: whether to invoice, and to whom.
#[component]
fn InvoiceSection(variant: Variant) -> impl IntoView {
    let form = expect_context::<Form>();
    let invoice_wanted = Memo::new(move |_| form.draft.with(|d| d.invoice.wanted));
    let (sent_to, title_hint, taxpayer_hint) = match variant {
        Variant::Organisation => (
            "电子发票将发送到经办人的手机和邮箱，发票内容为\"信息技术服务*数字证书服务费\"。",
            "不填写时使用机构名称",
            "不填写时使用统一社会信用代码；政府机关可不填写",
        ),
        Variant::NaturalPerson => (
            "电子发票将发送到申请人的手机和邮箱，发票内容为\"信息技术服务*数字证书服务费\"。",
            "不填写时使用申请人姓名",
            "个人发票可不填写；需要开给单位报销时，填写单位的识别号",
        ),
    };
    view! {
        <fieldset class="app-fieldset" id="invoice">
            <legend class="app-fieldset__legend">"发票信息"</legend>
            <fieldset class="app-fieldset app-fieldset--inner">
                <legend class="app-label">"是否开票"</legend>
                {[(true, "电子发票", "invoice-wanted-yes"), (false, "不开票", "invoice-wanted-no")].into_iter().map(|(wanted, label, id)| {
                    let checked = move || invoice_wanted.get() == wanted;
                    view! {
                        <div class="app-radio">
                            <input class="app-radio__input" type="radio" id=id name="details[invoice][wanted]"
                                value=wanted.to_string() checked=checked prop:checked=checked
                                on:change=move |_| form.edit(|d| d.invoice.wanted = wanted) />
                            <label class="app-radio__label" for=id>{label}</label>
                        </div>
                    }
                }).collect_view()}
                <p class="app-hint">{sent_to}</p>
            </fieldset>
            <div class="app-conditional" class:app-hidden=move || !invoice_wanted.get()>
                <DraftField id=field::INVOICE_TITLE name="details[invoice][title]" label="发票抬头"
                    hint=title_hint
                    get=|d| d.invoice.title.clone() set=|d, v| d.invoice.title = v
                    maxlength=100 width="app-input--w30" />
                <DraftField id=field::INVOICE_TAXPAYER_ID name="details[invoice][taxpayer_id]" label="纳税人识别号"
                    hint=taxpayer_hint
                    get=|d| d.invoice.taxpayer_id.clone() set=|d, v| d.invoice.taxpayer_id = v
                    maxlength=24 width="app-input--w20" />
            </div>
        </fieldset>
    }
}

/// A text input bound to one draft field: edits go into the draft, leaving the field shows its
/// error, and the error (if any) follows every later keystroke.
#[component]
fn DraftField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    get: fn(&Draft) -> String,
    set: fn(&mut Draft, String),
    #[prop(optional)] kind: InputKind,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] width: Option<&'static str>,
) -> impl IntoView {
    let form = expect_context::<Form>();
    view! {
        <TextInput
            id=id
            name=name
            label=label
            hint=hint.map(str::to_owned).unwrap_or_default()
            value=Signal::derive(move || form.draft.with(get))
            error=form.error(id)
            kind
            autocomplete=autocomplete.unwrap_or("off")
            maxlength=maxlength.unwrap_or(100)
            width=width.unwrap_or("")
            on_input=Callback::new(move |v| form.edit(|d| set(d, v)))
            on_blur=Callback::new(move |_| form.touch(id))
        />
    }
}

/// 开户行: type a few characters of the bank's name and pick from the suggestions.
#[component]
fn BankField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    get: fn(&Draft) -> String,
    set: fn(&mut Draft, String),
) -> impl IntoView {
    let form = expect_context::<Form>();
    let query = Memo::new(move |_| form.draft.with(get));
    let suggestions = Memo::new(move |_| {
        let q = query.get();
        if q.trim().is_empty() {
            Vec::new()
        } else {
            banks::search(&q, 12)
                .into_iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
        }
    });
    view! {
        <TextInput
            id=id
            name=name
            label=label
            hint="输入银行名称中的字词（如\"工商\"）后从列表中选择，可在银行名称后补充支行名称"
            value=Signal::derive(move || query.get())
            error=form.error(id)
            autocomplete="off"
            maxlength=100
            width="app-input--w30"
            list="bank-suggestions"
            on_input=Callback::new(move |v| form.edit(|d| set(d, v)))
            on_blur=Callback::new(move |_| form.touch(id))
        />
        <datalist id="bank-suggestions">
            {move || suggestions.get().into_iter().map(|name| view! { <option value=name></option> }).collect_view()}
        </datalist>
    }
}

/// Cascading province / city (/ district) selects over the current GB/T 2260 divisions.
/// An empty id in `ids` leaves that level out. Without JavaScript, "更新下级列表" posts the
/// form so the server renders the next level's choices.
#[component]
fn RegionPicker(
    legend: &'static str,
    ids: [&'static str; 3],
    names: [&'static str; 3],
    get: fn(&Draft) -> [String; 3],
    set: fn(&mut Draft, usize, String),
) -> impl IntoView {
    let form = expect_context::<Form>();
    let levels = ids.iter().filter(|id| !id.is_empty()).count();
    let values = Memo::new(move |_| form.draft.with(get));
    let options = move |level: usize| -> Vec<(&'static str, &'static str)> {
        if level == 0 {
            regions::provinces()
        } else {
            let parent = values.with(|v| v[level - 1].clone());
            if parent.is_empty() {
                Vec::new()
            } else {
                regions::children(&parent)
            }
        }
    };
    let level_labels = ["省份", "城市", "区县"];
    let hydrated = use_hydrated();
    view! {
        <fieldset class="app-fieldset app-fieldset--inner">
            <legend class="app-label">{legend}</legend>
            <div class="app-region-picker">
                {(0..levels).map(|level| {
                    let id = ids[level];
                    view! {
                        <div class="app-form-group app-region-picker__level"
                            class:app-form-group--error=move || form.error(id).with(Option::is_some)>
                            <label class="app-label app-label--small" for=id>{level_labels[level]}</label>
                            <ErrorMessage id=id message=form.error(id) />
                            <select class="app-select" id=id name=names[level]
                                aria-invalid=move || form.error(id).with(Option::is_some).then_some("true")
                                aria-describedby=move || form.error(id).with(Option::is_some).then(|| format!("{id}-error"))
                                prop:value=move || values.with(|v| v[level].clone())
                                on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    form.edit(|d| set(d, level, v));
                                    form.touch(id);
                                }>
                                <option value="">{format!("请选择{}", level_labels[level])}</option>
                                {move || options(level).into_iter().map(|(code, name)| {
                                    let selected = values.with(|v| v[level] == code);
                                    view! { <option value=code selected=selected>{name}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    }
                }).collect_view()}
                {move || (!hydrated.get()).then(|| view! {
                    <button type="submit" name="intent" value="refresh" class="app-button app-button--secondary">
                        "更新下级列表"
                    </button>
                })}
            </div>
        </fieldset>
    }
}
