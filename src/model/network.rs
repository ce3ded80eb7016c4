//! The NetworkPolicies of each cluster, indexed for the evaluator
//! ([`crate::net::netpol::PolicySet`]), with the way back from an evaluator
//! answer to the manifest that decided it.
//!
//! Policies are kept in file order (the order of `Project::objects`), so "the
//! first isolating policy" is the first in file order (docs/rules.md). An unbound
//! policy (no namespace from metadata or a kustomization) applies to every
//! in-scope namespace of its cluster (docs/input.md): it is entered once per such
//! namespace, all copies pointing at the same object. The `PolicySet` indexes
//! by namespace, so a query costs only the policies of one namespace.
//!
//! Namespace labels come from the repository's Namespace objects plus the
//! labels OpenShift always puts on the router's and DNS namespaces
//! (docs/domain.md §7).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::finding::Location;
use crate::manifest::admin_network_policy::AdminPolicyView;
use crate::manifest::network_policy::NetworkPolicyView;
use crate::net::admin::{AdminPolicies, AdminRuleRef, AdminTier};
use crate::net::netpol::{self, Policy, PolicySet, PolicyType, RuleRef};
use crate::net::selector::{LabelValue, Labels};

use super::rsync_pods::{self, Layout};
use super::{ModelObject, Project, Scope};

/// Where a policy of a [`PolicySet`] comes from.
#[derive(Clone, Debug)]
pub struct PolicyOrigin {
    /// Index in `Project::objects`.
    pub object: usize,
    /// Index in [`ClusterPolicies::views`].
    pub view: usize,
    /// The policy has no namespace of its own.
    pub unbound: bool,
}

/// One cluster's policies.
#[derive(Clone, Debug, Default)]
pub struct ClusterPolicies {
    pub set: PolicySet,
    /// Per policy of `set`, in the same order.
    pub origins: Vec<PolicyOrigin>,
    /// One per NetworkPolicy object of the cluster (read in the per-file
    /// stage, `parsed::Body`).
    pub views: Vec<Arc<NetworkPolicyView>>,
    /// Policy names per namespace (to suggest a name not yet taken).
    pub names: BTreeMap<String, BTreeSet<String>>,
    /// Per admin policy of `set.admin()`, in the same order: the object
    /// (index in `Project::objects`) and its view.
    pub admin: Vec<(usize, Arc<AdminPolicyView>)>,
    /// Admin policies the API server rejects or OVN-Kubernetes does not
    /// apply: they apply nowhere (their `rejected` note says why).
    pub admin_rejected: Vec<(usize, Arc<AdminPolicyView>)>,
    /// Migrated namespaces of this cluster whose labels are unknown: no
    /// Namespace object for them here, none on the source side to copy
    /// (for a destination), no `labels:` in `namespaces:` of .dvmlint.yaml.
    /// They are evaluated with `kubernetes.io/metadata.name` alone.
    pub unknown_labels: BTreeSet<String>,
}

/// Everything the network rules and `dvmlint probe` evaluate.
pub struct NetworkModel {
    pub layout: Layout,
    /// Per cluster index.
    pub clusters: Vec<ClusterPolicies>,
    /// Per cluster index: the namespaces in scope (source or target side).
    pub in_scope: Vec<BTreeSet<String>>,
}

impl NetworkModel {
    pub fn build(project: &Project) -> NetworkModel {
        NetworkModel::build_with(project, &[])
    }

    /// Like [`NetworkModel::build`], from `previous`, a model of the same
    /// objects but for the NetworkPolicies at `changed` (indices in
    /// `Project::objects`), each read again with the same identity and
    /// policy types (so the same namespaces, names and duplicates) and the
    /// same migration view: their policies and views are put in the places
    /// of the earlier ones, every other policy kept.
    pub fn update(
        project: &Project,
        mut previous: NetworkModel,
        changed: &[usize],
    ) -> NetworkModel {
        for cluster in &mut previous.clusters {
            let mut replaced: Vec<(usize, usize)> = Vec::new();
            for (policy, origin) in cluster.origins.iter().enumerate() {
                if changed.binary_search(&origin.object).is_ok() {
                    replaced.push((policy, origin.object));
                }
            }
            for (policy, object) in replaced {
                let Some(view) = project
                    .objects
                    .get(object)
                    .and_then(|o| o.object.network_policy())
                else {
                    continue;
                };
                if let Some(slot) = cluster
                    .origin(policy)
                    .map(|o| o.view)
                    .and_then(|v| cluster.views.get_mut(v))
                {
                    *slot = Arc::clone(view);
                }
                cluster.set.replace(policy, &view.policy);
            }
        }
        previous
    }

    /// Like [`NetworkModel::build`], with `extra` (cluster, namespace) pairs
    /// that unbound policies also apply to (the namespace `probe` asks about).
    pub fn build_with(project: &Project, extra: &[(usize, String)]) -> NetworkModel {
        let migration = project.migration();
        let layout = Layout::from_version(project.config.mtc_version.as_deref());
        let n = project.clusters.len();
        let mut in_scope: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
        for pair in &migration.pairs {
            for side in [&pair.source, &pair.target] {
                if let Some(set) = in_scope.get_mut(side.cluster) {
                    set.insert(side.namespace.clone());
                }
            }
        }
        let mut applied = in_scope.clone();
        for (cluster, ns) in extra {
            if let Some(set) = applied.get_mut(*cluster) {
                set.insert(ns.clone());
            }
        }
        // Found once a Template's policy is met: the project-request
        // Templates, and per cluster the namespaces migrated onto it and not
        // off it.
        let mut request_templates: Option<RequestTemplates<'_>> = None;
        let mut policies: Vec<Vec<Arc<Policy>>> = vec![Vec::new(); n];
        let mut clusters: Vec<ClusterPolicies> = vec![ClusterPolicies::default(); n];
        let mut namespace_labels: Vec<BTreeMap<String, Labels>> = vec![platform_namespaces(); n];
        for (index, object) in project.modelled() {
            let Some(cluster) = object.cluster() else {
                continue;
            };
            let meta = &object.object.meta;
            if let Some(tier) = admin_tier(meta) {
                if project.is_replaced(index) {
                    continue;
                }
                let (Some(tree), Some(target)) = (object.object.tree(), clusters.get_mut(cluster))
                else {
                    continue;
                };
                let view = Arc::new(AdminPolicyView::from_node(tree, &meta.name_text(), tier));
                if view.rejected.is_some() {
                    target.admin_rejected.push((index, view));
                } else {
                    target.admin.push((index, view));
                }
                continue;
            }
            if meta.is("", "Namespace") {
                if let Some(labels) = namespace_labels.get_mut(cluster)
                    && let Some(entry) = entry_of(labels, &meta.name.value)
                {
                    for (k, v) in meta.labels() {
                        entry.insert(k.clone(), LabelValue::from(v.as_str()));
                    }
                }
                continue;
            }
            // What `kubectl apply` leaves: a later definition of the same
            // policy in the same apply replaces this one (DVM401).
            if object.object.network_policy().is_some() && project.is_replaced(index) {
                continue;
            }
            // Only NetworkPolicies carry a view (`parsed::Body`).
            let (Some(view), Some(target), Some(list), Some(namespaces)) = (
                object.object.network_policy(),
                clusters.get_mut(cluster),
                policies.get_mut(cluster),
                applied.get(cluster),
            ) else {
                continue;
            };
            let view_index = target.views.len();
            // A project-request Template's objects are made in the projects
            // users request; a destination namespace DVM creates (or a
            // Namespace object) is no request, so they are not in it.
            let destination_only = (object.object.template != 0)
                .then(|| {
                    let (templates, destinations) = request_templates
                        .get_or_insert_with(|| project_request_templates(project, n));
                    templates
                        .contains(&(object.object.file.as_ref(), object.object.template))
                        .then(|| destinations.get(cluster))
                        .flatten()
                })
                .flatten();
            let bound: Vec<&str> = match object.scope() {
                Scope::Namespace(ns) => vec![ns.as_str()],
                Scope::Unbound => namespaces
                    .iter()
                    .filter(|ns| !destination_only.is_some_and(|d| d.contains(ns.as_str())))
                    .map(String::as_str)
                    .collect(),
                Scope::Cluster => Vec::new(),
            };
            // The evaluator's policy in each namespace it applies in: the
            // view's own where it is written (shared), a copy elsewhere; the
            // view keeps the names, spans and notes the rules report.
            for ns in bound {
                let policy = netpol::in_namespace(&view.policy, ns);
                if let Some(names) = entry_of(&mut target.names, ns) {
                    names.insert(policy.name.clone());
                }
                list.push(policy);
                target.origins.push(PolicyOrigin {
                    object: index,
                    view: view_index,
                    unbound: *object.scope() == Scope::Unbound,
                });
            }
            target.views.push(Arc::clone(view));
        }
        let with_admin: Vec<bool> = clusters.iter().map(|c| !c.admin.is_empty()).collect();
        let judged = |cluster: usize| with_admin.get(cluster).copied().unwrap_or(false);
        for (cluster, unknown) in known_labels(project, &mut namespace_labels, judged) {
            if let Some(target) = clusters.get_mut(cluster) {
                target.unknown_labels.insert(unknown);
            }
        }
        for ((cluster, list), labels) in clusters.iter_mut().zip(policies).zip(namespace_labels) {
            let admin = AdminPolicies::new(
                cluster
                    .admin
                    .iter()
                    .map(|(_, v)| v.policy.clone())
                    .collect(),
            );
            cluster.set = PolicySet::shared(list, labels).with_admin(admin);
            // Kept until the run ends: no room left from their growth.
            cluster.origins.shrink_to_fit();
            cluster.views.shrink_to_fit();
        }
        NetworkModel {
            layout,
            clusters,
            in_scope,
        }
    }

    pub fn cluster(&self, cluster: usize) -> Option<&ClusterPolicies> {
        self.clusters.get(cluster)
    }
}

/// The labels of the migrated namespaces the repository holds no Namespace
/// object for, added to `labels` (per cluster, by namespace, from the
/// Namespace objects): a destination namespace gets its source Namespace
/// object's labels, which DVM copies when it creates the namespace
/// (`directvolumemigration/namespace.go`, docs/domain.md §1.4); else either
/// side gets the `labels:` of its `namespaces:` entry in .dvmlint.yaml.
/// Returns the (cluster, namespace) whose labels stay unknown.
fn known_labels(
    project: &Project,
    labels: &mut [BTreeMap<String, Labels>],
    judged: impl Fn(usize) -> bool,
) -> BTreeSet<(usize, String)> {
    let any_given = project
        .config
        .namespaces
        .iter()
        .any(|e| !e.labels.is_empty());
    let configured = |source_side: bool, ns: &str| -> Option<Labels> {
        if !any_given {
            return None;
        }
        let entry = project.config.namespaces.iter().find(|e| {
            !e.labels.is_empty()
                && if source_side {
                    e.source == ns
                } else {
                    e.destination == ns
                }
        })?;
        Some(
            entry
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), LabelValue::from(v.as_str())))
                .collect(),
        )
    };
    // Read first, then added: most pairs have their labels written, or
    // nothing to give them.
    let mut given: Vec<(usize, String, Labels)> = Vec::new();
    let mut unknown: Vec<(usize, &str)> = Vec::new();
    let migration = project.migration();
    for pair in &migration.pairs {
        let (source, target) = (&pair.source, &pair.target);
        let written = |cluster: usize, ns: &str| labels.get(cluster).and_then(|m| m.get(ns));
        let source_labels = written(source.cluster, &source.namespace);
        if source_labels.is_none() {
            match configured(true, &source.namespace) {
                Some(found) => given.push((source.cluster, source.namespace.clone(), found)),
                None => unknown.push((source.cluster, &source.namespace)),
            }
        }
        if written(target.cluster, &target.namespace).is_some() {
            continue;
        }
        let copied = source_labels.cloned().map(|mut copied| {
            copied.remove(crate::net::netpol::NAMESPACE_NAME_LABEL);
            copied
        });
        match copied.or_else(|| configured(false, &target.namespace)) {
            Some(found) => given.push((target.cluster, target.namespace.clone(), found)),
            None => unknown.push((target.cluster, &target.namespace)),
        }
    }
    for (cluster, ns, found) in given {
        if let Some(map) = labels.get_mut(cluster) {
            map.insert(ns, found);
        }
    }
    // Said only where an admin policy may depend on them; a namespace known
    // on one side of some pair is known.
    unknown
        .into_iter()
        .filter(|&(cluster, ns)| {
            judged(cluster) && labels.get(cluster).is_none_or(|map| !map.contains_key(ns))
        })
        .map(|(cluster, ns)| (cluster, ns.to_owned()))
        .collect()
}

/// What [`project_request_templates`] finds.
type RequestTemplates<'p> = (BTreeSet<(&'p str, u16)>, Vec<BTreeSet<&'p str>>);

/// The Templates (file, ordinal in it) that make a `Project`: project-request
/// templates (`oc adm create-bootstrap-project-template`), whose objects the
/// API server makes in each project a user requests (`oc new-project`).
/// Also, per cluster of `n`, the namespaces migrated onto it and not off it.
fn project_request_templates(project: &Project, n: usize) -> RequestTemplates<'_> {
    let templates = project
        .objects
        .iter()
        .filter(|o| o.object.template != 0 && o.object.meta.is("project.openshift.io", "Project"))
        .map(|o| (o.object.file.as_ref(), o.object.template))
        .collect();
    let pairs = &project.migration().pairs;
    let mut destinations: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); n];
    for pair in pairs {
        if let Some(set) = destinations.get_mut(pair.target.cluster) {
            set.insert(&pair.target.namespace);
        }
    }
    for pair in pairs {
        if let Some(set) = destinations.get_mut(pair.source.cluster) {
            set.remove(pair.source.namespace.as_str());
        }
    }
    (templates, destinations)
}

/// Which admin tier an object's kind is, if it is one.
pub fn admin_tier(meta: &crate::manifest::ObjectMeta) -> Option<AdminTier> {
    if meta.is(ADMIN_GROUP, "AdminNetworkPolicy") {
        Some(AdminTier::Admin)
    } else if meta.is(ADMIN_GROUP, "BaselineAdminNetworkPolicy") {
        Some(AdminTier::Baseline)
    } else {
        None
    }
}

/// The API group of AdminNetworkPolicy and BaselineAdminNetworkPolicy.
pub const ADMIN_GROUP: &str = "policy.networking.k8s.io";

/// The router's and DNS namespaces with the labels OpenShift sets on them.
/// The value of `key` in `map`, made empty if absent (so always `Some`); the
/// key is copied only the first time it is met (most namespaces are met many
/// times, and `entry` would copy it each time).
fn entry_of<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> Option<&'m mut V> {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key)
}

fn platform_namespaces() -> BTreeMap<String, Labels> {
    BTreeMap::from([
        (
            rsync_pods::ROUTER_NAMESPACE.to_owned(),
            rsync_pods::router_namespace_labels(),
        ),
        (rsync_pods::DNS_NAMESPACE.to_owned(), Labels::new()),
    ])
}

impl ClusterPolicies {
    pub fn origin(&self, policy: usize) -> Option<&PolicyOrigin> {
        self.origins.get(policy)
    }

    pub fn view(&self, policy: usize) -> Option<&NetworkPolicyView> {
        self.views.get(self.origin(policy)?.view).map(AsRef::as_ref)
    }

    pub fn object<'p>(&self, project: &'p Project, policy: usize) -> Option<&'p ModelObject> {
        project.objects.get(self.origin(policy)?.object)
    }

    /// Where `spec.podSelector` of a policy is written.
    pub fn selector_location(&self, project: &Project, policy: usize) -> Option<Location> {
        let object = self.object(project, policy)?;
        let view = self.view(policy)?;
        Some(Location::new(&object.object.file, view.pod_selector_span))
    }

    /// Where a rule (or, when exactly one peer matched, that peer) is written.
    pub fn rule_location(&self, project: &Project, rule: &RuleRef) -> Option<Location> {
        let object = self.object(project, rule.policy)?;
        let spans = self
            .view(rule.policy)?
            .rule_spans(rule.direction, rule.rule)?;
        let span = match rule.peers.as_slice() {
            [one] => spans.peers.get(*one).copied().unwrap_or(spans.span),
            _ => spans.span,
        };
        Some(Location::new(&object.object.file, span))
    }

    /// The object and view of admin policy `policy` (index in `set.admin()`).
    pub fn admin_view(&self, policy: usize) -> Option<(usize, &AdminPolicyView)> {
        self.admin.get(policy).map(|(o, v)| (*o, v.as_ref()))
    }

    /// Where an admin rule is written (the rule item).
    pub fn admin_rule_location(&self, project: &Project, rule: &AdminRuleRef) -> Option<Location> {
        let (object, view) = self.admin_view(rule.policy)?;
        let object = project.objects.get(object)?;
        let spans = view.rule_spans(rule.direction, rule.rule)?;
        Some(Location::new(&object.object.file, spans.span))
    }

    /// `AdminNetworkPolicy `x` (priority 5) egress[1] `name``.
    pub fn describe_admin_rule(&self, rule: &AdminRuleRef) -> String {
        self.set.admin().describe_rule(rule)
    }

    /// The AdminNetworkPolicies other than `policy` that share its priority
    /// (OVN-Kubernetes then applies them in no defined order).
    pub fn same_priority(&self, policy: usize) -> Vec<usize> {
        let admin = self.set.admin();
        let Some(p) = admin.policy(policy) else {
            return Vec::new();
        };
        admin
            .policies()
            .iter()
            .enumerate()
            .filter(|(i, o)| {
                *i != policy
                    && o.tier == AdminTier::Admin
                    && p.tier == AdminTier::Admin
                    && o.priority == p.priority
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// `ns/name egress[0]`: how messages name a rule.
    pub fn describe_rule(&self, rule: &RuleRef) -> String {
        self.set.describe_rule(rule)
    }

    /// Whether the policy at `policy` has no namespace of its own.
    pub fn is_unbound(&self, policy: usize) -> bool {
        self.origin(policy).is_some_and(|o| o.unbound)
    }

    /// True when a selecting policy has rules for `direction` at all.
    pub fn has_rules(&self, policy: usize, direction: PolicyType) -> bool {
        self.set
            .policy(policy)
            .is_some_and(|p| p.has_type(direction) && !p.rules(direction).is_empty())
    }
}
