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

/// A notice's text from the catalogue (`domain::notice`), in Chinese:
/// notices are official documents.
pub(crate) fn zh(message: Message) -> String {
    message.render(Lang::Zh)
}

/// A notice's text without placeholders.
pub(crate) fn text(key: &'static str) -> String {
    zh(Message::new(key))
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
        title: text("notice.one_time.title"),
        issuer: format!("{}{}", county_name(tree, region), township),
        number: zh(Message::new("notice.household_number").arg("number", external_id)),
        addressee: zh(Message::new("notice.addressee").arg("name", &detail.applicant_name)),
        paragraphs: vec![
            zh(Message::new("notice.one_time.body")
                .arg("date", format_date(Lang::Zh, today))
                .arg("kinds", kinds.join("、"))
                .arg("window", if township.is_empty() { text("notice.one_time.window") } else { township.clone() })),
            text("notice.one_time.online"),
        ],
        items: missing.iter().map(|m| m.label(Lang::Zh).to_string()).collect(),
        table: Vec::new(),
        basis: text("notice.one_time.basis"),
        appeal: String::new(),
        date: format_date(Lang::Zh, today),
        seal: zh(Message::new("notice.seal")
            .arg("issuer", if township.is_empty() { county_name(tree, region) } else { township })),
    }
}
