//! The templates of manifests the walk lists (`discovery::Found::Template`:
//! `network-policies.yaml.tpl`), beside the per-file stage: each is read
//! through the project boundary, within `max-file-size`, and only its kinds
//! are looked for (`rules::input::template_file`). Not a file of the run: no
//! document, no object, no apply unit, nothing in the model or the cache.

use std::collections::BTreeSet;
use std::sync::Arc;

use rayon::prelude::*;

use crate::boundary::{ProjectBoundary, Refusal};
use crate::discovery::SourceFile;
use crate::finding::Finding;
use crate::rules::input::{template_file, unreadable_input, unrendered_template};
use crate::suppress::Suppression;

/// What one template gives the run: its DVM002 (or the DVM003 of a file it
/// could not read) and the suppressions of DVM002 its comments write.
#[derive(Clone, Debug, Default)]
pub struct Scanned {
    pub findings: Vec<Finding>,
    pub suppressions: Vec<Suppression>,
}

/// The template `source`, read through `boundary` (a regular file inside
/// the project, at most `max_size` bytes: a larger one is the DVM003 a
/// manifest that size gets).
pub fn scan(
    boundary: &ProjectBoundary,
    source: &SourceFile,
    max_size: u64,
    cluster: Option<&Arc<str>>,
) -> Scanned {
    let rel = &source.rel;
    match boundary.open_bounded(&source.path, max_size) {
        Ok(bytes) => Scanned {
            findings: template_file::finding(rel, &bytes, cluster)
                .into_iter()
                .collect(),
            suppressions: template_file::suppressions(rel, &bytes),
        },
        Err(Refusal::TooLarge { size, limit }) => Scanned {
            findings: vec![unreadable_input::too_large(rel, size, limit)],
            suppressions: Vec::new(),
        },
        Err(refusal) => Scanned {
            findings: vec![unreadable_input::walk_error(rel, &refusal.to_string())],
            suppressions: Vec::new(),
        },
    }
}

/// [`scan`] of every template of `sources`, on the pool, in path order.
pub fn scan_all(
    boundary: &ProjectBoundary,
    mut sources: Vec<SourceFile>,
    max_size: u64,
    cluster_of: &(dyn Fn(&str) -> Option<Arc<str>> + Sync),
) -> Vec<(SourceFile, Scanned)> {
    sources.sort();
    sources.dedup();
    sources
        .into_par_iter()
        .map(|source| {
            let scanned = scan(
                boundary,
                &source,
                max_size,
                cluster_of(&source.rel).as_ref(),
            );
            (source, scanned)
        })
        .collect()
}

/// The findings and suppressions of `scanned` for a run whose files are
/// `files` (relative paths): those of a template in a Helm chart's folder
/// are left out, for Helm renders every file of `templates/` whatever its
/// name, and the chart's own DVM002 or render says what became of it; so are
/// those of a template whose filled-in twin is linted (`policy.yaml` beside
/// `policy.yaml.tpl`): what is applied is judged there.
pub fn for_run<'s>(scanned: impl IntoIterator<Item = &'s Scanned>, files: &[Arc<str>]) -> Scanned {
    let mut out = Scanned::default();
    let mut charts: Option<BTreeSet<&str>> = None;
    let mut linted: Option<BTreeSet<&str>> = None;
    for one in scanned {
        let Some(file) = one
            .findings
            .first()
            .map(|f| &f.location.file)
            .or_else(|| one.suppressions.first().map(|s| &s.file))
        else {
            continue;
        };
        let charts = charts.get_or_insert_with(|| {
            unrendered_template::chart_dirs(files.iter().map(AsRef::as_ref))
        });
        if matches!(
            unrendered_template::template_root(file, charts),
            unrendered_template::TemplateRoot::Chart(_)
        ) {
            continue;
        }
        let linted = linted.get_or_insert_with(|| files.iter().map(AsRef::as_ref).collect());
        if file
            .rsplit_once('.')
            .is_some_and(|(twin, _)| linted.contains(twin))
        {
            continue;
        }
        out.findings.extend(one.findings.iter().cloned());
        out.suppressions.extend(one.suppressions.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// A template in a Helm chart's folder is Helm's to render: the run
    /// leaves out its finding and its suppressions; others are kept.
    #[test]
    fn templates_of_a_helm_chart_are_left_to_its_render() {
        const POLICY: &[u8] = b"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
                                # dvmlint: ignore-file[DVM002] rendered by CI\n";
        let of = |rel: &str| {
            let rel: Arc<str> = Arc::from(rel);
            Scanned {
                findings: template_file::finding(&rel, POLICY, None)
                    .into_iter()
                    .collect(),
                suppressions: template_file::suppressions(&rel, POLICY),
            }
        };
        let scanned = [
            of("chart/templates/policy.yaml.tpl"),
            of("envsubst/policy.yaml.tpl"),
        ];
        let files: Vec<Arc<str>> = vec![Arc::from("chart/Chart.yaml"), Arc::from("a.yaml")];
        let run = for_run(&scanned, &files);
        assert_eq!(run.findings.len(), 1);
        assert_eq!(&*run.findings[0].location.file, "envsubst/policy.yaml.tpl");
        assert_eq!(run.suppressions.len(), 1);
        assert_eq!(&*run.suppressions[0].file, "envsubst/policy.yaml.tpl");
        // Without the chart, both.
        assert_eq!(for_run(&scanned, &[]).findings.len(), 2);
        // With the filled-in twin linted, the template is left to it.
        let twin: Vec<Arc<str>> = vec![Arc::from("envsubst/policy.yaml")];
        assert_eq!(for_run(&scanned[1..], &twin).findings.len(), 0);
        let other: Vec<Arc<str>> = vec![Arc::from("envsubst/other.yaml")];
        assert_eq!(for_run(&scanned[1..], &other).findings.len(), 1);
    }
}
