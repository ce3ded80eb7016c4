//! Whether a cluster's routers run on the host network or the pod network.
//!
//! A Route's traffic reaches the rsync server pods from the router. When the
//! IngressController publishes with `HostNetwork`, the router pods run on the
//! nodes' network: an AdminNetworkPolicy or BaselineAdminNetworkPolicy peer
//! (`namespaces`, `pods`) never matches them (docs/domain.md §7.1), so those
//! tiers never decide the router's hop. The strategy is the default
//! IngressController's `spec.endpointPublishingStrategy.type`; unwritten, the
//! ingress operator picks it by platform (the Infrastructure object's, which
//! install-config's `platform` becomes) (`computeEffectivePublishingStrategy`,
//! openshift/cluster-ingress-operator): `LoadBalancerService` on AWS, Azure,
//! GCP, IBM Cloud and Power VS, `HostNetwork` everywhere else.

use crate::config::RouterNetwork;
use crate::model::Project;

const OPERATOR_NAMESPACE: &str = "openshift-ingress-operator";

/// The platforms (install-config `platform.<name>`) where the default
/// IngressController publishes through a load balancer, its router pods on the
/// pod network.
const LOAD_BALANCER_PLATFORMS: [&str; 5] = ["aws", "azure", "gcp", "ibmcloud", "powervs"];

/// What is known of a cluster's router network, and from where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Router {
    pub network: RouterNetwork,
    /// Where it was learnt, for messages ("`routerNetwork` of cluster `x`").
    pub from: String,
}

/// The router network of `cluster`: `routerNetwork` in .dvmlint.yaml, else
/// the default IngressController's publishing strategy, else the platform of
/// the cluster's Infrastructure object or install-config; `None` when none
/// of them says.
pub fn router(project: &Project, cluster: usize) -> Option<Router> {
    let name = project
        .cluster_name(Some(cluster))
        .map_or("", |n| n.as_ref());
    if let Some(network) = project
        .config
        .clusters
        .get(cluster)
        .and_then(|c| c.router_network)
    {
        return Some(Router {
            network,
            from: format!("`routerNetwork` of cluster `{name}` in .dvmlint.yaml"),
        });
    }
    let written = project
        .modelled_kind("operator.openshift.io", "IngressController")
        .map(|(_, o)| o)
        .filter(|o| {
            o.cluster() == Some(cluster)
                && o.object.meta.name.value == "default"
                && o.object
                    .meta
                    .namespace
                    .as_ref()
                    .is_none_or(|n| n.value == OPERATOR_NAMESPACE)
        })
        .find_map(|o| {
            let strategy = o
                .object
                .tree()?
                .get("spec")?
                .get("endpointPublishingStrategy")?
                .get("type")?
                .as_str()?
                .to_owned();
            Some((o, strategy))
        });
    if let Some((object, strategy)) = written {
        let network = if strategy == "HostNetwork" {
            RouterNetwork::Host
        } else {
            RouterNetwork::Pod
        };
        return Some(Router {
            network,
            from: format!(
                "the IngressController `default` publishing with `{strategy}` ({})",
                object.object.file
            ),
        });
    }
    // The Infrastructure object `cluster`: its platform type (`BareMetal`,
    // `AWS`, …), as the ingress operator reads it.
    let infrastructure = project
        .modelled_kind("config.openshift.io", "Infrastructure")
        .map(|(_, o)| o)
        .filter(|o| o.cluster() == Some(cluster) && o.object.meta.name.value == "cluster")
        .find_map(|o| {
            let tree = o.object.tree()?;
            let platform = [
                &["spec", "platformSpec", "type"][..],
                &["status", "platformStatus", "type"],
                &["status", "platform"],
            ]
            .iter()
            .find_map(|path| tree.at(path)?.as_str().filter(|p| !p.is_empty()))?
            .to_owned();
            Some((o, platform))
        });
    if let Some((object, platform)) = infrastructure {
        let network = if LOAD_BALANCER_PLATFORMS.contains(&platform.to_ascii_lowercase().as_str()) {
            RouterNetwork::Pod
        } else {
            RouterNetwork::Host
        };
        return Some(Router {
            network,
            from: format!(
                "the platform `{platform}` of the Infrastructure object `cluster` ({})",
                object.object.file
            ),
        });
    }
    project
        .install_configs
        .iter()
        .filter(|(c, _)| *c == Some(cluster))
        .find_map(|(_, ic)| {
            let platform = ic.config.platform.as_ref()?;
            let network = if LOAD_BALANCER_PLATFORMS.contains(&platform.value.as_str()) {
                RouterNetwork::Pod
            } else {
                RouterNetwork::Host
            };
            Some(Router {
                network,
                from: format!(
                    "the platform `{}` of {} (the default IngressController publishes with {})",
                    platform.value,
                    ic.file,
                    match network {
                        RouterNetwork::Host => "`HostNetwork`",
                        RouterNetwork::Pod => "`LoadBalancerService`",
                    }
                ),
            })
        })
}
