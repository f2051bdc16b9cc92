//! Web Push: this module owns the checking of a browser's subscription, the message encryption
//! of RFC 8291 (the `aes128gcm` content coding of RFC 8188), the VAPID identification of
//! RFC 8292 (an ES256 JWT) and the sorting of a push service's answers.
//!
//! The primitives are RustCrypto's (`p256` for ECDH and ECDSA, `hkdf` with `sha2`, `aes-gcm`),
//! combined exactly as the RFCs say; nothing cryptographic is written here.
//!
//! A message is one record of record size 4096 with the padding delimiter `0x02` and no further
//! padding; the header (86 bytes) and the record (payload + 17 bytes) must fit in the 4,096
//! bytes every push service accepts, hence [`MAX_PAYLOAD`] = 3,993 bytes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes_gcm::aead::{Aead, KeyInit, Nonce};
use aes_gcm::Aes128Gcm;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;

/// The largest payload one push can carry (RFC 8291 section 4).
pub const MAX_PAYLOAD: usize = 3993;

/// The record size written in the header (RFC 8188 section 2.1).
pub const RECORD_SIZE: u32 = 4096;

/// The longest endpoint URL accepted.
pub const MAX_ENDPOINT_LEN: usize = 1000;

/// How long one request to a push service may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a VAPID token stays valid (RFC 8292 allows at most 24 hours).
pub const VAPID_VALIDITY: Duration = Duration::from_secs(12 * 60 * 60);

/// Why a push was not delivered, or a subscription refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The subscription's endpoint or keys are not acceptable (field named in the message).
    #[error("bad subscription: {0}")]
    BadSubscription(String),
    /// The push service says the subscription no longer exists (404, 410): drop it.
    #[error("subscription gone")]
    Gone,
    /// Worth trying again later (network, 429, 5xx).
    #[error("push service unavailable: {0}")]
    Transient(String),
    /// Will not work as it is (other 4xx, payload too large).
    #[error("push refused: {0}")]
    Permanent(String),
}

/// A browser's subscription as its `PushSubscription.toJSON()` gives it.
///
/// Build it with [`Subscription::parse`]; the fields stay public so that a stored subscription
/// can be loaded as it is (the keys are decoded and checked again when encrypting).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub endpoint: String,
    /// The browser's P-256 public key, base64url (65 bytes uncompressed).
    pub p256dh: String,
    /// The authentication secret, base64url (16 bytes).
    pub auth: String,
}

impl Subscription {
    /// Checks the endpoint (absolute https URL without credentials, at most 1,000 characters;
    /// http only to 127.0.0.0/8, ::1 or localhost when `allow_loopback_http`) and the keys
    /// (base64url, padding optional: `p256dh` an uncompressed P-256 point, `auth` 16 bytes).
    /// The error names the field: `endpoint: …`, `p256dh: …`, `auth: …`.
    pub fn parse(endpoint: &str, p256dh: &str, auth: &str, allow_loopback_http: bool) -> Result<Self, PushError> {
        let endpoint = endpoint.trim();
        check_endpoint(endpoint, allow_loopback_http)?;
        let p256dh = p256dh.trim();
        decode_p256dh(p256dh)?;
        let auth = auth.trim();
        decode_auth(auth)?;
        Ok(Subscription { endpoint: endpoint.into(), p256dh: p256dh.into(), auth: auth.into() })
    }

    /// The browser's public key, decoded and checked.
    pub fn public_key(&self) -> Result<PublicKey, PushError> {
        decode_p256dh(&self.p256dh)
    }

    /// The authentication secret, decoded and checked.
    pub fn auth_secret(&self) -> Result<[u8; 16], PushError> {
        decode_auth(&self.auth)
    }

    /// The origin of the endpoint (`https://push.example.net`), the `aud` of the VAPID token.
    pub fn origin(&self) -> Result<String, PushError> {
        let url = url::Url::parse(&self.endpoint).map_err(|e| endpoint_error(&format!("not a URL ({e})")))?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err(endpoint_error("not an http(s) URL with a host"));
        }
        Ok(url.origin().ascii_serialization())
    }
}

fn endpoint_error(why: &str) -> PushError {
    PushError::BadSubscription(format!("endpoint: {why}"))
}

fn check_endpoint(endpoint: &str, allow_loopback_http: bool) -> Result<(), PushError> {
    if endpoint.len() > MAX_ENDPOINT_LEN {
        return Err(endpoint_error(&format!("longer than {MAX_ENDPOINT_LEN} characters")));
    }
    let url = url::Url::parse(endpoint).map_err(|e| endpoint_error(&format!("not an absolute URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(endpoint_error("must not carry credentials"));
    }
    let loopback = match url.host() {
        None => return Err(endpoint_error("no host")),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_loopback_http && loopback => Ok(()),
        "http" => Err(endpoint_error("must be https")),
        other => Err(endpoint_error(&format!("scheme {other:?} is not https"))),
    }
}

/// base64url with or without padding; standard-alphabet input is refused.
fn decode_b64url(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.ends_with('=') {
        URL_SAFE.decode(text).ok()
    } else {
        URL_SAFE_NO_PAD.decode(text).ok()
    }
}

fn decode_p256dh(text: &str) -> Result<PublicKey, PushError> {
    let bad = |why: &str| PushError::BadSubscription(format!("p256dh: {why}"));
    let bytes = decode_b64url(text).ok_or_else(|| bad("not base64url"))?;
    if bytes.len() != 65 || bytes[0] != 0x04 {
        return Err(bad(&format!(
            "not an uncompressed P-256 point (65 bytes starting with 0x04), got {} bytes",
            bytes.len()
        )));
    }
    PublicKey::from_sec1_bytes(&bytes).map_err(|_| bad("not a point on the P-256 curve"))
}

fn decode_auth(text: &str) -> Result<[u8; 16], PushError> {
    let bad = |why: &str| PushError::BadSubscription(format!("auth: {why}"));
    let bytes = decode_b64url(text).ok_or_else(|| bad("not base64url"))?;
    <[u8; 16]>::try_from(bytes.as_slice()).map_err(|_| bad(&format!("must be 16 bytes, got {}", bytes.len())))
}

/// Encrypts `payload` for `sub` with a fresh ephemeral key and salt: the request body, header
/// included (`salt ‖ rs ‖ idlen ‖ keyid ‖ record`).
pub fn encrypt(sub: &Subscription, payload: &[u8]) -> Result<Vec<u8>, PushError> {
    let ephemeral = SecretKey::random(&mut OsRng);
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    encrypt_with(sub, payload, &ephemeral.to_bytes(), &salt)
}

/// [`encrypt`] with the application server's ephemeral private key (a 32-byte P-256 scalar)
/// and the salt given, for tests against known vectors. Never reuse either in production.
pub fn encrypt_with(
    sub: &Subscription,
    payload: &[u8],
    ephemeral_secret: &[u8],
    salt: &[u8; 16],
) -> Result<Vec<u8>, PushError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(PushError::Permanent(format!(
            "payload of {} bytes, at most {MAX_PAYLOAD} fit in one push",
            payload.len()
        )));
    }
    let ua_public = sub.public_key()?;
    let auth = sub.auth_secret()?;
    let as_secret = SecretKey::from_slice(ephemeral_secret)
        .map_err(|_| PushError::Permanent("the ephemeral key is not a P-256 scalar".into()))?;
    let ua_bytes = ua_public.to_encoded_point(false);
    let as_bytes = as_secret.public_key().to_encoded_point(false);

    // RFC 8291 section 3.4: the ECDH secret, mixed with the auth secret, then RFC 8188's keys.
    let shared = p256::ecdh::diffie_hellman(as_secret.to_nonzero_scalar(), ua_public.as_affine());
    let mut key_info = Vec::with_capacity(14 + 65 + 65);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(ua_bytes.as_bytes());
    key_info.extend_from_slice(as_bytes.as_bytes());
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&auth), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .map_err(|_| PushError::Permanent("HKDF expand (IKM)".into()))?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| PushError::Permanent("HKDF expand (CEK)".into()))?;
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| PushError::Permanent("HKDF expand (nonce)".into()))?;

    // One record, sequence number 0 (so the nonce is used as derived), delimiter 0x02.
    let mut plaintext = Vec::with_capacity(payload.len() + 1);
    plaintext.extend_from_slice(payload);
    plaintext.push(0x02);
    let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|_| PushError::Permanent("AES key".into()))?;
    let nonce = Nonce::<Aes128Gcm>::try_from(&nonce[..]).map_err(|_| PushError::Permanent("AES nonce".into()))?;
    let record = cipher
        .encrypt(&nonce, plaintext.as_slice())
        .map_err(|_| PushError::Permanent("AES-GCM encryption failed".into()))?;

    let mut body = Vec::with_capacity(16 + 4 + 1 + 65 + record.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(as_bytes.as_bytes());
    body.extend_from_slice(&record);
    Ok(body)
}

/// The server's VAPID key pair (P-256).
#[derive(Clone)]
pub struct VapidKey {
    secret: SecretKey,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey").field("public", &self.public_key_base64url()).finish_non_exhaustive()
    }
}

impl VapidKey {
    /// A new random key.
    pub fn generate() -> Self {
        VapidKey { secret: SecretKey::random(&mut OsRng) }
    }
    /// The key from the 32 bytes `to_bytes` gave; refuses anything that is not a valid
    /// P-256 scalar (wrong length, zero, not below the group order).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PushError> {
        if bytes.len() != 32 {
            return Err(PushError::Permanent(format!("VAPID key: 32 bytes expected, got {}", bytes.len())));
        }
        let secret = SecretKey::from_slice(bytes)
            .map_err(|_| PushError::Permanent("VAPID key: not a valid P-256 private scalar".into()))?;
        Ok(VapidKey { secret })
    }
    /// The private scalar, 32 bytes, to store (sealed) and load again.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.secret.to_bytes().to_vec()
    }
    /// The public key as browsers want it for `applicationServerKey` (base64url without
    /// padding, 65 bytes uncompressed).
    pub fn public_key_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }

    /// A VAPID JWT (ES256) for the push service at `audience` (an origin), valid until
    /// `expires_at` (seconds since the Unix epoch), naming `subject` as the contact.
    pub fn jwt(&self, audience: &str, expires_at: u64, subject: &str) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({ "aud": audience, "exp": expires_at, "sub": subject });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let signature: Signature = SigningKey::from(&self.secret).sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// How soon the push service should deliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    High,
}

impl Urgency {
    /// The value of the `Urgency` header (RFC 8030 section 5.3).
    pub fn as_header(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::High => "high",
        }
    }
}

/// Sends pushes with one VAPID key; `subject` is the `mailto:` or `https:` contact of RFC 8292.
#[derive(Clone, Debug)]
pub struct PushClient {
    vapid: VapidKey,
    subject: String,
    http: reqwest::Client,
}

impl PushClient {
    /// A client with its own HTTP client (rustls, [`HTTP_TIMEOUT`], no redirects).
    pub fn new(vapid: VapidKey, subject: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .connect_timeout(HTTP_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self::with_http_client(vapid, subject, http)
    }

    /// A client that sends through `http` (shared with other code, or set up by a test).
    pub fn with_http_client(vapid: VapidKey, subject: &str, http: reqwest::Client) -> Self {
        PushClient { vapid, subject: subject.into(), http }
    }

    /// The `Authorization` header value for `sub`: `vapid t=<jwt>, k=<public key>`, the token
    /// valid for [`VAPID_VALIDITY`] from `now`.
    pub fn authorization(&self, sub: &Subscription, now: SystemTime) -> Result<String, PushError> {
        let audience = sub.origin()?;
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let jwt = self.vapid.jwt(&audience, (now + VAPID_VALIDITY).as_secs(), &self.subject);
        Ok(format!("vapid t={jwt}, k={}", self.vapid.public_key_base64url()))
    }

    /// Encrypts `payload` (at most 3,993 bytes) for `sub` and posts it with `ttl_seconds`.
    /// Any 2xx answer (201 normally) is success; 404 and 410 mean [`PushError::Gone`]; 429,
    /// 5xx and network trouble [`PushError::Transient`]; 413 and other answers
    /// [`PushError::Permanent`].
    pub async fn send(
        &self,
        sub: &Subscription,
        payload: &[u8],
        ttl_seconds: u32,
        urgency: Urgency,
    ) -> Result<(), PushError> {
        let body = encrypt(sub, payload)?;
        let authorization = self.authorization(sub, SystemTime::now())?;
        let response = self
            .http
            .post(&sub.endpoint)
            .header("Authorization", authorization)
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("TTL", ttl_seconds.to_string())
            .header("Urgency", urgency.as_header())
            .body(body)
            .send()
            .await
            .map_err(|e| PushError::Transient(crate::error_chain(&e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let detail = response.text().await.unwrap_or_default();
        let detail: String = detail.chars().take(200).collect();
        Err(classify(status.as_u16(), detail.trim()))
    }
}

/// Sorts a push service's non-2xx answer.
fn classify(status: u16, detail: &str) -> PushError {
    let text = if detail.is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {detail}") };
    match status {
        404 | 410 => PushError::Gone,
        429 | 500..=599 => PushError::Transient(text),
        _ => PushError::Permanent(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::VerifyingKey;

    fn b64(s: &str) -> Vec<u8> {
        decode_b64url(s).unwrap()
    }

    // RFC 8291 Appendix A.
    const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AS_PUBLIC: &str = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PUBLIC: &str = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    fn rfc_subscription() -> Subscription {
        Subscription::parse("https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV", UA_PUBLIC, AUTH, false)
            .unwrap()
    }

    #[test]
    fn rfc8291_appendix_a() {
        let salt: [u8; 16] = b64(SALT).try_into().unwrap();
        let body = encrypt_with(&rfc_subscription(), PLAINTEXT, &b64(AS_PRIVATE), &salt).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(&body), BODY);
        assert_eq!(VapidKey::from_bytes(&b64(AS_PRIVATE)).unwrap().public_key_base64url(), AS_PUBLIC);
    }

    #[test]
    fn random_encryption_has_the_right_shape() {
        let sub = rfc_subscription();
        let a = encrypt(&sub, PLAINTEXT).unwrap();
        let b = encrypt(&sub, PLAINTEXT).unwrap();
        assert_eq!(a.len(), 86 + PLAINTEXT.len() + 17);
        assert_ne!(a, b, "salt and key must be fresh each time");
        assert_eq!(&a[16..21], &[0, 0, 0x10, 0, 65]);
        assert!(encrypt(&sub, &[b'x'; MAX_PAYLOAD]).unwrap().len() <= 4096);
        assert!(matches!(encrypt(&sub, &[b'x'; MAX_PAYLOAD + 1]), Err(PushError::Permanent(_))));
    }

    #[test]
    fn vapid_key_round_trip_and_bad_scalars() {
        let key = VapidKey::generate();
        let again = VapidKey::from_bytes(&key.to_bytes()).unwrap();
        assert_eq!(key.public_key_base64url(), again.public_key_base64url());
        assert_eq!(b64(&key.public_key_base64url()).len(), 65);
        assert!(!format!("{key:?}").contains(&hex_of(&key.to_bytes())));
        assert!(VapidKey::from_bytes(&[0u8; 32]).is_err());
        assert!(VapidKey::from_bytes(&[0xff; 32]).is_err(), "above the group order");
        assert!(VapidKey::from_bytes(&[1u8; 31]).is_err());
    }

    fn hex_of(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn vapid_jwt_verifies_and_carries_the_claims() {
        let key = VapidKey::generate();
        let client = PushClient::new(key.clone(), "mailto:admin@example.gov.vn");
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let header = client.authorization(&rfc_subscription(), now).unwrap();
        let (t, k) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(k, key.public_key_base64url());
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let head: serde_json::Value = serde_json::from_slice(&b64(parts[0])).unwrap();
        assert_eq!(head, serde_json::json!({"typ": "JWT", "alg": "ES256"}));
        let claims: serde_json::Value = serde_json::from_slice(&b64(parts[1])).unwrap();
        assert_eq!(
            claims,
            serde_json::json!({"aud": "https://push.example.net", "exp": 1_800_000_000u64 + 12 * 3600, "sub": "mailto:admin@example.gov.vn"})
        );
        let verifying = VerifyingKey::from_sec1_bytes(&b64(k)).unwrap();
        let signature = Signature::from_slice(&b64(parts[2])).unwrap();
        verifying.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature).unwrap();
    }

    #[test]
    fn status_sorting() {
        assert!(matches!(classify(404, ""), PushError::Gone));
        assert!(matches!(classify(410, ""), PushError::Gone));
        assert!(matches!(classify(429, ""), PushError::Transient(_)));
        assert!(matches!(classify(503, ""), PushError::Transient(_)));
        assert!(matches!(classify(413, ""), PushError::Permanent(_)));
        assert!(matches!(classify(400, "bad"), PushError::Permanent(m) if m == "HTTP 400: bad"));
        assert!(matches!(classify(301, ""), PushError::Permanent(_)));
    }
}
