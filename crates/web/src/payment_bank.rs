//! The bank file and the bank's return over HTTP (issue 12 points 3/4): a
//! roll's bank page (`/payments/rolls/{id}/bank`: the exported file's
//! SHA-256, lines and total, 导出银行文件 as a download, 导入回盘文件 as an
//! upload whose refusal lists every problem with its line and changes
//! nothing, whose acceptance shows paid and failed counts and the
//! failures), the correction list (`/payments/corrections`: failed
//! payments in scope, a link to the household's account form and 已更正)
//! and the same under `/api/payments/rolls/{id}/export`,
//! `/api/payments/rolls/{id}/returns` and `/api/payments/corrections`.
//! Handlers call `jiuzhu_app::payment::{export, returns}`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::payment::export::{self, ExportedFile};
use jiuzhu_app::payment::returns::{self, CorrectionView, ReturnImported};
use jiuzhu_app::payment::roll::{self as pay, RollView};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::{Lang, tf};
use jiuzhu_domain::payment::roll::RollState;
use jiuzhu_domain::{Fen, Permission, RegionCode};
use serde::Deserialize;

use crate::error::{ApiErrorBody, ApiProblem, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, encode_rfc5987, fail, messages, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/payments/rolls/{id}/bank", get(bank_page))
        .route("/payments/rolls/{id}/export", post(export_page))
        .route("/payments/rolls/{id}/returns", post(import_page))
        .route("/payments/corrections", get(corrections_page))
        .route("/payments/corrections/{id}/resolve", post(resolve_page))
        .route("/api/payments/rolls/{id}/export", post(api_export))
        .route("/api/payments/rolls/{id}/returns", post(api_import))
        .route("/api/payments/corrections", get(api_corrections))
        .route("/api/payments/corrections/{id}/resolve", post(api_resolve))
}

/// The download of an exported file: its content type and a Chinese file
/// name every browser keeps (an ASCII fallback beside the UTF-8 one).
fn download(file: ExportedFile) -> Response {
    let fallback: String =
        file.file_name.chars().map(|c| if c.is_ascii_graphic() && c != '"' { c } else { '_' }).collect();
    let fallback = fallback.trim_start_matches('_').to_string();
    let disposition =
        format!("attachment; filename=\"payment_{fallback}\"; filename*=UTF-8''{}", encode_rfc5987(&file.file_name));
    let headers = [
        (header::CONTENT_TYPE, file.content_type.to_string()),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CACHE_CONTROL, "no-store".to_string()),
        (header::HeaderName::from_static("x-file-sha256"), file.summary.sha256.clone()),
    ];
    (headers, file.bytes).into_response()
}

fn roll_title(lang: Lang, r: &RollView) -> String {
    tf(
        lang,
        "payment.roll_title",
        &[("region", &r.region_name), ("month", &r.month.label(lang)), ("group", r.group.label(lang))],
    )
}

fn month_of(lang: Lang, yyyymm: i64) -> String {
    YearMonth::from_yyyymm(yyyymm).map(|m| m.label(lang)).unwrap_or_default()
}

/// A failed payment's row, in words, numbers masked.
struct CorrectionRow {
    id: i64,
    household_id: i64,
    payee: String,
    id_number: String,
    account: String,
    month: String,
    amount: String,
    reason: String,
    status: String,
    open: bool,
}

fn correction_row(tr: &Tr, c: &CorrectionView) -> CorrectionRow {
    let lang = tr.lang;
    CorrectionRow {
        id: c.id,
        household_id: c.household_id,
        payee: c.payee_name.clone(),
        id_number: c.id_number_masked.clone(),
        account: c.account_masked.clone(),
        month: month_of(lang, c.roll_month),
        amount: Fen(c.amount_fen).to_string(),
        reason: c.reason.clone(),
        status: if c.open {
            tr.t("payment.corrections.open").to_string()
        } else {
            tf(
                lang,
                "payment.corrections.resolved",
                &[
                    ("who", &tr.actor(c.resolved_by.as_deref().unwrap_or_default())),
                    ("at", &c.resolved_at.map(|at| tr.datetime(&at)).unwrap_or_default()),
                ],
            )
        },
        open: c.open,
    }
}

#[derive(Template)]
#[template(path = "payment_bank_roll.html")]
struct BankPage {
    tr: Tr,
    title: String,
    roll_id: i64,
    state: &'static str,
    sha256: String,
    file_lines: String,
    file_total: String,
    exported: bool,
    approved: bool,
    closed: bool,
    can_export: bool,
    can_import: bool,
    errors: Vec<String>,
    problems: Vec<String>,
    imported: String,
    failures: Vec<CorrectionRow>,
}

async fn bank_view(state: &AppState, auth: &Authed, lang: Lang, id: i64) -> Result<BankPage, AppError> {
    let detail = pay::roll_detail(&state.db, &auth.actor, state.now(), id, 1).await?;
    let r = detail.roll;
    let prepare = auth.actor.can(Permission::PaymentPrepare);
    let approved = matches!(r.state, RollState::Approved | RollState::Exported | RollState::Closed);
    Ok(BankPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        title: tf(lang, "payment.bank.title", &[("roll", &roll_title(lang, &r))]),
        roll_id: r.id,
        state: r.state.label(lang),
        sha256: r.file_sha256.clone().unwrap_or_default(),
        file_lines: r.file_lines.map(|n| n.to_string()).unwrap_or_default(),
        file_total: r.file_total_fen.map(|f| Fen(f).to_string()).unwrap_or_default(),
        exported: r.file_sha256.is_some(),
        approved,
        closed: r.state == RollState::Closed,
        can_export: prepare && jiuzhu_domain::payment::roll::export(r.state).is_ok(),
        can_import: prepare && r.state == RollState::Exported,
        errors: vec![],
        problems: vec![],
        imported: String::new(),
        failures: vec![],
    })
}

async fn bank_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    render(&bank_view(&state, &auth, lang, id).await.map_err(fail(lang))?)
}

async fn export_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    match export::export_file(&state.db, &auth.actor, state.now(), id).await {
        Ok(file) => Ok(download(file)),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let mut page = bank_view(&state, &auth, lang, id).await.map_err(fail(lang))?;
            page.errors = errors;
            refused(&page)
        }
    }
}

async fn import_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> PageResult {
    let form = match crate::upload::read_form(multipart).await {
        Ok(form) => form,
        Err(e) => {
            let mut page = bank_view(&state, &auth, lang, id).await.map_err(fail(lang))?;
            page.errors = vec![e.message().render(lang)];
            return refused(&page);
        }
    };
    match returns::import_return(&state.db, &auth.actor, state.now(), id, &form.file_name, &form.bytes).await {
        Ok(done) => {
            let mut page = bank_view(&state, &auth, lang, id).await.map_err(fail(lang))?;
            page.imported = imported_words(lang, &done);
            let listed = returns::list_corrections(&state.db, &auth.actor, state.now(), None, false)
                .await
                .map_err(fail(lang))?;
            page.failures = listed
                .iter()
                .filter(|c| done.corrections.contains(&c.id))
                .map(|c| correction_row(&page.tr, c))
                .collect();
            render(&page)
        }
        Err(AppError::Invalid(problems)) => {
            let mut page = bank_view(&state, &auth, lang, id).await.map_err(fail(lang))?;
            page.problems = problems.iter().map(|p| p.message.render(lang)).collect();
            refused(&page)
        }
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let mut page = bank_view(&state, &auth, lang, id).await.map_err(fail(lang))?;
            page.errors = errors;
            refused(&page)
        }
    }
}

fn imported_words(lang: Lang, done: &ReturnImported) -> String {
    tf(
        lang,
        "payment.bank.imported",
        &[
            ("paid", &done.paid.to_string()),
            ("paid_total", &Fen(done.paid_fen).to_string()),
            ("failed", &done.failed.to_string()),
            ("failed_total", &Fen(done.failed_fen).to_string()),
        ],
    )
}

#[derive(Debug, Default, Deserialize)]
struct CorrectionsParams {
    #[serde(default)]
    all: String,
}

#[derive(Template)]
#[template(path = "payment_bank_corrections.html")]
struct CorrectionsPage {
    tr: Tr,
    rows: Vec<CorrectionRow>,
    all: bool,
    can_resolve: bool,
    errors: Vec<String>,
}

async fn corrections_view(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    all: bool,
    errors: Vec<String>,
) -> Result<CorrectionsPage, AppError> {
    let list = returns::list_corrections(&state.db, &auth.actor, state.now(), None, !all).await?;
    let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
    Ok(CorrectionsPage {
        rows: list.iter().map(|c| correction_row(&tr, c)).collect(),
        tr,
        all,
        can_resolve: auth.actor.can(Permission::PaymentPrepare),
        errors,
    })
}

async fn corrections_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(params): Query<CorrectionsParams>,
) -> PageResult {
    let all = !params.all.is_empty();
    render(&corrections_view(&state, &auth, lang, all, vec![]).await.map_err(fail(lang))?)
}

async fn resolve_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    match returns::resolve_correction(&state.db, &auth.actor, state.now(), id).await {
        Ok(_) => Ok(Redirect::to("/payments/corrections").into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            refused(&corrections_view(&state, &auth, lang, false, errors).await.map_err(fail(lang))?)
        }
    }
}

/// Exports an approved roll's bank file (recorded on the roll; a second
/// export gives the same bytes). The file is the body; its name is in
/// `Content-Disposition`, its SHA-256 in `X-File-Sha256`.
#[utoipa::path(post, path = "/api/payments/rolls/{id}/export",
    responses((status = 200, description = "The bank file", content_type = "text/csv", body = Vec<u8>),
        (status = 403), (status = 404), (status = 409, body = ApiErrorBody)))]
pub(crate) async fn api_export(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(download(export::export_file(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct ReturnParams {
    /// The file's name as the bank sent it (recorded).
    #[serde(default)]
    file_name: String,
}

/// Imports the bank's return of an exported roll: the file (CSV or xlsx) is
/// the body. Applied whole, or refused whole (422) with every problem and
/// its line, nothing changed.
#[utoipa::path(post, path = "/api/payments/rolls/{id}/returns", params(ReturnParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ReturnImported), (status = 409, body = ApiErrorBody),
        (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_import(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Query(params): Query<ReturnParams>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = match crate::upload::api_body(body) {
        Ok(body) => body,
        Err(e) => return Ok(e.api_response(lang)),
    };
    match returns::import_return(&state.db, &actor, state.now(), id, &params.file_name, &body).await {
        Ok(done) => Ok(Json(done).into_response()),
        Err(AppError::Invalid(problems)) => {
            let problems = problems
                .iter()
                .map(|p| ApiProblem {
                    field: p.field.to_string(),
                    code: p.message.key.to_string(),
                    message: p.message.render(lang),
                })
                .collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(ApiErrorBody { error: "rejected".into(), problems }))
                .into_response())
        }
        Err(e) => Err(api_fail(lang)(e)),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct ApiCorrectionsParams {
    /// A region in the caller's scope; none: the whole scope.
    region: Option<String>,
    /// `true`: corrected ones too.
    #[serde(default)]
    all: bool,
}

/// The failed payments of the caller's scope to correct (or all), oldest
/// first, numbers masked.
#[utoipa::path(get, path = "/api/payments/corrections", params(ApiCorrectionsParams),
    responses((status = 200, body = Vec<CorrectionView>), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_corrections(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(params): Query<ApiCorrectionsParams>,
) -> ApiResult<Json<Vec<CorrectionView>>> {
    let region = match params.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(raw) => Some(RegionCode::parse(raw).map_err(|_| {
            api_fail(lang)(AppError::invalid("region", jiuzhu_domain::i18n::Message::new("payment.roll.error.region")))
        })?),
    };
    let list = returns::list_corrections(&state.db, &actor, state.now(), region.as_ref(), !params.all)
        .await
        .map_err(api_fail(lang))?;
    Ok(Json(list))
}

/// Marks a failed payment corrected once its account is fixed: its months
/// are paid once by the next roll or a supplementary roll.
#[utoipa::path(post, path = "/api/payments/corrections/{id}/resolve",
    responses((status = 200, body = CorrectionView), (status = 403), (status = 404), (status = 409, body = ApiErrorBody)))]
pub(crate) async fn api_resolve(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<CorrectionView>> {
    Ok(Json(returns::resolve_correction(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}
