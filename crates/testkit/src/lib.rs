//! Test support: every storage test runs against both backends.
//!
//! [`databases`] returns a fresh, migrated database per backend: SQLite in
//! memory, and a new database on the PostgreSQL cluster named by
//! `TEST_DATABASE_URL` (the test command, `scripts/test`, starts a
//! throwaway cluster and sets it). Without that variable the PostgreSQL
//! half fails loudly instead of being skipped, because a storage test that
//! silently ran on one backend proves nothing about the other.

use std::sync::atomic::{AtomicU32, Ordering};

pub mod bank;
pub mod hostile;
pub mod page_scan;

use jiuzhu_domain::audit::AuditKey;
use jiuzhu_domain::{Region, RegionCode};
use jiuzhu_store::Db;

/// Declares, for each named `async fn case(db: Db)`, a module with one test
/// per backend, so the output shows `case::sqlite` and `case::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($case:ident),+ $(,)?) => {
        $(
            mod $case {
                #[tokio::test]
                async fn sqlite() {
                    super::$case($crate::sqlite().await).await;
                }
                #[tokio::test]
                async fn postgres() {
                    super::$case($crate::postgres().await).await;
                }
            }
        )+
    };
}

/// A small county for tests: two townships with three villages, matching
/// the roster fixtures of `jiuzhu-files`.
pub fn sample_regions() -> Vec<Region> {
    [
        ("340102", "示范区"),
        ("340102001", "城关镇"),
        ("340102001001", "东村"),
        ("340102001002", "南村"),
        ("340102002", "河口镇"),
        ("340102002001", "西村"),
    ]
    .into_iter()
    .filter_map(|(code, name)| Some(Region { code: RegionCode::parse(code).ok()?, name: name.to_string() }))
    .collect()
}

/// The first thing in `text` that reads as an ID number or a phone number:
/// 11 or more digits in a row (an ID number may end in X), or a landline
/// such as `0551-6288888`. Public pages must show none.
pub fn looks_private(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut run = 0;
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_digit() || (matches!(c, 'X' | 'x') && run == 17) {
            run += 1;
            if run >= 11 {
                return Some(chars[i + 1 - run..=i].iter().collect());
            }
        } else {
            run = 0;
        }
    }
    text.split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .find(|w| {
            let parts: Vec<&str> = w.split('-').collect();
            parts.len() == 2 && parts[0].len() >= 3 && parts[0].starts_with('0') && parts[1].len() >= 7
        })
        .map(str::to_string)
}

/// The fixed audit key of every test database (the binary reads its key
/// from a file the database never sees; tests need one they can repeat).
pub fn audit_key() -> AuditKey {
    AuditKey::from_bytes(*b"jiuzhu test audit key, not real!")
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The environment variable naming the throwaway PostgreSQL cluster.
pub const PG_URL_VAR: &str = "TEST_DATABASE_URL";

/// A fresh migrated SQLite database in memory.
pub async fn sqlite() -> Db {
    let db = Db::connect("sqlite::memory:").await.expect("open SQLite in memory").with_audit_key(audit_key());
    db.migrate().await.expect("migrate SQLite");
    db
}

/// A fresh migrated SQLite database in a file (WAL, a writer and readers on
/// their own connections, as in production), removed when dropped. Tests
/// of many users at once need it: `:memory:` is one connection.
pub struct SqliteFile {
    pub db: Db,
    path: std::path::PathBuf,
}

impl SqliteFile {
    pub async fn new() -> SqliteFile {
        let name = format!("jiuzhu-test-{}-{}.sqlite3", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        remove_sqlite_files(&path);
        let db = Db::connect(&format!("sqlite:{}", path.display()))
            .await
            .expect("open SQLite file")
            .with_audit_key(audit_key());
        db.migrate().await.expect("migrate SQLite");
        SqliteFile { db, path }
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        remove_sqlite_files(&self.path);
    }
}

/// A database whose raw SQL a migration test can run, to write data as it
/// was before a migration: PostgreSQL's own pool, or a SQLite file (the
/// in-memory database is one connection the store holds).
pub struct RawDb {
    pub db: Db,
    sqlite: Option<SqliteFile>,
}

impl RawDb {
    /// `db` itself on PostgreSQL; a fresh SQLite file in place of `db` on SQLite.
    pub async fn new(db: Db) -> RawDb {
        if db.backend() == jiuzhu_store::Backend::Postgres {
            return RawDb { db, sqlite: None };
        }
        let file = SqliteFile::new().await;
        RawDb { db: file.db.clone(), sqlite: Some(file) }
    }

    /// Runs statements outside the store (schema changes, old rows).
    pub async fn execute(&self, sql: &str) {
        match (&self.sqlite, self.db.pool()) {
            (None, jiuzhu_store::DbPool::Postgres(pool)) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await.expect("raw SQL");
            }
            (Some(file), _) => {
                let pool = file.raw_pool().await;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await.expect("raw SQL");
                pool.close().await;
            }
            _ => unreachable!("a SQLite database always has its file"),
        }
    }

    /// The one number a `SELECT COUNT(*) …` answers.
    pub async fn count(&self, sql: &str) -> i64 {
        match (&self.sqlite, self.db.pool()) {
            (None, jiuzhu_store::DbPool::Postgres(pool)) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.expect("raw count")
            }
            (Some(file), _) => {
                let pool = file.raw_pool().await;
                let n = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&pool).await.expect("raw count");
                pool.close().await;
                n
            }
            _ => unreachable!("a SQLite database always has its file"),
        }
    }

    /// Runs migration `version` again over the data as it is now: `undo`
    /// takes away what the migration made, its record is removed, then
    /// `migrate` applies it.
    pub async fn rerun_migration(&self, version: i64, undo: &str) {
        self.execute(&format!("{undo}; DELETE FROM schema_migration WHERE version = {version};")).await;
        self.db.migrate().await.expect("migrate again");
    }
}

impl SqliteFile {
    async fn raw_pool(&self) -> sqlx::SqlitePool {
        sqlx::SqlitePool::connect(&format!("sqlite:{}", self.path.display())).await.expect("open SQLite file")
    }
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A fresh migrated database on the test PostgreSQL cluster.
pub async fn postgres() -> Db {
    postgres_with_url().await.0
}

/// A fresh migrated database on the test PostgreSQL cluster, and its URL
/// (for a test that runs the binary on it).
#[allow(clippy::disallowed_methods)] // Tests find their cluster through the environment.
pub async fn postgres_with_url() -> (Db, String) {
    let admin_url = std::env::var(PG_URL_VAR).unwrap_or_else(|_| {
        panic!("{PG_URL_VAR} is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL cluster")
    });
    let name = format!("jz_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    let admin = Db::connect(&admin_url).await.expect("connect to the test cluster");
    if let jiuzhu_store::DbPool::Postgres(pool) = admin.pool() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(pool)
            .await
            .expect("create test database");
    }
    admin.close().await;
    let url = database_url(&admin_url, &name);
    let db = Db::connect(&url).await.expect("connect to test database").with_audit_key(audit_key());
    db.migrate().await.expect("migrate PostgreSQL");
    (db, url)
}

/// Replaces the database name in a `postgres://…/name?params` URL.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = &base[scheme_end..];
    let prefix = match host_part.find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{prefix}/{name}{query}")
}

/// One fresh database per backend, labelled for assertion messages.
pub async fn databases() -> Vec<(&'static str, Db)> {
    vec![("sqlite", sqlite().await), ("postgres", postgres().await)]
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_url_replaces_the_name() {
        assert_eq!(
            super::database_url("postgres://u@localhost:5432/postgres?host=/tmp", "x"),
            "postgres://u@localhost:5432/x?host=/tmp"
        );
        assert_eq!(super::database_url("postgres://localhost", "x"), "postgres://localhost/x");
    }

    #[test]
    fn private_patterns_are_found_and_ordinary_numbers_are_not() {
        use super::looks_private;
        assert_eq!(looks_private("张三 340102195803120137"), Some("34010219580".into()));
        assert_eq!(looks_private("电话13955110001"), Some("13955110001".into()));
        assert_eq!(looks_private("电话：0551-6288888。"), Some("0551-6288888".into()));
        assert_eq!(looks_private("3人，1,500.00元，2025-10-31"), None);
        assert_eq!(looks_private("编号 1234567890"), None);
    }
}
