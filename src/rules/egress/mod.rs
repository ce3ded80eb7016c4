//! Egress firewalls (SPEC §5 DVM110–DVM113, domain.md §6).
//!
//! An `EgressNetworkPolicy` (SDN) or `EgressFirewall` (OVN) filters every
//! connection that leaves the cluster from any pod of its namespace, rsync
//! client pods included: labels play no part. So a firewall in a migrated
//! source namespace that denies the DVM destination stops DVM, whatever the
//! NetworkPolicies say.
//!
//! This module gathers, once per run, every firewall of the project with its
//! typed view and its evaluator form ([`Firewalls`]), and computes the
//! denials of the DVM traffic ([`peer_denials`]) that DVM110 and DVM113 both
//! report: one pass over the migrated pairs, one evaluation per (pair,
//! applying firewall), the DVM destination computed once per target cluster.

pub mod egress_firewall_denies_peer;
pub mod egress_firewall_dnsname_allow;
pub mod egress_firewall_invalid;
pub mod egress_firewall_shadowed_allow;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use crate::finding::Location;
use crate::manifest::egress_firewall::{
    ClusterNode, FirewallFlavor, FirewallManifest, RuleManifest, TargetValue,
};
use crate::model::destination::{DvmDestination, Endpoint};
use crate::model::{ModelObject, Project, Scope};
use crate::net::egress_firewall::{EgressFirewall, FirewallAction, FirewallTarget};
use crate::net::ipset::IpSet;
use crate::net::ports::{PortRange, PortSet, Protocol, Region};

/// One firewall object of the project.
pub struct FirewallObject<'p> {
    pub object: &'p ModelObject,
    pub manifest: FirewallManifest,
    /// The rules the platform accepts, for the evaluator.
    pub eval: EgressFirewall,
    /// For each rule of `eval`, its index in `manifest.rules`.
    pub index: Vec<usize>,
}

impl FirewallObject<'_> {
    /// The manifest rule behind evaluator rule `i`.
    pub fn rule(&self, i: usize) -> Option<(usize, &RuleManifest)> {
        let m = *self.index.get(i)?;
        Some((m, self.manifest.rules.get(m)?))
    }

    pub fn location(&self, span: crate::yaml::Span) -> Location {
        Location::new(&self.object.object.file, span)
    }

    /// `EgressFirewall \`default\` in namespace \`app1\``, or the unbound form.
    pub fn describe(&self) -> String {
        let meta = &self.object.object.meta;
        let place = match &self.object.scope {
            Scope::Namespace(ns) => format!(" in namespace `{ns}`"),
            Scope::Unbound | Scope::Cluster => {
                " (no namespace set: it applies to every migrated namespace of its cluster)"
                    .to_owned()
            }
        };
        format!("{} `{}`{place}", meta.kind.value, meta.name.value)
    }
}

/// Every firewall of the project, indexed by where it applies.
pub struct Firewalls<'p> {
    pub items: Vec<FirewallObject<'p>>,
    /// (cluster, namespace; `None` = unbound) → indices into `items`.
    by_scope: HashMap<(usize, Option<&'p str>), Vec<usize>>,
}

impl<'p> Firewalls<'p> {
    /// One pass over the objects for the Nodes, one for the firewalls.
    pub fn build(project: &'p Project) -> Firewalls<'p> {
        let mut nodes: Vec<Vec<ClusterNode>> = vec![Vec::new(); project.clusters.len()];
        for object in &project.objects {
            if let Some(list) = object.cluster.and_then(|c| nodes.get_mut(c))
                && object.object.meta.is("", "Node")
            {
                list.push(ClusterNode::from_node(
                    &object.object.meta,
                    object.object.body.as_ref(),
                ));
            }
        }
        let mut items = Vec::new();
        let mut by_scope: HashMap<(usize, Option<&'p str>), Vec<usize>> = HashMap::new();
        for object in &project.objects {
            let Some(flavor) = FirewallFlavor::of(&object.object.meta) else {
                continue;
            };
            let Some(body) = &object.object.body else {
                continue;
            };
            let manifest = FirewallManifest::from_node(flavor, body);
            let cluster_nodes = object
                .cluster
                .and_then(|c| nodes.get(c))
                .map_or(&[][..], Vec::as_slice);
            let (eval, index) = manifest.to_firewall(cluster_nodes);
            if let Some(cluster) = object.cluster {
                by_scope
                    .entry((cluster, object.scope.namespace()))
                    .or_default()
                    .push(items.len());
            }
            items.push(FirewallObject {
                object,
                manifest,
                eval,
                index,
            });
        }
        Firewalls { items, by_scope }
    }

    /// The firewalls that apply to `namespace` on `cluster`: its own and the
    /// unbound ones, in file order.
    pub fn applying(&self, cluster: usize, namespace: &str) -> Vec<usize> {
        let mut out: Vec<usize> = [Some(namespace), None]
            .iter()
            .filter_map(|ns| self.by_scope.get(&(cluster, *ns)))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out
    }
}

/// Which side of the migration a denial hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// The rsync client pods cannot reach the DVM destination (DVM110 error,
    /// or DVM113 when only a `dnsName` Allow stood before a catch-all Deny).
    Source,
    /// The rsync server's replies to the source's `cidrs` are denied (DVM110
    /// warning: they can be dropped in OVN shared-gateway mode).
    Target,
}

/// One Deny rule cutting the DVM traffic, merged over the namespaces it hits.
#[derive(Clone)]
pub struct Denial {
    pub side: Side,
    /// Index into [`Firewalls::items`].
    pub firewall: usize,
    /// Index of the deciding Deny in the manifest's rules.
    pub rule: usize,
    /// Manifest indices of `dnsName` Allow rules that stood ahead of a
    /// catch-all Deny on this traffic (DVM113); empty for DVM110.
    pub dns_allows: Vec<usize>,
    /// The denied part; `None` when the destination is unknown and only a
    /// catch-all Deny could be judged.
    pub denied: Option<IpSet>,
    /// What was checked: the destination's addresses or the peer's `cidrs`.
    pub checked: Option<IpSet>,
    pub ports: PortSet,
    /// What the checked traffic is, for messages.
    pub what: String,
    /// Why the destination was unknown, when it was.
    pub unknown: Option<String>,
    pub namespaces: BTreeSet<String>,
}

impl Denial {
    /// `10.0.128.0/17 of 10.0.0.0/16 on TCP port 443`.
    pub fn range_text(&self) -> String {
        let ports = if self.ports == PortSet::all() {
            "on every TCP port".to_owned()
        } else if let [r] = self.ports.ranges()
            && r.start() == r.end()
        {
            format!("on TCP port {r}")
        } else {
            format!("on TCP ports {}", self.ports)
        };
        match (&self.denied, &self.checked) {
            (Some(denied), Some(checked)) if denied == checked => {
                format!("all of {checked} {ports}")
            }
            (Some(denied), Some(checked)) => format!("{denied} of {checked} {ports}"),
            _ => format!("every IPv4 address (`0.0.0.0/0`) {ports}"),
        }
    }

    pub fn namespaces_text(&self) -> String {
        let list: Vec<String> = self.namespaces.iter().map(|n| format!("`{n}`")).collect();
        let plural = if list.len() == 1 { "" } else { "s" };
        format!("namespace{plural} {}", list.join(", "))
    }
}

type DenialKey = (Side, usize, usize, Vec<usize>, String, String, String);

/// Every Deny that cuts the DVM traffic of a migrated namespace (SPEC §5
/// DVM110/DVM113), in a deterministic order.
pub fn peer_denials(project: &Project, firewalls: &Firewalls<'_>) -> Vec<Denial> {
    let migration = project.migration();
    let mut destinations: HashMap<usize, DvmDestination> = HashMap::new();
    let mut evaluated: HashMap<(usize, usize), Vec<Denial>> = HashMap::new();
    let mut merged: BTreeMap<DenialKey, Denial> = BTreeMap::new();
    let mut add = |denial: Denial| {
        let key = (
            denial.side,
            denial.firewall,
            denial.rule,
            denial.dns_allows.clone(),
            denial
                .denied
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            denial
                .checked
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            denial.what.clone(),
        );
        match merged.get_mut(&key) {
            Some(existing) => existing.namespaces.extend(denial.namespaces),
            None => {
                merged.insert(key, denial);
            }
        }
    };
    for pair in &migration.pairs {
        let source = firewalls.applying(pair.source.cluster, &pair.source.namespace);
        if !source.is_empty() {
            let dest = destinations
                .entry(pair.target.cluster)
                .or_insert_with(|| DvmDestination::of(project, migration, pair));
            let peer_cidrs = cidrs_of(project, pair.target.cluster);
            for &fw in &source {
                // An unbound firewall applies to every migrated namespace:
                // evaluate it once per target cluster, not once per namespace.
                let denials = evaluated
                    .entry((fw, pair.target.cluster))
                    .or_insert_with(|| {
                        source_denials(
                            project,
                            firewalls,
                            fw,
                            dest,
                            &peer_cidrs,
                            pair.target.cluster,
                        )
                    });
                for denial in denials.iter() {
                    add(Denial {
                        namespaces: BTreeSet::from([pair.source.namespace.clone()]),
                        ..denial.clone()
                    });
                }
            }
        }
        if pair.source.cluster == pair.target.cluster {
            // Intra-cluster replies never leave the cluster.
            continue;
        }
        let source_cidrs = cidrs_of(project, pair.source.cluster);
        if source_cidrs.is_empty() {
            continue;
        }
        let source_name = cluster_name(project, pair.source.cluster);
        for fw in firewalls.applying(pair.target.cluster, &pair.target.namespace) {
            let Some(firewall) = firewalls.items.get(fw) else {
                continue;
            };
            let verdict = firewall
                .eval
                .evaluate(&source_cidrs, PortRange::ALL, Protocol::Tcp);
            for decision in verdict.denials() {
                let Some((rule, _)) = firewall.rule(decision.rule) else {
                    continue;
                };
                add(Denial {
                    side: Side::Target,
                    firewall: fw,
                    rule,
                    dns_allows: Vec::new(),
                    denied: Some(decision.region.addresses.clone()),
                    checked: Some(source_cidrs.clone()),
                    ports: decision.region.ports.clone(),
                    what: format!(
                        "the rsync server's replies to the `cidrs` of source cluster `{source_name}`"
                    ),
                    unknown: None,
                    namespaces: BTreeSet::from([pair.target.namespace.clone()]),
                });
            }
        }
    }
    merged.into_values().collect()
}

/// The denials of one source-side firewall for one DVM destination.
fn source_denials(
    project: &Project,
    firewalls: &Firewalls<'_>,
    fw: usize,
    dest: &DvmDestination,
    peer_cidrs: &IpSet,
    target: usize,
) -> Vec<Denial> {
    let Some(firewall) = firewalls.items.get(fw) else {
        return Vec::new();
    };
    let what = describe_destination(project, dest, target);
    let (checked, unknown) = match &dest.addresses {
        Some(addresses) => (addresses.clone(), None),
        None if !peer_cidrs.is_empty() => (
            peer_cidrs.clone(),
            Some(format!(
                "{}; the `cidrs` of cluster `{}` were checked instead",
                dest.unknown_reason
                    .as_deref()
                    .unwrap_or("the DVM destination is unknown"),
                cluster_name(project, target)
            )),
        ),
        None => return catch_all_denial(firewall, fw, dest, what),
    };
    let verdict = firewall.eval.evaluate(&checked, dest.ports, Protocol::Tcp);
    let mut out = Vec::new();
    for decision in verdict.denials() {
        let Some((rule, _)) = firewall.rule(decision.rule) else {
            continue;
        };
        let catch_all = firewall
            .eval
            .rules
            .get(decision.rule)
            .is_some_and(is_catch_all);
        let dns_allows: Vec<usize> = if catch_all {
            verdict
                .may_match
                .iter()
                .filter(|m| m.rule < decision.rule && m.action == FirewallAction::Allow)
                .filter(|m| overlaps(&m.region, &decision.region))
                .filter(|m| is_dns(firewall, m.rule))
                .filter_map(|m| firewall.rule(m.rule).map(|(i, _)| i))
                .collect()
        } else {
            Vec::new()
        };
        out.push(Denial {
            side: Side::Source,
            firewall: fw,
            rule,
            dns_allows,
            denied: Some(decision.region.addresses.clone()),
            checked: Some(checked.clone()),
            ports: decision.region.ports.clone(),
            what: what.clone(),
            unknown: unknown.clone(),
            namespaces: BTreeSet::new(),
        });
    }
    out
}

/// With no address of the peer known at all, only a catch-all Deny reached
/// before any Allow on the destination ports is certain to cut DVM (SPEC §5).
fn catch_all_denial(
    firewall: &FirewallObject<'_>,
    fw: usize,
    dest: &DvmDestination,
    what: String,
) -> Vec<Denial> {
    let wanted = PortSet::from(dest.ports);
    let mut dns_allows = Vec::new();
    for (i, rule) in firewall.eval.rules.iter().enumerate() {
        let ports = rule.ports_for(Protocol::Tcp).intersection(&wanted);
        if ports.is_empty() {
            continue;
        }
        match rule.action {
            FirewallAction::Allow if is_dns(firewall, i) => {
                dns_allows.extend(firewall.rule(i).map(|(m, _)| m));
            }
            FirewallAction::Allow => return Vec::new(),
            FirewallAction::Deny if is_ipv4_catch_all(rule) => {
                let Some((rule, _)) = firewall.rule(i) else {
                    return Vec::new();
                };
                return vec![Denial {
                    side: Side::Source,
                    firewall: fw,
                    rule,
                    dns_allows,
                    denied: None,
                    checked: None,
                    ports,
                    what,
                    unknown: dest.unknown_reason.clone(),
                    namespaces: BTreeSet::new(),
                }];
            }
            FirewallAction::Deny => {}
        }
    }
    Vec::new()
}

/// `cidrSelector: 0.0.0.0/0` (or `::/0`).
fn is_catch_all(rule: &crate::net::egress_firewall::FirewallRule) -> bool {
    matches!(rule.to, FirewallTarget::Cidr(net) if net.prefix_len() == 0)
}

/// `cidrSelector: 0.0.0.0/0`: with no peer address known, an IPv6 catch-all
/// proves nothing about an (IPv4) OpenShift destination.
fn is_ipv4_catch_all(rule: &crate::net::egress_firewall::FirewallRule) -> bool {
    matches!(rule.to, FirewallTarget::Cidr(ipnet::IpNet::V4(net)) if net.prefix_len() == 0)
}

fn is_dns(firewall: &FirewallObject<'_>, eval_rule: usize) -> bool {
    matches!(
        firewall.eval.rules.get(eval_rule).map(|r| &r.to),
        Some(FirewallTarget::DnsName(_))
    )
}

fn overlaps(a: &Region, b: &Region) -> bool {
    a.addresses.intersects(&b.addresses) && !a.ports.intersection(&b.ports).is_empty()
}

fn cidrs_of(project: &Project, cluster: usize) -> IpSet {
    project
        .clusters
        .get(cluster)
        .and_then(|c| c.config)
        .and_then(|i| project.config.clusters.get(i))
        .map(|c| IpSet::from_nets(c.cidrs.iter().copied()))
        .unwrap_or_default()
}

fn cluster_name(project: &Project, cluster: usize) -> String {
    project
        .cluster_name(Some(cluster))
        .map_or_else(|| "target".to_owned(), ToString::to_string)
}

fn describe_destination(project: &Project, dest: &DvmDestination, target: usize) -> String {
    let name = cluster_name(project, target);
    match &dest.endpoint {
        Endpoint::Proxy { .. } => {
            "the `stunnel_tcp_proxy` proxy the rsync clients connect through".to_owned()
        }
        Endpoint::Route => format!("the Route of cluster `{name}` (its ingress addresses)"),
        Endpoint::NodePort => format!("the NodePorts of the workers of cluster `{name}`"),
        Endpoint::ClusterIP => format!("the service network of cluster `{name}`"),
    }
}

/// The YAML of a firewall with `new_rules` inserted just above the deciding
/// rule `before` (SPEC §5: "the exact YAML to add").
pub fn fix_yaml(firewall: &FirewallObject<'_>, new_rules: &str, before: usize) -> String {
    let meta = &firewall.object.object.meta;
    let flavor = firewall.manifest.flavor;
    let mut out = format!(
        "apiVersion: {}\nkind: {}\nmetadata:\n  name: {}\n",
        flavor.api_version(),
        flavor.kind(),
        meta.name.value
    );
    if let Some(ns) = firewall.object.scope.namespace() {
        let _ = writeln!(out, "  namespace: {ns}");
    }
    out.push_str("spec:\n  egress:\n");
    match before {
        0 => {}
        1 => out.push_str("  # egress[0]: unchanged\n"),
        n => {
            let _ = writeln!(out, "  # egress[0] to egress[{}]: unchanged", n - 1);
        }
    }
    out.push_str(new_rules);
    if let Some(rule) = firewall.manifest.rules.get(before) {
        let _ = writeln!(out, "  # egress[{before}], unchanged, now after the Allow:");
        out.push_str(&rule_yaml(rule));
    }
    out.truncate(out.trim_end().len());
    out
}

/// A rule written back as YAML, for fix texts.
pub fn rule_yaml(rule: &RuleManifest) -> String {
    let mut out = format!(
        "  - type: {}\n",
        rule.type_.as_ref().map_or("Deny", |t| t.value.as_str())
    );
    if let Some(target) = rule.target() {
        let to = match &target.value {
            TargetValue::Cidr(t) => format!("cidrSelector: {}", t.value),
            TargetValue::DnsName(t) => format!("dnsName: {}", t.value),
            TargetValue::Nodes { .. } => "nodeSelector: ...".to_owned(),
        };
        let _ = writeln!(out, "    to:\n      {to}");
    }
    if !rule.ports.is_empty() {
        out.push_str("    ports:\n");
        for port in &rule.ports {
            let _ = writeln!(
                out,
                "    - protocol: {}\n      port: {}",
                port.protocol.as_ref().map_or("TCP", |p| p.value.as_str()),
                port.port.as_ref().map_or("", |p| p.value.as_str())
            );
        }
    }
    out
}

/// Allow rules for `cidrs` (one per CIDR), restricted to one TCP port when
/// the flavor has ports (OVN) and the traffic is one port.
pub fn allow_rules_yaml(flavor: FirewallFlavor, cidrs: &[String], ports: &PortSet) -> String {
    let single_port = match ports.ranges() {
        [r] if r.start() == r.end() && flavor == FirewallFlavor::Ovn => Some(r.start()),
        _ => None,
    };
    let mut out = String::new();
    for cidr in cidrs {
        let _ = writeln!(out, "  - type: Allow\n    to:\n      cidrSelector: {cidr}");
        if let Some(port) = single_port {
            let _ = writeln!(out, "    ports:\n    - protocol: TCP\n      port: {port}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn denial(denied: Option<&str>, checked: Option<&str>, ports: PortSet) -> Denial {
        Denial {
            side: Side::Source,
            firewall: 0,
            rule: 1,
            dns_allows: Vec::new(),
            denied: denied.map(|d| d.parse().unwrap()),
            checked: checked.map(|c| c.parse().unwrap()),
            ports,
            what: String::new(),
            unknown: None,
            namespaces: BTreeSet::from(["app1".to_owned(), "app2".to_owned()]),
        }
    }

    #[test]
    fn ranges_read_as_sub_range_of_destination() {
        let one = PortSet::from(PortRange::single(443));
        assert_eq!(
            denial(Some("10.0.128.0/17"), Some("10.0.0.0/16"), one.clone()).range_text(),
            "10.0.128.0/17 of 10.0.0.0/16 on TCP port 443"
        );
        assert_eq!(
            denial(Some("10.0.0.0/16"), Some("10.0.0.0/16"), PortSet::all()).range_text(),
            "all of 10.0.0.0/16 on every TCP port"
        );
        let d = denial(None, None, one);
        assert_eq!(
            d.range_text(),
            "every IPv4 address (`0.0.0.0/0`) on TCP port 443"
        );
        assert_eq!(d.namespaces_text(), "namespaces `app1`, `app2`");
    }

    #[test]
    fn allow_rules_have_type_allow_and_ovn_ports() {
        let one = PortSet::from(PortRange::single(443));
        let cidrs = ["10.0.128.0/17".to_owned()];
        assert_eq!(
            allow_rules_yaml(FirewallFlavor::Ovn, &cidrs, &one),
            "  - type: Allow\n    to:\n      cidrSelector: 10.0.128.0/17\n    ports:\n    - protocol: TCP\n      port: 443\n"
        );
        // SDN has no ports; a NodePort range is not expanded.
        let expected = "  - type: Allow\n    to:\n      cidrSelector: 10.0.128.0/17\n";
        assert_eq!(
            allow_rules_yaml(FirewallFlavor::Sdn, &cidrs, &one),
            expected
        );
        let range = PortSet::from(PortRange::new(30000, 32767).unwrap());
        assert_eq!(
            allow_rules_yaml(FirewallFlavor::Ovn, &cidrs, &range),
            expected
        );
    }
}
