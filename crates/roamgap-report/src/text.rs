//! Text from a capture (SSIDs, file names, messages that quote them) made safe for a terminal:
//! a control character would otherwise reach it raw and act (set the title, clear the screen,
//! move the cursor, forge a line), and a bidirectional override would make a name read as
//! another. Every human-facing output (table, summary, warnings, errors) passes its text
//! through [`printable`]; the data exports (JSON, CSV) stay faithful to the bytes.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as it is: C0 controls (line breaks and tabs
/// included: a value is one line), DEL, C1 controls (U+0080–U+009F, which some terminals obey
/// like ESC sequences), and the Unicode bidirectional controls (U+061C, U+200E, U+200F,
/// U+202A–U+202E, U+2066–U+2069).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character ([`is_unsafe`]) written as a visible escape: `\x1b` for
/// one below U+0100, `\u{202e}` above. Safe text comes back borrowed.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// Multi-line text (an error rendered by the argument parser): every line made
/// [`printable`], the line breaks kept.
pub fn printable_lines(s: &str) -> String {
    s.split('\n')
        .map(|l| printable(l.strip_suffix('\r').unwrap_or(l)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(
            printable("\x1b]0;PWNED\x07\x1b[2J\r\nfake\t\x7f\u{9b}31m"),
            "\\x1b]0;PWNED\\x07\\x1b[2J\\x0d\\x0afake\\x09\\x7f\\x9b31m"
        );
        assert_eq!(printable("exe.\u{202e}gpj"), "exe.\\u{202e}gpj");
        assert_eq!(printable("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert!(matches!(printable("café voice 5 GHz"), Cow::Borrowed(_)));
        assert_eq!(printable_lines("a\x1b\nb\r\n"), "a\\x1b\nb\n");
    }
}
