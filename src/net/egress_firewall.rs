//! Egress firewall evaluation: OpenShift SDN `EgressNetworkPolicy` and
//! OVN-Kubernetes `EgressFirewall`.
//!
//! # Semantics (domain.md §6)
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
        let rule_addrs: Vec<Option<IpSet>> = self.rules.iter().map(|r| r.to.addresses()).collect();
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
    pub fn shadowed_allows(&self) -> Vec<Shadowed> {
        let mut out = Vec::new();
        for (ci, candidate) in self.rules.iter().enumerate() {
            if candidate.action != FirewallAction::Allow {
                continue;
            }
            let Some(c_addrs) = candidate.to.addresses() else {
                continue;
            };
            if c_addrs.is_empty() {
                continue;
            }
            let denies: Vec<(usize, IpSet)> = self
                .rules
                .iter()
                .take(ci)
                .enumerate()
                .filter(|(_, r)| r.action == FirewallAction::Deny)
                .filter_map(|(i, r)| r.to.addresses().map(|a| (i, a)))
                .filter(|(_, a)| a.intersects(&c_addrs))
                .collect();
            let mut covered_by: Vec<usize> = Vec::new();
            let mut shadowed = true;
            for protocol in Protocol::ALL {
                let c_ports = candidate.ports_for(protocol);
                if c_ports.is_empty() {
                    continue;
                }
                let deny_ports: Vec<PortSet> = denies
                    .iter()
                    .filter_map(|(i, _)| self.rules.get(*i))
                    .map(|r| r.ports_for(protocol))
                    .collect();
                for range in c_ports.ranges() {
                    for piece in partition(*range, &deny_ports) {
                        let covering: Vec<&(usize, IpSet)> = denies
                            .iter()
                            .zip(&deny_ports)
                            .filter(|(_, p)| p.contains(piece.start()))
                            .map(|(d, _)| d)
                            .collect();
                        let covered = covering
                            .iter()
                            .fold(IpSet::new(), |acc, (_, a)| acc.union(a));
                        if !covered.is_superset_of(&c_addrs) {
                            shadowed = false;
                        }
                        covered_by.extend(covering.iter().map(|(i, _)| *i));
                    }
                }
            }
            if shadowed {
                covered_by.sort_unstable();
                covered_by.dedup();
                out.push(Shadowed {
                    rule: ci,
                    covered_by,
                });
            }
        }
        out
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
