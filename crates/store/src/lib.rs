//! Persistence for jiuzhu on SQLite (embedded default) and PostgreSQL
//! (production), with **one SQL text per query**.
//!
//! [`Db`] is an enum of the two pools and [`Tx`] of their transactions; the
//! `on_db!`/`on_tx!` macros expand the same query expression in both arms,
//! so every query is written once with `$N` placeholders (SQLite accepts
//! them) and each backend decodes its native types. Dialect-only code is
//! kept in [`dialect`] and stays small. Migrations are plain SQL files per
//! dialect under `migrations/`, embedded in the binary and applied in order
//! by [`Db::migrate`].
//!
//! Architecture invariant: nothing here knows HTTP, templates or who the
//! user is; authorisation belongs to the use cases in `jiuzhu-app`.
//! Constraint violations become [`StoreError::Conflict`] named by the
//! constraint, so no layer above matches on driver messages.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use jiuzhu_domain::audit::AuditKey;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};

pub mod accounts;
pub mod audit;
pub mod bank_layout;
pub mod calendar;
pub mod case;
mod dialect;
pub mod entitlement;
pub mod job;
pub mod notice_board;
pub mod payee;
pub mod payment_history;
pub mod payment_recovery;
pub mod payment_return;
pub mod payment_roll;
pub mod payment_stats;
pub mod policy;
pub mod registry;
pub mod relatives;
mod sql;
pub mod throttle;
pub mod verification;
pub mod within;

pub use accounts::*;
pub use audit::*;
pub use job::*;
pub use registry::*;
pub use verification::*;
pub use within::Within;

/// Expands `$body` once per backend with `$conn` bound to the pool.
macro_rules! on_db {
    ($db:expr, |$conn:ident| $body:expr) => {
        match &($db).pool {
            $crate::DbPool::Sqlite(sqlite) => {
                let $conn = &sqlite.write;
                $body
            }
            $crate::DbPool::Postgres($conn) => $body,
        }
    };
}

/// Expands `$body` once per backend with `$conn` bound to the transaction's
/// connection.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut ($tx).conn {
            $crate::TxConn::Sqlite(inner) => {
                let $conn = &mut **inner;
                $body
            }
            $crate::TxConn::Postgres(inner) => {
                let $conn = &mut **inner;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to one of the two supported databases, and the key
/// that anchors the audit chain outside the database (see
/// [`Db::with_audit_key`]).
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pool: DbPool,
    audit_key: Option<Arc<AuditKey>>,
}

/// The pools of a [`Db`].
#[derive(Clone, Debug)]
pub enum DbPool {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

impl From<DbPool> for Db {
    fn from(pool: DbPool) -> Db {
        Db { pool, audit_key: None }
    }
}

/// The pools of one SQLite database.
///
/// SQLite allows one writer at a time. Writers queue, in order, for the one
/// connection of `write` and take the write lock when they begin (`BEGIN
/// IMMEDIATE`), so a transaction never has to upgrade from reading to
/// writing (which SQLite refuses with "database is locked" as soon as
/// another writer committed in between). Readers use the `read` pool and,
/// in WAL mode, neither wait for the writer nor make it wait. An in-memory
/// database is one connection (each connection to `:memory:` is a database
/// of its own), so both pools are that one.
#[derive(Clone, Debug)]
pub struct SqliteDb {
    read: SqlitePool,
    write: SqlitePool,
}

/// Whether a transaction may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// Reads only (the database refuses writes); audit records asked for
    /// are written when it ends, in a write transaction of their own.
    Read,
    /// Holds the database's write lock from its start on SQLite.
    Write,
}

/// An open transaction. Dropping it without [`Tx::commit`] rolls back.
///
/// Audit records given to [`Tx::audit_on_commit`] are appended when the
/// transaction commits, as its last statements: the append serialises on
/// the single `audit_head` row, and taking that lock last (and holding it
/// only until the commit) means it can never be part of a lock cycle with
/// the rows a use case changes.
pub struct Tx {
    pub(crate) conn: TxConn,
    mode: TxMode,
    db: Db,
    pending_audit: Vec<AuditDraft>,
}

/// The driver's transaction inside a [`Tx`].
pub(crate) enum TxConn {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Errors of the store, mapped from the drivers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A unique or foreign-key constraint refused the change; `constraint`
    /// is the constraint's name in the migrations.
    #[error("constraint {constraint} violated")]
    Conflict { constraint: String },
    #[error("not found")]
    NotFound,
    #[error("unsupported database URL (use sqlite:… or postgres://…)")]
    BadUrl,
    #[error("migration {version} failed: {source}")]
    Migration { version: i64, source: sqlx::Error },
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = err {
            return StoreError::NotFound;
        }
        if let sqlx::Error::Database(db_err) = &err
            && let Some(constraint) = dialect::constraint_name(db_err.as_ref())
        {
            return StoreError::Conflict { constraint };
        }
        StoreError::Database(err)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Forward-only migrations; an applied migration is never edited.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "registry",
        sqlite: include_str!("../migrations/sqlite/0001_registry.sql"),
        postgres: include_str!("../migrations/postgres/0001_registry.sql"),
    },
    Migration {
        version: 2,
        name: "accounts_audit",
        sqlite: include_str!("../migrations/sqlite/0002_accounts_audit.sql"),
        postgres: include_str!("../migrations/postgres/0002_accounts_audit.sql"),
    },
    Migration {
        version: 3,
        name: "verification",
        sqlite: include_str!("../migrations/sqlite/0003_verification.sql"),
        postgres: include_str!("../migrations/postgres/0003_verification.sql"),
    },
    Migration {
        version: 4,
        name: "applications",
        sqlite: include_str!("../migrations/sqlite/0004_applications.sql"),
        postgres: include_str!("../migrations/postgres/0004_applications.sql"),
    },
    Migration {
        version: 5,
        name: "audit_anchor",
        sqlite: include_str!("../migrations/sqlite/0005_audit_anchor.sql"),
        postgres: include_str!("../migrations/postgres/0005_audit_anchor.sql"),
    },
    Migration {
        version: 6,
        name: "credentials_throttle",
        sqlite: include_str!("../migrations/sqlite/0006_credentials_throttle.sql"),
        postgres: include_str!("../migrations/postgres/0006_credentials_throttle.sql"),
    },
    Migration {
        version: 7,
        name: "member_version",
        sqlite: include_str!("../migrations/sqlite/0007_member_version.sql"),
        postgres: include_str!("../migrations/postgres/0007_member_version.sql"),
    },
    Migration {
        version: 8,
        name: "one_policy",
        sqlite: include_str!("../migrations/sqlite/0008_one_policy.sql"),
        postgres: include_str!("../migrations/postgres/0008_one_policy.sql"),
    },
    Migration {
        version: 9,
        name: "entitlement",
        sqlite: include_str!("../migrations/sqlite/0009_entitlement.sql"),
        postgres: include_str!("../migrations/postgres/0009_entitlement.sql"),
    },
    Migration {
        version: 10,
        name: "jobs",
        sqlite: include_str!("../migrations/sqlite/0010_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0010_jobs.sql"),
    },
    Migration {
        version: 11,
        name: "case_clock",
        sqlite: include_str!("../migrations/sqlite/0011_case_clock.sql"),
        postgres: include_str!("../migrations/postgres/0011_case_clock.sql"),
    },
    Migration {
        version: 12,
        name: "payees",
        sqlite: include_str!("../migrations/sqlite/0012_payees.sql"),
        postgres: include_str!("../migrations/postgres/0012_payees.sql"),
    },
    Migration {
        version: 13,
        name: "payment_rolls",
        sqlite: include_str!("../migrations/sqlite/0013_payment_rolls.sql"),
        postgres: include_str!("../migrations/postgres/0013_payment_rolls.sql"),
    },
    Migration {
        version: 14,
        name: "payment_returns",
        sqlite: include_str!("../migrations/sqlite/0014_payment_returns.sql"),
        postgres: include_str!("../migrations/postgres/0014_payment_returns.sql"),
    },
    Migration {
        version: 15,
        name: "payment_recoveries",
        sqlite: include_str!("../migrations/sqlite/0015_payment_recoveries.sql"),
        postgres: include_str!("../migrations/postgres/0015_payment_recoveries.sql"),
    },
    Migration {
        version: 16,
        name: "bank_layouts",
        sqlite: include_str!("../migrations/sqlite/0016_bank_layouts.sql"),
        postgres: include_str!("../migrations/postgres/0016_bank_layouts.sql"),
    },
    Migration {
        version: 17,
        name: "payment_claim_indexes",
        sqlite: include_str!("../migrations/sqlite/0017_payment_claim_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0017_payment_claim_indexes.sql"),
    },
    Migration {
        version: 18,
        name: "payment_line_household_order",
        sqlite: include_str!("../migrations/sqlite/0018_payment_line_household_order.sql"),
        postgres: include_str!("../migrations/postgres/0018_payment_line_household_order.sql"),
    },
];

impl Db {
    /// Opens a database from its URL: `sqlite:path` (created when missing),
    /// `sqlite::memory:`, or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("sqlite:") {
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // 64 MiB of page cache per connection (the default is 2 MiB):
                // a county's indexes stay in memory.
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory");
            let pool_options = |connections: u32| {
                SqlitePoolOptions::new()
                    .max_connections(connections)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    // A local file: no connection to test before use.
                    .test_before_acquire(false)
            };
            if in_memory {
                // Every connection to `:memory:` is a database of its own.
                let pool = pool_options(1).connect_with(options).await?;
                return Ok(DbPool::Sqlite(SqliteDb { read: pool.clone(), write: pool }).into());
            }
            // The writer opens first and switches the file to WAL (which
            // needs a lock no busy timeout waits for); readers keep the mode.
            let write = pool_options(1)
                .connect_with(
                    options.clone().journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal),
                )
                .await?;
            let read = pool_options(SQLITE_READERS).connect_with(options.create_if_missing(false)).await?;
            Ok(DbPool::Sqlite(SqliteDb { read, write }).into())
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // No JIT compilation (a startup option of every connection):
            // jiuzhu's statements are short, or set-based over indexed rows,
            // and compiling them cost a second of a million-line roll's
            // generation, approval and return.
            let options = PgConnectOptions::from_str(url)?.options([("jit", "off")]);
            let pool = PgPoolOptions::new().max_connections(10).connect_with(options).await?;
            Ok(DbPool::Postgres(pool).into())
        } else {
            Err(StoreError::BadUrl)
        }
    }

    /// This database with `key` anchoring its audit chain: every record
    /// appended through it gets a keyed hash (HMAC-SHA-256 under `key`).
    /// Without a key records get the plain SHA-256 hash of the unanchored
    /// chain; the `jiuzhu` binary always sets one.
    pub fn with_audit_key(mut self, key: AuditKey) -> Db {
        self.audit_key = Some(Arc::new(key));
        self
    }

    /// The key anchoring the audit chain, if one was set.
    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_deref()
    }

    /// The pools (for code that must reach a backend directly, such as
    /// test support creating databases).
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        match &self.pool {
            DbPool::Sqlite(_) => Backend::Sqlite,
            DbPool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations not yet applied, each in its own transaction.
    pub async fn migrate(&self) -> Result<()> {
        on_db!(self, |pool| {
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL)",
            )
            .execute(pool)
            .await?
            .rows_affected()
        });
        for migration in MIGRATIONS {
            let applied: Option<(i64,)> = on_db!(self, |pool| {
                sqlx::query_as("SELECT version FROM schema_migration WHERE version = $1")
                    .bind(migration.version)
                    .fetch_optional(pool)
                    .await?
            });
            if applied.is_some() {
                continue;
            }
            let mut tx = self.begin().await?;
            let text = match self.backend() {
                Backend::Sqlite => migration.sqlite,
                Backend::Postgres => migration.postgres,
            };
            let res: Result<(), sqlx::Error> = on_tx!(&mut tx, |conn| {
                sqlx::raw_sql(sqlx::AssertSqlSafe(text)).execute(&mut *conn).await.map(|_| ())
            });
            res.map_err(|source| StoreError::Migration { version: migration.version, source })?;
            on_tx!(&mut tx, |conn| {
                sqlx::query("INSERT INTO schema_migration (version, name) VALUES ($1, $2)")
                    .bind(migration.version)
                    .bind(migration.name)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
            });
            tx.commit().await?;
            tracing::info!(version = migration.version, name = migration.name, "migration applied");
        }
        Ok(())
    }

    /// Begins a write transaction. On SQLite it waits its turn for the one
    /// writer connection and takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so it never fails half-way for another writer.
    ///
    /// A task must not begin a transaction while it holds another one that
    /// writes: on SQLite that waits for itself.
    pub async fn begin(&self) -> Result<Tx> {
        let conn = match &self.pool {
            DbPool::Sqlite(sqlite) => {
                TxConn::Sqlite(sqlite.write.begin_with("PRAGMA query_only = OFF; BEGIN IMMEDIATE").await?)
            }
            DbPool::Postgres(pool) => TxConn::Postgres(pool.begin().await?),
        };
        Ok(Tx { conn, mode: TxMode::Write, db: self.clone(), pending_audit: Vec::new() })
    }

    /// Begins a read-only transaction: one consistent view of the data that
    /// waits for no writer. The database refuses writes in it; audit
    /// records asked for are written when it commits (see [`Tx::commit`]),
    /// and [`Tx::into_write`] trades it for a write transaction.
    pub async fn begin_read(&self) -> Result<Tx> {
        let conn = match &self.pool {
            DbPool::Sqlite(sqlite) => TxConn::Sqlite(sqlite.read.begin_with("PRAGMA query_only = ON; BEGIN").await?),
            DbPool::Postgres(pool) => TxConn::Postgres(pool.begin_with("BEGIN READ ONLY").await?),
        };
        Ok(Tx { conn, mode: TxMode::Read, db: self.clone(), pending_audit: Vec::new() })
    }

    pub async fn close(&self) {
        match &self.pool {
            DbPool::Sqlite(sqlite) => {
                sqlite.read.close().await;
                sqlite.write.close().await;
            }
            DbPool::Postgres(pool) => pool.close().await,
        }
    }
}

/// Connections for readers of a SQLite file (the writer has its own).
const SQLITE_READERS: u32 = 8;

impl Tx {
    /// The key anchoring the audit chain of the database this transaction
    /// belongs to, if one was set.
    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.db.audit_key()
    }

    pub fn mode(&self) -> TxMode {
        self.mode
    }

    /// Appends `draft` to the audit log when this transaction commits, after
    /// everything else it wrote (nothing is recorded if it rolls back).
    pub fn audit_on_commit(&mut self, draft: AuditDraft) {
        self.pending_audit.push(draft);
    }

    /// Commits. A write transaction appends its pending audit records first,
    /// as its last statements. A read transaction ends, and its pending
    /// audit records are then appended in a write transaction of their own;
    /// an error there is returned, so an audited read fails rather than
    /// being answered unrecorded.
    pub async fn commit(mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending_audit);
        match self.mode {
            TxMode::Write => {
                for draft in pending {
                    append_audit(&mut self, draft).await?;
                }
                self.conn.commit().await
            }
            TxMode::Read => {
                let db = self.db.clone();
                self.conn.commit().await?;
                if pending.is_empty() {
                    return Ok(());
                }
                let mut tx = db.begin().await?;
                for draft in pending {
                    append_audit(&mut tx, draft).await?;
                }
                tx.conn.commit().await
            }
        }
    }

    /// A write transaction in place of this read transaction (a write
    /// transaction is returned as it is). The read view ends first, so what
    /// was read may have changed: write only what holds regardless (a
    /// timestamp, a counter updated in SQL) or check again, as the
    /// optimistic `version` columns do. Pending audit records carry over.
    pub async fn into_write(mut self) -> Result<Tx> {
        if self.mode == TxMode::Write {
            return Ok(self);
        }
        let pending = std::mem::take(&mut self.pending_audit);
        let db = self.db.clone();
        self.conn.commit().await?;
        let mut tx = db.begin().await?;
        tx.pending_audit = pending;
        Ok(tx)
    }
}

impl TxConn {
    async fn commit(self) -> Result<()> {
        match self {
            TxConn::Sqlite(tx) => tx.commit().await?,
            TxConn::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
