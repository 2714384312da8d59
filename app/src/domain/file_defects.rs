//! What can be wrong with an upload's structure, short of it being a plain damaged file: cut
//! short, carrying a second file, or built to make a parser recurse, allocate or compute far
//! beyond what its size suggests. Each has its own message, so an applicant who sent such a
//! file by accident learns what to do. The limits sit far above anything a scanner, a phone or
//! "print to PDF" writes.
//!
//! ```
//! use app::domain::file_defects::Defect;
//! use app::domain::materials::FileKind;
//! assert_eq!(Defect::Truncated(FileKind::Png).code(), "truncated");
//! assert_eq!(
//!     Defect::Truncated(FileKind::Pdf).message(),
//!     "PDF 文件不完整（结尾缺失），可能没有保存或下载完整，请重新导出后上传"
//! );
//! ```

use serde::{Deserialize, Serialize};

use super::materials::FileKind;

/// Arrays and dictionaries inside one another in a PDF: real files stay under ten.
pub const MAX_PDF_NESTING: usize = 32;
/// Levels of a PDF's page tree: balanced trees of a million pages are six deep.
pub const MAX_PAGE_TREE_DEPTH: usize = 32;
/// Scans in one JPEG: a progressive encoder writes about ten. Each scan makes the decoder pass
/// over the whole image again.
pub const MAX_JPEG_SCANS: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Defect {
    /// The format's end marker is missing: the file was cut short.
    Truncated(FileKind),
    /// More follows the format's end (or comes before a PDF's header) than padding: a second
    /// file, such as a ZIP archive, that another program would open.
    HiddenData(FileKind),
    /// A cross-reference stream declares field widths or counts no real file uses.
    PdfXref,
    /// Arrays or dictionaries nested deeper than [`MAX_PDF_NESTING`].
    PdfNesting,
    /// A page tree deeper than [`MAX_PAGE_TREE_DEPTH`], or one that loops back on itself.
    PdfPageTree,
    /// A JPEG with more than [`MAX_JPEG_SCANS`] scans.
    JpegScans,
}

impl Defect {
    pub fn code(self) -> &'static str {
        match self {
            Defect::Truncated(_) => "truncated",
            Defect::HiddenData(_) => "hidden_data",
            Defect::PdfXref => "pdf_xref",
            Defect::PdfNesting => "pdf_nesting",
            Defect::PdfPageTree => "pdf_page_tree",
            Defect::JpegScans => "jpeg_scans",
        }
    }

    pub fn message(self) -> String {
        const REMAKE_PDF: &str = "请用扫描软件或“打印为 PDF”重新生成后上传";
        match self {
            Defect::Truncated(kind) => format!(
                "{}不完整（结尾缺失），可能没有保存或下载完整，请重新导出后上传",
                label(kind)
            ),
            Defect::HiddenData(kind) => format!(
                "{}的内容结束后还夹带了其他数据（例如压缩包、视频或其他文件），为安全起见不能接收，\
                 请用扫描或看图软件重新另存后上传",
                label(kind)
            ),
            Defect::PdfXref => {
                format!("PDF 的交叉引用表（文件索引）数值异常，无法安全打开，{REMAKE_PDF}")
            }
            Defect::PdfNesting => format!(
                "PDF 内部的数据嵌套超过 {MAX_PDF_NESTING} 层，不是正常扫描件的结构，{REMAKE_PDF}"
            ),
            Defect::PdfPageTree => format!(
                "PDF 的页面目录超过 {MAX_PAGE_TREE_DEPTH} 层或首尾相连，无法确定页数，{REMAKE_PDF}"
            ),
            Defect::JpegScans => format!(
                "JPG 图片包含超过 {MAX_JPEG_SCANS} 个扫描段，展开要耗费大量计算，\
                 请用看图软件另存为普通 JPG 后上传"
            ),
        }
    }
}

fn label(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Jpeg => "JPG 图片",
        FileKind::Png => "PNG 图片",
        FileKind::Pdf => "PDF 文件",
    }
}
