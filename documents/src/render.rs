//! Layout pages to PDF with printpdf: one embedded TrueType font (Type0/Identity-H with
//! a ToUnicode map, so the text can be searched and copied), gray fills, thin rules.

use printpdf::{
    Color, Date, DateTime, FontId, Greyscale, Line, LinePoint, Mm, Offset, Op, PaintMode,
    ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem,
    TextMatrix, TextRenderingMode, Time,
};

use crate::layout::{Area, Item, Metrics, PAGE_HEIGHT, PAGE_WIDTH, Page, TextLine, layout};
use crate::model::{DocumentData, DocumentKind};
use crate::qr::{Qr, QrError};
use crate::text::document_characters;
use crate::wording;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the font could not be read as TrueType/OpenType")]
    Font,
    /// The font (usually a subset made for other text) cannot draw these characters.
    #[error("the font has no glyphs for: {0}")]
    MissingGlyphs(String),
    #[error("the verification URL does not fit in a QR code: {0}")]
    Qr(#[from] QrError),
}

/// Renders one document as an A4 PDF. `font` should be a TrueType subset made for
/// [`crate::characters`] of the same document (the `subset` feature's `subset_font`);
/// a full font works too but is embedded whole.
pub fn render(
    kind: DocumentKind,
    data: &DocumentData,
    font: &[u8],
) -> Result<Vec<u8>, RenderError> {
    let mut parsed = ParsedFont::from_bytes(font, 0, &mut Vec::new()).ok_or(RenderError::Font)?;
    let document = wording::document(kind, data);
    let missing: String = document_characters(&document)
        .chars()
        .filter(|&c| parsed.lookup_glyph_index(u32::from(c)).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(RenderError::MissingGlyphs(missing));
    }
    let pages = layout(
        &document,
        &Qr::encode(&data.verify_url)?,
        &FontMetrics(&parsed),
    );

    // printpdf marks a font as a subset only when it subset it itself; this one was
    // subset before, so name it as PDF names subsets (`ABCDEF+Name`).
    parsed.font_name = Some(format!("{}+{}", subset_tag(font), postscript_name(font)));
    let mut pdf = PdfDocument::new(&document.title);
    if let Some(date) = file_date(&data.date) {
        let info = &mut pdf.metadata.info;
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
    }
    let font_id = pdf.add_font(&parsed);
    let pages = pages
        .iter()
        .map(|page| PdfPage::new(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), page_ops(page, &font_id)))
        .collect();
    let options = PdfSaveOptions {
        // Already subset; printpdf cannot subset without its `text_layout` feature.
        subset_fonts: false,
        ..PdfSaveOptions::default()
    };
    Ok(pdf.with_pages(pages).save(&options, &mut Vec::new()))
}

/// The printed date (`2026年11月21日`) as the file's dates, at 00:00: printpdf's default
/// is 1970. printpdf writes every date as UTC, so no offset is given; on wasm it writes
/// 1970 whatever it is given (printpdf 0.12.8), so only server-rendered files carry it.
fn file_date(printed: &str) -> Option<DateTime> {
    let mut numbers = printed
        .split(['年', '月', '日'])
        .filter(|part| !part.trim().is_empty())
        .map(|part| part.trim().parse::<u16>().ok());
    let (year, month, day) = (numbers.next()??, numbers.next()??, numbers.next()??);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if numbers.next().is_some() || !(1..=days).contains(&day) {
        return None;
    }
    Some(DateTime {
        date: Date {
            year: i32::from(year),
            month: month as u8,
            day: day as u8,
        },
        time: Time {
            hour: 0,
            minute: 0,
            second: 0,
            millisecond: 0,
        },
        offset: Offset {
            hours: 0,
            minutes: 0,
            seconds: 0,
            milliseconds: 0,
        },
    })
}

struct FontMetrics<'f>(&'f ParsedFont);

impl Metrics for FontMetrics<'_> {
    fn advance(&self, c: char) -> f32 {
        let units = f32::from(self.0.units_per_em.max(1));
        self.0
            .lookup_glyph_index(u32::from(c))
            .and_then(|glyph| self.0.get_glyph_width(glyph))
            .map_or(1.0, |width| f32::from(width) / units)
    }
}

/// Six capitals derived from the font bytes (FNV-1a), stable for the same subset.
fn subset_tag(font: &[u8]) -> String {
    let mut hash = font.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    (0..6)
        .map(|_| {
            let letter = char::from(b'A' + (hash % 26) as u8);
            hash /= 26;
            letter
        })
        .collect()
}

/// The font's PostScript name (name ID 6), for the PDF font dictionaries. Read by hand
/// from a Unicode record: allsorts' own lookup pulls legacy encoding tables into wasm.
fn postscript_name(font: &[u8]) -> String {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::tables::{FontTableProvider, NameTable};

    let name = || {
        let file = ReadScope::new(font).read::<FontData<'_>>().ok()?;
        let provider = file.table_provider(0).ok()?;
        let data = provider.read_table_data(allsorts::tag::NAME).ok()?;
        let table = ReadScope::new(&data).read::<NameTable<'_>>().ok()?;
        let record = table.name_records.iter().find(|record| {
            record.name_id == NameTable::POSTSCRIPT_NAME && matches!(record.platform_id, 0 | 3)
        })?;
        let bytes = table
            .string_storage
            .offset_length(usize::from(record.offset), usize::from(record.length))
            .ok()?
            .data();
        let units = bytes
            .chunks_exact(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .ok()
    };
    name()
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or_else(|| "Font".to_owned())
}

/// Fills first, then lines, then text, so no shading covers a border or a word.
fn page_ops(page: &Page, font: &FontId) -> Vec<Op> {
    let items: Vec<&Item> = page.furniture.iter().chain(&page.body).collect();
    let mut ops = Vec::new();
    for item in &items {
        if let Item::Fill { area, gray } = item {
            ops.push(Op::SetFillColor {
                col: gray_color(*gray),
            });
            ops.push(Op::DrawRectangle {
                rectangle: rect(area, PaintMode::Fill),
            });
        }
    }
    ops.push(Op::SetOutlineColor {
        col: gray_color(0.0),
    });
    for item in &items {
        match item {
            Item::Frame { area, width } => {
                ops.push(Op::SetOutlineThickness {
                    pt: Mm(*width).into(),
                });
                ops.push(Op::DrawRectangle {
                    rectangle: rect(area, PaintMode::Stroke),
                });
            }
            Item::Rule { x1, x2, y, width } => {
                ops.push(Op::SetOutlineThickness {
                    pt: Mm(*width).into(),
                });
                ops.push(Op::DrawLine {
                    line: Line {
                        points: vec![point(*x1, *y), point(*x2, *y)],
                        is_closed: false,
                    },
                });
            }
            Item::Text(_) | Item::Fill { .. } => {}
        }
    }
    ops.push(Op::StartTextSection);
    for item in &items {
        if let Item::Text(line) = item {
            text_ops(line, font, &mut ops);
        }
    }
    ops.push(Op::EndTextSection);
    ops
}

fn text_ops(line: &TextLine, font: &FontId, ops: &mut Vec<Op>) {
    let style = line.style;
    ops.push(Op::SetFont {
        font: PdfFontHandle::External(font.clone()),
        size: Pt(style.size),
    });
    ops.push(Op::SetFillColor {
        col: gray_color(style.gray),
    });
    // One weight is embedded; headings are emboldened by stroking the outline too.
    if style.bold {
        ops.push(Op::SetOutlineColor {
            col: gray_color(style.gray),
        });
        ops.push(Op::SetOutlineThickness {
            pt: Pt(style.size * 0.035),
        });
    }
    ops.push(Op::SetTextRenderingMode {
        mode: if style.bold {
            TextRenderingMode::FillStroke
        } else {
            TextRenderingMode::Fill
        },
    });
    let Point { x, y } = point(line.x, line.baseline).p;
    ops.push(Op::SetTextMatrix {
        matrix: TextMatrix::Translate(x, y),
    });
    let justified = line.spacing > 0.0;
    if justified {
        // Tc is in unscaled text space units: points, as the text matrix does not scale.
        ops.push(Op::SetCharacterSpacing {
            multiplier: Mm(line.spacing).into_pt().0,
        });
    }
    ops.push(Op::ShowText {
        items: vec![TextItem::Text(line.text.clone())],
    });
    if justified {
        ops.push(Op::SetCharacterSpacing { multiplier: 0.0 });
    }
}

fn gray_color(gray: f32) -> Color {
    Color::Greyscale(Greyscale::new(gray, None))
}

/// Layout measures from the top edge; PDF from the bottom.
fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point {
            x: Mm(x).into(),
            y: Mm(PAGE_HEIGHT - y).into(),
        },
        bezier: false,
    }
}

fn rect(area: &Area, mode: PaintMode) -> Rect {
    Rect {
        mode: Some(mode),
        ..Rect::from_xywh(
            Mm(area.x).into(),
            Mm(PAGE_HEIGHT - area.bottom()).into(),
            Mm(area.w).into(),
            Mm(area.h).into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_date_becomes_the_file_date() {
        let date = file_date("2026年11月21日").unwrap();
        assert_eq!(
            (date.date.year, date.date.month, date.date.day),
            (2026, 11, 21)
        );
        assert_eq!(file_date("2028年2月29日").map(|d| d.date.day), Some(29));
        for wrong in ["2026年2月29日", "2026年13月1日", "21 Nov 2026", "2026年"] {
            assert_eq!(file_date(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn subset_tags_are_six_capitals_and_stable() {
        let tag = subset_tag(b"font bytes");
        assert_eq!(tag.len(), 6);
        assert!(tag.chars().all(|c| c.is_ascii_uppercase()));
        assert_eq!(tag, subset_tag(b"font bytes"));
        assert_ne!(tag, subset_tag(b"other bytes"));
    }
}
