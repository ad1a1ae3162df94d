//! Roster import from real fixture files (UTF-8 CSV, GBK CSV, xlsx written
//! by openpyxl; see `fixtures/make_fixtures.py`) and the export round trip.

use jiuzhu_domain::household::{HouseholdFields, MemberFields, PersonName};
use jiuzhu_domain::i18n::Lang;
use jiuzhu_domain::{Fen, IdNumber, Program, RegionCode, Relation};
use jiuzhu_files::export::roster_xlsx;
use jiuzhu_files::{Roster, parse_roster};
use proptest::prelude::*;

#[path = "table/hostile.rs"]
mod hostile;
#[path = "table/stream.rs"]
mod stream;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn households(roster: &Roster) -> Vec<(HouseholdFields, Vec<MemberFields>)> {
    roster.households.iter().map(|h| (h.fields.clone(), h.members.iter().map(|m| m.fields.clone()).collect())).collect()
}

#[test]
fn utf8_gbk_and_xlsx_read_to_identical_data() {
    let utf8 = parse_roster(&fixture("roster_utf8.csv")).unwrap();
    let gbk = parse_roster(&fixture("roster_gbk.csv")).unwrap();
    let xlsx = parse_roster(&fixture("roster.xlsx")).unwrap();
    assert_eq!((utf8.format, gbk.format, xlsx.format), ("csv/utf-8", "csv/gb18030", "xlsx"));
    assert_eq!(households(&utf8), households(&gbk));
    assert_eq!(households(&utf8), households(&xlsx));

    let data = households(&utf8);
    assert_eq!(data.len(), 3);
    assert_eq!(utf8.person_count(), 6);
    let (first, members) = &data[0];
    assert_eq!(first.external_id, "SF-0001");
    assert_eq!(first.program, Some(Program::Dibao));
    assert_eq!(first.monthly_benefit, Some(Fen(136000)));
    assert_eq!(first.phone, "13955110001");
    assert_eq!(members[1].disability.map(|d| d.level.get()), Some(2));
    assert!(members[1].serious_illness);
    // The 15-digit number of the last member was upgraded.
    assert_eq!(data[2].1[1].id_number.as_str(), "340102199803010622");
    assert!(utf8.warnings.is_empty());
}

#[test]
fn a_bad_roster_lists_every_problem_with_line_and_column() {
    let problems = parse_roster(&fixture("roster_bad.csv")).unwrap_err();
    let got: Vec<(Option<usize>, String, &str)> = problems
        .iter()
        .map(|p| (p.line, p.column.as_ref().map(|c| c.letter()).unwrap_or_default(), p.message.key))
        .collect();
    assert_eq!(
        got,
        [
            (Some(1), String::new(), "import.error.missing_column"),
            (Some(3), "C".to_string(), "id.error.check_digit"),
            (Some(4), "C".to_string(), "id.error.scientific"),
            (Some(5), "C".to_string(), "id.error.truncated"),
            (Some(6), "C".to_string(), "import.error.duplicate_person"),
        ]
    );
    let rendered: Vec<String> = problems.iter().map(|p| p.render(Lang::Zh)).collect();
    assert_eq!(rendered[0], "第1行：缺少必填列“姓名（name）”");
    assert!(rendered[2].starts_with("第4行 C列（身份证号）：身份证号被Excel转成了科学计数法"), "{}", rendered[2]);
    assert!(rendered[4].contains("同时出现在户 SF-0001 和户 SF-0003 中（第2行）"), "{}", rendered[4]);
    assert!(problems[3].render(Lang::En).contains("Excel stored the ID as a number"));
}

#[test]
fn household_shape_and_cell_problems() {
    let text = "户编号,区划代码,身份证号,姓名,与户主关系,残疾等级,重病,备注\n\
                A1,340102001001,11010519491231002X,张三,配偶,5,也许,x\n\
                A2,3401020,110105194912310021,李4,邻居,,,\n\
                A3,340102001001,110105500101001,王五,配偶,,,\n";
    let problems = parse_roster(text.as_bytes()).unwrap_err();
    let got: Vec<(Option<usize>, String, &str)> = problems
        .iter()
        .map(|p| (p.line, p.column.as_ref().map(|c| c.letter()).unwrap_or_default(), p.message.key))
        .collect();
    assert_eq!(
        got,
        [
            (Some(2), "F".to_string(), "import.error.bad_disability_level"),
            (Some(2), "G".to_string(), "import.error.bad_yes_no"),
            (Some(3), "B".to_string(), "import.error.bad_region"),
            (Some(3), "C".to_string(), "id.error.check_digit"),
            (Some(3), "D".to_string(), "import.error.bad_name"),
            (Some(3), "E".to_string(), "import.error.bad_relation"),
            (Some(4), "E".to_string(), "household.error.no_head"),
        ]
    );
}

#[test]
fn unknown_columns_warn_and_headers_match_loosely() {
    let text =
        "Household_ID,REGION CODE,公民身份号码,姓　名,关系,备注\nA1,340102001001,11010519491231002x,张三,户主,x\n";
    let roster = parse_roster(text.as_bytes()).unwrap();
    assert_eq!(roster.households.len(), 1);
    assert_eq!(roster.warnings.len(), 1);
    assert_eq!(roster.warnings[0].column.as_ref().unwrap().letter(), "F");
}

#[test]
fn export_imports_back_to_the_same_data() {
    let original = parse_roster(&fixture("roster_utf8.csv")).unwrap();
    let bytes = roster_xlsx(&households(&original)).unwrap();
    let back = parse_roster(&bytes).unwrap();
    assert_eq!(households(&back), households(&original));
}

fn arb_member(seq: u16, relation: Relation) -> impl Strategy<Value = MemberFields> {
    (0i64..30000, proptest::sample::select(vec!["张三", "李秀英", "欧阳娜娜", "王五"]), any::<bool>(), any::<bool>())
        .prop_map(move |(days, name, co_residing, serious_illness)| MemberFields {
            id_number: IdNumber::from_parts(
                "340102",
                chrono::NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + chrono::Days::new(days as u64),
                seq,
            )
            .unwrap(),
            name: PersonName::parse(name).unwrap(),
            relation,
            co_residing,
            disability: None,
            serious_illness,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn any_registry_round_trips_through_xlsx(
        head in arb_member(1, Relation::Head),
        child in arb_member(2, Relation::Child),
        benefit in proptest::option::of(0i64..1_000_000),
        program in proptest::option::of(proptest::sample::select(Program::ALL.to_vec())),
    ) {
        let household = HouseholdFields {
            external_id: "P-1".into(),
            region_code: RegionCode::parse("340102001001").unwrap(),
            address: "东村1号".into(),
            phone: String::new(),
            program,
            monthly_benefit: benefit.map(Fen),
        };
        let data = vec![(household, vec![head, child])];
        let back = parse_roster(&roster_xlsx(&data).unwrap()).unwrap();
        prop_assert_eq!(households(&back), data);
    }
}

/// Issue 10: a value too long for an Excel cell (stored before limits
/// existed, or written directly) is cut with a marker; the export never fails.
#[test]
fn an_overlong_stored_value_is_cut_in_the_export_not_fatal() {
    let mut data = households(&parse_roster(&fixture("roster_utf8.csv")).unwrap());
    data[0].0.address = "路".repeat(100_000);
    let bytes = roster_xlsx(&data).expect("the export succeeds");
    let table = jiuzhu_files::read_table(&bytes).unwrap();
    let address = &table.rows[0].1[5];
    assert_eq!(address.encode_utf16().count(), jiuzhu_files::export::MAX_CELL_CHARS);
    assert!(address.starts_with("路路路") && address.ends_with("…〔内容过长，已截断〕"), "{}", &address[..30]);
    // Characters outside the BMP count twice in Excel's limit.
    let wide = "𠀀".repeat(20_000);
    let cut = jiuzhu_files::export::fit_cell(&wide);
    assert!(cut.encode_utf16().count() <= jiuzhu_files::export::MAX_CELL_CHARS && cut.ends_with("已截断〕"));
    assert_eq!(jiuzhu_files::export::fit_cell("城关镇东村12号"), "城关镇东村12号");
}

/// Issue 10: an overlong cell is refused by its length, naming row and
/// column, and its value is not echoed back.
#[test]
fn an_overlong_cell_names_row_column_field_and_limit() {
    let csv = format!(
        "户编号,区划代码,身份证号,姓名,与户主关系,家庭住址\n\
         L-1,340102001001,11010519491231002X,张三,户主,{}\n\
         L-1,340102001001,110105195001010012,{},配偶,\n",
        "路".repeat(100_000),
        "李".repeat(51)
    );
    let problems = parse_roster(csv.as_bytes()).unwrap_err();
    let text: Vec<String> = problems.iter().map(|p| p.render(Lang::Zh)).collect();
    assert_eq!(
        text,
        [
            "第2行 F列（家庭住址）：家庭住址（address）过长：最多200个字符，现有100000个字符",
            "第3行 D列（姓名）：姓名（name）过长：最多50个字符，现有51个字符",
        ]
    );
}
