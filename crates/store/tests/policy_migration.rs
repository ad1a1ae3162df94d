//! Migration 0008 (one policy) on SQLite and PostgreSQL: the verification
//! thresholds regions set in the old `verification_policy` table become
//! policy versions, merged with each region's assistance versions, and the
//! standard resolved for any region and date is then one number.

use chrono::NaiveDate;
use jiuzhu_domain::assistance::Area;
use jiuzhu_domain::policy::{PolicyVersion, resolve};
use jiuzhu_domain::{Fen, RegionCode};
use jiuzhu_store::*;
use jiuzhu_testkit::RawDb;

jiuzhu_testkit::on_both_databases!(verification_policies_become_policy_versions);

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn verification_policies_become_policy_versions(db: Db) {
    let raw = RawDb::new(db).await;
    // The data as it was before 0008: the old table beside assistance
    // versions. The county sets the application standards in 2025 and only
    // the urban one in 2026; its verification policy from mid-2025 says 780.
    // A township sets only a verification policy; a region since deleted
    // from the tree is skipped.
    let table = match raw.db.backend() {
        Backend::Sqlite => {
            "region_code TEXT NOT NULL, effective_from TEXT NOT NULL, policy TEXT NOT NULL, \
                            updated_by TEXT NOT NULL, updated_at TEXT NOT NULL"
        }
        Backend::Postgres => {
            "region_code TEXT COLLATE \"C\" NOT NULL, effective_from DATE NOT NULL, \
                              policy TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at TIMESTAMPTZ NOT NULL"
        }
    };
    let threshold = |standard: i64, homes: i64, area: &str, months: i64| {
        format!(
            r#"{{"dibao_standard":{standard},"max_homes":{homes},"max_home_area_per_person_centi_m2":{area},"deposit_months":{months},"near_margin_percent":10}}"#
        )
    };
    raw.execute(&format!(
        "INSERT INTO region (code, name, level) VALUES ('349901', '示范县', 3), ('349901001', '城关镇', 4), \
           ('349901002', '河口镇', 4);
         CREATE TABLE verification_policy ({table}, PRIMARY KEY (region_code, effective_from));
         INSERT INTO assistance_policy (region_code, effective_from, patch, created_by, created_at) VALUES
           ('349901', '2025-01-01', '{{\"dibao_urban\":80000,\"dibao_rural\":62000,\"review_notice\":false}}', '审批员', '2025-01-01T00:00:00Z'),
           ('349901', '2026-01-01', '{{\"dibao_urban\":85000}}', '审批员', '2026-01-01T00:00:00Z');
         INSERT INTO verification_policy VALUES
           ('349901', '2025-06-01', '{}', '核对员', '2025-06-01T00:00:00Z'),
           ('349901001', '2025-03-01', '{}', '核对员', '2025-03-01T00:00:00Z'),
           ('349999', '2025-03-01', '{}', '核对员', '2025-03-01T00:00:00Z');
         DELETE FROM schema_migration WHERE version = 8;",
        threshold(78_000, 2, "null", 24),
        threshold(70_000, 1, "4000", 12),
        threshold(1, 1, "null", 1),
    ))
    .await;
    raw.db.migrate().await.unwrap();

    let mut tx = raw.db.begin_read().await.unwrap();
    let versions: Vec<PolicyVersion> = policy::list_assistance_policies(&mut tx)
        .await
        .unwrap()
        .into_iter()
        .map(|row| PolicyVersion {
            id: row.id,
            region_code: code(&row.region_code),
            effective_from: row.effective_from,
            patch: serde_json::from_str(&row.patch).unwrap_or_else(|e| panic!("{e}: {}", row.patch)),
        })
        .collect();
    drop(tx);
    assert_eq!(versions.len(), 5, "two assistance versions kept, three merged ones added: {versions:?}");
    let at = |region: &str, on: &str| resolve(&versions, &code(region), day(on)).policy;

    // Before the verification policy: the assistance version alone.
    let p = at("349901002", "2025-05-31");
    assert_eq!((p.dibao_urban, p.dibao_rural, p.max_homes), (Fen(80_000), Fen(62_000), 1));
    // From it: the application standards stay (decisions were made with
    // them), the thresholds join, the other settings are kept.
    let p = at("349901002", "2025-06-01");
    assert_eq!((p.dibao_urban, p.dibao_rural, p.max_homes, p.deposit_months), (Fen(80_000), Fen(62_000), 2, 24));
    assert_eq!((p.review_notice, p.max_home_area_centi_m2), (false, 0));
    assert_eq!(p.thresholds(p.area).dibao_standard, Fen(62_000), "verification uses the standard applications use");
    // 2026: the county's new version sets only the urban standard, so the
    // rural one comes from its verification policy; the thresholds stay.
    let p = at("349901002", "2026-03-01");
    assert_eq!((p.dibao_urban, p.dibao_rural, p.max_homes), (Fen(85_000), Fen(78_000), 2));
    // The township's verification policy sets its standard for both.
    let p = at("349901001001", "2025-04-01");
    assert_eq!(
        (p.dibao_urban, p.dibao_rural, p.max_homes, p.max_home_area_centi_m2),
        (Fen(70_000), Fen(70_000), 1, 4_000)
    );
    assert_eq!((p.deposit_months, p.thresholds(Area::Urban).max_home_area_per_person_centi_m2), (12, Some(4_000)));
    assert!(versions.iter().all(|v| v.region_code != code("349999")), "regions gone from the tree are skipped");

    // The old table is gone.
    let gone = match raw.db.backend() {
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE name = 'verification_policy'",
        Backend::Postgres => "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'verification_policy'",
    };
    let count = raw.count(gone).await;
    assert_eq!(count, 0);
}
