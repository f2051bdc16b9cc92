//! Reading CMS as other implementations write it: BER (indefinite lengths, as NSS — and so poppler's `pdfsig` and
//! the signing tools built on NSS — emits, long-form lengths, strings in chunks) brought to DER, and the set of
//! certificates taken out of the `SignedData` so that a repeated certificate (NSS lists the signer's twice) or one
//! the strict DER decoder refuses does not make the whole signature unreadable.
//!
//! Only the framing is rewritten: element order and primitive contents stay as they were, so the signed attributes
//! of a signer that wrote DER (every signer must sign their DER form) come out byte for byte.

/// How deep elements may nest; CMS and certificates need about twenty levels.
const MAX_DEPTH: usize = 64;

/// One BER element: its identifier octets and either its contents (primitive) or its elements (constructed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element<'a> {
    tag: &'a [u8],
    content: &'a [u8],
    children: Vec<Element<'a>>,
}

impl<'a> Element<'a> {
    /// Reads the first element of `bytes` and what it took; `None` when it is not well-formed BER.
    pub(crate) fn read(bytes: &'a [u8]) -> Option<(Element<'a>, usize)> {
        read_element(bytes, 0)
    }

    fn constructed(&self) -> bool {
        self.tag[0] & 0x20 != 0
    }

    /// The DER encoding: definite, minimal lengths; a constructed OCTET STRING joined into a primitive one.
    pub(crate) fn to_der(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_der(&mut out);
        out
    }

    fn write_der(&self, out: &mut Vec<u8>) {
        if self.tag == [0x24] {
            // A universal OCTET STRING in chunks: DER has one primitive string.
            let mut joined = Vec::new();
            self.join_chunks(&mut joined);
            out.push(0x04);
            write_length(out, joined.len());
            out.extend_from_slice(&joined);
            return;
        }
        out.extend_from_slice(self.tag);
        if self.constructed() {
            let mut body = Vec::new();
            for child in &self.children {
                child.write_der(&mut body);
            }
            write_length(out, body.len());
            out.extend_from_slice(&body);
        } else {
            write_length(out, self.content.len());
            out.extend_from_slice(self.content);
        }
    }

    fn join_chunks(&self, out: &mut Vec<u8>) {
        if self.constructed() {
            for child in &self.children {
                child.join_chunks(out);
            }
        } else {
            out.extend_from_slice(self.content);
        }
    }
}

fn write_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn read_element(bytes: &[u8], depth: usize) -> Option<(Element<'_>, usize)> {
    if depth > MAX_DEPTH {
        return None;
    }
    let first = *bytes.first()?;
    let mut at = 1;
    if first & 0x1f == 0x1f {
        // High tag number: base-128 octets, the last without the top bit.
        loop {
            let b = *bytes.get(at)?;
            at += 1;
            if b & 0x80 == 0 {
                break;
            }
            if at > 6 {
                return None;
            }
        }
    }
    let tag = &bytes[..at];
    let constructed = first & 0x20 != 0;
    let len_byte = *bytes.get(at)?;
    at += 1;
    if len_byte == 0x80 {
        // Indefinite length: elements up to the end-of-contents octets.
        if !constructed {
            return None;
        }
        let mut children = Vec::new();
        let start = at;
        loop {
            let rest = bytes.get(at..)?;
            if rest.starts_with(&[0, 0]) {
                let content = &bytes[start..at];
                return Some((Element { tag, content, children }, at + 2));
            }
            let (child, used) = read_element(rest, depth + 1)?;
            children.push(child);
            at += used;
        }
    }
    let len = if len_byte < 0x80 {
        usize::from(len_byte)
    } else {
        let n = usize::from(len_byte & 0x7f);
        if n > std::mem::size_of::<usize>() {
            return None;
        }
        let mut len = 0usize;
        for _ in 0..n {
            len = len.checked_mul(256)?.checked_add(usize::from(*bytes.get(at)?))?;
            at += 1;
        }
        len
    };
    let end = at.checked_add(len)?;
    let content = bytes.get(at..end)?;
    let mut children = Vec::new();
    if constructed {
        let mut inner = 0;
        while inner < content.len() {
            let (child, used) = read_element(&content[inner..], depth + 1)?;
            children.push(child);
            inner += used;
        }
    }
    Some((Element { tag, content, children }, end))
}

/// A CMS `ContentInfo(SignedData)` in DER without its `certificates` and `crls` fields, and the DER of each
/// certificate it carried (in order, each once). `None` when the bytes are not BER of that shape.
pub(crate) fn normalize_signed_data(bytes: &[u8]) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let (mut info, _) = Element::read(bytes)?;
    // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content }
    if info.tag != [0x30] {
        return None;
    }
    let explicit = info.children.get_mut(1).filter(|e| e.tag == [0xa0])?;
    let signed_data = explicit.children.first_mut().filter(|e| e.tag == [0x30])?;
    let mut certificates: Vec<Vec<u8>> = Vec::new();
    signed_data.children.retain(|field| match field.tag {
        // certificates [0] IMPLICIT CertificateSet: the plain certificates (other choices are not used here).
        [0xa0] => {
            for cert in field.children.iter().filter(|c| c.tag == [0x30]) {
                let der = cert.to_der();
                if !certificates.contains(&der) {
                    certificates.push(der);
                }
            }
            false
        }
        // crls [1] IMPLICIT RevocationInfoChoices: not read from the signature.
        [0xa1] => false,
        _ => true,
    });
    Some((info.to_der(), certificates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_and_chunked_strings_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" }, NULL }
        let ber = [0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0, 0x05, 0x00, 0, 0, 0, 0];
        let (element, used) = Element::read(&ber).unwrap();
        assert_eq!(used, 17, "trailing padding is not part of the element");
        assert_eq!(element.to_der(), [0x30, 0x07, 0x04, 0x03, b'a', b'b', b'c', 0x05, 0x00]);
        // A long-form length that DER would write short.
        assert_eq!(Element::read(&[0x04, 0x81, 0x01, 7]).unwrap().0.to_der(), [0x04, 0x01, 7]);
        let long = [vec![0x04, 0x82, 0x01, 0x00], vec![9; 256]].concat();
        assert_eq!(Element::read(&long).unwrap().0.to_der(), long);
    }

    #[test]
    fn malformed_input_is_refused_without_panicking() {
        assert!(Element::read(&[]).is_none());
        assert!(Element::read(&[0x30]).is_none());
        assert!(Element::read(&[0x04, 0x80, 0, 0]).is_none(), "a primitive element cannot be indefinite");
        assert!(Element::read(&[0x30, 0x80, 0x04, 0x01]).is_none(), "no end-of-contents");
        assert!(Element::read(&[0x04, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1]).is_none());
        assert!(Element::read(&[0x30, 0x03, 0x04, 0x05, 0]).is_none(), "a child longer than its parent");
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 100).flatten().collect();
        assert!(Element::read(&deep).is_none());
    }

    #[test]
    fn repeated_certificates_are_kept_once_and_taken_out() {
        let cert = [0x30, 0x03, 0x02, 0x01, 0x05];
        let other = [0x30, 0x03, 0x02, 0x01, 0x06];
        let mut set = vec![0xa0, 0x80];
        set.extend_from_slice(&cert);
        set.extend_from_slice(&other);
        set.extend_from_slice(&cert);
        set.extend_from_slice(&[0, 0]);
        let mut signed_data = vec![0x30, 0x80, 0x02, 0x01, 0x01];
        signed_data.extend_from_slice(&set);
        signed_data.extend_from_slice(&[0x31, 0x00, 0, 0]);
        let mut info = vec![0x30, 0x80, 0x06, 0x01, 0x2a, 0xa0, 0x80];
        info.extend_from_slice(&signed_data);
        info.extend_from_slice(&[0, 0, 0, 0]);
        let (der, certs) = normalize_signed_data(&info).unwrap();
        assert_eq!(certs, vec![cert.to_vec(), other.to_vec()]);
        assert_eq!(der, [0x30, 0x0c, 0x06, 0x01, 0x2a, 0xa0, 0x07, 0x30, 0x05, 0x02, 0x01, 0x01, 0x31, 0x00]);
    }
}
