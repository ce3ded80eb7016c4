//! The rule registry and the two places rules run.
//!
//! - **Document rules** see one YAML document at a time, in the parallel
//!   per-file stage (`crate::lint::file`): placeholders, MigrationController keys.
//! - **Project rules** see the whole model (`crate::model::Project`), after every
//!   file is read: duplicates, network reachability, proxies.
//! - **Input rules** (DVM001–DVM004) are raised by the reading stage itself; their
//!   modules only build the findings.
//!
//! - **Policy rules** are plain field checks written as data in their catalogue
//!   file (`match`/`assert`, docs/policy-as-code.md) and run by `crate::policy` in the per-file
//!   stage, like users' custom rules.
//!
//! Adding a rule: a catalogue file in `rules/`, a module here (none for a policy
//! rule), a line in [`REGISTRY`], a fixture, and `docs/rules.md` regenerated.
//! `tests` check that registry and catalogue agree.

pub mod egress;
pub mod hops;
pub mod hygiene;
pub mod input;
pub mod migration;
pub mod network;
pub mod proxy;
pub mod values;
pub mod versions;

use std::collections::BTreeSet;
use std::sync::Arc;

use rayon::prelude::*;

use crate::finding::{Finding, Location, ObjectRef};
use crate::manifest::ObjectMeta;
use crate::model::Project;
use crate::yaml::{Node, ScalarStyle, Span, Value};

/// One YAML document, as a document rule sees it.
pub struct DocContext<'c, 'a> {
    pub file: &'c Arc<str>,
    pub node: &'c Node<'a>,
    /// `None` for documents that are not objects (install-config, kustomization).
    pub meta: Option<&'c ObjectMeta>,
    pub cluster: Option<&'c Arc<str>>,
    /// What the checks that read every node need from it, found in one walk
    /// ([`scan_document`]).
    pub scan: &'c DocumentScan<'c, 'a>,
}

/// The nodes of one document that the every-node checks read, collected in
/// one walk, in document order.
#[derive(Debug, Default)]
pub struct DocumentScan<'n, 'a> {
    /// Scalars that hold `://`: what every URL check reads (DVM402's URL
    /// placeholders, the proxy passwords to mask).
    pub urls: Vec<&'n Node<'a>>,
    /// Nodes that open like DVM402's other placeholder forms: scalars whose
    /// text starts with `<` or `[`, and one-item sequences whose item is a
    /// plain scalar holding `|` (`[a|b]` written as a flow list).
    pub bracketed: Vec<&'n Node<'a>>,
}

/// One walk over `node`, and one scan of each scalar, for every check that
/// would otherwise walk the whole document itself.
pub fn scan_document<'n, 'a>(node: &'n Node<'a>) -> DocumentScan<'n, 'a> {
    let mut scan = DocumentScan::default();
    node.walk(&mut |n| {
        let (bracketed, url) = scanned(n);
        if bracketed {
            scan.bracketed.push(n);
        }
        if url {
            scan.urls.push(n);
        }
    });
    scan
}

/// Whether [`scan_document`] collects `node`: as bracketed, as a URL. The
/// per-file stage asks it of every node while building the tree
/// (`yaml::parse_stream`) and walks only the documents that have one.
fn scanned(node: &Node<'_>) -> (bool, bool) {
    match &node.value {
        Value::Scalar(text, _) => (
            matches!(first_visible_byte(text), Some(b'<' | b'[')),
            crate::proxy::stunnel_url::has_scheme_separator(text),
        ),
        // `[a|b]`: one plain item holding the alternatives.
        Value::Seq(items) => match items.as_slice() {
            [only] => (
                matches!(&only.value, Value::Scalar(text, ScalarStyle::Plain) if text.contains('|')),
                false,
            ),
            _ => (false, false),
        },
        Value::Map(_) => (false, false),
    }
}

/// Whether [`scan_document`] would collect any node of a document holding `node`.
pub fn is_scanned(node: &Node<'_>) -> bool {
    scanned(node) != (false, false)
}

/// The node predicate the per-file stage hands the tree builder for a text:
/// [`is_scanned`], or, when [`may_hold_urls`] rules every URL out of the
/// text, its cheaper part that looks only for bracketed nodes (no scalar of
/// such a text holds `://`, so the URL test would answer no for each).
pub fn scan_mark(urls_possible: bool) -> impl Fn(&Node<'_>) -> bool {
    move |node| match &node.value {
        Value::Scalar(text, _) if !urls_possible => {
            matches!(first_visible_byte(text), Some(b'<' | b'['))
        }
        _ => is_scanned(node),
    }
}

/// Whether some scalar of a YAML text may hold `://` (a URL, what
/// [`scan_document`] collects as `urls`): a scalar's text is made of the
/// text's characters, except where an escape (`\x2F`, or a `\` ending a
/// quoted line) writes others, and line folding only ever puts a space or a
/// line break between the characters of two lines. So a text with neither
/// `://` nor a backslash has no such scalar (one `memmem` and one `memchr`
/// over the file, instead of a test of every scalar).
pub fn may_hold_urls(bytes: &[u8]) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"://"));
    FINDER.find(bytes).is_some() || memchr::memchr(b'\\', bytes).is_some()
}

/// The first byte of `text` after leading whitespace: read directly when the
/// text opens with a printable ASCII character (almost every scalar), since
/// `trim_start` decodes characters one by one.
fn first_visible_byte(text: &str) -> Option<u8> {
    match text.as_bytes().first() {
        Some(&byte) if byte.is_ascii_graphic() => Some(byte),
        Some(_) => text.trim_start().as_bytes().first().copied(),
        None => None,
    }
}

/// Runs `with` on the context of the first document of `text` (file `f.yaml`,
/// cluster `cluster`): how unit tests of document-level checks see a document.
#[cfg(test)]
pub(crate) fn with_test_context<T>(
    text: &str,
    cluster: Option<&str>,
    with: impl FnOnce(&DocContext<'_, '_>) -> T,
) -> T {
    let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
    let node = &parsed.documents[0];
    let meta = ObjectMeta::from_node(node);
    let file: Arc<str> = Arc::from("f.yaml");
    let cluster: Option<Arc<str>> = cluster.map(Arc::from);
    with(&DocContext {
        file: &file,
        node,
        meta: meta.as_ref(),
        cluster: cluster.as_ref(),
        scan: &scan_document(node),
    })
}

impl DocContext<'_, '_> {
    pub fn location(&self, span: Span) -> Location {
        Location::new(self.file, span)
    }

    pub fn object_ref(&self) -> Option<ObjectRef> {
        self.meta
            .map(|m| m.object_ref(m.namespace.as_ref().map(|n| n.value.as_str())))
    }

    /// A finding of `rule` at `span`, about this document's object and cluster.
    pub fn finding(&self, rule: &'static str, span: Span, message: impl Into<String>) -> Finding {
        Finding::new(rule, self.location(span), message)
            .object(self.object_ref())
            .cluster(self.cluster)
    }

    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.meta.is_some_and(|m| m.is(group, kind))
    }
}

pub type DocumentRule = fn(&DocContext<'_, '_>, &mut Vec<Finding>);
pub type ProjectRule = fn(&Project, &mut Vec<Finding>);
/// Completes a declarative rule's finding with what its format cannot say
/// (DVM301's casing suggestion), given the offending value.
pub type Refinement = fn(&Node<'_>, &mut Finding);

#[derive(Clone, Copy)]
pub enum Check {
    /// Raised by the run itself (reading input, applying suppressions).
    Input,
    Document(DocumentRule),
    Project(ProjectRule),
    /// Declared in its catalogue file (`match`/`assert`, docs/policy-as-code.md) and run by
    /// `crate::policy` in the per-file stage, optionally refined in Rust.
    Policy(Option<Refinement>),
}

/// Every built-in rule's id and where its logic runs. Metadata: `rules/*.yaml`.
pub const REGISTRY: &[(&str, Check)] = &[
    ("DVM001", Check::Input),
    ("DVM002", Check::Input),
    ("DVM003", Check::Input),
    ("DVM004", Check::Input),
    (
        "DVM101",
        Check::Project(network::rsync_egress_blocked::check),
    ),
    (
        "DVM102",
        Check::Project(network::rsync_ingress_blocked::check),
    ),
    ("DVM103", Check::Project(network::rsync_dns_blocked::check)),
    (
        "DVM104",
        Check::Project(network::rsync_allow_misses_pods::check),
    ),
    (
        "DVM105",
        Check::Project(network::admin_policy_blocks_rsync::check),
    ),
    (
        "DVM110",
        Check::Project(egress::egress_firewall_denies_peer::check),
    ),
    (
        "DVM111",
        Check::Project(egress::egress_firewall_shadowed_allow::check),
    ),
    (
        "DVM112",
        Check::Project(egress::egress_firewall_invalid::check),
    ),
    (
        "DVM113",
        Check::Project(egress::egress_firewall_dnsname_allow::check),
    ),
    (
        "DVM120",
        Check::Project(migration::privileged_rsync_without_psa_label::check),
    ),
    (
        "DVM121",
        Check::Project(migration::scc_annotations_differ::check),
    ),
    (
        "DVM122",
        Check::Project(migration::node_selector_unmatched::check),
    ),
    (
        "DVM123",
        Check::Project(migration::rsync_route_not_admitted::check),
    ),
    (
        "DVM124",
        Check::Project(migration::route_host_too_long::check),
    ),
    (
        "DVM125",
        Check::Project(migration::limitrange_rejects_rsync::check),
    ),
    (
        "DVM126",
        Check::Project(migration::pv_selection_invalid::check),
    ),
    (
        "DVM127",
        Check::Project(migration::plan_overlap_or_limit::check),
    ),
    (
        "DVM201",
        Check::Project(proxy::noproxy_missing_worker::check),
    ),
    (
        "DVM202",
        Check::Project(proxy::noproxy_without_proxy::check),
    ),
    (
        "DVM203",
        Check::Document(proxy::noproxy_invalid_entry::check),
    ),
    (
        "DVM204",
        Check::Project(proxy::stunnel_proxy_intercepts::check),
    ),
    (
        "DVM205",
        Check::Document(proxy::stunnel_proxy_invalid::check),
    ),
    (
        "DVM206",
        Check::Document(proxy::stunnel_proxy_plaintext_credentials::check),
    ),
    (
        "DVM207",
        Check::Project(proxy::both_clusters_behind_proxy::check),
    ),
    (
        "DVM208",
        Check::Project(proxy::legacy_cluster_proxy_not_inherited::check),
    ),
    (
        "DVM209",
        Check::Project(proxy::migrationcontroller_noproxy_drops_defaults::check),
    ),
    (
        "DVM210",
        Check::Project(proxy::proxy_connect_nodeport::check),
    ),
    (
        "DVM211",
        Check::Document(proxy::proxy_not_named_cluster::check),
    ),
    (
        "DVM212",
        Check::Project(proxy::migcluster_url_through_proxy::check),
    ),
    (
        "DVM301",
        Check::Policy(Some(values::invalid_rsync_endpoint_type::refine)),
    ),
    ("DVM302", Check::Policy(None)),
    (
        "DVM303",
        Check::Project(values::clusterip_across_clusters::check),
    ),
    (
        "DVM304",
        Check::Project(values::rsync_options_ignored::check),
    ),
    (
        "DVM305",
        Check::Project(values::invalid_controller_limit::check),
    ),
    ("DVM306", Check::Document(values::proxy_url_invalid::check)),
    ("DVM401", Check::Project(hygiene::duplicate_object::check)),
    (
        "DVM402",
        Check::Document(hygiene::template_placeholder::check),
    ),
    // Object names and namespaces, once Kustomize patch files are set apart.
    (
        "DVM402",
        Check::Project(hygiene::template_placeholder::check_names),
    ),
    (
        "DVM403",
        Check::Document(hygiene::unknown_migrationcontroller_field::check),
    ),
    (
        "DVM404",
        Check::Document(hygiene::conflicting_field_spellings::check),
    ),
    (
        "DVM405",
        Check::Project(hygiene::migplan_unresolved_cluster::check),
    ),
    (
        "DVM406",
        Check::Project(hygiene::cluster_matches_nothing::check),
    ),
    ("DVM900", Check::Input),
];

/// The rules a run reports (after `select` and `ignore`).
///
/// Its `Debug` form names the enabled rules only: it is part of the cache's
/// settings key (`lint::cache`), which must not change from one process to
/// the next (function addresses do).
#[derive(Clone, Default)]
pub struct RuleSet {
    enabled: BTreeSet<String>,
    /// The enabled document rules, in registry order: they run on every
    /// document, so their ids are not looked up each time.
    document: Vec<DocumentRule>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl RuleSet {
    /// `select` empty means every built-in rule.
    pub fn new(select: &[String], ignore: &[String]) -> RuleSet {
        RuleSet::with_custom(select, ignore, &[])
    }

    /// `select` empty means every built-in rule and every rule of `custom`.
    pub fn with_custom(select: &[String], ignore: &[String], custom: &[&str]) -> RuleSet {
        let mut enabled: BTreeSet<String> = if select.is_empty() {
            REGISTRY
                .iter()
                .map(|(id, _)| *id)
                .chain(custom.iter().copied())
                .map(str::to_owned)
                .collect()
        } else {
            select.iter().cloned().collect()
        };
        for id in ignore {
            enabled.remove(id);
        }
        let document = REGISTRY
            .iter()
            .filter_map(|(id, check)| match check {
                Check::Document(rule) if enabled.contains(*id) => Some(*rule),
                _ => None,
            })
            .collect();
        RuleSet { enabled, document }
    }

    /// No rule at all (reading a project only to model it).
    pub fn none() -> RuleSet {
        RuleSet::default()
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        self.enabled.contains(id)
    }
}

pub fn run_document_rules(set: &RuleSet, ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    for rule in &set.document {
        rule(ctx, out);
    }
}

/// The Rust refinement of a declarative built-in rule, if it has one.
pub fn refinement(id: &str) -> Option<Refinement> {
    REGISTRY.iter().find_map(|(rule, check)| match check {
        Check::Policy(refine) if *rule == id => *refine,
        _ => None,
    })
}

/// Rules that read [`Project::network`]. The lists below only schedule: a
/// rule that reads a derivation and is missing here still gets it (they are
/// built on first use), it may just wait for it.
const NETWORK_RULES: [&str; 5] = ["DVM101", "DVM102", "DVM103", "DVM104", "DVM105"];
/// Rules that read [`Project::firewalls`], and of them those that read
/// [`Project::egress_denials`].
const FIREWALL_RULES: [&str; 4] = ["DVM110", "DVM111", "DVM112", "DVM113"];
const DENIAL_RULES: [&str; 2] = ["DVM110", "DVM113"];

/// Runs the project rules in parallel; the caller sorts the findings.
///
/// The costly derivations the enabled rules share are built first, side by
/// side with the rules that read none of them; then the rules that read them
/// run. Left to the rules, one worker would sit idle on the `OnceLock` that
/// the other is filling.
pub fn run_project_rules(set: &RuleSet, project: &Project) -> Vec<Finding> {
    run_project_rules_reusing(set, project, &mut |_, _| None)
        .into_iter()
        .flat_map(|(_, out)| out)
        .collect()
}

/// The findings of each project rule in registry order (the rule's index in
/// [`REGISTRY`] with its findings); a rule for which `reuse` gives findings
/// (those of an earlier model whose differences the rule does not read, the
/// language server's incremental lint) is not run, and the derivations only
/// such rules read are not made.
pub fn run_project_rules_reusing(
    set: &RuleSet,
    project: &Project,
    reuse: &mut dyn FnMut(usize, &'static str) -> Option<Vec<Finding>>,
) -> Vec<(usize, Vec<Finding>)> {
    let mut reused: Vec<(usize, Vec<Finding>)> = Vec::new();
    let enabled: Vec<(usize, &'static str, ProjectRule)> = REGISTRY
        .iter()
        .enumerate()
        .filter_map(|(index, (id, check))| match check {
            Check::Project(rule) if set.is_enabled(id) => Some((index, *id, *rule)),
            _ => None,
        })
        .filter(|&(index, id, _)| match reuse(index, id) {
            Some(out) => {
                reused.push((index, out));
                false
            }
            None => true,
        })
        .collect();
    let (late, early): (Vec<_>, Vec<_>) = enabled
        .into_iter()
        .partition(|(_, id, _)| NETWORK_RULES.contains(id) || FIREWALL_RULES.contains(id));
    let wants = |ids: &[&str]| late.iter().any(|(_, id, _)| ids.contains(id));
    let (network, firewalls, denials) = (
        wants(&NETWORK_RULES),
        wants(&FIREWALL_RULES),
        wants(&DENIAL_RULES),
    );
    if network || firewalls {
        // Both derivations start from the migration view.
        project.migration();
    }
    let one_cluster = one_cluster_of_several(project);
    let run = |&(index, id, rule): &(usize, &'static str, ProjectRule)| {
        let _timing = crate::timings::stage(id);
        let mut out = Vec::new();
        rule(project, &mut out);
        if let Some(hint) = one_cluster
            .as_deref()
            .filter(|_| NETWORK_RULES.contains(&id) || FIREWALL_RULES.contains(&id))
        {
            for finding in &mut out {
                finding.message.push_str(hint);
            }
        }
        (index, out)
    };
    let (_, mut found) = rayon::join(
        || {
            rayon::join(
                || network.then(|| project.network()),
                || {
                    if denials {
                        project.egress_denials();
                    } else if firewalls {
                        project.firewalls();
                    }
                },
            )
        },
        || early.par_iter().map(run).collect::<Vec<_>>(),
    );
    found.par_extend(late.par_iter().map(run));
    found.append(&mut reused);
    // In registry order, whatever the schedule.
    found.sort_unstable_by_key(|(index, _)| *index);
    found
}

/// What the network and firewall findings add when no clusters are
/// configured but the repository keeps a MigCluster of a remote cluster
/// (not the host, with a `spec.url`): the repository is taken as one
/// cluster, so a policy of one side may be judged against the other's pods.
fn one_cluster_of_several(project: &Project) -> Option<String> {
    if !project.config.clusters.is_empty() {
        return None;
    }
    let remote: Vec<String> = project
        .modelled_kind("migration.openshift.io", "MigCluster")
        .filter(|(_, o)| {
            o.object.tree().is_some_and(|tree| {
                let view = crate::manifest::mtc::MigCluster::from_node(tree);
                view.is_host_cluster != Some(true) && view.url.is_some()
            })
        })
        .map(|(_, o)| format!("`{}`", o.object.meta.name.value))
        .collect();
    (!remote.is_empty()).then(|| {
        format!(
            " (no clusters are configured, so the repository is taken as one cluster, though it keeps MigCluster {} of another: name each cluster's `paths` under `clusters:` in .dvmlint.yaml to judge each side on its own)",
            crate::finding::bounded_list(&remote)
        )
    })
}

/// The project rules whose findings come from the NetworkPolicies (and the
/// network model), and those from the egress firewalls: the language
/// server runs only these again after an edit that changed only such
/// objects (`lint::retained`).
pub fn reads_network(id: &str) -> bool {
    NETWORK_RULES.contains(&id)
}

pub fn reads_firewalls(id: &str) -> bool {
    FIREWALL_RULES.contains(&id)
}

/// The project rules that read every object of the model (names, scopes,
/// identities, positions), whatever its kind: run again after every edit.
/// DVM406 reads every object's cluster and namespace too, but an edit the
/// language server reuses a model after keeps each object's identity (its
/// cluster, kind, namespace and name), and DVM406 reports only at the
/// configuration and at MigPlans, whose edits are never reused
/// (`lint::retained`): its findings are kept (its walk of every object took
/// 20 ms of each keystroke on 100,000 files, docs/performance.md).
pub const READ_EVERY_OBJECT: [&str; 2] = ["DVM401", "DVM402"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheduling_lists_name_project_rules() {
        for id in NETWORK_RULES
            .iter()
            .chain(&FIREWALL_RULES)
            .chain(&DENIAL_RULES)
        {
            assert!(
                REGISTRY
                    .iter()
                    .any(|(rule, check)| rule == id && matches!(check, Check::Project(_))),
                "{id}"
            );
        }
        assert!(DENIAL_RULES.iter().all(|id| FIREWALL_RULES.contains(id)));
    }

    #[test]
    fn the_parser_marks_exactly_the_documents_the_scan_finds_something_in() {
        let text = "a: [one]\nb: plain\n---\nc: http://h\n---\nd: ['<x>']\n---\ne: [x|y]\n\
                    ---\nf: &u {k: u://v}\ng: *u\n---\nh: [[x]]\n";
        let (mut marked, mut found) = (Vec::new(), Vec::new());
        let error = crate::yaml::parse_stream(
            text,
            1,
            crate::yaml::Limits::default(),
            is_scanned,
            |d, mark| {
                let scan = scan_document(&d);
                marked.push(mark);
                found.push(!scan.urls.is_empty() || !scan.bracketed.is_empty());
            },
        );
        assert_eq!(error, None);
        assert_eq!(marked, [false, true, true, true, true, false]);
        assert_eq!(marked, found);
    }

    /// The per-file stage's predicate marks the documents [`is_scanned`]
    /// marks, on texts that write `://` through escapes, folding and line
    /// continuations as well as plainly.
    #[test]
    fn the_url_screen_marks_what_the_full_test_marks() {
        let fragments: [&str; 16] = [
            "---\n",
            "a: http://h\n",
            "b: \"x:\\/\\/y\"\n",
            "c: \"x:\\\n  //y\"\n",
            "d: x:\n  //y\n",
            "e: |\n  x:\n  //y\n",
            "f: >\n  x:\n  //y\n",
            "g: '[a]'\n",
            "h: [x|y]\n",
            "i: \"\\x3c\"\n",
            "j: plain\n",
            "k: \"\\u003A//\"\n",
            "l: 'x:\n  //y'\n",
            "m: \"x:\\x2f/\"\n",
            "n: [a, b]\n",
            "o: {p: q}\n",
        ];
        let marks = |text: &str, mark: &dyn Fn(&Node<'_>) -> bool| {
            let mut marks = Vec::new();
            let error = crate::yaml::parse_stream(
                text,
                1,
                crate::yaml::Limits::default(),
                mark,
                |_, marked| marks.push(marked),
            );
            (marks, error)
        };
        let mut rng = fastrand::Rng::with_seed(20261203);
        let (mut screened, mut url_marks) = (0, 0);
        for _ in 0..3000 {
            let text: String = (0..rng.usize(1..6))
                .map(|_| fragments[rng.usize(..fragments.len())])
                .collect();
            let urls = may_hold_urls(text.as_bytes());
            let full = marks(&text, &is_scanned);
            assert_eq!(marks(&text, &scan_mark(urls)), full, "{text}");
            screened += usize::from(!urls);
            let only_urls = |n: &Node<'_>| scanned(n).1;
            url_marks += usize::from(marks(&text, &only_urls).0.contains(&true));
        }
        assert!(screened > 300 && url_marks > 300, "{screened} {url_marks}");
    }

    #[test]
    fn one_scan_finds_the_url_and_placeholder_candidates_in_document_order() {
        let text =
            "a: '  <ns>'\nb: \"\\u00a0[x|y]\"\nc: [x|y]\nd: http://u:p@h:1\ne: plain\nf: [1, 2]\n";
        let parsed = crate::yaml::parse_chunk(text, 1, crate::yaml::Limits::default());
        let scan = scan_document(&parsed.documents[0]);
        let lines =
            |nodes: &[&Node<'_>]| -> Vec<u32> { nodes.iter().map(|n| n.span.start.line).collect() };
        // `c: [x|y]` is a one-item list; its item `x|y` opens with neither.
        assert_eq!(lines(&scan.bracketed), [1, 2, 3]);
        assert_eq!(lines(&scan.urls), [4]);
        assert_eq!(first_visible_byte("\u{a0}\t<x>"), Some(b'<'));
        // A one-item list of anything else (`containers:` with one container) is not.
        let parsed = crate::yaml::parse_chunk("a: [x]\nb: ['x|y']\n", 1, Default::default());
        let scan = scan_document(&parsed.documents[0]);
        assert!(scan.bracketed.is_empty() && scan.urls.is_empty());
        assert_eq!(first_visible_byte("  "), None);
        assert_eq!(first_visible_byte(""), None);
    }

    #[test]
    fn registry_and_catalogue_agree() {
        let registry: BTreeSet<&str> = REGISTRY.iter().map(|(id, _)| *id).collect();
        let catalogue: BTreeSet<&str> = crate::catalogue::rules()
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(registry, catalogue);
    }

    #[test]
    fn declarative_rules_are_exactly_the_catalogue_files_with_assertions() {
        let declared: BTreeSet<&str> = REGISTRY
            .iter()
            .filter(|(_, check)| matches!(check, Check::Policy(_)))
            .map(|(id, _)| *id)
            .collect();
        let builtin = crate::policy::builtin_parse().unwrap();
        let engine: BTreeSet<&str> = builtin.iter().map(|r| r.meta.id.as_str()).collect();
        assert_eq!(declared, engine);
    }
}
