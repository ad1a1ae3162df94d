//! The bank file (代发文件) of an approved roll (issue 12 point 3).
//!
//! [`export_file`] (PaymentPrepare, the roll in scope) writes the lines sent
//! to the bank — those with an account; a line without one is not sent and
//! its months stay owed — in the region's bank layout (the 一卡通 CSV of
//! `payments.md`, or the county's own when its policy says so, see
//! [`super::layout`]; the one of the first export is kept), records the file's SHA-256,
//! line count and total on the roll (which becomes `exported`) and the audit
//! record, in one transaction. The roll is frozen once approved, so a later
//! export gives the same bytes; one that did not would be refused
//! (`payment.export.changed`) rather than send a different file.
//!
//! Each line tells the bank: the account holder's name (户名), the payee's ID
//! number, the account and bank, the programme as 补贴项目
//! (`最低生活保障金`), the roll's month as 补贴期号, the amount, and a memo
//! naming the months (`2026年12月低保金`, `补发2026年10月至2026年11月低保金`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::{Lang, Message};
use jiuzhu_domain::payment::layout::BankLayout;
use jiuzhu_domain::payment::roll::{self as rules, LineKind};
use jiuzhu_domain::{IdNumber, Permission, Program};
use jiuzhu_files::bank::{self, BankLine};
use jiuzhu_store::payment_roll::{RollRow, SentLine};
use jiuzhu_store::{Db, StoreError, Tx, payment_return as returns};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::roll::roll_in_scope;
use crate::Actor;
use crate::access::{Target, audit, require};
use crate::error::{AppError, FieldError, Result};

/// A bank file as exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFile {
    pub roll_id: i64,
    /// `代发_340102_202612_7.csv`.
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub summary: FileSummary,
}

/// What is recorded with the roll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FileSummary {
    pub sha256: String,
    pub lines: i64,
    pub total_fen: i64,
}

/// The bank layout of a roll's file: the one it was first exported with;
/// before that, the region's stored layout when the policy in force says
/// `custom`, else the 一卡通 CSV (`payment::layout::for_roll`).
pub async fn layout_for(tx: &mut Tx, roll: &RollRow, now: DateTime<Utc>) -> Result<BankLayout> {
    Ok(super::layout::for_roll(tx, roll, now).await?.0)
}

/// The programme's words on the bank file: 补贴项目 and the memo's short name.
fn words(program: Program) -> (&'static str, &'static str) {
    match program {
        Program::Dibao => ("payment.item.dibao", "payment.memo.dibao"),
        Program::Tekun => ("payment.item.tekun", "payment.memo.tekun"),
        Program::NearDibao => ("payment.item.near_dibao", "payment.memo.near_dibao"),
        Program::Temporary => ("payment.item.temporary", "payment.memo.temporary"),
        Program::RigidExpense => ("payment.item.rigid_expense", "payment.memo.rigid_expense"),
    }
}

/// The memo of a line: the roll's month, or the months paid back.
pub fn memo(kind: LineKind, program: Program, month: YearMonth, first: YearMonth, last: YearMonth) -> String {
    let what = jiuzhu_domain::i18n::t(Lang::Zh, words(program).1);
    let message = match kind {
        LineKind::Current => Message::new("payment.memo.current").arg("month", month.label(Lang::Zh)),
        LineKind::Backpay if first == last => {
            Message::new("payment.memo.backpay_one").arg("first", first.label(Lang::Zh))
        }
        LineKind::Backpay => {
            Message::new("payment.memo.backpay").arg("first", first.label(Lang::Zh)).arg("last", last.label(Lang::Zh))
        }
    };
    message.arg("what", what).render(Lang::Zh)
}

/// The words of the lines (补贴项目 and memo), made once per programme,
/// kind and months: the catalogue is searched, and a roll has a million
/// lines.
#[derive(Default)]
struct Words(HashMap<(LineKind, Program, YearMonth, YearMonth), (String, String)>);

impl Words {
    fn of(&mut self, roll: &RollRow, line: &SentLine) -> &(String, String) {
        self.0.entry((line.kind, line.program, line.first, line.last)).or_insert_with(|| {
            let item = jiuzhu_domain::i18n::t(Lang::Zh, words(line.program).0).to_string();
            (item, memo(line.kind, line.program, roll.month, line.first, line.last))
        })
    }
}

/// The bank's line of a line sent.
fn bank_line(roll: &RollRow, line: SentLine, words: &mut Words) -> Result<BankLine> {
    let broken = |what: &str| AppError::Internal(format!("payment roll {}, line {}: {what}", roll.id, line.seq));
    let seq = u32::try_from(line.seq).map_err(|_| broken("序号"))?;
    let id_number = IdNumber::parse(&line.id_number).map_err(|_| broken("ID number"))?;
    let (item, memo) = words.of(roll, &line).clone();
    Ok(BankLine {
        seq,
        name: line.name,
        id_number,
        account: line.account,
        bank: line.bank,
        item,
        period: roll.month,
        amount: line.amount,
        memo,
    })
}

/// The file's name: `代发_<region>_<month>_<roll>.<ext>`.
fn file_name(roll: &RollRow, layout: &BankLayout) -> String {
    format!("代发_{}_{}_{}.{}", roll.region.as_str(), roll.month.yyyymm(), roll.id, bank::extension(layout))
}

/// Exports the bank file of an approved (or already exported) roll
/// (PaymentPrepare; in scope; audited), recording its SHA-256, lines and
/// total on the roll.
pub async fn export_file(db: &Db, actor: &Actor, now: DateTime<Utc>, id: i64) -> Result<ExportedFile> {
    let action = "payment_file_exported";
    let target = Target::new("payment_roll", id, None);
    require(db, actor, now, Permission::PaymentPrepare, action, &target).await?;
    let (mut tx, roll) = roll_in_scope(db.begin().await?, actor, now, id, action).await?;
    if let Err(e) = rules::export(roll.state) {
        return Err(AppError::Conflict(e.message()));
    }
    let (layout, layout_id) = super::layout::for_roll(&mut tx, &roll, now).await?;
    let refused = |problems: Vec<jiuzhu_files::roster::Problem>| {
        AppError::Invalid(
            problems.iter().map(|p| FieldError { field: "file", message: bank::problem_message(p) }).collect(),
        )
    };
    // Written as the lines are read, a page at a time.
    let mut writer = bank::BankWriter::new(&layout, usize::try_from(roll.lines).unwrap_or(0)).map_err(refused)?;
    let mut words = Words::default();
    super::each_sent_line(&mut tx, id, |line| {
        writer.push(&bank_line(&roll, line, &mut words)?);
        Ok(())
    })
    .await?;
    let file = writer.finish().map_err(refused)?;
    let summary = FileSummary { sha256: file.sha256.clone(), lines: file.lines as i64, total_fen: file.total.0 };
    match returns::record_export(&mut tx, id, &file.sha256, summary.lines, file.total, &actor.login, now).await {
        Err(StoreError::NotFound) => return Err(AppError::Conflict(Message::new("payment.export.changed"))),
        other => other?,
    }
    jiuzhu_store::bank_layout::record_for_roll(&mut tx, id, layout_id).await?;
    let target = Target::new("payment_roll", id, Some(&roll.region));
    let after = json!({
        "sha256": summary.sha256,
        "lines": summary.lines,
        "total_fen": summary.total_fen,
        "again": roll.file_sha256.is_some(),
        "layout_id": layout_id,
    });
    audit(&mut tx, actor, now, action, &target, None, Some(&after)).await?;
    tx.commit().await?;
    Ok(ExportedFile {
        roll_id: id,
        file_name: file_name(&roll, &layout),
        content_type: bank::content_type(&layout),
        bytes: file.bytes,
        summary,
    })
}

/// Whether an actor may export a roll's file now (for the pages).
pub fn can_export(actor: &Actor, roll: &RollRow) -> bool {
    actor.scope.contains(&roll.region) && actor.can(Permission::PaymentPrepare) && rules::export(roll.state).is_ok()
}
