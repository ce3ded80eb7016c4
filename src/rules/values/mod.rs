//! MigrationController value rules (DVM301–DVM306): settings the operator
//! accepts without a schema and then ignores or misapplies, or that stop the
//! controller (docs/rules.md).

pub mod clusterip_across_clusters;
pub mod invalid_controller_limit;
pub mod invalid_rsync_endpoint_type;
pub mod rsync_options_ignored;

use crate::manifest::migration_controller::MigrationController;
use crate::model::{ModelObject, Project};

/// Every MigrationController object of the repository with its typed view.
pub(crate) fn controllers(
    project: &Project,
) -> impl Iterator<Item = (&ModelObject, MigrationController)> + '_ {
    project.modelled().filter_map(|(_, object)| {
        if !object
            .object
            .meta
            .is("migration.openshift.io", "MigrationController")
        {
            return None;
        }
        Some((
            object,
            MigrationController::from_node(object.object.tree()?),
        ))
    })
}
