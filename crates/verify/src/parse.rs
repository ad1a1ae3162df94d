//! Byte-level parsing for the hot loop: CSV fields without allocation,
//! ID numbers packed straight into a `u64`, amounts in fen. Anything
//! unusual (full-width characters, Excel damage) falls back to the domain's
//! own parsers, so the engine accepts exactly what the rest of jiuzhu
//! accepts and gives the same reasons.

use jiuzhu_domain::i18n::Message;
use jiuzhu_domain::id_number::check_char;
use jiuzhu_domain::{Fen, IdNumber};

/// The file's text encoding: values are compared as bytes in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gb18030,
}

impl Encoding {
    pub fn detect(sample: &[u8]) -> Encoding {
        if jiuzhu_domain::text::is_probably_utf8(sample) { Encoding::Utf8 } else { Encoding::Gb18030 }
    }

    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Gb18030 => encoding_rs::GB18030.decode(bytes).0.into_owned(),
        }
    }

    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            Encoding::Gb18030 => encoding_rs::GB18030.encode(text).0.into_owned(),
        }
    }
}

/// Splits one CSV line into fields, honouring double quotes (a quoted
/// field's surrounding quotes are removed; doubled quotes inside are kept
/// as they are, which no field the engine reads contains). Fills `out` up
/// to its length and returns the number of fields seen.
pub fn split_fields<'a>(line: &'a [u8], out: &mut [&'a [u8]]) -> usize {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut n = 0;
    let mut start = 0;
    let mut in_quotes = false;
    let mut quoted = false;
    for (idx, &b) in line.iter().enumerate() {
        match b {
            b'"' => {
                in_quotes = !in_quotes;
                quoted = true;
            }
            b',' if !in_quotes => {
                if n < out.len() {
                    out[n] = unquote(&line[start..idx], quoted);
                }
                n += 1;
                start = idx + 1;
                quoted = false;
            }
            _ => {}
        }
    }
    if n < out.len() {
        out[n] = unquote(&line[start..], quoted);
    }
    n + 1
}

fn unquote(field: &[u8], quoted: bool) -> &[u8] {
    if quoted && field.len() >= 2 && field[0] == b'"' && field[field.len() - 1] == b'"' {
        &field[1..field.len() - 1]
    } else {
        field
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &bytes[start..end]
}

/// Packs 17 digits and a check value (X = 10) the way
/// [`IdNumber::to_u64`] does.
fn pack(first17: &[u8; 17], check: u8) -> u64 {
    let body = first17.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    let check = if check == b'X' { 10 } else { u64::from(check - b'0') };
    body * 11 + check
}

fn valid_date(first17: &[u8; 17]) -> bool {
    let num = |r: std::ops::Range<usize>| first17[r].iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    let (y, m, d) = (num(6..10), num(10..12), num(12..14));
    if !(1880..=2099).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
    d <= days
}

/// An ID number field packed into a `u64`, or why it is not one.
pub fn id_key(field: &[u8], encoding: Encoding) -> Result<u64, Message> {
    let f = if field.len() == 18 { field } else { trim(field) };
    if f.len() == 18 {
        // One pass: digits, weighted sum for the check, and the packed body.
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let mut body = 0u64;
        let mut sum = 0u32;
        let mut digits = true;
        for (d, w) in f[..17].iter().zip(WEIGHTS) {
            let v = d.wrapping_sub(b'0');
            digits &= v < 10;
            body = body * 10 + u64::from(v);
            sum += u32::from(v) * w;
        }
        let check = f[17].to_ascii_uppercase();
        if digits && b"10X98765432"[(sum % 11) as usize] == check {
            let first17: &[u8; 17] = f[..17].try_into().map_err(|_| Message::new("id.error.character"))?;
            if valid_date(first17) {
                let check_value = if check == b'X' { 10 } else { u64::from(check - b'0') };
                return Ok(body * 11 + check_value);
            }
        }
    } else if f.len() == 15 && f.iter().all(u8::is_ascii_digit) {
        let mut first17 = [0u8; 17];
        first17[..6].copy_from_slice(&f[..6]);
        first17[6..8].copy_from_slice(b"19");
        first17[8..].copy_from_slice(&f[6..]);
        if valid_date(&first17) {
            return Ok(pack(&first17, check_char(&first17) as u8));
        }
    }
    // Everything else goes through the domain parser for its reason.
    IdNumber::parse(&encoding.decode(f)).map(|id| id.to_u64()).map_err(|e| e.to_message())
}

/// The bytes of an amount without what `Fen::parse_yuan` ignores — commas,
/// spaces, ¥/￥ and 元 in the file's encoding — when that leaves at most 32
/// ASCII bytes; `None` for anything else (full-width digits, other text),
/// which the domain's parser reads.
fn bare_amount(f: &[u8], encoding: Encoding, out: &mut [u8; 32]) -> Option<usize> {
    let (mut i, mut n) = (0, 0);
    while i < f.len() {
        let b = f[i];
        if b.is_ascii() {
            if b != b',' && b != b' ' {
                *out.get_mut(n)? = b;
                n += 1;
            }
            i += 1;
            continue;
        }
        let rest = &f[i..];
        let skip = match encoding {
            // ¥, ￥, 元
            Encoding::Utf8 if rest.starts_with(b"\xC2\xA5") => 2,
            Encoding::Utf8 if rest.starts_with(b"\xEF\xBF\xA5") || rest.starts_with(b"\xE5\x85\x83") => 3,
            // ￥, 元
            Encoding::Gb18030 if rest.starts_with(b"\xA3\xA4") || rest.starts_with(b"\xD4\xAA") => 2,
            _ => return None,
        };
        i += skip;
    }
    Some(n)
}

/// Whether a CSV line holds no value: only separators, quotes and blanks
/// (`,,,` as Excel leaves a row it once used), which no reader counts as a row.
pub fn is_blank_line(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b',' | b' ' | b'\t' | b'"' | b'\r'))
}

/// A rejected value as an error shows it: at most 40 characters, the rest
/// cut with "…" (a cell may hold a megabyte, and every bad row is listed).
pub fn shown(field: &[u8], encoding: Encoding) -> String {
    const SHOWN: usize = 40;
    let text = encoding.decode(&field[..field.len().min(SHOWN * 4)]);
    if field.len() <= SHOWN && text.chars().count() <= SHOWN {
        return text;
    }
    let mut cut: String = text.chars().take(SHOWN).collect();
    if cut.len() < field.len() {
        cut.push('…');
    }
    cut
}

/// An amount in 元 as fen.
pub fn fen(field: &[u8], encoding: Encoding) -> Result<i64, Message> {
    let f = trim(field);
    // Fast path: digits with at most two decimals, once the grouping commas
    // and currency signs are left out.
    let mut buf = [0u8; 32];
    let f = match bare_amount(f, encoding, &mut buf) {
        Some(n) => &buf[..n],
        None => return slow_fen(f, encoding),
    };
    let (int, frac) = match memchr::memchr(b'.', f) {
        Some(dot) => (&f[..dot], &f[dot + 1..]),
        None => (f, &f[..0]),
    };
    if !int.is_empty() && int.len() <= 15 && frac.len() <= 2 && int.iter().chain(frac).all(u8::is_ascii_digit) {
        let yuan = int.iter().fold(0i64, |a, d| a * 10 + i64::from(d - b'0'));
        let cents = match frac.len() {
            0 => 0,
            1 => i64::from(frac[0] - b'0') * 10,
            _ => i64::from(frac[0] - b'0') * 10 + i64::from(frac[1] - b'0'),
        };
        return Ok(yuan * 100 + cents);
    }
    slow_fen(trim(field), encoding)
}

/// An area in m² as hundredths (`85.5`, `85.50㎡`, `85.5平方米`), read as
/// the delivery import reads it (`dataset::parse_area`: never negative).
pub fn area(field: &[u8], encoding: Encoding) -> Result<i64, Message> {
    let f = trim(field);
    let value = if f.is_ascii() {
        fen(f, encoding).ok().filter(|v| *v >= 0)
    } else {
        jiuzhu_domain::dataset::parse_area(&encoding.decode(f))
    };
    value.ok_or_else(|| Message::new("import.error.bad_area").arg("value", shown(f, encoding)))
}

/// [`fen`] through the domain's parser, with its message.
fn slow_fen(f: &[u8], encoding: Encoding) -> Result<i64, Message> {
    Fen::parse_yuan(&encoding.decode(f))
        .map(|v| v.0)
        .map_err(|_| Message::new("import.error.bad_money").arg("value", shown(f, encoding)))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether a field reads as a date (`2025-10-31`, `2025/10/31`,
/// `2025.10.31`, `20251031`, `2025年10月31日`) or, for `month`, also as a
/// month (`2025-10`, `2025/10`, `202510`, `2025年10月`). Empty is accepted.
/// Digits typed full-width (`２０２５年１０月`) are read as the domain reads
/// them (`dataset::parse_date`, `parse_month`), as a stored delivery would be.
pub fn is_date(field: &[u8], month: bool, encoding: Encoding) -> bool {
    let f = trim(field);
    if f.is_empty() || ascii_date(f, month) {
        return true;
    }
    !f.is_ascii() && {
        let text = encoding.decode(f);
        if month {
            jiuzhu_domain::dataset::parse_month(&text).is_some()
        } else {
            jiuzhu_domain::dataset::parse_date(&text).is_some()
        }
    }
}

/// [`is_date`] on the bytes, for fields of ASCII digits and the domain's
/// separators (年月日 in either encoding included); `false` for anything
/// else, which [`is_date`] hands to the domain when it is not ASCII.
fn ascii_date(f: &[u8], month: bool) -> bool {
    // The canonical forms and their common spellings (`2025-10-31`,
    // `2025/10/31`, `2025.10.31`; `2025-10`, `2025/10`) without the loop.
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    let num = |r: &[u8]| r.iter().fold(0u32, |a, b| a * 10 + u32::from(b - b'0'));
    let sep = |b: u8| matches!(b, b'-' | b'/' | b'.');
    if f.len() == 10 && sep(f[4]) && f[7] == f[4] && digits(&f[..4]) && digits(&f[5..7]) && digits(&f[8..]) {
        let (y, m, d) = (num(&f[..4]), num(&f[5..7]), num(&f[8..]));
        return (1900..=2100).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m);
    }
    if month && f.len() == 7 && sep(f[4]) && digits(&f[..4]) && digits(&f[5..]) {
        let (y, m) = (num(&f[..4]), num(&f[5..]));
        return (1900..=2100).contains(&y) && (1..=12).contains(&m);
    }
    // Digit groups separated by what the domain takes: `-`, `/`, `.`, and
    // 年, 月, 日 in UTF-8 or GBK. Any other byte ends the fast reading (a
    // GB18030 character may carry ASCII digit bytes): the caller asks the
    // domain when the field is not ASCII.
    const CJK: [&[u8]; 6] = [b"\xE5\xB9\xB4", b"\xE6\x9C\x88", b"\xE6\x97\xA5", b"\xC4\xEA", b"\xD4\xC2", b"\xC8\xD5"];
    let mut groups = [(0u32, 0usize); 4];
    let mut n = 0;
    let mut in_digits = false;
    let mut i = 0;
    while i < f.len() {
        let b = f[i];
        if b.is_ascii_digit() {
            if !in_digits {
                if n == groups.len() {
                    return false;
                }
                n += 1;
                in_digits = true;
            }
            let g = &mut groups[n - 1];
            g.0 = g.0.saturating_mul(10).saturating_add(u32::from(b - b'0'));
            g.1 += 1;
            i += 1;
        } else if matches!(b, b'-' | b'/' | b'.') {
            in_digits = false;
            i += 1;
        } else if let Some(sep) = CJK.iter().find(|sep| f[i..].starts_with(sep)) {
            in_digits = false;
            i += sep.len();
        } else {
            return false;
        }
    }
    let ymd = |y: u32, m: u32, d: Option<u32>| {
        (1900..=2100).contains(&y)
            && (1..=12).contains(&m)
            && d.is_none_or(|d| chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some())
    };
    match (n, groups) {
        (3, [(y, 4), (m, 1..=2), (d, 1..=2), _]) => ymd(y, m, Some(d)),
        (2, [(y, 4), (m, 1..=2), _, _]) => month && ymd(y, m, None),
        (1, [(v, 8), ..]) => ymd(v / 10000, v / 100 % 100, Some(v % 100)),
        (1, [(v, 6), ..]) => month && ymd(v / 100, v % 100, None),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fields_split_with_quotes() {
        let mut out = [&b""[..]; 4];
        let n = split_fields(b"a,\"1,234.50\",,x\r", &mut out);
        assert_eq!(n, 4);
        assert_eq!(out, [&b"a"[..], b"1,234.50", b"", b"x"]);
    }

    #[test]
    fn ids_fast_and_slow_paths_agree_with_the_domain() {
        for raw in
            ["11010519491231002X", "11010519491231002x", " 110105491231002 ", "１１０１０５１９４９１２３１００２Ｘ"]
        {
            let expected = IdNumber::parse(raw).unwrap().to_u64();
            assert_eq!(id_key(raw.as_bytes(), Encoding::Utf8), Ok(expected), "{raw}");
        }
        assert_eq!(id_key(b"3.40102194E+17", Encoding::Utf8).unwrap_err().key, "id.error.scientific");
        assert_eq!(id_key(b"110105194912310021", Encoding::Utf8).unwrap_err().key, "id.error.check_digit");
        assert_eq!(id_key(b"110105194902300029", Encoding::Utf8).unwrap_err().key, "id.error.birth_date");
    }

    #[test]
    fn dates_and_months() {
        for ok in ["2025-10-31", "2025/10/31", "2025.10.31", "20251031", "2025年10月31日", ""] {
            assert!(is_date(ok.as_bytes(), false, Encoding::Utf8), "{ok}");
        }
        for ok in ["2025-10", "202510", "2025年10月"] {
            assert!(is_date(ok.as_bytes(), true, Encoding::Utf8), "{ok}");
            assert!(!is_date(ok.as_bytes(), false, Encoding::Utf8), "{ok} is not a day");
        }
        for bad in ["2025-02-30", "31/10/2025", "yesterday", "2025-13", "20251301"] {
            assert!(!is_date(bad.as_bytes(), true, Encoding::Utf8), "{bad}");
        }
        assert!(is_date(&Encoding::Gb18030.encode("2025年10月"), true, Encoding::Gb18030));
    }

    #[test]
    fn rejected_values_are_shown_cut() {
        assert_eq!(shown(b"abc", Encoding::Utf8), "abc");
        let long = "甲".repeat(100);
        let cut = shown(long.as_bytes(), Encoding::Utf8);
        assert_eq!(cut, format!("{}…", "甲".repeat(40)));
        let gbk = Encoding::Gb18030.encode(&"乙".repeat(30));
        assert_eq!(shown(&gbk, Encoding::Gb18030), "乙".repeat(30), "30 characters in 60 bytes: whole");
        assert_eq!(shown(&[b'9'; 1 << 20], Encoding::Utf8), format!("{}…", "9".repeat(40)));
        assert!(is_blank_line(b",,, \t\"\"\r") && is_blank_line(b""));
        assert!(!is_blank_line(b",,x,") && !is_blank_line("，".as_bytes()));
    }

    #[test]
    fn amounts() {
        assert_eq!(fen(b"1234.5", Encoding::Utf8), Ok(123450));
        assert_eq!(fen(b"1,234.50", Encoding::Utf8), Ok(123450));
        assert_eq!(fen(b"0.01", Encoding::Utf8), Ok(1));
        let gbk = Encoding::Gb18030.encode("￥88");
        assert_eq!(fen(&gbk, Encoding::Gb18030), Ok(8800));
        assert!(fen(b"abc", Encoding::Utf8).is_err());
        assert!(fen(b"1.234", Encoding::Utf8).is_err());
    }

    /// The MOD 11-2 check character, computed here with weights 2^(17-i)
    /// mod 11 rather than the tables under test.
    fn independent_check(first17: &[u8]) -> u8 {
        let sum: u32 = first17.iter().enumerate().map(|(i, d)| u32::from(d - b'0') * ((1u32 << (17 - i)) % 11)).sum();
        match (12 - sum % 11) % 11 {
            10 => b'X',
            n => b'0' + n as u8,
        }
    }

    /// 17 digits with a real birth date (1880–2099) and any region and sequence.
    fn valid_first17() -> impl Strategy<Value = Vec<u8>> {
        ("[0-9]{6}", 0i64..80_000, "[0-9]{3}").prop_map(|(region, days, seq)| {
            let birth = chrono::NaiveDate::from_ymd_opt(1880, 1, 1).unwrap() + chrono::Days::new(days as u64);
            format!("{region}{}{seq}", birth.format("%Y%m%d")).into_bytes()
        })
    }

    proptest! {
        #[test]
        fn any_id_packs_like_the_domain(s in "[0-9]{17}[0-9X]|[0-9]{15}") {
            let fast = id_key(s.as_bytes(), Encoding::Utf8).ok();
            let slow = IdNumber::parse(&s).ok().map(|id| id.to_u64());
            prop_assert_eq!(fast, slow);
        }

        /// Issue 10 point 13: random digit strings are almost never valid
        /// (≈0.008%), so the test above mostly compared two rejections.
        /// Valid numbers: the packer, the domain and an independent packing agree.
        #[test]
        fn valid_ids_pack_like_the_domain(first17 in valid_first17(), lower in any::<bool>(), pad in any::<bool>()) {
            let check = independent_check(&first17);
            let mut raw = first17.clone();
            raw.push(if lower { check.to_ascii_lowercase() } else { check });
            let body = first17.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
            let expected = body * 11 + if check == b'X' { 10 } else { u64::from(check - b'0') };
            let field = if pad { [b" ".as_slice(), &raw, b" "].concat() } else { raw.clone() };
            let text = String::from_utf8(raw).unwrap();
            prop_assert_eq!(IdNumber::parse(&text).map(|id| id.to_u64()), Ok(expected));
            prop_assert_eq!(id_key(&field, Encoding::Utf8), Ok(expected), "{}", text);
        }

        #[test]
        fn valid_fifteen_digit_ids_pack_like_the_domain(first17 in valid_first17()) {
            prop_assume!(&first17[6..8] == b"19");
            let old: Vec<u8> = [&first17[..6], &first17[8..]].concat();
            let check = independent_check(&first17);
            let body = first17.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
            let expected = body * 11 + if check == b'X' { 10 } else { u64::from(check - b'0') };
            prop_assert_eq!(id_key(&old, Encoding::Utf8), Ok(expected));
            prop_assert_eq!(IdNumber::parse(std::str::from_utf8(&old).unwrap()).map(|id| id.to_u64()), Ok(expected));
        }

        /// One character changed in a valid number: both refuse it.
        #[test]
        fn a_changed_valid_id_is_refused_by_both(first17 in valid_first17(), pos in 0usize..18, delta in 1u8..10) {
            let mut raw = first17.clone();
            raw.push(independent_check(&first17));
            raw[pos] = if pos == 17 && raw[17] == b'X' {
                b'0' + delta
            } else if pos == 17 {
                if (raw[17] - b'0' + delta) % 11 == 10 { b'X' } else { b'0' + (raw[17] - b'0' + delta) % 11 }
            } else {
                b'0' + (raw[pos] - b'0' + delta) % 10
            };
            let text = String::from_utf8(raw).unwrap();
            prop_assert!(IdNumber::parse(&text).is_err(), "{}", text);
            prop_assert!(id_key(text.as_bytes(), Encoding::Utf8).is_err(), "{}", text);
        }

        #[test]
        fn canonical_dates_read_like_the_domain(y in 1850u32..2150, m in 0u32..14, d in 0u32..33) {
            let day = format!("{y:04}-{m:02}-{d:02}");
            let expected = jiuzhu_domain::dataset::parse_date(&day).is_some();
            prop_assert_eq!(is_date(day.as_bytes(), false, Encoding::Utf8), expected, "{}", day);
            let month = format!("{y:04}-{m:02}");
            let expected = jiuzhu_domain::dataset::parse_month(&month).is_some();
            prop_assert_eq!(is_date(month.as_bytes(), true, Encoding::Utf8), expected, "{}", month);
        }

        /// Every spelling of `datasets.md`, ASCII or full-width digits, in
        /// UTF-8 or GBK: the engine accepts what the delivery import does.
        #[test]
        fn any_spelling_of_a_date_reads_like_the_domain(
            y in 1890u32..2110, m in 0u32..14, d in 0u32..33, style in 0usize..12, wide in any::<bool>(), gbk in any::<bool>(),
        ) {
            let text = match style {
                0 => format!("{y:04}-{m:02}-{d:02}"),
                1 => format!("{y}/{m}/{d}"),
                2 => format!("{y}.{m:02}.{d:02}"),
                3 => format!("{y:04}{m:02}{d:02}"),
                4 => format!("{y}年{m}月{d}日"),
                5 => format!("{y}年{m}月"),
                6 => format!("{y:04}-{m:02}"),
                7 => format!("{y:04}/{m:02}"),
                8 => format!("{y:04}.{m:02}"),
                9 => format!("{y:04}{m:02}"),
                // Separators the domain refuses, a GB18030 character whose
                // bytes hold ASCII digits, text around a date.
                _ => {
                    let junk = [" ", ":", "号", "约", "x", "\u{060C}"][(d as usize) % 6];
                    match m % 4 {
                        0 => format!("{y}{junk}{m}{junk}{d}"),
                        1 => format!("{y}年{m}月{d}{junk}"),
                        2 => format!("{junk}{y:04}{m:02}{d:02}"),
                        _ => format!("{y:04}{junk}"),
                    }
                }
            };
            let text = if wide {
                text.chars().map(|c| c.to_digit(10).map_or(c, |v| char::from_u32(0xFF10 + v).unwrap_or(c))).collect()
            } else {
                text
            };
            let encoding = if gbk { Encoding::Gb18030 } else { Encoding::Utf8 };
            let bytes = encoding.encode(&text);
            prop_assert_eq!(is_date(&bytes, false, encoding), jiuzhu_domain::dataset::parse_date(&text).is_some(), "{}", text);
            prop_assert_eq!(is_date(&bytes, true, encoding), jiuzhu_domain::dataset::parse_month(&text).is_some(), "{}", text);
        }

        /// The shapes offices write amounts in — grouped, with ¥/￥ before
        /// or 元 after, spaces, signs, any decimals — in UTF-8 or GBK: the
        /// fast path gives what the domain's parser gives, or refuses alike.
        #[test]
        fn any_spelling_of_an_amount_reads_like_the_domain(
            int in "[0-9]{0,13}", commas in prop::collection::vec(0usize..14, 0..4), frac in "(\\.[0-9]{0,3})?",
            sign in "[-+]?", before in "(¥|￥| )?", after in "(元| )?", junk in "(x|１|,,)?", gbk in any::<bool>(),
        ) {
            let mut digits = int.clone();
            for at in commas {
                let at = at.min(digits.len());
                digits.insert(at, ',');
            }
            let text = format!("{before}{sign}{digits}{junk}{frac}{after}");
            let encoding = if gbk && !text.contains('¥') { Encoding::Gb18030 } else { Encoding::Utf8 };
            let bytes = encoding.encode(&text);
            let expected = Fen::parse_yuan(&text).map(|f| f.0).ok();
            prop_assert_eq!(fen(&bytes, encoding).ok(), expected, "{}", text);
        }

        #[test]
        fn any_spelling_of_an_area_reads_like_the_domain(
            int in "[0-9]{0,5}", frac in "(\\.[0-9]{0,3})?", sign in "-?", unit in "(㎡|平方米|m²| |　)?",
            lead in "( |　)?", gbk in any::<bool>(),
        ) {
            let text = format!("{lead}{sign}{int}{frac}{unit}");
            let encoding = if gbk && !text.contains('²') && !text.contains('㎡') { Encoding::Gb18030 } else { Encoding::Utf8 };
            let bytes = encoding.encode(&text);
            prop_assert_eq!(area(&bytes, encoding).ok(), jiuzhu_domain::dataset::parse_area(&text), "{}", text);
        }

        #[test]
        fn any_amount_parses_like_the_domain(yuan in 0i64..10_000_000_000, cents in 0i64..100) {
            let text = format!("{yuan}.{cents:02}");
            prop_assert_eq!(fen(text.as_bytes(), Encoding::Utf8), Ok(yuan * 100 + cents));
        }
    }
}
