#![no_main]
//! Fuzz target `index`: see [`rmq_fuzz::index`] for what it drives.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rmq_fuzz::index(data));
