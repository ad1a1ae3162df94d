//! Sign-in and administration pages: sign in and out, change one's
//! password, manage users (administrators, in their region), search the
//! audit log (auditors and administrators).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_app::Scope;
use jiuzhu_app::audit_log::{self, AuditQuery, AuditRow};
use jiuzhu_app::auth::{self, LoginError, UserForm, UserView};
use jiuzhu_domain::i18n::{Lang, Message};
use jiuzhu_domain::{RegionCode, Role};
use serde::Deserialize;

use crate::session::{Authed, ClientIp, clear_cookie, is_tls, random_token, session_cookie};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, refused, render};
use crate::{AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/password", get(password_page).post(change_password))
        .route("/users", get(users_page).post(create_user))
        .route("/users/new", get(new_user_page))
        .route("/users/{id}/edit", get(edit_user_page).post(update_user))
        .route("/users/{id}/password", post(reset_password))
        .route("/audit", get(audit_page))
}

/// Only a path of this site: never send a user elsewhere after signing in
/// (`/\evil.example`, `//evil.example` and their encodings are refused).
fn safe_next(next: &str) -> String {
    crate::redirect::safe_local_path(next).unwrap_or("/households").to_string()
}

// ------------------------------------------------------------------ sign in

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    next: String,
    login: String,
    errors: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn login_page(UiLang(lang): UiLang, Query(q): Query<NextQuery>) -> PageResult {
    render(&LoginPage { tr: Tr::new(lang), next: safe_next(&q.next), login: String::new(), errors: vec![] })
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let token = random_token();
    let csrf = random_token();
    let now = state.now();
    match auth::login(&state.db, now, &form.login, &form.password, &ip, &token, &csrf).await.map_err(fail(lang))? {
        Ok(session) => {
            let target = if session.must_change_password { "/password".to_string() } else { safe_next(&form.next) };
            Ok(([(header::SET_COOKIE, session_cookie(&token, is_tls(&headers)))], Redirect::to(&target))
                .into_response())
        }
        Err(error) => {
            // One answer whatever the reason, so that it does not tell which
            // logins exist or are locked.
            let (LoginError::Invalid | LoginError::Locked { .. } | LoginError::Throttled) = error;
            let message = Message::new("login.error.refused");
            let page = LoginPage {
                tr: Tr::new(lang),
                next: safe_next(&form.next),
                login: form.login,
                errors: vec![message.render(lang)],
            };
            render(&page).map(|r| (StatusCode::UNAUTHORIZED, r).into_response())
        }
    }
}

async fn logout(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    auth::logout(&state.db, &auth.actor, state.now(), &auth.token).await.map_err(fail(lang))?;
    Ok(([(header::SET_COOKIE, clear_cookie())], Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    tr: Tr,
    errors: Vec<String>,
    forced: bool,
}

async fn password_page(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let forced = auth::session(&state.db, state.now(), &auth.token, "")
        .await
        .ok()
        .flatten()
        .is_some_and(|s| s.must_change_password);
    render(&PasswordPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), errors: vec![], forced })
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    current: String,
    password: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
    if form.password != form.confirm {
        let page = PasswordPage { tr, errors: vec![Message::new("user.error.confirm").render(lang)], forced: false };
        return refused(&page);
    }
    let now = state.now();
    match auth::change_password(&state.db, &auth.actor, now, Some(&auth.token), &form.current, &form.password).await {
        Ok(()) => Ok(Redirect::to("/households").into_response()),
        Err(err) => {
            let Some(errors) = messages(lang, &err) else { return Err(fail(lang)(err)) };
            refused(&PasswordPage { tr, errors, forced: false })
        }
    }
}

// -------------------------------------------------------------------- users

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    tr: Tr,
    users: Vec<UserView>,
}

async fn users_page(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let users = auth::list_users(&state.db, &auth.actor, state.now()).await.map_err(fail(lang))?;
    render(&UsersPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), users })
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct UserFormPage {
    tr: Tr,
    title_key: &'static str,
    action: String,
    user_id: i64,
    form: UserForm,
    errors: Vec<String>,
    roles: Vec<(String, String, bool)>,
    with_password: bool,
}

fn role_options(lang: Lang, selected: &[String]) -> Vec<(String, String, bool)> {
    Role::ALL
        .iter()
        .map(|r| {
            (
                r.code().to_string(),
                jiuzhu_domain::i18n::t(lang, &r.message_key()).to_string(),
                selected.iter().any(|s| s == r.code()),
            )
        })
        .collect()
}

/// The form as posted: roles arrive as repeated `roles` fields.
fn parse_user_form(pairs: Vec<(String, String)>) -> (UserForm, String) {
    let mut form = UserForm::default();
    let mut password = String::new();
    for (k, v) in pairs {
        match k.as_str() {
            "login" => form.login = v,
            "display_name" => form.display_name = v,
            "phone" => form.phone = v,
            "region_code" => form.region_code = v,
            "roles" => form.roles.push(v),
            "disabled" => form.disabled = v == "true",
            "password" => password = v,
            _ => {}
        }
    }
    (form, password)
}

/// The user form: new when `user_id` is `None` (with a temporary
/// password), an edit otherwise.
fn user_form_page(
    lang: Lang,
    auth: &Authed,
    user_id: Option<i64>,
    form: UserForm,
    errors: Vec<String>,
) -> UserFormPage {
    UserFormPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        title_key: if user_id.is_some() { "user.edit" } else { "user.new" },
        action: user_id.map_or_else(|| "/users".to_string(), |id| format!("/users/{id}/edit")),
        user_id: user_id.unwrap_or(0),
        roles: role_options(lang, &form.roles),
        form,
        errors,
        with_password: user_id.is_none(),
    }
}

async fn new_user_page(UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let region = match &auth.actor.scope {
        Scope::All => String::new(),
        Scope::Region(r) => r.to_string(),
    };
    let form = UserForm { region_code: region, ..Default::default() };
    render(&user_form_page(lang, &auth, None, form, vec![]))
}

async fn create_user(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let (form, password) = parse_user_form(pairs);
    match auth::create_user(&state.db, &auth.actor, state.now(), &form, &password, true).await {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(err) => {
            let Some(errors) = messages(lang, &err) else { return Err(fail(lang)(err)) };
            refused(&user_form_page(lang, &auth, None, form, errors))
        }
    }
}

async fn edit_user_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let user = auth::get_user(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    render(&user_form_page(lang, &auth, Some(id), UserForm::from(user), vec![]))
}

async fn update_user(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let (form, _) = parse_user_form(pairs);
    match auth::update_user(&state.db, &auth.actor, state.now(), id, &form).await {
        Ok(()) => Ok(Redirect::to("/users").into_response()),
        Err(err) => {
            let Some(errors) = messages(lang, &err) else { return Err(fail(lang)(err)) };
            refused(&user_form_page(lang, &auth, Some(id), form, errors))
        }
    }
}

#[derive(Debug, Deserialize)]
struct ResetForm {
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Form(form): Form<ResetForm>,
) -> PageResult {
    auth::reset_password(&state.db, &auth.actor, state.now(), id, &form.password).await.map_err(fail(lang))?;
    Ok(Redirect::to("/users").into_response())
}

// -------------------------------------------------------------------- audit

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    tr: Tr,
    q: AuditParams,
    rows: Vec<AuditRow>,
    next_url: String,
}

impl AuditPage {
    /// Who acted (系统 for the command line).
    fn who(&self, r: &AuditRow) -> String {
        self.tr.actor(&r.login)
    }

    /// Where from (命令行 for the command line).
    fn address(&self, r: &AuditRow) -> String {
        if r.ip == "cli" { self.tr.t("actor.cli").to_string() } else { r.ip.clone() }
    }

    fn action_text(&self, r: &AuditRow) -> String {
        crate::describe::action(&self.tr, &r.action)
    }

    fn target_text(&self, r: &AuditRow) -> String {
        crate::describe::target(&self.tr, &r.target_kind, &r.target_id)
    }

    /// The values before and after, in words.
    fn change(&self, r: &AuditRow) -> String {
        crate::describe::audit_change(&self.tr, &r.before, &r.after)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct AuditParams {
    login: String,
    action: String,
    target: String,
    region: String,
    outcome: String,
    from: String,
    to: String,
    page: String,
}

fn day_start(text: &str) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    // Days are Beijing days.
    Some(date.and_hms_opt(0, 0, 0)?.and_utc() - chrono::Duration::hours(8))
}

async fn audit_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(q): Query<AuditParams>,
) -> PageResult {
    let page: i64 = q.page.parse().unwrap_or(1).max(1);
    // The target is `kind:id`, or a person's ID number.
    let person = jiuzhu_domain::IdNumber::parse(&q.target).ok();
    let (target_kind, target_id) = match q.target.split_once(':') {
        Some((k, id)) if person.is_none() => (Some(k.trim().to_string()), Some(id.trim().to_string())),
        _ => (None, None),
    };
    let query = AuditQuery {
        login: Some(q.login.trim().to_string()).filter(|s| !s.is_empty()),
        action: Some(q.action.trim().to_string()).filter(|s| !s.is_empty()),
        target_kind,
        target_id,
        person,
        region: RegionCode::parse(&q.region).ok(),
        denied_only: q.outcome == "denied",
        from: day_start(&q.from),
        to: day_start(&q.to).map(|t| t + chrono::Duration::days(1)),
        page,
    };
    let rows = audit_log::search(&state.db, &auth.actor, state.now(), &query).await.map_err(fail(lang))?;
    let next_url = format!(
        "/audit?login={}&action={}&target={}&region={}&outcome={}&from={}&to={}&page={}",
        q.login,
        q.action,
        q.target,
        q.region,
        q.outcome,
        q.from,
        q.to,
        page + 1
    );
    render(&AuditPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), q, rows, next_url })
}
