//! The working-day calendar over HTTP: the calendar page, loading a holiday
//! file, the November warning banner, and the API. Handlers call
//! `jiuzhu_app::calendar`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::routing::get;
use axum::{Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::calendar::{self, CalendarStatus};
use jiuzhu_domain::Permission;

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/calendar", get(calendar_page).post(load_calendar))
        .route("/admin/calendar/warning", get(calendar_warning))
        .route("/api/calendar", get(api_calendar).put(api_load_calendar))
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    tr: Tr,
    status: CalendarStatus,
    can_load: bool,
    errors: Vec<String>,
    loaded: Vec<i32>,
}

async fn calendar_page(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let status = calendar::calendar_status(&state.db, state.now()).await.map_err(fail(lang))?;
    render(&CalendarPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        status,
        can_load: auth.actor.can(Permission::CalendarManage),
        errors: vec![],
        loaded: vec![],
    })
}

#[derive(Template)]
#[template(path = "calendar_warning.html")]
struct CalendarWarning {
    tr: Tr,
    year: Option<i32>,
}

/// The red banner every page of an administrator loads (htmx): next year's
/// arrangement is missing. Only those who can load it are told; for
/// everyone else, and once it is loaded, the fragment is empty.
async fn calendar_warning(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let year = if auth.actor.can(Permission::CalendarManage) {
        calendar::calendar_status(&state.db, state.now()).await.map_err(fail(lang))?.missing_next_year
    } else {
        None
    };
    render(&CalendarWarning { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), year })
}

async fn load_calendar(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    mut multipart: Multipart,
) -> PageResult {
    let mut text = String::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| fail(lang)(AppError::Internal(e.to_string())))? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|e| fail(lang)(AppError::Internal(e.to_string())))?;
            text = jiuzhu_files::table::decode(&bytes).map(|(t, _)| t).unwrap_or_default();
        }
    }
    let result = calendar::load_calendar(&state.db, &auth.actor, state.now(), &text).await;
    let status = calendar::calendar_status(&state.db, state.now()).await.map_err(fail(lang))?;
    let can_load = auth.actor.can(Permission::CalendarManage);
    let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
    match result {
        Ok(loaded) => render(&CalendarPage { tr, status, can_load, errors: vec![], loaded }),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            refused(&CalendarPage { tr, status, can_load, errors, loaded: vec![] })
        }
    }
}

/// The working-day calendar: covered years and the November warning.
#[utoipa::path(get, path = "/api/calendar", responses((status = 200, body = CalendarStatus)))]
pub(crate) async fn api_calendar(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(_actor): ApiAuthed,
) -> ApiResult<Json<CalendarStatus>> {
    Ok(Json(calendar::calendar_status(&state.db, state.now()).await.map_err(api_fail(lang))?))
}

/// Loads a holiday file (`date,kind,name` lines) as the raw body.
#[utoipa::path(put, path = "/api/calendar", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Vec<i32>), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_load_calendar(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    body: Bytes,
) -> ApiResult<Json<Vec<i32>>> {
    let text = jiuzhu_files::table::decode(&body).map(|(t, _)| t).unwrap_or_default();
    Ok(Json(calendar::load_calendar(&state.db, &actor, state.now(), &text).await.map_err(api_fail(lang))?))
}
