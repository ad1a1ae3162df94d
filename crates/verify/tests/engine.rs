//! The engine on real files: hand-computed sums for a small county, and a
//! property test against a straightforward reference implementation.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use jiuzhu_domain::IdNumber;
use jiuzhu_domain::i18n::Lang;
use jiuzhu_verify::*;
use proptest::prelude::*;

fn id(region: &str, y: i32, m: u32, d: u32, seq: u16) -> String {
    IdNumber::from_parts(region, NaiveDate::from_ymd_opt(y, m, d).unwrap(), seq).unwrap().to_string()
}

fn write(dir: &Path, name: &str, text: &str, gbk: bool) {
    let bytes = if gbk { encoding_rs::GBK.encode(text).0.into_owned() } else { text.as_bytes().to_vec() };
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn run(dir: &Path) -> (String, String, Verification) {
    let (_, result) = verify_files(&dir.join("members.csv"), dir, &mut |_, _, _| {}).unwrap();
    // The members read first, then the files: the same sums, and the same
    // errors once the members' are put first.
    let (members, mut errors) = read_members(&dir.join("members.csv")).unwrap();
    let mut apart = verify_dir(&members, dir, &mut |_, _, _| {}).unwrap();
    errors.append(&mut apart.errors);
    assert_eq!(apart.households, result.households);
    assert_eq!(errors, result.errors);
    let mut report = Vec::new();
    write_report(&mut report, &result.households).unwrap();
    let mut errs = Vec::new();
    write_errors(&mut errs, &result.errors, Lang::Zh).unwrap();
    (String::from_utf8(report).unwrap(), String::from_utf8(errs).unwrap(), result)
}

#[test]
fn a_small_county_by_hand() {
    let dir = std::env::temp_dir().join(format!("jiuzhu-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = id("340102", 1960, 1, 1, 11);
    let b = id("340102", 1962, 2, 2, 22);
    let c = id("340102", 1950, 3, 3, 33);
    let d = id("340102", 1945, 4, 4, 44);
    let b15 = format!("{}{}", &b[..6], &b[8..17]);
    let d_lower = d.to_lowercase();
    let x = id("340103", 1980, 5, 5, 55);
    write(
        &dir,
        "members.csv",
        &format!("户编号,身份证号,姓名\nH2,{c},丙\nH1,{a},甲\nH1,{b},乙\nH3,{d},丁\nH3,{a},甲\nH3,3.4E+17,坏\n"),
        false,
    );
    write(
        &dir,
        "social_insurance.csv",
        &format!(
            "id_number,period,employer_name,contribution_base_yuan\n{a},2025-01,厂,3000\n{a},2025-02,厂,3001\n{b},2025-01,店,2000.00\n{x},2025-01,外,9999\n123,2025-01,坏,1\n{b},2025-02,店,abc\n,,,\r\n"
        ),
        false,
    );
    write(
        &dir,
        "pension.csv",
        &format!("身份证号,发放年月,月养老金,险种\n{c},202501,1500.33,城乡居民\n{c},202502,1500.34,城乡居民\n"),
        true,
    );
    write(
        &dir,
        "vehicle.csv",
        &format!(
            "机动车所有人身份证号,号牌号码,车辆类型,初次登记日期\n{a},皖A1,小型轿车,2020-01-01\n{a},皖A2,摩托车,2020-01-01\n{b15},皖A3,小型轿车,2021-01-01\n{a},皖A9,小型轿车,2020-02-30\n"
        ),
        true,
    );
    write(
        &dir,
        "real_estate.csv",
        &format!(
            "owner_id_number,property_id,usage,area_m2,region_code\n{d},P1,住宅,85.5,340102\n{d},P2,商业,30,340102\n{a},P3,住宅,60.25㎡,340102\n"
        ),
        false,
    );
    write(
        &dir,
        "business.csv",
        &format!("证件号码,身份,市场主体名称,注册资本,登记状态\n{c},法人,某店,10000,存续\n{d},股东,某厂,5000,注销\n"),
        true,
    );
    write(
        &dir,
        "deposit.csv",
        &format!(
            "id_number,institution,balance_yuan,as_of_date\n{b},银行,\"12,000.50\",2025-10-31\n{d_lower},银行,100,２０２５年１０月３１日\n"
        ),
        false,
    );
    write(&dir, "death.csv", &format!("id_number,name,death_date\n{d},丁,2025-09-01\n"), false);

    let (report, errors, result) = run(&dir);
    assert_eq!(
        report,
        "household_id,members,wage_fen,pension_fen,vehicles,homes,home_area_m2,other_properties,businesses,deposits_fen,deceased,public_payroll\n\
         H1,2,500050,0,2,1,60.25,0,0,1200050,0,0\n\
         H2,1,0,150034,0,0,0.00,0,1,0,0,0\n\
         H3,2,300050,0,1,2,145.75,1,0,10000,1,0\n"
    );
    assert_eq!(result.datasets[&Kind::SocialInsurance].rows, 6);
    assert_eq!(result.datasets[&Kind::SocialInsurance].rejected, 2);
    assert_eq!(result.datasets[&Kind::SocialInsurance].matches, 3);
    assert_eq!(result.datasets[&Kind::Pension].matches, 2, "GBK file with Chinese headers");
    assert!(!result.datasets.contains_key(&Kind::PublicPayroll), "not supplied: zero");
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines.len(), 5, "{errors}");
    assert!(
        lines[1].contains("members.csv") && lines[1].contains(",7,") && lines[1].contains("科学计数法"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("social_insurance.csv\",6,\"id_number\"") && lines[2].contains("18位"), "{}", lines[2]);
    assert!(lines[3].contains(",7,\"contribution_base_yuan\"") && lines[3].contains("金额不正确"), "{}", lines[3]);
    assert!(
        lines[4].contains("vehicle.csv\",5,\"初次登记日期\"") && lines[4].contains("日期格式不正确：2020-02-30"),
        "{}",
        lines[4]
    );
    let members = read_members(&dir.join("members.csv")).unwrap().0;
    assert_eq!(members.duplicates().len(), 1, "甲 is in H1 and H3");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The reference: the definition of `verification.md`, written plainly.
fn reference(members: &[(String, String)], rows: &BTreeMap<&str, Vec<Vec<String>>>) -> String {
    let key = |s: &str| IdNumber::parse(s).ok().map(|i| i.to_u64());
    let mut households: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (h, i) in members {
        if let Some(k) = key(i) {
            let list = households.entry(h.clone()).or_default();
            if !list.contains(&k) {
                list.push(k);
            }
        }
    }
    let money = |s: &str| jiuzhu_domain::Fen::parse_yuan(s).map(|f| f.0).unwrap_or(0);
    let per = |kind: &str, person: u64| -> Vec<&Vec<String>> {
        rows.get(kind).map(|r| r.iter().filter(|row| key(&row[0]) == Some(person)).collect()).unwrap_or_default()
    };
    let mut out = String::from(REPORT_COLUMNS);
    out.push('\n');
    for (h, people) in households {
        let (mut wage, mut pension, mut cars, mut homes, mut area, mut other, mut biz, mut dep, mut dead, mut pay) =
            (0i64, 0i64, 0, 0, 0i64, 0, 0, 0i64, 0, 0);
        for p in &people {
            let s: Vec<i64> = per("social_insurance", *p).iter().map(|r| money(&r[1])).collect();
            wage += average(s.iter().sum(), s.len() as u32);
            let s: Vec<i64> = per("pension", *p).iter().map(|r| money(&r[1])).collect();
            pension += average(s.iter().sum(), s.len() as u32);
            cars += per("vehicle", *p).iter().filter(|r| !EXEMPT_VEHICLES.contains(&r[1].as_str())).count();
            for r in per("real_estate", *p) {
                if r[1] == "住宅" {
                    homes += 1;
                    area += money(&r[2]);
                } else {
                    other += 1;
                }
            }
            biz += per("business", *p).iter().filter(|r| ACTIVE_BUSINESS.contains(&r[1].as_str())).count();
            dep += per("deposit", *p).iter().map(|r| money(&r[1])).sum::<i64>();
            dead += usize::from(!per("death", *p).is_empty());
            pay += usize::from(!per("public_payroll", *p).is_empty());
        }
        out.push_str(&format!(
            "{h},{},{wage},{pension},{cars},{homes},{}.{:02},{other},{biz},{dep},{dead},{pay}\n",
            people.len(),
            area / 100,
            area % 100
        ));
    }
    out
}

fn header(kind: &str) -> &'static str {
    match kind {
        "social_insurance" => "id_number,contribution_base_yuan",
        "pension" => "id_number,monthly_amount_yuan",
        "vehicle" => "owner_id_number,vehicle_type",
        "real_estate" => "owner_id_number,usage,area_m2",
        "business" => "id_number,status",
        "deposit" => "id_number,balance_yuan",
        _ => "id_number",
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn the_engine_agrees_with_the_reference(
        memberships in proptest::collection::vec((0u8..6, 0u16..12), 1..30),
        data in proptest::collection::vec((0usize..8, 0u16..14, 0u32..500_000, 0usize..4, any::<bool>()), 0..150),
        gbk in any::<bool>(),
    ) {
        let dir = std::env::temp_dir().join(format!("jiuzhu-verify-prop-{}-{}", std::process::id(), rand_suffix(&memberships, &data)));
        std::fs::create_dir_all(&dir).unwrap();
        let person = |n: u16| id("340102", 1950 + i32::from(n), 1, 1, n);
        let members: Vec<(String, String)> = memberships.iter().map(|(h, p)| (format!("H{h}"), person(*p))).collect();
        let mut text = String::from("household_id,id_number\n");
        for (h, i) in &members { text.push_str(&format!("{h},{i}\n")); }
        write(&dir, "members.csv", &text, false);

        let kinds = ["social_insurance", "pension", "vehicle", "real_estate", "business", "deposit", "death", "public_payroll"];
        let values = [["小型轿车", "摩托车", "残疾人专用车", "货车"], ["住宅", "商业", "车位", "住宅"], ["存续", "注销", "在业", "吊销"]];
        let mut rows: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
        for (k, p, amount, v, lower) in &data {
            let kind = kinds[*k];
            let mut i = person(*p);
            if *lower { i = i.to_lowercase(); }
            let yuan = format!("{}.{:02}", amount / 100, amount % 100);
            let row = match kind {
                "vehicle" => vec![i, values[0][*v].to_string()],
                "real_estate" => vec![i, values[1][*v].to_string(), yuan],
                "business" => vec![i, values[2][*v].to_string()],
                "death" | "public_payroll" => vec![i],
                _ => vec![i, yuan],
            };
            rows.entry(kind).or_default().push(row);
        }
        for (kind, list) in &rows {
            let mut text = format!("{}\n", header(kind));
            for r in list { text.push_str(&r.join(",")); text.push('\n'); }
            write(&dir, &format!("{kind}.csv"), &text, gbk);
        }
        let (report, _, _) = run(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        prop_assert_eq!(report, reference(&members, &rows));
    }
}

fn rand_suffix<T: std::fmt::Debug, U: std::fmt::Debug>(a: &T, b: &U) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{a:?}{b:?}").hash(&mut h);
    h.finish()
}

/// Issue 10: text that a spreadsheet would run as a formula (a household
/// number or a name like `=HYPERLINK(…)` from a hostile roster, a value
/// quoted in a reason) is written with a leading `'`, quoted; the numeric
/// columns stay numbers. Before, the report wrote `=HYPERLINK(…)` as is.
#[test]
fn report_text_cannot_become_a_formula() {
    let dir = std::env::temp_dir().join(format!("jiuzhu-verify-formula-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = id("340102", 1960, 1, 1, 11);
    let b = id("340102", 1962, 2, 2, 22);
    // The members file is read raw (no CSV quoting), so the value has no
    // comma or quote of its own.
    let evil = "=HYPERLINK(A1&A2)+cmd|calc";
    let members = format!("户编号,身份证号,姓名\n{evil},{a},{evil}\n-5,{b},@SUM(1+1)\n");
    write(&dir, "members.csv", &members, false);
    write(&dir, "pension.csv", &format!("身份证号,发放年月,月养老金,险种\n{a},202501,1500.33,城乡居民\n"), false);
    let (report, _, _) = run(&dir);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 3, "{report}");
    assert!(lines.iter().skip(1).all(|l| l.starts_with("\"'")), "{report}");
    assert!(report.contains(&format!("\"'{evil}\",1,0,150033,")), "{report}");
    assert!(report.contains("\"'-5\",1,0,0,"), "{report}");

    let errors = vec![RowError {
        file: "+cmd|' /C calc'!A0.csv".into(),
        line: 2,
        column: "-2+3".into(),
        message: jiuzhu_domain::i18n::Message::new("verify.error.bad_date").arg("value", "=1+1"),
    }];
    let mut out = Vec::new();
    write_errors(&mut out, &errors, Lang::En).unwrap();
    let out = String::from_utf8(out).unwrap();
    let row = out.lines().nth(1).unwrap();
    assert!(row.starts_with(r#""'+cmd|' /C calc'!A0.csv",2,"'-2+3","#), "{row}");
    assert_eq!(csv_text("1,234"), "\"1,234\"");
    assert_eq!(csv_text("\tx"), "\"'\tx\"");
    assert_eq!(csv_text("H1"), "H1");
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 16, point 2: a department file as xlsx (here the death register,
/// with real date cells and a number where an ID belongs) is streamed and
/// gives what the same rows give as CSV; a sheet not written in row order
/// is read whole and gives the same again.
#[test]
fn a_death_register_in_xlsx_counts_as_its_csv() {
    let dir = std::env::temp_dir().join(format!("jiuzhu-verify-xlsx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b, c) = (id("340102", 1940, 1, 1, 11), id("340102", 1942, 2, 2, 22), id("340102", 1944, 3, 3, 33));
    let stranger = id("340103", 1930, 5, 5, 55);
    write(&dir, "members.csv", &format!("户编号,身份证号\nH1,{a}\nH1,{b}\nH2,{c}\n"), false);
    let deaths =
        [(a.as_str(), "甲", (2025, 9, 1)), (stranger.as_str(), "外", (2025, 8, 2)), (c.as_str(), "丙", (2025, 10, 3))];

    let csv: String =
        deaths.iter().fold("身份证号,姓名,死亡日期\n".to_string(), |mut text, (id, name, (y, m, d))| {
            text.push_str(&format!("{id},{name},{y}-{m:02}-{d:02}\n"));
            text
        });
    write(&dir, "death.csv", &format!("{csv}340102194202022200000,坏,2025-01-01\n"), false);
    let (csv_report, csv_errors, csv_result) = run(&dir);
    std::fs::remove_file(dir.join("death.csv")).unwrap();

    let mut book = rust_xlsxwriter::Workbook::new();
    let dates = rust_xlsxwriter::Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let sheet = book.add_worksheet();
    for (col, header) in ["身份证号", "姓名", "死亡日期"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    for (row, (id, name, (y, m, d))) in deaths.iter().enumerate() {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, *id).unwrap();
        sheet.write_string(row, 1, *name).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
        sheet.write_datetime_with_format(row, 2, date, &dates).unwrap();
    }
    // Excel turned this one into a number.
    sheet.write_number(4, 0, 340102194202022200000.0).unwrap();
    sheet.write_string(4, 1, "坏").unwrap();
    sheet.write_string(4, 2, "2025-01-01").unwrap();
    std::fs::write(dir.join("death.xlsx"), book.save_to_buffer().unwrap()).unwrap();
    let (report, errors, result) = run(&dir);
    assert_eq!(report, csv_report);
    assert!(
        report.contains("H1,2,0,0,0,0,0.00,0,0,0,1,0") && report.contains("H2,1,0,0,0,0,0.00,0,0,0,1,0"),
        "{report}"
    );
    let stats = &result.datasets[&Kind::Death];
    let csv_stats = &csv_result.datasets[&Kind::Death];
    assert_eq!((stats.rows, stats.rejected, stats.matches), (csv_stats.rows, csv_stats.rejected, csv_stats.matches));
    assert_eq!((stats.rows, stats.rejected, stats.matches), (4, 1, 2));
    assert_eq!(errors.lines().count(), csv_errors.lines().count());
    assert!(errors.contains("death.xlsx\",5,\"身份证号\""), "{errors}");

    // The same rows written out of order (row 3 before row 2).
    let cell = |r: usize, col: char, text: &str| format!(r#"<c r="{col}{r}" t="inlineStr"><is><t>{text}</t></is></c>"#);
    let row = |r: usize, (id, name, (y, m, d)): &(&str, &str, (u16, u8, u8))| {
        format!(
            "<row r=\"{r}\">{}{}{}</row>",
            cell(r, 'A', id),
            cell(r, 'B', name),
            cell(r, 'C', &format!("{y}/{m}/{d}"))
        )
    };
    let header =
        format!("<row r=\"1\">{}{}{}</row>", cell(1, 'A', "身份证号"), cell(1, 'B', "姓名"), cell(1, 'C', "死亡日期"));
    let rows = format!("{header}{}{}{}", row(3, &deaths[1]), row(2, &deaths[0]), row(4, &deaths[2]));
    let sheet = jiuzhu_testkit::hostile::xlsx_with_sheet(&jiuzhu_testkit::hostile::sheet_xml("A1:C4", &rows), None);
    std::fs::write(dir.join("death.xlsx"), sheet).unwrap();
    let (report, errors, result) = run(&dir);
    assert_eq!(report, csv_report);
    assert_eq!((result.datasets[&Kind::Death].rows, result.datasets[&Kind::Death].matches), (3, 2));
    assert!(!errors.contains("death.xlsx"), "{errors}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A sheet wider than 64 columns is read to its needed column (the header
/// kept 200); a row written in two parts around another (not in row order)
/// is read whole, its ID number in the second part; a bad row's error
/// names its sheet row.
#[test]
fn a_wide_sheet_and_a_row_in_two_parts() {
    let dir = std::env::temp_dir().join(format!("jiuzhu-verify-wide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (id("340102", 1940, 1, 1, 11), id("340102", 1942, 2, 2, 22));
    write(&dir, "members.csv", &format!("户编号,身份证号\nH1,{a}\nH2,{b}\n"), false);

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for col in 0..68u16 {
        sheet.write_string(0, col, format!("备注{col}")).unwrap();
    }
    for (col, header) in [(68u16, "身份证号"), (69, "姓名"), (70, "死亡日期")] {
        sheet.write_string(0, col, header).unwrap();
    }
    for (row, who) in [(1u32, a.as_str()), (2, b.as_str())] {
        sheet.write_string(row, 0, "x").unwrap();
        sheet.write_string(row, 68, who).unwrap();
        sheet.write_string(row, 70, "2025-09-01").unwrap();
    }
    std::fs::write(dir.join("death.xlsx"), book.save_to_buffer().unwrap()).unwrap();
    let (report, errors, result) = run(&dir);
    assert!(
        report.contains("H1,1,0,0,0,0,0.00,0,0,0,1,0") && report.contains("H2,1,0,0,0,0,0.00,0,0,0,1,0"),
        "{report}"
    );
    assert_eq!(result.datasets[&Kind::Death].matches, 2, "{errors}");

    let cell = |r: usize, col: char, text: &str| format!(r#"<c r="{col}{r}" t="inlineStr"><is><t>{text}</t></is></c>"#);
    let rows = [
        format!("<row r=\"1\">{}{}{}</row>", cell(1, 'A', "身份证号"), cell(1, 'B', "姓名"), cell(1, 'C', "死亡日期")),
        format!("<row r=\"2\">{}{}</row>", cell(2, 'B', "甲"), cell(2, 'C', "2025-09-01")),
        format!("<row r=\"3\">{}{}</row>", cell(3, 'A', &b), cell(3, 'C', "2025-09-02")),
        format!("<row r=\"2\">{}</row>", cell(2, 'A', &a)),
        format!("<row r=\"4\">{}{}</row>", cell(4, 'A', "110105194912310021"), cell(4, 'C', "2025-09-03")),
    ]
    .concat();
    let sheet = jiuzhu_testkit::hostile::xlsx_with_sheet(&jiuzhu_testkit::hostile::sheet_xml("A1:C4", &rows), None);
    std::fs::write(dir.join("death.xlsx"), sheet).unwrap();
    let (report, errors, result) = run(&dir);
    assert!(
        report.contains("H1,1,0,0,0,0,0.00,0,0,0,1,0") && report.contains("H2,1,0,0,0,0,0.00,0,0,0,1,0"),
        "{report}"
    );
    let stats = &result.datasets[&Kind::Death];
    assert_eq!((stats.rows, stats.rejected, stats.matches), (3, 1, 2));
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines.len(), 2, "{errors}");
    assert!(lines[1].contains("death.xlsx\",4,\"身份证号\""), "{}", lines[1]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file of bad rows lists the first `ERRORS_LISTED` of them, in line
/// order, and counts them all.
#[test]
fn a_file_of_bad_rows_lists_the_first_and_counts_all() {
    let dir = std::env::temp_dir().join(format!("jiuzhu-verify-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = id("340102", 1940, 1, 1, 11);
    write(&dir, "members.csv", &format!("户编号,身份证号\nH1,{a}\n"), false);
    let bad = ERRORS_LISTED + 5;
    let mut text = String::from("id_number,unit_name,period\n");
    for n in 0..bad {
        text.push_str(&format!("{a},单位,2025-13-{n}\n"));
    }
    text.push_str(&format!("{a},单位,2025-10\n"));
    write(&dir, "public_payroll.csv", &text, false);
    let (report, errors, result) = run(&dir);
    let stats = &result.datasets[&Kind::PublicPayroll];
    assert_eq!((stats.rows, stats.rejected, stats.matches), (bad as u64 + 1, bad as u64, 1));
    assert!(report.contains("H1,1,0,0,0,0,0.00,0,0,0,0,1"), "{report}");
    let lines: Vec<&str> = errors.lines().skip(1).collect();
    assert_eq!(lines.len(), ERRORS_LISTED);
    assert!(lines[0].contains("public_payroll.csv\",2,"), "{}", lines[0]);
    assert!(lines[ERRORS_LISTED - 1].contains(&format!("\",{},", ERRORS_LISTED + 1)), "{}", lines[ERRORS_LISTED - 1]);
    std::fs::remove_dir_all(&dir).unwrap();
}
