//! The printed documents of payments (issue 12 points 6 and 7): a payee's
//! yearly statement (`payment_statement.typ`) and a village's monthly
//! publication (`payment_publication.typ`), both A4 with the issuer line,
//! a table and a place for the seal. Every text arrives rendered in the
//! reader's language; the publication's data has no field for an ID
//! number, an account or an address.

use serde::Serialize;

use crate::{PrintError, Printer};

const STATEMENT_TEMPLATE: &str = include_str!("../templates/payment_statement.typ");
const PUBLICATION_TEMPLATE: &str = include_str!("../templates/payment_publication.typ");

/// A payee's statement of a year's payments, as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatementDoc {
    /// `zh` or `en` (hyphenation and line breaking).
    pub lang: String,
    pub title: String,
    pub issuer: String,
    /// The household number, on every page.
    pub number: String,
    /// The payee's name and masked ID number, one line each.
    pub payee: Vec<String>,
    /// The table's headings: roll month, programme, months, amount, result.
    pub columns: [String; 5],
    pub rows: Vec<[String; 5]>,
    /// Said when there is no row.
    pub empty: String,
    /// The year's total paid, and what is waiting or failed.
    pub totals: Vec<String>,
    pub note: String,
    pub date: String,
    pub seal: String,
}

/// A village's publication of a month's payments, as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublicationDoc {
    pub lang: String,
    pub title: String,
    pub issuer: String,
    /// What is published and why (one paragraph).
    pub intro: String,
    /// The table's headings: no., name, household size, programme, months, amount.
    pub columns: [String; 6],
    pub rows: Vec<[String; 6]>,
    pub total: String,
    pub supervision: String,
    pub date: String,
    pub seal: String,
}

impl Printer {
    /// A payee's yearly statement (年度发放明细) as PDF.
    pub fn payment_statement(&self, doc: &StatementDoc) -> Result<Vec<u8>, PrintError> {
        self.render(STATEMENT_TEMPLATE, doc)
    }

    /// A village's monthly publication (发放公布) as PDF.
    pub fn payment_publication(&self, doc: &PublicationDoc) -> Result<Vec<u8>, PrintError> {
        self.render(PUBLICATION_TEMPLATE, doc)
    }
}
