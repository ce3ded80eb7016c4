#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `dvmlint probe` answers from the same model as the network rules: on the
//! fixtures, a probe for the rsync pods' traffic is denied exactly where
//! DVM101/DVM102/DVM103 fire.

use std::path::{Path, PathBuf};

use dvmlint::cli::probe::{self, Query, Remote};
use dvmlint::lint::{self, LintOptions};
use dvmlint::net::netpol::{Pod, PolicyType};
use dvmlint::net::ports::{ContainerPort, PortRange, Protocol};
use dvmlint::net::selector::labels;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn fires(name: &str, rule: &str, namespace: &str) -> bool {
    let run = lint::run(&LintOptions {
        paths: vec![fixture(name)],
        ..LintOptions::default()
    })
    .unwrap();
    run.findings
        .iter()
        .any(|f| f.rule == rule && f.message.contains(&format!("namespace `{namespace}`")))
}

fn client(namespace: &str) -> Pod {
    Pod::new(
        namespace,
        labels([
            ("owner", "directvolumemigration"),
            ("app", "directvolumemigration-rsync-transfer"),
        ]),
    )
}

fn egress(name: &str, namespace: &str, to: &str, port: u16, protocol: Protocol) -> bool {
    let project = probe::load_project(&[fixture(name)], None).unwrap();
    let (addresses, _, _) = probe::parse_target(&format!("{to}:{port}")).unwrap();
    let query = Query {
        direction: PolicyType::Egress,
        cluster: None,
        pod: client(namespace),
        remote: Remote::Addresses(addresses),
        remote_text: to.to_owned(),
        ports: PortRange::single(port),
        protocol,
    };
    probe::answer(&project, &query).unwrap().allowed
}

fn ingress_from_router(name: &str, namespace: &str) -> bool {
    let project = probe::load_project(&[fixture(name)], None).unwrap();
    let mut pod = client(namespace);
    pod.labels = labels([
        ("owner", "directvolumemigration"),
        ("app", "directvolumemigration-rsync-transfer"),
        ("purpose", "rsync"),
    ])
    .into();
    pod.ports = vec![ContainerPort::named("stunnel", 6443, Protocol::Tcp)];
    let query = Query {
        direction: PolicyType::Ingress,
        cluster: Some("target".to_owned()),
        pod,
        remote: probe::parse_source("ns=openshift-ingress").unwrap(),
        remote_text: "ns=openshift-ingress".to_owned(),
        ports: PortRange::single(6443),
        protocol: Protocol::Tcp,
    };
    probe::answer(&project, &query).unwrap().allowed
}

#[test]
fn egress_probe_agrees_with_dvm101() {
    for (name, ns) in [
        ("netpol-default-deny-egress", "app1"),
        ("netpol-ipblock-except-removes-target", "app1"),
        ("netpol-allow-works", "app1"),
        ("netpol-two-cluster-migplan", "app1"),
        ("netpol-empty-egress-without-policytypes", "app1"),
    ] {
        let allowed = egress(name, ns, "192.0.2.10", 443, Protocol::Tcp);
        assert_eq!(allowed, !fires(name, "DVM101", ns), "{name}");
    }
}

#[test]
fn ingress_probe_agrees_with_dvm102() {
    for (name, ns) in [
        ("netpol-router-443-vs-6443", "app1"),
        ("netpol-router-443-vs-6443", "app2"),
        ("netpol-named-ports", "app1"),
        ("netpol-named-ports", "app2"),
    ] {
        assert_eq!(
            ingress_from_router(name, ns),
            !fires(name, "DVM102", ns),
            "{name} {ns}"
        );
    }
}

#[test]
fn dns_probe_on_53_is_allowed_but_5353_is_not() {
    let name = "netpol-dns-only-port-53";
    let project = probe::load_project(&[fixture(name)], None).unwrap();
    let ask = |port| {
        let query = Query {
            direction: PolicyType::Egress,
            cluster: None,
            pod: client("app1"),
            remote: probe::parse_source("ns=openshift-dns").unwrap(),
            remote_text: "ns=openshift-dns".to_owned(),
            ports: PortRange::single(port),
            protocol: Protocol::Udp,
        };
        probe::answer(&project, &query).unwrap().allowed
    };
    assert!(ask(53));
    assert!(!ask(5353));
    assert!(fires(name, "DVM103", "app1"));
}

#[test]
fn targets_and_sources_parse() {
    let (_, ports, protocol) = probe::parse_target("10.0.5.0/24:30000-32767/udp").unwrap();
    assert_eq!((ports.start(), ports.end()), (30000, 32767));
    assert_eq!(protocol, Protocol::Udp);
    assert!(probe::parse_target("[2001:db8::1]:443").is_ok());
    assert!(probe::parse_target("host.example.com:443").is_err());
    assert!(probe::parse_target("10.0.0.1").is_err());
    match probe::parse_source("ns=app1,pod=app=web,tier=db").unwrap() {
        Remote::Pod(p) => {
            assert_eq!(p.namespace, "app1");
            assert_eq!(p.labels.len(), 2);
        }
        other => panic!("expected pods: {other:?}"),
    }
    match probe::parse_source("ns=openshift-ingress,host-network").unwrap() {
        Remote::HostNetworkPod(p) => {
            assert_eq!(p.namespace, "openshift-ingress");
            assert!(p.labels.is_empty());
        }
        other => panic!("expected a host-network pod: {other:?}"),
    }
}
