//! The audit record, its keyed hash chain, and signed checkpoints of the
//! chain's head (安全审计, 等保 2.0).
//!
//! Every audit record's hash covers its own content and the previous
//! record's hash, so editing or deleting any record breaks every hash after
//! it. The database refuses UPDATE and DELETE on the audit table, but
//! whoever can write to the database can drop those triggers and recompute
//! a plain hash chain. So the chain is anchored outside the database:
//!
//! - each record's hash is an HMAC-SHA-256 under an [`AuditKey`] that lives
//!   in a file the database never sees, so an edited record cannot be given
//!   a matching hash without the key;
//! - [`Checkpoint`]s of the head (number, hash, time, first keyed record),
//!   tagged with the same key, are appended to a file outside the database,
//!   so cutting the tail and rewinding the head below a checkpoint shows.
//!
//! Records written before an installation had a key carry the old plain
//! SHA-256 hash; [`ChainVerifier`] accepts those only at the start of the
//! chain, before the first keyed record, and counts them as unkeyed.
//! [`ChainVerifier`] names the first record that does not match.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::i18n::Message;

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Whether the action was carried out or refused. A closed set: the
/// database refuses any other text, and the verifier treats any other
/// stored text as a broken record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Allowed,
    Denied,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
        }
    }

    /// The outcome named by `code`; `None` for any other text.
    pub fn parse(code: &str) -> Option<Outcome> {
        match code {
            "allowed" => Some(Outcome::Allowed),
            "denied" => Some(Outcome::Denied),
            _ => None,
        }
    }
}

/// HMAC-SHA-256 (RFC 2104) over data fed in pieces.
struct HmacSha256 {
    inner: Sha256,
    outer_pad: [u8; 64],
}

impl HmacSha256 {
    const BLOCK: usize = 64;

    fn new(key: &[u8]) -> HmacSha256 {
        let mut block = [0u8; Self::BLOCK];
        if key.len() > Self::BLOCK {
            block[..32].copy_from_slice(Sha256::digest(key).as_slice());
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let inner_pad = block.map(|b| b ^ 0x36);
        let outer_pad = block.map(|b| b ^ 0x5c);
        let mut inner = Sha256::new();
        inner.update(inner_pad);
        HmacSha256 { inner, outer_pad }
    }

    fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    fn finalize(self) -> [u8; 32] {
        let inner = self.inner.finalize();
        let mut outer = Sha256::new();
        outer.update(self.outer_pad);
        outer.update(inner.as_slice());
        let mut out = [0u8; 32];
        out.copy_from_slice(outer.finalize().as_slice());
        out
    }
}

/// HMAC-SHA-256 of `message` under `key` (RFC 2104, tested against RFC 4231).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new(key);
    mac.update(message);
    mac.finalize()
}

/// The secret that anchors the chain: 32 random bytes, kept in a file as 64
/// hex digits, outside the database and its backups. Its `Debug` output
/// never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; 32]);

/// Why a key file's text is not a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "审计密钥应为 64 位十六进制数字，实际为 {found} 个字符 / the audit key must be 64 hex digits, found {found} characters"
    )]
    WrongLength { found: usize },
    #[error("审计密钥含有非十六进制字符 / the audit key contains a character that is not a hex digit")]
    NotHex,
}

impl AuditKey {
    pub fn from_bytes(bytes: [u8; 32]) -> AuditKey {
        AuditKey(bytes)
    }

    /// Reads a key file's text: 64 hex digits, surrounding whitespace
    /// ignored.
    pub fn parse_hex(text: &str) -> Result<AuditKey, KeyError> {
        let text = text.trim();
        if text.len() != 64 {
            return Err(KeyError::WrongLength { found: text.chars().count() });
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| KeyError::NotHex)?;
        Ok(AuditKey(bytes))
    }

    /// The key file's text (64 hex digits and a newline).
    pub fn to_file_text(&self) -> String {
        format!("{}\n", hex::encode(self.0))
    }

    /// A short public fingerprint of the key (to tell keys apart in logs
    /// and checkpoints without revealing them).
    pub fn fingerprint(&self) -> String {
        hex::encode(&hmac_sha256(&self.0, b"jiuzhu-audit-key-fingerprint")[..4])
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new(&self.0)
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.fingerprint())
    }
}

/// One audit record: who, when, from where, what, on what, and the values
/// before and after (JSON text, empty when none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub login: String,
    pub ip: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub region_code: String,
    pub outcome: Outcome,
    pub before: String,
    pub after: String,
}

/// Times are kept to the microsecond, which both databases store exactly.
pub fn audit_time(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

fn time_text(at: DateTime<Utc>) -> String {
    audit_time(at).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Feeds `fields` to `sink`, each prefixed by its length, so that no two
/// different field lists feed the same bytes.
fn feed_fields(fields: &[&str], sink: &mut dyn FnMut(&[u8])) {
    for field in fields {
        sink(&(field.len() as u64).to_be_bytes());
        sink(field.as_bytes());
    }
}

/// Labels that keep record hashes and checkpoint tags apart.
const RECORD_LABEL: &str = "jiuzhu-audit-record-v1";
const CHECKPOINT_LABEL: &str = "jiuzhu-audit-checkpoint-v1";

impl AuditRecord {
    /// Every hashed field of the record after the previous hash, in order.
    fn feed(&self, prev_hash: &str, sink: &mut dyn FnMut(&[u8])) {
        let at = time_text(self.at);
        let user = self.user_id.map(|u| u.to_string()).unwrap_or_default();
        let seq = self.seq.to_string();
        feed_fields(
            &[
                prev_hash,
                &seq,
                &at,
                &user,
                &self.login,
                &self.ip,
                &self.action,
                &self.target_kind,
                &self.target_id,
                &self.region_code,
                self.outcome.code(),
                &self.before,
                &self.after,
            ],
            sink,
        );
    }

    /// The record's unkeyed hash given the previous one: plain SHA-256 over
    /// the fields. Only records written before the installation had a key
    /// carry it.
    pub fn hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        self.feed(prev_hash, &mut |bytes| hasher.update(bytes));
        hex::encode(hasher.finalize())
    }

    /// The record's keyed hash given the previous one: HMAC-SHA-256 under
    /// `key` over a label and the same fields as [`AuditRecord::hash`].
    pub fn keyed_hash(&self, prev_hash: &str, key: &AuditKey) -> String {
        let mut mac = key.mac();
        feed_fields(&[RECORD_LABEL], &mut |bytes| mac.update(bytes));
        self.feed(prev_hash, &mut |bytes| mac.update(bytes));
        hex::encode(mac.finalize())
    }
}

/// A signed note of the chain's head, kept outside the database (one line
/// of the checkpoint file): the number and hash of the last record, when
/// it was taken, and the first record with a keyed hash. A chain that no
/// longer reaches a checkpoint's record, or whose record there has another
/// hash, was cut or rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
    /// The first record with a keyed hash (`None`: none yet).
    pub keyed_from: Option<i64>,
}

/// Why a line of the checkpoint file is not a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("格式不正确 / not a checkpoint line")]
    Malformed,
    #[error("签名与审计密钥不符（被改动，或由另一密钥写出）/ its tag does not match the audit key")]
    BadTag,
}

impl Checkpoint {
    fn fields(&self) -> [String; 4] {
        [
            self.seq.to_string(),
            self.hash.clone(),
            time_text(self.at),
            self.keyed_from.map_or_else(|| "-".to_string(), |k| k.to_string()),
        ]
    }

    fn tag(&self, key: &AuditKey) -> String {
        let fields = self.fields();
        let mut mac = key.mac();
        let mut all: Vec<&str> = vec![CHECKPOINT_LABEL];
        all.extend(fields.iter().map(String::as_str));
        feed_fields(&all, &mut |bytes| mac.update(bytes));
        hex::encode(mac.finalize())
    }

    /// The checkpoint as one line of the checkpoint file (without the
    /// newline): label, number, hash, time, first keyed record, tag.
    pub fn to_line(&self, key: &AuditKey) -> String {
        let [seq, hash, at, keyed_from] = self.fields();
        format!("{CHECKPOINT_LABEL} {seq} {hash} {at} {keyed_from} {}", self.tag(key))
    }

    /// Reads one line of the checkpoint file and checks its tag.
    pub fn parse_line(line: &str, key: &AuditKey) -> Result<Checkpoint, CheckpointError> {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [label, seq, hash, at, keyed_from, tag] = parts[..] else {
            return Err(CheckpointError::Malformed);
        };
        if label != CHECKPOINT_LABEL || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CheckpointError::Malformed);
        }
        let checkpoint = Checkpoint {
            seq: seq.parse().map_err(|_| CheckpointError::Malformed)?,
            hash: hash.to_string(),
            at: DateTime::parse_from_rfc3339(at).map_err(|_| CheckpointError::Malformed)?.with_timezone(&Utc),
            keyed_from: match keyed_from {
                "-" => None,
                k => Some(k.parse().map_err(|_| CheckpointError::Malformed)?),
            },
        };
        if checkpoint.tag(key) != tag {
            return Err(CheckpointError::BadTag);
        }
        Ok(checkpoint)
    }
}

/// Reads a whole checkpoint file; blank lines are skipped, and the first
/// bad line is named by its number (1-based).
pub fn parse_checkpoints(text: &str, key: &AuditKey) -> Result<Vec<Checkpoint>, (usize, CheckpointError)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(idx, line)| Checkpoint::parse_line(line, key).map_err(|e| (idx + 1, e)))
        .collect()
}

/// Where a chain breaks. `seq` is always the first record found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The record's stored hash is not the hash of its content under the
    /// key (edited, or rehashed without the key).
    Altered { seq: i64 },
    /// The record does not follow the one before it (a record was removed,
    /// renumbered, or `prev_hash` was changed).
    Broken { seq: i64 },
    /// The record's outcome is not one of the closed set.
    UnknownOutcome { seq: i64 },
    /// The chain ends before record `seq`, but the head or a checkpoint
    /// says it reached `expected_last`.
    Missing { seq: i64, expected_last: i64 },
    /// The record a checkpoint names has another hash than the checkpoint.
    CheckpointMismatch { seq: i64 },
    /// The stored head does not name the last record `seq`.
    HeadMismatch { seq: i64 },
}

impl ChainBreak {
    /// The first record found wrong (for `Missing`, the first missing one).
    pub fn seq(&self) -> i64 {
        match *self {
            ChainBreak::Altered { seq }
            | ChainBreak::Broken { seq }
            | ChainBreak::UnknownOutcome { seq }
            | ChainBreak::Missing { seq, .. }
            | ChainBreak::CheckpointMismatch { seq }
            | ChainBreak::HeadMismatch { seq } => seq,
        }
    }

    /// What broke, for people (naming the first bad record).
    pub fn message(&self) -> Message {
        match *self {
            ChainBreak::Altered { seq } => Message::new("audit.break.altered").arg("seq", seq),
            ChainBreak::Broken { seq } => Message::new("audit.break.broken").arg("seq", seq),
            ChainBreak::UnknownOutcome { seq } => Message::new("audit.break.unknown_outcome").arg("seq", seq),
            ChainBreak::Missing { seq, expected_last } => {
                Message::new("audit.break.missing").arg("seq", seq).arg("last", expected_last)
            }
            ChainBreak::CheckpointMismatch { seq } => Message::new("audit.break.checkpoint").arg("seq", seq),
            ChainBreak::HeadMismatch { seq } => Message::new("audit.break.head").arg("seq", seq),
        }
    }
}

/// What a whole-chain check found when nothing was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainSummary {
    /// Records checked.
    pub records: i64,
    /// Of those, the records at the start written before the key (plain
    /// SHA-256 chain only).
    pub unkeyed: i64,
    /// Checkpoints the chain was checked against.
    pub checkpoints: usize,
}

/// Walks a chain record by record, so a long log can be checked in batches.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    key: AuditKey,
    expected_prev: String,
    next_seq: i64,
    /// Records from this number on must carry a keyed hash.
    keyed_from: Option<i64>,
    seen_keyed: bool,
    unkeyed: i64,
    /// Sorted by number; `next_checkpoint` is the first not yet reached.
    checkpoints: Vec<Checkpoint>,
    next_checkpoint: usize,
}

impl ChainVerifier {
    /// A verifier for a chain keyed with `key`.
    pub fn new(key: &AuditKey) -> ChainVerifier {
        ChainVerifier {
            key: key.clone(),
            expected_prev: GENESIS.to_string(),
            next_seq: 1,
            keyed_from: None,
            seen_keyed: false,
            unkeyed: 0,
            checkpoints: Vec::new(),
            next_checkpoint: 0,
        }
    }

    /// Records from `seq` on must carry a keyed hash (the earliest number
    /// wins when given several times).
    pub fn keyed_from(mut self, seq: Option<i64>) -> ChainVerifier {
        self.keyed_from = match (self.keyed_from, seq) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self
    }

    /// Checks the chain against these checkpoints too; each also says from
    /// which record on hashes were keyed.
    pub fn with_checkpoints(mut self, checkpoints: &[Checkpoint]) -> ChainVerifier {
        for checkpoint in checkpoints {
            self = self.keyed_from(checkpoint.keyed_from);
        }
        self.checkpoints.extend_from_slice(checkpoints);
        self.checkpoints.sort_by_key(|c| c.seq);
        self
    }

    /// Checks the next stored record: it must follow the previous one, its
    /// hash must be the keyed hash of its content (or, only at the start of
    /// a chain from before the key, the plain hash), and it must match any
    /// checkpoint taken at it.
    pub fn check(&mut self, record: &AuditRecord, prev_hash: &str, hash: &str) -> Result<(), ChainBreak> {
        let seq = record.seq;
        if prev_hash != self.expected_prev || seq != self.next_seq {
            return Err(ChainBreak::Broken { seq });
        }
        if record.keyed_hash(prev_hash, &self.key) == hash {
            self.seen_keyed = true;
        } else if !self.seen_keyed && self.keyed_from.is_none_or(|k| seq < k) && record.hash(prev_hash) == hash {
            self.unkeyed += 1;
        } else {
            return Err(ChainBreak::Altered { seq });
        }
        while let Some(checkpoint) = self.checkpoints.get(self.next_checkpoint).filter(|c| c.seq <= seq) {
            if checkpoint.seq == seq && checkpoint.hash != hash {
                return Err(ChainBreak::CheckpointMismatch { seq });
            }
            self.next_checkpoint += 1;
        }
        self.expected_prev = hash.to_string();
        self.next_seq += 1;
        Ok(())
    }

    /// Records checked so far.
    pub fn checked(&self) -> i64 {
        self.next_seq - 1
    }

    /// The hash of the last record checked (the genesis hash before any).
    pub fn last_hash(&self) -> &str {
        &self.expected_prev
    }

    /// Ends the walk: the stored head (number and hash of the last record)
    /// and every checkpoint must be reached by the records checked.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<ChainSummary, ChainBreak> {
        let checked = self.checked();
        let expected_last = self.checkpoints.last().map_or(head_seq, |c| c.seq.max(head_seq));
        if checked < expected_last {
            return Err(ChainBreak::Missing { seq: checked + 1, expected_last });
        }
        if checked != head_seq || head_hash != self.expected_prev {
            return Err(ChainBreak::HeadMismatch { seq: checked });
        }
        Ok(ChainSummary { records: checked, unkeyed: self.unkeyed, checkpoints: self.checkpoints.len() })
    }
}

/// Checks stored `(record, prev_hash, hash)` triples in order of `seq`
/// against `key`; returns the number of records checked or the first
/// break. (The head and checkpoints are not consulted; see
/// [`ChainVerifier::finish`].)
pub fn verify_chain<'a>(
    key: &AuditKey,
    records: impl IntoIterator<Item = (&'a AuditRecord, &'a str, &'a str)>,
) -> Result<usize, ChainBreak> {
    let mut verifier = ChainVerifier::new(key);
    for (record, prev_hash, hash) in records {
        verifier.check(record, prev_hash, hash)?;
    }
    Ok(verifier.checked() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn key() -> AuditKey {
        AuditKey::from_bytes([7; 32])
    }

    fn record(seq: i64, action: &str) -> AuditRecord {
        AuditRecord {
            seq,
            at: Utc.with_ymd_and_hms(2025, 10, 31, 9, 0, 0).unwrap() + chrono::Duration::microseconds(seq * 1_234_567),
            user_id: Some(7),
            login: "wang".into(),
            ip: "127.0.0.1".into(),
            action: action.into(),
            target_kind: "household".into(),
            target_id: seq.to_string(),
            region_code: "349901001001".into(),
            outcome: Outcome::Allowed,
            before: String::new(),
            after: "{\"a\":1}".into(),
        }
    }

    type Stored = (AuditRecord, String, String);

    /// A chain whose first `unkeyed` records carry the plain hash (written
    /// before the key), the rest the keyed hash.
    fn chain_with(n: i64, unkeyed: i64, key: &AuditKey) -> Vec<Stored> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let r = record(seq, "household_updated");
                let hash = if seq <= unkeyed { r.hash(&prev) } else { r.keyed_hash(&prev, key) };
                let item = (r, prev.clone(), hash.clone());
                prev = hash;
                item
            })
            .collect()
    }

    fn chain(n: i64) -> Vec<Stored> {
        chain_with(n, 0, &key())
    }

    fn check(items: &[Stored]) -> Result<usize, ChainBreak> {
        verify_chain(&key(), items.iter().map(|(r, p, h)| (r, p.as_str(), h.as_str())))
    }

    fn walk(mut verifier: ChainVerifier, items: &[Stored]) -> Result<ChainSummary, ChainBreak> {
        for (r, p, h) in items {
            verifier.check(r, p, h)?;
        }
        let (head_seq, head_hash) = items.last().map_or((0, GENESIS.to_string()), |(r, _, h)| (r.seq, h.clone()));
        verifier.finish(head_seq, &head_hash)
    }

    /// Rehashes the records from `from` (0-based) on, as an attacker
    /// without the key would: with `rehash` in place of the keyed hash.
    fn rehash_from(items: &mut [Stored], from: usize, rehash: impl Fn(&AuditRecord, &str) -> String) {
        let mut prev = if from == 0 { GENESIS.to_string() } else { items[from - 1].2.clone() };
        for item in &mut items[from..] {
            item.1 = prev.clone();
            item.2 = rehash(&item.0, &prev);
            prev = item.2.clone();
        }
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        let cases: [(Vec<u8>, &[u8], &str); 4] = [
            (vec![0x0b; 20], b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (vec![0xaa; 20], &[0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
        ];
        for (key, data, expected) in cases {
            assert_eq!(hex::encode(hmac_sha256(&key, data)), expected);
        }
    }

    #[test]
    fn keys_read_from_hex_and_never_show_in_debug() {
        let text = key().to_file_text();
        assert_eq!(text, format!("{}\n", "07".repeat(32)));
        assert_eq!(AuditKey::parse_hex(&format!("  {text}  ")), Ok(key()));
        assert_eq!(AuditKey::parse_hex("abc"), Err(KeyError::WrongLength { found: 3 }));
        assert_eq!(AuditKey::parse_hex(&"zz".repeat(32)), Err(KeyError::NotHex));
        let shown = format!("{:?}", key());
        assert!(!shown.contains("0707"), "{shown}");
        assert_ne!(key().fingerprint(), AuditKey::from_bytes([8; 32]).fingerprint());
    }

    /// Point 13 of issue 10: the hash once ignored the address, target,
    /// region, outcome and before-value. Changing any one hashed field
    /// must change both hashes, and the verifier must name the record.
    #[test]
    fn every_hashed_field_changes_the_hash() {
        type Change = fn(&mut AuditRecord, &mut String);
        let changes: [(&str, Change); 13] = [
            ("seq", |r, _| r.seq += 1),
            ("at", |r, _| r.at += chrono::Duration::microseconds(1)),
            ("user_id", |r, _| r.user_id = Some(8)),
            ("login", |r, _| r.login.push('x')),
            ("ip", |r, _| r.ip = "127.0.0.2".into()),
            ("action", |r, _| r.action.push('x')),
            ("target_kind", |r, _| r.target_kind = "person".into()),
            ("target_id", |r, _| r.target_id.push('0')),
            ("region_code", |r, _| r.region_code = "349901001002".into()),
            ("outcome", |r, _| r.outcome = Outcome::Denied),
            ("before", |r, _| r.before = "{}".into()),
            ("after", |r, _| r.after = "{\"a\":2}".into()),
            ("prev_hash", |_, prev| prev.replace_range(0..1, "1")),
        ];
        let original = record(2, "household_updated");
        let prev = "ab".repeat(32);
        for (field, change) in changes {
            let (mut changed, mut changed_prev) = (original.clone(), prev.clone());
            change(&mut changed, &mut changed_prev);
            assert_ne!(changed.hash(&changed_prev), original.hash(&prev), "plain hash ignores {field}");
            assert_ne!(
                changed.keyed_hash(&changed_prev, &key()),
                original.keyed_hash(&prev, &key()),
                "keyed hash ignores {field}"
            );
        }
        // The same table against a stored chain: the verifier names record 2.
        for (field, change) in changes {
            let mut items = chain(3);
            let (record, prev, _) = &mut items[1];
            change(record, prev);
            let expected = if matches!(field, "seq" | "prev_hash") {
                ChainBreak::Broken { seq: items[1].0.seq }
            } else {
                ChainBreak::Altered { seq: 2 }
            };
            assert_eq!(check(&items), Err(expected), "{field}");
        }
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(check(&chain(5)), Ok(5));
        assert_eq!(check(&[]), Ok(0));
        assert_eq!(
            walk(ChainVerifier::new(&key()), &chain(5)),
            Ok(ChainSummary { records: 5, unkeyed: 0, checkpoints: 0 })
        );
    }

    #[test]
    fn a_chain_rehashed_without_the_key_is_found_where_the_rehash_starts() {
        let wrong = AuditKey::from_bytes([8; 32]);
        for from in 0..4 {
            let mut plain = chain(4);
            plain[from].0.outcome = Outcome::Denied;
            rehash_from(&mut plain, from, |r, p| r.hash(p));
            let mut other_key = chain(4);
            other_key[from].0.outcome = Outcome::Denied;
            rehash_from(&mut other_key, from, |r, p| r.keyed_hash(p, &wrong));
            let seq = from as i64 + 1;
            assert_eq!(check(&other_key), Err(ChainBreak::Altered { seq }));
            // A plain chain from the very first record reads as one written
            // before the key, unless something says the key was in use.
            let verifier = ChainVerifier::new(&key()).keyed_from(Some(1));
            assert_eq!(walk(verifier, &plain), Err(ChainBreak::Altered { seq }));
            if from > 0 {
                assert_eq!(check(&plain), Err(ChainBreak::Altered { seq }));
            }
        }
    }

    #[test]
    fn records_from_before_the_key_verify_only_at_the_start() {
        let items = chain_with(5, 3, &key());
        assert_eq!(
            walk(ChainVerifier::new(&key()), &items),
            Ok(ChainSummary { records: 5, unkeyed: 3, checkpoints: 0 })
        );
        // The database or a checkpoint says keyed hashes began at 3.
        assert_eq!(walk(ChainVerifier::new(&key()).keyed_from(Some(3)), &items), Err(ChainBreak::Altered { seq: 3 }));
        // A plain hash after a keyed one is never accepted.
        let mut items = chain_with(5, 0, &key());
        rehash_from(&mut items, 3, |r, p| r.hash(p));
        assert_eq!(walk(ChainVerifier::new(&key()), &items), Err(ChainBreak::Altered { seq: 4 }));
    }

    fn checkpoint_at(items: &[Stored], seq: i64) -> Checkpoint {
        Checkpoint {
            seq,
            hash: items[seq as usize - 1].2.clone(),
            at: Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
            keyed_from: Some(1),
        }
    }

    #[test]
    fn checkpoint_lines_round_trip_and_refuse_tampering() {
        let items = chain(3);
        let checkpoint = checkpoint_at(&items, 3);
        let line = checkpoint.to_line(&key());
        assert_eq!(Checkpoint::parse_line(&line, &key()), Ok(checkpoint.clone()));
        let none = Checkpoint { keyed_from: None, ..checkpoint.clone() };
        assert_eq!(Checkpoint::parse_line(&none.to_line(&key()), &key()), Ok(none));
        assert_eq!(Checkpoint::parse_line(&line, &AuditKey::from_bytes([8; 32])), Err(CheckpointError::BadTag));
        let rewound = line.replacen(" 3 ", " 2 ", 1);
        assert_eq!(Checkpoint::parse_line(&rewound, &key()), Err(CheckpointError::BadTag));
        assert_eq!(Checkpoint::parse_line("jiuzhu-audit-checkpoint-v1 3", &key()), Err(CheckpointError::Malformed));
        let file = format!("{line}\n\n{}\nnonsense\n", checkpoint_at(&items, 2).to_line(&key()));
        assert_eq!(parse_checkpoints(&file, &key()), Err((4, CheckpointError::Malformed)));
        assert_eq!(parse_checkpoints(&format!("{line}\n"), &key()).map(|c| c.len()), Ok(1));
    }

    #[test]
    fn a_tail_cut_below_a_checkpoint_is_found() {
        let items = chain(5);
        let checkpoints = [checkpoint_at(&items, 2), checkpoint_at(&items, 4)];
        let verifier = || ChainVerifier::new(&key()).with_checkpoints(&checkpoints);
        assert_eq!(walk(verifier(), &items), Ok(ChainSummary { records: 5, unkeyed: 0, checkpoints: 2 }));
        // Cut to 3 records, head rewound to match: record 4 is missing.
        assert_eq!(walk(verifier(), &items[..3]), Err(ChainBreak::Missing { seq: 4, expected_last: 4 }));
        // A head that says more than the chain holds.
        let mut verifier = ChainVerifier::new(&key());
        for (r, p, h) in &items[..3] {
            verifier.check(r, p, h).unwrap();
        }
        assert_eq!(verifier.finish(5, &items[4].2), Err(ChainBreak::Missing { seq: 4, expected_last: 5 }));
        // A checkpoint whose record now has another hash.
        let mut other = checkpoints.to_vec();
        other[0].hash = items[0].2.clone();
        let verifier = ChainVerifier::new(&key()).with_checkpoints(&other);
        assert_eq!(walk(verifier, &items), Err(ChainBreak::CheckpointMismatch { seq: 2 }));
    }

    proptest! {
        #[test]
        fn any_edit_is_found_at_its_record(n in 2i64..20, at in 0usize..20, field in 0usize..4) {
            let mut items = chain(n);
            let idx = at % items.len();
            match field {
                0 => items[idx].0.action = "household_deleted".into(),
                1 => items[idx].0.after = "{\"a\":2}".into(),
                2 => items[idx].0.user_id = None,
                _ => items[idx].0.at += chrono::Duration::seconds(1),
            }
            prop_assert_eq!(check(&items), Err(ChainBreak::Altered { seq: idx as i64 + 1 }));
        }

        #[test]
        fn any_removal_is_found(n in 2i64..20, at in 0usize..20) {
            let mut items = chain(n);
            let idx = at % items.len();
            items.remove(idx);
            if idx < items.len() {
                prop_assert_eq!(check(&items), Err(ChainBreak::Broken { seq: idx as i64 + 2 }));
            } else {
                // Removing the last record leaves a valid shorter chain; the
                // stored head and the checkpoints catch that.
                prop_assert_eq!(check(&items), Ok(items.len()));
            }
        }
    }
}
