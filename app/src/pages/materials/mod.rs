//! `/p/:project/applications/:number/materials`: print the pre-filled documents, stamp them,
//! and upload the scans, one slot per material the project asks for.
//!
//! Everything works as plain links and multipart forms; once hydrated, documents render in
//! the browser and uploads show progress without leaving the page.

mod print;
pub mod upload_slot;

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::materials::{MaterialsPage, load_materials_page};
use crate::components::application_page;
use crate::paths::{Mount, use_mount};

/// Split into its own wasm chunk like the form: upload and print code loads only here.
#[derive(Clone)]
pub struct MaterialsRoute {
    page: Resource<Result<Option<MaterialsPage>, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for MaterialsRoute {
    fn data() -> Self {
        Self {
            page: application_page::load(load_materials_page),
        }
    }

    fn view(this: Self) -> AnyView {
        application_page::show("打印并上传资料", this.page, |page| {
            view! { <MaterialsView page /> }.into_any()
        })
    }
}

#[component]
fn MaterialsView(page: MaterialsPage) -> impl IntoView {
    let base = Mount::Site.materials_page(&page.project_id, &page.number);
    let uploaded: Vec<_> = page
        .slots
        .iter()
        .map(|slot| {
            let file = page.uploaded.iter().find(|m| m.slot == slot.id).cloned();
            (slot.clone(), RwSignal::new(file))
        })
        .collect();
    let signals: Vec<_> = uploaded.iter().map(|(_, s)| *s).collect();
    let total = signals.len();
    let done = Memo::new(move |_| signals.iter().filter(|s| s.with(Option::is_some)).count());
    let hydrated = crate::components::form::use_hydrated();
    let flash = page.flash.clone();
    let identity = use_mount().identity_page(&page.project_id, &page.number);
    let pay = use_mount().pay_page(&page.project_id, &page.number);
    let role = page.identity_role.label();

    view! {
        <div class="app-width app-page app-materials-page" data-hydrated=move || hydrated.get().then_some("true")>
            <p class="app-caption">{page.project_name.clone()} " · 申请编号 " {page.number.clone()}</p>
            <h1 class="app-heading-l">"打印并上传资料"</h1>
            {flash.map(|f| {
                let class = if f.ok { "app-notice app-notice--success" } else { "app-notice app-notice--error" };
                let role = if f.ok { "status" } else { "alert" };
                view! { <div class=class role=role><p>{f.message}</p></div> }
            })}
            <p class="app-lead">"先打印系统按您的申请生成的文件，签字盖章后扫描或拍照，再在下方逐项上传。每个文件可为 JPG、PNG 或 PDF，不超过 2 MB；手机照片会自动压缩。"</p>

            <section class="app-section" aria-labelledby="print-title">
                <h2 class="app-heading-m" id="print-title">"第一步：打印文件"</h2>
                <ul class="app-documents">
                    {page.documents.iter().map(|doc| view! {
                        <print::DocumentItem
                            project=page.project_id.clone()
                            number=page.number.clone()
                            doc=doc.clone()
                        />
                    }).collect_view()}
                </ul>
            </section>

            <section class="app-section" aria-labelledby="upload-title">
                <h2 class="app-heading-m" id="upload-title">"第二步：上传扫描件"</h2>
                <p class="app-progress-text" role="status" aria-live="polite">
                    {move || format!("已上传 {} / {} 项", done.get(), total)}
                </p>
                {(page.editable.len() < total).then(|| view! {
                    <p class="app-inset">{if page.flagged.is_empty() {
                        "申请已进入审核，资料不能再修改。"
                    } else {
                        "请按审核意见重新上传标出的资料，其他资料不需要改动。"
                    }}</p>
                })}
                {uploaded.into_iter().map(|(slot, file)| {
                    let editable = page.editable.contains(&slot.id);
                    let flag = page.flagged.iter().find(|(s, _)| *s == slot.id).map(|(_, r)| r.clone());
                    view! { <upload_slot::SlotCard base=base.clone() spec=slot file editable flag /> }
                }).collect_view()}
            </section>

            <section class="app-section" aria-labelledby="next-title">
                <h2 class="app-heading-m" id="next-title">"接下来"</h2>
                {move || if done.get() == total {
                    view! { <p class="app-notice app-notice--success">{format!("资料已齐全。下一步请{role}用手机完成身份核验，然后在线缴费；我们会以短信通知审核进展。")}</p> }.into_any()
                } else {
                    view! { <p>{format!("全部资料上传后，请{role}用手机完成身份核验并缴费。资料会随时保存，可以分几次上传。")}</p> }.into_any()
                }}
                {if page.editable.len() == total {
                    view! {
                        <a class="app-button" href=identity>"下一步：手机身份认证"</a>
                        <p>
                            "已在手机上完成身份认证？"
                            <a href=pay>"直接去支付"</a>
                            "（支付页会列出尚未完成的事项）"
                        </p>
                    }.into_any()
                } else {
                    let order = crate::pages::orders::order_path(use_mount(), &page.project_id, &page.number);
                    view! { <a class="app-button" href=order>"返回申请详情"</a> }.into_any()
                }}
            </section>
        </div>
    }
}
