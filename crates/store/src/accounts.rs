//! Queries of accounts: users, their sessions and API tokens. Secrets are
//! stored only as hashes: Argon2id PHC strings for passwords (computed by
//! the app layer), SHA-256 hex for session and API tokens.

use chrono::{DateTime, Utc};
use jiuzhu_domain::{RegionCode, Role};

use crate::sql::{Param, Sql, bind_params};
use crate::{Result, StoreError, Tx, on_tx};

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub phone: String,
    /// `None`: the whole installation.
    pub region_code: Option<RegionCode>,
    pub roles: Vec<Role>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub failed_attempts: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The editable fields of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFields {
    pub login: String,
    pub display_name: String,
    pub phone: String,
    pub region_code: Option<RegionCode>,
    pub roles: Vec<Role>,
    pub disabled: bool,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub ip: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

type UserTuple = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    bool,
    bool,
    i32,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    DateTime<Utc>,
);
const USER_COLUMNS: &str = "id, login, display_name, phone, region_code, roles, password_hash, must_change_password, \
                            disabled, failed_attempts, locked_until, created_at, updated_at";

fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

fn user_from(t: UserTuple) -> Result<UserRecord> {
    let (
        id,
        login,
        display_name,
        phone,
        region,
        roles,
        password_hash,
        must_change,
        disabled,
        failed,
        locked,
        created,
        updated,
    ) = t;
    let region_code = match region {
        Some(code) => Some(RegionCode::parse(&code).map_err(|_| crate::registry::corrupt("app_user.region_code"))?),
        None => None,
    };
    Ok(UserRecord {
        id,
        login,
        display_name,
        phone,
        region_code,
        roles: roles.split(',').filter_map(Role::parse).collect(),
        password_hash,
        must_change_password: must_change,
        disabled,
        failed_attempts: u32::try_from(failed).unwrap_or(0),
        locked_until: locked,
        created_at: created,
        updated_at: updated,
    })
}

pub async fn insert_user(
    tx: &mut Tx,
    fields: &UserFields,
    password_hash: &str,
    must_change_password: bool,
    now: DateTime<Utc>,
) -> Result<i64> {
    let region = fields.region_code.as_ref().map(|r| r.to_string());
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO app_user (login, display_name, phone, region_code, roles, password_hash, must_change_password,
                                   disabled, failed_attempts, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9) RETURNING id",
        )
        .bind(&fields.login)
        .bind(&fields.display_name)
        .bind(&fields.phone)
        .bind(&region)
        .bind(roles_text(&fields.roles))
        .bind(password_hash)
        .bind(must_change_password)
        .bind(fields.disabled)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

pub async fn update_user(tx: &mut Tx, id: i64, fields: &UserFields, now: DateTime<Utc>) -> Result<()> {
    let region = fields.region_code.as_ref().map(|r| r.to_string());
    let n = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE app_user SET login = $1, display_name = $2, phone = $3, region_code = $4, roles = $5, disabled = $6,
                    updated_at = $7 WHERE id = $8",
        )
        .bind(&fields.login)
        .bind(&fields.display_name)
        .bind(&fields.phone)
        .bind(&region)
        .bind(roles_text(&fields.roles))
        .bind(fields.disabled)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn set_password(
    tx: &mut Tx,
    id: i64,
    password_hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE app_user SET password_hash = $1, must_change_password = $2, failed_attempts = 0, locked_until = NULL,
                    updated_at = $3 WHERE id = $4",
        )
        .bind(password_hash)
        .bind(must_change)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

pub async fn set_login_counters(
    tx: &mut Tx,
    id: i64,
    failed_attempts: u32,
    locked_until: Option<DateTime<Utc>>,
) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE app_user SET failed_attempts = $1, locked_until = $2 WHERE id = $3")
            .bind(i32::try_from(failed_attempts).unwrap_or(i32::MAX))
            .bind(locked_until)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

pub async fn get_user(tx: &mut Tx, id: i64) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = $1");
    let row: Option<UserTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    row.map(user_from).transpose()
}

pub async fn get_user_by_login(tx: &mut Tx, login: &str) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM app_user WHERE login = $1");
    let row: Option<UserTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(login).fetch_optional(&mut *conn).await?);
    row.map(user_from).transpose()
}

/// Users whose region lies inside `within` (a user without a region only
/// for the whole installation).
pub async fn list_users(tx: &mut Tx, within: &crate::Within) -> Result<Vec<UserRecord>> {
    let mut sql = Sql::new(&format!("SELECT {USER_COLUMNS} FROM app_user"));
    if let Some(region) = within.region_code() {
        let (from, to) = region.prefix_range();
        sql.push(" WHERE region_code >= ").bind(Param::Text(from));
        sql.push(" AND region_code < ").bind(Param::Text(to));
    }
    sql.push(" ORDER BY login");
    let rows: Vec<UserTuple> = on_tx!(tx, |conn| {
        bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), sql.params).fetch_all(&mut *conn).await?
    });
    rows.into_iter().map(user_from).collect()
}

pub async fn count_users(tx: &mut Tx) -> Result<i64> {
    let (n,): (i64,) = on_tx!(tx, |conn| sqlx::query_as("SELECT COUNT(*) FROM app_user").fetch_one(&mut *conn).await?);
    Ok(n)
}

// --------------------------------------------------------------- sessions

pub async fn insert_session(tx: &mut Tx, session: &SessionRecord) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO user_session (token_hash, user_id, csrf_token, ip, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&session.token_hash)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(&session.ip)
        .bind(session.created_at)
        .bind(session.last_seen_at)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(())
}

pub async fn get_session(tx: &mut Tx, token_hash: &str) -> Result<Option<SessionRecord>> {
    type SessionTuple = (String, i64, String, String, DateTime<Utc>, DateTime<Utc>);
    let row: Option<SessionTuple> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT token_hash, user_id, csrf_token, ip, created_at, last_seen_at FROM user_session WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?
    });
    Ok(row.map(|(token_hash, user_id, csrf_token, ip, created_at, last_seen_at)| SessionRecord {
        token_hash,
        user_id,
        csrf_token,
        ip,
        created_at,
        last_seen_at,
    }))
}

pub async fn touch_session(tx: &mut Tx, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE user_session SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

pub async fn delete_session(tx: &mut Tx, token_hash: &str) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM user_session WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

pub async fn delete_sessions_of(tx: &mut Tx, user_id: i64) -> Result<u64> {
    let n = on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM user_session WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(n)
}

/// Ends every session of a user but the one with `keep` (a token hash).
pub async fn delete_other_sessions_of(tx: &mut Tx, user_id: i64, keep: &str) -> Result<u64> {
    let n = on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM user_session WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(n)
}

// ------------------------------------------------------------- API tokens

/// A stored API token (its secret only as a hash, never read back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub name: &'a str,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

type TokenTuple = (i64, i64, String, DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, expires_at, last_used_at, revoked_at";

fn token_from((id, user_id, name, created_at, expires_at, last_used_at, revoked_at): TokenTuple) -> ApiTokenRecord {
    ApiTokenRecord { id, user_id, name, created_at, expires_at, last_used_at, revoked_at }
}

pub async fn insert_api_token(tx: &mut Tx, token: &NewApiToken<'_>) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "INSERT INTO api_token (token_hash, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING id",
        )
        .bind(token.token_hash)
        .bind(token.user_id)
        .bind(token.name)
        .bind(token.created_at)
        .bind(token.expires_at)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

/// The token with this hash, whatever its state.
pub async fn api_token_by_hash(tx: &mut Tx, token_hash: &str) -> Result<Option<ApiTokenRecord>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE token_hash = $1");
    let row: Option<TokenTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&mut *conn).await?);
    Ok(row.map(token_from))
}

pub async fn get_api_token(tx: &mut Tx, id: i64) -> Result<Option<ApiTokenRecord>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE id = $1");
    let row: Option<TokenTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?);
    Ok(row.map(token_from))
}

/// The tokens of a user, newest first.
pub async fn list_api_tokens(tx: &mut Tx, user_id: i64) -> Result<Vec<ApiTokenRecord>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE user_id = $1 ORDER BY id DESC");
    let rows: Vec<TokenTuple> =
        on_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(&mut *conn).await?);
    Ok(rows.into_iter().map(token_from).collect())
}

pub async fn touch_api_token(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// Revokes one token; false when it was already revoked.
pub async fn revoke_api_token(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let n = on_tx!(tx, |conn| {
        sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(n > 0)
}

/// Revokes every live token of a user; returns how many.
pub async fn revoke_api_tokens_of(tx: &mut Tx, user_id: i64, now: DateTime<Utc>) -> Result<u64> {
    let n = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE api_token SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(n)
}
