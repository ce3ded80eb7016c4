//! DVM212 migcluster-url-through-proxy: the host cluster's controller reaches a
//! remote MigCluster's API server through its proxy.
//!
//! mig-controller builds the client of a remote cluster from the MigCluster's
//! `spec.url` with no proxy of its own (`MigCluster.BuildRestConfig`), so
//! client-go falls back to `http.ProxyFromEnvironment`: the controller pod's
//! `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`, i.e. the host cluster's effective
//! proxy (the MigrationController's own values, else the cluster Proxy's, with
//! what the cluster adds to noProxy). Remote commands in pods (`pkg/pods`,
//! SPDY: the Velero credential check of every migration, NFS and analytics
//! checks) then go through that proxy too; a proxy that does not pass SPDY and
//! the `Upgrade` header fails them with "Upgrade request required"
//! (mig-operator `docs/usage/DVMNetworking.md`, Known Issues). The URL host is
//! judged with Go's matcher (`crate::proxy::noproxy`) on the URL's port.

use crate::finding::{Finding, Location, Severity};
use crate::manifest::mtc::MigCluster;
use crate::model::Project;
use crate::model::proxy::{EffectiveProxy, ProxyVar, VarOrigin};
use crate::proxy::NoProxy;
use crate::rules::versions;

use super::{effective, finding};

/// One remote MigCluster's API endpoint, as Go's proxy selection reads it.
struct Endpoint {
    host: String,
    port: u16,
    https: bool,
}

fn endpoint(url: &str) -> Option<Endpoint> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    let https = match parsed.scheme() {
        "https" => true,
        "http" => false,
        _ => return None,
    };
    let host = parsed.host_str()?.to_owned();
    let port = parsed.port_or_known_default()?;
    Some(Endpoint { host, port, https })
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let (migration, proxies) = effective(project);
    let Some(proxy) = migration.host.and_then(|host| proxies.get(host)) else {
        return;
    };
    if !proxy.has_proxy() {
        return;
    }
    let list = NoProxy::parse(&proxy.no_proxy_list());
    for (_, object) in project
        .modelled()
        .filter(|(_, o)| o.object.meta.is("migration.openshift.io", "MigCluster"))
    {
        let Some(tree) = object.object.tree() else {
            continue;
        };
        let view = MigCluster::from_node(tree);
        // The host cluster's client is the controller's in-cluster config.
        if view.is_host_cluster == Some(true) {
            continue;
        }
        let Some(url) = view.url else { continue };
        let Some(endpoint) = endpoint(&url.value) else {
            continue;
        };
        let (variable, name) = if endpoint.https {
            (&proxy.https_proxy, "HTTPS_PROXY")
        } else {
            (&proxy.http_proxy, "HTTP_PROXY")
        };
        let Some(variable) = variable else { continue };
        if list.decide(&endpoint.host, endpoint.port).is_direct() {
            continue;
        }
        let location = Location::new(&object.object.file, url.span);
        let mig_cluster = &object.object.meta.name.value;
        let host_name = project.cluster_name(Some(proxy.cluster)).map_or_else(
            || "the host cluster".to_owned(),
            |n| format!("host cluster `{n}`"),
        );
        // An inherited noProxy also holds the machine networks; while they are
        // unknown, an API server given by address may be inside them.
        if !proxy.own_no_proxy() && proxy.machine_networks.is_empty() && is_ip(&endpoint.host) {
            out.push(not_judged(
                project, proxy, object, location, &endpoint, &host_name,
            ));
            continue;
        }
        let mut f = Finding::new(
            "DVM212",
            location,
            format!(
                "MigCluster `{mig_cluster}`'s API server `{}:{}` is not matched by the effective \
                 noProxy of {host_name}, so mig-controller reaches it through the proxy in \
                 `{name}` ({}): remote commands in its pods (SPDY, e.g. the Velero credential \
                 check of every migration) fail with \"Upgrade request required\" unless the \
                 proxy passes SPDY and the `Upgrade` header{} {}",
                endpoint.host,
                endpoint.port,
                set_by(variable),
                if proxy.platform.as_ref().is_some_and(|p| p.intercepting) {
                    " (this proxy re-signs TLS, so it sees and must forward them)"
                } else {
                    ""
                },
                versions::note(project, "any MTC 1.x release")
            ),
        )
        .severity(Severity::Warning)
        .help(help(proxy, &endpoint.host))
        .object(Some(object.object_ref()))
        .cluster(project.cluster_name(Some(proxy.cluster)))
        .related(variable.location.clone(), format!("`{name}` is set here"));
        if let Some(no_proxy) = &proxy.no_proxy {
            f = f.related(
                no_proxy.location.clone(),
                "the noProxy in effect, without this host",
            );
        }
        out.push(f);
    }
}

fn set_by(variable: &ProxyVar) -> &'static str {
    match variable.origin {
        VarOrigin::MigrationController => "set on the host's MigrationController",
        VarOrigin::ClusterProxy => "inherited from the host's cluster Proxy",
        VarOrigin::InstallConfig => "inherited from the host's install-config.yaml proxy",
    }
}

fn help(proxy: &EffectiveProxy, host: &str) -> String {
    let (key, written) = match &proxy.no_proxy {
        Some(var) if var.origin == VarOrigin::MigrationController => ("no_proxy", var.value.trim()),
        Some(var) => ("noProxy", var.value.trim()),
        None if proxy.own_no_proxy() || !proxy.inherits() || proxy.platform.is_none() => {
            ("no_proxy", "")
        }
        None => ("noProxy", ""),
    };
    let list = if written.is_empty() {
        host.to_owned()
    } else {
        format!("{written},{host}")
    };
    let where_ = if key == "no_proxy" {
        "on the host cluster's MigrationController"
    } else {
        "on the host cluster's Proxy"
    };
    format!(
        "add the API host to the noProxy in effect {where_} (`{key}: {list}`), or make sure the \
         proxy passes SPDY and the `Upgrade` header to the remote API server"
    )
}

fn not_judged(
    project: &Project,
    proxy: &EffectiveProxy,
    object: &crate::model::ModelObject,
    location: Location,
    endpoint: &Endpoint,
    host_name: &str,
) -> Finding {
    let origin = proxy
        .no_proxy
        .as_ref()
        .map_or(VarOrigin::ClusterProxy, |v| v.origin);
    let cluster = project
        .cluster_name(Some(proxy.cluster))
        .map_or("the host cluster", |n| n.as_ref());
    finding(
        project,
        proxy,
        "DVM212",
        location,
        origin,
        format!(
            "MigCluster `{}`'s API server `{}` was not judged against the effective noProxy of \
             {host_name}: the network operator adds the cluster's machine networks to noProxy, \
             and they are unknown (no `machineNetwork` for cluster `{cluster}` in .dvmlint.yaml, \
             no install-config.yaml), so the address may well be covered",
            object.object.meta.name.value, endpoint.host
        ),
    )
    .object(Some(object.object_ref()))
    .severity(Severity::Info)
    .help(format!(
        "set `machineNetwork` for cluster `{cluster}` in .dvmlint.yaml (or add its \
         install-config.yaml) to make this check exact"
    ))
}

fn is_ip(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_read_as_go_reads_a_request_url() {
        let e = endpoint("https://api.dst.example.com:6443").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.https),
            ("api.dst.example.com", 6443, true)
        );
        let e = endpoint("https://api.dst.example.com").unwrap();
        assert_eq!(e.port, 443);
        let e = endpoint("http://10.0.0.5").unwrap();
        assert_eq!((e.port, e.https), (80, false));
        assert!(endpoint("api.dst.example.com:6443").is_none());
        assert!(endpoint("https://<api>:6443").is_none());
    }
}
