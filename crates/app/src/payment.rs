//! Payments (待遇发放, issue 12): the monthly roll ([`roll`]: generation as
//! a background job, regeneration, approval by a second person, the views).
//! The bank file and the bank's return are read from the lines sent, a page
//! at a time ([`each_sent_line`]): [`export`] writes the bank
//! file of an approved roll, [`returns`] applies the bank's return once it
//! reconciles and keeps the correction list; [`layout`] keeps a county's own
//! bank file layout. What people see of what was
//! paid: [`statement`] (a household's payments and a payee's yearly
//! statement) and [`publication`] (the month's publication per village on
//! the public notice board). [`recovery`]: recoveries of overpayment (追回)
//! and their settlements. [`stats`]: the county overview, a roll's
//! totals and the lists' spreadsheets. [`demo`]: the demo county's paid months.

pub mod demo;
pub mod export;
pub mod layout;
pub mod publication;
pub mod recovery;
pub mod returns;
pub mod roll;
pub mod statement;
pub mod stats;

use jiuzhu_store::Tx;
use jiuzhu_store::payment_roll::{self as rolls, SentLine};

use crate::error::Result;

/// Lines read from the store at a time.
const PAGE: i64 = 20_000;

/// Hands every line of a roll sent to the bank (those with an account) to
/// `each`, by 序号, a page at a time: a million-line roll is never held
/// whole.
pub(crate) async fn each_sent_line(
    tx: &mut Tx,
    roll_id: i64,
    mut each: impl FnMut(SentLine) -> Result<()>,
) -> Result<()> {
    let mut after = 0;
    loop {
        let page = rolls::sent_lines(tx, roll_id, after, PAGE).await?;
        let full = page.len() as i64 == PAGE;
        for line in page {
            after = line.seq;
            each(line)?;
        }
        if !full {
            return Ok(());
        }
    }
}
