//! Migration rules (DVM120–DVM127): what MigPlans and the Namespace objects of
//! the migrated namespaces do to DVM on the destination cluster: admission of
//! the rsync pods, the rsync Route, plan limits and overlaps.

pub mod limitrange_rejects_rsync;
pub mod namespaces;
pub mod node_selector_unmatched;
pub mod plan_overlap_or_limit;
pub mod privileged_rsync_without_psa_label;
pub mod pv_selection_invalid;
pub mod route_host_too_long;
pub mod rsync_route_not_admitted;
pub mod scc_annotations_differ;

use crate::manifest::Text;
use crate::manifest::mtc::MigPlan;
use crate::model::{ModelObject, Project};

/// A MigPlan object of the repository with its typed view, by index in
/// `Project::objects`.
pub(crate) fn plan(project: &Project, index: usize) -> Option<(&ModelObject, MigPlan)> {
    let object = project.objects.get(index)?;
    Some((object, MigPlan::from_node(object.object.tree()?)))
}

/// Every MigPlan object of the repository with its typed view and index.
pub(crate) fn plans(
    project: &Project,
) -> impl Iterator<Item = (usize, &ModelObject, MigPlan)> + '_ {
    project.modelled().filter_map(|(index, object)| {
        if !object.object.meta.is("migration.openshift.io", "MigPlan") {
            return None;
        }
        Some((index, object, MigPlan::from_node(object.object.tree()?)))
    })
}

/// The `spec.namespaces` entry of `plan` whose destination is `namespace`.
pub(crate) fn entry_for_destination<'p>(plan: &'p MigPlan, namespace: &str) -> Option<&'p Text> {
    plan.namespaces
        .iter()
        .find(|m| m.destination == namespace)
        .map(|m| &m.text)
}
