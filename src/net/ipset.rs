//! Exact sets of IPv4 and IPv6 addresses.
//!
//! # Design
//!
//! [`IpSet`] wraps one `iprange::IpRange` per address family. `iprange` keeps
//! networks in a radix trie, which makes union, intersection and difference
//! exact and cheap, and lets us produce the unique minimal list of CIDRs for a
//! set. We never do prefix arithmetic by hand.
//!
//! Every operation re-simplifies its result so the trie stays canonical, and
//! [`IpSet::to_cidrs`] sorts by address (IPv4 before IPv6), because the trie's
//! own iteration order is breadth-first, not numeric. Equality compares the
//! canonical CIDR lists, so two sets built differently but covering the same
//! addresses are equal.
//!
//! Networks with host bits set (`10.0.0.1/16`) are truncated to their network
//! (`10.0.0.0/16`), which is what Kubernetes and OpenShift do with such CIDRs
//! after validation.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use iprange::IpRange;

/// A set of IPv4 and IPv6 addresses.
#[derive(Clone, Default)]
pub struct IpSet {
    v4: IpRange<Ipv4Net>,
    v6: IpRange<Ipv6Net>,
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
            set.add_unsimplified(net);
        }
        set.simplify();
        set
    }

    /// Adds one network (its host bits are ignored).
    pub fn insert_net(&mut self, net: IpNet) {
        self.add_unsimplified(net);
        self.simplify();
    }

    /// Adds one address.
    pub fn insert_addr(&mut self, addr: IpAddr) {
        self.insert_net(IpNet::from(addr));
    }

    fn add_unsimplified(&mut self, net: IpNet) {
        match net.trunc() {
            IpNet::V4(n) => {
                self.v4.add(n);
            }
            IpNet::V6(n) => {
                self.v6.add(n);
            }
        }
    }

    fn simplify(&mut self) {
        self.v4.simplify();
        self.v6.simplify();
    }

    /// Addresses in `self` or `other`.
    pub fn union(&self, other: &IpSet) -> IpSet {
        let mut set = IpSet {
            v4: self.v4.merge(&other.v4),
            v6: self.v6.merge(&other.v6),
        };
        set.simplify();
        set
    }

    /// Addresses in both `self` and `other`.
    pub fn intersection(&self, other: &IpSet) -> IpSet {
        let mut set = IpSet {
            v4: self.v4.intersect(&other.v4),
            v6: self.v6.intersect(&other.v6),
        };
        set.simplify();
        set
    }

    /// Addresses in `self` but not in `other`.
    pub fn difference(&self, other: &IpSet) -> IpSet {
        let mut set = IpSet {
            v4: self.v4.exclude(&other.v4),
            v6: self.v6.exclude(&other.v6),
        };
        set.simplify();
        set
    }

    /// True when the set holds no address.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// True when `addr` is in the set.
    pub fn contains_addr(&self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(a) => self.v4.contains(&a),
            IpAddr::V6(a) => self.v6.contains(&a),
        }
    }

    /// True when every address of `net` is in the set.
    pub fn contains_net(&self, net: IpNet) -> bool {
        match net.trunc() {
            IpNet::V4(n) => self.v4.contains(&n),
            IpNet::V6(n) => self.v6.contains(&n),
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
        let mut v4: Vec<Ipv4Net> = self.v4.iter().collect();
        v4.sort();
        let mut v6: Vec<Ipv6Net> = self.v6.iter().collect();
        v6.sort();
        v4.into_iter()
            .map(IpNet::V4)
            .chain(v6.into_iter().map(IpNet::V6))
            .collect()
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

impl PartialEq for IpSet {
    fn eq(&self, other: &Self) -> bool {
        self.to_cidrs() == other.to_cidrs()
    }
}

impl Eq for IpSet {}

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

    #[test]
    fn serializes_as_strings() {
        let json = serde_json::to_string(&set("10.0.0.0/24, 10.0.1.9")).unwrap();
        assert_eq!(json, r#"["10.0.0.0/24","10.0.1.9"]"#);
    }
}
