//! Queries of payees and their accounts (收款账户, migration 0012):
//! institutions with a collective account, and the accounts of payee lines.
//!
//! A payee line is a household's own line (`person_id` NULL, paid into an
//! account in the head's name) or one member's (`person_id`). Each line has
//! at most one current account (`replaced_at IS NULL`, a partial unique
//! index); setting an account replaces the current row and inserts the
//! next in the caller's transaction, so the history stays and the next roll
//! reads the new one. Numbers are stored as digits only, in full: masking
//! is for what is shown.

use chrono::{DateTime, Utc};
use jiuzhu_domain::entitlement::YearMonth;

use crate::sql::{Param, Sql, bind_params};
use crate::{Result, Tx, Within, on_tx};

/// An institution (供养机构) and its collective account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionRow {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub account_name: String,
    pub bank: String,
    pub account_number: String,
    pub created_at: DateTime<Utc>,
}

/// An institution to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstitution {
    pub region_code: String,
    pub name: String,
    pub account_name: String,
    pub bank: String,
    pub account_number: String,
}

type InstitutionTuple = (i64, String, String, String, String, String, DateTime<Utc>);
const INSTITUTION_COLUMNS: &str = "id, region_code, name, account_name, bank, account_number, created_at";

fn institution_from(t: InstitutionTuple) -> InstitutionRow {
    let (id, region_code, name, account_name, bank, account_number, created_at) = t;
    InstitutionRow { id, region_code, name, account_name, bank, account_number, created_at }
}

/// Records an institution; `Conflict` (`institution_region_code_key`) when its
/// region has one of that name. Its id.
pub async fn insert_institution(tx: &mut Tx, new: &NewInstitution, now: DateTime<Utc>) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO institution (region_code, name, account_name, bank, account_number, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(&new.region_code)
        .bind(&new.name)
        .bind(&new.account_name)
        .bind(&new.bank)
        .bind(&new.account_number)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// The institutions inside `within`, by region and name.
pub async fn list_institutions(tx: &mut Tx, within: &Within) -> Result<Vec<InstitutionRow>> {
    let (from, to) = within.range();
    let sql = format!(
        "SELECT {INSTITUTION_COLUMNS} FROM institution WHERE region_code >= $1 AND region_code < $2
         ORDER BY region_code, name, id"
    );
    let rows: Vec<InstitutionTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&from).bind(&to).fetch_all(&mut *conn).await?
    });
    Ok(rows.into_iter().map(institution_from).collect())
}

pub async fn get_institution(tx: &mut Tx, id: i64) -> Result<Option<InstitutionRow>> {
    let sql = format!("SELECT {INSTITUTION_COLUMNS} FROM institution WHERE id = $1");
    let row: Option<InstitutionTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(institution_from))
}

/// One account of a payee line as stored (current or past).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayeeAccountRow {
    pub id: i64,
    pub household_id: i64,
    /// None: the household's own line.
    pub person_id: Option<i64>,
    /// `head`, `own` or `institution` (`AccountHolder`'s code).
    pub holder: String,
    pub institution_id: Option<i64>,
    pub account_name: String,
    pub bank: String,
    pub account_number: String,
    /// Empty unless an official holds the card or passbook.
    pub custodian: String,
    pub custody_agreement: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    /// None while current.
    pub replaced_at: Option<DateTime<Utc>>,
}

/// An account to set for a payee line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayeeAccount {
    pub household_id: i64,
    pub person_id: Option<i64>,
    pub holder: String,
    pub institution_id: Option<i64>,
    pub account_name: String,
    pub bank: String,
    pub account_number: String,
    pub custodian: String,
    pub custody_agreement: String,
    pub recorded_by: String,
}

type AccountTuple = (
    i64,
    i64,
    Option<i64>,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    String,
    Option<DateTime<Utc>>,
);
const ACCOUNT_COLUMNS: &str = "id, household_id, person_id, holder, institution_id, account_name, bank, \
                               account_number, custodian, custody_agreement, recorded_at, recorded_by, replaced_at";

fn account_from(t: AccountTuple) -> PayeeAccountRow {
    let (
        id,
        household_id,
        person_id,
        holder,
        institution_id,
        account_name,
        bank,
        account_number,
        custodian,
        custody_agreement,
        recorded_at,
        recorded_by,
        replaced_at,
    ) = t;
    PayeeAccountRow {
        id,
        household_id,
        person_id,
        holder,
        institution_id,
        account_name,
        bank,
        account_number,
        custodian,
        custody_agreement,
        recorded_at,
        recorded_by,
        replaced_at,
    }
}

/// The current account of a payee line: the household's own (`person`
/// none) or a member's.
pub async fn current_account(tx: &mut Tx, household_id: i64, person: Option<i64>) -> Result<Option<PayeeAccountRow>> {
    let row: Option<AccountTuple> = match person {
        None => {
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM payee_account
                 WHERE household_id = $1 AND person_id IS NULL AND replaced_at IS NULL"
            );
            on_tx!(tx, |conn| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(household_id).fetch_optional(&mut *conn).await?
            })
        }
        Some(person) => {
            let sql =
                format!("SELECT {ACCOUNT_COLUMNS} FROM payee_account WHERE person_id = $1 AND replaced_at IS NULL");
            on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(person).fetch_optional(&mut *conn).await?)
        }
    };
    Ok(row.map(account_from))
}

/// One account by id.
pub async fn get_account(tx: &mut Tx, id: i64) -> Result<Option<PayeeAccountRow>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM payee_account WHERE id = $1");
    let row: Option<AccountTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(account_from))
}

/// Every account recorded for a household's lines (its own and its
/// members'), current and past, oldest first.
pub async fn household_accounts(tx: &mut Tx, household_id: i64) -> Result<Vec<PayeeAccountRow>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM payee_account WHERE household_id = $1 ORDER BY id");
    let rows: Vec<AccountTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(household_id).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(account_from).collect())
}

/// Sets the account of a payee line: the current row (if any) is replaced
/// at `now` and `new` becomes current. The replaced row (as it was) and the
/// new row's id. A racing writer of the same line meets the partial unique
/// index (`Conflict`).
pub async fn set_account(
    tx: &mut Tx,
    new: &NewPayeeAccount,
    now: DateTime<Utc>,
) -> Result<(Option<PayeeAccountRow>, i64)> {
    let previous = current_account(tx, new.household_id, new.person_id).await?;
    if let Some(prev) = &previous {
        on_tx!(tx, |conn| {
            sqlx::query("UPDATE payee_account SET replaced_at = $1 WHERE id = $2 AND replaced_at IS NULL")
                .bind(now)
                .bind(prev.id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
    }
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO payee_account (household_id, person_id, holder, institution_id, account_name, bank,
             account_number, custodian, custody_agreement, recorded_at, recorded_by, replaced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL) RETURNING id",
        )
        .bind(new.household_id)
        .bind(new.person_id)
        .bind(&new.holder)
        .bind(new.institution_id)
        .bind(&new.account_name)
        .bind(&new.bank)
        .bind(&new.account_number)
        .bind(&new.custodian)
        .bind(&new.custody_agreement)
        .bind(now)
        .bind(&new.recorded_by)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok((previous, id))
}

/// A payee line with an entitlement in force in a month and no current
/// account: what the roll's preparer must see to before generating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPayee {
    pub household_id: i64,
    pub external_id: String,
    pub region_code: String,
    /// None: the household's own line.
    pub person_id: Option<i64>,
    /// The head's name for the household's line, else the member's (empty
    /// for a household without a head).
    pub payee_name: String,
    /// The programme's code (`dibao`, `tekun`).
    pub program: String,
    pub monthly_fen: i64,
    pub entitlement_id: i64,
}

type MissingTuple = (i64, String, String, Option<i64>, Option<String>, String, i64, i64);

/// The payee lines inside `within` owed for `month` (an entitlement covering
/// it) without a current account, by region, household and line; at most
/// `limit`. One query, set-based.
pub async fn missing_accounts(tx: &mut Tx, within: &Within, month: YearMonth, limit: i64) -> Result<Vec<MissingPayee>> {
    missing(tx, within, month, 0, "h.region_code", "h.region_code, e.household_id", limit).await
}

/// The same lines from household `from` on, by household id: for work in
/// batches (the lines given an account drop out of the next batch).
pub async fn missing_accounts_from(
    tx: &mut Tx,
    within: &Within,
    month: YearMonth,
    from: i64,
    limit: i64,
) -> Result<Vec<MissingPayee>> {
    // Read in household order from `from` on (the bound on both tables, so
    // SQLite walks the entitlements and PostgreSQL the households by id):
    // through the region index each batch sorted every line of the region
    // after `from`, quadratic (one to four seconds a batch of 2,000 at
    // 250,000 payees). On SQLite the region is made a filter (`|| ''` keeps
    // it off the region index); PostgreSQL needs the plain column to
    // estimate it, else it hash-joins every household (5 s a batch at a
    // million, against 0.15 s).
    let region = match tx.conn {
        crate::TxConn::Sqlite(_) => "(h.region_code || '')",
        crate::TxConn::Postgres(_) => "h.region_code",
    };
    missing(tx, within, month, from, region, "e.household_id", limit).await
}

async fn missing(
    tx: &mut Tx,
    within: &Within,
    month: YearMonth,
    from: i64,
    region: &str,
    order: &str,
    limit: i64,
) -> Result<Vec<MissingPayee>> {
    let (lo, hi) = within.range();
    let sql = format!(
        "SELECT h.id, h.external_id, h.region_code, e.person_id,
                CASE WHEN e.person_id IS NULL
                     THEN (SELECT MIN(p.name) FROM person p WHERE p.household_id = h.id AND p.relation = 'head')
                     ELSE (SELECT p.name FROM person p WHERE p.id = e.person_id) END,
                e.program, e.monthly_fen, e.id
         FROM entitlement e
         JOIN household h ON h.id = e.household_id
         WHERE {region} >= $1 AND {region} < $2 AND e.household_id >= $5 AND h.id >= $5
           AND e.first_month <= $3 AND (e.last_month IS NULL OR e.last_month >= $3)
           AND (e.person_id IS NOT NULL OR NOT EXISTS (
             SELECT 1 FROM payee_account a
             WHERE a.household_id = e.household_id AND a.person_id IS NULL AND a.replaced_at IS NULL))
           AND (e.person_id IS NULL OR NOT EXISTS (
             SELECT 1 FROM payee_account a
             WHERE a.person_id = e.person_id AND a.replaced_at IS NULL))
         ORDER BY {order}, COALESCE(e.person_id, 0), e.id
         LIMIT $4"
    );
    let rows: Vec<MissingTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&lo)
            .bind(&hi)
            .bind(month.yyyymm())
            .bind(limit)
            .bind(from)
            .fetch_all(&mut *conn)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|(household_id, external_id, region_code, person_id, name, program, monthly_fen, entitlement_id)| {
            MissingPayee {
                household_id,
                external_id,
                region_code,
                person_id,
                payee_name: name.unwrap_or_default(),
                program,
                monthly_fen,
                entitlement_id,
            }
        })
        .collect())
}

/// Rows per statement of [`insert_accounts_bulk`] (13 parameters a row).
const CHUNK: usize = 500;

/// Inserts accounts for lines that have none (the demo's, an import's), as
/// current rows, many per statement. A line that already has a current
/// account meets the partial unique index (`Conflict`).
pub async fn insert_accounts_bulk(tx: &mut Tx, accounts: &[NewPayeeAccount], now: DateTime<Utc>) -> Result<()> {
    for chunk in accounts.chunks(CHUNK) {
        let mut sql = Sql::new(
            "INSERT INTO payee_account (household_id, person_id, holder, institution_id, account_name, bank,
             account_number, custodian, custody_agreement, recorded_at, recorded_by) VALUES ",
        );
        for (idx, a) in chunk.iter().enumerate() {
            sql.push(if idx == 0 { "(" } else { ", (" });
            let params = [
                Param::Int(a.household_id),
                Param::OptInt(a.person_id),
                Param::Text(a.holder.clone()),
                Param::OptInt(a.institution_id),
                Param::Text(a.account_name.clone()),
                Param::Text(a.bank.clone()),
                Param::Text(a.account_number.clone()),
                Param::Text(a.custodian.clone()),
                Param::Text(a.custody_agreement.clone()),
                Param::Time(now),
                Param::Text(a.recorded_by.clone()),
            ];
            for (n, p) in params.into_iter().enumerate() {
                if n > 0 {
                    sql.push(", ");
                }
                sql.bind(p);
            }
            sql.push(")");
        }
        on_tx!(tx, |conn| {
            bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.params)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
    }
    Ok(())
}
