//! The background worker in the binary: `jiuzhu serve` runs it beside the
//! web server, `jiuzhu worker` runs it alone (several may run at once, on
//! one host or several: each claims a job with a lease). The worker's name
//! (host and process), its lease, the system clock and the stop signal are
//! set here. Told to stop (Ctrl-C; `jiuzhu worker` also on SIGTERM) a
//! worker finishes its chunk and releases its job for the next worker; a
//! worker that is killed holds its job until the lease runs out, then
//! another resumes it.

use std::sync::Arc;

use jiuzhu_app::job::{AfterChunk, WorkerConfig, run_worker};
use jiuzhu_store::Db;
use tokio::sync::watch;

/// How the worker works.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct WorkerArgs {
    /// Seconds a worker holds a job between two chunks; a worker that dies
    /// is replaced after this long.
    #[arg(long = "job-lease", env = "JIUZHU_JOB_LEASE", default_value_t = 60)]
    job_lease: u32,
    /// Households written per chunk of a verification run.
    #[arg(long = "job-chunk", default_value_t = 5_000)]
    job_chunk: usize,
    /// For tests: after this many chunks stop working, say so on stderr,
    /// and wait (to be killed).
    #[arg(long = "pause-after-chunks", hide = true)]
    pause_after_chunks: Option<u64>,
}

/// `host:pid`, so a lease names the process holding it.
fn worker_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    let host = if host.is_empty() { "jiuzhu".to_string() } else { host };
    format!("{host}:{}", std::process::id())
}

fn config(args: &WorkerArgs) -> WorkerConfig {
    let mut config = WorkerConfig::new(worker_name());
    config.lease = chrono::Duration::seconds(i64::from(args.job_lease.max(1)));
    config.chunk = args.job_chunk.max(1);
    if let Some(pause) = args.pause_after_chunks {
        config.after_chunk = Some(Arc::new(move |n| {
            if n >= pause {
                eprintln!("任务已暂停 / paused after {n} chunks");
                // Hold the job (and this thread) until the process is killed.
                loop {
                    std::thread::park();
                }
            }
            AfterChunk::Continue
        }));
    }
    config
}

/// A worker running in the background of this process.
pub(crate) struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Tells the worker to stop after its current chunk and waits for it.
    pub(crate) async fn stop(self) {
        self.stop.send_replace(true);
        if let Err(e) = self.task.await {
            eprintln!("后台任务进程异常结束 / the worker ended abnormally: {e}");
        }
    }
}

/// Starts a worker on the runtime.
pub(crate) fn spawn(db: Db, args: &WorkerArgs) -> Running {
    let (stop, watching) = watch::channel(false);
    let config = config(args);
    tracing::info!(worker = %config.name, "background worker started");
    let task = tokio::spawn(run_worker(db, config, Arc::new(crate::system_now), watching));
    Running { stop, task }
}

/// `jiuzhu worker`: runs jobs until Ctrl-C or SIGTERM.
pub(crate) async fn run_alone(db: Db, args: &WorkerArgs) -> anyhow::Result<()> {
    let running = spawn(db, args);
    eprintln!("后台任务进程已启动 / the worker is running (Ctrl-C to stop)");
    shutdown_signal().await;
    eprintln!("正在停止 / stopping after the current chunk");
    running.stop().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM (what service managers send to `jiuzhu worker`).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => return ctrl_c.await,
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}
