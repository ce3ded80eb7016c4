//! DVM112 egress-firewall-invalid: what the platform rejects or what breaks
//! the firewall (docs/domain.md §6):
//!
//! - more than one `EgressNetworkPolicy` in a namespace (SDN allows one per
//!   project; violating the limit may drop all external traffic);
//! - an `EgressNetworkPolicy` in `default`, which cannot use one;
//! - an `EgressFirewall` not named `default` (OVN ignores any other name; the
//!   fix says to merge its rules when the namespace has a `default` already,
//!   never to take a name that is taken);
//! - a firewall kind written with the other plugin's `apiVersion`
//!   (`EgressNetworkPolicy` in `k8s.ovn.org/v1`): the API server rejects it.
//!
//! What this rule reports as ignored or rejected feeds no other rule
//! (`model::egress::Ignored`): such a firewall denies nothing.
//! - an invalid `cidrSelector`, or an IPv6 one in SDN (IPv4 only);
//! - a `dnsName` the API server rejects (a URL, an address, a port; in SDN
//!   a wildcard or capitals: `manifest::egress_firewall::dns_name_problem`);
//! - a rule with not exactly one `to` target;
//! - a `type` other than `Allow`/`Deny` (case-sensitive);
//! - an OVN `ports` entry the CRD rejects;
//! - more rules than the platform accepts (SDN 1,000; OVN 8,000).
//!
//! A validity rule: it applies to every firewall, migrated namespace or not.
//! One pass over the firewalls; the per-namespace count uses a hash map.

use std::collections::HashMap;

use crate::finding::Finding;
use crate::manifest::egress_firewall::{FirewallFlavor, TargetValue, dns_name_problem, parse_cidr};
use crate::model::duplicates::AlternativeFiles;
use crate::model::{Project, Scope};
use crate::rules::hygiene::template_placeholder::is_angle_placeholder;
use crate::yaml::Span;

use crate::model::egress::FirewallObject;

/// Where an EgressNetworkPolicy lands: cluster, scope and the apply it is
/// part of (its unit, or `None` when a configured cluster applies every unit).
type ApplyKey<'p> = (Option<usize>, &'p Scope, Option<usize>);

/// Earlier EgressNetworkPolicies of a namespace each one is linked with (as
/// `model::duplicates` bounds its links: a namespace with thousands of them
/// would otherwise cost a check of every pair).
const MAX_LINKED: usize = 64;

/// The apply an EgressNetworkPolicy is part of: with configured clusters a
/// cluster applies all its units together; without, each unit stands alone
/// (as for DVM401, `model::duplicates`).
fn apply_key(firewall: &FirewallObject, configured: bool) -> ApplyKey<'_> {
    let apply = if configured {
        None
    } else {
        firewall.object.unit()
    };
    (firewall.object.cluster(), firewall.object.scope(), apply)
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let firewalls = project.firewalls();
    // Per cluster, scope and apply: with configured clusters a cluster
    // applies all its units together; without, each unit stands alone (as
    // for DVM401, `model::duplicates`).
    let configured = !project.config.clusters.is_empty();
    let mut first_sdn: HashMap<ApplyKey<'_>, (&str, usize)> = HashMap::new();
    // The namespaces holding an EgressFirewall named `default` (looked up
    // once, not per misnamed firewall).
    let mut ovn_defaults: HashMap<(Option<usize>, &Scope), &FirewallObject> = HashMap::new();
    for other in firewalls.items.iter().filter(|other| {
        other.manifest.flavor == FirewallFlavor::Ovn
            && other.object.object.meta.name.value == "default"
            && other.object.object.meta.group() == FirewallFlavor::Ovn.group()
    }) {
        ovn_defaults
            .entry((other.object.cluster(), other.object.scope()))
            .or_insert(other);
    }
    // Variant files of one folder, each applied on its own, linked into
    // families (directly or through a third file, as DVM401 links them)
    // from every EgressNetworkPolicy of a namespace before any is judged.
    let mut alternatives = AlternativeFiles::default();
    let mut sdn_of: HashMap<ApplyKey<'_>, Vec<usize>> = HashMap::new();
    for firewall in firewalls.items.iter().filter(|firewall| {
        firewall.manifest.flavor == FirewallFlavor::Sdn
            && firewall.object.object.meta.group() == FirewallFlavor::Sdn.group()
    }) {
        let earlier = sdn_of.entry(apply_key(firewall, configured)).or_default();
        for &other in earlier.iter().rev().take(MAX_LINKED) {
            alternatives.link(project, other, firewall.at);
        }
        earlier.push(firewall.at);
    }
    for (i, firewall) in firewalls.items.iter().enumerate() {
        let meta = &firewall.object.object.meta;
        let flavor = firewall.manifest.flavor;
        let report = |span: Span, message: String, help: &str| {
            Finding::new("DVM112", firewall.location(span), message)
                .help(help.to_owned())
                .object(Some(firewall.object.object_ref()))
                .cluster(project.cluster_name(firewall.object.cluster()))
        };
        if meta.group() != flavor.group() {
            let other = match flavor {
                FirewallFlavor::Sdn => {
                    "`kind: EgressFirewall` with `apiVersion: k8s.ovn.org/v1`, named `default`, on OVN-Kubernetes"
                }
                FirewallFlavor::Ovn => {
                    "`kind: EgressNetworkPolicy` with `apiVersion: network.openshift.io/v1` on OpenShift SDN"
                }
            };
            out.push(report(
                meta.api_version_span(),
                format!(
                    "`apiVersion: {}` does not serve kind `{}` (it is `{}`): the API server rejects this object, so none of its rules is applied",
                    meta.api_version.value,
                    flavor.kind(),
                    flavor.api_version(),
                ),
                &format!(
                    "write `apiVersion: {}` for an {} (the cluster's network plugin decides which kind applies), or use {other}",
                    flavor.api_version(),
                    flavor.kind(),
                ),
            ));
            // Rejected whole: its name and rules are moot.
            continue;
        }
        match flavor {
            FirewallFlavor::Sdn => {
                let key = apply_key(firewall, configured);
                match first_sdn.get(&key) {
                    // Same name: one object applied twice, which is DVM401's.
                    Some((name, _)) if *name == meta.name.value => {}
                    // Two variants of one folder, each applied on its own
                    // (`allow-google.yaml`, `allow-google-john.yaml`).
                    Some((_, earlier))
                        if firewalls.items.get(*earlier).is_some_and(|first| {
                            alternatives.same_family(project, first.at, firewall.at)
                        }) => {}
                    Some((_, earlier)) => {
                        let mut finding = report(
                            meta.name_span(),
                            format!(
                                "a second EgressNetworkPolicy{}: OpenShift SDN allows one per project, and more than one may drop all external traffic of the namespace",
                                place(firewall.object.scope())
                            ),
                            "merge the rules into one EgressNetworkPolicy, in the order they must be evaluated",
                        );
                        if let Some(first) = firewalls.items.get(*earlier) {
                            finding = finding.related(
                                first.location(first.object.object.meta.name_span()),
                                "the first EgressNetworkPolicy of the namespace",
                            );
                        }
                        out.push(finding);
                    }
                    None => {
                        first_sdn.insert(key, (meta.name.value.as_str(), i));
                    }
                }
                if firewall.object.scope().namespace() == Some("default") {
                    let span = meta.namespace_span().unwrap_or_else(|| meta.name_span());
                    out.push(report(
                        span,
                        "an EgressNetworkPolicy in the `default` project, which cannot use one"
                            .to_owned(),
                        "move the workload and its EgressNetworkPolicy to a project of its own",
                    ));
                }
            }
            FirewallFlavor::Ovn => {
                if meta.name.value != "default" {
                    // Renaming it onto an existing `default` would replace that
                    // one (DVM401): the rules must be merged instead.
                    let existing = ovn_defaults
                        .get(&(firewall.object.cluster(), firewall.object.scope()))
                        .copied();
                    let help = if existing.is_some() {
                        "merge its rules into the namespace's EgressFirewall `default` (there is one per namespace), in the order they must be evaluated, and delete this one"
                    } else {
                        "rename it to `default` (`metadata.name: default`): a namespace has one EgressFirewall, and it must be named `default`"
                    };
                    let mut finding = report(
                        meta.name_span(),
                        format!(
                            "EgressFirewall named `{}`: OVN-Kubernetes only accepts an EgressFirewall named `default` (one per namespace), so these rules are not applied",
                            meta.name.value
                        ),
                        help,
                    );
                    if let Some(other) = existing {
                        finding = finding.related(
                            other.location(other.object.object.meta.name_span()),
                            "the namespace's EgressFirewall `default`",
                        );
                    }
                    out.push(finding);
                }
            }
        }
        check_rules(firewall, &report, out);
    }
}

fn place(scope: &Scope) -> String {
    match scope {
        Scope::Namespace(ns) => format!(" in namespace `{ns}`"),
        _ => " without a namespace (both land in the namespace they are applied to)".to_owned(),
    }
}

fn check_rules(
    firewall: &FirewallObject,
    report: &dyn Fn(Span, String, &str) -> Finding,
    out: &mut Vec<Finding>,
) {
    let flavor = firewall.manifest.flavor;
    let kind = flavor.kind();
    let count = firewall.manifest.rules.len();
    if count > flavor.max_rules() {
        out.push(report(
            firewall.manifest.egress_key.unwrap_or_default(),
            format!(
                "{count} rules: an {kind} accepts at most {}; beyond the limit the firewall breaks and may drop all external traffic",
                flavor.max_rules()
            ),
            "aggregate adjacent CIDRs, or drop rules that no longer match anything",
        ));
    }
    let targets = match flavor {
        FirewallFlavor::Sdn => "`cidrSelector` or `dnsName`",
        FirewallFlavor::Ovn => "`cidrSelector`, `dnsName` or `nodeSelector`",
    };
    for (i, rule) in firewall.manifest.rules.iter().enumerate() {
        match &rule.type_ {
            Some(t) if t.value == "Allow" || t.value == "Deny" => {}
            Some(t) => {
                let suggestion = ["Allow", "Deny"]
                    .into_iter()
                    .find(|w| w.eq_ignore_ascii_case(t.value.trim()));
                out.push(report(
                    t.span,
                    format!(
                        "rule egress[{i}] has `type: {}`: only `Allow` and `Deny` (case-sensitive) are accepted",
                        t.value
                    ),
                    &suggestion.map_or_else(
                        || "write `type: Allow` or `type: Deny`".to_owned(),
                        |w| format!("write `type: {w}`"),
                    ),
                ));
            }
            None => out.push(report(
                rule.span,
                format!("rule egress[{i}] has no `type`: it must be `Allow` or `Deny`"),
                "add `type: Allow` or `type: Deny`",
            )),
        }
        match &*rule.targets {
            [] => out.push(report(
                rule.to_key.unwrap_or(rule.span),
                format!("rule egress[{i}] has no target: `to` must set exactly one of {targets}"),
                &format!("set exactly one of {targets} under `to`"),
            )),
            [_] => {}
            [_, second, ..] => out.push(report(
                second.key,
                format!(
                    "rule egress[{i}] sets {} targets: `to` must set exactly one of {targets}",
                    rule.targets.len()
                ),
                "split it into one rule per target, in the order they must be evaluated",
            )),
        }
        for target in &rule.targets {
            if let TargetValue::DnsName(text) = &target.value
                && !is_angle_placeholder(&text.value)
                && !crate::manifest::is_template_parameter(&text.value)
                && let Some(why) = dns_name_problem(flavor, &text.value)
            {
                out.push(report(
                    text.span,
                    format!(
                        "rule egress[{i}] has the `dnsName` `{}`, which the API server rejects: it is {why}",
                        text.value
                    ),
                    match flavor {
                        FirewallFlavor::Sdn => "write a lower-case host name such as `peer.example.com` (no scheme, port, wildcard or final `.`), or a `cidrSelector` for an address",
                        FirewallFlavor::Ovn => "write a host name such as `peer.example.com` (no scheme, port or path), or a `cidrSelector` for an address",
                    },
                ));
            }
            if let TargetValue::Cidr(text) = &target.value
                // A documentation placeholder is DVM402's: one problem, one finding.
                && !is_angle_placeholder(&text.value)
                // A Template parameter is an unknown value, not an invalid one.
                && !crate::manifest::is_template_parameter(&text.value)
            {
                match parse_cidr(&text.value) {
                    Err(why) => out.push(report(
                        text.span,
                        format!("rule egress[{i}] has an invalid `cidrSelector`: {why}"),
                        "write an address and a prefix length, e.g. `10.0.0.0/16` or `192.0.2.10/32`",
                    )),
                    Ok(ipnet::IpNet::V6(_)) if flavor == FirewallFlavor::Sdn => out.push(report(
                        text.span,
                        format!(
                            "rule egress[{i}] has the IPv6 `cidrSelector` `{}`: an EgressNetworkPolicy (OpenShift SDN) accepts IPv4 only",
                            text.value
                        ),
                        "use IPv4 CIDRs; IPv6 egress rules need OVN-Kubernetes and an EgressFirewall",
                    )),
                    Ok(_) => {}
                }
            }
        }
        for port in &rule.ports {
            if let Err(why) = port.parse() {
                out.push(report(
                    port.span,
                    format!("rule egress[{i}] has an invalid `ports` entry: {why}"),
                    "write `protocol: TCP|UDP|SCTP` and `port: 1-65535`",
                ));
            }
        }
    }
}
