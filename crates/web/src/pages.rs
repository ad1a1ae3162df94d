//! Server-rendered pages. One askama struct per template; the household
//! list also renders its results block alone for htmx requests.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::import::{ImportError, import_roster};
use jiuzhu_app::input::{HouseholdForm, MemberForm};
use jiuzhu_app::registry::{self, HouseholdDetail, HouseholdPage, RegionNode};
use jiuzhu_domain::i18n::{Lang, tf};
use jiuzhu_domain::{DisabilityKind, Program, RegionCode, Relation};
use serde::Deserialize;

use crate::error::PageError;
use crate::session::Authed;
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, options, refused, render};
use crate::{AppState, ListParams, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/households", get(household_list).post(create_household))
        .route("/households/new", get(new_household))
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/edit", get(edit_household).post(update_household))
        .route("/households/{id}/members", post(add_member))
        .route("/members/{id}/edit", get(edit_member).post(update_member))
        .route("/members/{id}/move", post(move_member))
        .route("/regions", get(regions_page))
        .route("/import", get(import_page).post(import_upload))
        .route("/export.xlsx", get(export))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The sidebar tree: county → townships → villages, opened along the
/// selected region. Counts are on the regions page, not here: counting
/// reads every household and the list must stay fast.
fn tree_html(nodes: &[RegionNode], selected: Option<&str>) -> String {
    fn walk(out: &mut String, nodes: &[RegionNode], parent: Option<&str>, selected: Option<&str>, roots: bool) {
        let children: Vec<&RegionNode> = nodes
            .iter()
            .filter(|n| n.level != "group")
            .filter(|n| {
                if roots {
                    !nodes.iter().any(|p| Some(p.code.as_str()) == n.parent_code.as_deref())
                } else {
                    n.parent_code.as_deref() == parent
                }
            })
            .collect();
        if children.is_empty() {
            return;
        }
        out.push_str("<ul>");
        for n in children {
            let prefix = RegionCode::parse(&n.code).map(|c| c.prefix().to_string()).unwrap_or_default();
            let on_path = selected.is_some_and(|s| s.starts_with(&prefix));
            let current = selected == Some(n.code.as_str());
            let link = format!(
                "<a href=\"/households?region={code}\"{cls} data-region=\"{code}\">{name}</a>",
                code = n.code,
                cls = if current { " class=\"current\"" } else { "" },
                name = escape(&n.name),
            );
            let has_children =
                nodes.iter().any(|c| c.parent_code.as_deref() == Some(n.code.as_str()) && c.level != "group");
            if has_children {
                let open =
                    if on_path || matches!(n.level.as_str(), "province" | "city" | "county") { " open" } else { "" };
                out.push_str(&format!("<li><details{open}><summary>{link}</summary>"));
                walk(out, nodes, Some(&n.code), selected, false);
                out.push_str("</details></li>");
            } else {
                out.push_str(&format!("<li>{link}</li>"));
            }
        }
        out.push_str("</ul>");
    }
    let mut out = String::new();
    walk(&mut out, nodes, None, selected, true);
    out
}

// ------------------------------------------------------------ household list

#[derive(Template)]
#[template(path = "households.html")]
struct HouseholdsPage {
    tr: Tr,
    query: ListParams,
    page: HouseholdPage,
    tree_html: String,
    region_name: String,
    programs: Vec<(String, String)>,
    prev_url: String,
    next_url: String,
}

#[derive(Template)]
#[template(path = "households.html", block = "results")]
struct HouseholdsResults {
    tr: Tr,
    page: HouseholdPage,
    region_name: String,
    prev_url: String,
    next_url: String,
}

fn list_url(params: &ListParams, page: u32) -> String {
    let mut p = params.clone();
    p.page = page.to_string();
    format!("/households?{}", serde_urlencoded_string(&p))
}

fn serde_urlencoded_string(p: &ListParams) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!("region={}&q={}&program={}&page={}", enc(&p.region), enc(&p.q), enc(&p.program), enc(&p.page))
}

async fn household_list(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
) -> PageResult {
    let actor = auth.actor.clone();
    let page =
        registry::search_households(&state.db, &actor, state.now(), &params.to_query()).await.map_err(fail(lang))?;
    let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
    let nodes = registry::region_tree_nodes(&state.db, &actor, state.now()).await.map_err(fail(lang))?;
    let region_name = page
        .region_code
        .as_deref()
        .and_then(|c| nodes.iter().find(|n| n.code == c))
        .map(|n| n.name.clone())
        .unwrap_or_default();
    let prev_url = list_url(&params, page.page.saturating_sub(1).max(1));
    let next_url = list_url(&params, page.page + 1);
    if headers.contains_key("HX-Request") {
        return render(&HouseholdsResults { tr, page, region_name, prev_url, next_url });
    }
    let tree_html = tree_html(&nodes, page.region_code.as_deref());
    let programs = options(Program::ALL, Program::code, |p| p.label(lang));
    let mut query = params;
    if query.region.is_empty() {
        query.region = page.region_code.clone().unwrap_or_default();
    }
    render(&HouseholdsPage { tr, query, page, tree_html, region_name, programs, prev_url, next_url })
}

// ----------------------------------------------------------- household page

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPageT {
    tr: Tr,
    d: HouseholdDetail,
    errors: Vec<String>,
    member: MemberForm,
    relations: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    /// Verification results, newest first (empty without the permission).
    results: Vec<jiuzhu_app::verification::ResultSummary>,
    can_verify: bool,
    /// Applications and cases of the household (empty without the permission).
    cases: Vec<jiuzhu_app::case::CaseLine>,
    can_apply: bool,
    /// The 收款账户 section (`crate::payee`), empty without the permission.
    payees_html: String,
    /// The 发放记录 section (`crate::payment_publication`), empty without the permission.
    payments_html: String,
}

/// The household's history in words (typed steps and events, issue 11).
impl HouseholdPageT {
    fn history_action(&self, h: &jiuzhu_app::registry::HistoryEntry) -> String {
        crate::describe::action(&self.tr, &h.action)
    }

    fn history_detail(&self, h: &jiuzhu_app::registry::HistoryEntry) -> String {
        crate::describe::history_detail(&self.tr, &h.action, &h.detail)
    }
}

impl HouseholdPageT {
    fn rule_labels(&self, rules: &[String]) -> String {
        crate::verification::rule_labels(self.tr.lang, rules)
    }

    /// The household's entitlements still owed (current) or past.
    fn entitlements(&self, current: &bool) -> Vec<&jiuzhu_app::entitlement::EntitlementView> {
        self.d.entitlements.iter().filter(|e| e.current == *current).collect()
    }

    /// `2026年1月至今`, `2026年1月至2026年6月`.
    fn period(&self, e: &jiuzhu_app::entitlement::EntitlementView) -> String {
        e.period(self.tr.lang)
    }

    /// Why an entitlement ended, in words.
    fn ended(&self, e: &jiuzhu_app::entitlement::EntitlementView) -> &'static str {
        e.ended_text(self.tr.lang)
    }

    /// The decision behind an entitlement: `案件12审批决定`.
    fn decision_label(&self, case_id: &i64) -> String {
        jiuzhu_domain::i18n::tf(self.tr.lang, "entitlement.decision.case", &[("id", &case_id.to_string())])
    }
}

fn relation_options(lang: Lang) -> Vec<(String, String)> {
    options(Relation::ALL, Relation::code, |r| r.label(lang))
}

fn kind_options(lang: Lang) -> Vec<(String, String)> {
    options(DisabilityKind::ALL, DisabilityKind::code, |k| k.label(lang))
}

#[derive(Debug, Deserialize, Default)]
struct RevealQuery {
    #[serde(default)]
    reveal: String,
}

async fn household_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Query(q): Query<RevealQuery>,
) -> PageResult {
    let reveal = q.reveal == "1";
    let d = registry::household_detail(&state.db, &auth.actor, id, state.now(), reveal).await.map_err(fail(lang))?;
    let member = MemberForm { relation: "child".into(), co_residing: true, ..Default::default() };
    let results = crate::verification::household_results(&state, &auth, id).await.map_err(fail(lang))?;
    let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
    render(&HouseholdPageT {
        tr: tr.clone(),
        d,
        errors: vec![],
        member,
        relations: relation_options(lang),
        kinds: kind_options(lang),
        results,
        can_verify: auth.actor.can(jiuzhu_domain::Permission::VerificationRun),
        cases: household_cases(&state, &auth, id).await.map_err(fail(lang))?,
        can_apply: auth.actor.can(jiuzhu_domain::Permission::CaseApply),
        payees_html: crate::payee::household_section(&state, &auth.actor, &tr, id).await.map_err(fail(lang))?,
        payments_html: crate::payment_publication::household_section(&state, &auth.actor, &tr, id)
            .await
            .map_err(fail(lang))?,
    })
}

async fn household_cases(
    state: &AppState,
    auth: &Authed,
    id: i64,
) -> Result<Vec<jiuzhu_app::case::CaseLine>, jiuzhu_app::AppError> {
    if !auth.actor.can(jiuzhu_domain::Permission::CaseRead) {
        return Ok(Vec::new());
    }
    jiuzhu_app::case::household_cases(&state.db, &auth.actor, state.now(), id).await
}

async fn add_member(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> PageResult {
    let actor = auth.actor.clone();
    match registry::add_member(&state.db, &actor, state.now(), id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}")).into_response()),
        Err(err) => {
            let Some(errors) = messages(lang, &err) else { return Err(fail(lang)(err)) };
            let d = registry::household_detail(&state.db, &actor, id, state.now(), false).await.map_err(fail(lang))?;
            let page = HouseholdPageT {
                tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
                d,
                errors,
                member: form,
                relations: relation_options(lang),
                kinds: kind_options(lang),
                results: crate::verification::household_results(&state, &auth, id).await.map_err(fail(lang))?,
                can_verify: auth.actor.can(jiuzhu_domain::Permission::VerificationRun),
                cases: household_cases(&state, &auth, id).await.map_err(fail(lang))?,
                can_apply: auth.actor.can(jiuzhu_domain::Permission::CaseApply),
                payees_html: crate::payee::household_section(
                    &state,
                    &auth.actor,
                    &Tr::signed_in(lang, &auth.actor, &auth.csrf),
                    id,
                )
                .await
                .map_err(fail(lang))?,
                payments_html: crate::payment_publication::household_section(
                    &state,
                    &auth.actor,
                    &Tr::signed_in(lang, &auth.actor, &auth.csrf),
                    id,
                )
                .await
                .map_err(fail(lang))?,
            };
            refused(&page)
        }
    }
}

// ---------------------------------------------------------- household forms

#[derive(Template)]
#[template(path = "household_form.html")]
struct HouseholdFormPage {
    tr: Tr,
    title: String,
    action: String,
    cancel: String,
    version: i64,
    errors: Vec<String>,
    household: HouseholdForm,
    with_head: bool,
    member: MemberForm,
    region_options: Vec<(String, String)>,
    programs: Vec<(String, String)>,
    relations: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
}

async fn region_options(state: &AppState, auth: &Authed, lang: Lang) -> Result<Vec<(String, String)>, PageError> {
    let nodes = registry::region_tree_nodes(&state.db, &auth.actor, state.now()).await.map_err(fail(lang))?;
    let name_of = |code: &str| nodes.iter().find(|n| n.code == code).map(|n| n.name.clone()).unwrap_or_default();
    Ok(nodes
        .iter()
        .filter(|n| n.level == "village" || n.level == "group")
        .map(|n| {
            let label = match (&n.parent_code, n.level.as_str()) {
                (Some(parent), "group") => {
                    let village = nodes.iter().find(|p| &p.code == parent);
                    let township = village.and_then(|v| v.parent_code.as_deref()).map(name_of).unwrap_or_default();
                    format!("{township}{}{}", village.map(|v| v.name.as_str()).unwrap_or(""), n.name)
                }
                (Some(parent), _) => format!("{}{}", name_of(parent), n.name),
                _ => n.name.clone(),
            };
            (n.code.clone(), label)
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn household_form_page(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    title_key: &str,
    action: String,
    cancel: String,
    version: i64,
    household: HouseholdForm,
    member: Option<MemberForm>,
    errors: Vec<String>,
) -> PageResult {
    let page = HouseholdFormPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        title: Tr::new(lang).t(title_key).to_string(),
        action,
        cancel,
        version,
        errors,
        household,
        with_head: member.is_some(),
        member: member.unwrap_or_default(),
        region_options: region_options(state, auth, lang).await?,
        programs: options(Program::ALL, Program::code, |p| p.label(lang)),
        relations: vec![("head".to_string(), Relation::Head.label(lang).to_string())],
        kinds: kind_options(lang),
    };
    render(&page)
}

async fn new_household(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let member = MemberForm { relation: "head".into(), co_residing: true, ..Default::default() };
    let household = HouseholdForm { program: "dibao".into(), ..Default::default() };
    household_form_page(
        &state,
        &auth,
        lang,
        "household.new",
        "/households".into(),
        "/households".into(),
        0,
        household,
        Some(member),
        vec![],
    )
    .await
}

/// The new-household form: household fields and the head's, the head's
/// prefixed with `head_` where names would clash.
#[derive(Debug, Deserialize)]
struct NewHouseholdForm {
    #[serde(flatten)]
    household: HouseholdForm,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    disability_level: String,
    #[serde(default)]
    disability_kind: String,
    #[serde(default)]
    co_residing: Option<String>,
    #[serde(default)]
    serious_illness: Option<String>,
}

async fn create_household(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(form): Form<NewHouseholdForm>,
) -> PageResult {
    let head = MemberForm {
        id_number: form.id_number,
        name: form.name,
        relation: "head".into(),
        co_residing: form.co_residing.is_some(),
        disability_level: form.disability_level,
        disability_kind: form.disability_kind,
        serious_illness: form.serious_illness.is_some(),
    };
    match registry::create_household(&state.db, &auth.actor, state.now(), &form.household, &head).await {
        Ok(id) => Ok(Redirect::to(&format!("/households/{id}")).into_response()),
        Err(err) => {
            let Some(errors) = messages(lang, &err) else { return Err(fail(lang)(err)) };
            household_form_page(
                &state,
                &auth,
                lang,
                "household.new",
                "/households".into(),
                "/households".into(),
                0,
                form.household,
                Some(head),
                errors,
            )
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
    }
}

async fn edit_household(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    // Editing shows the full phone number: recorded as a reveal.
    let d = registry::household_detail(&state.db, &auth.actor, id, state.now(), true).await.map_err(fail(lang))?;
    let back = format!("/households/{id}");
    household_form_page(
        &state,
        &auth,
        lang,
        "household.edit",
        format!("{back}/edit"),
        back,
        d.household.version,
        d.household.form,
        None,
        vec![],
    )
    .await
}

#[derive(Debug, Deserialize)]
struct EditHouseholdForm {
    #[serde(flatten)]
    household: HouseholdForm,
    #[serde(default)]
    version: String,
}

async fn update_household(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Form(form): Form<EditHouseholdForm>,
) -> PageResult {
    let version = form.version.parse().unwrap_or(0);
    match registry::update_household(&state.db, &auth.actor, state.now(), id, version, &form.household).await {
        Ok(()) => Ok(Redirect::to(&format!("/households/{id}")).into_response()),
        Err(err) => {
            let Some(errors) = messages(lang, &err) else { return Err(fail(lang)(err)) };
            let back = format!("/households/{id}");
            household_form_page(
                &state,
                &auth,
                lang,
                "household.edit",
                format!("{back}/edit"),
                back,
                version,
                form.household,
                None,
                errors,
            )
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
    }
}

// ------------------------------------------------------------- member forms

#[derive(Template)]
#[template(path = "member_form.html")]
struct MemberFormPage {
    tr: Tr,
    person_id: i64,
    household_id: i64,
    /// The version the edit started from (the one the user saw).
    version: i64,
    errors: Vec<String>,
    member: MemberForm,
    relations: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
}

async fn member_page(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    person_id: i64,
    form: Option<(i64, MemberForm)>,
    errors: Vec<String>,
) -> PageResult {
    let actor = auth.actor.clone();
    // Found through its household, so scope applies as for the household.
    let current = registry::member(&state.db, &actor, person_id, state.now()).await.map_err(fail(lang))?;
    // A refused edit shows the user's input again, with the version they
    // started from: saving it again after a conflict is a deliberate choice.
    let (version, member) = form.unwrap_or((current.version, current.form));
    let page = MemberFormPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        person_id,
        household_id: current.household_id,
        version,
        errors,
        member,
        relations: relation_options(lang),
        kinds: kind_options(lang),
    };
    render(&page)
}

async fn find_member(
    state: &AppState,
    actor: &jiuzhu_app::Actor,
    person_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(i64, MemberForm), AppError> {
    let member = registry::member(&state.db, actor, person_id, now).await?;
    Ok((member.household_id, member.form))
}

/// The member form as posted: the fields and the version the edit started
/// from (no `flatten`: form values are all text, and the checkboxes are
/// read by presence).
#[derive(Debug, Deserialize)]
struct EditMemberForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    relation: String,
    #[serde(default)]
    co_residing: Option<String>,
    #[serde(default)]
    disability_level: String,
    #[serde(default)]
    disability_kind: String,
    #[serde(default)]
    serious_illness: Option<String>,
    #[serde(default)]
    version: String,
}

async fn edit_member(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    member_page(&state, &auth, lang, id, None, vec![]).await
}

async fn update_member(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Form(form): Form<EditMemberForm>,
) -> PageResult {
    let actor = auth.actor.clone();
    let version = form.version.parse().unwrap_or(0);
    let form = MemberForm {
        id_number: form.id_number,
        name: form.name,
        relation: form.relation,
        co_residing: form.co_residing.is_some(),
        disability_level: form.disability_level,
        disability_kind: form.disability_kind,
        serious_illness: form.serious_illness.is_some(),
    };
    match registry::update_member(&state.db, &actor, state.now(), id, version, &form).await {
        Ok(()) => {
            let (household_id, _) = find_member(&state, &actor, id, state.now()).await.map_err(fail(lang))?;
            Ok(Redirect::to(&format!("/households/{household_id}")).into_response())
        }
        Err(err) => {
            let Some(errors) = messages(lang, &err) else { return Err(fail(lang)(err)) };
            member_page(&state, &auth, lang, id, Some((version, form)), errors)
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
struct MoveForm {
    target: String,
    relation: String,
}

async fn move_member(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> PageResult {
    let relation = Relation::parse(&form.relation).unwrap_or(Relation::Other);
    match registry::move_member(&state.db, &auth.actor, state.now(), id, &form.target, relation).await {
        Ok(target) => Ok(Redirect::to(&format!("/households/{target}")).into_response()),
        Err(err) => {
            let Some(errors) = messages(lang, &err) else { return Err(fail(lang)(err)) };
            member_page(&state, &auth, lang, id, None, errors)
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
    }
}

// ------------------------------------------------------------------ regions

struct RegionLine {
    code: String,
    name: String,
    level_key: &'static str,
    indent: usize,
    households: i64,
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    tr: Tr,
    rows: Vec<RegionLine>,
}

async fn regions_page(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let nodes = registry::region_overview(&state.db, &auth.actor, state.now()).await.map_err(fail(lang))?;
    let rows = nodes
        .into_iter()
        .filter(|n| n.level != "group")
        .filter_map(|n| {
            let code = RegionCode::parse(&n.code).ok()?;
            Some(RegionLine {
                level_key: code.level().message_key(),
                indent: code.level() as usize,
                code: n.code,
                name: n.name,
                households: n.households,
            })
        })
        .collect();
    render(&RegionsPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), rows })
}

// ------------------------------------------------------------ import/export

#[derive(Template, Default)]
#[template(path = "import.html")]
struct ImportPage {
    tr: Tr,
    summary: String,
    rejected: String,
    problems: Vec<(String, String, String)>,
    warnings: Vec<String>,
}

async fn import_page(UiLang(lang): UiLang, auth: Authed) -> PageResult {
    render(&ImportPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), ..Default::default() })
}

async fn import_upload(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    multipart: Multipart,
) -> PageResult {
    let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
    let bytes = match crate::upload::read_form(multipart).await {
        Ok(form) => form.bytes,
        Err(e) => {
            return refused(&ImportPage {
                tr,
                rejected: tf(lang, "import.error.rejected_count", &[("count", "1")]),
                problems: vec![(String::new(), String::new(), e.message().render(lang))],
                ..Default::default()
            });
        }
    };
    // A large file is imported in the background; its page shows the progress.
    if bytes.len() >= state.background_from {
        return match jiuzhu_app::job::start_roster_import(&state.db, &auth.actor, state.now(), &bytes).await {
            Ok(job) => Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response()),
            Err(e) => match messages(lang, &e) {
                Some(errors) => refused(&ImportPage { tr, rejected: errors.join(" "), ..Default::default() }),
                None => Err(fail(lang)(e)),
            },
        };
    }
    match import_roster(&state.db, &auth.actor, state.now(), &bytes).await {
        Ok(s) => render(&ImportPage {
            tr,
            summary: tf(
                lang,
                "import.done",
                &[
                    ("created", &s.created.to_string()),
                    ("updated", &s.updated.to_string()),
                    ("unchanged", &s.unchanged.to_string()),
                ],
            ),
            warnings: s.warnings.iter().map(|w| w.render(lang)).collect(),
            ..Default::default()
        }),
        Err(ImportError::Rejected(problems)) => {
            let page = ImportPage {
                tr,
                rejected: tf(lang, "import.error.rejected_count", &[("count", &problems.len().to_string())]),
                problems: problems
                    .iter()
                    .map(|p| {
                        (
                            p.line.map(|l| l.to_string()).unwrap_or_default(),
                            p.render_column(lang),
                            p.message.render(lang),
                        )
                    })
                    .collect(),
                ..Default::default()
            };
            refused(&page)
        }
        Err(ImportError::App(e)) => Err(fail(lang)(e)),
    }
}

async fn export(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(params): Query<ListParams>,
) -> PageResult {
    let region = RegionCode::parse(&params.region).ok();
    let data =
        registry::export_households(&state.db, &auth.actor, state.now(), region.as_ref()).await.map_err(fail(lang))?;
    let bytes = jiuzhu_files::export::roster_xlsx(&data).map_err(|e| fail(lang)(AppError::Internal(e.to_string())))?;
    let name = format!("roster-{}.xlsx", region.map(|r| r.prefix().to_string()).unwrap_or_else(|| "all".into()));
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(code: &str, name: &str, level: &str, parent: Option<&str>, n: i64) -> RegionNode {
        RegionNode {
            code: code.into(),
            name: name.into(),
            level: level.into(),
            parent_code: parent.map(Into::into),
            households: n,
        }
    }

    #[test]
    fn tree_opens_along_the_selection_and_escapes_names() {
        let nodes = [
            node("340102000000", "示范区", "county", Some("340100000000"), 3),
            node("340102001000", "城关<镇>", "township", Some("340102000000"), 2),
            node("340102001001", "东村", "village", Some("340102001000"), 2),
            node("340102001001001", "一组", "group", Some("340102001001"), 2),
        ];
        let html = tree_html(&nodes, Some("340102001001"));
        assert!(html.contains("城关&lt;镇&gt;"));
        assert!(html.contains("class=\"current\" data-region=\"340102001001\""));
        assert!(!html.contains("一组"), "groups stay out of the sidebar");
        assert_eq!(html.matches("<details open>").count(), 2);
    }
}
