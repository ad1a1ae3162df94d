//! How big a file the readers accept, so that no upload can abort the
//! process or take more than a few hundred megabytes.
//!
//! An xlsx file is a zip archive: a few kilobytes can claim a sheet of
//! 17 billion cells (calamine allocates the `<dimension>` it is told) or
//! inflate to gigabytes (a zip bomb). The readers therefore read a sheet's
//! real cells, never its claimed extent, cap every archive entry's inflated
//! size and ratio by the bytes actually inflated (the sizes an archive
//! declares can lie), and cap the table they build: rows, columns, cells and
//! text. The caps are far above a real roster or delivery (a county's
//! roster has about a million rows of a dozen columns) and every one is
//! refused with a [`Limit`] that names it, in the user's language.

use jiuzhu_domain::i18n::Message;

/// Data rows of one table (Excel itself stops at 1,048,576).
pub const MAX_ROWS: usize = 2_000_000;
/// Columns of one table; a non-empty cell further right is refused.
pub const MAX_COLUMNS: usize = 200;
/// Cells kept in one table, blank cells between filled ones included
/// (about 24 bytes each before their text).
pub const MAX_CELLS: usize = 12_000_000;
/// Bytes of cell text in one table.
pub const MAX_TEXT_BYTES: usize = 256 << 20;
/// Bytes of one cell's text (Excel holds at most 32,767 characters).
pub const MAX_CELL_TEXT: usize = 1 << 20;
/// Bytes of text in one row of a sheet (200 cells of Excel's longest text
/// are about 19 MB): a row is refused before it is built past this.
pub const MAX_ROW_TEXT: usize = 32 << 20;
/// Entries of one xlsx archive (a workbook has a few dozen).
pub const MAX_ENTRIES: usize = 10_000;
/// Inflated bytes of one worksheet's XML (read as a stream, but one text
/// node of it may be held whole, twice, before a cap sees it).
pub const MAX_SHEET_XML: u64 = 256 << 20;
/// Inflated bytes of the shared strings (held in memory whole).
pub const MAX_SHARED_STRINGS_XML: u64 = 128 << 20;
/// Strings the shared-string table may declare (readers reserve for them).
pub const MAX_SHARED_STRINGS: u64 = 5_000_000;
/// Inflated bytes of any other part (workbook, styles, relationships).
pub const MAX_OTHER_PART: u64 = 32 << 20;
/// Inflated bytes of all entries together.
pub const MAX_INFLATED_TOTAL: u64 = 1 << 30;
/// Inflated bytes per compressed byte above [`RATIO_FREE`]: sheet XML
/// written by Excel, WPS or LibreOffice compresses 5 to 30 times; a zip
/// bomb, about 1,000 times.
pub const MAX_RATIO: u64 = 100;
/// Entries smaller than this inflated are not held to [`MAX_RATIO`].
pub const RATIO_FREE: u64 = 1 << 20;

/// Which cap a file went over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// More than [`MAX_ENTRIES`] entries in the archive.
    Entries,
    /// An entry inflates beyond its cap (`limit` bytes).
    EntrySize { entry: String, limit: u64 },
    /// An entry inflates more than [`MAX_RATIO`] times its compressed size.
    Ratio { entry: String },
    /// An entry inflates beyond the size the archive declares for it.
    Declared { entry: String },
    /// All entries together inflate beyond [`MAX_INFLATED_TOTAL`].
    Total,
    /// The shared-string table declares more than [`MAX_SHARED_STRINGS`]
    /// strings, or declares them in a way the reader cannot check.
    SharedStrings,
    /// More than [`MAX_ROWS`] data rows.
    Rows,
    /// A non-empty cell right of [`MAX_COLUMNS`]: its 1-based line (row)
    /// and column.
    Column { line: usize, column: usize },
    /// More than [`MAX_CELLS`] cells.
    Cells,
    /// More than [`MAX_TEXT_BYTES`] of text, more than [`MAX_ROW_TEXT`]
    /// in one row, or more than [`MAX_CELL_TEXT`] in one cell.
    Text,
}

impl Limit {
    /// What was wrong, for a person.
    pub fn message(&self) -> Message {
        let mib = |bytes: u64| (bytes >> 20).to_string();
        match self {
            Limit::Entries => Message::new("table.limit.entries").arg("limit", MAX_ENTRIES),
            Limit::EntrySize { entry, limit } => {
                Message::new("table.limit.entry_size").arg("entry", entry).arg("limit", mib(*limit))
            }
            Limit::Ratio { entry } => Message::new("table.limit.ratio").arg("entry", entry).arg("limit", MAX_RATIO),
            Limit::Declared { entry } => Message::new("table.limit.declared").arg("entry", entry),
            Limit::Total => Message::new("table.limit.total").arg("limit", mib(MAX_INFLATED_TOTAL)),
            Limit::SharedStrings => Message::new("table.limit.shared_strings").arg("limit", MAX_SHARED_STRINGS),
            Limit::Rows => Message::new("table.limit.rows").arg("limit", MAX_ROWS),
            Limit::Column { line, column } => Message::new("table.limit.column")
                .arg("line", line)
                .arg("column", column_letter(*column))
                .arg("limit", MAX_COLUMNS),
            Limit::Cells => Message::new("table.limit.cells").arg("limit", MAX_CELLS),
            Limit::Text => Message::new("table.limit.text").arg("limit", mib(MAX_TEXT_BYTES as u64)),
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message().render(jiuzhu_domain::i18n::Lang::En))
    }
}

/// The spreadsheet letters of a 1-based column: 1 → A, 27 → AA, 16384 → XFD.
pub fn column_letter(column: usize) -> String {
    let mut n = column;
    let mut res = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        res.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    res.reverse();
    String::from_utf8(res).unwrap_or_default()
}

/// Counts what a table being built holds against the caps.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    rows: usize,
    cells: usize,
    text: usize,
}

impl Budget {
    /// One more data or header row.
    pub(crate) fn row(&mut self) -> Result<(), Limit> {
        self.rows += 1;
        if self.rows > MAX_ROWS + 1 { Err(Limit::Rows) } else { Ok(()) }
    }

    /// `n` more cells holding `text` bytes between them.
    pub(crate) fn cells(&mut self, n: usize, text: usize) -> Result<(), Limit> {
        self.cells += n;
        self.text += text;
        if self.cells > MAX_CELLS {
            Err(Limit::Cells)
        } else if self.text > MAX_TEXT_BYTES {
            Err(Limit::Text)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(1), "A");
        assert_eq!(column_letter(26), "Z");
        assert_eq!(column_letter(27), "AA");
        assert_eq!(column_letter(201), "GS");
        assert_eq!(column_letter(16_384), "XFD");
    }

    #[test]
    fn every_limit_has_a_message_in_the_catalogue() {
        use jiuzhu_domain::i18n::Lang;
        for limit in [
            Limit::Entries,
            Limit::EntrySize { entry: "xl/worksheets/sheet1.xml".into(), limit: MAX_SHEET_XML },
            Limit::Ratio { entry: "xl/worksheets/sheet1.xml".into() },
            Limit::Declared { entry: "xl/worksheets/sheet1.xml".into() },
            Limit::Total,
            Limit::SharedStrings,
            Limit::Rows,
            Limit::Column { line: 1_048_576, column: 16_384 },
            Limit::Cells,
            Limit::Text,
        ] {
            let zh = limit.message().render(Lang::Zh);
            assert!(!zh.contains("table.limit") && !zh.contains('{'), "{zh}");
        }
        assert_eq!(
            Limit::Column { line: 1_048_576, column: 16_384 }.message().render(Lang::Zh),
            "第1048576行XFD列超出范围：表格最多200列"
        );
    }
}
