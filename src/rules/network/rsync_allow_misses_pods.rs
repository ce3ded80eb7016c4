//! DVM104 rsync-allow-misses-pods: a policy meant for the rsync pods — its
//! `podSelector` positively names `owner: directvolumemigration` or
//! `app: directvolumemigration-rsync-transfer*` — allows traffic, yet does not
//! select every rsync pod that needs it in its namespace (docs/rules.md,
//! docs/domain.md §1.2, §1.4).
//!
//! The MTC documentation's selector (`app: directvolumemigration-rsync-transfer`
//! and `owner`) misses the block-transfer pods of MTC 1.8 and the `owner`-less
//! client pods of MTC 1.5. Which pods "need it" follows the policy's
//! directions: egress rules are for the client pods of a source namespace,
//! ingress rules for the server pods of a target namespace.

use std::collections::BTreeMap;

use crate::finding::{Finding, Location};
use crate::model::Project;
use crate::model::rsync_pods::{self, APP_FILESYSTEM, OWNER, RsyncPod};
use crate::net::netpol::PolicyType;
use crate::net::selector::LabelSelector;

const RULE: &str = "DVM104";

/// True when the selector positively names a DVM label.
fn names_dvm_label(selector: &LabelSelector) -> bool {
    selector.any_positive_value(OWNER.0, |v| v == OWNER.1)
        || selector.any_positive_value("app", |v| v.starts_with(APP_FILESYSTEM))
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let found = misses(project)
        .into_iter()
        .map(|miss| (miss.namespace, miss.finding))
        .collect();
    super::one_per_cause(project, found, out);
}

/// One policy of a migrated namespace that misses rsync pods: which side's
/// pods (client pods of a source namespace, server pods of a target one), and
/// DVM104's finding. The graph puts it on that side's NetworkPolicy hop.
pub(crate) struct Miss {
    pub cluster: usize,
    pub namespace: String,
    pub clients: bool,
    pub servers: bool,
    pub finding: Finding,
}

pub(crate) fn misses(project: &Project) -> Vec<Miss> {
    let model = project.network();
    // Each migrated (cluster, namespace) per side, with whether block pods run.
    let mut sources: BTreeMap<(usize, &str), bool> = BTreeMap::new();
    let mut targets: BTreeMap<(usize, &str), bool> = BTreeMap::new();
    for pair in &project.migration().pairs {
        *sources
            .entry((pair.source.cluster, pair.source.namespace.as_str()))
            .or_default() |= pair.block;
        *targets
            .entry((pair.target.cluster, pair.target.namespace.as_str()))
            .or_default() |= pair.block;
    }
    let mut found = Vec::new();
    for (cluster, policies) in model.clusters.iter().enumerate() {
        for (index, policy) in policies.set.policies().iter().enumerate() {
            if !names_dvm_label(&policy.pod_selector) {
                continue;
            }
            let ns = policy.namespace.as_str();
            let mut needed: Vec<RsyncPod> = Vec::new();
            if policies.has_rules(index, PolicyType::Egress)
                && let Some(&block) = sources.get(&(cluster, ns))
            {
                needed.extend(rsync_pods::client_pods(model.layout, ns, block));
            }
            // `needed[..client_count]` are client pods, the rest server pods.
            let client_count = needed.len();
            if policies.has_rules(index, PolicyType::Ingress)
                && let Some(&block) = targets.get(&(cluster, ns))
            {
                needed.extend(rsync_pods::server_pods(model.layout, ns, block));
            }
            let is_missed = |p: &RsyncPod| !policy.pod_selector.matches(&p.pod.labels);
            let missed: Vec<&str> = needed
                .iter()
                .filter(|p| is_missed(p))
                .map(|p| p.description)
                .collect();
            let clients = needed.iter().take(client_count).any(is_missed);
            let servers = needed.iter().skip(client_count).any(is_missed);
            if missed.is_empty() {
                continue;
            }
            let Some(origin) = policies.origin(index) else {
                continue;
            };
            let (Some(object), Some(view)) =
                (project.objects.get(origin.object), policies.view(index))
            else {
                continue;
            };
            let missed_block = needed
                .iter()
                .any(|p| p.block && !policy.pod_selector.matches(&p.pod.labels));
            let why = if model.layout == rsync_pods::Layout::Mtc15 {
                "MTC 1.5 client pods carry no `owner` label"
            } else if missed_block {
                "block-transfer pods are labelled `app: directvolumemigration-rsync-transfer-block`"
            } else {
                "their labels differ from what it requires"
            };
            let (k, v) = model.layout.allow_selector();
            let message = format!(
                "`{}` names the rsync pods in its podSelector `{}`, but in namespace `{ns}` it does not select the {} ({why}): the traffic it allows stays blocked for them",
                view.name.value,
                policy.pod_selector,
                missed.join(" and "),
            );
            let help = format!(
                "select every rsync pod with `{k}: {v}` alone:\n\n  podSelector:\n    matchLabels:\n      {k}: {v}"
            );
            found.push(Miss {
                cluster,
                namespace: ns.to_owned(),
                clients,
                servers,
                finding: Finding::new(
                    RULE,
                    Location::new(&object.object.file, view.pod_selector_span),
                    message,
                )
                .help(help)
                .object(Some(object.object_ref()))
                .cluster(project.cluster_name(Some(cluster))),
            });
        }
    }
    found
}
