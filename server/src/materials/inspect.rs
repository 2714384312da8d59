//! Deciding what an uploaded file is by its content: magic bytes first (shared with the
//! browser, [`sniff`]), then a full decode, so a renamed program, a damaged scan, a
//! password-protected PDF or a decompression bomb is refused before anything is stored.
//!
//! CPU-bound and meant for `spawn_blocking`: a 2 MB JPEG takes a fraction of a second.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use app::domain::materials::{FileKind, Inspected, MAX_IMAGE_SIDE, UploadRejection, sniff};
use image::io::{Limits, Reader};
use image::{ImageError, ImageFormat};
use lopdf::{DecompressError, Document, LoadOptions};

/// The most memory one decoded image may take: 256 MiB, an 8000 × 8000 colour scan plus room.
/// A PNG bomb (a few KB declaring 50000 × 50000 pixels) fails this check before any pixel is
/// allocated.
const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;

/// The most any one compressed PDF structure (object or cross-reference stream) may inflate
/// to. Real ones are a few KB; page images are not inflated here.
const MAX_PDF_STREAM_BYTES: usize = 4 * 1024 * 1024;

/// Object streams a PDF may have, counted before parsing, since each may inflate to
/// [`MAX_PDF_STREAM_BYTES`]. A scanned document has one or two.
const MAX_PDF_OBJECT_STREAMS: usize = 64;

/// Objects a PDF may hold: a 50-page scan has a few hundred.
const MAX_PDF_OBJECTS: usize = 50_000;

pub fn inspect(bytes: &[u8]) -> Result<Inspected, UploadRejection> {
    let kind = sniff(bytes)?;
    // The parsers are well tested, but a panic on hostile input must refuse the file, not
    // take the request down.
    catch_unwind(AssertUnwindSafe(|| match kind {
        FileKind::Jpeg => image(bytes, ImageFormat::Jpeg, kind),
        FileKind::Png => image(bytes, ImageFormat::Png, kind),
        FileKind::Pdf => pdf(bytes),
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
    // Decoding every pixel is what proves the file whole: a truncated scan fails here.
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
    let object_streams = bytes.windows(7).filter(|w| w == b"/ObjStm").count();
    if object_streams > MAX_PDF_OBJECT_STREAMS {
        return Err(UploadRejection::TooComplex);
    }
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
    let pages = document.get_pages().len();
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
#[path = "../../tests/fixtures/mod.rs"]
mod fixtures;

#[cfg(test)]
mod tests {
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
        // Within the side limit but over the memory budget: 11000² RGBA is 484 MB.
        assert_eq!(
            inspect(&fixtures::png_bomb(11_000, 11_000)),
            Err(UploadRejection::TooManyPixels)
        );
    }

    #[test]
    fn truncated_and_fake_files_are_corrupt() {
        let jpeg = fixtures::jpeg(64, 64);
        assert_eq!(
            inspect(&jpeg[..jpeg.len() / 2]),
            Err(UploadRejection::Corrupt {
                kind: FileKind::Jpeg
            })
        );
        let png = fixtures::png(64, 64);
        assert_eq!(
            inspect(&png[..png.len() - 20]),
            Err(UploadRejection::Corrupt {
                kind: FileKind::Png
            })
        );
        assert_eq!(
            inspect(b"%PDF-1.4\nnot really a pdf"),
            Err(UploadRejection::Corrupt {
                kind: FileKind::Pdf
            })
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
        assert_eq!(inspect(&pdf), Err(UploadRejection::TooComplex));
    }
}
