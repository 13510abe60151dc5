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

use super::doc::{Col, Doc, Span, Style, TocEntry, Val, OWN_MARKUP};
use super::pdf_metrics::{BOLD, REGULAR};
use crate::html::looks_like_markup;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncrypt, KeyInit};
use aes::{Aes128, Aes256};
use flate2::write::ZlibEncoder;
use flate2::Compression;
use rand::RngCore;
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::io::{Result, Write};

// ------------------------------------------------------------ encryption

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

fn cbc_encrypt_no_pad<C: BlockEncrypt>(cipher: &C, iv: &[u8], data: &mut [u8]) {
    let mut prev = [0u8; 16];
    prev.copy_from_slice(iv);
    for chunk in data.chunks_exact_mut(16) {
        for (b, p) in chunk.iter_mut().zip(prev.iter()) {
            *b ^= p;
        }
        cipher.encrypt_block(GenericArray::from_mut_slice(chunk));
        prev.copy_from_slice(chunk);
    }
}

/// ISO 32000-2 Algorithm 2.B: the hash of a password for revision 6.
fn hash_r6(password: &[u8], salt: &[u8], udata: &[u8]) -> [u8; 32] {
    let mut k: Vec<u8> = Sha256::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(udata)
        .finalize()
        .to_vec();
    let mut round = 0u32;
    loop {
        round += 1;
        let mut k1 = Vec::with_capacity(64 * (password.len() + k.len() + udata.len()));
        for _ in 0..64 {
            k1.extend_from_slice(password);
            k1.extend_from_slice(&k);
            k1.extend_from_slice(udata);
        }
        let aes = Aes128::new(GenericArray::from_slice(&k[..16]));
        cbc_encrypt_no_pad(&aes, &k[16..32], &mut k1);
        let e = k1;
        let sum: u32 = e[..16].iter().map(|b| u32::from(*b)).sum();
        k = match sum % 3 {
            0 => Sha256::digest(&e).to_vec(),
            1 => Sha384::digest(&e).to_vec(),
            _ => Sha512::digest(&e).to_vec(),
        };
        if round >= 64 && u32::from(*e.last().unwrap_or(&0)) <= round - 32 {
            break;
        }
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&k[..32]);
    out
}

/// The file key and the `/Encrypt` dictionary of a document.
pub(crate) struct Crypt {
    key: [u8; 32],
    dict: String,
}

/// All permissions (print, copy, …): the member's own data.
const PERMISSIONS: i32 = -4;

fn hex(b: &[u8]) -> String {
    hex::encode_upper(b)
}

impl Crypt {
    /// Opened by `user` (the passphrase as the member types it) or by
    /// `owner`; passwords are ASCII here, so SASLprep leaves them as they
    /// are. Each is at most 127 bytes.
    pub fn new(user: &str, owner: &str) -> Crypt {
        let key: [u8; 32] = random();
        let (u_pw, o_pw) = (
            &user.as_bytes()[..user.len().min(127)],
            &owner.as_bytes()[..owner.len().min(127)],
        );
        let zero = [0u8; 16];
        // U and UE.
        let (uvs, uks): ([u8; 8], [u8; 8]) = (random(), random());
        let mut u = hash_r6(u_pw, &uvs, &[]).to_vec();
        u.extend_from_slice(&uvs);
        u.extend_from_slice(&uks);
        let mut ue = key;
        cbc_encrypt_no_pad(
            &Aes256::new(GenericArray::from_slice(&hash_r6(u_pw, &uks, &[]))),
            &zero,
            &mut ue,
        );
        // O and OE (hashed with U).
        let (ovs, oks): ([u8; 8], [u8; 8]) = (random(), random());
        let mut o = hash_r6(o_pw, &ovs, &u).to_vec();
        o.extend_from_slice(&ovs);
        o.extend_from_slice(&oks);
        let mut oe = key;
        cbc_encrypt_no_pad(
            &Aes256::new(GenericArray::from_slice(&hash_r6(o_pw, &oks, &u))),
            &zero,
            &mut oe,
        );
        // Perms.
        let mut perms = [0u8; 16];
        perms[..4].copy_from_slice(&PERMISSIONS.to_le_bytes());
        perms[4..8].copy_from_slice(&[0xFF; 4]);
        perms[8..12].copy_from_slice(b"Tadb");
        perms[12..].copy_from_slice(&random::<4>());
        Aes256::new(GenericArray::from_slice(&key))
            .encrypt_block(GenericArray::from_mut_slice(&mut perms));
        let dict = format!(
            "<< /Filter /Standard /V 5 /R 6 /Length 256 /CF << /StdCF << /Type /CryptFilter /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >> /StmF /StdCF /StrF /StdCF /O <{}> /U <{}> /OE <{}> /UE <{}> /Perms <{}> /P {PERMISSIONS} /EncryptMetadata true >>",
            hex(&o),
            hex(&u),
            hex(&oe),
            hex(&ue),
            hex(&perms)
        );
        Crypt { key, dict }
    }

    /// A random IV, then AES-256-CBC with PKCS#7 padding.
    fn encrypt(&self, data: &[u8]) -> Vec<u8> {
        let mut w = AesCbcWriter::new(&self.key, Vec::with_capacity(data.len() + 32));
        let _ = w.write_all(data);
        w.finish().unwrap_or_default()
    }
}

/// AES-256-CBC as a stream: the IV first, then whole blocks as they fill,
/// PKCS#7 padding at [`AesCbcWriter::finish`].
struct AesCbcWriter<W: Write> {
    cipher: Aes256,
    prev: [u8; 16],
    buf: Vec<u8>,
    inner: W,
    started: bool,
}

impl<W: Write> AesCbcWriter<W> {
    fn new(key: &[u8; 32], inner: W) -> AesCbcWriter<W> {
        AesCbcWriter {
            cipher: Aes256::new(GenericArray::from_slice(key)),
            prev: random(),
            buf: Vec::with_capacity(64 * 1024),
            inner,
            started: false,
        }
    }

    fn flush_blocks(&mut self, all: bool) -> Result<()> {
        if !self.started {
            self.inner.write_all(&self.prev)?;
            self.started = true;
        }
        let n = if all {
            self.buf.len()
        } else {
            self.buf.len() / 16 * 16
        };
        for chunk in self.buf[..n].chunks_exact_mut(16) {
            for (b, p) in chunk.iter_mut().zip(self.prev.iter()) {
                *b ^= p;
            }
            self.cipher
                .encrypt_block(GenericArray::from_mut_slice(chunk));
            self.prev.copy_from_slice(chunk);
        }
        self.inner.write_all(&self.buf[..n])?;
        self.buf.drain(..n);
        Ok(())
    }

    fn finish(mut self) -> Result<W> {
        let pad = 16 - self.buf.len() % 16;
        self.buf.extend(std::iter::repeat_n(pad as u8, pad));
        self.flush_blocks(true)?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for AesCbcWriter<W> {
    fn write(&mut self, data: &[u8]) -> Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.flush_blocks(false)?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

// ------------------------------------------------------------ the file

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

    fn page(&mut self, content: &[u8]) -> Result<u32> {
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

    /// The page tree, bookmarks, attachments, catalog, cross-reference
    /// table and trailer. Returns the writer.
    pub fn finish(mut self, title: &str) -> Result<W> {
        let kids: Vec<String> = self.pages.iter().map(|p| format!("{p} 0 R")).collect();
        let pages = format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            self.pages.len()
        );
        let pages_id = self.pages_id;
        self.object(pages_id, &pages)?;
        // Bookmarks: one per section.
        let outline_root = if self.outline.is_empty() {
            None
        } else {
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
            Some(root)
        };
        let mut att = std::mem::take(&mut self.attachments);
        att.sort_by(|a, b| a.0.cmp(&b.0));
        let names: Vec<String> = att
            .iter()
            .map(|(n, id)| format!("{} {id} 0 R", text_string(&self.crypt, n)))
            .collect();
        let af: Vec<String> = att.iter().map(|(_, id)| format!("{id} 0 R")).collect();
        let catalog = self.alloc();
        let mut body = format!(
            "<< /Type /Catalog /Pages {pages_id} 0 R /Lang {} /ViewerPreferences << /DisplayDocTitle true >> /Names << /EmbeddedFiles << /Names [{}] >> >> /AF [{}]",
            text_string(&self.crypt, "en-GB"),
            names.join(" "),
            af.join(" ")
        );
        if let Some(o) = outline_root {
            body.push_str(&format!(" /Outlines {o} 0 R /PageMode /UseOutlines"));
        }
        body.push_str(" >>");
        self.object(catalog, &body)?;
        let info = self.alloc();
        let info_body = format!(
            "<< /Title {} /Producer {} >>",
            text_string(&self.crypt, title),
            text_string(&self.crypt, "Privacy Desk")
        );
        self.object(info, &info_body)?;
        let enc = self.alloc();
        let dict = self.crypt.dict.clone();
        self.object(enc, &dict)?;
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
            "trailer\n<< /Size {} /Root {catalog} 0 R /Info {info} 0 R /Encrypt {enc} 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{xref}\n%%EOF\n",
            self.offsets.len()
        )?;
        self.w.flush()?;
        Ok(self.w.inner)
    }
}

// ------------------------------------------------------------ layout

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 56.0;
const RIGHT: f32 = PAGE_W - 56.0;
const TOP: f32 = PAGE_H - 60.0;
const BOTTOM: f32 = 60.0;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Font {
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

fn width(font: Font, b: u8, size: f32) -> f32 {
    let table = if font == Font::Bold { &BOLD } else { &REGULAR };
    let w = if b >= 32 { table[(b - 32) as usize] } else { 0 };
    f32::from(if w == 0 { 556 } else { w }) * size / 1000.0
}

/// A run of text in one font, already in WinAnsi.
type Run = (Font, Vec<u8>);

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
            self.f.outline.push((t, page, y));
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
        let max = RIGHT - x0;
        // Words: (font, bytes, followed by a space, a forced break before).
        let mut words: Vec<(Font, Vec<u8>, bool, bool)> = Vec::new();
        for (font, bytes) in runs {
            let mut cur: Vec<u8> = Vec::new();
            let mut brk = false;
            for &b in bytes {
                match b {
                    b' ' => {
                        words.push((*font, std::mem::take(&mut cur), true, brk));
                        brk = false;
                    }
                    b'\n' => {
                        words.push((*font, std::mem::take(&mut cur), false, brk));
                        brk = true;
                    }
                    _ => cur.push(b),
                }
            }
            if !cur.is_empty() || brk {
                words.push((*font, cur, false, brk));
            }
        }
        let mut lines: Vec<Vec<(Font, Vec<u8>)>> = vec![Vec::new()];
        let mut lw = 0.0f32;
        for (font, word, space, brk) in words {
            let ww: f32 = word.iter().map(|b| width(font, *b, size)).sum();
            let sw = if space { width(font, b' ', size) } else { 0.0 };
            if brk || (lw > 0.0 && lw + ww > max) {
                lines.push(Vec::new());
                lw = 0.0;
            }
            let mut word = word;
            // A word wider than the line is cut.
            while word.iter().map(|b| width(font, *b, size)).sum::<f32>() > max {
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
        for line in lines {
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
            write!(self.content, "BT {x0:.2} {y:.2} Td")?;
            let mut cur: Option<Font> = None;
            for (font, bytes) in line {
                if cur != Some(font) {
                    write!(
                        self.content,
                        " /{} {size} Tf",
                        if font == Font::Bold { "F2" } else { "F1" }
                    )?;
                    cur = Some(font);
                }
                self.content.extend_from_slice(b" (");
                for b in bytes {
                    if matches!(b, b'(' | b')' | b'\\') {
                        self.content.push(b'\\');
                    }
                    self.content.push(b);
                }
                self.content.extend_from_slice(b") Tj");
            }
            self.content.extend_from_slice(b" ET\n");
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

fn enc(s: &str) -> Vec<u8> {
    s.chars().map(win_ansi).collect()
}

fn runs(spans: &[Span]) -> Vec<Run> {
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

    #[test]
    fn cbc_stream_matches_one_shot() {
        let key = [7u8; 32];
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut w = AesCbcWriter::new(&key, Vec::new());
        for c in data.chunks(777) {
            w.write_all(c).unwrap();
        }
        let out = w.finish().unwrap();
        let iv = out[..16].to_vec();
        let mut padded = data.clone();
        let pad = 16 - padded.len() % 16;
        padded.extend(std::iter::repeat_n(pad as u8, pad));
        cbc_encrypt_no_pad(
            &Aes256::new(GenericArray::from_slice(&key)),
            &iv,
            &mut padded,
        );
        assert_eq!(&out[16..], &padded[..]);
    }
}
