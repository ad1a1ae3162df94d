//! Payees and their bank accounts (收款账户, `payments.md`): where each
//! entitlement is paid.
//!
//! - **The number.** [`AccountNumber::parse`] reads what people type or
//!   paste: spaces, dashes and full-width digits are removed, then only
//!   digits may remain, [`AccountNumber::MIN_LEN`]–[`AccountNumber::MAX_LEN`]
//!   of them (bank cards have 16–19 digits; passbook and collective account
//!   numbers vary, from 8 digits at small rural banks to over 20 at large
//!   ones, so the bounds are wide: 8–32). The error names what is wrong.
//! - **The check digit.** A 16–19 digit number is a card; one failing the
//!   card check digit (Luhn) is a [`AccountWarning::CheckDigit`], **not an
//!   error**: some passbook accounts have card lengths, and the bank's return
//!   file is the final word.
//! - **Masking.** In lists an account shows like an ID number: its first
//!   four and last four digits (`6217***********0123`); a number shorter than
//!   16 digits shows only its last four, so a mask never reveals more than 8
//!   digits, nor more than half the number.
//! - **The holder.** A household entitlement is paid into an account in the
//!   head's name, a personal one (单人保, 特困) into the person's own, a
//!   集中供养 特困 person's into the institution's collective account
//!   ([`required_holder`]); [`check`] holds an account against that and
//!   warns when the account's name differs from the holder's.
//! - **Custody.** A card or passbook held by a township or village official
//!   (代管) must have the filed written agreement (57号 art. 26): its
//!   reference is required.

use serde::{Deserialize, Serialize};

use crate::assistance::SupportMode;
use crate::entitlement::Recipient;
use crate::household::Program;
use crate::i18n::Message;

pub use messages::MESSAGES;

mod messages;

/// An account number: digits only, 8–32 of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountNumber(String);

impl AccountNumber {
    /// Fewest digits accepted (short passbook accounts of rural banks).
    pub const MIN_LEN: usize = 8;
    /// Most digits accepted (long collective and passbook accounts).
    pub const MAX_LEN: usize = 32;

    /// Reads a number as typed or pasted: spaces, dashes and full-width
    /// digits are tolerated; anything else is an error naming it.
    pub fn parse(raw: &str) -> Result<AccountNumber, AccountError> {
        let cleaned = crate::text::clean(raw);
        let mut digits = String::with_capacity(cleaned.len());
        for c in cleaned.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '\u{3000}' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\t' => {}
                other => return Err(AccountError::NotDigit(other)),
            }
        }
        match digits.len() {
            0 => Err(AccountError::Empty),
            n if n < Self::MIN_LEN => Err(AccountError::TooShort(n)),
            n if n > Self::MAX_LEN => Err(AccountError::TooLong(n)),
            _ => Ok(AccountNumber(digits)),
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it has a bank card's length (16–19 digits).
    pub fn is_card_length(&self) -> bool {
        (16..=19).contains(&self.0.len())
    }

    /// Whether the last digit is the Luhn check digit of the others.
    pub fn luhn_ok(&self) -> bool {
        luhn_ok(&self.0)
    }

    /// A card number failing its check digit: a warning.
    pub fn warning(&self) -> Option<AccountWarning> {
        (self.is_card_length() && !self.luhn_ok()).then_some(AccountWarning::CheckDigit)
    }

    /// As lists show it: `6217***********0123`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

impl From<AccountNumber> for String {
    fn from(n: AccountNumber) -> String {
        n.0
    }
}

impl TryFrom<String> for AccountNumber {
    type Error = AccountError;
    fn try_from(s: String) -> Result<AccountNumber, AccountError> {
        AccountNumber::parse(&s)
    }
}

/// The Luhn check over a string of digits (false if any is not a digit).
pub fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 1 { [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][d as usize] } else { d };
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// A stored account number as lists show it: the first four and last four
/// digits of a number of 16 or more (a card), the last four of a shorter one, the
/// rest starred.
pub fn mask(number: &str) -> String {
    let n = number.chars().count();
    let (head, tail) = if n >= 16 { (4, 4) } else { (0, 4.min(n / 2)) };
    number.chars().enumerate().map(|(i, c)| if i < head || i + tail >= n { c } else { '*' }).collect()
}

labeled_enum! {
    /// In whose name the account a payee line is paid into is held.
    AccountHolder {
        Head = "head" ["户主", "户主本人"],
        Own = "own" ["本人"],
        Institution = "institution" ["供养机构", "机构"]
    }
}

/// Which holder the payee of an entitlement needs: the head for a
/// household's, the person for a personal one, the institution for a
/// 集中供养 特困 person (`support` is the person's support mode, when known).
/// A roster's 特困 "household" (one person supported alone, enrolled as a
/// household line) in an institution is paid to the institution too.
pub fn required_holder(recipient: Recipient, program: Program, support: Option<SupportMode>) -> AccountHolder {
    match (recipient, program, support) {
        (_, Program::Tekun, Some(SupportMode::Institution)) => AccountHolder::Institution,
        (Recipient::Household, _, _) => AccountHolder::Head,
        (Recipient::Person(_), _, _) => AccountHolder::Own,
    }
}

/// Which holders a payee line may be given: the household line the head, a
/// member's line the member; a line paid for 特困 (`tekun`) also the
/// institution (集中供养).
pub fn allowed_holders(household_line: bool, tekun: bool) -> &'static [AccountHolder] {
    match (household_line, tekun) {
        (true, false) => &[AccountHolder::Head],
        (true, true) => &[AccountHolder::Head, AccountHolder::Institution],
        (false, false) => &[AccountHolder::Own],
        (false, true) => &[AccountHolder::Own, AccountHolder::Institution],
    }
}

/// A card or passbook held by an official (代管) and the reference of the
/// filed written agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Custody {
    /// The official: name and post (`王五（清河村村委会主任）`).
    pub custodian: String,
    /// The filed agreement's reference (`清民代管〔2026〕3号`).
    pub agreement: String,
}

/// An account as entered, before it is checked against its payee line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEntry {
    pub holder: AccountHolder,
    /// The bank and branch (`农业银行清河支行`); for an institution's
    /// account, the institution's.
    pub bank: String,
    /// The name the account is held in.
    pub account_name: String,
    pub number: AccountNumber,
    pub custody: Option<Custody>,
}

/// Why an account cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("no account number")]
    Empty,
    #[error("'{0}' is not a digit")]
    NotDigit(char),
    #[error("{0} digits: fewer than 8")]
    TooShort(usize),
    #[error("{0} digits: more than 32")]
    TooLong(usize),
    #[error("no bank")]
    NoBank,
    #[error("no account name")]
    NoName,
    #[error("holder {given:?} where the line needs one of {allowed:?}")]
    WrongHolder { given: AccountHolder, allowed: &'static [AccountHolder] },
    #[error("custody without the official's name")]
    NoCustodian,
    #[error("custody without the filed agreement")]
    NoAgreement,
    #[error("an institution's account held by an official")]
    InstitutionInCustody,
}

impl AccountError {
    /// The problem in the user's language.
    pub fn message(&self) -> Message {
        match self {
            AccountError::Empty => Message::new("account.error.empty"),
            AccountError::NotDigit(c) => Message::new("account.error.not_digit").arg("char", c),
            AccountError::TooShort(n) => {
                Message::new("account.error.too_short").arg("n", n).arg("min", AccountNumber::MIN_LEN)
            }
            AccountError::TooLong(n) => {
                Message::new("account.error.too_long").arg("n", n).arg("max", AccountNumber::MAX_LEN)
            }
            AccountError::NoBank => Message::new("account.error.no_bank"),
            AccountError::NoName => Message::new("account.error.no_name"),
            AccountError::WrongHolder { .. } => Message::new("account.error.wrong_holder"),
            AccountError::NoCustodian => Message::new("account.error.no_custodian"),
            AccountError::NoAgreement => Message::new("account.error.no_agreement"),
            AccountError::InstitutionInCustody => Message::new("account.error.institution_custody"),
        }
    }
}

/// What is worth a second look but does not stop the account being recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "warning")]
pub enum AccountWarning {
    /// A card-length number failing the card check digit.
    CheckDigit,
    /// The account's name is not the holder's.
    NameDiffers { account_name: String, holder_name: String },
    /// A 特困 person's line paid to the person while the decision says 集中供养,
    /// or to an institution while it says 分散供养.
    HolderDiffers { needed: AccountHolder, given: AccountHolder },
}

impl AccountWarning {
    /// The warning in the user's language.
    pub fn message(&self) -> Message {
        match self {
            AccountWarning::CheckDigit => Message::new("account.warning.check_digit"),
            AccountWarning::NameDiffers { account_name, holder_name } => Message::new("account.warning.name_differs")
                .arg("account_name", account_name)
                .arg("holder_name", holder_name),
            AccountWarning::HolderDiffers { needed, .. } => {
                Message::new("account.warning.holder_differs").arg("needed", needed.label(crate::i18n::Lang::Zh))
            }
        }
    }
}

/// Checks `entry` for a payee line (`household_line`: the household's own
/// line, else a member's; `tekun`: paid for 特困), whose holder by the rule
/// is `needed` (none when it depends on a support mode not known here) and
/// in whose name it should be (`holder_name`: the head's, the member's or
/// the institution's account name). Errors stop it; warnings are shown
/// beside it.
pub fn check(
    entry: &AccountEntry,
    household_line: bool,
    tekun: bool,
    needed: Option<AccountHolder>,
    holder_name: &str,
) -> Result<Vec<AccountWarning>, AccountError> {
    let allowed = allowed_holders(household_line, tekun);
    if !allowed.contains(&entry.holder) {
        return Err(AccountError::WrongHolder { given: entry.holder, allowed });
    }
    if entry.bank.trim().is_empty() {
        return Err(AccountError::NoBank);
    }
    if entry.account_name.trim().is_empty() {
        return Err(AccountError::NoName);
    }
    if let Some(custody) = &entry.custody {
        if entry.holder == AccountHolder::Institution {
            return Err(AccountError::InstitutionInCustody);
        }
        if custody.custodian.trim().is_empty() {
            return Err(AccountError::NoCustodian);
        }
        if custody.agreement.trim().is_empty() {
            return Err(AccountError::NoAgreement);
        }
    }
    let mut warnings: Vec<AccountWarning> = entry.number.warning().into_iter().collect();
    if let Some(needed) = needed.filter(|n| *n != entry.holder) {
        warnings.push(AccountWarning::HolderDiffers { needed, given: entry.holder });
    }
    if !holder_name.trim().is_empty() && !same_name(&entry.account_name, holder_name) {
        warnings.push(AccountWarning::NameDiffers {
            account_name: entry.account_name.trim().to_string(),
            holder_name: holder_name.trim().to_string(),
        });
    }
    Ok(warnings)
}

/// Names compared as people write them (spaces and width ignored).
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| crate::text::clean(s).chars().filter(|c| !c.is_whitespace()).collect::<String>();
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests;
