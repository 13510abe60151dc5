//! Where each key of `manifest.json` is: a scan of JSON text that serde_json
//! has already accepted, so that a problem names the line that is wrong.

use std::collections::HashMap;

/// The line of every key (and array element) up to a small depth, by a scan
/// of JSON text that serde_json has already accepted.
#[derive(Debug, Default)]
pub(crate) struct KeyLines {
    lines: HashMap<String, u64>,
}

const MAX_KEY_DEPTH: usize = 3;

impl KeyLines {
    pub(crate) fn scan(text: &[u8]) -> KeyLines {
        let mut s = Scanner {
            b: text,
            i: 0,
            line: 1,
            out: HashMap::new(),
        };
        s.ws();
        s.out.insert(String::new(), s.line);
        s.value("", 0);
        KeyLines { lines: s.out }
    }

    /// The line of `key` (e.g. `files[2].sha256`), or of the document's start.
    pub(crate) fn get(&self, key: &str) -> u64 {
        self.get_or(key, "")
    }

    /// The line of `key`, or else of `fallback`, or else of the document's start.
    pub(crate) fn get_or(&self, key: &str, fallback: &str) -> u64 {
        self.lines
            .get(key)
            .or_else(|| self.lines.get(fallback))
            .or_else(|| self.lines.get(""))
            .copied()
            .unwrap_or(1)
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    line: u64,
    out: HashMap<String, u64>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.i += 1;
        }
    }

    fn string(&mut self) -> String {
        // At the opening quote.
        self.i += 1;
        let mut raw = Vec::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    if let Some(e) = self.peek() {
                        self.i += 1;
                        match e {
                            b'n' => raw.push(b'\n'),
                            b't' => raw.push(b'\t'),
                            b'r' => raw.push(b'\r'),
                            b'b' => raw.push(8),
                            b'f' => raw.push(12),
                            b'u' => {
                                let hex = self.b.get(self.i..self.i + 4).unwrap_or_default();
                                self.i += 4;
                                let c = std::str::from_utf8(hex)
                                    .ok()
                                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                                    .and_then(char::from_u32)
                                    .unwrap_or('\u{FFFD}');
                                let mut buf = [0u8; 4];
                                raw.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            }
                            other => raw.push(other),
                        }
                    }
                }
                other => raw.push(other),
            }
        }
        String::from_utf8_lossy(&raw).into_owned()
    }

    fn value(&mut self, path: &str, depth: usize) {
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(path, depth),
            Some(b'[') => self.array(path, depth),
            Some(b'"') => {
                self.string();
            }
            Some(_) => self.scalar(),
            None => {}
        }
    }

    /// An object at `{`: each key's line, then its value.
    fn object(&mut self, path: &str, depth: usize) {
        self.i += 1;
        loop {
            self.ws();
            match self.peek() {
                Some(b'"') => {
                    let key_line = self.line;
                    let key = self.string();
                    let child = if path.is_empty() {
                        key
                    } else {
                        format!("{path}.{key}")
                    };
                    if depth < MAX_KEY_DEPTH {
                        self.out.insert(child.clone(), key_line);
                    }
                    self.ws();
                    if self.peek() == Some(b':') {
                        self.i += 1;
                    }
                    self.value(&child, depth + 1);
                    self.ws();
                    if self.peek() == Some(b',') {
                        self.i += 1;
                    }
                }
                Some(b'}') => {
                    self.i += 1;
                    return;
                }
                _ => return,
            }
        }
    }

    /// An array at `[`: each element's line (`path[n]`), then its value.
    fn array(&mut self, path: &str, depth: usize) {
        self.i += 1;
        let mut n = 0usize;
        loop {
            self.ws();
            match self.peek() {
                Some(b']') => {
                    self.i += 1;
                    return;
                }
                None => return,
                Some(_) => {
                    let child = format!("{path}[{n}]");
                    if depth < MAX_KEY_DEPTH {
                        self.out.insert(child.clone(), self.line);
                    }
                    let start = self.i;
                    self.value(&child, depth + 1);
                    self.ws();
                    if self.peek() == Some(b',') {
                        self.i += 1;
                    } else if self.i == start {
                        return;
                    }
                    n += 1;
                }
            }
        }
    }

    /// A number, `true`, `false` or `null`: skipped.
    fn scalar(&mut self) {
        while let Some(c) = self.peek() {
            if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.i += 1;
        }
    }
}
