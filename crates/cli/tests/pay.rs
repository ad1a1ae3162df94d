//! `jiuzhu pay roll`: a month's roll generated from the command line as a
//! draft (approval stays with a person), for every county or the region
//! given; a second regular roll of the same month is refused in Chinese.

use std::process::Command;

fn jiuzhu(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jiuzhu"))
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env_remove("JIUZHU_DATABASE_URL")
        .output()
        .expect("run jiuzhu")
}

#[test]
fn pay_roll_generates_a_draft_roll_per_county() {
    let dir = std::env::temp_dir().join(format!("jiuzhu-cli-pay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let roster = format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"));
    let regions =
        "340102,示范区\n340102001,城关镇\n340102001001,东村\n340102001002,南村\n340102002,河口镇\n340102002001,西村\n";
    std::fs::write(dir.join("regions.csv"), regions).unwrap();
    assert!(jiuzhu(&dir, &["regions", "regions.csv"]).status.success());
    assert!(jiuzhu(&dir, &["import", &roster]).status.success());

    // The roster's three households are owed from the month of the import;
    // none has an account yet, so nothing is sent.
    let out = jiuzhu(&dir, &["pay", "roll", "--month", "2099-01"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.trim(), "示范区\t2099年1月\t花名册第1号（待审批）：发放0笔，共0.00元；3笔未登记收款账户");

    let again = jiuzhu(&dir, &["pay", "roll", "--month", "2099-01", "--region", "340102"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("该地区该月份的花名册已经存在"));

    let township = jiuzhu(&dir, &["pay", "roll", "--month", "2099-01", "--region", "340102001", "--group", "dibao"]);
    assert!(township.status.success(), "{}", String::from_utf8_lossy(&township.stderr));
    assert!(String::from_utf8_lossy(&township.stdout).contains("城关镇\t2099年1月\t花名册第2号"));
    assert!(!jiuzhu(&dir, &["pay", "roll", "--month", "2099-13"]).status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}
