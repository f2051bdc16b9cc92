//! A signed XML document read into a small tree: elements with their namespace declarations, attributes,
//! children and byte spans in the source. DTDs are refused (no entity expansion, no external references);
//! only the predefined entities and character references are resolved.
use crate::XmlDsigError;
use quick_xml::events::Event;
use quick_xml::Reader;

/// A node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// An element.
    Element(Element),
    /// Character data (entities resolved, line ends normalised).
    Text(String),
    /// A processing instruction: target and data.
    Pi(String),
}

/// An element with what canonicalisation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The prefix of the element name ("" for none).
    pub prefix: String,
    /// The local name.
    pub local: String,
    /// Namespace declarations on this element: (prefix, URI); prefix "" is the default namespace.
    pub ns_decls: Vec<(String, String)>,
    /// Other attributes: (prefix, local name, value).
    pub attrs: Vec<(String, String, String)>,
    /// Children in order.
    pub children: Vec<Node>,
    /// Byte offset of the start tag's `<`.
    pub start: usize,
    /// Byte offset of the end tag's `<` (or of the `<` of an empty-element tag).
    pub content_end: usize,
    /// Byte offset just after the element.
    pub end: usize,
}

impl Element {
    /// The qualified name as written.
    pub fn qname(&self) -> String {
        if self.prefix.is_empty() {
            self.local.clone()
        } else {
            format!("{}:{}", self.prefix, self.local)
        }
    }

    /// The value of an unprefixed attribute.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs.iter().find(|(p, l, _)| p.is_empty() && l == local).map(|(_, _, v)| v.as_str())
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The concatenated text of the element's direct text children.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// A parsed document: nodes before the root (processing instructions), the root, nodes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Processing instructions before the root element.
    pub before: Vec<Node>,
    /// The document element.
    pub root: Element,
    /// Processing instructions after the root element.
    pub after: Vec<Node>,
}

fn split_name(name: &str) -> Result<(String, String), XmlDsigError> {
    Ok(match name.split_once(':') {
        Some((p, l)) => (p.to_string(), l.to_string()),
        None => (String::new(), name.to_string()),
    })
}

fn bad(e: impl std::fmt::Display) -> XmlDsigError {
    XmlDsigError::Malformed(e.to_string())
}

fn element_of(e: &quick_xml::events::BytesStart<'_>, start: usize) -> Result<Element, XmlDsigError> {
    let (prefix, local) = split_name(e.name().as_ref())?;
    let mut ns_decls = Vec::new();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(bad)?;
        let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(bad)?.into_owned();
        let (p, l) = split_name(a.key.as_ref())?;
        if p.is_empty() && l == "xmlns" {
            ns_decls.push((String::new(), value));
        } else if p == "xmlns" {
            ns_decls.push((l, value));
        } else {
            attrs.push((p, l, value));
        }
    }
    Ok(Element { prefix, local, ns_decls, attrs, children: Vec::new(), start, content_end: start, end: start })
}

/// Reads a document. Fails on malformed XML, a DOCTYPE, an unknown entity, or more than one root.
pub fn parse(xml: &str) -> Result<Document, XmlDsigError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut root: Option<Element> = None;
    let push = |stack: &mut Vec<Element>, root: &mut Option<Element>, node: Node| -> Result<(), XmlDsigError> {
        match stack.last_mut() {
            Some(parent) => {
                parent.children.push(node);
                Ok(())
            }
            None => match node {
                Node::Element(e) if root.is_none() => {
                    *root = Some(e);
                    Ok(())
                }
                Node::Element(_) => Err(XmlDsigError::Malformed("nhiều hơn một phần tử gốc".into())),
                _ => Ok(()),
            },
        }
    };
    loop {
        let at = usize::try_from(reader.buffer_position()).map_err(bad)?;
        let event = reader.read_event().map_err(bad)?;
        let after_event = usize::try_from(reader.buffer_position()).map_err(bad)?;
        match event {
            Event::Start(e) => stack.push(element_of(&e, at)?),
            Event::Empty(e) => {
                let mut el = element_of(&e, at)?;
                el.content_end = at;
                el.end = after_event;
                push(&mut stack, &mut root, Node::Element(el))?;
            }
            Event::End(_) => {
                let mut el = stack.pop().ok_or_else(|| bad("thẻ đóng thừa"))?;
                el.content_end = at;
                el.end = after_event;
                push(&mut stack, &mut root, Node::Element(el))?;
            }
            Event::Text(t) => {
                let text = t.xml10_content().into_owned();
                if let Some(parent) = stack.last_mut() {
                    append_text(parent, text);
                } else if !text.trim().is_empty() {
                    return Err(bad("văn bản ngoài phần tử gốc"));
                }
            }
            Event::CData(c) => {
                let text = c.into_inner().replace("\r\n", "\n");
                match stack.last_mut() {
                    Some(parent) => append_text(parent, text),
                    None => return Err(bad("CDATA ngoài phần tử gốc")),
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().map_err(bad)?.map(String::from)
                } else {
                    quick_xml::escape::resolve_predefined_entity(&r).map(String::from)
                };
                let text = resolved.ok_or_else(|| bad(format!("thực thể không được phép: &{};", &*r)))?;
                match stack.last_mut() {
                    Some(parent) => append_text(parent, text),
                    None => return Err(bad("tham chiếu ngoài phần tử gốc")),
                }
            }
            Event::PI(p) => {
                let pi = Node::Pi(p.into_inner().into_owned());
                match (stack.last_mut(), &root) {
                    (Some(parent), _) => parent.children.push(pi),
                    (None, None) => before.push(pi),
                    (None, Some(_)) => after.push(pi),
                }
            }
            Event::DocType(_) => return Err(bad("không chấp nhận DOCTYPE (DTD)")),
            Event::Comment(_) | Event::Decl(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(bad("tài liệu bị cắt cụt"));
    }
    let root = root.ok_or_else(|| bad("không có phần tử gốc"))?;
    Ok(Document { before, root, after })
}

fn append_text(parent: &mut Element, text: String) {
    if let Some(Node::Text(last)) = parent.children.last_mut() {
        last.push_str(&text);
    } else {
        parent.children.push(Node::Text(text));
    }
}

/// The namespace URI bound to `prefix` at `path` (the chain of ancestors, root first, ending at the element).
pub fn resolve(path: &[&Element], prefix: &str) -> Option<String> {
    if prefix == "xml" {
        return Some("http://www.w3.org/XML/1998/namespace".into());
    }
    path.iter().rev().find_map(|e| e.ns_decls.iter().find(|(p, _)| p == prefix).map(|(_, uri)| uri.clone()))
}

/// Finds the first element (document order) named `local` in namespace `ns`, with its ancestors (root first).
pub fn find<'a>(root: &'a Element, ns: &str, local: &str) -> Option<Vec<&'a Element>> {
    fn walk<'a>(e: &'a Element, path: &mut Vec<&'a Element>, ns: &str, local: &str) -> bool {
        path.push(e);
        if e.local == local && resolve(path, &e.prefix).as_deref() == Some(ns) {
            return true;
        }
        for child in e.elements() {
            if walk(child, path, ns, local) {
                return true;
            }
        }
        path.pop();
        false
    }
    let mut path = Vec::new();
    walk(root, &mut path, ns, local).then_some(path)
}
