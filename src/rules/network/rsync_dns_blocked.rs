//! DVM103 rsync-dns-blocked: the rsync client pods are egress-isolated and
//! no rule allows DNS to the cluster DNS pods (docs/rules.md, docs/domain.md §7). The
//! client reaches the destination by host name (a Route host always, a
//! proxy or NodePort worker when named by host name), so without DNS it
//! never connects.
//!
//! The DNS pods in `openshift-dns` listen on **5353** (UDP and TCP); the
//! `dns-default` Service's port 53 is translated before policies apply, so a
//! rule allowing only port 53 does not help — the message says so.
//! Not raised when every destination of the namespace is reached by IP.
//! When the only rule that could let DNS through is an ipBlock open on port
//! 5353 that covers part of the pod network (`0.0.0.0/0`; the cluster network
//! of install-config, else OpenShift's default `10.128.0.0/14`), the verdict is the network plugin's (whether an
//! ipBlock matches pod addresses is implementation-defined): an info that
//! says it was not judged, not a warning.

use crate::finding::Finding;
use crate::model::Project;
use crate::model::rsync_pods::{self, DNS_NAMESPACE, DNS_PORT};
use crate::net::ipset::IpSet;
use crate::net::ports::{PortRange, Protocol};

use std::collections::BTreeMap;

use super::{
    allow_policy_yaml, destination, distinct_name, group_by, isolation_finding, one_per_cause,
    policy_deciders, ports_list, rule_deciders,
};
use crate::model::network::{ClusterPolicies, NetworkModel};
use crate::net::netpol::PolicyType::Egress;
use crate::rules::hops::Hop;

const RULE: &str = "DVM103";

/// OpenShift's pod network when install-config does not set
/// `networking.clusterNetwork` (docs/domain.md).
const DEFAULT_CLUSTER_NETWORK: &str = "10.128.0.0/14";

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let model = project.network();
    let mut destinations = BTreeMap::new();
    let mut found = Vec::new();
    for ((cluster, namespace), pairs) in group_by(project, true) {
        let Some(policies) = model.cluster(cluster) else {
            continue;
        };
        let by_ip = pairs
            .iter()
            .all(|pair| destination(&mut destinations, project, pair).by_ip);
        if by_ip {
            continue;
        }
        let block = pairs.iter().any(|p| p.block);
        let hop = hop(project, model, policies, cluster, namespace, block);
        found.extend(hop.findings.into_iter().map(|f| (namespace.to_owned(), f)));
    }
    one_per_cause(project, found, out);
}

/// The DNS hop of a migrated source namespace: the rsync client pods of
/// `namespace` (with block-transfer pods when `block`) towards the cluster DNS
/// pods. Asked only when some destination is reached by host name. Blocked
/// carries DVM103's finding; the graph draws the same hop (`crate::graph`).
pub(crate) fn hop(
    project: &Project,
    model: &NetworkModel,
    policies: &ClusterPolicies,
    cluster: usize,
    namespace: &str,
    block: bool,
) -> Hop {
    let dns = rsync_pods::dns_pod();
    // Where the DNS pods' addresses are: the cluster network of the
    // cluster's install-config, else OpenShift's default (asked only when
    // a client pod is blocked).
    let pod_network = std::cell::OnceCell::new();
    let pod_network = || {
        pod_network.get_or_init(|| {
            let configured: Vec<ipnet::IpNet> = project
                .proxies()
                .iter()
                .filter(|p| p.cluster == cluster)
                .flat_map(|p| p.cluster_networks.iter().copied())
                .collect();
            if configured.is_empty() {
                IpSet::from_nets(DEFAULT_CLUSTER_NETWORK.parse::<ipnet::IpNet>())
            } else {
                IpSet::from_nets(configured)
            }
        })
    };
    let mut isolating = Vec::new();
    let mut pods = Vec::new();
    let mut only_53 = false;
    // Every blocked client pod has an ipBlock rule open on 5353: DNS passes
    // only where the network plugin matches pod addresses with ipBlock.
    let mut ip_block_only = true;
    let mut isolated = false;
    let mut allowed_by = Vec::new();
    let mut admin_decided = false;
    for client in rsync_pods::client_pods(model.layout, namespace, block) {
        let selection = policies.set.selection(&client.pod);
        if selection.egress.is_empty() {
            continue;
        }
        isolated = true;
        let verdicts = [Protocol::Udp, Protocol::Tcp].map(|proto| {
            policies
                .set
                .egress_to_pod(&client.pod, &dns, DNS_PORT, proto)
        });
        if let Some(verdict) = verdicts.iter().find(|v| v.allowed) {
            allowed_by.extend(verdict.allowed_by.iter().cloned());
            continue;
        }
        // Blocked; NetworkPolicies' doing when they deny one of the two
        // protocols (else an admin rule's: DVM105).
        if !verdicts.iter().any(|v| v.denied_by_policies()) {
            admin_decided = true;
            continue;
        }
        // An ipBlock rule admits 5353 to some address of the pod network:
        // whether that reaches the DNS pods is the network plugin's call.
        ip_block_only &= [Protocol::Udp, Protocol::Tcp].into_iter().any(|proto| {
            let verdict = policies.set.egress_to_external(
                &client.pod,
                pod_network(),
                PortRange::single(DNS_PORT),
                proto,
            );
            verdict.allowed || !verdict.grants.is_empty()
        });
        // "Only 53": some rule admits port 53 (to the DNS pods, or to an
        // ipBlock such as the Service IP) where none admits 5353.
        let reaches = |port: u16, proto: Protocol| {
            !policies
                .set
                .egress_outside_reach(&client.pod, PortRange::single(port), proto)
                .rules
                .is_empty()
        };
        only_53 |= [Protocol::Udp, Protocol::Tcp].into_iter().any(|proto| {
            policies
                .set
                .egress_to_pod(&client.pod, &dns, 53, proto)
                .allowed
                || (reaches(53, proto) && !reaches(DNS_PORT, proto))
        });
        isolating.extend(selection.egress);
        pods.push(client.description);
    }
    if pods.is_empty() {
        let by = rule_deciders(project, policies, allowed_by);
        return if admin_decided {
            Hop::admin_decided(by)
        } else if isolated {
            Hop::allowed(
                "a rule allows DNS",
                "the rsync client pods are isolated for egress, and rules allow DNS to the cluster DNS pods",
                by,
            )
        } else {
            super::not_isolated(
                policies,
                &rsync_pods::client_pods(model.layout, namespace, block),
                crate::net::netpol::PolicyType::Egress,
                "no NetworkPolicy selects the rsync client pods for egress",
                by,
            )
        };
    }
    let names = super::policy_names(policies, &isolating);
    let mut message = format!(
        "the {} in migrated namespace `{namespace}` cannot resolve the DVM destination's host name: egress is isolated by {} and no rule allows DNS to the cluster DNS pods (namespace `{DNS_NAMESPACE}`, port {DNS_PORT} UDP or TCP)",
        pods.join(" and "),
        crate::finding::bounded_list(&names)
    );
    if ip_block_only {
        message = format!(
            "DNS from the {} in migrated namespace `{namespace}` was not judged: egress is isolated by {} and no rule allows DNS to the cluster DNS pods by pod or namespace (namespace `{DNS_NAMESPACE}`, port {DNS_PORT} UDP or TCP), but an ipBlock rule admits port {DNS_PORT} to addresses of the pod network; whether an ipBlock matches the addresses of pods is left to the network plugin (Kubernetes documents ipBlock for cluster-external addresses; Calico matches pod addresses, Cilium does not), so this lookup may pass or fail",
            pods.join(" and "),
            crate::finding::bounded_list(&names)
        );
    } else if only_53 {
        message.push_str(
            ". Only port 53 is allowed, but the DNS pods listen on 5353: the `dns-default` Service translates 53 to 5353 before policies apply, so allowing 53 is not enough",
        );
    }
    let name = distinct_name(policies, namespace, "allow-dvm-rsync-dns");
    let mut rules = format!(
        "    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: {DNS_NAMESPACE}\n      ports:\n"
    );
    rules.push_str(&ports_list("        ", "UDP", DNS_PORT, DNS_PORT));
    rules.push_str(&ports_list("        ", "TCP", DNS_PORT, DNS_PORT));
    let selector = model.layout.allow_selector();
    let yaml = allow_policy_yaml(&name, namespace, selector, "Egress", &rules);
    let help = format!(
        "allow the rsync pods' DNS lookups on port 5353 (not only 53) with a policy of its own:\n\n{yaml}"
    );
    let by = policy_deciders(project, policies, &isolating);
    let short = if ip_block_only {
        "only an ipBlock allows DNS (plugin-dependent)"
    } else if only_53 {
        "only 53 allowed, not 5353"
    } else {
        "no rule allows DNS"
    };
    match isolation_finding(
        RULE, project, cluster, policies, namespace, &isolating, Egress, message,
    ) {
        Some(f) if ip_block_only => Hop::unjudged(
            short,
            by,
            f.severity(crate::finding::Severity::Info).help(format!(
                "allow DNS by namespace, which holds on every network plugin: {help}"
            )),
        ),
        Some(f) => super::egress_block(project, cluster, short, by, f.help(help)),
        None => Hop::unknown(
            "not located",
            "the isolating policy could not be located",
            by,
        ),
    }
}
