//! Sign-in, lockout, sessions, passwords and tokens, on both databases,
//! with the audit records each leaves.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiuzhu_app::auth::{self, LoginError, UserForm};
use jiuzhu_app::{Actor, AppError, Db, Scope};
use jiuzhu_domain::audit::Outcome;
use jiuzhu_domain::{RegionCode, Role};
use jiuzhu_store::{self as store, AuditFilter};

jiuzhu_testkit::on_both_databases!(
    users_sign_in_and_out,
    repeated_failures_lock_the_account,
    sessions_end_when_idle,
    temporary_passwords_must_be_changed,
    administrators_manage_only_their_region,
    api_tokens_act_as_their_user,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 9, 0, 0).unwrap()
}

const PASSWORD: &str = "Qinghe-2025x";

fn form(login: &str, region: &str, roles: &[Role]) -> UserForm {
    UserForm {
        login: login.into(),
        display_name: format!("{login}姓名"),
        region_code: region.into(),
        roles: roles.iter().map(|r| r.code().to_string()).collect(),
        ..Default::default()
    }
}

async fn clerk(db: &Db) -> i64 {
    auth::create_user(db, &Actor::system(), t0(), &form("wang", "340102001", &[Role::TownshipClerk]), PASSWORD, false)
        .await
        .unwrap()
}

async fn audit_actions(db: &Db, outcome: Option<Outcome>) -> Vec<String> {
    let mut tx = db.begin().await.unwrap();
    let rows = store::search_audit(&mut tx, &AuditFilter { outcome, limit: 100, ..Default::default() }).await.unwrap();
    rows.into_iter().rev().map(|r| r.record.action).collect()
}

async fn users_sign_in_and_out(db: Db) {
    let id = clerk(&db).await;
    let session = auth::login(&db, t0(), "wang", PASSWORD, "10.0.0.5", "token-1", "csrf-1").await.unwrap().unwrap();
    assert_eq!(session.actor.user_id, Some(id));
    assert_eq!(session.actor.scope, Scope::Region(RegionCode::parse("340102001").unwrap()));
    assert!(!session.must_change_password);
    let again = auth::session(&db, t0() + Duration::minutes(5), "token-1", "10.0.0.5").await.unwrap().unwrap();
    assert_eq!((again.actor.login.as_str(), again.csrf_token.as_str()), ("wang", "csrf-1"));
    assert!(auth::session(&db, t0(), "another", "10.0.0.5").await.unwrap().is_none());
    assert_eq!(
        auth::login(&db, t0(), "wang", "wrong", "10.0.0.5", "t2", "c2").await.unwrap(),
        Err(LoginError::Invalid)
    );
    assert_eq!(
        auth::login(&db, t0(), "nobody", PASSWORD, "10.0.0.5", "t3", "c3").await.unwrap(),
        Err(LoginError::Invalid)
    );
    auth::logout(&db, &again.actor, t0(), "token-1").await.unwrap();
    assert!(auth::session(&db, t0(), "token-1", "10.0.0.5").await.unwrap().is_none());
    assert_eq!(audit_actions(&db, None).await, ["user_created", "login", "login_failed", "login_failed", "logout"]);
    assert_eq!(audit_actions(&db, Some(Outcome::Denied)).await, ["login_failed", "login_failed"]);
}

async fn repeated_failures_lock_the_account(db: Db) {
    clerk(&db).await;
    for n in 1..=4 {
        let res = auth::login(&db, t0(), "wang", "wrong", "10.0.0.5", &format!("t{n}"), "c").await.unwrap();
        assert_eq!(res, Err(LoginError::Invalid), "failure {n}");
    }
    let until = t0() + Duration::minutes(15);
    assert_eq!(
        auth::login(&db, t0(), "wang", "wrong", "10.0.0.5", "t5", "c").await.unwrap(),
        Err(LoginError::Locked { until })
    );
    // The right password does not open a locked account.
    let during = auth::login(&db, t0() + Duration::minutes(10), "wang", PASSWORD, "10.0.0.5", "t6", "c").await.unwrap();
    assert_eq!(during, Err(LoginError::Locked { until }));
    assert!(auth::session(&db, t0(), "t6", "10.0.0.5").await.unwrap().is_none());
    let actions = audit_actions(&db, None).await;
    assert!(actions.contains(&"account_locked".to_string()), "{actions:?}");
    assert_eq!(actions.last().map(String::as_str), Some("login_while_locked"));
    // After the lock, the right password works again.
    let after = auth::login(&db, until, "wang", PASSWORD, "10.0.0.5", "t7", "c").await.unwrap();
    assert!(after.is_ok());
}

async fn sessions_end_when_idle(db: Db) {
    clerk(&db).await;
    auth::login(&db, t0(), "wang", PASSWORD, "ip", "tok", "c").await.unwrap().unwrap();
    let at = |m| t0() + Duration::minutes(m);
    assert!(auth::session(&db, at(25), "tok", "ip").await.unwrap().is_some());
    assert!(auth::session(&db, at(50), "tok", "ip").await.unwrap().is_some(), "use keeps the session alive");
    assert!(auth::session(&db, at(81), "tok", "ip").await.unwrap().is_none(), "31 minutes idle ends it");
    assert!(auth::session(&db, at(82), "tok", "ip").await.unwrap().is_none());
}

async fn temporary_passwords_must_be_changed(db: Db) {
    let admin = Actor::user(0, "admin", &[Role::Administrator], Scope::All);
    let weak =
        auth::create_user(&db, &admin, t0(), &form("li", "340102002", &[Role::VillageAssistant]), "short", true).await;
    assert!(matches!(weak, Err(AppError::Invalid(_))));
    let id = auth::create_user(&db, &admin, t0(), &form("li", "340102002", &[Role::VillageAssistant]), PASSWORD, true)
        .await
        .unwrap();
    let session = auth::login(&db, t0(), "li", PASSWORD, "ip", "tok", "c").await.unwrap().unwrap();
    assert!(session.must_change_password);
    let wrong = auth::change_password(&db, &session.actor, t0(), "nope", "Another-2025y").await;
    assert!(matches!(wrong, Err(AppError::Invalid(_))));
    auth::change_password(&db, &session.actor, t0(), PASSWORD, "Another-2025y").await.unwrap();
    let next = auth::login(&db, t0(), "li", "Another-2025y", "ip", "tok2", "c").await.unwrap().unwrap();
    assert!(!next.must_change_password);
    auth::reset_password(&db, &admin, t0(), id, "Reset-2025zz").await.unwrap();
    assert!(auth::session(&db, t0(), "tok2", "ip").await.unwrap().is_none(), "a reset ends the sessions");
    assert!(
        auth::login(&db, t0(), "li", "Reset-2025zz", "ip", "tok3", "c").await.unwrap().unwrap().must_change_password
    );
}

async fn administrators_manage_only_their_region(db: Db) {
    let county_admin =
        Actor::user(0, "admin", &[Role::Administrator], Scope::Region(RegionCode::parse("340102").unwrap()));
    let inside =
        auth::create_user(&db, &county_admin, t0(), &form("a", "340102001", &[Role::TownshipClerk]), PASSWORD, true)
            .await;
    assert!(inside.is_ok());
    let outside =
        auth::create_user(&db, &county_admin, t0(), &form("b", "340103001", &[Role::TownshipClerk]), PASSWORD, true)
            .await;
    assert!(matches!(outside, Err(AppError::Forbidden)));
    let everywhere =
        auth::create_user(&db, &county_admin, t0(), &form("c", "", &[Role::Administrator]), PASSWORD, true).await;
    assert!(matches!(everywhere, Err(AppError::Forbidden)));
    let clerk_actor = Actor::user(0, "wang", &[Role::TownshipClerk], Scope::All);
    let by_clerk =
        auth::create_user(&db, &clerk_actor, t0(), &form("d", "340102001", &[Role::TownshipClerk]), PASSWORD, true)
            .await;
    assert!(matches!(by_clerk, Err(AppError::Forbidden)));
    let listed = auth::list_users(&db, &county_admin, t0()).await.unwrap();
    assert_eq!(listed.iter().map(|u| u.login.as_str()).collect::<Vec<_>>(), ["a"]);
    let denied = audit_actions(&db, Some(Outcome::Denied)).await;
    assert_eq!(denied, ["user_created", "user_created", "user_created"]);
    let mut disabled = form("a", "340102001", &[Role::TownshipClerk]);
    disabled.disabled = true;
    auth::update_user(&db, &county_admin, t0(), inside.unwrap(), &disabled).await.unwrap();
    assert_eq!(auth::login(&db, t0(), "a", PASSWORD, "ip", "t", "c").await.unwrap(), Err(LoginError::Invalid));
}

async fn api_tokens_act_as_their_user(db: Db) {
    clerk(&db).await;
    let session = auth::login(&db, t0(), "wang", PASSWORD, "ip", "tok", "c").await.unwrap().unwrap();
    auth::create_api_token(&db, &session.actor, t0(), "统计", "secret-token").await.unwrap();
    let actor = auth::token_actor(&db, "secret-token", "ip2").await.unwrap().unwrap();
    assert_eq!((actor.login.as_str(), actor.ip.as_str()), ("wang", "ip2"));
    assert!(auth::token_actor(&db, "other", "ip").await.unwrap().is_none());
}

mod audit_verification {
    use super::*;
    use jiuzhu_app::audit_log::{self, Verification};
    use jiuzhu_domain::audit::ChainBreak;

    jiuzhu_testkit::on_both_databases!(verify_names_the_tampered_record);

    async fn verify_names_the_tampered_record(db: Db) {
        clerk(&db).await;
        auth::login(&db, t0(), "wang", PASSWORD, "ip", "tok", "c").await.unwrap().unwrap();
        auth::login(&db, t0(), "wang", "wrong", "ip", "tok2", "c").await.unwrap().unwrap_err();
        assert_eq!(audit_log::verify(&db, &Actor::system()).await.unwrap(), Verification::Intact { records: 3 });
        let wang = Actor::user(1, "wang", &[Role::TownshipClerk], Scope::All);
        assert!(matches!(audit_log::verify(&db, &wang).await, Err(AppError::Forbidden)));

        let disable = match db.backend() {
            store::Backend::Sqlite => "DROP TRIGGER audit_event_no_update",
            store::Backend::Postgres => "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change",
        };
        let mut tx = db.begin().await.unwrap();
        store::execute_raw(&mut tx, disable).await.unwrap();
        store::execute_raw(&mut tx, "UPDATE audit_event SET login = 'someone' WHERE seq = 2").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            audit_log::verify(&db, &Actor::system()).await.unwrap(),
            Verification::Broken(ChainBreak::Altered { seq: 2 })
        );
    }
}
