//! The layers, checked from the sources: crates depend only inward (the compiler then keeps
//! every `use` in line), the web reaches data only through the use-cases, and inside each crate
//! no modules import each other in a loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `dengta-*` crates a manifest depends on (normal dependencies only).
fn internal_dependencies(krate: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(crates_dir().join(krate).join("Cargo.toml")).unwrap();
    let manifest: toml::Table = text.parse().unwrap();
    manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| d.keys().filter(|k| k.starts_with("dengta-")).cloned().collect())
        .unwrap_or_default()
}

#[test]
fn crates_depend_only_inward() {
    // Inner to outer: each may use only those listed for it.
    let allowed: &[(&str, &[&str])] = &[
        ("domain", &[]),
        ("tabular", &[]),
        ("i18n", &[]),
        ("db", &["dengta-domain"]),
        ("app", &["dengta-domain", "dengta-db", "dengta-i18n", "dengta-tabular"]),
        ("web", &["dengta-domain", "dengta-app", "dengta-i18n", "dengta-tabular"]),
    ];
    for (krate, may) in allowed {
        let may: BTreeSet<String> = may.iter().map(|s| s.to_string()).collect();
        let has = internal_dependencies(krate);
        let outward: Vec<_> = has.difference(&may).collect();
        assert!(outward.is_empty(), "crates/{krate} depends outward or sideways on {outward:?}");
    }
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without comments and without its unit-test module (which clippy keeps last).
fn code_of(text: &str) -> String {
    let body = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    body.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

#[test]
fn the_web_reaches_data_only_through_the_use_cases() {
    let web = crates_dir().join("web/src");
    for (path, text) in sources(&web) {
        let code = code_of(&text);
        for forbidden in ["dengta_db", ".db.", "app.db", ".db)"] {
            assert!(!code.contains(forbidden), "{} touches the store directly ({forbidden})", path.display());
        }
    }
}

/// `a::b` for `src/a/b.rs` and `src/a/b/mod.rs`; "" for the crate root.
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

fn ident_at(s: &str) -> Option<(&str, &str)> {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
    (end > 0).then(|| (&s[..end], &s[end..]))
}

/// The module paths a piece of code names after `crate::` or `super::`, with braces expanded
/// one level (`crate::{a, b::c}` names `a` and `b::c`).
fn named_paths(code: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    for (base_is_crate, marker) in [(true, "crate::"), (false, "super::")] {
        let mut rest = code;
        while let Some(at) = rest.find(marker) {
            let preceded = rest[..at].chars().last().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
            rest = &rest[at + marker.len()..];
            if preceded {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let close = group.find('}').unwrap_or(group.len());
                for item in group[..close].split(',') {
                    out.push((base_is_crate, path_of(item.trim())));
                }
            } else {
                out.push((base_is_crate, path_of(rest)));
            }
        }
    }
    out
}

fn path_of(mut s: &str) -> Vec<String> {
    let mut segs = Vec::new();
    while let Some((id, after)) = ident_at(s) {
        segs.push(id.to_owned());
        match after.strip_prefix("::") {
            Some(next) => s = next,
            None => break,
        }
    }
    segs
}

/// Module → the modules of the same crate it names.
fn module_graph(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files = sources(root);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(p, _)| module_of(root, p)).collect();
    let mut graph = BTreeMap::new();
    for (path, text) in &files {
        let me = module_of(root, path);
        let mut edges = BTreeSet::new();
        for (from_crate, segs) in named_paths(&code_of(text)) {
            let mut base = if from_crate { Vec::new() } else { me[..me.len().saturating_sub(1)].to_vec() };
            if !from_crate && me.is_empty() {
                continue;
            }
            base.extend(segs);
            // The longest prefix that is a module of this crate.
            let target = (1..=base.len()).rev().map(|n| base[..n].to_vec()).find(|m| modules.contains(m));
            if let Some(t) = target
                && t != me
            {
                edges.insert(t.join("::"));
            }
        }
        graph.insert(me.join("::"), edges);
    }
    graph
}

/// Strongly connected components of more than one module (Tarjan).
fn loops(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(lw));
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut component = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                t.out.push(component);
            }
        }
    }
    let mut t = T {
        g: graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn no_modules_import_each_other_in_a_loop() {
    for krate in ["domain", "tabular", "i18n", "db", "app", "web", "dengta"] {
        let root = crates_dir().join(krate).join("src");
        let graph = module_graph(&root);
        assert!(graph.len() > 1 || krate == "i18n", "crates/{krate}: modules found");
        let found = loops(&graph);
        assert!(found.is_empty(), "crates/{krate}: modules that import each other in a loop: {found:?}");
    }
}

#[test]
fn the_loop_finder_finds_loops() {
    // The checker itself: a two-module loop through `super::` and a grouped `crate::` import.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("pages")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod pages;\npub mod shared;\n").unwrap();
    std::fs::write(src.join("shared.rs"), "pub fn f() {}\n").unwrap();
    std::fs::write(src.join("pages/mod.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(src.join("pages/a.rs"), "use super::b::x; // crate::shared in a comment\n").unwrap();
    std::fs::write(src.join("pages/b.rs"), "use crate::{shared, pages::a::y};\n").unwrap();
    let graph = module_graph(src);
    assert_eq!(graph["pages::a"], BTreeSet::from(["pages::b".to_owned()]));
    assert_eq!(graph["pages::b"], BTreeSet::from(["pages::a".to_owned(), "shared".to_owned()]));
    assert_eq!(loops(&graph), vec![vec!["pages::a".to_owned(), "pages::b".to_owned()]]);
    std::fs::write(src.join("pages/a.rs"), "use crate::shared::f;\n").unwrap();
    assert!(loops(&module_graph(src)).is_empty());
}
