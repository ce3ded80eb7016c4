#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Property tests (docs/robustness.md, "Property tests"): the network and proxy
//! libraries against brute-force or independently written references.
//!
//! 1. `IpSet` arithmetic against a bitmap of every address of a /24 and a /120.
//! 2. NetworkPolicy evaluator monotonicity.
//! 3. `NoProxy::decide` against a reference port of Go's `httpproxy.useProxy`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use dvmlint::net::IpSet;
use dvmlint::net::netpol::{Peer, Pod, Policy, PolicySet, PolicyType, Rule};
use dvmlint::net::ports::{ContainerPort, PortRange, PortSpec, Protocol};
use dvmlint::net::selector::{LabelSelector, LabelValue, Labels, Operator, Requirement};
use dvmlint::proxy::noproxy::{Decision, DirectBy, GoRevision, NoProxy};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use proptest::prelude::*;

// ===================================================================
// 1. IpSet against a bitmap
// ===================================================================

/// A set of addresses of one 256-address block, by last byte.
type Bits = [bool; 256];

fn v4(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, last)
}

fn v6(last: u8) -> Ipv6Addr {
    Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, u16::from(last))
}

/// A network inside the block: any base (host bits may be set: IpSet truncates), prefix
/// /24..=/32 (IPv4) or /120..=/128 (IPv6).
#[derive(Clone, Copy, Debug)]
struct SmallNet {
    base: u8,
    /// Host bits, 0..=8.
    host_bits: u8,
}

impl SmallNet {
    fn bits(self) -> Bits {
        let mask: u16 = (1u16 << self.host_bits) - 1;
        let start = u16::from(self.base) & !mask;
        let mut b = [false; 256];
        for a in start..=start + mask {
            b[usize::from(a)] = true;
        }
        b
    }
    fn v4(self) -> IpNet {
        IpNet::V4(Ipv4Net::new(v4(self.base), 32 - self.host_bits).unwrap())
    }
    fn v6(self) -> IpNet {
        IpNet::V6(Ipv6Net::new(v6(self.base), 128 - self.host_bits).unwrap())
    }
}

fn small_net() -> impl Strategy<Value = SmallNet> {
    (any::<u8>(), 0u8..=8).prop_map(|(base, host_bits)| SmallNet { base, host_bits })
}

/// A set given as networks of both families.
#[derive(Clone, Debug)]
struct TwoFamilies {
    v4: Vec<SmallNet>,
    v6: Vec<SmallNet>,
}

impl TwoFamilies {
    fn set(&self) -> IpSet {
        self.v4
            .iter()
            .map(|n| n.v4())
            .chain(self.v6.iter().map(|n| n.v6()))
            .collect()
    }
    fn bits(&self) -> (Bits, Bits) {
        (union_all(&self.v4), union_all(&self.v6))
    }
}

fn union_all(nets: &[SmallNet]) -> Bits {
    let mut b = [false; 256];
    for n in nets {
        for (x, y) in b.iter_mut().zip(n.bits()) {
            *x |= y;
        }
    }
    b
}

fn two_families() -> impl Strategy<Value = TwoFamilies> {
    (
        prop::collection::vec(small_net(), 0..5),
        prop::collection::vec(small_net(), 0..4),
    )
        .prop_map(|(v4, v6)| TwoFamilies { v4, v6 })
}

fn zip_with(a: &Bits, b: &Bits, f: impl Fn(bool, bool) -> bool) -> Bits {
    let mut out = [false; 256];
    for i in 0..256 {
        out[i] = f(a[i], b[i]);
    }
    out
}

/// The unique minimal CIDR decomposition of a bitmap, sorted by address: a block is one CIDR
/// when full, nothing when empty, else the decomposition of its halves.
fn minimal_cidrs(b: &Bits, start: usize, len: usize, out: &mut Vec<(u8, u8)>) {
    let block = &b[start..start + len];
    if block.iter().all(|x| *x) {
        out.push((start as u8, len.trailing_zeros() as u8));
    } else if block.iter().any(|x| *x) {
        minimal_cidrs(b, start, len / 2, out);
        minimal_cidrs(b, start + len / 2, len / 2, out);
    }
}

fn reference_cidrs(v4b: &Bits, v6b: &Bits) -> Vec<IpNet> {
    let mut a = Vec::new();
    minimal_cidrs(v4b, 0, 256, &mut a);
    let mut c = Vec::new();
    minimal_cidrs(v6b, 0, 256, &mut c);
    a.into_iter()
        .map(|(base, host_bits)| SmallNet { base, host_bits }.v4())
        .chain(
            c.into_iter()
                .map(|(base, host_bits)| SmallNet { base, host_bits }.v6()),
        )
        .collect()
}

/// Checks every observable of `set` against the bitmaps.
fn check_set(set: &IpSet, v4b: &Bits, v6b: &Bits) -> Result<(), TestCaseError> {
    for i in 0..=255u8 {
        prop_assert_eq!(
            set.contains_addr(v4(i).into()),
            v4b[usize::from(i)],
            "10.0.0.{}",
            i
        );
        prop_assert_eq!(
            set.contains_addr(v6(i).into()),
            v6b[usize::from(i)],
            "fd00::{:x}",
            i
        );
    }
    // Nothing leaks outside the blocks.
    for outside in [
        "10.0.1.0",
        "9.255.255.255",
        "fd00::100",
        "fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ] {
        prop_assert!(!set.contains_addr(outside.parse().unwrap()), "{}", outside);
    }
    let empty = !v4b.iter().any(|x| *x) && !v6b.iter().any(|x| *x);
    prop_assert_eq!(set.is_empty(), empty);
    let expected = reference_cidrs(v4b, v6b);
    prop_assert_eq!(set.to_cidrs(), expected.clone());
    // Display / FromStr round trip.
    if !empty {
        let reparsed: IpSet = set.to_string().parse().unwrap();
        prop_assert_eq!(reparsed.to_cidrs(), expected);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ipset_matches_bitmap(a in two_families(), b in two_families(), probe in small_net()) {
        let (sa, sb) = (a.set(), b.set());
        let ((a4, a6), (b4, b6)) = (a.bits(), b.bits());
        check_set(&sa, &a4, &a6)?;
        check_set(&sb, &b4, &b6)?;

        let or = |x, y| x || y;
        let and = |x, y| x && y;
        let minus = |x, y: bool| x && !y;
        check_set(&sa.union(&sb), &zip_with(&a4, &b4, or), &zip_with(&a6, &b6, or))?;
        check_set(&sa.intersection(&sb), &zip_with(&a4, &b4, and), &zip_with(&a6, &b6, and))?;
        check_set(&sa.difference(&sb), &zip_with(&a4, &b4, minus), &zip_with(&a6, &b6, minus))?;

        let subset = |x: &Bits, y: &Bits| x.iter().zip(y).all(|(p, q)| !*p || *q);
        prop_assert_eq!(sa.is_superset_of(&sb), subset(&b4, &a4) && subset(&b6, &a6));
        let meets = |x: &Bits, y: &Bits| x.iter().zip(y).any(|(p, q)| *p && *q);
        prop_assert_eq!(sa.intersects(&sb), meets(&a4, &b4) || meets(&a6, &b6));
        prop_assert_eq!(sa == sb, a4 == b4 && a6 == b6);

        let pb = probe.bits();
        prop_assert_eq!(sa.contains_net(probe.v4()), subset(&pb, &a4));
        prop_assert_eq!(sa.contains_net(probe.v6()), subset(&pb, &a6));

        // Built incrementally with insert_net: the same set.
        let mut inc = IpSet::new();
        for n in &a.v4 { inc.insert_net(n.v4()); }
        for n in &a.v6 { inc.insert_net(n.v6()); }
        prop_assert_eq!(&inc, &sa);
    }
}

// ===================================================================
// 2. NetworkPolicy evaluator monotonicity
// ===================================================================

static NAMESPACES: [&str; 3] = ["a", "b", "c"]; // "c" has no known labels
static POD_KEYS: [&str; 2] = ["app", "tier"];
static VALUES: [&str; 2] = ["x", "y"];
static NS_KEYS: [&str; 2] = ["team", "kubernetes.io/metadata.name"];

fn label_value() -> impl Strategy<Value = LabelValue> {
    prop_oneof![
        4 => prop::sample::select(&VALUES[..]).prop_map(LabelValue::from),
        1 => Just(LabelValue::Opaque),
    ]
}

fn pod_labels() -> impl Strategy<Value = Labels> {
    prop::collection::btree_map(
        prop::sample::select(&POD_KEYS[..]).prop_map(str::to_string),
        label_value(),
        0..=2,
    )
}

fn selector(
    keys: &'static [&'static str],
    values: &'static [&'static str],
) -> impl Strategy<Value = LabelSelector> {
    let requirement = (
        prop::sample::select(keys),
        prop::sample::select(
            &[
                Operator::In,
                Operator::NotIn,
                Operator::Exists,
                Operator::DoesNotExist,
            ][..],
        ),
        prop::collection::vec(prop::sample::select(values), 0..=2),
    )
        .prop_map(|(k, op, vals)| Requirement::new(k, op, vals));
    (
        prop::collection::btree_map(
            prop::sample::select(keys).prop_map(str::to_string),
            prop::sample::select(values).prop_map(str::to_string),
            0..=1,
        ),
        prop::collection::vec(requirement, 0..=1),
    )
        .prop_map(|(match_labels, exprs)| {
            let mut s = LabelSelector::everything();
            s.match_labels = match_labels.into();
            for r in exprs {
                s = s.with_expression(r);
            }
            s
        })
}

fn pod_selector() -> impl Strategy<Value = LabelSelector> {
    selector(&POD_KEYS, &VALUES)
}

fn ns_selector() -> impl Strategy<Value = LabelSelector> {
    selector(&NS_KEYS, &["x", "y", "a", "b"])
}

fn cidr() -> impl Strategy<Value = IpNet> {
    small_net().prop_map(SmallNet::v4)
}

fn peer() -> impl Strategy<Value = Peer> {
    prop_oneof![
        (
            prop::option::of(pod_selector()),
            prop::option::of(ns_selector())
        )
            .prop_map(|(p, n)| Peer::Pods {
                pod_selector: p,
                namespace_selector: n
            }),
        (cidr(), prop::collection::vec(cidr(), 0..=1)).prop_map(|(c, e)| Peer::ip_block(c, e)),
    ]
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop::sample::select(&[Protocol::Tcp, Protocol::Udp][..])
}

fn port_spec() -> impl Strategy<Value = PortSpec> {
    prop_oneof![
        protocol().prop_map(PortSpec::any_port),
        (protocol(), prop::sample::select(&[53u16, 80, 443][..]))
            .prop_map(|(p, n)| PortSpec::number(p, n)),
        (protocol(), prop::sample::select(&["http", "dns"][..]))
            .prop_map(|(p, n)| PortSpec::named(p, n)),
        protocol().prop_map(|p| PortSpec::range(p, 50, 100)),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::collection::vec(peer(), 0..=2),
        prop::collection::vec(port_spec(), 0..=2),
    )
        .prop_map(|(peers, ports)| Rule { peers, ports })
}

fn policy_types() -> impl Strategy<Value = Option<Vec<PolicyType>>> {
    prop::option::of(prop::sample::subsequence(
        vec![PolicyType::Ingress, PolicyType::Egress],
        0..=2,
    ))
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        prop::sample::select(&NAMESPACES[..2]),
        pod_selector(),
        policy_types(),
        prop::collection::vec(rule(), 0..=2),
        prop::collection::vec(rule(), 0..=2),
    )
        .prop_map(|(ns, sel, types, ingress, egress)| Policy {
            pod_selector: sel,
            policy_types: types,
            ingress: ingress.into(),
            egress: egress.into(),
            ..Policy::new(ns, "p")
        })
}

fn pod() -> impl Strategy<Value = Pod> {
    (
        prop::sample::select(&NAMESPACES[..]),
        pod_labels(),
        any::<bool>(),
    )
        .prop_map(|(ns, labels, ports)| Pod {
            namespace: ns.to_string(),
            labels: labels.into(),
            ports: if ports {
                vec![
                    ContainerPort::named("http", 80, Protocol::Tcp),
                    ContainerPort::named("dns", 53, Protocol::Udp),
                ]
            } else {
                Vec::new()
            },
        })
}

fn namespace_labels() -> impl Strategy<Value = Vec<(String, Labels)>> {
    (label_value(), label_value()).prop_map(|(a, b)| {
        vec![
            ("a".to_string(), Labels::from([("team".to_string(), a)])),
            ("b".to_string(), Labels::from([("team".to_string(), b)])),
        ]
    })
}

/// Every allowed (query) of a policy set over a fixed universe of pods, ports and addresses,
/// as a map from query to allowed.
fn observe(set: &PolicySet, pods: &[Pod]) -> BTreeMap<String, bool> {
    let mut seen = BTreeMap::new();
    let ports = [53u16, 80, 443];
    let probes: Vec<Ipv4Addr> = [0u8, 1, 7, 64, 128, 200, 255]
        .into_iter()
        .map(v4)
        .chain([Ipv4Addr::new(192, 168, 0, 1)])
        .collect();
    let dest: IpSet = "10.0.0.0/24, 192.168.0.1".parse().unwrap();
    for (i, from) in pods.iter().enumerate() {
        for proto in [Protocol::Tcp, Protocol::Udp] {
            for (j, to) in pods.iter().enumerate() {
                for port in ports {
                    let e = set.egress_to_pod(from, to, port, proto).allowed;
                    let ing = set.ingress_from_pod(to, from, port, proto).allowed;
                    seen.insert(format!("E {i}->{j} {port}/{proto:?}"), e);
                    seen.insert(format!("I {j}<-{i} {port}/{proto:?}"), ing);
                }
            }
            for (dir, v) in [
                (
                    "EX",
                    set.egress_to_external(from, &dest, PortRange::new(50, 500).unwrap(), proto),
                ),
                (
                    "IX",
                    set.ingress_from_external(from, &dest, PortRange::new(50, 500).unwrap(), proto),
                ),
            ] {
                for addr in &probes {
                    for port in ports {
                        let denied = v.denied.iter().any(|r| {
                            r.ports.contains(port) && r.addresses.contains_addr(IpAddr::V4(*addr))
                        });
                        seen.insert(format!("{dir} {i} {addr}:{port}/{proto:?}"), !denied);
                    }
                }
                seen.insert(format!("{dir} {i} all/{proto:?}"), v.allowed);
            }
            let reach = set
                .egress_outside_reach(from, PortRange::ALL, proto)
                .possible;
            seen.insert(format!("reach {i}/{proto:?}"), reach);
        }
    }
    seen
}

/// Asserts that everything `before` allows, `after` allows too.
fn no_less(
    before: &BTreeMap<String, bool>,
    after: &BTreeMap<String, bool>,
) -> Result<(), TestCaseError> {
    for (q, allowed) in before {
        if *allowed {
            prop_assert!(after[q], "{} was allowed and is no longer", q);
        }
    }
    Ok(())
}

/// How an allow rule is added. Each keeps the policy's isolation unchanged, which is what
/// makes adding it monotone in Kubernetes: appending the first `egress` rule to a policy with
/// no `policyTypes` turns on Egress isolation, and a peer or port added to a rule whose list was
/// empty (= everything) narrows the rule; neither is "adding an allow rule".
#[derive(Clone, Debug)]
enum Addition {
    Rule(PolicyType, Rule),
    Peer(PolicyType, Peer),
    Port(PolicyType, PortSpec),
}

fn addition() -> impl Strategy<Value = Addition> {
    let dir = prop::sample::select(&[PolicyType::Ingress, PolicyType::Egress][..]);
    prop_oneof![
        (dir.clone(), rule()).prop_map(|(d, r)| Addition::Rule(d, r)),
        (dir.clone(), peer()).prop_map(|(d, p)| Addition::Peer(d, p)),
        (dir, port_spec()).prop_map(|(d, p)| Addition::Port(d, p)),
    ]
}

/// Runs `f` on a copy of the rules of direction `d` and puts the copy back
/// (a policy's rules are shared, `Arc<[Rule]>`).
fn with_rules<T>(p: &mut Policy, d: PolicyType, f: impl FnOnce(&mut Vec<Rule>) -> T) -> T {
    let slot = match d {
        PolicyType::Ingress => &mut p.ingress,
        PolicyType::Egress => &mut p.egress,
    };
    let mut rules = slot.to_vec();
    let out = f(&mut rules);
    *slot = rules.into();
    out
}

/// Applies `add` to policy `which` (modulo the count); false when it does not apply without
/// changing isolation or narrowing a rule.
fn apply(policies: &mut [Policy], which: usize, rule_index: usize, add: Addition) -> bool {
    let n = policies.len();
    let Some(p) = policies.get_mut(which % n.max(1)) else {
        return false;
    };
    match add {
        Addition::Rule(d, r) => {
            if !p.has_type(d) {
                return false;
            }
            with_rules(p, d, |rules| rules.push(r));
        }
        Addition::Peer(d, peer) => {
            let added = with_rules(p, d, |rules| {
                let len = rules.len();
                let Some(r) = rules.get_mut(rule_index % len.max(1)) else {
                    return false;
                };
                if r.peers.is_empty() {
                    return false;
                }
                r.peers.push(peer);
                true
            });
            if !added {
                return false;
            }
        }
        Addition::Port(d, port) => {
            let added = with_rules(p, d, |rules| {
                let len = rules.len();
                let Some(r) = rules.get_mut(rule_index % len.max(1)) else {
                    return false;
                };
                if r.ports.is_empty() {
                    return false;
                }
                r.ports.push(port);
                true
            });
            if !added {
                return false;
            }
        }
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Additions that would change isolation are rejected (see `Addition`), about a third.
        max_global_rejects: 1 << 20,
        ..ProptestConfig::with_cases(256)
    })]

    #[test]
    fn adding_an_allow_rule_never_removes_traffic(
        policies in prop::collection::vec(policy(), 1..=4),
        ns in namespace_labels(),
        pods in prop::collection::vec(pod(), 1..=3),
        which in any::<usize>(),
        rule_index in any::<usize>(),
        add in addition(),
    ) {
        let before = observe(&PolicySet::new(policies.clone(), ns.clone()), &pods);
        let mut changed = policies;
        prop_assume!(apply(&mut changed, which, rule_index, add));
        let after = observe(&PolicySet::new(changed, ns), &pods);
        no_less(&before, &after)?;
    }

    #[test]
    fn adding_a_deny_all_policy_never_adds_traffic(
        policies in prop::collection::vec(policy(), 0..=4),
        ns in namespace_labels(),
        pods in prop::collection::vec(pod(), 1..=3),
        target in prop::sample::select(&NAMESPACES[..]),
        sel in pod_selector(),
        types in prop::sample::select(vec![
            vec![PolicyType::Ingress],
            vec![PolicyType::Egress],
            vec![PolicyType::Ingress, PolicyType::Egress],
        ]),
        position in any::<usize>(),
    ) {
        let before = observe(&PolicySet::new(policies.clone(), ns.clone()), &pods);
        let deny = Policy {
            pod_selector: sel,
            policy_types: Some(types),
            ..Policy::new(target, "deny-all")
        };
        let mut changed = policies;
        let at = position % (changed.len() + 1);
        changed.insert(at, deny);
        let after = observe(&PolicySet::new(changed, ns), &pods);
        // "after allows q" implies "before allowed q".
        no_less(&after, &before)?;
    }
}

// ===================================================================
// 3. noProxy against a port of Go's httpproxy
// ===================================================================

/// Go's `net.IP`, normalised to 16 bytes (IPv4 as IPv4-mapped), which is how `Equal`,
/// `IsLoopback` and `IPNet.Contains` compare addresses.
type GoIp = [u8; 16];

fn go_parse_ip(s: &str) -> Option<GoIp> {
    // Go's ParseIP: dotted-quad IPv4 without leading zeros, or IPv6 (no zone). Rust's parsers
    // accept the same grammar for these inputs.
    match s.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => Some(a.to_ipv6_mapped().octets()),
        IpAddr::V6(a) => Some(a.octets()),
    }
}

fn go_to4(ip: &GoIp) -> Option<[u8; 4]> {
    (ip[..10].iter().all(|b| *b == 0) && ip[10] == 0xff && ip[11] == 0xff)
        .then(|| [ip[12], ip[13], ip[14], ip[15]])
}

fn go_is_loopback(ip: &GoIp) -> bool {
    match go_to4(ip) {
        Some(v4) => v4[0] == 127,
        None => *ip == Ipv6Addr::LOCALHOST.octets(),
    }
}

/// Go's `*IPNet` from `ParseCIDR`: network bytes (4 or 16) and prefix length.
struct GoNet {
    net: Vec<u8>,
    bits: u32,
}

fn go_parse_cidr(s: &str) -> Option<GoNet> {
    let (addr, len) = s.split_once('/')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bits: u32 = len.parse().ok()?;
    let (bytes, max): (Vec<u8>, u32) = match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => (a.octets().to_vec(), 32),
        IpAddr::V6(a) => (a.octets().to_vec(), 128),
    };
    if bits > max {
        return None;
    }
    Some(GoNet { net: bytes, bits })
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u32) -> bool {
    (0..bits as usize).all(|i| (a[i / 8] >> (7 - i % 8)) & 1 == (b[i / 8] >> (7 - i % 8)) & 1)
}

/// `IPNet.Contains`: an IPv4 (or IPv4-mapped) address only against an IPv4 network.
fn go_contains(n: &GoNet, ip: &GoIp) -> bool {
    match go_to4(ip) {
        Some(v4) => n.net.len() == 4 && prefix_eq(&n.net, &v4, n.bits),
        None => n.net.len() == 16 && prefix_eq(&n.net, ip, n.bits),
    }
}

/// `net.SplitHostPort`.
fn go_split_host_port(hp: &str) -> Option<(String, String)> {
    let i = hp.rfind(':')?;
    let (host, j, k);
    if hp.starts_with('[') {
        let end = hp.find(']')?;
        if end + 1 != i {
            return None;
        }
        host = hp[1..end].to_string();
        j = 1;
        k = end + 1;
    } else {
        host = hp[..i].to_string();
        if host.contains(':') {
            return None;
        }
        j = 0;
        k = 0;
    }
    if hp[j..].contains('[') || hp[k..].contains(']') {
        return None;
    }
    Some((host, hp[i + 1..].to_string()))
}

enum Matcher {
    All,
    Cidr(GoNet),
    Ip(GoIp, String),
    Domain {
        host: String,
        port: String,
        match_host: bool,
    },
}

#[derive(Debug, PartialEq, Eq)]
enum RefDecision {
    Proxied,
    /// Direct without any entry (localhost, loopback, unsplittable).
    DirectBuiltin,
    /// Direct because of the n-th non-empty entry.
    DirectEntry(usize),
}

/// `config.init`: the IP matchers and domain matchers, each with the index of its entry
/// among the non-empty entries.
/// Matchers with the index of their entry.
type Matchers = Vec<(usize, Matcher)>;

fn go_init(list: &str) -> (Matchers, Matchers) {
    let mut ip_m = Vec::new();
    let mut dom_m = Vec::new();
    let mut index = 0;
    for p in list.split(',') {
        let p = p.trim().to_lowercase();
        if p.is_empty() {
            continue;
        }
        let idx = index;
        index += 1;
        if p == "*" {
            return (vec![(idx, Matcher::All)], vec![(idx, Matcher::All)]);
        }
        if let Some(n) = go_parse_cidr(&p) {
            ip_m.push((idx, Matcher::Cidr(n)));
            continue;
        }
        let (mut phost, pport) = match go_split_host_port(&p) {
            Some((h, port)) => {
                if h.is_empty() {
                    continue;
                }
                // Only a split host loses its brackets; `[v6]` alone stays a domain matcher.
                let h = if h.starts_with('[') && h.ends_with(']') && h.len() >= 2 {
                    h[1..h.len() - 1].to_string()
                } else {
                    h
                };
                (h, port)
            }
            None => (p.clone(), String::new()),
        };
        if let Some(ip) = go_parse_ip(&phost) {
            ip_m.push((idx, Matcher::Ip(ip, pport)));
            continue;
        }
        if phost.is_empty() {
            continue;
        }
        if phost.starts_with("*.") {
            phost = phost[1..].to_string();
        }
        let mut match_host = false;
        if !phost.starts_with('.') {
            match_host = true;
            phost = format!(".{phost}");
        }
        dom_m.push((
            idx,
            Matcher::Domain {
                host: phost,
                port: pport,
                match_host,
            },
        ));
    }
    (ip_m, dom_m)
}

fn go_match(m: &Matcher, host: &str, port: &str, ip: Option<&GoIp>) -> bool {
    match m {
        Matcher::All => true,
        Matcher::Cidr(n) => ip.is_some_and(|ip| go_contains(n, ip)),
        Matcher::Ip(want, p) => ip == Some(want) && (p.is_empty() || p == port),
        Matcher::Domain {
            host: suffix,
            port: p,
            match_host,
        } => {
            (host.ends_with(suffix.as_str()) || (*match_host && host == &suffix[1..]))
                && (p.is_empty() || p == port)
        }
    }
}

/// `useProxy(canonicalAddr(host, port))` of golang/net before v0.36.0 (Classic), and the
/// v0.36.0 change as the module documents it (Current): the host is parsed with
/// `netip.ParseAddr` (IPv6 zones accepted, dropped for matching) and domain matchers never match
/// an IP-literal host.
fn go_use_proxy(list: &str, host: &str, port: u16, current: bool) -> RefDecision {
    let (ip_m, dom_m) = go_init(list);
    let addr = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let Some((host, port)) = go_split_host_port(&addr) else {
        return RefDecision::DirectBuiltin;
    };
    if host == "localhost" {
        return RefDecision::DirectBuiltin;
    }
    let ip = if current {
        match host.split_once('%') {
            Some((a, zone)) if !zone.is_empty() => a.parse::<Ipv6Addr>().ok().map(|a| a.octets()),
            Some(_) => None,
            None => go_parse_ip(&host),
        }
    } else {
        go_parse_ip(&host)
    };
    if ip.as_ref().is_some_and(go_is_loopback) {
        return RefDecision::DirectBuiltin;
    }
    let addr = host.trim().to_lowercase();
    if ip.is_some() {
        for (i, m) in &ip_m {
            if go_match(m, &addr, &port, ip.as_ref()) {
                return RefDecision::DirectEntry(*i);
            }
        }
        if current {
            return RefDecision::Proxied;
        }
    }
    for (i, m) in &dom_m {
        if go_match(m, &addr, &port, ip.as_ref()) {
            return RefDecision::DirectEntry(*i);
        }
    }
    RefDecision::Proxied
}

fn np_decision(np: &NoProxy, host: &str, port: u16) -> RefDecision {
    match np.decide(host, port) {
        Decision::Proxied => RefDecision::Proxied,
        Decision::Direct(DirectBy::Entry(e)) => RefDecision::DirectEntry(
            np.entries()
                .iter()
                .position(|x| std::ptr::eq(x, e))
                .unwrap(),
        ),
        Decision::Direct(_) => RefDecision::DirectBuiltin,
    }
}

static ENTRY_HOSTS: &[&str] = &[
    "*",
    "a.b",
    ".a.b",
    "*.a.b",
    "A.B",
    "b",
    ".b",
    "x.a.b",
    "ab",
    "localhost",
    "LocalHost",
    "0.0.1",
    ".0.1",
    "10.0.0.1",
    "10.0.0.0/30",
    "10.0.0.4/31",
    "10.0.0.01",
    "::ffff:10.0.0.2",
    "[fe80::1]",
    "fe80::1",
    "fe80::/64",
    "::/0",
    "0.0.0.0/0",
    "127.0.0.0/8",
    "a.b/24",
    "*a.b",
    ".",
    "*.",
    "[",
    "a]",
    "eth0",
    ".eth0",
];
static ENTRY_PORTS: &[&str] = &["", ":443", ":80", ":0443", ":", ":x"];

fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (prop::sample::select(ENTRY_HOSTS), prop::sample::select(ENTRY_PORTS), prop::sample::select(&["", " ", "\t"][..]))
            .prop_map(|(h, p, pad)| {
                // An IPv6 host takes brackets with a port.
                if !p.is_empty() && h.contains(':') && !h.starts_with('[') && !h.contains('/') {
                    format!("{pad}[{h}]{p}{pad}")
                } else {
                    format!("{pad}{h}{p}{pad}")
                }
            }),
        1 => Just(String::new()),
        1 => prop::sample::select(&[":8080", "[::1]:80", "a.b:443:1", "1.2.3.4/33"][..]).prop_map(str::to_string),
    ]
}

static HOSTS: &[&str] = &[
    "a.b",
    "x.a.b",
    "A.B",
    "X.A.B",
    "ab",
    "b",
    "xa.b",
    "a.b.c",
    "localhost",
    "LOCALHOST",
    "10.0.0.1",
    "10.0.0.2",
    "10.0.0.5",
    "10.0.1.1",
    "127.0.0.1",
    "127.1.2.3",
    "::1",
    "::ffff:10.0.0.1",
    "::ffff:127.0.0.1",
    "fe80::1",
    "fe80::2",
    "fe80::1%eth0",
    "fe80::1%a.b",
    "2001:db8::1",
    "10.0.0.01",
    "x.b.",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn noproxy_matches_go_reference(
        entries in prop::collection::vec(entry(), 0..5),
        host in prop::sample::select(HOSTS),
        port in prop::sample::select(&[80u16, 443, 8080][..]),
    ) {
        let list = entries.join(",");
        for (revision, current) in [(GoRevision::Classic, false), (GoRevision::Current, true)] {
            let np = NoProxy::parse_with(&list, revision);
            let got = np_decision(&np, host, port);
            let want = go_use_proxy(&list, host, port, current);
            prop_assert_eq!(got, want, "list {:?} host {} port {} {:?}", list, host, port, revision);
            // Brackets around an IPv6 host make no difference.
            if host.contains(':') {
                let bracketed = np_decision(&np, &format!("[{host}]"), port);
                prop_assert_eq!(bracketed, go_use_proxy(&list, host, port, current));
            }
        }
    }

    /// The two revisions differ only on IP-literal hosts.
    #[test]
    fn noproxy_revisions_agree_on_names(
        entries in prop::collection::vec(entry(), 0..5),
        host in prop::sample::select(
            HOSTS.iter().copied().filter(|h| h.parse::<IpAddr>().is_err() && !h.contains('%')).collect::<Vec<_>>()
        ),
        port in prop::sample::select(&[80u16, 443][..]),
    ) {
        let list = entries.join(",");
        let classic = NoProxy::parse_with(&list, GoRevision::Classic);
        let current = NoProxy::parse_with(&list, GoRevision::Current);
        prop_assert_eq!(np_decision(&classic, host, port), np_decision(&current, host, port));
    }
}

/// Known cases from the Go test table and the module docs, so the reference itself is pinned.
#[test]
fn go_reference_is_pinned() {
    let list =
        "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 10.0.0.0/30, 168.1.5";
    let direct = |h: &str, current| go_use_proxy(list, h, 80, current) != RefDecision::Proxied;
    assert!(direct("www.foobar.com", false));
    assert!(direct("foobar.com", false));
    assert!(!direct("barbaz.net", false));
    assert!(direct("www.barbaz.net", false));
    assert!(!direct("wildcard.io", false));
    assert!(direct("10.0.0.2", false));
    assert!(!direct("192.168.1.2", false));
    assert!(
        direct("192.168.1.5", false),
        "classic: 168.1.5 is a string suffix"
    );
    assert!(
        !direct("192.168.1.5", true),
        "current: domain entries skip IP hosts"
    );
    assert!(direct("::ffff:127.0.0.1", false), "mapped loopback");
    assert!(!direct("LOCALHOST", false));
}

/// Found by `noproxy_matches_go_reference` in the reference (not the library): an entry `[v6]`
/// without a port fails `SplitHostPort`, keeps its brackets, is no IP, and so is a domain
/// matcher that no host matches.
#[test]
fn bracketed_ipv6_entry_without_port_is_a_domain_matcher() {
    for (revision, current) in [(GoRevision::Classic, false), (GoRevision::Current, true)] {
        let np = NoProxy::parse_with("[fe80::1]", revision);
        assert_eq!(np_decision(&np, "fe80::1", 80), RefDecision::Proxied);
        assert_eq!(
            go_use_proxy("[fe80::1]", "fe80::1", 80, current),
            RefDecision::Proxied
        );
        let np = NoProxy::parse_with("[fe80::1]:80", revision);
        assert_eq!(np_decision(&np, "fe80::1", 80), RefDecision::DirectEntry(0));
    }
}
