//! The uploaded scans, previewed in place.

use leptos::prelude::*;

use crate::http::console::{Detail, china_time};

pub(super) fn file_preview(number: &str, slot: &str, name: &str, kind: &str) -> AnyView {
    let src = format!("/console/applications/{number}/materials/{slot}");
    let name = name.to_owned();
    if kind == "pdf" {
        let frame = src.clone();
        view! {
            <iframe class="c-preview c-preview--pdf" src=frame title=format!("{name}（PDF）")></iframe>
            <p><a href=src target="_blank" rel="noopener">"在新窗口打开 PDF"</a></p>
        }
        .into_any()
    } else {
        let href = src.clone();
        view! {
            <a href=href target="_blank" rel="noopener" class="c-preview-link">
                <img class="c-preview" src=src alt=format!("{name}的扫描件") loading="lazy" />
            </a>
        }
        .into_any()
    }
}

pub(super) fn size_text(size: u64) -> String {
    if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", size.div_ceil(1024))
    }
}

pub(super) fn materials(detail: &Detail) -> AnyView {
    if detail.slots.is_empty() {
        return view! { <p>"这个项目不需要上传材料。"</p> }.into_any();
    }
    detail
        .slots
        .iter()
        .map(|slot| {
            let uploaded = detail.uploaded.iter().find(|m| m.slot == slot.id);
            let flag = detail
                .order
                .flags
                .iter()
                .find(|f| f.item.code() == format!("material:{}", slot.id))
                .map(|f| {
                    let text = format!(
                        "上次驳回：{}{}",
                        f.reason,
                        if f.fixed_at.is_some() {
                            "（申请人已重新上传）"
                        } else {
                            ""
                        }
                    );
                    view! { <p class="c-flagged">{text}</p> }
                });
            let body = match uploaded {
                Some(file) => {
                    let shape = match (file.width, file.height, file.pages) {
                        (_, _, Some(pages)) => format!("{pages} 页"),
                        (Some(w), Some(h), _) => format!("{w} × {h}"),
                        _ => String::new(),
                    };
                    let meta = format!(
                        "{} · {} · {} · {} · 上传于 {}",
                        file.file_name,
                        file.kind.to_uppercase(),
                        size_text(file.size),
                        shape,
                        china_time(&file.uploaded_at)
                    );
                    view! {
                        <p class="c-sub">{meta}</p>
                        {file_preview(&detail.number, &slot.id, &slot.name, &file.kind)}
                    }
                    .into_any()
                }
                None => view! { <p class="c-flagged">"未上传"</p> }.into_any(),
            };
            let name = slot.name.clone();
            view! {
                <figure class="c-material">
                    <figcaption class="c-material__name">{name}</figcaption>
                    {flag}
                    {body}
                </figure>
            }
        })
        .collect_view()
        .into_any()
}
