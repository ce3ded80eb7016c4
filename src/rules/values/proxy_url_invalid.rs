//! DVM306 proxy-url-invalid: a proxy URL that its reader cannot use.
//!
//! - MigrationController `http_proxy`/`https_proxy` become `HTTP_PROXY`/
//!   `HTTPS_PROXY` of the controller, Velero and Restic, all Go programs. Go's
//!   `httpproxy` parses the value, and when that fails or gives no scheme or
//!   host, parses `http://` + value; a value that still yields no host is an
//!   unusable proxy: proxied requests fail. mig-operator #580: a bad
//!   `http_proxy` left the three in CrashLoopBackOff, and removing the key did
//!   not remove the variables. A value without a scheme is *not* reported:
//!   Go reads `proxy:3128` as `http://proxy:3128`.
//! - The cluster Proxy's `httpProxy`/`httpsProxy` are validated by the network
//!   operator ([`crate::proxy::cno_validation::cluster_proxy_url_problem`]),
//!   which rejects the whole proxy configuration on one bad field.

use crate::finding::Finding;
use crate::manifest::Text;
use crate::manifest::openshift::ClusterProxy;
use crate::proxy::cno_validation::{ProxyUrlField, cluster_proxy_url_problem};
use crate::proxy::redact;
use crate::rules::DocContext;

/// Why Go's proxy parsing gives no usable proxy for `value`; `None` when it
/// does (or the value is empty: no proxy).
pub fn go_proxy_problem(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        return None;
    }
    let has_host = |url: &url::Url| url.host_str().is_some_and(|h| !h.is_empty());
    // `scheme://…` parses with its authority as host, so Go keeps that reading
    // (an empty host dials the local machine); when it does not parse, the
    // `http://` retry turns the scheme into the host: unusable either way.
    if value.contains("://") {
        return match url::Url::parse(value) {
            Ok(url) if has_host(&url) => None,
            Ok(_) => Some("it names no proxy host"),
            Err(_) => Some("it does not parse as a URL with a proxy host"),
        };
    }
    // Without `://` (no scheme, or `host:port` read as a scheme) Go retries
    // with `http://` in front, and keeps a first reading without host otherwise.
    match url::Url::parse(&format!("http://{value}")) {
        Ok(url) if has_host(&url) => None,
        _ => Some("it does not parse as a URL, even with `http://` in front"),
    }
}

/// A value that still holds a documentation placeholder (`http://<ip>:<port>`)
/// is DVM402's finding.
fn holds_placeholder(value: &str) -> bool {
    value
        .find('<')
        .and_then(|i| value.get(i..))
        .is_some_and(|rest| rest.contains('>'))
}

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    if let Some(controller) = crate::rules::proxy::controller(ctx) {
        for snake in ["http_proxy", "https_proxy"] {
            let Some(setting) = controller.setting(snake) else {
                continue;
            };
            let Some(text) = setting.text() else {
                continue;
            };
            if holds_placeholder(&text.value) {
                continue;
            }
            let Some(why) = go_proxy_problem(text.value.trim()) else {
                continue;
            };
            out.push(
                ctx.finding(
                    "DVM306",
                    text.span,
                    format!(
                        "{} `{}` is no proxy address Go can use: {why}; the MTC controller, \
                         Velero and Restic read it from their environment and their proxied \
                         requests fail (applies to every MTC release)",
                        setting.key.value,
                        redact(&text.value)
                    ),
                )
                .help(format!(
                    "write `{}: http://PROXY_HOST:PORT`; after fixing it, check that the \
                     operator replaced the variable in the migration-controller, velero and \
                     restic workloads (removing the key alone leaves the old value there)",
                    setting.key.value
                )),
            );
        }
        return;
    }
    if ctx.is("config.openshift.io", "Proxy") {
        let proxy = ClusterProxy::from_node(ctx.node);
        let fields: [(&Option<Text>, &str, ProxyUrlField); 2] = [
            (
                &proxy.vars.http_proxy,
                "httpProxy",
                ProxyUrlField::HttpProxy,
            ),
            (
                &proxy.vars.https_proxy,
                "httpsProxy",
                ProxyUrlField::HttpsProxy,
            ),
        ];
        for (text, key, field) in fields {
            let Some(text) = text.as_ref().filter(|t| !holds_placeholder(&t.value)) else {
                continue;
            };
            let Some(why) = cluster_proxy_url_problem(&text.value, field) else {
                continue;
            };
            out.push(
                ctx.finding(
                    "DVM306",
                    text.span,
                    format!(
                        "{key} `{}` is rejected by the network operator: {why}. It marks the \
                         whole proxy configuration invalid (Degraded, InvalidProxyConfig) and \
                         applies none of it, so MTC, which inherits the cluster proxy, does not \
                         get these settings",
                        redact(&text.value)
                    ),
                )
                .help(match field {
                    ProxyUrlField::HttpProxy => "write `httpProxy: http://PROXY_HOST:PORT`",
                    ProxyUrlField::HttpsProxy => {
                        "write `httpsProxy: http://PROXY_HOST:PORT` (or `https://` for a proxy that speaks TLS)"
                    }
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_reads_scheme_less_values_as_http() {
        assert_eq!(go_proxy_problem("proxy.example.com:3128"), None);
        assert_eq!(go_proxy_problem("foo.foo"), None);
        assert_eq!(go_proxy_problem("http://u:p@proxy:3128"), None);
        assert_eq!(go_proxy_problem(""), None);
        assert!(go_proxy_problem("http://proxy:31 28").is_some());
        assert!(go_proxy_problem("proxy:port").is_some());
        assert!(go_proxy_problem("http://:3128").is_some());
        assert!(go_proxy_problem("http://").is_some());
        assert!(holds_placeholder("http://<ip>:<port>") && !holds_placeholder("http://p:1"));
    }

    #[test]
    fn findings_never_print_the_password() {
        let yaml = "apiVersion: migration.openshift.io/v1alpha1\nkind: MigrationController\n\
                    metadata: {name: m, namespace: openshift-migration}\n\
                    spec:\n  http_proxy: 'http://user:s3cret@:3128'\n";
        let found = crate::rules::with_test_context(yaml, None, |ctx| {
            let mut out = Vec::new();
            check(ctx, &mut out);
            out
        });
        assert_eq!(found.len(), 1);
        assert!(found.iter().all(|f| !f.message.contains("s3cret")));
    }
}
