//! Passphrases for encrypted bundles: easy to read aloud, write down and
//! type on a phone.
//!
//! Twenty characters from a 31-character alphabet — the lower-case letters
//! without `i`, `l` and `o`, and the digits without `0` and `1` — so that no
//! two characters look alike in print or handwriting. 20 × log2(31) ≈ 99
//! bits from the OS random number generator.
//!
//! Archivers and PDF readers take a password **literally**: the canonical
//! passphrase, the one the member types, is exactly the 20 characters in
//! lower case with no spaces. It is shown in groups of four for reading
//! ([`Passphrase::grouped`]); the groups are for reading only. (An
//! encrypted PDF also opens with the same characters in capitals: its owner
//! password is the upper-case form.)

use rand::Rng;
use serde::Serialize;

/// The alphabet: no `i`, `l`, `o`, `0` or `1`.
pub const ALPHABET: &[u8; 31] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// Characters in a passphrase.
pub const LENGTH: usize = 20;

/// The strength in bits: LENGTH × log2(31), rounded down.
pub fn bits() -> u32 {
    (LENGTH as f64 * (ALPHABET.len() as f64).log2()).floor() as u32
}

/// A generated passphrase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Passphrase {
    /// What to type: lower case, no spaces (what the archive is encrypted
    /// with).
    pub text: String,
    /// The same in groups of four, for reading aloud and writing down.
    pub grouped: String,
    /// Its strength in bits.
    pub bits: u32,
}

impl Passphrase {
    /// A new passphrase from the OS random number generator.
    pub fn generate() -> Passphrase {
        let mut rng = rand::rngs::OsRng;
        let text: String = (0..LENGTH)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        Passphrase {
            grouped: group(&text),
            text,
            bits: bits(),
        }
    }
}

/// "abcd2345…" → "abcd 2345 …".
pub fn group(text: &str) -> String {
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a person typed, as the canonical passphrase: lower case, spaces
/// and hyphens dropped. (For the desk's own checks; other programs take
/// the passphrase literally.)
pub fn normalise(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// How to type it, in words for people.
pub fn how_to_type() -> String {
    format!(
        "Type the {LENGTH} characters in lower case, without the spaces (they only make it easier to read). It has no letter i, l or o and no digit 0 or 1, so nothing in it looks like anything else."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrases_are_unambiguous_grouped_and_strong() {
        let p = Passphrase::generate();
        assert_eq!(p.text.len(), LENGTH);
        assert!(p.text.bytes().all(|b| ALPHABET.contains(&b)));
        for bad in ['i', 'l', 'o', '0', '1'] {
            assert!(!ALPHABET.contains(&(bad as u8)));
        }
        assert_eq!(p.grouped.len(), LENGTH + LENGTH / 4 - 1);
        assert_eq!(normalise(&p.grouped), p.text);
        assert_eq!(
            normalise(&p.grouped.to_uppercase().replace(' ', "-")),
            p.text
        );
        assert_eq!(p.bits, 99);
        assert_ne!(p.text, Passphrase::generate().text);
        assert_eq!(group("abcd2345efgh"), "abcd 2345 efgh");
    }
}
