//! DVM301 invalid-rsync-endpoint-type: `rsync_endpoint_type` must be exactly
//! `NodePort`, `ClusterIP` or `Route`; anything else (wrong case, the docs'
//! `[NodePort|ClusterIP|Route]`) makes MTC fall back to Route silently
//! (domain.md §1.3, §2), so the route-based network path is used instead.

use crate::finding::Finding;
use crate::rules::DocContext;

const VALID: [&str; 3] = ["NodePort", "ClusterIP", "Route"];

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(controller) = crate::rules::proxy::controller(ctx) else {
        return;
    };
    let Some(setting) = controller.setting("rsync_endpoint_type") else {
        return;
    };
    let value = &setting.value;
    if value.is_null() {
        return;
    }
    let (shown, help) = match value.as_str() {
        Some(text) if VALID.contains(&text) => return,
        Some(text) => {
            let fix = VALID
                .iter()
                .find(|v| v.eq_ignore_ascii_case(text.trim()))
                .map_or_else(
                    || "write one of `NodePort`, `ClusterIP` or `Route`".to_owned(),
                    |v| format!("write `{v}` (the value is case-sensitive)"),
                );
            (format!("`{text}`"), fix)
        }
        None => (
            "a list or mapping".to_owned(),
            "choose one value: `rsync_endpoint_type: Route` (or `NodePort`, `ClusterIP`); \
             `[NodePort|ClusterIP|Route]` in the docs lists the alternatives"
                .to_owned(),
        ),
    };
    out.push(
        ctx.finding(
            "DVM301",
            value.span,
            format!(
                "{} is {shown}, not exactly `NodePort`, `ClusterIP` or `Route`: MTC silently \
                 falls back to Route",
                setting.key.value
            ),
        )
        .help(help),
    );
}
