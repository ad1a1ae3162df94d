//! Where the application may send a browser back to after a sign-in or a
//! language switch (security-sensitive).
//!
//! A redirect target taken from the request (`next=`, the `Referer`) is an
//! open redirect unless it can only name a page of this site. Browsers
//! read `//host/…` and `/\host/…` (and a percent-encoded backslash, which
//! some servers and proxies decode) as another site, so only a path that
//! starts with exactly one `/` and contains nothing a browser could turn
//! into an authority or a scheme is followed.

/// The path itself when it is a safe same-site path to redirect to, else
/// `None`.
///
/// Accepted: printable ASCII starting with a single `/`, with no backslash
/// anywhere (raw or percent-encoded), no percent-encoded slash or control
/// character, and no whitespace. Everything else (`//x`, `/\x`, `/%5Cx`,
/// `\x`, `https://x`, `javascript:…`, relative paths, an empty string) is
/// refused; the caller then goes to its default page.
pub(crate) fn safe_local_path(s: &str) -> Option<&str> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'/') {
        return None;
    }
    if !bytes.iter().all(|b| b.is_ascii_graphic()) || bytes.contains(&b'\\') {
        return None;
    }
    // Escapes that decode to a slash, a backslash or a control character.
    let mut i = 0;
    while let Some(pos) = bytes[i..].iter().position(|&b| b == b'%') {
        let at = i + pos;
        let hex = bytes.get(at + 1..at + 3)?;
        let decoded = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        if decoded == b'\\' || decoded.is_ascii_control() || (decoded == b'/' && at == 1) {
            return None;
        }
        i = at + 3;
    }
    match bytes.get(1) {
        Some(b'/') => None,
        _ => Some(s),
    }
}

/// The path (with its query) of a `Referer` that names this site, `host`
/// being the request's `Host` header; `None` for another site or a value
/// that is not a safe local path.
pub(crate) fn local_referer<'a>(referer: &'a str, host: &str) -> Option<&'a str> {
    let rest = referer.strip_prefix("https://").or_else(|| referer.strip_prefix("http://"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.contains('@') || !authority.eq_ignore_ascii_case(host) {
        return None;
    }
    let path = path.split('#').next().unwrap_or(path);
    safe_local_path(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_local_paths() {
        for ok in ["/", "/households", "/cases/12?tab=history", "/households?q=%E5%BC%A0", "/a/b%2Fc"] {
            assert_eq!(safe_local_path(ok), Some(ok), "{ok}");
        }
    }

    #[test]
    fn refuses_other_sites_and_schemes() {
        for bad in [
            "",
            "//evil.example/x",
            "/\\evil.example/x",
            "/%5Cevil.example/phish",
            "/%5cevil.example/phish",
            "/%2F/evil.example",
            "/%2fevil.example",
            "\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "households",
            "/a\nLocation: x",
            "/a%0d%0aSet-Cookie:x",
            "/a b",
            "/\t/evil.example",
            "/%",
            "/%zz",
            "/é",
        ] {
            assert_eq!(safe_local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn referer_of_this_site_only() {
        assert_eq!(local_referer("http://jz.local:8080/cases/3?x=1", "jz.local:8080"), Some("/cases/3?x=1"));
        assert_eq!(local_referer("https://JZ.local/households#top", "jz.local"), Some("/households"));
        assert_eq!(local_referer("https://jz.local", "jz.local"), Some("/"));
        assert_eq!(local_referer("https://evil.example/households", "jz.local"), None);
        assert_eq!(local_referer("https://jz.local@evil.example/x", "jz.local"), None);
        assert_eq!(local_referer("https://jz.local//evil.example/x", "jz.local"), None);
        assert_eq!(local_referer("ftp://jz.local/x", "jz.local"), None);
    }

    /// What a browser would do with the `Location`: any value starting
    /// with two slashes or slash-backslash, after decoding percent escapes
    /// of backslash and slash, leaves the site.
    fn leaves_site(s: &str) -> bool {
        let decoded = s.replace("%5C", "\\").replace("%5c", "\\").replace("%2F", "/").replace("%2f", "/");
        let d = decoded.as_bytes();
        !s.starts_with('/') || matches!(d.get(1), Some(b'/') | Some(b'\\')) || d.contains(&b'\\')
    }

    proptest! {
        #[test]
        fn accepted_paths_never_leave_the_site(s in "[/\\\\%a-zA-Z0-9:.?=&#@ \t\n5cCfF2]{0,24}") {
            if let Some(p) = safe_local_path(&s) {
                prop_assert_eq!(p, s.as_str());
                prop_assert!(!leaves_site(p), "{:?}", p);
                prop_assert!(p.bytes().all(|b| b.is_ascii_graphic()));
            }
        }

        #[test]
        fn any_prefix_of_two_slashes_is_refused(prefix in prop::sample::select(vec!["//", "/\\", "/%5C", "/%5c", "/%2F", "\\"]), rest in ".{0,20}") {
            let s = format!("{prefix}{rest}");
            prop_assert_eq!(safe_local_path(&s), None);
        }

        #[test]
        fn plain_paths_are_kept(segs in prop::collection::vec("[a-z0-9_-]{1,8}", 0..5)) {
            let s = format!("/{}", segs.join("/"));
            prop_assert_eq!(safe_local_path(&s), Some(s.as_str()));
        }
    }
}
