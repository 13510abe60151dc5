//! The PDF form of an encrypted bundle: one PDF, encrypted with AES-256
//! (the standard security handler, revision 6: ISO 32000-2, "PDF 2.0"),
//! whose pages are the member's report and whose attachments (embedded
//! files) are the bundle's files: `manifest.json`, `report.html`,
//! `information.json`, `data/*`. PDF readers built into Edge, Chrome,
//! Firefox, macOS Preview, iOS and Android open it with a password prompt:
//! no extra software.
//!
//! Written in one pass, in bounded memory: attachments stream through
//! deflate and AES-CBC into the file (their lengths are indirect objects
//! written after them), pages are written as they fill. Only the object
//! offsets, the page list and the attachment names stay in memory.
//!
//! Text uses the standard fonts Helvetica and Helvetica-Bold in WinAnsi
//! encoding (nothing embedded); a character outside it (an emoji, say) is
//! shown as `?` on the page — the attached files keep the exact text, and
//! the first page says so.
//!
//! Here the document ([`PdfDoc`]: the report's calls as laid-out pages);
//! `pdf/file.rs` the object writer, `pdf/crypt.rs` the encryption,
//! `pdf/layout.rs` fonts and line breaking.

mod crypt;
mod file;
mod layout;

pub(crate) use crypt::Crypt;
pub(crate) use file::PdfFile;

use super::doc::{Col, Doc, Span, Style, TocEntry, Val, OWN_MARKUP};
use crate::html::looks_like_markup;
use layout::{enc, runs, width, Font, Run, BOTTOM, LEFT, PAGE_W, RIGHT, TOP};
use std::io::{Result, Write};

/// The document's pages, laid out as the calls come.
pub(crate) struct PdfDoc<'f, W: Write> {
    pub f: &'f mut PdfFile<W>,
    content: Vec<u8>,
    y: f32,
    page_no: u32,
    started: bool,
    /// Sections seen before their page was written: (title, y).
    pending: Vec<(String, f32)>,
}

impl<'f, W: Write> PdfDoc<'f, W> {
    pub fn new(f: &'f mut PdfFile<W>) -> PdfDoc<'f, W> {
        PdfDoc {
            f,
            content: Vec::new(),
            y: TOP,
            page_no: 0,
            started: false,
            pending: Vec::new(),
        }
    }

    fn flush_page(&mut self) -> Result<()> {
        if !self.started {
            return Ok(());
        }
        let footer = format!("Page {}", self.page_no);
        let w: f32 = footer.bytes().map(|b| width(Font::Regular, b, 8.0)).sum();
        write!(
            self.content,
            "0.33 g BT /F1 8 Tf {:.2} 30 Td (",
            (PAGE_W - w) / 2.0
        )?;
        self.content.extend_from_slice(footer.as_bytes());
        self.content.extend_from_slice(b") Tj ET 0 g\n");
        let content = std::mem::take(&mut self.content);
        let page = self.f.page(&content)?;
        for (t, y) in self.pending.drain(..) {
            self.f.bookmark(t, page, y);
        }
        self.started = false;
        Ok(())
    }

    fn new_page(&mut self) -> Result<()> {
        self.flush_page()?;
        self.page_no += 1;
        self.started = true;
        self.y = TOP;
        Ok(())
    }

    /// Room for `h` points, or a new page.
    fn room(&mut self, h: f32) -> Result<()> {
        if !self.started || self.y - h < BOTTOM {
            self.new_page()?;
        }
        Ok(())
    }

    fn gap(&mut self, h: f32) {
        if self.started && self.y < TOP {
            self.y -= h;
        }
    }

    /// Lay out runs from `x0`, wrapping at the right margin; `bar` draws a
    /// grey rule left of each line (a note).
    fn text(&mut self, runs: &[Run], size: f32, x0: f32, bar: bool) -> Result<()> {
        let leading = size * 1.3;
        for line in layout::lines(runs, size, RIGHT - x0) {
            self.room(leading)?;
            self.y -= leading;
            let y = self.y + leading * 0.25;
            if bar {
                writeln!(
                    self.content,
                    "0.5 g {:.2} {:.2} 2.5 {:.2} re f 0 g",
                    x0 - 9.0,
                    self.y,
                    leading
                )?;
            }
            layout::show(&mut self.content, line, x0, y, size)?;
        }
        Ok(())
    }

    fn val_lines(&mut self, label: &str, v: &Val, size: f32, x: f32) -> Result<()> {
        match v {
            Val::Pairs(p) => {
                self.text(&[(Font::Bold, enc(label))], size, x, false)?;
                for (k, v) in p {
                    self.val_lines(k, v, size, x + 12.0)?;
                }
                Ok(())
            }
            Val::Text(t) => self.text(
                &[
                    (Font::Bold, enc(&format!("{label}: "))),
                    (Font::Regular, enc(t)),
                ],
                size,
                x,
                false,
            ),
            Val::Own(t) => {
                self.text(
                    &[
                        (Font::Bold, enc(&format!("{label}: "))),
                        (Font::Regular, enc(t)),
                    ],
                    size,
                    x,
                    false,
                )?;
                if looks_like_markup(t) {
                    self.text(
                        &[(Font::Regular, enc(OWN_MARKUP))],
                        size * 0.9,
                        x + 12.0,
                        false,
                    )?;
                }
                Ok(())
            }
        }
    }
}

fn flat(v: &Val) -> String {
    match v {
        Val::Text(t) | Val::Own(t) => t.clone(),
        Val::Pairs(p) => p
            .iter()
            .map(|(k, v)| format!("{k}: {}", flat(v)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

impl<W: Write> Doc for PdfDoc<'_, W> {
    fn begin(&mut self, _title: &str) -> Result<()> {
        self.new_page()
    }

    fn toc(&mut self, entries: &[TocEntry]) -> Result<()> {
        self.gap(6.0);
        self.text(&[(Font::Bold, enc("Contents"))], 12.0, LEFT, false)?;
        for e in entries {
            let mut r = vec![(Font::Regular, enc(&e.text))];
            if let Some(c) = &e.count {
                r.push((Font::Regular, enc(&format!(" ({c})"))));
            }
            self.text(&r, 10.0, LEFT + 10.0, false)?;
        }
        self.gap(4.0);
        self.text(
            &[(Font::Regular, enc("Characters this PDF cannot show (such as emoji) appear as ?. The attached files keep every character exactly."))],
            8.5,
            LEFT,
            false,
        )
    }

    fn heading(&mut self, level: u8, _anchor: Option<&str>, text: &str) -> Result<()> {
        let size = match level {
            1 => 18.0,
            2 => 14.0,
            _ => 11.5,
        };
        if level == 2 {
            self.gap(14.0);
        } else if level == 3 {
            self.gap(8.0);
        }
        // Keep a heading with a few lines of what follows.
        self.room(size * 1.3 + 40.0)?;
        if level == 2 {
            self.pending.push((text.to_string(), self.y));
        }
        self.text(&[(Font::Bold, enc(text))], size, LEFT, false)?;
        self.gap(3.0);
        Ok(())
    }

    fn para(&mut self, style: Style, spans: &[Span]) -> Result<()> {
        match style {
            Style::Normal => self.text(&runs(spans), 10.0, LEFT, false)?,
            Style::Note => self.text(&runs(spans), 10.0, LEFT + 10.0, true)?,
            // Instructions for the screen (what to click) mean nothing on paper.
            Style::Hint => return Ok(()),
        }
        self.gap(5.0);
        Ok(())
    }

    fn bullets(&mut self, items: &[Vec<Span>]) -> Result<()> {
        for i in items {
            let mut r = vec![(Font::Regular, vec![0x95, b' '])];
            r.extend(runs(i));
            self.text(&r, 10.0, LEFT + 8.0, false)?;
            self.gap(2.0);
        }
        self.gap(3.0);
        Ok(())
    }

    fn pairs(&mut self, rows: &[(String, Val)]) -> Result<()> {
        for (k, v) in rows {
            self.val_lines(k, v, 10.0, LEFT)?;
        }
        self.gap(5.0);
        Ok(())
    }

    fn table(&mut self, caption: &str, cols: &[Col], rows: &[Vec<Val>]) -> Result<()> {
        if !caption.is_empty() {
            self.text(&[(Font::Bold, enc(caption))], 10.0, LEFT, false)?;
        }
        for r in rows {
            if cols.len() == 2 && !matches!(r.get(1), Some(Val::Pairs(_))) {
                let a = r.first().map(flat).unwrap_or_default();
                let b = r.get(1).map(flat).unwrap_or_default();
                self.text(
                    &[
                        (Font::Regular, enc(&a)),
                        (Font::Bold, enc(&format!(": {b}"))),
                    ],
                    10.0,
                    LEFT + 8.0,
                    false,
                )?;
                continue;
            }
            self.gap(3.0);
            if let Some(first) = r.first() {
                self.text(&[(Font::Bold, enc(&flat(first)))], 10.0, LEFT + 8.0, false)?;
            }
            for (c, v) in cols.iter().zip(r).skip(1) {
                self.val_lines(c.head, v, 9.5, LEFT + 20.0)?;
            }
        }
        self.gap(6.0);
        Ok(())
    }

    fn items_start(&mut self, _label: &str) -> Result<()> {
        Ok(())
    }

    fn item(&mut self, line: &[Span], details: &[(String, Val)]) -> Result<()> {
        self.gap(2.0);
        let mut r = vec![(Font::Bold, vec![0x95, b' '])];
        r.extend(runs(line).into_iter().map(|(_, b)| (Font::Bold, b)));
        self.text(&r, 9.5, LEFT, false)?;
        for (k, v) in details {
            self.val_lines(k, v, 8.5, LEFT + 14.0)?;
        }
        Ok(())
    }

    fn items_end(&mut self) -> Result<()> {
        self.gap(6.0);
        Ok(())
    }

    fn end(&mut self) -> Result<()> {
        self.flush_page()
    }
}
