//! `jiuzhu pay export` and `jiuzhu pay returns`: a roll's bank file and the
//! bank's return, for scripted use (issue 12 point 8), through the same use
//! cases as the pages (`app::payment::export`, `app::payment::returns`), as
//! the system actor like `pay roll`; approving a roll stays with a person.
//!
//! - `pay export ROLL --out FILE` writes the approved roll's bank file and
//!   prints its SHA-256, lines and total in 元; a re-export writes the same
//!   bytes.
//! - `pay returns ROLL FILE` applies the bank's return whole, printing the
//!   paid and failed counts, or refuses it whole, printing every problem
//!   with its line in Chinese and exiting non-zero, nothing changed. The
//!   file is read from disk as it is, without the web's upload limit (a
//!   return of a million lines is about 100 MB).
//!
//! For tests, `--pause-before-commit` (hidden) makes `pay roll` and
//! `pay returns` stop inside their transaction just before it commits, say
//! so on stderr and wait to be killed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use jiuzhu_app::payment::export::export_file;
use jiuzhu_app::payment::returns::import_return_then;
use jiuzhu_app::{Actor, AppError};
use jiuzhu_domain::Fen;
use jiuzhu_domain::i18n::Lang;
use jiuzhu_store::Db;

/// What `--pause-before-commit` does: says so on stderr, then holds the
/// open transaction until the process is killed.
pub(crate) fn pause_before_commit() {
    eprintln!("即将提交，已暂停 / paused before commit");
    loop {
        std::thread::park();
    }
}

/// The hook of a use case when `--pause-before-commit` was given.
pub(crate) fn hook(pause: bool) -> Option<&'static (dyn Fn() + Sync)> {
    pause.then_some(&pause_before_commit as &'static (dyn Fn() + Sync))
}

/// A refusal in Chinese: every problem on its own line.
pub(crate) fn refusal(what: &str, e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(errors) if !errors.is_empty() => {
            let lines: Vec<String> = errors.iter().map(|e| e.message.render(Lang::Zh)).collect();
            anyhow::anyhow!("{what}，共{}个问题：\n{}", lines.len(), lines.join("\n"))
        }
        AppError::Conflict(m) => anyhow::anyhow!("{what}：{}", m.render(Lang::Zh)),
        AppError::NotFound => anyhow::anyhow!("{what}：没有这个花名册 / no such roll"),
        other => anyhow::Error::from(other),
    }
}

/// `jiuzhu pay export ROLL --out FILE`.
pub(crate) async fn export(db: &Db, now: DateTime<Utc>, roll: i64, out: &Path) -> Result<()> {
    let file = export_file(db, &Actor::system(), now, roll)
        .await
        .map_err(|e| refusal(&format!("花名册第{roll}号的银行代发文件未导出"), e))?;
    std::fs::write(out, &file.bytes).with_context(|| format!("无法写入 / cannot write {}", out.display()))?;
    let summary = &file.summary;
    println!("花名册第{roll}号银行代发文件已写入 {}", out.display());
    println!("SHA-256\t{}", summary.sha256);
    println!("笔数\t{}", summary.lines);
    println!("金额合计\t{}", Fen(summary.total_fen));
    Ok(())
}

/// `jiuzhu pay returns ROLL FILE`.
pub(crate) async fn returns(db: &Db, now: DateTime<Utc>, roll: i64, file: &PathBuf, pause: bool) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取 / cannot read {}", file.display()))?;
    if bytes.is_empty() {
        bail!("回盘文件是空的 / the return file is empty: {}", file.display());
    }
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let done = import_return_then(db, &Actor::system(), now, roll, &name, &bytes, hook(pause))
        .await
        .map_err(|e| refusal(&format!("花名册第{roll}号的回盘文件未导入，未作任何更改"), e))?;
    println!("花名册第{roll}号回盘已导入：共{}笔", done.lines);
    println!("成功\t{}笔\t{}", done.paid, Fen(done.paid_fen));
    println!("失败\t{}笔\t{}", done.failed, Fen(done.failed_fen));
    if !done.corrections.is_empty() {
        println!("待更正\t{}笔（请在“待更正”页面处理）", done.corrections.len());
    }
    Ok(())
}
