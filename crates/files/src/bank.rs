//! The file sent to the paying bank (代发文件) and the bank's return (回盘文件),
//! in the layout of `jiuzhu_domain::payment::layout` (`payments.md`).
//!
//! [`render`] writes an approved roll's lines: amounts in 元 with two
//! decimals and no grouping, ID numbers and accounts as text (text cells in
//! xlsx), the trailer `合计,,,,,,,<total>,笔数:<n>`, CRLF line ends. The
//! same lines give the **same bytes** every time: nothing depends on the
//! clock (an xlsx's creation time is the first day of the roll's latest
//! month). The file's SHA-256, line count and total are returned to be
//! recorded with the roll. A value the layout cannot hold (a character GBK
//! lacks, a value wider than its fixed-width column, a line break) is a
//! problem naming the line and column, never a silently changed file. CSV
//! cells are quoted where needed and a text that a spreadsheet would run as
//! a formula gets a leading `'`, as the verification report's CSV does.
//!
//! [`parse_return`] reads the bank's return: see [`returns`].

use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::{Message, Part};
use jiuzhu_domain::payment::layout::{BankField, BankFormat, BankLayout, TextEncoding};
use jiuzhu_domain::payment::reconcile::RollEntry;
use jiuzhu_domain::{Fen, IdNumber};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use sha2::{Digest, Sha256};

use crate::roster::{ColumnRef, Problem};

pub mod returns;

pub use returns::{ReturnFile, Trailer, parse_return};

/// One line of an approved roll, as the bank is told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankLine {
    pub seq: u32,
    pub name: String,
    pub id_number: IdNumber,
    /// Digits only.
    pub account: String,
    pub bank: String,
    /// The programme in words, e.g. `最低生活保障金`.
    pub item: String,
    pub period: YearMonth,
    pub amount: Fen,
    /// E.g. `2026年12月低保金`.
    pub memo: String,
}

impl BankLine {
    /// What reconciliation checks the bank's return against.
    pub fn roll_entry(&self) -> RollEntry {
        RollEntry {
            seq: self.seq,
            name: self.name.clone(),
            id_number: self.id_number,
            account: self.account.clone(),
            amount: self.amount,
        }
    }

    /// The value of one column, as written in a text file.
    fn text(&self, field: BankField) -> String {
        let mut cell = String::new();
        self.write(field, &mut cell);
        cell
    }

    /// Appends the value of one column to `cell`.
    fn write(&self, field: BankField, cell: &mut String) {
        use std::fmt::Write as _;
        let text = match field {
            BankField::Name => &self.name,
            BankField::IdNumber => self.id_number.as_str(),
            BankField::Account => &self.account,
            BankField::Bank => &self.bank,
            BankField::Item => &self.item,
            BankField::Memo => &self.memo,
            BankField::Seq => {
                let _ = write!(cell, "{}", self.seq);
                return;
            }
            BankField::Period => {
                let _ = write!(cell, "{}", self.period.yyyymm());
                return;
            }
            BankField::Amount => {
                let fen = self.amount.0.unsigned_abs();
                let sign = if self.amount.0 < 0 { "-" } else { "" };
                let _ = write!(cell, "{sign}{}.{:02}", fen / 100, fen % 100);
                return;
            }
            BankField::Result | BankField::Reason => return,
        };
        cell.push_str(text);
    }
}

/// A bank file and what is recorded with the roll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankFile {
    pub bytes: Vec<u8>,
    /// Lower-case hex.
    pub sha256: String,
    pub lines: usize,
    pub total: Fen,
}

/// The file name's extension for a layout: `csv`, `txt` or `xlsx`.
pub fn extension(layout: &BankLayout) -> &'static str {
    match layout.format {
        BankFormat::Csv => "csv",
        BankFormat::FixedWidth => "txt",
        BankFormat::Xlsx => "xlsx",
    }
}

/// The MIME type of a layout's file.
pub fn content_type(layout: &BankLayout) -> &'static str {
    match layout.format {
        BankFormat::Csv => "text/csv",
        BankFormat::FixedWidth => "text/plain",
        BankFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
}

/// Writes the bank file of `lines` in `layout`; every problem if any line
/// cannot be written (or the layout is not valid). [`BankWriter`] line by
/// line.
pub fn render(layout: &BankLayout, lines: &[BankLine]) -> Result<BankFile, Vec<Problem>> {
    let mut writer = BankWriter::new(layout, lines.len())?;
    for line in lines {
        writer.push(line);
    }
    writer.finish()
}

/// Writes a bank file as its lines come, in order: a CSV or fixed-width
/// file is encoded line by line (a million-line roll is read a page at a
/// time and never held whole), an xlsx keeps its lines for the workbook,
/// which is written at the end. Problems are gathered with their line and
/// column; [`BankWriter::finish`] returns them all, or the file.
pub struct BankWriter<'a> {
    layout: &'a BankLayout,
    out: Vec<u8>,
    problems: Vec<Problem>,
    /// None for UTF-8.
    encoder: Option<encoding_rs::Encoder>,
    buffer: Vec<u8>,
    cells: Vec<String>,
    seen: std::collections::HashSet<u32>,
    total: Fen,
    count: usize,
    /// An xlsx's lines, written at the end.
    held: Vec<BankLine>,
}

impl<'a> BankWriter<'a> {
    /// A writer of about `lines` lines in `layout` (its header written);
    /// the layout's problems if it is not valid.
    pub fn new(layout: &'a BankLayout, lines: usize) -> Result<Self, Vec<Problem>> {
        if let Err(problems) = layout.validate() {
            return Err(problems
                .into_iter()
                .map(|p| Problem {
                    line: None,
                    column: p.column.map(|c| ColumnRef { index: c - 1, header: p.title.clone() }),
                    message: p.message,
                })
                .collect());
        }
        let text = layout.format != BankFormat::Xlsx;
        let encoder = match layout.encoding {
            TextEncoding::Utf8 => None,
            TextEncoding::Gbk => Some(encoding_rs::GBK.new_encoder()),
            TextEncoding::Gb18030 => Some(encoding_rs::GB18030.new_encoder()),
        };
        let mut writer = BankWriter {
            layout,
            out: Vec::with_capacity(if text { lines * 128 + 256 } else { 0 }),
            problems: Vec::new(),
            encoder,
            buffer: Vec::new(),
            cells: vec![String::new(); layout.columns.len()],
            seen: std::collections::HashSet::with_capacity(lines),
            total: Fen::ZERO,
            count: 0,
            held: Vec::new(),
        };
        if text && layout.header {
            let titles: Vec<String> = layout.columns.iter().map(|c| c.title.clone()).collect();
            writer.line(1, &titles);
        }
        Ok(writer)
    }

    /// The next line of the roll.
    pub fn push(&mut self, line: &BankLine) {
        let layout = self.layout;
        let number = usize::from(layout.header) + 1 + self.count;
        self.count += 1;
        let at = |field: BankField, message: Message| Problem {
            line: Some(number),
            column: layout
                .position(field)
                .map(|index| ColumnRef { index, header: layout.columns[index].title.clone() }),
            message,
        };
        if line.amount.0 <= 0 {
            self.problems.push(at(
                BankField::Amount,
                Message::new("payment.file.amount_not_positive").arg("amount", line.amount),
            ));
        }
        if !self.seen.insert(line.seq) {
            self.problems.push(at(BankField::Seq, Message::new("payment.file.seq_twice").arg("seq", line.seq)));
        }
        match self.total.checked_add(line.amount) {
            Some(t) => self.total = t,
            None => self.problems.push(at(BankField::Amount, Message::new("payment.file.total_too_large"))),
        }
        if layout.format == BankFormat::Xlsx {
            self.held.push(line.clone());
            return;
        }
        let mut cells = std::mem::take(&mut self.cells);
        for (cell, column) in cells.iter_mut().zip(&layout.columns) {
            cell.clear();
            line.write(column.field, cell);
        }
        self.line(number, &cells);
        self.cells = cells;
    }

    /// The file, or every problem found.
    pub fn finish(mut self) -> Result<BankFile, Vec<Problem>> {
        let layout = self.layout;
        let bytes = match layout.format {
            BankFormat::Xlsx if self.problems.is_empty() => xlsx(layout, &self.held, self.total).map_err(|e| {
                vec![Problem { line: None, column: None, message: Message::new("payment.file.xlsx").arg("detail", e) }]
            })?,
            BankFormat::Xlsx => Vec::new(),
            BankFormat::Csv | BankFormat::FixedWidth => {
                if layout.trailer {
                    let cells = layout.trailer_cells(&self.total.to_plain_yuan(), self.count);
                    self.line(usize::from(layout.header) + 1 + self.count, &cells);
                }
                std::mem::take(&mut self.out)
            }
        };
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Ok(BankFile { bytes, sha256, lines: self.count, total: self.total })
    }

    /// Writes one line of cells (a trailer may have one more cell than
    /// there are columns: it takes the last column's width, or none).
    fn line(&mut self, number: usize, cells: &[String]) {
        let fixed = self.layout.format == BankFormat::FixedWidth;
        for (index, value) in cells.iter().enumerate() {
            let column = self.layout.columns.get(index);
            let problem = |message: Message| Problem {
                line: Some(number),
                column: Some(ColumnRef { index, header: column.map(|c| c.title.clone()).unwrap_or_default() }),
                message,
            };
            if value.chars().any(char::is_control) {
                self.problems.push(problem(Message::new("payment.file.control")));
                continue;
            }
            if index > 0 && !fixed {
                self.out.push(b',');
            }
            let value = if fixed { std::borrow::Cow::Borrowed(value.as_str()) } else { csv_cell(value) };
            let start = self.out.len();
            if let Err(c) = self.encode(&value) {
                self.problems.push(problem(
                    Message::new("payment.file.not_encodable")
                        .arg("value", &value)
                        .arg("char", c)
                        .part("encoding", Part::Label(self.layout.encoding.message_key())),
                ));
                continue;
            }
            if fixed {
                let used = self.out.len() - start;
                let width = column.and_then(|c| c.width).map_or(used, usize::from);
                if used > width {
                    self.problems.push(problem(
                        Message::new("payment.file.too_wide")
                            .arg("value", &value)
                            .arg("needed", used)
                            .arg("width", width),
                    ));
                } else {
                    self.out.resize(self.out.len() + width - used, b' ');
                }
            }
        }
        self.out.extend_from_slice(b"\r\n");
    }

    /// Appends a text in the file's encoding, or names the first character
    /// the encoding lacks (and appends nothing).
    fn encode(&mut self, value: &str) -> Result<(), char> {
        let Some(encoder) = self.encoder.as_mut().filter(|_| !value.is_ascii()) else {
            self.out.extend_from_slice(value.as_bytes());
            return Ok(());
        };
        let needed = encoder.max_buffer_length_from_utf8_without_replacement(value.len()).unwrap_or(value.len() * 4);
        self.buffer.resize(needed, 0);
        let (result, _, written) = encoder.encode_from_utf8_without_replacement(value, &mut self.buffer, false);
        match result {
            encoding_rs::EncoderResult::Unmappable(c) => Err(c),
            // The buffer holds the longest encoding, so the input is all read.
            encoding_rs::EncoderResult::InputEmpty | encoding_rs::EncoderResult::OutputFull => {
                self.out.extend_from_slice(&self.buffer[..written]);
                Ok(())
            }
        }
    }
}

/// A CSV cell safe to open in a spreadsheet: a text starting like a
/// formula (`=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading
/// `'` and is quoted; one with a comma, quote or line break is quoted.
/// (The same rule as `jiuzhu_verify::csv_text`.) Amounts are never
/// negative here, so a number never starts with `-`.
pub fn csv_cell(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("\"'{}\"", value.replace('"', "\"\"")).into()
    } else if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\"")).into()
    } else {
        value.into()
    }
}

/// An xlsx workbook: one sheet, ID numbers, accounts and periods as text
/// cells in text-formatted columns, amounts as numbers shown with two
/// decimals, and a creation time taken from the lines, never the clock.
fn xlsx(layout: &BankLayout, lines: &[BankLine], total: Fen) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let latest = lines.iter().map(|l| l.period).max();
    let created = match latest {
        Some(m) => ExcelDateTime::from_ymd(m.year() as u16, m.month() as u8, 1)?,
        None => ExcelDateTime::from_ymd(2000, 1, 1)?,
    };
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let sheet = workbook.add_worksheet();
    sheet.set_name("代发明细")?;
    let text = Format::new().set_num_format("@");
    let money = Format::new().set_num_format("0.00");
    let is_text = |field: BankField| !matches!(field, BankField::Seq | BankField::Amount);
    for (col, column) in layout.columns.iter().enumerate() {
        let col = col as u16;
        if is_text(column.field) {
            sheet.set_column_format(col, &text)?;
        }
        let width = match column.field {
            BankField::IdNumber | BankField::Account | BankField::Bank | BankField::Memo => 24.0,
            BankField::Item | BankField::Amount => 16.0,
            _ => 10.0,
        };
        sheet.set_column_width(col, width)?;
    }
    let mut row = 0u32;
    if layout.header {
        for (col, column) in layout.columns.iter().enumerate() {
            sheet.write_string(row, col as u16, &column.title)?;
        }
        row += 1;
    }
    for line in lines {
        for (col, column) in layout.columns.iter().enumerate() {
            let col = col as u16;
            match column.field {
                BankField::Seq => sheet.write_number(row, col, f64::from(line.seq))?,
                BankField::Amount => sheet.write_number_with_format(row, col, yuan(line.amount), &money)?,
                field => sheet.write_string_with_format(row, col, crate::export::fit_cell(&line.text(field)), &text)?,
            };
        }
        row += 1;
    }
    if layout.trailer {
        let amount = layout.position(BankField::Amount);
        for (col, cell) in layout.trailer_cells("", lines.len()).iter().enumerate() {
            if Some(col) == amount {
                sheet.write_number_with_format(row, col as u16, yuan(total), &money)?;
            } else if !cell.is_empty() {
                sheet.write_string(row, col as u16, cell)?;
            }
        }
    }
    workbook.save_to_buffer()
}

/// An amount in 元 as a spreadsheet number (read back exactly: two decimals
/// of a value below 2^53 fen survive the round trip through the text Excel
/// shows).
fn yuan(amount: Fen) -> f64 {
    amount.0 as f64 / 100.0
}

/// A CSV or fixed-width file's text, decoded from the layout's encoding
/// (to show it; what cannot be decoded shows as U+FFFD).
pub fn text_of(layout: &BankLayout, bytes: &[u8]) -> String {
    match layout.encoding {
        TextEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        TextEncoding::Gbk | TextEncoding::Gb18030 => {
            encoding_rs::GB18030.decode_without_bom_handling(bytes).0.into_owned()
        }
    }
}

/// The SHA-256 of a file, lower-case hex (a return is recorded by it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A problem of a bank file or return as one message with its place:
/// `第3行B列（姓名）：…`, `第3行：…`, or the message alone.
pub fn problem_message(problem: &Problem) -> Message {
    let inner = Part::Message(Box::new(problem.message.clone()));
    match (problem.line, &problem.column) {
        (Some(line), Some(column)) => Message::new("payment.file.at")
            .arg("line", line)
            .part(
                "column",
                Part::Message(Box::new(
                    Message::new("payment.file.column")
                        .arg("letter", column.letter())
                        .arg("title", column.header.trim()),
                )),
            )
            .part("message", inner),
        (Some(line), None) => Message::new("payment.file.at_line").arg("line", line).part("message", inner),
        _ => problem.message.clone(),
    }
}
