//! ARCHITECTURE.md's structural invariants, checked: which crate may depend on which (from
//! `cargo metadata`, normal dependencies only) and no import cycle between sibling modules of any
//! crate (from the `use crate::…` / `super::…` paths in its source).
//!
//! Modules nest, so a child naming its parent (or the parent its child) is containment, not a
//! cycle; what is checked is the graph between siblings: if `store` uses `sale`, nothing below
//! `sale` may use anything below `store`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path inside one crate: `["store", "list"]` for `crate::store::list`.
pub(crate) type ModPath = Vec<String>;

/// Every file and folder below `dir`, leaving out the folders whose name `skip` accepts and
/// everything under them; unreadable folders are left out.
pub(crate) fn walk(dir: &Path, skip: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if skip(&entry.file_name().to_string_lossy()) {
                    continue;
                }
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

/// The modules of one crate, from its files: `src/a.rs` and `src/a/mod.rs` are `a`,
/// `src/a/b.rs` is `a::b`. Binaries under `src/bin/` are crates of their own and left out.
pub(crate) fn modules(src: &Path) -> BTreeMap<ModPath, PathBuf> {
    walk(src, &|_| false)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter_map(|path| {
            let rel = path.strip_prefix(src).ok()?;
            (!rel.starts_with("bin")).then(|| (module_of(rel), path.clone()))
        })
        .collect()
}

fn module_of(rel: &Path) -> ModPath {
    let mut parts: ModPath = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".rs").to_string();
    }
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The paths a source file names, as written: `crate::a::b::C`, `super::x::Y`, `self::z`,
/// with `use` trees (`use crate::{a::X, b::{Y, Z}}`) expanded. Comments are skipped.
pub(crate) fn named_paths(source: &str) -> Vec<Vec<String>> {
    let code: String = source
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    // `use` trees first (their braces need expanding), then every other `crate::`/`super::` path.
    let mut rest = code.as_str();
    let mut plain = String::new();
    while let Some(i) = find_use(rest) {
        plain.push_str(&rest[..i]);
        let after = &rest[i + 4..];
        let end = after.find(';').unwrap_or(after.len());
        expand_use_tree(&after[..end], &mut Vec::new(), &mut out);
        rest = &after[end..];
    }
    plain.push_str(rest);
    for (i, _) in plain.match_indices("::") {
        let start = plain[..i]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |s| s + 1);
        if start != i - word_len_before(&plain, i) {
            continue; // not the first segment of the path
        }
        let head = &plain[start..i];
        if !matches!(head, "crate" | "super" | "self") {
            continue;
        }
        let tail = &plain[start..];
        let len = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        out.push(
            tail[..len]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        );
    }
    out
}

fn word_len_before(s: &str, i: usize) -> usize {
    s[..i]
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .count()
}

fn find_use(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(j) = s[from..].find("use ") {
        let i = from + j;
        let before = s[..i].chars().next_back();
        if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
            return Some(i);
        }
        from = i + 4;
    }
    None
}

fn expand_use_tree(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let close = tree.rfind('}').unwrap_or(tree.len());
        let depth = prefix.len();
        prefix.extend(head);
        for part in split_top_level(&tree[open + 1..close]) {
            expand_use_tree(part, prefix, out);
        }
        prefix.truncate(depth);
    } else {
        let path = tree.split(" as ").next().unwrap_or(tree);
        let mut full = prefix.clone();
        full.extend(
            path.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "*")
                .map(str::to_string),
        );
        if !full.is_empty() {
            out.push(full);
        }
    }
}

fn split_top_level(s: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

/// The module a path names, seen from module `from`: the longest prefix that is a module.
fn resolve(from: &ModPath, path: &[String], known: &BTreeMap<ModPath, PathBuf>) -> Option<ModPath> {
    let mut base: ModPath = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("self") => from.clone(),
        Some("super") => {
            let mut b = from.clone();
            b.pop();
            b
        }
        _ => return None,
    };
    let mut rest = &path[1..];
    while rest.first().map(String::as_str) == Some("super") {
        base.pop();
        rest = &rest[1..];
    }
    let mut target = base.clone();
    for seg in rest {
        let mut next = target.clone();
        next.push(seg.clone());
        if known.contains_key(&next) {
            target = next;
        } else {
            break;
        }
    }
    Some(target)
}

/// Edges between sibling modules: `(parent, from_child, to_child)` for every use that crosses
/// from one child subtree of `parent` into another.
pub(crate) fn sibling_edges(src: &Path) -> BTreeSet<(ModPath, String, String)> {
    let known = modules(src);
    let mut edges = BTreeSet::new();
    for (module, file) in &known {
        let Ok(source) = std::fs::read_to_string(file) else {
            continue;
        };
        // A file's `#[cfg(test)] mod tests` and `tests.rs` children are tests, not structure.
        if module.last().is_some_and(|m| m == "tests") {
            continue;
        }
        let source = source
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or(&source);
        for path in named_paths(source) {
            let Some(target) = resolve(module, &path, &known) else {
                continue;
            };
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() {
                continue; // ancestor or descendant: containment
            }
            edges.insert((
                module[..common].to_vec(),
                module[common].clone(),
                target[common].clone(),
            ));
        }
    }
    edges
}

/// The first cycle among siblings, as `parent: a -> b -> … -> a`, if there is one.
pub(crate) fn first_cycle(edges: &BTreeSet<(ModPath, String, String)>) -> Option<String> {
    let mut by_parent: BTreeMap<&ModPath, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for (parent, from, to) in edges {
        by_parent
            .entry(parent)
            .or_default()
            .entry(from)
            .or_default()
            .push(to);
    }
    for (parent, graph) in by_parent {
        let mut done = BTreeSet::new();
        for start in graph.keys() {
            let mut path = Vec::new();
            if let Some(cycle) = dfs(start, &graph, &mut path, &mut done) {
                let name = if parent.is_empty() {
                    "crate".to_string()
                } else {
                    parent.join("::")
                };
                return Some(format!("{name}: {}", cycle.join(" -> ")));
            }
        }
    }
    None
}

fn dfs<'a>(
    node: &'a str,
    graph: &BTreeMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|n| *n == node) {
        let mut cycle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
        cycle.push(node.to_string());
        return Some(cycle);
    }
    if done.contains(node) {
        return None;
    }
    path.push(node);
    for next in graph.get(node).into_iter().flatten() {
        if let Some(c) = dfs(next, graph, path, done) {
            return Some(c);
        }
    }
    path.pop();
    done.insert(node);
    None
}

#[cfg(test)]
mod tests;
