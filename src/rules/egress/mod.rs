//! Egress firewalls (docs/rules.md DVM110–DVM113, docs/domain.md §6): the rules, and
//! the fix texts they share. The firewalls and their denials of the DVM
//! traffic are derived once per run in [`crate::model::egress`].

pub mod egress_firewall_denies_peer;
pub mod egress_firewall_dnsname_allow;
pub mod egress_firewall_invalid;
pub mod egress_firewall_shadowed_allow;

use std::fmt::Write as _;

use crate::finding::Finding;
use crate::manifest::egress_firewall::{FirewallFlavor, RuleManifest, TargetValue};
use crate::model::Project;
use crate::model::destination::{DvmDestination, Endpoint};
use crate::model::egress::{Denial, FirewallObject, Side};
use crate::model::migration::DvmPair;
use crate::net::egress_firewall::FirewallAction;
use crate::net::ports::{PortSet, Protocol};
use crate::rules::hops::{Decider, Hop, Verdict};

/// The egress-firewall hop of pair `index` (of `Migration::pairs`) on its
/// source side: the firewalls of the source namespace against the DVM
/// destination `dest`. `None` when no firewall applies there. Blocked
/// carries DVM110's or DVM113's findings, unknown DVM110's "not judged"; the
/// graph draws the same hop (`crate::graph`).
pub(crate) fn source_hop(
    project: &Project,
    index: usize,
    pair: &DvmPair,
    dest: &DvmDestination,
) -> Option<Hop> {
    let firewalls = project.firewalls();
    let applying = firewalls.applying(pair.source.cluster, &pair.source.namespace);
    if applying.is_empty() {
        return None;
    }
    let denials: Vec<&Denial> = project
        .egress_denials()
        .iter()
        .filter(|d| d.side == Side::Source && d.pairs.contains(&index))
        .collect();
    let mut blocked = Vec::new();
    let mut not_judged = Vec::new();
    let mut by = Vec::new();
    let mut short = String::new();
    for denial in &denials {
        let Some(firewall) = firewalls.items.get(denial.firewall) else {
            continue;
        };
        let deny = firewall.manifest.rules.get(denial.rule);
        by.push(Decider {
            name: format!("{} egress[{}]", firewall_name(firewall), denial.rule),
            location: deny.map(|r| firewall.location(r.location())),
        });
        if !denial.dns_allows.is_empty() {
            short = format!("egress[{}] after a dnsName Allow", denial.rule);
            blocked.extend(egress_firewall_dnsname_allow::findings(
                project, firewalls, denial,
            ));
        } else if let Some(finding) =
            egress_firewall_denies_peer::finding(project, firewalls, denial)
        {
            if denial.maybe_allowed_by.is_empty() {
                if short.is_empty() {
                    short = format!("egress[{}] denies it", denial.rule);
                }
                blocked.push(finding);
            } else {
                not_judged.push(finding);
            }
        }
    }
    let why = |findings: &[Finding]| {
        findings
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    if !blocked.is_empty() {
        return Some(Hop {
            verdict: Verdict::Blocked,
            short,
            why: why(&blocked),
            by,
            findings: blocked.into_iter().chain(not_judged).collect(),
        });
    }
    if !not_judged.is_empty() {
        return Some(Hop {
            verdict: Verdict::Unknown,
            short: "destination address unknown".to_owned(),
            why: why(&not_judged),
            by,
            findings: not_judged,
        });
    }
    let by: Vec<Decider> = applying
        .iter()
        .filter_map(|&fw| firewalls.items.get(fw))
        .map(|f| Decider {
            name: firewall_name(f),
            location: Some(f.location(f.object.object.meta.name_span())),
        })
        .collect();
    let through_proxy = matches!(dest.endpoint, Endpoint::Proxy { .. });
    let checked_cidrs = dest.addresses.is_none()
        && !through_proxy
        && !crate::model::egress::cidrs_of(project, pair.target.cluster).is_empty();
    if dest.addresses.is_none() && !checked_cidrs {
        // Only a catch-all Deny could be judged; a narrower Deny on the DVM
        // ports may or may not hold the unknown address.
        let wanted = PortSet::from(dest.ports);
        let narrower_deny = applying
            .iter()
            .filter_map(|&fw| firewalls.items.get(fw))
            .flat_map(|f| f.eval.rules.iter())
            .any(|r| {
                r.action == FirewallAction::Deny
                    && !r.ports_for(Protocol::Tcp).intersection(&wanted).is_empty()
            });
        if narrower_deny {
            return Some(Hop::unknown(
                "destination address unknown",
                format!(
                    "a Deny rule on the DVM ports may or may not hold the DVM destination: {}",
                    dest.unknown_reason
                        .as_deref()
                        .unwrap_or("the DVM destination is unknown")
                ),
                by,
            ));
        }
    }
    Some(Hop::allowed(
        "no rule denies it",
        "no rule of the namespace's egress firewalls denies the DVM destination (first match wins, no match allows)",
        by,
    ))
}

/// The egress-firewall hop of the rsync server's replies, for pair `index`
/// across two clusters through node ports: the OVN EgressFirewalls of the
/// target namespace against the source's `cidrs` (or the proxy). `None` when
/// none applies, the pair stays in one cluster, or DVM goes through a Route
/// (the replies go to the target's router). DVM110's warning makes it
/// unknown: OVN drops the replies only in shared-gateway mode.
pub(crate) fn replies_hop(project: &Project, index: usize, pair: &DvmPair) -> Option<Hop> {
    if pair.source.cluster == pair.target.cluster {
        return None;
    }
    // Only through node ports do the replies leave the cluster (through a
    // Route the server's peer is the target's router), and only an OVN
    // EgressFirewall is judged on them (`model::egress`): no hop otherwise.
    let endpoint =
        crate::model::destination::endpoint_type(project, project.migration(), pair.target.cluster);
    if endpoint != crate::model::destination::Endpoint::NodePort {
        return None;
    }
    let firewalls = project.firewalls();
    let applying = firewalls.applying(pair.target.cluster, &pair.target.namespace);
    if !applying.iter().any(|&f| {
        firewalls.items.get(f).is_some_and(|fw| {
            fw.manifest.flavor == crate::manifest::egress_firewall::FirewallFlavor::Ovn
        })
    }) {
        return None;
    }
    let mut findings = Vec::new();
    let mut by = Vec::new();
    for denial in project
        .egress_denials()
        .iter()
        .filter(|d| d.side == Side::Target && d.pairs.contains(&index))
    {
        let Some(firewall) = firewalls.items.get(denial.firewall) else {
            continue;
        };
        by.push(Decider {
            name: format!("{} egress[{}]", firewall_name(firewall), denial.rule),
            location: firewall
                .manifest
                .rules
                .get(denial.rule)
                .map(|r| firewall.location(r.location())),
        });
        findings.extend(egress_firewall_denies_peer::finding(
            project, firewalls, denial,
        ));
    }
    if !findings.is_empty() {
        return Some(Hop {
            verdict: Verdict::Unknown,
            short: "replies denied (OVN shared gateway)".to_owned(),
            why: findings
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            by,
            findings,
        });
    }
    let by: Vec<Decider> = applying
        .iter()
        .filter_map(|&fw| firewalls.items.get(fw))
        .map(|f| Decider {
            name: firewall_name(f),
            location: Some(f.location(f.object.object.meta.name_span())),
        })
        .collect();
    if crate::model::egress::cidrs_of(project, pair.source.cluster).is_empty() {
        return Some(Hop::unknown(
            "source cidrs unknown",
            "the `cidrs` of the source cluster are not set in .dvmlint.yaml, so the replies were not checked",
            by,
        ));
    }
    Some(Hop::allowed(
        "no rule denies them",
        "no rule of the target namespace's egress firewalls denies the source cluster's `cidrs`",
        by,
    ))
}

/// `EgressFirewall default` (`Kind name`): how a hop names a firewall.
fn firewall_name(firewall: &FirewallObject) -> String {
    let meta = &firewall.object.object.meta;
    format!("{} {}", meta.kind.value, meta.name.value)
}

/// The YAML of a firewall with `new_rules` inserted just above the deciding
/// rule `before` (docs/rules.md: "the exact YAML to add").
pub fn fix_yaml(firewall: &FirewallObject, new_rules: &str, before: usize) -> String {
    let meta = &firewall.object.object.meta;
    let flavor = firewall.manifest.flavor;
    let mut out = format!(
        "apiVersion: {}\nkind: {}\nmetadata:\n  name: {}\n",
        flavor.api_version(),
        flavor.kind(),
        meta.name.value
    );
    if let Some(ns) = firewall.object.scope().namespace() {
        let _ = writeln!(out, "  namespace: {ns}");
    }
    out.push_str("spec:\n  egress:\n");
    match before {
        0 => {}
        1 => out.push_str("  # egress[0]: unchanged\n"),
        n => {
            let _ = writeln!(out, "  # egress[0] to egress[{}]: unchanged", n - 1);
        }
    }
    out.push_str(new_rules);
    if let Some(rule) = firewall.manifest.rules.get(before) {
        let _ = writeln!(out, "  # egress[{before}], unchanged, now after the Allow:");
        out.push_str(&rule_yaml(rule));
    }
    out.truncate(out.trim_end().len());
    out
}

/// A rule written back as YAML, for fix texts.
pub fn rule_yaml(rule: &RuleManifest) -> String {
    let mut out = format!(
        "  - type: {}\n",
        rule.type_.as_ref().map_or("Deny", |t| t.value.as_str())
    );
    if let Some(target) = rule.target() {
        let to = match &target.value {
            TargetValue::Cidr(t) => format!("cidrSelector: {}", t.value),
            TargetValue::DnsName(t) => format!("dnsName: {}", t.value),
            TargetValue::Nodes { .. } => "nodeSelector: ...".to_owned(),
        };
        let _ = writeln!(out, "    to:\n      {to}");
    }
    if !rule.ports.is_empty() {
        out.push_str("    ports:\n");
        for port in &rule.ports {
            let _ = writeln!(
                out,
                "    - protocol: {}\n      port: {}",
                port.protocol.as_ref().map_or("TCP", |p| p.value.as_str()),
                port.port.as_ref().map_or("", |p| p.value.as_str())
            );
        }
    }
    out
}

/// Allow rules for `cidrs` (one per CIDR), restricted to one TCP port when
/// the flavor has ports (OVN) and the traffic is one port.
pub fn allow_rules_yaml(flavor: FirewallFlavor, cidrs: &[String], ports: &PortSet) -> String {
    let single_port = match ports.ranges() {
        [r] if r.start() == r.end() && flavor == FirewallFlavor::Ovn => Some(r.start()),
        _ => None,
    };
    let mut out = String::new();
    for cidr in cidrs {
        let _ = writeln!(out, "  - type: Allow\n    to:\n      cidrSelector: {cidr}");
        if let Some(port) = single_port {
            let _ = writeln!(out, "    ports:\n    - protocol: TCP\n      port: {port}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::net::ports::PortRange;

    #[test]
    fn allow_rules_have_type_allow_and_ovn_ports() {
        let one = PortSet::from(PortRange::single(443));
        let cidrs = ["10.0.128.0/17".to_owned()];
        assert_eq!(
            allow_rules_yaml(FirewallFlavor::Ovn, &cidrs, &one),
            "  - type: Allow\n    to:\n      cidrSelector: 10.0.128.0/17\n    ports:\n    - protocol: TCP\n      port: 443\n"
        );
        // SDN has no ports; a NodePort range is not expanded.
        let expected = "  - type: Allow\n    to:\n      cidrSelector: 10.0.128.0/17\n";
        assert_eq!(
            allow_rules_yaml(FirewallFlavor::Sdn, &cidrs, &one),
            expected
        );
        let range = PortSet::from(PortRange::new(30000, 32767).unwrap());
        assert_eq!(
            allow_rules_yaml(FirewallFlavor::Ovn, &cidrs, &range),
            expected
        );
    }
}
