//! The audit chain anchored outside the database (issue 10, point 4): an
//! attacker with write access to the database drops the append-only
//! triggers and rewrites the log with SQL, recomputing every hash they can
//! without the key. Each tamper must be found, naming the first bad record.

use chrono::{Duration, TimeZone, Utc};
use jiuzhu_domain::audit::{AuditKey, AuditRecord, ChainBreak, ChainSummary, Checkpoint, Outcome};
use jiuzhu_store::*;

jiuzhu_testkit::on_both_databases!(
    records_are_keyed_and_the_head_remembers_where_keys_began,
    records_from_before_the_key_verify_as_unkeyed,
    an_edit_rehashed_without_the_key_is_found,
    a_deletion_with_renumbering_is_found,
    a_tail_cut_below_a_checkpoint_is_found,
    outcomes_are_a_closed_set,
    a_chain_rewritten_as_unkeyed_is_found_against_a_checkpoint,
);

fn draft(n: i64) -> AuditDraft {
    AuditDraft {
        at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + Duration::minutes(n),
        user_id: Some(n),
        login: format!("user{n}"),
        ip: "10.1.2.3".into(),
        action: "household_updated".into(),
        target_kind: "household".into(),
        target_id: n.to_string(),
        region_code: "340102001001".into(),
        outcome: if n % 2 == 0 { Outcome::Denied } else { Outcome::Allowed },
        before: "{\"address\":\"旧\"}".into(),
        after: "{\"address\":\"新\"}".into(),
    }
}

/// Appends records `from..=to` through `db` (with or without its key).
async fn append(db: &Db, from: i64, to: i64) {
    let mut tx = db.begin().await.unwrap();
    for n in from..=to {
        append_audit(&mut tx, draft(n)).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn verify_with(db: &Db, key: &AuditKey, checkpoints: &[Checkpoint]) -> Result<ChainSummary, ChainBreak> {
    let mut tx = db.begin().await.unwrap();
    verify_audit_chain(&mut tx, key, checkpoints).await.unwrap()
}

async fn verify(db: &Db, checkpoints: &[Checkpoint]) -> Result<ChainSummary, ChainBreak> {
    verify_with(db, &jiuzhu_testkit::audit_key(), checkpoints).await
}

fn intact(records: i64) -> Result<ChainSummary, ChainBreak> {
    Ok(ChainSummary { records, unkeyed: 0, checkpoints: 0 })
}

async fn head(db: &Db) -> AuditHead {
    let mut tx = db.begin().await.unwrap();
    audit_head(&mut tx).await.unwrap()
}

async fn checkpoint(db: &Db) -> Checkpoint {
    let head = head(db).await;
    Checkpoint {
        seq: head.seq,
        hash: head.hash,
        at: Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
        keyed_from: head.keyed_from,
    }
}

/// Runs `statements` as someone with write access to the database, after
/// dropping the append-only triggers.
async fn attack(db: &Db, statements: &str) {
    let drop_triggers = match db.backend() {
        Backend::Sqlite => {
            "DROP TRIGGER IF EXISTS audit_event_no_update; DROP TRIGGER IF EXISTS audit_event_no_delete;"
        }
        Backend::Postgres => {
            "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event;
             DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event;"
        }
    };
    let mut tx = db.begin().await.unwrap();
    execute_raw(&mut tx, &format!("{drop_triggers} {statements}")).await.unwrap();
    tx.commit().await.unwrap();
}

/// Recomputes `prev_hash` and `hash` of the records from `from` on with
/// `rehash` (what an attacker without the key can compute), and points the
/// head at the new last hash.
async fn rehash_from(db: &Db, from: i64, rehash: impl Fn(&AuditRecord, &str) -> String) {
    let mut tx = db.begin().await.unwrap();
    let rows: Vec<StoredAudit> = audit_chain(&mut tx, 1, 1000).await.unwrap().into_iter().map(|r| r.unwrap()).collect();
    drop(tx);
    let mut prev = rows
        .iter()
        .find(|r| r.record.seq == from - 1)
        .map_or(jiuzhu_domain::audit::GENESIS.to_string(), |r| r.hash.clone());
    let mut statements = String::new();
    for row in rows.iter().filter(|r| r.record.seq >= from) {
        let hash = rehash(&row.record, &prev);
        statements.push_str(&format!(
            "UPDATE audit_event SET prev_hash = '{prev}', hash = '{hash}' WHERE seq = {};",
            row.record.seq
        ));
        prev = hash;
    }
    let last = rows.last().map_or(0, |r| r.record.seq);
    statements.push_str(&format!("UPDATE audit_head SET seq = {last}, hash = '{prev}' WHERE id = 1;"));
    attack(db, &statements).await;
}

fn plain(record: &AuditRecord, prev: &str) -> String {
    record.hash(prev)
}

fn wrong_key(record: &AuditRecord, prev: &str) -> String {
    record.keyed_hash(prev, &AuditKey::from_bytes([9; 32]))
}

async fn records_are_keyed_and_the_head_remembers_where_keys_began(db: Db) {
    append(&db, 1, 4).await;
    assert_eq!(verify(&db, &[]).await, intact(4));
    assert_eq!(head(&db).await.keyed_from, Some(1));
    let mut tx = db.begin().await.unwrap();
    let first = audit_chain(&mut tx, 1, 1).await.unwrap().remove(0).unwrap();
    drop(tx);
    assert_eq!(first.hash, first.record.keyed_hash(&first.prev_hash, &jiuzhu_testkit::audit_key()));
    assert_ne!(first.hash, first.record.hash(&first.prev_hash), "not the plain hash");
    // Someone with another key cannot vouch for the chain.
    assert_eq!(verify_with(&db, &AuditKey::from_bytes([9; 32]), &[]).await, Err(ChainBreak::Altered { seq: 1 }));
}

async fn records_from_before_the_key_verify_as_unkeyed(db: Db) {
    // An installation that ran before it had a key.
    let without_key = Db::from(db.pool().clone());
    assert!(without_key.audit_key().is_none());
    append(&without_key, 1, 3).await;
    assert_eq!(head(&db).await.keyed_from, None);
    append(&db, 4, 5).await;
    assert_eq!(head(&db).await.keyed_from, Some(4));
    assert_eq!(verify(&db, &[]).await, Ok(ChainSummary { records: 5, unkeyed: 3, checkpoints: 0 }));
    // After the first keyed record, a plain hash is a broken record.
    append(&without_key, 6, 6).await;
    assert_eq!(verify(&db, &[]).await, Err(ChainBreak::Altered { seq: 6 }));
}

/// (a) A record edited, and the hashes after it recomputed.
async fn an_edit_rehashed_without_the_key_is_found(db: Db) {
    append(&db, 1, 6).await;
    attack(&db, "UPDATE audit_event SET after_value = '{\"address\":\"改\"}' WHERE seq = 3;").await;
    assert_eq!(verify(&db, &[]).await, Err(ChainBreak::Altered { seq: 3 }));
    rehash_from(&db, 3, plain).await;
    assert_eq!(verify(&db, &[]).await, Err(ChainBreak::Altered { seq: 3 }), "plain SHA-256 rehash");
    rehash_from(&db, 3, wrong_key).await;
    assert_eq!(verify(&db, &[]).await, Err(ChainBreak::Altered { seq: 3 }), "HMAC under a guessed key");
}

/// (b) A record deleted, the later ones renumbered and rehashed.
async fn a_deletion_with_renumbering_is_found(db: Db) {
    append(&db, 1, 6).await;
    attack(&db, "DELETE FROM audit_event WHERE seq = 3;").await;
    assert_eq!(verify(&db, &[]).await, Err(ChainBreak::Broken { seq: 4 }));
    attack(&db, "UPDATE audit_event SET seq = seq - 1 WHERE seq > 3;").await;
    rehash_from(&db, 3, plain).await;
    assert_eq!(head(&db).await.seq, 5);
    assert_eq!(verify(&db, &[]).await, Err(ChainBreak::Altered { seq: 3 }));
    rehash_from(&db, 3, wrong_key).await;
    assert_eq!(verify(&db, &[]).await, Err(ChainBreak::Altered { seq: 3 }));
}

/// (c) The tail cut and the head rewound: the chain that is left is sound,
/// so only the checkpoint kept outside the database shows what is missing.
async fn a_tail_cut_below_a_checkpoint_is_found(db: Db) {
    append(&db, 1, 6).await;
    let taken = checkpoint(&db).await;
    assert_eq!(
        verify(&db, std::slice::from_ref(&taken)).await,
        Ok(ChainSummary { records: 6, unkeyed: 0, checkpoints: 1 })
    );
    let mut tx = db.begin().await.unwrap();
    let fourth = audit_chain(&mut tx, 4, 1).await.unwrap().remove(0).unwrap();
    drop(tx);
    attack(
        &db,
        &format!(
            "DELETE FROM audit_event WHERE seq > 4; UPDATE audit_head SET seq = 4, hash = '{}' WHERE id = 1;",
            fourth.hash
        ),
    )
    .await;
    assert_eq!(verify(&db, &[]).await, intact(4), "undetectable without a checkpoint");
    assert_eq!(verify(&db, &[taken]).await, Err(ChainBreak::Missing { seq: 5, expected_last: 6 }));
}

/// (d) Outcomes are a closed set: the database refuses another text, and a
/// record stored with one anyway is broken, not read as a valid outcome.
async fn outcomes_are_a_closed_set(db: Db) {
    append(&db, 1, 4).await;
    // With the triggers gone, the CHECK constraint still refuses.
    let drop_triggers = match db.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_event_no_update",
        Backend::Postgres => "DROP TRIGGER audit_event_no_change ON audit_event",
    };
    let mut tx = db.begin().await.unwrap();
    execute_raw(&mut tx, drop_triggers).await.unwrap();
    let refused = execute_raw(&mut tx, "UPDATE audit_event SET outcome = 'ignored' WHERE seq = 2").await;
    assert!(refused.is_err(), "an outcome outside the set was stored");
    drop(tx);
    // Bypassing the constraint as well.
    let bypass = match db.backend() {
        Backend::Sqlite => "PRAGMA ignore_check_constraints = ON;",
        Backend::Postgres => "ALTER TABLE audit_event DROP CONSTRAINT audit_event_outcome_check;",
    };
    attack(&db, &format!("{bypass} UPDATE audit_event SET outcome = 'ignored' WHERE seq = 2;")).await;
    assert_eq!(verify(&db, &[]).await, Err(ChainBreak::UnknownOutcome { seq: 2 }));
    // Search still shows the record, as refused.
    let mut tx = db.begin().await.unwrap();
    let found = search_audit(&mut tx, &AuditFilter { limit: 10, ..Default::default() }).await.unwrap();
    drop(tx);
    assert_eq!(found.iter().find(|r| r.record.seq == 2).map(|r| r.record.outcome), Some(Outcome::Denied));
    attack(&db, "UPDATE audit_event SET outcome = 'allowed' WHERE seq = 2;").await;
    assert_eq!(verify(&db, &[]).await, Err(ChainBreak::Altered { seq: 2 }), "denied turned allowed");
}

/// The whole chain rewritten with plain hashes and the head's memory of
/// the key cleared: it would pass for a log from before the key, but the
/// checkpoint says keyed hashes began at record 1.
async fn a_chain_rewritten_as_unkeyed_is_found_against_a_checkpoint(db: Db) {
    append(&db, 1, 5).await;
    let taken = checkpoint(&db).await;
    attack(&db, "UPDATE audit_event SET after_value = '{}' WHERE seq = 2; UPDATE audit_head SET keyed_from = NULL;")
        .await;
    rehash_from(&db, 1, plain).await;
    assert_eq!(verify(&db, &[]).await, Ok(ChainSummary { records: 5, unkeyed: 5, checkpoints: 0 }));
    assert_eq!(verify(&db, &[taken]).await, Err(ChainBreak::Altered { seq: 1 }));
}
