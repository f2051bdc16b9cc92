//! Parsed certificate revocation lists: issuer, update times, the revoked
//! serials, and the check that a CRL was really signed by a given CA.

use std::collections::HashMap;

use der::asn1::AnyRef;
use der::{Decode, Reader};
use x509_cert::crl::CertificateList;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::certificate::{format_name, name_der, normalize_serial_hex, parse_certificate, serial_hex, unix_seconds};
use crate::signature::verify_with_spki;
use crate::PkiError;

/// A parsed X.509 CRL.
#[derive(Debug, Clone)]
pub struct Crl {
    /// Issuer name, formatted like [`crate::CertificateInfo::issuer`].
    pub issuer: String,
    /// When this CRL was issued, Unix seconds.
    pub this_update: i64,
    /// When the next CRL is due, Unix seconds, if stated.
    pub next_update: Option<i64>,
    der: Vec<u8>,
    tbs: Vec<u8>,
    issuer_der: Vec<u8>,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: Vec<u8>,
    /// Serial (normalised hex) → revocation time.
    revoked: HashMap<String, i64>,
}

impl Crl {
    /// Parses a DER CRL.
    pub fn parse(der: &[u8]) -> Result<Crl, PkiError> {
        let bad = |e: der::Error| PkiError::malformed(format!("CRL: {e}"));
        let list = CertificateList::from_der(der).map_err(bad)?;
        let tbs = AnyRef::try_from(der)
            .and_then(|outer| {
                outer.sequence(|reader| {
                    let tbs = reader.tlv_bytes()?;
                    while !reader.is_finished() {
                        AnyRef::decode(reader)?;
                    }
                    Ok(tbs.to_vec())
                })
            })
            .map_err(bad)?;
        let signature = list.signature.as_bytes().ok_or_else(|| PkiError::malformed("chữ ký CRL"))?.to_vec();
        let tbs_list = list.tbs_cert_list;
        let mut revoked = HashMap::new();
        for entry in tbs_list.revoked_certificates.iter().flatten() {
            let at = unix_seconds(entry.revocation_date);
            revoked
                .entry(serial_hex(entry.serial_number.as_bytes()))
                .and_modify(|t: &mut i64| *t = (*t).min(at))
                .or_insert(at);
        }
        Ok(Crl {
            issuer: format_name(&tbs_list.issuer),
            this_update: unix_seconds(tbs_list.this_update),
            next_update: tbs_list.next_update.map(unix_seconds),
            der: der.to_vec(),
            tbs,
            issuer_der: name_der(&tbs_list.issuer),
            signature_algorithm: list.signature_algorithm,
            signature,
            revoked,
        })
    }

    /// True when the CRL's issuer name equals the certificate's subject and
    /// the CRL signature verifies with the certificate's public key.
    pub fn verify_issued_by(&self, issuer_cert_der: &[u8]) -> bool {
        parse_certificate(issuer_cert_der).is_ok_and(|cert| self.issued_by(&cert))
    }

    /// [`Crl::verify_issued_by`] for an already parsed certificate.
    pub(crate) fn issued_by(&self, issuer: &Certificate) -> bool {
        let tbs = &issuer.tbs_certificate;
        name_der(&tbs.subject) == self.issuer_der
            && verify_with_spki(
                &tbs.subject_public_key_info,
                &self.signature_algorithm.oid,
                self.signature_algorithm.parameters.as_ref().map(AnyRef::from),
                None,
                &self.tbs,
                &self.signature,
            )
            .is_ok()
    }

    /// When the certificate with this serial (hex, any case, leading zeros
    /// allowed) was revoked, or `None` if the CRL does not list it.
    pub fn revoked_at(&self, serial_hex: &str) -> Option<i64> {
        self.revoked.get(&normalize_serial_hex(serial_hex)).copied()
    }

    /// The revoked serials (normalised lower-case hex) with their revocation
    /// times, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, i64)> + '_ {
        self.revoked.iter().map(|(s, t)| (s.as_str(), *t))
    }

    /// The CRL as it was parsed, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}
