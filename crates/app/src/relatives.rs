//! The staff-relatives register.

use chrono::{DateTime, Utc};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::text::strip_invisible;
use jiuzhu_domain::{IdNumber, Permission, RegionCode};
use jiuzhu_store::{self as store, Db};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::Actor;
use crate::access::{self, Target, audit, deny_in, require};
use crate::error::{AppError, FieldError, Result};

/// An entry of the staff-relatives register as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RelativeForm {
    pub staff_name: String,
    /// 乡镇经办人员, 县级民政, 村(居)委会成员…
    pub staff_post: String,
    pub region_code: String,
    pub relative_id_number: String,
    pub relative_name: String,
    /// 配偶, 父母, 子女, 兄弟姐妹…
    pub relation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RelativeView {
    pub id: i64,
    pub staff_name: String,
    pub staff_post: String,
    pub region_code: String,
    /// Masked.
    pub relative_id_number: String,
    pub relative_name: String,
    pub relation: String,
}

pub async fn add_staff_relative(db: &Db, actor: &Actor, now: DateTime<Utc>, form: &RelativeForm) -> Result<i64> {
    require(db, actor, now, Permission::RelativesManage, "staff_relative_added", &Target::none()).await?;
    form.check_lengths()?;
    let mut errors = Vec::new();
    let region = RegionCode::parse(&form.region_code).ok();
    if region.is_none() {
        errors.push(FieldError { field: "region_code", message: Message::new("household.error.region") });
    }
    let id_number = IdNumber::parse(&form.relative_id_number).ok();
    if id_number.is_none() {
        errors.push(FieldError { field: "relative_id_number", message: Message::new("case.error.id_number") });
    }
    for (field, value) in
        [("staff_name", &form.staff_name), ("relative_name", &form.relative_name), ("relation", &form.relation)]
    {
        if value.trim().is_empty() {
            errors.push(FieldError { field, message: Message::new("import.error.required") });
        }
    }
    let (Some(region), Some(id_number)) = (region, id_number) else { return Err(AppError::Invalid(errors)) };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let target = Target::new("region", &region, Some(&region));
    let mut tx = db.begin().await?;
    if !actor.scope.contains(&region) {
        return Err(deny_in(tx, actor, now, "staff_relative_added", &target, AppError::NotFound).await);
    }
    let row = store::relatives::StaffRelativeRow {
        id: 0,
        staff_name: strip_invisible(&form.staff_name).trim().to_string(),
        staff_post: strip_invisible(&form.staff_post).trim().to_string(),
        region_code: region.to_string(),
        relative_id_number: id_number.as_str().to_string(),
        relative_name: strip_invisible(&form.relative_name).trim().to_string(),
        relation: strip_invisible(&form.relation).trim().to_string(),
        created_by: actor.name.clone(),
        created_at: now,
    };
    let id = store::relatives::insert_staff_relative(&mut tx, &row).await?;
    let after =
        json!({ "id": id, "staff_name": row.staff_name, "relative_name": row.relative_name, "relation": row.relation });
    audit(&mut tx, actor, now, "staff_relative_added", &target, None, Some(&after)).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn staff_relatives(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<RelativeView>> {
    require(db, actor, now, Permission::RelativesManage, "staff_relatives_listed", &Target::none()).await?;
    let mut tx = db.begin().await?;
    Ok(store::relatives::list_staff_relatives(&mut tx, &access::within(actor))
        .await?
        .into_iter()
        .map(|r| RelativeView {
            id: r.id,
            staff_name: r.staff_name,
            staff_post: r.staff_post,
            region_code: r.region_code,
            relative_id_number: IdNumber::parse(&r.relative_id_number).map(|i| i.masked()).unwrap_or_default(),
            relative_name: r.relative_name,
            relation: r.relation,
        })
        .collect())
}
