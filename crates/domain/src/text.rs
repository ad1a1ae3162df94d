//! Text normalisation shared by every input path: full-width to half-width,
//! whitespace trimming, and pinyin initials for searching Chinese names.
//!
//! Offices type on Chinese input methods, so `１２３`, `ｘ` and the ideographic
//! space `\u{3000}` arrive routinely and must mean the same as their ASCII
//! forms.

use pinyin::ToPinyin;

/// Maps full-width ASCII variants (U+FF01..U+FF5E) to ASCII and the
/// ideographic space to a plain space.
pub fn to_half_width(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Half-width, without invisible controls ([`is_invisible_control`]),
/// trimmed of all Unicode whitespace at both ends. Every free text that
/// enters the system (forms, the API, imported files) goes through this.
pub fn clean(input: &str) -> String {
    to_half_width(&strip_invisible(input)).trim().to_string()
}

/// Whether a character is an invisible control that changes how the text
/// around it reads or compares: the bidirectional controls (embeddings and
/// overrides U+202A–U+202E, isolates U+2066–U+2069, the marks U+200E,
/// U+200F and U+061C), which can show `张三` as a different name on a
/// notice board or in a PDF, and the zero-width characters (U+200B–U+200D,
/// U+2060–U+2064, U+FEFF, U+180E), which make two equal-looking names
/// differ. Chinese names, addresses and reasons never need any of them.
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{180E}'
    )
}

/// The text without invisible controls (defence in depth where stored text
/// is shown: the public board, printed notices).
pub fn strip_invisible(input: &str) -> String {
    input.chars().filter(|c| !is_invisible_control(*c)).collect()
}

/// The key used to match column headers: half-width, trimmed, lower-case,
/// with inner spaces and underscores removed.
pub fn header_key(input: &str) -> String {
    to_half_width(&strip_invisible(input))
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '*')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether bytes are UTF-8 text rather than GBK/GB18030.
///
/// Validity alone cannot tell: short GBK text is often valid UTF-8 (`住宅`
/// in GBK reads as two Hebrew and Armenian letters). Chinese offices write
/// Chinese, so UTF-8 is assumed only when the non-ASCII characters are
/// mostly CJK or CJK punctuation. A sample cut inside a character at its end
/// still counts as UTF-8.
pub fn is_probably_utf8(bytes: &[u8]) -> bool {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
        Err(_) => return false,
    };
    let (mut non_ascii, mut cjk) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        non_ascii += 1;
        if matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x3000..=0x303F | 0xFF00..=0xFFEF | 0xFEFF | 0x2000..=0x206F | 0x00B7)
        {
            cjk += 1;
        }
    }
    cjk * 2 >= non_ascii
}

/// Lower-case pinyin initials of a Chinese name (`张三` → `zs`); ASCII
/// letters are kept as they are, anything else is dropped.
pub fn pinyin_initials(name: &str) -> String {
    let mut res = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            res.push(c.to_ascii_lowercase());
        } else if let Some(p) = c.to_pinyin() {
            res.push_str(p.first_letter());
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width_maps_digits_letters_and_space() {
        assert_eq!(to_half_width("１２３ｘ\u{3000}Ａ"), "123x A");
        assert_eq!(clean("\u{3000} 张三 "), "张三");
    }

    /// Issue 10, point 10: a right-to-left override in a name reversed it
    /// on the public board and in PDFs.
    #[test]
    fn invisible_controls_are_removed() {
        assert_eq!(clean("\u{202E}张三\u{202C}"), "张三");
        assert_eq!(clean("张\u{200B}三\u{2066}\u{2069}\u{200F}\u{061C}"), "张三");
        assert_eq!(clean(" \u{FEFF}\u{200D}城关镇东村12号\u{202D} "), "城关镇东村12号");
        for c in
            ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
        {
            assert!(is_invisible_control(c), "{:04X}", c as u32);
        }
        for c in ['张', 'a', ' ', '\n', '·', '・', '\u{3000}', '（', '—'] {
            assert!(!is_invisible_control(c), "{:04X}", c as u32);
        }
        assert_eq!(header_key("\u{202E}姓名"), "姓名");
    }

    #[test]
    fn header_keys_ignore_case_width_and_spaces() {
        assert_eq!(header_key(" ID_Number "), "idnumber");
        assert_eq!(header_key("\u{FEFF}身份证号"), "身份证号");
        assert_eq!(header_key("*姓　名"), "姓名");
    }

    #[test]
    fn utf8_or_gbk() {
        let gbk = |s: &str| encoding_rs_free_gbk(s);
        assert!(is_probably_utf8("住宅,存续".as_bytes()));
        assert!(is_probably_utf8(b"plain ascii"));
        assert!(!is_probably_utf8(&gbk("住宅")), "valid UTF-8 by accident, but not Chinese");
        assert!(!is_probably_utf8(&[0xB2, 0xE2]), "invalid UTF-8");
        assert!(is_probably_utf8(&"身份证号".as_bytes()[..5]), "cut inside the last character");
    }

    /// GBK bytes of a few test words (the domain has no encoding library).
    fn encoding_rs_free_gbk(s: &str) -> Vec<u8> {
        match s {
            "住宅" => vec![0xD7, 0xA1, 0xD5, 0xAC],
            _ => unreachable!(),
        }
    }

    #[test]
    fn initials_of_chinese_names() {
        assert_eq!(pinyin_initials("张三"), "zs");
        assert_eq!(pinyin_initials("欧阳娜娜"), "oynn");
        assert_eq!(pinyin_initials("Li 明"), "lim");
    }
}
