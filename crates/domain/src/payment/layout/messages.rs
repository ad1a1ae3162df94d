//! The words of the bank file's layout and the problems of the bank file
//! and the bank's return.

/// The catalogue entries of the layout, the bank file and the return.
pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("BankField.seq", "序号", "No."),
    ("BankField.name", "姓名", "Name"),
    ("BankField.id_number", "身份证号", "ID number"),
    ("BankField.account", "账号", "Account number"),
    ("BankField.bank", "开户行", "Bank branch"),
    ("BankField.item", "补贴项目", "Subsidy"),
    ("BankField.period", "补贴期号", "Period"),
    ("BankField.amount", "金额", "Amount"),
    ("BankField.memo", "摘要", "Memo"),
    ("BankField.result", "处理结果", "Result"),
    ("BankField.reason", "失败原因", "Reason for failure"),
    ("BankFormat.csv", "CSV文本（逗号分隔）", "CSV (comma-separated)"),
    ("BankFormat.fixed_width", "定长文本", "Fixed-width text"),
    ("BankFormat.xlsx", "Excel表格（xlsx）", "Excel workbook (xlsx)"),
    ("TextEncoding.gbk", "GBK", "GBK"),
    ("TextEncoding.gb18030", "GB18030", "GB18030"),
    ("TextEncoding.utf8", "UTF-8", "UTF-8"),
    ("payment.layout.at_column", "第{column}列（{title}）：{message}", "Column {column} ({title}): {message}"),
    ("payment.layout.no_columns", "代发文件格式中没有任何列。", "The layout has no columns."),
    ("payment.layout.too_many", "列数过多，最多{max}列。", "Too many columns; at most {max}."),
    (
        "payment.layout.return_only",
        "“{field}”只出现在银行回盘文件中，不能作为代发文件的列。",
        "“{field}” appears only in the bank's return, not in the file sent.",
    ),
    (
        "payment.layout.not_return",
        "回盘文件新增的列只能是“处理结果”或“失败原因”，不能是“{field}”。",
        "The return adds only “Result” or “Reason for failure”, not “{field}”.",
    ),
    (
        "payment.layout.duplicate",
        "“{field}”已在第{first}列出现，每项只能出现一次。",
        "“{field}” is already column {first}; each may appear once.",
    ),
    ("payment.layout.title_empty", "列标题不能为空。", "The column title is empty."),
    (
        "payment.layout.title_long",
        "列标题过长，最多{max}个字。",
        "The column title is too long; at most {max} characters.",
    ),
    (
        "payment.layout.title_control",
        "列标题中不能有换行等控制字符。",
        "The column title contains a line break or other control character.",
    ),
    (
        "payment.layout.title_twice",
        "列标题与第{first}列相同，回盘时无法区分。",
        "The title is the same as column {first}'s; the return could not tell them apart.",
    ),
    (
        "payment.layout.width_missing",
        "定长文本须填写每列的宽度（字节数，大于0）。",
        "A fixed-width file needs each column's width in bytes (above 0).",
    ),
    ("payment.layout.width_large", "列宽过大，最多{max}字节。", "The width is too large; at most {max} bytes."),
    (
        "payment.layout.title_wide",
        "列宽{width}字节放不下列标题（需要{needed}字节）。",
        "A width of {width} bytes cannot hold the title ({needed} bytes needed).",
    ),
    ("payment.layout.missing", "缺少必需的列“{field}”。", "The required column “{field}” is missing."),
    (
        "payment.layout.no_result",
        "回盘文件须有“处理结果”列（成功或失败）。",
        "The return needs a “Result” column (success or failure).",
    ),
    // The bank file written and the bank's return read (`jiuzhu-files` bank).
    (
        "payment.file.not_encodable",
        "“{value}”中的“{char}”无法用{encoding}编码，请改用GB18030或UTF-8编码的格式。",
        "“{char}” in “{value}” cannot be written in {encoding}; use a GB18030 or UTF-8 layout.",
    ),
    (
        "payment.file.too_wide",
        "“{value}”占{needed}字节，超过该列的宽度{width}字节。",
        "“{value}” takes {needed} bytes, more than the column's width of {width}.",
    ),
    ("payment.file.control", "内容中有换行等控制字符。", "The value contains a line break or other control character."),
    (
        "payment.file.amount_not_positive",
        "发放金额须大于零，现为{amount}。",
        "The amount must be above zero; it is {amount}.",
    ),
    ("payment.file.seq_twice", "序号{seq}重复。", "No. {seq} appears twice."),
    ("payment.file.total_too_large", "合计金额过大。", "The total is too large."),
    ("payment.file.xlsx", "无法生成Excel文件：{detail}", "The workbook could not be written: {detail}"),
    (
        "payment.return.no_header",
        "找不到表头行：前{rows}行中没有同时含“序号”“身份证号”“账号”“金额”“处理结果”等列标题的行。",
        "No header line: none of the first {rows} lines has titles such as No., ID number, Account number, Amount and Result.",
    ),
    ("payment.return.missing_column", "回盘文件缺少“{field}”列。", "The return has no “{field}” column."),
    (
        "payment.return.column_twice",
        "“{field}”列出现了两次（{first}列和{second}列），无法确定以哪一列为准。",
        "“{field}” appears twice (columns {first} and {second}); it is unclear which to use.",
    ),
    ("payment.return.empty", "“{field}”为空。", "“{field}” is empty."),
    (
        "payment.return.seq",
        "序号应为正整数，现为“{raw}”。",
        "The number should be a positive whole number, not “{raw}”.",
    ),
    (
        "payment.return.account_scientific",
        "账号被Excel改成了科学计数法（{raw}），后几位已经丢失；请银行将该列设为文本格式后重新导出。",
        "Excel turned the account number into scientific notation ({raw}) and lost its last digits; ask the bank to export the column as text.",
    ),
    ("payment.return.amount", "金额无法识别：“{raw}”。", "The amount cannot be read: “{raw}”."),
    (
        "payment.return.amount_not_positive",
        "金额须大于零，现为“{raw}”。",
        "The amount must be above zero, not “{raw}”.",
    ),
    (
        "payment.return.period",
        "补贴期号无法识别：“{raw}”（应为年月，如202612）。",
        "The period cannot be read: “{raw}” (a month such as 202612).",
    ),
    (
        "payment.return.result",
        "处理结果无法识别：“{raw}”（应为“成功”或“失败”）。",
        "The result cannot be read: “{raw}” (it should be success or failure).",
    ),
    (
        "payment.return.trailer_total",
        "合计行的金额{found}与各明细行金额之和{sum}不符。",
        "The trailer's total {found} differs from the sum of the lines, {sum}.",
    ),
    (
        "payment.return.trailer_count",
        "合计行的笔数{found}与明细行数{count}不符。",
        "The trailer's count {found} differs from the number of lines, {count}.",
    ),
    (
        "payment.return.trailer_unreadable",
        "合计行的金额无法识别：“{raw}”。",
        "The trailer's total cannot be read: “{raw}”.",
    ),
    ("payment.return.after_trailer", "合计行之后还有内容。", "There is more after the trailer line."),
    (
        "payment.return.cut_character",
        "按银行格式的列宽切分时截断了一个汉字，请核对定长格式的列宽。",
        "Cutting the line at the layout's widths splits a character; check the fixed-width layout's widths.",
    ),
    ("payment.return.no_lines", "回盘文件中没有明细行。", "The return has no lines."),
    (
        "payment.return.more",
        "另有{n}处问题未列出，请先改正以上问题。",
        "{n} more problems are not listed; correct the ones above first.",
    ),
];
