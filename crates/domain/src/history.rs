//! The words history and audit records are read in: who acted (the command
//! line reads as 系统), what each recorded action is called, what each kind
//! of record and each recorded field is called, and the label of a stored
//! code. Records keep codes and field names; pages show these labels
//! instead (part of the one catalogue).

use crate::case::StepKind;
use crate::i18n::{Message, Part, has_key};

/// The catalogue key of an actor's name as shown, when it is not a person:
/// `system` (the command line) and `public` (the public notice board).
pub fn actor_key(name: &str) -> Option<&'static str> {
    match name {
        "system" => Some("actor.system"),
        "public" => Some("actor.public"),
        _ => None,
    }
}

/// The catalogue key of a key that exists (`prefix` + `name`).
fn key(prefix: &str, name: &str) -> Option<&'static str> {
    crate::i18n::entry(&format!("{prefix}{name}")).map(|(k, _, _)| *k)
}

/// What a recorded action is called: `case_approve` → 办理案件：批准,
/// `household_viewed` → 查看家庭. None for an action without a label.
pub fn action_message(action: &str) -> Option<Message> {
    if let Some(step) =
        action.strip_prefix("case_").and_then(StepKind::parse).filter(|s| action == format!("case_{}", s.code()))
    {
        return Some(Message::new("audit.action.case_step").part("step", Part::Label(step.message_key())));
    }
    key("audit.action.", action).or_else(|| key("history.action.", action)).map(Message::new)
}

/// What a kind of record is called (`household` → 家庭).
pub fn target_kind_key(kind: &str) -> Option<&'static str> {
    key("audit.target_kind.", kind)
}

/// What a recorded field is called (`monthly_benefit_fen` → 月保障金额).
pub fn field_key(name: &str) -> Option<&'static str> {
    let bare = name.trim_end_matches("_fen").trim_end_matches("_yuan");
    key("audit.field.", name)
        .or_else(|| key("audit.field.", bare))
        .or_else(|| key("household.", bare))
        .or_else(|| key("member.", bare))
        .or_else(|| key("policy.field.", bare))
}

/// The value sets a stored code may come from, tried in order, by the
/// field it is stored under; any field falls back to every set.
const SETS: &[&str] = &[
    "Stage",
    "CaseKind",
    "Material",
    "Program",
    "Relation",
    "Role",
    "ReferralStatus",
    "Need",
    "TempCause",
    "Area",
    "DisabilityKind",
    "SupportMode",
    "AccountHolder",
    "Level",
    "JobKind",
    "JobState",
    "EndReason",
    "DecisionOutcome",
    "IncomeKind",
    "DeductionKind",
    "SelfCare",
    "EventKind",
    "StepKind",
    "rule",
];

/// The label key of a code stored under `field` (`stage`: `approved` → 已批准).
pub fn code_key(field: &str, code: &str) -> Option<&'static str> {
    let preferred: &[&str] = match field {
        "stage" => &["Stage"],
        "program" | "programme" => &["Program"],
        "kind" | "kinds" | "case_kind" => &["CaseKind", "JobKind"],
        "missing" | "provided" => &["Material"],
        "relation" => &["Relation"],
        "roles" | "role" => &["Role"],
        "status" => &["ReferralStatus", "JobState"],
        "state" => &["JobState"],
        "needs" | "need" => &["Need"],
        "cause" => &["TempCause"],
        "area" => &["Area"],
        "rule" | "by_rule" => &["rule"],
        "events" => &["EventKind"],
        "outcome" => &["DecisionOutcome"],
        "reason" => &["EndReason"],
        "source" => &["source"],
        "holder" => &["AccountHolder"],
        "recovery_cause" => &["RecoveryCause"],
        "settlement" => &["SettlementKind"],
        _ => &[],
    };
    preferred.iter().chain(SETS).find_map(|set| key(&format!("{set}."), code))
}

/// Whether a text looks like a stored code (`temp_emergency`), which a
/// page must never show as it is.
pub fn looks_like_code(text: &str) -> bool {
    let mut parts = text.split('_');
    text.contains('_')
        && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Every key this module looks up exists in both languages (used by tests).
pub fn labelled(action: &str) -> bool {
    action_message(action).is_some_and(|m| has_key(m.key))
}

/// Audit actions recorded by the use cases (the case steps are `case_` and
/// the step's code).
pub const ACTIONS: &[&str] = &[
    "account_locked",
    "api_token_created",
    "api_token_revoked",
    "api_tokens_listed",
    "application_submitted",
    "assistance_policy_listed",
    "assistance_policy_set",
    "audit_searched",
    "calendar_loaded",
    "case_document_read",
    "case_photo_read",
    "case_viewed",
    "checklist_read",
    "deliveries_listed",
    "delivery_imported",
    "delivery_viewed",
    "demo_loaded",
    "entitlement_started",
    "entitlement_changed",
    "entitlement_ended",
    "entitlements_viewed",
    "enrolled",
    "household_cases_read",
    "household_created",
    "household_updated",
    "household_viewed",
    "households_listed",
    "imported",
    "institution_created",
    "institutions_listed",
    "inbox_read",
    "job_cancelled",
    "job_started",
    "job_viewed",
    "jobs_listed",
    "login",
    "login_failed",
    "login_throttled",
    "login_while_locked",
    "logout",
    "member_added",
    "member_moved",
    "member_moved_in",
    "member_moved_out",
    "member_updated",
    "objection_decided",
    "objection_lodged",
    "password_change_failed",
    "password_change_locked",
    "password_changed",
    "password_reset",
    "payee_account_changed",
    "payee_account_revealed",
    "payee_account_set",
    "payees_missing_listed",
    "payees_viewed",
    "person_looked_up",
    "person_searched",
    "policies_listed",
    "policy_read",
    "policy_set",
    "public_objection",
    "referral_updated",
    "regions_changed",
    "regions_listed",
    "roster_exported",
    "roster_imported",
    "sensitive_revealed",
    "staff_relative_added",
    "staff_relatives_listed",
    "user_created",
    "user_updated",
    "user_viewed",
    "users_listed",
    "verification_follow_ups_viewed",
    "verification_report_viewed",
    "verification_results_listed",
    "verification_run",
    "verification_runs_listed",
];

/// The texts of history and audit records.
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("actor.system", "系统", "System"),
    ("actor.public", "公众", "The public"),
    ("actor.cli", "命令行", "Command line"),
    ("history.action.enrolled", "纳入救助", "Enrolled"),
    ("history.other_fields", "另有{n}项记录", "{n} more recorded values"),
    ("history.before_after", "{before} → {after}", "{before} → {after}"),
    ("history.field", "{label}：{value}", "{label}: {value}"),
    ("history.count", "{n}项", "{n} items"),
    ("audit.action.other", "其他操作", "Other action"),
    ("audit.action.case_step", "办理案件：{step}", "Case step: {step}"),
    ("audit.before", "变更前", "Before"),
    ("audit.after", "变更后", "After"),
    ("audit.target_line", "{kind} {id}", "{kind} {id}"),
    ("audit.action.account_locked", "账户被锁定", "Account locked"),
    ("audit.action.api_token_created", "创建接口令牌", "API token created"),
    ("audit.action.api_token_revoked", "吊销接口令牌", "API token revoked"),
    ("audit.action.api_tokens_listed", "查看接口令牌", "API tokens listed"),
    ("audit.action.application_submitted", "受理申请", "Application entered"),
    ("audit.action.assistance_policy_listed", "查看救助政策", "Policies viewed"),
    ("audit.action.assistance_policy_set", "新增政策版本", "Policy version added"),
    ("audit.action.audit_searched", "查询审计日志", "Audit log searched"),
    ("audit.action.calendar_loaded", "导入节假日安排", "Holiday arrangement loaded"),
    ("audit.action.case_document_read", "查看案件文书", "Case document opened"),
    ("audit.action.case_photo_read", "查看入户照片", "Survey photo opened"),
    ("audit.action.case_viewed", "查看案件", "Case viewed"),
    ("audit.action.checklist_read", "查看申请材料清单", "Materials checklist viewed"),
    ("audit.action.deliveries_listed", "查看部门数据", "Department data listed"),
    ("audit.action.delivery_imported", "导入部门数据", "Department data imported"),
    ("audit.action.delivery_viewed", "查看部门数据批次", "Department data viewed"),
    ("audit.action.demo_loaded", "载入演示数据", "Demo data loaded"),
    ("audit.action.entitlement_started", "开始享受救助待遇", "Entitlement started"),
    ("audit.action.entitlement_changed", "变更救助待遇", "Entitlement changed"),
    ("audit.action.entitlement_ended", "终止救助待遇", "Entitlement ended"),
    ("audit.action.entitlements_viewed", "查看救助待遇", "Entitlements viewed"),
    ("audit.action.household_cases_read", "查看家庭的申请与案件", "Household's cases viewed"),
    ("audit.action.households_listed", "查询家庭", "Households searched"),
    ("audit.action.household_viewed", "查看家庭", "Household viewed"),
    ("audit.action.inbox_read", "查看待办案件", "Inbox viewed"),
    ("audit.action.job_cancelled", "取消后台任务", "Background job cancelled"),
    ("audit.action.job_started", "启动后台任务", "Background job started"),
    ("audit.action.job_viewed", "查看后台任务", "Background job viewed"),
    ("audit.action.jobs_listed", "查看后台任务列表", "Background jobs listed"),
    ("audit.action.login", "登录", "Signed in"),
    ("audit.action.login_failed", "登录失败", "Sign-in failed"),
    ("audit.action.login_throttled", "登录尝试过于频繁被拒绝", "Sign-in refused: too many attempts"),
    ("audit.action.login_while_locked", "账户锁定期间尝试登录", "Sign-in while the account was locked"),
    ("audit.action.logout", "退出登录", "Signed out"),
    ("audit.action.member_moved", "成员迁移", "Member moved"),
    ("audit.action.objection_decided", "复核核对异议", "Objection decided"),
    ("audit.action.objection_lodged", "登记核对异议", "Objection lodged"),
    ("audit.action.password_change_failed", "修改密码失败", "Password change failed"),
    ("audit.action.password_change_locked", "修改密码被锁定", "Password change locked"),
    ("audit.action.password_changed", "修改密码", "Password changed"),
    ("audit.action.password_reset", "重置密码", "Password reset"),
    ("audit.action.person_looked_up", "按身份证号查询人员", "Person looked up by ID number"),
    ("audit.action.person_searched", "查询人员", "People searched"),
    ("audit.action.policies_listed", "查看政策", "Policies listed"),
    ("audit.action.policy_read", "查看政策", "Policy viewed"),
    ("audit.action.policy_set", "新增政策版本", "Policy version added"),
    ("audit.action.public_objection", "群众对公示提出异议", "Objection from the public"),
    ("audit.action.referral_updated", "更新转介办理情况", "Referral updated"),
    ("audit.action.regions_changed", "修改行政区划", "Regions changed"),
    ("audit.action.regions_listed", "查看行政区划", "Regions listed"),
    ("audit.action.roster_exported", "导出花名册", "Roster exported"),
    ("audit.action.roster_imported", "导入花名册", "Roster imported"),
    ("audit.action.sensitive_revealed", "查看完整身份证号和电话", "Full ID numbers and phones revealed"),
    ("audit.action.staff_relative_added", "登记近亲属备案", "Staff relative registered"),
    ("audit.action.staff_relatives_listed", "查看近亲属备案", "Staff-relatives register viewed"),
    ("audit.action.user_created", "新增用户", "User created"),
    ("audit.action.user_updated", "修改用户", "User updated"),
    ("audit.action.user_viewed", "查看用户", "User viewed"),
    ("audit.action.users_listed", "查看用户列表", "Users listed"),
    ("audit.action.verification_follow_ups_viewed", "查看核对待办", "Verification follow-ups viewed"),
    ("audit.action.verification_report_viewed", "查看核对报告", "Verification report viewed"),
    ("audit.action.verification_results_listed", "查看核对结果", "Verification results listed"),
    ("audit.action.verification_run", "开展信息核对", "Verification run"),
    ("audit.action.verification_runs_listed", "查看核对批次", "Verification runs listed"),
    ("audit.target_kind.api_token", "接口令牌", "API token"),
    ("audit.target_kind.application", "申请", "Application"),
    ("audit.target_kind.audit", "审计日志", "Audit log"),
    ("audit.target_kind.case", "案件", "Case"),
    ("audit.target_kind.case_document", "案件文书", "Case document"),
    ("audit.target_kind.delivery", "部门数据批次", "Department data"),
    ("audit.target_kind.entitlement", "救助待遇", "Entitlement"),
    ("audit.target_kind.household", "家庭", "Household"),
    ("audit.target_kind.job", "后台任务", "Background job"),
    ("audit.target_kind.person", "人员", "Person"),
    ("audit.target_kind.payment_correction", "发放失败更正", "Failed payment correction"),
    ("audit.target_kind.payment_roll", "发放花名册", "Payment roll"),
    ("audit.target_kind.policy", "政策", "Policy"),
    ("audit.target_kind.referral", "转介", "Referral"),
    ("audit.target_kind.region", "行政区划", "Region"),
    ("audit.target_kind.user", "用户", "User"),
    ("audit.target_kind.verification_result", "核对结果", "Verification result"),
    ("audit.target_kind.verification_run", "核对批次", "Verification run"),
    ("source.demo", "演示数据", "Demo data"),
    ("audit.field.action", "操作", "Action"),
    ("audit.field.amount", "金额", "Amount"),
    ("audit.field.application", "申请编号", "Application"),
    ("audit.field.as_of", "数据截至", "As of"),
    ("audit.field.by_rule", "按规则", "By rule"),
    ("audit.field.bytes", "文件大小（字节）", "Size (bytes)"),
    ("audit.field.case_kind", "申请事项", "Programme"),
    ("audit.field.cases", "案件编号", "Cases"),
    ("audit.field.created", "新增", "Created"),
    ("audit.field.criteria", "查询条件", "Criteria"),
    ("audit.field.deliveries", "部门数据批次", "Department data"),
    ("audit.field.denied_only", "只看被拒绝的操作", "Denied only"),
    ("audit.field.department", "部门", "Department"),
    ("audit.field.disabled", "停用", "Disabled"),
    ("audit.field.display_name", "姓名", "Name"),
    ("audit.field.effective_from", "生效日期", "Effective from"),
    ("audit.field.entitlement", "救助待遇", "Entitlement"),
    ("audit.field.events", "办理记录", "History"),
    ("audit.field.evidence", "证明材料", "Evidence"),
    ("audit.field.expires_at", "到期时间", "Expires"),
    ("audit.field.failed_attempts", "连续失败次数", "Failed attempts"),
    ("audit.field.file_name", "文件名", "File"),
    ("audit.field.first_month", "首月", "First month"),
    ("audit.field.format", "格式", "Format"),
    ("audit.field.from", "原", "From"),
    ("audit.field.head", "户主", "Head"),
    ("audit.field.household", "家庭", "Household"),
    ("audit.field.households", "户数", "Households"),
    ("audit.field.id", "编号", "Number"),
    ("audit.field.job", "后台任务", "Background job"),
    ("audit.field.kind", "类别", "Kind"),
    ("audit.field.kinds", "申请事项", "Programmes"),
    ("audit.field.last_month", "末月", "Last month"),
    ("audit.field.locked_until", "锁定至", "Locked until"),
    ("audit.field.login", "登录名", "Login"),
    ("audit.field.member", "成员", "Member"),
    ("audit.field.members", "成员数", "Members"),
    ("audit.field.missing", "缺少材料", "Missing"),
    ("audit.field.monthly", "月金额", "Monthly amount"),
    ("audit.field.monthly_benefit", "月保障金额", "Monthly amount"),
    ("audit.field.name", "名称", "Name"),
    ("audit.field.note", "说明", "Note"),
    ("audit.field.notice", "公示编号", "Notice"),
    ("audit.field.objection", "异议编号", "Objection"),
    ("audit.field.on_behalf", "帮办代办", "On the applicant's behalf"),
    ("audit.field.outcome", "结果", "Outcome"),
    ("audit.field.page", "页码", "Page"),
    ("audit.field.patch", "设置的项目", "Settings"),
    ("audit.field.person", "人员", "Person"),
    ("audit.field.persons", "人数", "People"),
    ("audit.field.photo", "照片编号", "Photo"),
    ("audit.field.policy_versions", "政策版本", "Policy versions"),
    ("audit.field.program", "救助类别", "Programme"),
    ("audit.field.reason", "理由", "Reasons"),
    ("audit.field.recounted_cases", "重新计算时限的案件", "Cases recounted"),
    ("audit.field.region", "区划", "Region"),
    ("audit.field.regions", "区划数", "Regions"),
    ("audit.field.relative_name", "亲属姓名", "Relative"),
    ("audit.field.roles", "角色", "Roles"),
    ("audit.field.rows_read", "读取行数", "Rows read"),
    ("audit.field.rows_rejected", "拒收行数", "Rows rejected"),
    ("audit.field.rule", "核对规则", "Rule"),
    ("audit.field.seed", "随机种子", "Seed"),
    ("audit.field.sessions_ended", "结束的会话", "Sessions ended"),
    ("audit.field.source", "来源", "Source"),
    ("audit.field.staff_name", "工作人员姓名", "Staff member"),
    ("audit.field.staff_post", "岗位", "Post"),
    ("audit.field.staff_relative", "近亲属备案", "Staff relative"),
    ("audit.field.stage", "办理环节", "Step"),
    ("audit.field.state", "状态", "State"),
    ("audit.field.status", "状态", "Status"),
    ("audit.field.target_id", "对象编号", "Target number"),
    ("audit.field.target_kind", "对象类别", "Target kind"),
    ("audit.field.text", "内容", "Text"),
    ("audit.field.to", "至", "To"),
    ("audit.field.token", "令牌编号", "Token"),
    ("audit.field.tokens_revoked", "吊销的令牌", "Tokens revoked"),
    ("audit.field.unchanged", "未变", "Unchanged"),
    ("audit.field.updated", "更新", "Updated"),
    ("audit.field.user", "用户", "User"),
    ("audit.field.version", "版本", "Version"),
    ("audit.field.with_findings", "有核对发现的户数", "Households with findings"),
    ("audit.field.years", "年份", "Years"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_recorded_action_has_a_label_in_both_languages() {
        for action in ACTIONS {
            let message = action_message(action).unwrap_or_else(|| panic!("{action} has no label"));
            for lang in [Lang::Zh, Lang::En] {
                let text = message.render(lang);
                assert!(!text.is_empty() && !looks_like_code(&text), "{action}: {text}");
            }
        }
        assert_eq!(action_message("case_approve").unwrap().render(Lang::Zh), "办理案件：批准");
        assert_eq!(action_message("case_approve").unwrap().render(Lang::En), "Case step: Approve");
        assert_eq!(action_message("household_updated").unwrap().render(Lang::Zh), "修改家庭信息");
        assert!(action_message("case_no_such_step").is_none() && action_message("frobnicated").is_none());
    }

    #[test]
    fn fields_and_codes_read_as_words() {
        let zh = |k: Option<&'static str>| k.map(|k| crate::i18n::t(Lang::Zh, k));
        assert_eq!(zh(field_key("monthly_benefit_fen")), Some("月保障金额"));
        assert_eq!(zh(field_key("external_id")), Some("户编号"));
        assert_eq!(zh(target_kind_key("case_document")), Some("案件文书"));
        assert_eq!(zh(code_key("stage", "approved")), Some("已批准"));
        assert_eq!(zh(code_key("events", "approved")), Some("批准"));
        assert_eq!(zh(code_key("missing", "pledge")), Some("承诺书"));
        assert_eq!(zh(code_key("roles", "county_approver")), Some("县级民政审批人"));
        assert!(looks_like_code("temp_emergency") && !looks_like_code("张三") && !looks_like_code("a_"));
        assert_eq!(actor_key("system"), Some("actor.system"));
    }
}
