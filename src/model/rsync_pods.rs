//! The pods DVM creates, synthesised so that NetworkPolicies can be evaluated
//! against them before a migration runs (docs/model.md, docs/domain.md §1.2 and §1.4),
//! and the two platform pods DVM traffic meets: the OpenShift router and the
//! cluster DNS (docs/domain.md §7).
//!
//! The MTC documentation's example suggests one pod with `app` + `owner`
//! labels; in fact client and server pods differ, block-transfer pods carry a
//! different `app`, and MTC 1.5 client pods carry no `owner` label. Label
//! values generated at run time (UIDs, hashed PVC names, attempt counters) are
//! [`LabelValue::Opaque`]: present, but equal to no literal in a selector.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use crate::net::netpol::Pod;
use crate::net::ports::{ContainerPort, Protocol};
use crate::net::selector::{LabelValue, Labels};

/// `app` of filesystem-transfer pods.
pub const APP_FILESYSTEM: &str = "directvolumemigration-rsync-transfer";
/// `app` of block-transfer pods (MTC 1.8, docs/domain.md §1.2).
pub const APP_BLOCK: &str = "directvolumemigration-rsync-transfer-block";
/// `owner` of every DVM pod of MTC 1.6+; the selector that matches them all.
pub const OWNER: (&str, &str) = ("owner", "directvolumemigration");

/// The rsync-server listener: stunnel on 6443 (MTC 1.6+).
pub const STUNNEL_PORT: u16 = 6443;
/// The rsync-server stunnel listener of MTC 1.4/1.5.
pub const LEGACY_STUNNEL_PORT: u16 = 2222;
/// The cluster DNS pods' port (the `dns-default` Service maps 53 to it).
pub const DNS_PORT: u16 = 5353;

/// The namespace of the OpenShift router pods.
pub const ROUTER_NAMESPACE: &str = "openshift-ingress";
/// The namespace of the cluster DNS pods.
pub const DNS_NAMESPACE: &str = "openshift-dns";
/// Namespace labels that identify the router's namespace (docs/domain.md §7):
/// the current policy group label and the legacy SDN one.
pub const ROUTER_NAMESPACE_LABELS: [(&str, &str); 2] = [
    ("policy-group.network.openshift.io/ingress", ""),
    ("network.openshift.io/policy-group", "ingress"),
];

/// The rsync pod layout, selected by config `mtcVersion` (default: 1.6+).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layout {
    /// MTC 1.4: a source-side stunnel pod, server stunnel on 2222.
    Mtc14,
    /// MTC 1.5: stunnel in each client pod; clients have no `owner` label.
    Mtc15,
    /// MTC 1.6 and later (crane-lib): `rsync-server` with stunnel on 6443.
    Mtc16,
}

impl Layout {
    /// The layout for config `mtcVersion` (`"1.8"`, `"1.5.3"`, `"v1.4"`).
    /// Unparsable or absent means the current layout.
    pub fn from_version(version: Option<&str>) -> Layout {
        let Some(version) = version else {
            return Layout::Mtc16;
        };
        let mut parts = version.trim().trim_start_matches('v').split('.');
        let major = parts.next().and_then(|p| p.parse::<u32>().ok());
        let minor = parts.next().and_then(|p| p.parse::<u32>().ok());
        match (major, minor) {
            (Some(1), Some(minor)) if minor <= 4 => Layout::Mtc14,
            (Some(1), Some(5)) => Layout::Mtc15,
            _ => Layout::Mtc16,
        }
    }

    /// The port the rsync server accepts DVM traffic on.
    pub fn server_port(self) -> u16 {
        match self {
            Layout::Mtc16 => STUNNEL_PORT,
            Layout::Mtc14 | Layout::Mtc15 => LEGACY_STUNNEL_PORT,
        }
    }

    /// The label an allow policy should select to cover every rsync pod of
    /// this layout (MTC 1.5 client pods have no `owner`).
    pub fn allow_selector(self) -> (&'static str, &'static str) {
        match self {
            Layout::Mtc16 => OWNER,
            Layout::Mtc14 | Layout::Mtc15 => ("app", APP_FILESYSTEM),
        }
    }
}

/// Which DVM pod a synthesised pod stands for.
#[derive(Clone, Debug)]
pub struct RsyncPod {
    /// How messages name it, e.g. `rsync client pods (filesystem)`.
    pub description: &'static str,
    pub block: bool,
    pub pod: Pod,
}

fn literal(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), LabelValue::from(*v)))
        .collect()
}

/// `buildDVMLabels()` of mig-controller (docs/domain.md §1.2).
fn common_labels(app: &str) -> Labels {
    let mut labels = literal(&[
        ("app", app),
        OWNER,
        ("app.kubernetes.io/part-of", "openshift-migration"),
    ]);
    labels.insert("directvolumemigration".to_owned(), LabelValue::Opaque);
    labels.insert(
        "migration.openshift.io/migrated-by-migplan".to_owned(),
        LabelValue::Opaque,
    );
    labels
}

/// The label sets [`shared`] has built, by role, layout and app.
type SharedLabels = BTreeMap<(Role, Layout, &'static str), Arc<Labels>>;

/// Which synthesised pod a shared label set is for.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Client,
    Server,
}

/// The labels of a synthesised rsync pod, built once per process: they
/// depend on the layout, the app and the role, never on the namespace, and
/// the network rules ask for the pods of every migrated namespace on every
/// lint (a language server's edit included).
fn shared(
    role: Role,
    layout: Layout,
    app: &'static str,
    build: impl FnOnce() -> Labels,
) -> Arc<Labels> {
    static SHARED: LazyLock<Mutex<SharedLabels>> = LazyLock::new(Mutex::default);
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(
        shared
            .entry((role, layout, app))
            .or_insert_with(|| Arc::new(build())),
    )
}

/// The labels of the client pods of `app` (see [`client_pods`]).
fn client_labels(layout: Layout, app: &str) -> Labels {
    match layout {
        Layout::Mtc16 => {
            let mut labels = common_labels(app);
            labels.insert(
                "migration.openshift.io/created-for-pvc".to_owned(),
                LabelValue::Opaque,
            );
            labels.insert(
                "migration.openshift.io/rsync-attempt".to_owned(),
                LabelValue::Opaque,
            );
            labels
        }
        Layout::Mtc15 => {
            let mut labels = literal(&[
                ("app", app),
                ("directvolumemigration", "rsync-client"),
                ("app.kubernetes.io/part-of", "openshift-migration"),
            ]);
            labels.insert(
                "migration.openshift.io/created-for-pvc".to_owned(),
                LabelValue::Opaque,
            );
            labels
        }
        Layout::Mtc14 => {
            let mut labels = common_labels(app);
            labels.insert("purpose".to_owned(), LabelValue::from("stunnel"));
            labels
        }
    }
}

/// The pods in a **source** namespace that open connections to the
/// destination: the rsync client pods (1.5+) or the stunnel pod (1.4, whose
/// clients connect to it inside the namespace).
pub fn client_pods(layout: Layout, namespace: &str, block: bool) -> Vec<RsyncPod> {
    let mut pods = Vec::new();
    let apps: &[(&'static str, bool)] = if block && layout == Layout::Mtc16 {
        &[(APP_FILESYSTEM, false), (APP_BLOCK, true)]
    } else {
        &[(APP_FILESYSTEM, false)]
    };
    for &(app, is_block) in apps {
        let labels = shared(Role::Client, layout, app, || client_labels(layout, app));
        pods.push(RsyncPod {
            description: match (layout, is_block) {
                (Layout::Mtc14, _) => {
                    "stunnel transfer pod `directvolumemigration-stunnel-transfer`"
                }
                (_, false) => "rsync client pods",
                (_, true) => "block-transfer rsync client pods",
            },
            block: is_block,
            pod: Pod {
                namespace: namespace.to_owned(),
                labels,
                ports: Vec::new(),
            },
        });
    }
    pods
}

/// The rsync server pods in a **target** namespace.
pub fn server_pods(layout: Layout, namespace: &str, block: bool) -> Vec<RsyncPod> {
    let apps: &[(&'static str, bool)] = if block && layout == Layout::Mtc16 {
        &[(APP_FILESYSTEM, false), (APP_BLOCK, true)]
    } else {
        &[(APP_FILESYSTEM, false)]
    };
    apps.iter()
        .map(|&(app, is_block)| {
            let labels = shared(Role::Server, layout, app, || {
                let mut labels = common_labels(app);
                labels.insert("purpose".to_owned(), LabelValue::from("rsync"));
                labels
            });
            let ports = match layout {
                Layout::Mtc16 => vec![
                    ContainerPort::named("stunnel", STUNNEL_PORT, Protocol::Tcp),
                    ContainerPort::named("rsyncd", 2222, Protocol::Tcp),
                ],
                Layout::Mtc14 | Layout::Mtc15 => vec![
                    ContainerPort::named("stunnel", LEGACY_STUNNEL_PORT, Protocol::Tcp),
                    ContainerPort::named("rsyncd", 22, Protocol::Tcp),
                ],
            };
            RsyncPod {
                description: match (layout, is_block) {
                    (Layout::Mtc16, false) => "rsync server pod `rsync-server`",
                    (Layout::Mtc16, true) => "block-transfer rsync server pod",
                    _ => "rsync server pod `directvolumemigration-rsync-transfer`",
                },
                block: is_block,
                pod: Pod {
                    namespace: namespace.to_owned(),
                    labels,
                    ports,
                },
            }
        })
        .collect()
}

/// The default IngressController's router pod. Route traffic reaches the
/// rsync server from it, after the router's port translation (443 → 6443).
pub fn router_pod() -> Pod {
    Pod::new(
        ROUTER_NAMESPACE,
        literal(&[(
            "ingresscontroller.operator.openshift.io/deployment-ingresscontroller",
            "default",
        )]),
    )
}

/// The labels OpenShift puts on the router's namespace.
pub fn router_namespace_labels() -> Labels {
    literal(&ROUTER_NAMESPACE_LABELS)
}

/// The labels of the cluster DNS pods, built once.
static DNS_LABELS: LazyLock<Arc<Labels>> = LazyLock::new(|| {
    Arc::new(literal(&[(
        "dns.operator.openshift.io/daemonset-dns",
        "default",
    )]))
});

/// A cluster DNS pod: the `dns-default` Service's port 53 is translated to
/// the pods' 5353 before policies apply (docs/domain.md §7).
pub fn dns_pod() -> Pod {
    Pod {
        namespace: DNS_NAMESPACE.to_owned(),
        labels: Arc::clone(&DNS_LABELS),
        ports: vec![
            ContainerPort::named("dns", DNS_PORT, Protocol::Udp),
            ContainerPort::named("dns-tcp", DNS_PORT, Protocol::Tcp),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::selector::LabelSelector;

    #[test]
    fn versions_select_layouts() {
        assert_eq!(Layout::from_version(None), Layout::Mtc16);
        assert_eq!(Layout::from_version(Some("1.8")), Layout::Mtc16);
        assert_eq!(Layout::from_version(Some("1.5.3")), Layout::Mtc15);
        assert_eq!(Layout::from_version(Some("v1.4")), Layout::Mtc14);
        assert_eq!(Layout::from_version(Some("junk")), Layout::Mtc16);
    }

    #[test]
    fn owner_matches_every_current_pod_and_documented_selector_misses_block() {
        let owner = LabelSelector::from_labels([OWNER]);
        let documented = LabelSelector::from_labels([OWNER, ("app", APP_FILESYSTEM)]);
        let pods: Vec<RsyncPod> = client_pods(Layout::Mtc16, "a", true)
            .into_iter()
            .chain(server_pods(Layout::Mtc16, "a", true))
            .collect();
        assert_eq!(pods.len(), 4);
        assert!(pods.iter().all(|p| owner.matches(&p.pod.labels)));
        assert!(
            pods.iter()
                .filter(|p| p.block)
                .all(|p| !documented.matches(&p.pod.labels))
        );
    }

    #[test]
    fn uid_labels_never_match_literals() {
        let pods = client_pods(Layout::Mtc16, "a", false);
        let by_uid = LabelSelector::from_labels([("directvolumemigration", "x")]);
        assert!(pods.iter().all(|p| !by_uid.matches(&p.pod.labels)));
    }

    #[test]
    fn mtc15_clients_lack_owner() {
        let owner = LabelSelector::from_labels([OWNER]);
        assert!(
            client_pods(Layout::Mtc15, "a", false)
                .iter()
                .all(|p| !owner.matches(&p.pod.labels))
        );
    }
}
