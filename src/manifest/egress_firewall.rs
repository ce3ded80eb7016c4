//! Typed views of the two egress firewall kinds (docs/domain.md §6):
//!
//! - OpenShift SDN `EgressNetworkPolicy` (`network.openshift.io/v1`): rules
//!   `{type, to: {cidrSelector | dnsName}}`, IPv4 only, at most 1,000 rules,
//!   one object per namespace;
//! - OVN-Kubernetes `EgressFirewall` (`k8s.ovn.org/v1`): rules
//!   `{type, to: {cidrSelector | dnsName | nodeSelector}, ports}`, at most
//!   8,000 rules, one object per namespace, named `default`.
//!
//! The views keep every field as written, with its span, so DVM112 can report
//! what the API server would reject and DVM110/DVM111/DVM113 can point at the
//! deciding rule. [`FirewallManifest::to_firewall`] converts the rules the
//! platform would accept into the MTC-agnostic evaluator of
//! `crate::net::egress_firewall`; the others are left out (DVM112 reports them).

use std::net::IpAddr;

use ipnet::IpNet;

use crate::net::egress_firewall::{
    EgressFirewall, FirewallAction, FirewallPort, FirewallRule, FirewallTarget,
};
use crate::net::ipset::IpSet;
use crate::net::ports::Protocol;
use crate::net::selector::{LabelSelector, LabelValue, Labels, Operator, Requirement};
use crate::yaml::{Node, Span};

use super::{ObjectMeta, Text};
use crate::intern::Sym;

/// Which network plugin's kind a firewall is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FirewallFlavor {
    /// OpenShift SDN `EgressNetworkPolicy`.
    Sdn,
    /// OVN-Kubernetes `EgressFirewall`.
    Ovn,
}

impl FirewallFlavor {
    /// The flavor of an object by its kind, `None` when it is neither kind
    /// in either firewall group. The documentation also writes each kind with
    /// the other plugin's group (`EgressNetworkPolicy` in `k8s.ovn.org/v1`):
    /// the API server rejects those ([`FirewallFlavor::group`] tells), but
    /// they are read so that DVM112 can say so.
    pub fn of(meta: &ObjectMeta) -> Option<FirewallFlavor> {
        let group = meta.group();
        if group != "network.openshift.io" && group != "k8s.ovn.org" {
            return None;
        }
        match meta.kind.value.as_str() {
            "EgressNetworkPolicy" => Some(FirewallFlavor::Sdn),
            "EgressFirewall" => Some(FirewallFlavor::Ovn),
            _ => None,
        }
    }

    /// The API group that serves the kind.
    pub fn group(self) -> &'static str {
        match self {
            FirewallFlavor::Sdn => "network.openshift.io",
            FirewallFlavor::Ovn => "k8s.ovn.org",
        }
    }

    pub fn api_version(self) -> &'static str {
        match self {
            FirewallFlavor::Sdn => "network.openshift.io/v1",
            FirewallFlavor::Ovn => "k8s.ovn.org/v1",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            FirewallFlavor::Sdn => "EgressNetworkPolicy",
            FirewallFlavor::Ovn => "EgressFirewall",
        }
    }

    /// The most rules the platform accepts in one object (docs/domain.md §6).
    pub fn max_rules(self) -> usize {
        match self {
            FirewallFlavor::Sdn => 1_000,
            FirewallFlavor::Ovn => 8_000,
        }
    }
}

/// What one `to` key names.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum TargetValue {
    /// `cidrSelector`, as written (it may not parse).
    Cidr(Text),
    /// `dnsName`.
    DnsName(Text),
    /// `nodeSelector` (OVN only); the span is the selector's value.
    Nodes { selector: LabelSelector, span: Span },
}

/// One key of a rule's `to`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TargetField {
    /// The key's span (`cidrSelector`, …).
    pub key: Span,
    pub value: TargetValue,
}

impl TargetField {
    /// Where findings about this target point: the scalar value, or the
    /// `nodeSelector` key (its value is a mapping spanning several lines).
    pub fn value_span(&self) -> Span {
        match &self.value {
            TargetValue::Cidr(t) | TargetValue::DnsName(t) => t.span,
            TargetValue::Nodes { .. } => self.key,
        }
    }
}

/// One `ports` entry of an OVN rule, as written.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortEntry {
    pub span: Span,
    pub protocol: Option<Text>,
    pub port: Option<Text>,
}

impl PortEntry {
    /// The entry as the API server reads it, or why it rejects it.
    pub fn parse(&self) -> Result<FirewallPort, String> {
        let protocol = match &self.protocol {
            Some(p) => p.value.parse::<Protocol>().map_err(|e| e.to_string())?,
            None => return Err("a port entry without `protocol`".to_owned()),
        };
        let port = match &self.port {
            Some(p) => match p.value.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => return Err(format!("port `{}` is not in 1-65535", p.value)),
            },
            None => return Err("a port entry without `port`".to_owned()),
        };
        Ok(FirewallPort { protocol, port })
    }
}

/// One `spec.egress[]` rule, as written.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RuleManifest {
    /// The whole rule (the sequence item).
    pub span: Span,
    /// Interned: thousands of rules repeat `Allow` and `Deny`.
    pub type_: Option<Text<Sym>>,
    /// The `to` key.
    pub to_key: Option<Span>,
    /// The target keys of `to` this flavor knows, in order. (Boxed slices:
    /// a firewall holds up to thousands of rules, kept for the whole run.)
    pub targets: Box<[TargetField]>,
    pub ports: Box<[PortEntry]>,
}

impl RuleManifest {
    pub fn action(&self) -> Option<FirewallAction> {
        match self.type_.as_ref().map(|t| t.value.as_str()) {
            Some("Allow") => Some(FirewallAction::Allow),
            Some("Deny") => Some(FirewallAction::Deny),
            _ => None,
        }
    }

    /// The rule's single target, when it has exactly one.
    pub fn target(&self) -> Option<&TargetField> {
        match &*self.targets {
            [only] => Some(only),
            _ => None,
        }
    }

    /// Where findings about the rule point: its target's value, else `to`,
    /// else the rule.
    pub fn location(&self) -> Span {
        self.targets
            .first()
            .map(TargetField::value_span)
            .or(self.to_key)
            .unwrap_or(self.span)
    }

    /// The rule as the evaluator sees it, `None` when the platform would
    /// reject it (DVM112 says why).
    fn to_rule(&self, flavor: FirewallFlavor, nodes: &[ClusterNode]) -> Option<FirewallRule> {
        let action = self.action()?;
        let to = match &self.target()?.value {
            TargetValue::Cidr(text) => {
                let net = parse_cidr(&text.value).ok()?;
                if flavor == FirewallFlavor::Sdn && matches!(net, IpNet::V6(_)) {
                    return None;
                }
                FirewallTarget::Cidr(net.trunc())
            }
            TargetValue::DnsName(name) => {
                if dns_name_problem(flavor, &name.value).is_some() {
                    return None;
                }
                FirewallTarget::DnsName(name.value.clone())
            }
            TargetValue::Nodes { selector, .. } => {
                FirewallTarget::Nodes(node_addresses(selector, nodes))
            }
        };
        let ports = self
            .ports
            .iter()
            .map(PortEntry::parse)
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        Some(FirewallRule { action, to, ports })
    }
}

/// Why the API server rejects `name` as a rule's `dnsName`, if it does:
/// - an `EgressNetworkPolicy` (OpenShift SDN) takes a DNS-1123 subdomain
///   (its validation calls `IsDNS1123Subdomain`): lower-case letters,
///   digits, `-` and `.`, each label starting and ending with a letter or
///   digit, at most 253 characters; no wildcard, no trailing dot;
/// - an `EgressFirewall` (OVN-Kubernetes) takes what its CRD's pattern
///   matches, `^(\*\.)?([A-Za-z0-9-]+\.)*[A-Za-z0-9-]+\.?$` (the loosest of
///   the releases: earlier ones have no `*.`, later ones refuse a label that
///   starts or ends with `-`); what it refuses every release refuses.
///
/// A scheme (`https://`), a port (`:443`), a path, a CIDR (`0.0.0.0/0`) or a
/// blank is no DNS name for either.
pub fn dns_name_problem(flavor: FirewallFlavor, name: &str) -> Option<String> {
    use std::sync::LazyLock;
    static SDN: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
        regex::Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").ok()
    });
    static OVN: LazyLock<Option<regex::Regex>> =
        LazyLock::new(|| regex::Regex::new(r"^(\*\.)?([A-Za-z0-9-]+\.)*[A-Za-z0-9-]+\.?$").ok());
    let valid = match flavor {
        FirewallFlavor::Sdn => name.len() <= 253 && SDN.as_ref().is_some_and(|r| r.is_match(name)),
        FirewallFlavor::Ovn => OVN.as_ref().is_some_and(|r| r.is_match(name)),
    };
    if valid {
        return None;
    }
    let why = if name.contains("://") {
        "a URL, not a host name: write the host alone"
    } else if name.parse::<IpNet>().is_ok() || name.parse::<IpAddr>().is_ok() {
        "an address, not a host name: an address is a `cidrSelector` target"
    } else if name.contains(':') {
        "a host name with a port: write the host alone (an EgressFirewall takes ports under `ports`)"
    } else if flavor == FirewallFlavor::Sdn && name.starts_with("*.") {
        "a wildcard, which an EgressNetworkPolicy (OpenShift SDN) does not accept"
    } else if flavor == FirewallFlavor::Sdn && name.chars().any(|c| c.is_ascii_uppercase()) {
        "written with capitals, which an EgressNetworkPolicy (OpenShift SDN) does not accept: write it in lower case"
    } else if flavor == FirewallFlavor::Sdn && name.ends_with('.') {
        "written with a final `.`, which an EgressNetworkPolicy (OpenShift SDN) does not accept"
    } else if flavor == FirewallFlavor::Sdn && name.len() > 253 {
        "longer than 253 characters"
    } else {
        "not a DNS name (letters, digits, `-` and `.` only)"
    };
    Some(why.to_owned())
}

/// A `cidrSelector` as the platform parses it: an address and a prefix length
/// (Go `net.ParseCIDR`, which accepts host bits).
pub fn parse_cidr(text: &str) -> Result<IpNet, String> {
    if !text.contains('/') {
        return Err(match text.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => {
                format!("`{text}` has no prefix length (write `{text}/32`)")
            }
            Ok(std::net::IpAddr::V6(_)) => {
                format!("`{text}` has no prefix length (write `{text}/128`)")
            }
            // A host name: the firewall's `dnsName` target, not a CIDR.
            Err(_) if text.contains('.') && text.chars().any(|c| c.is_ascii_alphabetic()) => {
                format!(
                    "`{text}` is a host name, not an address: a host name is a `dnsName` target"
                )
            }
            Err(_) => format!("`{text}` is not a CIDR"),
        });
    }
    text.parse::<IpNet>()
        .map_err(|_| format!("`{text}` is not a CIDR"))
}

/// An `EgressNetworkPolicy` or `EgressFirewall`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FirewallManifest {
    pub flavor: FirewallFlavor,
    /// The `spec.egress` key.
    pub egress_key: Option<Span>,
    pub rules: Vec<RuleManifest>,
}

impl FirewallManifest {
    pub fn from_node(flavor: FirewallFlavor, node: &Node<'_>) -> FirewallManifest {
        let egress = node.get("spec").and_then(|s| s.entry("egress"));
        let rules = egress
            .map_or(&[][..], |(_, v)| v.items())
            .iter()
            .map(|item| rule_from_node(flavor, item))
            .collect();
        FirewallManifest {
            flavor,
            egress_key: egress.map(|(k, _)| k.span),
            rules,
        }
    }

    /// The rules the platform accepts, converted for the evaluator, and for
    /// each the index of its manifest rule in `self.rules`.
    pub fn to_firewall(&self, nodes: &[ClusterNode]) -> (EgressFirewall, Vec<usize>) {
        let mut rules = Vec::with_capacity(self.rules.len());
        let mut index = Vec::with_capacity(self.rules.len());
        for (i, rule) in self.rules.iter().enumerate() {
            if let Some(converted) = rule.to_rule(self.flavor, nodes) {
                rules.push(converted);
                index.push(i);
            }
        }
        rules.shrink_to_fit();
        index.shrink_to_fit();
        (EgressFirewall::new(rules), index)
    }
}

fn rule_from_node(flavor: FirewallFlavor, item: &Node<'_>) -> RuleManifest {
    let to = item.entry("to");
    let mut targets = Vec::new();
    for (key, value) in to.map_or(&[][..], |(_, v)| v.entries()) {
        let target = match key.as_str() {
            Some("cidrSelector") => Text::from_node(value).map(TargetValue::Cidr),
            Some("dnsName") => Text::from_node(value).map(TargetValue::DnsName),
            Some("nodeSelector") if flavor == FirewallFlavor::Ovn => Some(TargetValue::Nodes {
                selector: selector_from_node(value),
                span: value.span,
            }),
            _ => None,
        };
        if let Some(value) = target {
            targets.push(TargetField {
                key: key.span,
                value,
            });
        }
    }
    let ports = if flavor == FirewallFlavor::Ovn {
        item.get("ports")
            .map_or(&[][..], Node::items)
            .iter()
            .map(|p| PortEntry {
                span: p.span,
                protocol: Text::at(p, &["protocol"]),
                port: Text::at(p, &["port"]),
            })
            .collect()
    } else {
        // SDN rules have no ports: the field does not exist in its API.
        Vec::new()
    };
    RuleManifest {
        span: item.span,
        type_: Text::interned_at(item, &["type"]),
        to_key: to.map(|(k, _)| k.span),
        targets: targets.into_boxed_slice(),
        ports: ports.into_boxed_slice(),
    }
}

/// A `metav1.LabelSelector`; unknown operators match nothing.
pub(crate) fn selector_from_node(node: &Node<'_>) -> LabelSelector {
    let mut selector = LabelSelector::from_labels(
        node.get("matchLabels")
            .map_or(&[][..], Node::entries)
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?, v.as_str().unwrap_or("")))),
    );
    for expr in node.get("matchExpressions").map_or(&[][..], Node::items) {
        let key = expr.get("key").and_then(Node::as_str).unwrap_or("");
        let mut values: Vec<String> = expr
            .get("values")
            .map_or(&[][..], Node::items)
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        values.shrink_to_fit();
        let requirement = match expr
            .get("operator")
            .and_then(Node::as_str)
            .map(str::parse::<Operator>)
        {
            Some(Ok(op)) => Requirement::new(key, op, values),
            // An operator the API server rejects: the rule selects no node.
            _ => Requirement::new(key, Operator::In, Vec::<String>::new()),
        };
        selector = selector.with_expression(requirement);
    }
    selector.match_expressions.shrink_to_fit();
    selector
}

/// A Node object of the cluster: its labels and `InternalIP` addresses, which
/// OVN `nodeSelector` rules match (docs/domain.md §6).
#[derive(Clone, Debug, Default)]
pub struct ClusterNode {
    pub labels: Labels,
    pub internal_ips: Vec<IpAddr>,
}

impl ClusterNode {
    pub fn from_node(meta: &ObjectMeta, body: Option<&Node<'_>>) -> ClusterNode {
        let internal_ips = body
            .and_then(|b| b.at(&["status", "addresses"]))
            .map_or(&[][..], Node::items)
            .iter()
            .filter(|a| a.get("type").and_then(Node::as_str) == Some("InternalIP"))
            .filter_map(|a| a.get("address")?.as_str()?.parse::<IpAddr>().ok())
            .collect();
        ClusterNode {
            labels: meta
                .labels()
                .iter()
                .map(|(k, v)| (k.clone(), LabelValue::from(v.as_str())))
                .collect(),
            internal_ips,
        }
    }
}

/// The addresses of the nodes `selector` selects; unknown (`None`) when no
/// Node object matches or a matching one has no `InternalIP`: dvmlint does
/// not guess the cluster's nodes.
fn node_addresses(selector: &LabelSelector, nodes: &[ClusterNode]) -> Option<IpSet> {
    let mut set = IpSet::new();
    let mut any = false;
    for node in nodes.iter().filter(|n| selector.matches(&n.labels)) {
        if node.internal_ips.is_empty() {
            return None;
        }
        any = true;
        for ip in &node.internal_ips {
            set.insert_addr(*ip);
        }
    }
    any.then_some(set)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    /// The fix a CIDR without a prefix length is told suits what it is: an
    /// address gets its host prefix, a host name the `dnsName` target
    /// (trial 29: `www.yahoo.com` was told to be written `www.yahoo.com/32`).
    #[test]
    fn a_cidr_without_prefix_is_told_what_it_is() {
        let why = |text: &str| parse_cidr(text).unwrap_err();
        assert!(why("192.0.2.10").contains("`192.0.2.10/32`"));
        assert!(why("2001:db8::1").contains("`2001:db8::1/128`"));
        assert!(why("www.yahoo.com").contains("`dnsName`"));
        assert!(!why("www.yahoo.com").contains("/32"));
        assert!(why("any").contains("not a CIDR"));
        assert!(parse_cidr("10.0.0.0/16").is_ok());
    }
    use crate::yaml::{Limits, parse_chunk};

    fn manifest(text: &str) -> FirewallManifest {
        let parsed = parse_chunk(text, 1, Limits::default());
        let node = parsed.documents.into_iter().next().unwrap();
        let meta = ObjectMeta::from_node(&node).unwrap();
        FirewallManifest::from_node(FirewallFlavor::of(&meta).unwrap(), &node)
    }

    const OVN: &str = "apiVersion: k8s.ovn.org/v1
kind: EgressFirewall
metadata: {name: default, namespace: app1}
spec:
  egress:
  - type: Allow
    to: {nodeSelector: {matchLabels: {role: infra}}}
  - type: Deny
    to:
      cidrSelector: 10.0.0.1/16
    ports:
    - {protocol: TCP, port: 80}
  - type: deny
    to: {cidrSelector: 0.0.0.0/0}
";

    #[test]
    fn ovn_rules_keep_spans_and_convert() {
        let fw = manifest(OVN);
        assert_eq!(fw.rules.len(), 3);
        assert_eq!(fw.rules[1].location().start.line, 10);
        let nodes = vec![ClusterNode {
            labels: crate::net::selector::labels([("role", "infra")]),
            internal_ips: vec!["10.0.1.5".parse().unwrap()],
        }];
        let (eval, index) = fw.to_firewall(&nodes);
        // The lowercase `deny` is rejected, so left out.
        assert_eq!(index, [0, 1]);
        assert_eq!(
            eval.rules[0].to,
            FirewallTarget::Nodes(Some("10.0.1.5".parse().unwrap()))
        );
        assert_eq!(
            eval.rules[1].to,
            FirewallTarget::Cidr("10.0.0.0/16".parse().unwrap())
        );
        assert_eq!(eval.rules[1].ports.len(), 1);
        let (eval, _) = fw.to_firewall(&[]);
        assert_eq!(eval.rules[0].to, FirewallTarget::Nodes(None));
    }

    #[test]
    fn sdn_ignores_ports_and_node_selectors_and_ipv6() {
        let fw = manifest(
            "apiVersion: network.openshift.io/v1
kind: EgressNetworkPolicy
metadata: {name: p}
spec:
  egress:
  - {type: Deny, to: {cidrSelector: 'fd00::/8'}}
  - {type: Deny, to: {nodeSelector: {}}}
  - {type: Deny, to: {cidrSelector: 10.0.0.0/8}, ports: [{protocol: TCP, port: 80}]}
",
        );
        assert!(fw.rules[1].targets.is_empty());
        let (eval, index) = fw.to_firewall(&[]);
        assert_eq!(index, [2]);
        assert!(eval.rules[0].ports.is_empty());
    }

    #[test]
    fn cidr_needs_a_prefix() {
        assert!(parse_cidr("10.0.0.1").is_err());
        assert!(parse_cidr("10.0.0.1/33").is_err());
        assert!(parse_cidr("10.0.0.1/16").is_ok());
    }
}
