//! Feeds arbitrary bytes to the edXML reader; when they parse, writes the package, reads it again
//! and asserts that both reads agree and that writing again gives the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(msg) = egov_edxml::check_round_trip(data) {
        panic!("round trip broke: {msg}");
    }
});
