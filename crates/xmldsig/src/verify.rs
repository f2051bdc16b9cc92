//! Checking an enveloped signature: supported algorithms only, the reference digest over the canonical
//! document without the signature, and the signature value over the canonical `SignedInfo`.
use crate::tree::{self, Element};
use crate::{c14n, XmlDsigError, DSIG_NS, ECDSA_SHA256, ENVELOPED, EXC_C14N, RSA_SHA256, SHA256};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

/// A signature that verified: who signed (trust in the certificate is the caller's check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The certificate whose key verified the signature (DER).
    pub certificate: Vec<u8>,
    /// Every certificate in `KeyInfo` (DER), for building the chain.
    pub certificates: Vec<Vec<u8>>,
    /// The signature method URI.
    pub method: String,
}

fn child<'a>(e: &'a Element, local: &str) -> Option<&'a Element> {
    e.elements().find(|c| c.local == local)
}

fn unsupported(what: impl Into<String>) -> XmlDsigError {
    XmlDsigError::Unsupported(what.into())
}

/// Verifies the (first) XML signature of `xml`.
pub fn verify(xml: &str) -> Result<VerifiedSignature, XmlDsigError> {
    let doc = tree::parse(xml)?;
    let path = tree::find(&doc.root, DSIG_NS, "Signature").ok_or(XmlDsigError::NoSignature)?;
    let signature = *path.last().ok_or(XmlDsigError::NoSignature)?;
    let signed_info = child(signature, "SignedInfo").ok_or_else(|| unsupported("thiếu SignedInfo"))?;
    let c14n_method = child(signed_info, "CanonicalizationMethod").and_then(|e| e.attr("Algorithm"));
    if c14n_method != Some(EXC_C14N) {
        return Err(unsupported(format!("chuẩn hóa {}", c14n_method.unwrap_or("?"))));
    }
    let method = child(signed_info, "SignatureMethod").and_then(|e| e.attr("Algorithm")).unwrap_or("").to_string();
    let oid = match method.as_str() {
        RSA_SHA256 => "1.2.840.113549.1.1.11",
        ECDSA_SHA256 => "1.2.840.10045.4.3.2",
        other => return Err(unsupported(format!("thuật toán ký {other}"))),
    };
    let references: Vec<&Element> = signed_info.elements().filter(|e| e.local == "Reference").collect();
    let [reference] = references.as_slice() else {
        return Err(unsupported("cần đúng một Reference"));
    };
    if reference.attr("URI") != Some("") {
        return Err(unsupported("Reference phải trỏ tới toàn bộ gói tin (URI=\"\")"));
    }
    let transforms: Vec<&str> = child(reference, "Transforms")
        .map(|t| t.elements().filter_map(|e| e.attr("Algorithm")).collect())
        .unwrap_or_default();
    if transforms != [ENVELOPED, EXC_C14N] && transforms != [ENVELOPED] {
        return Err(unsupported(format!("biến đổi {}", transforms.join(", "))));
    }
    if transforms.len() == 1 {
        return Err(unsupported("chuẩn hóa bao hàm (inclusive C14N)"));
    }
    if child(reference, "DigestMethod").and_then(|e| e.attr("Algorithm")) != Some(SHA256) {
        return Err(unsupported("thuật toán băm (chỉ nhận SHA-256)"));
    }
    let claimed = child(reference, "DigestValue").map(|e| e.text()).unwrap_or_default();
    let claimed = decode(&claimed)?;
    let canonical = c14n::document(&doc, Some(signature.start));
    let digest = ring::digest::digest(&ring::digest::SHA256, &canonical);
    if digest.as_ref() != claimed.as_slice() {
        return Err(XmlDsigError::DigestMismatch);
    }
    let mut info_path = path.clone();
    info_path.push(signed_info);
    let signed_info_c14n = c14n::subtree(&info_path);
    let value = decode(&child(signature, "SignatureValue").map(|e| e.text()).unwrap_or_default())?;
    let value = if method == ECDSA_SHA256 {
        p256::ecdsa::Signature::from_slice(&value).map_err(|_| XmlDsigError::BadSignature)?.to_der().as_bytes().to_vec()
    } else {
        value
    };
    let certificates: Vec<Vec<u8>> = child(signature, "KeyInfo")
        .and_then(|k| child(k, "X509Data"))
        .map(|x| x.elements().filter(|e| e.local == "X509Certificate").filter_map(|e| decode(&e.text()).ok()).collect())
        .unwrap_or_default();
    if certificates.is_empty() {
        return Err(unsupported("không có chứng thư số trong KeyInfo"));
    }
    let certificate = certificates
        .iter()
        .find(|c| egov_pki::verify_signature_with_certificate(c, oid, None, &signed_info_c14n, &value).is_ok())
        .cloned()
        .ok_or(XmlDsigError::BadSignature)?;
    Ok(VerifiedSignature { certificate, certificates, method })
}

fn decode(text: &str) -> Result<Vec<u8>, XmlDsigError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    B64.decode(compact).map_err(|e| XmlDsigError::Malformed(format!("base64: {e}")))
}
