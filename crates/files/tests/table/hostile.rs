//! Hostile files against the table reader (issue 10, point 2): a workbook
//! claiming the whole grid, zip bombs declared honestly or falsely, a
//! shared-string table reserving billions, and a property test that random
//! and mutated CSV and xlsx bytes always end in a table or a typed error.
//! Before the fix the first aborted the process and the bombs inflated to
//! gigabytes; here each answers at once with the cap it went over.

use std::time::{Duration, Instant};

use jiuzhu_domain::i18n::Lang;
use jiuzhu_files::limits::{self, Limit};
use jiuzhu_files::{TableError, read_table};
use jiuzhu_testkit::hostile::{huge_dimension_xlsx, sheet_xml, xlsx_with_sheet, zip_bomb_xlsx};
use proptest::prelude::*;

fn quick<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let res = f();
    assert!(started.elapsed() < Duration::from_secs(20), "{what} took {:?}", started.elapsed());
    res
}

#[test]
fn a_cell_at_xfd1048576_is_refused_by_its_place_not_its_dimension() {
    let bytes = huge_dimension_xlsx();
    assert!(bytes.len() < 10_000, "the hostile file is small: {} bytes", bytes.len());
    let err = quick("huge dimension", || read_table(&bytes)).unwrap_err();
    assert_eq!(err, TableError::TooLarge(Limit::Column { line: 1_048_576, column: 16_384 }));
    let problem = err.to_problem().render(Lang::Zh);
    assert_eq!(problem, "第1048576行XFD列超出范围：表格最多200列");
}

#[test]
fn a_claimed_dimension_costs_nothing_when_the_cells_are_few() {
    // The whole grid claimed, two rows filled, the second a million rows down
    // and written before the first: rows come out in order, nothing padded.
    let rows = r#"<row r="1048576"><c r="B1048576" t="inlineStr"><is><t>110105195001010012</t></is></c><c r="A1048576" t="inlineStr"><is><t>H1</t></is></c></row><row r="1"><c r="A1" t="inlineStr"><is><t>户编号</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row>"#;
    let bytes = xlsx_with_sheet(&sheet_xml("A1:XFD1048576", rows), None);
    let table = quick("claimed dimension", || read_table(&bytes)).unwrap();
    assert_eq!(table.headers, ["户编号", "身份证号"]);
    assert_eq!(table.header_line, 1);
    assert_eq!(table.rows, [(1_048_576, vec!["H1".to_string(), "110105195001010012".to_string()])]);
}

#[test]
fn a_zip_bomb_is_refused_by_its_declared_size() {
    let bytes = zip_bomb_xlsx(2048, None);
    assert!(bytes.len() < 4 << 20, "{} bytes", bytes.len());
    let err = quick("honest bomb", || read_table(&bytes)).unwrap_err();
    assert!(
        matches!(&err, TableError::TooLarge(Limit::EntrySize { entry, .. } | Limit::Ratio { entry }) if entry == "xl/worksheets/sheet1.xml"),
        "{err:?}"
    );
}

#[test]
fn a_zip_bomb_that_lies_about_its_size_is_refused_by_what_inflates() {
    // The directory says 1,000 bytes; the entry inflates to 2 GiB. Reading
    // stops just past the declared size.
    let bytes = zip_bomb_xlsx(2048, Some(1_000));
    let err = quick("lying bomb", || read_table(&bytes)).unwrap_err();
    assert_eq!(err, TableError::TooLarge(Limit::Declared { entry: "xl/worksheets/sheet1.xml".into() }));
    let zh = err.to_problem().render(Lang::Zh);
    assert!(zh.contains("压缩炸弹") && zh.contains("xl/worksheets/sheet1.xml"), "{zh}");
}

#[test]
fn a_shared_string_table_cannot_reserve_billions() {
    let sheet = sheet_xml("A1", r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
    let sst = |count: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{count}"><si><t>户编号</t></si></sst>"#
        )
    };
    let table = read_table(&xlsx_with_sheet(&sheet, Some(&sst("1")))).unwrap();
    assert_eq!(table.headers, ["户编号"]);
    let err = quick("uniqueCount", || read_table(&xlsx_with_sheet(&sheet, Some(&sst("999999999999"))))).unwrap_err();
    assert_eq!(err, TableError::TooLarge(Limit::SharedStrings));
}

#[test]
fn csv_columns_beyond_the_cap_are_refused_when_filled_and_dropped_when_empty() {
    let wide = format!("户编号,身份证号{}\nH1,110105195001010012{}\n", ",".repeat(300), ",".repeat(300));
    let table = read_table(wide.as_bytes()).unwrap();
    assert_eq!(table.headers.len(), limits::MAX_COLUMNS);
    let filled = format!("户编号{}x\n", ",".repeat(250));
    assert_eq!(read_table(filled.as_bytes()), Err(TableError::TooLarge(Limit::Column { line: 1, column: 251 })));
}

#[test]
fn csv_cells_are_capped() {
    // 1,000 columns of nothing but a last value would be a 24-fold blow-up
    // per comma; within the column cap, the cell count stops it.
    let line = format!("{}x\n", ",".repeat(limits::MAX_COLUMNS - 1));
    let rows = limits::MAX_CELLS / limits::MAX_COLUMNS + 2;
    let bytes = line.repeat(rows);
    assert_eq!(read_table(bytes.as_bytes()), Err(TableError::TooLarge(Limit::Cells)));
}

/// A small valid workbook and CSV to mutate.
fn valid_xlsx() -> Vec<u8> {
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row><row r="2"><c r="A2"><v>12</v></c><c r="B2" t="inlineStr"><is><t>110105195001010012</t></is></c></row>"#;
    let sst = r#"<?xml version="1.0" encoding="UTF-8"?><sst uniqueCount="1"><si><t>户编号</t></si></sst>"#;
    xlsx_with_sheet(&sheet_xml("A1:B2", rows), Some(sst))
}

const VALID_CSV: &str = "户编号,身份证号,姓名\nH1,110105195001010012,张三\n\"H2\",\"1101\n05\",李四\n";

fn outcome(bytes: &[u8]) {
    match read_table(bytes) {
        Ok(table) => {
            assert!(table.headers.len() <= limits::MAX_COLUMNS);
            assert!(
                table.rows.iter().all(|(line, cells)| *line > table.header_line && cells.len() <= limits::MAX_COLUMNS)
            );
        }
        Err(TableError::Empty | TableError::Unreadable(_) | TableError::TooLarge(_)) => {}
        Err(other) => panic!("an error the callers do not know: {other:?}"),
    }
}

proptest! {
    // A fixed budget, so CI time stays put.
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), zip_header in any::<bool>()) {
        let bytes = if zip_header { [b"PK\x03\x04".as_slice(), &bytes].concat() } else { bytes };
        outcome(&bytes);
    }

    #[test]
    fn mutated_xlsx_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid_xlsx();
        for (at, value) in edits {
            let idx = at.index(bytes.len());
            bytes[idx] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()).max(4));
        }
        outcome(&bytes);
    }

    #[test]
    fn mutated_csv_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = VALID_CSV.as_bytes().to_vec();
        for (at, value) in edits {
            let idx = at.index(bytes.len());
            bytes[idx] = value;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        outcome(&bytes);
    }
}

#[test]
fn the_valid_seeds_read() {
    let table = read_table(&valid_xlsx()).unwrap();
    assert_eq!(table.headers, ["户编号", "身份证号"]);
    assert_eq!(table.rows, [(2, vec!["12".to_string(), "110105195001010012".to_string()])]);
    assert_eq!(read_table(VALID_CSV.as_bytes()).unwrap().rows.len(), 2);
}

/// Issue 10: the roster export writes every value with `write_string`, so a
/// value that looks like a formula is stored as text (no `<f>` element) and
/// reads back unchanged; Excel does not run it.
#[test]
fn an_exported_formula_like_value_stays_text() {
    use std::io::Read;
    let mut data = super::households(&jiuzhu_files::parse_roster(&super::fixture("roster_utf8.csv")).unwrap());
    let evil = r#"=HYPERLINK("http://evil.example","点此")"#;
    data[0].0.address = evil.to_string();
    let bytes = jiuzhu_files::export::roster_xlsx(&data).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    let mut sheet = String::new();
    archive.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut sheet).unwrap();
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "no formula cells");
    let table = read_table(&bytes).unwrap();
    assert!(table.rows.iter().any(|(_, cells)| cells.iter().any(|c| c == evil)));
}

#[test]
fn one_cell_longer_than_excel_allows_is_refused() {
    let long = "x".repeat(limits::MAX_CELL_TEXT + 1);
    let rows = format!(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>{long}</t></is></c></row>"#);
    let bytes = xlsx_with_sheet(&sheet_xml("A1", &rows), None);
    assert_eq!(read_table(&bytes), Err(TableError::TooLarge(Limit::Text)));
}
