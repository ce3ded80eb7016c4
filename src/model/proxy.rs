//! Effective proxy settings per cluster (docs/model.md "The effective proxy").
//!
//! What MTC's controller actually runs with is decided variable by variable
//! (docs/domain.md §2): a MigrationController that sets `http_proxy`, `https_proxy`
//! or `no_proxy` (any spelling that converts to that snake_case name) replaces
//! that one inherited value, with no merge. A variable it leaves unset is, on
//! OpenShift 4.2 and later, inherited from the cluster Proxy through OLM — and
//! the cluster Proxy's *effective* noProxy is its `status.noProxy`, which the
//! network operator builds from the user's list plus what the cluster adds by
//! itself (docs/domain.md §4: localhost, 127.0.0.1, `.svc`, `.cluster.local`, the
//! machine, service and cluster networks, the `api-int` host). OpenShift 4.1 and
//! earlier have no Proxy object and never inherit.
//!
//! Every value keeps its origin (file and span) so rules can point at it.

use std::sync::Arc;

use ipnet::IpNet;

use crate::finding::Location;
use crate::manifest::Text;
use crate::manifest::migration_controller::MigrationController;
use crate::manifest::openshift::{ClusterProxy, InstallConfig, ProxyVars};
use crate::yaml::{Node, Span};

use super::migration::Migration;
use super::{ModelObject, Project};

/// Where a proxy variable's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarOrigin {
    /// The cluster's own MigrationController sets it.
    MigrationController,
    /// Inherited from the cluster Proxy object named `cluster`.
    ClusterProxy,
    /// Inherited from install-config's `proxy:` (which becomes the cluster Proxy).
    InstallConfig,
}

impl VarOrigin {
    pub fn describe(self) -> &'static str {
        match self {
            VarOrigin::MigrationController => "the MigrationController",
            VarOrigin::ClusterProxy => "the cluster Proxy",
            VarOrigin::InstallConfig => "install-config.yaml",
        }
    }
}

/// One proxy variable as written, with where it was written.
#[derive(Clone, Debug)]
pub struct ProxyVar {
    /// The value as written (for `no_proxy` inherited from the cluster, the
    /// user's part only; see [`EffectiveProxy::no_proxy_list`]).
    pub value: String,
    pub location: Location,
    pub origin: VarOrigin,
}

/// A worker address and where it was found (`None`: config `workers`).
#[derive(Clone, Debug)]
pub struct Worker {
    pub address: String,
    pub location: Option<Location>,
}

/// The cluster-wide proxy as the platform applies it: the Proxy object named
/// `cluster`, else install-config's `proxy:`.
#[derive(Clone, Debug)]
pub struct PlatformProxy {
    pub file: Arc<str>,
    pub vars: ProxyVars,
    /// Where a finding about an absent field points (the Proxy's or the
    /// install-config's `spec`/`proxy` key).
    pub anchor: Span,
    pub origin: VarOrigin,
    /// The proxy re-signs TLS: the Proxy has a `trustedCA`, or install-config an
    /// `additionalTrustBundle` (docs/domain.md §2: interception breaks stunnel).
    pub intercepting: bool,
}

impl PlatformProxy {
    fn var(&self, text: &Option<Text>) -> Option<ProxyVar> {
        text.as_ref().map(|t| ProxyVar {
            value: t.value.clone(),
            location: Location::new(&self.file, t.span),
            origin: self.origin,
        })
    }
}

/// An OpenShift version, `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OcpVersion {
    pub major: u32,
    pub minor: u32,
}

impl OcpVersion {
    /// `4.12`, `4.12.3`, `v4.1` → major.minor.
    pub fn parse(text: &str) -> Option<OcpVersion> {
        let mut parts = text.trim().trim_start_matches('v').split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
        Some(OcpVersion { major, minor })
    }

    /// OLM hands the cluster Proxy to operators from 4.2 on (docs/domain.md §2).
    pub fn inherits_cluster_proxy(self) -> bool {
        (self.major, self.minor) >= (4, 2)
    }

    /// OpenShift 3 has one network plugin for NetworkPolicies, OpenShift SDN,
    /// which does not enforce egress policies (docs/domain.md §7; it did not
    /// up to 4.9, where OVN-Kubernetes could run instead).
    pub fn ignores_egress_policies(self) -> bool {
        self.major < 4
    }
}

impl std::fmt::Display for OcpVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The proxy settings one cluster's MTC runs with.
#[derive(Clone, Debug)]
pub struct EffectiveProxy {
    pub cluster: usize,
    /// `None` when neither config nor a ClusterVersion says; treated as 4.2+.
    pub version: Option<OcpVersion>,
    pub platform: Option<PlatformProxy>,
    /// Index in `Project::objects` of the MigrationController, and its view.
    pub controller: Option<(usize, MigrationController)>,
    pub http_proxy: Option<ProxyVar>,
    pub https_proxy: Option<ProxyVar>,
    pub no_proxy: Option<ProxyVar>,
    pub workers: Vec<Worker>,
    pub machine_networks: Vec<IpNet>,
    pub service_networks: Vec<IpNet>,
    pub cluster_networks: Vec<IpNet>,
    /// `api-int.<cluster>.<baseDomain>`, when install-config names both.
    pub api_int_host: Option<String>,
}

/// The cluster Proxy objects (`config.openshift.io` Proxy `cluster`) of
/// `cluster` that apply, in file order: not those a later definition in the
/// same apply unit replaces (what `kubectl apply` leaves). Several left are
/// variants (alternative folders judged as one cluster): the first is the
/// one the proxy rules judge, and `check` says so (`lint::unjudged_notes`).
pub fn cluster_proxies(
    project: &Project,
    cluster: usize,
) -> impl Iterator<Item = (usize, &ModelObject)> + '_ {
    project
        .modelled_kind("config.openshift.io", "Proxy")
        .filter(move |(index, o)| {
            o.cluster() == Some(cluster)
                && o.object.meta.name.value == "cluster"
                && !project.is_replaced(*index)
        })
}

impl EffectiveProxy {
    /// Whether MTC on this cluster sends traffic through a proxy at all.
    pub fn has_proxy(&self) -> bool {
        self.http_proxy.is_some() || self.https_proxy.is_some()
    }

    /// Whether the cluster Proxy is passed down (4.2+, or unknown version).
    pub fn inherits(&self) -> bool {
        self.version.is_none_or(OcpVersion::inherits_cluster_proxy)
    }

    pub fn own_no_proxy(&self) -> bool {
        self.no_proxy
            .as_ref()
            .is_some_and(|v| v.origin == VarOrigin::MigrationController)
    }

    /// The noProxy list Go's matcher sees: the controller's own value as is; an
    /// inherited value with what the cluster adds by itself (docs/domain.md §4).
    pub fn no_proxy_list(&self) -> String {
        match &self.no_proxy {
            Some(var) if var.origin == VarOrigin::MigrationController => var.value.clone(),
            Some(var) if var.value.trim() == "*" => "*".to_owned(),
            inherited => {
                let mut entries: Vec<String> = inherited
                    .iter()
                    .map(|v| v.value.clone())
                    .filter(|v| !v.trim().is_empty())
                    .collect();
                if self.has_proxy() {
                    entries.extend(self.cluster_defaults());
                }
                entries.join(",")
            }
        }
    }

    /// What the network operator adds to every cluster Proxy's noProxy.
    pub fn cluster_defaults(&self) -> Vec<String> {
        let mut out: Vec<String> = ["127.0.0.1", "localhost", ".svc", ".cluster.local"]
            .map(str::to_owned)
            .to_vec();
        let nets = self
            .machine_networks
            .iter()
            .chain(&self.service_networks)
            .chain(&self.cluster_networks)
            .filter(|n| n.prefix_len() != 0);
        out.extend(nets.map(ToString::to_string));
        out.extend(self.api_int_host.clone());
        out
    }

    pub fn build_all(project: &Project, migration: &Migration) -> Vec<EffectiveProxy> {
        (0..project.clusters.len())
            .map(|cluster| EffectiveProxy::build(project, migration, cluster))
            .collect()
    }

    pub fn build(project: &Project, migration: &Migration, cluster: usize) -> EffectiveProxy {
        let config = project
            .clusters
            .get(cluster)
            .and_then(|c| c.config)
            .and_then(|i| project.config.clusters.get(i));
        // The kinds read below (ClusterVersion, Proxy, Node) are all modelled.
        let objects: Vec<&ModelObject> = project
            .modelled()
            .map(|(_, o)| o)
            .filter(|o| o.cluster() == Some(cluster))
            .collect();
        let install_config = project
            .install_configs
            .iter()
            .find(|(c, _)| *c == Some(cluster))
            .map(|(_, ic)| ic);

        let version = config
            .and_then(|c| c.version.as_deref())
            .and_then(OcpVersion::parse)
            .or_else(|| {
                objects
                    .iter()
                    .filter(|o| o.object.meta.is("config.openshift.io", "ClusterVersion"))
                    .find_map(|o| cluster_version(o.object.tree()?))
            });

        let platform = cluster_proxies(project, cluster)
            .next()
            .and_then(|(_, o)| {
                let proxy = ClusterProxy::from_node(o.object.tree()?);
                Some(PlatformProxy {
                    file: Arc::clone(&o.object.file),
                    anchor: proxy.spec_key.unwrap_or(o.object.meta.name_span()),
                    vars: proxy.vars,
                    origin: VarOrigin::ClusterProxy,
                    intercepting: proxy.trusted_ca.is_some()
                        || install_config.is_some_and(|ic| ic.config.additional_trust_bundle),
                })
            })
            .or_else(|| {
                let ic = install_config?;
                Some(PlatformProxy {
                    file: Arc::clone(&ic.file),
                    anchor: ic.config.proxy_key?,
                    vars: ic.config.proxy.clone(),
                    origin: VarOrigin::InstallConfig,
                    intercepting: ic.config.additional_trust_bundle,
                })
            });

        let controller = migration
            .controllers
            .get(cluster)
            .copied()
            .flatten()
            .and_then(|i| {
                let o = project.objects.get(i)?;
                Some((i, MigrationController::from_node(o.object.tree()?)))
            });

        let mut workers: Vec<Worker> = objects
            .iter()
            .filter(|o| o.object.meta.is("", "Node") && !is_control_plane_only(o))
            .flat_map(|o| node_addresses(o))
            .collect();
        workers.extend(
            config
                .map_or(&[][..], |c| &c.workers[..])
                .iter()
                .map(|w| Worker {
                    address: w.clone(),
                    location: None,
                }),
        );

        let ic_nets = |pick: fn(&InstallConfig) -> &Vec<Text>| -> Vec<IpNet> {
            install_config.map_or_else(Vec::new, |ic| {
                pick(&ic.config)
                    .iter()
                    .filter_map(|t| t.value.trim().parse().ok())
                    .collect()
            })
        };
        let machine_networks = match config.map(|c| &c.machine_network) {
            Some(nets) if !nets.is_empty() => nets.clone(),
            _ => ic_nets(|ic| &ic.machine_networks),
        };
        let api_int_host = install_config.and_then(|ic| {
            let name = ic.config.cluster_name.as_ref()?;
            let base = ic.config.base_domain.as_ref()?;
            Some(format!("api-int.{}.{}", name.value, base.value))
        });

        let mut effective = EffectiveProxy {
            cluster,
            version,
            platform,
            controller,
            http_proxy: None,
            https_proxy: None,
            no_proxy: None,
            workers,
            machine_networks,
            service_networks: ic_nets(|ic| &ic.service_networks),
            cluster_networks: ic_nets(|ic| &ic.cluster_networks),
            api_int_host,
        };
        let inherits = effective.inherits();
        let own = |snake: &str| -> Option<ProxyVar> {
            let (index, controller) = effective.controller.as_ref()?;
            let file = &project.objects.get(*index)?.object.file;
            let text = controller.text(snake)?;
            Some(ProxyVar {
                value: text.value,
                location: Location::new(file, text.span),
                origin: VarOrigin::MigrationController,
            })
        };
        let inherited = |pick: fn(&ProxyVars) -> &Option<Text>| -> Option<ProxyVar> {
            let platform = effective.platform.as_ref().filter(|_| inherits)?;
            platform.var(pick(&platform.vars))
        };
        let http_proxy = own("http_proxy").or_else(|| inherited(|v| &v.http_proxy));
        let https_proxy = own("https_proxy").or_else(|| inherited(|v| &v.https_proxy));
        let no_proxy = own("no_proxy").or_else(|| inherited(|v| &v.no_proxy));
        effective.http_proxy = http_proxy;
        effective.https_proxy = https_proxy;
        effective.no_proxy = no_proxy;
        effective
    }
}

/// `spec.desiredUpdate.version`, else `status.desired.version`, else the
/// newest `status.history` entry.
fn cluster_version(body: &Node<'_>) -> Option<OcpVersion> {
    let text = body
        .at(&["spec", "desiredUpdate", "version"])
        .or_else(|| body.at(&["status", "desired", "version"]))
        .or_else(|| {
            body.at(&["status", "history"])
                .and_then(|h| h.items().first())
                .and_then(|h| h.get("version"))
        })?
        .as_str()?;
    OcpVersion::parse(text)
}

/// Rsync pods run on workers; a node labelled only as control plane is not one.
fn is_control_plane_only(object: &ModelObject) -> bool {
    let labels = object.object.meta.labels();
    let control = labels.contains_key("node-role.kubernetes.io/master")
        || labels.contains_key("node-role.kubernetes.io/control-plane");
    control && !labels.contains_key("node-role.kubernetes.io/worker")
}

fn node_addresses(object: &ModelObject) -> Vec<Worker> {
    let Some(body) = object.object.tree() else {
        return Vec::new();
    };
    body.at(&["status", "addresses"])
        .map_or(&[][..], Node::items)
        .iter()
        .filter(|a| {
            matches!(
                a.get("type").and_then(Node::as_str),
                Some("InternalIP" | "InternalDNS" | "Hostname")
            )
        })
        .filter_map(|a| Text::from_node(a.get("address")?))
        .map(|t| Worker {
            address: t.value,
            location: Some(Location::new(&object.object.file, t.span)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            OcpVersion::parse("4.12.3"),
            Some(OcpVersion {
                major: 4,
                minor: 12
            })
        );
        assert!(!OcpVersion::parse("4.1").is_some_and(OcpVersion::inherits_cluster_proxy));
        assert!(OcpVersion::parse("v4.2").is_some_and(OcpVersion::inherits_cluster_proxy));
        assert!(!OcpVersion::parse("3.11").is_some_and(OcpVersion::inherits_cluster_proxy));
        assert_eq!(OcpVersion::parse("x"), None);
    }
}
