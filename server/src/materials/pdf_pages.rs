//! Counting a PDF's pages by walking its page tree from the catalog: iteratively, no deeper
//! than [`MAX_PAGE_TREE_DEPTH`], and visiting no node twice, so a tree built a thousand levels
//! deep or looping back on itself is refused instead of walked.

use std::collections::HashSet;

use app::domain::file_defects::{Defect, MAX_PAGE_TREE_DEPTH};
use app::domain::materials::UploadRejection;
use lopdf::{Document, Object, ObjectId};

pub fn count(document: &Document) -> Result<usize, UploadRejection> {
    let refuse = UploadRejection::Defect(Defect::PdfPageTree);
    let Some(root) = document
        .catalog()
        .and_then(|catalog| catalog.get(b"Pages"))
        .and_then(Object::as_reference)
        .ok()
    else {
        return Ok(0);
    };
    let mut pages = 0;
    let mut seen = HashSet::new();
    let mut pending: Vec<(ObjectId, usize)> = vec![(root, 1)];
    while let Some((id, depth)) = pending.pop() {
        if !seen.insert(id) {
            return Err(refuse);
        }
        let Ok(node) = document.get_dictionary(id) else {
            continue;
        };
        match node.get(b"Kids") {
            Ok(kids) => {
                if depth >= MAX_PAGE_TREE_DEPTH {
                    return Err(refuse);
                }
                let kids = match kids {
                    Object::Reference(id) => document.get_object(*id).ok(),
                    kids => Some(kids),
                };
                let kids = kids.and_then(|k| k.as_array().ok()).map_or(&[][..], |k| k);
                pending.extend(
                    kids.iter()
                        .filter_map(|kid| kid.as_reference().ok())
                        .map(|kid| (kid, depth + 1)),
                );
            }
            Err(_) => {
                if node.get(b"Type").and_then(Object::as_name).ok() == Some(b"Page".as_slice()) {
                    pages += 1;
                }
            }
        }
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use lopdf::dictionary;

    use super::*;

    /// A catalog at 1 and a page tree root at 2 with `kids`; `more` objects from 3 on.
    fn document(kids: Vec<Object>, more: Vec<lopdf::Dictionary>) -> Document {
        let mut document = Document::with_version("1.7");
        document.objects.insert(
            (1, 0),
            dictionary! { "Type" => "Catalog", "Pages" => (2, 0) }.into(),
        );
        document.objects.insert(
            (2, 0),
            dictionary! { "Type" => "Pages", "Kids" => kids }.into(),
        );
        for (i, object) in more.into_iter().enumerate() {
            document.objects.insert((i as u32 + 3, 0), object.into());
        }
        document.trailer.set("Root", (1, 0));
        document
    }

    fn page() -> lopdf::Dictionary {
        dictionary! { "Type" => "Page", "Parent" => (2, 0) }
    }

    #[test]
    fn pages_are_counted_through_intermediate_nodes() {
        let nested =
            dictionary! { "Type" => "Pages", "Kids" => vec![(5, 0).into(), (6, 0).into()] };
        let tree = document(
            vec![(3, 0).into(), (4, 0).into()],
            vec![page(), nested, page(), page()],
        );
        assert_eq!(count(&tree), Ok(3));
        assert_eq!(count(&document(vec![], vec![])), Ok(0));
    }

    #[test]
    fn a_loop_or_a_shared_node_is_refused() {
        let looped = dictionary! { "Type" => "Pages", "Kids" => vec![(2, 0).into()] };
        assert_eq!(
            count(&document(vec![(3, 0).into()], vec![looped])),
            Err(UploadRejection::Defect(Defect::PdfPageTree))
        );
        let twice = document(vec![(3, 0).into(), (3, 0).into()], vec![page()]);
        assert_eq!(
            count(&twice),
            Err(UploadRejection::Defect(Defect::PdfPageTree))
        );
    }
}
