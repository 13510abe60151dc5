//! The synthetic forum: a cheap per-member "core" recomputed from (seed, k) in
//! every pass, plans shared between files (consent, competitions, surveys,
//! social accounts), and one row emitter per entity.

use super::data::*;
use super::util::*;
use super::writer::EntityWriter;
use crate::entity::Entity;
use crate::error::Result;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

pub const T_CORE: u64 = 1;
const T_MEMBER: u64 = 2;
const T_CONSENT_PLAN: u64 = 3;
const T_CONSENT: u64 = 4;
const T_CHILD: u64 = 5;
const T_LOGIN: u64 = 6;
const T_SOCIAL_PLAN: u64 = 7;
const T_SOCIAL: u64 = 8;
const T_POST: u64 = 9;
const T_PM: u64 = 10;
const T_COMP_PLAN: u64 = 11;
const T_COMP: u64 = 12;
const T_SURVEY_PLAN: u64 = 13;
const T_SURVEY: u64 = 14;
const T_TICKET: u64 = 15;
const T_NEWS: u64 = 16;
const T_LIST: u64 = 17;
const T_REVIEW: u64 = 18;
const T_THREAD: u64 = 19;

pub const MEMBERS_HEADER: &[&str] = &[
    "member_id",
    "username",
    "email",
    "password_hash",
    "first_name",
    "surname",
    "email_verified",
    "date_of_birth",
    "postcode",
    "location",
    "pregnant",
    "due_date",
    "children_count",
    "blog_url",
    "twitter_handle",
    "status",
    "signup_at",
    "signup_ip",
    "last_login_at",
    "updated_at",
    "marketing_segment",
];

/// The CSV header written for an entity (members carry two extra columns).
pub fn header(e: Entity) -> Vec<&'static str> {
    match e {
        Entity::Members => MEMBERS_HEADER.to_vec(),
        _ => e.fields().iter().map(|f| f.name).collect(),
    }
}

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

fn make_username(r: &mut ChaCha8Rng, first: &str, place: usize) -> String {
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
        let age_at_signup = r.gen_range(19..44);
        let dob = signup.div_euclid(DAY) - age_at_signup * 365 - r.gen_range(0..365);
        let age_at_end = (end.div_euclid(DAY) - dob) / 365;
        let pregnant = female && !dormant && age_at_end < 44 && chance(r, 0.14);
        let due = end.div_euclid(DAY) + r.gen_range(7..270);
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
        let blogger = chance(r, 0.02);
        let app_user = chance(r, 0.35);
        let web_cmp = chance(r, 0.55);
        let signup_ip = make_ip(r);
        let n_posts = geometric(r, 0.45, 4.45, 400);
        let n_logins = r.gen_range(1..6);
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
        let (n_posts, n_pm) = match self.heavy {
            Some((p, m)) if heavy => (p, m),
            _ => (n_posts, n_pm),
        };
        Core {
            k,
            id: format!("m-{k}"),
            end,
            signup,
            last_login,
            updated,
            female,
            first,
            surname,
            username,
            email,
            email_verified,
            place,
            postcode,
            dob,
            pregnant,
            due,
            children,
            blogger,
            status,
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

fn local(r: &mut ChaCha8Rng) -> bool {
    chance(r, 0.5)
}

fn ts_r(r: &mut ChaCha8Rng, t: i64) -> Stamp {
    let l = local(r);
    ts(t, l)
}

/// members.csv
pub fn member_row(ctx: &Ctx, c: &Core, st: &MState, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_MEMBER);
    let anon = st.status == Status::Anonymised;
    let mut pw = String::new();
    if chance(r, 0.8) {
        pw.push_str("$2y$10$");
        const B64: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for _ in 0..53 {
            pw.push(B64[r.gen_range(0..B64.len())] as char);
        }
    }
    let segment = if st.pregnant {
        "expecting"
    } else {
        pick(r, SEGMENTS)
    };
    let (blog, twitter) = if c.blogger && !anon {
        let a = pick(r, BLOG_WORDS);
        let b = pick(r, BLOG_WORDS);
        (
            format!("https://www.{a}{b}.co.uk/"),
            format!(
                "@{}{}",
                ascii_lower(c.first),
                pick(r, &["Writes", "Blogs", "_mum", "Tales"])
            ),
        )
    } else {
        (String::new(), String::new())
    };
    let unknown_pregnant = chance(r, 0.08);
    let signup_local = local(r);
    let login_local = local(r);
    let upd_local = local(r);
    let k = c.k;
    let id = &c.id;
    let anon_email = format!("anonymised-{k}@{}.invalid", ctx.site);
    let anon_name = format!("Anonymised{k}");
    let children = st.children.to_string();
    let dob = date(c.dob);
    let due = date(c.due);
    let signup = ts(c.signup, signup_local);
    let last = ts(st.last_login, login_local);
    let upd = ts(st.updated, upd_local);
    let location = PLACES[st.place].0;
    let rec: [&str; 21] = [
        id,
        if anon { &anon_name } else { &c.username },
        if anon { &anon_email } else { &st.email },
        if anon { "" } else { &pw },
        if anon { "" } else { c.first },
        if anon { "" } else { c.surname },
        if st.email_verified { "true" } else { "false" },
        if anon { "" } else { dob.as_str() },
        if anon { "" } else { &st.postcode },
        if anon { "" } else { location },
        if anon || (unknown_pregnant && !st.pregnant) {
            ""
        } else if st.pregnant {
            "true"
        } else {
            "false"
        },
        if st.pregnant && !anon {
            due.as_str()
        } else {
            ""
        },
        if anon { "" } else { &children },
        &blog,
        &twitter,
        st.status.as_str(),
        signup.as_str(),
        if anon { "" } else { &c.signup_ip },
        last.as_str(),
        upd.as_str(),
        if anon { "" } else { segment },
    ];
    w.csv(rec)
}

/// children.csv: born children, then the expected baby (due date only).
pub fn children_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_CHILD);
    let today = c.end.div_euclid(DAY);
    let lo = (c.dob + 18 * 365).max(c.signup.div_euclid(DAY) - 6 * 365);
    let hi = (today - 1).max(lo);
    let mut dobs: Vec<i64> = (0..c.children).map(|_| r.gen_range(lo..=hi)).collect();
    dobs.sort_unstable();
    let mut j = 0;
    for d in dobs {
        j += 1;
        let upd = between(r, c.signup.max(d * DAY), c.end);
        let updated = ts_r(r, upd);
        let id = format!("ch-{}-{j}", c.k);
        w.csv([&id, &c.id, date(d).as_str(), "", updated.as_str()])?;
    }
    if c.pregnant {
        j += 1;
        let upd = between(r, c.signup.max(c.end - 200 * DAY), c.end);
        let updated = ts_r(r, upd);
        let id = format!("ch-{}-{j}", c.k);
        w.csv([&id, &c.id, "", date(c.due).as_str(), updated.as_str()])?;
    }
    Ok(())
}

fn user_agent(r: &mut ChaCha8Rng, ctx: &Ctx, app: bool) -> String {
    if app {
        let ios = chance(r, 0.6);
        format!(
            "{}App/{}.{}.{} ({}; Scale/3.00)",
            ctx.brand,
            r.gen_range(4..7),
            r.gen_range(0..20),
            r.gen_range(0..5),
            if ios {
                "iPhone; iOS 17.4"
            } else {
                "Android 14; Pixel 7"
            }
        )
    } else {
        pick(r, USER_AGENTS).to_string()
    }
}

/// One login event row.
pub fn login_row(
    ctx: &Ctx,
    r: &mut ChaCha8Rng,
    c: &Core,
    id: &str,
    t: i64,
    w: &mut EntityWriter,
) -> Result<()> {
    let app = c.app_user && chance(r, 0.7);
    let method = if app {
        "app"
    } else if c.n_social > 0 && chance(r, 0.4) {
        if chance(r, 0.6) {
            "facebook"
        } else {
            "google"
        }
    } else if chance(r, 0.03) {
        ""
    } else {
        "password"
    };
    let ua = if chance(r, 0.04) {
        String::new()
    } else {
        user_agent(r, ctx, app)
    };
    let ip = make_ip(r);
    let at = ts_r(r, t);
    w.csv([id, &c.id, at.as_str(), &ip, &ua, method])
}

/// login_events.csv: the last login is the member's last_login_at.
pub fn login_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_LOGIN);
    let lo = c.signup.max(c.last_login - YEAR);
    for j in 0..c.n_logins {
        let t = if j == 0 {
            c.last_login
        } else {
            between(r, lo, c.last_login)
        };
        let id = format!("l-{}-{}", c.k, j + 1);
        login_row(ctx, r, c, &id, t, w)?;
    }
    Ok(())
}

/// A social account, planned (consent events follow links and unlinks).
pub struct SocialPlan {
    pub provider: &'static str,
    pub linked: i64,
    pub unlinked: Option<i64>,
}

pub fn social_plan(ctx: &Ctx, c: &Core) -> Vec<SocialPlan> {
    let r = &mut rng(ctx.seed, c.k, T_SOCIAL_PLAN);
    let mut used: Vec<&'static str> = Vec::new();
    (0..c.n_social)
        .map(|_| {
            let mut provider = pick(r, &["facebook", "facebook", "google", "apple"]);
            if used.contains(&provider) {
                provider = if provider == "google" {
                    "apple"
                } else {
                    "google"
                };
            }
            used.push(provider);
            let linked = between(r, c.signup, c.last_login);
            let unlinked = chance(r, 0.15).then(|| between(r, linked + 60, c.end));
            SocialPlan {
                provider,
                linked,
                unlinked,
            }
        })
        .collect()
}

/// social_accounts.csv
pub fn social_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_SOCIAL);
    for (j, s) in social_plan(ctx, c).into_iter().enumerate() {
        let uid = match s.provider {
            "facebook" => format!(
                "{}",
                r.gen_range(100_000_000_000_000u64..9_999_999_999_999_999)
            ),
            "google" => format!("1{:020}", r.gen_range(0..u64::MAX)),
            _ => format!(
                "00{:04}.{:032x}.{:04}",
                r.gen_range(0..9999),
                r.gen::<u128>(),
                r.gen_range(0..9999)
            ),
        };
        let x = r.gen_range(0..10);
        let email = if s.provider == "apple" && x <= 5 {
            format!("{:010x}@privaterelay.appleid.com", r.gen::<u64>() >> 24)
        } else if x <= 4 {
            c.email.clone()
        } else if x <= 7 {
            make_email(r, c.first, c.surname)
        } else {
            String::new()
        };
        let id = format!("sa-{}-{}", c.k, j + 1);
        let linked = ts_r(r, s.linked);
        let unlinked = s.unlinked.map(|t| ts_r(r, t));
        w.csv([
            id.as_str(),
            &c.id,
            s.provider,
            &uid,
            &email,
            linked.as_str(),
            unlinked.as_ref().map(|u| u.as_str()).unwrap_or(""),
        ])?;
    }
    Ok(())
}

fn thread_of(ctx: &Ctx, r: &mut ChaCha8Rng, t: i64) -> (u64, usize) {
    let week = (t.max(0) / (7 * DAY)) as u64;
    let board = r.gen_range(0..BOARDS.len());
    let slot = r.gen_range(0..ctx.thread_slots);
    (
        (week * BOARDS.len() as u64 + board as u64) * ctx.thread_slots + slot,
        board,
    )
}

fn body(r: &mut ChaCha8Rng, out: &mut String) {
    out.clear();
    let n = r.gen_range(1..4);
    for i in 0..n {
        if i > 0 {
            out.push_str(if chance(r, 0.15) { "\n\n" } else { " " });
        }
        out.push_str(pick(r, SENTENCES));
    }
    if chance(r, 0.04) {
        out.push(' ');
        out.push_str(pick(r, MARKUP_SNIPPETS));
    }
}

/// One post.
#[allow(clippy::too_many_arguments)]
pub fn post_row(
    ctx: &Ctx,
    r: &mut ChaCha8Rng,
    c: &Core,
    st: Status,
    id: &str,
    t: i64,
    buf: &mut String,
    w: &mut EntityWriter,
) -> Result<()> {
    let (thread, board) = thread_of(ctx, r, t);
    let tr = &mut rng(ctx.seed, thread, T_THREAD);
    let titles = BOARDS[board].1;
    let title = titles[tr.gen_range(0..titles.len())];
    let status = if st == Status::Anonymised {
        "anonymised"
    } else {
        let x: f64 = r.gen();
        if x < 0.93 {
            "visible"
        } else if x < 0.98 {
            "deleted"
        } else {
            "anonymised"
        }
    };
    let posted_as: &str = if status == "anonymised" {
        "Anonymous"
    } else if chance(r, 0.07) {
        pick(r, ANON_NAMES)
    } else {
        &c.username
    };
    body(r, buf);
    let edited = chance(r, 0.1).then(|| (t + r.gen_range(60..3 * DAY)).min(c.end.max(t)));
    let how = Unknown::random(r);
    let thread_id = format!("t-{thread}");
    let posted = ts_r(r, t);
    let edited = edited.map(|e| ts_r(r, e));
    let mut o = Obj::new(&mut w.line);
    o.s("post_id", id)
        .s("member_id", &c.id)
        .s("thread_id", &thread_id)
        .s("thread_title", title)
        .s("board", BOARDS[board].0)
        .s("posted_as", posted_as)
        .s("posted_at", posted.as_str())
        .opt("edited_at", edited.as_ref().map(|e| e.as_str()), how)
        .s("status", status)
        .s("body", buf)
        .end();
    w.flush_line()
}

/// posts.jsonl: posts spread evenly over the member's active years.
pub fn post_rows(
    ctx: &Ctx,
    c: &Core,
    w: &mut EntityWriter,
    cancelled: &dyn Fn() -> bool,
) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_POST);
    let span = (c.last_login - c.signup).max(1) as f64;
    let n = c.n_posts;
    let mut buf = String::new();
    for j in 0..n {
        if j % 65_536 == 65_535 && cancelled() {
            return Err(crate::error::Error::Cancelled);
        }
        let t = c.signup + (span * (j as f64 + r.gen::<f64>()) / n as f64) as i64;
        let id = format!("p-{}-{}", c.k, j + 1);
        post_row(ctx, r, c, c.status, &id, t, &mut buf, w)?;
    }
    Ok(())
}

/// One private message.
pub fn message_row(
    ctx: &Ctx,
    r: &mut ChaCha8Rng,
    c: &Core,
    id: &str,
    group_id: &str,
    t: i64,
    w: &mut EntityWriter,
) -> Result<()> {
    let k = c.k;
    let x: f64 = r.gen();
    let (kind, recipients): (&str, Vec<u64>) = if is_supporter(k) && x < 0.7 {
        ("parent_supporter", vec![ctx.random_member(r, k)])
    } else if is_moderator(k) && x < 0.7 {
        ("moderator", vec![ctx.random_member(r, k)])
    } else if x < 0.85 {
        let n = if chance(r, 0.88) {
            1
        } else {
            r.gen_range(2..4)
        };
        let mut v: Vec<u64> = Vec::new();
        while (v.len() as u64) < n {
            let m = ctx.random_member(r, k);
            if !v.contains(&m) && m != k {
                v.push(m);
            }
            if ctx.max_member < 4 {
                break;
            }
        }
        if v.is_empty() {
            v.push(if k == 1 { 2 } else { 1 });
        }
        ("member", v)
    } else if x < 0.95 {
        ("parent_supporter", vec![ctx.random_supporter(r)])
    } else {
        ("moderator", vec![ctx.random_moderator(r)])
    };
    let conv = if recipients.len() > 1 {
        format!("cv-g-{group_id}")
    } else {
        let o = recipients[0];
        let (lo, hi) = (k.min(o), k.max(o));
        match kind {
            "member" => format!("cv-{lo}-{hi}"),
            "parent_supporter" => format!("cv-ps-{lo}-{hi}"),
            _ => format!("cv-mod-{lo}-{hi}"),
        }
    };
    let body = match kind {
        "parent_supporter" if is_supporter(k) => pick(r, SUPPORTER_BODIES),
        "moderator" if is_moderator(k) => pick(r, MODERATOR_BODIES),
        _ => pick(r, PM_BODIES),
    };
    let subject = chance(r, 0.7).then(|| pick(r, PM_SUBJECTS));
    let how = Unknown::random(r);
    let sent = ts_r(r, t);
    let mut o = Obj::new(&mut w.line);
    o.s("message_id", id)
        .s("conversation_id", &conv)
        .s("conversation_type", kind)
        .s("sender_id", &c.id)
        .raw("recipient_ids", |b| {
            b.push(b'[');
            for (i, m) in recipients.iter().enumerate() {
                if i > 0 {
                    b.push(b',');
                }
                json_str(b, &format!("m-{m}"));
            }
            b.push(b']');
        })
        .s("sent_at", sent.as_str())
        .opt("subject", subject, how)
        .s("body", body)
        .end();
    w.flush_line()
}

/// private_messages.jsonl
pub fn message_rows(
    ctx: &Ctx,
    c: &Core,
    w: &mut EntityWriter,
    cancelled: &dyn Fn() -> bool,
) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_PM);
    let span = (c.last_login - c.signup).max(1) as f64;
    let n = c.n_pm;
    for j in 0..n {
        if j % 65_536 == 65_535 && cancelled() {
            return Err(crate::error::Error::Cancelled);
        }
        let t = c.signup + (span * (j as f64 + r.gen::<f64>()) / n as f64) as i64;
        let id = format!("pm-{}-{}", c.k, j + 1);
        let g = format!("{}-{}", c.k, j + 1);
        message_row(ctx, r, c, &id, &g, t, w)?;
    }
    Ok(())
}

/// A competition entry or survey response, planned: `ticked` means the
/// member ticked the sharing box (a consent grant at the same instant);
/// `conflict` means the row says "share" although no consent was given.
pub struct EntryPlan {
    pub t: i64,
    pub ticked: bool,
    pub conflict: bool,
}

fn entry_plan(ctx: &Ctx, c: &Core, tag: u64, n: u64, p_tick: f64) -> Vec<EntryPlan> {
    let r = &mut rng(ctx.seed, c.k, tag);
    let lo = c.signup.max(utc(2013, 1, 1, 0, 0, 0));
    (0..n)
        .map(|_| {
            let t = between(r, lo, c.last_login.max(lo));
            let ticked = chance(r, p_tick);
            let conflict = !ticked && chance(r, 0.06);
            EntryPlan {
                t,
                ticked,
                conflict,
            }
        })
        .collect()
}

pub fn comp_plan(ctx: &Ctx, c: &Core) -> Vec<EntryPlan> {
    entry_plan(ctx, c, T_COMP_PLAN, c.n_comp, 0.5)
}

pub fn survey_plan(ctx: &Ctx, c: &Core) -> Vec<EntryPlan> {
    entry_plan(ctx, c, T_SURVEY_PLAN, c.n_survey, 0.4)
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

/// competition_entries.csv
pub fn comp_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_COMP);
    for (j, e) in comp_plan(ctx, c).into_iter().enumerate() {
        let fortnight = e.t / (14 * DAY);
        let (title, sponsor) = COMPETITIONS[(fortnight as usize * 7 + 3) % COMPETITIONS.len()];
        let comp_id = format!("comp-{fortnight}");
        let full_name = if chance(r, 0.15) {
            format!(
                "{} {} {}",
                if c.female { "Mrs" } else { "Mr" },
                &c.first[..1],
                c.surname
            )
        } else {
            format!("{} {}", c.first, c.surname)
        };
        let multiline = chance(r, 0.7);
        let addr = address(r, c.place, &c.postcode, multiline);
        let ph = if chance(r, 0.1) {
            String::new()
        } else {
            phone(r)
        };
        let won = chance(r, 0.02);
        let at = ts_r(r, e.t);
        let id = format!("en-{}-{}", c.k, j + 1);
        w.csv([
            id.as_str(),
            &c.id,
            &comp_id,
            title,
            sponsor,
            at.as_str(),
            &full_name,
            &addr,
            &ph,
            if e.ticked || e.conflict {
                "true"
            } else {
                "false"
            },
            if won { "true" } else { "false" },
        ])?;
    }
    Ok(())
}

/// survey_responses.jsonl
pub fn survey_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_SURVEY);
    for (j, e) in survey_plan(ctx, c).into_iter().enumerate() {
        let month = e.t / (30 * DAY);
        let (title, provider) = SURVEYS[(month as usize * 5 + 1) % SURVEYS.len()];
        let survey_id = format!("sv-{month}");
        let id = format!("sr-{}-{}", c.k, j + 1);
        let at = ts_r(r, e.t);
        let (q1, answers) = SURVEY_QA[r.gen_range(0..SURVEY_QA.len())];
        let a1 = pick(r, answers);
        let score = r.gen_range(0..11);
        let kids: Vec<i64> = (0..r.gen_range(0..4)).map(|_| r.gen_range(0..16)).collect();
        let how = Unknown::random(r);
        let no_provider = chance(r, 0.05);
        let mut o = Obj::new(&mut w.line);
        o.s("response_id", &id)
            .s("member_id", &c.id)
            .s("survey_id", &survey_id)
            .s("survey_title", title)
            .opt("provider", (!no_provider).then_some(provider), how)
            .s("submitted_at", at.as_str())
            .raw("answers", |b| {
                let mut a = Obj::new(b);
                a.s(q1, a1)
                    .i("recommend_score", score)
                    .raw("children_ages", |b| {
                        b.push(b'[');
                        for (i, k) in kids.iter().enumerate() {
                            if i > 0 {
                                b.push(b',');
                            }
                            let _ = write!(Utf8Vec(b), "{k}");
                        }
                        b.push(b']');
                    });
                a.end();
            })
            .b("share_with_partner", e.ticked || e.conflict)
            .end();
        w.flush_line()?;
    }
    Ok(())
}

/// helpdesk_tickets.jsonl: some from people with no account.
pub fn ticket_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_TICKET);
    for j in 0..c.n_tickets {
        let no_account = chance(r, 0.2);
        let (subject, first, special) = TICKETS[r.gen_range(0..TICKETS.len())];
        let special = special || chance(r, 0.02);
        let opened = between(r, c.signup, c.end - HOUR);
        let email = if no_account {
            let f = pick(r, FEMALE_FIRST);
            let s = pick(r, SURNAMES);
            make_email(r, f, s)
        } else if chance(r, 0.1) {
            make_email(r, c.first, c.surname)
        } else {
            c.email.clone()
        };
        let n = r.gen_range(1..5);
        let mut msgs: Vec<(bool, i64, &str)> = Vec::new();
        let mut t = opened;
        for i in 0..n {
            let staff = i % 2 == 1;
            let body = if i == 0 {
                first
            } else if staff {
                pick(r, STAFF_REPLIES)
            } else {
                pick(
                    r,
                    &[
                        "Thank you.",
                        "That's still happening, sorry.",
                        "Done, thanks for your help!",
                    ],
                )
            };
            msgs.push((staff, t, body));
            t = (t + r.gen_range(600..3 * DAY)).min(c.end);
        }
        let closed = chance(r, 0.8).then_some(t);
        let how = Unknown::random(r);
        let id = format!("tk-{}-{}", c.k, j + 1);
        let opened_s = ts_r(r, opened);
        let closed_s = closed.map(|t| ts_r(r, t));
        let stamps: Vec<Stamp> = msgs.iter().map(|m| ts_r(r, m.1)).collect();
        let mut o = Obj::new(&mut w.line);
        o.s("ticket_id", &id)
            .opt("member_id", (!no_account).then_some(c.id.as_str()), how)
            .s("requester_email", &email)
            .s("subject", subject)
            .s("opened_at", opened_s.as_str())
            .opt("closed_at", closed_s.as_ref().map(|s| s.as_str()), how)
            .b("special_category", special)
            .raw("messages", |b| {
                b.push(b'[');
                for (i, m) in msgs.iter().enumerate() {
                    if i > 0 {
                        b.push(b',');
                    }
                    let mut mo = Obj::new(b);
                    mo.s("from", if m.0 { "staff" } else { "member" })
                        .s("at", stamps[i].as_str())
                        .s("body", m.2)
                        .end();
                }
                b.push(b']');
            })
            .end();
        w.flush_line()?;
    }
    Ok(())
}

/// local_listings.csv
pub fn listing_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_LIST);
    for j in 0..c.n_listings {
        let created = between(r, c.signup, c.last_login);
        let expires = created + 365 * DAY;
        let pc = make_postcode(r, c.place);
        let addr = address(r, c.place, &pc, false);
        let id = format!("ll-{}-{}", c.k, j + 1);
        let contact = format!("{} {}", c.first, c.surname);
        let ph = phone(r);
        let cr = ts_r(r, created);
        let ex = ts_r(r, expires);
        w.csv([
            id.as_str(),
            &c.id,
            pick(r, BUSINESSES),
            &contact,
            &ph,
            &addr,
            cr.as_str(),
            if chance(r, 0.9) { ex.as_str() } else { "" },
        ])?;
    }
    Ok(())
}

/// reviews.jsonl
pub fn review_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let r = &mut rng(ctx.seed, c.k, T_REVIEW);
    for j in 0..c.n_reviews {
        let t = between(r, c.signup, c.last_login);
        let (tt, target) = match r.gen_range(0..3) {
            0 => (
                "listing",
                format!("ll-{}-1", r.gen_range(1..=ctx.max_member.max(1))),
            ),
            1 => ("product", format!("prod-{}", r.gen_range(1000..9999))),
            _ => ("recipe", format!("recipe-{}", r.gen_range(100..5000))),
        };
        let rating = *pick(r, &[&5i64, &5, &4, &4, &3, &2, &1]);
        let body = chance(r, 0.85).then(|| pick(r, REVIEW_BODIES));
        let how = Unknown::random(r);
        let id = format!("rv-{}-{}", c.k, j + 1);
        let at = ts_r(r, t);
        let mut o = Obj::new(&mut w.line);
        o.s("review_id", &id)
            .s("member_id", &c.id)
            .s("target_type", tt)
            .s("target_id", &target)
            .i("rating", rating)
            .opt("body", body, how)
            .s("posted_at", at.as_str())
            .end();
        w.flush_line()?;
    }
    Ok(())
}

// ---------------------------------------------------------------- consent

pub const P_PARENTING: u8 = 0;
pub const P_PREGNANCY: u8 = 1;
pub const P_BABY: u8 = 2;
pub const P_BLOGGERS: u8 = 3;
pub const P_PARTNER: u8 = 4;
pub const P_MARKET: u8 = 5;
pub const P_COMP: u8 = 6;
pub const P_SURVEY: u8 = 7;
pub const P_PANEL: u8 = 8;
pub const P_SPECIAL: u8 = 9;
pub const P_LOCAL: u8 = 10;
pub const P_COOKIE0: u8 = 11;
pub const P_IDENTITY: u8 = 16;
pub const N_PURPOSES: usize = 17;

pub const S_REGISTRATION: u8 = 0;
pub const S_PROFILE: u8 = 1;
pub const S_UNSUB: u8 = 2;
pub const S_CMP: u8 = 3;
pub const S_HELPDESK: u8 = 4;
pub const S_COMPETITION: u8 = 5;
pub const S_SURVEY: u8 = 6;
pub const S_INACTIVITY: u8 = 7;
pub const S_LEGACY: u8 = 8;

/// One planned consent event.
#[derive(Clone, Debug)]
pub struct Ev {
    pub t: i64,
    pub purpose: u8,
    pub granted: bool,
    pub source: u8,
    /// For CMP events: which CMP record (they share a TCF string).
    pub group: u32,
    /// No evidence recorded.
    pub bare: bool,
}

pub fn policy_for(t: i64) -> &'static str {
    if t < utc(2015, 1, 12, 0, 0, 0) {
        "2011-06"
    } else if t < utc(2018, 5, 25, 0, 0, 0) {
        "2015-01"
    } else if t < utc(2021, 3, 1, 0, 0, 0) {
        "2018-05"
    } else if t < utc(2024, 9, 2, 0, 0, 0) {
        "2021-03"
    } else {
        "2024-09"
    }
}

/// Builds a member's consent history in time order, tracking the state.
pub struct Plan {
    pub events: Vec<Ev>,
    pub state: [Option<bool>; N_PURPOSES],
    groups: u32,
}

impl Plan {
    fn new() -> Plan {
        Plan {
            events: Vec::new(),
            state: [None; N_PURPOSES],
            groups: 0,
        }
    }

    pub fn push(&mut self, t: i64, purpose: u8, granted: bool, source: u8, bare: bool) {
        self.events.push(Ev {
            t,
            purpose,
            granted,
            source,
            group: self.groups,
            bare,
        });
        self.state[purpose as usize] = Some(granted);
    }

    fn granted(&self, p: u8) -> bool {
        self.state[p as usize] == Some(true)
    }

    /// A CMP record: one event per cookie category, at one instant.
    fn cmp(&mut self, r: &mut ChaCha8Rng, t: i64) {
        self.groups += 1;
        let probs = [1.0, 0.7, 0.6, 0.45, 0.4];
        for (i, p) in probs.iter().enumerate() {
            let g = chance(r, *p);
            self.push(t, P_COOKIE0 + i as u8, g, S_CMP, false);
        }
        if chance(r, 0.04) {
            // Accept-all then reject-all in the same second: a tie.
            self.push(t, P_COOKIE0 + 3, true, S_CMP, false);
            self.push(t, P_COOKIE0 + 3, false, S_CMP, false);
        }
    }
}

pub const CMP_START: i64 = 1_567_296_000; // 2019-09-01
const LEGACY_AT: i64 = 1_527_202_800; // 2018-05-24T23:00:00Z
const REPROMPTS: [i64; 2] = [1_615_766_400, 1_725_926_400]; // 2021-03-15, 2024-09-10

/// The member's consent history as the full export holds it.
pub fn consent_plan(ctx: &Ctx, c: &Core) -> Plan {
    let r = &mut rng(ctx.seed, c.k, T_CONSENT_PLAN);
    let mut p = Plan::new();
    let pregnant_at_signup = c.pregnant && c.signup > c.end - 250 * DAY || chance(r, 0.2);
    let wants: [(u8, f64); 8] = [
        (P_PARENTING, 0.7),
        (P_PREGNANCY, if pregnant_at_signup { 0.85 } else { 0.0 }),
        (P_BABY, if c.children > 0 { 0.45 } else { 0.05 }),
        (P_PARTNER, 0.18),
        (P_MARKET, 0.12),
        (P_SPECIAL, 0.08),
        (P_PANEL, 0.04),
        (P_BLOGGERS, if c.blogger { 1.0 } else { 0.0 }),
    ];
    let mut start = c.signup;
    if c.signup < LEGACY_AT && chance(r, 0.7) {
        for (purpose, prob) in wants {
            if chance(r, prob) {
                let bare = chance(r, 0.15);
                p.push(LEGACY_AT, purpose, true, S_LEGACY, bare);
            }
        }
        start = LEGACY_AT + DAY;
    } else {
        for (purpose, prob) in wants {
            if chance(r, prob) {
                p.push(c.signup, purpose, true, S_REGISTRATION, false);
            }
        }
    }
    if c.signup >= CMP_START && c.web_cmp {
        let t = c.signup + r.gen_range(5..120);
        p.cmp(r, t);
    }
    // Later happenings, processed in time order.
    let mut later: Vec<(i64, u8)> = Vec::new(); // (time, kind)
    let active_end = c.last_login.max(start);
    for _ in 0..geometric(r, 0.6, 0.5, 8) {
        later.push((between(r, start, active_end), 0));
    }
    for _ in 0..geometric(r, 0.75, 0.2, 3) {
        later.push((between(r, start, c.end), 1));
    }
    if chance(r, 0.05) {
        later.push((between(r, start, c.end), 2));
    }
    for rp in REPROMPTS {
        if c.signup < rp && c.last_login > rp && chance(r, 0.3) {
            later.push((between(r, rp, (rp + 60 * DAY).min(c.last_login)), 3));
        }
    }
    for e in comp_plan(ctx, c) {
        if e.ticked {
            later.push((e.t, 4));
        }
    }
    for e in survey_plan(ctx, c) {
        if e.ticked {
            later.push((e.t, 5));
        }
    }
    for s in social_plan(ctx, c) {
        later.push((s.linked, 6));
        if let Some(u) = s.unlinked {
            later.push((u, 7));
        }
    }
    later.sort_unstable();
    for (t, kind) in later {
        let t = t.max(start);
        match kind {
            0 => {
                let purpose = *pick(
                    r,
                    &[
                        &P_PARENTING,
                        &P_PARENTING,
                        &P_PREGNANCY,
                        &P_BABY,
                        &P_BABY,
                        &P_PARTNER,
                        &P_MARKET,
                        &P_PANEL,
                        &P_LOCAL,
                        &P_SPECIAL,
                    ],
                );
                let g = !p.granted(purpose);
                p.push(t, purpose, g, S_PROFILE, chance(r, 0.03));
            }
            1 => {
                let granted: Vec<u8> = [P_PARENTING, P_PREGNANCY, P_BABY, P_BLOGGERS, P_PARTNER]
                    .into_iter()
                    .filter(|&x| p.granted(x))
                    .collect();
                if !granted.is_empty() {
                    let x = granted[r.gen_range(0..granted.len())];
                    p.push(t, x, false, S_UNSUB, false);
                }
            }
            2 => {
                let x = *pick(r, &[&P_PARTNER, &P_MARKET, &P_SPECIAL, &P_PANEL]);
                let g = x == P_PANEL;
                p.push(t, x, g, S_HELPDESK, chance(r, 0.2));
            }
            3 => p.cmp(r, t),
            4 => p.push(t, P_COMP, true, S_COMPETITION, false),
            5 => p.push(t, P_SURVEY, true, S_SURVEY, false),
            6 if chance(r, 0.5) => p.push(t, P_IDENTITY, true, S_PROFILE, false),
            7 if p.granted(P_IDENTITY) => p.push(t, P_IDENTITY, false, S_PROFILE, false),
            _ => {}
        }
    }
    // Two years without a login: marketing consents expire.
    let expiry = c.last_login + 2 * YEAR;
    if expiry < c.end {
        let t = expiry.max(start);
        for x in [
            P_PARENTING,
            P_PREGNANCY,
            P_BABY,
            P_BLOGGERS,
            P_PARTNER,
            P_MARKET,
        ] {
            if p.granted(x) {
                p.push(t, x, false, S_INACTIVITY, false);
            }
        }
    }
    p.events.sort_by_key(|e| e.t);
    // Recompute the final state in file order (time, then event id).
    p.state = [None; N_PURPOSES];
    for e in &p.events {
        p.state[e.purpose as usize] = Some(e.granted);
    }
    p
}

/// A real IAB TCF v2 core string (decodable by `crate::tcf`): purpose 1
/// (storage) always, a plausible subset of the others and of 60 vendors,
/// created at the event's time.
fn tcf_string(seed: u64, k: u64, group: u32, t: i64) -> String {
    let r = &mut rng(seed ^ 0x7C7C, k, group as u64);
    let purposes: Vec<u64> = (1..=10).filter(|&p| p == 1 || chance(r, 0.6)).collect();
    let vendors: Vec<u64> = (1..=60).filter(|_| chance(r, 0.4)).collect();
    crate::tcf::encode(&purposes, &vendors, (t.max(0) as u64) * 10)
}

/// Renders one consent event line.
#[allow(clippy::too_many_arguments)]
pub fn consent_row(
    ctx: &Ctx,
    r: &mut ChaCha8Rng,
    c: &Core,
    id: &str,
    e: &Ev,
    ip: &str,
    w: &mut EntityWriter,
) -> Result<()> {
    let purpose = PURPOSES[e.purpose as usize];
    let source = SOURCES[e.source as usize];
    let at = ts_r(r, e.t);
    let old = e.t < utc(2015, 1, 12, 0, 0, 0);
    let no_policy = (old && chance(r, 0.5)) || chance(r, 0.01);
    let policy = if e.source == S_LEGACY {
        "2018-05"
    } else {
        policy_for(e.t)
    };
    let how = Unknown::random(r);
    let with_ip = matches!(
        e.source,
        S_REGISTRATION | S_PROFILE | S_CMP | S_COMPETITION | S_SURVEY
    ) && !chance(r, 0.05);
    let is_cookie = e.purpose >= P_COOKIE0 && e.purpose < P_COOKIE0 + 5;
    let tcf = (is_cookie && e.source == S_CMP).then(|| tcf_string(ctx.seed, c.k, e.group, e.t));
    let bare = e.bare || (old && e.source == S_REGISTRATION && chance(r, 0.6));
    let mut o = Obj::new(&mut w.line);
    o.s("event_id", id)
        .s("member_id", &c.id)
        .s("purpose", purpose)
        .s("action", if e.granted { "granted" } else { "withdrawn" })
        .s("occurred_at", at.as_str())
        .s("source", source)
        .opt("policy_version", (!no_policy).then_some(policy), how)
        .opt("ip", with_ip.then_some(ip), how);
    if bare {
        o.opt("evidence", None, how);
    } else {
        let wording = WORDING[e.purpose as usize];
        let brand = &ctx.brand;
        let site = &ctx.site;
        let group = e.group;
        let k = c.k;
        o.raw("evidence", |b| {
            let mut ev = Obj::new(b);
            match e.source {
                S_REGISTRATION => {
                    ev.s("form", "registration")
                        .s("page", "/register")
                        .s("wording", wording)
                        .b("checkbox_default", false);
                }
                S_PROFILE => {
                    ev.s("form", "email_preferences")
                        .s("page", "/account/preferences")
                        .s("wording", wording);
                }
                S_UNSUB => {
                    ev.s(
                        "link",
                        &format!("https://www.{site}.com/unsubscribe?c=nl{}", k % 9973),
                    )
                    .s("campaign", purpose);
                }
                S_CMP => {
                    ev.s("cmp", "OneTrust")
                        .s("cmp_version", "202409.1.0")
                        .s("consent_record", &format!("cr-{k}-{group}"))
                        .s(
                            "banner",
                            &format!("We and our partners use cookies on {brand}"),
                        )
                        .s("category", wording);
                }
                S_HELPDESK => {
                    ev.s("channel", "email")
                        .s("agent", HELPDESK_AGENTS[(k % 4) as usize])
                        .s("note", "Member asked by email; preference changed by staff");
                }
                S_COMPETITION => {
                    ev.s("form", "competition_entry")
                        .s("page", "/competitions/enter")
                        .s("wording", wording);
                }
                S_SURVEY => {
                    ev.s("form", "survey_optin").s("wording", wording);
                }
                S_INACTIVITY => {
                    ev.s("rule", "24 months without a login")
                        .s("job", "consent-expiry");
                }
                _ => {
                    ev.s("source_system", "members_v1")
                        .s("import", "pre-GDPR opt-ins")
                        .s("wording", "Keep me up to date with news and offers");
                }
            }
            ev.end();
        });
    }
    o.opt("tcf_string", tcf.as_deref(), how).end();
    w.flush_line()
}

/// consent_events.jsonl
pub fn consent_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let plan = consent_plan(ctx, c);
    let r = &mut rng(ctx.seed, c.k, T_CONSENT);
    let mut later_ip = make_ip(r);
    for (j, e) in plan.events.iter().enumerate() {
        let id = format!("ce-{}-{:03}", c.k, j + 1);
        let ip = if e.t == c.signup {
            c.signup_ip.clone()
        } else {
            if chance(r, 0.3) {
                later_ip = make_ip(r);
            }
            later_ip.clone()
        };
        consent_row(ctx, r, c, &id, e, &ip, w)?;
    }
    Ok(())
}

/// newsletter_engagement.csv: one row per newsletter the member ever had.
pub fn news_rows(ctx: &Ctx, c: &Core, w: &mut EntityWriter) -> Result<()> {
    let plan = consent_plan(ctx, c);
    let r = &mut rng(ctx.seed, c.k, T_NEWS);
    let mut j = 0;
    for nl in [P_PARENTING, P_PREGNANCY, P_BABY, P_BLOGGERS] {
        let Some(first) = plan
            .events
            .iter()
            .find(|e| e.purpose == nl && e.granted)
            .map(|e| e.t)
        else {
            continue;
        };
        let withdrawn = match plan.state[nl as usize] {
            Some(false) => plan
                .events
                .iter()
                .rev()
                .find(|e| e.purpose == nl)
                .map(|e| e.t),
            _ => None,
        };
        let sent = match withdrawn {
            Some(wt) if chance(r, 0.04) => Some(between(r, wt + HOUR, c.end)),
            Some(wt) if wt > first + 7 * DAY => Some(between(r, first + DAY, wt - HOUR)),
            Some(_) => None,
            None if c.end - first > 2 * DAY => {
                Some(between(r, (c.end - 7 * DAY).max(first + DAY), c.end - HOUR))
            }
            None => None,
        };
        let opened = sent
            .filter(|_| chance(r, 0.6))
            .map(|s| between(r, s, (s + 3 * DAY).min(c.end)));
        let clicked = opened
            .filter(|_| chance(r, 0.3))
            .map(|o| between(r, o, (o + HOUR).min(c.end)));
        j += 1;
        let id = format!("ne-{}-{j}", c.k);
        let s = sent.map(|t| ts_r(r, t));
        let o = opened.map(|t| ts_r(r, t));
        let cl = clicked.map(|t| ts_r(r, t));
        let f = |x: &Option<Stamp>| x.map(|s| s.as_str().to_string()).unwrap_or_default();
        w.csv([
            id.as_str(),
            &c.id,
            PURPOSES[nl as usize],
            &f(&s),
            &f(&o),
            &f(&cl),
        ])?;
    }
    Ok(())
}

/// Writes every row of `entity` that member `c` has in a full export.
pub fn entity_rows(
    ctx: &Ctx,
    entity: Entity,
    c: &Core,
    w: &mut EntityWriter,
    cancelled: &dyn Fn() -> bool,
) -> Result<()> {
    match entity {
        Entity::Members => member_row(ctx, c, &MState::of(c), w),
        Entity::ConsentEvents => consent_rows(ctx, c, w),
        Entity::Children => children_rows(ctx, c, w),
        Entity::LoginEvents => login_rows(ctx, c, w),
        Entity::SocialAccounts => social_rows(ctx, c, w),
        Entity::Posts => post_rows(ctx, c, w, cancelled),
        Entity::PrivateMessages => message_rows(ctx, c, w, cancelled),
        Entity::CompetitionEntries => comp_rows(ctx, c, w),
        Entity::SurveyResponses => survey_rows(ctx, c, w),
        Entity::HelpdeskTickets => ticket_rows(ctx, c, w),
        Entity::NewsletterEngagement => news_rows(ctx, c, w),
        Entity::LocalListings => listing_rows(ctx, c, w),
        Entity::Reviews => review_rows(ctx, c, w),
        Entity::Deletions => Ok(()),
    }
}
