//! The DVM destination of a migrated namespace (docs/model.md): the addresses and
//! ports the rsync client pods in the source namespace open TCP connections to.
//!
//! - `stunnel_tcp_proxy` on the host's MigrationController, when it names a
//!   host: that proxy's address and port (every DVM connection goes through it,
//!   docs/domain.md §2; stunnel ignores noProxy);
//! - else by the destination's `rsync_endpoint_type` (docs/domain.md §1.3):
//!   `Route` → the target's ingress addresses on 443; `NodePort` → the target's
//!   workers on 30000–32767; `ClusterIP` → the target's service network on 6443.
//!
//! An address known only as a host name (or not known at all) makes the
//! destination unknown: dvmlint never resolves DNS, and says what to configure
//! (config `hosts:` gives a name's addresses: the proxy's, a worker's).

use ipnet::IpNet;

use crate::manifest::Text;
use crate::net::ipset::IpSet;
use crate::net::ports::PortRange;
use crate::proxy::stunnel_url::StunnelProxy;

use super::Project;
use super::migration::{DvmPair, HostBasis, Migration};

/// How the rsync client reaches the rsync server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Through the HTTP CONNECT proxy of `stunnel_tcp_proxy` (the value, with its span).
    Proxy {
        value: Text,
        file: std::sync::Arc<str>,
    },
    Route,
    NodePort,
    ClusterIP,
}

#[derive(Clone, Debug)]
pub struct DvmDestination {
    pub endpoint: Endpoint,
    /// `None` when the addresses are unknown (see `unknown_reason`).
    pub addresses: Option<IpSet>,
    pub ports: PortRange,
    /// Why the addresses are unknown, and what to configure to make them known.
    pub unknown_reason: Option<String>,
    /// The rsync client reaches the destination by IP address (no DNS lookup).
    pub by_ip: bool,
    /// The assumption behind known addresses, when they stand in for what is
    /// not configured (`cidrs` for the router VIPs or the workers): messages
    /// say it, with the key that makes the check exact.
    pub assumption: Option<String>,
}

/// The NodePort range (kube-apiserver `--service-node-port-range` default).
pub const NODE_PORTS: PortRange = match PortRange::new(30000, 32767) {
    Some(range) => range,
    None => PortRange::ALL,
};

impl DvmDestination {
    pub fn of(project: &Project, migration: &Migration, pair: &DvmPair) -> DvmDestination {
        let mut destination = Self::by_settings(project, migration, pair);
        if let Some(guess) = host_guess(project, migration) {
            let said = if destination.addresses.is_some() {
                &mut destination.assumption
            } else {
                &mut destination.unknown_reason
            };
            *said = Some(match said.take() {
                Some(earlier) => format!("{earlier}; {guess}"),
                None => guess,
            });
        }
        destination
    }

    fn by_settings(project: &Project, migration: &Migration, pair: &DvmPair) -> DvmDestination {
        if let Some(proxy) = proxy_destination(project, migration) {
            return proxy;
        }
        let target = pair.target.cluster;
        let config = project
            .clusters
            .get(target)
            .and_then(|c| c.config)
            .and_then(|i| project.config.clusters.get(i));
        let name = project
            .cluster_name(Some(target))
            .map_or("target", |n| n.as_ref());
        let endpoint = endpoint_type(project, migration, target);
        let cidrs = config.map(|c| c.cidrs.clone()).unwrap_or_default();
        let mut assumption = None;
        let (addresses, ports, unknown_reason, by_ip) = match endpoint {
            Endpoint::Route => {
                let configured = config.and_then(|c| c.ingress.clone());
                if configured.is_none() && !cidrs.is_empty() {
                    assumption = Some(format!(
                        "checked against the `cidrs` of cluster `{name}`, since its `ingress` (the router's addresses) is not set: set `ingress` to make it exact"
                    ));
                }
                let ingress = configured.unwrap_or_else(|| cidrs.clone());
                let reason = format!(
                    "the addresses the Route of cluster `{name}` resolves to are unknown: set `ingress` (router/ingress VIPs) or `cidrs` for cluster `{name}` in .dvmlint.yaml"
                );
                (known(&ingress), PortRange::single(443), reason, false)
            }
            Endpoint::NodePort => {
                let (workers, hostnames) = worker_addresses(
                    project,
                    target,
                    config.map(|c| c.workers.as_slice()).unwrap_or_default(),
                );
                let nets = if workers.is_empty() {
                    if !cidrs.is_empty() {
                        assumption = Some(format!(
                            "checked against the `cidrs` of cluster `{name}`, since its workers' addresses are not known: list them in `workers` to make it exact"
                        ));
                    }
                    cidrs.clone()
                } else {
                    workers
                };
                let reason = format!(
                    "the worker addresses of cluster `{name}` are unknown{}: list them as IP addresses in `workers`, or set `cidrs`, for cluster `{name}` in .dvmlint.yaml",
                    if hostnames {
                        " (only host names are known, and dvmlint does not resolve DNS: `hosts:` can give their addresses)"
                    } else {
                        ""
                    }
                );
                (known(&nets), NODE_PORTS, reason, !nets.is_empty())
            }
            Endpoint::ClusterIP => {
                let services = service_network(project, target);
                let reason = format!(
                    "the service network of cluster `{name}` is unknown: add its install-config.yaml or Network config"
                );
                (known(&services), PortRange::single(6443), reason, true)
            }
            Endpoint::Proxy { .. } => (None, PortRange::ALL, String::new(), false),
        };
        DvmDestination {
            unknown_reason: addresses.is_none().then_some(unknown_reason),
            assumption: assumption.filter(|_| addresses.is_some()),
            endpoint,
            addresses,
            ports,
            by_ip,
        }
    }
}

fn known(nets: &[IpNet]) -> Option<IpSet> {
    (!nets.is_empty()).then(|| IpSet::from_nets(nets.iter().copied()))
}

/// What the destination rests on when the host cluster is a guess
/// ([`HostBasis::Guessed`]) and the guess decides it: some MigrationController
/// of the repository sets `stunnel_tcp_proxy`, which MTC reads from the host's
/// alone.
fn host_guess(project: &Project, migration: &Migration) -> Option<String> {
    if migration.host_basis != HostBasis::Guessed || project.clusters.len() < 2 {
        return None;
    }
    let host = migration.host?;
    let sets_proxy = (0..project.clusters.len()).any(|cluster| {
        migration
            .controller(project, cluster)
            .is_some_and(|(_, c)| c.text("stunnel_tcp_proxy").is_some())
    });
    if !sets_proxy {
        return None;
    }
    let name = project.cluster_name(Some(host)).map_or("?", |n| n.as_ref());
    Some(format!(
        "the host cluster, whose MigrationController's `stunnel_tcp_proxy` MTC uses, is taken to be `{name}`, the first source: nothing in the repository says which cluster runs mig-controller: set `migration_controller: true` in the host's MigrationController, or name its cluster `host` in .dvmlint.yaml"
    ))
}

/// `stunnel_tcp_proxy` of the host cluster's MigrationController, when stunnel
/// would actually use it (a value without a host is silently not used).
fn proxy_destination(project: &Project, migration: &Migration) -> Option<DvmDestination> {
    let host = migration.host?;
    let (object, controller) = migration.controller(project, host)?;
    let value = controller.text("stunnel_tcp_proxy")?;
    let parsed = StunnelProxy::parse(&value.value);
    let proxy_host = parsed.host.clone()?;
    let port = parsed.port.map_or(PortRange::ALL, PortRange::single);
    let addresses = if parsed.host_is_ip {
        proxy_host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .ok()
            .map(IpSet::from_addr)
    } else {
        // Config `hosts:` says what the name resolves to (dvmlint never resolves DNS).
        project
            .config
            .host_addresses(&proxy_host)
            .map(|nets| IpSet::from_nets(nets.iter().copied()))
    };
    let unknown_reason = addresses.is_none().then(|| {
        format!(
            "the DVM traffic goes to the proxy of `stunnel_tcp_proxy`, on the source side, which is named by host name `{proxy_host}`: dvmlint does not resolve DNS (give its address in `hosts:` of .dvmlint.yaml, `hosts: {{{proxy_host}: [<IP>]}}`, to make the check exact)"
        )
    });
    Some(DvmDestination {
        endpoint: Endpoint::Proxy {
            value,
            file: object.object.file.clone(),
        },
        by_ip: parsed.host_is_ip,
        assumption: (addresses.is_some() && !parsed.host_is_ip).then(|| {
            format!("the proxy `{proxy_host}` checked at the addresses `hosts:` gives it")
        }),
        addresses,
        ports: port,
        unknown_reason,
    })
}

/// The destination's `rsync_endpoint_type`; absent or invalid means Route
/// (MTC falls back silently, docs/domain.md §1.3).
pub(crate) fn endpoint_type(project: &Project, migration: &Migration, target: usize) -> Endpoint {
    let value = migration
        .controller(project, target)
        .and_then(|(_, controller)| controller.text("rsync_endpoint_type"));
    match value.as_ref().map(|t| t.value.as_str()) {
        Some("NodePort") => Endpoint::NodePort,
        Some("ClusterIP") => Endpoint::ClusterIP,
        _ => Endpoint::Route,
    }
}

/// Worker IP addresses of a cluster: Node objects' `InternalIP` (workers are
/// nodes labelled `node-role.kubernetes.io/worker`) plus config `workers`.
/// The flag says whether some worker was known only by host name.
fn worker_addresses(
    project: &Project,
    cluster: usize,
    configured: &[String],
) -> (Vec<IpNet>, bool) {
    let mut nets = Vec::new();
    let mut hostnames = false;
    for (_, object) in project
        .modelled()
        .filter(|(_, o)| o.cluster() == Some(cluster) && o.object.meta.is("", "Node"))
    {
        if !object
            .object
            .meta
            .labels()
            .contains_key("node-role.kubernetes.io/worker")
        {
            continue;
        }
        let Some(body) = object.object.tree() else {
            continue;
        };
        let addresses = body
            .at(&["status", "addresses"])
            .map_or(&[][..], |n| n.items());
        let ip = addresses.iter().find_map(|a| {
            (a.get("type").and_then(|t| t.as_str()) == Some("InternalIP"))
                .then(|| a.get("address").and_then(|v| v.as_str()))
                .flatten()
                .and_then(|v| v.parse::<std::net::IpAddr>().ok())
        });
        match ip {
            Some(ip) => nets.push(IpNet::from(ip)),
            None => hostnames = true,
        }
    }
    for worker in configured {
        match worker.parse::<std::net::IpAddr>() {
            Ok(ip) => nets.push(IpNet::from(ip)),
            Err(_) => match project.config.host_addresses(worker) {
                Some(known) => nets.extend(known.iter().copied()),
                None => hostnames = true,
            },
        }
    }
    (nets, hostnames)
}

/// The service network: install-config `networking.serviceNetwork`, else the
/// `config.openshift.io` Network object's `spec.serviceNetwork`.
fn service_network(project: &Project, cluster: usize) -> Vec<IpNet> {
    let from_install_config = project
        .install_configs
        .iter()
        .filter(|(c, _)| *c == Some(cluster))
        .flat_map(|(_, ic)| ic.config.service_networks.iter())
        .filter_map(|t| t.value.parse::<IpNet>().ok());
    let from_network = project
        .modelled()
        .map(|(_, o)| o)
        .filter(|o| {
            o.cluster() == Some(cluster) && o.object.meta.is("config.openshift.io", "Network")
        })
        .filter_map(|o| o.object.tree())
        .flat_map(|body| {
            body.at(&["spec", "serviceNetwork"])
                .map_or(&[][..], |n| n.items())
                .iter()
        })
        .filter_map(|n| n.as_str().and_then(|s| s.parse::<IpNet>().ok()));
    let mut nets: Vec<IpNet> = from_install_config.chain(from_network).collect();
    nets.sort();
    nets.dedup();
    nets
}
