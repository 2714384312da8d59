//! Font subsetting for the server: the browser fetches a subset with exactly the
//! characters of one document (tens of KB) instead of the 10 MB font.

use allsorts::binary::read::ReadScope;
use allsorts::font::read_cmap_subtable;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use allsorts::tables::FontTableProvider;
use allsorts::tables::cmap::Cmap;
use allsorts::tag;

#[derive(Debug, thiserror::Error)]
pub enum SubsetError {
    #[error("the font could not be read: {0}")]
    Parse(String),
    #[error("the font has no Unicode character map")]
    NoCmap,
    #[error("subsetting failed: {0}")]
    Subset(String),
}

/// Characters every subset keeps besides the requested ones: what the renderer may
/// print on its own (page numbers, spaces).
const ALWAYS: &str = " 0123456789";

/// A TrueType font with only the glyphs for `text` (plus `.notdef`, space and digits)
/// and a Unicode cmap for them. Characters the font lacks are skipped; the renderer
/// reports them. Only the tables a PDF needs are kept.
pub fn subset_font(font: &[u8], text: &str) -> Result<Vec<u8>, SubsetError> {
    let parse = |e: allsorts::error::ParseError| SubsetError::Parse(e.to_string());
    let file = ReadScope::new(font).read::<FontData<'_>>().map_err(parse)?;
    let provider = file
        .table_provider(0)
        .map_err(|e| SubsetError::Parse(e.to_string()))?;
    let cmap_data = provider
        .read_table_data(tag::CMAP)
        .map_err(|e| SubsetError::Parse(e.to_string()))?;
    let cmap = ReadScope::new(&cmap_data)
        .read::<Cmap<'_>>()
        .map_err(parse)?;
    let (_, subtable) = read_cmap_subtable(&cmap)
        .map_err(parse)?
        .ok_or(SubsetError::NoCmap)?;

    // Glyph 0 (.notdef) first, then each character's glyph once.
    let mut glyphs = vec![0u16];
    for c in text.chars().chain(ALWAYS.chars()) {
        if let Some(glyph) = subtable.map_glyph(u32::from(c)).map_err(parse)?
            && !glyphs.contains(&glyph)
        {
            glyphs.push(glyph);
        }
    }
    subset(&provider, &glyphs, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| SubsetError::Subset(e.to_string()))
}
