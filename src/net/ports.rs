//! Protocols, port ranges, port sets and NetworkPolicy port specs.
//!
//! # Semantics (docs/domain.md §7)
//!
//! A NetworkPolicy port (`NetworkPolicyPort`) has a `protocol` (default
//! TCP), an optional `port` that is a number or a **name**, and an optional
//! `endPort` turning a numeric port into an inclusive range. A missing `port`
//! means every port of the protocol; a missing or empty `ports` list on a rule
//! means every port of every protocol.
//!
//! A named port is resolved against the **destination** pod's container
//! ports: it admits the number of each container port with that name and the
//! spec's protocol. An external destination has no container ports, so a
//! named port never admits anything there.
//!
//! Invalid specs the API server rejects are given a defined, conservative
//! meaning instead of an error: `endPort` below `port` admits nothing, and an
//! `endPort` on a named port is ignored.
//!
//! # Design
//!
//! Queries ask about a whole port range (e.g. a NodePort range), so the
//! evaluators work on [`PortSet`]s, sorted lists of disjoint, non-adjacent
//! ranges, which makes "which ports are not allowed" exact. [`partition`]
//! splits a range into the pieces on which a family of port sets is constant,
//! which is how the evaluators reduce two-dimensional (address × port)
//! questions to one address-set computation per piece.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ipset::IpSet;

/// A transport protocol NetworkPolicy and egress firewalls know.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Protocol {
    /// TCP, the default.
    #[default]
    #[serde(rename = "TCP")]
    Tcp,
    /// UDP.
    #[serde(rename = "UDP")]
    Udp,
    /// SCTP.
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    /// Every protocol, in a fixed order.
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];
}

/// Error for a protocol name other than `TCP`, `UDP` or `SCTP`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProtocol(pub String);

impl fmt::Display for UnknownProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown protocol `{}` (expected TCP, UDP or SCTP)",
            self.0
        )
    }
}

impl std::error::Error for UnknownProtocol {}

impl FromStr for Protocol {
    type Err = UnknownProtocol;

    /// Case-sensitive, as the API server is.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "TCP" => Ok(Protocol::Tcp),
            "UDP" => Ok(Protocol::Udp),
            "SCTP" => Ok(Protocol::Sctp),
            other => Err(UnknownProtocol(other.to_string())),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        })
    }
}

/// An inclusive, non-empty range of port numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    start: u16,
    end: u16,
}

impl PortRange {
    /// Every port number, `0..=65535`.
    pub const ALL: PortRange = PortRange {
        start: 0,
        end: u16::MAX,
    };

    /// `start..=end`, or `None` when `end < start`.
    pub const fn new(start: u16, end: u16) -> Option<PortRange> {
        if start <= end {
            Some(PortRange { start, end })
        } else {
            None
        }
    }

    /// The range holding one port.
    pub const fn single(port: u16) -> PortRange {
        PortRange {
            start: port,
            end: port,
        }
    }

    /// First port.
    pub fn start(&self) -> u16 {
        self.start
    }

    /// Last port (inclusive).
    pub fn end(&self) -> u16 {
        self.end
    }

    /// True when `port` is in the range.
    pub fn contains(&self, port: u16) -> bool {
        self.start <= port && port <= self.end
    }

    /// The common part of two ranges, if any.
    pub fn intersection(&self, other: &PortRange) -> Option<PortRange> {
        PortRange::new(self.start.max(other.start), self.end.min(other.end))
    }
}

impl fmt::Display for PortRange {
    /// `443` or `30000-32767`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

impl Serialize for PortRange {
    /// As its display string.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A set of port numbers: sorted, disjoint, non-adjacent ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PortSet {
    ranges: Vec<PortRange>,
}

impl PortSet {
    /// The empty set.
    pub fn new() -> PortSet {
        PortSet::default()
    }

    /// Every port.
    pub fn all() -> PortSet {
        PortSet::from(PortRange::ALL)
    }

    /// The set holding the given ranges.
    pub fn from_ranges<I: IntoIterator<Item = PortRange>>(ranges: I) -> PortSet {
        let mut sorted: Vec<PortRange> = ranges.into_iter().collect();
        sorted.sort();
        let mut merged: Vec<PortRange> = Vec::with_capacity(sorted.len());
        for r in sorted {
            match merged.last_mut() {
                Some(last) if u32::from(r.start) <= u32::from(last.end) + 1 => {
                    last.end = last.end.max(r.end);
                }
                _ => merged.push(r),
            }
        }
        PortSet { ranges: merged }
    }

    /// The ranges, sorted.
    pub fn ranges(&self) -> &[PortRange] {
        &self.ranges
    }

    /// True when the set holds no port.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// True when `port` is in the set.
    pub fn contains(&self, port: u16) -> bool {
        // Binary search on the sorted, disjoint ranges.
        let idx = self.ranges.partition_point(|r| r.end < port);
        self.ranges.get(idx).is_some_and(|r| r.contains(port))
    }

    /// Ports in `self` or `other`.
    pub fn union(&self, other: &PortSet) -> PortSet {
        PortSet::from_ranges(self.ranges.iter().chain(&other.ranges).copied())
    }

    /// Ports in both.
    pub fn intersection(&self, other: &PortSet) -> PortSet {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while let (Some(a), Some(b)) = (self.ranges.get(i), other.ranges.get(j)) {
            if let Some(common) = a.intersection(b) {
                out.push(common);
            }
            if a.end < b.end {
                i += 1;
            } else {
                j += 1;
            }
        }
        PortSet { ranges: out }
    }

    /// Ports in `self` but not in `other`.
    pub fn difference(&self, other: &PortSet) -> PortSet {
        self.intersection(&other.complement())
    }

    /// Ports not in `self`.
    pub fn complement(&self) -> PortSet {
        let mut out = Vec::new();
        let mut next: u32 = 0;
        for r in &self.ranges {
            if u32::from(r.start) > next {
                out.extend(to_range(next, u32::from(r.start) - 1));
            }
            next = u32::from(r.end) + 1;
        }
        out.extend(to_range(next, u32::from(u16::MAX)));
        PortSet { ranges: out }
    }

    /// True when every port of `other` is in `self`.
    pub fn is_superset_of(&self, other: &PortSet) -> bool {
        other.difference(self).is_empty()
    }
}

/// `start..=end` when both fit in a port number and the range is non-empty.
fn to_range(start: u32, end: u32) -> Option<PortRange> {
    let start = u16::try_from(start).ok()?;
    let end = u16::try_from(end).ok()?;
    PortRange::new(start, end)
}

impl From<PortRange> for PortSet {
    fn from(range: PortRange) -> Self {
        PortSet {
            ranges: vec![range],
        }
    }
}

impl FromIterator<PortRange> for PortSet {
    fn from_iter<T: IntoIterator<Item = PortRange>>(iter: T) -> Self {
        PortSet::from_ranges(iter)
    }
}

impl fmt::Display for PortSet {
    /// `53, 5353, 30000-32767`; the empty set is `(none)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ranges.is_empty() {
            return f.write_str("(none)");
        }
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// Splits `range` into consecutive pieces on each of which membership in
/// every one of `sets` is constant: for any piece and set, either the whole
/// piece is in the set or none of it is. Pieces are returned in order.
pub fn partition<'a, I: IntoIterator<Item = &'a PortSet>>(
    range: PortRange,
    sets: I,
) -> Vec<PortRange> {
    let lo = u32::from(range.start);
    let hi = u32::from(range.end);
    let mut cuts: Vec<u32> = vec![lo];
    for set in sets {
        for r in &set.ranges {
            for cut in [u32::from(r.start), u32::from(r.end) + 1] {
                if lo < cut && cut <= hi {
                    cuts.push(cut);
                }
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let ends = cuts.iter().skip(1).map(|c| c - 1).chain([hi]);
    cuts.iter()
        .zip(ends)
        .filter_map(|(&s, e)| to_range(s, e))
        .collect()
}

/// A block of traffic: a set of addresses on a set of ports (of one
/// protocol, which the answer carrying the region states). The evaluators
/// answer in regions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Region {
    /// The addresses.
    pub addresses: IpSet,
    /// The ports.
    pub ports: PortSet,
}

impl std::fmt::Display for Region {
    /// `10.0.0.0/17 port 443` / `... ports 1-10, 20`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ports == PortSet::all() {
            write!(f, "{} (all ports)", self.addresses)
        } else if let [r] = self.ports.ranges()
            && r.start() == r.end()
        {
            write!(f, "{} port {}", self.addresses, r)
        } else {
            write!(f, "{} ports {}", self.addresses, self.ports)
        }
    }
}

/// A container port of a destination pod, against which named ports resolve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContainerPort {
    /// `name`, if any.
    pub name: Option<String>,
    /// `containerPort`.
    pub port: u16,
    /// `protocol` (default TCP).
    pub protocol: Protocol,
}

impl ContainerPort {
    /// A named container port.
    pub fn named(name: &str, port: u16, protocol: Protocol) -> ContainerPort {
        ContainerPort {
            name: Some(name.to_string()),
            port,
            protocol,
        }
    }
}

/// The `port` of a NetworkPolicy port: a number or a container port name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortRef {
    /// A port number.
    Number(u16),
    /// A container port name.
    Name(String),
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(s) => f.write_str(s),
        }
    }
}

/// One entry of a NetworkPolicy rule's `ports` (`NetworkPolicyPort`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortSpec {
    /// `protocol` (default TCP).
    pub protocol: Protocol,
    /// `port`; `None` admits every port of the protocol.
    pub port: Option<PortRef>,
    /// `endPort`, making a numeric `port` an inclusive range.
    pub end_port: Option<u16>,
}

impl PortSpec {
    /// `{protocol, port: N}`.
    pub fn number(protocol: Protocol, port: u16) -> PortSpec {
        PortSpec {
            protocol,
            port: Some(PortRef::Number(port)),
            end_port: None,
        }
    }

    /// `{protocol, port: start, endPort: end}`.
    pub fn range(protocol: Protocol, start: u16, end: u16) -> PortSpec {
        PortSpec {
            protocol,
            port: Some(PortRef::Number(start)),
            end_port: Some(end),
        }
    }

    /// `{protocol, port: name}`.
    pub fn named(protocol: Protocol, name: &str) -> PortSpec {
        PortSpec {
            protocol,
            port: Some(PortRef::Name(name.to_string())),
            end_port: None,
        }
    }

    /// `{protocol}`: every port of the protocol.
    pub fn any_port(protocol: Protocol) -> PortSpec {
        PortSpec {
            protocol,
            port: None,
            end_port: None,
        }
    }

    /// The ports of `protocol` this spec admits at a destination whose
    /// container ports are `dest` (`None` for an external destination).
    pub fn resolve(&self, protocol: Protocol, dest: Option<&[ContainerPort]>) -> PortSet {
        if self.protocol != protocol {
            return PortSet::new();
        }
        match &self.port {
            None => PortSet::all(),
            Some(PortRef::Number(start)) => {
                let end = self.end_port.unwrap_or(*start);
                PortRange::new(*start, end)
                    .map(PortSet::from)
                    .unwrap_or_default()
            }
            Some(PortRef::Name(name)) => dest
                .unwrap_or_default()
                .iter()
                .filter(|cp| cp.protocol == protocol && cp.name.as_deref() == Some(name.as_str()))
                .map(|cp| PortRange::single(cp.port))
                .collect(),
        }
    }

    /// True when the spec admits `port`/`protocol` at the destination.
    pub fn matches(&self, port: u16, protocol: Protocol, dest: Option<&[ContainerPort]>) -> bool {
        self.resolve(protocol, dest).contains(port)
    }
}

impl fmt::Display for PortSpec {
    /// `443/TCP`, `30000-32767/TCP`, `stunnel/TCP`, `all/UDP`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.port, self.end_port) {
            (None, _) => write!(f, "all/{}", self.protocol),
            (Some(PortRef::Number(p)), Some(e)) => write!(f, "{p}-{e}/{}", self.protocol),
            (Some(p), _) => write!(f, "{p}/{}", self.protocol),
        }
    }
}

/// The ports of `protocol` a rule's `ports` list admits at the destination:
/// every port when the list is empty, else the union of its entries.
pub fn rule_ports(
    specs: &[PortSpec],
    protocol: Protocol,
    dest: Option<&[ContainerPort]>,
) -> PortSet {
    if specs.is_empty() {
        return PortSet::all();
    }
    specs
        .iter()
        .map(|s| s.resolve(protocol, dest))
        .fold(PortSet::new(), |acc, s| acc.union(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ranges: &[(u16, u16)]) -> PortSet {
        ranges
            .iter()
            .map(|&(a, b)| PortRange::new(a, b).unwrap())
            .collect()
    }

    #[test]
    fn port_set_algebra() {
        let a = set(&[(1, 10), (20, 30)]);
        let b = set(&[(5, 25)]);
        assert_eq!(a.union(&b), set(&[(1, 30)]));
        assert_eq!(a.intersection(&b), set(&[(5, 10), (20, 25)]));
        assert_eq!(a.difference(&b), set(&[(1, 4), (26, 30)]));
        assert_eq!(set(&[(11, 19), (10, 10)]), set(&[(10, 19)]));
        assert_eq!(PortSet::all().complement(), PortSet::new());
        assert_eq!(set(&[(0, 0)]).complement(), set(&[(1, 65535)]));
        assert_eq!(set(&[(65535, 65535)]).complement(), set(&[(0, 65534)]));
        assert!(a.contains(30) && !a.contains(15) && !a.contains(31));
        assert_eq!(a.to_string(), "1-10, 20-30");
        assert!(PortSet::all().is_superset_of(&a));
    }

    #[test]
    fn partition_is_constant_per_piece() {
        let r = PortRange::new(30000, 32767).unwrap();
        let s1 = set(&[(31000, 31999)]);
        let s2 = set(&[(0, 30500), (32767, 32767)]);
        let pieces = partition(r, [&s1, &s2]);
        let shown: Vec<String> = pieces.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "30000-30500",
                "30501-30999",
                "31000-31999",
                "32000-32766",
                "32767"
            ]
        );
        assert_eq!(
            partition(PortRange::single(443), [&s1]),
            [PortRange::single(443)]
        );
        assert_eq!(
            partition(PortRange::ALL, [&PortSet::all()]),
            [PortRange::ALL]
        );
    }

    #[test]
    fn numeric_named_and_ranged_specs() {
        let pod = [
            ContainerPort::named("stunnel", 6443, Protocol::Tcp),
            ContainerPort::named("dns", 5353, Protocol::Udp),
        ];
        let tcp = Protocol::Tcp;
        let udp = Protocol::Udp;
        assert!(PortSpec::number(tcp, 443).matches(443, tcp, None));
        assert!(!PortSpec::number(tcp, 443).matches(443, udp, None));
        assert!(PortSpec::range(tcp, 30000, 32767).matches(31000, tcp, None));
        assert!(!PortSpec::range(tcp, 30000, 32767).matches(32768, tcp, None));
        assert!(!PortSpec::range(tcp, 10, 5).matches(7, tcp, None));
        assert!(PortSpec::named(tcp, "stunnel").matches(6443, tcp, Some(&pod)));
        assert!(!PortSpec::named(tcp, "stunnel").matches(6443, tcp, None));
        assert!(!PortSpec::named(udp, "stunnel").matches(6443, udp, Some(&pod)));
        assert!(!PortSpec::named(tcp, "dns").matches(5353, tcp, Some(&pod)));
        assert!(PortSpec::any_port(udp).matches(9, udp, None));
        assert_eq!(rule_ports(&[], Protocol::Sctp, None), PortSet::all());
        assert_eq!(PortSpec::range(tcp, 1, 2).to_string(), "1-2/TCP");
        assert_eq!(PortSpec::named(tcp, "x").to_string(), "x/TCP");
    }

    #[test]
    fn protocol_names() {
        assert_eq!("UDP".parse::<Protocol>(), Ok(Protocol::Udp));
        assert!("udp".parse::<Protocol>().is_err());
        assert_eq!(Protocol::default(), Protocol::Tcp);
        assert_eq!(serde_json::to_string(&Protocol::Sctp).unwrap(), "\"SCTP\"");
    }
}
