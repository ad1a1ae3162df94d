//! Department data deliveries (部门数据): one file of one dataset kind of
//! `datasets.md`, every column of the catalogue read and normalised.
//!
//! A file that cannot be read, or lacks a required column, is refused as a
//! whole. Rows that fail validation are skipped and listed, each problem
//! with its line, column and reason; the rest of the file is used
//! (`datasets.md`, "Department data"). Values are normalised once here:
//! ID numbers to 18 characters, money to fen, areas to hundredths of m²,
//! dates to ISO, so the database holds one spelling of everything.

use std::collections::BTreeSet;

use jiuzhu_domain::dataset::{Column, ColumnType, DatasetKind, parse_area, parse_date, parse_month, parse_year};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::text::{clean, header_key};
use jiuzhu_domain::{Fen, IdNumber};

use crate::roster::{ColumnRef, Problem};
use crate::table::{Table, read_table};

/// One accepted row: the person, the values in catalogue order (empty when
/// absent), and what the household sums read from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeptRecord {
    pub line: usize,
    pub id_number: IdNumber,
    /// `(column name, normalised value)` for every catalogue column after
    /// the ID number: money in fen, areas in hundredths, dates `YYYY-MM-DD`,
    /// months `YYYY-MM`.
    pub values: Vec<(&'static str, String)>,
    /// The amount the sums add (fen, or hundredths of m²), if the kind has one.
    pub amount: Option<i64>,
    /// The value a value set classifies (vehicle type, usage, status).
    pub category: Option<String>,
}

/// A parsed delivery file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFile {
    pub kind: DatasetKind,
    pub records: Vec<DeptRecord>,
    /// Every problem of the rows that were skipped.
    pub rejected: Vec<Problem>,
    /// Things worth knowing that do not stop the import (unknown columns).
    pub warnings: Vec<Problem>,
    /// Data rows in the file.
    pub rows_read: usize,
    pub format: &'static str,
}

impl DeliveryFile {
    /// The number of rows skipped (a row may have several problems).
    pub fn rows_rejected(&self) -> usize {
        self.rejected.iter().filter_map(|p| p.line).collect::<BTreeSet<_>>().len()
    }
}

/// Reads a delivery of `kind` from a CSV (UTF-8 or GBK) or xlsx file.
pub fn parse_delivery(kind: DatasetKind, bytes: &[u8]) -> Result<DeliveryFile, Vec<Problem>> {
    let table = read_table(bytes).map_err(|e| vec![e.to_problem()])?;
    parse_delivery_table(kind, &table)
}

/// Reads a delivery from a table already decoded.
pub fn parse_delivery_table(kind: DatasetKind, table: &Table) -> Result<DeliveryFile, Vec<Problem>> {
    let keys: Vec<String> = table.headers.iter().map(|h| header_key(h)).collect();
    let columns = kind.columns();
    let mut found: Vec<Option<ColumnRef>> = Vec::with_capacity(columns.len());
    let mut problems = Vec::new();
    for column in columns {
        let idx = keys.iter().position(|k| column.matches(k));
        if idx.is_none() && column.required {
            problems.push(Problem {
                line: Some(table.header_line),
                column: None,
                message: Message::new("import.error.missing_column").arg("column", column.display()),
            });
        }
        found.push(idx.map(|index| ColumnRef { index, header: table.headers[index].clone() }));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let warnings = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| !k.is_empty() && !columns.iter().any(|c| c.matches(k)))
        .map(|(index, _)| Problem {
            line: Some(table.header_line),
            column: Some(ColumnRef { index, header: table.headers[index].clone() }),
            message: Message::new("import.warning.unknown_column").arg("column", table.headers[index].trim()),
        })
        .collect();

    let mut records = Vec::with_capacity(table.rows.len());
    let mut rejected = Vec::new();
    for (line, cells) in &table.rows {
        let mut row_problems = Vec::new();
        let mut id_number = None;
        let mut values = Vec::with_capacity(columns.len());
        for (column, place) in columns.iter().zip(&found) {
            let raw = place.as_ref().and_then(|c| cells.get(c.index)).map(String::as_str).unwrap_or("");
            match read_value(column, raw) {
                Ok(Value::Id(id)) => id_number = Some(id),
                Ok(Value::Text(v)) => values.push((column.name, v)),
                Err(message) => row_problems.push(Problem { line: Some(*line), column: place.clone(), message }),
            }
        }
        match id_number {
            Some(id_number) if row_problems.is_empty() => {
                let value = |name: Option<&str>| {
                    name.and_then(|n| values.iter().find(|(c, _)| *c == n)).map(|(_, v)| v.clone())
                };
                let amount = value(kind.amount_column()).map(|v| v.parse().unwrap_or(0));
                let category = value(kind.category_column());
                records.push(DeptRecord { line: *line, id_number, values, amount, category });
            }
            _ => rejected.extend(row_problems),
        }
    }
    Ok(DeliveryFile { kind, records, rejected, warnings, rows_read: table.rows.len(), format: table.format })
}

enum Value {
    Id(IdNumber),
    Text(String),
}

/// The longest value a delivery's cell may hold, in characters.
pub const MAX_CELL: usize = 500;

/// Validates and normalises one cell.
fn read_value(column: &Column, raw: &str) -> Result<Value, Message> {
    // No department value is long (a plate, an address, a company name); a
    // huge cell is refused by length, never echoed back in full.
    let limit = jiuzhu_domain::limits::TextLimit::new(column.aliases[0], column.name, MAX_CELL);
    limit.check(raw.trim())?;
    let text = clean(raw);
    if text.is_empty() {
        return if column.required { Err(Message::new("import.error.required")) } else { Ok(Value::Text(text)) };
    }
    let bad = |key: &'static str| Message::new(key).arg("value", raw.trim());
    Ok(match column.ty {
        ColumnType::IdNumber => Value::Id(IdNumber::parse(&text).map_err(|e| e.to_message())?),
        ColumnType::Text => Value::Text(text),
        ColumnType::Money => {
            Value::Text(Fen::parse_yuan(&text).map_err(|_| bad("import.error.bad_money"))?.0.to_string())
        }
        ColumnType::Area => Value::Text(parse_area(&text).ok_or_else(|| bad("import.error.bad_area"))?.to_string()),
        ColumnType::Date => {
            Value::Text(parse_date(&text).ok_or_else(|| bad("verify.error.bad_date"))?.format("%Y-%m-%d").to_string())
        }
        ColumnType::Month => {
            Value::Text(parse_month(&text).ok_or_else(|| bad("verify.error.bad_date"))?.format("%Y-%m").to_string())
        }
        ColumnType::Year => Value::Text(parse_year(&text).ok_or_else(|| bad("import.error.bad_year"))?.to_string()),
        ColumnType::Integer => {
            Value::Text(text.parse::<u32>().map_err(|_| bad("import.error.bad_integer"))?.to_string())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_is_read_and_normalised() {
        let csv = "权利人证件号,不动产单元号,用途,建筑面积,坐落区划,备注\n\
                   11010519491231002x,U1,住宅,\"1,085.5\",340102001001,x\n\
                   110105491231002,U2,车位,12,,\n";
        let file = parse_delivery(DatasetKind::RealEstate, csv.as_bytes()).unwrap();
        assert_eq!(file.rows_read, 2);
        assert_eq!(file.records.len(), 2, "{:?}", file.rejected);
        let r = &file.records[0];
        assert_eq!(r.line, 2);
        assert_eq!(r.amount, Some(108_550));
        assert_eq!(r.category.as_deref(), Some("住宅"));
        assert_eq!(r.values[0], ("property_id", "U1".to_string()));
        assert_eq!(file.records[1].id_number.as_str(), "11010519491231002X");
        assert_eq!(file.warnings.len(), 1, "the unknown column 备注 is a warning");
    }

    #[test]
    fn bad_rows_are_listed_and_skipped() {
        let csv = "id_number,period,contribution_base_yuan\n\
                   3.40102194912310E+17,2025-10,5000\n\
                   11010519491231002X,2025-13,abc\n\
                   11010519491231002X,202510,4000\n";
        let file = parse_delivery(DatasetKind::SocialInsurance, csv.as_bytes()).unwrap();
        assert_eq!(file.records.len(), 1);
        assert_eq!(file.records[0].values[0], ("period", "2025-10".to_string()));
        assert_eq!(file.rows_rejected(), 2);
        let lines: Vec<_> = file.rejected.iter().map(|p| (p.line, p.column.as_ref().map(|c| c.letter()))).collect();
        assert_eq!(lines, vec![(Some(2), Some("A".into())), (Some(3), Some("B".into())), (Some(3), Some("C".into()))]);
        assert!(file.rejected[0].render(jiuzhu_domain::Lang::Zh).contains("科学计数"), "{:?}", file.rejected[0]);
    }

    #[test]
    fn an_overlong_cell_rejects_its_row_naming_line_column_and_limit() {
        let csv = format!("身份证号,号牌号码,车辆类型\n11010519491231002X,{},小型轿车\n", "皖".repeat(100_000));
        let file = parse_delivery(DatasetKind::Vehicle, csv.as_bytes()).unwrap();
        assert_eq!((file.records.len(), file.rows_rejected()), (0, 1));
        let problem = &file.rejected[0];
        assert_eq!((problem.line, problem.column.as_ref().map(|c| c.letter())), (Some(2), Some("B".into())));
        let text = problem.render(jiuzhu_domain::Lang::Zh);
        assert!(text.contains("过长：最多500个字符") && text.len() < 300, "{text}");
    }

    #[test]
    fn xlsx_deliveries_read_like_csv_with_dates_as_dates() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["身份证号", "金融机构", "余额", "截止日期"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_string(1, 0, "11010519491231002x").unwrap();
        sheet.write_string(1, 1, "某银行").unwrap();
        sheet.write_number(1, 2, 1234.5).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 9, 30).unwrap();
        sheet
            .write_datetime_with_format(1, 3, &date, &rust_xlsxwriter::Format::new().set_num_format("yyyy/m/d"))
            .unwrap();
        sheet.write_number(2, 0, 110105194912310020.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let file = parse_delivery(DatasetKind::Deposit, &bytes).unwrap();
        assert_eq!(file.format, "xlsx");
        assert_eq!(file.records.len(), 1);
        let r = &file.records[0];
        assert_eq!((r.id_number.as_str(), r.amount), ("11010519491231002X", Some(123_450)));
        assert_eq!(r.values[2], ("as_of_date", "2025-09-30".to_string()));
        assert_eq!(file.rows_rejected(), 1, "the row whose ID number Excel stored as a float");
        assert!(file.rejected.iter().all(|p| p.line == Some(3)));
        assert_eq!(file.rejected[0].message.key, "id.error.scientific");
    }

    #[test]
    fn a_missing_required_column_refuses_the_file() {
        let problems = parse_delivery(DatasetKind::Vehicle, "身份证号,号牌号码\n11010519491231002X,皖A1\n".as_bytes())
            .unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].render(jiuzhu_domain::Lang::Zh).contains("车辆类型（vehicle_type）"));
    }
}
