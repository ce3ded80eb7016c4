//! DVM208 legacy-cluster-proxy-not-inherited: OpenShift 4.1 and earlier (and
//! 3.x) have no OLM-provided cluster Proxy, so MTC inherits nothing
//! (docs/domain.md §2 "Proxy inheritance"): a cluster that needs a proxy must set it
//! on its MigrationController, or MTC connects directly and fails.

use crate::finding::Finding;
use crate::model::Project;
use crate::model::proxy::VarOrigin;

use super::{controller_spec, effective, finding};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let (_, proxies) = effective(project);
    for proxy in proxies {
        let Some(version) = proxy.version.filter(|v| !v.inherits_cluster_proxy()) else {
            continue;
        };
        let configured = project
            .clusters
            .get(proxy.cluster)
            .and_then(|c| c.config)
            .and_then(|i| project.config.clusters.get(i))
            .and_then(|c| c.behind_proxy)
            == Some(true);
        let platform = proxy.platform.as_ref().filter(|p| p.vars.has_proxy());
        if !configured && platform.is_none() {
            continue;
        }
        if proxy.has_proxy() {
            continue;
        }
        let Some(at) = controller_spec(project, proxy) else {
            continue;
        };
        let example = platform
            .and_then(|p| p.vars.https_proxy.as_ref().or(p.vars.http_proxy.as_ref()))
            .map_or_else(
                || "http://proxy.example.com:3128".to_owned(),
                |t| crate::proxy::redact(&t.value),
            );
        let mut f = finding(
            project,
            proxy,
            "DVM208",
            at,
            VarOrigin::MigrationController,
            format!(
                "this cluster runs OpenShift {version}, which does not pass the cluster proxy to \
             operators (only 4.2+ does), and its MigrationController sets no proxy: MTC connects \
             directly and cannot reach the other cluster"
            ),
        )
        .help(format!(
            "set the proxy on the MigrationController: `http_proxy: {example}`, `https_proxy: \
             {example}` and `no_proxy:` with the cluster's own networks and `.svc,.cluster.local`"
        ));
        if let Some(p) = platform {
            f = f.related(
                crate::finding::Location::new(&p.file, p.anchor),
                format!(
                    "the cluster's proxy ({}), not inherited",
                    p.origin.describe()
                ),
            );
        }
        out.push(f);
    }
}
