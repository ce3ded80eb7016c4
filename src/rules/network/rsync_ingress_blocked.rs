//! DVM102 rsync-ingress-blocked: in a migrated target namespace, the rsync
//! server pod is ingress-isolated and nothing allows TCP to its stunnel port
//! (6443, named `stunnel`) from where DVM traffic arrives (docs/rules.md,
//! docs/domain.md §1.3, §7):
//!
//! - `Route` (default): from the OpenShift router, i.e. a peer whose
//!   `namespaceSelector` matches the router's namespace labels, `{}`, or a
//!   peer-less rule. The router forwards to the pod's port, so policies see
//!   6443, never 443: a rule on 443 does not help.
//! - `NodePort`, or `ClusterIP` across clusters: from anywhere — a peer-less
//!   rule, or an `ipBlock` covering the source cluster's `cidrs` (which may
//!   not survive SNAT, the message warns).
//! - `ClusterIP` on one cluster: from the rsync client pods themselves.

use std::collections::BTreeMap;

use crate::config::RouterNetwork;
use crate::finding::Finding;
use crate::model::Project;
use crate::model::destination::{self, Endpoint};
use crate::model::migration::DvmPair;
use crate::model::network::{ClusterPolicies, NetworkModel};
use crate::model::rsync_pods::{self, ROUTER_NAMESPACE_LABELS};
use crate::net::admin::Layer;
use crate::net::ipset::IpSet;
use crate::net::ports::{PortRange, Protocol};

use super::{
    allow_policy_yaml, distinct_name, group_by, isolation_finding, one_per_cause, policy_deciders,
    ports_list, rule_deciders,
};
use crate::net::netpol::PolicyType::Ingress;
use crate::net::netpol::RuleRef;
use crate::rules::hops::Hop;

const RULE: &str = "DVM102";

/// How traffic reaches the rsync server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    Router,
    /// NodePort, or ClusterIP from another cluster.
    Anywhere,
    /// ClusterIP within one cluster: from the client pods.
    ClientPods,
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let model = project.network();
    // Once per target cluster: reading it parses the cluster's MigrationController.
    let mut endpoints: BTreeMap<usize, &'static str> = BTreeMap::new();
    let mut found = Vec::new();
    for ((cluster, namespace), pairs) in group_by(project, false) {
        let Some(policies) = model.cluster(cluster) else {
            continue;
        };
        let block = pairs.iter().any(|p| p.block);
        let endpoint = *endpoints
            .entry(cluster)
            .or_insert_with(|| endpoint_type(project, cluster));
        for pair in pairs {
            let arrival = arrival(endpoint, pair, cluster);
            let hop = hop(
                project, model, policies, cluster, namespace, pair, block, arrival,
            );
            found.extend(hop.findings.into_iter().map(|f| (namespace.to_owned(), f)));
        }
    }
    one_per_cause(project, found, out);
}

/// Where the DVM traffic of `pair` arrives from, on target cluster `cluster`
/// whose endpoint type is `endpoint` ([`endpoint_type`]).
pub(crate) fn arrival(endpoint: &str, pair: &DvmPair, cluster: usize) -> Arrival {
    match endpoint {
        "NodePort" => Arrival::Anywhere,
        "ClusterIP" if pair.source.cluster != cluster => Arrival::Anywhere,
        "ClusterIP" => Arrival::ClientPods,
        _ => Arrival::Router,
    }
}

/// The target's `rsync_endpoint_type`; absent or invalid is Route
/// (docs/domain.md §1.3).
pub(crate) fn endpoint_type(project: &Project, cluster: usize) -> &'static str {
    match destination::endpoint_type(project, project.migration(), cluster) {
        Endpoint::NodePort => "NodePort",
        Endpoint::ClusterIP => "ClusterIP",
        Endpoint::Route | Endpoint::Proxy { .. } => "Route",
    }
}

/// The NetworkPolicy ingress hop of one pair: DVM traffic arriving at the
/// rsync server pods of `namespace` (on target cluster `cluster`). Blocked
/// carries DVM102's finding; the graph draws the same hop (`crate::graph`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn hop(
    project: &Project,
    model: &NetworkModel,
    policies: &ClusterPolicies,
    cluster: usize,
    namespace: &str,
    pair: &DvmPair,
    block: bool,
    arrival: Arrival,
) -> Hop {
    let port = model.layout.server_port();
    let source_cidrs = project
        .clusters
        .get(pair.source.cluster)
        .and_then(|c| c.config)
        .and_then(|i| project.config.clusters.get(i))
        .map(|c| c.cidrs.clone())
        .unwrap_or_default();
    let mut isolating = Vec::new();
    let mut pods = Vec::new();
    let mut only_443 = false;
    let mut isolated = false;
    let mut allowed_by: Vec<RuleRef> = Vec::new();
    let mut admin_decided = false;
    // How the router reaches the pods (`routerNetwork`, the IngressController):
    // a `HostNetwork` router is never an admin policy's peer. Unknown, an
    // admin rule allowing the router's namespace is trusted only as far as
    // the router is on the pod network: the admin policies it would need.
    let router_network = match arrival {
        Arrival::Router => crate::model::router::router(project, cluster).map(|r| r.network),
        _ => None,
    };
    let mut pod_network_only: Vec<usize> = Vec::new();
    let mut host_passed_over: Vec<usize> = Vec::new();
    for server in rsync_pods::server_pods(model.layout, namespace, block) {
        let selection = policies.set.selection(&server.pod);
        if selection.ingress.is_empty() {
            continue;
        }
        isolated = true;
        let allowed = match arrival {
            Arrival::Router => {
                let router = rsync_pods::router_pod();
                let judge = |port: u16| match router_network {
                    Some(RouterNetwork::Host) => policies.set.ingress_from_host_network(
                        &server.pod,
                        &router,
                        port,
                        Protocol::Tcp,
                    ),
                    _ => policies
                        .set
                        .ingress_from_pod(&server.pod, &router, port, Protocol::Tcp),
                };
                let on_443 = judge(443);
                let verdict = judge(port);
                only_443 |= verdict.denied_by_policies() && on_443.allowed;
                allowed_by.extend(verdict.allowed_by.iter().cloned());
                // Allowed, or cut by an admin rule first (DVM105).
                admin_decided |= verdict.denied_by_admin().is_some();
                let admin_allowed =
                    verdict.allowed && verdict.admin.layer == Layer::AdminNetworkPolicy;
                if router_network == Some(RouterNetwork::Host) && verdict.denied_by_policies() {
                    // Said in the message: the admin rule that would let in a
                    // router on the pod network.
                    let on_pods =
                        policies
                            .set
                            .ingress_from_pod(&server.pod, &router, port, Protocol::Tcp);
                    if on_pods.allowed && on_pods.admin.layer == Layer::AdminNetworkPolicy {
                        host_passed_over
                            .extend(on_pods.admin.admin.as_ref().map(|m| m.rule.policy));
                    }
                }
                if router_network.is_none()
                    && admin_allowed
                    && policies
                        .set
                        .ingress_from_host_network(&server.pod, &router, port, Protocol::Tcp)
                        .denied_by_policies()
                {
                    pod_network_only.extend(verdict.admin.admin.as_ref().map(|m| m.rule.policy));
                    false
                } else {
                    !verdict.denied_by_policies()
                }
            }
            Arrival::Anywhere => {
                let sources = if source_cidrs.is_empty() {
                    IpSet::all_v4()
                } else {
                    IpSet::from_nets(source_cidrs.iter().copied())
                };
                let verdict = policies.set.ingress_from_external(
                    &server.pod,
                    &sources,
                    PortRange::single(port),
                    Protocol::Tcp,
                );
                allowed_by.extend(verdict.grants.iter().map(|g| g.rule.clone()));
                admin_decided |= !verdict.allowed && verdict.policy_denied.is_empty();
                verdict.policy_denied.is_empty()
            }
            Arrival::ClientPods => {
                rsync_pods::client_pods(model.layout, &pair.source.namespace, server.block)
                    .iter()
                    .all(|client| {
                        let verdict = policies.set.ingress_from_pod(
                            &server.pod,
                            &client.pod,
                            port,
                            Protocol::Tcp,
                        );
                        allowed_by.extend(verdict.allowed_by.iter().cloned());
                        admin_decided |= verdict.denied_by_admin().is_some();
                        !verdict.denied_by_policies()
                    })
            }
        };
        if allowed {
            continue;
        }
        isolating.extend(selection.ingress);
        pods.push(server.description);
    }
    if pods.is_empty() {
        let by = rule_deciders(project, policies, allowed_by);
        return if admin_decided {
            Hop::admin_decided(by)
        } else if isolated {
            Hop::allowed(
                "a rule allows it",
                "the rsync server pods are isolated for ingress, and rules allow the DVM traffic",
                by,
            )
        } else {
            super::not_isolated(
                policies,
                &rsync_pods::server_pods(model.layout, namespace, block),
                crate::net::netpol::PolicyType::Ingress,
                "no NetworkPolicy selects the rsync server pods for ingress",
                by,
            )
        };
    }
    let names = super::policy_names(policies, &isolating);
    let source_name = project
        .cluster_name(Some(pair.source.cluster))
        .map_or("source", |c| c.as_ref());
    let from = match arrival {
        Arrival::Router => format!(
            "from the OpenShift router (Route traffic arrives from namespace `{}` on the pod's port {port}, named `stunnel`)",
            rsync_pods::ROUTER_NAMESPACE
        ),
        Arrival::Anywhere if source_cidrs.is_empty() => format!(
            "from outside the cluster on port {port} (NodePort traffic can come from any address; no rule without peers allows it)"
        ),
        Arrival::Anywhere => format!(
            "from the source cluster `{source_name}` on port {port}: no rule without peers allows it, and no `ipBlock` covers the source's `cidrs` (an `ipBlock` is fragile anyway: NodePort traffic may be SNATed to node addresses)"
        ),
        Arrival::ClientPods => format!(
            "from the rsync client pods in namespace `{}` on port {port}",
            pair.source.namespace
        ),
    };
    let mut message = format!(
        "the {} in migrated namespace `{namespace}` cannot receive DVM traffic: ingress is isolated by {} and nothing allows TCP {from}; every DVM transfer from `{}` on cluster `{source_name}` would fail",
        pods.join(" and "),
        crate::finding::bounded_list(&names),
        pair.source.namespace,
    );
    if only_443 {
        message.push_str(
            ". A rule allows port 443, but policies see the port after the router's translation: the rsync server receives on 6443 (`stunnel`)",
        );
    }
    let described = |mut indices: Vec<usize>| -> Vec<String> {
        indices.sort_unstable();
        indices.dedup();
        indices
            .iter()
            .filter_map(|&i| policies.set.admin().policy(i))
            .map(|p| p.describe())
            .collect()
    };
    let admin_allows = described(pod_network_only);
    let passed_over = described(host_passed_over);
    let cluster_name = project
        .cluster_name(Some(cluster))
        .map_or("target", |c| c.as_ref());
    if !passed_over.is_empty() {
        message.push_str(&format!(
            ". {} allows the router's namespace, but the routers of cluster `{cluster_name}` run on the host network, and no admin policy's rule matches a `HostNetwork` router",
            crate::finding::bounded_list(&passed_over)
        ));
    }
    if !admin_allows.is_empty() {
        message.push_str(&format!(
            ", unless the routers of cluster `{cluster_name}` run on the pod network: {} allows the router's namespace, which lets in a router of a `LoadBalancerService` IngressController (the default on AWS, Azure, GCP, IBM Cloud and Power VS), never a `HostNetwork` one (the default elsewhere), which no admin policy's rule matches; neither the repository nor .dvmlint.yaml says which (set the cluster's `routerNetwork`)",
            crate::finding::bounded_list(&admin_allows)
        ));
    }
    let help = fix(model, policies, namespace, pair, arrival, port);
    let by = policy_deciders(project, policies, &isolating);
    let short = if only_443 {
        format!("only 443 allowed, not {port}")
    } else {
        format!("nothing allows TCP {port}")
    };
    match isolation_finding(
        RULE, project, cluster, policies, namespace, &isolating, Ingress, message,
    ) {
        // Blocked only if the router is on the host network: a warning.
        Some(finding) if !admin_allows.is_empty() => Hop::blocked(
            short,
            by,
            finding
                .help(help)
                .severity(crate::finding::Severity::Warning),
        ),
        Some(finding) => Hop::blocked(short, by, finding.help(help)),
        None => Hop::unknown(
            "not located",
            "the isolating policy could not be located",
            by,
        ),
    }
}

fn fix(
    model: &NetworkModel,
    policies: &ClusterPolicies,
    namespace: &str,
    pair: &DvmPair,
    arrival: Arrival,
    port: u16,
) -> String {
    let name = distinct_name(policies, namespace, "allow-dvm-rsync-ingress");
    let mut rules = String::new();
    match arrival {
        Arrival::Router => {
            let (k, v) = ROUTER_NAMESPACE_LABELS[0];
            rules.push_str(&format!(
                "    - from:\n        - namespaceSelector:\n            matchLabels:\n              {k}: \"{v}\"\n      ports:\n"
            ));
            rules.push_str(&ports_list("        ", "TCP", port, port));
        }
        Arrival::Anywhere => {
            rules.push_str("    - ports:\n");
            rules.push_str(&ports_list("        ", "TCP", port, port));
        }
        Arrival::ClientPods => {
            let (k, v) = model.layout.allow_selector();
            rules.push_str(&format!(
                "    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: {}\n          podSelector:\n            matchLabels:\n              {k}: {v}\n      ports:\n",
                pair.source.namespace
            ));
            rules.push_str(&ports_list("        ", "TCP", port, port));
        }
    }
    let selector = model.layout.allow_selector();
    let yaml = allow_policy_yaml(&name, namespace, selector, "Ingress", &rules);
    format!(
        "allow ingress to the rsync server on port {port} (not 443) with a policy of its own (selecting `{}: {}` covers filesystem and block-transfer pods):\n\n{yaml}",
        selector.0, selector.1
    )
}
