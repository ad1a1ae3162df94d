//! A county's own bank file layout over HTTP (issue 12 point 3):
//! `/payments/layout` shows the layout in force (its columns in a table
//! with titles and widths, where it comes from, whether the policy uses
//! it, a sample of the first lines of a file in it, the versions recorded)
//! and, for the county's clerk, a plain form to enter a new version —
//! format, encoding, header and trailer, the columns in order with title
//! and width; a column added, removed or moved by the form's own buttons
//! (no script), checked and previewed before it is saved, every problem
//! naming its column. The same under `/api/payments/layout`. Handlers call
//! `jiuzhu_app::payment::layout`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::payment::layout::{
    self as layouts, ColumnBody, LayoutBody, LayoutInForce, LayoutSource, LayoutVersionView,
};
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::i18n::{Lang, Message, t};
use jiuzhu_domain::payment::layout::{BankField, BankFormat, TextEncoding};
use serde::Deserialize;

use crate::error::{ApiError, ApiErrorBody, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, options, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/payments/layout", get(layout_page).post(layout_post))
        .route("/api/payments/layout", get(api_layout).post(api_record))
}

/// Most columns the form offers (the domain's limit).
const MAX_ROWS: usize = jiuzhu_domain::payment::layout::MAX_COLUMNS;

/// A column as the page shows it.
struct ColumnRow {
    number: usize,
    field: String,
    content: &'static str,
    title: String,
    width: String,
    in_return: bool,
}

fn column_rows(lang: Lang, body: &LayoutBody) -> Vec<ColumnRow> {
    body.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let field = BankField::parse(&c.field);
            ColumnRow {
                number: i + 1,
                field: field.map(|f| f.code()).unwrap_or_default().to_string(),
                content: field.map(|f| f.label(lang)).unwrap_or_default(),
                title: c.title.clone(),
                width: c.width.map(|w| w.to_string()).unwrap_or_default(),
                in_return: field.is_some_and(BankField::is_return_only),
            }
        })
        .collect()
}

/// A layout's facts in words.
struct Facts {
    name: String,
    format: &'static str,
    encoding: &'static str,
    header: &'static str,
    trailer: &'static str,
    fixed: bool,
    columns: Vec<ColumnRow>,
    sample: Vec<String>,
    xlsx: bool,
}

fn facts(lang: Lang, body: &LayoutBody) -> Facts {
    let yes_no = |b: bool| t(lang, if b { "payment.layout.page.yes" } else { "payment.layout.page.no" });
    let format = BankFormat::parse(&body.format);
    Facts {
        name: body.name.clone(),
        format: format.map(|f| f.label(lang)).unwrap_or_default(),
        encoding: if format == Some(BankFormat::Xlsx) {
            t(lang, "payment.layout.page.encoding_xlsx")
        } else {
            TextEncoding::parse(&body.encoding).map(|e| e.label(lang)).unwrap_or_default()
        },
        header: yes_no(body.header),
        trailer: yes_no(body.trailer),
        fixed: format == Some(BankFormat::FixedWidth),
        columns: column_rows(lang, body),
        sample: body.parse().map(|(_, l)| layouts::sample(&l)).unwrap_or_default(),
        xlsx: format == Some(BankFormat::Xlsx),
    }
}

struct VersionRow {
    name: String,
    recorded_by: String,
    recorded_at: String,
    format: &'static str,
    columns: usize,
    in_force: bool,
}

#[derive(Template)]
#[template(path = "payment_layout.html")]
struct LayoutPage {
    tr: Tr,
    region_name: String,
    region_code: String,
    source: String,
    policy: &'static str,
    current: Facts,
    history: Vec<VersionRow>,
    can_change: bool,
    /// The form: what was entered (or the layout in force).
    form: LayoutBody,
    form_rows: Vec<ColumnRow>,
    form_facts: Option<Facts>,
    formats: Vec<(String, String)>,
    encodings: Vec<(String, String)>,
    fields: Vec<(String, String)>,
    errors: Vec<String>,
    saved: bool,
}

async fn page_for(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    region: Option<&RegionCode>,
    entered: Option<LayoutBody>,
) -> Result<LayoutPage, AppError> {
    let seen = layouts::layout_in_force(&state.db, &auth.actor, state.now(), region).await?;
    let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
    let source = match seen.source {
        LayoutSource::Default => t(lang, "payment.layout.page.source_default").to_string(),
        LayoutSource::Own => t(lang, "payment.layout.page.source_own").to_string(),
        LayoutSource::Inherited => t(lang, "payment.layout.page.source_inherited").to_string(),
    };
    let in_force = seen.version.as_ref().map(|v| v.id);
    let history = seen.history.iter().map(|v| version_row(&tr, v, in_force)).collect();
    let checked = entered.is_some();
    let form = entered.unwrap_or_else(|| seen.layout.clone());
    Ok(LayoutPage {
        region_name: seen.region_name.clone(),
        region_code: seen.region_code.clone(),
        source,
        policy: t(
            lang,
            if seen.policy_custom { "payment.layout.page.policy_custom" } else { "payment.layout.page.policy_default" },
        ),
        current: facts(lang, &seen.layout),
        history,
        can_change: seen.can_change,
        form_rows: column_rows(lang, &form),
        form_facts: checked.then(|| facts(lang, &form)),
        form,
        formats: options(BankFormat::ALL, BankFormat::code, |f| f.label(lang)),
        encodings: options(TextEncoding::ALL, TextEncoding::code, |e| e.label(lang)),
        fields: options(BankField::ALL, BankField::code, |f| f.label(lang)),
        errors: Vec::new(),
        saved: false,
        tr,
    })
}

fn version_row(tr: &Tr, v: &LayoutVersionView, in_force: Option<i64>) -> VersionRow {
    VersionRow {
        name: v.name.clone(),
        recorded_by: tr.actor(&v.recorded_by),
        recorded_at: tr.datetime(&v.recorded_at),
        format: BankFormat::parse(&v.layout.format).map(|f| f.label(tr.lang)).unwrap_or_default(),
        columns: v.layout.columns.len(),
        in_force: Some(v.id) == in_force,
    }
}

#[derive(Debug, Default, Deserialize)]
struct LayoutQuery {
    #[serde(default)]
    region: String,
    #[serde(default)]
    saved: String,
}

fn region_of(lang: Lang, raw: &str) -> Result<Option<RegionCode>, crate::error::PageError> {
    match raw.trim() {
        "" => Ok(None),
        raw => RegionCode::parse(raw)
            .map(Some)
            .map_err(|_| fail(lang)(AppError::invalid("region", Message::new("payment.layout.page.region")))),
    }
}

async fn layout_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(query): Query<LayoutQuery>,
) -> PageResult {
    let region = region_of(lang, &query.region)?;
    let mut page = page_for(&state, &auth, lang, region.as_ref(), None).await.map_err(fail(lang))?;
    page.saved = !query.saved.is_empty();
    render(&page)
}

/// The form as entered: the layout and the button pressed (`save`,
/// `check`, `add`, `remove:N`, `up:N`, `down:N`, N counted from 0).
fn form_body(entries: &[(String, String)]) -> (LayoutBody, String, String) {
    let get = |key: &str| entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let mut columns = Vec::new();
    for i in 0..MAX_ROWS {
        let Some(field) = entries.iter().find(|(k, _)| *k == format!("field_{i}")).map(|(_, v)| v.clone()) else {
            break;
        };
        let width = get(&format!("width_{i}"));
        columns.push(ColumnBody {
            field,
            title: get(&format!("title_{i}")),
            // A width that is not a number is kept out; the domain then
            // names the column as lacking one (fixed-width files).
            width: width.parse().ok(),
        });
    }
    let body = LayoutBody {
        name: get("name"),
        format: get("format"),
        encoding: get("encoding"),
        header: get("header") == "yes",
        trailer: get("trailer") == "yes",
        columns,
    };
    (body, get("op"), get("region"))
}

/// Applies a button that edits the rows; the return's columns are kept
/// after the file's (as the domain counts them).
fn edit_rows(body: &mut LayoutBody, op: &str) {
    let at = |prefix: &str| op.strip_prefix(prefix).and_then(|n| n.parse::<usize>().ok());
    let n = body.columns.len();
    if op == "add" && n < MAX_ROWS {
        let position = body.columns.iter().position(|c| BankField::parse(&c.field).is_some_and(|f| f.is_return_only()));
        let blank = ColumnBody { field: BankField::Memo.code().to_string(), title: String::new(), width: None };
        body.columns.insert(position.unwrap_or(n), blank);
    } else if let Some(i) = at("remove:").filter(|i| *i < n) {
        body.columns.remove(i);
    } else if let Some(i) = at("up:").filter(|i| *i > 0 && *i < n) {
        body.columns.swap(i - 1, i);
    } else if let Some(i) = at("down:").filter(|i| i + 1 < n) {
        body.columns.swap(i, i + 1);
    }
    let is_return = |c: &ColumnBody| BankField::parse(&c.field).is_some_and(|f| f.is_return_only());
    let (file, returned): (Vec<ColumnBody>, Vec<ColumnBody>) = body.columns.drain(..).partition(|c| !is_return(c));
    body.columns = file.into_iter().chain(returned).collect();
}

async fn layout_post(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(entries): Form<Vec<(String, String)>>,
) -> PageResult {
    let (mut body, op, region) = form_body(&entries);
    let region = region_of(lang, &region)?;
    edit_rows(&mut body, &op);
    let errors = if op == "save" {
        match layouts::record_layout(&state.db, &auth.actor, state.now(), region.as_ref(), &body).await {
            Ok(v) => {
                return Ok(Redirect::to(&format!("/payments/layout?region={}&saved=1", v.region_code)).into_response());
            }
            Err(e) => match messages(lang, &e) {
                Some(errors) => errors,
                None => return Err(fail(lang)(e)),
            },
        }
    } else if op != "check" {
        // Adding, removing or moving a column: the form again, checked later.
        Vec::new()
    } else {
        match body.parse() {
            Ok(_) => Vec::new(),
            Err(e) => messages(lang, &e).unwrap_or_default(),
        }
    };
    let mut page = page_for(&state, &auth, lang, region.as_ref(), Some(body)).await.map_err(fail(lang))?;
    if errors.is_empty() {
        return render(&page);
    }
    page.errors = errors;
    refused(&page)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct ApiLayoutParams {
    /// A county or township in the caller's scope; none: the caller's own region.
    region: Option<String>,
}

fn api_region(lang: Lang, raw: Option<&str>) -> Result<Option<RegionCode>, ApiError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(raw) => RegionCode::parse(raw)
            .map(Some)
            .map_err(|_| api_fail(lang)(AppError::invalid("region", Message::new("payment.layout.page.region")))),
    }
}

/// The bank file layout in force for a region (its own, a region's above,
/// or the 一卡通 default), whether the policy uses it, and the region's
/// versions.
#[utoipa::path(get, path = "/api/payments/layout", params(ApiLayoutParams),
    responses((status = 200, body = LayoutInForce), (status = 403), (status = 404), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_layout(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(params): Query<ApiLayoutParams>,
) -> ApiResult<Json<LayoutInForce>> {
    let region = api_region(lang, params.region.as_deref())?;
    Ok(Json(layouts::layout_in_force(&state.db, &actor, state.now(), region.as_ref()).await.map_err(api_fail(lang))?))
}

/// Records a new version of a county's bank file layout (the county's
/// clerk): refused (422) with every problem, each naming its column.
#[utoipa::path(post, path = "/api/payments/layout", params(ApiLayoutParams), request_body = LayoutBody,
    responses((status = 201, body = LayoutVersionView), (status = 403), (status = 404),
        (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_record(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(params): Query<ApiLayoutParams>,
    Json(body): Json<LayoutBody>,
) -> ApiResult<Response> {
    let region = api_region(lang, params.region.as_deref())?;
    let v =
        layouts::record_layout(&state.db, &actor, state.now(), region.as_ref(), &body).await.map_err(api_fail(lang))?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}
