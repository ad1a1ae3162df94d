//! Rosters (花名册): one row per person, rows with the same household number
//! form one household (`../shared/spec/datasets.md`).
//!
//! Parsing reports **every** problem it finds, each with its line and
//! column and a message from the catalogue, so a clerk can fix the whole
//! file in one pass. A roster with any problem yields no households at all:
//! import is all or nothing.

use std::collections::HashMap;

use jiuzhu_domain::household::{
    Disability, DisabilityLevel, HouseholdFields, MemberFields, PersonName, check_members, parse_phone, parse_yes_no,
};
use jiuzhu_domain::i18n::{Lang, Message};
use jiuzhu_domain::limits::{self, TextLimit};
use jiuzhu_domain::text::{clean, header_key};
use jiuzhu_domain::{DisabilityKind, Fen, IdNumber, Program, RegionCode, Relation};

use crate::table::{Table, read_table};

/// The columns of a roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    HouseholdId,
    RegionCode,
    IdNumber,
    Name,
    Relation,
    Address,
    Phone,
    CoResiding,
    DisabilityLevel,
    DisabilityKind,
    SeriousIllness,
    Program,
    MonthlyBenefit,
}

/// `(field, canonical name, Chinese aliases (the first is the display name), required)`.
pub const COLUMNS: &[(Field, &str, &[&str], bool)] = &[
    (Field::HouseholdId, "household_id", &["户编号", "家庭编号"], true),
    (Field::RegionCode, "region_code", &["区划代码", "所属区划"], true),
    (Field::IdNumber, "id_number", &["身份证号", "公民身份号码", "证件号码", "身份证号码"], true),
    (Field::Name, "name", &["姓名"], true),
    (Field::Relation, "relation", &["与户主关系", "关系"], true),
    (Field::Address, "address", &["家庭住址", "住址"], false),
    (Field::Phone, "phone", &["联系电话", "电话"], false),
    (Field::CoResiding, "co_residing", &["共同生活", "是否共同生活"], false),
    (Field::DisabilityLevel, "disability_level", &["残疾等级"], false),
    (Field::DisabilityKind, "disability_kind", &["残疾类别"], false),
    (Field::SeriousIllness, "serious_illness", &["重病", "是否重病"], false),
    (Field::Program, "program", &["救助类别", "保障类别"], false),
    (Field::MonthlyBenefit, "monthly_benefit_yuan", &["月保障金额", "保障金额"], false),
];

/// The length limit of each column's values.
fn limit(field: Field) -> TextLimit {
    match field {
        Field::HouseholdId => limits::EXTERNAL_ID,
        Field::RegionCode => limits::REGION_CODE,
        Field::IdNumber => limits::ID_NUMBER,
        Field::Name => limits::PERSON_NAME,
        Field::Relation => limits::RELATION,
        Field::Address => limits::ADDRESS,
        Field::Phone => limits::PHONE,
        Field::CoResiding | Field::SeriousIllness => limits::CODE,
        Field::DisabilityLevel => limits::DISABILITY_LEVEL,
        Field::DisabilityKind => limits::DISABILITY_KIND,
        Field::Program => limits::PROGRAM,
        Field::MonthlyBenefit => limits::MONEY,
    }
}

fn display_name(field: Field) -> String {
    COLUMNS
        .iter()
        .find(|(f, ..)| *f == field)
        .map(|(_, canonical, aliases, _)| format!("{}（{canonical}）", aliases[0]))
        .unwrap_or_default()
}

/// A column of the file: its position and header as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    pub index: usize,
    pub header: String,
}

impl ColumnRef {
    /// The spreadsheet letter of the column: A, B, …, Z, AA, …
    pub fn letter(&self) -> String {
        crate::limits::column_letter(self.index + 1)
    }

    /// `C列（身份证号）` / `column C (身份证号)`.
    pub fn render(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!("{}列（{}）", self.letter(), self.header.trim()),
            Lang::En => format!("column {} ({})", self.letter(), self.header.trim()),
        }
    }
}

/// One problem in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub column: Option<ColumnRef>,
    pub message: Message,
}

impl Problem {
    pub fn render_line(&self, lang: Lang) -> String {
        self.line.map(|l| Message::new("import.at").arg("line", l).render(lang)).unwrap_or_default()
    }

    pub fn render_column(&self, lang: Lang) -> String {
        self.column.as_ref().map(|c| c.render(lang)).unwrap_or_default()
    }

    /// The whole problem on one line, for the CLI and logs.
    pub fn render(&self, lang: Lang) -> String {
        let place = [self.render_line(lang), self.render_column(lang)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let sep = if lang == Lang::Zh { "：" } else { ": " };
        if place.is_empty() { self.message.render(lang) } else { format!("{place}{sep}{}", self.message.render(lang)) }
    }
}

/// A member as read from one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterMember {
    pub line: usize,
    pub fields: MemberFields,
}

/// A household as read from its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterHousehold {
    /// The line of its first row.
    pub line: usize,
    pub fields: HouseholdFields,
    pub members: Vec<RosterMember>,
}

/// A roster without problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub households: Vec<RosterHousehold>,
    /// Where each known column is in the file, for problems found later.
    pub columns: Vec<(Field, ColumnRef)>,
    /// Things worth knowing that do not stop the import (unknown columns).
    pub warnings: Vec<Problem>,
    pub format: &'static str,
}

impl Roster {
    /// The column of `field` in the file, if present.
    pub fn column(&self, field: Field) -> Option<ColumnRef> {
        self.columns.iter().find(|(f, _)| *f == field).map(|(_, c)| c.clone())
    }

    pub fn person_count(&self) -> usize {
        self.households.iter().map(|h| h.members.len()).sum()
    }
}

/// Upper bound on data rows in one roster (a county's roster is far smaller).
pub const MAX_ROWS: usize = 1_048_576;

struct Row {
    line: usize,
    household_id: String,
    household: HouseholdFields,
    member: MemberFields,
}

/// What one line gave: the keys whenever they parsed (so duplicates are
/// found even in rows with other problems), the whole row when it all did.
struct ParsedLine {
    line: usize,
    household_id: Option<String>,
    id_number: Option<IdNumber>,
    row: Option<Row>,
}

/// Reads a roster file (CSV in UTF-8 or GBK, or xlsx) and returns its
/// households, or every problem found.
pub fn parse_roster(bytes: &[u8]) -> Result<Roster, Vec<Problem>> {
    let table = read_table(bytes).map_err(|e| vec![e.to_problem()])?;
    parse_table(&table)
}

/// Reads a roster from a table already decoded.
pub fn parse_table(table: &Table) -> Result<Roster, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    if table.rows.len() > MAX_ROWS {
        return Err(vec![Problem {
            line: None,
            column: None,
            message: Message::new("import.error.too_many_rows").arg("max", MAX_ROWS),
        }]);
    }

    // Map headers to fields.
    let mut columns: HashMap<Field, ColumnRef> = HashMap::new();
    for (index, header) in table.headers.iter().enumerate() {
        let key = header_key(header);
        if key.is_empty() {
            continue;
        }
        let found = COLUMNS.iter().find(|(_, canonical, aliases, _)| {
            header_key(canonical) == key || aliases.iter().any(|a| header_key(a) == key)
        });
        let column = ColumnRef { index, header: header.clone() };
        match found {
            Some((field, ..)) if !columns.contains_key(field) => {
                columns.insert(*field, column);
            }
            _ => warnings.push(Problem {
                line: Some(table.header_line),
                column: Some(column),
                message: Message::new("import.warning.unknown_column").arg("column", header.trim()),
            }),
        }
    }
    for (field, _, _, required) in COLUMNS {
        if *required && !columns.contains_key(field) {
            problems.push(Problem {
                line: Some(table.header_line),
                column: None,
                message: Message::new("import.error.missing_column").arg("column", display_name(*field)),
            });
        }
    }

    // Parse every row, collecting every problem.
    let rows: Vec<ParsedLine> =
        table.rows.iter().map(|(line, cells)| parse_row(*line, cells, &columns, &mut problems)).collect();

    let households = group(rows, &columns, &mut problems);

    if problems.is_empty() {
        let mut columns: Vec<(Field, ColumnRef)> = columns.into_iter().collect();
        columns.sort_by_key(|(_, c)| c.index);
        Ok(Roster { households, columns, warnings, format: table.format })
    } else {
        problems.sort_by_key(|p| (p.line.unwrap_or(0), p.column.as_ref().map_or(0, |c| c.index + 1)));
        Err(problems)
    }
}

/// Reads one row; records problems and returns `None` when any cell fails.
fn parse_row(
    line: usize,
    cells: &[String],
    columns: &HashMap<Field, ColumnRef>,
    problems: &mut Vec<Problem>,
) -> ParsedLine {
    let before = problems.len();
    // A value over its column's limit is reported by its length and read as
    // absent (never parsed, never echoed in another message).
    let mut too_long = Vec::new();
    for (field, column) in columns {
        let raw = cells.get(column.index).map_or("", String::as_str);
        if let Err(message) = limit(*field).check(raw.trim()) {
            problems.push(Problem { line: Some(line), column: Some(column.clone()), message });
            too_long.push(*field);
        }
    }
    let mut report = |field: Field, message: Message| {
        problems.push(Problem { line: Some(line), column: columns.get(&field).cloned(), message });
    };
    let raw_cell = |field: Field| -> Option<&str> {
        let column = columns.get(&field)?;
        (!too_long.contains(&field)).then(|| cells.get(column.index).map_or("", String::as_str))
    };
    let cell = |field: Field| -> Option<String> {
        let value = clean(raw_cell(field)?);
        (!value.is_empty()).then_some(value)
    };
    // A required cell: missing column already reported once at the header;
    // an empty cell is reported here.
    let required = |field: Field, report: &mut dyn FnMut(Field, Message)| -> Option<String> {
        let value = cell(field);
        if value.is_none() && columns.contains_key(&field) && !too_long.contains(&field) {
            report(field, Message::new("import.error.required"));
        }
        value
    };

    let household_id = required(Field::HouseholdId, &mut report);
    let region = required(Field::RegionCode, &mut report).and_then(|v| match RegionCode::parse(&v) {
        Ok(code) => Some(code),
        Err(_) => {
            report(Field::RegionCode, Message::new("import.error.bad_region").arg("value", v));
            None
        }
    });
    let id_number = match raw_cell(Field::IdNumber) {
        Some(raw) => match IdNumber::parse(raw) {
            Ok(id) => Some(id),
            Err(e) => {
                let message =
                    if clean(raw).is_empty() { Message::new("import.error.required") } else { e.to_message() };
                report(Field::IdNumber, message);
                None
            }
        },
        None => None,
    };
    let name = required(Field::Name, &mut report).and_then(|v| match PersonName::parse(&v) {
        Some(n) => Some(n),
        None => {
            report(Field::Name, Message::new("import.error.bad_name").arg("value", v));
            None
        }
    });
    let relation = required(Field::Relation, &mut report).and_then(|v| match Relation::parse(&v) {
        Some(r) => Some(r),
        None => {
            report(Field::Relation, Message::new("import.error.bad_relation").arg("value", v));
            None
        }
    });
    let phone = match cell(Field::Phone) {
        None => String::new(),
        Some(v) => parse_phone(&v).unwrap_or_else(|| {
            report(Field::Phone, Message::new("import.error.bad_phone").arg("value", v));
            String::new()
        }),
    };
    let mut yes_no = |field: Field, default: bool| match cell(field) {
        None => default,
        Some(v) => parse_yes_no(&v).unwrap_or_else(|| {
            report(field, Message::new("import.error.bad_yes_no").arg("value", v));
            default
        }),
    };
    let co_residing = yes_no(Field::CoResiding, true);
    let serious_illness = yes_no(Field::SeriousIllness, false);
    let level = cell(Field::DisabilityLevel).and_then(|v| {
        let parsed = DisabilityLevel::parse(&v);
        if parsed.is_none() {
            report(Field::DisabilityLevel, Message::new("import.error.bad_disability_level").arg("value", v));
        }
        parsed
    });
    let kind = cell(Field::DisabilityKind).and_then(|v| {
        let parsed = DisabilityKind::parse(&v);
        if parsed.is_none() {
            report(Field::DisabilityKind, Message::new("import.error.bad_disability_kind").arg("value", v));
        }
        parsed
    });
    let disability = match (level, kind) {
        (Some(level), Some(kind)) => Some(Disability { level, kind }),
        // One of the two given and valid, the other left empty.
        (Some(_), None) if cell(Field::DisabilityKind).is_none() => {
            report(Field::DisabilityKind, Message::new("import.error.disability_incomplete"));
            None
        }
        (None, Some(_)) if cell(Field::DisabilityLevel).is_none() => {
            report(Field::DisabilityLevel, Message::new("import.error.disability_incomplete"));
            None
        }
        _ => None,
    };
    let program = cell(Field::Program).and_then(|v| {
        let parsed = Program::parse(&v);
        if parsed.is_none() {
            report(Field::Program, Message::new("import.error.bad_program").arg("value", v));
        }
        parsed
    });
    let monthly_benefit = cell(Field::MonthlyBenefit).and_then(|v| match Fen::parse_yuan(&v) {
        Ok(f) => Some(f),
        Err(_) => {
            report(Field::MonthlyBenefit, Message::new("import.error.bad_money").arg("value", v));
            None
        }
    });
    let address = cell(Field::Address).unwrap_or_default();

    let complete = problems.len() == before;
    let row = match (complete, &household_id, region, id_number, name, relation) {
        (true, Some(household_id), Some(region_code), Some(id_number), Some(name), Some(relation)) => Some(Row {
            line,
            household: HouseholdFields {
                external_id: household_id.clone(),
                region_code,
                address,
                phone,
                program,
                monthly_benefit,
            },
            household_id: household_id.clone(),
            member: MemberFields { id_number, name, relation, co_residing, disability, serious_illness },
        }),
        _ => None,
    };
    ParsedLine { line, household_id, id_number, row }
}

/// Groups valid rows into households and checks what involves several rows.
fn group(
    lines: Vec<ParsedLine>,
    columns: &HashMap<Field, ColumnRef>,
    problems: &mut Vec<Problem>,
) -> Vec<RosterHousehold> {
    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, RosterHousehold> = HashMap::new();
    let mut seen: HashMap<IdNumber, (String, usize)> = HashMap::new();
    // Households with a line that did not parse: their shape is unknown.
    let mut incomplete: std::collections::HashSet<String> = std::collections::HashSet::new();
    let report = |problems: &mut Vec<Problem>, line: usize, field: Field, message: Message| {
        problems.push(Problem { line: Some(line), column: columns.get(&field).cloned(), message });
    };

    for parsed in lines {
        if let (Some(household_id), Some(id_number)) = (&parsed.household_id, parsed.id_number) {
            if let Some((first_household, first_line)) = seen.get(&id_number) {
                let message = if first_household == household_id {
                    Message::new("import.error.duplicate_row").arg("id_number", id_number).arg("first_line", first_line)
                } else {
                    Message::new("import.error.duplicate_person")
                        .arg("id_number", id_number)
                        .arg("first", first_household)
                        .arg("second", household_id)
                        .arg("first_line", first_line)
                };
                report(problems, parsed.line, Field::IdNumber, message);
                continue;
            }
            seen.insert(id_number, (household_id.clone(), parsed.line));
        }
        let Some(row) = parsed.row else {
            if let Some(household_id) = parsed.household_id {
                incomplete.insert(household_id);
            }
            continue;
        };

        match by_id.get_mut(&row.household_id) {
            None => {
                order.push(row.household_id.clone());
                by_id.insert(
                    row.household_id.clone(),
                    RosterHousehold {
                        line: row.line,
                        fields: row.household,
                        members: vec![RosterMember { line: row.line, fields: row.member }],
                    },
                );
            }
            Some(household) => {
                let h = &mut household.fields;
                let conflicts = [
                    (Field::RegionCode, h.region_code != row.household.region_code),
                    (
                        Field::Program,
                        row.household.program.is_some() && h.program.is_some() && h.program != row.household.program,
                    ),
                    (
                        Field::MonthlyBenefit,
                        row.household.monthly_benefit.is_some()
                            && h.monthly_benefit.is_some()
                            && h.monthly_benefit != row.household.monthly_benefit,
                    ),
                ];
                for (field, conflict) in conflicts {
                    if conflict {
                        let name = columns.get(&field).map(|c| c.header.trim().to_string()).unwrap_or_default();
                        report(
                            problems,
                            row.line,
                            field,
                            Message::new("import.error.household_conflict").arg("column", name),
                        );
                    }
                }
                if h.address.is_empty() {
                    h.address = row.household.address;
                }
                // The head's phone wins; otherwise the first one given.
                if !row.household.phone.is_empty() && (h.phone.is_empty() || row.member.relation == Relation::Head) {
                    h.phone = row.household.phone;
                }
                h.program = h.program.or(row.household.program);
                h.monthly_benefit = h.monthly_benefit.or(row.household.monthly_benefit);
                household.members.push(RosterMember { line: row.line, fields: row.member });
            }
        }
    }

    let mut res = Vec::with_capacity(order.len());
    for external_id in order {
        let Some(household) = by_id.remove(&external_id) else { continue };
        if incomplete.contains(&external_id) {
            continue;
        }
        if let Err(rule) = check_members(household.members.iter().map(|m| (&m.fields.id_number, m.fields.relation))) {
            report(problems, household.line, Field::Relation, Message::new(rule.message_key()));
        }
        res.push(household);
    }
    res
}
