//! Accounts and sign-in: users, passwords, sessions, API tokens.
//!
//! **Security-sensitive.** Passwords are stored as Argon2id PHC strings and
//! checked against the password policy of the domain. Repeated failures lock
//! the account for a while (the lock is audited, and the right password
//! does not open a locked account). Sessions and API tokens are random
//! values chosen by the caller and stored only as SHA-256 hashes; a session
//! ends after the domain's `SessionPolicy` idle time. A password set by an
//! administrator is temporary: it must be changed at the next sign-in.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use jiuzhu_domain::access::{LockoutPolicy, LoginCounters, PasswordPolicy, SessionPolicy};
use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::{Permission, RegionCode, Role};
use jiuzhu_store::{self as store, Db, SessionRecord, UserFields, UserRecord};
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
    store::delete_sessions_of(&mut tx, user_id).await?;
    audit(&mut tx, actor, now, "password_reset", &Target::new("user", user_id, user.region_code.as_ref()), None, None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The users an administrator manages.
pub async fn list_users(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<UserView>> {
    require(db, actor, now, Permission::UserManage, "users_listed", &Target::none()).await?;
    let mut tx = db.begin().await?;
    let region = match &actor.scope {
        Scope::All => None,
        Scope::Region(r) => Some(r),
    };
    Ok(store::list_users(&mut tx, region).await?.iter().map(|u| user_view(u, now)).collect())
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

/// Why a sign-in failed. The message never says whether the login exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong login or password, or a disabled account.
    Invalid,
    /// Too many failures: try again after this time.
    Locked { until: DateTime<Utc> },
}

/// A started session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub actor: Actor,
    pub csrf_token: String,
    pub must_change_password: bool,
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
    let mut tx = db.begin().await?;
    let Some(user) = store::get_user_by_login(&mut tx, login.trim()).await? else {
        // Spend the same time as for a real account.
        let _ = password_matches(
            password,
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        );
        let stranger =
            Actor { login: login.trim().to_string(), ip: ip.to_string(), ..Actor::user(0, "", &[], Scope::All) };
        let stranger = Actor { user_id: None, ..stranger };
        drop(tx);
        deny(db, &stranger, now, "login_failed", &Target::none(), AppError::Unauthenticated).await;
        return Ok(Err(LoginError::Invalid));
    };
    let actor = actor_of(&user, ip);
    let counters = LoginCounters { failed_attempts: user.failed_attempts, locked_until: user.locked_until };
    let user_target = Target::new("user", user.id, user.region_code.as_ref());
    if policy.is_locked(&counters, now) {
        drop(tx);
        deny(db, &actor, now, "login_while_locked", &user_target, AppError::Unauthenticated).await;
        return Ok(Err(LoginError::Locked { until: counters.locked_until.unwrap_or(now) }));
    }
    if user.disabled || !password_matches(password, &user.password_hash) {
        let next = policy.after_failure(&counters, now);
        store::set_login_counters(&mut tx, user.id, next.failed_attempts, next.locked_until).await?;
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
    let mut tx = db.begin().await?;
    let Some(record) = store::get_session(&mut tx, &hash).await? else { return Ok(None) };
    let user = store::get_user(&mut tx, record.user_id).await?;
    let idle = SessionPolicy::default().is_idle(record.last_seen_at, now);
    match user {
        Some(user) if !idle && !user.disabled => {
            // Writing on every request would serialise reads on SQLite;
            // a minute's precision is enough for the idle timeout.
            if now - record.last_seen_at > Duration::minutes(1) {
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

/// A user changes their own password.
pub async fn change_password(db: &Db, actor: &Actor, now: DateTime<Utc>, current: &str, new: &str) -> Result<()> {
    let user_id = actor.user_id.ok_or(AppError::Unauthenticated)?;
    let mut tx = db.begin().await?;
    let user = store::get_user(&mut tx, user_id).await?.ok_or(AppError::Unauthenticated)?;
    if !password_matches(current, &user.password_hash) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "current",
            message: Message::new("user.error.current_password"),
        }]));
    }
    if current == new {
        return Err(AppError::Invalid(vec![FieldError {
            field: "password",
            message: Message::new("user.error.same_password"),
        }]));
    }
    check_password(&user.login, new)?;
    store::set_password(&mut tx, user_id, &hash_password(new)?, false, now).await?;
    audit(
        &mut tx,
        actor,
        now,
        "password_changed",
        &Target::new("user", user_id, user.region_code.as_ref()),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Issues an API token for the actor; `token` is a fresh random value
/// chosen by the caller, shown to the user once.
pub async fn create_api_token(db: &Db, actor: &Actor, now: DateTime<Utc>, name: &str, token: &str) -> Result<()> {
    let user_id = actor.user_id.ok_or(AppError::Unauthenticated)?;
    let mut tx = db.begin().await?;
    store::insert_api_token(&mut tx, &token_hash(token), user_id, name, now).await?;
    audit(
        &mut tx,
        actor,
        now,
        "api_token_created",
        &Target::new("user", user_id, None),
        None,
        Some(&json!({ "name": name })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The actor of an API token.
pub async fn token_actor(db: &Db, token: &str, ip: &str) -> Result<Option<Actor>> {
    let mut tx = db.begin().await?;
    let Some(user_id) = store::api_token_user(&mut tx, &token_hash(token)).await? else { return Ok(None) };
    Ok(store::get_user(&mut tx, user_id).await?.filter(|u| !u.disabled).map(|u| actor_of(&u, ip)))
}

/// How many users exist (a fresh install has none).
pub async fn user_count(db: &Db) -> Result<i64> {
    let mut tx = db.begin().await?;
    Ok(store::count_users(&mut tx).await?)
}
