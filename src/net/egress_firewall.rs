//! Egress firewall evaluation: OpenShift SDN `EgressNetworkPolicy` and
//! OVN-Kubernetes `EgressFirewall`.
//!
//! # Semantics (docs/domain.md §6)
//!
//! A firewall is an ordered list of rules `{type: Allow|Deny, to, ports}`
//! applying to traffic that leaves the cluster from any pod of the namespace
//! (labels play no part). Rules are evaluated **in order and the first match
//! wins**; traffic no rule matches is **allowed**. A rule's `to` is exactly
//! one of a CIDR, a DNS name, or the addresses of the cluster's nodes (OVN
//! `nodeSelector`; the caller passes the selected nodes' addresses, or
//! "unknown"). A rule with `ports` matches only those (protocol, port) pairs;
//! without `ports` it matches every port of every protocol. SDN rules have no
//! ports and IPv4 CIDRs only; both shapes fit the one model here, and
//! validating which fields a given kind may use is the caller's business.
//!
//! # Unknown addresses
//!
//! A `dnsName` rule, or a node rule whose addresses the caller does not know,
//! matches addresses we cannot compute. We never guess: such a rule is
//! reported as **may match** the part of the destination still undecided when
//! it is reached, and evaluation continues as if it did not match. So every
//! `decided` piece is exact *unless* an earlier may-match rule caught it,
//! which the caller can tell from the rule indices.
//!
//! # Design
//!
//! A destination is an [`IpSet`] × a [`PortRange`] of one protocol. The port
//! range is partitioned into pieces on which every rule's port set is
//! constant; on each piece the rules are walked once, carving the remaining
//! address set. Pieces are then merged per (rule, address set), so a single
//! port query yields exactly one region per deciding rule.

use std::collections::BTreeMap;
use std::fmt;

use ipnet::IpNet;
use serde::Serialize;

use super::ipset::IpSet;
use super::ports::{PortRange, PortSet, Protocol, Region, partition};

/// `type` of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum FirewallAction {
    /// Let matching traffic through.
    Allow,
    /// Drop matching traffic.
    Deny,
}

impl fmt::Display for FirewallAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FirewallAction::Allow => "Allow",
            FirewallAction::Deny => "Deny",
        })
    }
}

/// `to` of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FirewallTarget {
    /// `cidrSelector`.
    Cidr(IpNet),
    /// `dnsName`: addresses unknown to a static analysis.
    DnsName(String),
    /// `nodeSelector`: the selected nodes' addresses, `None` when unknown.
    Nodes(Option<IpSet>),
}

impl FirewallTarget {
    /// The addresses the target matches, `None` when they cannot be known.
    pub fn addresses(&self) -> Option<IpSet> {
        match self {
            FirewallTarget::Cidr(net) => Some(IpSet::from_net(*net)),
            FirewallTarget::DnsName(_) | FirewallTarget::Nodes(None) => None,
            FirewallTarget::Nodes(Some(set)) => Some(set.clone()),
        }
    }
}

/// One `ports` entry of an OVN rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FirewallPort {
    /// `protocol`.
    pub protocol: Protocol,
    /// `port`.
    pub port: u16,
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirewallRule {
    /// `type`.
    pub action: FirewallAction,
    /// `to`.
    pub to: FirewallTarget,
    /// `ports`; empty matches every port of every protocol.
    pub ports: Vec<FirewallPort>,
}

impl FirewallRule {
    /// A rule on a CIDR, without ports.
    pub fn cidr(action: FirewallAction, cidr: IpNet) -> FirewallRule {
        FirewallRule {
            action,
            to: FirewallTarget::Cidr(cidr),
            ports: Vec::new(),
        }
    }

    /// The ports of `protocol` this rule matches.
    pub fn ports_for(&self, protocol: Protocol) -> PortSet {
        if self.ports.is_empty() {
            return PortSet::all();
        }
        self.ports
            .iter()
            .filter(|p| p.protocol == protocol)
            .map(|p| PortRange::single(p.port))
            .collect()
    }
}

/// A rule's decision on part of a destination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Index of the deciding rule.
    pub rule: usize,
    /// Its action.
    pub action: FirewallAction,
    /// The part of the destination it decides.
    pub region: Region,
}

/// A rule whose addresses are unknown and that may decide part of the
/// destination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MayMatch {
    /// Index of the rule.
    pub rule: usize,
    /// Its action.
    pub action: FirewallAction,
    /// The part of the destination still undecided when it is reached.
    pub region: Region,
}

/// The partition of a destination by the rules that decide it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FirewallVerdict {
    /// The protocol asked about.
    pub protocol: Protocol,
    /// Pieces decided by rules with known addresses, by rule index then port.
    pub decided: Vec<Decision>,
    /// Rules with unknown addresses met on the way, by rule index then port.
    pub may_match: Vec<MayMatch>,
    /// What no rule matches, which is allowed by default.
    pub default_allowed: Vec<Region>,
}

impl FirewallVerdict {
    /// The pieces decided by Deny rules.
    pub fn denials(&self) -> impl Iterator<Item = &Decision> {
        self.decided
            .iter()
            .filter(|d| d.action == FirewallAction::Deny)
    }

    /// Every address denied on at least one port.
    pub fn denied_addresses(&self) -> IpSet {
        self.denials()
            .fold(IpSet::new(), |acc, d| acc.union(&d.region.addresses))
    }

    /// True when nothing is denied, counting only rules with known addresses.
    pub fn fully_allowed(&self) -> bool {
        self.denials().next().is_none()
    }

    /// True when nothing is denied and no rule of unknown addresses may deny.
    pub fn certainly_allowed(&self) -> bool {
        self.fully_allowed()
            && self
                .may_match
                .iter()
                .all(|m| m.action == FirewallAction::Allow)
    }
}

/// An Allow rule earlier Deny rules make unreachable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shadowed {
    /// Index of the Allow rule.
    pub rule: usize,
    /// Indices of the earlier Deny rules overlapping it, which together
    /// cover all of its addresses and ports.
    pub covered_by: Vec<usize>,
}

/// An ordered list of egress firewall rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EgressFirewall {
    /// The rules, in evaluation order.
    pub rules: Vec<FirewallRule>,
}

impl EgressFirewall {
    /// A firewall with these rules.
    pub fn new(rules: Vec<FirewallRule>) -> EgressFirewall {
        EgressFirewall { rules }
    }

    /// Partitions `dest × ports` (over `protocol`) by the rule deciding each
    /// part; see the module docs for rules of unknown addresses.
    pub fn evaluate(&self, dest: &IpSet, ports: PortRange, protocol: Protocol) -> FirewallVerdict {
        let rule_ports: Vec<PortSet> = self.rules.iter().map(|r| r.ports_for(protocol)).collect();
        // A `cidrSelector` that misses the destination cannot decide any of
        // it: one interval test instead of an intersection per piece.
        let dest_intervals = intervals_of(dest);
        let rule_addrs: Vec<Option<IpSet>> = self
            .rules
            .iter()
            .map(|r| match &r.to {
                FirewallTarget::Cidr(net) => {
                    let rule = interval_of(net);
                    Some(if dest_intervals.iter().any(|d| d.overlaps(&rule)) {
                        IpSet::from_net(*net)
                    } else {
                        IpSet::new()
                    })
                }
                other => other.addresses(),
            })
            .collect();
        let mut decided = Pieces::default();
        let mut may_match = Pieces::default();
        let mut default_allowed = Pieces::default();
        for piece in partition(ports, &rule_ports) {
            let mut remaining = dest.clone();
            for (i, (rule_ports, addrs)) in rule_ports.iter().zip(&rule_addrs).enumerate() {
                if remaining.is_empty() {
                    break;
                }
                if !rule_ports.contains(piece.start()) {
                    continue;
                }
                match addrs {
                    Some(addrs) if addrs.is_empty() => {}
                    Some(addrs) => {
                        let hit = remaining.intersection(addrs);
                        if !hit.is_empty() {
                            remaining = remaining.difference(&hit);
                            decided.add(Some(i), hit, piece);
                        }
                    }
                    None => may_match.add(Some(i), remaining.clone(), piece),
                }
            }
            if !remaining.is_empty() {
                default_allowed.add(None, remaining, piece);
            }
        }
        let action = |i: usize| {
            self.rules
                .get(i)
                .map_or(FirewallAction::Allow, |r| r.action)
        };
        FirewallVerdict {
            protocol,
            decided: decided
                .into_sorted()
                .into_iter()
                .map(|(rule, region)| Decision {
                    rule,
                    action: action(rule),
                    region,
                })
                .collect(),
            may_match: may_match
                .into_sorted()
                .into_iter()
                .map(|(rule, region)| MayMatch {
                    rule,
                    action: action(rule),
                    region,
                })
                .collect(),
            default_allowed: default_allowed
                .into_sorted()
                .into_iter()
                .map(|(_, region)| region)
                .collect(),
        }
    }

    /// Allow rules that can never match because earlier Deny rules (with
    /// known addresses) cover all of their addresses on all of their ports,
    /// for every protocol. Rules of unknown addresses are never reported and
    /// never count as covering.
    ///
    /// One walk over the rules keeps, per protocol, what earlier Deny rules
    /// cover as port pieces × sorted address intervals ([`Denied`]), so each
    /// rule costs a few logarithmic lookups: a firewall of 8,000 rules (the
    /// OVN limit) is checked in milliseconds. Only shadowed Allows look back
    /// for the Deny rules that cover them.
    pub fn shadowed_allows(&self) -> Vec<Shadowed> {
        let addresses: Vec<Option<Vec<Interval>>> =
            self.rules.iter().map(|r| target_intervals(&r.to)).collect();
        let mut denied: Vec<Denied> = Protocol::ALL.iter().map(|_| Denied::new()).collect();
        let mut out = Vec::new();
        for (ci, (rule, addrs)) in self.rules.iter().zip(&addresses).enumerate() {
            let Some(addrs) = addrs else {
                continue;
            };
            match rule.action {
                FirewallAction::Deny => {
                    for (protocol, state) in Protocol::ALL.iter().zip(denied.iter_mut()) {
                        state.add(&rule.ports_for(*protocol), addrs);
                    }
                }
                FirewallAction::Allow => {
                    if addrs.is_empty() {
                        continue;
                    }
                    let shadowed = Protocol::ALL
                        .iter()
                        .zip(&denied)
                        .all(|(protocol, state)| state.covers(&rule.ports_for(*protocol), addrs));
                    if shadowed {
                        out.push(Shadowed {
                            rule: ci,
                            covered_by: self.covering_denies(ci, addrs, &addresses),
                        });
                    }
                }
            }
        }
        out
    }

    /// The Deny rules before `ci` that overlap its addresses on some of its
    /// ports.
    fn covering_denies(
        &self,
        ci: usize,
        addrs: &[Interval],
        addresses: &[Option<Vec<Interval>>],
    ) -> Vec<usize> {
        let Some(candidate) = self.rules.get(ci) else {
            return Vec::new();
        };
        self.rules
            .iter()
            .zip(addresses)
            .take(ci)
            .enumerate()
            .filter(|(_, (r, _))| r.action == FirewallAction::Deny)
            .filter(|(_, (_, a))| {
                a.as_ref()
                    .is_some_and(|a| a.iter().any(|x| addrs.iter().any(|y| x.overlaps(y))))
            })
            .filter(|(_, (r, _))| {
                Protocol::ALL.iter().any(|p| {
                    !r.ports_for(*p)
                        .intersection(&candidate.ports_for(*p))
                        .is_empty()
                })
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// An inclusive range of addresses of one family, as integers (IPv4 is kept
/// apart from IPv6 by `v6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Interval {
    v6: bool,
    start: u128,
    end: u128,
}

impl Interval {
    fn overlaps(&self, other: &Interval) -> bool {
        self.v6 == other.v6 && self.start <= other.end && other.start <= self.end
    }
}

/// The addresses of a rule's target as intervals, `None` when unknown. A
/// `cidrSelector` is one interval, read straight from the network (no
/// `IpSet` to build and split back into CIDRs).
fn target_intervals(target: &FirewallTarget) -> Option<Vec<Interval>> {
    match target {
        FirewallTarget::Cidr(net) => Some(vec![interval_of(net)]),
        FirewallTarget::DnsName(_) | FirewallTarget::Nodes(None) => None,
        FirewallTarget::Nodes(Some(set)) => Some(intervals_of(set)),
    }
}

fn intervals_of(set: &IpSet) -> Vec<Interval> {
    set.to_cidrs().iter().map(interval_of).collect()
}

/// The addresses of `net` (host bits ignored, as everywhere: `IpSet` truncates too).
fn interval_of(net: &IpNet) -> Interval {
    match net.trunc() {
        IpNet::V4(n) => Interval {
            v6: false,
            start: u128::from(u32::from(n.network())),
            end: u128::from(u32::from(n.broadcast())),
        },
        IpNet::V6(n) => Interval {
            v6: true,
            start: u128::from(n.network()),
            end: u128::from(n.broadcast()),
        },
    }
}

/// A union of address intervals, merged (overlapping and adjacent intervals
/// are one), keyed by start: insertion and containment are logarithmic.
#[derive(Clone, Debug, Default)]
struct IntervalSet {
    by_start: BTreeMap<(bool, u128), u128>,
}

impl IntervalSet {
    fn insert(&mut self, iv: Interval) {
        let (mut start, mut end) = (iv.start, iv.end);
        // The interval starting at or before `start` may overlap or touch.
        if let Some((&(v6, s), &e)) = self.by_start.range(..=(iv.v6, start)).next_back()
            && v6 == iv.v6
            && e.saturating_add(1) >= start
        {
            start = s;
            end = end.max(e);
        }
        // Swallow every interval starting inside `start..=end + 1`.
        let upper = end.saturating_add(1);
        let inside: Vec<(bool, u128)> = self
            .by_start
            .range((iv.v6, start)..=(iv.v6, upper))
            .map(|(k, _)| *k)
            .collect();
        for key in inside {
            if let Some(e) = self.by_start.remove(&key) {
                end = end.max(e);
            }
        }
        self.by_start.insert((iv.v6, start), end);
    }

    fn contains(&self, iv: &Interval) -> bool {
        self.by_start
            .range(..=(iv.v6, iv.start))
            .next_back()
            .is_some_and(|(&(v6, _), &e)| v6 == iv.v6 && e >= iv.end)
    }
}

/// What earlier Deny rules cover for one protocol: the ports split into
/// pieces on which the covered addresses are constant.
struct Denied {
    pieces: Vec<(PortRange, IntervalSet)>,
}

impl Denied {
    fn new() -> Denied {
        Denied {
            pieces: vec![(PortRange::ALL, IntervalSet::default())],
        }
    }

    /// Splits the pieces at the boundaries of `ports`.
    fn split(&mut self, ports: &PortSet) {
        if ports.ranges() == [PortRange::ALL] {
            return;
        }
        let sets = [ports.clone()];
        let mut pieces = Vec::with_capacity(self.pieces.len());
        for (range, covered) in self.pieces.drain(..) {
            for piece in partition(range, &sets) {
                pieces.push((piece, covered.clone()));
            }
        }
        self.pieces = pieces;
    }

    fn add(&mut self, ports: &PortSet, addrs: &[Interval]) {
        if ports.is_empty() {
            return;
        }
        self.split(ports);
        for (range, covered) in &mut self.pieces {
            if ports.contains(range.start()) {
                for iv in addrs {
                    covered.insert(*iv);
                }
            }
        }
    }

    /// True when every address of `addrs` is covered on every port of `ports`.
    fn covers(&self, ports: &PortSet, addrs: &[Interval]) -> bool {
        ports.ranges().iter().all(|want| {
            self.pieces
                .iter()
                .filter(|(range, _)| range.intersection(want).is_some())
                .all(|(_, covered)| addrs.iter().all(|iv| covered.contains(iv)))
        })
    }
}

/// Accumulates (rule, addresses, port piece) triples and merges the ports of
/// equal (rule, address set) keys.
#[derive(Default)]
struct Pieces {
    regions: BTreeMap<(Option<usize>, Vec<IpNet>), Region>,
}

impl Pieces {
    fn add(&mut self, rule: Option<usize>, addresses: IpSet, piece: PortRange) {
        let key = (rule, addresses.to_cidrs());
        let ports = PortSet::from(piece);
        self.regions
            .entry(key)
            .and_modify(|r| r.ports = r.ports.union(&ports))
            .or_insert(Region { addresses, ports });
    }

    /// By rule index, then by first port.
    fn into_sorted(self) -> Vec<(usize, Region)> {
        let mut out: Vec<(usize, Region)> = self
            .regions
            .into_iter()
            .map(|((rule, _), region)| (rule.unwrap_or(usize::MAX), region))
            .collect();
        out.sort_by_key(|(rule, region)| (*rule, region.ports.ranges().first().copied()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::FirewallAction::{Allow, Deny};
    use super::*;

    fn cidr(action: FirewallAction, c: &str) -> FirewallRule {
        FirewallRule::cidr(action, c.parse().unwrap())
    }

    fn with_ports(mut rule: FirewallRule, ports: &[(Protocol, u16)]) -> FirewallRule {
        rule.ports = ports
            .iter()
            .map(|&(protocol, port)| FirewallPort { protocol, port })
            .collect();
        rule
    }

    fn eval(fw: &EgressFirewall, dest: &str, port: u16) -> FirewallVerdict {
        fw.evaluate(
            &dest.parse().unwrap(),
            PortRange::single(port),
            Protocol::Tcp,
        )
    }

    fn decided(v: &FirewallVerdict) -> Vec<(usize, FirewallAction, String)> {
        v.decided
            .iter()
            .map(|d| (d.rule, d.action, d.region.addresses.to_string()))
            .collect()
    }

    #[test]
    fn deny_part_of_the_destination() {
        let fw = EgressFirewall::new(vec![cidr(Deny, "10.0.0.0/17")]);
        let v = eval(&fw, "10.0.0.0/16", 443);
        assert_eq!(decided(&v), [(0, Deny, "10.0.0.0/17".to_string())]);
        assert_eq!(v.default_allowed.len(), 1);
        assert_eq!(v.default_allowed[0].to_string(), "10.0.128.0/17 port 443");
        assert!(!v.fully_allowed());
        assert_eq!(v.denied_addresses().to_string(), "10.0.0.0/17");
    }

    #[test]
    fn first_match_wins() {
        let fw = EgressFirewall::new(vec![
            cidr(Allow, "10.0.0.0/24"),
            cidr(Deny, "10.0.0.0/16"),
            cidr(Allow, "10.0.0.0/8"),
        ]);
        let v = eval(&fw, "10.0.0.0/8", 443);
        assert_eq!(
            decided(&v),
            [
                (0, Allow, "10.0.0.0/24".to_string()),
                (
                    1,
                    Deny,
                    "10.0.1.0/24, 10.0.2.0/23, 10.0.4.0/22, 10.0.8.0/21, \
                           10.0.16.0/20, 10.0.32.0/19, 10.0.64.0/18, 10.0.128.0/17"
                        .to_string()
                ),
                (
                    2,
                    Allow,
                    "10.1.0.0/16, 10.2.0.0/15, 10.4.0.0/14, 10.8.0.0/13, \
                            10.16.0.0/12, 10.32.0.0/11, 10.64.0.0/10, 10.128.0.0/9"
                        .to_string()
                ),
            ]
        );
        assert!(v.default_allowed.is_empty());
    }

    #[test]
    fn no_rule_no_match_is_allowed() {
        let v = eval(&EgressFirewall::default(), "1.2.3.4", 443);
        assert!(v.decided.is_empty() && v.certainly_allowed());
        assert_eq!(v.default_allowed[0].addresses.to_string(), "1.2.3.4");
        let fw = EgressFirewall::new(vec![cidr(Deny, "192.168.0.0/16")]);
        assert!(eval(&fw, "1.2.3.4", 443).fully_allowed());
    }

    #[test]
    fn port_scoped_deny_does_not_match_443() {
        let fw = EgressFirewall::new(vec![with_ports(
            cidr(Deny, "0.0.0.0/0"),
            &[(Protocol::Tcp, 80), (Protocol::Udp, 443)],
        )]);
        assert!(eval(&fw, "10.0.0.0/16", 443).fully_allowed());
        let v = eval(&fw, "10.0.0.0/16", 80);
        assert_eq!(decided(&v), [(0, Deny, "10.0.0.0/16".to_string())]);
        let udp = fw.evaluate(
            &"1.2.3.4".parse().unwrap(),
            PortRange::single(443),
            Protocol::Udp,
        );
        assert!(!udp.fully_allowed());
    }

    #[test]
    fn catch_all_deny_after_allow() {
        let fw = EgressFirewall::new(vec![cidr(Allow, "10.0.0.0/16"), cidr(Deny, "0.0.0.0/0")]);
        let v = eval(&fw, "10.0.0.0/16", 443);
        assert_eq!(decided(&v), [(0, Allow, "10.0.0.0/16".to_string())]);
        assert!(v.fully_allowed());
        let v = eval(&fw, "10.0.0.0/15", 443);
        assert_eq!(
            decided(&v),
            [
                (0, Allow, "10.0.0.0/16".to_string()),
                (1, Deny, "10.1.0.0/16".to_string())
            ]
        );
        // The IPv4 catch-all does not cover IPv6.
        let v = eval(&fw, "fd00::1", 443);
        assert!(v.fully_allowed());
    }

    #[test]
    fn ipv6_rules() {
        let fw = EgressFirewall::new(vec![cidr(Deny, "fd00::/9")]);
        let v = eval(&fw, "fd00::/8, 10.0.0.1", 443);
        assert_eq!(decided(&v), [(0, Deny, "fd00::/9".to_string())]);
        assert_eq!(
            v.default_allowed[0].addresses.to_string(),
            "10.0.0.1, fd80::/9"
        );
    }

    #[test]
    fn port_range_destination_is_split_by_rule_ports() {
        let fw = EgressFirewall::new(vec![
            with_ports(cidr(Deny, "10.0.0.0/24"), &[(Protocol::Tcp, 30080)]),
            cidr(Allow, "10.0.0.0/25"),
        ]);
        let v = fw.evaluate(
            &"10.0.0.0/24".parse().unwrap(),
            PortRange::new(30000, 32767).unwrap(),
            Protocol::Tcp,
        );
        let shown: Vec<String> = v
            .decided
            .iter()
            .map(|d| format!("{} {} {}", d.rule, d.action, d.region))
            .collect();
        assert_eq!(
            shown,
            [
                "0 Deny 10.0.0.0/24 port 30080",
                "1 Allow 10.0.0.0/25 ports 30000-30079, 30081-32767",
            ]
        );
        assert_eq!(
            v.default_allowed[0].to_string(),
            "10.0.0.128/25 ports 30000-30079, 30081-32767"
        );
    }

    #[test]
    fn dns_name_may_match_and_is_not_guessed() {
        let fw = EgressFirewall::new(vec![
            FirewallRule {
                action: Allow,
                to: FirewallTarget::DnsName("peer.example.com".into()),
                ports: Vec::new(),
            },
            cidr(Deny, "0.0.0.0/0"),
        ]);
        let v = eval(&fw, "203.0.113.0/24", 443);
        assert_eq!(v.may_match.len(), 1);
        assert_eq!(v.may_match[0].rule, 0);
        assert_eq!(v.may_match[0].action, Allow);
        assert_eq!(
            v.may_match[0].region.addresses.to_string(),
            "203.0.113.0/24"
        );
        assert_eq!(decided(&v), [(1, Deny, "203.0.113.0/24".to_string())]);
        assert!(!v.certainly_allowed());
        let deny_dns = EgressFirewall::new(vec![FirewallRule {
            action: Deny,
            to: FirewallTarget::DnsName("*.example.com".into()),
            ports: Vec::new(),
        }]);
        let v = eval(&deny_dns, "203.0.113.5", 443);
        assert!(v.fully_allowed() && !v.certainly_allowed());
    }

    #[test]
    fn node_rules_known_and_unknown() {
        let nodes = FirewallRule {
            action: Deny,
            to: FirewallTarget::Nodes(Some("10.0.1.10, 10.0.1.11".parse().unwrap())),
            ports: Vec::new(),
        };
        let v = eval(&EgressFirewall::new(vec![nodes]), "10.0.1.0/24", 443);
        assert_eq!(decided(&v), [(0, Deny, "10.0.1.10/31".to_string())]);
        let unknown = FirewallRule {
            action: Deny,
            to: FirewallTarget::Nodes(None),
            ports: Vec::new(),
        };
        let v = eval(&EgressFirewall::new(vec![unknown]), "10.0.1.0/24", 443);
        assert!(v.decided.is_empty());
        assert_eq!(v.may_match[0].action, Deny);
    }

    #[test]
    fn shadowed_allow_reports_covering_denies() {
        let fw = EgressFirewall::new(vec![
            cidr(Deny, "10.0.0.0/17"),
            cidr(Deny, "10.0.128.0/17"),
            cidr(Deny, "192.168.0.0/16"),
            cidr(Allow, "10.0.0.0/16"),
            cidr(Allow, "10.1.0.0/16"),
        ]);
        assert_eq!(
            fw.shadowed_allows(),
            [Shadowed {
                rule: 3,
                covered_by: vec![0, 1]
            }]
        );
        let json = serde_json::to_string(&fw.shadowed_allows()).unwrap();
        assert_eq!(json, r#"[{"rule":3,"covered_by":[0,1]}]"#);
    }

    #[test]
    fn port_scoped_deny_shadows_only_matching_ports() {
        let deny_443 = with_ports(cidr(Deny, "0.0.0.0/0"), &[(Protocol::Tcp, 443)]);
        let allow_443 = with_ports(cidr(Allow, "10.0.0.0/16"), &[(Protocol::Tcp, 443)]);
        let allow_all = cidr(Allow, "10.0.0.0/16");
        let fw = EgressFirewall::new(vec![deny_443, allow_443, allow_all]);
        assert_eq!(
            fw.shadowed_allows(),
            [Shadowed {
                rule: 1,
                covered_by: vec![0]
            }]
        );
    }

    #[test]
    fn intervals_merge_and_contain() {
        let mut set = IntervalSet::default();
        let iv = |c: &str| intervals_of(&c.parse().unwrap());
        for c in ["10.0.0.0/25", "10.0.1.0/24", "fd00::/8", "10.0.0.128/25"] {
            for i in iv(c) {
                set.insert(i);
            }
        }
        assert_eq!(set.by_start.len(), 2);
        assert!(iv("10.0.0.0/23").iter().all(|i| set.contains(i)));
        assert!(!iv("10.0.0.0/22").iter().all(|i| set.contains(i)));
        // An IPv6 interval never covers IPv4 addresses, nor the reverse.
        assert!(!iv("0.0.0.0/32").iter().all(|i| set.contains(i)));
        assert!(iv("fd12::/16").iter().all(|i| set.contains(i)));
        let mut all = IntervalSet::default();
        for i in iv("::/0") {
            all.insert(i);
        }
        assert!(iv("ffff::/16").iter().all(|i| all.contains(i)));
    }

    #[test]
    fn many_rules_are_checked_quickly() {
        let rules: Vec<FirewallRule> = (0..8000u32)
            .map(|i| {
                let net = format!("10.{}.{}.0/24", i / 256, i % 256);
                cidr(if i % 2 == 0 { Deny } else { Allow }, &net)
            })
            .chain([cidr(Deny, "0.0.0.0/0"), cidr(Allow, "192.168.0.0/16")])
            .collect();
        let fw = EgressFirewall::new(rules);
        let start = std::time::Instant::now();
        let shadowed = fw.shadowed_allows();
        assert_eq!(
            shadowed,
            [Shadowed {
                rule: 8001,
                covered_by: vec![8000]
            }]
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn allow_after_dns_deny_is_not_reported_shadowed() {
        let fw = EgressFirewall::new(vec![
            FirewallRule {
                action: Deny,
                to: FirewallTarget::DnsName("example.com".into()),
                ports: Vec::new(),
            },
            cidr(Allow, "10.0.0.0/16"),
        ]);
        assert!(fw.shadowed_allows().is_empty());
    }
}
