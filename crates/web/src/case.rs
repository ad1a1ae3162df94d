//! Applications and cases over HTTP: the inbox, the intake form with its
//! materials checklist, the case page with one form per step (the home
//! survey with photos works on a phone), notices as PDF, survey photos and
//! referrals. Handlers parse, call one use case of `jiuzhu_app::case`, and
//! render.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::case::{
    self as c, ActionForm, AmountLine, ApplicationCreated, ApplicationForm, CaseLine, CaseView, Checklist,
    DocumentData, Inbox, Photo,
};
use jiuzhu_domain::Permission;
use jiuzhu_domain::assistance::{CaseKind, DeductionKind, IncomeKind, Material, Need, SupportMode, TempCause};
use jiuzhu_domain::case::{Input, StepField, StepKind, self_care_items};
use jiuzhu_domain::i18n::{Lang, t};
use jiuzhu_print::NoticeDoc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiErrorBody, ApiResult, api_fail};
use crate::session::{ApiAuthed, Authed};
use crate::tr::Tr;
use crate::view::{PageResult, fail, messages, options, pdf_response, refused, render};
use crate::{ApiLang, AppState, UiLang};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(inbox_page))
        .route("/households/{id}/apply", get(apply_page))
        .route("/applications", post(submit))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/act", post(act))
        .route("/cases/{id}/documents/{doc}/pdf", get(document_pdf))
        .route("/cases/{id}/photos/{photo}", get(photo))
        .route("/cases/{id}/referrals/{referral}", post(referral))
        .route("/api/cases", get(api_inbox))
        .route("/api/applications", post(api_submit))
        .route("/api/households/{id}/checklist", get(api_checklist))
        .route("/api/cases/{id}", get(api_case))
        .route("/api/cases/{id}/actions", post(api_act))
        .route("/api/cases/{id}/documents/{doc}", get(api_document))
        .route("/api/cases/{id}/referrals/{referral}", put(api_referral))
}

// ------------------------------------------------------------ presentation

fn label(lang: Lang, kind: &str, code: &str) -> String {
    Tr::new(lang).code_label(kind, Some(code))
}

/// The notice as printed, from the document issued.
pub fn notice_doc(d: &DocumentData) -> NoticeDoc {
    NoticeDoc {
        title: d.title.clone(),
        issuer: d.issuer.clone(),
        number: d.number.clone(),
        addressee: d.addressee.clone(),
        paragraphs: d.paragraphs.clone(),
        items: d.items.clone(),
        table: d.table.iter().map(|(k, v)| [k.clone(), v.clone()]).collect(),
        basis: d.basis.clone(),
        appeal: d.appeal.clone(),
        date: d.date.clone(),
        seal: d.seal.clone(),
    }
}

/// A notice as PDF with the fonts of `font_dir`.
pub fn notice_pdf(d: &DocumentData, font_dir: &std::path::Path) -> Result<Vec<u8>, jiuzhu_print::PrintError> {
    jiuzhu_print::Printer::shared(font_dir)?.case_notice(&notice_doc(d))
}

async fn pdf(state: &AppState, d: DocumentData) -> Result<Vec<u8>, AppError> {
    let dir = state.font_dir.clone();
    tokio::task::spawn_blocking(move || notice_pdf(&d, &dir).map_err(|e| AppError::Internal(e.to_string())))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Form pairs (`name=value`, names repeated for lists) into the application.
fn application_from_pairs(pairs: &[(String, String)]) -> ApplicationForm {
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let all = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let lines = |prefix: &str| {
        pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(prefix).map(|kind| AmountLine { kind: kind.to_string(), yuan: v.clone() })
            })
            .filter(|l| !l.yuan.trim().is_empty())
            .collect::<Vec<_>>()
    };
    ApplicationForm {
        household_id: one("household_id").trim().parse().unwrap_or(0),
        kinds: all("kinds"),
        area: one("area"),
        applicant_person_id: one("applicant_person_id").trim().parse().ok(),
        provided: all("provided"),
        declared_relative: one("declared_relative"),
        income: lines("income_"),
        deductions: lines("deduction_"),
        needs: all("needs"),
        cause: one("cause"),
        requested_yuan: one("requested_yuan"),
        note: one("note"),
    }
}

// ------------------------------------------------------------ inbox

#[derive(Template)]
#[template(path = "cases.html")]
struct InboxPage {
    tr: Tr,
    inbox: Inbox,
    /// `(township, open, overdue, due soon, bar width %)`.
    chart: Vec<(String, i64, i64, i64, i64)>,
    can_apply: bool,
}

async fn inbox_page(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let inbox = c::inbox(&state.db, &auth.actor, state.now()).await.map_err(fail(lang))?;
    let max = inbox.townships.iter().map(|t| t.open).max().unwrap_or(1).max(1);
    let chart =
        inbox.townships.iter().map(|t| (t.name.clone(), t.open, t.overdue, t.due_soon, t.open * 100 / max)).collect();
    render(&InboxPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        inbox,
        chart,
        can_apply: auth.actor.can(Permission::CaseApply),
    })
}

// ------------------------------------------------------------ intake

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    tr: Tr,
    checklist: Checklist,
    kinds: Vec<(String, String)>,
    /// `(code, label, programmes needing it)`.
    materials: Vec<(String, String, String)>,
    income_kinds: Vec<(String, String)>,
    deduction_kinds: Vec<(String, String)>,
    needs: Vec<(String, String)>,
    causes: Vec<(String, String)>,
    form: ApplicationForm,
    errors: Vec<String>,
}

impl ApplyPage {
    fn checked(&self, list: &str, code: &str) -> bool {
        let values = match list {
            "kinds" => &self.form.kinds,
            "provided" => &self.form.provided,
            _ => &self.form.needs,
        };
        values.iter().any(|v| v == code)
    }

    fn amount(&self, prefix: &str, kind: &str) -> String {
        let lines = if prefix == "income" { &self.form.income } else { &self.form.deductions };
        lines.iter().find(|l| l.kind == kind).map(|l| l.yuan.clone()).unwrap_or_default()
    }
}

async fn apply_page_for(
    state: &AppState,
    auth: &Authed,
    lang: Lang,
    household_id: i64,
    form: ApplicationForm,
) -> Result<ApplyPage, AppError> {
    let checklist = c::checklist(&state.db, &auth.actor, state.now(), household_id).await?;
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    let materials = Material::ALL
        .iter()
        .map(|m| {
            let needed_by: Vec<String> = checklist
                .materials
                .iter()
                .filter(|(_, list)| list.iter().any(|x| x == m.code()))
                .map(|(kind, _)| label(lang, "CaseKind", kind))
                .collect();
            (m.code().to_string(), m.label(lang).to_string(), needed_by.join(sep))
        })
        .filter(|(_, _, needed)| !needed.is_empty())
        .collect();
    Ok(ApplyPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        checklist,
        kinds: options(CaseKind::ALL, CaseKind::code, |v| t(lang, v.message_key())),
        materials,
        income_kinds: options(IncomeKind::ALL, IncomeKind::code, |v| t(lang, v.message_key())),
        deduction_kinds: options(DeductionKind::ALL, DeductionKind::code, |v| t(lang, v.message_key())),
        needs: options(Need::ALL, Need::code, |v| t(lang, v.message_key())),
        causes: options(TempCause::ALL, TempCause::code, |v| t(lang, v.message_key())),
        form: ApplicationForm {
            household_id,
            area: if form.area.is_empty() { "rural".into() } else { form.area.clone() },
            ..form
        },
        errors: Vec::new(),
    })
}

async fn apply_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    render(&apply_page_for(&state, &auth, lang, id, ApplicationForm::default()).await.map_err(fail(lang))?)
}

async fn submit(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let form = application_from_pairs(&pairs);
    match c::submit_application(&state.db, &auth.actor, state.now(), &form).await {
        Ok(created) => {
            Ok(Redirect::to(&format!("/cases/{}", created.case_ids.first().copied().unwrap_or(0))).into_response())
        }
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let mut page = apply_page_for(&state, &auth, lang, form.household_id, form).await.map_err(fail(lang))?;
            page.errors = errors;
            refused(&page)
        }
    }
}

// ------------------------------------------------------------ the case page

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    tr: Tr,
    case: CaseView,
    /// The programme, which decides what the approval form asks.
    kind: CaseKind,
    /// The self-care items: code and catalogue key.
    self_care: Vec<(&'static str, &'static str)>,
    /// The case's missing materials `(code, label)`.
    missing: Vec<(String, String)>,
    errors: Vec<String>,
}

impl CasePage {
    fn verification_result(&self) -> Option<i64> {
        self.case.state.get("verification").and_then(|v| v.get("result_id")).and_then(|v| v.as_i64())
    }

    fn verification_eligible(&self) -> bool {
        self.case.state.get("verification").and_then(|v| v.get("eligible")).and_then(|v| v.as_bool()) == Some(true)
    }

    /// The fields of a step's form, as the domain describes them.
    fn fields(&self, step: &StepKind) -> &'static [StepField] {
        step.fields(self.kind)
    }

    fn support_modes(&self) -> &'static [SupportMode] {
        SupportMode::ALL
    }

    fn derivation(&self) -> Vec<(String, String)> {
        self.case.decision.as_ref().map(|d| d.derivation.clone()).unwrap_or_default()
    }
}

fn case_page_for(lang: Lang, auth: &Authed, case: CaseView) -> CasePage {
    let missing = case.missing.iter().map(|m| (m.clone(), label(lang, "Material", m))).collect();
    CasePage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        kind: CaseKind::parse(&case.kind).unwrap_or(CaseKind::Dibao),
        self_care: self_care_items().collect(),
        missing,
        case,
        errors: Vec::new(),
    }
}

async fn case_page(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
) -> PageResult {
    let case = c::case_detail(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
    render(&case_page_for(lang, &auth, case))
}

async fn act(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> PageResult {
    let mut pairs = Vec::new();
    let mut photos = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| fail(lang)(AppError::Internal(e.to_string())))? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photos" {
            // Every photo chosen goes to the use case, which checks its size and
            // content (an empty part is a file input left empty).
            let content_type = field.content_type().unwrap_or("application/octet-stream").to_string();
            let bytes = field.bytes().await.map_err(|e| fail(lang)(AppError::Internal(e.to_string())))?;
            if !bytes.is_empty() {
                photos.push(Photo { content_type, bytes: bytes.to_vec() });
            }
        } else {
            let text = field.text().await.map_err(|e| fail(lang)(AppError::Internal(e.to_string())))?;
            pairs.push((name, text));
        }
    }
    let result = match ActionForm::from_pairs(&pairs) {
        Ok(form) => c::act_form(&state.db, &auth.actor, state.now(), id, &form, photos).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let case = c::case_detail(&state.db, &auth.actor, state.now(), id).await.map_err(fail(lang))?;
            let mut page = case_page_for(lang, &auth, case);
            page.errors = errors;
            refused(&page)
        }
    }
}

async fn document_pdf(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path((id, doc)): Path<(i64, i64)>,
) -> PageResult {
    let (kind, data) = c::document(&state.db, &auth.actor, state.now(), id, doc).await.map_err(fail(lang))?;
    let bytes = pdf(&state, data).await.map_err(fail(lang))?;
    Ok(pdf_response(bytes, &format!("{kind}-{id}-{doc}")))
}

async fn photo(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path((id, photo)): Path<(i64, i64)>,
) -> PageResult {
    let (image, bytes) = c::photo(&state.db, &auth.actor, state.now(), id, photo).await.map_err(fail(lang))?;
    let disposition = format!("inline; filename=\"case-{id}-photo-{photo}.{}\"", image.extension());
    let headers = [
        (header::CONTENT_TYPE, image.mime().to_string()),
        (header::CONTENT_DISPOSITION, disposition),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (header::CONTENT_SECURITY_POLICY, PHOTO_CSP.into()),
        (header::CACHE_CONTROL, "no-store".into()),
    ];
    Ok((headers, bytes).into_response())
}

/// The policy a photo is served under: no script, no plugin, no form, even
/// if a browser opened it as a document.
const PHOTO_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

/// A referral's new status.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct ReferralForm {
    /// `sent`, `received` or `done`.
    pub status: String,
    pub note: String,
}

async fn referral(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Path((id, referral)): Path<(i64, i64)>,
    Form(form): Form<ReferralForm>,
) -> PageResult {
    c::update_referral(&state.db, &auth.actor, state.now(), id, referral, &form.status, &form.note)
        .await
        .map_err(fail(lang))?;
    Ok(Redirect::to(&format!("/cases/{id}")).into_response())
}

// ------------------------------------------------------------ API

/// The user's inbox: open cases in scope by due date, escalations, load per township.
#[utoipa::path(get, path = "/api/cases", responses((status = 200, body = Inbox)))]
pub(crate) async fn api_inbox(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
) -> ApiResult<Json<Inbox>> {
    Ok(Json(c::inbox(&state.db, &actor, state.now()).await.map_err(api_fail(lang))?))
}

/// Enters an application (one case per programme).
#[utoipa::path(post, path = "/api/applications", request_body = ApplicationForm,
    responses((status = 201, body = ApplicationCreated), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_submit(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Json(form): Json<ApplicationForm>,
) -> ApiResult<(StatusCode, Json<ApplicationCreated>)> {
    let created = c::submit_application(&state.db, &actor, state.now(), &form).await.map_err(api_fail(lang))?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The intake checklist of a household under the policy in force.
#[utoipa::path(get, path = "/api/households/{id}/checklist", responses((status = 200, body = Checklist)))]
pub(crate) async fn api_checklist(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<Checklist>> {
    Ok(Json(c::checklist(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

/// A case with its history, documents and the steps the user may take.
#[utoipa::path(get, path = "/api/cases/{id}", responses((status = 200, body = CaseView), (status = 404, body = ApiErrorBody)))]
pub(crate) async fn api_case(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(c::case_detail(&state.db, &actor, state.now(), id).await.map_err(api_fail(lang))?))
}

/// Takes one step on a case (photos are uploaded through the page).
#[utoipa::path(post, path = "/api/cases/{id}/actions", request_body = ActionForm,
    responses((status = 200, body = CaseView), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_act(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Json(form): Json<ActionForm>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(c::act_form(&state.db, &actor, state.now(), id, &form, vec![]).await.map_err(api_fail(lang))?))
}

/// A document issued for a case, as PDF.
#[utoipa::path(get, path = "/api/cases/{id}/documents/{doc}", responses((status = 200, content_type = "application/pdf")))]
pub(crate) async fn api_document(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path((id, doc)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let (kind, data) = c::document(&state.db, &actor, state.now(), id, doc).await.map_err(api_fail(lang))?;
    let bytes = pdf(&state, data).await.map_err(api_fail(lang))?;
    Ok(pdf_response(bytes, &format!("{kind}-{id}-{doc}")))
}

/// Updates a referral's status.
#[utoipa::path(put, path = "/api/cases/{id}/referrals/{referral}", request_body = ReferralForm, responses((status = 204)))]
pub(crate) async fn api_referral(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path((id, referral)): Path<(i64, i64)>,
    Json(form): Json<ReferralForm>,
) -> ApiResult<StatusCode> {
    c::update_referral(&state.db, &actor, state.now(), id, referral, &form.status, &form.note)
        .await
        .map_err(api_fail(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lines of the inbox shown as a table (template helper).
pub(crate) fn due_class(line: &CaseLine) -> &'static str {
    if line.overdue {
        "overdue"
    } else if line.due_soon {
        "due-soon"
    } else {
        ""
    }
}
