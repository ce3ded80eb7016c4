//! DVM201 noproxy-missing-worker: with a proxy in effect, a worker address that
//! the effective noProxy does not match is reached through the proxy.
//!
//! The cluster adds its machine networks to the cluster Proxy's noProxy, but not
//! workers outside them (docs/domain.md §4: "add them manually"); a MigrationController
//! with its own `no_proxy` inherits nothing, so every worker must be in it. Go's
//! matcher (docs/domain.md §5) does no DNS: an IP worker needs an IP or CIDR entry, a
//! named worker a domain entry. Workers are checked on port 443; an entry pinned
//! to another port does not count. Without a known machine network (config
//! `machineNetwork`, install-config), IP workers are not judged against an
//! inherited list, which already holds that network: an info finding at the
//! same place names them and the key that makes the check exact. Without any
//! known worker (no `Node` object, no `workers`), an info says the list was
//! not judged.

use crate::finding::{Finding, Location};
use crate::model::Project;
use crate::model::proxy::VarOrigin;
use crate::proxy::NoProxy;

use super::{effective, finding};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let (_, proxies) = effective(project);
    for proxy in proxies {
        if !proxy.has_proxy() {
            continue;
        }
        let list = NoProxy::parse(&proxy.no_proxy_list());
        // An inherited list also holds the machine networks; when they are not
        // known an IP worker may well be inside them, so only names are judged.
        let unknown_machine_network = !proxy.own_no_proxy() && proxy.machine_networks.is_empty();
        let (skipped, judged): (Vec<_>, Vec<_>) = proxy
            .workers
            .iter()
            .filter(|w| !list.decide(&w.address, 443).is_direct())
            .partition(|w| unknown_machine_network && is_ip(&w.address));
        let missing = judged;
        let no_workers = proxy.workers.is_empty();
        if missing.is_empty() && skipped.is_empty() && !no_workers {
            continue;
        }
        let (location, origin, written) = match &proxy.no_proxy {
            Some(var) => (var.location.clone(), var.origin, var.value.clone()),
            None => {
                let anchor = proxy
                    .platform
                    .as_ref()
                    .filter(|_| proxy.inherits())
                    .map(|p| (Location::new(&p.file, p.anchor), p.origin))
                    .or_else(|| {
                        super::controller_spec(project, proxy)
                            .map(|l| (l, VarOrigin::MigrationController))
                    });
                let Some((location, origin)) = anchor else {
                    continue;
                };
                (location, origin, String::new())
            }
        };
        let cluster = project
            .cluster_name(Some(proxy.cluster))
            .map_or("this cluster", |n| n.as_ref());
        if no_workers {
            // Nothing to judge the list against: said, not passed over.
            out.push(
                finding(
                    project,
                    proxy,
                    "DVM201",
                    location,
                    origin,
                    format!(
                        "the effective noProxy of {} was not judged against the workers: no worker address is known (no `Node` object, no `workers` for cluster `{cluster}` in .dvmlint.yaml), and MTC's clients reach a worker the noProxy does not match through the proxy",
                        origin.describe(),
                    ),
                )
                .severity(crate::finding::Severity::Info)
                .help(if project.config.clusters.is_empty() {
                    "list the worker nodes' addresses or names in .dvmlint.yaml (`clusters: [{name: default, workers: [10.0.5.21]}]`) to judge the noProxy against them".to_owned()
                } else {
                    format!("list the worker nodes' addresses or names under `workers` for cluster `{cluster}` in .dvmlint.yaml to judge the noProxy against them")
                }),
            );
            continue;
        }
        if !skipped.is_empty() {
            // Never silent about what was not judged: say which workers, and
            // which key would make the check exact.
            let names: Vec<String> = skipped.iter().map(|w| format!("`{}`", w.address)).collect();
            let mut f = finding(
                project,
                proxy,
                "DVM201",
                location.clone(),
                origin,
                format!(
                    "worker address{} {} {} not judged against the effective noProxy of {}: the network operator adds the cluster's machine networks to noProxy, and they are unknown (no `machineNetwork` for cluster `{cluster}` in .dvmlint.yaml, no install-config.yaml), so {} may well be covered",
                    if names.len() == 1 { "" } else { "es" },
                    names.join(", "),
                    if names.len() == 1 { "was" } else { "were" },
                    origin.describe(),
                    if names.len() == 1 { "it" } else { "they" },
                ),
            )
            .severity(crate::finding::Severity::Info)
            .help(if project.config.clusters.is_empty() {
                "describe the cluster in .dvmlint.yaml with its `machineNetwork` (`clusters: [{name: default, machineNetwork: [10.0.0.0/16]}]`), or add its install-config.yaml, to make this check exact".to_owned()
            } else {
                format!(
                    "set `machineNetwork` for cluster `{cluster}` in .dvmlint.yaml (or add the cluster's install-config.yaml) to make this check exact"
                )
            });
            for worker in &skipped {
                if let Some(at) = &worker.location {
                    f = f.related(at.clone(), format!("worker address `{}`", worker.address));
                }
            }
            out.push(f);
        }
        if missing.is_empty() {
            continue;
        }
        let names: Vec<&str> = missing.iter().map(|w| w.address.as_str()).collect();
        let why = if origin == VarOrigin::MigrationController {
            "the MigrationController's own noProxy replaces the cluster's and inherits nothing, so \
             every worker must be listed"
        } else {
            "the cluster adds its machine networks to noProxy, but not workers outside them"
        };
        let mut fixed: Vec<String> = written
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect();
        fixed.extend(names.iter().map(|n| (*n).to_owned()));
        let key = if origin == VarOrigin::MigrationController {
            "no_proxy"
        } else {
            "noProxy"
        };
        let mut f = finding(
            project,
            proxy,
            "DVM201",
            location,
            origin,
            format!(
                "worker address{} {} not matched by the effective noProxy of {}: MTC's Go \
                 clients reach {} through the proxy ({why}), so their connections to the \
                 nodes' addresses fail or are intercepted",
                if names.len() == 1 { "" } else { "es" },
                crate::finding::bounded_list(names.iter().map(|n| format!("`{n}`"))),
                origin.describe(),
                if names.len() == 1 { "it" } else { "them" },
            ),
        )
        .help(format!(
            "add the workers (or a CIDR covering them) to noProxy: `{key}: {}`",
            fixed.join(",")
        ));
        if proxy.no_proxy.is_some() {
            // `check --fix` and the editor append them to the value written.
            f = f.fix(crate::finding::FixHint::NoProxyAppend {
                value: written.clone(),
                entries: names.iter().map(|n| (*n).to_owned()).collect(),
            });
        }
        for worker in &missing {
            if let Some(at) = &worker.location {
                f = f.related(at.clone(), format!("worker address `{}`", worker.address));
            }
        }
        out.push(f);
    }
}

fn is_ip(address: &str) -> bool {
    address
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok()
}
