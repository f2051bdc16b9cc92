//! PIN-sealed private keys for storage in the database.
//!
//! Format (version 1): `1 || salt(16) || nonce(12) || AES-256-GCM(ciphertext || tag(16))`.
//! The 32-byte AES key is Argon2id(PIN, salt) with 19 MiB of memory, 2 passes
//! and 1 lane. The version byte and salt are bound as associated data, so a
//! tampered header fails like a wrong PIN.

use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::PkiError;

/// Version byte written first by [`seal_key`].
pub const SEAL_VERSION: u8 = 1;

const SALT_LEN: usize = 16;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + SALT_LEN;

/// Encrypts a PKCS#8 private key under a PIN; see the module docs for the
/// format.
pub fn seal_key(pkcs8: &[u8], pin: &str) -> Result<Vec<u8>, PkiError> {
    let rng = SystemRandom::new();
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut salt)
        .and_then(|()| rng.fill(&mut nonce))
        .map_err(|_| PkiError::crypto("không lấy được số ngẫu nhiên"))?;
    let key = aead_key(pin, &salt)?;

    let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + pkcs8.len() + TAG_LEN);
    out.push(SEAL_VERSION);
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    // Capacity for the tag up front, so the plaintext is never reallocated
    // (and left behind unzeroised).
    let mut data = Zeroizing::new(Vec::with_capacity(pkcs8.len() + TAG_LEN));
    data.extend_from_slice(pkcs8);
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&out[..HEADER_LEN]), &mut *data)
        .map_err(|_| PkiError::crypto("mã hóa AES-GCM thất bại"))?;
    out.extend_from_slice(&data);
    Ok(out)
}

/// Decrypts a key sealed by [`seal_key`]. A wrong PIN (or any tampering)
/// gives [`PkiError::WrongPin`]; a truncated input or unknown version gives
/// [`PkiError::Malformed`].
pub fn open_key(sealed: &[u8], pin: &str) -> Result<Zeroizing<Vec<u8>>, PkiError> {
    if sealed.len() < HEADER_LEN + NONCE_LEN + TAG_LEN {
        return Err(PkiError::malformed("khóa niêm phong bị cắt cụt"));
    }
    if sealed[0] != SEAL_VERSION {
        return Err(PkiError::malformed(format!("khóa niêm phong phiên bản {} không được hỗ trợ", sealed[0])));
    }
    let (header, rest) = sealed.split_at(HEADER_LEN);
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| PkiError::malformed("nonce khóa niêm phong"))?;
    let key = aead_key(pin, &header[1..])?;
    let mut data = Zeroizing::new(ciphertext.to_vec());
    let plain_len = key.open_in_place(nonce, Aad::from(header), &mut data).map_err(|_| PkiError::WrongPin)?.len();
    data.truncate(plain_len);
    Ok(data)
}

/// Argon2id(PIN, salt) → AES-256-GCM key.
fn aead_key(pin: &str, salt: &[u8]) -> Result<LessSafeKey, PkiError> {
    let params = Params::new(19 * 1024, 2, 1, Some(32)).map_err(PkiError::crypto)?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pin.as_bytes(), salt, &mut *key)
        .map_err(PkiError::crypto)?;
    let unbound = UnboundKey::new(&AES_256_GCM, &*key).map_err(|_| PkiError::crypto("khóa AES"))?;
    Ok(LessSafeKey::new(unbound))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_failures() {
        let secret = b"\x30\x81\x87 not really a key but secret bytes".to_vec();
        let sealed = seal_key(&secret, "123456").expect("seal");
        assert_eq!(sealed[0], SEAL_VERSION);
        assert_eq!(sealed.len(), 1 + 16 + 12 + secret.len() + 16);
        assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_slice()));
        let opened = open_key(&sealed, "123456").expect("open");
        assert_eq!(opened.as_slice(), secret.as_slice());

        // Fresh salt and nonce every time.
        assert_ne!(seal_key(&secret, "123456").expect("seal"), sealed);

        assert_eq!(open_key(&sealed, "654321"), Err(PkiError::WrongPin));
        assert!(matches!(open_key(&sealed[..20], "123456"), Err(PkiError::Malformed(_))));
        let mut other_version = sealed.clone();
        other_version[0] = 2;
        assert!(matches!(open_key(&other_version, "123456"), Err(PkiError::Malformed(_))));
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(open_key(&tampered, "123456"), Err(PkiError::WrongPin));
        let mut tampered_salt = sealed;
        tampered_salt[3] ^= 1;
        assert_eq!(open_key(&tampered_salt, "123456"), Err(PkiError::WrongPin));
    }
}
