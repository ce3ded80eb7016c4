//! Rule files → [`PolicyRule`]s, from the span tree so that every error names
//! its line and column, with a did-you-mean for misspelt keys and operators.
//! A file may hold several rules, one per YAML document.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path as FsPath;

use super::operator::Pattern;
use globset::GlobMatcher;
use ipnet::IpNet;

use super::{Assertion, Operator, PLACEHOLDERS, Path, PolicyRule, Selector, Template};
use crate::catalogue::{Example, Examples, RuleMeta};
use crate::config::ConfigError;
use crate::finding::Severity;
use crate::suggest;
use crate::yaml::{self, Limits, Node, Pos};

const RULE_KEYS: [&str; 12] = [
    "id",
    "name",
    "severity",
    "family",
    "summary",
    "rationale",
    "fix",
    "examples",
    "exact-with",
    "match",
    "assert",
    "message",
];
const MATCH_KEYS: [&str; 6] = [
    "apiVersion",
    "kind",
    "namespace",
    "name",
    "cluster",
    "labels",
];

type Result<T> = std::result::Result<T, ConfigError>;

/// Every rule of a rule file, each with the position of its `id`. `builtin`:
/// a catalogue file of `rules/`, whose ids must start with `DVM` (users' must not).
pub fn parse_rules(text: &str, file: &FsPath, builtin: bool) -> Result<Vec<(PolicyRule, Pos)>> {
    let d = Decoder {
        file,
        patterns: RefCell::default(),
        builtin,
    };
    let mut out = Vec::new();
    for chunk in yaml::split_documents(text.as_bytes()) {
        let Ok(chunk_text) = std::str::from_utf8(chunk.bytes) else {
            return Err(d.at(Pos::new(chunk.first_line, 1), "invalid UTF-8".to_owned()));
        };
        let parsed = yaml::parse_chunk(chunk_text, chunk.first_line, Limits::default());
        if let Some(error) = parsed.error {
            return Err(d.at(error.pos, format!("YAML syntax error: {}", error.message)));
        }
        for document in parsed.documents.iter().filter(|doc| !doc.is_null()) {
            // A built-in's sections come from the catalogue, already read.
            let sections = (!builtin)
                .then(|| serde_yaml::from_str::<serde_yaml::Mapping>(chunk_text).ok())
                .flatten();
            out.push(d.rule(document, sections.as_ref())?);
        }
    }
    if out.is_empty() {
        return Err(d.at(Pos::new(1, 1), "the file holds no rule".to_owned()));
    }
    Ok(out)
}

struct Decoder<'f> {
    file: &'f FsPath,
    /// `pattern`s by text: a pattern repeated (a YAML alias, one rule per
    /// spelling of a setting) is compiled once (clones share it).
    patterns: RefCell<BTreeMap<String, Pattern>>,
    /// Reading a catalogue file of `rules/`: its ids start with `DVM`, its
    /// metadata comes from the catalogue, its patterns compile on first use.
    builtin: bool,
}

impl Decoder<'_> {
    fn at(&self, pos: Pos, message: String) -> ConfigError {
        ConfigError {
            path: self.file.to_owned(),
            pos: Some(pos),
            message,
        }
    }

    fn err(&self, node: &Node<'_>, message: String) -> ConfigError {
        self.at(node.span.start, message)
    }

    fn check_keys(&self, map: &Node<'_>, allowed: &[&str], what: &str) -> Result<()> {
        if !map.is_map() {
            return Err(self.err(map, format!("{what} must be a mapping")));
        }
        for (key, _) in map.entries() {
            if !key.as_str().is_some_and(|text| allowed.contains(&text)) {
                return Err(self.err(key, suggest::unknown_key(key, allowed, what)));
            }
        }
        Ok(())
    }

    fn string(&self, node: &Node<'_>, what: &str) -> Result<String> {
        match node.as_str() {
            Some(text) if !node.is_map() && !node.is_seq() => Ok(text.to_owned()),
            _ => Err(self.err(node, format!("`{what}` must be a string"))),
        }
    }

    fn required<'n, 'a>(&self, map: &'n Node<'a>, key: &str) -> Result<&'n Node<'a>> {
        map.get(key)
            .ok_or_else(|| self.err(map, format!("missing `{key}`")))
    }

    fn optional_string(&self, map: &Node<'_>, key: &str) -> Result<Option<String>> {
        map.get(key).map(|n| self.string(n, key)).transpose()
    }

    fn flag(&self, node: &Node<'_>, what: &str) -> Result<bool> {
        node.as_bool()
            .ok_or_else(|| self.err(node, format!("`{what}` takes `true` or `false`")))
    }

    fn glob(&self, node: &Node<'_>, what: &str) -> Result<GlobMatcher> {
        let pattern = self.string(node, what)?;
        crate::glob::matcher(&pattern, false).map_err(|why| {
            self.err(
                node,
                format!(
                    "`match.{what}`: invalid glob `{}`: {why}",
                    crate::glob::shown(&pattern)
                ),
            )
        })
    }

    fn rule(
        &self,
        doc: &Node<'_>,
        sections: Option<&serde_yaml::Mapping>,
    ) -> Result<(PolicyRule, Pos)> {
        self.check_keys(doc, &RULE_KEYS, "a rule")?;
        let id_node = self.required(doc, "id")?;
        let id = self.string(id_node, "id")?;
        self.check_id(&id, id_node)?;
        let name_node = self.required(doc, "name")?;
        let name = self.string(name_node, "name")?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            let suggestion = match kebab_case(&name) {
                Some(kebab) => format!(": write `{kebab}`"),
                None => String::new(),
            };
            return Err(self.err(
                name_node,
                format!(
                    "rule name `{name}` must be kebab-case (lower-case letters and digits, words joined by `-`){suggestion}"
                ),
            ));
        }
        let severity_node = self.required(doc, "severity")?;
        let severity_text = self.string(severity_node, "severity")?;
        let severity = Severity::parse(&severity_text).ok_or_else(|| {
            let hint = suggest::hint(&severity_text, ["error", "warning", "info"]);
            self.err(
                severity_node,
                format!(
                    "unknown severity `{severity_text}`, expected error, warning or info{hint}"
                ),
            )
        })?;
        let summary = self.string(self.required(doc, "summary")?, "summary")?;
        let assert = self.required(doc, "assert")?;
        let catalogued = self.builtin.then(|| crate::catalogue::find(&id)).flatten();
        let section = |key: &str| match (catalogued, key) {
            (Some(rule), "match") => rule.selector.clone(),
            (Some(rule), "assert") => rule.assert.clone(),
            (Some(_), _) => None,
            (None, _) => sections.and_then(|s| s.get(key)).cloned(),
        };
        let meta = RuleMeta {
            id,
            name,
            severity,
            family: self
                .optional_string(doc, "family")?
                .unwrap_or_else(|| "custom".to_owned()),
            summary,
            rationale: self.optional_string(doc, "rationale")?.unwrap_or_default(),
            fix: self.optional_string(doc, "fix")?.unwrap_or_default(),
            examples: doc.get("examples").map(|e| self.examples(e)).transpose()?,
            // Custom rules' keys are their own business; built-in ones are
            // read from the embedded catalogue.
            exact_with: catalogued.and_then(|r| r.exact_with.clone()),
            selector: section("match"),
            assert: section("assert"),
            message: self.optional_string(doc, "message")?,
        };
        let rule = PolicyRule {
            selector: doc
                .get("match")
                .map(|m| self.selector(m))
                .transpose()?
                .unwrap_or_default(),
            asserts: self.assertions(assert)?,
            message: doc.get("message").map(|m| self.template(m)).transpose()?,
            meta,
        };
        Ok((rule, id_node.span.start))
    }

    fn check_id(&self, id: &str, node: &Node<'_>) -> Result<()> {
        let reserved = id.to_ascii_uppercase().starts_with("DVM");
        if reserved && !self.builtin {
            return Err(self.err(
                node,
                format!("rule id `{id}`: ids starting with `DVM` are reserved for built-in rules"),
            ));
        }
        let digits = id.trim_start_matches(|c: char| c.is_ascii_uppercase());
        let well_formed = digits.len() < id.len()
            && !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit());
        if !well_formed || (self.builtin && !reserved) {
            return Err(self.err(
                node,
                format!("rule id `{id}` must be upper-case letters then digits, like `ORG001`"),
            ));
        }
        Ok(())
    }

    fn selector(&self, node: &Node<'_>) -> Result<Selector> {
        self.check_keys(node, &MATCH_KEYS, "`match`")?;
        let mut labels = BTreeMap::new();
        if let Some(map) = node.get("labels") {
            if !map.is_map() {
                return Err(self.err(map, "`labels` must be a mapping".to_owned()));
            }
            for (key, value) in map.entries() {
                labels.insert(self.string(key, "labels")?, self.string(value, "labels")?);
            }
        }
        Ok(Selector {
            api_version: self.optional_string(node, "apiVersion")?,
            kind: self.optional_string(node, "kind")?,
            namespace: node
                .get("namespace")
                .map(|n| self.glob(n, "namespace"))
                .transpose()?,
            name: node.get("name").map(|n| self.glob(n, "name")).transpose()?,
            cluster: self.optional_string(node, "cluster")?,
            labels,
        })
    }

    fn assertions(&self, node: &Node<'_>) -> Result<Vec<Assertion>> {
        if !node.is_seq() || node.items().is_empty() {
            return Err(self.err(
                node,
                "`assert` must be a non-empty list of `- path: ...` items".to_owned(),
            ));
        }
        node.items()
            .iter()
            .map(|item| self.assertion(item))
            .collect()
    }

    fn assertion(&self, node: &Node<'_>) -> Result<Assertion> {
        if !node.is_map() {
            return Err(self.err(
                node,
                "an assertion must be a mapping with `path`".to_owned(),
            ));
        }
        let mut path = None;
        let mut message = None;
        let mut operators = Vec::new();
        let mut has_operator = false;
        for (key, value) in node.entries() {
            let name = key.as_str().unwrap_or_default();
            match name {
                "path" => {
                    let text = self.string(value, "path")?;
                    let parsed = Path::parse(&text).map_err(|err| {
                        let col = value.span.start.col
                            + u32::from(value.scalar_style() == Some(yaml::ScalarStyle::Quoted))
                            + u32::try_from(err.offset).unwrap_or(0);
                        self.at(
                            Pos::new(value.span.start.line, col),
                            format!("invalid path `{text}`: {}", err.message),
                        )
                    })?;
                    path = Some(parsed);
                }
                "message" => message = Some(self.template(value)?),
                _ => {
                    has_operator = true;
                    if let Some(op) = self.operator(key, value)? {
                        operators.push(op);
                    }
                }
            }
        }
        let Some(path) = path else {
            return Err(self.err(node, "an assertion needs a `path`".to_owned()));
        };
        if !has_operator {
            let list = super::operator::NAMES.join(", ");
            return Err(self.err(
                node,
                format!("an assertion needs an operator: one of {list}"),
            ));
        }
        Ok(Assertion {
            path,
            operators,
            message,
        })
    }

    /// `None` for operators that are switched off (`required: false`).
    fn operator(&self, key: &Node<'_>, value: &Node<'_>) -> Result<Option<Operator>> {
        let name = key.as_str().unwrap_or_default();
        let op = match name {
            "required" => self.flag(value, name)?.then_some(Operator::Required),
            "forbidden" => self.flag(value, name)?.then_some(Operator::Forbidden),
            "cidr" => self.flag(value, name)?.then_some(Operator::Cidr),
            "equals" => Some(Operator::Equals(self.string(value, name)?)),
            "oneOf" => {
                let items = value
                    .items()
                    .iter()
                    .map(|i| self.string(i, name))
                    .collect::<Result<Vec<_>>>()?;
                if items.is_empty() {
                    return Err(self.err(value, "`oneOf` takes a non-empty list".to_owned()));
                }
                Some(Operator::OneOf(items))
            }
            "pattern" => {
                let text = self.string(value, name)?;
                let known = self.patterns.borrow().get(&text).cloned();
                let pattern = match known {
                    Some(pattern) => pattern,
                    None => {
                        let pattern = if self.builtin {
                            Pattern::lazy(&text)
                        } else {
                            Pattern::compiled(&text).map_err(|err| {
                                self.err(value, format!("invalid `pattern`: {err}"))
                            })?
                        };
                        self.patterns.borrow_mut().insert(text, pattern.clone());
                        pattern
                    }
                };
                Some(Operator::Pattern(pattern))
            }
            "within" => Some(Operator::Within(self.nets(value, name)?)),
            "notOverlapping" => Some(Operator::NotOverlapping(self.nets(value, name)?)),
            "minItems" => Some(Operator::MinItems(self.count(value, name)?)),
            "maxItems" => Some(Operator::MaxItems(self.count(value, name)?)),
            _ => {
                let candidates = super::operator::NAMES
                    .iter()
                    .copied()
                    .chain(["path", "message"]);
                let hint = suggest::hint(name, candidates);
                return Err(self.err(key, format!("unknown operator `{name}`{hint}")));
            }
        };
        Ok(op)
    }

    fn nets(&self, node: &Node<'_>, what: &str) -> Result<Vec<IpNet>> {
        let items: Vec<&Node<'_>> = if node.is_seq() {
            node.items().iter().collect()
        } else {
            vec![node]
        };
        let nets = items
            .into_iter()
            .map(|item| {
                let text = self.string(item, what)?;
                crate::net::ipset::parse_net(&text)
                    .map_err(|_| self.err(item, format!("`{text}` is not a CIDR or an IP address")))
            })
            .collect::<Result<Vec<_>>>()?;
        if nets.is_empty() {
            return Err(self.err(node, format!("`{what}` takes a list of CIDRs")));
        }
        Ok(nets)
    }

    fn count(&self, node: &Node<'_>, what: &str) -> Result<usize> {
        node.as_str()
            .and_then(|t| t.parse::<usize>().ok())
            .ok_or_else(|| self.err(node, format!("`{what}` takes a whole number")))
    }

    fn template(&self, node: &Node<'_>) -> Result<Template> {
        let text = self.string(node, "message")?;
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            let after = rest.get(open + 1..).unwrap_or_default();
            let Some(close) = after.find('}') else {
                return Err(self.err(node, "unclosed `{` in `message`".to_owned()));
            };
            let name = after.get(..close).unwrap_or_default();
            if !PLACEHOLDERS.contains(&name) {
                let hint = suggest::hint(name, PLACEHOLDERS);
                let list = PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ");
                return Err(self.err(
                    node,
                    format!("unknown placeholder `{{{name}}}` in `message`{hint}; use {list}"),
                ));
            }
            rest = after.get(close + 1..).unwrap_or_default();
        }
        Ok(Template { text })
    }

    fn examples(&self, node: &Node<'_>) -> Result<Examples> {
        self.check_keys(node, &["fail", "pass"], "`examples`")?;
        Ok(Examples {
            fail: self.example(self.required(node, "fail")?)?,
            pass: self.example(self.required(node, "pass")?)?,
        })
    }

    fn example(&self, node: &Node<'_>) -> Result<Example> {
        self.check_keys(node, &["config", "files"], "an example")?;
        let files_node = self.required(node, "files")?;
        if !files_node.is_map() {
            return Err(self.err(
                files_node,
                "`files` maps file names to their text".to_owned(),
            ));
        }
        let mut files = BTreeMap::new();
        for (name, text) in files_node.entries() {
            files.insert(self.string(name, "files")?, self.string(text, "files")?);
        }
        Ok(Example {
            config: self.optional_string(node, "config")?,
            files,
        })
    }
}

/// `name` in kebab-case (`PinRsync_endpoint` → `pin-rsync-endpoint`), when it
/// has letters or digits to keep.
fn kebab_case(name: &str) -> Option<String> {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower && !out.ends_with('-') {
                out.push('-');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            previous_lower = false;
        }
    }
    let kebab = out.trim_end_matches('-');
    (!kebab.is_empty()).then(|| kebab.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_is_not_kebab_case_gets_its_kebab_form() {
        assert_eq!(
            kebab_case("PinRsync_endpoint").as_deref(),
            Some("pin-rsync-endpoint")
        );
        assert_eq!(kebab_case("pin rsync").as_deref(), Some("pin-rsync"));
        assert_eq!(kebab_case("HTTP-Proxy2").as_deref(), Some("http-proxy2"));
        assert_eq!(kebab_case("___"), None);
    }

    const GOOD: &str = "id: ORG001
name: pin-rsync-endpoint
severity: error
summary: MigrationControllers pin the rsync endpoint type
match: { apiVersion: migration.openshift.io/v1alpha1, kind: MigrationController, namespace: \"openshift-*\" }
assert:
  - path: spec.rsync_endpoint_type
    required: true
    oneOf: [Route, NodePort]
message: \"rsync endpoint must be Route or NodePort, found {value}\"
";

    fn error(text: &str) -> String {
        match parse_rules(text, FsPath::new("p.yaml"), false) {
            Ok(_) => "no error".to_owned(),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn parses_the_spec_example() {
        let rules = parse_rules(GOOD, FsPath::new("p.yaml"), false).unwrap();
        assert_eq!(rules.len(), 1);
        let (rule, pos) = &rules[0];
        assert_eq!(*pos, Pos::new(1, 5));
        assert_eq!(rule.meta.id, "ORG001");
        assert_eq!(rule.meta.family, "custom");
        assert_eq!(rule.asserts[0].operators.len(), 2);
        assert_eq!(rule.selector.kind.as_deref(), Some("MigrationController"));
    }

    #[test]
    fn several_rules_per_file() {
        let two = format!(
            "{GOOD}---\n{}",
            GOOD.replace("ORG001", "ORG002").replace("pin-", "pin2-")
        );
        assert_eq!(
            parse_rules(&two, FsPath::new("p.yaml"), false)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn misspelt_keys_and_operators_get_a_position_and_a_suggestion() {
        assert_eq!(
            error(&GOOD.replace("summary:", "sumary:")),
            "p.yaml:4:1: unknown key `sumary` in a rule (did you mean `summary`?)"
        );
        assert_eq!(
            error(&GOOD.replace("oneOf:", "oneof:")),
            "p.yaml:9:5: unknown operator `oneof` (did you mean `oneOf`?)"
        );
        assert_eq!(
            error(&GOOD.replace("namespace:", "namespce:")),
            "p.yaml:5:82: unknown key `namespce` in `match` (did you mean `namespace`?)"
        );
        assert_eq!(
            error(&GOOD.replace("{value}", "{vaule}")),
            "p.yaml:10:10: unknown placeholder `{vaule}` in `message` (did you mean `value`?); \
             use {value}, {path}, {name}, {namespace}, {kind}, {reason}"
        );
    }

    #[test]
    fn refuses_reserved_and_malformed_ids_and_bad_values() {
        assert_eq!(
            error(&GOOD.replace("ORG001", "DVM999")),
            "p.yaml:1:5: rule id `DVM999`: ids starting with `DVM` are reserved for built-in rules"
        );
        assert!(
            error(&GOOD.replace("ORG001", "org-1"))
                .starts_with("p.yaml:1:5: rule id `org-1` must be")
        );
        assert_eq!(
            error(&GOOD.replace("severity: error", "severity: eror")),
            "p.yaml:3:11: unknown severity `eror`, expected error, warning or info (did you mean `error`?)"
        );
        assert_eq!(
            error(&GOOD.replace(
                "spec.rsync_endpoint_type\n    required",
                "spec.rsync[x]\n    required"
            )),
            "p.yaml:7:22: invalid path `spec.rsync[x]`: expected `[N]` (a number) or `[*]`"
        );
        assert!(
            error(&GOOD.replace("oneOf: [Route, NodePort]", "pattern: \"([\""))
                .starts_with("p.yaml:9:14: invalid `pattern`")
        );
        assert_eq!(
            error(&GOOD.replace("oneOf: [Route, NodePort]", "within: [10.0.0.0/33]")),
            "p.yaml:9:14: `10.0.0.0/33` is not a CIDR or an IP address"
        );
        assert_eq!(
            error(&GOOD.replace("    required: true\n    oneOf: [Route, NodePort]\n", "")),
            "p.yaml:7:5: an assertion needs an operator: one of required, forbidden, equals, \
             oneOf, pattern, cidr, within, notOverlapping, minItems, maxItems"
        );
        assert_eq!(
            error("id: [\n"),
            "p.yaml:2:1: YAML syntax error: while parsing a node, did not find expected node content"
        );
        assert_eq!(
            error(&GOOD.replace("assert:", "asserts:")),
            "p.yaml:6:1: unknown key `asserts` in a rule (did you mean `assert`?)"
        );
    }
}
