//! A typed `networking.k8s.io/v1` NetworkPolicy that keeps the span of every
//! part a finding can point at (`spec.podSelector`, each rule, peer and port),
//! and converts to the span-free [`crate::net::netpol::Policy`] the evaluator
//! works on. Rule and peer indices are the same in both, so an evaluator
//! answer (`RuleRef`) maps straight back to a span here.
//!
//! Invalid values (a bad CIDR, an out-of-range port, an unknown protocol or
//! selector operator) never panic and never widen what the policy allows: the
//! offending peer or port is replaced by one that matches nothing, and a
//! [`Note`] says what was skipped. (The API server would reject such a policy
//! outright; treating the part as matching nothing keeps the rest of the
//! policy useful for the rules, and errs towards reporting a block.)

use std::sync::Arc;

use ipnet::IpNet;

use crate::net::netpol::{Peer, Policy, PolicyType, Rule};
use crate::net::ports::{PortRef, PortSpec, Protocol};
use crate::net::selector::{LabelSelector, Operator, Requirement};
use crate::yaml::{Node, Span};

use super::{StringMap, Text};

/// Something skipped while reading the policy, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Note {
    pub span: Span,
    pub message: String,
}

/// Spans of one ingress or egress rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleSpans {
    /// The rule item itself.
    pub span: Span,
    /// Each entry of `from`/`to`, in order.
    pub peers: Box<[Span]>,
    /// Each entry of `ports`, in order.
    pub ports: Box<[Span]>,
}

/// A NetworkPolicy with the spans rules point at.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NetworkPolicyView {
    pub name: Text,
    /// The `podSelector` key of `spec` (else `spec`, else `metadata.name`):
    /// where isolation findings point (docs/rules.md).
    pub pod_selector_span: Span,
    /// Boxed slices, like `notes`: kept for the whole run, 112 bytes a view
    /// with its shared policy, mimalloc's 128-byte class with its `Arc`.
    pub ingress: Box<[RuleSpans]>,
    pub egress: Box<[RuleSpans]>,
    pub notes: Box<[Note]>,
    /// The evaluator's view, in the namespace the caller gives (its own, `""`
    /// when it has none). The network model shares it in its `PolicySet`
    /// where it applies in that namespace, and copies it into each other
    /// namespace it applies in (`netpol::in_namespace`): one copy per
    /// unbound policy and namespace, none for a policy bound where written.
    pub policy: Arc<Policy>,
}

impl NetworkPolicyView {
    /// Reads a NetworkPolicy document. `name` is its `metadata.name`.
    pub fn from_node(node: &Node<'_>, name: &Text, namespace: &str) -> NetworkPolicyView {
        let mut notes = Vec::new();
        let spec = node.get("spec");
        let pod_selector_entry = spec.and_then(|s| s.entry("podSelector"));
        let pod_selector_span = pod_selector_entry
            .map(|(k, _)| k.span)
            .or_else(|| node.entry("spec").map(|(k, _)| k.span))
            .unwrap_or(name.span);
        let pod_selector = pod_selector_entry
            .map(|(_, v)| selector(v, &mut notes))
            .unwrap_or_default();
        let policy_types = spec.and_then(|s| s.get("policyTypes")).map(|types| {
            types
                .items()
                .iter()
                .filter_map(|t| match t.as_str() {
                    Some("Ingress") => Some(PolicyType::Ingress),
                    Some("Egress") => Some(PolicyType::Egress),
                    other => {
                        notes.push(Note {
                            span: t.span,
                            message: format!(
                                "policy type `{}` is neither Ingress nor Egress; skipped",
                                other.unwrap_or("")
                            ),
                        });
                        None
                    }
                })
                .collect()
        });
        let read = |direction: PolicyType, notes: &mut Vec<Note>| {
            let items = spec
                .and_then(|s| s.get(direction.field()))
                .map_or(&[][..], Node::items);
            items
                .iter()
                .map(|item| rule(item, direction, notes))
                .unzip::<_, _, Vec<Rule>, Vec<RuleSpans>>()
        };
        let (ingress, ingress_spans) = read(PolicyType::Ingress, &mut notes);
        let (egress, egress_spans) = read(PolicyType::Egress, &mut notes);
        NetworkPolicyView {
            name: name.clone(),
            pod_selector_span,
            ingress: ingress_spans.into_boxed_slice(),
            egress: egress_spans.into_boxed_slice(),
            notes: notes.into_boxed_slice(),
            policy: Arc::new(Policy {
                name: name.value.clone(),
                namespace: namespace.to_owned(),
                pod_selector,
                policy_types,
                ingress: ingress.into(),
                egress: egress.into(),
            }),
        }
    }

    /// The spans of rule `index` of `direction`.
    pub fn rule_spans(&self, direction: PolicyType, index: usize) -> Option<&RuleSpans> {
        match direction {
            PolicyType::Ingress => self.ingress.get(index),
            PolicyType::Egress => self.egress.get(index),
        }
    }
}

fn rule(item: &Node<'_>, direction: PolicyType, notes: &mut Vec<Note>) -> (Rule, RuleSpans) {
    let peer_nodes = item
        .get(direction.peer_field())
        .map_or(&[][..], Node::items);
    let port_nodes = item.get("ports").map_or(&[][..], Node::items);
    // Kept for the whole run: each list allocated at its length (a vector
    // grown by pushes holds four; a peer is about 100 bytes), the spans as
    // boxed slices (docs/performance.md).
    let rule = Rule {
        peers: peer_nodes.iter().map(|p| peer(p, notes)).collect(),
        ports: port_nodes.iter().map(|p| port(p, notes)).collect(),
    };
    let spans = RuleSpans {
        span: item.span,
        peers: peer_nodes.iter().map(|p| p.span).collect(),
        ports: port_nodes.iter().map(|p| p.span).collect(),
    };
    (rule, spans)
}

/// A peer that matches nothing: stands in for an invalid one.
fn no_peer() -> Peer {
    Peer::Pods {
        pod_selector: None,
        namespace_selector: None,
    }
}

fn peer(node: &Node<'_>, notes: &mut Vec<Note>) -> Peer {
    if let Some(block) = node.get("ipBlock") {
        let Some(cidr_node) = block.get("cidr") else {
            notes.push(Note {
                span: block.span,
                message: "ipBlock without `cidr`: this peer matches nothing".to_owned(),
            });
            return no_peer();
        };
        let Some(cidr) = cidr_node.as_str().and_then(|s| s.parse::<IpNet>().ok()) else {
            notes.push(Note {
                span: cidr_node.span,
                message: format!(
                    "`{}` is not a valid CIDR: this peer matches nothing",
                    cidr_node.as_str().unwrap_or("")
                ),
            });
            return no_peer();
        };
        let mut except = Vec::new();
        for e in block.get("except").map_or(&[][..], Node::items) {
            match e.as_str().and_then(|s| s.parse::<IpNet>().ok()) {
                Some(net) => except.push(net),
                None => notes.push(Note {
                    span: e.span,
                    message: format!(
                        "`{}` is not a valid CIDR: this `except` entry is ignored",
                        e.as_str().unwrap_or("")
                    ),
                }),
            }
        }
        return Peer::IpBlock { cidr, except };
    }
    Peer::Pods {
        pod_selector: node.get("podSelector").map(|s| selector(s, notes)),
        namespace_selector: node.get("namespaceSelector").map(|s| selector(s, notes)),
    }
}

/// A port spec that admits nothing: stands in for an invalid one. A name no
/// container port can carry (names are IANA service names, never `<…>`).
fn no_port() -> PortSpec {
    PortSpec {
        protocol: Protocol::Tcp,
        port: Some(PortRef::Name("<invalid>".to_owned())),
        end_port: None,
    }
}

fn port(node: &Node<'_>, notes: &mut Vec<Note>) -> PortSpec {
    let protocol = match node.get("protocol") {
        None => Protocol::Tcp,
        Some(p) => match p.as_str().unwrap_or("").parse::<Protocol>() {
            Ok(protocol) => protocol,
            Err(err) => {
                notes.push(Note {
                    span: p.span,
                    message: format!("{err}: this port entry matches nothing"),
                });
                return no_port();
            }
        },
    };
    let port = match node.get("port").filter(|p| !p.is_null()) {
        None => None,
        Some(p) => {
            let text = p.as_str().unwrap_or("");
            // A plain number is read as kubectl applies it (YAML 1.1: `0x1BB`
            // is 443, `0777` is 511); a quoted one stays a name.
            let number = p.as_applied_int().or_else(|| {
                (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| text.parse::<i64>().unwrap_or(i64::MAX))
            });
            if let Some(number) = number {
                match u16::try_from(number) {
                    Ok(n) if n > 0 => Some(PortRef::Number(n)),
                    _ => {
                        notes.push(Note {
                            span: p.span,
                            message: format!(
                                "port `{text}` is outside 1–65535: this port entry matches nothing"
                            ),
                        });
                        return no_port();
                    }
                }
            } else if text.is_empty() || p.scalar_style().is_none() {
                notes.push(Note {
                    span: p.span,
                    message:
                        "`port` is neither a number nor a name: this port entry matches nothing"
                            .to_owned(),
                });
                return no_port();
            } else {
                Some(PortRef::Name(text.to_owned()))
            }
        }
    };
    let end_port = match node.get("endPort").filter(|p| !p.is_null()) {
        None => None,
        Some(e) => {
            let start = match &port {
                Some(PortRef::Number(n)) => Some(*n),
                _ => None,
            };
            let end = e
                .as_applied_int()
                .and_then(|n| u16::try_from(n).ok())
                .or_else(|| e.as_str().and_then(|s| s.parse::<u16>().ok()));
            match (end, start) {
                (Some(end), Some(start)) if end >= start => Some(end),
                _ => {
                    notes.push(Note {
                        span: e.span,
                        message: format!(
                            "`endPort: {}` needs a numeric `port` no greater than it: this port entry matches nothing",
                            e.as_str().unwrap_or("")
                        ),
                    });
                    return no_port();
                }
            }
        }
    };
    PortSpec {
        protocol,
        port,
        end_port,
    }
}

/// A label selector. An invalid expression makes the selector match nothing
/// (an `In` without values), so an invalid selector never selects more.
fn selector(node: &Node<'_>, notes: &mut Vec<Note>) -> LabelSelector {
    read_selector(node, |span, err| {
        notes.push(Note {
            span,
            message: format!("{err}: this selector matches nothing"),
        });
    })
}

/// A label selector as written; an expression whose operator is not one is
/// handed to `invalid` (its span and the reason) and kept as an `In` without
/// values, which matches nothing. Shared by the NetworkPolicy and
/// AdminNetworkPolicy readers, which differ only in what an invalid expression
/// means for the whole object.
pub(crate) fn read_selector(
    node: &Node<'_>,
    mut invalid: impl FnMut(Span, String),
) -> LabelSelector {
    let match_labels: StringMap = node
        .get("matchLabels")
        .map(|m| {
            m.entries()
                .iter()
                .filter_map(|(k, v)| {
                    Some((k.as_str()?.to_owned(), v.as_str().unwrap_or("").to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut match_expressions = Vec::new();
    for e in node.get("matchExpressions").map_or(&[][..], Node::items) {
        let key = e.get("key").and_then(Node::as_str).unwrap_or("").to_owned();
        let mut values: Vec<String> = e
            .get("values")
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        values.shrink_to_fit();
        let operator = e.get("operator");
        match operator
            .and_then(Node::as_str)
            .unwrap_or("")
            .parse::<Operator>()
        {
            Ok(op) => match_expressions.push(Requirement {
                key,
                operator: op,
                values,
            }),
            Err(err) => {
                invalid(operator.map_or(e.span, |o| o.span), err.to_string());
                match_expressions.push(Requirement::new(&key, Operator::In, Vec::<String>::new()));
            }
        }
    }
    match_expressions.shrink_to_fit();
    LabelSelector {
        match_labels,
        match_expressions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::ports::PortSet;

    fn view(text: &str) -> NetworkPolicyView {
        let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
        let node = parsed.documents.into_iter().next().unwrap_or(Node {
            span: Span::line_start(1),
            value: crate::yaml::Value::Map(Vec::new()),
        });
        let name = Text {
            value: "p".to_owned(),
            span: node.span,
        };
        NetworkPolicyView::from_node(&node, &name, "ns")
    }

    /// What every NetworkPolicy keeps for the whole run (docs/performance.md).
    #[test]
    fn a_view_stays_compact() {
        assert!(std::mem::size_of::<NetworkPolicyView>() <= 112);
        assert!(std::mem::size_of::<RuleSpans>() <= 48);
        let v = view(
            "spec:\n  podSelector: {}\n  ingress:\n    - from: [{podSelector: {}}, {ipBlock: {cidr: 10.0.0.0/8}}]\n      ports: [{port: 443}]\n",
        );
        let rule = &v.policy.ingress[0];
        assert_eq!((rule.peers.len(), rule.peers.capacity()), (2, 2));
        assert_eq!((v.ingress[0].peers.len(), v.ingress[0].ports.len()), (2, 1));
    }

    #[test]
    fn spans_and_conversion() {
        let v = view(
            "spec:\n  podSelector:\n    matchLabels: {owner: directvolumemigration}\n  egress:\n    - to:\n        - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}\n      ports:\n        - {port: 30000, endPort: 32767}\n        - {protocol: UDP, port: dns}\n",
        );
        assert_eq!(v.pod_selector_span.start.line, 2);
        assert!(v.notes.is_empty(), "{:?}", v.notes);
        assert_eq!(v.egress.len(), 1);
        assert_eq!(v.egress[0].peers.len(), 1);
        assert_eq!(v.egress[0].ports.len(), 2);
        let rule = &v.policy.egress[0];
        assert_eq!(rule.ports[0], PortSpec::range(Protocol::Tcp, 30000, 32767));
        assert_eq!(rule.ports[1], PortSpec::named(Protocol::Udp, "dns"));
        assert!(v.policy.policy_types.is_none());
        assert!(v.policy.has_type(PolicyType::Egress));
    }

    #[test]
    fn invalid_values_match_nothing_with_a_note() {
        let v = view(
            "spec:\n  podSelector: {}\n  egress:\n    - to:\n        - ipBlock: {cidr: 10.0.0.300/8}\n      ports:\n        - port: 70000\n        - {protocol: tcp, port: 443}\n        - {port: 443, endPort: 80}\n",
        );
        assert_eq!(v.notes.len(), 4, "{:?}", v.notes);
        let rule = &v.policy.egress[0];
        assert!(rule.peers[0].addresses().is_none());
        for spec in &rule.ports {
            assert_eq!(spec.resolve(Protocol::Tcp, Some(&[])), PortSet::new());
        }
    }

    #[test]
    fn unknown_operator_selects_nothing() {
        let v = view(
            "spec:\n  podSelector:\n    matchExpressions:\n      - {key: app, operator: Equals, values: [x]}\n",
        );
        assert_eq!(v.notes.len(), 1);
        assert!(
            !v.policy
                .pod_selector
                .matches(&crate::net::selector::labels([("app", "x")]))
        );
    }
}
