//! The mail channel against a real SMTP server: Python's aiosmtpd, started per test on a free
//! port by `support/smtp_server.py`, which decodes each message with Python's email package
//! and prints it as one JSON line.
//!
//! Without aiosmtpd the tests print a skip note and pass, unless `EGOV_REQUIRE_AIOSMTPD=1`,
//! where they fail (CI sets it after `python3 -m pip install aiosmtpd`).

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use egov_notify::mail::{Mail, MailConfig, MailError, Mailer};

/// Whether aiosmtpd can be used; panics when it is required and missing.
fn aiosmtpd_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("EGOV_REQUIRE_AIOSMTPD").as_deref() == Ok("1") {
            panic!("EGOV_REQUIRE_AIOSMTPD=1 but python3 cannot import aiosmtpd (python3 -m pip install aiosmtpd)");
        }
        eprintln!("SKIPPED: python3 cannot import aiosmtpd (python3 -m pip install aiosmtpd)");
    }
    ok
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// aiosmtpd on 127.0.0.1:`port`, killed on drop.
struct SmtpServer {
    child: Child,
    lines: Receiver<String>,
}

impl SmtpServer {
    /// Starts the server and returns once it is listening (it says READY).
    fn start(port: u16) -> SmtpServer {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let ready = lines.recv_timeout(Duration::from_secs(20)).expect("the SMTP server starts");
        assert_eq!(ready, "READY");
        SmtpServer { child, lines }
    }

    /// The next message the server received, as its helper decoded it.
    fn next_message(&self) -> serde_json::Value {
        let line = self.lines.recv_timeout(Duration::from_secs(20)).expect("a message arrives");
        serde_json::from_str(&line).unwrap()
    }

    fn stop(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mailer(port: u16) -> Mailer {
    Mailer::new(&MailConfig {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Văn phòng Sở Nội vụ <vanphong@snv.example.gov.vn>".into(),
    })
    .unwrap()
}

fn mail(to: &str, message_id: &str, html: Option<&str>) -> Mail {
    Mail {
        to: to.into(),
        to_name: "Trần Thị Bình".into(),
        subject: "Văn bản đến số 125/SNV-VP cần xử lý trước ngày 15/12".into(),
        text: "Kính gửi chị Trần Thị Bình,\nVăn bản “Quyết định về việc điều động” đang chờ chị xử lý.\n".into(),
        html: html.map(str::to_owned),
        message_id: message_id.into(),
    }
}

/// Text as Python hands it back: line ends normalised.
fn lines(text: &serde_json::Value) -> String {
    text.as_str().unwrap().replace("\r\n", "\n")
}

#[tokio::test]
async fn a_vietnamese_message_arrives_intact() {
    if !aiosmtpd_available() {
        return;
    }
    let port = free_port();
    let server = SmtpServer::start(port);
    let mailer = mailer(port);

    let html =
        "<p>Kính gửi chị <b>Trần Thị Bình</b>,</p><p>Văn bản “Quyết định về việc điều động” đang chờ chị xử lý.</p>";
    let sent = mail("binh.tt@snv.example.gov.vn", "d41d8cd9.42@egov.example.gov.vn", Some(html));
    mailer.send(&sent).await.unwrap();
    let got = server.next_message();
    assert_eq!(got["mail_from"], "vanphong@snv.example.gov.vn");
    assert_eq!(got["rcpt_tos"], serde_json::json!(["binh.tt@snv.example.gov.vn"]));
    assert_eq!(got["from"], "Văn phòng Sở Nội vụ <vanphong@snv.example.gov.vn>");
    assert_eq!(got["to_name"], "Trần Thị Bình");
    assert_eq!(got["to_addr"], "binh.tt@snv.example.gov.vn");
    assert_eq!(got["subject"], sent.subject.as_str());
    assert_eq!(got["message_id"], "<d41d8cd9.42@egov.example.gov.vn>");
    assert_eq!(got["date"], true);
    assert_eq!(got["content_type"], "multipart/alternative");
    assert_eq!(lines(&got["text"]), sent.text);
    assert_eq!(lines(&got["html"]).trim_end(), html);

    // Text only, on the same (pooled) connection.
    let sent = mail("binh.tt@snv.example.gov.vn", "d41d8cd9.43@egov.example.gov.vn", None);
    mailer.send(&sent).await.unwrap();
    let got = server.next_message();
    assert_eq!(got["content_type"], "text/plain");
    assert_eq!(got["message_id"], "<d41d8cd9.43@egov.example.gov.vn>");
    assert_eq!(got["subject"], sent.subject.as_str());
    assert_eq!(lines(&got["text"]), sent.text);
    assert!(got["html"].is_null());
    server.stop();
}

#[tokio::test]
async fn a_refused_recipient_is_permanent() {
    if !aiosmtpd_available() {
        return;
    }
    let port = free_port();
    let server = SmtpServer::start(port);
    let mailer = mailer(port);
    let err = mailer.send(&mail("refuse.me@snv.example.gov.vn", "r1@egov.example.gov.vn", None)).await.unwrap_err();
    assert!(matches!(&err, MailError::Permanent(m) if m.contains("550")), "{err:?}");
    // The next message goes through all the same.
    mailer.send(&mail("binh.tt@snv.example.gov.vn", "r2@egov.example.gov.vn", None)).await.unwrap();
    assert_eq!(server.next_message()["message_id"], "<r2@egov.example.gov.vn>");
}

#[tokio::test]
async fn a_server_that_is_down_is_transient_and_quick() {
    // No Python needed: nothing listens on the port.
    let port = free_port();
    let mailer = mailer(port);
    let started = Instant::now();
    let err = mailer.send(&mail("binh.tt@snv.example.gov.vn", "x@egov.example.gov.vn", None)).await.unwrap_err();
    assert!(matches!(err, MailError::Transient(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_bad_recipient_address_is_permanent() {
    let err = mailer(free_port()).send(&mail("binh.tt@", "x@egov.example.gov.vn", None)).await.unwrap_err();
    assert!(matches!(err, MailError::Permanent(_)), "{err:?}");
}

#[tokio::test]
async fn sending_works_again_after_the_server_restarts() {
    if !aiosmtpd_available() {
        return;
    }
    let port = free_port();
    let mailer = mailer(port);
    let server = SmtpServer::start(port);
    mailer.send(&mail("binh.tt@snv.example.gov.vn", "s1@egov.example.gov.vn", None)).await.unwrap();
    assert_eq!(server.next_message()["message_id"], "<s1@egov.example.gov.vn>");
    server.stop();

    let err = mailer.send(&mail("binh.tt@snv.example.gov.vn", "s2@egov.example.gov.vn", None)).await.unwrap_err();
    assert!(matches!(err, MailError::Transient(_)), "{err:?}");

    let server = SmtpServer::start(port);
    mailer.send(&mail("binh.tt@snv.example.gov.vn", "s3@egov.example.gov.vn", None)).await.unwrap();
    assert_eq!(server.next_message()["message_id"], "<s3@egov.example.gov.vn>");
}
