#![no_main]
//! Fuzz target `commitlog_record`: see [`rmq_fuzz::commitlog_record`] for what it drives.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rmq_fuzz::commitlog_record(data));
