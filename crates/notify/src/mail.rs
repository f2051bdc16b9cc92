//! E-mail over SMTP.
//!
//! INTERFACE ONLY (scaffolding): the channels helper replaces the bodies; the signatures are
//! what `egov-service` codes against.

/// Where and how to send: `url` is `smtp://[user:pass@]host[:port]` (STARTTLS when offered… the
/// implementation documents the exact forms), `from` the sender address.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub url: String,
    pub from: String,
}

/// One message to one person.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: String,
    pub to_name: String,
    pub subject: String,
    /// Plain text (always sent).
    pub text: String,
    /// An HTML alternative, if any.
    pub html: Option<String>,
    /// A stable Message-ID (without angle brackets), the same on every retry of one delivery.
    pub message_id: String,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The configuration cannot work (bad URL, bad sender address).
    #[error("mail configuration: {0}")]
    Config(String),
    /// Worth trying again later (server down, timeout, 4xx reply).
    #[error("mail server unavailable: {0}")]
    Transient(String),
    /// Will never work as it is (bad recipient address, 5xx reply for this recipient).
    #[error("mail refused: {0}")]
    Permanent(String),
}

/// An SMTP client, cheap to clone, shared by the delivery worker.
#[derive(Clone, Debug)]
pub struct Mailer {
    _config: MailConfig,
}

impl Mailer {
    /// Checks the configuration; connects only when sending.
    pub fn new(config: &MailConfig) -> Result<Self, MailError> {
        Ok(Mailer { _config: config.clone() })
    }

    /// Sends one message.
    pub async fn send(&self, _mail: &Mail) -> Result<(), MailError> {
        Err(MailError::Transient("the mail channel is not built yet".into()))
    }
}
