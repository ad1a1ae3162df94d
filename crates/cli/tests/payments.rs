//! The bank file and the bank's return from the command line, and
//! `jiuzhu` killed with SIGKILL in the middle of payments (issue 12 point 8
//! and the kill -9 acceptance point), on SQLite and PostgreSQL, on the demo
//! county (its draft roll of this month approved here by 审批, as a person
//! would in the pages).
//!
//! - `pay export` writes the approved roll's file and prints its SHA-256,
//!   lines and total; a re-export writes the same bytes; a draft's export is
//!   refused.
//! - `pay returns` with a return that does not match the roll (an amount
//!   changed, a line missing) prints every problem with its line in Chinese,
//!   exits non-zero and changes nothing; an accepted one prints the paid and
//!   failed counts and closes the roll.
//! - Killed just before its transaction commits (`--pause-before-commit`),
//!   `pay roll` leaves no roll and `pay returns` no return, no line paid or
//!   failed, no correction, no claim held and the roll exported; run again,
//!   each does its whole work once. On a larger county, `pay roll` and
//!   `pay returns` killed a little later each time until one completes
//!   leave nothing before that, then the whole of it. The audit chain
//!   verifies afterwards.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use jiuzhu_app::payment::roll as pay;
use jiuzhu_domain::audit::AuditKey;
use jiuzhu_domain::payment::roll::{LineResult, RollKind, RollState};
use jiuzhu_store::payment_return as returns;
use jiuzhu_store::payment_roll::{self as rolls, RollRow};
use jiuzhu_store::{Db, Within};

const COUNTY: &str = "349901";

/// The clock, as the binary reads it (the demo's months are this month's).
#[allow(clippy::disallowed_methods)]
fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jiuzhu-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary on the database `url`, with the audit key in `dir`.
fn jiuzhu(dir: &Path, url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jiuzhu"));
    command
        .args(["--db", url, "--audit-key-file", "audit.key"])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env_remove("JIUZHU_DATABASE_URL");
    command
}

fn output(dir: &Path, url: &str, args: &[&str]) -> Output {
    jiuzhu(dir, url).args(args).output().expect("run jiuzhu")
}

/// Runs `args`, which must succeed; its stdout.
fn run(dir: &Path, url: &str, args: &[&str]) -> String {
    let out = output(dir, url, args);
    assert!(out.status.success(), "jiuzhu {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Starts `args` with `--pause-before-commit`, waits until it says it is
/// about to commit, and kills it with SIGKILL.
fn kill_before_commit(dir: &Path, url: &str, args: &[&str]) {
    let mut child = jiuzhu(dir, url)
        .args(args)
        .arg("--pause-before-commit")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start jiuzhu");
    let mut said = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines().map_while(Result::ok) {
        let paused = line.contains("paused before commit");
        said.push(line);
        if paused {
            break;
        }
    }
    assert!(said.last().is_some_and(|l| l.contains("paused before commit")), "jiuzhu {args:?} did not pause: {said:?}");
    child.kill().unwrap(); // SIGKILL: no chance to roll back or clean up
    child.wait().unwrap();
}

/// The demo county in a fresh database, and the store on it with the
/// binary's audit key (approval writes audit records into the same chain).
async fn demo(dir: &Path, url: &str, households: u32) -> Db {
    run(dir, url, &["audit", "init-key"]);
    run(dir, url, &["demo", "--households", &households.to_string()]);
    let key = AuditKey::parse_hex(&std::fs::read_to_string(dir.join("audit.key")).unwrap()).unwrap();
    Db::connect(url).await.unwrap().with_audit_key(key)
}

async fn rolls_of(db: &Db) -> Vec<RollRow> {
    let mut tx = db.begin_read().await.unwrap();
    let mut rows = rolls::list_rolls(&mut tx, &Within::everything(), None, 1_000).await.unwrap();
    rows.sort_by_key(|r| r.id);
    rows
}

async fn roll(db: &Db, id: i64) -> RollRow {
    let mut tx = db.begin_read().await.unwrap();
    rolls::get_roll(&mut tx, id).await.unwrap().expect("the roll")
}

/// The demo's draft roll of this month, approved by the county's 审批
/// (the demo's clerk prepared it).
async fn approve_draft(db: &Db) -> RollRow {
    let draft = rolls_of(db).await.into_iter().find(|r| r.state == RollState::Draft).expect("the demo's draft roll");
    let approver = jiuzhu_app::payment::demo::approver().unwrap();
    pay::approve(db, &approver, now(), draft.id, draft.version).await.unwrap();
    roll(db, draft.id).await
}

/// Every line of a roll, by 序号.
async fn lines_of(db: &Db, id: i64) -> Vec<rolls::LineRow> {
    let mut tx = db.begin_read().await.unwrap();
    rolls::roll_lines(&mut tx, id, 0, 1_000_000).await.unwrap()
}

/// Everything a return import may change, to compare before and after.
async fn payment_state(db: &Db, id: i64) -> String {
    let roll = roll(db, id).await;
    let lines: Vec<_> = lines_of(db, id).await.into_iter().map(|l| (l.seq, l.result, l.failure_reason)).collect();
    let mut tx = db.begin_read().await.unwrap();
    let everything = Within::everything();
    let ret = returns::get_return(&mut tx, id).await.unwrap().map(|r| r.id);
    let corrections = returns::corrections(&mut tx, &everything, false, 1_000).await.unwrap().len();
    let live = rolls::live_claims(&mut tx, &everything).await.unwrap().len();
    let taken = rolls::taken_claims(&mut tx, &everything).await.unwrap().len();
    format!("{:?} {ret:?} corrections {corrections} live {live} taken {taken} {lines:?}", roll.state)
}

/// A roll is whole: its recorded counts and totals are those of its lines,
/// and its lines claim exactly their months.
async fn assert_whole(db: &Db, roll: &RollRow) {
    let lines = lines_of(db, roll.id).await;
    let sent: Vec<_> = lines.iter().filter(|l| l.result != LineResult::NoAccount).collect();
    let unsent: Vec<_> = lines.iter().filter(|l| l.result == LineResult::NoAccount).collect();
    assert!(!sent.is_empty(), "roll {} has lines to send", roll.id);
    assert_eq!(sent.len() as i64, roll.lines, "roll {}: lines", roll.id);
    assert_eq!(sent.iter().map(|l| l.amount.0).sum::<i64>(), roll.total.0, "roll {}: total", roll.id);
    assert_eq!(unsent.len() as i64, roll.no_account_lines, "roll {}: lines without an account", roll.id);
    let mut tx = db.begin_read().await.unwrap();
    let claims = rolls::roll_claims(&mut tx, roll.id).await.unwrap();
    assert_eq!(claims.len() as i64, lines.iter().map(|l| l.months).sum::<i64>(), "roll {}: claims", roll.id);
    for line in &lines {
        let fen: i64 = claims.iter().filter(|c| c.4 == line.id).map(|c| c.2.0).sum();
        assert_eq!(fen, line.amount.0, "roll {} line {}: its months", roll.id, line.seq);
    }
}

/// The bank's return of an exported file (GBK CSV): 处理结果 and 失败原因
/// added, the lines whose 序号 is in `failed` failed with 账户已销户; `edit`
/// may change or drop a line's cells.
fn bank_return(file: &[u8], failed: &[&str], edit: impl Fn(&mut Vec<String>) -> bool) -> Vec<u8> {
    let (text, _, errors) = encoding_rs::GBK.decode(file);
    assert!(!errors);
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("序号") {
            out.push(format!("{line},处理结果,失败原因"));
        } else if line.starts_with("合计") {
            out.push(line.to_string());
        } else {
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            if !edit(&mut cells) {
                continue;
            }
            let failure = failed.contains(&cells[0].as_str());
            cells.extend(if failure { ["失败", "账户已销户"] } else { ["成功", ""] }.map(str::to_string));
            out.push(cells.join(","));
        }
    }
    encoding_rs::GBK.encode(&(out.join("\r\n") + "\r\n")).0.into_owned()
}

/// `pay export`, a re-export, a refused return, a killed import, an
/// accepted import.
async fn bank_file_and_return(dir: &Path, url: &str) {
    let db = demo(dir, url, 120).await;
    let approved = approve_draft(&db).await;
    let id = approved.id.to_string();

    // A draft (next month's, made here) has no bank file yet.
    let next = approved.month.next().to_string();
    run(dir, url, &["pay", "roll", "--month", &next, "--region", COUNTY]);
    let draft = rolls_of(&db).await.into_iter().find(|r| r.state == RollState::Draft).unwrap();
    let refused = output(dir, url, &["pay", "export", &draft.id.to_string(), "--out", "draft.csv"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("银行代发文件未导出"));
    assert!(!dir.join("draft.csv").exists());

    let stdout = run(dir, url, &["pay", "export", &id, "--out", "bank.csv"]);
    let file = std::fs::read(dir.join("bank.csv")).unwrap();
    let exported = roll(&db, approved.id).await;
    assert_eq!(exported.state, RollState::Exported);
    let sha = jiuzhu_files::bank::sha256_hex(&file);
    assert_eq!(exported.file_sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(
        stdout,
        format!(
            "花名册第{id}号银行代发文件已写入 bank.csv\nSHA-256\t{sha}\n笔数\t{}\n金额合计\t{}\n",
            approved.lines, approved.total
        )
    );
    run(dir, url, &["pay", "export", &id, "--out", "again.csv"]);
    assert_eq!(std::fs::read(dir.join("again.csv")).unwrap(), file, "a re-export writes the same bytes");

    // A return whose line 2 says 1.00元 more and line 4 1.00元 less (the
    // trailer still adds up) and whose 序号3 became 9999: refused, each
    // problem with its line, nothing changed.
    let before = payment_state(&db, approved.id).await;
    let wrong = bank_return(&file, &[], |cells| {
        let shift = match cells[0].as_str() {
            "2" => 100,
            "4" => -100,
            "3" => {
                cells[0] = "9999".to_string();
                0
            }
            _ => 0,
        };
        let fen: i64 = cells[7].replace('.', "").parse().unwrap();
        let fen = fen + shift;
        cells[7] = format!("{}.{:02}", fen / 100, fen % 100);
        true
    });
    std::fs::write(dir.join("wrong.csv"), wrong).unwrap();
    let refused = output(dir, url, &["pay", "returns", &id, "wrong.csv"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("回盘文件未导入，未作任何更改"), "{stderr}");
    assert!(stderr.contains("共4个问题"), "{stderr}");
    for line in ["第3行", "第4行", "第5行", "序号3"] {
        assert!(stderr.contains(line), "{line} (序号2 is the file's 3rd line): {stderr}");
    }
    assert_eq!(payment_state(&db, approved.id).await, before, "a refused return changes nothing");

    // The right return (序号 1 failed), killed just before it commits:
    // nothing of it is left.
    std::fs::write(dir.join("return.csv"), bank_return(&file, &["1"], |_| true)).unwrap();
    kill_before_commit(dir, url, &["pay", "returns", &id, "return.csv"]);
    assert_eq!(payment_state(&db, approved.id).await, before, "a killed import leaves nothing");
    assert!(
        lines_of(&db, approved.id)
            .await
            .iter()
            .all(|l| l.result == LineResult::Pending || l.result == LineResult::NoAccount)
    );

    // Run again, it is applied whole, once.
    let stdout = run(dir, url, &["pay", "returns", &id, "return.csv"]);
    let lines = lines_of(&db, approved.id).await;
    let first = lines.iter().find(|l| l.seq == 1).unwrap();
    let paid: Vec<_> = lines.iter().filter(|l| l.result == LineResult::Paid).collect();
    assert_eq!(first.result, LineResult::Failed);
    assert_eq!(first.failure_reason.as_deref(), Some("账户已销户"));
    assert_eq!(paid.len() as i64, approved.lines - 1);
    let paid_fen = jiuzhu_domain::Fen(paid.iter().map(|l| l.amount.0).sum());
    assert_eq!(
        stdout,
        format!(
            "花名册第{id}号回盘已导入：共{}笔\n成功\t{}笔\t{paid_fen}\n失败\t1笔\t{}\n待更正\t1笔（请在“待更正”页面处理）\n",
            approved.lines,
            approved.lines - 1,
            first.amount
        )
    );
    assert_eq!(roll(&db, approved.id).await.state, RollState::Closed);
    let mut tx = db.begin_read().await.unwrap();
    let open = returns::corrections(&mut tx, &Within::everything(), true, 100).await.unwrap();
    assert_eq!(open.iter().filter(|c| c.roll_id == approved.id).count(), 1);
    drop(tx);
    let again = output(dir, url, &["pay", "returns", &id, "return.csv"]);
    assert!(!again.status.success(), "a return is imported once");

    run(dir, url, &["audit", "verify"]);
    db.close().await;
}

/// `pay roll` killed just before it commits, then run whole; then killed at
/// arbitrary moments, and so is `pay returns`.
async fn killed_at_any_moment(dir: &Path, url: &str) {
    let db = demo(dir, url, 2_000).await;
    let before = rolls_of(&db).await;
    let month = before.iter().map(|r| r.month).max().unwrap().next().to_string();
    let args = ["pay", "roll", "--month", month.as_str(), "--region", COUNTY];

    kill_before_commit(dir, url, &args);
    assert_eq!(rolls_of(&db).await.len(), before.len(), "a killed generation leaves no roll");

    run(dir, url, &args);
    let after = rolls_of(&db).await;
    assert_eq!(after.len(), before.len() + 1);
    let made = after.last().unwrap();
    assert_eq!((made.month.to_string(), made.kind, made.state), (month.clone(), RollKind::Regular, RollState::Draft));
    assert_whole(&db, made).await;

    // A supplementary roll of the same month killed a little later each
    // time until one is made: before that no roll, then a whole one.
    let args = ["pay", "roll", "--month", month.as_str(), "--region", COUNTY, "--supplementary"];
    let mut delay_ms = 20.0;
    let mut kills = 0;
    loop {
        kill_after(dir, url, &args, delay_ms as u64).await;
        let new: Vec<_> = rolls_of(&db).await.into_iter().filter(|r| r.id > made.id).collect();
        match new.as_slice() {
            [] => kills += 1,
            [roll] => break assert_whole(&db, roll).await,
            more => panic!("one run made {} rolls", more.len()),
        }
        assert!(kills < 40, "pay roll never completed");
        delay_ms *= 1.25;
    }
    eprintln!("pay roll: killed {kills} times before it completed in {delay_ms:.0} ms");

    // The return of this month's roll (3,000-odd lines) killed a little
    // later each time until it is applied: before that nothing of it.
    let approved = approve_draft(&db).await;
    let id = approved.id.to_string();
    run(dir, url, &["pay", "export", &id, "--out", "bank.csv"]);
    let file = std::fs::read(dir.join("bank.csv")).unwrap();
    std::fs::write(dir.join("return.csv"), bank_return(&file, &["7"], |_| true)).unwrap();
    let before = payment_state(&db, approved.id).await;
    let mut delay_ms = 20.0;
    let mut kills = 0;
    while payment_state(&db, approved.id).await == before {
        assert!(kills < 40, "pay returns never completed");
        kill_after(dir, url, &["pay", "returns", &id, "return.csv"], delay_ms as u64).await;
        kills += 1;
        delay_ms *= 1.25;
    }
    eprintln!("pay returns: killed {} times before it completed", kills - 1);
    let lines = lines_of(&db, approved.id).await;
    assert_eq!(roll(&db, approved.id).await.state, RollState::Closed);
    assert_eq!(lines.iter().filter(|l| l.result == LineResult::Paid).count() as i64, approved.lines - 1);
    assert_eq!(lines.iter().find(|l| l.seq == 7).map(|l| l.result), Some(LineResult::Failed));
    let mut tx = db.begin_read().await.unwrap();
    let open = returns::corrections(&mut tx, &Within::everything(), true, 100).await.unwrap();
    assert_eq!(open.iter().filter(|c| c.roll_id == approved.id).count(), 1, "one correction");
    drop(tx);

    run(dir, url, &["audit", "verify"]);
    db.close().await;
}

/// Starts `args` and kills it with SIGKILL after `delay_ms` (done or not).
async fn kill_after(dir: &Path, url: &str, args: &[&str], delay_ms: u64) {
    let mut child = jiuzhu(dir, url).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
    let _ = child.kill();
    child.wait().unwrap();
}

#[tokio::test]
async fn bank_file_and_return_from_the_command_line_on_sqlite() {
    let dir = workdir("pay-bank-sqlite");
    let url = format!("sqlite:{}", dir.join("jiuzhu.db").display());
    bank_file_and_return(&dir, &url).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn bank_file_and_return_from_the_command_line_on_postgresql() {
    let dir = workdir("pay-bank-postgres");
    let (db, url) = jiuzhu_testkit::postgres_with_url().await;
    db.close().await;
    bank_file_and_return(&dir, &url).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_killed_roll_or_return_leaves_nothing_half_done_on_sqlite() {
    let dir = workdir("pay-kill-sqlite");
    let url = format!("sqlite:{}", dir.join("jiuzhu.db").display());
    killed_at_any_moment(&dir, &url).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_killed_roll_or_return_leaves_nothing_half_done_on_postgresql() {
    let dir = workdir("pay-kill-postgres");
    let (db, url) = jiuzhu_testkit::postgres_with_url().await;
    db.close().await;
    killed_at_any_moment(&dir, &url).await;
    std::fs::remove_dir_all(&dir).unwrap();
}
