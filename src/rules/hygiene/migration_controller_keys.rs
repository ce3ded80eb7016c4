//! The `spec` keys the MTC operator reads, after its snake_case conversion.
//!
//! mig-operator hands a MigrationController's `spec` to its Ansible role as
//! extra variables, which override everything the role sets itself: every
//! variable the role reads, in any released version, is a key a user can set.
//! The list, how it was derived and from which commits: `docs/migrationcontroller-keys.md`;
//! the data: `migrationcontroller_keys.txt` beside this file (sorted, one a line).

use std::sync::LazyLock;

/// The data file as embedded; `#` lines are comments.
const DATA: &str = include_str!("migrationcontroller_keys.txt");

/// Every key, sorted: looked up by binary search.
pub static KNOWN: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut keys: Vec<&'static str> = DATA
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    // The file is kept sorted (a test checks); sorting again costs nothing
    // and keeps the binary search right if it ever is not.
    keys.sort_unstable();
    keys.dedup();
    keys
});

pub fn is_known(snake: &str) -> bool {
    KNOWN.binary_search(&snake).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_is_sorted_unique_and_snake_case() {
        let lines: Vec<&str> = DATA
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect();
        assert!(
            lines.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        assert!(lines.iter().all(|k| {
            k.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        }));
        assert_eq!(lines.len(), KNOWN.len());
    }

    /// `docs/migrationcontroller-keys.md` documents exactly the keys the rule reads.
    #[test]
    fn the_documented_list_is_the_rules_list() {
        let doc = include_str!("../../../docs/migrationcontroller-keys.md");
        let documented: Vec<&str> = doc
            .lines()
            .filter_map(|line| line.strip_prefix("| `")?.split_once('`').map(|(k, _)| k))
            .collect();
        assert_eq!(documented, *KNOWN);
    }

    #[test]
    fn keys_read_by_the_operator_are_known() {
        // Each a false DVM403 on real repositories before the list was derived
        // from the operator's role: a computed value the test CR overrides, a
        // 1.7 setting, the resource limits of Velero and Restic, the namespace.
        for key in [
            "infrastructures",
            "additional_excluded_resources",
            "velero_limits_cpu",
            "velero_requests_memory",
            "restic_limits_memory",
            "mig_namespace",
            "stunnel_tcp_proxy",
            "rsync_endpoint_type",
        ] {
            assert!(is_known(key), "{key}");
        }
        // Variants only an unreleased branch read stay unknown (typos).
        for key in ["stunnel_pod_mem_limits", "origin3_dev", "stunnel_tcp_procy"] {
            assert!(!is_known(key), "{key}");
        }
    }
}
