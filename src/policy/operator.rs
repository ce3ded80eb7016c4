//! The assertion operators of docs/policy-as-code.md and what each one accepts.
//!
//! Presence operators (`required`, `forbidden`) look at whether a place exists;
//! value operators look only at values that exist (a missing or `null` value is
//! the business of `required`), so `oneOf` on an optional field means "when it is
//! set, it is one of these".

use std::sync::{Arc, OnceLock};

use ipnet::IpNet;
use regex::Regex;

use crate::net::ipset::{IpSet, parse_net};
use crate::yaml::{Node, Value};

/// Every operator name, for did-you-mean on misspelt ones.
pub const NAMES: [&str; 10] = [
    "required",
    "forbidden",
    "equals",
    "oneOf",
    "pattern",
    "cidr",
    "within",
    "notOverlapping",
    "minItems",
    "maxItems",
];

#[derive(Clone, Debug)]
pub enum Operator {
    Required,
    Forbidden,
    Equals(String),
    OneOf(Vec<String>),
    Pattern(Pattern),
    Cidr,
    Within(Vec<IpNet>),
    NotOverlapping(Vec<IpNet>),
    MinItems(usize),
    MaxItems(usize),
}

/// The regular expression of a `pattern` operator. A custom rule's pattern is
/// compiled when its file is read, so that a bad one is a configuration error
/// at its line; a built-in's is compiled on first use (the test suite compiles
/// every one), which keeps ~0.3 ms of regex compilation off the start of
/// every run that meets no document it applies to. Clones share the compiled
/// form (one pattern repeated through a YAML alias compiles once).
#[derive(Clone)]
pub struct Pattern(Arc<PatternInner>);

/// The text only: the cache's settings key is made of the rules' `Debug`
/// (`lint::cache`), which must not change when a run compiles the pattern.
impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.0.text).finish()
    }
}

struct PatternInner {
    text: String,
    regex: OnceLock<Result<Regex, String>>,
}

impl Pattern {
    /// Compiled now: the error is the caller's to report.
    pub fn compiled(text: &str) -> Result<Pattern, regex::Error> {
        let regex = Regex::new(text)?;
        Ok(Pattern(Arc::new(PatternInner {
            text: text.to_owned(),
            regex: OnceLock::from(Ok(regex)),
        })))
    }

    /// Compiled on first use.
    pub fn lazy(text: &str) -> Pattern {
        Pattern(Arc::new(PatternInner {
            text: text.to_owned(),
            regex: OnceLock::new(),
        }))
    }

    pub fn text(&self) -> &str {
        &self.0.text
    }

    /// The compiled expression (compiling it now if it is not yet).
    pub fn regex(&self) -> Result<&Regex, &str> {
        self.0
            .regex
            .get_or_init(|| Regex::new(&self.0.text).map_err(|err| err.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// Whether the expression has been compiled.
    #[cfg(test)]
    pub(crate) fn is_compiled(&self) -> bool {
        self.0.regex.get().is_some()
    }
}

impl Operator {
    /// Whether a missing place (or a `null` value) breaks this operator.
    pub fn fails_when_missing(&self) -> bool {
        matches!(self, Operator::Required)
    }

    /// Why `node` (an existing, non-null value) breaks this operator, if it does.
    /// The reason completes "`{path}` is `{value}`: …".
    pub fn check(&self, node: &Node<'_>) -> Option<String> {
        let scalar = node.as_str();
        match self {
            Operator::Required => None,
            Operator::Forbidden => Some("this field must not be set".to_owned()),
            Operator::Equals(expected) => (scalar != Some(expected.as_str()))
                .then(|| format!("expected exactly `{expected}`")),
            Operator::OneOf(allowed) => (!scalar.is_some_and(|s| allowed.iter().any(|a| a == s)))
                .then(|| format!("expected one of {}", quoted_list(allowed))),
            Operator::Pattern(pattern) => match pattern.regex() {
                Ok(regex) => (!scalar.is_some_and(|s| regex.is_match(s)))
                    .then(|| format!("expected text matching `{}`", pattern.text())),
                // Only a built-in compiles late, and the test suite compiles
                // them all; should one ever fail, the rule says so.
                Err(err) => Some(format!(
                    "the rule cannot be evaluated: its pattern `{}` does not compile ({err})",
                    pattern.text()
                )),
            },
            Operator::Cidr => match scalar.map(str::parse::<IpNet>) {
                Some(Ok(_)) => None,
                _ => Some("expected a CIDR such as `10.0.0.0/16`".to_owned()),
            },
            Operator::Within(nets) => match scalar.map(parse_net) {
                Some(Ok(net)) if IpSet::from_nets(nets.iter().copied()).contains_net(net) => None,
                Some(Ok(_)) => Some(format!("expected a range within {}", net_list(nets))),
                _ => Some("expected an address or CIDR".to_owned()),
            },
            Operator::NotOverlapping(nets) => match scalar.map(parse_net) {
                Some(Ok(net)) => {
                    let overlap =
                        IpSet::from_nets(nets.iter().copied()).intersection(&IpSet::from_net(net));
                    (!overlap.is_empty()).then(|| {
                        format!(
                            "it overlaps {} ({})",
                            net_list(nets),
                            net_list(&overlap.to_cidrs())
                        )
                    })
                }
                _ => Some("expected an address or CIDR".to_owned()),
            },
            Operator::MinItems(min) => match count(node) {
                Some(n) if n >= *min => None,
                Some(n) => Some(format!("{n} items, expected at least {min}")),
                None => Some("expected a list".to_owned()),
            },
            Operator::MaxItems(max) => match count(node) {
                Some(n) if n <= *max => None,
                Some(n) => Some(format!("{n} items, expected at most {max}")),
                None => Some("expected a list".to_owned()),
            },
        }
    }
}

/// Items of a sequence, entries of a mapping.
fn count(node: &Node<'_>) -> Option<usize> {
    match &node.value {
        Value::Seq(items) => Some(items.len()),
        Value::Map(entries) => Some(entries.len()),
        Value::Scalar(..) => None,
    }
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn net_list(nets: &[IpNet]) -> String {
    nets.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value as a message shows it: scalars as written, collections in flow style
/// (`[NodePort|ClusterIP|Route]`), so the user recognises what they wrote.
pub fn render(node: &Node<'_>) -> String {
    match &node.value {
        Value::Scalar(text, _) => text.to_string(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", render(k), render(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_chunk};

    fn check(op: &Operator, yaml: &str) -> Option<String> {
        let parsed = parse_chunk(yaml, 1, Limits::default());
        parsed.documents.first().and_then(|doc| op.check(doc))
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().filter_map(|n| n.parse().ok()).collect()
    }

    #[test]
    fn forbidden_fails_on_any_value() {
        assert!(check(&Operator::Forbidden, "x").is_some());
        assert!(check(&Operator::Required, "x").is_none());
        assert!(Operator::Required.fails_when_missing());
        assert!(!Operator::Forbidden.fails_when_missing());
    }

    #[test]
    fn equals_and_one_of_compare_exact_text() {
        let eq = Operator::Equals("Route".into());
        assert!(check(&eq, "Route").is_none());
        assert!(check(&eq, "route").is_some());
        assert!(check(&eq, "[Route]").is_some());
        let one = Operator::OneOf(vec!["Route".into(), "NodePort".into()]);
        assert!(check(&one, "NodePort").is_none());
        assert_eq!(
            check(&one, "ClusterIP").as_deref(),
            Some("expected one of `Route`, `NodePort`")
        );
        assert!(check(&one, "{a: b}").is_some());
    }

    #[test]
    fn pattern_searches_scalars() {
        for pattern in [
            Pattern::compiled("^[0-9]+$").unwrap(),
            Pattern::lazy("^[0-9]+$"),
        ] {
            let op = Operator::Pattern(pattern);
            assert!(check(&op, "\"1000\"").is_none());
            assert!(check(&op, "1000").is_none());
            assert!(check(&op, "10a").is_some());
            assert!(check(&op, "[1]").is_some());
        }
    }

    #[test]
    fn a_lazy_pattern_compiles_on_first_use_and_its_clones_share_it() {
        let pattern = Pattern::lazy("^a+$");
        let clone = pattern.clone();
        assert!(!pattern.is_compiled());
        assert!(check(&Operator::Pattern(pattern), "aaa").is_none());
        assert!(clone.is_compiled());
        let broken = Operator::Pattern(Pattern::lazy("(unclosed"));
        assert!(
            check(&broken, "x")
                .is_some_and(|why| why.starts_with("the rule cannot be evaluated: its pattern"))
        );
    }

    #[test]
    fn cidr_within_and_not_overlapping() {
        assert!(check(&Operator::Cidr, "10.0.0.0/8").is_none());
        assert!(check(&Operator::Cidr, "10.0.0.1").is_some());
        assert!(check(&Operator::Cidr, "nope").is_some());
        let within = Operator::Within(nets(&["10.0.0.0/8"]));
        assert!(check(&within, "10.1.0.0/16").is_none());
        assert!(check(&within, "10.1.2.3").is_none());
        assert!(check(&within, "11.0.0.0/16").is_some());
        let apart = Operator::NotOverlapping(nets(&["10.0.0.0/8"]));
        assert!(check(&apart, "192.168.0.0/16").is_none());
        assert_eq!(
            check(&apart, "0.0.0.0/0").as_deref(),
            Some("it overlaps 10.0.0.0/8 (10.0.0.0/8)")
        );
        assert!(check(&apart, "host.example.com").is_some());
    }

    #[test]
    fn item_counts() {
        assert!(check(&Operator::MinItems(1), "[a]").is_none());
        assert!(check(&Operator::MinItems(2), "[a]").is_some());
        assert!(check(&Operator::MaxItems(1), "[a, b]").is_some());
        assert!(check(&Operator::MaxItems(1), "{a: 1}").is_none());
        assert!(check(&Operator::MinItems(1), "a").is_some());
    }

    #[test]
    fn renders_values_as_written() {
        let parsed = parse_chunk("[NodePort|ClusterIP|Route]", 1, Limits::default());
        assert_eq!(
            parsed.documents.first().map(render).as_deref(),
            Some("[NodePort|ClusterIP|Route]")
        );
    }
}
