#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The AdminNetworkPolicy / BaselineAdminNetworkPolicy evaluator against a
//! peer's expected answers: the ANP/BANP cases of np-guard/netpol-analyzer
//! (its `tests/anp_*`, `tests/banp_*` folders and their `connlist` outputs),
//! which reuse the workloads and several policies of the upstream
//! kubernetes-sigs/network-policy-api conformance suite.
//!
//! Each case is re-expressed here, in our own words: the workloads reduced to
//! one pod per namespace (the peer's answers are per workload), the policies
//! rewritten compactly, and the peer's answer for every pod pair. Nothing of
//! the peer's repository is copied. Policies are read with dvmlint's own
//! manifest readers, so the YAML path is tested too. The answer for a pair is
//! the connection set over ports 1-65535 of TCP, UDP and SCTP that both the
//! source's egress and the destination's ingress allow, printed the way the
//! peer prints it (`All Connections`, `SCTP 1-65535,TCP 1-79,81-65535,UDP
//! 1-65535`, or no entry). docs/robustness.md records the agreement.

use std::collections::BTreeMap;

use dvmlint::manifest::ObjectMeta;
use dvmlint::manifest::admin_network_policy::AdminPolicyView;
use dvmlint::manifest::network_policy::NetworkPolicyView;
use dvmlint::net::admin::{AdminPolicies, AdminTier};
use dvmlint::net::netpol::{Pod, PolicySet};
use dvmlint::net::ports::{ContainerPort, PortRange, PortSet, Protocol};
use dvmlint::net::selector::{LabelValue, Labels};

/// A namespace: its name and labels.
struct Ns(&'static str, &'static [(&'static str, &'static str)]);

/// A pod: short name, namespace, labels, named container ports.
struct P(
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [(&'static str, u16, Protocol)],
);

struct Case {
    /// The peer's test folder.
    name: &'static str,
    namespaces: &'static [Ns],
    pods: &'static [P],
    policies: &'static str,
    /// Pairs whose answer is not `All Connections`: `("g", "s", "TCP 80")`,
    /// `""` for no connection.
    except: &'static [(&'static str, &'static str, &'static str)],
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), LabelValue::from(*v)))
        .collect()
}

fn build(case: &Case) -> (PolicySet, Vec<(&'static str, Pod)>) {
    let parsed = dvmlint::yaml::parse_chunk(case.policies, 1, dvmlint::yaml::Limits::default());
    assert!(parsed.error.is_none(), "{}: {:?}", case.name, parsed.error);
    let mut netpols = Vec::new();
    let mut admin = Vec::new();
    for doc in &parsed.documents {
        let meta = ObjectMeta::from_node(doc).unwrap();
        match meta.kind.value.as_str() {
            "NetworkPolicy" => {
                let ns = meta.namespace.as_ref().unwrap().value.clone();
                netpols.push(NetworkPolicyView::from_node(doc, &meta.name_text(), &ns).policy);
            }
            kind => {
                let tier = if kind == "AdminNetworkPolicy" {
                    AdminTier::Admin
                } else {
                    AdminTier::Baseline
                };
                let view = AdminPolicyView::from_node(doc, &meta.name_text(), tier);
                assert!(
                    view.rejected.is_none(),
                    "{}: {:?}",
                    case.name,
                    view.rejected
                );
                admin.push(view.policy);
            }
        }
    }
    let namespaces = case
        .namespaces
        .iter()
        .map(|Ns(name, l)| ((*name).to_owned(), labels(l)));
    let set = PolicySet::shared(netpols, namespaces).with_admin(AdminPolicies::new(admin));
    let pods = case
        .pods
        .iter()
        .map(|P(short, ns, l, ports)| {
            let mut pod = Pod::new(ns, labels(l));
            pod.ports = ports
                .iter()
                .map(|(n, p, proto)| ContainerPort::named(n, *p, *proto))
                .collect();
            (*short, pod)
        })
        .collect();
    (set, pods)
}

/// The ports (1-65535) of `protocol` on which `src` may connect to `dst`.
fn allowed(set: &PolicySet, src: &Pod, dst: &Pod, protocol: Protocol, cuts: &[u16]) -> PortSet {
    let mut points: Vec<u32> = vec![1, 65536];
    points.extend(cuts.iter().map(|&c| u32::from(c)));
    points.sort_unstable();
    points.dedup();
    let mut ranges = Vec::new();
    for w in points.windows(2) {
        let (start, end) = (w[0], w[1] - 1);
        if start == 0 || start > 65535 {
            continue;
        }
        let port = start as u16;
        let c = set.connection(src, dst, port, protocol);
        if c.allowed {
            ranges.push(PortRange::new(port, end as u16).unwrap());
        }
    }
    PortSet::from_ranges(ranges)
}

/// Every port boundary a policy or container port may introduce.
fn cuts(case: &Case) -> Vec<u16> {
    let mut out = Vec::new();
    for word in case
        .policies
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse::<u32>().ok())
    {
        for c in [word, word + 1] {
            if let Ok(c) = u16::try_from(c) {
                out.push(c);
            }
        }
    }
    for P(_, _, _, ports) in case.pods {
        for (_, p, _) in *ports {
            out.push(*p);
            out.push(p.saturating_add(1));
        }
    }
    out
}

fn answer(set: &PolicySet, src: &Pod, dst: &Pod, cuts: &[u16]) -> String {
    let mut parts = Vec::new();
    let mut all = true;
    for protocol in [Protocol::Sctp, Protocol::Tcp, Protocol::Udp] {
        let ports = allowed(set, src, dst, protocol, cuts);
        all &= ports == PortSet::from(PortRange::new(1, 65535).unwrap());
        if !ports.is_empty() {
            let ranges: Vec<String> = ports.ranges().iter().map(ToString::to_string).collect();
            parts.push(format!("{protocol} {}", ranges.join(",")));
        }
    }
    if all {
        "All Connections".to_owned()
    } else {
        parts.join(",")
    }
}

/// Runs the cases: (cases, pairs, disagreements).
fn run(cases: &[Case]) -> (usize, usize, Vec<String>) {
    let mut pairs = 0;
    let mut problems = Vec::new();
    for case in cases {
        let (set, pods) = build(case);
        let cuts = cuts(case);
        let expected: BTreeMap<(&str, &str), &str> =
            case.except.iter().map(|(a, b, c)| ((*a, *b), *c)).collect();
        for (a, src) in &pods {
            for (b, dst) in &pods {
                if a == b {
                    continue;
                }
                pairs += 1;
                let want = expected
                    .get(&(*a, *b))
                    .copied()
                    .unwrap_or("All Connections");
                let got = answer(&set, src, dst, &cuts);
                if got != want {
                    problems.push(format!(
                        "{}: {a} => {b}: peer says {want:?}, dvmlint {got:?}",
                        case.name
                    ));
                }
            }
        }
    }
    (cases.len(), pairs, problems)
}

// ---------- the four conformance namespaces, one pod each ----------

const HOUSES: &[Ns] = &[
    Ns("gryffindor", &[("conformance-house", "gryffindor")]),
    Ns("slytherin", &[("conformance-house", "slytherin")]),
    Ns("hufflepuff", &[("conformance-house", "hufflepuff")]),
    Ns("ravenclaw", &[("conformance-house", "ravenclaw")]),
];

const HOUSE_PODS: &[P] = &[
    P(
        "g",
        "gryffindor",
        &[("conformance-house", "gryffindor")],
        &[],
    ),
    P("s", "slytherin", &[("conformance-house", "slytherin")], &[]),
    P(
        "h",
        "hufflepuff",
        &[("conformance-house", "hufflepuff")],
        &[],
    ),
    P("r", "ravenclaw", &[("conformance-house", "ravenclaw")], &[]),
];

const CASES: &[Case] = &[
    Case {
        // Two ANPs of priorities 50 (Deny) and 60 (Pass) on the same
        // traffic: the lower number wins.
        name: "anp_test_4",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p50}
spec:
  priority: 50
  subject: {pods: {namespaceSelector: {matchLabels: {conformance-house: gryffindor}}, podSelector: {matchLabels: {conformance-house: gryffindor}}}}
  ingress:
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
  egress:
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p60}
spec:
  priority: 60
  subject: {pods: {namespaceSelector: {matchLabels: {conformance-house: gryffindor}}, podSelector: {matchLabels: {conformance-house: gryffindor}}}}
  ingress:
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
  egress:
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
"#,
        except: &[("g", "s", ""), ("s", "g", "")],
    },
    Case {
        // Ingress rules in order: Allow before Deny before Pass for one
        // peer; port-scoped Deny/Pass/Allow for the others (UDP).
        name: "anp_test_6",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: ingress-udp}
spec:
  priority: 4
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
"#,
        except: &[
            ("g", "h", "UDP 53"),
            ("s", "h", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
        ],
    },
    Case {
        // The same shape on TCP 80.
        name: "anp_test_7",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: ingress-tcp}
spec:
  priority: 3
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
"#,
        except: &[
            ("h", "g", "TCP 80"),
            ("s", "g", "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"),
        ],
    },
    Case {
        // The same shape on SCTP 9003, with `pods` peers (the peer's input
        // omits their `podSelector`, which the API requires; `{}` here).
        name: "anp_test_8",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: ingress-sctp}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
"#,
        except: &[
            ("h", "r", "SCTP 9003"),
            ("s", "r", "SCTP 1-9002,9004-65535,TCP 1-65535,UDP 1-65535"),
        ],
    },
    Case {
        // Pass hands over to NetworkPolicies; none selects the pods, so the
        // baseline decides and denies.
        name: "anp_banp_core_test",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: PASS_THEN_BASELINE,
        except: &[("g", "s", ""), ("s", "g", "")],
    },
    Case {
        // Pass hands over to a NetworkPolicy that isolates gryffindor and
        // allows slytherin both ways: the baseline's Deny is never reached,
        // but the policy isolates gryffindor from everyone else.
        name: "anp_np_banp_core_test",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: PASS_NP_BASELINE,
        except: &[
            ("g", "h", ""),
            ("g", "r", ""),
            ("h", "g", ""),
            ("r", "g", ""),
        ],
    },
    Case {
        // An Allow on TCP 80 and a Pass on TCP 81, UDP 80-81 to a pod whose
        // NetworkPolicy allows UDP 80 only (and isolates its egress).
        name: "anp_with_np_pass_test",
        namespaces: &[Ns("ns1", &[]), Ns("ns2", &[])],
        pods: &[
            P("ns1-pod1", "ns1", &[("app", "a-app")], &[]),
            P("ns2-pod1", "ns2", &[("app", "a-app")], &[]),
        ],
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: pass-example-with-np}
spec:
  priority: 10
  subject: {pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns1}}, podSelector: {matchLabels: {app: a-app}}}}
  ingress:
    - action: Allow
      from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}}]
      ports: [{portNumber: {port: 80, protocol: TCP}}]
    - action: Pass
      from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}}]
      ports: [{portNumber: {protocol: UDP, port: 80}}, {portNumber: {protocol: UDP, port: 81}}, {portNumber: {protocol: TCP, port: 81}}]
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: allow-ingress-from-ns2-pod1, namespace: ns1}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}]
      ports: [{port: 80, protocol: UDP}]
"#,
        except: &[
            ("ns2-pod1", "ns1-pod1", "TCP 80,UDP 80"),
            ("ns1-pod1", "ns2-pod1", ""),
        ],
    },
    Case {
        // `namedPort: web` resolves to the destination's container port 80
        // (TCP): allowed there; everything else is passed to the baseline,
        // which denies it.
        name: "anp_banp_test_with_named_port_matched",
        namespaces: &[
            Ns("gryffindor", &[("conformance-house", "gryffindor")]),
            Ns("slytherin", &[("conformance-house", "slytherin")]),
        ],
        pods: &[
            P(
                "g",
                "gryffindor",
                &[("conformance-house", "gryffindor")],
                &[("web", 80, Protocol::Tcp)],
            ),
            P("s", "slytherin", &[("conformance-house", "slytherin")], &[]),
        ],
        policies: NAMED_PORT_WEB,
        except: &[("s", "g", "TCP 80"), ("g", "s", "")],
    },
    Case {
        // The same with a name no container port has: nothing is allowed.
        name: "anp_banp_test_with_named_port_unmatched",
        namespaces: &[
            Ns("gryffindor", &[("conformance-house", "gryffindor")]),
            Ns("slytherin", &[("conformance-house", "slytherin")]),
        ],
        pods: &[
            P(
                "g",
                "gryffindor",
                &[("conformance-house", "gryffindor")],
                &[("web", 80, Protocol::Tcp)],
            ),
            P("s", "slytherin", &[("conformance-house", "slytherin")], &[]),
        ],
        policies: NAMED_PORT_NO_WEB,
        except: &[("s", "g", ""), ("g", "s", "")],
    },
    Case {
        // Egress and ingress rules in order, three protocols at once.
        name: "anp_test_9",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: gress-rules}
spec:
  priority: 15
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
  ingress:
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
"#,
        except: &[
            ("g", "h", "SCTP 9003,TCP 8080,UDP 5353"),
            (
                "g",
                "s",
                "SCTP 1-9002,9004-65535,TCP 1-79,81-65535,UDP 1-52,54-65535",
            ),
            ("h", "g", "SCTP 9003,TCP 80,UDP 5353"),
            (
                "s",
                "g",
                "SCTP 1-9002,9004-65535,TCP 1-79,81-65535,UDP 1-52,54-65535",
            ),
        ],
    },
    Case {
        // Egress rules in order (UDP).
        name: "anp_test_10",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: egress-udp}
spec:
  priority: 7
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
"#,
        except: &[
            ("h", "g", "UDP 53"),
            ("h", "s", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
        ],
    },
    Case {
        // Egress rules in order (TCP).
        name: "anp_test_11",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: egress-tcp}
spec:
  priority: 6
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
"#,
        except: &[
            ("g", "h", "TCP 8080"),
            ("g", "s", "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"),
        ],
    },
    Case {
        // Egress rules in order (SCTP).
        name: "anp_test_12",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: egress-sctp}
spec:
  priority: 8
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
"#,
        except: &[
            ("r", "h", "SCTP 9003"),
            ("r", "s", "SCTP 1-9002,9004-65535,TCP 1-65535,UDP 1-65535"),
        ],
    },
    Case {
        // The baseline's rules in order, both directions (no NetworkPolicy).
        name: "banp_test_core_gress_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  egress:
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
"#,
        except: &[
            ("g", "h", "SCTP 9003,TCP 8080,UDP 5353"),
            (
                "g",
                "s",
                "SCTP 1-9002,9004-65535,TCP 1-79,81-65535,UDP 1-52,54-65535",
            ),
            ("h", "g", "SCTP 9003,TCP 80,UDP 5353"),
            (
                "s",
                "g",
                "SCTP 1-9002,9004-65535,TCP 1-79,81-65535,UDP 1-52,54-65535",
            ),
        ],
    },
    Case {
        // One ANP denies every namespace's ingress into one namespace.
        name: "anp_test_1_deny_traffic_at_cluster_level",
        namespaces: &[
            Ns("foo-ns-1", &[]),
            Ns("foo-ns-2", &[]),
            Ns("bar-ns", &[]),
            Ns("sensitive-ns", &[]),
        ],
        pods: &[
            P("foo1", "foo-ns-1", &[("app", "foo")], &[]),
            P("foo2", "foo-ns-2", &[("app", "foo")], &[]),
            P("bar", "bar-ns", &[("app", "bar")], &[]),
            P("sens", "sensitive-ns", &[("app", "bar")], &[]),
        ],
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: deny-into-sensitive}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: sensitive-ns}}}
  ingress:
    - {action: Deny, from: [{namespaces: {}}]}
"#,
        except: &[
            ("bar", "sens", ""),
            ("foo1", "sens", ""),
            ("foo2", "sens", ""),
        ],
    },
    Case {
        // A cluster-wide Allow (ingress from monitoring, egress to DNS)
        // above a NetworkPolicy that isolates one namespace both ways: the
        // ANP's Allow wins there, everything else of that namespace is cut.
        name: "anp_test_2_allow_traffic_at_cluster_level",
        namespaces: FOO_BAR_NS,
        pods: FOO_BAR_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: allow-monitoring-and-dns}
spec:
  priority: 30
  subject: {namespaces: {}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring-ns}}}]}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {app: kube-dns}}}}]}
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: isolate, namespace: foo-ns-1}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"#,
        except: &[
            ("foo1", "bar", ""),
            ("foo1", "foo2", ""),
            ("foo1", "mon", ""),
            ("bar", "foo1", ""),
            ("foo2", "foo1", ""),
            ("dns", "foo1", ""),
        ],
    },
    Case {
        // Egress to bar-ns allowed on TCP except 8080 and 9090; 8080 is
        // passed to a NetworkPolicy that allows only TCP 9090 from foo-ns-1
        // (and isolates its egress); 9090 is matched by no ANP rule. The
        // peer's `pods` peer has no `podSelector` (required): `{}` here.
        name: "anp_test_3_pass_traffic",
        namespaces: &[Ns("foo-ns-1", &[]), Ns("foo-ns-2", &[]), Ns("bar-ns", &[])],
        pods: &[
            P("foo1", "foo-ns-1", &[("app", "foo")], &[]),
            P("foo2", "foo-ns-2", &[("app", "foo")], &[]),
            P("bar", "bar-ns", &[("app", "bar")], &[]),
        ],
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: delegate-8080}
spec:
  priority: 20
  subject: {namespaces: {}}
  egress:
    - action: Allow
      to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: bar-ns}}, podSelector: {}}}]
      ports:
        - {portRange: {protocol: TCP, start: 1, end: 8079}}
        - {portRange: {protocol: TCP, start: 8081, end: 9089}}
        - {portRange: {protocol: TCP, start: 9091, end: 65535}}
    - action: Pass
      to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: bar-ns}}, podSelector: {}}}]
      ports: [{portNumber: {protocol: TCP, port: 8080}}]
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: egress-9090-to-bar, namespace: foo-ns-1}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: bar-ns}}}]
      ports: [{port: 9090, protocol: TCP}]
"#,
        except: &[
            ("foo1", "bar", "TCP 1-8079,8081-65535"),
            ("foo1", "foo2", ""),
        ],
    },
    Case {
        // Deny ingress from slytherin, Pass egress to it, and a
        // NetworkPolicy isolating gryffindor except to/from slytherin.
        name: "anp_test_5",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: pass-deny}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Pass, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: only-slytherin, namespace: gryffindor}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {conformance-house: slytherin}}}]}]
  egress: [{to: [{namespaceSelector: {matchLabels: {conformance-house: slytherin}}}]}]
"#,
        except: &[
            ("s", "g", ""),
            ("g", "h", ""),
            ("g", "r", ""),
            ("h", "g", ""),
            ("r", "g", ""),
        ],
    },
    Case {
        // `anp_test_4` with the Pass policy moved to priority 40, ahead of
        // the Deny at 50: the baseline decides, and it allows.
        name: "anp_test_4_with_priority_chang_pass_to_banp",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p50}
spec:
  priority: 50
  subject: {pods: {namespaceSelector: {matchLabels: {conformance-house: gryffindor}}, podSelector: {matchLabels: {conformance-house: gryffindor}}}}
  ingress:
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
  egress:
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p40}
spec:
  priority: 40
  subject: {pods: {namespaceSelector: {matchLabels: {conformance-house: gryffindor}}, podSelector: {matchLabels: {conformance-house: gryffindor}}}}
  ingress:
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
  egress:
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {pods: {namespaceSelector: {matchLabels: {conformance-house: gryffindor}}, podSelector: {matchLabels: {conformance-house: gryffindor}}}}
  ingress:
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
"#,
        except: &[],
    },
    Case {
        // Pass on TCP 80 to a baseline that allows TCP 80-81 and denies the
        // rest from that peer.
        name: "anp_with_banp_new_test",
        namespaces: NS12,
        pods: NS12_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: pass-80}
spec:
  priority: 10
  subject: {pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns1}}, podSelector: {matchLabels: {app: a-app}}}}
  ingress:
    - action: Pass
      from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}}]
      ports: [{portNumber: {port: 80, protocol: TCP}}]
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns1}}, podSelector: {matchLabels: {app: a-app}}}}
  ingress:
    - action: Allow
      from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}}]
      ports: [{portNumber: {port: 81, protocol: TCP}}, {portNumber: {port: 80, protocol: TCP}}]
    - action: Deny
      from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}}]
"#,
        except: &[("ns2-pod1", "ns1-pod1", "TCP 80-81")],
    },
    Case {
        // Allow TCP 80, Pass TCP 81 and UDP 80-81 to a baseline that denies
        // UDP 80 and allows UDP 81; no NetworkPolicy.
        name: "anp_with_banp_pass_test",
        namespaces: NS12,
        pods: NS12_PODS,
        policies: ALLOW_80_PASS_81_BANP,
        except: &[(
            "ns2-pod1",
            "ns1-pod1",
            "SCTP 1-65535,TCP 1-65535,UDP 1-79,81-65535",
        )],
    },
    Case {
        // The same with a NetworkPolicy that isolates ns1 and allows UDP 80
        // in: the passed traffic is decided there (UDP 80 only), the
        // baseline is never reached.
        name: "anp_with_np_and_banp_pass_test",
        namespaces: NS12,
        pods: NS12_PODS,
        policies: ALLOW_80_PASS_81_NP_BANP,
        except: &[
            ("ns2-pod1", "ns1-pod1", "TCP 80,UDP 80"),
            ("ns1-pod1", "ns2-pod1", ""),
        ],
    },
    Case {
        // `anp_test_6`'s ingress policy and `anp_test_10`'s egress policy on
        // the same namespace, together.
        name: "anp_test_combining_test_6_and_test_10",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: egress-udp}
spec:
  priority: 7
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: ingress-udp}
spec:
  priority: 4
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
"#,
        except: &[
            ("g", "h", "UDP 53"),
            ("h", "g", "UDP 53"),
            ("h", "s", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
            ("s", "h", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
        ],
    },
    Case {
        // Every namespace: ingress allowed on UDP 5353 and TCP 2000 only;
        // egress to foo-ns-2 allowed on UDP 5000-6000 and TCP 8080 only.
        // A pair's answer is the intersection of both.
        name: "anp_test_ingress_egress_intersection",
        namespaces: FOO_BAR_NS,
        pods: FOO_BAR_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: intersection}
spec:
  priority: 30
  subject: {namespaces: {}}
  ingress:
    - {action: Allow, from: [{namespaces: {}}], ports: [{portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: TCP, port: 2000}}]}
    - {action: Deny, from: [{namespaces: {}}]}
  egress:
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: foo-ns-2}}}], ports: [{portRange: {protocol: UDP, start: 5000, end: 6000}}, {portNumber: {protocol: TCP, port: 8080}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: foo-ns-2}}}]}
"#,
        except: &[
            ("foo1", "foo2", "UDP 5353"),
            ("bar", "foo2", "UDP 5353"),
            ("mon", "foo2", "UDP 5353"),
            ("dns", "foo2", "UDP 5353"),
            ("foo1", "bar", "TCP 2000,UDP 5353"),
            ("foo1", "mon", "TCP 2000,UDP 5353"),
            ("foo1", "dns", "TCP 2000,UDP 5353"),
            ("foo2", "foo1", "TCP 2000,UDP 5353"),
            ("foo2", "bar", "TCP 2000,UDP 5353"),
            ("foo2", "mon", "TCP 2000,UDP 5353"),
            ("foo2", "dns", "TCP 2000,UDP 5353"),
            ("bar", "foo1", "TCP 2000,UDP 5353"),
            ("bar", "mon", "TCP 2000,UDP 5353"),
            ("bar", "dns", "TCP 2000,UDP 5353"),
            ("mon", "foo1", "TCP 2000,UDP 5353"),
            ("mon", "bar", "TCP 2000,UDP 5353"),
            ("mon", "dns", "TCP 2000,UDP 5353"),
            ("dns", "foo1", "TCP 2000,UDP 5353"),
            ("dns", "bar", "TCP 2000,UDP 5353"),
            ("dns", "mon", "TCP 2000,UDP 5353"),
        ],
    },
    Case {
        // One egress rule with three kinds of port: a UDP range, a TCP port
        // and a named port resolved on the destination (`dns` is its UDP
        // 80). The peer's rules also list a `networks` peer, which the API
        // refuses next to a `namedPort` (dvmlint reads the object as
        // rejected); it is left out here, and no pod pair depends on it.
        name: "anp_test_named_ports_multiple_peers",
        namespaces: &[
            Ns("ns1", &[("apps", "all-apps")]),
            Ns("ns3", &[("apps", "external-apps")]),
        ],
        pods: &[
            P("ns1-pod1", "ns1", &[("app", "a-app")], &[]),
            P(
                "ns3-pod1",
                "ns3",
                &[("app", "web")],
                &[("dns", 80, Protocol::Udp)],
            ),
        ],
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: egress-two-peers}
spec:
  priority: 30
  subject: {namespaces: {matchLabels: {apps: all-apps}}}
  egress:
    - action: Allow
      to: [{pods: {namespaceSelector: {matchLabels: {apps: external-apps}}, podSelector: {matchLabels: {app: web}}}}]
      ports: [{portRange: {protocol: UDP, start: 5000, end: 6000}}, {portNumber: {protocol: TCP, port: 8080}}, {namedPort: dns}]
    - action: Deny
      to: [{pods: {namespaceSelector: {matchLabels: {apps: external-apps}}, podSelector: {matchLabels: {app: web}}}}]
"#,
        except: &[("ns1-pod1", "ns3-pod1", "TCP 8080,UDP 80,5000-6000")],
    },
    Case {
        // The baseline's egress rules in order, on SCTP 9003.
        name: "banp_test_core_egress_sctp_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  egress:
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
"#,
        except: &[
            ("r", "s", "SCTP 1-9002,9004-65535,TCP 1-65535,UDP 1-65535"),
            ("r", "h", "SCTP 9003"),
        ],
    },
    Case {
        // The baseline's egress rules in order, on TCP 80 and 8080.
        name: "banp_test_core_egress_tcp_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  egress:
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
"#,
        except: &[
            ("g", "s", "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"),
            ("g", "h", "TCP 8080"),
        ],
    },
    Case {
        // The baseline's egress rules in order, on UDP 53 and 5353.
        name: "banp_test_core_egress_udp_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  egress:
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
"#,
        except: &[
            ("h", "g", "UDP 53"),
            ("h", "s", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
        ],
    },
    Case {
        // The baseline's ingress rules in order, on SCTP 9003.
        name: "banp_test_core_ingress_sctp_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
"#,
        except: &[
            ("s", "r", "SCTP 1-9002,9004-65535,TCP 1-65535,UDP 1-65535"),
            ("h", "r", "SCTP 9003"),
        ],
    },
    Case {
        // The baseline's ingress rules in order, on TCP 80.
        name: "banp_test_core_ingress_tcp_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
"#,
        except: &[
            ("s", "g", "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"),
            ("h", "g", "TCP 80"),
        ],
    },
    Case {
        // The baseline's ingress rules in order, on UDP 53 and 5353.
        name: "banp_test_core_ingress_udp_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
"#,
        except: &[
            ("g", "h", "UDP 53"),
            ("s", "h", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
        ],
    },
    Case {
        // `anp_test_6` with rules reordered (Deny before Allow, Pass before
        // Deny) and a second denied port (UDP 5000) that only the Deny lists.
        name: "anp_test_6_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p4}
spec:
  priority: 4
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: UDP, port: 5000}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
"#,
        except: &[
            ("g", "h", "UDP 53"),
            ("s", "h", "SCTP 1-65535,TCP 1-65535,UDP 1-4999,5001-65535"),
            ("r", "h", ""),
        ],
    },
    Case {
        // `anp_test_7` reordered: Pass first for ravenclaw (the Allow after it
        // is never reached; no NetworkPolicy, no baseline: allowed), the
        // blanket Deny before the port-scoped Allow for hufflepuff.
        name: "anp_test_7_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p3}
spec:
  priority: 3
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  ingress:
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
"#,
        except: &[("h", "g", "")],
    },
    Case {
        // `anp_test_8` reordered: Deny first for gryffindor, Pass before Deny
        // for slytherin.
        name: "anp_test_8_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p5}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
"#,
        except: &[("g", "r", ""), ("h", "r", "SCTP 9003")],
    },
    Case {
        // `anp_test_9` reordered, both directions.
        name: "anp_test_9_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p15}
spec:
  priority: 15
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  ingress:
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
  egress:
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
"#,
        except: &[
            ("g", "h", "SCTP 9003,TCP 8080,UDP 5353"),
            ("g", "r", ""),
            ("h", "g", "SCTP 9003,TCP 80,UDP 5353"),
            ("r", "g", ""),
        ],
    },
    Case {
        // `anp_test_10` reordered: Deny first for ravenclaw, the blanket Deny
        // before the port-scoped Allow for gryffindor.
        name: "anp_test_10_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p7}
spec:
  priority: 7
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  egress:
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
"#,
        except: &[
            ("h", "g", ""),
            ("h", "s", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
            ("h", "r", ""),
        ],
    },
    Case {
        // `anp_test_11` reordered: Deny first for ravenclaw, Pass before Deny
        // for slytherin.
        name: "anp_test_11_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p6}
spec:
  priority: 6
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  egress:
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
"#,
        except: &[("g", "h", "TCP 8080"), ("g", "r", "")],
    },
    Case {
        // `anp_test_12` reordered: Deny first for gryffindor, Pass before Deny
        // for slytherin.
        name: "anp_test_12_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p8}
spec:
  priority: 8
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  egress:
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
"#,
        except: &[("r", "g", ""), ("r", "h", "SCTP 9003")],
    },
    Case {
        // `banp_test_core_gress_rules` with Deny before Allow for ravenclaw.
        name: "banp_test_core_gress_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
  egress:
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
"#,
        except: &[
            (
                "g",
                "s",
                "SCTP 1-9002,9004-65535,TCP 1-79,81-65535,UDP 1-52,54-65535",
            ),
            ("g", "h", "SCTP 9003,TCP 8080,UDP 5353"),
            ("g", "r", ""),
            (
                "s",
                "g",
                "SCTP 1-9002,9004-65535,TCP 1-79,81-65535,UDP 1-52,54-65535",
            ),
            ("h", "g", "SCTP 9003,TCP 80,UDP 5353"),
            ("r", "g", ""),
        ],
    },
    Case {
        // The baseline's SCTP egress rules, Deny before Allow for gryffindor.
        name: "banp_test_core_egress_sctp_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  egress:
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
"#,
        except: &[
            ("r", "g", ""),
            ("r", "s", "SCTP 1-9002,9004-65535,TCP 1-65535,UDP 1-65535"),
            ("r", "h", "SCTP 9003"),
        ],
    },
    Case {
        // The baseline's TCP egress rules, the blanket Deny before the
        // port-scoped Allow for hufflepuff.
        name: "banp_test_core_egress_tcp_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  egress:
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}]}
"#,
        except: &[
            ("g", "s", "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"),
            ("g", "h", ""),
        ],
    },
    Case {
        // The baseline's UDP egress rules, Deny before Allow for ravenclaw.
        name: "banp_test_core_egress_udp_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  egress:
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
"#,
        except: &[
            ("h", "g", "UDP 53"),
            ("h", "s", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
            ("h", "r", ""),
        ],
    },
    Case {
        // The baseline's SCTP ingress rules, Deny before Allow for gryffindor.
        name: "banp_test_core_ingress_sctp_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
"#,
        except: &[
            ("g", "r", ""),
            ("s", "r", "SCTP 1-9002,9004-65535,TCP 1-65535,UDP 1-65535"),
            ("h", "r", "SCTP 9003"),
        ],
    },
    Case {
        // The baseline's TCP ingress rules, the blanket Deny before the
        // port-scoped Allow for hufflepuff.
        name: "banp_test_core_ingress_tcp_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
"#,
        except: &[
            ("s", "g", "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"),
            ("h", "g", ""),
        ],
    },
    Case {
        // The baseline's UDP ingress rules, Deny before Allow for ravenclaw.
        name: "banp_test_core_ingress_udp_swapping_rules",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
"#,
        except: &[
            ("g", "h", "UDP 53"),
            ("s", "h", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
            ("r", "h", ""),
        ],
    },
    Case {
        // Ten ANPs at once (those of `anp_test_4`, `_5`, `_6`-`_12`) and
        // `anp_test_5`'s NetworkPolicy: priorities order them across
        // subjects and directions.
        name: "anp_test_multiple_anps",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p7}
spec:
  priority: 7
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p6}
spec:
  priority: 6
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p8}
spec:
  priority: 8
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p50}
spec:
  priority: 50
  subject: {pods: {namespaceSelector: {matchLabels: {conformance-house: gryffindor}}, podSelector: {matchLabels: {conformance-house: gryffindor}}}}
  ingress:
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
  egress:
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p60}
spec:
  priority: 60
  subject: {pods: {namespaceSelector: {matchLabels: {conformance-house: gryffindor}}, podSelector: {matchLabels: {conformance-house: gryffindor}}}}
  ingress:
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
  egress:
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {conformance-house: slytherin}}, podSelector: {matchLabels: {conformance-house: slytherin}}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p4}
spec:
  priority: 4
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: UDP, port: 5353}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p3}
spec:
  priority: 3
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p5}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p15}
spec:
  priority: 15
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  ingress:
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
  egress:
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p10}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Pass, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: np, namespace: gryffindor}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - {from: [{namespaceSelector: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {to: [{namespaceSelector: {matchLabels: {conformance-house: slytherin}}}]}
"#,
        except: &[
            ("g", "s", "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535"),
            ("g", "h", ""),
            ("s", "g", ""),
            ("s", "h", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
            ("s", "r", "SCTP 1-9002,9004-65535,TCP 1-65535,UDP 1-65535"),
            ("h", "g", ""),
            ("h", "s", "SCTP 1-65535,TCP 1-65535,UDP 1-5352,5354-65535"),
            ("h", "r", "SCTP 9003"),
            ("r", "s", "SCTP 1-9002,9004-65535,TCP 1-65535,UDP 1-65535"),
            ("r", "h", "SCTP 9003"),
        ],
    },
    Case {
        // The peer's demonstration: four ANPs, a baseline denying ingress
        // from hufflepuff everywhere, and NetworkPolicies in ravenclaw
        // (TCP from slytherin, UDP 52 from gryffindor) and gryffindor.
        name: "anp_demo",
        namespaces: HOUSES,
        pods: HOUSE_PODS,
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p15}
spec:
  priority: 15
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}
  ingress:
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}, podSelector: {}}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
  egress:
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Pass, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}, {portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}, {portNumber: {protocol: UDP, port: 5353}}, {portNumber: {protocol: SCTP, port: 9003}}]}
    - {action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}, podSelector: {}}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p4}
spec:
  priority: 4
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}
  ingress:
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}]}
    - {action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p5}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: ravenclaw}}}
  ingress:
    - {action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: gryffindor}}}]}
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: slytherin}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
    - {action: Pass, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: slytherin}}, podSelector: {}}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: hufflepuff}}}]}
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: np, namespace: ravenclaw}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - {from: [{namespaceSelector: {matchLabels: {conformance-house: slytherin}}}], ports: [{port: 1, endPort: 65535, protocol: TCP}]}
    - {from: [{namespaceSelector: {matchLabels: {conformance-house: gryffindor}}}], ports: [{port: 52, protocol: UDP}]}
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: p10}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Pass, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: np, namespace: gryffindor}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - {from: [{namespaceSelector: {matchLabels: {conformance-house: slytherin}}}]}
"#,
        except: &[
            (
                "g",
                "s",
                "SCTP 1-9002,9004-65535,TCP 1-79,81-65535,UDP 1-52,54-65535",
            ),
            ("g", "h", "SCTP 9003,TCP 8080,UDP 5353"),
            ("g", "r", "UDP 52"),
            ("s", "r", "TCP 1-79,81-65535"),
            ("h", "g", "SCTP 9003,TCP 80,UDP 5353"),
            ("h", "s", ""),
            ("h", "r", ""),
            ("r", "g", ""),
            ("r", "s", ""),
            ("r", "h", ""),
        ],
    },
    Case {
        // A baseline denying all ingress into the `security: internal`
        // namespaces; monitoring's ingress is allowed cluster-wide at
        // priority 9 but passed at 7 for internal namespaces, where only
        // foo's NetworkPolicy lets it in.
        name: "anp_banp_blog_demo",
        namespaces: BLOG_NS,
        pods: BLOG_PODS,
        policies: r#"
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: allow-monitoring, namespace: foo}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}]
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {security: internal}}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: allow-monitoring}
spec:
  priority: 9
  subject: {namespaces: {}}
  ingress: [{action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}]
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: pass-monitoring}
spec:
  priority: 7
  subject: {namespaces: {matchLabels: {security: internal}}}
  ingress: [{action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}]
"#,
        except: &[
            ("bar", "foo", ""),
            ("baz", "foo", ""),
            ("foo", "bar", ""),
            ("baz", "bar", ""),
            ("mon", "bar", ""),
        ],
    },
    Case {
        // The same scoped to ports: the baseline denies TCP 1-9000, the
        // Allow is on TCP 1234, the Pass on TCP 8080. The peer stores this
        // case's answer as an explanation (`..._explain_output.txt`), read
        // here pair by pair. Its NetworkPolicy writes `podSelector:` with
        // no value (null), which selects every pod of the namespace.
        name: "anp_banp_blog_demo_2",
        namespaces: BLOG_NS,
        pods: BLOG_PODS,
        policies: r#"
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: allow-monitoring, namespace: foo}
spec:
  podSelector:
  policyTypes: [Ingress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}]
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {security: internal}}}
  ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portRange: {protocol: TCP, start: 1, end: 9000}}]}]
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: allow-monitoring}
spec:
  priority: 9
  subject: {namespaces: {}}
  ingress: [{action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}], ports: [{portNumber: {protocol: TCP, port: 1234}}]}]
---
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: pass-monitoring}
spec:
  priority: 7
  subject: {namespaces: {matchLabels: {security: internal}}}
  ingress: [{action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}], ports: [{portNumber: {protocol: TCP, port: 8080}}]}]
"#,
        except: &[
            ("bar", "foo", ""),
            ("baz", "foo", ""),
            ("baz", "bar", "SCTP 1-65535,TCP 9001-65535,UDP 1-65535"),
            ("foo", "bar", "SCTP 1-65535,TCP 9001-65535,UDP 1-65535"),
            ("mon", "bar", "SCTP 1-65535,TCP 1234,9001-65535,UDP 1-65535"),
        ],
    },
    Case {
        // `networks` and `nodes` peers (IPv4, IPv6) beside a namespace peer
        // in both tiers: they match no pod, so only the namespace peers
        // decide; the ingress Allow names a port no container has.
        name: "anp_banp_test_multiple_warnings",
        namespaces: &[
            Ns("gryffindor", &[("conformance-house", "gryffindor")]),
            Ns("slytherin", &[("conformance-house", "slytherin")]),
        ],
        pods: &[
            P(
                "g",
                "gryffindor",
                &[("conformance-house", "gryffindor")],
                &[("web", 80, Protocol::Tcp)],
            ),
            P("s", "slytherin", &[("conformance-house", "slytherin")], &[]),
        ],
        policies: r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: warnings}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}], ports: [{namedPort: no-web}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Allow, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}, {networks: ["ff06::/3", 10.0.0.0/8]}, {nodes: {matchExpressions: [{key: worker-group, operator: In, values: [infra]}]}}]}
    - {action: Pass, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Allow, to: [{networks: ["fd00::/8"]}, {nodes: {matchExpressions: [{key: worker-group, operator: In, values: [infra]}]}}]}
    - {action: Deny, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}, {networks: [0.0.0.0/0]}]}
"#,
        except: &[("s", "g", "")],
    },
];

// ---------- the foo/bar namespaces of the peer's cluster-level cases ----------

const FOO_BAR_NS: &[Ns] = &[
    Ns("foo-ns-1", &[]),
    Ns("foo-ns-2", &[]),
    Ns("bar-ns", &[]),
    Ns("monitoring-ns", &[]),
    Ns("kube-system", &[]),
];

const FOO_BAR_PODS: &[P] = &[
    P("foo1", "foo-ns-1", &[("app", "foo")], &[]),
    P("foo2", "foo-ns-2", &[("app", "foo")], &[]),
    P("bar", "bar-ns", &[("app", "bar")], &[]),
    P("mon", "monitoring-ns", &[("app", "bar")], &[]),
    P("dns", "kube-system", &[("app", "kube-dns")], &[]),
];

const NS12: &[Ns] = &[Ns("ns1", &[]), Ns("ns2", &[])];

const NS12_PODS: &[P] = &[
    P("ns1-pod1", "ns1", &[("app", "a-app")], &[]),
    P("ns2-pod1", "ns2", &[("app", "a-app")], &[]),
];

/// Allow TCP 80 and Pass TCP 81, UDP 80-81 from ns2 into ns1, and a
/// baseline denying UDP 80 and allowing UDP 81 (a macro, so that `concat!`
/// can add a NetworkPolicy).
macro_rules! allow_80_pass_81_banp {
    () => {
        r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: allow-80-pass-81}
spec:
  priority: 10
  subject: {pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns1}}, podSelector: {matchLabels: {app: a-app}}}}
  ingress:
    - action: Allow
      from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}}]
      ports: [{portNumber: {port: 80, protocol: TCP}}]
    - action: Pass
      from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}}]
      ports: [{portNumber: {protocol: UDP, port: 80}}, {portNumber: {protocol: UDP, port: 81}}, {portNumber: {protocol: TCP, port: 81}}]
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns1}}, podSelector: {matchLabels: {app: a-app}}}}
  ingress:
    - action: Deny
      from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}}]
      ports: [{portNumber: {port: 80, protocol: UDP}}]
    - action: Allow
      from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}}]
      ports: [{portNumber: {port: 81, protocol: UDP}}]
"#
    };
}

const ALLOW_80_PASS_81_BANP: &str = allow_80_pass_81_banp!();

const ALLOW_80_PASS_81_NP_BANP: &str = concat!(
    allow_80_pass_81_banp!(),
    r#"---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: udp-80-from-ns2, namespace: ns1}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ns2}}, podSelector: {matchLabels: {app: a-app}}}]
      ports: [{port: 80, protocol: UDP}]
"#
);

// ---------- the namespaces of the peer's blog demonstration ----------

const BLOG_NS: &[Ns] = &[
    Ns("foo", &[("security", "internal")]),
    Ns("bar", &[("security", "internal")]),
    Ns("baz", &[]),
    Ns("monitoring", &[]),
];

const BLOG_PODS: &[P] = &[
    P("foo", "foo", &[("security", "internal")], &[]),
    P("bar", "bar", &[("security", "internal")], &[]),
    P("baz", "baz", &[("security", "none")], &[]),
    P("mon", "monitoring", &[("security", "monitoring")], &[]),
];
const NAMED_PORT_WEB: &str = r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: pass-example}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}], ports: [{namedPort: web}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Pass, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Deny, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
"#;

const NAMED_PORT_NO_WEB: &str = r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: pass-example}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Allow, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}], ports: [{namedPort: no-web}]}
    - {action: Pass, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Pass, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Deny, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
"#;

const PASS_NP_BASELINE: &str = r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: pass-example}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Pass, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Pass, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: allow-slytherin, namespace: gryffindor}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {conformance-house: slytherin}}}]
  egress:
    - to: [{namespaceSelector: {matchLabels: {conformance-house: slytherin}}}]
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Deny, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
"#;

const PASS_THEN_BASELINE: &str = r#"
kind: AdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: pass-example}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Pass, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Pass, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
---
kind: BaselineAdminNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha1
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {conformance-house: gryffindor}}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
  egress:
    - {action: Deny, to: [{namespaces: {matchLabels: {conformance-house: slytherin}}}]}
"#;

#[test]
fn agrees_with_the_peer_on_its_anp_and_banp_cases() {
    let (cases, pairs, problems) = run(CASES);
    eprintln!(
        "{cases} cases, {pairs} pod pairs, {} disagreements",
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The peer's "bad path" cases (`anp_bad_path_test_*`, `banp_bad_path_test_*`)
/// are objects it refuses with an error. Each category, re-expressed as a
/// minimal object: dvmlint reads it as rejected by the API server, so it
/// applies nowhere (and `probe` says why). Two categories differ by design
/// and are not here: two ANPs of one priority (OVN-Kubernetes accepts them
/// and applies them in no defined order; dvmlint evaluates them in file
/// order and says so), and two objects of one name (the later definition
/// replaces the earlier, DVM401).
#[test]
fn rejects_what_the_peer_refuses() {
    let head = "kind: AdminNetworkPolicy\napiVersion: policy.networking.k8s.io/v1alpha1\nmetadata: {name: x}\nspec:\n";
    let banp = "kind: BaselineAdminNetworkPolicy\napiVersion: policy.networking.k8s.io/v1alpha1\nmetadata: {name: default}\nspec:\n";
    let cases: &[(&str, String)] = &[
        (
            "priority above 1000",
            format!("{head}  priority: 1001\n  subject: {{namespaces: {{}}}}\n"),
        ),
        (
            "subject with two fields",
            format!(
                "{head}  priority: 1\n  subject: {{namespaces: {{}}, pods: {{namespaceSelector: {{}}, podSelector: {{}}}}}}\n"
            ),
        ),
        (
            "subject with no field",
            format!("{head}  priority: 1\n  subject: {{}}\n"),
        ),
        (
            "egress rule without peers",
            format!(
                "{head}  priority: 1\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Deny}}]\n"
            ),
        ),
        (
            "peer with two fields",
            format!(
                "{head}  priority: 1\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Deny, to: [{{namespaces: {{}}, networks: [10.0.0.0/8]}}]}}]\n"
            ),
        ),
        (
            "port with two fields",
            format!(
                "{head}  priority: 1\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Deny, to: [{{namespaces: {{}}}}], ports: [{{portNumber: {{port: 80}}, namedPort: web}}]}}]\n"
            ),
        ),
        (
            "unknown action",
            format!(
                "{head}  priority: 1\n  subject: {{namespaces: {{}}}}\n  ingress: [{{action: Drop, from: [{{namespaces: {{}}}}]}}]\n"
            ),
        ),
        (
            "invalid CIDR",
            format!(
                "{head}  priority: 1\n  subject: {{namespaces: {{}}}}\n  egress: [{{action: Deny, to: [{{networks: [1.2.3.4/40]}}]}}]\n"
            ),
        ),
        (
            "ingress rule without peers",
            format!(
                "{head}  priority: 1\n  subject: {{namespaces: {{}}}}\n  ingress: [{{action: Allow, from: []}}]\n"
            ),
        ),
        (
            "ingress peer of an egress-only kind",
            format!(
                "{head}  priority: 1\n  subject: {{namespaces: {{}}}}\n  ingress: [{{action: Allow, from: [{{networks: [10.0.0.0/8]}}]}}]\n"
            ),
        ),
        (
            "baseline not named default",
            banp.replace("default", "other") + "  subject: {namespaces: {}}\n",
        ),
        (
            "baseline with Pass",
            format!(
                "{banp}  subject: {{namespaces: {{}}}}\n  egress: [{{action: Pass, to: [{{namespaces: {{}}}}]}}]\n"
            ),
        ),
        (
            "baseline subject with no field",
            format!("{banp}  subject: {{}}\n"),
        ),
    ];
    let mut accepted = Vec::new();
    for (what, text) in cases {
        let parsed = dvmlint::yaml::parse_chunk(text, 1, dvmlint::yaml::Limits::default());
        let doc = &parsed.documents[0];
        let meta = ObjectMeta::from_node(doc).unwrap();
        let tier = if meta.kind.value == "AdminNetworkPolicy" {
            AdminTier::Admin
        } else {
            AdminTier::Baseline
        };
        if AdminPolicyView::from_node(doc, &meta.name_text(), tier)
            .rejected
            .is_none()
        {
            accepted.push(*what);
        }
    }
    assert!(accepted.is_empty(), "accepted: {accepted:?}");
}
