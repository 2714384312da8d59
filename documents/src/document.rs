//! What a document says, before it is measured: the title, the page furniture and a list
//! of blocks. Everything the renderer draws comes from these strings, so the same value
//! answers "which characters does the font need" (see [`crate::characters`]).

/// Text styles; sizes and weights live in the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Body,
    /// Instructions and notes.
    Small,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    /// Only the layout's page labels.
    #[cfg(feature = "pdf")]
    Right,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// Printed once, on the first page, and in every footer.
    pub title: String,
    /// Top-left lines beside the QR code on every page: project, application number,
    /// what the code is for.
    pub header: [String; 3],
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// Wrapped to the body width; may continue on the next page between lines.
    Paragraph {
        text: String,
        style: Style,
        /// Two-character first-line indent, as Chinese prose is set.
        indent: bool,
        align: Align,
    },
    /// Vertical space in mm.
    Space(f32),
    /// May continue on the next page between rows; `header` rows are repeated there.
    Table(Table),
    /// Signature and date lines, starting `indent` mm from the left of the body; a line
    /// without a value gets a rule to write on.
    SignOff { indent: f32, lines: Vec<SignLine> },
    /// A heading and a row of equal empty boxes for seals or signatures, each with a
    /// caption below; kept together on one page.
    Boxes {
        heading: String,
        captions: Vec<String>,
        height: f32,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct SignLine {
    pub label: String,
    pub value: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Relative column widths, scaled to the body width.
    pub columns: Vec<f32>,
    pub header: Vec<Row>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub cells: Vec<Cell>,
    /// In mm; room to sign or stamp.
    pub min_height: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    /// A shaded band across the table naming the section below it.
    Heading,
    /// A shaded column title.
    ColumnHeader,
    /// A field name.
    Label,
    Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub text: String,
    pub kind: CellKind,
    /// How many columns the cell covers.
    pub span: usize,
    pub align: Align,
}

impl Cell {
    fn new(kind: CellKind, text: impl Into<String>, align: Align) -> Self {
        Cell {
            text: text.into(),
            kind,
            span: 1,
            align,
        }
    }

    pub fn heading(text: impl Into<String>) -> Self {
        Cell::new(CellKind::Heading, text, Align::Left)
    }

    pub fn column(text: impl Into<String>) -> Self {
        Cell::new(CellKind::ColumnHeader, text, Align::Center)
    }

    pub fn label(text: impl Into<String>) -> Self {
        Cell::new(CellKind::Label, text, Align::Center)
    }

    pub fn value(text: impl Into<String>) -> Self {
        Cell::new(CellKind::Value, text, Align::Left)
    }

    pub fn span(mut self, columns: usize) -> Self {
        self.span = columns;
        self
    }

    pub fn centered(mut self) -> Self {
        self.align = Align::Center;
        self
    }
}

impl Row {
    pub fn new(cells: Vec<Cell>) -> Self {
        Row {
            cells,
            min_height: 0.0,
        }
    }

    pub fn min_height(mut self, mm: f32) -> Self {
        self.min_height = mm;
        self
    }

    /// A section band: kept on the same page as the row after it.
    #[cfg(feature = "pdf")]
    pub fn is_heading(&self) -> bool {
        self.cells.iter().all(|cell| cell.kind == CellKind::Heading)
    }
}

/// The footer's page count. Its fixed characters are [`PAGE_LABEL_CHARS`]; the numbers
/// are only known after layout, so every digit is always part of the character set.
#[cfg(feature = "pdf")]
pub fn page_label(page: usize, pages: usize) -> String {
    format!("第 {page} 页，共 {pages} 页")
}

pub const PAGE_LABEL_CHARS: &str = "第页，共 0123456789";

impl Document {
    /// Every string the document prints, except the page labels.
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        let blocks = self
            .blocks
            .iter()
            .flat_map(|block| -> Box<dyn Iterator<Item = &str>> {
                match block {
                    Block::Paragraph { text, .. } => Box::new(std::iter::once(text.as_str())),
                    Block::Space(_) => Box::new(std::iter::empty()),
                    Block::Table(table) => Box::new(
                        table
                            .header
                            .iter()
                            .chain(&table.rows)
                            .flat_map(|row| &row.cells)
                            .map(|cell| cell.text.as_str()),
                    ),
                    Block::SignOff { lines, .. } => Box::new(lines.iter().flat_map(|line| {
                        std::iter::once(line.label.as_str()).chain(line.value.as_deref())
                    })),
                    Block::Boxes {
                        heading, captions, ..
                    } => Box::new(
                        std::iter::once(heading.as_str())
                            .chain(captions.iter().map(String::as_str)),
                    ),
                }
            });
        std::iter::once(self.title.as_str())
            .chain(self.header.iter().map(String::as_str))
            .chain(blocks)
    }
}

#[cfg(all(test, feature = "pdf"))]
mod tests {
    use super::*;

    #[test]
    fn page_labels_use_only_their_declared_characters() {
        for (page, pages) in [(1, 1), (9, 10), (123, 456)] {
            let label = page_label(page, pages);
            assert!(
                label.chars().all(|c| PAGE_LABEL_CHARS.contains(c)),
                "{label}"
            );
        }
    }
}
