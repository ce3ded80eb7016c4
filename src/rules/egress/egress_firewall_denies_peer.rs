//! DVM110 egress-firewall-denies-peer: an egress firewall of a migrated
//! namespace denies part of the DVM traffic.
//!
//! Source side [error]: the firewall of a source namespace denies part of the
//! DVM destination; rules are evaluated in order, first match decides, no
//! match allows (docs/domain.md §6). The finding sits on the deciding Deny's
//! target and names the denied sub-range, e.g. `10.0.128.0/17 of
//! 10.0.0.0/16`. The fix inserts an Allow rule above it — `type: Allow`, not
//! the `type: Deny` of the MTC documentation's own example (docs/domain.md §6).
//!
//! Target side [warning]: with a NodePort endpoint, an OVN EgressFirewall of
//! a target namespace denies the source's `cidrs`; in OVN shared-gateway mode
//! egress rules also hit the rsync server's replies (through a Route its peer
//! is the target's own router: nothing leaves the cluster).
//!
//! A catch-all Deny met after a `dnsName` Allow that names the destination
//! (or may: nothing configured to compare it with) is DVM113's, not this
//! rule's: one problem, one finding. A `dnsName` Allow for another host (not
//! under the target's `routeDomain` or its MigCluster URL's domain, not the
//! proxy) lets nothing of DVM through: the denial is this rule's.

use crate::finding::{Finding, Severity};
use crate::manifest::egress_firewall::TargetValue;
use crate::model::Project;

use crate::model::egress::{Denial, Firewalls, Side};

use super::{allow_rules_yaml, fix_yaml};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let firewalls = project.firewalls();
    for denial in project.egress_denials() {
        if !denial.dns_allows.is_empty() {
            continue;
        }
        if let Some(finding) = finding(project, firewalls, denial) {
            out.push(finding);
        }
    }
}

/// A catch-all Deny with Allows ahead of it that may or may not hold the
/// destination, whose address is unknown: what was not judged, and the key
/// that makes it exact (info).
fn not_judged(
    project: &Project,
    firewall: &crate::model::egress::FirewallObject,
    denial: &Denial,
) -> Finding {
    let rules: Vec<String> = denial
        .maybe_allowed_by
        .iter()
        .map(|i| format!("egress[{i}]"))
        .collect();
    let key = if denial.through_proxy {
        "the proxy's address in `hosts:` of .dvmlint.yaml"
    } else {
        "`ingress` (Route), `workers` (NodePort) or `cidrs` of the target cluster in .dvmlint.yaml"
    };
    let message = format!(
        "{} was not judged for the DVM traffic of migrated {}: its catch-all Deny egress[{}] cuts {} — {} — unless the Allow {} {} ahead of it {} the destination, whose address is unknown ({})",
        firewall.describe(),
        denial.namespaces_text(),
        denial.rule,
        denial.range_text(),
        denial.what,
        if rules.len() == 1 { "rule" } else { "rules" },
        rules.join(", "),
        if rules.len() == 1 { "holds" } else { "hold" },
        denial
            .unknown
            .as_deref()
            .unwrap_or("the DVM destination is unknown"),
    );
    let location = firewall.manifest.rules.get(denial.rule).map_or_else(
        || firewall.location(firewall.object.object.meta.name_span()),
        |r| firewall.location(r.location()),
    );
    Finding::new("DVM110", location, message)
        .severity(Severity::Info)
        .help(format!("set {key} to make this check exact"))
        .object(Some(firewall.object.object_ref()))
        .cluster(project.cluster_name(firewall.object.cluster()))
}

/// The `dnsName` of manifest rule `i`.
fn dns_name(firewall: &crate::model::egress::FirewallObject, i: usize) -> Option<String> {
    match firewall.manifest.rules.get(i)?.target().map(|t| &t.value) {
        Some(TargetValue::DnsName(name)) => Some(name.value.clone()),
        _ => None,
    }
}

/// DVM110's finding on one denial (the caller leaves out those with `dnsName`
/// Allows ahead of the Deny, which are DVM113's).
pub(crate) fn finding(
    project: &Project,
    firewalls: &Firewalls,
    denial: &Denial,
) -> Option<Finding> {
    let firewall = firewalls.items.get(denial.firewall)?;
    let rule = firewall.manifest.rules.get(denial.rule)?;
    let object = &firewall.object;
    if !denial.maybe_allowed_by.is_empty() {
        return Some(not_judged(project, firewall, denial));
    }
    let (message, cidrs, severity) = match denial.side {
        Side::Source => {
            let mut message = format!(
                "{} denies the DVM traffic of migrated {}: its rule egress[{}] is the first to match {} — {}; first match wins, so the rsync client pods cannot open their DVM connections",
                firewall.describe(),
                denial.namespaces_text(),
                denial.rule,
                denial.range_text(),
                denial.what,
            );
            let names: Vec<String> = denial
                .unrelated_dns
                .iter()
                .filter_map(|&i| dns_name(firewall, i))
                .map(|n| format!("`dnsName: {n}`"))
                .collect();
            if !names.is_empty() {
                message.push_str(&format!(
                    "; the {} ahead of it {} another host (not under the target's `routeDomain` or its MigCluster URL's domain{}), so {} not let the DVM traffic through",
                    if names.len() == 1 { "Allow" } else { "Allows" },
                    if names.len() == 1 {
                        format!("{} names", names.join(""))
                    } else {
                        format!("{} name", names.join(", "))
                    },
                    if denial.through_proxy { ", not the proxy" } else { "" },
                    if names.len() == 1 { "it does" } else { "they do" },
                ));
            }
            if let Some(unknown) = &denial.unknown {
                message.push_str(&format!(" ({unknown})"));
            }
            let cidrs: Vec<String> = denial
                .denied
                .as_ref()
                .map(|d| d.to_cidrs().iter().map(ToString::to_string).collect())
                .unwrap_or_default();
            (message, cidrs, Severity::Error)
        }
        Side::Target => (
            format!(
                "{} denies {} — {} — in its rule egress[{}], and {} receives a migration: in OVN shared-gateway mode egress rules also apply to the rsync server's replies, which can then be dropped",
                firewall.describe(),
                denial.range_text(),
                denial.what,
                denial.rule,
                denial.namespaces_text(),
            ),
            denial
                .denied
                .as_ref()
                .map(|d| d.to_cidrs().iter().map(ToString::to_string).collect())
                .unwrap_or_default(),
            Severity::Warning,
        ),
    };
    let help = if cidrs.is_empty() && denial.through_proxy {
        // Never propose the target's addresses: the clients connect to the proxy.
        format!(
            "the rsync client pods connect to the `stunnel_tcp_proxy` proxy, whose address is unknown (a host name): give it in `hosts:` of .dvmlint.yaml so dvmlint can check it exactly, then insert an Allow rule for the proxy's address above rule egress[{}]:\n{}",
            denial.rule,
            fix_yaml(
                firewall,
                &allow_rules_yaml(
                    firewall.manifest.flavor,
                    &["<address of the stunnel_tcp_proxy proxy>".to_owned()],
                    &denial.ports,
                ),
                denial.rule,
            )
        )
    } else if cidrs.is_empty() {
        format!(
            "the addresses of the DVM destination are unknown: set `ingress` (Route), `workers` (NodePort) or `cidrs` for the target cluster in .dvmlint.yaml so dvmlint can compute them, then insert an Allow rule for them above rule egress[{}]:\n{}",
            denial.rule,
            fix_yaml(
                firewall,
                &allow_rules_yaml(
                    firewall.manifest.flavor,
                    &["<addresses of the DVM destination>".to_owned()],
                    &denial.ports,
                ),
                denial.rule,
            )
        )
    } else {
        format!(
            "insert an Allow rule (`type: Allow`; the MTC documentation's example wrongly says `Deny`) above rule egress[{}]:\n{}",
            denial.rule,
            fix_yaml(
                firewall,
                &allow_rules_yaml(firewall.manifest.flavor, &cidrs, &denial.ports,),
                denial.rule,
            )
        )
    };
    Some(
        Finding::new("DVM110", firewall.location(rule.location()), message)
            .severity(severity)
            .help(help)
            .object(Some(object.object_ref()))
            .cluster(project.cluster_name(object.cluster())),
    )
}
