//! The demo county's accounts: every payee line the demo's entitlements
//! owe (from their first month) gets a plausible account, deterministic
//! from the seed: cards of the local branches (农业银行河口支行, 邮储银行…
//! 营业所, 清河农商银行…支行) whose numbers pass the card check digit, some
//! rural passbooks, and three lines a new user can find: the first 特困
//! line paid into a township 敬老院's collective account (集中供养), one card
//! held by a village official with its filed agreement, and one card whose
//! number fails the check digit (the warning shows on its page).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use jiuzhu_domain::Region;
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::china_date;
use jiuzhu_domain::payment::account::{self, AccountHolder};
use jiuzhu_store::payee::{self as store_payee, NewInstitution, NewPayeeAccount};
use jiuzhu_store::{self as store, Db};

use crate::Actor;
use crate::demo::Rng;
use crate::error::Result;

/// Lines per transaction.
const BATCH: i64 = 2_000;

const OFFICIALS: [&str; 6] = ["王立新", "李春华", "陈国强", "刘建平", "张桂芝", "赵文明"];

/// `prefix` followed by random digits up to `len - 1`, then the card check digit.
pub(crate) fn card(rng: &mut Rng, prefix: &str, len: usize) -> String {
    let mut n = prefix.to_string();
    while n.len() < len - 1 {
        n.push(char::from(b'0' + rng.below(10) as u8));
    }
    let check = (0..10u8).map(|d| format!("{n}{}", char::from(b'0' + d))).find(|c| account::luhn_ok(c));
    check.unwrap_or(n)
}

/// `len` random digits, not starting with 0.
fn digits(rng: &mut Rng, len: usize) -> String {
    let mut n = String::from(char::from(b'1' + rng.below(9) as u8));
    while n.len() < len {
        n.push(char::from(b'0' + rng.below(10) as u8));
    }
    n
}

/// A township's short name for a branch: 河口镇 → 河口, 城关街道 → 城关.
fn short(name: &str) -> &str {
    name.trim_end_matches("街道").trim_end_matches('镇').trim_end_matches('乡')
}

/// The demo county's accounts (see the module). How many were recorded.
pub(crate) async fn demo_accounts(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    seed: u64,
    regions: &[Region],
) -> Result<u64> {
    let names: HashMap<&str, &str> = regions.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
    let name_of = |code: &str| names.get(code).copied().unwrap_or_default();
    let township_of = |code: &str| format!("{:0<12}", code.get(..9).unwrap_or_default());
    let village_of = |code: &str| code.get(..12).unwrap_or_default().to_string();
    let within = crate::access::within(actor);
    let this_month = YearMonth::of(china_date(now));
    let mut rng = Rng::new(seed ^ 0x5041_5945);
    let (mut recorded, mut special) = (0u64, 0usize);
    let mut institution: Option<(i64, NewInstitution)> = None;
    let year = this_month.year();
    for month in [this_month.plus(-11), this_month] {
        let mut from = 0;
        loop {
            let mut tx = db.begin().await?;
            let lines = store_payee::missing_accounts_from(&mut tx, &within, month, from, BATCH).await?;
            let Some(last) = lines.last() else { break };
            from = last.household_id;
            let mut seen = HashSet::new();
            let mut accounts = Vec::new();
            let mut events = Vec::new();
            for line in &lines {
                if !seen.insert((line.household_id, line.person_id)) {
                    continue;
                }
                let town = name_of(&township_of(&line.region_code));
                let mut a = NewPayeeAccount {
                    household_id: line.household_id,
                    person_id: line.person_id,
                    holder: if line.person_id.is_some() { AccountHolder::Own } else { AccountHolder::Head }
                        .code()
                        .to_string(),
                    institution_id: None,
                    account_name: line.payee_name.clone(),
                    bank: String::new(),
                    account_number: String::new(),
                    custodian: String::new(),
                    custody_agreement: String::new(),
                    recorded_by: actor.name.clone(),
                };
                (a.bank, a.account_number) = match rng.below(8) {
                    0..=2 => (format!("农业银行{}支行", short(town)), card(&mut rng, "622848", 19)),
                    3..=4 => (format!("邮储银行{}营业所", short(town)), card(&mut rng, "621799", 19)),
                    5..=6 => (format!("清河农商银行{}支行", short(town)), card(&mut rng, "623066", 19)),
                    _ => (format!("清河农商银行{}信用社", short(town)), digits(&mut rng, 15)),
                };
                let mut institution_name = None;
                if line.program == "tekun" && institution.is_none() {
                    // 集中供养: the township's 敬老院 and its collective account.
                    let home = format!("{}敬老院", short(town));
                    let new = NewInstitution {
                        region_code: township_of(&line.region_code),
                        name: home.clone(),
                        account_name: home.clone(),
                        bank: format!("清河农商银行{}支行", short(town)),
                        account_number: digits(&mut rng, 20),
                    };
                    let id = store_payee::insert_institution(&mut tx, &new, now).await?;
                    institution = Some((id, new));
                    if let Some((id, i)) = &institution {
                        a.holder = AccountHolder::Institution.code().to_string();
                        a.institution_id = Some(*id);
                        (a.account_name, a.bank, a.account_number) =
                            (i.account_name.clone(), i.bank.clone(), i.account_number.clone());
                        institution_name = Some(i.name.clone());
                    }
                } else if a.institution_id.is_none() && line.program == "dibao" && special < 2 {
                    special += 1;
                    if special == 1 {
                        // A card held by a village official, with the filed agreement.
                        let village = name_of(&village_of(&line.region_code));
                        let committee = if village.ends_with("社区") { "居委会" } else { "村委会" };
                        a.custodian = format!("{}（{village}{committee}委员）", rng.pick(&OFFICIALS));
                        a.custody_agreement = format!("{}民代管〔{year}〕1号", short(town));
                    } else {
                        // A card number entered with its last digit wrong.
                        let mut wrong = card(&mut rng, "622848", 19);
                        let last = wrong.pop().map_or(0, |c| c as u8 - b'0');
                        wrong.push(char::from(b'0' + (last + 1) % 10));
                        a.account_number = wrong;
                    }
                }
                let detail = super::recorded(&line.payee_name, &a, institution_name.as_deref());
                events.push((a.household_id, "payee_account_set", detail.to_string()));
                accounts.push(a);
            }
            store_payee::insert_accounts_bulk(&mut tx, &accounts, now).await?;
            store::insert_events_bulk(&mut tx, &events, now, &actor.name).await?;
            tx.commit().await?;
            recorded += accounts.len() as u64;
        }
    }
    Ok(recorded)
}
