//! Department data deliveries: importing a delivery file (parsed, then
//! stored whole with its rejected rows), listing them, and one delivery's
//! detail.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::Permission;
use jiuzhu_domain::dataset::DatasetKind;
use jiuzhu_domain::i18n::{Lang, Message};
use jiuzhu_files::Problem;
use jiuzhu_files::department::{DeliveryFile, parse_delivery};
use jiuzhu_store::{self as store, Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Actor;
use crate::access::{Target, audit, require};
use crate::error::{AppError, Result};

/// What the importer says about a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryMeta {
    #[schema(value_type = String, example = "vehicle")]
    pub kind: DatasetKind,
    pub department: String,
    /// The date the department's data is as of.
    pub as_of: NaiveDate,
    pub file_name: String,
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    #[schema(value_type = String)]
    pub kind: DatasetKind,
    pub department: String,
    pub as_of: NaiveDate,
    pub file_name: String,
    pub format: String,
    pub rows_read: i64,
    pub rows_rejected: i64,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

pub(super) fn delivery_view(d: store::DeliveryRecord) -> Option<DeliveryView> {
    Some(DeliveryView {
        id: d.id,
        kind: DatasetKind::parse(&d.draft.kind)?,
        department: d.draft.department,
        as_of: d.draft.as_of,
        file_name: d.draft.file_name,
        format: d.draft.format,
        rows_read: d.draft.rows_read,
        rows_rejected: d.draft.rows_rejected,
        imported_by: d.draft.imported_by,
        imported_at: d.draft.imported_at,
    })
}

/// What an import did: the delivery, and the rows skipped with why.
#[derive(Debug, Clone)]
pub struct DeliveryImported {
    pub delivery: DeliveryView,
    pub rejected: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// Why a delivery was not imported.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The file cannot be used at all (unreadable, a required column
    /// missing); nothing was written.
    #[error("{} problems", .0.len())]
    Rejected(Vec<Problem>),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<store::StoreError> for DeliveryError {
    fn from(e: store::StoreError) -> Self {
        DeliveryError::App(e.into())
    }
}

/// Imports a delivery file: parsed, then written whole in one transaction
/// with its record, its rejected rows and the audit entry.
pub async fn import_delivery(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    meta: DeliveryMeta,
    bytes: &[u8],
) -> Result<DeliveryImported, DeliveryError> {
    let target = Target::new("delivery", meta.kind.code(), None);
    require(db, actor, now, Permission::DeliveryImport, "delivery_imported", &target).await?;
    if meta.department.trim().is_empty() {
        return Err(AppError::invalid("department", Message::new("import.error.required")).into());
    }
    let file = parse_delivery(meta.kind, bytes).map_err(DeliveryError::Rejected)?;
    let delivery = store_delivery(db, actor, now, &meta, &file).await?;
    Ok(DeliveryImported { delivery, rejected: file.rejected, warnings: file.warnings })
}

async fn store_delivery(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    meta: &DeliveryMeta,
    file: &DeliveryFile,
) -> Result<DeliveryView> {
    let mut tx = db.begin().await?;
    let view = write_delivery(&mut tx, actor, now, meta, file).await?;
    tx.commit().await?;
    Ok(view)
}

/// Writes a parsed delivery in `tx` (a write transaction the caller
/// commits: the page's, or a background job's last chunk) with its records,
/// its rejected rows and the audit entry.
pub(crate) async fn write_delivery(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    meta: &DeliveryMeta,
    file: &DeliveryFile,
) -> Result<DeliveryView> {
    let draft = store::DeliveryDraft {
        kind: meta.kind.code().to_string(),
        department: meta.department.trim().to_string(),
        as_of: meta.as_of,
        file_name: meta.file_name.clone(),
        format: file.format.to_string(),
        rows_read: file.rows_read as i64,
        rows_rejected: file.rows_rejected() as i64,
        imported_by: actor.login.clone(),
        imported_at: now,
    };
    let rows: Vec<store::DeptRow> = file
        .records
        .iter()
        .map(|r| {
            let data: serde_json::Map<String, serde_json::Value> =
                r.values.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            store::DeptRow {
                line: r.line as i64,
                person_key: r.id_number.to_u64(),
                id_number: r.id_number.as_str().to_string(),
                amount: r.amount,
                category: r.category.clone(),
                data: serde_json::Value::Object(data).to_string(),
            }
        })
        .collect();
    let rejections: Vec<store::RejectionRow> = file
        .rejected
        .iter()
        .map(|p| store::RejectionRow {
            line: p.line.map(|l| l as i64),
            column: p.column.as_ref().map(|c| format!("{}|{}", c.letter(), c.header)).unwrap_or_default(),
            message: json!({ "zh": p.message.render(Lang::Zh), "en": p.message.render(Lang::En) }).to_string(),
        })
        .collect();
    let id = store::insert_delivery(tx, &draft).await?;
    store::insert_dept_records(tx, id, &rows).await?;
    store::insert_rejections(tx, id, &rejections).await?;
    let after = json!({
        "kind": draft.kind, "department": draft.department, "as_of": draft.as_of, "file_name": draft.file_name,
        "rows_read": draft.rows_read, "rows_rejected": draft.rows_rejected,
    });
    audit(tx, actor, now, "delivery_imported", &Target::new("delivery", id, None), None, Some(&after)).await?;
    delivery_view(store::DeliveryRecord { id, draft })
        .ok_or_else(|| AppError::Internal("stored delivery kind unreadable".into()))
}

/// The deliveries, newest first; of one kind when given.
pub async fn list_deliveries(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    kind: Option<DatasetKind>,
) -> Result<Vec<DeliveryView>> {
    require(db, actor, now, Permission::VerificationRead, "deliveries_listed", &Target::none()).await?;
    let mut tx = db.begin().await?;
    let all = store::list_deliveries(&mut tx, kind.map(DatasetKind::code)).await?;
    Ok(all.into_iter().filter_map(delivery_view).collect())
}

/// One rejected row of a stored delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub line: Option<i64>,
    /// `C列（身份证号）`-style place, empty when the problem is the row's.
    pub column_letter: String,
    pub column_header: String,
    /// The reason in Chinese and in English (rendered at import).
    pub message_zh: String,
    pub message_en: String,
}

impl Rejection {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.message_zh,
            Lang::En => &self.message_en,
        }
    }
}

/// A delivery with its rejected rows.
pub async fn delivery_detail(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i64,
) -> Result<(DeliveryView, Vec<Rejection>)> {
    require(db, actor, now, Permission::VerificationRead, "delivery_viewed", &Target::new("delivery", id, None))
        .await?;
    let mut tx = db.begin().await?;
    let delivery = store::get_delivery(&mut tx, id).await?.and_then(delivery_view).ok_or(AppError::NotFound)?;
    let rejections = store::rejections_of(&mut tx, id)
        .await?
        .into_iter()
        .map(|r| {
            let (letter, header) = r.column.split_once('|').unwrap_or(("", ""));
            let text = |json: &str, lang: &str| {
                serde_json::from_str::<serde_json::Value>(json)
                    .ok()
                    .and_then(|v| v.get(lang).and_then(|t| t.as_str()).map(str::to_string))
                    .unwrap_or_default()
            };
            Rejection {
                line: r.line,
                column_letter: letter.to_string(),
                column_header: header.to_string(),
                // A rejected value may be (part of) an ID number: masked (issue 10).
                message_zh: crate::privacy::mask_text(&text(&r.message, "zh")),
                message_en: crate::privacy::mask_text(&text(&r.message, "en")),
            }
        })
        .collect();
    Ok((delivery, rejections))
}
