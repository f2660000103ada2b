#![no_main]
//! Fuzz target `header_binary`: see [`rmq_fuzz::header_binary`] for what it drives.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rmq_fuzz::header_binary(data));
