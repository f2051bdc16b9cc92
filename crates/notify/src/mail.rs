//! E-mail over SMTP: this module owns the SMTP connection settings, the building of one
//! MIME message (UTF-8 throughout, so Vietnamese names and subjects survive) and the sorting of
//! failures into "try again later" and "will never work".
//!
//! # The `url` of [`MailConfig`]
//!
//! | form | transport | default port |
//! | --- | --- | --- |
//! | `smtp://host[:port]` | plain SMTP, upgraded with STARTTLS when the server offers it | 25 |
//! | `smtp+starttls://host[:port]` | STARTTLS required: nothing is sent unless the upgrade works | 587 |
//! | `smtps://host[:port]` | implicit TLS from the first byte (SMTPS) | 465 |
//!
//! Each form takes optional credentials, `smtp+starttls://user:pass@host`, percent-encoded in
//! the URL (`%40` for `@` in a user name) and decoded before use; they are offered with
//! AUTH PLAIN or LOGIN, whichever the server announces. Credentials with `smtp://` are refused
//! unless the host is loopback (a local relay): STARTTLS there is only opportunistic, and a
//! password must not travel in clear because someone stripped the offer. TLS is rustls with the Mozilla roots
//! (webpki-roots): the certificate must be valid for `host`. A path, query or fragment in the
//! URL is refused, so a typo does not silently change the meaning.
//!
//! Connections are pooled and reused between messages; a connection that the server closed is
//! noticed and replaced. Connecting times out after [`CONNECT_TIMEOUT`] and a whole delivery
//! after [`SEND_TIMEOUT`], so a server that hangs never blocks the delivery worker.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{self, PoolConfig};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use percent_encoding::percent_decode_str;

/// How long opening a connection (TCP and TLS) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// How long one delivery may take from start to end, commands included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// Where and how to send: `url` is one of the forms in the [module documentation](self)
/// (`smtp://`, `smtp+starttls://`, `smtps://`, each with optional `user:pass@`), `from` the
/// sender, a bare address (`no-reply@example.gov.vn`) or with a name
/// (`Văn phòng <no-reply@example.gov.vn>`).
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub url: String,
    pub from: String,
}

/// One message to one person.
#[derive(Clone, Debug)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The recipient's display name (any Unicode; encoded as RFC 2047 on the wire).
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

/// An SMTP client, cheap to clone (clones share one connection pool), shared by the delivery
/// worker.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The URL with any password left out, for `Debug`.
    shown_url: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("url", &self.shown_url)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Checks the configuration (URL form, sender address); connects only when sending.
    ///
    /// Call it inside a Tokio runtime: the connection pool starts its clean-up task there.
    pub fn new(config: &MailConfig) -> Result<Self, MailError> {
        let from: Mailbox =
            config.from.trim().parse().map_err(|e| MailError::Config(format!("from: not an e-mail address ({e})")))?;
        let endpoint = Endpoint::parse(&config.url)?;
        let shown_url = endpoint.shown();
        Ok(Mailer { transport: endpoint.transport()?, from, shown_url })
    }

    /// Sends one message: `multipart/alternative` (text, then HTML) when `html` is given,
    /// otherwise `text/plain; charset=utf-8`.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = self.build(mail)?;
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(e)) => Err(classify(&e)),
            Err(_elapsed) => {
                Err(MailError::Transient(format!("no answer from the mail server within {} s", SEND_TIMEOUT.as_secs())))
            }
        }
    }

    /// The MIME message for `mail`; a bad recipient address or Message-ID is permanent.
    fn build(&self, mail: &Mail) -> Result<Message, MailError> {
        let address: Address =
            mail.to.trim().parse().map_err(|e| MailError::Permanent(format!("to: not an e-mail address ({e})")))?;
        let name = mail.to_name.trim();
        let to = Mailbox::new((!name.is_empty()).then(|| name.to_owned()), address);
        let id = mail.message_id.trim();
        if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>') {
            return Err(MailError::Permanent(format!("message_id: not usable as a Message-ID: {id:?}")));
        }
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{id}>")))
            .date_now();
        let built = match &mail.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(mail.text.clone(), html.clone())),
            None => builder.header(ContentType::TEXT_PLAIN).body(mail.text.clone()),
        };
        built.map_err(|e| MailError::Permanent(format!("message cannot be built: {e}")))
    }
}

/// The transport security a URL asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Security {
    /// `smtp://`: STARTTLS when offered.
    Opportunistic,
    /// `smtp+starttls://`.
    StartTls,
    /// `smtps://`.
    Implicit,
}

/// A parsed `MailConfig.url`.
struct Endpoint {
    security: Security,
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

impl Endpoint {
    fn parse(raw: &str) -> Result<Self, MailError> {
        let bad = |why: &str| MailError::Config(format!("url: {why}"));
        let url = url::Url::parse(raw.trim()).map_err(|e| bad(&format!("not a URL ({e})")))?;
        let (security, default_port) = match url.scheme() {
            "smtp" => (Security::Opportunistic, 25),
            "smtp+starttls" => (Security::StartTls, 587),
            "smtps" => (Security::Implicit, 465),
            other => return Err(bad(&format!("scheme {other:?} is not one of smtp://, smtp+starttls://, smtps://"))),
        };
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(bad("no host")),
        };
        if !(url.path().is_empty() || url.path() == "/") || url.query().is_some() || url.fragment().is_some() {
            return Err(bad("a path, query or fragment has no meaning here"));
        }
        let credentials = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            let decode = |s: &str, what: &str| {
                percent_decode_str(s)
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| bad(&format!("the {what} is not UTF-8 once percent-decoded")))
            };
            let user = decode(url.username(), "user name")?;
            let pass = decode(url.password().unwrap_or(""), "password")?;
            if user.is_empty() {
                return Err(bad("a password without a user name"));
            }
            // `smtp` is not a special scheme for the URL standard: an IPv4 host stays a name.
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if security == Security::Opportunistic && !loopback {
                return Err(bad(
                    "credentials need smtp+starttls:// or smtps:// (smtp:// might send the password in clear)",
                ));
            }
            Some((user, pass))
        };
        Ok(Endpoint { security, host, port: url.port().unwrap_or(default_port), credentials })
    }

    /// The URL without the password.
    fn shown(&self) -> String {
        let scheme = match self.security {
            Security::Opportunistic => "smtp",
            Security::StartTls => "smtp+starttls",
            Security::Implicit => "smtps",
        };
        let user = match &self.credentials {
            Some((user, _)) => format!("{user}:***@"),
            None => String::new(),
        };
        format!("{scheme}://{user}{}:{}", self.host, self.port)
    }

    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
        let tls_params = || {
            TlsParameters::new(self.host.clone())
                .map_err(|e| MailError::Config(format!("url: TLS cannot be set up for {}: {e}", self.host)))
        };
        let tls = match self.security {
            Security::Opportunistic => Tls::Opportunistic(tls_params()?),
            Security::StartTls => Tls::Required(tls_params()?),
            Security::Implicit => Tls::Wrapper(tls_params()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host.clone())
            .port(self.port)
            .tls(tls)
            .timeout(Some(CONNECT_TIMEOUT))
            .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(60)));
        if let Some((user, pass)) = &self.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(builder.build())
    }
}

/// Sorts an SMTP failure: 5xx replies are permanent, everything else (4xx, refused or lost
/// connections, timeouts, TLS trouble that may be a server's passing state) is worth a retry.
fn classify(e: &smtp::Error) -> MailError {
    let text = crate::error_chain(e);
    if e.is_permanent() {
        MailError::Permanent(text)
    } else {
        MailError::Transient(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<Endpoint, MailError> {
        Endpoint::parse(url)
    }

    #[test]
    fn url_forms_and_default_ports() {
        let e = parse("smtp://mail.example.vn").unwrap();
        assert_eq!((e.security, e.host.as_str(), e.port), (Security::Opportunistic, "mail.example.vn", 25));
        assert!(e.credentials.is_none());
        let e = parse("smtp+starttls://mail.example.vn").unwrap();
        assert_eq!((e.security, e.port), (Security::StartTls, 587));
        let e = parse("smtps://mail.example.vn").unwrap();
        assert_eq!((e.security, e.port), (Security::Implicit, 465));
        let e = parse("smtps://mail.example.vn:2465/").unwrap();
        assert_eq!(e.port, 2465);
        let e = parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("127.0.0.1", 2525));
    }

    #[test]
    fn credentials_are_percent_decoded_and_hidden() {
        let e = parse("smtp+starttls://van.thu%40so.gov.vn:p%C3%A1%3As%2Fs@mail.example.vn").unwrap();
        assert_eq!(e.credentials, Some(("van.thu@so.gov.vn".to_owned(), "pá:s/s".to_owned())));
        assert_eq!(e.shown(), "smtp+starttls://van.thu@so.gov.vn:***@mail.example.vn:587");
        let e = parse("smtp://relay:secret@127.0.0.1:2525").unwrap();
        assert_eq!(e.credentials, Some(("relay".to_owned(), "secret".to_owned())));
    }

    #[test]
    fn bad_urls_are_config_errors() {
        for url in [
            "",
            "mail.example.vn",
            "http://mail.example.vn",
            "smtp://",
            "smtp://mail.example.vn/inbox",
            "smtp://mail.example.vn?tls=1",
            "smtp://:secret@mail.example.vn",
            "smtp://user:secret@mail.example.vn",
        ] {
            assert!(matches!(parse(url), Err(MailError::Config(_))), "{url:?} accepted");
        }
    }

    #[tokio::test]
    async fn mailer_checks_the_sender() {
        let ok = MailConfig { url: "smtp://localhost:2525".into(), from: "Văn phòng <vp@example.vn>".into() };
        let mailer = Mailer::new(&ok).unwrap();
        assert!(format!("{mailer:?}").contains("smtp://localhost:2525"));
        let bad = MailConfig { from: "not an address".into(), ..ok };
        assert!(matches!(Mailer::new(&bad), Err(MailError::Config(m)) if m.starts_with("from:")));
    }

    #[tokio::test]
    async fn message_headers() {
        let mailer = Mailer::new(&MailConfig { url: "smtp://localhost".into(), from: "vp@example.vn".into() }).unwrap();
        let mail = Mail {
            to: "binh@example.vn".into(),
            to_name: "Trần Thị Bình".into(),
            subject: "Văn bản đến cần xử lý".into(),
            text: "Kính gửi chị Bình".into(),
            html: None,
            message_id: "abc.123@egov.example.vn".into(),
        };
        let wire = String::from_utf8(mailer.build(&mail).unwrap().formatted()).unwrap();
        assert!(wire.contains("Message-ID: <abc.123@egov.example.vn>\r\n"), "{wire}");
        assert!(wire.contains("Content-Type: text/plain; charset=utf-8\r\n"), "{wire}");
        assert!(!wire.contains("Trần"), "the To name must be encoded: {wire}");
        let bad = Mail { to: "binh@".into(), ..mail.clone() };
        assert!(matches!(mailer.build(&bad), Err(MailError::Permanent(_))));
        let bad = Mail { message_id: "<x y>".into(), ..mail };
        assert!(matches!(mailer.build(&bad), Err(MailError::Permanent(_))));
    }
}
