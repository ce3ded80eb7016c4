//! DVM206 stunnel-proxy-plaintext-credentials: a proxy password committed in a
//! MigrationController's `stunnel_tcp_proxy`.
//!
//! The value is copied into the controller's ConfigMap and every rsync client's
//! stunnel configuration (docs/domain.md §2); in Git it is readable by everyone with
//! the repository. No output prints the password (`redact`, plus the reporters'
//! masking).

use crate::finding::Finding;
use crate::proxy::{StunnelProblemKind, StunnelProxy, redact};
use crate::rules::DocContext;

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some((setting, value)) = super::stunnel_setting(ctx) else {
        return;
    };
    let value = value.as_str();
    let parsed = StunnelProxy::parse(value);
    if !parsed.has_password
        || parsed
            .problems
            .iter()
            .any(|p| p.kind == StunnelProblemKind::Placeholder)
    {
        return;
    }
    out.push(
        ctx.finding(
            "DVM206",
            setting.value.span,
            format!(
                "{} `{}` holds a proxy password in plain text in a committed manifest",
                setting.key.value,
                redact(value)
            ),
        )
        .help(
            "keep the credentials out of Git: render the MigrationController from a secret store \
             (sealed secrets, external-secrets, a CI variable) at apply time, and rotate the \
             password that was committed",
        ),
    );
}
