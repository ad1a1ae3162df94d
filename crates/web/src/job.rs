//! Background jobs over HTTP: a job's page with a progress bar that
//! updates (htmx polls the progress block every second while the job is
//! queued or running), cancelling, and the same as JSON under `/api/jobs`.
//! When the job is done the block shows what it made and links to it (a
//! verification run's follow-up list and reports).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiuzhu_app::job::{self, JobOutcome, JobView};
use jiuzhu_domain::i18n::{Lang, tf};
use jiuzhu_domain::job::{JobKind, JobState};
use jiuzhu_domain::money::group_thousands;

use crate::error::{ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> axum::Router<AppState> {
    Router::new()
        .route("/jobs/{id}", get(job_page))
        .route("/jobs/{id}/progress", get(progress_block))
        .route("/jobs/{id}/cancel", post(cancel))
        .route("/api/jobs/{id}", get(api_job))
        .route("/api/jobs/{id}/cancel", post(api_cancel))
}

/// What the progress block shows.
pub(crate) struct ProgressBlock {
    pub(crate) job: JobView,
    /// `排队等候`, `正在进行`…
    pub(crate) state: &'static str,
    /// `已处理 1,200 / 5,000（24%）`.
    pub(crate) progress: String,
    /// Why it failed, in the user's language.
    pub(crate) error: String,
    /// The line saying what a finished job made.
    pub(crate) outcome: String,
    /// `(label, households, bar width %)` of a finished verification run.
    pub(crate) chart: Vec<(String, i64, i64)>,
    /// Where what it made is shown, with the link's text.
    pub(crate) link: Option<(String, &'static str)>,
    /// A refused file's problems: `(line, column, problem)`.
    pub(crate) problems: Vec<(String, String, String)>,
    /// The page the job was started from.
    pub(crate) back: &'static str,
}

impl ProgressBlock {
    pub(crate) fn new(lang: Lang, job: JobView) -> ProgressBlock {
        let progress = if job.total == 0 {
            String::new()
        } else {
            tf(
                lang,
                "job.progress",
                &[
                    ("done", &group_thousands(job.done)),
                    ("total", &group_thousands(job.total)),
                    ("percent", &job.percent.to_string()),
                ],
            )
        };
        let error = job.error.as_ref().map(|e| e.get(lang).to_string()).unwrap_or_default();
        let (mut outcome, mut chart, mut link, mut problems) = (String::new(), Vec::new(), None, Vec::new());
        match &job.outcome {
            Some(JobOutcome::VerificationRun(run)) => {
                outcome = tf(
                    lang,
                    "verification.run_done",
                    &[
                        ("households", &run.households.to_string()),
                        ("members", &run.members.to_string()),
                        ("with_findings", &run.with_findings.to_string()),
                    ],
                );
                let max = run.by_rule.values().copied().max().unwrap_or(1).max(1);
                chart = run
                    .by_rule
                    .iter()
                    .map(|(rule, n)| {
                        (crate::verification::rule_labels(lang, std::slice::from_ref(rule)), *n, n * 100 / max)
                    })
                    .collect();
                link = Some((format!("/verification/runs/{}", run.run_id), "verification.follow_ups"));
            }
            Some(JobOutcome::RosterImport(roster)) => {
                outcome = tf(
                    lang,
                    "import.done",
                    &[
                        ("created", &roster.created.to_string()),
                        ("updated", &roster.updated.to_string()),
                        ("unchanged", &roster.unchanged.to_string()),
                    ],
                );
                link = Some(("/households".to_string(), "nav.households"));
            }
            Some(JobOutcome::DeliveryImport(delivery)) => {
                outcome = tf(
                    lang,
                    "job.delivery_done",
                    &[
                        ("rows_read", &delivery.rows_read.to_string()),
                        ("rows_rejected", &delivery.rows_rejected.to_string()),
                    ],
                );
                link = Some((format!("/verification/deliveries/{}", delivery.delivery_id), "job.see_delivery"));
            }
            Some(JobOutcome::PaymentRoll(roll)) => {
                outcome = crate::payment::roll_done(lang, roll);
                link = Some((format!("/payments/rolls/{}", roll.roll_id), "payment.see_roll"));
            }
            Some(JobOutcome::Rejected(rejected)) => {
                problems = rejected
                    .problems
                    .iter()
                    .map(|p| {
                        (p.line.get(lang).to_string(), p.column.get(lang).to_string(), p.message.get(lang).to_string())
                    })
                    .collect();
            }
            None => {}
        }
        if job.outcome.is_none() && job.state == JobState::Done && job.kind == JobKind::VerificationRun {
            // A run over a wider region than the viewer's: the runs list
            // shows the viewer's part.
            link = Some(("/verification".to_string(), "job.see_runs"));
        }
        let back = match job.kind {
            JobKind::RosterImport => "/import",
            JobKind::PaymentRoll => "/payments",
            _ => "/verification",
        };
        ProgressBlock { state: job.state.label(lang), progress, error, outcome, chart, link, problems, back, job }
    }

    pub(crate) fn active(&self) -> bool {
        self.job.state.is_active()
    }
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    tr: Tr,
    title: &'static str,
    block: ProgressBlock,
}

#[derive(Template)]
#[template(path = "job_progress.html")]
struct ProgressPartial {
    tr: Tr,
    block: ProgressBlock,
}

async fn job_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let job = job::job_status(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    render(&JobPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        title: job.kind.label(lang),
        block: ProgressBlock::new(lang, job),
    })
}

async fn progress_block(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let job = job::job_status(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    render(&ProgressPartial { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), block: ProgressBlock::new(lang, job) })
}

/// Cancels; htmx gets the progress block back, a plain form the job's page.
async fn cancel(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    let job = job::cancel_job(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    if headers.contains_key("hx-request") {
        let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
        return render(&ProgressPartial { tr, block: ProgressBlock::new(lang, job) });
    }
    Ok(Redirect::to(&format!("/jobs/{id}")).into_response())
}

/// A background job: its state, progress and, once done, what it made.
#[utoipa::path(get, path = "/api/jobs/{id}", params(("id" = i64, Path)), responses((status = 200, body = JobView)))]
pub(crate) async fn api_job(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<JobView>> {
    Ok(Json(job::job_status(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

/// Asks a job to stop: a queued job ends at once, a running one at its next
/// chunk, and what it wrote is removed.
#[utoipa::path(post, path = "/api/jobs/{id}/cancel", params(("id" = i64, Path)),
    responses((status = 200, body = JobView), (status = 409, body = crate::error::ApiErrorBody)))]
pub(crate) async fn api_cancel(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<JobView>> {
    Ok(Json(job::cancel_job(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}
