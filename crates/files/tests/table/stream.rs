//! The row-by-row xlsx reader (issue 16, point 2): the rows it gives are
//! the rows the whole-table reader keeps, header first; a sheet not written
//! in row order is handed back to the whole reader; the archive checks are
//! the same.

use jiuzhu_files::limits::{self, Limit};
use jiuzhu_files::{Streamed, TableError, read_table, stream_xlsx};
use jiuzhu_testkit::hostile::{sheet_xml, xlsx_with_sheet, zip_bomb_xlsx};
use proptest::prelude::*;

/// Rows with their line, as the whole reader keeps them.
type Rows = Vec<(usize, Vec<String>)>;

fn streamed(bytes: &[u8]) -> Result<(Streamed, Rows), TableError> {
    let mut rows = Vec::new();
    let end = stream_xlsx(std::io::Cursor::new(bytes), |line, cells| {
        rows.push((line, cells.to_vec()));
        Ok(())
    })?;
    Ok((end, rows))
}

/// A cell of a generated sheet.
#[derive(Debug, Clone)]
enum Cell {
    Blank,
    Text(String),
    Number(f64),
    Date(u32),
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        2 => Just(Cell::Blank),
        3 => "[a-z0-9 ,\"户主张三]{0,8}".prop_map(Cell::Text),
        2 => (-1.0e6..1.0e6f64).prop_map(|f| Cell::Number((f * 100.0).round() / 100.0)),
        1 => (1u32..3650).prop_map(Cell::Date),
    ]
}

fn workbook(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let dates = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Cell::Blank => {}
                Cell::Text(s) => {
                    sheet.write_string(r, c, s).unwrap();
                }
                Cell::Number(f) => {
                    sheet.write_number(r, c, *f).unwrap();
                }
                Cell::Date(days) => {
                    let date =
                        rust_xlsxwriter::ExcelDateTime::from_serial_datetime(43831.0 + f64::from(*days)).unwrap();
                    sheet.write_datetime_with_format(r, c, date, &dates).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn streaming_gives_the_rows_the_whole_reader_keeps(
        rows in prop::collection::vec(prop::collection::vec(cell(), 0..6), 1..30),
    ) {
        let bytes = workbook(&rows);
        let whole = read_table(&bytes);
        let stream = streamed(&bytes);
        match (whole, stream) {
            (Ok(table), Ok((end, got))) => {
                prop_assert_eq!(end, Streamed::Done);
                let mut expected = vec![(table.header_line, table.headers)];
                expected.extend(table.rows);
                // The whole reader pads a row to its last filled cell; so
                // does the stream.
                prop_assert_eq!(got, expected);
            }
            (Err(TableError::Empty), Ok((end, got))) => {
                prop_assert_eq!(end, Streamed::Done);
                prop_assert!(got.is_empty(), "no row that is not blank: {:?}", got);
            }
            (whole, stream) => prop_assert!(false, "whole {:?}, stream {:?}", whole, stream),
        }
    }
}

#[test]
fn a_sheet_out_of_row_order_is_handed_back() {
    let rows = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>身份证号</t></is></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>b</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c></row>"#;
    let bytes = xlsx_with_sheet(&sheet_xml("A1:A3", rows), None);
    let (end, got) = streamed(&bytes).unwrap();
    assert_eq!(end, Streamed::OutOfOrder);
    assert_eq!(got, [(1, vec!["身份证号".to_string()]), (3, vec!["b".to_string()])], "what came before, in order");
    let table = read_table(&bytes).unwrap();
    assert_eq!(table.rows, [(2, vec!["a".to_string()]), (3, vec!["b".to_string()])], "the whole reader orders them");
}

#[test]
fn the_archive_is_checked_before_a_row_is_given() {
    let err = streamed(&zip_bomb_xlsx(2048, Some(1_000))).unwrap_err();
    assert_eq!(err, TableError::TooLarge(Limit::Declared { entry: "xl/worksheets/sheet1.xml".into() }));
    let err = streamed(&zip_bomb_xlsx(2048, None)).unwrap_err();
    assert!(matches!(err, TableError::TooLarge(Limit::EntrySize { .. } | Limit::Ratio { .. })), "{err:?}");
}

#[test]
fn the_callers_error_stops_the_stream() {
    let bytes = workbook(&[vec![Cell::Text("a".into())], vec![Cell::Text("b".into())], vec![Cell::Text("c".into())]]);
    let mut seen = 0;
    let err = stream_xlsx(std::io::Cursor::new(&bytes), |_, _| {
        seen += 1;
        if seen == 2 { Err(TableError::Empty) } else { Ok(()) }
    })
    .unwrap_err();
    assert_eq!((err, seen), (TableError::Empty, 2));
}

/// A shared string is held to the cell cap as an inline one is, and a row
/// of cells naming one large shared string stops at the row cap before it
/// is built (it was copied once per cell, past every cap).
#[test]
fn shared_strings_are_held_to_the_cell_and_row_caps() {
    let sst = |text: &str| {
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst uniqueCount="1"><si><t>{text}</t></si></sst>"#)
    };
    let one_cell = sheet_xml("A1", r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
    let long = "x".repeat(limits::MAX_CELL_TEXT + 1);
    let bytes = xlsx_with_sheet(&one_cell, Some(&sst(&long)));
    assert_eq!(read_table(&bytes), Err(TableError::TooLarge(Limit::Text)));
    assert_eq!(streamed(&bytes).unwrap_err(), TableError::TooLarge(Limit::Text));

    let cells: String =
        (1..=200).map(|c| format!(r#"<c r="{}1" t="s"><v>0</v></c>"#, limits::column_letter(c))).collect();
    let wide = sheet_xml("A1:GR1", &format!(r#"<row r="1">{cells}</row>"#));
    let bytes = xlsx_with_sheet(&wide, Some(&sst(&"y".repeat(limits::MAX_CELL_TEXT))));
    let mut given = 0;
    let err = stream_xlsx(std::io::Cursor::new(&bytes), |_, _| {
        given += 1;
        Ok(())
    })
    .unwrap_err();
    assert_eq!((err, given), (TableError::TooLarge(Limit::Text), 0));
    assert_eq!(read_table(&bytes), Err(TableError::TooLarge(Limit::Text)));
}

/// The stream's own caps: the text it hands on in all (a shared string
/// repeated row after row), whatever the table caps would keep.
#[test]
fn the_text_handed_on_is_capped() {
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst uniqueCount="1"><si><t>{}</t></si></sst>"#,
        "z".repeat(limits::MAX_CELL_TEXT)
    );
    let rows: String = (1..=300).map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#)).collect();
    let bytes = xlsx_with_sheet(&sheet_xml("A1:A300", &rows), Some(&sst));
    let mut given = 0;
    let err = stream_xlsx(std::io::Cursor::new(&bytes), |_, _| {
        given += 1;
        Ok(())
    })
    .unwrap_err();
    assert_eq!(err, TableError::TooLarge(Limit::Text));
    assert_eq!(given, limits::MAX_TEXT_BYTES / limits::MAX_CELL_TEXT, "every row within the cap was given");
}
