#![no_main]
//! Fuzz target `header_json`: see [`rmq_fuzz::header_json`] for what it drives.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rmq_fuzz::header_json(data));
