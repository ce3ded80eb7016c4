//! The repository's own scripts (Makefiles and shell scripts), and the
//! instructions (`is_instructions`) and programs (`is_program`) beside
//! them, read to learn what its tooling does to a file before the file is
//! applied: a resource a script writes before `kustomize build`
//! (`render::kustomize`: the whole tree, [`each`]), a documentation
//! placeholder a script replaces with `sed` or a program with a string
//! (`rules::hygiene::template_placeholder`: the folders around the files,
//! [`each_near`]). Read only when a verdict needs them, without following
//! links, each through the project boundary.

use std::ops::ControlFlow;
use std::path::Path;

use crate::boundary::ProjectBoundary;

/// At most this many scripts are read, of at most [`MAX_SCRIPT_BYTES`] each,
/// among at most [`MAX_ENTRIES`] entries of the project's tree, at most
/// twelve folders deep.
pub const MAX_SCRIPTS: usize = 2_000;
pub const MAX_ENTRIES: usize = 200_000;
pub const MAX_SCRIPT_BYTES: u64 = 1 << 20;

/// A Makefile, a make include or a shell script, by its name.
pub fn is_script(name: &str) -> bool {
    matches!(name, "Makefile" | "GNUmakefile" | "makefile")
        || name.ends_with(".mk")
        || name.ends_with(".sh")
        || name.ends_with(".bash")
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
pub fn each(project: &Path, mut visit: impl FnMut(&str, &[u8]) -> ControlFlow<()>) {
    let boundary = ProjectBoundary::new(project);
    let walker = ignore::WalkBuilder::new(project)
        .follow_links(false)
        .max_depth(Some(12))
        .build();
    let mut read = 0;
    for entry in walker.flatten().take(MAX_ENTRIES) {
        if !entry.file_name().to_str().is_some_and(is_script)
            || !entry.file_type().is_some_and(|t| t.is_file())
        {
            continue;
        }
        read += 1;
        if read > MAX_SCRIPTS {
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
        let path = project.join(&dir);
        // A folder that is a link out of the project is not listed.
        if !boundary.contains(&path) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        let mut scripts: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .filter(|n| is_script(n) || is_instructions(n) || is_program(n))
                    .map(str::to_owned)
            })
            .collect();
        scripts.sort();
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
