//! Personal details as a forum holds them: user names, emails, postcodes,
//! addresses, phone numbers (Ofcom's drama ranges) and IP addresses.

use crate::data::*;
use crate::util::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

pub fn ascii_lower(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub fn make_postcode(r: &mut ChaCha8Rng, place: usize) -> String {
    let outs = PLACES[place].2;
    let out = outs[r.gen_range(0..outs.len())];
    let l1 = INWARD_LETTERS[r.gen_range(0..INWARD_LETTERS.len())] as char;
    let l2 = INWARD_LETTERS[r.gen_range(0..INWARD_LETTERS.len())] as char;
    format!("{out} {}{l1}{l2}", r.gen_range(1..10))
}

pub fn make_email(r: &mut ChaCha8Rng, first: &str, surname: &str) -> String {
    let f = ascii_lower(first);
    let s = ascii_lower(surname);
    let total: u32 = EMAIL_DOMAINS.iter().map(|d| d.1).sum();
    let mut x = r.gen_range(0..total);
    let mut domain = EMAIL_DOMAINS[0].0;
    for (d, w) in EMAIL_DOMAINS {
        if x < *w {
            domain = d;
            break;
        }
        x -= w;
    }
    let n: u32 = r.gen_range(1..100);
    match r.gen_range(0..6) {
        0 => format!("{f}.{s}@{domain}"),
        1 => format!("{f}{s}{n}@{domain}"),
        2 => format!("{}.{s}{n}@{domain}", &f[..1.min(f.len())]),
        3 => format!("{f}_{s}@{domain}"),
        4 => format!("{s}{f}{}@{domain}", 1970 + n % 40),
        _ => format!("{f}{n}x@{domain}"),
    }
}

pub fn make_ip(r: &mut ChaCha8Rng) -> String {
    if chance(r, 0.85) {
        let p = pick(r, IPV4_PREFIXES);
        let dots = p.matches('.').count();
        let mut s = p.to_string();
        for _ in dots..3 {
            let _ = write!(s, ".{}", r.gen_range(1..255));
        }
        s
    } else {
        format!(
            "{}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}",
            pick(r, IPV6_PREFIXES),
            r.gen_range(0..0xffffu32),
            r.gen_range(0..0xffffu32),
            r.gen_range(0..0xffffu32),
            r.gen_range(0..0xffffu32),
            r.gen_range(0..0xffffu32),
            r.gen_range(1..0xffffu32)
        )
    }
}

pub fn make_username(r: &mut ChaCha8Rng, first: &str, place: usize) -> String {
    let town: String = PLACES[place]
        .1
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    match r.gen_range(0..8) {
        0 => format!("SleeplessIn{town}"),
        1 => format!(
            "MumOf{}{}",
            pick(r, &["One", "Two", "Three", "Four"]),
            pick(r, &["Boys", "Girls", "Kids", "Under5s", "Tearaways"])
        ),
        2 => format!(
            "{}{}{}",
            pick(r, USER_ADJ),
            pick(r, USER_NOUN),
            r.gen_range(1..100)
        ),
        3 => format!("{first}{}", r.gen_range(1975..2005)),
        4 => format!("{}{}", pick(r, USER_ADJ), pick(r, USER_NOUN)),
        5 => format!("{town}{}{}", pick(r, USER_NOUN), r.gen_range(1..1000)),
        6 => format!("Just{first}{}", r.gen_range(1..50)),
        _ => format!("LittleMiss{}", pick(r, USER_ADJ)),
    }
}

pub fn phone(r: &mut ChaCha8Rng) -> String {
    match r.gen_range(0..4) {
        0 => format!("+44 7700 900{:03}", r.gen_range(0..1000)),
        1 => format!("0113 496 0{:03}", r.gen_range(0..1000)),
        _ => format!("07700 900{:03}", r.gen_range(0..1000)),
    }
}

pub fn address(r: &mut ChaCha8Rng, place: usize, postcode: &str, multiline: bool) -> String {
    let (area, town, _) = PLACES[place];
    let street = pick(r, STREETS);
    let n = r.gen_range(1..180);
    let flat = chance(r, 0.15).then(|| format!("Flat {}, ", r.gen_range(1..30)));
    let flat = flat.unwrap_or_default();
    let area = area.split(',').next().unwrap_or(area);
    if multiline {
        if area == town {
            format!("{flat}{n} {street}\n{town}\n{postcode}")
        } else {
            format!("{flat}{n} {street}\n{area}\n{town}\n{postcode}")
        }
    } else {
        format!("{flat}{n} {street}, {town}, {postcode}")
    }
}
