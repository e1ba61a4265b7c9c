#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = carebook_fuzz::cli_values::cli_values(data);
});
