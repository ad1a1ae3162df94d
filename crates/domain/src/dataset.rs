//! The department datasets of `datasets.md`: every kind, its columns with
//! their aliases and value types, the value sets verification reads, and the
//! date and area parsers the importers share.
//!
//! This is the one catalogue: the delivery importer reads every column of
//! it, the verification engine the few its sums need, and the report shows
//! the stored records column by column in this order.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A dataset kind (`datasets.md`, "Department data").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    Vehicle,
    RealEstate,
    Business,
    SocialInsurance,
    Pension,
    Deposit,
    Death,
    PublicPayroll,
    HousingFund,
    Tax,
    Disability,
    Inmate,
    Unemployment,
    MedicalExpense,
}

/// How a column's values are read and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// A citizen ID number, normalised to 18 characters.
    IdNumber,
    Text,
    /// 元 with up to two decimals, stored as integer fen.
    Money,
    /// m² with up to two decimals, stored as hundredths.
    Area,
    Date,
    /// A month (`2025-10`); full dates are accepted and kept to the month.
    Month,
    Year,
    /// A small whole number (disability level).
    Integer,
}

/// One column of a dataset kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    /// Chinese aliases; the first is the display name.
    pub aliases: &'static [&'static str],
    pub ty: ColumnType,
    pub required: bool,
}

const fn col(name: &'static str, aliases: &'static [&'static str], ty: ColumnType, required: bool) -> Column {
    Column { name, aliases, ty, required }
}

use ColumnType as T;

/// A column list as a constant (so `col` may be called in it).
macro_rules! cols {
    ($($c:expr),* $(,)?) => {{
        const COLUMNS: &[Column] = &[$($c),*];
        COLUMNS
    }};
}

const ID: Column = col("id_number", &["身份证号", "公民身份号码", "证件号码", "身份证号码"], T::IdNumber, true);
const OWNER: Column =
    col("owner_id_number", &["身份证号", "机动车所有人身份证号", "权利人证件号", "id_number"], T::IdNumber, true);
const PERIOD: Column = col("period", &["所属期", "费款所属期", "发放年月"], T::Month, false);

impl DatasetKind {
    pub const ALL: [DatasetKind; 14] = [
        DatasetKind::Vehicle,
        DatasetKind::RealEstate,
        DatasetKind::Business,
        DatasetKind::SocialInsurance,
        DatasetKind::Pension,
        DatasetKind::Deposit,
        DatasetKind::Death,
        DatasetKind::PublicPayroll,
        DatasetKind::HousingFund,
        DatasetKind::Tax,
        DatasetKind::Disability,
        DatasetKind::Inmate,
        DatasetKind::Unemployment,
        DatasetKind::MedicalExpense,
    ];

    /// The code used in file names (`vehicle.csv`) and in the database.
    pub fn code(self) -> &'static str {
        match self {
            DatasetKind::Vehicle => "vehicle",
            DatasetKind::RealEstate => "real_estate",
            DatasetKind::Business => "business",
            DatasetKind::SocialInsurance => "social_insurance",
            DatasetKind::Pension => "pension",
            DatasetKind::Deposit => "deposit",
            DatasetKind::Death => "death",
            DatasetKind::PublicPayroll => "public_payroll",
            DatasetKind::HousingFund => "housing_fund",
            DatasetKind::Tax => "tax",
            DatasetKind::Disability => "disability",
            DatasetKind::Inmate => "inmate",
            DatasetKind::Unemployment => "unemployment",
            DatasetKind::MedicalExpense => "medical_expense",
        }
    }

    pub fn parse(code: &str) -> Option<DatasetKind> {
        let code = code.trim();
        DatasetKind::ALL.iter().copied().find(|k| k.code() == code || k.label_zh() == code)
    }

    /// The message key of the kind's name (`Dataset.vehicle`).
    pub fn message_key(self) -> String {
        format!("Dataset.{}", self.code())
    }

    /// The Chinese name, as departments write it.
    pub fn label_zh(self) -> &'static str {
        match self {
            DatasetKind::Vehicle => "机动车",
            DatasetKind::RealEstate => "不动产",
            DatasetKind::Business => "市场主体",
            DatasetKind::SocialInsurance => "社保缴费",
            DatasetKind::Pension => "养老金领取",
            DatasetKind::Deposit => "存款",
            DatasetKind::Death => "死亡火化",
            DatasetKind::PublicPayroll => "财政供养",
            DatasetKind::HousingFund => "公积金",
            DatasetKind::Tax => "个税",
            DatasetKind::Disability => "残疾人证",
            DatasetKind::Inmate => "服刑人员",
            DatasetKind::Unemployment => "失业登记",
            DatasetKind::MedicalExpense => "医疗费用",
        }
    }

    /// The department that usually delivers it.
    pub fn department_zh(self) -> &'static str {
        match self {
            DatasetKind::Vehicle => "公安交管",
            DatasetKind::RealEstate => "不动产登记",
            DatasetKind::Business => "市场监管",
            DatasetKind::SocialInsurance | DatasetKind::Pension | DatasetKind::Unemployment => "人社",
            DatasetKind::Deposit => "金融机构",
            DatasetKind::Death => "公安/卫健/殡葬",
            DatasetKind::PublicPayroll => "财政",
            DatasetKind::HousingFund => "公积金中心",
            DatasetKind::Tax => "税务",
            DatasetKind::Disability => "残联",
            DatasetKind::Inmate => "司法",
            DatasetKind::MedicalExpense => "医保",
        }
    }

    /// The columns, the person's ID number first.
    pub fn columns(self) -> &'static [Column] {
        match self {
            DatasetKind::Vehicle => cols![
                OWNER,
                col("plate_no", &["号牌号码"], T::Text, false),
                col("vehicle_type", &["车辆类型"], T::Text, true),
                col("registration_date", &["初次登记日期"], T::Date, false),
            ],
            DatasetKind::RealEstate => cols![
                OWNER,
                col("property_id", &["不动产单元号"], T::Text, false),
                col("usage", &["用途"], T::Text, true),
                col("area_m2", &["建筑面积"], T::Area, true),
                col("region_code", &["坐落区划"], T::Text, false),
            ],
            DatasetKind::Business => cols![
                ID,
                col("role", &["身份", "职务"], T::Text, false),
                col("entity_name", &["市场主体名称", "企业名称"], T::Text, false),
                col("registered_capital_yuan", &["注册资本"], T::Money, false),
                col("status", &["登记状态"], T::Text, true),
            ],
            DatasetKind::SocialInsurance => cols![
                ID,
                PERIOD,
                col("employer_name", &["单位名称"], T::Text, false),
                col("contribution_base_yuan", &["缴费基数"], T::Money, true),
            ],
            DatasetKind::Pension => cols![
                ID,
                PERIOD,
                col("monthly_amount_yuan", &["月养老金", "发放金额"], T::Money, true),
                col("kind", &["险种"], T::Text, false),
            ],
            DatasetKind::Deposit => cols![
                ID,
                col("institution", &["金融机构"], T::Text, false),
                col("balance_yuan", &["余额"], T::Money, true),
                col("as_of_date", &["截止日期"], T::Date, false),
            ],
            DatasetKind::Death => {
                cols![ID, col("name", &["姓名"], T::Text, false), col("death_date", &["死亡日期"], T::Date, false),]
            }
            DatasetKind::PublicPayroll => cols![ID, col("unit_name", &["单位名称"], T::Text, false), PERIOD],
            DatasetKind::HousingFund => cols![ID, PERIOD, col("deposit_base_yuan", &["缴存基数"], T::Money, true)],
            DatasetKind::Tax => cols![
                ID,
                col("year", &["所属年度"], T::Year, false),
                col("taxable_income_yuan", &["收入额"], T::Money, true),
            ],
            DatasetKind::Disability => {
                cols![ID, col("level", &["残疾等级"], T::Integer, false), col("kind", &["残疾类别"], T::Text, false),]
            }
            DatasetKind::Inmate => cols![
                ID,
                col("start_date", &["入监日期"], T::Date, false),
                col("end_date", &["刑满日期"], T::Date, false),
            ],
            DatasetKind::Unemployment => cols![
                ID,
                col("registered_date", &["登记日期"], T::Date, false),
                col("benefit_yuan", &["失业金"], T::Money, false),
            ],
            DatasetKind::MedicalExpense => cols![
                ID,
                col("year", &["所属年度"], T::Year, false),
                col("out_of_pocket_yuan", &["个人自付"], T::Money, true),
            ],
        }
    }

    /// The column whose number the household sums add (fen, or hundredths
    /// of m² for real estate), if the sums use one.
    pub fn amount_column(self) -> Option<&'static str> {
        match self {
            DatasetKind::SocialInsurance => Some("contribution_base_yuan"),
            DatasetKind::Pension => Some("monthly_amount_yuan"),
            DatasetKind::Deposit => Some("balance_yuan"),
            DatasetKind::RealEstate => Some("area_m2"),
            _ => None,
        }
    }

    /// The column whose value a value set classifies (car or not, home or
    /// not, active or not), if any.
    pub fn category_column(self) -> Option<&'static str> {
        match self {
            DatasetKind::Vehicle => Some("vehicle_type"),
            DatasetKind::RealEstate => Some("usage"),
            DatasetKind::Business => Some("status"),
            _ => None,
        }
    }

    /// Whether the household sums of `verification.md` read this kind.
    pub fn used_by_sums(self) -> bool {
        matches!(
            self,
            DatasetKind::Vehicle
                | DatasetKind::RealEstate
                | DatasetKind::Business
                | DatasetKind::SocialInsurance
                | DatasetKind::Pension
                | DatasetKind::Deposit
                | DatasetKind::Death
                | DatasetKind::PublicPayroll
        )
    }
}

impl Column {
    /// `车辆类型（vehicle_type）`: how problems name a missing column.
    pub fn display(&self) -> String {
        format!("{}（{}）", self.aliases.first().copied().unwrap_or(self.name), self.name)
    }

    /// Whether a header (as normalised by [`crate::text::header_key`]) names
    /// this column.
    pub fn matches(&self, key: &str) -> bool {
        use crate::text::header_key;
        key == header_key(self.name) || self.aliases.iter().any(|a| key == header_key(a))
    }
}

/// Vehicle types that do not count as owning a car.
pub const EXEMPT_VEHICLES: &[&str] = &["摩托车", "残疾人专用车", "电动自行车"];
/// Real-estate usage that counts as a home.
pub const RESIDENTIAL: &[&str] = &["住宅"];
/// Business statuses that count as active.
pub const ACTIVE_BUSINESS: &[&str] = &["存续", "在业", "开业"];

/// Whether a record of `kind` with this category counts: a car that is not
/// exempt, a residential property, an active business. Kinds without a
/// category always count.
pub fn counts(kind: DatasetKind, category: &str) -> bool {
    let c = category.trim();
    match kind {
        DatasetKind::Vehicle => !EXEMPT_VEHICLES.contains(&c),
        DatasetKind::RealEstate => RESIDENTIAL.contains(&c),
        DatasetKind::Business => ACTIVE_BUSINESS.contains(&c),
        _ => true,
    }
}

/// Digit groups of a date-like text: `2025年10月31日` → `[2025, 10, 31]`
/// with their lengths.
fn digit_groups(raw: &str) -> Option<Vec<(u32, usize)>> {
    let mut groups: Vec<(u32, usize)> = Vec::new();
    let mut in_digits = false;
    for c in crate::text::to_half_width(raw.trim()).chars() {
        if let Some(d) = c.to_digit(10) {
            if !in_digits {
                if groups.len() == 3 {
                    return None;
                }
                groups.push((0, 0));
                in_digits = true;
            }
            let g = groups.last_mut()?;
            g.0 = g.0.checked_mul(10)?.checked_add(d)?;
            g.1 += 1;
        } else if matches!(c, '-' | '/' | '.' | '年' | '月' | '日') {
            in_digits = false;
        } else {
            return None;
        }
    }
    Some(groups)
}

fn ymd(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(1900..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// A date as departments write it: `2025-10-31`, `2025/10/31`,
/// `2025.10.31`, `20251031`, `2025年10月31日` (full-width digits too).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    match digit_groups(raw)?.as_slice() {
        [(y, 4), (m, 1..=2), (d, 1..=2)] => ymd(*y, *m, *d),
        [(v, 8)] => ymd(v / 10000, v / 100 % 100, v % 100),
        _ => None,
    }
}

/// A month: `2025-10`, `2025/10`, `202510`, `2025年10月`, or a full date
/// (kept to its month). Returned as the first day of the month.
pub fn parse_month(raw: &str) -> Option<NaiveDate> {
    match digit_groups(raw)?.as_slice() {
        [(y, 4), (m, 1..=2)] => ymd(*y, *m, 1),
        [(v, 6)] => ymd(v / 100, v % 100, 1),
        _ => parse_date(raw).and_then(|d| d.with_day(1)),
    }
}

/// A year: `2025` or `2025年`.
pub fn parse_year(raw: &str) -> Option<i32> {
    match digit_groups(raw)?.as_slice() {
        [(y, 4)] if (1900..=2100).contains(y) => Some(*y as i32),
        _ => None,
    }
}

/// An area in m² with up to two decimals, as hundredths: `85.5` → 8550,
/// `85.50㎡` and `85.5平方米` too.
pub fn parse_area(raw: &str) -> Option<i64> {
    let s = raw.trim().trim_end_matches("平方米").trim_end_matches('㎡').trim_end_matches("m²");
    let fen = crate::money::Fen::parse_yuan(s).ok()?;
    (fen.0 >= 0).then_some(fen.0)
}

/// Hundredths as a decimal: 8550 → `85.50`.
pub fn format_centi(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", v.unsigned_abs() / 100, v.unsigned_abs() % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_kind_has_an_id_column_first_and_unique_names() {
        for kind in DatasetKind::ALL {
            let cols = kind.columns();
            assert_eq!(cols[0].ty, ColumnType::IdNumber, "{kind:?}");
            let mut names: Vec<_> = cols.iter().map(|c| c.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), cols.len(), "{kind:?}");
            for name in kind.amount_column().into_iter().chain(kind.category_column()) {
                assert!(cols.iter().any(|c| c.name == name), "{kind:?} {name}");
            }
            assert_eq!(DatasetKind::parse(kind.code()), Some(kind));
            assert_eq!(DatasetKind::parse(kind.label_zh()), Some(kind));
        }
    }

    #[test]
    fn dates_in_every_written_form() {
        let d = NaiveDate::from_ymd_opt(2025, 10, 31);
        for s in ["2025-10-31", "2025/10/31", "2025.10.31", "20251031", "2025年10月31日", "２０２５-10-31"] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        for s in ["2025-02-30", "2025-10", "31/10/2025", "abc", "", "1899-01-01"] {
            assert_eq!(parse_date(s), None, "{s}");
        }
        let m = NaiveDate::from_ymd_opt(2025, 10, 1);
        for s in ["2025-10", "2025/10", "202510", "2025年10月", "2025-10-31"] {
            assert_eq!(parse_month(s), m, "{s}");
        }
        assert_eq!(parse_month("2025-13"), None);
        assert_eq!(parse_year("2025年"), Some(2025));
        assert_eq!(parse_area("85.5㎡"), Some(8550));
        assert_eq!(parse_area("-1"), None);
        assert_eq!(format_centi(8550), "85.50");
    }

    #[test]
    fn value_sets_classify_records() {
        assert!(counts(DatasetKind::Vehicle, "小型轿车"));
        assert!(!counts(DatasetKind::Vehicle, " 摩托车 "));
        assert!(counts(DatasetKind::RealEstate, "住宅"));
        assert!(!counts(DatasetKind::RealEstate, "车位"));
        assert!(counts(DatasetKind::Business, "存续"));
        assert!(!counts(DatasetKind::Business, "注销"));
        assert!(counts(DatasetKind::Death, ""));
    }

    proptest! {
        #[test]
        fn any_valid_date_reads_back_in_every_form(days in 0i64..73_000) {
            let d = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            for f in ["%Y-%m-%d", "%Y/%-m/%-d", "%Y%m%d", "%Y年%m月%d日"] {
                let s = d.format(f).to_string();
                prop_assert_eq!(parse_date(&s), Some(d), "{}", s);
            }
        }
    }
}
