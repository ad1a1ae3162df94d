//! The texts of the monthly roll (发放花名册): its states and kinds, the
//! differences from last month, errors, the pages' labels and the audit
//! words.

/// The catalogue entries of the roll.
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("ProgramGroup.all", "全部项目", "All programmes"),
    ("ProgramGroup.dibao", "最低生活保障", "Minimum living allowance"),
    ("ProgramGroup.tekun", "特困人员救助供养", "Support for persons in extreme poverty"),
    ("RollKind.regular", "正常发放", "Regular"),
    ("RollKind.supplementary", "补充发放", "Supplementary"),
    ("RollState.draft", "待审批", "Draft"),
    ("RollState.approved", "已审批", "Approved"),
    ("RollState.exported", "已导出代发文件", "Bank file exported"),
    ("RollState.closed", "已结束", "Closed"),
    ("LineKind.current", "当月", "This month"),
    ("LineKind.backpay", "补发", "Back-pay"),
    ("LineResult.pending", "待发放", "Pending"),
    ("LineResult.paid", "已发放", "Paid"),
    ("LineResult.failed", "发放失败", "Failed"),
    ("LineResult.no_account", "未登记收款账户", "No account recorded"),
    ("DeathLastMonth.month_of_death", "发放至死亡当月", "Up to the month of death"),
    ("DeathLastMonth.month_before", "发放至死亡上月", "Up to the month before death"),
    ("payment.roll.diff.new", "新增发放，{amount}", "New, {amount}"),
    ("payment.roll.diff.stopped", "本月停发（上月{amount}）", "Stopped (last month {amount})"),
    ("payment.roll.diff.changed", "金额由{from}调整为{to}", "Amount changed from {from} to {to}"),
    ("payment.roll.diff.backpay", "补发{months}个月，共{amount}", "Back-pay of {months} months, {amount} in all"),
    (
        "payment.roll.error.same_person",
        "花名册须由编制人以外的人员审批，您是本花名册的编制人",
        "A roll must be approved by someone other than its preparer; you prepared this roll",
    ),
    (
        "payment.roll.error.not_draft",
        "花名册当前状态为“{state}”，只有待审批的花名册可以重新生成或审批",
        "The roll is “{state}”; only a draft can be regenerated or approved",
    ),
    ("payment.roll.error.not_approved", "花名册当前状态为“{state}”，尚未审批", "The roll is “{state}”, not approved"),
    ("payment.roll.error.empty", "花名册中没有可发放的人员", "The roll has no one to pay"),
    (
        "payment.roll.error.already_paid",
        "花名册中有人员的同一月份已在其他已审批的花名册中发放，请重新生成后再审批",
        "Someone in the roll is already paid for the same month by another approved roll; regenerate it first",
    ),
    (
        "payment.roll.error.exists",
        "该地区该月份的花名册已经存在，请打开它重新生成",
        "A roll of this region and month already exists; open it to regenerate it",
    ),
    (
        "payment.roll.error.stale",
        "花名册已被他人修改，请刷新后重试",
        "Someone else changed the roll; reload and try again",
    ),
    ("payment.roll.error.month", "请填写正确的月份，如2026-12", "Enter a month such as 2026-12"),
];
