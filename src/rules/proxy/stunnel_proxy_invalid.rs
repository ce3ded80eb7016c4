//! DVM205 stunnel-proxy-invalid: a `stunnel_tcp_proxy` value stunnel misreads.
//!
//! MTC runs Go's `url.Parse` on the value and hands `url.Host` to stunnel's
//! `connect =` (docs/domain.md §2): without a scheme the proxy is silently not used
//! (or DVM fails to parse it), without a port stunnel reads the host as a port,
//! and only Basic auth with both a user and a password works. The judgement is
//! [`crate::proxy::StunnelProxy::parse`]; no message contains the password.

use crate::finding::{Finding, Severity};
use crate::proxy::{StunnelProblemKind, StunnelProxy, redact};
use crate::rules::DocContext;

use super::span_in;

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some((setting, value)) = super::stunnel_setting(ctx) else {
        return;
    };
    let value = value.as_str();
    for problem in StunnelProxy::parse(value).problems {
        // A copied documentation placeholder is DVM402's finding.
        if problem.kind == StunnelProblemKind::Placeholder {
            continue;
        }
        let severity = if problem.is_error {
            Severity::Error
        } else {
            Severity::Warning
        };
        out.push(
            ctx.finding(
                "DVM205",
                span_in(&setting.value, value, &problem.range),
                format!(
                    "{} `{}` is misread by MTC and stunnel: {}",
                    setting.key.value,
                    redact(value),
                    problem.message
                ),
            )
            .severity(severity)
            .help(
                "write `http://PROXY_HOST:PORT` (or `http://USER:PASSWORD@PROXY_HOST:PORT` with \
                 reserved characters of the password percent-encoded); stunnel speaks plain HTTP \
                 CONNECT to the proxy whatever the scheme",
            ),
        );
    }
}
