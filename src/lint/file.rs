//! The per-file stage: read, split, parse, classify, run the document rules,
//! and keep only what the model needs (docs/performance.md). Runs in parallel, one call
//! per file or per batch of files ([`analyze_batch`]); it touches nothing shared.

use std::path::Path;
use std::sync::Arc;

use crate::finding::Finding;
use crate::manifest::kustomization::Kustomization;
use crate::manifest::openshift::InstallConfig;
use crate::manifest::{self, DocumentKind, ObjectMeta, kinds};
use crate::parsed::{self, Body, Object};
pub use crate::parsed::{FileExtras, FileResult, LocatedInstallConfig};
use crate::policy::{self, PolicyRule};
use crate::rules::{self, DocContext, RuleSet};
use crate::suppress::{self, Reach, Suppression};
use crate::yaml::{self, Limits, Node, Pos};

/// What the per-file stage needs to know about the run.
pub struct FileSettings<'s> {
    pub max_file_size: u64,
    pub limits: Limits,
    pub rules: &'s RuleSet,
    /// Declarative rules (built-in and custom, docs/policy-as-code.md), run on every object.
    pub policies: &'s [PolicyRule],
    /// The cluster each file belongs to, by relative path.
    pub cluster_of: &'s (dyn Fn(&str) -> Option<Arc<str>> + Sync),
    /// The configuration names clusters: a file one of them claims is a
    /// manifest, whatever it looks like (DVM001 reports its syntax errors).
    pub configured_clusters: bool,
}

impl<'s> FileSettings<'s> {
    /// Settings for analysing bytes outside a project run (tests, benchmarks,
    /// fuzzing): no size limit, the default YAML limits, the built-in declarative
    /// rules; `cluster_of` names each file's cluster.
    pub fn standalone(
        rules: &'s RuleSet,
        cluster_of: &'s (dyn Fn(&str) -> Option<Arc<str>> + Sync),
    ) -> Self {
        FileSettings {
            max_file_size: u64::MAX,
            limits: Limits::default(),
            rules,
            policies: policy::builtin(),
            cluster_of,
            configured_clusters: false,
        }
    }
}

/// Reads `path` (or uses `overlay`, an editor's unsaved buffer) and analyses it.
pub fn analyze_path(
    rel: &Arc<str>,
    path: &Path,
    overlay: Option<&str>,
    settings: &FileSettings<'_>,
) -> FileResult {
    if let Some(text) = overlay {
        // An editor buffer obeys `max-file-size` as the file on disk would.
        let size = text.len() as u64;
        if size > settings.max_file_size {
            return only(
                rel,
                crate::rules::input::unreadable_input::too_large(rel, size, settings.max_file_size),
            );
        }
        return analyze_bytes(rel, text.as_bytes(), settings);
    }
    super::read::with_source(rel, path, settings.max_file_size, |bytes| {
        analyze_bytes(rel, bytes, settings)
    })
    .unwrap_or_else(|result| *result)
}

pub(super) fn only(rel: &Arc<str>, finding: Finding) -> FileResult {
    FileResult {
        rel: Arc::clone(rel),
        findings: vec![finding],
        ..FileResult::default()
    }
}

pub fn analyze_bytes(rel: &Arc<str>, bytes: &[u8], settings: &FileSettings<'_>) -> FileResult {
    analyze(rel, bytes, settings, Pass::Stream)
}

/// [`analyze_bytes`] of several files, in two phases: every file is parsed,
/// then the documents of every file are analysed. One file after the other,
/// the parser's code and the rules' code evict each other from the
/// processor's instruction cache at every small file (docs/performance.md,
/// "Batches"); the results are the same.
pub fn analyze_batch(files: &[(&Arc<str>, &[u8])], settings: &FileSettings<'_>) -> Vec<FileResult> {
    // The caller bounds the text of a batch (`read::first_group`): the trees
    // are held between the two phases. A file larger than `BATCH_BYTES` is
    // read as before, each document freed before the next is built.
    let built: Vec<Pass<'_>> = files
        .iter()
        .map(|(_, text)| {
            if text.len() > BATCH_BYTES {
                Pass::Stream
            } else {
                build_whole(text, settings).map_or(Pass::Chunks, Pass::Built)
            }
        })
        .collect();
    files
        .iter()
        .zip(built)
        .map(|((rel, text), pass)| analyze(rel, text, settings, pass))
        .collect()
}

/// The most text a batch reads before it analyses what it built
/// (`read::first_group`; small files: a few dozen at a time, 14 KB files
/// four or five), and the largest file whose trees [`analyze_batch`] holds.
pub const BATCH_BYTES: usize = 64 * 1024;

/// The first phase of [`analyze_batch`]: the documents of a file one parser
/// reads whole, each with its mark ([`rules::scan_mark`]); `None` when the
/// file is read chunk by chunk (not UTF-8 text, a NUL byte, a syntax error).
fn build_whole<'b>(bytes: &'b [u8], settings: &FileSettings<'_>) -> Option<Vec<(Node<'b>, bool)>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = checked_text(bytes).ok()?;
    let mark = rules::scan_mark(rules::may_hold_urls(bytes));
    let mut documents = Vec::new();
    let error = yaml::parse_stream(text, 1, settings.limits, &mark, |document, marked| {
        documents.push((document, marked));
    });
    if error.is_some() {
        yaml::recycle(documents.into_iter().map(|(document, _)| document));
        return None;
    }
    Some(documents)
}

/// How [`analyze`] reads the file's text.
enum Pass<'b> {
    /// One parser over the whole text, each document analysed as soon as it
    /// is complete; chunk by chunk if that fails.
    Stream,
    /// The documents of the whole text, built beforehand ([`build_whole`]).
    Built(Vec<(Node<'b>, bool)>),
    /// Chunk by chunk (`yaml::split_documents`), as the fallback does.
    Chunks,
}

/// [`analyze_bytes`], reading the text as `pass` says (the tests compare
/// [`Pass::Stream`] with [`Pass::Chunks`]).
fn analyze(
    rel: &Arc<str>,
    bytes: &[u8],
    settings: &FileSettings<'_>,
    pass: Pass<'_>,
) -> FileResult {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let decoded = utf16_text(bytes);
    let bytes = decoded.as_deref().map_or(bytes, str::as_bytes);
    if bytes.starts_with(rules::input::unreadable_input::GIT_CRYPT) {
        let mut result = FileResult {
            rel: Arc::clone(rel),
            cluster: (settings.cluster_of)(rel),
            ..FileResult::default()
        };
        result
            .findings
            .push(rules::input::unreadable_input::encrypted(rel));
        return result;
    }
    // (A byte search: `rsplit('/')` costs ~300 instructions a file.)
    let file_name = rel
        .bytes()
        .rposition(|b| b == b'/')
        .and_then(|slash| rel.get(slash + 1..))
        .unwrap_or(rel);
    let cluster = (settings.cluster_of)(rel);
    let fresh = || FileResult {
        rel: Arc::clone(rel),
        cluster: cluster.clone(),
        ..FileResult::default()
    };
    let doc = Doc {
        rel,
        file_name,
        cluster: cluster.as_ref(),
        rules: settings.rules,
        policies: settings.policies,
        labels_read: settings
            .policies
            .iter()
            .any(|p| !p.selector.labels.is_empty()),
        templates: std::cell::Cell::new(0),
        unrestricted: crate::render::unrestricted::may_hold(bytes),
        placeholder_named: std::cell::Cell::new(false),
    };
    // A bare `...` line ends a YAML document: the documentation uses it as an
    // ellipsis, which cuts an object from its `spec` (DVM402). The spec-less
    // documents of the few kinds it matters for are noted as they stream by;
    // only then is the text searched for the marker.
    let may_be_cut = settings.rules.is_enabled("DVM402");
    let mut cut = Vec::new();
    let each = |document: &Node<'_>,
                marked: bool,
                result: &mut FileResult,
                cut: &mut Vec<rules::hygiene::template_placeholder::SpecLess>| {
        if may_be_cut {
            cut.extend(rules::hygiene::template_placeholder::without_spec(document));
        }
        doc.document(document, marked, result);
    };
    // The builder marks the documents `rules::scan_document` must walk; a
    // text without `://` spares it the URL test of every scalar (documents
    // built beforehand carry their marks: the text is not searched again).
    let urls = !matches!(pass, Pass::Built(_)) && rules::may_hold_urls(bytes);
    let mark = rules::scan_mark(urls);
    // Every document is analysed as soon as the parser completes it, then
    // freed (its collections kept for the next documents).
    // A kustomization file is read by Kustomize, not applied: a key written
    // twice keeps its last value there (docs/input.md), noted in `repeated`.
    let kustomization_file = manifest::kustomization::is_kustomization_file(file_name);
    let read = |text: &str,
                first_line: u32,
                result: &mut FileResult,
                cut: &mut Vec<rules::hygiene::template_placeholder::SpecLess>,
                repeated: &mut Vec<yaml::RepeatedKey>| {
        yaml::parse_stream_lent(
            text,
            first_line,
            settings.limits,
            kustomization_file.then_some(repeated),
            &mark,
            |document, marked| each(document, marked, result, cut),
        )
    };
    let mut result = fresh();
    let mut syntax_errors = Vec::new();
    let mut repeated = Vec::new();
    // Almost every file is valid YAML text, read whole by one parser. Only if
    // that fails is the file cut into documents (`yaml::split_documents`) and
    // read again, chunk by chunk, so one broken document loses only itself:
    // what the first pass found is dropped, and the file's results are those
    // of the second alone. A broken file is thus parsed twice; a parser per
    // chunk for every file cost 4% of the wall time (docs/performance.md,
    // tenth measurement).
    let streamed = match pass {
        Pass::Stream => checked_text(bytes)
            .is_ok_and(|text| read(text, 1, &mut result, &mut cut, &mut repeated).is_none()),
        Pass::Built(documents) => {
            for (document, marked) in &documents {
                each(document, *marked, &mut result, &mut cut);
            }
            yaml::recycle(documents.into_iter().map(|(document, _)| document));
            true
        }
        Pass::Chunks => false,
    };
    let mut chunks = None;
    if !streamed {
        result = fresh();
        cut.clear();
        repeated.clear();
        doc.templates.set(0);
        doc.placeholder_named.set(false);
        // A `.json` file of several values one after another (`kubectl
        // apply` reads each as a document) is cut after each value.
        if rules::input::yaml_syntax::is_json(rel) {
            chunks = yaml::split_json_values(bytes);
        }
        for chunk in chunks
            .get_or_insert_with(|| yaml::split_documents(bytes))
            .iter()
        {
            match checked_text(chunk.bytes) {
                Ok(text) => syntax_errors.extend(read(
                    text,
                    chunk.first_line,
                    &mut result,
                    &mut cut,
                    &mut repeated,
                )),
                Err((offset, message)) => syntax_errors.push(yaml::SyntaxError {
                    pos: position_in(chunk.bytes, offset, chunk.first_line),
                    message,
                }),
            }
        }
    }
    if !cut.is_empty() {
        let findings = rules::hygiene::template_placeholder::cut_by_document_end(
            rel,
            cluster.as_ref(),
            bytes,
            &cut,
        );
        result.findings.extend(findings);
    }
    // Kept until the model is built: no spare capacity (a vector grown by
    // one push holds four).
    result.objects.shrink_to_fit();
    if suppress::may_hold_comments(bytes) {
        let documents: Vec<(u32, u32)> = chunks
            .get_or_insert_with(|| yaml::split_documents(bytes))
            .iter()
            .map(|c| (c.first_line, c.last_line()))
            .collect();
        let found = suppress::scan_comments(rel, &String::from_utf8_lossy(bytes), &documents);
        if !found.is_empty() {
            // Before the annotations' (`dvmlint.dev/ignore`), in file order.
            result.extras_mut().suppressions.splice(0..0, found);
        }
    }
    // Keys written twice where the rest parsed (markers only inside
    // scalars: the document's shape is not templated) are the file's own
    // errors, template or not: several documents joined without `---`.
    let only_duplicate_keys = syntax_errors
        .iter()
        .all(|err| err.duplicate_key().is_some_and(|key| !key.contains("{{")));
    let template = !syntax_errors.is_empty()
        && !only_duplicate_keys
        && rules::input::unrendered_template::is_template(bytes)
        && (is_chart_template(rel)
            || !rules::input::unrendered_template::markers_inside_values_only(bytes));
    // A kustomization that parses but names what it builds from by a
    // template marker (a Backstage skeleton's `${{ values.component_id
    // }}-bucket.yaml`): a template all the same, not built (render).
    let templated_paths = result
        .extras
        .as_deref()
        .and_then(|extras| extras.kustomization.as_ref())
        .is_some_and(rules::input::unrendered_template::names_a_templated_path);
    if template || templated_paths || doc.placeholder_named.get() {
        // A Helm/Go, Jinja or FreeMarker template: not YAML until rendered
        // (docs/input.md), so one info, not errors.
        // (Its secrets are kept: they are masked whatever else is dropped.)
        result.findings.clear();
        result.objects.clear();
        if let Some(extras) = result.extras.as_deref_mut() {
            extras.suppressions.clear();
            extras.install_configs.clear();
            extras.kustomization = None;
        }
        // A templated helmfile (`helmfile.yaml`, `helmfile.d/`) is no manifest
        // left unrendered: helmfile reads it, and its releases are read for
        // the charts they install (`render::helmfile`).
        if !crate::render::helmfile::is_helmfile(rel) {
            result.findings.push(if template || templated_paths {
                rules::input::unrendered_template::finding(rel, bytes)
            } else {
                rules::input::unrendered_template::placeholders(rel)
            });
        }
    } else {
        // Files that are not manifests (editor settings, `${VAR}` files
        // without objects) are not reported for their syntax.
        let claimed = settings.configured_clusters && cluster.is_some();
        // Whether an error is reported is asked of the document that holds
        // it: notes saved beside a manifest in one file are not a manifest.
        let documents = chunks.as_deref().unwrap_or_default();
        let document_of = |err: &yaml::SyntaxError| {
            documents
                .iter()
                .find(|c| c.first_line <= err.pos.line && err.pos.line <= c.last_line())
                .map_or(bytes, |c| c.bytes)
        };
        result.findings.extend(
            syntax_errors
                .into_iter()
                .filter(|err| {
                    rules::input::yaml_syntax::is_reported(rel, document_of(err), claimed, err)
                })
                .map(|err| rules::input::yaml_syntax::finding(rel, &err)),
        );
        result.findings.extend(
            repeated
                .iter()
                .map(|key| rules::input::yaml_syntax::repeated_in_kustomization(rel, key)),
        );
    }
    result
}

/// A file of a Helm chart's `templates/` folder (by its path): a template
/// whatever its markers, rendered before it is applied.
fn is_chart_template(rel: &str) -> bool {
    rel.starts_with("templates/") || rel.contains("/templates/")
}

/// The text of a file saved as UTF-16 with its byte-order mark (what
/// Windows PowerShell 5's `>` writes): kubectl and oc decode it (cli-runtime
/// reads files through a decoder that obeys a UTF-16 mark) and apply it, so
/// it is read as they read it. Lines and columns are the same in the decoded
/// text (columns count characters). `None` for any other file, and for
/// UTF-16 that does not decode (then reported as text that is not UTF-8).
pub(crate) fn utf16_text(bytes: &[u8]) -> Option<String> {
    let (little, rest) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => return None,
    };
    if rest.len() % 2 != 0 {
        return None;
    }
    let units = rest.chunks_exact(2).map(|pair| {
        let pair = [
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        ];
        if little {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

/// The chunk as text, or the offset and reason where it stops being YAML text.
fn checked_text(bytes: &[u8]) -> Result<&str, (usize, String)> {
    let text = std::str::from_utf8(bytes).map_err(|err| {
        (
            err.valid_up_to(),
            "invalid UTF-8: YAML files must be UTF-8 text".to_owned(),
        )
    })?;
    match memchr::memchr(0, bytes) {
        Some(offset) => Err((
            offset,
            "NUL byte: this is a binary file, not YAML text".to_owned(),
        )),
        None => Ok(text),
    }
}

/// The line and column (in characters) of byte `offset` of `bytes`.
fn position_in(bytes: &[u8], offset: usize, first_line: u32) -> Pos {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let newlines = before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line_part = before.get(line_start..).unwrap_or_default();
    let col = String::from_utf8_lossy(line_part).chars().count();
    Pos::new(
        first_line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX)),
        u32::try_from(col).unwrap_or(u32::MAX).saturating_add(1),
    )
}

struct Doc<'c> {
    rel: &'c Arc<str>,
    file_name: &'c str,
    cluster: Option<&'c Arc<str>>,
    rules: &'c RuleSet,
    policies: &'c [PolicyRule],
    /// Some declarative rule matches on labels (`match: labels:`).
    labels_read: bool,
    /// The OpenShift Templates of the file met so far
    /// ([`crate::parsed::Object::template`]).
    templates: std::cell::Cell<u16>,
    /// The text may hold a Kustomize build with the load restrictor off
    /// (`render::unrestricted::may_hold`): its documents are searched for one.
    unrestricted: bool,
    /// A document of the file is named by a `{NAME}` placeholder standing
    /// alone (`rules::input::unrendered_template::names_a_placeholder`).
    placeholder_named: std::cell::Cell<bool>,
}

impl Doc<'_> {
    /// One document of the file (an empty one counts for nothing).
    fn document(&self, document: &Node<'_>, marked: bool, result: &mut FileResult) {
        if document.is_null() {
            return;
        }
        result.documents += 1;
        if rules::input::unrendered_template::names_a_placeholder(document) {
            self.placeholder_named.set(true);
        }
        if self.unrestricted {
            let folders = crate::render::unrestricted::commands(document);
            if !folders.is_empty() {
                result.extras_mut().unrestricted_builds.extend(folders);
            }
            if crate::render::unrestricted::argocd_lifts(document) {
                result.extras_mut().argocd_unrestricted = true;
            }
        }
        self.visit(document, document.span.start.line, marked, 0, result);
    }

    /// `marked`: some node of the document is one `rules::scan_document` collects.
    /// `template`: the object is one of the file's `template`-th OpenShift
    /// Template (0: of none).
    fn visit(
        &self,
        node: &Node<'_>,
        doc_line: u32,
        marked: bool,
        template: u16,
        result: &mut FileResult,
    ) {
        if let Some(items) = manifest::list_items(node) {
            let template = if manifest::is_template(node) {
                let ordinal = self.templates.get().saturating_add(1);
                self.templates.set(ordinal);
                ordinal
            } else {
                template
            };
            for item in items {
                self.visit(item, item.span.start.line, marked, template, result);
            }
            return;
        }
        let mut kind = manifest::classify_without_maps(node, self.file_name);
        let modelled = match &kind {
            DocumentKind::Object(meta) => kinds::is_modelled(meta.group(), &meta.kind.value),
            _ => false,
        };
        // Labels only where something reads them: the kinds the model
        // keeps, and declarative rules that match on labels.
        if let DocumentKind::Object(meta) = &mut kind
            && (self.labels_read || modelled)
        {
            meta.read_labels(node);
        }
        let meta = match &kind {
            DocumentKind::Object(meta) => Some(&**meta),
            _ => None,
        };
        let scan = if marked {
            rules::scan_document(node)
        } else {
            rules::DocumentScan::default()
        };
        let ctx = DocContext {
            file: self.rel,
            node,
            meta,
            cluster: self.cluster,
            scan: &scan,
        };
        if !matches!(kind, DocumentKind::Other) {
            rules::run_document_rules(self.rules, &ctx, &mut result.findings);
            policy::run(self.policies, self.rules, &ctx, &mut result.findings);
            rules::input::unrendered_template::enforced_by_acm(&ctx, &mut result.findings);
            rules::input::unrendered_template::created_by_capsule(&ctx, &mut result.findings);
            rules::input::unrendered_template::generated_by_kyverno(&ctx, &mut result.findings);
            rules::input::unrendered_template::cni_policy(&ctx, &mut result.findings);
        }
        match kind {
            DocumentKind::Object(meta) => {
                collect_secrets(&meta, node, result);
                if let Some(value) = node.at(&["metadata", "annotations", suppress::ANNOTATION])
                    && let Some(list) = value.as_str()
                {
                    result.extras_mut().suppressions.push(Suppression {
                        file: Arc::clone(self.rel),
                        span: value.span,
                        line: value.span.start.line,
                        reach: Reach::Lines {
                            start: doc_line,
                            end: node.span.end.line,
                        },
                        rules: suppress::split_rules(list),
                    });
                }
                let body = modelled.then(|| Body::read(&meta, node)).flatten();
                let mut meta = meta;
                if body.is_none() {
                    // No cross-file rule reads the labels of kinds the model
                    // does not keep (the document rules above did).
                    meta.set_labels(Default::default());
                }
                let scope = parsed::own_scope(&meta);
                let without_volumes = meta.is("apps", "StatefulSet") && !mounts_volumes(node);
                result.objects.push(Arc::new(Object {
                    identity: parsed::identity(
                        self.cluster.map(AsRef::as_ref),
                        &meta,
                        &scope,
                        &meta.name.value,
                    ),
                    named_placeholder:
                        rules::hygiene::template_placeholder::names_may_be_placeholders(&meta),
                    scope,
                    file: Arc::clone(self.rel),
                    meta,
                    doc_line,
                    template,
                    without_volumes,
                    body,
                }));
            }
            DocumentKind::InstallConfig => {
                result
                    .extras_mut()
                    .install_configs
                    .push(LocatedInstallConfig {
                        file: Arc::clone(self.rel),
                        config: InstallConfig::from_node(node),
                    })
            }
            DocumentKind::Kustomization => {
                result.extras_mut().kustomization = Some(Kustomization::from_node(node))
            }
            DocumentKind::Other => {}
        }
        collect_url_passwords(&scan.urls, result);
    }
}

/// Whether a StatefulSet makes volume claims (`volumeClaimTemplates`, a
/// generic ephemeral volume's claim) or mounts a claim: what DVM copies.
fn mounts_volumes(node: &Node<'_>) -> bool {
    let Some(spec) = node.get("spec") else {
        return false;
    };
    let templates = spec
        .get("volumeClaimTemplates")
        .is_some_and(|t| !t.items().is_empty());
    templates
        || spec
            .at(&["template", "spec", "volumes"])
            .map_or(&[][..], Node::items)
            .iter()
            .any(|v| v.get("persistentVolumeClaim").is_some() || v.get("ephemeral").is_some())
}

/// Secret values never appear in any output (docs/output.md), but for the
/// settings of well-known Secret shapes ([`is_setting`]).
fn collect_secrets(meta: &ObjectMeta, node: &Node<'_>, result: &mut FileResult) {
    if !meta.is("", "Secret") {
        return;
    }
    let argocd = node
        .at(&["metadata", "labels", ARGOCD_SECRET_TYPE])
        .and_then(Node::as_str)
        .is_some_and(|kind| ARGOCD_SECRET_TYPES.contains(&kind));
    let binding = is_binding(node);
    for key in ["data", "stringData"] {
        for (name, value) in node.get(key).map_or(&[][..], Node::entries) {
            let setting = key == "stringData"
                && ((argocd && is_setting(name.as_str(), text_of(value)))
                    || (binding && is_binding_setting(name.as_str(), text_of(value))));
            if let Some(text) = value.as_str().filter(|t| t.len() >= 4)
                && !setting
            {
                // A `data` value is the base64 of the secret: the secret
                // itself may be written elsewhere (a user name that is also a
                // folder's, a password in a URL), and is masked too.
                let decoded = (key == "data").then(|| decoded_secret(text)).flatten();
                let extras = result.extras_mut();
                extras.secrets.push(text.to_owned());
                extras.secrets.extend(decoded);
                extras.secret_spans.push(value.span);
            }
        }
    }
}

/// The text a Secret's `data` value encodes (base64, whitespace ignored),
/// without the line end `echo … | base64` adds; `None` when it is no base64
/// of UTF-8 text of 4 bytes or more.
fn decoded_secret(text: &str) -> Option<String> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let bytes = data_encoding::BASE64.decode(&compact).ok()?;
    let decoded = String::from_utf8(bytes).ok()?;
    let decoded = decoded.trim_end_matches(['\n', '\r']);
    (decoded.len() >= 4).then(|| decoded.to_owned())
}

fn text_of<'n>(value: &'n Node<'_>) -> &'n str {
    value.as_str().unwrap_or_default()
}

/// A Service Binding Secret (servicebinding.io: what a service gives the
/// workloads bound to it): its Secret type is `servicebinding.io/…`, or its
/// `stringData` holds both the spec's `type` and `provider` entries.
fn is_binding(node: &Node<'_>) -> bool {
    let typed = node
        .get("type")
        .and_then(Node::as_str)
        .is_some_and(|t| t.starts_with("servicebinding.io/"));
    typed
        || node
            .get("stringData")
            .is_some_and(|data| data.get("type").is_some() && data.get("provider").is_some())
}

/// Whether `key: value` of a Service Binding Secret's `stringData` is a
/// setting: the spec's `type`, `provider`, `host` and `port` entries, which
/// say what and where the service is (`type: postgresql`), with no `@` in
/// the value. `username`, `password`, `uri`, keys and certificates, and
/// every other entry stay secrets (docs/security.md).
fn is_binding_setting(key: Option<&str>, value: &str) -> bool {
    key.is_some_and(|key| ["type", "provider", "host", "port"].contains(&key))
        && !value.contains('@')
}

/// The label naming an Argo CD Secret's role.
const ARGOCD_SECRET_TYPE: &str = "argocd.argoproj.io/secret-type";

/// The roles of Argo CD Secrets that hold a repository or cluster's settings
/// beside its credentials.
const ARGOCD_SECRET_TYPES: [&str; 5] = [
    "repository",
    "repo-creds",
    "repo-write",
    "repo-write-creds",
    "cluster",
];

/// The `stringData` keys of those Secrets that Argo CD reads as settings, not
/// credentials (its repository and cluster Secrets' documentation): the
/// repository's type (`helm`, `git`), display name, URL and project, flags,
/// the cluster's server and namespaces. Credentials (`username`, `password`,
/// `sshPrivateKey`, `tlsClientCertKey`, `bearerToken`, `config`, GitHub App
/// keys…) and every other key stay secrets.
const ARGOCD_SETTINGS: [&str; 12] = [
    "type",
    "name",
    "url",
    "project",
    "enableOCI",
    "enableLfs",
    "insecure",
    "insecureIgnoreHostKey",
    "forceHttpBasicAuth",
    "server",
    "namespaces",
    "clusterResources",
];

/// Whether `key: value` of an Argo CD repository or cluster Secret's
/// `stringData` is a setting, not a secret: a [`ARGOCD_SETTINGS`] key whose
/// value holds no `@` (a URL with a user name or password in it stays a
/// secret whole, whatever its key) (docs/security.md).
fn is_setting(key: Option<&str>, value: &str) -> bool {
    key.is_some_and(|key| ARGOCD_SETTINGS.contains(&key)) && !value.contains('@')
}

/// Passwords of proxy URLs (`http://user:pass@host`) anywhere in the document,
/// from its scalars that hold `://` (`rules::DocumentScan::urls`).
fn collect_url_passwords(urls: &[&Node<'_>], result: &mut FileResult) {
    for n in urls {
        if let Some(text) = n
            .as_str()
            .filter(|t| memchr::memchr(b'@', t.as_bytes()).is_some())
            && let Some(password) = crate::proxy::stunnel_url::password(text)
        {
            let extras = result.extras_mut();
            extras
                .secrets
                .extend(password.forms().into_iter().map(str::to_owned));
            extras.secret_spans.push(n.span);
        } else if let Some(forms) = n.as_str().and_then(crate::proxy::stunnel_url::user_token) {
            // A user name alone is a token (docs/security.md): masked in any
            // form a rule prints it (lower-cased by DVM203, snake-cased…).
            let extras = result.extras_mut();
            extras.secrets.extend(forms);
            extras.secret_spans.push(n.span);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The secrets the per-file stage collects from a file of `text`.
    fn secrets_of_secret(text: &str) -> Vec<String> {
        let rules = RuleSet::new(&[], &[]);
        let cluster_of = |_: &str| None;
        let settings = FileSettings::standalone(&rules, &cluster_of);
        analyze_bytes(&Arc::from("s.yaml"), text.as_bytes(), &settings)
            .extras
            .map_or_else(Vec::new, |e| e.secrets)
    }

    /// An Argo CD repository or cluster Secret's settings are not secrets;
    /// its credentials, a URL with a user name in it, and every value of any
    /// other Secret are (docs/security.md).
    #[test]
    fn only_the_settings_of_argo_cd_secrets_are_not_secrets() {
        let secrets_of = |labels: &str, string_data: &str| {
            secrets_of_secret(&format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: n\n{labels}\
                 stringData:\n{string_data}"
            ))
        };
        let argocd = "  labels:\n    argocd.argoproj.io/secret-type: repository\n";
        let data = "  type: helm\n  name: charts\n  url: https://charts.example.org\n  \
                    project: default\n  enableOCI: \"true\"\n  password: rotor-99\n  \
                    username: deploy\n";
        assert_eq!(secrets_of(argocd, data), ["rotor-99", "deploy"]);
        assert_eq!(
            secrets_of("", data),
            [
                "helm",
                "charts",
                "https://charts.example.org",
                "default",
                "true",
                "rotor-99",
                "deploy"
            ]
        );
        let credentials = "  url: https://tok3n@git.example.org/r\n";
        assert!(
            secrets_of(argocd, credentials).contains(&"https://tok3n@git.example.org/r".to_owned())
        );
        let other = "  labels:\n    argocd.argoproj.io/secret-type: other\n";
        assert_eq!(secrets_of(other, "  type: helm\n"), ["helm"]);
    }

    /// A `data` value masks the text it encodes too (trial 36: a value
    /// decoding to a folder's name printed in a path).
    #[test]
    fn a_data_value_is_kept_as_written_and_decoded() {
        let secrets = secrets_of_secret(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata:\n  user: cGV0Y2xpbmlj\n  pass: aHVudGVyMjJodW50ZXIK\n  blob: /w==\n",
        );
        for expected in [
            "cGV0Y2xpbmlj",
            "petclinic",
            "aHVudGVyMjJodW50ZXIK",
            "hunter22hunter",
        ] {
            assert!(
                secrets.iter().any(|s| s == expected),
                "{expected}: {secrets:?}"
            );
        }
        // Not text: kept as written only.
        assert!(secrets.iter().all(|s| s != "\u{ff}"), "{secrets:?}");
        assert_eq!(super::decoded_secret("not base64!"), None);
    }

    #[test]
    fn utf16_with_its_mark_is_decoded_and_nothing_else() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("kind: é\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("kind: é\n".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(utf16_text(&le).as_deref(), Some("kind: é\n"));
        assert_eq!(utf16_text(&be).as_deref(), Some("kind: é\n"));
        // An odd byte, a lone surrogate, no mark, UTF-8: not decoded.
        assert_eq!(utf16_text(&le[..le.len() - 1]), None);
        assert_eq!(utf16_text(&[0xFF, 0xFE, 0x00, 0xD8]), None);
        assert_eq!(utf16_text(&le[2..]), None);
        assert_eq!(utf16_text(b"kind: x\n"), None);
    }

    /// A Service Binding Secret's `type`, `provider`, `host` and `port` are
    /// settings; its credentials, and the same keys of another Secret, are not.
    #[test]
    fn only_the_settings_of_service_binding_secrets_are_not_secrets() {
        let secrets_of = |string_data: &str| {
            secrets_of_secret(&format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: n\nstringData:\n{string_data}"
            ))
        };
        let binding = "  type: postgresql\n  provider: bitnami\n  host: db.shop.svc\n  port: \"5432\"\n  \
                       username: shop\n  password: rotor-99\n  uri: postgresql://shop:rotor-99@db\n";
        assert_eq!(
            secrets_of(binding),
            // (the URL's password again, from the URL scan)
            [
                "shop",
                "rotor-99",
                "postgresql://shop:rotor-99@db",
                "rotor-99"
            ]
        );
        // Without `provider` (nor a servicebinding.io type), a plain Secret.
        assert_eq!(
            secrets_of("  type: postgresql\n  host: db.shop.svc\n"),
            ["postgresql", "db.shop.svc"]
        );
        // A user name in the host stays a secret.
        assert_eq!(
            secrets_of("  type: pg\n  provider: acme\n  host: admin@db.shop.svc\n"),
            ["admin@db.shop.svc"]
        );
    }

    /// The one-parser pass and the chunk-by-chunk reading it falls back to
    /// give the same results, broken documents included (an unterminated flow
    /// collection runs into the next `---`: the chunks report it, the stream
    /// stops at the marker).
    #[test]
    fn one_parser_per_file_finds_what_the_chunks_find() {
        let fragments: [&str; 12] = [
            "---\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: <ns>}\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
            "data:\n  url: http://user:pass@proxy:3128\n",
            "x: [unterminated,\n",
            "y: \"open\n",
            "z: &a {k: v}\nw: *a\n",
            "k: 1\nk: 2\n",
            "- [NodePort|ClusterIP|Route]\n",
            "# dvmlint: ignore DVM402\n",
            "\t bad: indent\n",
            "...\n",
        ];
        let rules = RuleSet::new(&[], &[]);
        let cluster: Arc<str> = Arc::from("default");
        let cluster_of = move |_: &str| Some(Arc::clone(&cluster));
        let settings = FileSettings::standalone(&rules, &cluster_of);
        let rel: Arc<str> = Arc::from("f.yaml");
        let mut rng = fastrand::Rng::with_seed(20261124);
        let mut fell_back = 0;
        for _ in 0..2000 {
            let text: String = (0..rng.usize(1..12))
                .map(|_| fragments[rng.usize(..fragments.len())])
                .collect();
            let streamed = analyze(&rel, text.as_bytes(), &settings, Pass::Stream);
            let chunked = analyze(&rel, text.as_bytes(), &settings, Pass::Chunks);
            let json = |r: &FileResult| serde_json::to_string(r).unwrap_or_default();
            assert_eq!(json(&streamed), json(&chunked), "{text}");
            fell_back += usize::from(streamed.findings.iter().any(|f| f.rule == "DVM001"));
        }
        assert!(fell_back > 100, "{fell_back}");
    }

    /// A batch (two phases over several files) finds, file by file, what
    /// each file read alone finds: broken, templated, cut, not UTF-8 and
    /// larger than a batch's budget.
    #[test]
    fn a_batch_finds_what_each_file_alone_finds() {
        let fragments: [&str; 10] = [
            "---\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: <ns>}\n",
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: b\n",
            "apiVersion: template.openshift.io/v1\nkind: Template\nobjects:\n- {apiVersion: v1, kind: Service, metadata: {name: s}}\n",
            "data:\n  url: http://user:pass@proxy:3128\n",
            "x: [unterminated,\n",
            "k: 1\nk: 2\n",
            "name: {{ .Values.name }}\n",
            "# dvmlint: ignore DVM402\n",
            "...\n",
        ];
        let rules = RuleSet::new(&[], &[]);
        let cluster: Arc<str> = Arc::from("default");
        let cluster_of = move |_: &str| Some(Arc::clone(&cluster));
        let settings = FileSettings::standalone(&rules, &cluster_of);
        let mut rng = fastrand::Rng::with_seed(20261205);
        let json = |r: &FileResult| serde_json::to_string(r).unwrap_or_default();
        let large = fragments[1].repeat(BATCH_BYTES / fragments[1].len() + 1);
        for _ in 0..200 {
            let mut texts: Vec<Vec<u8>> = (0..rng.usize(1..20))
                .map(|_| {
                    (0..rng.usize(1..8))
                        .map(|_| fragments[rng.usize(..fragments.len())])
                        .collect::<String>()
                        .into_bytes()
                })
                .collect();
            texts.insert(rng.usize(..=texts.len()), large.clone().into_bytes());
            texts.insert(rng.usize(..=texts.len()), b"a: \xff\n".to_vec());
            let rels: Vec<Arc<str>> = (0..texts.len())
                .map(|i| Arc::from(format!("f{i}.yaml")))
                .collect();
            let files: Vec<(&Arc<str>, &[u8])> =
                rels.iter().zip(&texts).map(|(r, t)| (r, &t[..])).collect();
            let batch = analyze_batch(&files, &settings);
            assert_eq!(batch.len(), files.len());
            for ((rel, text), batched) in files.iter().zip(&batch) {
                let alone = analyze_bytes(rel, text, &settings);
                assert_eq!(
                    json(batched),
                    json(&alone),
                    "{}",
                    String::from_utf8_lossy(text)
                );
            }
        }
    }
}
