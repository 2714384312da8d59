//! The local identity provider (`IDENTITY_PROVIDER=local`, the default): honest about what it
//! cannot do, strict about what it can.
//!
//! * **OCR**: it reads no text. The portrait side's name and number are taken from the
//!   application, so the comparison with the form passes; the emblem side's validity is not
//!   read (nothing to check). Every reading says so in its note, which is kept with the result.
//! * **What it does check**: that each photo is a whole JPEG or PNG of a usable size (an empty
//!   upload or a renamed file fails like with a vendor), and that liveness frames show
//!   movement: each frame is shrunk to a 64 × 64 grey thumbnail and compared with the first;
//!   a frame counts as moved when at least 1 % of its thumbnail pixels differ by more than
//!   16 grey levels. At least as many moved frames as prompts are needed, so the same picture
//!   sent again and again (a still photo) fails with `still_image`. It cannot tell a person
//!   from a photo waved before the camera, and does not compare faces: the face comparison
//!   passes with no score.
//! * **A hook for tests**: an image whose JPEG comment (COM segment) or PNG `tEXt` chunk starts
//!   with `cert-portal-ocr:` is read as saying what follows, `name=…;id_number=…;validity=…`,
//!   so a test can make the card disagree with the form or show an expired card. No real
//!   camera writes such a comment, and the hook is read only in the sandbox (`SANDBOX=on`,
//!   which the tests run under): outside it, such an image is just a photo.

use app::domain::handoff::{
    LivenessFailure, MAX_FRAME_BYTES, MAX_PHOTO_BYTES, MIN_FRAME_SIDE, MIN_PHOTO_SIDE, Prompt,
};
use app::services::handoff::{
    BackReading, FaceComparison, FrontReading, IdentityVerifier, LivenessVerdict, Subject,
    VerifierError,
};
use image::GrayImage;
use image::imageops::FilterType;

use crate::handoff::photo;
use crate::heavy::{self, Refused};

/// The comment prefix the test hook looks for.
pub const OCR_HOOK: &str = "cert-portal-ocr:";

/// Side of the grey thumbnails frames are compared on.
const THUMB: u32 = 64;
/// Grey levels a thumbnail pixel must change by to count as changed (JPEG noise stays below).
const PIXEL_DELTA: u8 = 16;
/// Share of changed thumbnail pixels that makes a frame count as moved.
const MIN_CHANGED_SHARE: f64 = 0.01;

#[derive(Debug, Default, Clone, Copy)]
pub struct LocalVerifier {
    /// Whether the test hook is read.
    test_hook: bool,
}

impl LocalVerifier {
    /// The verifier with its test hook, for the sandbox only.
    pub fn sandbox() -> Self {
        Self { test_hook: true }
    }
}

/// What the test hook says, field by field.
#[derive(Debug, Default, PartialEq, Eq)]
struct Hooked {
    name: Option<String>,
    id_number: Option<String>,
    validity: Option<String>,
}

/// Decoding runs in the bounded pool; when it is full the phone is told to try again.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, VerifierError> + Send + 'static,
) -> Result<T, VerifierError> {
    match heavy::run("checking identity photos", work).await {
        Ok(done) => done,
        Err(Refused::Busy) => Err(VerifierError::Busy),
        Err(refused @ Refused::Panicked) => Err(VerifierError::Unavailable(format!(
            "local verifier: {refused}"
        ))),
    }
}

/// Checks an ID photo and returns what its test hook says, if anything and if `test_hook`.
fn id_photo(bytes: &[u8], test_hook: bool) -> Result<Option<Hooked>, VerifierError> {
    photo::decode(bytes, MAX_PHOTO_BYTES, MIN_PHOTO_SIDE).map_err(VerifierError::Photo)?;
    if !test_hook {
        return Ok(None);
    }
    Ok(comments(bytes)
        .iter()
        .find_map(|c| c.strip_prefix(OCR_HOOK))
        .map(parse_hook))
}

fn parse_hook(text: &str) -> Hooked {
    let mut hooked = Hooked::default();
    for pair in text.split(';') {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        let value = Some(value.trim().to_owned());
        match key.trim() {
            "name" => hooked.name = value,
            "id_number" => hooked.id_number = value,
            "validity" => hooked.validity = value,
            _ => {}
        }
    }
    hooked
}

/// The text comments of a JPEG (COM segments before the image data) or a PNG (`tEXt` chunks,
/// keyword and text separated by NUL; only the text is returned). Malformed files give what
/// was found before the damage.
fn comments(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut at = 2;
        while at + 4 <= bytes.len() && bytes[at] == 0xFF {
            let marker = bytes[at + 1];
            // Start of scan or end of image: no more headers.
            if marker == 0xDA || marker == 0xD9 {
                break;
            }
            let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
            let Some(body) = bytes.get(at + 4..at + 2 + len) else {
                break;
            };
            if marker == 0xFE {
                found.push(String::from_utf8_lossy(body).into_owned());
            }
            at += 2 + len;
        }
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let mut at = 8;
        while at + 8 <= bytes.len() {
            let len = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
                as usize;
            let kind = &bytes[at + 4..at + 8];
            let Some(body) = bytes.get(at + 8..at + 8 + len) else {
                break;
            };
            if kind == b"tEXt"
                && let Some(nul) = body.iter().position(|&b| b == 0)
            {
                found.push(String::from_utf8_lossy(&body[nul + 1..]).into_owned());
            }
            if kind == b"IEND" {
                break;
            }
            at += 12 + len;
        }
    }
    found
}

/// The frame as a small grey thumbnail.
fn thumbnail(bytes: &[u8]) -> Result<GrayImage, VerifierError> {
    let photo =
        photo::decode(bytes, MAX_FRAME_BYTES, MIN_FRAME_SIDE).map_err(VerifierError::Photo)?;
    Ok(photo
        .image
        .resize_exact(THUMB, THUMB, FilterType::Triangle)
        .to_luma8())
}

/// The share of pixels that differ by more than [`PIXEL_DELTA`].
fn changed_share(a: &GrayImage, b: &GrayImage) -> f64 {
    let changed = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .filter(|(x, y)| x.abs_diff(**y) > PIXEL_DELTA)
        .count();
    changed as f64 / a.as_raw().len().max(1) as f64
}

fn judge(prompts: usize, frames: &[Vec<u8>]) -> Result<LivenessVerdict, VerifierError> {
    let thumbs = frames
        .iter()
        .map(|f| thumbnail(f))
        .collect::<Result<Vec<_>, _>>()?;
    let Some((first, rest)) = thumbs.split_first() else {
        return Ok(LivenessVerdict {
            failure: Some(LivenessFailure::PoorQuality),
            note: "本地验证服务：没有收到画面".into(),
        });
    };
    let shares: Vec<f64> = rest.iter().map(|t| changed_share(first, t)).collect();
    let moved = shares.iter().filter(|&&s| s >= MIN_CHANGED_SHARE).count();
    let needed = prompts.max(1);
    let listed: Vec<String> = shares
        .iter()
        .map(|s| format!("{:.1}%", s * 100.0))
        .collect();
    let note = format!(
        "本地验证服务：只检查画面是否变化，未做真实活体判断。{} 张画面与第一张相比的变化：{}；\
         {moved} 张有变化，至少需要 {needed} 张",
        frames.len(),
        listed.join("、")
    );
    Ok(LivenessVerdict {
        failure: (moved < needed).then_some(LivenessFailure::StillImage),
        note,
    })
}

#[async_trait::async_trait]
impl IdentityVerifier for LocalVerifier {
    fn provider(&self) -> &'static str {
        "local"
    }

    async fn ocr_front(
        &self,
        subject: &Subject,
        image: &[u8],
    ) -> Result<FrontReading, VerifierError> {
        let bytes = image.to_vec();
        let test_hook = self.test_hook;
        let hooked = blocking(move || id_photo(&bytes, test_hook)).await?;
        Ok(match hooked {
            Some(hooked) => FrontReading {
                name: hooked.name.unwrap_or_else(|| subject.name.clone()),
                id_number: hooked
                    .id_number
                    .unwrap_or_else(|| subject.id_number.clone()),
                note: "本地验证服务：读数取自图片中的测试注释，不是证件文字".into(),
            },
            None => FrontReading {
                name: subject.name.clone(),
                id_number: subject.id_number.clone(),
                note: "本地验证服务：不识别证件文字，姓名和号码取自申请表；已确认收到完整的照片"
                    .into(),
            },
        })
    }

    async fn ocr_back(
        &self,
        _subject: &Subject,
        image: &[u8],
    ) -> Result<BackReading, VerifierError> {
        let bytes = image.to_vec();
        let test_hook = self.test_hook;
        let hooked = blocking(move || id_photo(&bytes, test_hook)).await?;
        Ok(match hooked.and_then(|h| h.validity) {
            Some(validity) => BackReading {
                validity: Some(validity),
                note: "本地验证服务：有效期限取自图片中的测试注释，不是证件文字".into(),
            },
            None => BackReading {
                validity: None,
                note: "本地验证服务：不识别有效期限；已确认收到完整的照片".into(),
            },
        })
    }

    async fn liveness(
        &self,
        prompts: &[Prompt],
        frames: &[Vec<u8>],
    ) -> Result<LivenessVerdict, VerifierError> {
        let frames = frames.to_vec();
        let prompts = prompts.len();
        blocking(move || judge(prompts, &frames)).await
    }

    async fn face_compare(
        &self,
        id_front: &[u8],
        frame: &[u8],
    ) -> Result<FaceComparison, VerifierError> {
        let (id_front, frame) = (id_front.to_vec(), frame.to_vec());
        blocking(move || {
            photo::decode(&id_front, MAX_PHOTO_BYTES, MIN_PHOTO_SIDE)
                .map_err(VerifierError::Photo)?;
            thumbnail(&frame)?;
            Ok(())
        })
        .await?;
        Ok(FaceComparison {
            matched: true,
            score: None,
            note: "本地验证服务：不做人脸比对，只确认两张图片完整有效".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{DynamicImage, ImageOutputFormat, RgbImage};

    use super::*;

    fn subject() -> Subject {
        Subject {
            name: "张三".into(),
            id_number: "11010519491231002X".into(),
        }
    }

    /// A JPEG with a bright square at `offset`, so frames with different offsets differ.
    fn frame(offset: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(160, 120, |x, y| {
            let inside = (offset..offset + 40).contains(&x) && (40..80).contains(&y);
            if inside {
                image::Rgb([240, 240, 240])
            } else {
                image::Rgb([40, 60, 80])
            }
        });
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image)
            .write_to(&mut out, ImageOutputFormat::Jpeg(85))
            .unwrap();
        out.into_inner()
    }

    fn card() -> Vec<u8> {
        let image = RgbImage::from_fn(640, 400, |x, y| image::Rgb([x as u8, y as u8, 128]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image)
            .write_to(&mut out, ImageOutputFormat::Jpeg(85))
            .unwrap();
        out.into_inner()
    }

    /// `jpeg` with a COM segment right after the start-of-image marker.
    fn with_comment(jpeg: &[u8], text: &str) -> Vec<u8> {
        let len = (text.len() + 2) as u16;
        let mut out = jpeg[..2].to_vec();
        out.extend([0xFF, 0xFE]);
        out.extend(len.to_be_bytes());
        out.extend(text.as_bytes());
        out.extend(&jpeg[2..]);
        out
    }

    #[tokio::test]
    async fn ocr_echoes_the_form_and_says_so() {
        let reading = LocalVerifier::default()
            .ocr_front(&subject(), &card())
            .await
            .unwrap();
        assert_eq!(reading.name, "张三");
        assert_eq!(reading.id_number, "11010519491231002X");
        assert!(reading.note.contains("取自申请表"));
        let back = LocalVerifier::default()
            .ocr_back(&subject(), &card())
            .await
            .unwrap();
        assert_eq!(back.validity, None);
    }

    #[tokio::test]
    async fn the_test_hook_overrides_the_reading_in_the_sandbox_only() {
        let hooked = with_comment(
            &card(),
            "cert-portal-ocr:name=李四; validity=2005.01.01-2015.01.01",
        );
        let sandbox = LocalVerifier::sandbox();
        let reading = sandbox.ocr_front(&subject(), &hooked).await.unwrap();
        assert_eq!(reading.name, "李四");
        assert_eq!(reading.id_number, "11010519491231002X");
        let back = sandbox.ocr_back(&subject(), &hooked).await.unwrap();
        assert_eq!(back.validity.as_deref(), Some("2005.01.01-2015.01.01"));
        // An ordinary comment is not a reading.
        let plain = with_comment(&card(), "Created with GIMP");
        assert_eq!(comments(&plain), ["Created with GIMP"]);
        let reading = sandbox.ocr_front(&subject(), &plain).await.unwrap();
        assert_eq!(reading.name, "张三");
        // Outside the sandbox the hook is only a comment.
        let plain = LocalVerifier::default();
        let reading = plain.ocr_front(&subject(), &hooked).await.unwrap();
        assert_eq!(reading.name, "张三");
        assert!(reading.note.contains("取自申请表"));
        let back = plain.ocr_back(&subject(), &hooked).await.unwrap();
        assert_eq!(back.validity, None);
    }

    #[tokio::test]
    async fn photos_must_be_real_images() {
        let refused = LocalVerifier::default()
            .ocr_front(&subject(), b"not a photo")
            .await;
        assert!(matches!(refused, Err(VerifierError::Photo(_))));
        let tiny = LocalVerifier::default()
            .ocr_front(&subject(), &frame(0))
            .await;
        assert!(matches!(
            tiny,
            Err(VerifierError::Photo(
                app::domain::handoff::PhotoProblem::TooSmall { .. }
            ))
        ));
    }

    #[tokio::test]
    async fn moving_frames_pass_and_a_still_picture_fails() {
        let prompts = [Prompt::Blink, Prompt::Nod];
        let moving = vec![frame(0), frame(40), frame(80)];
        let verdict = LocalVerifier::default()
            .liveness(&prompts, &moving)
            .await
            .unwrap();
        assert_eq!(verdict.failure, None, "{}", verdict.note);
        assert!(verdict.note.contains("未做真实活体判断"));

        let still = vec![frame(0); 3];
        let verdict = LocalVerifier::default()
            .liveness(&prompts, &still)
            .await
            .unwrap();
        assert_eq!(verdict.failure, Some(LivenessFailure::StillImage));
        // One moved frame is not enough for two prompts.
        let once = vec![frame(0), frame(0), frame(80)];
        let verdict = LocalVerifier::default()
            .liveness(&prompts, &once)
            .await
            .unwrap();
        assert_eq!(verdict.failure, Some(LivenessFailure::StillImage));
    }

    #[tokio::test]
    async fn face_comparison_passes_without_a_score() {
        let compared = LocalVerifier::default()
            .face_compare(&card(), &frame(0))
            .await
            .unwrap();
        assert!(compared.matched);
        assert_eq!(compared.score, None);
    }
}
