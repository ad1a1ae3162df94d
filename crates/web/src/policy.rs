//! The assistance policy over HTTP: the policy page (versions, the national
//! defaults, a new version entered as people write it) and its API.
//! Handlers parse, call one use case of `jiuzhu_app::policy`, and render.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Form, Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::policy::{self, PolicyEntry, PolicyVersionView};
use jiuzhu_domain::Permission;
use jiuzhu_domain::assistance::AssistancePolicy;
use jiuzhu_domain::i18n::Lang;

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

#[derive(Template)]
#[template(path = "assistance_policy.html")]
struct PolicyPage {
    tr: Tr,
    versions: Vec<PolicyVersionView>,
    /// `(field, national default as JSON)`.
    defaults: Vec<(String, String)>,
    can_manage: bool,
    form: PolicyEntry,
    /// The entry's other fields as JSON text.
    patch_text: String,
    errors: Vec<String>,
}

async fn policies_page_for(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    form: PolicyEntry,
) -> Result<PolicyPage, AppError> {
    let versions = policy::assistance_policies(&state.db, &auth.actor, state.now()).await?;
    let defaults = serde_json::to_value(AssistancePolicy::default())
        .ok()
        .and_then(|v| v.as_object().cloned())
        .map(|m| m.into_iter().map(|(k, v)| (k, v.to_string())).collect())
        .unwrap_or_default();
    Ok(PolicyPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        versions,
        defaults,
        can_manage: auth.actor.can(Permission::PolicyManage),
        patch_text: match &form.patch {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            v => v.to_string(),
        },
        form,
        errors: Vec::new(),
    })
}

async fn policies_page(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    render(&policies_page_for(&state, &auth, lang, PolicyEntry::default()).await.map_err(fail(lang))?)
}

async fn save_policy(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(mut form): Form<PolicyEntry>,
) -> PageResult {
    // The page sends the other fields as JSON text.
    if let serde_json::Value::String(text) = &form.patch {
        form.patch = serde_json::from_str(text).unwrap_or(form.patch.clone());
    }
    let result = match form.parse() {
        Ok((region, from, patch)) => {
            policy::set_assistance_policy(&state.db, &auth.actor, state.now(), &region, from, &patch).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/assistance-policies").into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let mut page = policies_page_for(&state, &auth, lang, form).await.map_err(fail(lang))?;
            page.errors = errors;
            refused(&page)
        }
    }
}

/// The assistance policy versions inside or above the user's region.
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
