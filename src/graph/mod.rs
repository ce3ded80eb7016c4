//! `dvmlint graph` (docs/graph.md): the hops of each DVM path, drawn.
//!
//! For every migrated namespace pair of the model (`Migration::pairs`), the
//! path the rsync traffic takes for the cluster's MTC layout and endpoint
//! type: the rsync client pods → NetworkPolicy egress → egress firewall →
//! the `stunnel_tcp_proxy` proxy when set → the target's router (Route),
//! NodePort or Service (ClusterIP) → NetworkPolicy ingress → the rsync server
//! pod; the DNS lookup of the client pods when the destination is reached by
//! name; and the rsync server's replies when a firewall of the target
//! namespace could drop them.
//!
//! Every hop is decided by the function the rule that judges it calls
//! (`crate::rules::hops`): DVM101, DVM102, DVM103, DVM110/DVM113, DVM204;
//! a NetworkPolicy or DNS hop an AdminNetworkPolicy or the baseline cuts is
//! drawn from DVM105's decision instead (layer `AdminNetworkPolicy` or
//! `BaselineAdminNetworkPolicy`, labelled with the deciding rule). The
//! validity rules about a manifest on a hop (DVM104, DVM111, DVM112) are
//! attached to it as notes: they do not cut the path by themselves. So every
//! blocked edge is a finding of `check` and every such finding a blocked edge
//! (`tests/graph.rs` holds this on every fixture).
//!
//! The data ([`Graph`]) is written as Mermaid, DOT or JSON by [`write`];
//! SVG is DOT laid out by Graphviz's `dot` ([`svg`]).

mod write;

pub use write::{Format, mermaid_markdown, svg, write};

use std::collections::BTreeMap;

use serde::Serialize;

use crate::finding::{Finding, Location, Severity};
use crate::model::Project;
use crate::model::destination::{DvmDestination, Endpoint};
use crate::model::migration::DvmPair;
use crate::model::rsync_pods::{self, Layout};
use crate::rules::hops::{Decider, Hop, Verdict};
use crate::rules::{egress, network, proxy};

/// Every drawn path.
#[derive(Clone, Debug, Serialize)]
pub struct Graph {
    /// The version of this JSON form (schemas/graph.schema.json).
    pub version: u32,
    pub paths: Vec<PathGraph>,
}

/// One migrated namespace pair.
#[derive(Clone, Debug, Serialize)]
pub struct PathGraph {
    /// `p0`, `p1`, …: the prefix of its nodes' ids.
    pub id: String,
    pub source: End,
    pub target: End,
    /// The MigPlan that migrates it, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// `Route`, `NodePort` or `ClusterIP`: the target's `rsync_endpoint_type`.
    pub endpoint: &'static str,
    /// The rsync clients connect through the `stunnel_tcp_proxy` proxy.
    pub proxy: bool,
    /// The rsync pod layout (config `mtcVersion`): `1.6+`, `1.5`, `1.4`.
    pub mtc_layout: &'static str,
    /// Block-transfer pods run too.
    pub block: bool,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// One side of a pair.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct End {
    pub cluster: String,
    pub namespace: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Node {
    pub id: String,
    /// `clients`, `egress`, `proxy`, `router`, `nodeport`, `service`,
    /// `server`, `dns`.
    pub kind: &'static str,
    pub label: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// The layer that decides it: `NetworkPolicy egress`, `egress firewall`,
    /// `proxy`, `NetworkPolicy ingress`, `DNS`, `egress firewall (replies)`,
    /// `AdminNetworkPolicy`, `BaselineAdminNetworkPolicy` (a policy hop or
    /// the DNS hop an admin rule cuts, DVM105).
    pub layer: &'static str,
    pub verdict: Verdict,
    /// A few words (the picture's label).
    pub summary: String,
    /// The whole reason; for an unknown verdict, what is not known.
    pub why: String,
    /// The manifests that decided it.
    pub decided_by: Vec<Place>,
    /// The findings of `check` about this hop.
    pub findings: Vec<FindingRef>,
}

/// A manifest that decided a hop, and where it is written.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Place {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// A finding on a hop, as `check` reports it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FindingRef {
    pub rule: String,
    pub severity: Severity,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// A note: a finding about a manifest of the hop that does not decide it
    /// (DVM104, DVM111, DVM112).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub note: bool,
}

impl FindingRef {
    fn new(finding: &Finding, note: bool) -> FindingRef {
        FindingRef {
            rule: finding.rule.to_string(),
            severity: finding.severity,
            file: finding.location.file.to_string(),
            line: finding.location.span.start.line,
            column: finding.location.span.start.col,
            message: finding.message.clone(),
            note,
        }
    }
}

/// Which paths to draw.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only pairs of this MigPlan (by name).
    pub plan: Option<String>,
    /// Only pairs with this namespace on either side.
    pub namespace: Option<String>,
}

impl Selection {
    fn keeps(&self, project: &Project, pair: &DvmPair) -> bool {
        let plan_ok = self.plan.as_deref().is_none_or(|name| {
            pair.plan
                .and_then(|i| project.objects.get(i))
                .is_some_and(|o| o.object.meta.name.value == name)
        });
        let namespace_ok = self
            .namespace
            .as_deref()
            .is_none_or(|ns| pair.source.namespace == ns || pair.target.namespace == ns);
        plan_ok && namespace_ok
    }
}

/// The graph of the project's DVM paths (those `selection` keeps), each hop
/// decided as the rules decide it. Findings' locations are the model's (a
/// rendered object's): [`Graph::remap`] puts them on the sources.
pub fn build(project: &Project, selection: &Selection) -> Graph {
    let migration = project.migration();
    let model = project.network();
    let notes = Notes::collect(project);
    let mut destinations: BTreeMap<usize, DvmDestination> = BTreeMap::new();
    // What the rules ask once per migrated namespace: block pods run when
    // any plan of the namespace copies block volumes; DNS is asked unless
    // every destination of the namespace is reached by IP address.
    let mut source_block: BTreeMap<(usize, &str), bool> = BTreeMap::new();
    let mut target_block: BTreeMap<(usize, &str), bool> = BTreeMap::new();
    let mut by_ip: BTreeMap<(usize, &str), bool> = BTreeMap::new();
    for pair in &migration.pairs {
        let dest = destinations
            .entry(pair.target.cluster)
            .or_insert_with(|| DvmDestination::of(project, migration, pair));
        let key = (pair.source.cluster, pair.source.namespace.as_str());
        *source_block.entry(key).or_default() |= pair.block;
        *by_ip.entry(key).or_insert(true) &= dest.by_ip;
        *target_block
            .entry((pair.target.cluster, pair.target.namespace.as_str()))
            .or_default() |= pair.block;
    }
    let proxy_hop = migration
        .pairs
        .iter()
        .any(|p| {
            destinations
                .get(&p.target.cluster)
                .is_some_and(|d| matches!(d.endpoint, Endpoint::Proxy { .. }))
        })
        .then(|| proxy::stunnel_proxy_intercepts::hop(project));
    let mut paths = Vec::new();
    for (index, pair) in migration.pairs.iter().enumerate() {
        if !selection.keeps(project, pair) {
            continue;
        }
        let Some(dest) = destinations.get(&pair.target.cluster) else {
            continue;
        };
        let (Some(source_policies), Some(target_policies)) = (
            model.cluster(pair.source.cluster),
            model.cluster(pair.target.cluster),
        ) else {
            continue;
        };
        let id = format!("p{}", paths.len());
        let src = End {
            cluster: cluster_name(project, pair.source.cluster),
            namespace: pair.source.namespace.clone(),
        };
        let dst = End {
            cluster: cluster_name(project, pair.target.cluster),
            namespace: pair.target.namespace.clone(),
        };
        let source_key = (pair.source.cluster, pair.source.namespace.as_str());
        let block = source_block.get(&source_key).copied().unwrap_or(pair.block);
        let server_block = target_block
            .get(&(pair.target.cluster, pair.target.namespace.as_str()))
            .copied()
            .unwrap_or(pair.block);
        let endpoint_name =
            network::rsync_ingress_blocked::endpoint_type(project, pair.target.cluster);
        let through_proxy = matches!(dest.endpoint, Endpoint::Proxy { .. });
        let node = |suffix: &str| format!("{id}_{suffix}");
        let mut nodes = vec![
            Node {
                id: node("clients"),
                kind: "clients",
                label: format!(
                    "{}\n{}/{}",
                    if block {
                        "rsync client pods (filesystem + block)"
                    } else {
                        "rsync client pods"
                    },
                    src.cluster,
                    src.namespace
                ),
            },
            Node {
                id: node("egress"),
                kind: "egress",
                label: format!(
                    "leaves namespace {}\ncluster {}",
                    src.namespace, src.cluster
                ),
            },
        ];
        let (entry_kind, entry_label) = match endpoint_name {
            "NodePort" => (
                "nodeport",
                format!("NodePort TCP 30000-32767\nworkers of {}", dst.cluster),
            ),
            "ClusterIP" => (
                "service",
                format!(
                    "Service ClusterIP TCP 6443\ncluster {}{}",
                    dst.cluster,
                    if pair.source.cluster == pair.target.cluster {
                        " (pod to pod)"
                    } else {
                        ""
                    }
                ),
            ),
            _ => (
                "router",
                format!(
                    "router (Route, TCP 443)\n{} in cluster {}",
                    rsync_pods::ROUTER_NAMESPACE,
                    dst.cluster
                ),
            ),
        };
        if through_proxy {
            nodes.push(Node {
                id: node("proxy"),
                kind: "proxy",
                label: proxy_label(dest),
            });
        }
        nodes.push(Node {
            id: node("entry"),
            kind: entry_kind,
            label: entry_label,
        });
        let port = model.layout.server_port();
        nodes.push(Node {
            id: node("server"),
            kind: "server",
            label: format!(
                "rsync server pod (stunnel {port})\n{}/{}",
                dst.cluster, dst.namespace
            ),
        });
        let mut edges = Vec::new();
        // NetworkPolicy egress (DVM101).
        let clients = rsync_pods::client_pods(model.layout, &pair.source.namespace, block);
        let hop = network::rsync_egress_blocked::hop(
            project,
            model,
            source_policies,
            pair.source.cluster,
            &pair.source.namespace,
            pair,
            dest,
            &clients,
        );
        let admin = network::admin_policy_blocks_rsync::egress_hop(
            project,
            model,
            source_policies,
            pair.source.cluster,
            &pair.source.namespace,
            pair,
            dest,
            &clients,
        );
        let mut drawn = Edge::policy(
            node("clients"),
            node("egress"),
            "NetworkPolicy egress",
            hop,
            admin,
        );
        if let Some(edge) = drawn.first_mut() {
            notes.attach_policies(edge, pair.source.cluster, &pair.source.namespace, true);
        }
        edges.extend(drawn);
        // The egress firewall (DVM110, DVM113).
        let after_firewall = if through_proxy {
            node("proxy")
        } else {
            node("entry")
        };
        let hop = egress::source_hop(project, index, pair, dest).unwrap_or_else(|| {
            Hop::allowed(
                "no firewall",
                "no egress firewall applies to the namespace",
                Vec::new(),
            )
        });
        let mut edge = Edge::of(node("egress"), after_firewall, "egress firewall", hop);
        notes.attach_firewalls(&mut edge, &src.cluster, &src.namespace);
        edges.push(edge);
        // The proxy (DVM204).
        if through_proxy && let Some(hop) = &proxy_hop {
            edges.push(Edge::of(node("proxy"), node("entry"), "proxy", hop.clone()));
        }
        // NetworkPolicy ingress (DVM102).
        let arrival =
            network::rsync_ingress_blocked::arrival(endpoint_name, pair, pair.target.cluster);
        let hop = network::rsync_ingress_blocked::hop(
            project,
            model,
            target_policies,
            pair.target.cluster,
            &pair.target.namespace,
            pair,
            server_block,
            arrival,
        );
        let admin = network::admin_policy_blocks_rsync::ingress_hop(
            project,
            model,
            target_policies,
            pair.target.cluster,
            &pair.target.namespace,
            pair,
            server_block,
        );
        let mut drawn = Edge::policy(
            node("entry"),
            node("server"),
            "NetworkPolicy ingress",
            hop,
            admin,
        );
        if let Some(edge) = drawn.first_mut() {
            notes.attach_policies(edge, pair.target.cluster, &pair.target.namespace, false);
        }
        edges.extend(drawn);
        // DNS (DVM103), asked when the destination is reached by name.
        if by_ip.get(&source_key) == Some(&false) {
            nodes.push(Node {
                id: node("dns"),
                kind: "dns",
                label: format!(
                    "cluster DNS\n{} UDP/TCP {}",
                    rsync_pods::DNS_NAMESPACE,
                    rsync_pods::DNS_PORT
                ),
            });
            let hop = network::rsync_dns_blocked::hop(
                project,
                model,
                source_policies,
                pair.source.cluster,
                &pair.source.namespace,
                block,
            );
            let admin = network::admin_policy_blocks_rsync::dns_hop(
                project,
                model,
                source_policies,
                pair.source.cluster,
                &pair.source.namespace,
                &clients,
            );
            edges.extend(Edge::policy(
                node("clients"),
                node("dns"),
                "DNS",
                hop,
                admin,
            ));
        }
        // The rsync server's replies through the target's firewall (DVM110 warning).
        if let Some(hop) = egress::replies_hop(project, index, pair) {
            let mut edge = Edge::of(
                node("server"),
                node("clients"),
                "egress firewall (replies)",
                hop,
            );
            notes.attach_firewalls(&mut edge, &dst.cluster, &dst.namespace);
            edges.push(edge);
        }
        paths.push(PathGraph {
            id,
            source: src,
            target: dst,
            plan: pair
                .plan
                .and_then(|i| project.objects.get(i))
                .map(|o| o.object.meta.name.value.clone()),
            endpoint: endpoint_name,
            proxy: through_proxy,
            mtc_layout: match model.layout {
                Layout::Mtc16 => "1.6+",
                Layout::Mtc15 => "1.5",
                Layout::Mtc14 => "1.4",
            },
            block,
            nodes,
            edges,
        });
    }
    Graph { version: 1, paths }
}

impl Graph {
    /// The paths with something to say: a hop not allowed, or a finding.
    pub fn with_findings(mut self) -> Graph {
        self.paths.retain(|p| {
            p.edges
                .iter()
                .any(|e| e.verdict != Verdict::Allowed || !e.findings.is_empty())
        });
        self
    }

    /// Puts every location that lies in a render's output (a Kustomize
    /// build, a Helm chart) on the source file a user edits, as `check` does
    /// with its findings.
    pub fn remap(&mut self, root: &std::path::Path, renders: &crate::render::RenderIndex) {
        if renders.is_empty() {
            return;
        }
        let span = |line: u32, column: u32| {
            let at = crate::yaml::Pos { line, col: column };
            crate::yaml::Span::new(at, at)
        };
        let mut carriers: Vec<Finding> = Vec::new();
        self.each_location(|file, line, column| {
            let file: std::sync::Arc<str> = std::sync::Arc::from(file.as_str());
            carriers.push(Finding::new(
                "graph",
                Location::new(&file, span(*line, *column)),
                String::new(),
            ));
        });
        renders.remap(root, &mut carriers);
        let mut mapped = carriers.into_iter();
        self.each_location(|file, line, column| {
            if let Some(carrier) = mapped.next() {
                *file = carrier.location.file.to_string();
                *line = carrier.location.span.start.line;
                *column = carrier.location.span.start.col;
            }
        });
    }

    fn each_location(&mut self, mut f: impl FnMut(&mut String, &mut u32, &mut u32)) {
        for edge in self.paths.iter_mut().flat_map(|p| p.edges.iter_mut()) {
            for place in &mut edge.decided_by {
                if let (Some(file), Some(line), Some(column)) =
                    (&mut place.file, &mut place.line, &mut place.column)
                {
                    f(file, line, column);
                }
            }
            for finding in &mut edge.findings {
                f(&mut finding.file, &mut finding.line, &mut finding.column);
            }
        }
    }

    /// Every text of the graph through `f`, and every file path (of a place
    /// that decides a hop, of a finding) through `file` instead, so secrets
    /// are masked as `check` masks its reports: a path under the rules of a
    /// path, the rest as messages are (`docs/security.md`).
    pub fn map_text(&mut self, mut f: impl FnMut(&mut String), mut file: impl FnMut(&mut String)) {
        for path in &mut self.paths {
            f(&mut path.source.cluster);
            f(&mut path.source.namespace);
            f(&mut path.target.cluster);
            f(&mut path.target.namespace);
            if let Some(plan) = &mut path.plan {
                f(plan);
            }
            for node in &mut path.nodes {
                f(&mut node.label);
            }
            for edge in &mut path.edges {
                f(&mut edge.summary);
                f(&mut edge.why);
                for place in &mut edge.decided_by {
                    f(&mut place.name);
                    if let Some(path) = &mut place.file {
                        file(path);
                    }
                }
                for finding in &mut edge.findings {
                    f(&mut finding.message);
                    file(&mut finding.file);
                }
            }
        }
    }
}

impl Edge {
    fn of(from: String, to: String, layer: &'static str, hop: Hop) -> Edge {
        Edge {
            from,
            to,
            layer,
            verdict: hop.verdict,
            summary: hop.short,
            why: hop.why,
            decided_by: hop.by.iter().map(Place::of).collect(),
            findings: hop
                .findings
                .iter()
                .map(|f| FindingRef::new(f, false))
                .collect(),
        }
    }

    /// The edges of a hop NetworkPolicies decide (`hop`, DVM101-DVM103)
    /// and admin policies may cut first (`admin`, DVM105, with the layer it
    /// names: `AdminNetworkPolicy` or `BaselineAdminNetworkPolicy`). An
    /// admin rule's cut replaces the hop, which then says only that the
    /// admin tiers decide it; when NetworkPolicies cut it too (other rsync
    /// pods), both are drawn, the NetworkPolicies' first.
    fn policy(
        from: String,
        to: String,
        layer: &'static str,
        hop: Hop,
        admin: Option<(&'static str, Hop)>,
    ) -> Vec<Edge> {
        match admin {
            None => vec![Edge::of(from, to, layer, hop)],
            Some((admin_layer, cut)) => {
                let mut out = Vec::new();
                if hop.verdict == Verdict::Blocked {
                    out.push(Edge::of(from.clone(), to.clone(), layer, hop));
                }
                out.push(Edge::of(from, to, admin_layer, cut));
                out
            }
        }
    }

    fn note(&mut self, finding: &Finding) {
        let note = FindingRef::new(finding, true);
        if !self.findings.contains(&note) {
            self.findings.push(note);
        }
    }
}

impl Place {
    fn of(decider: &Decider) -> Place {
        let at = |l: &Location| (l.file.to_string(), l.span.start.line, l.span.start.col);
        let (file, line, column) = match decider.location.as_ref().map(at) {
            Some((file, line, column)) => (Some(file), Some(line), Some(column)),
            None => (None, None, None),
        };
        Place {
            name: decider.name.clone(),
            file,
            line,
            column,
        }
    }
}

/// The findings of the validity rules about manifests that take part in a
/// hop: DVM104 (a policy meant for the rsync pods misses some), DVM105's
/// info on an admin policy whose subject may select a namespace of unknown
/// labels, DVM111 (an Allow that never matches), DVM112 (a firewall the
/// platform rejects or ignores). Each rule's own `check` computes them.
struct Notes {
    policies: Vec<network::rsync_allow_misses_pods::Miss>,
    firewalls: Vec<Finding>,
    /// DVM105's admin policies not applied to namespaces of unknown labels.
    unknown_subjects: Vec<network::admin_policy_blocks_rsync::UnknownSubject>,
}

impl Notes {
    fn collect(project: &Project) -> Notes {
        let mut firewalls = Vec::new();
        egress::egress_firewall_shadowed_allow::check(project, &mut firewalls);
        egress::egress_firewall_invalid::check(project, &mut firewalls);
        Notes {
            policies: network::rsync_allow_misses_pods::misses(project),
            firewalls,
            unknown_subjects: network::admin_policy_blocks_rsync::unknown_subjects(
                project,
                project.network(),
            ),
        }
    }

    /// DVM104 findings on a policy of `namespace` (on `cluster`) that misses
    /// this side's pods: the client pods on the egress side, the server pods
    /// on the ingress side.
    fn attach_policies(&self, edge: &mut Edge, cluster: usize, namespace: &str, egress: bool) {
        for miss in &self.policies {
            let side = if egress { miss.clients } else { miss.servers };
            if miss.cluster == cluster && miss.namespace == namespace && side {
                edge.note(&miss.finding);
            }
        }
        for unknown in &self.unknown_subjects {
            if unknown.cluster == cluster && unknown.namespaces.iter().any(|ns| ns == namespace) {
                edge.note(&unknown.finding);
            }
        }
    }

    /// DVM111/DVM112 findings on a firewall of `namespace` (or an unbound one).
    fn attach_firewalls(&self, edge: &mut Edge, cluster: &str, namespace: &str) {
        for finding in &self.firewalls {
            if in_place(finding, cluster, namespace) {
                edge.note(finding);
            }
        }
    }
}

/// Whether a finding's object lies in `namespace`, or has no namespace and
/// its message names it (an unbound manifest applies to every migrated namespace).
fn in_place(finding: &Finding, cluster: &str, namespace: &str) -> bool {
    if finding.cluster.as_deref().is_some_and(|c| c != cluster) {
        return false;
    }
    match finding.object.as_ref().and_then(|o| o.namespace.as_deref()) {
        Some(ns) => ns == namespace,
        None => finding.message.contains(&format!("`{namespace}`")),
    }
}

fn cluster_name(project: &Project, cluster: usize) -> String {
    project
        .cluster_name(Some(cluster))
        .map_or_else(|| "?".to_owned(), ToString::to_string)
}

/// `proxy host:port`, never the credentials.
fn proxy_label(dest: &DvmDestination) -> String {
    let Endpoint::Proxy { value, .. } = &dest.endpoint else {
        return "proxy".to_owned();
    };
    let parsed = crate::proxy::stunnel_url::StunnelProxy::parse(&value.value);
    let host = parsed.host.unwrap_or_else(|| "?".to_owned());
    match parsed.port {
        Some(port) => format!("proxy {host}:{port}\n(stunnel_tcp_proxy, HTTP CONNECT)"),
        None => format!("proxy {host}\n(stunnel_tcp_proxy, HTTP CONNECT)"),
    }
}
