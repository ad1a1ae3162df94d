//! A bank's return with more failures than one statement applies (issue 12
//! point 4), on SQLite and PostgreSQL: given the demo county without its
//! paid months and this month's roll of about 1,300 lines approved and
//! exported, when the bank returns every line failed but each tenth, then
//! every failed line is marked with the bank's reason, its months held and
//! one correction opened for it, in the order of 序号, and every other line
//! is paid — across the statements the failures are split into (500 lines
//! to mark, 1,000 to hold or correct), none lost or applied twice at their
//! boundaries.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use jiuzhu_app::payment::demo as demo_payments;
use jiuzhu_app::payment::export::export_file;
use jiuzhu_app::payment::returns::{import_return, list_corrections};
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll};
use jiuzhu_app::{Actor, Db, demo};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::payment::roll::{ProgramGroup, RollKind, RollState};
use jiuzhu_testkit::RawDb;

jiuzhu_testkit::on_both_databases!(a_return_failing_most_lines_is_applied_line_by_line);

/// Wednesday 2026-12-02, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 2, 0, 0).unwrap()
}

const REASON: &str = "户名与账号不符";

/// The bank's return of an exported CSV: every line 失败 but those whose
/// 序号 is a multiple of ten; the 序号 failed.
fn bank_return(file: &[u8]) -> (Vec<u8>, BTreeSet<i64>) {
    let (text, _) = jiuzhu_files::table::decode(file).unwrap();
    let mut out = String::from("\u{feff}");
    let mut failed = BTreeSet::new();
    for line in text.lines() {
        let seq = line.split(',').next().and_then(|s| s.parse::<i64>().ok());
        match seq {
            _ if line.starts_with("序号") => out.push_str(&format!("{line},处理结果,失败原因")),
            None => out.push_str(line),
            Some(n) if n % 10 == 0 => out.push_str(&format!("{line},成功,")),
            Some(n) => {
                failed.insert(n);
                out.push_str(&format!("{line},失败,{REASON}"));
            }
        }
        out.push_str("\r\n");
    }
    (out.into_bytes(), failed)
}

async fn a_return_failing_most_lines_is_applied_line_by_line(db: Db) {
    let raw = RawDb::new(db).await;
    let db = raw.db.clone();
    demo::load_demo_unpaid(&db, &Actor::system(), now(), 11, 1_400, &mut |_, _| {}).await.unwrap();
    let (clerk, approver) = (demo_payments::clerk().unwrap(), demo_payments::approver().unwrap());
    let month = YearMonth::of(jiuzhu_domain::i18n::china_date(now()));

    // Given this month's roll, approved and exported.
    let rolls = pay::list_rolls(&db, &clerk, now(), None, None).await.unwrap();
    let roll = match rolls.iter().find(|r| r.month == month && r.kind == RollKind::Regular) {
        Some(r) => r.clone(),
        None => {
            let ask = GenerateRoll { month, region: None, group: ProgramGroup::All, kind: RollKind::Regular };
            pay::generate(&db, &clerk, now(), ask).await.unwrap()
        }
    };
    assert_eq!(roll.state, RollState::Draft);
    pay::approve(&db, &approver, now(), roll.id, roll.version).await.unwrap();
    let file = export_file(&db, &clerk, now(), roll.id).await.unwrap();
    let (returned, failed) = bank_return(&file.bytes);
    assert!(failed.len() > 1_000, "{} failures: more than one statement's worth", failed.len());
    let sent = failed.len()
        + raw
            .count(&format!(
                "SELECT COUNT(*) FROM payment_line WHERE roll_id = {} AND seq % 10 = 0 AND result = 'pending'",
                roll.id
            ))
            .await as usize;
    assert_eq!(sent as i64, file.summary.lines);

    // When the bank's return is imported.
    let imported = import_return(&db, &clerk, now(), roll.id, "回盘.csv", &returned).await.unwrap();

    // Then every failure is applied once, and every other line is paid.
    assert_eq!(imported.failed, failed.len() as i64);
    assert_eq!(imported.paid + imported.failed, file.summary.lines);
    assert_eq!(imported.corrections.len(), failed.len());
    let closed = pay::get_roll(&db, &clerk, now(), roll.id).await.unwrap();
    assert_eq!(closed.state, RollState::Closed);
    let marked =
        |result: &str| format!("SELECT COUNT(*) FROM payment_line WHERE roll_id = {} AND result = '{result}'", roll.id);
    assert_eq!(raw.count(&marked("failed")).await, failed.len() as i64);
    assert_eq!(raw.count(&marked("paid")).await, imported.paid);
    assert_eq!(raw.count(&marked("pending")).await, 0);
    let reasons = format!(
        "SELECT COUNT(*) FROM payment_line WHERE roll_id = {} AND result = 'failed' AND failure_reason = '{REASON}'",
        roll.id
    );
    assert_eq!(raw.count(&reasons).await, failed.len() as i64);
    // Their months held: each failed line's, and no other.
    let held = format!(
        "SELECT COUNT(*) FROM payment_claim c JOIN payment_line l ON l.id = c.line_id
         WHERE c.roll_id = {0} AND c.state = 'held' AND l.result = 'failed'",
        roll.id
    );
    let months = format!(
        "SELECT CAST(COALESCE(SUM(month_count), 0) AS BIGINT) FROM payment_line WHERE roll_id = {} AND result = 'failed'",
        roll.id
    );
    assert_eq!(raw.count(&held).await, raw.count(&months).await);
    let held_anywhere = format!("SELECT COUNT(*) FROM payment_claim WHERE roll_id = {} AND state = 'held'", roll.id);
    assert_eq!(raw.count(&held_anywhere).await, raw.count(&months).await);
    // One correction per failed line, opened in the order of 序号.
    let corrections = format!(
        "SELECT COUNT(*) FROM payment_correction c JOIN payment_line l ON l.id = c.line_id
         WHERE c.roll_id = {} AND l.result = 'failed' AND c.reason = '{REASON}' AND c.state = 'open'",
        roll.id
    );
    assert_eq!(raw.count(&corrections).await, failed.len() as i64);
    let inversions = format!(
        "SELECT COUNT(*) FROM (
             SELECT l.seq, LAG(l.seq) OVER (ORDER BY c.id) AS before FROM payment_correction c
             JOIN payment_line l ON l.id = c.line_id WHERE c.roll_id = {}
         ) t WHERE t.before >= t.seq",
        roll.id
    );
    assert_eq!(raw.count(&inversions).await, 0);
    let mut ids = imported.corrections.clone();
    ids.dedup();
    assert_eq!(ids.len(), failed.len());
    // The list shows them (its first page), in that order.
    let open = list_corrections(&db, &clerk, now(), None, true).await.unwrap();
    let mut listed: Vec<_> = open.iter().filter(|c| c.roll_id == roll.id).collect();
    listed.sort_by_key(|c| c.id);
    let seqs: Vec<i64> = listed.iter().map(|c| c.seq).collect();
    assert!(!seqs.is_empty());
    assert_eq!(seqs, failed.iter().copied().take(seqs.len()).collect::<Vec<_>>());
    assert!(listed.iter().all(|c| c.reason == REASON && c.open));
}
