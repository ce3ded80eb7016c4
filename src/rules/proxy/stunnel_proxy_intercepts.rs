//! DVM204 stunnel-proxy-intercepts: `stunnel_tcp_proxy` points at a proxy that
//! re-signs TLS. stunnel's TLS between the rsync client and server must pass the
//! proxy untouched (docs/domain.md §2: "TLS-intercepting proxies do not work"), so a
//! proxy listed in `interceptingProxies`, or the cluster-wide proxy when the
//! cluster trusts an extra CA (Proxy `trustedCA`, install-config
//! `additionalTrustBundle`, the usual sign of interception), breaks DVM: error.
//! Merely reusing the cluster-wide proxy is a warning: it often intercepts.

use crate::finding::{Finding, Location, Severity};
use crate::model::Project;
use crate::model::proxy::VarOrigin;
use crate::proxy::{StunnelProxy, redact};

use super::{effective, finding};
use crate::rules::hops::{Decider, Hop, Verdict};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    out.extend(findings(project));
}

/// The proxy hop of every DVM path (`stunnel_tcp_proxy` on the host's
/// MigrationController): blocked when DVM204 reports an intercepting proxy
/// (error), unknown when it only reuses the cluster-wide proxy (warning),
/// else allowed. The graph draws it (`crate::graph`).
pub(crate) fn hop(project: &Project) -> Hop {
    let findings = findings(project);
    let by: Vec<Decider> = findings
        .iter()
        .map(|f| Decider {
            name: "stunnel_tcp_proxy".to_owned(),
            location: Some(f.location.clone()),
        })
        .take(1)
        .collect();
    let why = findings
        .iter()
        .map(|f| f.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let (verdict, short) = if findings.iter().any(|f| f.severity == Severity::Error) {
        (Verdict::Blocked, "re-signs TLS")
    } else if findings.is_empty() {
        return Hop::allowed(
            "CONNECT",
            "stunnel tunnels its TLS through the proxy with HTTP CONNECT; the proxy is not known to re-sign TLS",
            by,
        );
    } else {
        (Verdict::Unknown, "may re-sign TLS")
    };
    Hop {
        verdict,
        short: short.to_owned(),
        why,
        by,
        findings,
    }
}

/// DVM204's findings: at most one, on the host's `stunnel_tcp_proxy`.
fn findings(project: &Project) -> Vec<Finding> {
    let mut out = Vec::new();
    let (migration, proxies) = effective(project);
    for proxy in proxies {
        if migration.host.is_some_and(|h| h != proxy.cluster) {
            continue;
        }
        let Some((index, controller)) = &proxy.controller else {
            continue;
        };
        let Some(text) = controller.text("stunnel_tcp_proxy") else {
            continue;
        };
        let Some(file) = project.objects.get(*index).map(|o| &o.object.file) else {
            continue;
        };
        let stunnel = StunnelProxy::parse(&text.value);
        let Some(host) = stunnel.host.as_deref() else {
            continue;
        };
        let at = Location::new(file, text.span);
        let shown = redact(&text.value);
        let same = |h: &str, p: Option<u16>| {
            h.eq_ignore_ascii_case(host)
                && (p.is_none() || stunnel.port.is_none() || p == stunnel.port)
        };
        let listed = project.config.intercepting_proxies.iter().find(|entry| {
            let (h, p) = split_host_port(entry);
            same(h, p)
        });
        if let Some(entry) = listed {
            // Name the entry only when it is written differently from the value.
            let bare = shown
                .split_once("://")
                .map_or(shown.as_str(), |(_, rest)| rest);
            let which = if bare.trim_end_matches('/').eq_ignore_ascii_case(entry) {
                String::new()
            } else {
                format!(" as `{entry}`")
            };
            out.push(
                finding(project, proxy, "DVM204", at, VarOrigin::MigrationController, format!(
                    "stunnel_tcp_proxy `{shown}` points at a proxy listed in `interceptingProxies`{which}: \
                     a proxy that re-signs TLS breaks stunnel's end-to-end TLS and DVM fails"
                ))
                .severity(Severity::Error)
                .help(intercept_help()),
            );
            continue;
        }
        let reused = proxies.iter().find_map(|other| {
            let platform = other.platform.as_ref()?;
            [&platform.vars.https_proxy, &platform.vars.http_proxy]
                .into_iter()
                .flatten()
                .find(|v| {
                    let p = StunnelProxy::parse(&v.value);
                    p.host.as_deref().is_some_and(|h| same(h, p.port))
                })
                .map(|v| (platform, v))
        });
        let Some((platform, var)) = reused else {
            continue;
        };
        let related = Location::new(&platform.file, var.span);
        let f =
            if platform.intercepting {
                let why = if platform.origin == VarOrigin::ClusterProxy {
                    "the cluster Proxy has a `trustedCA`"
                } else {
                    "install-config has an `additionalTrustBundle`"
                };
                finding(project, proxy, "DVM204", at, VarOrigin::MigrationController, format!(
                "stunnel_tcp_proxy `{shown}` is the cluster-wide proxy, and {why}: that proxy \
                 re-signs TLS, which breaks stunnel's end-to-end TLS and DVM fails"
            ))
            .severity(Severity::Error)
            .help(intercept_help())
            } else {
                finding(project, proxy, "DVM204", at, VarOrigin::MigrationController, format!(
                "stunnel_tcp_proxy `{shown}` reuses the cluster-wide proxy: if it inspects TLS \
                 (as corporate egress proxies often do) stunnel's handshake fails and DVM fails"
            ))
            .severity(Severity::Warning)
            .help("make sure the proxy passes CONNECT to the destination route untouched (no TLS \
                   interception), or list it in `interceptingProxies` in .dvmlint.yaml if it does")
            };
        out.push(f.related(
            related,
            format!("cluster-wide proxy `{}`", redact(&var.value)),
        ));
    }
    out
}

fn intercept_help() -> &'static str {
    "point stunnel_tcp_proxy at a proxy that does not intercept TLS, or exempt the destination \
     route from interception (Squid: `acl dvmRoute dstdomain <route host>` + `ssl_bump splice \
     dvmRoute`)"
}

fn split_host_port(entry: &str) -> (&str, Option<u16>) {
    let entry = entry.trim();
    let entry = entry.split_once("://").map_or(entry, |(_, rest)| rest);
    let entry = entry.rsplit_once('@').map_or(entry, |(_, rest)| rest);
    match entry.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, p.trim_end_matches('/').parse().ok()),
        _ => (entry.trim_end_matches('/'), None),
    }
}
