//! DVM101 rsync-egress-blocked: in a migrated source namespace, the rsync
//! client pods are egress-isolated and no policy allows TCP to the whole DVM
//! destination (docs/rules.md, docs/domain.md §1.3, §7). The rsync pods then fail with
//! connection errors that only show up in their logs (docs/domain.md §8.2).
//!
//! The destination comes from [`DvmDestination`]. When its addresses are
//! unknown (a Route host, a proxy by host name, unconfigured `ingress`), the
//! rule cannot say whether an `ipBlock` covers it, so it fires only when no
//! egress rule could reach *any* address outside the cluster on the
//! destination's ports, and says what to configure to make the check exact.
//! A `ClusterIP` endpoint on the same cluster is pod-to-pod traffic (policies
//! see the rsync server pod after the Service's translation).

use std::fmt::Write as _;

use crate::finding::Finding;
use crate::model::Project;
use crate::model::destination::{DvmDestination, Endpoint};
use crate::model::migration::DvmPair;
use crate::model::network::{ClusterPolicies, NetworkModel};
use crate::model::rsync_pods::{self, RsyncPod};
use crate::net::ipset::IpSet;
use crate::net::ports::{PortRange, Protocol};

use std::collections::BTreeMap;

use super::{
    allow_policy_yaml, destination, distinct_name, group_by, isolation_finding, one_per_cause,
    policy_deciders, ports_list, rule_deciders,
};
use crate::net::netpol::PolicyType::Egress;
use crate::net::netpol::RuleRef;
use crate::rules::hops::{Decider, Hop};

const RULE: &str = "DVM101";

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let model = project.network();
    let mut destinations = BTreeMap::new();
    let mut found = Vec::new();
    for ((cluster, namespace), pairs) in group_by(project, true) {
        let Some(policies) = model.cluster(cluster) else {
            continue;
        };
        let block = pairs.iter().any(|p| p.block);
        let clients = rsync_pods::client_pods(model.layout, namespace, block);
        for pair in pairs {
            let destination = destination(&mut destinations, project, pair);
            let hop = hop(
                project,
                model,
                policies,
                cluster,
                namespace,
                pair,
                destination,
                &clients,
            );
            found.extend(hop.findings.into_iter().map(|f| (namespace.to_owned(), f)));
        }
    }
    one_per_cause(project, found, out);
}

/// What blocks one client pod.
struct Blocked<'c> {
    pod: &'c RsyncPod,
    isolating: Vec<usize>,
    detail: String,
}

/// Said when a rule allows the rsync server's port instead of the Route's:
/// the mirror of DVM102's note on a rule for 443.
const SERVER_PORT_HINT: &str = ". A rule allows port 6443, the rsync server's own port, but the clients connect to the Route's router on 443, which translates it";

/// Whether, through a Route, the client's egress rules allow TCP 6443 (the
/// rsync server's port, a common mistake for the Route's 443) to the
/// destination's `addresses`, or to some address outside the cluster when
/// they are unknown.
fn server_port_allowed(
    policies: &ClusterPolicies,
    client: &RsyncPod,
    destination: &DvmDestination,
    addresses: Option<&IpSet>,
) -> bool {
    if destination.endpoint != Endpoint::Route {
        return false;
    }
    let port = PortRange::single(6443);
    match addresses {
        Some(addresses) => policies
            .set
            .egress_to_external(&client.pod, addresses, port, Protocol::Tcp)
            .policy_denied
            .is_empty(),
        None => {
            policies
                .set
                .egress_outside_reach(&client.pod, port, Protocol::Tcp)
                .possible
        }
    }
}

/// The NetworkPolicy egress hop of one pair: the rsync client pods of
/// `namespace` towards the DVM destination (`clients`: the pods of
/// [`rsync_pods::client_pods`] for the namespace). Blocked carries DVM101's
/// finding; the graph draws the same hop (`crate::graph`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn hop(
    project: &Project,
    model: &NetworkModel,
    policies: &ClusterPolicies,
    cluster: usize,
    namespace: &str,
    pair: &DvmPair,
    destination: &DvmDestination,
    clients: &[RsyncPod],
) -> Hop {
    let same_cluster_service =
        destination.endpoint == Endpoint::ClusterIP && pair.target.cluster == cluster;
    let mut blocked = Vec::new();
    let mut allowed_by: Vec<RuleRef> = Vec::new();
    let mut isolated = false;
    // Allowed as far as the rules can reach outside the cluster, to an
    // address nobody knows.
    let mut unknown = false;
    let mut admin_decided = false;
    // A rule allows the rsync server's port instead of the Route's.
    let mut only_6443 = false;
    for client in clients {
        let selection = policies.set.selection(&client.pod);
        if selection.egress.is_empty() {
            continue;
        }
        isolated = true;
        let detail = if same_cluster_service {
            let servers =
                rsync_pods::server_pods(model.layout, &pair.target.namespace, client.block);
            let Some(server) = servers.first() else {
                continue;
            };
            let port = model.layout.server_port();
            let verdict = policies
                .set
                .egress_to_pod(&client.pod, &server.pod, port, Protocol::Tcp);
            if verdict.allowed {
                allowed_by.extend(verdict.allowed_by);
                continue;
            }
            // Cut by an AdminNetworkPolicy rule first (DVM105).
            if !verdict.denied_by_policies() {
                admin_decided = true;
                continue;
            }
            format!(
                "no rule allows TCP {port} to the rsync server pod in namespace `{}`",
                pair.target.namespace
            )
        } else if let Some(addresses) = &destination.addresses {
            let verdict = policies.set.egress_to_external(
                &client.pod,
                addresses,
                destination.ports,
                Protocol::Tcp,
            );
            // What NetworkPolicies deny: the parts admin rules decide are
            // allowed by them or DVM105's.
            if verdict.policy_denied.is_empty() {
                admin_decided |= !verdict.allowed;
                allowed_by.extend(verdict.grants.into_iter().map(|g| g.rule));
                continue;
            }
            let denied: Vec<String> = verdict
                .policy_denied
                .iter()
                .map(|r| r.to_string())
                .collect();
            let mut detail = format!(
                "no rule allows TCP to {}",
                crate::finding::bounded_list(&denied)
            );
            only_6443 |= server_port_allowed(policies, client, destination, Some(addresses));
            if verdict.partially_allowed() {
                let rules: Vec<String> = verdict
                    .grants
                    .iter()
                    .map(|g| format!("{} allows {}", policies.describe_rule(&g.rule), g.region))
                    .collect();
                let _ = write!(
                    detail,
                    " (only part is allowed: {})",
                    crate::finding::bounded_join(&rules, "; ")
                );
            }
            detail
        } else {
            let reach =
                policies
                    .set
                    .egress_outside_reach(&client.pod, destination.ports, Protocol::Tcp);
            if reach.possible {
                unknown = true;
                allowed_by.extend(reach.rules);
                continue;
            }
            // Admin rules decide before NetworkPolicies: an Allow may open
            // some outside address, a Deny of everything is DVM105's.
            let tiers = policies.set.egress_to_external(
                &client.pod,
                &IpSet::all_v4(),
                destination.ports,
                Protocol::Tcp,
            );
            if tiers
                .admin
                .iter()
                .any(|g| g.decision.action == crate::net::admin::Action::Allow)
            {
                unknown = true;
                continue;
            }
            if tiers.policy_denied.is_empty() {
                admin_decided = true;
                continue;
            }
            only_6443 |= server_port_allowed(policies, client, destination, None);
            format!(
                "no egress rule can reach any address outside the cluster on TCP {} (no `ipBlock` peer, no rule without peers), so the destination is unreachable whatever its address",
                destination.ports
            )
        };
        blocked.push(Blocked {
            pod: client,
            isolating: selection.egress,
            detail,
        });
    }
    let Some(first) = blocked.first() else {
        let by: Vec<Decider> = rule_deciders(project, policies, allowed_by);
        return if admin_decided {
            Hop::admin_decided(by)
        } else if !isolated {
            super::not_isolated(
                policies,
                clients,
                crate::net::netpol::PolicyType::Egress,
                "no NetworkPolicy selects the rsync client pods for egress",
                by,
            )
        } else if unknown && !same_cluster_service {
            Hop::unknown(
                "destination address unknown",
                format!(
                    "egress rules reach addresses outside the cluster on TCP {}, but whether they hold the DVM destination is not known: {}",
                    destination.ports,
                    destination
                        .unknown_reason
                        .as_deref()
                        .unwrap_or("the DVM destination is unknown")
                ),
                by,
            )
        } else {
            Hop::allowed(
                "a rule allows it",
                "the rsync client pods are isolated for egress, and rules allow the DVM destination",
                by,
            )
        };
    };
    let isolating: Vec<usize> = blocked
        .iter()
        .flat_map(|b| b.isolating.iter().copied())
        .collect();
    let names = super::policy_names(policies, &isolating);
    let pods: Vec<&str> = blocked.iter().map(|b| b.pod.description).collect();
    let target_name = project
        .cluster_name(Some(pair.target.cluster))
        .map_or("target", |c| c.as_ref());
    let mut message = format!(
        "the {} in migrated namespace `{namespace}` cannot reach the DVM destination, {}: egress is isolated by {} and {}; every DVM transfer from this namespace to `{}` on cluster `{target_name}` would fail",
        pods.join(" and "),
        describe(destination, target_name),
        crate::finding::bounded_list(&names),
        first.detail,
        pair.target.namespace,
    );
    if only_6443 {
        message.push_str(SERVER_PORT_HINT);
    }
    if let Some(reason) = destination
        .unknown_reason
        .as_ref()
        .filter(|_| !same_cluster_service)
    {
        let _ = write!(message, ". Only this coarse check could run: {reason}");
    }
    if let Some(assumption) = destination
        .assumption
        .as_ref()
        .filter(|_| !same_cluster_service)
    {
        let _ = write!(message, " ({assumption})");
    }
    let help = fix(
        model,
        policies,
        namespace,
        pair,
        destination,
        same_cluster_service,
    );
    let by = policy_deciders(project, policies, &isolating);
    match isolation_finding(
        RULE, project, cluster, policies, namespace, &isolating, Egress, message,
    ) {
        Some(finding) => super::egress_block(
            project,
            cluster,
            "no rule allows it",
            by,
            finding.help(help),
        ),
        None => Hop::unknown(
            "not located",
            "the isolating policy could not be located",
            by,
        ),
    }
}

pub(crate) fn describe(destination: &DvmDestination, target: &str) -> String {
    match &destination.endpoint {
        // Never the value itself: it may carry credentials (DVM206).
        Endpoint::Proxy { .. } => "the proxy of `stunnel_tcp_proxy`".to_owned(),
        Endpoint::Route => format!("the rsync Route of cluster `{target}` (its router, TCP 443)"),
        Endpoint::NodePort => {
            format!("the NodePort of cluster `{target}`'s workers (TCP 30000-32767)")
        }
        Endpoint::ClusterIP => format!("the rsync Service of cluster `{target}` (TCP 6443)"),
    }
}

fn fix(
    model: &NetworkModel,
    policies: &ClusterPolicies,
    namespace: &str,
    pair: &DvmPair,
    destination: &DvmDestination,
    same_cluster_service: bool,
) -> String {
    let name = distinct_name(policies, namespace, "allow-dvm-rsync-egress");
    let ports = destination.ports;
    let (start, end) = (ports.start(), ports.end());
    let mut rules = String::new();
    if same_cluster_service {
        let port = model.layout.server_port();
        let (k, v) = model.layout.allow_selector();
        let _ = write!(
            rules,
            "    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: {}\n          podSelector:\n            matchLabels:\n              {k}: {v}\n",
            pair.target.namespace
        );
        rules.push_str("      ports:\n");
        rules.push_str(&ports_list("        ", "TCP", port, port));
    } else if let Some(addresses) = &destination.addresses {
        rules.push_str("    - to:\n");
        for net in IpSet::to_cidrs(addresses) {
            let _ = writeln!(rules, "        - ipBlock:\n            cidr: {net}");
        }
        if ports != PortRange::ALL {
            rules.push_str("      ports:\n");
            rules.push_str(&ports_list("        ", "TCP", start, end));
        }
    } else if ports != PortRange::ALL {
        rules.push_str("    - ports:\n");
        rules.push_str(&ports_list("        ", "TCP", start, end));
    } else {
        rules.push_str("    - {}\n");
    }
    let yaml = allow_policy_yaml(
        &name,
        namespace,
        model.layout.allow_selector(),
        "Egress",
        &rules,
    );
    let mut help = format!(
        "allow the rsync pods' egress to the DVM destination with a policy of its own (selecting `{}: {}` covers filesystem and block-transfer pods):\n\n{yaml}",
        model.layout.allow_selector().0,
        model.layout.allow_selector().1
    );
    if destination.addresses.is_none() && !same_cluster_service {
        help.push_str(
            "\n(without a known destination address this allows TCP to any address on those ports; narrow it with an `ipBlock` once the address is known)",
        );
    }
    help
}
