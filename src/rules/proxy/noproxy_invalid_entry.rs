//! DVM203 noproxy-invalid-entry: a noProxy entry that does not do what it says.
//!
//! In the cluster Proxy, the network operator validates every entry and one bad
//! entry makes it reject the *whole* proxy configuration (Degraded,
//! `InvalidProxyConfig`; docs/domain.md §4): error. In a MigrationController nothing
//! validates the value and Go's matcher turns what it cannot parse into a
//! string-suffix test that matches nothing intended (docs/domain.md §5): warning.

use crate::finding::{Finding, Severity};
use crate::proxy::{intent_problems, validate_cluster_no_proxy};
use crate::rules::DocContext;

use super::span_in;

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    if ctx.is("config.openshift.io", "Proxy") {
        let Some(node) = ctx.node.at(&["spec", "noProxy"]) else {
            return;
        };
        let Some(value) = node.as_str() else {
            return;
        };
        for problem in validate_cluster_no_proxy(value) {
            let shown = if problem.entry.is_empty() {
                "an empty entry".to_owned()
            } else {
                format!("`{}`", problem.entry)
            };
            out.push(
                ctx.finding(
                    "DVM203",
                    span_in(node, value, &problem.range),
                    format!("cluster Proxy noProxy: {shown}: {}", problem.message),
                )
                .severity(Severity::Error)
                .help(cno_fix(&problem.entry)),
            );
        }
        return;
    }
    let Some(controller) = super::controller(ctx) else {
        return;
    };
    let Some(setting) = controller.setting("no_proxy") else {
        return;
    };
    let Some(value) = setting.value.as_str() else {
        return;
    };
    for problem in intent_problems(value) {
        out.push(
            ctx.finding(
                "DVM203",
                span_in(&setting.value, value, &problem.range),
                format!(
                    "MigrationController {}: `{}` is not read as intended: {}",
                    setting.key.value, problem.entry, problem.message
                ),
            )
            .severity(Severity::Warning)
            .help(
                "write each entry as a host name (`example.com`, `.example.com` for subdomains \
                 only), an IP address or a CIDR, separated by commas, without scheme, path or \
                 spaces; check a list with `dvmlint noproxy HOST --no-proxy LIST`",
            ),
        );
    }
}

fn cno_fix(entry: &str) -> String {
    let lower = entry.to_ascii_lowercase();
    let suggestion = if entry.is_empty() {
        "remove the empty entry (doubled, leading or trailing comma)".to_owned()
    } else if let Some(rest) = lower.strip_prefix("*.") {
        format!("write `.{rest}` instead of `{entry}`")
    } else if entry == "*" {
        "use `*` only as the whole value, or remove it".to_owned()
    } else if lower.contains("://") {
        let host = lower
            .split("://")
            .nth(1)
            .unwrap_or_default()
            .split(['/', ':'])
            .next()
            .unwrap_or_default();
        format!("write the host only: `{host}`")
    } else if lower != entry {
        format!("write it in lower case: `{lower}`")
    } else if let Some((host, _)) = entry.rsplit_once(':').filter(|_| !entry.contains("::")) {
        format!("drop the port: `{host}` (the cluster Proxy's noProxy takes no ports)")
    } else {
        "write an IP address, a CIDR or a lower-case DNS name (`.example.com` for subdomains)"
            .to_owned()
    };
    format!("{suggestion}; until every entry is valid none of the Proxy configuration is applied")
}
