//! What was paid, over HTTP (issue 12 points 4 and 7): the county overview
//! (`/payments/overview`: amounts and people paid per programme over the
//! last twelve months as two bar charts drawn on the server as inline SVG —
//! no script — with a table of the same figures beside them, and the rolls
//! of those months), a roll's totals (`/payments/rolls/{id}/totals`,
//! included in the roll's page), and 导出Excel of the payment lists: a
//! roll's lines, the correction list, recipients without an account and the
//! overview (money as numbers, ID and account columns as text, masked as
//! on the page). The same figures under `/api/payments/overview` and
//! `/api/payments/rolls/{id}/totals`. Handlers call
//! `jiuzhu_app::payment::stats`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::payee;
use jiuzhu_app::payment::returns;
use jiuzhu_app::payment::roll::{self as pay, RollView};
use jiuzhu_app::payment::stats::{self, MonthFigures, Overview, RollTotalsView, TallyView};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::{Lang, china_date, t, tf};
use jiuzhu_domain::money::group_thousands;
use jiuzhu_domain::payment::totals::nice_ceiling;
use jiuzhu_domain::{Fen, Program, RegionCode};
use jiuzhu_files::sheet::{self, Cell, Column, Kind};
use serde::Deserialize;

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/payments/overview", get(overview_page))
        .route("/payments/overview.xlsx", get(overview_xlsx))
        .route("/payments/rolls/{id}/totals", get(totals_page))
        .route("/payments/rolls/{id}/lines.xlsx", get(lines_xlsx))
        .route("/payments/corrections.xlsx", get(corrections_xlsx))
        .route("/payees/missing.xlsx", get(missing_xlsx))
        .route("/api/payments/overview", get(api_overview))
        .route("/api/payments/rolls/{id}/totals", get(api_totals))
}

/// The region and last month of the overview.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct OverviewQuery {
    /// A region code inside the user's region; default: the user's region.
    #[serde(default)]
    region: String,
    /// The last month shown, `2026-12`; default: this month.
    #[serde(default)]
    to: String,
}

impl OverviewQuery {
    fn region(&self) -> Option<RegionCode> {
        RegionCode::parse(&self.region).ok()
    }
    fn to(&self, state: &AppState) -> YearMonth {
        YearMonth::parse(&self.to).unwrap_or_else(|| YearMonth::of(china_date(state.now())))
    }
}

// ------------------------------------------------------------ the chart

/// Bar fill per programme (the legend and the bars agree).
const COLOURS: [&str; 5] = ["#2f6fb0", "#d9822b", "#3a8f5c", "#8c5bb5", "#b5485b"];
const CHART_W: i64 = 760;
const CHART_H: i64 = 240;
const LEFT: i64 = 96;
const TOP: i64 = 16;
const BOTTOM: i64 = 44;

struct Bar {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    fill: &'static str,
    title: String,
}

struct Tick {
    y: i64,
    text: String,
}

struct MonthLabel {
    x: i64,
    month: String,
    year: String,
}

struct Legend {
    x: i64,
    fill: &'static str,
    text: String,
}

/// One bar chart: a bar per programme in each month.
struct Chart {
    id: &'static str,
    title: String,
    unit: String,
    width: i64,
    height: i64,
    left: i64,
    base: i64,
    right: i64,
    bars: Vec<Bar>,
    ticks: Vec<Tick>,
    months: Vec<MonthLabel>,
    legend: Vec<Legend>,
}

/// The programmes shown, in a fixed order.
fn programs_of(figures: &[MonthFigures]) -> Vec<Program> {
    let mut ps: Vec<Program> =
        Program::ALL.iter().copied().filter(|p| figures.iter().any(|f| f.program == *p)).collect();
    ps.dedup();
    ps
}

/// A chart of `value` (in its unit: 元 or people) per month and programme;
/// `label` words one value.
fn chart(
    lang: Lang,
    id: &'static str,
    title: String,
    unit: String,
    o: &Overview,
    value: impl Fn(&MonthFigures) -> i64,
    label: impl Fn(i64) -> String,
) -> Chart {
    let months: Vec<YearMonth> = (0..stats::OVERVIEW_MONTHS).map(|i| o.from.plus(i)).collect();
    let programs = programs_of(&o.figures);
    let max = o.figures.iter().map(&value).max().unwrap_or(0);
    let top = nice_ceiling(max);
    let plot_h = CHART_H - TOP - BOTTOM;
    let base = TOP + plot_h;
    let group_w = (CHART_W - LEFT - 8) / months.len() as i64;
    let bar_w = ((group_w * 4 / 5) / programs.len().max(1) as i64).max(2);
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, m) in months.iter().enumerate() {
        let gx = LEFT + i as i64 * group_w;
        for (j, p) in programs.iter().enumerate() {
            let v = o.figures.iter().find(|f| f.month == *m && f.program == *p).map(&value).unwrap_or(0);
            let h = (i128::from(v) * i128::from(plot_h) / i128::from(top)) as i64;
            bars.push(Bar {
                x: gx + group_w / 10 + j as i64 * bar_w,
                y: base - h,
                w: bar_w - 1,
                h,
                fill: COLOURS[j % COLOURS.len()],
                title: tf(
                    lang,
                    "payment.overview.chart_label",
                    &[("month", &m.label(lang)), ("program", p.label(lang)), ("value", &label(v))],
                ),
            });
        }
        let (month, year) = match lang {
            Lang::Zh => (format!("{}月", m.month()), format!("{}年", m.year())),
            Lang::En => (format!("{:02}", m.month()), m.year().to_string()),
        };
        let year = if i == 0 || m.month() == 1 { year } else { String::new() };
        labels.push(MonthLabel { x: gx + group_w / 2, month, year });
    }
    let ticks = [0, 1, 2, 3, 4]
        .iter()
        .map(|k| Tick { y: base - plot_h * k / 4, text: group_thousands((top / 4 * k).unsigned_abs()) })
        .collect();
    let legend = programs
        .iter()
        .enumerate()
        .map(|(j, p)| Legend { x: LEFT + j as i64 * 180, fill: COLOURS[j % COLOURS.len()], text: p.label(lang).into() })
        .collect();
    Chart {
        id,
        title,
        unit,
        width: CHART_W,
        height: CHART_H + 24,
        left: LEFT,
        base,
        right: CHART_W - 8,
        bars,
        ticks,
        months: labels,
        legend,
    }
}

// ------------------------------------------------------------ overview

struct FigureRow {
    month: String,
    program: &'static str,
    prepared_people: i64,
    prepared: String,
    sent_people: i64,
    sent: String,
    paid_people: i64,
    paid: String,
    failed_people: i64,
    failed: String,
}

struct RollRow {
    id: i64,
    title: String,
    month: String,
    kind: &'static str,
    state: &'static str,
    lines: i64,
    total: String,
}

#[derive(Template)]
#[template(path = "payment_overview.html")]
struct OverviewPage {
    tr: Tr,
    range: String,
    charts: Vec<Chart>,
    rows: Vec<FigureRow>,
    rolls: Vec<RollRow>,
    xlsx: String,
}

fn figure_rows(lang: Lang, o: &Overview) -> Vec<FigureRow> {
    o.figures
        .iter()
        .map(|f| FigureRow {
            month: f.month.label(lang),
            program: f.program.label(lang),
            prepared_people: f.prepared_people,
            prepared: Fen(f.prepared_fen).to_string(),
            sent_people: f.sent_people,
            sent: Fen(f.sent_fen).to_string(),
            paid_people: f.paid_people,
            paid: Fen(f.paid_fen).to_string(),
            failed_people: f.failed_people,
            failed: Fen(f.failed_fen).to_string(),
        })
        .collect()
}

fn roll_row(lang: Lang, r: &RollView) -> RollRow {
    RollRow {
        id: r.id,
        title: tf(
            lang,
            "payment.roll_title",
            &[("region", &r.region_name), ("month", &r.month.label(lang)), ("group", r.group.label(lang))],
        ),
        month: r.month.label(lang),
        kind: r.kind.label(lang),
        state: r.state.label(lang),
        lines: r.lines,
        total: Fen(r.total_fen).to_string(),
    }
}

fn charts(lang: Lang, o: &Overview) -> Vec<Chart> {
    vec![
        chart(
            lang,
            "chart-amounts",
            t(lang, "payment.overview.chart_amounts").into(),
            t(lang, "payment.overview.axis_yuan").into(),
            o,
            // Whole 元, rounded up, so a bar of a few fen still shows.
            |f| f.paid_fen / 100 + i64::from(f.paid_fen % 100 != 0),
            |v| format!("{}{}", group_thousands(v.unsigned_abs()), t(lang, "payment.overview.axis_yuan")),
        ),
        chart(
            lang,
            "chart-people",
            t(lang, "payment.overview.chart_people").into(),
            t(lang, "payment.overview.axis_people").into(),
            o,
            |f| f.paid_people,
            |v| tf(lang, "payment.overview.people_value", &[("count", &v.to_string())]),
        ),
    ]
}

async fn overview_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(q): Query<OverviewQuery>,
) -> PageResult {
    let region = q.region();
    let o = stats::overview(&state.db, &auth.actor, state.now(), region.as_ref(), q.to(&state))
        .await
        .map_err(fail(lang))?;
    let rolls =
        pay::list_rolls(&state.db, &auth.actor, state.now(), region.as_ref(), None).await.map_err(fail(lang))?;
    let rolls = rolls.iter().filter(|r| r.month >= o.from && r.month <= o.to).map(|r| roll_row(lang, r)).collect();
    let range = tf(lang, "payment.overview.range", &[("from", &o.from.label(lang)), ("to", &o.to.label(lang))]);
    let mut xlsx = format!("/payments/overview.xlsx?to={}", o.to);
    if let Some(r) = &region {
        xlsx.push_str(&format!("&region={r}"));
    }
    render(&OverviewPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        range,
        charts: charts(lang, &o),
        rows: figure_rows(lang, &o),
        rolls,
        xlsx,
    })
}

// ------------------------------------------------------------ roll totals

struct TotalRow {
    id: &'static str,
    label: &'static str,
    lines: i64,
    amount: String,
}

#[derive(Template)]
#[template(path = "payment_roll_totals.html")]
struct TotalsPage {
    tr: Tr,
    roll_id: i64,
    rows: Vec<TotalRow>,
}

fn total_rows(lang: Lang, v: &RollTotalsView) -> Vec<TotalRow> {
    let row = |id: &'static str, key: &str, t: TallyView| TotalRow {
        id,
        label: jiuzhu_domain::i18n::t(lang, key),
        lines: t.lines,
        amount: Fen(t.amount_fen).to_string(),
    };
    vec![
        row("totals-prepared", "payment.totals.prepared", v.prepared),
        row("totals-not-sent", "payment.totals.not_sent", v.not_sent),
        row("totals-sent", "payment.totals.sent", v.sent),
        row("totals-awaiting", "payment.totals.awaiting", v.awaiting_return),
        row("totals-paid", "payment.totals.paid", v.paid),
        row("totals-failed", "payment.totals.failed", v.failed),
        row("totals-repaid", "payment.totals.repaid", v.repaid),
        row("totals-outstanding", "payment.totals.outstanding", v.outstanding),
    ]
}

async fn totals_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let v = stats::roll_totals(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    render(&TotalsPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), roll_id: id, rows: total_rows(lang, &v) })
}

// ------------------------------------------------------------ xlsx

/// An xlsx download named `name` (a Chinese name in `filename*`, an ASCII
/// one beside it).
fn xlsx_download(lang: Lang, name: &str, ascii: &str, bytes: Result<Vec<u8>, sheet::XlsxError>) -> PageResult {
    let bytes = bytes.map_err(|e| fail(lang)(AppError::Internal(e.to_string())))?;
    let disposition =
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", crate::view::encode_rfc5987(name));
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

fn col(lang: Lang, key: &str, kind: Kind) -> Column<'static> {
    Column { title: t(lang, key), kind }
}

fn text_opt(s: &Option<String>) -> Cell {
    s.as_deref().map_or(Cell::Empty, Cell::from)
}

async fn lines_xlsx(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let r = stats::roll_lines_export(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    let columns = [
        col(lang, "payment.xlsx.seq", Kind::Count),
        col(lang, "payment.xlsx.kind", Kind::Words),
        col(lang, "payment.xlsx.payee", Kind::Words),
        col(lang, "payment.xlsx.id_number", Kind::Text),
        col(lang, "payment.xlsx.account_name", Kind::Words),
        col(lang, "payment.xlsx.bank", Kind::Words),
        col(lang, "payment.xlsx.account", Kind::Text),
        col(lang, "payment.xlsx.institution", Kind::Words),
        col(lang, "payment.xlsx.program", Kind::Words),
        col(lang, "payment.xlsx.months", Kind::Words),
        col(lang, "payment.xlsx.month_count", Kind::Count),
        col(lang, "payment.xlsx.amount", Kind::Money),
        col(lang, "payment.xlsx.result", Kind::Words),
        col(lang, "payment.xlsx.reason", Kind::Words),
    ];
    let rows: Vec<Vec<Cell>> = r
        .lines
        .iter()
        .map(|l| {
            let months = if l.first_month == l.last_month {
                l.first_month.label(lang)
            } else {
                format!("{}—{}", l.first_month.label(lang), l.last_month.label(lang))
            };
            vec![
                Cell::Count(l.seq),
                Cell::from(l.kind.label(lang)),
                Cell::from(l.payee_name.as_str()),
                Cell::from(l.id_number_masked.as_str()),
                text_opt(&l.account_name),
                text_opt(&l.bank),
                text_opt(&l.account_masked),
                text_opt(&l.institution),
                Cell::from(l.program.label(lang)),
                Cell::from(months),
                Cell::Count(l.months),
                Cell::Money(l.amount_fen),
                Cell::from(l.result.label(lang)),
                text_opt(&l.failure_reason),
            ]
        })
        .collect();
    let name = format!("{}{}{}.xlsx", r.region_name, r.month.label(lang), t(lang, "payment.xlsx.lines_sheet"));
    let ascii = format!("payment_roll_{}_{}.xlsx", r.roll_id, r.month);
    xlsx_download(lang, &name, &ascii, sheet::write(t(lang, "payment.xlsx.lines_sheet"), &columns, &rows))
}

#[derive(Debug, Default, Deserialize)]
struct CorrectionsQuery {
    #[serde(default)]
    all: String,
}

async fn corrections_xlsx(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(q): Query<CorrectionsQuery>,
) -> PageResult {
    let list = returns::list_corrections(&state.db, &auth.actor, state.now(), None, q.all.is_empty())
        .await
        .map_err(fail(lang))?;
    stats::record_export(&state.db, &auth.actor, state.now(), "corrections", list.len()).await.map_err(fail(lang))?;
    let columns = [
        col(lang, "payment.xlsx.payee", Kind::Words),
        col(lang, "payment.xlsx.id_number", Kind::Text),
        col(lang, "payment.xlsx.roll_month", Kind::Words),
        col(lang, "payment.xlsx.seq", Kind::Count),
        col(lang, "payment.xlsx.amount", Kind::Money),
        col(lang, "payment.xlsx.account", Kind::Text),
        col(lang, "payment.xlsx.reason", Kind::Words),
        col(lang, "payment.xlsx.status", Kind::Words),
    ];
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|c| {
            vec![
                Cell::from(c.payee_name.as_str()),
                Cell::from(c.id_number_masked.as_str()),
                YearMonth::from_yyyymm(c.roll_month).map_or(Cell::Empty, |m| Cell::from(m.label(lang))),
                Cell::Count(c.seq),
                Cell::Money(c.amount_fen),
                Cell::from(c.account_masked.as_str()),
                Cell::from(c.reason.as_str()),
                Cell::from(t(lang, if c.open { "payment.xlsx.open" } else { "payment.xlsx.resolved" })),
            ]
        })
        .collect();
    let sheet_name = t(lang, "payment.xlsx.corrections_sheet");
    xlsx_download(
        lang,
        &format!("{sheet_name}.xlsx"),
        "payment_corrections.xlsx",
        sheet::write(sheet_name, &columns, &rows),
    )
}

#[derive(Debug, Default, Deserialize)]
struct MissingQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    region: String,
}

async fn missing_xlsx(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(q): Query<MissingQuery>,
) -> PageResult {
    let month = YearMonth::parse(&q.month).unwrap_or_else(|| YearMonth::of(china_date(state.now())));
    let region = RegionCode::parse(&q.region).ok();
    let m = payee::missing_accounts(&state.db, &auth.actor, region.as_ref(), month, state.now())
        .await
        .map_err(fail(lang))?;
    stats::record_export(&state.db, &auth.actor, state.now(), "payees_missing", m.lines.len())
        .await
        .map_err(fail(lang))?;
    let columns = [
        col(lang, "payment.xlsx.household", Kind::Text),
        col(lang, "payment.xlsx.region", Kind::Words),
        col(lang, "payment.xlsx.payee", Kind::Words),
        col(lang, "payment.xlsx.program", Kind::Words),
        col(lang, "payment.xlsx.monthly", Kind::Money),
    ];
    let rows: Vec<Vec<Cell>> = m
        .lines
        .iter()
        .map(|l| {
            vec![
                Cell::from(l.external_id.as_str()),
                Cell::from(l.region_name.as_str()),
                Cell::from(l.payee_name.as_str()),
                Cell::from(t(lang, &l.program)),
                Cell::Money(l.monthly_fen),
            ]
        })
        .collect();
    let sheet_name = t(lang, "payment.xlsx.missing_sheet");
    let name = format!("{}{sheet_name}.xlsx", month.label(lang));
    xlsx_download(lang, &name, &format!("payees_missing_{month}.xlsx"), sheet::write(sheet_name, &columns, &rows))
}

async fn overview_xlsx(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Query(q): Query<OverviewQuery>,
) -> PageResult {
    let o = stats::overview(&state.db, &auth.actor, state.now(), q.region().as_ref(), q.to(&state))
        .await
        .map_err(fail(lang))?;
    stats::record_export(&state.db, &auth.actor, state.now(), "overview", o.figures.len()).await.map_err(fail(lang))?;
    let columns = [
        col(lang, "payment.overview.month", Kind::Words),
        col(lang, "payment.overview.program", Kind::Words),
        Column { title: t(lang, "payment.overview.prepared"), kind: Kind::Count },
        Column { title: t(lang, "payment.overview.prepared"), kind: Kind::Money },
        Column { title: t(lang, "payment.overview.sent"), kind: Kind::Count },
        Column { title: t(lang, "payment.overview.sent"), kind: Kind::Money },
        Column { title: t(lang, "payment.overview.paid"), kind: Kind::Count },
        Column { title: t(lang, "payment.overview.paid"), kind: Kind::Money },
        Column { title: t(lang, "payment.overview.failed"), kind: Kind::Count },
        Column { title: t(lang, "payment.overview.failed"), kind: Kind::Money },
    ];
    // Headers name the figure and its unit: 已发放人数, 已发放金额（元）.
    let titles: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| match (i, c.kind) {
            (0 | 1, _) => c.title.to_string(),
            (_, Kind::Count) => format!("{}{}", c.title, t(lang, "payment.overview.people")),
            _ => format!("{}{}", c.title, t(lang, "payment.xlsx.amount")),
        })
        .collect();
    let columns: Vec<Column<'_>> =
        columns.iter().zip(&titles).map(|(c, title)| Column { title: title.as_str(), kind: c.kind }).collect();
    let rows: Vec<Vec<Cell>> = o
        .figures
        .iter()
        .map(|f| {
            vec![
                Cell::from(f.month.label(lang)),
                Cell::from(f.program.label(lang)),
                Cell::Count(f.prepared_people),
                Cell::Money(f.prepared_fen),
                Cell::Count(f.sent_people),
                Cell::Money(f.sent_fen),
                Cell::Count(f.paid_people),
                Cell::Money(f.paid_fen),
                Cell::Count(f.failed_people),
                Cell::Money(f.failed_fen),
            ]
        })
        .collect();
    let sheet_name = t(lang, "payment.xlsx.overview_sheet");
    let name = format!("{sheet_name}{}—{}.xlsx", o.from.label(lang), o.to.label(lang));
    xlsx_download(lang, &name, &format!("payments_{}_{}.xlsx", o.from, o.to), sheet::write(sheet_name, &columns, &rows))
}

// ------------------------------------------------------------ API

/// Each month's figures per programme over the twelve months through `to`
/// (prepared, sent, paid, failed: people and fen), of the rolls in the
/// caller's region.
#[utoipa::path(get, path = "/api/payments/overview", params(OverviewQuery),
    responses((status = 200, body = Overview), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn api_overview(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(q): Query<OverviewQuery>,
) -> ApiResult<Json<Overview>> {
    let o = stats::overview(&state.db, &actor, state.now(), q.region().as_ref(), q.to(&state))
        .await
        .map_err(api_fail(lang))?;
    Ok(Json(o))
}

/// A roll's totals: prepared, not sent, sent, awaiting the return, paid,
/// failed, re-paid and outstanding, each as lines and fen.
#[utoipa::path(get, path = "/api/payments/rolls/{id}/totals", params(("id" = i64, Path)),
    responses((status = 200, body = RollTotalsView), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_totals(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<RollTotalsView>> {
    Ok(Json(stats::roll_totals(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(month: &str, program: Program, paid_fen: i64, people: i64) -> MonthFigures {
        MonthFigures {
            month: YearMonth::parse(month).unwrap(),
            program,
            prepared_people: people,
            prepared_fen: paid_fen,
            sent_people: people,
            sent_fen: paid_fen,
            paid_people: people,
            paid_fen,
            failed_people: 0,
            failed_fen: 0,
        }
    }

    #[test]
    fn the_tallest_bar_fills_the_plot_and_bars_are_labelled_in_words() {
        let o = Overview {
            from: YearMonth::parse("2026-01").unwrap(),
            to: YearMonth::parse("2026-12").unwrap(),
            figures: vec![
                figure("2026-03", Program::Dibao, 2_000_000, 20),
                figure("2026-03", Program::Tekun, 500_000, 5),
            ],
        };
        let c = &charts(Lang::Zh, &o)[0];
        assert_eq!(c.months.len(), 12);
        assert_eq!(c.bars.len(), 24);
        let tallest = c.bars.iter().max_by_key(|b| b.h).unwrap();
        // 20,000元 on a scale to 20,000元: the whole plot.
        assert_eq!(tallest.h, CHART_H - TOP - BOTTOM);
        assert_eq!(tallest.title, "2026年3月低保：20,000元");
        assert_eq!(c.ticks.last().unwrap().text, "20,000");
        assert_eq!(c.months[0].year, "2026年");
        assert_eq!(c.months[0].month, "1月");
        assert!(c.bars.iter().all(|b| b.y + b.h == c.base));
    }
}
