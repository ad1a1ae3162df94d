//! The one policy over HTTP: the policy page (every field by section with
//! the value in force for a region on a date and the version that set it,
//! the versions, and a form adding a version where every field is entered
//! as people write it) and its API. Handlers parse, call one use case of
//! `jiuzhu_app::policy`, and render.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Form, Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::policy::{self, PolicyEntry, PolicyForm, PolicyInForce, PolicyVersionView};
use jiuzhu_domain::i18n::{Lang, t, tf};
use jiuzhu_domain::policy::{FIELDS, Input, PolicySection};
use jiuzhu_domain::{Permission, RegionCode};
use serde::Deserialize;

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/assistance-policies", get(policies_page).post(save_policy))
        .route("/api/assistance-policies", get(api_policies).post(api_set_policy))
}

/// An input of the form.
#[derive(Debug, Default)]
struct InputView {
    /// `text`, `select`, `set` (a select and checkboxes) or `bands` (a
    /// select and rows).
    kind: &'static str,
    name: String,
    /// The label of a part; empty for a whole field.
    label: String,
    value: String,
    placeholder: String,
    suffix: String,
    /// `(code, label, selected)` of a select.
    options: Vec<(String, String, bool)>,
    /// `(code, label, checked)` of a set's checkboxes.
    items: Vec<(String, String, bool)>,
    /// A band per row: `(income name, income, amount name, amount)`.
    rows: Vec<(String, String, String, String)>,
}

/// A field as the page shows it.
struct FieldView {
    name: &'static str,
    label: &'static str,
    /// The value in force, in words.
    value: String,
    /// Which version set it, or the national default.
    source: String,
    /// Set by the region's own version.
    own: bool,
    inputs: Vec<InputView>,
}

struct SectionView {
    title: &'static str,
    fields: Vec<FieldView>,
}

/// A version as the page lists it: the fields it sets, in words.
struct VersionRow {
    version: PolicyVersionView,
    /// `城市低保标准（每人每月）：800.00元`.
    sets: Vec<String>,
}

#[derive(Template)]
#[template(path = "assistance_policy.html")]
struct PolicyPage {
    tr: Tr,
    in_force: PolicyInForce,
    /// `某县2026年1月1日执行的政策`.
    title: String,
    /// `为某县新增政策版本`.
    new_title: String,
    /// The region and date being looked at, as entered.
    region: String,
    on: String,
    sections: Vec<SectionView>,
    versions: Vec<VersionRow>,
    can_manage: bool,
    /// The new version's date, as entered.
    effective_from: String,
    errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct PolicyQuery {
    #[serde(default)]
    region: String,
    #[serde(default)]
    on: String,
}

/// The first entry of a name.
fn entry(entries: &[(String, String)], name: &str) -> String {
    entries.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

fn suffix(lang: Lang, input: &Input) -> String {
    let key = match input {
        Input::Money => "policy.suffix.money",
        Input::Count(unit) => unit.suffix_key(),
        Input::Percent | Input::PermillePercent => "policy.suffix.percent",
        Input::Multiple => "policy.suffix.multiple",
        Input::Area => "policy.suffix.area",
        Input::Divisor => "policy.suffix.divisor",
        _ => return String::new(),
    };
    t(lang, key).to_string()
}

fn select(lang: Lang, name: &str, value: &str, options: &[(&str, &str)]) -> InputView {
    let mut all = vec![(String::new(), t(lang, "policy.page.inherit").to_string(), value.is_empty())];
    all.extend(options.iter().map(|(code, key)| (code.to_string(), t(lang, key).to_string(), value == *code)));
    InputView { kind: "select", name: name.to_string(), value: value.to_string(), options: all, ..InputView::default() }
}

/// The inputs of one field, filled with what was entered; the placeholders
/// show the value in force.
fn inputs(
    lang: Lang,
    name: &str,
    input: &Input,
    entered: &[(String, String)],
    in_force: &[(String, String)],
) -> Vec<InputView> {
    let text = |name: &str, label: String, input: &Input| InputView {
        kind: "text",
        name: name.to_string(),
        label,
        value: entry(entered, name),
        placeholder: entry(in_force, name),
        suffix: suffix(lang, input),
        ..InputView::default()
    };
    match input {
        Input::YesNo => vec![select(lang, name, &entry(entered, name), &[("yes", "common.yes"), ("no", "common.no")])],
        Input::Choice(choices) => vec![select(lang, name, &entry(entered, name), &choices())],
        Input::Set(choices) => {
            let mut view = select(lang, name, &entry(entered, name), &[("set", "policy.page.set_checked")]);
            view.kind = "set";
            let item = format!("{name}.item");
            let checked: Vec<&str> = entered.iter().filter(|(k, _)| *k == item).map(|(_, v)| v.as_str()).collect();
            view.items = choices()
                .into_iter()
                .map(|(code, key)| (code.to_string(), t(lang, key).to_string(), checked.contains(&code)))
                .collect();
            vec![view]
        }
        Input::Parts(parts) => {
            parts.iter().map(|p| text(&format!("{name}.{}", p.name), t(lang, p.label).to_string(), &p.input)).collect()
        }
        Input::Bands => {
            let options = [("difference", "policy.value.difference"), ("banded", "policy.value.banded")];
            let mut view = select(lang, name, &entry(entered, name), &options);
            view.kind = "bands";
            let prefix = format!("{name}.below.");
            let rows = entered.iter().filter(|(k, _)| k.starts_with(&prefix)).count();
            view.rows = (0..rows + 3)
                .map(|i| {
                    let (below, amount) = (format!("{name}.below.{i}"), format!("{name}.amount.{i}"));
                    let (b, a) = (entry(entered, &below), entry(entered, &amount));
                    (below, b, amount, a)
                })
                .collect();
            vec![view]
        }
        _ => vec![text(name, String::new(), input)],
    }
}

fn source(lang: Lang, in_force: &PolicyInForce, field: &str) -> String {
    match in_force.source(field) {
        Some(v) => tf(
            lang,
            "policy.page.set_by",
            &[("region", &v.region_name), ("date", &jiuzhu_domain::i18n::format_date(lang, v.effective_from))],
        ),
        None => t(lang, "policy.page.default").to_string(),
    }
}

fn sections(lang: Lang, in_force: &PolicyInForce, entered: &[(String, String)]) -> Vec<SectionView> {
    PolicySection::ALL
        .iter()
        .map(|section| SectionView {
            title: section.message_key(),
            fields: FIELDS
                .iter()
                .filter(|f| f.section == *section)
                .map(|f| FieldView {
                    name: f.name,
                    label: f.label,
                    value: in_force.policy.show(f.name, lang).unwrap_or_default(),
                    source: source(lang, in_force, f.name),
                    own: in_force.source(f.name).is_some_and(|v| v.region_code == in_force.region_code),
                    inputs: inputs(lang, f.name, &f.input, entered, &in_force.policy.field_form(f.name)),
                })
                .collect(),
        })
        .collect()
}

/// The standards and verification thresholds in force, as the verification
/// page shows them.
pub(crate) struct Summary {
    /// `核对按各户所在区域现行的救助政策判断……`.
    pub(crate) intro: String,
    /// `(label, value, set by)`.
    pub(crate) rows: Vec<(String, String, String)>,
}

pub(crate) fn verification_summary(lang: Lang, in_force: &PolicyInForce) -> Summary {
    let date = jiuzhu_domain::i18n::format_date(lang, in_force.on);
    let intro = tf(lang, "policy.verification.intro", &[("region", &in_force.region_name), ("date", &date)]);
    let rows = FIELDS
        .iter()
        .filter(|f| {
            f.section == PolicySection::Verification || matches!(f.name, "dibao_urban" | "dibao_rural" | "area")
        })
        .map(|f| {
            let value = in_force.policy.show(f.name, lang).unwrap_or_default();
            (t(lang, f.label).to_string(), value, source(lang, in_force, f.name))
        })
        .collect();
    Summary { intro, rows }
}

fn version_rows(lang: Lang, versions: Vec<PolicyVersionView>) -> Vec<VersionRow> {
    versions
        .into_iter()
        .rev()
        .map(|version| {
            let sets = FIELDS
                .iter()
                .filter_map(|f| {
                    let value = version.patch.show(f.name, lang)?;
                    Some(tf(lang, "policy.page.label_value", &[("label", t(lang, f.label)), ("value", &value)]))
                })
                .collect();
            VersionRow { version, sets }
        })
        .collect()
}

/// The page for a region and date; the form holds `entered`, or else the
/// region's own version in force (a new version replaces it, so it starts
/// from what the region sets now).
async fn page_for(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    query: PolicyQuery,
    entered: Option<(Vec<(String, String)>, String)>,
) -> Result<PolicyPage, AppError> {
    let region = RegionCode::parse(query.region.trim()).ok();
    let on = jiuzhu_domain::dataset::parse_date(&query.on);
    let in_force = policy::policy_in_force(&state.db, &auth.actor, state.now(), region.as_ref(), on).await?;
    let versions = policy::assistance_policies(&state.db, &auth.actor, state.now()).await?;
    let (entries, effective_from) = match entered {
        Some(e) => e,
        None => (in_force.own.as_ref().map(|v| v.patch.to_form()).unwrap_or_default(), String::new()),
    };
    let date = jiuzhu_domain::i18n::format_date(lang, in_force.on);
    Ok(PolicyPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        title: tf(lang, "policy.page.in_force", &[("region", &in_force.region_name), ("date", &date)]),
        new_title: tf(lang, "policy.page.new", &[("region", &in_force.region_name)]),
        region: in_force.region_code.clone(),
        on: in_force.on.to_string(),
        sections: sections(lang, &in_force, &entries),
        versions: version_rows(lang, versions),
        can_manage: auth.actor.can(Permission::PolicyManage),
        in_force,
        effective_from,
        errors: Vec::new(),
    })
}

async fn policies_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(query): Query<PolicyQuery>,
) -> PageResult {
    render(&page_for(&state, &auth, lang, query, None).await.map_err(fail(lang))?)
}

async fn save_policy(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(entries): Form<Vec<(String, String)>>,
) -> PageResult {
    let form = PolicyForm::from_entries(entries);
    let result = match form.parse() {
        Ok((region, from, patch)) => {
            policy::set_assistance_policy(&state.db, &auth.actor, state.now(), &region, from, &patch)
                .await
                .map(|_| region)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(region) => Ok(Redirect::to(&format!("/assistance-policies?region={region}")).into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let query = PolicyQuery { region: form.region_code.clone(), on: String::new() };
            let entered = Some((form.entries, form.effective_from));
            let mut page = page_for(&state, &auth, lang, query, entered).await.map_err(fail(lang))?;
            page.errors = errors;
            refused(&page)
        }
    }
}

/// The policy versions inside or above the user's region.
#[utoipa::path(get, path = "/api/assistance-policies", responses((status = 200, body = Vec<PolicyVersionView>)))]
pub(crate) async fn api_policies(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
) -> ApiResult<Json<Vec<PolicyVersionView>>> {
    Ok(Json(policy::assistance_policies(&state.db, &actor, state.now()).await.map_err(api_fail(lang))?))
}

/// Stores a new policy version for a region.
#[utoipa::path(post, path = "/api/assistance-policies", request_body = PolicyEntry,
    responses((status = 201), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_set_policy(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Json(form): Json<PolicyEntry>,
) -> ApiResult<StatusCode> {
    let (region, from, patch) = form.parse().map_err(api_fail(lang))?;
    policy::set_assistance_policy(&state.db, &actor, state.now(), &region, from, &patch)
        .await
        .map_err(api_fail(lang))?;
    Ok(StatusCode::CREATED)
}
