//! Is this photo of an ID card worth uploading? Checked in the browser on a small grayscale
//! copy before anything is sent, so the user hears "too dark" at once instead of waiting for
//! the provider to fail it.
//!
//! Three checks, each deliberately lenient (a wrong "retake" costs the user more than a weak
//! photo reaching review, and after three retakes the photo is sent anyway):
//!
//! * exposure: mean brightness, and glare as the share of blown-out pixels;
//! * sharpness: the variance of the Laplacian, the usual focus measure, over the card area;
//! * framing: the card's straight edges should be near the guide's; found from the strongest
//!   rows and columns of gradient, as a card edge is a long straight line a background rarely has.

/// An 8-bit grayscale image, row by row.
#[derive(Clone, Debug)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// A rectangle in pixels of a [`Gray`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    TooDark,
    TooBright,
    Blurry,
    NotFilling,
}

impl Problem {
    /// What to do about it, as the retake message says it.
    pub fn message(self) -> &'static str {
        match self {
            Problem::TooDark => "照片太暗：请到光线充足的地方，或打开室内灯后重拍。",
            Problem::TooBright => "照片太亮或有反光：请避开直射的灯光，稍微倾斜手机后重拍。",
            Problem::Blurry => "照片模糊：请保持手机稳定，等画面清晰后再拍。",
            Problem::NotFilling => "身份证没有占满白框：请把手机靠近一些，让身份证的四边对齐白框。",
        }
    }
}

const DARK_MEAN: f64 = 55.0;
const BRIGHT_MEAN: f64 = 215.0;
/// A pixel this bright is blown out.
const GLARE_LEVEL: u8 = 250;
const GLARE_SHARE: f64 = 0.25;
/// Variance of the Laplacian at 400 px across: the test card with print scores over 800 sharp,
/// about 200 under a 5×5 box blur and 26 under a 13×13 one (out of focus).
const SHARP_VARIANCE: f64 = 30.0;
/// The found edges must span this share of the guide; a card at arm's length spans a half.
const FILL_SHARE: f64 = 0.65;
/// A row or column is an edge candidate at this share of the strongest one.
const EDGE_SHARE: f64 = 0.55;

impl Gray {
    /// From canvas `ImageData` (RGBA), with the Rec. 601 luma weights.
    pub fn from_rgba(rgba: &[u8], width: usize, height: usize) -> Self {
        let pixels = rgba
            .chunks_exact(4)
            .take(width * height)
            .map(|p| {
                ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000)
                    as u8
            })
            .collect();
        Self {
            width,
            height,
            pixels,
        }
    }

    fn at(&self, x: usize, y: usize) -> i32 {
        i32::from(self.pixels[y * self.width + x])
    }

    fn whole(&self) -> Rect {
        Rect {
            x: 0,
            y: 0,
            width: self.width,
            height: self.height,
        }
    }
}

/// The problems found, most fundamental first; empty when the photo is fine. `guide` is where
/// the card should be; without one (a photo picked from the album) framing is not judged.
pub fn check(image: &Gray, guide: Option<Rect>) -> Vec<Problem> {
    if image.width < 8 || image.height < 8 {
        return vec![Problem::Blurry];
    }
    let area = guide.unwrap_or_else(|| image.whole());
    let mut problems = Vec::new();
    let (mean, glare) = exposure(image, area);
    if mean < DARK_MEAN {
        problems.push(Problem::TooDark);
    } else if mean > BRIGHT_MEAN || glare > GLARE_SHARE {
        problems.push(Problem::TooBright);
    }
    if sharpness(image, area) < SHARP_VARIANCE {
        problems.push(Problem::Blurry);
    }
    if let Some(guide) = guide
        && !problems.contains(&Problem::Blurry)
        && !fills(image, guide)
    {
        problems.push(Problem::NotFilling);
    }
    problems
}

fn exposure(image: &Gray, area: Rect) -> (f64, f64) {
    let mut sum = 0u64;
    let mut blown = 0u64;
    let mut count = 0u64;
    for y in area.y..(area.y + area.height).min(image.height) {
        for x in area.x..(area.x + area.width).min(image.width) {
            let v = image.pixels[y * image.width + x];
            sum += u64::from(v);
            blown += u64::from(v >= GLARE_LEVEL);
            count += 1;
        }
    }
    let count = count.max(1) as f64;
    (sum as f64 / count, blown as f64 / count)
}

/// The variance of the 4-neighbour Laplacian inside `area`.
pub fn sharpness(image: &Gray, area: Rect) -> f64 {
    let x0 = area.x.max(1);
    let y0 = area.y.max(1);
    let x1 = (area.x + area.width).min(image.width - 1);
    let y1 = (area.y + area.height).min(image.height - 1);
    let (mut sum, mut sum_sq, mut n) = (0f64, 0f64, 0f64);
    for y in y0..y1 {
        for x in x0..x1 {
            let lap =
                image.at(x - 1, y) + image.at(x + 1, y) + image.at(x, y - 1) + image.at(x, y + 1)
                    - 4 * image.at(x, y);
            let lap = f64::from(lap);
            sum += lap;
            sum_sq += lap * lap;
            n += 1.0;
        }
    }
    if n == 0.0 {
        return 0.0;
    }
    let mean = sum / n;
    sum_sq / n - mean * mean
}

/// Whether the card's outline spans most of the guide both ways. A picture with no clear
/// outline at all (low contrast against the table) is given the benefit of the doubt.
fn fills(image: &Gray, guide: Rect) -> bool {
    let columns = edge_profile(image, Axis::Columns);
    let rows = edge_profile(image, Axis::Rows);
    let spans = |profile: &[f64], length: usize| match extent(profile) {
        Some((first, last)) => (last - first) as f64 >= FILL_SHARE * length as f64,
        None => true,
    };
    spans(&columns, guide.width) && spans(&rows, guide.height)
}

enum Axis {
    Columns,
    Rows,
}

/// For each column (or row), the summed gradient across it: a straight vertical (horizontal)
/// edge stands out as a peak.
fn edge_profile(image: &Gray, axis: Axis) -> Vec<f64> {
    let (w, h) = (image.width, image.height);
    match axis {
        Axis::Columns => (0..w)
            .map(|x| {
                if x == 0 || x + 1 >= w {
                    return 0.0;
                }
                (0..h)
                    .map(|y| f64::from((image.at(x + 1, y) - image.at(x - 1, y)).abs()))
                    .sum()
            })
            .collect(),
        Axis::Rows => (0..h)
            .map(|y| {
                if y == 0 || y + 1 >= h {
                    return 0.0;
                }
                (0..w)
                    .map(|x| f64::from((image.at(x, y + 1) - image.at(x, y - 1)).abs()))
                    .sum()
            })
            .collect(),
    }
}

/// The first and last positions whose edge strength comes near the strongest, or `None` when
/// nothing stands out from the average (no outline to judge).
fn extent(profile: &[f64]) -> Option<(usize, usize)> {
    let max = profile.iter().copied().fold(0.0, f64::max);
    let mean = profile.iter().sum::<f64>() / profile.len().max(1) as f64;
    if max < 2.5 * mean || max == 0.0 {
        return None;
    }
    let strong = |v: &f64| *v >= EDGE_SHARE * max;
    let first = profile.iter().position(strong)?;
    let last = profile.iter().rposition(strong)?;
    Some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: usize = 400;
    const H: usize = 300;

    /// The guide inside a `W`×`H` crop that has a margin of 20 px on each side.
    fn guide() -> Rect {
        Rect {
            x: 20,
            y: 20,
            width: W - 40,
            height: H - 40,
        }
    }

    fn filled(value: u8) -> Gray {
        Gray {
            width: W,
            height: H,
            pixels: vec![value; W * H],
        }
    }

    /// A light card with dark "print" lines on a darker table, covering `rect`.
    fn card(rect: Rect) -> Gray {
        let mut image = filled(90);
        for y in rect.y..rect.y + rect.height {
            for x in rect.x..rect.x + rect.width {
                let line = (y - rect.y) % 18 < 3 && (x - rect.x) % 50 < 38;
                image.pixels[y * W + x] = if line { 60 } else { 225 };
            }
        }
        image
    }

    fn blur(image: &Gray, radius: usize) -> Gray {
        let mut out = image.clone();
        for y in 0..H {
            for x in 0..W {
                let (mut sum, mut n) = (0u32, 0u32);
                for yy in y.saturating_sub(radius)..(y + radius + 1).min(H) {
                    for xx in x.saturating_sub(radius)..(x + radius + 1).min(W) {
                        sum += u32::from(image.pixels[yy * W + xx]);
                        n += 1;
                    }
                }
                out.pixels[y * W + x] = (sum / n) as u8;
            }
        }
        out
    }

    #[test]
    fn a_sharp_card_filling_the_guide_passes() {
        let image = card(Rect {
            x: 22,
            y: 24,
            width: W - 46,
            height: H - 46,
        });
        assert_eq!(check(&image, Some(guide())), vec![]);
    }

    #[test]
    fn a_card_far_away_does_not_fill_the_guide() {
        let image = card(Rect {
            x: 140,
            y: 105,
            width: 120,
            height: 90,
        });
        assert_eq!(check(&image, Some(guide())), vec![Problem::NotFilling]);
        // From the album there is no guide to fill.
        assert_eq!(check(&image, None), vec![]);
    }

    #[test]
    fn darkness_glare_and_blur_each_have_their_message() {
        assert!(check(&filled(20), Some(guide())).contains(&Problem::TooDark));
        assert!(check(&filled(255), Some(guide())).contains(&Problem::TooBright));
        let sharp = card(guide());
        // A slight softness (a 5×5 box) passes; a 13×13 box is out of focus.
        assert_eq!(check(&blur(&sharp, 2), Some(guide())), vec![]);
        let blurred = blur(&sharp, 6);
        assert!(sharpness(&sharp, guide()) > 10.0 * SHARP_VARIANCE);
        assert_eq!(check(&blurred, Some(guide())), vec![Problem::Blurry]);
        for problem in [
            Problem::TooDark,
            Problem::TooBright,
            Problem::Blurry,
            Problem::NotFilling,
        ] {
            assert!(problem.message().ends_with('。'));
        }
    }

    #[test]
    fn gray_uses_luma_weights() {
        let gray = Gray::from_rgba(&[255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255], 3, 1);
        assert_eq!(gray.pixels, vec![76, 149, 29]);
    }
}
