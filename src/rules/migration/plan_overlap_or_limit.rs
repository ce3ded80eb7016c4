//! DVM127 plan-overlap-or-limit: MigPlans that MTC will not run as written.
//!
//! - Two open MigPlans migrating the same source namespace: unsupported from
//!   MTC 1.8.6 (its release notes).
//! - A plan over the host controller's limits (mig-controller
//!   `migplan/validation.go`, `pvlist.go`): more namespaces than
//!   `mig_namespace_limit` (default 10; condition NamespaceLimitExceeded,
//!   Critical: the plan never becomes Ready), more listed volumes than
//!   `mig_pv_limit` (default 100; PvLimitExceeded, a warning).

use std::collections::BTreeMap;

use crate::finding::{Finding, Location, Severity};
use crate::manifest::migration_controller::MigrationController;
use crate::manifest::mtc::MigPlan;
use crate::model::{ModelObject, Project};
use crate::rules::values::invalid_controller_limit::{Limit, judge};
use crate::rules::versions;

/// The limit the host controller applies: its setting when valid, the
/// default when absent; `None` when invalid (the controller does not start,
/// DVM305).
fn limit(controller: Option<&MigrationController>, snake: &str, default: i64) -> Option<i64> {
    match controller
        .and_then(|c| c.setting(snake))
        .and_then(|s| judge(&s.value))
    {
        None => Some(default),
        Some(Limit::Valid(n)) => Some(n),
        Some(Limit::NotInteger(_) | Limit::BelowOne(_)) => None,
    }
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    overlaps(project, out);
    limits(project, out);
}

fn overlaps(project: &Project, out: &mut Vec<Finding>) {
    if versions::configured(project).is_some_and(|v| v < [1, 8, 6]) {
        return;
    }
    let migration = project.migration();
    // (source cluster, source namespace) → the open plans migrating it, in order.
    let mut by_namespace: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
    for pair in &migration.pairs {
        let Some(plan) = pair.plan else { continue };
        let plans = by_namespace
            .entry((pair.source.cluster, pair.source.namespace.as_str()))
            .or_default();
        if !plans.contains(&plan) {
            plans.push(plan);
        }
    }
    // Each plan read once: one plan may list thousands of namespaces.
    let mut read: BTreeMap<usize, Option<(&ModelObject, MigPlan)>> = BTreeMap::new();
    for ((cluster, namespace), mut plans) in by_namespace {
        if plans.len() < 2 {
            continue;
        }
        // In repository order: the first plan keeps the namespace.
        plans.sort_unstable();
        for &i in &plans {
            read.entry(i).or_insert_with(|| super::plan(project, i));
        }
        let open: Vec<&(&ModelObject, MigPlan)> = plans
            .iter()
            .filter_map(|i| read.get(i)?.as_ref())
            .filter(|(_, plan)| !plan.closed)
            .collect();
        let Some((&(first_object, first_plan), rest)) = open.split_first() else {
            continue;
        };
        let first_entry = first_plan.namespaces.iter().find(|m| m.source == namespace);
        for &(object, plan) in rest {
            let Some(entry) = plan.namespaces.iter().find(|m| m.source == namespace) else {
                continue;
            };
            let mut finding = Finding::new(
                "DVM127",
                Location::new(&object.object.file, entry.text.span),
                format!(
                    "source namespace `{namespace}` is also migrated by MigPlan `{}`: MTC 1.8.6 \
                     and later do not support several migration plans for one namespace {}",
                    first_object.object.meta.name.value,
                    versions::note(project, "MTC 1.8.6 or later")
                ),
            )
            .severity(Severity::Warning)
            .help(format!(
                "migrate `{namespace}` in one MigPlan: remove it here or from `{}` (or set \
                 `closed: true` on the plan that is done)",
                first_object.object.meta.name.value
            ))
            .object(Some(object.object_ref()))
            .cluster(project.cluster_name(Some(cluster)));
            if let Some(first) = first_entry {
                finding = finding.related(
                    Location::new(&first_object.object.file, first.text.span),
                    "the other plan's entry",
                );
            }
            out.push(finding);
        }
    }
}

fn limits(project: &Project, out: &mut Vec<Finding>) {
    let migration = project.migration();
    // The plans are reconciled by the host cluster's controller.
    let host = migration
        .host
        .and_then(|host| migration.controller(project, host));
    let controller = host.as_ref().map(|(_, c)| c);
    let ns_limit = limit(controller, "mig_namespace_limit", 10);
    let pv_limit = limit(controller, "mig_pv_limit", 100);
    let source = |snake: &str, default: i64| {
        if controller.and_then(|c| c.setting(snake)).is_some() {
            format!("`{snake}` of the host MigrationController")
        } else {
            format!("the default of `{snake}`, {default}")
        }
    };
    for (_, object, plan) in super::plans(project) {
        if plan.closed {
            continue;
        }
        let over = |count: usize, limit: Option<i64>| {
            limit.filter(|&l| i64::try_from(count).is_ok_and(|c| c > l))
        };
        if let Some(limit) = over(plan.namespaces.len(), ns_limit)
            && let Some(entry) = usize::try_from(limit)
                .ok()
                .and_then(|l| plan.namespaces.get(l))
        {
            out.push(
                Finding::new(
                    "DVM127",
                    Location::new(&object.object.file, entry.text.span),
                    format!(
                        "MigPlan `{}` lists {} namespaces, more than {limit} ({}): mig-controller \
                         marks it NamespaceLimitExceeded (critical) and the plan never becomes \
                         ready {}",
                        object.object.meta.name.value,
                        plan.namespaces.len(),
                        source("mig_namespace_limit", 10),
                        versions::note(project, "any MTC 1.x release")
                    ),
                )
                .help(format!(
                    "split the plan so that each lists at most {limit} namespaces (this entry is \
                     the first over the limit), or raise `mig_namespace_limit` on the host \
                     cluster's MigrationController"
                ))
                .object(Some(object.object_ref())),
            );
        }
        if let Some(limit) = over(plan.volumes.len(), pv_limit)
            && let Some(volume) = usize::try_from(limit)
                .ok()
                .and_then(|l| plan.volumes.get(l))
        {
            out.push(
                Finding::new(
                    "DVM127",
                    Location::new(&object.object.file, volume.span),
                    format!(
                        "MigPlan `{}` lists {} persistent volumes, more than {limit} ({}): \
                         mig-controller marks it PvLimitExceeded {}",
                        object.object.meta.name.value,
                        plan.volumes.len(),
                        source("mig_pv_limit", 100),
                        versions::note(project, "any MTC 1.x release")
                    ),
                )
                .severity(Severity::Warning)
                .help(format!(
                    "split the plan so that each lists at most {limit} volumes, or raise \
                     `mig_pv_limit` on the host cluster's MigrationController"
                ))
                .object(Some(object.object_ref())),
            );
        }
    }
}
