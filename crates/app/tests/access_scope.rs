//! Region scope cannot be forgotten: the store's lists and counts of scoped
//! tables take a `Within`, and in the app only `access` builds one, from
//! the actor. The public's entry points act as an explicit public actor
//! whose sight is one village, never the whole installation.

use std::path::{Path, PathBuf};

use jiuzhu_app::access::{within, within_requested};
use jiuzhu_app::{Actor, Scope};
use jiuzhu_domain::{RegionCode, Role};
use jiuzhu_store::Within;

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

fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|f| (f.strip_prefix(&src).unwrap().display().to_string(), std::fs::read_to_string(&f).unwrap()))
        .collect()
}

#[test]
fn only_access_builds_a_within() {
    let sources = sources();
    assert!(sources.len() > 20, "found only {} files", sources.len());
    let builders: Vec<&str> = sources
        .iter()
        // The store's two constructors (its field is private).
        .filter(|(path, text)| {
            path != "access.rs" && (text.contains("Within::everything") || text.contains("Within::region"))
        })
        .map(|(path, _)| path.as_str())
        .collect();
    assert!(builders.is_empty(), "build a Within only in app::access: {builders:?}");
}

#[test]
fn the_public_boards_act_as_the_public_not_as_everyone() {
    let sources = sources();
    let (_, board) = sources.iter().find(|(path, _)| path == "notice_board.rs").unwrap();
    assert!(!board.contains("Scope::All"), "the notice board's entry points act as Actor::public");
    let village = RegionCode::parse("340102001001").unwrap();
    let public = Actor::public("198.51.100.7", &village);
    assert_eq!((public.roles.len(), public.user_id, public.name.as_str()), (0, None, "公众"));
    assert_eq!(within(&public), Within::region(village.clone()));
    assert!(!public.scope.contains(&RegionCode::parse("340102001002").unwrap()), "the next village is out of sight");
}

#[test]
fn a_request_is_narrowed_to_the_actors_sight() {
    let code = |s: &str| RegionCode::parse(s).unwrap();
    let clerk = Actor::user(1, "jingban", &[Role::TownshipClerk], Scope::Region(code("340102001")));
    assert_eq!(within(&clerk), Within::region(code("340102001")));
    assert_eq!(within_requested(&clerk, Some(&code("340102001002"))), Within::region(code("340102001002")));
    assert_eq!(within_requested(&clerk, Some(&code("340102002"))), Within::region(code("340102001")));
    assert_eq!(within_requested(&clerk, Some(&code("340102"))), Within::region(code("340102001")));
    assert_eq!(within(&Actor::system()), Within::everything());
}
