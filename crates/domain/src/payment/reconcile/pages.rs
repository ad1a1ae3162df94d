//! The words of the bank file, return and correction pages (part of the
//! one catalogue).

/// The bank file, the return and the corrections as the pages show them.
pub static PAGES: &[(&str, &str, &str)] = &[
    ("payment.bank.title", "银行代发与回盘：{roll}", "Bank file and return: {roll}"),
    ("payment.bank.link", "银行代发文件与回盘", "Bank file and return"),
    ("payment.bank.file", "银行代发文件", "Bank file"),
    (
        "payment.bank.not_approved",
        "花名册审批后才能导出银行代发文件。",
        "The bank file can be exported once the roll is approved.",
    ),
    ("payment.bank.not_exported", "尚未导出银行代发文件。", "The bank file has not been exported yet."),
    ("payment.bank.sha256", "文件校验码（SHA-256）", "File checksum (SHA-256)"),
    ("payment.bank.file_lines", "文件笔数", "Lines in the file"),
    ("payment.bank.file_total", "文件金额合计", "File total"),
    ("payment.bank.export", "导出银行文件", "Export the bank file"),
    (
        "payment.bank.export_hint",
        "再次导出得到的文件与首次完全相同，可核对校验码。",
        "Exporting again gives the very same file; compare the checksum.",
    ),
    ("payment.bank.import", "导入回盘文件", "Import the bank's return"),
    (
        "payment.bank.import_hint",
        "回盘文件须与本花名册逐笔一致；有任何不符将整份退回，不作任何改动。",
        "The return must match this roll line by line; if anything differs the whole file is refused and nothing changes.",
    ),
    ("payment.bank.file_field", "回盘文件（CSV或Excel）", "Return file (CSV or Excel)"),
    (
        "payment.bank.refused",
        "回盘文件未导入，花名册没有任何改动。请核对以下问题后重新导入：",
        "The return was not imported and the roll is unchanged. Check these problems and import it again:",
    ),
    ("payment.bank.problem", "问题", "Problem"),
    (
        "payment.bank.imported",
        "回盘文件已导入：成功{paid}笔，共{paid_total}；失败{failed}笔，共{failed_total}。",
        "Return imported: {paid} paid, {paid_total}; {failed} failed, {failed_total}.",
    ),
    (
        "payment.bank.closed",
        "本花名册已导入回盘文件，发放已结束。",
        "This roll's return has been imported; the roll is closed.",
    ),
    ("payment.bank.failures", "发放失败", "Failed payments"),
    ("payment.bank.corrections_link", "发放失败更正清单", "Failed payments to correct"),
    ("payment.corrections.title", "发放失败更正清单", "Failed payments to correct"),
    (
        "payment.corrections.hint",
        "银行退回的款项暂不发放。请先到户页面更正收款账户，再点“已更正”；这几个月的救助金将由下一期花名册或补发花名册发放一次。",
        "Payments the bank returned are held. Correct the account on the household's page first, then press “Corrected”: those months are paid once by the next roll or a supplementary roll.",
    ),
    ("payment.corrections.none", "没有待更正的发放失败。", "No failed payments to correct."),
    ("payment.corrections.show_all", "显示全部（含已更正）", "Show all (corrected too)"),
    ("payment.corrections.show_open", "只显示待更正", "Show only those to correct"),
    ("payment.corrections.roll_month", "发放月份", "Roll month"),
    ("payment.corrections.reason", "银行退回原因", "Bank's reason"),
    ("payment.corrections.status", "状态", "Status"),
    ("payment.corrections.open", "待更正", "To correct"),
    ("payment.corrections.resolved", "已更正（{who}，{at}）", "Corrected ({who}, {at})"),
    ("payment.corrections.fix_account", "更正收款账户", "Correct the account"),
    ("payment.corrections.resolve", "已更正", "Corrected"),
];
