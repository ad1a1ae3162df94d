//! Applications and cases over HTTP: the inbox, the intake form with its
//! materials checklist, the case page with one form per step (the home
//! survey with photos works on a phone), notices as PDF, the public notice
//! board (no sign-in), the staff-relatives register, the assistance policy
//! and the calendar. Handlers parse, call one use case of
//! `jiuzhu_app::cases`, and render.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::cases::{
    self as c, ActionForm, AmountLine, ApplicationCreated, ApplicationForm, CalendarStatus, CaseLine, CaseView,
    Checklist, DocumentData, Inbox, Photo, PolicyEntry, PolicyVersionView, PublicNotice, PublicVillage, RelativeForm,
    RelativeView,
};
use jiuzhu_domain::assistance::{
    AssistancePolicy, CaseKind, DeductionKind, IncomeKind, Material, Need, SELF_CARE_ITEMS, TempCause,
};
use jiuzhu_domain::i18n::{Lang, t};
use jiuzhu_domain::{Fen, Permission, RegionCode};
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
        .route("/assistance-policies", get(policies_page).post(save_policy))
        .route("/staff-relatives", get(relatives_page).post(add_relative))
        .route("/admin/calendar", get(calendar_page).post(load_calendar))
        .route("/admin/calendar/warning", get(calendar_warning))
        .route("/public/notices", get(public_index))
        .route("/public/notices/{village}", get(public_village))
        .route("/public/notices/{village}/{notice}/objection", post(public_objection))
        .route("/api/cases", get(api_inbox))
        .route("/api/applications", post(api_submit))
        .route("/api/households/{id}/checklist", get(api_checklist))
        .route("/api/cases/{id}", get(api_case))
        .route("/api/cases/{id}/actions", post(api_act))
        .route("/api/cases/{id}/documents/{doc}", get(api_document))
        .route("/api/cases/{id}/referrals/{referral}", put(api_referral))
        .route("/api/assistance-policies", get(api_policies).post(api_set_policy))
        .route("/api/staff-relatives", get(api_relatives).post(api_add_relative))
        .route("/api/calendar", get(api_calendar).put(api_load_calendar))
        .route("/api/public/notices", get(api_public_villages))
        .route("/api/public/notices/{village}", get(api_public_notices))
        .route("/api/public/notices/{village}/{notice}/objections", post(api_public_objection))
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

fn action_from_pairs(pairs: &[(String, String)]) -> ActionForm {
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let all = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    ActionForm {
        action: one("action"),
        version: one("version").trim().parse().unwrap_or(0),
        reason: one("reason"),
        provided: all("provided"),
        investigators: one("investigators"),
        family_signatures: one("family_signatures"),
        findings: one("findings"),
        approve: one("approve") == "true",
        amount_yuan: one("amount_yuan"),
        unable: all("unable"),
        support_mode: one("support_mode"),
        no_able_supporter: one("no_able_supporter") == "true",
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
    /// Catalogue keys of the self-care items with their codes.
    self_care: Vec<(String, String)>,
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

    fn kind_is(&self, kind: &str) -> bool {
        self.case.kind == kind
    }

    fn event_text(&self, detail: &serde_json::Value) -> String {
        let Some(map) = detail.as_object() else { return String::new() };
        let sep = if self.tr.lang == Lang::Zh { "；" } else { "; " };
        map.iter()
            .filter_map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) if !s.is_empty() => s.clone(),
                    serde_json::Value::Array(a) if !a.is_empty() => a
                        .iter()
                        .map(|x| match x.as_str() {
                            Some(code) if k == "missing" || k == "provided" => label(self.tr.lang, "Material", code),
                            Some(s) => s.to_string(),
                            None => x.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join("、"),
                    serde_json::Value::Bool(b) => self.tr.yes_no(b).to_string(),
                    serde_json::Value::Number(n) if k.ends_with("_fen") => Fen(n.as_i64().unwrap_or(0)).to_string(),
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                let key = format!("case.detail.{k}");
                let name = if jiuzhu_domain::i18n::has_key(&key) { self.tr.t(&key).to_string() } else { k.clone() };
                Some(format!("{name}：{text}"))
            })
            .collect::<Vec<_>>()
            .join(sep)
    }

    fn derivation(&self) -> Vec<(String, String)> {
        self.case
            .decision
            .as_ref()
            .and_then(|d| d.get("derivation"))
            .and_then(|d| serde_json::from_value(d.clone()).ok())
            .unwrap_or_default()
    }
}

fn case_page_for(lang: Lang, auth: &Authed, case: CaseView) -> CasePage {
    let missing = case.missing.iter().map(|m| (m.clone(), label(lang, "Material", m))).collect();
    CasePage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        self_care: SELF_CARE_ITEMS
            .iter()
            .map(|k| (k.trim_start_matches("selfcare.").to_string(), k.to_string()))
            .collect(),
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
    let form = action_from_pairs(&pairs);
    match c::act(&state.db, &auth.actor, state.now(), id, &form, photos).await {
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

// ------------------------------------------------------------ policy, register, calendar

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
    let versions = c::assistance_policies(&state.db, &auth.actor, state.now()).await?;
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
            c::set_assistance_policy(&state.db, &auth.actor, state.now(), &region, from, &patch).await.map(|_| ())
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

#[derive(Template)]
#[template(path = "relatives.html")]
struct RelativesPage {
    tr: Tr,
    relatives: Vec<RelativeView>,
    form: RelativeForm,
    errors: Vec<String>,
}

async fn relatives_page(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let relatives = c::staff_relatives(&state.db, &auth.actor, state.now()).await.map_err(fail(lang))?;
    render(&RelativesPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        relatives,
        form: RelativeForm::default(),
        errors: vec![],
    })
}

async fn add_relative(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    Form(form): Form<RelativeForm>,
) -> PageResult {
    match c::add_staff_relative(&state.db, &auth.actor, state.now(), &form).await {
        Ok(_) => Ok(Redirect::to("/staff-relatives").into_response()),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            let relatives = c::staff_relatives(&state.db, &auth.actor, state.now()).await.map_err(fail(lang))?;
            refused(&RelativesPage { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), relatives, form, errors })
        }
    }
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    tr: Tr,
    status: CalendarStatus,
    can_load: bool,
    errors: Vec<String>,
    loaded: Vec<i32>,
}

async fn calendar_page(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let status = c::calendar_status(&state.db, state.now()).await.map_err(fail(lang))?;
    render(&CalendarPage {
        tr: Tr::signed_in(lang, &auth.actor, &auth.csrf),
        status,
        can_load: auth.actor.can(Permission::CalendarManage),
        errors: vec![],
        loaded: vec![],
    })
}

#[derive(Template)]
#[template(path = "calendar_warning.html")]
struct CalendarWarning {
    tr: Tr,
    year: Option<i32>,
}

/// The red banner every page of an administrator loads (htmx): next year's
/// arrangement is missing. Only those who can load it are told; for
/// everyone else, and once it is loaded, the fragment is empty.
async fn calendar_warning(State(state): State<AppState>, UiLang(lang): UiLang, auth: Authed) -> PageResult {
    let year = if auth.actor.can(Permission::CalendarManage) {
        c::calendar_status(&state.db, state.now()).await.map_err(fail(lang))?.missing_next_year
    } else {
        None
    };
    render(&CalendarWarning { tr: Tr::signed_in(lang, &auth.actor, &auth.csrf), year })
}

async fn load_calendar(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    auth: Authed,
    mut multipart: Multipart,
) -> PageResult {
    let mut text = String::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| fail(lang)(AppError::Internal(e.to_string())))? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|e| fail(lang)(AppError::Internal(e.to_string())))?;
            text = jiuzhu_files::table::decode(&bytes).map(|(t, _)| t).unwrap_or_default();
        }
    }
    let result = c::load_calendar(&state.db, &auth.actor, state.now(), &text).await;
    let status = c::calendar_status(&state.db, state.now()).await.map_err(fail(lang))?;
    let can_load = auth.actor.can(Permission::CalendarManage);
    let tr = Tr::signed_in(lang, &auth.actor, &auth.csrf);
    match result {
        Ok(loaded) => render(&CalendarPage { tr, status, can_load, errors: vec![], loaded }),
        Err(e) => {
            let Some(errors) = messages(lang, &e) else { return Err(fail(lang)(e)) };
            refused(&CalendarPage { tr, status, can_load, errors, loaded: vec![] })
        }
    }
}

// ------------------------------------------------------------ public notice board

#[derive(Template)]
#[template(path = "public_notices.html")]
struct PublicIndexPage {
    tr: Tr,
    villages: Vec<PublicVillage>,
}

#[derive(Template)]
#[template(path = "public_village.html")]
struct PublicVillagePage {
    tr: Tr,
    code: String,
    name: String,
    notices: Vec<PublicNotice>,
    message: String,
}

async fn public_index(State(state): State<AppState>, UiLang(lang): UiLang) -> PageResult {
    let villages = c::public_villages(&state.db, state.now()).await.map_err(fail(lang))?;
    render(&PublicIndexPage { tr: Tr::new(lang), villages })
}

async fn public_village_page(
    state: &AppState,
    lang: Lang,
    village: &str,
    message: String,
) -> Result<PublicVillagePage, AppError> {
    let code = RegionCode::parse(village).map_err(|_| AppError::NotFound)?;
    let (name, notices) = c::public_notices(&state.db, state.now(), &code).await?;
    Ok(PublicVillagePage { tr: Tr::new(lang), code: code.to_string(), name, notices, message })
}

async fn public_village(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    Path(village): Path<String>,
) -> PageResult {
    render(&public_village_page(&state, lang, &village, String::new()).await.map_err(fail(lang))?)
}

/// An objection from the public.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct PublicObjectionForm {
    pub text: String,
    /// Optional: how to reach the person (kept with the objection, never published).
    pub contact: String,
}

async fn public_objection(
    State(state): State<AppState>,
    UiLang(lang): UiLang,
    Path((village, notice)): Path<(String, i64)>,
    crate::session::ClientIp(ip): crate::session::ClientIp,
    Form(form): Form<PublicObjectionForm>,
) -> PageResult {
    let result = match RegionCode::parse(&village) {
        Ok(code) => c::public_objection(&state.db, state.now(), &ip, &code, notice, &form.text, &form.contact).await,
        Err(_) => Err(AppError::NotFound),
    };
    let status = match &result {
        Err(AppError::TooMany(_)) => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let message = match &result {
        Ok(()) => t(lang, "public.objection.thanks").to_string(),
        Err(e) => match messages(lang, e) {
            Some(m) => m.join(" "),
            None => return Err(fail(lang)(result.err().unwrap_or(AppError::NotFound))),
        },
    };
    let page = public_village_page(&state, lang, &village, message).await.map_err(fail(lang))?;
    if result.is_ok() { render(&page) } else { render(&page).map(|r| (status, r).into_response()) }
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
    Ok(Json(c::act(&state.db, &actor, state.now(), id, &form, vec![]).await.map_err(api_fail(lang))?))
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

/// The assistance policy versions inside or above the user's region.
#[utoipa::path(get, path = "/api/assistance-policies", responses((status = 200, body = Vec<PolicyVersionView>)))]
pub(crate) async fn api_policies(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
) -> ApiResult<Json<Vec<PolicyVersionView>>> {
    Ok(Json(c::assistance_policies(&state.db, &actor, state.now()).await.map_err(api_fail(lang))?))
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
    c::set_assistance_policy(&state.db, &actor, state.now(), &region, from, &patch).await.map_err(api_fail(lang))?;
    Ok(StatusCode::CREATED)
}

/// The staff-relatives register of the user's region.
#[utoipa::path(get, path = "/api/staff-relatives", responses((status = 200, body = Vec<RelativeView>)))]
pub(crate) async fn api_relatives(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
) -> ApiResult<Json<Vec<RelativeView>>> {
    Ok(Json(c::staff_relatives(&state.db, &actor, state.now()).await.map_err(api_fail(lang))?))
}

/// Adds an entry to the staff-relatives register.
#[utoipa::path(post, path = "/api/staff-relatives", request_body = RelativeForm,
    responses((status = 201), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_add_relative(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Json(form): Json<RelativeForm>,
) -> ApiResult<StatusCode> {
    c::add_staff_relative(&state.db, &actor, state.now(), &form).await.map_err(api_fail(lang))?;
    Ok(StatusCode::CREATED)
}

/// The working-day calendar: covered years and the November warning.
#[utoipa::path(get, path = "/api/calendar", responses((status = 200, body = CalendarStatus)))]
pub(crate) async fn api_calendar(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(_actor): ApiAuthed,
) -> ApiResult<Json<CalendarStatus>> {
    Ok(Json(c::calendar_status(&state.db, state.now()).await.map_err(api_fail(lang))?))
}

/// Loads a holiday file (`date,kind,name` lines) as the raw body.
#[utoipa::path(put, path = "/api/calendar", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Vec<i32>), (status = 422, body = ApiErrorBody)))]
pub(crate) async fn api_load_calendar(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    body: Bytes,
) -> ApiResult<Json<Vec<i32>>> {
    let text = jiuzhu_files::table::decode(&body).map(|(t, _)| t).unwrap_or_default();
    Ok(Json(c::load_calendar(&state.db, &actor, state.now(), &text).await.map_err(api_fail(lang))?))
}

/// Villages with public notices (no sign-in).
#[utoipa::path(get, path = "/api/public/notices", responses((status = 200, body = Vec<PublicVillage>)))]
pub(crate) async fn api_public_villages(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
) -> ApiResult<Json<Vec<PublicVillage>>> {
    Ok(Json(c::public_villages(&state.db, state.now()).await.map_err(api_fail(lang))?))
}

/// The notices of a village (no sign-in): name, household size, amount, programme, dates.
#[utoipa::path(get, path = "/api/public/notices/{village}", responses((status = 200, body = Vec<PublicNotice>)))]
pub(crate) async fn api_public_notices(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    Path(village): Path<String>,
) -> ApiResult<Json<Vec<PublicNotice>>> {
    let code = RegionCode::parse(&village).map_err(|_| api_fail(lang)(AppError::NotFound))?;
    Ok(Json(c::public_notices(&state.db, state.now(), &code).await.map_err(api_fail(lang))?.1))
}

/// Raises an objection to a notice of the village (no sign-in); at most 5
/// an hour from one address to one notice (429 after that).
#[utoipa::path(post, path = "/api/public/notices/{village}/{notice}/objections", request_body = PublicObjectionForm,
    responses((status = 201), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 429, body = ApiErrorBody)))]
pub(crate) async fn api_public_objection(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    Path((village, notice)): Path<(String, i64)>,
    crate::session::ClientIp(ip): crate::session::ClientIp,
    Json(form): Json<PublicObjectionForm>,
) -> ApiResult<StatusCode> {
    let village = RegionCode::parse(&village).map_err(|_| api_fail(lang)(AppError::NotFound))?;
    c::public_objection(&state.db, state.now(), &ip, &village, notice, &form.text, &form.contact)
        .await
        .map_err(api_fail(lang))?;
    Ok(StatusCode::CREATED)
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
