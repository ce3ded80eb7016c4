//! DVM209 migrationcontroller-noproxy-drops-defaults: a MigrationController
//! `no_proxy` replaces the inherited list entirely (docs/domain.md §2, no merge), so
//! it loses what the cluster adds to its own noProxy by itself (docs/domain.md §4:
//! `.svc`, `.cluster.local`, the service and machine networks). MTC's calls to
//! the API server and in-cluster services then go through the proxy.

use ipnet::IpNet;

use crate::finding::Finding;
use crate::model::Project;
use crate::model::proxy::VarOrigin;
use crate::proxy::{EntryReading, NoProxy};

use super::{effective, finding};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let (_, proxies) = effective(project);
    for proxy in proxies {
        let Some(var) = proxy
            .no_proxy
            .as_ref()
            .filter(|v| v.origin == VarOrigin::MigrationController)
        else {
            continue;
        };
        if !proxy.has_proxy() {
            continue;
        }
        let list = NoProxy::parse(&var.value);
        if list.wildcard().is_some() {
            continue;
        }
        let mut missing = Vec::new();
        if !list.decide("kubernetes.default.svc", 443).is_direct() {
            missing.push(".svc".to_owned());
        }
        if !list
            .decide("kubernetes.default.svc.cluster.local", 443)
            .is_direct()
        {
            missing.push(".cluster.local".to_owned());
        }
        for net in proxy.service_networks.iter().chain(&proxy.machine_networks) {
            if net.prefix_len() != 0 && !covers(&list, net) {
                missing.push(net.to_string());
            }
        }
        missing.dedup();
        if missing.is_empty() {
            continue;
        }
        let mut fixed: Vec<String> = var
            .value
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect();
        fixed.extend(missing.iter().cloned());
        let replaced = proxy
            .platform
            .as_ref()
            .filter(|_| proxy.inherits())
            .and_then(|p| {
                let text = p.vars.no_proxy.as_ref()?;
                Some(crate::finding::Location::new(&p.file, text.span))
            });
        let mut f = finding(
            project,
            proxy,
            "DVM209",
            var.location.clone(),
            var.origin,
            format!(
                "this no_proxy replaces the cluster's noProxy and lacks {}, which the cluster \
                 adds by itself: MTC's in-cluster calls (API server, services) then go through \
                 the proxy",
                crate::finding::bounded_list(missing.iter().map(|m| format!("`{m}`")))
            ),
        )
        .help(format!("add them: `no_proxy: {}`", fixed.join(",")));
        if let Some(at) = replaced {
            f = f.related(
                at,
                "the cluster's noProxy, which this value replaces (no merge)",
            );
        }
        out.push(f);
    }
}

/// Whether a CIDR entry covers the whole network (Go matches IPs by CIDR only).
fn covers(list: &NoProxy, net: &IpNet) -> bool {
    list.entries()
        .iter()
        .any(|e| matches!(&e.reading, EntryReading::Cidr(n) if n.contains(net)))
}
