//! The length limits of every free-text input of the use cases other than
//! the registry's (whose forms check theirs in [`crate::input`]):
//! applications, case steps, referrals, the staff-relatives register,
//! verification objections and user accounts.
//!
//! Each form is checked as a whole before anything else, so every field
//! over its limit is named at once, by length (a huge value is never
//! echoed back in another message). The limits are the domain's
//! ([`jiuzhu_domain::limits`]).

use jiuzhu_domain::limits::{self, TextLimit, note, short};

use crate::auth::UserForm;
use crate::case::{ActionForm, ApplicationForm};
use crate::error::{AppError, FieldError, Result};
use crate::relatives::RelativeForm;
use crate::verification::ObjectionForm;

/// `Ok` when every `(limit, value)` fits; otherwise every field that does
/// not, each with its message.
pub(crate) fn check<'a>(fields: impl IntoIterator<Item = (TextLimit, &'a str)>) -> Result<()> {
    let errors: Vec<FieldError> = fields
        .into_iter()
        .filter_map(|(limit, value)| limit.check(value.trim()).err().map(|message| (limit, message)))
        .map(|(limit, message)| FieldError { field: limit.name, message })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(errors)) }
}

/// Codes chosen from a list (materials, needs, kinds): each is short.
fn codes<'a>(name: &'static str, values: &'a [String]) -> impl Iterator<Item = (TextLimit, &'a str)> {
    values.iter().map(move |v| (TextLimit { name, ..limits::CODE }, v.as_str()))
}

pub(crate) const REASON: TextLimit = note("理由", "reason");
pub(crate) const REFERRAL_NOTE: TextLimit = note("办理情况", "note");
pub(crate) const DECISION_NOTE: TextLimit = note("复核意见", "note");
/// How someone from the public can be reached about an objection.
pub(crate) const CONTACT: TextLimit = short("联系方式", "contact");

impl ApplicationForm {
    pub(crate) fn check_lengths(&self) -> Result<()> {
        let amounts = self.income.iter().chain(&self.deductions);
        check(
            [
                (TextLimit { name: "area", ..limits::CODE }, self.area.as_str()),
                (short("申报的亲属关系", "declared_relative"), &self.declared_relative),
                (TextLimit { name: "cause", ..limits::CODE }, &self.cause),
                (TextLimit { name: "requested_yuan", ..limits::MONEY }, &self.requested_yuan),
                (note("备注", "note"), &self.note),
            ]
            .into_iter()
            .chain(codes("kinds", &self.kinds))
            .chain(codes("provided", &self.provided))
            .chain(codes("needs", &self.needs))
            .chain(amounts.clone().map(|a| (TextLimit { name: "income", ..limits::CODE }, a.kind.as_str())))
            .chain(amounts.map(|a| (TextLimit { name: "income", ..limits::MONEY }, a.yuan.as_str()))),
        )
    }
}

impl ActionForm {
    pub(crate) fn check_lengths(&self) -> Result<()> {
        check(self.step.texts().into_iter().map(|(name, value)| {
            let limit = match name {
                "reason" => REASON,
                "investigators" => TextLimit::new("调查人员", "investigators", 200),
                "family_signatures" => TextLimit::new("签字的家庭成员", "family_signatures", 200),
                "participants" => TextLimit::new("参加人员", "participants", 200),
                "findings" => note("调查结论", "findings"),
                "conclusion" => note("评议结论", "conclusion"),
                "amount_yuan" => TextLimit { name: "amount_yuan", ..limits::MONEY },
                other => TextLimit { name: other, ..limits::CODE },
            };
            (limit, value)
        }))
    }
}

impl RelativeForm {
    pub(crate) fn check_lengths(&self) -> Result<()> {
        check([
            (TextLimit::new("工作人员姓名", "staff_name", 50), self.staff_name.as_str()),
            (short("职务", "staff_post"), &self.staff_post),
            (limits::REGION_CODE, &self.region_code),
            (TextLimit { name: "relative_id_number", ..limits::ID_NUMBER }, &self.relative_id_number),
            (TextLimit::new("亲属姓名", "relative_name", 50), &self.relative_name),
            (TextLimit::new("关系", "relation", 20), &self.relation),
        ])
    }
}

impl ObjectionForm {
    pub(crate) fn check_lengths(&self) -> Result<()> {
        check([
            (TextLimit { name: "rule", ..limits::CODE }, self.rule.as_str()),
            (note("异议理由", "reason"), &self.reason),
            (note("证据材料", "evidence"), &self.evidence),
        ])
    }
}

impl UserForm {
    pub(crate) fn check_lengths(&self) -> Result<()> {
        check(
            [
                (TextLimit::new("登录名", "login", 40), self.login.as_str()),
                (TextLimit::new("姓名", "display_name", 50), &self.display_name),
                (limits::PHONE, &self.phone),
                (limits::REGION_CODE, &self.region_code),
            ]
            .into_iter()
            .chain(codes("roles", &self.roles)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::StepForm;
    use jiuzhu_domain::Lang;

    #[test]
    fn every_overlong_field_is_named_with_its_limit() {
        let form = ActionForm {
            version: 1,
            step: StepForm::RecordSurvey {
                investigators: "李明、王芳".into(),
                family_signatures: "张三".into(),
                findings: "查".repeat(100_000),
            },
        };
        let Err(AppError::Invalid(errors)) = form.check_lengths() else { panic!("expected Invalid") };
        let shown: Vec<(&str, String)> = errors.iter().map(|e| (e.field, e.message.render(Lang::Zh))).collect();
        assert_eq!(shown, [("findings", "调查结论（findings）过长：最多2000个字符，现有100000个字符".to_string())]);
        let reject = ActionForm { version: 1, step: StepForm::Reject { reason: "因".repeat(2_001) } };
        let Err(AppError::Invalid(errors)) = reject.check_lengths() else { panic!("expected Invalid") };
        assert_eq!(errors[0].message.render(Lang::Zh), "理由（reason）过长：最多2000个字符，现有2001个字符");
        let ok = ActionForm { version: 1, step: StepForm::Reject { reason: "因".repeat(2_000) } };
        assert!(ok.check_lengths().is_ok());
    }

    #[test]
    fn applications_objections_relatives_and_users_are_bounded() {
        let application = ApplicationForm { note: "x".repeat(2_001), ..Default::default() };
        assert!(matches!(application.check_lengths(), Err(AppError::Invalid(e)) if e[0].field == "note"));
        let objection = ObjectionForm { rule: "owns_car".into(), reason: "x".repeat(5_000), evidence: String::new() };
        assert!(matches!(objection.check_lengths(), Err(AppError::Invalid(e)) if e[0].field == "reason"));
        let relative = RelativeForm { relative_name: "李".repeat(51), ..Default::default() };
        assert!(matches!(relative.check_lengths(), Err(AppError::Invalid(e)) if e[0].field == "relative_name"));
        let user = UserForm { display_name: "王".repeat(51), ..Default::default() };
        assert!(matches!(user.check_lengths(), Err(AppError::Invalid(e)) if e[0].field == "display_name"));
    }
}
