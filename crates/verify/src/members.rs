//! The household members a run verifies: read from a roster file (CSV on
//! every core, or xlsx), each distinct ID number packed and given a dense
//! index, households numbered in the sorted order of their numbers.

use std::path::Path;

use jiuzhu_domain::i18n::{Lang, Message};
use rustc_hash::FxHashMap;

use crate::parse::{self, Encoding};
use crate::{KeyTable, RowError, VerifyError};

/// The household members to verify: distinct people with a dense index,
/// and which households each belongs to.
#[derive(Debug, Default)]
pub struct Members {
    /// Household numbers, sorted.
    pub households: Vec<String>,
    /// Packed ID number → person index (dense, from 0).
    pub table: KeyTable,
    persons: usize,
    /// `(household index, person index)`, sorted, each pair once.
    pub memberships: Vec<(u32, u32)>,
}

impl Members {
    pub fn person_count(&self) -> usize {
        self.persons
    }

    /// Adds a person (by packed ID) to the household pushed last.
    fn add_to_last_household(&mut self, key: u64) {
        let h = self.households.len() as u32 - 1;
        let p = self.table.get_or_insert(key, self.persons as u32);
        if p as usize == self.persons {
            self.persons += 1;
        }
        self.memberships.push((h, p));
    }

    /// Orders the memberships and keeps each pair once.
    fn finish(&mut self) {
        self.memberships.sort_unstable();
        self.memberships.dedup();
    }

    /// Builds the member set from `(household number, packed ID)` pairs,
    /// households numbered in sorted order.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, u64)>) -> Members {
        let mut pairs: Vec<(String, u64)> = pairs.into_iter().collect();
        pairs.sort_unstable();
        let mut members = Members { table: KeyTable::with_capacity(pairs.len()), ..Default::default() };
        for (household, id) in pairs {
            if members.households.last() != Some(&household) {
                members.households.push(household);
            }
            members.add_to_last_household(id);
        }
        members.finish();
        members
    }

    /// People found in more than one household (重复救助线索): packed ID and
    /// the household numbers.
    pub fn duplicates(&self) -> Vec<(u64, Vec<String>)> {
        let mut counts = vec![0u8; self.persons];
        for &(_, p) in &self.memberships {
            counts[p as usize] = counts[p as usize].saturating_add(1);
        }
        let mut households_of: FxHashMap<u32, Vec<String>> = FxHashMap::default();
        for &(h, p) in &self.memberships {
            if counts[p as usize] > 1 {
                households_of.entry(p).or_default().push(self.households[h as usize].clone());
            }
        }
        if households_of.is_empty() {
            return Vec::new();
        }
        let by_index: FxHashMap<u32, u64> =
            self.table.iter().filter(|(_, idx)| counts[*idx as usize] > 1).map(|(id, idx)| (idx, id)).collect();
        let mut res: Vec<(u64, Vec<String>)> = households_of.into_iter().map(|(p, hs)| (by_index[&p], hs)).collect();
        res.sort();
        res
    }
}

const HOUSEHOLD_NAMES: &[&str] = &["household_id", "户编号", "家庭编号"];
const ID_NAMES: &[&str] = &["id_number", "身份证号", "公民身份号码", "证件号码", "身份证号码"];

/// The columns of the household number and of the ID number among a
/// members file's headers (aliases, case and width ignored), or the one
/// missing.
fn member_columns(headers: &[String], file: &str) -> Result<(usize, usize), VerifyError> {
    let find = |names: &[&str], column: &str| {
        headers
            .iter()
            .position(|h| {
                let key = jiuzhu_domain::text::header_key(h);
                names.iter().any(|n| jiuzhu_domain::text::header_key(n) == key)
            })
            .ok_or_else(|| VerifyError::MissingColumn { file: file.to_string(), column: column.to_string() })
    };
    Ok((find(HOUSEHOLD_NAMES, "household_id（户编号）")?, find(ID_NAMES, "id_number（身份证号）")?))
}

/// Reads a members file (a roster: only `household_id` and `id_number` are
/// used) in CSV or xlsx. Rows with a bad ID number are returned as errors.
pub fn read_members(path: &Path) -> Result<(Members, Vec<RowError>), VerifyError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| VerifyError::Io { path: file.clone(), source })?;
    if !bytes.starts_with(b"PK\x03\x04") {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        return read_members_csv(&bytes, file, workers);
    }
    let table = jiuzhu_files::read_table(&bytes)
        .map_err(|e| VerifyError::Unreadable { file: file.clone(), detail: e.to_problem().render(Lang::Zh) })?;
    let (household_col, id_col) = member_columns(&table.headers, &file)?;
    let mut errors = Vec::new();
    let mut pairs = Vec::with_capacity(table.rows.len());
    for (line, cells) in &table.rows {
        let household = jiuzhu_domain::text::clean(cells.get(household_col).map_or("", String::as_str));
        let raw = cells.get(id_col).map_or("", String::as_str);
        match jiuzhu_domain::IdNumber::parse(raw) {
            Ok(id) if !household.is_empty() => pairs.push((household, id.to_u64())),
            Ok(_) => errors.push(RowError {
                file: file.clone(),
                line: *line,
                column: table.headers[household_col].clone(),
                message: Message::new("import.error.required"),
            }),
            Err(e) => errors.push(RowError {
                file: file.clone(),
                line: *line,
                column: table.headers[id_col].clone(),
                message: e.to_message(),
            }),
        }
    }
    Ok((Members::from_pairs(pairs), errors))
}

/// The CSV path: bytes straight to packed IDs and interned household
/// numbers, without a `String` per cell, in `workers` chunks of lines
/// parsed and sorted at once.
fn read_members_csv(bytes: &[u8], file: String, workers: usize) -> Result<(Members, Vec<RowError>), VerifyError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let encoding = Encoding::detect(&bytes[..bytes.len().min(1 << 20)]);
    let header_end = memchr::memchr(b'\n', bytes).unwrap_or(bytes.len());
    let header_text = encoding.decode(&bytes[..header_end]);
    let mut raw = [&b""[..]; 64];
    let n = parse::split_fields(header_text.as_bytes(), &mut raw).min(64);
    let headers: Vec<String> = raw[..n].iter().map(|h| String::from_utf8_lossy(h).into_owned()).collect();
    let (household_col, id_col) = member_columns(&headers, &file)?;
    let wanted = household_col.max(id_col) + 1;

    let body = &bytes[(header_end + 1).min(bytes.len())..];
    let ctx = MemberColumns { file: &file, headers: &headers, household_col, id_col, wanted, encoding };
    // One chunk of lines per core, parsed and sorted on its own, then merged.
    let chunks = line_chunks(body, workers);
    let parsed: Vec<MemberChunk<'_>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            chunks.iter().map(|&(first, chunk)| scope.spawn(move || ctx.parse(chunk, first))).collect();
        handles.into_iter().map(|h| h.join()).collect::<Result<Vec<_>, _>>()
    })
    .map_err(|_| VerifyError::Unreadable { file: file.clone(), detail: "the members reader panicked".into() })?;
    let errors: Vec<RowError> =
        parsed.iter().flat_map(|c| c.errors.iter().cloned()).take(crate::ERRORS_LISTED).collect();
    let members = if parsed.iter().all(|c| c.sorted) {
        let merged = parsed.into_iter().map(|c| c.pairs).reduce(merge_sorted).unwrap_or_default();
        let mut members = Members { table: KeyTable::with_capacity(merged.len()), ..Default::default() };
        let mut last: Option<(u128, &[u8])> = None;
        for (prefix, key, household) in merged {
            // The prefix is the whole number up to 16 bytes: bytes compared
            // only for longer ones.
            let same = last.is_some_and(|(p, h)| p == prefix && (household.len() <= 16 || h == household));
            if !same {
                members.households.push(encoding.decode(household));
                last = Some((prefix, household));
            }
            members.add_to_last_household(key);
        }
        members.finish();
        members
    } else {
        let pairs = parsed.into_iter().flat_map(|c| c.pairs);
        Members::from_pairs(pairs.map(|(_, k, h)| (encoding.decode(h), k)).collect::<Vec<_>>())
    };
    Ok((members, errors))
}

/// `body` cut into about `n` chunks at line ends, each with the file line
/// number of its first line (the first data line is line 2).
fn line_chunks(body: &[u8], n: usize) -> Vec<(usize, &[u8])> {
    let mut chunks = Vec::with_capacity(n);
    let (mut start, mut line) = (0, 2);
    let step = body.len() / n.max(1) + 1;
    while start < body.len() {
        let end = match memchr::memchr(b'\n', &body[(start + step).min(body.len())..]) {
            Some(at) => start + step + at + 1,
            None => body.len(),
        };
        chunks.push((line, &body[start..end]));
        line += memchr::memchr_iter(b'\n', &body[start..end]).count();
        start = end;
    }
    chunks
}

/// Where the members file keeps what is read of it.
#[derive(Clone, Copy)]
struct MemberColumns<'a> {
    file: &'a str,
    headers: &'a [String],
    household_col: usize,
    id_col: usize,
    wanted: usize,
    encoding: Encoding,
}

/// One chunk of the members file: `(sort prefix, packed ID, household
/// number)`, sorted by household number then ID when `sorted` (numbers
/// compared as bytes: UTF-8 or ASCII), else as read.
struct MemberChunk<'a> {
    pairs: Vec<(u128, u64, &'a [u8])>,
    errors: Vec<RowError>,
    sorted: bool,
}

impl<'a> MemberColumns<'_> {
    /// Parses the lines of `chunk`, the first being line `first`: bytes
    /// straight to packed IDs, household numbers left as bytes; then sorts
    /// them when their bytes order them.
    fn parse(self, chunk: &'a [u8], first: usize) -> MemberChunk<'a> {
        let mut pairs: Vec<(u128, u64, &[u8])> = Vec::with_capacity(memchr::memchr_iter(b'\n', chunk).count() + 1);
        let mut errors = Vec::new();
        let mut fields = [&b""[..]; 64];
        let mut start = 0;
        let error = |line, col: usize, message| RowError {
            file: self.file.to_string(),
            line,
            column: self.headers[col].clone(),
            message,
        };
        for (line_no, end) in (first..).zip(memchr::memchr_iter(b'\n', chunk).chain(std::iter::once(chunk.len()))) {
            let line = &chunk[start.min(chunk.len())..end];
            start = end + 1;
            if line.is_empty() || line == b"\r" {
                continue;
            }
            // A short line has no value past its last field (not the
            // previous line's).
            let n = parse::split_fields(line, &mut fields[..self.wanted.min(64)]).min(64);
            let field = |col: usize| if col < n { fields[col] } else { b"" };
            let household = field(self.household_col).trim_ascii();
            if household.is_empty() && parse::is_blank_line(line) {
                // A row of empty cells (`,,`, as Excel leaves them) is no row.
                continue;
            }
            if household.is_empty() {
                if errors.len() < crate::ERRORS_LISTED {
                    errors.push(error(line_no, self.household_col, Message::new("import.error.required")));
                }
                continue;
            }
            match parse::id_key(field(self.id_col), self.encoding) {
                Ok(key) => pairs.push((household_prefix(household), key, household)),
                Err(message) if errors.len() < crate::ERRORS_LISTED => {
                    errors.push(error(line_no, self.id_col, message))
                }
                Err(_) => {}
            }
        }
        // Households are numbered in the sorted order of their text. Byte
        // order is text order for UTF-8 and for ASCII numbers; other GBK
        // numbers are decoded first (by the caller).
        let sorted = self.encoding == Encoding::Utf8 || pairs.iter().all(|(_, _, h)| h.is_ascii());
        if sorted {
            if pairs.iter().all(|(_, _, h)| h.len() <= 16) {
                // Short numbers (the usual case): the prefix is the whole
                // number, so sorting never looks at the bytes.
                pairs.sort_unstable_by_key(|&(p, k, _)| (p, k));
            } else {
                pairs.sort_unstable_by(|a, b| (a.0, a.2, a.1).cmp(&(b.0, b.2, b.1)));
            }
        }
        MemberChunk { pairs, errors, sorted }
    }
}

/// A household number's first 16 bytes packed big-endian: the same order
/// as the bytes (numbers hold no NUL), so most comparisons are one `u128`.
fn household_prefix(h: &[u8]) -> u128 {
    let mut buf = [0u8; 16];
    let n = h.len().min(16);
    buf[..n].copy_from_slice(&h[..n]);
    u128::from_be_bytes(buf)
}

/// Merges two lists sorted by household number (prefix, then bytes) and ID.
fn merge_sorted<'a>(a: Vec<(u128, u64, &'a [u8])>, b: Vec<(u128, u64, &'a [u8])>) -> Vec<(u128, u64, &'a [u8])> {
    // Numbers of up to 16 bytes are ordered by their prefix alone (no NUL
    // in a number): the bytes are compared only for longer ones.
    let not_after = |x: &(u128, u64, &'a [u8]), y: &(u128, u64, &'a [u8])| {
        if x.2.len() <= 16 && y.2.len() <= 16 { (x.0, x.1) <= (y.0, y.1) } else { (x.0, x.2, x.1) <= (y.0, y.2, y.1) }
    };
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => not_after(x, y),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn chunks_cover_the_body_at_line_ends(lines in prop::collection::vec("[a-z,]{0,6}", 0..40), n in 1usize..6, end in any::<bool>()) {
            let mut body = lines.join("\n");
            if end { body.push('\n'); }
            let chunks = line_chunks(body.as_bytes(), n);
            let joined: Vec<u8> = chunks.iter().flat_map(|(_, c)| c.iter().copied()).collect();
            prop_assert_eq!(joined, body.as_bytes().to_vec());
            let mut line = 2;
            for (idx, (first, chunk)) in chunks.iter().enumerate() {
                prop_assert_eq!(*first, line);
                prop_assert!(idx + 1 == chunks.len() || chunk.ends_with(b"\n"));
                line += chunk.iter().filter(|b| **b == b'\n').count();
            }
        }

        /// However the file is cut, the same households, members and
        /// errors (with their lines) come out.
        #[test]
        fn the_members_do_not_depend_on_the_chunks(
            rows in prop::collection::vec((0u8..30, 0u16..40, any::<bool>(), any::<bool>(), 0u8..12), 0..80),
            n in 2usize..5,
        ) {
            let mut text = String::from("户编号,身份证号\n");
            for (household, person, bad, long, short) in rows {
                // Now and then a line of one field, or none: no ID, never
                // the line before's.
                if short == 0 {
                    text.push_str(&format!("H{household}\n"));
                    continue;
                } else if short == 1 {
                    text.push_str(",\r\n");
                    continue;
                }
                let id = jiuzhu_domain::IdNumber::from_parts(
                    "340102",
                    chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap() + chrono::Days::new(u64::from(person)),
                    person,
                ).unwrap().to_string();
                let household = if long { format!("H-{household:020}") } else { format!("H{household}") };
                if bad { text.push_str(&format!("{household},{}\n", &id[..10])) } else { text.push_str(&format!("{household},{id}\n")) }
            }
            let one = read_members_csv(text.as_bytes(), "m.csv".into(), 1).unwrap();
            let many = read_members_csv(text.as_bytes(), "m.csv".into(), n).unwrap();
            prop_assert_eq!(&one.0.households, &many.0.households);
            prop_assert_eq!(&one.0.memberships, &many.0.memberships);
            prop_assert_eq!(one.0.person_count(), many.0.person_count());
            prop_assert_eq!(&one.1, &many.1);
            // Against the plain reading: every line with a good ID and a
            // household, households sorted, people once each.
            let plain = Members::from_pairs(text.lines().skip(1).filter_map(|line| {
                let (h, id) = line.split_once(',').unwrap_or((line, ""));
                let id = jiuzhu_domain::IdNumber::parse(id.trim()).ok()?;
                (!h.trim().is_empty()).then(|| (h.trim().to_string(), id.to_u64()))
            }));
            prop_assert_eq!(&one.0.households, &plain.households);
            prop_assert_eq!(&one.0.memberships, &plain.memberships);
            let lines = text.lines().count() - 1;
            prop_assert_eq!(one.1.len() + one.0.memberships.len() <= lines, true);
        }
    }
}
