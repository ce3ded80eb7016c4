#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `dvmlint probe` never answers ALLOWED where `check` reports the same
//! traffic blocked: every fixture's DVM101 and DVM110 (source side, error)
//! findings are run back through probe as the rsync client pods' egress to
//! the DVM destination, and every DVM102 finding as the rsync server pods'
//! ingress from where DVM traffic arrives (`probe::dvm_questions`). For each
//! finding, some question on its cluster and namespace must be DENIED. DVM105
//! findings (an AdminNetworkPolicy or baseline rule) must be DENIED by that
//! layer.

use std::fs;
use std::path::{Path, PathBuf};

use dvmlint::cli::probe;
use dvmlint::finding::Severity;
use dvmlint::lint::{self, LintOptions};
use dvmlint::net::netpol::PolicyType;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(".dvmlint.yaml").is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn probe_denies_what_check_reports_blocked() {
    let mut checked = 0;
    let mut firewall_checked = 0;
    let mut admin_checked = 0;
    let mut failures = Vec::new();
    for root in fixtures() {
        let run = lint::run(&LintOptions {
            paths: vec![root.clone()],
            ..LintOptions::default()
        })
        .unwrap();
        let blocked: Vec<_> = run
            .findings
            .iter()
            .filter(|f| match f.rule.as_ref() {
                "DVM101" | "DVM102" => true,
                // Its DNS cuts have no probe question; its Route ones do.
                "DVM105" => {
                    f.message.contains("egress of the") || f.message.contains("ingress to the")
                }
                // The target side (replies) is a warning; not-judged is info.
                "DVM110" => f.severity == Severity::Error,
                _ => false,
            })
            .collect();
        if blocked.is_empty() {
            continue;
        }
        let project = probe::load_project(std::slice::from_ref(&root), None).unwrap();
        let questions = probe::dvm_questions(&project);
        for finding in blocked {
            let direction = if finding.rule == "DVM102"
                || (finding.rule == "DVM105" && finding.message.contains("ingress to the"))
            {
                PolicyType::Ingress
            } else {
                PolicyType::Egress
            };
            let namespace = finding.object.as_ref().and_then(|o| o.namespace.clone());
            let matching: Vec<_> = questions
                .iter()
                .filter(|q| q.direction == direction)
                .filter(|q| finding.cluster.as_deref().is_none_or(|c| q.cluster == c))
                .filter(|q| namespace.as_deref().is_none_or(|n| q.namespace == n))
                // An unbound object applies to the namespaces its message names.
                .filter(|q| {
                    namespace.is_some() || finding.message.contains(&format!("`{}`", q.namespace))
                })
                .collect();
            let answers: Vec<_> = matching
                .iter()
                .map(|q| probe::answer(&project, &q.query).unwrap())
                .collect();
            checked += 1;
            if finding.rule == "DVM105" {
                admin_checked += 1;
                if !answers.iter().any(|a| {
                    !a.allowed
                        && a.decided_by.contains("AdminNetworkPolicy")
                        && a.admin_rules.iter().any(|r| r.action == "Deny")
                }) {
                    failures.push(format!(
                        "{}: DVM105 {}:{}: no probe question was denied by an admin rule",
                        root.display(),
                        finding.location.file,
                        finding.location.span.start.line
                    ));
                }
            }
            if finding.rule == "DVM110" {
                firewall_checked += 1;
                if !answers
                    .iter()
                    .any(|a| a.decided_by.contains("EgressFirewall"))
                {
                    failures.push(format!(
                        "{}: {} {}:{}: no probe question was decided by an egress firewall",
                        root.display(),
                        finding.rule,
                        finding.location.file,
                        finding.location.span.start.line
                    ));
                }
            }
            if answers.is_empty() || answers.iter().all(|a| a.allowed) {
                failures.push(format!(
                    "{}: {} {}:{} ({}) but probe answers ALLOWED to {} question(s)",
                    root.display(),
                    finding.rule,
                    finding.location.file,
                    finding.location.span.start.line,
                    finding.message,
                    answers.len()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Not vacuous: the fixtures hold many blocked-traffic findings.
    assert!(checked >= 20, "only {checked} findings checked");
    assert!(
        firewall_checked >= 5,
        "only {firewall_checked} DVM110 findings checked"
    );
    assert!(
        admin_checked >= 3,
        "only {admin_checked} DVM105 findings checked"
    );
}

#[test]
fn probe_names_the_firewall_that_decides_and_asks_about_pods() {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/egress-dnsname-allow-unrelated-host");
    let project = probe::load_project(&[root], None).unwrap();
    let (pod, _, _) = probe::parse_pod_target("app1/owner=directvolumemigration:6443").unwrap();
    let query = probe::Query {
        direction: PolicyType::Egress,
        cluster: Some("source".to_owned()),
        pod: pod.clone(),
        remote: probe::Remote::Addresses(probe::parse_target("10.0.0.1:443").unwrap().0),
        remote_text: "10.0.0.1".to_owned(),
        ports: dvmlint::net::ports::PortRange::single(443),
        protocol: dvmlint::net::ports::Protocol::Tcp,
    };
    let answer = probe::answer(&project, &query).unwrap();
    assert!(!answer.allowed);
    assert_eq!(answer.decided_by, "EgressFirewall");
    assert_eq!(answer.firewall_denials[0].rule, "egress[1]");
    assert!(
        probe::human(&answer)
            .contains("denied by EgressFirewall `default` in namespace `app1` rule egress[1]")
    );
    // Pod-to-pod traffic stays in the cluster: the firewall does not apply.
    let to_pod = probe::Query {
        remote: probe::Remote::Pod(pod),
        ..query
    };
    let answer = probe::answer(&project, &to_pod).unwrap();
    assert!(answer.allowed && answer.firewall_denials.is_empty());
    assert!(
        answer
            .notes
            .iter()
            .any(|n| n.contains("do not apply to a pod")),
        "{:?}",
        answer.notes
    );
    assert!(probe::parse_pod_target("/x=y:1").is_err());
    assert!(probe::parse_pod_target("app1/x=y").is_err());
    assert!(probe::parse_pod_target("app1:6443/udp").is_ok());
}
