//! DVM402 template-placeholder: documentation placeholders left in a manifest.
//!
//! The MTC documentation writes `<namespace>`, `<cidr_of_source_or_target_cluster>`,
//! `http://username:password@ip:port` and `[NodePort|ClusterIP|Route]`; copied
//! verbatim they are applied as literal values and fail late or silently.
//! `rsync_endpoint_type` alternatives belong to DVM301, which says more.
//!
//! Only fields whose value a program reads as a URL, a host or address, an
//! enumerated setting, or the name of an object are looked at ([`field`]);
//! never free text (descriptions, scripts, annotations), a Secret's values,
//! a Kustomize patch's or patch target's name, and never a placeholder inside
//! a longer text: the whole value must be the placeholder. Object names and
//! namespaces are read in the project stage ([`check_names`]), where the files
//! Kustomize uses as patches are no longer objects.
//!
//! The documentation also elides with a bare `...` line, which YAML reads as
//! the end of the document: the object above it is applied without what
//! follows. A MigrationController, NetworkPolicy or egress firewall left
//! without its `spec` that way is reported at the `...` line
//! ([`cut_by_document_end`]).
//!
//! A placeholder that a script of the repository replaces with `sed`
//! (`s/<CLUSTER_NAME>/…/`) is not the documentation's: the file is a template
//! of the repository's tooling, and its placeholders are reported once, as
//! a DVM002 info naming the script ([`filled_by_scripts`]).

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;

use crate::finding::{Finding, Location};
use crate::manifest::migration_controller::MigrationController;
use crate::model::Project;
use crate::rules::DocContext;
use crate::yaml::{Node, ScalarStyle, Span, Value};

const HELP: &str = "replace the placeholder with the real value for this cluster; dvmlint cannot check a value that is not there";

/// What a field holds, as far as the placeholder forms go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    /// A URL (`httpProxy`, `stunnel_tcp_proxy`, MigCluster `url`), a host,
    /// an address, a CIDR, an image reference, a port or an enumerated
    /// setting (`type`, `protocol`, MigrationController settings, ConfigMap
    /// values): every form.
    Value,
    /// The name or namespace of an object: `<word>` and `[a|b]`.
    Name,
    /// `source:destination` (MigPlan `namespaces`, a PVC mapping): either side.
    Mapping,
}

/// What kind of document the fields belong to: it decides a few fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Doc {
    Other,
    /// Its `data`/`stringData` values are secrets, never placeholder candidates.
    Secret,
    ConfigMap,
    MigrationController,
    MigPlan,
    /// `kustomization.yaml`: only its `namespace:`; patch targets name what
    /// Kustomize matches, not what is applied.
    Kustomization,
}

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    // Only documents holding a candidate are walked (`rules::scan_document`),
    // and none of a test's inputs.
    if (ctx.scan.bracketed.is_empty() && ctx.scan.urls.is_empty())
        || crate::units::is_test_input(ctx.file)
    {
        return;
    }
    let doc = match ctx.meta {
        Some(meta) if meta.is("apiextensions.k8s.io", "CustomResourceDefinition") => return,
        Some(meta) if meta.is("", "Secret") => Doc::Secret,
        Some(meta) if meta.is("", "ConfigMap") => Doc::ConfigMap,
        Some(meta) if meta.is("migration.openshift.io", "MigrationController") => {
            Doc::MigrationController
        }
        Some(meta) if meta.is("migration.openshift.io", "MigPlan") => Doc::MigPlan,
        _ if is_kustomization(ctx) => Doc::Kustomization,
        _ => Doc::Other,
    };
    // Every spelling the operator reads as `rsync_endpoint_type` (`rsyncEndpointType` too).
    let owned_by_dvm301: Vec<Span> = if doc == Doc::MigrationController {
        MigrationController::from_node(ctx.node)
            .settings
            .iter()
            .filter(|s| s.snake == "rsync_endpoint_type")
            .map(|s| s.value.span)
            .collect()
    } else {
        Vec::new()
    };
    let mut path = Vec::with_capacity(16);
    visit(ctx.node, doc, &mut path, &mut |span, message| {
        if !owned_by_dvm301.contains(&span) {
            out.push(ctx.finding("DVM402", span, message).help(HELP));
        }
    });
}

fn is_kustomization(ctx: &DocContext<'_, '_>) -> bool {
    let file_name = ctx.file.rsplit('/').next().unwrap_or_default();
    crate::manifest::kustomization::is_kustomization_file(file_name)
        || ctx
            .node
            .get("apiVersion")
            .and_then(Node::as_str)
            .is_some_and(|v| v.starts_with("kustomize.config.k8s.io/"))
}

/// Walks `node` (at `path`, keys and `*` for list items), reporting each
/// placeholder in a field that [`field`] says holds a value.
fn visit<'n>(
    node: &'n Node<'_>,
    doc: Doc,
    path: &mut Vec<&'n str>,
    report: &mut impl FnMut(Span, String),
) {
    match &node.value {
        Value::Scalar(..) => {
            if crate::rules::is_scanned(node)
                && let Some(kind) = field(doc, path)
                && let Some(message) = placeholder(node, kind)
            {
                report(node.span, message);
            }
        }
        Value::Seq(items) => {
            // `[a|b]` written as a flow list is one candidate, not an item.
            if let Some(kind) = field(doc, path)
                && let Some(message) = placeholder(node, kind)
            {
                report(node.span, message);
                return;
            }
            for item in items {
                path.push("*");
                visit(item, doc, path, report);
                path.pop();
            }
        }
        Value::Map(entries) => {
            if !is_secret_data(doc, path)
                && !path.contains(&"metadata")
                && let Some((span, message)) = proxy_variable(node)
            {
                report(span, message);
            }
            for (key, value) in entries {
                let Some(key) = key.as_str() else { continue };
                if FREE_TEXT.contains(&key) {
                    continue;
                }
                path.push(key);
                visit(value, doc, path, report);
                path.pop();
            }
        }
    }
}

/// Keys whose values are prose, code or free-form metadata, at any depth.
const FREE_TEXT: &[&str] = &[
    "description",
    "summary",
    "message",
    "help",
    "text",
    "comment",
    "note",
    "notes",
    "script",
    "command",
    "args",
    "annotations",
    "labels",
];

/// An environment variable `{name: HTTPS_PROXY, value: …}`: its value is a
/// proxy URL or list, whatever the container is.
fn proxy_variable(node: &Node<'_>) -> Option<(Span, String)> {
    let name = node.get("name")?.as_str()?;
    let value = node.get("value")?;
    let kind = match name.to_ascii_lowercase().as_str() {
        "http_proxy" | "https_proxy" | "all_proxy" | "no_proxy" => Field::Value,
        _ => return None,
    };
    if !crate::rules::is_scanned(value) {
        return None;
    }
    placeholder(value, kind).map(|m| (value.span, m))
}

/// A Secret's values are secrets: never read, never quoted in a message.
fn is_secret_data(doc: Doc, path: &[&str]) -> bool {
    doc == Doc::Secret && matches!(path.first(), Some(&("data" | "stringData")))
}

/// Whether the node at `path` holds a value DVM402 looks at, and what kind.
fn field(doc: Doc, path: &[&str]) -> Option<Field> {
    let (&last, parents) = path.split_last()?;
    // Names and namespaces of objects: the project stage (`check_names`);
    // labels and annotations of pod templates are not names.
    if path.contains(&"metadata") {
        return None;
    }
    match doc {
        _ if is_secret_data(doc, path) => return None,
        Doc::Kustomization => return (path == ["namespace"]).then_some(Field::Name),
        Doc::ConfigMap if parents == ["data"] => return Some(Field::Value),
        Doc::MigrationController if path.first() == Some(&"spec") => {
            // Every top-level setting, and the items of list settings.
            if let [_, _] | [_, _, "*"] = path {
                return Some(Field::Value);
            }
        }
        Doc::MigPlan => match path {
            ["spec", "namespaces", "*"] | ["spec", "persistentVolumes", "*", "pvc", "name"] => {
                return Some(Field::Mapping);
            }
            ["spec", "persistentVolumes", "*", "selection", _] => return Some(Field::Value),
            _ => {}
        },
        _ => {}
    }
    // By the key itself (a list item: by its list's key).
    let (key, parent) = if last == "*" {
        let mut keys = parents.iter().rev().filter(|k| **k != "*");
        (*keys.next()?, keys.next().copied())
    } else {
        (last, parents.last().copied())
    };
    by_key(&words(key), parent.map(words).as_deref())
}

/// The field a key names, whatever the kind: proxies, URLs, hosts, CIDRs,
/// images, ports, enumerated settings, references to objects.
fn by_key(key: &str, parent: Option<&str>) -> Option<Field> {
    let ends = |suffix: &str| key == suffix || key.ends_with(&format!("_{suffix}"));
    if ends("proxy")
        || ends("url")
        || ends("uri")
        || ends("endpoint")
        || ends("server")
        || ends("servername")
        || ends("server_name")
        || ends("host")
        || ends("hostname")
        || ends("host_name")
        || ends("address")
        || ends("cidr")
        || key == "cidr_selector"
        || key == "dns_name"
        || (key == "except" && parent == Some("ip_block"))
        || key == "image"
        || ends("port")
        || matches!(
            key,
            "type" | "protocol" | "policy_types" | "rsync_endpoint_type" | "image_pull_policy"
        )
    {
        return Some(Field::Value);
    }
    if key == "namespace" || (key == "name" && parent.is_some_and(|p| p.ends_with("_ref"))) {
        return Some(Field::Name);
    }
    None
}

/// `httpsProxy`, `HTTPS_PROXY`, `TCPProxy`: lowercase words joined by `_`.
fn words(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::with_capacity(key.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let before = chars.get(i - 1).copied().unwrap_or('_');
            let after = chars.get(i + 1).copied().unwrap_or('_');
            if before.is_ascii_lowercase()
                || before.is_ascii_digit()
                || (before.is_ascii_uppercase() && after.is_ascii_lowercase())
            {
                out.push('_');
            }
        }
        out.push(match c {
            '-' | '.' => '_',
            c => c.to_ascii_lowercase(),
        });
    }
    out
}

/// The finding's message when `node`, a field of `kind`, is a placeholder.
/// One per node; a URL placeholder wins over a list.
fn placeholder(node: &Node<'_>, kind: Field) -> Option<String> {
    match &node.value {
        Value::Scalar(text, style) => {
            // A multi-line value is text (a script, a file), not a value.
            if *style == ScalarStyle::Block || text.trim().contains('\n') {
                return None;
            }
            if is_angle_placeholder(text) {
                if says_replaced(text) {
                    return None;
                }
                return Some(documentation_placeholder(text.trim(), "value"));
            }
            match kind {
                Field::Mapping => {
                    let (from, to) = text.split_once(':')?;
                    (is_angle_placeholder(from) || is_angle_placeholder(to)).then(|| {
                        format!(
                            "`{}` still holds the documentation's placeholders (`<source>:<destination>`)",
                            text.trim()
                        )
                    })
                }
                Field::Name => is_alternatives(text.trim().strip_prefix('[')?.strip_suffix(']')?)
                    .then(|| alternatives(text.trim())),
                Field::Value => {
                    if is_url_placeholder(text) {
                        return Some(url_placeholders(text));
                    }
                    is_alternatives(text.trim().strip_prefix('[')?.strip_suffix(']')?)
                        .then(|| alternatives(text.trim()))
                }
            }
        }
        Value::Seq(items) => match items.as_slice() {
            [only] if kind != Field::Mapping => {
                let text = only.as_str()?;
                (only.scalar_style() == Some(ScalarStyle::Plain) && is_alternatives(text))
                    .then(|| alternatives(&format!("[{text}]")))
            }
            _ => None,
        },
        Value::Map(_) => None,
    }
}

fn alternatives(text: &str) -> String {
    format!("`{text}` lists the documentation's alternatives; choose one")
}

/// DVM402 on the names and namespaces of the objects the model holds: files
/// used as Kustomize patches are not objects there, so their names (which
/// Kustomize ignores or only matches on) are never looked at. A placeholder
/// that says it is ignored (`<ignored>`) is a choice, not a leftover.
pub fn check_names(project: &Project, out: &mut Vec<Finding>) {
    // Only the objects whose names the per-file stage found shaped like a
    // placeholder: reading every object's name again, each behind two
    // pointers (a cache miss or two an object), was 42 ms at 1 GB.
    check_names_of(project, project.placeholder_named(), out);
}

/// Whether an object's name or namespace has a placeholder's shape (`<…>`,
/// `[a|b]`): asked in the per-file stage, while the object's metadata is in
/// the processor's cache, so that [`check_names`] reads only the objects so
/// marked ([`crate::parsed::Object::named_placeholder`]).
pub fn names_may_be_placeholders(meta: &crate::manifest::ObjectMeta) -> bool {
    std::iter::once(meta.name.value.as_str())
        .chain(meta.namespace.as_ref().map(|ns| ns.value.as_str()))
        .any(|value| {
            let value = value.trim();
            is_angle_placeholder(value)
                || value
                    .strip_prefix('[')
                    .and_then(|v| v.strip_suffix(']'))
                    .is_some_and(is_alternatives)
        })
}

/// The id [`check_names`] reports under (the language server finds again
/// only the changed files' findings: each object's own names decide them).
pub const NAMES_RULE: &str = "DVM402";

/// [`check_names`] on some of the model's objects.
pub fn check_names_of<'p>(
    project: &Project,
    objects: impl IntoIterator<Item = &'p crate::model::ModelObject>,
    out: &mut Vec<Finding>,
) {
    for item in objects {
        if crate::units::is_test_input(&item.object.file) {
            continue;
        }
        let meta = &item.object.meta;
        for (text, what) in [
            (Some((meta.name.value.as_str(), meta.name_span())), "name"),
            (
                meta.namespace
                    .as_ref()
                    .zip(meta.namespace_span())
                    .map(|(ns, span)| (ns.value.as_str(), span)),
                "namespace",
            ),
        ] {
            let Some((value, span)) = text else { continue };
            let value = value.trim();
            let message = if is_angle_placeholder(value) {
                if says_ignored(value) || says_replaced(value) {
                    continue;
                }
                documentation_placeholder(value, what)
            } else if value
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .is_some_and(is_alternatives)
            {
                alternatives(value)
            } else {
                continue;
            };
            out.push(
                Finding::new("DVM402", Location::new(&item.object.file, span), message)
                    .help(HELP)
                    .object(Some(item.object_ref()))
                    .cluster(project.cluster_name(item.cluster())),
            );
        }
    }
}

/// A script and its lines that substitute a placeholder ([`substitutions`]),
/// and how.
type Substituting = (String, Vec<(u32, String)>, Filled);

/// How a file near a placeholder fills it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Filled {
    /// A `sed` expression, of a script or of instructions.
    Sed,
    /// A program's string.
    Program,
    /// Instructions that list the template's tokens ([`lists_tokens`]).
    Tokens,
    /// A token standing for a whole line, near instructions that list the
    /// template's tokens (not this one).
    TokenLine,
}

/// Whether instructions list placeholders that are filled in for the user
/// (a template repository's `TOKENS.md`: "these tokens are replaced during
/// the template's instantiation", then a table of them): they name tokens
/// or placeholders and their replacing or filling in, and a row of a
/// Markdown table holds one as a code span (`` | `<REPO_URL>` | ``).
fn lists_tokens(text: &[u8]) -> bool {
    let lower = text.to_ascii_lowercase();
    let has = |word: &[u8]| memchr::memmem::find(&lower, word).is_some();
    let says = (has(b"token") || has(b"placeholder"))
        && (has(b"replaced") || has(b"substituted") || has(b"filled"));
    says && text.split(|&b| b == b'\n').any(|line| {
        line.trim_ascii_start().starts_with(b"|")
            && String::from_utf8_lossy(line)
                .split('`')
                .skip(1)
                .step_by(2)
                .any(is_angle_placeholder)
    })
}

/// The rows of a Markdown table (a line that starts with `|`) that list
/// `placeholder` as a code span (`` `<REPO_URL>` ``).
fn token_rows(text: &[u8], placeholder: &str) -> Vec<(u32, String)> {
    lines_where(text, placeholder, |line_head, line_tail| {
        line_head.trim_ascii_start().starts_with(b"|")
            && line_head.last() == Some(&b'`')
            && line_tail.first() == Some(&b'`')
    })
}

/// The placeholder standing alone on a line (`    <ISSUER_ANNOTATION>`,
/// replaced by a line or by nothing) at or just before the line of a
/// DVM001 `finding` (the parser stops on the line after it): the syntax
/// error of a template, not of a manifest. Its file read through the
/// project's boundary.
fn token_line(project: &Path, finding: &Finding) -> Option<String> {
    let line = usize::try_from(finding.location.span.start.line).ok()?;
    token_near(project, &finding.location.file, line)
}

/// [`token_line`] for a chart whose render stopped at its own values.yaml
/// (`cannot load values.yaml: … yaml: line 4: mapping values are not
/// allowed`, a DVM004 at its `Chart.yaml`).
fn values_token_line(project: &Path, finding: &Finding) -> Option<String> {
    let (_, after) = finding
        .message
        .split_once("cannot load values.yaml:")?
        .1
        .split_once("yaml: line ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let line: usize = digits.parse().ok()?;
    let chart = finding.location.file.strip_suffix("Chart.yaml")?;
    token_near(project, &format!("{chart}values.yaml"), line)
}

/// The placeholder standing alone on line `line` of `file` (a path from
/// the project) or on one of the two lines before it.
fn token_near(project: &Path, file: &str, line: usize) -> Option<String> {
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let bytes = boundary.open_bounded(&project.join(file), 1 << 20).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let first = line.saturating_sub(2).max(1);
    text.lines()
        .enumerate()
        .skip(first - 1)
        .take(line + 1 - first)
        .map(|(_, l)| l.trim())
        .find(|l| is_angle_placeholder(l))
        .map(str::to_owned)
}

/// The folder of a path from the project (`""` at its root).
fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

const PLACEHOLDER_SAYS: &str = "` is a documentation placeholder, not a ";

/// DVM402's message for an angle placeholder `value` where the field holds
/// `what` (a value, a name, a namespace); read back by [`placeholder_in`].
fn documentation_placeholder(value: &str, what: &str) -> String {
    format!(
        "`{value}`{}{what}",
        PLACEHOLDER_SAYS.trim_start_matches('`')
    )
}

/// The angle placeholder a DVM402 message of [`documentation_placeholder`] names.
fn placeholder_in(message: &str) -> Option<&str> {
    let (value, _) = message.strip_prefix('`')?.split_once(PLACEHOLDER_SAYS)?;
    is_angle_placeholder(value).then_some(value)
}

const URL_SAYS: &str = "this URL still holds placeholders copied from the documentation";

/// DVM402's message for a URL with the documentation's parts in it
/// ([`is_url_placeholder`]): its `<word>` parts named, read back by
/// [`placeholders_in`]. Only those parts are written (never the rest of the
/// URL, which may hold a password).
fn url_placeholders(url: &str) -> String {
    let parts = angle_parts(url);
    if parts.is_empty() {
        return format!("{URL_SAYS} (for its credentials, address or port)");
    }
    let named: Vec<String> = parts.iter().map(|part| format!("`{part}`")).collect();
    format!("{URL_SAYS} ({})", named.join(", "))
}

/// The angle placeholders a DVM402 message names: the one of
/// [`documentation_placeholder`], or each of [`url_placeholders`] (none for
/// other messages).
fn placeholders_in(message: &str) -> Vec<&str> {
    if let Some(one) = placeholder_in(message) {
        return vec![one];
    }
    message
        .strip_prefix(URL_SAYS)
        .and_then(|rest| rest.strip_prefix(" ("))
        .and_then(|rest| rest.strip_suffix(')'))
        .map(|list| {
            list.split(", ")
                .filter_map(|part| part.strip_prefix('`')?.strip_suffix('`'))
                .filter(|part| is_angle_placeholder(part))
                .collect()
        })
        .unwrap_or_default()
}

/// Where a script or instructions substitute `placeholder` with `sed` (or
/// `perl`): the needle in the pattern of an `s` expression (`s/<NAME>/`,
/// `s|<NAME>|`, `s/namespace: <NAME>/`), whose `s` starts a word (not
/// `pods/<NAME>/`). Each such line (at most 64), with its text.
fn substitutions(text: &[u8], placeholder: &str) -> Vec<(u32, String)> {
    const DELIMITERS: &[u8] = b"/|#:@!,%+";
    lines_where(text, placeholder, |line_head, line_tail| {
        // In the pattern of an `s<d>…<d>` expression: after the expression's
        // `s<d>` (the last `<d>` before it on its line, an `s` that starts a
        // word before that), with a `<d>` after it on the line, which ends the
        // pattern (`s/<NAME>/…/`, `s|name: <NAME>|…|`).
        DELIMITERS.iter().any(|&d| {
            memchr::memrchr(d, line_head).is_some_and(|open| {
                let before = open.checked_sub(1).and_then(|s| line_head.get(s));
                let word = open.checked_sub(2).and_then(|w| line_head.get(w));
                before == Some(&b's')
                    && !word.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    && memchr::memchr(d, line_tail).is_some()
            })
        })
    })
}

/// Where a program writes `placeholder` as a whole string (`"<REPO_NAME>"`,
/// `'<NS>'`, `` `<NS>` ``): what it replaces in the text it reads
/// (`strings.ReplaceAll(app, "<REPO_NAME>", repo)`, `text.replace('<NS>',
/// ns)`, a map from each placeholder to its value). Each such line (at most
/// 64), with its text.
fn string_literals(text: &[u8], placeholder: &str) -> Vec<(u32, String)> {
    lines_where(text, placeholder, |line_head, line_tail| {
        let open = line_head.last();
        matches!(open, Some(b'"' | b'\'' | b'`')) && line_tail.first() == open
    })
}

/// The lines of `text` (at most 64, each once, with its text) where
/// `needle` stands so that `keep` holds of what its line holds before and
/// after it.
fn lines_where(
    text: &[u8],
    needle: &str,
    keep: impl Fn(&[u8], &[u8]) -> bool,
) -> Vec<(u32, String)> {
    let needle = needle.as_bytes();
    let mut lines: Vec<(u32, String)> = Vec::new();
    for at in memchr::memmem::find_iter(text, needle) {
        let head = text.get(..at).unwrap_or_default();
        let start = memchr::memrchr(b'\n', head).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', text.get(at..).unwrap_or_default())
            .map_or(text.len(), |i| at + i);
        let line_head = text.get(start..at).unwrap_or_default();
        let line_tail = text.get(at + needle.len()..end).unwrap_or_default();
        if !keep(line_head, line_tail) {
            continue;
        }
        let line = memchr::memchr_iter(b'\n', head).count() + 1;
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        if lines.last().is_some_and(|(l, _)| *l == line) {
            continue;
        }
        let words = String::from_utf8_lossy(text.get(start..end).unwrap_or_default()).into_owned();
        lines.push((line, words));
        if lines.len() == 64 {
            break;
        }
    }
    lines
}

/// Replaces the DVM402 findings of angle placeholders that a Makefile or
/// shell script of the project substitutes (`sed -i "s/<CLUSTER_NAME>/$NAME/g"
/// cluster.yaml`, the way demo folders fill their manifests before applying
/// them), or a program of the project replaces as a string
/// ([`string_literals`]: a demo's installer that embeds its manifests), by
/// one DVM002 info per file (at its line 1, as every DVM002; the first
/// placeholder and the script's line related), naming the script nearest
/// the file (its folder or the closest above it). The scripts are read only when such
/// a finding exists, and only those near its file
/// (`crate::scripts::each_near`: in its folder and those above it, and their
/// `hack`, `scripts`, `bin`… folders), so that it costs nothing measurable,
/// even in each lint of the language server.
pub fn filled_by_scripts(project: &Path, findings: &mut Vec<Finding>) {
    // The placeholders of each finding: a DVM402's, or the whole-line token
    // a DVM001 stopped at (read from its file, only for DVM001s).
    let named: Vec<Named> = findings
        .iter()
        .map(|f| Named {
            placeholders: match f.rule.as_ref() {
                "DVM402" => placeholders_in(&f.message)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                "DVM001" => token_line(project, f).into_iter().collect(),
                "DVM004" => values_token_line(project, f).into_iter().collect(),
                _ => Vec::new(),
            },
            line: None,
        })
        .collect();
    replace_filled(project, findings, named);
}

/// [`filled_by_scripts`] for the per-file DVM002 of a file read as an
/// Ansible/Jinja template (`unrendered_template::is_jinja_file_finding`)
/// whose `{{…}}` tokens are all replaced the same way (`sed
/// "s/{{PROFILE_SHORT}}/…/g" config/samples/catalog-operator-group.yaml`):
/// the file is a template of the repository's tooling, said as such, not
/// one Ansible renders. Before the per-file DVM002s are made one per folder
/// (`unrendered_template::one_per_root`); `is_output` tells a render's
/// output, which no script fills. Each such file is read again (through the
/// project's boundary) for its tokens (`unrendered_template::brace_tokens`).
pub fn templates_filled_by_scripts(
    project: &Path,
    findings: &mut Vec<Finding>,
    is_output: impl Fn(&str) -> bool,
) {
    let templates = |f: &Finding| {
        crate::rules::input::unrendered_template::is_jinja_file_finding(f)
            && !is_output(&f.location.file)
    };
    if !findings.iter().any(templates) {
        return;
    }
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let named: Vec<Named> = findings
        .iter()
        .map(|f| {
            let tokens = templates(f)
                .then(|| boundary.open_bounded(&project.join(&*f.location.file), 1 << 20))
                .and_then(Result::ok)
                .and_then(|bytes| crate::rules::input::unrendered_template::brace_tokens(&bytes))
                .unwrap_or_default();
            Named {
                line: tokens.first().map(|(_, line)| *line),
                placeholders: tokens.into_iter().map(|(token, _)| token).collect(),
            }
        })
        .collect();
    replace_filled(project, findings, named);
}

/// The placeholders of a finding that a file near it may fill in.
#[derive(Debug, Default)]
struct Named {
    placeholders: Vec<String>,
    /// The line of the first, when the finding is not at it (a template's
    /// DVM002 is at line 1).
    line: Option<u32>,
}

/// One finding whose placeholders are filled in near its file.
struct Filling {
    finding: Finding,
    /// Its first placeholder.
    name: String,
    /// What fills it in, at which line, and how.
    script: String,
    line: u32,
    how: Filled,
    /// How many placeholders it stands for, and the line of its first when
    /// the finding is not there.
    count: usize,
    at: Option<u32>,
}

/// The findings of `findings` whose placeholders (`named`, one entry per
/// finding) are each filled in by a file near the finding's file, replaced
/// by one DVM002 a file ([`filled_by_scripts`]).
fn replace_filled(project: &Path, findings: &mut Vec<Finding>, named: Vec<Named>) {
    let wanted: std::collections::BTreeSet<&str> = named
        .iter()
        .flat_map(|n| n.placeholders.iter().map(String::as_str))
        .collect();
    // The whole-line tokens a template's syntax error stopped at.
    let lines_alone: std::collections::BTreeSet<&str> = findings
        .iter()
        .zip(&named)
        .filter(|(f, _)| matches!(f.rule.as_ref(), "DVM001" | "DVM004"))
        .flat_map(|(_, n)| n.placeholders.iter().map(String::as_str))
        .collect();
    if wanted.is_empty() {
        return;
    }
    let _timing = crate::timings::stage("DVM402: placeholders scripts fill");
    let files: std::collections::BTreeSet<&str> = findings
        .iter()
        .zip(&named)
        .filter(|(_, n)| !n.placeholders.is_empty())
        .map(|(f, _)| f.location.file.as_ref())
        .collect();
    // Each placeholder's substitutions: (script, its lines, how), in walk order.
    let mut by: BTreeMap<String, Vec<Substituting>> = BTreeMap::new();
    crate::scripts::each_near(project, files, |rel, text| {
        let program = crate::scripts::is_program(rel);
        let tokens = crate::scripts::is_instructions(rel) && lists_tokens(text);
        for placeholder in &wanted {
            let (lines, how) = if program {
                (string_literals(text, placeholder), Filled::Program)
            } else {
                let sed = substitutions(text, placeholder);
                let rows = if sed.is_empty() && tokens {
                    token_rows(text, placeholder)
                } else {
                    Vec::new()
                };
                if !sed.is_empty() {
                    (sed, Filled::Sed)
                } else if !rows.is_empty() {
                    (rows, Filled::Tokens)
                } else if tokens && lines_alone.contains(placeholder) {
                    // A token standing for a whole line, in a folder whose
                    // instructions list the template's tokens, is the
                    // template's all the same (an annotation line or none).
                    (vec![(1, String::new())], Filled::TokenLine)
                } else {
                    (sed, Filled::Sed)
                }
            };
            if !lines.is_empty() {
                by.entry((*placeholder).to_owned())
                    .or_default()
                    .push((rel.to_owned(), lines, how));
            }
        }
        ControlFlow::Continue(())
    });
    if by.is_empty() {
        return;
    }
    // The script nearest the file of those near it (`each_near`: in its
    // folder or one above it, or in a script folder of one of those; a
    // script near another file only does not count), and its line that
    // names the file, else its first.
    let nearest = |file: &str, scripts: &[Substituting]| -> Option<(String, u32, Filled)> {
        let name = file.rsplit('/').next().unwrap_or(file);
        let file_dir = folder_of(file);
        let above = |dir: &str| {
            dir.is_empty()
                || file_dir == dir
                || file_dir
                    .strip_prefix(dir)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        let closeness = |script: &str| {
            let dir = folder_of(script);
            if above(dir) {
                return Some((dir.len(), 1));
            }
            let (parent, last) = dir.rsplit_once('/').unwrap_or(("", dir));
            (crate::scripts::SCRIPT_FOLDERS.contains(&last) && above(parent))
                .then_some((parent.len(), 0))
        };
        let (script, lines, how) = scripts
            .iter()
            .filter_map(|s| Some((closeness(&s.0)?, s)))
            .max_by(|(a, x), (b, y)| a.cmp(b).then_with(|| y.0.cmp(&x.0)))
            .map(|(_, s)| s)?;
        let line = lines
            .iter()
            .find(|(_, words)| words.contains(name))
            .or_else(|| lines.first())?
            .0;
        Some((script.clone(), line, *how))
    };
    let mut filled: BTreeMap<std::sync::Arc<str>, Vec<Filling>> = BTreeMap::new();
    let mut kept = Vec::with_capacity(findings.len());
    for (finding, named) in findings.drain(..).zip(named) {
        // Each placeholder of the finding filled near its file; the first's
        // script is named.
        let mut scripts = named.placeholders.iter().map(|placeholder| {
            by.get(placeholder)
                .and_then(|scripts| nearest(&finding.location.file, scripts))
        });
        let first = scripts.next().flatten();
        let script = first.filter(|_| scripts.all(|s| s.is_some()));
        let count = named.placeholders.len();
        match (script, named.placeholders.into_iter().next()) {
            (Some((script, line, how)), Some(name)) => filled
                .entry(std::sync::Arc::clone(&finding.location.file))
                .or_default()
                .push(Filling {
                    finding,
                    name,
                    script,
                    line,
                    how,
                    // A DVM402 is one placeholder (a URL's several count
                    // as one); a template's DVM002 stands for every token.
                    count: if named.line.is_some() { count } else { 1 },
                    at: named.line,
                }),
            _ => kept.push(finding),
        }
    }
    for (_, mut placeholders) in filled {
        placeholders.sort_by_key(|a| a.finding.location.span.start);
        let others = placeholders.iter().map(|p| p.count).sum::<usize>() - 1;
        let Some(Filling {
            finding: first,
            name,
            script,
            line,
            how,
            at,
            ..
        }) = placeholders.first()
        else {
            continue;
        };
        let more = match others {
            0 => String::new(),
            1 => " (and 1 more in this file)".to_owned(),
            n => format!(" (and {n} more in this file)"),
        };
        // DVM002's place is line 1 of the file (docs/rules.md); the
        // placeholder and the script's line are its related locations.
        let what = if first.rule == "DVM004" {
            "the chart's values.yaml"
        } else {
            "the file"
        };
        let (says, writes) = match how {
            Filled::Sed if crate::scripts::is_instructions(script) => (
                format!(
                    "is replaced by the `sed` command `{script}` gives (`s/{name}/…/`) before this file is applied: the file is a template its instructions fill in"
                ),
                "the command writes",
            ),
            Filled::Sed => (
                format!(
                    "is replaced by `{script}` (`s/{name}/…/`) before this file is applied: the file is a template of the repository's tooling"
                ),
                "the script writes",
            ),
            Filled::Program => (
                format!(
                    "is replaced by the program `{script}` (its string `\"{name}\"`) before this file is applied: the file is a template of the repository's tooling"
                ),
                "the program writes",
            ),
            Filled::Tokens => (
                format!(
                    "is one of the tokens `{script}` lists as replaced when the repository is instantiated: {what} is a template, not YAML to apply as it is"
                ),
                "the instantiation writes",
            ),
            Filled::TokenLine => (
                format!(
                    "stands alone for a line the repository's instantiation writes (`{script}` lists the tokens it replaces): {what} is a template, not YAML to apply as it is"
                ),
                "the instantiation writes",
            ),
        };
        let mut finding = Finding::new(
            "DVM002",
            Location::new(&first.location.file, Span::line_start(1)),
            format!("`{name}` {says}, and its placeholders are not reported{more}"),
        )
        .help(format!(
            "nothing to fix; to lint the file as it is applied, lint what {writes}"
        ))
        .object(first.object.clone())
        .cluster(first.cluster.as_ref())
        .related(
            at.map_or_else(
                || first.location.clone(),
                |at| Location::new(&first.location.file, Span::line_start(at)),
            ),
            "the first placeholder it fills",
        )
        .related(
            Location::new(
                &std::sync::Arc::from(script.as_str()),
                Span::line_start(*line),
            ),
            "the substitution",
        );
        finding.rendered = first.rendered.clone();
        kept.push(finding);
    }
    *findings = kept;
}

/// `<to_be_replaced>`, `<replaced>`, `<will-be-overwritten>`,
/// `<overridden-by-the-operator>`, `<generated>`: the author says that what
/// is written is not what is applied, a program setting the value (an
/// operator's default manifests, which its code reads and names). The
/// wording is passive (replaced, overwritten, overridden, generated), alone
/// or after `to be`, `will be`, `is`, `gets` or `auto`, and at most says by
/// what, when or how (`_by_the_operator`, `_at_runtime`, `_automatically`),
/// never by a person (`_by_you`, `_by_the_user`). A placeholder that asks
/// its reader to replace it (`<REPLACE_ME>`, `<replace-me>`, `<change-me>`,
/// `<to-replace>`) or says what the value is (`<namespace>`,
/// `<generated-secret-name>`) is the documentation's, which a person must
/// fill in: DVM402 is for those
/// (docs/decisions/placeholders-a-program-replaces.md).
fn says_replaced(text: &str) -> bool {
    const WHEN: [&str; 10] = [
        "_by_",
        "_at_",
        "_on_",
        "_in_",
        "_during_",
        "_when_",
        "_automatically",
        "_later",
        "_dynamically",
        "_programmatically",
    ];
    const PEOPLE: [&str; 7] = [
        "you",
        "user",
        "the_user",
        "admin",
        "the_admin",
        "administrator",
        "hand",
    ];
    let word = words(text.trim_matches(|c| c == '<' || c == '>' || c == ' '));
    let verb = ["to_be_", "will_be_", "is_", "gets_", "auto_", "auto"]
        .iter()
        .find_map(|before| word.strip_prefix(before))
        .unwrap_or(&word);
    ["replaced", "overwritten", "overridden", "generated"]
        .iter()
        .filter_map(|passive| verb.strip_prefix(passive))
        .any(|rest| {
            rest.is_empty()
                || (WHEN.iter().any(|when| rest.starts_with(when))
                    && !rest.strip_prefix("_by_").is_some_and(|by| {
                        PEOPLE.iter().any(|p| {
                            by.strip_prefix(p)
                                .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
                        })
                    }))
        })
}

/// `<ignored>`, `<not-used>`, `<any>`: the author says the value does not
/// matter (the convention for Kustomize patches' names).
fn says_ignored(text: &str) -> bool {
    let word = words(text.trim_matches(|c| c == '<' || c == '>' || c == ' '));
    matches!(
        word.as_str(),
        "ignored"
            | "ignore"
            | "unused"
            | "not_used"
            | "any"
            | "anything"
            | "whatever"
            | "irrelevant"
            | "not_important"
            | "doesnt_matter"
            | "does_not_matter"
    )
}

/// `<namespace>`, `<cidr_of_source_or_target_cluster>`: one `<…>` word as the whole scalar.
pub(crate) fn is_angle_placeholder(text: &str) -> bool {
    let Some(inner) = text
        .trim()
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
    else {
        return false;
    };
    !inner.is_empty()
        && inner
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | ':' | '/'))
}

/// A URL (the whole value, no spaces) with the documentation's parts in it:
/// `username:password@`, `@ip:port`, `:port` as the port, or a `<word>` part.
fn is_url_placeholder(text: &str) -> bool {
    let text = text.trim();
    if text.chars().any(char::is_whitespace)
        || !crate::proxy::stunnel_url::has_scheme_separator(text)
    {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let literal_port = lower.match_indices(":port").any(|(at, found)| {
        matches!(
            lower.as_bytes().get(at + found.len()),
            None | Some(b'/' | b'?' | b'#' | b']' | b'|')
        )
    });
    lower.contains("username:password@")
        || lower.contains("user:password@")
        || lower.contains("@ip:")
        || literal_port
        || has_angle_part(text)
}

/// `http://<user>:<pass>@proxy`: a `<word>` somewhere in the text.
fn has_angle_part(text: &str) -> bool {
    !angle_parts(text).is_empty()
}

/// The `<word>` parts of `text`, in order, each once.
fn angle_parts(text: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = Vec::new();
    for (at, _) in text.match_indices('<') {
        if let Some(part) = text
            .get(at..)
            .and_then(|rest| rest.find('>').and_then(|end| rest.get(..=end)))
            .filter(|part| is_angle_placeholder(part))
            && !parts.contains(&part)
        {
            parts.push(part);
        }
    }
    parts
}

/// `NodePort|ClusterIP|Route`: two or more words separated by `|`.
fn is_alternatives(text: &str) -> bool {
    let parts: Vec<&str> = text.split('|').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.trim().is_empty()
                && p.trim()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_is_read_back_from_its_message() {
        for what in ["value", "name", "namespace"] {
            let message = documentation_placeholder("<CLUSTER_NAME>", what);
            assert_eq!(placeholder_in(&message), Some("<CLUSTER_NAME>"));
        }
        assert_eq!(placeholder_in(&alternatives("[a|b]")), None);
        assert_eq!(
            placeholder_in("`x` is a documentation placeholder, not a value"),
            None
        );
    }

    #[test]
    fn a_urls_placeholders_are_named_once_each_and_read_back() {
        let message = url_placeholders("https://<TOKEN>@github.com/<ORG>/<ORG>-demo");
        assert_eq!(
            message,
            "this URL still holds placeholders copied from the documentation (`<TOKEN>`, `<ORG>`)"
        );
        assert_eq!(placeholders_in(&message), ["<TOKEN>", "<ORG>"]);
        // No `<word>` part: nothing named, nothing of the URL written.
        let message = url_placeholders("http://username:password@proxy:port");
        assert!(!message.contains("proxy") && !message.contains("password@"));
        assert!(placeholders_in(&message).is_empty());
        let message = documentation_placeholder("<NS>", "namespace");
        assert_eq!(placeholders_in(&message), ["<NS>"]);
    }

    #[test]
    fn a_token_list_names_its_tokens_in_table_rows_and_says_they_are_replaced() {
        let list = b"# Tokens\n\nThese tokens are replaced at instantiation.\n\n| Token | Value |\n|---|---|\n| `REPO` | `<REPO>` |\n\nSee `<OTHER>` too.\n";
        assert!(lists_tokens(list));
        // Saying tokens are replaced without a table of them lists none.
        assert!(!lists_tokens(
            b"The tokens are replaced by the installer: `<REPO>`.\n"
        ));
        assert_eq!(token_rows(list, "<REPO>").len(), 1);
        // Named in prose, not in the table: not listed.
        assert!(token_rows(list, "<OTHER>").is_empty());
        // A README that asks its reader to replace a placeholder lists no tokens.
        assert!(!lists_tokens(b"Replace `<NS>` with your namespace.\n"));
    }

    #[test]
    fn a_token_standing_alone_is_found_at_or_just_before_the_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.yaml"),
            "metadata:\n  annotations:\n    <ISSUER>\n    x: y\n",
        )
        .unwrap();
        let file: std::sync::Arc<str> = std::sync::Arc::from("a.yaml");
        let at = |line| Finding::new("DVM001", Location::new(&file, Span::line_start(line)), "x");
        assert_eq!(token_line(dir.path(), &at(4)).as_deref(), Some("<ISSUER>"));
        assert_eq!(token_line(dir.path(), &at(3)).as_deref(), Some("<ISSUER>"));
        assert_eq!(token_line(dir.path(), &at(2)), None);
        std::fs::create_dir(dir.path().join("chart")).unwrap();
        std::fs::write(
            dir.path().join("chart/values.yaml"),
            "a:\n  <TOKEN>\n  b: 1\n",
        )
        .unwrap();
        let chart: std::sync::Arc<str> = std::sync::Arc::from("chart/Chart.yaml");
        let failed = Finding::new(
            "DVM004",
            Location::new(&chart, Span::line_start(1)),
            "`helm template` of release `c` failed: cannot load values.yaml: error converting YAML to JSON: yaml: line 3: mapping values are not allowed in this context",
        );
        assert_eq!(
            values_token_line(dir.path(), &failed).as_deref(),
            Some("<TOKEN>")
        );
    }

    #[test]
    fn a_program_replaces_a_placeholder_it_writes_as_a_whole_string() {
        let program = b"s := strings.ReplaceAll(app, \"<REPO>\", repo)\n\
            text.replace('<REPO>', r)\n\
            m := map[string]string{`<REPO>`: repo}\n\
            fmt.Println(\"set <REPO> in app.yaml\")\n\
            x := \"<REPO>'\n";
        let lines: Vec<u32> = string_literals(program, "<REPO>")
            .iter()
            .map(|(line, _)| *line)
            .collect();
        assert_eq!(lines, [1, 2, 3]);
    }

    #[test]
    fn a_substitution_is_sed_s_with_one_delimiter_around_the_placeholder() {
        let script =
            b"echo usage: $0 <NAME>\nsed -i \"s|<NAME>|$N|g\" a.yaml\nsed 's/<NAME>/x/' b.yaml";
        let found = substitutions(script, "<NAME>");
        let lines: Vec<(u32, &str)> = found
            .iter()
            .map(|(line, words)| (*line, words.rsplit(' ').next().unwrap_or_default()))
            .collect();
        assert_eq!(lines, [(2, "a.yaml"), (3, "b.yaml")]);
        // Inside a longer pattern, after its `s/`.
        let found = substitutions(
            b"cat b.yaml | sed \"s/namespace: <NAME>/namespace: x/g\"",
            "<NAME>",
        );
        assert_eq!(found.len(), 1);
        // Printed, compared, half a pattern or a path: no substitution.
        for text in [
            &b"echo \"<NAME>\"\n[ \"$1\" = <NAME> ]\n"[..],
            b"sed 's/<NAME>|x|' f",
            b"<NAME>/",
            b"kubectl logs pods/<NAME>/x",
            b"curl https://host/pods/<NAME>/log",
        ] {
            assert!(substitutions(text, "<NAME>").is_empty());
        }
    }

    #[test]
    fn placeholders_a_script_substitutes_are_one_info_per_file_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("demo/spoke")).unwrap();
        std::fs::write(
            dir.path().join("demo/start.sh"),
            "cd spoke\nsed -i 's/<N>/x/' a.yaml\nsed -i 's/<N>/x/' b.yaml\necho '<other>'\n",
        )
        .unwrap();
        let dvm402 = |file: &str, line: u32, value: &str| {
            let file: std::sync::Arc<str> = std::sync::Arc::from(file);
            Finding::new(
                "DVM402",
                Location::new(&file, Span::line_start(line)),
                documentation_placeholder(value, "name"),
            )
        };
        let mut findings = vec![
            dvm402("demo/spoke/b.yaml", 4, "<N>"),
            dvm402("demo/spoke/a.yaml", 9, "<N>"),
            dvm402("demo/spoke/a.yaml", 3, "<N>"),
            dvm402("demo/spoke/a.yaml", 5, "<other>"),
            // `demo/start.sh` is near `demo/` only.
            dvm402("other/c.yaml", 2, "<N>"),
        ];
        filled_by_scripts(dir.path(), &mut findings);
        // (rule, file, line, related locations)
        let got: Vec<(String, String, u32, String)> = findings
            .iter()
            .map(|f| {
                let related: Vec<String> = f
                    .related
                    .iter()
                    .map(|r| format!("{}:{}", r.location.file, r.location.span.start.line))
                    .collect();
                (
                    f.rule.to_string(),
                    f.location.file.to_string(),
                    f.location.span.start.line,
                    related.join(" "),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "DVM402".into(),
                    "demo/spoke/a.yaml".into(),
                    5,
                    String::new()
                ),
                ("DVM402".into(), "other/c.yaml".into(), 2, String::new()),
                (
                    "DVM002".into(),
                    "demo/spoke/a.yaml".into(),
                    1,
                    "demo/spoke/a.yaml:3 demo/start.sh:2".into()
                ),
                (
                    "DVM002".into(),
                    "demo/spoke/b.yaml".into(),
                    1,
                    "demo/spoke/b.yaml:4 demo/start.sh:3".into()
                ),
            ]
        );
        assert!(findings[2].message.ends_with("(and 1 more in this file)"));
    }

    #[test]
    fn a_template_whose_brace_tokens_a_script_substitutes_is_the_tooling_s() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("deploy")).unwrap();
        std::fs::write(
            dir.path().join("Makefile"),
            "olm:\n\tsed -e \"s/{{PROFILE}}/$(P)/g\" -e \"s/{{NAMESPACE}}/$(NS)/g\" deploy/group.yaml | kubectl apply -f -\n",
        )
        .unwrap();
        let files = [
            (
                "deploy/group.yaml",
                "kind: OperatorGroup\nmetadata:\n  name: {{PROFILE}}-operator\n  namespace: {{NAMESPACE}}\n",
            ),
            // One token the Makefile does not substitute: Ansible's, as before.
            (
                "deploy/source.yaml",
                "kind: CatalogSource\nmetadata:\n  name: {{PROFILE}}-catalog\nspec:\n  image: {{ catalog_image }}\n",
            ),
        ];
        let jinja = crate::rules::input::unrendered_template::TemplateKind::Jinja;
        let mut findings = Vec::new();
        for (file, text) in files {
            std::fs::write(dir.path().join(file), text).unwrap();
            let file: std::sync::Arc<str> = std::sync::Arc::from(file);
            let finding = crate::rules::input::unrendered_template::finding(&file, text.as_bytes());
            assert!(
                crate::rules::input::unrendered_template::is_jinja_file_finding(&finding),
                "{}",
                finding.message
            );
            assert_eq!(
                crate::rules::input::unrendered_template::TemplateKind::of(text.as_bytes()),
                jinja
            );
            findings.push(finding);
        }
        // A render's output is never a script's template.
        let mut outputs = findings.clone();
        templates_filled_by_scripts(dir.path(), &mut outputs, |_| true);
        assert_eq!(outputs, findings);
        templates_filled_by_scripts(dir.path(), &mut findings, |_| false);
        let got: Vec<(String, u32, String, Vec<String>)> = findings
            .iter()
            .map(|f| {
                (
                    f.location.file.to_string(),
                    f.location.span.start.line,
                    f.message.clone(),
                    f.related
                        .iter()
                        .map(|r| format!("{}:{}", r.location.file, r.location.span.start.line))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "deploy/source.yaml".into(),
                    1,
                    "this file is an Ansible/Jinja template and was not linted".into(),
                    Vec::new()
                ),
                (
                    "deploy/group.yaml".into(),
                    1,
                    "`{{PROFILE}}` is replaced by `Makefile` (`s/{{PROFILE}}/…/`) before this file is applied: the file is a template of the repository's tooling, and its placeholders are not reported (and 1 more in this file)".into(),
                    vec!["deploy/group.yaml:3".into(), "Makefile:2".into()]
                ),
            ]
        );
    }

    #[test]
    fn recognises_the_documentation_forms() {
        assert!(is_angle_placeholder("<cidr_of_source_or_target_cluster>"));
        assert!(is_angle_placeholder("<namespace>"));
        assert!(!is_angle_placeholder("<>"));
        assert!(!is_angle_placeholder("a <b> c"));
        assert!(is_url_placeholder("http://username:password@ip:port"));
        assert!(is_url_placeholder(
            "http://<username>:<password>@proxy:3128"
        ));
        assert!(!is_url_placeholder("http://proxy.example.com:3128"));
        // `:port` only as the port itself; text with spaces is not a URL.
        assert!(!is_url_placeholder("http://proxy.example.com:portal"));
        assert!(!is_url_placeholder(
            "see http://example.com for the <tag> to use"
        ));
        assert!(!is_url_placeholder("cat << EOF > /tmp/x http://a:port"));
        assert!(is_alternatives("NodePort|ClusterIP|Route"));
        assert!(!is_alternatives("a || b"));
    }

    /// The names check reads only the objects the per-file stage marked, and
    /// finds what a scan of every object finds.
    #[test]
    fn the_names_check_of_marked_objects_finds_what_a_scan_of_all_finds() {
        use std::sync::Arc;
        let text = "kind: ConfigMap\napiVersion: v1\nmetadata: {name: <name>}\n---\n\
            kind: ConfigMap\napiVersion: v1\nmetadata: {name: plain, namespace: <ns>}\n---\n\
            kind: ConfigMap\napiVersion: v1\nmetadata: {name: '[a|b]'}\n---\n\
            kind: ConfigMap\napiVersion: v1\nmetadata: {name: <ignored>}\n---\n\
            kind: ConfigMap\napiVersion: v1\nmetadata: {name: a-b, namespace: c}\n";
        let rules = crate::rules::RuleSet::new(&[], &[]);
        let cluster_of = |_: &str| Some(Arc::from(crate::model::DEFAULT_CLUSTER));
        let settings = crate::lint::file::FileSettings::standalone(&rules, &cluster_of);
        let result =
            crate::lint::file::analyze_bytes(&Arc::from("a.yaml"), text.as_bytes(), &settings);
        let marked: Vec<bool> = result.objects.iter().map(|o| o.named_placeholder).collect();
        assert_eq!(marked, [true, true, true, true, false]);
        let project = Project::build(
            "/".into(),
            crate::config::Config::default(),
            vec![result],
            crate::units::ApplyUnits::default(),
        );
        let mut found = Vec::new();
        check_names(&project, &mut found);
        let mut scanned = Vec::new();
        check_names_of(&project, &project.objects, &mut scanned);
        assert_eq!(found, scanned);
        // `<name>`, `<ns>`, `[a|b]`; `<ignored>` says the name does not matter.
        assert_eq!(found.len(), 3, "{found:?}");
    }

    #[test]
    fn key_words() {
        assert_eq!(words("httpsProxy"), "https_proxy");
        assert_eq!(words("HTTPS_PROXY"), "https_proxy");
        assert_eq!(words("stunnelTCPProxy"), "stunnel_tcp_proxy");
        assert_eq!(words("srcMigClusterRef"), "src_mig_cluster_ref");
        assert_eq!(words("cidrSelector"), "cidr_selector");
    }

    #[test]
    fn fields_by_path() {
        let f = |doc, path: &[&str]| field(doc, path);
        assert_eq!(f(Doc::Other, &["spec", "httpProxy"]), Some(Field::Value));
        assert_eq!(f(Doc::Other, &["proxy", "no_proxy"]), Some(Field::Value));
        assert_eq!(f(Doc::Other, &["spec", "url"]), Some(Field::Value));
        assert_eq!(
            f(Doc::Other, &["spec", "srcMigClusterRef", "name"]),
            Some(Field::Name)
        );
        assert_eq!(f(Doc::Other, &["spec", "containers", "*", "name"]), None);
        assert_eq!(
            f(Doc::Other, &["spec", "policyTypes", "*"]),
            Some(Field::Value)
        );
        assert_eq!(
            f(
                Doc::Other,
                &[
                    "spec", "ingress", "*", "from", "*", "ipBlock", "except", "*"
                ]
            ),
            Some(Field::Value)
        );
        assert_eq!(
            f(Doc::MigPlan, &["spec", "namespaces", "*"]),
            Some(Field::Mapping)
        );
        assert_eq!(
            f(Doc::MigrationController, &["spec", "mig_namespace"]),
            Some(Field::Value)
        );
        assert_eq!(f(Doc::Secret, &["stringData", "url"]), None);
        assert_eq!(f(Doc::Other, &["metadata", "namespace"]), None);
        assert_eq!(
            f(Doc::Kustomization, &["patches", "*", "target", "name"]),
            None
        );
        assert_eq!(f(Doc::Kustomization, &["namespace"]), Some(Field::Name));
        assert_eq!(
            f(Doc::Other, &["spec", "template", "spec", "hostAliases"]),
            None
        );
        assert_eq!(f(Doc::Other, &["data", "mode"]), None);
        assert_eq!(f(Doc::ConfigMap, &["data", "mode"]), Some(Field::Value));
    }

    /// The messages DVM402 gives a ConfigMap whose `data` holds `values`.
    fn messages(values: &[&str]) -> Vec<String> {
        let mut text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n".to_owned();
        for (i, value) in values.iter().enumerate() {
            text.push_str(&format!("  k{i}: '{value}'\n"));
        }
        let mut out = Vec::new();
        crate::rules::with_test_context(&text, None, |ctx| check(ctx, &mut out));
        out.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn one_finding_per_scalar_whatever_forms_it_matches() {
        assert_eq!(
            messages(&["<http://proxy:port>"]),
            ["`<http://proxy:port>` is a documentation placeholder, not a value"]
        );
        let url = "this URL still holds placeholders copied from the documentation (for its credentials, address or port)";
        assert_eq!(messages(&["[http://a:port|b]"]), [url]);
        assert_eq!(
            messages(&[
                "[NodePort|Route]",
                "http://username:password@ip:port",
                "http://p:3128"
            ]),
            [
                "`[NodePort|Route]` lists the documentation's alternatives; choose one",
                url
            ]
        );
    }

    /// A Secret's values are never candidates, so no message quotes one
    /// (reporters mask secrets: it would read "`****` is a placeholder").
    #[test]
    fn secret_values_are_not_candidates() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  \
                    password: <password>\n  url: http://<user>:<password>@proxy:3128\n\
                    data:\n  mode: '[a|b]'\n";
        let mut out = Vec::new();
        crate::rules::with_test_context(text, None, |ctx| check(ctx, &mut out));
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn ignored_names() {
        assert!(says_ignored("<ignored>"));
        assert!(says_ignored("<not-important>"));
        assert!(!says_ignored("<namespace>"));
    }

    #[test]
    fn placeholders_that_say_a_program_replaces_them() {
        for said in [
            "<to_be_replaced>",
            "<to-be-replaced>",
            "<replaced>",
            "<will-be-replaced>",
            "<REPLACED_AT_RUNTIME>",
            "<replaced-by-the-operator>",
            "<to_be_overwritten>",
            "<overridden>",
            "<generated>",
            "<autogenerated>",
            "<auto-generated>",
        ] {
            assert!(says_replaced(said), "{said}");
        }
        // Asked of the reader, or what the value is: the documentation's.
        for asked in [
            "<REPLACE_ME>",
            "<replace-me>",
            "<replace>",
            "<to-replace>",
            "<change-me>",
            "<namespace>",
            "<replacement-name>",
            "<generated-secret-name>",
            "<replaced-with-your-name>",
            "<to-be-replaced-by-you>",
            "<overwritten_by_the_user>",
            "<regenerated>",
        ] {
            assert!(!says_replaced(asked), "{asked}");
        }
        let text = [
            "apiVersion: network.openshift.io/v1",
            "kind: EgressNetworkPolicy",
            "metadata: {name: default, namespace: app1}",
            "spec:",
            "  egress:",
            "  - to: {cidrSelector: <to_be_replaced>}",
            "    type: Allow",
            "  - to: {dnsName: <REPLACE_ME>}",
            "    type: Deny",
        ]
        .join("\n");
        let mut out = Vec::new();
        crate::rules::with_test_context(&text, None, |ctx| check(ctx, &mut out));
        let messages: Vec<&str> = out.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            ["`<REPLACE_ME>` is a documentation placeholder, not a value"]
        );
    }
}

/// A document that may have been cut from its `spec` by a `...` line: the
/// last line of the document, and what it is.
#[derive(Clone, Debug)]
pub struct SpecLess {
    pub end_line: u32,
    pub kind: String,
    pub name: String,
}

/// The kinds whose `spec` is the object: without it, nothing is configured.
const SPEC_KINDS: &[&str] = &[
    "MigrationController",
    "NetworkPolicy",
    "EgressNetworkPolicy",
    "EgressFirewall",
];

/// `Some` when `document` is an object of [`SPEC_KINDS`] without a `spec`.
pub fn without_spec(document: &Node<'_>) -> Option<SpecLess> {
    let kind = document.get("kind")?.as_str()?;
    if !SPEC_KINDS.contains(&kind) || document.get("spec").is_some() {
        return None;
    }
    Some(SpecLess {
        end_line: document.span.end.line,
        kind: kind.to_owned(),
        name: document
            .at(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned(),
    })
}

/// DVM402 for each spec-less object followed (past blank and comment lines)
/// by a bare `...` line.
pub fn cut_by_document_end(
    file: &std::sync::Arc<str>,
    cluster: Option<&std::sync::Arc<str>>,
    bytes: &[u8],
    candidates: &[SpecLess],
) -> Vec<Finding> {
    if candidates.is_empty() || crate::units::is_test_input(file) {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for candidate in candidates {
        let start = candidate.end_line.saturating_sub(1) as usize;
        for (offset, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_end();
            // `...`, alone or followed by a comment.
            let is_end_marker = trimmed.strip_prefix("...").is_some_and(|rest| {
                rest.is_empty()
                    || (rest.starts_with([' ', '\t']) && rest.trim_start().starts_with('#'))
            });
            if is_end_marker {
                let line_no = u32::try_from(offset).unwrap_or(u32::MAX).saturating_add(1);
                let span = Span::new(
                    crate::yaml::Pos::new(line_no, 1),
                    crate::yaml::Pos::new(line_no, 4),
                );
                out.push(
                    Finding::new(
                        "DVM402",
                        crate::finding::Location::new(file, span),
                        format!(
                            "a bare `...` line ends the YAML document, so {} `{}` above it has no `spec`: what follows is a document of its own, and the object is applied without its settings (the documentation writes `...` for an elision)",
                            candidate.kind, candidate.name
                        ),
                    )
                    .cluster(cluster)
                    .help("delete the `...` line and write the object's `spec` under it in the same document"),
                );
                break;
            }
            let is_end_line = offset == start;
            if !(is_end_line
                || trimmed.trim_start().is_empty()
                || trimmed.trim_start().starts_with('#'))
            {
                break;
            }
        }
    }
    out
}
