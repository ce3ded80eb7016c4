//! DVM211 proxy-not-named-cluster: the network operator reconciles only the
//! `config.openshift.io/v1` Proxy named `cluster` (docs/domain.md §4); any other
//! Proxy object is accepted by the API and then silently never used.

use crate::finding::Finding;
use crate::rules::DocContext;

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(meta) = ctx.meta else {
        return;
    };
    if !meta.is("config.openshift.io", "Proxy") || meta.name.value == "cluster" {
        return;
    }
    out.push(
        ctx.finding(
            "DVM211",
            meta.name_span(),
            format!(
                "Proxy `{}` is never used: OpenShift reads only the Proxy named `cluster`, so \
                 neither the cluster nor MTC gets these proxy settings",
                meta.name.value
            ),
        )
        .help("rename it to `cluster` (`metadata.name: cluster`), or delete it"),
    );
}
