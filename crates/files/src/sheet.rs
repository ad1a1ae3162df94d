//! A list as an xlsx sheet (the payment lists' 导出Excel, issue 12 point
//! 7): a bold header row frozen at the top, then one row per entry, each
//! column of one kind.
//!
//! - [`Cell::Text`] columns are formatted as text (`@`) and written as
//!   strings, so ID numbers, account numbers and codes never become
//!   numbers in Excel or WPS (their masking is the caller's: lists export
//!   what the page shows).
//! - [`Cell::Money`] is a number of 元 with two decimals (`#,##0.00`), so
//!   sums work in the spreadsheet. The fen are exact integers; the cell's
//!   value is the nearest double to fen/100, which Excel shows and sums to
//!   the fen for any amount below 2^53 fen. This is the one place money
//!   leaves integers, and only on its way out.
//! - [`Cell::Count`] is a whole number.
//!
//! Texts are cut at Excel's limit as the roster export does
//! ([`crate::export::fit_cell`]), so no stored value makes an export fail.

use rust_xlsxwriter::{Format, Workbook};

/// Why a workbook could not be written.
pub use rust_xlsxwriter::XlsxError;

use crate::export::fit_cell;

/// A column: its header and what its cells hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column<'a> {
    pub title: &'a str,
    pub kind: Kind,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Words (names, labels): general format.
    Words,
    /// Numbers people read as text (ID numbers, accounts): text format.
    Text,
    /// 元 as a number with two decimals.
    Money,
    /// A whole number.
    Count,
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// Money in fen.
    Money(i64),
    Count(i64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// The value of `fen` in 元 as a spreadsheet number.
pub fn yuan_number(fen: i64) -> f64 {
    // Whole yuan and the remainder separately: exact for every whole part
    // below 2^53, and the cents the nearest double.
    let whole = (fen / 100) as f64;
    let cents = (fen % 100) as f64 / 100.0;
    whole + cents
}

fn width(kind: Kind) -> f64 {
    match kind {
        Kind::Text => 22.0,
        Kind::Money => 14.0,
        Kind::Count => 10.0,
        Kind::Words => 18.0,
    }
}

/// A workbook of one sheet named `name`: the header row, then `rows`.
pub fn write(name: &str, columns: &[Column<'_>], rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let header = Format::new().set_bold().set_background_color("#DDEBF7");
    let text = Format::new().set_num_format("@");
    let money = Format::new().set_num_format("#,##0.00");
    let count = Format::new().set_num_format("0");
    for (col, c) in columns.iter().enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, c.title, &header)?;
        sheet.set_column_width(col, width(c.kind))?;
        if c.kind == Kind::Text {
            sheet.set_column_format(col, &text)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (col, cell) in row.iter().enumerate().take(columns.len()) {
            let kind = columns[col].kind;
            let col = col as u16;
            match cell {
                Cell::Text(s) if kind == Kind::Text => {
                    sheet.write_string_with_format(r, col, fit_cell(s), &text)?;
                }
                Cell::Text(s) => {
                    sheet.write_string(r, col, fit_cell(s))?;
                }
                Cell::Money(fen) => {
                    sheet.write_number_with_format(r, col, yuan_number(*fen), &money)?;
                }
                Cell::Count(n) => {
                    sheet.write_number_with_format(r, col, *n as f64, &count)?;
                }
                Cell::Empty => {}
            }
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn money_is_a_number_and_ids_are_text() {
        let columns = [
            Column { title: "身份证号", kind: Kind::Text },
            Column { title: "姓名", kind: Kind::Words },
            Column { title: "金额（元）", kind: Kind::Money },
            Column { title: "月数", kind: Kind::Count },
        ];
        let rows = vec![
            vec![Cell::from("340102199001011234"), Cell::from("张三"), Cell::Money(126_050), Cell::Count(3)],
            vec![Cell::from("0012"), Cell::Empty, Cell::Money(-1), Cell::Count(0)],
        ];
        let bytes = write("发放", &columns, &rows).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("发放").unwrap();
        assert_eq!(range.get((0, 2)), Some(&Data::String("金额（元）".into())));
        assert_eq!(range.get((1, 0)), Some(&Data::String("340102199001011234".into())));
        assert_eq!(range.get((1, 2)), Some(&Data::Float(1260.5)));
        assert_eq!(range.get((1, 3)), Some(&Data::Float(3.0)));
        assert_eq!(range.get((2, 0)), Some(&Data::String("0012".into())));
        assert_eq!(range.get((2, 2)), Some(&Data::Float(-0.01)));
    }

    #[test]
    fn yuan_numbers_round_trip_to_fen() {
        for fen in [0i64, 1, 99, 100, 126_050, 12_345_678_901, 900_719_925_474_099] {
            assert_eq!((yuan_number(fen) * 100.0).round() as i64, fen, "{fen}");
        }
    }
}
