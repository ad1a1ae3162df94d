//! The bank file and the bank's return (issue 12 points 3 and 4): the
//! default file's bytes, identical bytes on every render (xlsx too), what a
//! layout cannot hold, and returns read as they really arrive.

use chrono::NaiveDate;
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::Lang;
use jiuzhu_domain::payment::layout::{BankColumn, BankField, BankFormat, BankLayout, TextEncoding};
use jiuzhu_domain::payment::reconcile::{BankResult, reconcile};
use jiuzhu_domain::{Fen, IdNumber};
use jiuzhu_files::Problem;
use jiuzhu_files::bank::{BankLine, parse_return, render};
use proptest::prelude::*;

fn id(n: u16) -> IdNumber {
    IdNumber::from_parts("340102", NaiveDate::from_ymd_opt(1958, 3, 9).unwrap(), n).unwrap()
}

fn line(seq: u32, name: &str, amount: i64) -> BankLine {
    BankLine {
        seq,
        name: name.to_string(),
        id_number: id(seq as u16 + 100),
        account: format!("62170012345678{seq:05}"),
        bank: "农业银行清河支行".into(),
        item: "最低生活保障金".into(),
        period: YearMonth::new(2026, 12).unwrap(),
        amount: Fen(amount),
        memo: "2026年12月低保金".into(),
    }
}

fn small_roll() -> Vec<BankLine> {
    vec![line(1, "张三", 126_000), line(2, "李四", 80_050), line(3, "王五", 7)]
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, errors) = encoding_rs::GBK.encode(text);
    assert!(!errors);
    bytes.into_owned()
}

fn zh(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(|p| p.render(Lang::Zh)).collect()
}

fn fixed_layout() -> BankLayout {
    let mut layout = BankLayout::yikatong();
    layout.format = BankFormat::FixedWidth;
    let widths = [6, 20, 18, 32, 40, 20, 8, 14, 40, 8, 60];
    for (column, w) in layout.columns.iter_mut().chain(layout.return_columns.iter_mut()).zip(widths) {
        column.width = Some(w);
    }
    layout
}

#[test]
fn the_default_file_of_a_small_roll() {
    let file = render(&BankLayout::yikatong(), &small_roll()).unwrap();
    let (text, _, errors) = encoding_rs::GBK.decode(&file.bytes);
    assert!(!errors, "GBK");
    assert!(std::str::from_utf8(&file.bytes).is_err(), "not UTF-8");
    insta::assert_snapshot!("yikatong_csv", text);
    assert_eq!((file.lines, file.total), (3, Fen(206_057)));
    assert_eq!(file.sha256.len(), 64);
    assert_eq!(file.sha256, render(&BankLayout::yikatong(), &small_roll()).unwrap().sha256);
    let trailer = text.lines().last().unwrap();
    assert_eq!(trailer, "合计,,,,,,,2060.57,笔数:3");
}

#[test]
fn every_format_gives_identical_bytes_on_every_render() {
    for layout in
        [BankLayout::yikatong(), fixed_layout(), BankLayout { format: BankFormat::Xlsx, ..BankLayout::yikatong() }]
    {
        let a = render(&layout, &small_roll()).unwrap();
        let b = render(&layout, &small_roll()).unwrap();
        assert_eq!(a, b, "{:?}", layout.format);
    }
}

#[test]
fn an_xlsx_file_holds_id_numbers_and_accounts_as_text_and_its_creation_time_comes_from_the_roll() {
    let layout = BankLayout { format: BankFormat::Xlsx, ..BankLayout::yikatong() };
    let file = render(&layout, &small_roll()).unwrap();
    assert!(file.bytes.starts_with(b"PK\x03\x04"));
    let table = jiuzhu_files::read_table(&file.bytes).unwrap();
    assert_eq!(table.headers[..4], ["序号", "姓名", "身份证号", "账号"]);
    assert_eq!(table.rows[0].1[2], id(101).as_str(), "the ID number intact");
    assert_eq!(table.rows[0].1[3], "6217001234567800001", "the account intact");
    assert_eq!(table.rows[0].1[7], "1260", "a number of 元");
    assert_eq!(table.rows[3].1[0], "合计");
    assert_eq!(table.rows[3].1[8], "笔数:3");
    let core = unzip_entry(&file.bytes, "docProps/core.xml");
    assert!(core.contains("2026-12-01T00:00:00Z"), "{core}");
    // Read back as a return (with the bank's two columns added) it matches.
    assert_eq!(reconcile_back(&layout, &small_roll()), Ok(()));
}

fn unzip_entry(bytes: &[u8], name: &str) -> String {
    // The archive is stored by rust_xlsxwriter with deflate; the files
    // crate's own reader is private, so look the part up by its name and
    // inflate it with the zip crate calamine also uses.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
    text
}

/// Renders `lines`, adds 成功 to each line as a bank would, reads it back
/// and reconciles it with the roll.
fn reconcile_back(layout: &BankLayout, lines: &[BankLine]) -> Result<(), String> {
    let file = render(layout, lines).map_err(|p| zh(&p).join("\n"))?;
    let returned = with_results(layout, &file.bytes, lines.len());
    let read = parse_return(&returned, layout).map_err(|p| zh(&p).join("\n"))?;
    if read.total() != file.total || read.lines.len() != file.lines {
        return Err(format!("{:?} {:?}", read.total(), read.lines.len()));
    }
    let roll: Vec<_> = lines.iter().map(BankLine::roll_entry).collect();
    let outcomes = reconcile(&roll, &read.lines).map_err(|p| format!("{p:?}"))?;
    if outcomes.iter().all(|o| o.result == BankResult::Paid) { Ok(()) } else { Err("not all paid".into()) }
}

/// The bank's return of a file: every line 成功 (an xlsx is returned as a
/// GBK CSV with the same cells, as banks often do).
fn with_results(layout: &BankLayout, bytes: &[u8], n: usize) -> Vec<u8> {
    match layout.format {
        BankFormat::Xlsx => {
            let table = jiuzhu_files::read_table(bytes).unwrap();
            let mut text = format!("{},处理结果,失败原因\r\n", table.headers.join(","));
            for (_, cells) in &table.rows {
                let trailer = cells[0] == "合计";
                text.push_str(&cells.join(","));
                text.push_str(if trailer { "\r\n" } else { ",成功,\r\n" });
            }
            encoding_rs::GB18030.encode(&text).0.into_owned()
        }
        BankFormat::Csv => {
            let (text, encoding) = decode(layout, bytes);
            let mut out = String::new();
            for (i, l) in text.lines().enumerate() {
                let is_line = (!layout.header || i > 0) && i < n + usize::from(layout.header);
                let is_header = layout.header && i == 0;
                out.push_str(l);
                out.push_str(if is_header {
                    ",处理结果,失败原因"
                } else if is_line {
                    ",成功,"
                } else {
                    ""
                });
                out.push_str("\r\n");
            }
            encode(encoding, &out)
        }
        BankFormat::FixedWidth => {
            let mut out = Vec::new();
            for (i, l) in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).enumerate() {
                let l = l.strip_suffix(b"\r").unwrap_or(l);
                out.extend_from_slice(l);
                let is_header = layout.header && i == 0;
                let is_line = !is_header && i < n + usize::from(layout.header);
                if is_header {
                    out.extend_from_slice(&encode(layout.encoding, "处理结果"));
                } else if is_line {
                    out.extend_from_slice(&encode(layout.encoding, "成功"));
                }
                out.extend_from_slice(b"\r\n");
            }
            out
        }
    }
}

fn decode(layout: &BankLayout, bytes: &[u8]) -> (String, TextEncoding) {
    match layout.encoding {
        TextEncoding::Utf8 => (String::from_utf8(bytes.to_vec()).unwrap(), TextEncoding::Utf8),
        e => (encoding_rs::GB18030.decode(bytes).0.into_owned(), e),
    }
}

fn encode(encoding: TextEncoding, text: &str) -> Vec<u8> {
    match encoding {
        TextEncoding::Utf8 => text.as_bytes().to_vec(),
        _ => encoding_rs::GB18030.encode(text).0.into_owned(),
    }
}

#[test]
fn a_character_gbk_lacks_and_a_value_wider_than_its_column_are_named() {
    let mut lines = small_roll();
    lines[1].name = "李𪚥".into();
    assert_eq!(
        zh(&render(&BankLayout::yikatong(), &lines).unwrap_err()),
        ["第3行 B列（姓名）：“李𪚥”中的“𪚥”无法用GBK编码，请改用GB18030或UTF-8编码的格式。"]
    );
    let gb18030 = BankLayout { encoding: TextEncoding::Gb18030, ..BankLayout::yikatong() };
    assert_eq!(reconcile_back(&gb18030, &lines), Ok(()));

    let mut layout = fixed_layout();
    layout.columns[4].width = Some(10);
    assert_eq!(
        zh(&render(&layout, &small_roll()[..1]).unwrap_err()),
        ["第2行 E列（开户行）：“农业银行清河支行”占16字节，超过该列的宽度10字节。"]
    );
}

#[test]
fn a_negative_amount_a_repeated_number_and_a_line_break_are_refused() {
    let mut lines = small_roll();
    lines[0].amount = Fen(-100);
    lines[2].seq = 2;
    lines[1].memo = "低保\n金".into();
    assert_eq!(
        zh(&render(&BankLayout::yikatong(), &lines).unwrap_err()),
        // In the order of the lines.
        [
            "第2行 H列（金额）：发放金额须大于零，现为-1.00元。",
            "第3行 I列（摘要）：内容中有换行等控制字符。",
            "第4行 A列（序号）：序号2重复。",
        ]
    );
}

#[test]
fn formula_like_text_is_escaped_and_commas_quoted() {
    let mut lines = small_roll();
    lines[0].memo = "=HYPERLINK(\"x\")".into();
    lines[1].bank = "农行,清河".into();
    let file = render(&BankLayout { encoding: TextEncoding::Utf8, ..BankLayout::yikatong() }, &lines).unwrap();
    let text = String::from_utf8(file.bytes).unwrap();
    assert!(text.contains(",\"'=HYPERLINK(\"\"x\"\")\"\r\n"), "{text}");
    assert!(text.contains(",\"农行,清河\","), "{text}");
}

#[test]
fn a_return_as_banks_send_it_is_read() {
    // A title line, titles with spaces and the bank's own words, full-width
    // digits, amounts with commas, a failure with its reason, a trailer.
    let text = "XX银行代发回盘明细\r\n\
        序 号,户名,身份证号码,卡号,开户行,补贴项目,补贴期号,发放金额,摘要,处理 结果,失败原因\r\n\
        １,张三,{id1},6217 0012 3456 7800 001,农业银行清河支行,最低生活保障金,202612,\"1,260.00\",2026年12月低保金,成功,\r\n\
        2,李四,{id2},6217001234567800002,农业银行清河支行,最低生活保障金,２０２６１２,800.5,2026年12月低保金,失败,账户已销户\r\n\
        3,王五,{id3},6217001234567800003,农业银行清河支行,最低生活保障金,202612,0.07,2026年12月低保金,交易成功,\r\n\
        合计,,,,,,,\"2,060.57\",笔数:3\r\n"
        .replace("{id1}", id(101).as_str())
        .replace("{id2}", id(102).as_str())
        .replace("{id3}", id(103).as_str());
    let read = parse_return(&gbk(&text), &BankLayout::yikatong()).unwrap();
    assert_eq!(read.format, "csv/gb18030");
    assert_eq!(read.lines.len(), 3);
    assert_eq!(read.lines[0].line, 3);
    assert_eq!(read.lines[0].account, "6217001234567800001");
    assert_eq!(read.lines[0].amount, Fen(126_000));
    assert_eq!(read.lines[1].period, YearMonth::new(2026, 12));
    assert_eq!(read.lines[1].result, BankResult::Failed { reason: "账户已销户".into() });
    assert_eq!(read.trailer.as_ref().map(|t| (t.line, t.total, t.count)), Some((6, Fen(206_057), Some(3))));
    let roll: Vec<_> = small_roll().iter().map(BankLine::roll_entry).collect();
    let outcomes = reconcile(&roll, &read.lines).unwrap();
    assert_eq!(outcomes[1].result, BankResult::Failed { reason: "账户已销户".into() });
}

#[test]
fn every_problem_of_a_return_is_named_with_its_line_and_column() {
    let text = "序号,姓名,身份证号,账号,开户行,补贴项目,补贴期号,金额,摘要,处理结果,失败原因\n\
        1,张三,3.40102E+17,6.21700E+18,,,202612,1260,,成功,\n\
        x,李四,{id2},6217001234567800002,,,2026-13,12.345,,待定,\n\
        3,王五,{id3},6217001234567800003,,,202612,,,,\n"
        .replace("{id2}", id(102).as_str())
        .replace("{id3}", id(103).as_str());
    let problems = parse_return(text.as_bytes(), &BankLayout::yikatong()).unwrap_err();
    assert_eq!(
        zh(&problems),
        [
            "第2行 C列（身份证号）：身份证号被Excel转成了科学计数法（3.40102E+17），后几位已丢失。请将该列设为“文本”格式后重新录入。",
            "第2行 D列（账号）：账号被Excel改成了科学计数法（6.21700E+18），后几位已经丢失；请银行将该列设为文本格式后重新导出。",
            "第3行 A列（序号）：序号应为正整数，现为“x”。",
            "第3行 H列（金额）：金额无法识别：“12.345”。",
            "第3行 G列（补贴期号）：补贴期号无法识别：“2026-13”（应为年月，如202612）。",
            "第3行 J列（处理结果）：处理结果无法识别：“待定”（应为“成功”或“失败”）。",
            "第4行 H列（金额）：“金额”为空。",
            "第4行 J列（处理结果）：“处理结果”为空。",
        ]
    );
}

#[test]
fn a_trailer_that_does_not_add_up_and_lines_after_it_are_refused() {
    let body = |trailer: &str| {
        format!(
            "序号,姓名,身份证号,账号,开户行,补贴项目,补贴期号,金额,摘要,处理结果,失败原因\n\
             1,张三,{},6217001234567800001,,,202612,1260.00,,成功,\n{trailer}",
            id(101).as_str()
        )
    };
    let layout = BankLayout::yikatong();
    assert_eq!(
        zh(&parse_return(body("合计,,,,,,,1260.01,笔数:2\n").as_bytes(), &layout).unwrap_err()),
        [
            "第3行 H列（金额）：合计行的金额1,260.01元与各明细行金额之和1,260.00元不符。",
            "第3行：合计行的笔数2与明细行数1不符。",
        ]
    );
    assert_eq!(
        zh(&parse_return(body("合计,,,,,,,1260.00,笔数:1\n4,赵六\n").as_bytes(), &layout).unwrap_err()),
        ["第4行：合计行之后还有内容。"]
    );
    assert!(parse_return(body("合  计,,,,,,,\"1,260.00\",1\n").as_bytes(), &layout).is_ok());
    assert_eq!(
        zh(&parse_return(body("合计,,,,,,,约一千,\n").as_bytes(), &layout).unwrap_err()),
        ["第3行 H列（金额）：合计行的金额无法识别：“约一千”。"]
    );
}

#[test]
fn a_return_without_the_needed_columns_or_any_header_is_refused() {
    let layout = BankLayout::yikatong();
    assert_eq!(
        zh(&parse_return("序号,姓名,身份证号,账号,金额\n1,张三\n".as_bytes(), &layout).unwrap_err()),
        ["第1行：回盘文件缺少“处理结果”列。"]
    );
    assert_eq!(
        zh(&parse_return("序号,卡号,账号,身份证号,金额,处理结果\n".as_bytes(), &layout).unwrap_err()),
        ["第1行 C列（账号）：“账号”列出现了两次（B列和C列），无法确定以哪一列为准。"]
    );
    assert_eq!(
        zh(&parse_return("a,b\n1,2\n".as_bytes(), &layout).unwrap_err()),
        ["找不到表头行：前20行中没有同时含“序号”“身份证号”“账号”“金额”“处理结果”等列标题的行。"]
    );
}

#[test]
fn a_return_without_a_header_is_read_by_the_layout_order() {
    let layout = BankLayout { header: false, trailer: false, ..BankLayout::yikatong() };
    assert_eq!(reconcile_back(&layout, &small_roll()), Ok(()));
}

#[test]
fn a_hostile_return_stops_listing_after_a_thousand_problems() {
    let mut text = String::from("序号,身份证号,账号,金额,处理结果\n");
    for _ in 0..1500 {
        text.push_str("x,x,x,x,x\n");
    }
    let problems = parse_return(text.as_bytes(), &BankLayout::yikatong()).unwrap_err();
    assert_eq!(problems.len(), 1001);
    assert_eq!(problems[1000].render(Lang::Zh), "另有6500处问题未列出，请先改正以上问题。");
}

#[test]
fn a_fixed_width_return_cut_inside_a_character_is_named() {
    let mut layout = fixed_layout();
    layout.columns[1].width = Some(4);
    let file = render(&layout, &small_roll()[..1]).unwrap();
    let mut bytes = with_results(&layout, &file.bytes, 1);
    // Shift the data line by one byte: the name's characters are cut.
    let at = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    bytes.insert(at, b' ');
    let problems = parse_return(&bytes, &layout).unwrap_err();
    assert!(
        zh(&problems).iter().any(|p| p.starts_with("第2行") && p.contains("截断了一个汉字")),
        "{:?}",
        zh(&problems)
    );
}

fn layouts() -> impl Strategy<Value = BankLayout> {
    (0usize..3, 0usize..3, any::<bool>(), any::<bool>()).prop_map(|(format, encoding, header, trailer)| {
        let mut layout = if format == 1 { fixed_layout() } else { BankLayout::yikatong() };
        layout.format = [BankFormat::Csv, BankFormat::FixedWidth, BankFormat::Xlsx][format];
        layout.encoding = [TextEncoding::Gbk, TextEncoding::Gb18030, TextEncoding::Utf8][encoding];
        if layout.encoding == TextEncoding::Utf8 {
            // Three bytes a character in UTF-8.
            for column in layout.columns.iter_mut().chain(layout.return_columns.iter_mut()) {
                column.width = column.width.map(|w| w * 2);
            }
        }
        layout.header = header || layout.format == BankFormat::Xlsx;
        layout.trailer = trailer;
        layout
    })
}

fn bank_lines() -> impl Strategy<Value = Vec<BankLine>> {
    let names = prop::sample::select(vec!["张三", "欧阳娜娜", "李", "Ayşe", "王小二", "司马光明"]);
    proptest::collection::vec((names, 1i64..100_000_000, 1u16..999, 8usize..=19), 1..30).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (name, amount, n, digits))| BankLine {
                account: "6".repeat(digits - 1) + &(i % 10).to_string(),
                id_number: id(n),
                ..line(i as u32 + 1, name, amount)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// render → the bank adds 成功 → parse_return → reconcile: every line
    /// paid, in every format, encoding, with or without header and trailer.
    #[test]
    fn a_rendered_file_returned_with_success_round_trips(layout in layouts(), lines in bank_lines()) {
        let layout = if layout.encoding == TextEncoding::Gbk && lines.iter().any(|l| l.name == "Ayşe") {
            BankLayout { encoding: TextEncoding::Gb18030, ..layout }
        } else {
            layout
        };
        prop_assert_eq!(reconcile_back(&layout, &lines), Ok(()));
    }
}

#[test]
fn a_layout_column_the_bank_renamed_is_read_by_its_alias() {
    let mut layout = BankLayout::yikatong();
    layout.columns[3] = BankColumn { field: BankField::Account, title: "收款账号".into(), width: None };
    assert_eq!(reconcile_back(&layout, &small_roll()), Ok(()));
}

#[test]
fn an_xlsx_return_whose_numbers_excel_converted_is_named() {
    // The bank's workbook with the ID number and account typed as numbers:
    // Excel keeps 15 significant digits and shows 3.40102E+17.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let titles = ["序号", "姓名", "身份证号", "账号", "金额", "处理结果", "失败原因"];
    for (col, title) in titles.iter().enumerate() {
        sheet.write_string(0, col as u16, *title).unwrap();
    }
    sheet.write_number(1, 0, 1.0).unwrap();
    sheet.write_string(1, 1, "张三").unwrap();
    sheet.write_number(1, 2, 340_102_195_803_091_014.0).unwrap();
    sheet.write_number(1, 3, 6_217_001_234_567_800_001.0).unwrap();
    sheet.write_number(1, 4, 1260.0).unwrap();
    sheet.write_string(1, 5, "成功").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let problems = parse_return(&bytes, &BankLayout::yikatong()).unwrap_err();
    let zh = zh(&problems);
    assert_eq!(zh.len(), 2, "{zh:?}");
    assert!(
        zh[0].starts_with("第2行 C列（身份证号）：身份证号被Excel转成了科学计数法（3.40102195803091E+17）"),
        "{zh:?}"
    );
    assert!(zh[1].starts_with("第2行 D列（账号）：账号被Excel改成了科学计数法（6.2170012345678E+18）"), "{zh:?}");
}
