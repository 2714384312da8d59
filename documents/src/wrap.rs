//! Line breaking for Chinese text mixed with numbers, e-mail addresses and the like.
//!
//! A Chinese character may break anywhere; a run of ASCII letters and digits (an ID
//! number, an account, an address) stays whole unless it alone is longer than the line.
//! Closing punctuation never starts a line and opening punctuation never ends one
//! (the usual 避头尾 rules), by gluing them to their neighbour before filling lines.

/// May not start a line.
const NO_START: &str = "，。、；：？！）》」』】〕〉”’…·％,.;:?!)]}%";
/// May not end a line.
const NO_END: &str = "（《「『【〔〈“‘([{";

pub fn is_no_start(c: char) -> bool {
    NO_START.contains(c)
}

fn is_no_end(c: char) -> bool {
    NO_END.contains(c)
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "@._-/:+#&=?%~".contains(c)
}

#[derive(Clone, Copy, PartialEq)]
enum Unit {
    Text,
    Space,
    Newline,
}

/// Splits `text` into lines no wider than `first` (the first line) and `rest` (the
/// others), measuring with `width`. Spaces at a break are dropped; `\n` forces a break.
pub fn wrap(text: &str, first: f32, rest: f32, width: impl Fn(&str) -> f32) -> Vec<&str> {
    let units = glue(split_units(text), text);
    let mut lines = Vec::new();
    // Current line as a byte range; `end` excludes a pending space.
    let mut start: Option<usize> = None;
    let mut end = 0;
    let limit = |lines: &Vec<&str>| if lines.is_empty() { first } else { rest };

    for (kind, from, to) in units {
        match kind {
            Unit::Newline => {
                lines.push(start.map_or("", |s| &text[s..end]));
                start = None;
            }
            Unit::Space => {}
            Unit::Text => {
                let candidate = start.map_or(from, |s| s);
                if width(&text[candidate..to]) <= limit(&lines) {
                    start = Some(candidate);
                    end = to;
                    continue;
                }
                if let Some(s) = start {
                    lines.push(&text[s..end]);
                }
                // The unit starts a line; split it if even that is too wide.
                let mut from = from;
                while width(&text[from..to]) > limit(&lines) {
                    let cut = split_point(&text[from..to], limit(&lines), &width);
                    lines.push(&text[from..from + cut]);
                    from += cut;
                }
                start = (from < to).then_some(from);
                end = to;
            }
        }
    }
    if let Some(s) = start {
        lines.push(&text[s..end]);
    }
    lines
}

/// The longest prefix of `unit` that fits, backed off so the remainder does not start
/// with closing punctuation; at least one character.
fn split_point(unit: &str, max: f32, width: &impl Fn(&str) -> f32) -> usize {
    let bounds: Vec<usize> = unit.char_indices().map(|(i, _)| i).skip(1).collect();
    let mut cut = bounds
        .iter()
        .copied()
        .take_while(|&i| width(&unit[..i]) <= max)
        .last()
        .unwrap_or_else(|| bounds.first().copied().unwrap_or(unit.len()));
    while unit[cut..].starts_with(is_no_start) || unit[..cut].ends_with(is_no_end) {
        match bounds.iter().rev().find(|&&i| i < cut) {
            Some(&earlier) => cut = earlier,
            None => break,
        }
    }
    cut
}

fn split_units(text: &str) -> Vec<(Unit, usize, usize)> {
    let mut units: Vec<(Unit, usize, usize)> = Vec::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let kind = match c {
            '\n' => Unit::Newline,
            c if c.is_whitespace() => Unit::Space,
            _ => Unit::Text,
        };
        match units.last_mut() {
            // Runs of word characters and runs of spaces stay one unit.
            Some((Unit::Text, _, last_end))
                if kind == Unit::Text && is_word_char(c) && text[..i].ends_with(is_word_char) =>
            {
                *last_end = end
            }
            Some((Unit::Space, _, last_end)) if kind == Unit::Space => *last_end = end,
            _ => units.push((kind, i, end)),
        }
    }
    units
}

/// Glues closing punctuation to the unit before it and opening punctuation to the unit
/// after it, so no break can fall between them.
fn glue(units: Vec<(Unit, usize, usize)>, text: &str) -> Vec<(Unit, usize, usize)> {
    let mut glued: Vec<(Unit, usize, usize)> = Vec::new();
    let mut open_from: Option<usize> = None;
    for (kind, from, to) in units {
        let piece = &text[from..to];
        if kind == Unit::Text
            && piece.starts_with(is_no_start)
            && open_from.is_none()
            && let Some((Unit::Text, _, last_end)) = glued.last_mut()
        {
            *last_end = to;
            continue;
        }
        if kind == Unit::Text && piece.chars().all(is_no_end) {
            open_from.get_or_insert(from);
            continue;
        }
        let from = match (kind, open_from.take()) {
            (Unit::Text, Some(open)) => open,
            (_, Some(open)) => {
                glued.push((Unit::Text, open, from));
                from
            }
            (_, None) => from,
        };
        glued.push((kind, from, to));
    }
    if let Some(open) = open_from {
        glued.push((Unit::Text, open, text.len()));
    }
    glued
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One em per Chinese character, half an em for ASCII.
    fn width(s: &str) -> f32 {
        s.chars()
            .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
            .sum()
    }

    #[test]
    fn closing_punctuation_moves_down_with_the_character_before_it() {
        // Five ems fit; "。" would start the second line, so "四" comes along.
        assert_eq!(
            wrap("一二三四五。六", 5.0, 5.0, width),
            ["一二三四", "五。六"]
        );
    }

    #[test]
    fn opening_punctuation_stays_with_what_follows() {
        assert_eq!(
            wrap("一二三四（五）", 5.0, 5.0, width),
            ["一二三四", "（五）"]
        );
    }

    #[test]
    fn numbers_stay_whole_and_long_ones_are_split() {
        assert_eq!(
            wrap("号码：110101199003071234。", 10.0, 10.0, width),
            ["号码：", "110101199003071234。"]
        );
        let lines = wrap("62220224020112345678901234", 5.0, 5.0, width);
        assert!(lines.iter().all(|line| width(line) <= 5.0), "{lines:?}");
        assert_eq!(lines.concat(), "62220224020112345678901234");
    }

    #[test]
    fn spaces_at_breaks_are_dropped_and_newlines_break() {
        assert_eq!(wrap("ab cd ef", 2.0, 2.0, width), ["ab", "cd", "ef"]);
        assert_eq!(
            wrap("第一行\n第二行", 9.0, 9.0, width),
            ["第一行", "第二行"]
        );
        assert_eq!(wrap("", 9.0, 9.0, width), Vec::<&str>::new());
    }

    #[test]
    fn the_first_line_has_its_own_width() {
        assert_eq!(
            wrap("一二三四五六七", 2.0, 5.0, width),
            ["一二", "三四五六七"]
        );
    }

    /// Text as forms hold it: words, numbers and e-mail addresses, each followed by at
    /// most two closing marks, sometimes bracketed.
    fn prose() -> impl Strategy<Value = String> {
        let word = prop_oneof![
            "[一二三四五六七八九十山西太原市]{1,6}",
            "[0-9]{1,24}",
            "[a-z]{1,8}@[a-z]{1,6}\\.com",
        ];
        let token = (
            prop::option::of(prop::sample::select(vec!["（", "《", "“"])),
            word,
            prop::sample::select(vec!["", "", "，", "。", "）", "：", "）。", "”，", " "]),
        )
            .prop_map(|(open, word, close)| format!("{}{word}{close}", open.unwrap_or("")));
        prop::collection::vec(token, 1..30).prop_map(|tokens| tokens.concat())
    }

    proptest! {
        #[test]
        fn lines_fit_keep_every_character_and_never_start_with_closing_marks(
            text in prose(),
            max in 4.0f32..40.0,
        ) {
            let lines = wrap(&text, max, max, width);
            for line in &lines {
                prop_assert!(width(line) <= max, "{line:?} wider than {max}");
                prop_assert!(!line.starts_with(is_no_start), "{line:?} in {lines:?}");
                prop_assert!(!line.ends_with(is_no_end), "{line:?} in {lines:?}");
            }
            let kept: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            prop_assert_eq!(lines.concat().replace(' ', ""), kept);
        }
    }
}
