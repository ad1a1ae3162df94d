//! Writing a roster to xlsx in the layout that [`crate::roster`] reads, so
//! an export imports back to the same data.
//!
//! ID numbers and household numbers are written as text cells in a column
//! formatted as text (`@`), so Excel and WPS never turn them into numbers.
//!
//! No stored value can make an export fail: a text longer than Excel's
//! limit of 32,767 characters in a cell is cut, with a marker saying so
//! (values entered today are far shorter; see `jiuzhu_domain::limits`).

use jiuzhu_domain::household::{HouseholdFields, MemberFields};
use jiuzhu_domain::i18n::{Lang, t};
use std::borrow::Cow;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::roster::COLUMNS;

/// The most characters Excel keeps in one cell.
pub const MAX_CELL_CHARS: usize = 32_767;

/// `text` as it fits a cell: unchanged, or cut with the marker
/// `…〔内容过长，已截断〕` so the cell holds at most [`MAX_CELL_CHARS`].
pub fn fit_cell(text: &str) -> Cow<'_, str> {
    // Excel counts UTF-16 units; a character outside the BMP counts twice.
    if text.encode_utf16().nth(MAX_CELL_CHARS).is_none() {
        return Cow::Borrowed(text);
    }
    let marker = t(Lang::Zh, "export.truncated");
    let room = MAX_CELL_CHARS - marker.encode_utf16().count();
    let mut res = String::new();
    let mut used = 0;
    for c in text.chars() {
        used += c.len_utf16();
        if used > room {
            break;
        }
        res.push(c);
    }
    res.push_str(marker);
    Cow::Owned(res)
}

/// Writes households and their members, one row per person, with Chinese
/// headers and values.
pub fn roster_xlsx(households: &[(HouseholdFields, Vec<MemberFields>)]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("花名册")?;
    let text = Format::new().set_num_format("@");
    let header = Format::new().set_bold().set_background_color("#DDEBF7");
    let money = Format::new().set_num_format("0.00");

    for (col, (_, _, aliases, _)) in COLUMNS.iter().enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, aliases[0], &header)?;
        let width = match col {
            2 => 22.0,
            5 => 30.0,
            0 | 1 | 6 => 16.0,
            _ => 10.0,
        };
        sheet.set_column_width(col, width)?;
    }
    sheet.set_column_format(0, &text)?;
    sheet.set_column_format(1, &text)?;
    sheet.set_column_format(2, &text)?;
    sheet.set_column_format(6, &text)?;
    sheet.set_freeze_panes(1, 0)?;

    let yes_no = |b: bool| if b { "是" } else { "否" };
    let mut row: u32 = 1;
    for (household, members) in households {
        for member in members {
            sheet.write_string_with_format(row, 0, fit_cell(&household.external_id), &text)?;
            sheet.write_string_with_format(row, 1, household.region_code.as_str(), &text)?;
            sheet.write_string_with_format(row, 2, member.id_number.as_str(), &text)?;
            sheet.write_string(row, 3, fit_cell(member.name.as_str()))?;
            sheet.write_string(row, 4, member.relation.label(Lang::Zh))?;
            sheet.write_string(row, 5, fit_cell(&household.address))?;
            sheet.write_string_with_format(row, 6, fit_cell(&household.phone), &text)?;
            sheet.write_string(row, 7, yes_no(member.co_residing))?;
            if let Some(d) = member.disability {
                sheet.write_number(row, 8, f64::from(d.level.get()))?;
                sheet.write_string(row, 9, d.kind.label(Lang::Zh))?;
            }
            sheet.write_string(row, 10, yes_no(member.serious_illness))?;
            if let Some(p) = household.program {
                sheet.write_string(row, 11, p.label(Lang::Zh))?;
            }
            if let Some(b) = household.monthly_benefit {
                // Written as text in 元 with two decimals: exact, and read
                // back by the money parser without a float in between.
                sheet.write_string_with_format(row, 12, b.to_plain_yuan(), &money)?;
            }
            row += 1;
        }
    }
    workbook.save_to_buffer()
}
