//! An xlsx workbook's first sheet → rows of text cells, safely.
//!
//! calamine reads what the archive claims: a `<dimension>` of the whole
//! sheet becomes one allocation of 17 billion cells, a `uniqueCount` becomes
//! a reservation, a zip bomb inflates without end. So before calamine sees
//! the bytes, [`check_archive`] inflates every entry once into a counter and
//! refuses the file when an entry goes over its cap or its ratio, whatever
//! sizes the archive declares; calamine then inflates the same bytes to the
//! same counts. The sheet is read cell by cell with calamine's streaming
//! reader, growing rows as cells arrive, so only real cells cost memory:
//! `read_xlsx` keeps the rows (a table, within the caps of
//! [`crate::limits`]); [`stream_xlsx`] hands them on one at a time and keeps
//! none (the verification engine, over a sheet of any length).

use std::io::{Cursor, Read, Seek};
use std::ops::ControlFlow;

use calamine::{DataRef, Reader, Xlsx};

use crate::limits::{self, Budget, Limit};
use crate::table::{Table, TableError};

/// Reads the first sheet of an xlsx file whole (rows held to the table
/// caps of [`Budget`]).
pub(crate) fn read_xlsx(bytes: &[u8]) -> Result<Table, TableError> {
    check_archive(Cursor::new(bytes))?;
    let mut budget = Budget::default();
    // Rows in the order they arrive; a sheet is written in row order, but a
    // file may not be, so a row that comes back is merged at the end.
    let mut rows: Vec<(u32, Vec<String>)> = Vec::new();
    let mut in_order = true;
    each_row(Cursor::new(bytes), &mut |row, cells| {
        in_order &= rows.last().is_none_or(|(last, _)| *last < row);
        budget.row()?;
        budget.cells(cells.len(), cells.iter().map(String::len).sum())?;
        rows.push((row, cells.iter_mut().map(std::mem::take).collect()));
        Ok(ControlFlow::Continue(()))
    })?;
    if !in_order {
        rows = merge_rows(rows);
    }
    let mut headers = None;
    let mut body = Vec::new();
    for (row, cells) in rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = row as usize + 1;
        if headers.is_none() {
            headers = Some((line, cells));
        } else {
            body.push((line, cells));
        }
    }
    let (header_line, headers) = headers.ok_or(TableError::Empty)?;
    Ok(Table { headers, header_line, rows: body, format: "xlsx" })
}

/// How [`stream_xlsx`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streamed {
    /// Every row was given, in order.
    Done,
    /// A row came after a later one (a sheet not written in row order):
    /// streaming stopped there; read the file whole with
    /// [`crate::read_table`], which puts the rows in order.
    OutOfOrder,
}

/// Reads the first sheet of an xlsx file row by row as it inflates, never
/// holding more than one row: `on_row(line, cells)` for every row that is
/// not blank, the header first (`line` is the 1-based row number). The
/// archive is checked first ([`check_archive`]; the file is read twice, so
/// it must not change meanwhile: a local file, not a stream). Nothing is
/// kept, so the table's cap on cells does not apply; those on rows
/// ([`limits::MAX_ROWS`]), on the text handed on ([`limits::MAX_TEXT_BYTES`]:
/// a shared string repeated in every cell multiplies what a small file
/// gives), on a row and on a cell do.
pub fn stream_xlsx<R, F>(mut reader: R, mut on_row: F) -> Result<Streamed, TableError>
where
    R: Read + Seek,
    F: FnMut(usize, &[String]) -> Result<(), TableError>,
{
    check_archive(&mut reader)?;
    reader.rewind().map_err(|e| TableError::Unreadable(e.to_string()))?;
    let mut last: Option<u32> = None;
    let mut streamed = Streamed::Done;
    let (mut rows, mut text) = (0usize, 0usize);
    each_row(reader, &mut |row, cells| {
        if last.is_some_and(|last| last >= row) {
            streamed = Streamed::OutOfOrder;
            return Ok(ControlFlow::Break(()));
        }
        last = Some(row);
        rows += 1;
        text += cells.iter().map(String::len).sum::<usize>();
        if rows > limits::MAX_ROWS + 1 {
            return Err(Limit::Rows.into());
        }
        if text > limits::MAX_TEXT_BYTES {
            return Err(Limit::Text.into());
        }
        if !cells.iter().all(|c| c.trim().is_empty()) {
            on_row(row as usize + 1, cells)?;
        }
        Ok(ControlFlow::Continue(()))
    })?;
    Ok(streamed)
}

/// What [`each_row`] gives each row to: its 0-based number and its cells;
/// `Break` stops the reading.
type RowHandler<'a> = dyn FnMut(u32, &mut [String]) -> Result<ControlFlow<()>, TableError> + 'a;

/// The first sheet's rows in the order their cells arrive (calamine's
/// streaming reader: only real cells cost memory), each given whole to
/// `on_row` with its 0-based row number once the next row begins, until
/// `on_row` breaks. The cells' strings are reused from row to row (`on_row`
/// may take them). A cell longer than Excel allows or right of
/// [`limits::MAX_COLUMNS`] is refused.
fn each_row<R: Read + Seek>(reader: R, on_row: &mut RowHandler<'_>) -> Result<(), TableError> {
    let mut workbook =
        calamine::open_workbook_from_rs::<Xlsx<_>, _>(reader).map_err(|e| TableError::Unreadable(e.to_string()))?;
    let Some(name) = workbook.sheet_names().first().cloned() else { return Err(TableError::Empty) };
    let mut cells_reader = workbook.worksheet_cells_reader(&name).map_err(|e| TableError::Unreadable(e.to_string()))?;
    // The row being read: its number, and its cells `cells[..width]`; every
    // string from `width` on is empty.
    let mut row_number: Option<u32> = None;
    let mut cells: Vec<String> = Vec::new();
    let mut width = 0;
    // Text in the row so far, held to `limits::MAX_ROW_TEXT` before a cell
    // is copied (a row of 200 cells each naming a 1 MiB shared string).
    let mut row_text = 0;
    let mut text = String::new();
    while let Some(cell) = cells_reader.next_cell().map_err(|e| TableError::Unreadable(e.to_string()))? {
        let (row, column) = cell.get_position();
        // Excel holds at most 32,767 characters in a cell; a longer one is
        // refused before it is copied.
        let long = match cell.get_value() {
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
            DataRef::SharedString(s) => s.len(),
            _ => 0,
        };
        let so_far = if row_number == Some(row) { row_text } else { 0 };
        if long > limits::MAX_CELL_TEXT || so_far + long > limits::MAX_ROW_TEXT {
            return Err(Limit::Text.into());
        }
        text.clear();
        crate::table::push_cell_text(cell.get_value(), &mut text);
        if text.is_empty() {
            continue;
        }
        let column = column as usize;
        if column >= limits::MAX_COLUMNS {
            return Err(Limit::Column { line: row as usize + 1, column: column + 1 }.into());
        }
        if row_number != Some(row) {
            if let Some(number) = row_number
                && on_row(number, &mut cells[..width])?.is_break()
            {
                return Ok(());
            }
            cells[..width].iter_mut().for_each(String::clear);
            (row_number, width, row_text) = (Some(row), 0, 0);
        }
        row_text += text.len();
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        width = width.max(column + 1);
        std::mem::swap(&mut cells[column], &mut text);
    }
    if let Some(number) = row_number {
        // The last row: whether `on_row` breaks, nothing follows.
        let _last: ControlFlow<()> = on_row(number, &mut cells[..width])?;
    }
    Ok(())
}

/// Sorts rows by number and merges the cells of a row that came in parts
/// (a later cell wins its place).
fn merge_rows(mut rows: Vec<(u32, Vec<String>)>) -> Vec<(u32, Vec<String>)> {
    rows.sort_by_key(|(row, _)| *row);
    let mut merged: Vec<(u32, Vec<String>)> = Vec::with_capacity(rows.len());
    for (row, cells) in rows {
        match merged.last_mut() {
            Some((last, into)) if *last == row => {
                if into.len() < cells.len() {
                    into.resize(cells.len(), String::new());
                }
                for (idx, cell) in cells.into_iter().enumerate() {
                    if !cell.is_empty() {
                        into[idx] = cell;
                    }
                }
            }
            _ => merged.push((row, cells)),
        }
    }
    merged
}

/// Inflates every entry of the archive into a counter and refuses the file
/// when one goes over its cap or ratio, or all of them over the total.
/// Also refuses a shared-string table that declares more strings than a
/// table may hold (calamine reserves what is declared).
pub(crate) fn check_archive<R: Read + Seek>(reader: R) -> Result<(), TableError> {
    let unreadable = |e: zip::result::ZipError| TableError::Unreadable(e.to_string());
    let mut archive = zip::ZipArchive::new(reader).map_err(unreadable)?;
    if archive.len() > limits::MAX_ENTRIES {
        return Err(Limit::Entries.into());
    }
    let mut total = 0u64;
    for idx in 0..archive.len() {
        let mut entry = archive.by_index(idx).map_err(unreadable)?;
        let name = entry.name().map_err(unreadable)?.to_string();
        let normalized = name.replace('\\', "/").to_ascii_lowercase();
        let shared_strings = normalized.ends_with("sharedstrings.xml");
        let cap = if shared_strings {
            limits::MAX_SHARED_STRINGS_XML
        } else if normalized.contains("worksheets/") {
            limits::MAX_SHEET_XML
        } else {
            limits::MAX_OTHER_PART
        };
        let by_ratio = entry.compressed_size().saturating_mul(limits::MAX_RATIO).max(limits::RATIO_FREE);
        let over = |inflated: u64| {
            if inflated > cap {
                Some(Limit::EntrySize { entry: name.clone(), limit: cap })
            } else if inflated > by_ratio {
                Some(Limit::Ratio { entry: name.clone() })
            } else {
                None
            }
        };
        // What the archive declares first (cheap), then what inflates.
        if let Some(limit) = over(entry.size()) {
            return Err(limit.into());
        }
        let declared = entry.size();
        let allowed = cap.min(by_ratio);
        let mut prefix = Vec::new();
        let mut inflated = 0u64;
        let mut buf = vec![0u8; 64 << 10];
        let mut limited = (&mut entry).take(allowed + 1);
        loop {
            // The archive reader itself stops one byte past the declared size.
            let n = match limited.read(&mut buf) {
                Ok(n) => n,
                Err(_) if inflated + buf.len() as u64 > declared => {
                    return Err(Limit::Declared { entry: name }.into());
                }
                Err(e) => return Err(TableError::Unreadable(e.to_string())),
            };
            if n == 0 {
                break;
            }
            if shared_strings && prefix.len() < SST_PREFIX {
                let keep = n.min(SST_PREFIX - prefix.len());
                prefix.extend_from_slice(&buf[..keep]);
            }
            inflated += n as u64;
        }
        if let Some(limit) = over(inflated) {
            return Err(limit.into());
        }
        total += inflated;
        if total > limits::MAX_INFLATED_TOTAL {
            return Err(Limit::Total.into());
        }
        if shared_strings && !declared_strings_ok(&prefix) {
            return Err(Limit::SharedStrings.into());
        }
    }
    Ok(())
}

/// How much of the shared strings is looked at for their `<sst>` tag.
const SST_PREFIX: usize = 64 << 10;

/// Whether the shared-string table, of which `prefix` is the start, opens
/// with an `<sst>` tag whose `uniqueCount` (if any) is a plain number within
/// [`limits::MAX_SHARED_STRINGS`]. Anything unusual before or in that tag
/// (a comment, a doctype, another element, an unquoted or odd value) is
/// refused rather than guessed at, as calamine would reserve for the first
/// `sst` element it meets.
fn declared_strings_ok(prefix: &[u8]) -> bool {
    let mut rest = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(prefix);
    if rest.contains(&0) {
        return false;
    }
    loop {
        rest = rest.trim_ascii_start();
        if let Some(after) = rest.strip_prefix(b"<?") {
            let Some(end) = after.windows(2).position(|w| w == b"?>") else { return false };
            let declaration = &after[..end];
            if declaration.starts_with(b"xml")
                && declaration.to_ascii_lowercase().windows(8).any(|w| w == b"encoding")
                && !declaration.to_ascii_lowercase().windows(5).any(|w| w == b"utf-8")
            {
                return false;
            }
            rest = &after[end + 2..];
        } else {
            break;
        }
    }
    let Some(tag) = rest.strip_prefix(b"<") else { return false };
    let name_end = tag.iter().position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>').unwrap_or(tag.len());
    let name = &tag[..name_end];
    let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
    if local != b"sst" {
        return false;
    }
    let mut attrs = &tag[name_end..];
    loop {
        attrs = attrs.trim_ascii_start();
        match attrs.first() {
            None => return false,
            Some(b'>') => return true,
            Some(b'/') => return attrs.get(1) == Some(&b'>'),
            Some(_) => {}
        }
        let Some(eq) = attrs.iter().position(|b| *b == b'=') else { return false };
        let key = attrs[..eq].trim_ascii();
        let after = attrs[eq + 1..].trim_ascii_start();
        let Some(&quote) = after.first() else { return false };
        if quote != b'"' && quote != b'\'' {
            return false;
        }
        let Some(len) = after[1..].iter().position(|b| *b == quote) else { return false };
        let value = &after[1..1 + len];
        let key_local = key.rsplit(|b| *b == b':').next().unwrap_or(key);
        if key_local.eq_ignore_ascii_case(b"uniqueCount")
            && !(value.len() <= 10
                && !value.is_empty()
                && value.iter().all(u8::is_ascii_digit)
                && std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse::<u64>().ok())
                    .is_some_and(|n| n <= limits::MAX_SHARED_STRINGS))
        {
            return false;
        }
        attrs = &after[1 + len + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_string_declarations() {
        let ok = |s: &str| declared_strings_ok(s.as_bytes());
        assert!(ok(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="2"><si>"#));
        assert!(ok(r#"<sst count="3">"#), "no uniqueCount: nothing reserved");
        assert!(ok(r#"<x:sst uniqueCount='5000000'/>"#));
        assert!(!ok(r#"<sst uniqueCount="5000001">"#));
        assert!(!ok(r#"<sst uniqueCount="99999999999999999999">"#));
        assert!(!ok(r#"<sst uniqueCount=" 7">"#));
        assert!(!ok(r#"<!-- x --><sst uniqueCount="1">"#));
        assert!(!ok(r#"<root><sst uniqueCount="999999999999"></sst></root>"#));
        assert!(!ok(r#"<?xml version="1.0" encoding="UTF-16"?><sst>"#));
        assert!(!ok(r#"<sst uniqueCount="1""#), "cut off");
    }
}
