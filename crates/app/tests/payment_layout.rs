//! A county's own bank file layout through the use cases on SQLite and
//! PostgreSQL (issue 12 point 3): only the county's clerk records one, the
//! domain names every problem with its column, an auditor reads it; with the
//! policy saying `custom`, a roll is exported in it — a fixed-width GBK file
//! (widths counted in GBK bytes, header and trailer) or an xlsx workbook —
//! and its return is read in it; a roll keeps the layout of its first export
//! (the same bytes again, the return read alike) whatever the county
//! records afterwards.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jiuzhu_app::import::import_roster;
use jiuzhu_app::payment::export::export_file;
use jiuzhu_app::payment::layout::{ColumnBody, LayoutBody, LayoutSource, layout_in_force, record_layout, sample};
use jiuzhu_app::payment::returns::import_return;
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll};
use jiuzhu_app::policy::set_assistance_policy;
use jiuzhu_app::{Actor, AppError, Db, Scope, registry};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::Lang;
use jiuzhu_domain::payment::layout::BankLayout;
use jiuzhu_domain::payment::roll::{ProgramGroup, RollKind};
use jiuzhu_domain::policy::{BankFileLayout, PolicyPatch};
use jiuzhu_domain::{RegionCode, Role};
use jiuzhu_testkit::RawDb;

jiuzhu_testkit::on_both_databases!(
    a_fixed_width_gbk_layout_exports_a_roll_and_reads_its_return,
    an_xlsx_layout_exports_a_roll_and_reads_its_return,
    who_may_record_a_layout_and_what_is_refused
);

/// Monday 2026-01-05, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 2, 0, 0).unwrap()
}

fn later() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 6, 2, 0, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn clerk() -> Actor {
    Actor::user(201, "xianjingban", &[Role::CountyClerk], Scope::Region(code("340102")))
}

fn approver() -> Actor {
    Actor::user(202, "xianshenpi", &[Role::CountyApprover], Scope::Region(code("340102")))
}

fn auditor() -> Actor {
    Actor::user(203, "shenji", &[Role::Auditor], Scope::Region(code("340102")))
}

fn township_clerk() -> Actor {
    Actor::user(204, "zhenjingban", &[Role::TownshipClerk], Scope::Region(code("340102001")))
}

async fn account(raw: &RawDb, external_id: &str, number: &str) {
    raw.execute(&format!(
        "INSERT INTO payee_account (household_id, person_id, holder, institution_id, account_name, bank,
         account_number, recorded_at, recorded_by)
         SELECT h.id, NULL, 'head', NULL, p.name, '农业银行清河支行', '{number}', '2026-01-01T00:00:00Z', 'test'
         FROM household h JOIN person p ON p.household_id = h.id AND p.relation = 'head'
         WHERE h.external_id = '{external_id}'"
    ))
    .await;
}

/// The sample county with its roster; SF-0001 (张建国, 低保 1,360元),
/// SF-0002 (王桂兰, 特困 1,105.50元) and SF-0003 (赵大勇, 低保 680元) with
/// accounts.
async fn county(db: Db) -> RawDb {
    let raw = RawDb::new(db).await;
    let db = &raw.db;
    registry::upsert_regions(db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
    let roster =
        std::fs::read(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    import_roster(db, &Actor::system(), now(), &roster).await.unwrap();
    account(&raw, "SF-0001", "6217001234567890123").await;
    account(&raw, "SF-0002", "6228480098765432").await;
    account(&raw, "SF-0003", "6228480012345678").await;
    raw
}

/// The county's policy from 2026-01-01 says: the county's own layout.
async fn policy_custom(db: &Db) {
    let patch = PolicyPatch { bank_file: Some(BankFileLayout::Custom), ..PolicyPatch::default() };
    let on = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    set_assistance_policy(db, &approver(), now(), &code("340102"), on, &patch).await.unwrap();
}

async fn approved_roll(db: &Db, month: &str) -> i64 {
    let ask = GenerateRoll {
        month: YearMonth::parse(month).unwrap(),
        region: None,
        group: ProgramGroup::All,
        kind: RollKind::Regular,
    };
    let roll = pay::generate(db, &clerk(), now(), ask).await.unwrap();
    pay::approve(db, &approver(), now(), roll.id, roll.version).await.unwrap();
    roll.id
}

fn col(field: &str, title: &str, width: Option<u16>) -> ColumnBody {
    ColumnBody { field: field.into(), title: title.into(), width }
}

/// The agricultural bank's fixed-width template: 序号 6, 户名 12, 证件号码 18,
/// 卡号 20, 金额 12, 摘要 34 bytes; the return adds 处理结果 8, 失败原因 16.
fn fixed_gbk() -> LayoutBody {
    LayoutBody {
        name: "农业银行定长格式".into(),
        format: "fixed_width".into(),
        encoding: "gbk".into(),
        header: true,
        trailer: true,
        columns: vec![
            col("seq", "序号", Some(6)),
            col("name", "户名", Some(12)),
            col("id_number", "证件号码", Some(18)),
            col("account", "卡号", Some(20)),
            col("amount", "金额", Some(12)),
            col("memo", "摘要", Some(34)),
            col("result", "处理结果", Some(8)),
            col("reason", "失败原因", Some(16)),
        ],
    }
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, lossy) = encoding_rs::GBK.encode(text);
    assert!(!lossy);
    bytes.into_owned()
}

fn pad(text: &str, width: usize) -> Vec<u8> {
    let mut bytes = gbk(text);
    assert!(bytes.len() <= width, "{text} wider than {width}");
    bytes.resize(width, b' ');
    bytes
}

fn invalid(e: AppError) -> Vec<String> {
    match e {
        AppError::Invalid(errors) => errors.iter().map(|e| e.message.render(Lang::Zh)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn a_fixed_width_gbk_layout_exports_a_roll_and_reads_its_return(db: Db) {
    let raw = county(db).await;
    let db = raw.db.clone();
    let recorded = record_layout(&db, &clerk(), now(), None, &fixed_gbk()).await.unwrap();
    assert_eq!(recorded.region_code, code("340102").as_str());

    // The policy still says 一卡通: the page says so, and a roll goes out in CSV.
    let seen = layout_in_force(&db, &auditor(), now(), None).await.unwrap();
    assert_eq!((seen.source, seen.policy_custom, seen.can_change), (LayoutSource::Own, false, false));
    assert_eq!(seen.exports_with, LayoutBody::of(&seen.exports_with.name, &BankLayout::yikatong()));
    let township = layout_in_force(&db, &township_clerk(), now(), None).await.unwrap();
    assert_eq!((township.source, township.layout.name.as_str()), (LayoutSource::Inherited, "农业银行定长格式"));

    policy_custom(&db).await;
    let january = approved_roll(&db, "2026-01").await;
    let file = export_file(&db, &clerk(), now(), january).await.unwrap();
    assert!(file.file_name.ends_with(".txt"), "{}", file.file_name);
    assert_eq!(file.content_type, "text/plain");
    let width = 6 + 12 + 18 + 20 + 12 + 34;
    let lines: Vec<&[u8]> = file.bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + 3 + 1, "header, three lines, trailer");
    for line in &lines {
        assert_eq!(line.len(), width + 1, "every line {width} GBK bytes and CR");
    }
    let (text, _, errors) = encoding_rs::GBK.decode(&file.bytes);
    assert!(!errors);
    // 张建国: 6 GBK bytes, padded to 12.
    assert!(text.contains(&format!("1     张建国{}340102195803120137", " ".repeat(6))), "{text}");
    let trailer = text.lines().last().unwrap();
    assert!(trailer.starts_with("合计"), "{trailer}");
    assert!(trailer.contains("3145.50") && trailer.contains("笔数:3"), "{trailer}");

    // The county records another layout: the exported roll keeps its own.
    let mut csv = fixed_gbk();
    csv.name = "建设银行CSV".into();
    csv.format = "csv".into();
    csv.encoding = "utf8".into();
    record_layout(&db, &clerk(), later(), None, &csv).await.unwrap();
    let again = export_file(&db, &clerk(), later(), january).await.unwrap();
    assert_eq!(again.bytes, file.bytes, "a re-export gives the same bytes");
    let seen = layout_in_force(&db, &clerk(), later(), None).await.unwrap();
    assert_eq!(seen.history.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["建设银行CSV", "农业银行定长格式"]);
    assert!(seen.can_change && seen.policy_custom);

    // The bank's return: each line with 处理结果 (8) and 失败原因 (16).
    let mut returned = Vec::new();
    for (i, line) in text.lines().enumerate() {
        returned.extend(gbk(line));
        let (result, reason) = match i {
            0 => ("处理结果", "失败原因"),
            _ if line.starts_with("合计") => ("", ""),
            _ if line.contains("赵大勇") => ("失败", "账户已销户"),
            _ => ("成功", ""),
        };
        if !line.starts_with("合计") {
            returned.extend(pad(result, 8));
            returned.extend(pad(reason, 16));
        }
        returned.extend(b"\r\n");
    }
    let imported = import_return(&db, &clerk(), later(), january, "回盘.txt", &returned).await.unwrap();
    assert_eq!((imported.paid, imported.failed, imported.failed_fen), (2, 1, 68_000));
    assert_eq!(raw.count("SELECT COUNT(*) FROM payment_correction WHERE reason = '账户已销户'").await, 1);
}

/// A cell of a sheet row, an inline string.
fn cell(col: usize, row: usize, value: &str) -> String {
    let letter = char::from(b'A' + col as u8);
    format!(r#"<c r="{letter}{row}" t="inlineStr"><is><t>{value}</t></is></c>"#)
}

async fn an_xlsx_layout_exports_a_roll_and_reads_its_return(db: Db) {
    let raw = county(db).await;
    let db = raw.db.clone();
    let body = LayoutBody {
        name: "工商银行Excel格式".into(),
        format: "xlsx".into(),
        encoding: "gbk".into(),
        header: true,
        trailer: true,
        columns: vec![
            col("seq", "顺序号", None),
            col("id_number", "公民身份号码", None),
            col("name", "收款人", None),
            col("account", "银行卡号", None),
            col("amount", "发放金额", None),
            col("result", "交易结果", None),
            col("reason", "错误原因", None),
        ],
    };
    record_layout(&db, &clerk(), now(), None, &body).await.unwrap();
    policy_custom(&db).await;
    let january = approved_roll(&db, "2026-01").await;
    let file = export_file(&db, &clerk(), now(), january).await.unwrap();
    assert!(file.file_name.ends_with(".xlsx"));
    let table = jiuzhu_files::table::read_table(&file.bytes).unwrap();
    assert_eq!(table.headers, ["顺序号", "公民身份号码", "收款人", "银行卡号", "发放金额"]);
    let cells: Vec<Vec<String>> = table.rows.iter().map(|(_, c)| c.clone()).collect();
    assert_eq!(cells[0], ["1", "340102195803120137", "张建国", "6217001234567890123", "1360"]);
    assert_eq!(cells.len(), 4);
    assert_eq!(cells[3][0], "合计");
    assert_eq!(cells[3][4], "3145.5", "a number, shown as the reader shows it");
    assert_eq!(export_file(&db, &clerk(), later(), january).await.unwrap().bytes, file.bytes);

    // The return: the bank's workbook with the two columns added.
    let mut rows = String::new();
    let header = ["顺序号", "公民身份号码", "收款人", "银行卡号", "发放金额", "交易结果", "错误原因"];
    rows +=
        &format!("<row r=\"1\">{}</row>", header.iter().enumerate().map(|(c, v)| cell(c, 1, v)).collect::<String>());
    for (i, line) in cells[..3].iter().enumerate() {
        let r = i + 2;
        let failed = line[2] == "王桂兰";
        let mut values: Vec<&str> = line.iter().map(String::as_str).collect();
        values.extend(if failed { ["失败", "户名不符"] } else { ["成功", ""] });
        rows += &format!(
            "<row r=\"{r}\">{}</row>",
            values.iter().enumerate().map(|(c, v)| cell(c, r, v)).collect::<String>()
        );
    }
    let sheet = jiuzhu_testkit::hostile::sheet_xml("A1:G4", &rows);
    let returned = jiuzhu_testkit::hostile::xlsx_with_sheet(&sheet, None);
    let imported = import_return(&db, &clerk(), later(), january, "回盘.xlsx", &returned).await.unwrap();
    assert_eq!((imported.paid, imported.failed, imported.failed_fen), (2, 1, 110_550));
}

async fn who_may_record_a_layout_and_what_is_refused(db: Db) {
    let raw = county(db).await;
    let db = raw.db.clone();

    // Custom in the policy with nothing stored: the export is refused, saying why.
    policy_custom(&db).await;
    let january = approved_roll(&db, "2026-01").await;
    match export_file(&db, &clerk(), now(), january).await {
        Err(AppError::Conflict(m)) => assert_eq!(m.key, "payment.layout.page.none_stored"),
        other => panic!("{other:?}"),
    }

    // Only the county's clerk records it.
    for actor in [approver(), auditor(), township_clerk()] {
        let refused = record_layout(&db, &actor, now(), None, &fixed_gbk()).await.unwrap_err();
        assert!(matches!(refused, AppError::Forbidden), "{}: {refused:?}", actor.login);
    }
    let village = record_layout(&db, &clerk(), now(), Some(&code("340102001001")), &fixed_gbk()).await.unwrap_err();
    assert_eq!(invalid(village), ["只有县（区）或乡镇（街道）可以设定代发格式。"]);
    let elsewhere = Actor::user(205, "other", &[Role::CountyClerk], Scope::Region(code("340103")));
    let other = record_layout(&db, &elsewhere, now(), Some(&code("340102")), &fixed_gbk()).await;
    assert!(matches!(other, Err(AppError::NotFound)), "{other:?}");
    assert_eq!(raw.count("SELECT COUNT(*) FROM bank_layout").await, 0);
    assert!(
        raw.count("SELECT COUNT(*) FROM audit_event WHERE action = 'bank_layout_recorded' AND outcome = 'denied'")
            .await
            >= 4
    );

    // Invalid layouts: every problem, the column named.
    let mut bad = fixed_gbk();
    bad.columns.retain(|c| c.field != "account");
    bad.columns[1].width = Some(3);
    bad.columns[3].width = None;
    assert_eq!(
        invalid(record_layout(&db, &clerk(), now(), None, &bad).await.unwrap_err()),
        [
            "第2列（户名）：列宽3字节放不下列标题（需要4字节）。",
            "第4列（金额）：定长文本须填写每列的宽度（字节数，大于0）。",
            "缺少必需的列“账号”。",
        ]
    );
    let mut bad = fixed_gbk();
    bad.name = " ".into();
    bad.format = "pdf".into();
    bad.columns[2].field = "address".into();
    assert_eq!(
        invalid(record_layout(&db, &clerk(), now(), None, &bad).await.unwrap_err()),
        ["请填写格式名称。", "请选择文件类型。", "第3行的内容不是可选的项目。"]
    );
    assert_eq!(raw.count("SELECT COUNT(*) FROM bank_layout").await, 0);

    // Recorded, with the layout before and after in the audit record.
    record_layout(&db, &clerk(), now(), None, &fixed_gbk()).await.unwrap();
    let mut second = fixed_gbk();
    second.name = "农业银行定长格式（2026版）".into();
    record_layout(&db, &clerk(), later(), None, &second).await.unwrap();
    let with_before = "SELECT COUNT(*) FROM audit_event WHERE action = 'bank_layout_recorded' AND outcome = 'allowed'
         AND before_value LIKE '%农业银行定长格式%' AND before_value LIKE '%fixed_width%'
         AND after_value LIKE '%2026版%'";
    assert_eq!(raw.count(with_before).await, 1);
    let seen = layout_in_force(&db, &auditor(), later(), None).await.unwrap();
    assert_eq!(seen.version.unwrap().name, "农业银行定长格式(2026版)", "full-width brackets made half-width");
    assert_eq!(seen.history.len(), 2);
    assert!(!seen.can_change);

    // The sample shows the first lines as the file has them.
    let (_, layout) = fixed_gbk().parse().unwrap();
    let lines = sample(&layout);
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with("1     张三        110105********002X621700*********0123 "), "{lines:?}");
}
