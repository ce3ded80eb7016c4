//! Egress firewalls and what they do to the DVM traffic (docs/rules.md
//! DVM110–DVM113, docs/domain.md §6).
//!
//! An `EgressNetworkPolicy` (SDN) or `EgressFirewall` (OVN) filters every
//! connection that leaves the cluster from any pod of its namespace, rsync
//! client pods included: labels play no part. So a firewall in a migrated
//! source namespace that denies the DVM destination stops DVM, whatever the
//! NetworkPolicies say.
//!
//! This module gathers, once per run ([`Project::firewalls`]), every firewall
//! of the project with its typed view and its evaluator form ([`Firewalls`]),
//! and computes, once per run ([`Project::egress_denials`]), the denials of the
//! DVM traffic ([`peer_denials`]) that DVM110 and DVM113 both report: one pass
//! over the migrated pairs, one evaluation per (pair, applying firewall), the
//! DVM destination computed once per target cluster. DVM110–DVM113 share them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::finding::Location;
use crate::manifest::egress_firewall::{ClusterNode, FirewallManifest, RuleManifest};
use crate::model::destination::{DvmDestination, Endpoint};
use crate::model::{ModelObject, Project, Scope};
use crate::net::egress_firewall::{EgressFirewall, FirewallAction, FirewallTarget};
use crate::net::ipset::IpSet;
use crate::net::ports::{PortRange, PortSet, Protocol, Region};

/// One firewall object of the project.
pub struct FirewallObject {
    /// The object without its tree (`manifest` holds what was read from it).
    pub object: ModelObject,
    /// Its index in `Project::objects`.
    pub at: usize,
    /// Read in the per-file stage (`parsed::Body`).
    pub manifest: Arc<FirewallManifest>,
    /// The rules the platform accepts, for the evaluator.
    pub eval: EgressFirewall,
    /// For each rule of `eval`, its index in `manifest.rules`.
    pub index: Vec<usize>,
    /// Why the platform rejects or ignores the object (DVM112 reports it):
    /// such a firewall denies nothing and feeds no other rule.
    pub ignored: Option<Ignored>,
}

/// Why a firewall object has no effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ignored {
    /// Its kind is not served in the group of its `apiVersion`: rejected.
    WrongGroup,
    /// An `EgressFirewall` not named `default`: OVN-Kubernetes ignores it.
    NotDefault,
    /// An `EgressNetworkPolicy` in the `default` project, which cannot use one.
    DefaultProject,
}

/// Why the platform rejects or ignores a firewall, if it does.
pub fn ignored(
    object: &ModelObject,
    flavor: crate::manifest::egress_firewall::FirewallFlavor,
) -> Option<Ignored> {
    use crate::manifest::egress_firewall::FirewallFlavor;
    let meta = &object.object.meta;
    if meta.group() != flavor.group() {
        Some(Ignored::WrongGroup)
    } else if flavor == FirewallFlavor::Ovn && meta.name.value != "default" {
        Some(Ignored::NotDefault)
    } else if flavor == FirewallFlavor::Sdn && object.scope().namespace() == Some("default") {
        Some(Ignored::DefaultProject)
    } else {
        None
    }
}

impl FirewallObject {
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
        let place = match self.object.scope() {
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
pub struct Firewalls {
    pub items: Vec<FirewallObject>,
    /// (cluster, namespace; `None` = unbound) → indices into `items`.
    by_scope: HashMap<(usize, Option<String>), Vec<usize>>,
}

impl Firewalls {
    /// One pass over the objects for the Nodes and the firewalls.
    pub fn build(project: &Project) -> Firewalls {
        let mut nodes: Vec<Vec<ClusterNode>> = vec![Vec::new(); project.clusters.len()];
        let mut firewalls = Vec::new();
        for (index, object) in project.modelled() {
            let meta = &object.object.meta;
            if meta.is("", "Node") {
                if let Some(list) = object.cluster().and_then(|c| nodes.get_mut(c)) {
                    list.push(ClusterNode::from_node(meta, object.object.tree()));
                }
            } else if let Some(manifest) = object.object.firewall()
                // What `kubectl apply` leaves: a later definition replaces it.
                && !project.is_replaced(index)
            {
                firewalls.push((index, object, manifest));
            }
        }
        let mut items = Vec::new();
        let mut by_scope: HashMap<(usize, Option<String>), Vec<usize>> = HashMap::new();
        for (at, object, manifest) in firewalls {
            let cluster_nodes = object
                .cluster()
                .and_then(|c| nodes.get(c))
                .map_or(&[][..], Vec::as_slice);
            let (eval, index) = manifest.to_firewall(cluster_nodes);
            let ignored = ignored(object, manifest.flavor);
            if let Some(cluster) = object.cluster()
                && ignored.is_none()
            {
                by_scope
                    .entry((cluster, object.scope().namespace().map(str::to_owned)))
                    .or_default()
                    .push(items.len());
            }
            items.push(FirewallObject {
                object: object.clone(),
                at,
                manifest: Arc::clone(manifest),
                eval,
                index,
                ignored,
            });
        }
        Firewalls { items, by_scope }
    }

    /// The firewalls that apply to `namespace` on `cluster`: its own and the
    /// unbound ones, in file order (never one the platform ignores or rejects).
    pub fn applying(&self, cluster: usize, namespace: &str) -> Vec<usize> {
        let mut out: Vec<usize> = [Some(namespace.to_owned()), None]
            .into_iter()
            .filter_map(|ns| self.by_scope.get(&(cluster, ns)))
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
    /// catch-all Deny on this traffic and name the DVM destination, or may
    /// (DVM113); empty for DVM110.
    pub dns_allows: Vec<usize>,
    /// Whether [`Denial::dns_allows`] were kept for want of anything to
    /// compare their names with (no route domain, MigCluster URL or proxy
    /// host): none is known to name the destination.
    pub dns_unjudged: bool,
    /// Manifest indices of `dnsName` Allow rules ahead of the Deny that name
    /// another host (not the route domain, the MigCluster URL's domain or the
    /// proxy): they do not let DVM through, so the denial is DVM110's.
    pub unrelated_dns: Vec<usize>,
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
    /// The DVM traffic goes through the `stunnel_tcp_proxy` proxy.
    pub through_proxy: bool,
    /// With the destination's address unknown: manifest indices of the Allow
    /// rules ahead of the catch-all Deny that may or may not hold it. Not
    /// empty means the denial was not judged (DVM110 says so, as info).
    pub maybe_allowed_by: Vec<usize>,
    pub namespaces: BTreeSet<String>,
    /// The pairs it cuts (indices into `Migration::pairs`), for the hops of
    /// `dvmlint graph`.
    pub pairs: BTreeSet<usize>,
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
        format!("namespace{plural} {}", crate::finding::bounded_list(&list))
    }
}

type DenialKey = (
    Side,
    usize,
    usize,
    Vec<usize>,
    Vec<usize>,
    String,
    String,
    String,
);

/// Every Deny that cuts the DVM traffic of a migrated namespace (docs/rules.md
/// DVM110/DVM113), in a deterministic order.
pub fn peer_denials(project: &Project, firewalls: &Firewalls) -> Vec<Denial> {
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
            denial.maybe_allowed_by.clone(),
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
            Some(existing) => {
                existing.namespaces.extend(denial.namespaces);
                existing.pairs.extend(denial.pairs);
            }
            None => {
                merged.insert(key, denial);
            }
        }
    };
    for (index, pair) in migration.pairs.iter().enumerate() {
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
                        pairs: BTreeSet::from([index]),
                        ..denial.clone()
                    });
                }
            }
        }
        if pair.source.cluster == pair.target.cluster {
            // Intra-cluster replies never leave the cluster.
            continue;
        }
        // Through a Route (the default) the rsync server's peer is the
        // target's own router, which proxies the connection: its replies stay
        // in the cluster, where no egress firewall applies. Only a NodePort
        // endpoint takes the connection from outside straight to the pod, whose
        // replies then leave the cluster.
        if crate::model::destination::endpoint_type(project, migration, pair.target.cluster)
            != Endpoint::NodePort
        {
            continue;
        }
        let dest = destinations
            .entry(pair.target.cluster)
            .or_insert_with(|| DvmDestination::of(project, migration, pair));
        let (source_cidrs, replies_to) = if matches!(dest.endpoint, Endpoint::Proxy { .. }) {
            // Through `stunnel_tcp_proxy` the rsync server's peer is the proxy:
            // its replies go there, not to the source's `cidrs`.
            match &dest.addresses {
                Some(addresses) => (
                    addresses.clone(),
                    "the rsync server's replies to the `stunnel_tcp_proxy` proxy".to_owned(),
                ),
                None => continue,
            }
        } else {
            let source_name = cluster_name(project, pair.source.cluster);
            (
                cidrs_of(project, pair.source.cluster),
                format!(
                    "the rsync server's replies to the `cidrs` of source cluster `{source_name}`"
                ),
            )
        };
        if source_cidrs.is_empty() {
            continue;
        }
        for fw in firewalls.applying(pair.target.cluster, &pair.target.namespace) {
            let Some(firewall) = firewalls.items.get(fw) else {
                continue;
            };
            // What makes replies subject to egress rules is OVN-Kubernetes'
            // shared-gateway mode: an OpenShift SDN EgressNetworkPolicy is
            // not judged on them.
            if firewall.manifest.flavor != crate::manifest::egress_firewall::FirewallFlavor::Ovn {
                continue;
            }
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
                    dns_unjudged: false,
                    unrelated_dns: Vec::new(),
                    denied: Some(decision.region.addresses.clone()),
                    checked: Some(source_cidrs.clone()),
                    ports: decision.region.ports.clone(),
                    what: replies_to.clone(),
                    unknown: None,
                    through_proxy: matches!(dest.endpoint, Endpoint::Proxy { .. }),
                    maybe_allowed_by: Vec::new(),
                    namespaces: BTreeSet::from([pair.target.namespace.clone()]),
                    pairs: BTreeSet::from([index]),
                });
            }
        }
    }
    merged.into_values().collect()
}

/// The denials of one source-side firewall for one DVM destination.
fn source_denials(
    project: &Project,
    firewalls: &Firewalls,
    fw: usize,
    dest: &DvmDestination,
    peer_cidrs: &IpSet,
    target: usize,
) -> Vec<Denial> {
    let Some(firewall) = firewalls.items.get(fw) else {
        return Vec::new();
    };
    let what = describe_destination(project, dest, target);
    let through_proxy = matches!(dest.endpoint, Endpoint::Proxy { .. });
    let (checked, unknown) = match &dest.addresses {
        Some(addresses) => (addresses.clone(), dest.assumption.clone()),
        // The rsync clients connect to the proxy, not to the target: the
        // target's `cidrs` say nothing about a proxy known by name.
        None if !peer_cidrs.is_empty() && !through_proxy => (
            peer_cidrs.clone(),
            Some(format!(
                "{}; the `cidrs` of cluster `{}` were checked instead",
                dest.unknown_reason
                    .as_deref()
                    .unwrap_or("the DVM destination is unknown"),
                cluster_name(project, target)
            )),
        ),
        None => return catch_all_denial(project, firewall, fw, dest, what, target),
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
        let dns: Vec<usize> = if catch_all {
            verdict
                .may_match
                .iter()
                .filter(|m| m.rule < decision.rule && m.action == FirewallAction::Allow)
                .filter(|m| overlaps(&m.region, &decision.region))
                .filter(|m| is_dns(firewall, m.rule))
                .map(|m| m.rule)
                .collect()
        } else {
            Vec::new()
        };
        let (dns_allows, unrelated_dns, dns_unjudged) =
            split_dns(project, firewall, &dns, dest, target);
        out.push(Denial {
            side: Side::Source,
            firewall: fw,
            rule,
            dns_allows,
            dns_unjudged,
            unrelated_dns,
            denied: Some(decision.region.addresses.clone()),
            checked: Some(checked.clone()),
            ports: decision.region.ports.clone(),
            what: what.clone(),
            unknown: unknown.clone(),
            through_proxy,
            maybe_allowed_by: Vec::new(),
            namespaces: BTreeSet::new(),
            pairs: BTreeSet::new(),
        });
    }
    out
}

/// With no address of the peer known at all, only a catch-all Deny reached
/// before any Allow on the destination ports is certain to cut DVM (docs/rules.md).
fn catch_all_denial(
    project: &Project,
    firewall: &FirewallObject,
    fw: usize,
    dest: &DvmDestination,
    what: String,
    target: usize,
) -> Vec<Denial> {
    let wanted = PortSet::from(dest.ports);
    let mut dns = Vec::new();
    let mut maybe = Vec::new();
    for (i, rule) in firewall.eval.rules.iter().enumerate() {
        let ports = rule.ports_for(Protocol::Tcp).intersection(&wanted);
        if ports.is_empty() {
            continue;
        }
        match rule.action {
            FirewallAction::Allow if is_dns(firewall, i) => dns.push(i),
            FirewallAction::Allow if is_ipv4_catch_all(rule) => return Vec::new(),
            // It may or may not hold the unknown address: not judged, and said.
            FirewallAction::Allow => maybe.extend(firewall.rule(i).map(|(m, _)| m)),
            FirewallAction::Deny if is_ipv4_catch_all(rule) => {
                let Some((rule, _)) = firewall.rule(i) else {
                    return Vec::new();
                };
                let (dns_allows, unrelated_dns, dns_unjudged) =
                    split_dns(project, firewall, &dns, dest, target);
                return vec![Denial {
                    side: Side::Source,
                    firewall: fw,
                    rule,
                    dns_allows,
                    dns_unjudged,
                    unrelated_dns,
                    denied: None,
                    checked: None,
                    ports,
                    what,
                    unknown: dest.unknown_reason.clone(),
                    through_proxy: matches!(dest.endpoint, Endpoint::Proxy { .. }),
                    maybe_allowed_by: maybe,
                    namespaces: BTreeSet::new(),
                    pairs: BTreeSet::new(),
                }];
            }
            FirewallAction::Deny => {}
        }
    }
    Vec::new()
}

/// Whether a `dnsName` names the DVM destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsRelation {
    /// The proxy's host, or a name under the target's route domain or its
    /// MigCluster URL's cluster domain.
    Names,
    /// Another host: an Allow for it does not let DVM through.
    Unrelated,
    /// Nothing to compare with (no `routeDomain`, no MigCluster URL).
    Unknown,
}

/// How `dns_name` relates to the destination `dest` on cluster `target`.
pub fn dns_relation(
    project: &Project,
    dest: &DvmDestination,
    target: usize,
    dns_name: &str,
) -> DnsRelation {
    let name = dns_name
        .trim_end_matches('.')
        .trim_start_matches("*.")
        .to_ascii_lowercase();
    let under = |domain: &str| {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        !domain.is_empty() && (name == domain || name.ends_with(&format!(".{domain}")))
    };
    if let Endpoint::Proxy { value, .. } = &dest.endpoint {
        let parsed = crate::proxy::stunnel_url::StunnelProxy::parse(&value.value);
        return match parsed.host {
            Some(host) if under(&host) => DnsRelation::Names,
            Some(_) => DnsRelation::Unrelated,
            None => DnsRelation::Unknown,
        };
    }
    let route_domain = project
        .clusters
        .get(target)
        .and_then(|c| c.config)
        .and_then(|i| project.config.clusters.get(i))
        .and_then(|c| c.route_domain.clone());
    let url_domains: Vec<String> = project
        .migration()
        .url_hosts
        .get(target)
        .map(|hosts| {
            hosts
                .iter()
                .map(|h| crate::model::migration::cluster_domain(h).to_owned())
                .collect()
        })
        .unwrap_or_default();
    if route_domain.is_none() && url_domains.is_empty() {
        return DnsRelation::Unknown;
    }
    if route_domain.as_deref().is_some_and(under) || url_domains.iter().any(|d| under(d)) {
        DnsRelation::Names
    } else {
        DnsRelation::Unrelated
    }
}

/// Splits evaluator rules `dns` (`dnsName` Allows ahead of a Deny) into the
/// manifest indices of those that name the destination or may (DVM113), and
/// those that name another host (DVM110).
fn split_dns(
    project: &Project,
    firewall: &FirewallObject,
    dns: &[usize],
    dest: &DvmDestination,
    target: usize,
) -> (Vec<usize>, Vec<usize>, bool) {
    let mut names = Vec::new();
    let mut unrelated = Vec::new();
    let mut unjudged = false;
    for &i in dns {
        let Some(name) = firewall.eval.rules.get(i).and_then(|r| match &r.to {
            FirewallTarget::DnsName(name) => Some(name.as_str()),
            _ => None,
        }) else {
            continue;
        };
        let Some((m, _)) = firewall.rule(i) else {
            continue;
        };
        match dns_relation(project, dest, target, name) {
            DnsRelation::Unrelated => unrelated.push(m),
            DnsRelation::Names => names.push(m),
            DnsRelation::Unknown => {
                unjudged = true;
                names.push(m);
            }
        }
    }
    (names, unrelated, unjudged)
}

/// `cidrSelector: 0.0.0.0/0` (or `::/0`).
fn is_catch_all(rule: &crate::net::egress_firewall::FirewallRule) -> bool {
    matches!(rule.to, FirewallTarget::Cidr(net) if net.prefix_len() == 0)
}

/// `cidrSelector: 0.0.0.0/0`: with no peer address known, an IPv6 catch-all
/// proves nothing about an (IPv4) OpenShift destination.
pub(crate) fn is_ipv4_catch_all(rule: &crate::net::egress_firewall::FirewallRule) -> bool {
    matches!(rule.to, FirewallTarget::Cidr(ipnet::IpNet::V4(net)) if net.prefix_len() == 0)
}

fn is_dns(firewall: &FirewallObject, eval_rule: usize) -> bool {
    matches!(
        firewall.eval.rules.get(eval_rule).map(|r| &r.to),
        Some(FirewallTarget::DnsName(_))
    )
}

fn overlaps(a: &Region, b: &Region) -> bool {
    a.addresses.intersects(&b.addresses) && !a.ports.intersection(&b.ports).is_empty()
}

pub(crate) fn cidrs_of(project: &Project, cluster: usize) -> IpSet {
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
            dns_unjudged: false,
            unrelated_dns: Vec::new(),
            denied: denied.map(|d| d.parse().unwrap()),
            checked: checked.map(|c| c.parse().unwrap()),
            ports,
            what: String::new(),
            unknown: None,
            through_proxy: false,
            maybe_allowed_by: Vec::new(),
            namespaces: BTreeSet::from(["app1".to_owned(), "app2".to_owned()]),
            pairs: BTreeSet::new(),
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
}
