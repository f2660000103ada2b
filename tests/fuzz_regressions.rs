//! The short form of the fuzz targets (`fuzz/`, run with `scripts/fuzz.sh` on nightly): every
//! committed seed (`fuzz/corpus-seeds/<target>/`) and every past finding
//! (`fuzz/regressions/<target>/`) goes through the same function the libFuzzer target calls,
//! on stable. A panic in any of them fails the test and names the input.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "../fuzz/src/targets.rs"]
mod targets;

fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for kind in ["corpus-seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("read the input directory").path();
            if path.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn run_target(name: &str) {
    let (_, target) = targets::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a known target");
    let inputs = inputs(name);
    assert!(
        !inputs.is_empty(),
        "no committed inputs for fuzz target {name}"
    );
    let mut failed = Vec::new();
    for path in &inputs {
        let data = std::fs::read(path).expect("read a fuzz input");
        if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    targets::remove_scratch(name);
    assert!(
        failed.is_empty(),
        "fuzz target {name} panicked on {} of {} inputs: {failed:#?}",
        failed.len(),
        inputs.len()
    );
}

macro_rules! target_tests {
    ($($name:ident),+ $(,)?) => {$(
        #[test]
        fn $name() {
            run_target(stringify!($name));
        }
    )+};
}

target_tests!(
    frame,
    header_json,
    header_binary,
    bodies,
    commitlog_record,
    consume_queue,
    index,
    properties,
    sql92,
);

/// Every target in `fuzz/src/targets.rs` has a test here and a libFuzzer binary.
#[test]
fn every_target_is_covered() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let this = std::fs::read_to_string(file!()).unwrap_or_default();
    for (name, _) in targets::TARGETS {
        assert!(
            fuzz.join("fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "fuzz/fuzz_targets/{name}.rs is missing"
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has no [[bin]] {name}"
        );
        assert!(
            this.is_empty() || this.contains(&format!("    {name},\n")),
            "tests/fuzz_regressions.rs has no test for {name}"
        );
    }
}
