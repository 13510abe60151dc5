//! The documents of a bundle (the report, the cover letter) are written once,
//! as calls on a [`Doc`], and rendered three ways: HTML ([`HtmlDoc`]: the
//! report and `cover.html`), plain text ([`TextDoc`]: the covering email)
//! and PDF pages (`pdf::PdfDoc`: the encrypted PDF form). Every call is
//! written out at once, so a report of any size streams in bounded memory.

use crate::html::{esc, looks_like_markup};
use std::io::{Result, Write};

/// A piece of running text.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Span<'a> {
    Text(&'a str),
    Bold(&'a str),
    /// Text and the address it links to.
    Link(&'a str, &'a str),
}

/// A value shown to the member.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    /// Text the desk wrote (dates, yes/no, labels).
    Text(String),
    /// Text as the member (or the forum) wrote it: shown exactly, and when it
    /// holds something like markup, with a word that it is their own.
    Own(String),
    /// Labelled values (a JSON object in plain words).
    Pairs(Vec<(String, Val)>),
}

impl Val {
    pub fn text(s: impl Into<String>) -> Val {
        Val::Text(s.into())
    }
}

/// The style of a paragraph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Normal,
    /// Set apart: something the reader should not miss.
    Note,
    /// An instruction for the screen (what to select): smaller, and left
    /// out of print and of the PDF.
    Hint,
}

/// One line of a table of contents.
#[derive(Clone, Debug)]
pub(crate) struct TocEntry {
    pub anchor: String,
    pub text: String,
    pub count: Option<String>,
}

/// A column of a table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Col<'a> {
    pub head: &'a str,
    /// Numbers: right-aligned.
    pub numeric: bool,
}

pub(crate) const fn col(head: &str) -> Col<'_> {
    Col {
        head,
        numeric: false,
    }
}

pub(crate) const fn num(head: &str) -> Col<'_> {
    Col {
        head,
        numeric: true,
    }
}

/// What a document is made of.
pub(crate) trait Doc {
    fn begin(&mut self, title: &str) -> Result<()>;
    fn toc(&mut self, entries: &[TocEntry]) -> Result<()>;
    /// Level 1 (the title), 2 (a section) or 3.
    fn heading(&mut self, level: u8, anchor: Option<&str>, text: &str) -> Result<()>;
    fn para(&mut self, style: Style, spans: &[Span]) -> Result<()>;
    /// A bulleted list of short paragraphs.
    fn bullets(&mut self, items: &[Vec<Span>]) -> Result<()>;
    fn pairs(&mut self, rows: &[(String, Val)]) -> Result<()>;
    fn table(&mut self, caption: &str, cols: &[Col], rows: &[Vec<Val>]) -> Result<()>;
    /// A list of rows, one line each, opening to every detail.
    fn items_start(&mut self, label: &str) -> Result<()>;
    fn item(&mut self, line: &[Span], details: &[(String, Val)]) -> Result<()>;
    fn items_end(&mut self) -> Result<()>;
    fn end(&mut self) -> Result<()>;
}

/// What is said after member text that looks like markup.
pub(crate) const OWN_MARKUP: &str =
    "This is your own text, shown exactly as you typed it: the markup in it (such as <i>) is shown, not applied.";

// ---------------------------------------------------------------- HTML

const CSS: &str = "
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{font:1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:52rem;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.4rem 0 .8rem}
h2{font-size:1.3rem;line-height:1.3;border-bottom:2px solid #555;padding-bottom:.2rem;margin:2.2rem 0 .6rem}
h3{font-size:1.05rem;margin:1.3rem 0 .3rem}
p,li,dd,td,th,summary{overflow-wrap:anywhere}
a{color:#0a4d99}
nav ol{padding-left:1.6rem;margin:.3rem 0}nav li{margin:.15rem 0}
.count{color:#555;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#ececec}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
thead{display:table-header-group}
dl.pairs{display:grid;grid-template-columns:minmax(7rem,13rem) minmax(0,1fr);gap:.25rem 1rem;margin:.4rem 0}
dl.pairs>dt{font-weight:600}dl.pairs>dd{margin:0}
dl.sub{margin:0}dl.sub>dt{font-weight:600;display:inline}dl.sub>dt::after{content:': '}dl.sub>dd{display:inline;margin:0}dl.sub>dd::after{content:'';display:block}
.own{white-space:pre-wrap}
.markup{display:block;font-size:.875rem;color:#444;font-style:italic}
ol.items{list-style:none;padding:0;margin:.5rem 0 1rem;border-bottom:1px solid #ccc}
ol.items>li{border-top:1px solid #ccc;padding:.3rem 0}
ol.items summary{cursor:pointer}
ol.items details[open]{background:#f6f6f2}
ol.items details>dl{padding:.3rem .6rem .5rem 1.2rem}
ul.bullets{padding-left:1.4rem}ul.bullets>li{margin:.3rem 0}
.note{background:#f3f3ee;border-left:4px solid #666;padding:.5rem .8rem}
.small{font-size:.9rem;color:#444}
@media (max-width:40rem){
body{padding:.75rem}
dl.pairs{grid-template-columns:minmax(0,1fr);gap:0}dl.pairs>dd{margin-bottom:.5rem}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:auto}
table.stack tr{border:1px solid #999;margin:.5rem 0}
table.stack td{border:0;border-bottom:1px solid #ddd}
table.stack td:last-child{border-bottom:0}
table.stack td::before{content:attr(data-label) ': ';font-weight:600}
table.stack td.n{text-align:left}
}
@media print{
body{max-width:none;padding:0;font-size:10.5pt}
a{color:#000}
h2,h3{break-after:avoid;page-break-after:avoid}
ol.items>li,tr,dd,p{break-inside:auto;page-break-inside:auto}
ol.items summary{list-style:none}
ol.items summary::-webkit-details-marker{display:none}
.hint{display:none}
}
";

/// HTML: one self-contained page (inline CSS only, no script, no image,
/// no font, nothing fetched), with a viewport so phones lay it out at their
/// own width; tables stack below 40em so nothing overflows at 320 px.
pub(crate) struct HtmlDoc<'w> {
    pub w: &'w mut dyn Write,
    /// Whether a `<section>` is open.
    section: bool,
}

impl<'w> HtmlDoc<'w> {
    pub fn new(w: &'w mut dyn Write) -> HtmlDoc<'w> {
        HtmlDoc { w, section: false }
    }

    fn spans(&mut self, spans: &[Span]) -> Result<()> {
        for s in spans {
            match s {
                Span::Text(t) => write!(self.w, "{}", esc(t))?,
                Span::Bold(t) => write!(self.w, "<strong>{}</strong>", esc(t))?,
                Span::Link(t, href) => write!(self.w, "<a href=\"{}\">{}</a>", esc(href), esc(t))?,
            }
        }
        Ok(())
    }

    fn val(&mut self, v: &Val) -> Result<()> {
        match v {
            Val::Text(t) => write!(self.w, "{}", esc(t)),
            Val::Own(t) => {
                write!(self.w, "<span class=\"own\">{}</span>", esc(t))?;
                if looks_like_markup(t) {
                    write!(self.w, "<span class=\"markup\">{}</span>", esc(OWN_MARKUP))?;
                }
                Ok(())
            }
            Val::Pairs(p) => {
                if p.is_empty() {
                    return write!(self.w, "(none)");
                }
                write!(self.w, "<dl class=\"sub\">")?;
                for (k, v) in p {
                    write!(self.w, "<dt>{}</dt><dd>", esc(k))?;
                    self.val(v)?;
                    write!(self.w, "</dd>")?;
                }
                write!(self.w, "</dl>")
            }
        }
    }

    fn close_section(&mut self) -> Result<()> {
        if self.section {
            writeln!(self.w, "</section>")?;
            self.section = false;
        }
        Ok(())
    }
}

impl Doc for HtmlDoc<'_> {
    fn begin(&mut self, title: &str) -> Result<()> {
        writeln!(
            self.w,
            "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>",
            esc(title)
        )
    }

    fn toc(&mut self, entries: &[TocEntry]) -> Result<()> {
        writeln!(
            self.w,
            "<nav aria-labelledby=\"toc\">\n<h2 id=\"toc\">Contents</h2>\n<ol>"
        )?;
        for e in entries {
            write!(
                self.w,
                "<li><a href=\"#{}\">{}</a>",
                esc(&e.anchor),
                esc(&e.text)
            )?;
            if let Some(c) = &e.count {
                write!(self.w, " <span class=\"count\">({})</span>", esc(c))?;
            }
            writeln!(self.w, "</li>")?;
        }
        writeln!(self.w, "</ol>\n</nav>")
    }

    fn heading(&mut self, level: u8, anchor: Option<&str>, text: &str) -> Result<()> {
        let level = level.clamp(1, 4);
        if level <= 2 {
            self.close_section()?;
        }
        if level == 2 {
            writeln!(self.w, "<section>")?;
            self.section = true;
        }
        match anchor {
            Some(a) => writeln!(
                self.w,
                "<h{level} id=\"{}\">{}</h{level}>",
                esc(a),
                esc(text)
            ),
            None => writeln!(self.w, "<h{level}>{}</h{level}>", esc(text)),
        }
    }

    fn para(&mut self, style: Style, spans: &[Span]) -> Result<()> {
        match style {
            Style::Normal => write!(self.w, "<p>")?,
            Style::Note => write!(self.w, "<p class=\"note\">")?,
            Style::Hint => write!(self.w, "<p class=\"small hint\">")?,
        }
        self.spans(spans)?;
        writeln!(self.w, "</p>")
    }

    fn bullets(&mut self, items: &[Vec<Span>]) -> Result<()> {
        writeln!(self.w, "<ul class=\"bullets\">")?;
        for i in items {
            write!(self.w, "<li>")?;
            self.spans(i)?;
            writeln!(self.w, "</li>")?;
        }
        writeln!(self.w, "</ul>")
    }

    fn pairs(&mut self, rows: &[(String, Val)]) -> Result<()> {
        writeln!(self.w, "<dl class=\"pairs\">")?;
        for (k, v) in rows {
            write!(self.w, "<dt>{}</dt><dd>", esc(k))?;
            self.val(v)?;
            writeln!(self.w, "</dd>")?;
        }
        writeln!(self.w, "</dl>")
    }

    fn table(&mut self, caption: &str, cols: &[Col], rows: &[Vec<Val>]) -> Result<()> {
        let stack = if cols.len() > 2 {
            " class=\"stack\""
        } else {
            ""
        };
        write!(self.w, "<table{stack}>")?;
        if !caption.is_empty() {
            write!(self.w, "<caption>{}</caption>", esc(caption))?;
        }
        write!(self.w, "<thead><tr>")?;
        for c in cols {
            let class = if c.numeric { " class=\"n\"" } else { "" };
            write!(self.w, "<th scope=\"col\"{class}>{}</th>", esc(c.head))?;
        }
        writeln!(self.w, "</tr></thead><tbody>")?;
        for r in rows {
            write!(self.w, "<tr>")?;
            for (c, v) in cols.iter().zip(r) {
                let class = if c.numeric { " class=\"n\"" } else { "" };
                write!(self.w, "<td data-label=\"{}\"{class}>", esc(c.head))?;
                self.val(v)?;
                write!(self.w, "</td>")?;
            }
            writeln!(self.w, "</tr>")?;
        }
        writeln!(self.w, "</tbody></table>")
    }

    fn items_start(&mut self, label: &str) -> Result<()> {
        writeln!(self.w, "<ol class=\"items\" aria-label=\"{}\">", esc(label))
    }

    fn item(&mut self, line: &[Span], details: &[(String, Val)]) -> Result<()> {
        write!(self.w, "<li><details><summary>")?;
        self.spans(line)?;
        write!(self.w, "</summary><dl class=\"pairs\">")?;
        for (k, v) in details {
            write!(self.w, "<dt>{}</dt><dd>", esc(k))?;
            self.val(v)?;
            write!(self.w, "</dd>")?;
        }
        writeln!(self.w, "</dl></details></li>")
    }

    fn items_end(&mut self) -> Result<()> {
        writeln!(self.w, "</ol>")
    }

    fn end(&mut self) -> Result<()> {
        self.close_section()?;
        writeln!(self.w, "</main>\n</body>\n</html>")
    }
}

// ---------------------------------------------------------------- text

/// Plain text (for an email), wrapped at 72 columns.
pub(crate) struct TextDoc {
    pub out: String,
}

const WIDTH: usize = 72;

fn wrap_into(out: &mut String, text: &str, first: &str, rest: &str) {
    for (i, para) in text.split('\n').enumerate() {
        let mut line = String::from(if i == 0 { first } else { rest });
        let mut empty = true;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
                out.push_str(line.trim_end());
                out.push('\n');
                line = String::from(rest);
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn plain(spans: &[Span]) -> String {
    let mut s = String::new();
    for sp in spans {
        match sp {
            Span::Text(t) | Span::Bold(t) => s.push_str(t),
            Span::Link(t, href) => {
                let bare = href
                    .trim_start_matches("https://")
                    .trim_start_matches("http://")
                    .trim_start_matches("mailto:")
                    .trim_end_matches('/');
                if t.trim_end_matches('/') == bare || *t == *href {
                    s.push_str(href);
                } else {
                    s.push_str(&format!("{t} ({href})"));
                }
            }
        }
    }
    s
}

fn plain_val(v: &Val) -> String {
    match v {
        Val::Text(t) | Val::Own(t) => t.clone(),
        Val::Pairs(p) => p
            .iter()
            .map(|(k, v)| format!("{k}: {}", plain_val(v)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

impl TextDoc {
    pub fn new() -> TextDoc {
        TextDoc { out: String::new() }
    }
}

impl Doc for TextDoc {
    fn begin(&mut self, _title: &str) -> Result<()> {
        Ok(())
    }
    fn toc(&mut self, _entries: &[TocEntry]) -> Result<()> {
        Ok(())
    }
    fn heading(&mut self, level: u8, _anchor: Option<&str>, text: &str) -> Result<()> {
        if level == 1 {
            // The email's subject line carries the title.
            return Ok(());
        }
        self.out.push_str(text);
        self.out.push('\n');
        self.out
            .push_str(&"-".repeat(text.chars().count().min(WIDTH)));
        self.out.push_str("\n\n");
        Ok(())
    }
    fn para(&mut self, _style: Style, spans: &[Span]) -> Result<()> {
        wrap_into(&mut self.out, &plain(spans), "", "");
        self.out.push('\n');
        Ok(())
    }
    fn bullets(&mut self, items: &[Vec<Span>]) -> Result<()> {
        for i in items {
            wrap_into(&mut self.out, &plain(i), "- ", "  ");
        }
        self.out.push('\n');
        Ok(())
    }
    fn pairs(&mut self, rows: &[(String, Val)]) -> Result<()> {
        for (k, v) in rows {
            wrap_into(&mut self.out, &format!("{k}: {}", plain_val(v)), "", "  ");
        }
        self.out.push('\n');
        Ok(())
    }
    fn table(&mut self, _caption: &str, cols: &[Col], rows: &[Vec<Val>]) -> Result<()> {
        for r in rows {
            let cells: Vec<String> = cols
                .iter()
                .zip(r)
                .map(|(c, v)| format!("{}: {}", c.head, plain_val(v)))
                .collect();
            wrap_into(&mut self.out, &cells.join("; "), "- ", "  ");
        }
        self.out.push('\n');
        Ok(())
    }
    fn items_start(&mut self, _label: &str) -> Result<()> {
        Ok(())
    }
    fn item(&mut self, line: &[Span], _details: &[(String, Val)]) -> Result<()> {
        wrap_into(&mut self.out, &plain(line), "- ", "  ");
        Ok(())
    }
    fn items_end(&mut self) -> Result<()> {
        self.out.push('\n');
        Ok(())
    }
    fn end(&mut self) -> Result<()> {
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_marks_own_markup() {
        let mut buf = Vec::new();
        let mut d = HtmlDoc::new(&mut buf);
        d.pairs(&[("Text".into(), Val::Own("<i>so</i> tired".into()))])
            .unwrap();
        d.item(
            &[Span::Text("a <b>")],
            &[("Plain".into(), Val::Own("no markup".into()))],
        )
        .unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("&lt;i&gt;so&lt;/i&gt; tired"), "{s}");
        assert_eq!(s.matches("class=\"markup\"").count(), 1, "{s}");
        assert!(s.contains("<summary>a &lt;b&gt;</summary>"), "{s}");
    }

    #[test]
    fn text_wraps_and_shows_links() {
        let mut d = TextDoc::new();
        d.para(
            Style::Normal,
            &[
                Span::Text("Complain to the ICO: "),
                Span::Link(
                    "ico.org.uk/make-a-complaint",
                    "https://ico.org.uk/make-a-complaint/",
                ),
            ],
        )
        .unwrap();
        d.para(Style::Normal, &[Span::Text(&"word ".repeat(40))])
            .unwrap();
        d.end().unwrap();
        assert!(
            d.out.contains("https://ico.org.uk/make-a-complaint/"),
            "{}",
            d.out
        );
        assert!(
            d.out.lines().all(|l| l.chars().count() <= WIDTH),
            "{}",
            d.out
        );
    }
}
