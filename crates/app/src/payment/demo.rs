//! The demo county's payment history (issue 12 point 9), made through the
//! use cases as people would have made it, so a new user sees the whole
//! monthly cycle:
//!
//! - the last [`HISTORY_MONTHS`] months each have a regular roll of the
//!   county, prepared by the county clerk (`county`) on the 3rd, approved by
//!   the county approver (`shenpi`) on the 4th and its bank file exported;
//!   the bank's return, imported on the 9th, pays every line,
//! - except in one month ([`FAILED_MONTHS_AGO`]), where one household's
//!   card comes back 账户已销户: its correction is opened, the clerk records
//!   the payee's new card on the 11th and resolves the correction, and a
//!   supplementary roll of that month pays it (approved, exported, returned
//!   paid) — once;
//! - a household head's death [`DEATH_MONTHS_AGO`] months ago is entered
//!   only this month: the months paid after it are found overpaid, the
//!   recovery recorded from the family and one month of it repaid;
//! - the current month's regular roll is left as a draft prepared by the
//!   clerk, for a new user to check and approve as `shenpi`.
//!
//! The rolls are generated at once (`roll::generate`, what the roll job
//! does in one transaction). The actors carry the logins of the demo's
//! users (`jiuzhu serve --demo` creates them afterwards), so the two-person
//! rule holds and the pages name who did what; the times are those of the
//! months paid, in Beijing time.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::entitlement::EndReason;
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::china_date;
use jiuzhu_domain::payment::account;
use jiuzhu_domain::payment::recovery::SettlementKind;
use jiuzhu_domain::payment::roll::{LineKind, LineResult, Payee, ProgramGroup, RollKind};
use jiuzhu_domain::{Fen, Program, RegionCode, Role};
use jiuzhu_store::Db;
use jiuzhu_store::payee as store_payee;
use jiuzhu_store::payment_roll::{self as rolls, LineRow};

use super::export::export_file;
use super::recovery::{RecoveryForm, SettleForm, find_overpayments, record_recovery, settle};
use super::returns::{import_return, resolve_correction};
use super::roll::{self, GenerateRoll};
use crate::demo::{COUNTY_CODE, Rng};
use crate::entitlement::end_entitlement;
use crate::error::{AppError, Result};
use crate::payee::{AccountForm, set_account};
use crate::{Actor, Scope};

/// Months paid before the current one.
pub const HISTORY_MONTHS: i32 = 4;
/// The month (this many before the current one) one payment fails.
pub const FAILED_MONTHS_AGO: i32 = 2;
/// The month (this many before the current one) a recipient died, entered
/// only this month: the months paid after it are recovered.
pub const DEATH_MONTHS_AGO: i32 = 3;
/// The bank's reason for the failure.
pub const FAILURE_REASON: &str = "账户已销户";

/// What the demo's payment history made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPayments {
    /// The regular rolls paid, oldest first.
    pub paid_rolls: Vec<i64>,
    /// The failure: the supplementary roll that paid the corrected line,
    /// the correction opened and resolved, the line's household (none in
    /// a county too small to have a line to fail).
    pub corrected: Option<Corrected>,
    /// The recovery of an overpayment after a death entered late, partly
    /// repaid (none in a county too small to have a line to take it from).
    pub recovery: Option<i64>,
    /// The current month's roll, a draft.
    pub draft_roll: i64,
}

fn county() -> Result<RegionCode> {
    RegionCode::parse(COUNTY_CODE).map_err(|e| AppError::Internal(e.to_string()))
}

/// The failed payment, corrected and paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrected {
    pub supplementary_roll: i64,
    pub correction: i64,
    pub household: i64,
}

/// The demo's county clerk (`county`): prepares, exports, imports, corrects.
pub fn clerk() -> Result<Actor> {
    Ok(Actor {
        user_id: None,
        login: "county".to_string(),
        name: "区民政局经办人".to_string(),
        roles: vec![Role::CountyClerk],
        scope: Scope::Region(county()?),
        ip: "cli".to_string(),
    })
}

/// The demo's county approver (`shenpi`): approves.
pub fn approver() -> Result<Actor> {
    Ok(Actor {
        user_id: None,
        login: "shenpi".to_string(),
        name: "区民政局审批人".to_string(),
        roles: vec![Role::CountyApprover],
        scope: Scope::Region(county()?),
        ip: "cli".to_string(),
    })
}

/// A moment of a month's `day`, Beijing time, never later than `now`.
fn at(month: YearMonth, day: u32, hour: u32, minute: u32, now: DateTime<Utc>) -> DateTime<Utc> {
    let moment = NaiveDate::from_ymd_opt(month.year(), month.month(), day)
        .and_then(|d| d.and_hms_opt(hour, minute, 0))
        .map(|t| t.and_utc() - chrono::Duration::hours(8));
    moment.map_or(now, |t| t.min(now))
}

/// The bank's return of an exported CSV: each line `成功`, the line
/// numbered `failed` `失败` with [`FAILURE_REASON`]. UTF-8 with a BOM.
fn bank_return(file: &[u8], failed: Option<i64>) -> Result<Vec<u8>> {
    let (text, _) = jiuzhu_files::table::decode(file).map_err(|e| AppError::Internal(format!("demo file: {e:?}")))?;
    let mut out = String::from("\u{feff}");
    for line in text.lines() {
        let seq = line.split(',').next().and_then(|s| s.parse::<i64>().ok());
        if line.starts_with("序号") {
            out.push_str(&format!("{line},处理结果,失败原因"));
        } else if seq.is_none() {
            out.push_str(line);
        } else if seq == failed {
            out.push_str(&format!("{line},失败,{FAILURE_REASON}"));
        } else {
            out.push_str(&format!("{line},成功,"));
        }
        out.push_str("\r\n");
    }
    Ok(out.into_bytes())
}

fn return_name(month: YearMonth, roll: i64) -> String {
    format!("回盘_{COUNTY_CODE}_{}_{roll}.csv", month.yyyymm())
}

/// A line of the roll to fail: a current 低保 line paid into a household's
/// own card (not an institution's, not one held by an official, its check
/// digit right), from the roll's middle, chosen by the seed.
async fn line_to_fail(db: &Db, roll_id: i64, rng: &mut Rng) -> Result<Option<LineRow>> {
    let mut tx = db.begin_read().await?;
    let lines = rolls::roll_lines(&mut tx, roll_id, 0, 400).await?;
    let start = lines.len() / 3 + rng.below(lines.len().max(3) as u64 / 3) as usize;
    let mut chosen = None;
    for line in lines.iter().skip(start).chain(lines.iter().take(start)) {
        let card = line.account_number.as_deref().unwrap_or_default();
        let fits = line.kind == LineKind::Current
            && line.key.program == Program::Dibao
            && line.result == LineResult::Pending
            && line.institution.is_none()
            && matches!(line.holder.as_deref(), Some("head" | "own"))
            && card.len() == 19
            && account::luhn_ok(card);
        if !fits {
            continue;
        }
        let person = match line.key.payee {
            Payee::Person(p) => Some(p),
            Payee::Household(_) => None,
        };
        let current = store_payee::current_account(&mut tx, line.household_id, person).await?;
        if current.is_some_and(|a| a.custodian.is_empty()) {
            chosen = Some(line.clone());
            break;
        }
    }
    tx.commit().await?;
    Ok(chosen)
}

/// The new card of a payee whose account was closed: at the same bank.
fn new_card(line: &LineRow, rng: &mut Rng) -> String {
    let bank = line.bank.as_deref().unwrap_or_default();
    let prefix = if bank.starts_with("邮储") {
        "621799"
    } else if bank.starts_with("农业") {
        "622848"
    } else {
        "623066"
    };
    crate::payee::demo_card(rng, prefix, 19)
}

/// A roll generated, approved, exported and its return imported (every
/// line paid but `failing`, which fails). The return's corrections.
async fn pay_roll(
    db: &Db,
    month: YearMonth,
    kind: RollKind,
    day: u32,
    now: DateTime<Utc>,
    choose_failure: Option<&mut Rng>,
) -> Result<(i64, Option<LineRow>, Vec<i64>)> {
    let (clerk, approver) = (clerk()?, approver()?);
    let ask = GenerateRoll { month, region: Some(county()?), group: ProgramGroup::All, kind };
    let made = roll::generate(db, &clerk, at(month, day, 9, 30, now), ask).await?;
    roll::approve(db, &approver, at(month, day + 1, 10, 0, now), made.id, made.version).await?;
    let file = export_file(db, &clerk, at(month, day + 1, 10, 40, now), made.id).await?;
    let failing = match choose_failure {
        Some(rng) => line_to_fail(db, made.id, rng).await?,
        None => None,
    };
    let returned = bank_return(&file.bytes, failing.as_ref().map(|l| l.seq))?;
    let imported =
        import_return(db, &clerk, at(month, day + 6, 15, 0, now), made.id, &return_name(month, made.id), &returned)
            .await?;
    Ok((made.id, failing, imported.corrections))
}

/// The demo county's payment history (see the module).
pub(crate) async fn demo_payments(db: &Db, now: DateTime<Utc>, seed: u64) -> Result<DemoPayments> {
    let mut rng = Rng::new(seed ^ 0x5041_4944);
    let this_month = YearMonth::of(china_date(now));
    let mut paid_rolls = Vec::new();
    let mut corrected = None;
    for ago in (1..=HISTORY_MONTHS).rev() {
        let month = this_month.plus(-ago);
        let fail = (ago == FAILED_MONTHS_AGO).then_some(&mut rng);
        let (roll_id, failed, corrections) = pay_roll(db, month, RollKind::Regular, 3, now, fail).await?;
        paid_rolls.push(roll_id);
        let (Some(line), Some(correction)) = (failed, corrections.first().copied()) else { continue };
        // The payee opened a new card; the clerk records it and resolves
        // the correction, and a supplementary roll of the month pays it.
        let clerk = clerk()?;
        let person_id = match line.key.payee {
            Payee::Person(p) => Some(p),
            Payee::Household(_) => None,
        };
        let form = AccountForm {
            person_id,
            holder: line.holder.clone().unwrap_or_else(|| "head".to_string()),
            institution_id: None,
            bank: line.bank.clone().unwrap_or_default(),
            account_name: line.account_name.clone().unwrap_or_else(|| line.payee_name.clone()),
            account_number: new_card(&line, &mut rng),
            custodian: String::new(),
            custody_agreement: String::new(),
        };
        set_account(db, &clerk, line.household_id, &form, at(month, 11, 10, 0, now)).await?;
        resolve_correction(db, &clerk, at(month, 11, 10, 30, now), correction).await?;
        let (supplementary, _, _) = pay_roll(db, month, RollKind::Supplementary, 12, now, None).await?;
        corrected = Some(Corrected { supplementary_roll: supplementary, correction, household: line.household_id });
    }
    let avoid = corrected.map(|c| c.household);
    let recovery = match paid_rolls.last() {
        Some(last) => demo_recovery(db, now, this_month, *last, avoid).await?,
        None => None,
    };
    let ask =
        GenerateRoll { month: this_month, region: Some(county()?), group: ProgramGroup::All, kind: RollKind::Regular };
    let draft = roll::generate(db, &clerk()?, at(this_month, 3, 9, 30, now), ask).await?;
    Ok(DemoPayments { paid_rolls, corrected, recovery, draft_roll: draft.id })
}

/// The recovery: a household head's death [`DEATH_MONTHS_AGO`] months ago
/// is entered on the 1st of this month (the approver ends the 低保 with the
/// month of death), so the months paid after it were overpaid; the clerk
/// finds and records the recovery from the family the same day, and on the
/// 2nd records the family's repayment of one month. The household is one
/// paid in the last roll, not the one whose payment failed.
async fn demo_recovery(
    db: &Db,
    now: DateTime<Utc>,
    this_month: YearMonth,
    last_roll: i64,
    avoid: Option<i64>,
) -> Result<Option<i64>> {
    let lines = {
        let mut tx = db.begin_read().await?;
        let lines = rolls::roll_lines(&mut tx, last_roll, 0, 400).await?;
        tx.commit().await?;
        lines
    };
    let candidates = lines.iter().skip(lines.len() / 2).chain(lines.iter()).filter(|l| {
        l.kind == LineKind::Current
            && l.key.program == Program::Dibao
            && matches!(l.key.payee, Payee::Household(_))
            && l.result == LineResult::Paid
            && Some(l.household_id) != avoid
    });
    let died = this_month.plus(-DEATH_MONTHS_AGO);
    let entered = at(this_month, 1, 9, 0, now);
    let mut chosen = None;
    for line in candidates.take(50) {
        match end_entitlement(db, &approver()?, entered, line.entitlement_id, died, EndReason::Death).await {
            Ok(()) => {
                chosen = Some(line);
                break;
            }
            // An entitlement that began after the month of death: the next.
            Err(AppError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    let Some(line) = chosen else { return Ok(None) };
    let clerk = clerk()?;
    let found = find_overpayments(db, &clerk, at(this_month, 1, 9, 30, now), line.household_id).await?;
    let Some(overpaid) = found.iter().find(|o| o.person_id.is_none() && o.program == Program::Dibao.code()) else {
        return Ok(None);
    };
    let form = RecoveryForm {
        household_id: line.household_id,
        person_id: None,
        program: overpaid.program.clone(),
        cause: None,
        cause_note: format!(
            "户主{}于{}死亡，家属于{}报告",
            line.payee_name,
            died.label(jiuzhu_domain::i18n::Lang::Zh),
            this_month.label(jiuzhu_domain::i18n::Lang::Zh)
        ),
        debtor_name: Some(format!("{}的家属", line.payee_name)),
        expected_fen: Some(overpaid.amount_fen),
    };
    let recorded = record_recovery(db, &clerk, at(this_month, 1, 10, 0, now), &form).await?;
    let one_month = overpaid.months.first().map_or(0, |m| m.excess_fen);
    if one_month > 0 && one_month < recorded.amount_fen {
        let repaid = SettleForm {
            kind: SettlementKind::Repaid.code().to_string(),
            amount_yuan: Fen(one_month).to_string(),
            note: "家属退回，收据号 ZH-0001".to_string(),
            line_id: None,
            version: recorded.version,
        };
        settle(db, &clerk, at(this_month, 2, 15, 0, now), recorded.id, &repaid).await?;
    }
    Ok(Some(recorded.id))
}
