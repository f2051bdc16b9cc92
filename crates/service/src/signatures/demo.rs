//! The demo PKI: a demo root CA kept in the PKI folder and trusted, a personal certificate and signature image for
//! every active user, a seal certificate and seal image for every agency, and the root's revocation list, so
//! the demo signs and verifies offline. Keys are sealed under [`DEMO_PIN`].
use egov_pki::{CertificateKind, Issued, Subject};
use egov_storage::accounts::{self, UserFilter};
use egov_storage::signatures as sdb;
use egov_storage::Visibility;

use super::keys::KeyOwner;
use crate::{now_ms, AppError, AppResult, Caller, Services};

/// The PIN of every demo key.
pub const DEMO_PIN: &str = "123456";
const ROOT_FILE: &str = "demo-root.p12";
const ROOT_PASSWORD: &str = "egov-demo-root";
const TSA_FILE: &str = "demo-tsa.p12";
const TSA_PASSWORD: &str = "egov-demo-tsa";
/// File name of the demo root's revocation list in the PKI folder (served at `/pki/demo-root.crl`).
pub const CRL_FILE: &str = "demo-root.crl";

/// What `egov pki demo` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoPki {
    pub root_subject: String,
    pub root_created: bool,
    pub personal_keys: usize,
    pub seal_keys: usize,
}

impl Services {
    /// Creates (once) the demo root and the keys that are missing. `crl_url` is written into new certificates.
    pub async fn create_demo_pki(&self, crl_url: Option<&str>) -> AppResult<DemoPki> {
        let dir = self.settings.pki_dir.clone();
        let (root, root_created) = tokio::task::spawn_blocking(move || load_or_create_root(&dir))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        self.reload_trust().map_err(AppError::internal)?;
        let now = now_ms() / 1000;
        let crl = egov_pki::create_crl(&root, &[], now - 60, now + 30 * 86_400, u64::try_from(now).unwrap_or(1))
            .map_err(AppError::internal)?;
        std::fs::write(self.settings.pki_dir.join(CRL_FILE), &crl).map_err(AppError::internal)?;
        let tsa_path = self.settings.pki_dir.join(TSA_FILE);
        if !tsa_path.exists() {
            let subject = Subject::new("egov Demo Time-Stamping Authority");
            let tsa =
                egov_pki::issue_certificate(&root, &subject, CertificateKind::TimeStamping, now - 3600, 3650, crl_url)
                    .map_err(AppError::internal)?;
            let identity = egov_pki::Identity {
                private_key_pkcs8: tsa.key_pkcs8,
                chain: vec![tsa.certificate_der, root.certificate_der.clone()],
            };
            let p12 = egov_pki::write_pkcs12(&identity, TSA_PASSWORD, "egov demo TSA").map_err(AppError::internal)?;
            std::fs::write(&tsa_path, p12).map_err(AppError::internal)?;
        }
        if let Some(url) = crl_url {
            self.store_crl(url, &crl).await?;
        }
        let caller = Caller::system("egov pki");
        let (users, agencies) = {
            let mut c = self.store.read().await?;
            let filter = UserFilter { agency_id: None, query: None, after_id: None, limit: 10_000 };
            let users = accounts::list_users(&mut c, &Visibility::All, &filter).await?;
            let agencies = egov_storage::org::agency_tree(&mut c, &Visibility::All).await?;
            let mut missing_users = Vec::new();
            for u in users.into_iter().filter(|u| u.active) {
                if sdb::personal_key(&mut c, u.id).await?.is_none() {
                    missing_users.push(u);
                }
            }
            let mut missing_agencies = Vec::new();
            for a in agencies {
                if sdb::seal_key(&mut c, a.id).await?.is_none() {
                    missing_agencies.push(a);
                }
            }
            (missing_users, missing_agencies)
        };
        let signature_png = self.files.put(&signature_image()).map_err(AppError::internal)?;
        let seal_png = self.files.put(&seal_image()).map_err(AppError::internal)?;
        for u in &users {
            let subject = Subject {
                common_name: u.full_name.clone(),
                organization: Some(u.agency_name.clone()),
                organizational_unit: None,
                locality: None,
                email: u.email.clone(),
                user_id: Some(u.username.clone()),
            };
            self.demo_key(
                &caller,
                &root,
                subject,
                CertificateKind::Personal,
                KeyOwner::Person(u.id),
                &signature_png,
                crl_url,
            )
            .await?;
        }
        for a in &agencies {
            let subject = Subject::new(a.name.clone());
            self.demo_key(&caller, &root, subject, CertificateKind::Seal, KeyOwner::Agency(a.id), &seal_png, crl_url)
                .await?;
        }
        // Exchange keys: every agency signs its edXML packages unattended, sealed under the key-encryption key.
        let kek = crate::exchange::exchange_kek(&self.settings.pki_dir)?;
        let all_agencies = {
            let mut c = self.store.read().await?;
            egov_storage::org::agency_tree(&mut c, &Visibility::All).await?
        };
        let now = now_ms() / 1000;
        for a in all_agencies {
            let missing = {
                let mut c = self.store.read().await?;
                sdb::exchange_key(&mut c, a.id).await?.is_none()
            };
            if missing {
                let subject = Subject::new(format!("{} - hệ thống liên thông", a.name));
                let issued =
                    egov_pki::issue_certificate(&root, &subject, CertificateKind::Seal, now - 3600, 730, crl_url)
                        .map_err(AppError::internal)?;
                let info = egov_pki::certificate_info(&issued.certificate_der).map_err(AppError::internal)?;
                let (key, kek) = (issued.key_pkcs8.clone(), kek.clone());
                let sealed = tokio::task::spawn_blocking(move || egov_pki::seal_key(&key, &kek))
                    .await
                    .map_err(AppError::internal)?
                    .map_err(AppError::internal)?;
                let chain = vec![issued.certificate_der.clone(), root.certificate_der.clone()];
                self.store_key(&caller, KeyOwner::Exchange(a.id), &info, &chain, &sealed, None).await?;
            }
        }
        let root_subject = egov_pki::certificate_info(&root.certificate_der).map(|i| i.subject).unwrap_or_default();
        Ok(DemoPki { root_subject, root_created, personal_keys: users.len(), seal_keys: agencies.len() })
    }

    #[allow(clippy::too_many_arguments)]
    async fn demo_key(
        &self,
        caller: &Caller,
        root: &Issued,
        subject: Subject,
        kind: CertificateKind,
        owner: KeyOwner,
        image_sha: &str,
        crl_url: Option<&str>,
    ) -> AppResult<()> {
        let now = now_ms() / 1000;
        let issued =
            egov_pki::issue_certificate(root, &subject, kind, now - 3600, 730, crl_url).map_err(AppError::internal)?;
        let info = egov_pki::certificate_info(&issued.certificate_der).map_err(AppError::internal)?;
        let key = issued.key_pkcs8.clone();
        let sealed = tokio::task::spawn_blocking(move || egov_pki::seal_key(&key, DEMO_PIN))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        let chain = vec![issued.certificate_der.clone(), root.certificate_der.clone()];
        self.store_key(caller, owner, &info, &chain, &sealed, Some(image_sha)).await?;
        Ok(())
    }
}

/// Loads the demo root from the PKI folder, or creates it and adds it to the trusted roots.
fn load_or_create_root(dir: &std::path::Path) -> anyhow::Result<(Issued, bool)> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(ROOT_FILE);
    if let Ok(bytes) = std::fs::read(&path) {
        let identity = egov_pki::read_pkcs12(&bytes, ROOT_PASSWORD)?;
        let certificate_der = identity.certificate().to_vec();
        return Ok((Issued { certificate_der, key_pkcs8: identity.private_key_pkcs8 }, false));
    }
    let now = now_ms() / 1000;
    let root = egov_pki::create_root("egov Demo Root CA", "egov demo", now - 86_400, 3650)?;
    let identity =
        egov_pki::Identity { private_key_pkcs8: root.key_pkcs8.clone(), chain: vec![root.certificate_der.clone()] };
    std::fs::write(&path, egov_pki::write_pkcs12(&identity, ROOT_PASSWORD, "egov demo root")?)?;
    let roots = dir.join("trusted-roots.pem");
    let mut pem = std::fs::read_to_string(&roots).unwrap_or_default();
    pem.push_str(&egov_pki::der_to_pem(&root.certificate_der, "CERTIFICATE"));
    std::fs::write(&roots, pem)?;
    Ok((root, true))
}

/// A blue handwritten-looking stroke on a transparent background.
fn signature_image() -> Vec<u8> {
    let (w, h) = (240u32, 90u32);
    let mut rgba = vec![0u8; (w * h * 4) as usize];
    for x in 10..230u32 {
        let t = x as f32 / 230.0;
        let y = 45.0 + 22.0 * (t * 9.0).sin() * (1.0 - t * 0.6) + 8.0 * (t * 23.0).cos();
        for dy in -2i32..=2 {
            let yy = (y as i32 + dy).clamp(0, h as i32 - 1) as u32;
            let at = ((yy * w + x) * 4) as usize;
            rgba[at..at + 4].copy_from_slice(&[20, 40, 170, 255]);
        }
    }
    encode_png(w, h, &rgba)
}

/// A red round seal (two rings and a star) on a transparent background, slightly see-through.
fn seal_image() -> Vec<u8> {
    let size = 300u32;
    let c = size as f32 / 2.0;
    let mut rgba = vec![0u8; (size * size * 4) as usize];
    for y in 0..size {
        for x in 0..size {
            let (dx, dy) = (x as f32 - c, y as f32 - c);
            let r = (dx * dx + dy * dy).sqrt();
            let angle = dy.atan2(dx);
            let star = r < 40.0 * (0.55 + 0.45 * (5.0 * angle).cos().abs());
            if (140.0..148.0).contains(&r) || (100.0..104.0).contains(&r) || star {
                let at = ((y * size + x) * 4) as usize;
                rgba[at..at + 4].copy_from_slice(&[210, 20, 20, 200]);
            }
        }
    }
    encode_png(size, size, &rgba)
}

fn encode_png(w: u32, h: u32, rgba: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        if let Ok(mut writer) = encoder.write_header() {
            let _ = writer.write_image_data(rgba);
        }
    }
    out
}

/// The demo time-stamping authority's signer, when `egov pki demo` made one.
pub fn demo_tsa(pki_dir: &std::path::Path) -> Option<egov_pades::KeySigner> {
    let bytes = std::fs::read(pki_dir.join(TSA_FILE)).ok()?;
    let identity = egov_pki::read_pkcs12(&bytes, TSA_PASSWORD).ok()?;
    egov_pades::KeySigner::from_pkcs8(&identity.private_key_pkcs8, identity.chain.clone()).ok()
}
