//! Findings on rendered objects, put back on the files a user edits.
//!
//! A finding's location in a render's output is mapped through the origin
//! of its document: the path of keys down to the offending node is followed
//! in the patch files that changed the object (last first), then in the file
//! that produced it; where the node is written there literally (same key,
//! same scalar), the finding goes to it. Templates rarely parse as YAML: in
//! them the rendered line is looked for as written. Otherwise the finding
//! goes to the `kind:` line of the object in its source, and to the root's own
//! file when the output names no source that is a file of the repository (a
//! remote base, a template of a dependency packed in a `.tgz`). A finding
//! said of a file about one object of it (line 1, the object related) goes
//! to line 1 of that object's source.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::finding::{Finding, Location, RenderedFrom};
use crate::suppress::{Reach, Suppression};
use crate::yaml::{self, Limits, Node, Pos, Span, Value};

use super::{Output, Root, RootKind};

struct Entry {
    root: Root,
    tool: String,
    output: Output,
    /// Helm: the values files, for the related location.
    values: Vec<String>,
}

/// Every successful render of a run, by output name.
#[derive(Default)]
pub struct RenderIndex {
    outputs: HashMap<Arc<str>, Entry>,
}

enum Step {
    Key(String),
    Index(usize),
}

impl RenderIndex {
    pub fn insert(
        &mut self,
        name: Arc<str>,
        root: Root,
        tool: String,
        output: Output,
        values: Vec<String>,
    ) {
        self.outputs.insert(
            name,
            Entry {
                root,
                tool,
                output,
                values,
            },
        );
    }

    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.outputs.len()
    }

    pub fn is_output(&self, file: &str) -> bool {
        self.outputs.contains_key(file)
    }

    /// Maps every location (primary and related) of `findings` that lies in a
    /// render's output to the source file; marks the findings as rendered.
    pub fn remap(&self, project: &Path, findings: &mut [Finding]) {
        if self.outputs.is_empty() {
            return;
        }
        let mut sources = Sources::default();
        // Parsed once per output that has findings.
        let mut parsed: HashMap<Arc<str>, Vec<Node<'static>>> = HashMap::new();
        let mut docs_of = |name: &Arc<str>, entry: &Entry| -> Vec<Node<'static>> {
            parsed
                .entry(Arc::clone(name))
                .or_insert_with(|| {
                    yaml::parse_chunk(&entry.output.text, 1, Limits::default())
                        .documents
                        .into_iter()
                        .map(|n| n.to_owned_node())
                        .collect()
                })
                .clone()
        };
        for finding in findings.iter_mut() {
            let mut first: Option<&Entry> = None;
            let Some((name, entry)) = self.outputs.get_key_value(&finding.location.file) else {
                // Related locations in an output, on a finding placed elsewhere.
                for related in &mut finding.related {
                    if let Some((name, entry)) = self.outputs.get_key_value(&related.location.file)
                    {
                        let docs = docs_of(name, entry);
                        let placed =
                            locate(project, entry, &docs, related.location.span, &mut sources);
                        renamed(&mut finding.message, &related.location, &placed);
                        related.location = placed;
                    }
                }
                continue;
            };
            let docs = docs_of(name, entry);
            if let Some(object) = said_of_its_file(finding) {
                of_the_file_of(project, entry, &docs, finding, object, &mut sources);
            } else {
                let rendered_line = finding.location.span.start.line;
                finding.location =
                    locate(project, entry, &docs, finding.location.span, &mut sources);
                // Placed at the chart for a template of a packed dependency:
                // say which template.
                if finding.location.file == entry.root.file
                    && let Some(template) = packed_template(entry, rendered_line)
                {
                    finding
                        .message
                        .push_str(&format!(" ({})", in_packed(template)));
                }
            }
            first.get_or_insert(entry);
            for related in &mut finding.related {
                if let Some((name, entry)) = self.outputs.get_key_value(&related.location.file) {
                    let docs = docs_of(name, entry);
                    let placed = locate(project, entry, &docs, related.location.span, &mut sources);
                    renamed(&mut finding.message, &related.location, &placed);
                    related.location = placed;
                }
            }
            if let Some(entry) = first {
                mark(finding, entry);
            }
        }
        for finding in findings.iter_mut() {
            drop_repeated_related(&mut finding.related);
        }
    }
}

/// The span, in the same output, of the object a finding said of its file is
/// about: a finding at line 1 of its file naming one object of it (the
/// DVM002 of a CNI's policy, of an object ACM, Capsule or Kyverno creates)
/// relates that object's `kind` first. At line 1 of an output, which no user
/// sees, it is said of the file that object is put back on.
fn said_of_its_file(finding: &Finding) -> Option<Span> {
    if finding.location.span != Span::line_start(1) {
        return None;
    }
    finding
        .related
        .iter()
        .find(|r| r.location.file == finding.location.file)
        .map(|r| r.location.span)
}

/// Puts a finding said of its file (see [`said_of_its_file`]) about the
/// object at `object` at line 1 of the file the object comes from, its
/// message's `(line N)` naming the object's line there. When no file of the
/// repository holds it (a template of a dependency packed in a `.tgz`, a
/// remote resource), the finding stays at the root's file, saying so instead
/// of naming a line of the output.
fn of_the_file_of(
    project: &Path,
    entry: &Entry,
    docs: &[Node<'static>],
    finding: &mut Finding,
    object: Span,
    sources: &mut Sources,
) {
    let rendered_line = format!("(line {})", object.start.line);
    let (location, line) = match place(project, entry, docs, object, sources) {
        Some(at) => (
            Location::new(&at.file, Span::line_start(1)),
            format!("(line {})", at.span.start.line),
        ),
        None => (
            Location::new(&entry.root.file, Span::line_start(1)),
            match packed_template(entry, object.start.line) {
                Some(template) => format!("({})", in_packed(template)),
                None => "(not from a file of the repository: no line to name)".to_owned(),
            },
        ),
    };
    finding.location = location;
    finding.message = finding.message.replacen(&rendered_line, &line, 1);
}

/// Where a finding placed at the chart for a template of a packed dependency
/// says it stands.
fn in_packed(template: &str) -> String {
    format!(
        "in `{template}`, a template of a dependency packed in the chart's `charts/` folder: no file of the repository to point at"
    )
}

/// A message that names a related location in an output (`file:line`, as
/// DVM401 names the earlier definition) names it where the location now
/// stands: an output's name (`kustomization.yaml#rendered:66145`) is no file
/// of the repository.
fn renamed(message: &mut String, from: &Location, to: &Location) {
    let old = format!("{}:{}", from.file, from.span.start.line);
    let new = format!("{}:{}", to.file, to.span.start.line);
    let mut out = String::with_capacity(message.len());
    let mut rest = message.as_str();
    while let Some(at) = rest.find(&old) {
        let after = &rest[at + old.len()..];
        out.push_str(&rest[..at]);
        // `x:6` is not the start of `x:66`.
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str(&old);
        } else {
            out.push_str(&new);
        }
        rest = after;
    }
    out.push_str(rest);
    *message = out;
}

/// Related locations that the mapping made equal (one document that several
/// builds render, each copy related to the finding) are kept once, the first
/// in their order.
fn drop_repeated_related(related: &mut Vec<crate::finding::Related>) {
    let mut seen = std::collections::HashSet::new();
    related.retain(|r| seen.insert((r.location.clone(), r.message.clone())));
}

impl RenderIndex {
    /// Suppressions read from a render's output (comments a template carries
    /// into it, `dvmlint.dev/ignore` annotations) put on the source file, like
    /// the findings they suppress: a comment line on the line of the source
    /// written the same way, an annotated object on its document there, a
    /// file-wide comment on its source file. One the source already holds (a
    /// file read as YAML has its own) is dropped; one that cannot be placed
    /// is dropped too, so no DVM900 points into an output.
    pub fn remap_suppressions(&self, project: &Path, suppressions: &mut Vec<Suppression>) {
        if self.outputs.is_empty() {
            return;
        }
        let mut sources = Sources::default();
        let raw: std::collections::HashSet<(Arc<str>, u32, Vec<String>)> = suppressions
            .iter()
            .filter(|s| !self.outputs.contains_key(&s.file))
            .map(|s| (Arc::clone(&s.file), s.line, s.rules.clone()))
            .collect();
        let mut mapped = Vec::new();
        suppressions.retain(|suppression| {
            let Some(entry) = self.outputs.get(&suppression.file) else {
                return true;
            };
            if let Some(moved) = map_suppression(project, entry, suppression, &mut sources)
                && !raw.contains(&(Arc::clone(&moved.file), moved.line, moved.rules.clone()))
            {
                mapped.push(moved);
            }
            false
        });
        suppressions.append(&mut mapped);
    }
}

fn map_suppression(
    project: &Path,
    entry: &Entry,
    suppression: &Suppression,
    sources: &mut Sources,
) -> Option<Suppression> {
    let line = suppression.line;
    let origins = &entry.output.docs;
    let origin = origins
        .iter()
        .rfind(|o| o.first_line <= line)
        .or_else(|| origins.first())?;
    let source = origin.source.as_ref()?;
    let text = sources.get(project, source)?;
    let file: Arc<str> = Arc::from(source.as_str());
    let output_line = entry
        .output
        .text
        .lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("");
    let found = source_section(&text, &rendered_doc(&entry.output.text, line))
        .and_then(|within| in_text(&text, within, output_line, suppression.span));
    let reach = match suppression.reach {
        Reach::File => Reach::File,
        Reach::Line => Reach::Line,
        Reach::Lines { .. } => {
            let at = found.map_or(1, |span| span.start.line);
            let (start, end) = document_lines(&text, at);
            Reach::Lines { start, end }
        }
    };
    let span = match (found, suppression.reach) {
        (Some(span), _) => span,
        (None, Reach::File | Reach::Lines { .. }) => Span::line_start(1),
        (None, Reach::Line) => return None,
    };
    Some(Suppression {
        file,
        span,
        line: span.start.line,
        reach,
        rules: suppression.rules.clone(),
    })
}

/// The first and last line of the document of `text` holding `line`
/// (documents cut at `---` lines).
fn document_lines(text: &str, line: u32) -> (u32, u32) {
    let mut start = 1u32;
    let mut end = 0u32;
    for (index, l) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        end = number;
        if l.starts_with("---") {
            if number > line {
                return (start, number.saturating_sub(1).max(start));
            }
            start = number;
        }
    }
    (start, end.max(start))
}

/// A file linted as written and also rendered gives some findings twice:
/// a field check on a resource or patch file, and the same check on the
/// rendered object, put back on the same line. The rendered one is kept (it
/// says which build it is from); findings on rendered objects stay apart
/// from each other (each names its own build).
pub fn drop_raw_twins(findings: &mut Vec<Finding>) {
    // Twins start at the same place; their ends may differ (a parse error
    // marks one character, the mapped finding the key it names).
    let twin = |f: &Finding| {
        (
            f.rule.to_string(),
            Arc::clone(&f.location.file),
            f.location.span.start,
            f.message.clone(),
        )
    };
    let rendered: std::collections::HashSet<(String, Arc<str>, Pos, String)> = findings
        .iter()
        .filter(|f| f.rendered.is_some())
        .map(twin)
        .collect();
    if rendered.is_empty() {
        return;
    }
    findings.retain(|f| f.rendered.is_some() || !rendered.contains(&twin(f)));
    one_syntax_error_per_place(findings, twin);
    one_duplicate_key_per_defect(findings);
}

/// One document of a file that two builds of a cluster apply (a sub-root,
/// and a root that lists its file again) is one definition, whatever the
/// builds: a DVM401 of two units whose first definition, once put back on
/// the source files, is its own place pairs the document with itself (trial
/// 36). (Two documents of one Helm template may be put back at one place:
/// one unit, never dropped.)
pub fn drop_duplicates_of_one_place(findings: &mut Vec<Finding>) {
    use crate::rules::hygiene::duplicate_object::APPLIED_TOGETHER;
    findings.retain(|f| {
        f.rule != "DVM401"
            || !f.message.contains(APPLIED_TOGETHER)
            || !f.related.first().is_some_and(|first| {
                first.location.file == f.location.file
                    && first.location.span.start == f.location.span.start
            })
    });
}

/// A kustomization that is no YAML is a DVM001 where it breaks; Kustomize
/// then refuses the build ("invalid Kustomization: yaml: line 3: …"), which
/// says the same thing again, at the file's first line (trial 35). The
/// build's DVM004 goes when the same file has a DVM001: fixing that error is
/// what makes it build.
pub fn drop_build_failure_of_a_syntax_error(findings: &mut Vec<Finding>) {
    const INVALID: &str = "invalid Kustomization: yaml:";
    let failed = |f: &Finding| {
        f.rule == "DVM004"
            && f.message.starts_with("`kustomize build` failed")
            && f.message.contains(INVALID)
    };
    if !findings.iter().any(failed) {
        return;
    }
    let broken: std::collections::HashSet<Arc<str>> = findings
        .iter()
        .filter(|f| f.rule == "DVM001")
        .map(|f| Arc::clone(&f.location.file))
        .collect();
    findings.retain(|f| !(failed(f) && broken.contains(&f.location.file)));
}

/// A key written twice in a template that parses as written is reported as
/// written, at the second key, and again from the rendered output, mapped
/// back to the first (the render holds no mark of the second): one defect,
/// two errors, one at a key that is right (trial 34, bcgov/met-public). The
/// one as written is kept, with the build the rendered one names; as many
/// rendered ones as there are written ones of the same key in the file go.
fn one_duplicate_key_per_defect(findings: &mut Vec<Finding>) {
    let key = |f: &Finding| (Arc::clone(&f.location.file), f.message.clone());
    let is_duplicate_key =
        |f: &Finding| f.rule.as_ref() == "DVM001" && f.message.contains(crate::yaml::DUPLICATE_KEY);
    let mut written: HashMap<(Arc<str>, String), Vec<usize>> = HashMap::new();
    for (at, f) in findings.iter().enumerate() {
        if is_duplicate_key(f) && f.rendered.is_none() {
            written.entry(key(f)).or_default().push(at);
        }
    }
    if written.is_empty() {
        return;
    }
    let mut dropped = vec![false; findings.len()];
    let mut builds: Vec<(usize, RenderedFrom)> = Vec::new();
    for (at, f) in findings.iter().enumerate() {
        if !is_duplicate_key(f) {
            continue;
        }
        let Some(rendered) = &f.rendered else {
            continue;
        };
        if let Some(raw) = written.get_mut(&key(f)).and_then(Vec::pop) {
            builds.push((raw, rendered.clone()));
            if let Some(slot) = dropped.get_mut(at) {
                *slot = true;
            }
        }
    }
    for (raw, build) in builds {
        if let Some(finding) = findings.get_mut(raw)
            && finding.rendered.is_none()
        {
            finding.rendered = Some(build);
        }
    }
    let mut at = 0;
    findings.retain(|_| {
        let keep = !dropped.get(at).copied().unwrap_or(false);
        at += 1;
        keep
    });
}

/// A template's own YAML error (DVM001) is the file's, whichever build writes
/// it: a chart rendered on its own and again as the dependency of another
/// (its `# Source:` paths put back where it is) gives the same finding twice.
/// The first is kept, with the other builds' related locations (the values
/// each was rendered with) added to it. Other rules' findings on rendered
/// objects stay apart: each judges its own build.
fn one_syntax_error_per_place<K: Eq + std::hash::Hash>(
    findings: &mut Vec<Finding>,
    twin: impl Fn(&Finding) -> K,
) {
    let mut first: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
    let mut kept = Vec::with_capacity(findings.len());
    for finding in findings.drain(..) {
        if finding.rule.as_ref() != "DVM001" || finding.rendered.is_none() {
            kept.push(finding);
            continue;
        }
        match first.entry(twin(&finding)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(kept.len());
                kept.push(finding);
            }
            std::collections::hash_map::Entry::Occupied(slot) => {
                if let Some(earlier) = kept.get_mut(*slot.get()) {
                    for related in finding.related {
                        if !earlier.related.contains(&related) {
                            earlier.related.push(related);
                        }
                    }
                }
            }
        }
    }
    *findings = kept;
}

/// Rules whose findings on a file as written are superseded by the same
/// rule's findings on the rendered builds that apply it: a value an overlay
/// may replace (docs/rendering.md).
const JUDGED_ON_OUTPUTS: &[&str] = &["DVM402"];

/// Drops the findings of [`JUDGED_ON_OUTPUTS`] rules on files applied only
/// through Kustomize builds that rendered: each build's own finding, mapped
/// back to the file, says whether the value survives in what is applied.
pub fn drop_judged_on_outputs(findings: &mut Vec<Finding>, units: &crate::units::ApplyUnits) {
    findings.retain(|f| {
        f.rendered.is_some()
            || !JUDGED_ON_OUTPUTS.contains(&f.rule.as_ref())
            || !units.only_in_rendered_builds(&f.location.file)
    });
}

/// Says which render the finding's object comes from; a Helm finding names
/// the values it was rendered with as a related location.
fn mark(finding: &mut Finding, entry: &Entry) {
    let (release, values) = match &entry.root.kind {
        RootKind::Kustomize => (None, Vec::new()),
        RootKind::Helm(release) => (Some(release.name.clone()), entry.values.clone()),
    };
    if entry.root.kind == RootKind::Kustomize {
        finding.related.push(crate::finding::Related {
            location: Location::new(&entry.root.file, Span::line_start(1)),
            message: format!(
                "in the build of `{}` ({})",
                if entry.root.dir.is_empty() {
                    "."
                } else {
                    &entry.root.dir
                },
                entry.tool
            ),
        });
    }
    if let RootKind::Helm(release) = &entry.root.kind {
        let (file, described) = match entry.values.first() {
            Some(first) => (Arc::from(first.as_str()), entry.values.join(", ")),
            None => (
                Arc::clone(&entry.root.file),
                "the chart's defaults".to_owned(),
            ),
        };
        finding.related.push(crate::finding::Related {
            location: Location::new(&file, Span::line_start(1)),
            message: format!(
                "rendered with values {described} (release `{}`)",
                release.name
            ),
        });
    }
    finding.rendered = Some(RenderedFrom {
        tool: entry.tool.clone(),
        source: if entry.root.dir.is_empty() {
            ".".to_owned()
        } else {
            entry.root.dir.clone()
        },
        release,
        values,
    });
}

/// Source files read for the mapping, by relative path.
#[derive(Default)]
struct Sources {
    texts: HashMap<String, Option<Arc<str>>>,
}

impl Sources {
    fn get(&mut self, project: &Path, rel: &str) -> Option<Arc<str>> {
        self.texts
            .entry(rel.to_owned())
            .or_insert_with(|| {
                // Through the boundary: a `# Source:` comment is the
                // output's text, which a template can write (`../../x`).
                crate::boundary::ProjectBoundary::new(project)
                    .open_bounded(&project.join(rel), 16 << 20)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .map(Arc::from)
            })
            .clone()
    }
}

/// Where the output's `span` is written in the repository: [`place`], else
/// the root's own file.
fn locate(
    project: &Path,
    entry: &Entry,
    docs: &[Node<'static>],
    span: Span,
    sources: &mut Sources,
) -> Location {
    place(project, entry, docs, span, sources)
        .unwrap_or_else(|| Location::new(&entry.root.file, Span::line_start(1)))
}

/// Where the output's `span` is written in the repository: in a file its
/// document comes from, which can be read; `None` when there is none (a
/// remote base, a template of a dependency packed in a `.tgz`).
fn place(
    project: &Path,
    entry: &Entry,
    docs: &[Node<'static>],
    span: Span,
    sources: &mut Sources,
) -> Option<Location> {
    let rendered_line = entry
        .output
        .text
        .lines()
        .nth(span.start.line.saturating_sub(1) as usize)
        .unwrap_or("");
    // Where no document is known (one that does not parse, a DVM001 in it,
    // has no origin): the template Helm's `# Source:` comment above names,
    // at the line as rendered.
    let fallback = |sources: &mut Sources| {
        let (source, from) = helm_source_above(project, entry, span.start.line)?;
        let nth = repeats_above(&entry.output.text, from, span.start.line, same_text);
        let found = sources.get(project, &source).and_then(|text| {
            // Counted in the rendered document, looked for in the
            // template's document it comes from.
            let within = source_section(&text, &rendered_doc(&entry.output.text, span.start.line))?;
            in_text_nth(&text, within, rendered_line, span, nth)
                .or_else(|| {
                    let nth = repeats_above(&entry.output.text, from, span.start.line, same_key);
                    key_in_text(&text, within, rendered_line, nth)
                })
                .or_else(|| {
                    let helpers = chart_helpers(project, &entry.root.dir, &text, sources);
                    included_key(&text, within, rendered_line, &helpers)
                })
        });
        Some(Location::new(
            &Arc::from(source.as_str()),
            found.unwrap_or(Span::line_start(1)),
        ))
    };
    let origins = &entry.output.docs;
    let Some(index) = origins
        .iter()
        .rposition(|o| o.first_line <= span.start.line)
    else {
        return fallback(sources);
    };
    let (Some(origin), Some(doc)) = (origins.get(index), docs.get(index)) else {
        return fallback(sources);
    };
    // Past the end of that document: in one after it that did not parse.
    if doc.span.end.line < span.start.line {
        return fallback(sources);
    }
    let Some(source) = &origin.source else {
        return fallback(sources);
    };
    let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("");
    let name = doc
        .at(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("");
    let (path, at_key) = path_at(doc, span.start).unwrap_or((Vec::new(), false));
    let target = node_at(doc, &path);
    let candidates = origin.patches.iter().rev().chain(std::iter::once(source));
    let rendered = rendered_doc(&entry.output.text, span.start.line);
    for file in candidates {
        let strict = origin.patches.contains(file);
        let Some(text) = sources.get(project, file) else {
            continue;
        };
        let file: Arc<str> = Arc::from(file.as_str());
        if let Some(found) = in_tree(&text, kind, name, strict, &path, at_key, target) {
            return Some(Location::new(&file, found));
        }
        if !strict
            && !path.is_empty()
            && let Some(within) = source_section(&text, &rendered)
            && let Some(found) = in_text_nth(
                &text,
                within,
                rendered_line,
                span,
                repeats_above(
                    &entry.output.text,
                    doc.span.start.line,
                    span.start.line,
                    same_text,
                ),
            )
        {
            return Some(Location::new(&file, found));
        }
    }
    // A source that is no file of the repository (Helm's path of a template
    // of a dependency packed in a `.tgz`): as for a document without origin.
    let Some(text) = sources.get(project, source) else {
        return fallback(sources);
    };
    let file: Arc<str> = Arc::from(source.as_str());
    let kind_line = kind_line(&text, source_section(&text, &rendered), kind, name);
    // A template that does not parse as YAML (`name: {{ .Release.Name }}`):
    // the one line of the object's document that writes the key.
    if let Some(at) = kind_line
        && !path.is_empty()
        && let Some(found) = key_in_document(&text, at.start.line, rendered_line)
    {
        return Some(Location::new(&file, found));
    }
    Some(Location::new(
        &file,
        kind_line.unwrap_or(Span::line_start(1)),
    ))
}

/// The line of the document of `text` holding line `line` that writes the
/// key of `rendered_line`: the only one, or the only one at the rendered
/// line's indentation; none when that leaves several (a `name:` of the
/// metadata and of a container).
fn key_in_document(text: &str, line: u32, rendered_line: &str) -> Option<Span> {
    let key = rendered_key(rendered_line)?;
    let (first, last) = document_lines(text, line);
    let indent = |l: &str| l.len() - l.trim_start().len();
    let writing: Vec<(u32, &str)> = text
        .lines()
        .zip(1u32..)
        .filter(|(_, n)| (first..=last).contains(n))
        .filter(|(l, _)| {
            let written = l.trim_start();
            let written = written.strip_prefix("- ").unwrap_or(written).trim_start();
            written
                .strip_prefix(key)
                .is_some_and(|rest| rest.starts_with(": ") || rest == ":")
        })
        .map(|(l, n)| (n, l))
        .collect();
    let (number, written) = match writing.as_slice() {
        [only] => *only,
        several => {
            let same: Vec<&(u32, &str)> = several
                .iter()
                .filter(|(_, l)| indent(l) == indent(rendered_line))
                .collect();
            match same.as_slice() {
                [only] => **only,
                _ => return None,
            }
        }
    };
    let at = written.find(key)?;
    let col = written.get(..at)?.chars().count() as u32 + 1;
    Some(Span::new(
        Pos::new(number, col),
        Pos::new(number, col + key.chars().count() as u32),
    ))
}

/// The template of a Helm render's output that line `line` comes from: the
/// nearest `# Source: chart/templates/…` comment at or above it, as a path of
/// the project: in a dependency built in from elsewhere in the project, where
/// it really is (`dependencies::redirects`); `None` for a path that names no
/// file of the project (a dependency packed in a `.tgz`), which is then
/// reported at the chart.
fn helm_source_above(project: &Path, entry: &Entry, line: u32) -> Option<(String, u32)> {
    let (at, source) = source_comment_above(entry, line)?;
    let mut path = super::helm::source_path(&entry.root.dir, source)?;
    if !project.join(&path).is_file() {
        let redirects = super::dependencies::redirects(project, &entry.root.dir);
        path = super::dependencies::redirect(path, &redirects);
        if !project.join(&path).is_file() {
            return None;
        }
    }
    Some((path, u32::try_from(at + 1).ok()?))
}

/// The nearest `# Source: chart/templates/…` comment of a Helm render's
/// output at or above line `line`: its line's index and the path as Helm
/// writes it.
fn source_comment_above(entry: &Entry, line: u32) -> Option<(usize, &str)> {
    if !matches!(entry.root.kind, RootKind::Helm(_)) {
        return None;
    }
    let upto = line as usize;
    entry
        .output
        .text
        .lines()
        .take(upto)
        .enumerate()
        .filter_map(|(at, l)| Some((at, l.trim().strip_prefix("# Source: ")?.trim())))
        .last()
}

/// For a finding [`locate`] placed at the chart though a template wrote its
/// line: that template as Helm names it, which is no file of the repository
/// (one of a dependency packed in a `.tgz` under `charts/`), or `locate`
/// would have placed the finding there.
fn packed_template(entry: &Entry, line: u32) -> Option<&str> {
    source_comment_above(entry, line).map(|(_, source)| source)
}

/// The keys and indices from `doc` down to the node at `pos`; `true` when
/// `pos` is on a key.
fn path_at(doc: &Node<'_>, pos: Pos) -> Option<(Vec<Step>, bool)> {
    let mut path = Vec::new();
    let mut node = doc;
    loop {
        match &node.value {
            Value::Map(entries) => {
                let mut next = None;
                for (key, value) in entries {
                    if contains(key.span, pos) {
                        path.push(Step::Key(key.as_str()?.to_owned()));
                        return Some((path, true));
                    }
                    if contains(value.span, pos) {
                        path.push(Step::Key(key.as_str()?.to_owned()));
                        next = Some(value);
                        break;
                    }
                }
                node = next?;
            }
            Value::Seq(items) => {
                let (i, item) = items
                    .iter()
                    .enumerate()
                    .find(|(_, n)| contains(n.span, pos))?;
                path.push(Step::Index(i));
                node = item;
            }
            Value::Scalar(..) => return Some((path, false)),
        }
        if node.span.start == pos && !matches!(node.value, Value::Map(_) | Value::Seq(_)) {
            return Some((path, false));
        }
    }
}

fn contains(span: Span, pos: Pos) -> bool {
    span.start <= pos && (pos < span.end || span.start == span.end && pos == span.start)
}

fn node_at<'n, 'a>(doc: &'n Node<'a>, path: &[Step]) -> Option<&'n Node<'a>> {
    let mut node = doc;
    for step in path {
        node = match step {
            Step::Key(key) => node.get(key)?,
            Step::Index(i) => node.items().get(*i)?,
        };
    }
    Some(node)
}

/// The node at `path` in the document of `text` that defines `kind`/`name`,
/// if it holds the same scalar as the rendered one, one the template
/// computes, or a collection.
fn in_tree(
    text: &str,
    kind: &str,
    name: &str,
    strict: bool,
    path: &[Step],
    at_key: bool,
    rendered: Option<&Node<'_>>,
) -> Option<Span> {
    if path.is_empty() {
        return None;
    }
    let parsed = yaml::parse_chunk(text, 1, Limits::default());
    if parsed.error.is_some() {
        return None;
    }
    let doc = object_doc(&parsed.documents, kind, name, strict)?;
    if at_key {
        let (parent, last) = path.split_last().map(|(last, parent)| (parent, last))?;
        let Step::Key(key) = last else { return None };
        let (key_node, _) = node_at(doc, parent)?.entry(key)?;
        return Some(key_node.span);
    }
    let found = node_at(doc, path)?;
    match (&found.value, rendered.map(|r| &r.value)) {
        (Value::Scalar(a, _), Some(Value::Scalar(b, _))) if a == b => Some(found.span),
        // A value the template computes (`http://{{ .Values.host }}:80`):
        // where it is written, which is where it is fixed.
        (Value::Scalar(a, _), Some(Value::Scalar(..))) if a.contains("{{") => Some(found.span),
        (Value::Scalar(..), _) => None,
        _ => Some(Span::new(found.span.start, found.span.start)),
    }
}

/// The document of `kind`/`name`; unless `strict` (a patch file, which
/// names the object it patches exactly), the only one of that kind when no
/// name matches (a `namePrefix` renamed it).
fn object_doc<'n, 'a>(
    docs: &'n [Node<'a>],
    kind: &str,
    name: &str,
    strict: bool,
) -> Option<&'n Node<'a>> {
    let kind_of = |d: &Node<'_>| d.get("kind").and_then(Node::as_str).map(str::to_owned);
    let name_of = |d: &Node<'_>| {
        d.at(&["metadata", "name"])
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    docs.iter()
        .find(|d| kind_of(d).as_deref() == Some(kind) && name_of(d).as_deref() == Some(name))
        .or_else(|| {
            if strict {
                return None;
            }
            let same_kind: Vec<&Node<'a>> = docs
                .iter()
                .filter(|d| kind_of(d).as_deref() == Some(kind))
                .collect();
            match same_kind.as_slice() {
                [only] => Some(*only),
                _ => None,
            }
        })
}

/// How many lines of the output between line `from` and line `line`
/// (excluded) are `like` line `line`: a line a template writes twice (a key
/// written again, DVM001) is then found at its own copy, not the first.
fn repeats_above(output: &str, from: u32, line: u32, like: impl Fn(&str, &str) -> bool) -> usize {
    let lines: Vec<&str> = output.lines().collect();
    let Some(rendered) = lines.get((line as usize).saturating_sub(1)) else {
        return 0;
    };
    let start = (from as usize).saturating_sub(1);
    let end = (line as usize).saturating_sub(1);
    lines
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .filter(|l| like(l, rendered))
        .count()
}

/// Lines that read the same (for [`in_text_nth`]).
fn same_text(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
}

/// Lines that write the same key at the same indentation (for
/// [`key_in_text`]).
fn same_key(a: &str, b: &str) -> bool {
    let indent = |l: &str| l.len() - l.trim_start().len();
    indent(a) == indent(b) && rendered_key(a).is_some_and(|key| rendered_key(b) == Some(key))
}

/// The rendered line as written in `text` (a template): the first line
/// with the same text, the span shifted to it.
fn in_text(text: &str, within: Lines, rendered_line: &str, span: Span) -> Option<Span> {
    in_text_nth(text, within, rendered_line, span, 0)
}

/// [`in_text`] at the `nth` line with the same text (counted from 0) of the
/// lines `within`, else the first there.
fn in_text_nth(
    text: &str,
    within: Lines,
    rendered_line: &str,
    span: Span,
    nth: usize,
) -> Option<Span> {
    let wanted = rendered_line.trim();
    if wanted.is_empty() || wanted == "-" {
        return None;
    }
    let indent = rendered_line
        .chars()
        .take_while(|c| c.is_whitespace())
        .count() as u32;
    let same = || lines_within(text, within).filter(|(_, l)| l.trim() == wanted);
    let (line_no, line) = same().nth(nth).or_else(|| same().next())?;
    let found_indent = line.chars().take_while(|c| c.is_whitespace()).count() as u32;
    let shift = |col: u32| {
        col.saturating_sub(indent)
            .saturating_add(found_indent)
            .max(1)
    };
    let end = if span.end.line == span.start.line {
        Pos::new(line_no, shift(span.end.col))
    } else {
        Pos::new(line_no, found_indent + 1 + wanted.chars().count() as u32)
    };
    Some(Span::new(Pos::new(line_no, shift(span.start.col)), end))
}

/// Where the template writes the key of `rendered_line` (`key: value`, or
/// `- key: value`), when the line as rendered is not in it: its value came
/// from a template expression, or the whole line from an included value
/// (`toYaml .Values.annotations`, which repeats a key the template writes).
/// The `nth` line (from 0) that writes that key literally, else the first;
/// none when no line does.
fn key_in_text(text: &str, within: Lines, rendered_line: &str, nth: usize) -> Option<Span> {
    let key = rendered_key(rendered_line)?;
    let writing = || {
        lines_within(text, within).filter(|(_, l)| {
            let written = l.trim_start();
            let written = written.strip_prefix("- ").unwrap_or(written).trim_start();
            written
                .strip_prefix(key)
                .is_some_and(|rest| rest.starts_with(": ") || rest == ":")
        })
    };
    let (line_no, line) = writing().nth(nth).or_else(|| writing().next())?;
    let col = line
        .find(key)
        .map(|at| line[..at].chars().count() as u32 + 1)?;
    Some(Span::new(
        Pos::new(line_no, col),
        Pos::new(line_no, col + key.chars().count() as u32),
    ))
}

/// The key a rendered line writes (`key: value`, `- key: value`, `key:`).
fn rendered_key(rendered_line: &str) -> Option<&str> {
    let item = rendered_line.trim_start();
    let item = item.strip_prefix("- ").unwrap_or(item).trim_start();
    let key = item
        .split_once(": ")
        .map_or_else(|| item.strip_suffix(':'), |(key, _)| Some(key))?;
    (!key.is_empty() && !key.contains("{{") && !key.starts_with('#')).then_some(key)
}

/// The named templates (`{{ define "name" }}` … `{{ end }}`) of a chart's
/// `templates/` `.tpl` files and of `text`, by name, each body as written.
/// Files are read through `sources` (the project boundary); at most 64.
fn chart_helpers(
    project: &Path,
    chart_dir: &str,
    text: &str,
    sources: &mut Sources,
) -> HashMap<String, String> {
    let mut helpers = HashMap::new();
    defines(text, &mut helpers);
    let files = super::helm::template_files(project, chart_dir, 256);
    for rel in files.into_iter().filter(|f| f.ends_with(".tpl")).take(64) {
        if let Some(body) = sources.get(project, &rel) {
            defines(&body, &mut helpers);
        }
    }
    helpers
}

/// The `define` blocks of `text` into `helpers` (blocks opened by `if`,
/// `with`, `range`, `define` and `block` are closed by `end`).
fn defines(text: &str, helpers: &mut HashMap<String, String>) {
    let mut open: Option<(String, String, usize)> = None;
    for line in text.lines() {
        let mut depth_change: isize = 0;
        let mut started: Option<String> = None;
        for action in line.split("{{").skip(1) {
            let action = action.trim_start_matches('-').trim_start();
            let word = action.split_whitespace().next().unwrap_or("");
            let word = word.trim_end_matches("}}").trim_end_matches('-');
            match word {
                "define" => {
                    if open.is_none() && started.is_none() {
                        started = action.split('"').nth(1).map(str::to_owned);
                    }
                    depth_change += 1;
                }
                "if" | "with" | "range" | "block" => depth_change += 1,
                "end" => depth_change -= 1,
                _ => {}
            }
        }
        if let Some(name) = started {
            open = Some((name, String::new(), 0));
        }
        if let Some((name, body, depth)) = open.as_mut() {
            body.push_str(line);
            body.push('\n');
            let now = (*depth as isize + depth_change).max(0) as usize;
            *depth = now;
            if now == 0 {
                helpers.insert(std::mem::take(name), std::mem::take(body));
                open = None;
            }
        }
    }
}

/// Where a template includes a helper that writes the key of
/// `rendered_line`, when no line of the template writes it: both copies of a
/// duplicated key came from helpers (`{{- include "app.labels" . | nindent 4
/// }}` beside `{{- include "app.componentLabels" . | nindent 4 }}`). Of the
/// `include` or `template` calls at the key's indentation whose helper (or
/// one it includes, three deep) writes `key:`, the second, where the key is
/// written again; else the only one.
fn included_key(
    text: &str,
    within: Lines,
    rendered_line: &str,
    helpers: &HashMap<String, String>,
) -> Option<Span> {
    let key = rendered_key(rendered_line)?;
    let indent = rendered_line.len() - rendered_line.trim_start().len();
    fn writes(name: &str, key: &str, helpers: &HashMap<String, String>, depth: usize) -> bool {
        let Some(body) = helpers.get(name) else {
            return false;
        };
        body.lines().any(|line| {
            let item = line.trim_start();
            let item = item.strip_prefix("- ").unwrap_or(item);
            item.strip_prefix(key)
                .is_some_and(|rest| rest.starts_with(':'))
                || (depth < 3
                    && called(line)
                        .iter()
                        .any(|(inner, _)| writes(inner, key, helpers, depth + 1)))
        })
    }
    let mut found: Vec<Span> = Vec::new();
    for (line_no, line) in lines_within(text, within) {
        for (name, column) in called(line) {
            let at_indent = line
                .split_once("indent ")
                .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<usize>().ok())
                .map_or(line.len() - line.trim_start().len() == indent, |n| {
                    n == indent
                });
            if at_indent && writes(&name, key, helpers, 0) {
                let col = u32::try_from(column + 1).ok()?;
                found.push(Span::new(Pos::new(line_no, col), Pos::new(line_no, col)));
            }
        }
    }
    found.get(1).or_else(|| found.first()).copied()
}

/// The helpers a line calls (`include "name"`, `template "name"`), each with
/// the byte column of its call.
fn called(line: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for word in ["include \"", "template \""] {
        let mut from = 0;
        while let Some(at) = line.get(from..).and_then(|rest| rest.find(word)) {
            let start = from + at;
            let name_start = start + word.len();
            if let Some(len) = line.get(name_start..).and_then(|rest| rest.find('"'))
                && let Some(name) = line.get(name_start..name_start + len)
            {
                out.push((name.to_owned(), start));
            }
            from = name_start;
        }
    }
    out
}

/// The `kind:` line of the object in its source: from the parse when the
/// file is YAML, else the first line that reads `kind: KIND` in the lines
/// `within` (the object's document, [`source_section`]); none when that
/// document is not known.
fn kind_line(text: &str, within: Option<Lines>, kind: &str, name: &str) -> Option<Span> {
    let parsed = yaml::parse_chunk(text, 1, Limits::default());
    if parsed.error.is_none()
        && let Some(doc) = object_doc(&parsed.documents, kind, name, false)
        && let Some((key, _)) = doc.entry("kind")
    {
        return Some(key.span);
    }
    let wanted = format!("kind: {kind}");
    let (line_no, line) = lines_within(text, within?).find(|(_, l)| l.trim() == wanted)?;
    let col = line.chars().take_while(|c| c.is_whitespace()).count() as u32 + 1;
    Some(Span::new(
        Pos::new(line_no, col),
        Pos::new(line_no, col + 4),
    ))
}

/// Lines `first..=last` of a file (from 1).
type Lines = (u32, u32);

/// The documents of `text` (a template, a resource file): the lines between
/// its `---` lines (where Helm splits a template's output into documents),
/// leaving out those holding only blanks and comments.
fn sections(text: &str) -> Vec<Lines> {
    let mut out = Vec::new();
    let mut start = 1u32;
    let mut holds = false;
    let mut last = 0u32;
    for (index, line) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        last = number;
        if line.starts_with("---") {
            if holds {
                out.push((start, number - 1));
            }
            start = number.saturating_add(1);
            holds = false;
        } else if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            holds = true;
        }
    }
    if holds {
        out.push((start, last));
    }
    out
}

/// The lines of `text` within `lines`, with their numbers.
fn lines_within(text: &str, (first, last): Lines) -> impl Iterator<Item = (u32, &str)> {
    text.lines()
        .zip(1u32..)
        .skip(first.saturating_sub(1) as usize)
        .take_while(move |(_, n)| *n <= last)
        .map(|(l, n)| (n, l))
}

/// The top-level `kind:` a document writes (`kind: NetworkPolicy` at the
/// start of a line), when written literally.
fn literal_kind<'t>(mut lines: impl Iterator<Item = &'t str>) -> Option<&'t str> {
    lines.find_map(|l| {
        let kind = l.strip_prefix("kind:")?.trim();
        let kind = kind.split(" #").next().unwrap_or(kind).trim();
        (!kind.is_empty() && !kind.contains("{{")).then_some(kind)
    })
}

/// Whether a template loops (`{{ range … }}`), so one of its documents may
/// render several times.
fn loops(text: &str) -> bool {
    text.split("{{").skip(1).any(|action| {
        let action = action.trim_start_matches('-').trim_start();
        action
            .strip_prefix("range")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_whitespace() || c == '$'))
    })
}

/// A rendered document: its lines, its top-level kind, and for a Helm
/// output, which of the documents its template rendered with that kind it
/// is (`(j, n)`: the `j`-th from 0 of `n`, in the output's order, which
/// keeps a template's order among objects of one kind).
struct RenderedDoc<'o> {
    lines: Vec<&'o str>,
    kind: Option<&'o str>,
    ordinal: Option<(usize, usize)>,
}

/// The document of `output` holding line `line` (documents cut at `---`
/// lines).
fn rendered_doc(output: &str, line: u32) -> RenderedDoc<'_> {
    let all: Vec<&str> = output.lines().collect();
    // Each document: (first, last) line numbers.
    let mut docs: Vec<Lines> = Vec::new();
    let mut start = 1u32;
    for (index, l) in all.iter().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if l.starts_with("---") && number > start {
            docs.push((start, number - 1));
            start = number;
        }
    }
    let total = u32::try_from(all.len()).unwrap_or(u32::MAX);
    docs.push((start, total.max(start)));
    let body = |(first, last): Lines| -> &[&str] {
        all.get(first.saturating_sub(1) as usize..(last as usize).min(all.len()))
            .unwrap_or_default()
    };
    let source = |lines: &[&str]| -> Option<String> {
        lines
            .iter()
            .find_map(|l| l.trim().strip_prefix("# Source: "))
            .map(|s| s.trim().to_owned())
    };
    let which = docs
        .iter()
        .position(|(first, last)| (*first..=*last).contains(&line))
        .unwrap_or(docs.len() - 1);
    let here = docs.get(which).map_or(&[][..], |d| body(*d));
    let kind = literal_kind(here.iter().copied());
    let ordinal = source(here).map(|from| {
        let same: Vec<usize> = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                let lines = body(**d);
                source(lines).as_deref() == Some(from.as_str())
                    && literal_kind(lines.iter().copied()) == kind
            })
            .map(|(i, _)| i)
            .collect();
        let j = same.iter().position(|i| *i == which).unwrap_or(0);
        (j, same.len())
    });
    RenderedDoc {
        lines: here
            .iter()
            .copied()
            .filter(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with("---") && !t.starts_with("# Source: ")
            })
            .collect(),
        kind,
        ordinal,
    }
}

/// The document of `text` (the template or resource file that produced
/// `rendered`) that the rendered document comes from, so that a line is
/// looked for in it and not at the first equal text of the file (a template
/// of two NetworkPolicies writes `podSelector: {}` in both). A file of one
/// document: all of it. Else, of the documents whose literal top-level
/// `kind:` (if any) is the rendered one's, the one most like it: the most
/// rendered lines it writes as rendered, less its own literal lines the
/// rendered document lacks; a tie is settled by order (the `j`-th of `n`
/// rendered documents of that kind from the template is its `j`-th document
/// of that kind, when it has `n` and no `range` repeats one). `None` when
/// nothing settles it: the caller then says nothing more precise than the
/// file.
fn source_section(text: &str, rendered: &RenderedDoc<'_>) -> Option<Lines> {
    let all = sections(text);
    if all.len() <= 1 {
        let last = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
        return Some((1, last.max(1)));
    }
    let kind_of = |section: Lines| literal_kind(lines_within(text, section).map(|(_, l)| l));
    let candidates: Vec<Lines> = all
        .iter()
        .copied()
        .filter(|s| match (kind_of(*s), rendered.kind) {
            (Some(written), Some(kind)) => written == kind,
            _ => true,
        })
        .collect();
    let wanted: std::collections::HashSet<&str> = rendered.lines.iter().map(|l| l.trim()).collect();
    let score = |section: Lines| -> i64 {
        let written: std::collections::HashSet<&str> = lines_within(text, section)
            .map(|(_, l)| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        let matched = rendered
            .lines
            .iter()
            .filter(|l| written.contains(l.trim()))
            .count();
        let lacking = written
            .iter()
            .filter(|l| !l.contains("{{") && !l.contains("}}") && !wanted.contains(*l))
            .count();
        i64::try_from(matched).unwrap_or(i64::MAX) - i64::try_from(lacking).unwrap_or(i64::MAX)
    };
    let scored: Vec<(Lines, i64)> = candidates.iter().map(|s| (*s, score(*s))).collect();
    let best = scored.iter().map(|(_, s)| *s).max()?;
    let tied: Vec<Lines> = scored
        .iter()
        .filter(|(_, s)| *s == best)
        .map(|(l, _)| *l)
        .collect();
    if let [only] = tied.as_slice()
        && (best > 0 || candidates.len() == 1)
    {
        return Some(*only);
    }
    let (j, n) = rendered.ordinal?;
    let kind = rendered.kind?;
    if loops(text) {
        return None;
    }
    let of_kind: Vec<Lines> = all
        .iter()
        .copied()
        .filter(|s| kind_of(*s) == Some(kind))
        .collect();
    let by_order = *of_kind.get(j).filter(|_| of_kind.len() == n)?;
    tied.contains(&by_order).then_some(by_order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_a_related_location_where_it_now_stands() {
        let at = |file: &str, line: u32| Location::new(&Arc::from(file), Span::line_start(line));
        let mut message =
            "the earlier definition at k.yaml#rendered:6 is replaced (not k.yaml#rendered:66)"
                .to_owned();
        renamed(
            &mut message,
            &at("k.yaml#rendered", 6),
            &at("base/a.yaml", 4),
        );
        assert_eq!(
            message,
            "the earlier definition at base/a.yaml:4 is replaced (not k.yaml#rendered:66)"
        );
    }

    /// Named templates close at their own `end`, past the blocks inside
    /// them; the second include whose helper writes the key is the place.
    #[test]
    fn helpers_are_read_whole_and_the_second_writer_is_found() {
        let tpl = "{{- define \"a.labels\" -}}\nname: a\n{{- with .Values.extra }}\n{{ toYaml . }}\n{{- end }}\n{{ include \"a.component\" . }}\n{{- end }}\n{{- define \"a.component\" -}}\ncomponent: web\n{{- end }}\n{{- define \"a.other\" -}}\ncomponent: api\n{{- end }}\n";
        let mut helpers = HashMap::new();
        defines(tpl, &mut helpers);
        assert_eq!(helpers.len(), 3, "{helpers:#?}");
        assert!(helpers["a.labels"].contains("a.component"));
        let template = "metadata:\n  labels:\n    {{- include \"a.labels\" . | nindent 4 }}\n    {{- include \"a.other\" . | nindent 4 }}\n  annotations:\n    {{- include \"a.other\" . | nindent 8 }}\n";
        let at = included_key(template, (1, 6), "    component: api", &helpers).unwrap();
        assert_eq!((at.start.line, at.start.col), (4, 9));
        assert_eq!(
            included_key(template, (1, 6), "    missing: x", &helpers),
            None
        );
    }
    use crate::render::{DocOrigin, Release};

    /// The output `text` of the release `shop` of the chart `charts/shop`.
    fn shop_chart_entry(text: &str) -> Entry {
        let mut e = entry(
            text,
            crate::render::helm::origins(text, "charts/shop"),
            RootKind::Helm(Release {
                name: "shop".into(),
                namespace: None,
                values: vec![],
                set: vec![],
            }),
        );
        e.root.dir = "charts/shop".into();
        e.root.file = Arc::from("charts/shop/Chart.yaml");
        e
    }

    fn entry(text: &str, docs: Vec<DocOrigin>, kind: RootKind) -> Entry {
        Entry {
            root: Root {
                file: Arc::from("overlays/a/kustomization.yaml"),
                dir: "overlays/a".into(),
                kind,
                cluster: None,
                unit: 0,
                dependency_of: None,
            },
            tool: "kubectl kustomize".into(),
            output: Output {
                text: text.into(),
                docs,
            },
            values: vec!["charts/shop/values-b.yaml".into()],
        }
    }

    fn map(project: &Path, entry: &Entry, line: u32, col: u32) -> Location {
        let docs: Vec<Node<'static>> = yaml::parse_chunk(&entry.output.text, 1, Limits::default())
            .documents
            .into_iter()
            .map(|n| n.to_owned_node())
            .collect();
        let span = Span::new(Pos::new(line, col), Pos::new(line, col + 3));
        locate(project, entry, &docs, span, &mut Sources::default())
    }

    const RENDERED: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-rsync\n  namespace: app1\nspec:\n  podSelector:\n    matchLabels:\n      app: other\n  policyTypes:\n  - Ingress\n";

    #[test]
    fn a_patched_field_goes_to_the_patch_and_others_to_the_resource() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("base")).unwrap();
        std::fs::create_dir_all(project.join("overlays/a")).unwrap();
        std::fs::write(
            project.join("base/np.yaml"),
            "# the base\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-rsync\nspec:\n  podSelector:\n    matchLabels:\n      app: rsync\n  policyTypes: [Ingress]\n",
        )
        .unwrap();
        std::fs::write(
            project.join("overlays/a/patch.yaml"),
            "kind: NetworkPolicy\nmetadata:\n  name: allow-rsync\nspec:\n  podSelector:\n    matchLabels:\n      app: other\n",
        )
        .unwrap();
        let e = entry(
            RENDERED,
            vec![DocOrigin {
                first_line: 1,
                source: Some("base/np.yaml".into()),
                patches: vec!["overlays/a/patch.yaml".into()],
            }],
            RootKind::Kustomize,
        );
        // `app: other` (line 9, the value) is written in the patch.
        let at = map(project, &e, 9, 12);
        assert_eq!(
            (&*at.file, at.span.start),
            ("overlays/a/patch.yaml", Pos::new(7, 12))
        );
        // `policyTypes` (a key) is written in the base.
        let at = map(project, &e, 10, 3);
        assert_eq!(
            (&*at.file, at.span.start),
            ("base/np.yaml", Pos::new(10, 3))
        );
        // `namespace: app1` is written nowhere: the base's kind line.
        let at = map(project, &e, 5, 14);
        assert_eq!((&*at.file, at.span.start), ("base/np.yaml", Pos::new(3, 1)));
    }

    #[test]
    fn a_template_line_is_found_as_written_else_where_it_writes_the_key_else_its_kind_line() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("charts/shop/templates")).unwrap();
        std::fs::write(
            project.join("charts/shop/templates/np.yaml"),
            "{{- if .Values.deny }}\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {{ .Release.Name }}-deny\nspec:\n    podSelector: {}\n    policyTypes: [Ingress]\n{{- end }}\n",
        )
        .unwrap();
        let shop_entry = shop_chart_entry;
        let text = "---\n# Source: shop/templates/np.yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: shop-deny\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n";
        let e = shop_entry(text);
        let at = map(project, &e, 8, 3);
        assert_eq!(
            (&*at.file, at.span.start),
            ("charts/shop/templates/np.yaml", Pos::new(7, 5))
        );
        // `name: shop-deny`, computed in a template that does not parse as
        // YAML: the one line of its document that writes `name:`.
        let at = map(project, &e, 6, 9);
        assert_eq!(
            (&*at.file, at.span.start),
            ("charts/shop/templates/np.yaml", Pos::new(5, 3))
        );
        // A key written twice at the rendered indentation: the kind line.
        std::fs::write(
            project.join("charts/shop/templates/np.yaml"),
            "{{- if .Values.deny }}\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {{ .Release.Name }}-deny\n  {{- if .Values.x }}\n  name: {{ .Values.x }}\n  {{- end }}\nspec:\n    podSelector: {}\n{{- end }}\n",
        )
        .unwrap();
        let e = shop_entry(text);
        let at = map(project, &e, 6, 9);
        assert_eq!(
            (&*at.file, at.span.start),
            ("charts/shop/templates/np.yaml", Pos::new(3, 1))
        );
    }

    const TWO_POLICIES: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {{ .Release.Name }}-allow-monitoring\nspec:\n  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {{ .Release.Name }}-allow-router\nspec:\n  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              policy-group.network.openshift.io/ingress: \"\"\n";

    fn rendered_policies(second_label: &str) -> String {
        format!(
            "---\n# Source: shop/templates/np.yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: shop-allow-monitoring\nspec:\n  podSelector: {{}}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n---\n# Source: shop/templates/np.yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: shop-allow-router\nspec:\n  podSelector: {{}}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              {second_label}\n"
        )
    }

    /// A rendered document is looked for in the document of its template
    /// that it comes from: the one most like it, of its kind; by order when
    /// their text cannot tell them apart, unless a `range` may repeat one;
    /// not at all when nothing tells.
    #[test]
    fn a_rendered_document_comes_from_the_template_document_most_like_it() {
        assert_eq!(sections(TWO_POLICIES), vec![(1, 11), (13, 23)]);
        assert_eq!(sections("# a comment\n---\nkind: A\n---\n"), vec![(3, 3)]);
        let output = rendered_policies("policy-group.network.openshift.io/ingress: \"\"");
        let second = rendered_doc(&output, 22);
        assert_eq!(
            (second.kind, second.ordinal),
            (Some("NetworkPolicy"), Some((1, 2)))
        );
        assert_eq!(source_section(TWO_POLICIES, &second), Some((13, 23)));
        assert_eq!(
            source_section(TWO_POLICIES, &rendered_doc(&output, 5)),
            Some((1, 11))
        );
        // One document: all of the file, as before.
        assert_eq!(
            source_section("kind: A\nmetadata: {}\n", &rendered_doc(&output, 5)),
            Some((1, 2))
        );
        // Text that cannot tell them apart: by order, unless a `range` may
        // render one document several times; then not known.
        let same = "kind: NetworkPolicy\nmetadata:\n  name: {{ .Values.a }}\n---\nkind: NetworkPolicy\nmetadata:\n  name: {{ .Values.b }}\n";
        let output = "---\n# Source: c/templates/np.yaml\nkind: NetworkPolicy\nmetadata:\n  name: a\n---\n# Source: c/templates/np.yaml\nkind: NetworkPolicy\nmetadata:\n  name: b\n";
        assert_eq!(
            source_section(same, &rendered_doc(output, 10)),
            Some((5, 7))
        );
        assert_eq!(source_section(same, &rendered_doc(output, 4)), Some((1, 3)));
        let looping = format!("{{{{- range .Values.extra }}}}\n{same}{{{{- end }}}}\n");
        assert_eq!(source_section(&looping, &rendered_doc(output, 10)), None);
        // Three rendered, two written: one is missing or repeated, no order.
        let three = format!(
            "{output}---\n# Source: c/templates/np.yaml\nkind: NetworkPolicy\nmetadata:\n  name: c\n"
        );
        assert_eq!(source_section(same, &rendered_doc(&three, 10)), None);
        // A `range` over documents: each rendered one comes from its body.
        let ranged = "kind: ConfigMap\nmetadata:\n  name: settings\n{{- range .Values.teams }}\n---\nkind: NetworkPolicy\nmetadata:\n  name: {{ . }}\nspec:\n  podSelector: {}\n{{- end }}\n";
        let output = "---\n# Source: c/templates/np.yaml\nkind: ConfigMap\nmetadata:\n  name: settings\n---\n# Source: c/templates/np.yaml\nkind: NetworkPolicy\nmetadata:\n  name: a\nspec:\n  podSelector: {}\n---\n# Source: c/templates/np.yaml\nkind: NetworkPolicy\nmetadata:\n  name: b\nspec:\n  podSelector: {}\n";
        assert_eq!(
            source_section(ranged, &rendered_doc(output, 19)),
            Some((6, 11))
        );
        // A document the template does not write (a helper's): the one
        // document it can be, of no other kind.
        let helper =
            "{{ include \"c.policy\" . }}\n---\nkind: ConfigMap\nmetadata:\n  name: settings\n";
        assert_eq!(
            source_section(helper, &rendered_doc(output, 10)),
            Some((1, 1))
        );
    }

    /// Findings on a later document of a template go to its own lines, the
    /// document parsed or not (a key written twice).
    #[test]
    fn a_finding_in_the_second_document_of_a_template_stays_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("charts/shop/templates")).unwrap();
        std::fs::write(project.join("charts/shop/templates/np.yaml"), TWO_POLICIES).unwrap();
        let helm = shop_chart_entry;
        let e = helm(&rendered_policies(
            "policy-group.network.openshift.io/ingress: \"\"",
        ));
        let line = |e: &Entry, l: u32, col: u32| {
            let at = map(project, e, l, col);
            assert_eq!(&*at.file, "charts/shop/templates/np.yaml");
            at.span.start.line
        };
        // `podSelector: {}` and `- namespaceSelector:` of the second policy.
        assert_eq!(line(&e, 21, 3), 18);
        assert_eq!(line(&e, 24, 11), 21);
        assert_eq!(line(&e, 8, 3), 6);
        // Its name, computed: the line writing `name:` in its document.
        assert_eq!(line(&e, 19, 3), 16);
        // The second document does not parse (a key written twice): Helm's
        // `# Source:` names the template, the line is in its document.
        let e = helm(&rendered_policies(
            "policy-group.network.openshift.io/ingress: \"\"\n            matchLabels: {}",
        ));
        assert_eq!(line(&e, 21, 3), 18);
    }

    /// A finding at line 1 of an output relating an object of it (a CNI
    /// policy's DVM002) goes to line 1 of the object's source, its `(line N)`
    /// naming the object's `kind` line there; an object of a packed
    /// dependency's template stays at the chart, naming the template.
    #[test]
    fn a_finding_said_of_its_file_goes_to_the_file_of_its_object() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("charts/shop/templates")).unwrap();
        std::fs::write(
            project.join("charts/shop/templates/np.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: {{ .Release.Name }}\n",
        )
        .unwrap();
        let output = "---\n# Source: shop/templates/np.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n# Source: shop/charts/lib/templates/np.yaml\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: lib\n---\n# Source: shop/templates/np.yaml\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: shop\n";
        let e = shop_chart_entry(output);
        let name: Arc<str> = Arc::from("charts/shop/Chart.yaml#shop");
        let mut index = RenderIndex::default();
        index.insert(Arc::clone(&name), e.root, e.tool, e.output, e.values);
        let said = |kind_line: u32| {
            Finding::new(
                "DVM002",
                Location::new(&name, Span::line_start(1)),
                format!("the policy (line {kind_line}) is not evaluated"),
            )
            .related(
                Location::new(&name, Span::line_start(kind_line)),
                "the policy",
            )
        };
        let mut findings = vec![said(16), said(10)];
        index.remap(project, &mut findings);
        let placed = |f: &Finding| (f.location.to_owned(), f.message.clone());
        let at = |file: &str| Location::new(&Arc::from(file), Span::line_start(1));
        assert_eq!(
            placed(&findings[0]),
            (
                at("charts/shop/templates/np.yaml"),
                "the policy (line 7) is not evaluated".to_owned()
            )
        );
        assert_eq!(findings[0].related[0].location.span.start.line, 7);
        assert_eq!(
            placed(&findings[1]),
            (
                at("charts/shop/Chart.yaml"),
                format!(
                    "the policy ({}) is not evaluated",
                    in_packed("shop/charts/lib/templates/np.yaml")
                )
            )
        );
        assert_eq!(
            findings[1].related[0].location,
            at("charts/shop/Chart.yaml")
        );
    }

    #[test]
    fn documents_are_cut_at_their_markers() {
        let text = "a: 1\n---\nb: 2\nc: 3\n---\nd: 4\n";
        assert_eq!(document_lines(text, 1), (1, 1));
        assert_eq!(document_lines(text, 3), (2, 4));
        assert_eq!(document_lines(text, 6), (5, 6));
    }

    #[test]
    fn findings_are_marked_and_helm_ones_name_their_values() {
        let e = entry(
            "",
            vec![],
            RootKind::Helm(Release {
                name: "shop-b".into(),
                namespace: None,
                values: vec!["charts/shop/values-b.yaml".into()],
                set: vec![],
            }),
        );
        let mut finding = Finding::new(
            "DVM101",
            Location::new(&Arc::from("x#rendered"), Span::line_start(1)),
            "m",
        );
        mark(&mut finding, &e);
        let rendered = finding.rendered.unwrap();
        assert_eq!(rendered.release.as_deref(), Some("shop-b"));
        assert_eq!(
            &*finding.related[0].location.file,
            "charts/shop/values-b.yaml"
        );
        assert!(finding.related[0].message.contains("values-b.yaml"));
    }
}
