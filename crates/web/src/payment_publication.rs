//! What people see of payments over HTTP (issue 12 points 6 and 7):
//!
//! - the household page's 发放记录 section ([`household_section`]: every
//!   payment line of its payees with its roll and result, the corrections,
//!   links to each payee's yearly statement) and the statement as PDF
//!   (`/households/{id}/payments/statement`);
//! - the month's publication per village for staff (`/payments/publication`:
//!   the villages of the month, a village's list, publishing it) and on the
//!   public board without sign-in (`/public/payments`, a village's months, a
//!   month's list and its A4 PDF);
//! - the same for scripts under `/api/payments/households/{id}[/statement]`
//!   and `/api/payments/publication…` ([`api`]).
//!
//! Handlers call `jiuzhu_app::payment::statement` and `::publication`;
//! pages and PDFs are in the reader's language (Chinese by default) and
//! show words, money as `1,360.00元` and months as `2026年1月`, never a code,
//! a key or fen. The publication has names, household sizes, programmes and
//! amounts only.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use jiuzhu_app::payment::publication::{self as publication, PublicPaymentVillage, Publication, VillageMonthView};
use jiuzhu_app::payment::statement::{self as statement, PaymentLineView, Statement};
use jiuzhu_app::{Actor, AppError};
use jiuzhu_domain::entitlement::{Recipient, YearMonth, program_key};
use jiuzhu_domain::i18n::{Lang, Message, china_date, format_date, t, tf};
use jiuzhu_domain::payment::publication::months_label;
use jiuzhu_domain::payment::roll::{LineKind, LineResult};
use jiuzhu_domain::{Fen, Permission, Program, RegionCode};
use jiuzhu_print::{PublicationDoc, StatementDoc};
use serde::Deserialize;

use crate::session::Authed;
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, pdf_response, refused, render};
use crate::{AppState, UiLang};

pub(crate) mod api;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(api::router())
        .route("/households/{id}/payments/statement", get(statement_pdf))
        .route("/payments/publication", get(villages_page))
        .route("/payments/publication/{village}/{month}", get(preview_page))
        .route("/payments/publication/{village}/{month}/publish", post(publish))
        .route("/public/payments", get(public_index))
        .route("/public/payments/{village}", get(public_village))
        .route("/public/payments/{village}/{month}", get(public_list))
        .route("/public/payments/{village}/{month}/pdf", get(public_pdf))
}

// ------------------------------------------------------------ words

fn program_label(lang: Lang, program: Program, personal: bool) -> &'static str {
    let recipient = if personal { Recipient::Person(0) } else { Recipient::Household };
    t(lang, program_key(program, recipient))
}

fn money(fen: i64) -> String {
    Fen(fen).to_string()
}

/// What became of a line, in words.
fn result_text(lang: Lang, l: &PaymentLineView) -> String {
    match l.result {
        LineResult::Paid => match l.returned_on {
            Some(day) => tf(lang, "payment.history.paid_on", &[("date", &format_date(lang, day))]),
            None => l.result.label(lang).to_string(),
        },
        LineResult::Pending => t(lang, "payment.history.waiting").to_string(),
        LineResult::Failed => tf(
            lang,
            "payment.history.failed",
            &[("reason", l.failure_reason.as_deref().unwrap_or_else(|| l.result.label(lang)))],
        ),
        LineResult::NoAccount => t(lang, "payment.history.not_sent").to_string(),
    }
}

fn correction_text(lang: Lang, l: &PaymentLineView) -> String {
    match (l.correction_open, l.correction_resolved_on) {
        (Some(true), _) => t(lang, "payment.history.correction_open").to_string(),
        (Some(false), Some(day)) => {
            tf(lang, "payment.history.correction_resolved", &[("date", &format_date(lang, day))])
        }
        _ => String::new(),
    }
}

fn line_months(lang: Lang, l: &PaymentLineView) -> String {
    let months = months_label(lang, l.first_month, l.last_month, l.months);
    if l.kind == LineKind::Backpay { tf(lang, "payment.publication.backpay", &[("months", &months)]) } else { months }
}

fn roll_label(lang: Lang, l: &PaymentLineView) -> String {
    tf(lang, "payment.history.roll_label", &[("month", &l.roll_month.label(lang)), ("kind", l.roll_kind.label(lang))])
}

// ------------------------------------------------- the household's section

/// A payment line in words.
struct HistoryRow {
    roll: String,
    roll_id: i64,
    payee: String,
    program: &'static str,
    months: String,
    amount: String,
    result: String,
    failed: bool,
    correction: String,
}

/// A statement's link.
struct StatementRow {
    label: String,
    href: String,
}

#[derive(Template)]
#[template(path = "payment_history_section.html")]
struct HistorySection {
    tr: Tr,
    rows: Vec<HistoryRow>,
    statements: Vec<StatementRow>,
}

/// The household page's 发放记录 section; empty without `PaymentRead`.
pub(crate) async fn household_section(
    state: &AppState,
    actor: &Actor,
    tr: &Tr,
    household: i64,
) -> Result<String, AppError> {
    if !actor.can(Permission::PaymentRead) {
        return Ok(String::new());
    }
    let lang = tr.lang;
    let p = statement::household_payments(&state.db, actor, state.now(), household).await?;
    let rows = p
        .lines
        .iter()
        .map(|l| HistoryRow {
            roll: roll_label(lang, l),
            roll_id: l.roll_id,
            payee: l.payee_name.clone(),
            program: program_label(lang, l.program, l.person_id.is_some()),
            months: line_months(lang, l),
            amount: money(l.amount_fen),
            result: result_text(lang, l),
            failed: l.result == LineResult::Failed,
            correction: correction_text(lang, l),
        })
        .collect();
    let statements = p
        .statements
        .iter()
        .map(|s| StatementRow {
            label: tf(
                lang,
                "payment.history.statement_link",
                &[("name", &s.payee_name), ("year", &s.year.to_string())],
            ),
            href: match s.person_id {
                Some(pid) => format!("/households/{household}/payments/statement?year={}&person={pid}", s.year),
                None => format!("/households/{household}/payments/statement?year={}", s.year),
            },
        })
        .collect();
    let mut html =
        HistorySection { tr: tr.clone(), rows, statements }.render().map_err(|e| AppError::Internal(e.to_string()))?;
    html.push_str(&crate::payment_recovery::household_section(state, actor, tr, household).await?);
    Ok(html)
}

// ------------------------------------------------------------ the statement

#[derive(Debug, Default, Deserialize)]
struct StatementParams {
    #[serde(default)]
    year: String,
    #[serde(default)]
    person: String,
}

/// The statement as printed, in `lang`.
fn statement_doc(lang: Lang, s: &Statement) -> StatementDoc {
    let rows = s
        .lines
        .iter()
        .map(|l| {
            [
                roll_label(lang, l),
                program_label(lang, l.program, l.person_id.is_some()).to_string(),
                line_months(lang, l),
                money(l.amount_fen),
                result_text(lang, l),
            ]
        })
        .collect();
    let mut totals = vec![tf(lang, "payment.statement.total", &[("amount", &money(s.paid_fen))])];
    if s.pending_fen > 0 {
        totals.push(tf(lang, "payment.statement.pending", &[("amount", &money(s.pending_fen))]));
    }
    if s.failed_fen > 0 {
        totals.push(tf(lang, "payment.statement.failed", &[("amount", &money(s.failed_fen))]));
    }
    let issuer = Message::new("notice.issuer.county").arg("county", &s.county).render(lang);
    StatementDoc {
        lang: lang.code().to_string(),
        title: tf(lang, "payment.statement.title", &[("year", &s.year.to_string())]),
        issuer: issuer.clone(),
        number: tf(lang, "notice.household_number", &[("number", &s.external_id)]),
        payee: vec![
            tf(lang, "payment.statement.payee", &[("name", &s.payee_name)]),
            tf(lang, "payment.statement.id_number", &[("id", &s.id_number_masked)]),
        ],
        columns: [
            t(lang, "payment.statement.roll_month").to_string(),
            t(lang, "payment.history.program").to_string(),
            t(lang, "payment.history.months").to_string(),
            t(lang, "payment.history.amount").to_string(),
            t(lang, "payment.history.result").to_string(),
        ],
        rows,
        empty: t(lang, "payment.statement.none").to_string(),
        totals,
        note: t(lang, "payment.statement.note").to_string(),
        date: tf(lang, "payment.statement.printed", &[("date", &format_date(lang, s.printed_on))]),
        seal: Message::new("notice.seal").arg("issuer", &issuer).render(lang),
    }
}

async fn print<D: Send + 'static>(
    state: &AppState,
    doc: D,
    f: fn(&jiuzhu_print::Printer, &D) -> Result<Vec<u8>, jiuzhu_print::PrintError>,
) -> Result<Vec<u8>, AppError> {
    let dir = state.font_dir.clone();
    tokio::task::spawn_blocking(move || {
        let printer = jiuzhu_print::Printer::shared(&dir).map_err(|e| AppError::Internal(e.to_string()))?;
        f(printer, &doc).map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn statement_pdf(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    Query(q): Query<StatementParams>,
) -> PageResult {
    let year = q.year.trim().parse().unwrap_or_else(|_| this_month(&state).year());
    let person = q.person.trim().parse().ok();
    let s = statement::statement(&state.db, &auth.actor, state.now(), id, person, year).await.map_err(fail(lang))?;
    let bytes =
        print(&state, statement_doc(lang, &s), jiuzhu_print::Printer::payment_statement).await.map_err(fail(lang))?;
    Ok(pdf_response(bytes, &format!("statement-{}-{year}", s.external_id)))
}

// ------------------------------------------------------------ publication

/// A publication's line in words.
struct PublicRow {
    seq: usize,
    name: String,
    size: i64,
    program: &'static str,
    months: String,
    amount: String,
}

fn public_rows(lang: Lang, p: &Publication) -> Vec<PublicRow> {
    p.lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let months = months_label(lang, l.first_month, l.last_month, l.months);
            PublicRow {
                seq: i + 1,
                name: l.name.clone(),
                size: l.household_size,
                program: program_label(lang, l.program, l.personal),
                months: if l.kind == LineKind::Backpay {
                    tf(lang, "payment.publication.backpay", &[("months", &months)])
                } else {
                    months
                },
                amount: money(l.amount_fen),
            }
        })
        .collect()
}

fn title(lang: Lang, p: &Publication) -> String {
    tf(lang, "payment.publication.title", &[("village", &p.village_name), ("month", &p.month.label(lang))])
}

fn total(lang: Lang, p: &Publication) -> String {
    tf(lang, "payment.publication.total", &[("payees", &p.lines.len().to_string()), ("amount", &money(p.total_fen))])
}

fn published_text(lang: Lang, p: &Publication) -> String {
    match p.published_at {
        Some(at) => tf(lang, "payment.publication.published_on", &[("date", &format_date(lang, china_date(at)))]),
        None => t(lang, "payment.publication.not_published").to_string(),
    }
}

/// The publication as printed, in `lang`.
fn publication_doc(lang: Lang, p: &Publication) -> PublicationDoc {
    let issuer = if p.township.is_empty() {
        Message::new("notice.issuer.county").arg("county", &p.county).render(lang)
    } else {
        format!("{}{}", p.county, p.township)
    };
    PublicationDoc {
        lang: lang.code().to_string(),
        title: title(lang, p),
        issuer: issuer.clone(),
        intro: t(lang, "payment.publication.intro").to_string(),
        columns: [
            t(lang, "payment.publication.seq").to_string(),
            t(lang, "payment.publication.name").to_string(),
            t(lang, "payment.publication.household_size").to_string(),
            t(lang, "payment.publication.program").to_string(),
            t(lang, "payment.publication.months").to_string(),
            t(lang, "payment.publication.amount").to_string(),
        ],
        rows: public_rows(lang, p)
            .into_iter()
            .map(|r| [r.seq.to_string(), r.name, r.size.to_string(), r.program.to_string(), r.months, r.amount])
            .collect(),
        total: total(lang, p),
        supervision: t(lang, "payment.publication.supervision").to_string(),
        date: published_text(lang, p),
        seal: Message::new("notice.seal").arg("issuer", &issuer).render(lang),
    }
}

#[derive(Debug, Default, Deserialize)]
struct MonthParams {
    #[serde(default)]
    month: String,
}

/// A village's month on the staff page, in words.
struct VillageRow {
    name: String,
    payees: i64,
    total: String,
    published: String,
    href: String,
}

#[derive(Template)]
#[template(path = "payment_publication.html")]
struct VillagesPage {
    tr: Tr,
    month: String,
    month_label: String,
    villages: Vec<VillageRow>,
}

fn this_month(state: &AppState) -> YearMonth {
    YearMonth::of(china_date(state.now()))
}

async fn villages_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(q): Query<MonthParams>,
) -> PageResult {
    let month = YearMonth::parse(&q.month).unwrap_or_else(|| this_month(&state));
    let list: Vec<VillageMonthView> =
        publication::villages(&state.db, &auth.actor, state.now(), month).await.map_err(fail(lang))?;
    let villages = list
        .iter()
        .map(|v| VillageRow {
            name: v.village_name.clone(),
            payees: v.payees,
            total: money(v.total_fen),
            published: match v.published_at {
                Some(at) => {
                    tf(lang, "payment.publication.published_on", &[("date", &format_date(lang, china_date(at)))])
                }
                None => t(lang, "payment.publication.not_published").to_string(),
            },
            href: format!("/payments/publication/{}/{}", v.village_code, month),
        })
        .collect();
    render(&VillagesPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        month: month.to_string(),
        month_label: month.label(lang),
        villages,
    })
}

#[derive(Template)]
#[template(path = "payment_publication_preview.html")]
struct PreviewPage {
    tr: Tr,
    title: String,
    rows: Vec<PublicRow>,
    total: String,
    published: String,
    is_published: bool,
    can_publish: bool,
    action: String,
    public_href: String,
    back: String,
    errors: Vec<String>,
}

fn parse_target(village: &str, month: &str) -> Result<(RegionCode, YearMonth), AppError> {
    let village = RegionCode::parse(village).map_err(|_| AppError::NotFound)?;
    let month = YearMonth::parse(month).ok_or(AppError::NotFound)?;
    Ok((village, month))
}

fn preview_of(tr: Tr, p: &Publication, errors: Vec<String>) -> PreviewPage {
    let lang = tr.lang;
    PreviewPage {
        title: title(lang, p),
        rows: public_rows(lang, p),
        total: total(lang, p),
        published: published_text(lang, p),
        is_published: p.published_at.is_some(),
        can_publish: p.can_publish && !p.lines.is_empty(),
        action: format!("/payments/publication/{}/{}/publish", p.village_code, p.month),
        public_href: format!("/public/payments/{}/{}", p.village_code, p.month),
        back: format!("/payments/publication?month={}", p.month),
        tr,
        errors,
    }
}

async fn preview_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path((village, month)): Path<(String, String)>,
) -> PageResult {
    let (village, month) = parse_target(&village, &month).map_err(fail(lang))?;
    let p = publication::preview(&state.db, &auth.actor, state.now(), &village, month).await.map_err(fail(lang))?;
    render(&preview_of(Tr::signed_in(lang, &auth.actor, &auth.csrf), &p, vec![]))
}

async fn publish(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path((village, month)): Path<(String, String)>,
) -> PageResult {
    let (village, month) = parse_target(&village, &month).map_err(fail(lang))?;
    match publication::publish(&state.db, &auth.actor, state.now(), &village, month).await {
        Ok(_) => Ok(Redirect::to(&format!("/payments/publication/{village}/{month}")).into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let p =
                publication::preview(&state.db, &auth.actor, state.now(), &village, month).await.map_err(fail(lang))?;
            refused(&preview_of(Tr::signed_in(lang, &auth.actor, &auth.csrf), &p, errors))
        }
    }
}

// ------------------------------------------------------------ the board

/// A village on the board with links to its published months.
struct BoardVillage {
    code: String,
    name: String,
    /// `(href, month in words)`.
    months: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "payment_publication_board.html")]
struct BoardPage {
    tr: Tr,
    villages: Vec<BoardVillage>,
}

fn board_village(lang: Lang, code: &str, name: String, months: &[YearMonth]) -> BoardVillage {
    BoardVillage {
        code: code.to_string(),
        name,
        months: months.iter().map(|m| (format!("/public/payments/{code}/{m}"), m.label(lang))).collect(),
    }
}

async fn public_index(State(state): State<AppState>, UiLang(lang): UiLang) -> PageResult {
    let villages: Vec<PublicPaymentVillage> =
        publication::public_villages(&state.db, state.now()).await.map_err(fail(lang))?;
    let villages = villages.iter().map(|v| board_village(lang, &v.region_code, v.name.clone(), &v.months)).collect();
    render(&BoardPage { tr: Tr::new(lang), villages })
}

async fn public_village(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    Path(village): Path<String>,
) -> PageResult {
    let code = RegionCode::parse(&village).map_err(|_| fail(lang)(AppError::NotFound))?;
    let (name, months) = publication::public_months(&state.db, state.now(), &code).await.map_err(fail(lang))?;
    let villages = vec![board_village(lang, code.as_str(), name, &months)];
    render(&BoardPage { tr: Tr::new(lang), villages })
}

#[derive(Template)]
#[template(path = "payment_publication_public.html")]
struct PublicListPage {
    tr: Tr,
    title: String,
    rows: Vec<PublicRow>,
    total: String,
    published: String,
    pdf: String,
    back: String,
}

async fn published(state: &AppState, village: &str, month: &str) -> Result<Publication, AppError> {
    let (village, month) = parse_target(village, month)?;
    publication::public_publication(&state.db, state.now(), &village, month).await
}

async fn public_list(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    Path((village, month)): Path<(String, String)>,
) -> PageResult {
    let p = published(&state, &village, &month).await.map_err(fail(lang))?;
    render(&PublicListPage {
        tr: Tr::new(lang),
        title: title(lang, &p),
        rows: public_rows(lang, &p),
        total: total(lang, &p),
        published: published_text(lang, &p),
        pdf: format!("/public/payments/{}/{}/pdf", p.village_code, p.month),
        back: format!("/public/payments/{}", p.village_code),
    })
}

async fn public_pdf(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    Path((village, month)): Path<(String, String)>,
) -> PageResult {
    let p = published(&state, &village, &month).await.map_err(fail(lang))?;
    let bytes = print(&state, publication_doc(lang, &p), jiuzhu_print::Printer::payment_publication)
        .await
        .map_err(fail(lang))?;
    Ok(pdf_response(bytes, &format!("publication-{}-{}", p.village_code, p.month.yyyymm())))
}
