//! DVM105 admin-policy-blocks-rsync: an AdminNetworkPolicy or the
//! BaselineAdminNetworkPolicy has a `Deny` rule that decides DVM traffic
//! (docs/rules.md, docs/domain.md §7.1): the rsync client pods' egress to the
//! DVM destination or to the cluster DNS, or the rsync server pods' ingress
//! from where DVM traffic arrives.
//!
//! It asks the very questions DVM101–DVM103 ask, of the same evaluator
//! ([`crate::net::netpol::PolicySet`] with its admin tiers): where they report
//! what NetworkPolicies deny, this rule reports what an admin rule denied
//! before (ANP) or instead of (BANP, for pods no NetworkPolicy isolates)
//! NetworkPolicies. One finding per deciding rule, at the rule item, naming
//! the migrated namespaces and the traffic it cuts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::config::RouterNetwork;
use crate::finding::{Finding, Location, bounded_list};
use crate::model::Project;
use crate::model::destination::{self, DvmDestination, Endpoint};
use crate::model::network::{ClusterPolicies, NetworkModel};
use crate::model::router;
use crate::model::rsync_pods::{self, DNS_NAMESPACE, DNS_PORT};
use crate::net::admin::{Action, AdminMatch, AdminRuleRef, AdminTier};
use crate::net::ipset::IpSet;
use crate::net::netpol::PolicyType;
use crate::net::ports::Protocol;

use super::{destination as destination_of, group_by};
use crate::rules::hops::{Decider, Hop, Verdict};

const RULE: &str = "DVM105";

/// What one admin rule cuts, gathered over every question.
#[derive(Default)]
struct Cut {
    /// (namespace, what is cut), in order, without repeats.
    cuts: Vec<(String, String)>,
    /// Rules met before it that may match (unknown addresses).
    may_match: Vec<AdminRuleRef>,
    /// How many of `cuts` hold only if the routers run on the pod network,
    /// which the repository and the configuration do not say.
    router_assumed: usize,
}

impl Cut {
    fn add(&mut self, namespace: &str, what: String, may_match: &[AdminRuleRef]) {
        self.push(namespace, what, may_match, false);
    }

    fn push(&mut self, namespace: &str, what: String, may_match: &[AdminRuleRef], assumed: bool) {
        let item = (namespace.to_owned(), what);
        if !self.cuts.contains(&item) {
            self.cuts.push(item);
            self.router_assumed += usize::from(assumed);
        }
        for m in may_match {
            if !self.may_match.contains(m) {
                self.may_match.push(m.clone());
            }
        }
    }
}

type Cuts = BTreeMap<(usize, AdminRuleRef), Cut>;

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let model = project.network();
    not_applied(project, model, out);
    if model.clusters.iter().all(|c| c.admin.is_empty()) {
        return;
    }
    out.extend(
        unknown_subjects(project, model)
            .into_iter()
            .map(|u| u.finding),
    );
    let mut cuts: Cuts = BTreeMap::new();
    let mut destinations = BTreeMap::new();
    for ((cluster, namespace), pairs) in group_by(project, true) {
        let Some(policies) = model.cluster(cluster).filter(|c| !c.admin.is_empty()) else {
            continue;
        };
        let block = pairs.iter().any(|p| p.block);
        let clients = rsync_pods::client_pods(model.layout, namespace, block);
        let by_ip = pairs
            .iter()
            .all(|pair| destination_of(&mut destinations, project, pair).by_ip);
        for pair in &pairs {
            let dest = destination_of(&mut destinations, project, pair).clone();
            for client in &clients {
                egress(
                    project, model, policies, cluster, namespace, pair, &dest, client, &mut cuts,
                );
            }
        }
        if !by_ip {
            dns(policies, cluster, namespace, &clients, &mut cuts);
        }
    }
    for ((cluster, namespace), pairs) in group_by(project, false) {
        let Some(policies) = model.cluster(cluster).filter(|c| !c.admin.is_empty()) else {
            continue;
        };
        let block = pairs.iter().any(|p| p.block);
        for pair in &pairs {
            ingress(
                project, model, policies, cluster, namespace, pair, block, &mut cuts,
            );
        }
    }
    for ((cluster, rule), cut) in cuts {
        if let Some(finding) = finding(project, model, cluster, &rule, cut) {
            out.push(finding);
        }
    }
}

/// Each admin policy of a cluster in a migration that is not applied: one
/// the API server rejects, or an AdminNetworkPolicy of a priority above 99,
/// which OVN-Kubernetes accepts and does not implement. DVM105 takes it as
/// allowing and denying nothing, and says so (info), at what makes it so: a
/// policy written to let the rsync pods through, or to cut them off, does
/// neither.
fn not_applied(project: &Project, model: &NetworkModel, out: &mut Vec<Finding>) {
    if model.clusters.iter().all(|c| c.admin_rejected.is_empty()) {
        return;
    }
    let migrated: std::collections::BTreeSet<usize> = project
        .migration()
        .pairs
        .iter()
        .flat_map(|pair| [pair.source.cluster, pair.target.cluster])
        .collect();
    for cluster in migrated {
        let Some(policies) = model.cluster(cluster) else {
            continue;
        };
        for (index, view) in &policies.admin_rejected {
            let (Some(why), Some(object)) = (&view.rejected, project.objects.get(*index)) else {
                continue;
            };
            let kind = view.policy.tier.kind();
            out.push(
                Finding::new(
                    RULE,
                    Location::new(&object.object.file, why.span),
                    format!(
                        "{kind} `{}` is not applied: {}; DVM105 takes it as allowing and denying nothing to the rsync pods",
                        view.name.value, why.message
                    ),
                )
                .severity(crate::finding::Severity::Info)
                .help(format!(
                    "make the {kind} one the cluster applies (an AdminNetworkPolicy's `priority` from 0 to 99 for OVN-Kubernetes), or delete it"
                ))
                .object(Some(object.object_ref()))
                .cluster(project.cluster_name(Some(cluster))),
            );
        }
    }
}

/// Each admin policy whose `subject` selects namespaces by a label that a
/// migrated namespace of its cluster may or may not carry: the repository
/// holds no Namespace object for it (nor, for a destination, for its source)
/// and .dvmlint.yaml gives no `labels:` for it (only for namespaces a MigPlan
/// or `namespaces:` names, not those guessed from volume claims). DVM105 evaluated the
/// namespace with `kubernetes.io/metadata.name` alone, so the policy's rules
/// were not applied to its rsync pods: said in an info at the subject, where
/// it would otherwise pass without a word (trials 32 and 33: platform
/// repositories whose tenants' Namespaces live elsewhere).
pub(crate) fn unknown_subjects(project: &Project, model: &NetworkModel) -> Vec<UnknownSubject> {
    use crate::net::admin::Subject;
    use crate::net::netpol::NAMESPACE_NAME_LABEL;
    let mut out = Vec::new();
    // Namespaces guessed from the claims (no MigPlan, no `namespaces:`) are
    // no migration the user named: their labels are not asked for.
    if project.migration().scope_source == crate::model::migration::ScopeSource::EveryNamespace {
        return out;
    }
    for (cluster, policies) in model.clusters.iter().enumerate() {
        if policies.unknown_labels.is_empty() {
            continue;
        }
        let cluster_name = project
            .cluster_name(Some(cluster))
            .map_or("", |c| c.as_ref());
        for (at, (index, view)) in policies.admin.iter().enumerate() {
            let (Some(policy), Some(object)) =
                (policies.set.admin().policy(at), project.objects.get(*index))
            else {
                continue;
            };
            let selector = match &policy.subject {
                Subject::Namespaces(selector) => selector,
                Subject::Pods {
                    namespace_selector, ..
                } => namespace_selector,
            };
            let namespaces: Vec<String> = policies
                .unknown_labels
                .iter()
                .filter(|ns| {
                    let labels =
                        crate::net::selector::labels([(NAMESPACE_NAME_LABEL, ns.as_str())]);
                    selector
                        .matches_known(&labels, |key| key == NAMESPACE_NAME_LABEL)
                        .is_none()
                })
                .cloned()
                .collect();
            if namespaces.is_empty() {
                continue;
            }
            let unknown: Vec<String> = namespaces.iter().map(|ns| format!("`{ns}`")).collect();
            let kind = policy.tier.kind();
            let (noun, them) = if unknown.len() == 1 {
                ("namespace", "it")
            } else {
                ("namespaces", "them")
            };
            let example = namespaces.first().map_or("shop", String::as_str);
            let finding = Finding::new(
                    RULE,
                    Location::new(&object.object.file, view.subject_span),
                    format!(
                        "{kind} `{}` selects its subject namespaces by label (`{selector}`), and the labels of migrated {noun} {} on cluster `{cluster_name}` are unknown (no Namespace object for {them} in the repository, on either cluster): DVM105 evaluated {them} with `{NAMESPACE_NAME_LABEL}` alone, so this policy's rules were not applied to {them} and what they do to the DVM traffic there is not checked",
                        view.name.value,
                        bounded_list(&unknown),
                    ),
                )
                .severity(crate::finding::Severity::Info)
                .help(format!(
                    "give the labels the namespace carries in .dvmlint.yaml (`namespaces: [{{name: {example}, labels: {{…}}}}]`; MTC copies the source Namespace's labels to the destination), or commit its Namespace object with the files of its cluster"
                ))
                .object(Some(object.object_ref()))
                .cluster(project.cluster_name(Some(cluster)));
            out.push(UnknownSubject {
                cluster,
                namespaces,
                finding,
            });
        }
    }
    out
}

/// An admin policy not applied to migrated namespaces of unknown labels
/// ([`unknown_subjects`]): the graph notes it on their hops.
pub(crate) struct UnknownSubject {
    pub cluster: usize,
    pub namespaces: Vec<String>,
    pub finding: Finding,
}

/// The NetworkPolicy egress hop of one pair as the admin tiers decide it
/// (`clients`: the rsync client pods of `namespace`, as DVM101 asks): when
/// an admin rule's `Deny` cuts it, the blocked hop (drawn by `crate::graph`
/// with the layer it returns, the deciding rule's kind) carrying the
/// finding this rule reports, for this pair, at that rule.
#[allow(clippy::too_many_arguments)]
pub(crate) fn egress_hop(
    project: &Project,
    model: &NetworkModel,
    policies: &ClusterPolicies,
    cluster: usize,
    namespace: &str,
    pair: &crate::model::migration::DvmPair,
    dest: &DvmDestination,
    clients: &[rsync_pods::RsyncPod],
) -> Option<(&'static str, Hop)> {
    if policies.admin.is_empty() {
        return None;
    }
    let mut cuts: Cuts = BTreeMap::new();
    for client in clients {
        egress(
            project, model, policies, cluster, namespace, pair, dest, client, &mut cuts,
        );
    }
    cut_hop(project, model, cuts)
}

/// The DNS hop of the rsync client pods of `namespace`, as the admin tiers
/// decide it (see [`egress_hop`]).
pub(crate) fn dns_hop(
    project: &Project,
    model: &NetworkModel,
    policies: &ClusterPolicies,
    cluster: usize,
    namespace: &str,
    clients: &[rsync_pods::RsyncPod],
) -> Option<(&'static str, Hop)> {
    if policies.admin.is_empty() {
        return None;
    }
    let mut cuts: Cuts = BTreeMap::new();
    dns(policies, cluster, namespace, clients, &mut cuts);
    cut_hop(project, model, cuts)
}

/// The NetworkPolicy ingress hop of one pair into the rsync server pods of
/// `namespace` (`block`: block-transfer pods run there too), as the admin
/// tiers decide it (see [`egress_hop`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn ingress_hop(
    project: &Project,
    model: &NetworkModel,
    policies: &ClusterPolicies,
    cluster: usize,
    namespace: &str,
    pair: &crate::model::migration::DvmPair,
    block: bool,
) -> Option<(&'static str, Hop)> {
    if policies.admin.is_empty() {
        return None;
    }
    let mut cuts: Cuts = BTreeMap::new();
    ingress(
        project, model, policies, cluster, namespace, pair, block, &mut cuts,
    );
    cut_hop(project, model, cuts)
}

/// A hop cut by the admin rules of `cuts` (none: not cut by them): blocked,
/// decided by those rules, with one finding per rule, and its layer: the
/// kind of the first rule that decides (an AdminNetworkPolicy when one of
/// them is, as those are checked before anything else).
fn cut_hop(project: &Project, model: &NetworkModel, cuts: Cuts) -> Option<(&'static str, Hop)> {
    let mut tier = None;
    let mut by = Vec::new();
    let mut findings = Vec::new();
    for ((cluster, rule), cut) in cuts {
        let Some(policies) = model.cluster(cluster) else {
            continue;
        };
        let Some(policy) = policies.set.admin().policy(rule.policy) else {
            continue;
        };
        let Some(finding) = finding(project, model, cluster, &rule, cut) else {
            continue;
        };
        if tier != Some(AdminTier::Admin) {
            tier = Some(policy.tier);
        }
        by.push(Decider {
            name: policies.describe_admin_rule(&rule),
            location: policies.admin_rule_location(project, &rule),
        });
        findings.push(finding);
    }
    let tier = tier?;
    // The label names the first deciding rule with its place after this.
    let short = match by.len() {
        0 => return None,
        1 => "a Deny rule cuts it".to_owned(),
        n => format!("{n} Deny rules cut it"),
    };
    let why = findings
        .iter()
        .map(|f| f.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    Some((
        tier.kind(),
        Hop {
            verdict: Verdict::Blocked,
            short,
            why,
            by,
            findings,
        },
    ))
}

/// Whether every DNS lookup of `clients` is cut, and by which admin rules.
fn dns(
    policies: &ClusterPolicies,
    cluster: usize,
    namespace: &str,
    clients: &[rsync_pods::RsyncPod],
    cuts: &mut Cuts,
) {
    let dns = rsync_pods::dns_pod();
    for client in clients {
        let verdicts = [Protocol::Udp, Protocol::Tcp].map(|proto| {
            policies
                .set
                .egress_to_pod(&client.pod, &dns, DNS_PORT, proto)
        });
        if verdicts.iter().any(|v| v.allowed) {
            continue;
        }
        for v in &verdicts {
            if let Some(m) = v.denied_by_admin() {
                cuts.entry((cluster, m.rule.clone())).or_default().add(
                    namespace,
                    format!(
                        "DNS lookups of the {} (namespace `{DNS_NAMESPACE}`, port {DNS_PORT}, UDP and TCP both denied)",
                        client.description
                    ),
                    &v.admin.may_match,
                );
            }
        }
    }
}

/// What admin rules cut of the ingress of one pair's traffic to the rsync
/// server pods of `namespace` (a target namespace on `cluster`).
#[allow(clippy::too_many_arguments)]
fn ingress(
    project: &Project,
    model: &NetworkModel,
    policies: &ClusterPolicies,
    cluster: usize,
    namespace: &str,
    pair: &crate::model::migration::DvmPair,
    block: bool,
    cuts: &mut Cuts,
) {
    let endpoint = destination::endpoint_type(project, project.migration(), cluster);
    let port = model.layout.server_port();
    // A host-network router is never an admin peer; unknown, it is taken as
    // a pod of `openshift-ingress` and the cut says so.
    let router = router::router(project, cluster);
    let router_assumed = router.is_none();
    for server in rsync_pods::server_pods(model.layout, namespace, block) {
        let remote_pods = match endpoint {
            Endpoint::ClusterIP if pair.source.cluster == cluster => {
                rsync_pods::client_pods(model.layout, &pair.source.namespace, server.block)
                    .into_iter()
                    .map(|c| c.pod)
                    .collect()
            }
            Endpoint::NodePort | Endpoint::ClusterIP => Vec::new(),
            Endpoint::Route | Endpoint::Proxy { .. }
                if router
                    .as_ref()
                    .is_some_and(|r| r.network == RouterNetwork::Host) =>
            {
                Vec::new()
            }
            Endpoint::Route | Endpoint::Proxy { .. } => vec![rsync_pods::router_pod()],
        };
        for remote in &remote_pods {
            let v = policies
                .set
                .ingress_from_pod(&server.pod, remote, port, Protocol::Tcp);
            if let Some(m) = v.denied_by_admin() {
                let is_router = remote.namespace == rsync_pods::ROUTER_NAMESPACE;
                let from = if is_router {
                    "the OpenShift router".to_owned()
                } else {
                    format!("the rsync client pods of namespace `{}`", remote.namespace)
                };
                cuts.entry((cluster, m.rule.clone())).or_default().push(
                    namespace,
                    format!(
                        "ingress to the {} from {from} on TCP {port}",
                        server.description
                    ),
                    &v.admin.may_match,
                    is_router && router_assumed,
                );
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn egress(
    project: &Project,
    model: &NetworkModel,
    policies: &ClusterPolicies,
    cluster: usize,
    namespace: &str,
    pair: &crate::model::migration::DvmPair,
    dest: &DvmDestination,
    client: &rsync_pods::RsyncPod,
    cuts: &mut Cuts,
) {
    let target_name = project
        .cluster_name(Some(pair.target.cluster))
        .map_or("target", |c| c.as_ref());
    let what = super::rsync_egress_blocked::describe(dest, target_name);
    if dest.endpoint == Endpoint::ClusterIP && pair.target.cluster == cluster {
        let servers = rsync_pods::server_pods(model.layout, &pair.target.namespace, client.block);
        let Some(server) = servers.first() else {
            return;
        };
        let port = model.layout.server_port();
        let v = policies
            .set
            .egress_to_pod(&client.pod, &server.pod, port, Protocol::Tcp);
        if let Some(m) = v.denied_by_admin() {
            cuts.entry((cluster, m.rule.clone())).or_default().add(
                namespace,
                format!(
                    "egress of the {} to {what} (TCP {port} to the rsync server pod in namespace `{}`)",
                    client.description, pair.target.namespace
                ),
                &v.admin.may_match,
            );
        }
        return;
    }
    let (addresses, known) = match &dest.addresses {
        Some(a) => (a.clone(), true),
        None => (IpSet::all_v4(), false),
    };
    let v = policies
        .set
        .egress_to_external(&client.pod, &addresses, dest.ports, Protocol::Tcp);
    // With unknown addresses, only a denial of every IPv4 address on the
    // destination's ports is certain to cut the destination.
    if !known && !v.denies_all(&addresses, dest.ports) {
        return;
    }
    for grant in v.admin.iter().filter(|g| g.decision.action == Action::Deny) {
        let region = if known {
            grant.region.to_string()
        } else {
            format!("every address on TCP {}", dest.ports)
        };
        cuts.entry((cluster, grant.decision.rule.clone()))
            .or_default()
            .add(
                namespace,
                format!(
                    "egress of the {} to {what}: TCP to {region}",
                    client.description
                ),
                &v.may_match,
            );
    }
}

fn finding(
    project: &Project,
    model: &NetworkModel,
    cluster: usize,
    rule: &AdminRuleRef,
    cut: Cut,
) -> Option<Finding> {
    let policies = model.cluster(cluster)?;
    let (object_index, view) = policies.admin_view(rule.policy)?;
    let object = project.objects.get(object_index)?;
    let location = policies.admin_rule_location(project, rule)?;
    let policy = policies.set.admin().policy(rule.policy)?;
    let decision = AdminMatch {
        rule: rule.clone(),
        tier: policy.tier,
        action: Action::Deny,
    };
    let mut namespaces: Vec<String> = Vec::new();
    for (ns, _) in &cut.cuts {
        let quoted = format!("`{ns}`");
        if !namespaces.contains(&quoted) {
            namespaces.push(quoted);
        }
    }
    // The same traffic cut in several namespaces is said once.
    let mut grouped: Vec<(&str, Vec<String>)> = Vec::new();
    for (ns, what) in &cut.cuts {
        let quoted = format!("`{ns}`");
        match grouped.iter_mut().find(|(w, _)| *w == what.as_str()) {
            Some((_, list)) => list.push(quoted),
            None => grouped.push((what.as_str(), vec![quoted])),
        }
    }
    let what: Vec<String> = grouped
        .iter()
        .map(|(what, list)| {
            format!(
                "{what} in migrated {} {}",
                if list.len() == 1 {
                    "namespace"
                } else {
                    "namespaces"
                },
                bounded_list(list)
            )
        })
        .collect();
    let cluster_name = project
        .cluster_name(Some(cluster))
        .map_or("", |c| c.as_ref());
    let why = match decision.tier {
        AdminTier::Admin => {
            "AdminNetworkPolicy rules are evaluated before NetworkPolicies, so no NetworkPolicy can allow it back".to_owned()
        }
        AdminTier::Baseline => {
            "the baseline decides because no NetworkPolicy selects these pods for this direction".to_owned()
        }
    };
    // A cut of the router's hop holds only for a router on the pod network:
    // said, and a warning when nothing else is cut.
    let assumption = if cut.router_assumed > 0 {
        format!(
            " (the router's traffic is cut only if the routers of cluster `{cluster_name}` run on the pod network, as they do with a `LoadBalancerService` IngressController, the default on AWS, Azure, GCP, IBM Cloud and Power VS; a `HostNetwork` one, the default elsewhere, is never an admin policy peer: neither the repository nor .dvmlint.yaml says which)"
        )
    } else {
        String::new()
    };
    let message = format!(
        "{} denies DVM traffic on cluster `{cluster_name}`: {}; {why}, and every DVM transfer that needs it would fail{assumption}",
        policies.describe_admin_rule(rule),
        crate::finding::bounded_join(&what, "; "),
    );
    let mut help = help(policy.tier, policy.priority, &view.name.value, rule);
    if cut.router_assumed > 0 {
        let _ = write!(
            help,
            "; set `routerNetwork: host` or `pod` for cluster `{cluster_name}` in .dvmlint.yaml (or write the IngressController `default` with its `endpointPublishingStrategy`) to settle it"
        );
    }
    let mut finding = Finding::new(RULE, location, message)
        .help(help)
        .object(Some(object.object_ref()))
        .cluster(project.cluster_name(Some(cluster)));
    for other in policies.same_priority(rule.policy) {
        if let Some((o, v)) = policies.admin_view(other)
            && let Some(obj) = project.objects.get(o)
        {
            finding = finding.related(
                Location::new(&obj.object.file, v.priority_span),
                format!(
                    "`{}` has the same priority {}: OVN-Kubernetes applies policies of one priority in no defined order",
                    v.name.value, policy.priority
                ),
            );
        }
    }
    for m in &cut.may_match {
        if let Some(loc) = policies.admin_rule_location(project, m) {
            finding = finding.related(
                loc,
                format!(
                    "{} comes first but selects nodes, domain names or addresses the repository does not give: taken as not matching",
                    policies.describe_admin_rule(m)
                ),
            );
        }
    }
    if cut.router_assumed == cut.cuts.len() {
        finding = finding.severity(crate::finding::Severity::Warning);
    }
    if namespaces.len() > 1 {
        let here = finding.location.clone();
        for ns in &namespaces {
            finding = finding.related(here.clone(), format!("affects migrated namespace {ns}"));
        }
    }
    Some(finding)
}

fn help(tier: AdminTier, priority: u32, name: &str, rule: &AdminRuleRef) -> String {
    let field = rule.direction.field();
    match tier {
        AdminTier::Admin => {
            let mut help = format!(
                "let the DVM traffic through before this rule: add an `Allow` rule (or `Pass`, to let NetworkPolicies decide) for the rsync pods above {field}[{}] in `{name}`",
                rule.rule
            );
            if priority > 0 {
                let _ = write!(
                    help,
                    ", or an AdminNetworkPolicy of its own with a lower priority number (checked first), e.g.:\n\n\
                     apiVersion: policy.networking.k8s.io/v1alpha1\n\
                     kind: AdminNetworkPolicy\n\
                     metadata:\n  name: allow-dvm-rsync\n\
                     spec:\n  priority: {}\n  subject:\n    pods:\n      namespaceSelector: {{}}\n      podSelector:\n        matchLabels:\n          owner: directvolumemigration\n  {field}:\n    - name: dvm-rsync\n      action: Pass\n      {}:\n        - {}\n\n\
                     (`Pass` hands the rsync pods' traffic to NetworkPolicies, as if this Deny were not there; narrow the peers and ports to the DVM traffic, and use `Allow` to bypass NetworkPolicies too)",
                    priority - 1,
                    rule.direction.peer_field(),
                    match rule.direction {
                        PolicyType::Egress => "networks: [\"0.0.0.0/0\"]",
                        PolicyType::Ingress => "namespaces: {}",
                    }
                );
            }
            help
        }
        AdminTier::Baseline => format!(
            "a NetworkPolicy selecting the rsync pods takes precedence over the baseline: allow the DVM traffic with one (`owner: directvolumemigration`; DVM101-DVM103 give its YAML), or narrow {field}[{}] of the BaselineAdminNetworkPolicy so it does not match the rsync pods' traffic",
            rule.rule
        ),
    }
}
