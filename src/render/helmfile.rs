//! The helmfiles of the repository (`helmfile.yaml`, `helmfile.yaml.gotmpl`,
//! `helmfile.d/*.yaml`) whose releases install one of its own charts with
//! values files: a chart rendered with its own values.yaml alone that stops
//! for want of a value such a file gives is installed with that file, which
//! is no fault of the chart (DVM002 info, naming the helmfile, the line that
//! passes the file, and the file), as with a command's `-f`
//! (`super::script_values`). Read only when a chart failed: the helmfiles in
//! the chart's folder and each folder above it up to the project's root, and
//! those the walk listed (a `helmfile.yaml` anywhere), every file through the
//! project boundary.
//!
//! A helmfile, and a values file it names, may be a Go template: each action
//! (`{{ … }}`) is read as a plain word, a line of actions alone as a blank
//! one (`untemplated`), a document of the helmfile that still does not parse
//! is skipped, and a values file with actions that does not parse is read
//! line by line (`super::helm::gives_by_lines`); Helm cannot read such a
//! file, so the finding says that helmfile writes it filled in. A chart or values file named with an
//! action (`{{ .Environment.Name }}.yaml`), inline values and a path outside
//! the project are not read.

use std::path::Path;
use std::sync::Arc;

use super::{Limit, Release, Root};
use crate::boundary::ProjectBoundary;
use crate::yaml::Node;

/// At most this many helmfiles are read for one chart, each helmfile and
/// values file of at most [`MAX_BYTES`].
const MAX_HELMFILES: usize = 256;
const MAX_BYTES: u64 = 1 << 20;

/// The names Helmfile reads by default in a folder.
const NAMES: [&str; 4] = [
    "helmfile.yaml",
    "helmfile.yaml.gotmpl",
    "helmfile.yml",
    "helmfile.yml.gotmpl",
];

/// Whether the file at `rel` (a path from the project) is a helmfile, by
/// its name: one of [`NAMES`], or a YAML file (`.gotmpl` or not) of a
/// `helmfile.d` folder.
pub fn is_helmfile(rel: &str) -> bool {
    let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let stem = name.strip_suffix(".gotmpl").unwrap_or(name);
    NAMES.contains(&name)
        || ((stem.ends_with(".yaml") || stem.ends_with(".yml"))
            && (folder == "helmfile.d" || folder.ends_with("/helmfile.d")))
}

/// Why the render of `root`, stopped for want of a value (Helm's `message`),
/// is no fault of the chart: a release of a helmfile of the project
/// ([`near`], and `listed`, the helmfiles the walk found) installs the
/// chart's folder (`chart:`, from the helmfile's folder) with a values file
/// (`values:`, from the same folder) that gives the value. Only for a
/// release whose values the configuration does not name.
pub fn installed_with(
    project: &Path,
    root: &Root,
    release: &Release,
    message: &str,
    listed: &[Arc<str>],
) -> Option<Limit> {
    if !release.values.is_empty() || !release.set.is_empty() {
        return None;
    }
    let boundary = ProjectBoundary::new(project);
    let mut helmfiles = near(project, &boundary, &root.dir);
    for rel in listed {
        if helmfiles.len() >= MAX_HELMFILES {
            break;
        }
        if !helmfiles.iter().any(|known| **known == **rel) {
            helmfiles.push(rel.to_string());
        }
    }
    if helmfiles.is_empty() {
        return None;
    }
    let wanted = super::helm::value_wanted(project, root, message)?;
    let keys: Vec<&str> = wanted.split('.').collect();
    let found = given_by(project, &boundary, &root.dir, &keys, &helmfiles)?;
    let to = found.release.map_or_else(
        || "a release".to_owned(),
        |name| format!("release `{name}`"),
    );
    // Helm cannot read a template: the file helmfile fills in is the one
    // to name.
    let filled = if found.template {
        ", filled in by helmfile (`helmfile write-values` writes it out)"
    } else {
        ""
    };
    Some(super::script_values::passed_limit(
        &wanted,
        &found.file,
        &format!(
            "`{}` line {} passes to {to}{filled}",
            found.helmfile, found.line
        ),
    ))
}

/// A values file a helmfile's release installs a chart with.
#[derive(Debug, PartialEq)]
struct Given {
    /// The helmfile, from the project.
    helmfile: String,
    /// The line of the helmfile that names the values file, from 1.
    line: u32,
    /// The release's name, unless an action writes it.
    release: Option<String>,
    /// The values file, from the project.
    file: String,
    /// It holds template actions (`{{ requiredEnv "USER" }}`).
    template: bool,
}

/// The first values file of a release of `helmfiles` (paths from the
/// project, at most [`MAX_HELMFILES`] read) that installs the chart at
/// `chart_dir` and gives the value at `keys`.
fn given_by(
    project: &Path,
    boundary: &ProjectBoundary,
    chart_dir: &str,
    keys: &[&str],
    helmfiles: &[String],
) -> Option<Given> {
    for helmfile in helmfiles.iter().take(MAX_HELMFILES) {
        let Ok(bytes) = boundary.open_bounded(&project.join(helmfile), MAX_BYTES) else {
            continue;
        };
        for installed in releases(helmfile, &String::from_utf8_lossy(&bytes)) {
            if installed.chart != chart_dir {
                continue;
            }
            let given = installed.values.into_iter().find_map(|(file, line)| {
                let template = gives(project, boundary, &file, keys)?;
                Some((file, line, template))
            });
            if let Some((file, line, template)) = given {
                return Some(Given {
                    helmfile: helmfile.clone(),
                    line,
                    release: installed.name,
                    file,
                    template,
                });
            }
        }
    }
    None
}

/// The helmfiles in the folder `chart_dir` (from the project) and each
/// folder above it, nearest first: [`NAMES`], then the YAML files of a
/// `helmfile.d` folder there, in name order. A folder that is a link out of
/// the project is not listed.
fn near(project: &Path, boundary: &ProjectBoundary, chart_dir: &str) -> Vec<String> {
    let mut folders = vec![chart_dir];
    let mut dir = chart_dir;
    while !dir.is_empty() {
        dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
        folders.push(dir);
    }
    let mut found = Vec::new();
    for folder in folders {
        found.extend(
            NAMES
                .iter()
                .map(|name| super::join(folder, name))
                .filter(|rel| project.join(rel).is_file()),
        );
        let listed = super::join(folder, "helmfile.d");
        found.extend(
            boundary
                .file_names_in(&project.join(&listed))
                .into_iter()
                .map(|name| super::join(&listed, &name))
                .filter(|rel| is_helmfile(rel)),
        );
    }
    found
}

/// A release of a helmfile that installs a chart of the project by its
/// folder.
#[derive(Debug, PartialEq)]
struct Installed {
    name: Option<String>,
    /// The chart's folder, from the project.
    chart: String,
    /// Its values files, from the project, with the helmfile's line that
    /// names each.
    values: Vec<(String, u32)>,
}

/// The releases of the helmfile `helmfile` (its path from the project and
/// its `text`) that name a local chart, each document of it read alone.
fn releases(helmfile: &str, text: &str) -> Vec<Installed> {
    let dir = helmfile.rsplit_once('/').map_or("", |(dir, _)| dir);
    // A path from the helmfile's folder, unless an action writes it or it
    // leaves the project.
    let from = |path: &str| {
        let path = path.trim();
        if path.is_empty() || path.starts_with('/') || path.contains(STAND_IN) {
            return None;
        }
        super::argo::normalised(&super::join(dir, path.trim_end_matches('/')))
    };
    let text = untemplated(text);
    let mut found = Vec::new();
    for chunk in crate::yaml::split_documents(text.as_bytes()) {
        let Ok(chunk_text) = std::str::from_utf8(chunk.bytes) else {
            continue;
        };
        let parsed =
            crate::yaml::parse_chunk(chunk_text, chunk.first_line, crate::yaml::Limits::default());
        for document in &parsed.documents {
            for release in document
                .get("releases")
                .map(Node::items)
                .unwrap_or_default()
            {
                let Some(chart) = release
                    .get("chart")
                    .and_then(Node::as_str)
                    .filter(|chart| !chart.contains("://"))
                    .and_then(from)
                else {
                    continue;
                };
                let values = release
                    .get("values")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|item| Some((from(item.as_str()?)?, item.span.start.line)))
                    .collect();
                found.push(Installed {
                    name: release
                        .get("name")
                        .and_then(Node::as_str)
                        .filter(|name| !name.contains(STAND_IN))
                        .map(str::to_owned),
                    chart,
                    values,
                });
            }
        }
    }
    found
}

/// Whether the values file at `rel` (from the project) gives the value at
/// `keys`, read as YAML once its actions are plain words, or line by line
/// (a file that still does not parse: `{{ if }}` branches that write a key
/// twice): `Some` if it does, saying whether it holds actions.
fn gives(project: &Path, boundary: &ProjectBoundary, rel: &str, keys: &[&str]) -> Option<bool> {
    let bytes = boundary.open_bounded(&project.join(rel), MAX_BYTES).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let template = text.contains("{{");
    let gives = super::helm::values_give(&untemplated(&text), keys)
        || (template && super::helm::gives_by_lines(&text, keys));
    gives.then_some(template)
}

/// What [`untemplated`] writes for an action, numbered so that two keys an
/// action writes stay two keys.
const STAND_IN: &str = "__dvmlint_action_";

/// `text` with each Go template action (`{{ … }}`) replaced by a plain word
/// ([`STAND_IN`] and a number), the lines an action spans kept, and each
/// line of actions alone (`{{ if … }}`, `{{- end }}`) left blank: the same
/// lines, for the YAML parser.
fn untemplated(text: &str) -> String {
    if !text.contains("{{") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut count = 0usize;
    while let Some((before, after)) = rest.split_once("{{") {
        out.push_str(before);
        let (action, next) = after.split_once("}}").unwrap_or((after, ""));
        count += 1;
        out.push_str(&format!("{STAND_IN}{count}__"));
        out.extend(action.matches('\n').map(|_| '\n'));
        rest = next;
    }
    out.push_str(rest);
    let mut lines: Vec<&str> = out
        .split('\n')
        .map(|line| if actions_alone(line) { "" } else { line })
        .collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    let mut joined = lines.join("\n");
    joined.push('\n');
    joined
}

/// Whether `line` of [`untemplated`]'s text holds stand-ins and blanks
/// alone.
fn actions_alone(line: &str) -> bool {
    let mut rest = line.trim();
    if rest.is_empty() {
        return false;
    }
    while let Some(after) = rest.strip_prefix(STAND_IN) {
        let after = after.trim_start_matches(|c: char| c.is_ascii_digit());
        let Some(after) = after.strip_prefix("__") else {
            return false;
        };
        rest = after.trim_start();
    }
    rest.is_empty()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn helmfiles_are_known_by_their_names() {
        for rel in [
            "helmfile.yaml",
            "deploy/helmfile.yaml.gotmpl",
            "helmfile.yml",
            "helmfile.d/10-system.yaml",
            "deploy/helmfile.d/apps.yaml.gotmpl",
        ] {
            assert!(is_helmfile(rel), "{rel}");
        }
        for rel in [
            "helmfile.lock",
            "values.yaml",
            "deploy/helmfile-prod.yaml",
            "helmfile.d/README.md",
            "helmfile.d/sub/apps.yaml",
        ] {
            assert!(!is_helmfile(rel), "{rel}");
        }
    }

    #[test]
    fn a_templated_helmfile_of_several_documents_is_read_line_for_line() {
        let helmfile = "environments:\n  dev:\n    values:\n      - ./overrides/dev.env\n---\nhelmDefaults:\n  kubeContext: {{ .Environment.Name }}\n\nreleases:\n  - name: notify-jobs\n    installed: {{ or (eq .Environment.Name \"staging\") (eq .Environment.Name \"dev\") }}\n    chart: ./charts/notify-jobs/\n    values:\n    - ./overrides/notify/api.yaml.gotmpl\n    - ./overrides/{{ .Environment.Name }}/jobs.yaml\n    - inline: {a: 1}\n    - /etc/values.yaml\n    - ../../outside.yaml\n{{- if eq .Environment.Name \"dev\" }}\n  - name: {{ .Environment.Name }}-probe\n    chart: ../probe\n    values: [probe.yaml]\n{{- end }}\n  - name: remote\n    chart: oci://ghcr.io/org/charts/remote\n  - name: {{ .Values.name }}\n    chart: charts/{{ .Values.name }}\n";
        let found = releases("helmfile/helmfile.yaml.gotmpl", helmfile);
        assert_eq!(
            found,
            [
                Installed {
                    name: Some("notify-jobs".into()),
                    chart: "helmfile/charts/notify-jobs".into(),
                    values: vec![("helmfile/overrides/notify/api.yaml.gotmpl".into(), 14)],
                },
                Installed {
                    name: None,
                    chart: "probe".into(),
                    values: vec![("helmfile/probe.yaml".into(), 22)],
                },
            ]
        );
        // A document that does not parse loses only itself.
        let broken = "releases: [\n---\nreleases:\n- name: a\n  chart: a\n  values: [v.yaml]\n";
        assert_eq!(
            releases("helmfile.d/a.yaml", broken),
            [Installed {
                name: Some("a".into()),
                chart: "helmfile.d/a".into(),
                values: vec![("helmfile.d/v.yaml".into(), 6)],
            }]
        );
    }

    #[test]
    fn actions_become_words_and_lines_of_actions_alone_blanks() {
        assert_eq!(
            untemplated(
                "a: {{ x }}\n{{- if y }}\n  {{ z }} {{ w }}\nb: \"{{ v }}\"\n{{/*\nnote\n*/}}\nc: 1\n"
            ),
            "a: __dvmlint_action_1__\n\n\nb: \"__dvmlint_action_5__\"\n\n\n\nc: 1\n"
        );
        assert_eq!(untemplated("a: 1\n"), "a: 1\n");
    }

    #[test]
    fn a_release_gives_the_value_only_from_a_file_that_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path();
        std::fs::create_dir_all(project.join("helmfile/overrides")).unwrap();
        std::fs::create_dir_all(project.join("helmfile/charts/pull/templates")).unwrap();
        std::fs::write(
            project.join("helmfile/helmfile.yaml.gotmpl"),
            "releases:\n  - name: pull\n    chart: charts/pull\n    installed: {{ .Values.on }}\n    values:\n      - ./overrides/common.yaml\n      - ./overrides/pull.yaml.gotmpl\n",
        )
        .unwrap();
        std::fs::write(
            project.join("helmfile/overrides/common.yaml"),
            "registry:\n  host: example.com\n",
        )
        .unwrap();
        // Its two branches write `registry` twice, no YAML: read line by line.
        std::fs::write(
            project.join("helmfile/overrides/pull.yaml.gotmpl"),
            "{{ if .Values.on }}\nregistry:\n  user: {{ requiredEnv \"USER\" }}\n{{ else }}\nregistry:\n  pat: {{ requiredEnv \"PAT\" }}\n{{ end }}\n",
        )
        .unwrap();
        let boundary = ProjectBoundary::new(project);
        let helmfiles = near(project, &boundary, "helmfile/charts/pull");
        assert_eq!(helmfiles, ["helmfile/helmfile.yaml.gotmpl"]);
        let given =
            |keys: &[&str]| given_by(project, &boundary, "helmfile/charts/pull", keys, &helmfiles);
        assert_eq!(
            given(&["registry", "user"]),
            Some(Given {
                helmfile: "helmfile/helmfile.yaml.gotmpl".into(),
                line: 7,
                release: Some("pull".into()),
                file: "helmfile/overrides/pull.yaml.gotmpl".into(),
                template: true,
            })
        );
        assert_eq!(
            given(&["registry", "host"]).map(|g| (g.file, g.template)),
            Some(("helmfile/overrides/common.yaml".into(), false))
        );
        assert_eq!(given(&["registry", "password"]), None);
        assert_eq!(given(&["user"]), None);
        // Another chart's release gives it nothing.
        assert_eq!(
            given_by(
                project,
                &boundary,
                "helmfile/charts/other",
                &["registry", "user"],
                &helmfiles
            ),
            None
        );
    }
}
