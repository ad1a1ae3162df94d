//! Accounts and the audit log on both databases: users, sessions, tokens,
//! the hash chain, and what the database does to someone who edits the
//! audit table directly.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiuzhu_domain::audit::{AuditKey, ChainBreak, Outcome, verify_chain};
use jiuzhu_domain::{RegionCode, Role};
use jiuzhu_store::*;

jiuzhu_testkit::on_both_databases!(
    users_round_trip,
    sessions_and_tokens,
    audit_chain_verifies_and_searches,
    audit_rows_cannot_be_edited_or_deleted,
    tampering_without_the_triggers_is_detected,
);

#[path = "accounts_audit/anchor.rs"]
mod anchor;

fn key() -> AuditKey {
    jiuzhu_testkit::audit_key()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 31, 8, 30, 0).unwrap() + Duration::nanoseconds(123_456_789)
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn fields(login: &str, region: Option<&str>, roles: &[Role]) -> UserFields {
    UserFields {
        login: login.into(),
        display_name: format!("用户{login}"),
        phone: "13800000000".into(),
        region_code: region.map(code),
        roles: roles.to_vec(),
        disabled: false,
    }
}

async fn users_round_trip(db: Db) {
    let mut tx = db.begin().await.unwrap();
    let admin =
        insert_user(&mut tx, &fields("admin", None, &[Role::Administrator]), "hash-a", true, t0()).await.unwrap();
    let clerk = insert_user(
        &mut tx,
        &fields("wang", Some("340102001"), &[Role::TownshipClerk, Role::TownshipLeader]),
        "hash-w",
        false,
        t0(),
    )
    .await
    .unwrap();
    insert_user(&mut tx, &fields("li", Some("340102002001"), &[Role::VillageAssistant]), "hash-l", false, t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let err = insert_user(&mut tx, &fields("wang", None, &[]), "x", false, t0()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref constraint } if constraint == "app_user_login_key"), "{err:?}");
    drop(tx);

    let mut tx = db.begin().await.unwrap();
    let got = get_user_by_login(&mut tx, "wang").await.unwrap().unwrap();
    assert_eq!(
        (got.id, got.roles.clone(), got.region_code.clone()),
        (clerk, vec![Role::TownshipClerk, Role::TownshipLeader], Some(code("340102001")))
    );
    assert!(get_user(&mut tx, admin).await.unwrap().unwrap().must_change_password);
    let in_township: Vec<String> =
        list_users(&mut tx, &Within::region(code("340102001"))).await.unwrap().into_iter().map(|u| u.login).collect();
    assert_eq!(in_township, ["wang"]);
    assert_eq!(list_users(&mut tx, &Within::everything()).await.unwrap().len(), 3);
    assert_eq!(count_users(&mut tx).await.unwrap(), 3);

    let until = t0() + Duration::minutes(15);
    set_login_counters(&mut tx, clerk, 5, Some(until)).await.unwrap();
    let locked = get_user(&mut tx, clerk).await.unwrap().unwrap();
    assert_eq!(locked.failed_attempts, 5);
    assert_eq!(locked.locked_until.map(|t| t.timestamp()), Some(until.timestamp()));
    set_password(&mut tx, clerk, "hash-new", true, t0()).await.unwrap();
    let reset = get_user(&mut tx, clerk).await.unwrap().unwrap();
    assert_eq!(
        (reset.password_hash.as_str(), reset.failed_attempts, reset.locked_until, reset.must_change_password),
        ("hash-new", 0, None, true)
    );
    let mut changed = fields("wang", Some("340102002"), &[Role::CountyClerk]);
    changed.disabled = true;
    update_user(&mut tx, clerk, &changed, t0()).await.unwrap();
    let updated = get_user(&mut tx, clerk).await.unwrap().unwrap();
    assert!(updated.disabled);
    assert_eq!(updated.roles, [Role::CountyClerk]);
}

async fn sessions_and_tokens(db: Db) {
    let mut tx = db.begin().await.unwrap();
    let user = insert_user(&mut tx, &fields("wang", Some("340102001"), &[Role::TownshipClerk]), "h", false, t0())
        .await
        .unwrap();
    let session = SessionRecord {
        token_hash: "s1".into(),
        user_id: user,
        csrf_token: "c1".into(),
        ip: "127.0.0.1".into(),
        created_at: t0(),
        last_seen_at: t0(),
    };
    insert_session(&mut tx, &session).await.unwrap();
    touch_session(&mut tx, "s1", t0() + Duration::minutes(5)).await.unwrap();
    let got = get_session(&mut tx, "s1").await.unwrap().unwrap();
    assert_eq!((got.user_id, got.csrf_token.as_str()), (user, "c1"));
    assert_eq!(got.last_seen_at.timestamp(), (t0() + Duration::minutes(5)).timestamp());
    delete_session(&mut tx, "s1").await.unwrap();
    assert!(get_session(&mut tx, "s1").await.unwrap().is_none());
    insert_session(&mut tx, &session).await.unwrap();
    delete_sessions_of(&mut tx, user).await.unwrap();
    assert!(get_session(&mut tx, "s1").await.unwrap().is_none());
    insert_session(&mut tx, &session).await.unwrap();
    insert_session(&mut tx, &SessionRecord { token_hash: "s2".into(), ..session.clone() }).await.unwrap();
    assert_eq!(delete_other_sessions_of(&mut tx, user, "s1").await.unwrap(), 1);
    assert!(get_session(&mut tx, "s1").await.unwrap().is_some());
    assert!(get_session(&mut tx, "s2").await.unwrap().is_none());

    // Token times to the microsecond, which PostgreSQL keeps exactly.
    let t0 = || jiuzhu_domain::audit::audit_time(t0());
    let later = t0() + chrono::Duration::days(90);
    let new =
        NewApiToken { token_hash: "t1", user_id: user, name: "统计系统", created_at: t0(), expires_at: later };
    let id = insert_api_token(&mut tx, &new).await.unwrap();
    let stored = api_token_by_hash(&mut tx, "t1").await.unwrap().unwrap();
    assert_eq!((stored.id, stored.user_id, stored.expires_at, stored.last_used_at), (id, user, later, None));
    assert_eq!(api_token_by_hash(&mut tx, "t2").await.unwrap(), None);
    touch_api_token(&mut tx, id, t0()).await.unwrap();
    assert_eq!(get_api_token(&mut tx, id).await.unwrap().unwrap().last_used_at, Some(t0()));
    let t2 = insert_api_token(&mut tx, &NewApiToken { token_hash: "t2", ..new }).await.unwrap();
    assert!(revoke_api_token(&mut tx, id, t0()).await.unwrap());
    assert!(!revoke_api_token(&mut tx, id, t0()).await.unwrap(), "already revoked");
    assert_eq!(revoke_api_tokens_of(&mut tx, user, t0()).await.unwrap(), 1);
    let listed = list_api_tokens(&mut tx, user).await.unwrap();
    assert_eq!(listed.iter().map(|t| (t.id, t.revoked_at)).collect::<Vec<_>>(), [(t2, Some(t0())), (id, Some(t0()))]);

    // Failed sign-ins per address, counted within a window.
    use jiuzhu_store::throttle;
    for m in 0..3 {
        throttle::record_login_failure(&mut tx, "10.0.0.1", t0() + chrono::Duration::minutes(m)).await.unwrap();
    }
    throttle::record_login_failure(&mut tx, "10.0.0.2", t0()).await.unwrap();
    assert_eq!(throttle::login_failures_since(&mut tx, "10.0.0.1", t0()).await.unwrap(), 3);
    let one_minute = t0() + chrono::Duration::minutes(1);
    assert_eq!(throttle::login_failures_since(&mut tx, "10.0.0.1", one_minute).await.unwrap(), 2);
    assert_eq!(throttle::forget_login_failures(&mut tx, one_minute).await.unwrap(), 2);
    assert_eq!(throttle::login_failures_since(&mut tx, "10.0.0.2", t0()).await.unwrap(), 0);
}

fn draft(login: &str, action: &str, region: &str, outcome: Outcome, minutes: i64) -> AuditDraft {
    AuditDraft {
        at: t0() + Duration::minutes(minutes),
        user_id: Some(1),
        login: login.into(),
        ip: "10.1.2.3".into(),
        action: action.into(),
        target_kind: "household".into(),
        target_id: "42".into(),
        region_code: region.into(),
        outcome,
        before: "{\"address\":\"旧\"}".into(),
        after: "{\"address\":\"新\"}".into(),
    }
}

async fn write_chain(db: &Db) {
    let mut tx = db.begin().await.unwrap();
    append_audit(&mut tx, draft("wang", "household_updated", "340102001001", Outcome::Allowed, 0)).await.unwrap();
    append_audit(&mut tx, draft("li", "household_read", "340102002001", Outcome::Denied, 1)).await.unwrap();
    append_audit(&mut tx, draft("wang", "id_number_revealed", "340102001002", Outcome::Allowed, 2)).await.unwrap();
    tx.commit().await.unwrap();
}

async fn verify(db: &Db) -> Result<usize, ChainBreak> {
    let mut tx = db.begin().await.unwrap();
    let rows = audit_chain(&mut tx, 1, 1000).await.unwrap();
    let rows: Vec<StoredAudit> = rows.into_iter().map(|r| r.unwrap()).collect();
    let res = verify_chain(&key(), rows.iter().map(|r| (&r.record, r.prev_hash.as_str(), r.hash.as_str())));
    assert_eq!(
        verify_audit_chain(&mut tx, &key(), &[]).await.unwrap().map(|s| s.records as usize),
        res,
        "the whole-chain check agrees"
    );
    res
}

async fn audit_chain_verifies_and_searches(db: Db) {
    write_chain(&db).await;
    assert_eq!(verify(&db).await, Ok(3));
    let mut tx = db.begin().await.unwrap();
    let head = audit_head(&mut tx).await.unwrap();
    let last: Vec<StoredAudit> = audit_chain(&mut tx, 3, 10).await.unwrap().into_iter().map(|r| r.unwrap()).collect();
    assert_eq!((head.seq, head.hash), (3, last[0].hash.clone()));
    assert_eq!(
        last[0].record.at,
        jiuzhu_domain::audit::audit_time(t0() + Duration::minutes(2)),
        "microseconds survive"
    );
    drop(tx);

    let search = |filter: AuditFilter| {
        let db = db.clone();
        async move {
            let mut tx = db.begin().await.unwrap();
            search_audit(&mut tx, &AuditFilter { limit: 50, ..filter })
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.record.seq)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search(AuditFilter::default()).await, [3, 2, 1]);
    assert_eq!(search(AuditFilter { login: Some("wang".into()), ..Default::default() }).await, [3, 1]);
    assert_eq!(search(AuditFilter { outcome: Some(Outcome::Denied), ..Default::default() }).await, [2]);
    assert_eq!(search(AuditFilter { within: Within::region(code("340102001")), ..Default::default() }).await, [3, 1]);
    assert_eq!(search(AuditFilter { action: Some("household_read".into()), ..Default::default() }).await, [2]);
    let any = vec![("household".to_string(), "42".to_string()), ("person".to_string(), "7".to_string())];
    assert_eq!(search(AuditFilter { any_target: any, ..Default::default() }).await, [3, 2, 1]);
    let none = vec![("person".to_string(), "42".to_string())];
    assert!(search(AuditFilter { any_target: none, ..Default::default() }).await.is_empty());
    assert_eq!(
        search(AuditFilter {
            from: Some(t0() + Duration::seconds(30)),
            to: Some(t0() + Duration::seconds(90)),
            ..Default::default()
        })
        .await,
        [2]
    );
}

async fn audit_rows_cannot_be_edited_or_deleted(db: Db) {
    write_chain(&db).await;
    for statement in [
        "UPDATE audit_event SET action = 'nothing' WHERE seq = 2",
        "DELETE FROM audit_event WHERE seq = 2",
        "DELETE FROM audit_event",
    ] {
        let mut tx = db.begin().await.unwrap();
        let res = execute_raw(&mut tx, statement).await;
        assert!(res.is_err(), "{statement} was accepted");
    }
    assert_eq!(verify(&db).await, Ok(3));
}

async fn tampering_without_the_triggers_is_detected(db: Db) {
    write_chain(&db).await;
    let disable = match db.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_event_no_update; DROP TRIGGER audit_event_no_delete",
        Backend::Postgres => "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change",
    };
    let mut tx = db.begin().await.unwrap();
    execute_raw(&mut tx, disable).await.unwrap();
    execute_raw(&mut tx, "UPDATE audit_event SET after_value = '{\"address\":\"改\"}' WHERE seq = 2").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(verify(&db).await, Err(ChainBreak::Altered { seq: 2 }));

    let mut tx = db.begin().await.unwrap();
    execute_raw(&mut tx, "DELETE FROM audit_event WHERE seq = 2").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(verify(&db).await, Err(ChainBreak::Broken { seq: 3 }));
}
