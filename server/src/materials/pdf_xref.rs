//! Where a PDF says its objects are: classic cross-reference tables and the entries of
//! cross-reference streams, collected from every section so that one offset serving two
//! objects is found. A parser reads each entry as given, so an offset named 80,000 times is
//! one object parsed 80,000 times: minutes of CPU from a 2 MB file.

use app::domain::file_defects::Defect;
use app::domain::materials::UploadRejection;

use super::pdf_streams::MAX_PDF_OBJECTS;
use super::pdf_tokens::Token;

/// Cross-reference entries read before duplicates are set aside: incremental updates may
/// repeat the table.
pub const MAX_XREF_ENTRIES: usize = 4 * MAX_PDF_OBJECTS;

fn bad_index() -> UploadRejection {
    UploadRejection::Defect(Defect::PdfXref)
}

/// A classic cross-reference table: subsections of a first object number and a count, then
/// `offset generation n|f` per object.
#[derive(Default)]
pub struct Table {
    /// The subsection being read: the next object's number and how many are left.
    next: Option<(u64, u64)>,
    /// A subsection header's first number, or an entry's numbers so far.
    numbers: Vec<i64>,
}

impl Table {
    /// Takes `token` if it belongs to the table; `false` when the table has ended.
    pub fn token(
        &mut self,
        token: &Token<'_>,
        entries: &mut Vec<(u64, u64)>,
    ) -> Result<bool, UploadRejection> {
        match (token, self.next) {
            (Token::Integer(value), None) => {
                self.numbers.push(*value);
                if let [start, count] = self.numbers[..] {
                    let (Ok(start), Ok(count)) = (u64::try_from(start), u64::try_from(count))
                    else {
                        return Err(bad_index());
                    };
                    self.numbers.clear();
                    self.next = (count > 0).then_some((start, count));
                }
                Ok(true)
            }
            (Token::Integer(value), Some(_)) if self.numbers.len() < 2 => {
                self.numbers.push(*value);
                Ok(true)
            }
            (Token::Keyword(kind @ (b"n" | b"f")), Some((number, left))) => {
                let [offset, _generation] = self.numbers[..] else {
                    return Err(bad_index());
                };
                self.numbers.clear();
                if *kind == b"n" {
                    entries.push((number, u64::try_from(offset).map_err(|_| bad_index())?));
                    if entries.len() > MAX_XREF_ENTRIES {
                        return Err(UploadRejection::TooComplex);
                    }
                }
                self.next = (left > 1).then_some((number + 1, left - 1));
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// The in-use entries `(object number, offset)` of a decoded cross-reference stream with field
/// `widths` and `/Index` sections (`None`: one section from 0 for `size` objects), appended to
/// `found`. Refuses more entries than a document may have objects.
pub fn xref_stream_entries(
    data: &[u8],
    widths: [usize; 3],
    index: Option<&[i64]>,
    size: i64,
    found: &mut Vec<(u64, u64)>,
) -> Result<(), UploadRejection> {
    let width: usize = widths.iter().sum();
    let default = [0, size];
    let sections = index.unwrap_or(&default);
    let mut rows = data.chunks_exact(width.max(1));
    for section in sections.chunks_exact(2) {
        let (Ok(start), Ok(count)) = (u64::try_from(section[0]), u64::try_from(section[1])) else {
            return Err(bad_index());
        };
        for number in start..start.saturating_add(count) {
            let Some(row) = rows.next() else {
                return Ok(());
            };
            if found.len() >= MAX_XREF_ENTRIES {
                return Err(UploadRejection::TooComplex);
            }
            let (kind, rest) = row.split_at(widths[0]);
            let (offset, _) = rest.split_at(widths[1]);
            // A missing type field means type 1, an object in use at an offset.
            if kind.is_empty() || big_endian(kind) == 1 {
                found.push((number, big_endian(offset)));
            }
        }
    }
    Ok(())
}

fn big_endian(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0, |value, &b| (value << 8) | u64::from(b))
}

/// Offsets of objects in use, by number, from every cross-reference section: one offset must
/// not serve two objects.
pub fn check_offsets(mut entries: Vec<(u64, u64)>) -> Result<(), UploadRejection> {
    // The same object at the same offset in two sections (an update repeating the table) is
    // one entry.
    entries.sort_unstable_by_key(|&(number, offset)| (offset, number));
    entries.dedup();
    if entries.windows(2).any(|pair| pair[0].1 == pair[1].1) {
        return Err(bad_index());
    }
    if entries.len() > MAX_PDF_OBJECTS {
        return Err(UploadRejection::TooComplex);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xref_stream_entries_in_use_are_listed() {
        // Type 1 at 15, type 2 (in an object stream), type 0 (free), type 1 at 300.
        let data = [1, 0, 15, 0, 2, 0, 9, 0, 0, 0, 0, 0, 1, 1, 44, 0];
        let mut found = Vec::new();
        xref_stream_entries(&data, [1, 2, 1], Some(&[5, 4]), 9, &mut found).unwrap();
        assert_eq!(found, [(5, 15), (8, 300)]);
    }

    #[test]
    fn one_offset_for_two_objects_is_refused_but_a_repeated_entry_is_not() {
        assert_eq!(check_offsets(vec![(1, 15), (2, 90), (1, 15)]), Ok(()));
        assert_eq!(check_offsets(vec![(1, 15), (2, 15)]), Err(bad_index()));
    }
}
