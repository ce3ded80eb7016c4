//! Running policy rules on one document (per-file stage, docs/performance.md): select the
//! object, resolve each assertion's path, and report each place that breaks an
//! operator — at the value, or at the nearest existing parent when it is missing.

use std::borrow::Cow;

use super::path::Place;
use super::{Assertion, Operator, PolicyRule, Selector, Template};
use crate::finding::Finding;
use crate::manifest::ObjectMeta;
use crate::model::DEFAULT_CLUSTER;
use crate::rules::{DocContext, RuleSet};

/// Runs every enabled rule of `rules` on the object of `ctx`.
pub fn run(rules: &[PolicyRule], set: &RuleSet, ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(meta) = ctx.meta else {
        return;
    };
    for rule in rules {
        // The selector first: it rules out most objects, and costs less than
        // looking the rule up in the enabled set (a string search, for every
        // object; docs/performance.md).
        if rule.selector.matches(meta, ctx.cluster.map(AsRef::as_ref))
            && set.is_enabled(&rule.meta.id)
        {
            check(rule, meta, ctx, out);
        }
    }
}

impl Selector {
    pub fn matches(&self, meta: &ObjectMeta, cluster: Option<&str>) -> bool {
        let same = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        same(&self.api_version, &meta.api_version.value)
            && same(&self.kind, &meta.kind.value)
            && self
                .name
                .as_ref()
                .is_none_or(|g| g.is_match(&meta.name.value))
            && self.namespace.as_ref().is_none_or(|g| {
                meta.namespace
                    .as_ref()
                    .is_none_or(|ns| g.is_match(ns.value.as_str()))
            })
            && self.cluster.as_deref().is_none_or(|want| {
                cluster.is_some_and(|have| have == want || have == DEFAULT_CLUSTER)
            })
            && self
                .labels
                .iter()
                .all(|(k, v)| meta.labels().get(k).is_some_and(|have| have == v))
    }
}

fn check(rule: &PolicyRule, meta: &ObjectMeta, ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    for assertion in &rule.asserts {
        for place in assertion.path.resolve(ctx.node) {
            let (span, value, reason) = match &place {
                // A Template (or envsubst) parameter is an unknown value: the
                // built-in rules do not judge it (users' rules still do).
                Place::Found { node, .. }
                    if rule.meta.id.starts_with("DVM")
                        && node
                            .as_str()
                            .is_some_and(crate::manifest::is_template_parameter) =>
                {
                    continue;
                }
                Place::Found { node, .. } => {
                    let Some(reason) = assertion.operators.iter().find_map(|op| op.check(node))
                    else {
                        continue;
                    };
                    (node.span, Some(*node), reason)
                }
                Place::Missing { parent, .. } => {
                    if !assertion.operators.iter().any(Operator::fails_when_missing) {
                        continue;
                    }
                    (*parent, None, "this field is required".to_owned())
                }
            };
            let message = render(
                template(rule, assertion),
                &Vars {
                    value: value.map_or_else(|| "(missing)".to_owned(), super::operator::render),
                    path: place.path(),
                    meta,
                    reason: &reason,
                },
            );
            let mut finding = Finding::of_rule(
                Cow::Owned(rule.meta.id.clone()),
                rule.meta.severity,
                ctx.location(span),
                message,
            )
            .object(ctx.object_ref())
            .cluster(ctx.cluster);
            let fix = rule.meta.fix.trim();
            if !fix.is_empty() {
                finding = finding.help(fix);
            }
            if let (Some(node), Some(refine)) = (value, crate::rules::refinement(&rule.meta.id)) {
                refine(node, &mut finding);
            }
            out.push(finding);
        }
    }
}

fn template<'r>(rule: &'r PolicyRule, assertion: &'r Assertion) -> Option<&'r Template> {
    assertion.message.as_ref().or(rule.message.as_ref())
}

struct Vars<'v> {
    value: String,
    path: &'v str,
    meta: &'v ObjectMeta,
    reason: &'v str,
}

fn render(template: Option<&Template>, vars: &Vars<'_>) -> String {
    let Some(template) = template else {
        return match vars.value.as_str() {
            "(missing)" => format!("`{}` is missing: {}", vars.path, vars.reason),
            value => format!("`{}` is `{value}`: {}", vars.path, vars.reason),
        };
    };
    let namespace = vars
        .meta
        .namespace
        .as_ref()
        .map_or("(unbound)", |n| n.value.as_str());
    let mut out = String::with_capacity(template.text.len() + 32);
    let mut rest = template.text.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open).unwrap_or_default());
        let after = rest.get(open + 1..).unwrap_or_default();
        let close = after.find('}').unwrap_or(after.len());
        let name = after.get(..close).unwrap_or_default();
        out.push_str(match name {
            "value" => vars.value.as_str(),
            "path" => vars.path,
            "name" => vars.meta.name.value.as_str(),
            "namespace" => namespace,
            "kind" => vars.meta.kind.value.as_str(),
            "reason" => vars.reason,
            // Parsing refuses other placeholders; keep the text if one slips through.
            _ => name,
        });
        rest = after.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_rules;

    const OBJECT: &str = "apiVersion: v1
kind: Service
metadata:
  name: rsync
  namespace: app1
  labels: { team: storage }
spec:
  ports:
    - port: 443
    - port: 8443
  selector: {}
";

    /// The findings (line:col message) of a one-rule file on `OBJECT`.
    fn findings(rule: &str, object: &str, cluster: &str) -> Vec<String> {
        let head = "id: ORG100\nname: t\nseverity: warning\nsummary: s\n";
        let rules: Vec<PolicyRule> = parse_rules(
            &format!("{head}{rule}"),
            std::path::Path::new("r.yaml"),
            false,
        )
        .unwrap()
        .into_iter()
        .map(|(r, _)| r)
        .collect();
        let set = RuleSet::with_custom(&[], &[], &["ORG100"]);
        let mut out = Vec::new();
        crate::rules::with_test_context(object, Some(cluster), |ctx| {
            run(&rules, &set, ctx, &mut out)
        });
        out.iter()
            .map(|f| {
                let at = f.location.span.start;
                format!("{}:{} {}", at.line, at.col, f.message)
            })
            .collect()
    }

    #[test]
    fn templates_fill_every_placeholder() {
        let rule = "assert:\n  - path: spec.ports[*].port\n    equals: \"443\"\n\
                    message: \"{kind} {namespace}/{name}: {path} is {value} ({reason})\"\n";
        assert_eq!(
            findings(rule, OBJECT, "default"),
            ["10:13 Service app1/rsync: spec.ports[1].port is 8443 (expected exactly `443`)"]
        );
        let unbound = OBJECT.replace("  namespace: app1\n", "");
        assert_eq!(
            findings(rule, &unbound, "default"),
            ["9:13 Service (unbound)/rsync: spec.ports[1].port is 8443 (expected exactly `443`)"]
        );
    }

    #[test]
    fn default_messages_and_missing_values() {
        let rule = "assert:\n  - path: spec.ports[0].name\n    required: true\n  - path: spec.ports[1]\n    forbidden: true\n";
        assert_eq!(
            findings(rule, OBJECT, "default"),
            [
                "9:7 `spec.ports[0].name` is missing: this field is required",
                "10:7 `spec.ports[1]` is `{port: 8443}`: this field must not be set",
            ]
        );
        let collection = "assert:\n  - path: spec.selector\n    required: true\n    minItems: 1\n";
        assert_eq!(
            findings(collection, OBJECT, "default"),
            ["11:13 `spec.selector` is `{}`: 0 items, expected at least 1"]
        );
    }

    #[test]
    fn match_selects_by_every_field() {
        let assert = "assert:\n  - path: spec.type\n    required: true\n";
        let hit = |selector: &str, cluster: &str| {
            !findings(&format!("match: {selector}\n{assert}"), OBJECT, cluster).is_empty()
        };
        assert!(hit("{apiVersion: v1, kind: Service}", "default"));
        assert!(!hit("{kind: Pod}", "default"));
        assert!(!hit("{apiVersion: apps/v1}", "default"));
        assert!(hit("{namespace: \"app*\", name: \"rs*\"}", "default"));
        assert!(!hit("{namespace: \"openshift-*\"}", "default"));
        assert!(!hit("{name: other}", "default"));
        assert!(hit("{labels: {team: storage}}", "default"));
        assert!(!hit("{labels: {team: network}}", "default"));
        // The implicit cluster plays every role; configured clusters match by name.
        assert!(hit("{cluster: source}", "default"));
        assert!(hit("{cluster: source}", "source"));
        assert!(!hit("{cluster: source}", "target"));
    }
}
