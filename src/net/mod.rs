//! A small, self-contained network library: address sets, label selectors,
//! ports, the Kubernetes NetworkPolicy evaluator and the OpenShift egress
//! firewall evaluator.
//!
//! # Design
//!
//! Nothing in here knows about migrations, YAML or source spans. The caller
//! converts its manifests into the plain types of these modules (keeping its
//! own spans on the side) and refers back to policies and rules by their
//! **index** in the input it handed over. Every answer names the policies and
//! rules that decided it by those indices, so a caller can print `allowed by
//! policy X rule egress[2]` or point an editor at the deciding rule.
//!
//! All results are exact and deterministic: address sets are kept as
//! sorted disjoint address ranges (via `rangemap`), port sets as sorted disjoint ranges,
//! and every list is produced in input order or sorted.
//!
//! | module | what it models | reference |
//! |---|---|---|
//! | [`ipset`] | sets of IPv4 and IPv6 addresses | — |
//! | [`selector`] | label selectors and (possibly opaque) label values | docs/domain.md §7 |
//! | [`ports`] | protocols, port ranges and sets, NetworkPolicy ports | docs/domain.md §7 |
//! | [`admin`] | AdminNetworkPolicy / BaselineAdminNetworkPolicy tiers around NetworkPolicies | docs/domain.md §7.1 |
//! | [`netpol`] | `networking.k8s.io/v1` NetworkPolicy evaluation | docs/domain.md §7, docs/model.md |
//! | [`egress_firewall`] | EgressNetworkPolicy / EgressFirewall evaluation | docs/domain.md §6 |

pub mod admin;
pub mod egress_firewall;
pub mod ipset;
pub mod netpol;
pub mod ports;
pub mod selector;

pub use egress_firewall::{
    EgressFirewall, FirewallAction, FirewallPort, FirewallRule, FirewallTarget, FirewallVerdict,
};
pub use ipset::{IpSet, IpSetParseError};
pub use netpol::{Peer, Pod, Policy, PolicySet, PolicyType, Rule};
pub use ports::{ContainerPort, PortRange, PortRef, PortSet, PortSpec, Protocol, Region};
pub use selector::{LabelSelector, LabelValue, Labels, Operator, Requirement};
