use super::*;
use std::process::Command;

fn root() -> PathBuf {
    crate::steps::root()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kasse-arch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn use_trees_are_expanded_and_comments_skipped() {
    let paths = named_paths(
        "use crate::{store::{Store, list::Page}, sale as s};\n\
         // use crate::commented::Out;\n\
         fn f() { super::helper::go(); let _ = crate::money::Cents(1); }\n",
    );
    let as_text: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        as_text,
        [
            "crate::store::Store",
            "crate::store::list::Page",
            "crate::sale",
            "super::helper::go",
            "crate::money::Cents",
        ]
    );
}

#[test]
fn a_cycle_between_siblings_is_found_and_containment_is_not_one() {
    let dir = scratch("cycle");
    write(&dir, "lib.rs", "mod a; mod b; mod c;");
    write(
        &dir,
        "a/mod.rs",
        "mod inner; use self::inner::X; use crate::b::Y;",
    );
    write(&dir, "a/inner.rs", "use super::Z; pub struct X;");
    write(&dir, "b.rs", "pub struct Y; fn f() { crate::c::go() }");
    write(&dir, "c.rs", "pub fn go() { let _ = crate::a::inner::X; }");
    let edges = sibling_edges(&dir);
    let cycle = first_cycle(&edges).expect("a -> b -> c -> a is a cycle");
    assert_eq!(cycle, "crate: a -> b -> c -> a");

    // Break it: c no longer names a; the parent/child uses inside a are not a cycle.
    write(&dir, "c.rs", "pub fn go() {}");
    assert_eq!(first_cycle(&sibling_edges(&dir)), None);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_crate_of_the_workspace_has_an_import_cycle() {
    let root = root();
    let mut srcs = vec![root.join("src-tauri/src"), root.join("xtask/src")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        srcs.push(entry.path().join("src"));
    }
    let mut checked = 0;
    for src in srcs.iter().filter(|s| s.is_dir()) {
        let edges = sibling_edges(src);
        assert_eq!(
            first_cycle(&edges),
            None,
            "import cycle in {}",
            src.display()
        );
        checked += 1;
    }
    assert!(
        checked >= 6,
        "only {checked} crates found under {}",
        root.display()
    );
}

/// Every package reachable from `name` through normal (and build) dependencies.
fn closure(metadata: &serde_json::Value, name: &str) -> BTreeSet<String> {
    let names: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: BTreeMap<&str, &serde_json::Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let start = names
        .iter()
        .find(|(_, n)| **n == name)
        .map(|(id, _)| *id)
        .unwrap_or_else(|| panic!("no package {name}"));
    let (mut seen, mut todo) = (BTreeSet::new(), vec![start]);
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let not_dev = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].as_str() != Some("dev"));
            if not_dev {
                todo.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    seen.remove(start);
    seen.into_iter().map(|id| names[id].to_string()).collect()
}

#[test]
fn each_crate_depends_only_on_what_its_layer_may() {
    // Not `--offline`: the metadata resolves every platform's dependencies, and a fresh
    // machine's cache holds only those its builds fetched.
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let is_desktop =
        |n: &String| n.starts_with("tauri") || n == "wry" || n.starts_with("webkit2gtk");

    // The walk sees the desktop stack where it is, so its absence below means something.
    assert!(closure(&metadata, "kasse").iter().any(is_desktop));
    for name in [
        "kasse-core",
        "dintero-client",
        "dintero-sandbox",
        "kasse-cli",
    ] {
        let deps = closure(&metadata, name);
        let desktop: Vec<_> = deps.iter().filter(|n| is_desktop(n)).collect();
        assert!(desktop.is_empty(), "{name} pulls in {desktop:?}");
        assert!(
            !deps.contains("kasse"),
            "{name} depends on the desktop shell"
        );
    }
    let client = closure(&metadata, "dintero-client");
    assert!(!client.contains("kasse-core") && !client.contains("dintero-sandbox"));
    // The simulator is an independent double: it must not share the client's reading of the API.
    assert!(!closure(&metadata, "dintero-sandbox").contains("dintero-client"));
    assert!(!closure(&metadata, "kasse-core").contains("kasse-cli"));
}

/// Every file the maintainers' and users' documents name in backticks exists: as a path from
/// the repository's root, as a path inside some crate (`tests/it/`, `src/lib/api.ts`, in the
/// section about that crate) or as a bare file name. Moving a file means saying where it went.
#[test]
fn the_documents_name_only_files_that_exist() {
    let root = root();
    // Every file and folder, as paths from the root with a leading `/`.
    let hidden = |name: &str| name.starts_with('.') || matches!(name, "target" | "node_modules");
    let paths: BTreeSet<String> = walk(&root, &hidden)
        .into_iter()
        .filter(|path| {
            !path
                .file_name()
                .is_some_and(|n| hidden(&n.to_string_lossy()))
        })
        .map(|path| {
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                format!("/{rel}/")
            } else {
                format!("/{rel}")
            }
        })
        .collect();
    // The shared design documents live outside this repository.
    let outside = ["DESIGN.md", "dintero-api.md", "tauri-notes.md"];
    let kinds = [
        ".rs", ".ts", ".svelte", ".json", ".md", ".toml", ".sql", ".html", "/",
    ];
    let mut missing = Vec::new();
    for doc in [
        "README.md",
        "ARCHITECTURE.md",
        "RELIABILITY.md",
        "BENCHMARKS.md",
    ] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        for quoted in text.split('`').skip(1).step_by(2) {
            let named = quoted.trim_start_matches("./");
            if named.contains(|c: char| c.is_whitespace() || "*:<>{}$…".contains(c))
                || !kinds.iter().any(|k| named.ends_with(k))
                || named.starts_with('/')
                || named.starts_with("target/")
                || outside.iter().any(|o| named.ends_with(o))
                || named == "/"
            {
                continue;
            }
            let suffix = format!("/{named}");
            if !paths.iter().any(|p| p.ends_with(&suffix)) {
                missing.push(format!("{doc}: `{quoted}`"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "documents name files that are not there:\n{}",
        missing.join("\n")
    );
}

/// The structs of `source` that derive `Debug` and have a field that holds a secret or a PIN
/// as plain text (`client_secret: String`, `pin: Option<String>`), as `Struct.field`.
fn debug_printed_secrets(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("#[derive(") {
        rest = &rest[at..];
        let derive_end = rest.find(")]").unwrap_or(rest.len());
        let derives_debug = rest[..derive_end]
            .split([',', '(', ' '])
            .any(|d| d == "Debug");
        rest = &rest[derive_end..];
        let (Some(open), Some(semi)) = (rest.find('{'), rest.find(';').or(Some(usize::MAX))) else {
            break;
        };
        let head = &rest[..open];
        let Some(name) = head
            .split("struct ")
            .nth(1)
            .and_then(|n| n.split(|c: char| !c.is_alphanumeric() && c != '_').next())
        else {
            continue;
        };
        if !derives_debug || semi < open {
            continue;
        }
        let close = rest[open..].find("\n}").map_or(rest.len(), |c| open + c);
        for line in rest[open + 1..close].lines() {
            let line = line
                .trim()
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            let Some((field, ty)) = line.split_once(':') else {
                continue;
            };
            let field = field.trim();
            let secret_name = ["secret", "token", "password", "passphrase"]
                .iter()
                .any(|w| field.contains(w))
                || field.split('_').any(|w| w == "pin");
            let is_reference =
                field.ends_with("_hash") || field.ends_with("_id") || field.ends_with("_storage");
            let plain = ["String", "&str", "Vec<u8>"].iter().any(|t| ty.contains(t));
            if secret_name && !is_reference && plain {
                found.push(format!("{name}.{field}"));
            }
        }
    }
    found
}

#[test]
fn the_secret_scan_finds_a_secret_in_a_derived_debug_and_nothing_else() {
    let source = "#[derive(Debug, Clone)]\npub struct A {\n    pub client_secret: String,\n    pub name: String,\n}\n\
                  #[derive(Clone)]\npub struct B {\n    pin: Option<String>,\n}\n\
                  #[derive(Debug)]\nstruct C {\n    refund_pin_hash: Option<String>,\n    payment_token_id: Option<String>,\n    spin: String,\n}\n\
                  #[derive(Debug, Default)]\nstruct D {\n    pub(crate) pin: Option<String>,\n}\n";
    assert_eq!(debug_printed_secrets(source), ["A.client_secret", "D.pin"]);
}

/// No type in the workspace holding a secret or a PIN as text derives a `Debug` that would
/// print it (they write their own, or hold a redacting type such as `Secret` or `PinHash`).
#[test]
fn no_derived_debug_prints_a_secret_or_a_pin() {
    let root = root();
    let not_sources = |name: &str| matches!(name, "target" | "tests" | "blank-app");
    let mut found = Vec::new();
    for dir in ["crates", "src-tauri/src", "xtask/src"] {
        for path in walk(&root.join(dir), &not_sources) {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() || !name.ends_with(".rs") || name == "tests.rs" {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for hit in debug_printed_secrets(&source) {
                let shown = path.strip_prefix(&root).unwrap().display();
                found.push(format!("{shown}: {hit}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a derived Debug prints these:\n{}",
        found.join("\n")
    );
}
