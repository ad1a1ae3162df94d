//! Payments over HTTP: the month's rolls (`/payments`, a form generating a
//! roll as a background job), a roll's page (`/payments/rolls/{id}`: totals
//! by programme and township, differences from last month, the lines with
//! accounts and ID numbers masked, approval and regeneration) and the same
//! under `/api/payments/rolls`. Handlers call `jiuzhu_app::payment::roll`;
//! pages show words, money in 元 and months as `2026年12月`, never codes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use jiuzhu_app::job::JobView;
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll, LineView, RollDetail, RollOutcome, RollView};
use jiuzhu_app::{AppError, registry};
use jiuzhu_domain::entitlement::{YearMonth, program_key};
use jiuzhu_domain::i18n::{Lang, Message, tf};
use jiuzhu_domain::payment::roll::{ProgramGroup, RollKind};
use jiuzhu_domain::{Fen, Permission, Program, RegionCode};
use serde::Deserialize;

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, options, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/payments", get(rolls_page))
        .route("/payments/rolls", post(generate))
        .route("/payments/rolls/{id}", get(roll_page))
        .route("/payments/rolls/{id}/approve", post(approve))
        .route("/payments/rolls/{id}/regenerate", post(regenerate))
        .route("/api/payments/rolls", get(api_rolls).post(api_generate))
        .route("/api/payments/rolls/{id}", get(api_roll))
        .route("/api/payments/rolls/{id}/approve", post(api_approve))
        .route("/api/payments/rolls/{id}/regenerate", post(api_regenerate))
}

/// What a finished roll job made, in words (the job's page).
pub(crate) fn roll_done(lang: Lang, roll: &RollOutcome) -> String {
    tf(
        lang,
        "payment.roll_done",
        &[
            ("lines", &roll.lines.to_string()),
            ("total", &Fen(roll.total_fen).to_string()),
            ("no_account", &roll.no_account_lines.to_string()),
        ],
    )
}

fn month_label(lang: Lang, month: YearMonth) -> String {
    month.label(lang)
}

/// A roll's row on the list, in words.
struct RollRow {
    id: i64,
    title: String,
    month: String,
    kind: &'static str,
    state: &'static str,
    lines: i64,
    total: String,
    no_account: i64,
    prepared_by: String,
    approved_by: String,
}

fn roll_title(lang: Lang, r: &RollView) -> String {
    tf(
        lang,
        "payment.roll_title",
        &[("region", &r.region_name), ("month", &month_label(lang, r.month)), ("group", r.group.label(lang))],
    )
}

fn roll_row(lang: Lang, r: &RollView) -> RollRow {
    RollRow {
        id: r.id,
        title: roll_title(lang, r),
        month: month_label(lang, r.month),
        kind: r.kind.label(lang),
        state: r.state.label(lang),
        lines: r.lines,
        total: Fen(r.total_fen).to_string(),
        no_account: r.no_account_lines,
        prepared_by: r.prepared_by.clone(),
        approved_by: r.approved_by.clone().unwrap_or_default(),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    #[serde(default)]
    month: String,
}

/// The generate form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
struct GenerateForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    kind: String,
}

impl GenerateForm {
    fn parse(&self) -> Result<GenerateRoll, AppError> {
        let month = YearMonth::parse(&self.month)
            .ok_or_else(|| AppError::invalid("month", Message::new("payment.roll.error.month")))?;
        let region = match self.region.trim() {
            "" => None,
            raw => Some(
                RegionCode::parse(raw)
                    .map_err(|_| AppError::invalid("region", Message::new("payment.roll.error.region")))?,
            ),
        };
        Ok(GenerateRoll {
            month,
            region,
            group: ProgramGroup::parse(&self.group).unwrap_or(ProgramGroup::All),
            kind: RollKind::parse(&self.kind).unwrap_or(RollKind::Regular),
        })
    }
}

#[derive(Template)]
#[template(path = "payment_rolls.html")]
struct RollsPage {
    tr: Tr,
    rolls: Vec<RollRow>,
    month: String,
    can_prepare: bool,
    form: GenerateForm,
    regions: Vec<(String, String)>,
    groups: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    errors: Vec<String>,
}

/// The counties and townships the actor may make rolls for.
async fn region_choices(state: &AppState, auth: &Authed) -> Result<Vec<(String, String)>, AppError> {
    let nodes = registry::region_tree_nodes(&state.db, &auth.actor, state.now()).await?;
    Ok(nodes
        .iter()
        .filter(|n| n.level == "county" || n.level == "township")
        .filter(|n| RegionCode::parse(&n.code).is_ok_and(|c| auth.actor.scope.contains(&c)))
        .map(|n| (n.code.clone(), n.name.clone()))
        .collect())
}

async fn rolls_view(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    month: String,
    form: GenerateForm,
    errors: Vec<String>,
) -> Result<RollsPage, AppError> {
    let chosen = YearMonth::parse(&month);
    let rolls = pay::list_rolls(&state.db, &auth.actor, state.now(), None, chosen).await?;
    let can_prepare = auth.actor.can(Permission::PaymentPrepare);
    let regions = if can_prepare { region_choices(state, auth).await? } else { Vec::new() };
    let this_month = YearMonth::of(jiuzhu_domain::i18n::china_date(state.now()));
    let form = GenerateForm { month: if form.month.is_empty() { this_month.to_string() } else { form.month }, ..form };
    Ok(RollsPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        rolls: rolls.iter().map(|r| roll_row(lang, r)).collect(),
        month: chosen.map(|m| m.to_string()).unwrap_or_default(),
        can_prepare,
        form,
        regions,
        groups: options(ProgramGroup::ALL, ProgramGroup::code, |g| g.label(lang)),
        kinds: options(RollKind::ALL, RollKind::code, |k| k.label(lang)),
        errors,
    })
}

async fn rolls_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(params): Query<ListParams>,
) -> PageResult {
    let page =
        rolls_view(&state, &auth, lang, params.month, GenerateForm::default(), vec![]).await.map_err(fail(lang))?;
    render(&page)
}

async fn generate(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(form): Form<GenerateForm>,
) -> PageResult {
    let started = match form.parse() {
        Ok(ask) => pay::start_generate(&state.db, &auth.actor, state.now(), ask).await,
        Err(e) => Err(e),
    };
    match started {
        Ok(job) => Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let page = rolls_view(&state, &auth, lang, String::new(), form, errors).await.map_err(fail(lang))?;
            refused(&page)
        }
    }
}

/// A total's row, in words.
struct TotalRow {
    name: String,
    kind: &'static str,
    lines: i64,
    amount: String,
}

/// A difference's row, in words.
struct DifferenceRow {
    payee: String,
    program: &'static str,
    change: String,
    household_id: i64,
}

/// A line's row, in words, numbers masked.
struct LineRow {
    seq: i64,
    payee: String,
    id_number: String,
    program: &'static str,
    kind: &'static str,
    months: String,
    amount: String,
    account: String,
    bank: String,
    result: &'static str,
    household_id: i64,
}

#[derive(Template)]
#[template(path = "payment_roll.html")]
struct RollPage {
    tr: Tr,
    title: String,
    roll: RollView,
    state: &'static str,
    kind: &'static str,
    group: &'static str,
    month: String,
    paid_from: String,
    total: String,
    no_account_total: String,
    approved_by: String,
    approved_at: String,
    by_program: Vec<TotalRow>,
    by_township: Vec<TotalRow>,
    counts: String,
    has_previous: bool,
    differences: Vec<DifferenceRow>,
    lines: Vec<LineRow>,
    page: i64,
    pages: i64,
    page_label: String,
    errors: Vec<String>,
}

fn program_label(lang: Lang, program: Program, person: Option<i64>) -> &'static str {
    use jiuzhu_domain::entitlement::Recipient;
    let recipient = person.map_or(Recipient::Household, Recipient::Person);
    jiuzhu_domain::i18n::t(lang, program_key(program, recipient))
}

fn months_label(lang: Lang, l: &LineView) -> String {
    if l.months == 1 {
        month_label(lang, l.first_month)
    } else {
        tf(
            lang,
            "payment.months_range",
            &[
                ("first", &month_label(lang, l.first_month)),
                ("last", &month_label(lang, l.last_month)),
                ("n", &l.months.to_string()),
            ],
        )
    }
}

fn roll_page_of(lang: Lang, tr: Tr, d: RollDetail, errors: Vec<String>) -> RollPage {
    let r = &d.roll;
    let total = |t: &pay::TotalView, program: bool| TotalRow {
        name: if program {
            jiuzhu_domain::i18n::t(lang, &format!("Program.{}", t.key)).to_string()
        } else if t.name.is_empty() {
            jiuzhu_domain::i18n::t(lang, "payment.unknown_township").to_string()
        } else {
            t.name.clone()
        },
        kind: t.kind.label(lang),
        lines: t.lines,
        amount: Fen(t.amount_fen).to_string(),
    };
    let differences = d
        .differences
        .iter()
        .map(|x| {
            let change = match x.change.as_str() {
                "new" => Message::new("payment.roll.diff.new").arg("amount", Fen(x.to_fen)),
                "stopped" => Message::new("payment.roll.diff.stopped").arg("amount", Fen(x.from_fen)),
                "changed" => {
                    Message::new("payment.roll.diff.changed").arg("from", Fen(x.from_fen)).arg("to", Fen(x.to_fen))
                }
                _ => Message::new("payment.roll.diff.backpay").arg("months", x.months).arg("amount", Fen(x.to_fen)),
            };
            DifferenceRow {
                payee: x.payee_name.clone(),
                program: program_label(lang, x.program, x.person_id),
                change: change.render(lang),
                household_id: x.household_id,
            }
        })
        .collect();
    let lines = d
        .lines
        .iter()
        .map(|l| LineRow {
            seq: l.seq,
            payee: l.payee_name.clone(),
            id_number: l.id_number_masked.clone(),
            program: program_label(lang, l.program, l.person_id),
            kind: l.kind.label(lang),
            months: months_label(lang, l),
            amount: Fen(l.amount_fen).to_string(),
            account: match (&l.account_masked, &l.institution) {
                (Some(a), Some(i)) => tf(lang, "payment.account_at", &[("account", a), ("institution", i)]),
                (Some(a), None) => a.clone(),
                _ => String::new(),
            },
            bank: l.bank.clone().unwrap_or_default(),
            result: l.result.label(lang),
            household_id: l.household_id,
        })
        .collect();
    let c = d.difference_counts;
    RollPage {
        title: roll_title(lang, r),
        state: r.state.label(lang),
        kind: r.kind.label(lang),
        group: r.group.label(lang),
        month: month_label(lang, r.month),
        paid_from: month_label(lang, r.paid_from),
        total: Fen(r.total_fen).to_string(),
        no_account_total: Fen(r.no_account_fen).to_string(),
        approved_by: r.approved_by.clone().unwrap_or_default(),
        approved_at: r.approved_at.map(|at| tr.datetime(&at)).unwrap_or_default(),
        by_program: d.by_program.iter().map(|t| total(t, true)).collect(),
        by_township: d.by_township.iter().map(|t| total(t, false)).collect(),
        counts: tf(
            lang,
            "payment.counts",
            &[
                ("new", &c.new.to_string()),
                ("stopped", &c.stopped.to_string()),
                ("changed", &c.changed.to_string()),
                ("backpay", &c.backpay.to_string()),
            ],
        ),
        has_previous: d.previous_id.is_some(),
        differences,
        lines,
        page: d.page,
        pages: d.pages,
        page_label: tf(lang, "payment.page", &[("page", &d.page.to_string()), ("pages", &d.pages.to_string())]),
        roll: d.roll,
        tr,
        errors,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageParams {
    #[serde(default)]
    page: Option<i64>,
}

async fn roll_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Query(params): Query<PageParams>,
) -> PageResult {
    let detail = pay::roll_detail(&state.db, &auth.actor, state.now(), id, params.page.unwrap_or(1))
        .await
        .map_err(fail(lang))?;
    render(&roll_page_of(lang, Tr::signed_in(lang, &auth.actor, &auth.csrf), detail, vec![]))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct ApproveForm {
    /// The roll's version the approver saw.
    #[serde(default)]
    version: i64,
}

async fn approve(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Form(form): Form<ApproveForm>,
) -> PageResult {
    match pay::approve(&state.db, &auth.actor, state.now(), id, form.version).await {
        Ok(_) => Ok(Redirect::to(&format!("/payments/rolls/{id}")).into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let detail = pay::roll_detail(&state.db, &auth.actor, state.now(), id, 1).await.map_err(fail(lang))?;
            refused(&roll_page_of(lang, Tr::signed_in(lang, &auth.actor, &auth.csrf), detail, errors))
        }
    }
}

async fn regenerate(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    match pay::start_regenerate(&state.db, &auth.actor, state.now(), id).await {
        Ok(job) => Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let detail = pay::roll_detail(&state.db, &auth.actor, state.now(), id, 1).await.map_err(fail(lang))?;
            refused(&roll_page_of(lang, Tr::signed_in(lang, &auth.actor, &auth.csrf), detail, errors))
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct ApiListParams {
    /// A month, `2026-12`; none: every month.
    month: Option<String>,
    /// A region in the caller's scope; none: the whole scope.
    region: Option<String>,
}

/// The payment rolls of the caller's scope, newest month first.
#[utoipa::path(get, path = "/api/payments/rolls", params(ApiListParams),
    responses((status = 200, body = Vec<RollView>), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_rolls(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(params): Query<ApiListParams>,
) -> ApiResult<Json<Vec<RollView>>> {
    let month = match params.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => None,
        Some(raw) => Some(
            YearMonth::parse(raw)
                .ok_or_else(|| api_fail(lang)(AppError::invalid("month", Message::new("payment.roll.error.month"))))?,
        ),
    };
    let region = match params.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(raw) => Some(
            RegionCode::parse(raw)
                .map_err(|_| api_fail(lang)(AppError::invalid("region", Message::new("payment.roll.error.region"))))?,
        ),
    };
    Ok(Json(pay::list_rolls(&state.db, &actor, state.now(), region.as_ref(), month).await.map_err(api_fail(lang))?))
}

/// Starts generating a month's roll as a background job.
#[utoipa::path(post, path = "/api/payments/rolls", request_body = GenerateRoll,
    responses((status = 202, body = JobView), (status = 403), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_generate(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Json(ask): Json<GenerateRoll>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let job = pay::start_generate(&state.db, &actor, state.now(), ask).await.map_err(api_fail(lang))?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// A roll with its totals, its differences from last month and a page of
/// its lines (numbers masked).
#[utoipa::path(get, path = "/api/payments/rolls/{id}", params(("page" = Option<i64>, Query, description = "From 1")),
    responses((status = 200, body = RollDetail), (status = 404)))]
pub(crate) async fn api_roll(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Query(params): Query<PageParams>,
) -> ApiResult<Json<RollDetail>> {
    let detail =
        pay::roll_detail(&state.db, &actor, state.now(), id, params.page.unwrap_or(1)).await.map_err(api_fail(lang))?;
    Ok(Json(detail))
}

/// Approves a draft roll at the version seen (not by its preparer).
#[utoipa::path(post, path = "/api/payments/rolls/{id}/approve", request_body = ApproveForm,
    responses((status = 200, body = RollView), (status = 403), (status = 409, body = ApiErrorBody)))]
pub(crate) async fn api_approve(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Json(form): Json<ApproveForm>,
) -> ApiResult<Json<RollView>> {
    Ok(Json(pay::approve(&state.db, &actor, state.now(), id, form.version).await.map_err(api_fail(lang))?))
}

/// Starts regenerating a draft roll as a background job.
#[utoipa::path(post, path = "/api/payments/rolls/{id}/regenerate",
    responses((status = 202, body = JobView), (status = 403), (status = 409, body = ApiErrorBody)))]
pub(crate) async fn api_regenerate(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let job = pay::start_regenerate(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}
