//! `dvmlint probe egress|ingress`: one reachability question answered from
//! the repository's model (docs/model.md), with the policies and rules that
//! decided it.
//!
//! The probe builds the very [`NetworkModel`] the network rules use (same
//! policies, same namespace labels, unbound policies applied to the migrated
//! namespaces and to the probed one), so its answers agree with DVM101–DVM104.
//! Egress to addresses also meets the namespace's egress firewalls
//! (EgressNetworkPolicy / EgressFirewall), evaluated by the same model the
//! DVM110–DVM113 rules read ([`Project::firewalls`]: ignored or rejected
//! firewalls deny nothing); the answer says which layer decided. Egress to a
//! pod (`--to pod:NS/LABELS:PORT`) stays inside the cluster: firewalls do not
//! apply. [`dvm_questions`] lists the questions the network and egress rules
//! ask, so a test can check that probe never allows what `check` reports.
//! Exit code: 0 allowed, 1 denied, 2 usage error.

use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::Serialize;

use crate::lint::{self, LintOptions};
use crate::model::Project;
use crate::model::network::{ClusterPolicies, NetworkModel};
use crate::net::admin::{Action, AdminMatch, AdminRuleRef, AdminTier, Layer};
use crate::net::ipset::IpSet;
use crate::net::netpol::{Pod, PolicyType, RuleRef};
use crate::net::ports::{ContainerPort, PortRange, Protocol};
use crate::net::selector::{LabelValue, Labels};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ProbeFormat {
    #[default]
    Human,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ProbeArgs {
    #[command(subcommand)]
    pub direction: ProbeDirection,
}

#[derive(clap::Subcommand, Debug)]
pub enum ProbeDirection {
    /// May a pod open a connection to an address or a pod? `--to ADDR:PORT[/PROTO]` or `--to pod:NS/k=v,..:PORT[/PROTO]`
    Egress {
        #[command(flatten)]
        pod: PodArgs,
        /// IP or CIDR, port or range, protocol (default TCP): `192.0.2.10:443`, `[2001:db8::1]:443/TCP`, `10.0.5.0/24:30000-32767`; or a pod of the same cluster: `pod:app1-new/app=directvolumemigration-rsync-transfer:6443`
        #[arg(long, value_name = "ADDR:PORT[/PROTO]|pod:NS/LABELS:PORT")]
        to: String,
    },
    /// May a pod receive a connection? `--from ADDR` or `--from ns=NS[,pod=k=v,...]`
    Ingress {
        #[command(flatten)]
        pod: PodArgs,
        /// An IP or CIDR, or pods: `ns=openshift-ingress` or `ns=app1,pod=app=web`; `,host-network` for a pod on the host network (a `HostNetwork` router), which no admin policy's rule matches
        #[arg(long, value_name = "ADDR|ns=NS[,pod=k=v]")]
        from: String,
        /// The destination port on the pod (after any Service or router translation)
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        #[arg(long, default_value = "TCP")]
        protocol: String,
    },
}

#[derive(clap::Args, Debug)]
pub struct PodArgs {
    /// The probed pod's namespace
    #[arg(long, value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub namespace: String,
    /// The probed pod's labels: `k=v,k2=v2`
    #[arg(long, value_delimiter = ',', value_name = "k=v,..")]
    pub labels: Vec<String>,
    /// Named container ports of the probed pod (for named ports in policies): `stunnel=6443[/TCP]`
    #[arg(long = "container-port", value_name = "NAME=PORT[/PROTO]")]
    pub container_ports: Vec<String>,
    /// The cluster (from .dvmlint.yaml); default: the one migrating the namespace
    #[arg(long)]
    pub cluster: Option<String>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: ProbeFormat,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The repository (default ".")
    pub paths: Vec<PathBuf>,
}

/// The other end of the probed connection.
#[derive(Clone, Debug)]
pub enum Remote {
    Addresses(IpSet),
    Pod(Pod),
    /// A pod on its node's host network (a `HostNetwork` router):
    /// NetworkPolicies see it as a pod of its namespace, admin policies'
    /// rules never match it (`ns=openshift-ingress,host-network`).
    HostNetworkPod(Pod),
}

/// One probe question.
#[derive(Clone, Debug)]
pub struct Query {
    pub direction: PolicyType,
    pub cluster: Option<String>,
    pub pod: Pod,
    pub remote: Remote,
    /// How the user wrote the remote end.
    pub remote_text: String,
    pub ports: PortRange,
    pub protocol: Protocol,
}

#[derive(Clone, Debug, Serialize)]
pub struct Place {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct PolicyOut {
    pub policy: String,
    #[serde(flatten)]
    pub place: Option<Place>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleOut {
    pub policy: String,
    /// `egress[0]`, `ingress[1] from[0]`.
    pub rule: String,
    /// What of the question it allows (external addresses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allows: Option<String>,
    #[serde(flatten)]
    pub place: Option<Place>,
}

/// The answer, in the shape `--format json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Answer {
    pub direction: &'static str,
    pub cluster: String,
    pub namespace: String,
    pub labels: Vec<String>,
    pub remote: String,
    pub ports: String,
    pub protocol: String,
    pub allowed: bool,
    pub isolated: bool,
    /// The policies selecting the pod with this direction, in file order.
    pub isolating: Vec<PolicyOut>,
    /// The rules that allow (part of) it.
    pub allowed_by: Vec<RuleOut>,
    /// The parts of the question no rule allows.
    pub denied: Vec<String>,
    /// Parts of the deciding policies that were skipped as invalid.
    pub notes: Vec<String>,
    /// Which layer decided: `NetworkPolicy`, `EgressFirewall` (both when both
    /// deny), or `none` (nothing denies it).
    pub decided_by: String,
    /// The egress firewalls of the namespace that deny part of it (egress to
    /// addresses only: pod-to-pod traffic does not leave the cluster).
    pub firewall_denials: Vec<FirewallOut>,
    /// The AdminNetworkPolicy / BaselineAdminNetworkPolicy rules that decided
    /// (part of) it, in evaluation order.
    pub admin_rules: Vec<AdminOut>,
}

/// An admin rule that decided part of the probed traffic.
#[derive(Clone, Debug, Serialize)]
pub struct AdminOut {
    /// `AdminNetworkPolicy` or `BaselineAdminNetworkPolicy`.
    pub kind: &'static str,
    /// `AdminNetworkPolicy `x` (priority 20) egress[1] `name``.
    pub rule: String,
    /// `Allow`, `Deny` or `Pass`.
    pub action: String,
    /// What of the question it decided (external addresses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(flatten)]
    pub place: Option<Place>,
}

/// A firewall rule that denies part of the probed traffic.
#[derive(Clone, Debug, Serialize)]
pub struct FirewallOut {
    /// `EgressFirewall `default` in namespace `app1``.
    pub firewall: String,
    /// `egress[1]`.
    pub rule: String,
    /// What of the question it denies.
    pub denies: String,
    #[serde(flatten)]
    pub place: Option<Place>,
}

pub fn run(args: ProbeArgs) -> i32 {
    let (pod_args, query) = match parse(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("dvmlint: error: {message}");
            return 2;
        }
    };
    let project = match load_project(&pod_args.paths, pod_args.config.as_deref()) {
        Ok(project) => project,
        Err(message) => {
            eprintln!("dvmlint: error: {message}");
            return 2;
        }
    };
    let answer = match answer(&project, &query) {
        Ok(answer) => answer,
        Err(message) => {
            eprintln!("dvmlint: error: {message}");
            return 2;
        }
    };
    match pod_args.format {
        ProbeFormat::Json => match serde_json::to_string_pretty(&answer) {
            Ok(text) => println!("{text}"),
            Err(err) => {
                eprintln!("dvmlint: error: {err}");
                return 2;
            }
        },
        ProbeFormat::Human => print!("{}", human(&answer)),
    }
    i32::from(!answer.allowed)
}

fn parse(args: ProbeArgs) -> Result<(PodArgs, Query), String> {
    let (pod_args, direction, remote, remote_text, ports, protocol) = match args.direction {
        ProbeDirection::Egress { pod, to } => {
            let (remote, ports, protocol) = match to.strip_prefix("pod:") {
                Some(rest) => {
                    let (remote, port, protocol) = parse_pod_target(rest)?;
                    (Remote::Pod(remote), PortRange::single(port), protocol)
                }
                None => {
                    let (addresses, ports, protocol) = parse_target(&to)?;
                    (Remote::Addresses(addresses), ports, protocol)
                }
            };
            let address = to
                .rsplit_once(':')
                .map_or(to.as_str(), |(a, _)| a)
                .to_owned();
            (pod, PolicyType::Egress, remote, address, ports, protocol)
        }
        ProbeDirection::Ingress {
            pod,
            from,
            port,
            protocol,
        } => {
            let protocol = protocol
                .to_ascii_uppercase()
                .parse::<Protocol>()
                .map_err(|e| format!("--protocol: {e}"))?;
            (
                pod,
                PolicyType::Ingress,
                parse_source(&from)?,
                from,
                PortRange::single(port),
                protocol,
            )
        }
    };
    let labels = parse_labels(pod_args.labels.iter().map(String::as_str), "--labels")?;
    let mut container_ports = Vec::new();
    for spec in &pod_args.container_ports {
        let (name, rest) = spec
            .split_once('=')
            .ok_or_else(|| format!("--container-port `{spec}`: expected NAME=PORT[/PROTO]"))?;
        let (port, proto) = rest.split_once('/').unwrap_or((rest, "TCP"));
        container_ports.push(ContainerPort::named(
            name,
            port.parse()
                .map_err(|_| format!("--container-port `{spec}`: `{port}` is not a port"))?,
            proto
                .to_ascii_uppercase()
                .parse()
                .map_err(|e| format!("--container-port `{spec}`: {e}"))?,
        ));
    }
    let query = Query {
        direction,
        cluster: pod_args.cluster.clone(),
        pod: Pod {
            namespace: pod_args.namespace.clone(),
            labels: labels.into(),
            ports: container_ports,
        },
        remote,
        remote_text,
        ports,
        protocol,
    };
    Ok((pod_args, query))
}

fn parse_labels<'a>(parts: impl Iterator<Item = &'a str>, what: &str) -> Result<Labels, String> {
    let mut labels = Labels::new();
    for part in parts.map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .filter(|(k, _)| !k.trim().is_empty())
            .ok_or_else(|| format!("{what}: `{part}` is not k=v (a label needs a key)"))?;
        labels.insert(k.to_owned(), LabelValue::from(v));
    }
    Ok(labels)
}

fn parse_addresses(text: &str) -> Result<IpSet, String> {
    let text = text.trim_start_matches('[').trim_end_matches(']');
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(IpSet::from_net(net));
    }
    text.parse::<std::net::IpAddr>()
        .map(IpSet::from_addr)
        .map_err(|_| format!("`{text}` is not an IP address or CIDR (host names are not resolved)"))
}

/// A `--to` target's `/PROTO` suffix (TCP without one): the rest and the
/// protocol. A suffix that is not letters (a CIDR's `/24`) is no protocol.
fn split_protocol(text: &str) -> Result<(&str, Protocol), String> {
    match text.rsplit_once('/') {
        Some((rest, proto))
            if !proto.is_empty() && proto.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            let protocol = proto
                .to_ascii_uppercase()
                .parse::<Protocol>()
                .map_err(|e| format!("--to: {e}"))?;
            Ok((rest, protocol))
        }
        _ => Ok((text, Protocol::Tcp)),
    }
}

/// `ADDR:PORT[/PROTO]`, where ADDR is an IP, `[IPv6]` or a CIDR and PORT a
/// number or `N-M`.
pub fn parse_target(text: &str) -> Result<(IpSet, PortRange, Protocol), String> {
    let (rest, protocol) = split_protocol(text)?;
    let (addr, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| format!("--to `{text}`: expected ADDR:PORT[/PROTO]"))?;
    let (start, end) = port.split_once('-').unwrap_or((port, port));
    let bad = || format!("--to `{text}`: `{port}` is not a port or range");
    let number = |text: &str| text.parse::<u16>().ok().filter(|n| *n > 0).ok_or_else(bad);
    let ports = PortRange::new(number(start)?, number(end)?).ok_or_else(bad)?;
    Ok((
        parse_addresses(addr).map_err(|e| format!("--to: {e}"))?,
        ports,
        protocol,
    ))
}

/// `NS/k=v,k2=v2:PORT[/PROTO]` (after `pod:`): a pod of the probed cluster.
pub fn parse_pod_target(text: &str) -> Result<(Pod, u16, Protocol), String> {
    let bad = || format!("--to `pod:{text}`: expected pod:NAMESPACE/k=v,..:PORT[/PROTO]");
    let (rest, protocol) = split_protocol(text)?;
    let (selector, port) = rest.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let (namespace, labels) = selector.split_once('/').unwrap_or((selector, ""));
    if namespace.is_empty() {
        return Err(bad());
    }
    let labels = parse_labels(labels.split(','), "--to")?;
    Ok((Pod::new(namespace, labels), port, protocol))
}

/// `ADDR` or `ns=NS[,pod=k=v][,k2=v2][,host-network]`.
pub fn parse_source(text: &str) -> Result<Remote, String> {
    let Some(rest) = text.strip_prefix("ns=") else {
        return parse_addresses(text)
            .map(Remote::Addresses)
            .map_err(|e| format!("--from: {e}"));
    };
    let mut parts = rest.split(',');
    let namespace = parts.next().unwrap_or_default();
    let mut host_network = false;
    let labels = parse_labels(
        parts
            .filter(|p| {
                let flag = *p == "host-network";
                host_network |= flag;
                !flag
            })
            .map(|p| p.strip_prefix("pod=").unwrap_or(p)),
        "--from",
    )?;
    let pod = Pod::new(namespace, labels);
    Ok(if host_network {
        Remote::HostNetworkPod(pod)
    } else {
        Remote::Pod(pod)
    })
}

/// The model of the whole project holding `paths` (no rule runs).
pub fn load_project(paths: &[PathBuf], config: Option<&Path>) -> Result<Project, String> {
    let options = LintOptions {
        paths: paths.to_vec(),
        config_file: config.map(Path::to_path_buf),
        ..LintOptions::default()
    };
    lint::load_model(&options).map_err(|err| err.to_string())
}

/// Answers `query` against the project's policies.
pub fn answer(project: &Project, query: &Query) -> Result<Answer, String> {
    let plain = project.network();
    let cluster = match &query.cluster {
        Some(name) => project
            .clusters
            .iter()
            .position(|c| c.name.as_ref() == name)
            .ok_or_else(|| format!("--cluster: no cluster named `{name}` in the configuration"))?,
        // The side of the migration the question is about: egress from a
        // source namespace, ingress to a target namespace.
        None => project
            .migration()
            .pairs
            .iter()
            .find_map(|p| {
                let side = match query.direction {
                    PolicyType::Egress => &p.source,
                    PolicyType::Ingress => &p.target,
                };
                (side.namespace == query.pod.namespace).then_some(side.cluster)
            })
            .or_else(|| {
                plain
                    .in_scope
                    .iter()
                    .position(|s| s.contains(&query.pod.namespace))
            })
            .unwrap_or(0),
    };
    let model = NetworkModel::build_with(project, &[(cluster, query.pod.namespace.clone())]);
    let policies = model
        .cluster(cluster)
        .ok_or_else(|| "the repository has no cluster".to_owned())?;
    let set = &policies.set;
    let mut admin_rules: Vec<(AdminMatch, Option<String>)> = Vec::new();
    let mut may_match: Vec<AdminRuleRef> = Vec::new();
    let mut layers: Vec<Layer> = Vec::new();
    let (allowed, isolating, rules, denied) = match &query.remote {
        Remote::Pod(remote) | Remote::HostNetworkPod(remote) => {
            let host_network = matches!(query.remote, Remote::HostNetworkPod(_));
            let verdict = match query.direction {
                PolicyType::Egress => {
                    set.egress_to_pod(&query.pod, remote, query.ports.start(), query.protocol)
                }
                PolicyType::Ingress if host_network => set.ingress_from_host_network(
                    &query.pod,
                    remote,
                    query.ports.start(),
                    query.protocol,
                ),
                PolicyType::Ingress => {
                    set.ingress_from_pod(&query.pod, remote, query.ports.start(), query.protocol)
                }
            };
            admin_rules.extend(verdict.admin.admin.iter().cloned().map(|m| (m, None)));
            admin_rules.extend(verdict.admin.baseline.iter().cloned().map(|m| (m, None)));
            may_match.extend(verdict.admin.may_match.iter().cloned());
            if !verdict.allowed {
                layers.push(verdict.admin.layer);
            }
            let rules: Vec<(RuleRef, Option<String>)> =
                verdict.allowed_by.into_iter().map(|r| (r, None)).collect();
            (verdict.allowed, verdict.isolating, rules, Vec::new())
        }
        Remote::Addresses(addresses) => {
            let verdict = match query.direction {
                PolicyType::Egress => {
                    set.egress_to_external(&query.pod, addresses, query.ports, query.protocol)
                }
                PolicyType::Ingress => {
                    set.ingress_from_external(&query.pod, addresses, query.ports, query.protocol)
                }
            };
            let rules = verdict
                .grants
                .iter()
                .map(|g| (g.rule.clone(), Some(g.region.to_string())))
                .collect();
            let denied = verdict.denied.iter().map(|r| r.to_string()).collect();
            for grant in &verdict.admin {
                if grant.decision.action == Action::Deny {
                    layers.push(match grant.decision.tier {
                        AdminTier::Admin => Layer::AdminNetworkPolicy,
                        AdminTier::Baseline => Layer::BaselineAdminNetworkPolicy,
                    });
                }
                admin_rules.push((grant.decision.clone(), Some(grant.region.to_string())));
            }
            if !verdict.policy_denied.is_empty() {
                layers.push(Layer::NetworkPolicy);
            }
            may_match.extend(verdict.may_match.iter().cloned());
            (verdict.allowed, verdict.isolating, rules, denied)
        }
    };
    let mut notes = Vec::new();
    let mut firewall_denials = Vec::new();
    if let (PolicyType::Egress, Remote::Pod(_) | Remote::HostNetworkPod(_)) =
        (query.direction, &query.remote)
        && !project
            .firewalls()
            .applying(cluster, &query.pod.namespace)
            .is_empty()
    {
        notes.push(
            "the namespace's egress firewalls filter only traffic leaving the cluster: they do not apply to a pod of the same cluster".to_owned(),
        );
    }
    if let (PolicyType::Egress, Remote::Addresses(addresses)) = (query.direction, &query.remote) {
        let firewalls = project.firewalls();
        for fw in firewalls.applying(cluster, &query.pod.namespace) {
            let Some(firewall) = firewalls.items.get(fw) else {
                continue;
            };
            let verdict = firewall
                .eval
                .evaluate(addresses, query.ports, query.protocol);
            for decision in verdict.denials() {
                let Some((index, rule)) = firewall.rule(decision.rule) else {
                    continue;
                };
                let location = firewall.location(rule.location());
                firewall_denials.push(FirewallOut {
                    firewall: firewall.describe(),
                    rule: format!("egress[{index}]"),
                    denies: decision.region.to_string(),
                    place: Some(place(
                        &location.file,
                        location.span.start.line,
                        location.span.start.col,
                    )),
                });
                for maybe in verdict.may_match.iter().filter(|m| m.rule < decision.rule) {
                    if let Some((i, _)) = firewall.rule(maybe.rule) {
                        notes.push(format!(
                            "{}: egress[{i}] targets a `dnsName` or nodes whose addresses are unknown; it is not counted as allowing",
                            firewall.describe()
                        ));
                    }
                }
            }
        }
    }
    for &p in &isolating {
        if let (Some(view), Some(object)) = (policies.view(p), policies.object(project, p)) {
            for note in &view.notes {
                notes.push(format!(
                    "{}:{}:{}: {}",
                    object.object.file, note.span.start.line, note.span.start.col, note.message
                ));
            }
        }
    }
    for m in &may_match {
        let at = policies
            .admin_rule_location(project, m)
            .map(|l| format!("{}:{}:{}: ", l.file, l.span.start.line, l.span.start.col))
            .unwrap_or_default();
        notes.push(format!(
            "{at}{} selects nodes, domain names or addresses the repository does not give: it is taken as not matching",
            policies.describe_admin_rule(m)
        ));
    }
    for (object, view) in &policies.admin_rejected {
        if let (Some(why), Some(object)) = (&view.rejected, project.objects.get(*object)) {
            notes.push(format!(
                "{}:{}:{}: {} `{}` is not applied: {}",
                object.object.file,
                why.span.start.line,
                why.span.start.col,
                view.policy.tier.kind(),
                view.name.value,
                why.message
            ));
        }
    }
    for (m, _) in &admin_rules {
        for other in policies.same_priority(m.rule.policy) {
            if let (Some(a), Some(b)) =
                (set.admin().policy(m.rule.policy), set.admin().policy(other))
            {
                notes.push(format!(
                    "AdminNetworkPolicies `{}` and `{}` share priority {}: OVN-Kubernetes applies them in no defined order (file order is assumed here)",
                    a.name, b.name, a.priority
                ));
            }
        }
    }
    notes.sort();
    notes.dedup();
    layers.sort();
    layers.dedup();
    let mut deciding: Vec<String> = layers.iter().map(ToString::to_string).collect();
    if !firewall_denials.is_empty() {
        deciding.push("EgressFirewall".to_owned());
    }
    let decided_by = if deciding.is_empty() {
        "none".to_owned()
    } else {
        deciding.join(" and ")
    };
    let allowed = allowed && firewall_denials.is_empty();
    Ok(Answer {
        direction: match query.direction {
            PolicyType::Egress => "egress",
            PolicyType::Ingress => "ingress",
        },
        cluster: project
            .cluster_name(Some(cluster))
            .map_or_else(String::new, |c| c.to_string()),
        namespace: query.pod.namespace.clone(),
        labels: query
            .pod
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        remote: query.remote_text.clone(),
        ports: query.ports.to_string(),
        protocol: query.protocol.to_string(),
        allowed,
        isolated: !isolating.is_empty(),
        isolating: isolating
            .iter()
            .map(|&p| PolicyOut {
                policy: set.policy_name(p),
                place: policies
                    .selector_location(project, p)
                    .map(|l| place(&l.file, l.span.start.line, l.span.start.col)),
            })
            .collect(),
        allowed_by: rules
            .iter()
            .map(|(r, allows)| rule_out(project, policies, r, allows.clone()))
            .collect(),
        denied,
        notes,
        decided_by,
        firewall_denials,
        admin_rules: admin_rules
            .iter()
            .map(|(m, region)| AdminOut {
                kind: m.tier.kind(),
                rule: policies.describe_admin_rule(&m.rule),
                action: m.action.to_string(),
                region: region.clone(),
                place: policies
                    .admin_rule_location(project, &m.rule)
                    .map(|l| place(&l.file, l.span.start.line, l.span.start.col)),
            })
            .collect(),
    })
}

fn place(file: &str, line: u32, column: u32) -> Place {
    Place {
        file: file.to_owned(),
        line,
        column,
    }
}

fn rule_out(
    project: &Project,
    policies: &ClusterPolicies,
    rule: &RuleRef,
    allows: Option<String>,
) -> RuleOut {
    let full = policies.describe_rule(rule);
    let policy = policies.set.policy_name(rule.policy);
    RuleOut {
        rule: full
            .strip_prefix(policy.as_str())
            .unwrap_or(&full)
            .trim()
            .to_owned(),
        policy,
        allows,
        place: policies
            .rule_location(project, rule)
            .map(|l| place(&l.file, l.span.start.line, l.span.start.col)),
    }
}

fn at(place: &Option<Place>) -> String {
    place
        .as_ref()
        .map(|p| format!("  ({}:{}:{})", p.file, p.line, p.column))
        .unwrap_or_default()
}

/// The human form: a verdict line, then the deciding policies and rules.
pub fn human(a: &Answer) -> String {
    let mut out = format!(
        "{} {} namespace `{}` pod {{{}}} {} {} port {}/{} on cluster `{}`: {}\n",
        a.direction,
        if a.direction == "egress" {
            "from"
        } else {
            "to"
        },
        a.namespace,
        a.labels.join(","),
        if a.direction == "egress" {
            "to"
        } else {
            "from"
        },
        a.remote,
        a.ports,
        a.protocol,
        a.cluster,
        if a.allowed { "ALLOWED" } else { "DENIED" }
    );
    out.push_str(&format!("  decided by: {}\n", a.decided_by));
    for f in &a.firewall_denials {
        out.push_str(&format!(
            "  denied by {} rule {}: {}{}\n",
            f.firewall,
            f.rule,
            f.denies,
            at(&f.place)
        ));
    }
    for r in &a.admin_rules {
        let verb = match r.action.as_str() {
            "Allow" => "allowed by",
            "Deny" => "denied by",
            _ => "passed to NetworkPolicies by",
        };
        let region = r
            .region
            .as_ref()
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        out.push_str(&format!("  {verb} {}{region}{}\n", r.rule, at(&r.place)));
    }
    if !a.isolated {
        out.push_str(&format!(
            "  not isolated for {} by NetworkPolicies: no policy selecting the pod has type {}\n",
            a.direction,
            if a.direction == "egress" {
                "Egress"
            } else {
                "Ingress"
            }
        ));
        for n in &a.notes {
            out.push_str(&format!("  note: {n}\n"));
        }
        return out;
    }
    out.push_str(&format!("  isolated for {} by:\n", a.direction));
    for p in &a.isolating {
        out.push_str(&format!("    {}{}\n", p.policy, at(&p.place)));
    }
    if a.allowed_by.is_empty() && !a.admin_rules.is_empty() {
        out.push_str("  no NetworkPolicy rule allows it (what the admin rules above decide never reaches them)\n");
    } else if a.allowed_by.is_empty() {
        out.push_str("  no rule allows it\n");
    } else {
        out.push_str("  allowed by:\n");
        for r in &a.allowed_by {
            let allows = r
                .allows
                .as_ref()
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "    {} {}{allows}{}\n",
                r.policy,
                r.rule,
                at(&r.place)
            ));
        }
    }
    for d in &a.denied {
        out.push_str(&format!("  denied: {d}\n"));
    }
    for n in &a.notes {
        out.push_str(&format!("  note: {n}\n"));
    }
    out
}

/// One question the network and egress rules ask of the model, as a probe
/// query: what `check` reports blocked must be what probe answers DENIED.
#[derive(Clone, Debug)]
pub struct DvmQuestion {
    /// `egress` (DVM101, DVM110 on the source side) or `ingress` (DVM102).
    pub direction: PolicyType,
    pub cluster: String,
    pub namespace: String,
    pub query: Query,
}

/// The rsync pods' questions for every migrated pair: each client pod's
/// egress to the DVM destination (its addresses; when unknown, the target's
/// `cidrs` unless through a proxy, else every IPv4 address), and each server
/// pod's ingress from where DVM traffic arrives (the router for a Route, the
/// client pods for a ClusterIP Service on one cluster, else the source's
/// `cidrs` or every IPv4 address).
pub fn dvm_questions(project: &Project) -> Vec<DvmQuestion> {
    use crate::model::destination::{DvmDestination, Endpoint, endpoint_type};
    use crate::model::rsync_pods;
    let migration = project.migration();
    let layout = project.network().layout;
    let name = |c: usize| {
        project
            .cluster_name(Some(c))
            .map_or_else(String::new, ToString::to_string)
    };
    let cidrs = |c: usize| {
        project
            .clusters
            .get(c)
            .and_then(|cl| cl.config)
            .and_then(|i| project.config.clusters.get(i))
            .map(|cl| IpSet::from_nets(cl.cidrs.iter().copied()))
            .unwrap_or_default()
    };
    let anywhere = || IpSet::from_net(IpNet::V4(ipnet::Ipv4Net::default()));
    let mut out = Vec::new();
    for pair in &migration.pairs {
        let dest = DvmDestination::of(project, migration, pair);
        let same_cluster = pair.source.cluster == pair.target.cluster;
        let servers = rsync_pods::server_pods(layout, &pair.target.namespace, pair.block);
        let server_port = layout.server_port();
        for client in rsync_pods::client_pods(layout, &pair.source.namespace, pair.block) {
            let (remote, text, ports) = if dest.endpoint == Endpoint::ClusterIP && same_cluster {
                let Some(server) = servers.first() else {
                    continue;
                };
                (
                    Remote::Pod(server.pod.clone()),
                    format!("pod:{}", pair.target.namespace),
                    PortRange::single(server_port),
                )
            } else {
                let through_proxy = matches!(dest.endpoint, Endpoint::Proxy { .. });
                let addresses = dest
                    .addresses
                    .clone()
                    .or_else(|| {
                        let peer = cidrs(pair.target.cluster);
                        (!through_proxy && !peer.is_empty()).then_some(peer)
                    })
                    .unwrap_or_else(anywhere);
                let text = addresses.to_string();
                (Remote::Addresses(addresses), text, dest.ports)
            };
            out.push(DvmQuestion {
                direction: PolicyType::Egress,
                cluster: name(pair.source.cluster),
                namespace: pair.source.namespace.clone(),
                query: Query {
                    direction: PolicyType::Egress,
                    cluster: Some(name(pair.source.cluster)),
                    pod: client.pod.clone(),
                    remote,
                    remote_text: text,
                    ports,
                    protocol: Protocol::Tcp,
                },
            });
        }
        let endpoint = endpoint_type(project, migration, pair.target.cluster);
        let clients = rsync_pods::client_pods(layout, &pair.source.namespace, pair.block);
        // A router on the host network is no admin policy's peer; unknown,
        // both are asked (DVM102 warns of the host network's answer).
        let router_network =
            crate::model::router::router(project, pair.target.cluster).map(|r| r.network);
        let mut routers = Vec::new();
        if router_network != Some(crate::config::RouterNetwork::Host) {
            routers.push((
                Remote::Pod(rsync_pods::router_pod()),
                format!("ns={}", rsync_pods::ROUTER_NAMESPACE),
            ));
        }
        if router_network != Some(crate::config::RouterNetwork::Pod) {
            routers.push((
                Remote::HostNetworkPod(rsync_pods::router_pod()),
                format!("ns={},host-network", rsync_pods::ROUTER_NAMESPACE),
            ));
        }
        for server in &servers {
            let remotes = match endpoint {
                Endpoint::ClusterIP if same_cluster => match clients.first() {
                    Some(client) => vec![(
                        Remote::Pod(client.pod.clone()),
                        format!("ns={}", pair.source.namespace),
                    )],
                    None => continue,
                },
                Endpoint::NodePort | Endpoint::ClusterIP => {
                    let peer = cidrs(pair.source.cluster);
                    let addresses = if peer.is_empty() { anywhere() } else { peer };
                    let text = addresses.to_string();
                    vec![(Remote::Addresses(addresses), text)]
                }
                Endpoint::Route | Endpoint::Proxy { .. } => routers.clone(),
            };
            for (remote, text) in remotes {
                out.push(DvmQuestion {
                    direction: PolicyType::Ingress,
                    cluster: name(pair.target.cluster),
                    namespace: pair.target.namespace.clone(),
                    query: Query {
                        direction: PolicyType::Ingress,
                        cluster: Some(name(pair.target.cluster)),
                        pod: server.pod.clone(),
                        remote,
                        remote_text: text,
                        ports: PortRange::single(server_port),
                        protocol: Protocol::Tcp,
                    },
                });
            }
        }
    }
    out
}
