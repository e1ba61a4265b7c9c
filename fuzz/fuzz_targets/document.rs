#![no_main]

libfuzzer_sys::fuzz_target!(init: carebook_fuzz::let_automerge_panics_reach_the_domains_guard(), |data: &[u8]| {
    let _ = carebook_fuzz::paths::document(data);
});
