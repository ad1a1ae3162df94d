//! Tidy checks on the source tree itself: every module says why it exists,
//! and crates depend on each other only in the documented direction
//! (ARCHITECTURE.md). A new edge between workspace crates is an
//! architecture change: update the table below and ARCHITECTURE.md together.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    let mut files = Vec::new();
    for krate in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.exists() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    let missing: Vec<_> = files
        .iter()
        .filter(|f| !std::fs::read_to_string(f).unwrap().trim_start().starts_with("//!"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(missing.is_empty(), "modules without a `//!` doc: {missing:?}");
}

/// Every message a program builds (`Message::new("key")`) is in the
/// catalogue, so no user ever reads a bare key.
#[test]
fn every_message_key_in_the_code_is_in_the_catalogue() {
    let mut files = Vec::new();
    for krate in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.exists() {
            rust_files(&src, &mut files);
        }
    }
    let mut unknown = Vec::new();
    let mut seen = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for part in text.split("Message::new(\"").skip(1) {
            let key = part.split('"').next().unwrap_or_default();
            seen += 1;
            if !jiuzhu_domain::i18n::has_key(key) {
                unknown.push(format!("{key} ({})", file.display()));
            }
        }
    }
    assert!(seen > 50, "found only {seen} keys");
    assert!(unknown.is_empty(), "message keys missing from the catalogue: {unknown:?}");
}

/// Every kind of record an audit record names (`Target::new("kind", …)` in
/// the use cases) and every action a use case records
/// (`audit(…, "action", …)`, `require(…, "action", …)`) reads as words on the
/// audit page.
#[test]
fn every_audited_kind_and_action_has_a_label() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates/app/src"), &mut files);
    let (mut kinds, mut actions, mut unlabelled) = (0, 0, Vec::new());
    let literal =
        |part: &str| part.trim_start().strip_prefix('"').and_then(|p| p.split('"').next()).map(str::to_string);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for part in text.split("Target::new(").skip(1) {
            let Some(kind) = literal(part) else { continue };
            kinds += 1;
            if jiuzhu_domain::history::target_kind_key(&kind).is_none() {
                unlabelled.push(format!("kind {kind} ({})", file.display()));
            }
        }
        // The action is a string literal among the first five arguments of
        // audit/require (`audit(tx, actor, now, "action", …)`).
        for call in ["audit(", "require("] {
            for part in text.split(call).skip(1) {
                let args = part.split(';').next().unwrap_or_default();
                let Some(action) = args.split(',').take(5).find_map(literal) else { continue };
                if !action.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    continue;
                }
                actions += 1;
                if jiuzhu_domain::history::action_message(&action).is_none() {
                    unlabelled.push(format!("action {action} ({})", file.display()));
                }
            }
        }
    }
    assert!(kinds > 30 && actions > 60, "found only {kinds} kinds and {actions} actions");
    assert!(unlabelled.is_empty(), "audited without a label: {unlabelled:?}");
}

/// The allowed dependencies between workspace crates (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("files", &["jiuzhu-domain"]),
    ("store", &["jiuzhu-domain"]),
    ("app", &["jiuzhu-domain", "jiuzhu-store", "jiuzhu-files", "jiuzhu-verify"]),
    ("web", &["jiuzhu-domain", "jiuzhu-app", "jiuzhu-files", "jiuzhu-print"]),
    ("print", &[]),
    ("verify", &["jiuzhu-domain", "jiuzhu-files"]),
    (
        "cli",
        &["jiuzhu-domain", "jiuzhu-store", "jiuzhu-app", "jiuzhu-files", "jiuzhu-web", "jiuzhu-verify", "jiuzhu-print"],
    ),
    ("testkit", &["jiuzhu-domain", "jiuzhu-store"]),
];

#[test]
fn crates_depend_only_in_the_documented_direction() {
    for (krate, allowed) in ALLOWED {
        let manifest = std::fs::read_to_string(workspace().join("crates").join(krate).join("Cargo.toml")).unwrap();
        let deps = manifest.split("[dependencies]").nth(1).unwrap_or("").split("\n[").next().unwrap_or("");
        let used: Vec<&str> =
            deps.lines().filter_map(|l| l.split(['.', ' ', '=']).next()).filter(|n| n.starts_with("jiuzhu-")).collect();
        for dep in &used {
            assert!(allowed.contains(dep), "crates/{krate} depends on {dep}, which ARCHITECTURE.md does not allow");
        }
    }
    let domain = std::fs::read_to_string(workspace().join("crates/domain/Cargo.toml")).unwrap();
    for forbidden in ["tokio", "sqlx", "axum", "anyhow", "rand"] {
        assert!(!domain.contains(&format!("\n{forbidden}")), "the domain must not depend on {forbidden}");
    }
}
