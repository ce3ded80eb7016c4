//! DVM305 invalid-controller-limit: `rsync_backoff_limit`, `mig_pv_limit`,
//! `mig_pod_limit` or `mig_namespace_limit` that is not a positive integer.
//!
//! mig-operator writes each value into the `migration-controller` ConfigMap as
//! Jinja renders it (`PV_LIMIT: "{{ mig_pv_limit }}"`), and mig-controller's
//! `getEnvLimit` (pkg/settings/settings.go) returns an error for text that Go's
//! `strconv.Atoi` rejects ("must be an integer") or a number below 1 ("must
//! be >= 1"); the error stops `settings.Load()`, so the controller does not start
//! and no migration runs on that cluster.

use crate::finding::Finding;
use crate::manifest::migration_controller::Setting;
use crate::model::Project;
use crate::yaml::{Node, ScalarStyle, Value};

/// The settings read with `getEnvLimit`, their variable and default.
pub const LIMITS: [(&str, &str, &str); 4] = [
    (
        "rsync_backoff_limit",
        "RSYNC_BACKOFF_LIMIT",
        "unset (no limit)",
    ),
    ("mig_pv_limit", "PV_LIMIT", "100"),
    ("mig_pod_limit", "POD_LIMIT", "100"),
    ("mig_namespace_limit", "NAMESPACE_LIMIT", "10"),
];

/// What the controller reads from a value, as the operator renders it.
#[derive(Debug, PartialEq, Eq)]
pub enum Limit {
    /// A usable limit.
    Valid(i64),
    /// `strconv.Atoi` rejects the rendered text.
    NotInteger(String),
    /// An integer below 1.
    BelowOne(i64),
}

/// The text Jinja writes for `node` once kubectl has applied it (YAML 1.1
/// scalars: `0x10` is 16, `yes` is the boolean `True`); `None` for a null,
/// which leaves the operator's default.
pub fn rendered(node: &Node<'_>) -> Option<String> {
    match &node.value {
        Value::Scalar(_, ScalarStyle::Plain) if node.is_null() => None,
        Value::Scalar(text, ScalarStyle::Plain) => Some(
            node.as_applied_int()
                .map(|n| n.to_string())
                .or_else(|| {
                    node.as_bool()
                        .map(|b| if b { "True" } else { "False" }.to_owned())
                })
                .unwrap_or_else(|| text.to_string()),
        ),
        Value::Scalar(text, _) => Some(text.to_string()),
        Value::Seq(_) => Some("a list".to_owned()),
        Value::Map(_) => Some("a mapping".to_owned()),
    }
}

/// How `getEnvLimit` judges the rendered value of `node`.
pub fn judge(node: &Node<'_>) -> Option<Limit> {
    let text = rendered(node)?;
    Some(match text.parse::<i64>() {
        Ok(n) if n >= 1 => Limit::Valid(n),
        Ok(n) => Limit::BelowOne(n),
        Err(_) => Limit::NotInteger(text),
    })
}

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    for (object, controller) in super::controllers(project) {
        for (snake, variable, default) in LIMITS {
            let Some(setting) = controller.setting(snake) else {
                continue;
            };
            let Some(problem) = judge(&setting.value) else {
                continue;
            };
            let reason = match problem {
                Limit::Valid(_) => continue,
                Limit::NotInteger(text) => format!(
                    "is `{}`, which mig-controller cannot read as an integer ({variable} must be an integer)",
                    shown(&text)
                ),
                Limit::BelowOne(n) => format!("is {n} ({variable} must be >= 1)"),
            };
            out.push(finding(project, object, setting, &reason, snake, default));
        }
    }
}

fn shown(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_owned()
    }
}

fn finding(
    project: &Project,
    object: &crate::model::ModelObject,
    setting: &Setting,
    reason: &str,
    snake: &str,
    default: &str,
) -> Finding {
    Finding::new(
        "DVM305",
        crate::finding::Location::new(&object.object.file, setting.value.span),
        format!(
            "{} {reason}: the controller fails its settings check at start-up and does not \
             run, so no migration proceeds on this cluster {}",
            setting.key.value,
            crate::rules::versions::note(project, "any MTC 1.x release reading the setting")
        ),
    )
    .help(format!(
        "write a whole number of at least 1 (e.g. `{snake}: 10`), or remove the key to keep the default ({default})"
    ))
    .object(Some(object.object_ref()))
    .cluster(project.cluster_name(object.cluster()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_chunk};

    fn judged(yaml: &str) -> Option<Limit> {
        let parsed = parse_chunk(yaml, 1, Limits::default());
        parsed.documents.first().and_then(judge)
    }

    #[test]
    fn reads_values_as_the_operator_renders_and_atoi_parses_them() {
        assert_eq!(judged("100"), Some(Limit::Valid(100)));
        assert_eq!(judged("'100'"), Some(Limit::Valid(100)));
        assert_eq!(judged("0x10"), Some(Limit::Valid(16)));
        assert_eq!(judged("'+5'"), Some(Limit::Valid(5)));
        assert_eq!(judged("0"), Some(Limit::BelowOne(0)));
        assert_eq!(judged("'-1'"), Some(Limit::BelowOne(-1)));
        assert_eq!(judged("'0x10'"), Some(Limit::NotInteger("0x10".into())));
        assert_eq!(judged("10.5"), Some(Limit::NotInteger("10.5".into())));
        assert_eq!(judged("' 10'"), Some(Limit::NotInteger(" 10".into())));
        assert_eq!(judged("''"), Some(Limit::NotInteger(String::new())));
        assert_eq!(judged("yes"), Some(Limit::NotInteger("True".into())));
        assert_eq!(judged("[1]"), Some(Limit::NotInteger("a list".into())));
        assert_eq!(judged("~"), None);
    }
}
