//! Making signatures: the [`Signer`] interface (hash in, signature out) that PDF and XML signing use, so a
//! stored key, a USB token or a remote signing service can sign, and [`KeySigner`], the built-in one holding
//! an RSA or P-256 private key in memory (opened with its holder's PIN just before).
use crate::PkiError;
use der::Decode;
use x509_cert::Certificate;

/// How a signature is made from a digest; the key behind it may be stored, on a USB token or at a remote service.
pub trait Signer: Send + Sync {
    /// The signing certificate first, then the rest of its chain (DER).
    fn certificate_chain(&self) -> &[Vec<u8>];
    /// The signature scheme of the key.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// Signs a SHA-256 digest: hash in, signature out (PKCS#1 v1.5 or DER-encoded ECDSA).
    fn sign_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>, PkiError>;
}

/// The signature schemes egov makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256 (the licensed Vietnamese CAs' usual keys).
    RsaPkcs1Sha256,
    /// ECDSA on P-256 with SHA-256 (the demo PKI's keys).
    EcdsaP256Sha256,
}

/// The built-in signer: a private key held in memory (opened with the user's PIN just before signing).
pub struct KeySigner {
    key: Key,
    chain: Vec<Vec<u8>>,
}

enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
}

impl std::fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySigner").field("algorithm", &self.algorithm()).finish_non_exhaustive()
    }
}

impl KeySigner {
    /// A signer for a PKCS#8 private key (RSA or P-256) whose certificate is `chain[0]`; refuses a key that does not
    /// belong to the certificate.
    pub fn from_pkcs8(pkcs8: &[u8], chain: Vec<Vec<u8>>) -> Result<Self, PkiError> {
        use rsa::pkcs8::DecodePrivateKey;
        use spki::EncodePublicKey;
        let leaf = chain.first().ok_or_else(|| PkiError::Malformed("thiếu chứng thư số".into()))?;
        let cert = Certificate::from_der(leaf).map_err(|e| PkiError::Malformed(e.to_string()))?;
        let (key, public) = if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8) {
            let public = rsa::RsaPublicKey::from(&k).to_public_key_der();
            (Key::Rsa(Box::new(k)), public)
        } else if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(pkcs8) {
            let public = k.verifying_key().to_public_key_der();
            (Key::P256(k), public)
        } else {
            return Err(PkiError::Malformed("khóa bí mật không phải RSA hay ECDSA P-256".into()));
        };
        let public = public.map_err(|e| PkiError::Malformed(e.to_string()))?;
        let public = spki::SubjectPublicKeyInfoOwned::from_der(public.as_bytes())
            .map_err(|e| PkiError::Malformed(e.to_string()))?;
        if public.subject_public_key != cert.tbs_certificate.subject_public_key_info.subject_public_key {
            return Err(PkiError::Malformed("khóa bí mật không khớp với chứng thư số".into()));
        }
        Ok(KeySigner { key, chain })
    }
}

impl Signer for KeySigner {
    fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        match self.key {
            Key::Rsa(_) => SignatureAlgorithm::RsaPkcs1Sha256,
            Key::P256(_) => SignatureAlgorithm::EcdsaP256Sha256,
        }
    }

    fn sign_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>, PkiError> {
        match &self.key {
            Key::Rsa(k) => k
                .sign_with_rng(&mut rand::thread_rng(), rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), sha256)
                .map_err(|e| PkiError::Crypto(e.to_string())),
            Key::P256(k) => {
                use p256::ecdsa::signature::hazmat::PrehashSigner;
                let signature: p256::ecdsa::Signature =
                    k.sign_prehash(sha256).map_err(|e| PkiError::Crypto(e.to_string()))?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
        }
    }
}
