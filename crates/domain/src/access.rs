//! Roles and permissions: who may do what. **Security-sensitive**: every
//! use case asks [`Role::grants`] (through the app layer's `access` module)
//! before acting, and a change here changes what every user can do. The
//! role × region × route matrix test in the web crate pins the outcome.
//!
//! The vocabulary follows the people of seed 003's five-level network: the
//! village assistant and grid worker who find and report hardship, the
//! township clerk who takes applications and the township leader who
//! approves where approval is delegated, the county clerk and approver, city
//! staff, the verification centre, supervisors and auditors who read
//! everything in scope and change nothing, and the administrator.

use serde::{Deserialize, Serialize};

/// One action of the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See households, members and lists (ID numbers masked).
    RegistryRead,
    /// Create and edit households and members, move members.
    RegistryWrite,
    /// Import rosters.
    RegistryImport,
    /// Export rosters.
    RegistryExport,
    /// Reveal a full ID number or phone number (logged).
    RevealSensitive,
    /// Search and read the audit log.
    AuditRead,
    /// Manage users and their roles in one's region.
    UserManage,
    /// Manage regions.
    RegionManage,
    /// Read verification results and reports (核对报告).
    VerificationRead,
    /// Verify households (one, or a region in batch).
    VerificationRun,
    /// Import department data deliveries (核对中心).
    DeliveryImport,
    /// Lodge a household's objection to a finding.
    ObjectionLodge,
    /// Record the outcome of a re-check (异议复核).
    ObjectionDecide,
    /// Set a region's verification and assistance policy.
    PolicyManage,
    /// See applications and cases (申请与案件).
    CaseRead,
    /// Enter an application (at the window, or on someone's behalf).
    CaseApply,
    /// Carry a case through its steps (受理, investigation, notice…).
    CaseHandle,
    /// Decide a case at one's confirmation level (审核确认).
    CaseDecide,
    /// Keep the staff-relatives register (近亲属备案).
    RelativesManage,
    /// Load the working-day calendar.
    CalendarManage,
    /// See payment rolls, payments, returns and recoveries (待遇发放).
    PaymentRead,
    /// Record payees' bank accounts and institutions' collective accounts.
    PayeeManage,
    /// Prepare a month's roll, export its bank file, import the bank's
    /// return, record corrections and recoveries.
    PaymentPrepare,
    /// Approve a roll prepared by someone else (the two-person rule).
    PaymentApprove,
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        Permission::RegistryRead,
        Permission::RegistryWrite,
        Permission::RegistryImport,
        Permission::RegistryExport,
        Permission::RevealSensitive,
        Permission::AuditRead,
        Permission::UserManage,
        Permission::RegionManage,
        Permission::VerificationRead,
        Permission::VerificationRun,
        Permission::DeliveryImport,
        Permission::ObjectionLodge,
        Permission::ObjectionDecide,
        Permission::PolicyManage,
        Permission::CaseRead,
        Permission::CaseApply,
        Permission::CaseHandle,
        Permission::CaseDecide,
        Permission::RelativesManage,
        Permission::CalendarManage,
        Permission::PaymentRead,
        Permission::PayeeManage,
        Permission::PaymentPrepare,
        Permission::PaymentApprove,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Permission::RegistryRead => "registry_read",
            Permission::RegistryWrite => "registry_write",
            Permission::RegistryImport => "registry_import",
            Permission::RegistryExport => "registry_export",
            Permission::RevealSensitive => "reveal_sensitive",
            Permission::AuditRead => "audit_read",
            Permission::UserManage => "user_manage",
            Permission::RegionManage => "region_manage",
            Permission::VerificationRead => "verification_read",
            Permission::VerificationRun => "verification_run",
            Permission::DeliveryImport => "delivery_import",
            Permission::ObjectionLodge => "objection_lodge",
            Permission::ObjectionDecide => "objection_decide",
            Permission::PolicyManage => "policy_manage",
            Permission::CaseRead => "case_read",
            Permission::CaseApply => "case_apply",
            Permission::CaseHandle => "case_handle",
            Permission::CaseDecide => "case_decide",
            Permission::RelativesManage => "relatives_manage",
            Permission::CalendarManage => "calendar_manage",
            Permission::PaymentRead => "payment_read",
            Permission::PayeeManage => "payee_manage",
            Permission::PaymentPrepare => "payment_prepare",
            Permission::PaymentApprove => "payment_approve",
        }
    }
}

/// A role a user holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 村/社区协理员
    VillageAssistant,
    /// 网格员
    GridWorker,
    /// 乡镇经办人
    TownshipClerk,
    /// 乡镇分管领导
    TownshipLeader,
    /// 县级民政经办人
    CountyClerk,
    /// 县级民政审批人
    CountyApprover,
    /// 市级民政
    CityStaff,
    /// 核对中心
    VerificationOfficer,
    /// 监督/审计
    Auditor,
    /// 系统管理员
    Administrator,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::VillageAssistant,
        Role::GridWorker,
        Role::TownshipClerk,
        Role::TownshipLeader,
        Role::CountyClerk,
        Role::CountyApprover,
        Role::CityStaff,
        Role::VerificationOfficer,
        Role::Auditor,
        Role::Administrator,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::VillageAssistant => "village_assistant",
            Role::GridWorker => "grid_worker",
            Role::TownshipClerk => "township_clerk",
            Role::TownshipLeader => "township_leader",
            Role::CountyClerk => "county_clerk",
            Role::CountyApprover => "county_approver",
            Role::CityStaff => "city_staff",
            Role::VerificationOfficer => "verification_officer",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.code() == code.trim())
    }

    pub fn message_key(self) -> String {
        format!("Role.{}", self.code())
    }

    /// The permissions of the role. This table is the whole policy.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::VillageAssistant => &[RegistryRead, CaseRead, CaseApply],
            Role::GridWorker => &[RegistryRead, CaseRead],
            Role::TownshipClerk => &[
                RegistryRead,
                RegistryWrite,
                RegistryImport,
                RegistryExport,
                RevealSensitive,
                VerificationRead,
                VerificationRun,
                ObjectionLodge,
                CaseRead,
                CaseApply,
                CaseHandle,
                RelativesManage,
                PaymentRead,
                PayeeManage,
            ],
            Role::TownshipLeader => &[
                RegistryRead,
                RegistryExport,
                RevealSensitive,
                VerificationRead,
                CaseRead,
                CaseHandle,
                CaseDecide,
                PaymentRead,
            ],
            Role::CountyClerk => &[
                RegistryRead,
                RegistryWrite,
                RegistryImport,
                RegistryExport,
                RevealSensitive,
                VerificationRead,
                VerificationRun,
                ObjectionLodge,
                CaseRead,
                CaseApply,
                CaseHandle,
                RelativesManage,
                PaymentRead,
                PayeeManage,
                PaymentPrepare,
            ],
            Role::CountyApprover => &[
                RegistryRead,
                RegistryExport,
                RevealSensitive,
                VerificationRead,
                PolicyManage,
                CaseRead,
                CaseHandle,
                CaseDecide,
                PaymentRead,
                PaymentApprove,
            ],
            Role::CityStaff => &[RegistryRead, RegistryExport, VerificationRead, CaseRead, PaymentRead],
            Role::VerificationOfficer => &[
                RegistryRead,
                RevealSensitive,
                VerificationRead,
                VerificationRun,
                DeliveryImport,
                ObjectionDecide,
                CaseRead,
            ],
            Role::Auditor => {
                &[RegistryRead, RegistryExport, RevealSensitive, AuditRead, VerificationRead, CaseRead, PaymentRead]
            }
            Role::Administrator => &[RegistryRead, UserManage, RegionManage, AuditRead, CalendarManage],
        }
    }

    pub fn grants(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

/// Whether any of `roles` grants `permission`.
pub fn any_grants(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| r.grants(permission))
}

/// The password policy: at least 10 characters, and at least three of the
/// four classes lower-case, upper-case, digit, other (等保 2.0 asks for
/// complexity; the exact rule is the bureau's and can change here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub min_classes: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_length: 10, min_classes: 3 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("too short")]
    TooShort { min: usize },
    #[error("too simple")]
    TooSimple { min_classes: usize },
    #[error("contains the login name")]
    ContainsLogin,
}

impl PasswordError {
    pub fn to_message(self) -> crate::i18n::Message {
        use crate::i18n::Message;
        match self {
            PasswordError::TooShort { min } => Message::new("password.error.too_short").arg("min", min),
            PasswordError::TooSimple { min_classes } => {
                Message::new("password.error.too_simple").arg("classes", min_classes)
            }
            PasswordError::ContainsLogin => Message::new("password.error.contains_login"),
        }
    }
}

impl PasswordPolicy {
    pub fn check(&self, login: &str, password: &str) -> Result<(), PasswordError> {
        if password.chars().count() < self.min_length {
            return Err(PasswordError::TooShort { min: self.min_length });
        }
        let classes = [
            password.chars().any(|c| c.is_lowercase()),
            password.chars().any(|c| c.is_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !(c.is_lowercase() || c.is_uppercase() || c.is_ascii_digit())),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if classes < self.min_classes {
            return Err(PasswordError::TooSimple { min_classes: self.min_classes });
        }
        if !login.is_empty() && password.to_lowercase().contains(&login.to_lowercase()) {
            return Err(PasswordError::ContainsLogin);
        }
        Ok(())
    }
}

/// Lockout after repeated failures, released after a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub lock_minutes: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy { max_failures: 5, lock_minutes: 15 }
    }
}

/// Throttling per client address, across accounts: once `max_failures`
/// sign-ins (or current-password checks) from one address failed within the
/// last `window_minutes`, that address is refused, with the same answer as
/// a wrong password, until its failures age out of the window. The account
/// lockout alone lets one address try a few passwords on every login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressThrottle {
    pub max_failures: i64,
    pub window_minutes: i64,
}

impl Default for AddressThrottle {
    fn default() -> Self {
        AddressThrottle { max_failures: 20, window_minutes: 15 }
    }
}

impl AddressThrottle {
    /// The earliest failure that still counts at `now`.
    pub fn window_start(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        now - chrono::Duration::minutes(self.window_minutes)
    }

    /// Whether an address with `failures` within the window is refused.
    pub fn is_throttled(&self, failures: i64) -> bool {
        failures >= self.max_failures
    }
}

/// Anonymous objections to a public notice: at most `max_per_window` from
/// one address to one notice within `window_minutes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectionThrottle {
    pub max_per_window: i64,
    pub window_minutes: i64,
}

impl Default for ObjectionThrottle {
    fn default() -> Self {
        ObjectionThrottle { max_per_window: 5, window_minutes: 60 }
    }
}

impl ObjectionThrottle {
    /// The earliest objection that still counts at `now`.
    pub fn window_start(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        now - chrono::Duration::minutes(self.window_minutes)
    }

    /// Whether one more objection is refused after `earlier` in the window.
    pub fn is_throttled(&self, earlier: i64) -> bool {
        earlier >= self.max_per_window
    }
}

/// API tokens end: `default_days` after their creation unless another
/// lifetime (1 to `max_days` days) is asked for. Their last use is written
/// at most every `touch_seconds`, so that reading with a token does not
/// write on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPolicy {
    pub default_days: i64,
    pub max_days: i64,
    pub touch_seconds: i64,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        TokenPolicy { default_days: 90, max_days: 365, touch_seconds: 60 }
    }
}

impl TokenPolicy {
    /// When a token created at `now` for `days` (the default when `None`)
    /// expires; `None` for a lifetime outside 1..=`max_days`.
    pub fn expiry(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        days: Option<i64>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let days = days.unwrap_or(self.default_days);
        (1..=self.max_days).contains(&days).then(|| now + chrono::Duration::days(days))
    }

    /// Whether a use at `now` should be written, the last being `last_used`.
    pub fn should_touch(
        &self,
        last_used: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        last_used.is_none_or(|t| now - t >= chrono::Duration::seconds(self.touch_seconds))
    }
}

/// Sessions end after this long without use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_minutes: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy { idle_minutes: 30 }
    }
}

impl SessionPolicy {
    /// Whether a session last used at `last_seen` has ended at `now`.
    pub fn is_idle(&self, last_seen: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> bool {
        now - last_seen > chrono::Duration::minutes(self.idle_minutes)
    }
}

/// What a failed or successful login does to the account's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginCounters {
    pub failed_attempts: u32,
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
}

impl LockoutPolicy {
    /// Whether the account is locked at `now`.
    pub fn is_locked(&self, counters: &LoginCounters, now: chrono::DateTime<chrono::Utc>) -> bool {
        counters.locked_until.is_some_and(|until| now < until)
    }

    /// The counters after a wrong password at `now`; the account locks when
    /// the failures reach the limit.
    pub fn after_failure(&self, counters: &LoginCounters, now: chrono::DateTime<chrono::Utc>) -> LoginCounters {
        let failed =
            if counters.locked_until.is_some_and(|until| now >= until) { 1 } else { counters.failed_attempts + 1 };
        let locked_until = (failed >= self.max_failures).then(|| now + chrono::Duration::minutes(self.lock_minutes));
        LoginCounters { failed_attempts: failed, locked_until }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn only_the_listed_roles_change_the_registry() {
        let writers: Vec<_> = Role::ALL.iter().filter(|r| r.grants(Permission::RegistryWrite)).collect();
        assert_eq!(writers, [&Role::TownshipClerk, &Role::CountyClerk]);
        assert!(Role::ALL.iter().all(|r| r.grants(Permission::RegistryRead)));
        assert!(
            !Role::Auditor
                .permissions()
                .iter()
                .any(|p| matches!(p, Permission::RegistryWrite | Permission::RegistryImport | Permission::UserManage))
        );
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(*r));
        }
    }

    #[test]
    fn password_policy() {
        let policy = PasswordPolicy::default();
        assert_eq!(policy.check("zhang", "Abc12345"), Err(PasswordError::TooShort { min: 10 }));
        assert_eq!(policy.check("zhang", "abcdefghij"), Err(PasswordError::TooSimple { min_classes: 3 }));
        assert_eq!(policy.check("zhang", "Zhang12345!"), Err(PasswordError::ContainsLogin));
        assert_eq!(policy.check("zhang", "Qinghe-2026x"), Ok(()));
        assert_eq!(policy.check("zhang", "救助通救助通2026ab"), Ok(()));
    }

    #[test]
    fn sessions_end_after_idle_time() {
        let policy = SessionPolicy::default();
        let t0 = Utc.with_ymd_and_hms(2025, 10, 31, 9, 0, 0).unwrap();
        assert!(!policy.is_idle(t0, t0 + Duration::minutes(30)));
        assert!(policy.is_idle(t0, t0 + Duration::minutes(31)));
    }

    #[test]
    fn tokens_expire_and_addresses_are_throttled() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let tokens = TokenPolicy::default();
        assert_eq!(tokens.expiry(t0, None), Some(t0 + Duration::days(90)));
        assert_eq!(tokens.expiry(t0, Some(365)), Some(t0 + Duration::days(365)));
        assert_eq!(tokens.expiry(t0, Some(366)), None);
        assert_eq!(tokens.expiry(t0, Some(0)), None);
        assert!(tokens.should_touch(None, t0));
        assert!(!tokens.should_touch(Some(t0), t0 + Duration::seconds(59)));
        assert!(tokens.should_touch(Some(t0), t0 + Duration::seconds(60)));
        let address = AddressThrottle::default();
        assert!(!address.is_throttled(19));
        assert!(address.is_throttled(20));
        assert_eq!(address.window_start(t0), t0 - Duration::minutes(15));
        let objections = ObjectionThrottle::default();
        assert!(!objections.is_throttled(4));
        assert!(objections.is_throttled(5));
    }

    #[test]
    fn lockout_locks_then_releases() {
        let policy = LockoutPolicy { max_failures: 3, lock_minutes: 15 };
        let t0 = Utc.with_ymd_and_hms(2025, 10, 31, 9, 0, 0).unwrap();
        let mut c = LoginCounters { failed_attempts: 0, locked_until: None };
        for _ in 0..2 {
            c = policy.after_failure(&c, t0);
            assert!(!policy.is_locked(&c, t0));
        }
        c = policy.after_failure(&c, t0);
        assert!(policy.is_locked(&c, t0 + Duration::minutes(14)));
        assert!(!policy.is_locked(&c, t0 + Duration::minutes(15)));
        // A failure after the release starts counting again.
        let again = policy.after_failure(&c, t0 + Duration::minutes(20));
        assert_eq!(again.failed_attempts, 1);
        assert!(!policy.is_locked(&again, t0 + Duration::minutes(20)));
    }
}
