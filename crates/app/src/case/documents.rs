//! Written documents of a case and the one-time notice of missing materials.

use super::*;

// ------------------------------------------------------------ documents

/// A notice as printed (always in Chinese: an official document): the
/// data of the `case_notice` template, stored when issued so that it
/// prints the same later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentData {
    pub title: String,
    /// The issuing body (the county 民政局, or the township where it decides).
    pub issuer: String,
    pub number: String,
    pub addressee: String,
    pub paragraphs: Vec<String>,
    /// A list (the missing materials, the reasons).
    pub items: Vec<String>,
    /// How the amount or the refusal was derived: label and value.
    pub table: Vec<(String, String)>,
    pub basis: String,
    pub appeal: String,
    pub date: String,
    pub seal: String,
}

pub(crate) fn county_name(tree: &RegionTree, region: &RegionCode) -> String {
    tree.path(region)
        .iter()
        .filter(|r| r.level() <= jiuzhu_domain::RegionLevel::County)
        .map(|r| r.name.as_str())
        .collect::<String>()
}

pub(crate) fn township_name(tree: &RegionTree, region: &RegionCode) -> String {
    tree.path(region)
        .iter()
        .find(|r| r.level() == jiuzhu_domain::RegionLevel::Township)
        .map(|r| r.name.clone())
        .unwrap_or_default()
}

pub(crate) fn one_time_notice_doc(
    tree: &RegionTree,
    region: &RegionCode,
    detail: &ApplicationDetail,
    missing: &[Material],
    today: NaiveDate,
    external_id: &str,
) -> DocumentData {
    let kinds: Vec<&str> = detail.kinds.iter().map(|k| k.label(Lang::Zh)).collect();
    let township = township_name(tree, region);
    DocumentData {
        title: "社会救助申请材料一次性告知书".into(),
        issuer: format!("{}{}", county_name(tree, region), township),
        number: format!("户编号：{external_id}"),
        addressee: format!("{}：", detail.applicant_name),
        paragraphs: vec![
            format!(
                "您于{}提出的{}申请，经审查，申请材料尚不齐全。请补齐下列全部材料后提交至{}社会救助服务窗口；材料齐全之日即为受理之日。",
                format_date(Lang::Zh, today),
                kinds.join("、"),
                if township.is_empty() { "乡镇（街道）".to_string() } else { township.clone() }
            ),
            "可通过政务服务平台获取的材料，无需重复提交。".into(),
        ],
        items: missing.iter().map(|m| m.label(Lang::Zh).to_string()).collect(),
        table: Vec::new(),
        basis: "依据《最低生活保障审核确认办法》（民发〔2021〕57号）第十条：申请材料不齐全的，应当一次性告知申请人需要补齐的材料。".into(),
        appeal: String::new(),
        date: format_date(Lang::Zh, today),
        seal: format!("{}（盖章）", if township.is_empty() { county_name(tree, region) } else { township }),
    }
}
