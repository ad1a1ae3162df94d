//! The two files that anchor the audit chain outside the database, and the
//! `jiuzhu audit` commands that use them.
//!
//! - The key file: 32 random bytes as 64 hex digits, mode 0600, made by
//!   `jiuzhu audit init-key`. Every audit record's hash is an HMAC under
//!   it, so someone who can write to the database but cannot read this file
//!   cannot rewrite the log unnoticed. For a SQLite file the default is
//!   `<file>.audit-key`, created on first use (so the demo stays one
//!   command); PostgreSQL needs `--audit-key-file` / `JIUZHU_AUDIT_KEY_FILE`.
//! - The checkpoint file: one signed line per checkpoint of the chain's
//!   head, only ever appended to (`jiuzhu audit checkpoint`, and `serve`
//!   every ten minutes and when it stops), so that cutting the tail of the
//!   log and rewinding its head shows. Default: `<file>.audit-checkpoints`
//!   beside a SQLite file, `<key file>.checkpoints` otherwise.
//!
//! `docs/audit.md` tells the operator where to keep them.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use jiuzhu_app::{Actor, audit_log};
use jiuzhu_domain::audit::{AuditKey, ChainBreak, Checkpoint, parse_checkpoints};
use jiuzhu_domain::i18n::{Lang, Message};
use jiuzhu_store::Db;

/// Minutes between the checkpoints `serve` takes.
pub(crate) const CHECKPOINT_MINUTES: u64 = 10;

/// Where the key and the checkpoints are kept.
#[derive(Debug, Clone)]
pub(crate) struct AuditFiles {
    key: Option<PathBuf>,
    /// The key's path was given (not derived from the SQLite file): it is
    /// never created implicitly.
    key_given: bool,
    checkpoints: Option<PathBuf>,
    checkpoints_given: bool,
}

/// The file of a `sqlite:` URL, if it names one (not `:memory:`).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl AuditFiles {
    pub(crate) fn new(db_url: &str, key: Option<PathBuf>, checkpoints: Option<PathBuf>) -> AuditFiles {
        let beside_db = sqlite_file(db_url);
        let key_given = key.is_some();
        let checkpoints_given = checkpoints.is_some();
        let checkpoints = checkpoints.or_else(|| match (&key, &beside_db) {
            (Some(key), _) => Some(with_suffix(key, ".checkpoints")),
            (None, Some(db)) => Some(with_suffix(db, ".audit-checkpoints")),
            (None, None) => None,
        });
        let key = key.or_else(|| beside_db.map(|db| with_suffix(&db, ".audit-key")));
        AuditFiles { key, key_given, checkpoints, checkpoints_given }
    }

    /// The key for a database at `db_url`: read from the key file; the
    /// default key beside a SQLite file is created when missing (and
    /// `create` allows it). `None` only for an in-memory database.
    pub(crate) fn load_key(&self, db_url: &str, create: bool) -> Result<Option<AuditKey>> {
        let Some(path) = &self.key else {
            if db_url.starts_with("postgres") {
                bail!(
                    "PostgreSQL 数据库需要审计密钥文件：先运行 `jiuzhu audit init-key --key-file 路径`，\
                     再以 --audit-key-file 或 JIUZHU_AUDIT_KEY_FILE 指定（见 docs/audit.md）/ \
                     a PostgreSQL database needs an audit key file: create one with `jiuzhu audit init-key --key-file PATH` \
                     and give it as --audit-key-file or JIUZHU_AUDIT_KEY_FILE"
                );
            }
            return Ok(None);
        };
        if !path.exists() && create && !self.key_given {
            let key = init_key(path)?;
            tracing::warn!(
                path = %path.display(),
                fingerprint = %key.fingerprint(),
                "created the audit key beside the database; keep a copy away from the database (docs/audit.md)"
            );
            return Ok(Some(key));
        }
        read_key(path).map(Some)
    }

    /// The checkpoints taken so far (none when the default file does not
    /// exist yet). A line that is not a checkpoint signed with `key` is an
    /// error naming the line.
    pub(crate) fn read_checkpoints(&self, key: &AuditKey) -> Result<Vec<Checkpoint>> {
        let Some(path) = &self.checkpoints else { return Ok(Vec::new()) };
        if !path.exists() && !self.checkpoints_given {
            return Ok(Vec::new());
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("无法读取检查点文件 / cannot read the checkpoint file {}", path.display()))?;
        parse_checkpoints(&text, key)
            .map_err(|(line, e)| anyhow::anyhow!("检查点文件 {} 第 {line} 行：{e}", path.display()))
    }

    /// Appends `checkpoint` to the checkpoint file (created when missing)
    /// and flushes it to disk.
    pub(crate) fn append_checkpoint(&self, checkpoint: &Checkpoint, key: &AuditKey) -> Result<&Path> {
        let Some(path) = &self.checkpoints else {
            bail!(
                "没有检查点文件：请以 --audit-checkpoints 或 JIUZHU_AUDIT_CHECKPOINTS 指定 / no checkpoint file configured"
            )
        };
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(path)
            .with_context(|| format!("无法写入检查点文件 / cannot write the checkpoint file {}", path.display()))?;
        writeln!(file, "{}", checkpoint.to_line(key))?;
        file.sync_all()?;
        Ok(path)
    }
}

/// Creates a new key file at `path` (never over an existing one), readable
/// by its owner only.
pub(crate) fn init_key(path: &Path) -> Result<AuditKey> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
    let key = AuditKey::from_bytes(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| {
        format!("无法创建审计密钥文件（已存在的密钥不会被覆盖）/ cannot create the audit key file {}", path.display())
    })?;
    file.write_all(key.to_file_text().as_bytes())?;
    file.sync_all()?;
    Ok(key)
}

fn read_key(path: &Path) -> Result<AuditKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取审计密钥文件 / cannot read the audit key file {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "the audit key file is readable by others; chmod 600 it");
        }
    }
    AuditKey::parse_hex(&text).with_context(|| format!("审计密钥文件 {}", path.display()))
}

/// Takes a checkpoint of the head and appends it to the checkpoint file.
pub(crate) async fn checkpoint(db: &Db, files: &AuditFiles, now: chrono::DateTime<chrono::Utc>) -> Result<Checkpoint> {
    let key = db.audit_key().context("没有审计密钥 / no audit key")?;
    let checkpoint = audit_log::checkpoint(db, &Actor::system(), now).await?;
    files.append_checkpoint(&checkpoint, key)?;
    Ok(checkpoint)
}

/// Takes a checkpoint every [`CHECKPOINT_MINUTES`] while the server runs
/// (the first at once); failures are logged and retried at the next tick.
pub(crate) fn spawn_checkpoints(
    db: Db,
    files: AuditFiles,
    now: fn() -> chrono::DateTime<chrono::Utc>,
) -> Option<tokio::task::JoinHandle<()>> {
    db.audit_key()?;
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(std::time::Duration::from_secs(CHECKPOINT_MINUTES * 60));
        loop {
            ticks.tick().await;
            match checkpoint(&db, &files, now()).await {
                Ok(taken) => tracing::info!(seq = taken.seq, "audit checkpoint written"),
                Err(e) => tracing::error!(error = %format!("{e:#}"), "could not write an audit checkpoint"),
            }
        }
    }))
}

/// `jiuzhu audit verify`: the chain against the key and the checkpoints;
/// an error names the first bad record.
pub(crate) async fn verify(db: &Db, files: &AuditFiles) -> Result<String> {
    let key = db.audit_key().context("没有审计密钥 / no audit key")?;
    let checkpoints = files.read_checkpoints(key)?;
    let n_checkpoints = checkpoints.len();
    let res = audit_log::verify_against(db, &Actor::system(), &checkpoints).await?;
    let against = if n_checkpoints == 0 {
        Message::new("audit.verify.no_checkpoints")
    } else {
        Message::new("audit.verify.checkpoints").arg("n", n_checkpoints)
    };
    let intact = |records: i64| {
        format!("{}；{}", both(&Message::new("audit.verify.intact").arg("records", records)), both(&against))
    };
    match res {
        audit_log::Verification::Intact { records } => Ok(intact(records)),
        audit_log::Verification::IntactWithUnkeyed { records, unkeyed } => {
            Ok(format!("{}\n{}", intact(records), both(&Message::new("audit.verify.unkeyed").arg("unkeyed", unkeyed))))
        }
        audit_log::Verification::Broken(broken) => bail!("{}", describe_break(&broken)),
    }
}

/// A message for the terminal: Chinese, then English.
fn both(message: &Message) -> String {
    format!("{} / {}", message.render(Lang::Zh), message.render(Lang::En))
}

/// A chain break for the terminal, naming the first bad record.
pub(crate) fn describe_break(broken: &ChainBreak) -> String {
    both(&broken.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_files_lie_beside_a_sqlite_file() {
        let files = AuditFiles::new("sqlite:data/jiuzhu.db?mode=rwc", None, None);
        assert_eq!(files.key, Some(PathBuf::from("data/jiuzhu.db.audit-key")));
        assert_eq!(files.checkpoints, Some(PathBuf::from("data/jiuzhu.db.audit-checkpoints")));
        let files = AuditFiles::new("postgres://db/jz", Some("/etc/jiuzhu/key".into()), None);
        assert_eq!(files.checkpoints, Some(PathBuf::from("/etc/jiuzhu/key.checkpoints")));
        let files = AuditFiles::new("sqlite::memory:", None, None);
        assert_eq!((files.key, files.checkpoints), (None, None));
        assert!(AuditFiles::new("postgres://db/jz", None, None).load_key("postgres://db/jz", true).is_err());
    }
}
