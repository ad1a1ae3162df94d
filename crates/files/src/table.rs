//! A file's bytes → a grid of text cells with their line numbers.
//!
//! Encoding is detected: a UTF-8 BOM or valid UTF-8 is UTF-8; anything else
//! is decoded as GB18030, the superset of GBK that Excel on Chinese Windows
//! writes. xlsx files are recognised by their ZIP signature, whatever their
//! name. Excel number cells are rendered so that a mangled ID number stays
//! recognisable (`3.40102194912310E+17`) and the ID parser can say so.
//! Both readers hold the table to the caps of [`crate::limits`].

use calamine::DataRef;
use chrono::{Datelike, Timelike};

use crate::limits::{self, Budget, Limit};

/// Cells of a file as text, with the header row apart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub headers: Vec<String>,
    /// The line (CSV) or row (xlsx) of the header.
    pub header_line: usize,
    /// `(line, cells)`: the 1-based line (CSV) or row (xlsx) number.
    pub rows: Vec<(usize, Vec<String>)>,
    /// How the file was read, e.g. `csv/gb18030` or `xlsx`.
    pub format: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    #[error("not a readable CSV or xlsx file: {0}")]
    Unreadable(String),
    #[error("the file has no header row")]
    Empty,
    /// The file goes over one of the caps that keep a hostile upload from
    /// exhausting memory.
    #[error("the file is too large: {0}")]
    TooLarge(Limit),
}

impl From<Limit> for TableError {
    fn from(limit: Limit) -> TableError {
        TableError::TooLarge(limit)
    }
}

impl TableError {
    /// The error as a file problem (no line, no column), for a person.
    pub fn to_problem(&self) -> crate::roster::Problem {
        use jiuzhu_domain::i18n::Message;
        let message = match self {
            TableError::Empty => Message::new("import.error.empty"),
            TableError::Unreadable(detail) => Message::new("import.error.unreadable").arg("detail", detail),
            TableError::TooLarge(limit) => limit.message(),
        };
        crate::roster::Problem { line: None, column: None, message }
    }
}

/// Reads a CSV (UTF-8 or GB18030/GBK) or xlsx file.
pub fn read_table(bytes: &[u8]) -> Result<Table, TableError> {
    if bytes.starts_with(b"PK\x03\x04") { crate::xlsx::read_xlsx(bytes) } else { read_csv(bytes) }
}

/// Decodes CSV bytes to text and names the encoding found.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), TableError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_string(), "utf-8"))
            .map_err(|e| TableError::Unreadable(e.to_string()));
    }
    if jiuzhu_domain::text::is_probably_utf8(bytes)
        && let Ok(s) = std::str::from_utf8(bytes)
    {
        return Ok((s.to_string(), "utf-8"));
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(TableError::Unreadable("neither UTF-8 nor GBK/GB18030".into()));
    }
    Ok((text.into_owned(), "gb18030"))
}

/// Line breaks in `bytes[from..to]`: `\n`, `\r\n`, and a lone `\r` (old
/// Mac files, which the CSV reader also takes as a record's end).
fn line_breaks(bytes: &[u8], from: usize, to: usize) -> usize {
    (from..to).filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))).count()
}

fn read_csv(bytes: &[u8]) -> Result<Table, TableError> {
    let (text, encoding) = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut headers = None;
    let mut rows = Vec::new();
    // The reader's own line count skips blank lines; count newlines up to
    // the record's first byte instead, incrementally.
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1usize);
    let mut budget = Budget::default();
    for record in reader.records() {
        let record = record.map_err(|e| TableError::Unreadable(e.to_string()))?;
        let mut start = record.position().map_or(0, |p| p.byte() as usize).max(counted_to);
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += line_breaks(bytes, counted_to, start);
        counted_to = start;
        let line = line;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Empty cells right of the last column are dropped; a filled one
        // there is refused.
        if let Some(beyond) = record.iter().skip(limits::MAX_COLUMNS).position(|c| !c.trim().is_empty()) {
            return Err(Limit::Column { line, column: limits::MAX_COLUMNS + beyond + 1 }.into());
        }
        let width = record.len().min(limits::MAX_COLUMNS);
        budget.row()?;
        budget.cells(width, record.iter().take(width).map(str::len).sum())?;
        let cells: Vec<String> = record.iter().take(width).map(str::to_string).collect();
        if headers.is_none() {
            headers = Some((line, cells));
        } else {
            rows.push((line, cells));
        }
    }
    let format = if encoding == "utf-8" { "csv/utf-8" } else { "csv/gb18030" };
    let (header_line, headers) = headers.ok_or(TableError::Empty)?;
    Ok(Table { headers, header_line, rows, format })
}

/// Appends the text of one cell as a person would read it in Excel.
pub(crate) fn push_cell_text(cell: &DataRef<'_>, out: &mut String) {
    use std::fmt::Write;
    match cell {
        DataRef::Empty => {}
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => out.push_str(s),
        DataRef::SharedString(s) => out.push_str(s),
        DataRef::Int(i) => {
            let _ = write!(out, "{i}");
        }
        DataRef::Float(f) => out.push_str(&float_text(*f)),
        DataRef::Bool(b) => out.push_str(if *b { "是" } else { "否" }),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            // Written by hand: a format string is parsed again for every cell.
            Some(t) => {
                let _ = write!(out, "{:04}-{:02}-{:02}", t.year(), t.month(), t.day());
                if t.time() != chrono::NaiveTime::MIN {
                    let _ = write!(out, " {:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
                }
            }
            None => {
                let _ = write!(out, "{}", dt.as_f64());
            }
        },
        DataRef::Error(e) => {
            let _ = write!(out, "#{e:?}");
        }
    }
}

/// Whole numbers up to 15 digits as integers; beyond what a double holds
/// exactly, scientific notation as Excel shows it, so that an ID number
/// stored as a number is recognised as damaged instead of matching nobody.
fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else if f.fract() == 0.0 {
        format!("{f:E}").replace('E', "E+")
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_encodings() {
        let utf8 = "姓名,身份证号\n张三,11010519491231002X\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(utf8);
        let bom = [b"\xEF\xBB\xBF".as_slice(), utf8.as_bytes()].concat();
        for (bytes, format) in [(utf8.as_bytes(), "csv/utf-8"), (&gbk[..], "csv/gb18030"), (&bom[..], "csv/utf-8")] {
            let table = read_table(bytes).unwrap();
            assert_eq!(table.format, format);
            assert_eq!(table.headers, ["姓名", "身份证号"]);
            assert_eq!(table.rows, [(2, vec!["张三".to_string(), "11010519491231002X".to_string()])]);
        }
    }

    #[test]
    fn short_gbk_that_is_valid_utf8_is_read_as_gbk() {
        let (gbk, _, _) = encoding_rs::GBK.encode("住宅\n住宅\n");
        assert!(std::str::from_utf8(&gbk).is_ok(), "the trap: these GBK bytes are valid UTF-8");
        let table = read_table(&gbk).unwrap();
        assert_eq!(table.headers, ["住宅"]);
        assert_eq!(table.rows[0].1, ["住宅"]);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let table = read_table("户编号,姓名\rH1,张三\r\nH2,李四\n".as_bytes()).unwrap();
        assert_eq!(table.header_line, 1);
        let lines: Vec<usize> = table.rows.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, vec![2, 3]);
    }

    #[test]
    fn line_numbers_survive_blank_and_multiline_rows() {
        let text = "a,b\n\n1,\"x\ny\"\n2,z\n";
        let table = read_table(text.as_bytes()).unwrap();
        assert_eq!(table.rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [3, 5]);
    }

    #[test]
    fn empty_and_garbage() {
        assert_eq!(read_table(b""), Err(TableError::Empty));
        assert!(matches!(read_table(b"PK\x03\x04garbage"), Err(TableError::Unreadable(_))));
    }

    #[test]
    fn cells_read_as_excel_shows_them() {
        use calamine::{ExcelDateTime, ExcelDateTimeType};
        let text = |cell: DataRef<'_>| {
            let mut out = String::from("kept:");
            push_cell_text(&cell, &mut out);
            out
        };
        // 45961 is 2025-10-31 in Excel's 1900 system; .35416… is 08:30.
        let date = ExcelDateTime::new(45961.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(text(DataRef::DateTime(date)), "kept:2025-10-31");
        let time = ExcelDateTime::new(45961.0 + 8.5 / 24.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(text(DataRef::DateTime(time)), "kept:2025-10-31 08:30:00");
        let early = ExcelDateTime::new(367.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(text(DataRef::DateTime(early)), "kept:1901-01-01");
        assert_eq!(text(DataRef::Int(-7)), "kept:-7");
        assert_eq!(text(DataRef::Bool(true)), "kept:是");
        assert_eq!(text(DataRef::SharedString("张三")), "kept:张三");
        assert_eq!(text(DataRef::Float(340102194912310000.0)), "kept:3.4010219491231E+17");
        assert_eq!(text(DataRef::Empty), "kept:");
    }

    #[test]
    fn excel_numbers_read_as_excel_shows_them() {
        assert_eq!(float_text(340102194912310000.0), "3.4010219491231E+17");
        assert_eq!(float_text(1234.5), "1234.5");
        assert_eq!(float_text(680.0), "680");
    }
}
