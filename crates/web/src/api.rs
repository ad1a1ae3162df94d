//! The JSON API under `/api/`: the same use cases as the pages, documented
//! by the OpenAPI document at `/api/openapi.json` and browsable with the
//! self-hosted explorer at `/api/docs/`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jiuzhu_app::AppError;
use jiuzhu_app::import::{ImportError, import_roster};
use jiuzhu_app::input::{HouseholdForm, MemberForm};
use jiuzhu_app::registry::{
    self, HistoryEntry, HouseholdDetail, HouseholdPage, HouseholdRow, HouseholdView, MemberView, RegionNode,
};
use jiuzhu_domain::{IdNumber, Lang, RegionCode, Relation};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ApiErrorBody, ApiProblem, ApiResult, api_fail as fail};
use crate::session::ApiAuthed;
use crate::{ApiLang, AppState, ListParams};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jiuzhu (救助通) API",
        description = "Social assistance case management: household registry, economic verification, applications and their workflow, public notices."
    ),
    paths(
        list_regions,
        list_households,
        create_household,
        get_household,
        update_household,
        add_member,
        update_member,
        move_member,
        find_person,
        import,
        export,
        crate::verification::api_deliveries,
        crate::verification::api_import_delivery,
        crate::verification::api_run,
        crate::verification::api_run_follow_ups,
        crate::verification::api_household_results,
        crate::verification::api_verify_household,
        crate::verification::api_report,
        crate::verification::api_report_pdf,
        crate::verification::api_lodge,
        crate::verification::api_decide,
        crate::case::api_inbox,
        crate::case::api_submit,
        crate::case::api_checklist,
        crate::case::api_case,
        crate::case::api_act,
        crate::case::api_document,
        crate::case::api_referral,
        crate::policy::api_policies,
        crate::policy::api_set_policy,
        crate::relatives::api_relatives,
        crate::relatives::api_add_relative,
        crate::payment::api_rolls,
        crate::payment::api_generate,
        crate::payment::api_roll,
        crate::payment::api_approve,
        crate::payment::api_regenerate,
        crate::payment_bank::api_export,
        crate::payment_bank::api_import,
        crate::payment_bank::api_corrections,
        crate::payment_bank::api_resolve,
        crate::payment_layout::api_layout,
        crate::payment_layout::api_record,
        crate::payment_recovery::api_list,
        crate::payment_recovery::api_overpayments,
        crate::payment_recovery::api_record,
        crate::payment_recovery::api_detail,
        crate::payment_recovery::api_settle,
        crate::payment_overview::api_overview,
        crate::payment_overview::api_totals,
        crate::payment_publication::api::api_household_payments,
        crate::payment_publication::api::api_statement,
        crate::payment_publication::api::api_villages,
        crate::payment_publication::api::api_publication,
        crate::payment_publication::api::api_publish,
        crate::payee::api_household_payees,
        crate::payee::api_set_account,
        crate::payee::api_reveal,
        crate::payee::api_institutions,
        crate::payee::api_add_institution,
        crate::payee::api_missing,
        crate::calendar::api_calendar,
        crate::calendar::api_load_calendar,
        crate::notice_board::api_public_villages,
        crate::notice_board::api_public_notices,
        crate::notice_board::api_public_objection,
        crate::tokens::api_tokens,
        crate::tokens::api_create_token,
        crate::tokens::api_revoke_token,
        crate::tokens::api_user_tokens,
        crate::job::api_job,
        crate::job::api_cancel
    ),
    components(schemas(
        RegionNode,
        HouseholdPage,
        HouseholdRow,
        HouseholdDetail,
        HouseholdView,
        MemberView,
        HistoryEntry,
        jiuzhu_app::entitlement::EntitlementView,
        HouseholdForm,
        MemberForm,
        NewHousehold,
        UpdateHousehold,
        UpdateMember,
        MoveMember,
        Created,
        Moved,
        ImportResult,
        ApiErrorBody,
        ApiProblem,
        jiuzhu_app::verification::DeliveryView,
        jiuzhu_app::verification::RunSummary,
        jiuzhu_app::job::JobView,
        jiuzhu_app::job::JobOutcome,
        jiuzhu_app::job::RunOutcome,
        jiuzhu_app::job::StoredText,
        jiuzhu_app::job::RosterOutcome,
        jiuzhu_app::job::DeliveryOutcome,
        jiuzhu_app::job::Rejected,
        jiuzhu_app::job::StoredProblem,
        jiuzhu_app::verification::RunInfo,
        jiuzhu_app::verification::FollowUp,
        jiuzhu_app::verification::RunFollowUps,
        jiuzhu_app::verification::ResultSummary,
        jiuzhu_app::verification::Report,
        jiuzhu_app::verification::ReportDataset,
        jiuzhu_app::verification::ReportRecord,
        jiuzhu_app::verification::ReportFinding,
        jiuzhu_app::verification::ReportMember,
        jiuzhu_app::verification::ObjectionView,
        jiuzhu_app::verification::ObjectionForm,
        jiuzhu_app::verification::PolicyUsed,
        jiuzhu_app::verification::VersionUsed,
        jiuzhu_app::verification::Outcome,
        crate::verification::RunForm,
        crate::verification::DecisionForm,
        crate::verification::DeliveryImportResult,
        crate::verification::ObjectionCreated,
        jiuzhu_app::case::Inbox,
        jiuzhu_app::case::CaseLine,
        jiuzhu_app::case::TownshipLoad,
        jiuzhu_app::case::ApplicationForm,
        jiuzhu_app::case::AmountLine,
        jiuzhu_app::case::ApplicationCreated,
        jiuzhu_app::case::Checklist,
        jiuzhu_app::case::ChecklistMember,
        jiuzhu_app::case::CaseView,
        jiuzhu_app::case::EventView,
        jiuzhu_app::case::DocumentInfo,
        jiuzhu_app::case::ReferralView,
        jiuzhu_app::case::PublicObjectionView,
        jiuzhu_app::case::ActionForm,
        jiuzhu_app::policy::PolicyVersionView,
        jiuzhu_app::relatives::RelativeForm,
        jiuzhu_app::relatives::RelativeView,
        jiuzhu_app::payment::roll::GenerateRoll,
        jiuzhu_app::payment::roll::RollView,
        jiuzhu_app::payment::roll::RollDetail,
        jiuzhu_app::payment::roll::TotalView,
        jiuzhu_app::payment::roll::DifferenceView,
        jiuzhu_app::payment::roll::DifferenceCounts,
        jiuzhu_app::payment::roll::LineView,
        jiuzhu_app::payment::roll::RollOutcome,
        crate::payment::ApproveForm,
        jiuzhu_app::payment::returns::ReturnImported,
        jiuzhu_app::payment::returns::CorrectionView,
        jiuzhu_app::payment::layout::LayoutInForce,
        jiuzhu_app::payment::layout::LayoutVersionView,
        jiuzhu_app::payment::layout::LayoutBody,
        jiuzhu_app::payment::layout::ColumnBody,
        jiuzhu_app::payment::layout::LayoutSource,
        jiuzhu_app::payment::recovery::RecoveryView,
        jiuzhu_app::payment::recovery::RecoveryMonthView,
        jiuzhu_app::payment::recovery::SettlementView,
        jiuzhu_app::payment::recovery::OverpaymentView,
        jiuzhu_app::payment::recovery::RecoveryForm,
        jiuzhu_app::payment::recovery::SettleForm,
        jiuzhu_app::payment::recovery::RecoveryDetail,
        jiuzhu_app::payment::recovery::OffsetLineView,
        jiuzhu_app::payment::stats::Overview,
        jiuzhu_app::payment::stats::MonthFigures,
        jiuzhu_app::payment::stats::RollTotalsView,
        jiuzhu_app::payment::stats::TallyView,
        jiuzhu_app::payment::statement::HouseholdPayments,
        jiuzhu_app::payment::statement::PaymentLineView,
        jiuzhu_app::payment::statement::StatementLink,
        jiuzhu_app::payment::statement::Statement,
        jiuzhu_app::payment::publication::VillageMonthView,
        jiuzhu_app::payment::publication::Publication,
        jiuzhu_app::payment::publication::PublicationLine,
        jiuzhu_app::payee::HouseholdPayees,
        jiuzhu_app::payee::PayeeLineView,
        jiuzhu_app::payee::PayeeAccountView,
        jiuzhu_app::payee::AccountForm,
        jiuzhu_app::payee::AccountSaved,
        jiuzhu_app::payee::RevealedAccount,
        jiuzhu_app::payee::InstitutionView,
        jiuzhu_app::payee::InstitutionForm,
        jiuzhu_app::payee::MissingPayees,
        jiuzhu_app::payee::MissingPayeeView,
        crate::payee::InstitutionCreated,
        jiuzhu_app::calendar::CalendarStatus,
        jiuzhu_app::notice_board::PublicNotice,
        jiuzhu_app::notice_board::PublicVillage,
        crate::case::ReferralForm,
        jiuzhu_app::policy::PolicyEntry,
        crate::notice_board::PublicObjectionForm,
        jiuzhu_app::auth::TokenView,
        jiuzhu_app::auth::TokenForm,
        jiuzhu_app::auth::IssuedToken
    ))
)]
pub struct ApiDoc;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/regions", get(list_regions))
        .route("/api/households", get(list_households).post(create_household))
        .route("/api/households/{id}", get(get_household).put(update_household))
        .route("/api/households/{id}/members", post(add_member))
        .route("/api/members/{id}", put(update_member))
        .route("/api/members/{id}/move", post(move_member))
        .route("/api/persons/{id_number}", get(find_person))
        .route("/api/import", post(import))
        .route("/api/export.xlsx", get(export))
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}

/// The regions in scope, with household counts.
#[utoipa::path(get, path = "/api/regions", responses((status = 200, body = Vec<RegionNode>)))]
async fn list_regions(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
) -> ApiResult<Json<Vec<RegionNode>>> {
    Ok(Json(registry::region_overview(&state.db, &actor, state.now()).await.map_err(fail(lang))?))
}

/// One page of households, filtered.
#[utoipa::path(get, path = "/api/households", params(ListParams), responses((status = 200, body = HouseholdPage)))]
async fn list_households(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(params): Query<ListParams>,
) -> ApiResult<Json<HouseholdPage>> {
    Ok(Json(registry::search_households(&state.db, &actor, state.now(), &params.to_query()).await.map_err(fail(lang))?))
}

/// A new household and its head.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewHousehold {
    pub household: HouseholdForm,
    pub head: MemberForm,
}

/// The record number of what was created.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Registers a household with its head.
#[utoipa::path(post, path = "/api/households", request_body = NewHousehold,
    responses((status = 201, body = Created), (status = 422, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn create_household(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Json(body): Json<NewHousehold>,
) -> ApiResult<Response> {
    let id = registry::create_household(&state.db, &actor, state.now(), &body.household, &body.head)
        .await
        .map_err(fail(lang))?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// `?reveal=true` shows full ID and phone numbers (needs the permission; recorded).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealParam {
    pub reveal: Option<String>,
}

/// A household with members and history; ID numbers and phones masked
/// unless revealed.
#[utoipa::path(get, path = "/api/households/{id}", params(("id" = i64, Path), RevealParam),
    responses((status = 200, body = HouseholdDetail), (status = 404, body = ApiErrorBody)))]
async fn get_household(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Query(reveal): Query<RevealParam>,
) -> ApiResult<Json<HouseholdDetail>> {
    let reveal = reveal.reveal.is_some_and(|v| v == "true" || v == "1");
    Ok(Json(registry::household_detail(&state.db, &actor, id, state.now(), reveal).await.map_err(fail(lang))?))
}

/// New household fields and the version they were edited from.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct UpdateHousehold {
    pub version: i64,
    pub household: HouseholdForm,
}

/// Changes a household's fields.
#[utoipa::path(put, path = "/api/households/{id}", params(("id" = i64, Path)), request_body = UpdateHousehold,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn update_household(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Json(body): Json<UpdateHousehold>,
) -> ApiResult<StatusCode> {
    registry::update_household(&state.db, &actor, state.now(), id, body.version, &body.household)
        .await
        .map_err(fail(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a member to a household.
#[utoipa::path(post, path = "/api/households/{id}/members", params(("id" = i64, Path)), request_body = MemberForm,
    responses((status = 201, body = Created), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn add_member(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Json(body): Json<MemberForm>,
) -> ApiResult<Response> {
    let id = registry::add_member(&state.db, &actor, state.now(), id, &body).await.map_err(fail(lang))?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// New member fields and the version they were edited from.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct UpdateMember {
    pub version: i64,
    pub member: MemberForm,
}

/// Changes a member's fields; 409 when the member changed since `version`.
#[utoipa::path(put, path = "/api/members/{id}", params(("id" = i64, Path)), request_body = UpdateMember,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn update_member(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Json(body): Json<UpdateMember>,
) -> ApiResult<StatusCode> {
    registry::update_member(&state.db, &actor, state.now(), id, body.version, &body.member)
        .await
        .map_err(fail(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where a member moves.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct MoveMember {
    /// The target household's number (户编号).
    pub target_external_id: String,
    /// The relation to the target household's head (code or Chinese name).
    pub relation: String,
}

/// The household a member moved to.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct Moved {
    pub household_id: i64,
}

/// Moves a member to another household.
#[utoipa::path(post, path = "/api/members/{id}/move", params(("id" = i64, Path)), request_body = MoveMember,
    responses((status = 200, body = Moved), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn move_member(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id): Path<i64>,
    Json(body): Json<MoveMember>,
) -> ApiResult<Json<Moved>> {
    let relation = Relation::parse(&body.relation).ok_or_else(|| {
        fail(lang)(AppError::invalid(
            "relation",
            jiuzhu_domain::i18n::Message::new("import.error.bad_relation").arg("value", &body.relation),
        ))
    })?;
    let household_id = registry::move_member(&state.db, &actor, state.now(), id, &body.target_external_id, relation)
        .await
        .map_err(fail(lang))?;
    Ok(Json(Moved { household_id }))
}

/// The registered member with this ID number (15 or 18 digits).
#[utoipa::path(get, path = "/api/persons/{id_number}", params(("id_number" = String, Path)),
    responses((status = 200, body = MemberView), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn find_person(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Path(id_number): Path<String>,
) -> ApiResult<Json<MemberView>> {
    let id = IdNumber::parse(&id_number).map_err(|e| fail(lang)(AppError::invalid("id_number", e.to_message())))?;
    Ok(Json(registry::find_person(&state.db, &actor, &id, state.now()).await.map_err(fail(lang))?))
}

/// What an import did.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ImportResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub persons: usize,
    /// `csv/utf-8`, `csv/gb18030` or `xlsx`.
    pub format: String,
    pub warnings: Vec<ApiProblem>,
}

fn problems(lang: Lang, list: &[jiuzhu_files::Problem]) -> Vec<ApiProblem> {
    list.iter()
        .map(|p| ApiProblem {
            field: [p.render_line(lang), p.render_column(lang)]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            code: p.message.key.to_string(),
            message: p.message.render(lang),
        })
        .collect()
}

/// Imports a roster: the file (CSV in UTF-8 or GBK, or xlsx) is the body.
/// All or nothing: with any problem, 422 lists every one and nothing is
/// written.
#[utoipa::path(post, path = "/api/import", request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ImportResult), (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn import(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = match crate::upload::api_body(body) {
        Ok(body) => body,
        Err(e) => return Ok(e.api_response(lang)),
    };
    match import_roster(&state.db, &actor, state.now(), &body).await {
        Ok(s) => Ok(Json(ImportResult {
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
            persons: s.persons,
            format: s.format.to_string(),
            warnings: problems(lang, &s.warnings),
        })
        .into_response()),
        Err(ImportError::Rejected(list)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ApiErrorBody { error: "rejected".into(), problems: problems(lang, &list) }),
        )
            .into_response()),
        Err(ImportError::App(e)) => Err(fail(lang)(e)),
    }
}

/// The roster of a region as xlsx (ID numbers as text).
#[utoipa::path(get, path = "/api/export.xlsx", params(ListParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn export(
    State(state): State<AppState>,
    ApiLang(lang): ApiLang,
    ApiAuthed(actor): ApiAuthed,
    Query(params): Query<ListParams>,
) -> ApiResult<Response> {
    let region = RegionCode::parse(&params.region).ok();
    let data =
        registry::export_households(&state.db, &actor, state.now(), region.as_ref()).await.map_err(fail(lang))?;
    let bytes = jiuzhu_files::export::roster_xlsx(&data).map_err(|e| fail(lang)(AppError::Internal(e.to_string())))?;
    Ok(([(header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")], bytes)
        .into_response())
}
