#![no_main]
//! Fuzz target `frame`: see [`rmq_fuzz::frame`] for what it drives.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rmq_fuzz::frame(data));
