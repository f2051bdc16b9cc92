//! Accepting a package: the checks in order (size, edXML, XML signature, trust, sender,
//! recipients, referenced document), routing of each recipient code, and the hand-over to the
//! group-commit writer. Also the hub's shared state ([`Inner`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use egov_domain::agency_code::AgencyCode;
use egov_edxml::{ErrorKind, Limits, Message, ReadOptions};
use egov_pki::{ChainProblem, TrustStore};
use egov_xmldsig::XmlDsigError;
use serde_json::json;
use tokio::sync::{mpsc, oneshot, watch, Notify};

use crate::db::{self, Db, NewMessage, NewRefusal, WriteOp, UP};
use crate::registry::{Registry, System};
use crate::{HubClient, HubSettings, NewSystem, SystemKind};

/// A precise refusal: HTTP status, stable code, messages in Vietnamese and English, details.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message_vi: String,
    pub message_en: String,
    pub details: Option<serde_json::Value>,
}

impl Refusal {
    pub fn new(status: u16, code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal { status, code, message_vi: vi.into(), message_en: en.into(), details: None }
    }

    fn with(mut self, details: serde_json::Value) -> Refusal {
        self.details = Some(details);
        self
    }

    pub fn too_large(max: usize) -> Refusal {
        Refusal::new(
            413,
            "too_large",
            format!("Gói tin vượt quá kích thước tối đa {max} byte."),
            format!("The package is larger than the limit of {max} bytes."),
        )
    }

    pub fn internal() -> Refusal {
        Refusal::new(
            500,
            "internal",
            "Lỗi nội bộ của trục liên thông; hãy gửi lại sau.",
            "Internal hub error; retry later.",
        )
    }

    pub fn unavailable() -> Refusal {
        Refusal::new(
            503,
            "unavailable",
            "Trục liên thông đang dừng; hãy gửi lại sau.",
            "The hub is shutting down; retry later.",
        )
    }
}

/// Where a package comes from.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// A registered system calling the API.
    Caller(Arc<System>),
    /// Pulled from this hub's parent hub.
    Upstream,
}

impl Origin {
    fn name(&self) -> String {
        match self {
            Origin::Caller(s) => s.code.as_str().to_string(),
            Origin::Upstream => UP.to_string(),
        }
    }
}

/// The outcome of an accepted send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Accepted {
    pub id: String,
    pub duplicate: bool,
}

/// What the checks learned about a package.
#[derive(Debug)]
struct Checked {
    kind: &'static str,
    from: AgencyCode,
    document_id: String,
    status_code: Option<String>,
    business: Option<String>,
    recipients: Vec<AgencyCode>,
    signer_subject: String,
}

/// Long-poll waiters per system code, and the forwarding worker's bell.
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    by_code: Mutex<HashMap<String, Arc<Notify>>>,
    pub up: Notify,
}

impl Waiters {
    pub fn get(&self, code: &str) -> Arc<Notify> {
        self.by_code.lock().unwrap_or_else(|e| e.into_inner()).entry(code.to_string()).or_default().clone()
    }

    pub fn wake(&self, target: &str) {
        if target == UP {
            self.up.notify_one();
        } else if let Some(n) = self.by_code.lock().unwrap_or_else(|e| e.into_inner()).get(target) {
            n.notify_waiters();
        }
    }
}

/// The hub's shared state.
#[derive(Debug)]
pub(crate) struct Inner {
    pub settings: HubSettings,
    pub trust: TrustStore,
    pub db: Db,
    pub registry: Registry,
    pub waiters: Arc<Waiters>,
    pub upstream: Option<HubClient>,
    writer: Mutex<Option<mpsc::Sender<WriteOp>>>,
    writer_task: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    pub shutdown: watch::Sender<bool>,
}

impl Inner {
    pub async fn new(settings: HubSettings, trust: TrustStore, db: Db) -> anyhow::Result<Inner> {
        let registry = Registry::load(&db).await?;
        let waiters = Arc::new(Waiters::default());
        let (tx, rx) = mpsc::channel(4096);
        let w = waiters.clone();
        let writer_task = tokio::spawn(db::writer(db.clone(), rx, move |c| {
            for t in c.targets {
                w.wake(&t);
            }
        }));
        let upstream = match (&settings.upstream_url, &settings.signer) {
            (Some(url), Some(signer)) => Some(
                HubClient::new(url.clone(), settings.own_code.clone(), signer.clone())
                    .with_max_package_bytes(settings.max_package_bytes),
            ),
            _ => None,
        };
        Ok(Inner {
            settings,
            trust,
            db,
            registry,
            waiters,
            upstream,
            writer: Mutex::new(Some(tx)),
            writer_task: tokio::sync::Mutex::new(Some(writer_task)),
            shutdown: watch::channel(false).0,
        })
    }

    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    pub async fn close(&self) {
        self.begin_shutdown();
        self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = self.writer_task.lock().await.take() {
            let _ = task.await;
        }
        self.db.close().await;
    }

    fn sender(&self) -> Option<mpsc::Sender<WriteOp>> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Sends an op to the writer and waits for its answer.
    pub async fn write(
        &self,
        op: impl FnOnce(oneshot::Sender<anyhow::Result<bool>>) -> WriteOp,
    ) -> Result<bool, Refusal> {
        let sender = self.sender().ok_or_else(Refusal::unavailable)?;
        let (tx, rx) = oneshot::channel();
        sender.send(op(tx)).await.map_err(|_| Refusal::unavailable())?;
        match rx.await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                tracing::error!(error = %format!("{e:#}"), "hub write failed");
                Err(Refusal::internal())
            }
            Err(_) => Err(Refusal::unavailable()),
        }
    }

    /// Queues a write nobody waits for.
    pub fn write_later(&self, op: WriteOp) {
        if let Some(sender) = self.sender() {
            if sender.try_send(op).is_err() {
                tracing::warn!("hub writer queue full; a log entry was dropped");
            }
        }
    }

    /// Logs and counts a refusal; returns once the log entry is committed.
    pub async fn log_refusal(
        &self,
        system: Option<&str>,
        refusal: &Refusal,
        package_id: Option<&str>,
        size: Option<usize>,
    ) {
        tracing::warn!(system, code = refusal.code, package_id, message = %refusal.message_en, "refused");
        let entry = NewRefusal {
            system: system.map(|s| s.chars().take(64).collect()),
            reason: refusal.code.to_string(),
            message: refusal.message_en.chars().take(2000).collect(),
            package_id: package_id.map(str::to_string),
            size: size.map(|s| s as i64),
        };
        if let Err(r) = self.write(|tx| WriteOp::Refusal(entry, Some(tx))).await {
            tracing::error!(code = r.code, "refusal not logged");
        }
    }

    pub async fn register_system(&self, s: &NewSystem) -> anyhow::Result<()> {
        let code = AgencyCode::parse(&s.code, "code").map_err(|e| anyhow::anyhow!("{}", e.message_en))?;
        let name = s.name.trim();
        if name.is_empty() {
            anyhow::bail!("a system needs a name");
        }
        let info = egov_pki::certificate_info(&s.certificate_der).map_err(|e| anyhow::anyhow!("certificate: {e}"))?;
        if crate::auth::algorithm_oid(&info.key_algorithm).is_none() {
            anyhow::bail!("certificate key {} is not supported (RSA or ECDSA P-256)", info.key_algorithm);
        }
        let report = egov_pki::validate_chain(&s.certificate_der, &[], &self.trust, db::now_ms() / 1000, &[]);
        if let Some(problem) = report.problem {
            anyhow::bail!("certificate of {}: {}", code.as_str(), problem);
        }
        let norm = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        if let Some(endpoint) = norm(&s.endpoint) {
            let url = reqwest::Url::parse(&endpoint).map_err(|e| anyhow::anyhow!("endpoint {endpoint}: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") || s.kind != SystemKind::Node {
                anyhow::bail!("endpoint {endpoint}: push delivery goes to a node's http(s) URL");
            }
        }
        self.db
            .upsert_system(&db::SystemRow {
                code: code.as_str().to_string(),
                name: name.to_string(),
                kind: s.kind.as_str().to_string(),
                certificate: s.certificate_der.clone(),
                level: norm(&s.level),
                parent: norm(&s.parent),
                endpoint: norm(&s.endpoint),
            })
            .await?;
        self.registry.reload(&self.db).await?;
        Ok(())
    }

    /// Accepts a package from `origin` (`id` = [`crate::package_id`] of `body`): every check,
    /// routing, and the durable commit.
    pub async fn accept(self: &Arc<Self>, origin: &Origin, id: String, body: Bytes) -> Result<Accepted, Refusal> {
        let size = body.len();
        match self.accept_inner(origin, &id, body).await {
            Ok(a) => Ok(a),
            Err(r) => {
                if r.status < 500 {
                    self.log_refusal(Some(&origin.name()), &r, Some(&id), Some(size)).await;
                }
                Err(r)
            }
        }
    }

    async fn accept_inner(self: &Arc<Self>, origin: &Origin, id: &str, body: Bytes) -> Result<Accepted, Refusal> {
        let max = self.settings.max_package_bytes;
        if body.len() > max {
            return Err(Refusal::too_large(max));
        }
        if self.db.message_exists(id).await.map_err(internal)? {
            return Ok(Accepted { id: id.to_string(), duplicate: true });
        }
        let caller = match origin {
            Origin::Caller(s) => Some(s.clone()),
            Origin::Upstream => None,
        };
        // Parsing and signature checks are CPU work: keep them off the async threads.
        let checked = {
            let inner = self.clone();
            let body = body.clone();
            tokio::task::spawn_blocking(move || inner.check(&body, caller.as_deref()))
                .await
                .map_err(|e| internal(anyhow::anyhow!("check task: {e}")))??
        };
        let snapshot = self.registry.snapshot(&self.db).await.map_err(internal)?;
        let mut targets: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut unroutable = Vec::new();
        for r in &checked.recipients {
            match self.route(&snapshot, origin, r) {
                Route::Target(t) => targets.entry(t).or_default().push(r.as_str().to_string()),
                Route::Skip => {}
                Route::Unroutable => unroutable.push(r.as_str().to_string()),
            }
        }
        let from_node = matches!(origin, Origin::Caller(s) if s.kind == SystemKind::Node);
        if !unroutable.is_empty() {
            if from_node {
                return Err(Refusal::new(
                    422,
                    "unknown_recipient",
                    format!("Không có đơn vị nhận với mã định danh: {}.", unroutable.join(", ")),
                    format!("No recipient is known with the identifier code: {}.", unroutable.join(", ")),
                )
                .with(json!({ "codes": unroutable })));
            }
            tracing::info!(id, codes = ?unroutable, "recipients outside this hub skipped");
        }
        if checked.kind == "status" && !self.db.document_known(&checked.document_id).await.map_err(internal)? {
            return Err(Refusal::new(
                422,
                "unknown_document",
                format!("Văn bản {} chưa từng được gửi qua trục liên thông này.", checked.document_id),
                format!("Document {} was never sent through this hub.", checked.document_id),
            )
            .with(json!({ "document_id": checked.document_id })));
        }
        let message = NewMessage {
            id: id.to_string(),
            kind: checked.kind,
            from_code: checked.from.as_str().to_string(),
            document_id: Some(checked.document_id),
            status_code: checked.status_code,
            business: checked.business,
            bytes: body,
            received_from: origin.name(),
            signer_subject: Some(checked.signer_subject),
            deliveries: targets.into_iter().map(|(t, r)| (t, r.join(" "))).collect(),
        };
        let inserted = self.write(|tx| WriteOp::Accept(Box::new(message), tx)).await?;
        Ok(Accepted { id: id.to_string(), duplicate: !inserted })
    }

    /// Where one recipient code goes (see the crate README for the rules).
    fn route(&self, snapshot: &crate::registry::Snapshot, origin: &Origin, code: &AgencyCode) -> Route {
        if let Some(node) = snapshot.by_code.get(code.as_str()).filter(|s| s.kind == SystemKind::Node) {
            return Route::Target(node.code.as_str().to_string());
        }
        if let Some(hub) = snapshot.covering_hub(code) {
            return match origin {
                Origin::Caller(c) if c.code == hub.code => Route::Skip,
                _ => Route::Target(hub.code.as_str().to_string()),
            };
        }
        if self.upstream.is_some() && !matches!(origin, Origin::Upstream) {
            return Route::Target(UP.to_string());
        }
        Route::Unroutable
    }

    /// How this hub reads edXML: its size limit, no unzipping, its leniency.
    pub(crate) fn read_options(&self) -> ReadOptions {
        ReadOptions {
            limits: Limits { max_package_bytes: self.settings.max_package_bytes, ..Limits::default() },
            unzip_attachments: false,
            lenient: self.settings.lenient_edxml,
        }
    }

    /// The CPU part of the checks: edXML, XML signature, trust, sender.
    fn check(&self, body: &[u8], caller: Option<&System>) -> Result<Checked, Refusal> {
        let opts = self.read_options();
        let message = egov_edxml::read_message_with(body, &opts).map_err(|e| {
            if e.kind() == ErrorKind::TooLarge {
                return Refusal::too_large(self.settings.max_package_bytes)
                    .with(json!({ "problems": problems_json(e.problems()) }));
            }
            Refusal::new(
                400,
                "bad_package",
                format!("Gói tin edXML không hợp lệ: {}", first_message(&e, true)),
                format!("Invalid edXML package: {}", first_message(&e, false)),
            )
            .with(json!({ "problems": problems_json(e.problems()) }))
        })?;
        let text = std::str::from_utf8(body)
            .map_err(|_| Refusal::new(400, "bad_package", "Gói tin không phải UTF-8.", "The package is not UTF-8."))?;
        let verified = egov_xmldsig::verify(text).map_err(|e| match e {
            XmlDsigError::NoSignature => Refusal::new(
                422,
                "unsigned",
                "Gói tin chưa được ký số (không có ds:Signature).",
                "The package carries no XML signature.",
            ),
            XmlDsigError::Malformed(m) => Refusal::new(
                400,
                "bad_package",
                format!("Gói tin không đọc được: {m}"),
                format!("The package cannot be read: {m}"),
            ),
            other => Refusal::new(
                422,
                "bad_signature",
                format!("Chữ ký số của gói tin không hợp lệ: {other}"),
                format!("The package's signature does not verify: {}", dsig_en(&other)),
            ),
        })?;
        let intermediates: Vec<Vec<u8>> =
            verified.certificates.iter().filter(|c| **c != verified.certificate).cloned().collect();
        let signer_subject =
            self.registry.check_chain(&self.trust, &verified.certificate, &intermediates).map_err(|p| {
                Refusal::new(
                    422,
                    "untrusted_signature",
                    format!("Chứng thư số ký gói tin không được tin cậy: {p}"),
                    format!("The package's signing certificate is not trusted: {}", chain_en(&p)),
                )
            })?;
        let code = |c: &egov_edxml::AgencyCode| {
            AgencyCode::parse(c.as_str(), "OrganId").map_err(|e| {
                Refusal::new(400, "bad_package", e.message_vi.clone(), e.message_en.clone())
                    .with(json!({ "code": c.as_str() }))
            })
        };
        let checked = match message {
            Message::Package(p) => {
                let h = &p.package.header;
                let mut recipients = Vec::with_capacity(h.to.len());
                for t in &h.to {
                    recipients.push(code(&t.organ_id)?);
                }
                Checked {
                    kind: "document",
                    from: code(&h.from.organ_id)?,
                    document_id: h.document_id.to_string(),
                    status_code: None,
                    business: p.package.trace.business.as_ref().map(|b| b.doc_type.code().to_string()),
                    recipients,
                    signer_subject,
                }
            }
            Message::Status(s) => {
                let st = &s.status;
                let mut recipients = Vec::with_capacity(st.to.len().max(1));
                for t in &st.to {
                    recipients.push(code(&t.organ_id)?);
                }
                if recipients.is_empty() {
                    // A status without `To` answers the document's sender.
                    recipients.push(code(&st.response_for.organ_id)?);
                }
                Checked {
                    kind: "status",
                    from: code(&st.from.organ_id)?,
                    document_id: st.response_for.document_id.to_string(),
                    status_code: Some(format!("{:02}", st.status_code.code())),
                    business: None,
                    recipients,
                    signer_subject,
                }
            }
        };
        if let Some(caller) = caller {
            let ok = match caller.kind {
                SystemKind::Node => {
                    same_agency(&checked.from, &caller.code) && verified.certificate == caller.certificate
                }
                SystemKind::Hub => checked.from.is_within(&caller.code),
            };
            if !ok {
                return Err(Refusal::new(
                    403,
                    "not_sender",
                    format!(
                        "Gói tin do {} gửi (hoặc ký bằng chứng thư số khác) không được gửi qua hệ thống {}.",
                        checked.from.as_str(),
                        caller.code.as_str()
                    ),
                    format!(
                        "A package from {} (or signed with another certificate) cannot be sent by system {}.",
                        checked.from.as_str(),
                        caller.code.as_str()
                    ),
                ));
            }
        }
        Ok(checked)
    }
}

enum Route {
    Target(String),
    Skip,
    Unroutable,
}

/// The same agency, possibly written in the other form (`H41` and `000.00.00.H41`).
fn same_agency(a: &AgencyCode, b: &AgencyCode) -> bool {
    a.as_str() == b.as_str()
        || matches!((a.to_current(), b.to_current()), (Some(x), Some(y)) if x.as_str() == y.as_str())
}

fn problems_json(problems: &[egov_edxml::Problem]) -> serde_json::Value {
    problems
        .iter()
        .map(|p| json!({ "path": p.path, "code": p.code, "message_vi": p.message_vi, "message_en": p.message_en }))
        .collect()
}

fn first_message(e: &egov_edxml::EdxmlError, vi: bool) -> String {
    match e.first() {
        Some(p) if p.path.is_empty() => {
            if vi {
                p.message_vi.clone()
            } else {
                p.message_en.clone()
            }
        }
        Some(p) => format!("{}: {}", p.path, if vi { &p.message_vi } else { &p.message_en }),
        None => e.kind().to_string(),
    }
}

fn dsig_en(e: &XmlDsigError) -> String {
    match e {
        XmlDsigError::DigestMismatch => "the content changed after signing".into(),
        XmlDsigError::BadSignature => "the signature value does not match the certificate".into(),
        XmlDsigError::Unsupported(m) => format!("unsupported algorithm or structure ({m})"),
        other => other.to_string(),
    }
}

pub(crate) fn chain_en(p: &ChainProblem) -> String {
    match p {
        ChainProblem::UntrustedRoot => "not issued by a trusted certification authority".into(),
        ChainProblem::Expired => "the certificate has expired".into(),
        ChainProblem::NotYetValid => "the certificate is not yet valid".into(),
        ChainProblem::BadSignature => "the issuer's signature on the certificate is invalid".into(),
        ChainProblem::NotForSigning => "the certificate may not be used for signing".into(),
        ChainProblem::Other(m) => m.clone(),
    }
}

fn internal(e: anyhow::Error) -> Refusal {
    tracing::error!(error = %format!("{e:#}"), "hub internal error");
    Refusal::internal()
}
