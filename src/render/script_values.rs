//! Values files a command of the repository passes to Helm (`helm lint -f
//! ./shared-values.yaml $c` in a Makefile's loop over its charts): a chart
//! rendered with its own values.yaml alone that stops for want of a value
//! such a file gives is installed with that file, which is no fault of the
//! chart (DVM002 info, naming the file and the command's line), as with an
//! Argo CD Application's values (`super::argo`). Read only when a chart
//! failed, from the Makefiles and shell scripts near it
//! (`crate::scripts::each_near`), every file through the project boundary.

use std::ops::ControlFlow;
use std::path::Path;

use super::{Limit, Release, Root};

/// Helm's subcommands that take values files and render the chart.
const RENDERING: [&str; 4] = ["lint", "template", "install", "upgrade"];

/// Helm's flags (of those subcommands) that take a value in the next word
/// when not written `--flag=value`: their value is no chart.
const TAKES_VALUE: [&str; 21] = [
    "-n",
    "--namespace",
    "--set",
    "--set-string",
    "--set-file",
    "--set-json",
    "--set-literal",
    "--version",
    "--kube-version",
    "-o",
    "--output",
    "--output-dir",
    "--timeout",
    "--repo",
    "--post-renderer",
    "--post-renderer-args",
    "--kubeconfig",
    "--kube-context",
    "-a",
    "--api-versions",
    "-s",
];

/// Why the render of `root`, stopped for want of a value (Helm's `message`),
/// is no fault of the chart: a command in a Makefile or shell script near it
/// runs `helm lint|template|install|upgrade` on it (a chart named by a
/// variable, as in a loop over the charts, counts) with `-f FILE`,
/// `--values FILE` or `--values=FILE`, and that file, read from the folder
/// the command runs in, gives the value. Only for a release whose values the
/// configuration does not name.
pub fn installed_with(
    project: &Path,
    root: &Root,
    release: &Release,
    message: &str,
) -> Option<Limit> {
    if !release.values.is_empty() || !release.set.is_empty() {
        return None;
    }
    let wanted = super::helm::value_wanted(project, root, message)?;
    let keys: Vec<&str> = wanted.split('.').collect();
    let boundary = crate::boundary::ProjectBoundary::new(project);
    let gives = |rel: &str| {
        let Ok(bytes) = boundary.open_bounded(&project.join(rel), 1 << 20) else {
            return false;
        };
        super::helm::values_give(&String::from_utf8_lossy(&bytes), &keys)
    };
    let mut found = None;
    crate::scripts::each_near(project, [&*root.file], |script, bytes| {
        let name = script.rsplit('/').next().unwrap_or(script);
        if !crate::scripts::is_script(name) || memchr::memmem::find(bytes, b"helm").is_none() {
            return ControlFlow::Continue(());
        }
        let text = String::from_utf8_lossy(bytes);
        for passed in passed_values(script, &text) {
            if !passed
                .chart
                .iter()
                .any(|chart| names_chart(chart, &root.dir))
            {
                continue;
            }
            if let Some(file) = passed.files.iter().find(|file| gives(file)) {
                found = Some(passed_limit(
                    &wanted,
                    file,
                    &format!(
                        "`{script}` line {} passes with `{}`",
                        passed.line, passed.flag
                    ),
                ));
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    found
}

/// The DVM002 of a chart whose templates need `wanted`, which the values
/// file `file` gives, passed to the chart as `by` says (`` `Makefile` line 4
/// passes with `-f` ``): a command's or a helmfile's (`super::helmfile`).
pub(super) fn passed_limit(wanted: &str, file: &str, by: &str) -> Limit {
    Limit {
        why: format!(
            "its templates need `{wanted}`, which its own values.yaml lacks; the values come from `{file}`, which {by}: name that file in `render.charts[].values`"
        ),
        help: "name the values files the chart is installed with in `render.charts[].values` of .dvmlint.yaml",
    }
}

/// One Helm command of a script that passes values files.
#[derive(Debug, PartialEq)]
struct Passed {
    /// The values files, from the project (each folder the command may run
    /// in: a shell script runs in its own folder or the project's).
    files: Vec<String>,
    /// The chart it renders, from the project, for each folder it may run
    /// in; `*` for one a variable or a pattern names.
    chart: Vec<String>,
    /// The line of the script the flag is on, from 1.
    line: usize,
    /// The flag as written (`-f`, `--values`).
    flag: String,
}

/// Whether a chart as [`Passed::chart`] names it is the one at `dir`.
fn names_chart(chart: &str, dir: &str) -> bool {
    chart == "*" || chart == dir
}

/// The Helm commands of the script `script` (its path from the project) that
/// pass values files. A Makefile's recipe line runs in the Makefile's folder
/// (its `cd` lasts for that line), a shell script in its own folder or the
/// project's (its `cd` lasts to the end); a continued line is read as one.
fn passed_values(script: &str, text: &str) -> Vec<Passed> {
    let name = script.rsplit('/').next().unwrap_or(script);
    let makefile = !(name.ends_with(".sh") || name.ends_with(".bash"));
    let own = script.rsplit_once('/').map_or("", |(folder, _)| folder);
    let bases: Vec<&str> = if makefile || own.is_empty() {
        vec![own]
    } else {
        vec![own, ""]
    };
    // Same length as the text, so an offset is one of the text.
    let joined = text.replace("\\\n", "  ");
    let mut found = Vec::new();
    // The folder of the latest `cd` (`None`: the starting folder); a folder
    // a variable names is unknown, and so is every path read after it.
    let mut cd: Option<Option<&str>> = None;
    let mut start = 0;
    for (end, c) in joined
        .char_indices()
        .filter(|(_, c)| matches!(c, '\n' | ';' | '|' | '&'))
        .chain(std::iter::once((joined.len(), '\n')))
    {
        let command = joined.get(start..end).unwrap_or_default();
        let at = start;
        start = end + c.len_utf8();
        let words: Vec<(usize, &str)> = words(command).map(|(i, w)| (at + i, w)).collect();
        match words.as_slice() {
            [(_, "cd"), (_, folder), ..] => {
                let folder = folder.trim_matches(['"', '\'']);
                let known = !folder.contains(['$', '`', '~']) && !folder.starts_with('/');
                cd = Some(known.then_some(folder));
            }
            _ => found.extend(helm_values(&words, cd.unwrap_or(Some(".")), &bases, text)),
        }
        if makefile && c == '\n' {
            cd = None;
        }
    }
    found
}

/// The words of a command with their offsets, quotes kept.
fn words(command: &str) -> impl Iterator<Item = (usize, &str)> {
    command
        .split(|c: char| c.is_whitespace())
        .scan(0usize, |offset, word| {
            let at = *offset;
            *offset += word.len() + 1;
            Some((at, word))
        })
        .filter(|(_, word)| !word.is_empty())
}

/// The values files and chart of a `helm lint|template|install|upgrade`
/// command (`words`, with their offsets in `text`), run in the folder `cd`
/// (`None`: one a variable names) below each of `bases`.
fn helm_values(
    words: &[(usize, &str)],
    cd: Option<&str>,
    bases: &[&str],
    text: &str,
) -> Option<Passed> {
    let helm = words.iter().position(|(_, w)| {
        let w = w.trim_start_matches(['@', '-']);
        w == "helm" || w.ends_with("/helm") || matches!(w, "$(HELM)" | "${HELM}" | "$HELM")
    })?;
    let (_, subcommand) = words.get(helm + 1)?;
    if !RENDERING.contains(subcommand) {
        return None;
    }
    let mut files: Vec<(usize, &str, &str)> = Vec::new();
    let mut positional: Vec<&str> = Vec::new();
    let mut rest = words.iter().skip(helm + 2);
    while let Some((at, word)) = rest.next() {
        let (flag, value) = match word.split_once('=') {
            Some((flag, value)) if word.starts_with('-') => (flag, Some(value)),
            _ => (*word, None),
        };
        if matches!(flag, "-f" | "--values") {
            let value = value.or_else(|| rest.next().map(|(_, w)| *w))?;
            files.extend(value.split(',').map(|file| (*at, flag, file)));
        } else if let Some(file) = flag.strip_prefix("-f").filter(|f| !f.is_empty()) {
            files.push((*at, "-f", file));
        } else if TAKES_VALUE.contains(&flag) {
            if value.is_none() {
                rest.next();
            }
        } else if !flag.starts_with('-') {
            positional.push(flag);
        }
    }
    let (at, flag, _) = *files.first()?;
    let folders: Vec<String> = match cd {
        Some(cd) => bases
            .iter()
            .filter_map(|base| super::argo::normalised(&super::join(base, cd)))
            .collect(),
        None => Vec::new(),
    };
    let from = |path: &str| -> Vec<String> {
        let path = path.trim_matches(['"', '\'']);
        if path.is_empty() || path.starts_with('/') || path.contains(['$', '`', '~']) {
            return Vec::new();
        }
        folders
            .iter()
            .filter_map(|folder| super::argo::normalised(&super::join(folder, path)))
            .collect()
    };
    let files: Vec<String> = files.iter().flat_map(|(_, _, file)| from(file)).collect();
    // `helm lint` alone lints the folder it runs in.
    let named: Vec<&str> = if positional.is_empty() {
        vec!["."]
    } else {
        positional
    };
    let mut chart: Vec<String> = named
        .iter()
        .flat_map(|word| {
            if word.contains(['$', '`', '*']) {
                vec!["*".to_owned()]
            } else {
                from(word.trim_end_matches('/'))
            }
        })
        .collect();
    chart.sort();
    chart.dedup();
    let line = text
        .get(..at)
        .map_or(0, |before| before.matches('\n').count())
        + 1;
    (!files.is_empty() && !chart.is_empty()).then(|| Passed {
        files,
        chart,
        line,
        flag: flag.to_owned(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_over_the_charts_passes_its_values_file_to_each() {
        let makefile = "lint:\n\tcd charts/; \\\n\tfor c in `ls -d */`; do \\\n\t\thelm lint -f ./shared-values.yaml $$c; \\\n\tdone\n";
        assert_eq!(
            passed_values("Makefile", makefile),
            [Passed {
                files: vec!["charts/shared-values.yaml".into()],
                chart: vec!["*".into()],
                line: 4,
                flag: "-f".into(),
            }]
        );
        // A recipe line's `cd` lasts for that line only.
        let makefile = "x:\n\tcd charts\n\thelm template web ./web --values=values.yaml -n web\n";
        let passed = passed_values("deploy/Makefile", makefile);
        assert_eq!(passed[0].files, ["deploy/values.yaml"]);
        assert_eq!(passed[0].chart, ["deploy/web"]);
        assert_eq!((passed[0].line, passed[0].flag.as_str()), (3, "--values"));
        // A script runs in its own folder or the project's; its `cd` lasts.
        let script = "#!/bin/sh\ncd env\nhelm upgrade --install shop ../charts/shop -f prod.yaml\n";
        let passed = passed_values("hack/deploy.sh", script);
        assert_eq!(passed[0].files, ["hack/env/prod.yaml", "env/prod.yaml"]);
        // The release name is read as a folder too: no chart is there.
        assert_eq!(
            passed[0].chart,
            [
                "charts/shop",
                "env/shop",
                "hack/charts/shop",
                "hack/env/shop"
            ]
        );
    }

    #[test]
    fn a_command_that_passes_no_known_file_passes_nothing() {
        for script in [
            "x:\n\thelm lint charts/web\n",
            "x:\n\thelm lint -f $(VALUES) charts/web\n",
            "x:\n\thelm lint -f /etc/values.yaml charts/web\n",
            "x:\n\thelm lint -f ../../outside.yaml charts/web\n",
            "x:\n\tcd $(DIR) && helm lint -f values.yaml .\n",
            "x:\n\thelm repo add x -f values.yaml\n",
            "x:\n\techo helm-f values.yaml\n",
        ] {
            assert_eq!(passed_values("Makefile", script), [], "{script}");
        }
    }
}
