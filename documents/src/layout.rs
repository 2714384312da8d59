//! Pure layout: a [`Document`], its QR code and font metrics in; A4 pages of positioned
//! text, rules and boxes out, in mm from the top-left corner. No PDF here, so tests can
//! check that everything fits where it should.

use crate::document::{
    Align, Block, Cell, CellKind, Document, Row, SignLine, Style, Table, page_label,
};
use crate::qr::Qr;
use crate::wrap::wrap;

pub const PAGE_WIDTH: f32 = 210.0;
pub const PAGE_HEIGHT: f32 = 297.0;
const MARGIN_X: f32 = 20.0;
const BODY_X: f32 = MARGIN_X;
const BODY_RIGHT: f32 = PAGE_WIDTH - MARGIN_X;
const BODY_WIDTH: f32 = BODY_RIGHT - BODY_X;
const HEADER_TOP: f32 = 10.0;
/// The QR square including its quiet zone: 0.6–0.7 mm modules for a URL, easy for phones.
const QR_SIZE: f32 = 24.0;
const BODY_BOTTOM: f32 = 276.0;
const FOOTER_RULE: f32 = 280.0;
const FOOTER_TOP: f32 = 282.0;

const PT: f32 = 25.4 / 72.0;
/// Top of the ideographic em box above the baseline (Noto Sans SC: 880/1000).
const ASCENT: f32 = 0.88;

const CELL_PAD_X: f32 = 2.0;
const CELL_PAD_Y: f32 = 1.3;
const SIGN_LINE: f32 = 13.0;
const BOX_GAP: f32 = 8.0;
/// Most letter-spacing added to justify a line, in ems.
const MAX_SPACING: f32 = 0.08;

/// Horizontal advance of a character, in ems.
pub trait Metrics {
    fn advance(&self, c: char) -> f32;
}

/// A rectangle in mm, `y` growing downwards.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Area {
    pub fn right(&self) -> f32 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }
}

#[cfg(test)]
impl Area {
    /// With a little slack for float rounding.
    pub fn contains(&self, other: &Area) -> bool {
        const SLACK: f32 = 0.01;
        other.x >= self.x - SLACK
            && other.y >= self.y - SLACK
            && other.right() <= self.right() + SLACK
            && other.bottom() <= self.bottom() + SLACK
    }

    pub fn overlaps(&self, other: &Area) -> bool {
        const SLACK: f32 = 0.01;
        self.x < other.right() - SLACK
            && other.x < self.right() - SLACK
            && self.y < other.bottom() - SLACK
            && other.y < self.bottom() - SLACK
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextStyle {
    /// In points.
    pub size: f32,
    pub bold: bool,
    /// 0 black … 1 white.
    pub gray: f32,
    /// Line height as a multiple of the size.
    leading: f32,
}

impl TextStyle {
    const fn new(size: f32, bold: bool, gray: f32, leading: f32) -> Self {
        TextStyle {
            size,
            bold,
            gray,
            leading,
        }
    }

    fn size_mm(&self) -> f32 {
        self.size * PT
    }

    fn line_height(&self) -> f32 {
        self.size_mm() * self.leading
    }
}

const TITLE: TextStyle = TextStyle::new(18.0, true, 0.0, 1.5);
const HEADING: TextStyle = TextStyle::new(11.0, true, 0.0, 1.6);
const BODY: TextStyle = TextStyle::new(11.0, false, 0.0, 1.75);
const SMALL: TextStyle = TextStyle::new(9.0, false, 0.2, 1.6);
const CELL: TextStyle = TextStyle::new(10.0, false, 0.0, 1.4);
const CELL_HEADING: TextStyle = TextStyle::new(10.5, true, 0.0, 1.4);
const PROJECT: TextStyle = TextStyle::new(9.0, false, 0.3, 1.45);
const NUMBER: TextStyle = TextStyle::new(13.0, false, 0.0, 1.4);
const CAPTION: TextStyle = TextStyle::new(8.0, false, 0.35, 1.45);

fn paragraph_style(style: Style) -> TextStyle {
    match style {
        Style::Body => BODY,
        Style::Small => SMALL,
    }
}

/// One line of text at its final position.
#[derive(Clone, Debug, PartialEq)]
pub struct TextLine {
    pub text: String,
    /// Left end of the baseline.
    pub x: f32,
    pub baseline: f32,
    pub style: TextStyle,
    /// Including `spacing`.
    pub width: f32,
    /// Extra space after each character but the last, in mm, to justify the line.
    pub spacing: f32,
    /// The box the line was set in; it must stay inside.
    pub bounds: Area,
}

#[cfg(test)]
impl TextLine {
    /// The ideographic em box of the line: where its ink can be.
    pub fn ink(&self) -> Area {
        let size = self.style.size_mm();
        Area {
            x: self.x,
            y: self.baseline - ASCENT * size,
            w: self.width,
            h: size,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Text(TextLine),
    Fill {
        area: Area,
        gray: f32,
    },
    Frame {
        area: Area,
        width: f32,
    },
    /// A horizontal line.
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// Header (application number, QR code) and footer (title, page count).
    pub furniture: Vec<Item>,
    /// Where the content may go.
    pub body_area: Area,
    pub body: Vec<Item>,
}

pub fn layout(doc: &Document, qr: &Qr, metrics: &impl Metrics) -> Vec<Page> {
    let mut out = Layout::new(doc, qr, metrics);
    out.block_lines(&doc.title, TITLE, BODY_X, BODY_WIDTH, Align::Center);
    out.y += 3.0;
    for block in &doc.blocks {
        match block {
            Block::Paragraph {
                text,
                style,
                indent,
                align,
            } => out.paragraph(text, paragraph_style(*style), *indent, *align),
            Block::Space(mm) => out.y += mm,
            Block::Table(table) => out.table(table),
            Block::SignOff { indent, lines } => out.sign_off(*indent, lines),
            Block::Boxes {
                heading,
                captions,
                height,
            } => out.boxes(heading, captions, *height),
        }
    }
    out.finish()
}

struct Layout<'a, M> {
    doc: &'a Document,
    metrics: &'a M,
    header: Vec<Item>,
    body_top: f32,
    pages: Vec<Page>,
    y: f32,
}

/// A table row measured at its column widths.
struct Measured<'r> {
    cells: Vec<(&'r Cell, Area, Vec<&'r str>)>,
    height: f32,
}

impl<'a, M: Metrics> Layout<'a, M> {
    fn new(doc: &'a Document, qr: &Qr, metrics: &'a M) -> Self {
        let mut layout = Layout {
            doc,
            metrics,
            header: Vec::new(),
            body_top: 0.0,
            pages: Vec::new(),
            y: 0.0,
        };
        layout.header = layout.header(qr);
        layout.new_page();
        layout
    }

    fn width(&self, text: &str, style: TextStyle) -> f32 {
        text.chars().map(|c| self.metrics.advance(c)).sum::<f32>() * style.size_mm()
    }

    fn wrap<'t>(&self, text: &'t str, style: TextStyle, first: f32, rest: f32) -> Vec<&'t str> {
        wrap(text, first, rest, |s| self.width(s, style))
    }

    /// A line of text in `bounds`, vertically centred.
    fn line(&self, text: &str, style: TextStyle, bounds: Area, align: Align) -> TextLine {
        let width = self.width(text, style);
        let x = match align {
            Align::Left => bounds.x,
            Align::Center => bounds.x + (bounds.w - width) / 2.0,
            Align::Right => bounds.right() - width,
        };
        let size = style.size_mm();
        TextLine {
            text: text.to_owned(),
            x,
            baseline: bounds.y + (bounds.h - size) / 2.0 + ASCENT * size,
            style,
            width,
            spacing: 0.0,
            bounds,
        }
    }

    /// A line of a left-aligned paragraph that continues below: stretched to the full
    /// width, as Chinese text is set. Only by a little per character, which keeps
    /// pdftotext from reading the gaps as spaces (it does above 0.1 em); a line that
    /// would need more stays ragged.
    fn justified(&self, text: &str, style: TextStyle, bounds: Area) -> TextLine {
        let mut line = self.line(text, style, bounds, Align::Left);
        let gaps = text.chars().count().saturating_sub(1) as f32;
        let spacing = (bounds.w - line.width) / gaps;
        if gaps > 0.0 && spacing > 0.0 && spacing <= MAX_SPACING * style.size_mm() {
            line.spacing = spacing;
            line.width = bounds.w;
        }
        line
    }

    /// Project, application number and caption at the left, the QR code at the right;
    /// the same on every page. Sets where the body starts.
    fn header(&mut self, qr: &Qr) -> Vec<Item> {
        let qr_area = Area {
            x: BODY_RIGHT - QR_SIZE,
            y: HEADER_TOP,
            w: QR_SIZE,
            h: QR_SIZE,
        };
        let text_width = qr_area.x - 4.0 - BODY_X;
        let styles = [PROJECT, NUMBER, CAPTION];
        let lines: Vec<(&str, TextStyle)> = self
            .doc
            .header
            .iter()
            .zip(styles)
            .flat_map(|(text, style)| {
                self.wrap(text, style, text_width, text_width)
                    .into_iter()
                    .map(move |line| (line, style))
            })
            .collect();
        let height: f32 = lines.iter().map(|(_, style)| style.line_height()).sum();
        // Bottom-aligned with the code unless the text is taller.
        let mut y = HEADER_TOP + (QR_SIZE - height).max(0.0);
        let mut items = Vec::new();
        for (text, style) in lines {
            let bounds = Area {
                x: BODY_X,
                y,
                w: text_width,
                h: style.line_height(),
            };
            items.push(Item::Text(self.line(text, style, bounds, Align::Left)));
            y += style.line_height();
        }
        items.extend(
            qr.runs(qr_area)
                .into_iter()
                .map(|area| Item::Fill { area, gray: 0.0 }),
        );
        let rule = y.max(qr_area.bottom()) + 2.0;
        items.push(Item::Rule {
            x1: BODY_X,
            x2: BODY_RIGHT,
            y: rule,
            width: 0.4,
        });
        self.body_top = rule + 4.0;
        items
    }

    fn new_page(&mut self) {
        self.pages.push(Page {
            furniture: self.header.clone(),
            body_area: Area {
                x: BODY_X,
                y: self.body_top,
                w: BODY_WIDTH,
                h: BODY_BOTTOM - self.body_top,
            },
            body: Vec::new(),
        });
        self.y = self.body_top;
    }

    /// Starts a new page unless `height` fits below the cursor or the page is still empty.
    fn room(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM && !self.page_is_empty() {
            self.new_page();
        }
    }

    fn page_is_empty(&self) -> bool {
        self.pages.last().is_none_or(|page| page.body.is_empty())
    }

    fn push(&mut self, item: Item) {
        self.pages.last_mut().expect("a page").body.push(item);
    }

    /// Wrapped lines across `width` from `x`, breaking pages between lines.
    fn block_lines(&mut self, text: &str, style: TextStyle, x: f32, width: f32, align: Align) {
        for line in self.wrap(text, style, width, width) {
            self.room(style.line_height());
            let bounds = Area {
                x,
                y: self.y,
                w: width,
                h: style.line_height(),
            };
            let line = self.line(line, style, bounds, align);
            self.push(Item::Text(line));
            self.y += style.line_height();
        }
    }

    fn paragraph(&mut self, text: &str, style: TextStyle, indent: bool, align: Align) {
        // Two ideographs, as Chinese paragraphs are indented.
        let indent = if indent { 2.0 * style.size_mm() } else { 0.0 };
        let lines = self.wrap(text, style, BODY_WIDTH - indent, BODY_WIDTH);
        let last = lines.len().saturating_sub(1);
        for (n, line) in lines.into_iter().enumerate() {
            self.room(style.line_height());
            let x = if n == 0 { BODY_X + indent } else { BODY_X };
            let bounds = Area {
                x,
                y: self.y,
                w: BODY_RIGHT - x,
                h: style.line_height(),
            };
            let line = if align == Align::Left && n < last {
                self.justified(line, style, bounds)
            } else {
                self.line(line, style, bounds, align)
            };
            self.push(Item::Text(line));
            self.y += style.line_height();
        }
        self.y += 1.5;
    }

    fn measure<'r>(&self, row: &'r Row, edges: &[f32]) -> Measured<'r> {
        let mut column = 0;
        let mut cells = Vec::new();
        let mut height = row.min_height;
        for cell in &row.cells {
            let end = (column + cell.span).min(edges.len() - 1);
            let area = Area {
                x: edges[column],
                y: 0.0,
                w: edges[end] - edges[column],
                h: 0.0,
            };
            column = end;
            let style = cell_style(cell.kind);
            let inner = area.w - 2.0 * CELL_PAD_X;
            let lines = self.wrap(&cell.text, style, inner, inner);
            height = height.max(lines.len().max(1) as f32 * style.line_height() + 2.0 * CELL_PAD_Y);
            cells.push((cell, area, lines));
        }
        Measured { cells, height }
    }

    fn place_row(&mut self, row: &Measured) {
        for (cell, area, lines) in &row.cells {
            let area = Area {
                y: self.y,
                h: row.height,
                ..*area
            };
            let shade = match cell.kind {
                CellKind::Heading => Some(0.86),
                CellKind::ColumnHeader | CellKind::Label => Some(0.95),
                CellKind::Value => None,
            };
            if let Some(gray) = shade {
                self.push(Item::Fill { area, gray });
            }
            self.push(Item::Frame { area, width: 0.25 });
            let style = cell_style(cell.kind);
            let block = lines.len() as f32 * style.line_height();
            let mut y = area.y + (area.h - block) / 2.0;
            for (n, line) in lines.iter().enumerate() {
                let bounds = Area {
                    x: area.x + CELL_PAD_X,
                    y,
                    w: area.w - 2.0 * CELL_PAD_X,
                    h: style.line_height(),
                };
                let line = if cell.align == Align::Left && n + 1 < lines.len() {
                    self.justified(line, style, bounds)
                } else {
                    self.line(line, style, bounds, cell.align)
                };
                self.push(Item::Text(line));
                y += style.line_height();
            }
        }
        self.y += row.height;
    }

    /// Rows never split; a page break repeats the header rows, and a section band moves
    /// down with the row after it.
    fn table(&mut self, table: &Table) {
        let total: f32 = table.columns.iter().sum();
        let edges: Vec<f32> = std::iter::once(0.0)
            .chain(table.columns.iter().scan(0.0, |acc, w| {
                *acc += w;
                Some(*acc)
            }))
            .map(|w| BODY_X + BODY_WIDTH * w / total)
            .collect();
        let header: Vec<Measured> = table
            .header
            .iter()
            .map(|row| self.measure(row, &edges))
            .collect();
        let header_height: f32 = header.iter().map(|row| row.height).sum();
        let rows: Vec<Measured> = table
            .rows
            .iter()
            .map(|row| self.measure(row, &edges))
            .collect();

        let mut header_due = !header.is_empty();
        for (n, row) in rows.iter().enumerate() {
            let mut needed = row.height;
            if table.rows[n].is_heading()
                && let Some(next) = rows.get(n + 1)
            {
                needed += next.height;
            }
            if header_due {
                needed += header_height;
            }
            if self.y + needed > BODY_BOTTOM && !self.page_is_empty() {
                self.new_page();
                header_due = !header.is_empty();
            }
            if header_due {
                for row in &header {
                    self.place_row(row);
                }
                header_due = false;
            }
            self.place_row(row);
        }
    }

    fn sign_off(&mut self, indent: f32, lines: &[SignLine]) {
        self.room(SIGN_LINE * lines.len() as f32);
        let x = BODY_X + indent;
        let label_width = lines
            .iter()
            .map(|line| self.width(&line.label, BODY))
            .fold(0.0, f32::max);
        for line in lines {
            let bounds = Area {
                x,
                y: self.y,
                w: label_width,
                h: SIGN_LINE,
            };
            let label = self.line(&line.label, BODY, bounds, Align::Left);
            let baseline = label.baseline;
            self.push(Item::Text(label));
            let rest = Area {
                x: x + label_width,
                w: BODY_RIGHT - x - label_width,
                ..bounds
            };
            match &line.value {
                Some(value) => {
                    let value = self.line(value, BODY, rest, Align::Left);
                    self.push(Item::Text(value));
                }
                None => self.push(Item::Rule {
                    x1: rest.x,
                    x2: rest.right(),
                    y: baseline + 1.5,
                    width: 0.3,
                }),
            }
            self.y += SIGN_LINE;
        }
    }

    fn boxes(&mut self, heading: &str, captions: &[String], height: f32) {
        let heading_lines = self.wrap(heading, HEADING, BODY_WIDTH, BODY_WIDTH);
        let caption_height = CAPTION.line_height() + 1.0;
        self.room(
            heading_lines.len() as f32 * HEADING.line_height() + 2.0 + height + caption_height,
        );
        self.block_lines(heading, HEADING, BODY_X, BODY_WIDTH, Align::Left);
        self.y += 2.0;
        let count = captions.len().max(1) as f32;
        let width = (BODY_WIDTH - BOX_GAP * (count - 1.0)) / count;
        for (n, caption) in captions.iter().enumerate() {
            let area = Area {
                x: BODY_X + n as f32 * (width + BOX_GAP),
                y: self.y,
                w: width,
                h: height,
            };
            self.push(Item::Frame { area, width: 0.4 });
            let below = Area {
                y: area.bottom() + 1.0,
                h: CAPTION.line_height(),
                ..area
            };
            let caption = self.line(caption, CAPTION, below, Align::Center);
            self.push(Item::Text(caption));
        }
        self.y += height + caption_height + 6.0;
    }

    /// Adds the footers, now that the page count is known.
    fn finish(self) -> Vec<Page> {
        let count = self.pages.len();
        let footer = Area {
            x: BODY_X,
            y: FOOTER_TOP,
            w: BODY_WIDTH,
            h: CAPTION.line_height(),
        };
        let rule = Item::Rule {
            x1: BODY_X,
            x2: BODY_RIGHT,
            y: FOOTER_RULE,
            width: 0.2,
        };
        let title = Item::Text(self.line(&self.doc.title, CAPTION, footer, Align::Left));
        let labels: Vec<Item> = (1..=count)
            .map(|n| Item::Text(self.line(&page_label(n, count), CAPTION, footer, Align::Right)))
            .collect();
        let mut pages = self.pages;
        for (page, label) in pages.iter_mut().zip(labels) {
            page.furniture.extend([rule.clone(), title.clone(), label]);
        }
        pages
    }
}

fn cell_style(kind: CellKind) -> TextStyle {
    match kind {
        CellKind::Heading => CELL_HEADING,
        CellKind::ColumnHeader | CellKind::Label | CellKind::Value => CELL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::model::{DocumentData, DocumentKind, Subject};
    use crate::wording;
    use crate::wrap::is_no_start;

    /// Roughly Noto Sans SC: ideographs one em, ASCII a little over half.
    struct Fixed;

    impl Metrics for Fixed {
        fn advance(&self, c: char) -> f32 {
            if c.is_ascii() { 0.6 } else { 1.0 }
        }
    }

    fn pages(kind: DocumentKind, data: &DocumentData) -> Vec<Page> {
        let qr = Qr::encode(&data.verify_url).unwrap();
        layout(&wording::document(kind, data), &qr, &Fixed)
    }

    fn texts(items: &[Item]) -> impl Iterator<Item = &TextLine> {
        items.iter().filter_map(|item| match item {
            Item::Text(line) => Some(line),
            _ => None,
        })
    }

    fn area_of(item: &Item) -> Area {
        match item {
            Item::Text(line) => line.bounds,
            Item::Fill { area, .. } | Item::Frame { area, .. } => *area,
            Item::Rule { x1, x2, y, .. } => Area {
                x: *x1,
                y: *y,
                w: x2 - x1,
                h: 0.0,
            },
        }
    }

    /// What must hold on every page of every document.
    fn assert_fits(kind: DocumentKind, pages: &[Page]) {
        let paper = Area {
            x: 10.0,
            y: 10.0,
            w: PAGE_WIDTH - 20.0,
            h: PAGE_HEIGHT - 20.0,
        };
        for (n, page) in pages.iter().enumerate() {
            let at = format!("{kind:?} page {}", n + 1);
            for item in &page.body {
                assert!(
                    page.body_area.contains(&area_of(item)),
                    "{at}: {item:?} outside the body"
                );
            }
            for item in &page.furniture {
                let area = area_of(item);
                assert!(paper.contains(&area), "{at}: {item:?} off the paper");
                assert!(
                    !area.overlaps(&page.body_area),
                    "{at}: {item:?} overlaps the body"
                );
            }
            let lines: Vec<&TextLine> = texts(&page.body).chain(texts(&page.furniture)).collect();
            for (i, line) in lines.iter().enumerate() {
                assert!(
                    line.bounds.contains(&line.ink()),
                    "{at}: {line:?} overflows its box"
                );
                assert!(
                    !line.text.starts_with(is_no_start),
                    "{at}: {:?} starts a line",
                    line.text
                );
                for other in &lines[i + 1..] {
                    assert!(
                        !line.ink().overlaps(&other.ink()),
                        "{at}: {line:?} overlaps {other:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_document_fits_on_one_page_with_ordinary_data() {
        for data in [fixtures::organisation(), fixtures::natural_person()] {
            for kind in DocumentKind::ALL {
                let pages = pages(kind, &data);
                assert_eq!(pages.len(), 1, "{kind:?}");
                assert_fits(kind, &pages);
            }
        }
    }

    #[test]
    fn long_names_addresses_and_many_holders_wrap_and_continue_on_new_pages() {
        let data = fixtures::crowded();
        for kind in DocumentKind::ALL {
            let pages = pages(kind, &data);
            assert_fits(kind, &pages);
            let all: Vec<&str> = pages
                .iter()
                .flat_map(|page| texts(&page.body))
                .map(|line| line.text.as_str())
                .collect();
            // Long values are wrapped in their cells, not cut.
            let Subject::Organisation { org, .. } = &data.subject else {
                unreachable!("the fixture is an organisation")
            };
            let printed = all.concat();
            assert!(printed.contains(&org.name), "{kind:?}: name incomplete");
            if kind == DocumentKind::ApplicationForm {
                assert!(printed.contains(&org.address), "address incomplete");
            }
            if kind == DocumentKind::SealSheet {
                continue;
            }
            assert!(pages.len() >= 2, "{kind:?}: 34 certificates on one page");
            // Every added holder once, in order (the fixture's own three also appear in
            // the agent and legal representative tables).
            let holders: Vec<&str> = data.certificates[4..]
                .iter()
                .filter_map(|line| line.holder.as_ref())
                .map(|holder| holder.id_number.as_str())
                .collect();
            assert_eq!(holders.len(), 30);
            let printed: Vec<&str> = all
                .iter()
                .copied()
                .filter(|text| holders.contains(text))
                .collect();
            assert_eq!(printed, holders, "{kind:?}");
            // The column titles come back on every page the table continues onto.
            for page in &pages[1..] {
                let titles = texts(&page.body)
                    .filter(|line| line.text == "持有人身份证号码")
                    .count();
                let rows = texts(&page.body)
                    .filter(|line| holders.contains(&line.text.as_str()))
                    .count();
                assert!(
                    rows == 0 || titles == 1,
                    "{kind:?}: continued table without its header"
                );
            }
        }
    }

    #[test]
    fn footers_count_the_pages() {
        let pages = pages(DocumentKind::ApplicationForm, &fixtures::crowded());
        let last = pages.last().unwrap();
        let label = page_label(pages.len(), pages.len());
        assert!(texts(&last.furniture).any(|line| line.text == label));
    }
}
