//! The bank file's layout (代发文件格式, `payments.md`): what the file sent to
//! the paying bank looks like, and what the bank's return (回盘文件) adds.
//!
//! No national standard exists; each agent bank of the 惠民惠农"一卡通" has its
//! own template, so a county may store its bank's layout. A layout is:
//! the format (CSV, fixed-width text, xlsx), the encoding of a text file
//! (GBK by default, as Chinese banks' systems expect), whether the file has
//! a header line and a trailer line (合计), and the columns in order, each a
//! [`BankField`] with its title and, for fixed-width files, its width in
//! bytes of the file's encoding (a Chinese character is two bytes in GBK).
//! The return has the same columns followed by [`BankLayout::return_columns`]
//! (处理结果 and 失败原因 by default).
//!
//! [`BankLayout::yikatong`] is the default of `payments.md`;
//! [`BankLayout::validate`] checks a layout a person entered and names every
//! problem with its column, in the reader's language. The layout is
//! serialisable: its JSON is fixed by a snapshot test, so a stored layout
//! reads back the same.
//!
//! The trailer line is made here ([`BankLayout::trailer_cells`]) so the
//! writer and the reader agree: 合计 in the first column, the total in the
//! amount column, `笔数:<n>` in the column after it.

use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Message, Part};

labeled_enum! {
    /// A column of the bank file or of the bank's return. The aliases are
    /// titles banks use for the same column.
    BankField {
        Seq = "seq" ["序号", "顺序号", "编号", "流水号", "行号"],
        Name = "name" ["户名", "收款人", "收款人姓名", "账户名称", "客户姓名", "持卡人"],
        IdNumber = "id_number" ["身份证号码", "公民身份号码", "证件号码", "证件号", "身份证"],
        Account = "account" ["卡号", "银行账号", "银行卡号", "收款账号", "账户", "存折号", "卡折号"],
        Bank = "bank" ["开户银行", "开户网点", "银行名称"],
        Item = "item" ["项目名称", "补贴类别", "资金项目", "补贴名称"],
        Period = "period" ["期号", "发放期间", "发放月份", "所属期"],
        Amount = "amount" ["发放金额", "补贴金额", "实发金额", "代发金额"],
        Memo = "memo" ["附言", "用途"],
        Result = "result" ["结果", "处理状态", "状态", "交易结果", "代发结果"],
        Reason = "reason" ["原因", "错误原因", "失败说明", "备注"],
    }
}

labeled_enum! {
    /// How the file is written.
    BankFormat {
        Csv = "csv" ["逗号分隔"],
        FixedWidth = "fixed_width" ["定长", "定长文本"],
        Xlsx = "xlsx" ["Excel", "电子表格"],
    }
}

labeled_enum! {
    /// The character encoding of a text file (CSV or fixed-width). GB18030
    /// holds every character, GBK not the rarest characters of some names.
    TextEncoding {
        Gbk = "gbk" ["GB2312"],
        Gb18030 = "gb18030" [],
        Utf8 = "utf8" ["UTF-8", "utf_8"],
    }
}

impl BankField {
    /// The fields a bank file must have: the line's number, who, where,
    /// how much. Reconciliation matches by 序号 and checks 身份证号, 账号 and 金额.
    pub const REQUIRED: &'static [BankField] =
        &[BankField::Seq, BankField::Name, BankField::IdNumber, BankField::Account, BankField::Amount];

    /// Whether the field appears only in the bank's return.
    pub fn is_return_only(self) -> bool {
        matches!(self, BankField::Result | BankField::Reason)
    }
}

/// One column: its field, the title written in the header, and its width
/// in bytes (fixed-width files only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankColumn {
    pub field: BankField,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u16>,
}

impl BankColumn {
    /// A column titled with the field's Chinese label.
    pub fn of(field: BankField) -> BankColumn {
        BankColumn { field, title: field.label(Lang::Zh).to_string(), width: None }
    }

    /// The same column with a width (fixed-width files).
    pub fn width(mut self, width: u16) -> BankColumn {
        self.width = Some(width);
        self
    }
}

/// The layout of the file sent to a bank and of the bank's return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankLayout {
    pub format: BankFormat,
    /// Ignored for xlsx.
    pub encoding: TextEncoding,
    pub header: bool,
    pub trailer: bool,
    pub columns: Vec<BankColumn>,
    /// What the return adds after [`BankLayout::columns`].
    #[serde(default = "default_return_columns")]
    pub return_columns: Vec<BankColumn>,
}

fn default_return_columns() -> Vec<BankColumn> {
    vec![BankColumn::of(BankField::Result), BankColumn::of(BankField::Reason)]
}

/// Most columns a layout may have.
pub const MAX_COLUMNS: usize = 40;
/// Most characters in a column's title.
pub const MAX_TITLE_CHARS: usize = 30;
/// Widest fixed-width column, in bytes.
pub const MAX_WIDTH: u16 = 512;

/// The first cell of the trailer line.
pub const TRAILER_LABEL: &str = "合计";
/// What precedes the count in the trailer: `笔数:1024`.
pub const COUNT_LABEL: &str = "笔数:";

impl BankLayout {
    /// The default of `payments.md`: the 一卡通 CSV in GBK with a header
    /// (序号,姓名,身份证号,账号,开户行,补贴项目,补贴期号,金额,摘要) and a trailer.
    pub fn yikatong() -> BankLayout {
        use BankField::*;
        BankLayout {
            format: BankFormat::Csv,
            encoding: TextEncoding::Gbk,
            header: true,
            trailer: true,
            columns: [Seq, Name, IdNumber, Account, Bank, Item, Period, Amount, Memo].map(BankColumn::of).to_vec(),
            return_columns: default_return_columns(),
        }
    }

    /// The 0-based position of a field among the file's columns.
    pub fn position(&self, field: BankField) -> Option<usize> {
        self.columns.iter().position(|c| c.field == field)
    }

    /// The return file's columns: the file's own, then the return's.
    pub fn return_layout(&self) -> impl Iterator<Item = &BankColumn> {
        self.columns.iter().chain(&self.return_columns)
    }

    /// The trailer's cells, one per column: 合计 first, the total in the
    /// amount column, `笔数:<count>` in the column after it (or appended
    /// when the amount is the last column).
    pub fn trailer_cells(&self, total: &str, count: usize) -> Vec<String> {
        let mut cells = vec![String::new(); self.columns.len()];
        if cells.is_empty() {
            return cells;
        }
        cells[0] = TRAILER_LABEL.to_string();
        let amount = self.position(BankField::Amount).unwrap_or(cells.len() - 1);
        cells[amount] = total.to_string();
        let count = format!("{COUNT_LABEL}{count}");
        match cells.get_mut(amount + 1) {
            Some(cell) => *cell = count,
            None => cells.push(count),
        }
        cells
    }

    /// Every problem of a layout a person entered; none for a usable one.
    pub fn validate(&self) -> Result<(), Vec<LayoutProblem>> {
        let mut problems = Vec::new();
        if self.columns.is_empty() {
            problems.push(LayoutProblem::file(Message::new("payment.layout.no_columns")));
        }
        if self.columns.len() + self.return_columns.len() > MAX_COLUMNS {
            problems.push(LayoutProblem::file(Message::new("payment.layout.too_many").arg("max", MAX_COLUMNS)));
        }
        let fixed = self.format == BankFormat::FixedWidth;
        let mut seen: Vec<(BankField, usize)> = Vec::new();
        let mut titles: Vec<(String, usize)> = Vec::new();
        for (index, column) in self.return_layout().enumerate() {
            let in_return = index >= self.columns.len();
            let problem =
                |message: Message| LayoutProblem { column: Some(index + 1), title: column.title.clone(), message };
            let field = Part::Label(column.field.message_key());
            if column.field.is_return_only() && !in_return {
                problems.push(problem(Message::new("payment.layout.return_only").part("field", field.clone())));
            } else if !column.field.is_return_only() && in_return {
                problems.push(problem(Message::new("payment.layout.not_return").part("field", field.clone())));
            }
            match seen.iter().find(|(f, _)| *f == column.field) {
                Some((_, first)) => problems
                    .push(problem(Message::new("payment.layout.duplicate").part("field", field).arg("first", first))),
                None => seen.push((column.field, index + 1)),
            }
            let title = crate::text::clean(&column.title);
            let key = crate::text::header_key(&title);
            if title.is_empty() {
                problems.push(problem(Message::new("payment.layout.title_empty")));
            } else if title.chars().count() > MAX_TITLE_CHARS {
                problems.push(problem(Message::new("payment.layout.title_long").arg("max", MAX_TITLE_CHARS)));
            } else if title.chars().any(char::is_control) {
                problems.push(problem(Message::new("payment.layout.title_control")));
            } else if let Some((_, first)) = titles.iter().find(|(k, _)| *k == key) {
                problems.push(problem(Message::new("payment.layout.title_twice").arg("first", first)));
            } else {
                titles.push((key, index + 1));
            }
            if fixed {
                match column.width {
                    None | Some(0) => problems.push(problem(Message::new("payment.layout.width_missing"))),
                    Some(w) if w > MAX_WIDTH => {
                        problems.push(problem(Message::new("payment.layout.width_large").arg("max", MAX_WIDTH)))
                    }
                    Some(w) if self.header && byte_width(&title, self.encoding) > usize::from(w) => {
                        problems.push(problem(
                            Message::new("payment.layout.title_wide")
                                .arg("width", w)
                                .arg("needed", byte_width(&title, self.encoding)),
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        for &field in BankField::REQUIRED {
            if self.position(field).is_none() {
                problems.push(LayoutProblem::file(
                    Message::new("payment.layout.missing").part("field", Part::Label(field.message_key())),
                ));
            }
        }
        if !self.return_columns.iter().any(|c| c.field == BankField::Result) {
            problems.push(LayoutProblem::file(Message::new("payment.layout.no_result")));
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }
}

/// The bytes a text takes in an encoding, as a fixed-width file counts
/// them: ASCII one, other characters two in GBK and GB18030 (the rare
/// four-byte ones of GB18030 are found when the file is written), their
/// UTF-8 length in UTF-8.
pub fn byte_width(text: &str, encoding: TextEncoding) -> usize {
    match encoding {
        TextEncoding::Utf8 => text.len(),
        TextEncoding::Gbk | TextEncoding::Gb18030 => text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum(),
    }
}

/// A problem of a layout: the column it concerns (1-based, counting the
/// return's columns after the file's), if any, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutProblem {
    pub column: Option<usize>,
    pub title: String,
    pub message: Message,
}

impl LayoutProblem {
    fn file(message: Message) -> LayoutProblem {
        LayoutProblem { column: None, title: String::new(), message }
    }

    /// `第3列（账号）：…` or the message alone.
    pub fn render(&self, lang: Lang) -> String {
        match self.column {
            Some(column) => Message::new("payment.layout.at_column")
                .arg("column", column)
                .arg("title", crate::text::clean(&self.title))
                .part("message", Part::Message(Box::new(self.message.clone())))
                .render(lang),
            None => self.message.render(lang),
        }
    }
}

mod messages;

/// The catalogue entries of this part (the layout's words and the bank
/// file's and return's problems, which `jiuzhu-files` reports).
pub use messages::MESSAGES;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn rendered(layout: &BankLayout) -> Vec<String> {
        layout.validate().err().unwrap_or_default().iter().map(|p| p.render(Lang::Zh)).collect()
    }

    #[test]
    fn the_default_is_the_yikatong_csv_of_the_spec() {
        let layout = BankLayout::yikatong();
        assert_eq!(layout.validate(), Ok(()));
        let titles: Vec<&str> = layout.return_layout().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "序号",
                "姓名",
                "身份证号",
                "账号",
                "开户行",
                "补贴项目",
                "补贴期号",
                "金额",
                "摘要",
                "处理结果",
                "失败原因"
            ]
        );
        assert_eq!(
            (layout.format, layout.encoding, layout.header, layout.trailer),
            (BankFormat::Csv, TextEncoding::Gbk, true, true)
        );
        assert_eq!(layout.trailer_cells("1234567.89", 1024).join(","), "合计,,,,,,,1234567.89,笔数:1024");
    }

    #[test]
    fn the_stored_json_reads_back_and_keeps_its_shape() {
        let layout = BankLayout::yikatong();
        let json = serde_json::to_value(&layout).unwrap();
        insta::assert_json_snapshot!("bank_layout_yikatong", json);
        assert_eq!(serde_json::from_value::<BankLayout>(json).unwrap(), layout);
        // A layout stored without return columns gets the default ones.
        let mut old = serde_json::to_value(&layout).unwrap();
        old.as_object_mut().unwrap().remove("return_columns");
        assert_eq!(serde_json::from_value::<BankLayout>(old).unwrap(), layout);
    }

    #[test]
    fn given_a_layout_without_an_account_when_validated_then_the_missing_column_is_named() {
        let mut layout = BankLayout::yikatong();
        layout.columns.retain(|c| c.field != BankField::Account);
        assert_eq!(rendered(&layout), ["缺少必需的列“账号”。"]);
    }

    #[test]
    fn given_a_field_twice_and_an_empty_title_then_each_column_is_named() {
        let mut layout = BankLayout::yikatong();
        layout.columns.push(BankColumn { field: BankField::Amount, title: "金额2".into(), width: None });
        layout.columns[1].title = "  ".into();
        assert_eq!(
            rendered(&layout),
            ["第2列（）：列标题不能为空。", "第10列（金额2）：“金额”已在第8列出现，每项只能出现一次。"]
        );
        let en: Vec<String> = layout.validate().unwrap_err().iter().map(|p| p.render(Lang::En)).collect();
        assert_eq!(en[1], "Column 10 (金额2): “Amount” is already column 8; each may appear once.");
    }

    #[test]
    fn given_return_columns_in_the_file_or_file_columns_in_the_return_then_refused() {
        let mut layout = BankLayout::yikatong();
        layout.columns.push(BankColumn::of(BankField::Result));
        layout.return_columns = vec![BankColumn::of(BankField::Memo).width(3)];
        layout.return_columns[0].title = "附言".into();
        assert_eq!(
            rendered(&layout),
            [
                "第10列（处理结果）：“处理结果”只出现在银行回盘文件中，不能作为代发文件的列。",
                "第11列（附言）：回盘文件新增的列只能是“处理结果”或“失败原因”，不能是“摘要”。",
                "第11列（附言）：“摘要”已在第9列出现，每项只能出现一次。",
                "回盘文件须有“处理结果”列（成功或失败）。",
            ]
        );
    }

    #[test]
    fn given_a_return_without_a_result_column_then_refused() {
        let mut layout = BankLayout::yikatong();
        layout.return_columns.clear();
        assert_eq!(rendered(&layout), ["回盘文件须有“处理结果”列（成功或失败）。"]);
    }

    #[test]
    fn given_titles_that_read_the_same_then_the_second_is_named() {
        let mut layout = BankLayout::yikatong();
        layout.columns[4].title = "金 额".into();
        assert_eq!(rendered(&layout), ["第8列（金额）：列标题与第5列相同，回盘时无法区分。"]);
    }

    #[test]
    fn given_a_fixed_width_layout_then_every_column_needs_a_positive_width_that_holds_its_title() {
        let mut layout = BankLayout::yikatong();
        layout.format = BankFormat::FixedWidth;
        let widths = [6u16, 20, 18, 32, 40, 20, 8, 12, 40, 0, 60];
        for (column, w) in layout.columns.iter_mut().chain(layout.return_columns.iter_mut()).zip(widths) {
            column.width = Some(w);
        }
        assert_eq!(rendered(&layout), ["第10列（处理结果）：定长文本须填写每列的宽度（字节数，大于0）。"]);
        layout.return_columns[0].width = Some(4);
        assert_eq!(rendered(&layout), ["第10列（处理结果）：列宽4字节放不下列标题（需要8字节）。"]);
        layout.return_columns[0].width = Some(8);
        layout.columns[0].width = Some(MAX_WIDTH + 1);
        assert_eq!(rendered(&layout), ["第1列（序号）：列宽过大，最多512字节。"]);
        layout.columns[0].width = Some(6);
        assert_eq!(layout.validate(), Ok(()));
        layout.header = false;
        layout.columns[1].width = Some(2);
        assert_eq!(layout.validate(), Ok(()), "without a header the title need not fit");
    }

    #[test]
    fn the_trailer_count_goes_after_the_amount_or_at_the_end() {
        let mut layout = BankLayout::yikatong();
        layout.columns.retain(|c| c.field != BankField::Memo);
        assert_eq!(layout.trailer_cells("12.00", 2), ["合计", "", "", "", "", "", "", "12.00", "笔数:2"]);
    }

    #[test]
    fn fields_are_read_from_bank_titles() {
        assert_eq!(BankField::parse("卡号"), Some(BankField::Account));
        assert_eq!(BankField::parse(" 处理 结果 "), Some(BankField::Result));
        assert_eq!(BankField::parse("发放金额"), Some(BankField::Amount));
        assert_eq!(BankField::parse("身份证号"), Some(BankField::IdNumber));
        assert_eq!(BankField::parse("户名"), Some(BankField::Name));
        assert_eq!(BankField::parse("家庭住址"), None);
    }
}
