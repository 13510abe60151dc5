//! Seeded randomness: every (seed, member, purpose) triple has its own
//! stream, so each file can be written in one pass and all files agree.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// An RNG for one (seed, member, purpose) triple: the seed is the ChaCha key.
pub fn rng(seed: u64, k: u64, tag: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[0..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&k.to_le_bytes());
    key[16..24].copy_from_slice(&tag.to_le_bytes());
    key[24..32].copy_from_slice(b"pdeskgen");
    ChaCha8Rng::from_seed(key)
}

/// A cheap deterministic hash to a uniform number in [0, 1).
pub fn unit_hash(a: u64, b: u64, c: u64) -> f64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        .wrapping_add(c.wrapping_mul(0x1656_67B1_9E37_79F9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

pub fn pick<'a, T: ?Sized>(r: &mut ChaCha8Rng, xs: &'a [&'a T]) -> &'a T {
    xs[r.gen_range(0..xs.len())]
}

pub fn chance(r: &mut ChaCha8Rng, p: f64) -> bool {
    r.gen::<f64>() < p
}

/// A uniform time in [a, b] (b < a gives a).
pub fn between(r: &mut ChaCha8Rng, a: i64, b: i64) -> i64 {
    if b <= a {
        a
    } else {
        r.gen_range(a..=b)
    }
}

/// A count with a geometric tail: 0 with probability `p0`, else 1 + geometric
/// with the given mean of the extra part, capped.
pub fn geometric(r: &mut ChaCha8Rng, p0: f64, mean_extra: f64, cap: u64) -> u64 {
    if r.gen::<f64>() < p0 {
        return 0;
    }
    let p = 1.0 / (1.0 + mean_extra);
    let mut n = 1;
    while n < cap && r.gen::<f64>() > p {
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_seeded_and_independent() {
        let a: u64 = rng(1, 2, 3).gen();
        assert_eq!(a, rng(1, 2, 3).gen::<u64>());
        assert_ne!(a, rng(1, 2, 4).gen::<u64>());
        assert_ne!(a, rng(2, 2, 3).gen::<u64>());
        let h = unit_hash(7, 8, 9);
        assert!((0.0..1.0).contains(&h));
        assert_eq!(h, unit_hash(7, 8, 9));
    }

    #[test]
    fn counts_and_times_stay_in_range() {
        let r = &mut rng(5, 1, 1);
        for _ in 0..1000 {
            assert!(geometric(r, 0.5, 2.0, 4) <= 4);
            let t = between(r, 10, 20);
            assert!((10..=20).contains(&t));
        }
        assert_eq!(between(r, 30, 20), 30);
        assert_eq!(geometric(r, 1.0, 2.0, 4), 0);
    }
}
