//! The demo county: a realistic, deterministic registry to try jiuzhu on.
//!
//! By default it is the size of the district in seed 003: 21 townships and
//! subdistricts, 167 villages and communities with their groups, and about
//! 14,000 assisted people (6,000 households). `households` scales it up to
//! a million for benchmarks. The same seed always gives the same county:
//! randomness comes from a seeded generator passed in, never from the
//! system.

use std::collections::HashSet;

use chrono::{DateTime, Days, NaiveDate, Utc};
use jiuzhu_domain::dataset::DatasetKind;
use jiuzhu_domain::household::{Disability, DisabilityLevel, HouseholdFields, MemberFields, PersonName};
use jiuzhu_domain::{DisabilityKind, Fen, IdNumber, Program, Region, RegionCode, RegionLevel, Relation};
use jiuzhu_store::{self as store, Db};

use crate::Actor;
use crate::error::{AppError, Result};

/// Households in the default demo county (about 14,000 people).
pub const DEFAULT_HOUSEHOLDS: usize = 6_000;
/// The demo county's code.
pub const COUNTY_CODE: &str = "349901";

const TOWNSHIPS: [&str; 21] = [
    "城关街道",
    "东城街道",
    "西城街道",
    "南湖街道",
    "北塘街道",
    "新华街道",
    "长安街道",
    "河口镇",
    "东山镇",
    "桃源镇",
    "柳林镇",
    "石桥镇",
    "青龙镇",
    "白马镇",
    "金山镇",
    "凤凰镇",
    "龙泉镇",
    "双河镇",
    "三里镇",
    "永宁镇",
    "太平镇",
];
const VILLAGE_FIRST: [&str; 20] = [
    "东", "西", "南", "北", "上", "下", "前", "后", "大", "小", "新", "老", "高", "李", "王", "张", "陈", "刘", "黄",
    "杨",
];
const VILLAGE_SECOND: [&str; 15] =
    ["庄", "湾", "岗", "桥", "塘", "坝", "店", "集", "圩", "冲", "楼", "营", "寨", "堡", "铺"];
const GROUP_NUMERALS: [&str; 12] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"];
const SURNAMES: [&str; 30] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const MALE_CHARS: [&str; 24] = [
    "伟", "强", "军", "勇", "杰", "涛", "明", "超", "华", "建", "国", "平", "刚", "林", "斌", "波", "辉", "鹏", "宇",
    "浩", "志", "春", "文", "海",
];
const FEMALE_CHARS: [&str; 24] = [
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "玲", "秀", "英", "兰", "桂", "梅", "红", "燕", "萍", "琴", "慧",
    "婷", "雪", "玉", "凤", "珍",
];

/// A small deterministic generator (SplitMix64): same seed, same county.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The regions of the demo county: province, city, county, 21 townships,
/// 167 villages and their groups.
pub fn regions(seed: u64) -> Vec<Region> {
    let mut rng = Rng::new(seed ^ 0x5EED_0001);
    let code = |s: &str| RegionCode::parse(s).ok();
    let mut res = Vec::new();
    let mut push = |c: Option<RegionCode>, name: String| {
        if let Some(code) = c {
            res.push(Region { code, name });
        }
    };
    push(code("34"), "江淮省".into());
    push(code("3499"), "清河市".into());
    let county = RegionCode::parse(COUNTY_CODE).ok();
    push(county.clone(), "清河区".into());
    let Some(county) = county else { return res };
    for (t_idx, township) in TOWNSHIPS.iter().enumerate() {
        let Some(t_code) = county.child(t_idx as u32 + 1) else { continue };
        push(Some(t_code.clone()), (*township).to_string());
        // 167 villages: eight in each township, seven in the last.
        let n_villages = if t_idx == TOWNSHIPS.len() - 1 { 7 } else { 8 };
        let urban = township.ends_with("街道");
        let mut used = HashSet::new();
        for v_idx in 0..n_villages {
            let name = loop {
                let candidate = format!("{}{}", *rng.pick(&VILLAGE_FIRST), *rng.pick(&VILLAGE_SECOND));
                if used.insert(candidate.clone()) {
                    break candidate;
                }
            };
            let Some(v_code) = t_code.child(v_idx + 1) else { continue };
            push(Some(v_code.clone()), format!("{name}{}", if urban { "社区" } else { "村" }));
            let n_groups = 6 + rng.below(6) as u32;
            for g_idx in 0..n_groups {
                let group_name = if urban {
                    format!("第{}网格", GROUP_NUMERALS[g_idx as usize])
                } else {
                    format!("{}组", GROUP_NUMERALS[g_idx as usize])
                };
                push(v_code.child(g_idx + 1), group_name);
            }
        }
    }
    res
}

/// Generates the households of the demo county one at a time.
pub struct HouseholdGenerator {
    rng: Rng,
    groups: Vec<(RegionCode, String)>,
    remaining: usize,
    next_number: usize,
    used_ids: HashSet<u64>,
    /// The day the data describes; ages are counted to it.
    today: NaiveDate,
}

impl HouseholdGenerator {
    pub fn new(seed: u64, households: usize, regions: &[Region], today: NaiveDate) -> HouseholdGenerator {
        let tree = jiuzhu_domain::RegionTree::new(regions.iter().cloned());
        let groups = regions
            .iter()
            .filter(|r| r.level() == RegionLevel::Group)
            .map(|r| (r.code.clone(), tree.full_name(&r.code).trim_start_matches("清河区").to_string()))
            .collect();
        HouseholdGenerator {
            rng: Rng::new(seed),
            groups,
            remaining: households,
            next_number: 1,
            used_ids: HashSet::with_capacity(households * 3),
            today,
        }
    }

    fn person(&mut self, age: u32, male: bool, surname: &str, relation: Relation) -> MemberFields {
        let rng = &mut self.rng;
        let chars = if male { &MALE_CHARS[..] } else { &FEMALE_CHARS[..] };
        let mut name = surname.to_string();
        for _ in 0..if rng.chance(70) { 2 } else { 1 } {
            let given: &&str = rng.pick(chars);
            name.push_str(given);
        }
        // Most people were first registered in this county.
        let region6 = if rng.chance(88) { COUNTY_CODE.to_string() } else { format!("3499{:02}", 2 + rng.below(8)) };
        let id_number = loop {
            let days_back = u64::from(age) * 365 + rng.below(365);
            let birth = self.today.checked_sub_days(Days::new(days_back)).unwrap_or(self.today);
            let seq = (rng.below(500) * 2 + u64::from(male)) as u16;
            if let Some(id) = IdNumber::from_parts(&region6, birth, seq)
                && self.used_ids.insert(id.to_u64())
            {
                break id;
            }
        };
        let disability = (rng.chance(if age >= 60 { 12 } else { 6 })).then(|| Disability {
            level: DisabilityLevel::new(1 + rng.below(4) as u8)
                .unwrap_or(DisabilityLevel::new(4).expect("4 is a level")),
            kind: *rng.pick(&[
                DisabilityKind::Physical,
                DisabilityKind::Physical,
                DisabilityKind::Physical,
                DisabilityKind::Visual,
                DisabilityKind::Hearing,
                DisabilityKind::Speech,
                DisabilityKind::Intellectual,
                DisabilityKind::Mental,
                DisabilityKind::Multiple,
            ]),
        });
        MemberFields {
            id_number,
            name: PersonName::parse(&name).unwrap_or_else(|| PersonName::parse("某某").expect("a valid name")),
            relation,
            co_residing: relation == Relation::Head || rng.chance(94),
            disability,
            serious_illness: rng.chance(if age >= 55 { 12 } else { 3 }),
        }
    }
}

impl Iterator for HouseholdGenerator {
    type Item = (HouseholdFields, Vec<MemberFields>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 || self.groups.is_empty() {
            return None;
        }
        self.remaining -= 1;
        let number = self.next_number;
        self.next_number += 1;
        let (group, place) = self.groups[self.rng.below(self.groups.len() as u64) as usize].clone();
        let surname = SURNAMES[self.rng.below(SURNAMES.len() as u64) as usize];

        let size = match self.rng.below(100) {
            0..=34 => 1,
            35..=59 => 2,
            60..=77 => 3,
            78..=91 => 4,
            _ => 5,
        };
        let program = if size == 1 && self.rng.chance(28) {
            Program::Tekun
        } else if self.rng.chance(5) {
            Program::NearDibao
        } else {
            Program::Dibao
        };
        let head_age = if size == 1 { 55 + self.rng.below(35) as u32 } else { 28 + self.rng.below(55) as u32 };
        let head_male = self.rng.chance(if size == 1 { 55 } else { 75 });
        let mut members = vec![self.person(head_age, head_male, surname, Relation::Head)];
        if size >= 2 {
            let age = (head_age as i64 + self.rng.below(9) as i64 - 4).max(18) as u32;
            let spouse_surname = SURNAMES[self.rng.below(SURNAMES.len() as u64) as usize];
            members.push(self.person(age, !head_male, spouse_surname, Relation::Spouse));
        }
        for _ in 2..size {
            let (relation, age, family) = if head_age > 62 && self.rng.chance(40) {
                (Relation::Grandchild, self.rng.below(16) as u32, surname)
            } else if head_age < 45 && self.rng.chance(25) {
                (Relation::Parent, head_age + 22 + self.rng.below(12) as u32, surname)
            } else {
                (Relation::Child, head_age.saturating_sub(22 + self.rng.below(14) as u32), surname)
            };
            let male = self.rng.chance(50);
            members.push(self.person(age, male, family, relation));
        }

        let per_person_yuan = match program {
            Program::Tekun => 1_014,
            Program::Dibao => 300 + self.rng.below(480) as i64,
            _ => 0,
        };
        let monthly_benefit = (per_person_yuan > 0).then(|| Fen(per_person_yuan * 100 * members.len() as i64));
        let phone = if self.rng.chance(85) {
            format!("1{}{:09}", *self.rng.pick(&["3", "5", "8", "9"]), self.rng.below(1_000_000_000))
        } else {
            String::new()
        };
        let household = HouseholdFields {
            external_id: format!("QH{number:07}"),
            region_code: group,
            address: format!("{place}{}号", 1 + self.rng.below(120)),
            phone,
            program: Some(program),
            monthly_benefit,
        };
        Some((household, members))
    }
}

/// Households per transaction when loading.
const LOAD_CHUNK: usize = 5_000;

/// Loads the demo county into the database, reporting progress as
/// `(households loaded, total)`. Refuses a database that already holds
/// households, so the demo never mixes with real data. The county comes
/// with its entitlements, the payees' accounts and the last months paid
/// (`payment::demo`).
pub async fn load_demo(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    seed: u64,
    households: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<usize> {
    let loaded = load_demo_unpaid(db, actor, now, seed, households, progress).await?;
    crate::payment::demo::demo_payments(db, now, seed).await?;
    Ok(loaded)
}

/// The demo county with its entitlements and the payees' accounts but no
/// month paid yet (no roll): the payments benchmark's setup at a million
/// payees (`bench/payments.sh`), where paying the four months of the demo's
/// history through the use cases would take most of an hour.
pub async fn load_demo_unpaid(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    seed: u64,
    households: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<usize> {
    if actor.scope != crate::Scope::All {
        return Err(AppError::NotFound);
    }
    let mut tx = db.begin().await?;
    let (_, existing) = store::list_households(
        &mut tx,
        &store::HouseholdFilter {
            within: crate::access::within(actor),
            program: None,
            person: None,
            offset: 0,
            limit: 1,
            count_cap: 1,
        },
    )
    .await?;
    if existing > 0 {
        return Err(AppError::Conflict(jiuzhu_domain::i18n::Message::new("common.conflict").arg("detail", "demo")));
    }
    let regions = regions(seed);
    store::upsert_regions(&mut tx, &regions).await?;
    let detail = serde_json::json!({ "seed": seed, "households": households, "regions": regions.len() });
    crate::access::audit(&mut tx, actor, now, "demo_loaded", &crate::access::Target::none(), None, Some(&detail))
        .await?;
    tx.commit().await?;

    let mut generator = HouseholdGenerator::new(seed, households, &regions, now.date_naive());
    let mut loaded = 0;
    loop {
        let chunk: Vec<_> = generator.by_ref().take(LOAD_CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let mut tx = db.begin().await?;
        let fields: Vec<HouseholdFields> = chunk.iter().map(|(h, _)| h.clone()).collect();
        let ids: std::collections::HashMap<String, i64> =
            store::insert_households_bulk(&mut tx, &fields, now).await?.into_iter().collect();
        let members: Vec<(i64, MemberFields)> = chunk
            .iter()
            .flat_map(|(h, ms)| {
                let id = ids.get(&h.external_id).copied().unwrap_or_default();
                ms.iter().map(move |m| (id, m.clone()))
            })
            .collect();
        store::insert_persons_bulk(&mut tx, &members, now).await?;
        let events: Vec<(i64, &str, String)> =
            ids.values().map(|id| (*id, "imported", "{\"source\":\"demo\"}".to_string())).collect();
        store::insert_events_bulk(&mut tx, &events, now, &actor.name).await?;
        tx.commit().await?;
        loaded += chunk.len();
        progress(loaded, households);
    }
    crate::entitlement::demo_history(db, actor, now).await?;
    crate::payee::demo_accounts(db, actor, now, seed, &regions).await?;
    Ok(loaded)
}

/// Department data for the demo county, one CSV per dataset kind, in the
/// layout of `datasets.md`: cars (some exempt motorbikes), homes and
/// parking spaces, businesses, wages, pensions, deposits, deaths and the
/// public payroll of some members, deterministic for a seed. A few rows are
/// about people outside the registry, one row is damaged by Excel.
pub fn department_files(seed: u64, households: usize, today: NaiveDate) -> Vec<(DatasetKind, String)> {
    let regions = regions(seed);
    let mut rng = Rng::new(seed ^ 0x0D15_EA5E);
    let mut files: Vec<(DatasetKind, String)> = [
        (DatasetKind::Vehicle, "机动车所有人身份证号,号牌号码,车辆类型,初次登记日期\n"),
        (DatasetKind::RealEstate, "权利人证件号,不动产单元号,用途,建筑面积,坐落区划\n"),
        (DatasetKind::Business, "身份证号,身份,市场主体名称,注册资本,登记状态\n"),
        (DatasetKind::SocialInsurance, "身份证号,费款所属期,单位名称,缴费基数\n"),
        (DatasetKind::Pension, "身份证号,发放年月,月养老金,险种\n"),
        (DatasetKind::Deposit, "身份证号,金融机构,余额,截止日期\n"),
        (DatasetKind::Death, "身份证号,姓名,死亡日期\n"),
        (DatasetKind::PublicPayroll, "身份证号,单位名称,所属期\n"),
    ]
    .into_iter()
    .map(|(k, h)| (k, h.to_string()))
    .collect();
    let mut push = |kind: DatasetKind, line: String| {
        if let Some((_, text)) = files.iter_mut().find(|(k, _)| *k == kind) {
            text.push_str(&line);
            text.push('\n');
        }
    };
    let months = ["2025-07", "2025-08", "2025-09"];
    for (n, (household, members)) in HouseholdGenerator::new(seed, households, &regions, today).enumerate() {
        for m in &members {
            let id = m.id_number.as_str();
            let age = m.id_number.age_on(today);
            if rng.chance(3) {
                let kind = if rng.chance(40) { "摩托车" } else { "小型轿车" };
                push(
                    DatasetKind::Vehicle,
                    format!("{id},皖N{:05},{kind},2018-0{}-15", rng.below(100_000), 1 + rng.below(9)),
                );
            }
            if m.relation == Relation::Head && rng.chance(20) {
                let area = 40 + rng.below(80);
                push(
                    DatasetKind::RealEstate,
                    format!("{id},D{n:06}A,住宅,{area}.{},{}", rng.below(10), household.region_code),
                );
                if rng.chance(10) {
                    push(
                        DatasetKind::RealEstate,
                        format!("{id},D{n:06}B,住宅,{},{}", 50 + rng.below(60), household.region_code),
                    );
                }
                if rng.chance(8) {
                    push(DatasetKind::RealEstate, format!("{id},D{n:06}C,车位,12.5,{}", household.region_code));
                }
            }
            if (18..60).contains(&age) && rng.chance(6) {
                let base = 2_000 + rng.below(4_000);
                for month in months {
                    push(DatasetKind::SocialInsurance, format!("{id},{month},某某有限公司,{base}.00"));
                }
            }
            if age >= 60 && rng.chance(40) {
                let amount = 150 + rng.below(900);
                for month in months {
                    push(DatasetKind::Pension, format!("{id},{month},{amount}.50,城乡居民基本养老保险"));
                }
            }
            if rng.chance(5) {
                push(
                    DatasetKind::Deposit,
                    format!("{id},某农商银行,\"{}.{:02}\",2025-09-30", rng.below(40_000), rng.below(100)),
                );
            }
            if (18..70).contains(&age) && rng.chance(1) {
                let status = if rng.chance(50) { "存续" } else { "注销" };
                push(DatasetKind::Business, format!("{id},经营者,某某商店,50000,{status}"));
            }
            if age >= 70 && rng.chance(2) {
                push(
                    DatasetKind::Death,
                    format!("{id},{},2025-0{}-1{}", m.name.as_str(), 1 + rng.below(9), rng.below(10)),
                );
            }
            if (22..60).contains(&age) && rng.chance(1) {
                push(DatasetKind::PublicPayroll, format!("{id},某镇人民政府,2025-09"));
            }
        }
    }
    // People outside the registry, and one number Excel turned into a float.
    for k in 0..20u16 {
        if let Some(id) = IdNumber::from_parts("349901", NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or(today), 900 + k)
        {
            push(DatasetKind::Vehicle, format!("{id},皖N9{k:04},小型轿车,2020-01-01"));
        }
    }
    push(DatasetKind::Deposit, "3.49901198001E+17,某银行,1000,2025-09-30".to_string());
    files
}

/// Imports the demo county's department data and verifies every household,
/// so a fresh demo shows reports and findings. Returns the households with
/// findings.
pub async fn load_demo_verification(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    seed: u64,
    households: usize,
) -> Result<i64> {
    let as_of = jiuzhu_domain::i18n::china_date(now);
    for (kind, text) in department_files(seed, households, now.date_naive()) {
        let meta = crate::verification::DeliveryMeta {
            kind,
            department: kind.department_zh().to_string(),
            as_of,
            file_name: format!("{}.csv", kind.label_zh()),
        };
        crate::verification::import_delivery(db, actor, now, meta, text.as_bytes()).await.map_err(|e| match e {
            crate::verification::DeliveryError::App(e) => e,
            crate::verification::DeliveryError::Rejected(p) => AppError::Internal(format!("demo data rejected: {p:?}")),
        })?;
    }
    let summary = crate::verification::run_verification(
        db,
        actor,
        now,
        crate::verification::Selection::Region(None),
        &mut |_, _| {},
    )
    .await?;
    Ok(summary.with_findings)
}

/// The demo county's applications: the policy of seed 001 (放管服:
/// verification first, township confirmation, no review-stage notice,
/// decisions within 10 working days, 急难 within 24 hours) from 2025, and a
/// few applications in the first township at different steps, so the inbox
/// and the notice board are not empty. Returns the cases opened.
pub async fn load_demo_cases(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<usize> {
    use crate::case::{self, AmountLine, ApplicationForm};
    use jiuzhu_domain::assistance::{AssistancePolicy, Material};
    let county = RegionCode::parse(COUNTY_CODE).map_err(|e| AppError::Internal(e.to_string()))?;
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
    crate::policy::set_assistance_policy(db, actor, now, &county, from, &AssistancePolicy::demo_patch()).await?;
    let township = RegionCode::parse(&format!("{COUNTY_CODE}001")).map_err(|e| AppError::Internal(e.to_string()))?;
    let query = crate::registry::HouseholdQuery { region: Some(township), ..Default::default() };
    let page = crate::registry::search_households(db, actor, now, &query).await?;
    let everything: Vec<String> = Material::ALL.iter().map(|m| m.code().to_string()).collect();
    let mut opened = 0;
    // The township's window and investigation, as its clerk would do them.
    let clerk = Actor { roles: vec![jiuzhu_domain::Role::TownshipClerk], ..actor.clone() };
    for (i, row) in page.rows.iter().take(3).enumerate() {
        let form = match i {
            0 => ApplicationForm {
                kinds: vec!["dibao".into()],
                provided: everything.clone(),
                income: vec![AmountLine { kind: "wage".into(), yuan: "600".into() }],
                needs: vec!["medical".into()],
                ..Default::default()
            },
            1 => ApplicationForm {
                kinds: vec!["tekun".into()],
                provided: vec!["application_form".into(), "id_card".into()],
                ..Default::default()
            },
            _ => {
                ApplicationForm { kinds: vec!["temp_emergency".into()], cause: "accident".into(), ..Default::default() }
            }
        };
        let form = ApplicationForm { household_id: row.id, area: "rural".into(), ..form };
        let created = case::submit_application(db, &clerk, now, &form).await?;
        opened += created.case_ids.len();
        if i == 0 {
            let mut view = case::case_detail(db, &clerk, now, created.case_ids[0]).await?;
            use jiuzhu_domain::case::Step;
            for step in [Step::StartInvestigation, Step::RequestVerification, Step::AttachVerification] {
                view = case::act(db, &clerk, now, view.id, view.version, &step, vec![]).await?;
            }
        }
    }
    Ok(opened)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_domain::household::check_members;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 10, 31).unwrap()
    }

    #[test]
    fn the_county_has_the_shape_of_seed_003() {
        let regions = regions(7);
        let count = |level| regions.iter().filter(|r| r.level() == level).count();
        assert_eq!(count(RegionLevel::County), 1);
        assert_eq!(count(RegionLevel::Township), 21);
        assert_eq!(count(RegionLevel::Village), 167);
        assert!((1000..=1900).contains(&count(RegionLevel::Group)));
        let codes: HashSet<_> = regions.iter().map(|r| r.code.clone()).collect();
        assert_eq!(codes.len(), regions.len());
    }

    #[test]
    fn households_are_valid_and_deterministic() {
        let regions = regions(7);
        let a: Vec<_> = HouseholdGenerator::new(7, DEFAULT_HOUSEHOLDS, &regions, today()).collect();
        let b: Vec<_> = HouseholdGenerator::new(7, DEFAULT_HOUSEHOLDS, &regions, today()).collect();
        assert_eq!(a, b);
        let c: Vec<_> = HouseholdGenerator::new(8, 10, &regions, today()).collect();
        assert_ne!(a[..10], c[..]);

        let people: usize = a.iter().map(|(_, m)| m.len()).sum();
        assert!((12_500..=15_500).contains(&people), "{people} people");
        let mut ids = HashSet::new();
        for (household, members) in &a {
            check_members(members.iter().map(|m| (&m.id_number, m.relation))).unwrap();
            assert!(regions.iter().any(|r| r.code == household.region_code));
            for m in members {
                assert!(ids.insert(m.id_number), "duplicate ID");
                assert_eq!(IdNumber::parse(m.id_number.as_str()).unwrap(), m.id_number);
            }
        }
        let disabled = a.iter().flat_map(|(_, m)| m).filter(|m| m.disability.is_some()).count();
        assert!(disabled > people / 30 && disabled < people / 5, "{disabled} disabled");
        assert!(a.iter().any(|(h, _)| h.program == Some(Program::Tekun)));
    }

    #[test]
    fn department_files_parse_and_concern_the_county() {
        let files = department_files(7, 500, today());
        assert_eq!(files.len(), 8);
        for (kind, text) in &files {
            let parsed = jiuzhu_files::department::parse_delivery(*kind, text.as_bytes()).unwrap();
            assert!(!parsed.records.is_empty(), "{kind:?}");
            let expected_rejects = usize::from(*kind == DatasetKind::Deposit);
            assert_eq!(parsed.rows_rejected(), expected_rejects, "{kind:?}: {:?}", parsed.rejected);
        }
        assert_eq!(files, department_files(7, 500, today()), "deterministic");
    }
}
