//! The hub's HTTP client, used by agency nodes and by child hubs towards their parent: every
//! request is signed as described in [`crate::auth`].

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::auth;

/// The answer to a send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// Package id (hex SHA-256 of the bytes).
    pub id: String,
    /// `true` when the hub already had these exact bytes (nothing new was delivered).
    pub duplicate: bool,
}

/// One package waiting for the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Package id.
    pub id: String,
    /// `document` or `status`.
    pub kind: String,
    /// Sender's identifier code.
    pub from: String,
    /// The document's id (for a status: the document it answers).
    pub document_id: Option<String>,
    /// Status code (`01`…`16`) for a status package.
    pub status_code: Option<String>,
    /// When the hub accepted it, Unix milliseconds.
    pub received_at: i64,
}

/// Splits a pending list into groups that may be handled at the same time: packages about the same
/// document stay in one group, in their order (a revocation must not overtake its document); a package
/// without a document id is a group of its own.
pub fn group_by_document(pending: Vec<Pending>) -> Vec<Vec<Pending>> {
    let mut groups: Vec<Vec<Pending>> = Vec::new();
    let mut by_document: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for p in pending {
        match p.document_id.clone() {
            Some(d) => match by_document.get(&d) {
                Some(&i) => groups[i].push(p),
                None => {
                    by_document.insert(d, groups.len());
                    groups.push(vec![p]);
                }
            },
            None => groups.push(vec![p]),
        }
    }
    groups
}

/// One agency in a hub's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    /// Identifier code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Level (central, province, district, commune), when known.
    pub level: Option<String>,
    /// Parent agency code, when known.
    pub parent: Option<String>,
}

/// Why a hub call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The hub refused the request (4xx): retrying the same request will not help.
    #[error("refused ({status} {code}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The hub's reason code, e.g. `unknown_recipient`.
        code: String,
        /// The hub's Vietnamese message.
        message: String,
    },
    /// The hub could not be reached, failed (5xx) or timed out: retry later.
    #[error("hub unavailable: {0}")]
    Unavailable(String),
}

impl ClientError {
    /// `true` for refusals (retrying will not help).
    pub fn is_permanent(&self) -> bool {
        matches!(self, ClientError::Refused { .. })
    }
}

/// Largest package [`HubClient::fetch`] reads by default (the hub's default `max_package_bytes`).
pub const DEFAULT_MAX_PACKAGE_BYTES: usize = 60 << 20;
/// Largest JSON answer (pending list, directory) a client reads.
const MAX_JSON_BYTES: usize = 16 << 20;
/// Largest error body a client reads (the rest is dropped).
const MAX_ERROR_BYTES: usize = 64 << 10;
/// The [`ClientError::Refused`] code of a fetched package over the client's limit.
pub const TOO_LARGE: &str = "too_large";

/// A signed-request client for one hub, acting as one system.
#[derive(Clone)]
pub struct HubClient {
    base: String,
    code: String,
    signer: Arc<dyn egov_pki::Signer>,
    http: reqwest::Client,
    max_package_bytes: usize,
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient").field("base", &self.base).field("code", &self.code).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message_vi: String,
}

impl HubClient {
    /// A client for the hub at `base_url` (e.g. `http://127.0.0.1:9000`), acting as `system_code`.
    pub fn new(
        base_url: impl Into<String>,
        system_code: impl Into<String>,
        signer: Arc<dyn egov_pki::Signer>,
    ) -> HubClient {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        HubClient {
            base: base_url.into().trim_end_matches('/').to_string(),
            code: system_code.into(),
            signer,
            http,
            max_package_bytes: DEFAULT_MAX_PACKAGE_BYTES,
        }
    }

    /// The same client, reading packages of at most `max` bytes ([`HubClient::fetch`] refuses a
    /// larger one before reading it whole).
    pub fn with_max_package_bytes(mut self, max: usize) -> HubClient {
        self.max_package_bytes = max;
        self
    }

    /// The hub's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The identifier code this client acts as.
    pub fn system_code(&self) -> &str {
        &self.code
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<(Vec<u8>, &'static str)>,
        timeout: Duration,
    ) -> Result<reqwest::Response, ClientError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let bytes = body.as_ref().map(|(b, _)| b.as_slice()).unwrap_or_default();
        let headers = auth::sign_request(self.signer.as_ref(), &self.code, method.as_str(), path_and_query, now, bytes)
            .map_err(|e| ClientError::Unavailable(format!("cannot sign the request: {e}")))?;
        let body = body.map(|(b, content_type)| (bytes::Bytes::from(b), content_type));
        let url = format!("{}{}", self.base, path_and_query);
        // Every hub call is idempotent (a send is deduplicated by its bytes), so a request that failed on a
        // pooled connection the hub had closed (e.g. after it refused an oversized body) is tried once more
        // on a fresh one.
        let mut attempt = 0;
        let res = loop {
            attempt += 1;
            let mut req = self.http.request(method.clone(), &url).timeout(timeout);
            for (name, value) in &headers {
                req = req.header(*name, value.as_str());
            }
            if let Some((b, content_type)) = &body {
                req = req.header(reqwest::header::CONTENT_TYPE, *content_type).body(b.clone());
            }
            match req.send().await {
                Ok(res) => break res,
                Err(e) if attempt == 1 && (e.is_request() || e.is_connect()) && !e.is_timeout() => continue,
                Err(e) => return Err(ClientError::Unavailable(e.to_string())),
            }
        };
        let status = res.status();
        if status.is_success() {
            return Ok(res);
        }
        let code = status.as_u16();
        let text = match read_limited(res, MAX_ERROR_BYTES).await {
            Ok(b) | Err(Limited::TooLarge(b)) => String::from_utf8_lossy(&b).into_owned(),
            Err(Limited::Failed(_)) => String::new(),
        };
        if status.is_client_error() {
            let (c, m) = match serde_json::from_str::<ErrorBody>(&text) {
                Ok(b) => (b.code, b.message_vi),
                Err(_) => (format!("http_{code}"), text),
            };
            return Err(ClientError::Refused { status: code, code: c, message: m });
        }
        Err(ClientError::Unavailable(format!("HTTP {code}: {text}")))
    }

    async fn json<T: serde::de::DeserializeOwned>(res: reqwest::Response) -> Result<T, ClientError> {
        let bytes = read_limited(res, MAX_JSON_BYTES).await.map_err(|e| match e {
            Limited::TooLarge(_) => ClientError::Unavailable(format!("answer larger than {MAX_JSON_BYTES} bytes")),
            Limited::Failed(m) => ClientError::Unavailable(m),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Unavailable(format!("unreadable answer: {e}")))
    }

    /// Sends a document or status package.
    pub async fn send(&self, package: &[u8]) -> Result<Sent, ClientError> {
        let res = self
            .call(
                reqwest::Method::POST,
                "/hub/v1/packages",
                Some((package.to_vec(), "application/xml")),
                Duration::from_secs(120),
            )
            .await?;
        Self::json(res).await
    }

    /// The caller's pending packages (at most 100, oldest first); waits up to `wait` (≤ 30 s)
    /// for one to arrive when none is pending.
    pub async fn pending(&self, wait: Duration) -> Result<Vec<Pending>, ClientError> {
        let secs = wait.as_secs().min(30);
        let path = if secs > 0 { format!("/hub/v1/pending?wait={secs}") } else { "/hub/v1/pending".to_string() };
        let res = self.call(reqwest::Method::GET, &path, None, Duration::from_secs(secs + 30)).await?;
        Self::json(res).await
    }

    /// The bytes of a pending package. One larger than the client's limit
    /// ([`HubClient::with_max_package_bytes`]) is refused as [`ClientError::Refused`] with code
    /// [`TOO_LARGE`] (status 413) as soon as its declared length or its bytes pass the limit, so
    /// memory stays bounded; the caller decides whether to acknowledge it.
    pub async fn fetch(&self, id: &str) -> Result<Vec<u8>, ClientError> {
        let res = self
            .call(
                reqwest::Method::GET,
                &format!("/hub/v1/packages/{}", path_segment(id)),
                None,
                Duration::from_secs(120),
            )
            .await?;
        let max = self.max_package_bytes;
        read_limited(res, max).await.map_err(|e| match e {
            Limited::TooLarge(_) => ClientError::Refused {
                status: 413,
                code: TOO_LARGE.to_string(),
                message: format!("Gói tin vượt quá kích thước tối đa {max} byte."),
            },
            Limited::Failed(m) => ClientError::Unavailable(m),
        })
    }

    /// Acknowledges a package (idempotent): it is no longer pending.
    pub async fn ack(&self, id: &str) -> Result<(), ClientError> {
        self.call(
            reqwest::Method::POST,
            &format!("/hub/v1/packages/{}/ack", path_segment(id)),
            None,
            Duration::from_secs(30),
        )
        .await?;
        Ok(())
    }

    /// The hub's directory of agencies.
    pub async fn directory(&self) -> Result<Vec<DirectoryEntry>, ClientError> {
        let res = self.call(reqwest::Method::GET, "/hub/v1/directory", None, Duration::from_secs(30)).await?;
        Self::json(res).await
    }

    /// Reports this (child) hub's directory to its parent.
    pub async fn put_directory(&self, entries: &[DirectoryEntry]) -> Result<(), ClientError> {
        let body = serde_json::to_vec(entries).map_err(|e| ClientError::Unavailable(e.to_string()))?;
        self.call(reqwest::Method::PUT, "/hub/v1/directory", Some((body, "application/json")), Duration::from_secs(30))
            .await?;
        Ok(())
    }
}

/// Why [`read_limited`] stopped.
enum Limited {
    /// Over the limit: what was read (at most the limit plus one chunk; nothing when the declared
    /// length was already over it).
    TooLarge(Vec<u8>),
    /// The connection failed.
    Failed(String),
}

/// Reads a response body of at most `max` bytes: refused on its declared length before reading,
/// else as soon as the bytes read pass `max`.
async fn read_limited(mut res: reqwest::Response, max: usize) -> Result<Vec<u8>, Limited> {
    if res.content_length().is_some_and(|n| n > max as u64) {
        return Err(Limited::TooLarge(Vec::new()));
    }
    let mut out = Vec::with_capacity(res.content_length().map_or(0, |n| n as usize));
    while let Some(chunk) = res.chunk().await.map_err(|e| Limited::Failed(e.to_string()))? {
        if out.len() + chunk.len() > max {
            let room = max - out.len();
            out.extend_from_slice(&chunk[..room]);
            return Err(Limited::TooLarge(out));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Keeps an id usable in a path: package ids are hex, anything else is reduced to its
/// alphanumeric characters (the hub will answer 404).
fn path_segment(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}
