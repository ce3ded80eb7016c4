//! NetworkPolicies against the rsync pods (docs/rules.md, DVM101–DVM104).
//!
//! Every rule here builds the same [`NetworkModel`] (migration, synthesised
//! rsync pods, each cluster's indexed policies) and asks the MTC-agnostic
//! evaluator of [`crate::net::netpol`] one question per migrated namespace.
//! This module holds what their findings share: the location (`spec.podSelector`
//! of the first isolating policy, the others related), the note for unbound
//! policies, and the allow-policy YAML of the fix.

pub mod admin_policy_blocks_rsync;
pub mod rsync_allow_misses_pods;
pub mod rsync_dns_blocked;
pub mod rsync_egress_blocked;
pub mod rsync_ingress_blocked;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use crate::finding::{Finding, Location};
use crate::model::Project;
use crate::model::destination::DvmDestination;
use crate::model::migration::DvmPair;
use crate::model::network::ClusterPolicies;

/// The pairs of the migration grouped by their source side (`source`) or
/// target side: one question per migrated namespace, however many plans.
pub(crate) fn group_by(project: &Project, source: bool) -> BTreeMap<(usize, &str), Vec<&DvmPair>> {
    let mut groups: BTreeMap<(usize, &str), Vec<&DvmPair>> = BTreeMap::new();
    for pair in &project.migration().pairs {
        let side = if source { &pair.source } else { &pair.target };
        groups
            .entry((side.cluster, side.namespace.as_str()))
            .or_default()
            .push(pair);
    }
    groups
}

/// The policies of `isolating` (deduplicated, file order) as the deciders of
/// a hop: each named `ns/name` at its `spec.podSelector`.
pub(crate) fn policy_deciders(
    project: &Project,
    policies: &ClusterPolicies,
    isolating: &[usize],
) -> Vec<crate::rules::hops::Decider> {
    let mut ordered: Vec<usize> = isolating.to_vec();
    ordered.sort_unstable();
    ordered.dedup();
    ordered
        .into_iter()
        .map(|p| crate::rules::hops::Decider {
            name: policies.set.policy_name(p),
            location: policies.selector_location(project, p),
        })
        .collect()
}

/// The rules that allowed a hop, as its deciders (`ns/name egress[0]` at the
/// rule), each once, in the order they came.
pub(crate) fn rule_deciders(
    project: &Project,
    policies: &ClusterPolicies,
    rules: Vec<crate::net::netpol::RuleRef>,
) -> Vec<crate::rules::hops::Decider> {
    // The same rule comes once per pod, port and protocol it allowed: each
    // is described once (a `String` formatted), and both look-ups are hashed
    // rather than a search of the list so far for each rule.
    let mut seen: HashSet<&crate::net::netpol::RuleRef> = HashSet::with_capacity(rules.len());
    let mut names: HashSet<String> = HashSet::new();
    let mut out: Vec<crate::rules::hops::Decider> = Vec::new();
    for rule in &rules {
        if !seen.insert(rule) {
            continue;
        }
        let name = policies.describe_rule(rule);
        if names.contains(&name) {
            continue;
        }
        names.insert(name.clone());
        out.push(crate::rules::hops::Decider {
            name,
            location: policies.rule_location(project, rule),
        });
    }
    out
}

/// A block of egress on `cluster` by NetworkPolicies, when its network
/// plugin enforces none (OpenShift 3: OpenShift SDN): the finding turns info,
/// its message saying why, so a cluster running another plugin is not left
/// unchecked; else the block as it is.
pub(crate) fn egress_block(
    project: &Project,
    cluster: usize,
    short: &str,
    by: Vec<crate::rules::hops::Decider>,
    mut finding: Finding,
) -> crate::rules::hops::Hop {
    let version = project
        .proxies()
        .iter()
        .find(|p| p.cluster == cluster)
        .and_then(|p| p.version)
        .filter(|v| v.ignores_egress_policies());
    let Some(version) = version else {
        return crate::rules::hops::Hop::blocked(short, by, finding);
    };
    let _ = write!(
        finding.message,
        "; but cluster `{}` runs OpenShift {version}, whose network plugin, OpenShift SDN, does not enforce egress NetworkPolicies: no block there unless the cluster runs another plugin",
        project
            .cluster_name(Some(cluster))
            .map_or("", |c| c.as_ref()),
    );
    crate::rules::hops::Hop::unjudged(
        "egress policies not enforced (OpenShift SDN)",
        by,
        finding.severity(crate::finding::Severity::Info),
    )
}

/// A finding at `spec.podSelector` of the first isolating policy that allows
/// nothing in `direction` (a deny-all), else of the first (file order), with
/// the other isolating policies as related locations (docs/rules.md). Adds to
/// the message that unbound policies apply to every namespace in scope.
#[allow(clippy::too_many_arguments)]
pub(crate) fn isolation_finding(
    rule: &'static str,
    project: &Project,
    cluster: usize,
    policies: &ClusterPolicies,
    namespace: &str,
    isolating: &[usize],
    direction: crate::net::netpol::PolicyType,
    message: String,
) -> Option<Finding> {
    let mut ordered: Vec<usize> = isolating.to_vec();
    ordered.sort_unstable();
    ordered.dedup();
    let denies_all = |p: usize| {
        policies.view(p).is_some_and(|v| match direction {
            crate::net::netpol::PolicyType::Ingress => v.ingress.is_empty(),
            crate::net::netpol::PolicyType::Egress => v.egress.is_empty(),
        })
    };
    let first = ordered
        .iter()
        .copied()
        .find(|&p| denies_all(p))
        .or_else(|| ordered.first().copied())?;
    let location = policies.selector_location(project, first)?;
    let object = policies.object(project, first)?;
    let mut message = message;
    let unbound: Vec<String> = ordered
        .iter()
        .filter(|&&p| policies.is_unbound(p))
        .filter_map(|&p| policies.view(p).map(|v| format!("`{}`", v.name.value)))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !unbound.is_empty() {
        let cluster_name = project
            .cluster_name(Some(cluster))
            .map_or("", |c| c.as_ref());
        let (policy, sets, it) = if unbound.len() == 1 {
            ("policy", "sets", "it applies")
        } else {
            ("policies", "set", "they apply")
        };
        // `namespace: ${PROJECT_NAME}` of a Template: set when it is processed.
        let parameter = ordered
            .iter()
            .filter(|&&p| policies.is_unbound(p))
            .filter_map(|&p| policies.object(project, p)?.object.meta.namespace.as_ref())
            .map(|ns| ns.value.as_str())
            .find(|ns| crate::manifest::is_template_parameter(ns));
        let how = match parameter {
            Some(parameter) => {
                format!("{sets} its namespace by a Template parameter (`{parameter}`)")
            }
            None => format!("{sets} no namespace"),
        };
        let _ = write!(
            message,
            " ({policy} {} {how}, so {it} to every migrated namespace of cluster `{cluster_name}`, `{namespace}` included)",
            crate::finding::bounded_list(&unbound)
        );
    }
    let mut finding = Finding::new(rule, location, message)
        .object(Some(object.object_ref()))
        .cluster(project.cluster_name(Some(cluster)));
    let mut seen = BTreeSet::from([policies.origin(first).map(|o| o.object)]);
    let mut seen_notes = BTreeSet::new();
    for &p in ordered.iter().filter(|&&p| p != first) {
        if !seen.insert(policies.origin(p).map(|o| o.object)) {
            continue;
        }
        if let Some(loc) = policies.selector_location(project, p) {
            finding = finding.related(
                loc,
                format!("`{}` also isolates these pods", policies.set.policy_name(p)),
            );
        }
    }
    for &p in &ordered {
        let (Some(view), Some(object)) = (policies.view(p), policies.object(project, p)) else {
            continue;
        };
        if !seen_notes.insert(policies.origin(p).map(|o| o.object)) {
            continue;
        }
        for note in &view.notes {
            finding = finding.related(
                Location::new(&object.object.file, note.span),
                format!("skipped as invalid: {}", note.message),
            );
        }
    }
    Some(finding)
}

/// The isolating policies' names, backquoted, each once, in policy order.
pub(crate) fn policy_names(policies: &ClusterPolicies, isolating: &[usize]) -> Vec<String> {
    let mut ids = isolating.to_vec();
    ids.sort_unstable();
    ids.dedup();
    // One policy that several Kustomize roots apply into one namespace (a
    // component or base shared by alternative overlays) is several policies
    // of the model with one name: named once.
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .map(|&p| format!("`{}`", policies.set.policy_name(p)))
        .filter(|name| seen.insert(name.clone()))
        .collect()
}

/// The hop of pods no NetworkPolicy isolates: allowed, unless admin
/// policies select them, whose rules DVM105 judges (the hop is then drawn
/// as not known here).
pub(crate) fn not_isolated(
    policies: &ClusterPolicies,
    pods: &[crate::model::rsync_pods::RsyncPod],
    direction: crate::net::netpol::PolicyType,
    why: &str,
    by: Vec<crate::rules::hops::Decider>,
) -> crate::rules::hops::Hop {
    if pods
        .iter()
        .any(|p| policies.set.admin_applies(&p.pod, direction))
    {
        crate::rules::hops::Hop::unknown(
            "admin policies apply",
            format!(
                "{why}, but AdminNetworkPolicies or the baseline select them: DVM105 reports any of their rules that denies this traffic"
            ),
            by,
        )
    } else {
        crate::rules::hops::Hop::allowed("not isolated", why, by)
    }
}

/// One finding per cause. An unbound policy (no namespace) is applied to
/// every migrated namespace of its cluster, and blocks each the same way:
/// the rules find it once per namespace, at the same place with the same
/// message but for the namespace's name. Those findings become one, whose
/// message lists the namespaces (bounded, [`crate::finding::bounded_list`])
/// and whose related locations name every one of them. `found` pairs each
/// finding with the namespace it was found for; the order is kept. With the
/// namespaces guessed, each finding names what makes its namespace count as
/// migrated ([`guessed_reason`]).
pub(crate) fn one_per_cause(
    project: &Project,
    found: Vec<(String, Finding)>,
    out: &mut Vec<Finding>,
) {
    type Key = (Location, Option<std::sync::Arc<str>>, String);
    let mut order: Vec<Key> = Vec::new();
    let mut groups: BTreeMap<Key, Vec<(String, Finding)>> = BTreeMap::new();
    for (namespace, mut finding) in found {
        if let Some(reason) = guessed_reason(project, &namespace) {
            finding.related.push(reason);
        }
        let masked = finding
            .message
            .replace(&format!("`{namespace}`"), NAMESPACE_MARK)
            .replace(&format!("`{namespace}/"), IN_NAMESPACE_MARK);
        let key = (finding.location.clone(), finding.cluster.clone(), masked);
        let group = groups.entry(key.clone()).or_default();
        if group.is_empty() {
            order.push(key);
        }
        group.push((namespace, finding));
    }
    for key in order {
        let Some(mut group) = groups.remove(&key) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        let namespaces: Vec<String> = group
            .iter()
            .map(|(ns, _)| ns.clone())
            .filter(|ns| seen.insert(ns.clone()))
            .collect();
        if namespaces.len() < 2 {
            out.extend(group.drain(..1).map(|(_, f)| f));
            continue;
        }
        // Deduplicated through a set: a cause shared by thousands of
        // namespaces made `Vec::contains` quadratic.
        let mut related: Vec<crate::finding::Related> = Vec::new();
        let mut listed: BTreeSet<(&Location, &str)> = BTreeSet::new();
        for (_, f) in &group {
            for r in &f.related {
                if listed.insert((&r.location, r.message.as_str())) {
                    related.push(r.clone());
                }
            }
        }
        let Some((_, mut merged)) = group.into_iter().next() else {
            continue;
        };
        let quoted: Vec<String> = namespaces.iter().map(|n| format!("`{n}`")).collect();
        let listed = crate::finding::bounded_list(&quoted);
        let count = namespaces.len();
        merged.message = key
            .2
            .replace(
                &format!("migrated namespace {NAMESPACE_MARK}"),
                &format!("{count} migrated namespaces ({listed})"),
            )
            .replace(
                &format!("namespace {NAMESPACE_MARK}"),
                &format!("{count} namespaces ({listed})"),
            )
            .replace(&format!(", {NAMESPACE_MARK} included)"), ")")
            .replace("from this namespace", "from each of them")
            .replace(NAMESPACE_MARK, "the same namespace")
            .replace(IN_NAMESPACE_MARK, "`");
        if let Some(help) = merged.help.as_mut() {
            let _ = write!(
                help,
                "

(shown for `{}`; the same fix applies in each of the {count} namespaces: {listed})",
                namespaces.first().map_or("", String::as_str)
            );
        }
        related.extend(namespaces.iter().map(|ns| crate::finding::Related {
            location: merged.location.clone(),
            message: format!("affects migrated namespace `{ns}`"),
        }));
        merged.related = related;
        out.push(merged);
    }
}

/// Why `namespace` counts as migrated when no MigPlan and no `namespaces:`
/// say which namespaces DVM migrates (`docs/model.md`, "Namespaces in
/// scope"): the first object that gives DVM something to copy there. `None`
/// when the namespaces are not guessed.
fn guessed_reason(project: &Project, namespace: &str) -> Option<crate::finding::Related> {
    let migration = project.migration();
    if migration.scope_source != crate::model::migration::ScopeSource::EveryNamespace {
        return None;
    }
    let object = project
        .objects
        .get(*migration.guessed_from.get(namespace)?)?;
    let meta = &object.object.meta;
    Some(crate::finding::Related {
        location: Location::new(&object.object.file, meta.name_span()),
        message: format!(
            "`{namespace}` counts as migrated because {} {} `{}` is in it (no MigPlan and no \
             `namespaces:` in .dvmlint.yaml say which namespaces DVM migrates, so every \
             namespace with a volume claim does)",
            article(&meta.kind.value),
            meta.kind.value,
            object.name()
        ),
    })
}

/// "a" or "an" before a kind's name.
fn article(kind: &str) -> &'static str {
    if kind.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// What stands for a finding's own namespace while findings are compared.
const NAMESPACE_MARK: &str = "`\u{0}`";
/// The same, as the namespace part of a policy's name (`app1/deny-all`).
const IN_NAMESPACE_MARK: &str = "`\u{0}/";

/// A policy name not yet used in `namespace` of the cluster: `base`, else
/// `base-2`, … (a reused name would replace the existing policy, DVM401).
pub(crate) fn distinct_name(policies: &ClusterPolicies, namespace: &str, base: &str) -> String {
    let Some(taken) = policies.names.get(namespace) else {
        return base.to_owned();
    };
    if !taken.contains(base) {
        return base.to_owned();
    }
    (2..)
        .map(|i| format!("{base}-{i}"))
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| base.to_owned())
}

/// The DVM destination of each pair, computed once per target cluster:
/// it depends only on the host's proxy and the target cluster
/// (`DvmDestination::of` reads every object of the target, so calling it
/// per namespace would be quadratic).
pub(crate) fn destination<'c>(
    cache: &'c mut BTreeMap<usize, DvmDestination>,
    project: &Project,
    pair: &DvmPair,
) -> &'c DvmDestination {
    cache
        .entry(pair.target.cluster)
        .or_insert_with(|| DvmDestination::of(project, project.migration(), pair))
}

/// The YAML of an allow policy: `rules` is the already indented body of the
/// `ingress:`/`egress:` list.
pub(crate) fn allow_policy_yaml(
    name: &str,
    namespace: &str,
    selector: (&str, &str),
    direction: &str,
    rules: &str,
) -> String {
    let field = direction.to_ascii_lowercase();
    let yaml = format!(
        "apiVersion: networking.k8s.io/v1\n\
         kind: NetworkPolicy\n\
         metadata:\n  name: {name}\n  namespace: {namespace}\n\
         spec:\n  podSelector:\n    matchLabels:\n      {}: {}\n\
         \x20 policyTypes:\n    - {direction}\n\
         \x20 {field}:\n{rules}",
        selector.0, selector.1
    );
    yaml.trim_end().to_owned()
}

/// The items of a `ports:` list at `indent` (`- protocol: TCP` / `port: N`
/// / `endPort: M`).
pub(crate) fn ports_list(indent: &str, protocol: &str, start: u16, end: u16) -> String {
    let mut s = format!("{indent}- protocol: {protocol}\n{indent}  port: {start}\n");
    if end != start {
        let _ = writeln!(s, "{indent}  endPort: {end}");
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    /// An unbound policy applied to 12 migrated namespaces: one finding, whose
    /// message lists five of them and counts the rest, and whose related
    /// locations name all twelve.
    #[test]
    fn one_finding_per_cause_with_a_bounded_list() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/netpol-unbound-policy-many-namespaces");
        let options = crate::lint::LintOptions {
            paths: vec![root],
            ..Default::default()
        };
        let run = crate::lint::run(&options).unwrap();
        assert_eq!(run.findings.len(), 1);
        let finding = &run.findings[0];
        assert_eq!(finding.rule, "DVM102");
        assert!(
            finding.message.contains(
                "in 12 migrated namespaces (`api`, `cache`, `cart`, `catalog`, `orders` and 7 more)"
            ),
            "{}",
            finding.message
        );
        assert!(!finding.message.contains("`web`"));
        let affected: Vec<&str> = finding
            .related
            .iter()
            .filter_map(|r| r.message.strip_prefix("affects migrated namespace "))
            .collect();
        assert_eq!(affected.len(), 12);
        assert!(affected.contains(&"`web`"));
    }
}
