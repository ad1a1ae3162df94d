//! The bank's return (回盘文件) read into reconciliation's lines.
//!
//! Read the way real returns arrive (`datasets.md`): CSV in GBK or UTF-8 or
//! an xlsx workbook whatever the layout says (detected by
//! [`crate::table::read_table`]), or fixed-width text cut at the layout's
//! widths in its encoding. A file with a header is read by its titles
//! (spaces and full-width characters ignored, the layout's titles first,
//! then the titles banks use for the same column), after any title lines
//! above the header; one without by the layout's column order. A trailer
//! line (合计…) is recognised and its total and count are checked against
//! the lines. Every problem is listed with its line and column, in the
//! reader's language: an ID number or account that Excel turned into
//! `6.21700E+18`, an amount that is not one (`1,260.00` is), an unknown
//! result. The list stops at [`MAX_PROBLEMS`] with a count of the rest, and
//! the reading is bounded by [`crate::limits`], so a hostile file cannot
//! exhaust memory.

use std::borrow::Cow;

use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::{Message, Part};
use jiuzhu_domain::money::MoneyError;
use jiuzhu_domain::payment::account::AccountNumber;
use jiuzhu_domain::payment::layout::{BankField, BankFormat, BankLayout, TextEncoding};
use jiuzhu_domain::payment::reconcile::{BankResult, ReturnLine};
use jiuzhu_domain::text::{clean, header_key};
use jiuzhu_domain::{Fen, IdNumber};

use crate::limits::{Budget, Limit};
use crate::roster::{ColumnRef, Problem};
use crate::table::{TableError, read_table};

/// Most problems listed; the rest are counted.
pub const MAX_PROBLEMS: usize = 1_000;
/// Lines searched for the header (title lines may come first).
const HEADER_SEARCH: usize = 20;
/// The columns a return must have to be reconciled.
const NEEDED: [BankField; 5] =
    [BankField::Seq, BankField::IdNumber, BankField::Account, BankField::Amount, BankField::Result];
/// Characters kept of a name or a reason.
const KEEP_CHARS: usize = 200;

/// The trailer line: its line, the total and count it states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    pub line: usize,
    pub total: Fen,
    pub count: Option<usize>,
}

/// A return read without problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnFile {
    pub lines: Vec<ReturnLine>,
    pub trailer: Option<Trailer>,
    /// How the file was read, e.g. `csv/gb18030`, `xlsx`, `fixed/gbk`.
    pub format: &'static str,
}

impl ReturnFile {
    /// The sum of the lines' amounts.
    pub fn total(&self) -> Fen {
        Fen(self.lines.iter().map(|l| l.amount.0).sum())
    }
}

type Rows = Vec<(usize, Vec<String>)>;

/// Reads the bank's return of a file sent in `layout`.
pub fn parse_return(bytes: &[u8], layout: &BankLayout) -> Result<ReturnFile, Vec<Problem>> {
    let (rows, format) = if layout.format == BankFormat::FixedWidth && !bytes.starts_with(b"PK\x03\x04") {
        fixed_rows(bytes, layout)?
    } else {
        let table = read_table(bytes).map_err(|e| vec![e.to_problem()])?;
        let mut rows = Vec::with_capacity(table.rows.len() + 1);
        rows.push((table.header_line, table.headers));
        rows.extend(table.rows);
        (rows, table.format)
    };
    let (start, columns) = find_columns(&rows, layout)?;
    let mut problems = Problems::default();
    let mut lines = Vec::with_capacity(rows.len().saturating_sub(start));
    let mut trailer: Option<Trailer> = None;
    let mut after_trailer = false;
    for (line, cells) in &rows[start..] {
        if cells.iter().all(|c| clean(c).is_empty()) {
            continue;
        }
        if trailer.is_some() {
            if !after_trailer {
                after_trailer = true;
                problems.push(Problem {
                    line: Some(*line),
                    column: None,
                    message: Message::new("payment.return.after_trailer"),
                });
            }
            continue;
        }
        let row = Row { line: *line, cells, columns: &columns };
        if row.is_trailer() {
            trailer = row.trailer(&mut problems);
            continue;
        }
        if let Some(parsed) = row.parse(&mut problems) {
            lines.push(parsed);
        }
    }
    if problems.is_empty() {
        if lines.is_empty() {
            problems.push(Problem { line: None, column: None, message: Message::new("payment.return.no_lines") });
        }
        if let Some(t) = &trailer {
            let sum = Fen(lines.iter().map(|l| l.amount.0).sum());
            if t.total != sum {
                problems.push(Problem {
                    line: Some(t.line),
                    column: columns.get(BankField::Amount),
                    message: Message::new("payment.return.trailer_total").arg("found", t.total).arg("sum", sum),
                });
            }
            if let Some(count) = t.count.filter(|c| *c != lines.len()) {
                problems.push(Problem {
                    line: Some(t.line),
                    column: None,
                    message: Message::new("payment.return.trailer_count").arg("found", count).arg("count", lines.len()),
                });
            }
        }
    }
    if problems.is_empty() { Ok(ReturnFile { lines, trailer, format }) } else { Err(problems.finish()) }
}

/// Where each field is, by the file's header or the layout's order.
#[derive(Debug, Default)]
struct Columns([Option<ColumnRef>; 11]);

impl Columns {
    fn slot(field: BankField) -> usize {
        BankField::ALL.iter().position(|f| *f == field).unwrap_or(0)
    }

    fn get(&self, field: BankField) -> Option<ColumnRef> {
        self.0[Self::slot(field)].clone()
    }
}

/// The first data row's index in `rows` and the columns.
fn find_columns(rows: &Rows, layout: &BankLayout) -> Result<(usize, Columns), Vec<Problem>> {
    for (i, (line, cells)) in rows.iter().enumerate().take(HEADER_SEARCH) {
        let found: Vec<(BankField, ColumnRef)> = cells
            .iter()
            .enumerate()
            .filter_map(|(index, title)| {
                let key = header_key(title);
                if key.is_empty() {
                    return None;
                }
                let field = layout
                    .return_layout()
                    .find(|c| header_key(&c.title) == key)
                    .map(|c| c.field)
                    .or_else(|| BankField::parse(title))?;
                Some((field, ColumnRef { index, header: clean(title) }))
            })
            .collect();
        if NEEDED.iter().filter(|f| found.iter().any(|(g, _)| g == *f)).count() < 3 {
            continue;
        }
        let mut columns = Columns::default();
        let mut problems = Vec::new();
        for (field, column) in found {
            let slot = &mut columns.0[Columns::slot(field)];
            match slot {
                Some(first) => problems.push(Problem {
                    line: Some(*line),
                    column: Some(column.clone()),
                    message: Message::new("payment.return.column_twice")
                        .part("field", Part::Label(field.message_key()))
                        .arg("first", first.letter())
                        .arg("second", column.letter()),
                }),
                None => *slot = Some(column),
            }
        }
        for field in NEEDED {
            if columns.get(field).is_none() {
                problems.push(Problem {
                    line: Some(*line),
                    column: None,
                    message: Message::new("payment.return.missing_column")
                        .part("field", Part::Label(field.message_key())),
                });
            }
        }
        return if problems.is_empty() { Ok((i + 1, columns)) } else { Err(problems) };
    }
    if layout.header {
        return Err(vec![Problem {
            line: None,
            column: None,
            message: Message::new("payment.return.no_header").arg("rows", HEADER_SEARCH),
        }]);
    }
    let mut columns = Columns::default();
    for (index, column) in layout.return_layout().enumerate() {
        columns.0[Columns::slot(column.field)].get_or_insert(ColumnRef { index, header: column.title.clone() });
    }
    Ok((0, columns))
}

/// A fixed-width file's lines cut at the layout's widths (bytes of its
/// encoding), each cell decoded and trimmed.
fn fixed_rows(bytes: &[u8], layout: &BankLayout) -> Result<(Rows, &'static str), Vec<Problem>> {
    let widths: Vec<usize> = layout.return_layout().map(|c| usize::from(c.width.unwrap_or(0))).collect();
    let (bytes, format) = match layout.encoding {
        TextEncoding::Utf8 => (bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes), "fixed/utf-8"),
        TextEncoding::Gbk => (bytes, "fixed/gbk"),
        TextEncoding::Gb18030 => (bytes, "fixed/gb18030"),
    };
    let too_large = |limit: Limit| vec![TableError::TooLarge(limit).to_problem()];
    let mut budget = Budget::default();
    let mut rows = Vec::new();
    let mut problems = Problems::default();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        budget.row().map_err(too_large)?;
        let mut cells = Vec::with_capacity(widths.len());
        let mut pos = 0usize;
        for (index, width) in widths.iter().enumerate() {
            let from = pos.min(raw.len());
            let to = (pos + width).min(raw.len());
            pos += width;
            match decode(&raw[from..to], layout.encoding) {
                Some(text) => cells.push(text.trim().to_string()),
                None => {
                    problems.push(Problem {
                        line: Some(i + 1),
                        column: layout.return_layout().nth(index).map(|c| ColumnRef { index, header: c.title.clone() }),
                        message: Message::new("payment.return.cut_character"),
                    });
                    cells.push(String::new());
                }
            }
        }
        budget.cells(cells.len(), cells.iter().map(String::len).sum()).map_err(too_large)?;
        rows.push((i + 1, cells));
    }
    if problems.is_empty() { Ok((rows, format)) } else { Err(problems.finish()) }
}

fn decode(bytes: &[u8], encoding: TextEncoding) -> Option<String> {
    match encoding {
        TextEncoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_string),
        TextEncoding::Gbk | TextEncoding::Gb18030 => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(std::borrow::Cow::into_owned),
    }
}

/// Problems up to [`MAX_PROBLEMS`], the rest counted.
#[derive(Default)]
struct Problems {
    list: Vec<Problem>,
    more: usize,
}

impl Problems {
    fn push(&mut self, problem: Problem) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(problem);
        } else {
            self.more += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn finish(mut self) -> Vec<Problem> {
        if self.more > 0 {
            self.list.push(Problem {
                line: None,
                column: None,
                message: Message::new("payment.return.more").arg("n", self.more),
            });
        }
        self.list
    }
}

/// One line of the file with the columns found.
struct Row<'a> {
    line: usize,
    cells: &'a [String],
    columns: &'a Columns,
}

impl Row<'_> {
    /// A cell cleaned (half-width, trimmed, without invisible controls);
    /// ASCII, the most of a return, without a copy.
    fn cell(&self, field: BankField) -> Cow<'_, str> {
        let slot = self.columns.0[Columns::slot(field)].as_ref();
        match slot.and_then(|c| self.cells.get(c.index)) {
            Some(c) if c.is_ascii() => Cow::Borrowed(c.trim()),
            Some(c) => Cow::Owned(clean(c)),
            None => Cow::Borrowed(""),
        }
    }

    fn problem(&self, field: BankField, message: Message) -> Problem {
        Problem { line: Some(self.line), column: self.columns.get(field), message }
    }

    fn empty(&self, field: BankField) -> Problem {
        self.problem(field, Message::new("payment.return.empty").part("field", Part::Label(field.message_key())))
    }

    /// 合计 (or 总计) in the first filled cell.
    fn is_trailer(&self) -> bool {
        let first = self.cells.iter().map(|c| c.trim()).find(|c| !c.is_empty());
        // Most lines start with a number: no copy for them.
        first.is_some_and(|c| !c.is_ascii()) && {
            let key = self.cells.iter().map(|c| header_key(c)).find(|k| !k.is_empty()).unwrap_or_default();
            key.starts_with("合计") || key.starts_with("总计")
        }
    }

    fn trailer(&self, problems: &mut Problems) -> Option<Trailer> {
        let raw = self.cell(BankField::Amount);
        let total = match Fen::parse_yuan(&raw) {
            Ok(total) => total,
            Err(_) => {
                problems.push(
                    self.problem(BankField::Amount, Message::new("payment.return.trailer_unreadable").arg("raw", raw)),
                );
                return None;
            }
        };
        let labelled = self.cells.iter().find_map(|c| {
            let c = clean(c);
            let rest = c.strip_prefix("笔数").or_else(|| c.strip_prefix("总笔数"))?;
            rest.trim_start_matches([':', '：', ' ']).trim_end_matches('笔').parse::<usize>().ok()
        });
        let after_amount = self
            .columns
            .get(BankField::Amount)
            .and_then(|c| self.cells.get(c.index + 1))
            .and_then(|c| clean(c).trim_end_matches('笔').parse::<usize>().ok());
        Some(Trailer { line: self.line, total, count: labelled.or(after_amount) })
    }

    fn parse(&self, problems: &mut Problems) -> Option<ReturnLine> {
        let before = problems.list.len() + problems.more;
        let raw = self.cell(BankField::Seq);
        let seq = match raw.parse::<u32>() {
            Ok(seq) if seq > 0 => seq,
            _ if raw.is_empty() => {
                problems.push(self.empty(BankField::Seq));
                0
            }
            _ => {
                problems.push(self.problem(BankField::Seq, Message::new("payment.return.seq").arg("raw", &raw)));
                0
            }
        };
        let id_number = IdNumber::parse(&self.cell(BankField::IdNumber))
            .map_err(|e| problems.push(self.problem(BankField::IdNumber, e.to_message())))
            .ok();
        let raw = self.cell(BankField::Account);
        let account = if raw.to_ascii_uppercase().contains("E+") || raw.contains('.') {
            problems.push(
                self.problem(BankField::Account, Message::new("payment.return.account_scientific").arg("raw", &raw)),
            );
            None
        } else {
            AccountNumber::parse(&raw).map_err(|e| problems.push(self.problem(BankField::Account, e.message()))).ok()
        };
        let raw = self.cell(BankField::Amount);
        let amount = match Fen::parse_yuan(&raw) {
            Ok(amount) if amount.0 > 0 => Some(amount),
            Ok(_) => {
                problems.push(
                    self.problem(
                        BankField::Amount,
                        Message::new("payment.return.amount_not_positive").arg("raw", &raw),
                    ),
                );
                None
            }
            Err(MoneyError::Empty) => {
                problems.push(self.empty(BankField::Amount));
                None
            }
            Err(_) => {
                problems.push(self.problem(BankField::Amount, Message::new("payment.return.amount").arg("raw", &raw)));
                None
            }
        };
        let raw = self.cell(BankField::Period);
        let period = if raw.is_empty() {
            None
        } else {
            let period = YearMonth::parse(&raw);
            if period.is_none() {
                problems.push(self.problem(BankField::Period, Message::new("payment.return.period").arg("raw", &raw)));
            }
            period
        };
        let raw = self.cell(BankField::Result);
        let result = match result(&raw) {
            Some(true) => Some(BankResult::Paid),
            Some(false) => Some(BankResult::Failed { reason: keep(&self.cell(BankField::Reason)) }),
            None if raw.is_empty() => {
                problems.push(self.empty(BankField::Result));
                None
            }
            None => {
                problems.push(self.problem(BankField::Result, Message::new("payment.return.result").arg("raw", &raw)));
                None
            }
        };
        if problems.list.len() + problems.more != before {
            return None;
        }
        Some(ReturnLine {
            line: self.line,
            seq,
            name: keep(&self.cell(BankField::Name)),
            id_number: id_number?,
            account: account?.as_str().to_string(),
            period,
            amount: amount?,
            result: result?,
        })
    }
}

/// The first [`KEEP_CHARS`] characters.
fn keep(text: &str) -> String {
    text.chars().take(KEEP_CHARS).collect()
}

/// 成功 (true), 失败 (false), as banks write them.
fn result(raw: &str) -> Option<bool> {
    match raw {
        "成功" => return Some(true),
        "失败" => return Some(false),
        _ => {}
    }
    let key = header_key(raw);
    const PAID: &[&str] =
        &["成功", "交易成功", "处理成功", "代发成功", "入账成功", "已入账", "success", "succeeded", "s"];
    const FAILED: &[&str] =
        &["失败", "交易失败", "处理失败", "代发失败", "入账失败", "未入账", "fail", "failed", "failure", "f"];
    if PAID.contains(&key.as_str()) {
        Some(true)
    } else if FAILED.contains(&key.as_str()) {
        Some(false)
    } else {
        None
    }
}
