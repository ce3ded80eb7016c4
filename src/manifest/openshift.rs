//! OpenShift cluster configuration: the cluster Proxy and install-config.yaml
//! (docs/domain.md §4).

use crate::yaml::{Node, Span};

use super::Text;

/// Proxy variables as the cluster Proxy or install-config write them.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ProxyVars {
    pub http_proxy: Option<Text>,
    pub https_proxy: Option<Text>,
    pub no_proxy: Option<Text>,
}

impl ProxyVars {
    fn from_node(node: Option<&Node<'_>>) -> ProxyVars {
        let get = |key: &str| {
            node.and_then(|n| n.get(key))
                .and_then(Text::from_node)
                .filter(|t| !t.value.is_empty())
        };
        ProxyVars {
            http_proxy: get("httpProxy"),
            https_proxy: get("httpsProxy"),
            no_proxy: get("noProxy"),
        }
    }

    pub fn has_proxy(&self) -> bool {
        self.http_proxy.is_some() || self.https_proxy.is_some()
    }
}

/// `config.openshift.io/v1` `Proxy`; only the one named `cluster` is used.
#[derive(Clone, Debug)]
pub struct ClusterProxy {
    pub spec_key: Option<Span>,
    pub vars: ProxyVars,
    pub trusted_ca: Option<Text>,
}

impl ClusterProxy {
    pub fn from_node(node: &Node<'_>) -> ClusterProxy {
        let spec = node.get("spec");
        ClusterProxy {
            spec_key: node.entry("spec").map(|(k, _)| k.span),
            vars: ProxyVars::from_node(spec),
            trusted_ca: Text::at(node, &["spec", "trustedCA", "name"])
                .filter(|t| !t.value.is_empty()),
        }
    }
}

/// `install-config.yaml`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct InstallConfig {
    pub cluster_name: Option<Text>,
    pub base_domain: Option<Text>,
    pub machine_networks: Vec<Text>,
    pub cluster_networks: Vec<Text>,
    pub service_networks: Vec<Text>,
    pub proxy: ProxyVars,
    pub proxy_key: Option<Span>,
    pub additional_trust_bundle: bool,
    /// The key of `platform:` (`aws`, `baremetal`, `vsphere`, …).
    pub platform: Option<Text>,
}

impl InstallConfig {
    pub fn from_node(node: &Node<'_>) -> InstallConfig {
        let networking = node.get("networking");
        let cidrs = |key: &str| -> Vec<Text> {
            networking
                .and_then(|n| n.get(key))
                .map_or(&[][..], Node::items)
                .iter()
                .filter_map(|item| Text::from_node(item).or_else(|| Text::at(item, &["cidr"])))
                .collect()
        };
        let mut machine_networks = cidrs("machineNetwork");
        machine_networks.extend(
            networking
                .and_then(|n| n.get("machineCIDR"))
                .and_then(Text::from_node),
        );
        InstallConfig {
            cluster_name: Text::at(node, &["metadata", "name"]),
            base_domain: Text::at(node, &["baseDomain"]),
            machine_networks,
            cluster_networks: cidrs("clusterNetwork"),
            service_networks: cidrs("serviceNetwork"),
            proxy: ProxyVars::from_node(node.get("proxy")),
            proxy_key: node.entry("proxy").map(|(k, _)| k.span),
            additional_trust_bundle: node
                .get("additionalTrustBundle")
                .and_then(Node::as_str)
                .is_some_and(|s| !s.trim().is_empty()),
            platform: node
                .get("platform")
                .and_then(|p| p.entries().first())
                .and_then(|(key, _)| Text::from_node(key)),
        }
    }
}
