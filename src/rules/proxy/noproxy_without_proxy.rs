//! DVM202 noproxy-without-proxy: a noProxy with no httpProxy or httpsProxy to
//! bypass. On the cluster Proxy the network operator rejects the whole
//! configuration (docs/domain.md §4: one of the two is required when any field is
//! set): error. On a MigrationController (neither set nor inherited) the list
//! does nothing, which usually means the proxy itself was forgotten: warning.

use crate::finding::{Finding, Location, Severity};
use crate::model::Project;
use crate::model::proxy::VarOrigin;

use super::{effective, finding};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let (_, proxies) = effective(project);
    for proxy in proxies {
        if let Some(platform) = &proxy.platform
            && platform.origin == VarOrigin::ClusterProxy
            && !platform.vars.has_proxy()
            && let Some(no_proxy) = &platform.vars.no_proxy
        {
            out.push(
                finding(
                    project,
                    proxy,
                    "DVM202",
                    Location::new(&platform.file, no_proxy.span),
                    VarOrigin::ClusterProxy,
                    "the cluster Proxy sets noProxy but neither httpProxy nor httpsProxy: the \
                     network operator rejects the whole Proxy configuration (InvalidProxyConfig)"
                        .to_owned(),
                )
                .severity(Severity::Error)
                .help("add `httpProxy`/`httpsProxy` (e.g. `httpsProxy: http://proxy.example.com:3128`), or remove `noProxy`"),
            );
        }
        if let Some(var) = &proxy.no_proxy
            && var.origin == VarOrigin::MigrationController
            && !proxy.has_proxy()
        {
            out.push(
                finding(
                    project,
                    proxy,
                    "DVM202",
                    var.location.clone(),
                    VarOrigin::MigrationController,
                    "the MigrationController sets no_proxy but no http_proxy or https_proxy is set \
                     or inherited: the list bypasses nothing, so the proxy it was written for is \
                     missing"
                        .to_owned(),
                )
                .severity(Severity::Warning)
                .help("set `https_proxy` (and `http_proxy`) on the MigrationController or the cluster Proxy, or remove `no_proxy`"),
            );
        }
    }
}
