//! The fuzz targets' bodies, shared by the libFuzzer binaries in `fuzz_targets/` and by the
//! stable regression test `tests/fuzz_regressions.rs` (which includes this file as a module),
//! so the committed seeds and findings run through exactly what the fuzzer runs.

#[path = "targets.rs"]
mod targets;

pub use targets::*;
