//! Hash chains: each entry's hash covers a canonical serialisation of its
//! content and the previous entry's hash, so changing, removing or reordering
//! a stored entry is detected. Used by the audit trail and the disclosure log.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Canonical JSON: object keys sorted (recursively), no insignificant space.
pub fn canonical_json(v: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String((*k).clone()).to_string());
                    out.push(':');
                    write(&m[*k], out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(x, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut s = String::new();
    write(v, &mut s);
    s
}

/// The hash of an entry: SHA-256 over the previous hash and the canonical content.
pub fn link_hash(prev_hash: &str, content: &Value) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical_json(content).as_bytes());
    hex::encode(h.finalize())
}

/// How a chain failed verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum FailureKind {
    /// The entry's content no longer matches its hash.
    Changed,
    /// An entry is missing before this one (a gap in the sequence).
    Missing,
    /// The entry does not follow the one before it (moved or rewritten).
    Reordered,
    /// The head given to check against is not in the chain.
    HeadNotFound,
    /// A signature does not hold, or is missing where one must be.
    BadSignature,
    /// A record was made by someone whose granted role did not allow it.
    NotAuthorised,
    /// A head an earlier verification recorded is no longer in the chain.
    RecordedHeadChanged,
    /// The database holding the log is damaged.
    Damaged,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Failure {
    /// The sequence number of the first entry that fails.
    pub seq: i64,
    pub kind: FailureKind,
    pub message: String,
}

/// The result of walking a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verification {
    pub ok: bool,
    pub entries: u64,
    /// The hash of the last entry (the genesis value for an empty chain).
    pub head: String,
    pub failure: Option<Failure>,
    /// What holds but deserves a look (entries made before signatures, keys
    /// a dpo has not confirmed).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The fingerprint of the vault's root signing key (the first dpo's),
    /// for comparing with the one kept outside the vault.
    #[serde(default)]
    pub root_fingerprint: Option<String>,
}

impl Verification {
    /// Record `f` unless an earlier failure is already recorded.
    pub fn fail(&mut self, f: Failure) {
        if self.failure.as_ref().is_none_or(|old| f.seq < old.seq) {
            self.failure = Some(f);
        }
        self.ok = false;
    }
}

/// A stored entry as the verifier sees it.
pub struct Stored {
    pub seq: i64,
    pub content: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// Walk entries in stored order. `what` names an entry in messages ("audit event").
/// With `expect_head`, also check that the chain passes through that hash.
pub fn verify(
    entries: impl Iterator<Item = crate::Result<Stored>>,
    what: &str,
    expect_head: Option<&str>,
) -> crate::Result<Verification> {
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut count = 0u64;
    let mut head_seen = expect_head.is_none() || expect_head == Some(GENESIS);
    let mut failure = None;
    for e in entries {
        let e = e?;
        count += 1;
        if failure.is_none() {
            if link_hash(&e.prev_hash, &e.content) != e.hash {
                failure = Some(Failure {
                    seq: e.seq,
                    kind: FailureKind::Changed,
                    message: format!("{what} {} was changed after it was written", e.seq),
                });
            } else if e.seq != expected_seq && e.seq > expected_seq {
                failure = Some(Failure {
                    seq: e.seq,
                    kind: FailureKind::Missing,
                    message: format!(
                        "{what} {} is missing (the chain jumps from {} to {})",
                        expected_seq,
                        expected_seq - 1,
                        e.seq
                    ),
                });
            } else if e.prev_hash != prev || e.seq != expected_seq {
                failure = Some(Failure {
                    seq: e.seq,
                    kind: FailureKind::Reordered,
                    message: format!(
                        "{what} {} does not follow the entry before it (entries were reordered, removed or rewritten)",
                        e.seq
                    ),
                });
            }
        }
        if Some(e.hash.as_str()) == expect_head {
            head_seen = true;
        }
        prev = e.hash;
        expected_seq = e.seq + 1;
    }
    if failure.is_none() && !head_seen {
        failure = Some(Failure {
            seq: expected_seq - 1,
            kind: FailureKind::HeadNotFound,
            message: format!(
                "the head you kept is not in this chain: the {what}s were rewritten or truncated since"
            ),
        });
    }
    Ok(Verification {
        ok: failure.is_none(),
        entries: count,
        head: prev,
        failure,
        warnings: Vec::new(),
        root_fingerprint: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(n: i64) -> Vec<Stored> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let content = json!({"seq": seq, "b": [1, {"z": 1, "a": 2}]});
                let hash = link_hash(&prev, &content);
                let s = Stored {
                    seq,
                    content,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                s
            })
            .collect()
    }

    fn run(v: Vec<Stored>, head: Option<&str>) -> Verification {
        verify(v.into_iter().map(Ok), "entry", head).unwrap()
    }

    #[test]
    fn canonical_sorts_keys() {
        assert_eq!(
            canonical_json(&json!({"b": 1, "a": {"d": [true, null], "c": "x"}})),
            r#"{"a":{"c":"x","d":[true,null]},"b":1}"#
        );
    }

    #[test]
    fn detects_change_gap_swap_and_lost_head() {
        let good = run(chain(5), None);
        assert!(good.ok);
        assert_eq!(good.entries, 5);

        let mut c = chain(5);
        c[2].content = json!({"seq": 3, "b": "tampered"});
        let v = run(c, None);
        assert_eq!(v.failure.unwrap().kind, FailureKind::Changed);

        let mut c = chain(5);
        c.remove(2);
        let f = run(c, None).failure.unwrap();
        assert_eq!((f.seq, f.kind), (4, FailureKind::Missing));

        let mut c = chain(5);
        c.swap(1, 2);
        let (a, b) = (c[1].seq, c[2].seq);
        c[1].seq = b;
        c[2].seq = a;
        let f = run(c, None).failure.unwrap();
        assert_eq!((f.seq, f.kind), (2, FailureKind::Reordered));

        let old_head = chain(3)[2].hash.clone();
        assert!(run(chain(5), Some(&old_head)).ok);
        let mut rewritten = chain(5);
        rewritten.truncate(2);
        let f = run(rewritten, Some(&old_head)).failure.unwrap();
        assert_eq!(f.kind, FailureKind::HeadNotFound);
    }
}
