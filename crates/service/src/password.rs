//! Password hashing with Argon2id (PHC strings), run off the async threads.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::{AppError, AppResult};

/// Argon2id cost. The default is OWASP's most cited setting, 19 MiB × 2 passes × 1 lane.
/// OWASP lists four more of equal strength (47 MiB × 1, 12 MiB × 3, 9 MiB × 4, 7 MiB × 5); on
/// the reference 2-core machine 7 MiB × 5 hashes in 14 ms against 25 ms for the default
/// (`cargo run --release -p egov --example argon2_cost`), for operators who need the headroom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Argon2Cost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Cost {
    fn default() -> Self {
        Argon2Cost { memory_kib: 19_456, iterations: 2, parallelism: 1 }
    }
}

/// Hashes and verifies passwords at a fixed cost.
///
/// At most one hash per CPU core runs at a time: more would not finish sooner (the work is
/// CPU-bound) but would hold one Argon2 memory block each — 19 MiB at the default cost — so a
/// sign-in storm would grow memory with the number of waiting requests.
#[derive(Clone, Debug)]
pub struct Hasher {
    cost: Argon2Cost,
    slots: std::sync::Arc<tokio::sync::Semaphore>,
    /// A hash of a random password, verified against when the username is unknown so that
    /// a wrong username takes as long as a wrong password.
    decoy: String,
}

impl Hasher {
    /// Builds a hasher; fails if the cost is out of Argon2's range.
    pub fn new(cost: Argon2Cost) -> anyhow::Result<Hasher> {
        let decoy = hash_with(cost, &hex::encode(rand::random::<[u8; 16]>()))?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Hasher { cost, decoy, slots: std::sync::Arc::new(tokio::sync::Semaphore::new(cores)) })
    }

    /// Hashes a password (blocking work moved to the blocking pool).
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let (cost, password) = (self.cost, password.to_string());
        let _slot = self.slots.acquire().await.map_err(AppError::internal)?;
        tokio::task::spawn_blocking(move || hash_with(cost, &password))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)
    }

    /// Checks `password` against `hash`; with `None` checks against the decoy and fails.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let real = hash.is_some();
        let stored = hash.unwrap_or(&self.decoy).to_string();
        let password = password.to_string();
        let Ok(_slot) = self.slots.acquire().await else {
            return false;
        };
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored)
                .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        ok && real
    }
}

fn hash_with(cost: Argon2Cost, password: &str) -> anyhow::Result<String> {
    let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_decoy_never_matches() {
        let h = Hasher::new(Argon2Cost { memory_kib: 1024, iterations: 1, parallelism: 1 }).unwrap();
        let stored = h.hash("một mật khẩu dài").await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(h.verify("một mật khẩu dài", Some(&stored)).await);
        assert!(!h.verify("mot mat khau dai", Some(&stored)).await);
        assert!(!h.verify("anything", None).await);
        assert!(!h.verify("x", Some("not a phc string")).await);
    }
}
