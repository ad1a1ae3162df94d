//! Payees and accounts (收款账户) over HTTP: the household page's section
//! of payee lines (rendered here, placed by the household page), the form
//! that records or changes a line's account and its confirmation (the
//! change takes effect from the next roll; warnings shown, not blocking),
//! the audited reveal of a full number, the institutions' collective
//! accounts, the recipients owed without an account, and the same under
//! `/api/payments/payees/…`. Handlers call `jiuzhu_app::payee`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use jiuzhu_app::payee::{
    self, AccountForm, AccountSaved, HouseholdPayees, InstitutionForm, InstitutionView, MissingPayees,
    PayeeAccountView, PayeeLineView, RevealedAccount,
};
use jiuzhu_app::{Actor, AppError};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::{Lang, china_date, tf};
use jiuzhu_domain::payment::account::AccountHolder;
use jiuzhu_domain::{Permission, RegionCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/households/{id}/payees", post(save_account))
        .route("/households/{id}/payees/edit", get(account_form))
        .route("/payees/accounts/{id}/reveal", get(reveal_page))
        .route("/payees/institutions", get(institutions_page).post(add_institution))
        .route("/payees/missing", get(missing_page))
        .route("/api/payments/payees/households/{id}", get(api_household_payees))
        .route("/api/payments/payees/households/{id}/accounts", post(api_set_account))
        .route("/api/payments/payees/accounts/{id}/reveal", get(api_reveal))
        .route("/api/payments/payees/institutions", get(api_institutions).post(api_add_institution))
        .route("/api/payments/payees/missing", get(api_missing))
}

// ------------------------------------------------------------ words

/// Labels a page needs for a payee line and its accounts.
struct Words<'a> {
    tr: &'a Tr,
}

impl Words<'_> {
    fn colon(&self) -> &'static str {
        if self.tr.lang == Lang::Zh { "：" } else { ": " }
    }

    fn line_title(&self, line: &PayeeLineView) -> String {
        match line.person_id {
            None => format!("{}{}{}", self.tr.t("payee.line.household"), self.colon(), line.payee_name),
            Some(_) => tf(self.tr.lang, "payee.line.person", &[("name", &line.payee_name)]),
        }
    }

    /// `享受待遇：最低生活保障、…`.
    fn programs(&self, line: &PayeeLineView) -> String {
        let sep = if self.tr.lang == Lang::Zh { "、" } else { ", " };
        let list = line.programs.iter().map(|k| self.tr.t(k)).collect::<Vec<_>>().join(sep);
        format!("{}{}{list}", self.tr.t("payee.programs"), self.colon())
    }

    fn holder(&self, a: &PayeeAccountView) -> String {
        match (&a.holder, &a.institution_name) {
            (AccountHolder::Institution, Some(name)) if self.tr.lang == Lang::Zh => {
                format!("{}（{}）", self.tr.t(a.holder.message_key()), name)
            }
            (AccountHolder::Institution, Some(name)) => format!("{} ({})", self.tr.t(a.holder.message_key()), name),
            (h, _) => self.tr.t(h.message_key()).to_string(),
        }
    }

    fn custody(&self, a: &PayeeAccountView) -> String {
        if a.custodian.is_empty() {
            self.tr.t("payee.custody.none").to_string()
        } else {
            let (colon, sep) = (self.colon(), if self.tr.lang == Lang::Zh { "；" } else { "; " });
            let (custodian, agreement) = (self.tr.t("payee.custodian"), self.tr.t("payee.custody_agreement"));
            format!("{custodian}{colon}{}{sep}{agreement}{colon}{}", a.custodian, a.custody_agreement)
        }
    }
}

// ------------------------------------------------------------ household section

#[derive(Template)]
#[template(path = "payee_section.html")]
struct PayeeSection {
    tr: Tr,
    p: HouseholdPayees,
}

impl PayeeSection {
    fn line_title(&self, line: &PayeeLineView) -> String {
        Words { tr: &self.tr }.line_title(line)
    }
    fn programs(&self, line: &PayeeLineView) -> String {
        Words { tr: &self.tr }.programs(line)
    }
    fn holder(&self, a: &PayeeAccountView) -> String {
        Words { tr: &self.tr }.holder(a)
    }
    fn custody(&self, a: &PayeeAccountView) -> String {
        Words { tr: &self.tr }.custody(a)
    }
    fn edit_url(&self, line: &PayeeLineView) -> String {
        edit_url(self.p.household_id, line.person_id)
    }
}

fn edit_url(household: i64, person: Option<i64>) -> String {
    match person {
        None => format!("/households/{household}/payees/edit"),
        Some(p) => format!("/households/{household}/payees/edit?person={p}"),
    }
}

/// The household page's 收款账户 section, or nothing for a user who may not
/// read accounts.
pub(crate) async fn household_section(
    state: &AppState,
    actor: &Actor,
    tr: &Tr,
    household: i64,
) -> Result<String, AppError> {
    if !actor.can(Permission::PaymentRead) {
        return Ok(String::new());
    }
    let p = payee::household_payees(&state.db, actor, household, state.now()).await?;
    PayeeSection { tr: tr.clone(), p }.render().map_err(|e| AppError::Internal(e.to_string()))
}

// ------------------------------------------------------------ the form

/// The form as the page posts it (every field text).
#[derive(Debug, Clone, Default, Deserialize)]
struct AccountInput {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    holder: String,
    #[serde(default)]
    institution_id: String,
    #[serde(default)]
    bank: String,
    #[serde(default)]
    account_name: String,
    #[serde(default)]
    account_number: String,
    #[serde(default)]
    custodian: String,
    #[serde(default)]
    custody_agreement: String,
}

impl AccountInput {
    fn form(&self) -> AccountForm {
        AccountForm {
            person_id: self.person_id.trim().parse().ok(),
            holder: self.holder.clone(),
            institution_id: self.institution_id.trim().parse().ok(),
            bank: self.bank.clone(),
            account_name: self.account_name.clone(),
            account_number: self.account_number.clone(),
            custodian: self.custodian.clone(),
            custody_agreement: self.custody_agreement.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "payee_form.html")]
struct PayeeFormPage {
    tr: Tr,
    household_id: i64,
    external_id: String,
    line: PayeeLineView,
    /// `(code, label)` of the holders this line may take.
    holders: Vec<(String, String)>,
    institutions: Vec<InstitutionView>,
    input: AccountInput,
    errors: Vec<String>,
}

impl PayeeFormPage {
    fn line_title(&self) -> String {
        Words { tr: &self.tr }.line_title(&self.line)
    }
    fn programs(&self) -> String {
        Words { tr: &self.tr }.programs(&self.line)
    }
    fn holder(&self, a: &PayeeAccountView) -> String {
        Words { tr: &self.tr }.holder(a)
    }
    fn selected_institution(&self, id: &i64) -> bool {
        self.input.institution_id.trim() == id.to_string()
    }
}

#[derive(Debug, Default, Deserialize)]
struct LineQuery {
    #[serde(default)]
    person: String,
}

async fn form_page(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    household: i64,
    person: Option<i64>,
    input: Option<AccountInput>,
    errors: Vec<String>,
) -> Result<PayeeFormPage, AppError> {
    let p = payee::household_payees(&state.db, &auth.actor, household, state.now()).await?;
    if !p.can_manage {
        return Err(AppError::Forbidden);
    }
    let line = p.lines.iter().find(|l| l.person_id == person).cloned().ok_or(AppError::NotFound)?;
    let holders = line.allowed_holders.iter().map(|h| (h.code().to_string(), h.label(lang).to_string())).collect();
    let input = input.unwrap_or_else(|| {
        let holder = line.needed_holder.or(line.allowed_holders.first().copied()).unwrap_or(AccountHolder::Own);
        let mut input = AccountInput {
            person_id: person.map(|p| p.to_string()).unwrap_or_default(),
            holder: holder.code().to_string(),
            account_name: line.payee_name.clone(),
            ..Default::default()
        };
        if let Some(current) = &line.current {
            input.holder = current.holder.code().to_string();
            input.bank = current.bank.clone();
            input.account_name = current.account_name.clone();
            input.institution_id = current.institution_id.map(|i| i.to_string()).unwrap_or_default();
            input.custodian = current.custodian.clone();
            input.custody_agreement = current.custody_agreement.clone();
        }
        input
    });
    Ok(PayeeFormPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        household_id: household,
        external_id: p.external_id,
        line,
        holders,
        institutions: p.institutions,
        input,
        errors,
    })
}

async fn account_form(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Query(q): Query<LineQuery>,
) -> PageResult {
    let person = q.person.trim().parse().ok();
    render(&form_page(&state, &auth, lang, id, person, None, vec![]).await.map_err(fail(lang))?)
}

#[derive(Template)]
#[template(path = "payee_saved.html")]
struct PayeeSavedPage {
    tr: Tr,
    household_id: i64,
    saved: AccountSaved,
}

impl PayeeSavedPage {
    fn number_line(&self) -> String {
        let colon = if self.tr.lang == Lang::Zh { "：" } else { ": " };
        format!("{}{colon}{}", self.tr.t("payee.account_number"), self.saved.account_number)
    }

    fn warnings(&self) -> Vec<String> {
        self.saved.warnings.iter().map(|w| self.tr.msg(&w.message())).collect()
    }
}

async fn save_account(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Form(input): Form<AccountInput>,
) -> PageResult {
    let form = input.form();
    match payee::set_account(&state.db, &auth.actor, id, &form, state.now()).await {
        Ok(saved) => {
            render(&PayeeSavedPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), household_id: id, saved })
        }
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let mut input = input;
            input.account_number = String::new();
            let page =
                form_page(&state, &auth, lang, id, form.person_id, Some(input), errors).await.map_err(fail(lang))?;
            refused(&page)
        }
    }
}

// ------------------------------------------------------------ reveal

#[derive(Template)]
#[template(path = "payee_reveal.html")]
struct PayeeRevealPage {
    tr: Tr,
    a: RevealedAccount,
}

async fn reveal_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let a = payee::reveal_account(&state.db, &auth.actor, id, state.now()).await.map_err(fail(lang))?;
    render(&PayeeRevealPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), a })
}

// ------------------------------------------------------------ institutions

#[derive(Template)]
#[template(path = "payee_institutions.html")]
struct InstitutionsPage {
    tr: Tr,
    institutions: Vec<InstitutionView>,
    can_add: bool,
    form: InstitutionForm,
    errors: Vec<String>,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: String,
}

async fn institutions_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let institutions = payee::list_institutions(&state.db, &auth.actor, state.now()).await.map_err(fail(lang))?;
    render(&InstitutionsPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        institutions,
        can_add: auth.actor.can(Permission::PaymentPrepare),
        form: InstitutionForm::default(),
        errors: vec![],
        saved: q.saved == "1",
    })
}

async fn add_institution(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(form): Form<InstitutionForm>,
) -> PageResult {
    match payee::create_institution(&state.db, &auth.actor, &form, state.now()).await {
        Ok(_) => Ok(Redirect::to("/payees/institutions?saved=1").into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let institutions =
                payee::list_institutions(&state.db, &auth.actor, state.now()).await.map_err(fail(lang))?;
            refused(&InstitutionsPage {
                tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
                institutions,
                can_add: true,
                form,
                errors,
                saved: false,
            })
        }
    }
}

// ------------------------------------------------------------ missing

/// The month and region of the "without an account" list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct MissingQuery {
    /// `2026-12`; default: this month.
    #[serde(default)]
    month: String,
    /// A region code inside the user's region; default: the user's region.
    #[serde(default)]
    region: String,
}

impl MissingQuery {
    fn month(&self, state: &AppState) -> YearMonth {
        YearMonth::parse(&self.month).unwrap_or_else(|| YearMonth::of(china_date(state.now())))
    }

    fn region(&self) -> Option<RegionCode> {
        RegionCode::parse(&self.region).ok()
    }
}

#[derive(Template)]
#[template(path = "payee_missing.html")]
struct MissingPage {
    tr: Tr,
    m: MissingPayees,
    month_value: String,
    region: String,
}

impl MissingPage {
    fn title(&self) -> String {
        let (open, close) = if self.tr.lang == Lang::Zh { ("（", "）") } else { (" (", ")") };
        format!("{}{open}{}{close}", self.tr.t("payee.missing.title"), self.m.month.label(self.tr.lang))
    }
    fn line_url(&self, household: &i64) -> String {
        format!("/households/{household}#payees")
    }
}

async fn missing_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(q): Query<MissingQuery>,
) -> PageResult {
    let month = q.month(&state);
    let m = payee::missing_accounts(&state.db, &auth.actor, q.region().as_ref(), month, state.now())
        .await
        .map_err(fail(lang))?;
    render(&MissingPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        m,
        month_value: month.to_string(),
        region: q.region().map(|r| r.to_string()).unwrap_or_default(),
    })
}

// ------------------------------------------------------------ API

/// A household's payee lines with their current and past accounts (numbers masked).
#[utoipa::path(get, path = "/api/payments/payees/households/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdPayees), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_household_payees(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<HouseholdPayees>> {
    Ok(Json(payee::household_payees(&state.db, &actor, id, state.now()).await.map_err(api_fail(lang))?))
}

/// Records or changes the account of a payee line; it takes effect from the
/// next roll. Warnings (check digit, a differing name) come back with it.
#[utoipa::path(post, path = "/api/payments/payees/households/{id}/accounts", params(("id" = i64, Path)),
    request_body = AccountForm,
    responses((status = 201, body = AccountSaved), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_set_account(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Json(form): Json<AccountForm>,
) -> ApiResult<(StatusCode, Json<AccountSaved>)> {
    let saved = payee::set_account(&state.db, &actor, id, &form, state.now()).await.map_err(api_fail(lang))?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// The full number of an account (recorded in the audit log).
#[utoipa::path(get, path = "/api/payments/payees/accounts/{id}/reveal", params(("id" = i64, Path)),
    responses((status = 200, body = RevealedAccount), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_reveal(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<RevealedAccount>> {
    Ok(Json(payee::reveal_account(&state.db, &actor, id, state.now()).await.map_err(api_fail(lang))?))
}

/// The institutions' collective accounts in the user's region (numbers masked).
#[utoipa::path(get, path = "/api/payments/payees/institutions",
    responses((status = 200, body = Vec<InstitutionView>)))]
pub(crate) async fn api_institutions(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
) -> ApiResult<Json<Vec<InstitutionView>>> {
    Ok(Json(payee::list_institutions(&state.db, &actor, state.now()).await.map_err(api_fail(lang))?))
}

/// The id of what was created.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InstitutionCreated {
    id: i64,
}

/// Records an institution and its collective account (the county clerk).
#[utoipa::path(post, path = "/api/payments/payees/institutions", request_body = InstitutionForm,
    responses((status = 201, body = InstitutionCreated), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_add_institution(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Json(form): Json<InstitutionForm>,
) -> ApiResult<(StatusCode, Json<InstitutionCreated>)> {
    let id = payee::create_institution(&state.db, &actor, &form, state.now()).await.map_err(api_fail(lang))?;
    Ok((StatusCode::CREATED, Json(InstitutionCreated { id })))
}

/// The payee lines owed in a month without an account (for the roll's preparer).
#[utoipa::path(get, path = "/api/payments/payees/missing", params(MissingQuery),
    responses((status = 200, body = MissingPayees)))]
pub(crate) async fn api_missing(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(q): Query<MissingQuery>,
) -> ApiResult<Json<MissingPayees>> {
    let month = q.month(&state);
    Ok(Json(
        payee::missing_accounts(&state.db, &actor, q.region().as_ref(), month, state.now())
            .await
            .map_err(api_fail(lang))?,
    ))
}
