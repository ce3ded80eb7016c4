//! Egress firewalls (docs/rules.md DVM110–DVM113, docs/domain.md §6): the rules, and
//! the fix texts they share. The firewalls and their denials of the DVM
//! traffic are derived once per run in [`crate::model::egress`].

pub mod egress_firewall_denies_peer;
pub mod egress_firewall_dnsname_allow;
pub mod egress_firewall_invalid;
pub mod egress_firewall_shadowed_allow;

use std::fmt::Write as _;

use crate::manifest::egress_firewall::{FirewallFlavor, RuleManifest, TargetValue};
use crate::model::egress::FirewallObject;
use crate::net::ports::PortSet;

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
