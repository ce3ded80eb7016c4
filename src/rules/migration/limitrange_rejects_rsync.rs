//! DVM125 limitrange-rejects-rsync: a LimitRange in a migrated namespace that
//! rejects the rsync pods, or that crashes mig-controller.
//!
//! The rsync pods (MTC 1.6 and later: two containers each, `rsync` and
//! `stunnel`, both given the same resources) take their requests and limits
//! from the host cluster's MigrationController — `source_rsync_pod_*` for the
//! client pods in the source namespace, `target_rsync_pod_*` for the server
//! pod in the destination namespace; the operator's defaults are limits `1` /
//! `1Gi` and requests `100m` / `1Gi` (mig-operator
//! `roles/migrationcontroller/defaults/main.yml`, written into the controller's
//! ConfigMap by `controller_config.yml.j2`). From MTC 1.7 mig-controller adapts
//! them to the namespace's LimitRanges (`directvolumemigration/resource.go`):
//! it merges the items of each type, keeping the most restrictive cpu and
//! memory `min` and `max` (a later `max` is ignored when the first item has
//! none for that resource), halves a Pod item's values for the two containers,
//! clamps requests into [min, max] and limits to max, and drops a limit below
//! its request. It does not consider `maxLimitRequestRatio`, nor any resource
//! but cpu and memory. The pods then go through the LimitRanger admission
//! plugin (Kubernetes `plugin/pkg/admission/limitranger`): defaults filled in
//! per LimitRange, then every `min`, `max` and `maxLimitRequestRatio` checked;
//! a violation rejects the pod and DVM fails. This rule replays both steps.
//!
//! MTC 1.7.0 to 1.8.8 also panic while merging: when the first item of a type
//! has no `min` and a later one of the same type sets a cpu or memory `min`,
//! mig-controller writes into a nil map and the controller crash-loops (fixed
//! in 1.8.9, mig-controller PR #1448, MIG-1731).
//!
//! ResourceQuotas are not judged: whether one has room for the rsync pods
//! depends on its usage, which the repository does not hold.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::{Finding, Location, Severity};
use crate::manifest::Text;
use crate::manifest::limit_range::{LimitItem, LimitRange, LimitType, Quantity, parse_quantity};
use crate::model::{ModelObject, Project};
use crate::rules::versions;

const CPU: &str = "cpu";
const MEMORY: &str = "memory";

/// Which rsync pods, on which side.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Client,
    Server,
}

impl Side {
    fn prefix(self) -> &'static str {
        match self {
            Side::Client => "source_rsync_pod",
            Side::Server => "target_rsync_pod",
        }
    }

    fn pods(self) -> &'static str {
        match self {
            Side::Client => "rsync client pods",
            Side::Server => "rsync server pod",
        }
    }

    fn role(self) -> &'static str {
        match self {
            Side::Client => "source",
            Side::Server => "destination",
        }
    }
}

/// One container's requests and limits, in thousandths.
#[derive(Clone, Debug, Default)]
struct Container {
    requests: BTreeMap<String, i128>,
    limits: BTreeMap<String, i128>,
}

/// The resources MTC gives the rsync containers of `side`: from the host
/// MigrationController, else the operator's defaults. `None` when a setting
/// is not a quantity (the controller then fails on its own).
struct Settings {
    container: Container,
    /// Where each setting is written (snake-case key → location).
    written: BTreeMap<String, Location>,
    /// The host MigrationController is in the repository.
    known: bool,
}

fn settings(project: &Project, side: Side) -> Option<Settings> {
    let migration = project.migration();
    let host = migration
        .host
        .and_then(|host| migration.controller(project, host));
    let mut out = Settings {
        container: Container::default(),
        written: BTreeMap::new(),
        known: host.is_some(),
    };
    for (resource, kind, default) in [
        (CPU, "limits", "1"),
        (MEMORY, "limits", "1Gi"),
        (CPU, "requests", "100m"),
        (MEMORY, "requests", "1Gi"),
    ] {
        let key = format!("{}_{resource}_{kind}", side.prefix());
        let written = host.as_ref().and_then(|(object, controller)| {
            let setting = controller.setting(&key)?;
            let text = Text::from_node(&setting.value)?;
            Some((Location::new(&object.object.file, setting.value.span), text))
        });
        let value = match &written {
            Some((location, text)) => {
                out.written.insert(key.clone(), location.clone());
                parse_quantity(&text.value)?
            }
            None => parse_quantity(default)?,
        };
        let map = if kind == "limits" {
            &mut out.container.limits
        } else {
            &mut out.container.requests
        };
        map.insert(resource.to_owned(), value);
    }
    Some(out)
}

/// The LimitRanges of `namespace` on `cluster`, in name order (the order
/// the API server lists them in, which mig-controller merges in).
/// Every LimitRange of the model by cluster and namespace, in name order:
/// one pass, however many namespaces a MigPlan migrates.
fn limit_ranges(project: &Project) -> BTreeMap<(usize, &str), Vec<(&ModelObject, LimitRange)>> {
    let mut by_namespace: BTreeMap<(usize, &str), Vec<(&ModelObject, LimitRange)>> =
        BTreeMap::new();
    for (_, object) in project.modelled_kind("", "LimitRange") {
        let (Some(cluster), Some(namespace)) = (object.cluster(), object.scope().namespace())
        else {
            continue;
        };
        if let Some(tree) = object.object.tree() {
            by_namespace
                .entry((cluster, namespace))
                .or_default()
                .push((object, LimitRange::from_node(tree)));
        }
    }
    for ranges in by_namespace.values_mut() {
        ranges.sort_by(|a, b| a.0.object.meta.name.value.cmp(&b.0.object.meta.name.value));
    }
    by_namespace
}

/// cpu and memory of a `min` or `max` map, as mig-controller reads them.
fn compute(map: Option<&BTreeMap<String, Quantity>>) -> Option<BTreeMap<String, i128>> {
    map.map(|m| {
        m.iter()
            .filter(|(k, _)| *k == CPU || *k == MEMORY)
            .map(|(k, q)| (k.clone(), q.milli))
            .collect()
    })
}

#[derive(Clone, Debug, Default)]
struct Merged {
    min: Option<BTreeMap<String, i128>>,
    max: Option<BTreeMap<String, i128>>,
}

/// The items of one type merged as mig-controller's
/// `mergeResourceLimitRangeItems` does (the fixed code of 1.8.9: a missing
/// map is created before it is written).
fn merge<'a>(mut items: impl Iterator<Item = &'a LimitItem>) -> Option<Merged> {
    let first = items.next()?;
    let mut target = Merged {
        min: compute(first.min.as_ref()),
        max: compute(first.max.as_ref()),
    };
    for source in items {
        if let Some(max) = compute(source.max.as_ref()) {
            let target_max = target.max.get_or_insert_with(BTreeMap::new);
            for (k, v) in max {
                // Go compares with the zero quantity when the key is missing.
                if target_max.get(&k).copied().unwrap_or(0) > v {
                    target_max.insert(k, v);
                }
            }
        }
        if let Some(min) = compute(source.min.as_ref()) {
            let target_min = target.min.get_or_insert_with(BTreeMap::new);
            for (k, v) in min {
                if target_min.get(&k).copied().unwrap_or(0) < v {
                    target_min.insert(k, v);
                }
            }
        }
    }
    Some(target)
}

/// mig-controller's `applyLimitRangeItemOnRequirements`.
fn apply_item(
    c: &mut Container,
    min: Option<&BTreeMap<String, i128>>,
    max: Option<&BTreeMap<String, i128>>,
) {
    for r in [CPU, MEMORY] {
        let request = c.requests.get(r).copied().unwrap_or(0);
        if let Some(&m) = max.and_then(|m| m.get(r))
            && request > m
        {
            c.requests.insert(r.to_owned(), m);
        }
        let request = c.requests.get(r).copied().unwrap_or(0);
        if let Some(&m) = min.and_then(|m| m.get(r))
            && request < m
        {
            c.requests.insert(r.to_owned(), m);
        }
    }
    for r in [CPU, MEMORY] {
        let limit = c.limits.get(r).copied().unwrap_or(0);
        if let Some(&m) = max.and_then(|m| m.get(r))
            && limit > m
        {
            c.limits.insert(r.to_owned(), m);
        }
    }
    for r in [CPU, MEMORY] {
        if c.limits.get(r).copied().unwrap_or(0) < c.requests.get(r).copied().unwrap_or(0) {
            c.limits.remove(r);
        }
    }
}

fn halved(map: Option<&BTreeMap<String, i128>>) -> Option<BTreeMap<String, i128>> {
    let out: BTreeMap<String, i128> = map?.iter().map(|(k, v)| (k.clone(), v / 2)).collect();
    (!out.is_empty()).then_some(out)
}

/// mig-controller's adaptation of the rsync containers to the namespace's
/// LimitRanges (MTC 1.7 and later): the Pod item first, then the Container item.
fn adapt(c: &mut Container, ranges: &[(&ModelObject, LimitRange)]) {
    let of = |kind: LimitType| {
        merge(
            ranges
                .iter()
                .flat_map(|(_, r)| r.items.iter())
                .filter(move |i| i.kind == kind),
        )
    };
    if let Some(pod) = of(LimitType::Pod) {
        apply_item(
            c,
            halved(pod.min.as_ref()).as_ref(),
            halved(pod.max.as_ref()).as_ref(),
        );
    }
    if let Some(container) = of(LimitType::Container) {
        apply_item(c, container.min.as_ref(), container.max.as_ref());
    }
}

/// The first item of a type without `min`, and the later item whose cpu or
/// memory `min` makes MTC 1.7.0–1.8.8 write into that nil map.
struct Crash<'p> {
    first: (&'p ModelObject, &'p LimitItem),
    later: (&'p ModelObject, &'p Quantity),
}

fn crash<'p>(ranges: &'p [(&'p ModelObject, LimitRange)]) -> Vec<Crash<'p>> {
    let mut out = Vec::new();
    for kind in [LimitType::Pod, LimitType::Container] {
        let mut items = ranges
            .iter()
            .flat_map(|(o, r)| r.items.iter().map(move |i| (*o, i)))
            .filter(|(_, i)| i.kind == kind);
        let Some((first_object, first)) = items.next() else {
            continue;
        };
        if first.min.is_some() {
            continue;
        }
        let later = items.find_map(|(o, i)| {
            let min = i.min.as_ref()?;
            [CPU, MEMORY]
                .iter()
                .find_map(|r| min.get(*r).filter(|q| q.milli > 0))
                .map(|q| (o, q))
        });
        if let Some(later) = later {
            out.push(Crash {
                first: (first_object, first),
                later,
            });
        }
    }
    out
}

/// One constraint the admission plugin rejects the rsync pods on.
struct Violation<'p> {
    object: &'p ModelObject,
    item: &'p LimitItem,
    constraint: &'static str,
    resource: String,
    enforced: &'p Quantity,
    /// What the plugin says, in its words.
    detail: String,
    /// The container's request and limit after MTC's adaptation and defaults.
    request: Option<i128>,
    limit: Option<i128>,
}

/// The total of two identical containers, as the plugin sums a Pod.
fn pod_total(resource: &str, value: i128) -> i128 {
    if resource == CPU {
        value.saturating_mul(2)
    } else {
        // Whole units per container, rounded up (`Value()`).
        (value.saturating_add(999) / 1000).saturating_mul(2000)
    }
}

/// The LimitRanger admission plugin on a pod of two containers like `c`.
fn admit<'p>(c: &mut Container, ranges: &'p [(&'p ModelObject, LimitRange)]) -> Vec<Violation<'p>> {
    let mut out = Vec::new();
    for (object, range) in ranges {
        // Defaults first (every Container item of this LimitRange).
        for item in &range.items {
            let (limits, requests) = item.stored_defaults();
            for (k, q) in limits {
                c.limits.entry(k).or_insert(q.milli);
            }
            for (k, q) in requests {
                c.requests.entry(k).or_insert(q.milli);
            }
        }
        for item in &range.items {
            let (requests, limits) = match item.kind {
                LimitType::Container => (c.requests.clone(), c.limits.clone()),
                LimitType::Pod => (
                    c.requests
                        .iter()
                        .map(|(k, v)| (k.clone(), pod_total(k, *v)))
                        .collect(),
                    c.limits
                        .iter()
                        .map(|(k, v)| (k.clone(), pod_total(k, *v)))
                        .collect(),
                ),
                LimitType::Other => continue,
            };
            let per = if item.kind == LimitType::Pod {
                "Pod"
            } else {
                "Container"
            };
            let mut push = |constraint: &'static str,
                            resource: &str,
                            enforced: &'p Quantity,
                            detail: String| {
                out.push(Violation {
                    object,
                    item,
                    constraint,
                    resource: resource.to_owned(),
                    enforced,
                    detail,
                    request: requests.get(resource).copied(),
                    limit: limits.get(resource).copied(),
                });
            };
            for (r, q) in item.min.iter().flatten() {
                let e = &q.text.value;
                match (requests.get(r), limits.get(r)) {
                    (None, _) => push(
                        "min",
                        r,
                        q,
                        format!("minimum {r} usage per {per} is {e}, and no request is specified"),
                    ),
                    (Some(&req), _) if req < q.milli => push(
                        "min",
                        r,
                        q,
                        format!(
                            "minimum {r} usage per {per} is {e}, but the request is {}",
                            show(r, req)
                        ),
                    ),
                    (_, Some(&lim)) if lim < q.milli => push(
                        "min",
                        r,
                        q,
                        format!(
                            "minimum {r} usage per {per} is {e}, but the limit is {}",
                            show(r, lim)
                        ),
                    ),
                    _ => {}
                }
            }
            for (r, q) in item.max.iter().flatten() {
                let e = &q.text.value;
                match (requests.get(r), limits.get(r)) {
                    (_, None) => push(
                        "max",
                        r,
                        q,
                        format!("maximum {r} usage per {per} is {e}, and no limit is specified"),
                    ),
                    (_, Some(&lim)) if lim > q.milli => push(
                        "max",
                        r,
                        q,
                        format!(
                            "maximum {r} usage per {per} is {e}, but the limit is {}",
                            show(r, lim)
                        ),
                    ),
                    (Some(&req), _) if req > q.milli => push(
                        "max",
                        r,
                        q,
                        format!(
                            "maximum {r} usage per {per} is {e}, but the request is {}",
                            show(r, req)
                        ),
                    ),
                    _ => {}
                }
            }
            for (r, q) in item.max_limit_request_ratio.iter().flatten() {
                let e = &q.text.value;
                match (
                    requests.get(r).filter(|v| **v != 0),
                    limits.get(r).filter(|v| **v != 0),
                ) {
                    (None, _) => push(
                        "maxLimitRequestRatio",
                        r,
                        q,
                        format!(
                            "{r} max limit to request ratio per {per} is {e}, but no request is specified"
                        ),
                    ),
                    (_, None) => push(
                        "maxLimitRequestRatio",
                        r,
                        q,
                        format!(
                            "{r} max limit to request ratio per {per} is {e}, but no limit is specified"
                        ),
                    ),
                    (Some(&req), Some(&lim))
                        if lim.saturating_mul(1000) > q.milli.saturating_mul(req) =>
                    {
                        push(
                            "maxLimitRequestRatio",
                            r,
                            q,
                            format!(
                                "{r} max limit to request ratio per {per} is {e}, but the ratio is {} (limit {} / request {})",
                                ratio(lim, req),
                                show(r, lim),
                                show(r, req)
                            ),
                        )
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// A ratio for a message: `10`, `2.5`.
fn ratio(limit: i128, request: i128) -> String {
    let hundredths = limit.saturating_mul(100).saturating_add(request - 1) / request.max(1);
    if hundredths % 100 == 0 {
        format!("{}", hundredths / 100)
    } else {
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
            .trim_end_matches('0')
            .to_owned()
    }
}

/// A quantity in thousandths, written as Kubernetes would (`100m`, `1`, `512Mi`).
fn show(resource: &str, milli: i128) -> String {
    if milli % 1000 != 0 {
        return format!("{milli}m");
    }
    let units = milli / 1000;
    if resource == CPU || units == 0 {
        return units.to_string();
    }
    for (suffix, size) in [("Gi", 1i128 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if units % size == 0 {
            return format!("{}{suffix}", units / size);
        }
    }
    units.to_string()
}

fn version_note(project: &Project) -> String {
    versions::note(
        project,
        "MTC 1.7 or later, which fits the rsync pods to a LimitRange's cpu and memory `min` and \
         `max`",
    )
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let version = versions::configured(project);
    if version.is_some_and(|v| v < [1, 6, 0]) {
        return;
    }
    let adapts = version.is_none_or(|v| v >= [1, 7, 0]);
    let crashes = version.is_none_or(|v| ([1, 7, 0]..[1, 8, 9]).contains(&v));
    let migration = project.migration();
    let mut sides = BTreeSet::new();
    for pair in &migration.pairs {
        sides.insert((
            pair.source.cluster,
            pair.source.namespace.clone(),
            Side::Client,
        ));
        sides.insert((
            pair.target.cluster,
            pair.target.namespace.clone(),
            Side::Server,
        ));
    }
    let mut reported = BTreeSet::new();
    let mut crashed = BTreeSet::new();
    let by_namespace = limit_ranges(project);
    for (cluster, namespace, side) in sides {
        let Some(ranges) = by_namespace.get(&(cluster, namespace.as_str())) else {
            continue;
        };
        let ranges = ranges.as_slice();
        let cluster_name = project.cluster_name(Some(cluster));
        let mut controller_crashes = false;
        if crashes {
            for crash in crash(ranges) {
                controller_crashes = version.is_some();
                let (first_object, first) = crash.first;
                let (later_object, later) = crash.later;
                if !crashed.insert((first_object.object.file.clone(), first.anchor)) {
                    continue;
                }
                let (severity, when) = match version {
                    Some(v) => (
                        Severity::Error,
                        format!("(MTC {}.{}.{}, config `mtcVersion`)", v[0], v[1], v[2]),
                    ),
                    None => (
                        Severity::Warning,
                        "on MTC 1.7.0 to 1.8.8 (fixed in 1.8.9; `mtcVersion` is not set in \
                         .dvmlint.yaml, set it to be exact)"
                            .to_owned(),
                    ),
                };
                out.push(
                    Finding::new(
                        "DVM125",
                        Location::new(&first_object.object.file, first.anchor),
                        format!(
                            "this {:?} item of LimitRange `{}` in migrated namespace `{namespace}` \
                             has no `min` while a later {:?} item sets one: mig-controller merges \
                             them into this item's missing `min` and panics, and the controller \
                             crash-loops {when}",
                            first.kind, first_object.object.meta.name.value, first.kind
                        ),
                    )
                    .severity(severity)
                    .help(
                        "give this item a `min` (for example the other item's), or merge the \
                         LimitRange items of this type into one, or upgrade MTC to 1.8.9 or later",
                    )
                    .object(Some(first_object.object_ref()))
                    .cluster(cluster_name)
                    .related(
                        Location::new(&later_object.object.file, later.text.span),
                        "the later item's `min`",
                    ),
                );
            }
        }
        if controller_crashes {
            continue;
        }
        let Some(settings) = settings(project, side) else {
            continue;
        };
        let mut container = settings.container.clone();
        if adapts {
            adapt(&mut container, ranges);
        }
        let violations = admit(&mut container, ranges);
        for violation in violations {
            let location =
                Location::new(&violation.object.object.file, violation.enforced.text.span);
            if !reported.insert((location.file.clone(), location.span)) {
                continue;
            }
            let written = |kind: &str| format!("{}_{}_{kind}", side.prefix(), violation.resource);
            let set_here = ["limits", "requests"]
                .iter()
                .any(|kind| settings.written.contains_key(&written(kind)));
            let source = if set_here {
                "as the host MigrationController sets them"
            } else if settings.known {
                "the operator's defaults: the host MigrationController does not set them"
            } else {
                "the operator's defaults: no host MigrationController in the repository"
            };
            let r = &violation.resource;
            let compute_resource = r == CPU || r == MEMORY;
            let why = match violation.constraint {
                "maxLimitRequestRatio" if violation.limit.is_none() && compute_resource => format!(
                    "mig-controller raised the request to the merged `min` and dropped the limit \
                     below it, and it does not consider `maxLimitRequestRatio` ({source})"
                ),
                "maxLimitRequestRatio" => format!(
                    "mig-controller fits the rsync pods to a LimitRange's `min` and `max` but not \
                     to `maxLimitRequestRatio`, so the pods keep the limit/request ratio of \
                     `{}` / `{}` ({source})",
                    written("limits"),
                    written("requests")
                ),
                _ if !compute_resource => format!(
                    "the rsync containers set no {r} and mig-controller adapts only cpu and memory"
                ),
                _ if !adapts => format!(
                    "MTC 1.6 creates the rsync pods with `{}` / `{}` as they are ({source})",
                    written("limits"),
                    written("requests")
                ),
                _ => format!(
                    "mig-controller fits cpu and memory to the merged `min` and `max` and drops a \
                     limit below its request ({source})"
                ),
            };
            let help = match (violation.constraint, violation.limit, violation.request) {
                ("maxLimitRequestRatio", Some(limit), Some(_))
                    if compute_resource && violation.enforced.milli > 0 =>
                {
                    let need = limit
                        .saturating_mul(1000)
                        .saturating_add(violation.enforced.milli - 1)
                        / violation.enforced.milli;
                    format!(
                        "set `{}: \"{}\"` (or more) on the host cluster's MigrationController, so \
                         that limit / request stays within {}, or raise this ratio",
                        written("requests"),
                        show(r, need),
                        violation.enforced.text.value
                    )
                }
                ("maxLimitRequestRatio", ..) => format!(
                    "give the rsync containers both a {r} request and limit (a Container item with \
                     `default.{r}` and `defaultRequest.{r}`), or remove this ratio"
                ),
                ("max", None, _) => format!(
                    "the rsync containers get no {r} limit: add a Container item with \
                     `default.{r}` to this LimitRange, or remove this `max`"
                ),
                ("min", _, None) => format!(
                    "the rsync containers get no {r} request: add a Container item with \
                     `defaultRequest.{r}` to this LimitRange, or remove this `min`"
                ),
                ("max", ..) if compute_resource => format!(
                    "set `{}` and `{}` within {} on the host cluster's MigrationController, or raise \
                     this `max`",
                    written("limits"),
                    written("requests"),
                    violation.enforced.text.value
                ),
                _ if compute_resource => format!(
                    "set `{}` (and `{}`) to at least {} on the host cluster's MigrationController, \
                     or lower this `min`",
                    written("requests"),
                    written("limits"),
                    violation.enforced.text.value
                ),
                _ => format!("change this {r} constraint so that the rsync pods fit it"),
            };
            let mut finding = Finding::new(
                "DVM125",
                location,
                format!(
                    "LimitRange `{}` in {} namespace `{namespace}` rejects the {}: {} ({:?} item); \
                     {why}; the pods are refused at admission and DVM fails {}",
                    violation.object.object.meta.name.value,
                    side.role(),
                    side.pods(),
                    violation.detail,
                    violation.item.kind,
                    version_note(project)
                ),
            )
            .help(help)
            .object(Some(violation.object.object_ref()))
            .cluster(cluster_name);
            for kind in ["limits", "requests"] {
                if let Some(at) = settings.written.get(&written(kind)) {
                    finding = finding.related(at.clone(), format!("`{}`", written(kind)));
                }
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_chunk};

    fn items(spec: &str) -> Vec<LimitItem> {
        let text = format!(
            "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: l\nspec:\n  limits:\n{spec}"
        );
        let parsed = parse_chunk(&text, 1, Limits::default());
        LimitRange::from_node(&parsed.documents[0]).items
    }

    fn defaults() -> Container {
        let mut c = Container::default();
        c.limits.insert(CPU.to_owned(), 1000);
        c.requests.insert(CPU.to_owned(), 100);
        c
    }

    #[test]
    fn a_later_max_is_ignored_when_the_first_item_has_none_as_in_mig_controller() {
        let merged = merge(
            items(
                "  - type: Container\n    min: {memory: 256Mi}\n  - type: Container\n    max: {cpu: 500m}\n",
            )
            .iter(),
        );
        let merged = merged.unwrap_or_default();
        assert_eq!(merged.max.as_ref().map(BTreeMap::len), Some(0));
        let merged = merge(
            items("  - type: Container\n    min: {}\n  - type: Container\n    min: {cpu: 200m}\n")
                .iter(),
        )
        .unwrap_or_default();
        assert_eq!(merged.min.and_then(|m| m.get(CPU).copied()), Some(200));
    }

    #[test]
    fn requests_are_clamped_and_a_limit_below_its_request_is_dropped() {
        let mut c = defaults();
        let min: BTreeMap<String, i128> = [(CPU.to_owned(), 2000)].into();
        apply_item(&mut c, Some(&min), None);
        assert_eq!(c.requests.get(CPU), Some(&2000));
        assert_eq!(c.limits.get(CPU), None);
        let mut c = defaults();
        let max: BTreeMap<String, i128> = [(CPU.to_owned(), 50)].into();
        apply_item(&mut c, None, Some(&max));
        assert_eq!(
            (c.requests.get(CPU), c.limits.get(CPU)),
            (Some(&50), Some(&50))
        );
        assert_eq!(
            halved(Some(&max)).and_then(|m| m.get(CPU).copied()),
            Some(25)
        );
    }

    #[test]
    fn writes_ratios_and_quantities_as_kubernetes_does() {
        assert_eq!(ratio(1000, 100), "10");
        assert_eq!(ratio(1000, 400), "2.5");
        assert_eq!(show(CPU, 100), "100m");
        assert_eq!(show(CPU, 2000), "2");
        assert_eq!(show(MEMORY, 1_073_741_824_000), "1Gi");
        assert_eq!(pod_total(MEMORY, 1500), 4000);
        assert_eq!(pod_total(CPU, 1500), 3000);
    }
}
