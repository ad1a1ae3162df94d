//! The one message catalogue: every text a user reads, in Simplified Chinese
//! (the default) and English.
//!
//! Keys are dotted names (`household.list.title`). Messages may carry named
//! placeholders (`第{line}行`) filled by [`tf`]. A tidy test in the web crate
//! checks that every key a template uses is in this table.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Reads `zh`, `zh-CN`, `en`, `en-US`…; anything else is Chinese.
    pub fn parse(raw: &str) -> Lang {
        if raw.trim().to_ascii_lowercase().starts_with("en") { Lang::En } else { Lang::Zh }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of the HTML `lang` attribute.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// `(key, 中文, English)`.
pub static CATALOGUE: &[(&str, &str, &str)] = &[
    ("app.name", "救助通", "jiuzhu"),
    ("app.tagline", "社会救助经办系统", "Social assistance case management"),
    ("nav.households", "家庭花名册", "Households"),
    ("nav.regions", "行政区划", "Regions"),
    ("nav.import", "导入花名册", "Import roster"),
    ("nav.api", "接口文档", "API"),
    ("nav.language", "English", "中文"),
    ("common.search", "查询", "Search"),
    ("common.reset", "重置", "Reset"),
    ("common.save", "保存", "Save"),
    ("common.cancel", "取消", "Cancel"),
    ("common.edit", "修改", "Edit"),
    ("common.view", "查看", "View"),
    ("common.yes", "是", "Yes"),
    ("common.no", "否", "No"),
    ("common.none", "无", "None"),
    ("common.all", "全部", "All"),
    ("common.prev", "上一页", "Previous"),
    ("common.next", "下一页", "Next"),
    ("common.page", "第{page}页", "Page {page}"),
    ("common.total", "共{total}户", "{total} households"),
    ("common.total_more", "超过{total}户", "More than {total} households"),
    ("common.actions", "操作", "Actions"),
    ("common.back", "返回", "Back"),
    ("common.not_found", "未找到该记录，或您无权查看。", "Not found, or not yours to see."),
    (
        "common.server_error",
        "系统内部错误，请稍后再试或联系管理员。",
        "Internal error. Please try again later or contact the administrator.",
    ),
    ("common.bad_request", "提交的内容有误：{detail}", "The request is not valid: {detail}"),
    ("common.conflict", "数据已被他人修改或与现有记录冲突：{detail}", "Conflicts with existing data: {detail}"),
    ("region.level.province", "省", "Province"),
    ("region.level.city", "市", "City"),
    ("region.level.county", "县（区）", "County"),
    ("region.level.township", "乡镇（街道）", "Township"),
    ("region.level.village", "村（社区）", "Village"),
    ("region.level.group", "村民小组", "Group"),
    ("region.tree.title", "行政区划", "Regions"),
    ("region.code", "区划代码", "Region code"),
    ("region.name", "名称", "Name"),
    ("region.level", "层级", "Level"),
    ("region.households", "家庭户数", "Households"),
    ("region.unknown", "区划代码不存在：{code}", "Unknown region code: {code}"),
    ("household.list.title", "家庭花名册", "Household roster"),
    ("household.list.empty", "没有符合条件的家庭。", "No households match."),
    ("household.filter.region", "所属区划", "Region"),
    (
        "household.filter.query",
        "姓名 / 拼音首字母 / 身份证号 / 户编号",
        "Name / pinyin initials / ID number / household no.",
    ),
    ("household.filter.program", "救助类别", "Programme"),
    ("household.new", "新增家庭", "New household"),
    ("household.edit", "修改家庭信息", "Edit household"),
    ("household.detail", "家庭详情", "Household"),
    ("household.external_id", "户编号", "Household no."),
    ("household.head", "户主", "Head"),
    ("household.region", "所属区划", "Region"),
    ("household.address", "家庭住址", "Address"),
    ("household.phone", "联系电话", "Phone"),
    ("household.program", "救助类别", "Programme"),
    ("household.monthly_benefit", "月保障金额（元）", "Monthly benefit (yuan)"),
    ("household.member_count", "人数", "Members"),
    ("household.members", "家庭成员", "Members"),
    ("household.history", "变更记录", "History"),
    ("household.export", "导出Excel", "Export to Excel"),
    ("household.created", "已新增家庭 {external_id}", "Household {external_id} created"),
    ("household.error.no_head", "该户没有户主", "The household has no head"),
    ("household.error.several_heads", "该户有多个户主", "The household has more than one head"),
    ("household.error.duplicate_member", "同一人在该户中出现多次", "The same person appears twice in the household"),
    ("household.error.no_members", "该户没有成员", "The household has no members"),
    (
        "household.error.head_cannot_move",
        "户主不能迁出，请先变更户主",
        "The head cannot be moved out; change the head first",
    ),
    (
        "household.error.external_id_taken",
        "户编号已存在：{external_id}",
        "Household number already exists: {external_id}",
    ),
    (
        "household.error.person_elsewhere",
        "此人已在另一户（户编号 {external_id}）中",
        "This person already belongs to household {external_id}",
    ),
    ("member.add", "添加成员", "Add member"),
    ("member.edit", "修改成员信息", "Edit member"),
    ("member.move", "迁至其他家庭", "Move to another household"),
    ("member.move.target", "目标户编号", "Target household no."),
    ("member.name", "姓名", "Name"),
    ("member.id_number", "身份证号", "ID number"),
    ("member.sex", "性别", "Sex"),
    ("member.sex.male", "男", "Male"),
    ("member.sex.female", "女", "Female"),
    ("member.birth_date", "出生日期", "Date of birth"),
    ("member.age", "年龄", "Age"),
    ("member.relation", "与户主关系", "Relation to head"),
    ("member.co_residing", "共同生活", "Co-residing"),
    ("member.disability_level", "残疾等级", "Disability level"),
    ("member.disability_kind", "残疾类别", "Disability kind"),
    ("member.disability_level.value", "{level}级", "Level {level}"),
    ("member.serious_illness", "重病", "Serious illness"),
    ("Relation.head", "户主", "Head"),
    ("Relation.spouse", "配偶", "Spouse"),
    ("Relation.child", "子女", "Child"),
    ("Relation.parent", "父母", "Parent"),
    ("Relation.grandparent", "祖父母", "Grandparent"),
    ("Relation.grandchild", "孙子女", "Grandchild"),
    ("Relation.sibling", "兄弟姐妹", "Sibling"),
    ("Relation.other", "其他", "Other"),
    ("DisabilityKind.visual", "视力", "Visual"),
    ("DisabilityKind.hearing", "听力", "Hearing"),
    ("DisabilityKind.speech", "言语", "Speech"),
    ("DisabilityKind.physical", "肢体", "Physical"),
    ("DisabilityKind.intellectual", "智力", "Intellectual"),
    ("DisabilityKind.mental", "精神", "Mental"),
    ("DisabilityKind.multiple", "多重", "Multiple"),
    ("Program.dibao", "低保", "Dibao"),
    ("Program.tekun", "特困", "Tekun"),
    ("Program.near_dibao", "低保边缘", "Near-dibao"),
    ("Program.temporary", "临时救助", "Temporary assistance"),
    ("Program.rigid_expense", "刚性支出困难", "High rigid expense"),
    ("history.at", "时间", "When"),
    ("history.actor", "操作人", "Who"),
    ("history.action", "操作", "Action"),
    ("history.detail", "变更内容", "What changed"),
    ("history.action.household_created", "新增家庭", "Household created"),
    ("history.action.household_updated", "修改家庭信息", "Household updated"),
    ("history.action.member_added", "添加成员", "Member added"),
    ("history.action.member_updated", "修改成员信息", "Member updated"),
    ("history.action.member_moved_in", "成员迁入", "Member moved in"),
    ("history.action.member_moved_out", "成员迁出", "Member moved out"),
    ("history.action.imported", "花名册导入", "Imported from roster"),
    ("import.title", "导入花名册", "Import a roster"),
    (
        "import.help",
        "支持 CSV（UTF-8 或 GBK 编码，自动识别）和 Excel（.xlsx）。任何一行有错，整个文件都不会导入。",
        "CSV (UTF-8 or GBK, detected) and Excel (.xlsx). If any row has an error, nothing in the file is imported.",
    ),
    ("import.file", "选择文件", "File"),
    ("import.submit", "导入", "Import"),
    (
        "import.error.rejected_count",
        "文件未导入：发现 {count} 处问题，数据库未作任何改动。",
        "Not imported: {count} problems found; nothing was changed.",
    ),
    (
        "import.done",
        "导入完成：新增 {created} 户，更新 {updated} 户，未变化 {unchanged} 户。",
        "Imported: {created} households created, {updated} updated, {unchanged} unchanged.",
    ),
    ("import.warnings", "提示", "Warnings"),
    ("import.line", "行号", "Line"),
    ("import.column", "列", "Column"),
    ("import.problem", "问题", "Problem"),
    ("import.at", "第{line}行", "line {line}"),
    ("import.error.unreadable", "无法读取文件：{detail}", "Cannot read the file: {detail}"),
    ("import.error.empty", "文件为空或没有表头", "The file is empty or has no header row"),
    ("import.error.missing_column", "缺少必填列“{column}”", "Missing required column \"{column}\""),
    ("import.warning.unknown_column", "未识别的列“{column}”，已忽略", "Unknown column \"{column}\" ignored"),
    ("import.error.required", "必填项为空", "Required value is empty"),
    ("import.error.bad_region", "区划代码格式不正确：{value}", "Not a region code: {value}"),
    ("import.error.unknown_region", "区划代码不在本系统的区划中：{value}", "Region code not in this system: {value}"),
    ("import.error.bad_relation", "无法识别的与户主关系：{value}", "Unknown relation: {value}"),
    ("import.error.bad_name", "姓名不正确：{value}", "Not a valid name: {value}"),
    ("import.error.bad_phone", "电话号码不正确：{value}", "Not a phone number: {value}"),
    ("import.error.bad_disability_level", "残疾等级应为1至4级：{value}", "Disability level must be 1 to 4: {value}"),
    ("import.error.bad_disability_kind", "无法识别的残疾类别：{value}", "Unknown disability kind: {value}"),
    (
        "import.error.disability_incomplete",
        "残疾等级和残疾类别须同时填写",
        "Disability level and kind must both be given",
    ),
    ("import.error.bad_yes_no", "应填“是”或“否”：{value}", "Must be yes or no: {value}"),
    ("import.error.bad_program", "无法识别的救助类别：{value}", "Unknown programme: {value}"),
    ("import.error.bad_money", "金额不正确：{value}", "Not an amount: {value}"),
    (
        "import.error.household_conflict",
        "同一户编号的各行中“{column}”不一致",
        "Rows of the same household disagree on \"{column}\"",
    ),
    (
        "import.error.duplicate_person",
        "身份证号 {id_number} 同时出现在户 {first} 和户 {second} 中（第{first_line}行）",
        "ID number {id_number} appears in household {first} and household {second} (line {first_line})",
    ),
    (
        "import.error.duplicate_row",
        "身份证号 {id_number} 在同一户中重复出现（第{first_line}行）",
        "ID number {id_number} appears twice in the same household (line {first_line})",
    ),
    (
        "import.error.person_elsewhere",
        "身份证号 {id_number} 已在系统中的另一户（户编号 {external_id}）",
        "ID number {id_number} already belongs to household {external_id} in the system",
    ),
    ("import.error.bad_area", "面积不正确：{value}", "Not an area: {value}"),
    ("import.error.bad_year", "年度不正确：{value}", "Not a year: {value}"),
    ("import.error.bad_integer", "应为整数：{value}", "Not a whole number: {value}"),
    ("Dataset.vehicle", "机动车", "Vehicles"),
    ("Dataset.real_estate", "不动产", "Real estate"),
    ("Dataset.business", "市场主体", "Businesses"),
    ("Dataset.social_insurance", "社保缴费", "Social insurance contributions"),
    ("Dataset.pension", "养老金领取", "Pensions"),
    ("Dataset.deposit", "存款", "Deposits"),
    ("Dataset.death", "死亡火化", "Deaths"),
    ("Dataset.public_payroll", "财政供养", "Public payroll"),
    ("Dataset.housing_fund", "公积金", "Housing fund"),
    ("Dataset.tax", "个税", "Income tax"),
    ("Dataset.disability", "残疾人证", "Disability certificates"),
    ("Dataset.inmate", "服刑人员", "Inmates"),
    ("Dataset.unemployment", "失业登记", "Unemployment registration"),
    ("Dataset.medical_expense", "医疗费用", "Medical expenses"),
    ("objection.error.no_such_finding", "该核对结果没有这一项发现", "The result has no such finding"),
    ("objection.error.decided", "该异议已作出复核结论", "The objection has already been decided"),
    ("nav.verification", "核对", "Verification"),
    ("verification.title", "家庭经济状况核对", "Economic verification"),
    ("verification.deliveries", "部门数据", "Department data"),
    ("verification.latest", "在用", "In use"),
    ("verification.upload", "导入部门数据", "Import department data"),
    ("verification.kind", "数据类别", "Dataset"),
    ("verification.department", "提供部门", "Department"),
    ("verification.as_of", "数据截至日期", "Data as of"),
    ("verification.file", "文件", "File"),
    ("verification.rows_read", "读取行数", "Rows read"),
    ("verification.rows_rejected", "剔除行数", "Rows rejected"),
    ("verification.imported_by", "导入人", "Imported by"),
    ("verification.imported_at", "导入时间", "Imported at"),
    ("verification.none", "尚未导入部门数据。", "No department data imported yet."),
    ("verification.run", "批量核对", "Batch verification"),
    (
        "verification.run_help",
        "用各类部门数据的最新批次核对本辖区（或所填区划）的全部家庭。",
        "Verify every household in your area (or the region given) against the latest delivery of each dataset.",
    ),
    ("verification.region", "区划代码（可不填）", "Region code (optional)"),
    ("verification.run_submit", "开始核对", "Verify"),
    (
        "verification.run_done",
        "核对完成：{households}户、{members}人，{with_findings}户有核对发现。",
        "Done: {households} households, {members} people; {with_findings} households with findings.",
    ),
    ("verification.runs", "核对批次", "Verification runs"),
    ("verification.run_by", "发起人", "Run by"),
    ("verification.households", "家庭数", "Households"),
    ("verification.with_findings", "有发现户数", "With findings"),
    ("verification.follow_ups", "待核实家庭", "Households to follow up"),
    (
        "verification.follow_ups_help",
        "以下家庭在本次核对中有核对发现，请所在乡镇（街道）逐户核实，必要时入户调查或登记异议。",
        "These households have findings in this run; their townships check each one, visiting or recording objections where needed.",
    ),
    ("verification.truncated", "仅列出前2,000户。", "Only the first 2,000 households are listed."),
    ("verification.by_rule", "各类发现的户数", "Households per finding"),
    ("verification.verify_household", "发起核对", "Verify this household"),
    ("verification.results", "核对记录", "Verification results"),
    ("verification.no_results", "尚无核对记录。", "Not verified yet."),
    ("verification.at", "核对时间", "Verified at"),
    ("verification.findings", "核对发现", "Findings"),
    ("verification.no_findings", "未发现不符合条件的情形。", "Nothing found against the conditions."),
    ("verification.rejections", "剔除的行", "Rejected rows"),
    ("verification.delivery", "部门数据批次", "Delivery"),
    ("policy.region", "区划代码", "Region code"),
    ("report.title", "家庭经济状况核对报告", "Household economic verification report"),
    ("report.pdf", "打印（PDF）", "Print (PDF)"),
    ("report.members", "家庭成员", "Members"),
    ("report.sums", "核对结果汇总", "Sums"),
    ("report.datasets", "比对数据明细", "Matched records"),
    ("report.no_records", "无匹配记录", "No matching records"),
    ("report.evidence", "所据记录", "Records"),
    ("report.line", "第{line}行", "line {line}"),
    ("report.policy", "适用政策", "Policy applied"),
    ("report.policy_region", "{region}自{date}起执行的政策", "the policy of {region} from {date}"),
    ("report.policy_national", "国家默认值", "the national defaults"),
    ("report.notes", "说明", "Notes"),
    (
        "report.note.objection",
        "如对核对结果有异议，可自收到本报告之日起5个工作日内向乡镇（街道）提出，并提供相关证明材料。",
        "An objection to this result may be raised with the township within 5 working days of receiving this report, with supporting evidence.",
    ),
    (
        "report.note.use",
        "本报告仅用于本行政区域内社会救助审核确认，不得用于其他用途。",
        "This report is for social assistance decisions in this region only and may not be used for anything else.",
    ),
    (
        "report.note.data",
        "比对数据以各部门提供的截至日期数据为准。",
        "Matched data are as delivered by each department, as of the date shown.",
    ),
    ("report.withdrawn", "经复核，该项发现不成立", "Withdrawn after re-check"),
    ("report.stands", "经复核，该项发现成立", "Upheld after re-check"),
    ("objection.title", "异议复核", "Objections and re-checks"),
    ("objection.rule", "异议事项", "Finding contested"),
    ("objection.reason", "异议理由", "Reason"),
    ("objection.evidence", "证明材料", "Evidence"),
    ("objection.lodge", "登记异议", "Record objection"),
    ("objection.lodged_by", "登记人", "Recorded by"),
    ("objection.outcome", "复核结论", "Outcome"),
    ("objection.pending", "待复核", "Awaiting re-check"),
    ("objection.upheld", "异议成立（发现撤销）", "Objection upheld (finding withdrawn)"),
    ("objection.rejected", "异议不成立（发现维持）", "Objection rejected (finding stands)"),
    ("objection.note", "复核意见", "Re-check note"),
    ("objection.decide", "记录复核结论", "Record outcome"),
    ("rule.owns_car", "拥有机动车", "Owns a car"),
    ("rule.too_many_homes", "住房超过限定套数", "More homes than allowed"),
    ("rule.home_area_per_person", "人均住房面积超限", "Home area per person above the limit"),
    ("rule.non_residential_property", "拥有非住宅类房产", "Owns non-residential property"),
    ("rule.active_business", "有存续的市场主体", "Active business"),
    ("rule.deposits_above", "人均存款超限", "Deposits per person above the limit"),
    ("rule.public_payroll", "财政供养人员", "On the public payroll"),
    ("rule.deceased", "成员已死亡", "Member deceased"),
    ("rule.income_at_or_above_standard", "人均收入不低于低保标准", "Income per person at or above the standard"),
    (
        "rule.income_near_standard",
        "人均收入接近低保标准（退出预警）",
        "Income per person near the standard (exit warning)",
    ),
    ("sums.members", "成员人数", "Members"),
    ("sums.wage", "工资性收入（月）", "Wages (monthly)"),
    ("sums.pension", "养老金（月）", "Pensions (monthly)"),
    ("sums.vehicles", "机动车（辆）", "Cars"),
    ("sums.homes", "住房（套）", "Homes"),
    ("sums.home_area", "住房面积", "Home area"),
    ("sums.other_properties", "非住宅房产（处）", "Other properties"),
    ("sums.businesses", "存续市场主体（个）", "Active businesses"),
    ("sums.deposits", "存款余额", "Deposits"),
    ("sums.deceased", "已死亡成员（人）", "Deceased members"),
    ("sums.public_payroll", "财政供养成员（人）", "Members on the public payroll"),
    (
        "calendar.error.not_covered",
        "工作日历尚未载入{year}年的节假日安排，无法计算期限",
        "The working-day calendar has no holiday arrangement for {year} yet; the deadline cannot be computed",
    ),
    ("calendar.error.bad_line", "节假日文件第{line}行有误：{reason}", "Holiday file line {line}: {reason}"),
    ("import.error.too_many_rows", "文件行数超过上限 {max}", "More than {max} rows"),
    ("id.error.empty", "身份证号为空", "ID number is empty"),
    (
        "id.error.scientific",
        "身份证号被Excel转成了科学计数法（{raw}），后几位已丢失。请将该列设为“文本”格式后重新录入。",
        "Excel turned the ID number into scientific notation ({raw}); its last digits are lost. Format the column as Text and enter the numbers again.",
    ),
    (
        "id.error.truncated",
        "身份证号末三位变成了000（{raw}），是被Excel当作数字保存造成的，原号码已丢失。请将该列设为“文本”格式后重新录入。",
        "The last three digits became 000 ({raw}): Excel stored the ID as a number and lost them. Format the column as Text and enter the numbers again.",
    ),
    (
        "id.error.length",
        "身份证号应为18位（或15位旧号），实际为{len}位",
        "An ID number has 18 characters (or 15 for old numbers), not {len}",
    ),
    ("id.error.character", "身份证号含有非法字符", "The ID number contains invalid characters"),
    ("id.error.birth_date", "身份证号中的出生日期不存在", "The birth date in the ID number does not exist"),
    (
        "id.error.check_digit",
        "身份证号校验位错误：应为{expected}，实为{found}",
        "Wrong check digit: expected {expected}, found {found}",
    ),
    ("money.error", "金额格式不正确", "Not a valid amount"),
    ("password.error.too_short", "密码至少需要{min}个字符", "The password needs at least {min} characters"),
    (
        "password.error.too_simple",
        "密码须包含大写字母、小写字母、数字、符号中的至少{classes}类",
        "The password needs at least {classes} of: upper-case, lower-case, digits, symbols",
    ),
    ("password.error.contains_login", "密码不能包含登录名", "The password must not contain the login name"),
    ("Role.village_assistant", "村/社区协理员", "Village assistant"),
    ("Role.grid_worker", "网格员", "Grid worker"),
    ("Role.township_clerk", "乡镇经办人", "Township clerk"),
    ("Role.township_leader", "乡镇分管领导", "Township leader"),
    ("Role.county_clerk", "县级民政经办人", "County clerk"),
    ("Role.county_approver", "县级民政审批人", "County approver"),
    ("Role.city_staff", "市级民政", "City staff"),
    ("Role.verification_officer", "核对中心", "Verification officer"),
    ("Role.auditor", "监督/审计", "Auditor"),
    ("Role.administrator", "系统管理员", "Administrator"),
    (
        "user.error.login",
        "登录名只能包含字母、数字、下划线、短横线和点，最长40个字符",
        "Login names use letters, digits, _ - and . (at most 40)",
    ),
    ("user.error.roles", "请至少选择一个有效的角色", "Choose at least one valid role"),
    ("user.error.login_taken", "登录名已存在：{login}", "Login name already exists: {login}"),
    ("user.error.current_password", "当前密码不正确", "The current password is wrong"),
    ("user.error.same_password", "新密码不能与当前密码相同", "The new password must differ from the current one"),
    ("common.forbidden", "您没有此项操作的权限。", "You are not allowed to do this."),
    ("common.unauthenticated", "请先登录。", "Please sign in."),
    ("nav.users", "用户管理", "Users"),
    ("nav.audit", "审计日志", "Audit log"),
    ("nav.logout", "退出", "Sign out"),
    ("login.title", "登录", "Sign in"),
    ("login.login", "登录名", "Login name"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.error.invalid", "登录名或密码错误。", "Wrong login name or password."),
    (
        "login.error.locked",
        "多次登录失败，账户已锁定，请于{until}后再试。",
        "Too many failed attempts: the account is locked until {until}.",
    ),
    ("password.title", "修改密码", "Change password"),
    (
        "password.forced",
        "您正在使用临时密码，请先设置新密码。",
        "You signed in with a temporary password: set a new one first.",
    ),
    (
        "password.rule",
        "密码至少10个字符，并包含大写字母、小写字母、数字、符号（含汉字）中的至少3类。",
        "At least 10 characters, with at least 3 of: upper-case, lower-case, digits, symbols (Chinese characters count as symbols).",
    ),
    ("password.current", "当前密码", "Current password"),
    ("password.new", "新密码", "New password"),
    ("password.confirm", "再次输入新密码", "New password again"),
    ("user.error.confirm", "两次输入的新密码不一致", "The two new passwords differ"),
    ("user.new", "新增用户", "New user"),
    ("user.edit", "修改用户", "Edit user"),
    ("user.display_name", "姓名", "Name"),
    ("user.roles", "角色", "Roles"),
    ("user.status", "状态", "Status"),
    ("user.active", "正常", "Active"),
    ("user.disabled", "已停用", "Disabled"),
    ("user.locked", "已锁定", "Locked"),
    ("user.temporary", "待修改临时密码", "Temporary password"),
    ("user.temporary_password", "临时密码", "Temporary password"),
    ("user.reset_password", "重置密码", "Reset password"),
    ("household.reveal", "显示完整证件号", "Show full ID numbers"),
    ("audit.target", "对象", "Target"),
    ("audit.from", "起始日期", "From"),
    ("audit.to", "截止日期", "To"),
    ("audit.denied_only", "只看被拒绝的操作", "Denied only"),
    ("audit.outcome", "结果", "Outcome"),
    ("audit.denied", "拒绝", "Denied"),
    ("audit.allowed", "允许", "Allowed"),
    ("verify.error.bad_date", "日期格式不正确：{value}", "Not a date: {value}"),
    (
        "finding.owns_car",
        "家庭成员名下有{value}辆机动车（不含豁免车型）",
        "Members own {value} motor vehicles (exempt types excluded)",
    ),
    (
        "finding.too_many_homes",
        "家庭有{value}套住房，超过{threshold}套",
        "The household has {value} homes, more than {threshold}",
    ),
    (
        "finding.home_area_per_person",
        "人均住房面积{value}平方米，超过{threshold}平方米",
        "Home area per person {value} m², above {threshold} m²",
    ),
    (
        "finding.non_residential_property",
        "家庭有{value}处非住宅房产（商铺、车位、办公等）",
        "The household has {value} non-residential properties",
    ),
    ("finding.active_business", "家庭成员有{value}个存续的市场主体", "Members have {value} active businesses"),
    (
        "finding.deposits_above",
        "人均存款{value}，超过标准{threshold}",
        "Deposits per person {value}, above {threshold}",
    ),
    ("finding.public_payroll", "{value}名家庭成员为财政供养人员", "{value} members are on the public payroll"),
    ("finding.deceased", "{value}名家庭成员已死亡", "{value} members have died"),
    (
        "finding.income_at_or_above_standard",
        "人均月收入{value}，达到或超过低保标准{threshold}",
        "Monthly income per person {value}, at or above the standard {threshold}",
    ),
    (
        "finding.income_near_standard",
        "人均月收入{value}，接近低保标准（预警线{threshold}）",
        "Monthly income per person {value}, near the standard (warning from {threshold})",
    ),
    ("api.explorer", "接口浏览器", "API explorer"),
    // Issue 10, points 3 and 10: survey photos checked by their content, bidi controls.
    (
        "photo.error.not_image",
        "第{n}张照片不是 JPEG、PNG 或 WebP 图片（按文件内容判断），未予接收",
        "Photo {n} is not a JPEG, PNG or WebP image (judged by its content); it was not accepted",
    ),
    (
        "photo.error.too_large",
        "第{n}张照片超过{limit} MB，未予接收",
        "Photo {n} is larger than {limit} MB; it was not accepted",
    ),
    // Issue 10, point 2: hostile uploads (size caps of the table readers, the upload limit).
    (
        "table.limit.entries",
        "xlsx 文件包含的部件过多（超过{limit}个），不予读取",
        "The xlsx file has too many parts (more than {limit}); it was not read",
    ),
    (
        "table.limit.entry_size",
        "xlsx 文件中的“{entry}”解压后超过{limit} MB，不予读取",
        "\"{entry}\" in the xlsx file inflates to more than {limit} MB; it was not read",
    ),
    (
        "table.limit.ratio",
        "xlsx 文件中的“{entry}”压缩比异常（超过{limit}倍，疑为压缩炸弹），不予读取",
        "\"{entry}\" in the xlsx file inflates more than {limit} times its size (a zip bomb?); it was not read",
    ),
    (
        "table.limit.declared",
        "xlsx 文件中的“{entry}”解压后比文件声明的大（疑为压缩炸弹），不予读取",
        "\"{entry}\" in the xlsx file inflates to more than it declares (a zip bomb?); it was not read",
    ),
    (
        "table.limit.total",
        "xlsx 文件解压后合计超过{limit} MB，不予读取",
        "The xlsx file inflates to more than {limit} MB in all; it was not read",
    ),
    (
        "table.limit.shared_strings",
        "xlsx 文件的共享字符串表声明的字符串过多（超过{limit}个）或格式异常，不予读取",
        "The xlsx file's shared-string table declares too many strings (more than {limit}) or is malformed; it was not read",
    ),
    (
        "table.limit.rows",
        "表格超过{limit}行，请分成几个文件导入",
        "The table has more than {limit} rows; split it into several files",
    ),
    (
        "table.limit.column",
        "第{line}行{column}列超出范围：表格最多{limit}列",
        "Row {line}, column {column} is out of range: a table has at most {limit} columns",
    ),
    (
        "table.limit.cells",
        "表格超过{limit}个单元格，请分成几个文件导入",
        "The table has more than {limit} cells; split it into several files",
    ),
    (
        "table.limit.text",
        "表格内容超过{limit} MB，请分成几个文件导入",
        "The table holds more than {limit} MB of text; split it into several files",
    ),
    (
        "upload.error.too_large",
        "上传的文件太大：最大{limit} MB",
        "The uploaded file is too large: the limit is {limit} MB",
    ),
    (
        "upload.error.broken",
        "上传未能完整接收，请重新上传",
        "The upload was not received completely; please upload it again",
    ),
    // Issue 10, points 5-7 and 10: credentials, throttling, API tokens, public objections.
    (
        "login.error.refused",
        "登录名或密码错误。多次失败后须等待一段时间才能再试。",
        "Wrong login name or password. After repeated failures, wait a while before trying again.",
    ),
    (
        "user.error.locked",
        "多次输入错误，账户已暂时锁定，请稍后再试。",
        "Too many wrong attempts: the account is locked for a while; try again later.",
    ),
    ("common.too_many", "请求过于频繁，请稍后再试。", "Too many requests; try again later."),
    (
        "public.objection.too_many",
        "同一来源对这条公示提出的异议过多，请一小时后再试。",
        "Too many objections to this notice from your address; try again in an hour.",
    ),
    ("token.error.name", "请填写令牌用途（最多100个字符）", "Say what the token is for (at most 100 characters)"),
    ("token.error.days", "有效天数应在1到{max}天之间", "The lifetime must be 1 to {max} days"),
    ("token.error.disabled", "该用户已停用，不能签发令牌", "The user is disabled: no token can be issued"),
    ("nav.tokens", "我的令牌", "API tokens"),
    ("tokens.title", "接口令牌", "API tokens"),
    ("tokens.of", "用户 {login} 的接口令牌", "API tokens of {login}"),
    (
        "tokens.help",
        "接口令牌供其他系统调用接口，请求时发送 Authorization: Bearer 令牌。修改密码或管理员重置密码后，全部令牌失效。",
        "API tokens let other systems call the API (send Authorization: Bearer TOKEN). Changing or resetting the password revokes all of them.",
    ),
    ("tokens.name", "用途", "Purpose"),
    ("tokens.days", "有效天数", "Valid for (days)"),
    ("tokens.created", "签发时间", "Issued"),
    ("tokens.expires", "到期时间", "Expires"),
    ("tokens.last_used", "最近使用", "Last used"),
    ("tokens.never", "从未使用", "Never"),
    ("tokens.status", "状态", "Status"),
    ("tokens.active", "有效", "Active"),
    ("tokens.revoked", "已吊销", "Revoked"),
    ("tokens.expired", "已过期", "Expired"),
    ("tokens.revoke", "吊销", "Revoke"),
    ("tokens.create", "签发新令牌", "Issue a token"),
    (
        "tokens.issued",
        "令牌已签发。它只显示这一次，请立即复制保存：",
        "Token issued. It is shown only this once; copy it now:",
    ),
    ("tokens.none", "还没有接口令牌。", "No API tokens yet."),
    // Issue 10, points 8/9/12: text length limits, member versions, masking.
    (
        "text.error.too_long",
        "{field}过长：最多{max}个字符，现有{len}个字符",
        "{field} is too long: at most {max} characters, {len} given",
    ),
    ("export.truncated", "…〔内容过长，已截断〕", "… [too long, cut]"),
    // Issue 10, point 4: the audit chain anchored outside the database.
    (
        "audit.break.altered",
        "审计日志第 {seq} 条记录被改动（哈希与内容不符，或未用审计密钥重算）",
        "audit record {seq} was altered (its hash does not match its content under the audit key)",
    ),
    (
        "audit.break.broken",
        "审计日志在第 {seq} 条记录处断开（其前的记录被删除或改动）",
        "the audit chain breaks at record {seq} (a record before it was removed or changed)",
    ),
    (
        "audit.break.unknown_outcome",
        "审计日志第 {seq} 条记录的结果不是“允许”或“拒绝”（被改动）",
        "audit record {seq} has an outcome other than allowed or denied (altered)",
    ),
    (
        "audit.break.missing",
        "审计日志缺少第 {seq} 条起的记录（检查点或头部记录表明应有 {last} 条）",
        "audit records from {seq} to {last} are missing (a checkpoint or the head says they existed)",
    ),
    (
        "audit.break.checkpoint",
        "审计日志第 {seq} 条记录与检查点不符（被改写）",
        "audit record {seq} does not match its checkpoint (rewritten)",
    ),
    (
        "audit.break.head",
        "审计日志头部与第 {seq} 条（最后一条）记录不符",
        "the stored head of the audit log does not match its last record {seq}",
    ),
    ("audit.verify.intact", "审计日志完整：{records} 条记录", "audit log intact: {records} records"),
    (
        "audit.verify.unkeyed",
        "其中前 {unkeyed} 条记录写于启用审计密钥之前，未加密钥（锚定之前），只受普通哈希链保护",
        "the first {unkeyed} records were written before the audit key: unkeyed (before anchoring), protected only by the plain hash chain",
    ),
    ("audit.verify.checkpoints", "已对照 {n} 个检查点", "checked against {n} checkpoints"),
    (
        "audit.verify.no_checkpoints",
        "未对照检查点：删去末尾记录并回退头部无法发现",
        "no checkpoints: a cut tail would not show",
    ),
    // Issue 11, inbox counts in SQL: the inbox's summary line.
    ("cases.summary", "在办 {open} 件，其中逾期 {late} 件。", "{open} open cases, {late} of them late."),
    (
        "cases.summary_first",
        "在办 {open} 件，其中逾期 {late} 件；下表列出到期最早的 {shown} 件。",
        "{open} open cases, {late} of them late; the table lists the {shown} due first.",
    ),
];

/// The parts of the catalogue: the general one above and the texts of the
/// applications workflow (kept beside its rules).
static PARTS: &[&[(&str, &str, &str)]] = &[
    CATALOGUE,
    crate::assistance::MESSAGES,
    crate::case::MESSAGES,
    crate::entitlement::MESSAGES,
    crate::job::MESSAGES,
    crate::notice::MESSAGES,
    crate::history::MESSAGES,
    crate::policy::MESSAGES,
    crate::payment::account::MESSAGES,
    crate::payment::layout::MESSAGES,
    crate::payment::publication::MESSAGES,
    crate::payment::reconcile::MESSAGES,
    crate::payment::reconcile::PAGES,
    crate::payment::recovery::MESSAGES,
    crate::payment::roll::MESSAGES,
    crate::payment::totals::MESSAGES,
];

/// Every entry of the catalogue, in order.
pub fn entries() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    PARTS.iter().flat_map(|part| part.iter())
}

/// Looks up a message; an unknown key gives an empty text (the tidy test in
/// the web crate fails on it, and [`tf`] shows the key itself).
pub fn t(lang: Lang, key: &str) -> &'static str {
    match index().get(key) {
        Some((_, zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => "",
    }
}

/// Whether a key is in the catalogue.
pub fn has_key(key: &str) -> bool {
    index().contains_key(key)
}

/// The catalogue's entry of a key, if there is one (its key as stored).
pub fn entry(key: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    index().get(key).copied()
}

/// The catalogue by key, built once (the first entry of a key wins, as a
/// search in order would find it): a lookup per line of a county-wide roll
/// must not scan every entry.
fn index() -> &'static std::collections::HashMap<&'static str, &'static (&'static str, &'static str, &'static str)> {
    static INDEX: std::sync::OnceLock<
        std::collections::HashMap<&'static str, &'static (&'static str, &'static str, &'static str)>,
    > = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map = std::collections::HashMap::new();
        for e in entries() {
            map.entry(e.0).or_insert(e);
        }
        map
    })
}

/// Looks up a message and fills its `{name}` placeholders.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut res = if has_key(key) { t(lang, key).to_string() } else { key.to_string() };
    for (name, value) in args {
        res = res.replace(&format!("{{{name}}}"), value);
    }
    res
}

/// A message not yet rendered: a catalogue key and its placeholder values.
/// Errors carry these, so the same problem reads in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    /// Placeholder values written in the reader's language when rendered:
    /// dates, labels from the catalogue, messages inside the message.
    #[serde(skip)]
    pub parts: Vec<(&'static str, Part)>,
}

/// A placeholder value rendered late, in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// `2025年10月31日` or `2025-10-31`.
    Date(NaiveDate),
    /// The text of a catalogue key (a label).
    Label(&'static str),
    /// Labels joined by `、` (or `, `).
    Labels(Vec<&'static str>),
    /// A message inside the message.
    Message(Box<Message>),
    /// Messages joined by `；` (or `; `).
    Messages(Vec<Message>),
}

impl Message {
    pub fn new(key: &'static str) -> Message {
        Message { key, args: Vec::new(), parts: Vec::new() }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Message {
        self.args.push((name, value.to_string()));
        self
    }

    /// A placeholder filled in the reader's language (a date, a label, a message).
    pub fn part(mut self, name: &'static str, part: Part) -> Message {
        self.parts.push((name, part));
        self
    }

    pub fn render(&self, lang: Lang) -> String {
        let late: Vec<(&str, String)> = self.parts.iter().map(|(k, p)| (*k, p.render(lang))).collect();
        let args: Vec<(&str, &str)> =
            self.args.iter().map(|(k, v)| (*k, v.as_str())).chain(late.iter().map(|(k, v)| (*k, v.as_str()))).collect();
        tf(lang, self.key, &args)
    }
}

impl Part {
    pub fn render(&self, lang: Lang) -> String {
        let (list, clauses) = match lang {
            Lang::Zh => ("、", "；"),
            Lang::En => (", ", "; "),
        };
        match self {
            Part::Date(d) => format_date(lang, *d),
            Part::Label(key) => t(lang, key).to_string(),
            Part::Labels(keys) => keys.iter().map(|k| t(lang, k)).collect::<Vec<_>>().join(list),
            Part::Message(m) => m.render(lang),
            Part::Messages(ms) => ms.iter().map(|m| m.render(lang)).collect::<Vec<_>>().join(clauses),
        }
    }
}

/// `2025年10月31日` or `2025-10-31`.
pub fn format_date(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::Zh => date.format("%Y年%-m月%-d日").to_string(),
        Lang::En => date.format("%Y-%m-%d").to_string(),
    }
}

/// The calendar date in China (UTC+8, no daylight saving) at an instant:
/// deadlines, policies and reports go by the date in Beijing.
pub fn china_date(at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    (at + chrono::Duration::hours(8)).date_naive()
}

/// `2025年10月31日 14:05` or `2025-10-31 14:05`.
pub fn format_datetime(lang: Lang, at: NaiveDateTime) -> String {
    format!("{} {}", format_date(lang, at.date()), at.format("%H:%M"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_filled() {
        let mut keys = std::collections::HashSet::new();
        for (key, zh, en) in entries() {
            assert!(keys.insert(key), "duplicate key {key}");
            assert!(!zh.is_empty() && !en.is_empty(), "empty text for {key}");
            let holes = |s: &str| {
                let mut v: Vec<String> =
                    s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string())).collect();
                v.sort();
                v
            };
            assert_eq!(holes(zh), holes(en), "placeholders differ for {key}");
        }
    }

    #[test]
    fn lookup_and_fill() {
        assert_eq!(t(Lang::Zh, "nav.households"), "家庭花名册");
        assert_eq!(t(Lang::En, "nav.households"), "Households");
        assert_eq!(tf(Lang::Zh, "import.at", &[("line", "7")]), "第7行");
        assert_eq!(tf(Lang::En, "no.such.key", &[]), "no.such.key");
    }

    #[test]
    fn dates_read_as_offices_write_them() {
        let d = NaiveDate::from_ymd_opt(2025, 10, 31).unwrap();
        assert_eq!(format_date(Lang::Zh, d), "2025年10月31日");
        assert_eq!(format_date(Lang::En, d), "2025-10-31");
        assert_eq!(Lang::parse("en-US"), Lang::En);
        assert_eq!(Lang::parse("zh-CN"), Lang::Zh);
    }
}
