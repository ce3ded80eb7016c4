//! The graph as Mermaid, DOT, JSON, and SVG through Graphviz (docs/graph.md).
//!
//! Colours and arrows say the verdict: allowed green `-->`, blocked red
//! `--x` (DOT: a bold red edge ending in a bar), unknown amber dotted. Each
//! edge's label is its layer and verdict, a few words, and the first manifest
//! that decided it (`name (file:line)`); JSON has everything, the whole why
//! and every finding. Every text is escaped for its format (a label cannot
//! end a string or open a tag).

use std::fmt::Write as _;
use std::io::Write as _;

use super::{Edge, Graph, PathGraph};
use crate::rules::hops::Verdict;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Mermaid,
    Dot,
    Svg,
    Json,
}

const GREEN: &str = "#1a7f37";
const RED: &str = "#cf222e";
const AMBER: &str = "#9a6700";

fn colour(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Allowed => GREEN,
        Verdict::Blocked => RED,
        Verdict::Unknown => AMBER,
    }
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Allowed => "allowed",
        Verdict::Blocked => "BLOCKED",
        Verdict::Unknown => "unknown",
    }
}

/// The lines of an edge's label, unescaped.
fn edge_lines(edge: &Edge) -> Vec<String> {
    let mut lines = vec![
        format!("{}: {}", edge.layer, verdict_word(edge.verdict)),
        edge.summary.clone(),
    ];
    if let Some(first) = edge.decided_by.first() {
        let mut line = first.name.clone();
        if let (Some(file), Some(l)) = (&first.file, first.line) {
            let _ = write!(line, " ({file}:{l})");
        }
        if edge.decided_by.len() > 1 {
            let _ = write!(line, " +{} more", edge.decided_by.len() - 1);
        }
        lines.push(line);
    }
    let rules: Vec<&str> = {
        let mut rules: Vec<&str> = edge.findings.iter().map(|f| f.rule.as_str()).collect();
        rules.dedup();
        rules
    };
    if !rules.is_empty() {
        lines.push(rules.join(", "));
    }
    lines
}

fn path_title(path: &PathGraph) -> String {
    let mut title = format!(
        "{}/{} → {}/{} · {}{} · MTC {}",
        path.source.cluster,
        path.source.namespace,
        path.target.cluster,
        path.target.namespace,
        path.endpoint,
        if path.proxy { " via proxy" } else { "" },
        path.mtc_layout
    );
    if let Some(plan) = &path.plan {
        let _ = write!(title, " · MigPlan {plan}");
    }
    title
}

/// Text inside a Mermaid `"…"` string: no quote, angle bracket, `#`, `|` or
/// backquote survives as itself; line breaks become `<br/>`.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '|' => out.push_str("#124;"),
            '`' => out.push('\''),
            '\n' => out.push_str("<br/>"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Mermaid `flowchart` source.
pub fn mermaid(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    if graph.paths.is_empty() {
        out.push_str("  none[\"no migrated namespace pair\"]\n");
        return out;
    }
    for path in &graph.paths {
        let _ = writeln!(
            out,
            "  subgraph {} [\"{}\"]",
            path.id,
            mermaid_text(&path_title(path))
        );
        out.push_str("    direction LR\n");
        for node in &path.nodes {
            let _ = writeln!(out, "    {}[\"{}\"]", node.id, mermaid_text(&node.label));
        }
        out.push_str("  end\n");
    }
    let mut styles = String::new();
    let mut index = 0usize;
    for path in &graph.paths {
        for edge in &path.edges {
            let arrow = match edge.verdict {
                Verdict::Allowed => "-->",
                Verdict::Blocked => "--x",
                Verdict::Unknown => "-.->",
            };
            let _ = writeln!(
                out,
                "  {} {arrow}|\"{}\"| {}",
                edge.from,
                mermaid_text(&edge_lines(edge).join("\n")),
                edge.to
            );
            let width = if edge.verdict == Verdict::Blocked {
                ",stroke-width:3px"
            } else {
                ""
            };
            let c = colour(edge.verdict);
            let _ = writeln!(styles, "  linkStyle {index} stroke:{c},color:{c}{width}");
            index += 1;
        }
    }
    out.push_str(&styles);
    out
}

/// The Mermaid graph in a Markdown fenced block, with a legend: what
/// `check --graph` writes (GitHub and GitLab render it in comments).
pub fn mermaid_markdown(graph: &Graph) -> String {
    format!(
        "### dvmlint: DVM paths\n\nEach arrow is a hop of the rsync traffic, labelled with the layer that decides it: green allowed, red BLOCKED, amber dotted unknown (the label says what is not known).\n\n```mermaid\n{}```\n",
        mermaid(graph)
    )
}

/// Text inside a DOT `"…"` string: backslashes and quotes escaped, line
/// breaks as `\n` (centred lines).
fn dot_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Graphviz DOT source.
pub fn dot(graph: &Graph) -> String {
    let mut out = String::from(
        "digraph dvm {\n  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, label=\"dvmlint: DVM paths (green allowed, red blocked, amber dotted unknown)\"];\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    if graph.paths.is_empty() {
        out.push_str("  none [label=\"no migrated namespace pair\"];\n}\n");
        return out;
    }
    for path in &graph.paths {
        let _ = writeln!(
            out,
            "  subgraph cluster_{} {{\n    label=\"{}\";",
            path.id,
            dot_text(&path_title(path))
        );
        for node in &path.nodes {
            let _ = writeln!(
                out,
                "    {} [label=\"{}\"];",
                node.id,
                dot_text(&node.label)
            );
        }
        out.push_str("  }\n");
    }
    for path in &graph.paths {
        for edge in &path.edges {
            let c = colour(edge.verdict);
            let style = match edge.verdict {
                Verdict::Allowed => "solid",
                Verdict::Blocked => "bold",
                Verdict::Unknown => "dashed",
            };
            let head = if edge.verdict == Verdict::Blocked {
                ", arrowhead=tee, penwidth=2"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {} -> {} [label=\"{}\", tooltip=\"{}\", color=\"{c}\", fontcolor=\"{c}\", style={style}{head}];",
                edge.from,
                edge.to,
                dot_text(&edge_lines(edge).join("\n")),
                dot_text(&edge.why),
            );
        }
    }
    out.push_str("}\n");
    out
}

/// The graph as JSON (schemas/graph.schema.json).
pub fn json(graph: &Graph) -> String {
    let mut text = serde_json::to_string_pretty(graph).unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
}

/// SVG: the DOT source laid out by Graphviz's `dot -Tsvg`. Errs with a
/// sentence when `dot` is not installed or fails.
pub fn svg(graph: &Graph) -> Result<Vec<u8>, String> {
    let source = dot(graph);
    let mut child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => "`--format svg` needs Graphviz's `dot`, which is not on PATH: install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`), or write `--format dot` and lay it out elsewhere, or `--format mermaid`".to_owned(),
            _ => format!("could not run Graphviz's `dot`: {err}"),
        })?;
    // Write on another thread: `dot` may fill its output pipe before it
    // has read all of its input.
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| "could not write to Graphviz's `dot`".to_owned())?;
    let writer = std::thread::spawn(move || stdin.write_all(source.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|err| format!("could not run Graphviz's `dot`: {err}"))?;
    let written = writer.join();
    if !output.status.success() {
        return Err(format!(
            "Graphviz's `dot` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    if !matches!(written, Ok(Ok(()))) {
        return Err("could not write the graph to Graphviz's `dot`".to_owned());
    }
    Ok(output.stdout)
}

/// The graph in `format` (SVG through `dot`).
pub fn write(graph: &Graph, format: Format) -> Result<Vec<u8>, String> {
    Ok(match format {
        Format::Mermaid => mermaid(graph).into_bytes(),
        Format::Dot => dot(graph).into_bytes(),
        Format::Json => json(graph).into_bytes(),
        Format::Svg => svg(graph)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_escape_their_strings() {
        assert_eq!(
            mermaid_text("a\"b<c>|d#`e`\nf\u{1b}"),
            "a#quot;b#lt;c#gt;#124;d#35;'e'<br/>f"
        );
        assert_eq!(dot_text("a\"b\\c\nd\u{7}"), "a\\\"b\\\\c\\nd");
    }
}
