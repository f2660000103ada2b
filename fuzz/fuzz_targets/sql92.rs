#![no_main]
//! Fuzz target `sql92`: see [`rmq_fuzz::sql92`] for what it drives.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rmq_fuzz::sql92(data));
