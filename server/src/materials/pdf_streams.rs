//! The streams that tell a PDF parser where objects are, decoded before the parser trusts them
//! (cross-reference streams, read in [`super::pdf_xref`]), and object streams (objects packed
//! together behind an index of offsets) checked: a parser keeps a copy of an object for each
//! index entry that reaches it, so overlapping entries turn one large object into tens of
//! gigabytes from a 2 MB file.

use std::io::Read;

use app::domain::file_defects::Defect;
use app::domain::materials::UploadRejection;

use super::pdf_tokens::{Token, Tokens};

/// The most any one compressed PDF structure (object or cross-reference stream) may inflate
/// to. Real ones are a few KB; page images are not inflated.
pub const MAX_PDF_STREAM_BYTES: usize = 4 * 1024 * 1024;

/// Objects a PDF may hold: a 50-page scan has a few hundred.
pub const MAX_PDF_OBJECTS: usize = 50_000;

/// How a stream's data is encoded, as far as these streams use it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Filter {
    #[default]
    None,
    Flate,
    /// Anything else, or a chain: no writer encodes these streams so.
    Other,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Encoding {
    pub filter: Filter,
    /// `/Predictor` of `/DecodeParms`: 1 (none), 2 (TIFF) or 10–15 (PNG).
    pub predictor: Option<i64>,
    pub columns: Option<i64>,
}

fn too_complex() -> UploadRejection {
    UploadRejection::TooComplex
}

fn bad_index() -> UploadRejection {
    UploadRejection::Defect(Defect::PdfXref)
}

/// The stream's data decoded, at most [`MAX_PDF_STREAM_BYTES`]. A damaged deflate stream gives
/// what decoded before the damage, as parsers do.
pub fn decode(data: &[u8], encoding: Encoding) -> Result<Vec<u8>, UploadRejection> {
    let inflated = match encoding.filter {
        Filter::None => data.to_vec(),
        Filter::Other => return Err(too_complex()),
        Filter::Flate => {
            let mut out = Vec::new();
            let mut reader =
                flate2::read::ZlibDecoder::new(data).take(MAX_PDF_STREAM_BYTES as u64 + 1);
            // The part before an error is kept.
            let _ = reader.read_to_end(&mut out);
            if out.len() > MAX_PDF_STREAM_BYTES {
                return Err(too_complex());
            }
            out
        }
    };
    match encoding.predictor.unwrap_or(1) {
        1 => Ok(inflated),
        10..=15 => {
            let columns = encoding.columns.unwrap_or(1);
            let columns = usize::try_from(columns)
                .ok()
                .filter(|c| (1..=64).contains(c))
                .ok_or_else(bad_index)?;
            Ok(unpredict_png(&inflated, columns))
        }
        _ => Err(too_complex()),
    }
}

/// Rows of `columns` bytes (one byte per sample, as in cross-reference streams), each after a
/// PNG filter type byte.
fn unpredict_png(data: &[u8], columns: usize) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(data.len());
    let mut previous = vec![0u8; columns];
    for row in data.chunks_exact(columns + 1) {
        let (kind, row) = (row[0], &row[1..]);
        let start = out.len();
        for (i, &byte) in row.iter().enumerate() {
            let left = if i > 0 { out[start + i - 1] } else { 0 };
            let up = previous[i];
            let upper_left = if i > 0 { previous[i - 1] } else { 0 };
            let predicted = match kind {
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, upper_left),
                _ => 0,
            };
            out.push(byte.wrapping_add(predicted));
        }
        previous.copy_from_slice(&out[start..]);
    }
    out
}

fn paeth(left: u8, up: u8, upper_left: u8) -> u8 {
    let estimate = i16::from(left) + i16::from(up) - i16::from(upper_left);
    let distance = |v: u8| (estimate - i16::from(v)).abs();
    if distance(left) <= distance(up) && distance(left) <= distance(upper_left) {
        left
    } else if distance(up) <= distance(upper_left) {
        up
    } else {
        upper_left
    }
}

/// Checks a decoded object stream's index (pairs of object number and offset from `first`)
/// and returns how many objects it holds. The offsets must rise, and each object must close
/// before the next begins, so no object is read twice over.
pub fn object_stream_members(content: &[u8], first: i64) -> Result<usize, UploadRejection> {
    let Some(first) = usize::try_from(first).ok().filter(|&f| f <= content.len()) else {
        // The parser cannot read it either, and skips it.
        return Ok(0);
    };
    let (index, objects) = content.split_at(first);
    let mut offsets = Vec::new();
    for (i, token) in Tokens::new(index).enumerate() {
        let Token::Integer(value) = token else {
            return Err(bad_index());
        };
        if i % 2 == 1 {
            offsets.push(usize::try_from(value).map_err(|_| bad_index())?);
            if offsets.len() > MAX_PDF_OBJECTS {
                return Err(too_complex());
            }
        }
    }
    if offsets.windows(2).any(|pair| pair[0] >= pair[1])
        || offsets.last().is_some_and(|&last| last >= objects.len())
    {
        return Err(bad_index());
    }
    for (i, &start) in offsets.iter().enumerate() {
        let end = offsets.get(i + 1).copied().unwrap_or(objects.len());
        if !self_contained(&objects[start..end]) {
            return Err(bad_index());
        }
    }
    Ok(offsets.len())
}

/// Whether every array, dictionary, string and stream that opens in `region` also closes in it.
fn self_contained(region: &[u8]) -> bool {
    let mut tokens = Tokens::new(region);
    let mut depth = 0usize;
    for token in tokens.by_ref() {
        match token {
            Token::Open(_) => depth += 1,
            Token::Close(_) if depth == 0 => return false,
            Token::Close(_) => depth -= 1,
            _ => {}
        }
    }
    depth == 0 && !tokens.unterminated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_predicted_rows_are_restored() {
        // Two rows of three columns, "up" filtered: the second row adds to the first.
        let data = [2, 1, 2, 3, 2, 1, 1, 1];
        assert_eq!(unpredict_png(&data, 3), [1, 2, 3, 2, 3, 4]);
        assert_eq!(paeth(10, 20, 15), 15);
    }

    #[test]
    fn flate_data_decodes_within_the_limit() {
        use std::io::Write;
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&[7u8; 1000]).unwrap();
        let small = encoder.finish().unwrap();
        let flate = Encoding {
            filter: Filter::Flate,
            ..Encoding::default()
        };
        assert_eq!(decode(&small, flate).unwrap(), vec![7u8; 1000]);

        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder
            .write_all(&vec![0u8; MAX_PDF_STREAM_BYTES + 1])
            .unwrap();
        let bomb = encoder.finish().unwrap();
        assert_eq!(decode(&bomb, flate), Err(UploadRejection::TooComplex));
        let chained = Encoding {
            filter: Filter::Other,
            ..Encoding::default()
        };
        assert_eq!(decode(b"", chained), Err(UploadRejection::TooComplex));
    }

    #[test]
    fn an_object_stream_index_must_rise_and_each_object_close_in_its_place() {
        let good = b"10 0 11 11 12 19 << /A 1 >> [1 2 3] (text)";
        assert_eq!(object_stream_members(good, 17), Ok(3));
        let repeated = b"10 0 11 0 (a long string)";
        assert_eq!(object_stream_members(repeated, 10), Err(bad_index()));
        // Rising, but the first object runs over the second's place.
        let overlapping = b"10 0 11 4 ((( ))) ";
        assert_eq!(object_stream_members(overlapping, 10), Err(bad_index()));
        // An index that is not numbers, or an offset past the end.
        assert_eq!(object_stream_members(b"10 /X 1", 7), Err(bad_index()));
        assert_eq!(object_stream_members(b"10 99 1", 6), Err(bad_index()));
    }
}
