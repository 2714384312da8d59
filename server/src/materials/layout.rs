//! Where a file ends by its own format, and what is around it. A JPEG ends at its EOI marker,
//! a PNG at its IEND chunk, a PDF at its last `%%EOF`. A file cut before that is truncated; one
//! with more than padding after it (or, for a PDF, another format before its header) carries a
//! second file, as a JPEG with a ZIP archive appended is both, and a ZIP archive anywhere is
//! refused too.
//!
//! Walking a JPEG also bounds what decoding it costs: its scans are counted (each costs a
//! decoder a pass over the whole image), and its coded data must hold at least one bit per
//! 8 × 8 block of the size it declares. Every block codes its DC value in at least one bit; a
//! decoder given less fills the rest in, so a 2 KB file declaring 9000 × 9000 pixels took a
//! minute and 700 MB to "decode" and passed.
//!
//! Byte-level and linear: no allocation, no recursion.

use app::domain::file_defects::{Defect, MAX_JPEG_SCANS};
use app::domain::materials::{FileKind, UploadRejection, sniff};

/// Images a JPEG may carry after the first (the gain map of an "Ultra HDR" or iPhone photo,
/// the other views of a multi-picture file).
const MAX_JPEG_IMAGES: usize = 4;

pub fn check(kind: FileKind, bytes: &[u8]) -> Result<(), UploadRejection> {
    let end = match kind {
        FileKind::Jpeg => jpeg_images_end(bytes)?,
        FileKind::Png => png_end(bytes)?,
        FileKind::Pdf => pdf_end(bytes)?,
    };
    if !bytes[end..].iter().all(|&b| is_padding(b)) || holds_zip(bytes) {
        return Err(UploadRejection::Defect(Defect::HiddenData(kind)));
    }
    Ok(())
}

/// What writers leave after a file's end: zeros, 0xFF fill and line ends.
fn is_padding(byte: u8) -> bool {
    byte == 0 || byte == 0xFF || byte.is_ascii_whitespace()
}

fn truncated(kind: FileKind) -> UploadRejection {
    UploadRejection::Defect(Defect::Truncated(kind))
}

fn corrupt(kind: FileKind) -> UploadRejection {
    UploadRejection::Corrupt { kind }
}

/// The end of the first JPEG and of any whole JPEG images right after it.
fn jpeg_images_end(bytes: &[u8]) -> Result<usize, UploadRejection> {
    let mut end = jpeg_end(bytes, 0)?;
    for _ in 1..MAX_JPEG_IMAGES {
        if !bytes[end..].starts_with(&[0xFF, 0xD8, 0xFF]) {
            break;
        }
        end = jpeg_end(bytes, end)?;
    }
    Ok(end)
}

/// The offset just past the EOI marker of the JPEG starting at `start`.
fn jpeg_end(bytes: &[u8], start: usize) -> Result<usize, UploadRejection> {
    let kind = FileKind::Jpeg;
    let mut at = start + 2; // past SOI
    let mut scans = 0;
    // 8 × 8 blocks at full resolution, as the frame header declares; coded bytes seen.
    let mut blocks = 0u64;
    let mut coded = 0u64;
    loop {
        // A marker: 0xFF (any number of them), then its code.
        if bytes.get(at) != Some(&0xFF) {
            return Err(if at >= bytes.len() {
                truncated(kind)
            } else {
                corrupt(kind)
            });
        }
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = bytes.get(at + 1) else {
            return Err(truncated(kind));
        };
        at += 2;
        match marker {
            0xD9 if coded * 8 < blocks => return Err(UploadRejection::TooManyPixels),
            0xD9 => return Ok(at),
            0x01 | 0xD0..=0xD7 => continue,
            0x00 | 0xD8 => return Err(corrupt(kind)),
            _ => {}
        }
        let Some(length) = bytes.get(at..at + 2) else {
            return Err(truncated(kind));
        };
        let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
        if length < 2 {
            return Err(corrupt(kind));
        }
        let segment = at + 2;
        at += length;
        if at > bytes.len() {
            return Err(truncated(kind));
        }
        // A frame header (SOF0–SOF15 less DHT, JPG and DAC): precision, height, width.
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let Some(size) = bytes.get(segment + 1..segment + 5) else {
                return Err(corrupt(kind));
            };
            let height = u64::from(u16::from_be_bytes([size[0], size[1]]));
            let width = u64::from(u16::from_be_bytes([size[2], size[3]]));
            blocks = height.div_ceil(8) * width.div_ceil(8);
        }
        if marker == 0xDA {
            scans += 1;
            if scans > MAX_JPEG_SCANS {
                return Err(UploadRejection::Defect(Defect::JpegScans));
            }
            let data = at;
            at = entropy_end(bytes, at).ok_or(truncated(kind))?;
            coded += (at - data) as u64;
        }
    }
}

/// Where the entropy-coded data from `at` ends: at the first marker other than a stuffed zero,
/// a restart or fill.
fn entropy_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        at += bytes.get(at..)?.iter().position(|&b| b == 0xFF)?;
        match bytes.get(at + 1)? {
            0x00 | 0xD0..=0xD7 => at += 2,
            0xFF => at += 1,
            _ => return Some(at),
        }
    }
}

/// The offset just past the IEND chunk.
fn png_end(bytes: &[u8]) -> Result<usize, UploadRejection> {
    let mut at = 8; // past the signature
    loop {
        let Some(header) = bytes.get(at..at + 8) else {
            return Err(truncated(FileKind::Png));
        };
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        // Length, type, data and CRC.
        let end = usize::try_from(length)
            .ok()
            .and_then(|length| (at + 12).checked_add(length))
            .filter(|&end| end <= bytes.len())
            .ok_or(truncated(FileKind::Png))?;
        if &header[4..] == b"IEND" {
            return Ok(end);
        }
        at = end;
    }
}

/// The offset just past the last `%%EOF`, after refusing another format before the header.
fn pdf_end(bytes: &[u8]) -> Result<usize, UploadRejection> {
    let kind = FileKind::Pdf;
    // `sniff` found the header in the first 1024 bytes; readers skip what comes before it,
    // but another program may read that as a file of its own.
    let header = find(bytes, b"%PDF-").unwrap_or(0);
    let prefix = &bytes[..header];
    if !prefix.is_empty()
        && matches!(
            sniff(prefix),
            Ok(_) | Err(UploadRejection::NotAllowedType { found: Some(_) })
        )
    {
        return Err(UploadRejection::Defect(Defect::HiddenData(kind)));
    }
    let end = rfind(bytes, b"%%EOF").ok_or(truncated(kind))? + 5;
    // An incremental update cut short: a whole earlier revision, then part of the next.
    let rest = bytes[end..].trim_ascii_start();
    if rest.starts_with(b"xref") || rest.starts_with(b"trailer") || starts_object(rest) {
        return Err(truncated(kind));
    }
    Ok(end)
}

/// Whether `text` starts like an indirect object: `12 0 obj`.
fn starts_object(text: &[u8]) -> bool {
    after_number(text)
        .and_then(after_number)
        .is_some_and(|rest| rest.starts_with(b"obj"))
}

/// What follows a leading unsigned integer and the white space after it.
fn after_number(text: &[u8]) -> Option<&[u8]> {
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    let rest = &text[digits..];
    let spaces = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    (digits > 0 && spaces > 0).then(|| &rest[spaces..])
}

/// Whether a ZIP archive's end record sits in `bytes` with its central directory where it
/// says: what unzip tools look for, wherever the archive starts.
fn holds_zip(bytes: &[u8]) -> bool {
    let mut from = 0;
    while let Some(found) = find(&bytes[from..], b"PK\x05\x06") {
        let record = from + found;
        if let Some(size) = bytes.get(record + 12..record + 16) {
            let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
            if record
                .checked_sub(size)
                .is_some_and(|directory| bytes[directory..].starts_with(b"PK\x01\x02"))
            {
                return true;
            }
        }
        from = record + 1;
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg() -> Vec<u8> {
        let mut bytes = Vec::new();
        image::DynamicImage::new_rgb8(24, 16)
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageOutputFormat::Jpeg(80),
            )
            .unwrap();
        bytes
    }

    fn defect(defect: Defect) -> Result<(), UploadRejection> {
        Err(UploadRejection::Defect(defect))
    }

    #[test]
    fn a_whole_jpeg_passes_with_padding_or_a_second_image() {
        let whole = jpeg();
        assert_eq!(check(FileKind::Jpeg, &whole), Ok(()));
        let padded = [whole.as_slice(), b"\0\0\r\n"].concat();
        assert_eq!(check(FileKind::Jpeg, &padded), Ok(()));
        let gain_map = [whole.as_slice(), &whole].concat();
        assert_eq!(check(FileKind::Jpeg, &gain_map), Ok(()));
    }

    #[test]
    fn a_jpeg_cut_short_or_followed_by_data_is_named() {
        let whole = jpeg();
        for cut in [3, 20, whole.len() / 2, whole.len() - 1] {
            assert_eq!(
                check(FileKind::Jpeg, &whole[..cut]),
                defect(Defect::Truncated(FileKind::Jpeg)),
                "cut at {cut}"
            );
        }
        let trailing = [whole.as_slice(), b"MZ this program"].concat();
        assert_eq!(
            check(FileKind::Jpeg, &trailing),
            defect(Defect::HiddenData(FileKind::Jpeg))
        );
    }

    #[test]
    fn a_jpeg_declaring_more_blocks_than_its_data_can_code_is_too_big() {
        let whole = jpeg();
        let sof = whole.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        let mut declared = whole.clone();
        // 24 × 16 pixels coded in a few dozen bytes, declared as 4000 × 4000.
        declared[sof + 5..sof + 9].copy_from_slice(&[0x0F, 0xA0, 0x0F, 0xA0]);
        assert_eq!(
            check(FileKind::Jpeg, &declared),
            Err(UploadRejection::TooManyPixels)
        );
    }

    #[test]
    fn a_pdf_ends_at_its_last_eof() {
        let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
        assert_eq!(check(FileKind::Pdf, &pdf), Ok(()));
        assert_eq!(
            check(FileKind::Pdf, &pdf[..pdf.len() - 4]),
            defect(Defect::Truncated(FileKind::Pdf))
        );
        let update = [pdf.as_slice(), b"2 0 obj\n<< /Ty"].concat();
        assert_eq!(
            check(FileKind::Pdf, &update),
            defect(Defect::Truncated(FileKind::Pdf))
        );
        let appended = [pdf.as_slice(), b"<html><script>"].concat();
        assert_eq!(
            check(FileKind::Pdf, &appended),
            defect(Defect::HiddenData(FileKind::Pdf))
        );
        // Junk before the header is tolerated, another format there is not.
        let junk = [b"\r\n  ".as_slice(), &pdf].concat();
        assert_eq!(check(FileKind::Pdf, &junk), Ok(()));
        let program = [b"MZ\x90\x00".as_slice(), &pdf].concat();
        assert_eq!(
            check(FileKind::Pdf, &program),
            defect(Defect::HiddenData(FileKind::Pdf))
        );
    }

    #[test]
    fn a_png_chunk_running_past_the_end_is_truncation() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(u32::MAX.to_be_bytes());
        png.extend(b"IDAT");
        assert_eq!(
            check(FileKind::Png, &png),
            defect(Defect::Truncated(FileKind::Png))
        );
    }
}
