#![no_main]
//! Fuzz target `bodies`: see [`rmq_fuzz::bodies`] for what it drives.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rmq_fuzz::bodies(data));
