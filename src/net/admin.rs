//! AdminNetworkPolicy and BaselineAdminNetworkPolicy
//! (`policy.networking.k8s.io/v1alpha1`), as OVN-Kubernetes applies them
//! around NetworkPolicies.
//!
//! # Semantics (docs/domain.md §7.1)
//!
//! Traffic meets three tiers, in order:
//!
//! 1. **AdminNetworkPolicies** selecting the pod (`subject`), lower `priority`
//!    first; within one policy, its rules in the order written. The first
//!    rule whose peers and ports match decides: `Allow` and `Deny` are final
//!    (NetworkPolicies are never consulted), `Pass` skips the rest of the tier.
//! 2. **NetworkPolicies**, as [`super::netpol`] evaluates them, when no
//!    AdminNetworkPolicy rule decided (no match, or `Pass`) and the pod is
//!    isolated for the direction: they decide (allow, or deny by isolation).
//! 3. The **BaselineAdminNetworkPolicy** (one per cluster, named `default`),
//!    only for traffic that reached tier 2 and whose pod no NetworkPolicy
//!    isolates: its first matching rule decides (`Allow` or `Deny`); without
//!    a match the traffic is allowed.
//!
//! Subjects and `namespaces`/`pods` peers select pods by their namespace's
//! labels and their own labels. `networks` peers (egress only) match
//! addresses, pod addresses included: pods' addresses are unknown here, so a
//! `networks` peer matches a pod only when it covers every IPv4 address
//! (`0.0.0.0/0`); any narrower one *may* match and is reported as such, never
//! counted. `nodes` peers (egress only) match node addresses, which the
//! repository does not give: they may match an address, never a pod.
//! `domainNames` (experimental, Allow only) may match, never counted. Ports:
//! `portNumber`, `portRange` (inclusive), `namedPort` (resolved against the
//! destination pod's container ports, any protocol; never an external
//! address); no `ports` means every port of every protocol.
//!
//! Rules that only *may* match are listed in the answers ([`AdminVerdict`]),
//! so callers can say that an answer assumed they do not match.
//!
//! # Design
//!
//! The policies are plain data in caller order; [`AdminPolicies`] keeps the
//! evaluation order (tier, priority, caller order) and answers refer to
//! policies by their caller index ([`AdminRuleRef`]). The evaluation itself
//! lives on [`super::netpol::PolicySet`], which owns the namespace labels and
//! the NetworkPolicies: one evaluator answers for all three tiers.

use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::ipset::IpSet;
use super::netpol::{Pod, PolicyType};
use super::ports::{ContainerPort, PortRange, PortSet, Protocol, Region};
use super::selector::{LabelSelector, Labels};

/// Which of the two kinds a policy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AdminTier {
    /// `AdminNetworkPolicy`: before NetworkPolicies.
    Admin,
    /// `BaselineAdminNetworkPolicy`: after them.
    Baseline,
}

impl AdminTier {
    /// The kind's name.
    pub fn kind(self) -> &'static str {
        match self {
            AdminTier::Admin => "AdminNetworkPolicy",
            AdminTier::Baseline => "BaselineAdminNetworkPolicy",
        }
    }
}

/// A rule's `action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Action {
    Allow,
    Deny,
    /// AdminNetworkPolicy only: hand the traffic to NetworkPolicies.
    Pass,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Allow => "Allow",
            Action::Deny => "Deny",
            Action::Pass => "Pass",
        })
    }
}

/// `subject`: the pods a policy applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    /// `namespaces`: every pod of the namespaces the selector matches.
    Namespaces(LabelSelector),
    /// `pods`: pods matching `pod_selector` in namespaces matching
    /// `namespace_selector`.
    Pods {
        namespace_selector: LabelSelector,
        pod_selector: LabelSelector,
    },
}

/// One entry of a rule's `from` / `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminPeer {
    /// `namespaces`: every pod of the matching namespaces.
    Namespaces(LabelSelector),
    /// `pods`.
    Pods {
        namespace_selector: LabelSelector,
        pod_selector: LabelSelector,
    },
    /// `networks` (egress): addresses, pods' included.
    Networks(Vec<IpNet>),
    /// `nodes` (egress): the addresses of the matching nodes (unknown here).
    Nodes(LabelSelector),
    /// `domainNames` (egress, experimental): addresses unknown here.
    DomainNames(Vec<String>),
}

/// One entry of a rule's `ports`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminPort {
    /// `portNumber` / `portRange`: `start..=end` of one protocol.
    Range {
        protocol: Protocol,
        start: u16,
        end: u16,
    },
    /// `namedPort`: the destination pod's container ports of that name.
    Named(String),
}

impl AdminPort {
    /// The ports of `protocol` this entry admits at a destination whose
    /// container ports are `dest` (`None`: an external address).
    pub fn resolve(&self, protocol: Protocol, dest: Option<&[ContainerPort]>) -> PortSet {
        match self {
            AdminPort::Range {
                protocol: p,
                start,
                end,
            } if *p == protocol => PortRange::new(*start, *end)
                .map(PortSet::from)
                .unwrap_or_default(),
            AdminPort::Range { .. } => PortSet::new(),
            AdminPort::Named(name) => dest
                .unwrap_or_default()
                .iter()
                .filter(|cp| cp.protocol == protocol && cp.name.as_deref() == Some(name.as_str()))
                .map(|cp| PortRange::single(cp.port))
                .collect(),
        }
    }
}

/// One ingress or egress rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminRule {
    /// `name` (optional in the API; empty when not written).
    pub name: String,
    pub action: Action,
    /// `from` / `to` (at least one in a valid policy).
    pub peers: Vec<AdminPeer>,
    /// `ports`; `None` when not written (every port of every protocol).
    pub ports: Option<Vec<AdminPort>>,
}

impl AdminRule {
    /// The ports of `protocol` the rule admits at the destination.
    pub fn port_set(&self, protocol: Protocol, dest: Option<&[ContainerPort]>) -> PortSet {
        match &self.ports {
            None => PortSet::all(),
            Some(ports) => ports
                .iter()
                .map(|p| p.resolve(protocol, dest))
                .fold(PortSet::new(), |acc, s| acc.union(&s)),
        }
    }
}

/// An AdminNetworkPolicy or BaselineAdminNetworkPolicy, as plain data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminPolicy {
    pub name: String,
    pub tier: AdminTier,
    /// `spec.priority` (0 for a BaselineAdminNetworkPolicy).
    pub priority: u32,
    pub subject: Subject,
    pub ingress: Vec<AdminRule>,
    pub egress: Vec<AdminRule>,
}

impl AdminPolicy {
    /// The rules of one direction.
    pub fn rules(&self, direction: PolicyType) -> &[AdminRule] {
        match direction {
            PolicyType::Ingress => &self.ingress,
            PolicyType::Egress => &self.egress,
        }
    }

    /// `AdminNetworkPolicy `name` (priority N)` / `BaselineAdminNetworkPolicy `default``.
    pub fn describe(&self) -> String {
        match self.tier {
            AdminTier::Admin => format!(
                "AdminNetworkPolicy `{}` (priority {})",
                self.name, self.priority
            ),
            AdminTier::Baseline => format!("BaselineAdminNetworkPolicy `{}`", self.name),
        }
    }
}

/// The admin policies of a cluster, with their evaluation order.
#[derive(Clone, Debug, Default)]
pub struct AdminPolicies {
    policies: Vec<AdminPolicy>,
    /// Indices into `policies`: ANPs by (priority, caller order), then BANPs.
    order: Vec<usize>,
}

impl AdminPolicies {
    /// Keeps `policies` in this order (answers refer to these indices).
    pub fn new(policies: Vec<AdminPolicy>) -> AdminPolicies {
        let mut order: Vec<usize> = (0..policies.len()).collect();
        order.sort_by_key(|&i| {
            policies.get(i).map(|p| (p.tier, p.priority, i)).unwrap_or((
                AdminTier::Baseline,
                u32::MAX,
                i,
            ))
        });
        AdminPolicies { policies, order }
    }

    pub fn policies(&self) -> &[AdminPolicy] {
        &self.policies
    }

    pub fn policy(&self, index: usize) -> Option<&AdminPolicy> {
        self.policies.get(index)
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// The policies of `tier` in evaluation order, with their indices.
    pub fn in_order(&self, tier: AdminTier) -> impl Iterator<Item = (usize, &AdminPolicy)> + '_ {
        self.order
            .iter()
            .filter_map(|&i| Some((i, self.policies.get(i)?)))
            .filter(move |(_, p)| p.tier == tier)
    }

    /// `AdminNetworkPolicy `x` (priority 5) egress[2] "name"`, for messages.
    pub fn describe_rule(&self, rule: &AdminRuleRef) -> String {
        let Some(policy) = self.policies.get(rule.policy) else {
            return format!("admin policy #{}", rule.policy);
        };
        let mut s = format!(
            "{} {}[{}]",
            policy.describe(),
            rule.direction.field(),
            rule.rule
        );
        if let Some(r) = policy.rules(rule.direction).get(rule.rule)
            && !r.name.is_empty()
        {
            s.push_str(&format!(" `{}`", r.name));
        }
        s
    }
}

/// Whether a subject selects a pod, given its namespace's labels.
pub fn subject_selects(subject: &Subject, namespace_labels: &Labels, pod: &Pod) -> bool {
    match subject {
        Subject::Namespaces(sel) => sel.matches(namespace_labels),
        Subject::Pods {
            namespace_selector,
            pod_selector,
        } => namespace_selector.matches(namespace_labels) && pod_selector.matches(&pod.labels),
    }
}

/// Whether a peer matches something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerMatch {
    Yes,
    No,
    /// Depends on addresses the repository does not give (node or pod
    /// addresses, domain names).
    Unknown,
}

/// Whether `peer` matches the pod `remote` (with its namespace's labels).
pub fn peer_matches_pod(peer: &AdminPeer, namespace_labels: &Labels, remote: &Pod) -> PeerMatch {
    match peer {
        AdminPeer::Namespaces(sel) => bool_match(sel.matches(namespace_labels)),
        AdminPeer::Pods {
            namespace_selector,
            pod_selector,
        } => bool_match(
            namespace_selector.matches(namespace_labels) && pod_selector.matches(&remote.labels),
        ),
        AdminPeer::Networks(nets) => {
            let set = IpSet::from_nets(nets.iter().copied());
            if set.is_superset_of(&IpSet::all_v4()) {
                PeerMatch::Yes
            } else {
                PeerMatch::Unknown
            }
        }
        // Pods are not nodes (host-networked pods are outside the model).
        AdminPeer::Nodes(_) => PeerMatch::No,
        AdminPeer::DomainNames(_) => PeerMatch::No,
    }
}

fn bool_match(b: bool) -> PeerMatch {
    if b { PeerMatch::Yes } else { PeerMatch::No }
}

/// The addresses a peer surely matches, and whether it may match more.
pub fn peer_addresses(peer: &AdminPeer) -> (IpSet, bool) {
    match peer {
        AdminPeer::Networks(nets) => (IpSet::from_nets(nets.iter().copied()), false),
        AdminPeer::Nodes(_) | AdminPeer::DomainNames(_) => (IpSet::new(), true),
        AdminPeer::Namespaces(_) | AdminPeer::Pods { .. } => (IpSet::new(), false),
    }
}

/// One rule of one admin policy, with the peers that matched.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AdminRuleRef {
    /// Index of the policy in [`AdminPolicies`].
    pub policy: usize,
    pub direction: PolicyType,
    /// Index of the rule in that list.
    pub rule: usize,
    /// Indices of the matching entries of `from`/`to`.
    pub peers: Vec<usize>,
}

/// A rule that decided (part of) the traffic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdminMatch {
    pub rule: AdminRuleRef,
    pub tier: AdminTier,
    pub action: Action,
}

/// The layer that decided a verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Layer {
    /// An AdminNetworkPolicy rule (`Allow` or `Deny`).
    AdminNetworkPolicy,
    /// NetworkPolicies (an allowing rule, or isolation without one).
    NetworkPolicy,
    /// A BaselineAdminNetworkPolicy rule.
    BaselineAdminNetworkPolicy,
    /// Nothing: no policy of any tier applies, so it is allowed.
    #[default]
    None,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::AdminNetworkPolicy => "AdminNetworkPolicy",
            Layer::NetworkPolicy => "NetworkPolicy",
            Layer::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
            Layer::None => "none",
        })
    }
}

/// The admin tiers' part of a pod-to-pod answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AdminVerdict {
    /// Which layer decided.
    pub layer: Layer,
    /// The AdminNetworkPolicy rule that matched first (`Allow`/`Deny`
    /// decided, `Pass` handed over to NetworkPolicies).
    pub admin: Option<AdminMatch>,
    /// The BaselineAdminNetworkPolicy rule that decided.
    pub baseline: Option<AdminMatch>,
    /// Rules met before the decision that may match (unknown addresses) and
    /// were taken as not matching.
    pub may_match: Vec<AdminRuleRef>,
}

impl AdminVerdict {
    /// The answer when no admin policy exists: NetworkPolicies decide when
    /// they isolate, else nothing does.
    pub fn plain(isolated: bool) -> AdminVerdict {
        AdminVerdict {
            layer: if isolated {
                Layer::NetworkPolicy
            } else {
                Layer::None
            },
            ..AdminVerdict::default()
        }
    }

    /// The admin rule that denied the traffic, if one did.
    pub fn denied_by(&self) -> Option<&AdminMatch> {
        match self.layer {
            Layer::AdminNetworkPolicy => self.admin.as_ref(),
            Layer::BaselineAdminNetworkPolicy => self.baseline.as_ref(),
            Layer::NetworkPolicy | Layer::None => None,
        }
        .filter(|m| m.action == Action::Deny)
    }
}

/// What one admin rule decided of an external query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdminGrant {
    pub decision: AdminMatch,
    pub region: Region,
}

/// Groups `(key, addresses, ports)` pieces into regions: one per key and
/// distinct address set, ports merged, in first-seen order.
struct Regions<K> {
    items: Vec<(K, Region)>,
}

impl<K: PartialEq> Regions<K> {
    fn new() -> Self {
        Regions { items: Vec::new() }
    }

    fn add(&mut self, key: K, addresses: IpSet, piece: PortRange) {
        if addresses.is_empty() {
            return;
        }
        match self
            .items
            .iter_mut()
            .find(|(k, r)| *k == key && r.addresses == addresses)
        {
            Some((_, region)) => region.ports = region.ports.union(&PortSet::from(piece)),
            None => self.items.push((
                key,
                Region {
                    addresses,
                    ports: PortSet::from(piece),
                },
            )),
        }
    }
}

/// An admin rule applicable to one external query.
struct Candidate<'p> {
    policy: usize,
    index: usize,
    rule: &'p AdminRule,
    tier: AdminTier,
    ports: PortSet,
    /// The query's addresses its peers surely match, and which peers.
    addresses: IpSet,
    peers: Vec<usize>,
}

impl<'p> Candidate<'p> {
    fn decision(&self, direction: PolicyType) -> AdminMatch {
        AdminMatch {
            rule: AdminRuleRef {
                policy: self.policy,
                direction,
                rule: self.index,
                peers: self.peers.clone(),
            },
            tier: self.tier,
            action: self.action(),
        }
    }

    fn action(&self) -> Action {
        self.rule.action
    }
}

use super::netpol::{ExternalVerdict, Grant, PolicySet, RuleRef, Verdict};
use super::ports::{partition, rule_ports};

impl PolicySet {
    /// The admin policies (AdminNetworkPolicies and the baseline).
    pub fn admin(&self) -> &AdminPolicies {
        &self.admin
    }

    /// True when some admin policy of either tier selects `pod` and has rules
    /// for `direction`.
    pub fn admin_applies(&self, pod: &Pod, direction: PolicyType) -> bool {
        let labels = self.namespace_labels(&pod.namespace);
        self.admin
            .policies()
            .iter()
            .any(|p| !p.rules(direction).is_empty() && subject_selects(&p.subject, &labels, pod))
    }

    /// The first rule of `tier` (in evaluation order) that matches the pod
    /// connection, and the rules before it that may match.
    #[allow(clippy::too_many_arguments)]
    fn admin_pod_match(
        &self,
        tier: AdminTier,
        direction: PolicyType,
        subject: &Pod,
        remote: &Pod,
        dest_ports: &[ContainerPort],
        port: u16,
        protocol: Protocol,
    ) -> (Option<AdminMatch>, Vec<AdminRuleRef>) {
        let subject_labels = self.namespace_labels(&subject.namespace);
        let remote_labels = self.namespace_labels(&remote.namespace);
        let mut may_match = Vec::new();
        for (pi, policy) in self.admin.in_order(tier) {
            if !subject_selects(&policy.subject, &subject_labels, subject) {
                continue;
            }
            for (ri, rule) in policy.rules(direction).iter().enumerate() {
                if !rule.port_set(protocol, Some(dest_ports)).contains(port) {
                    continue;
                }
                let mut peers = Vec::new();
                let mut unknown = Vec::new();
                for (i, peer) in rule.peers.iter().enumerate() {
                    match peer_matches_pod(peer, &remote_labels, remote) {
                        PeerMatch::Yes => peers.push(i),
                        PeerMatch::Unknown => unknown.push(i),
                        PeerMatch::No => {}
                    }
                }
                let reference = |peers: Vec<usize>| AdminRuleRef {
                    policy: pi,
                    direction,
                    rule: ri,
                    peers,
                };
                if !peers.is_empty() {
                    return (
                        Some(AdminMatch {
                            rule: reference(peers),
                            tier,
                            action: rule.action,
                        }),
                        may_match,
                    );
                }
                if !unknown.is_empty() {
                    may_match.push(reference(unknown));
                }
            }
        }
        (None, may_match)
    }

    /// The three tiers around a pod-to-pod NetworkPolicy answer: `np_allowed`
    /// is what NetworkPolicies alone say, `isolated` whether they isolate.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn admin_pod_verdict(
        &self,
        direction: PolicyType,
        subject: &Pod,
        remote: &Pod,
        dest_ports: &[ContainerPort],
        port: u16,
        protocol: Protocol,
        isolated: bool,
        np_allowed: bool,
    ) -> (bool, AdminVerdict) {
        let (admin, mut may_match) = self.admin_pod_match(
            AdminTier::Admin,
            direction,
            subject,
            remote,
            dest_ports,
            port,
            protocol,
        );
        if let Some(m) = admin.as_ref().filter(|m| m.action != Action::Pass) {
            return (
                m.action == Action::Allow,
                AdminVerdict {
                    layer: Layer::AdminNetworkPolicy,
                    admin: admin.clone(),
                    baseline: None,
                    may_match,
                },
            );
        }
        if isolated {
            return (
                np_allowed,
                AdminVerdict {
                    layer: Layer::NetworkPolicy,
                    admin,
                    baseline: None,
                    may_match,
                },
            );
        }
        let (baseline, more) = self.admin_pod_match(
            AdminTier::Baseline,
            direction,
            subject,
            remote,
            dest_ports,
            port,
            protocol,
        );
        may_match.extend(more);
        let (allowed, layer) = match &baseline {
            Some(m) => (m.action == Action::Allow, Layer::BaselineAdminNetworkPolicy),
            None => (true, Layer::None),
        };
        (
            allowed,
            AdminVerdict {
                layer,
                admin,
                baseline,
                may_match,
            },
        )
    }

    /// The admin rules of `tier` selecting `subject`, in evaluation order,
    /// that admit part of the external query.
    #[allow(clippy::too_many_arguments)]
    fn admin_candidates(
        &self,
        tier: AdminTier,
        direction: PolicyType,
        subject: &Pod,
        remote: &IpSet,
        query: &PortSet,
        protocol: Protocol,
        dest_ports: Option<&[ContainerPort]>,
        may_match: &mut Vec<AdminRuleRef>,
    ) -> Vec<Candidate<'_>> {
        let labels = self.namespace_labels(&subject.namespace);
        let mut out = Vec::new();
        for (pi, policy) in self.admin.in_order(tier) {
            if !subject_selects(&policy.subject, &labels, subject) {
                continue;
            }
            for (ri, rule) in policy.rules(direction).iter().enumerate() {
                let ports = rule.port_set(protocol, dest_ports).intersection(query);
                if ports.is_empty() {
                    continue;
                }
                let mut addresses = IpSet::new();
                let mut peers = Vec::new();
                let mut unknown = Vec::new();
                for (i, peer) in rule.peers.iter().enumerate() {
                    let (sure, may) = peer_addresses(peer);
                    let hit = sure.intersection(remote);
                    if !hit.is_empty() {
                        addresses = addresses.union(&hit);
                        peers.push(i);
                    }
                    if may {
                        unknown.push(i);
                    }
                }
                if !unknown.is_empty() {
                    may_match.push(AdminRuleRef {
                        policy: pi,
                        direction,
                        rule: ri,
                        peers: unknown,
                    });
                }
                if addresses.is_empty() {
                    continue;
                }
                out.push(Candidate {
                    policy: pi,
                    index: ri,
                    rule,
                    tier,
                    ports,
                    addresses,
                    peers,
                });
            }
        }
        out
    }

    /// Traffic between `subject` and external addresses through the three
    /// tiers, exactly over address × port regions.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn tiered_external(
        &self,
        direction: PolicyType,
        subject: &Pod,
        remote: &IpSet,
        ports: PortRange,
        protocol: Protocol,
        dest_ports: Option<&[ContainerPort]>,
        isolating: Vec<usize>,
    ) -> ExternalVerdict {
        let query = PortSet::from(ports);
        let mut may_match = Vec::new();
        let anp = self.admin_candidates(
            AdminTier::Admin,
            direction,
            subject,
            remote,
            &query,
            protocol,
            dest_ports,
            &mut may_match,
        );
        let banp = if isolating.is_empty() {
            self.admin_candidates(
                AdminTier::Baseline,
                direction,
                subject,
                remote,
                &query,
                protocol,
                dest_ports,
                &mut may_match,
            )
        } else {
            Vec::new()
        };
        // The NetworkPolicy rules of the isolating policies, with what they
        // admit of the query.
        let mut np: Vec<(RuleRef, PortSet, IpSet)> = Vec::new();
        for &pi in &isolating {
            let Some(policy) = self.policy(pi) else {
                continue;
            };
            for (ri, rule) in policy.rules(direction).iter().enumerate() {
                let admitted = rule_ports(&rule.ports, protocol, dest_ports).intersection(&query);
                if admitted.is_empty() {
                    continue;
                }
                let (addresses, peers) = rule.admitted_addresses(remote);
                if addresses.is_empty() {
                    continue;
                }
                np.push((
                    RuleRef {
                        policy: pi,
                        direction,
                        rule: ri,
                        peers,
                    },
                    admitted,
                    addresses,
                ));
            }
        }
        let sets = anp
            .iter()
            .map(|c| &c.ports)
            .chain(banp.iter().map(|c| &c.ports))
            .chain(np.iter().map(|(_, p, _)| p));
        let mut admin: Regions<AdminMatch> = Regions::new();
        let mut grants: Regions<RuleRef> = Regions::new();
        let mut denied: Regions<()> = Regions::new();
        let mut policy_denied: Regions<()> = Regions::new();
        for piece in partition(ports, sets) {
            let (undecided, passed) = run_tier(
                direction,
                &anp,
                piece,
                remote.clone(),
                &mut admin,
                &mut denied,
            );
            let to_np = undecided.union(&passed);
            if to_np.is_empty() {
                continue;
            }
            if isolating.is_empty() {
                run_tier(direction, &banp, piece, to_np, &mut admin, &mut denied);
                continue;
            }
            let mut covered = IpSet::new();
            for (rule, admitted, addresses) in &np {
                if !admitted.contains(piece.start()) {
                    continue;
                }
                let hit = addresses.intersection(&to_np);
                covered = covered.union(&hit);
                grants.add(rule.clone(), hit, piece);
            }
            let rest = to_np.difference(&covered);
            denied.add((), rest.clone(), piece);
            policy_denied.add((), rest, piece);
        }
        let mut grants: Vec<Grant> = grants
            .items
            .into_iter()
            .map(|(rule, region)| Grant { rule, region })
            .collect();
        grants.sort_by_key(|a| (a.rule.policy, a.rule.rule));
        let denied: Vec<Region> = denied.items.into_iter().map(|(_, r)| r).collect();
        may_match.sort();
        may_match.dedup();
        ExternalVerdict {
            direction,
            protocol,
            allowed: denied.is_empty(),
            isolating,
            grants,
            denied,
            policy_denied: policy_denied.items.into_iter().map(|(_, r)| r).collect(),
            admin: admin
                .items
                .into_iter()
                .map(|(decision, region)| AdminGrant { decision, region })
                .collect(),
            may_match,
        }
    }
}

/// One tier over one port piece: each candidate in order takes what is still
/// undecided of its addresses. Returns what stays undecided and what was
/// passed on (`Pass`).
fn run_tier(
    direction: PolicyType,
    candidates: &[Candidate<'_>],
    piece: PortRange,
    mut undecided: IpSet,
    admin: &mut Regions<AdminMatch>,
    denied: &mut Regions<()>,
) -> (IpSet, IpSet) {
    let mut passed = IpSet::new();
    for c in candidates
        .iter()
        .filter(|c| c.ports.contains(piece.start()))
    {
        let hit = undecided.intersection(&c.addresses);
        if hit.is_empty() {
            continue;
        }
        undecided = undecided.difference(&hit);
        admin.add(c.decision(direction), hit.clone(), piece);
        match c.action() {
            Action::Allow => {}
            Action::Deny => denied.add((), hit, piece),
            Action::Pass => passed = passed.union(&hit),
        }
    }
    (undecided, passed)
}

/// Pod-to-pod verdicts carry the admin tiers' answer.
impl Verdict {
    /// The admin rule that denied it, if one did.
    pub fn denied_by_admin(&self) -> Option<&AdminMatch> {
        if self.allowed {
            None
        } else {
            self.admin.denied_by()
        }
    }

    /// True when NetworkPolicy isolation denied it (not an admin rule).
    pub fn denied_by_policies(&self) -> bool {
        !self.allowed && self.admin.layer == Layer::NetworkPolicy
    }
}
