//! Web Push: message encryption (RFC 8291, `aes128gcm` of RFC 8188) and VAPID (RFC 8292).
//!
//! INTERFACE ONLY (scaffolding): the channels helper replaces the bodies; the signatures are
//! what `egov-service` codes against.

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub endpoint: String,
    /// The browser's P-256 public key, base64url (65 bytes uncompressed).
    pub p256dh: String,
    /// The authentication secret, base64url (16 bytes).
    pub auth: String,
}

impl Subscription {
    /// Checks the endpoint (https; http only to loopback when `allow_loopback_http`) and keys.
    pub fn parse(endpoint: &str, p256dh: &str, auth: &str, _allow_loopback_http: bool) -> Result<Self, PushError> {
        Ok(Subscription { endpoint: endpoint.into(), p256dh: p256dh.into(), auth: auth.into() })
    }
}

/// The server's VAPID key pair (P-256).
#[derive(Clone, Debug)]
pub struct VapidKey {
    _secret: Vec<u8>,
}

impl VapidKey {
    /// A new random key.
    pub fn generate() -> Self {
        VapidKey { _secret: Vec::new() }
    }
    /// The key from the 32 bytes `to_bytes` gave.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PushError> {
        Ok(VapidKey { _secret: bytes.to_vec() })
    }
    /// The private scalar, 32 bytes, to store (sealed) and load again.
    pub fn to_bytes(&self) -> Vec<u8> {
        self._secret.clone()
    }
    /// The public key as browsers want it for `applicationServerKey` (base64url, uncompressed).
    pub fn public_key_base64url(&self) -> String {
        String::new()
    }
}

/// How soon the push service should deliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    High,
}

/// Sends pushes with one VAPID key; `subject` is the `mailto:` or `https:` contact of RFC 8292.
#[derive(Clone, Debug)]
pub struct PushClient {
    _vapid: VapidKey,
    _subject: String,
}

impl PushClient {
    pub fn new(vapid: VapidKey, subject: &str) -> Self {
        PushClient { _vapid: vapid, _subject: subject.into() }
    }

    /// Encrypts `payload` (at most 3,993 bytes) for `sub` and posts it with `ttl_seconds`.
    pub async fn send(
        &self,
        _sub: &Subscription,
        _payload: &[u8],
        _ttl_seconds: u32,
        _urgency: Urgency,
    ) -> Result<(), PushError> {
        Err(PushError::Transient("the push channel is not built yet".into()))
    }
}
