//! Writes seed inputs for the fuzzers into `fuzz/corpus/read_package/`:
//! `cargo run -p egov-edxml --example write_seeds`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use egov_edxml::{write_package, write_status};

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/read_package");
    std::fs::create_dir_all(&dir).expect("corpus folder");
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("canonical.xml", write_package(&common::sample_package_with(48)).expect("writes").bytes),
        ("canonical-status.xml", write_status(&common::sample_status()).expect("writes").bytes),
        ("real-world.xml", common::REAL_WORLD.as_bytes().to_vec()),
        ("real-world-status.xml", common::REAL_WORLD_STATUS.as_bytes().to_vec()),
        ("header-status.xml", common::HEADER_STATUS.as_bytes().to_vec()),
        ("header-status-default-ns.xml", common::HEADER_STATUS_DEFAULT_NS.as_bytes().to_vec()),
    ];
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes).expect("write seed");
    }
    println!("seeds written to {}", dir.display());
}
