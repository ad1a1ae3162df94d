//! Payees and their accounts (收款账户, issue 12 point 1): where each
//! entitlement is paid.
//!
//! A household's payee lines are its own (its 低保, paid into an account in
//! the head's name) and each member's with a personal entitlement (单人保,
//! 特困: the person's own account, or for 集中供养 the institution's
//! collective account). [`set_account`] records or changes a line's account
//! (`PayeeManage`, the household in the actor's region): the domain checks
//! it (errors stop it, warnings are returned beside it), the store replaces
//! the current row, and the household's history and the audit record keep
//! the masked number before and after, in the same transaction. A change
//! takes effect from the next roll: a roll already prepared keeps the
//! account it was made with. Numbers are masked everywhere but in
//! [`reveal_account`] (`RevealSensitive`, recorded like an ID reveal).
//! Institutions are listed in the actor's region and recorded by the
//! county clerk; [`missing_accounts`] lists the lines owed in a month without an
//! account, for the roll's preparer.

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::{Recipient, YearMonth};
use jiuzhu_domain::i18n::{Message, china_date};
use jiuzhu_domain::limits::short;
use jiuzhu_domain::payment::account::{
    self, AccountEntry, AccountHolder, AccountNumber, AccountWarning, Custody, required_holder,
};
use jiuzhu_domain::{Permission, Program, RegionCode, Relation};
use jiuzhu_store::payee::{self as store_payee, InstitutionRow, NewInstitution, NewPayeeAccount, PayeeAccountRow};
use jiuzhu_store::{self as store, Db, PersonRecord, Tx};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::access::{Target, audit, deny_in, require, within, within_requested};
use crate::error::{AppError, Result};
use crate::registry::{household_if_in_scope, household_or_deny, region_tree};
use crate::{Actor, Scope};

mod demo;
pub(crate) use demo::{card as demo_card, demo_accounts};

const BANK: jiuzhu_domain::limits::TextLimit = short("开户银行", "bank");
const ACCOUNT_NAME: jiuzhu_domain::limits::TextLimit = short("账户户名", "account_name");
const CUSTODIAN: jiuzhu_domain::limits::TextLimit = short("代管人", "custodian");
const AGREEMENT: jiuzhu_domain::limits::TextLimit = short("代管协议编号", "custody_agreement");
const INSTITUTION_NAME: jiuzhu_domain::limits::TextLimit = short("机构名称", "name");
const ACCOUNT_NUMBER: jiuzhu_domain::limits::TextLimit = short("银行账号", "account_number");

/// The most lines the "without an account" list shows.
pub const MISSING_LIMIT: i64 = 1_000;

/// One account of a payee line as shown: the number masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PayeeAccountView {
    pub id: i64,
    /// `head`, `own` or `institution`.
    #[schema(value_type = String, example = "head")]
    pub holder: AccountHolder,
    pub institution_id: Option<i64>,
    pub institution_name: Option<String>,
    pub bank: String,
    pub account_name: String,
    /// Masked like an ID number: `6217***********0123`.
    pub account_number: String,
    /// The official holding the card or passbook (代管); empty: the payee.
    pub custodian: String,
    pub custody_agreement: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    /// When it was replaced; none while current.
    pub replaced_at: Option<DateTime<Utc>>,
    /// The number is card-length and fails the card check digit.
    pub check_digit_warning: bool,
}

/// A payee line of a household: its own (`person_id` none) or a member's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PayeeLineView {
    pub person_id: Option<i64>,
    /// The head's name for the household's line, else the member's.
    pub payee_name: String,
    /// The catalogue keys of the programmes it is paid for now
    /// (`CaseKind.dibao`, `CaseKind.tekun`).
    pub programs: Vec<String>,
    /// The holder the rule asks for; none when it depends on the decision
    /// (特困: own account, or the institution's for 集中供养).
    #[schema(value_type = Option<String>)]
    pub needed_holder: Option<AccountHolder>,
    /// The holders this line may be given (the form's choices).
    #[schema(value_type = Vec<String>)]
    pub allowed_holders: Vec<AccountHolder>,
    pub current: Option<PayeeAccountView>,
    /// Earlier accounts, newest first.
    pub past: Vec<PayeeAccountView>,
}

/// A household's payee lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HouseholdPayees {
    pub household_id: i64,
    /// The household's number (户编号).
    pub external_id: String,
    pub lines: Vec<PayeeLineView>,
    /// The actor may record and change accounts.
    pub can_manage: bool,
    /// The actor may see full numbers.
    pub can_reveal: bool,
    /// The institutions an account may be paid into (for the form).
    pub institutions: Vec<InstitutionView>,
}

/// An account as entered on the page or in the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccountForm {
    /// The member's line; none: the household's own line.
    #[serde(default)]
    pub person_id: Option<i64>,
    /// `head`, `own` or `institution` (or its label).
    pub holder: String,
    /// For `institution`: which one (its bank and account are used).
    #[serde(default)]
    pub institution_id: Option<i64>,
    #[serde(default)]
    pub bank: String,
    #[serde(default)]
    pub account_name: String,
    /// As typed or pasted: spaces, dashes and full-width digits are fine.
    #[serde(default)]
    pub account_number: String,
    /// The official holding the card or passbook (代管), name and post.
    #[serde(default)]
    pub custodian: String,
    /// The filed custody agreement's reference.
    #[serde(default)]
    pub custody_agreement: String,
}

/// What recording an account did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccountSaved {
    pub account_id: i64,
    /// The number masked.
    pub account_number: String,
    /// What is worth a second look (saved all the same).
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<AccountWarning>,
    /// The first roll month it applies to is the next roll prepared.
    pub replaced: bool,
}

/// A full account number, revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevealedAccount {
    pub account_id: i64,
    pub household_id: i64,
    pub account_name: String,
    pub bank: String,
    /// In full.
    pub account_number: String,
}

/// An institution and its collective account (number masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InstitutionView {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub name: String,
    pub account_name: String,
    pub bank: String,
    pub account_number: String,
    pub check_digit_warning: bool,
}

/// An institution as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InstitutionForm {
    /// Where it is (a county or a township); default: the actor's region.
    #[serde(default)]
    pub region_code: String,
    pub name: String,
    pub account_name: String,
    pub bank: String,
    pub account_number: String,
}

/// A payee line owed in a month without an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MissingPayeeView {
    pub household_id: i64,
    pub external_id: String,
    pub region_name: String,
    pub person_id: Option<i64>,
    pub payee_name: String,
    /// The catalogue key of the programme as people name it.
    pub program: String,
    pub monthly_fen: i64,
}

/// The lines owed in a month without an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MissingPayees {
    #[schema(value_type = String, example = "2026-12")]
    pub month: YearMonth,
    pub lines: Vec<MissingPayeeView>,
    /// More lines than shown.
    pub truncated: bool,
}

fn account_view(row: &PayeeAccountRow, institutions: &[InstitutionRow]) -> PayeeAccountView {
    let holder = AccountHolder::parse(&row.holder).unwrap_or(AccountHolder::Own);
    let number = AccountNumber::parse(&row.account_number).ok();
    PayeeAccountView {
        id: row.id,
        holder,
        institution_id: row.institution_id,
        institution_name: row
            .institution_id
            .and_then(|id| institutions.iter().find(|i| i.id == id))
            .map(|i| i.name.clone()),
        bank: row.bank.clone(),
        account_name: row.account_name.clone(),
        account_number: account::mask(&row.account_number),
        custodian: row.custodian.clone(),
        custody_agreement: row.custody_agreement.clone(),
        recorded_at: row.recorded_at,
        recorded_by: row.recorded_by.clone(),
        replaced_at: row.replaced_at,
        check_digit_warning: number.is_some_and(|n| n.warning().is_some()),
    }
}

fn institution_view(row: &InstitutionRow, tree: &jiuzhu_domain::RegionTree) -> InstitutionView {
    let number = AccountNumber::parse(&row.account_number).ok();
    InstitutionView {
        id: row.id,
        region_code: row.region_code.clone(),
        region_name: RegionCode::parse(&row.region_code).map(|c| tree.full_name(&c)).unwrap_or_default(),
        name: row.name.clone(),
        account_name: row.account_name.clone(),
        bank: row.bank.clone(),
        account_number: account::mask(&row.account_number),
        check_digit_warning: number.is_some_and(|n| n.warning().is_some()),
    }
}

fn head_name(members: &[PersonRecord]) -> String {
    members
        .iter()
        .find(|p| p.fields.relation == Relation::Head)
        .map(|p| p.fields.name.as_str().to_string())
        .unwrap_or_default()
}

/// The institutions an account in this county may be paid into: those of
/// the household's county (an institution serves its county, so a township
/// clerk chooses among the county's, outside the township).
async fn county_institutions(tx: &mut Tx, region: &RegionCode) -> Result<Vec<InstitutionRow>> {
    let county = region.as_str().get(..6).unwrap_or_default();
    let all = store_payee::list_institutions(tx, &crate::access::whole_installation()).await?;
    Ok(all.into_iter().filter(|i| i.region_code.get(..6) == Some(county)).collect())
}

/// The payee lines of a household with their current and past accounts,
/// masked (`PaymentRead`; recorded).
pub async fn household_payees(
    db: &Db,
    actor: &Actor,
    household_id: i64,
    now: DateTime<Utc>,
) -> Result<HouseholdPayees> {
    let target = Target::new("household", household_id, None);
    require(db, actor, now, Permission::PaymentRead, "payees_viewed", &target).await?;
    let mut tx = db.begin_read().await?;
    let household = household_or_deny!(tx, db, actor, now, household_id, "payees_viewed");
    let members = store::members_of(&mut tx, household_id).await?;
    let entitlements = store::entitlement::household_entitlements(&mut tx, household_id).await?;
    let accounts = store_payee::household_accounts(&mut tx, household_id).await?;
    let institutions = county_institutions(&mut tx, &household.fields.region_code).await?;
    let tree = region_tree(&mut tx).await?;
    audit(
        &mut tx,
        actor,
        now,
        "payees_viewed",
        &Target::new("household", household_id, Some(&household.fields.region_code)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;

    let this_month = YearMonth::of(china_date(now));
    // The lines: the household's own, then each member in the register's
    // order, when an entitlement is owed now or later or an account exists.
    let mut keys: Vec<Option<i64>> = vec![None];
    keys.extend(members.iter().map(|p| Some(p.id)));
    let mut lines = Vec::new();
    for person in keys {
        let recipient = person.map_or(Recipient::Household, Recipient::Person);
        let held: Vec<_> = entitlements
            .iter()
            .filter(|e| e.recipient == recipient && e.is_current(this_month) && !e.is_void())
            .collect();
        let rows: Vec<&PayeeAccountRow> = accounts.iter().filter(|a| a.person_id == person).collect();
        if held.is_empty() && rows.is_empty() {
            continue;
        }
        let payee_name = match person {
            None => head_name(&members),
            Some(id) => {
                members.iter().find(|p| p.id == id).map(|p| p.fields.name.as_str().to_string()).unwrap_or_default()
            }
        };
        let programs: Vec<Program> = held.iter().map(|e| e.program).collect();
        let needed_holder = needed(recipient, &programs);
        let current = rows.iter().find(|a| a.replaced_at.is_none()).map(|a| account_view(a, &institutions));
        let mut past: Vec<PayeeAccountView> =
            rows.iter().filter(|a| a.replaced_at.is_some()).map(|a| account_view(a, &institutions)).collect();
        past.reverse();
        lines.push(PayeeLineView {
            person_id: person,
            payee_name,
            programs: held.iter().map(|e| e.program_key().to_string()).collect(),
            needed_holder,
            allowed_holders: account::allowed_holders(person.is_none(), programs.contains(&Program::Tekun)).to_vec(),
            current,
            past,
        });
    }
    Ok(HouseholdPayees {
        household_id,
        external_id: household.fields.external_id.clone(),
        lines,
        can_manage: actor.can(Permission::PayeeManage),
        can_reveal: actor.can(Permission::RevealSensitive),
        institutions: institutions.iter().map(|i| institution_view(i, &tree)).collect(),
    })
}

/// The holder the rule asks of a line paid for these programmes; none when
/// it depends on the support mode (特困: the payee's own account, or the
/// institution's for 集中供养), which the clerk chooses.
fn needed(recipient: Recipient, programs: &[Program]) -> Option<AccountHolder> {
    if programs.contains(&Program::Tekun) {
        return None;
    }
    Some(required_holder(recipient, programs.first().copied().unwrap_or(Program::Dibao), None))
}

/// Records or changes the account of a payee line (`PayeeManage`, the
/// household in the actor's region). Errors name the field; warnings (the
/// card check digit, a name that differs from the holder's) are returned
/// with the saved account. History and audit keep the number masked. The
/// account takes effect from the next roll prepared.
pub async fn set_account(
    db: &Db,
    actor: &Actor,
    household_id: i64,
    form: &AccountForm,
    now: DateTime<Utc>,
) -> Result<AccountSaved> {
    let target = Target::new("household", household_id, None);
    require(db, actor, now, Permission::PayeeManage, "payee_account_set", &target).await?;
    crate::text_limits::check([
        (BANK, form.bank.as_str()),
        (ACCOUNT_NAME, form.account_name.as_str()),
        (ACCOUNT_NUMBER, form.account_number.as_str()),
        (CUSTODIAN, form.custodian.as_str()),
        (AGREEMENT, form.custody_agreement.as_str()),
    ])?;
    let holder = AccountHolder::parse(&form.holder)
        .ok_or_else(|| AppError::invalid("holder", Message::new("account.error.wrong_holder")))?;
    let mut tx = db.begin().await?;
    let household = household_or_deny!(tx, db, actor, now, household_id, "payee_account_set");
    let members = store::members_of(&mut tx, household_id).await?;
    let (recipient, person_name) = match form.person_id {
        None => (Recipient::Household, head_name(&members)),
        Some(id) => match members.iter().find(|p| p.id == id) {
            Some(p) => (Recipient::Person(id), p.fields.name.as_str().to_string()),
            None => return Err(AppError::invalid("person_id", Message::new("account.error.no_payee"))),
        },
    };
    // An institution's account is the institution's: its bank, name, number.
    let institution = match (holder, form.institution_id) {
        (AccountHolder::Institution, Some(id)) => {
            let found = store_payee::get_institution(&mut tx, id).await?;
            let same_county =
                |i: &InstitutionRow| i.region_code.get(..6) == household.fields.region_code.as_str().get(..6);
            match found.filter(same_county) {
                Some(i) => Some(i),
                None => return Err(AppError::invalid("institution_id", Message::new("account.error.no_institution"))),
            }
        }
        (AccountHolder::Institution, None) => {
            return Err(AppError::invalid("institution_id", Message::new("account.error.no_institution")));
        }
        _ => None,
    };
    let (bank, account_name, raw_number) = match &institution {
        Some(i) => (i.bank.clone(), i.account_name.clone(), i.account_number.clone()),
        None => (clean(&form.bank), clean(&form.account_name), form.account_number.clone()),
    };
    let number = AccountNumber::parse(&raw_number).map_err(|e| AppError::invalid("account_number", e.message()))?;
    let custody = (!form.custodian.trim().is_empty() || !form.custody_agreement.trim().is_empty())
        .then(|| Custody { custodian: clean(&form.custodian), agreement: clean(&form.custody_agreement) });
    let entry = AccountEntry { holder, bank, account_name, number, custody };
    let entitlements = store::entitlement::household_entitlements(&mut tx, household_id).await?;
    let this_month = YearMonth::of(china_date(now));
    let programs: Vec<Program> = entitlements
        .iter()
        .filter(|e| e.recipient == recipient && e.is_current(this_month) && !e.is_void())
        .map(|e| e.program)
        .collect();
    let needed_holder = needed(recipient, &programs);
    let tekun = programs.contains(&Program::Tekun);
    let holder_name = institution.as_ref().map_or(person_name.clone(), |i| i.account_name.clone());
    let warnings = account::check(&entry, form.person_id.is_none(), tekun, needed_holder, &holder_name)
        .map_err(|e| AppError::invalid(error_field(&e), e.message()))?;

    let new = NewPayeeAccount {
        household_id,
        person_id: form.person_id,
        holder: holder.code().to_string(),
        institution_id: institution.as_ref().map(|i| i.id),
        account_name: entry.account_name.clone(),
        bank: entry.bank.clone(),
        account_number: entry.number.as_str().to_string(),
        custodian: entry.custody.as_ref().map(|c| c.custodian.clone()).unwrap_or_default(),
        custody_agreement: entry.custody.as_ref().map(|c| c.agreement.clone()).unwrap_or_default(),
        recorded_by: actor.name.clone(),
    };
    let (previous, id) = match store_payee::set_account(&mut tx, &new, now).await {
        // Another clerk recorded this line's account at the same moment.
        Err(jiuzhu_store::StoreError::Conflict { constraint })
            if constraint == "payee_account_household_id_key" || constraint == "payee_account_person_id_key" =>
        {
            return Err(AppError::Conflict(Message::new("payee.error.changed_meanwhile")));
        }
        other => other?,
    };
    let institution_name = institution.as_ref().map(|i| i.name.clone());
    let after = recorded(&person_name, &new, institution_name.as_deref());
    let before = match &previous {
        Some(p) => {
            let name = match p.institution_id {
                Some(iid) => store_payee::get_institution(&mut tx, iid).await?.map(|i| i.name),
                None => None,
            };
            Some(recorded(&person_name, &as_new(p), name.as_deref()))
        }
        None => None,
    };
    let action = if previous.is_some() { "payee_account_changed" } else { "payee_account_set" };
    let detail = history_detail(before.as_ref(), &after);
    store::insert_event(&mut tx, household_id, now, &actor.name, action, &detail.to_string()).await?;
    let target = Target::new("payee_account", id, Some(&household.fields.region_code));
    audit(&mut tx, actor, now, action, &target, before.as_ref(), Some(&after)).await?;
    tx.commit().await?;
    Ok(AccountSaved { account_id: id, account_number: entry.number.masked(), warnings, replaced: previous.is_some() })
}

/// Free text as kept: invisible controls removed, trimmed; full-width
/// punctuation stays (`王五（村委会主任）`).
fn clean(s: &str) -> String {
    jiuzhu_domain::text::strip_invisible(s).trim().to_string()
}

fn error_field(e: &account::AccountError) -> &'static str {
    use account::AccountError as E;
    match e {
        E::Empty | E::NotDigit(_) | E::TooShort(_) | E::TooLong(_) => "account_number",
        E::NoBank => "bank",
        E::NoName => "account_name",
        E::WrongHolder { .. } => "holder",
        E::NoCustodian | E::InstitutionInCustody => "custodian",
        E::NoAgreement => "custody_agreement",
    }
}

fn as_new(p: &PayeeAccountRow) -> NewPayeeAccount {
    NewPayeeAccount {
        household_id: p.household_id,
        person_id: p.person_id,
        holder: p.holder.clone(),
        institution_id: p.institution_id,
        account_name: p.account_name.clone(),
        bank: p.bank.clone(),
        account_number: p.account_number.clone(),
        custodian: p.custodian.clone(),
        custody_agreement: p.custody_agreement.clone(),
        recorded_by: String::new(),
    }
}

/// What an account record keeps for history and audit: the number masked.
fn recorded(payee: &str, a: &NewPayeeAccount, institution: Option<&str>) -> Value {
    json!({
        "payee": payee,
        "holder": a.holder,
        "institution": institution,
        "bank": a.bank,
        "account_name": a.account_name,
        "account_number": account::mask(&a.account_number),
        "custodian": a.custodian,
        "custody_agreement": a.custody_agreement,
    })
}

/// The history entry: the payee, and each field as set, or `[before,
/// after]` where it changed.
fn history_detail(before: Option<&Value>, after: &Value) -> Value {
    let mut out = serde_json::Map::new();
    let Some(after_map) = after.as_object() else { return after.clone() };
    for (k, v) in after_map {
        match before.and_then(|b| b.get(k)) {
            Some(old) if old != v && k != "payee" => {
                out.insert(k.clone(), json!([old, v]));
            }
            Some(_) if k != "payee" && k != "account_number" => {}
            _ => {
                if !(v.is_null() || v.as_str() == Some("")) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Value::Object(out)
}

/// The full number of an account (`RevealSensitive`, the household in the
/// actor's region; recorded like an ID reveal).
pub async fn reveal_account(db: &Db, actor: &Actor, account_id: i64, now: DateTime<Utc>) -> Result<RevealedAccount> {
    let target = Target::new("payee_account", account_id, None);
    require(db, actor, now, Permission::RevealSensitive, "payee_account_revealed", &target).await?;
    let mut tx = db.begin_read().await?;
    let Some(row) = store_payee::get_account(&mut tx, account_id).await? else {
        return Err(deny_in(tx, actor, now, "payee_account_revealed", &target, AppError::NotFound).await);
    };
    let Some(household) = household_if_in_scope(&mut tx, actor, row.household_id).await? else {
        return Err(deny_in(tx, actor, now, "payee_account_revealed", &target, AppError::NotFound).await);
    };
    let target = Target::new("payee_account", account_id, Some(&household.fields.region_code));
    audit(&mut tx, actor, now, "payee_account_revealed", &target, None, None).await?;
    tx.commit().await?;
    Ok(RevealedAccount {
        account_id,
        household_id: row.household_id,
        account_name: row.account_name,
        bank: row.bank,
        account_number: row.account_number,
    })
}

/// The institutions in the actor's region (`PaymentRead`; numbers masked).
pub async fn list_institutions(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<InstitutionView>> {
    require(db, actor, now, Permission::PaymentRead, "institutions_listed", &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let rows = store_payee::list_institutions(&mut tx, &within(actor)).await?;
    let tree = region_tree(&mut tx).await?;
    audit(&mut tx, actor, now, "institutions_listed", &Target::none(), None, None).await?;
    tx.commit().await?;
    Ok(rows.iter().map(|r| institution_view(r, &tree)).collect())
}

/// Records an institution and its collective account, in the actor's
/// region. The county records institutions: the permission is the county
/// clerk's `PaymentPrepare` (institutions' accounts are paid by the rolls
/// that clerk prepares). Its id.
pub async fn create_institution(db: &Db, actor: &Actor, form: &InstitutionForm, now: DateTime<Utc>) -> Result<i64> {
    require(db, actor, now, Permission::PaymentPrepare, "institution_created", &Target::none()).await?;
    crate::text_limits::check([
        (INSTITUTION_NAME, form.name.as_str()),
        (ACCOUNT_NAME, form.account_name.as_str()),
        (BANK, form.bank.as_str()),
        (ACCOUNT_NUMBER, form.account_number.as_str()),
    ])?;
    let region = if form.region_code.trim().is_empty() {
        match &actor.scope {
            Scope::Region(r) => r.clone(),
            Scope::All => return Err(AppError::invalid("region_code", Message::new("region.unknown").arg("code", ""))),
        }
    } else {
        RegionCode::parse(&form.region_code).map_err(|_| {
            AppError::invalid("region_code", Message::new("region.unknown").arg("code", form.region_code.trim()))
        })?
    };
    let target = Target::new("institution", "", Some(&region));
    if !crate::access::in_scope(actor, &region) {
        return Err(crate::access::deny(db, actor, now, "institution_created", &target, AppError::NotFound).await);
    }
    let number =
        AccountNumber::parse(&form.account_number).map_err(|e| AppError::invalid("account_number", e.message()))?;
    let (name, account_name, bank) = (clean(&form.name), clean(&form.account_name), clean(&form.bank));
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(crate::error::FieldError { field: "name", message: Message::new("account.error.no_institution") });
    }
    if account_name.is_empty() {
        errors.push(crate::error::FieldError { field: "account_name", message: Message::new("account.error.no_name") });
    }
    if bank.is_empty() {
        errors.push(crate::error::FieldError { field: "bank", message: Message::new("account.error.no_bank") });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut tx = db.begin().await?;
    let tree = region_tree(&mut tx).await?;
    if tree.get(&region).is_none() {
        return Err(AppError::invalid("region_code", Message::new("region.unknown").arg("code", &region)));
    }
    let new = NewInstitution {
        region_code: region.as_str().to_string(),
        name,
        account_name,
        bank,
        account_number: number.as_str().to_string(),
    };
    let id = match store_payee::insert_institution(&mut tx, &new, now).await {
        Err(jiuzhu_store::StoreError::Conflict { constraint }) if constraint == "institution_region_code_key" => {
            return Err(AppError::invalid("name", Message::new("payee.error.duplicate_institution")));
        }
        other => other?,
    };
    let after = json!({
        "institution": new.name,
        "bank": new.bank,
        "account_name": new.account_name,
        "account_number": number.masked(),
    });
    audit(
        &mut tx,
        actor,
        now,
        "institution_created",
        &Target::new("institution", id, Some(&region)),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The payee lines owed in `month` without an account, in the actor's
/// region (narrowed to `region` when asked), at most [`MISSING_LIMIT`]
/// (`PaymentRead`; recorded).
pub async fn missing_accounts(
    db: &Db,
    actor: &Actor,
    region: Option<&RegionCode>,
    month: YearMonth,
    now: DateTime<Utc>,
) -> Result<MissingPayees> {
    require(db, actor, now, Permission::PaymentRead, "payees_missing_listed", &Target::none()).await?;
    let mut tx = db.begin_read().await?;
    let within = within_requested(actor, region);
    let mut rows = store_payee::missing_accounts(&mut tx, &within, month, MISSING_LIMIT + 1).await?;
    let tree = region_tree(&mut tx).await?;
    audit(&mut tx, actor, now, "payees_missing_listed", &Target::new("region", "", within.region_code()), None, None)
        .await?;
    tx.commit().await?;
    let truncated = rows.len() as i64 > MISSING_LIMIT;
    rows.truncate(MISSING_LIMIT as usize);
    let lines = rows
        .into_iter()
        .map(|r| {
            let program = Program::parse(&r.program).unwrap_or(Program::Dibao);
            let recipient = r.person_id.map_or(Recipient::Household, Recipient::Person);
            MissingPayeeView {
                household_id: r.household_id,
                external_id: r.external_id,
                region_name: RegionCode::parse(&r.region_code).map(|c| tree.full_name(&c)).unwrap_or_default(),
                person_id: r.person_id,
                payee_name: r.payee_name,
                program: jiuzhu_domain::entitlement::program_key(program, recipient).to_string(),
                monthly_fen: r.monthly_fen,
            }
        })
        .collect();
    Ok(MissingPayees { month, lines, truncated })
}
