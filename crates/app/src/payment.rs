//! Payments (待遇发放, issue 12): the monthly roll ([`roll`]: generation as
//! a background job, regeneration, approval by a second person, the views).
//! The bank file and the bank's return are read from the roll's lines
//! (`jiuzhu_store::payment_roll::roll_lines`): [`export`] writes the bank
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
