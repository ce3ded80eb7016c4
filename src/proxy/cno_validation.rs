//! Two judgements on a `noProxy` list: the network operator's, and Go's against its author's.
//!
//! **The cluster `Proxy` (`config.openshift.io/v1`, DVM203 error).** The cluster-network-operator
//! validates `spec.noProxy` before applying anything; one bad entry makes the whole proxy
//! configuration invalid (Degraded `InvalidProxyConfig`, status not updated; docs/domain.md §4).
//! Ported from openshift/cluster-network-operator `pkg/controller/proxyconfig/validation.go`
//! (`ValidateProxyConfig`) and `pkg/util/validation/network.go` (`DomainName`, `Subdomain`):
//!
//! - a value of exactly `*` (untrimmed) is accepted as a whole;
//! - otherwise every `,`-separated entry, trimmed, must pass `net.ParseCIDR` or
//!   `DomainName(v, false)`: strip one leading `.`, then Kubernetes `IsDNS1123Subdomain`
//!   (at most 253 characters of lower-case alphanumerics, `-` and `.`, each label starting and
//!   ending alphanumeric).
//!
//! Consequences: empty entries (`a,,b`, a trailing comma), upper case, `*.example.com`, a `*`
//! inside a list, `host:port` and URLs are rejected. A plain IPv4 address passes (it is a valid
//! DNS-1123 subdomain); a plain IPv6 address passes neither test and is rejected by the code
//! read here (write it as `/128`). `acceptTrailingDot` is `false` on this path, so `example.com.`
//! is rejected too, although an earlier reading of the code said one trailing `.` is stripped. CNO stops at the
//! first bad entry; this module reports all of them. (CNO has no unit tests for this
//! function; the tests below come from docs/domain.md and the code.)
//!
//! **A MigrationController `no_proxy` (DVM203 warning).** Nothing validates it: Go's matcher
//! ([`super::noproxy`]) accepts anything and turns what it cannot parse into a string-suffix
//! test. [`intent_problems`] reports the entries whose Go reading differs from what the text
//! evidently means: a scheme, a path, a port on a CIDR, an inner space, an invalid CIDR or IP,
//! brackets without a port, a glob, a port without a host.

use super::noproxy::{EntryReading, NoProxy, parse_cidr, parse_ip, split_host_port};
use super::{ByteRange, split_list};

/// Why the network operator rejects an entry (for the message and the fix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CnoProblemKind {
    /// An empty entry: doubled, leading or trailing comma.
    EmptyEntry,
    /// `*` inside a list; CNO accepts it only as the whole value.
    WildcardInList,
    /// `*.example.com`; CNO wants `.example.com`.
    WildcardSubdomain,
    /// A URL (`http://...`) or a path.
    UrlLike,
    /// Upper-case letters in an otherwise valid name.
    Uppercase,
    /// `host:port`; CNO takes no ports.
    HostPort,
    /// A trailing `.` (not stripped on this path).
    TrailingDot,
    /// A plain IPv6 address (not a DNS name, not a CIDR).
    Ipv6Address,
    /// Anything else that is neither a CIDR nor a DNS-1123 subdomain.
    Invalid,
}

/// One entry the network operator rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CnoProblem {
    pub kind: CnoProblemKind,
    /// The trimmed entry (empty for an empty entry).
    pub entry: String,
    /// Where the entry sits in the value (empty range at the position of an empty entry).
    pub range: ByteRange,
    pub message: String,
}

/// The network operator's verdict on a cluster `Proxy` `spec.noProxy`: one problem per rejected
/// entry, in order. An empty value is "not set" and has none.
pub fn validate_cluster_no_proxy(value: &str) -> Vec<CnoProblem> {
    if value.is_empty() || value == "*" {
        return Vec::new();
    }
    split_list(value)
        .into_iter()
        .filter(|item| !cno_accepts_entry(item.text))
        .map(|item| {
            let (kind, why) = classify_rejection(item.text);
            CnoProblem {
                kind,
                entry: item.text.to_string(),
                range: item.range,
                message: format!(
                    "{why}; the network operator then rejects the whole Proxy configuration \
                     (Degraded, InvalidProxyConfig) and none of it is applied"
                ),
            }
        })
        .collect()
}

/// Whether CNO accepts one trimmed entry: `net.ParseCIDR(v)` or `DomainName(v, false)`.
pub fn cno_accepts_entry(entry: &str) -> bool {
    parse_cidr(entry).is_some() || is_dns1123_subdomain(entry.strip_prefix('.').unwrap_or(entry))
}

/// Kubernetes `validation.IsDNS1123Subdomain`.
pub fn is_dns1123_subdomain(v: &str) -> bool {
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        b.first().is_some_and(alnum)
            && b.last().is_some_and(alnum)
            && b.iter().all(|c| alnum(c) || *c == b'-')
    };
    v.len() <= 253 && v.split('.').all(label_ok)
}

fn classify_rejection(v: &str) -> (CnoProblemKind, String) {
    use CnoProblemKind::*;
    if v.is_empty() {
        return (
            EmptyEntry,
            "empty entry (a doubled, leading or trailing comma): remove it".to_string(),
        );
    }
    if v == "*" {
        return (
            WildcardInList,
            "`*` is accepted only as the whole noProxy value, not as one entry of a list"
                .to_string(),
        );
    }
    if let Some(rest) = v.strip_prefix("*.") {
        return (
            WildcardSubdomain,
            format!("`*.` wildcards are rejected: write `.{rest}` (subdomains of {rest})"),
        );
    }
    if let Some((addr, _)) = v.split_once('/')
        && parse_ip(addr).is_some()
    {
        return (
            Invalid,
            format!("`{v}` is not a valid CIDR (prefix length within 0-32 or 0-128)"),
        );
    }
    if v.contains("://") || v.contains('/') {
        return (
            UrlLike,
            format!(
                "`{v}` is a URL or a path, not an IP, CIDR or domain: write only the host{}",
                host_hint(v)
                    .map(|h| format!(" (`{h}`)"))
                    .unwrap_or_default()
            ),
        );
    }
    let lower = v.to_ascii_lowercase();
    if lower != v && cno_accepts_entry(&lower) {
        return (
            Uppercase,
            format!("upper-case letters are rejected: write `{lower}`"),
        );
    }
    if let Ok((host, port)) = split_host_port(v)
        && !host.is_empty()
        && (cno_accepts_entry(host) || parse_ip(host).is_some())
    {
        let fix = if host.contains(':') {
            format!("{host}/128")
        } else {
            host.to_string()
        };
        return (
            HostPort,
            format!("ports are rejected (`:{port}`): write `{fix}`, which covers every port"),
        );
    }
    if let Some(stripped) = v.strip_suffix('.')
        && cno_accepts_entry(stripped)
    {
        return (
            TrailingDot,
            format!("a trailing `.` is rejected here: write `{stripped}`"),
        );
    }
    if let Some(std::net::IpAddr::V6(_)) = parse_ip(v) {
        return (
            Ipv6Address,
            format!("a plain IPv6 address is rejected: write it as a CIDR, `{v}/128`"),
        );
    }
    (
        Invalid,
        format!("`{v}` is not an IP, a CIDR or a lower-case DNS-1123 domain name"),
    )
}

/// The host of a URL-looking entry, for a suggested fix.
fn host_hint(v: &str) -> Option<String> {
    let after_scheme = v.split_once("://").map_or(v, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match split_host_port(host_port) {
        Ok((h, _)) => h,
        Err(()) => host_port,
    };
    (!host.is_empty() && host != v).then(|| host.to_ascii_lowercase())
}

/// What Go's lenient matcher makes of an entry, differing from the entry's evident intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntentProblemKind {
    /// `http://host`: Go reads host `http` on port `//host`.
    Scheme,
    /// `host/path`: a suffix no host has.
    Path,
    /// `10.0.0.0/8:443`: no CIDR-with-port form exists.
    CidrWithPort,
    /// `10.0.0.0/33`, `10.0.0/8`: not a CIDR, so a string suffix.
    InvalidCidr,
    /// `168.1.5`, `10.0.0.256`: not an IP, so a string suffix.
    InvalidIp,
    /// `a.com b.com`: white space inside an entry.
    InnerSpace,
    /// `[2001:db8::1]` without a port: brackets kept, matches nothing.
    BracketsWithoutPort,
    /// `*` other than alone or as a leading `*.`.
    Glob,
    /// `:8080`: Go ignores it.
    PortWithoutHost,
}

/// One MigrationController `no_proxy` entry Go reads differently from its evident intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentProblem {
    pub kind: IntentProblemKind,
    /// The trimmed entry as written.
    pub entry: String,
    pub range: ByteRange,
    /// How Go reads it, and the fix.
    pub message: String,
}

/// Entries of a MigrationController `no_proxy` that Go's matcher reads differently from what
/// they evidently mean (see the module docs), in list order, at most one per entry.
pub fn intent_problems(value: &str) -> Vec<IntentProblem> {
    NoProxy::parse(value)
        .entries()
        .iter()
        .filter_map(|e| {
            let (kind, message) = intent_of(&e.text, &e.reading)?;
            Some(IntentProblem {
                kind,
                entry: e.text.clone(),
                range: e.range.clone(),
                message,
            })
        })
        .collect()
}

fn intent_of(text: &str, reading: &EntryReading) -> Option<(IntentProblemKind, String)> {
    use IntentProblemKind::*;
    let t = text;
    if matches!(reading, EntryReading::Ignored) {
        return Some((
            PortWithoutHost,
            format!("`{t}` has no host before the port: Go ignores the entry"),
        ));
    }
    if !matches!(reading, EntryReading::StringSuffix { .. }) {
        return None;
    }
    let lower = t.to_lowercase();
    if t.chars().any(char::is_whitespace) {
        return Some((
            InnerSpace,
            format!(
                "`{t}` contains white space: Go reads it as one host name that no host has, \
                 so it matches nothing; separate entries with commas"
            ),
        ));
    }
    if let Some((scheme, _)) = lower.split_once("://") {
        let fix = host_hint(&lower).unwrap_or_else(|| "the host".to_string());
        return Some((
            Scheme,
            format!(
                "`{t}` is a URL: Go reads host `{scheme}` with port `{}` and matches nothing; \
                 write `{fix}`",
                lower.get(scheme.len() + 1..).unwrap_or_default()
            ),
        ));
    }
    if let Some((cidr, port)) = lower.rsplit_once(':')
        && let Some(net) = parse_cidr(cidr)
    {
        return Some((
            CidrWithPort,
            format!(
                "`{t}`: a CIDR cannot carry a port; Go reads it as the string suffix \
                 `.{cidr}` on port {port}, which matches nothing. Write `{net}` (it covers every port)"
            ),
        ));
    }
    if let Some((addr, _)) = lower.split_once('/') {
        if parse_ip(addr).is_some() || looks_numeric(addr) {
            return Some((
                InvalidCidr,
                format!(
                    "`{t}` is not a valid CIDR (address and prefix length within 0-32 or \
                     0-128): Go reads it as a string suffix that matches no host"
                ),
            ));
        }
        let fix = host_hint(&lower).unwrap_or_else(|| "the host".to_string());
        return Some((
            Path,
            format!(
                "`{t}` has a path: Go matches host names, so it is a suffix no host has; \
                 write `{fix}`"
            ),
        ));
    }
    if lower.starts_with('[') && lower.ends_with(']') {
        let inner = lower.get(1..lower.len() - 1).unwrap_or_default();
        return Some((
            BracketsWithoutPort,
            format!(
                "`{t}`: Go removes brackets only before a port, so this matches nothing; \
                 write `{inner}`"
            ),
        ));
    }
    let host = split_host_port(&lower).map_or(lower.as_str(), |(h, _)| h);
    if looks_numeric(host) {
        return Some((
            InvalidIp,
            format!(
                "`{t}` is not a valid IP address: Go reads it as a string suffix. Go before \
                 golang.org/x/net 0.36 (Go 1.23.7/1.24.1) then matches any IP literal whose text \
                 ends in `.{host}`; later versions match no IP at all. Write a complete IP \
                 address or a CIDR"
            ),
        ));
    }
    if host.contains('*') {
        return Some((
            Glob,
            format!(
                "`{t}`: Go has no glob patterns; only `*` alone or a leading `*.` are special, \
                 so this matches nothing. Use a domain (`example.com`, `.example.com`) or a CIDR"
            ),
        ));
    }
    None
}

/// Digits and dots only (an IP fragment or an over-range IPv4 address).
fn looks_numeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && s.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use CnoProblemKind as K;

    fn kinds(value: &str) -> Vec<CnoProblemKind> {
        validate_cluster_no_proxy(value)
            .iter()
            .map(|p| p.kind)
            .collect()
    }

    #[test]
    fn accepted_by_cno() {
        for v in [
            "",
            "*",
            ".cluster.local,.svc,10.0.0.0/16,172.30.0.0/16,127.0.0.1,localhost",
            "api-int.c1.example.com, .example.com ,  10.1.2.3",
            "fd00::/8,fd02::/112,192.168.0.1/8",
            "169.254.169.254,metadata.google.internal",
        ] {
            assert_eq!(kinds(v), [], "{v}");
        }
    }

    #[test]
    fn rejected_by_cno() {
        let cases: &[(&str, &[CnoProblemKind])] = &[
            ("a.com,,b.com", &[K::EmptyEntry]),
            ("a.com,b.com,", &[K::EmptyEntry]),
            (",a.com", &[K::EmptyEntry]),
            ("a.com, ,b.com", &[K::EmptyEntry]),
            (" *", &[K::WildcardInList]),
            ("a.com,*", &[K::WildcardInList]),
            ("*.example.com", &[K::WildcardSubdomain]),
            ("Example.com", &[K::Uppercase]),
            ("example.com:443", &[K::HostPort]),
            ("10.0.0.1:6443", &[K::HostPort]),
            ("[fd00::1]:443", &[K::HostPort]),
            ("example.com.", &[K::TrailingDot]),
            ("fd00::1", &[K::Ipv6Address]),
            ("http://proxy.example.com:3128", &[K::UrlLike]),
            ("example.com/path", &[K::UrlLike]),
            ("10.0.0.0/33", &[K::Invalid]),
            ("under_score.com", &[K::Invalid]),
            ("-a.com", &[K::Invalid]),
            ("..a.com", &[K::Invalid]),
        ];
        for (value, want) in cases {
            assert_eq!(kinds(value), *want, "{value}");
        }
    }

    #[test]
    fn cno_problem_ranges_and_messages() {
        let value = "a.com, Foo.com,,*.b.com";
        let problems = validate_cluster_no_proxy(value);
        assert_eq!(problems.len(), 3);
        assert_eq!(&value[problems[0].range.clone()], "Foo.com");
        assert_eq!(problems[1].range, 15..15);
        assert!(problems[0].message.contains("`foo.com`"));
        assert!(problems[2].message.contains("`.b.com`"));
        assert!(problems.iter().all(|p| p.message.contains("whole Proxy")));
    }

    #[test]
    fn dns1123() {
        assert!(is_dns1123_subdomain("a-b.c1"));
        assert!(is_dns1123_subdomain("10.0.0.1"));
        assert!(!is_dns1123_subdomain(""));
        assert!(!is_dns1123_subdomain("a..b"));
        assert!(!is_dns1123_subdomain("a-"));
        assert!(!is_dns1123_subdomain(&"a".repeat(254)));
        assert!(is_dns1123_subdomain(&"a".repeat(253)));
    }

    fn intent(value: &str) -> Vec<IntentProblemKind> {
        intent_problems(value).iter().map(|p| p.kind).collect()
    }

    #[test]
    fn intent_problems_for_migration_controller() {
        use IntentProblemKind as I;
        let cases: &[(&str, &[IntentProblemKind])] = &[
            (
                ".svc,10.0.0.0/8,example.com,*.apps.example.com,10.1.2.3:6443",
                &[],
            ),
            ("Example.COM,a.com:8443,,", &[]),
            ("http://api.example.com:6443", &[I::Scheme]),
            ("example.com/api", &[I::Path]),
            ("10.0.0.0/8:443", &[I::CidrWithPort]),
            ("10.0.0.0/33", &[I::InvalidCidr]),
            ("10.0.0/8", &[I::InvalidCidr]),
            ("168.1.5", &[I::InvalidIp]),
            ("10.0.0.256", &[I::InvalidIp]),
            ("a.com b.com", &[I::InnerSpace]),
            ("[2001:db8::1]", &[I::BracketsWithoutPort]),
            ("*example.com", &[I::Glob]),
            ("10.0.*.*", &[I::Glob]),
            (":8080", &[I::PortWithoutHost]),
        ];
        for (value, want) in cases {
            assert_eq!(intent(value), *want, "{value}");
        }
    }

    #[test]
    fn intent_messages_explain_and_fix() {
        let value = "a.com, http://b.example.com:8080/x ,10.0.0.0/8:443";
        let problems = intent_problems(value);
        assert_eq!(problems.len(), 2);
        assert_eq!(
            &value[problems[0].range.clone()],
            "http://b.example.com:8080/x"
        );
        assert!(problems[0].message.contains("host `http`"));
        assert!(problems[0].message.contains("write `b.example.com`"));
        assert!(problems[1].message.contains("`10.0.0.0/8`"));
    }
}

/// Which cluster Proxy field a URL comes from: CNO accepts `http` for
/// `httpProxy`, `http` or `https` for `httpsProxy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyUrlField {
    HttpProxy,
    HttpsProxy,
}

/// Why the network operator rejects a cluster Proxy `httpProxy`/`httpsProxy`
/// (`ValidateProxyConfig`: `validation.URI` = Go's `url.ParseRequestURI`, a
/// scheme, a port in 1–65535; then the scheme the field allows). `None` when
/// accepted or empty. The message never contains the value (it may hold a
/// password).
pub fn cluster_proxy_url_problem(value: &str, field: ProxyUrlField) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    // Go's getScheme: a letter, then letters, digits, `+`, `-`, `.`, up to `:`.
    let scheme_end = value.find(':').filter(|&end| {
        value.get(..end).is_some_and(|s| {
            s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
    });
    let Some(end) = scheme_end else {
        return Some("it has no scheme (write `http://HOST:PORT`)".to_owned());
    };
    if !value
        .get(end + 1..)
        .is_some_and(|rest| rest.starts_with('/'))
    {
        return Some(format!(
            "`{}:` is read as its scheme, and the rest is no URL path (write `http://HOST:PORT`)",
            value.get(..end).unwrap_or_default()
        ));
    }
    let parsed = match url::Url::parse(value) {
        Ok(parsed) => parsed,
        Err(error) => return Some(format!("it is not a valid URL ({error})")),
    };
    if parsed.port() == Some(0) {
        return Some("its port is 0 (1–65535 is required)".to_owned());
    }
    let scheme = parsed.scheme();
    match field {
        ProxyUrlField::HttpProxy if scheme != "http" => Some(format!(
            "httpProxy requires the `http` scheme, not `{scheme}`"
        )),
        ProxyUrlField::HttpsProxy if scheme != "http" && scheme != "https" => Some(format!(
            "httpsProxy requires the `http` or `https` scheme, not `{scheme}`"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod proxy_url_tests {
    use super::*;

    #[test]
    fn the_network_operator_wants_an_absolute_http_url() {
        let http = |v| cluster_proxy_url_problem(v, ProxyUrlField::HttpProxy);
        let https = |v| cluster_proxy_url_problem(v, ProxyUrlField::HttpsProxy);
        assert_eq!(http("http://proxy.example.com:3128"), None);
        assert_eq!(http("HTTP://proxy:3128"), None);
        assert_eq!(http("http://user:pass@proxy:3128"), None);
        assert_eq!(http(""), None);
        assert!(
            http("proxy.example.com:3128").is_some_and(|m| m.contains("is read as its scheme"))
        );
        assert!(http("proxy.example.com").is_some_and(|m| m.contains("no scheme")));
        assert!(http("1.2.3.4:3128").is_some_and(|m| m.contains("no scheme")));
        assert!(http("https://proxy:3128").is_some_and(|m| m.contains("`https`")));
        assert_eq!(https("https://proxy:3128"), None);
        assert_eq!(https("http://proxy:3128"), None);
        assert!(https("socks5://proxy:1080").is_some());
        assert!(http("http://proxy:99999").is_some_and(|m| m.contains("not a valid URL")));
        assert!(http("http://proxy:0").is_some_and(|m| m.contains("port is 0")));
        assert!(http("http://pro xy:3128").is_some());
    }
}
