//! Typed `AdminNetworkPolicy` and `BaselineAdminNetworkPolicy`
//! (`policy.networking.k8s.io/v1alpha1`) with the spans findings point at,
//! converted to the span-free [`crate::net::admin::AdminPolicy`]. Rule and
//! peer indices are the same in both, so an evaluator answer
//! ([`crate::net::admin::AdminRuleRef`]) maps straight back to a span.
//!
//! The API server validates these objects against their CRD's schema: a
//! value it rejects (a subject or peer without exactly one field, an unknown
//! action, a priority outside 0–1000, a bad CIDR or port, a baseline not
//! named `default`, …) means the object is never created. Such an object is
//! read with [`AdminPolicyView::rejected`] set and applies nowhere. One
//! OVN-Kubernetes accepts but does not implement (priority above 99) is
//! likewise not applied. Fields the schema does not know are dropped by the
//! API server (a note says so): a label selector written in an older shape
//! (`namespaces: {namespaceSelector: …}`) thus becomes an empty selector
//! that selects every namespace.

use ipnet::IpNet;

use crate::net::admin::{Action, AdminPeer, AdminPolicy, AdminPort, AdminRule, AdminTier, Subject};
use crate::net::netpol::PolicyType;
use crate::net::ports::Protocol;
use crate::net::selector::{LabelSelector, Operator, Requirement};
use crate::yaml::{Node, Span};

use super::Text;
use super::network_policy::{Note, read_selector};

/// The highest priority OVN-Kubernetes implements (OpenShift documents
/// 0–99); the API accepts up to 1000.
pub const OVN_MAX_PRIORITY: u32 = 99;

/// Spans of one rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AdminRuleSpans {
    /// The rule item.
    pub span: Span,
    /// Each entry of `from` / `to`.
    pub peers: Vec<Span>,
}

/// An AdminNetworkPolicy or BaselineAdminNetworkPolicy with its spans.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AdminPolicyView {
    pub name: Text,
    /// `spec.subject`'s key (else `spec`, else `metadata.name`).
    pub subject_span: Span,
    /// `spec.priority`'s value (ANP), else the subject's span.
    pub priority_span: Span,
    pub ingress: Vec<AdminRuleSpans>,
    pub egress: Vec<AdminRuleSpans>,
    pub notes: Vec<Note>,
    /// Why the object is not applied (rejected by the API server, or not
    /// implemented by OVN-Kubernetes), with where.
    pub rejected: Option<Note>,
    pub policy: AdminPolicy,
}

impl AdminPolicyView {
    /// Reads an AdminNetworkPolicy (`tier` Admin) or the baseline.
    pub fn from_node(node: &Node<'_>, name: &Text, tier: AdminTier) -> AdminPolicyView {
        let mut r = Reader::default();
        let spec = node.get("spec");
        let spec_span = node.entry("spec").map_or(name.span, |(k, _)| k.span);
        let subject_entry = spec.and_then(|s| s.entry("subject"));
        let subject_span = subject_entry.map_or(spec_span, |(k, _)| k.span);
        if tier == AdminTier::Baseline && name.value != "default" {
            r.reject(
                name.span,
                format!(
                    "a BaselineAdminNetworkPolicy must be named `default` (the API server rejects `{}`)",
                    name.value
                ),
            );
        }
        let mut priority = 0;
        let mut priority_span = subject_span;
        if tier == AdminTier::Admin {
            match spec.and_then(|s| s.get("priority")) {
                None => r.reject(spec_span, "`spec.priority` is required".to_owned()),
                Some(p) => {
                    priority_span = p.span;
                    match p.as_applied_int().and_then(|n| u32::try_from(n).ok()) {
                        Some(n) if n <= 1000 => {
                            priority = n;
                            if n > OVN_MAX_PRIORITY {
                                r.reject(
                                    p.span,
                                    format!(
                                        "priority {n} is above {OVN_MAX_PRIORITY}: OVN-Kubernetes does not apply it (it supports 0-{OVN_MAX_PRIORITY})"
                                    ),
                                );
                            }
                        }
                        _ => r.reject(
                            p.span,
                            format!(
                                "priority `{}` is not an integer from 0 to 1000",
                                p.as_str().unwrap_or("")
                            ),
                        ),
                    }
                }
            }
        }
        let subject = match subject_entry {
            None => {
                r.reject(spec_span, "`spec.subject` is required".to_owned());
                None
            }
            Some((_, s)) => r.subject(s),
        };
        let (ingress, ingress_spans) = r.rules(spec, PolicyType::Ingress, tier);
        let (egress, egress_spans) = r.rules(spec, PolicyType::Egress, tier);
        AdminPolicyView {
            name: name.clone(),
            subject_span,
            priority_span,
            ingress: ingress_spans,
            egress: egress_spans,
            notes: r.notes,
            rejected: r.rejected,
            policy: AdminPolicy {
                name: name.value.clone(),
                tier,
                priority,
                subject: subject.unwrap_or(Subject::Pods {
                    namespace_selector: nothing(),
                    pod_selector: nothing(),
                }),
                ingress,
                egress,
            },
        }
    }

    /// The spans of rule `index` of `direction`.
    pub fn rule_spans(&self, direction: PolicyType, index: usize) -> Option<&AdminRuleSpans> {
        match direction {
            PolicyType::Ingress => self.ingress.get(index),
            PolicyType::Egress => self.egress.get(index),
        }
    }
}

/// A selector that matches nothing (stands in for one the API rejects).
fn nothing() -> LabelSelector {
    LabelSelector::everything().with_expression(Requirement::new(
        "",
        Operator::In,
        Vec::<String>::new(),
    ))
}

#[derive(Default)]
struct Reader {
    notes: Vec<Note>,
    rejected: Option<Note>,
}

impl Reader {
    fn reject(&mut self, span: Span, message: String) {
        if self.rejected.is_none() {
            self.rejected = Some(Note { span, message });
        }
    }

    fn subject(&mut self, node: &Node<'_>) -> Option<Subject> {
        let fields = known_fields(node, &["namespaces", "pods"]);
        if fields.len() != 1 {
            self.reject(
                node.span,
                "`subject` must set exactly one of `namespaces` and `pods`".to_owned(),
            );
            return None;
        }
        if let Some(ns) = node.get("namespaces") {
            return Some(Subject::Namespaces(self.selector(ns)));
        }
        let pods = node.get("pods")?;
        let (namespace_selector, pod_selector) = self.namespaced_pod(pods)?;
        Some(Subject::Pods {
            namespace_selector,
            pod_selector,
        })
    }

    fn namespaced_pod(&mut self, node: &Node<'_>) -> Option<(LabelSelector, LabelSelector)> {
        match (node.get("namespaceSelector"), node.get("podSelector")) {
            (Some(ns), Some(pod)) => Some((self.selector(ns), self.selector(pod))),
            _ => {
                self.reject(
                    node.span,
                    "`pods` needs both `namespaceSelector` and `podSelector`".to_owned(),
                );
                None
            }
        }
    }

    fn rules(
        &mut self,
        spec: Option<&Node<'_>>,
        direction: PolicyType,
        tier: AdminTier,
    ) -> (Vec<AdminRule>, Vec<AdminRuleSpans>) {
        let items = spec
            .and_then(|s| s.get(direction.field()))
            .map_or(&[][..], Node::items);
        let mut rules = Vec::new();
        let mut spans = Vec::new();
        for item in items {
            let (rule, rule_spans) = self.rule(item, direction, tier);
            rules.push(rule);
            spans.push(rule_spans);
        }
        (rules, spans)
    }

    fn rule(
        &mut self,
        item: &Node<'_>,
        direction: PolicyType,
        tier: AdminTier,
    ) -> (AdminRule, AdminRuleSpans) {
        let mut spans = AdminRuleSpans {
            span: item.span,
            peers: Vec::new(),
        };
        let action = match item.get("action").and_then(Node::as_str) {
            Some("Allow") => Action::Allow,
            Some("Deny") => Action::Deny,
            Some("Pass") if tier == AdminTier::Admin => Action::Pass,
            other => {
                let allowed = match tier {
                    AdminTier::Admin => "Allow, Deny or Pass",
                    AdminTier::Baseline => "Allow or Deny",
                };
                self.reject(
                    item.get("action").map_or(item.span, |a| a.span),
                    format!(
                        "action `{}` is not one of {allowed}",
                        other.unwrap_or_default()
                    ),
                );
                Action::Allow
            }
        };
        let peer_nodes = item
            .get(direction.peer_field())
            .map_or(&[][..], Node::items);
        if peer_nodes.is_empty() {
            self.reject(
                item.span,
                format!(
                    "a rule needs at least one `{}` peer",
                    direction.peer_field()
                ),
            );
        }
        let mut peers = Vec::new();
        for p in peer_nodes {
            spans.peers.push(p.span);
            peers.push(self.peer(p, direction, tier));
        }
        let ports = item.get("ports").map(|list| {
            if list.items().is_empty() {
                self.reject(
                    list.span,
                    "`ports`, when written, needs an entry".to_owned(),
                );
            }
            list.items()
                .iter()
                .filter_map(|p| self.port(p))
                .collect::<Vec<_>>()
        });
        if direction == PolicyType::Egress
            && ports
                .as_ref()
                .is_some_and(|p| p.iter().any(|p| matches!(p, AdminPort::Named(_))))
            && peers.iter().any(|p| {
                matches!(
                    p,
                    AdminPeer::Networks(_) | AdminPeer::Nodes(_) | AdminPeer::DomainNames(_)
                )
            })
        {
            self.reject(
                item.span,
                "`namedPort` cannot be used with `networks`, `nodes` or `domainNames` peers"
                    .to_owned(),
            );
        }
        (
            AdminRule {
                name: item
                    .get("name")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                action,
                peers,
                ports,
            },
            spans,
        )
    }

    fn peer(&mut self, node: &Node<'_>, direction: PolicyType, tier: AdminTier) -> AdminPeer {
        let known: &[&str] = match (direction, tier) {
            (PolicyType::Ingress, _) => &["namespaces", "pods"],
            (PolicyType::Egress, AdminTier::Admin) => {
                &["namespaces", "pods", "networks", "nodes", "domainNames"]
            }
            (PolicyType::Egress, AdminTier::Baseline) => {
                &["namespaces", "pods", "networks", "nodes"]
            }
        };
        for (k, _) in node.entries() {
            if let Some(key) = k.as_str()
                && !known.contains(&key)
            {
                self.notes.push(Note {
                    span: k.span,
                    message: format!(
                        "`{key}` is not a field of a {} `{}` peer: the API server drops it",
                        direction.field(),
                        direction.peer_field()
                    ),
                });
            }
        }
        let fields = known_fields(node, known);
        let empty = AdminPeer::Namespaces(nothing());
        if fields.len() != 1 {
            self.reject(
                node.span,
                format!(
                    "a peer must set exactly one of {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return empty;
        }
        if let Some(ns) = node.get("namespaces") {
            return AdminPeer::Namespaces(self.selector(ns));
        }
        if let Some(pods) = node.get("pods") {
            return match self.namespaced_pod(pods) {
                Some((namespace_selector, pod_selector)) => AdminPeer::Pods {
                    namespace_selector,
                    pod_selector,
                },
                None => empty,
            };
        }
        if let Some(nodes) = node.get("nodes") {
            return AdminPeer::Nodes(self.selector(nodes));
        }
        if let Some(names) = node.get("domainNames") {
            return AdminPeer::DomainNames(
                names
                    .items()
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect(),
            );
        }
        let Some(networks) = node.get("networks") else {
            return empty;
        };
        let mut nets = Vec::new();
        for n in networks.items() {
            match n.as_str().and_then(|s| s.parse::<IpNet>().ok()) {
                Some(net) => nets.push(net),
                None => self.reject(
                    n.span,
                    format!("`{}` is not a CIDR", n.as_str().unwrap_or_default()),
                ),
            }
        }
        if nets.is_empty() {
            self.reject(networks.span, "`networks` needs a CIDR".to_owned());
        }
        AdminPeer::Networks(nets)
    }

    fn port(&mut self, node: &Node<'_>) -> Option<AdminPort> {
        let fields = known_fields(node, &["portNumber", "portRange", "namedPort"]);
        if fields.len() != 1 {
            self.reject(
                node.span,
                "a port must set exactly one of `portNumber`, `portRange`, `namedPort`".to_owned(),
            );
            return None;
        }
        if let Some(name) = node.get("namedPort") {
            return Some(AdminPort::Named(
                name.as_str().unwrap_or_default().to_owned(),
            ));
        }
        let protocol = |r: &mut Reader, n: &Node<'_>| match n.get("protocol") {
            None => Some(Protocol::Tcp),
            Some(p) => match p.as_str().unwrap_or_default().parse::<Protocol>() {
                Ok(protocol) => Some(protocol),
                Err(err) => {
                    r.reject(p.span, err.to_string());
                    None
                }
            },
        };
        let number = |r: &mut Reader, n: &Node<'_>, key: &str| {
            let value = n.get(key);
            match value
                .and_then(Node::as_applied_int)
                .and_then(|v| u16::try_from(v).ok())
                .filter(|v| *v > 0)
            {
                Some(v) => Some(v),
                None => {
                    r.reject(
                        value.map_or(n.span, |v| v.span),
                        format!("`{key}` must be a port from 1 to 65535"),
                    );
                    None
                }
            }
        };
        if let Some(p) = node.get("portNumber") {
            let protocol = protocol(self, p)?;
            let port = number(self, p, "port")?;
            return Some(AdminPort::Range {
                protocol,
                start: port,
                end: port,
            });
        }
        let range = node.get("portRange")?;
        let protocol = protocol(self, range)?;
        let start = number(self, range, "start")?;
        let end = number(self, range, "end")?;
        if end < start {
            self.reject(
                range.span,
                format!("port range {start}-{end}: `end` must not be below `start`"),
            );
            return None;
        }
        Some(AdminPort::Range {
            protocol,
            start,
            end,
        })
    }

    /// A label selector; unknown keys are dropped (as the API server
    /// prunes them) with a note; an unknown operator is rejected.
    fn selector(&mut self, node: &Node<'_>) -> LabelSelector {
        for (k, _) in node.entries() {
            if let Some(key) = k.as_str()
                && key != "matchLabels"
                && key != "matchExpressions"
            {
                self.notes.push(Note {
                    span: k.span,
                    message: format!(
                        "`{key}` is not a field of a label selector: the API server drops it, so this selector is wider than written (an empty selector selects everything)"
                    ),
                });
            }
        }
        read_selector(node, |span, reason| self.reject(span, reason))
    }
}

/// Which of `known` are set (not null) in the map `node`.
fn known_fields<'k>(node: &Node<'_>, known: &[&'k str]) -> Vec<&'k str> {
    known
        .iter()
        .copied()
        .filter(|k| node.get(k).is_some_and(|v| !v.is_null()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(text: &str, tier: AdminTier) -> AdminPolicyView {
        let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
        let node = parsed.documents.into_iter().next().unwrap_or(Node {
            span: Span::line_start(1),
            value: crate::yaml::Value::Map(Vec::new()),
        });
        let name = Text {
            value: node
                .at(&["metadata", "name"])
                .and_then(Node::as_str)
                .unwrap_or("x")
                .to_owned(),
            span: node.span,
        };
        AdminPolicyView::from_node(&node, &name, tier)
    }

    #[test]
    fn reads_rules_peers_and_ports() {
        let v = view(
            "metadata: {name: a}\nspec:\n  priority: 10\n  subject:\n    namespaces: {matchLabels: {team: x}}\n  egress:\n    - name: deny-out\n      action: Deny\n      to:\n        - networks: [0.0.0.0/0]\n        - pods: {namespaceSelector: {}, podSelector: {app: y}}\n      ports:\n        - portNumber: {port: 443}\n        - portRange: {protocol: UDP, start: 30000, end: 32767}\n",
            AdminTier::Admin,
        );
        assert!(v.rejected.is_none(), "{:?}", v.rejected);
        assert_eq!(v.policy.priority, 10);
        assert_eq!(v.egress.len(), 1);
        assert_eq!(v.egress[0].span.start.line, 7);
        let rule = &v.policy.egress[0];
        assert_eq!(rule.name, "deny-out");
        assert_eq!(rule.action, Action::Deny);
        assert_eq!(rule.peers.len(), 2);
        // `podSelector: {app: y}` has a key that is no selector field.
        assert_eq!(v.notes.len(), 1, "{:?}", v.notes);
        assert_eq!(
            rule.ports,
            Some(vec![
                AdminPort::Range {
                    protocol: Protocol::Tcp,
                    start: 443,
                    end: 443
                },
                AdminPort::Range {
                    protocol: Protocol::Udp,
                    start: 30000,
                    end: 32767
                },
            ])
        );
    }

    #[test]
    fn rejected_and_unimplemented_objects() {
        let cases = [
            (
                "metadata: {name: a}\nspec:\n  priority: 100\n  subject: {namespaces: {}}\n",
                "above 99",
            ),
            (
                "metadata: {name: a}\nspec:\n  priority: 1\n  subject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}\n",
                "exactly one",
            ),
            (
                "metadata: {name: a}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  egress:\n    - {action: Drop, to: [{namespaces: {}}]}\n",
                "action",
            ),
            (
                "metadata: {name: a}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n    - {action: Deny, from: [{networks: [10.0.0.0/8]}]}\n",
                "exactly one",
            ),
            (
                "metadata: {name: a}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  egress:\n    - {action: Deny, to: [{networks: [10.0.0.0/33]}]}\n",
                "CIDR",
            ),
            (
                "metadata: {name: a}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  egress:\n    - {action: Deny, to: [{networks: [10.0.0.0/8]}], ports: [{namedPort: x}]}\n",
                "namedPort",
            ),
        ];
        for (text, why) in cases {
            let v = view(text, AdminTier::Admin);
            let rejected = v.rejected.unwrap_or_else(|| Note {
                span: Span::line_start(1),
                message: "not rejected".to_owned(),
            });
            assert!(
                rejected.message.contains(why),
                "{text}: {}",
                rejected.message
            );
        }
        let banp = view(
            "metadata: {name: other}\nspec:\n  subject: {namespaces: {}}\n  egress:\n    - {action: Pass, to: [{namespaces: {}}]}\n",
            AdminTier::Baseline,
        );
        assert!(
            banp.rejected
                .is_some_and(|r| r.message.contains("named `default`"))
        );
    }
}
