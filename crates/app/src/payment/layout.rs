//! A county's own bank file layout (代发文件格式, issue 12 point 3).
//!
//! No national bank-file standard exists: each agent bank of the 一卡通 has
//! its own template. A county clerk (PaymentPrepare, the region in scope)
//! records the county's layout — or a township's, whose rolls go to another
//! bank — with [`record_layout`]: format (CSV,
//! fixed-width, xlsx), encoding, header and trailer lines, the columns in
//! order with title and width. The domain's `BankLayout::validate` decides,
//! every problem naming its column; the audit record holds the layout
//! before and after. A new version replaces the one in force, the old ones
//! stay readable ([`layout_in_force`] lists them).
//!
//! Which layout a roll's file uses ([`for_roll`]): the one it was first
//! exported with, recorded in the export's transaction — so a re-export
//! gives the same bytes and the return is read in the layout of the file
//! that was sent, whatever the county records later. A roll not yet
//! exported takes the policy in force for its region that day: `custom`
//! takes the region's stored layout (its own, else its nearest ancestor's;
//! none stored refuses the export), otherwise the 一卡通 CSV of `payments.md`.

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::{Lang, Message, Part, china_date};
use jiuzhu_domain::payment::layout::{BankColumn, BankField, BankFormat, BankLayout, LayoutProblem, TextEncoding};
use jiuzhu_domain::policy::{BankFileLayout, resolve};
use jiuzhu_domain::region::RegionLevel;
use jiuzhu_domain::{Fen, IdNumber, Permission, RegionCode};
use jiuzhu_files::bank::{self, BankLine};
use jiuzhu_store::bank_layout::{self as store, LayoutRow};
use jiuzhu_store::payment_roll::RollRow;
use jiuzhu_store::{Db, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::Actor;
use crate::access::{Target, audit, deny, require};
use crate::error::{AppError, FieldError, Result};
use crate::policy::policy_versions;
use crate::registry::region_tree;

/// Most characters of a layout's name.
pub const MAX_NAME_CHARS: usize = 60;

/// One column as people enter and read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ColumnBody {
    /// The field's code: `seq`, `name`, `id_number`, `account`, `bank`,
    /// `item`, `period`, `amount`, `memo`; in the return only `result`,
    /// `reason`.
    pub field: String,
    /// The title written in the header.
    pub title: String,
    /// Bytes of the file's encoding (fixed-width files).
    #[serde(default)]
    pub width: Option<u16>,
}

/// A layout as entered (the page's form, the API's body) and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LayoutBody {
    /// What the county calls it, e.g. `农业银行代发格式`.
    #[serde(default)]
    pub name: String,
    /// `csv`, `fixed_width` or `xlsx`.
    pub format: String,
    /// `gbk`, `gb18030` or `utf8` (ignored for xlsx).
    pub encoding: String,
    pub header: bool,
    pub trailer: bool,
    /// The file's columns in order, then the return's (`result`, `reason`).
    pub columns: Vec<ColumnBody>,
}

impl LayoutBody {
    /// The body of a stored layout.
    pub fn of(name: &str, layout: &BankLayout) -> LayoutBody {
        LayoutBody {
            name: name.to_string(),
            format: layout.format.code().to_string(),
            encoding: layout.encoding.code().to_string(),
            header: layout.header,
            trailer: layout.trailer,
            columns: layout
                .return_layout()
                .map(|c| ColumnBody { field: c.field.code().to_string(), title: c.title.clone(), width: c.width })
                .collect(),
        }
    }

    /// The domain's layout: the return's columns (处理结果, 失败原因) after
    /// the file's, wherever they were entered; every problem of the entry,
    /// then every problem `validate` finds, each naming its column.
    pub fn parse(&self) -> Result<(String, BankLayout)> {
        let mut errors = Vec::new();
        let name = jiuzhu_domain::text::clean(&self.name);
        if name.is_empty() {
            errors.push(FieldError { field: "name", message: Message::new("payment.layout.page.name_empty") });
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError {
                field: "name",
                message: Message::new("payment.layout.page.name_long").arg("max", MAX_NAME_CHARS),
            });
        }
        let format = BankFormat::parse(&self.format);
        if format.is_none() {
            errors.push(FieldError { field: "format", message: Message::new("payment.layout.page.format") });
        }
        let encoding = TextEncoding::parse(&self.encoding);
        if encoding.is_none() {
            errors.push(FieldError { field: "encoding", message: Message::new("payment.layout.page.encoding") });
        }
        let mut columns = Vec::new();
        let mut return_columns = Vec::new();
        for (i, column) in self.columns.iter().enumerate() {
            let Some(field) = BankField::parse(&column.field) else {
                errors.push(FieldError {
                    field: "columns",
                    message: Message::new("payment.layout.page.field").arg("column", i + 1),
                });
                continue;
            };
            let column = BankColumn { field, title: column.title.trim().to_string(), width: column.width };
            if field.is_return_only() { return_columns.push(column) } else { columns.push(column) }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let (Some(format), Some(encoding)) = (format, encoding) else { unreachable!("checked above") };
        let layout =
            BankLayout { format, encoding, header: self.header, trailer: self.trailer, columns, return_columns };
        layout.validate().map_err(|problems| {
            AppError::Invalid(
                problems.into_iter().map(|p| FieldError { field: "columns", message: problem_message(&p) }).collect(),
            )
        })?;
        Ok((name, layout))
    }
}

/// A problem of a layout as one message: `第3列（账号）：…` or the message
/// alone, rendered late in the reader's language.
pub fn problem_message(problem: &LayoutProblem) -> Message {
    match problem.column {
        Some(column) => Message::new("payment.layout.at_column")
            .arg("column", column)
            .arg("title", jiuzhu_domain::text::clean(&problem.title))
            .part("message", Part::Message(Box::new(problem.message.clone()))),
        None => problem.message.clone(),
    }
}

/// One recorded version of a layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LayoutVersionView {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub layout: LayoutBody,
}

/// Where the layout in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LayoutSource {
    /// Nothing stored: the 一卡通 CSV of `payments.md`.
    Default,
    /// The region's own.
    Own,
    /// A region above it.
    Inherited,
}

/// The layout in force for a region, the policy's choice, and the region's
/// own versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LayoutInForce {
    pub region_code: String,
    pub region_name: String,
    /// Whether the policy in force today says `custom` (the stored layout is
    /// used for the next export) or the 一卡通 CSV.
    pub policy_custom: bool,
    pub source: LayoutSource,
    /// The stored version in force, if any.
    pub version: Option<LayoutVersionView>,
    /// The stored layout in force, or the 一卡通 default.
    pub layout: LayoutBody,
    /// The layout the next export uses.
    pub exports_with: LayoutBody,
    /// The region's own versions, newest first.
    pub history: Vec<LayoutVersionView>,
    /// Whether the reader may record a new version here.
    pub can_change: bool,
}

fn parse_stored(row: &LayoutRow) -> Result<BankLayout> {
    serde_json::from_str(&row.layout).map_err(|e| AppError::Internal(format!("bank layout {}: {e}", row.id)))
}

fn version_view(row: &LayoutRow) -> Result<LayoutVersionView> {
    Ok(LayoutVersionView {
        id: row.id,
        region_code: row.region_code.clone(),
        name: row.name.clone(),
        recorded_by: row.recorded_by.clone(),
        recorded_at: row.recorded_at,
        layout: LayoutBody::of(&row.name, &parse_stored(row)?),
    })
}

/// The name the 一卡通 default goes by.
fn default_name() -> String {
    jiuzhu_domain::i18n::t(Lang::Zh, "BankFileLayout.yikatong_csv").to_string()
}

/// Whether the policy in force for `region` today says `custom`.
async fn policy_custom(tx: &mut Tx, region: &RegionCode, now: DateTime<Utc>) -> Result<bool> {
    let policy = resolve(&policy_versions(tx).await?, region, china_date(now)).policy;
    Ok(policy.bank_file == BankFileLayout::Custom)
}

/// The layout of a roll's file and the stored version it is (None: the
/// 一卡通 default). See the module's doc.
pub(crate) async fn for_roll(tx: &mut Tx, roll: &RollRow, now: DateTime<Utc>) -> Result<(BankLayout, Option<i64>)> {
    let stored = match store::of_roll(tx, roll.id).await? {
        Some(recorded) => recorded,
        // Exported before layouts were recorded: the default was the only one.
        None if roll.file_sha256.is_some() => None,
        None if !policy_custom(tx, &roll.region, now).await? => None,
        None => match store::in_force(tx, &roll.region).await? {
            Some(row) => Some(row.id),
            None => return Err(AppError::Conflict(Message::new("payment.layout.page.none_stored"))),
        },
    };
    match stored {
        None => Ok((BankLayout::yikatong(), None)),
        Some(id) => {
            let row = store::get(tx, id).await?.ok_or_else(|| AppError::Internal(format!("bank layout {id}")))?;
            Ok((parse_stored(&row)?, Some(id)))
        }
    }
}

/// The layout in force for `region` (default: the actor's own; a county or
/// township in scope, or a region above it), with the region's versions
/// (PaymentRead; audited).
pub async fn layout_in_force(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: Option<&RegionCode>,
) -> Result<LayoutInForce> {
    let action = "bank_layout_read";
    let target = Target::new("bank_layout", region.map(|r| r.to_string()).unwrap_or_default(), region);
    require(db, actor, now, Permission::PaymentRead, action, &target).await?;
    let region = match (region, &actor.scope) {
        (Some(r), scope) if scope.contains(r) => r.clone(),
        (Some(_), _) => return Err(deny(db, actor, now, action, &target, AppError::NotFound).await),
        (None, crate::Scope::Region(r)) => r.clone(),
        (None, crate::Scope::All) => {
            return Err(AppError::invalid("region", Message::new("payment.layout.page.region")));
        }
    };
    let mut tx = db.begin_read().await?;
    let tree = region_tree(&mut tx).await?;
    if tree.get(&region).is_none() {
        return Err(AppError::NotFound);
    }
    let row = store::in_force(&mut tx, &region).await?;
    let history = store::history(&mut tx, &region).await?.iter().map(version_view).collect::<Result<Vec<_>>>()?;
    let custom = policy_custom(&mut tx, &region, now).await?;
    let version = row.as_ref().map(version_view).transpose()?;
    let source = match &row {
        None => LayoutSource::Default,
        Some(r) if r.region_code == region.as_str() => LayoutSource::Own,
        Some(_) => LayoutSource::Inherited,
    };
    let default = LayoutBody::of(&default_name(), &BankLayout::yikatong());
    let layout = version.as_ref().map_or_else(|| default.clone(), |v| v.layout.clone());
    let exports_with = if custom { layout.clone() } else { default };
    let target = Target::new("bank_layout", region.as_str(), Some(&region));
    audit(&mut tx, actor, now, action, &target, None, None).await?;
    tx.commit().await?;
    Ok(LayoutInForce {
        region_name: tree.full_name(&region),
        can_change: may_change(actor, &region),
        region_code: region.to_string(),
        policy_custom: custom,
        source,
        version,
        layout,
        exports_with,
        history,
    })
}

/// Whether a region may have its own layout: a county, or a township whose
/// rolls go to another bank (rolls are made for either).
fn may_have_layout(region: &RegionCode) -> bool {
    matches!(region.level(), RegionLevel::County | RegionLevel::Township)
}

/// Whether an actor may record a layout for a region: PaymentPrepare (the
/// county clerk), the region in scope, a county or township.
pub fn may_change(actor: &Actor, region: &RegionCode) -> bool {
    actor.can(Permission::PaymentPrepare) && actor.scope.contains(region) && may_have_layout(region)
}

/// Records a new version of a county's or township's layout
/// (PaymentPrepare; the region in scope; validated by the domain; audited
/// with before and after).
pub async fn record_layout(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    region: Option<&RegionCode>,
    body: &LayoutBody,
) -> Result<LayoutVersionView> {
    let action = "bank_layout_recorded";
    let target = Target::new("bank_layout", region.map(|r| r.to_string()).unwrap_or_default(), region);
    require(db, actor, now, Permission::PaymentPrepare, action, &target).await?;
    let region = match (region, &actor.scope) {
        (Some(r), _) => r.clone(),
        (None, crate::Scope::Region(r)) => r.clone(),
        (None, crate::Scope::All) => {
            return Err(AppError::invalid("region", Message::new("payment.layout.page.region")));
        }
    };
    let target = Target::new("bank_layout", region.as_str(), Some(&region));
    if !actor.scope.contains(&region) {
        return Err(deny(db, actor, now, action, &target, AppError::NotFound).await);
    }
    if !may_have_layout(&region) {
        return Err(AppError::invalid("region", Message::new("payment.layout.page.region_level")));
    }
    let (name, layout) = body.parse()?;
    let json = serde_json::to_string(&layout).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tx = db.begin().await?;
    if region_tree(&mut tx).await?.get(&region).is_none() {
        return Err(AppError::NotFound);
    }
    let before = store::own(&mut tx, &region).await?;
    let id = store::insert(&mut tx, &region, &name, &json, &actor.login, now).await?;
    let before = before.map(|r| json!({ "id": r.id, "name": r.name, "layout": serde_json::from_str::<serde_json::Value>(&r.layout).unwrap_or_default() }));
    let after = json!({ "id": id, "name": name, "layout": layout });
    audit(&mut tx, actor, now, action, &target, before.as_ref(), Some(&after)).await?;
    tx.commit().await?;
    Ok(LayoutVersionView {
        id,
        region_code: region.to_string(),
        name: name.clone(),
        recorded_by: actor.login.clone(),
        recorded_at: now,
        layout: LayoutBody::of(&name, &layout),
    })
}

/// The first lines of a file in a layout, made from two invented payees,
/// their ID and account numbers masked (the page shows them before
/// anything is saved): for CSV and
/// fixed-width files the text itself, for xlsx the cells of each row
/// joined by ` | `. Empty when the layout is not valid.
pub fn sample(layout: &BankLayout) -> Vec<String> {
    let line = |seq: u32, name: &str, id: &str, account: &str, amount: i64| BankLine {
        seq,
        name: name.to_string(),
        id_number: IdNumber::parse(id).expect("a valid sample ID number"),
        account: account.to_string(),
        bank: "农业银行清河支行".to_string(),
        item: "最低生活保障金".to_string(),
        period: YearMonth::new(2026, 12).expect("a month"),
        amount: Fen(amount),
        memo: "2026年12月低保金".to_string(),
    };
    let lines = [
        line(1, "张三", "11010519491231002X", "6217001234567890123", 126_000),
        line(2, "欧阳娜娜", "440524188001010014", "6228480012345678", 98_050),
    ];
    let shown = if layout.format == BankFormat::Xlsx {
        BankLayout { format: BankFormat::Csv, encoding: TextEncoding::Utf8, ..layout.clone() }
    } else {
        layout.clone()
    };
    let Ok(file) = bank::render(&shown, &lines) else { return Vec::new() };
    // The invented numbers shown masked, as every page shows such numbers
    // (the same length, so the widths stay true).
    let masked = |text: &str| {
        let mut text = text.to_string();
        for l in &lines {
            for number in [l.id_number.as_str(), l.account.as_str()] {
                let n = number.len();
                let mask = format!("{}{}{}", &number[..6], "*".repeat(n - 10), &number[n - 4..]);
                text = text.replace(number, &mask);
            }
        }
        text
    };
    bank::text_of(&shown, &file.bytes)
        .lines()
        .map(|l| if layout.format == BankFormat::Xlsx { l.replace(',', " | ") } else { l.to_string() })
        .map(|l| masked(&l))
        .collect()
}
