//! Kubernetes label selectors (`metav1.LabelSelector`) and label values that
//! may be unknown.
//!
//! # Semantics (docs/domain.md §7)
//!
//! A selector is the AND of its `matchLabels` pairs and its
//! `matchExpressions` requirements; a selector with neither matches every
//! object. Requirements follow `k8s.io/apimachinery/pkg/labels`:
//!
//! | operator | key absent | key present with value `v` |
//! |---|---|---|
//! | `In [x..]` | false | `v ∈ [x..]` |
//! | `NotIn [x..]` | **true** | `v ∉ [x..]` |
//! | `Exists` | false | true |
//! | `DoesNotExist` | true | false |
//!
//! # Opaque values
//!
//! Some label values are generated at run time (a UID) and so can never be
//! written in a manifest. [`LabelValue::Opaque`] stands for such a value: it
//! is present, but never equal to any literal in a selector. So `matchLabels`
//! and `In` on it are false, `NotIn` is true and `Exists` is true. This keeps
//! the evaluator exact without inventing a value.
//!
//! # Invalid selectors
//!
//! The API server rejects `In`/`NotIn` without values and `Exists`/
//! `DoesNotExist` with values; [`LabelSelector::validate`] reports those. The
//! matcher itself never fails: an `In` with no values matches nothing and a
//! `NotIn` with no values matches everything, values given to
//! `Exists`/`DoesNotExist` are ignored.

use std::collections::BTreeMap;

use crate::string_map::StringMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The value of one label on a pod or namespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelValue {
    /// A value known from the manifests.
    Literal(String),
    /// A value generated at run time: present, but equal to no literal.
    Opaque,
}

impl LabelValue {
    /// True when this is the literal `s`; an opaque value equals nothing.
    pub fn is(&self, s: &str) -> bool {
        matches!(self, LabelValue::Literal(v) if v == s)
    }
}

impl From<&str> for LabelValue {
    fn from(s: &str) -> Self {
        LabelValue::Literal(s.to_string())
    }
}

impl From<String> for LabelValue {
    fn from(s: String) -> Self {
        LabelValue::Literal(s)
    }
}

impl fmt::Display for LabelValue {
    /// A literal as itself; an opaque value as `<generated>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelValue::Literal(v) => f.write_str(v),
            LabelValue::Opaque => f.write_str("<generated>"),
        }
    }
}

/// The labels of one object, by key (sorted, so iteration is deterministic).
pub type Labels = BTreeMap<String, LabelValue>;

/// Builds [`Labels`] from literal pairs.
pub fn labels<'a, I: IntoIterator<Item = (&'a str, &'a str)>>(pairs: I) -> Labels {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), LabelValue::from(v)))
        .collect()
}

/// A `matchExpressions` operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Operator {
    /// The key is present and its value is one of the values.
    In,
    /// The key is absent, or its value is none of the values.
    NotIn,
    /// The key is present.
    Exists,
    /// The key is absent.
    DoesNotExist,
}

/// Error for an operator name Kubernetes does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOperator(pub String);

impl fmt::Display for UnknownOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown selector operator `{}` (expected In, NotIn, Exists or DoesNotExist)",
            self.0
        )
    }
}

impl std::error::Error for UnknownOperator {}

impl FromStr for Operator {
    type Err = UnknownOperator;

    /// Operator names are case-sensitive, as in the API.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "In" => Ok(Operator::In),
            "NotIn" => Ok(Operator::NotIn),
            "Exists" => Ok(Operator::Exists),
            "DoesNotExist" => Ok(Operator::DoesNotExist),
            other => Err(UnknownOperator(other.to_string())),
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
        })
    }
}

/// One `matchExpressions` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// The operator.
    pub operator: Operator,
    /// The values (for `In` and `NotIn`).
    pub values: Vec<String>,
}

impl Requirement {
    /// A requirement from its parts.
    pub fn new<S: Into<String>>(key: &str, operator: Operator, values: Vec<S>) -> Self {
        Requirement {
            key: key.to_string(),
            operator,
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// True when `labels` satisfy this requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.iter().any(|x| v.is(x))),
            Operator::NotIn => value.is_none_or(|v| !self.values.iter().any(|x| v.is(x))),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// A problem the API server would reject in a selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError {
    /// Index of the offending `matchExpressions` entry.
    pub expression: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "matchExpressions[{}]: {}", self.expression, self.message)
    }
}

impl std::error::Error for SelectorError {}

/// A label selector: `matchLabels` AND `matchExpressions`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// `matchLabels`: each key must be present with exactly this value.
    pub match_labels: StringMap,
    /// `matchExpressions`: each requirement must hold.
    pub match_expressions: Vec<Requirement>,
}

impl LabelSelector {
    /// The empty selector `{}`, which matches everything.
    pub fn everything() -> Self {
        Self::default()
    }

    /// A selector with only `matchLabels`.
    pub fn from_labels<'a, I: IntoIterator<Item = (&'a str, &'a str)>>(pairs: I) -> Self {
        LabelSelector {
            match_labels: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            match_expressions: Vec::new(),
        }
    }

    /// Adds a requirement (builder style).
    pub fn with_expression(mut self, requirement: Requirement) -> Self {
        self.match_expressions.push(requirement);
        self
    }

    /// True for `{}`: no `matchLabels` and no `matchExpressions`.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// True when `labels` satisfy every part of the selector.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k).is_some_and(|have| have.is(v)))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }

    /// Whether the selector matches `labels` when only the keys `certain`
    /// accepts are known (the others may or may not be set): `None` when
    /// the answer depends on an unknown key.
    pub fn matches_known(&self, labels: &Labels, certain: impl Fn(&str) -> bool) -> Option<bool> {
        let mut unknown = false;
        for (key, value) in &self.match_labels {
            if !certain(key) {
                unknown = true;
            } else if !labels.get(key).is_some_and(|have| have.is(value)) {
                return Some(false);
            }
        }
        for requirement in &self.match_expressions {
            if !certain(&requirement.key) {
                unknown = true;
            } else if !requirement.matches(labels) {
                return Some(false);
            }
        }
        (!unknown).then_some(true)
    }

    /// True when one of the literal values the selector positively requires
    /// for `key` (its `matchLabels` value, the values of its `In`
    /// expressions) satisfies `f`. Nothing is collected or sorted: DVM104
    /// asks this of every policy of the model.
    pub fn any_positive_value(&self, key: &str, f: impl Fn(&str) -> bool) -> bool {
        self.match_labels.get(key).is_some_and(|v| f(v))
            || self
                .match_expressions
                .iter()
                .filter(|r| r.operator == Operator::In && r.key == key)
                .any(|r| r.values.iter().any(|v| f(v)))
    }

    /// True when the selector names `key` positively (in `matchLabels` or in
    /// an `In` expression).
    pub fn names_key_positively(&self, key: &str) -> bool {
        self.match_labels.contains_key(key)
            || self
                .match_expressions
                .iter()
                .any(|r| r.operator == Operator::In && r.key == key)
    }

    /// Reports expressions the API server would reject (see module docs).
    pub fn validate(&self) -> Result<(), SelectorError> {
        for (i, r) in self.match_expressions.iter().enumerate() {
            let needs_values = matches!(r.operator, Operator::In | Operator::NotIn);
            if needs_values && r.values.is_empty() {
                return Err(SelectorError {
                    expression: i,
                    message: format!("operator {} needs at least one value", r.operator),
                });
            }
            if !needs_values && !r.values.is_empty() {
                return Err(SelectorError {
                    expression: i,
                    message: format!("operator {} takes no values", r.operator),
                });
            }
        }
        Ok(())
    }
}

impl fmt::Display for LabelSelector {
    /// Kubernetes' string form: `a=b,c in (d,e),!f`; `{}` for the empty selector.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("{}");
        }
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for r in &self.match_expressions {
            parts.push(match r.operator {
                Operator::In => format!("{} in ({})", r.key, r.values.join(",")),
                Operator::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
                Operator::Exists => r.key.clone(),
                Operator::DoesNotExist => format!("!{}", r.key),
            });
        }
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod() -> Labels {
        let mut l = labels([("app", "web"), ("tier", "front")]);
        l.insert("uid".into(), LabelValue::Opaque);
        l
    }

    fn expr(key: &str, op: Operator, values: &[&str]) -> LabelSelector {
        LabelSelector::everything().with_expression(Requirement::new(key, op, values.to_vec()))
    }

    #[test]
    fn empty_selector_matches_everything() {
        assert!(LabelSelector::everything().matches(&pod()));
        assert!(LabelSelector::everything().matches(&Labels::new()));
    }

    #[test]
    fn operator_table() {
        use Operator::*;
        let cases: &[(&str, Operator, &[&str], bool)] = &[
            ("app", In, &["web", "db"], true),
            ("app", In, &["db"], false),
            ("missing", In, &["x"], false),
            ("app", NotIn, &["db"], true),
            ("app", NotIn, &["web"], false),
            ("missing", NotIn, &["x"], true),
            ("app", Exists, &[], true),
            ("missing", Exists, &[], false),
            ("app", DoesNotExist, &[], false),
            ("missing", DoesNotExist, &[], true),
            // opaque values: present, equal to nothing
            ("uid", In, &["abc"], false),
            ("uid", NotIn, &["abc"], true),
            ("uid", Exists, &[], true),
            ("uid", DoesNotExist, &[], false),
            // degenerate value lists
            ("app", In, &[], false),
            ("app", NotIn, &[], true),
        ];
        for (key, op, values, want) in cases {
            assert_eq!(
                expr(key, *op, values).matches(&pod()),
                *want,
                "{key} {op} {values:?}"
            );
        }
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let s = LabelSelector::from_labels([("app", "web")]).with_expression(Requirement::new(
            "tier",
            Operator::In,
            vec!["back"],
        ));
        assert!(!s.matches(&pod()));
        let s = LabelSelector::from_labels([("app", "web"), ("tier", "front")]);
        assert!(s.matches(&pod()));
        assert!(!LabelSelector::from_labels([("uid", "abc")]).matches(&pod()));
    }

    #[test]
    fn positive_naming() {
        let s = LabelSelector::from_labels([("owner", "x")])
            .with_expression(Requirement::new("app", Operator::In, vec!["b", "a"]))
            .with_expression(Requirement::new("tier", Operator::NotIn, vec!["c"]));
        assert!(s.names_key_positively("owner"));
        assert!(s.names_key_positively("app"));
        assert!(!s.names_key_positively("tier"));
        assert!(s.any_positive_value("owner", |v| v == "x"));
        assert!(s.any_positive_value("app", |v| v == "a"));
        assert!(s.any_positive_value("app", |v| v.starts_with('b')));
        assert!(!s.any_positive_value("app", |v| v == "x"));
        assert!(!s.any_positive_value("tier", |_| true));
    }

    #[test]
    fn validation_and_display() {
        assert!(expr("a", Operator::In, &[]).validate().is_err());
        assert!(expr("a", Operator::Exists, &["x"]).validate().is_err());
        assert!(expr("a", Operator::NotIn, &["x"]).validate().is_ok());
        let s = LabelSelector::from_labels([("a", "b")])
            .with_expression(Requirement::new("c", Operator::In, vec!["d", "e"]))
            .with_expression(Requirement::new::<String>(
                "f",
                Operator::DoesNotExist,
                vec![],
            ));
        assert_eq!(s.to_string(), "a=b,c in (d,e),!f");
        assert_eq!("NotIn".parse::<Operator>(), Ok(Operator::NotIn));
        assert!("notin".parse::<Operator>().is_err());
    }
}
