//! The bank file and the bank's return through the use cases on SQLite and
//! PostgreSQL (issue 12 points 3 and 4): only an approved roll is exported
//! (by PaymentPrepare), its SHA-256, lines and total recorded, a re-export
//! byte for byte the same; a return that does not match the roll (a wrong
//! amount, an unknown 序号, a missing line) is refused with every problem in
//! Chinese and changes nothing; an accepted return marks lines paid, a
//! failure failed with the bank's reason, its months held and a correction
//! opened; once the account is fixed the correction is resolved and a
//! supplementary roll pays that month once, then the next month's roll
//! pays February only. Every month owed is claimed exactly once.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use jiuzhu_app::import::import_roster;
use jiuzhu_app::payment::export::export_file;
use jiuzhu_app::payment::returns::{import_return, list_corrections, resolve_correction};
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll};
use jiuzhu_app::{Actor, AppError, Db, Scope, registry};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::Lang;
use jiuzhu_domain::payment::roll::{LineKind, LineResult, PayeeKey, ProgramGroup, RollKind, RollState};
use jiuzhu_domain::{Fen, RegionCode, Role};
use jiuzhu_store::Within;
use jiuzhu_testkit::RawDb;

jiuzhu_testkit::on_both_databases!(
    a_roll_is_exported_returned_corrected_and_paid_once,
    a_return_that_fails_midway_leaves_nothing
);

/// Monday 2026-01-05, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 2, 0, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn m(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
}

fn preparer() -> Actor {
    Actor::user(201, "xianjingban", &[Role::CountyClerk], Scope::Region(code("340102")))
}

fn approver() -> Actor {
    Actor::user(202, "xianshenpi", &[Role::CountyApprover], Scope::Region(code("340102")))
}

fn auditor() -> Actor {
    Actor::user(203, "shenji", &[Role::Auditor], Scope::Region(code("340102")))
}

fn ask(month: &str, kind: RollKind) -> GenerateRoll {
    GenerateRoll { month: m(month), region: None, group: ProgramGroup::All, kind }
}

/// Records the current account of a household's line (in the head's
/// name), replacing the one it had.
async fn account(raw: &RawDb, external_id: &str, number: &str) {
    raw.execute(&format!(
        "UPDATE payee_account SET replaced_at = '2026-01-20T00:00:00Z'
         WHERE replaced_at IS NULL AND person_id IS NULL
           AND household_id = (SELECT id FROM household WHERE external_id = '{external_id}')"
    ))
    .await;
    raw.execute(&format!(
        "INSERT INTO payee_account (household_id, person_id, holder, institution_id, account_name, bank,
         account_number, recorded_at, recorded_by)
         SELECT h.id, NULL, 'head', NULL, p.name, '农业银行清河支行', '{number}', '2026-01-01T00:00:00Z', 'test'
         FROM household h JOIN person p ON p.household_id = h.id AND p.relation = 'head'
         WHERE h.external_id = '{external_id}'"
    ))
    .await;
}

async fn approved_roll(db: &Db, month: &str, kind: RollKind) -> i64 {
    let roll = pay::generate(db, &preparer(), now(), ask(month, kind)).await.unwrap();
    pay::approve(db, &approver(), now(), roll.id, roll.version).await.unwrap();
    roll.id
}

/// The bank's return of an exported file: the file's lines with 处理结果
/// and 失败原因 added, `failed` naming the lines (by amount) that failed.
fn bank_return(file: &[u8], failed: &[(&str, &str)]) -> Vec<String> {
    let (text, _, errors) = encoding_rs::GBK.decode(file);
    assert!(!errors);
    text.lines()
        .map(|line| {
            if line.starts_with("序号") {
                format!("{line},处理结果,失败原因")
            } else if line.starts_with("合计") {
                line.to_string()
            } else {
                match failed.iter().find(|(amount, _)| line.contains(&format!(",{amount},"))) {
                    Some((_, reason)) => format!("{line},失败,{reason}"),
                    None => format!("{line},成功,"),
                }
            }
        })
        .collect()
}

fn gbk(lines: &[String]) -> Vec<u8> {
    let text = lines.join("\r\n") + "\r\n";
    encoding_rs::GBK.encode(&text).0.into_owned()
}

fn invalid(e: AppError) -> Vec<String> {
    match e {
        AppError::Invalid(errors) => errors.iter().map(|e| e.message.render(Lang::Zh)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn conflict_key(e: AppError) -> &'static str {
    match e {
        AppError::Conflict(m) => m.key,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// The sample county with its roster; SF-0001 (低保 1,360元), SF-0002
/// (特困 1,105.50元) and SF-0003 (低保 680元) with accounts.
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

/// The import stopped at its last step (as a process killed there would
/// be): the return, the failed line, its held months and its correction
/// are all gone with the transaction; the import then runs whole.
async fn a_return_that_fails_midway_leaves_nothing(db: Db) {
    let raw = county(db).await;
    let db = raw.db.clone();
    let january = approved_roll(&db, "2026-01", RollKind::Regular).await;
    let file = export_file(&db, &preparer(), now(), january).await.unwrap();
    let returned = gbk(&bank_return(&file.bytes, &[("1360.00", "户名不符")]));
    let (trap, untrap) = match db.backend() {
        jiuzhu_store::Backend::Postgres => (
            "CREATE FUNCTION p2_stop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'stopped'; END $$;
             CREATE TRIGGER p2_stop BEFORE UPDATE ON payment_roll FOR EACH ROW WHEN (NEW.state = 'closed')
                 EXECUTE FUNCTION p2_stop();",
            "DROP TRIGGER p2_stop ON payment_roll; DROP FUNCTION p2_stop();",
        ),
        jiuzhu_store::Backend::Sqlite => (
            "CREATE TRIGGER p2_stop BEFORE UPDATE ON payment_roll WHEN NEW.state = 'closed'
                 BEGIN SELECT RAISE(ABORT, 'stopped'); END;",
            "DROP TRIGGER p2_stop;",
        ),
    };
    raw.execute(trap).await;
    let stopped = import_return(&db, &preparer(), now(), january, "回盘.csv", &returned).await.unwrap_err();
    assert!(matches!(stopped, AppError::Internal(_)), "{stopped:?}");
    assert_eq!(raw.count("SELECT COUNT(*) FROM payment_return").await, 0);
    assert_eq!(raw.count("SELECT COUNT(*) FROM payment_correction").await, 0);
    assert_eq!(raw.count("SELECT COUNT(*) FROM payment_line WHERE result IN ('paid', 'failed')").await, 0);
    assert_eq!(raw.count("SELECT COUNT(*) FROM payment_claim WHERE state <> 'live'").await, 0);
    assert_eq!(pay::get_roll(&db, &auditor(), now(), january).await.unwrap().state, RollState::Exported);

    raw.execute(untrap).await;
    let imported = import_return(&db, &preparer(), now(), january, "回盘.csv", &returned).await.unwrap();
    assert_eq!((imported.paid, imported.failed), (2, 1));
    assert_eq!(raw.count("SELECT COUNT(*) FROM payment_claim WHERE state = 'held'").await, 1);
    assert_eq!(raw.count("SELECT COUNT(*) FROM payment_correction WHERE state = 'open'").await, 1);
}

async fn a_roll_is_exported_returned_corrected_and_paid_once(db: Db) {
    let raw = county(db).await;
    let db = raw.db.clone();

    // A draft is not exported; an auditor exports nothing.
    let draft = pay::generate(&db, &preparer(), now(), ask("2026-01", RollKind::Regular)).await.unwrap();
    assert_eq!(
        conflict_key(export_file(&db, &preparer(), now(), draft.id).await.unwrap_err()),
        "payment.roll.error.not_approved"
    );
    pay::approve(&db, &approver(), now(), draft.id, draft.version).await.unwrap();
    let january = draft.id;
    assert!(matches!(export_file(&db, &auditor(), now(), january).await, Err(AppError::Forbidden)));
    assert!(matches!(export_file(&db, &approver(), now(), january).await, Err(AppError::Forbidden)));
    let elsewhere = Actor::user(205, "other", &[Role::CountyClerk], Scope::Region(code("340103")));
    assert!(matches!(export_file(&db, &elsewhere, now(), january).await, Err(AppError::NotFound)));

    // Exported: GBK, the three lines, the trailer; recorded on the roll; a
    // re-export is the same bytes.
    let file = export_file(&db, &preparer(), now(), january).await.unwrap();
    assert_eq!(file.summary.lines, 3);
    assert_eq!(file.summary.total_fen, 136_000 + 110_550 + 68_000);
    assert!(file.file_name.ends_with(".csv"), "{}", file.file_name);
    let lines = bank_return(&file.bytes, &[]);
    assert_eq!(lines[0], "序号,姓名,身份证号,账号,开户行,补贴项目,补贴期号,金额,摘要,处理结果,失败原因");
    assert!(lines[1..4].iter().all(|l| l.contains(",202601,") && l.contains("2026年1月")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains(",6217001234567890123,农业银行清河支行,最低生活保障金,202601,1360.00,2026年1月低保金,")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains(",特困人员救助供养金,202601,1105.50,2026年1月特困供养金,")), "{lines:?}");
    assert_eq!(lines[4], "合计,,,,,,,3145.50,笔数:3");
    let roll = pay::get_roll(&db, &auditor(), now(), january).await.unwrap();
    assert_eq!(roll.state, RollState::Exported);
    assert_eq!(roll.file_sha256.as_deref(), Some(file.summary.sha256.as_str()));
    assert_eq!((roll.file_lines, roll.file_total_fen), (Some(3), Some(314_550)));
    let again = export_file(&db, &preparer(), now(), january).await.unwrap();
    assert_eq!(again.bytes, file.bytes);
    assert_eq!(again.summary, file.summary);

    // A return that does not match: a wrong amount, an unknown 序号 and a
    // missing line, every problem listed; nothing changes.
    let mut wrong = bank_return(&file.bytes, &[]);
    let i = wrong.iter().position(|l| l.contains(",680.00,")).unwrap();
    wrong[i] = wrong[i].replace(",680.00,", ",860.00,");
    let gone = wrong.iter().position(|l| l.contains(",1105.50,")).unwrap();
    let missing_seq = wrong[gone].split(',').next().unwrap().to_string();
    wrong[gone] = wrong[gone].replacen(&format!("{missing_seq},"), "9,", 1);
    let trailer = wrong.len() - 1;
    wrong[trailer] = "合计,,,,,,,3325.50,笔数:3".into();
    let refused = invalid(import_return(&db, &preparer(), now(), january, "回盘.csv", &gbk(&wrong)).await.unwrap_err());
    let mut expected = vec![
        (gone + 1, format!("回盘文件第{}行（序号9）：本期花名册中没有这个序号。", gone + 1)),
        (
            i + 1,
            format!(
                "回盘文件第{}行（序号{}）：金额与花名册不符：花名册为680.00元，回盘为860.00元。",
                i + 1,
                wrong[i].split(',').next().unwrap()
            ),
        ),
    ];
    expected.sort();
    let mut expected: Vec<String> = expected.into_iter().map(|(_, text)| text).collect();
    expected
        .push(format!("花名册序号{missing_seq}：回盘文件中没有这一行（{}）。", wrong[gone].split(',').nth(1).unwrap()));
    expected.push("合计不符：花名册3笔、3,145.50元，回盘3笔、3,325.50元。".into());
    assert_eq!(refused, expected);
    let unreadable = invalid(
        import_return(&db, &preparer(), now(), january, "回盘.csv", "序号,金额\n1,1\n".as_bytes()).await.unwrap_err(),
    );
    assert_eq!(unreadable, ["找不到表头行：前20行中没有同时含“序号”“身份证号”“账号”“金额”“处理结果”等列标题的行。"]);
    let detail = pay::roll_detail(&db, &auditor(), now(), january, 1).await.unwrap();
    assert_eq!(detail.roll.state, RollState::Exported);
    assert!(detail.lines.iter().all(|l| l.result == LineResult::Pending), "nothing applied");
    assert!(list_corrections(&db, &auditor(), now(), None, false).await.unwrap().is_empty());

    // The bank's real return: SF-0001's account was closed.
    let returned = gbk(&bank_return(&file.bytes, &[("1360.00", "账户已销户")]));
    assert!(matches!(
        import_return(&db, &auditor(), now(), january, "回盘.csv", &returned).await,
        Err(AppError::Forbidden)
    ));
    let imported = import_return(&db, &preparer(), now(), january, "回盘.csv", &returned).await.unwrap();
    assert_eq!((imported.paid, imported.paid_fen, imported.failed, imported.failed_fen), (2, 178_550, 1, 136_000));
    assert_eq!(imported.corrections.len(), 1);
    let detail = pay::roll_detail(&db, &auditor(), now(), january, 1).await.unwrap();
    assert_eq!(detail.roll.state, RollState::Closed);
    let failed: Vec<_> = detail.lines.iter().filter(|l| l.result == LineResult::Failed).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].amount_fen, failed[0].failure_reason.as_deref()), (136_000, Some("账户已销户")));
    assert_eq!(detail.lines.iter().filter(|l| l.result == LineResult::Paid).count(), 2);
    // Imported once only: the use case says so, and the database refuses
    // a second return of the roll; a different file is not recorded on it.
    {
        use jiuzhu_store::payment_return::{self as store, NewReturn, RETURN_EXISTS};
        let mut tx = db.begin().await.unwrap();
        let second = NewReturn {
            roll_id: january,
            file_name: "again.csv".into(),
            file_sha256: "0".repeat(64),
            lines: 3,
            paid: 3,
            paid_total: Fen(314_550),
            failed: 0,
            failed_total: Fen(0),
            imported_by: "xianjingban".into(),
        };
        let refused = store::insert_return(&mut tx, &second, now()).await.unwrap_err();
        assert!(
            matches!(&refused, jiuzhu_store::StoreError::Conflict { constraint } if constraint == RETURN_EXISTS),
            "{refused:?}"
        );
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        let other = store::record_export(&mut tx, january, &"1".repeat(64), 3, Fen(314_550), "x", now()).await;
        assert!(matches!(other, Err(jiuzhu_store::StoreError::NotFound)), "{other:?}");
        let recorded = store::get_return(&mut tx, january).await.unwrap().unwrap();
        assert_eq!(
            (recorded.lines, recorded.paid, recorded.failed, recorded.file_name.as_str()),
            (3, 2, 1, "回盘.csv")
        );
        drop(tx);
    }
    assert_eq!(
        conflict_key(import_return(&db, &preparer(), now(), january, "回盘.csv", &returned).await.unwrap_err()),
        "payment.return.error.not_exported"
    );
    // No payable copy leaves once the return is in (a copy sent to the bank
    // would be paid with no return to reconcile it); the roll unchanged.
    let closed = pay::get_roll(&db, &auditor(), now(), january).await.unwrap();
    assert_eq!(
        conflict_key(export_file(&db, &preparer(), now(), january).await.unwrap_err()),
        "payment.roll.error.closed"
    );
    let after = pay::get_roll(&db, &auditor(), now(), january).await.unwrap();
    assert_eq!((after.state, after.version), (RollState::Closed, closed.version));

    // The correction list; while it is open, no roll pays January again.
    let open = list_corrections(&db, &auditor(), now(), None, true).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].amount_fen, open[0].reason.as_str(), open[0].open), (136_000, "账户已销户", true));
    assert_eq!(open[0].account_masked, "6217***********0123");
    let nothing = pay::generate(&db, &preparer(), now(), ask("2026-01", RollKind::Supplementary)).await.unwrap();
    assert_eq!(nothing.lines, 0, "a held month is not paid again before its correction");

    // The account is fixed and the correction resolved: a supplementary
    // roll pays SF-0001's January once.
    account(&raw, "SF-0001", "6217009876543210987").await;
    assert!(matches!(resolve_correction(&db, &auditor(), now(), open[0].id).await, Err(AppError::Forbidden)));
    assert!(matches!(resolve_correction(&db, &elsewhere, now(), open[0].id).await, Err(AppError::NotFound)));
    let resolved = resolve_correction(&db, &preparer(), now(), open[0].id).await.unwrap();
    assert!(!resolved.open);
    assert_eq!(
        conflict_key(resolve_correction(&db, &preparer(), now(), open[0].id).await.unwrap_err()),
        "payment.correction.error.not_open"
    );
    assert!(list_corrections(&db, &auditor(), now(), None, true).await.unwrap().is_empty());
    let supplementary = pay::generate(&db, &preparer(), now(), ask("2026-01", RollKind::Supplementary)).await.unwrap();
    assert_eq!((supplementary.lines, supplementary.total_fen), (1, 136_000));
    pay::approve(&db, &approver(), now(), supplementary.id, supplementary.version).await.unwrap();
    let file = export_file(&db, &preparer(), now(), supplementary.id).await.unwrap();
    assert!(bank_return(&file.bytes, &[]).iter().any(|l| l.contains(",6217009876543210987,")), "the new account");
    let returned = gbk(&bank_return(&file.bytes, &[]));
    import_return(&db, &preparer(), now(), supplementary.id, "回盘2.csv", &returned).await.unwrap();

    // February's regular roll pays February only.
    let february = approved_roll(&db, "2026-02", RollKind::Regular).await;
    let detail = pay::roll_detail(&db, &auditor(), now(), february, 1).await.unwrap();
    assert!(
        detail.lines.iter().all(|l| l.kind == LineKind::Current && l.first_month == m("2026-02")),
        "{:?}",
        detail.lines
    );

    // Every month owed is claimed live exactly once.
    let mut tx = db.begin_read().await.unwrap();
    let live = jiuzhu_store::payment_roll::live_claims(&mut tx, &Within::everything()).await.unwrap();
    drop(tx);
    let mut claimed: BTreeMap<(PayeeKey, YearMonth), Vec<Fen>> = BTreeMap::new();
    for (key, month, fen) in live {
        claimed.entry((key, month)).or_default().push(fen);
    }
    assert_eq!(claimed.len(), 6, "three payees, two months: {claimed:?}");
    assert!(claimed.values().all(|fens| fens.len() == 1), "{claimed:?}");
}
