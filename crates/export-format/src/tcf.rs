//! IAB TCF v2 consent strings as the export carries them (`tcf_string` on
//! `cookies.*` consent events): an encoder of the core segment, for the
//! generator and for tests. The core reads them (`desk_core::tcf::decode`).

use base64::Engine;

/// Encode a core segment (bitfield vendor sections): for fixtures and tests.
pub fn encode(purposes_consent: &[u64], vendor_consents: &[u64], created_ds: u64) -> String {
    let mut bits: Vec<bool> = Vec::new();
    let put = |v: u64, n: usize, bits: &mut Vec<bool>| {
        for i in (0..n).rev() {
            bits.push((v >> i) & 1 == 1);
        }
    };
    put(2, 6, &mut bits);
    put(created_ds, 36, &mut bits);
    put(created_ds, 36, &mut bits);
    put(7, 12, &mut bits); // cmp id
    put(1, 12, &mut bits);
    put(1, 6, &mut bits);
    put(4, 6, &mut bits); // "EN"
    put(13, 6, &mut bits);
    put(100, 12, &mut bits);
    put(4, 6, &mut bits);
    put(0, 1, &mut bits);
    put(0, 1, &mut bits);
    put(0, 12, &mut bits);
    for i in 1..=24 {
        put(purposes_consent.contains(&i) as u64, 1, &mut bits);
    }
    put(0, 24, &mut bits);
    put(0, 1, &mut bits);
    put(6, 6, &mut bits); // "GB"
    put(1, 6, &mut bits);
    let max = vendor_consents.iter().copied().max().unwrap_or(0);
    put(max, 16, &mut bits);
    put(0, 1, &mut bits);
    for i in 1..=max {
        put(vendor_consents.contains(&i) as u64, 1, &mut bits);
    }
    put(0, 16, &mut bits);
    put(0, 1, &mut bits);
    let mut bytes = vec![0u8; bits.len().div_ceil(8)];
    for (i, b) in bits.iter().enumerate() {
        if *b {
            bytes[i / 8] |= 1 << (7 - i % 8);
        }
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `n` bits at `pos` of the decoded core segment.
    fn bits(bytes: &[u8], pos: usize, n: usize) -> u64 {
        (pos..pos + n).fold(0, |v, i| {
            (v << 1) | ((bytes[i / 8] >> (7 - i % 8)) & 1) as u64
        })
    }

    #[test]
    fn encodes_the_core_segment_layout() {
        let s = encode(&[1, 3, 4], &[2, 755], 17_000_000_000);
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&s)
            .unwrap();
        assert_eq!(bits(&b, 0, 6), 2, "version");
        assert_eq!(bits(&b, 6, 36), 17_000_000_000, "created");
        assert_eq!(bits(&b, 42, 36), 17_000_000_000, "last updated");
        assert_eq!(bits(&b, 78, 12), 7, "cmp id");
        // Purposes consent: 24 flags after the special features.
        let purposes: Vec<u64> = (0..24)
            .filter(|i| bits(&b, 152 + i, 1) == 1)
            .map(|i| i as u64 + 1)
            .collect();
        assert_eq!(purposes, [1, 3, 4]);
        // Vendor consents: max id, then a bitfield.
        assert_eq!(bits(&b, 213, 16), 755);
        assert_eq!(bits(&b, 229, 1), 0, "bitfield, not ranges");
        let vendors: Vec<u64> = (0..755)
            .filter(|i| bits(&b, 230 + i, 1) == 1)
            .map(|i| i as u64 + 1)
            .collect();
        assert_eq!(vendors, [2, 755]);
    }

    #[test]
    fn the_same_string_as_always() {
        // Generated exports must not change: this is the string the
        // generator has always written for these choices.
        assert_eq!(
            encode(&[1, 2, 7], &[1, 4], 17_000_000_000),
            "CP1R2oAP1R2oAAHABBENBkEAAMIAAAAAAAwIACJAAAA"
        );
    }
}
