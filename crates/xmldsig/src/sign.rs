//! Making an enveloped signature: digest of the canonical document, `SignedInfo`, signature value through
//! the `Signer` (hash in, signature out), certificate chain in `KeyInfo`.
use crate::tree::{self, Element};
use crate::{c14n, XmlDsigError, DSIG_NS, ECDSA_SHA256, ENVELOPED, EXC_C14N, RSA_SHA256, SHA256};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use egov_pki::{SignatureAlgorithm, Signer};

const VALUE_MARK: &str = "\u{1}SIGNATURE-VALUE\u{1}";

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Signs `xml` with an enveloped signature placed as the last child of the first element named `local` in
/// namespace `ns` (for edXML: `edXML:DigitalSignature`). The document must not be signed already.
pub fn sign(xml: &str, ns: &str, local: &str, signer: &dyn Signer) -> Result<String, XmlDsigError> {
    if xml.contains(VALUE_MARK) {
        return Err(XmlDsigError::Malformed("ký tự điều khiển không hợp lệ".into()));
    }
    let doc = tree::parse(xml)?;
    if tree::find(&doc.root, DSIG_NS, "Signature").is_some() {
        return Err(XmlDsigError::Unsupported("gói tin đã có chữ ký".into()));
    }
    let path = tree::find(&doc.root, ns, local).ok_or_else(|| XmlDsigError::NoPlace(local.to_string()))?;
    let parent: &Element = path.last().ok_or_else(|| XmlDsigError::NoPlace(local.to_string()))?;
    let digest = sha256(&c14n::document(&doc, None));
    let method = match signer.algorithm() {
        SignatureAlgorithm::RsaPkcs1Sha256 => RSA_SHA256,
        SignatureAlgorithm::EcdsaP256Sha256 => ECDSA_SHA256,
    };
    let certificates: String = signer
        .certificate_chain()
        .iter()
        .map(|c| format!("<X509Certificate>{}</X509Certificate>", B64.encode(c)))
        .collect();
    let signature = format!(
        "<Signature xmlns=\"{DSIG_NS}\"><SignedInfo><CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/>\
         <SignatureMethod Algorithm=\"{method}\"/><Reference URI=\"\"><Transforms>\
         <Transform Algorithm=\"{ENVELOPED}\"/><Transform Algorithm=\"{EXC_C14N}\"/></Transforms>\
         <DigestMethod Algorithm=\"{SHA256}\"/><DigestValue>{}</DigestValue></Reference></SignedInfo>\
         <SignatureValue>{VALUE_MARK}</SignatureValue><KeyInfo><X509Data>{certificates}</X509Data></KeyInfo></Signature>",
        B64.encode(digest)
    );
    // Insert without adding whitespace, so the enveloped transform gives back exactly the signed document.
    let mut signed = String::with_capacity(xml.len() + signature.len() + 64);
    if parent.content_end == parent.start {
        let tag = xml[parent.start..parent.end].trim_end_matches('>').trim_end_matches('/').trim_end();
        signed.push_str(&xml[..parent.start]);
        signed.push_str(tag);
        signed.push('>');
        signed.push_str(&signature);
        signed.push_str(&format!("</{}>", parent.qname()));
        signed.push_str(&xml[parent.end..]);
    } else {
        signed.push_str(&xml[..parent.content_end]);
        signed.push_str(&signature);
        signed.push_str(&xml[parent.content_end..]);
    }
    let placed = tree::parse(&signed)?;
    let signed_info = tree::find(&placed.root, DSIG_NS, "SignedInfo").ok_or(XmlDsigError::NoSignature)?;
    let to_sign = sha256(&c14n::subtree(&signed_info));
    let raw = signer.sign_digest(&to_sign).map_err(|e| XmlDsigError::Signer(e.to_string()))?;
    let value = match signer.algorithm() {
        SignatureAlgorithm::RsaPkcs1Sha256 => raw,
        // XML-DSig carries ECDSA as r ‖ s, not DER.
        SignatureAlgorithm::EcdsaP256Sha256 => {
            p256::ecdsa::Signature::from_der(&raw).map_err(|e| XmlDsigError::Signer(e.to_string()))?.to_bytes().to_vec()
        }
    };
    Ok(signed.replacen(VALUE_MARK, &B64.encode(value), 1))
}
