//! Exact sets of IPv4 and IPv6 addresses.
//!
//! # Design
//!
//! [`IpSet`] keeps one `rangemap::RangeInclusiveSet` of addresses (as
//! integers) per family: inserting coalesces overlapping and adjacent ranges,
//! so a set is always its minimal list of disjoint ranges, and union,
//! intersection and difference are exact range operations of a few
//! allocations each (a prefix trie, the earlier design, allocated a node per
//! prefix bit: 24 for one `/24`, which made the egress and NetworkPolicy
//! evaluations allocation-bound). CIDRs come back through `ipnet`'s
//! `Ipv4Subnets`/`Ipv6Subnets`, which split a range into its unique minimal
//! list of networks. We never do prefix arithmetic by hand.
//!
//! [`IpSet::to_cidrs`] is sorted by address, IPv4 before IPv6. Two sets are
//! equal when they hold the same addresses, however they were built.
//!
//! Networks with host bits set (`10.0.0.1/16`) are truncated to their network
//! (`10.0.0.0/16`), which is what Kubernetes and OpenShift do with such CIDRs
//! after validation.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::RangeInclusive;
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv4Subnets, Ipv6Net, Ipv6Subnets};
use rangemap::RangeInclusiveSet;

/// A set of IPv4 and IPv6 addresses.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IpSet {
    v4: RangeInclusiveSet<u32>,
    v6: RangeInclusiveSet<u128>,
}

/// Error for text that is neither an IP address nor a CIDR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpSetParseError {
    /// The offending item.
    pub item: String,
}

impl fmt::Display for IpSetParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is neither an IP address nor a CIDR", self.item)
    }
}

impl std::error::Error for IpSetParseError {}

fn v4_range(net: Ipv4Net) -> RangeInclusive<u32> {
    u32::from(net.network())..=u32::from(net.broadcast())
}

fn v6_range(net: Ipv6Net) -> RangeInclusive<u128> {
    u128::from(net.network())..=u128::from(net.broadcast())
}

impl IpSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every IPv4 and IPv6 address (`0.0.0.0/0` and `::/0`).
    pub fn all() -> Self {
        let mut set = Self::new();
        set.insert_net(IpNet::V4(Ipv4Net::default()));
        set.insert_net(IpNet::V6(Ipv6Net::default()));
        set
    }

    /// Every IPv4 address (`0.0.0.0/0`).
    pub fn all_v4() -> Self {
        Self::from_net(IpNet::V4(Ipv4Net::default()))
    }

    /// The set holding one network.
    pub fn from_net(net: IpNet) -> Self {
        let mut set = Self::new();
        set.insert_net(net);
        set
    }

    /// The set holding one address.
    pub fn from_addr(addr: IpAddr) -> Self {
        Self::from_net(IpNet::from(addr))
    }

    /// The set holding all the given networks.
    pub fn from_nets<I: IntoIterator<Item = IpNet>>(nets: I) -> Self {
        let mut set = Self::new();
        for net in nets {
            set.insert_net(net);
        }
        set
    }

    /// Adds one network (its host bits are ignored).
    pub fn insert_net(&mut self, net: IpNet) {
        match net.trunc() {
            IpNet::V4(n) => self.v4.insert(v4_range(n)),
            IpNet::V6(n) => self.v6.insert(v6_range(n)),
        }
    }

    /// Adds one address.
    pub fn insert_addr(&mut self, addr: IpAddr) {
        self.insert_net(IpNet::from(addr));
    }

    /// Addresses in `self` or `other`.
    pub fn union(&self, other: &IpSet) -> IpSet {
        let mut set = self.clone();
        set.v4.extend(other.v4.iter().cloned());
        set.v6.extend(other.v6.iter().cloned());
        set
    }

    /// Addresses in both `self` and `other`.
    pub fn intersection(&self, other: &IpSet) -> IpSet {
        IpSet {
            v4: self.v4.intersection(&other.v4).collect(),
            v6: self.v6.intersection(&other.v6).collect(),
        }
    }

    /// Addresses in `self` but not in `other`.
    pub fn difference(&self, other: &IpSet) -> IpSet {
        let mut set = self.clone();
        for range in other.v4.iter() {
            set.v4.remove(range.clone());
        }
        for range in other.v6.iter() {
            set.v6.remove(range.clone());
        }
        set
    }

    /// True when the set holds no address.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// True when `addr` is in the set.
    pub fn contains_addr(&self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(a) => self.v4.contains(&u32::from(a)),
            IpAddr::V6(a) => self.v6.contains(&u128::from(a)),
        }
    }

    /// True when every address of `net` is in the set.
    pub fn contains_net(&self, net: IpNet) -> bool {
        match net.trunc() {
            IpNet::V4(n) => {
                let want = v4_range(n);
                self.v4
                    .get(want.start())
                    .is_some_and(|r| r.end() >= want.end())
            }
            IpNet::V6(n) => {
                let want = v6_range(n);
                self.v6
                    .get(want.start())
                    .is_some_and(|r| r.end() >= want.end())
            }
        }
    }

    /// True when every address of `other` is in `self`.
    pub fn is_superset_of(&self, other: &IpSet) -> bool {
        other.difference(self).is_empty()
    }

    /// True when `self` and `other` share an address.
    pub fn intersects(&self, other: &IpSet) -> bool {
        !self.intersection(other).is_empty()
    }

    /// The minimal list of CIDRs covering exactly this set, sorted by address,
    /// IPv4 first.
    pub fn to_cidrs(&self) -> Vec<IpNet> {
        let v4 = self.v4.iter().flat_map(|r| {
            Ipv4Subnets::new(Ipv4Addr::from(*r.start()), Ipv4Addr::from(*r.end()), 0).map(IpNet::V4)
        });
        let v6 = self.v6.iter().flat_map(|r| {
            Ipv6Subnets::new(Ipv6Addr::from(*r.start()), Ipv6Addr::from(*r.end()), 0).map(IpNet::V6)
        });
        v4.chain(v6).collect()
    }
}

/// Formats one CIDR, writing host routes (`/32`, `/128`) as a bare address.
fn format_net(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

impl fmt::Display for IpSet {
    /// `10.0.128.0/17, 10.1.0.0/16`; a single address is written bare;
    /// the empty set is written `(none)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cidrs = self.to_cidrs();
        if cidrs.is_empty() {
            return f.write_str("(none)");
        }
        for (i, net) in cidrs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&format_net(net))?;
        }
        Ok(())
    }
}

impl fmt::Debug for IpSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IpSet({self})")
    }
}

impl FromIterator<IpNet> for IpSet {
    fn from_iter<T: IntoIterator<Item = IpNet>>(iter: T) -> Self {
        Self::from_nets(iter)
    }
}

impl From<IpNet> for IpSet {
    fn from(net: IpNet) -> Self {
        Self::from_net(net)
    }
}

impl From<IpAddr> for IpSet {
    fn from(addr: IpAddr) -> Self {
        Self::from_addr(addr)
    }
}

/// Parses one address or CIDR.
pub fn parse_net(item: &str) -> Result<IpNet, IpSetParseError> {
    let item = item.trim();
    if let Ok(net) = item.parse::<IpNet>() {
        return Ok(net);
    }
    item.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| IpSetParseError {
            item: item.to_string(),
        })
}

impl FromStr for IpSet {
    type Err = IpSetParseError;

    /// Parses a list of addresses and CIDRs separated by commas and/or
    /// whitespace, e.g. `10.0.0.0/16, 192.168.1.5 fd00::/8`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let nets = s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|item| !item.is_empty())
            .map(parse_net)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_nets(nets))
    }
}

impl serde::Serialize for IpSet {
    /// A JSON array of CIDR strings, in [`IpSet::to_cidrs`] order.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.to_cidrs().iter().map(format_net))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> IpSet {
        s.parse().unwrap()
    }

    #[test]
    fn display_is_sorted_and_aggregated() {
        let s = set("10.1.0.0/16, 10.0.128.0/18, 10.0.192.0/18");
        assert_eq!(s.to_string(), "10.0.128.0/17, 10.1.0.0/16");
        assert_eq!(IpSet::new().to_string(), "(none)");
        assert_eq!(set("10.0.0.5").to_string(), "10.0.0.5");
        assert_eq!(set("fd00::1, 1.2.3.4").to_string(), "1.2.3.4, fd00::1");
    }

    #[test]
    fn host_bits_are_truncated() {
        assert_eq!(set("10.0.0.1/16"), set("10.0.0.0/16"));
    }

    #[test]
    fn difference_splits_exactly() {
        let d = set("10.0.0.0/16").difference(&set("10.0.0.0/17"));
        assert_eq!(d.to_string(), "10.0.128.0/17");
        let d = set("10.0.0.0/24").difference(&set("10.0.0.7"));
        assert_eq!(
            d.to_string(),
            "10.0.0.0/30, 10.0.0.4/31, 10.0.0.6, 10.0.0.8/29, 10.0.0.16/28, \
             10.0.0.32/27, 10.0.0.64/26, 10.0.0.128/25"
        );
        assert!(set("10.0.0.0/8").difference(&IpSet::all()).is_empty());
    }

    #[test]
    fn intersection_and_union() {
        let a = set("10.0.0.0/16, 192.168.0.0/24");
        let b = set("10.0.128.0/17, 172.16.0.0/12");
        assert_eq!(a.intersection(&b).to_string(), "10.0.128.0/17");
        assert_eq!(
            a.union(&b).to_string(),
            "10.0.0.0/16, 172.16.0.0/12, 192.168.0.0/24"
        );
        assert!(!a.intersection(&set("11.0.0.0/8")).intersects(&a));
    }

    #[test]
    fn whole_space() {
        let all = IpSet::all();
        assert_eq!(all.to_string(), "0.0.0.0/0, ::/0");
        assert!(all.contains_addr("8.8.8.8".parse().unwrap()));
        assert!(all.contains_addr("2001:db8::1".parse().unwrap()));
        assert!(all.is_superset_of(&set("1.2.3.0/24, fd00::/8")));
        let v4 = IpSet::all_v4();
        assert!(!v4.contains_addr("::1".parse().unwrap()));
        let rest = v4.difference(&set("0.0.0.0/1"));
        assert_eq!(rest.to_string(), "128.0.0.0/1");
        assert_eq!(rest.union(&set("0.0.0.0/1")), v4);
    }

    #[test]
    fn superset_and_contains() {
        let a = set("10.0.0.0/16");
        assert!(a.is_superset_of(&set("10.0.5.0/24, 10.0.0.1")));
        assert!(!a.is_superset_of(&set("10.0.0.0/15")));
        assert!(a.is_superset_of(&IpSet::new()));
        assert!(a.contains_net("10.0.3.0/24".parse().unwrap()));
        assert!(!a.contains_addr("10.1.0.0".parse().unwrap()));
    }

    #[test]
    fn ipv6_arithmetic() {
        let d = set("fd00::/63").difference(&set("fd00::/64"));
        assert_eq!(d.to_string(), "fd00:0:0:1::/64");
        assert!(set("fd00::/8").intersection(&set("10.0.0.0/8")).is_empty());
    }

    #[test]
    fn parse_errors_name_the_item() {
        let err = "10.0.0.0/16, nope".parse::<IpSet>().unwrap_err();
        assert_eq!(err.item, "nope");
        assert!("10.0.0.0/33".parse::<IpSet>().is_err());
    }

    /// Union, intersection and difference agree with membership, address by
    /// address, at every network's edges, the ends of both address spaces
    /// included (where a range library could overflow).
    #[test]
    fn set_operations_agree_with_membership_at_every_edge() {
        let v4 = |a: u32, len: u8| IpNet::V4(Ipv4Net::new(Ipv4Addr::from(a), len).unwrap().trunc());
        let v6 =
            |a: u128, len: u8| IpNet::V6(Ipv6Net::new(Ipv6Addr::from(a), len).unwrap().trunc());
        let nets = [
            v4(0, 0),
            v4(0, 1),
            v4(0, 32),
            v4(u32::MAX, 32),
            v4(u32::MAX, 31),
            v4(u32::MAX, 1),
            v4(0x0a00_0000, 8),
            v4(0x0a00_8000, 17),
            v4(0x0a00_0007, 32),
            v6(0, 0),
            v6(0, 128),
            v6(u128::MAX, 128),
            v6(u128::MAX, 64),
            v6(0xfd00 << 112, 8),
        ];
        let edges: Vec<IpAddr> = nets
            .iter()
            .flat_map(|n| match n {
                IpNet::V4(n) => {
                    let (lo, hi) = (u32::from(n.network()), u32::from(n.broadcast()));
                    [lo.saturating_sub(1), lo, hi, hi.saturating_add(1)]
                        .map(|a| IpAddr::V4(Ipv4Addr::from(a)))
                        .to_vec()
                }
                IpNet::V6(n) => {
                    let (lo, hi) = (u128::from(n.network()), u128::from(n.broadcast()));
                    [lo.saturating_sub(1), lo, hi, hi.saturating_add(1)]
                        .map(|a| IpAddr::V6(Ipv6Addr::from(a)))
                        .to_vec()
                }
            })
            .collect();
        let subsets = |mask: u32| -> IpSet {
            IpSet::from_nets(
                nets.iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, n)| *n),
            )
        };
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..300 {
            let limit = 1 << nets.len();
            let (a, b) = (subsets(rng.u32(..limit)), subsets(rng.u32(..limit)));
            let (u, i, d) = (a.union(&b), a.intersection(&b), a.difference(&b));
            for &addr in &edges {
                let (x, y) = (a.contains_addr(addr), b.contains_addr(addr));
                assert_eq!(u.contains_addr(addr), x || y, "{a} | {b} at {addr}");
                assert_eq!(i.contains_addr(addr), x && y, "{a} & {b} at {addr}");
                assert_eq!(d.contains_addr(addr), x && !y, "{a} - {b} at {addr}");
            }
            // The CIDR list is exact: read back, it is the same set.
            assert_eq!(IpSet::from_nets(d.to_cidrs()), d);
        }
    }

    #[test]
    fn serializes_as_strings() {
        let json = serde_json::to_string(&set("10.0.0.0/24, 10.0.1.9")).unwrap();
        assert_eq!(json, r#"["10.0.0.0/24","10.0.1.9"]"#);
    }
}
