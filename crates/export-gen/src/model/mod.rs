//! The synthetic forum: a cheap per-member "core" recomputed from (seed, k) in
//! every pass, the state deltas change, and the plans shared between files
//! (consent, competitions, surveys, social accounts). The rows themselves are
//! written by the entity modules (`crate::entities`).

pub mod consent;
pub mod people;
pub mod plans;

use crate::data::*;
use crate::util::*;
use people::{make_email, make_ip, make_postcode, make_username};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The RNG tags: each (member, purpose) has its own stream.
pub const T_CORE: u64 = 1;
pub const T_MEMBER: u64 = 2;
pub const T_CONSENT_PLAN: u64 = 3;
pub const T_CONSENT: u64 = 4;
pub const T_CHILD: u64 = 5;
pub const T_LOGIN: u64 = 6;
pub const T_SOCIAL_PLAN: u64 = 7;
pub const T_SOCIAL: u64 = 8;
pub const T_POST: u64 = 9;
pub const T_PM: u64 = 10;
pub const T_COMP_PLAN: u64 = 11;
pub const T_COMP: u64 = 12;
pub const T_SURVEY_PLAN: u64 = 13;
pub const T_SURVEY: u64 = 14;
pub const T_TICKET: u64 = 15;
pub const T_NEWS: u64 = 16;
pub const T_LIST: u64 = 17;
pub const T_REVIEW: u64 = 18;
pub const T_THREAD: u64 = 19;

/// Members created by a delta: indices `first..=last`, signed up in `(from, to]`.
#[derive(Clone, Debug)]
pub struct Batch {
    pub first: u64,
    pub last: u64,
    pub from: i64,
    pub to: i64,
}

/// What every pass needs to know about the site.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub seed: u64,
    pub site: String,
    pub brand: String,
    /// The full export's generated_at.
    pub g0: i64,
    pub original: u64,
    pub batches: Vec<Batch>,
    pub heavy: Option<(u64, u64)>,
    /// The highest member index that exists (recipients are drawn up to it).
    pub max_member: u64,
    pub thread_slots: u64,
}

/// The site's name as members see it (`netmums` → `Netmums`).
pub fn brand(site: &str) -> String {
    match site {
        "netmums" => "Netmums".into(),
        "mumsnet" => "Mumsnet".into(),
        _ => {
            let mut c = site.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c)
                    .collect::<String>()
                    .replace(['-', '_'], ""),
                None => String::new(),
            }
        }
    }
}

/// Thread slots per board and week for a forum of this many members.
pub fn thread_slots(members: u64) -> u64 {
    // About five posts a thread: threads ≈ 0.6 × members, spread over
    // 15 years of weeks and the boards.
    (members * 6 / 10 / (780 * BOARDS.len() as u64)).clamp(1, 256)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    Active,
    Suspended,
    Deleted,
    Anonymised,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Deleted => "deleted",
            Status::Anonymised => "anonymised",
        }
    }
}

/// A member's stable facts, recomputed from (seed, k) whenever needed.
#[derive(Clone, Debug)]
pub struct Core {
    pub k: u64,
    pub id: String,
    /// The export this member was generated for ends here.
    pub end: i64,
    pub signup: i64,
    pub last_login: i64,
    pub updated: i64,
    pub female: bool,
    pub first: &'static str,
    pub surname: &'static str,
    pub username: String,
    pub email: String,
    pub email_verified: bool,
    pub place: usize,
    pub postcode: String,
    pub dob: i64,
    pub pregnant: bool,
    pub due: i64,
    pub children: u8,
    pub blogger: bool,
    pub status: Status,
    pub app_user: bool,
    pub web_cmp: bool,
    pub signup_ip: String,
    pub n_posts: u64,
    pub n_logins: u64,
    pub n_social: u64,
    pub n_pm: u64,
    pub n_comp: u64,
    pub n_survey: u64,
    pub n_tickets: u64,
    pub n_listings: u64,
    pub n_reviews: u64,
}

const SUPPORTER_EVERY: u64 = 331;
const SUPPORTER_AT: u64 = 17;
const MODERATOR_EVERY: u64 = 997;
const MODERATOR_AT: u64 = 5;

pub fn is_supporter(k: u64) -> bool {
    k % SUPPORTER_EVERY == SUPPORTER_AT
}

pub fn is_moderator(k: u64) -> bool {
    k % MODERATOR_EVERY == MODERATOR_AT
}

/// The parts of a core, drawn in this order from the member's RNG: the
/// account's life, the person, their family, then how many rows of each kind.
struct Life {
    signup: i64,
    status: Status,
    dormant: bool,
    last_login: i64,
    updated: i64,
}

struct Person {
    female: bool,
    first: &'static str,
    surname: &'static str,
    place: usize,
    postcode: String,
    username: String,
    email: String,
    email_verified: bool,
}

struct Family {
    dob: i64,
    pregnant: bool,
    due: i64,
    children: u8,
}

struct Counts {
    blogger: bool,
    app_user: bool,
    web_cmp: bool,
    signup_ip: String,
    n_posts: u64,
    n_logins: u64,
    n_social: u64,
    n_pm: u64,
    n_comp: u64,
    n_survey: u64,
    n_tickets: u64,
    n_listings: u64,
    n_reviews: u64,
}

fn life(r: &mut ChaCha8Rng, from: i64, end: i64, original: bool, heavy: bool) -> Life {
    let signup = if heavy {
        from + YEAR / 2
    } else if original {
        let span = (end - from - 2 * HOUR) as f64;
        end - HOUR - (span * r.gen::<f64>().powf(1.5)) as i64
    } else {
        between(r, from + 1, end - 60)
    };
    let x: f64 = r.gen();
    let status = if !original || heavy || x < 0.93 {
        Status::Active
    } else if x < 0.955 {
        Status::Suspended
    } else if x < 0.977 {
        Status::Deleted
    } else {
        Status::Anonymised
    };
    let dormant = !heavy && original && chance(r, 0.35);
    let last_login = match status {
        Status::Deleted | Status::Anonymised => between(r, signup, end - 30 * DAY),
        _ if dormant => between(r, signup, end),
        _ => between(r, signup.max(end - 60 * DAY), end),
    };
    let updated = between(r, signup.max(last_login - 30 * DAY), end);
    Life {
        signup,
        status,
        dormant,
        last_login,
        updated,
    }
}

fn person(r: &mut ChaCha8Rng) -> Person {
    let female = chance(r, 0.88);
    let first = if female {
        pick(r, FEMALE_FIRST)
    } else {
        pick(r, MALE_FIRST)
    };
    let surname = pick(r, SURNAMES);
    let place = r.gen_range(0..PLACES.len());
    let postcode = make_postcode(r, place);
    let username = make_username(r, first, place);
    let email = make_email(r, first, surname);
    let email_verified = chance(r, 0.9);
    Person {
        female,
        first,
        surname,
        place,
        postcode,
        username,
        email,
        email_verified,
    }
}

fn family(r: &mut ChaCha8Rng, female: bool, life: &Life, end: i64) -> Family {
    let age_at_signup: i64 = r.gen_range(19..44);
    let dob: i64 = life.signup.div_euclid(DAY) - age_at_signup * 365 - r.gen_range(0..365);
    let age_at_end = (end.div_euclid(DAY) - dob) / 365;
    let pregnant = female && !life.dormant && age_at_end < 44 && chance(r, 0.14);
    let due: i64 = end.div_euclid(DAY) + r.gen_range(7..270);
    let c: f64 = r.gen();
    let children = if c < 0.62 {
        0
    } else if c < 0.85 {
        1
    } else if c < 0.96 {
        2
    } else {
        3
    };
    Family {
        dob,
        pregnant,
        due,
        children,
    }
}

fn counts(r: &mut ChaCha8Rng) -> Counts {
    let blogger = chance(r, 0.02);
    let app_user = chance(r, 0.35);
    let web_cmp = chance(r, 0.55);
    let signup_ip = make_ip(r);
    let n_posts = geometric(r, 0.45, 4.45, 400);
    let n_logins: u64 = r.gen_range(1..6);
    let s: f64 = r.gen();
    let n_social = if s < 0.75 {
        0
    } else if s < 0.95 {
        1
    } else {
        2
    };
    let n_pm = geometric(r, 0.6, 1.5, 60);
    let n_comp = geometric(r, 0.88, 0.67, 20);
    let n_survey = geometric(r, 0.88, 0.67, 20);
    let n_tickets = if chance(r, 0.045) {
        1 + chance(r, 0.1) as u64
    } else {
        0
    };
    let n_listings = chance(r, 0.02) as u64;
    let n_reviews = geometric(r, 0.93, 0.43, 10);
    Counts {
        blogger,
        app_user,
        web_cmp,
        signup_ip,
        n_posts,
        n_logins,
        n_social,
        n_pm,
        n_comp,
        n_survey,
        n_tickets,
        n_listings,
        n_reviews,
    }
}

impl Ctx {
    /// The signup window and end time of member `k`.
    fn window(&self, k: u64) -> (i64, i64, bool) {
        if k <= self.original {
            return (self.g0 - 15 * YEAR, self.g0, true);
        }
        for b in &self.batches {
            if k >= b.first && k <= b.last {
                return (b.from, b.to, false);
            }
        }
        (self.g0, self.g0 + DAY, false)
    }

    pub fn core(&self, k: u64) -> Core {
        let (from, end, original) = self.window(k);
        let r = &mut rng(self.seed, k, T_CORE);
        let heavy = self.heavy.is_some() && k == 1;
        let l = life(r, from, end, original, heavy);
        let p = person(r);
        let f = family(r, p.female, &l, end);
        let n = counts(r);
        let (n_posts, n_pm) = match self.heavy {
            Some((posts, messages)) if heavy => (posts, messages),
            _ => (n.n_posts, n.n_pm),
        };
        Core {
            k,
            id: format!("m-{k}"),
            end,
            signup: l.signup,
            last_login: l.last_login,
            updated: l.updated,
            female: p.female,
            first: p.first,
            surname: p.surname,
            username: p.username,
            email: p.email,
            email_verified: p.email_verified,
            place: p.place,
            postcode: p.postcode,
            dob: f.dob,
            pregnant: f.pregnant,
            due: f.due,
            children: f.children,
            blogger: n.blogger,
            status: l.status,
            app_user: n.app_user,
            web_cmp: n.web_cmp,
            signup_ip: n.signup_ip,
            n_posts,
            n_logins: n.n_logins,
            n_social: n.n_social,
            n_pm,
            n_comp: n.n_comp,
            n_survey: n.n_survey,
            n_tickets: n.n_tickets,
            n_listings: n.n_listings,
            n_reviews: n.n_reviews,
        }
    }

    pub fn random_supporter(&self, r: &mut ChaCha8Rng) -> u64 {
        let n = self.original.saturating_sub(SUPPORTER_AT) / SUPPORTER_EVERY;
        if self.original < SUPPORTER_AT {
            return 1;
        }
        SUPPORTER_AT + SUPPORTER_EVERY * r.gen_range(0..=n)
    }

    pub fn random_moderator(&self, r: &mut ChaCha8Rng) -> u64 {
        if self.original < MODERATOR_AT {
            return 1;
        }
        let n = (self.original - MODERATOR_AT) / MODERATOR_EVERY;
        MODERATOR_AT + MODERATOR_EVERY * r.gen_range(0..=n)
    }

    pub fn random_member(&self, r: &mut ChaCha8Rng, not: u64) -> u64 {
        loop {
            let m = r.gen_range(1..=self.max_member.max(2));
            if m != not || self.max_member < 2 {
                return m;
            }
        }
    }
}

/// The state of a member that deltas can change; starts from the core.
#[derive(Clone, Debug)]
pub struct MState {
    pub email: String,
    pub email_verified: bool,
    pub place: usize,
    pub postcode: String,
    pub status: Status,
    pub pregnant: bool,
    pub children: u8,
    pub last_login: i64,
    pub updated: i64,
}

impl MState {
    pub fn of(c: &Core) -> MState {
        MState {
            email: c.email.clone(),
            email_verified: c.email_verified,
            place: c.place,
            postcode: c.postcode.clone(),
            status: c.status,
            pregnant: c.pregnant,
            children: c.children,
            last_login: c.last_login,
            updated: c.updated,
        }
    }
}
