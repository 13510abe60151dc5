//! A minimal JSON writer: one object straight into a byte buffer, keys in
//! the order written, and the three ways a JSONL export shows "not known".

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

/// Appends `s` to `out` as a JSON string literal.
pub fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 15) as usize]);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// How a JSON object shows a field that is "not known".
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    Omit,
    Null,
    Empty,
}

impl Unknown {
    pub fn random(r: &mut ChaCha8Rng) -> Unknown {
        match r.gen_range(0..10) {
            0..=5 => Unknown::Omit,
            6..=8 => Unknown::Null,
            _ => Unknown::Empty,
        }
    }
}

/// Builds one JSON object into a byte buffer.
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        json_str(self.out, k);
        self.out.push(b':');
    }

    pub fn s(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        json_str(self.out, v);
        self
    }

    /// An optional text field; `None` is shown as `how`.
    pub fn opt(&mut self, k: &str, v: Option<&str>, how: Unknown) -> &mut Self {
        match (v, how) {
            (Some(v), _) => self.s(k, v),
            (None, Unknown::Omit) => self,
            (None, Unknown::Null) => {
                self.key(k);
                self.out.extend_from_slice(b"null");
                self
            }
            (None, Unknown::Empty) => self.s(k, ""),
        }
    }

    pub fn b(&mut self, k: &str, v: bool) -> &mut Self {
        self.key(k);
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        self
    }

    pub fn i(&mut self, k: &str, v: i64) -> &mut Self {
        self.key(k);
        let _ = write!(Utf8Vec(self.out), "{v}");
        self
    }

    /// A nested value written by `f` (an object, an array).
    pub fn raw(&mut self, k: &str, f: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        self.key(k);
        f(self.out);
        self
    }

    pub fn end(&mut self) {
        self.out.push(b'}');
    }
}

/// `fmt::Write` over a byte vector.
pub struct Utf8Vec<'a>(pub &'a mut Vec<u8>);

impl std::fmt::Write for Utf8Vec<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escaping() {
        let mut v = Vec::new();
        Obj::new(&mut v)
            .s("a", "x\"y\n\\<b>\u{1}")
            .opt("b", None, Unknown::Null)
            .opt("c", None, Unknown::Omit)
            .i("d", -3)
            .b("e", true)
            .end();
        let parsed: serde_json::Value = serde_json::from_slice(&v).unwrap();
        assert_eq!(parsed["a"], "x\"y\n\\<b>\u{1}");
        assert!(parsed["b"].is_null());
        assert!(parsed.get("c").is_none());
        assert_eq!(parsed["d"], -3);
    }
}
