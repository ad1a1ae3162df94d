//! Masking of personal numbers in whatever text a view carries: history
//! details, audit records, case events.
//!
//! Members' ID numbers and phones are masked in lists and pages; the same
//! numbers also sit in the JSON of history entries (the values before and
//! after an edit), audit records and case events. Views pass that JSON
//! through [`mask_json`] so every personal number is masked wherever the
//! members are, and shown in full only through the audited reveal.
//!
//! The rule reads the text, not the field names, so a number in a free-text
//! note is caught as well: a run of 15 or more digits (an ID number, with
//! its check `X`, or a bank account) keeps its first and last four
//! (`1101**********0012`); a mobile number (11 digits starting with 1)
//! keeps three and four (`138****5678`); a landline (`0551-6288888`) keeps
//! its area code and last four; the digits of an ID number Excel wrote in
//! scientific notation (`3.40102195803E+17`) keep three. Shorter runs
//! (region codes of 12 digits, amounts, dates, record numbers) are left
//! alone.

/// `text` with every personal number in it masked.
pub fn mask_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut res = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            res.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        // The check character of an ID number.
        if i - start == 17 && i < chars.len() && matches!(chars[i], 'X' | 'x') {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let len = i - start;
        // An ID number that Excel turned into `3.40102195803E+17`: its digits
        // are still the region and the birth date.
        let mantissa = start >= 2
            && chars[start - 1] == '.'
            && chars[start - 2].is_ascii_digit()
            && chars.get(i).is_some_and(|c| matches!(c, 'E' | 'e'));
        let follows_area_code = start >= 4
            && chars[start - 1] == '-'
            && chars[..start - 1].iter().rev().take_while(|c| c.is_ascii_digit()).count() >= 3;
        if len >= 15 {
            res.push_str(&keep(&run, 4, 4));
        } else if mantissa && len >= 8 {
            res.push_str(&keep(&run, 3, 0));
        } else if len == 11 && run.starts_with('1') {
            res.push_str(&keep(&run, 3, 4));
        } else if follows_area_code && (7..=8).contains(&len) {
            res.push_str(&keep(&run, 0, 4));
        } else {
            res.push_str(&run);
        }
    }
    res
}

/// `head` and `tail` characters kept, the rest starred.
fn keep(run: &str, head: usize, tail: usize) -> String {
    let n = run.chars().count();
    run.chars().enumerate().map(|(idx, c)| if idx < head || idx + tail >= n { c } else { '*' }).collect()
}

/// Masks every string in a JSON value, in place.
pub fn mask_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            let masked = mask_text(s);
            if masked != *s {
                *s = masked;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(mask_json),
        _ => {}
    }
}

/// JSON text with every personal number masked; text that is not JSON is
/// masked as text.
pub fn mask_json_text(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut value) => {
            mask_json(&mut value);
            value.to_string()
        }
        Err(_) => mask_text(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_and_phones_are_masked_other_numbers_kept() {
        assert_eq!(mask_text("110105195001010012"), "1101**********0012");
        assert_eq!(mask_text("李芳（11010519491231002X）"), "李芳（1101**********002X）");
        assert_eq!(mask_text("110105500101001"), "1101*******1001");
        assert_eq!(mask_text("电话13855125678。"), "电话138****5678。");
        assert_eq!(mask_text("0551-6288888"), "0551-***8888");
        assert_eq!(mask_text("科学计数法（3.49901198001E+17）"), "科学计数法（3.499********E+17）");
        for kept in ["340102001001", "1,500.00元", "2025-10-31T01:30:00Z", "SF-0001", "第12行", "800"] {
            assert_eq!(mask_text(kept), kept);
        }
    }

    #[test]
    fn json_is_masked_at_every_depth() {
        let mut value = serde_json::json!({
            "head": {"id_number": "11010519491231002X", "phone": "13955110001"},
            "id_number": ["110105195001010012", "1101**********0012"],
            "region_code": "340102001001"
        });
        mask_json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({
                "head": {"id_number": "1101**********002X", "phone": "139****0001"},
                "id_number": ["1101**********0012", "1101**********0012"],
                "region_code": "340102001001"
            })
        );
        assert_eq!(mask_json_text(r#"{"phone":"13955110001"}"#), r#"{"phone":"139****0001"}"#);
    }
}
