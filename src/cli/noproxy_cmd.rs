//! `dvmlint noproxy HOST[:PORT]... --no-proxy LIST` (docs/noproxy.md): whether Go's
//! matcher (the one MTC's controller uses, docs/domain.md §5) sends each host
//! through the proxy, the entry that decided, and which entries the cluster
//! network operator would reject in a cluster Proxy (docs/domain.md §4).

use crate::proxy::{Decision, DirectBy, NoProxy, validate_cluster_no_proxy};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum NoProxyFormat {
    Text,
    Json,
}

/// One host argument: the text as given, the host and the port Go would use.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    shown: String,
    host: String,
    port: u16,
}

/// `host`, `host:port`, `[v6]:port`, a bare IPv6 address, or a URL
/// (`https://host:6443/path`, whose scheme gives the default port).
fn parse_target(arg: &str) -> Result<Target, String> {
    let trimmed = arg.trim();
    let (default_port, rest) = match trimmed.split_once("://") {
        Some((scheme, rest)) => {
            let port = match scheme.to_ascii_lowercase().as_str() {
                "http" => 80,
                "https" => 443,
                other => return Err(format!("`{arg}`: unknown scheme `{other}`")),
            };
            (port, rest.split(['/', '?', '#']).next().unwrap_or_default())
        }
        None => (443, trimmed),
    };
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| format!("`{arg}`: missing `]`"))?;
        (host, after.strip_prefix(':'))
    } else if rest.matches(':').count() > 1 {
        (rest, None)
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    if host.is_empty() {
        return Err(format!("`{arg}`: no host"));
    }
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| format!("`{arg}`: `{p}` is not a port number"))?,
        None => default_port,
    };
    Ok(Target {
        shown: trimmed.to_owned(),
        host: host.to_owned(),
        port,
    })
}

fn reason(decision: &Decision<'_>) -> Option<String> {
    match decision {
        Decision::Direct(DirectBy::Entry(entry)) => Some(format!("matched by {}", entry.text)),
        Decision::Direct(DirectBy::Localhost) => Some("localhost is always direct".to_owned()),
        Decision::Direct(DirectBy::Loopback) => {
            Some("a loopback address is always direct".to_owned())
        }
        Decision::Direct(DirectBy::UnsplittableHost) => {
            Some("Go cannot split this host and never proxies it".to_owned())
        }
        Decision::Proxied => None,
    }
}

pub fn run(hosts: &[String], list: &str, format: NoProxyFormat) -> i32 {
    let targets: Result<Vec<Target>, String> = hosts.iter().map(|h| parse_target(h)).collect();
    let targets = match targets {
        Ok(targets) => targets,
        Err(message) => {
            eprintln!("dvmlint: error: {message}");
            return 2;
        }
    };
    let no_proxy = NoProxy::parse(list);
    let notes: Vec<String> = validate_cluster_no_proxy(list)
        .into_iter()
        .map(|p| {
            let entry = if p.entry.is_empty() {
                "empty entry".to_owned()
            } else {
                format!("entry `{}`", p.entry)
            };
            format!(
                "note: {entry} would be rejected in a cluster Proxy's noProxy: {}",
                p.message
            )
        })
        .collect();
    match format {
        NoProxyFormat::Text => {
            for t in &targets {
                let decision = no_proxy.decide(&t.host, t.port);
                match (decision.is_direct(), reason(&decision)) {
                    (true, Some(by)) => println!("{} direct ({by})", t.shown),
                    _ => println!("{} proxied", t.shown),
                }
            }
            for note in &notes {
                println!("{note}");
            }
        }
        NoProxyFormat::Json => {
            let rows: Vec<serde_json::Value> = targets
                .iter()
                .map(|t| {
                    let decision = no_proxy.decide(&t.host, t.port);
                    serde_json::json!({
                        "host": t.shown,
                        "direct": decision.is_direct(),
                        "entry": decision.entry().map(|e| e.text.clone()),
                    })
                })
                .collect();
            let code = super::print_json(&rows);
            if code != 0 {
                return code;
            }
            // stdout stays a plain array (docs/noproxy.md); the notes go to stderr.
            for note in &notes {
                eprintln!("{note}");
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(arg: &str) -> (String, u16) {
        parse_target(arg).map_or((String::new(), 0), |t| (t.host, t.port))
    }

    #[test]
    fn host_arguments() {
        assert_eq!(t("api.example.com"), ("api.example.com".into(), 443));
        assert_eq!(t("api.example.com:6443"), ("api.example.com".into(), 6443));
        assert_eq!(t("[fd00::1]:80"), ("fd00::1".into(), 80));
        assert_eq!(t("fd00::1"), ("fd00::1".into(), 443));
        assert_eq!(t("http://a.example.com/x"), ("a.example.com".into(), 80));
        assert!(parse_target("host:http").is_err());
        assert!(parse_target(":443").is_err());
    }
}
