//! Issue 11, point 1: one policy. For the demo county the policy page, the
//! verification page (and a verification result), the application
//! checklist and an approved 低保 case's amount show the same standard; a
//! later township version, added on the policy page as people write it,
//! overrides it in all of them for that township from its date, and the
//! county's stays for the other townships. On SQLite and PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::http::{StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use jiuzhu_app::{Actor, auth, demo};
use jiuzhu_domain::Role;
use jiuzhu_store::Db;

use super::{PASSWORD, TestApp, visible};

/// The demo county's policy (seed 001): rural 620元, urban 800元.
const RURAL: &str = "620.00元";
const URBAN: &str = "800.00元";
/// The township's later version.
const TOWNSHIP_RURAL: &str = "700.00元";

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 1, 30, 0).unwrap()
}

/// The app with a clock the test moves.
struct Timed {
    app: TestApp,
    clock: Arc<AtomicI64>,
    /// Sign-ins so far, for fresh session tokens.
    sessions: u32,
}

impl Timed {
    async fn new(db: Db) -> Timed {
        let clock = Arc::new(AtomicI64::new(at(2025, 10, 31).timestamp()));
        let read = clock.clone();
        let state = jiuzhu_web::AppState::new(
            db.clone(),
            Arc::new(move || Utc.timestamp_opt(read.load(Ordering::SeqCst), 0).unwrap()),
        );
        Timed { app: TestApp { db, router: jiuzhu_web::router(state), session: None }, clock, sessions: 0 }
    }

    fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.clock.load(Ordering::SeqCst), 0).unwrap()
    }

    fn set(&self, to: DateTime<Utc>) {
        self.clock.store(to.timestamp(), Ordering::SeqCst);
    }

    async fn user(&self, login: &str, roles: &[Role], region: &str) {
        let form = auth::UserForm {
            login: login.into(),
            display_name: format!("{login}姓名"),
            region_code: region.into(),
            roles: roles.iter().map(|r| r.code().to_string()).collect(),
            ..Default::default()
        };
        auth::create_user(&self.app.db, &Actor::system(), self.now(), &form, PASSWORD, false).await.unwrap();
    }

    /// Signs in as `login` at the clock's time.
    async fn as_user(&mut self, login: &str) {
        self.sessions += 1;
        let n = self.sessions;
        let (token, csrf) = (format!("session-{login}-{n}"), format!("csrf-{login}-{n}"));
        auth::login(&self.app.db, self.now(), login, PASSWORD, "127.0.0.1", &token, &csrf).await.unwrap().unwrap();
        self.app.session = Some((token, csrf));
    }

    async fn page(&self, uri: &str) -> String {
        let reply = self.app.get(uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
        reply.text()
    }

    /// The text of the element with this id, up to its row or card's end.
    async fn part(&self, uri: &str, id: &str, end: &str) -> String {
        let page = self.page(uri).await;
        let from = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("{uri}: no #{id} in {page}"));
        let rest = &page[from..];
        rest[..rest.find(end).unwrap_or(rest.len())].to_string()
    }

    /// The households of a region.
    async fn households_in(&self, region: &str) -> Vec<i64> {
        let list = self.app.get(&format!("/api/households?region={region}")).await.json();
        list["rows"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect()
    }

    /// A 低保 application at the township window, declaring no income, taken
    /// to approval by the township's leader (the demo county delegates
    /// confirmation); the monthly amount decided, in fen, and the household size.
    async fn approve_dibao(&mut self, household: i64, clerk: &str, leader: &str) -> (i64, i64) {
        self.as_user(clerk).await;
        let mut body = format!("household_id={household}&kinds=dibao&area=rural");
        for m in jiuzhu_domain::assistance::Material::ALL {
            body.push_str(&format!("&provided={}", m.code()));
        }
        let reply = self.app.post_form("/applications", &body).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let case: i64 =
            reply.headers[header::LOCATION].to_str().unwrap().trim_start_matches("/cases/").parse().unwrap();
        for action in ["start_investigation", "request_verification", "attach_verification"] {
            self.app.step(case, action, &[], None).await;
        }
        let survey = [("investigators", "李明、王芳"), ("family_signatures", "户主"), ("findings", "自建平房")];
        self.app.step(case, "record_survey", &survey, None).await;
        self.app.step(case, "give_opinion", &[("approve", "true")], None).await;
        self.as_user(leader).await;
        self.app.step(case, "approve", &[], None).await;
        let view = self.app.get(&format!("/api/cases/{case}")).await.json();
        let decision = &view["decision"];
        let amount = decision["amount"].as_i64().or(decision["amount_fen"].as_i64());
        let amount = amount.unwrap_or_else(|| panic!("no amount: {view}"));
        (amount, view["household_size"].as_i64().unwrap())
    }

    /// The 低保 standard the latest verification result of a household was
    /// judged by, in fen.
    async fn verified_standard(&self, household: i64) -> i64 {
        let results = self.app.get(&format!("/api/households/{household}/verification")).await.json();
        let id = results[0]["id"].as_i64().unwrap_or_else(|| panic!("no result: {results}"));
        let report = self.app.get(&format!("/api/verification/results/{id}")).await.json();
        report["policy"]["policy"]["dibao_standard"].as_i64().unwrap()
    }
}

jiuzhu_testkit::on_both_databases!(one_standard_on_every_page_and_a_township_overrides_it_from_its_date);

async fn one_standard_on_every_page_and_a_township_overrides_it_from_its_date(db: Db) {
    let mut t = Timed::new(db).await;
    let system = Actor::system();
    demo::load_demo(&t.app.db, &system, t.now(), 7, 60, &mut |_, _| {}).await.unwrap();
    demo::load_demo_cases(&t.app.db, &system, t.now()).await.unwrap();
    let county = demo::COUNTY_CODE.to_string();
    // Two townships away from the demo's own cases (in the first one): one
    // with two households, another with one.
    t.user("xian", &[Role::CountyApprover, Role::VerificationOfficer, Role::CountyClerk], &county).await;
    t.as_user("xian").await;
    let mut townships = Vec::new();
    for n in 2..=21 {
        let code = format!("{county}{n:03}");
        let households = t.households_in(&code).await;
        if !households.is_empty() {
            townships.push((code, households));
        }
    }
    let i = townships.iter().position(|(_, h)| h.len() >= 2).expect("a township with two households");
    let (township, homes) = townships.remove(i);
    let (other, others) = townships.remove(0);
    let (h1, h2, h3) = (homes[0], homes[1], others[0]);
    t.user("zhen", &[Role::TownshipClerk], &township).await;
    t.user("zhenzhang", &[Role::TownshipLeader], &township).await;
    t.user("xiang", &[Role::TownshipClerk], &other).await;
    t.user("xiangzhang", &[Role::TownshipLeader], &other).await;

    // 2025-10-31: the county's one policy everywhere.
    let row = t.part("/assistance-policies", "in-force-dibao_rural", "</tr>").await;
    assert!(row.contains(RURAL) && row.contains("2025年1月1日"), "{row}");
    let standards = t.part("/verification", "standards", "</div>").await;
    assert!(standards.contains(RURAL) && standards.contains(URBAN) && standards.contains("农村"), "{standards}");
    t.as_user("zhen").await;
    let checklist = t.page(&format!("/households/{h1}/apply")).await;
    assert!(checklist.contains(RURAL) && checklist.contains(URBAN), "{checklist}");
    let (amount, size) = t.approve_dibao(h1, "zhen", "zhenzhang").await;
    assert_eq!(amount, 62_000 * size, "no income: the rural standard for each member");
    assert_eq!(t.verified_standard(h1).await, 62_000);

    // The county adds the township's own standard from 2025-12-01 on the
    // policy page, entered in 元.
    t.as_user("xian").await;
    let form = format!("region_code={township}&effective_from=2025-12-01&dibao_rural=700");
    let reply = t.app.post_form("/assistance-policies", &form).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let before = t.part(&format!("/assistance-policies?region={township}"), "in-force-dibao_rural", "</tr>").await;
    assert!(before.contains(RURAL), "not before its date: {before}");
    let from =
        t.part(&format!("/assistance-policies?region={township}&on=2025-12-01"), "in-force-dibao_rural", "</tr>").await;
    assert!(from.contains(TOWNSHIP_RURAL) && from.contains("2025年12月1日起"), "{from}");

    // 2025-12-02: the township's standard in all of them, for the township.
    t.set(at(2025, 12, 2));
    t.as_user("zhen").await;
    let standards = t.part("/verification", "standards", "</div>").await;
    assert!(standards.contains(TOWNSHIP_RURAL) && standards.contains(URBAN), "{standards}");
    let checklist = t.page(&format!("/households/{h2}/apply")).await;
    assert!(checklist.contains(TOWNSHIP_RURAL) && !checklist.contains(RURAL), "{checklist}");
    let (amount, size) = t.approve_dibao(h2, "zhen", "zhenzhang").await;
    assert_eq!(amount, 70_000 * size);
    assert_eq!(t.verified_standard(h2).await, 70_000);
    t.as_user("zhen").await;
    let row = t.part("/assistance-policies", "in-force-dibao_rural", "</tr>").await;
    assert!(row.contains(TOWNSHIP_RURAL), "{row}");
    // ...and the county's for the other township and the county itself.
    t.as_user("xiang").await;
    let standards = t.part("/verification", "standards", "</div>").await;
    assert!(standards.contains(RURAL) && !standards.contains(TOWNSHIP_RURAL), "{standards}");
    let checklist = t.page(&format!("/households/{h3}/apply")).await;
    assert!(checklist.contains(RURAL), "{checklist}");
    let (amount, size) = t.approve_dibao(h3, "xiang", "xiangzhang").await;
    assert_eq!(amount, 62_000 * size);
    assert_eq!(t.verified_standard(h3).await, 62_000);
    t.as_user("xian").await;
    let row = t.part("/assistance-policies", "in-force-dibao_rural", "</tr>").await;
    assert!(row.contains(RURAL), "the county's own: {row}");
    let row = t.part(&format!("/assistance-policies?region={other}"), "in-force-dibao_rural", "</tr>").await;
    assert!(row.contains(RURAL), "{row}");
}

#[tokio::test]
async fn the_policy_page_reads_as_words_and_refuses_bad_entries_naming_the_field() {
    let mut app = TestApp::sqlite().await;
    app.sign_in_as("shenpi", &[Role::CountyApprover], "340102").await;
    let token = app.session.clone().unwrap().0;
    for lang in ["zh", "en"] {
        let cookie = format!("jz_session={token}; lang={lang}");
        let page = app.get_with("/assistance-policies", header::COOKIE.as_str(), &cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        let text = visible(&page.text());
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            assert!(!word.contains('_') && !word.ends_with("fen"), "{lang}: a code on the page: {word}");
        }
        assert!(!text.contains("{\""), "{lang}: JSON on the page");
    }
    let form = "region_code=340102&effective_from=2026-01-01&dibao_urban=八百&dibao_limits.overall=10\
                &tekun_basic_permille=1.3&review_notice=no";
    let reply = app.post_form("/assistance-policies", form).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = reply.text();
    assert!(text.contains("城市低保标准（每人每月）：“八百”不是有效金额，请按元填写，如800.00"), "{text}");
    assert!(text.contains("低保（含单人保）办理时限（乡镇初审）：请填写全部各项"), "{text}");
    assert!(text.contains("value=\"1.3\""), "the entries are shown again: {text}");
    let ok = "region_code=340102&effective_from=2026-01-01&dibao_urban=850&tekun_basic_permille=1.3\
              &review_notice=no&relatives_kinds=set&relatives_kinds.item=tekun";
    assert_eq!(app.post_form("/assistance-policies", ok).await.status, StatusCode::SEE_OTHER);
    let versions = app.get("/assistance-policies").await.text();
    for shown in [
        "城市低保标准（每人每月）：850.00元",
        "特困人员基本生活标准（低保标准的倍数）：1.3倍",
        "审核阶段（初审）公示：否",
    ] {
        assert!(versions.contains(shown), "{shown}: {versions}");
    }
    let api = app.get("/api/assistance-policies").await.json();
    assert_eq!(api[0]["patch"]["dibao_urban"], 85_000, "the API keeps a typed body: {api}");
    assert_eq!(api[0]["patch"]["relatives_kinds"], serde_json::json!(["tekun"]));
}
