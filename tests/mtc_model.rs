#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! What the MTC model's findings say (issue: a missing finding is never
//! silent): each message states the assumption that limits it and the key
//! that makes it exact, and no fix proposes what would not help. The fixtures
//! check which findings appear; these tests read what they say.

use std::path::Path;

use dvmlint::finding::{Finding, Severity};
use dvmlint::lint::{self, LintOptions};

fn findings(fixture: &str) -> Vec<Finding> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(fixture);
    lint::run(&LintOptions {
        paths: vec![root],
        ..LintOptions::default()
    })
    .unwrap()
    .findings
}

/// `finding`'s message holds every one of `parts`.
fn says(finding: &Finding, parts: &[&str]) {
    for part in parts {
        assert!(
            finding.message.contains(part),
            "{}: {part:?} not in {}",
            finding.rule,
            finding.message
        );
    }
}

fn one<'f>(all: &'f [Finding], rule: &str, file: &str) -> &'f Finding {
    let found: Vec<&Finding> = all
        .iter()
        .filter(|f| f.rule == rule && f.location.file.as_ref() == file)
        .collect();
    assert_eq!(found.len(), 1, "{rule} in {file}: {all:#?}");
    found[0]
}

#[test]
fn cidrs_standing_in_for_ingress_are_said() {
    let all = findings("assumptions-stated");
    for (rule, file) in [
        ("DVM101", "source/app1.yaml"),
        ("DVM110", "source/app2.yaml"),
    ] {
        says(
            one(&all, rule, file),
            &[
                "checked against the `cidrs` of cluster `target`",
                "set `ingress`",
            ],
        );
    }
}

/// Nothing says which cluster runs mig-controller while a MigrationController
/// sets `stunnel_tcp_proxy`: the findings name the cluster taken as the host
/// and the keys that make it exact. Where the host is known (a cluster named
/// `host`, a controller switched off elsewhere), they do not.
#[test]
fn a_guessed_host_cluster_is_said() {
    let all = findings("mtc-host-guessed-is-said");
    for file in ["clusters/ocp3/shop.yaml", "clusters/ocp3/books.yaml"] {
        says(
            one(&all, "DVM101", file),
            &[
                "is taken to be `ocp3`, the first source",
                "`migration_controller: true`",
                "name its cluster `host`",
            ],
        );
    }
    for fixture in [
        "mtc-host-is-the-cluster-named-host",
        "mtc-host-is-the-cluster-whose-controller-is-not-off",
    ] {
        let all = findings(fixture);
        let finding = one(&all, "DVM101", "clusters/ocp3/books.yaml");
        says(finding, &["the proxy of `stunnel_tcp_proxy`"]);
        assert!(!finding.message.contains("taken to be"), "{finding:?}");
    }
}

#[test]
fn unresolved_plans_list_their_candidates_and_the_key() {
    let all = findings("migplan-unresolved-cluster");
    let f = one(&all, "DVM405", "dst/plan.yaml");
    assert!(f.message.contains("it could be `dst`"), "{}", f.message);
    assert!(
        f.message
            .contains("the configuration has `hots`: a typo, in it or in the plan?"),
        "{}",
        f.message
    );
    assert!(f.help.as_deref().unwrap().contains("migCluster: host"));
}

/// On OpenShift 3 (OpenShift SDN) egress NetworkPolicies block nothing:
/// the egress findings are infos that say why; ingress is unchanged.
#[test]
fn egress_policies_of_openshift_3_are_infos() {
    let all = findings("netpol-egress-not-enforced-on-openshift-3");
    for rule in ["DVM101", "DVM103"] {
        let f = one(&all, rule, "src/shop.yaml");
        assert_eq!(f.severity, Severity::Info, "{rule}");
        says(
            f,
            &[
                "runs OpenShift 3.11, whose network plugin, OpenShift SDN, does not enforce egress NetworkPolicies",
            ],
        );
    }
}

/// No clusters configured, a remote MigCluster kept: the network findings
/// say the repository was taken as one cluster, and how to split it.
#[test]
fn one_cluster_of_several_is_said() {
    let all = findings("netpol-one-cluster-though-two-migclusters");
    for rule in ["DVM101", "DVM103"] {
        says(
            one(&all, rule, "clusters/target/deny-egress.yaml"),
            &[
                "taken as one cluster, though it keeps MigCluster `target` of another",
                "`clusters:`",
            ],
        );
    }
}

#[test]
fn skipped_workers_are_named_with_the_key() {
    let all = findings("noproxy-workers-skipped-unknown-machine-network");
    let f = one(&all, "DVM201", "src/proxy.yaml");
    assert_eq!(f.severity, Severity::Info);
    assert!(
        f.message.contains("`10.0.5.21`, `10.0.5.22`"),
        "{}",
        f.message
    );
    assert!(f.help.as_deref().unwrap().contains("`machineNetwork`"));
}

#[test]
fn a_proxy_by_name_is_never_checked_against_the_targets_cidrs() {
    let all = findings("stunnel-proxy-hostname-destination");
    assert!(
        all.iter()
            .all(|f| !f.message.contains("10.0.0.0/16 on TCP port 3128")),
        "{all:#?}"
    );
    let f = one(&all, "DVM110", "source/app1/firewall.yaml");
    assert_eq!(f.severity, Severity::Info);
    assert!(
        f.message.contains("proxy.corp.example.com"),
        "{}",
        f.message
    );
    let help = f.help.as_deref().unwrap();
    assert!(help.contains("`hosts:`"), "{help}");
    assert!(
        !help.contains("`cidrs`") && !help.contains("`ingress`"),
        "{help}"
    );
}

#[test]
fn an_unrelated_dns_name_is_named_in_dvm110() {
    let all = findings("egress-dnsname-allow-unrelated-host");
    let f = one(&all, "DVM110", "source/app1.yaml");
    assert!(
        f.message
            .contains("`dnsName: registry.example.org` names another host"),
        "{}",
        f.message
    );
}

#[test]
fn a_misnamed_egress_firewall_is_merged_not_renamed_onto_default() {
    let all = findings("egress-ignored-firewall-denies-nothing");
    let f = one(&all, "DVM112", "source/app1.yaml");
    let help = f.help.as_deref().unwrap();
    assert!(
        help.contains("merge its rules into the namespace's EgressFirewall `default`"),
        "{help}"
    );
    assert!(!help.contains("rename"), "{help}");
    assert_eq!(f.related.len(), 1);
}

/// With the namespaces guessed, a finding names what makes its namespace
/// migrated: the object that gives DVM something to copy there, at its name.
#[test]
fn a_guessed_namespace_names_the_claim_that_makes_it_migrated() {
    let found = findings("netpol-guessed-namespaces-only-with-claims");
    let reason = |namespace: &str| {
        let finding = found
            .iter()
            .find(|f| f.rule.as_ref() == "DVM102" && f.message.contains(&format!("`{namespace}`")))
            .unwrap_or_else(|| panic!("no DVM102 for {namespace}: {found:#?}"));
        let related = finding
            .related
            .iter()
            .find(|r| r.message.contains("counts as migrated"))
            .unwrap_or_else(|| panic!("{finding:#?}"));
        (
            related.location.file.to_string(),
            related.location.span.start.line,
            related.message.clone(),
        )
    };
    let (file, line, message) = reason("db");
    assert_eq!((file.as_str(), line), ("db.yaml", 13), "{message}");
    assert!(message.contains("a StatefulSet `postgres`"), "{message}");
    assert!(message.contains("`namespaces:`"), "{message}");
    let (file, _, message) = reason("shop");
    assert_eq!(file, "shop.yaml");
    assert!(
        message.contains("a PersistentVolumeClaim `uploads`"),
        "{message}"
    );
    // A StatefulSet without volumes migrates nothing: no finding in `cache`.
    assert!(
        !found.iter().any(|f| f.message.contains("`cache`")),
        "{found:#?}"
    );
}

/// A duplicate within one OpenShift Template says so: the Template is what
/// applies both (`oc process`), not the folder (whose other Templates are
/// processed apart).
#[test]
fn a_duplicate_in_a_template_names_the_template() {
    let found = findings("duplicate-object-openshift-templates-each-processed-alone");
    assert_eq!(found.len(), 1, "{found:#?}");
    says(
        &found[0],
        &[
            "ConfigMap `${REPORT}-settings`",
            "defined twice by one OpenShift Template (`oc process` makes both)",
            "templates/backup.yaml:47",
        ],
    );
}

/// Two namespace-less policies that together isolate a migrated namespace are
/// named as such: "policies `a`, `b` set no namespace, so they apply".
#[test]
fn several_unbound_policies_read_as_plural() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join(".dvmlint.yaml"), "namespaces: [app1]\n").unwrap();
    let deny = |name: &str, kind: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}}}\nspec:\n  podSelector: {{}}\n  policyTypes: [{kind}]\n"
        )
    };
    std::fs::write(
        root.join("policies.yaml"),
        format!(
            "{}---\n{}",
            deny("deny-in", "Ingress"),
            deny("deny-all", "Ingress")
        ),
    )
    .unwrap();
    let found = lint::run(&LintOptions {
        paths: vec![root.to_path_buf()],
        ..LintOptions::default()
    })
    .unwrap()
    .findings;
    let blocked = found
        .iter()
        .find(|f| f.rule.as_ref() == "DVM102")
        .unwrap_or_else(|| panic!("{found:#?}"));
    says(
        blocked,
        &[
            "(policies `deny-all`, `deny-in` set no namespace, so they apply to every migrated namespace",
        ],
    );
}

/// An egress rule for the rsync server's port (6443) rather than the Route's
/// (443): DVM101 says why the rule does not help.
#[test]
fn an_egress_rule_for_the_server_port_is_explained() {
    let all = findings("netpol-egress-allows-server-port");
    says(
        one(&all, "DVM101", "source/policies.yaml"),
        &[
            "no rule allows TCP to 192.0.2.10 port 443",
            "A rule allows port 6443, the rsync server's own port, but the clients connect to the Route's router on 443",
        ],
    );
}

/// A cluster-wide Proxy sends a cluster's own traffic out through a proxy; it
/// does not show that the cluster's route is reachable only through one.
/// DVM207 takes such a target to be behind a proxy only as an assumption: an
/// info that says so, names both outbound proxies and `behindProxy`. The
/// configuration decides it: `behindProxy: true` makes it an error, `false`
/// rules it out.
#[test]
fn a_targets_cluster_proxy_is_an_assumption_behind_proxy_decides() {
    for fixture in [
        "proxy-cluster-proxies-are-outbound-only",
        "proxy-both-clusters-behind-proxies",
    ] {
        let all = findings(fixture);
        let controller = if fixture.ends_with("outbound-only") {
            "east/controller.yaml"
        } else {
            "source/controller.yaml"
        };
        let f = one(&all, "DVM207", controller);
        assert_eq!(f.severity, Severity::Info, "{fixture}: {f:#?}");
        says(
            f,
            &[
                "is taken to be behind a proxy only because it has an outbound proxy (set in the cluster Proxy)",
                "does not show that its route is reachable only through a proxy",
                "set `behindProxy` for cluster",
                "to make this check exact",
            ],
        );
        assert!(!f.message.contains("are behind proxies"), "{f:#?}");
        let related: Vec<&str> = f.related.iter().map(|r| r.location.file.as_ref()).collect();
        assert_eq!(related.len(), 2, "{fixture}: {f:#?}");
        assert!(
            related.iter().all(|file| file.ends_with("/proxy.yaml")),
            "{fixture}: {related:?}"
        );
    }
    let all = findings("proxy-target-configured-behind-proxy");
    let f = one(&all, "DVM207", "east/controller.yaml");
    assert_eq!(f.severity, Severity::Error, "{f:#?}");
    says(
        f,
        &[
            "both the source cluster `east` and the target cluster `west` are behind proxies",
            "the target by `behindProxy: true` in .dvmlint.yaml",
        ],
    );
    let all = findings("proxy-target-configured-not-behind-proxy");
    assert!(all.iter().all(|f| f.rule != "DVM207"), "{all:#?}");
}

/// An AdminNetworkPolicy allowing the router's namespace lets in a router on
/// the pod network only: with `routerNetwork: host` the NetworkPolicy decides
/// (an error that names the admin policy passed over); unknown, the finding
/// is a warning that states the assumption and the key that settles it.
#[test]
fn an_admin_allow_of_the_router_counts_on_the_pod_network_only() {
    let all = findings("admin-policy-allow-of-the-router");
    let host = one(&all, "DVM102", "host/policies.yaml");
    assert_eq!(host.severity, Severity::Error);
    says(host, &["`ingress-type-default`", "run on the host network"]);
    let unknown = one(&all, "DVM102", "unknown/policies.yaml");
    assert_eq!(unknown.severity, Severity::Warning);
    says(
        unknown,
        &[
            "unless the routers of cluster `unknown` run on the pod network",
            "`ingress-type-default`",
            "`routerNetwork`",
        ],
    );
    assert!(
        all.iter().all(|f| !f.location.file.starts_with("pod/")),
        "{all:#?}"
    );
}
