//! The registered systems, held in memory (reloaded from the database every
//! [`REFRESH`]), and a cache of certificate-chain verdicts so that the hot path does not
//! re-validate a chain on every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use egov_domain::agency_code::AgencyCode;
use egov_pki::{ChainProblem, TrustStore};
use sha2::{Digest, Sha256};

use crate::db::{Db, SystemRow};
use crate::SystemKind;

/// How long a loaded registry and a chain verdict are trusted before being checked again.
pub(crate) const REFRESH: Duration = Duration::from_secs(60);

/// One registered system, parsed.
#[derive(Debug)]
pub(crate) struct System {
    pub code: AgencyCode,
    pub name: String,
    pub kind: SystemKind,
    pub certificate: Vec<u8>,
    /// Signature algorithm OID for request signatures (from the key), if supported.
    pub algorithm: Option<&'static str>,
    pub level: Option<String>,
    pub parent: Option<String>,
    /// Where packages for this system are pushed, if it asked for push delivery.
    pub endpoint: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub by_code: HashMap<String, Arc<System>>,
    /// Child hubs, deepest code first (so the first that covers a code is the longest match).
    pub hubs: Vec<Arc<System>>,
}

impl Snapshot {
    fn build(rows: Vec<SystemRow>) -> Snapshot {
        let mut snap = Snapshot::default();
        for row in rows {
            let Ok(code) = AgencyCode::parse(&row.code, "code") else {
                tracing::warn!(code = %row.code, "registered system with an invalid code skipped");
                continue;
            };
            let Some(kind) = SystemKind::parse(&row.kind) else { continue };
            let algorithm = egov_pki::certificate_info(&row.certificate)
                .ok()
                .and_then(|i| crate::auth::algorithm_oid(&i.key_algorithm));
            let sys = Arc::new(System {
                code,
                name: row.name,
                kind,
                certificate: row.certificate,
                algorithm,
                level: row.level,
                parent: row.parent,
                endpoint: row.endpoint,
            });
            if kind == SystemKind::Hub {
                snap.hubs.push(sys.clone());
            }
            snap.by_code.insert(sys.code.as_str().to_string(), sys);
        }
        snap.hubs.sort_by_key(|h| std::cmp::Reverse(h.code.groups_top_down().len()));
        snap
    }

    /// The child hub covering `code` with the longest code, if any.
    pub fn covering_hub(&self, code: &AgencyCode) -> Option<&Arc<System>> {
        self.hubs.iter().find(|h| code.is_within(&h.code))
    }
}

/// When a chain was checked, and the verdict (the leaf's subject, or the problem).
type ChainVerdict = (Instant, Result<String, ChainProblem>);

#[derive(Debug)]
pub(crate) struct Registry {
    snapshot: RwLock<(Instant, Arc<Snapshot>)>,
    reload: tokio::sync::Mutex<()>,
    chains: Mutex<HashMap<[u8; 32], ChainVerdict>>,
}

impl Registry {
    pub async fn load(db: &Db) -> anyhow::Result<Registry> {
        let snap = Snapshot::build(db.load_systems().await?);
        Ok(Registry {
            snapshot: RwLock::new((Instant::now(), Arc::new(snap))),
            reload: tokio::sync::Mutex::new(()),
            chains: Mutex::new(HashMap::new()),
        })
    }

    /// The current snapshot, reloaded from the database when older than [`REFRESH`].
    pub async fn snapshot(&self, db: &Db) -> anyhow::Result<Arc<Snapshot>> {
        {
            let guard = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
            if guard.0.elapsed() < REFRESH {
                return Ok(guard.1.clone());
            }
        }
        self.reload(db).await
    }

    /// Reloads the snapshot now (after a registration).
    pub async fn reload(&self, db: &Db) -> anyhow::Result<Arc<Snapshot>> {
        let _one = self.reload.lock().await;
        let snap = Arc::new(Snapshot::build(db.load_systems().await?));
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = (Instant::now(), snap.clone());
        Ok(snap)
    }

    /// Validates `leaf` (with `intermediates`) against `trust` now; the verdict is cached for
    /// [`REFRESH`]. `Ok` carries the leaf's subject.
    pub fn check_chain(
        &self,
        trust: &TrustStore,
        leaf: &[u8],
        intermediates: &[Vec<u8>],
    ) -> Result<String, ChainProblem> {
        let mut h = Sha256::new();
        h.update(leaf);
        for i in intermediates {
            h.update((i.len() as u64).to_be_bytes());
            h.update(i);
        }
        let key: [u8; 32] = h.finalize().into();
        if let Some((at, verdict)) = self.chains.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            if at.elapsed() < REFRESH {
                return verdict.clone();
            }
        }
        let now = crate::db::now_ms() / 1000;
        let report = egov_pki::validate_chain(leaf, intermediates, trust, now, &[]);
        let verdict = match report.problem {
            Some(p) => Err(p),
            None => Ok(report.chain.first().map(|c| c.subject.clone()).unwrap_or_default()),
        };
        let mut cache = self.chains.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 10_000 {
            cache.retain(|_, (at, _)| at.elapsed() < REFRESH);
        }
        cache.insert(key, (Instant::now(), verdict.clone()));
        verdict
    }
}
