//! MigrationController value rules (DVM301–DVM303): settings the operator
//! accepts without a schema and then ignores or misapplies (domain.md §2).

pub mod clusterip_across_clusters;
pub mod invalid_rsync_endpoint_type;
