//! DVM124 route-host-too-long: a destination namespace too long for the DVM
//! Route's generated host.
//!
//! Without a route subdomain (`cluster_subdomain` on the destination
//! MigrationController), OpenShift generates the Route host as
//! `<route name>-<namespace>.<ingress domain>`, whose first DNS label may hold
//! 63 characters. mig-controller's Route is `dvm`, so the namespace may hold 59
//! (its own `NamespaceLengthExceeded` warning, `migplan/validation.go`). From
//! MTC 1.7.0 a missing `cluster_subdomain` falls back to the cluster's ingress
//! domain and the Route endpoint shortens a long host itself, so the Route is
//! created: an error only with `mtcVersion` before 1.7, an info finding (what
//! older releases do) when `mtcVersion` is unset, nothing from 1.7. The
//! `dvm-block` Route exists only from MTC 1.8, which shortens too. Only when the
//! rsync endpoint is a Route.

use std::collections::BTreeSet;

use crate::finding::{Finding, Location, Severity};
use crate::model::Project;
use crate::rules::versions;

/// The longest namespace the `dvm` Route's generated host admits.
pub const FILESYSTEM_LIMIT: usize = 63 - "dvm-".len();
/// The first MTC release that falls back to the ingress domain (and shortens
/// the host) when `cluster_subdomain` is not set.
pub const FALLBACK_SINCE: versions::Version = [1, 7, 0];

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let severity = match versions::configured(project) {
        Some(version) if version >= FALLBACK_SINCE => return,
        Some(_) => Severity::Error,
        None => Severity::Info,
    };
    let migration = project.migration();
    let mut seen = BTreeSet::new();
    for pair in &migration.pairs {
        let Some(plan_index) = pair.plan else {
            continue;
        };
        let namespace = &pair.target.namespace;
        let limit = FILESYSTEM_LIMIT;
        let length = namespace.chars().count();
        if length <= limit || !seen.insert((plan_index, pair.target.cluster, namespace.clone())) {
            continue;
        }
        // The destination controller decides: no controller in the
        // repository means its settings are unknown.
        let Some((controller_object, controller)) =
            migration.controller(project, pair.target.cluster)
        else {
            continue;
        };
        if controller.text("cluster_subdomain").is_some() {
            continue;
        }
        let endpoint = controller.text("rsync_endpoint_type");
        if endpoint.is_some_and(|t| t.value == "NodePort" || t.value == "ClusterIP") {
            continue;
        }
        let Some((plan_object, plan)) = super::plan(project, plan_index) else {
            continue;
        };
        let Some(entry) = super::entry_for_destination(&plan, namespace) else {
            continue;
        };
        let route = "dvm";
        let target = project.cluster_name(Some(pair.target.cluster));
        out.push(
            Finding::new(
                "DVM124",
                Location::new(&plan_object.object.file, entry.span),
                format!(
                    "destination namespace `{namespace}` has {length} characters, more than the \
                     {limit} the DVM Route `{route}` admits: its generated host \
                     `{route}-{namespace}.<ingress domain>` starts with a DNS label longer than \
                     63 characters, so the Route is rejected and DVM fails; the destination \
                     MigrationController sets no `cluster_subdomain` {}",
                    match severity {
                        Severity::Info => "(on MTC before 1.7; from 1.7 mig-controller falls \
                             back to the ingress domain and shortens the host: set `mtcVersion` \
                             in .dvmlint.yaml to be exact)"
                            .to_owned(),
                        _ => versions::note(project, "MTC before 1.7"),
                    }
                ),
            )
            .severity(severity)
            .help(format!(
                "map the namespace to a name of at most {limit} characters (`{}:SHORTER_NAME`), or \
                 set `cluster_subdomain` on the destination cluster's MigrationController",
                pair.source.namespace
            ))
            .object(Some(plan_object.object_ref()))
            .cluster(target)
            .related(
                Location::new(
                    &controller_object.object.file,
                    controller
                        .spec_key
                        .unwrap_or(controller_object.object.meta.name_span()),
                ),
                "the destination MigrationController, without `cluster_subdomain`",
            ),
        );
    }
}
