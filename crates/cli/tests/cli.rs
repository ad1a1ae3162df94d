//! The `jiuzhu` binary itself: the batch verification on files, and the
//! audit chain check on a database someone edited behind its back.

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

fn workdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("jiuzhu-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn verify_writes_the_report_the_errors_and_a_summary() {
    let dir = workdir("verify");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("members.csv"), "household_id,id_number\nH1,11010519491231002X\nH1,110105500101001\n")
        .unwrap();
    std::fs::write(
        dir.join("data/deposit.csv"),
        "id_number,institution,balance_yuan,as_of_date\n11010519491231002x,银行,1000.5,2025-10-31\n123,银行,1,2025-10-31\n",
    )
    .unwrap();
    let out = jiuzhu(&dir, &["verify", "--members", "members.csv", "--data", "data", "--out", "report.csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = std::fs::read_to_string(dir.join("report.csv")).unwrap();
    assert_eq!(report.lines().nth(1), Some("H1,2,0,0,0,0,0.00,0,0,100050,0,0"));
    let errors = std::fs::read_to_string(dir.join("report.errors.csv")).unwrap();
    assert!(errors.contains("deposit.csv") && errors.contains(",3,") && errors.contains("18位"), "{errors}");
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("家庭 households: 1") && summary.contains("deposit"), "{summary}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn audit_verify_names_the_altered_record() {
    let dir = workdir("audit");
    let add = |login: &str| jiuzhu(&dir, &["user", "add", login, "--admin", "--password", "Qinghe-2025-cli"]);
    assert!(add("first").status.success());
    assert!(add("second").status.success());
    let ok = jiuzhu(&dir, &["audit", "verify"]);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stderr).contains("2 条记录"));

    // Someone with the database file drops the guard and edits record 1.
    let db = dir.join("jiuzhu.db");
    let edit = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3; c = sqlite3.connect('{}'); c.execute('DROP TRIGGER audit_event_no_update'); \
             c.execute(\"UPDATE audit_event SET login = 'nobody' WHERE seq = 1\"); c.commit()",
            db.display()
        ))
        .status()
        .expect("python3");
    assert!(edit.success());
    let broken = jiuzhu(&dir, &["audit", "verify"]);
    assert!(!broken.status.success());
    let message = String::from_utf8_lossy(&broken.stderr);
    assert!(message.contains("第 1 条记录被改动"), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn account_commands_manage_users_from_the_terminal() {
    let dir = workdir("users");
    assert!(jiuzhu(&dir, &["user", "add", "root", "--admin", "--password", "Qinghe-2025-cli"]).status.success());
    let clerk =
        ["user", "add", "wang", "--role", "township_clerk", "--region", "349901001", "--password", "Qinghe-2025-cli"];
    assert!(jiuzhu(&dir, &clerk).status.success());
    let weak = jiuzhu(&dir, &["user", "add", "li", "--role", "grid_worker", "--password", "short"]);
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("密码至少需要10个字符"));

    let token = jiuzhu(&dir, &["user", "token", "create", "wang", "--name", "统计系统"]);
    assert!(token.status.success());
    let token = String::from_utf8_lossy(&token.stdout).trim().to_string();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let second = jiuzhu(&dir, &["user", "token", "create", "wang", "--name", "报表", "--days", "30"]);
    assert!(second.status.success());
    assert!(!jiuzhu(&dir, &["user", "token", "create", "wang", "--name", "x", "--days", "400"]).status.success());
    let tokens = |dir| String::from_utf8_lossy(&jiuzhu(dir, &["user", "token", "list", "wang"]).stdout).into_owned();
    let listed = tokens(&dir);
    assert_eq!(listed.lines().filter(|l| l.ends_with("\tactive")).count(), 2, "{listed}");
    assert!(jiuzhu(&dir, &["user", "token", "revoke", "2"]).status.success());
    let listed = tokens(&dir);
    assert!(listed.lines().any(|l| l.starts_with("2\t报表") && l.ends_with("\trevoked")), "{listed}");

    // A reset revokes the tokens that were left (issue 10).
    assert!(jiuzhu(&dir, &["user", "passwd", "wang", "--password", "Another-2025-cli"]).status.success());
    let listed = tokens(&dir);
    assert!(listed.lines().all(|l| l.ends_with("\trevoked")), "{listed}");
    assert!(jiuzhu(&dir, &["user", "disable", "wang"]).status.success());
    let list = String::from_utf8_lossy(&jiuzhu(&dir, &["user", "list"]).stdout).into_owned();
    let wang = list.lines().find(|l| l.starts_with("wang\t")).unwrap_or_default();
    assert!(wang.contains("349901001000") && wang.contains("township_clerk") && wang.ends_with("disabled"), "{list}");
    assert!(list.lines().any(|l| l.starts_with("root\t") && l.ends_with("active")));
    let missing = jiuzhu(&dir, &["user", "disable", "nobody"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("没有该用户"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_against_the_database_stores_results_and_prints_the_report() {
    let dir = workdir("verify-db");
    let roster = format!("{}/../files/tests/fixtures/roster_utf8.csv", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    // The regions of the fixture, then its households.
    let regions =
        "340102,示范区\n340102001,城关镇\n340102001001,东村\n340102001002,南村\n340102002,河口镇\n340102002001,西村\n";
    std::fs::write(dir.join("regions.csv"), regions).unwrap();
    let out = jiuzhu(&dir, &["regions", "regions.csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = jiuzhu(&dir, &["import", &roster]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(dir.join("data/vehicle.csv"), "身份证号,车辆类型\n340102195803120137,小型轿车\nbad,小型轿车\n")
        .unwrap();

    let out = jiuzhu(&dir, &["verify", "--data", "data", "--as-of", "2025-10-01"]);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{summary}");
    assert!(summary.contains("读取 rows          2   拒绝 rejected       1"), "{summary}");
    assert!(summary.contains("部门数据导入用时 import"), "{summary}");
    assert!(summary.contains("家庭 households: 3") && summary.contains("有发现 with findings: 1"), "{summary}");
    assert!(summary.contains("拥有机动车"), "{summary}");

    let out = jiuzhu(&dir, &["report", "1", "--out", "report.pdf"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pdf = std::fs::read(dir.join("report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // A region outside the registry is refused before anything runs.
    let out = jiuzhu(&dir, &["verify", "--region", "34x"]);
    assert!(!out.status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 10, point 4: the key file and the checkpoint file anchor the audit
/// chain outside the database. Cutting the tail and rewinding the head
/// below a checkpoint, or rewriting a record with a recomputed plain hash,
/// is named by `audit verify`.
#[test]
fn audit_checkpoints_catch_a_cut_tail() {
    let dir = workdir("anchor");
    let add = |login: &str| jiuzhu(&dir, &["user", "add", login, "--admin", "--password", "Qinghe-2025-cli"]);
    for login in ["a1", "a2", "a3"] {
        assert!(add(login).status.success());
    }
    let key = std::fs::read_to_string(dir.join("jiuzhu.db.audit-key")).expect("key created beside the database");
    assert_eq!(key.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("jiuzhu.db.audit-key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let taken = jiuzhu(&dir, &["audit", "checkpoint"]);
    assert!(taken.status.success(), "{}", String::from_utf8_lossy(&taken.stderr));
    let ok = jiuzhu(&dir, &["audit", "verify"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stderr).contains("已对照 1 个检查点"));
    // An existing key is never overwritten.
    let again = jiuzhu(&dir, &["audit", "init-key", "--key-file", "jiuzhu.db.audit-key"]);
    assert!(!again.status.success());
    assert_eq!(std::fs::read_to_string(dir.join("jiuzhu.db.audit-key")).unwrap(), key);

    // Someone with the database file cuts the last record and rewinds the head.
    let db = dir.join("jiuzhu.db");
    let cut = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3; c = sqlite3.connect('{}'); c.execute('DROP TRIGGER audit_event_no_delete'); \
             n = c.execute('SELECT max(seq) FROM audit_event').fetchone()[0]; \
             c.execute('DELETE FROM audit_event WHERE seq = ?', (n,)); \
             h = c.execute('SELECT hash FROM audit_event WHERE seq = ?', (n - 1,)).fetchone()[0]; \
             c.execute('UPDATE audit_head SET seq = ?, hash = ?', (n - 1, h)); c.commit(); print(n)",
            db.display()
        ))
        .output()
        .expect("python3");
    assert!(cut.status.success(), "{}", String::from_utf8_lossy(&cut.stderr));
    let last: i64 = String::from_utf8_lossy(&cut.stdout).trim().parse().unwrap();
    let moved = dir.join("elsewhere.checkpoints");
    std::fs::rename(dir.join("jiuzhu.db.audit-checkpoints"), &moved).unwrap();
    let blind = jiuzhu(&dir, &["audit", "verify"]);
    assert!(blind.status.success(), "without its checkpoints the cut does not show");
    let broken = jiuzhu(&dir, &["audit", "verify", "--checkpoints", "elsewhere.checkpoints"]);
    assert!(!broken.status.success());
    let message = String::from_utf8_lossy(&broken.stderr);
    assert!(message.contains(&format!("缺少第 {last} 条起的记录")), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 10: a 5 KB workbook whose sheet claims A1:XFD1048576, with a cell
/// at XFD1048576, made `jiuzhu import` (and `verify --members`) abort on a
/// 512 GiB allocation. Now each exits with an error naming the cell.
#[test]
fn a_workbook_claiming_the_whole_sheet_is_an_error_not_an_abort() {
    let dir = workdir("hostile-xlsx");
    let script = r#"
import zipfile
parts = {
  "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
  "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
  "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
  "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
  "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>户编号</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>',
}
with zipfile.ZipFile("hostile.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in parts.items():
        z.writestr(name, text)
"#;
    let made = Command::new("python3").arg("-c").arg(script).current_dir(&dir).output().expect("python3");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let verify = ["verify", "--members", "hostile.xlsx", "--data", "data", "--out", "report.csv"];
    for args in [&["import", "hostile.xlsx"][..], &verify[..]] {
        let out = jiuzhu(&dir, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // An abort ends by a signal (no exit code); an error exits with one.
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("第1048576行XFD列超出范围"), "{args:?} names the cell: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
