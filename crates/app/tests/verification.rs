//! Economic verification over the database, on SQLite and PostgreSQL:
//! deliveries, runs, findings with their records, policies, old reports
//! re-created after newer data, objections, and agreement with the file
//! engine.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jiuzhu_app::import::import_roster;
use jiuzhu_app::registry;
use jiuzhu_app::verification::{
    self as v, DeliveryError, DeliveryMeta, ObjectionForm, Outcome, Report, Selection, run_verification,
};
use jiuzhu_app::{Actor, AppError, Db, Scope};
use jiuzhu_domain::dataset::DatasetKind;
use jiuzhu_domain::policy::PolicyPatch;
use jiuzhu_domain::verification::Rule;
use jiuzhu_domain::{Fen, RegionCode, Role};

jiuzhu_testkit::on_both_databases!(
    findings_name_their_records,
    an_old_report_reads_the_same_after_newer_data,
    one_threshold_changes_one_finding,
    objections_are_lodged_and_rechecked,
    bad_rows_are_kept_apart_and_bad_files_refused,
    database_and_file_engines_agree,
    a_township_sees_its_own_runs_and_its_own_counts,
);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 2, 0, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

/// The department files of the sample county (roster fixture of
/// `jiuzhu-files`): `(kind, bytes)`. Mixed encodings, Chinese and English
/// headers, a 15-digit and a lower-case-x ID number.
fn deliveries() -> Vec<(DatasetKind, Vec<u8>)> {
    vec![
        (
            DatasetKind::Vehicle,
            "机动车所有人身份证号,号牌号码,车辆类型,初次登记日期\n\
             340102195803120137,皖A12345,小型轿车,2019/05/01\n\
             340102195803120137,皖A6789,摩托车,2015年3月2日\n\
             340102199901010000,皖A0000,小型轿车,2020-01-01\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            DatasetKind::RealEstate,
            gbk("权利人证件号,不动产单元号,用途,建筑面积,坐落区划\n\
                 340102196005210247,U-1,住宅,90.5,340102001001\n\
                 340102196005210247,U-2,住宅,60,340102001001\n\
                 340102196005210247,U-3,车位,12.5,340102001001\n"),
        ),
        (
            DatasetKind::SocialInsurance,
            "id_number,period,employer_name,contribution_base_yuan\n\
             340102198511090355,2025-08,合肥某公司,4000\n\
             340102198511090355,202509,合肥某公司,\"5,000.00\"\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            DatasetKind::Deposit,
            "身份证号,金融机构,余额,截止日期\n340102198511090355,某银行,100000,2025-09-30\n".as_bytes().to_vec(),
        ),
        (DatasetKind::Death, "身份证号,姓名,死亡日期\n340102194501010114,王桂兰,2025-10-01\n".as_bytes().to_vec()),
        (DatasetKind::Pension, "身份证号,发放年月,月养老金\n340102980301062,2025-09,1200\n".as_bytes().to_vec()),
    ]
}

async fn county(db: &Db) {
    registry::upsert_regions(db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
    let roster =
        std::fs::read(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    import_roster(db, &Actor::system(), now(), &roster).await.unwrap();
    jiuzhu_app::policy::set_assistance_policy(
        db,
        &Actor::system(),
        now(),
        &code("340102"),
        day(2025, 1, 1),
        &standard(),
    )
    .await
    .unwrap();
}

/// The county's policy: a 780元 standard, urban and rural (the fixtures'
/// incomes are set against it).
fn standard() -> PolicyPatch {
    PolicyPatch { dibao_urban: Some(Fen(78_000)), dibao_rural: Some(Fen(78_000)), ..PolicyPatch::default() }
}

async fn deliver(db: &Db, kind: DatasetKind, as_of: NaiveDate, bytes: &[u8]) -> i64 {
    let meta = DeliveryMeta {
        kind,
        department: kind.department_zh().to_string(),
        as_of,
        file_name: format!("{}.csv", kind.code()),
    };
    v::import_delivery(db, &officer(), now(), meta, bytes).await.unwrap().delivery.id
}

async fn deliver_all(db: &Db) {
    for (kind, bytes) in deliveries() {
        deliver(db, kind, day(2025, 10, 1), &bytes).await;
    }
}

fn officer() -> Actor {
    Actor::user(9001, "hedui", &[Role::VerificationOfficer], Scope::All)
}

fn clerk(township: &str) -> Actor {
    Actor::user(9002, "jingban", &[Role::TownshipClerk], Scope::Region(code(township)))
}

async fn household_id(db: &Db, external: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    jiuzhu_store::get_household_by_external_id(&mut tx, external).await.unwrap().unwrap().id
}

async fn latest_report(db: &Db, external: &str) -> Report {
    let id = household_id(db, external).await;
    let results = v::household_results(db, &officer(), now(), id).await.unwrap();
    v::report(db, &officer(), now(), results[0].id).await.unwrap()
}

async fn run_all(db: &Db, at: DateTime<Utc>) -> v::RunSummary {
    run_verification(db, &officer(), at, Selection::Region(None), &mut |_, _| {}).await.unwrap()
}

fn rules(report: &Report) -> Vec<Rule> {
    report.findings.iter().map(|f| f.finding.rule).collect()
}

/// The `(dataset, line)` of each record behind a finding.
fn evidence(report: &Report, rule: Rule) -> Vec<(String, i64)> {
    let f = report.findings.iter().find(|f| f.finding.rule == rule).unwrap();
    f.evidence.iter().map(|(kind, _, line)| (kind.clone(), *line)).collect()
}

async fn findings_name_their_records(db: Db) {
    county(&db).await;
    deliver_all(&db).await;
    let summary = run_all(&db, now()).await;
    assert_eq!((summary.households, summary.members, summary.with_findings), (3, 6, 2));
    assert_eq!(summary.matches["vehicle"], 2, "the stranger's car matches nobody");

    let r = latest_report(&db, "SF-0001").await;
    assert_eq!(
        rules(&r),
        vec![
            Rule::OwnsCar,
            Rule::TooManyHomes,
            Rule::NonResidentialProperty,
            Rule::DepositsAbove,
            Rule::IncomeAtOrAboveStandard
        ]
    );
    assert_eq!(evidence(&r, Rule::OwnsCar), vec![("vehicle".into(), 2)], "the motorbike is exempt");
    assert_eq!(evidence(&r, Rule::TooManyHomes), vec![("real_estate".into(), 2), ("real_estate".into(), 3)]);
    assert_eq!(evidence(&r, Rule::NonResidentialProperty), vec![("real_estate".into(), 4)]);
    assert_eq!(
        evidence(&r, Rule::IncomeAtOrAboveStandard),
        vec![("social_insurance".into(), 2), ("social_insurance".into(), 3)]
    );
    let car = r.findings.iter().find(|f| f.finding.rule == Rule::OwnsCar).unwrap();
    assert_eq!((car.finding.threshold, car.finding.value), (0, 1));
    // Sums: wage is the member's average in fen; area in hundredths.
    assert_eq!((r.sums.wage_fen, r.sums.home_area_centi_m2, r.sums.deposits_fen), (450_000, 15_050, 10_000_000));
    let vehicles = r.datasets.iter().find(|d| d.kind == DatasetKind::Vehicle).unwrap();
    assert_eq!(vehicles.records.len(), 2);
    assert_eq!(vehicles.records[0].values, vec!["皖A12345", "小型轿车", "2019-05-01"]);
    assert_eq!(vehicles.records[0].member, "张建国");
    assert_eq!(vehicles.records[0].id_number_masked, "3401**********0137");
    let deposits = r.datasets.iter().find(|d| d.kind == DatasetKind::Deposit).unwrap();
    assert_eq!(deposits.records[0].values[1], "100,000.00元");
    assert_eq!(r.datasets.len(), 6, "every delivery used is listed, with or without records");
    assert_eq!(r.policy.region_code, Some(code("340102")), "the county's policy");
    assert_eq!(
        (r.policy.policy.dibao_standard, r.policy.policy.max_homes),
        (Fen(78_000), 1),
        "its standard, the default homes"
    );

    let dead = latest_report(&db, "SF-0002").await;
    assert_eq!(rules(&dead), vec![Rule::Deceased]);
    assert_eq!(evidence(&dead, Rule::Deceased), vec![("death".into(), 2)]);

    let pension = latest_report(&db, "SF-0003").await;
    assert_eq!(pension.sums.pension_fen, 120_000, "the 15-digit ID number matched the 18-digit member");
    assert!(pension.findings.is_empty());

    // The follow-up list: each township sees its own households.
    let all = v::run_follow_ups(&db, &officer(), now(), summary.run_id).await.unwrap();
    let listed: Vec<_> = all.follow_ups.iter().map(|f| f.external_id.as_str()).collect();
    assert_eq!(listed, vec!["SF-0001", "SF-0002"]);
    assert_eq!(all.follow_ups[1].rules, vec!["deceased"]);
    let hekou = Actor::user(9006, "hekou", &[Role::TownshipLeader], Scope::Region(code("340102002")));
    assert!(v::run_follow_ups(&db, &hekou, now(), summary.run_id).await.unwrap().follow_ups.is_empty());
    assert_eq!(v::list_runs(&db, &hekou, now()).await.unwrap().len(), 1, "a county run concerns the township");

    // One household alone gives what the batch gave.
    let id = household_id(&db, "SF-0001").await;
    run_verification(&db, &officer(), now(), Selection::Household(id), &mut |_, _| {}).await.unwrap();
    let alone = latest_report(&db, "SF-0001").await;
    assert_ne!(alone.result_id, r.result_id);
    assert_eq!((alone.sums.clone(), rules(&alone)), (r.sums.clone(), rules(&r)));

    // Producing a report is an audited read.
    let log = jiuzhu_app::audit_log::search(
        &db,
        &Actor::user(1, "audit", &[Role::Auditor], Scope::All),
        now(),
        &jiuzhu_app::audit_log::AuditQuery { page: 1, ..Default::default() },
    )
    .await
    .unwrap();
    assert!(log.iter().any(|e| e.action == "verification_report_viewed" && e.login == "hedui"));
    assert!(log.iter().any(|e| e.action == "delivery_imported"));
    assert!(log.iter().any(|e| e.action == "verification_run"));
}

async fn an_old_report_reads_the_same_after_newer_data(db: Db) {
    county(&db).await;
    deliver_all(&db).await;
    run_all(&db, now()).await;
    let old = latest_report(&db, "SF-0001").await;
    assert!(rules(&old).contains(&Rule::OwnsCar));

    // The car was sold: the traffic police deliver again.
    let later = now() + Duration::days(40);
    deliver(
        &db,
        DatasetKind::Vehicle,
        day(2025, 11, 30),
        "身份证号,号牌号码,车辆类型\n340102195803120137,皖A6789,摩托车\n".as_bytes(),
    )
    .await;
    run_all(&db, later).await;
    let new = latest_report(&db, "SF-0001").await;
    assert!(!rules(&new).contains(&Rule::OwnsCar));
    assert_eq!(new.datasets.iter().find(|d| d.kind == DatasetKind::Vehicle).unwrap().records.len(), 1);

    let again = v::report(&db, &officer(), later, old.result_id).await.unwrap();
    assert_eq!(again, old, "the old result is re-created exactly from the deliveries it used");
    let history = v::household_results(&db, &officer(), later, old.household_id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[1].rules.contains(&"owns_car".to_string()));
    assert_eq!(v::list_deliveries(&db, &officer(), later, Some(DatasetKind::Vehicle)).await.unwrap().len(), 2);
}

async fn one_threshold_changes_one_finding(db: Db) {
    county(&db).await;
    deliver_all(&db).await;
    run_all(&db, now()).await;
    let before = latest_report(&db, "SF-0001").await;

    let approver = Actor::user(9003, "shenpi", &[Role::CountyApprover], Scope::Region(code("340102")));
    // A new version of the county replaces its earlier one: it states the
    // standard again and changes the homes threshold.
    let homes = PolicyPatch { max_homes: Some(2), ..standard() };
    jiuzhu_app::policy::set_assistance_policy(&db, &approver, now(), &code("340102"), day(2025, 1, 1), &homes)
        .await
        .unwrap();
    run_all(&db, now()).await;
    let after = latest_report(&db, "SF-0001").await;
    let mut expected = rules(&before);
    expected.retain(|r| *r != Rule::TooManyHomes);
    assert_eq!(rules(&after), expected, "only the homes rule moved");
    assert_eq!(after.sums, before.sums, "the sums are facts, not policy");
    assert_eq!(after.policy.region_code, Some(code("340102")));

    // A township's own version from a later date overrides the county's
    // standard and keeps the county's other thresholds.
    let higher =
        PolicyPatch { dibao_urban: Some(Fen(200_000)), dibao_rural: Some(Fen(200_000)), ..PolicyPatch::default() };
    jiuzhu_app::policy::set_assistance_policy(&db, &approver, now(), &code("340102001"), day(2025, 10, 1), &higher)
        .await
        .unwrap();
    run_all(&db, now()).await;
    let local = latest_report(&db, "SF-0001").await;
    assert!(!rules(&local).contains(&Rule::IncomeAtOrAboveStandard));
    assert!(!rules(&local).contains(&Rule::TooManyHomes), "the county's homes threshold still applies");
    assert_eq!(local.policy.region_code, Some(code("340102001")));
    assert_eq!((local.policy.policy.dibao_standard, local.policy.policy.max_homes), (Fen(200_000), 2));
    let from: Vec<RegionCode> = local.policy.versions.iter().map(|v| v.region_code.clone()).collect();
    assert_eq!(from, [code("340102"), code("340102001")], "the result names the versions it used");

    // Policy is the approver's, and only inside their county.
    let (db, homes) = (&db, &homes);
    let set = |actor: Actor| async move {
        jiuzhu_app::policy::set_assistance_policy(db, &actor, now(), &code("340102"), day(2025, 1, 1), homes).await
    };
    assert!(matches!(set(officer()).await.unwrap_err(), AppError::Forbidden));
    let elsewhere = Actor::user(9004, "other", &[Role::CountyApprover], Scope::Region(code("340102002")));
    assert!(matches!(set(elsewhere).await.unwrap_err(), AppError::NotFound));
}

async fn objections_are_lodged_and_rechecked(db: Db) {
    county(&db).await;
    deliver_all(&db).await;
    run_all(&db, now()).await;
    let report = latest_report(&db, "SF-0001").await;
    let form = ObjectionForm {
        rule: "owns_car".into(),
        reason: "车辆已于2025年9月转让".into(),
        evidence: "机动车转移登记证明".into(),
    };

    // Only in scope, only with the permission, only on a finding it has.
    let other = clerk("340102002");
    let err = v::lodge_objection(&db, &other, now(), report.result_id, form.clone()).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound));
    let village = Actor::user(9005, "xieli", &[Role::VillageAssistant], Scope::Region(code("340102001")));
    let err = v::lodge_objection(&db, &village, now(), report.result_id, form.clone()).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden));
    let wrong = ObjectionForm { rule: "deceased".into(), ..form.clone() };
    let err = v::lodge_objection(&db, &clerk("340102001"), now(), report.result_id, wrong).await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));

    let id = v::lodge_objection(&db, &clerk("340102001"), now(), report.result_id, form).await.unwrap();
    let open = v::report(&db, &officer(), now(), report.result_id).await.unwrap();
    assert_eq!(open.objections.len(), 1);
    assert_eq!(open.objections[0].outcome, None);
    assert!(!open.withdrawn(Rule::OwnsCar));

    let err = v::decide_objection(&db, &clerk("340102001"), now(), report.result_id, id, Outcome::Upheld, "x")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden), "the clerk who lodged it does not decide it");
    v::decide_objection(&db, &officer(), now(), report.result_id, id, Outcome::Upheld, "核实转让登记属实")
        .await
        .unwrap();
    let decided = v::report(&db, &officer(), now(), report.result_id).await.unwrap();
    assert_eq!(decided.objections[0].outcome.as_deref(), Some("upheld"));
    assert_eq!(decided.objections[0].outcome_note, "核实转让登记属实");
    assert!(decided.withdrawn(Rule::OwnsCar));
    assert_eq!(rules(&decided), rules(&report), "the finding stays on record beside its outcome");
    let err = v::decide_objection(&db, &officer(), now(), report.result_id, id, Outcome::Rejected, "again")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)));
}

async fn bad_rows_are_kept_apart_and_bad_files_refused(db: Db) {
    county(&db).await;
    let file = "身份证号,号牌号码,车辆类型,初次登记日期\n\
                3.40102195803120E+17,皖A1,小型轿车,2019-05-01\n\
                340102195803120137,皖A2,小型轿车,2019-13-01\n\
                340102195803120137,皖A3,小型轿车,2019-05-01\n";
    let meta = DeliveryMeta {
        kind: DatasetKind::Vehicle,
        department: "公安交管".into(),
        as_of: day(2025, 10, 1),
        file_name: "机动车.csv".into(),
    };
    let imported = v::import_delivery(&db, &officer(), now(), meta.clone(), file.as_bytes()).await.unwrap();
    assert_eq!((imported.delivery.rows_read, imported.delivery.rows_rejected), (3, 2));
    let (_, rejections) = v::delivery_detail(&db, &officer(), now(), imported.delivery.id).await.unwrap();
    let places: Vec<_> = rejections.iter().map(|r| (r.line, r.column_letter.as_str())).collect();
    assert_eq!(places, vec![(Some(2), "A"), (Some(3), "D")]);
    assert!(rejections[0].message(jiuzhu_domain::Lang::Zh).contains("科学计数"), "{rejections:?}");
    run_all(&db, now()).await;
    assert_eq!(latest_report(&db, "SF-0001").await.sums.vehicles, 1);

    // A file without a required column is refused whole.
    let err = v::import_delivery(&db, &officer(), now(), meta.clone(), "身份证号,号牌号码\n1,2\n".as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::Rejected(ref p) if p.len() == 1));
    assert_eq!(v::list_deliveries(&db, &officer(), now(), None).await.unwrap().len(), 1);
    // Importing is the verification centre's.
    let err = v::import_delivery(&db, &clerk("340102001"), now(), meta, file.as_bytes()).await.unwrap_err();
    assert!(matches!(err, DeliveryError::App(AppError::Forbidden)));
}

async fn database_and_file_engines_agree(db: Db) {
    county(&db).await;
    deliver_all(&db).await;
    run_all(&db, now()).await;
    let dir = std::env::temp_dir().join(format!("jz-engines-{}-{:?}", std::process::id(), db.backend()));
    std::fs::create_dir_all(&dir).unwrap();
    for (kind, bytes) in deliveries() {
        std::fs::write(dir.join(format!("{}.csv", kind.code())), bytes).unwrap();
    }
    let members = dir.join("members.csv");
    std::fs::copy(format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR")), &members).unwrap();
    let (members, errors) = jiuzhu_verify::read_members(&members).unwrap();
    assert!(errors.is_empty());
    let files = jiuzhu_verify::verify_dir(&members, &dir, &mut |_, _, _| {}).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    for sums in files.households {
        let stored = latest_report(&db, &sums.household_id).await.sums;
        assert_eq!(stored, sums, "household {}", sums.household_id);
    }
}

/// Issue 10, point 10: a township clerk saw another township's run (who ran
/// it, how many households, how many with findings) and the county's
/// totals. A run wider than the clerk's township now shows the township's
/// own counts; another township's run is not found, and the attempt is
/// recorded.
async fn a_township_sees_its_own_runs_and_its_own_counts(db: Db) {
    county(&db).await;
    deliver_all(&db).await;
    // The county runs everything (城关镇: SF-0001 and SF-0002, both flagged;
    // 河口镇: SF-0003, clean); 城关镇 runs its own households and one alone.
    let county_run = run_all(&db, now()).await;
    let chengguan = clerk("340102001");
    let own = run_verification(&db, &chengguan, now(), Selection::Region(None), &mut |_, _| {}).await.unwrap();
    let alone_id = household_id(&db, "SF-0001").await;
    let alone = run_verification(&db, &chengguan, now(), Selection::Household(alone_id), &mut |_, _| {}).await.unwrap();
    let hekou = Actor::user(9007, "hekou", &[Role::TownshipClerk], Scope::Region(code("340102002")));

    let seen =
        |runs: Vec<v::RunInfo>| runs.into_iter().map(|r| (r.id, r.households, r.with_findings)).collect::<Vec<_>>();
    assert_eq!(
        seen(v::list_runs(&db, &officer(), now()).await.unwrap()),
        vec![(alone.run_id, 1, 1), (own.run_id, 2, 2), (county_run.run_id, 3, 2)]
    );
    assert_eq!(
        seen(v::list_runs(&db, &chengguan, now()).await.unwrap()),
        vec![(alone.run_id, 1, 1), (own.run_id, 2, 2), (county_run.run_id, 2, 2)]
    );
    assert_eq!(seen(v::list_runs(&db, &hekou, now()).await.unwrap()), vec![(county_run.run_id, 1, 0)]);

    // The county run's page shows 河口镇 its own numbers; 城关镇's runs are not found.
    let page = v::run_follow_ups(&db, &hekou, now(), county_run.run_id).await.unwrap();
    assert_eq!((page.run.households, page.run.with_findings, page.follow_ups.len()), (1, 0, 0));
    for run in [own.run_id, alone.run_id] {
        let refused = v::run_follow_ups(&db, &hekou, now(), run).await;
        assert!(matches!(refused, Err(AppError::NotFound)), "{refused:?}");
    }
    let page = v::run_follow_ups(&db, &chengguan, now(), own.run_id).await.unwrap();
    assert_eq!((page.run.households, page.run.with_findings, page.follow_ups.len()), (2, 2, 2));
    let mut tx = db.begin().await.unwrap();
    let filter = jiuzhu_store::AuditFilter {
        action: Some("verification_follow_ups_viewed".into()),
        login: Some("hekou".into()),
        outcome: Some(jiuzhu_domain::audit::Outcome::Denied),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(jiuzhu_store::search_audit(&mut tx, &filter).await.unwrap().len(), 2);
}
