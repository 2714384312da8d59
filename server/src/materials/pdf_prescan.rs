//! A pass over a PDF's bytes before any parser sees them, refusing what no scanner writes but
//! attacks on parsers do: arrays and dictionaries nested past [`MAX_PDF_NESTING`], a
//! cross-reference stream whose `/W` field widths or `/Size` would have the parser size its
//! buffers from the attacker's numbers, and more object streams than a scan needs (each is
//! inflated while loading).
//!
//! A tokenizer, not a parser: it skips comments, strings and stream data, and keeps for each
//! open dictionary only what these checks read. Linear in the file, its memory bounded by the
//! nesting limit.

use app::domain::file_defects::{Defect, MAX_PDF_NESTING};
use app::domain::materials::UploadRejection;

/// Objects a PDF may hold: a 50-page scan has a few hundred.
pub const MAX_PDF_OBJECTS: usize = 50_000;

/// Object streams a PDF may have, since each may inflate to the loading limit. A scanned
/// document has one or two.
pub const MAX_PDF_OBJECT_STREAMS: usize = 64;

/// The widest cross-reference stream field: 8 bytes hold any offset.
const MAX_XREF_FIELD_WIDTH: i64 = 8;

pub fn prescan(bytes: &[u8]) -> Result<(), UploadRejection> {
    let mut tokens = Tokens { bytes, at: 0 };
    let mut open: Vec<Frame> = Vec::new();
    let mut object_streams = 0;
    while let Some(token) = tokens.next() {
        match token {
            Token::Open(kind) => {
                if open.len() >= MAX_PDF_NESTING {
                    return Err(UploadRejection::Defect(Defect::PdfNesting));
                }
                let numbers = kind == Open::Array
                    && open.last().is_some_and(|frame| frame.key == Some(Key::W));
                open.push(Frame::new(kind, numbers));
            }
            Token::Close(kind) => {
                if open.last().is_none_or(|frame| frame.kind != kind) {
                    // Unbalanced: the parser will say what it makes of it.
                    continue;
                }
                let frame = open.pop().expect("checked above");
                if frame.kind == Open::Dictionary && frame.xref {
                    check_xref(&frame)?;
                }
                if let Some(parent) = open.last_mut() {
                    if frame.numbers.is_some() && parent.key == Some(Key::W) {
                        parent.widths = frame.numbers;
                    }
                    parent.key = None;
                }
            }
            Token::Name(name) => {
                if decoded_eq(name, b"ObjStm") {
                    object_streams += 1;
                    if object_streams > MAX_PDF_OBJECT_STREAMS {
                        return Err(UploadRejection::TooComplex);
                    }
                }
                let Some(frame) = open.last_mut() else {
                    continue;
                };
                match (frame.kind, frame.key) {
                    (Open::Dictionary, None) => frame.key = Some(Key::of(name)),
                    (Open::Dictionary, Some(Key::Type)) => {
                        frame.xref = decoded_eq(name, b"XRef");
                        frame.key = None;
                    }
                    (Open::Dictionary, Some(_)) => frame.key = None,
                    (Open::Array, _) => {}
                }
            }
            Token::Integer(value) => {
                let Some(frame) = open.last_mut() else {
                    continue;
                };
                if let Some(numbers) = &mut frame.numbers {
                    numbers.push(value);
                } else if frame.key == Some(Key::Size) {
                    frame.size = Some(value);
                }
                if frame.kind == Open::Dictionary {
                    frame.key = None;
                }
            }
            Token::Other => {
                if let Some(frame) = open.last_mut().filter(|f| f.kind == Open::Dictionary) {
                    frame.key = None;
                }
            }
        }
    }
    Ok(())
}

fn check_xref(dictionary: &Frame) -> Result<(), UploadRejection> {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Array,
    Dictionary,
}

/// The keys these checks read; any other is `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Type,
    W,
    Size,
    Other,
}

impl Key {
    fn of(name: &[u8]) -> Key {
        [
            (b"Type".as_slice(), Key::Type),
            (b"W", Key::W),
            (b"Size", Key::Size),
        ]
        .into_iter()
        .find(|(text, _)| decoded_eq(name, text))
        .map_or(Key::Other, |(_, key)| key)
    }
}

/// An open array or dictionary.
struct Frame {
    kind: Open,
    /// In a dictionary: the key whose value comes next.
    key: Option<Key>,
    /// A dictionary whose `/Type` is `/XRef`.
    xref: bool,
    /// A dictionary's `/W` entry, once its array closed.
    widths: Option<Vec<i64>>,
    size: Option<i64>,
    /// An array that is a `/W` value: its integers.
    numbers: Option<Vec<i64>>,
}

impl Frame {
    fn new(kind: Open, numbers: bool) -> Self {
        Self {
            kind,
            key: None,
            xref: false,
            widths: None,
            size: None,
            numbers: numbers.then(Vec::new),
        }
    }
}

enum Token<'a> {
    Open(Open),
    Close(Open),
    /// Without the slash, `#xx` escapes not yet decoded.
    Name(&'a [u8]),
    Integer(i64),
    /// Anything else: strings, reals, keywords, skipped stream data.
    Other,
}

struct Tokens<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let byte = *self.bytes.get(self.at)?;
            let next = self.bytes.get(self.at + 1).copied();
            self.at += 1;
            return Some(match byte {
                b'%' => {
                    self.skip_while(|b| b != b'\r' && b != b'\n');
                    continue;
                }
                b'(' => {
                    self.skip_literal_string();
                    Token::Other
                }
                b'<' if next == Some(b'<') => {
                    self.at += 1;
                    Token::Open(Open::Dictionary)
                }
                b'<' => {
                    self.skip_while(|b| b != b'>');
                    self.at += 1;
                    Token::Other
                }
                b'>' if next == Some(b'>') => {
                    self.at += 1;
                    Token::Close(Open::Dictionary)
                }
                b'[' => Token::Open(Open::Array),
                b']' => Token::Close(Open::Array),
                b'/' => Token::Name(self.regular()),
                _ if is_white(byte) || is_delimiter(byte) => continue,
                _ => {
                    self.at -= 1;
                    let word = self.regular();
                    if word == b"stream" {
                        self.skip_stream_data();
                        Token::Other
                    } else {
                        integer(word).map_or(Token::Other, Token::Integer)
                    }
                }
            });
        }
    }
}

impl<'a> Tokens<'a> {
    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        let rest = &self.bytes[self.at..];
        self.at += rest.iter().position(|&b| !keep(b)).unwrap_or(rest.len());
    }

    /// A run of regular characters (a name's body, a number, a keyword).
    fn regular(&mut self) -> &'a [u8] {
        let start = self.at;
        self.skip_while(|b| !is_white(b) && !is_delimiter(b));
        &self.bytes[start..self.at]
    }

    /// After the opening parenthesis: balanced parentheses, backslash escapes.
    fn skip_literal_string(&mut self) {
        let mut depth = 1usize;
        while let Some(&byte) = self.bytes.get(self.at) {
            self.at += 1;
            match byte {
                b'\\' => self.at += 1,
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// Binary data up to `endstream`, which may hold any byte.
    fn skip_stream_data(&mut self) {
        let rest = &self.bytes[self.at.min(self.bytes.len())..];
        self.at += rest
            .windows(9)
            .position(|w| w == b"endstream")
            .map_or(rest.len(), |found| found + 9);
    }
}

fn is_white(byte: u8) -> bool {
    matches!(byte, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

fn is_delimiter(byte: u8) -> bool {
    b"()<>[]{}/%".contains(&byte)
}

fn integer(word: &[u8]) -> Option<i64> {
    std::str::from_utf8(word).ok()?.parse().ok()
}

/// Whether a name's raw bytes, `#xx` escapes decoded, are `expected`.
fn decoded_eq(raw: &[u8], expected: &[u8]) -> bool {
    let mut expected = expected.iter();
    let mut at = 0;
    while at < raw.len() {
        let byte = match (raw[at], raw.get(at + 1..at + 3)) {
            (b'#', Some(hex)) => {
                at += 3;
                match std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(byte) => byte,
                    None => return false,
                }
            }
            (byte, _) => {
                at += 1;
                byte
            }
        };
        if expected.next() != Some(&byte) {
            return false;
        }
    }
    expected.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xref(dictionary: &str) -> Result<(), UploadRejection> {
        prescan(
            format!("%PDF-1.5\n9 0 obj\n{dictionary}\nstream\n\x01\x02[[[\nendstream\nendobj\n")
                .as_bytes(),
        )
    }

    const BAD_XREF: Result<(), UploadRejection> = Err(UploadRejection::Defect(Defect::PdfXref));

    #[test]
    fn a_sound_xref_stream_passes_in_any_key_order() {
        assert_eq!(
            xref("<< /Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R >>"),
            Ok(())
        );
        assert_eq!(xref("<</Root 1 0 R/W[1 2 0]/Size 3/Type/XRef>>"), Ok(()));
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
    fn names_decode_their_escapes() {
        assert!(decoded_eq(b"XRef", b"XRef"));
        assert!(decoded_eq(b"X#52ef", b"XRef"));
        assert!(!decoded_eq(b"XRe", b"XRef"));
        assert!(!decoded_eq(b"XRefs", b"XRef"));
        assert!(!decoded_eq(b"XR#zzf", b"XRef"));
    }
}
