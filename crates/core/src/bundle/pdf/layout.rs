//! Text on the PDF's pages: the page's geometry, the standard fonts'
//! WinAnsi encoding and widths, and the breaking of runs of text into lines
//! that fit, written as content-stream text operators.

use super::super::doc::Span;
use super::super::pdf_metrics::{BOLD, REGULAR};
use std::io::{Result, Write};

pub(super) const PAGE_W: f32 = 595.28;
pub(super) const PAGE_H: f32 = 841.89;
pub(super) const LEFT: f32 = 56.0;
pub(super) const RIGHT: f32 = PAGE_W - 56.0;
pub(super) const TOP: f32 = PAGE_H - 60.0;
pub(super) const BOTTOM: f32 = 60.0;

/// One of the two standard fonts the pages use.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Font {
    Regular,
    Bold,
}

/// A character in WinAnsi (Windows-1252); `?` when it has none.
fn win_ansi(c: char) -> u8 {
    const HIGH: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('\u{2018}', 0x91),
        ('\u{2019}', 0x92),
        ('\u{201c}', 0x93),
        ('\u{201d}', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    let u = c as u32;
    if (0x20..0x7F).contains(&u) || (0xA0..=0xFF).contains(&u) {
        return u as u8;
    }
    match c {
        '\n' => b'\n',
        '\t' | '\r' => b' ',
        '\u{2212}' | '\u{2010}' | '\u{2011}' => b'-',
        _ => HIGH.iter().find(|(h, _)| *h == c).map_or(b'?', |(_, b)| *b),
    }
}

/// The width of a WinAnsi character, in points.
pub(super) fn width(font: Font, b: u8, size: f32) -> f32 {
    let table = if font == Font::Bold { &BOLD } else { &REGULAR };
    let w = if b >= 32 { table[(b - 32) as usize] } else { 0 };
    f32::from(if w == 0 { 556 } else { w }) * size / 1000.0
}

/// A run of text in one font, already in WinAnsi.
pub(super) type Run = (Font, Vec<u8>);

/// Text in WinAnsi.
pub(super) fn enc(s: &str) -> Vec<u8> {
    s.chars().map(win_ansi).collect()
}

/// Spans as runs: a link shows its address unless its text is the address.
pub(super) fn runs(spans: &[Span]) -> Vec<Run> {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => (Font::Regular, enc(t)),
            Span::Bold(t) => (Font::Bold, enc(t)),
            Span::Link(t, href) => {
                let bare = href.trim_start_matches("https://").trim_end_matches('/');
                if t.trim_end_matches('/') == bare {
                    (Font::Regular, enc(t))
                } else {
                    (Font::Regular, enc(&format!("{t} ({href})")))
                }
            }
        })
        .collect()
}

/// A word of a run: its bytes, whether a space follows it, and whether a
/// line break comes before it.
struct Word {
    font: Font,
    bytes: Vec<u8>,
    space: bool,
    brk: bool,
}

/// A laid-out line: runs that fit between its start and the right margin.
pub(super) type Line = Vec<Run>;

/// The runs cut into words at spaces and line breaks.
fn words(runs: &[Run]) -> Vec<Word> {
    let mut words = Vec::new();
    for (font, bytes) in runs {
        let mut cur: Vec<u8> = Vec::new();
        let mut brk = false;
        let mut push = |bytes: Vec<u8>, space: bool, brk: bool| {
            words.push(Word {
                font: *font,
                bytes,
                space,
                brk,
            })
        };
        for &b in bytes {
            match b {
                b' ' => {
                    push(std::mem::take(&mut cur), true, brk);
                    brk = false;
                }
                b'\n' => {
                    push(std::mem::take(&mut cur), false, brk);
                    brk = true;
                }
                _ => cur.push(b),
            }
        }
        if !cur.is_empty() || brk {
            push(cur, false, brk);
        }
    }
    words
}

fn bytes_width(font: Font, bytes: &[u8], size: f32) -> f32 {
    bytes.iter().map(|b| width(font, *b, size)).sum()
}

/// The runs broken into lines at most `max` points wide: at spaces, at
/// line breaks, and inside a word wider than a line.
pub(super) fn lines(runs: &[Run], size: f32, max: f32) -> Vec<Line> {
    let mut lines: Vec<Line> = vec![Vec::new()];
    let mut lw = 0.0f32;
    for Word {
        font,
        bytes: word,
        space,
        brk,
    } in words(runs)
    {
        let ww = bytes_width(font, &word, size);
        let sw = if space { width(font, b' ', size) } else { 0.0 };
        if brk || (lw > 0.0 && lw + ww > max) {
            lines.push(Vec::new());
            lw = 0.0;
        }
        let mut word = word;
        // A word wider than the line is cut.
        while bytes_width(font, &word, size) > max {
            let mut acc = 0.0;
            let mut cut = 0;
            for (i, b) in word.iter().enumerate() {
                acc += width(font, *b, size);
                if acc > max - lw {
                    cut = i.max(1);
                    break;
                }
            }
            let rest = word.split_off(cut);
            if let Some(l) = lines.last_mut() {
                l.push((font, word));
            }
            lines.push(Vec::new());
            lw = 0.0;
            word = rest;
        }
        let mut w = word;
        if space {
            w.push(b' ');
        }
        lw += ww + sw;
        if let Some(l) = lines.last_mut() {
            l.push((font, w));
        }
    }
    lines
}

/// One line as a text object at (`x`, `y`): a font change where the font
/// changes, each run a string shown.
pub(super) fn show(out: &mut Vec<u8>, line: Line, x: f32, y: f32, size: f32) -> Result<()> {
    write!(out, "BT {x:.2} {y:.2} Td")?;
    let mut cur: Option<Font> = None;
    for (font, bytes) in line {
        if cur != Some(font) {
            write!(
                out,
                " /{} {size} Tf",
                if font == Font::Bold { "F2" } else { "F1" }
            )?;
            cur = Some(font);
        }
        out.extend_from_slice(b" (");
        for b in bytes {
            if matches!(b, b'(' | b')' | b'\\') {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.extend_from_slice(b") Tj");
    }
    out.extend_from_slice(b" ET\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win_ansi_maps_what_it_can() {
        assert_eq!(
            enc("£5 – “ok” é"),
            vec![0xA3, b'5', b' ', 0x96, b' ', 0x93, b'o', b'k', 0x94, b' ', 0xE9]
        );
        assert_eq!(enc("😀"), b"?".to_vec());
    }
}
