//! The verification QR code, as filled rectangles: real vector shapes that stay sharp
//! when printed and need no image support in printpdf.

use qrcode::{Color, EcLevel, QrCode};

use crate::layout::Area;

/// Blank modules around the symbol; scanners need four.
pub const QUIET_ZONE: usize = 4;

#[derive(Clone, Debug, PartialEq)]
pub struct Qr {
    width: usize,
    dark: Vec<bool>,
}

pub use qrcode::types::QrError;

impl Qr {
    /// Level M survives a smudge or a staple hole and keeps a URL at version 3–4.
    pub fn encode(data: &str) -> Result<Qr, QrError> {
        let code = QrCode::with_error_correction_level(data, EcLevel::M)?;
        Ok(Qr {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// The dark modules of each row merged into runs, placed in `area` (a square that
    /// includes the quiet zone).
    pub fn runs(&self, area: Area) -> Vec<Area> {
        let module = area.w / (self.width + 2 * QUIET_ZONE) as f32;
        let origin = |n: usize| (n + QUIET_ZONE) as f32 * module;
        let mut runs = Vec::new();
        for (y, row) in self.dark.chunks(self.width).enumerate() {
            let mut x = 0;
            while x < self.width {
                if !row[x] {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && row[x] {
                    x += 1;
                }
                runs.push(Area {
                    x: area.x + origin(start),
                    y: area.y + origin(y),
                    w: (x - start) as f32 * module,
                    h: module,
                });
            }
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_leave_the_quiet_zone_blank() {
        let qr = Qr::encode("https://example.cn/verify/SQ202611210001?c=3f9a1c0e").unwrap();
        let area = Area {
            x: 10.0,
            y: 20.0,
            w: 24.0,
            h: 24.0,
        };
        let module = 24.0 / (qr.width + 8) as f32;
        let inner = Area {
            x: 10.0 + 4.0 * module,
            y: 20.0 + 4.0 * module,
            w: qr.width as f32 * module,
            h: qr.width as f32 * module,
        };
        let runs = qr.runs(area);
        assert!(!runs.is_empty());
        assert!(runs.iter().all(|run| inner.contains(run)));
        let dark: f32 = runs.iter().map(|run| run.w / module).sum();
        assert_eq!(
            dark.round() as usize,
            qr.dark.iter().filter(|d| **d).count()
        );
    }
}
