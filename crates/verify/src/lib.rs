//! The verification engine (家庭经济状况核对): department data matched
//! against household members by ID number, summed per household, as
//! `../shared/spec/verification.md` defines.
//!
//! Design, for speed and bounded memory:
//! - members are read once; each distinct ID number is packed into a `u64`
//!   and given a dense index (`FxHashMap<u64, u32>`);
//! - each department file is streamed in blocks cut at line ends; one
//!   worker per core parses only the columns it needs, straight from bytes,
//!   and adds to its own dense per-person accumulator, so memory grows with
//!   the number of members, never with the number of department rows;
//! - values are compared as bytes in the file's own encoding (UTF-8 or
//!   GB18030), so a GBK file is never decoded row by row;
//! - sums are integers (fen, hundredths of m²) end to end.
//!
//! Architecture invariant: no database, no HTTP. The CLI and the use cases
//! feed it files and store what it returns.

mod dataset;
mod members;
mod parse;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jiuzhu_domain::i18n::{Lang, Message};

pub use dataset::{ACTIVE_BUSINESS, EXEMPT_VEHICLES, Kind, RESIDENTIAL};
pub use members::{Members, read_members};
pub use parse::Encoding;

/// Rejected rows listed per file at most; the rest are counted
/// ([`DatasetStats::rejected`]) but not listed, so that a file of bad rows
/// cannot fill memory with their messages.
pub const ERRORS_LISTED: usize = 10_000;

/// A rejected input row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    pub line: usize,
    pub column: String,
    pub message: Message,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{file}: missing column {column}")]
    MissingColumn { file: String, column: String },
    #[error("{file}: {detail}")]
    Unreadable { file: String, detail: String },
}

/// Packed ID number → person index, open addressing with linear probing in
/// two flat arrays: a lookup is one load in the common case, and a batch of
/// lookups issues its loads back to back so the processor overlaps them.
#[derive(Debug, Default)]
pub struct KeyTable {
    keys: Vec<u64>,
    vals: Vec<u32>,
    shift: u32,
}

/// No packed ID number reaches this value (the largest is about 1.1e18).
const EMPTY: u64 = u64::MAX;

impl KeyTable {
    /// A table for up to `capacity` keys (kept at most half full).
    fn with_capacity(capacity: usize) -> KeyTable {
        let bits = (usize::BITS - (capacity.max(1) * 2 - 1).leading_zeros()).max(4);
        KeyTable { keys: vec![EMPTY; 1 << bits], vals: vec![0; 1 << bits], shift: 64 - bits }
    }

    /// The value of `key`, inserting `next` when it is new.
    fn get_or_insert(&mut self, key: u64, next: u32) -> u32 {
        let mask = self.keys.len() - 1;
        let mut slot = self.slot(key);
        loop {
            if self.keys[slot] == key {
                return self.vals[slot];
            }
            if self.keys[slot] == EMPTY {
                self.keys[slot] = key;
                self.vals[slot] = next;
                return next;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Every `(key, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.keys.iter().zip(&self.vals).filter(|(k, _)| **k != EMPTY).map(|(k, v)| (*k, *v))
    }

    #[inline]
    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The key stored at `key`'s home slot: one independent load.
    #[inline]
    fn first(&self, key: u64) -> u64 {
        self.keys[self.slot(key)]
    }

    /// Finishes a lookup given the home slot's key.
    #[inline]
    fn finish(&self, key: u64, first: u64) -> Option<u32> {
        let mask = self.keys.len() - 1;
        let mut slot = self.slot(key);
        let mut found = first;
        loop {
            if found == key {
                return Some(self.vals[slot]);
            }
            if found == EMPTY {
                return None;
            }
            slot = (slot + 1) & mask;
            found = self.keys[slot];
        }
    }

    pub fn get(&self, key: u64) -> Option<u32> {
        if self.keys.is_empty() {
            return None;
        }
        self.finish(key, self.first(key))
    }
}

/// One person's accumulator for one dataset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Acc {
    a: i64,
    n: u32,
    m: u32,
}

/// What one dataset gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetStats {
    pub file: String,
    pub rows: u64,
    pub rejected: u64,
    pub matches: u64,
}

pub use jiuzhu_domain::verification::HouseholdSums;

/// The result of a run.
#[derive(Debug, Default)]
pub struct Verification {
    pub households: Vec<HouseholdSums>,
    pub datasets: BTreeMap<Kind, DatasetStats>,
    pub errors: Vec<RowError>,
    pub members: usize,
}

/// Per-person totals after every dataset.
#[derive(Debug, Clone, Copy, Default)]
struct Person {
    wage: i64,
    pension: i64,
    vehicles: u32,
    homes: u32,
    area: i64,
    other: u32,
    businesses: u32,
    deposits: i64,
    deceased: bool,
    payroll: bool,
}

pub use jiuzhu_domain::verification::average_fen as average;

/// Size of the blocks a file is read in.
const BLOCK: usize = 4 << 20;

/// The department file of `kind` in `dir`, if supplied.
pub fn dataset_file(dir: &Path, kind: Kind) -> Option<PathBuf> {
    ["csv", "xlsx"].iter().map(|ext| dir.join(format!("{}.{ext}", kind.stem()))).find(|p| p.exists())
}

/// Matches the department files in `dir` against `members` and sums per
/// household. `progress` is told `(datasets done, datasets)`.
pub fn verify_dir(
    members: &Members,
    dir: &Path,
    progress: &mut dyn FnMut(usize, usize, Kind),
) -> Result<Verification, VerifyError> {
    Ok(scheduled(dir, progress, || Ok((members, Vec::new())))?.1)
}

/// Reads the members file ([`read_members`]) and verifies the department
/// files in `dir` against it ([`verify_dir`]), the members' rejected rows
/// first among the errors. The members are read while the xlsx files are
/// already being parsed.
pub fn verify_files(
    members: &Path,
    dir: &Path,
    progress: &mut dyn FnMut(usize, usize, Kind),
) -> Result<(Members, Verification), VerifyError> {
    scheduled(dir, progress, || read_members(members))
}

/// The work of every file at once: the xlsx sheets are inflated and parsed
/// one after another on a thread of their own from the start (one core's
/// work that needs no members; one sheet's shared strings in memory at a
/// time), beside the loading of the members (`load`) and then beside the
/// CSV files, which stream one after another through one worker per core;
/// the sheets' rows are matched once the members are in. An error of
/// either side is returned once the sheet thread has stopped (it stops
/// before its next sheet when the other side failed).
fn scheduled<M: std::borrow::Borrow<Members> + Send>(
    dir: &Path,
    progress: &mut dyn FnMut(usize, usize, Kind),
    load: impl FnOnce() -> Result<(M, Vec<RowError>), VerifyError>,
) -> Result<(M, Verification), VerifyError> {
    let kinds: Vec<(Kind, PathBuf)> = Kind::ALL.iter().filter_map(|k| dataset_file(dir, *k).map(|p| (*k, p))).collect();
    let total = kinds.len();
    let is_xlsx = |p: &Path| p.extension().is_some_and(|e| e == "xlsx");
    let (sheet_files, csv_files): (Vec<_>, Vec<_>) = kinds.iter().partition(|(_, path)| is_xlsx(path));
    let failed = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let sheet_thread = scope.spawn(|| -> Result<Vec<(Kind, SheetRows)>, VerifyError> {
            let mut sheets = Vec::with_capacity(sheet_files.len());
            for (kind, path) in &sheet_files {
                if failed.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                sheets.push((*kind, parse_xlsx(*kind, path)?));
            }
            Ok(sheets)
        });
        let mut done = 0;
        let csv = (|| -> Result<_, VerifyError> {
            let (members, member_errors) = load()?;
            let m: &Members = members.borrow();
            let mut persons = vec![Person::default(); m.person_count()];
            let mut found: BTreeMap<Kind, (DatasetStats, Vec<RowError>)> = BTreeMap::new();
            for (kind, path) in &csv_files {
                progress(done, total, *kind);
                let (accs, stats, errors) = scan(*kind, path, m)?;
                fold(*kind, &mut persons, &accs);
                found.insert(*kind, (stats, errors));
                done += 1;
            }
            Ok((members, member_errors, persons, found))
        })();
        if csv.is_err() {
            failed.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let sheets = sheet_thread.join().unwrap_or_else(|_| {
            let files: Vec<String> = sheet_files.iter().map(|(_, p)| p.display().to_string()).collect();
            Err(VerifyError::Unreadable { file: files.join(", "), detail: "the xlsx reader panicked".into() })
        });
        let (members, member_errors, mut persons, mut found) = csv?;
        let m: &Members = members.borrow();
        for (kind, sheet) in sheets? {
            progress(done, total, kind);
            let (accs, stats, errors) = sheet.match_members(kind, m);
            fold(kind, &mut persons, &accs);
            found.insert(kind, (stats, errors));
            done += 1;
        }
        progress(total, total, Kind::PublicPayroll);
        let mut result = Verification { members: m.person_count(), errors: member_errors, ..Default::default() };
        for (kind, (stats, errors)) in found {
            result.datasets.insert(kind, stats);
            result.errors.extend(errors);
        }
        result.households = household_sums(m, &persons);
        Ok((members, result))
    })
}

/// Folds one dataset's per-person accumulators into the person totals.
fn fold(kind: Kind, persons: &mut [Person], accs: &[Acc]) {
    for (p, acc) in persons.iter_mut().zip(accs) {
        match kind {
            Kind::SocialInsurance => p.wage = average(acc.a, acc.n),
            Kind::Pension => p.pension = average(acc.a, acc.n),
            Kind::Vehicle => p.vehicles = acc.n,
            Kind::RealEstate => {
                p.homes = acc.n;
                p.area = acc.a;
                p.other = acc.m;
            }
            Kind::Business => p.businesses = acc.n,
            Kind::Deposit => p.deposits = acc.a,
            Kind::Death => p.deceased = acc.n > 0,
            Kind::PublicPayroll => p.payroll = acc.n > 0,
        }
    }
}

/// Sums the person totals per household, each member once.
fn household_sums(members: &Members, persons: &[Person]) -> Vec<HouseholdSums> {
    let mut households: Vec<HouseholdSums> =
        members.households.iter().map(|h| HouseholdSums { household_id: h.clone(), ..Default::default() }).collect();
    for &(h, p) in &members.memberships {
        let sums = &mut households[h as usize];
        let person = &persons[p as usize];
        sums.members += 1;
        sums.wage_fen += person.wage;
        sums.pension_fen += person.pension;
        sums.vehicles += person.vehicles;
        sums.homes += person.homes;
        sums.home_area_centi_m2 += person.area;
        sums.other_properties += person.other;
        sums.businesses += person.businesses;
        sums.deposits_fen += person.deposits;
        sums.deceased += u32::from(person.deceased);
        sums.public_payroll += u32::from(person.payroll);
    }
    households
}

/// Adds a member's row to the accumulator.
#[inline]
fn apply(kind: Kind, row: Parsed, acc: &mut Acc) {
    match kind {
        Kind::SocialInsurance | Kind::Pension | Kind::Deposit => {
            acc.a += row.amount;
            acc.n += 1;
        }
        Kind::Vehicle | Kind::Business => acc.n += u32::from(row.flag),
        Kind::RealEstate if row.flag => {
            acc.n += 1;
            acc.a += row.amount;
        }
        Kind::RealEstate => acc.m += 1,
        Kind::Death | Kind::PublicPayroll => acc.n += 1,
    }
}

/// One stored department record reduced to what the sums read: the
/// person's packed ID number, the amount column (fen, or hundredths of m²),
/// and the category value a value set classifies.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub key: u64,
    pub amount: i64,
    pub category: &'a str,
}

/// The engine over records that are already parsed (department data stored
/// in the database): the same accumulators, folding and household sums as
/// [`verify_dir`], fed one dataset at a time.
pub struct Tally<'m> {
    members: &'m Members,
    persons: Vec<Person>,
    accs: Vec<Acc>,
}

impl<'m> Tally<'m> {
    pub fn new(members: &'m Members) -> Tally<'m> {
        let n = members.person_count();
        Tally { members, persons: vec![Person::default(); n], accs: Vec::new() }
    }

    /// Starts a dataset: records given to [`Tally::add`] until the next
    /// `begin` or [`Tally::finish`] belong to it.
    pub fn begin(&mut self, kind: Kind) -> Dataset<'_, 'm> {
        self.accs.clear();
        self.accs.resize(self.members.person_count(), Acc::default());
        Dataset { tally: self, kind, matches: 0 }
    }

    /// The household sums, in household order.
    pub fn finish(self) -> Vec<HouseholdSums> {
        household_sums(self.members, &self.persons)
    }
}

/// A dataset being fed to a [`Tally`].
pub struct Dataset<'t, 'm> {
    tally: &'t mut Tally<'m>,
    kind: Kind,
    matches: u64,
}

impl Dataset<'_, '_> {
    /// Adds one record; records of people who are not members are ignored.
    pub fn add(&mut self, record: Record<'_>) {
        if let Some(p) = self.tally.members.table.get(record.key) {
            let flag = jiuzhu_domain::dataset::counts(self.kind.dataset(), record.category);
            apply(self.kind, Parsed { key: record.key, amount: record.amount, flag }, &mut self.tally.accs[p as usize]);
            self.matches += 1;
        }
    }

    /// Folds the dataset into the totals; returns the number of matches.
    pub fn end(self) -> u64 {
        fold(self.kind, &mut self.tally.persons, &self.tally.accs);
        self.matches
    }
}

/// Value sets as bytes in both encodings: a value matches in whichever
/// encoding the file turns out to use.
struct Matchers {
    values: Vec<Vec<u8>>,
}

impl Matchers {
    fn new(list: &[&str]) -> Matchers {
        let values = list.iter().flat_map(|v| [Encoding::Utf8.encode(v), Encoding::Gb18030.encode(v)]).collect();
        Matchers { values }
    }

    fn contains(&self, field: &[u8]) -> bool {
        let f = field.trim_ascii();
        self.values.iter().any(|v| v.as_slice() == f)
    }
}

/// Looks a batch of rows up with their table loads issued together, and
/// adds the members' rows; returns the number of matches.
fn apply_batch(kind: Kind, table: &KeyTable, batch: &[Parsed], firsts: &mut Vec<u64>, accs: &mut [Acc]) -> u64 {
    if table.keys.is_empty() {
        return 0;
    }
    firsts.clear();
    firsts.extend(batch.iter().map(|r| table.first(r.key)));
    let mut matches = 0;
    for (row, first) in batch.iter().zip(firsts.iter()) {
        if let Some(p) = table.finish(row.key, *first) {
            apply(kind, *row, &mut accs[p as usize]);
            matches += 1;
        }
    }
    matches
}

/// What a worker needs to interpret rows of one file.
struct Interpreter {
    kind: Kind,
    encoding: Encoding,
    /// Column index of each needed column, in `Kind::columns` order, then
    /// the date column when the file has one.
    cols: Vec<usize>,
    /// Whether `cols` ends with a date column, and whether it is a month.
    date: Option<bool>,
    headers: Vec<String>,
    matchers: Matchers,
    file: String,
}

/// One row reduced to what the sums need.
#[derive(Debug, Clone, Copy, Default)]
struct Parsed {
    key: u64,
    /// Fen, or hundredths of m² for real estate.
    amount: i64,
    /// Vehicle counts as a car, property is a home, business is active.
    flag: bool,
}

impl Interpreter {
    /// Reads one row, validating every field the sums use, for every row
    /// whether or not it concerns a member.
    fn parse(&self, fields: &[&[u8]]) -> Result<Parsed, (usize, Message)> {
        let field = |i: usize| fields.get(self.cols[i]).copied().unwrap_or(b"");
        let key = parse::id_key(field(0), self.encoding).map_err(|m| (0, m))?;
        let (amount, flag) = match self.kind {
            Kind::SocialInsurance | Kind::Pension | Kind::Deposit => {
                (parse::fen(field(1), self.encoding).map_err(|m| (1, m))?, false)
            }
            Kind::RealEstate => {
                (parse::area(field(2), self.encoding).map_err(|m| (2, m))?, self.matchers.contains(field(1)))
            }
            Kind::Vehicle => (0, !self.matchers.contains(field(1))),
            Kind::Business => (0, self.matchers.contains(field(1))),
            Kind::Death | Kind::PublicPayroll => (0, false),
        };
        if let Some(month) = self.date {
            let col = self.cols.len() - 1;
            if !parse::is_date(field(col), month, self.encoding) {
                return Err((
                    col,
                    Message::new("verify.error.bad_date").arg("value", parse::shown(field(col), self.encoding)),
                ));
            }
        }
        Ok(Parsed { key, amount, flag })
    }

    fn error(&self, line: usize, col: usize, message: Message) -> RowError {
        RowError {
            file: self.file.clone(),
            line,
            column: self.headers.get(self.cols[col]).cloned().unwrap_or_default(),
            message,
        }
    }
}

fn interpreter(kind: Kind, file: String, header_line: &[u8], encoding: Encoding) -> Result<Interpreter, VerifyError> {
    let header_text = encoding.decode(header_line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header_line));
    let mut raw = [&b""[..]; 64];
    let bytes = header_text.as_bytes();
    let n = parse::split_fields(bytes, &mut raw).min(64);
    let headers: Vec<String> = raw[..n].iter().map(|h| String::from_utf8_lossy(h).into_owned()).collect();
    interpreter_for(kind, file, headers, encoding)
}

/// The interpreter of a file whose header cells are `headers`.
fn interpreter_for(
    kind: Kind,
    file: String,
    headers: Vec<String>,
    encoding: Encoding,
) -> Result<Interpreter, VerifyError> {
    let keys: Vec<String> = headers.iter().map(|h| jiuzhu_domain::text::header_key(h)).collect();
    let mut cols = Vec::new();
    for column in kind.columns() {
        match keys.iter().position(|k| column.matches(k)) {
            Some(idx) => cols.push(idx),
            None => {
                return Err(VerifyError::MissingColumn {
                    file,
                    column: format!("{}（{}）", column.name, column.aliases.first().unwrap_or(&"")),
                });
            }
        }
    }
    let mut date = None;
    if let Some((column, month)) = dataset::date_column(kind)
        && let Some(idx) = keys.iter().position(|k| column.matches(k))
    {
        cols.push(idx);
        date = Some(month);
    }
    let list: &[&str] = match kind {
        Kind::Vehicle => EXEMPT_VEHICLES,
        Kind::RealEstate => RESIDENTIAL,
        Kind::Business => ACTIVE_BUSINESS,
        _ => &[],
    };
    Ok(Interpreter { kind, encoding, cols, date, headers, matchers: Matchers::new(list), file })
}

type ScanResult = (Vec<Acc>, DatasetStats, Vec<RowError>);

/// Streams one CSV department file through one worker per core.
fn scan(kind: Kind, path: &Path, members: &Members) -> Result<ScanResult, VerifyError> {
    let file = path.display().to_string();
    let io = |source| VerifyError::Io { path: file.clone(), source };
    let mut reader = BufReader::with_capacity(1 << 20, std::fs::File::open(path).map_err(io)?);
    let mut header = Vec::new();
    reader.read_until(b'\n', &mut header).map_err(io)?;
    let header = header.strip_suffix(b"\n").unwrap_or(&header);
    // The encoding shows in the header or the first megabyte of rows (a
    // header in English says nothing about the values below it).
    let sample = reader.fill_buf().map_err(io)?;
    let encoding = match (Encoding::detect(header), Encoding::detect(sample)) {
        (Encoding::Utf8, Encoding::Utf8) => Encoding::Utf8,
        _ => Encoding::Gb18030,
    };
    let interp = interpreter(kind, file.clone(), header, encoding)?;

    // Blocks cut at line ends, each with the line number of its first line.
    struct Source<R> {
        reader: R,
        carry: Vec<u8>,
        next_line: usize,
        done: bool,
    }
    let source = Mutex::new(Source { reader, carry: Vec::new(), next_line: 2, done: false });
    let next_block = || -> Result<Option<(usize, Vec<u8>)>, std::io::Error> {
        let mut s = source.lock().unwrap_or_else(|e| e.into_inner());
        if s.done {
            return Ok(None);
        }
        let mut block = std::mem::take(&mut s.carry);
        let start = block.len();
        block.resize(start + BLOCK, 0);
        let mut filled = start;
        while filled < block.len() {
            let n = s.reader.read(&mut block[filled..])?;
            if n == 0 {
                s.done = true;
                break;
            }
            filled += n;
        }
        block.truncate(filled);
        if !s.done
            && let Some(cut) = memchr::memrchr(b'\n', &block)
        {
            s.carry = block[cut + 1..].to_vec();
            block.truncate(cut + 1);
        }
        let first = s.next_line;
        s.next_line += memchr::memchr_iter(b'\n', &block).count();
        if s.done && !block.is_empty() && block.last() != Some(&b'\n') {
            s.next_line += 1;
        }
        Ok(if block.is_empty() { None } else { Some((first, block)) })
    };

    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let n_persons = members.person_count();
    let results: Vec<Result<ScanResult, std::io::Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> Result<ScanResult, std::io::Error> {
                    let mut accs = vec![Acc::default(); n_persons];
                    let mut stats = DatasetStats::default();
                    let mut errors = Vec::new();
                    const BATCH: usize = 256;
                    let mut batch: Vec<Parsed> = Vec::with_capacity(BATCH);
                    let mut firsts: Vec<u64> = Vec::with_capacity(BATCH);
                    let wanted = interp.cols.iter().max().map_or(1, |m| m + 1).min(64);
                    while let Some((first_line, block)) = next_block()? {
                        let mut fields = [&b""[..]; 64];
                        let mut start = 0;
                        let mut offset = 0;
                        let mut ends = memchr::memchr_iter(b'\n', &block).chain(std::iter::once(block.len()));
                        while start < block.len() {
                            let end = ends.next().unwrap_or(block.len());
                            let line = &block[start..end];
                            start = end + 1;
                            offset += 1;
                            if line.is_empty() || line == b"\r" {
                                continue;
                            }
                            stats.rows += 1;
                            let n = parse::split_fields(line, &mut fields[..wanted]).min(wanted);
                            match interp.parse(&fields[..n]) {
                                Ok(parsed) => {
                                    batch.push(parsed);
                                    if batch.len() == BATCH {
                                        stats.matches +=
                                            apply_batch(kind, &members.table, &batch, &mut firsts, &mut accs);
                                        batch.clear();
                                    }
                                }
                                // A row of empty cells (`,,,`, as Excel leaves
                                // them) is no row, as for the table reader.
                                Err(_) if parse::is_blank_line(line) => {
                                    stats.rows -= 1;
                                }
                                Err((col, message)) => {
                                    stats.rejected += 1;
                                    if errors.len() < ERRORS_LISTED {
                                        errors.push(interp.error(first_line + offset - 1, col, message));
                                    }
                                }
                            }
                        }
                    }
                    stats.matches += apply_batch(kind, &members.table, &batch, &mut firsts, &mut accs);
                    Ok((accs, stats, errors))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(std::io::Error::other("worker panicked"))))
            .collect()
    });

    let mut total = vec![Acc::default(); n_persons];
    let mut stats = DatasetStats { file: file.clone(), ..Default::default() };
    let mut errors = Vec::new();
    for res in results {
        let (accs, s, e) = res.map_err(io)?;
        for (t, a) in total.iter_mut().zip(accs) {
            t.a += a.a;
            t.n += a.n;
            t.m += a.m;
        }
        stats.rows += s.rows;
        stats.rejected += s.rejected;
        stats.matches += s.matches;
        errors.extend(e);
    }
    // Each worker listed its first rows; the file's first are kept.
    errors.sort_by_key(|e| e.line);
    errors.truncate(ERRORS_LISTED);
    Ok((total, stats, errors))
}

/// An xlsx sheet's rows, parsed and validated but not yet matched (that
/// needs the members): 24 bytes a row; Excel stops at 1,048,576 rows and
/// the stream refuses more than `jiuzhu_files::limits::MAX_ROWS` (2
/// million: 48 MB).
struct SheetRows {
    rows: Vec<Parsed>,
    stats: DatasetStats,
    errors: Vec<RowError>,
}

impl SheetRows {
    /// Adds the members' rows to fresh accumulators.
    fn match_members(self, kind: Kind, members: &Members) -> ScanResult {
        let mut accs = vec![Acc::default(); members.person_count()];
        let mut stats = self.stats;
        let mut firsts = Vec::with_capacity(256);
        for batch in self.rows.chunks(256) {
            stats.matches += apply_batch(kind, &members.table, batch, &mut firsts, &mut accs);
        }
        (accs, stats, self.errors)
    }
}

/// Turns a sheet's rows, header first, into [`SheetRows`].
struct SheetParser {
    kind: Kind,
    interp: Option<Interpreter>,
    sheet: SheetRows,
}

impl SheetParser {
    fn new(kind: Kind, file: &str) -> SheetParser {
        let stats = DatasetStats { file: file.to_string(), ..Default::default() };
        SheetParser { kind, interp: None, sheet: SheetRows { rows: Vec::new(), stats, errors: Vec::new() } }
    }

    fn row(&mut self, line: usize, cells: &[String]) -> Result<(), VerifyError> {
        let Some(interp) = &self.interp else {
            let file = self.sheet.stats.file.clone();
            self.interp = Some(interpreter_for(self.kind, file, cells.to_vec(), Encoding::Utf8)?);
            return Ok(());
        };
        self.sheet.stats.rows += 1;
        // A row's fields in place, or (a sheet of more than 64 columns,
        // up to the table's 200) in a vector.
        let mut fields = [&b""[..]; 64];
        let wide: Vec<&[u8]>;
        let fields: &[&[u8]] = if cells.len() <= fields.len() {
            for (field, cell) in fields.iter_mut().zip(cells) {
                *field = cell.as_bytes();
            }
            &fields[..cells.len()]
        } else {
            wide = cells.iter().map(|c| c.as_bytes()).collect();
            &wide
        };
        match interp.parse(fields) {
            Ok(parsed) => self.sheet.rows.push(parsed),
            Err((col, message)) => {
                self.sheet.stats.rejected += 1;
                if self.sheet.errors.len() < ERRORS_LISTED {
                    self.sheet.errors.push(interp.error(line, col, message));
                }
            }
        }
        Ok(())
    }
}

/// Parses an xlsx department file row by row as it inflates
/// ([`jiuzhu_files::stream_xlsx`]); a sheet not written in row order is
/// read whole instead, which orders its rows.
fn parse_xlsx(kind: Kind, path: &Path) -> Result<SheetRows, VerifyError> {
    let file = path.display().to_string();
    let io = |source| VerifyError::Io { path: file.clone(), source };
    let unreadable = |e: jiuzhu_files::TableError| VerifyError::Unreadable {
        file: file.clone(),
        detail: e.to_problem().render(Lang::Zh),
    };
    let mut parser = SheetParser::new(kind, &file);
    let mut failed: Option<VerifyError> = None;
    let reader = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path).map_err(io)?);
    let streamed = jiuzhu_files::stream_xlsx(reader, |line, cells| {
        parser.row(line, cells).map_err(|e| {
            failed = Some(e);
            // Stops the stream; `failed` is what is reported.
            jiuzhu_files::TableError::Empty
        })
    });
    if let Some(e) = failed {
        return Err(e);
    }
    if streamed.map_err(unreadable)? == jiuzhu_files::Streamed::OutOfOrder {
        let table = jiuzhu_files::read_table(&std::fs::read(path).map_err(io)?).map_err(unreadable)?;
        parser = SheetParser::new(kind, &file);
        parser.row(table.header_line, &table.headers)?;
        for (line, cells) in &table.rows {
            parser.row(*line, cells)?;
        }
    }
    match parser.interp {
        Some(_) => Ok(parser.sheet),
        None => Err(unreadable(jiuzhu_files::TableError::Empty)),
    }
}

/// The report's header, in the order of `verification.md`.
pub const REPORT_COLUMNS: &str = "household_id,members,wage_fen,pension_fen,vehicles,homes,home_area_m2,other_properties,businesses,deposits_fen,deceased,public_payroll";

/// Writes the report: one row per household, sorted by household number.
pub fn write_report(out: &mut impl Write, households: &[HouseholdSums]) -> std::io::Result<()> {
    writeln!(out, "{REPORT_COLUMNS}")?;
    let mut line = Vec::with_capacity(128);
    for h in households {
        let id = csv_text(&h.household_id);
        line.clear();
        line.extend_from_slice(id.as_bytes());
        for (idx, v) in [
            i64::from(h.members),
            h.wage_fen,
            h.pension_fen,
            i64::from(h.vehicles),
            i64::from(h.homes),
            h.home_area_centi_m2,
            i64::from(h.other_properties),
            i64::from(h.businesses),
            h.deposits_fen,
            i64::from(h.deceased),
            i64::from(h.public_payroll),
        ]
        .into_iter()
        .enumerate()
        {
            line.push(b',');
            if idx == 5 {
                push_int(&mut line, v / 100);
                line.push(b'.');
                line.push(b'0' + (v % 100 / 10) as u8);
                line.push(b'0' + (v % 10) as u8);
            } else {
                push_int(&mut line, v);
            }
        }
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}

/// Appends a non-negative integer's decimal digits (sums are never negative;
/// a negative one is written with its sign).
fn push_int(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    let mut n = v.unsigned_abs();
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Writes the rejected rows: file, line, column, reason (in `lang`).
pub fn write_errors(out: &mut impl Write, errors: &[RowError], lang: Lang) -> std::io::Result<()> {
    writeln!(out, "file,line,column,reason")?;
    for e in errors {
        let quote = |s: &str| {
            let text = csv_text(s);
            if text.starts_with('"') { text } else { format!("\"{text}\"") }
        };
        writeln!(out, "{},{},{},{}", quote(&e.file), e.line, quote(&e.column), quote(&e.message.render(lang)))?;
    }
    Ok(())
}

/// A text field of a CSV report, safe to open in a spreadsheet: a value
/// that Excel, WPS or LibreOffice would run as a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as
/// OWASP recommends, and is quoted; a value with a comma, quote or line
/// break is quoted. Only text goes through here: the numeric columns are
/// written as numbers (a negative amount stays a number).
pub fn csv_text(value: &str) -> String {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula {
        format!("\"'{}\"", value.replace('"', "\"\""))
    } else if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}
