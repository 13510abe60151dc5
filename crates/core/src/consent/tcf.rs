//! IAB TCF v2 consent strings (`tcf_string` on `cookies.*` consent events):
//! the core segment decoded into purposes and vendors. No maintained Rust
//! decoder resolved from the registry this project uses, so this is a small
//! reader of the published bit layout (TCF v2.2 "core string"); other
//! segments (disclosed vendors, publisher TC) are not decoded.

use base64::Engine;
use serde::Serialize;

/// The decoded core segment.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TcfCore {
    pub version: u64,
    /// Deciseconds since the Unix epoch, as in the string, and as RFC 3339.
    pub created: String,
    pub last_updated: String,
    pub cmp_id: u64,
    pub cmp_version: u64,
    pub consent_screen: u64,
    pub consent_language: String,
    pub vendor_list_version: u64,
    pub tcf_policy_version: u64,
    pub is_service_specific: bool,
    pub special_feature_opt_ins: Vec<u64>,
    pub purposes_consent: Vec<u64>,
    pub purposes_legitimate_interest: Vec<u64>,
    pub purpose_one_treatment: bool,
    pub publisher_country: String,
    pub vendor_consents: Vec<u64>,
    pub vendor_legitimate_interests: Vec<u64>,
}

struct Bits<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn read(&mut self, n: usize) -> Option<u64> {
        let mut v = 0u64;
        for _ in 0..n {
            let byte = *self.b.get(self.pos / 8)?;
            let bit = (byte >> (7 - self.pos % 8)) & 1;
            v = (v << 1) | bit as u64;
            self.pos += 1;
        }
        Some(v)
    }
    fn flags(&mut self, n: usize) -> Option<Vec<u64>> {
        let mut out = Vec::new();
        for i in 1..=n {
            if self.read(1)? == 1 {
                out.push(i as u64);
            }
        }
        Some(out)
    }
    fn letters(&mut self) -> Option<String> {
        let a = self.read(6)? as u8;
        let b = self.read(6)? as u8;
        Some(format!("{}{}", (b'A' + a) as char, (b'A' + b) as char))
    }
    fn vendors(&mut self) -> Option<Vec<u64>> {
        let max = self.read(16)? as usize;
        if self.read(1)? == 0 {
            return self.flags(max);
        }
        let n = self.read(12)?;
        let mut out = Vec::new();
        for _ in 0..n {
            let range = self.read(1)? == 1;
            let start = self.read(16)?;
            let end = if range { self.read(16)? } else { start };
            if end < start || end - start > 100_000 {
                return None;
            }
            out.extend(start..=end);
        }
        Some(out)
    }
}

fn ds_time(ds: u64) -> String {
    chrono::DateTime::from_timestamp((ds / 10) as i64, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Decode a TCF v2 string's core segment; None if it is not one.
pub fn decode(s: &str) -> Option<TcfCore> {
    let core = s.trim().split('.').next()?.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(core)
        .ok()?;
    let mut b = Bits { b: &bytes, pos: 0 };
    let version = b.read(6)?;
    if version != 2 {
        return None;
    }
    Some(TcfCore {
        version,
        created: ds_time(b.read(36)?),
        last_updated: ds_time(b.read(36)?),
        cmp_id: b.read(12)?,
        cmp_version: b.read(12)?,
        consent_screen: b.read(6)?,
        consent_language: b.letters()?,
        vendor_list_version: b.read(12)?,
        tcf_policy_version: b.read(6)?,
        is_service_specific: b.read(1)? == 1,
        special_feature_opt_ins: {
            b.read(1)?; // use non-standard texts
            b.flags(12)?
        },
        purposes_consent: b.flags(24)?,
        purposes_legitimate_interest: b.flags(24)?,
        purpose_one_treatment: b.read(1)? == 1,
        publisher_country: b.letters()?,
        vendor_consents: b.vendors()?,
        vendor_legitimate_interests: b.vendors()?,
    })
}

/// Encode a core segment (bitfield vendor sections): the generator writes
/// these, and tests and fixtures use them. In the export format crate, so the
/// generator need not depend on the core.
pub use export_format::tcf::encode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let s = encode(&[1, 3, 4], &[2, 755], 17_000_000_000);
        let d = decode(&s).unwrap();
        assert_eq!(d.purposes_consent, [1, 3, 4]);
        assert_eq!(d.vendor_consents, [2, 755]);
        assert_eq!(d.consent_language, "EN");
        assert_eq!(d.publisher_country, "GB");
        assert_eq!(d.created, "2023-11-14T22:13:20Z");
        assert!(decode("not a tcf string!").is_none());
        assert!(decode("").is_none());
    }
}
