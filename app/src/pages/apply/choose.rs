//! Step 1, 选择证书: who applies (an organisation, or a natural person where the project offers
//! the natural-person certificate), the org certificate and its years, the org-personal
//! certificate holders or the natural-person certificate's years, and the live fee total.

use leptos::prelude::*;

use super::Form;
use crate::api::apply::SubmitChoose;
use crate::components::form::{ErrorMessage, ErrorSummary, InputKind, TextInput, use_hydrated};
use crate::components::quote_table::QuoteTable;
use crate::domain::application;
use crate::domain::catalog::ProductKind;
use crate::domain::draft::{HolderDraft, field};
use crate::domain::quote::quote;

#[component]
pub fn ChooseStep() -> impl IntoView {
    let form = expect_context::<Form>();
    let submit = ServerAction::<SubmitChoose>::new();
    Effect::new(move |_| {
        if let Some(Ok(outcome)) = submit.value().get()
            && !outcome.errors.is_empty()
        {
            form.show_errors();
        }
    });

    let (org_terms, holder_terms, natural_terms) = form.project.with_value(|p| {
        let terms = |kind| p.product(kind).map(|product| product.terms());
        (
            terms(ProductKind::Org),
            terms(ProductKind::OrgPersonal),
            terms(ProductKind::NaturalPerson),
        )
    });
    let natural = Memo::new(move |_| form.draft.with(|d| d.certs.natural_person_years.is_some()));
    // A memo, so typing in a row does not re-render the rows (and drop the focus).
    let holder_count = Memo::new(move |_| form.draft.with(|d| d.certs.holders.len()));
    let quote = Memo::new(move |_| {
        form.draft.with(|d| {
            form.project
                .with_value(|p| quote(p, &application::selection(d)))
        })
    });

    view! {
        <h1 class="app-heading-xl">"选择证书"</h1>
        <ErrorSummary errors=form.summary() />
        <ActionForm action=submit attr:class="app-form app-form--with-aside" attr:novalidate="">
            <input type="hidden" name="project" value=form.project_id() />
            <div class="app-form__main">
                <ErrorMessage id=field::CERTS message=form.error(field::CERTS) />
                {natural_terms.clone().map(|terms| view! { <ApplicantKind terms natural /> })}
                // Hidden rather than left out, so the organisation's choices still post and
                // are kept while a natural person applies.
                <div class:app-hidden=move || natural.get()>
                {org_terms.map(|terms| view! { <OrgCert terms /> })}
                {holder_terms.map(|terms| {
                    let terms = StoredValue::new(terms);
                    view! {
                        <fieldset class="app-fieldset" id="holders">
                            <legend class="app-fieldset__legend">"机构个人证书"</legend>
                            <p class="app-hint">
                                "为单位的法定代表人、业务经理、注册执业人员等办理，每人一张，须填写持有人的姓名和身份证号码。不需要时可不添加。"
                            </p>
                            <ol class="app-holders">
                                {move || (0..holder_count.get()).map(|row| view! {
                                    <HolderRow row terms=terms.get_value() />
                                }).collect_view()}
                            </ol>
                            <button
                                type="submit"
                                name="intent"
                                value="add_holder"
                                class="app-button app-button--secondary"
                                on:click=move |ev| {
                                    // Hydrated: add the row here instead of a round trip.
                                    ev.prevent_default();
                                    form.edit(|d| d.certs.holders.push(HolderDraft::default()));
                                }
                            >
                                "添加机构个人证书"
                            </button>
                        </fieldset>
                    }
                })}
                </div>
                {natural_terms.map(|terms| view! {
                    <div class:app-hidden=move || !natural.get()>
                        <NaturalPersonCert terms />
                    </div>
                })}
                <div class="app-button-row">
                    <button type="submit" name="intent" value="next" class="app-button" disabled=move || submit.pending().get()>
                        "下一步：填写申请信息"
                    </button>
                    <button type="submit" name="intent" value="save" class="app-button app-button--secondary">
                        "保存"
                    </button>
                </div>
            </div>
            <aside class="app-form__aside" aria-labelledby="fee-heading">
                <h2 class="app-heading-m" id="fee-heading">"费用合计"</h2>
                <div aria-live="polite">
                    {move || view! { <QuoteTable quote=quote.get().map_err(|e| e.to_string()) /> }}
                </div>
            </aside>
        </ActionForm>
    }
}

/// 申请对象: an organisation's certificates or a natural-person certificate. Without
/// JavaScript, "更新" posts the choice so the page shows the matching certificates.
#[component]
fn ApplicantKind(terms: Vec<u8>, natural: Memo<bool>) -> impl IntoView {
    let form = expect_context::<Form>();
    let first_year = terms.first().copied().unwrap_or(1);
    let hydrated = use_hydrated();
    let choices = [
        (
            false,
            "applicant-kind-org",
            "单位申请",
            "以单位名义办理的机构证书等，由单位的经办人办理。",
        ),
        (
            true,
            "applicant-kind-person",
            "个人申请",
            "自然人证书，以个人身份参与交易时使用；由申请人本人办理并核验身份，不需要填写单位信息。",
        ),
    ];
    view! {
        <fieldset class="app-fieldset" id=field::APPLICANT_KIND>
            <legend class="app-fieldset__legend">"申请对象"</legend>
            {choices.into_iter().map(|(person, id, label, hint)| {
                let checked = move || natural.get() == person;
                let hint_id = format!("{id}-hint");
                view! {
                    <div class="app-radio app-radio--with-hint">
                        <input class="app-radio__input" type="radio" id=id name="natural_person"
                            value=person.to_string() checked=checked prop:checked=checked
                            aria-describedby=hint_id.clone()
                            on:change=move |_| form.edit(|d| {
                                d.certs.natural_person_years =
                                    person.then(|| d.certs.natural_person_years.unwrap_or(first_year));
                            }) />
                        <label class="app-radio__label" for=id>{label}</label>
                        <p class="app-hint app-radio__hint" id=hint_id>{hint}</p>
                    </div>
                }
            }).collect_view()}
            {move || (!hydrated.get()).then(|| view! {
                <button type="submit" name="intent" value="refresh" class="app-button app-button--secondary">
                    "更新"
                </button>
            })}
        </fieldset>
    }
}

#[component]
fn NaturalPersonCert(terms: Vec<u8>) -> impl IntoView {
    let form = expect_context::<Form>();
    let first_year = terms.first().copied().unwrap_or(1);
    let years = move || {
        form.draft
            .with(|d| d.certs.natural_person_years.unwrap_or(first_year))
    };
    let error = form.error(field::NATURAL_PERSON_YEARS);
    let hint_id = format!("{}-hint", field::NATURAL_PERSON_YEARS);
    view! {
        <fieldset class="app-fieldset">
            <legend class="app-fieldset__legend">"自然人证书"</legend>
            <p class="app-hint" id=hint_id.clone()>"签发给申请人本人，每次申请办理一张。"</p>
            <div class="app-form-group" class:app-form-group--error=move || error.with(Option::is_some)>
                <label class="app-label" for=field::NATURAL_PERSON_YEARS>"自然人证书年限"</label>
                <ErrorMessage id=field::NATURAL_PERSON_YEARS message=error />
                <select
                    class="app-select"
                    id=field::NATURAL_PERSON_YEARS
                    name="natural_person_years"
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    aria-describedby=move || {
                        let error = error.with(Option::is_some).then(|| format!("{}-error", field::NATURAL_PERSON_YEARS));
                        Some(hint_id.clone()).into_iter().chain(error).collect::<Vec<_>>().join(" ")
                    }
                    prop:value=move || years().to_string()
                    on:change=move |ev| {
                        if let Ok(y) = event_target_value(&ev).parse::<u8>() {
                            form.edit(|d| d.certs.natural_person_years = Some(y));
                        }
                    }
                >
                    {terms.into_iter().map(|y| view! {
                        <option value=y.to_string() selected=move || years() == y>{format!("{y} 年")}</option>
                    }).collect_view()}
                </select>
            </div>
        </fieldset>
    }
}

#[component]
fn OrgCert(terms: Vec<u8>) -> impl IntoView {
    let form = expect_context::<Form>();
    let enabled = move || form.draft.with(|d| d.certs.org_years.is_some());
    let years = move || form.draft.with(|d| d.certs.org_years.unwrap_or(1));
    let first_year = terms.first().copied().unwrap_or(1);
    view! {
        <fieldset class="app-fieldset">
            <legend class="app-fieldset__legend">"机构证书"</legend>
            <p class="app-hint">"代表单位本身，每个单位一张。单位已持有本平台机构证书、只为人员加办时，可取消勾选。"</p>
            <div class="app-checkbox">
                <input
                    class="app-checkbox__input"
                    type="checkbox"
                    id="org-enabled"
                    name="org_enabled"
                    value="true"
                    checked=enabled
                    prop:checked=enabled
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        form.edit(|d| d.certs.org_years = on.then_some(d.certs.org_years.unwrap_or(first_year)));
                    }
                />
                <label class="app-checkbox__label" for="org-enabled">"申请机构证书"</label>
            </div>
            <div class="app-form-group">
                <label class="app-label" for=field::ORG_YEARS>"机构证书年限"</label>
                <select
                    class="app-select"
                    id=field::ORG_YEARS
                    name="org_years"
                    prop:value=move || years().to_string()
                    on:change=move |ev| {
                        if let Ok(y) = event_target_value(&ev).parse::<u8>() {
                            form.edit(|d| d.certs.org_years = Some(y));
                        }
                    }
                >
                    {terms.into_iter().map(|y| view! {
                        <option value=y.to_string() selected=move || years() == y>{format!("{y} 年")}</option>
                    }).collect_view()}
                </select>
            </div>
        </fieldset>
    }
}

#[component]
fn HolderRow(row: usize, terms: Vec<u8>) -> impl IntoView {
    let form = expect_context::<Form>();
    let holder = move || {
        form.draft
            .with(|d| d.certs.holders.get(row).cloned().unwrap_or_default())
    };
    let name_id = field::holder(row, "name");
    let id_id = field::holder(row, "id-number");
    let mobile_id = field::holder(row, "mobile");
    let years_id = field::holder(row, "years");
    let set = move |change: fn(&mut HolderDraft, String), value: String| {
        form.edit(|d| {
            if let Some(h) = d.certs.holders.get_mut(row) {
                change(h, value);
            }
        });
    };
    view! {
        <li class="app-holders__row">
            <h3 class="app-heading-s">{format!("机构个人证书 {}", row + 1)}</h3>
            <div class="app-holders__fields">
                <TextInput
                    id=name_id.clone()
                    name=format!("holders[{row}][name]")
                    label="姓名"
                    value=Signal::derive(move || holder().name)
                    error=form.error(name_id.clone())
                    autocomplete="off"
                    maxlength=50
                    width="app-input--w10"
                    on_input=Callback::new(move |v| set(|h, v| h.name = v, v))
                    on_blur=Callback::new({ let f = name_id.clone(); move |_| form.touch(f.clone()) })
                />
                <TextInput
                    id=id_id.clone()
                    name=format!("holders[{row}][id_number]")
                    label="身份证号码"
                    value=Signal::derive(move || holder().id_number)
                    error=form.error(id_id.clone())
                    kind=InputKind::Text
                    autocomplete="off"
                    maxlength=24
                    width="app-input--w20"
                    on_input=Callback::new(move |v| set(|h, v| h.id_number = v, v))
                    on_blur=Callback::new({ let f = id_id.clone(); move |_| form.touch(f.clone()) })
                />
                <TextInput
                    id=mobile_id.clone()
                    name=format!("holders[{row}][mobile]")
                    label="手机号"
                    hint="持有人本人的手机，接收证书 PIN 码和解锁码"
                    value=Signal::derive(move || holder().mobile)
                    error=form.error(mobile_id.clone())
                    kind=InputKind::Tel
                    autocomplete="off"
                    maxlength=20
                    width="app-input--w10"
                    on_input=Callback::new(move |v| set(|h, v| h.mobile = v, v))
                    on_blur=Callback::new({ let f = mobile_id.clone(); move |_| form.touch(f.clone()) })
                />
                <div class="app-form-group">
                    <label class="app-label" for=years_id.clone()>"证书年限"</label>
                    <select
                        class="app-select"
                        id=years_id
                        name=format!("holders[{row}][years]")
                        prop:value=move || holder().years.to_string()
                        on:change=move |ev| {
                            if let Ok(y) = event_target_value(&ev).parse::<u8>() {
                                form.edit(|d| {
                                    if let Some(h) = d.certs.holders.get_mut(row) {
                                        h.years = y;
                                    }
                                });
                            }
                        }
                    >
                        {terms.into_iter().map(|y| view! {
                            <option value=y.to_string() selected=move || holder().years == y>{format!("{y} 年")}</option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <button
                type="submit"
                name="intent"
                value=format!("remove_holder:{row}")
                class="app-button app-button--link"
                aria-label=format!("删除机构个人证书 {}", row + 1)
                on:click=move |ev| {
                    ev.prevent_default();
                    form.edit(|d| {
                        if row < d.certs.holders.len() {
                            d.certs.holders.remove(row);
                        }
                    });
                }
            >
                "删除"
            </button>
        </li>
    }
}
