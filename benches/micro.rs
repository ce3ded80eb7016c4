//! Micro-benchmarks of dvmlint's hot public functions (divan).
//!
//! `cargo bench --bench micro` (all), `cargo bench --bench micro -- yaml` (a filter),
//! `cargo bench --bench micro -- --test` (run each once, as a smoke test).
//!
//! Inputs are built here, deterministically, shaped like `examples/gen_corpus.rs`.
//! What is benched is the nearest *public* function: the per-file stage is
//! `lint::file::analyze_bytes` (no file read), the YAML layer is
//! `yaml::split_documents` / `yaml::parse_chunk` (the span-tree builder; its
//! internals are private), the NetworkPolicy evaluator is `net::PolicySet`.
//! Figures from a loaded machine are not results: see benches/README.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::net::IpAddr;
use std::sync::{Arc, LazyLock};

use divan::Bencher;
use divan::counter::BytesCount;
use dvmlint::lint::file::{FileSettings, analyze_bytes};
use dvmlint::net::netpol::{Peer, Pod, Policy, PolicySet, PolicyType, Rule};
use dvmlint::net::ports::{PortRange, PortSpec, Protocol};
use dvmlint::net::selector::{LabelSelector, Labels, labels};
use dvmlint::net::{IpSet, ipset::parse_net};
use dvmlint::proxy::{NoProxy, StunnelProxy};
use dvmlint::rules::RuleSet;
use dvmlint::yaml::{self, Limits};

/// The `dvmlint` binary's allocator, so allocation costs are the ones it pays.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

// ---------- inputs ----------

/// Multi-line `key = value` text of about `kb` KiB, indented for a block scalar.
fn payload(rng: &mut fastrand::Rng, kb: usize, indent: &str) -> String {
    let mut text = String::with_capacity(kb * 1024 + 64);
    while text.len() < kb * 1024 {
        let _ = writeln!(
            text,
            "{indent}line {} = {:016x} {:016x} value",
            rng.u32(..),
            rng.u64(..),
            rng.u64(..)
        );
    }
    text
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-42
  namespace: ns-7
  labels: {app: app-42, tier: backend}
  annotations:
    deployment.kubernetes.io/revision: \"3\"
spec:
  replicas: 3
  selector:
    matchLabels: {app: app-42}
  template:
    metadata:
      labels: {app: app-42, tier: backend}
    spec:
      containers:
      - name: main
        image: registry.example.com/app:1.2.3
        args: [\"--listen=:8080\", \"--log-level=info\"]
        env:
        - {name: HTTP_PROXY, value: \"http://proxy.corp.example.com:3128\"}
        - {name: NO_PROXY, value: \".cluster.local,.svc,10.0.0.0/8\"}
        ports:
        - {name: http, containerPort: 8080}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: \"1\", memory: 512Mi}
        volumeMounts:
        - {name: data, mountPath: /data}
      volumes:
      - name: data
        persistentVolumeClaim: {claimName: data-42}
";

/// A ConfigMap with one 64 KiB block scalar.
static CONFIGMAP_64K: LazyLock<String> = LazyLock::new(|| {
    let mut rng = fastrand::Rng::with_seed(7);
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: ns-7\ndata:\n  settings.conf: |\n{}",
        payload(&mut rng, 64, "    ")
    )
});

/// A typical multi-document file of the generated corpus: Deployment, Service,
/// ConfigMap with a 12 KiB payload, two NetworkPolicies (~14 KB in all).
static MULTI_DOC: LazyLock<String> = LazyLock::new(|| {
    let mut rng = fastrand::Rng::with_seed(11);
    let mut text = String::from(DEPLOYMENT);
    text.push_str("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-42\n  namespace: ns-7\nspec:\n  selector: {app: app-42}\n  ports:\n  - {port: 80, targetPort: http}\n");
    text.push_str("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: ns-7\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n");
    text.push_str("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dvm\n  namespace: ns-7\nspec:\n  podSelector:\n    matchLabels:\n      owner: directvolumemigration\n  policyTypes: [Ingress, Egress]\n  ingress: [{}]\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.1.0.0/16}\n    ports:\n    - {protocol: TCP, port: 443}\n");
    let _ = write!(
        text,
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-42-config\n  namespace: ns-7\ndata:\n  settings.conf: |\n{}",
        payload(&mut rng, 12, "    ")
    );
    text
});

/// A file of 200 small documents (split and per-document overhead dominate).
static MANY_DOCS: LazyLock<String> = LazyLock::new(|| {
    let mut text = String::new();
    for i in 0..200 {
        let _ = write!(
            text,
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: ns-{}\nspec:\n  selector: {{app: app-{i}}}\n  ports:\n  - {{port: 80, targetPort: http}}\n",
            i % 7
        );
    }
    text
});

// ---------- yaml ----------

mod yaml_split {
    use super::*;

    #[divan::bench]
    fn multi_doc_14k(b: Bencher) {
        let text = MULTI_DOC.as_bytes();
        b.counter(BytesCount::new(text.len()))
            .bench(|| yaml::split_documents(black_box(text)).len());
    }

    #[divan::bench]
    fn many_docs_200(b: Bencher) {
        let text = MANY_DOCS.as_bytes();
        b.counter(BytesCount::new(text.len()))
            .bench(|| yaml::split_documents(black_box(text)).len());
    }

    #[divan::bench]
    fn configmap_64k(b: Bencher) {
        let text = CONFIGMAP_64K.as_bytes();
        b.counter(BytesCount::new(text.len()))
            .bench(|| yaml::split_documents(black_box(text)).len());
    }
}

mod yaml_parse_chunk {
    use super::*;

    #[divan::bench]
    fn deployment(b: Bencher) {
        b.counter(BytesCount::new(DEPLOYMENT.len())).bench(|| {
            let parsed = yaml::parse_chunk(black_box(DEPLOYMENT), 1, Limits::default());
            assert!(parsed.error.is_none());
            parsed.documents.len()
        });
    }

    #[divan::bench]
    fn configmap_64k_block_scalar(b: Bencher) {
        let text = CONFIGMAP_64K.as_str();
        b.counter(BytesCount::new(text.len())).bench(|| {
            let parsed = yaml::parse_chunk(black_box(text), 1, Limits::default());
            assert!(parsed.error.is_none());
            parsed.documents.len()
        });
    }
}

/// The floor's work on the same file (saphyr-parser's events, no tree), to
/// read `lint_file::analyze_bytes_multi_doc` against.
mod yaml_events {
    use super::*;

    #[divan::bench]
    fn multi_doc_14k(b: Bencher) {
        let text = MULTI_DOC.as_str();
        b.counter(BytesCount::new(text.len())).bench(|| {
            let mut parser = dvmlint_yaml_events::Events::new(black_box(text));
            let mut events = 0usize;
            while let Some(Ok(_)) = parser.next_event() {
                events += 1;
            }
            events
        });
    }
}

// ---------- per-file stage ----------

mod lint_file {
    use super::*;

    fn with_settings(b: Bencher, text: &str) {
        let rules = RuleSet::new(&[], &[]);
        let cluster: Arc<str> = Arc::from("source");
        let cluster_of = move |_: &str| Some(Arc::clone(&cluster));
        let settings = FileSettings::standalone(&rules, &cluster_of);
        let rel: Arc<str> = Arc::from("clusters/source/ns-7/file-000042.yaml");
        b.counter(BytesCount::new(text.len())).bench(|| {
            let result = analyze_bytes(&rel, black_box(text.as_bytes()), &settings);
            result.documents
        });
    }

    /// Deployment + Service + 2 NetworkPolicies + ConfigMap (12 KiB payload).
    #[divan::bench]
    fn analyze_bytes_multi_doc(b: Bencher) {
        with_settings(b, &MULTI_DOC);
    }

    #[divan::bench]
    fn analyze_bytes_many_docs_200(b: Bencher) {
        with_settings(b, &MANY_DOCS);
    }

    #[divan::bench]
    fn analyze_bytes_configmap_64k(b: Bencher) {
        with_settings(b, &CONFIGMAP_64K);
    }
}

// ---------- net: IpSet ----------

mod ipset {
    use super::*;

    /// 64 scattered /24s in 10.0.0.0/8 and a few v6 prefixes.
    fn scattered(seed: u64) -> IpSet {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut nets: Vec<_> = (0..64)
            .map(|_| {
                parse_net(&format!("10.{}.{}.0/24", rng.u8(..), rng.u8(..))).expect("valid cidr")
            })
            .collect();
        nets.push(parse_net("fd00::/8").unwrap());
        nets.push(parse_net("2001:db8::/32").unwrap());
        IpSet::from_nets(nets)
    }

    #[divan::bench]
    fn parse_net_v4_v6(b: Bencher) {
        b.bench(|| {
            (
                parse_net(black_box("10.128.0.0/14")).is_ok(),
                parse_net(black_box("192.168.1.7")).is_ok(),
                parse_net(black_box("fd00:10:128::/56")).is_ok(),
            )
        });
    }

    #[divan::bench]
    fn from_nets_66(b: Bencher) {
        let mut rng = fastrand::Rng::with_seed(3);
        let nets: Vec<_> = (0..64)
            .map(|_| parse_net(&format!("10.{}.{}.0/24", rng.u8(..), rng.u8(..))).unwrap())
            .chain([
                parse_net("fd00::/8").unwrap(),
                parse_net("2001:db8::/32").unwrap(),
            ])
            .collect();
        b.bench(|| IpSet::from_nets(black_box(nets.iter().copied())));
    }

    #[divan::bench]
    fn union(b: Bencher) {
        let (x, y) = (scattered(1), scattered(2));
        b.bench(|| black_box(&x).union(black_box(&y)));
    }

    #[divan::bench]
    fn intersection(b: Bencher) {
        let (x, y) = (
            scattered(1),
            IpSet::from_net(parse_net("10.0.0.0/9").unwrap()),
        );
        b.bench(|| black_box(&x).intersection(black_box(&y)));
    }

    #[divan::bench]
    fn difference_all_minus_scattered(b: Bencher) {
        let (x, y) = (IpSet::all(), scattered(1));
        b.bench(|| black_box(&x).difference(black_box(&y)));
    }

    #[divan::bench]
    fn contains_addr(b: Bencher) {
        let x = scattered(1);
        let addr: IpAddr = "10.77.3.9".parse().unwrap();
        b.bench(|| black_box(&x).contains_addr(black_box(addr)));
    }

    #[divan::bench]
    fn is_superset_of(b: Bencher) {
        let (x, y) = (scattered(1).union(&scattered(2)), scattered(2));
        b.bench(|| black_box(&x).is_superset_of(black_box(&y)));
    }

    #[divan::bench]
    fn to_cidrs(b: Bencher) {
        let x = IpSet::all().difference(&scattered(1));
        b.bench(|| black_box(&x).to_cidrs().len());
    }
}

// ---------- net: NetworkPolicy evaluator ----------

mod netpol {
    use super::*;

    const NS: &str = "app-ns";

    /// ~50 policies in one namespace, shaped like real ones: a default deny,
    /// per-app ingress from selected namespaces and pods, egress to DNS and
    /// to ipBlocks with excepts, port lists, a few matchExpressions.
    fn namespace_with_policies(count: usize) -> PolicySet {
        let tcp = |p| PortSpec::number(Protocol::Tcp, p);
        let mut policies = Vec::with_capacity(count);
        let mut deny = Policy::new(NS, "default-deny");
        deny.policy_types = Some(vec![PolicyType::Ingress, PolicyType::Egress]);
        policies.push(deny);
        for i in 1..count {
            let mut p = Policy::new(NS, &format!("allow-app-{i}"));
            p.pod_selector = LabelSelector::from_labels([("app", format!("app-{i}").as_str())]);
            p.policy_types = Some(vec![PolicyType::Ingress, PolicyType::Egress]);
            p.ingress = vec![
                Rule {
                    peers: vec![
                        Peer::pods(LabelSelector::from_labels([(
                            "app",
                            format!("app-{}", i + 1).as_str(),
                        )])),
                        Peer::namespaces(LabelSelector::from_labels([(
                            "kubernetes.io/metadata.name",
                            "openshift-ingress",
                        )])),
                    ],
                    ports: vec![tcp(8080), PortSpec::named(Protocol::Tcp, "http")],
                },
                Rule {
                    peers: vec![Peer::ip_block(
                        parse_net(&format!("10.{}.0.0/16", i % 250)).unwrap(),
                        vec![parse_net(&format!("10.{}.7.0/24", i % 250)).unwrap()],
                    )],
                    ports: vec![PortSpec::range(Protocol::Tcp, 9000, 9100)],
                },
            ]
            .into();
            p.egress = vec![
                Rule {
                    peers: vec![Peer::namespaces(LabelSelector::from_labels([(
                        "kubernetes.io/metadata.name",
                        "openshift-dns",
                    )]))],
                    ports: vec![
                        PortSpec::number(Protocol::Udp, 5353),
                        PortSpec::number(Protocol::Tcp, 5353),
                    ],
                },
                Rule {
                    peers: vec![Peer::ip_block(
                        parse_net("10.1.0.0/16").unwrap(),
                        vec![parse_net(&format!("10.1.{}.0/24", i % 250)).unwrap()],
                    )],
                    ports: vec![tcp(443), tcp(2222)],
                },
            ]
            .into();
            policies.push(p);
        }
        // One policy selecting every pod with owner=directvolumemigration (the
        // rsync pods), so the queries below go through many rules.
        let mut dvm = Policy::new(NS, "allow-dvm");
        dvm.pod_selector = LabelSelector::from_labels([("owner", "directvolumemigration")]);
        dvm.ingress = vec![Rule::allow_all()].into();
        policies.push(dvm);
        let namespaces: Vec<(String, Labels)> = vec![
            (NS.to_string(), labels([("team", "payments")])),
            ("openshift-dns".to_string(), Labels::new()),
            ("openshift-ingress".to_string(), Labels::new()),
        ];
        PolicySet::new(policies, namespaces)
    }

    fn app_pod(i: usize) -> Pod {
        Pod::new(
            NS,
            labels([
                ("app", format!("app-{i}").as_str()),
                ("owner", "directvolumemigration"),
            ]),
        )
    }

    #[divan::bench]
    fn build_policy_set_50(b: Bencher) {
        b.bench(|| namespace_with_policies(50).policies().len());
    }

    #[divan::bench]
    fn selection_50(b: Bencher) {
        let set = namespace_with_policies(50);
        let pod = app_pod(17);
        b.bench(|| black_box(&set).selection(black_box(&pod)));
    }

    #[divan::bench]
    fn connection_pod_to_pod_50(b: Bencher) {
        let set = namespace_with_policies(50);
        let (client, server) = (app_pod(18), app_pod(17));
        b.bench(|| {
            black_box(&set)
                .connection(black_box(&client), black_box(&server), 8080, Protocol::Tcp)
                .allowed
        });
    }

    #[divan::bench]
    fn egress_to_external_50(b: Bencher) {
        let set = namespace_with_policies(50);
        let pod = app_pod(17);
        let dest = IpSet::from_net(parse_net("10.1.0.0/16").unwrap());
        b.bench(|| {
            black_box(&set)
                .egress_to_external(
                    black_box(&pod),
                    black_box(&dest),
                    PortRange::single(443),
                    Protocol::Tcp,
                )
                .allowed
        });
    }

    #[divan::bench]
    fn ingress_from_external_50(b: Bencher) {
        let set = namespace_with_policies(50);
        let pod = app_pod(17);
        let src = IpSet::from_net(parse_net("10.0.0.0/8").unwrap());
        b.bench(|| {
            black_box(&set)
                .ingress_from_external(
                    black_box(&pod),
                    black_box(&src),
                    PortRange::new(8000, 9200).unwrap(),
                    Protocol::Tcp,
                )
                .allowed
        });
    }

    #[divan::bench]
    fn egress_outside_reach_50(b: Bencher) {
        let set = namespace_with_policies(50);
        let pod = app_pod(17);
        b.bench(|| {
            black_box(&set).egress_outside_reach(black_box(&pod), PortRange::ALL, Protocol::Tcp)
        });
    }
}

// ---------- proxy ----------

mod proxy {
    use super::*;

    const CLUSTER_NO_PROXY: &str = ".cluster.local,.svc,10.0.0.0/8,172.30.0.0/16,10.128.0.0/14,\
        api-int.ocp.example.com,localhost,127.0.0.1,169.254.169.254,.corp.example.com,\
        registry.example.com:5000,*.apps.example.com,fd00::/8,[2001:db8::1]";

    #[divan::bench]
    fn noproxy_parse(b: Bencher) {
        b.counter(BytesCount::new(CLUSTER_NO_PROXY.len()))
            .bench(|| NoProxy::parse(black_box(CLUSTER_NO_PROXY)).entries().len());
    }

    #[divan::bench(args = [
        "rsync-dvm-abc.apps.target.example.com",
        "10.1.4.7",
        "registry.example.com",
        "s3.amazonaws.com",
        "2001:db8::1",
    ])]
    fn noproxy_decide(b: Bencher, host: &str) {
        let list = NoProxy::parse(CLUSTER_NO_PROXY);
        b.bench(|| black_box(&list).decide(black_box(host), 443).is_direct());
    }

    #[divan::bench(args = [
        "http://proxy.corp.example.com:3128",
        "http://user:p%40ss@10.0.0.5:3128",
        "https://[fd00::5]:8443/",
        "proxy.corp.example.com:3128",
    ])]
    fn stunnel_parse(b: Bencher, value: &str) {
        b.bench(|| StunnelProxy::parse(black_box(value)).problems.len());
    }
}

// ---------- apply units ----------

mod units {
    use super::*;
    use dvmlint::units::ApplyUnits;

    /// 100,000 files in 10,000 folders of two clusters, as the small-file
    /// corpus lists them (walk order: sorted), with no kustomization or
    /// chart: every folder is a unit of plain files.
    static SMALL_PROJECT: LazyLock<Vec<Arc<str>>> = LazyLock::new(|| {
        (0..100_000)
            .map(|i| {
                let cluster = if i % 2 == 0 { "source" } else { "target" };
                Arc::from(format!(
                    "clusters/{cluster}/ns-{}/file-{i:06}.yaml",
                    i % 5000
                ))
            })
            .collect::<std::collections::BTreeSet<Arc<str>>>()
            .into_iter()
            .collect()
    });

    #[divan::bench(sample_count = 20)]
    fn discover_100k_plain_files(b: Bencher) {
        let files = &*SMALL_PROJECT;
        b.bench(|| {
            ApplyUnits::discover(black_box(files), &|_| None)
                .units()
                .len()
        });
    }
}
