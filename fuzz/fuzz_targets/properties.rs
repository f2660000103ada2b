#![no_main]
//! Fuzz target `properties`: see [`rmq_fuzz::properties`] for what it drives.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rmq_fuzz::properties(data));
