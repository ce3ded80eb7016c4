//! Go's `noProxy` matcher, reproduced exactly.
//!
//! MTC's controller (and any Go client using `http.ProxyFromEnvironment`) decides whether to go
//! through `HTTP(S)_PROXY` with `golang.org/x/net/http/httpproxy` (vendored into Go's `net/http`).
//! Whether a worker, an API server or a route is reached directly is therefore exactly what that
//! code says, including its accidents, so this module ports `config.init`, `useProxy` and the
//! `matcher` types of `http/httpproxy/proxy.go` (golang/net) rather than implementing "NO_PROXY"
//! from a description. docs/domain.md §5 summarises the semantics; docs/noproxy.md is the command built on it.
//!
//! Reading a list (`config.init`): split on `,`, trim, lower-case, skip empties. Then per entry:
//!
//! 1. `*` → everything is direct; Go stops reading the list there and drops what it had read.
//! 2. `net.ParseCIDR` succeeds → IP matcher on the network (IP-literal hosts only, any port).
//! 3. `net.SplitHostPort` succeeds → host and port (an empty host makes Go skip the entry;
//!    `[v6]:port` loses its brackets); otherwise the whole entry is the host, with no port.
//! 4. The host parses as an IP (`net.ParseIP`) → IP matcher, with the port if any.
//! 5. Otherwise a *domain matcher*: `*.` is cut to `.`; without a leading `.` the entry also
//!    matches the name itself; non-ASCII names go through IDNA. The matcher is a plain string
//!    suffix test on `.name`, so anything unparsable lands here: `168.1.5` is the suffix
//!    `.168.1.5`, `10.0.0.0/8:443` the suffix `.10.0.0.0/8` on port 443 (it matches nothing).
//!
//! Deciding (`useProxy`): `localhost` and loopback IPs are always direct; then, for an IP-literal
//! host, the IP matchers in list order; then the domain matchers in list order. The first match
//! is the entry reported as the reason. A matcher with a port matches only that port.
//!
//! Two revisions of that code exist ([`GoRevision`]). golang/net v0.36.0 (the CVE-2025-22870
//! fix, in Go 1.23.7 and 1.24.1) parses the request host with `netip.ParseAddr` (IPv6 zones
//! accepted) and makes domain matchers never match IP-literal hosts, so `168.1.5` stops matching
//! `192.168.1.5`. Which one a given MTC build has depends on the Go toolchain it was built with;
//! [`GoRevision::Classic`] is the default because docs/domain.md §5 and docs/noproxy.md describe it.
//!
//! Faithful details worth knowing: the `localhost` test happens before lower-casing (`LOCALHOST`
//! is not special, though `localhost` in the list would match it); an entry port is compared as
//! a string (`:0443` never matches 443); IPv4-mapped IPv6 addresses compare equal to their IPv4
//! form, as `net.IP` does; a host Go cannot split (one containing `[` or `]`) is never proxied.

use std::net::{IpAddr, Ipv6Addr};

use ipnet::IpNet;

use super::{ByteRange, split_list};

/// Which revision of golang/net's `httpproxy` to reproduce (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GoRevision {
    /// Before golang/net v0.36.0: domain entries are string suffixes tested against every host,
    /// IP literals included (`168.1.5` matches `192.168.1.5`).
    #[default]
    Classic,
    /// golang/net v0.36.0 and later (Go 1.23.7, 1.24.1): domain entries never match IP-literal
    /// hosts, and IPv6 hosts may carry a zone (`fe80::1%eth0`).
    Current,
}

/// How Go reads one entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryReading {
    /// `*`: nothing is proxied.
    WildcardAll,
    /// A CIDR: IP-literal hosts inside it, any port. IPv4-mapped IPv6 networks are stored as
    /// IPv4, as Go's `IPNet.Contains` treats them.
    Cidr(IpNet),
    /// An IP address, on one port or any.
    Ip { ip: IpAddr, port: Option<String> },
    /// A domain matcher whose name looks like a DNS name.
    Domain {
        /// The name without the leading `.` or `*.` (IDNA-encoded when it was not ASCII).
        name: String,
        port: Option<String>,
        /// `.example.com` and `*.example.com`: subdomains only.
        subdomains_only: bool,
    },
    /// A domain matcher whose text is no DNS name (an IP fragment, a CIDR with a port, a URL
    /// piece, a glob...): Go keeps it as a raw string-suffix test on `.text`.
    StringSuffix {
        text: String,
        port: Option<String>,
        subdomains_only: bool,
    },
    /// Go skips it: a port with no host (`:8080`).
    Ignored,
}

/// The shape of a reading, for tables and explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    WildcardAll,
    Cidr,
    Ip,
    IpPort,
    Domain,
    DomainSuffixOnly,
    HostPort,
    StringSuffix,
    Ignored,
}

impl EntryKind {
    /// A short stable name (`domain`, `ip:port`, `string-suffix`...).
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::WildcardAll => "wildcard-all",
            EntryKind::Cidr => "cidr",
            EntryKind::Ip => "ip",
            EntryKind::IpPort => "ip:port",
            EntryKind::Domain => "domain",
            EntryKind::DomainSuffixOnly => "domain-suffix-only",
            EntryKind::HostPort => "host:port",
            EntryKind::StringSuffix => "string-suffix",
            EntryKind::Ignored => "ignored",
        }
    }
}

/// One non-empty entry of a list and how Go reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoProxyEntry {
    /// The entry as written, trimmed (original case).
    pub text: String,
    /// Where `text` sits in the list.
    pub range: ByteRange,
    pub reading: EntryReading,
}

impl NoProxyEntry {
    pub fn kind(&self) -> EntryKind {
        match &self.reading {
            EntryReading::WildcardAll => EntryKind::WildcardAll,
            EntryReading::Cidr(_) => EntryKind::Cidr,
            EntryReading::Ip { port: None, .. } => EntryKind::Ip,
            EntryReading::Ip { port: Some(_), .. } => EntryKind::IpPort,
            EntryReading::Domain { port: Some(_), .. } => EntryKind::HostPort,
            EntryReading::Domain {
                subdomains_only: true,
                ..
            } => EntryKind::DomainSuffixOnly,
            EntryReading::Domain { .. } => EntryKind::Domain,
            EntryReading::StringSuffix { .. } => EntryKind::StringSuffix,
            EntryReading::Ignored => EntryKind::Ignored,
        }
    }

    /// One sentence saying what Go makes of the entry.
    pub fn explain(&self) -> String {
        let on_port = |port: &Option<String>| match port {
            Some(p) => format!("port {p} only"),
            None => "any port".to_string(),
        };
        match &self.reading {
            EntryReading::WildcardAll => {
                "wildcard: nothing is proxied, every other entry is irrelevant".to_string()
            }
            EntryReading::Cidr(net) => format!(
                "CIDR {net}: IP-literal hosts inside it, any port; never a host name (no DNS lookup)"
            ),
            EntryReading::Ip { ip, port } => format!(
                "IP {ip}: this address only (as an IP literal, never a name resolving to it), {}",
                on_port(port)
            ),
            EntryReading::Domain {
                name,
                port,
                subdomains_only: false,
            } => format!(
                "domain {name}: {name} and its subdomains, {}",
                on_port(port)
            ),
            EntryReading::Domain {
                name,
                port,
                subdomains_only: true,
            } => format!(
                "domain suffix .{name}: subdomains of {name} only, not {name} itself, {}",
                on_port(port)
            ),
            EntryReading::StringSuffix {
                text,
                port,
                subdomains_only,
            } => {
                let itself = if *subdomains_only {
                    String::new()
                } else {
                    format!(" or equal to \"{text}\"")
                };
                format!(
                    "not a host, CIDR or IP: Go keeps it as a plain string suffix, matching hosts \
                     ending in \".{text}\"{itself}, {}",
                    on_port(port)
                )
            }
            EntryReading::Ignored => "ignored by Go: there is no host before the port".to_string(),
        }
    }
}

/// Why a host is reached without the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectBy<'a> {
    /// The host is `localhost` (always direct).
    Localhost,
    /// The host is a loopback IP (always direct).
    Loopback,
    /// Go cannot split the host back out of `host:port` (it contains `[` or `]`); `useProxy`
    /// then answers "no proxy".
    UnsplittableHost,
    /// This entry matched.
    Entry(&'a NoProxyEntry),
}

/// The outcome of [`NoProxy::decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'a> {
    Direct(DirectBy<'a>),
    Proxied,
}

impl<'a> Decision<'a> {
    pub fn is_direct(&self) -> bool {
        matches!(self, Decision::Direct(_))
    }

    /// The entry that made the host direct, if an entry did.
    pub fn entry(&self) -> Option<&'a NoProxyEntry> {
        match self {
            Decision::Direct(DirectBy::Entry(e)) => Some(e),
            _ => None,
        }
    }
}

/// A parsed `noProxy` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoProxy {
    entries: Vec<NoProxyEntry>,
    /// Index of the first `*` entry.
    wildcard: Option<usize>,
    revision: GoRevision,
}

impl NoProxy {
    /// Parses `list` with [`GoRevision::Classic`] semantics.
    pub fn parse(list: &str) -> NoProxy {
        NoProxy::parse_with(list, GoRevision::default())
    }

    /// Parses `list` as the given revision of Go's matcher reads it.
    pub fn parse_with(list: &str, revision: GoRevision) -> NoProxy {
        let mut entries = Vec::new();
        let mut wildcard = None;
        for item in split_list(list) {
            if item.text.is_empty() {
                continue;
            }
            let reading = read_entry(&go_to_lower(item.text));
            if reading == EntryReading::WildcardAll && wildcard.is_none() {
                wildcard = Some(entries.len());
            }
            entries.push(NoProxyEntry {
                text: item.text.to_string(),
                range: item.range,
                reading,
            });
        }
        NoProxy {
            entries,
            wildcard,
            revision,
        }
    }

    /// The non-empty entries, in list order (all of them, even past a `*`, so each can be
    /// explained; only the `*` decides anything then).
    pub fn entries(&self) -> &[NoProxyEntry] {
        &self.entries
    }

    /// The `*` entry that disables the proxy for everything, if any.
    pub fn wildcard(&self) -> Option<&NoProxyEntry> {
        self.wildcard.and_then(|i| self.entries.get(i))
    }

    pub fn revision(&self) -> GoRevision {
        self.revision
    }

    /// Whether a request to `host` on `port` goes direct, and why. `host` is a URL host name:
    /// a name, an IPv4 address, or an IPv6 address with or without brackets.
    pub fn decide(&self, host: &str, port: u16) -> Decision<'_> {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        // canonicalAddr: IDNA for non-ASCII names, then JoinHostPort; useProxy splits it again.
        let host = idna_ascii(host);
        let port = port.to_string();
        let joined = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let Ok((host, port)) = split_host_port(&joined) else {
            return Decision::Direct(DirectBy::UnsplittableHost);
        };
        if host == "localhost" {
            return Decision::Direct(DirectBy::Localhost);
        }
        let ip = match self.revision {
            GoRevision::Classic => parse_ip(host),
            GoRevision::Current => parse_addr_with_zone(host),
        };
        if ip.is_some_and(|ip| ip.is_loopback()) {
            return Decision::Direct(DirectBy::Loopback);
        }
        let addr = go_to_lower(host.trim());

        if let Some(entry) = self.wildcard() {
            return Decision::Direct(DirectBy::Entry(entry));
        }
        if let Some(ip) = ip {
            for entry in &self.entries {
                let matched = match &entry.reading {
                    EntryReading::Cidr(net) => net.contains(&ip),
                    EntryReading::Ip { ip: want, port: p } => {
                        *want == ip && p.as_deref().is_none_or(|p| p == port)
                    }
                    _ => false,
                };
                if matched {
                    return Decision::Direct(DirectBy::Entry(entry));
                }
            }
        }
        if ip.is_some() && self.revision == GoRevision::Current {
            return Decision::Proxied;
        }
        for entry in &self.entries {
            let (suffix, p, subdomains_only) = match &entry.reading {
                EntryReading::Domain {
                    name,
                    port,
                    subdomains_only,
                } => (name, port, *subdomains_only),
                EntryReading::StringSuffix {
                    text,
                    port,
                    subdomains_only,
                } => (text, port, *subdomains_only),
                _ => continue,
            };
            let by_suffix = addr.len() > suffix.len()
                && addr.ends_with(suffix.as_str())
                && addr.as_bytes().get(addr.len() - suffix.len() - 1) == Some(&b'.');
            let by_name = !subdomains_only && addr == *suffix;
            if (by_suffix || by_name) && p.as_deref().is_none_or(|p| p == port) {
                return Decision::Direct(DirectBy::Entry(entry));
            }
        }
        Decision::Proxied
    }
}

/// `config.init` for one trimmed, lower-cased, non-empty entry.
fn read_entry(p: &str) -> EntryReading {
    if p == "*" {
        return EntryReading::WildcardAll;
    }
    if let Some(net) = parse_cidr(p) {
        return EntryReading::Cidr(net);
    }
    let (host, port) = match split_host_port(p) {
        Ok((host, port)) => {
            if host.is_empty() {
                return EntryReading::Ignored;
            }
            (
                host,
                Some(port).filter(|p| !p.is_empty()).map(str::to_string),
            )
        }
        Err(()) => (p, None),
    };
    if let Some(ip) = parse_ip(host) {
        return EntryReading::Ip { ip, port };
    }
    let (name, subdomains_only) = match host.strip_prefix("*.") {
        Some(rest) => (rest, true),
        None => match host.strip_prefix('.') {
            Some(rest) => (rest, true),
            None => (host, false),
        },
    };
    // Go IDNA-encodes ".name" as a whole; encoding the name alone gives the same labels.
    let name = idna_ascii(name);
    let numeric_port = port
        .as_deref()
        .is_none_or(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if looks_like_dns_name(&name) && numeric_port {
        EntryReading::Domain {
            name,
            port,
            subdomains_only,
        }
    } else {
        EntryReading::StringSuffix {
            text: name,
            port,
            subdomains_only,
        }
    }
}

/// Whether a domain matcher's name reads as a DNS name rather than as raw text: letters,
/// digits, `-` and `_`, non-empty labels, and a last label that is not all digits (no TLD is;
/// `168.1.5` is an IP fragment).
fn looks_like_dns_name(name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let labels: Vec<&str> = name.split('.').collect();
    let labels_ok = labels.iter().all(|l| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    let last_numeric = labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()));
    labels_ok && !last_numeric
}

/// Go's `strings.ToLower` (per-character; `İ` → `i`).
pub(crate) fn go_to_lower(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{130}' => 'i',
            c => c.to_lowercase().next().unwrap_or(c),
        })
        .collect()
}

/// Go's `idnaASCII`: ASCII strings unchanged, others through IDNA (UTS 46) lookup, unchanged on
/// error.
fn idna_ascii(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    match url::Host::parse(s) {
        Ok(url::Host::Domain(d)) => d,
        Ok(other) => other.to_string(),
        Err(_) => s.to_string(),
    }
}

/// Go's `net.SplitHostPort`.
pub(crate) fn split_host_port(hostport: &str) -> Result<(&str, &str), ()> {
    let b = hostport.as_bytes();
    let i = hostport.rfind(':').ok_or(())?;
    let (host, j, k) = if b.first() == Some(&b'[') {
        let end = hostport.find(']').ok_or(())?;
        if end + 1 == hostport.len() || end + 1 != i {
            return Err(());
        }
        (hostport.get(1..end).ok_or(())?, 1, end + 1)
    } else {
        let host = hostport.get(..i).ok_or(())?;
        if host.contains(':') {
            return Err(());
        }
        (host, 0, 0)
    };
    if hostport.get(j..).ok_or(())?.contains('[') || hostport.get(k..).ok_or(())?.contains(']') {
        return Err(());
    }
    Ok((host, hostport.get(i + 1..).ok_or(())?))
}

/// Go's `net.ParseIP` (no zones, no leading zeros in IPv4), with IPv4-mapped IPv6 addresses
/// folded to IPv4 the way `net.IP.Equal`, `IsLoopback` and `IPNet.Contains` treat them.
pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok().map(fold_mapped)
}

/// Go's `netip.ParseAddr`: like [`parse_ip`] but an IPv6 address may carry a non-empty zone.
fn parse_addr_with_zone(s: &str) -> Option<IpAddr> {
    match s.split_once('%') {
        Some((addr, zone)) if !zone.is_empty() => {
            addr.parse::<Ipv6Addr>().ok().map(|a| fold_mapped(a.into()))
        }
        Some(_) => None,
        None => parse_ip(s),
    }
}

fn fold_mapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Go's `net.ParseCIDR` (network part): `addr/len`, `len` decimal digits (leading zeros
/// allowed) up to the address length; host bits are masked off. A network that is IPv4-mapped
/// after masking becomes the IPv4 network, as `IPNet.Contains` sees it.
pub(crate) fn parse_cidr(s: &str) -> Option<IpNet> {
    let (addr, len) = s.split_once('/')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 5 {
        return None;
    }
    let len: u8 = len.parse::<u32>().ok()?.try_into().ok()?;
    let ip: IpAddr = addr.parse().ok()?;
    let net = IpNet::new(ip, len).ok()?.trunc();
    if let IpNet::V6(v6) = net
        && let Some(v4) = v6.network().to_ipv4_mapped()
        && v6.prefix_len() >= 96
    {
        return IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96).ok();
    }
    Some(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(list: &str, host: &str, port: u16) -> bool {
        NoProxy::parse(list).decide(host, port).is_direct()
    }

    /// `TestUseProxy` from golang/net `http/httpproxy/proxy_test.go`: `noProxy` and
    /// `UseProxyTests`, every host on port 80; `true` means "use the proxy".
    const GO_NO_PROXY: &str = "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, \
         192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, \
         [2001:db8::52:0:3]:80, 2002:db8:a::45/64";
    const GO_USE_PROXY_TESTS: &[(&str, bool)] = &[
        // Never proxy localhost:
        ("localhost", false),
        ("127.0.0.1", false),
        ("127.0.0.2", false),
        ("[::1]", false),
        ("[::2]", true),                       // not a loopback address
        ("192.168.1.1", false),                // matches exact IPv4
        ("192.168.1.2", true),                 // ports do not match
        ("192.168.1.3", false),                // matches exact IPv4:port
        ("192.168.1.4", true),                 // no match
        ("10.0.0.2", false),                   // matches IPv4/CIDR
        ("[2001:db8::52:0:1]", false),         // matches exact IPv6
        ("[2001:db8::52:0:2]", true),          // no match
        ("[2001:db8::52:0:3]", false),         // matches exact [IPv6]:port
        ("[2002:db8:a::123]", false),          // matches IPv6/CIDR
        ("[fe80::424b:c8be:1643:a1b6]", true), // no match
        ("barbaz.net", true),                  // does not match as .barbaz.net
        ("www.barbaz.net", false),             // does match as .barbaz.net
        ("foobar.com", false),                 // does match as foobar.com
        ("www.foobar.com", false),             // match because NO_PROXY includes "foobar.com"
        ("foofoobar.com", true),               // not match as a part of foobar.com
        ("baz.com", true),                     // not match as a part of barbaz.com
        ("localhost.net", true),               // not match as suffix of address
        ("local.localhost", true),             // not match as prefix as address
        ("barbarbaz.net", true),               // not match, wrong domain
        ("wildcard.io", true),                 // does not match as *.wildcard.io
        ("nested.wildcard.io", false),         // match as *.wildcard.io
        ("awildcard.io", true),                // not a match because of '*'
    ];

    #[test]
    fn go_use_proxy_table() {
        for revision in [GoRevision::Classic, GoRevision::Current] {
            let np = NoProxy::parse_with(GO_NO_PROXY, revision);
            for (host, use_proxy) in GO_USE_PROXY_TESTS {
                let decision = np.decide(host, 80);
                assert_eq!(
                    !decision.is_direct(),
                    *use_proxy,
                    "{revision:?} {host}: {decision:?}"
                );
            }
        }
    }

    /// `TestInvalidNoProxy` (same file): `:1` must not panic and must not match.
    #[test]
    fn go_invalid_no_proxy() {
        let np = NoProxy::parse(":1");
        assert!(!np.decide("example.com", 80).is_direct());
        assert_eq!(np.entries()[0].kind(), EntryKind::Ignored);
    }

    /// `TestAllNoProxy` (same file): `*` makes every host of the table direct.
    #[test]
    fn go_all_no_proxy() {
        let np = NoProxy::parse("*");
        for (host, _) in GO_USE_PROXY_TESTS {
            assert!(np.decide(host, 80).is_direct(), "{host}");
        }
    }

    /// The `NoProxy` cases of `proxyForURLTests` (same file); requests are `http://`, port 80.
    /// (The table's other cases test proxy URL parsing, not the noProxy matcher.)
    #[test]
    fn go_proxy_for_url_no_proxy_cases() {
        let cases: &[(&str, &str, bool)] = &[
            ("example.com", "example.com", true),
            (".example.com", "example.com", false),
            ("ample.com", "example.com", false),
            ("example.com", "foo.example.com", true),
            (".foo.com", "example.com", false),
            (".示例.com", "www.示例.com", true),
            ("xn--fsq092h.com", "www.示例.com", true),
            ("示例.com", "www.xn--fsq092h.com", true),
        ];
        for (list, host, want_direct) in cases {
            assert_eq!(direct(list, host, 80), *want_direct, "{list} / {host}");
        }
    }

    /// docs/domain.md §5 examples.
    #[test]
    fn domain_md_examples() {
        let list = ".cluster.local,10.0.0.0/16,api.src.example.com";
        assert!(direct(list, "api.src.example.com", 6443));
        assert!(direct(list, "10.0.3.4", 6443));
        assert!(!direct(list, "api.dst.example.com", 6443));
        assert!(!direct(list, "oauth.apps.src.example.com", 443));
        assert!(direct("src.example.com", "oauth.apps.src.example.com", 443));
        assert!(!direct("example.com", "notexample.com", 443));
        assert!(!direct("example.com:8443", "example.com", 443));
        assert!(direct("example.com:8443", "example.com", 8443));
        assert!(direct("10.1.2.3:6443", "10.1.2.3", 6443));
        assert!(!direct("10.1.2.3:6443", "10.1.2.3", 443));
        assert!(direct("[::1]:80,fd00::/8", "fd00::5", 1));
        // CIDRs and IPs never match host names.
        assert!(!direct("10.0.0.0/8", "node1.example.com", 443));
    }

    #[test]
    fn string_suffix_garbage() {
        // Classic: the raw suffix ".168.1.5" matches the IP literal's text.
        assert!(direct("168.1.5", "192.168.1.5", 443));
        assert!(!direct("168.1.5", "10.168.1.50", 443));
        // Current (CVE-2025-22870 fix): domain matchers never match IP literals.
        let np = NoProxy::parse_with("168.1.5", GoRevision::Current);
        assert!(!np.decide("192.168.1.5", 443).is_direct());
        assert_eq!(np.entries()[0].kind(), EntryKind::StringSuffix);

        let np = NoProxy::parse("10.0.0.0/8:443");
        assert_eq!(np.entries()[0].kind(), EntryKind::StringSuffix);
        assert!(!np.decide("10.1.2.3", 443).is_direct());

        for (entry, host) in [
            ("http://example.com", "example.com"),
            ("example.com/path", "example.com"),
            ("foo bar.com", "bar.com"),
            ("10.0.0.0/33", "10.0.0.1"),
            ("[2001:db8::1]", "2001:db8::1"),
        ] {
            let np = NoProxy::parse(entry);
            assert_eq!(np.entries()[0].kind(), EntryKind::StringSuffix, "{entry}");
            assert!(!np.decide(host, 80).is_direct(), "{entry}");
        }
    }

    #[test]
    fn lowercase_trim_empties_and_ranges() {
        let list = " Example.COM ,, *.Apps.Example.com ,";
        let np = NoProxy::parse(list);
        assert_eq!(np.entries().len(), 2);
        let e = &np.entries()[1];
        assert_eq!(e.text, "*.Apps.Example.com");
        assert_eq!(&list[e.range.clone()], e.text);
        assert_eq!(e.kind(), EntryKind::DomainSuffixOnly);
        let decision = np.decide("console.apps.example.com", 443);
        assert_eq!(
            decision.entry().map(|e| e.text.as_str()),
            Some("Example.COM")
        );
        assert!(np.decide("WWW.EXAMPLE.COM", 443).is_direct());
    }

    #[test]
    fn wildcard_anywhere_decides() {
        let np = NoProxy::parse("a.com, *, b.com");
        let d = np.decide("c.org", 443);
        assert_eq!(d.entry().map(|e| e.text.as_str()), Some("*"));
        // `*.` alone is the suffix "." (FQDN hosts only), not a wildcard.
        assert!(!direct("*.", "c.org", 443));
        assert!(direct("*.", "c.org.", 443));
    }

    #[test]
    fn ip_matchers_win_over_earlier_domain_matchers() {
        let np = NoProxy::parse("0.0.1, 10.0.0.0/8");
        let d = np.decide("10.0.0.1", 443);
        assert_eq!(d.entry().map(|e| e.text.as_str()), Some("10.0.0.0/8"));
    }

    #[test]
    fn loopback_localhost_and_mapped() {
        let np = NoProxy::parse("");
        assert_eq!(
            np.decide("localhost", 1),
            Decision::Direct(DirectBy::Localhost)
        );
        assert_eq!(
            np.decide("127.9.9.9", 1),
            Decision::Direct(DirectBy::Loopback)
        );
        assert_eq!(
            np.decide("::ffff:127.0.0.1", 1),
            Decision::Direct(DirectBy::Loopback)
        );
        assert_eq!(np.decide("LOCALHOST", 1), Decision::Proxied);
        assert!(direct("10.0.0.0/8", "::ffff:10.1.1.1", 1));
        assert!(direct("::ffff:10.0.0.0/104", "10.1.1.1", 1));
        assert!(direct("10.1.1.1", "[::ffff:10.1.1.1]", 1));
        assert_eq!(
            np.decide("a]b", 1),
            Decision::Direct(DirectBy::UnsplittableHost)
        );
    }

    #[test]
    fn ipv6_zone_cve_2025_22870() {
        let list = "*.example.com";
        let host = "::1%.example.com";
        // Classic: not an IP (zone), so the suffix matches.
        assert!(
            NoProxy::parse_with(list, GoRevision::Classic)
                .decide(host, 80)
                .is_direct()
        );
        let current = NoProxy::parse_with(list, GoRevision::Current);
        // Current: an IP (loopback, so direct anyway); a non-loopback one is proxied.
        assert_eq!(
            current.decide(host, 80),
            Decision::Direct(DirectBy::Loopback)
        );
        assert!(!current.decide("fe80::1%.example.com", 80).is_direct());
    }

    #[test]
    fn ports_compare_as_strings_and_empty_port_is_any() {
        assert!(!direct("example.com:0443", "example.com", 443));
        assert!(direct("example.com:", "example.com", 1234));
    }

    #[test]
    fn cidr_parsing_like_go() {
        assert_eq!(parse_cidr("10.1.2.3/8"), "10.0.0.0/8".parse().ok());
        assert_eq!(parse_cidr("10.0.0.0/08"), "10.0.0.0/8".parse().ok());
        assert_eq!(parse_cidr("10.0.0.0/33"), None);
        assert_eq!(parse_cidr("10.0.0.0/"), None);
        assert_eq!(parse_cidr("010.0.0.0/8"), None);
        assert_eq!(parse_cidr("fe80::1%eth0/64"), None);
        assert_eq!(parse_cidr("::ffff:0:0/96"), "0.0.0.0/0".parse().ok());
    }

    #[test]
    fn split_host_port_like_go() {
        assert_eq!(split_host_port("a:1"), Ok(("a", "1")));
        assert_eq!(split_host_port("[::1]:80"), Ok(("::1", "80")));
        assert_eq!(split_host_port(":1"), Ok(("", "1")));
        assert_eq!(split_host_port("a:"), Ok(("a", "")));
        assert_eq!(split_host_port("a"), Err(()));
        assert_eq!(split_host_port("::1"), Err(()));
        assert_eq!(split_host_port("[::1]"), Err(()));
        assert_eq!(split_host_port("[::1]x:1"), Err(()));
        assert_eq!(split_host_port("a]:1"), Err(()));
        assert_eq!(split_host_port("http://x"), Ok(("http", "//x")));
    }

    #[test]
    fn explain_every_kind() {
        let list = "*,10.0.0.0/8,10.1.2.3,10.1.2.3:6443,example.com,.example.com,example.com:8443,168.1.5,:80";
        let np = NoProxy::parse(list);
        let kinds: Vec<_> = np.entries().iter().map(|e| e.kind().as_str()).collect();
        assert_eq!(
            kinds,
            [
                "wildcard-all",
                "cidr",
                "ip",
                "ip:port",
                "domain",
                "domain-suffix-only",
                "host:port",
                "string-suffix",
                "ignored"
            ]
        );
        for e in np.entries() {
            assert!(!e.explain().is_empty());
        }
        assert!(np.entries()[7].explain().contains("string suffix"));
    }
}
