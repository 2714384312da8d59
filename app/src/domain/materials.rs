//! 上传资料: which scans an application needs, and which files are accepted.
//!
//! Shared with the browser, which runs the same size and type checks before it uploads; the
//! server checks again by content (magic bytes here, then a full decode in the server crate).
//!
//! ```
//! use app::domain::materials::{self, FileKind, UploadRejection};
//! assert_eq!(materials::sniff(b"%PDF-1.7\n..."), Ok(FileKind::Pdf));
//! assert_eq!(
//!     materials::sniff(b"MZ\x90\x00").unwrap_err().message(),
//!     "这不是 JPG、PNG 或 PDF 文件（看起来是 Windows 程序），请上传扫描件的 JPG、PNG 或 PDF 文件"
//! );
//! assert_eq!(UploadRejection::TooLarge.code(), "too_large");
//! ```

use serde::{Deserialize, Serialize};

use documents::DocumentKind;

use super::application::{Application, Variant};
use super::catalog::{Collect, Material, Project};
use super::file_defects::Defect;

/// The largest file accepted: 2 MB, as the seed portals allow.
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;

/// The content types accepted, for the file input's `accept` attribute.
pub const ACCEPTED_TYPES: [&str; 3] = ["image/jpeg", "image/png", "application/pdf"];

/// The widest or tallest image accepted, in pixels: a 600 dpi A3 scan is about 7000 × 9900.
pub const MAX_IMAGE_SIDE: u32 = 12_000;

/// One place on the materials page where a file goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// URL-safe: the material id, with `-<n>` for the n-th holder (`applicant_id_copy-0`).
    pub id: String,
    pub material_id: String,
    /// What to show, with the holder's name for a per-holder material.
    pub name: String,
    pub description: String,
    /// A site path to a blank form to download.
    pub template: Option<String>,
    /// The generated document to print for it, if any.
    pub document: Option<DocumentKind>,
}

/// The slot id of the bank transfer's remittance voucher (转账凭证), stored with the scans
/// but uploaded from the pay page.
pub const TRANSFER_VOUCHER: &str = "transfer_voucher";

/// The slot for the remittance voucher of a payment by corporate transfer.
pub fn transfer_voucher_slot() -> Slot {
    Slot {
        id: TRANSFER_VOUCHER.to_owned(),
        material_id: TRANSFER_VOUCHER.to_owned(),
        name: "转账凭证".to_owned(),
        description: "银行回单或网银转账成功页面的截图，须能看清付款户名、金额和附言。".to_owned(),
        template: None,
        document: None,
    }
}

/// The documents to print for `application`, in [`DocumentKind::ALL`] order. A natural person
/// applies in person and authorizes nobody, so gets no authorization letter.
pub fn documents(application: &Application) -> Vec<DocumentKind> {
    let person = application.variant() == Variant::NaturalPerson;
    DocumentKind::ALL
        .into_iter()
        .filter(|kind| !(person && *kind == DocumentKind::AuthorizationLetter))
        .collect()
}

/// The slots of `application`, in catalog order: each uploaded material that one of its
/// certificates needs, once, or once per org-personal holder for a per-holder material.
/// Materials collected on the phone have no slot.
pub fn upload_slots(project: &Project, application: &Application) -> Vec<Slot> {
    let needed = |material: &Material| {
        application
            .selection
            .certs
            .iter()
            .any(|cert| material.is_required_for(cert.kind))
    };
    let mut slots = Vec::new();
    for material in &project.materials {
        if material.collect != Collect::Upload || !needed(material) {
            continue;
        }
        let slot = |id: String, name: String| Slot {
            id,
            material_id: material.id.clone(),
            name,
            description: material.description.clone(),
            template: material.template.clone(),
            document: material.document,
        };
        if material.per_holder {
            for (i, holder) in application.holders.iter().enumerate() {
                slots.push(slot(
                    format!("{}-{i}", material.id),
                    format!("{}（{}）", material.name, holder.name),
                ));
            }
        } else {
            slots.push(slot(material.id.clone(), material.name.clone()));
        }
    }
    slots
}

/// The file types accepted, as decided by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Jpeg,
    Png,
    Pdf,
}

impl FileKind {
    /// `jpeg`, `png` or `pdf`: the stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpeg",
            FileKind::Png => "png",
            FileKind::Pdf => "pdf",
        }
    }

    pub fn parse(text: &str) -> Option<FileKind> {
        [FileKind::Jpeg, FileKind::Png, FileKind::Pdf]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Pdf => "pdf",
        }
    }
}

/// What a checked file is: its kind and size in pixels or pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspected {
    pub kind: FileKind,
    /// Images only.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// PDFs only.
    pub pages: Option<u32>,
}

/// A type people upload by mistake, recognised so the message can say what to do instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtherType {
    WindowsProgram,
    /// ZIP, and the Word/Excel/PowerPoint files that are ZIPs inside.
    ZipOrOffice,
    /// `.doc` / `.xls` from before 2007.
    LegacyOffice,
    /// RAR or 7z.
    Archive,
    Gif,
    Webp,
    /// What iPhones save photos as by default.
    Heic,
    Bmp,
    Tiff,
}

impl OtherType {
    fn label(self) -> &'static str {
        match self {
            OtherType::WindowsProgram => "Windows 程序",
            OtherType::ZipOrOffice => "压缩包或 Word、Excel 文档",
            OtherType::LegacyOffice => "Word 或 Excel 文档",
            OtherType::Archive => "压缩包",
            OtherType::Gif => "GIF 动图",
            OtherType::Webp => "WebP 图片",
            OtherType::Heic => "苹果手机的 HEIC 照片",
            OtherType::Bmp => "BMP 图片",
            OtherType::Tiff => "TIFF 图片",
        }
    }

    fn advice(self) -> &'static str {
        match self {
            OtherType::WindowsProgram | OtherType::Archive => "请上传扫描件的 JPG、PNG 或 PDF 文件",
            OtherType::ZipOrOffice | OtherType::LegacyOffice => {
                "文档请先“另存为”PDF；压缩包请解压后逐个上传扫描件"
            }
            OtherType::Heic => "请在手机“设置 > 相机 > 格式”中选“兼容性最佳”后重拍，或截图后上传",
            OtherType::Gif | OtherType::Webp | OtherType::Bmp | OtherType::Tiff => {
                "请用看图软件“另存为”JPG 或 PNG 后上传"
            }
        }
    }
}

/// Why a file was refused. [`message`](Self::message) tells the applicant what to do;
/// [`code`](Self::code) is the stable name the browser and the tests match on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum UploadRejection {
    #[error("empty file")]
    Empty,
    #[error("larger than {MAX_UPLOAD_BYTES} bytes")]
    TooLarge,
    #[error("not an accepted type ({found:?})")]
    NotAllowedType { found: Option<OtherType> },
    #[error("damaged {kind:?}")]
    Corrupt { kind: FileKind },
    #[error("encrypted PDF")]
    EncryptedPdf,
    #[error("PDF without pages")]
    NoPages,
    /// Wider or taller than [`MAX_IMAGE_SIDE`], or too large to decode: a decompression bomb
    /// or a photo far beyond what a scan needs.
    #[error("too many pixels")]
    TooManyPixels,
    /// A PDF with an absurd number of objects or a stream that inflates without end.
    #[error("PDF too complex")]
    TooComplex,
    /// Cut short, carrying a second file, or built to break a parser.
    #[error("structural defect: {0:?}")]
    Defect(Defect),
}

impl UploadRejection {
    pub fn code(&self) -> &'static str {
        match self {
            UploadRejection::Empty => "empty",
            UploadRejection::TooLarge => "too_large",
            UploadRejection::NotAllowedType { .. } => "not_allowed_type",
            UploadRejection::Corrupt { .. } => "corrupt",
            UploadRejection::EncryptedPdf => "encrypted_pdf",
            UploadRejection::NoPages => "no_pages",
            UploadRejection::TooManyPixels => "too_many_pixels",
            UploadRejection::TooComplex => "too_complex",
            UploadRejection::Defect(defect) => defect.code(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            UploadRejection::Empty => "文件是空的（0 字节），请重新选择扫描件后上传".into(),
            UploadRejection::TooLarge => {
                "文件超过 2 MB，请压缩后重新上传（扫描时选 150–300 dpi 即可看清）".into()
            }
            UploadRejection::NotAllowedType { found: None } => {
                "只能上传 JPG、PNG 或 PDF 文件，请把扫描件另存为其中一种格式后上传".into()
            }
            UploadRejection::NotAllowedType { found: Some(other) } => {
                let label = other.label();
                // A space between Chinese and a Latin word, as elsewhere in the messages.
                let gap = if label.starts_with(|c: char| c.is_ascii()) {
                    " "
                } else {
                    ""
                };
                format!(
                    "这不是 JPG、PNG 或 PDF 文件（看起来是{gap}{label}），{}",
                    other.advice()
                )
            }
            UploadRejection::Corrupt {
                kind: FileKind::Pdf,
            } => "PDF 文件已损坏或不完整，无法打开，请重新扫描或导出后上传".into(),
            UploadRejection::Corrupt { .. } => {
                "图片文件已损坏或不完整，无法打开，请重新扫描或拍照后上传".into()
            }
            UploadRejection::EncryptedPdf => {
                "PDF 设置了密码，审核人员无法打开，请去掉密码后重新上传".into()
            }
            UploadRejection::NoPages => "PDF 中没有任何页面，请重新导出扫描件后上传".into(),
            UploadRejection::TooManyPixels => {
                format!("图片尺寸过大（超过 {MAX_IMAGE_SIDE} 像素或无法展开），请缩小后重新上传")
            }
            UploadRejection::TooComplex => {
                "PDF 结构过于复杂，无法检查，请直接扫描成 PDF 或改传 JPG 图片".into()
            }
            UploadRejection::Defect(defect) => defect.message(),
        }
    }
}

/// The kind by the first bytes alone: what the browser checks before uploading and the server
/// before decoding. Refuses empty and oversized files too, so one call covers the cheap checks.
pub fn sniff(bytes: &[u8]) -> Result<FileKind, UploadRejection> {
    if bytes.is_empty() {
        return Err(UploadRejection::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadRejection::TooLarge);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(FileKind::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(FileKind::Png);
    }
    // Readers accept the header anywhere in the first 1024 bytes (some scanners write junk
    // before it); the parser finds it there too.
    if bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
    {
        return Ok(FileKind::Pdf);
    }
    Err(UploadRejection::NotAllowedType {
        found: other_type(bytes),
    })
}

fn other_type(bytes: &[u8]) -> Option<OtherType> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    Some(if starts(b"MZ") {
        OtherType::WindowsProgram
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        OtherType::ZipOrOffice
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        OtherType::LegacyOffice
    } else if starts(b"Rar!\x1a\x07") || starts(b"7z\xbc\xaf\x27\x1c") {
        OtherType::Archive
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        OtherType::Gif
    } else if starts(b"RIFF") && at(8, b"WEBP") {
        OtherType::Webp
    } else if at(4, b"ftyp")
        && ["heic", "heix", "mif1", "msf1", "hevc"]
            .iter()
            .any(|b| at(8, b.as_bytes()))
    {
        OtherType::Heic
    } else if starts(b"BM") {
        OtherType::Bmp
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        OtherType::Tiff
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application;
    use crate::domain::catalog::ProductKind;
    use crate::domain::draft::Draft;
    use crate::domain::fixtures::{application, id, soetp};
    use time::macros::date;

    /// A valid natural-person application (synthetic data) on `project`.
    fn natural_person(project: &Project) -> Application {
        let mut d = Draft::default();
        d.certs.natural_person_years = Some(1);
        d.applicant.name = "刘洋".into();
        d.applicant.id_number = id("43010219880808123");
        d.applicant.mobile = "13712345678".into();
        d.applicant.email = "liu@example.com".into();
        d.applicant.province = "430000".into();
        d.applicant.city = "430100".into();
        d.applicant.address = "芙蓉区五一大道1号".into();
        d.applicant_bank.account_name = "刘洋".into();
        d.applicant_bank.bank_name = "中国建设银行".into();
        d.applicant_bank.account_number = "6217002870012345678".into();
        d.shipping.province = "430000".into();
        d.shipping.city = "430100".into();
        d.shipping.district = "430102".into();
        d.shipping.address = "芙蓉区五一大道1号".into();
        d.shipping.option = project.shipping[0].id.clone();
        application::validate(&d, project, date!(2025 - 06 - 01)).expect("valid test draft")
    }

    fn ids(slots: &[Slot]) -> Vec<&str> {
        slots.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn an_org_certificate_alone_needs_the_common_scans() {
        let slots = upload_slots(&soetp(), &application(true, &[]));
        assert_eq!(
            ids(&slots),
            ["authorization_letter", "business_license", "seal_form"]
        );
        assert_eq!(slots[1].name, "营业执照扫描件");
        assert_eq!(slots[1].material_id, "business_license");
        assert!(slots[1].description.contains("营业执照"));
    }

    #[test]
    fn a_natural_person_uploads_the_form_and_the_seal_sheet_and_shows_the_id_on_the_phone() {
        for id in ["hnsggzy", "ccgp-liaoning"] {
            let project = crate::domain::catalog::repo_project(id);
            let application = natural_person(&project);
            let slots = upload_slots(&project, &application);
            assert_eq!(ids(&slots), ["application_form", "seal_form"], "{id}");
            assert_eq!(
                slots.iter().map(|s| s.document).collect::<Vec<_>>(),
                [
                    Some(DocumentKind::ApplicationForm),
                    Some(DocumentKind::SealSheet)
                ]
            );
            let identity = project
                .materials
                .iter()
                .find(|m| m.id == "applicant_identity")
                .unwrap();
            assert_eq!(identity.collect, Collect::Phone, "{id}");
            assert!(identity.is_required_for(ProductKind::NaturalPerson));
            assert_eq!(
                documents(&application),
                [DocumentKind::ApplicationForm, DocumentKind::SealSheet]
            );
        }
        // The organisation's own certificate on the same project needs its licence.
        let project = crate::domain::catalog::repo_project("hnsggzy");
        let mut org = application(true, &[]);
        org.selection.shipping = Some("post".into());
        assert_eq!(
            ids(&upload_slots(&project, &org)),
            ["application_form", "business_license", "seal_form"]
        );
        assert_eq!(documents(&org), DocumentKind::ALL);
    }

    #[test]
    fn each_holder_gets_an_id_copy_slot_with_their_name() {
        let slots = upload_slots(&soetp(), &application(true, &["王喆", "赵敏"]));
        assert_eq!(
            ids(&slots),
            [
                "authorization_letter",
                "business_license",
                "applicant_id_copy-0",
                "applicant_id_copy-1",
                "seal_form"
            ]
        );
        assert_eq!(slots[2].name, "申请人身份证复印件（王喆）");
        assert_eq!(slots[3].name, "申请人身份证复印件（赵敏）");
        assert_eq!(slots[3].material_id, "applicant_id_copy");
    }

    #[test]
    fn holders_without_the_org_certificate_still_need_everything_for_everyone() {
        let slots = upload_slots(&soetp(), &application(false, &["王喆"]));
        assert_eq!(
            ids(&slots),
            [
                "authorization_letter",
                "business_license",
                "applicant_id_copy-0",
                "seal_form"
            ]
        );
    }

    #[test]
    fn phone_materials_and_unneeded_materials_have_no_slot() {
        let project = soetp();
        let agent = project
            .materials
            .iter()
            .find(|m| m.id == "agent_identity")
            .unwrap();
        assert_eq!(agent.collect, Collect::Phone);
        let mut project = project.clone();
        project.materials[1].required_for = vec![ProductKind::NaturalPerson];
        project.materials[1].template = Some("/templates/licence.pdf".into());
        let slots = upload_slots(&project, &application(true, &[]));
        assert_eq!(ids(&slots), ["authorization_letter", "seal_form"]);
    }

    #[test]
    fn slot_ids_are_url_safe_and_templates_carry_over() {
        let mut project = soetp();
        project.materials[4].template = Some("/templates/seal.pdf".into());
        let slots = upload_slots(&project, &application(true, &["王喆"]));
        for slot in &slots {
            assert!(
                slot.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-".contains(&b)),
                "{}",
                slot.id
            );
        }
        assert_eq!(
            slots.last().unwrap().template.as_deref(),
            Some("/templates/seal.pdf")
        );
    }

    #[test]
    fn collect_defaults_to_upload_and_reads_lowercase() {
        #[derive(Deserialize)]
        struct M {
            #[serde(default)]
            collect: Collect,
        }
        assert_eq!(toml::from_str::<M>("").unwrap().collect, Collect::Upload);
        assert_eq!(
            toml::from_str::<M>(r#"collect = "phone""#).unwrap().collect,
            Collect::Phone
        );
        assert!(toml::from_str::<M>(r#"collect = "Phone""#).is_err());
    }

    #[test]
    fn sniff_decides_by_magic_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(FileKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Ok(FileKind::Png));
        assert_eq!(sniff(b"%PDF-1.4"), Ok(FileKind::Pdf));
        assert_eq!(sniff(b"\r\n%%junk\r\n%PDF-1.4"), Ok(FileKind::Pdf));
        assert_eq!(sniff(b""), Err(UploadRejection::Empty));
        assert_eq!(
            sniff(&vec![0xFF; MAX_UPLOAD_BYTES + 1]),
            Err(UploadRejection::TooLarge)
        );
        let other = |bytes: &[u8]| match sniff(bytes) {
            Err(UploadRejection::NotAllowedType { found }) => found,
            outcome => panic!("{outcome:?}"),
        };
        assert_eq!(other(b"MZ\x90\0"), Some(OtherType::WindowsProgram));
        assert_eq!(other(b"PK\x03\x04\x14\0"), Some(OtherType::ZipOrOffice));
        assert_eq!(other(b"GIF89a\x01\0"), Some(OtherType::Gif));
        assert_eq!(other(b"RIFF\x10\0\0\0WEBPVP8 "), Some(OtherType::Webp));
        assert_eq!(other(b"\0\0\0\x18ftypheic\0\0"), Some(OtherType::Heic));
        assert_eq!(other(b"BM\x36\0"), Some(OtherType::Bmp));
        assert_eq!(other(b"II*\0\x08\0"), Some(OtherType::Tiff));
        assert_eq!(other(b"hello"), None);
    }

    #[test]
    fn every_rejection_has_a_code_and_a_message_that_says_what_to_do() {
        let all = [
            UploadRejection::Empty,
            UploadRejection::TooLarge,
            UploadRejection::NotAllowedType { found: None },
            UploadRejection::NotAllowedType {
                found: Some(OtherType::Heic),
            },
            UploadRejection::Corrupt {
                kind: FileKind::Png,
            },
            UploadRejection::Corrupt {
                kind: FileKind::Pdf,
            },
            UploadRejection::EncryptedPdf,
            UploadRejection::NoPages,
            UploadRejection::TooManyPixels,
            UploadRejection::TooComplex,
        ];
        for rejection in all {
            let message = rejection.message();
            assert!(message.contains('请'), "{message}");
            assert!(!rejection.code().is_empty());
        }
        assert_eq!(
            UploadRejection::TooLarge.message(),
            "文件超过 2 MB，请压缩后重新上传（扫描时选 150–300 dpi 即可看清）"
        );
        assert_eq!(
            UploadRejection::EncryptedPdf.message(),
            "PDF 设置了密码，审核人员无法打开，请去掉密码后重新上传"
        );
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in [FileKind::Jpeg, FileKind::Png, FileKind::Pdf] {
            assert_eq!(FileKind::parse(kind.as_str()), Some(kind));
            assert!(ACCEPTED_TYPES.contains(&kind.mime()));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
        assert_eq!(FileKind::parse("gif"), None);
    }
}
