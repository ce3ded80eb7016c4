//! Path expressions of policy rules: `spec.egress[*].to.cidrSelector`,
//! `spec.ports[0].port`, `metadata.annotations."dvmlint.dev/ignore"`.
//!
//! A path is a list of steps; `[*]` fans out over a sequence, so one path can
//! name many values. Resolving a path against a document yields, for each
//! concrete place, either the value found there or — when the path stops early —
//! the nearest existing parent, so that a `required` finding still points at
//! something the user can see (the `spec:` key that lacks the field).

use std::fmt;

use crate::yaml::{Node, Span};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
    EveryItem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    pub steps: Vec<Step>,
}

/// Why a path expression does not parse, and at which character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathError {
    pub offset: usize,
    pub message: String,
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let chars: Vec<char> = text.chars().collect();
        let mut steps = Vec::new();
        let mut i = 0;
        let err = |offset: usize, message: &str| PathError {
            offset,
            message: message.to_owned(),
        };
        if chars.is_empty() {
            return Err(err(0, "the path is empty"));
        }
        loop {
            // A key: quoted, or up to the next `.` or `[`.
            match chars.get(i) {
                Some('"') => {
                    let start = i + 1;
                    let Some(len) = chars
                        .get(start..)
                        .and_then(|r| r.iter().position(|c| *c == '"'))
                    else {
                        return Err(err(i, "unterminated quoted key"));
                    };
                    steps.push(Step::Key(
                        chars
                            .get(start..start + len)
                            .unwrap_or_default()
                            .iter()
                            .collect(),
                    ));
                    i = start + len + 1;
                }
                Some('.') | Some('[') | None => return Err(err(i, "expected a key")),
                Some(_) => {
                    let start = i;
                    while chars.get(i).is_some_and(|c| *c != '.' && *c != '[') {
                        i += 1;
                    }
                    let key: String = chars.get(start..i).unwrap_or_default().iter().collect();
                    if key.contains(['*', ']', '"']) {
                        return Err(err(
                            start,
                            "unexpected character in a key (quote keys with `\"`)",
                        ));
                    }
                    steps.push(Step::Key(key));
                }
            }
            // Any number of `[N]` / `[*]`.
            while chars.get(i) == Some(&'[') {
                let start = i + 1;
                let Some(len) = chars
                    .get(start..)
                    .and_then(|r| r.iter().position(|c| *c == ']'))
                else {
                    return Err(err(i, "unterminated `[`"));
                };
                let inner: String = chars
                    .get(start..start + len)
                    .unwrap_or_default()
                    .iter()
                    .collect();
                if inner == "*" {
                    steps.push(Step::EveryItem);
                } else {
                    let index = inner
                        .parse::<usize>()
                        .map_err(|_| err(start, "expected `[N]` (a number) or `[*]`"))?;
                    steps.push(Step::Index(index));
                }
                i = start + len + 1;
            }
            match chars.get(i) {
                None => break,
                Some('.') => i += 1,
                Some(_) => return Err(err(i, "expected `.`, `[` or the end of the path")),
            }
        }
        Ok(Path { steps })
    }

    /// Every place this path names in `root`, in document order.
    pub fn resolve<'n, 'a>(&self, root: &'n Node<'a>) -> Vec<Place<'n, 'a>> {
        let mut out = Vec::new();
        let start = Cursor {
            node: root,
            anchor: Span::new(root.span.start, root.span.start),
            path: String::new(),
        };
        walk(&self.steps, start, &mut out);
        out
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        for step in &self.steps {
            push_step(&mut text, step);
        }
        f.write_str(&text)
    }
}

fn push_step(text: &mut String, step: &Step) {
    match step {
        Step::Key(key) => {
            if !text.is_empty() {
                text.push('.');
            }
            if key.contains(['.', '[']) {
                text.push('"');
                text.push_str(key);
                text.push('"');
            } else {
                text.push_str(key);
            }
        }
        Step::Index(index) => text.push_str(&format!("[{index}]")),
        Step::EveryItem => text.push_str("[*]"),
    }
}

/// One concrete place a path names.
#[derive(Clone, Debug, PartialEq)]
pub enum Place<'n, 'a> {
    /// The value at `path` (indices made concrete: `spec.egress[2].to`).
    Found { node: &'n Node<'a>, path: String },
    /// Nothing at `path`; `parent` is where the nearest existing parent is written
    /// (its key when it has one).
    Missing { parent: Span, path: String },
}

impl Place<'_, '_> {
    pub fn path(&self) -> &str {
        match self {
            Place::Found { path, .. } | Place::Missing { path, .. } => path,
        }
    }
}

struct Cursor<'n, 'a> {
    node: &'n Node<'a>,
    /// Where to point when something below is missing: the key of this node.
    anchor: Span,
    path: String,
}

fn walk<'n, 'a>(steps: &[Step], at: Cursor<'n, 'a>, out: &mut Vec<Place<'n, 'a>>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(Place::Found {
            node: at.node,
            path: at.path,
        });
        return;
    };
    let mut path = at.path.clone();
    push_step(&mut path, step);
    let missing = |out: &mut Vec<Place<'n, 'a>>, mut path: String| {
        for step in rest {
            push_step(&mut path, step);
        }
        out.push(Place::Missing {
            parent: at.anchor,
            path,
        });
    };
    match step {
        Step::Key(key) => match at.node.entry(key) {
            Some((k, v)) if !v.is_null() => walk(
                rest,
                Cursor {
                    node: v,
                    anchor: k.span,
                    path,
                },
                out,
            ),
            _ => missing(out, path),
        },
        Step::Index(index) => match at.node.items().get(*index) {
            Some(item) if !item.is_null() => walk(
                rest,
                Cursor {
                    node: item,
                    anchor: item.span,
                    path,
                },
                out,
            ),
            _ => missing(out, path),
        },
        Step::EveryItem => {
            if !at.node.is_seq() {
                missing(out, path);
                return;
            }
            for (index, item) in at.node.items().iter().enumerate() {
                let mut item_path = at.path.clone();
                push_step(&mut item_path, &Step::Index(index));
                if item.is_null() {
                    let mut path = item_path;
                    for step in rest {
                        push_step(&mut path, step);
                    }
                    out.push(Place::Missing {
                        parent: item.span,
                        path,
                    });
                    continue;
                }
                walk(
                    rest,
                    Cursor {
                        node: item,
                        anchor: item.span,
                        path: item_path,
                    },
                    out,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_chunk};

    fn steps(text: &str) -> Vec<Step> {
        Path::parse(text).map(|p| p.steps).unwrap_or_default()
    }

    #[test]
    fn parses_keys_indices_wildcards_and_quoted_keys() {
        assert_eq!(
            steps("spec.egress[*].to.cidrSelector"),
            vec![
                Step::Key("spec".into()),
                Step::Key("egress".into()),
                Step::EveryItem,
                Step::Key("to".into()),
                Step::Key("cidrSelector".into()),
            ]
        );
        assert_eq!(
            steps("a[0][1]"),
            vec![Step::Key("a".into()), Step::Index(0), Step::Index(1)]
        );
        assert_eq!(
            steps("metadata.annotations.\"dvmlint.dev/ignore\""),
            vec![
                Step::Key("metadata".into()),
                Step::Key("annotations".into()),
                Step::Key("dvmlint.dev/ignore".into()),
            ]
        );
        assert_eq!(
            Path::parse("metadata.annotations.\"a.b\"[0]")
                .map(|p| p.to_string())
                .ok(),
            Some("metadata.annotations.\"a.b\"[0]".to_owned())
        );
    }

    #[test]
    fn rejects_malformed_paths_with_an_offset() {
        for (text, offset) in [
            ("", 0),
            ("a..b", 2),
            ("a[x]", 2),
            ("a[1", 1),
            ("a.b]", 2),
            (".a", 0),
        ] {
            let err = Path::parse(text).err();
            assert_eq!(err.map(|e| e.offset), Some(offset), "{text}");
        }
    }

    #[test]
    fn resolves_indices_wildcards_and_missing_parents() {
        let text = "spec:\n  egress:\n    - to: {cidrSelector: 10.0.0.0/8}\n    - to: {}\n";
        let parsed = parse_chunk(text, 1, Limits::default());
        let doc = &parsed.documents[0];
        let places = Path::parse("spec.egress[*].to.cidrSelector")
            .map(|p| p.resolve(doc))
            .unwrap_or_default();
        assert_eq!(places.len(), 2);
        assert!(matches!(&places[0], Place::Found { node, path }
            if node.as_str() == Some("10.0.0.0/8") && path == "spec.egress[0].to.cidrSelector"));
        assert!(matches!(&places[1], Place::Missing { parent, path }
            if parent.start.line == 4 && path == "spec.egress[1].to.cidrSelector"));
        let deep = Path::parse("spec.ingress[0].from")
            .map(|p| p.resolve(doc))
            .unwrap_or_default();
        // Nearest existing parent: the `spec` key on line 1.
        assert!(matches!(&deep[0], Place::Missing { parent, path }
            if parent.start.line == 1 && parent.start.col == 1 && path == "spec.ingress[0].from"));
        let indexed = Path::parse("spec.egress[1].to")
            .map(|p| p.resolve(doc))
            .unwrap_or_default();
        assert!(matches!(&indexed[0], Place::Found { path, .. } if path == "spec.egress[1].to"));
    }
}
