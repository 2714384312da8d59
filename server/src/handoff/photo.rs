//! Checking that a photo from the phone is a real, whole JPEG or PNG of a usable size, by its
//! content, before it is stored or shown to a provider. CPU-bound: run it in the
//! [`crate::heavy`] pool.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use app::domain::handoff::PhotoProblem;
use app::domain::materials::{FileKind, MAX_IMAGE_SIDE, UploadRejection, sniff};
use image::io::{Limits, Reader};
use image::{DynamicImage, ImageError, ImageFormat};

use crate::materials::layout;

/// The most memory one decoded photo may take (a 12-megapixel phone photo is 36 MB as RGB).
const MAX_DECODED_BYTES: u64 = 128 * 1024 * 1024;

/// A decoded photo and its size.
pub struct Photo {
    pub image: DynamicImage,
    pub width: u32,
    pub height: u32,
}

/// Decodes `bytes` in full (a truncated file fails here) and checks its size: at most
/// `max_bytes`, JPEG or PNG, shorter side at least `min_side` pixels.
pub fn decode(bytes: &[u8], max_bytes: usize, min_side: u32) -> Result<Photo, PhotoProblem> {
    if bytes.is_empty() {
        return Err(PhotoProblem::Empty);
    }
    let too_large = PhotoProblem::TooLarge { max_bytes };
    if bytes.len() > max_bytes {
        return Err(too_large);
    }
    let (kind, format) = match sniff(bytes) {
        Ok(FileKind::Jpeg) => (FileKind::Jpeg, ImageFormat::Jpeg),
        Ok(FileKind::Png) => (FileKind::Png, ImageFormat::Png),
        Ok(FileKind::Pdf) | Err(UploadRejection::NotAllowedType { .. }) => {
            return Err(PhotoProblem::NotImage);
        }
        Err(UploadRejection::Empty) => return Err(PhotoProblem::Empty),
        Err(UploadRejection::TooLarge) => return Err(too_large),
        Err(_) => return Err(PhotoProblem::Corrupt),
    };
    // A photo cut short, carrying another file (reviewers can save it from the console) or
    // a JPEG of endless scans (each a decoding pass over the whole image) goes no further;
    // retaking it is the remedy for each.
    layout::check(kind, bytes).map_err(|_| PhotoProblem::Corrupt)?;
    let image = catch_unwind(AssertUnwindSafe(|| {
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_IMAGE_SIDE);
        limits.max_image_height = Some(MAX_IMAGE_SIDE);
        limits.max_alloc = Some(MAX_DECODED_BYTES);
        let mut reader = Reader::with_format(Cursor::new(bytes), format);
        reader.limits(limits);
        reader.decode()
    }))
    .map_err(|_| PhotoProblem::Corrupt)?
    .map_err(|error| match error {
        ImageError::Limits(_) => too_large,
        _ => PhotoProblem::Corrupt,
    })?;
    let (width, height) = (image.width(), image.height());
    if width.min(height) < min_side {
        return Err(PhotoProblem::TooSmall { min_side });
    }
    Ok(Photo {
        image,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageOutputFormat, RgbImage};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image)
            .write_to(&mut out, ImageOutputFormat::Jpeg(80))
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn whole_images_of_a_usable_size_pass() {
        let photo = decode(&jpeg(400, 300), 1 << 20, 300).unwrap();
        assert_eq!((photo.width, photo.height), (400, 300));
    }

    #[test]
    fn other_files_small_or_broken_images_are_refused() {
        assert_eq!(decode(b"", 100, 1).err(), Some(PhotoProblem::Empty));
        assert_eq!(
            decode(b"%PDF-1.7 ...", 100, 1).err(),
            Some(PhotoProblem::NotImage)
        );
        assert_eq!(
            decode(&jpeg(200, 100), 1 << 20, 120).err(),
            Some(PhotoProblem::TooSmall { min_side: 120 })
        );
        let whole = jpeg(400, 300);
        assert_eq!(
            decode(&whole[..whole.len() / 2], 1 << 20, 1).err(),
            Some(PhotoProblem::Corrupt)
        );
        assert!(matches!(
            decode(&whole, 100, 1).err(),
            Some(PhotoProblem::TooLarge { .. })
        ));
    }

    #[test]
    fn a_jpeg_of_endless_scans_is_refused_before_decoding() {
        // Each repeated scan would cost a decoder another pass over the whole image.
        let photo = jpeg(400, 300);
        let sos = photo.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let eoi = photo.len() - 2;
        let mut scans = photo[..sos].to_vec();
        for _ in 0..100 {
            scans.extend(&photo[sos..eoi]);
        }
        scans.extend(&photo[eoi..]);
        assert_eq!(
            decode(&scans, 8 << 20, 300).err(),
            Some(PhotoProblem::Corrupt)
        );
    }
}
