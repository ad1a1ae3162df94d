//! Payments (待遇发放, issue 12): the monthly roll ([`roll`]: generation as
//! a background job, regeneration, approval by a second person, the views).
//! The bank file and the bank's return are read from the roll's lines
//! (`jiuzhu_store::payment_roll::roll_lines`): [`export`] writes the bank
//! file of an approved roll, [`returns`] applies the bank's return once it
//! reconciles and keeps the correction list.

pub mod export;
pub mod returns;
pub mod roll;
