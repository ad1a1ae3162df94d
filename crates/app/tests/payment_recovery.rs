//! Recoveries of overpayment (追回, issue 12 point 5) through the use cases
//! on SQLite and PostgreSQL: a death entered after months were paid finds
//! exactly those months; the recovery is recorded once, settled in part and
//! in whole, an over-settlement refused in Chinese, a write-off without a
//! reason refused; an offset is refused while the policy says no and, once
//! the county allows it, takes at most what is left of a later line (never a
//! negative line); an auditor reads and cannot record or settle; another
//! township's clerk sees nothing.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jiuzhu_app::entitlement::{self, EntitlementChange};
use jiuzhu_app::import::import_roster;
use jiuzhu_app::payment::export::export_file;
use jiuzhu_app::payment::recovery::{self as recovery, RecoveryForm, SettleForm};
use jiuzhu_app::payment::returns::import_return;
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll};
use jiuzhu_app::{Actor, AppError, Db, Scope, policy, registry};
use jiuzhu_domain::assistance::PolicyPatch;
use jiuzhu_domain::entitlement::{EndReason, YearMonth};
use jiuzhu_domain::i18n::Lang;
use jiuzhu_domain::payment::recovery::SettlementKind;
use jiuzhu_domain::payment::roll::{ProgramGroup, RollKind};
use jiuzhu_domain::{Fen, RegionCode, Role};
use jiuzhu_store::payment_recovery::{self as store, NewSettlement};
use jiuzhu_testkit::RawDb;

jiuzhu_testkit::on_both_databases!(
    a_death_entered_after_months_were_paid_is_recovered_and_settled,
    an_offset_needs_the_policy_and_never_leaves_a_negative_line,
    months_sent_and_not_yet_returned_are_not_recovered
);

fn at(month: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, 5, 2, 0, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn m(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
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

/// A clerk of 河口镇 (340102002); SF-0001 lives in 城关镇.
fn hekou_clerk() -> Actor {
    Actor::user(204, "hekou", &[Role::TownshipClerk], Scope::Region(code("340102002")))
}

/// A month's roll generated, approved, exported and returned all paid.
async fn paid_roll(db: &Db, month: &str, when: DateTime<Utc>) {
    let ask = GenerateRoll { month: m(month), region: None, group: ProgramGroup::All, kind: RollKind::Regular };
    let roll = pay::generate(db, &clerk(), when, ask).await.unwrap();
    pay::approve(db, &approver(), when, roll.id, roll.version).await.unwrap();
    let file = export_file(db, &clerk(), when, roll.id).await.unwrap();
    let returned = jiuzhu_testkit::bank::bank_return(&file.bytes, &[]);
    import_return(db, &clerk(), when, roll.id, "回盘.csv", &returned).await.unwrap();
}

/// The sample county with its roster (SF-0001 低保 1,360元, SF-0002 特困
/// 1,105.50元, SF-0003 低保 680元), every payee with an account, January
/// through March 2026 paid.
async fn county(db: Db) -> RawDb {
    let raw = RawDb::new(db).await;
    let db = &raw.db;
    registry::upsert_regions(db, &Actor::system(), at(1), &jiuzhu_testkit::sample_regions()).await.unwrap();
    let roster =
        std::fs::read(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    import_roster(db, &Actor::system(), at(1), &roster).await.unwrap();
    raw.execute(
        "INSERT INTO payee_account (household_id, person_id, holder, institution_id, account_name, bank,
             account_number, recorded_at, recorded_by)
         SELECT h.id, NULL, 'head', NULL, p.name, '农业银行清河支行', '62284800' || h.id || '5678',
             '2026-01-01T00:00:00Z', 'test'
         FROM household h JOIN person p ON p.household_id = h.id AND p.relation = 'head'",
    )
    .await;
    for (month, when) in [("2026-01", at(1)), ("2026-02", at(2)), ("2026-03", at(3))] {
        paid_roll(db, month, when).await;
    }
    raw
}

async fn household(raw: &RawDb, external_id: &str) -> i64 {
    raw.count(&format!("SELECT id FROM household WHERE external_id = '{external_id}'")).await
}

async fn dibao_entitlement(db: &Db, household: i64) -> i64 {
    let all = entitlement::household_entitlements(db, &approver(), household, at(4)).await.unwrap();
    all.iter().find(|e| e.person_id.is_none()).expect("the household's 低保").id
}

fn refused(e: AppError) -> Vec<String> {
    match e {
        AppError::Invalid(errors) => errors.iter().map(|e| e.message.render(Lang::Zh)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn settle_form(kind: &str, yuan: &str, note: &str, version: i64) -> SettleForm {
    SettleForm { kind: kind.into(), amount_yuan: yuan.into(), note: note.into(), line_id: None, version }
}

async fn a_death_entered_after_months_were_paid_is_recovered_and_settled(db: Db) {
    let raw = county(db).await;
    let db = raw.db.clone();
    let home = household(&raw, "SF-0001").await;

    // Given January through March paid, nothing is overpaid;
    assert!(recovery::find_overpayments(&db, &clerk(), at(4), home).await.unwrap().is_empty());
    // when the head's death in January is entered in April (paid up to the
    // month of death),
    let id = dibao_entitlement(&db, home).await;
    entitlement::end_entitlement(&db, &approver(), at(4), id, m("2026-01"), EndReason::Death).await.unwrap();

    // then February and March are found, 1,360元 each, the cause a death.
    let found = recovery::find_overpayments(&db, &clerk(), at(4), home).await.unwrap();
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f.months.iter().map(|o| o.month).collect::<Vec<_>>(), [202602, 202603]);
    assert!(f.months.iter().all(|o| o.paid_fen == 136_000 && o.owed_fen == 0 && o.excess_fen == 136_000));
    assert_eq!((f.amount_fen, f.cause.as_str(), f.payee_name.as_str()), (272_000, "death", "张建国"));

    // An auditor and another township's clerk record nothing.
    let form = RecoveryForm {
        household_id: home,
        program: "dibao".into(),
        cause_note: "户主张建国（340102195803120137）2026年1月死亡，家属4月报告".into(),
        debtor_name: Some("李秀英（配偶）".into()),
        expected_fen: Some(272_000),
        ..Default::default()
    };
    assert!(matches!(recovery::record_recovery(&db, &auditor(), at(4), &form).await, Err(AppError::Forbidden)));
    assert!(matches!(recovery::record_recovery(&db, &hekou_clerk(), at(4), &form).await, Err(AppError::Forbidden)));
    assert!(matches!(recovery::find_overpayments(&db, &hekou_clerk(), at(4), home).await, Err(AppError::NotFound)));
    // A clerk who saw another amount is told it changed.
    let stale = RecoveryForm { expected_fen: Some(136_000), ..form.clone() };
    assert!(matches!(recovery::record_recovery(&db, &clerk(), at(4), &stale).await, Err(AppError::Conflict(_))));

    let r = recovery::record_recovery(&db, &clerk(), at(4), &form).await.unwrap();
    assert_eq!(
        (r.amount_fen, r.outstanding_fen, r.state.as_str(), r.cause.as_str()),
        (272_000, 272_000, "open", "death")
    );
    assert_eq!(r.debtor_name, "李秀英(配偶)");
    // A number typed into the note is shown masked, as in case texts.
    assert!(r.cause_note.contains("张建国") && !r.cause_note.contains("340102195803120137"), "{}", r.cause_note);
    assert_eq!(r.months.len(), 2);
    // Recorded once: nothing is left to find or record.
    assert!(recovery::find_overpayments(&db, &clerk(), at(4), home).await.unwrap().is_empty());
    let again = RecoveryForm { expected_fen: None, ..form.clone() };
    assert!(matches!(recovery::record_recovery(&db, &clerk(), at(4), &again).await, Err(AppError::Conflict(_))));

    // Settled in part: 1,000元 repaid.
    let r = recovery::settle(&db, &clerk(), at(5), r.id, &settle_form("repaid", "1,000.00", "收据 0012", r.version))
        .await
        .unwrap();
    assert_eq!((r.settled_fen, r.outstanding_fen, r.state.as_str()), (100_000, 172_000, "open"));
    // More than is outstanding is refused, in Chinese, and changes nothing.
    let over = recovery::settle(&db, &clerk(), at(5), r.id, &settle_form("repaid", "1,720.01", "", r.version))
        .await
        .unwrap_err();
    assert_eq!(refused(over), ["结算金额1,720.01元超过尚未追回的1,720.00元。"]);
    // Nothing, or an offset while the policy says no, or a write-off
    // without its reason: refused.
    let zero = recovery::settle(&db, &clerk(), at(5), r.id, &settle_form("退回", "0", "", r.version)).await;
    assert_eq!(refused(zero.unwrap_err()), ["结算金额必须大于零。"]);
    let offset = recovery::settle(&db, &clerk(), at(5), r.id, &settle_form("offset", "100", "", r.version)).await;
    assert_eq!(refused(offset.unwrap_err()), ["本地区政策不允许从以后的发放中抵扣。"]);
    let no_reason =
        recovery::settle(&db, &clerk(), at(5), r.id, &settle_form("核销", "1,720.00", " ", r.version)).await;
    assert_eq!(refused(no_reason.unwrap_err()), ["核销须写明理由。"]);
    // An auditor reads it and cannot settle it; another township sees nothing.
    let read = recovery::get_recovery(&db, &auditor(), at(5), r.id).await.unwrap();
    assert_eq!(read.settled_fen, 100_000);
    assert_eq!(read.settlements.len(), 1);
    let by_auditor = recovery::settle(&db, &auditor(), at(5), r.id, &settle_form("repaid", "1", "", r.version)).await;
    assert!(matches!(by_auditor, Err(AppError::Forbidden)));
    assert!(matches!(recovery::get_recovery(&db, &hekou_clerk(), at(5), r.id).await, Err(AppError::NotFound)));
    assert!(recovery::list_recoveries(&db, &hekou_clerk(), at(5), None, false).await.unwrap().is_empty());
    assert_eq!(recovery::list_recoveries(&db, &auditor(), at(5), None, true).await.unwrap().len(), 1);
    // A settlement naming an older version is refused.
    let stale = recovery::settle(&db, &clerk(), at(5), r.id, &settle_form("repaid", "1", "", r.version - 1)).await;
    assert!(matches!(stale, Err(AppError::Conflict(_))));

    // The store itself never lets settlements pass the amount.
    {
        let mut tx = db.begin().await.unwrap();
        let beyond = NewSettlement {
            kind: SettlementKind::Repaid,
            amount: Fen(172_001),
            note: String::new(),
            line_id: None,
            settled_by: "test".into(),
        };
        let refused = store::add_settlement(&mut tx, r.id, r.version, &beyond, at(5)).await;
        assert!(matches!(refused, Err(jiuzhu_store::StoreError::NotFound)), "{refused:?}");
    }

    // Settled in whole: the rest written off with its reason.
    let r = recovery::settle(
        &db,
        &clerk(),
        at(6),
        r.id,
        &settle_form("written_off", "1,720", "家属无力退还，经县局批准核销", r.version),
    )
    .await
    .unwrap();
    assert_eq!((r.settled_fen, r.outstanding_fen, r.state.as_str()), (272_000, 0, "settled"));
    let after = recovery::settle(&db, &clerk(), at(6), r.id, &settle_form("repaid", "1", "", r.version)).await;
    assert_eq!(refused(after.unwrap_err()), ["该笔追回已结清。"]);
    let mine = recovery::household_recoveries(&db, &auditor(), at(6), home).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].settlements.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(), ["repaid", "written_off"]);

    assert_eq!(
        raw.count(
            "SELECT COUNT(*) FROM audit_event WHERE action IN ('payment_recovery_recorded', 'payment_recovery_settled')
                 AND outcome = 'allowed'"
        )
        .await,
        3
    );
}

async fn an_offset_needs_the_policy_and_never_leaves_a_negative_line(db: Db) {
    let raw = county(db).await;
    let db = raw.db.clone();
    let home = household(&raw, "SF-0003").await;
    // Given 680元 a month paid January through March, a decision in April
    // lowers it to 300元 from February;
    let id = dibao_entitlement(&db, home).await;
    let change = EntitlementChange { monthly: Fen(30_000), from: m("2026-02"), decision: None, policy_versions: None };
    entitlement::change_entitlement(&db, &approver(), at(4), id, &change).await.unwrap();
    let found = recovery::find_overpayments(&db, &clerk(), at(4), home).await.unwrap();
    assert_eq!(
        found[0].months.iter().map(|o| (o.month, o.excess_fen)).collect::<Vec<_>>(),
        [(202602, 38_000), (202603, 38_000)]
    );
    assert_eq!(found[0].cause, "decision");
    let form = RecoveryForm {
        household_id: home,
        program: "dibao".into(),
        cause_note: "2026年4月复核，自2月起调减为300元".into(),
        ..Default::default()
    };
    // Two clerks record it at once: it is recorded once, the other told
    // nothing is left to record.
    let (one, two) = (clerk(), clerk());
    let (a, b) = tokio::join!(
        recovery::record_recovery(&db, &one, at(4), &form),
        recovery::record_recovery(&db, &two, at(4), &form)
    );
    let (r, other) = match (a, b) {
        (Ok(r), Err(e)) | (Err(e), Ok(r)) => (r, e),
        other => panic!("expected one recovery, got {other:?}"),
    };
    assert!(matches!(other, AppError::Conflict(m) if m.key == "recovery.error.nothing_overpaid"));
    assert_eq!((r.amount_fen, r.debtor_name.as_str()), (76_000, "赵大勇"));

    // April is paid at 300元: the later line an offset may name.
    paid_roll(&db, "2026-04", at(4)).await;
    let april_line = raw
        .count(&format!(
            "SELECT l.id FROM payment_line l JOIN payment_roll r ON r.id = l.roll_id
             WHERE r.month = 202604 AND l.household_id = {home}"
        ))
        .await;
    let march_line = raw
        .count(&format!(
            "SELECT l.id FROM payment_line l JOIN payment_roll r ON r.id = l.roll_id
             WHERE r.month = 202603 AND l.household_id = {home}"
        ))
        .await;
    let offset = |yuan: &str, line: i64, version: i64| SettleForm {
        kind: "抵扣".into(),
        amount_yuan: yuan.into(),
        note: "4月发放中抵扣".into(),
        line_id: Some(line),
        version,
    };
    // The policy says no (否 by default).
    let no = recovery::settle(&db, &clerk(), at(4), r.id, &offset("100", april_line, r.version)).await;
    assert_eq!(refused(no.unwrap_err()), ["本地区政策不允许从以后的发放中抵扣。"]);
    // The county allows offsets.
    let patch = PolicyPatch { recovery_offset: Some(true), ..Default::default() };
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    policy::set_assistance_policy(&db, &approver(), at(4), &code("340102"), day, &patch).await.unwrap();
    // A line of a month recovered is not a later one.
    let earlier = recovery::settle(&db, &clerk(), at(4), r.id, &offset("100", march_line, r.version)).await;
    assert_eq!(refused(earlier.unwrap_err()).len(), 1);
    // More than the April line pays would make it negative: refused.
    let beyond = recovery::settle(&db, &clerk(), at(4), r.id, &offset("300.01", april_line, r.version)).await;
    assert_eq!(refused(beyond.unwrap_err()), ["抵扣金额超过该笔发放尚可抵扣的300.00元，发放金额不能为负。"]);
    let r = recovery::settle(&db, &clerk(), at(4), r.id, &offset("300", april_line, r.version)).await.unwrap();
    assert_eq!((r.settled_fen, r.outstanding_fen), (30_000, 46_000));
    assert_eq!(r.settlements[0].line_id, Some(april_line));
    // The line is used up: nothing more is set against it.
    let used = recovery::settle(&db, &clerk(), at(4), r.id, &offset("0.01", april_line, r.version)).await;
    assert_eq!(refused(used.unwrap_err()), ["抵扣金额超过该笔发放尚可抵扣的0.00元，发放金额不能为负。"]);
    // No payment line is ever negative.
    assert_eq!(raw.count("SELECT COUNT(*) FROM payment_line WHERE amount_fen < 0").await, 0);
}

async fn months_sent_and_not_yet_returned_are_not_recovered(db: Db) {
    let raw = county(db).await;
    let db = raw.db.clone();
    let home = household(&raw, "SF-0003").await;
    // Given April's roll approved and sent, the bank's return not yet in,
    let ask = GenerateRoll { month: m("2026-04"), region: None, group: ProgramGroup::All, kind: RollKind::Regular };
    let roll = pay::generate(&db, &clerk(), at(4), ask).await.unwrap();
    pay::approve(&db, &approver(), at(4), roll.id, roll.version).await.unwrap();
    let file = export_file(&db, &clerk(), at(4), roll.id).await.unwrap();
    // when the head's death in February is entered,
    let id = dibao_entitlement(&db, home).await;
    entitlement::end_entitlement(&db, &approver(), at(4), id, m("2026-02"), EndReason::Death).await.unwrap();
    // then March, paid, is found; April, which the bank may still fail, is not;
    let months = |found: &[recovery::OverpaymentView]| -> Vec<i64> {
        found.iter().flat_map(|f| f.months.iter().map(|o| o.month)).collect()
    };
    let found = recovery::find_overpayments(&db, &clerk(), at(4), home).await.unwrap();
    assert_eq!(months(&found), [202603]);
    // once the return says April was paid, April is found too.
    let returned = jiuzhu_testkit::bank::bank_return(&file.bytes, &[]);
    import_return(&db, &clerk(), at(4), roll.id, "回盘.csv", &returned).await.unwrap();
    let found = recovery::find_overpayments(&db, &clerk(), at(4), home).await.unwrap();
    assert_eq!(months(&found), [202603, 202604]);
}
