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
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};

pub mod accounts;
pub mod audit;
pub mod cases;
mod dialect;
pub mod registry;
mod sql;
pub mod verification;

pub use accounts::*;
pub use audit::*;
pub use registry::*;
pub use verification::*;

/// Expands `$body` once per backend with `$conn` bound to the pool.
macro_rules! on_db {
    ($db:expr, |$conn:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($conn) => $body,
            $crate::Db::Postgres($conn) => $body,
        }
    };
}

/// Expands `$body` once per backend with `$conn` bound to the transaction's
/// connection.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(inner) => {
                let $conn = &mut **inner;
                $body
            }
            $crate::Tx::Postgres(inner) => {
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

/// A connection pool to one of the two supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction. Dropping it without [`Tx::commit`] rolls back.
pub enum Tx {
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
        version: 7,
        name: "member_version",
        sqlite: include_str!("../migrations/sqlite/0007_member_version.sql"),
        postgres: include_str!("../migrations/postgres/0007_member_version.sql"),
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
            let options = if in_memory {
                options
            } else {
                options.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal)
            };
            let pool = SqlitePoolOptions::new()
                // Every connection to `:memory:` is a database of its own.
                .max_connections(if in_memory { 1 } else { 8 })
                .min_connections(if in_memory { 1 } else { 0 })
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new().max_connections(10).connect_with(options).await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(StoreError::BadUrl)
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
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

    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn close(&self) {
        on_db!(self, |pool| pool.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
