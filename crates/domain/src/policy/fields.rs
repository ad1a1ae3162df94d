//! How each policy field reads and how people enter it: money in 元
//! (`800.00`, parsed to fen once), 是/否, days or working days, a percent,
//! a multiple (`1.3` 倍, stored per mille), a choice, a set of choices, a
//! group of parts (the five time limits of a programme) and bands as rows
//! of 元.
//!
//! A form is a list of `(name, value)` entries as a browser sends them: a
//! field's entry is named after the field (`dibao_urban`), a part after the
//! field and the part (`dibao_limits.overall`), a set's items
//! `relatives_kinds.item` (beside `relatives_kinds=set`), a band's cells
//! `benefit_method.below.0` and `benefit_method.amount.0`. An empty field is
//! inherited from the region above.

use super::{Addons, Band, BankFileLayout, BenefitMethod, FirstPayment, Limits, PolicySection};
use crate::assistance::{Area, CaseKind, IncomeKind, Level, Material};
use crate::i18n::{Lang, Message, Part as Late, t, tf};
use crate::money::Fen;

/// What a count counts, for its label and its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Days,
    WorkingDays,
    Hours,
    Months,
    /// Months of the 低保 standard (a deposit or payment cap).
    MonthsOfStandard,
    Times,
    Homes,
    Age,
    /// A day of the month, 1 to 28.
    DayOfMonth,
}

impl Unit {
    /// The catalogue key of a count with this unit (`{n}个工作日`).
    pub fn key(self) -> &'static str {
        match self {
            Unit::Days => "policy.unit.days",
            Unit::WorkingDays => "policy.unit.working_days",
            Unit::Hours => "policy.unit.hours",
            Unit::Months => "policy.unit.months",
            Unit::MonthsOfStandard => "policy.unit.months_of_standard",
            Unit::Times => "policy.unit.times",
            Unit::Homes => "policy.unit.homes",
            Unit::Age => "policy.unit.age",
            Unit::DayOfMonth => "policy.unit.day_of_month",
        }
    }

    /// The catalogue key of the word written after the input (`个工作日`).
    pub fn suffix_key(self) -> &'static str {
        match self {
            Unit::Days => "policy.suffix.days",
            Unit::WorkingDays => "policy.suffix.working_days",
            Unit::Hours => "policy.suffix.hours",
            Unit::Months => "policy.suffix.months",
            Unit::MonthsOfStandard => "policy.suffix.months_of_standard",
            Unit::Times => "policy.suffix.times",
            Unit::Homes => "policy.suffix.homes",
            Unit::Age => "policy.suffix.age",
            Unit::DayOfMonth => "policy.suffix.day_of_month",
        }
    }

    fn range(self) -> (i64, i64) {
        match self {
            Unit::DayOfMonth => (1, 28),
            Unit::Age => (0, 150),
            _ => (0, 100_000),
        }
    }
}

/// `(code, catalogue key of its label)` of every value of a choice.
pub type Choices = fn() -> Vec<(&'static str, &'static str)>;

/// How a field (or a part of one) is entered.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    /// 元 with up to two decimals (`800.00`); stored in fen.
    Money,
    /// 是 or 否.
    YesNo,
    /// A whole number of a unit.
    Count(Unit),
    /// A whole percent, 0 to 100.
    Percent,
    /// A percent with one decimal (`12.5`), stored per mille.
    PermillePercent,
    /// A multiple with up to three decimals (`1.3` 倍), stored per mille.
    Multiple,
    /// Square metres with two decimals, stored in hundredths; 0: no limit.
    Area,
    /// A fraction `1/N` of a base, entered as `1/10` or `10`.
    Divisor,
    /// One of a set of values.
    Choice(Choices),
    /// Any number of a set of values (checkboxes).
    Set(Choices),
    /// A group of parts entered together, all or none.
    Parts(&'static [Part]),
    /// 补差 or 分档 with rows of (income below 元, amount per person 元).
    Bands,
}

/// One part of a grouped field.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    pub name: &'static str,
    /// Catalogue key of its label.
    pub label: &'static str,
    pub input: Input,
}

/// A field of the policy as people see it.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The name in storage, the API and the form.
    pub name: &'static str,
    pub section: PolicySection,
    /// Catalogue key of its label.
    pub label: &'static str,
    pub input: Input,
}

const fn part(name: &'static str, label: &'static str, input: Input) -> Part {
    Part { name, label, input }
}

/// The five time limits of a programme.
pub(super) static LIMIT_PARTS: &[Part] = &[
    part("township", "policy.part.township", Input::Count(Unit::WorkingDays)),
    part("confirmation", "policy.part.confirmation", Input::Count(Unit::WorkingDays)),
    part("overall", "policy.part.overall", Input::Count(Unit::WorkingDays)),
    part("overall_delegated", "policy.part.overall_delegated", Input::Count(Unit::WorkingDays)),
    part("extended", "policy.part.extended", Input::Count(Unit::WorkingDays)),
];

/// 分类施保: the elderly age and the four add-ons.
pub(super) static ADDON_PARTS: &[Part] = &[
    part("elderly_age", "policy.part.elderly_age", Input::Count(Unit::Age)),
    part("elderly", "policy.part.elderly", Input::Money),
    part("severe_disability", "policy.part.severe_disability", Input::Money),
    part("serious_illness", "policy.part.serious_illness", Input::Money),
    part("minor", "policy.part.minor", Input::Money),
];

/// The care standard per self-care level, as fractions of the minimum wage.
pub(super) static CARE_PARTS: &[Part] = &[
    part("full", "SelfCare.full", Input::Divisor),
    part("partial", "SelfCare.partial", Input::Divisor),
    part("lost", "SelfCare.lost", Input::Divisor),
];

/// What is wrong with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Money,
    Count,
    Percent,
    Multiple,
    Area,
    Divisor,
    DayOfMonth,
    YesNo,
    Choice,
    /// Some parts of a group entered, others left empty.
    Incomplete,
    /// A band with only one of its two amounts.
    BandRow,
    /// Bands not in ascending order of income.
    BandOrder,
    /// 分档 without any band.
    NoBands,
}

impl Problem {
    fn key(self) -> &'static str {
        match self {
            Problem::Money => "policy.error.money",
            Problem::Count => "policy.error.count",
            Problem::Percent => "policy.error.percent",
            Problem::Multiple => "policy.error.multiple",
            Problem::Area => "policy.error.area",
            Problem::Divisor => "policy.error.divisor",
            Problem::DayOfMonth => "policy.error.day_of_month",
            Problem::YesNo => "policy.error.yes_no",
            Problem::Choice => "policy.error.choice",
            Problem::Incomplete => "policy.error.incomplete",
            Problem::BandRow => "policy.error.band_row",
            Problem::BandOrder => "policy.error.band_order",
            Problem::NoBands => "policy.error.no_bands",
        }
    }
}

/// A problem with one field of a form: which field (and part), what, and the
/// text entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    /// Catalogue key of the field's label.
    pub label: &'static str,
    /// Catalogue key of the part's label, for a grouped field.
    pub part: Option<&'static str>,
    pub problem: Problem,
    pub value: String,
}

impl FieldProblem {
    fn new(problem: Problem, value: &str) -> FieldProblem {
        FieldProblem { field: "", label: "", part: None, problem, value: value.to_string() }
    }

    /// The problem in words, naming the field: `城市低保标准：“八百”不是金额…`.
    pub fn message(&self) -> Message {
        let field = match self.part {
            Some(part) => Late::Message(Box::new(
                Message::new("policy.error.field_part")
                    .part("field", Late::Label(self.label))
                    .part("part", Late::Label(part)),
            )),
            None => Late::Label(self.label),
        };
        Message::new(self.problem.key()).part("field", field).arg("value", &self.value)
    }
}

/// The entries of a form.
pub(crate) struct Form<'a>(pub &'a [(String, String)]);

impl Form<'_> {
    /// The first entry of this name, cleaned; empty when there is none.
    fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| crate::text::clean(v)).unwrap_or_default()
    }

    /// Every non-empty entry of this name, cleaned.
    fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| crate::text::clean(v)).filter(|v| !v.is_empty()).collect()
    }

    /// The row numbers of entries named `{prefix}{n}`.
    fn rows(&self, prefixes: &[&str]) -> Vec<usize> {
        let mut rows: Vec<usize> = self
            .0
            .iter()
            .filter_map(|(k, _)| prefixes.iter().find_map(|p| k.strip_prefix(p)?.parse::<usize>().ok()))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

/// `(code, label key)` of every value of a labelled set.
pub fn choices<T: Coded>() -> Vec<(&'static str, &'static str)> {
    T::all().iter().map(|v| (v.code(), v.message_key())).collect()
}

/// A labelled value set (`labeled_enum!`) as a choice.
pub trait Coded: Copy + PartialEq + 'static {
    fn all() -> &'static [Self];
    fn code(self) -> &'static str;
    fn message_key(self) -> &'static str;
}

macro_rules! coded {
    ($($t:ty),+) => {$(
        impl Coded for $t {
            fn all() -> &'static [Self] { <$t>::ALL }
            fn code(self) -> &'static str { <$t>::code(self) }
            fn message_key(self) -> &'static str { <$t>::message_key(self) }
        }
        impl FieldValue for $t {
            fn show(&self, _: &Input, lang: Lang) -> String { t(lang, self.message_key()).to_string() }
            fn to_form(&self, _: &Input, name: &str, out: &mut Vec<(String, String)>) {
                out.push((name.to_string(), self.code().to_string()));
            }
            fn from_form(_: &Input, name: &str, form: &Form<'_>) -> Result<Option<Self>, FieldProblem> {
                let raw = form.get(name);
                if raw.is_empty() {
                    return Ok(None);
                }
                <$t>::parse(&raw).map(Some).ok_or_else(|| FieldProblem::new(Problem::Choice, &raw))
            }
        }
        impl FieldValue for Vec<$t> {
            fn show(&self, _: &Input, lang: Lang) -> String {
                if self.is_empty() {
                    return t(lang, "common.none").to_string();
                }
                let sep = if lang == Lang::Zh { "、" } else { ", " };
                self.iter().map(|v| t(lang, v.message_key())).collect::<Vec<_>>().join(sep)
            }
            fn to_form(&self, _: &Input, name: &str, out: &mut Vec<(String, String)>) {
                out.push((name.to_string(), "set".to_string()));
                let item = format!("{name}.item");
                out.extend(self.iter().map(|v| (item.clone(), v.code().to_string())));
            }
            fn from_form(_: &Input, name: &str, form: &Form<'_>) -> Result<Option<Self>, FieldProblem> {
                if form.get(name).is_empty() {
                    return Ok(None);
                }
                let mut chosen = Vec::new();
                for raw in form.all(&format!("{name}.item")) {
                    chosen.push(<$t>::parse(&raw).ok_or_else(|| FieldProblem::new(Problem::Choice, &raw))?);
                }
                // In the order of the value set, once each.
                Ok(Some(<$t>::ALL.iter().copied().filter(|v| chosen.contains(v)).collect()))
            }
        }
    )+};
}

/// A field's value: how it reads, its form entries, and reading it back.
pub(crate) trait FieldValue: Sized {
    fn show(&self, input: &Input, lang: Lang) -> String;
    fn to_form(&self, input: &Input, name: &str, out: &mut Vec<(String, String)>);
    /// `Ok(None)`: left empty, inherited.
    fn from_form(input: &Input, name: &str, form: &Form<'_>) -> Result<Option<Self>, FieldProblem>;
}

coded!(Area, Level, IncomeKind, Material, CaseKind, FirstPayment, BankFileLayout, crate::payment::roll::DeathLastMonth);

// ------------------------------------------------------------------ scalars

/// `n` scaled by 10^places as a decimal without trailing zeros: 1300, 3 → `1.3`.
fn decimal(n: i64, places: u32) -> String {
    let scale = 10i64.pow(places);
    let (int, frac) = (n / scale, n % scale);
    if frac == 0 {
        return int.to_string();
    }
    let frac = format!("{:0width$}", frac, width = places as usize);
    format!("{int}.{}", frac.trim_end_matches('0'))
}

/// A decimal with at most `places` decimals as an integer scaled by
/// 10^places: `1.3`, 3 → 1300.
fn scaled(raw: &str, places: u32) -> Option<i64> {
    let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || int.len() > 9 {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > places as usize {
        return None;
    }
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_value: i64 =
        if frac.is_empty() { 0 } else { format!("{frac:0<width$}", width = places as usize).parse().ok()? };
    Some(int * 10i64.pow(places) + frac_value)
}

/// The text without a unit people may write after the number.
fn without_unit(raw: &str) -> &str {
    const UNITS: &[&str] = &[
        "个月低保标准",
        "个工作日",
        "工作日",
        "个月",
        "小时",
        "周岁",
        "平方米",
        "天",
        "日",
        "次",
        "套",
        "岁",
        "倍",
        "元",
        "%",
        "％",
        "㎡",
        "m²",
        "×",
    ];
    let mut s = raw.trim();
    for unit in UNITS {
        if let Some(rest) = s.strip_suffix(unit) {
            s = rest.trim_end();
            break;
        }
    }
    s
}

fn show_scalar(input: &Input, n: i64, lang: Lang) -> String {
    match input {
        Input::Money => Fen(n).to_string(),
        Input::YesNo => t(lang, if n != 0 { "common.yes" } else { "common.no" }).to_string(),
        Input::Count(unit) => tf(lang, unit.key(), &[("n", &n.to_string())]),
        Input::Percent => format!("{n}%"),
        Input::PermillePercent => format!("{}%", decimal(n, 1)),
        Input::Multiple => tf(lang, "policy.unit.multiple", &[("n", &decimal(n, 3))]),
        Input::Area if n == 0 => t(lang, "policy.value.no_limit").to_string(),
        Input::Area => tf(lang, "policy.unit.area", &[("n", &decimal(n, 2))]),
        Input::Divisor => format!("1/{n}"),
        _ => n.to_string(),
    }
}

fn scalar_text(input: &Input, n: i64) -> String {
    match input {
        Input::Money => Fen(n).to_plain_yuan(),
        Input::YesNo => (if n != 0 { "yes" } else { "no" }).to_string(),
        Input::PermillePercent => decimal(n, 1),
        Input::Multiple => decimal(n, 3),
        Input::Area => decimal(n, 2),
        Input::Divisor => format!("1/{n}"),
        _ => n.to_string(),
    }
}

fn parse_scalar(input: &Input, raw: &str) -> Result<i64, Problem> {
    let within = |v: Option<i64>, (lo, hi): (i64, i64), problem| v.filter(|v| (lo..=hi).contains(v)).ok_or(problem);
    match input {
        Input::Money => within(Fen::parse_yuan(raw).ok().map(|f| f.0), (0, 10_000_000_000), Problem::Money),
        Input::YesNo => match raw.to_ascii_lowercase().as_str() {
            "yes" | "是" | "true" | "y" => Ok(1),
            "no" | "否" | "false" | "n" => Ok(0),
            _ => Err(Problem::YesNo),
        },
        Input::Count(unit) => {
            let problem = if *unit == Unit::DayOfMonth { Problem::DayOfMonth } else { Problem::Count };
            within(scaled(without_unit(raw), 0), unit.range(), problem)
        }
        Input::Percent => within(scaled(without_unit(raw), 0), (0, 100), Problem::Percent),
        Input::PermillePercent => within(scaled(without_unit(raw), 1), (0, 1_000), Problem::Percent),
        Input::Multiple => within(scaled(without_unit(raw), 3), (1, 1_000_000), Problem::Multiple),
        Input::Area if matches!(raw, "不限" | "无" | "none") => Ok(0),
        Input::Area => within(scaled(without_unit(raw), 2), (0, 100_000_000), Problem::Area),
        Input::Divisor => {
            let s = without_unit(raw);
            let s = s.strip_prefix("1/").or_else(|| s.strip_prefix("1／")).unwrap_or(s).trim();
            within(scaled(s, 0), (1, 1_000), Problem::Divisor)
        }
        _ => Err(Problem::Choice),
    }
}

macro_rules! scalar {
    ($t:ty, $to:expr, $from:expr) => {
        impl FieldValue for $t {
            fn show(&self, input: &Input, lang: Lang) -> String {
                show_scalar(input, $to(self), lang)
            }
            fn to_form(&self, input: &Input, name: &str, out: &mut Vec<(String, String)>) {
                out.push((name.to_string(), scalar_text(input, $to(self))));
            }
            fn from_form(input: &Input, name: &str, form: &Form<'_>) -> Result<Option<Self>, FieldProblem> {
                let raw = form.get(name);
                if raw.is_empty() {
                    return Ok(None);
                }
                parse_scalar(input, &raw).map(|n| Some($from(n))).map_err(|p| FieldProblem::new(p, &raw))
            }
        }
    };
}

scalar!(Fen, |v: &Fen| v.0, Fen);
scalar!(u32, |v: &u32| i64::from(*v), |n: i64| u32::try_from(n).unwrap_or(u32::MAX));
scalar!(i64, |v: &i64| *v, |n: i64| n);
scalar!(bool, |v: &bool| i64::from(*v), |n: i64| n != 0);

// ------------------------------------------------------------------- groups

/// A value entered as a group of parts.
trait Grouped: Sized {
    fn parts(&self) -> Vec<i64>;
    fn from_parts(v: &[i64]) -> Self;
}

fn u(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl Grouped for Limits {
    fn parts(&self) -> Vec<i64> {
        [self.township, self.confirmation, self.overall, self.overall_delegated, self.extended]
            .into_iter()
            .map(i64::from)
            .collect()
    }
    fn from_parts(v: &[i64]) -> Self {
        Limits {
            township: u(v[0]),
            confirmation: u(v[1]),
            overall: u(v[2]),
            overall_delegated: u(v[3]),
            extended: u(v[4]),
        }
    }
}

impl Grouped for Addons {
    fn parts(&self) -> Vec<i64> {
        vec![
            i64::from(self.elderly_age),
            self.elderly.0,
            self.severe_disability.0,
            self.serious_illness.0,
            self.minor.0,
        ]
    }
    fn from_parts(v: &[i64]) -> Self {
        Addons {
            elderly_age: u(v[0]),
            elderly: Fen(v[1]),
            severe_disability: Fen(v[2]),
            serious_illness: Fen(v[3]),
            minor: Fen(v[4]),
        }
    }
}

impl Grouped for [u32; 3] {
    fn parts(&self) -> Vec<i64> {
        self.iter().copied().map(i64::from).collect()
    }
    fn from_parts(v: &[i64]) -> Self {
        [u(v[0]), u(v[1]), u(v[2])]
    }
}

fn parts_of(input: &Input) -> &'static [Part] {
    match input {
        Input::Parts(parts) => parts,
        _ => &[],
    }
}

impl<T: Grouped> FieldValue for T {
    fn show(&self, input: &Input, lang: Lang) -> String {
        let (colon, sep) = if lang == Lang::Zh { ("", "，") } else { (" ", ", ") };
        parts_of(input)
            .iter()
            .zip(self.parts())
            .map(|(p, v)| format!("{}{colon}{}", t(lang, p.label), show_scalar(&p.input, v, lang)))
            .collect::<Vec<_>>()
            .join(sep)
    }

    fn to_form(&self, input: &Input, name: &str, out: &mut Vec<(String, String)>) {
        for (p, v) in parts_of(input).iter().zip(self.parts()) {
            out.push((format!("{name}.{}", p.name), scalar_text(&p.input, v)));
        }
    }

    fn from_form(input: &Input, name: &str, form: &Form<'_>) -> Result<Option<Self>, FieldProblem> {
        let parts = parts_of(input);
        let raws: Vec<String> = parts.iter().map(|p| form.get(&format!("{name}.{}", p.name))).collect();
        if raws.iter().all(String::is_empty) {
            return Ok(None);
        }
        let mut values = Vec::with_capacity(parts.len());
        for (p, raw) in parts.iter().zip(&raws) {
            let problem = if raw.is_empty() { Err(Problem::Incomplete) } else { parse_scalar(&p.input, raw) };
            match problem {
                Ok(v) => values.push(v),
                Err(problem) => return Err(FieldProblem { part: Some(p.label), ..FieldProblem::new(problem, raw) }),
            }
        }
        Ok(Some(T::from_parts(&values)))
    }
}

// -------------------------------------------------------------------- bands

impl FieldValue for BenefitMethod {
    fn show(&self, _: &Input, lang: Lang) -> String {
        match self {
            BenefitMethod::Difference => t(lang, "policy.value.difference").to_string(),
            BenefitMethod::Banded(bands) => {
                let rows: Vec<String> = bands
                    .iter()
                    .map(|b| {
                        tf(
                            lang,
                            "policy.value.band",
                            &[("below", &b.income_below.to_string()), ("amount", &b.per_person.to_string())],
                        )
                    })
                    .collect();
                let sep = if lang == Lang::Zh { "；" } else { "; " };
                format!(
                    "{}{}{}",
                    t(lang, "policy.value.banded"),
                    if lang == Lang::Zh { "：" } else { ": " },
                    rows.join(sep)
                )
            }
        }
    }

    fn to_form(&self, _: &Input, name: &str, out: &mut Vec<(String, String)>) {
        match self {
            BenefitMethod::Difference => out.push((name.to_string(), "difference".to_string())),
            BenefitMethod::Banded(bands) => {
                out.push((name.to_string(), "banded".to_string()));
                for (i, b) in bands.iter().enumerate() {
                    out.push((format!("{name}.below.{i}"), b.income_below.to_plain_yuan()));
                    out.push((format!("{name}.amount.{i}"), b.per_person.to_plain_yuan()));
                }
            }
        }
    }

    fn from_form(_: &Input, name: &str, form: &Form<'_>) -> Result<Option<Self>, FieldProblem> {
        let method = form.get(name);
        match method.as_str() {
            "" => return Ok(None),
            "difference" | "补差" => return Ok(Some(BenefitMethod::Difference)),
            "banded" | "分档" => {}
            _ => return Err(FieldProblem::new(Problem::Choice, &method)),
        }
        let (below, amount) = (format!("{name}.below."), format!("{name}.amount."));
        let mut bands: Vec<Band> = Vec::new();
        for row in form.rows(&[&below, &amount]) {
            let (b, a) = (form.get(&format!("{below}{row}")), form.get(&format!("{amount}{row}")));
            let money = |raw: &str| parse_scalar(&Input::Money, raw).map_err(|p| FieldProblem::new(p, raw));
            match (b.is_empty(), a.is_empty()) {
                (true, true) => continue,
                (false, false) => {}
                _ => return Err(FieldProblem::new(Problem::BandRow, if b.is_empty() { &a } else { &b })),
            }
            let band = Band { income_below: Fen(money(&b)?), per_person: Fen(money(&a)?) };
            if bands.last().is_some_and(|last| last.income_below >= band.income_below) {
                return Err(FieldProblem::new(Problem::BandOrder, &b));
            }
            bands.push(band);
        }
        if bands.is_empty() {
            return Err(FieldProblem::new(Problem::NoBands, ""));
        }
        Ok(Some(BenefitMethod::Banded(bands)))
    }
}
