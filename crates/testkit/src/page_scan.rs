//! What a page must not show a reader: the scan of its text (never its
//! tags, attributes or URLs) for stored codes and field names
//! (`check_materials`, `monthly_benefit_fen`), amounts in fen, raw JSON,
//! and any other internal code the caller names.

/// The text a reader sees: tags dropped (attributes and URLs with them),
/// scripts and styles skipped, the common entities decoded.
pub fn page_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tag = &rest[open..];
        let lower = tag.get(..8).unwrap_or(tag).to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            tag.find("</script>").map(|i| i + "</script>".len())
        } else if lower.starts_with("<style") {
            tag.find("</style>").map(|i| i + "</style>".len())
        } else {
            tag.find('>').map(|i| i + 1)
        };
        let Some(end) = skip_to else { break };
        out.push(' ');
        rest = &tag[end..];
    }
    if !rest.contains('<') {
        out.push_str(rest);
    }
    out.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Everything in the text of `html` that a reader should not see: a
/// snake_case word (`case_approve`), a word ending in `_fen`, raw JSON
/// (`{"`), or a whole word among `codes`.
pub fn internal_codes(html: &str, codes: &[&str]) -> Vec<String> {
    let text = page_text(html);
    let mut found = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let snake = word.contains('_')
            && word.split('_').filter(|p| !p.is_empty()).count() >= 2
            && word.bytes().any(|b| b.is_ascii_lowercase());
        if snake || word.ends_with("_fen") || codes.contains(&word) {
            found.push(word.to_string());
        }
    }
    if let Some(at) = text.find("{\"") {
        found.push(text[at..].split_whitespace().next().unwrap_or_default().to_string());
    }
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_text_a_reader_sees_is_scanned() {
        let html = r#"<a href="/cases/1?action=check_materials" data-action="approve">批准</a>
            <script>var x = {"a_b": 1};</script><td>monthly_benefit_fen：126000</td><p>{&quot;stage&quot;:1}</p>
            <p>审批 approve 1,260.00元</p>"#;
        assert_eq!(page_text("<b>a</b> &amp; b").trim(), "a  & b");
        assert_eq!(internal_codes(html, &["approve"]), vec!["approve", "monthly_benefit_fen", "{\"stage\":1}"]);
        assert!(internal_codes("<p>批准：金额1,260.00元；2025年10月20日</p>", &["approve"]).is_empty());
    }
}
