//! DVM111 egress-firewall-shadowed-allow: an Allow rule that can never match,
//! because earlier Deny rules cover all of its range and ports (first match
//! wins, docs/domain.md §6). Usually the Allow meant for the peer cluster was
//! appended after a catch-all Deny instead of inserted before it.
//!
//! A validity rule: it applies to every firewall, migrated namespace or not.
//! Rules of unknown addresses (`dnsName`, unmatched `nodeSelector`) are never
//! reported and never count as covering.

use crate::finding::Finding;
use crate::model::Project;

use crate::model::egress::FirewallObject;

use super::rule_yaml;

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let firewalls = project.firewalls();
    // A firewall the platform ignores or rejects (DVM112) has no rules in effect.
    for firewall in firewalls.items.iter().filter(|f| f.ignored.is_none()) {
        for shadowed in firewall.eval.shadowed_allows() {
            if let Some(finding) = finding(project, firewall, shadowed.rule, &shadowed.covered_by) {
                out.push(finding);
            }
        }
    }
}

fn finding(
    project: &Project,
    firewall: &FirewallObject,
    rule: usize,
    covered_by: &[usize],
) -> Option<Finding> {
    let (index, allow) = firewall.rule(rule)?;
    let covering: Vec<(usize, &crate::manifest::egress_firewall::RuleManifest)> = covered_by
        .iter()
        .filter_map(|&i| firewall.rule(i))
        .collect();
    let names: Vec<String> = covering
        .iter()
        .map(|(i, _)| format!("egress[{i}]"))
        .collect();
    let first = covering.first().map_or(0, |(i, _)| *i);
    let message = format!(
        "rule egress[{index}] of {} is an Allow that can never match: the earlier Deny {} {} {} all of its addresses and ports, and the first matching rule decides",
        firewall.describe(),
        if names.len() == 1 { "rule" } else { "rules" },
        crate::finding::bounded_list(&names),
        if names.len() == 1 { "covers" } else { "cover" },
    );
    let help = format!(
        "move the Allow rule above egress[{first}] (the first Deny that covers it), or delete it if the Deny is intended:\n  egress:\n{}  # egress[{first}] and the rest follow\n",
        rule_yaml(allow)
    );
    let mut finding = Finding::new("DVM111", firewall.location(allow.location()), message)
        .help(help)
        .object(Some(firewall.object.object_ref()))
        .cluster(project.cluster_name(firewall.object.cluster()));
    for (i, deny) in covering {
        finding = finding.related(
            firewall.location(deny.location()),
            format!("egress[{i}] denies first"),
        );
    }
    Some(finding)
}
