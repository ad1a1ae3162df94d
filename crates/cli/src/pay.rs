//! `jiuzhu pay …`: payments for scripted use. `pay roll` generates a month's
//! roll (发放花名册) as a draft, at once; approval stays with a person, in
//! the pages or the API. `pay export` and `pay returns` (the bank file and
//! the bank's return) are in `pay_bank`.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use jiuzhu_app::payment::roll::{self as pay, GenerateRoll};

use crate::pay_bank;
use jiuzhu_app::{Actor, registry};
use jiuzhu_domain::entitlement::YearMonth;
use jiuzhu_domain::i18n::Lang;
use jiuzhu_domain::payment::roll::{ProgramGroup, RollKind};
use jiuzhu_domain::{Fen, RegionCode};
use jiuzhu_store::Db;

#[derive(Subcommand)]
pub(crate) enum PayCommand {
    /// Generate the payment roll of a month as a draft, for the county or
    /// township given, or for every county of the registry.
    Roll {
        /// The month paid (补贴期号), `2026-12`.
        #[arg(long)]
        month: String,
        /// A county or township code; every county when absent.
        #[arg(long)]
        region: Option<String>,
        /// The programmes: all (default), dibao or tekun.
        #[arg(long, default_value = "all")]
        group: String,
        /// A supplementary roll (corrections) instead of the month's regular one.
        #[arg(long)]
        supplementary: bool,
        /// For tests: stop just before the roll's transaction commits, say
        /// so on stderr, and wait (to be killed).
        #[arg(long = "pause-before-commit", hide = true)]
        pause_before_commit: bool,
    },
    /// Write the bank file (代发文件) of an approved roll; prints its
    /// SHA-256, lines and total. A re-export writes the same bytes.
    Export {
        /// The roll's number.
        roll: i64,
        /// Where to write the file.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Import the bank's return (回盘文件) of an exported roll: applied
    /// whole, or refused whole with every problem listed.
    Returns {
        /// The roll's number.
        roll: i64,
        /// The return file.
        file: std::path::PathBuf,
        /// For tests: stop just before the import's transaction commits,
        /// say so on stderr, and wait (to be killed).
        #[arg(long = "pause-before-commit", hide = true)]
        pause_before_commit: bool,
    },
}

pub(crate) async fn run(db: &Db, now: DateTime<Utc>, command: PayCommand) -> Result<()> {
    match command {
        PayCommand::Roll { month, region, group, supplementary, pause_before_commit } => {
            roll(db, now, &month, region.as_deref(), &group, supplementary, pause_before_commit).await
        }
        PayCommand::Export { roll, out } => pay_bank::export(db, now, roll, &out).await,
        PayCommand::Returns { roll, file, pause_before_commit } => {
            pay_bank::returns(db, now, roll, &file, pause_before_commit).await
        }
    }
}

async fn roll(
    db: &Db,
    now: DateTime<Utc>,
    month: &str,
    region: Option<&str>,
    group: &str,
    supplementary: bool,
    pause: bool,
) -> Result<()> {
    let actor = Actor::system();
    let month = YearMonth::parse(month).with_context(|| format!("月份不正确 / not a month: {month}"))?;
    let Some(group) = ProgramGroup::parse(group) else {
        bail!("救助项目不正确 / not a programme group: {group}")
    };
    let regions: Vec<RegionCode> = match region {
        Some(raw) => vec![RegionCode::parse(raw).map_err(|e| anyhow::anyhow!("区划代码不正确：{e}"))?],
        None => registry::region_tree_nodes(db, &actor, now)
            .await?
            .into_iter()
            .filter(|n| n.level == "county")
            .filter_map(|n| RegionCode::parse(&n.code).ok())
            .collect(),
    };
    if regions.is_empty() {
        bail!("没有县级区划，请以 --region 指定 / no county in the registry: give --region");
    }
    let kind = if supplementary { RollKind::Supplementary } else { RollKind::Regular };
    for region in regions {
        let ask = GenerateRoll { month, region: Some(region.clone()), group, kind };
        let roll = pay::generate_then(db, &actor, now, ask, pay_bank::hook(pause)).await.map_err(|e| match e {
            jiuzhu_app::AppError::Conflict(m) => anyhow::anyhow!("{}：{}", region, m.render(Lang::Zh)),
            jiuzhu_app::AppError::Invalid(errors) if !errors.is_empty() => {
                anyhow::anyhow!("{}：{}", region, errors[0].message.render(Lang::Zh))
            }
            other => anyhow::Error::from(other),
        })?;
        println!(
            "{}\t{}\t花名册第{}号（待审批）：发放{}笔，共{}；{}笔未登记收款账户",
            roll.region_name,
            roll.month.label(Lang::Zh),
            roll.id,
            roll.lines,
            Fen(roll.total_fen),
            roll.no_account_lines
        );
    }
    Ok(())
}
