//! Raw input as people type it (form fields, JSON bodies) and its parsing
//! into the domain's validated types, once, at the edge of the use cases.
//!
//! Web forms and the JSON API share these shapes, so both give the same
//! messages for the same mistakes.

use jiuzhu_domain::household::{Disability, DisabilityLevel, HouseholdFields, MemberFields, PersonName, parse_phone};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::limits::{self, TextLimit};
use jiuzhu_domain::{DisabilityKind, Fen, IdNumber, Program, RegionCode, Relation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, FieldError};

/// A household as entered: every field is text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct HouseholdForm {
    /// The bureau's household number (户编号).
    pub external_id: String,
    /// Region code, 6 to 15 digits.
    pub region_code: String,
    pub address: String,
    pub phone: String,
    /// Programme code (`dibao`, `tekun`, …) or its Chinese name; empty for none.
    pub program: String,
    /// Monthly benefit in 元 (`1,234.50`); empty for none.
    pub monthly_benefit_yuan: String,
}

/// A member as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MemberForm {
    pub id_number: String,
    pub name: String,
    /// Relation code (`head`, `spouse`, …) or its Chinese name.
    pub relation: String,
    pub co_residing: bool,
    /// 1–4, empty for none.
    pub disability_level: String,
    /// Kind code or Chinese name, empty for none.
    pub disability_kind: String,
    pub serious_illness: bool,
}

struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: &'static str, message: Message) {
        self.0.push(FieldError { field, message });
    }

    /// Checks the length of a field; a value over its limit is reported
    /// once, by length, and not parsed further (so a huge value is never
    /// echoed back in another message).
    fn fits(&mut self, limit: TextLimit, value: &str) -> bool {
        match limit.check(value) {
            Ok(()) => true,
            Err(message) => {
                self.add(limit.name, message);
                false
            }
        }
    }
}

impl HouseholdForm {
    pub fn from_fields(f: &HouseholdFields) -> HouseholdForm {
        HouseholdForm {
            external_id: f.external_id.clone(),
            region_code: f.region_code.to_string(),
            address: f.address.clone(),
            phone: f.phone.clone(),
            program: f.program.map(|p| p.code().to_string()).unwrap_or_default(),
            monthly_benefit_yuan: f.monthly_benefit.map(Fen::to_plain_yuan).unwrap_or_default(),
        }
    }

    pub fn parse(&self) -> Result<HouseholdFields, AppError> {
        let mut errors = Errors(Vec::new());
        let external_id = jiuzhu_domain::text::clean(&self.external_id);
        let address = jiuzhu_domain::text::clean(&self.address);
        let fits = [
            errors.fits(limits::EXTERNAL_ID, &external_id),
            errors.fits(limits::REGION_CODE, &self.region_code),
            errors.fits(limits::ADDRESS, &address),
            errors.fits(limits::PHONE, self.phone.trim()),
            errors.fits(limits::PROGRAM, &self.program),
            errors.fits(limits::MONEY, &self.monthly_benefit_yuan),
        ];
        if !fits.iter().all(|f| *f) {
            return Err(AppError::Invalid(errors.0));
        }
        if external_id.is_empty() {
            errors.add("external_id", Message::new("import.error.required"));
        }
        let region_code = RegionCode::parse(&self.region_code)
            .map_err(|_| {
                errors.add("region_code", Message::new("import.error.bad_region").arg("value", &self.region_code))
            })
            .ok();
        let phone = if self.phone.trim().is_empty() {
            String::new()
        } else {
            parse_phone(&self.phone).unwrap_or_else(|| {
                errors.add("phone", Message::new("import.error.bad_phone").arg("value", &self.phone));
                String::new()
            })
        };
        let program = if self.program.trim().is_empty() {
            None
        } else {
            let p = Program::parse(&self.program);
            if p.is_none() {
                errors.add("program", Message::new("import.error.bad_program").arg("value", &self.program));
            }
            p
        };
        let monthly_benefit = if self.monthly_benefit_yuan.trim().is_empty() {
            None
        } else {
            match Fen::parse_yuan(&self.monthly_benefit_yuan) {
                Ok(f) if f.0 >= 0 => Some(f),
                _ => {
                    errors.add(
                        "monthly_benefit_yuan",
                        Message::new("import.error.bad_money").arg("value", &self.monthly_benefit_yuan),
                    );
                    None
                }
            }
        };
        match (errors.0.is_empty(), region_code) {
            (true, Some(region_code)) => {
                Ok(HouseholdFields { external_id, region_code, address, phone, program, monthly_benefit })
            }
            _ => Err(AppError::Invalid(errors.0)),
        }
    }
}

impl MemberForm {
    pub fn from_fields(m: &MemberFields) -> MemberForm {
        MemberForm {
            id_number: m.id_number.to_string(),
            name: m.name.as_str().to_string(),
            relation: m.relation.code().to_string(),
            co_residing: m.co_residing,
            disability_level: m.disability.map(|d| d.level.get().to_string()).unwrap_or_default(),
            disability_kind: m.disability.map(|d| d.kind.code().to_string()).unwrap_or_default(),
            serious_illness: m.serious_illness,
        }
    }

    pub fn parse(&self) -> Result<MemberFields, AppError> {
        let mut errors = Errors(Vec::new());
        let fits = [
            errors.fits(limits::ID_NUMBER, self.id_number.trim()),
            errors.fits(limits::PERSON_NAME, &jiuzhu_domain::text::clean(&self.name)),
            errors.fits(limits::RELATION, &self.relation),
            errors.fits(limits::DISABILITY_LEVEL, &self.disability_level),
            errors.fits(limits::DISABILITY_KIND, &self.disability_kind),
        ];
        if !fits.iter().all(|f| *f) {
            return Err(AppError::Invalid(errors.0));
        }
        let id_number = IdNumber::parse(&self.id_number).map_err(|e| errors.add("id_number", e.to_message())).ok();
        let name = PersonName::parse(&self.name);
        if name.is_none() {
            errors.add("name", Message::new("import.error.bad_name").arg("value", &self.name));
        }
        let relation = Relation::parse(&self.relation);
        if relation.is_none() {
            errors.add("relation", Message::new("import.error.bad_relation").arg("value", &self.relation));
        }
        let level = (!self.disability_level.trim().is_empty()).then(|| DisabilityLevel::parse(&self.disability_level));
        let kind = (!self.disability_kind.trim().is_empty()).then(|| DisabilityKind::parse(&self.disability_kind));
        let disability = match (level, kind) {
            (None, None) => None,
            (Some(Some(level)), Some(Some(kind))) => Some(Disability { level, kind }),
            (Some(None), _) => {
                errors.add(
                    "disability_level",
                    Message::new("import.error.bad_disability_level").arg("value", &self.disability_level),
                );
                None
            }
            (_, Some(None)) => {
                errors.add(
                    "disability_kind",
                    Message::new("import.error.bad_disability_kind").arg("value", &self.disability_kind),
                );
                None
            }
            _ => {
                errors.add("disability_kind", Message::new("import.error.disability_incomplete"));
                None
            }
        };
        match (errors.0.is_empty(), id_number, name, relation) {
            (true, Some(id_number), Some(name), Some(relation)) => Ok(MemberFields {
                id_number,
                name,
                relation,
                co_residing: self.co_residing,
                disability,
                serious_illness: self.serious_illness,
            }),
            _ => Err(AppError::Invalid(errors.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn household_form_parses_or_names_each_field() {
        let form = HouseholdForm {
            external_id: " H1 ".into(),
            region_code: "340102001001".into(),
            program: "低保".into(),
            monthly_benefit_yuan: "1,360".into(),
            ..Default::default()
        };
        let fields = form.parse().unwrap();
        assert_eq!(
            (fields.external_id.as_str(), fields.program, fields.monthly_benefit),
            ("H1", Some(Program::Dibao), Some(Fen(136000)))
        );
        assert_eq!(HouseholdForm::from_fields(&fields).parse().unwrap(), fields);

        let bad = HouseholdForm {
            region_code: "123".into(),
            phone: "abc".into(),
            monthly_benefit_yuan: "-1".into(),
            ..Default::default()
        };
        let AppError::Invalid(errors) = bad.parse().unwrap_err() else { panic!("expected Invalid") };
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["external_id", "region_code", "phone", "monthly_benefit_yuan"]);
    }

    #[test]
    fn overlong_values_are_refused_by_length_naming_the_field() {
        let form = HouseholdForm {
            external_id: "H1".into(),
            region_code: "340102001001".into(),
            address: "路".repeat(100_000),
            ..Default::default()
        };
        let AppError::Invalid(errors) = form.parse().unwrap_err() else { panic!("expected Invalid") };
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].field, errors[0].message.key), ("address", "text.error.too_long"));
        assert!(errors[0].message.render(jiuzhu_domain::Lang::Zh).contains("家庭住址（address）过长：最多200个字符"));
        let ok = HouseholdForm { address: "路".repeat(200), ..form };
        assert!(ok.parse().is_ok());

        let member = MemberForm {
            id_number: "11010519491231002x".into(),
            name: "张".repeat(51),
            relation: "户主".into(),
            ..Default::default()
        };
        let AppError::Invalid(errors) = member.parse().unwrap_err() else { panic!("expected Invalid") };
        assert_eq!((errors[0].field, errors[0].message.key), ("name", "text.error.too_long"));
    }

    #[test]
    fn member_form_parses_or_names_each_field() {
        let form = MemberForm {
            id_number: "11010519491231002x".into(),
            name: "张三".into(),
            relation: "户主".into(),
            co_residing: true,
            disability_level: "2".into(),
            disability_kind: "肢体".into(),
            serious_illness: false,
        };
        let fields = form.parse().unwrap();
        assert_eq!(MemberForm::from_fields(&fields).parse().unwrap(), fields);
        let bad = MemberForm {
            id_number: "3.4E+17".into(),
            relation: "x".into(),
            disability_level: "2".into(),
            ..Default::default()
        };
        let AppError::Invalid(errors) = bad.parse().unwrap_err() else { panic!("expected Invalid") };
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["id_number", "name", "relation", "disability_kind"]);
    }
}
