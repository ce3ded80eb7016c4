//! DVM110 egress-firewall-denies-peer: an egress firewall of a migrated
//! namespace denies part of the DVM traffic.
//!
//! Source side [error]: the firewall of a source namespace denies part of the
//! DVM destination; rules are evaluated in order, first match decides, no
//! match allows (domain.md §6). The finding sits on the deciding Deny's
//! target and names the denied sub-range, e.g. `10.0.128.0/17 of
//! 10.0.0.0/16`. The fix inserts an Allow rule above it — `type: Allow`, not
//! the `type: Deny` of the MTC documentation's own example (domain.md §6).
//!
//! Target side [warning]: the firewall of a target namespace denies the
//! source's `cidrs`; in OVN shared-gateway mode egress rules also hit the
//! rsync server's replies.
//!
//! A catch-all Deny met after a `dnsName` Allow is DVM113's, not this rule's:
//! one problem, one finding.

use crate::finding::{Finding, Severity};
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

fn finding(project: &Project, firewalls: &Firewalls, denial: &Denial) -> Option<Finding> {
    let firewall = firewalls.items.get(denial.firewall)?;
    let rule = firewall.manifest.rules.get(denial.rule)?;
    let object = &firewall.object;
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
    let help = if cidrs.is_empty() {
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
            .cluster(project.cluster_name(object.cluster)),
    )
}
