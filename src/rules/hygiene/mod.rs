//! Input hygiene: duplicates, placeholders, MigrationController keys.

pub mod cluster_matches_nothing;
pub mod conflicting_field_spellings;
pub mod duplicate_object;
pub mod migplan_unresolved_cluster;
pub mod migration_controller_keys;
pub mod template_placeholder;
pub mod unknown_migrationcontroller_field;
