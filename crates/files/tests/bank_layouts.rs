//! A county's own bank layouts (issue 12 point 3): the columns in the
//! bank's order and titles, fixed-width widths counted in bytes of the
//! encoding, header and trailer on or off — the file written and its return
//! read back in every format and encoding. The fixed-width GBK file of a
//! small roll is fixed by a snapshot.

use chrono::NaiveDate;
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::layout::{BankColumn, BankField, BankFormat, BankLayout, TextEncoding, byte_width};
use jiuzhu_domain::payment::reconcile::{BankResult, reconcile};
use jiuzhu_domain::{Fen, IdNumber};
use jiuzhu_files::bank::{BankLine, parse_return, render, text_of};

fn line(seq: u32, name: &str, amount: i64) -> BankLine {
    BankLine {
        seq,
        name: name.to_string(),
        id_number: IdNumber::from_parts("340102", NaiveDate::from_ymd_opt(1958, 3, 9).unwrap(), seq as u16 + 100)
            .unwrap(),
        account: format!("62170012345678{seq:05}"),
        bank: "农业银行清河支行".into(),
        item: "最低生活保障金".into(),
        period: YearMonth::new(2026, 12).unwrap(),
        amount: Fen(amount),
        memo: "2026年12月低保金".into(),
    }
}

fn small_roll() -> Vec<BankLine> {
    vec![line(1, "张三", 126_000), line(2, "欧阳娜娜", 80_050), line(3, "李", 7)]
}

fn col(field: BankField, title: &str, width: u16) -> BankColumn {
    BankColumn { field, title: title.into(), width: Some(width) }
}

/// An agricultural bank's template: its own order and titles, no 开户行 or
/// 补贴项目, the amount last but one.
fn bank_layout(format: BankFormat, encoding: TextEncoding) -> BankLayout {
    use BankField::*;
    BankLayout {
        format,
        encoding,
        header: true,
        trailer: true,
        columns: vec![
            col(Seq, "顺序号", 6),
            col(Account, "卡号", 20),
            col(Name, "户名", 12),
            col(IdNumber, "证件号码", 18),
            col(Period, "期号", 6),
            col(Amount, "金额", 12),
            col(Memo, "附言", 24),
        ],
        return_columns: vec![col(Result, "处理结果", 8), col(Reason, "失败原因", 16)],
    }
}

#[test]
fn a_fixed_width_gbk_file_counts_widths_in_gbk_bytes() {
    let layout = bank_layout(BankFormat::FixedWidth, TextEncoding::Gbk);
    let file = render(&layout, &small_roll()).unwrap();
    let width: usize = layout.columns.iter().map(|c| usize::from(c.width.unwrap())).sum();
    let lines: Vec<&[u8]> = file.bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 5);
    for l in &lines {
        assert_eq!(l.len(), width + 1, "{width} bytes and CR: {:?}", text_of(&layout, l));
    }
    let text = text_of(&layout, &file.bytes);
    // 欧阳娜娜: 8 GBK bytes (12 in UTF-8) padded to 12.
    assert!(text.contains("6217001234567800002 欧阳娜娜    340102"), "{text}");
    assert_eq!(byte_width("欧阳娜娜", TextEncoding::Gbk), 8);
    // Each line's end marked, so the padding shows in the snapshot.
    let shown: String = text.lines().map(|l| format!("{l}|\n")).collect();
    insta::assert_snapshot!("fixed_width_gbk_bank_layout", shown);
}

#[test]
fn a_value_wider_than_its_gbk_column_is_named_though_its_characters_would_fit() {
    let mut layout = bank_layout(BankFormat::FixedWidth, TextEncoding::Gbk);
    layout.columns[2].width = Some(7);
    let problems = render(&layout, &small_roll()).unwrap_err();
    let zh: Vec<String> = problems.iter().map(|p| p.render(jiuzhu_domain::i18n::Lang::Zh)).collect();
    assert_eq!(zh.len(), 1, "{zh:?}");
    assert!(zh[0].starts_with("第3行 C列（户名）：“欧阳娜娜”占8字节"), "{zh:?}");
}

/// The return of a file: every line 成功 but the second, 失败 账户已销户,
/// in the file's own format and encoding.
fn returned(layout: &BankLayout, bytes: &[u8], n: usize) -> Vec<u8> {
    let result = |i: usize| if i == 1 { ("失败", "账户已销户") } else { ("成功", "") };
    let header = usize::from(layout.header);
    match layout.format {
        BankFormat::Xlsx => {
            let table = jiuzhu_files::read_table(bytes).unwrap();
            let mut rows: Vec<Vec<String>> = Vec::new();
            if layout.header {
                let mut titles = table.headers.clone();
                titles.extend(["处理结果".to_string(), "失败原因".to_string()]);
                rows.push(titles);
            } else {
                rows.push(table.headers.clone());
            }
            rows.extend(table.rows.iter().map(|(_, c)| c.clone()));
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (r, cells) in rows.iter().enumerate() {
                let mut cells = cells.clone();
                let i = r as isize - header as isize;
                if i >= 0 && (i as usize) < n {
                    let (a, b) = result(i as usize);
                    cells.extend([a.to_string(), b.to_string()]);
                }
                for (c, v) in cells.iter().enumerate() {
                    sheet.write_string(r as u32, c as u16, v).unwrap();
                }
            }
            book.save_to_buffer().unwrap()
        }
        BankFormat::Csv | BankFormat::FixedWidth => {
            let fixed = layout.format == BankFormat::FixedWidth;
            let text = text_of(layout, bytes);
            let mut out = String::new();
            for (r, l) in text.lines().enumerate() {
                out.push_str(l);
                let cells = if layout.header && r == 0 {
                    Some(("处理结果", "失败原因"))
                } else if r >= header && r - header < n {
                    Some(result(r - header))
                } else {
                    None
                };
                if let Some((a, b)) = cells {
                    if fixed {
                        for (value, column) in [a, b].into_iter().zip(&layout.return_columns) {
                            let pad = usize::from(column.width.unwrap()) - byte_width(value, layout.encoding);
                            out.push_str(value);
                            out.push_str(&" ".repeat(pad));
                        }
                    } else {
                        out.push_str(&format!(",{a},{b}"));
                    }
                }
                out.push_str("\r\n");
            }
            match layout.encoding {
                TextEncoding::Utf8 => out.into_bytes(),
                _ => encoding_rs::GB18030.encode(&out).0.into_owned(),
            }
        }
    }
}

#[test]
fn every_format_and_encoding_of_a_bank_layout_is_written_and_its_return_read() {
    let lines = small_roll();
    let roll: Vec<_> = lines.iter().map(BankLine::roll_entry).collect();
    for format in BankFormat::ALL {
        for encoding in TextEncoding::ALL {
            for (header, trailer) in [(true, true), (true, false), (false, true), (false, false)] {
                let mut layout = bank_layout(*format, *encoding);
                (layout.header, layout.trailer) = (header, trailer);
                if *encoding == TextEncoding::Utf8 {
                    for c in layout.columns.iter_mut().chain(layout.return_columns.iter_mut()) {
                        c.width = c.width.map(|w| w * 2);
                    }
                }
                let case = format!("{format:?} {encoding:?} header {header} trailer {trailer}");
                let file = render(&layout, &lines).unwrap_or_else(|p| panic!("{case}: {p:?}"));
                assert_eq!(render(&layout, &lines).unwrap().bytes, file.bytes, "{case}: the same bytes");
                let back = returned(&layout, &file.bytes, lines.len());
                let read = parse_return(&back, &layout).unwrap_or_else(|p| panic!("{case}: {p:?}"));
                assert_eq!((read.lines.len(), read.total()), (3, file.total), "{case}");
                assert_eq!(read.trailer.is_some(), trailer, "{case}");
                let outcomes = reconcile(&roll, &read.lines).unwrap_or_else(|p| panic!("{case}: {p:?}"));
                let results: Vec<&BankResult> = outcomes.iter().map(|o| &o.result).collect();
                assert_eq!(results[0], &BankResult::Paid, "{case}");
                assert_eq!(results[1], &BankResult::Failed { reason: "账户已销户".into() }, "{case}");
            }
        }
    }
}
