//! PDF syntax as a stream of tokens, for the pre-scan: delimiters, names, integers, keywords
//! and stream data, with comments, strings and reals reduced to "something else". It never
//! allocates and never recurses; a string or stream that runs off the end is noted, since a
//! parser reading it would run on past where it should stop.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Open {
    Array,
    Dictionary,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Token<'a> {
    Open(Open),
    Close(Open),
    /// Without the slash, `#xx` escapes not yet decoded (see [`name_is`]).
    Name(&'a [u8]),
    Integer(i64),
    /// `obj`, `R`, `xref`, `n`, `trailer`, `true`…
    Keyword(&'a [u8]),
    /// The data between `stream` and `endstream`, without the line ends around it.
    Stream(&'a [u8]),
    /// Strings and reals.
    Other,
}

pub struct Tokens<'a> {
    bytes: &'a [u8],
    at: usize,
    /// A string or stream ran off the end.
    pub unterminated: bool,
}

impl<'a> Tokens<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            unterminated: false,
        }
    }
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
                    self.close_with(1);
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
                        Token::Stream(self.stream_data())
                    } else if let Some(value) = integer(word) {
                        Token::Integer(value)
                    } else if word.first().is_some_and(|b| b.is_ascii_alphabetic()) {
                        Token::Keyword(word)
                    } else {
                        Token::Other
                    }
                }
            });
        }
    }
}

impl<'a> Tokens<'a> {
    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.at..).unwrap_or_default()
    }

    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        let rest = self.rest();
        self.at += rest.iter().position(|&b| !keep(b)).unwrap_or(rest.len());
    }

    /// Steps over a closing delimiter `len` bytes long, or notes that there was none.
    fn close_with(&mut self, len: usize) {
        if self.at >= self.bytes.len() {
            self.unterminated = true;
        }
        self.at = (self.at + len).min(self.bytes.len());
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
                b'\\' => self.at = (self.at + 1).min(self.bytes.len()),
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
        self.unterminated = true;
    }

    /// Binary data up to `endstream`, which may hold any byte.
    fn stream_data(&mut self) -> &'a [u8] {
        // The keyword ends its line with CR LF or LF.
        let rest = self.rest();
        let skip = match rest {
            [b'\r', b'\n', ..] => 2,
            [b'\n' | b'\r', ..] => 1,
            _ => 0,
        };
        let rest = &rest[skip..];
        let Some(end) = rest.windows(9).position(|w| w == b"endstream") else {
            self.unterminated = true;
            self.at = self.bytes.len();
            return rest;
        };
        self.at += skip + end + 9;
        let data = &rest[..end];
        data.strip_suffix(b"\r\n")
            .or_else(|| data.strip_suffix(b"\n"))
            .or_else(|| data.strip_suffix(b"\r"))
            .unwrap_or(data)
    }
}

pub fn is_white(byte: u8) -> bool {
    matches!(byte, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

fn is_delimiter(byte: u8) -> bool {
    b"()<>[]{}/%".contains(&byte)
}

fn integer(word: &[u8]) -> Option<i64> {
    std::str::from_utf8(word).ok()?.parse().ok()
}

/// Whether a name's raw bytes, `#xx` escapes decoded, are `expected`.
pub fn name_is(raw: &[u8], expected: &[u8]) -> bool {
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

    fn tokens(text: &[u8]) -> Vec<Token<'_>> {
        Tokens::new(text).collect()
    }

    #[test]
    fn objects_become_tokens_and_strings_and_comments_vanish() {
        assert_eq!(
            tokens(b"1 0 obj\n<< /Type /X#52ef /W [1 -2 3.5] /S (a ( b ) \\) [) % [[\n>>"),
            [
                Token::Integer(1),
                Token::Integer(0),
                Token::Keyword(b"obj"),
                Token::Open(Open::Dictionary),
                Token::Name(b"Type"),
                Token::Name(b"X#52ef"),
                Token::Name(b"W"),
                Token::Open(Open::Array),
                Token::Integer(1),
                Token::Integer(-2),
                Token::Other,
                Token::Close(Open::Array),
                Token::Name(b"S"),
                Token::Other,
                Token::Close(Open::Dictionary),
            ]
        );
    }

    #[test]
    fn stream_data_is_one_token_whatever_it_holds() {
        let mut scan = Tokens::new(b"<<>> stream\r\n[[(<<\nendstream endobj");
        assert_eq!(scan.nth(2), Some(Token::Stream(b"[[(<<")));
        assert_eq!(scan.next(), Some(Token::Keyword(b"endobj")));
        assert!(!scan.unterminated);
    }

    #[test]
    fn what_runs_off_the_end_is_noted() {
        for text in [&b"(never closed"[..], b"<4142", b"stream\nno end"] {
            let mut scan = Tokens::new(text);
            scan.by_ref().for_each(drop);
            assert!(scan.unterminated, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn names_decode_their_escapes() {
        assert!(name_is(b"XRef", b"XRef"));
        assert!(name_is(b"X#52ef", b"XRef"));
        assert!(!name_is(b"XRe", b"XRef"));
        assert!(!name_is(b"XRefs", b"XRef"));
        assert!(!name_is(b"XR#zzf", b"XRef"));
    }
}
