//! The canonical output checked by an independent, namespace-aware XML parser (Python's
//! ElementTree): well-formed, every prefix declared, and texts (escapes, carriage returns) read
//! back as written. Skipped with a notice when `python3` is not installed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use egov_edxml::*;

const SCRIPT: &str = r#"
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
ns = {"e": "http://www.mic.gov.vn/TBT/QCVN_102_2016"}
out = []
for path in sys.argv[1:]:
    el = root.find(path, ns)
    out.append("" if el is None or el.text is None else el.text)
sys.stdout.buffer.write("\x1e".join(out).encode("utf-8"))
"#;

/// The texts at the ElementTree paths, or `None` when python3 is missing.
fn python_texts(xml: &[u8], paths: &[&str]) -> Option<Vec<String>> {
    let mut child = match Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .args(paths)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => {
            eprintln!("python3 not found: independent parser check skipped");
            return None;
        }
    };
    child.stdin.take().expect("stdin").write_all(xml).expect("write");
    let out = child.wait_with_output().expect("python3 runs");
    assert!(out.status.success(), "ElementTree refused the output: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).expect("utf8").split('\u{1e}').map(str::to_owned).collect())
}

#[test]
fn canonical_package_is_well_formed_for_another_parser() {
    let mut p = common::sample_package();
    p.header.subject = "A <b> & \"c\" 'd' ]]> e\r\nf\rg 🙂 Đ".into();
    p.header.content = "x&#13;y".into();
    let w = write_package(&p).expect("writes");
    let paths = [
        ".//e:Subject",
        ".//e:Content",
        "./e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:DocumentId",
        "./AttachmentEncoded/Attachment/ContentId",
    ];
    let Some(texts) = python_texts(&w.bytes, &paths) else { return };
    // ElementTree applies XML line-end rules: a raw CR would be folded, the escaped one is kept.
    assert_eq!(texts[0], p.header.subject);
    assert_eq!(texts[1], "x&#13;y");
    assert_eq!(texts[2], p.header.document_id.to_string());
    assert_eq!(texts[3], "", "AttachmentEncoded is in the default (edXML) namespace, not in no namespace");
    let ns_paths = ["./e:AttachmentEncoded/e:Attachment/e:ContentId"];
    assert_eq!(python_texts(&w.bytes, &ns_paths).expect("python3")[0], "a1b2c3");
}

#[test]
fn canonical_status_is_well_formed_for_another_parser() {
    let w = write_status(&common::sample_status()).expect("writes");
    let Some(texts) = python_texts(&w.bytes, &[".//e:StatusCode", ".//e:Timestamp"]) else { return };
    assert_eq!(texts, vec!["03".to_owned(), "2024/03/05 09:00:01".to_owned()]);
}
