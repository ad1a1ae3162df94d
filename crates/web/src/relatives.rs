//! The staff-relatives register (近亲属备案) over HTTP: the register page,
//! a new entry, and the API. Handlers call `jiuzhu_app::relatives`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Form, Json, Router};
use jiuzhu_app::relatives::{self, RelativeForm, RelativeView};

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/staff-relatives", get(relatives_page).post(add_relative))
        .route("/api/staff-relatives", get(api_relatives).post(api_add_relative))
}

#[derive(Template)]
#[template(path = "relatives.html")]
struct RelativesPage {
    tr: Tr,
    relatives: Vec<RelativeView>,
    form: RelativeForm,
    errors: Vec<String>,
}

async fn relatives_page(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let relatives = relatives::staff_relatives(&state.db, &auth.actor, state.now()).await.map_err(fail(lang))?;
    render(&RelativesPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        relatives,
        form: RelativeForm::default(),
        errors: vec![],
    })
}

async fn add_relative(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(form): Form<RelativeForm>,
) -> PageResult {
    match relatives::add_staff_relative(&state.db, &auth.actor, state.now(), &form).await {
        Ok(_) => Ok(Redirect::to("/staff-relatives").into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let relatives =
                relatives::staff_relatives(&state.db, &auth.actor, state.now()).await.map_err(fail(lang))?;
            refused(&RelativesPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), relatives, form, errors })
        }
    }
}

/// The staff-relatives register of the user's region.
#[utoipa::path(get, path = "/api/staff-relatives", responses((status = 200, body = Vec<RelativeView>)))]
pub(crate) async fn api_relatives(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
) -> ApiResult<Json<Vec<RelativeView>>> {
    Ok(Json(relatives::staff_relatives(&state.db, &actor, state.now()).await.map_err(api_fail(lang))?))
}

/// Adds an entry to the staff-relatives register.
#[utoipa::path(post, path = "/api/staff-relatives", request_body = RelativeForm,
    responses((status = 201), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_add_relative(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Json(form): Json<RelativeForm>,
) -> ApiResult<StatusCode> {
    relatives::add_staff_relative(&state.db, &actor, state.now(), &form).await.map_err(api_fail(lang))?;
    Ok(StatusCode::CREATED)
}
