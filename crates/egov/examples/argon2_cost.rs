//! Time of one Argon2id hash at each of OWASP's equivalent settings, on this machine.
//! `cargo run --release -p egov --example argon2_cost`

use std::time::Instant;

use egov_service::password::Hasher;
use egov_service::Argon2Cost;

#[tokio::main]
async fn main() {
    let settings = [(47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5)];
    for (memory_kib, iterations) in settings {
        let h = Hasher::new(Argon2Cost { memory_kib, iterations, parallelism: 1 }).expect("cost");
        let runs = 20;
        let started = Instant::now();
        for _ in 0..runs {
            h.hash("một mật khẩu đủ dài").await.expect("hash");
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
        println!("m={memory_kib:>6} KiB t={iterations}: {ms:6.1} ms per hash (one core)");
    }
}
