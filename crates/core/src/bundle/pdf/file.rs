//! The PDF file: numbered objects written one after another, their offsets
//! kept for the cross-reference table; stream objects written through
//! deflate and AES as they come; then the page tree, bookmarks, attachment
//! list, catalog and trailer at [`PdfFile::finish`].

use super::crypt::{hex, random, AesCbcWriter, Crypt};
use super::layout::{PAGE_H, PAGE_W};
use flate2::write::ZlibEncoder;
use flate2::Compression;
use std::io::{Result, Write};

/// Counts what goes through it.
struct Counter<W: Write> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for Counter<W> {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> Result<()> {
        self.inner.flush()
    }
}

/// An encrypted PDF being written.
pub(crate) struct PdfFile<W: Write> {
    w: Counter<W>,
    offsets: Vec<u64>,
    crypt: Crypt,
    pages_id: u32,
    fonts: (u32, u32),
    pages: Vec<u32>,
    /// (name, file specification object).
    attachments: Vec<(String, u32)>,
    /// (title, page object, y) of each section, for the bookmarks.
    outline: Vec<(String, u32, f32)>,
}

/// A PDF text string: UTF-16BE with a byte-order mark, encrypted, in hex.
fn text_string(crypt: &Crypt, s: &str) -> String {
    let mut b = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        b.extend_from_slice(&u.to_be_bytes());
    }
    format!("<{}>", hex(&crypt.encrypt(&b)))
}

/// "N 0 R" for each object, separated by spaces.
fn refs(ids: impl IntoIterator<Item = u32>) -> String {
    ids.into_iter()
        .map(|id| format!("{id} 0 R"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The objects written last that the trailer names.
struct Ends {
    catalog: u32,
    info: u32,
    encrypt: u32,
}

impl<W: Write> PdfFile<W> {
    pub fn new(inner: W, crypt: Crypt) -> Result<PdfFile<W>> {
        let mut f = PdfFile {
            w: Counter { inner, n: 0 },
            offsets: vec![0],
            crypt,
            pages_id: 0,
            fonts: (0, 0),
            pages: Vec::new(),
            attachments: Vec::new(),
            outline: Vec::new(),
        };
        f.w.write_all(b"%PDF-2.0\n%\xE2\xE3\xCF\xD3\n")?;
        f.pages_id = f.alloc();
        f.fonts = (f.alloc(), f.alloc());
        let (r, b) = f.fonts;
        f.object(
            r,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        )?;
        f.object(b, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")?;
        Ok(f)
    }

    fn alloc(&mut self) -> u32 {
        self.offsets.push(0);
        (self.offsets.len() - 1) as u32
    }

    fn object(&mut self, id: u32, body: &str) -> Result<()> {
        self.offsets[id as usize] = self.w.n;
        write!(self.w, "{id} 0 obj\n{body}\nendobj\n")
    }

    /// A stream object written through deflate and AES as `f` writes it;
    /// its length is an indirect object written after it.
    fn stream_with<T>(
        &mut self,
        id: u32,
        dict: &str,
        f: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<T> {
        let len_id = self.alloc();
        self.offsets[id as usize] = self.w.n;
        write!(
            self.w,
            "{id} 0 obj\n<< {dict} /Filter /FlateDecode /Length {len_id} 0 R >>\nstream\n"
        )?;
        let start = self.w.n;
        let enc = AesCbcWriter::new(&self.crypt.key, &mut self.w);
        let mut z = ZlibEncoder::new(enc, Compression::new(6));
        let out = f(&mut z)?;
        z.finish()?.finish()?;
        let len = self.w.n - start;
        self.w.write_all(b"\nendstream\nendobj\n")?;
        self.object(len_id, &len.to_string())?;
        Ok(out)
    }

    /// A file attached to the document (an embedded file stream and its
    /// file specification).
    pub fn attach<T>(
        &mut self,
        name: &str,
        mime: &str,
        f: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<T> {
        let stream = self.alloc();
        let out = self.stream_with(
            stream,
            &format!("/Type /EmbeddedFile /Subtype /{}", mime.replace('/', "#2F")),
            f,
        )?;
        let spec = self.alloc();
        let n = text_string(&self.crypt, name);
        self.object(
            spec,
            &format!("<< /Type /Filespec /F {n} /UF {n} /AFRelationship /Data /EF << /F {stream} 0 R /UF {stream} 0 R >> >>"),
        )?;
        self.attachments.push((name.to_string(), spec));
        Ok(out)
    }

    /// A page with this content stream; returns its object.
    pub(super) fn page(&mut self, content: &[u8]) -> Result<u32> {
        let c = self.alloc();
        self.stream_with(c, "", |w| w.write_all(content))?;
        let p = self.alloc();
        let (r, b) = self.fonts;
        let body = format!(
            "<< /Type /Page /Parent {} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /Font << /F1 {r} 0 R /F2 {b} 0 R >> >> /Contents {c} 0 R >>",
            self.pages_id
        );
        self.object(p, &body)?;
        self.pages.push(p);
        Ok(p)
    }

    /// A bookmark to `y` on page object `page`.
    pub(super) fn bookmark(&mut self, title: String, page: u32, y: f32) {
        self.outline.push((title, page, y));
    }

    /// The page tree, bookmarks, attachments, catalog, cross-reference
    /// table and trailer. Returns the writer.
    pub fn finish(mut self, title: &str) -> Result<W> {
        self.page_tree()?;
        let outline = self.outline_tree()?;
        let catalog = self.catalog(outline)?;
        let info = self.alloc();
        let info_body = format!(
            "<< /Title {} /Producer {} >>",
            text_string(&self.crypt, title),
            text_string(&self.crypt, "Privacy Desk")
        );
        self.object(info, &info_body)?;
        let encrypt = self.alloc();
        let dict = self.crypt.dict.clone();
        self.object(encrypt, &dict)?;
        self.xref_and_trailer(Ends {
            catalog,
            info,
            encrypt,
        })
    }

    /// The one `/Pages` node, over every page in order.
    fn page_tree(&mut self) -> Result<()> {
        let pages = format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            refs(self.pages.iter().copied()),
            self.pages.len()
        );
        self.object(self.pages_id, &pages)
    }

    /// Bookmarks, one per section, in a flat list; the root, if any.
    fn outline_tree(&mut self) -> Result<Option<u32>> {
        if self.outline.is_empty() {
            return Ok(None);
        }
        let root = self.alloc();
        let ids: Vec<u32> = (0..self.outline.len()).map(|_| self.alloc()).collect();
        let items = std::mem::take(&mut self.outline);
        for (i, (t, page, y)) in items.iter().enumerate() {
            let mut body = format!(
                "<< /Title {} /Parent {root} 0 R /Dest [{page} 0 R /XYZ 0 {y:.0} null]",
                text_string(&self.crypt, t)
            );
            if i > 0 {
                body.push_str(&format!(" /Prev {} 0 R", ids[i - 1]));
            }
            if i + 1 < ids.len() {
                body.push_str(&format!(" /Next {} 0 R", ids[i + 1]));
            }
            body.push_str(" >>");
            self.object(ids[i], &body)?;
        }
        self.object(
            root,
            &format!(
                "<< /Type /Outlines /First {} 0 R /Last {} 0 R /Count {} >>",
                ids[0],
                ids[ids.len() - 1],
                ids.len()
            ),
        )?;
        Ok(Some(root))
    }

    /// The catalog: pages, language, attachments by name, bookmarks.
    fn catalog(&mut self, outline: Option<u32>) -> Result<u32> {
        let mut att = std::mem::take(&mut self.attachments);
        att.sort_by(|a, b| a.0.cmp(&b.0));
        let names: Vec<String> = att
            .iter()
            .map(|(n, id)| format!("{} {id} 0 R", text_string(&self.crypt, n)))
            .collect();
        let catalog = self.alloc();
        let mut body = format!(
            "<< /Type /Catalog /Pages {} 0 R /Lang {} /ViewerPreferences << /DisplayDocTitle true >> /Names << /EmbeddedFiles << /Names [{}] >> >> /AF [{}]",
            self.pages_id,
            text_string(&self.crypt, "en-GB"),
            names.join(" "),
            refs(att.iter().map(|(_, id)| *id))
        );
        if let Some(o) = outline {
            body.push_str(&format!(" /Outlines {o} 0 R /PageMode /UseOutlines"));
        }
        body.push_str(" >>");
        self.object(catalog, &body)?;
        Ok(catalog)
    }

    /// The cross-reference table and the trailer; returns the writer.
    fn xref_and_trailer(mut self, ends: Ends) -> Result<W> {
        let Ends {
            catalog,
            info,
            encrypt,
        } = ends;
        let xref = self.w.n;
        write!(
            self.w,
            "xref\n0 {}\n0000000000 65535 f \n",
            self.offsets.len()
        )?;
        for o in &self.offsets[1..] {
            writeln!(self.w, "{o:010} 00000 n ")?;
        }
        let id = hex(&random::<16>());
        write!(
            self.w,
            "trailer\n<< /Size {} /Root {catalog} 0 R /Info {info} 0 R /Encrypt {encrypt} 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{xref}\n%%EOF\n",
            self.offsets.len()
        )?;
        self.w.flush()?;
        Ok(self.w.inner)
    }
}
