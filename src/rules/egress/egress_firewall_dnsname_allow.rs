//! DVM113 egress-firewall-dnsname-allow: the DVM destination of a migrated
//! namespace is allowed only by a `dnsName` rule ahead of a catch-all Deny.
//!
//! DNS-based allows are unreliable for this (docs/domain.md §6): names are
//! re-resolved on their TTL and the pod and the controller may disagree, and
//! the current OVN documentation warns that a `dnsName` Allow before
//! `Deny 0.0.0.0/0` does not permit the traffic. The fix is a `cidrSelector`
//! Allow for the destination's addresses. The finding sits on the `dnsName`
//! value; the catch-all Deny is the related location.

use crate::finding::Finding;
use crate::manifest::egress_firewall::TargetValue;
use crate::model::Project;

use super::{allow_rules_yaml, fix_yaml};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let firewalls = project.firewalls();
    for denial in project.egress_denials() {
        out.extend(findings(project, firewalls, denial));
    }
}

/// DVM113's findings on one denial: one per `dnsName` Allow that stood ahead
/// of its catch-all Deny (none for a plain denial, which is DVM110's).
pub(crate) fn findings(
    project: &Project,
    firewalls: &crate::model::egress::Firewalls,
    denial: &crate::model::egress::Denial,
) -> Vec<Finding> {
    let mut out = Vec::new();
    {
        let Some(firewall) = firewalls.items.get(denial.firewall) else {
            return out;
        };
        let Some(deny) = firewall.manifest.rules.get(denial.rule) else {
            return out;
        };
        let named: Vec<(usize, &_, &str)> = denial
            .dns_allows
            .iter()
            .filter_map(|&dns| {
                let rule = firewall.manifest.rules.get(dns)?;
                match rule.target().map(|t| &t.value) {
                    Some(TargetValue::DnsName(name)) => Some((dns, rule, name.value.as_str())),
                    _ => None,
                }
            })
            .collect();
        // Nothing to tell which name is the destination's: one finding for
        // the firewall, not one per name (a firewall allowing 48 registries
        // and APIs by name said 48 times that each alone let DVM through).
        let unjudged = denial.dns_unjudged && named.len() > 1;
        for (at, &(dns, rule, name)) in named.iter().enumerate() {
            if unjudged && at > 0 {
                break;
            }
            let message = if unjudged {
                format!(
                    "{} lets the DVM traffic of migrated {} through only if one of its {} `dnsName` Allows ahead of the catch-all Deny egress[{}] names the DVM destination ({}): which name the destination has was not judged (no `routeDomain`, MigCluster URL or proxy host in the repository); if none does, {} — {} — is denied, and if one does, DNS-based allows are unreliable (names are re-resolved on their TTL, pods and the firewall may disagree, and a `dnsName` Allow before `Deny 0.0.0.0/0` is documented not to permit the traffic)",
                    firewall.describe(),
                    denial.namespaces_text(),
                    named.len(),
                    denial.rule,
                    crate::finding::bounded_list(named.iter().map(|(_, _, n)| format!("`{n}`"))),
                    denial.range_text(),
                    denial.what,
                )
            } else {
                format!(
                    "{} lets the DVM traffic of migrated {} through only by its rule egress[{dns}] (`dnsName: {name}`), ahead of the catch-all Deny egress[{}]; DNS-based allows are unreliable (names are re-resolved on their TTL, pods and the firewall may disagree, and a `dnsName` Allow before `Deny 0.0.0.0/0` is documented not to permit the traffic), so {} — {} — is denied",
                    firewall.describe(),
                    denial.namespaces_text(),
                    denial.rule,
                    denial.range_text(),
                    denial.what,
                )
            };
            let cidrs: Vec<String> = denial
                .denied
                .as_ref()
                .map(|d| d.to_cidrs().iter().map(ToString::to_string).collect())
                .unwrap_or_else(|| vec!["<addresses of the DVM destination>".to_owned()]);
            let help = format!(
                "allow the destination by address with a `cidrSelector` rule above the catch-all Deny egress[{}]{}:\n{}",
                denial.rule,
                match (denial.denied.is_none(), denial.through_proxy) {
                    (true, true) =>
                        " (give the `stunnel_tcp_proxy` proxy's address in `hosts:` of .dvmlint.yaml to have dvmlint check it)",
                    (true, false) =>
                        " (set `ingress`, `workers` or `cidrs` of the target cluster in .dvmlint.yaml to have dvmlint compute the addresses)",
                    (false, _) => "",
                },
                fix_yaml(
                    firewall,
                    &allow_rules_yaml(firewall.manifest.flavor, &cidrs, &denial.ports),
                    denial.rule
                )
            );
            let mut finding = Finding::new("DVM113", firewall.location(rule.location()), message)
                .help(help)
                .object(Some(firewall.object.object_ref()))
                .cluster(project.cluster_name(firewall.object.cluster()))
                .related(
                    firewall.location(deny.location()),
                    "the catch-all Deny that decides",
                );
            if unjudged {
                for (other, rule, name) in named.iter().skip(1) {
                    finding = finding.related(
                        firewall.location(rule.location()),
                        format!("egress[{other}] allows `{name}` by name"),
                    );
                }
            }
            out.push(finding);
        }
    }
    out
}
