//! The live fee calculator (费用试算): pick certificates and years, see every fee line and the total.
//!
//! The quote comes from `domain::quote`, the same function the server charges with, so the
//! figure shown is the figure paid. The initial selection is rendered on the server, so the
//! total is right before the wasm arrives; after hydration every change updates it at once.

use leptos::prelude::*;

use crate::components::quote_table::QuoteTable;
use crate::domain::catalog::{Product, ProductKind, Project, ShippingOption};
use crate::domain::quote::{CertChoice, Quote, QuoteError, Selection, quote};

/// One org-personal certificate row; `key` keeps a row's identity when others are removed.
#[derive(Clone, Copy)]
struct PersonalRow {
    key: u32,
    years: RwSignal<u8>,
}

#[component]
pub fn FeeCalculator(project: Project) -> impl IntoView {
    let org = project.product(ProductKind::Org).cloned();
    let personal = project.product(ProductKind::OrgPersonal).cloned();
    let natural = project.product(ProductKind::NaturalPerson).cloned();

    // Start from the usual first application: the org cert if offered, else a natural-person one.
    let org_years = RwSignal::new(org.as_ref().map(|p| p.years.min));
    let natural_years = RwSignal::new(match (&org, &natural) {
        (None, Some(p)) => Some(p.years.min),
        _ => None,
    });
    let personal_rows = RwSignal::new(Vec::<PersonalRow>::new());
    let next_key = StoredValue::new(0u32);

    // Delivery can change the total (a prepaid fee): starts at the first option, as new drafts do.
    let shipping = RwSignal::new(project.shipping.first().map(|option| option.id.clone()));
    let shipping_options = project.shipping.clone();
    let project = StoredValue::new(project);
    let result = Memo::new(move |_| {
        let mut certs = Vec::new();
        if let Some(years) = org_years.get() {
            certs.push(CertChoice {
                kind: ProductKind::Org,
                years,
            });
        }
        for row in personal_rows.get() {
            certs.push(CertChoice {
                kind: ProductKind::OrgPersonal,
                years: row.years.get(),
            });
        }
        if let Some(years) = natural_years.get() {
            certs.push(CertChoice {
                kind: ProductKind::NaturalPerson,
                years,
            });
        }
        let selection = Selection {
            certs,
            shipping: shipping.get(),
        };
        project.with_value(|p| quote(p, &selection))
    });

    // Effects run only in the browser: tests and styles can tell a hydrated calculator.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let add_personal = move |_| {
        let Some(product) = project.with_value(|p| p.product(ProductKind::OrgPersonal).cloned())
        else {
            return;
        };
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        personal_rows.update(|rows| {
            rows.push(PersonalRow {
                key,
                years: RwSignal::new(product.years.min),
            })
        });
    };

    view! {
        <div class="app-calc" data-hydrated=move || hydrated.get().then_some("true")>
            <h2 class="app-heading-m" id="calc-heading">"费用试算"</h2>
            <p class="app-hint">"选择要办理的证书和年限，费用随选择即时更新。"</p>

            {org.map(|product| view! {
                <SingleCert product years=org_years />
            })}
            {natural.map(|product| view! {
                <SingleCert product years=natural_years />
            })}

            {personal.map(|product| {
                let name = product.kind.label();
                view! {
                    <fieldset class="app-calc__group">
                        <legend class="app-calc__legend">{name}</legend>
                        <p class="app-hint">"为法定代表人、业务经办等人员办理，每人一张。"</p>
                        <ul class="app-calc__rows">
                            <For each=move || personal_rows.get() key=|row| row.key let:row>
                                <PersonalCertRow
                                    product=product.clone()
                                    row
                                    rows=personal_rows
                                />
                            </For>
                        </ul>
                        <button type="button" class="app-button app-button--secondary" on:click=add_personal>
                            {format!("添加{name}")}
                        </button>
                    </fieldset>
                }
            })}

            // One option needs no choice; several (prepaid zones, collect) are picked here.
            {(shipping_options.len() > 1).then(|| view! {
                <ShippingSelect options=shipping_options shipping />
            })}

            <QuoteView result />
        </div>
    }
}

#[component]
fn ShippingSelect(
    options: Vec<ShippingOption>,
    shipping: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="app-calc__group">
            <label class="app-calc__label" for="calc-shipping">"邮寄方式"</label>
            <select
                class="app-select app-calc__select"
                id="calc-shipping"
                prop:value=move || shipping.get().unwrap_or_default()
                on:change=move |ev| shipping.set(Some(event_target_value(&ev)))
            >
                {options.into_iter().map(|option| {
                    let id = option.id.clone();
                    view! {
                        <option
                            value=option.id
                            selected=move || shipping.with(|s| s.as_deref() == Some(id.as_str()))
                        >
                            {option.label}
                        </option>
                    }
                }).collect_view()}
            </select>
        </div>
    }
}

/// A certificate that is applied for once: a checkbox and a years picker.
#[component]
fn SingleCert(product: Product, years: RwSignal<Option<u8>>) -> impl IntoView {
    let id = format!("calc-{}", kind_slug(product.kind));
    let years_id = format!("{id}-years");
    let min = product.years.min;
    view! {
        <fieldset class="app-calc__group">
            <legend class="app-calc__legend">{product.kind.label()}</legend>
            <div class="app-checkbox">
                <input
                    class="app-checkbox__input"
                    type="checkbox"
                    id=id.clone()
                    prop:checked=move || years.get().is_some()
                    on:change=move |ev| {
                        years.set(event_target_checked(&ev).then_some(min));
                    }
                />
                <label class="app-checkbox__label" for=id>{format!("申请{}", product.kind.label())}</label>
            </div>
            <YearsSelect
                id=years_id
                label=format!("{}年限", product.kind.label())
                product=product.clone()
                value=Signal::derive(move || years.get().unwrap_or(min))
                disabled=Signal::derive(move || years.get().is_none())
                on_pick=Callback::new(move |y| years.set(Some(y)))
            />
        </fieldset>
    }
}

#[component]
fn PersonalCertRow(
    product: Product,
    row: PersonalRow,
    rows: RwSignal<Vec<PersonalRow>>,
) -> impl IntoView {
    let number = move || {
        rows.with(|rows| {
            rows.iter()
                .position(|r| r.key == row.key)
                .map_or(0, |i| i + 1)
        })
    };
    let name = product.kind.label();
    let label = move || format!("{name} {} 年限", number());
    let remove_label = move || format!("删除{name} {}", number());
    let years = row.years;
    view! {
        <li class="app-calc__row">
            <YearsSelect
                id=format!("calc-personal-{}-years", row.key)
                label=Signal::derive(label)
                product
                value=Signal::derive(move || years.get())
                disabled=Signal::derive(|| false)
                on_pick=Callback::new(move |y| years.set(y))
            />
            <button
                type="button"
                class="app-button app-button--link"
                aria-label=remove_label
                on:click=move |_| rows.update(|rows| rows.retain(|r| r.key != row.key))
            >
                "删除"
            </button>
        </li>
    }
}

#[component]
fn YearsSelect(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<String>,
    product: Product,
    value: Signal<u8>,
    disabled: Signal<bool>,
    on_pick: Callback<u8>,
) -> impl IntoView {
    view! {
        <div class="app-field app-field--inline">
            <label class="app-label" for=id.clone()>{move || label.get()}</label>
            <select
                class="app-select"
                id=id
                prop:value=move || value.get().to_string()
                disabled=move || disabled.get()
                on:change=move |ev| {
                    if let Ok(years) = event_target_value(&ev).parse::<u8>() {
                        on_pick.run(years);
                    }
                }
            >
                {product.terms().into_iter().map(|y| view! {
                    <option value=y.to_string() selected=move || value.get() == y>{format!("{y} 年")}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn QuoteView(result: Memo<Result<Quote, QuoteError>>) -> impl IntoView {
    view! {
        <div class="app-quote" aria-live="polite">
            {move || view! { <QuoteTable quote=result.get().map_err(|e| e.to_string()) /> }}
        </div>
    }
}

fn kind_slug(kind: ProductKind) -> &'static str {
    match kind {
        ProductKind::Org => "org",
        ProductKind::OrgPersonal => "org-personal",
        ProductKind::NaturalPerson => "natural-person",
    }
}
