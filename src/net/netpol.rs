//! A `networking.k8s.io/v1` NetworkPolicy evaluator.
//!
//! # Semantics (docs/domain.md §7, docs/model.md)
//!
//! * A policy applies only to pods in its own namespace that its
//!   `podSelector` matches (`{}` matches all of them).
//! * **policyTypes defaulting**: when `policyTypes` is absent (or empty, which
//!   the API server defaults the same way) it is `Ingress`, plus `Egress` only
//!   when the `egress` list is non-empty. So `egress: []` without
//!   `policyTypes` does *not* isolate egress.
//! * A pod is **isolated** for a direction when at least one policy selecting
//!   it has that direction. An unisolated pod allows everything.
//! * An isolated pod allows exactly the **union** of the rules (of that
//!   direction) of every policy selecting it: there is no order and no deny.
//!   An empty or missing rule list allows nothing.
//! * A rule allows traffic matching one of its peers (ORed) **and** one of its
//!   ports. Missing or empty peers mean every peer (including every external
//!   address); missing or empty ports mean every port of every protocol.
//! * Within one pod peer, `podSelector` and `namespaceSelector` are ANDed. A
//!   peer with only a `podSelector` means the policy's own namespace;
//!   `namespaceSelector: {}` means every namespace. A peer with neither is
//!   rejected by the API server; it matches nothing here.
//! * An `ipBlock` peer (`cidr` minus `except`) matches IP addresses only.
//!   Pods are identified by namespace and labels, not by IP, so an `ipBlock`
//!   never matches a pod here, and pod peers never match an external address.
//! * Namespace labels are those the caller supplies plus the automatic
//!   `kubernetes.io/metadata.name: <namespace>`, which always wins (the API
//!   server sets it and makes it immutable).
//! * Ports: see [`crate::net::ports`]; named ports resolve against the
//!   destination pod's container ports and never match external destinations.
//!
//! # Design
//!
//! [`PolicySet`] owns the policies in the caller's order and indexes them by
//! namespace, so a query touches only the policies of the pod's namespace.
//! Every answer refers to policies and rules by their indices in that order
//! ([`RuleRef`]), never copies them, so the caller can map them back to its
//! own source spans. External-address questions are answered exactly over
//! address × port regions: the query's port range is partitioned
//! ([`crate::net::ports::partition`]) into pieces on which the set of
//! applicable rules is constant, and each piece is one [`IpSet`] computation.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::admin::{AdminGrant, AdminPolicies, AdminRuleRef, AdminVerdict};
use super::ipset::IpSet;
use super::ports::{
    ContainerPort, PortRange, PortSet, PortSpec, Protocol, Region, partition, rule_ports,
};
use super::selector::{LabelSelector, LabelValue, Labels};

/// The label every namespace carries with its own name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// A policy type, which is also the direction of traffic relative to the
/// selected pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PolicyType {
    /// Traffic arriving at the pod.
    Ingress,
    /// Traffic leaving the pod.
    Egress,
}

impl PolicyType {
    /// `ingress` or `egress`, as the field is named in a policy.
    pub fn field(self) -> &'static str {
        match self {
            PolicyType::Ingress => "ingress",
            PolicyType::Egress => "egress",
        }
    }

    /// `from` or `to`, as the peer list is named in a rule.
    pub fn peer_field(self) -> &'static str {
        match self {
            PolicyType::Ingress => "from",
            PolicyType::Egress => "to",
        }
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyType::Ingress => "Ingress",
            PolicyType::Egress => "Egress",
        })
    }
}

/// One entry of a rule's `from` or `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Peer {
    /// A `podSelector` and/or `namespaceSelector` peer.
    Pods {
        /// `podSelector`; `None` means every pod of the selected namespaces.
        pod_selector: Option<LabelSelector>,
        /// `namespaceSelector`; `None` means the policy's own namespace.
        namespace_selector: Option<LabelSelector>,
    },
    /// An `ipBlock` peer.
    IpBlock {
        /// `cidr`.
        cidr: IpNet,
        /// `except`.
        except: Vec<IpNet>,
    },
}

impl Peer {
    /// `{podSelector: sel}` (the policy's namespace).
    pub fn pods(pod_selector: LabelSelector) -> Peer {
        Peer::Pods {
            pod_selector: Some(pod_selector),
            namespace_selector: None,
        }
    }

    /// `{namespaceSelector: sel}` (every pod of those namespaces).
    pub fn namespaces(namespace_selector: LabelSelector) -> Peer {
        Peer::Pods {
            pod_selector: None,
            namespace_selector: Some(namespace_selector),
        }
    }

    /// `{ipBlock: {cidr, except}}`.
    pub fn ip_block(cidr: IpNet, except: Vec<IpNet>) -> Peer {
        Peer::IpBlock { cidr, except }
    }

    /// The addresses an `ipBlock` peer matches (`cidr` minus `except`);
    /// `None` for a pod peer.
    pub fn addresses(&self) -> Option<IpSet> {
        match self {
            Peer::IpBlock { cidr, except } => {
                Some(IpSet::from_net(*cidr).difference(&except.iter().copied().collect()))
            }
            Peer::Pods { .. } => None,
        }
    }
}

/// One ingress or egress rule: peers AND ports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// `from` / `to`; empty means every peer.
    pub peers: Vec<Peer>,
    /// `ports`; empty means every port of every protocol.
    pub ports: Vec<PortSpec>,
}

impl Rule {
    /// `{}`: allows everything.
    pub fn allow_all() -> Rule {
        Rule::default()
    }

    /// The part of the external addresses `remote` this rule's peers admit,
    /// and the indices of the peers that admit some of it (a rule without
    /// peers admits all of `remote`, naming no peer).
    pub fn admitted_addresses(&self, remote: &IpSet) -> (IpSet, Vec<usize>) {
        if self.peers.is_empty() {
            return (remote.clone(), Vec::new());
        }
        let mut addresses = IpSet::new();
        let mut peers = Vec::new();
        for (i, peer) in self.peers.iter().enumerate() {
            let Some(block) = peer.addresses() else {
                continue;
            };
            let hit = block.intersection(remote);
            if !hit.is_empty() {
                addresses = addresses.union(&hit);
                peers.push(i);
            }
        }
        (addresses, peers)
    }
}

/// A NetworkPolicy, as plain data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `spec.podSelector` (`{}` when omitted).
    pub pod_selector: LabelSelector,
    /// `spec.policyTypes` as written; `None` when omitted.
    pub policy_types: Option<Vec<PolicyType>>,
    /// `spec.ingress` (empty when omitted). Shared: the network model
    /// copies a policy into every namespace it applies in, and a
    /// NetworkPolicy's view keeps one too (docs/performance.md).
    pub ingress: Arc<[Rule]>,
    /// `spec.egress` (empty when omitted), shared likewise.
    pub egress: Arc<[Rule]>,
}

impl Policy {
    /// A policy selecting every pod of `namespace`, with nothing else set.
    pub fn new(namespace: &str, name: &str) -> Policy {
        Policy {
            name: name.to_string(),
            namespace: namespace.to_string(),
            pod_selector: LabelSelector::everything(),
            policy_types: None,
            ingress: Arc::from([]),
            egress: Arc::from([]),
        }
    }

    /// True when the policy, after defaulting, has policy type `direction`.
    pub fn has_type(&self, direction: PolicyType) -> bool {
        match self.policy_types.as_deref() {
            Some(types) if !types.is_empty() => types.contains(&direction),
            _ => match direction {
                PolicyType::Ingress => true,
                PolicyType::Egress => !self.egress.is_empty(),
            },
        }
    }

    /// The policy types after defaulting, Ingress first.
    pub fn effective_types(&self) -> Vec<PolicyType> {
        [PolicyType::Ingress, PolicyType::Egress]
            .into_iter()
            .filter(|d| self.has_type(*d))
            .collect()
    }

    /// The rules of one direction.
    pub fn rules(&self, direction: PolicyType) -> &[Rule] {
        match direction {
            PolicyType::Ingress => &self.ingress,
            PolicyType::Egress => &self.egress,
        }
    }
}

/// `policy` in `namespace`: itself, shared, when it is there already (a
/// policy with a namespace of its own), else a copy that differs only by it
/// (an unbound policy entered in each namespace it applies in; its rules
/// stay shared).
pub fn in_namespace(policy: &Arc<Policy>, namespace: &str) -> Arc<Policy> {
    if policy.namespace == namespace {
        Arc::clone(policy)
    } else {
        Arc::new(Policy {
            namespace: namespace.to_owned(),
            ..Policy::clone(policy)
        })
    }
}

/// A pod as the evaluator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pod {
    /// Its namespace.
    pub namespace: String,
    /// Its labels (values may be opaque). Shared: the rules synthesise the
    /// same rsync and DNS pods for every migrated namespace, with the same
    /// labels (`model::rsync_pods`), and building those maps afresh was a
    /// tenth of a NetworkPolicy edit's time in the language server at
    /// 100,000 files (docs/performance.md).
    pub labels: Arc<Labels>,
    /// Its container ports, against which named ports resolve.
    pub ports: Vec<ContainerPort>,
}

impl Pod {
    /// A pod without container ports.
    pub fn new(namespace: &str, labels: Labels) -> Pod {
        Pod {
            namespace: namespace.to_string(),
            labels: Arc::new(labels),
            ports: Vec::new(),
        }
    }
}

/// A reference to one rule of one policy, with the peers that matched.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RuleRef {
    /// Index of the policy in the [`PolicySet`].
    pub policy: usize,
    /// Which rule list.
    pub direction: PolicyType,
    /// Index of the rule in that list.
    pub rule: usize,
    /// Indices of the matching entries of the rule's `from`/`to`; empty when
    /// the rule has no peers (and so matches every peer).
    pub peers: Vec<usize>,
}

/// Which policies select a pod, and whether it is isolated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Selection {
    /// Every policy selecting the pod, in input order.
    pub policies: Vec<usize>,
    /// The selecting policies with type Ingress.
    pub ingress: Vec<usize>,
    /// The selecting policies with type Egress.
    pub egress: Vec<usize>,
}

impl Selection {
    /// The selecting policies of one direction.
    pub fn isolating(&self, direction: PolicyType) -> &[usize] {
        match direction {
            PolicyType::Ingress => &self.ingress,
            PolicyType::Egress => &self.egress,
        }
    }

    /// True when the pod is isolated for `direction`.
    pub fn is_isolated(&self, direction: PolicyType) -> bool {
        !self.isolating(direction).is_empty()
    }
}

/// The answer for one direction of traffic between two pods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The direction evaluated (relative to the selected pod).
    pub direction: PolicyType,
    /// True when the traffic is allowed.
    pub allowed: bool,
    /// Policies isolating the pod for this direction, in input order; empty
    /// when the pod is not isolated (and so everything is allowed).
    pub isolating: Vec<usize>,
    /// Every rule allowing the traffic, in input order.
    pub allowed_by: Vec<RuleRef>,
    /// What the AdminNetworkPolicy tiers say, and which layer decided.
    pub admin: AdminVerdict,
}

impl Verdict {
    /// True when the pod is isolated for this direction.
    pub fn isolated(&self) -> bool {
        !self.isolating.is_empty()
    }
}

/// Both halves of a pod-to-pod connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Connection {
    /// True when egress from the client and ingress to the server both allow it.
    pub allowed: bool,
    /// Egress from the client pod.
    pub egress: Verdict,
    /// Ingress to the server pod.
    pub ingress: Verdict,
}

/// What one rule allows of an external query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// The rule (with the peers that contributed addresses).
    pub rule: RuleRef,
    /// The part of the query it allows.
    pub region: Region,
}

/// The answer for traffic between a pod and external addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExternalVerdict {
    /// The direction evaluated (relative to the pod).
    pub direction: PolicyType,
    /// The protocol asked about.
    pub protocol: Protocol,
    /// True when **all** of the query is allowed.
    pub allowed: bool,
    /// Policies isolating the pod for this direction; empty when unisolated.
    pub isolating: Vec<usize>,
    /// What each rule allows of the query, in input order; rules allowing
    /// none of it are left out.
    pub grants: Vec<Grant>,
    /// The parts of the query denied by any tier, ordered by port; empty
    /// when `allowed`.
    pub denied: Vec<Region>,
    /// The parts denied by NetworkPolicy isolation (no admin rule decided
    /// them and no NetworkPolicy rule allows them); equal to `denied` when no
    /// admin policy applies.
    pub policy_denied: Vec<Region>,
    /// What each AdminNetworkPolicy / BaselineAdminNetworkPolicy rule decided
    /// of the query (Allow, Deny or Pass), in evaluation order.
    pub admin: Vec<AdminGrant>,
    /// Admin rules that may match part of the query (their addresses are
    /// unknown) and were taken as not matching.
    pub may_match: Vec<AdminRuleRef>,
}

impl ExternalVerdict {
    /// True when the pod is isolated for this direction.
    pub fn isolated(&self) -> bool {
        !self.isolating.is_empty()
    }

    /// True when some, but not all, of the query is allowed.
    pub fn partially_allowed(&self) -> bool {
        !self.allowed && !self.grants.is_empty()
    }

    /// True when the denied regions cover all of `addresses` × `ports` (the
    /// query this verdict answers): nothing of it gets through.
    pub fn denies_all(&self, addresses: &IpSet, ports: PortRange) -> bool {
        partition(ports, self.denied.iter().map(|r| &r.ports))
            .into_iter()
            .all(|piece| {
                let denied = self
                    .denied
                    .iter()
                    .filter(|r| r.ports.contains(piece.start()))
                    .fold(IpSet::new(), |acc, r| acc.union(&r.addresses));
                denied.is_superset_of(addresses)
            })
    }

    /// Every address denied on at least one port.
    pub fn denied_addresses(&self) -> IpSet {
        self.denied
            .iter()
            .fold(IpSet::new(), |acc, r| acc.union(&r.addresses))
    }
}

/// Whether an egress-isolated pod could reach any address outside the
/// cluster at all, for use when the destination is unknown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutsideReach {
    /// True when some address outside the cluster may be reachable: the pod
    /// is not egress-isolated, or one of `rules` exists.
    pub possible: bool,
    /// Policies isolating the pod for egress.
    pub isolating: Vec<usize>,
    /// Egress rules with an `ipBlock` peer or no peers at all, whose ports
    /// admit part of the asked range.
    pub rules: Vec<RuleRef>,
}

/// The policies of a cluster, indexed for evaluation.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    /// Shared: a NetworkPolicy's view holds its policy in its own namespace,
    /// and the network model enters that same policy wherever it applies in
    /// that namespace, instead of a copy per set (docs/performance.md).
    policies: Vec<Arc<Policy>>,
    by_namespace: BTreeMap<String, Vec<usize>>,
    namespace_labels: BTreeMap<String, Labels>,
    /// AdminNetworkPolicies and the BaselineAdminNetworkPolicy.
    pub(super) admin: AdminPolicies,
}

impl PolicySet {
    /// Indexes `policies` (kept in this order; answers refer to these
    /// indices) with the labels of the known namespaces.
    pub fn new<I>(policies: Vec<Policy>, namespaces: I) -> PolicySet
    where
        I: IntoIterator<Item = (String, Labels)>,
    {
        PolicySet::shared(policies.into_iter().map(Arc::new).collect(), namespaces)
    }

    /// [`PolicySet::new`] of policies shared with their readers.
    pub fn shared<I>(policies: Vec<Arc<Policy>>, namespaces: I) -> PolicySet
    where
        I: IntoIterator<Item = (String, Labels)>,
    {
        let mut by_namespace: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in policies.iter().enumerate() {
            by_namespace.entry(p.namespace.clone()).or_default().push(i);
        }
        let namespace_labels = namespaces
            .into_iter()
            .map(|(name, mut labels)| {
                labels.insert(
                    NAMESPACE_NAME_LABEL.to_string(),
                    LabelValue::Literal(name.clone()),
                );
                (name, labels)
            })
            .collect();
        PolicySet {
            policies,
            by_namespace,
            namespace_labels,
            admin: AdminPolicies::default(),
        }
    }

    /// The same set with the cluster's admin policies: every answer then
    /// goes through the three tiers (AdminNetworkPolicy, NetworkPolicy,
    /// BaselineAdminNetworkPolicy; [`super::admin`]).
    pub fn with_admin(mut self, admin: AdminPolicies) -> PolicySet {
        self.admin = admin;
        self
    }

    /// Puts `policy` in the place of the policy at `index`, in the same
    /// namespace (the set's index is by namespace); false when there is none.
    /// `policy` is shared as it is when it has that namespace already,
    /// else copied into it.
    pub fn replace(&mut self, index: usize, policy: &Arc<Policy>) -> bool {
        let Some(slot) = self.policies.get_mut(index) else {
            return false;
        };
        *slot = in_namespace(policy, &slot.namespace);
        true
    }

    /// The policies, in input order.
    pub fn policies(&self) -> &[Arc<Policy>] {
        &self.policies
    }

    /// One policy by index.
    pub fn policy(&self, index: usize) -> Option<&Policy> {
        self.policies.get(index).map(AsRef::as_ref)
    }

    /// The labels of a namespace, including the automatic name label. An
    /// unknown namespace has only the automatic label.
    pub fn namespace_labels(&self, namespace: &str) -> Cow<'_, Labels> {
        match self.namespace_labels.get(namespace) {
            Some(labels) => Cow::Borrowed(labels),
            None => Cow::Owned(Labels::from([(
                NAMESPACE_NAME_LABEL.to_string(),
                LabelValue::Literal(namespace.to_string()),
            )])),
        }
    }

    /// The policies selecting `pod`, and its isolation per direction.
    pub fn selection(&self, pod: &Pod) -> Selection {
        let mut sel = Selection::default();
        let candidates = self.by_namespace.get(&pod.namespace).map(Vec::as_slice);
        for &i in candidates.unwrap_or_default() {
            let Some(p) = self.policies.get(i) else {
                continue;
            };
            if !p.pod_selector.matches(&pod.labels) {
                continue;
            }
            sel.policies.push(i);
            if p.has_type(PolicyType::Ingress) {
                sel.ingress.push(i);
            }
            if p.has_type(PolicyType::Egress) {
                sel.egress.push(i);
            }
        }
        sel
    }

    /// Egress from `from` to the pod `to` on `port`/`protocol` (named ports
    /// resolve against `to`'s container ports).
    pub fn egress_to_pod(&self, from: &Pod, to: &Pod, port: u16, protocol: Protocol) -> Verdict {
        self.pod_verdict(
            PolicyType::Egress,
            from,
            to,
            &to.ports,
            port,
            protocol,
            true,
        )
    }

    /// Ingress to `to` from the pod `from` on `port`/`protocol` (named ports
    /// resolve against `to`'s container ports).
    pub fn ingress_from_pod(&self, to: &Pod, from: &Pod, port: u16, protocol: Protocol) -> Verdict {
        self.pod_verdict(
            PolicyType::Ingress,
            to,
            from,
            &to.ports,
            port,
            protocol,
            true,
        )
    }

    /// Ingress to `to` from `from`, a pod on its node's host network (a
    /// `HostNetwork` router): NetworkPolicies see it as a pod of its
    /// namespace (OVN-Kubernetes' policy groups), but it is never a peer of
    /// an admin policy's rule, whose peers are pods and namespaces
    /// (docs/domain.md §7.1), so only NetworkPolicies decide.
    pub fn ingress_from_host_network(
        &self,
        to: &Pod,
        from: &Pod,
        port: u16,
        protocol: Protocol,
    ) -> Verdict {
        self.pod_verdict(
            PolicyType::Ingress,
            to,
            from,
            &to.ports,
            port,
            protocol,
            false,
        )
    }

    /// Both halves of a connection from `client` to `server`.
    pub fn connection(
        &self,
        client: &Pod,
        server: &Pod,
        port: u16,
        protocol: Protocol,
    ) -> Connection {
        let egress = self.egress_to_pod(client, server, port, protocol);
        let ingress = self.ingress_from_pod(server, client, port, protocol);
        Connection {
            allowed: egress.allowed && ingress.allowed,
            egress,
            ingress,
        }
    }

    /// Egress from `from` to the external addresses `dest` on every port of
    /// `ports` over `protocol`.
    pub fn egress_to_external(
        &self,
        from: &Pod,
        dest: &IpSet,
        ports: PortRange,
        protocol: Protocol,
    ) -> ExternalVerdict {
        self.external_verdict(PolicyType::Egress, from, dest, ports, protocol, None)
    }

    /// Ingress to `to` from the external addresses `src` on every port of
    /// `ports` over `protocol` (named ports resolve against `to`'s ports).
    pub fn ingress_from_external(
        &self,
        to: &Pod,
        src: &IpSet,
        ports: PortRange,
        protocol: Protocol,
    ) -> ExternalVerdict {
        self.external_verdict(
            PolicyType::Ingress,
            to,
            src,
            ports,
            protocol,
            Some(&to.ports),
        )
    }

    /// Whether `from` could reach any external address on part of `ports`
    /// over `protocol` (pass [`PortRange::ALL`] to ignore ports). Which
    /// addresses are "outside the cluster" is the caller's knowledge; this
    /// reports every `ipBlock` peer and every peer-less rule.
    pub fn egress_outside_reach(
        &self,
        from: &Pod,
        ports: PortRange,
        protocol: Protocol,
    ) -> OutsideReach {
        let selection = self.selection(from);
        let query = PortSet::from(ports);
        let mut rules = Vec::new();
        for &pi in &selection.egress {
            let Some(policy) = self.policies.get(pi) else {
                continue;
            };
            for (ri, rule) in policy.egress.iter().enumerate() {
                let admitted = rule_ports(&rule.ports, protocol, None).intersection(&query);
                if admitted.is_empty() {
                    continue;
                }
                let peers: Vec<usize> = rule
                    .peers
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.addresses().is_some_and(|a| !a.is_empty()))
                    .map(|(i, _)| i)
                    .collect();
                if rule.peers.is_empty() || !peers.is_empty() {
                    rules.push(RuleRef {
                        policy: pi,
                        direction: PolicyType::Egress,
                        rule: ri,
                        peers,
                    });
                }
            }
        }
        OutsideReach {
            possible: selection.egress.is_empty() || !rules.is_empty(),
            isolating: selection.egress,
            rules,
        }
    }

    /// `namespace/name` of a policy, for messages.
    pub fn policy_name(&self, index: usize) -> String {
        self.policies
            .get(index)
            .map(|p| format!("{}/{}", p.namespace, p.name))
            .unwrap_or_else(|| format!("policy #{index}"))
    }

    /// `namespace/name egress[2]` (plus ` to[0]` when peers matched), for
    /// messages.
    pub fn describe_rule(&self, r: &RuleRef) -> String {
        let mut s = format!(
            "{} {}[{}]",
            self.policy_name(r.policy),
            r.direction.field(),
            r.rule
        );
        for p in &r.peers {
            s.push_str(&format!(" {}[{p}]", r.direction.peer_field()));
        }
        s
    }

    /// One line explaining a pod-to-pod verdict, e.g. `allowed by ns/a
    /// egress[0]` or `denied: isolated for egress by ns/a, ns/b; no rule
    /// allows it`.
    pub fn explain(&self, v: &Verdict) -> String {
        if !v.isolated() {
            return format!("allowed: not isolated for {}", v.direction.field());
        }
        if v.allowed {
            let rules: Vec<String> = v.allowed_by.iter().map(|r| self.describe_rule(r)).collect();
            return format!("allowed by {}", rules.join(", "));
        }
        let policies: Vec<String> = v.isolating.iter().map(|&i| self.policy_name(i)).collect();
        format!(
            "denied: isolated for {} by {}; no rule allows it",
            v.direction.field(),
            policies.join(", ")
        )
    }

    fn peer_matches_pod(&self, policy: &Policy, peer: &Peer, pod: &Pod) -> bool {
        let Peer::Pods {
            pod_selector,
            namespace_selector,
        } = peer
        else {
            return false;
        };
        if pod_selector.is_none() && namespace_selector.is_none() {
            return false;
        }
        let namespace_ok = match namespace_selector {
            None => pod.namespace == policy.namespace,
            Some(sel) => sel.matches(&self.namespace_labels(&pod.namespace)),
        };
        namespace_ok && pod_selector.as_ref().is_none_or(|s| s.matches(&pod.labels))
    }

    /// `admin_peer`: whether admin policies' rules may match `remote`.
    #[allow(clippy::too_many_arguments)]
    fn pod_verdict(
        &self,
        direction: PolicyType,
        subject: &Pod,
        remote: &Pod,
        dest_ports: &[ContainerPort],
        port: u16,
        protocol: Protocol,
        admin_peer: bool,
    ) -> Verdict {
        let selection = self.selection(subject);
        let isolating = selection.isolating(direction).to_vec();
        let mut allowed_by = Vec::new();
        for &pi in &isolating {
            let Some(policy) = self.policies.get(pi) else {
                continue;
            };
            for (ri, rule) in policy.rules(direction).iter().enumerate() {
                if !rule_ports(&rule.ports, protocol, Some(dest_ports)).contains(port) {
                    continue;
                }
                let peers: Vec<usize> = rule
                    .peers
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| self.peer_matches_pod(policy, p, remote))
                    .map(|(i, _)| i)
                    .collect();
                if rule.peers.is_empty() || !peers.is_empty() {
                    allowed_by.push(RuleRef {
                        policy: pi,
                        direction,
                        rule: ri,
                        peers,
                    });
                }
            }
        }
        let np_allowed = isolating.is_empty() || !allowed_by.is_empty();
        let (allowed, admin) = if self.admin.is_empty() || !admin_peer {
            (np_allowed, AdminVerdict::plain(!isolating.is_empty()))
        } else {
            self.admin_pod_verdict(
                direction,
                subject,
                remote,
                dest_ports,
                port,
                protocol,
                !isolating.is_empty(),
                np_allowed,
            )
        };
        Verdict {
            direction,
            allowed,
            isolating,
            allowed_by,
            admin,
        }
    }

    fn external_verdict(
        &self,
        direction: PolicyType,
        subject: &Pod,
        remote: &IpSet,
        ports: PortRange,
        protocol: Protocol,
        dest_ports: Option<&[ContainerPort]>,
    ) -> ExternalVerdict {
        let selection = self.selection(subject);
        let isolating = selection.isolating(direction).to_vec();
        if self.admin_applies(subject, direction) {
            return self.tiered_external(
                direction, subject, remote, ports, protocol, dest_ports, isolating,
            );
        }
        if isolating.is_empty() {
            return ExternalVerdict {
                direction,
                protocol,
                allowed: true,
                isolating,
                grants: Vec::new(),
                denied: Vec::new(),
                policy_denied: Vec::new(),
                admin: Vec::new(),
                may_match: Vec::new(),
            };
        }
        let query = PortSet::from(ports);
        let mut grants = Vec::new();
        for &pi in &isolating {
            let Some(policy) = self.policies.get(pi) else {
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
                grants.push(Grant {
                    rule: RuleRef {
                        policy: pi,
                        direction,
                        rule: ri,
                        peers,
                    },
                    region: Region {
                        addresses,
                        ports: admitted,
                    },
                });
            }
        }
        let denied = uncovered(remote, ports, &grants);
        ExternalVerdict {
            direction,
            protocol,
            allowed: denied.is_empty(),
            isolating,
            grants,
            policy_denied: denied.clone(),
            denied,
            admin: Vec::new(),
            may_match: Vec::new(),
        }
    }
}

/// The part of `addresses × ports` no grant covers, as regions with distinct
/// address sets, ordered by their first port.
fn uncovered(addresses: &IpSet, ports: PortRange, grants: &[Grant]) -> Vec<Region> {
    let pieces = partition(ports, grants.iter().map(|g| &g.region.ports));
    // Group pieces by their uncovered address set; the key is the canonical
    // CIDR list, so equal sets merge whatever order they were built in.
    let mut groups: Vec<Region> = Vec::new();
    let mut index: BTreeMap<Vec<IpNet>, usize> = BTreeMap::new();
    for piece in pieces {
        let covered = grants
            .iter()
            .filter(|g| g.region.ports.contains(piece.start()))
            .fold(IpSet::new(), |acc, g| acc.union(&g.region.addresses));
        let rest = addresses.difference(&covered);
        if rest.is_empty() {
            continue;
        }
        let key = rest.to_cidrs();
        match index.get(&key).and_then(|&i| groups.get_mut(i)) {
            Some(group) => group.ports = group.ports.union(&PortSet::from(piece)),
            None => {
                index.insert(key, groups.len());
                groups.push(Region {
                    addresses: rest,
                    ports: PortSet::from(piece),
                });
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A policy is shared where it is already in the namespace asked for,
    /// and copied (its rules still shared) into another.
    #[test]
    fn a_policy_is_shared_in_its_own_namespace_and_copied_elsewhere() {
        let mut policy = Policy::new("shop", "deny");
        policy.egress = Arc::from([Rule::allow_all()]);
        let policy = Arc::new(policy);
        assert!(Arc::ptr_eq(&in_namespace(&policy, "shop"), &policy));
        let elsewhere = in_namespace(&policy, "bank");
        assert!(!Arc::ptr_eq(&elsewhere, &policy));
        assert_eq!(elsewhere.namespace, "bank");
        assert_eq!(elsewhere.name, "deny");
        assert!(Arc::ptr_eq(&elsewhere.egress, &policy.egress));

        // Replaced in its slot's namespace: copied into it from another,
        // shared when it is there already.
        let mut set = PolicySet::shared(vec![Arc::clone(&policy)], Vec::new());
        assert!(set.replace(0, &elsewhere));
        assert_eq!(set.policies()[0].namespace, "shop");
        assert!(Arc::ptr_eq(&set.policies()[0].egress, &policy.egress));
        assert!(set.replace(0, &policy));
        assert!(Arc::ptr_eq(&set.policies()[0], &policy));
        assert!(!set.replace(1, &policy));
    }
}
