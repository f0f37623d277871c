//! RDF Dataset Canonicalization (RDFC-1.0) of a JSON-LD document, with contexts served
//! only from the bundled copies: nothing is fetched, so a document naming an unknown
//! context is refused instead of reaching out to the network.

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use oxrdf::{GraphName, NamedOrBlankNode, Quad, Term};
use oxrdf02 as old;

use crate::CredentialError;

/// The contexts a credential of this bank may name, by URL.
pub const CONTEXTS: &[(&str, &str)] = &[
    (crate::VC_V2, include_str!("../contexts/credentials-v2.jsonld")),
    (crate::OB_V3, include_str!("../contexts/ob-3.0.3.jsonld")),
    (crate::CLR_V2, include_str!("../contexts/clr-2.0.1.jsonld")),
    (crate::DID_V1, include_str!("../contexts/did-v1.jsonld")),
    (crate::MULTIKEY_V1, include_str!("../contexts/multikey-v1.jsonld")),
];

pub fn context(url: &str) -> Option<&'static str> {
    CONTEXTS.iter().find(|(u, _)| *u == url).map(|(_, c)| *c)
}

/// The canonical N-Quads of `doc`.
pub fn canonicalize(doc: &serde_json::Value) -> Result<String, CredentialError> {
    let bytes = serde_json::to_vec(doc).map_err(|e| CredentialError::Malformed(e.to_string()))?;
    let parser = JsonLdParser::new()
        .for_slice(&bytes)
        .with_load_document_callback(|url, _| match context(url) {
            Some(body) => Ok(JsonLdRemoteDocument {
                document: body.as_bytes().to_vec(),
                document_url: url.to_string(),
            }),
            None => Err(format!("unknown context {url}").into()),
        });
    let mut dataset = old::Dataset::new();
    for quad in parser {
        let quad = quad.map_err(|e| CredentialError::Malformed(e.to_string()))?;
        dataset.insert(&copy(&quad));
    }
    rdf_canon::canonicalize(&dataset).map_err(|e| CredentialError::Malformed(e.to_string()))
}

/// oxjsonld speaks oxrdf 0.3 and rdf-canon oxrdf 0.2: the terms are copied verbatim
/// (both were validated when parsed).
fn copy(q: &Quad) -> old::Quad {
    let node = |n: &NamedOrBlankNode| -> old::Subject {
        match n {
            NamedOrBlankNode::NamedNode(n) => old::NamedNode::new_unchecked(n.as_str()).into(),
            NamedOrBlankNode::BlankNode(b) => old::BlankNode::new_unchecked(b.as_str()).into(),
        }
    };
    let object: old::Term = match &q.object {
        Term::NamedNode(n) => old::NamedNode::new_unchecked(n.as_str()).into(),
        Term::BlankNode(b) => old::BlankNode::new_unchecked(b.as_str()).into(),
        Term::Literal(l) => match l.language() {
            Some(lang) => old::Literal::new_language_tagged_literal_unchecked(l.value(), lang).into(),
            None => {
                old::Literal::new_typed_literal(l.value(), old::NamedNode::new_unchecked(l.datatype().as_str())).into()
            }
        },
    };
    let graph = match &q.graph_name {
        GraphName::DefaultGraph => old::GraphName::DefaultGraph,
        GraphName::NamedNode(n) => old::NamedNode::new_unchecked(n.as_str()).into(),
        GraphName::BlankNode(b) => old::BlankNode::new_unchecked(b.as_str()).into(),
    };
    old::Quad::new(
        node(&q.subject),
        old::NamedNode::new_unchecked(q.predicate.as_str()),
        object,
        graph,
    )
}
