//! Recoveries of overpayment over HTTP (追回, issue 12 point 5): the list
//! in scope (`/payments/recoveries`, open ones or all), a household's
//! overpayments found and recorded (`/payments/recoveries/find?household=`),
//! a recovery's page with its months, settlements and the settlement form
//! (`/payments/recoveries/{id}`), the household page's 追回记录 section
//! ([`household_section`]), and the same under `/api/payments/recoveries…`.
//! Handlers call `jiuzhu_app::payment::recovery`; pages show words, money
//! as 1,234.50元 and dates as 2026年12月1日, never codes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use jiuzhu_app::payment::recovery::{
    self as recovery, OverpaymentView, RecoveryDetail, RecoveryForm, RecoveryMonthView, RecoveryView, SettleForm,
};
use jiuzhu_app::{Actor, AppError};
use jiuzhu_domain::entitlement::{Recipient, YearMonth, program_key};
use jiuzhu_domain::i18n::{Lang, Message, china_date, t, tf};
use jiuzhu_domain::payment::recovery::{RecoveryCause, RecoveryState, SettlementKind};
use jiuzhu_domain::{Fen, Permission, Program, RegionCode};
use serde::Deserialize;

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/payments/recoveries", get(list_page).post(record_page))
        .route("/payments/recoveries/find", get(find_page))
        .route("/payments/recoveries/{id}", get(detail_page))
        .route("/payments/recoveries/{id}/settle", post(settle_page))
        .route("/api/payments/recoveries", get(api_list).post(api_record))
        .route("/api/payments/recoveries/overpayments", get(api_overpayments))
        .route("/api/payments/recoveries/{id}", get(api_detail))
        .route("/api/payments/recoveries/{id}/settlements", post(api_settle))
}

fn money(fen: i64) -> String {
    Fen(fen).to_string()
}

fn month_label(lang: Lang, yyyymm: i64) -> String {
    YearMonth::from_yyyymm(yyyymm).map(|m| m.label(lang)).unwrap_or_default()
}

fn program_label(lang: Lang, program: &str, personal: bool) -> &'static str {
    let recipient = if personal { Recipient::Person(0) } else { Recipient::Household };
    Program::parse(program).map(|p| t(lang, program_key(p, recipient))).unwrap_or_default()
}

fn cause_label(lang: Lang, code: &str) -> &'static str {
    RecoveryCause::parse(code).map(|c| c.label(lang)).unwrap_or_default()
}

fn state_label(lang: Lang, code: &str) -> &'static str {
    RecoveryState::parse(code).map(|s| s.label(lang)).unwrap_or_default()
}

fn months_text(lang: Lang, months: &[RecoveryMonthView]) -> String {
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    months.iter().map(|o| month_label(lang, o.month)).collect::<Vec<_>>().join(sep)
}

/// A month of a recovery or an overpayment, in words.
struct MonthRow {
    month: String,
    paid: String,
    owed: String,
    excess: String,
}

fn month_rows(lang: Lang, months: &[RecoveryMonthView]) -> Vec<MonthRow> {
    months
        .iter()
        .map(|o| MonthRow {
            month: month_label(lang, o.month),
            paid: money(o.paid_fen),
            owed: money(o.owed_fen),
            excess: money(o.excess_fen),
        })
        .collect()
}

/// A recovery's row in a list.
struct RecoveryRow {
    id: i64,
    household_id: i64,
    debtor: String,
    program: &'static str,
    cause: &'static str,
    months: String,
    amount: String,
    settled: String,
    outstanding: String,
    state: &'static str,
    open: bool,
    recorded: String,
}

fn recovery_row(tr: &Tr, r: &RecoveryView) -> RecoveryRow {
    let lang = tr.lang;
    RecoveryRow {
        id: r.id,
        household_id: r.household_id,
        debtor: r.debtor_name.clone(),
        program: program_label(lang, &r.program, r.person_id.is_some()),
        cause: cause_label(lang, &r.cause),
        months: months_text(lang, &r.months),
        amount: money(r.amount_fen),
        settled: money(r.settled_fen),
        outstanding: money(r.outstanding_fen),
        state: state_label(lang, &r.state),
        open: r.state == RecoveryState::Open.code(),
        recorded: tr.date(&china_date(r.recorded_at)),
    }
}

// ---------------------------------------------------------------- the list

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    #[serde(default)]
    all: String,
}

#[derive(Template)]
#[template(path = "payment_recoveries.html")]
struct ListPage {
    tr: Tr,
    rows: Vec<RecoveryRow>,
    all: bool,
}

async fn list_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(params): Query<ListParams>,
) -> PageResult {
    let all = !params.all.is_empty();
    let list = recovery::list_recoveries(&state.db, &auth.actor, state.now(), None, !all).await.map_err(fail(lang))?;
    let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
    render(&ListPage { rows: list.iter().map(|r| recovery_row(&tr, r)).collect(), tr, all })
}

// ------------------------------------------------- finding and recording

#[derive(Debug, Default, Deserialize)]
struct FindParams {
    household: i64,
}

/// An overpaid payee line with its record form.
struct FoundRow {
    payee: String,
    program: &'static str,
    program_code: String,
    person_id: String,
    cause: &'static str,
    months: Vec<MonthRow>,
    amount: String,
    amount_fen: i64,
}

fn found_row(lang: Lang, o: &OverpaymentView) -> FoundRow {
    FoundRow {
        payee: o.payee_name.clone(),
        program: program_label(lang, &o.program, o.person_id.is_some()),
        program_code: o.program.clone(),
        person_id: o.person_id.map(|p| p.to_string()).unwrap_or_default(),
        cause: cause_label(lang, &o.cause),
        months: month_rows(lang, &o.months),
        amount: money(o.amount_fen),
        amount_fen: o.amount_fen,
    }
}

#[derive(Template)]
#[template(path = "payment_recovery_find.html")]
struct FindPage {
    tr: Tr,
    household_id: i64,
    rows: Vec<FoundRow>,
    can_record: bool,
    errors: Vec<String>,
}

async fn find_view(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    household: i64,
    errors: Vec<String>,
) -> Result<FindPage, AppError> {
    let found = recovery::find_overpayments(&state.db, &auth.actor, state.now(), household).await?;
    Ok(FindPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        household_id: household,
        rows: found.iter().map(|o| found_row(lang, o)).collect(),
        can_record: auth.actor.can(Permission::PaymentPrepare),
        errors,
    })
}

async fn find_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(params): Query<FindParams>,
) -> PageResult {
    render(&find_view(&state, &auth, lang, params.household, vec![]).await.map_err(fail(lang))?)
}

/// The record form as posted (the CSRF token is checked by the guard).
#[derive(Debug, Default, Deserialize)]
struct RecordFields {
    household_id: i64,
    #[serde(default)]
    person_id: String,
    program: String,
    #[serde(default)]
    error: String,
    #[serde(default)]
    cause_note: String,
    #[serde(default)]
    debtor_name: String,
    #[serde(default)]
    expected_fen: Option<i64>,
}

async fn record_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(fields): Form<RecordFields>,
) -> PageResult {
    let form = RecoveryForm {
        household_id: fields.household_id,
        person_id: fields.person_id.trim().parse().ok(),
        program: fields.program,
        cause: (!fields.error.is_empty()).then(|| RecoveryCause::Error.code().to_string()),
        cause_note: fields.cause_note,
        debtor_name: Some(fields.debtor_name),
        expected_fen: fields.expected_fen,
    };
    match recovery::record_recovery(&state.db, &auth.actor, state.now(), &form).await {
        Ok(r) => Ok(Redirect::to(&format!("/payments/recoveries/{}", r.id)).into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            refused(&find_view(&state, &auth, lang, form.household_id, errors).await.map_err(fail(lang))?)
        }
    }
}

// ------------------------------------------------- one recovery, settling

struct SettlementRow {
    kind: &'static str,
    amount: String,
    note: String,
    line: String,
    who: String,
    when: String,
}

struct OffsetChoice {
    line_id: i64,
    label: String,
}

#[derive(Template)]
#[template(path = "payment_recovery.html")]
struct DetailPage {
    tr: Tr,
    r: RecoveryRow,
    cause_note: String,
    recorded_by: String,
    version: i64,
    months: Vec<MonthRow>,
    settlements: Vec<SettlementRow>,
    can_settle: bool,
    kinds: Vec<(String, String)>,
    offset_allowed: bool,
    offset_lines: Vec<OffsetChoice>,
    form_kind: String,
    form_amount: String,
    form_note: String,
    errors: Vec<String>,
}

async fn detail_view(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    id: i64,
    errors: Vec<String>,
) -> Result<DetailPage, AppError> {
    let RecoveryDetail { recovery: r, offset_allowed, offset_lines } =
        recovery::recovery_detail(&state.db, &auth.actor, state.now(), id).await?;
    let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
    let settlements = r
        .settlements
        .iter()
        .map(|s| SettlementRow {
            kind: SettlementKind::parse(&s.kind).map(|k| k.label(lang)).unwrap_or_default(),
            amount: money(s.amount_fen),
            note: s.note.clone(),
            line: s.line_id.map(|_| tr.t("recovery.page.offset_line_set").to_string()).unwrap_or_default(),
            who: tr.actor(&s.settled_by),
            when: tr.date(&china_date(s.settled_at)),
        })
        .collect();
    let kinds = SettlementKind::ALL
        .iter()
        .filter(|k| offset_allowed || **k != SettlementKind::Offset)
        .map(|k| (k.code().to_string(), k.label(lang).to_string()))
        .collect();
    let offset_lines = offset_lines
        .iter()
        .map(|l| OffsetChoice {
            line_id: l.line_id,
            label: tf(
                lang,
                "recovery.page.offset_choice",
                &[
                    ("month", &month_label(lang, l.roll_month)),
                    ("amount", &money(l.amount_fen)),
                    ("left", &money(l.left_fen)),
                ],
            ),
        })
        .collect();
    Ok(DetailPage {
        r: recovery_row(&tr, &r),
        cause_note: r.cause_note.clone(),
        recorded_by: tr.actor(&r.recorded_by),
        version: r.version,
        months: month_rows(lang, &r.months),
        settlements,
        can_settle: auth.actor.can(Permission::PaymentPrepare) && r.outstanding_fen > 0,
        kinds,
        offset_allowed,
        offset_lines,
        form_kind: SettlementKind::Repaid.code().to_string(),
        form_amount: String::new(),
        form_note: String::new(),
        errors,
        tr,
    })
}

async fn detail_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    render(&detail_view(&state, &auth, lang, id, vec![]).await.map_err(fail(lang))?)
}

#[derive(Debug, Default, Deserialize)]
struct SettleFields {
    kind: String,
    #[serde(default)]
    amount_yuan: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    line_id: String,
    version: i64,
}

async fn settle_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Form(fields): Form<SettleFields>,
) -> PageResult {
    let form = SettleForm {
        kind: fields.kind.clone(),
        amount_yuan: fields.amount_yuan.clone(),
        note: fields.note.clone(),
        line_id: fields.line_id.trim().parse().ok(),
        version: fields.version,
    };
    match recovery::settle(&state.db, &auth.actor, state.now(), id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/payments/recoveries/{id}")).into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let mut page = detail_view(&state, &auth, lang, id, errors).await.map_err(fail(lang))?;
            (page.form_kind, page.form_amount, page.form_note) = (fields.kind, fields.amount_yuan, fields.note);
            refused(&page)
        }
    }
}

// ------------------------------------------------- the household page

#[derive(Template)]
#[template(path = "payment_recovery_section.html")]
struct HouseholdSection {
    tr: Tr,
    household_id: i64,
    rows: Vec<RecoveryRow>,
    can_find: bool,
}

/// The household page's 追回记录: its recoveries with amounts and state,
/// and the way to find what it was overpaid. Empty without PaymentRead.
pub(crate) async fn household_section(
    state: &AppState,
    actor: &Actor,
    tr: &Tr,
    household: i64,
) -> Result<String, AppError> {
    if !actor.can(Permission::PaymentRead) {
        return Ok(String::new());
    }
    let list = recovery::household_recoveries(&state.db, actor, state.now(), household).await?;
    HouseholdSection {
        tr: tr.clone(),
        household_id: household,
        rows: list.iter().map(|r| recovery_row(tr, r)).collect(),
        can_find: actor.can(Permission::PaymentPrepare),
    }
    .render()
    .map_err(|e| AppError::Internal(e.to_string()))
}

// ---------------------------------------------------------------- the API

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct ApiListParams {
    /// A region in the caller's scope; none: the whole scope.
    region: Option<String>,
    /// `true`: settled ones too.
    #[serde(default)]
    all: bool,
}

/// The recoveries of the caller's scope (open ones, or all), newest first,
/// with their months and settlements.
#[utoipa::path(get, path = "/api/payments/recoveries", params(ApiListParams),
    responses((status = 200, body = Vec<RecoveryView>), (status = 403), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_list(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(params): Query<ApiListParams>,
) -> ApiResult<Json<Vec<RecoveryView>>> {
    let region = match params.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(raw) => Some(
            RegionCode::parse(raw)
                .map_err(|_| api_fail(lang)(AppError::invalid("region", Message::new("payment.roll.error.region"))))?,
        ),
    };
    let list = recovery::list_recoveries(&state.db, &actor, state.now(), region.as_ref(), !params.all)
        .await
        .map_err(api_fail(lang))?;
    Ok(Json(list))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct ApiOverpaymentsParams {
    /// The household.
    household: i64,
}

/// What a household's payee lines were overpaid (paid beyond what the
/// entitlements now owe) and is not yet recorded as a recovery.
#[utoipa::path(get, path = "/api/payments/recoveries/overpayments", params(ApiOverpaymentsParams),
    responses((status = 200, body = Vec<OverpaymentView>), (status = 403), (status = 404)))]
pub(crate) async fn api_overpayments(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(params): Query<ApiOverpaymentsParams>,
) -> ApiResult<Json<Vec<OverpaymentView>>> {
    Ok(Json(
        recovery::find_overpayments(&state.db, &actor, state.now(), params.household).await.map_err(api_fail(lang))?,
    ))
}

/// Records the recovery of what a payee line was overpaid.
#[utoipa::path(post, path = "/api/payments/recoveries", request_body = RecoveryForm,
    responses((status = 200, body = RecoveryView), (status = 403), (status = 404),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_record(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Json(form): Json<RecoveryForm>,
) -> ApiResult<Json<RecoveryView>> {
    Ok(Json(recovery::record_recovery(&state.db, &actor, state.now(), &form).await.map_err(api_fail(lang))?))
}

/// One recovery, whether the region's policy allows offsets, and the later
/// payment lines an offset may name.
#[utoipa::path(get, path = "/api/payments/recoveries/{id}",
    responses((status = 200, body = RecoveryDetail), (status = 403), (status = 404)))]
pub(crate) async fn api_detail(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<RecoveryDetail>> {
    Ok(Json(recovery::recovery_detail(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

/// Settles a recovery in part or whole: repaid, offset against a later
/// line (where the policy allows it) or written off with a reason; never
/// beyond what is outstanding.
#[utoipa::path(post, path = "/api/payments/recoveries/{id}/settlements", request_body = SettleForm,
    responses((status = 200, body = RecoveryView), (status = 403), (status = 404),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_settle(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Json(form): Json<SettleForm>,
) -> ApiResult<Json<RecoveryView>> {
    Ok(Json(recovery::settle(&state.db, &actor, state.now(), id, &form).await.map_err(api_fail(lang))?))
}
