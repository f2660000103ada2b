//! The layering stated in `src/lib.rs` holds in the imports: every `crate::<module>` path in
//! a top-level module's files names the module itself or one its line in `src/lib.rs` allows.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// `module -> allowed modules`, read from the ```text block of `src/lib.rs`.
fn stated_rule(lib_rs: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut rule = BTreeMap::new();
    for line in lib_rs.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            continue;
        };
        let Some((name, deps)) = doc.trim().split_once("->") else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            continue;
        }
        let deps = deps
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        rule.insert(name.to_string(), deps);
    }
    rule
}

/// The `pub mod` lines of `src/lib.rs`.
fn declared_modules(lib_rs: &str) -> BTreeSet<String> {
    lib_rs
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every module named by a `crate::<module>` path in code (comments and docs skipped).
fn imported_modules(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // e.g. `my_crate::`
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn modules_import_only_lower_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib_rs = fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let rule = stated_rule(&lib_rs);
    let modules = declared_modules(&lib_rs);
    assert_eq!(
        rule.keys().cloned().collect::<BTreeSet<_>>(),
        modules,
        "src/lib.rs must state one layering line per `pub mod`"
    );
    let mut violations = Vec::new();
    for module in &modules {
        let mut files = Vec::new();
        let dir = root.join("src").join(module);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
        let single = root.join("src").join(format!("{module}.rs"));
        if single.is_file() {
            files.push(single);
        }
        assert!(!files.is_empty(), "no source for module {module}");
        for file in files {
            let source = fs::read_to_string(&file).unwrap();
            for imported in imported_modules(&source) {
                if &imported == module || !modules.contains(&imported) {
                    continue; // itself, or a crate-root macro such as `command_header`
                }
                if !rule[module].contains(&imported) {
                    violations.push(format!(
                        "{} imports crate::{imported}, which `{module}` may not use",
                        file.strip_prefix(root).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_rule_is_acyclic() {
    let lib_rs =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let rule = stated_rule(&lib_rs);
    // Repeatedly remove modules whose allowed imports are all removed already.
    let mut left: BTreeMap<_, _> = rule.clone();
    while !left.is_empty() {
        let ready: Vec<String> = left
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !left.contains_key(d)))
            .map(|(m, _)| m.clone())
            .collect();
        assert!(!ready.is_empty(), "cycle among {:?}", left.keys());
        for m in ready {
            left.remove(&m);
        }
    }
}

#[test]
fn the_scanner_sees_imports() {
    let src = "use crate::store::MessageStore;\n// crate::broker in a comment\nlet x = $crate::net::y; other_crate::z;";
    let found = imported_modules(src);
    assert_eq!(
        found,
        BTreeSet::from(["net".to_string(), "store".to_string()])
    );
}
