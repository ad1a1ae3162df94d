//! Accounts and sign-in: users, passwords, sessions, API tokens.
//!
//! **Security-sensitive.** Passwords are stored as Argon2id PHC strings and
//! checked against the password policy of the domain. Repeated failures lock
//! the account for a while (the lock is audited, and the right password
//! does not open a locked account). Sessions and API tokens are random
//! values chosen by the caller and stored only as SHA-256 hashes; a session
//! ends after the domain's `SessionPolicy` idle time. A password set by an
//! administrator is temporary: it must be changed at the next sign-in.
//!
//! Guessing is throttled twice: per account (`LockoutPolicy`, which also
//! counts wrong current passwords on the change-password form) and per
//! client address across accounts (`AddressThrottle`, counted in the
//! database so that it holds across restarts and server processes). An
//! unknown login, a wrong password, a locked account and a throttled
//! address get the same answer in the same time: Argon2 runs on a dummy
//! hash when there is no account. Credentials end with their reason: a
//! password change ends the user's other sessions and revokes their API
//! tokens, an administrator's reset ends all of them; tokens expire
//! (`TokenPolicy`) and can be revoked by their owner or an administrator.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use jiuzhu_domain::access::{
    AddressThrottle, LockoutPolicy, LoginCounters, PasswordPolicy, SessionPolicy, TokenPolicy,
};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::{Permission, RegionCode, Role};
use jiuzhu_store::{self as store, ApiTokenRecord, Db, NewApiToken, SessionRecord, Tx, UserFields, UserRecord};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::access::{Target, audit, deny, require};
use crate::error::{AppError, FieldError, Result};
use crate::{Actor, Scope};

/// The SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

fn password_matches(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// Checks a password against a hash made with the same parameters as real
/// ones, so that an unknown login costs the same time as a known one.
fn spend_password_check(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("jiuzhu-dummy-Password-1").unwrap_or_default());
    let _ = password_matches(password, hash);
}

fn check_password(login: &str, password: &str) -> Result<()> {
    PasswordPolicy::default()
        .check(login, password)
        .map_err(|e| AppError::Invalid(vec![FieldError { field: "password", message: e.to_message() }]))
}

/// The actor a user acts as.
pub fn actor_of(user: &UserRecord, ip: &str) -> Actor {
    Actor {
        user_id: Some(user.id),
        login: user.login.clone(),
        name: user.display_name.clone(),
        roles: user.roles.clone(),
        scope: user.region_code.clone().map_or(Scope::All, Scope::Region),
        ip: ip.to_string(),
    }
}

/// A user as shown to administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub phone: String,
    pub region_code: Option<String>,
    /// Role codes, e.g. `township_clerk`.
    pub roles: Vec<String>,
    pub disabled: bool,
    pub locked: bool,
    pub must_change_password: bool,
}

fn user_view(u: &UserRecord, now: DateTime<Utc>) -> UserView {
    UserView {
        id: u.id,
        login: u.login.clone(),
        display_name: u.display_name.clone(),
        phone: u.phone.clone(),
        region_code: u.region_code.as_ref().map(|r| r.to_string()),
        roles: u.roles.iter().map(|r| r.code().to_string()).collect(),
        disabled: u.disabled,
        locked: LockoutPolicy::default()
            .is_locked(&LoginCounters { failed_attempts: u.failed_attempts, locked_until: u.locked_until }, now),
        must_change_password: u.must_change_password,
    }
}

/// A user as entered by an administrator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct UserForm {
    pub login: String,
    pub display_name: String,
    pub phone: String,
    /// Region code; empty for the whole installation (administrators only).
    pub region_code: String,
    /// Role codes.
    pub roles: Vec<String>,
    pub disabled: bool,
}

impl From<UserView> for UserForm {
    /// The editable fields of a user as shown.
    fn from(user: UserView) -> UserForm {
        UserForm {
            login: user.login,
            display_name: user.display_name,
            phone: user.phone,
            region_code: user.region_code.unwrap_or_default(),
            roles: user.roles,
            disabled: user.disabled,
        }
    }
}

impl UserForm {
    fn parse(&self) -> Result<UserFields> {
        let mut errors = Vec::new();
        let login = self.login.trim().to_string();
        if login.is_empty()
            || login.len() > 40
            || !login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            errors.push(FieldError { field: "login", message: Message::new("user.error.login") });
        }
        let display_name = jiuzhu_domain::text::clean(&self.display_name);
        if display_name.is_empty() {
            errors.push(FieldError { field: "display_name", message: Message::new("import.error.required") });
        }
        let region_code = if self.region_code.trim().is_empty() {
            None
        } else {
            match RegionCode::parse(&self.region_code) {
                Ok(code) => Some(code),
                Err(_) => {
                    errors.push(FieldError {
                        field: "region_code",
                        message: Message::new("import.error.bad_region").arg("value", &self.region_code),
                    });
                    None
                }
            }
        };
        let roles: Vec<Role> = self.roles.iter().filter_map(|r| Role::parse(r)).collect();
        if roles.is_empty() || roles.len() != self.roles.len() {
            errors.push(FieldError { field: "roles", message: Message::new("user.error.roles") });
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(UserFields {
            login,
            display_name,
            phone: jiuzhu_domain::text::clean(&self.phone),
            region_code,
            roles,
            disabled: self.disabled,
        })
    }
}

/// A user may be managed by an administrator whose scope contains the
/// user's region; users of the whole installation only by one of the whole
/// installation.
fn manages(actor: &Actor, region: Option<&RegionCode>) -> bool {
    match (&actor.scope, region) {
        (Scope::All, _) => true,
        (Scope::Region(scope), Some(r)) => scope.contains(r),
        (Scope::Region(_), None) => false,
    }
}

fn user_values(f: &UserFields) -> serde_json::Value {
    json!({
        "login": f.login,
        "display_name": f.display_name,
        "region_code": f.region_code.as_ref().map(|r| r.to_string()),
        "roles": f.roles.iter().map(|r| r.code()).collect::<Vec<_>>(),
        "disabled": f.disabled,
    })
}

/// Creates a user with a temporary password (to be changed at first
/// sign-in), or a permanent one when `temporary` is false (the command line).
pub async fn create_user(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    form: &UserForm,
    password: &str,
    temporary: bool,
) -> Result<i64> {
    let target = Target::new("user", &form.login, None);
    require(db, actor, now, Permission::UserManage, "user_created", &target).await?;
    form.check_lengths()?;
    let fields = form.parse()?;
    if !manages(actor, fields.region_code.as_ref()) {
        return Err(deny(db, actor, now, "user_created", &target, AppError::Forbidden).await);
    }
    check_password(&fields.login, password)?;
    let hash = hash_password(password)?;
    let mut tx = db.begin().await?;
    if store::get_user_by_login(&mut tx, &fields.login).await?.is_some() {
        return Err(AppError::Conflict(Message::new("user.error.login_taken").arg("login", &fields.login)));
    }
    let id = store::insert_user(&mut tx, &fields, &hash, temporary, now).await?;
    let target = Target::new("user", id, fields.region_code.as_ref());
    audit(&mut tx, actor, now, "user_created", &target, None, Some(&user_values(&fields))).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a user's name, region, roles or whether the account is disabled.
pub async fn update_user(db: &Db, actor: &Actor, now: DateTime<Utc>, user_id: i64, form: &UserForm) -> Result<()> {
    let target = Target::new("user", user_id, None);
    require(db, actor, now, Permission::UserManage, "user_updated", &target).await?;
    form.check_lengths()?;
    let fields = form.parse()?;
    let mut tx = db.begin().await?;
    let before = store::get_user(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    if !manages(actor, before.region_code.as_ref()) || !manages(actor, fields.region_code.as_ref()) {
        drop(tx);
        return Err(deny(db, actor, now, "user_updated", &target, AppError::NotFound).await);
    }
    let before_fields = UserFields {
        login: before.login.clone(),
        display_name: before.display_name.clone(),
        phone: before.phone.clone(),
        region_code: before.region_code.clone(),
        roles: before.roles.clone(),
        disabled: before.disabled,
    };
    store::update_user(&mut tx, user_id, &fields, now).await?;
    if fields.disabled {
        store::delete_sessions_of(&mut tx, user_id).await?;
    }
    let target = Target::new("user", user_id, fields.region_code.as_ref());
    audit(
        &mut tx,
        actor,
        now,
        "user_updated",
        &target,
        Some(&user_values(&before_fields)),
        Some(&user_values(&fields)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a temporary password for a user (an administrator's reset).
pub async fn reset_password(db: &Db, actor: &Actor, now: DateTime<Utc>, user_id: i64, password: &str) -> Result<()> {
    let target = Target::new("user", user_id, None);
    require(db, actor, now, Permission::UserManage, "password_reset", &target).await?;
    let mut tx = db.begin().await?;
    let user = store::get_user(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    if !manages(actor, user.region_code.as_ref()) {
        drop(tx);
        return Err(deny(db, actor, now, "password_reset", &target, AppError::NotFound).await);
    }
    check_password(&user.login, password)?;
    store::set_password(&mut tx, user_id, &hash_password(password)?, actor.user_id != Some(user_id), now).await?;
    let sessions = store::delete_sessions_of(&mut tx, user_id).await?;
    let tokens = store::revoke_api_tokens_of(&mut tx, user_id, now).await?;
    let after = json!({ "sessions_ended": sessions, "tokens_revoked": tokens });
    let target = Target::new("user", user_id, user.region_code.as_ref());
    audit(&mut tx, actor, now, "password_reset", &target, None, Some(&after)).await?;
    tx.commit().await?;
    Ok(())
}

/// The users an administrator manages.
pub async fn list_users(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<UserView>> {
    require(db, actor, now, Permission::UserManage, "users_listed", &Target::none()).await?;
    let mut tx = db.begin().await?;
    Ok(store::list_users(&mut tx, &crate::access::within(actor)).await?.iter().map(|u| user_view(u, now)).collect())
}

/// One user, for the edit form.
pub async fn get_user(db: &Db, actor: &Actor, now: DateTime<Utc>, user_id: i64) -> Result<UserView> {
    let target = Target::new("user", user_id, None);
    require(db, actor, now, Permission::UserManage, "user_viewed", &target).await?;
    let mut tx = db.begin().await?;
    match store::get_user(&mut tx, user_id).await? {
        Some(u) if manages(actor, u.region_code.as_ref()) => Ok(user_view(&u, now)),
        _ => {
            drop(tx);
            Err(deny(db, actor, now, "user_viewed", &target, AppError::NotFound).await)
        }
    }
}

/// Why a sign-in failed. Pages and the API show the same message for
/// every variant, so that nobody learns whether a login exists or is
/// locked; the variants are for the audit log and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong login or password, or a disabled account.
    Invalid,
    /// Too many failures on the account: it opens again at this time.
    Locked { until: DateTime<Utc> },
    /// Too many failures from the client's address, across accounts.
    Throttled,
}

/// A started session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub actor: Actor,
    pub csrf_token: String,
    pub must_change_password: bool,
}

/// Someone not (yet) known to be a user.
fn stranger(login: &str, ip: &str) -> Actor {
    Actor {
        user_id: None,
        login: login.chars().take(40).collect(),
        name: String::new(),
        roles: Vec::new(),
        scope: Scope::All,
        ip: ip.to_string(),
    }
}

/// Whether the client's address has failed too often lately.
async fn address_throttled(tx: &mut Tx, ip: &str, now: DateTime<Utc>) -> Result<bool> {
    let policy = AddressThrottle::default();
    Ok(policy.is_throttled(store::throttle::login_failures_since(tx, ip, policy.window_start(now)).await?))
}

/// Counts a failure against the client's address (and forgets those that
/// no longer count).
async fn count_address_failure(tx: &mut Tx, ip: &str, now: DateTime<Utc>) -> Result<()> {
    store::throttle::forget_login_failures(tx, AddressThrottle::default().window_start(now)).await?;
    store::throttle::record_login_failure(tx, ip, now).await?;
    Ok(())
}

/// Signs a user in. `session_token` and `csrf_token` are fresh random values
/// chosen by the caller; only the session token's hash is stored.
pub async fn login(
    db: &Db,
    now: DateTime<Utc>,
    login: &str,
    password: &str,
    ip: &str,
    session_token: &str,
    csrf_token: &str,
) -> Result<std::result::Result<Session, LoginError>> {
    let policy = LockoutPolicy::default();
    let login = login.trim();
    // Read first: the password check takes a while and must not hold the
    // database's write lock (on SQLite, every other writer would wait).
    let mut tx = db.begin_read().await?;
    if address_throttled(&mut tx, ip, now).await? {
        drop(tx);
        deny(db, &stranger(login, ip), now, "login_throttled", &Target::none(), AppError::Unauthenticated).await;
        return Ok(Err(LoginError::Throttled));
    }
    let Some(user) = store::get_user_by_login(&mut tx, login).await? else {
        spend_password_check(password);
        let mut tx = tx.into_write().await?;
        count_address_failure(&mut tx, ip, now).await?;
        tx.commit().await?;
        deny(db, &stranger(login, ip), now, "login_failed", &Target::none(), AppError::Unauthenticated).await;
        return Ok(Err(LoginError::Invalid));
    };
    let actor = actor_of(&user, ip);
    let counters = LoginCounters { failed_attempts: user.failed_attempts, locked_until: user.locked_until };
    let user_target = Target::new("user", user.id, user.region_code.as_ref());
    // Always check the password, so that every answer takes the same time.
    let matches = password_matches(password, &user.password_hash);
    let mut tx = tx.into_write().await?;
    if policy.is_locked(&counters, now) {
        count_address_failure(&mut tx, ip, now).await?;
        tx.commit().await?;
        deny(db, &actor, now, "login_while_locked", &user_target, AppError::Unauthenticated).await;
        return Ok(Err(LoginError::Locked { until: counters.locked_until.unwrap_or(now) }));
    }
    if user.disabled || !matches {
        let next = policy.after_failure(&counters, now);
        store::set_login_counters(&mut tx, user.id, next.failed_attempts, next.locked_until).await?;
        count_address_failure(&mut tx, ip, now).await?;
        tx.commit().await?;
        deny(db, &actor, now, "login_failed", &user_target, AppError::Unauthenticated).await;
        if let Some(until) = next.locked_until {
            let mut tx = db.begin().await?;
            let after = json!({ "failed_attempts": next.failed_attempts, "locked_until": until });
            audit(&mut tx, &actor, now, "account_locked", &user_target, None, Some(&after)).await?;
            tx.commit().await?;
            return Ok(Err(LoginError::Locked { until }));
        }
        return Ok(Err(LoginError::Invalid));
    }
    store::set_login_counters(&mut tx, user.id, 0, None).await?;
    store::insert_session(
        &mut tx,
        &SessionRecord {
            token_hash: token_hash(session_token),
            user_id: user.id,
            csrf_token: csrf_token.to_string(),
            ip: ip.to_string(),
            created_at: now,
            last_seen_at: now,
        },
    )
    .await?;
    audit(&mut tx, &actor, now, "login", &user_target, None, None).await?;
    tx.commit().await?;
    Ok(Ok(Session { actor, csrf_token: csrf_token.to_string(), must_change_password: user.must_change_password }))
}

/// The session of a token, if it is still valid; using it keeps it alive.
pub async fn session(db: &Db, now: DateTime<Utc>, session_token: &str, ip: &str) -> Result<Option<Session>> {
    let hash = token_hash(session_token);
    // Every request reads its session: a read transaction, so requests do
    // not queue for the writer; the rare write takes a write transaction.
    let mut tx = db.begin_read().await?;
    let Some(record) = store::get_session(&mut tx, &hash).await? else { return Ok(None) };
    let user = store::get_user(&mut tx, record.user_id).await?;
    let idle = SessionPolicy::default().is_idle(record.last_seen_at, now);
    match user {
        Some(user) if !idle && !user.disabled => {
            // Writing on every request would serialise reads on SQLite;
            // a minute's precision is enough for the idle timeout.
            if now - record.last_seen_at > Duration::minutes(1) {
                let mut tx = tx.into_write().await?;
                store::touch_session(&mut tx, &hash, now).await?;
                tx.commit().await?;
            }
            Ok(Some(Session {
                actor: actor_of(&user, ip),
                csrf_token: record.csrf_token,
                must_change_password: user.must_change_password,
            }))
        }
        _ => {
            let mut tx = tx.into_write().await?;
            store::delete_session(&mut tx, &hash).await?;
            tx.commit().await?;
            Ok(None)
        }
    }
}

/// Ends a session.
pub async fn logout(db: &Db, actor: &Actor, now: DateTime<Utc>, session_token: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    store::delete_session(&mut tx, &token_hash(session_token)).await?;
    audit(&mut tx, actor, now, "logout", &Target::new("user", actor.user_id.unwrap_or_default(), None), None, None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A user changes their own password. A wrong current password counts
/// against the account's lockout (and the address's throttle), and a
/// locked account cannot change its password. The change ends the user's
/// other sessions (all but `current_session`, the token of the session
/// making the change, if any) and revokes their API tokens.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    current_session: Option<&str>,
    current: &str,
    new: &str,
) -> Result<()> {
    let user_id = actor.user_id.ok_or(AppError::Unauthenticated)?;
    let policy = LockoutPolicy::default();
    let mut tx = db.begin().await?;
    let user = store::get_user(&mut tx, user_id).await?.ok_or(AppError::Unauthenticated)?;
    let target = Target::new("user", user_id, user.region_code.as_ref());
    let counters = LoginCounters { failed_attempts: user.failed_attempts, locked_until: user.locked_until };
    let matches = password_matches(current, &user.password_hash);
    if policy.is_locked(&counters, now) {
        drop(tx);
        let locked = AppError::invalid("current", Message::new("user.error.locked"));
        return Err(deny(db, actor, now, "password_change_locked", &target, locked).await);
    }
    if !matches {
        let next = policy.after_failure(&counters, now);
        store::set_login_counters(&mut tx, user_id, next.failed_attempts, next.locked_until).await?;
        count_address_failure(&mut tx, &actor.ip, now).await?;
        if let Some(until) = next.locked_until {
            let after = json!({ "failed_attempts": next.failed_attempts, "locked_until": until });
            audit(&mut tx, actor, now, "account_locked", &target, None, Some(&after)).await?;
        }
        tx.commit().await?;
        let wrong = AppError::invalid("current", Message::new("user.error.current_password"));
        return Err(deny(db, actor, now, "password_change_failed", &target, wrong).await);
    }
    if current == new {
        return Err(AppError::invalid("password", Message::new("user.error.same_password")));
    }
    check_password(&user.login, new)?;
    store::set_password(&mut tx, user_id, &hash_password(new)?, false, now).await?;
    let sessions = match current_session {
        Some(token) => store::delete_other_sessions_of(&mut tx, user_id, &token_hash(token)).await?,
        None => store::delete_sessions_of(&mut tx, user_id).await?,
    };
    let tokens = store::revoke_api_tokens_of(&mut tx, user_id, now).await?;
    let after = json!({ "sessions_ended": sessions, "tokens_revoked": tokens });
    audit(&mut tx, actor, now, "password_changed", &target, None, Some(&after)).await?;
    tx.commit().await?;
    Ok(())
}

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub user_id: i64,
    /// What the token is for, e.g. the system that uses it.
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Written at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Neither revoked nor expired.
    pub active: bool,
}

fn token_view(t: &ApiTokenRecord, now: DateTime<Utc>) -> TokenView {
    TokenView {
        id: t.id,
        user_id: t.user_id,
        name: t.name.clone(),
        created_at: t.created_at,
        expires_at: t.expires_at,
        last_used_at: t.last_used_at,
        revoked_at: t.revoked_at,
        active: t.revoked_at.is_none() && now < t.expires_at,
    }
}

/// A token to issue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TokenForm {
    /// What the token is for (1 to 100 characters).
    pub name: String,
    /// Days until it expires: 90 when absent, at most 365.
    pub days: Option<i64>,
}

/// A newly issued token: the secret is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IssuedToken {
    /// Send it as `Authorization: Bearer TOKEN`.
    pub token: String,
    #[serde(flatten)]
    pub view: TokenView,
}

/// The user a token action concerns, when the actor may act on their
/// tokens: their own, or those of users an administrator manages.
async fn token_owner(db: &Db, actor: &Actor, now: DateTime<Utc>, user_id: i64, action: &str) -> Result<UserRecord> {
    let target = Target::new("user", user_id, None);
    if actor.user_id != Some(user_id) {
        require(db, actor, now, Permission::UserManage, action, &target).await?;
    }
    let mut tx = db.begin().await?;
    match store::get_user(&mut tx, user_id).await? {
        Some(u) if actor.user_id == Some(user_id) || manages(actor, u.region_code.as_ref()) => Ok(u),
        _ => {
            drop(tx);
            Err(deny(db, actor, now, action, &target, AppError::NotFound).await)
        }
    }
}

/// How a caller was authenticated, where it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A session (pages, the API with the session cookie), or the command line.
    Session,
    /// An API token.
    Token,
}

/// Issues an API token for a user (oneself, or as an administrator or the
/// command line for a user one manages); `token` is a fresh random value
/// chosen by the caller, shown to the user once. A caller authenticated by
/// a token cannot issue tokens: that would let a token outlive its expiry.
pub async fn create_api_token(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    via: Via,
    user_id: i64,
    form: &TokenForm,
    token: &str,
) -> Result<IssuedToken> {
    if via == Via::Token {
        let target = Target::new("user", user_id, None);
        return Err(deny(db, actor, now, "api_token_created", &target, AppError::Forbidden).await);
    }
    let name = jiuzhu_domain::text::clean(&form.name);
    let policy = TokenPolicy::default();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError { field: "name", message: Message::new("token.error.name") });
    }
    let expires_at = policy.expiry(now, form.days);
    if expires_at.is_none() {
        errors
            .push(FieldError { field: "days", message: Message::new("token.error.days").arg("max", policy.max_days) });
    }
    let user = token_owner(db, actor, now, user_id, "api_token_created").await?;
    let Some(expires_at) = expires_at.filter(|_| errors.is_empty()) else { return Err(AppError::Invalid(errors)) };
    if user.disabled {
        return Err(AppError::Conflict(Message::new("token.error.disabled")));
    }
    let mut tx = db.begin().await?;
    let hash = token_hash(token);
    let new = NewApiToken { token_hash: &hash, user_id, name: &name, created_at: now, expires_at };
    let id = store::insert_api_token(&mut tx, &new).await?;
    let after = json!({ "token": id, "name": name, "expires_at": expires_at });
    audit(
        &mut tx,
        actor,
        now,
        "api_token_created",
        &Target::new("user", user_id, user.region_code.as_ref()),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    let record =
        ApiTokenRecord { id, user_id, name, created_at: now, expires_at, last_used_at: None, revoked_at: None };
    Ok(IssuedToken { token: token.to_string(), view: token_view(&record, now) })
}

/// The tokens of a user (oneself, or a user an administrator manages),
/// newest first, with their expiry and last use.
pub async fn list_api_tokens(db: &Db, actor: &Actor, now: DateTime<Utc>, user_id: i64) -> Result<Vec<TokenView>> {
    token_owner(db, actor, now, user_id, "api_tokens_listed").await?;
    let mut tx = db.begin().await?;
    Ok(store::list_api_tokens(&mut tx, user_id).await?.iter().map(|t| token_view(t, now)).collect())
}

/// Revokes a token: its owner may, and an administrator who manages the
/// owner. Revoking a revoked token changes nothing.
pub async fn revoke_api_token(db: &Db, actor: &Actor, now: DateTime<Utc>, token_id: i64) -> Result<TokenView> {
    let target = Target::new("api_token", token_id, None);
    let mut tx = db.begin().await?;
    let Some(token) = store::get_api_token(&mut tx, token_id).await? else {
        drop(tx);
        return Err(deny(db, actor, now, "api_token_revoked", &target, AppError::NotFound).await);
    };
    drop(tx);
    let owner = token_owner(db, actor, now, token.user_id, "api_token_revoked").await?;
    let mut tx = db.begin().await?;
    if store::revoke_api_token(&mut tx, token_id, now).await? {
        let target = Target::new("api_token", token_id, owner.region_code.as_ref());
        let after = json!({ "user": owner.id, "name": token.name });
        audit(&mut tx, actor, now, "api_token_revoked", &target, None, Some(&after)).await?;
    }
    let token = store::get_api_token(&mut tx, token_id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(token_view(&token, now))
}

/// The actor of an API token that is neither revoked nor expired, of a
/// user who is not disabled. Its last use is written at most once a minute.
pub async fn token_actor(db: &Db, now: DateTime<Utc>, token: &str, ip: &str) -> Result<Option<Actor>> {
    let policy = TokenPolicy::default();
    let mut tx = db.begin_read().await?;
    let Some(record) = store::api_token_by_hash(&mut tx, &token_hash(token)).await? else { return Ok(None) };
    if record.revoked_at.is_some() || now >= record.expires_at {
        return Ok(None);
    }
    let Some(user) = store::get_user(&mut tx, record.user_id).await?.filter(|u| !u.disabled) else { return Ok(None) };
    if policy.should_touch(record.last_used_at, now) {
        let mut tx = tx.into_write().await?;
        store::touch_api_token(&mut tx, record.id, now).await?;
        tx.commit().await?;
    }
    Ok(Some(actor_of(&user, ip)))
}

/// How many users exist (a fresh install has none).
pub async fn user_count(db: &Db) -> Result<i64> {
    let mut tx = db.begin_read().await?;
    Ok(store::count_users(&mut tx).await?)
}
