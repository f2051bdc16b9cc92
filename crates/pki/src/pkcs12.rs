//! PKCS#12 (.p12/.pfx) import and export of a signing identity: one private
//! key with its certificate chain.
//!
//! Reading accepts OpenSSL 3 defaults (PBES2/AES-256-CBC, HMAC-SHA256 MAC),
//! the legacy profile (RC2/3DES, SHA-1 MAC) and files from Python
//! `cryptography`, with RSA or EC keys. Writing uses PBES2/AES-256 with an
//! HMAC-SHA256 MAC.

use std::fmt;

use der::asn1::{AnyRef, BitString, OctetString};
use der::{Decode, Encode, Sequence};
use p12_keystore::error::Error as P12Error;
use p12_keystore::{
    Certificate as P12Certificate, KeyStore, KeyStoreEntry, Pkcs12ImportPolicy, PrivateKey, PrivateKeyChain,
};
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use sha2::{Digest, Sha256};
use x509_cert::spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use crate::certificate::{name_der, parse_certificate};
use crate::{oids, PkiError};

/// A private key with its certificate chain, leaf first.
#[derive(Clone)]
pub struct Identity {
    /// The private key as PKCS#8 v1 DER (loadable by *ring*).
    pub private_key_pkcs8: Zeroizing<Vec<u8>>,
    /// DER certificates: the key's own certificate first, then its issuers.
    pub chain: Vec<Vec<u8>>,
}

impl Identity {
    /// The leaf (signer) certificate; empty if the chain is empty.
    pub fn certificate(&self) -> &[u8] {
        self.chain.first().map_or(&[], Vec::as_slice)
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("private_key_pkcs8", &"<redacted>")
            .field("chain_len", &self.chain.len())
            .finish()
    }
}

/// Reads the first private key of a PKCS#12 file and its chain.
///
/// Errors: [`PkiError::WrongPassword`] when the MAC does not verify,
/// [`PkiError::NoPrivateKey`] when there is no key, [`PkiError::Malformed`]
/// for anything that is not PKCS#12. The chain is ordered leaf first by
/// issuer/subject names; certificates that do not belong to the path follow
/// it. The key is checked against the leaf and returned as PKCS#8 v1
/// (an EC key missing its public point gets it from the certificate).
pub fn read_pkcs12(data: &[u8], password: &str) -> Result<Identity, PkiError> {
    // Relaxed import puts the certificate linked to the key by localKeyId
    // first; Raw import lists every certificate, linked or not.
    let store = KeyStore::from_pkcs12(data, password, Pkcs12ImportPolicy::Relaxed).map_err(map_p12_error)?;
    let (_, key_chain) = store.private_key_chain().ok_or(PkiError::NoPrivateKey)?;
    let raw = KeyStore::from_pkcs12(data, password, Pkcs12ImportPolicy::Raw).map_err(map_p12_error)?;
    let raw_certs = raw.entries().filter_map(|(_, entry)| match entry {
        KeyStoreEntry::Certificate(cert) => Some(cert),
        _ => None,
    });
    let mut pool: Vec<Vec<u8>> = Vec::new();
    for cert in key_chain.certs().iter().chain(raw_certs) {
        if !pool.iter().any(|c| c == cert.as_der()) {
            pool.push(cert.as_der().to_vec());
        }
    }
    let key = key_chain.key().as_der();
    let pkcs8 = match (public_key_of(key), pool.first()) {
        (Some(_), _) => Zeroizing::new(key.to_vec()),
        (None, Some(linked)) => normalize_pkcs8(key, linked)?,
        (None, None) => return Err(PkiError::malformed("tệp không chứa chứng thư của khóa")),
    };
    let public = public_key_of(&pkcs8).ok_or_else(|| PkiError::Unsupported("loại khóa bí mật trong tệp".into()))?;
    let leaf = pool
        .iter()
        .position(|c| spki_bits(c).as_deref() == Some(public.as_slice()))
        .ok_or_else(|| PkiError::malformed("không có chứng thư khớp với khóa bí mật"))?;
    let leaf = pool.remove(leaf);
    Ok(Identity { private_key_pkcs8: pkcs8, chain: order_chain(leaf, pool) })
}

/// Writes an identity as a PKCS#12 file protected by `password`
/// (PBES2/AES-256-CBC with PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC). The friendly
/// name labels the key and its certificate.
pub fn write_pkcs12(identity: &Identity, password: &str, friendly_name: &str) -> Result<Vec<u8>, PkiError> {
    if identity.chain.is_empty() {
        return Err(PkiError::malformed("danh tính không có chứng thư"));
    }
    let key =
        PrivateKey::from_der(&identity.private_key_pkcs8).map_err(|_| PkiError::malformed("khóa bí mật PKCS#8"))?;
    let certs = identity
        .chain
        .iter()
        .map(|der| P12Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PkiError::malformed(format!("chứng thư: {e}")))?;
    let local_key_id = Sha256::digest(identity.certificate())[..20].to_vec();
    let mut store = KeyStore::new();
    store.add_entry(friendly_name, KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)));
    store.writer(password).write().map_err(|e| PkiError::crypto(format!("ghi PKCS#12: {e}")))
}

fn map_p12_error(error: P12Error) -> PkiError {
    match error {
        // A MAC mismatch, or (for files without a MAC) a padding error after
        // decryption, means the password is wrong.
        P12Error::MacError(_) | P12Error::UnpadError => PkiError::WrongPassword,
        P12Error::UnsupportedEncryptionScheme
        | P12Error::UnsupportedMacAlgorithm
        | P12Error::UnsupportedCertificateType => PkiError::Unsupported(error.to_string()),
        other => PkiError::malformed(format!("PKCS#12: {other}")),
    }
}

/// The raw public key of a certificate (contents of its subjectPublicKey).
fn spki_bits(cert_der: &[u8]) -> Option<Vec<u8>> {
    let cert = parse_certificate(cert_der).ok()?;
    let bits = cert.tbs_certificate.subject_public_key_info.subject_public_key;
    bits.as_bytes().map(<[u8]>::to_vec)
}

/// The public key *ring* derives from a PKCS#8 private key, in the same form
/// as a certificate's subjectPublicKey; `None` if *ring* cannot load it.
fn public_key_of(pkcs8: &[u8]) -> Option<Vec<u8>> {
    if let Ok(rsa) = RsaKeyPair::from_pkcs8(pkcs8) {
        return Some(rsa.public().as_ref().to_vec());
    }
    let rng = ring::rand::SystemRandom::new();
    for alg in [&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &signature::ECDSA_P384_SHA384_ASN1_SIGNING] {
        if let Ok(ec) = EcdsaKeyPair::from_pkcs8(alg, pkcs8, &rng) {
            return Some(ec.public_key().as_ref().to_vec());
        }
    }
    Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).ok().map(|k| k.public_key().as_ref().to_vec())
}

/// PKCS#8 v1 PrivateKeyInfo without attributes.
#[derive(Sequence)]
struct PrivateKeyInfo {
    version: u8,
    algorithm: AlgorithmIdentifierOwned,
    private_key: OctetString,
}

/// RFC 5915 ECPrivateKey.
#[derive(Sequence)]
struct EcPrivateKey {
    version: u8,
    private_key: OctetString,
    #[asn1(context_specific = "0", optional = "true")]
    parameters: Option<der::oid::ObjectIdentifier>,
    #[asn1(context_specific = "1", optional = "true")]
    public_key: Option<BitString>,
}

/// Rewrites a key *ring* could not load into plain PKCS#8 v1: drops v2
/// fields and attributes, and for EC keys puts the certificate's public
/// point into the ECPrivateKey (some exporters leave it out).
fn normalize_pkcs8(pkcs8: &[u8], leaf: &[u8]) -> Result<Zeroizing<Vec<u8>>, PkiError> {
    let bad = |e: der::Error| PkiError::malformed(format!("khóa bí mật PKCS#8: {e}"));
    let (algorithm, private_key) = AnyRef::try_from(pkcs8)
        .and_then(|any| {
            any.sequence(|reader| {
                let _version = u8::decode(reader)?;
                let algorithm = AlgorithmIdentifierOwned::decode(reader)?;
                let private_key = OctetString::decode(reader)?;
                while !der::Reader::is_finished(reader) {
                    AnyRef::decode(reader)?; // attributes, v2 public key
                }
                Ok((algorithm, private_key))
            })
        })
        .map_err(bad)?;
    let private_key = if algorithm.oid == oids::EC_PUBLIC_KEY {
        let ec = EcPrivateKey::from_der(private_key.as_bytes()).map_err(bad)?;
        let cert = parse_certificate(leaf)?;
        let spki = cert.tbs_certificate.subject_public_key_info;
        let fixed = EcPrivateKey {
            version: 1,
            private_key: ec.private_key,
            parameters: None,
            public_key: Some(spki.subject_public_key),
        };
        Zeroizing::new(fixed.to_der().map_err(bad)?)
    } else {
        Zeroizing::new(private_key.as_bytes().to_vec())
    };
    let info =
        PrivateKeyInfo { version: 0, algorithm, private_key: OctetString::new(private_key.as_slice()).map_err(bad)? };
    Ok(Zeroizing::new(info.to_der().map_err(bad)?))
}

/// Orders certificates leaf first by following issuer → subject names;
/// certificates off the path are appended in their original order.
fn order_chain(leaf: Vec<u8>, mut pool: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let names = |der: &[u8]| {
        parse_certificate(der).ok().map(|c| (name_der(&c.tbs_certificate.subject), name_der(&c.tbs_certificate.issuer)))
    };
    let mut chain = vec![leaf];
    while let Some((subject, issuer)) = chain.last().and_then(|c| names(c)) {
        if subject == issuer {
            break; // self-issued: the root
        }
        let next = pool.iter().position(|c| names(c).is_some_and(|(s, _)| s == issuer));
        match next {
            Some(i) => chain.push(pool.remove(i)),
            None => break,
        }
    }
    chain.extend(pool);
    chain
}
