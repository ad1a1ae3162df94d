//! The texts of the written notices to applicants: the one-time notice of
//! missing materials (一次性告知书), the decision notice (审批确认通知书)
//! and the rejection notice (不予批准通知书) — titles, paragraphs, the
//! labels of their tables, the legal basis of each programme and the
//! appeal rights. They are catalogue entries like every other text, with
//! English beside the Chinese; a notice is an official document and prints
//! in Chinese. The app fills the placeholders (names, dates, amounts) and
//! `jiuzhu-print` lays the notice out (`templates/case_notice.typ`).

use crate::assistance::CaseKind;
use crate::i18n::Message;
use crate::money::Fen;

/// The legal basis a decision on a case of this kind cites (its key).
pub fn basis_key(kind: CaseKind) -> &'static str {
    match kind {
        CaseKind::Dibao | CaseKind::DibaoIndividual => "notice.basis.dibao",
        CaseKind::Tekun => "notice.basis.tekun",
        CaseKind::TempEmergency | CaseKind::TempExpense => "notice.basis.temporary",
    }
}

/// How an approved amount is paid: temporary assistance once, the others
/// every month from the first month (when it is known).
pub fn payment(kind: CaseKind, amount: Fen, first_month: Option<(i32, u32)>) -> Message {
    match (kind.is_temporary(), first_month) {
        (true, _) => Message::new("notice.decision.pay_once").arg("amount", amount),
        (false, Some((year, month))) => {
            Message::new("notice.decision.pay_monthly").arg("amount", amount).arg("year", year).arg("month", month)
        }
        (false, None) => Message::new("notice.decision.amount").arg("amount", amount),
    }
}

pub static MESSAGES: &[(&str, &str, &str)] = &[
    // Every notice.
    ("notice.addressee", "{name}：", "{name}:"),
    ("notice.case_number", "案件编号：{id}", "Case no. {id}"),
    ("notice.household_number", "户编号：{number}", "Household no. {number}"),
    ("notice.issuer.county", "{county}民政局", "{county} Civil Affairs Bureau"),
    ("notice.seal", "{issuer}（盖章）", "{issuer} (seal)"),
    (
        "notice.appeal",
        "如对本决定不服，可以自收到本通知之日起六十日内向本级人民政府申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。",
        "If you disagree with this decision, you may apply to the people's government at this level for administrative reconsideration within sixty days of receiving this notice, or bring an administrative lawsuit before a people's court within six months.",
    ),
    // The one-time notice of missing materials.
    ("notice.one_time.title", "社会救助申请材料一次性告知书", "Notice of all materials missing from an application"),
    (
        "notice.one_time.body",
        "您于{date}提出的{kinds}申请，经审查，申请材料尚不齐全。请补齐下列全部材料后提交至{window}社会救助服务窗口；材料齐全之日即为受理之日。",
        "Your application for {kinds} of {date} has been examined and materials are missing. Please bring all of the materials below to the social assistance window of {window}; the application is accepted on the day it is complete.",
    ),
    ("notice.one_time.window", "乡镇（街道）", "the township (sub-district)"),
    (
        "notice.one_time.online",
        "可通过政务服务平台获取的材料，无需重复提交。",
        "Materials the government service platform provides need not be submitted again.",
    ),
    (
        "notice.one_time.basis",
        "依据《最低生活保障审核确认办法》（民发〔2021〕57号）第十条：申请材料不齐全的，应当一次性告知申请人需要补齐的材料。",
        "Article 10 of the Measures for the Review and Confirmation of Minimum Living Security (MCA [2021] No. 57): when an application is incomplete, the applicant is told at once of every material still needed.",
    ),
    // The decision notice.
    ("notice.decision.title", "{kind}审批确认通知书", "Notice of approval: {kind}"),
    (
        "notice.decision.body",
        "你（户）于{date}提出的{kind}申请，经调查核实、审核确认，符合条件，决定予以批准。",
        "Your (household's) application for {kind} of {date} has been investigated, reviewed and confirmed: it meets the conditions and is approved.",
    ),
    ("notice.decision.pay_once", "临时救助金{amount}，一次性发放。", "Temporary assistance of {amount}, paid once."),
    (
        "notice.decision.pay_monthly",
        "月保障金额{amount}，自{year}年{month}月起按月发放至家庭账户。",
        "A monthly amount of {amount}, paid into the household's account every month from {month}/{year}.",
    ),
    ("notice.decision.amount", "月保障金额{amount}。", "A monthly amount of {amount}."),
    (
        "notice.decision.report_changes",
        "请如实申报家庭人口、收入和财产变化情况，配合定期复核。",
        "Please report changes in the household's members, income and property truthfully, and take part in the regular reviews.",
    ),
    // The rejection notice.
    ("notice.rejection.title", "{kind}不予批准通知书", "Notice of rejection: {kind}"),
    (
        "notice.rejection.body",
        "你（户）于{date}提出的{kind}申请，经调查核实、审核确认，不符合条件，决定不予批准。理由如下：",
        "Your (household's) application for {kind} of {date} has been investigated, reviewed and confirmed: it does not meet the conditions and is not approved, for these reasons:",
    ),
    ("notice.rejection.report", "家庭经济状况核对报告", "Household financial verification report"),
    ("notice.rejection.report_number", "第{id}号", "No. {id}"),
    ("notice.rejection.report_findings", "第{id}号（有核对发现）", "No. {id} (with findings)"),
    ("notice.rejection.opinion", "初审意见", "Preliminary opinion"),
    ("notice.rejection.recommend_approval", "建议批准", "Recommends approval"),
    ("notice.rejection.recommend_rejection", "建议不予批准", "Recommends rejection"),
    // The legal basis of each programme.
    (
        "notice.basis.dibao",
        "《社会救助暂行办法》第九条至第十三条；《最低生活保障审核确认办法》（民发〔2021〕57号）第二十条至第二十三条。",
        "Articles 9 to 13 of the Interim Measures for Social Assistance; articles 20 to 23 of the Measures for the Review and Confirmation of Minimum Living Security (MCA [2021] No. 57).",
    ),
    (
        "notice.basis.tekun",
        "《社会救助暂行办法》第十四条至第十九条；《特困人员认定办法》（民发〔2021〕43号）第十六条至第十八条。",
        "Articles 14 to 19 of the Interim Measures for Social Assistance; articles 16 to 18 of the Measures for Identifying Persons in Extreme Poverty (MCA [2021] No. 43).",
    ),
    (
        "notice.basis.temporary",
        "《社会救助暂行办法》第四十七条至第五十条；《国务院关于全面建立临时救助制度的通知》（国发〔2014〕47号）。",
        "Articles 47 to 50 of the Interim Measures for Social Assistance; the State Council's Notice on Fully Establishing Temporary Assistance (SC [2014] No. 47).",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn payment_reads_once_or_monthly_from_the_first_month() {
        let zh = |m: Message| m.render(Lang::Zh);
        assert_eq!(
            zh(payment(CaseKind::TempExpense, Fen(80_000), Some((2026, 1)))),
            "临时救助金800.00元，一次性发放。"
        );
        assert_eq!(
            zh(payment(CaseKind::Dibao, Fen(126_000), Some((2026, 1)))),
            "月保障金额1,260.00元，自2026年1月起按月发放至家庭账户。"
        );
        assert_eq!(zh(payment(CaseKind::Tekun, Fen(110_000), None)), "月保障金额1,100.00元。");
    }

    #[test]
    fn every_programme_cites_its_basis() {
        for kind in CaseKind::ALL {
            assert!(crate::i18n::has_key(basis_key(*kind)), "{kind:?}");
        }
        assert!(crate::i18n::t(Lang::Zh, basis_key(CaseKind::DibaoIndividual)).contains("最低生活保障审核确认办法"));
    }
}
