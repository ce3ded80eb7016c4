//! DVM002 unrendered-template: files that are templates (`{{ … }}`) and not
//! YAML until rendered. The per-file stage marks each such file
//! ([`finding`]); the run then reports once per template root
//! ([`one_per_root`]): a Helm chart at its `Chart.yaml`, other templates at the
//! first file of their folder, with the number of template files and every
//! file as a related location.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::finding::{Finding, Location, Related};
use crate::yaml::{Node, Span};

/// What made a file: the template language, by its syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TemplateKind {
    /// Go templates (`{{ .Values.x }}`, `{{- include … }}`): Helm and others.
    Go,
    /// Jinja (`{{ var }}`, `{% if %}`): Ansible playbooks, roles and their templates.
    Jinja,
    /// Handlebars or Mustache (`{{#if X}}` … `{{/if}}`, `{{#each}}`, `{{> partial}}`,
    /// `{{^x}}`): a JavaScript tool's templates (Config Sync's cluster
    /// selectors filled in by a generator), not Ansible's.
    Handlebars,
    /// FreeMarker (`<#if …>`, `</#list>`, `${x}`): Java tools' manifest templates.
    FreeMarker,
    /// Ruby's ERB (`<% if x %>` … `<% end %>`, `<%= x %>`): rendered by Ruby
    /// tooling (Chef, Puppet, test harnesses such as openshift-qe's).
    Erb,
    /// A Backstage software template's skeleton (`${{ values.name }}`,
    /// Nunjucks' `{%- if values.x %}`): its `fetch:template` step fills it in
    /// when a user runs the template ([`backstage_marker`]).
    Backstage,
    /// `{NAME}` fields inside a value (`clusterIP: {SERVICE_IP_PREFIX}.16`),
    /// which a script fills in (`sed`, Python's `format`) before applying.
    Placeholders,
}

/// Whether a kustomization names a file or folder it builds from by a
/// template marker (`resources: [${{ values.component_id }}-bucket.yaml]`, a
/// Backstage skeleton's; `- overlays/{ENV}`, a script's): such a
/// kustomization parses, but is a template until a tool fills it in, and
/// nobody builds it as written. A marker is what [`is_template`] reads on a
/// list item of that value, so a shell or Flux variable (`${VAR}`,
/// `$(VAR)`), which Kustomize never substitutes in a path either but which
/// may name a real file, is not one.
pub fn names_a_templated_path(
    kustomization: &crate::manifest::kustomization::Kustomization,
) -> bool {
    kustomization
        .resources
        .iter()
        .chain(&kustomization.components)
        .chain(&kustomization.patch_files)
        .chain(&kustomization.inputs)
        .any(|path| is_template(format!("- {path}").as_bytes()))
}

/// Whether `text`, which does not parse as YAML, is a template rather than a
/// broken manifest: it holds `{{` (Go, Jinja) outside a YAML comment, or a
/// FreeMarker directive. A `{{` written only in comments (`# "{{ .Values.x }}"`,
/// in block or flow context) makes no template: the file is linted, its
/// syntax errors reported as such.
pub fn is_template(text: &[u8]) -> bool {
    memchr::memmem::find(text, b"{{").is_some_and(|_| has_marker_outside_comments(text))
        || is_freemarker(text)
        || is_erb(text)
        || has_jinja_statement(text)
        || has_brace_placeholder(text)
        || has_indicator_placeholder(text)
}

/// A value that opens with a placeholder of `@` or `%` signs outside a
/// comment: `@project.version@` (Maven's and Ant's resource filtering),
/// `%NAME%`, `%%%` (a test's stand-in its code replaces). YAML reserves `@` and
/// `%` at the start of a plain value, so such a file cannot parse, and nothing
/// but a placeholder is written so: a template, as `{NAME}` is.
fn has_indicator_placeholder(text: &[u8]) -> bool {
    (memchr::memchr(b'@', text).is_some() || memchr::memchr(b'%', text).is_some())
        && text.split(|&b| b == b'\n').any(|line| {
            let code = line.get(..comment_start(line)).unwrap_or(line);
            let trimmed = code.trim_ascii_start();
            // The value after `key: `, or a list item's.
            let value = match memchr::memmem::find(trimmed, b": ") {
                Some(at) => trimmed.get(at + 2..),
                None => trimmed.strip_prefix(b"- "),
            };
            value.is_some_and(|v| is_indicator_placeholder(v.trim_ascii()))
        })
}

/// `@name@`, `@a.b-c@…`, `%NAME%`, `%%NAME%%`, `%%%`: a run of one
/// delimiter, a name (letters, digits, `_`, `.`, `-`; none for `%`), the same
/// delimiter again.
fn is_indicator_placeholder(value: &[u8]) -> bool {
    let Some(&delimiter) = value.first().filter(|&&b| b == b'@' || b == b'%') else {
        return false;
    };
    let opening = value.iter().take_while(|&&b| b == delimiter).count();
    let rest = value.get(opening..).unwrap_or_default();
    let name = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        .count();
    let closing = rest
        .get(name..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == delimiter)
        .count();
    match delimiter {
        b'@' => opening == 1 && name > 0 && closing == 1,
        // `%%%`: the delimiters alone.
        _ => (name > 0 && closing == opening) || (name == 0 && opening >= 2),
    }
}

/// A `{NAME}` field (upper case, digits, `_`) joined to other text of its
/// value outside a comment (`{SERVICE_IP_PREFIX}.16`, `db-{ENV}`): YAML
/// reads `{` as a flow mapping, so such a file cannot parse, and nothing but
/// a script's placeholder is written so. A flow mapping standing alone
/// (`selector: {APP}`) parses and is not one.
fn has_brace_placeholder(text: &[u8]) -> bool {
    memchr::memchr(b'{', text).is_some()
        && text.split(|&b| b == b'\n').any(|line| {
            let code = line.get(..comment_start(line)).unwrap_or(line);
            code.iter().enumerate().any(|(at, &b)| {
                if b != b'{' {
                    return false;
                }
                let rest = code.get(at + 1..).unwrap_or_default();
                let name = rest
                    .iter()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b'_')
                    .count();
                if name < 2
                    || !rest.first().is_some_and(u8::is_ascii_uppercase)
                    || rest.get(name) != Some(&b'}')
                {
                    return false;
                }
                let before = at.checked_sub(1).and_then(|i| code.get(i));
                if before == Some(&b'$') {
                    // `${NAME}`: a shell variable (docs/input.md), not this.
                    return false;
                }
                let after = rest.get(name + 1);
                let free = |c: Option<&u8>| {
                    c.is_none_or(|c| {
                        matches!(
                            c,
                            b' ' | b'\t' | b'\r' | b',' | b'[' | b']' | b'{' | b'}' | b':'
                        )
                    })
                };
                !free(before) || !free(after)
            })
        })
}

/// A Jinja statement opening a line (`{% raw %}`, `{% if x %}`): documentation
/// snippets wrapped in `{% raw %}` … `{% endraw %}` hold no `{{` and are
/// templates all the same; no YAML can open a line with `{%`.
fn has_jinja_statement(text: &[u8]) -> bool {
    memchr::memmem::find(text, b"{%").is_some()
        && text
            .split(|&b| b == b'\n')
            .any(|line| line.trim_ascii_start().starts_with(b"{%"))
}

/// Whether some line of `text` holds `{{` before its comment, if any. A
/// comment starts at a `#` that opens the line or follows a blank, outside a
/// quoted scalar; a quote opens one only where a scalar can start (the line's
/// start, after a blank or one of `[{,:-?`), so an apostrophe inside a plain
/// word (`it's`) opens none. Quoted scalars folded over lines are read line by
/// line: a continuation line that starts with `#` is taken for a comment.
fn has_marker_outside_comments(text: &[u8]) -> bool {
    text.split(|&b| b == b'\n').any(|line| {
        let code = line.get(..comment_start(line)).unwrap_or(line);
        memchr::memmem::find(code, b"{{").is_some()
    })
}

/// Whether every `{{` of `text` outside comments sits inside a value, after
/// other text of it (`message: Instance {{ $labels.instance }} is down`,
/// Prometheus' and Alertmanager's own templating) or inside quotes, and the
/// text has no other template syntax: such markers are plain YAML text, which
/// rendering would only fill in, so they are not what stops a parse. A file
/// that does not parse for all that is a broken manifest (DVM001), not a
/// template (DVM002). A marker that opens a line, a key or a value, or
/// stands in a flow collection, may be what breaks it (`{{- if … }}`,
/// `name: {{ .Values.name }}`): not this.
pub fn markers_inside_values_only(text: &[u8]) -> bool {
    if is_freemarker(text)
        || is_erb(text)
        || has_jinja_statement(text)
        || has_brace_placeholder(text)
        || has_indicator_placeholder(text)
    {
        return false;
    }
    text.split(|&b| b == b'\n').all(|line| {
        let code = line.get(..comment_start(line)).unwrap_or(line);
        memchr::memmem::find_iter(code, b"{{").all(|at| {
            let prefix = code.get(..at).unwrap_or_default();
            // The action, to its `}}` on this line: quotes or `: ` inside it
            // would end the scalar that holds it (`"central.{{ required "x"
            // … }}"`), so it would be what breaks the parse.
            let Some(action) = code.get(at..).and_then(|rest| {
                memchr::memmem::find(rest, b"}}").and_then(|end| rest.get(..end + 2))
            }) else {
                return false;
            };
            if let Some(quote) = quoted_at(prefix) {
                return !action.contains(&quote);
            }
            if memchr::memmem::find(action, b": ").is_some()
                || memchr::memmem::find(action, b" #").is_some()
            {
                return false;
            }
            let mut before = prefix.trim_ascii();
            while let Some(rest) = before.strip_prefix(b"-") {
                before = rest.trim_ascii_start();
            }
            // Text of a value before the marker, after a key's `: `, that
            // opens a plain scalar (not a block scalar's `|` or `>`, an
            // anchor, a tag, an alias or a flow collection).
            let value = memchr::memmem::find(before, b": ")
                .and_then(|at| before.get(at + 2..))
                .map(<[u8]>::trim_ascii_start)
                .unwrap_or_default();
            value
                .first()
                .is_some_and(|&b| b.is_ascii_alphanumeric() || b"$/.(~^=+_<;".contains(&b))
                && !before.ends_with(b":")
                && !matches!(before.last(), Some(b'[' | b'{' | b','))
        })
    })
}

/// The quote (`"` or `'`) of the scalar still open at the end of `prefix`, a
/// line's start without its comment.
fn quoted_at(prefix: &[u8]) -> Option<u8> {
    scan_line(prefix).1
}

/// Where the comment of `line` starts (its length when it has none).
fn comment_start(line: &[u8]) -> usize {
    scan_line(line).0
}

/// Where the comment of `line` starts (its length when it has none), and
/// the quote of a scalar still open there.
fn scan_line(line: &[u8]) -> (usize, Option<u8>) {
    let mut quote: Option<u8> = None;
    let mut previous: Option<u8> = None;
    let mut i = 0;
    while let Some(&b) = line.get(i) {
        match quote {
            Some(b'\'') if b == b'\'' => {
                if line.get(i + 1) == Some(&b'\'') {
                    i += 1; // `''` is a quote inside the scalar
                } else {
                    quote = None;
                }
            }
            Some(b'"') if b == b'\\' => i += 1,
            Some(b'"') if b == b'"' => quote = None,
            Some(_) => {}
            None => match b {
                b'#' if previous.is_none_or(|p| p == b' ' || p == b'\t') => return (i, None),
                b'\'' | b'"'
                    if previous.is_none_or(|p| {
                        matches!(p, b' ' | b'\t' | b'[' | b'{' | b',' | b':' | b'-' | b'?')
                    }) =>
                {
                    quote = Some(b);
                }
                _ => {}
            },
        }
        previous = line.get(i).copied();
        i += 1;
    }
    (line.len(), quote)
}

/// A Handlebars or Mustache section or partial outside a comment: `{{#if
/// X}}`, `{{#each items}}`, its close `{{/if}}`, an inverted section `{{^x}}`,
/// a partial `{{> name}}` (each with Handlebars' optional `~`). Go's comment
/// `{{/* … */}}` is no close, and Jinja writes none of these.
fn has_handlebars_section(text: &[u8]) -> bool {
    memchr::memmem::find(text, b"{{").is_some()
        && text.split(|&b| b == b'\n').any(|line| {
            let code = line.get(..comment_start(line)).unwrap_or(line);
            memchr::memmem::find_iter(code, b"{{").any(|at| {
                let rest = code.get(at + 2..).unwrap_or_default();
                let rest = rest.strip_prefix(b"~").unwrap_or(rest);
                let (Some(&sigil), after) = (rest.first(), rest.get(1..).unwrap_or_default())
                else {
                    return false;
                };
                let name = |bytes: &[u8]| bytes.first().is_some_and(u8::is_ascii_alphabetic);
                match sigil {
                    b'#' | b'^' | b'/' => name(after),
                    b'>' => name(after.trim_ascii_start()),
                    _ => false,
                }
            })
        })
}

/// `<#if`, `</#if>`, `<@macro`: FreeMarker's directives, at a line's start
/// (after indentation), where no YAML can hold them.
fn is_freemarker(text: &[u8]) -> bool {
    text.split(|&b| b == b'\n').any(|line| {
        let line = line.trim_ascii_start();
        line.starts_with(b"<#") || line.starts_with(b"</#") || line.starts_with(b"<@")
    })
}

/// An ERB tag opening a line (after indentation) and closed on it: `<% if x
/// %>`, `<%= x %>`, `<%- x -%>`, `<%# note %>`, where no YAML can hold it
/// in a mapping. An ERB tag inside a value (`image: <%= repo %>/app`) is
/// plain text YAML reads, and a `<%` without its `%>` (`value: <%= 50`, a
/// percent sign in a URL) is no tag.
fn is_erb(text: &[u8]) -> bool {
    memchr::memmem::find(text, b"<%").is_some()
        && text.split(|&b| b == b'\n').any(|line| {
            line.trim_ascii_start()
                .strip_prefix(b"<%")
                .is_some_and(|tag| memchr::memmem::find(tag, b"%>").is_some())
        })
}

/// Where the first marker of a Backstage skeleton stands in `text`: `${{`,
/// blanks, then `values.` or `values[` (`${{ values.component_id }}`,
/// `${{values.name}}`), the inputs Backstage's `fetch:template` step fills
/// a skeleton with. A GitHub Actions expression (`${{ secrets.TOKEN }}`) is
/// none.
pub fn backstage_marker(text: &[u8]) -> Option<usize> {
    memchr::memmem::find_iter(text, b"${{").find(|&at| {
        let rest = text.get(at + 3..).unwrap_or_default();
        let rest = rest.trim_ascii_start();
        rest.starts_with(b"values.") || rest.starts_with(b"values[")
    })
}

impl TemplateKind {
    /// The language of `text`, a file holding `{{`. Go's actions start with
    /// a dot, a variable, a trim marker or a Go keyword; Jinja's with a name,
    /// and Jinja alone has `{% … %}` statements. Backstage's skeletons are
    /// Nunjucks (Jinja's syntax), told by their `${{ values.x }}` markers.
    pub fn of(text: &[u8]) -> TemplateKind {
        if backstage_marker(text).is_some() {
            return TemplateKind::Backstage;
        }
        if is_freemarker(text) {
            return TemplateKind::FreeMarker;
        }
        if is_erb(text) {
            return TemplateKind::Erb;
        }
        if memchr::memmem::find(text, b"{{").is_none()
            && !has_jinja_statement(text)
            && (has_brace_placeholder(text) || has_indicator_placeholder(text))
        {
            return TemplateKind::Placeholders;
        }
        if !has_jinja_statement(text) && has_handlebars_section(text) {
            return TemplateKind::Handlebars;
        }
        const GO: [&[u8]; 26] = [
            b"{{ .",
            b"{{.",
            b"{{-",
            b"-}}",
            b"{{ $",
            b"{{$",
            b"{{ include ",
            b"{{ template ",
            b"{{ end",
            b"{{ if ",
            b"{{ range ",
            b"{{ with ",
            b"{{ define ",
            // Go's actions written without a blank (`{{if .X}}` … `{{end}}`).
            b"{{end",
            b"{{if ",
            b"{{range ",
            b"{{with ",
            b"{{define ",
            b"{{template ",
            b".Values",
            // Functions opening an action, as helmfile's and gomplate's
            // templates call them (`{{ env "X" | default "y" }}`); Jinja
            // reads the environment through a lookup and takes a filter's
            // arguments in parentheses (`| default('y')`).
            b"{{ env \"",
            b"{{ requiredEnv \"",
            b"{{ readFile \"",
            b"{{ exec \"",
            b"{{ tpl ",
            b"| default \"",
        ];
        let has = |needle: &[u8]| memchr::memmem::find(text, needle).is_some();
        if !has(b"{%") && GO.iter().any(|needle| has(needle)) {
            TemplateKind::Go
        } else {
            TemplateKind::Jinja
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            TemplateKind::Go => "Go/Helm template",
            TemplateKind::Jinja => "Ansible/Jinja template",
            TemplateKind::Handlebars => "Handlebars/Mustache template",
            TemplateKind::FreeMarker => "FreeMarker template",
            TemplateKind::Erb => "ERB (Ruby) template",
            TemplateKind::Backstage => "Backstage software template's skeleton (Nunjucks)",
            TemplateKind::Placeholders => {
                "template of placeholders a script fills in (`{NAME}`, `@NAME@`, `%NAME%`)"
            }
        }
    }

    /// [`TemplateKind::name`] for several files.
    fn plural(self) -> &'static str {
        match self {
            TemplateKind::Go => "Go/Helm templates",
            TemplateKind::Jinja => "Ansible/Jinja templates",
            TemplateKind::Handlebars => "Handlebars/Mustache templates",
            TemplateKind::FreeMarker => "FreeMarker templates",
            TemplateKind::Erb => "ERB (Ruby) templates",
            TemplateKind::Backstage => "Backstage software template's skeletons (Nunjucks)",
            TemplateKind::Placeholders => {
                "templates of placeholders a script fills in (`{NAME}`, `@NAME@`, `%NAME%`)"
            }
        }
    }

    /// "a" or "an" before [`TemplateKind::name`].
    pub(crate) fn article(self) -> &'static str {
        match self {
            TemplateKind::Jinja | TemplateKind::Erb => "an",
            TemplateKind::Go
            | TemplateKind::Handlebars
            | TemplateKind::FreeMarker
            | TemplateKind::Backstage
            | TemplateKind::Placeholders => "a",
        }
    }
}

/// The message of the per-file finding, by kind: [`one_per_root`] reads the
/// kind back from it.
fn file_message(kind: TemplateKind) -> String {
    format!(
        "this file is {} {} and was not linted",
        kind.article(),
        kind.name()
    )
}

fn help(kind: TemplateKind, chart: bool) -> &'static str {
    match (kind, chart) {
        (_, true) => {
            "render the chart (`helm template my-release ./chart --output-dir rendered/`) and lint the output, or exclude its templates with `exclude:` in .dvmlint.yaml"
        }
        (TemplateKind::Go | TemplateKind::Handlebars | TemplateKind::FreeMarker, false) => {
            "render the templates first and lint the output, or exclude them with `exclude:` in .dvmlint.yaml"
        }
        (TemplateKind::Placeholders, false) => {
            "fill in the placeholders as the repository's script does and lint the output, or exclude the file with `exclude:` in .dvmlint.yaml"
        }
        (TemplateKind::Erb, false) => {
            "Ruby tooling renders ERB (`erb`, Chef, Puppet, a Ruby test harness such as openshift-qe's verification-tests); lint the rendered manifests or exclude these files with `exclude:` in .dvmlint.yaml"
        }
        (TemplateKind::Backstage, false) => {
            "Backstage's `fetch:template` step fills in a software template's skeleton when a user runs the template; lint what it produces, or exclude the skeleton with `exclude:` in .dvmlint.yaml"
        }
        (TemplateKind::Jinja, false) => {
            "Ansible renders these files when it runs; dvmlint reads manifests, so lint the rendered manifests or exclude these files with `exclude:` in .dvmlint.yaml"
        }
    }
}

/// Whether `finding` is the per-file DVM002 of a file read as an
/// Ansible/Jinja template ([`finding`]): `{{ name }}` markers that are none
/// of Go's, Handlebars' or FreeMarker's, which a script may fill in with
/// `sed` as well (`rules::hygiene::template_placeholder::templates_filled_by_scripts`).
pub fn is_jinja_file_finding(finding: &Finding) -> bool {
    finding.rule == "DVM002" && finding.message == file_message(TemplateKind::Jinja)
}

/// The `{{…}}` tokens of a template `text` outside YAML comments
/// (`{{PROFILE_SHORT}}`, `{{ NAMESPACE }}`), each once, in the order they
/// first stand, with that line: what a script may replace, each token as a
/// whole, with `sed "s/{{PROFILE_SHORT}}/…/"`. `None` when the text holds
/// other template syntax besides (a Jinja statement, a FreeMarker
/// directive, a `{{` its line does not close), a token over a line or of
/// more than 64 bytes, or more than 64 tokens.
pub fn brace_tokens(text: &[u8]) -> Option<Vec<(String, u32)>> {
    if has_jinja_statement(text) || is_freemarker(text) || is_erb(text) {
        return None;
    }
    let mut tokens: Vec<(String, u32)> = Vec::new();
    for (line, number) in text.split(|&b| b == b'\n').zip(1u32..) {
        let mut code = line.get(..comment_start(line)).unwrap_or(line);
        while let Some(open) = memchr::memmem::find(code, b"{{") {
            let rest = code.get(open..).unwrap_or_default();
            let close = memchr::memmem::find(rest, b"}}")?;
            let token = rest.get(..close + 2)?;
            if token.len() > 64 || memchr::memmem::find(token.get(2..)?, b"{{").is_some() {
                return None;
            }
            let token = std::str::from_utf8(token).ok()?;
            if !tokens.iter().any(|(known, _)| known == token) {
                if tokens.len() == 64 {
                    return None;
                }
                tokens.push((token.to_owned(), number));
            }
            code = rest.get(close + 2..).unwrap_or_default();
        }
    }
    (!tokens.is_empty()).then_some(tokens)
}

/// The per-file finding for a template `text` at `file` (line 1).
pub fn finding(file: &Arc<str>, text: &[u8]) -> Finding {
    of_kind(file, TemplateKind::of(text))
}

/// The template the file `text` (outside a Helm chart) is, as the per-file
/// stage reads it (`lint::file`): a text that does not parse as YAML (a key
/// written twice aside) and holds template syntax that may be why
/// ([`is_template`], its markers not inside values only), or one that names
/// an object by a `{NAME}` placeholder ([`names_a_placeholder`]). `None` for
/// YAML that parses (markers inside values are text a build reads as such)
/// and for a broken file without template syntax: what a Kustomize build that
/// reads it may fail on, and what that failure is then said to be.
pub fn file_kind(text: &[u8]) -> Option<TemplateKind> {
    let mut broken = false;
    let mut placeholder_named = false;
    for chunk in crate::yaml::split_documents(text) {
        let Ok(chunk_text) = std::str::from_utf8(chunk.bytes) else {
            return None;
        };
        let parsed =
            crate::yaml::parse_chunk(chunk_text, chunk.first_line, crate::yaml::Limits::default());
        broken |= parsed
            .error
            .as_ref()
            .is_some_and(|err| err.duplicate_key().is_none_or(|key| key.contains("{{")));
        placeholder_named |= parsed.documents.iter().any(names_a_placeholder);
    }
    if broken && is_template(text) && !markers_inside_values_only(text) {
        Some(TemplateKind::of(text))
    } else if placeholder_named {
        Some(TemplateKind::Placeholders)
    } else {
        None
    }
}

/// Whether `document` names itself, or its namespace, by a `{NAME}`
/// placeholder standing alone (`name: {CLUSTER_NAME}`): YAML reads it as a
/// flow mapping `{CLUSTER_NAME: null}`, which `kubectl` refuses, so the file
/// is a template of placeholders a script fills in (`sed
/// s/{CLUSTER_NAME}/…/`), not objects to model without their names.
pub fn names_a_placeholder(document: &crate::yaml::Node<'_>) -> bool {
    let Some(metadata) = document.get("metadata") else {
        return false;
    };
    ["name", "namespace"].iter().any(|key| {
        metadata
            .get(key)
            .is_some_and(|value| match value.entries() {
                [(name, empty)] => {
                    empty.is_null()
                        && name.as_str().is_some_and(|name| {
                            name.len() >= 2
                                && name.starts_with(|c: char| c.is_ascii_uppercase())
                                && name.bytes().all(|b| {
                                    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
                                })
                        })
                }
                _ => false,
            })
    })
}

/// The file's DVM002 for a template of `{NAME}` placeholders
/// ([`names_a_placeholder`]).
pub fn placeholders(file: &Arc<str>) -> Finding {
    of_kind(file, TemplateKind::Placeholders)
}

fn of_kind(file: &Arc<str>, kind: TemplateKind) -> Finding {
    Finding::new(
        "DVM002",
        Location::new(file, Span::line_start(1)),
        file_message(kind),
    )
    .help(help(kind, false))
}

/// Where a template file belongs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TemplateRoot {
    /// A Helm chart: the folder holding `Chart.yaml` (`""` for the root).
    Chart(String),
    /// Any other template: its folder.
    Folder(String),
}

/// The folders that hold a `Chart.yaml` among `files` (paths relative to the
/// project root): the Helm charts of the project.
pub fn chart_dirs<'f>(files: impl IntoIterator<Item = &'f str>) -> BTreeSet<&'f str> {
    files
        .into_iter()
        .filter_map(|f| match f.rsplit_once('/') {
            Some((dir, "Chart.yaml")) => Some(dir),
            None if f == "Chart.yaml" => Some(""),
            _ => None,
        })
        .collect()
}

/// The root of the template at `file`: the nearest chart above it (a
/// folder of `charts`, from [`chart_dirs`]), else its own folder. A chart
/// vendored in another's `charts/` folder is no root of its own: its
/// templates are the including chart's, rendered (or not) with it.
pub fn template_root(file: &str, charts: &BTreeSet<&str>) -> TemplateRoot {
    let mut dir = file.rsplit_once('/').map_or("", |(d, _)| d);
    let own = dir;
    let vendored = |dir: &str| {
        dir.rsplit_once('/')
            .and_then(|(parent, _)| parent.strip_suffix("charts"))
            .and_then(|including| match including {
                "" => Some(""),
                _ => including.strip_suffix('/'),
            })
            .is_some_and(|including| charts.contains(including))
    };
    loop {
        if charts.contains(dir) && !vendored(dir) {
            return TemplateRoot::Chart(dir.to_owned());
        }
        match dir.rsplit_once('/') {
            Some((parent, _)) => dir = parent,
            None if !dir.is_empty() => dir = "",
            None => return TemplateRoot::Folder(own.to_owned()),
        }
    }
}

/// Replaces the per-file DVM002 findings of `findings` by one per template
/// root: `files` are every file of the run (to find the charts). Other DVM002
/// findings (the rendering stage's one per root it could not render) are
/// already one per root and stay as they are, except that a chart the
/// rendering stage could not render gets no second finding for its
/// templates: its own finding names them (one finding per chart, where a
/// user would read two saying one thing).
pub fn one_per_root(findings: &mut Vec<Finding>, files: &[Arc<str>]) {
    if !findings.iter().any(|f| f.rule == "DVM002") {
        return;
    }
    let charts = chart_dirs(files.iter().map(AsRef::as_ref));
    let kinds = [
        TemplateKind::Go,
        TemplateKind::FreeMarker,
        TemplateKind::Erb,
        TemplateKind::Jinja,
        TemplateKind::Backstage,
        TemplateKind::Handlebars,
        TemplateKind::Placeholders,
    ]
    .map(|kind| (file_message(kind), kind));
    let mut roots: BTreeMap<(TemplateRoot, TemplateKind), Vec<Arc<str>>> = BTreeMap::new();
    findings.retain(|f| {
        if f.rule != "DVM002" || !kinds.iter().any(|(message, _)| *message == f.message) {
            return true;
        }
        let root = template_root(&f.location.file, &charts);
        let kind = match root {
            TemplateRoot::Chart(_) => TemplateKind::Go,
            TemplateRoot::Folder(_) => kinds
                .iter()
                .find(|(message, _)| *message == f.message)
                .map_or(TemplateKind::Jinja, |(_, kind)| *kind),
        };
        roots
            .entry((root, kind))
            .or_default()
            .push(Arc::clone(&f.location.file));
        false
    });
    for ((root, kind), mut templates) in roots {
        templates.sort();
        templates.dedup();
        let count = templates.len();
        let files = if count == 1 {
            "1 template file that is".to_owned()
        } else {
            format!("{count} template files that are")
        };
        let (location, message, chart) = match &root {
            TemplateRoot::Chart(dir) => {
                let chart_file = if dir.is_empty() {
                    "Chart.yaml".to_owned()
                } else {
                    format!("{dir}/Chart.yaml")
                };
                // A chart not rendered (DVM002) or whose render failed
                // (DVM004): that finding says its templates were not linted,
                // rather than a second one; each release's, so that the
                // same failure of two releases (one per cluster) stays one
                // finding.
                let mut told = false;
                for chart_finding in findings.iter_mut().filter(|f| {
                    *f.location.file == *chart_file
                        && ((f.rule == "DVM002"
                            && f.message.starts_with(crate::render::HELM_NOT_RENDERED))
                            || (f.rule == "DVM004"
                                && f.message.starts_with(crate::render::HELM_FAILED)))
                }) {
                    told = true;
                    // A local dependency's templates are rendered where its
                    // parent's values enable it (their findings are there).
                    if chart_finding
                        .message
                        .contains(crate::render::LOCAL_DEPENDENCY)
                    {
                        chart_finding.message.push_str(if count == 1 {
                            ", and its template file only as that chart renders it"
                        } else {
                            ", and its template files only as that chart renders them"
                        });
                        continue;
                    }
                    let said = match (chart_finding.rule.as_ref(), count) {
                        ("DVM002", 1) => ", and its 1 template file not at all".to_owned(),
                        ("DVM002", _) => format!(", and its {count} template files not at all"),
                        (_, 1) => " (so its 1 template file was not linted)".to_owned(),
                        _ => format!(" (so its {count} template files were not linted)"),
                    };
                    chart_finding.message.push_str(&said);
                    for file in &templates {
                        chart_finding.related.push(Related {
                            location: Location::new(file, Span::line_start(1)),
                            message: format!("{} {} (not linted)", kind.article(), kind.name()),
                        });
                    }
                }
                if told {
                    continue;
                }
                (
                    Location::new(&Arc::from(chart_file), Span::line_start(1)),
                    format!(
                        "the Helm chart `{}` has {files} not YAML until rendered, so not linted",
                        if dir.is_empty() { "." } else { dir }
                    ),
                    true,
                )
            }
            TemplateRoot::Folder(dir) => {
                let Some(first) = templates.first() else {
                    continue;
                };
                let message = if count == 1 {
                    file_message(kind)
                } else {
                    format!(
                        "{count} files in `{}` are {} and were not linted",
                        if dir.is_empty() { "." } else { dir },
                        kind.plural()
                    )
                };
                (Location::new(first, Span::line_start(1)), message, false)
            }
        };
        let mut finding = Finding::new("DVM002", location, message).help(help(kind, chart));
        if chart || count > 1 {
            for file in &templates {
                finding = finding.related(
                    Location::new(file, Span::line_start(1)),
                    format!("{} {} (not linted)", kind.article(), kind.name()),
                );
            }
        }
        findings.push(finding);
    }
}

/// The API group of Open Cluster Management's (ACM's) policies.
const ACM_POLICY_GROUP: &str = "policy.open-cluster-management.io";

/// DVM002 for the objects an ACM `Policy` or `ConfigurationPolicy` enforces
/// on its managed clusters, of the kinds the model keeps (a NetworkPolicy, an
/// egress firewall, a Proxy, a MigrationController…): ACM creates them where
/// its Placements say, which no file of the repository names, so they are not
/// in the model and the cross-file rules do not see them. Said once per such
/// object, at line 1 of the file like every DVM002, the object's `kind`
/// related. Policies that only inform, and `mustnothave` templates, create
/// nothing and get nothing.
pub fn enforced_by_acm(ctx: &crate::rules::DocContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(meta) = ctx.meta else { return };
    // The kind first: asked of every object, it differs for nearly all.
    if !matches!(meta.kind.value.as_str(), "Policy" | "ConfigurationPolicy")
        || meta.group() != ACM_POLICY_GROUP
    {
        return;
    }
    // The Policy's own `remediationAction`, when set, overrides its templates'.
    let policy_action = |node: &crate::yaml::Node<'_>| {
        node.at(&["spec", "remediationAction"])
            .and_then(crate::yaml::Node::as_str)
            .map(str::to_ascii_lowercase)
    };
    let configuration_policies: Vec<(&crate::yaml::Node<'_>, Option<String>)> =
        match meta.kind.value.as_str() {
            "Policy" => {
                // A disabled policy is not propagated to any cluster.
                if ctx
                    .node
                    .at(&["spec", "disabled"])
                    .and_then(crate::yaml::Node::as_bool)
                    == Some(true)
                {
                    return;
                }
                let overriding = policy_action(ctx.node);
                ctx.node
                    .at(&["spec", "policy-templates"])
                    .map(crate::yaml::Node::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|template| template.get("objectDefinition"))
                    .map(|definition| (definition, overriding.clone()))
                    .collect()
            }
            "ConfigurationPolicy" => vec![(ctx.node, None)],
            _ => return,
        };
    for (policy, overriding) in configuration_policies {
        let is_configuration_policy = policy.get("kind").and_then(crate::yaml::Node::as_str)
            == Some("ConfigurationPolicy")
            && policy
                .get("apiVersion")
                .and_then(crate::yaml::Node::as_str)
                .is_some_and(|v| v.starts_with("policy.open-cluster-management.io/"));
        let action = overriding.or_else(|| policy_action(policy));
        if !is_configuration_policy || action.as_deref() != Some("enforce") {
            continue;
        }
        let templates = policy
            .at(&["spec", "object-templates"])
            .map(crate::yaml::Node::items)
            .unwrap_or_default();
        for template in templates {
            let creates = template
                .get("complianceType")
                .and_then(crate::yaml::Node::as_str)
                .is_none_or(|t| !t.eq_ignore_ascii_case("mustnothave"));
            let Some(object) = template.get("objectDefinition").filter(|_| creates) else {
                continue;
            };
            let Some(Unmodelled {
                kind_node,
                kind,
                rules,
                name,
            }) = unmodelled(object)
            else {
                continue;
            };
            out.push(created_elsewhere(
                ctx,
                kind_node,
                format!(
                    "ACM enforces the {kind}{name} on the managed clusters the policy reaches: \
                     objects ACM creates are not in dvmlint's model, so {rules} do not see it"
                ),
                ACM_HELP,
                format!("the {kind} ACM enforces"),
            ));
        }
    }
}

/// A network policy of a CNI's own API (Calico's, Cilium's, Antrea's):
/// dvmlint evaluates Kubernetes NetworkPolicies, admin network policies and
/// OpenShift's egress firewalls, not these, so rsync traffic such a policy
/// cuts (Calico's `action: Deny` on `all()`) would go unreported. Said once
/// per such object, at line 1 of its file like every DVM002, its `kind`
/// related, rather than nothing.
pub fn cni_policy(ctx: &crate::rules::DocContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(meta) = ctx.meta else { return };
    let kind = meta.kind.value.as_str();
    // The kind first: asked of every object, it differs for nearly all.
    let cni = match kind {
        "NetworkPolicy"
        | "GlobalNetworkPolicy"
        | "StagedNetworkPolicy"
        | "StagedGlobalNetworkPolicy" => match meta.group() {
            "projectcalico.org" | "crd.projectcalico.org" => "Calico",
            "crd.antrea.io" if kind == "NetworkPolicy" => "Antrea",
            _ => return,
        },
        "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy" if meta.group() == "cilium.io" => {
            "Cilium"
        }
        "ClusterNetworkPolicy" if meta.group() == "crd.antrea.io" => "Antrea",
        _ => return,
    };
    let kind_at = ctx
        .node
        .get("kind")
        .map_or(Span::line_start(1), |node| node.span);
    // At line 1 of the file, as every DVM002: the policy is named, and its
    // line, so that the infos of a file of many policies tell them apart.
    let name = &meta.name.value;
    out.push(
        ctx.finding(
            "DVM002",
            Span::line_start(1),
            format!(
                "the {cni} {kind} `{name}` (line {line}) is not evaluated: dvmlint judges Kubernetes NetworkPolicies, admin network policies and OpenShift egress firewalls, so rsync traffic this policy allows or denies is not checked by DVM101-DVM104",
                line = kind_at.start.line
            ),
        )
        .help(CNI_HELP)
        .related(ctx.location(kind_at), format!("the {cni} {kind}")),
    );
}

/// The help of [`cni_policy`].
const CNI_HELP: &str = "check by hand that it lets the rsync pods of migrated namespaces reach the destination (and, on the target, be reached), or suppress this finding with the reason";

/// Whether `finding` is one of the DVM002 infos that say an object of a
/// file is not in the model ([`enforced_by_acm`], [`created_by_capsule`],
/// [`generated_by_kyverno`], [`cni_policy`]; told by their help, a constant
/// of each). Moot for a file no one applies as written (a policy engine's
/// test inputs, a file beside a kustomization that does not list it: not
/// modelled either) and for a test's inputs (`units::is_test_input`): the
/// project stage drops them there ([`drop_unmodelled_of_unapplied`]).
pub fn is_unmodelled_object(finding: &Finding) -> bool {
    finding.rule == "DVM002"
        && finding.rendered.is_none()
        && finding
            .help
            .as_deref()
            .is_some_and(|help| [ACM_HELP, CAPSULE_HELP, KYVERNO_HELP, CNI_HELP].contains(&help))
}

/// Drops the [`is_unmodelled_object`] infos of files applied by no one as
/// written (`ApplyUnits::is_unapplied`) or a test's inputs (trial 30:
/// kyverno/kyverno's Chainsaw test folders, 47 infos that Kyverno generates
/// objects the model lacks, where nothing is ever generated).
pub fn drop_unmodelled_of_unapplied(findings: &mut Vec<Finding>, units: &crate::units::ApplyUnits) {
    findings.retain(|f| {
        !is_unmodelled_object(f)
            || !(units.is_unapplied(&f.location.file)
                || crate::units::is_test_input(&f.location.file))
    });
}

/// The API group of Capsule's tenant resources.
const CAPSULE_GROUP: &str = "capsule.clastix.io";

/// DVM002 for the objects a Capsule `TenantResource` or
/// `GlobalTenantResource` writes in full (`spec.resources[].rawItems`), of
/// the kinds [`unmodelled_rules`] names: Capsule creates each in every
/// namespace of its tenants (a GlobalTenantResource's `tenantSelector`, a
/// TenantResource's own tenant, narrowed by `namespaceSelector`), which
/// dvmlint does not model (a namespace's tenant is a label Capsule sets), so
/// they are not in the model and the cross-file rules do not see them. The
/// same blindness as [`enforced_by_acm`]'s, said the same way: once per such
/// object, at line 1 of the file like every DVM002, naming the object's line,
/// its `kind` related.
pub fn created_by_capsule(ctx: &crate::rules::DocContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(meta) = ctx.meta else { return };
    // The kind first: asked of every object, it differs for nearly all.
    let global = match meta.kind.value.as_str() {
        "GlobalTenantResource" => true,
        "TenantResource" => false,
        _ => return,
    };
    if meta.group() != CAPSULE_GROUP {
        return;
    }
    let resources = ctx
        .node
        .at(&["spec", "resources"])
        .map(crate::yaml::Node::items)
        .unwrap_or_default();
    let objects = resources
        .iter()
        .filter_map(|resource| resource.get("rawItems"))
        .flat_map(crate::yaml::Node::items);
    for object in objects {
        let Some(Unmodelled {
            kind_node,
            kind,
            rules,
            name,
        }) = unmodelled(object)
        else {
            continue;
        };
        let line = kind_node.span.start.line;
        let namespaces = if global {
            "every namespace of the tenants this GlobalTenantResource selects"
        } else {
            "every namespace of its tenant (or those its `namespaceSelector` selects)"
        };
        out.push(created_elsewhere(
            ctx,
            kind_node,
            format!(
                "Capsule creates the {kind}{name} (line {line}) in {namespaces}: objects \
                 Capsule creates are not in dvmlint's model, so {rules} do not see it"
            ),
            CAPSULE_HELP,
            format!("the {kind} Capsule creates"),
        ));
    }
}

/// The API group of Kyverno's policies.
const KYVERNO_GROUP: &str = "kyverno.io";

/// DVM002 for the objects a Kyverno `ClusterPolicy` or `Policy` generates
/// (`spec.rules[].generate`: written in `data`, cloned from another object,
/// or per item of a `foreach`; `cloneList.kinds`), of the kinds
/// [`unmodelled_rules`] names. Kyverno creates each as the objects its rule
/// matches appear (a default-deny NetworkPolicy in every new Namespace: the
/// namespace a migration creates on the destination too), which dvmlint does
/// not model, so the cross-file rules do not see them. Said as
/// [`created_by_capsule`] says Capsule's: once per such object, at line 1,
/// its `kind` related.
pub fn generated_by_kyverno(ctx: &crate::rules::DocContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(meta) = ctx.meta else { return };
    if !matches!(meta.kind.value.as_str(), "ClusterPolicy" | "Policy")
        || meta.group() != KYVERNO_GROUP
    {
        return;
    }
    let rules = ctx
        .node
        .at(&["spec", "rules"])
        .map(Node::items)
        .unwrap_or_default();
    for rule in rules {
        let Some(generate) = rule.get("generate") else {
            continue;
        };
        let rule_name = rule
            .get("name")
            .and_then(Node::as_str)
            .map_or_else(String::new, |name| format!(" `{name}`"));
        let mut generated: Vec<(&Node<'_>, &str, &str, Option<&str>)> = Vec::new();
        let foreach = generate.get("foreach").map(Node::items).unwrap_or_default();
        for target in std::iter::once(generate).chain(foreach) {
            if let (Some(kind_node), Some(api_version)) = (
                target.get("kind"),
                target.get("apiVersion").and_then(Node::as_str),
            ) && let Some(kind) = kind_node.as_str()
            {
                let name = target.get("name").and_then(Node::as_str);
                generated.push((kind_node, api_version, kind, name));
            }
        }
        // `cloneList.kinds`: `group/version/Kind` (`v1/Kind` in the core group).
        let listed = generate
            .at(&["cloneList", "kinds"])
            .map(Node::items)
            .unwrap_or_default();
        for item in listed {
            if let Some(text) = item.as_str()
                && let Some((api_version, kind)) = text.rsplit_once('/')
            {
                generated.push((item, api_version, kind, None));
            }
        }
        for (kind_node, api_version, kind, name) in generated {
            let Some(judged_by) = rules_reading(api_version, kind) else {
                continue;
            };
            let name = name.map_or_else(String::new, |name| format!(" `{name}`"));
            let line = kind_node.span.start.line;
            out.push(created_elsewhere(
                ctx,
                kind_node,
                format!(
                    "Kyverno generates the {kind}{name} (line {line}) by its rule{rule_name}, in each \
                     namespace that rule matches as it appears (a namespace a migration creates on the \
                     destination too): objects Kyverno generates are not in dvmlint's model, so \
                     {judged_by} do not see it"
                ),
                KYVERNO_HELP,
                format!("the {kind} Kyverno generates"),
            ));
        }
    }
}

/// The help of [`generated_by_kyverno`].
const KYVERNO_HELP: &str = "dvmlint does not evaluate Kyverno policies. To have the cross-file rules judge \
    this object, commit it as a plain manifest in each namespace it is generated in, with the files of that \
    namespace's cluster (see `clusters:` in `.dvmlint.yaml`); to acknowledge it, suppress DVM002 here \
    (`# dvmlint: ignore[DVM002] reason`)";

/// The help of [`created_by_capsule`].
const CAPSULE_HELP: &str = "dvmlint does not model Capsule tenants (which namespaces a tenant owns). To have \
    the cross-file rules judge this object, commit it as a plain manifest in each tenant namespace it is \
    created in, with the files of that namespace's cluster (see `clusters:` in `.dvmlint.yaml`); to \
    acknowledge it, suppress DVM002 here (`# dvmlint: ignore[DVM002] reason`)";

/// The rules that would judge an object of this kind, if it is one whose
/// absence from the model can hide a failed migration: what cuts or carries
/// DVM's traffic, what admits the rsync pods, and the migration's own
/// resources. Other kinds the model keeps (a Namespace, a Node, a
/// StorageClass) are what policy libraries enforce by the dozen, and their
/// absence hides no traffic verdict; a ResourceQuota no rule judges (whether
/// it has room for the rsync pods depends on its usage, DVM125). For the
/// objects another controller creates from a manifest of the repository: an
/// ACM policy's ([`enforced_by_acm`]), a Capsule tenant resource's
/// ([`created_by_capsule`]).
/// An object another controller creates (an ACM policy's `objectDefinition`,
/// a Capsule tenant resource's `rawItems` item) whose kind a rule reads.
struct Unmodelled<'n, 'a> {
    kind_node: &'n Node<'a>,
    kind: &'n str,
    /// The rules that do not see it ([`unmodelled_rules`]).
    rules: &'static str,
    /// ` `name``, or empty when it has none.
    name: String,
}

fn unmodelled<'n, 'a>(object: &'n Node<'a>) -> Option<Unmodelled<'n, 'a>> {
    let kind_node = object.get("kind")?;
    let api_version = object.get("apiVersion").and_then(Node::as_str)?;
    let kind = kind_node.as_str()?;
    let rules = rules_reading(api_version, kind)?;
    let name = object
        .at(&["metadata", "name"])
        .and_then(Node::as_str)
        .map_or_else(String::new, |name| format!(" `{name}`"));
    Some(Unmodelled {
        kind_node,
        kind,
        rules,
        name,
    })
}

/// [`unmodelled_rules`] of an object's `apiVersion` (`group/version`, or a
/// version alone in the core group) and `kind`.
pub(crate) fn rules_reading(api_version: &str, kind: &str) -> Option<&'static str> {
    unmodelled_rules(crate::manifest::group_of(api_version, kind), kind)
}

/// The DVM002 of an object another controller creates from this document:
/// at line 1 of the file, as every DVM002, the object's `kind` related.
fn created_elsewhere(
    ctx: &crate::rules::DocContext<'_, '_>,
    kind_node: &Node<'_>,
    message: String,
    help: &str,
    related: String,
) -> Finding {
    ctx.finding("DVM002", Span::line_start(1), message)
        .help(help)
        .related(ctx.location(kind_node.span), related)
}

fn unmodelled_rules(group: &str, kind: &str) -> Option<&'static str> {
    match (group, kind) {
        ("networking.k8s.io", "NetworkPolicy")
        | ("policy.networking.k8s.io", "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy") => {
            Some("the network rules (DVM101–DVM105)")
        }
        ("k8s.ovn.org" | "network.openshift.io", "EgressFirewall" | "EgressNetworkPolicy") => {
            Some("the egress firewall rules (DVM110–DVM113)")
        }
        ("", "LimitRange") => Some("the LimitRange checks of the rsync pods (DVM125)"),
        ("config.openshift.io", "Proxy") => Some("the proxy rules (DVM201–DVM212)"),
        ("migration.openshift.io", "MigrationController" | "MigCluster" | "MigPlan") => {
            Some("the rules that read the migration's resources")
        }
        _ => None,
    }
}

/// The help of [`enforced_by_acm`].
const ACM_HELP: &str = "dvmlint does not evaluate ACM Placements. To have the cross-file rules judge this \
    object, commit it as a plain manifest with the files of the cluster it is enforced on (see `clusters:` \
    in `.dvmlint.yaml`), or lint a rendering of the policy for that cluster; to acknowledge it, suppress \
    DVM002 here (`# dvmlint: ignore[DVM002] reason`)";

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;

    /// Each CNI policy of a file is its own info at line 1, told apart by
    /// its name and line.
    #[test]
    fn cni_policies_are_named_with_their_line() {
        let text = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: shop.front\n\
                    ---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: deny\n";
        let rules = crate::rules::RuleSet::new(&[], &[]);
        let cluster_of = |_: &str| None;
        let settings = crate::lint::file::FileSettings::standalone(&rules, &cluster_of);
        let result = crate::lint::file::analyze_bytes(
            &std::sync::Arc::from("p.yaml"),
            text.as_bytes(),
            &settings,
        );
        let infos: Vec<(u32, &str)> = result
            .findings
            .iter()
            .filter(|f| f.rule == "DVM002")
            .map(|f| (f.location.span.start.line, f.message.as_str()))
            .collect();
        assert_eq!(infos.len(), 2, "{infos:?}");
        assert_eq!(infos[0].0, 1);
        assert!(
            infos[0]
                .1
                .starts_with("the Calico NetworkPolicy `shop.front` (line 2) is not evaluated"),
            "{infos:?}"
        );
        assert_eq!(infos[1].0, 1);
        assert!(
            infos[1]
                .1
                .starts_with("the Cilium CiliumNetworkPolicy `deny` (line 7) is not evaluated"),
            "{infos:?}"
        );
    }

    #[test]
    fn placeholders_of_at_and_percent_signs() {
        for text in [
            "image: registry.example.com/app:@project.version@\n",
            "metadata:\n  namespace: %%%\n",
            "env:\n  - %APP_NAME%\n",
            "tag: @VERSION@-alpine\n",
        ] {
            let placeholder = text.lines().any(|l| {
                let v = l.trim_start().trim_start_matches("- ");
                let v = v.split_once(": ").map_or(v, |(_, v)| v);
                is_indicator_placeholder(v.as_bytes())
            });
            assert_eq!(placeholder, !text.starts_with("image"), "{text:?}");
            assert_eq!(is_template(text.as_bytes()), placeholder, "{text:?}");
        }
        assert_eq!(TemplateKind::of(b"ns: %%%\n"), TemplateKind::Placeholders);
        // Not placeholders: a mail address, a percent in text, a comment.
        for text in [
            "owner: team@example.com\n",
            "note: 100% sure\n",
            "# value: @VERSION@\nkey: value\n",
            "quoted: '@VERSION@'\n",
            "sign: '%'\n",
            "lone: @\n",
        ] {
            assert!(!is_template(text.as_bytes()), "{text:?}");
        }
    }

    /// What a build may fail on: a file that does not parse for its template
    /// syntax, or names an object by a `{NAME}` placeholder; not YAML that
    /// parses with markers in its values, nor a broken file without any.
    #[test]
    fn the_template_a_file_is_as_the_per_file_stage_reads_it() {
        assert_eq!(
            file_kind(b"kind: Deployment\nspec:\n  x: %TOKEN%\n"),
            Some(TemplateKind::Placeholders)
        );
        assert_eq!(
            file_kind(b"kind: Role\nmetadata:\n  {{#if X}}\n  labels: {}\n  {{/if}}\n"),
            Some(TemplateKind::Handlebars)
        );
        assert_eq!(
            file_kind(b"kind: Namespace\nmetadata:\n  name: {CLUSTER_NAME}\n"),
            Some(TemplateKind::Placeholders)
        );
        assert_eq!(
            file_kind(b"kind: ConfigMap\n---\nkind: Deployment\nspec:\n  {{- if .Values.x }}\n"),
            Some(TemplateKind::Go)
        );
        assert_eq!(
            file_kind(b"message: Instance {{ $labels.instance }} is down\n"),
            None
        );
        assert_eq!(file_kind(b"spec:\n  x: 1\n   y: 2\n"), None);
        assert_eq!(file_kind(b"a: 1\n"), None);
    }

    #[test]
    fn brace_tokens_are_each_whole_token_once_unless_other_syntax_is_there() {
        let text = b"kind: OperatorGroup\nmetadata:\n  name: {{PROFILE}}-operator # not {{ this }}\n  namespace: {{NAMESPACE}}\n  labels: {a: '{{PROFILE}}', b: \"{{ NAMESPACE }}\"}\n";
        assert_eq!(
            brace_tokens(text),
            Some(vec![
                ("{{PROFILE}}".to_owned(), 3),
                ("{{NAMESPACE}}".to_owned(), 4),
                ("{{ NAMESPACE }}".to_owned(), 5),
            ])
        );
        for other in [
            &b"{% if x %}\nname: {{X}}\n{% endif %}\n"[..],
            b"<#if x>\nname: {{X}}\n</#if>\n",
            b"name: {{X\n}}\n",
            b"name: {{ a {{ b }}\n",
            b"name: x\n",
        ] {
            assert_eq!(
                brace_tokens(other),
                None,
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }

    #[test]
    fn erb_tags_opening_a_line_make_an_erb_template() {
        let erb = b"spec:\n  <% if proxy %>\n  env: []\n  <% end %>\n";
        assert!(is_template(erb));
        assert!(!markers_inside_values_only(erb));
        assert_eq!(TemplateKind::of(erb), TemplateKind::Erb);
        let skeleton = b"metadata:\n  name: ${{values.component_id}}\n{%- if values.owner %}\n  owner: x\n{%- endif %}\n";
        assert_eq!(TemplateKind::of(skeleton), TemplateKind::Backstage);
        assert_eq!(backstage_marker(b"id: ${{ values.name }}"), Some(4));
        assert_eq!(backstage_marker(b"token: ${{ secrets.TOKEN }}"), None);
        assert_eq!(
            finding(&Arc::from("pod.yaml"), erb).message,
            "this file is an ERB (Ruby) template and was not linted"
        );
        for tag in ["<%= x %>", "<%- x -%>", "<%# note %>"] {
            assert!(is_erb(format!("a:\n  {tag}\n").as_bytes()), "{tag}");
        }
        // A tag inside a value is text YAML reads; a `<%` without its `%>` on
        // the line, or a percent sign in a URL, is no tag.
        assert!(!is_template(b"image: <%= repo %>/app\n"));
        assert!(!is_template(b"a:\n  <%= 50\n  %>\n"));
        assert!(!is_template(b"url: http://x/<%20%>\n"));
    }

    #[test]
    fn kinds_by_syntax() {
        assert_eq!(
            TemplateKind::of(b"name: {{ .Values.name }}"),
            TemplateKind::Go
        );
        assert_eq!(
            TemplateKind::of(b"spec:\n  {{- toYaml .Values.spec }}"),
            TemplateKind::Go
        );
        assert_eq!(
            TemplateKind::of(b"- hosts: localhost\n  vars:\n    a: \"{{ lookup('env', 'X') }}\""),
            TemplateKind::Jinja
        );
        assert_eq!(
            TemplateKind::of(b"{% if x %}\na: {{ x }}\n{% endif %}"),
            TemplateKind::Jinja
        );
        // Go actions written without blanks, as an operator's own templates do.
        assert_eq!(
            TemplateKind::of(b"{{if .IPsecEnable}}\nkind: MachineConfig\n{{end}}\n"),
            TemplateKind::Go
        );
        // Actions that open with a function, as helmfile's templates do; an
        // Ansible default filter takes its argument in parentheses.
        assert_eq!(
            TemplateKind::of(b"installed: {{ env \"ON\" | default \"true\" }}\n"),
            TemplateKind::Go
        );
        assert_eq!(
            TemplateKind::of(b"installed: {{ on | default('true') }}\n"),
            TemplateKind::Jinja
        );
        // A snippet wrapped in Jinja's `{% raw %}`, with no `{{` in it.
        let raw = b"{% raw %}\napiVersion: v1\nkind: ConfigMap\n{% endraw %}\n";
        assert!(is_template(raw));
        assert_eq!(TemplateKind::of(raw), TemplateKind::Jinja);
        // Handlebars and Mustache sections, closes, inverted sections and
        // partials: not Jinja.
        for text in [
            "metadata:\n  {{#if SELECTOR}}\n  annotations:\n    a: {{ SELECTOR }}\n  {{/if}}\n",
            "items:\n{{#each ports}}\n  - {{this}}\n{{/each}}\n",
            "{{^disabled}}\nkind: ConfigMap\n{{/disabled}}\n",
            "data:\n  {{> common-labels}}\n",
            "{{~#if x~}}\na: b\n{{~/if~}}\n",
        ] {
            assert_eq!(
                TemplateKind::of(text.as_bytes()),
                TemplateKind::Handlebars,
                "{text:?}"
            );
        }
        // Go's comment is no Handlebars close; Jinja's `{{ var }}` stays Jinja.
        assert_eq!(
            TemplateKind::of(b"{{/* a comment */}}\nname: {{ .Values.name }}\n"),
            TemplateKind::Go
        );
        assert_eq!(TemplateKind::of(b"a: {{ var }}\n"), TemplateKind::Jinja);
        assert_eq!(
            finding(
                &Arc::from("app/role.yaml"),
                b"a:\n  {{#if X}}\n  b: c\n  {{/if}}\n"
            )
            .message,
            "this file is a Handlebars/Mustache template and was not linted"
        );
        // A `{{#` only in a comment is nothing of the kind.
        assert_eq!(
            TemplateKind::of(b"# {{#if x}}\na: {{ var }}\n"),
            TemplateKind::Jinja
        );
        let ftl = b"metadata:\n  namespace: ${ns}\n  <#if x>\n  a: b\n</#if>\n";
        assert_eq!(TemplateKind::of(ftl), TemplateKind::FreeMarker);
        assert!(is_template(ftl));
        assert!(!is_template(b"a: <b>\nc: ${d}\n"));
    }

    /// `{{` in a comment makes no template, in block or flow context; it
    /// does anywhere else, quoted or not (a `#` inside a quoted scalar or a
    /// word opens no comment).
    #[test]
    fn placeholders_joined_to_a_value_make_a_template() {
        for text in [
            "spec:\n  clusterIP: {SERVICE_IP_PREFIX}.16\n  bad: [\n",
            "metadata:\n  name: db-{ENV}\nspec: {\n",
            "a: x{NAME}y\nb: [\n",
        ] {
            assert!(is_template(text.as_bytes()), "{text}");
            assert_eq!(
                TemplateKind::of(text.as_bytes()),
                TemplateKind::Placeholders,
                "{text}"
            );
        }
        for text in [
            // A flow mapping alone, a lower-case or one-letter name, a comment.
            "selector: {APP}\nbad: [\n",
            "a: x{name}y\nbad: [\n",
            "a: x{N}y\nbad: [\n",
            "a: b # x{NAME}y\nbad: [\n",
            "a: {NAME: v}\nbad: [\n",
            "command: [serve, ${ARGS}]\n",
        ] {
            assert!(!is_template(text.as_bytes()), "{text}");
        }
        // With Go's or Jinja's markers, theirs is the language.
        assert_eq!(
            TemplateKind::of(b"a: {{ .Values.x }}-{NAME}.1\n"),
            TemplateKind::Go
        );
    }

    /// A kustomization naming a file or folder by a template marker is a
    /// template; a shell's or Flux's variable in a path is not a marker.
    #[test]
    fn a_placeholder_in_a_kustomization_path_makes_a_template() {
        let templated = |text: &str| {
            let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
            names_a_templated_path(&crate::manifest::kustomization::Kustomization::from_node(
                &parsed.documents[0],
            ))
        };
        for text in [
            "resources:\n  - web.yaml\n  - ${{ values.component_id }}-bucket.yaml\n",
            "components:\n  - \"../components/${{ values.exposure }}\"\n",
            "patches:\n  - path: patch-{{ env }}.yaml\n",
            "resources:\n  - overlays/{ENV}\n",
            "bases:\n  - \"@BASE@\"\n",
        ] {
            assert!(templated(text), "{text}");
        }
        for text in [
            "resources:\n  - web.yaml\n  - ../base\n",
            "resources:\n  - config-${ENV}.yaml\n",
            "resources:\n  - config-$(ENV).yaml\n",
            // Markers elsewhere than in a path: values, for a tool to fill in
            // or not, of a kustomization that builds.
            "namePrefix: ${{ values.name }}-\nresources:\n  - web.yaml\n",
            "patches:\n  - patch: |\n      - op: add\n        value: \"{{ x }}\"\n",
        ] {
            assert!(!templated(text), "{text}");
        }
    }

    #[test]
    fn markers_in_comments_make_no_template() {
        for text in [
            "searches: [\n  # \"{{ .Values.domain }}.global\",\n]\n",
            "a: [b, # {{ .Values.c }}\n  d]\n",
            "# {{ .Values.x }}\nkind: Deployment\nx: [\n",
            "a: b # {{ c }}\n  bad: indent\n",
            "a: {k: v,   # {{ x }}\n}\n",
            "a: 'it''s' # {{ x }}\n",
            "a: it's # {{ x }}\n",
            "a: \"q\\\"x\" # {{ x }}\n",
        ] {
            assert!(!is_template(text.as_bytes()), "{text}");
        }
        for text in [
            "name: {{ .Values.name }}\n",
            "a: \"# {{ .Values.x }}\"\n",
            "a: '# {{ x }}'\n",
            "a: b#{{ c }}\n",
            "a: [x, \"{{ .Values.y }}\"] # {{ z }}\n",
            "{{- if .Values.x }}\n# {{ .Values.y }}\n{{- end }}\n",
        ] {
            assert!(is_template(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn markers_after_text_of_a_value_are_plain_text() {
        for text in [
            "message: Instance {{ $labels.instance }} is down\n",
            "- alert: A\n  annotations:\n    summary: 'x {{ $value }}'\n",
            "a: \"{{ .Values.x }}\"\n",
            "a: [x, \"{{ .Values.y }}\"]\n",
            "a: b # {{ c }}\n",
            "kind: ConfigMap\n",
        ] {
            assert!(markers_inside_values_only(text.as_bytes()), "{text}");
        }
        for text in [
            "{{- if .Values.x }}\nkind: A\n{{- end }}\n",
            "name: {{ .Values.name }}\n",
            "  - {{ .Values.item }}\n",
            "a: [x, {{ .Values.y }}]\n",
            "{{ .Values.key }}: v\n",
            "pre{{ x }}: v\n",
            "message: x {{ y }}\n{% if z %}\n",
            "ca.crt: | {{ .Files.Get \"ca.crt\" | nindent 4 }}\n",
            "a: > {{ .Values.text }}\n",
            "a: &anchor {{ .Values.x }}\n",
            "a: !!str {{ .Values.x }}\n",
            "endpoint: \"central.{{ required \"unknown\" .Release.Namespace }}.svc\"\n",
            "a: x {{ printf \"%s: %s\" .k .v }}\n",
            "a: x {{ .Values.y\n",
            "a: x {{ y }}\nb: {NAME}-c\n",
        ] {
            assert!(!markers_inside_values_only(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn roots_are_the_nearest_chart_else_the_folder() {
        let files = [
            "c/Chart.yaml",
            "c/sub/Chart.yaml",
            "Chart.yaml.bak",
            "x/Chart.yaml",
        ];
        let charts = chart_dirs(files);
        assert_eq!(charts, BTreeSet::from(["c", "c/sub", "x"]));
        let root = |f| template_root(f, &charts);
        assert_eq!(root("c/templates/a.yaml"), TemplateRoot::Chart("c".into()));
        assert_eq!(
            root("c/sub/templates/a.yaml"),
            TemplateRoot::Chart("c/sub".into())
        );
        assert_eq!(
            root("cc/templates/a.yaml"),
            TemplateRoot::Folder("cc/templates".into())
        );
        assert_eq!(root("a.yaml"), TemplateRoot::Folder(String::new()));
        let top = chart_dirs(["Chart.yaml"]);
        assert_eq!(
            template_root("templates/a.yaml", &top),
            TemplateRoot::Chart(String::new())
        );
        // A chart vendored in another's `charts/` is the including chart's.
        let vendored = chart_dirs([
            "p/Chart.yaml",
            "p/charts/identity/Chart.yaml",
            "Chart.yaml",
            "charts/db/Chart.yaml",
            "mycharts/q/Chart.yaml",
        ]);
        let root = |f| template_root(f, &vendored);
        assert_eq!(
            root("p/charts/identity/templates/a.yaml"),
            TemplateRoot::Chart("p".into())
        );
        assert_eq!(
            root("charts/db/templates/a.yaml"),
            TemplateRoot::Chart(String::new())
        );
        assert_eq!(
            root("mycharts/q/templates/a.yaml"),
            TemplateRoot::Chart("mycharts/q".into())
        );
    }

    #[test]
    fn a_chart_not_rendered_names_its_templates_in_its_own_finding() {
        let file = |p: &str| Arc::<str>::from(p);
        let files = [
            file("c/Chart.yaml"),
            file("c/templates/a.yaml"),
            file("c/templates/b.yaml"),
            file("d/Chart.yaml"),
            file("d/templates/a.yaml"),
        ];
        let not_rendered = |chart: &Arc<str>| {
            Finding::new(
                "DVM002",
                Location::new(chart, Span::line_start(1)),
                format!(
                    "{} (why): its objects were linted as written, not as applied",
                    crate::render::HELM_NOT_RENDERED
                ),
            )
        };
        let mut findings = vec![
            not_rendered(&files[0]),
            finding(&files[1], b"a: {{ .Values.a }"),
            finding(&files[2], b"b: {{ .Values.b }"),
            finding(&files[4], b"a: {{ .Values.a }"),
        ];
        one_per_root(&mut findings, &files);
        let summary: Vec<(&str, &str, Vec<&str>)> = findings
            .iter()
            .map(|f| {
                (
                    f.location.file.as_ref(),
                    f.message.as_str(),
                    f.related.iter().map(|r| r.location.file.as_ref()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "c/Chart.yaml",
                    "this Helm chart was not rendered (why): its objects were linted as written, not as applied, and its 2 template files not at all",
                    vec!["c/templates/a.yaml", "c/templates/b.yaml"]
                ),
                (
                    "d/Chart.yaml",
                    "the Helm chart `d` has 1 template file that is not YAML until rendered, so not linted",
                    vec!["d/templates/a.yaml"]
                ),
            ]
        );
    }

    #[test]
    fn one_finding_per_chart_with_its_count() {
        let file = |p: &str| Arc::<str>::from(p);
        let files = [
            file("c/Chart.yaml"),
            file("c/templates/a.yaml"),
            file("c/templates/b.yaml"),
        ];
        let mut findings = vec![
            finding(&files[1], b"a: {{ .Values.a }"),
            finding(&files[2], b"b: {{ .Values.b }"),
            finding(&file("play/one.yml"), b"a: {{ x }"),
            finding(&file("play/two.yml"), b"a: {{ y }"),
            finding(&file("e2e/a.yaml"), b"namespace: %%%\n"),
            finding(&file("e2e/b.yaml"), b"addr: {PREFIX}.16\n"),
        ];
        one_per_root(&mut findings, &files);
        let summary: Vec<(&str, &str, usize)> = findings
            .iter()
            .map(|f| {
                (
                    f.location.file.as_ref(),
                    f.message.as_str(),
                    f.related.len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "c/Chart.yaml",
                    "the Helm chart `c` has 2 template files that are not YAML until rendered, so not linted",
                    2
                ),
                (
                    "e2e/a.yaml",
                    "2 files in `e2e` are templates of placeholders a script fills in (`{NAME}`, `@NAME@`, `%NAME%`) and were not linted",
                    2
                ),
                (
                    "play/one.yml",
                    "2 files in `play` are Ansible/Jinja templates and were not linted",
                    2
                ),
            ]
        );
    }
}
