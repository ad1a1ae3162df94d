//! Payees and accounts through the use cases on SQLite and PostgreSQL:
//! recording and changing a household's account (masked in history and
//! audit, warnings beside it, the change recorded with before and after), a
//! member's own account held by an official with its agreement, a 特困
//! person paid into the county institution's account, the audited reveal,
//! the lines owed without an account, institutions at the county only,
//! and permissions and scope.

use chrono::{DateTime, TimeZone, Utc};
use jiuzhu_app::payee::{self, AccountForm, InstitutionForm};
use jiuzhu_app::{Actor, AppError, Db, Scope, registry};
use jiuzhu_domain::audit::Outcome;
use jiuzhu_domain::entitlement::{Grant, Recipient, YearMonth};
use jiuzhu_domain::payment::account::{AccountHolder, AccountWarning};
use jiuzhu_domain::{Fen, Program, RegionCode, Role};

jiuzhu_testkit::on_both_databases!(
    an_account_is_recorded_changed_and_revealed_with_its_history,
    personal_lines_custody_and_the_institution,
    lines_without_an_account_are_listed_for_the_preparer,
    permissions_and_scope_are_checked_and_recorded,
    the_demo_county_pays_every_recipient_into_an_account,
);

/// Monday 2026-11-02, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn clerk() -> Actor {
    Actor::user(102, "jingban", &[Role::TownshipClerk], Scope::Region(code("340102001")))
}

fn other_clerk() -> Actor {
    Actor::user(103, "hekou", &[Role::TownshipClerk], Scope::Region(code("340102002")))
}

fn county_clerk() -> Actor {
    Actor::user(105, "xianmin", &[Role::CountyClerk], Scope::Region(code("340102")))
}

fn auditor() -> Actor {
    Actor::user(106, "shenji", &[Role::Auditor], Scope::Region(code("340102")))
}

/// A card number with a valid check digit.
const CARD: &str = "6217 0012 3456 7890 122";
/// The same with its last digit wrong.
const BAD_CARD: &str = "6217001234567890123";

/// The sample county with its roster (SF-0001: 张建国, 李秀英 and 张伟 on
/// 低保, enrolled from the import's month). Its id, and 李秀英's.
async fn county(db: &Db) -> (i64, i64) {
    registry::upsert_regions(db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
    let roster =
        std::fs::read(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    jiuzhu_app::import::import_roster(db, &Actor::system(), now(), &roster).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let home = jiuzhu_store::get_household_by_external_id(&mut tx, "SF-0001").await.unwrap().unwrap().id;
    let members = jiuzhu_store::members_of(&mut tx, home).await.unwrap();
    let wife = members.iter().find(|p| p.fields.name.as_str() == "李秀英").unwrap().id;
    (home, wife)
}

/// 李秀英's own 特困 from November (as an approval would start it).
async fn tekun_for(db: &Db, home: i64, person: i64) {
    let mut tx = db.begin().await.unwrap();
    let grant = Grant {
        household: home,
        recipient: Recipient::Person(person),
        program: Program::Tekun,
        monthly: Fen(110_000),
        first: YearMonth::parse("2026-11").unwrap(),
        decision: None,
        policy_versions: vec![],
    };
    jiuzhu_store::entitlement::insert_entitlement(&mut tx, &grant, now()).await.unwrap();
    tx.commit().await.unwrap();
}

fn head_account(number: &str, name: &str) -> AccountForm {
    AccountForm {
        person_id: None,
        holder: "head".into(),
        bank: "农业银行清河支行".into(),
        account_name: name.into(),
        account_number: number.into(),
        ..AccountForm::default()
    }
}

async fn audit_actions(db: &Db) -> Vec<(String, Outcome, String, String)> {
    let mut tx = db.begin().await.unwrap();
    let filter = jiuzhu_store::AuditFilter { limit: 500, ..Default::default() };
    let rows = jiuzhu_store::search_audit(&mut tx, &filter).await.unwrap();
    rows.into_iter().map(|r| (r.record.action, r.record.outcome, r.record.before, r.record.after)).collect()
}

async fn an_account_is_recorded_changed_and_revealed_with_its_history(db: Db) {
    let (home, _) = county(&db).await;
    // Given the household's 低保 and no account yet.
    let before = payee::household_payees(&db, &clerk(), home, now()).await.unwrap();
    assert_eq!(before.lines.len(), 1);
    assert_eq!(before.lines[0].payee_name, "张建国");
    assert_eq!(before.lines[0].needed_holder, Some(AccountHolder::Head));
    assert_eq!(before.lines[0].current, None);
    assert!(before.can_manage && before.can_reveal);

    // When the clerk records a card whose check digit fails, in the head's
    // name: it is saved, with the warning.
    let saved = payee::set_account(&db, &clerk(), home, &head_account(BAD_CARD, "张建国"), now()).await.unwrap();
    assert_eq!(saved.warnings, vec![AccountWarning::CheckDigit]);
    assert_eq!(saved.account_number, "6217***********0123");
    assert!(!saved.replaced);

    // When it is changed to a good card in another spelling of the name:
    // saved, the name warning shown, the old one kept as past.
    let later = now() + chrono::Duration::hours(1);
    let changed = payee::set_account(&db, &clerk(), home, &head_account(CARD, "张 建国"), later).await.unwrap();
    assert!(changed.replaced);
    assert_eq!(changed.warnings, vec![]);
    let changed =
        payee::set_account(&db, &clerk(), home, &head_account("62170012345678901 22", "张三"), later).await.unwrap();
    assert!(matches!(changed.warnings.as_slice(), [AccountWarning::NameDiffers { .. }]));

    let shown = payee::household_payees(&db, &clerk(), home, later).await.unwrap();
    let line = &shown.lines[0];
    let current = line.current.as_ref().unwrap();
    assert_eq!((current.account_number.as_str(), current.account_name.as_str()), ("6217***********0122", "张三"));
    assert_eq!(line.past.len(), 2);
    assert!(line.past[1].check_digit_warning, "the oldest, with the bad check digit: {:?}", line.past);
    assert!(line.past.iter().all(|p| p.replaced_at == Some(later)));

    // Then history says what changed, masked; the audit the same.
    let detail = registry::household_detail(&db, &clerk(), home, later, false).await.unwrap();
    let entries: Vec<_> = detail.history.iter().filter(|h| h.action.starts_with("payee_account")).collect();
    assert_eq!(
        entries.iter().map(|h| h.action.as_str()).collect::<Vec<_>>(),
        vec!["payee_account_changed", "payee_account_changed", "payee_account_set"]
    );
    let first = &entries[2].detail;
    assert_eq!(first["payee"], "张建国");
    assert_eq!(first["account_number"], "6217***********0123");
    assert_eq!(first["holder"], "head");
    assert_eq!(entries[1].detail["account_number"], serde_json::json!(["6217***********0123", "6217***********0122"]));
    let audited = audit_actions(&db).await;
    let text: String = audited.iter().map(|(_, _, b, a)| format!("{b}{a}")).collect();
    assert!(!text.contains("6217001234567890122") && !text.contains("6217001234567890123"), "{text}");
    assert!(
        audited.iter().any(|(a, o, b, _)| a == "payee_account_changed" && *o == Outcome::Allowed && b.contains("0123"))
    );

    // The full number only through the audited reveal.
    let full = payee::reveal_account(&db, &clerk(), current.id, later).await.unwrap();
    assert_eq!((full.account_number.as_str(), full.household_id), ("6217001234567890122", home));
    assert!(
        audit_actions(&db).await.iter().any(|(a, o, _, _)| a == "payee_account_revealed" && *o == Outcome::Allowed)
    );
    // Nothing was stored unmasked in the household's history.
    let all_history = serde_json::to_string(&detail.history).unwrap();
    assert!(!all_history.contains("6217001234567890122"));
}

async fn personal_lines_custody_and_the_institution(db: Db) {
    let (home, wife) = county(&db).await;
    tekun_for(&db, home, wife).await;
    // A member's personal 特困 is its own line, whose holder depends on the decision.
    let shown = payee::household_payees(&db, &clerk(), home, now()).await.unwrap();
    assert_eq!(shown.lines.len(), 2);
    assert_eq!((shown.lines[1].person_id, shown.lines[1].payee_name.as_str()), (Some(wife), "李秀英"));
    assert_eq!(shown.lines[1].programs, vec!["CaseKind.tekun"]);
    assert_eq!(shown.lines[1].needed_holder, None);

    // The household's line takes only the head's account.
    let wrong = AccountForm { holder: "own".into(), ..head_account(CARD, "张建国") };
    let refused = payee::set_account(&db, &clerk(), home, &wrong, now()).await;
    assert!(matches!(&refused, Err(AppError::Invalid(e)) if e[0].field == "holder"), "{refused:?}");

    // Custody by an official needs the filed agreement.
    let mut held = AccountForm {
        person_id: Some(wife),
        holder: "own".into(),
        bank: "农村信用社城关分社".into(),
        account_name: "李秀英".into(),
        account_number: "１２３４５６７８９０１２".into(),
        custodian: "王五（东村村委会主任）".into(),
        custody_agreement: String::new(),
        institution_id: None,
    };
    let refused = payee::set_account(&db, &clerk(), home, &held, now()).await;
    assert!(matches!(&refused, Err(AppError::Invalid(e)) if e[0].field == "custody_agreement"), "{refused:?}");
    held.custody_agreement = "城民代管〔2026〕3号".into();
    let saved = payee::set_account(&db, &clerk(), home, &held, now()).await.unwrap();
    assert_eq!(saved.warnings, vec![]);
    assert_eq!(saved.account_number, "********9012");

    // Institutions are recorded by the county, not the township.
    let form = InstitutionForm {
        region_code: "340102".into(),
        name: "示范区社会福利院".into(),
        account_name: "示范区社会福利院".into(),
        bank: "农业银行示范区支行".into(),
        account_number: "12-0000-1234-5678-9".into(),
    };
    let refused = payee::create_institution(&db, &clerk(), &form, now()).await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    let inst = payee::create_institution(&db, &county_clerk(), &form, now()).await.unwrap();
    let twice = payee::create_institution(&db, &county_clerk(), &form, now()).await;
    assert!(matches!(&twice, Err(AppError::Invalid(e)) if e[0].field == "name"), "{twice:?}");
    let listed = payee::list_institutions(&db, &county_clerk(), now()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id, listed[0].account_number.as_str()), (inst, "***********6789"));
    assert_eq!(listed[0].region_name, "示范区");

    // 集中供养: she is paid into the institution's account (its own details),
    // which replaces the card held by the official.
    let to_inst = AccountForm {
        person_id: Some(wife),
        holder: "institution".into(),
        institution_id: Some(inst),
        ..AccountForm::default()
    };
    let saved = payee::set_account(&db, &clerk(), home, &to_inst, now()).await.unwrap();
    assert!(saved.replaced);
    let shown = payee::household_payees(&db, &clerk(), home, now()).await.unwrap();
    assert_eq!(shown.institutions.len(), 1, "the township clerk chooses among the county's institutions");
    let hers = shown.lines[1].current.as_ref().unwrap();
    assert_eq!(hers.holder, AccountHolder::Institution);
    assert_eq!(hers.institution_name.as_deref(), Some("示范区社会福利院"));
    assert_eq!(hers.bank, "农业银行示范区支行");
    assert_eq!(shown.lines[1].past[0].custodian, "王五（东村村委会主任）");
}

async fn lines_without_an_account_are_listed_for_the_preparer(db: Db) {
    let (home, wife) = county(&db).await;
    tekun_for(&db, home, wife).await;
    let month = YearMonth::parse("2026-11").unwrap();
    let missing = payee::missing_accounts(&db, &county_clerk(), None, month, now()).await.unwrap();
    // SF-0001's household and 李秀英's 特困, SF-0002 and SF-0003 (roster enrolments).
    assert_eq!(missing.lines.len(), 4, "{missing:?}");
    assert!(!missing.truncated);
    let theirs: Vec<_> = missing.lines.iter().filter(|l| l.household_id == home).collect();
    assert_eq!(
        theirs.iter().map(|l| (l.person_id, l.program.as_str())).collect::<Vec<_>>(),
        vec![(None, "CaseKind.dibao"), (Some(wife), "CaseKind.tekun")]
    );
    assert_eq!(theirs[0].region_name, "示范区城关镇东村");
    // The township clerk sees its township only; a region asked for is narrowed.
    let township = payee::missing_accounts(&db, &clerk(), Some(&code("340102")), month, now()).await.unwrap();
    assert_eq!(township.lines.len(), 3);
    payee::set_account(&db, &clerk(), home, &head_account(CARD, "张建国"), now()).await.unwrap();
    let left = payee::missing_accounts(&db, &clerk(), None, month, now()).await.unwrap();
    assert_eq!(left.lines.len(), 2);
    assert!(audit_actions(&db).await.iter().any(|(a, _, _, _)| a == "payees_missing_listed"));
    // Before the roster's enrolment (this month) and the 特困 began, nothing was owed.
    let october =
        payee::missing_accounts(&db, &clerk(), None, YearMonth::parse("2026-10").unwrap(), now()).await.unwrap();
    assert_eq!(october.lines.len(), 0);
}

async fn permissions_and_scope_are_checked_and_recorded(db: Db) {
    let (home, _) = county(&db).await;
    let saved = payee::set_account(&db, &clerk(), home, &head_account(CARD, "张建国"), now()).await.unwrap();
    // Another township: as if it did not exist.
    let hidden = payee::household_payees(&db, &other_clerk(), home, now()).await;
    assert!(matches!(hidden, Err(AppError::NotFound)), "{hidden:?}");
    let hidden = payee::set_account(&db, &other_clerk(), home, &head_account(CARD, "张建国"), now()).await;
    assert!(matches!(hidden, Err(AppError::NotFound)), "{hidden:?}");
    let hidden = payee::reveal_account(&db, &other_clerk(), saved.account_id, now()).await;
    assert!(matches!(hidden, Err(AppError::NotFound)), "{hidden:?}");
    // The auditor reads, cannot change, and may reveal (audited).
    let read = payee::household_payees(&db, &auditor(), home, now()).await.unwrap();
    assert!(!read.can_manage);
    let refused = payee::set_account(&db, &auditor(), home, &head_account(CARD, "张建国"), now()).await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    // A village assistant cannot read accounts at all.
    let assistant = Actor::user(107, "cun", &[Role::VillageAssistant], Scope::Region(code("340102001001")));
    let refused = payee::household_payees(&db, &assistant, home, now()).await;
    assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    // A bad number names the problem.
    let bad = payee::set_account(&db, &clerk(), home, &head_account("6217-00１2-O123", "张建国"), now()).await;
    match bad {
        Err(AppError::Invalid(e)) => {
            assert_eq!(e[0].field, "account_number");
            assert_eq!(e[0].message.render(jiuzhu_domain::Lang::Zh), "银行账号只能由数字组成，不能含有“O”");
        }
        other => panic!("{other:?}"),
    }
    let denied = audit_actions(&db).await;
    for action in ["payees_viewed", "payee_account_set", "payee_account_revealed"] {
        assert!(denied.iter().any(|(a, o, _, _)| a == action && *o == Outcome::Denied), "{action}");
    }
}

async fn the_demo_county_pays_every_recipient_into_an_account(db: Db) {
    let system = Actor::system();
    jiuzhu_app::demo::load_demo(&db, &system, now(), 7, 300, &mut |_, _| {}).await.unwrap();
    let county = Actor::user(108, "xian", &[Role::CountyClerk], Scope::Region(code(jiuzhu_app::demo::COUNTY_CODE)));
    let this_month = YearMonth::of(jiuzhu_domain::i18n::china_date(now()));
    for month in [this_month.plus(-11), this_month.plus(-3), this_month] {
        let missing = payee::missing_accounts(&db, &county, None, month, now()).await.unwrap();
        assert!(missing.lines.is_empty(), "{month}: {:?}", missing.lines.first());
    }
    let institutions = payee::list_institutions(&db, &county, now()).await.unwrap();
    assert_eq!(institutions.len(), 1, "one township home");
    assert!(institutions[0].name.ends_with("敬老院"));
    let mut tx = db.begin().await.unwrap();
    let mut accounts = Vec::new();
    for household in 1..=300 {
        accounts.extend(jiuzhu_store::payee::household_accounts(&mut tx, household).await.unwrap());
    }
    drop(tx);
    assert!(accounts.len() > 50, "{}", accounts.len());
    let in_institution: Vec<_> = accounts.iter().filter(|a| a.holder == "institution").collect();
    assert_eq!(in_institution.len(), 1);
    assert_eq!(in_institution[0].institution_id, Some(institutions[0].id));
    let held: Vec<_> = accounts.iter().filter(|a| !a.custodian.is_empty()).collect();
    assert_eq!(held.len(), 1);
    assert!(held[0].custodian.contains("委员") && held[0].custody_agreement.contains("民代管"), "{:?}", held[0]);
    let cards: Vec<_> = accounts.iter().filter(|a| (16..=19).contains(&a.account_number.len())).collect();
    let failing: Vec<_> =
        cards.iter().filter(|a| !jiuzhu_domain::payment::account::luhn_ok(&a.account_number)).collect();
    assert_eq!(failing.len(), 1, "exactly one card fails its check digit");
    assert!(accounts.iter().all(|a| a.bank.contains("银行") && !a.account_name.is_empty()));
    // Its page shows the warning; the history records each account, masked.
    let shown = payee::household_payees(&db, &county, failing[0].household_id, now()).await.unwrap();
    assert!(shown.lines[0].current.as_ref().unwrap().check_digit_warning);
    let detail = registry::household_detail(&db, &county, failing[0].household_id, now(), false).await.unwrap();
    let entry = detail.history.iter().find(|h| h.action == "payee_account_set").unwrap();
    assert!(entry.detail["account_number"].as_str().unwrap().contains('*'));
}
