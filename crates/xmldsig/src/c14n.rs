//! Exclusive XML Canonicalization 1.0 without comments (W3C REC xml-exc-c14n): UTF-8, start and end tags
//! for empty elements, namespace declarations only where visibly used and not already in force in the
//! output, namespace declarations then attributes in canonical order, canonical escaping, comments dropped.
use crate::tree::{resolve, Document, Element, Node};

/// Canonical form of a whole document, leaving out the element that starts at byte `omit` (the enveloped
/// signature), if any.
pub fn document(doc: &Document, omit: Option<usize>) -> Vec<u8> {
    let mut out = Vec::new();
    for n in &doc.before {
        if let Node::Pi(pi) = n {
            write_pi(&mut out, pi);
            out.push(b'\n');
        }
    }
    write_element(&mut out, &[], &doc.root, &mut Vec::new(), omit);
    for n in &doc.after {
        if let Node::Pi(pi) = n {
            out.push(b'\n');
            write_pi(&mut out, pi);
        }
    }
    out
}

/// Canonical form of the subtree of the last element of `path` (its ancestors first), as exclusive
/// canonicalisation renders a subtree: namespaces from ancestors appear only where visibly used.
pub fn subtree(path: &[&Element]) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some((element, ancestors)) = path.split_last() {
        write_element(&mut out, ancestors, element, &mut Vec::new(), None);
    }
    out
}

/// Writes `e` (whose ancestors are `ancestors`), given the namespace declarations already rendered by its
/// output ancestors (`rendered`: prefix → URI, innermost last).
fn write_element(
    out: &mut Vec<u8>,
    ancestors: &[&Element],
    e: &Element,
    rendered: &mut Vec<(String, String)>,
    omit: Option<usize>,
) {
    if omit == Some(e.start) {
        return;
    }
    let mut path: Vec<&Element> = ancestors.to_vec();
    path.push(e);
    // Visibly used prefixes: the element's own, and those of its prefixed attributes.
    let mut used: Vec<String> = vec![e.prefix.clone()];
    for (p, _, _) in &e.attrs {
        if !p.is_empty() && p != "xml" && !used.contains(p) {
            used.push(p.clone());
        }
    }
    let mut decls: Vec<(String, String)> = Vec::new();
    for prefix in used {
        let uri = resolve(&path, &prefix).unwrap_or_default();
        let in_force = rendered.iter().rev().find(|(p, _)| *p == prefix).map(|(_, u)| u.as_str());
        let needed = match in_force {
            Some(current) => current != uri,
            // An unqualified element in no namespace needs no declaration unless a default was rendered.
            None => !(prefix.is_empty() && uri.is_empty()),
        };
        if needed {
            decls.push((prefix, uri));
        }
    }
    decls.sort_by(|a, b| a.0.cmp(&b.0));
    // Attributes sort by namespace URI (none first), then local name.
    let mut attrs: Vec<(String, &str, &str, &str)> = e
        .attrs
        .iter()
        .map(|(p, l, v)| {
            let uri = if p.is_empty() { String::new() } else { resolve(&path, p).unwrap_or_default() };
            (uri, l.as_str(), p.as_str(), v.as_str())
        })
        .collect();
    attrs.sort_by(|a, b| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)));
    out.push(b'<');
    out.extend_from_slice(e.qname().as_bytes());
    for (prefix, uri) in &decls {
        if prefix.is_empty() {
            out.extend_from_slice(b" xmlns=\"");
        } else {
            out.extend_from_slice(b" xmlns:");
            out.extend_from_slice(prefix.as_bytes());
            out.extend_from_slice(b"=\"");
        }
        escape_attr(out, uri);
        out.push(b'"');
    }
    for (_, local, prefix, value) in &attrs {
        out.push(b' ');
        if !prefix.is_empty() {
            out.extend_from_slice(prefix.as_bytes());
            out.push(b':');
        }
        out.extend_from_slice(local.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_attr(out, value);
        out.push(b'"');
    }
    out.push(b'>');
    let mark = rendered.len();
    rendered.extend(decls);
    for child in &e.children {
        match child {
            Node::Element(c) => write_element(out, &path, c, rendered, omit),
            Node::Text(t) => escape_text(out, t),
            Node::Pi(pi) => write_pi(out, pi),
        }
    }
    rendered.truncate(mark);
    out.extend_from_slice(b"</");
    out.extend_from_slice(e.qname().as_bytes());
    out.push(b'>');
}

fn write_pi(out: &mut Vec<u8>, pi: &str) {
    out.extend_from_slice(b"<?");
    let pi = pi.trim_end();
    match pi.split_once(char::is_whitespace) {
        Some((target, data)) => {
            out.extend_from_slice(target.as_bytes());
            out.push(b' ');
            out.extend_from_slice(data.trim_start().as_bytes());
        }
        None => out.extend_from_slice(pi.as_bytes()),
    }
    out.extend_from_slice(b"?>");
}

fn escape_text(out: &mut Vec<u8>, text: &str) {
    // Text is mostly long runs without a special byte (a base64 attachment is one): find the specials with
    // memchr and copy the runs between them whole.
    let bytes = text.as_bytes();
    out.reserve(bytes.len());
    let mut at = 0;
    // Where the next carriage return is (searched again only once passed, so text with many `&` and no CR
    // stays linear).
    let mut cr = memchr::memchr(b'\r', bytes);
    loop {
        let markup = memchr::memchr3(b'&', b'<', b'>', &bytes[at..]).map(|i| at + i);
        let next = match (markup, cr) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let Some(i) = next else {
            out.extend_from_slice(&bytes[at..]);
            return;
        };
        out.extend_from_slice(&bytes[at..i]);
        out.extend_from_slice(match bytes[i] {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            _ => b"&#xD;",
        });
        at = i + 1;
        if cr == Some(i) {
            cr = memchr::memchr(b'\r', &bytes[at..]).map(|j| at + j);
        }
    }
}

fn escape_attr(out: &mut Vec<u8>, value: &str) {
    escape(out, value, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'"' => Some(b"&quot;"),
        b'\t' => Some(b"&#x9;"),
        b'\n' => Some(b"&#xA;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

/// Copies `text` to `out`, replacing the bytes `replacement` names; runs without such bytes are copied at
/// once (a base64 attachment is one run). Every replaced character is ASCII, so UTF-8 sequences stay whole.
fn escape(out: &mut Vec<u8>, text: &str, replacement: impl Fn(u8) -> Option<&'static [u8]>) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len());
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(r) = replacement(b) {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(r);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::{find, parse};

    fn canon(xml: &str) -> String {
        String::from_utf8(document(&parse(xml).expect("parse"), None)).expect("utf-8")
    }

    #[test]
    fn empty_elements_attribute_order_and_escaping() {
        assert_eq!(
            canon("<?xml version=\"1.0\"?>\n<r b=\"2\" a='1'><e/><!-- c --></r>"),
            "<r a=\"1\" b=\"2\"><e></e></r>"
        );
        assert_eq!(
            canon("<r a=\"x&amp;&lt;&quot;\">a &amp; b &lt; &gt; &#x41;</r>"),
            "<r a=\"x&amp;&lt;&quot;\">a &amp; b &lt; &gt; A</r>"
        );
        assert_eq!(canon("<r><![CDATA[<x>&]]></r>"), "<r>&lt;x&gt;&amp;</r>");
        // Carriage returns from character references, between and after other escapes.
        assert_eq!(canon("<r>a&#xD;b &amp; c&gt;&#xD;&#xD;</r>"), "<r>a&#xD;b &amp; c&gt;&#xD;&#xD;</r>");
        assert_eq!(canon("<r>&amp;&amp;&lt;x</r>"), "<r>&amp;&amp;&lt;x</r>");
        assert_eq!(canon("<r>a\r\nb</r>"), "<r>a\nb</r>");
    }

    #[test]
    fn namespaces_only_where_visibly_used() {
        let xml = "<a:r xmlns:a=\"urn:a\" xmlns:b=\"urn:b\" xmlns=\"urn:d\"><a:x b:k=\"1\" k=\"2\"><y/></a:x></a:r>";
        assert_eq!(
            canon(xml),
            "<a:r xmlns:a=\"urn:a\"><a:x xmlns:b=\"urn:b\" k=\"2\" b:k=\"1\"><y xmlns=\"urn:d\"></y></a:x></a:r>"
        );
        // A subtree gets the declarations it uses from its ancestors.
        let doc = parse(xml).expect("parse");
        let path = find(&doc.root, "urn:a", "x").expect("x");
        assert_eq!(
            String::from_utf8(subtree(&path)).expect("utf-8"),
            "<a:x xmlns:a=\"urn:a\" xmlns:b=\"urn:b\" k=\"2\" b:k=\"1\"><y xmlns=\"urn:d\"></y></a:x>"
        );
    }

    #[test]
    fn an_omitted_element_leaves_no_trace() {
        let xml = "<r><s>keep</s><sig xmlns=\"urn:s\"><v>1</v></sig></r>";
        let doc = parse(xml).expect("parse");
        let sig = find(&doc.root, "urn:s", "sig").expect("sig");
        let start = sig.last().expect("element").start;
        assert_eq!(String::from_utf8(document(&doc, Some(start))).expect("utf-8"), "<r><s>keep</s></r>");
    }

    #[test]
    fn dtds_and_unknown_entities_are_refused() {
        assert!(parse("<!DOCTYPE r [<!ENTITY x \"y\">]><r>&x;</r>").is_err());
        assert!(parse("<r>&x;</r>").is_err());
        assert!(parse("<r><a></r>").is_err());
        assert!(parse("<r/><r/>").is_err());
    }
}
