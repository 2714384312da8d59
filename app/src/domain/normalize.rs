//! Folding of what people actually type into the plain ASCII the checks expect.
//!
//! Chinese input methods produce full-width digits and letters (`１２３`, `ｘ`), ideographic
//! spaces (`\u{3000}`) and a zoo of dash look-alikes; copy-paste from Word or WeChat adds
//! non-breaking and zero-width spaces. Every identifier is folded here before it is checked.

/// Maps full-width ASCII (`U+FF01..=U+FF5E`) to ASCII and every space or dash look-alike to
/// `' '` or `'-'`; other characters are kept as they are.
///
/// ```
/// use app::domain::normalize::fold_char;
/// assert_eq!(fold_char('７'), '7');
/// assert_eq!(fold_char('ｘ'), 'x');
/// assert_eq!(fold_char('\u{3000}'), ' ');
/// assert_eq!(fold_char('—'), '-');
/// assert_eq!(fold_char('山'), '山');
/// ```
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}'
        | '\u{00A0}'
        | '\u{2000}'..='\u{200B}'
        | '\u{202F}'
        | '\u{205F}'
        | '\u{FEFF}' => ' ',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{30FC}' => '-',
        _ => c,
    }
}

/// Folds every character, then drops spaces and dashes anywhere and upper-cases ASCII letters:
/// the canonical form of a code that people group with spaces or hyphens when they copy it.
///
/// ```
/// use app::domain::normalize::compact;
/// assert_eq!(compact(" 1101０5 1949-1001 002ｘ "), "11010519491001002X");
/// ```
pub fn compact(input: &str) -> String {
    input
        .chars()
        .map(fold_char)
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Folds every character and trims the ends, keeping inner spaces: for names and addresses.
///
/// ```
/// use app::domain::normalize::clean_text;
/// assert_eq!(clean_text("\u{3000}太原市 小店区\u{00A0}"), "太原市 小店区");
/// ```
pub fn clean_text(input: &str) -> String {
    let folded: String = input.chars().map(fold_char).collect();
    folded.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_and_letters_become_ascii() {
        assert_eq!(compact("０１２３４５６７８９ＡＢｘ"), "0123456789ABX");
    }

    #[test]
    fn zero_width_and_no_break_spaces_are_dropped() {
        assert_eq!(compact("12\u{200B}34\u{FEFF}5\u{00A0}6"), "123456");
    }

    #[test]
    fn non_ascii_letters_survive_compact_so_checks_can_reject_them() {
        assert_eq!(compact("12三4"), "12三4");
    }
}
