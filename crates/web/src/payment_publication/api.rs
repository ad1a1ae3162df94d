//! The payments people see, for scripts (issue 12 point 8): a household's
//! payment lines and a payee's yearly statement, and the month's
//! publication per village (the villages, one village's list, publishing
//! it). The same use cases as the pages (`jiuzhu_app::payment::{statement,
//! publication}`), so the same permissions, scope and audit; numbers are
//! masked and the publication has no field for an ID number, an account or
//! an address.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::payment::publication::{self, Publication, VillageMonthView};
use jiuzhu_app::payment::statement::{self, HouseholdPayments, Statement};
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::{Lang, Message};
use serde::Deserialize;

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::session::ApiAuthed;
use crate::{ApiLang, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/payments/households/{id}", get(api_household_payments))
        .route("/api/payments/households/{id}/statement", get(api_statement))
        .route("/api/payments/publication", get(api_villages))
        .route("/api/payments/publication/{village}/{month}", get(api_publication))
        .route("/api/payments/publication/{village}/{month}/publish", post(api_publish))
}

fn month_of(lang: Lang, raw: &str) -> ApiResult<YearMonth> {
    YearMonth::parse(raw.trim())
        .ok_or_else(|| api_fail(lang)(AppError::invalid("month", Message::new("payment.roll.error.month"))))
}

fn village_of(lang: Lang, raw: &str) -> ApiResult<RegionCode> {
    RegionCode::parse(raw.trim())
        .map_err(|_| api_fail(lang)(AppError::invalid("village", Message::new("payment.roll.error.region"))))
}

/// Every payment line of a household's payees in rolls past their draft,
/// newest first, with the result and any correction, and the statements
/// that can be printed (PaymentRead; the household in scope; audited).
#[utoipa::path(get, path = "/api/payments/households/{id}",
    responses((status = 200, body = HouseholdPayments), (status = 403), (status = 404)))]
pub(crate) async fn api_household_payments(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<HouseholdPayments>> {
    Ok(Json(statement::household_payments(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct StatementParams {
    /// The calendar year, `2026`.
    year: i32,
    /// A member's own line; absent: the household's line (in the head's name).
    person: Option<i64>,
}

/// A payee's statement of a year's payments, the ID number masked
/// (PaymentRead; the household in scope; audited as a sensitive read).
#[utoipa::path(get, path = "/api/payments/households/{id}/statement", params(StatementParams),
    responses((status = 200, body = Statement), (status = 403), (status = 404)))]
pub(crate) async fn api_statement(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Query(params): Query<StatementParams>,
) -> ApiResult<Json<Statement>> {
    let s = statement::statement(&state.db, &actor, state.now(), id, params.person, params.year)
        .await
        .map_err(api_fail(lang))?;
    Ok(Json(s))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct VillagesParams {
    /// The month, `2026-12`.
    month: String,
}

/// The villages of the caller's region with payees paid or waiting in the
/// month's approved rolls, and when each was published (PaymentRead).
#[utoipa::path(get, path = "/api/payments/publication", params(VillagesParams),
    responses((status = 200, body = Vec<VillageMonthView>), (status = 403), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_villages(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(params): Query<VillagesParams>,
) -> ApiResult<Json<Vec<VillageMonthView>>> {
    let month = month_of(lang, &params.month)?;
    Ok(Json(publication::villages(&state.db, &actor, state.now(), month).await.map_err(api_fail(lang))?))
}

/// A village's publication of a month as it would be published now: name,
/// household size, programme and amount of each payee, nothing else
/// (PaymentRead; the village in scope; audited).
#[utoipa::path(get, path = "/api/payments/publication/{village}/{month}",
    responses((status = 200, body = Publication), (status = 403), (status = 404), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_publication(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path((village, month)): Path<(String, String)>,
) -> ApiResult<Json<Publication>> {
    let (village, month) = (village_of(lang, &village)?, month_of(lang, &month)?);
    Ok(Json(publication::preview(&state.db, &actor, state.now(), &village, month).await.map_err(api_fail(lang))?))
}

/// Publishes a village's month on the public board (PaymentRead and
/// CaseHandle; the village in scope); refused (409) when nothing is paid
/// or waiting there that month.
#[utoipa::path(post, path = "/api/payments/publication/{village}/{month}/publish",
    responses((status = 200, body = Publication), (status = 403), (status = 404), (status = 409, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_publish(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path((village, month)): Path<(String, String)>,
) -> ApiResult<Json<Publication>> {
    let (village, month) = (village_of(lang, &village)?, month_of(lang, &month)?);
    Ok(Json(publication::publish(&state.db, &actor, state.now(), &village, month).await.map_err(api_fail(lang))?))
}
