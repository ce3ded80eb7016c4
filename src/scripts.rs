//! The repository's own scripts (Makefiles and shell scripts), and the
//! instructions (`is_instructions`) and programs (`is_program`) beside
//! them, read to learn what its tooling does to a file before the file is
//! applied: a resource a script writes before `kustomize build`
//! (`render::kustomize`: the whole tree, [`each`]), a documentation
//! placeholder a script replaces with `sed` or a program with a string
//! (`rules::hygiene::template_placeholder`: the folders around the files,
//! [`each_near`]). Read only when a verdict needs them, without following
//! links, each through the project boundary. What a script's commands write
//! (`> file`, `tee`, `cp … dest`, a Makefile's targets), as opposed to what
//! they only read: [`writes`].

use std::ops::ControlFlow;
use std::path::Path;

use crate::boundary::ProjectBoundary;

mod program;
mod writes;
pub use program::as_commands;
pub use writes::{Write, path_names, writes};

/// At most this many scripts are read, of at most [`MAX_SCRIPT_BYTES`] each,
/// among at most [`MAX_ENTRIES`] entries of the project's tree, at most
/// twelve folders deep.
pub const MAX_SCRIPTS: usize = 2_000;
pub const MAX_ENTRIES: usize = 200_000;
pub const MAX_SCRIPT_BYTES: u64 = 1 << 20;

/// A Makefile, a make include or a shell script, by its name.
pub fn is_script(name: &str) -> bool {
    is_makefile(name) || name.ends_with(".sh") || name.ends_with(".bash")
}

/// A Makefile or a make include, by its name (its recipes are the
/// shell's, its other lines make's).
pub fn is_makefile(name: &str) -> bool {
    matches!(name, "Makefile" | "GNUmakefile" | "makefile") || name.ends_with(".mk")
}

/// Instructions for a person (Markdown, AsciiDoc), by their name: where a
/// folder of manifests tells its user the commands that fill them in
/// (`sed "s/<NAMESPACE>/…/" binding.yaml | kubectl apply -f -`).
pub fn is_instructions(name: &str) -> bool {
    name.ends_with(".md") || name.ends_with(".markdown") || name.ends_with(".adoc")
}

/// A program's source (Go, Python, JavaScript, TypeScript, Ruby), by its
/// name: where a tool of the repository fills a placeholder in with the
/// placeholder as a string (`strings.ReplaceAll(text, "<REPO_NAME>", name)`),
/// the manifests it reads being embedded templates.
pub fn is_program(name: &str) -> bool {
    [".go", ".py", ".js", ".mjs", ".ts", ".rb"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// Calls `visit` with each script's path from `project` (`/`-separated) and
/// its bytes, in the walk's order, until it breaks or the bounds above are
/// reached.
pub fn each(project: &Path, visit: impl FnMut(&str, &[u8]) -> ControlFlow<()>) {
    each_where(project, is_script, MAX_SCRIPTS, visit);
}

/// At most this many programs ([`is_program`]) are read by a walk that
/// reads them beside the scripts ([`each_where`]): a Go repository holds
/// thousands of sources.
pub const MAX_PROGRAMS: usize = 8_000;

/// [`each`] over the files `wanted` picks by their name, at most `max` of
/// them read.
pub fn each_where(
    project: &Path,
    wanted: impl Fn(&str) -> bool,
    max: usize,
    mut visit: impl FnMut(&str, &[u8]) -> ControlFlow<()>,
) {
    let boundary = ProjectBoundary::new(project);
    // No ignore file is read: the user's global Git configuration and
    // excludes (`~/.gitconfig`), the folders above the project and a
    // `.gitignore` linked out of it are not the project's (trial 36: read
    // after each failed build). Hidden files are still passed over.
    let walker = ignore::WalkBuilder::new(project)
        .follow_links(false)
        .max_depth(Some(12))
        .parents(false)
        .ignore(false)
        .git_ignore(false)
        .git_exclude(false)
        .git_global(false)
        .build();
    let mut read = 0;
    for entry in walker.flatten().take(MAX_ENTRIES) {
        if !entry.file_name().to_str().is_some_and(&wanted)
            || !entry.file_type().is_some_and(|t| t.is_file())
        {
            continue;
        }
        read += 1;
        if read > max {
            break;
        }
        let Ok(text) = boundary.open_bounded(entry.path(), MAX_SCRIPT_BYTES) else {
            continue;
        };
        let Ok(rel) = entry.path().strip_prefix(project) else {
            continue;
        };
        let rel = rel
            .to_string_lossy()
            .replace(std::path::MAIN_SEPARATOR, "/");
        if visit(&rel, &text).is_break() {
            break;
        }
    }
}

/// The folders [`each_near`] also lists below each folder it looks in.
pub const SCRIPT_FOLDERS: [&str; 6] = ["hack", "scripts", "script", "bin", "tools", "ci"];

/// [`each`] over the scripts near `files` (paths from `project`): those in
/// each file's folder and every folder above it up to the project's root,
/// and in their [`SCRIPT_FOLDERS`], where a repository keeps the scripts
/// that fill its manifests in; the instructions ([`is_instructions`]) of
/// those folders, which give the same commands to a person; and the
/// programs ([`is_program`]) there, which may fill them in themselves. No tree is
/// walked: a few folders are listed, cheap enough for every lint of the
/// language server.
pub fn each_near<'f>(
    project: &Path,
    files: impl IntoIterator<Item = &'f str>,
    mut visit: impl FnMut(&str, &[u8]) -> ControlFlow<()>,
) {
    let mut folders: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for file in files {
        let mut dir = file;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            folders.insert(parent.to_owned());
            dir = parent;
        }
        folders.insert(String::new());
    }
    let listed: Vec<String> = folders
        .iter()
        .flat_map(|dir| {
            let below = SCRIPT_FOLDERS.iter().map(move |sub| join(dir, sub));
            std::iter::once(dir.clone()).chain(below)
        })
        .collect();
    let boundary = ProjectBoundary::new(project);
    let mut read = 0;
    for dir in listed {
        // A folder that is a link out of the project is not listed.
        let scripts = boundary
            .file_names_in(&project.join(&dir))
            .into_iter()
            .filter(|n| is_script(n) || is_instructions(n) || is_program(n));
        for name in scripts {
            read += 1;
            if read > MAX_SCRIPTS {
                return;
            }
            let rel = join(&dir, &name);
            let Ok(text) = boundary.open_bounded(&project.join(&rel), MAX_SCRIPT_BYTES) else {
                continue;
            };
            if visit(&rel, &text).is_break() {
                return;
            }
        }
    }
}

/// The CI workflows of the project that run its commands as a script does:
/// GitHub's (`.github/workflows/*.yml`) and GitLab's (`.gitlab-ci.yml`),
/// paths from `project`, sorted; at most [`MAX_SCRIPTS`].
fn workflows(project: &Path) -> Vec<String> {
    let boundary = ProjectBoundary::new(project);
    let mut found: Vec<String> = std::fs::read_dir(project.join(".github/workflows"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|name| name.ends_with(".yml") || name.ends_with(".yaml"))
        .map(|name| format!(".github/workflows/{name}"))
        .take(MAX_SCRIPTS)
        .collect();
    found.sort();
    if boundary
        .resolve(&project.join(".gitlab-ci.yml"))
        .is_ok_and(|path| path.is_file())
    {
        found.push(".gitlab-ci.yml".to_owned());
    }
    found
}

/// The first line, outside a comment, of a Makefile or shell script near
/// `file` (a path from `project`; [`each_near`], instructions and programs
/// aside) or else of a CI workflow of the project ([`workflows`]) that names
/// `file`: by its name, or by a glob that matches its name (`find ./manifests
/// -name "*.yaml.tpl" -exec …`, `sed -i … ./spoke/*.yaml`), a folder written
/// before either being the end of `file`'s folder. Its path from the project
/// and its line: the command that fills a template in or copies it over the
/// file it stands for, for a finding to name.
pub fn line_naming(project: &Path, file: &str) -> Option<(String, u32)> {
    let (folder, name) = file.rsplit_once('/').unwrap_or(("", file));
    if name.is_empty() {
        return None;
    }
    let find = |text: &[u8]| -> Option<u32> {
        let text = String::from_utf8_lossy(text);
        text.lines().zip(1u32..).find_map(|(line, number)| {
            let code = code_of(line);
            code.split(|c: char| c.is_whitespace() || "\"'<>;|&()=`".contains(c))
                .any(|word| word_names(word, folder, name))
                .then_some(number)
        })
    };
    let mut found = None;
    each_near(project, [file], |rel, text| {
        let script = rel.rsplit('/').next().is_some_and(is_script);
        if let Some(line) = find(text).filter(|_| script) {
            found = Some((rel.to_owned(), line));
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    if found.is_some() {
        return found;
    }
    let boundary = ProjectBoundary::new(project);
    workflows(project).into_iter().find_map(|rel| {
        let text = boundary
            .open_bounded(&project.join(&rel), MAX_SCRIPT_BYTES)
            .ok()?;
        Some((rel, find(&text)?))
    })
}

/// `line` without its comment: from a `#` that opens it or follows a blank
/// (`${1#prefix}` and `s#a#b#` are code).
fn code_of(line: &str) -> &str {
    let mut previous = None;
    for (at, c) in line.char_indices() {
        if c == '#' && previous.is_none_or(char::is_whitespace) {
            return line.get(..at).unwrap_or(line);
        }
        previous = Some(c);
    }
    line
}

/// Whether a word of a command names the file `name` in `folder` (both from
/// the project): its last segment is `name`, or a glob of `*` that matches
/// it with some text besides the stars and dots (`*.yaml.tpl`; `*` alone
/// names every file); a plain folder before it (no variable) must be the end
/// of `folder` (`./app/overlays/dev/env-patch.yaml`).
fn word_names(word: &str, folder: &str, name: &str) -> bool {
    let word = word.trim_end_matches(',');
    let (dir, last) = word.rsplit_once('/').unwrap_or(("", word));
    let matches = if last.contains('*') {
        last.chars().any(|c| c != '*' && c != '.') && glob_matches(last, name)
    } else {
        last == name
    };
    if !matches {
        return false;
    }
    let dir = dir.trim_start_matches("./").trim_end_matches('/');
    dir.is_empty()
        || dir == "."
        || dir.contains(['$', '{', '*'])
        || dir.starts_with("..")
        || dir.starts_with('/')
        || folder == dir
        || folder.ends_with(&format!("/{dir}"))
}

/// Whether `name` matches `glob`, a script's word holding a `*` (compiled
/// under `crate::glob`'s limits, as every glob a repository writes).
fn glob_matches(glob: &str, name: &str) -> bool {
    crate::glob::matcher(glob, true).is_ok_and(|matcher| matcher.is_match(name))
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No ignore file outside the project decides (a folder above it, the
    /// user's global excludes): none is read.
    #[test]
    fn no_ignore_file_above_the_project_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let outer = dir.path();
        std::fs::create_dir_all(outer.join(".git")).unwrap();
        std::fs::create_dir_all(outer.join("proj/hack")).unwrap();
        std::fs::write(outer.join(".gitignore"), "*.sh\n").unwrap();
        std::fs::write(outer.join("proj/hack/fill.sh"), "sed s/a/b/\n").unwrap();
        let mut seen = Vec::new();
        each(&outer.join("proj"), |rel, _| {
            seen.push(rel.to_owned());
            ControlFlow::Continue(())
        });
        assert_eq!(seen, ["hack/fill.sh"]);
    }

    #[test]
    fn scripts_are_found_by_name_inside_the_project_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("hack/sub")).unwrap();
        for (path, text) in [
            ("Makefile", "all:\n"),
            ("hack/sub/fill.sh", "sed s/a/b/\n"),
            ("hack/notes.md", "sed s/a/b/\n"),
            ("rules.mk", "x := 1\n"),
        ] {
            std::fs::write(root.join(path), text).unwrap();
        }
        let mut seen = Vec::new();
        each(root, |rel, text| {
            seen.push((rel.to_owned(), text.len()));
            ControlFlow::Continue(())
        });
        seen.sort();
        assert_eq!(
            seen,
            [
                ("Makefile".to_owned(), 5),
                ("hack/sub/fill.sh".to_owned(), 11),
                ("rules.mk".to_owned(), 7)
            ]
        );
        let mut first = 0;
        each(root, |_, _| {
            first += 1;
            ControlFlow::Break(())
        });
        assert_eq!(first, 1);
    }

    #[test]
    fn scripts_near_files_are_those_of_their_folders_and_script_folders_above() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in ["demo/spoke", "hack", "other/hack", "demo/spoke/deep"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        for path in [
            "Makefile",
            "hack/fill.sh",
            "demo/start.sh",
            "demo/spoke/run.sh",
            "demo/spoke/deep/below.sh",
            "other/hack/elsewhere.sh",
        ] {
            std::fs::write(root.join(path), "true\n").unwrap();
        }
        let mut seen = Vec::new();
        each_near(root, ["demo/spoke/a.yaml"], |rel, _| {
            seen.push(rel.to_owned());
            ControlFlow::Continue(())
        });
        seen.sort();
        assert_eq!(
            seen,
            [
                "Makefile",
                "demo/spoke/run.sh",
                "demo/start.sh",
                "hack/fill.sh"
            ]
        );
    }

    #[test]
    fn the_line_naming_a_file_is_found_in_scripts_near_it_then_in_workflows() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in [
            "app/overlays/dev",
            "manifests/serving",
            ".github/workflows",
            "other",
        ] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        std::fs::write(
            root.join("setup.sh"),
            "#!/bin/bash\n# sed env-patch.yaml in a comment\nread -rp 'Token: ' TOKEN\nsed -i -e \"s|%TOKEN%|$TOKEN|g\" ./app/overlays/dev/env-patch.yaml\n",
        )
        .unwrap();
        // A script near no file of these names one of another folder.
        std::fs::write(root.join("other/fill.sh"), "cp kustomization.yaml.tpl x\n").unwrap();
        std::fs::write(
            root.join(".github/workflows/deploy.yml"),
            "jobs:\n  d:\n    steps:\n      - run: |\n          find ./manifests/ -name \"*.yaml.tpl\" -exec bash -c 'cp \"$1\" \"${1%.tpl}\"' _ {} \\;\n",
        )
        .unwrap();
        assert_eq!(
            line_naming(root, "app/overlays/dev/env-patch.yaml"),
            Some(("setup.sh".to_owned(), 4))
        );
        assert_eq!(
            line_naming(root, "manifests/serving/kustomization.yaml.tpl"),
            Some((".github/workflows/deploy.yml".to_owned(), 5))
        );
        // Another folder's file of the same name, or a glob matching nothing.
        assert_eq!(line_naming(root, "elsewhere/env-patch.yaml"), None);
        assert_eq!(line_naming(root, "manifests/serving/config.json"), None);
        assert!(glob_matches("*.yaml.tpl", "kustomization.yaml.tpl"));
        assert!(glob_matches("kust*.tpl", "kustomization.yaml.tpl"));
        assert!(!glob_matches("*.yaml", "kustomization.yaml.tpl"));
        assert!(!word_names("*", "a", "b.yaml"));
        assert!(word_names(
            "$DIR/dev/env-patch.yaml",
            "app/overlays/dev",
            "env-patch.yaml"
        ));
        assert!(!word_names(
            "prod/env-patch.yaml",
            "app/overlays/dev",
            "env-patch.yaml"
        ));
    }

    #[cfg(unix)]
    #[test]
    fn scripts_behind_links_out_of_the_project_are_not_read() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.sh"), "s/<N>/x/\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("demo")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.sh"), root.join("demo/start.sh"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("demo/hack")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("scripts")).unwrap();
        let mut seen = Vec::new();
        let mut visit = |rel: &str, _: &[u8]| {
            seen.push(rel.to_owned());
            ControlFlow::Continue(())
        };
        each_near(root, ["demo/a.yaml"], &mut visit);
        each(root, &mut visit);
        assert!(seen.is_empty(), "{seen:?}");
    }
}
