//! The character set of a rendered document, so the browser can ask the server for a
//! font subset with exactly those glyphs before rendering.

use std::collections::BTreeSet;

use crate::document::{Document, PAGE_LABEL_CHARS};
use crate::model::{DocumentData, DocumentKind};
use crate::wording;

/// Every distinct character `render` can draw for this document, sorted: its wording
/// and data, the page labels (all digits, since page numbers are known only after
/// layout) and the space.
pub fn characters(kind: DocumentKind, data: &DocumentData) -> String {
    document_characters(&wording::document(kind, data))
}

pub(crate) fn document_characters(document: &Document) -> String {
    document
        .strings()
        .chain([PAGE_LABEL_CHARS])
        .flat_map(str::chars)
        .filter(|c| !c.is_control())
        .collect::<BTreeSet<char>>()
        .into_iter()
        .collect()
}

#[cfg(all(test, feature = "pdf"))]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::layout::{Item, Metrics, layout};
    use crate::qr::Qr;

    struct Fixed;

    impl Metrics for Fixed {
        fn advance(&self, c: char) -> f32 {
            if c.is_ascii() { 0.6 } else { 1.0 }
        }
    }

    /// The renderer draws only laid-out text, so this covers every glyph it can ask for.
    #[test]
    fn every_drawn_character_is_in_the_character_set() {
        for data in [
            fixtures::organisation(),
            fixtures::natural_person(),
            fixtures::crowded(),
        ] {
            for kind in DocumentKind::ALL {
                let allowed = characters(kind, &data);
                let document = wording::document(kind, &data);
                let pages = layout(&document, &Qr::encode(&data.verify_url).unwrap(), &Fixed);
                for page in &pages {
                    for item in page.furniture.iter().chain(&page.body) {
                        if let Item::Text(line) = item {
                            let stray: String = line
                                .text
                                .chars()
                                .filter(|&c| !allowed.contains(c))
                                .collect();
                            assert!(stray.is_empty(), "{kind:?}: {stray:?} in {:?}", line.text);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn characters_are_sorted_distinct_and_include_the_data() {
        let data = fixtures::organisation();
        let set = characters(DocumentKind::AuthorizationLetter, &data);
        let chars: Vec<char> = set.chars().collect();
        assert!(chars.windows(2).all(|pair| pair[0] < pair[1]));
        for c in "王喆李昇张䶮授权委托书SQ0123456789 ".chars() {
            assert!(set.contains(c), "{c}");
        }
    }
}
