//! Background jobs: work too long for one request (a county-wide
//! verification run, a large roster or delivery import) is queued as a job
//! and done by a worker in chunks, each committed with its progress.
//!
//! This module holds the rules; the store keeps the rows and the app runs
//! the jobs. A job is [`JobState::Queued`] until a worker claims it with a
//! [`Lease`], [`JobState::Running`] while the lease holder works and renews
//! the lease at every chunk, and ends [`JobState::Done`],
//! [`JobState::Failed`] or [`JobState::Cancelled`].
//!
//! - A worker that dies (a `kill -9`, a power cut) stops renewing its lease.
//!   Once the lease has run out another worker may claim the job again and
//!   resume it; after [`MAX_ATTEMPTS`] claims the job fails instead, so a
//!   job that kills its worker every time does not loop for ever.
//! - Only the lease holder may record progress or end the job: a worker
//!   that lost its lease (it stalled, another claimed the job) is told so at
//!   its next chunk and stops.
//! - Cancelling a queued job ends it at once; a running job is asked to stop
//!   and its worker ends it (removing what it wrote) at its next chunk.
//! - At most one job of a kind is active (queued or running) per region
//!   ([`may_start`]); the store's unique index says the same.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Permission;
use crate::i18n::Message;
use crate::region::RegionCode;

labeled_enum! {
    /// What a job does.
    JobKind {
        VerificationRun = "verification_run" [],
        RosterImport = "roster_import" [],
        DeliveryImport = "delivery_import" [],
        PaymentRoll = "payment_roll" [],
    }
}

impl JobKind {
    /// The permission starting (and cancelling) a job of this kind takes.
    pub fn permission(self) -> Permission {
        match self {
            JobKind::VerificationRun => Permission::VerificationRun,
            JobKind::RosterImport => Permission::RegistryImport,
            JobKind::DeliveryImport => Permission::DeliveryImport,
            JobKind::PaymentRoll => Permission::PaymentPrepare,
        }
    }
}

labeled_enum! {
    /// Where a job is in its life.
    JobState {
        Queued = "queued" [],
        Running = "running" [],
        Done = "done" [],
        Failed = "failed" [],
        Cancelled = "cancelled" [],
    }
}

impl JobState {
    /// Queued or running: the job holds its kind and region.
    pub fn is_active(self) -> bool {
        matches!(self, JobState::Queued | JobState::Running)
    }
}

/// How far a job is: `done` of `total` units (records read, households
/// written; the job kind decides). `done` never exceeds `total`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    done: u64,
    total: u64,
}

impl Progress {
    /// `done` of `total`, `done` capped at `total`.
    pub fn new(done: u64, total: u64) -> Progress {
        Progress { done: done.min(total), total }
    }

    pub fn done(self) -> u64 {
        self.done
    }

    pub fn total(self) -> u64 {
        self.total
    }

    /// Whole percent done, rounded down (100 only when all is done); a job
    /// that does not know its total yet is at 0.
    pub fn percent(self) -> u8 {
        (u128::from(self.done) * 100).checked_div(u128::from(self.total)).map_or(0, |p| p as u8)
    }
}

/// Who may work on a running job, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The worker's name (host and process, chosen by the binary).
    pub owner: String,
    pub until: DateTime<Utc>,
}

/// How many times a job is claimed before it is given up: the first run
/// and two restarts after a lost lease.
pub const MAX_ATTEMPTS: u32 = 3;

/// How long a claim or a renewal holds: longer than any one chunk takes,
/// short enough that a dead worker's job is picked up again soon.
pub const LEASE: Duration = Duration::seconds(60);

/// A job as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub kind: JobKind,
    /// `None`: the whole installation.
    pub region: Option<RegionCode>,
    pub state: JobState,
    pub progress: Progress,
    pub lease: Option<Lease>,
    /// Claims so far.
    pub attempts: u32,
    pub cancel_requested: bool,
    /// Why it failed.
    pub error: Option<Message>,
}

/// Why a job cannot change as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Another job of the kind is queued or running in the region.
    #[error("a job of this kind is already active in the region")]
    AlreadyActive,
    /// Another worker holds a lease that has not run out.
    #[error("the job is leased to another worker")]
    Leased,
    /// The worker does not hold the job's lease (any more).
    #[error("the worker does not hold the job's lease")]
    LeaseLost,
    /// The job has ended.
    #[error("the job has ended")]
    Ended,
}

impl JobError {
    /// The catalogue key of the text shown to the user.
    pub fn message_key(&self) -> &'static str {
        match self {
            JobError::AlreadyActive => "job.error.already_active",
            JobError::Leased => "job.error.leased",
            JobError::LeaseLost => "job.error.lease_lost",
            JobError::Ended => "job.error.ended",
        }
    }
}

/// Whether a job of `kind` may start in `region` while `active` jobs (kind
/// and region of each queued or running one) exist: not when one of the
/// same kind holds the same region. Jobs of other kinds, and of the same
/// kind in other regions (a township's run during the county's), go on.
pub fn may_start<'a>(
    kind: JobKind,
    region: Option<&RegionCode>,
    active: impl IntoIterator<Item = (JobKind, Option<&'a RegionCode>)>,
) -> Result<(), JobError> {
    if active.into_iter().any(|(k, r)| k == kind && r == region) { Err(JobError::AlreadyActive) } else { Ok(()) }
}

impl Job {
    /// A new job, waiting for a worker.
    pub fn queued(kind: JobKind, region: Option<RegionCode>) -> Job {
        Job {
            kind,
            region,
            state: JobState::Queued,
            progress: Progress::default(),
            lease: None,
            attempts: 0,
            cancel_requested: false,
            error: None,
        }
    }

    /// Whether a worker may claim it at `now`: queued, or running on a
    /// lease that has run out.
    pub fn claimable(&self, now: DateTime<Utc>) -> bool {
        match self.state {
            JobState::Queued => true,
            JobState::Running => self.lease.as_ref().is_none_or(|l| l.until <= now),
            _ => false,
        }
    }

    /// `worker` claims the job at `now` for `lease` (normally [`LEASE`]). A
    /// job whose lease ran out after [`MAX_ATTEMPTS`] claims fails instead
    /// (the result says so in its state). A job asked to stop while its
    /// worker was gone is claimed still, so that the claimer removes what
    /// was written.
    pub fn claim(&self, worker: &str, now: DateTime<Utc>, lease: Duration) -> Result<Job, JobError> {
        if !self.state.is_active() {
            return Err(JobError::Ended);
        }
        if !self.claimable(now) {
            return Err(JobError::Leased);
        }
        if self.attempts >= MAX_ATTEMPTS {
            let error = Message::new("job.error.gave_up").arg("attempts", self.attempts);
            return Ok(Job { state: JobState::Failed, lease: None, error: Some(error), ..self.clone() });
        }
        Ok(Job {
            state: JobState::Running,
            lease: Some(Lease { owner: worker.to_string(), until: now + lease }),
            attempts: self.attempts + 1,
            ..self.clone()
        })
    }

    fn held_by(&self, worker: &str) -> Result<(), JobError> {
        match (&self.state, &self.lease) {
            (JobState::Running, Some(lease)) if lease.owner == worker => Ok(()),
            (state, _) if !state.is_active() => Err(JobError::Ended),
            _ => Err(JobError::LeaseLost),
        }
    }

    /// The lease holder records `progress` at `now` and keeps the job for
    /// another `lease`. A holder whose lease ran out may still renew it as
    /// long as nobody claimed the job in between.
    pub fn renew(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
        progress: Progress,
    ) -> Result<Job, JobError> {
        self.held_by(worker)?;
        Ok(Job { progress, lease: Some(Lease { owner: worker.to_string(), until: now + lease }), ..self.clone() })
    }

    /// The lease holder stops working on the job without ending it (the
    /// server shuts down): the job is claimable again at once.
    pub fn release(&self, worker: &str, now: DateTime<Utc>) -> Result<Job, JobError> {
        self.held_by(worker)?;
        Ok(Job { lease: Some(Lease { owner: worker.to_string(), until: now }), ..self.clone() })
    }

    /// The lease holder finished the work.
    pub fn finish(&self, worker: &str) -> Result<Job, JobError> {
        self.held_by(worker)?;
        let progress = Progress::new(self.progress.total, self.progress.total);
        Ok(Job { state: JobState::Done, lease: None, progress, ..self.clone() })
    }

    /// The lease holder could not do the work, for `error`.
    pub fn fail(&self, worker: &str, error: Message) -> Result<Job, JobError> {
        self.held_by(worker)?;
        Ok(Job { state: JobState::Failed, lease: None, error: Some(error), ..self.clone() })
    }

    /// Someone asks the job to stop: a queued job is cancelled at once, a
    /// running one is asked (its worker stops at its next chunk).
    pub fn request_cancel(&self) -> Result<Job, JobError> {
        match self.state {
            JobState::Queued => Ok(Job { state: JobState::Cancelled, cancel_requested: true, ..self.clone() }),
            JobState::Running => Ok(Job { cancel_requested: true, ..self.clone() }),
            _ => Err(JobError::Ended),
        }
    }

    /// The lease holder stopped as asked, having removed what it wrote.
    pub fn cancelled(&self, worker: &str) -> Result<Job, JobError> {
        self.held_by(worker)?;
        Ok(Job { state: JobState::Cancelled, lease: None, ..self.clone() })
    }
}

/// The texts of jobs (part of the one catalogue).
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("JobKind.verification_run", "批量核对", "Batch verification"),
    ("JobKind.roster_import", "花名册导入", "Roster import"),
    ("JobKind.delivery_import", "部门数据导入", "Department data import"),
    ("JobKind.payment_roll", "生成发放花名册", "Payment roll generation"),
    ("JobState.queued", "排队等候", "Queued"),
    ("JobState.running", "正在进行", "Running"),
    ("JobState.done", "已完成", "Done"),
    ("JobState.failed", "未能完成", "Failed"),
    ("JobState.cancelled", "已取消", "Cancelled"),
    (
        "job.error.already_active",
        "本辖区已有一项同类任务正在排队或进行，请等其完成或取消后再发起。",
        "A job of this kind is already queued or running for this region; wait for it to finish or cancel it first.",
    ),
    ("job.error.leased", "该任务正由其他进程处理。", "Another worker is doing this job."),
    ("job.error.lease_lost", "该任务已转由其他进程处理。", "Another worker has taken over this job."),
    ("job.error.ended", "该任务已经结束。", "This job has already ended."),
    (
        "job.error.gave_up",
        "任务已尝试{attempts}次均未完成，已停止，请检查后重新发起。",
        "The job was tried {attempts} times without finishing and was stopped; check and start it again.",
    ),
    ("job.progress", "已处理 {done} / {total}（{percent}%）", "{done} of {total} processed ({percent}%)"),
    ("job.started_by", "发起人", "Started by"),
    ("job.created_at", "发起时间", "Started at"),
    ("job.everywhere", "全部辖区", "Everywhere"),
    ("job.waiting", "正在排队，稍后开始处理。", "Waiting to start."),
    (
        "job.leave_help",
        "任务在后台进行，可离开本页，稍后再回来查看结果。",
        "The job runs in the background: you may leave this page and come back for the result.",
    ),
    ("job.cancel", "取消任务", "Cancel the job"),
    ("job.cancelling", "已申请取消，正在停止。", "Cancelling."),
    ("job.cancelled_note", "任务已取消，没有保存任何结果。", "The job was cancelled; nothing was saved."),
    ("job.see_runs", "查看核对记录", "See the verification runs"),
    ("job.list", "后台任务", "Background jobs"),
    ("job.view", "查看进度", "Progress"),
    ("job.state", "状态", "State"),
    (
        "job.delivery_done",
        "部门数据导入完成：读取 {rows_read} 行，其中 {rows_rejected} 行有误未收录。",
        "Delivery imported: {rows_read} rows read, {rows_rejected} rejected.",
    ),
    ("job.see_delivery", "查看本批部门数据", "See the delivery"),
    (
        "job.error.internal",
        "处理过程中出现系统错误，请联系管理员。",
        "A system error stopped the job; contact the administrator.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, tf};

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_547_200 + seconds, 0).unwrap()
    }

    fn region(code: &str) -> Option<RegionCode> {
        Some(RegionCode::parse(code).unwrap())
    }

    /// Given a job, when something happens, then it is in this state.
    struct Given(Job);

    fn given_queued() -> Given {
        Given(Job::queued(JobKind::VerificationRun, region("340102")))
    }

    impl Given {
        fn when(self, step: impl FnOnce(&Job) -> Result<Job, JobError>) -> Given {
            let next = step(&self.0).expect("the step is allowed");
            Given(next)
        }

        fn refused(&self, step: impl FnOnce(&Job) -> Result<Job, JobError>) -> JobError {
            step(&self.0).expect_err("the step is refused")
        }

        #[track_caller]
        fn then(self, state: JobState, owner: Option<&str>, attempts: u32) -> Given {
            assert_eq!(self.0.state, state);
            assert_eq!(self.0.lease.as_ref().map(|l| l.owner.as_str()), owner);
            assert_eq!(self.0.attempts, attempts);
            self
        }
    }

    #[test]
    fn a_claimed_job_runs_renews_and_finishes() {
        given_queued()
            .then(JobState::Queued, None, 0)
            .when(|j| j.claim("w1", at(0), LEASE))
            .then(JobState::Running, Some("w1"), 1)
            .when(|j| j.renew("w1", at(30), LEASE, Progress::new(10, 100)))
            .then(JobState::Running, Some("w1"), 1)
            .when(|j| j.finish("w1"))
            .then(JobState::Done, None, 1);
    }

    #[test]
    fn a_claim_holds_for_the_lease_and_a_renewal_extends_it() {
        let running = given_queued().when(|j| j.claim("w1", at(0), LEASE)).0;
        assert_eq!(running.lease.as_ref().unwrap().until, at(60));
        assert!(!running.claimable(at(59)));
        assert!(running.claimable(at(60)));
        let renewed = running.renew("w1", at(50), LEASE, Progress::new(1, 2)).unwrap();
        assert_eq!(renewed.lease.unwrap().until, at(110));
        assert_eq!(renewed.progress, Progress::new(1, 2));
    }

    #[test]
    fn a_running_job_is_not_claimed_while_its_lease_holds() {
        let g = given_queued().when(|j| j.claim("w1", at(0), LEASE));
        assert_eq!(g.refused(|j| j.claim("w2", at(59), LEASE)), JobError::Leased);
    }

    #[test]
    fn a_job_whose_lease_ran_out_is_claimed_again_and_the_old_worker_is_told() {
        let g = given_queued()
            .when(|j| j.claim("w1", at(0), LEASE))
            .when(|j| j.renew("w1", at(20), LEASE, Progress::new(5, 10)))
            .when(|j| j.claim("w2", at(80), LEASE))
            .then(JobState::Running, Some("w2"), 2);
        assert_eq!(g.0.progress, Progress::new(5, 10), "the new worker sees where the old one stopped");
        assert_eq!(g.refused(|j| j.renew("w1", at(81), LEASE, Progress::new(6, 10))), JobError::LeaseLost);
        assert_eq!(g.refused(|j| j.finish("w1")), JobError::LeaseLost);
    }

    #[test]
    fn a_holder_late_to_renew_keeps_the_job_if_nobody_claimed_it() {
        given_queued()
            .when(|j| j.claim("w1", at(0), LEASE))
            .when(|j| j.renew("w1", at(90), LEASE, Progress::new(1, 3)))
            .then(JobState::Running, Some("w1"), 1);
    }

    #[test]
    fn a_released_job_is_claimable_at_once() {
        let g = given_queued()
            .when(|j| j.claim("w1", at(0), LEASE))
            .when(|j| j.renew("w1", at(10), LEASE, Progress::new(4, 8)))
            .when(|j| j.release("w1", at(20)));
        assert!(g.0.claimable(at(20)));
        assert_eq!(g.refused(|j| j.release("w2", at(20))), JobError::LeaseLost);
        g.when(|j| j.claim("w2", at(20), LEASE)).then(JobState::Running, Some("w2"), 2);
    }

    #[test]
    fn after_three_lost_leases_the_job_fails_instead_of_being_claimed() {
        let g = given_queued()
            .when(|j| j.claim("w1", at(0), LEASE))
            .when(|j| j.claim("w2", at(100), LEASE))
            .when(|j| j.claim("w3", at(200), LEASE))
            .then(JobState::Running, Some("w3"), 3)
            .when(|j| j.claim("w4", at(300), LEASE))
            .then(JobState::Failed, None, 3);
        let error = g.0.error.clone().unwrap();
        assert_eq!(error.render(Lang::Zh), "任务已尝试3次均未完成，已停止，请检查后重新发起。");
        assert_eq!(g.refused(|j| j.claim("w5", at(400), LEASE)), JobError::Ended);
    }

    #[test]
    fn only_the_holder_ends_the_job() {
        let g = given_queued().when(|j| j.claim("w1", at(0), LEASE));
        assert_eq!(g.refused(|j| j.finish("w2")), JobError::LeaseLost);
        assert_eq!(g.refused(|j| j.fail("w2", Message::new("job.error.internal"))), JobError::LeaseLost);
        assert_eq!(g.refused(|j| j.cancelled("w2")), JobError::LeaseLost);
        let failed = g.when(|j| j.fail("w1", Message::new("job.error.internal"))).then(JobState::Failed, None, 1);
        assert_eq!(failed.0.error, Some(Message::new("job.error.internal")));
    }

    #[test]
    fn a_queued_job_is_not_worked_on_before_it_is_claimed() {
        let g = given_queued();
        assert_eq!(g.refused(|j| j.renew("w1", at(0), LEASE, Progress::new(1, 2))), JobError::LeaseLost);
        assert_eq!(g.refused(|j| j.finish("w1")), JobError::LeaseLost);
    }

    #[test]
    fn cancelling_a_queued_job_ends_it_at_once() {
        let g = given_queued().when(Job::request_cancel).then(JobState::Cancelled, None, 0);
        assert_eq!(g.refused(|j| j.claim("w1", at(0), LEASE)), JobError::Ended);
        assert_eq!(g.refused(Job::request_cancel), JobError::Ended);
    }

    #[test]
    fn cancelling_a_running_job_asks_its_worker_who_ends_it() {
        let g = given_queued().when(|j| j.claim("w1", at(0), LEASE)).when(Job::request_cancel).then(
            JobState::Running,
            Some("w1"),
            1,
        );
        assert!(g.0.cancel_requested);
        // The worker learns it when it renews at its next chunk.
        let g = g.when(|j| j.renew("w1", at(10), LEASE, Progress::new(3, 9)));
        assert!(g.0.cancel_requested);
        g.when(|j| j.cancelled("w1")).then(JobState::Cancelled, None, 1);
    }

    #[test]
    fn a_job_asked_to_stop_while_its_worker_was_gone_is_claimed_to_clean_up() {
        let g = given_queued()
            .when(|j| j.claim("w1", at(0), LEASE))
            .when(Job::request_cancel)
            .when(|j| j.claim("w2", at(100), LEASE))
            .then(JobState::Running, Some("w2"), 2);
        assert!(g.0.cancel_requested);
        g.when(|j| j.cancelled("w2")).then(JobState::Cancelled, None, 2);
    }

    #[test]
    fn ended_jobs_stay_ended() {
        let done = given_queued().when(|j| j.claim("w1", at(0), LEASE)).when(|j| j.finish("w1"));
        assert_eq!(done.refused(Job::request_cancel), JobError::Ended);
        assert_eq!(done.refused(|j| j.claim("w2", at(1000), LEASE)), JobError::Ended);
        assert_eq!(done.refused(|j| j.renew("w1", at(10), LEASE, Progress::new(1, 1))), JobError::Ended);
        assert!(!done.0.claimable(at(1000)));
    }

    #[test]
    fn finishing_fills_the_progress() {
        let g = given_queued()
            .when(|j| j.claim("w1", at(0), LEASE))
            .when(|j| j.renew("w1", at(1), LEASE, Progress::new(7, 9)))
            .when(|j| j.finish("w1"));
        assert_eq!(g.0.progress, Progress::new(9, 9));
    }

    #[test]
    fn one_job_of_a_kind_per_region_at_a_time() {
        let county = region("340102");
        let township = region("340102001");
        let active = [(JobKind::VerificationRun, county.as_ref()), (JobKind::RosterImport, None)];
        let check = |kind, region: &Option<RegionCode>| may_start(kind, region.as_ref(), active.iter().copied());
        assert_eq!(check(JobKind::VerificationRun, &county), Err(JobError::AlreadyActive));
        assert_eq!(check(JobKind::VerificationRun, &township), Ok(()), "another region");
        assert_eq!(check(JobKind::VerificationRun, &None), Ok(()), "the whole installation is another region");
        assert_eq!(check(JobKind::DeliveryImport, &county), Ok(()), "another kind");
        assert_eq!(check(JobKind::RosterImport, &None), Err(JobError::AlreadyActive));
    }

    #[test]
    fn progress_never_passes_its_total() {
        assert_eq!(Progress::new(5, 3), Progress::new(3, 3));
        assert_eq!(Progress::new(0, 0).percent(), 0);
        assert_eq!(Progress::new(1, 3).percent(), 33);
        assert_eq!(Progress::new(399_999, 400_000).percent(), 99);
        assert_eq!(Progress::new(400_000, 400_000).percent(), 100);
    }

    #[test]
    fn only_queued_and_running_are_active() {
        let active: Vec<JobState> = JobState::ALL.iter().copied().filter(|s| s.is_active()).collect();
        assert_eq!(active, [JobState::Queued, JobState::Running]);
    }

    #[test]
    fn kinds_and_states_read_in_chinese() {
        assert_eq!(JobKind::VerificationRun.label(Lang::Zh), "批量核对");
        assert_eq!(JobState::Running.label(Lang::Zh), "正在进行");
        assert_eq!(JobKind::parse("roster_import"), Some(JobKind::RosterImport));
        assert_eq!(JobState::parse("cancelled"), Some(JobState::Cancelled));
        assert_eq!(
            tf(Lang::Zh, JobError::AlreadyActive.message_key(), &[]),
            "本辖区已有一项同类任务正在排队或进行，请等其完成或取消后再发起。"
        );
    }
}
