#![no_main]
//! Fuzz target `consume_queue`: see [`rmq_fuzz::consume_queue`] for what it drives.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rmq_fuzz::consume_queue(data));
