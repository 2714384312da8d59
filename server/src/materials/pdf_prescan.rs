//! A pass over a PDF's bytes before any parser sees them, refusing what no scanner writes but
//! attacks on parsers do:
//!
//! * arrays and dictionaries nested past [`MAX_PDF_NESTING`];
//! * a cross-reference stream whose `/W` field widths or `/Size` would have the parser size
//!   its buffers from the attacker's numbers;
//! * cross-reference entries (tables and streams) naming one offset for two objects
//!   ([`pdf_xref`]), and object streams whose members overlap ([`pdf_streams`]): one object
//!   parsed or kept thousands of times over;
//! * more object streams than a scan needs (each is inflated while loading);
//! * encryption, refused anyway, before the parser spends time decrypting.
//!
//! It keeps, for each open dictionary, only the entries these checks read. Linear in the file;
//! its memory is bounded by the nesting limit and the entry limits.

use app::domain::file_defects::{Defect, MAX_PDF_NESTING};
use app::domain::materials::UploadRejection;

use super::pdf_streams::{self, Encoding, Filter, MAX_PDF_OBJECTS};
use super::pdf_tokens::{Open, Token, Tokens, name_is};
use super::pdf_xref::{self, MAX_XREF_ENTRIES, Table};

/// Object streams a PDF may have, since each may inflate to the loading limit. A scanned
/// document has one or two.
pub const MAX_PDF_OBJECT_STREAMS: usize = 64;

/// The widest cross-reference stream field: 8 bytes hold any offset.
const MAX_XREF_FIELD_WIDTH: i64 = 8;

pub fn prescan(bytes: &[u8]) -> Result<(), UploadRejection> {
    let mut scan = Scan::default();
    for token in Tokens::new(bytes) {
        scan.token(token)?;
    }
    pdf_xref::check_offsets(scan.entries)
}

#[derive(Default)]
struct Scan {
    open: Vec<Frame>,
    /// The dictionary just closed at the top level, whose stream may follow.
    closed: Option<Dictionary>,
    /// Inside a classic cross-reference table.
    table: Option<Table>,
    object_streams: usize,
    members: usize,
    /// `(object number, offset)` of every entry in use, from every section.
    entries: Vec<(u64, u64)>,
}

impl Scan {
    fn token(&mut self, token: Token<'_>) -> Result<(), UploadRejection> {
        if let Some(table) = &mut self.table {
            match table.token(&token, &mut self.entries) {
                Ok(true) => return Ok(()),
                Ok(false) => self.table = None,
                Err(refused) => return Err(refused),
            }
        }
        let closed = self.closed.take();
        match token {
            Token::Open(kind) => self.open(kind)?,
            Token::Close(kind) => self.close(kind)?,
            Token::Name(name) => self.name(name)?,
            Token::Integer(value) => self.integer(value),
            Token::Stream(data) => {
                if let Some(dictionary) = closed {
                    self.stream(&dictionary, data)?;
                }
            }
            Token::Keyword(word) if self.open.is_empty() && word == b"xref" => {
                self.table = Some(Table::default());
            }
            Token::Keyword(_) | Token::Other => self.value_done(),
        }
        Ok(())
    }

    fn open(&mut self, kind: Open) -> Result<(), UploadRejection> {
        if self.open.len() >= MAX_PDF_NESTING {
            return Err(UploadRejection::Defect(Defect::PdfNesting));
        }
        let parent = self.open.last();
        let key = parent.and_then(|p| p.key);
        let frame = Frame {
            kind,
            key: None,
            dictionary: Dictionary::default(),
            numbers: (kind == Open::Array && matches!(key, Some(Key::W | Key::Index)))
                .then(Vec::new),
            filters: (kind == Open::Array && key == Some(Key::Filter)).then_some(0),
            // The decoding parameters, as a dictionary or an array of them.
            parameters: key == Some(Key::DecodeParms) || parent.is_some_and(|p| p.parameters),
        };
        self.open.push(frame);
        Ok(())
    }

    fn close(&mut self, kind: Open) -> Result<(), UploadRejection> {
        if self.open.last().is_none_or(|frame| frame.kind != kind) {
            // Unbalanced: the parser will say what it makes of it.
            return Ok(());
        }
        let frame = self.open.pop().expect("checked above");
        if frame.kind == Open::Dictionary {
            let dictionary = &frame.dictionary;
            if dictionary.encrypted {
                return Err(UploadRejection::EncryptedPdf);
            }
            if dictionary.kind == Kind::XRef {
                check_xref(dictionary)?;
            }
            if frame.parameters {
                let encoding = frame.dictionary.encoding;
                if let Some(owner) = self.open.iter_mut().rev().find(|f| !f.parameters) {
                    owner.dictionary.encoding.predictor = encoding.predictor;
                    owner.dictionary.encoding.columns = encoding.columns;
                }
            }
        }
        match self.open.last_mut() {
            Some(parent) => {
                match parent.key {
                    Some(Key::W) => parent.dictionary.widths = frame.numbers,
                    Some(Key::Index) => parent.dictionary.index = frame.numbers,
                    Some(Key::Filter) => {
                        parent.dictionary.encoding.filter = match frame.filters {
                            Some(0) => Filter::None,
                            Some(1) => frame.dictionary.encoding.filter,
                            _ => Filter::Other,
                        }
                    }
                    _ => {}
                }
                parent.key = None;
            }
            None if frame.kind == Open::Dictionary => self.closed = Some(frame.dictionary),
            None => {}
        }
        Ok(())
    }

    fn name(&mut self, name: &[u8]) -> Result<(), UploadRejection> {
        if name_is(name, b"ObjStm") {
            self.object_streams += 1;
            if self.object_streams > MAX_PDF_OBJECT_STREAMS {
                return Err(UploadRejection::TooComplex);
            }
        }
        let Some(frame) = self.open.last_mut() else {
            return Ok(());
        };
        if let Some(count) = &mut frame.filters {
            // A filter chain: its first name stands for it only if it is the only one.
            *count += 1;
            frame.dictionary.encoding.filter = filter_named(name);
            return Ok(());
        }
        if frame.kind == Open::Array {
            return Ok(());
        }
        let dictionary = &mut frame.dictionary;
        match frame.key.take() {
            None => {
                let key = Key::of(name);
                dictionary.encrypted |= key == Key::Encrypt;
                frame.key = Some(key);
            }
            Some(Key::Type) => {
                dictionary.kind = if name_is(name, b"XRef") {
                    Kind::XRef
                } else if name_is(name, b"ObjStm") {
                    Kind::ObjStm
                } else {
                    Kind::Other
                };
            }
            Some(Key::Filter) => dictionary.encoding.filter = filter_named(name),
            Some(_) => {}
        }
        Ok(())
    }

    fn integer(&mut self, value: i64) {
        let Some(frame) = self.open.last_mut() else {
            return;
        };
        if let Some(numbers) = &mut frame.numbers {
            numbers.push(value);
            return;
        }
        let dictionary = &mut frame.dictionary;
        match frame.key.take() {
            Some(Key::Size) => dictionary.size = Some(value),
            Some(Key::First) => dictionary.first = Some(value),
            Some(Key::Predictor) => dictionary.encoding.predictor = Some(value),
            Some(Key::Columns) => dictionary.encoding.columns = Some(value),
            _ => {}
        }
    }

    /// A value this scan does not read ends the pending key.
    fn value_done(&mut self) {
        if let Some(frame) = self.open.last_mut() {
            frame.key = None;
        }
    }

    fn stream(&mut self, dictionary: &Dictionary, data: &[u8]) -> Result<(), UploadRejection> {
        match dictionary.kind {
            Kind::XRef => {
                let content = pdf_streams::decode(data, dictionary.encoding)?;
                let widths = dictionary.widths.as_deref().unwrap_or_default();
                // `check_xref` saw three widths of 0 to 8 bytes.
                let widths = [0, 1, 2].map(|i| widths[i] as usize);
                let mut found = Vec::new();
                pdf_xref::xref_stream_entries(
                    &content,
                    widths,
                    dictionary.index.as_deref(),
                    dictionary.size.unwrap_or(0),
                    &mut found,
                )?;
                self.add_entries(found)
            }
            Kind::ObjStm => {
                let content = pdf_streams::decode(data, dictionary.encoding)?;
                let first = dictionary.first.unwrap_or(-1);
                self.members += pdf_streams::object_stream_members(&content, first)?;
                if self.members > MAX_PDF_OBJECTS {
                    return Err(UploadRejection::TooComplex);
                }
                Ok(())
            }
            Kind::Other => Ok(()),
        }
    }

    fn add_entries(&mut self, found: Vec<(u64, u64)>) -> Result<(), UploadRejection> {
        self.entries.extend(found);
        if self.entries.len() > MAX_XREF_ENTRIES {
            return Err(UploadRejection::TooComplex);
        }
        Ok(())
    }
}

fn filter_named(name: &[u8]) -> Filter {
    if name_is(name, b"FlateDecode") {
        Filter::Flate
    } else {
        Filter::Other
    }
}

fn check_xref(dictionary: &Dictionary) -> Result<(), UploadRejection> {
    let bad = UploadRejection::Defect(Defect::PdfXref);
    let widths = dictionary.widths.as_deref().ok_or(bad)?;
    if widths.len() != 3
        || widths
            .iter()
            .any(|w| !(0..=MAX_XREF_FIELD_WIDTH).contains(w))
        || widths.iter().sum::<i64>() == 0
    {
        return Err(bad);
    }
    match dictionary.size {
        Some(size) if size < 0 => Err(bad),
        Some(size) if size as u64 > MAX_PDF_OBJECTS as u64 => Err(UploadRejection::TooComplex),
        Some(_) => Ok(()),
        None => Err(bad),
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Kind {
    #[default]
    Other,
    XRef,
    ObjStm,
}

/// The keys these checks read; any other is `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Type,
    W,
    Index,
    Size,
    First,
    Filter,
    DecodeParms,
    Predictor,
    Columns,
    Encrypt,
    Other,
}

impl Key {
    fn of(name: &[u8]) -> Key {
        [
            (&b"Type"[..], Key::Type),
            (b"W", Key::W),
            (b"Index", Key::Index),
            (b"Size", Key::Size),
            (b"First", Key::First),
            (b"Filter", Key::Filter),
            (b"DecodeParms", Key::DecodeParms),
            (b"Predictor", Key::Predictor),
            (b"Columns", Key::Columns),
            (b"Encrypt", Key::Encrypt),
        ]
        .into_iter()
        .find(|(text, _)| name_is(name, text))
        .map_or(Key::Other, |(_, key)| key)
    }
}

/// What the checks read of a dictionary.
#[derive(Clone, Debug, Default)]
struct Dictionary {
    kind: Kind,
    widths: Option<Vec<i64>>,
    index: Option<Vec<i64>>,
    size: Option<i64>,
    first: Option<i64>,
    encoding: Encoding,
    encrypted: bool,
}

/// An open array or dictionary.
struct Frame {
    kind: Open,
    /// In a dictionary: the key whose value comes next.
    key: Option<Key>,
    dictionary: Dictionary,
    /// An array that is a `/W` or `/Index` value: its integers.
    numbers: Option<Vec<i64>>,
    /// An array that is a `/Filter` value: how many names it holds.
    filters: Option<usize>,
    /// Decoding parameters, which belong to the enclosing stream's dictionary.
    parameters: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xref(dictionary: &str) -> Result<(), UploadRejection> {
        prescan(
            format!(
                "%PDF-1.5\n9 0 obj\n{dictionary}\nstream\n\x01\x00\x0f\x00\nendstream\nendobj\n"
            )
            .as_bytes(),
        )
    }

    const BAD_XREF: Result<(), UploadRejection> = Err(UploadRejection::Defect(Defect::PdfXref));

    #[test]
    fn a_sound_xref_stream_passes_in_any_key_order() {
        assert_eq!(
            xref("<< /Type /XRef /Size 9 /W [1 2 1] /Root 1 0 R >>"),
            Ok(())
        );
        assert_eq!(xref("<</Root 1 0 R/W[1 2 1]/Size 3/Type/XRef>>"), Ok(()));
        // The same entries outside an xref stream are nobody's business here.
        assert_eq!(xref("<< /W [1 99 2] >>"), Ok(()));
    }

    #[test]
    fn xref_field_widths_and_sizes_no_writer_uses_are_refused() {
        for dictionary in [
            "<< /Type /XRef /Size 9 /W [1 1099511627776 1] >>",
            "<< /Type /XRef /Size 9 /W [1 -1 1] >>",
            "<< /Type /XRef /Size 9 /W [0 0 0] >>",
            "<< /Type /XRef /Size 9 /W [1 2] >>",
            "<< /Type /XRef /Size 9 >>",
            "<< /Type /XRef /W [1 2 1] >>",
            "<< /Type /XRef /Size -4 /W [1 2 1] >>",
            // Escaped names are the same names.
            "<< /Type /XR#65f /Size 9 /W [1 9 1] >>",
        ] {
            assert_eq!(xref(dictionary), BAD_XREF, "{dictionary}");
        }
        assert_eq!(
            xref("<< /Type /XRef /Size 4000000000 /W [1 4 2] >>"),
            Err(UploadRejection::TooComplex)
        );
        assert_eq!(
            xref("<< /Type /XRef /Size 9 /W [1 2 1] /Filter [/ASCIIHexDecode /FlateDecode] >>"),
            Err(UploadRejection::TooComplex)
        );
    }

    #[test]
    fn nesting_counts_arrays_and_dictionaries_but_not_strings_or_streams() {
        let nested = |depth: usize| format!("{}{}", "[<<".repeat(depth), ">>]".repeat(depth));
        let half = MAX_PDF_NESTING / 2;
        assert_eq!(prescan(nested(half).as_bytes()), Ok(()));
        assert_eq!(
            prescan(nested(half + 1).as_bytes()),
            Err(UploadRejection::Defect(Defect::PdfNesting))
        );
        let hidden = "[".repeat(1000);
        let quiet = format!(
            "({hidden} \\( ) <5b5b> % {hidden}\n<< /Length 1000 >> stream\n{hidden}\nendstream"
        );
        assert_eq!(prescan(quiet.as_bytes()), Ok(()));
    }

    #[test]
    fn a_classic_table_may_not_give_two_objects_one_offset() {
        let table = |entries: &str| {
            format!("xref\n0 3\n0000000000 65535 f \n{entries}trailer\n<< /Size 3 >>")
        };
        let sound = table("0000000015 00000 n \n0000000090 00000 n \n");
        assert_eq!(prescan(sound.as_bytes()), Ok(()));
        let shared = table("0000000015 00000 n \n0000000015 00000 n \n");
        assert_eq!(prescan(shared.as_bytes()), BAD_XREF);
        // An update that repeats an entry of the first table is fine.
        let repeated = format!("{sound}\nxref\n1 1\n0000000015 00000 n \ntrailer <<>>");
        assert_eq!(prescan(repeated.as_bytes()), Ok(()));
    }

    #[test]
    fn xref_stream_entries_are_decoded_with_their_predictor() {
        // Two type-1 entries at offset 15, each row "up"-predicted from the one before.
        let stream = |rows: &[u8]| {
            let mut pdf = b"1 0 obj << /Type /XRef /Size 2 /W [1 2 1] \
                 /DecodeParms << /Columns 4 /Predictor 12 >> >> stream\n"
                .to_vec();
            pdf.extend(rows);
            pdf.extend(b"\nendstream endobj");
            pdf
        };
        let shared = stream(&[2, 1, 0, 15, 0, 2, 0, 0, 0, 0]);
        assert_eq!(prescan(&shared), BAD_XREF);
        let apart = stream(&[2, 1, 0, 15, 0, 2, 0, 0, 75, 0]);
        assert_eq!(prescan(&apart), Ok(()));
    }

    #[test]
    fn encryption_is_refused_before_parsing() {
        assert_eq!(
            prescan(b"trailer << /Root 1 0 R /Encrypt 5 0 R >>"),
            Err(UploadRejection::EncryptedPdf)
        );
    }
}
