//! Economic verification over HTTP: the department-data and batch page,
//! delivery details, the per-household report (page, PDF, JSON), and
//! objections. Handlers parse, call one use case of
//! `jiuzhu_app::verification`, and render.

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::verification::{
    self as v, DeliveryError, DeliveryMeta, DeliveryView, ObjectionForm, Outcome, Rejection, Report, ResultSummary,
    RunSummary, Selection,
};
use jiuzhu_domain::dataset::DatasetKind;
use jiuzhu_domain::i18n::{Lang, Message, format_date, t, tf};
use jiuzhu_domain::job::JobKind;
use jiuzhu_domain::verification::HouseholdSums;
use jiuzhu_domain::{Fen, Permission, RegionCode};
use jiuzhu_print::{DatasetDoc, FindingDoc, ReportDoc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiErrorBody, ApiProblem, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, pdf_response, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/verification", get(overview))
        .route("/verification/deliveries", post(upload_delivery))
        .route("/verification/deliveries/{id}", get(delivery_page))
        .route("/verification/runs", post(run_batch))
        .route("/verification/runs/{id}", get(run_page))
        .route("/households/{id}/verify", post(verify_household))
        .route("/verification/results/{id}", get(report_page))
        .route("/verification/results/{id}/report.pdf", get(report_pdf_page))
        .route("/verification/results/{id}/objections", post(lodge))
        .route("/verification/results/{id}/objections/{objection}", post(decide))
        .route("/api/verification/deliveries", get(api_deliveries).post(api_import_delivery))
        .route("/api/verification/runs", post(api_run))
        .route("/api/verification/runs/{id}", get(api_run_follow_ups))
        .route("/api/households/{id}/verification", get(api_household_results).post(api_verify_household))
        .route("/api/verification/results/{id}", get(api_report))
        .route("/api/verification/results/{id}/report.pdf", get(api_report_pdf))
        .route("/api/verification/results/{id}/objections", post(api_lodge))
        .route("/api/verification/results/{id}/objections/{objection}", put(api_decide))
}

// ------------------------------------------------------------ presentation

fn kind_label(lang: Lang, kind: DatasetKind) -> &'static str {
    t(lang, &kind.message_key())
}

fn rule_label(lang: Lang, rule: &str) -> String {
    Tr::new(lang).code_label("rule", Some(rule))
}

/// Finding rules as one line: `拥有机动车、成员已死亡`.
pub(crate) fn rule_labels(lang: Lang, rules: &[String]) -> String {
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    rules.iter().map(|r| rule_label(lang, r)).collect::<Vec<_>>().join(sep)
}

fn column_label(lang: Lang, kind: DatasetKind, name: &str) -> String {
    let column = kind.columns().iter().find(|c| c.name == name);
    match (lang, column) {
        (Lang::Zh, Some(c)) => c.aliases.first().copied().unwrap_or(c.name).to_string(),
        _ => name.replace('_', " "),
    }
}

/// The sums as `(label, value)` pairs, in report order.
fn sums_rows(lang: Lang, s: &HouseholdSums) -> Vec<(String, String)> {
    let money = |f: i64| Fen(f).to_string();
    vec![
        (t(lang, "sums.members").to_string(), s.members.to_string()),
        (t(lang, "sums.wage").to_string(), money(s.wage_fen)),
        (t(lang, "sums.pension").to_string(), money(s.pension_fen)),
        (t(lang, "sums.vehicles").to_string(), s.vehicles.to_string()),
        (t(lang, "sums.homes").to_string(), s.homes.to_string()),
        (
            t(lang, "sums.home_area").to_string(),
            format!("{}㎡", jiuzhu_domain::dataset::format_centi(s.home_area_centi_m2)),
        ),
        (t(lang, "sums.other_properties").to_string(), s.other_properties.to_string()),
        (t(lang, "sums.businesses").to_string(), s.businesses.to_string()),
        (t(lang, "sums.deposits").to_string(), money(s.deposits_fen)),
        (t(lang, "sums.deceased").to_string(), s.deceased.to_string()),
        (t(lang, "sums.public_payroll").to_string(), s.public_payroll.to_string()),
    ]
}

fn policy_text(lang: Lang, report: &Report) -> String {
    let p = &report.policy;
    let from = |region: &RegionCode, date| {
        tf(lang, "report.policy_region", &[("region", region.as_str()), ("date", &format_date(lang, date))])
    };
    let sources: Vec<String> = p.versions.iter().map(|v| from(&v.region_code, v.effective_from)).collect();
    let source = match (&p.region_code, p.effective_from) {
        _ if !sources.is_empty() => sources.join(if lang == Lang::Zh { "、" } else { ", " }),
        (Some(region), Some(date)) => from(region, date),
        _ => t(lang, "report.policy_national").to_string(),
    };
    let standard = match p.area {
        Some(area) => tf(lang, "report.standard_of", &[("area", area.label(lang))]),
        None => t(lang, "report.standard").to_string(),
    };
    let (sep, list) = if lang == Lang::Zh { ("：", "，") } else { (": ", ", ") };
    let t = &p.policy;
    let limits = [
        format!("{standard} {}", t.dibao_standard),
        tf(lang, "report.max_homes", &[("n", &t.max_homes.to_string())]),
        tf(lang, "report.deposit_months", &[("n", &t.deposit_months.to_string())]),
    ];
    format!("{source}{sep}{}", limits.join(list))
}

fn objection_outcome(lang: Lang, o: &v::ObjectionView) -> String {
    match o.outcome.as_deref() {
        Some("upheld") => t(lang, "objection.upheld").to_string(),
        Some("rejected") => t(lang, "objection.rejected").to_string(),
        _ => t(lang, "objection.pending").to_string(),
    }
}

/// A finding as the page and the PDF show it.
#[derive(Debug, Clone)]
struct FindingRow {
    rule: String,
    label: String,
    text: String,
    records: Vec<String>,
    objections: Vec<v::ObjectionView>,
}

fn finding_rows(lang: Lang, report: &Report) -> Vec<FindingRow> {
    report
        .findings
        .iter()
        .map(|f| {
            let records = f
                .evidence
                .iter()
                .filter_map(|(kind, delivery, line)| {
                    let ds = report.datasets.iter().find(|d| d.kind.code() == kind && d.delivery.id == *delivery)?;
                    let r = ds.records.iter().find(|r| r.line == *line)?;
                    Some(format!(
                        "{}·{}：{}（{}）{}",
                        kind_label(lang, ds.kind),
                        tf(lang, "report.line", &[("line", &line.to_string())]),
                        r.member,
                        r.id_number_masked,
                        r.values.iter().filter(|v| !v.is_empty()).cloned().collect::<Vec<_>>().join("，")
                    ))
                })
                .collect();
            FindingRow {
                rule: f.finding.rule.code().to_string(),
                label: rule_label(lang, f.finding.rule.code()),
                text: f.message.render(lang),
                records,
                objections: report.objections.iter().filter(|o| o.rule == f.finding.rule.code()).cloned().collect(),
            }
        })
        .collect()
}

/// A dataset of the report as the page and the PDF show it.
#[derive(Debug, Clone)]
struct DatasetRow {
    name: String,
    delivery: String,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn dataset_rows(lang: Lang, report: &Report) -> Vec<DatasetRow> {
    report
        .datasets
        .iter()
        .map(|d| {
            let mut columns = vec![t(lang, "member.name").to_string(), t(lang, "member.id_number").to_string()];
            columns.extend(d.columns.iter().map(|c| column_label(lang, d.kind, c)));
            DatasetRow {
                name: kind_label(lang, d.kind).to_string(),
                delivery: format!(
                    "{} · {} {} · {}",
                    d.delivery.department,
                    t(lang, "verification.as_of"),
                    format_date(lang, d.delivery.as_of),
                    d.delivery.file_name
                ),
                columns,
                rows: d
                    .records
                    .iter()
                    .map(|r| {
                        let mut row = vec![r.member.clone(), r.id_number_masked.clone()];
                        row.extend(r.values.iter().cloned());
                        row
                    })
                    .collect(),
            }
        })
        .collect()
}

fn notes(lang: Lang) -> Vec<String> {
    ["report.note.objection", "report.note.use", "report.note.data"].iter().map(|k| t(lang, k).to_string()).collect()
}

/// The printed report, always in Chinese (it is an official document).
fn report_doc(report: &Report, printed: chrono::DateTime<chrono::Utc>) -> ReportDoc {
    let lang = Lang::Zh;
    let sums = sums_rows(lang, &report.sums);
    ReportDoc {
        title: t(lang, "report.title").to_string(),
        subtitle: format!("{}民政局", report.county_name),
        bureau: format!("{}民政局", report.county_name),
        number: format!("HD-{:08}", report.result_id),
        household: report.external_id.clone(),
        region: report.region_name.clone(),
        verified_at: Tr::new(lang).datetime(&report.verified_at),
        policy: policy_text(lang, report),
        members: report
            .members
            .iter()
            .map(|m| [m.name.clone(), tr_code(lang, "Relation", &m.relation), m.id_number_masked.clone()])
            .collect(),
        sums: sums
            .chunks(2)
            .map(|c| {
                let second = c.get(1).cloned().unwrap_or_default();
                [c[0].0.clone(), c[0].1.clone(), second.0, second.1]
            })
            .collect(),
        findings: finding_rows(lang, report)
            .into_iter()
            .map(|f| FindingDoc {
                text: f.text,
                rule: f.label,
                records: f.records,
                objection: (!f.objections.is_empty()).then(|| {
                    f.objections
                        .iter()
                        .map(|o| {
                            let note = if o.outcome_note.is_empty() {
                                String::new()
                            } else {
                                format!("（{}）", o.outcome_note)
                            };
                            format!("{}：{}；{}{}", o.lodged_by, o.reason, objection_outcome(lang, o), note)
                        })
                        .collect::<Vec<_>>()
                        .join("；")
                }),
            })
            .collect(),
        datasets: dataset_rows(lang, report)
            .into_iter()
            .map(|d| DatasetDoc { name: d.name, delivery: d.delivery, columns: d.columns, rows: d.rows })
            .collect(),
        notes: notes(lang),
        printed_at: format_date(lang, jiuzhu_domain::i18n::china_date(printed)),
    }
}

fn tr_code(lang: Lang, kind: &str, code: &str) -> String {
    Tr::new(lang).code_label(kind, Some(code))
}

/// The report as a PDF in Chinese, printed at `printed`, with the fonts of
/// `font_dir` (the CLI's `jiuzhu report` and the pages share it).
pub fn report_pdf(
    report: &Report,
    printed: chrono::DateTime<chrono::Utc>,
    font_dir: &std::path::Path,
) -> Result<Vec<u8>, jiuzhu_print::PrintError> {
    jiuzhu_print::Printer::shared(font_dir)?.verification_report(&report_doc(report, printed))
}

async fn pdf_bytes(state: &AppState, report: &Report) -> Result<Vec<u8>, AppError> {
    let (report, printed, dir) = (report.clone(), state.now(), state.font_dir.clone());
    tokio::task::spawn_blocking(move || {
        report_pdf(&report, printed, &dir).map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

// ------------------------------------------------------------------ pages

#[derive(Template, Default)]
#[template(path = "verification.html")]
struct OverviewPage {
    tr: Tr,
    deliveries: Vec<(DeliveryView, String, bool)>,
    kinds: Vec<(String, String)>,
    /// The standards and thresholds in force for the user's region, as the
    /// policy page shows them.
    standards: Option<crate::policy::Summary>,
    runs: Vec<v::RunInfo>,
    /// The latest verification run jobs the actor may see.
    jobs: Vec<crate::job::ProgressBlock>,
    errors: Vec<String>,
    can_import: bool,
    can_run: bool,
}

async fn overview_page(state: &AppState, auth: &Authed, lang: Lang) -> Result<OverviewPage, AppError> {
    let actor = &auth.actor;
    let deliveries = v::list_deliveries(&state.db, actor, state.now(), None).await?;
    let mut seen = std::collections::BTreeSet::new();
    let deliveries = deliveries
        .into_iter()
        .map(|d| {
            let latest = seen.insert(d.kind);
            let label = kind_label(lang, d.kind).to_string();
            (d, label, latest)
        })
        .collect();
    let standards = jiuzhu_app::policy::policy_in_force(&state.db, actor, state.now(), None, None)
        .await
        .ok()
        .map(|p| crate::policy::verification_summary(lang, &p));
    let runs = v::list_runs(&state.db, actor, state.now()).await?;
    let jobs = jiuzhu_app::job::list_jobs(&state.db, actor, state.now(), JobKind::VerificationRun).await?;
    Ok(OverviewPage {
        runs,
        jobs: jobs.into_iter().map(|j| crate::job::ProgressBlock::new(lang, j)).collect(),
        tr: Tr::signed_in(lang, actor, &auth.csrf),
        deliveries,
        kinds: DatasetKind::ALL.iter().map(|k| (k.code().to_string(), kind_label(lang, *k).to_string())).collect(),
        standards,
        can_import: actor.can(Permission::DeliveryImport),
        can_run: actor.can(Permission::VerificationRun),
        ..Default::default()
    })
}

async fn overview(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    render(&overview_page(&state, &auth, lang).await.map_err(fail(lang))?)
}

async fn upload_delivery(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    multipart: Multipart,
) -> PageResult {
    let (fields, bytes, file_name) = match crate::upload::read_form(multipart).await {
        Ok(form) => (form.fields, form.bytes, form.file_name),
        Err(e) => return refused_overview(&state, &auth, lang, vec![e.message().render(lang)]).await,
    };
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let meta = match delivery_meta(lang, &get("kind"), &get("department"), &get("as_of"), &file_name) {
        Ok(meta) => meta,
        Err(errors) => return refused_overview(&state, &auth, lang, errors).await,
    };
    // A large file is imported in the background; its page shows the progress.
    if bytes.len() >= state.background_from {
        return match jiuzhu_app::job::start_delivery_import(&state.db, &auth.actor, state.now(), meta, &bytes).await {
            Ok(job) => Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response()),
            Err(e) => match messages(lang, &e) {
                Some(errors) => refused_overview(&state, &auth, lang, errors).await,
                None => Err(fail(lang)(e)),
            },
        };
    }
    match v::import_delivery(&state.db, &auth.actor, state.now(), meta, &bytes).await {
        Ok(done) => Ok(Redirect::to(&format!("/verification/deliveries/{}", done.delivery.id)).into_response()),
        Err(DeliveryError::Rejected(problems)) => {
            let errors = problems.iter().map(|p| p.render(lang)).collect();
            refused_overview(&state, &auth, lang, errors).await
        }
        Err(DeliveryError::App(e)) => match messages(lang, &e) {
            Some(errors) => refused_overview(&state, &auth, lang, errors).await,
            None => Err(fail(lang)(e)),
        },
    }
}

async fn refused_overview(state: &AppState, auth: &Authed, lang: Lang, errors: Vec<String>) -> PageResult {
    let mut page = overview_page(state, auth, lang).await.map_err(fail(lang))?;
    page.errors = errors;
    refused(&page)
}

/// Reads a delivery's description from text inputs.
fn delivery_meta(
    lang: Lang,
    kind: &str,
    department: &str,
    as_of: &str,
    file_name: &str,
) -> Result<DeliveryMeta, Vec<String>> {
    let mut errors = Vec::new();
    let (raw_kind, raw_as_of) = (kind, as_of);
    let kind = DatasetKind::parse(raw_kind);
    if kind.is_none() {
        errors.push(format!("{}：{}", t(lang, "verification.kind"), t(lang, "import.error.required")));
    }
    let as_of = jiuzhu_domain::dataset::parse_date(raw_as_of);
    if as_of.is_none() {
        errors.push(Message::new("verify.error.bad_date").arg("value", raw_as_of).render(lang));
    }
    match (kind, as_of) {
        (Some(kind), Some(as_of)) if errors.is_empty() => Ok(DeliveryMeta {
            kind,
            department: if department.trim().is_empty() {
                kind.department_zh().to_string()
            } else {
                department.trim().to_string()
            },
            as_of,
            file_name: if file_name.is_empty() { format!("{}.csv", kind.code()) } else { file_name.to_string() },
        }),
        _ => Err(errors),
    }
}

#[derive(Template)]
#[template(path = "run.html")]
struct RunPage {
    tr: Tr,
    view: v::RunFollowUps,
}

impl RunPage {
    fn rule_labels(&self, rules: &[String]) -> String {
        rule_labels(self.tr.lang, rules)
    }
}

async fn run_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let view = v::run_follow_ups(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    render(&RunPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), view })
}

#[derive(Template)]
#[template(path = "delivery.html")]
struct DeliveryPage {
    tr: Tr,
    delivery: DeliveryView,
    kind: String,
    rejections: Vec<Rejection>,
}

async fn delivery_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let (delivery, rejections) =
        v::delivery_detail(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    render(&DeliveryPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        kind: kind_label(lang, delivery.kind).to_string(),
        delivery,
        rejections,
    })
}

/// The batch form: an optional region.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct RunForm {
    /// A region code inside the actor's scope; empty: the whole scope.
    #[serde(default)]
    pub region: String,
}

fn parse_region(raw: &str) -> Result<Option<RegionCode>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    RegionCode::parse(raw)
        .map(Some)
        .map_err(|_| AppError::invalid("region", Message::new("import.error.bad_region").arg("value", raw)))
}

async fn run_batch(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(form): Form<RunForm>,
) -> PageResult {
    let region = match parse_region(&form.region) {
        Ok(r) => r,
        Err(e) => return refused_overview(&state, &auth, lang, messages(lang, &e).unwrap_or_default()).await,
    };
    // The run is a background job: its page shows the progress, then the result.
    match jiuzhu_app::job::start_verification_run(&state.db, &auth.actor, state.now(), region).await {
        Ok(job) => Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response()),
        Err(e) => match messages(lang, &e) {
            Some(errors) => refused_overview(&state, &auth, lang, errors).await,
            None => Err(fail(lang)(e)),
        },
    }
}

async fn verify_household(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    v::run_verification(&state.db, &auth.actor, state.now(), Selection::Household(id), &mut |_, _| {})
        .await
        .map_err(fail(lang))?;
    let results = v::household_results(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    let latest = results.first().map(|r| r.id).ok_or_else(|| fail(lang)(AppError::NotFound))?;
    Ok(Redirect::to(&format!("/verification/results/{latest}")).into_response())
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    tr: Tr,
    report: Report,
    members: Vec<(String, String, String)>,
    sums: Vec<(String, String)>,
    findings: Vec<FindingRow>,
    datasets: Vec<DatasetRow>,
    policy: String,
    notes: Vec<String>,
    errors: Vec<String>,
    objection: ObjectionForm,
    can_lodge: bool,
    can_decide: bool,
}

impl ReportPage {
    fn outcome(&self, o: &v::ObjectionView) -> String {
        objection_outcome(self.tr.lang, o)
    }
}

fn report_page_for(lang: Lang, auth: &Authed, report: Report) -> ReportPage {
    ReportPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        members: report
            .members
            .iter()
            .map(|m| (m.name.clone(), tr_code(lang, "Relation", &m.relation), m.id_number_masked.clone()))
            .collect(),
        sums: sums_rows(lang, &report.sums),
        findings: finding_rows(lang, &report),
        datasets: dataset_rows(lang, &report),
        policy: policy_text(lang, &report),
        notes: notes(lang),
        errors: vec![],
        objection: ObjectionForm::default(),
        can_lodge: auth.actor.can(Permission::ObjectionLodge),
        can_decide: auth.actor.can(Permission::ObjectionDecide),
        report,
    }
}

async fn report_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let report = v::report(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    render(&report_page_for(lang, &auth, report))
}

async fn report_pdf_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let report = v::report(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    let bytes = pdf_bytes(&state, &report).await.map_err(fail(lang))?;
    Ok(pdf_response(bytes, &format!("hedui-{id}")))
}

async fn lodge(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Form(form): Form<ObjectionForm>,
) -> PageResult {
    match v::lodge_objection(&state.db, &auth.actor, state.now(), id, form.clone()).await {
        Ok(_) => Ok(Redirect::to(&format!("/verification/results/{id}")).into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let report = v::report(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
            let mut page = report_page_for(lang, &auth, report);
            page.errors = errors;
            page.objection = form;
            refused(&page)
        }
    }
}

/// The outcome of a re-check, as the officer records it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct DecisionForm {
    pub outcome: Outcome,
    pub note: String,
}

async fn decide(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path((id, objection)): Path<(i64, i64)>,
    Form(form): Form<DecisionForm>,
) -> PageResult {
    match v::decide_objection(&state.db, &auth.actor, state.now(), id, objection, form.outcome, &form.note).await {
        Ok(()) => Ok(Redirect::to(&format!("/verification/results/{id}")).into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let report = v::report(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
            let mut page = report_page_for(lang, &auth, report);
            page.errors = errors;
            refused(&page)
        }
    }
}

/// The household page's verification section: its results, when the
/// actor may read them.
pub(crate) async fn household_results(
    state: &AppState,
    auth: &Authed,
    id: i64,
) -> Result<Vec<ResultSummary>, AppError> {
    if !auth.actor.can(Permission::VerificationRead) {
        return Ok(Vec::new());
    }
    v::household_results(&state.db, &auth.actor, state.now(), id).await
}

// -------------------------------------------------------------------- API

/// Every department data delivery, newest first.
#[utoipa::path(get, path = "/api/verification/deliveries", responses((status = 200, body = Vec<DeliveryView>)))]
pub(crate) async fn api_deliveries(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
) -> ApiResult<Json<Vec<DeliveryView>>> {
    Ok(Json(v::list_deliveries(&state.db, &actor, state.now(), None).await.map_err(api_fail(lang))?))
}

/// What describes a delivery sent to the API.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DeliveryParams {
    /// The dataset kind (`vehicle`, `real_estate`, …).
    pub kind: String,
    #[serde(default)]
    pub department: String,
    /// The date the data is as of (`2025-10-31`).
    pub as_of: String,
    #[serde(default)]
    pub file_name: String,
}

/// The result of importing a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryImportResult {
    pub delivery: DeliveryView,
    /// The rows skipped, with why.
    pub rejected: Vec<ApiProblem>,
}

fn api_problems(lang: Lang, list: &[jiuzhu_files::Problem]) -> Vec<ApiProblem> {
    list.iter()
        .map(|p| ApiProblem {
            field: [p.render_line(lang), p.render_column(lang)].join(" ").trim().to_string(),
            code: p.message.key.to_string(),
            message: p.message.render(lang),
        })
        .collect()
}

/// Imports a department data delivery: the file (CSV in UTF-8 or GBK, or
/// xlsx) is the body. Bad rows are skipped and listed; a file without a
/// required column is refused whole (422).
#[utoipa::path(post, path = "/api/verification/deliveries", params(DeliveryParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = DeliveryImportResult), (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_import_delivery(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(params): Query<DeliveryParams>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = match crate::upload::api_body(body) {
        Ok(body) => body,
        Err(e) => return Ok(e.api_response(lang)),
    };
    let meta = delivery_meta(lang, &params.kind, &params.department, &params.as_of, &params.file_name)
        .map_err(|_| api_fail(lang)(AppError::invalid("kind", Message::new("import.error.required"))))?;
    match v::import_delivery(&state.db, &actor, state.now(), meta, &body).await {
        Ok(done) => {
            Ok(Json(DeliveryImportResult { delivery: done.delivery, rejected: api_problems(lang, &done.rejected) })
                .into_response())
        }
        Err(DeliveryError::Rejected(list)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ApiErrorBody { error: "rejected".into(), problems: api_problems(lang, &list) }),
        )
            .into_response()),
        Err(DeliveryError::App(e)) => Err(api_fail(lang)(e)),
    }
}

/// Starts verifying every household of the actor's scope (or of a region in
/// it) against the latest deliveries, as a background job: follow it at
/// `/api/jobs/{id}`; once done its outcome names the run. One run per
/// region at a time (409 while another is queued or running).
#[utoipa::path(post, path = "/api/verification/runs", request_body = RunForm,
    responses((status = 202, body = jiuzhu_app::job::JobView), (status = 409, body = ApiErrorBody)))]
pub(crate) async fn api_run(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Json(form): Json<RunForm>,
) -> ApiResult<(StatusCode, Json<jiuzhu_app::job::JobView>)> {
    let region = parse_region(&form.region).map_err(api_fail(lang))?;
    let job = jiuzhu_app::job::start_verification_run(&state.db, &actor, state.now(), region)
        .await
        .map_err(api_fail(lang))?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// A run's follow-up list: the households in the actor's scope with findings.
#[utoipa::path(get, path = "/api/verification/runs/{id}", responses((status = 200, body = v::RunFollowUps)))]
pub(crate) async fn api_run_follow_ups(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<v::RunFollowUps>> {
    Ok(Json(v::run_follow_ups(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

/// A household's verification results, newest first.
#[utoipa::path(get, path = "/api/households/{id}/verification", responses((status = 200, body = Vec<ResultSummary>)))]
pub(crate) async fn api_household_results(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<ResultSummary>>> {
    Ok(Json(v::household_results(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

/// Verifies one household now.
#[utoipa::path(post, path = "/api/households/{id}/verification", responses((status = 200, body = RunSummary)))]
pub(crate) async fn api_verify_household(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<RunSummary>> {
    let summary = v::run_verification(&state.db, &actor, state.now(), Selection::Household(id), &mut |_, _| {})
        .await
        .map_err(api_fail(lang))?;
    Ok(Json(summary))
}

/// The verification report of a result (an audited read).
#[utoipa::path(get, path = "/api/verification/results/{id}", responses((status = 200, body = Report)))]
pub(crate) async fn api_report(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<Report>> {
    Ok(Json(v::report(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

/// The verification report as a printable PDF in Chinese.
#[utoipa::path(get, path = "/api/verification/results/{id}/report.pdf",
    responses((status = 200, content_type = "application/pdf")))]
pub(crate) async fn api_report_pdf(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let report = v::report(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?;
    let bytes = pdf_bytes(&state, &report).await.map_err(api_fail(lang))?;
    Ok(pdf_response(bytes, &format!("hedui-{id}")))
}

/// The number of what was created.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ObjectionCreated {
    pub id: i64,
}

/// Records a household's objection to one finding of a result.
#[utoipa::path(post, path = "/api/verification/results/{id}/objections", request_body = ObjectionForm,
    responses((status = 201, body = ObjectionCreated), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_lodge(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Json(form): Json<ObjectionForm>,
) -> ApiResult<(StatusCode, Json<ObjectionCreated>)> {
    let created = v::lodge_objection(&state.db, &actor, state.now(), id, form).await.map_err(api_fail(lang))?;
    Ok((StatusCode::CREATED, Json(ObjectionCreated { id: created })))
}

/// Records the outcome of an objection's re-check.
#[utoipa::path(put, path = "/api/verification/results/{id}/objections/{objection}", request_body = DecisionForm,
    responses((status = 204), (status = 409, body = ApiErrorBody)))]
pub(crate) async fn api_decide(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path((id, objection)): Path<(i64, i64)>,
    Json(form): Json<DecisionForm>,
) -> ApiResult<StatusCode> {
    v::decide_objection(&state.db, &actor, state.now(), id, objection, form.outcome, &form.note)
        .await
        .map_err(api_fail(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
