//! `stunnel_tcp_proxy` as MTC and stunnel read it.
//!
//! MTC (mig-controller `stunnel.go`, crane-lib `transport/stunnel/client.go`; docs/domain.md §2) runs
//! Go's `url.Parse` on the value, takes `url.Host` as stunnel's `connect = host:port` and the
//! URL-decoded userinfo as `protocolUsername`/`protocolPassword`; the scheme is ignored, the hop
//! to the proxy is plain TCP plus HTTP `CONNECT`, and stunnel's default `protocolAuthentication`
//! is Basic. So what matters is what *Go's* parser makes of the value, which is often not what
//! the value looks like:
//!
//! - `proxy.example.com:3128` (no scheme) parses as scheme `proxy.example.com` with an opaque
//!   part and no host: the proxy is silently not used;
//! - `10.0.0.1:3128` is a Go parse error ("first path segment in URL cannot contain colon"):
//!   DVM fails;
//! - `http://proxy` gives `connect = proxy`, which stunnel reads as a port;
//! - a `/`, `?` or `#` in an unencoded password ends the authority early: Go fails, or reads part
//!   of the password as the port.
//!
//! This module therefore carries a small port of the parts of Go's `net/url` parse that decide
//! these outcomes (`getScheme`, the query/fragment cuts, `parseAuthority`, `parseHost`,
//! `validUserinfo`, `validOptionalPort`, and the escape checks of `unescape`) instead of using
//! the `url` crate, which follows the WHATWG URL standard and disagrees on exactly these cases.
//!
//! Secrets: no message ever contains the password, not even when the value is unparsable and
//! Go's reading would put pieces of it in the host or port (then no host or port is reported).
//! Values are echoed only through [`redact`]. [`password`] gives the raw and decoded forms so
//! the caller can register them for masking in every output.

use std::net::IpAddr;

use super::ByteRange;

/// What is wrong with a `stunnel_tcp_proxy` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StunnelProblemKind {
    /// White space around the value (Go does not trim it).
    SurroundingWhitespace,
    /// A documentation placeholder copied verbatim (`username:password@ip:port`, `<host>`).
    Placeholder,
    /// No `http://`: the proxy is silently ignored, or Go fails to parse.
    MissingScheme,
    /// `https://`: the hop is plain HTTP CONNECT anyway (warning).
    HttpsScheme,
    /// `socks5://` and anything else: stunnel speaks HTTP CONNECT to it regardless.
    UnsupportedScheme,
    /// Go finds no host: the proxy is not used (or stunnel gets `connect = :port`).
    NoHost,
    /// No port: stunnel reads the host as a port.
    NoPort,
    /// A port that is not a TCP port number.
    InvalidPort,
    /// A path, query or fragment: ignored, and a sign of a mistyped value.
    PathQueryFragment,
    /// A reserved character in the password that is not percent-encoded.
    UnencodedPasswordChar,
    /// A user name without a password (only Basic auth is possible).
    UsernameWithoutPassword,
    /// A password without a user name.
    PasswordWithoutUsername,
    /// Any other Go `url.Parse` error: DVM fails.
    ParseError,
}

/// One problem, located in the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StunnelProblem {
    pub kind: StunnelProblemKind,
    pub is_error: bool,
    /// Never contains the password.
    pub message: String,
    pub range: ByteRange,
}

/// How MTC and stunnel read a `stunnel_tcp_proxy` value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StunnelProxy {
    /// The proxy host as stunnel would connect to it (no brackets), when there is one.
    pub host: Option<String>,
    pub port: Option<u16>,
    pub host_is_ip: bool,
    pub has_username: bool,
    pub has_password: bool,
    pub problems: Vec<StunnelProblem>,
}

impl StunnelProxy {
    /// Judges a value. An empty value means "no proxy" and has no problems.
    pub fn parse(value: &str) -> StunnelProxy {
        let mut out = StunnelProxy::default();
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return out;
        }
        let off = value.len() - value.trim_start().len();
        let whole = off..off + trimmed.len();
        let shown = redact(trimmed);
        if trimmed.len() != value.len() {
            out.problem(
                StunnelProblemKind::SurroundingWhitespace,
                true,
                "white space around the value: Go's url.Parse does not trim it and fails or \
                 misreads the value; remove it"
                    .to_string(),
                0..value.len(),
            );
        }
        if is_placeholder(trimmed) {
            out.problem(
                StunnelProblemKind::Placeholder,
                true,
                "this is the documentation placeholder (user name, password, IP and port), \
                 copied verbatim: write the real proxy, e.g. `http://proxy.example.com:3128`"
                    .to_string(),
                whole,
            );
            return out;
        }
        let at = |r: ByteRange| off + r.start..off + r.end;
        let parsed = go_parse(trimmed);
        // Without `://` there is no authority to misread (the no-scheme check reports it).
        let raw_ui = raw_userinfo(trimmed).filter(|_| trimmed.contains("://"));
        let userinfo_intact = match (&parsed, raw_ui.clone()) {
            (_, None) => true,
            (Ok(u), Some(raw)) => u.userinfo.as_ref().is_some_and(|r| *r == raw),
            (Err(_), Some(_)) => false,
        };
        if !userinfo_intact {
            let range = raw_ui.map_or(whole.clone(), at);
            out.problem(
                StunnelProblemKind::UnencodedPasswordChar,
                true,
                "the credentials contain a character that must be percent-encoded in a URL \
                 (one of / ? # [ ] space \" < > \\ ^ ` { | } or a stray %): Go cuts the URL \
                 there, so the proxy host, port and password are misread or the value does not \
                 parse and DVM fails; percent-encode it (`/` is %2F, `?` %3F, `#` %23, `%` %25)"
                    .to_string(),
                range,
            );
            return out;
        }
        let u = match parsed {
            Err(err) => {
                let has_scheme_sep = trimmed.contains("://");
                if !has_scheme_sep && err == GoUrlError::ColonInFirstSegment {
                    out.problem(
                        StunnelProblemKind::MissingScheme,
                        true,
                        format!(
                            "no scheme: Go's url.Parse rejects `{shown}` (first path segment \
                             cannot contain a colon) and DVM fails; write `http://{shown}`"
                        ),
                        whole,
                    );
                } else {
                    out.problem(
                        StunnelProblemKind::ParseError,
                        true,
                        format!(
                            "Go's url.Parse rejects `{shown}` ({}), so DVM fails",
                            err.describe()
                        ),
                        whole,
                    );
                }
                return out;
            }
            Ok(u) => u,
        };
        if u.opaque {
            out.problem(
                StunnelProblemKind::MissingScheme,
                true,
                format!(
                    "no `http://`: Go reads `{}` as the URL scheme and finds no host, so the \
                     proxy is silently not used; write `http://{shown}`",
                    u.scheme_text(trimmed)
                ),
                whole,
            );
            return out;
        }
        match u.scheme_lower.as_str() {
            "http" => {}
            "https" => out.problem(
                StunnelProblemKind::HttpsScheme,
                false,
                "`https://` has no effect: stunnel reaches the proxy over plain TCP and sends \
                 an HTTP CONNECT, with no TLS to the proxy; write `http://`"
                    .to_string(),
                at(u.scheme.clone()),
            ),
            "" => {}
            other => out.problem(
                StunnelProblemKind::UnsupportedScheme,
                true,
                format!(
                    "scheme `{other}` is ignored: stunnel always speaks HTTP CONNECT to the \
                     proxy (no SOCKS, no TLS), so a `{other}` proxy will not work; use an HTTP \
                     proxy with `http://`"
                ),
                at(u.scheme.clone()),
            ),
        }
        let host_text = u.host.as_ref().map(|r| slice(trimmed, r)).unwrap_or("");
        let (hostname, port) = split_url_host_port(host_text);
        if host_text.is_empty() {
            out.problem(
                StunnelProblemKind::NoHost,
                true,
                "no proxy host: MTC gets an empty host and silently does not use the proxy; \
                 write `http://HOST:PORT`"
                    .to_string(),
                whole.clone(),
            );
        } else if hostname.is_empty() {
            out.problem(
                StunnelProblemKind::NoHost,
                true,
                format!(
                    "no proxy host before the port: stunnel gets `connect = {host_text}` and \
                     connects to the pod itself; write `http://HOST{host_text}`"
                ),
                u.host.clone().map_or(whole.clone(), at),
            );
        }
        if !host_text.is_empty() {
            match port {
                None | Some("") => out.problem(
                    StunnelProblemKind::NoPort,
                    true,
                    format!(
                        "no port: stunnel gets `connect = {host_text}` and reads it as a port \
                         number; add the proxy port, e.g. `:3128`"
                    ),
                    u.host.clone().map_or(whole.clone(), at),
                ),
                Some(p) => match p.parse::<u32>() {
                    Ok(n) if (1..=65535).contains(&n) => out.port = u16::try_from(n).ok(),
                    _ => out.problem(
                        StunnelProblemKind::InvalidPort,
                        true,
                        format!("port `{p}` is not a TCP port (1-65535)"),
                        u.host.clone().map_or(whole.clone(), at),
                    ),
                },
            }
        }
        if !hostname.is_empty() {
            out.host_is_ip = hostname.parse::<IpAddr>().is_ok();
            out.host = Some(hostname.to_string());
        }
        let extra = u.path.as_ref().filter(|r| slice(trimmed, r) != "/");
        for (range, what) in [
            (extra, "a path"),
            (u.query.as_ref(), "a query"),
            (u.fragment.as_ref(), "a fragment"),
        ] {
            if let Some(r) = range {
                out.problem(
                    StunnelProblemKind::PathQueryFragment,
                    true,
                    format!(
                        "{what} has no meaning here: MTC uses only the host and port of the \
                         URL; write `http://HOST:PORT` (a sign the value was mistyped)"
                    ),
                    at(r.clone()),
                );
            }
        }
        if let Some(ui) = &u.userinfo {
            let text = slice(trimmed, ui);
            let (user, pass) = match text.split_once(':') {
                Some((user, pass)) => (user, Some(pass)),
                None => (text, None),
            };
            out.has_username = !user.is_empty();
            out.has_password = pass.is_some_and(|p| !p.is_empty());
            let user_range = at(ui.start..ui.start + user.len());
            if out.has_username && !out.has_password {
                out.problem(
                    StunnelProblemKind::UsernameWithoutPassword,
                    true,
                    "a user name without a password: stunnel's CONNECT supports only Basic \
                     authentication, which needs both; add the password (percent-encoded)"
                        .to_string(),
                    user_range,
                );
            } else if !out.has_username && out.has_password {
                out.problem(
                    StunnelProblemKind::PasswordWithoutUsername,
                    true,
                    "a password without a user name: stunnel's Basic authentication needs both"
                        .to_string(),
                    at(ui.clone()),
                );
            }
            if text.contains('@') {
                out.problem(
                    StunnelProblemKind::UnencodedPasswordChar,
                    false,
                    "an unencoded `@` in the credentials: Go splits at the last `@`, so this \
                     works, but other tools split at the first; encode it as %40"
                        .to_string(),
                    at(ui.clone()),
                );
            }
        }
        out
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.is_error)
    }

    fn problem(
        &mut self,
        kind: StunnelProblemKind,
        is_error: bool,
        message: String,
        range: ByteRange,
    ) {
        self.problems.push(StunnelProblem {
            kind,
            is_error,
            message,
            range,
        });
    }
}

/// A password in both the forms it can appear in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Password {
    /// As written in the value (possibly percent-encoded).
    pub raw: String,
    /// Percent-decoded (equal to `raw` when nothing is encoded or decoding fails).
    pub decoded: String,
}

impl Password {
    /// The distinct forms, for a secret masker.
    pub fn forms(&self) -> Vec<&str> {
        let mut forms = vec![self.raw.as_str()];
        if self.decoded != self.raw {
            forms.push(self.decoded.as_str());
        }
        forms
    }
}

/// True when `text` holds `://` anywhere: the cheap test that keeps URL checks
/// off most scalars (the per-file stage asks it of every scalar). Most scalars
/// are a few bytes and hold no `:`, which eight bytes at a time tell
/// ([`may_hold_colon`]); only the others are searched, three bytes at a time.
/// Payloads get the searcher, built once (docs/performance.md).
pub fn has_scheme_separator(text: &str) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"://"));
    let bytes = text.as_bytes();
    if bytes.len() < 64 {
        may_hold_colon(bytes) && bytes.windows(3).any(|w| w == b"://")
    } else {
        FINDER.find(bytes).is_some()
    }
}

/// Whether some byte of `bytes` is `:`, eight bytes at a time: a word XOR
/// eight colons has a zero byte where `bytes` has a colon, and a zero byte
/// sets its high bit in `(x - 0x01…) & !x & 0x80…` (no false negatives; a
/// false positive only costs the exact search).
fn may_hold_colon(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const COLONS: u64 = ONES * b':' as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = <[u8; 8]>::try_from(chunk).map_or(COLONS, u64::from_le_bytes) ^ COLONS;
        if word.wrapping_sub(ONES) & !word & HIGHS != 0 {
            return true;
        }
    }
    chunks.remainder().contains(&b':')
}

/// The password of a URL-like value (`scheme://user:pass@host`, or `user:pass@host` without a
/// scheme), even when Go could not parse it. `None` when there is none or it is empty.
pub fn password(value: &str) -> Option<Password> {
    let ui = raw_userinfo(value)?;
    let (_, raw) = slice(value, &ui).split_once(':')?;
    if raw.is_empty() {
        return None;
    }
    let decoded = percent_decode(raw).unwrap_or_else(|| raw.to_string());
    Some(Password {
        raw: raw.to_string(),
        decoded,
    })
}

/// The user name of a URL whose credentials are a user name alone
/// (`scheme://TOKEN@host`, also with a `%3A`-encoded colon): proxies and Git
/// hosts accept a token there, so it is treated as a secret (docs/security.md).
/// Its forms, for a secret masker: as written, percent-decoded, and what follows
/// a decoded `:`. `None` without a scheme (`admin@example.com` is an address),
/// with a password (see [`password`]), or when the part before `@` is not an
/// authority's user name (`docker://quay.io/org/image@sha256:…` holds a `/`).
pub fn user_token(value: &str) -> Option<Vec<String>> {
    let scheme_end = value.find("://")?;
    // Object stores' `s3://bucket@region/path` and `azblob://container@host/`
    // (Longhorn's backup targets): the part before `@` names a bucket, no
    // credential (a password there is still one: [`password`]).
    let scheme = value.get(..scheme_end).unwrap_or_default();
    if scheme.eq_ignore_ascii_case("s3") || scheme.eq_ignore_ascii_case("azblob") {
        return None;
    }
    let start = scheme_end + 3;
    let rest = value.get(start..)?;
    let end = rest
        .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
        .unwrap_or(rest.len());
    let (user, _) = rest.get(..end)?.rsplit_once('@')?;
    if user.is_empty() || user.contains([':', '@']) {
        return None;
    }
    let mut forms = vec![user.to_owned()];
    if let Some(decoded) = percent_decode(user).filter(|d| d != user) {
        if let Some((_, after)) = decoded.split_once(':')
            && !after.is_empty()
        {
            forms.push(after.to_owned());
        }
        forms.push(decoded);
    }
    Some(forms)
}

/// `value` with the password of every URL-like part replaced by `****`. Works on unparsable
/// values too, and errs on the side of hiding: everything between the first `:` of the
/// credentials and the last `@` is masked. A value with at most one `://` is treated as one URL
/// (so a password with a space in it is still hidden); otherwise each white-space separated
/// word is redacted on its own.
pub fn redact(value: &str) -> String {
    if value.matches("://").count() <= 1 {
        return redact_word(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut word_start = None;
    for (i, c) in value.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = word_start.take() {
                out.push_str(&redact_word(value.get(s..i).unwrap_or_default()));
            }
            out.push(c);
        } else if word_start.is_none() {
            word_start = Some(i);
        }
    }
    if let Some(s) = word_start {
        out.push_str(&redact_word(value.get(s..).unwrap_or_default()));
    }
    out
}

fn redact_word(word: &str) -> String {
    let Some(ui) = raw_userinfo(word) else {
        return word.to_string();
    };
    let text = slice(word, &ui);
    let Some(colon) = text.find(':') else {
        return word.to_string();
    };
    let pass_start = ui.start + colon + 1;
    if pass_start == ui.end {
        return word.to_string();
    }
    format!(
        "{}****{}",
        word.get(..pass_start).unwrap_or_default(),
        word.get(ui.end..).unwrap_or_default()
    )
}

/// The credentials as written: from after `://` (or the start) to the last `@`.
fn raw_userinfo(value: &str) -> Option<ByteRange> {
    let start = value.find("://").map_or(0, |i| i + 3);
    let at = value.rfind('@')?;
    (at >= start).then_some(start..at)
}

fn slice<'a>(s: &'a str, r: &ByteRange) -> &'a str {
    s.get(r.clone()).unwrap_or_default()
}

fn is_placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    if lower.contains('<') || lower.contains('>') || lower.contains("${") || lower.contains("{{") {
        return true;
    }
    let after_scheme = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
    let (userinfo, hostport) = match after_scheme.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, after_scheme),
    };
    let placeholder_user = userinfo.is_some_and(|u| {
        matches!(
            u,
            "username:password" | "user:password" | "user:pass" | "username:pass"
        )
    });
    let hostport = hostport.trim_end_matches('/');
    let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, ""));
    let placeholder_host = matches!(
        host,
        "ip" | "host" | "hostname" | "proxy_host" | "proxy-host" | "proxy_ip" | "proxy-ip"
    ) || port == "port";
    placeholder_user || placeholder_host
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = *b.get(i)?;
        if c == b'%' {
            let hi = hex(*b.get(i + 1)?)?;
            let lo = hex(*b.get(i + 2)?)?;
            out.push(hi * 16 + lo);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Go `url.URL` pieces, as byte ranges in the parsed string.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GoUrl {
    scheme: ByteRange,
    scheme_lower: String,
    /// `scheme:opaque` (no `//`): no host at all.
    opaque: bool,
    userinfo: Option<ByteRange>,
    /// `url.Host` (with port), when an authority was present.
    host: Option<ByteRange>,
    path: Option<ByteRange>,
    query: Option<ByteRange>,
    fragment: Option<ByteRange>,
}

impl GoUrl {
    fn scheme_text<'a>(&self, s: &'a str) -> &'a str {
        slice(s, &self.scheme)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GoUrlError {
    ControlCharacter,
    MissingScheme,
    ColonInFirstSegment,
    InvalidEscape,
    InvalidUserinfo,
    MissingBracket,
    InvalidPort,
    InvalidHostCharacter,
}

impl GoUrlError {
    fn describe(self) -> &'static str {
        match self {
            GoUrlError::ControlCharacter => "a control character",
            GoUrlError::MissingScheme => "missing protocol scheme",
            GoUrlError::ColonInFirstSegment => "first path segment cannot contain a colon",
            GoUrlError::InvalidEscape => "an invalid %-escape",
            GoUrlError::InvalidUserinfo => "invalid characters in the credentials",
            GoUrlError::MissingBracket => "missing `]` in the host",
            GoUrlError::InvalidPort => "an invalid port after the host",
            GoUrlError::InvalidHostCharacter => "an invalid character in the host name",
        }
    }
}

/// Go's `url.Parse`, reduced to what decides host, port, userinfo and failure.
fn go_parse(s: &str) -> Result<GoUrl, GoUrlError> {
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(GoUrlError::ControlCharacter);
    }
    let (u_end, fragment) = match s.find('#') {
        Some(i) => (i, Some(i + 1..s.len())),
        None => (s.len(), None),
    };
    if let Some(f) = &fragment {
        check_escapes(slice(s, f))?;
    }
    // getScheme
    let mut scheme = 0..0;
    for (i, c) in s.get(..u_end).unwrap_or_default().bytes().enumerate() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || c == b'+' || c == b'-' || c == b'.' {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == b':' {
            if i == 0 {
                return Err(GoUrlError::MissingScheme);
            }
            scheme = 0..i;
        }
        break;
    }
    let scheme_lower = slice(s, &scheme).to_ascii_lowercase();
    let mut rest = if scheme.is_empty() { 0 } else { scheme.end + 1 }..u_end;
    // Query: a lone trailing `?` is ForceQuery, else cut at the first `?`.
    let mut query = None;
    let r = slice(s, &rest);
    if r.ends_with('?') && r.matches('?').count() == 1 {
        rest.end -= 1;
    } else if let Some(q) = r.find('?') {
        query = Some(rest.start + q + 1..rest.end);
        rest.end = rest.start + q;
    }
    let r = slice(s, &rest);
    let mut url = GoUrl {
        scheme,
        scheme_lower,
        opaque: false,
        userinfo: None,
        host: None,
        path: None,
        query,
        fragment,
    };
    if !r.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = true;
            return Ok(url);
        }
        let first_segment = r.split('/').next().unwrap_or_default();
        if first_segment.contains(':') {
            return Err(GoUrlError::ColonInFirstSegment);
        }
    }
    if (!url.scheme.is_empty() || !r.starts_with("///")) && r.starts_with("//") {
        let auth_start = rest.start + 2;
        let auth_end = slice(s, &(auth_start..rest.end))
            .find('/')
            .map_or(rest.end, |i| auth_start + i);
        let authority = slice(s, &(auth_start..auth_end));
        let (userinfo, host) = match authority.rfind('@') {
            Some(i) => (
                Some(auth_start..auth_start + i),
                auth_start + i + 1..auth_end,
            ),
            None => (None, auth_start..auth_end),
        };
        parse_host(slice(s, &host))?;
        if let Some(ui) = &userinfo {
            let text = slice(s, ui);
            if !text.bytes().all(valid_userinfo_byte) {
                return Err(GoUrlError::InvalidUserinfo);
            }
            check_escapes(text)?;
        }
        url.userinfo = userinfo;
        url.host = Some(host);
        rest.start = auth_end;
    }
    if !rest.is_empty() {
        check_escapes(slice(s, &rest))?;
        url.path = Some(rest);
    }
    Ok(url)
}

/// Go's `parseHost` checks.
fn parse_host(host: &str) -> Result<(), GoUrlError> {
    if host.starts_with('[') {
        let i = host.rfind(']').ok_or(GoUrlError::MissingBracket)?;
        if !valid_optional_port(host.get(i + 1..).unwrap_or_default()) {
            return Err(GoUrlError::InvalidPort);
        }
    } else if let Some(i) = host.rfind(':')
        && !valid_optional_port(host.get(i..).unwrap_or_default())
    {
        return Err(GoUrlError::InvalidPort);
    }
    let b = host.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            // Host escapes may only encode non-ASCII bytes, or `%25`.
            let hi = b.get(i + 1).copied().and_then(hex);
            let lo = b.get(i + 2).copied().and_then(hex);
            match (hi, lo) {
                (Some(h), Some(_)) if h >= 8 || host.get(i..i + 3) == Some("%25") => {}
                _ => return Err(GoUrlError::InvalidEscape),
            }
            i += 3;
            continue;
        }
        let allowed =
            c >= 0x80 || c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:[]<>\"".contains(&c);
        if !allowed {
            return Err(GoUrlError::InvalidHostCharacter);
        }
        i += 1;
    }
    Ok(())
}

/// Go's `validOptionalPort`: empty, or `:` followed by digits only.
fn valid_optional_port(port: &str) -> bool {
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// Go's `validUserinfo`.
fn valid_userinfo_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c)
}

/// The `%` checks of Go's `unescape`: every `%` starts two hex digits.
fn check_escapes(s: &str) -> Result<(), GoUrlError> {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let ok = b.get(i + 1).copied().and_then(hex).is_some()
                && b.get(i + 2).copied().and_then(hex).is_some();
            if !ok {
                return Err(GoUrlError::InvalidEscape);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// Go's `url.Hostname()` and `url.Port()` from `url.Host`.
fn split_url_host_port(host: &str) -> (&str, Option<&str>) {
    let (h, port) = match host.rfind(':') {
        Some(i) if valid_optional_port(host.get(i..).unwrap_or_default()) => {
            (host.get(..i).unwrap_or_default(), host.get(i + 1..))
        }
        _ => (host, None),
    };
    let h = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    (h, port)
}

#[cfg(test)]
mod tests {
    use super::*;
    use StunnelProblemKind as K;

    #[test]
    fn scheme_separators_in_short_scalars_and_payloads() {
        for pad in [0, 100] {
            let text = |s: &str| format!("{}{s}", "x".repeat(pad));
            assert!(has_scheme_separator(&text("http://a")));
            assert!(has_scheme_separator(&text("://")));
            assert!(!has_scheme_separator(&text("a:/b//")));
            assert!(!has_scheme_separator(&text(":/")));
        }
        // The word-at-a-time screen finds a colon at every offset, in any
        // company of bytes (high bytes and `;` = `:` + 1 included).
        for len in 0..40 {
            for at in 0..len {
                let mut bytes = vec![b';'; len];
                bytes.iter_mut().step_by(3).for_each(|b| *b = 0xC3);
                if let Some(b) = bytes.get_mut(at) {
                    *b = b':';
                }
                assert!(may_hold_colon(&bytes), "{len} {at}");
            }
            assert!(!may_hold_colon(&vec![b'a'; len]));
        }
    }

    fn kinds(v: &str) -> Vec<(StunnelProblemKind, bool)> {
        StunnelProxy::parse(v)
            .problems
            .iter()
            .map(|p| (p.kind, p.is_error))
            .collect()
    }

    #[test]
    fn good_values() {
        let p = StunnelProxy::parse("http://proxy.example.com:3128");
        assert_eq!(p.problems, []);
        assert_eq!(p.host.as_deref(), Some("proxy.example.com"));
        assert_eq!(p.port, Some(3128));
        assert!(!p.host_is_ip);
        let p = StunnelProxy::parse("http://user:s3cr%2Ft@10.0.0.1:3128/");
        assert_eq!(p.problems, []);
        assert!(p.host_is_ip && p.has_username && p.has_password);
        let p = StunnelProxy::parse("http://[fd00::1]:3128");
        assert_eq!(p.host.as_deref(), Some("fd00::1"));
        assert!(p.host_is_ip);
        assert_eq!(StunnelProxy::parse(""), StunnelProxy::default());
    }

    #[test]
    fn missing_scheme() {
        // Go: scheme "proxy", opaque "3128": no host, proxy silently unused.
        assert_eq!(kinds("proxy:3128"), [(K::MissingScheme, true)]);
        assert_eq!(kinds("proxy.example.com:3128"), [(K::MissingScheme, true)]);
        // Go: parse error (first path segment contains a colon).
        let p = StunnelProxy::parse("10.0.0.1:3128");
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].kind, K::MissingScheme);
        assert!(p.problems[0].message.contains("rejects"));
        assert!(p.problems[0].message.contains("http://10.0.0.1:3128"));
        assert!(
            StunnelProxy::parse("proxy:3128").problems[0]
                .message
                .contains("silently")
        );
    }

    #[test]
    fn schemes() {
        assert_eq!(kinds("https://proxy:3128"), [(K::HttpsScheme, false)]);
        assert_eq!(kinds("socks5://proxy:1080"), [(K::UnsupportedScheme, true)]);
        assert_eq!(kinds("HTTP://proxy:3128"), []);
        let p = StunnelProxy::parse("socks5://proxy:1080");
        assert_eq!(p.problems[0].range, 0..6);
    }

    #[test]
    fn host_and_port() {
        assert_eq!(kinds("http://"), [(K::NoHost, true)]);
        assert_eq!(kinds("http://:3128"), [(K::NoHost, true)]);
        assert_eq!(kinds("http://proxy"), [(K::NoPort, true)]);
        assert_eq!(kinds("http://proxy:"), [(K::NoPort, true)]);
        assert_eq!(kinds("http://proxy:99999"), [(K::InvalidPort, true)]);
        assert_eq!(kinds("http://proxy:abc"), [(K::ParseError, true)]);
        assert_eq!(kinds("http://pro xy:3128"), [(K::ParseError, true)]);
    }

    #[test]
    fn path_query_fragment() {
        assert_eq!(kinds("http://proxy:3128/"), []);
        assert_eq!(
            kinds("http://proxy:3128/squid"),
            [(K::PathQueryFragment, true)]
        );
        assert_eq!(
            kinds("http://proxy:3128?a=b"),
            [(K::PathQueryFragment, true)]
        );
        assert_eq!(kinds("http://proxy:3128#x"), [(K::PathQueryFragment, true)]);
        let v = "http://proxy:3128/squid";
        let p = StunnelProxy::parse(v);
        assert_eq!(&v[p.problems[0].range.clone()], "/squid");
    }

    #[test]
    fn credentials() {
        assert_eq!(
            kinds("http://user@proxy:3128"),
            [(K::UsernameWithoutPassword, true)]
        );
        assert_eq!(
            kinds("http://user:@proxy:3128"),
            [(K::UsernameWithoutPassword, true)]
        );
        assert_eq!(
            kinds("http://:pw1x@proxy:3128"),
            [(K::PasswordWithoutUsername, true)]
        );
        for v in [
            "http://user:pa/ss@proxy:3128",
            "http://user:pa?ss@proxy:3128",
            "http://user:pa#ss@proxy:3128",
            "http://user:12/ss@proxy:3128",
            "http://user:pa ss@proxy:3128",
            "http://user:pa%zzss@proxy:3128",
        ] {
            let p = StunnelProxy::parse(v);
            assert_eq!(p.problems.len(), 1, "{v}");
            assert_eq!(p.problems[0].kind, K::UnencodedPasswordChar, "{v}");
            assert!(p.problems[0].is_error);
            // Go would read part of the password as host or port: report neither.
            assert_eq!((p.host, p.port), (None, None));
        }
        assert_eq!(
            kinds("http://user:p@ss@proxy:3128"),
            [(K::UnencodedPasswordChar, false)]
        );
    }

    #[test]
    fn placeholders() {
        for v in [
            "http://username:password@ip:port",
            "username:password@ip:port",
            "http://<username>:<password>@<ip>:<port>",
            "http://proxy_host:3128",
            "http://10.0.0.1:port",
        ] {
            assert_eq!(kinds(v), [(K::Placeholder, true)], "{v}");
        }
    }

    #[test]
    fn whitespace() {
        let p = StunnelProxy::parse(" http://proxy:3128 ");
        assert_eq!(p.problems[0].kind, K::SurroundingWhitespace);
        assert_eq!(p.port, Some(3128));
    }

    const SECRET_VALUES: &[&str] = &[
        "http://alice:Zq9secretX@proxy:3128",
        "http://alice:Zq9%2Fsecret%40X@proxy:3128",
        "http://alice:Zq9/secretX@proxy:3128",
        "http://alice:Zq9?secretX@proxy:3128",
        "http://alice:Zq9#secretX@proxy:3128",
        "http://alice:Zq9 secretX@proxy:3128",
        "http://alice:Zq9secretX@proxy",
        "https://alice:Zq9secretX@proxy:3128/path?q#f",
        "socks5://alice:Zq9secretX@proxy:1080",
        "alice:Zq9secretX@proxy:3128",
        "alice:Zq9secretX@10.0.0.1:3128",
        "http://:Zq9secretX@proxy:3128",
        "http://alice:Zq9secretX@:3128",
        "http://alice:Zq9@secretX@proxy:3128",
        " http://alice:Zq9secretX@proxy:3128",
        "http://alice:12/Zq9secretX@proxy:3128",
    ];

    #[test]
    fn messages_never_contain_the_password() {
        for v in SECRET_VALUES {
            let pw = password(v).unwrap_or_else(|| panic!("no password in {v}"));
            let p = StunnelProxy::parse(v);
            for problem in &p.problems {
                for form in pw.forms() {
                    assert!(!problem.message.contains(form), "{v}: {}", problem.message);
                }
                assert!(!problem.message.contains("Zq9"), "{v}: {}", problem.message);
                assert!(
                    !problem.message.contains("secret"),
                    "{v}: {}",
                    problem.message
                );
            }
            assert!(!p.host.unwrap_or_default().contains("Zq9"), "{v}");
            let r = redact(v);
            assert!(!r.contains("Zq9") && !r.contains("secret"), "{v} -> {r}");
        }
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("http://u:p%40ss@h:1"), "http://u:****@h:1");
        assert_eq!(redact("http://u:a/b#c@h:1"), "http://u:****@h:1");
        assert_eq!(redact("u:pw@h:1"), "u:****@h:1");
        assert_eq!(redact("http://u@h:1"), "http://u@h:1");
        assert_eq!(redact("http://h:1"), "http://h:1");
        assert_eq!(
            redact("set http://u:pw1@a:1 and https://v:pw2@b:2 now"),
            "set http://u:****@a:1 and https://v:****@b:2 now"
        );
    }

    #[test]
    fn a_user_name_alone_is_a_token() {
        assert_eq!(
            user_token("http://TOKEN123@proxy:3128"),
            Some(vec!["TOKEN123".to_owned()])
        );
        assert_eq!(
            user_token("http://dvm%3APASS99@proxy:3128/x"),
            Some(vec![
                "dvm%3APASS99".to_owned(),
                "PASS99".to_owned(),
                "dvm:PASS99".to_owned()
            ])
        );
        // A password is `password`'s; an address or a path is no user name.
        assert_eq!(user_token("http://dvm:pass@proxy:3128"), None);
        assert_eq!(user_token("admin@example.com"), None);
        assert_eq!(user_token("docker://quay.io/org/image@sha256:ab12"), None);
        assert_eq!(user_token("https://host/a@b"), None);
        assert_eq!(user_token("http://@proxy"), None);
        // A bucket or container before `@` (Longhorn's backup targets).
        assert_eq!(user_token("s3://longhorn@us-east-1/backups"), None);
        assert_eq!(user_token("azblob://backups@core.windows.net/"), None);
        assert!(password("s3://key:SECRET99@minio:9000/b").is_some());
    }

    #[test]
    fn password_forms() {
        let pw = password("http://u:p%40ss@h:1");
        assert_eq!(
            pw,
            Some(Password {
                raw: "p%40ss".to_string(),
                decoded: "p@ss".to_string()
            })
        );
        assert_eq!(password("http://u@h:1"), None);
        assert_eq!(password("http://u:@h:1"), None);
        assert_eq!(password("http://h:1"), None);
    }

    #[test]
    fn go_parse_matches_go_on_tricky_inputs() {
        assert_eq!(go_parse(":3128"), Err(GoUrlError::MissingScheme));
        assert_eq!(
            go_parse("10.0.0.1:3128"),
            Err(GoUrlError::ColonInFirstSegment)
        );
        assert!(go_parse("proxy:3128").is_ok_and(|u| u.opaque));
        assert_eq!(go_parse("http://[::1"), Err(GoUrlError::MissingBracket));
        assert_eq!(go_parse("http://a%41b:1"), Err(GoUrlError::InvalidEscape));
        assert!(go_parse("http://a%C3%A9:1").is_ok());
        assert_eq!(go_parse("http://a\tb"), Err(GoUrlError::ControlCharacter));
        let u = go_parse("http://u:p@h:1/x?y#z");
        assert!(u.is_ok_and(|u| u.userinfo == Some(7..10) && u.host == Some(11..14)));
    }
}
