//! A quote's fee lines and total, or why there is no quote yet.

use leptos::prelude::*;

use crate::domain::quote::Quote;

/// Renders `quote`; `Err` carries the message explaining what is missing from the selection.
#[component]
pub fn QuoteTable(quote: Result<Quote, String>) -> impl IntoView {
    match quote {
        Ok(quote) => view! {
            <table class="app-quote__table">
                <caption class="app-visually-hidden">"费用明细"</caption>
                <tbody>
                    {quote.lines.into_iter().map(|line| view! {
                        <tr>
                            <th scope="row" class="app-quote__label">
                                {line.label}
                                <span class="app-quote__detail">{line.detail}</span>
                            </th>
                            <td class="app-quote__amount">{line.amount.yuan_text()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="app-quote__total">
                <span>"合计"</span>
                <strong data-testid="quote-total">{quote.total.yuan_text()} " 元"</strong>
            </p>
        }
        .into_any(),
        Err(message) => view! { <p class="app-quote__empty">{message}</p> }.into_any(),
    }
}
