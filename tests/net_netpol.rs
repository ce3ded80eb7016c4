//! NetworkPolicy evaluator: a table of cases that reads like docs/domain.md §7,
//! plus tests of the explanation data (policy/rule indices, denied regions).
//!
//! Policies are written as JSON shaped like the Kubernetes objects and
//! converted by a small test-only reader, so each case shows the manifest it
//! is about.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test-only fixture helpers

use dvmlint::net::IpSet;
use dvmlint::net::netpol::{ExternalVerdict, Peer, Pod, Policy, PolicySet, PolicyType, Rule};
use dvmlint::net::ports::{ContainerPort, PortRange, PortRef, PortSpec, Protocol};
use dvmlint::net::selector::{LabelSelector, LabelValue, Labels, Operator, Requirement, labels};
use serde_json::{Value, json};

// ---------- test-only JSON reader ----------

fn selector(v: &Value) -> LabelSelector {
    let mut s = LabelSelector::everything();
    if let Some(m) = v.get("matchLabels").and_then(Value::as_object) {
        for (k, val) in m {
            s.match_labels
                .insert(k.clone(), val.as_str().unwrap().to_string());
        }
    }
    for e in v
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let values: Vec<String> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        let op: Operator = e["operator"].as_str().unwrap().parse().unwrap();
        s.match_expressions
            .push(Requirement::new(e["key"].as_str().unwrap(), op, values));
    }
    s
}

fn peer(v: &Value) -> Peer {
    if let Some(b) = v.get("ipBlock") {
        let except = b
            .get("except")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|x| x.as_str().unwrap().parse().unwrap())
            .collect();
        return Peer::ip_block(b["cidr"].as_str().unwrap().parse().unwrap(), except);
    }
    Peer::Pods {
        pod_selector: v.get("podSelector").map(selector),
        namespace_selector: v.get("namespaceSelector").map(selector),
    }
}

fn port_spec(v: &Value) -> PortSpec {
    PortSpec {
        protocol: v
            .get("protocol")
            .map(|p| p.as_str().unwrap().parse().unwrap())
            .unwrap_or_default(),
        port: v.get("port").map(|p| match p {
            Value::String(s) => PortRef::Name(s.clone()),
            n => PortRef::Number(n.as_u64().unwrap() as u16),
        }),
        end_port: v.get("endPort").map(|p| p.as_u64().unwrap() as u16),
    }
}

fn rules(v: Option<&Value>, peer_key: &str) -> Vec<Rule> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| Rule {
            peers: r
                .get(peer_key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(peer)
                .collect(),
            ports: r
                .get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(port_spec)
                .collect(),
        })
        .collect()
}

/// `{"ns": .., "name": .., podSelector, policyTypes, ingress, egress}`
/// (a flattened NetworkPolicy: metadata and spec fields side by side).
fn policy(v: &Value) -> Policy {
    Policy {
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("p")
            .to_string(),
        namespace: v
            .get("ns")
            .and_then(Value::as_str)
            .unwrap_or("src")
            .to_string(),
        pod_selector: v.get("podSelector").map(selector).unwrap_or_default(),
        policy_types: v.get("policyTypes").map(|t| {
            t.as_array()
                .unwrap()
                .iter()
                .map(|x| match x.as_str().unwrap() {
                    "Ingress" => PolicyType::Ingress,
                    "Egress" => PolicyType::Egress,
                    other => panic!("bad policy type {other}"),
                })
                .collect()
        }),
        ingress: rules(v.get("ingress"), "from").into(),
        egress: rules(v.get("egress"), "to").into(),
    }
}

// ---------- fixtures ----------

fn namespaces() -> Vec<(String, Labels)> {
    vec![
        ("src".into(), labels([("team", "a")])),
        ("dst".into(), labels([("team", "b")])),
        ("openshift-dns".into(), Labels::new()),
        (
            "openshift-ingress".into(),
            labels([("policy-group.network.openshift.io/ingress", "")]),
        ),
        ("other".into(), Labels::new()),
    ]
}

fn pod(name: &str) -> Pod {
    match name {
        // A client with a generated label value.
        "client" => {
            let mut l = labels([("app", "rsync"), ("owner", "dvm")]);
            l.insert("uid".into(), LabelValue::Opaque);
            Pod::new("src", l)
        }
        "web" => Pod::new("src", labels([("app", "web")])),
        "server" => Pod {
            namespace: "dst".into(),
            labels: labels([("app", "server"), ("purpose", "rsync")]).into(),
            ports: vec![
                ContainerPort::named("stunnel", 6443, Protocol::Tcp),
                ContainerPort::named("rsyncd", 2222, Protocol::Tcp),
            ],
        },
        "dns" => Pod {
            namespace: "openshift-dns".into(),
            labels: labels([("dns", "default")]).into(),
            ports: vec![
                ContainerPort::named("dns", 5353, Protocol::Udp),
                ContainerPort::named("dns-tcp", 5353, Protocol::Tcp),
            ],
        },
        "router" => Pod::new("openshift-ingress", labels([("router", "default")])),
        "stranger" => Pod::new("other", labels([("app", "rsync")])),
        "ghost" => Pod::new("unlisted", labels([("app", "ghost")])),
        other => panic!("no pod {other}"),
    }
}

enum Q {
    /// Egress from pod to pod on port/protocol.
    E(&'static str, &'static str, u16, Protocol),
    /// Ingress to pod from pod on port/protocol.
    I(&'static str, &'static str, u16, Protocol),
    /// Egress from pod to external addresses on a port range.
    EX(&'static str, &'static str, u16, u16, Protocol),
    /// Ingress to pod from external addresses on a port.
    IX(&'static str, &'static str, u16, Protocol),
}

use Protocol::{Tcp as TCP, Udp as UDP};
use Q::*;

struct Case {
    name: &'static str,
    policies: Vec<Value>,
    query: Q,
    allowed: bool,
}

fn case(name: &'static str, policies: Vec<Value>, query: Q, allowed: bool) -> Case {
    Case {
        name,
        policies,
        query,
        allowed,
    }
}

fn set_of(policies: &[Value]) -> PolicySet {
    PolicySet::new(policies.iter().map(policy).collect(), namespaces())
}

fn run(c: &Case) -> bool {
    let set = set_of(&c.policies);
    match c.query {
        E(a, b, port, proto) => set.egress_to_pod(&pod(a), &pod(b), port, proto).allowed,
        I(a, b, port, proto) => set.ingress_from_pod(&pod(a), &pod(b), port, proto).allowed,
        EX(a, dest, lo, hi, proto) => {
            let dest: IpSet = dest.parse().unwrap();
            let range = PortRange::new(lo, hi).unwrap();
            set.egress_to_external(&pod(a), &dest, range, proto).allowed
        }
        IX(a, src, port, proto) => {
            let src: IpSet = src.parse().unwrap();
            set.ingress_from_external(&pod(a), &src, PortRange::single(port), proto)
                .allowed
        }
    }
}

fn deny_egress(ns: &str) -> Value {
    json!({"ns": ns, "name": "deny-egress", "policyTypes": ["Egress"]})
}

fn egress_to(peers: Value) -> Value {
    json!({"policyTypes": ["Egress"], "egress": [{"to": peers}]})
}

fn egress_ports(ports: Value) -> Value {
    json!({"policyTypes": ["Egress"], "egress": [{"ports": ports}]})
}

fn ingress_server(rule: Value) -> Value {
    json!({"ns": "dst", "podSelector": {"matchLabels": {"app": "server"}}, "ingress": [rule]})
}

fn cases() -> Vec<Case> {
    let ns_b = json!({"namespaceSelector": {"matchLabels": {"team": "b"}}});
    vec![
        // --- isolation and policyTypes defaulting ---
        case(
            "no policy: everything allowed",
            vec![],
            E("client", "server", 6443, TCP),
            true,
        ),
        case(
            "no policy: external allowed",
            vec![],
            EX("client", "8.8.8.8", 443, 443, TCP),
            true,
        ),
        case(
            "ingress-only default does not isolate egress",
            vec![json!({"ingress": []})],
            E("client", "server", 6443, TCP),
            true,
        ),
        case(
            "omitted policyTypes and ingress: deny all ingress",
            vec![json!({})],
            I("client", "web", 80, TCP),
            false,
        ),
        case(
            "egress: [] without policyTypes does not isolate egress",
            vec![json!({"egress": []})],
            EX("client", "8.8.8.8", 443, 443, TCP),
            true,
        ),
        case(
            "policyTypes [Egress] without rules denies egress",
            vec![deny_egress("src")],
            EX("client", "8.8.8.8", 443, 443, TCP),
            false,
        ),
        case(
            "policyTypes [Egress] without rules denies pod egress",
            vec![deny_egress("src")],
            E("client", "web", 80, TCP),
            false,
        ),
        case(
            "policyTypes [Egress] leaves ingress open",
            vec![deny_egress("src")],
            I("client", "web", 80, TCP),
            true,
        ),
        case(
            "egress: [{}] allows all egress",
            vec![json!({"egress": [{}]})],
            EX("client", "8.8.8.8", 1, 65535, UDP),
            true,
        ),
        case(
            "egress: [{}] without policyTypes still isolates ingress",
            vec![json!({"egress": [{}]})],
            I("client", "web", 80, TCP),
            false,
        ),
        case(
            "ingress: [{}] allows all ingress",
            vec![json!({"policyTypes": ["Ingress", "Egress"], "ingress": [{}]})],
            I("client", "router", 9, TCP),
            true,
        ),
        case(
            "both types, egress omitted: egress denied",
            vec![json!({"policyTypes": ["Ingress", "Egress"], "ingress": [{}]})],
            E("client", "web", 80, TCP),
            false,
        ),
        case(
            "policyTypes [] defaults like omitted (egress non-empty isolates)",
            vec![
                json!({"policyTypes": [], "egress": [{"to": [{"ipBlock": {"cidr": "1.2.3.0/24"}}]}]}),
            ],
            EX("client", "8.8.8.8", 443, 443, TCP),
            false,
        ),
        case(
            "egress: [{to: []}] allows all",
            vec![json!({"egress": [{"to": []}]})],
            EX("client", "8.8.8.8", 443, 443, TCP),
            true,
        ),
        case(
            "egress: [{ports: []}] allows all",
            vec![json!({"egress": [{"ports": []}]})],
            E("client", "dns", 5353, UDP),
            true,
        ),
        // --- which pods a policy selects ---
        case(
            "podSelector not matching: not isolated",
            vec![
                json!({"policyTypes": ["Egress"], "podSelector": {"matchLabels": {"app": "web"}}}),
            ],
            E("client", "web", 80, TCP),
            true,
        ),
        case(
            "podSelector matching web isolates web",
            vec![
                json!({"policyTypes": ["Egress"], "podSelector": {"matchLabels": {"app": "web"}}}),
            ],
            E("web", "client", 80, TCP),
            false,
        ),
        case(
            "NotIn selecting nothing of the client",
            vec![
                json!({"policyTypes": ["Egress"], "podSelector": {"matchExpressions": [
                {"key": "app", "operator": "NotIn", "values": ["rsync"]}]}}),
            ],
            E("client", "web", 80, TCP),
            true,
        ),
        case(
            "NotIn selects pods lacking the value",
            vec![
                json!({"policyTypes": ["Egress"], "podSelector": {"matchExpressions": [
                {"key": "app", "operator": "NotIn", "values": ["rsync"]}]}}),
            ],
            E("web", "client", 80, TCP),
            false,
        ),
        case(
            "DoesNotExist skips pods with the key",
            vec![
                json!({"policyTypes": ["Egress"], "podSelector": {"matchExpressions": [
                {"key": "owner", "operator": "DoesNotExist"}]}}),
            ],
            E("client", "web", 80, TCP),
            true,
        ),
        case(
            "DoesNotExist selects pods without the key",
            vec![
                json!({"policyTypes": ["Egress"], "podSelector": {"matchExpressions": [
                {"key": "owner", "operator": "DoesNotExist"}]}}),
            ],
            E("web", "client", 80, TCP),
            false,
        ),
        case(
            "matchLabels on an opaque value selects nothing",
            vec![
                json!({"policyTypes": ["Egress"], "podSelector": {"matchLabels": {"uid": "abc"}}}),
            ],
            E("client", "web", 80, TCP),
            true,
        ),
        case(
            "Exists on an opaque value selects",
            vec![
                json!({"policyTypes": ["Egress"], "podSelector": {"matchExpressions": [
                {"key": "uid", "operator": "Exists"}]}}),
            ],
            E("client", "web", 80, TCP),
            false,
        ),
        case(
            "NotIn on an opaque value selects",
            vec![
                json!({"policyTypes": ["Egress"], "podSelector": {"matchExpressions": [
                {"key": "uid", "operator": "NotIn", "values": ["abc"]}]}}),
            ],
            E("client", "web", 80, TCP),
            false,
        ),
        case(
            "In on an opaque value selects nothing",
            vec![
                json!({"policyTypes": ["Egress"], "podSelector": {"matchExpressions": [
                {"key": "uid", "operator": "In", "values": ["abc"]}]}}),
            ],
            E("client", "web", 80, TCP),
            true,
        ),
        case(
            "policy in another namespace does not apply",
            vec![deny_egress("dst")],
            E("client", "server", 6443, TCP),
            true,
        ),
        case(
            "policy in the pod's namespace applies",
            vec![deny_egress("dst")],
            E("server", "client", 6443, TCP),
            false,
        ),
        // --- peers ---
        case(
            "podSelector-only peer means the policy's namespace",
            vec![egress_to(
                json!([{"podSelector": {"matchLabels": {"app": "server"}}}]),
            )],
            E("client", "server", 6443, TCP),
            false,
        ),
        case(
            "podSelector-only peer matches same-namespace pod",
            vec![egress_to(
                json!([{"podSelector": {"matchLabels": {"app": "web"}}}]),
            )],
            E("client", "web", 80, TCP),
            true,
        ),
        case(
            "podSelector {} peer: own namespace only (same ns)",
            vec![egress_to(json!([{"podSelector": {}}]))],
            E("client", "web", 80, TCP),
            true,
        ),
        case(
            "podSelector {} peer: own namespace only (other ns)",
            vec![egress_to(json!([{"podSelector": {}}]))],
            E("client", "server", 6443, TCP),
            false,
        ),
        case(
            "namespaceSelector peer matches namespace labels",
            vec![egress_to(json!([ns_b.clone()]))],
            E("client", "server", 6443, TCP),
            true,
        ),
        case(
            "namespaceSelector AND podSelector in one peer",
            vec![egress_to(
                json!([{"namespaceSelector": {"matchLabels": {"team": "b"}},
                "podSelector": {"matchLabels": {"app": "nope"}}}]),
            )],
            E("client", "server", 6443, TCP),
            false,
        ),
        case(
            "separate peers are ORed",
            vec![egress_to(
                json!([ns_b.clone(), {"podSelector": {"matchLabels": {"app": "nope"}}}]),
            )],
            E("client", "server", 6443, TCP),
            true,
        ),
        case(
            "namespaceSelector {} with podSelector: all namespaces",
            vec![egress_to(
                json!([{"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "server"}}}]),
            )],
            E("client", "server", 6443, TCP),
            true,
        ),
        case(
            "namespaceSelector {} alone: every pod everywhere",
            vec![egress_to(json!([{"namespaceSelector": {}}]))],
            E("client", "stranger", 1, TCP),
            true,
        ),
        case(
            "automatic kubernetes.io/metadata.name label",
            vec![egress_to(
                json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "dst"}}}]),
            )],
            E("client", "server", 6443, TCP),
            true,
        ),
        case(
            "automatic name label on a namespace not listed",
            vec![egress_to(
                json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "unlisted"}}}]),
            )],
            E("client", "ghost", 80, TCP),
            true,
        ),
        case(
            "namespaceSelector NotIn matches other namespaces",
            vec![egress_to(
                json!([{"namespaceSelector": {"matchExpressions": [
                {"key": "team", "operator": "NotIn", "values": ["a"]}]}}]),
            )],
            E("client", "server", 6443, TCP),
            true,
        ),
        case(
            "namespaceSelector on the wrong team",
            vec![egress_to(
                json!([{"namespaceSelector": {"matchLabels": {"team": "a"}}}]),
            )],
            E("client", "server", 6443, TCP),
            false,
        ),
        case(
            "ipBlock never matches a pod",
            vec![egress_to(json!([{"ipBlock": {"cidr": "0.0.0.0/0"}}]))],
            E("client", "server", 6443, TCP),
            false,
        ),
        case(
            "pod peers never match external addresses",
            vec![egress_to(json!([{"namespaceSelector": {}}]))],
            EX("client", "8.8.8.8", 443, 443, TCP),
            false,
        ),
        // --- ipBlock ---
        case(
            "ipBlock covers the destination",
            vec![egress_to(json!([{"ipBlock": {"cidr": "10.0.0.0/16"}}]))],
            EX("client", "10.0.5.5", 443, 443, TCP),
            true,
        ),
        case(
            "ipBlock except removes the destination",
            vec![egress_to(
                json!([{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.5.0/24"]}}]),
            )],
            EX("client", "10.0.5.5", 443, 443, TCP),
            false,
        ),
        case(
            "ipBlock except leaves other addresses",
            vec![egress_to(
                json!([{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.5.0/24"]}}]),
            )],
            EX("client", "10.0.6.1", 443, 443, TCP),
            true,
        ),
        case(
            "partial coverage is not allowed",
            vec![egress_to(json!([{"ipBlock": {"cidr": "10.0.0.0/17"}}]))],
            EX("client", "10.0.0.0/16", 443, 443, TCP),
            false,
        ),
        case(
            "two ipBlock peers cover together",
            vec![egress_to(
                json!([{"ipBlock": {"cidr": "10.0.0.0/17"}}, {"ipBlock": {"cidr": "10.0.128.0/17"}}]),
            )],
            EX("client", "10.0.0.0/16", 443, 443, TCP),
            true,
        ),
        case(
            "two policies cover together (union)",
            vec![
                egress_to(json!([{"ipBlock": {"cidr": "10.0.0.0/17"}}])),
                egress_to(json!([{"ipBlock": {"cidr": "10.0.128.0/17"}}])),
            ],
            EX("client", "10.0.0.0/16", 443, 443, TCP),
            true,
        ),
        case(
            "deny-all plus an allow policy: union allows",
            vec![deny_egress("src"), egress_ports(json!([{"port": 443}]))],
            EX("client", "1.2.3.4", 443, 443, TCP),
            true,
        ),
        case(
            "IPv6 ipBlock ::/0",
            vec![egress_to(json!([{"ipBlock": {"cidr": "::/0"}}]))],
            EX("client", "2001:db8::1", 443, 443, TCP),
            true,
        ),
        case(
            "IPv4 0.0.0.0/0 does not cover IPv6",
            vec![egress_to(json!([{"ipBlock": {"cidr": "0.0.0.0/0"}}]))],
            EX("client", "2001:db8::1", 443, 443, TCP),
            false,
        ),
        case(
            "ingress ipBlock from external source",
            vec![ingress_server(
                json!({"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}),
            )],
            IX("server", "10.1.2.3", 6443, TCP),
            true,
        ),
        case(
            "ingress pod peer never matches an external source",
            vec![ingress_server(json!({"from": [{"namespaceSelector": {}}]}))],
            IX("server", "10.1.2.3", 6443, TCP),
            false,
        ),
        case(
            "ingress: [{}] allows external sources",
            vec![ingress_server(json!({}))],
            IX("server", "10.1.2.3", 6443, TCP),
            true,
        ),
        // --- ports ---
        case(
            "peer-less rule on 443 allows 443",
            vec![egress_ports(json!([{"port": 443}]))],
            EX("client", "1.2.3.4", 443, 443, TCP),
            true,
        ),
        case(
            "peer-less rule on 443 denies 80",
            vec![egress_ports(json!([{"port": 443}]))],
            EX("client", "1.2.3.4", 80, 80, TCP),
            false,
        ),
        case(
            "endPort covers the whole NodePort range",
            vec![egress_ports(json!([{"port": 30000, "endPort": 32767}]))],
            EX("client", "10.0.0.0/24", 30000, 32767, TCP),
            true,
        ),
        case(
            "endPort covering part of the range",
            vec![egress_ports(json!([{"port": 30000, "endPort": 31000}]))],
            EX("client", "10.0.0.0/24", 30000, 32767, TCP),
            false,
        ),
        case(
            "endPort is inclusive, not beyond",
            vec![egress_ports(json!([{"port": 30000, "endPort": 32767}]))],
            EX("client", "1.2.3.4", 32768, 32768, TCP),
            false,
        ),
        case(
            "port 53 does not allow DNS on 5353",
            vec![egress_ports(
                json!([{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]),
            )],
            E("client", "dns", 5353, UDP),
            false,
        ),
        case(
            "port 5353 UDP allows DNS pods",
            vec![egress_ports(json!([{"port": 5353, "protocol": "UDP"}]))],
            E("client", "dns", 5353, UDP),
            true,
        ),
        case(
            "UDP rule does not allow TCP",
            vec![egress_ports(json!([{"port": 5353, "protocol": "UDP"}]))],
            E("client", "dns", 5353, TCP),
            false,
        ),
        case(
            "protocol defaults to TCP",
            vec![egress_ports(json!([{"port": 443}]))],
            EX("client", "1.2.3.4", 443, 443, UDP),
            false,
        ),
        case(
            "protocol without port: all ports of it",
            vec![egress_ports(json!([{"protocol": "UDP"}]))],
            EX("client", "1.2.3.4", 9999, 9999, UDP),
            true,
        ),
        case(
            "named port resolves on the destination pod",
            vec![egress_ports(json!([{"port": "stunnel"}]))],
            E("client", "server", 6443, TCP),
            true,
        ),
        case(
            "named port with protocol mismatch",
            vec![egress_ports(
                json!([{"port": "stunnel", "protocol": "UDP"}]),
            )],
            E("client", "server", 6443, UDP),
            false,
        ),
        case(
            "named port never matches external destinations",
            vec![egress_ports(json!([{"port": "stunnel"}]))],
            EX("client", "1.2.3.4", 6443, 6443, TCP),
            false,
        ),
        case(
            "named UDP port on the DNS pods",
            vec![egress_ports(json!([{"port": "dns", "protocol": "UDP"}]))],
            E("client", "dns", 5353, UDP),
            true,
        ),
        case(
            "named port resolves to a different number",
            vec![egress_ports(json!([{"port": "rsyncd"}]))],
            E("client", "server", 6443, TCP),
            false,
        ),
        case(
            "ingress named port resolves on the receiving pod",
            vec![ingress_server(
                json!({"ports": [{"port": "stunnel"}], "from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}),
            )],
            IX("server", "10.1.2.3", 6443, TCP),
            true,
        ),
        // --- ingress from pods ---
        case(
            "router namespace by policy-group label",
            vec![ingress_server(
                json!({"from": [{"namespaceSelector": {"matchLabels":
                {"policy-group.network.openshift.io/ingress": ""}}}], "ports": [{"port": 6443}]}),
            )],
            I("server", "router", 6443, TCP),
            true,
        ),
        case(
            "allowing 443 is not 6443",
            vec![ingress_server(
                json!({"from": [{"namespaceSelector": {"matchLabels":
                {"policy-group.network.openshift.io/ingress": ""}}}], "ports": [{"port": 443}]}),
            )],
            I("server", "router", 6443, TCP),
            false,
        ),
        case(
            "legacy router label absent from the namespace",
            vec![ingress_server(
                json!({"from": [{"namespaceSelector": {"matchLabels":
                {"network.openshift.io/policy-group": "ingress"}}}]}),
            )],
            I("server", "router", 6443, TCP),
            false,
        ),
        case(
            "ingress from opaque-labelled pod via matchLabels: denied",
            vec![ingress_server(
                json!({"from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"uid": "abc"}}}]}),
            )],
            I("server", "client", 6443, TCP),
            false,
        ),
        case(
            "ingress from opaque-labelled pod via Exists: allowed",
            vec![ingress_server(
                json!({"from": [{"namespaceSelector": {}, "podSelector": {"matchExpressions": [
                {"key": "uid", "operator": "Exists"}]}}]}),
            )],
            I("server", "client", 6443, TCP),
            true,
        ),
        case(
            "ingress deny-all selects the server; allow selects others",
            vec![
                json!({"ns": "dst", "name": "deny"}),
                json!({"ns": "dst", "name": "allow", "podSelector": {"matchLabels": {"app": "other"}}, "ingress": [{}]}),
            ],
            I("server", "client", 6443, TCP),
            false,
        ),
        case(
            "ingress union of two selecting policies",
            vec![
                json!({"ns": "dst", "name": "deny"}),
                ingress_server(json!({"ports": [{"port": 6443}]})),
            ],
            I("server", "client", 6443, TCP),
            true,
        ),
    ]
}

#[test]
fn semantics_table() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter(|c| run(c) != c.allowed)
        .map(|c| format!("{} (expected allowed={})", c.name, c.allowed))
        .collect();
    assert!(
        failures.is_empty(),
        "failing cases:\n{}",
        failures.join("\n")
    );
}

// ---------- explanation data ----------

#[test]
fn selection_lists_policies_in_input_order() {
    let set = set_of(&[
        json!({"name": "a", "ingress": [{}]}),
        json!({"ns": "dst", "name": "elsewhere"}),
        deny_egress("src"),
        json!({"name": "web-only", "podSelector": {"matchLabels": {"app": "web"}}}),
        json!({"name": "c", "egress": [{}]}),
    ]);
    let sel = set.selection(&pod("client"));
    assert_eq!(sel.policies, vec![0, 2, 4]);
    assert_eq!(sel.ingress, vec![0, 4]);
    assert_eq!(sel.egress, vec![2, 4]);
    assert!(sel.is_isolated(PolicyType::Egress));
}

#[test]
fn pod_verdict_names_rules_and_peers() {
    let set = set_of(&[
        deny_egress("src"),
        json!({"name": "dvm", "policyTypes": ["Egress"], "egress": [
            {"to": [{"podSelector": {}}]},
            {"to": [{"podSelector": {"matchLabels": {"x": "y"}}}, {"namespaceSelector": {"matchLabels": {"team": "b"}}}],
             "ports": [{"port": "stunnel"}]},
            {}
        ]}),
    ]);
    let v = set.egress_to_pod(&pod("client"), &pod("server"), 6443, TCP);
    assert!(v.allowed);
    assert_eq!(v.isolating, vec![0, 1]);
    let described: Vec<String> = v.allowed_by.iter().map(|r| set.describe_rule(r)).collect();
    assert_eq!(described, ["src/dvm egress[1] to[1]", "src/dvm egress[2]"]);
    assert_eq!(
        set.explain(&v),
        "allowed by src/dvm egress[1] to[1], src/dvm egress[2]"
    );
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["allowed_by"][0]["peers"], json!([1]));
    assert_eq!(json["direction"], json!("Egress"));
}

#[test]
fn denied_verdict_explains_isolation() {
    let set = set_of(&[
        json!({"name": "x", "policyTypes": ["Egress"]}),
        json!({"name": "y", "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 80}]}]}),
    ]);
    let v = set.egress_to_pod(&pod("client"), &pod("server"), 6443, TCP);
    assert!(!v.allowed);
    assert_eq!(
        set.explain(&v),
        "denied: isolated for egress by src/x, src/y; no rule allows it"
    );
    let open = set.ingress_from_pod(&pod("client"), &pod("web"), 1, TCP);
    assert_eq!(set.explain(&open), "allowed: not isolated for ingress");
}

#[test]
fn connection_needs_both_sides() {
    let set = set_of(&[
        json!({"name": "allow-out", "egress": [{}], "ingress": [{}]}),
        json!({"ns": "dst", "name": "deny-in"}),
    ]);
    let c = set.connection(&pod("client"), &pod("server"), 6443, TCP);
    assert!(c.egress.allowed);
    assert!(!c.ingress.allowed);
    assert!(!c.allowed);
}

fn ext(set: &PolicySet, dest: &str, lo: u16, hi: u16) -> ExternalVerdict {
    set.egress_to_external(
        &pod("client"),
        &dest.parse().unwrap(),
        PortRange::new(lo, hi).unwrap(),
        TCP,
    )
}

#[test]
fn partial_address_coverage_reports_the_rest() {
    let set = set_of(&[egress_to(json!([
        {"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.64.0/18"]}}
    ]))]);
    let v = ext(&set, "10.0.0.0/16", 443, 443);
    assert!(!v.allowed);
    assert!(v.partially_allowed());
    assert_eq!(v.denied.len(), 1);
    assert_eq!(v.denied[0].to_string(), "10.0.64.0/18 port 443");
    assert_eq!(v.grants.len(), 1);
    assert_eq!(v.grants[0].rule.peers, vec![0]);
    assert_eq!(
        v.grants[0].region.addresses.to_string(),
        "10.0.0.0/18, 10.0.128.0/17"
    );
}

#[test]
fn partial_port_and_address_coverage_is_exact() {
    let set = set_of(&[
        egress_to(json!([{"ipBlock": {"cidr": "10.0.0.0/17"}}])),
        json!({"name": "b", "policyTypes": ["Egress"], "egress": [
            {"to": [{"ipBlock": {"cidr": "10.0.128.0/17"}}], "ports": [{"port": 30000, "endPort": 31000}]},
            {"to": [{"ipBlock": {"cidr": "10.0.128.0/18"}}], "ports": [{"port": 32767}]}
        ]}),
    ]);
    let v = ext(&set, "10.0.0.0/16", 30000, 32767);
    let denied: Vec<String> = v.denied.iter().map(ToString::to_string).collect();
    assert_eq!(
        denied,
        [
            "10.0.128.0/17 ports 31001-32766",
            "10.0.192.0/18 port 32767"
        ]
    );
    assert_eq!(v.denied_addresses().to_string(), "10.0.128.0/17");
    let granted: Vec<(usize, usize, String)> = v
        .grants
        .iter()
        .map(|g| (g.rule.policy, g.rule.rule, g.region.to_string()))
        .collect();
    assert_eq!(
        granted,
        [
            (0, 0, "10.0.0.0/17 ports 30000-32767".to_string()),
            (1, 0, "10.0.128.0/17 ports 30000-31000".to_string()),
            (1, 1, "10.0.128.0/18 port 32767".to_string()),
        ]
    );
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["denied"][0]["addresses"], json!(["10.0.128.0/17"]));
    assert_eq!(json["denied"][0]["ports"], json!(["31001-32766"]));
}

#[test]
fn unisolated_external_is_allowed_without_grants() {
    let set = set_of(&[json!({"ingress": []})]);
    let v = ext(&set, "0.0.0.0/0", 0, 65535);
    assert!(v.allowed && !v.isolated() && v.grants.is_empty() && v.denied.is_empty());
}

#[test]
fn outside_reach_for_unknown_destinations() {
    let tcp_all = |set: &PolicySet| set.egress_outside_reach(&pod("client"), PortRange::ALL, TCP);
    // Not isolated: anything may be reachable.
    let open = set_of(&[]);
    assert!(tcp_all(&open).possible);
    // Only pod peers: nothing outside the cluster.
    let pods_only = set_of(&[
        egress_to(json!([{"namespaceSelector": {}}])),
        egress_ports(json!([{"port": "stunnel"}])),
    ]);
    let r = tcp_all(&pods_only);
    assert!(!r.possible);
    assert_eq!(r.isolating, vec![0, 1]);
    // A named port is not an external port... but a peer-less numeric rule is.
    let dns_only = set_of(&[egress_ports(json!([{"port": 5353, "protocol": "UDP"}]))]);
    assert!(!tcp_all(&dns_only).possible);
    // An ipBlock peer reaches outside.
    let block = set_of(&[
        egress_to(json!([{"podSelector": {}}, {"ipBlock": {"cidr": "192.168.0.0/16"}}])),
        json!({"name": "all", "policyTypes": ["Egress"], "egress": [{"ports": [{"port": 443}]}]}),
    ]);
    let r = tcp_all(&block);
    assert!(r.possible);
    let described: Vec<String> = r.rules.iter().map(|x| block.describe_rule(x)).collect();
    assert_eq!(described, ["src/p egress[0] to[1]", "src/all egress[0]"]);
    // Restricting the ports drops the 443-only rule.
    let r = block.egress_outside_reach(&pod("client"), PortRange::single(6443), TCP);
    assert_eq!(r.rules.len(), 1);
}

#[test]
fn peer_helpers() {
    let p = Peer::ip_block(
        "10.0.0.0/16".parse().unwrap(),
        vec!["10.0.0.0/17".parse().unwrap()],
    );
    assert_eq!(p.addresses().unwrap().to_string(), "10.0.128.0/17");
    assert!(
        Peer::pods(LabelSelector::everything())
            .addresses()
            .is_none()
    );
    let mut pol = Policy::new("ns", "n");
    assert_eq!(pol.effective_types(), vec![PolicyType::Ingress]);
    pol.egress = vec![Rule::allow_all()].into();
    assert_eq!(
        pol.effective_types(),
        vec![PolicyType::Ingress, PolicyType::Egress]
    );
    pol.policy_types = Some(vec![PolicyType::Egress]);
    assert_eq!(pol.effective_types(), vec![PolicyType::Egress]);
}
