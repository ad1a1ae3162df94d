//! The public notice board over HTTP, without sign-in: the villages with
//! notices, a village's notices, and objections from the public (page and
//! API). Handlers call `jiuzhu_app::notice_board`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::notice_board::{self, PublicNotice, PublicVillage};
use jiuzhu_domain::RegionCode;
use jiuzhu_domain::i18n::{Lang, t};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/public/notices", get(public_index))
        .route("/public/notices/{village}", get(public_village))
        .route("/public/notices/{village}/{notice}/objection", post(public_objection))
        .route("/api/public/notices", get(api_public_villages))
        .route("/api/public/notices/{village}", get(api_public_notices))
        .route("/api/public/notices/{village}/{notice}/objections", post(api_public_objection))
}

#[derive(Template)]
#[template(path = "public_notices.html")]
struct PublicIndexPage {
    tr: Tr,
    villages: Vec<PublicVillage>,
}

#[derive(Template)]
#[template(path = "public_village.html")]
struct PublicVillagePage {
    tr: Tr,
    code: String,
    name: String,
    notices: Vec<PublicNotice>,
    message: String,
}

async fn public_index(State(state): State<AppState>, UiLang(lang): UiLang) -> PageResult {
    let villages = notice_board::public_villages(&state.db, state.now()).await.map_err(fail(lang))?;
    render(&PublicIndexPage { tr: Tr::new(lang), villages })
}

async fn public_village_page(
    state: &AppState,
    lang: Lang,
    village: &str,
    message: String,
) -> Result<PublicVillagePage, AppError> {
    let code = RegionCode::parse(village).map_err(|_| AppError::NotFound)?;
    let (name, notices) = notice_board::public_notices(&state.db, state.now(), &code).await?;
    Ok(PublicVillagePage { tr: Tr::new(lang), code: code.to_string(), name, notices, message })
}

async fn public_village(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    Path(village): Path<String>,
) -> PageResult {
    render(&public_village_page(&state, lang, &village, String::new()).await.map_err(fail(lang))?)
}

/// An objection from the public.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct PublicObjectionForm {
    pub text: String,
    /// Optional: how to reach the person (kept with the objection, never published).
    pub contact: String,
}

async fn public_objection(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    Path((village, notice)): Path<(String, i64)>,
    crate::session::ClientIp(ip): crate::session::ClientIp,
    Form(form): Form<PublicObjectionForm>,
) -> PageResult {
    let result = match RegionCode::parse(&village) {
        Ok(code) => {
            notice_board::public_objection(&state.db, state.now(), &ip, &code, notice, &form.text, &form.contact).await
        }
        Err(_) => Err(AppError::NotFound),
    };
    let status = match &result {
        Err(AppError::TooMany(_)) => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let message = match &result {
        Ok(()) => t(lang, "public.objection.thanks").to_string(),
        Err(e) => match messages(lang, e) {
            Some(m) => m.join(" "),
            None => return Err(fail(lang)(result.err().unwrap_or(AppError::NotFound))),
        },
    };
    let page = public_village_page(&state, lang, &village, message).await.map_err(fail(lang))?;
    if result.is_ok() { render(&page) } else { render(&page).map(|r| (status, r).into_response()) }
}

/// Villages with public notices (no sign-in).
#[utoipa::path(get, path = "/api/public/notices", responses((status = 200, body = Vec<PublicVillage>)))]
pub(crate) async fn api_public_villages(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
) -> ApiResult<Json<Vec<PublicVillage>>> {
    Ok(Json(notice_board::public_villages(&state.db, state.now()).await.map_err(api_fail(lang))?))
}

/// The notices of a village (no sign-in): name, household size, amount, programme, dates.
#[utoipa::path(get, path = "/api/public/notices/{village}", responses((status = 200, body = Vec<PublicNotice>)))]
pub(crate) async fn api_public_notices(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    Path(village): Path<String>,
) -> ApiResult<Json<Vec<PublicNotice>>> {
    let code = RegionCode::parse(&village).map_err(|_| api_fail(lang)(AppError::NotFound))?;
    Ok(Json(notice_board::public_notices(&state.db, state.now(), &code).await.map_err(api_fail(lang))?.1))
}

/// Raises an objection to a notice of the village (no sign-in); at most 5
/// an hour from one address to one notice (429 after that).
#[utoipa::path(post, path = "/api/public/notices/{village}/{notice}/objections", request_body = PublicObjectionForm,
    responses((status = 201), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 429, body = ApiErrorBody)))]
pub(crate) async fn api_public_objection(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    Path((village, notice)): Path<(String, i64)>,
    crate::session::ClientIp(ip): crate::session::ClientIp,
    Json(form): Json<PublicObjectionForm>,
) -> ApiResult<StatusCode> {
    let village = RegionCode::parse(&village).map_err(|_| api_fail(lang)(AppError::NotFound))?;
    notice_board::public_objection(&state.db, state.now(), &ip, &village, notice, &form.text, &form.contact)
        .await
        .map_err(api_fail(lang))?;
    Ok(StatusCode::CREATED)
}
