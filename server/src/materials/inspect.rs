//! Deciding what an uploaded file is by its content: magic bytes first (shared with the
//! browser, [`sniff`]), then its structure ([`layout`], [`pdf_prescan`]), then a full decode,
//! so a renamed program, a damaged or cut-short scan, a file with another hidden behind it, a
//! password-protected PDF or a decompression bomb is refused before anything is stored.
//!
//! CPU-bound: run it in the [`crate::heavy`] pool. A scan takes milliseconds; the largest image
//! accepted, decoded in full, a few seconds of one core.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use app::domain::materials::{FileKind, Inspected, MAX_IMAGE_SIDE, UploadRejection, sniff};
use image::io::{Limits, Reader};
use image::{ImageError, ImageFormat};
use lopdf::{DecompressError, Document, LoadOptions};

use super::pdf_prescan::prescan;
use super::pdf_streams::{MAX_PDF_OBJECTS, MAX_PDF_STREAM_BYTES};
use super::{layout, pdf_pages};

/// The most memory one decoded image may take: 128 MiB, a 600 dpi A4 colour scan (7016 ×
/// 4960, 104 MB) plus room. A PNG bomb (a few KB declaring 50000 × 50000 pixels) fails this
/// check before any pixel is allocated. Decoding a JPEG takes up to three times this (its
/// colour planes beside the image), so a worker of the CPU pool needs at most about 400 MiB.
pub const MAX_DECODED_BYTES: u64 = 128 * 1024 * 1024;

pub fn inspect(bytes: &[u8]) -> Result<Inspected, UploadRejection> {
    let kind = sniff(bytes)?;
    // The parsers are well tested, but a panic on hostile input must refuse the file, not
    // take the request down.
    catch_unwind(AssertUnwindSafe(|| {
        layout::check(kind, bytes)?;
        match kind {
            FileKind::Jpeg => image(bytes, ImageFormat::Jpeg, kind),
            FileKind::Png => image(bytes, ImageFormat::Png, kind),
            FileKind::Pdf => pdf(bytes),
        }
    }))
    .unwrap_or(Err(UploadRejection::Corrupt { kind }))
}

fn image(bytes: &[u8], format: ImageFormat, kind: FileKind) -> Result<Inspected, UploadRejection> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    let mut reader = Reader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    // Decoding every pixel is what proves the file whole: a damaged scan fails here.
    let image = reader.decode().map_err(|error| match error {
        ImageError::Limits(_) => UploadRejection::TooManyPixels,
        _ => UploadRejection::Corrupt { kind },
    })?;
    Ok(Inspected {
        kind,
        width: Some(image.width()),
        height: Some(image.height()),
        pages: None,
    })
}

fn pdf(bytes: &[u8]) -> Result<Inspected, UploadRejection> {
    let corrupt = UploadRejection::Corrupt {
        kind: FileKind::Pdf,
    };
    prescan(bytes)?;
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_PDF_STREAM_BYTES),
        ..LoadOptions::default()
    };
    let document =
        Document::load_mem_with_options(bytes, options).map_err(|error| match error {
            lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. }) => {
                UploadRejection::TooComplex
            }
            lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_) => {
                UploadRejection::EncryptedPdf
            }
            _ => corrupt,
        })?;
    // A PDF that opens without a password is decrypted on load (`was_encrypted`); one that
    // needs a password keeps its /Encrypt entry. Either way reviewers cannot rely on it.
    if document.trailer.get(b"Encrypt").is_ok() || document.was_encrypted() {
        return Err(UploadRejection::EncryptedPdf);
    }
    if document.objects.len() > MAX_PDF_OBJECTS {
        return Err(UploadRejection::TooComplex);
    }
    let pages = pdf_pages::count(&document)?;
    if pages == 0 {
        return Err(UploadRejection::NoPages);
    }
    Ok(Inspected {
        kind: FileKind::Pdf,
        width: None,
        height: None,
        pages: Some(u32::try_from(pages).map_err(|_| UploadRejection::TooComplex)?),
    })
}

#[cfg(test)]
#[path = "../../tests/suite/fixtures/mod.rs"]
mod fixtures;

#[cfg(test)]
mod tests {
    use app::domain::file_defects::Defect;

    use crate::materials::pdf_prescan::MAX_PDF_OBJECT_STREAMS;

    use super::*;

    #[test]
    fn real_images_report_their_size() {
        assert_eq!(
            inspect(&fixtures::jpeg(40, 30)),
            Ok(Inspected {
                kind: FileKind::Jpeg,
                width: Some(40),
                height: Some(30),
                pages: None
            })
        );
        let png = inspect(&fixtures::png(7, 9)).unwrap();
        assert_eq!(
            (png.kind, png.width, png.height),
            (FileKind::Png, Some(7), Some(9))
        );
    }

    #[test]
    fn a_pdf_reports_its_pages() {
        assert_eq!(
            inspect(&fixtures::pdf(3)),
            Ok(Inspected {
                kind: FileKind::Pdf,
                width: None,
                height: None,
                pages: Some(3)
            })
        );
        assert_eq!(inspect(&fixtures::pdf(0)), Err(UploadRejection::NoPages));
    }

    #[test]
    fn a_pdf_of_object_and_xref_streams_passes_the_prescan() {
        let modern = fixtures::modern_pdf(3);
        assert!(modern.windows(7).any(|w| w == b"/ObjStm"));
        assert!(modern.windows(5).any(|w| w == b"/XRef"));
        assert_eq!(inspect(&modern).map(|i| i.pages), Ok(Some(3)));
    }

    #[test]
    fn encrypted_pdfs_are_refused_with_or_without_a_user_password() {
        assert_eq!(
            inspect(&fixtures::encrypted_pdf("secret")),
            Err(UploadRejection::EncryptedPdf)
        );
        assert_eq!(
            inspect(&fixtures::encrypted_pdf("")),
            Err(UploadRejection::EncryptedPdf)
        );
    }

    #[test]
    fn a_png_bomb_is_refused_without_decoding() {
        let bomb = fixtures::png_bomb(50_000, 50_000);
        assert!(bomb.len() < 1024);
        assert_eq!(inspect(&bomb), Err(UploadRejection::TooManyPixels));
        // Within the side limit but over the memory budget: 11000² RGB is 363 MB.
        assert_eq!(
            inspect(&fixtures::png_bomb(11_000, 11_000)),
            Err(UploadRejection::TooManyPixels)
        );
    }

    #[test]
    fn cut_short_files_are_truncated_and_damaged_ones_corrupt() {
        let truncated = |kind| Err(UploadRejection::Defect(Defect::Truncated(kind)));
        let jpeg = fixtures::jpeg(64, 64);
        assert_eq!(inspect(&jpeg[..jpeg.len() / 2]), truncated(FileKind::Jpeg));
        let png = fixtures::png(64, 64);
        assert_eq!(inspect(&png[..png.len() - 20]), truncated(FileKind::Png));
        assert_eq!(
            inspect(b"%PDF-1.4\nnot really a pdf"),
            truncated(FileKind::Pdf)
        );
        assert_eq!(
            inspect(b"%PDF-1.4\nnot really a pdf\n%%EOF\n"),
            Err(UploadRejection::Corrupt {
                kind: FileKind::Pdf
            })
        );
        // Whole, but a pixel row's checksum no longer matches.
        let mut damaged = png.clone();
        let idat = damaged.windows(4).position(|w| w == b"IDAT").unwrap();
        damaged[idat + 10] ^= 0x55;
        assert_eq!(
            inspect(&damaged),
            Err(UploadRejection::Corrupt {
                kind: FileKind::Png
            })
        );
    }

    #[test]
    fn lopdf_repairs_the_xref_width_bomb_so_only_the_prescan_names_it() {
        // lopdf 0.44 aborted the process here. 0.47 bounds the widths, finds the stream
        // unreadable and rebuilds the table by scanning, so the file would load and pass.
        let document = Document::load_mem(&fixtures::hostile::xref_width_bomb()).unwrap();
        assert_eq!(
            document.xref_recovery,
            Some(lopdf::xref::XrefRecovery::Reconstructed)
        );
        assert_eq!(document.get_pages().len(), 1);
        assert_eq!(
            inspect(&fixtures::hostile::xref_width_bomb()),
            Err(UploadRejection::Defect(Defect::PdfXref))
        );
    }

    #[test]
    fn other_types_are_named() {
        assert_eq!(
            inspect(&fixtures::exe()),
            Err(UploadRejection::NotAllowedType {
                found: Some(app::domain::materials::OtherType::WindowsProgram)
            })
        );
        assert_eq!(inspect(b""), Err(UploadRejection::Empty));
    }

    #[test]
    fn too_many_object_streams_are_refused_before_parsing() {
        let mut pdf = b"%PDF-1.5\n".to_vec();
        for i in 0..=MAX_PDF_OBJECT_STREAMS {
            pdf.extend(
                format!(
                    "{} 0 obj <</Type /ObjStm /N 0 /First 0>> stream\nendstream endobj\n",
                    i + 1
                )
                .bytes(),
            );
        }
        pdf.extend(b"%%EOF\n");
        assert_eq!(inspect(&pdf), Err(UploadRejection::TooComplex));
    }
}
