//! The one `jiuzhu` binary: configuration, telemetry, the choice of
//! database from its URL, and the subcommands. This is the only place that
//! reads the system clock and the environment; everything below gets `now`
//! and typed settings passed in.
//!
//! Settings (each flag also reads an environment variable):
//! - `--db` / `JIUZHU_DATABASE_URL`: `sqlite:FILE` (default
//!   `sqlite:jiuzhu.db` in the working directory, created on first start)
//!   or `postgres://user@host/db`.
//! - `--addr` / `JIUZHU_ADDR`: where `serve` listens (default
//!   `127.0.0.1:8080`).
//! - `--font-dir` / `JIUZHU_FONT_DIR`: the CJK fonts for PDFs (default
//!   Debian's `fonts-noto-cjk`, `/usr/share/fonts/opentype/noto`).
//! - `--trusted-proxy` / `JIUZHU_TRUSTED_PROXIES`: reverse proxies (addresses
//!   or CIDR networks, comma-separated) whose `X-Forwarded-For` is believed;
//!   none by default, so the socket's peer is the client address.
//! - `--audit-key-file` / `JIUZHU_AUDIT_KEY_FILE`: the key that anchors the
//!   audit chain (default `<file>.audit-key` beside a SQLite file, created
//!   on first use; required for PostgreSQL), and `--audit-checkpoints` /
//!   `JIUZHU_AUDIT_CHECKPOINTS`: the append-only file of signed checkpoints
//!   of the chain's head (see `audit_files` and `docs/audit.md`).
//! - `--job-lease` / `JIUZHU_JOB_LEASE`: seconds a background worker holds
//!   a job between chunks (default 60); a killed worker's job is resumed by
//!   another after this long (see `worker`).
//! - `RUST_LOG`: log filter (default `info`).

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use jiuzhu_app::import::{ImportError, import_roster};
use jiuzhu_app::{Actor, auth, demo, registry};
use jiuzhu_domain::i18n::Lang;
use jiuzhu_store::Db;

mod audit_files;
mod pay;
mod pay_bank;
mod worker;

#[derive(Parser)]
#[command(name = "jiuzhu", version, about = "救助通 jiuzhu: social assistance case management")]
struct Cli {
    /// Database URL: sqlite:FILE or postgres://…
    #[arg(long, global = true, env = "JIUZHU_DATABASE_URL", default_value = "sqlite:jiuzhu.db")]
    db: String,
    /// The audit key file (64 hex digits, made by `jiuzhu audit init-key`).
    /// Default beside a SQLite file: FILE.audit-key, created on first use.
    /// Required for PostgreSQL. Keep it off the database host's backups.
    #[arg(long = "audit-key-file", visible_alias = "key-file", global = true, env = "JIUZHU_AUDIT_KEY_FILE")]
    audit_key_file: Option<std::path::PathBuf>,
    /// The append-only file of signed checkpoints of the audit chain's head.
    /// Default: FILE.audit-checkpoints beside a SQLite file, else KEYFILE.checkpoints.
    #[arg(long = "audit-checkpoints", visible_alias = "checkpoints", global = true, env = "JIUZHU_AUDIT_CHECKPOINTS")]
    audit_checkpoints: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web interface and the API.
    Serve {
        #[arg(long, env = "JIUZHU_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// Load the demo county first, if the database has no households.
        #[arg(long)]
        demo: bool,
        /// Households in the demo county.
        #[arg(long, default_value_t = demo::DEFAULT_HOUSEHOLDS)]
        households: usize,
        #[arg(long, default_value_t = 2025)]
        seed: u64,
        /// Folder with the Noto CJK fonts for PDFs.
        #[arg(long, env = "JIUZHU_FONT_DIR", default_value = jiuzhu_print::DEFAULT_FONT_DIR)]
        font_dir: std::path::PathBuf,
        /// A reverse proxy whose X-Forwarded-For is believed: an address or
        /// CIDR network, repeatable or comma-separated. None by default: the
        /// socket's peer is the client.
        #[arg(long = "trusted-proxy", env = "JIUZHU_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Vec<String>,
        /// Serve only: leave background jobs to separate `jiuzhu worker`
        /// processes.
        #[arg(long)]
        no_worker: bool,
        #[command(flatten)]
        worker: worker::WorkerArgs,
    },
    /// Run background jobs (batch verification runs) without serving pages,
    /// until Ctrl-C or SIGTERM. `serve` runs one too; more workers share the
    /// jobs.
    Worker {
        #[command(flatten)]
        worker: worker::WorkerArgs,
    },
    /// Create or update the database schema.
    Migrate,
    /// Generate the demo county: load it into the database, or write it as a
    /// roster file with --out.
    Demo {
        #[arg(long, default_value_t = demo::DEFAULT_HOUSEHOLDS)]
        households: usize,
        #[arg(long, default_value_t = 2025)]
        seed: u64,
        /// Write a roster CSV (UTF-8) here instead of loading the database.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// No month paid yet: the county with its entitlements and accounts
        /// but no payment roll (the payments benchmark's setup).
        #[arg(long)]
        unpaid: bool,
    },
    /// Load administrative regions from a CSV of `code,name` lines (统计用区划代码).
    Regions { file: std::path::PathBuf },
    /// Import a roster (CSV in UTF-8 or GBK, or xlsx). All or nothing.
    Import { file: std::path::PathBuf },
    /// Export the roster of a region to xlsx.
    Export {
        file: std::path::PathBuf,
        /// Region code; the whole registry when absent.
        #[arg(long)]
        region: Option<String>,
    },
    /// Economic verification (核对). With --members: on files, writing the
    /// household sums to --out. Without: the households in the database,
    /// after importing the department files of --data (if given) as new
    /// deliveries; results and findings are stored on each household.
    Verify {
        /// Roster of the members (household_id and id_number are used).
        #[arg(long)]
        members: Option<std::path::PathBuf>,
        /// Folder of department files named `<kind>.csv` or `<kind>.xlsx`.
        #[arg(long)]
        data: Option<std::path::PathBuf>,
        /// The report (CSV); rejected rows go to `<out stem>.errors.csv`.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Database mode: only the households of this region.
        #[arg(long)]
        region: Option<String>,
        /// Database mode: the date the delivered data is as of (default today).
        #[arg(long)]
        as_of: Option<String>,
        /// Database mode: queue the run as a background job (done by the
        /// worker of `serve` or `jiuzhu worker`) instead of running it here.
        #[arg(long)]
        background: bool,
    },
    /// Write the verification report (核对报告) of a stored result as PDF.
    Report {
        /// The result's number (shown on the household page and in the API).
        result: i64,
        #[arg(long)]
        out: std::path::PathBuf,
        /// Folder with the Noto CJK fonts.
        #[arg(long, env = "JIUZHU_FONT_DIR", default_value = jiuzhu_print::DEFAULT_FONT_DIR)]
        font_dir: std::path::PathBuf,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Payments: the month's roll, its bank file and the bank's return (approval stays with a person, in the pages or the API).
    #[command(subcommand)]
    Pay(pay::PayCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. `--admin` makes an administrator of the whole installation
    /// (the first account of a fresh install).
    Add {
        login: String,
        #[arg(long)]
        admin: bool,
        /// Display name (defaults to the login).
        #[arg(long)]
        name: Option<String>,
        /// Role code, repeatable: village_assistant, grid_worker, township_clerk,
        /// township_leader, county_clerk, county_approver, city_staff,
        /// verification_officer, auditor, administrator.
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Region code the user works in; empty for the whole installation.
        #[arg(long, default_value = "")]
        region: String,
        /// The password; read from JIUZHU_PASSWORD or standard input when absent.
        #[arg(long, env = "JIUZHU_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Set a temporary password (to be changed at the next sign-in).
    Passwd {
        login: String,
        #[arg(long, env = "JIUZHU_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Disable an account and end its sessions.
    Disable { login: String },
    /// API tokens: issue, list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// List the accounts.
    List,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue an API token for a user (printed once; send it as
    /// `Authorization: Bearer TOKEN`). It expires after --days (default 90,
    /// at most 365).
    Create {
        login: String,
        /// What the token is for, e.g. the system that uses it.
        #[arg(long)]
        name: String,
        #[arg(long)]
        days: Option<i64>,
    },
    /// List a user's tokens: number, purpose, issued, expires, last use, status.
    List { login: String },
    /// Revoke a token by its number (see `list`).
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the whole chain: every record's keyed hash under the key file,
    /// the links, the outcomes, the head and every checkpoint of the
    /// checkpoint file. Names the first bad record; fails if there is one.
    Verify,
    /// Append a signed checkpoint of the chain's head to the checkpoint file
    /// (`serve` also takes one every 10 minutes and when it stops).
    Checkpoint,
    /// Create a new audit key file (32 random bytes as hex, mode 0600). Never
    /// overwrites an existing key: records keyed with it could no longer be verified.
    InitKey,
}

/// The system clock, read here and nowhere else.
#[allow(clippy::disallowed_methods)]
fn system_now() -> DateTime<Utc> {
    Utc::now()
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("错误 / error: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let audit_files = audit_files::AuditFiles::new(&cli.db, cli.audit_key_file.clone(), cli.audit_checkpoints.clone());
    match cli.command {
        Command::Migrate => {
            open(&cli.db, &audit_files).await?;
            eprintln!("数据库已就绪 / database ready");
        }
        Command::Serve { addr, demo, households, seed, font_dir, trusted_proxies, no_worker, worker } => {
            let proxies = jiuzhu_web::TrustedProxies::parse(&trusted_proxies.join(","))
                .map_err(|e| anyhow::anyhow!("--trusted-proxy / JIUZHU_TRUSTED_PROXIES: {e}"))?;
            let db = open(&cli.db, &audit_files).await?;
            if demo {
                if load_demo(&db, households, seed, true, true).await? {
                    let started = std::time::Instant::now();
                    let found =
                        demo::load_demo_verification(&db, &Actor::system(), system_now(), seed, households).await?;
                    eprintln!(
                        "示范部门数据已导入并完成核对：{found} 户有核对发现，用时 {:.1} 秒",
                        started.elapsed().as_secs_f64()
                    );
                    let opened = demo::load_demo_cases(&db, &Actor::system(), system_now()).await?;
                    eprintln!("示范申请已录入：{opened} 件 / demo applications: {opened}");
                }
                demo_users(&db).await?;
            }
            // Checkpoints of the audit chain while serving, and one at the end.
            let checkpoints = audit_files::spawn_checkpoints(db.clone(), audit_files.clone(), system_now);
            // The background jobs, beside the pages; stopped after them.
            let jobs = (!no_worker).then(|| worker::spawn(db.clone(), &worker));
            let served = serve(db.clone(), &addr, font_dir, proxies).await;
            if let Some(jobs) = jobs {
                jobs.stop().await;
            }
            if let Some(task) = checkpoints {
                task.abort();
                if let Err(e) = audit_files::checkpoint(&db, &audit_files, system_now()).await {
                    eprintln!("未能写入审计检查点 / could not write the final audit checkpoint: {e:#}");
                }
            }
            served?;
        }
        Command::Demo { households, seed, out, unpaid } => match out {
            Some(path) => write_demo_csv(&path, households, seed)?,
            None => {
                let db = open(&cli.db, &audit_files).await?;
                load_demo(&db, households, seed, false, !unpaid).await?;
            }
        },
        Command::Regions { file } => {
            let db = open(&cli.db, &audit_files).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let (text, _) = jiuzhu_files::table::decode(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut regions = Vec::new();
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let (code, name) = line.split_once(',').with_context(|| format!("第{}行应为“代码,名称”", n + 1))?;
                let Ok(code) = jiuzhu_domain::RegionCode::parse(code.trim().trim_start_matches('\u{feff}')) else {
                    if n == 0 {
                        continue; // a header row
                    }
                    bail!("第{}行：区划代码不正确：{code}", n + 1);
                };
                regions.push(jiuzhu_domain::Region { code, name: name.trim().to_string() });
            }
            registry::upsert_regions(&db, &Actor::system(), system_now(), &regions).await?;
            eprintln!("已载入 {} 个区划 / regions loaded", regions.len());
        }
        Command::Import { file } => {
            let db = open(&cli.db, &audit_files).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            match import_roster(&db, &Actor::system(), system_now(), &bytes).await {
                Ok(s) => {
                    for w in &s.warnings {
                        eprintln!("提示：{}", w.render(Lang::Zh));
                    }
                    eprintln!(
                        "导入完成（{}）：新增 {} 户，更新 {} 户，未变化 {} 户，共 {} 人。",
                        s.format, s.created, s.updated, s.unchanged, s.persons
                    );
                }
                Err(ImportError::Rejected(problems)) => {
                    for p in &problems {
                        eprintln!("{}", p.render(Lang::Zh));
                    }
                    bail!("文件未导入：发现 {} 处问题，数据库未作任何改动。", problems.len());
                }
                Err(ImportError::App(e)) => return Err(e).context("import failed"),
            }
        }
        Command::Export { file, region } => {
            let db = open(&cli.db, &audit_files).await?;
            let region = match region {
                Some(r) => {
                    Some(jiuzhu_domain::RegionCode::parse(&r).map_err(|e| anyhow::anyhow!("区划代码不正确：{e}"))?)
                }
                None => None,
            };
            let data = registry::export_households(&db, &Actor::system(), system_now(), region.as_ref()).await?;
            let bytes = jiuzhu_files::export::roster_xlsx(&data).context("cannot write xlsx")?;
            std::fs::write(&file, bytes).with_context(|| format!("cannot write {}", file.display()))?;
            eprintln!("已导出 {} 户到 {}", data.len(), file.display());
        }
        Command::Verify { members: Some(members), data, out, .. } => {
            let (Some(data), Some(out)) = (data, out) else { bail!("--members 需要同时给出 --data 和 --out") };
            verify_files(&members, &data, &out)?
        }
        Command::Verify { members: None, data, region, as_of, background, .. } => {
            let db = open(&cli.db, &audit_files).await?;
            verify_database(&db, data.as_deref(), region.as_deref(), as_of.as_deref(), background).await?
        }
        Command::Worker { worker } => {
            let db = open(&cli.db, &audit_files).await?;
            worker::run_alone(db, &worker).await?
        }
        Command::Report { result, out, font_dir } => {
            let db = open(&cli.db, &audit_files).await?;
            let now = system_now();
            let report = jiuzhu_app::verification::report(&db, &Actor::system(), now, result).await?;
            let pdf = jiuzhu_web::verification::report_pdf(&report, now, &font_dir)?;
            std::fs::write(&out, pdf).with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("核对报告已写入 / report written: {}", out.display());
        }
        Command::Pay(command) => {
            let db = open(&cli.db, &audit_files).await?;
            pay::run(&db, system_now(), command).await?;
        }
        Command::User(command) => {
            let db = open(&cli.db, &audit_files).await?;
            user_command(&db, command).await?;
        }
        Command::Audit(AuditCommand::Verify) => {
            let db = open_for_audit(&cli.db, &audit_files).await?;
            eprintln!("{}", audit_files::verify(&db, &audit_files).await?);
        }
        Command::Audit(AuditCommand::Checkpoint) => {
            let db = open_for_audit(&cli.db, &audit_files).await?;
            let taken = audit_files::checkpoint(&db, &audit_files, system_now()).await?;
            eprintln!("已写入检查点 / checkpoint written: 第 {} 条记录 record, {}", taken.seq, taken.hash);
        }
        Command::Audit(AuditCommand::InitKey) => {
            let path = cli
                .audit_key_file
                .context("请以 --key-file 指定密钥文件路径 / give the key file's path with --key-file")?;
            let key = audit_files::init_key(&path)?;
            eprintln!(
                "已创建审计密钥 / audit key created: {} (指纹 fingerprint {})；请另存一份于保险柜，勿随数据库备份 / keep a copy in the safe, not with the database backups",
                path.display(),
                key.fingerprint()
            );
        }
    }
    Ok(())
}

/// `jiuzhu verify [--data DIR] [--region R]`: imports the department files
/// of DIR as deliveries (each whole or not at all), then verifies the
/// households in the database against the latest delivery of every kind.
async fn verify_database(
    db: &Db,
    data: Option<&std::path::Path>,
    region: Option<&str>,
    as_of: Option<&str>,
    background: bool,
) -> Result<()> {
    use jiuzhu_app::verification::{self as v, DeliveryError, DeliveryMeta, Selection};
    use jiuzhu_domain::dataset::DatasetKind;
    let actor = Actor::system();
    let now = system_now();
    let as_of = match as_of {
        Some(raw) => {
            jiuzhu_domain::dataset::parse_date(raw).with_context(|| format!("日期不正确 / not a date: {raw}"))?
        }
        None => jiuzhu_domain::i18n::china_date(now),
    };
    if let Some(dir) = data {
        let started = std::time::Instant::now();
        for kind in DatasetKind::ALL {
            let Some(path) =
                ["csv", "xlsx"].iter().map(|ext| dir.join(format!("{}.{ext}", kind.code()))).find(|p| p.exists())
            else {
                continue;
            };
            let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let meta = DeliveryMeta {
                kind,
                department: kind.department_zh().to_string(),
                as_of,
                file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            };
            let one = std::time::Instant::now();
            match v::import_delivery(db, &actor, now, meta, &bytes).await {
                Ok(done) => eprintln!(
                    "  {:<18} 读取 rows {:>10}   拒绝 rejected {:>7}   {:.2} s",
                    kind.code(),
                    done.delivery.rows_read,
                    done.delivery.rows_rejected,
                    one.elapsed().as_secs_f64()
                ),
                Err(DeliveryError::Rejected(problems)) => {
                    for p in &problems {
                        eprintln!("{}：{}", path.display(), p.render(Lang::Zh));
                    }
                    bail!("{} 未导入 / not imported", path.display());
                }
                Err(DeliveryError::App(e)) => return Err(e).context("import failed"),
            }
        }
        eprintln!("部门数据导入用时 import {:.2} s", started.elapsed().as_secs_f64());
    }
    let region = match region {
        Some(r) => Some(jiuzhu_domain::RegionCode::parse(r).map_err(|e| anyhow::anyhow!("区划代码不正确：{e}"))?),
        None => None,
    };
    if background {
        let job = jiuzhu_app::job::start_verification_run(db, &actor, now, region).await?;
        eprintln!("核对已排队，由后台任务进程执行 / queued as background job {}", job.id);
        return Ok(());
    }
    let started = std::time::Instant::now();
    let summary = v::run_verification(db, &actor, now, Selection::Region(region), &mut |done, total| {
        if done < total {
            eprint!("\r核对中 / verifying: {}/{total}            ", done + 1);
            let _ = std::io::stderr().flush();
        }
    })
    .await?;
    eprintln!();
    eprintln!("核对完成 / done in {:.2} s (run {})", started.elapsed().as_secs_f64(), summary.run_id);
    eprintln!(
        "  家庭 households: {}   成员 members: {}   有发现 with findings: {}",
        summary.households, summary.members, summary.with_findings
    );
    for (kind, matches) in &summary.matches {
        eprintln!("  {kind:<18} 匹配 matches {matches:>9}");
    }
    for (rule, n) in &summary.by_rule {
        eprintln!("  {:<28} {n:>9} 户", jiuzhu_domain::i18n::t(Lang::Zh, &format!("rule.{rule}")));
    }
    Ok(())
}

/// `jiuzhu verify --members --data --out`: the batch engine on files.
fn verify_files(members_path: &std::path::Path, data: &std::path::Path, out: &std::path::Path) -> Result<()> {
    let started = std::time::Instant::now();
    let (members, result) = jiuzhu_verify::verify_files(members_path, data, &mut |done, total, kind| {
        if done < total {
            eprint!("\r核对中 / verifying: {}/{total} {}            ", done + 1, kind.stem());
            let _ = std::io::stderr().flush();
        }
    })?;
    eprintln!();
    eprintln!("成员 / members: {} 人，{} 户", members.person_count(), members.households.len());
    let errors = &result.errors;
    let mut report = std::io::BufWriter::new(
        std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?,
    );
    jiuzhu_verify::write_report(&mut report, &result.households)?;
    report.flush()?;
    let errors_path = out.with_extension("errors.csv");
    let mut errors_file = std::io::BufWriter::new(std::fs::File::create(&errors_path)?);
    jiuzhu_verify::write_errors(&mut errors_file, errors, Lang::Zh)?;
    errors_file.flush()?;
    let duplicates = members.duplicates();
    eprintln!("核对完成 / done in {:.2} s", started.elapsed().as_secs_f64());
    eprintln!(
        "  家庭 households: {}   成员 members: {}   重复救助线索 in several households: {}",
        result.households.len(),
        result.members,
        duplicates.len()
    );
    for (kind, stats) in &result.datasets {
        eprintln!(
            "  {:<18} 读取 rows {:>10}   拒绝 rejected {:>7}   匹配 matches {:>9}",
            kind.stem(),
            stats.rows,
            stats.rejected,
            stats.matches
        );
    }
    let (listed, most) = (errors.len(), jiuzhu_verify::ERRORS_LISTED);
    eprintln!(
        "  报告 report: {}   列出问题行 rejected rows listed: {listed} → {}（每个文件最多 {most} 行 / at most {most} a file）",
        out.display(),
        errors_path.display(),
    );
    Ok(())
}

fn read_password(given: Option<String>) -> Result<String> {
    if let Some(p) = given {
        return Ok(p);
    }
    eprint!("密码 / password: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn user_command(db: &Db, command: UserCommand) -> Result<()> {
    let system = Actor::system();
    let now = system_now();
    let find = |login: String| async move {
        let users = auth::list_users(db, &Actor::system(), system_now()).await?;
        users
            .into_iter()
            .find(|u| u.login == login)
            .ok_or_else(|| anyhow::anyhow!("没有该用户 / no such user: {login}"))
    };
    match command {
        UserCommand::Add { login, admin, name, roles, region, password } => {
            let roles = if admin { vec!["administrator".to_string()] } else { roles };
            let form = auth::UserForm {
                display_name: name.unwrap_or_else(|| login.clone()),
                login,
                region_code: if admin { String::new() } else { region },
                roles,
                ..Default::default()
            };
            let password = read_password(password)?;
            match auth::create_user(db, &system, now, &form, &password, false).await {
                Ok(id) => eprintln!("已创建用户 / user created: {} (#{id})", form.login),
                Err(e) => bail!("{}", describe(&e)),
            }
        }
        UserCommand::Passwd { login, password } => {
            let user = find(login).await?;
            let password = read_password(password)?;
            auth::reset_password(db, &system, now, user.id, &password)
                .await
                .map_err(|e| anyhow::anyhow!(describe(&e)))?;
            eprintln!("已设置临时密码，用户下次登录时须修改 / temporary password set for {}", user.login);
        }
        UserCommand::Disable { login } => {
            let user = find(login).await?;
            let (id, login) = (user.id, user.login.clone());
            let form = auth::UserForm { disabled: true, ..auth::UserForm::from(user) };
            auth::update_user(db, &system, now, id, &form).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
            eprintln!("已停用 / disabled: {login}");
        }
        UserCommand::Token(TokenCommand::Create { login, name, days }) => {
            let user = find(login).await?;
            let token = random_token()?;
            let form = auth::TokenForm { name: name.clone(), days };
            let issued = auth::create_api_token(db, &system, now, auth::Via::Session, user.id, &form, &token)
                .await
                .map_err(|e| anyhow::anyhow!(describe(&e)))?;
            writeln!(std::io::stdout(), "{token}")?;
            eprintln!(
                "已为 {} 签发接口令牌“{name}”（#{}，{} 到期，只显示一次）/ API token issued (shown once)",
                user.login,
                issued.view.id,
                issued.view.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
        }
        UserCommand::Token(TokenCommand::List { login }) => {
            let user = find(login).await?;
            let mut out = std::io::stdout().lock();
            let at = |t: Option<DateTime<Utc>>| t.map_or("-".to_string(), |t| t.format("%Y-%m-%dT%H:%MZ").to_string());
            for t in
                auth::list_api_tokens(db, &system, now, user.id).await.map_err(|e| anyhow::anyhow!(describe(&e)))?
            {
                let status = if t.revoked_at.is_some() {
                    "revoked"
                } else if t.active {
                    "active"
                } else {
                    "expired"
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{status}",
                    t.id,
                    t.name,
                    at(Some(t.created_at)),
                    at(Some(t.expires_at)),
                    at(t.last_used_at)
                )?;
            }
        }
        UserCommand::Token(TokenCommand::Revoke { id }) => {
            let t = auth::revoke_api_token(db, &system, now, id).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
            eprintln!("已吊销令牌 #{}“{}” / token revoked", t.id, t.name);
        }
        UserCommand::List => {
            let mut out = std::io::stdout().lock();
            for u in auth::list_users(db, &system, now).await? {
                let status = if u.disabled {
                    "disabled"
                } else if u.locked {
                    "locked"
                } else {
                    "active"
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{status}",
                    u.login,
                    u.display_name,
                    u.region_code.unwrap_or_default(),
                    u.roles.join(",")
                )?;
            }
        }
    }
    Ok(())
}

/// A use-case error for the terminal, in Chinese.
fn describe(err: &jiuzhu_app::AppError) -> String {
    match err {
        jiuzhu_app::AppError::Invalid(errors) => {
            errors.iter().map(|e| e.message.render(Lang::Zh)).collect::<Vec<_>>().join("；")
        }
        jiuzhu_app::AppError::Conflict(m) => m.render(Lang::Zh),
        other => other.to_string(),
    }
}

/// A random API token: 32 bytes, hex.
fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
    Ok(hex::encode(bytes))
}

/// A random password that meets the policy.
fn random_password() -> Result<String> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
    Ok(format!("Jz-{}-demo", hex::encode(bytes)))
}

/// The demo's accounts, created with random passwords on an installation
/// that has none, and printed once.
async fn demo_users(db: &Db) -> Result<()> {
    if auth::user_count(db).await? > 0 {
        return Ok(());
    }
    let county = demo::COUNTY_CODE;
    let accounts = [
        ("admin", "系统管理员", "administrator", String::new()),
        ("county", "区民政局经办人", "county_clerk", county.to_string()),
        ("clerk", "城关街道经办人", "township_clerk", format!("{county}001")),
        ("leader", "城关街道分管领导", "township_leader", format!("{county}001")),
        ("village", "城关街道协理员", "village_assistant", format!("{county}001001")),
        ("auditor", "区纪检监察", "auditor", county.to_string()),
        ("hedui", "区核对中心核对员", "verification_officer", county.to_string()),
        ("shenpi", "区民政局审批人", "county_approver", county.to_string()),
    ];
    eprintln!("演示账号（仅本次显示）/ demo accounts (shown once):");
    for (login, name, role, region) in accounts {
        let password = random_password()?;
        let form = auth::UserForm {
            login: login.to_string(),
            display_name: name.to_string(),
            region_code: region.clone(),
            roles: vec![role.to_string()],
            ..Default::default()
        };
        auth::create_user(db, &Actor::system(), system_now(), &form, &password, false)
            .await
            .map_err(|e| anyhow::anyhow!(describe(&e)))?;
        eprintln!("  {login:<8} {password}  {name}");
    }
    Ok(())
}

/// Opens and migrates the database, with its audit key (the default key
/// beside a SQLite file is created when missing).
async fn open(url: &str, audit_files: &audit_files::AuditFiles) -> Result<Db> {
    open_with_key(url, audit_files, true).await
}

/// Opens the database for checking its audit chain: the key must exist.
async fn open_for_audit(url: &str, audit_files: &audit_files::AuditFiles) -> Result<Db> {
    open_with_key(url, audit_files, false).await
}

async fn open_with_key(url: &str, audit_files: &audit_files::AuditFiles, create_key: bool) -> Result<Db> {
    let key = audit_files.load_key(url, create_key)?;
    let db = Db::connect(url).await.with_context(|| format!("cannot open database {}", redact(url)))?;
    db.migrate().await.context("cannot migrate the database")?;
    Ok(match key {
        Some(key) => db.with_audit_key(key),
        None => db,
    })
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Loads the demo county; false when it was skipped (the database already
/// has households).
async fn load_demo(db: &Db, households: usize, seed: u64, skip_if_loaded: bool, paid: bool) -> Result<bool> {
    let started = std::time::Instant::now();
    let mut last_shown = 0;
    let mut progress = |done: usize, total: usize| {
        if done == total || done - last_shown >= total / 100 {
            last_shown = done;
            eprint!(
                "\r载入示范县 / loading demo county: {done}/{total} 户 ({:.0}%)",
                done as f64 * 100.0 / total.max(1) as f64
            );
            let _ = std::io::stderr().flush();
        }
    };
    let (actor, now) = (Actor::system(), system_now());
    let res = if paid {
        demo::load_demo(db, &actor, now, seed, households, &mut progress).await
    } else {
        demo::load_demo_unpaid(db, &actor, now, seed, households, &mut progress).await
    };
    match res {
        Ok(n) => {
            eprintln!("\n示范县已载入：{n} 户，用时 {:.1} 秒", started.elapsed().as_secs_f64());
            Ok(true)
        }
        Err(jiuzhu_app::AppError::Conflict(_)) if skip_if_loaded => {
            eprintln!("数据库中已有家庭数据，跳过示范数据 / the database already has households; demo not loaded");
            Ok(false)
        }
        Err(e) => Err(e).context("cannot load the demo county"),
    }
}

fn write_demo_csv(path: &std::path::Path, households: usize, seed: u64) -> Result<()> {
    let regions = demo::regions(seed);
    let generator = demo::HouseholdGenerator::new(seed, households, &regions, system_now().date_naive());
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    writeln!(
        out,
        "户编号,区划代码,身份证号,姓名,与户主关系,家庭住址,联系电话,共同生活,残疾等级,残疾类别,重病,救助类别,月保障金额"
    )?;
    let yes_no = |b: bool| if b { "是" } else { "否" };
    for (h, members) in generator {
        for m in members {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                h.external_id,
                h.region_code,
                m.id_number,
                m.name.as_str(),
                m.relation.label(Lang::Zh),
                h.address,
                h.phone,
                yes_no(m.co_residing),
                m.disability.map(|d| d.level.get().to_string()).unwrap_or_default(),
                m.disability.map(|d| d.kind.label(Lang::Zh)).unwrap_or_default(),
                yes_no(m.serious_illness),
                h.program.map(|p| p.label(Lang::Zh)).unwrap_or_default(),
                h.monthly_benefit.map(|f| f.to_plain_yuan()).unwrap_or_default(),
            )?;
        }
    }
    out.flush()?;
    eprintln!("已写出示范花名册 {}（{households} 户）", path.display());
    Ok(())
}

async fn serve(db: Db, addr: &str, font_dir: std::path::PathBuf, proxies: jiuzhu_web::TrustedProxies) -> Result<()> {
    let state =
        jiuzhu_web::AppState::new(db, Arc::new(system_now)).with_font_dir(font_dir).with_trusted_proxies(proxies);
    let app = jiuzhu_web::router(state);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    eprintln!("救助通已启动 / jiuzhu is running: http://{local}/");
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(super::redact("postgres://jz:secret@db:5432/jz"), "postgres://jz:***@db:5432/jz");
        assert_eq!(super::redact("sqlite:jiuzhu.db"), "sqlite:jiuzhu.db");
    }
}
