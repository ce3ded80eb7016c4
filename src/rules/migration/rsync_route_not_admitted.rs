//! DVM123 rsync-route-not-admitted: no IngressController of the destination
//! cluster admits DVM's rsync Route.
//!
//! With the Route endpoint (the default), mig-controller creates the Route
//! `dvm` in each destination namespace and waits until a router admits it
//! (`areRsyncRoutesAdmitted`, `directvolumemigration/rsync.go`; before the fix
//! of Bug 1920664, shipped with DVM's first release, it went on silently). An IngressController
//! (`operator.openshift.io/v1`, namespace `openshift-ingress-operator`) admits
//! only the Routes its `routeSelector` matches, in namespaces its
//! `namespaceSelector` matches (router sharding). The Route's labels depend on
//! the MTC release ([`route_labels`]); the namespace's labels are those of the
//! destination Namespace object of the repository, else of the source one (DVM
//! copies them when it creates the namespace, `directvolumemigration/namespace.go`),
//! else the `labels` of its `namespaces:` entry in .dvmlint.yaml, plus
//! `kubernetes.io/metadata.name`. The installer's `default` controller
//! admits every Route: when the repository does not write it, it is assumed to.

use std::collections::BTreeMap;

use crate::finding::{Finding, Location, Severity};
use crate::manifest::egress_firewall::selector_from_node;
use crate::manifest::namespace::NamespaceObject;
use crate::model::destination::{self, Endpoint};
use crate::model::{ModelObject, Project};
use crate::net::selector::{LabelSelector, LabelValue, Labels};
use crate::rules::versions::{self, Version};
use crate::yaml::Span;

const APP: &str = "directvolumemigration-rsync-transfer";
const OPERATOR_NAMESPACE: &str = "openshift-ingress-operator";
const NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// The labels of the `dvm` Route mig-controller creates (`version` `None`:
/// the current releases). UID values are generated at migration time.
///
/// - 1.4: `app` only (the Route built in `createRsyncTransferRoute`);
/// - 1.5: the DirectVolumeMigration's correlation labels (`app.kubernetes.io/part-of`,
///   `directvolumemigration: <uid>`) and `app`;
/// - 1.6 and later (crane-lib's Route endpoint): `buildDVMLabels` — also
///   `owner`, `migration.openshift.io/migrated-by-migplan: <uid>` — and
///   `purpose: rsync`.
pub fn route_labels(version: Option<Version>) -> Labels {
    let mut labels = Labels::new();
    labels.insert("app".into(), LabelValue::from(APP));
    if version.is_some_and(|v| v < [1, 5, 0]) {
        return labels;
    }
    labels.insert(
        "app.kubernetes.io/part-of".into(),
        LabelValue::from("openshift-migration"),
    );
    labels.insert("directvolumemigration".into(), LabelValue::Opaque);
    if version.is_some_and(|v| v < [1, 6, 0]) {
        return labels;
    }
    labels.insert("owner".into(), LabelValue::from("directvolumemigration"));
    labels.insert("purpose".into(), LabelValue::from("rsync"));
    labels.insert(
        "migration.openshift.io/migrated-by-migplan".into(),
        LabelValue::Opaque,
    );
    labels
}

/// Whether `selector` matches `labels` when only `known` keys are certain
/// (`None`: every key is known): `None` when the answer depends on a label
/// whose presence is unknown.
fn judge(selector: &LabelSelector, labels: &Labels, known: Option<&[&str]>) -> Option<bool> {
    selector.matches_known(labels, |key| known.is_none_or(|keys| keys.contains(&key)))
}

/// One IngressController of the destination cluster.
struct Controller<'p> {
    object: &'p ModelObject,
    /// `spec.routeSelector`, with the span of its key.
    routes: Option<(LabelSelector, Span)>,
    /// `spec.namespaceSelector`, with the span of its key.
    namespaces: Option<(LabelSelector, Span)>,
}

impl Controller<'_> {
    fn name(&self) -> &str {
        &self.object.object.meta.name.value
    }
}

fn controllers(project: &Project, cluster: usize) -> Vec<Controller<'_>> {
    project
        .modelled_kind("operator.openshift.io", "IngressController")
        .map(|(_, o)| o)
        .filter(|o| {
            o.cluster() == Some(cluster)
                // Only those of the ingress operator's namespace are reconciled.
                && o.object
                    .meta
                    .namespace
                    .as_ref()
                    .is_none_or(|n| n.value == OPERATOR_NAMESPACE)
        })
        .filter_map(|object| {
            let tree = object.object.tree()?;
            let selector = |key: &str| {
                let (k, v) = tree.get("spec")?.entry(key)?;
                Some((selector_from_node(v), k.span))
            };
            Some(Controller {
                object,
                routes: selector("routeSelector"),
                namespaces: selector("namespaceSelector"),
            })
        })
        .collect()
}

/// The labels of the destination namespace, where they come from, and the
/// keys that are certain (`None`: all of them).
struct NamespaceLabels {
    labels: Labels,
    known: Option<Vec<&'static str>>,
    from: Option<&'static str>,
}

fn namespace_labels(
    project: &Project,
    source: (usize, &str),
    target: (usize, &str),
) -> NamespaceLabels {
    let find =
        |(cluster, name): (usize, &str)| project.namespace_object(cluster, name).map(|(_, o)| o);
    let written = find(target)
        .map(|o| (o, "the destination Namespace object"))
        .or_else(|| find(source).map(|o| (o, "the source Namespace object, which DVM copies")));
    let mut labels = Labels::new();
    let (known, from) = match written.and_then(|(o, from)| Some((o.object.tree()?, from))) {
        Some((tree, from)) => {
            for (key, text) in NamespaceObject::from_node(tree).labels {
                labels.insert(key, LabelValue::from(text.value));
            }
            (None, Some(from))
        }
        None => {
            // `labels` of the namespace's `namespaces:` entry in .dvmlint.yaml.
            let configured = project.config.namespaces.iter().find(|e| {
                !e.labels.is_empty() && (e.destination == target.1 || e.source == source.1)
            });
            match configured {
                Some(entry) => {
                    for (key, value) in &entry.labels {
                        labels.insert(key.clone(), LabelValue::from(value.as_str()));
                    }
                    (
                        None,
                        Some("`labels` of its `namespaces:` entry in .dvmlint.yaml"),
                    )
                }
                None => (Some(vec![NAME_LABEL]), None),
            }
        }
    };
    labels.insert(NAME_LABEL.into(), LabelValue::from(target.1));
    NamespaceLabels {
        labels,
        known,
        from,
    }
}

/// What one controller does with the Route: admits it (`Some(true)`),
/// excludes it by the selector at the span (`Some(false)`), or cannot be
/// judged (`None`).
enum Verdict {
    Admits,
    Excludes { span: Span, why: String },
    Unknown,
}

fn verdict(controller: &Controller<'_>, route: &Labels, namespace: &NamespaceLabels) -> Verdict {
    if let Some((selector, span)) = &controller.routes
        && judge(selector, route, None) == Some(false)
    {
        return Verdict::Excludes {
            span: *span,
            why: format!("its routeSelector `{selector}` does not match the Route's labels"),
        };
    }
    match &controller.namespaces {
        Some((selector, span)) => {
            match judge(selector, &namespace.labels, namespace.known.as_deref()) {
                Some(true) => Verdict::Admits,
                Some(false) => Verdict::Excludes {
                    span: *span,
                    why: format!(
                        "its namespaceSelector `{selector}` does not match the namespace's labels"
                    ),
                },
                None => Verdict::Unknown,
            }
        }
        None => Verdict::Admits,
    }
}

fn describe(labels: &Labels) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let migration = project.migration();
    let version = versions::configured(project);
    let route = route_labels(version);
    // (cluster, file, span) → the finding's parts, with the namespaces it covers.
    let mut found: BTreeMap<(usize, String, Span), Pending<'_>> = BTreeMap::new();
    for pair in &migration.pairs {
        let cluster = pair.target.cluster;
        if !matches!(
            destination::endpoint_type(project, migration, cluster),
            Endpoint::Route
        ) {
            continue;
        }
        let written = controllers(project, cluster);
        // No IngressController written: the installer's default admits every Route.
        if written.is_empty() {
            continue;
        }
        let namespace = namespace_labels(
            project,
            (pair.source.cluster, &pair.source.namespace),
            (cluster, &pair.target.namespace),
        );
        let verdicts: Vec<(&Controller<'_>, Verdict)> = written
            .iter()
            .map(|c| (c, verdict(c, &route, &namespace)))
            .collect();
        if verdicts.iter().any(|(_, v)| matches!(v, Verdict::Admits)) {
            continue;
        }
        let has_default = written.iter().any(|c| c.name() == "default");
        let unknown = verdicts.iter().any(|(_, v)| matches!(v, Verdict::Unknown));
        let kind = if unknown {
            Kind::UnknownNamespace
        } else if has_default {
            Kind::Excluded
        } else {
            Kind::DefaultNotWritten
        };
        // The line to edit: the `default` controller's excluding selector,
        // else the first one's; the others are related.
        let mut excluding: Vec<(&Controller<'_>, Span, &str)> = verdicts
            .iter()
            .filter_map(|(c, v)| match v {
                Verdict::Excludes { span, why } => Some((*c, *span, why.as_str())),
                _ => None,
            })
            .collect();
        excluding.sort_by_key(|(c, _, _)| c.name() != "default");
        // Not judged: at the selector that could not be (`default`'s first),
        // the controllers that exclude the Route related.
        let mut undecided: Vec<&Controller<'_>> = verdicts
            .iter()
            .filter(|(_, v)| matches!(v, Verdict::Unknown))
            .map(|(c, _)| *c)
            .collect();
        undecided.sort_by_key(|c| c.name() != "default");
        let at_selector = |c: &Controller<'_>| {
            c.namespaces
                .as_ref()
                .map_or(c.object.object.meta.name_span(), |(_, s)| *s)
        };
        let (object, span) = match (undecided.first(), excluding.first(), written.first()) {
            (Some(c), _, _) if kind == Kind::UnknownNamespace => (c.object, at_selector(c)),
            (_, Some((c, span, _)), _) => (c.object, *span),
            (_, None, Some(c)) => (c.object, at_selector(c)),
            (_, None, None) => continue,
        };
        let entry = found
            .entry((cluster, object.object.file.to_string(), span))
            .or_insert_with(|| Pending {
                object,
                span,
                kind,
                namespaces: Vec::new(),
                from: namespace.from,
                excluding: excluding
                    .iter()
                    .map(|(c, s, why)| (c.object, *s, (*why).to_owned()))
                    .collect(),
                unknown_on: verdicts
                    .iter()
                    .filter(|(_, v)| matches!(v, Verdict::Unknown))
                    .map(|(c, _)| c.name().to_owned())
                    .collect(),
                namespace_labels: describe(&namespace.labels),
            });
        if !entry.namespaces.contains(&pair.target.namespace) {
            entry.namespaces.push(pair.target.namespace.clone());
        }
    }
    for ((cluster, _, _), pending) in found {
        out.push(pending.finding(project, cluster, &route));
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Every controller written excludes the Route, `default` included.
    Excluded,
    /// Every controller written excludes it, and `default` is not written.
    DefaultNotWritten,
    /// No controller admits it for sure; some depend on unknown namespace labels.
    UnknownNamespace,
}

struct Pending<'p> {
    object: &'p ModelObject,
    span: Span,
    kind: Kind,
    namespaces: Vec<String>,
    from: Option<&'static str>,
    excluding: Vec<(&'p ModelObject, Span, String)>,
    unknown_on: Vec<String>,
    namespace_labels: String,
}

impl Pending<'_> {
    fn finding(&self, project: &Project, cluster: usize, route: &Labels) -> Finding {
        let namespaces =
            crate::finding::bounded_list(self.namespaces.iter().map(|n| format!("`{n}`")));
        let several = self.namespaces.len() > 1;
        let where_ = format!(
            "the rsync Route `dvm` in destination namespace{} {namespaces}",
            if several { "s" } else { "" }
        );
        let controllers = crate::finding::bounded_list(
            self.excluding
                .iter()
                .map(|(o, _, why)| format!("`{}` ({why})", o.object.meta.name.value)),
        );
        let labels_from = self.from.map_or(
            "only `kubernetes.io/metadata.name` is known".to_owned(),
            |f| format!("labels from {f}"),
        );
        let version = versions::note(project, "MTC 1.6 or later");
        let (message, help, severity) = match self.kind {
            Kind::Excluded => (
                format!(
                    "no IngressController of the destination cluster admits {where_}: {controllers}; \
                     the Route is never admitted: DVM waits at EnsureRsyncRouteAdmitted \
                     (condition RsyncRouteNotAdmitted after 3 minutes) and copies nothing (Route labels {}; namespace {}, {labels_from}) {version}",
                    describe(route),
                    self.namespace_labels,
                ),
                "let one IngressController admit the Route: add the Route's labels (e.g. `app: \
                 directvolumemigration-rsync-transfer`) to this selector with an `In`, or the \
                 namespace's label, or switch DVM to `rsync_endpoint_type: NodePort` on the \
                 destination MigrationController"
                    .to_owned(),
                Severity::Error,
            ),
            Kind::DefaultNotWritten => (
                format!(
                    "whether {where_} is admitted was not judged: the IngressControllers written \
                     for the destination cluster exclude it — {controllers} — and the `default` \
                     controller is not in the repository, so the Route is admitted only if \
                     `default` still admits every route, as the installer leaves it (Route labels \
                     {}) {version}",
                    describe(route),
                ),
                "add the `default` IngressController (namespace openshift-ingress-operator) to \
                 the repository to make this check exact, or let one of these controllers \
                 admit the Route"
                    .to_owned(),
                Severity::Info,
            ),
            Kind::UnknownNamespace => (
                format!(
                    "whether an IngressController of the destination cluster admits {where_} was \
                     not judged: IngressController{} {} select{} namespaces by labels, and the \
                     namespace's labels are not in the repository (no Namespace object on either \
                     cluster; {labels_from})",
                    if self.unknown_on.len() == 1 { "" } else { "s" },
                    crate::finding::bounded_list(self.unknown_on.iter().map(|n| format!("`{n}`"))),
                    if self.unknown_on.len() == 1 { "s" } else { "" },
                ),
                format!(
                    "add the Namespace object{} to the repository, or give {} labels in `namespaces:` of .dvmlint.yaml (`{{name: …, labels: {{…}}}}`), to make this check exact",
                    if several { "s" } else { "" },
                    if several { "their" } else { "its" }
                ),
                Severity::Info,
            ),
        };
        let mut finding = Finding::new(
            "DVM123",
            Location::new(&self.object.object.file, self.span),
            message,
        )
        .severity(severity)
        .help(help)
        .object(Some(self.object.object_ref()))
        .cluster(project.cluster_name(Some(cluster)));
        for (object, span, _) in &self.excluding {
            if object.object.file == self.object.object.file && *span == self.span {
                continue;
            }
            finding = finding.related(
                Location::new(&object.object.file, *span),
                format!(
                    "IngressController `{}` excludes it{}",
                    object.object.meta.name.value,
                    // (Beside one that may admit it, not beside one that excludes it.)
                    if self.kind == Kind::UnknownNamespace {
                        ""
                    } else {
                        " too"
                    }
                ),
            );
        }
        finding
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::selector::{Operator, Requirement};

    #[test]
    fn route_labels_follow_the_release() {
        assert_eq!(route_labels(Some([1, 4, 7])).len(), 1);
        let v15 = route_labels(Some([1, 5, 0]));
        assert!(v15.contains_key("directvolumemigration") && !v15.contains_key("purpose"));
        let current = route_labels(None);
        assert!(current.get("purpose").is_some_and(|v| v.is("rsync")));
        assert_eq!(current, route_labels(Some([1, 8, 5])));
    }

    #[test]
    fn unknown_keys_leave_the_answer_open() {
        let ns = crate::net::selector::labels([(NAME_LABEL, "shop")]);
        let by_type = LabelSelector::from_labels([("type", "sharded")]);
        assert_eq!(judge(&by_type, &ns, Some(&[NAME_LABEL])), None);
        assert_eq!(judge(&by_type, &ns, None), Some(false));
        let by_name = LabelSelector::everything().with_expression(Requirement::new(
            NAME_LABEL,
            Operator::NotIn,
            vec!["shop"],
        ));
        assert_eq!(judge(&by_name, &ns, Some(&[NAME_LABEL])), Some(false));
        // A generated value equals no literal, but exists.
        let route = route_labels(None);
        let uid = LabelSelector::from_labels([("directvolumemigration", "x")]);
        assert_eq!(judge(&uid, &route, None), Some(false));
        let exists = LabelSelector::everything().with_expression(Requirement::new(
            "directvolumemigration",
            Operator::Exists,
            Vec::<String>::new(),
        ));
        assert_eq!(judge(&exists, &route, None), Some(true));
    }
}
