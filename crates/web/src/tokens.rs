//! API tokens: a user's own ("我的令牌": issue, list with expiry and last
//! use, revoke), and an administrator's view of the tokens of a user they
//! manage (list, revoke); the same as JSON under `/api/tokens` and
//! `/api/users/{id}/tokens`. A token is shown once, when it is issued; a
//! caller authenticated by a token cannot issue another.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::auth::{self, IssuedToken, TokenForm, TokenView, Via};
use jiuzhu_domain::i18n::{Lang, Message};
use serde::Deserialize;

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::session::{ApiAuthed, ApiCaller, Authed, random_token};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(tokens_page).post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
        .route("/users/{id}/tokens", get(user_tokens_page))
        .route("/api/tokens", get(api_tokens).post(api_create_token))
        .route("/api/tokens/{id}/revoke", post(api_revoke_token))
        .route("/api/users/{id}/tokens", get(api_user_tokens))
}

// -------------------------------------------------------------------- pages

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    tr: Tr,
    title: String,
    tokens: Vec<TokenView>,
    /// The signed-in user's own tokens (with the form to issue one).
    own: bool,
    /// A token just issued, shown this once.
    issued: Option<String>,
    errors: Vec<String>,
    name: String,
    days: String,
}

fn own_page(lang: Lang, auth: &Authed, tokens: Vec<TokenView>) -> TokensPage {
    TokensPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        title: Tr::new(lang).t("tokens.title").to_string(),
        tokens,
        own: true,
        issued: None,
        errors: vec![],
        name: String::new(),
        days: "90".into(),
    }
}

async fn own_tokens(state: &AppState, auth: &Authed) -> Result<Vec<TokenView>, AppError> {
    let user_id = auth.actor.user_id.ok_or(AppError::Unauthenticated)?;
    auth::list_api_tokens(&state.db, &auth.actor, state.now(), user_id).await
}

async fn tokens_page(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let tokens = own_tokens(&state, &auth).await.map_err(fail(lang))?;
    render(&own_page(lang, &auth, tokens))
}

#[derive(Debug, Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

async fn create_token(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(form): Form<CreateForm>,
) -> PageResult {
    let user_id = auth.actor.user_id.ok_or(AppError::Unauthenticated).map_err(fail(lang))?;
    let days = form.days.trim();
    let parsed = if days.is_empty() { Ok(None) } else { days.parse::<i64>().map(Some) };
    let result = match parsed {
        // A number that does not parse is out of range, like 0.
        Err(_) => Err(AppError::invalid(
            "days",
            Message::new("token.error.days").arg("max", jiuzhu_domain::access::TokenPolicy::default().max_days),
        )),
        Ok(days) => {
            let token_form = TokenForm { name: form.name.clone(), days };
            let secret = random_token();
            auth::create_api_token(&state.db, &auth.actor, state.now(), Via::Session, user_id, &token_form, &secret)
                .await
        }
    };
    let tokens = own_tokens(&state, &auth).await.map_err(fail(lang))?;
    let mut page = own_page(lang, &auth, tokens);
    match result {
        Ok(issued) => {
            page.issued = Some(issued.token);
            render(&page)
        }
        Err(err) => {
            let Some(errors) = messages(lang, &err) else { return Err(fail(lang)(err)) };
            page.errors = errors;
            page.name = form.name;
            page.days = form.days;
            refused(&page)
        }
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let token = auth::revoke_api_token(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    let back = if auth.actor.user_id == Some(token.user_id) {
        "/tokens".to_string()
    } else {
        format!("/users/{}/tokens", token.user_id)
    };
    Ok(Redirect::to(&back).into_response())
}

async fn user_tokens_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let now = state.now();
    let user = auth::get_user(&state.db, &auth.actor, now, id).await.map_err(fail(lang))?;
    let tokens = auth::list_api_tokens(&state.db, &auth.actor, now, id).await.map_err(fail(lang))?;
    let own = auth.actor.user_id == Some(id);
    let mut page = own_page(lang, &auth, tokens);
    page.own = own;
    page.title = Message::new("tokens.of").arg("login", &user.login).render(lang);
    render(&page)
}

// ---------------------------------------------------------------------- API

/// The caller's API tokens, newest first: creation, expiry, last use (never the secret).
#[utoipa::path(get, path = "/api/tokens", responses((status = 200, body = Vec<TokenView>)))]
pub(crate) async fn api_tokens(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
) -> ApiResult<Json<Vec<TokenView>>> {
    let user_id = actor.user_id.ok_or(AppError::Unauthenticated).map_err(api_fail(lang))?;
    Ok(Json(auth::list_api_tokens(&state.db, &actor, state.now(), user_id).await.map_err(api_fail(lang))?))
}

/// Issues an API token for the caller (90 days unless `days` says otherwise,
/// at most 365). The secret is in this answer only. Needs a session: a
/// caller authenticated by a token cannot issue tokens (403).
#[utoipa::path(post, path = "/api/tokens", request_body = TokenForm,
    responses((status = 201, body = IssuedToken), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_create_token(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    caller: ApiCaller,
    Json(form): Json<TokenForm>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    let user_id = caller.actor.user_id.ok_or(AppError::Unauthenticated).map_err(api_fail(lang))?;
    let via = if caller.by_token { Via::Token } else { Via::Session };
    let secret = random_token();
    let issued = auth::create_api_token(&state.db, &caller.actor, state.now(), via, user_id, &form, &secret)
        .await
        .map_err(api_fail(lang))?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Revokes a token: one's own, or, for an administrator, a token of a user
/// they manage.
#[utoipa::path(post, path = "/api/tokens/{id}/revoke", params(("id" = i64, Path)),
    responses((status = 200, body = TokenView), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_revoke_token(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<TokenView>> {
    Ok(Json(auth::revoke_api_token(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

/// The API tokens of a user an administrator manages.
#[utoipa::path(get, path = "/api/users/{id}/tokens", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<TokenView>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_user_tokens(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(auth::list_api_tokens(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}
