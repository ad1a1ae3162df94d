//! Use cases against real databases: every case runs on SQLite and on
//! PostgreSQL.

use chrono::{DateTime, TimeZone, Utc};
use jiuzhu_app::import::{ImportError, import_roster};
use jiuzhu_app::input::{HouseholdForm, MemberForm};
use jiuzhu_app::registry::{self, HouseholdQuery};
use jiuzhu_app::{Actor, AppError, Db, Scope};
use jiuzhu_domain::{RegionCode, Relation};

jiuzhu_testkit::on_both_databases!(
    bad_roster_changes_nothing,
    three_formats_import_identically,
    importing_twice_creates_nothing,
    person_in_another_household_is_refused,
    edits_are_kept_as_history,
    members_move_and_heads_stay_single,
    scope_hides_other_townships,
    search_by_name_initials_and_id,
    demo_county_loads,
    member_edits_are_locked_like_households,
    history_and_audit_mask_personal_numbers,
    every_free_text_input_is_bounded,
);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 9, 0, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../files/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn with_regions(db: &Db) {
    registry::upsert_regions(db, &Actor::system(), now(), &jiuzhu_testkit::sample_regions()).await.unwrap();
}

async fn everything(
    db: &Db,
) -> Vec<(jiuzhu_domain::household::HouseholdFields, Vec<jiuzhu_domain::household::MemberFields>)> {
    registry::export_households(db, &Actor::system(), now(), None).await.unwrap()
}

async fn bad_roster_changes_nothing(db: Db) {
    with_regions(&db).await;
    import_roster(&db, &Actor::system(), now(), &fixture("roster_utf8.csv")).await.unwrap();
    let before = everything(&db).await;
    let err = import_roster(&db, &Actor::system(), now(), &fixture("roster_bad.csv")).await.unwrap_err();
    let ImportError::Rejected(problems) = err else { panic!("expected a rejection") };
    assert_eq!(problems.len(), 5);
    assert_eq!(everything(&db).await, before);
}

async fn three_formats_import_identically(db: Db) {
    let mut results = Vec::new();
    for (name, file) in [("utf8", "roster_utf8.csv"), ("gbk", "roster_gbk.csv"), ("xlsx", "roster.xlsx")] {
        let db = if name == "utf8" { db.clone() } else { fresh_like(&db).await };
        with_regions(&db).await;
        let summary = import_roster(&db, &Actor::system(), now(), &fixture(file)).await.unwrap();
        assert_eq!((summary.created, summary.persons), (3, 6), "{name}");
        results.push(everything(&db).await);
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

async fn fresh_like(db: &Db) -> Db {
    match db.backend() {
        jiuzhu_store::Backend::Sqlite => jiuzhu_testkit::sqlite().await,
        jiuzhu_store::Backend::Postgres => jiuzhu_testkit::postgres().await,
    }
}

async fn importing_twice_creates_nothing(db: Db) {
    with_regions(&db).await;
    let first = import_roster(&db, &Actor::system(), now(), &fixture("roster_gbk.csv")).await.unwrap();
    let before = everything(&db).await;
    let second = import_roster(&db, &Actor::system(), now(), &fixture("roster.xlsx")).await.unwrap();
    assert_eq!((first.created, second.created, second.updated, second.unchanged), (3, 0, 0, 3));
    assert_eq!(everything(&db).await, before);

    // A corrected file updates what changed, and says so in the history.
    let changed = String::from_utf8(fixture("roster_utf8.csv")).unwrap().replace("城关镇东村12号", "城关镇东村14号");
    let third = import_roster(&db, &Actor::system(), now(), changed.as_bytes()).await.unwrap();
    assert_eq!((third.created, third.updated, third.unchanged), (0, 1, 2));
    let page = registry::search_households(
        &db,
        &Actor::system(),
        now(),
        &HouseholdQuery { text: "SF-0001".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let detail = registry::household_detail(&db, &Actor::system(), page.rows[0].id, now(), true).await.unwrap();
    assert_eq!(detail.household.form.address, "城关镇东村14号");
    assert_eq!(detail.history.len(), 2);
}

async fn person_in_another_household_is_refused(db: Db) {
    with_regions(&db).await;
    import_roster(&db, &Actor::system(), now(), &fixture("roster_utf8.csv")).await.unwrap();
    let moved = "户编号,区划代码,身份证号,姓名,与户主关系\nNEW-1,340102002001,340102195803120137,张建国,户主\n";
    let err = import_roster(&db, &Actor::system(), now(), moved.as_bytes()).await.unwrap_err();
    let ImportError::Rejected(problems) = err else { panic!("expected a rejection") };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, Some(2));
    assert_eq!(problems[0].message.key, "import.error.person_elsewhere");
    assert!(problems[0].message.args.contains(&("external_id", "SF-0001".to_string())));

    let unknown = "户编号,区划代码,身份证号,姓名,与户主关系\nNEW-2,340102009001,11010519491231002X,李四,户主\n";
    let ImportError::Rejected(problems) =
        import_roster(&db, &Actor::system(), now(), unknown.as_bytes()).await.unwrap_err()
    else {
        panic!("expected a rejection")
    };
    assert_eq!(problems[0].message.key, "import.error.unknown_region");
    assert_eq!(problems[0].column.as_ref().unwrap().letter(), "B");
}

fn household_form(external_id: &str, region: &str) -> HouseholdForm {
    HouseholdForm {
        external_id: external_id.into(),
        region_code: region.into(),
        address: "东村1号".into(),
        program: "低保".into(),
        monthly_benefit_yuan: "680".into(),
        ..Default::default()
    }
}

fn member_form(id_number: &str, name: &str, relation: &str) -> MemberForm {
    MemberForm {
        id_number: id_number.into(),
        name: name.into(),
        relation: relation.into(),
        co_residing: true,
        ..Default::default()
    }
}

async fn edits_are_kept_as_history(db: Db) {
    with_regions(&db).await;
    let clerk = Actor {
        name: "王经办".into(),
        ..Actor::user(1, "wang", &[jiuzhu_domain::Role::TownshipClerk], Scope::Region(code("340102001")))
    };
    let id = registry::create_household(
        &db,
        &clerk,
        now(),
        &household_form("H-1", "340102001001"),
        &member_form("11010519491231002X", "张三", "户主"),
    )
    .await
    .unwrap();
    let detail = registry::household_detail(&db, &clerk, id, now(), true).await.unwrap();
    let mut form = detail.household.form.clone();
    form.monthly_benefit_yuan = "1,360.00".into();
    registry::update_household(&db, &clerk, now(), id, detail.household.version, &form).await.unwrap();
    // The same stale version again is refused.
    let stale = registry::update_household(&db, &clerk, now(), id, detail.household.version, &form).await.unwrap_err();
    assert!(matches!(stale, AppError::Conflict(_)));

    registry::add_member(&db, &clerk, now(), id, &member_form("110105500101001", "李芳", "配偶")).await.unwrap();
    let detail = registry::household_detail(&db, &clerk, id, now(), true).await.unwrap();
    let actions: Vec<_> = detail.history.iter().map(|h| (h.action.as_str(), h.actor.as_str())).collect();
    assert_eq!(actions, [("member_added", "王经办"), ("household_updated", "王经办"), ("household_created", "王经办")]);
    assert_eq!(detail.history[1].detail["monthly_benefit_yuan"], serde_json::json!(["680.00", "1360.00"]));
    assert_eq!(detail.members.len(), 2);
    assert!(detail.members[1].form.id_number.starts_with("11010519500101001"), "15 digits upgraded to 18");
    assert_eq!(detail.members[0].age, 75);

    // Bad input names its fields and writes nothing.
    let err = registry::add_member(&db, &clerk, now(), id, &member_form("3.4E+17", "", "邻居")).await.unwrap_err();
    let AppError::Invalid(errors) = err else { panic!("expected Invalid") };
    assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), ["id_number", "name", "relation"]);
    assert_eq!(registry::household_detail(&db, &clerk, id, now(), true).await.unwrap().history.len(), 3);
}

async fn members_move_and_heads_stay_single(db: Db) {
    with_regions(&db).await;
    let actor = Actor::system();
    let a = registry::create_household(
        &db,
        &actor,
        now(),
        &household_form("A", "340102001001"),
        &member_form("11010519491231002X", "张三", "户主"),
    )
    .await
    .unwrap();
    let b = registry::create_household(
        &db,
        &actor,
        now(),
        &household_form("B", "340102002001"),
        &member_form("110105500101001", "李四", "户主"),
    )
    .await
    .unwrap();
    let child =
        registry::add_member(&db, &actor, now(), a, &member_form("110105800101003", "张小", "子女")).await.unwrap();

    // A second head is refused; the head cannot leave.
    let err =
        registry::add_member(&db, &actor, now(), a, &member_form("110105800101011", "张二", "户主")).await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));
    let head_id = registry::household_detail(&db, &actor, a, now(), true).await.unwrap().members[0].id;
    let err = registry::move_member(&db, &actor, now(), head_id, "B", Relation::Other).await.unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));
    // The same person cannot be added to a second household.
    let err =
        registry::add_member(&db, &actor, now(), b, &member_form("110105800101003", "张小", "子女")).await.unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)));

    assert_eq!(registry::move_member(&db, &actor, now(), child, "B", Relation::Grandchild).await.unwrap(), b);
    let a_detail = registry::household_detail(&db, &actor, a, now(), true).await.unwrap();
    let b_detail = registry::household_detail(&db, &actor, b, now(), true).await.unwrap();
    assert_eq!(a_detail.members.len(), 1);
    assert_eq!(b_detail.members.len(), 2);
    assert_eq!(b_detail.members[1].form.relation, "grandchild");
    assert_eq!(a_detail.history[0].action, "member_moved_out");
    assert_eq!(b_detail.history[0].action, "member_moved_in");
}

async fn scope_hides_other_townships(db: Db) {
    with_regions(&db).await;
    import_roster(&db, &Actor::system(), now(), &fixture("roster_utf8.csv")).await.unwrap();
    let hekou = Actor::user(2, "hekou", &[jiuzhu_domain::Role::TownshipClerk], Scope::Region(code("340102002")));
    let page = registry::search_households(&db, &hekou, now(), &HouseholdQuery::default()).await.unwrap();
    assert_eq!(page.rows.iter().map(|r| r.external_id.as_str()).collect::<Vec<_>>(), ["SF-0003"]);
    // Asking for the whole county still gives only the township.
    let page = registry::search_households(
        &db,
        &hekou,
        now(),
        &HouseholdQuery { region: Some(code("340102")), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(page.total, 1);
    let all = registry::search_households(&db, &Actor::system(), now(), &HouseholdQuery::default()).await.unwrap();
    let outside = all.rows.iter().find(|r| r.external_id == "SF-0001").unwrap().id;
    assert!(matches!(registry::household_detail(&db, &hekou, outside, now(), true).await, Err(AppError::NotFound)));
    let overview = registry::region_overview(&db, &hekou, now()).await.unwrap();
    assert!(overview.iter().all(|r| r.code.starts_with("340102002") || r.code == "340102000000"));
    assert_eq!(overview.iter().find(|r| r.code == "340102000000").unwrap().households, 1);
    let tree = registry::region_tree_nodes(&db, &hekou, now()).await.unwrap();
    let codes = |nodes: &[registry::RegionNode]| nodes.iter().map(|n| n.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&tree), codes(&overview), "the sidebar tree shows the same regions");
    // A household cannot be created outside the scope.
    let err = registry::create_household(
        &db,
        &hekou,
        now(),
        &household_form("X", "340102001001"),
        &member_form("110105500101001", "李四", "户主"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::NotFound), "outside the scope is as if it did not exist");
}

async fn search_by_name_initials_and_id(db: Db) {
    with_regions(&db).await;
    import_roster(&db, &Actor::system(), now(), &fixture("roster_utf8.csv")).await.unwrap();
    let find = |text: &str| {
        let db = db.clone();
        let text = text.to_string();
        async move {
            registry::search_households(&db, &Actor::system(), now(), &HouseholdQuery { text, ..Default::default() })
                .await
                .unwrap()
                .rows
                .into_iter()
                .map(|r| r.external_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("赵").await, ["SF-0003"]);
    assert_eq!(find("wgl").await, ["SF-0002"]);
    assert_eq!(find("340102196005210247").await, ["SF-0001"]);
    assert_eq!(find("340102980301062").await, ["SF-0003"], "a 15-digit number finds its 18-digit holder");
    let mut tx = db.begin().await.unwrap();
    let searches = jiuzhu_store::search_audit(
        &mut tx,
        &jiuzhu_store::AuditFilter { action: Some("person_searched".into()), limit: 10, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(searches.len(), 2, "searches by ID number are recorded, others are not");
    drop(tx);
    assert!(find("钱").await.is_empty());
    let page = registry::search_households(&db, &Actor::system(), now(), &HouseholdQuery::default()).await.unwrap();
    assert_eq!(page.rows[0].head_id_number_masked.as_deref(), Some("3401**********0137"));
    assert_eq!(page.rows[0].region_name, "城关镇东村");
}

async fn demo_county_loads(db: Db) {
    let mut reports = Vec::new();
    let n = jiuzhu_app::demo::load_demo(&db, &Actor::system(), now(), 42, 300, &mut |done, total| {
        reports.push((done, total))
    })
    .await
    .unwrap();
    assert_eq!((n, reports.last().copied()), (300, Some((300, 300))));
    let overview = registry::region_overview(&db, &Actor::system(), now()).await.unwrap();
    assert_eq!(overview.iter().find(|r| r.level == "county").unwrap().households, 300);
    assert_eq!(overview.iter().filter(|r| r.level == "village").count(), 167);
    // A second load is refused: the demo never mixes with data.
    let again = jiuzhu_app::demo::load_demo(&db, &Actor::system(), now(), 42, 10, &mut |_, _| {}).await;
    assert!(matches!(again, Err(AppError::Conflict(_))));
}

/// Issue 10, point 9: two people edit the same member; the second, who
/// started from the old version, is refused and nothing of theirs is saved.
async fn member_edits_are_locked_like_households(db: Db) {
    with_regions(&db).await;
    let clerk = Actor::user(1, "wang", &[jiuzhu_domain::Role::TownshipClerk], Scope::Region(code("340102001")));
    let head = member_form("11010519491231002X", "张三", "户主");
    let id =
        registry::create_household(&db, &clerk, now(), &household_form("V-1", "340102001001"), &head).await.unwrap();
    let spouse =
        registry::add_member(&db, &clerk, now(), id, &member_form("110105500101001", "李芳", "配偶")).await.unwrap();
    let seen = registry::member(&db, &clerk, spouse, now()).await.unwrap();
    assert_eq!(seen.version, 1);

    let mut first = seen.form.clone();
    first.co_residing = false;
    registry::update_member(&db, &clerk, now(), spouse, seen.version, &first).await.unwrap();
    let mut second = seen.form.clone();
    second.name = "李芳芳".into();
    let stale = registry::update_member(&db, &clerk, now(), spouse, seen.version, &second).await.unwrap_err();
    assert!(matches!(stale, AppError::Conflict(_)), "{stale:?}");

    let now_stored = registry::member(&db, &clerk, spouse, now()).await.unwrap();
    assert_eq!((now_stored.version, now_stored.form.name.as_str(), now_stored.form.co_residing), (2, "李芳", false));
    // From the current version the edit goes through.
    registry::update_member(&db, &clerk, now(), spouse, now_stored.version, &second).await.unwrap();
    assert_eq!(registry::member(&db, &clerk, spouse, now()).await.unwrap().version, 3);
    let history = registry::household_detail(&db, &clerk, id, now(), false).await.unwrap().history;
    assert_eq!(history.iter().filter(|h| h.action == "member_updated").count(), 2, "the refused edit left no trace");
}

/// Issue 10, point 12: history entries carry the ID numbers and phones as
/// entered; shown, they are masked like the members', unless revealed.
/// The audit search masks them too (for every auditor).
async fn history_and_audit_mask_personal_numbers(db: Db) {
    with_regions(&db).await;
    use jiuzhu_domain::Role;
    let admin = Actor::user(1, "admin", &[Role::Administrator, Role::CountyClerk, Role::Auditor], Scope::All);
    let household = HouseholdForm { phone: "13955110001".into(), ..household_form("P-1", "340102001001") };
    let id =
        registry::create_household(&db, &admin, now(), &household, &member_form("11010519491231002X", "张三", "户主"))
            .await
            .unwrap();
    registry::add_member(&db, &admin, now(), id, &member_form("110105195001010012", "李芳", "配偶")).await.unwrap();
    let person = registry::find_person(&db, &admin, &"110105195001010012".parse().unwrap(), now()).await.unwrap();
    let mut edit = member_form("110105195001010012", "李芳", "配偶");
    edit.co_residing = false;
    registry::update_member(&db, &admin, now(), person.id, person.version, &edit).await.unwrap();

    let masked = registry::household_detail(&db, &admin, id, now(), false).await.unwrap();
    let text = serde_json::to_string(&masked).unwrap();
    for full in ["110105195001010012", "11010519491231002X", "13955110001"] {
        assert!(!text.contains(full), "{full} shown unmasked: {text}");
    }
    assert!(text.contains("1101**********0012") && text.contains("139****0001"), "{text}");
    assert_eq!(jiuzhu_testkit::looks_private(&text.replace("340102001001", "")), None, "{text}");
    let revealed =
        serde_json::to_string(&registry::household_detail(&db, &admin, id, now(), true).await.unwrap()).unwrap();
    assert!(
        revealed.contains("110105195001010012") && revealed.contains("13955110001"),
        "the audited reveal shows them"
    );

    let query = jiuzhu_app::audit_log::AuditQuery { page: 1, ..Default::default() };
    let rows = jiuzhu_app::audit_log::search(&db, &admin, now(), &query).await.unwrap();
    assert!(rows.iter().any(|r| r.action == "member_updated" && r.before.contains("1101**********0012")));
    let text = serde_json::to_string(&rows).unwrap();
    assert_eq!(jiuzhu_testkit::looks_private(&text.replace("340102001001", "")), None, "{text}");
}

/// Issue 10, point 8: every use case taking free text refuses a value over
/// its limit with the field named, before anything is read or written.
async fn every_free_text_input_is_bounded(db: Db) {
    use jiuzhu_app::{auth, case, notice_board, relatives, verification};
    with_regions(&db).await;
    let system = Actor::system();
    let huge = "长".repeat(100_000);
    let field_of = |res: Result<(), AppError>| match res {
        Err(AppError::Invalid(errors)) => {
            assert_eq!(errors[0].message.key, "text.error.too_long");
            errors[0].field
        }
        other => panic!("expected a length error, got {other:?}"),
    };

    let application = case::ApplicationForm { household_id: 1, note: huge.clone(), ..Default::default() };
    assert_eq!(field_of(case::submit_application(&db, &system, now(), &application).await.map(|_| ())), "note");
    let step = case::ActionForm { version: 0, step: case::StepForm::Reject { reason: huge.clone() } };
    assert_eq!(field_of(case::act_form(&db, &system, now(), 1, &step, vec![]).await.map(|_| ())), "reason");
    assert_eq!(field_of(case::update_referral(&db, &system, now(), 1, 1, "done", &huge).await), "note");
    let relative = relatives::RelativeForm { relative_name: huge.clone(), ..Default::default() };
    assert_eq!(
        field_of(relatives::add_staff_relative(&db, &system, now(), &relative).await.map(|_| ())),
        "relative_name"
    );
    let village = code("340102001001");
    assert_eq!(
        field_of(notice_board::public_objection(&db, now(), "198.51.100.7", &village, 1, "有异议", &huge).await),
        "contact"
    );
    let objection =
        verification::ObjectionForm { rule: "owns_car".into(), reason: huge.clone(), evidence: String::new() };
    assert_eq!(field_of(verification::lodge_objection(&db, &system, now(), 1, objection).await.map(|_| ())), "reason");
    let decided = verification::decide_objection(&db, &system, now(), 1, 1, verification::Outcome::Upheld, &huge).await;
    assert_eq!(field_of(decided), "note");
    let user = auth::UserForm {
        login: "li".into(),
        display_name: huge.clone(),
        roles: vec!["auditor".into()],
        ..Default::default()
    };
    assert_eq!(
        field_of(auth::create_user(&db, &system, now(), &user, "Qinghe-2025x", false).await.map(|_| ())),
        "display_name"
    );
}
