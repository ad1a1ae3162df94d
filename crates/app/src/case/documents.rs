//! Written documents of a case as printed: the one-time notice of missing
//! materials, the decision and rejection notices (built from the typed
//! decision, `domain::document::DecisionDoc`), and reading one back.

use jiuzhu_domain::document::DecisionDoc;

use jiuzhu_domain::notice;

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

fn issuer_for(tree: &RegionTree, l: &Loaded, case: &Case) -> String {
    match case.level {
        jiuzhu_domain::assistance::Level::County => {
            zh(Message::new("notice.issuer.county").arg("county", county_name(tree, &l.region)))
        }
        jiuzhu_domain::assistance::Level::Township => {
            format!("{}{}", county_name(tree, &l.region), township_name(tree, &l.region))
        }
    }
}

/// The decision notice of an approval, from the decision as stored.
pub(super) fn decision_doc(
    tree: &RegionTree,
    l: &Loaded,
    case: &Case,
    decision: &DecisionDoc,
    today: NaiveDate,
) -> DocumentData {
    let issuer = issuer_for(tree, l, case);
    let amount = case.amount.unwrap_or(Fen(0));
    let table = decision.derivation.clone();
    let first = decision.first_month;
    let payment = zh(notice::payment(case.kind, amount, first.map(|m| (m.year(), m.month()))));
    DocumentData {
        title: zh(Message::new("notice.decision.title").arg("kind", case.kind.label(Lang::Zh))),
        issuer: issuer.clone(),
        number: zh(Message::new("notice.case_number").arg("id", l.row.id)),
        addressee: zh(Message::new("notice.addressee").arg("name", &l.detail.applicant_name)),
        paragraphs: vec![
            zh(Message::new("notice.decision.body")
                .arg("date", format_date(Lang::Zh, case.accepted_on.unwrap_or(case.submitted_on)))
                .arg("kind", case.kind.label(Lang::Zh))),
            payment,
            text("notice.decision.report_changes"),
        ],
        items: Vec::new(),
        table,
        basis: text(notice::basis_key(case.kind)),
        appeal: text("notice.appeal"),
        date: format_date(Lang::Zh, today),
        seal: zh(Message::new("notice.seal").arg("issuer", &issuer)),
    }
}

/// The written notice of a rejection with its reasons.
pub(super) fn rejection_doc(
    tree: &RegionTree,
    l: &Loaded,
    case: &Case,
    reason: &str,
    today: NaiveDate,
) -> DocumentData {
    let issuer = issuer_for(tree, l, case);
    let mut table = Vec::new();
    if let Some(v) = case.verification {
        let number = if v.eligible { "notice.rejection.report_number" } else { "notice.rejection.report_findings" };
        table.push((text("notice.rejection.report"), zh(Message::new(number).arg("id", v.result_id))));
    }
    table.push((
        text("notice.rejection.opinion"),
        match case.opinion {
            Some(true) => text("notice.rejection.recommend_approval"),
            Some(false) => text("notice.rejection.recommend_rejection"),
            None => "—".to_string(),
        },
    ));
    DocumentData {
        title: zh(Message::new("notice.rejection.title").arg("kind", case.kind.label(Lang::Zh))),
        issuer: issuer.clone(),
        number: zh(Message::new("notice.case_number").arg("id", l.row.id)),
        addressee: zh(Message::new("notice.addressee").arg("name", &l.detail.applicant_name)),
        paragraphs: vec![zh(Message::new("notice.rejection.body")
            .arg("date", format_date(Lang::Zh, case.accepted_on.unwrap_or(case.submitted_on)))
            .arg("kind", case.kind.label(Lang::Zh)))],
        items: vec![reason.to_string()],
        table,
        basis: text(notice::basis_key(case.kind)),
        appeal: text("notice.appeal"),
        date: format_date(Lang::Zh, today),
        seal: zh(Message::new("notice.seal").arg("issuer", &issuer)),
    }
}

/// A document issued for a case, for printing.
pub async fn document(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: i64,
    document_id: i64,
) -> Result<(String, DocumentData)> {
    let target = Target::new("case", case_id, None);
    require(db, actor, now, Permission::CaseRead, "case_document_read", &target).await?;
    let mut tx = db.begin().await?;
    let loaded = case_or_deny!(tx, actor, now, case_id, "case_document_read");
    let found = store::case::documents_of_application(&mut tx, loaded.row.application_id)
        .await?
        .into_iter()
        .find(|d| d.id == document_id);
    let Some(doc) = found else { return Err(AppError::NotFound) };
    let data: DocumentData = serde_json::from_str(&doc.data).map_err(|e| AppError::Internal(e.to_string()))?;
    audit(
        &mut tx,
        actor,
        now,
        "case_document_read",
        &Target::new("case_document", document_id, Some(&loaded.region)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok((doc.kind, data))
}
