//! Embeds the rule catalogue (`rules/*.yaml`, and each file converted to JSON) into the binary, and gives the
//! build an id (a hash of its sources) that invalidates `.dvmlint-cache/`.
use std::hash::{DefaultHasher, Hasher};
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=crates");
    println!("cargo:rerun-if-changed=Cargo.lock");
    // catalogue::DOCS_URL: where docs/rules.md is published, if anywhere.
    println!("cargo:rerun-if-env-changed=DVMLINT_DOCS_URL");
    // The package's folder as Cargo gives it to this run, not as it was when
    // the script was compiled: one compiled script serves every checkout that
    // shares a target folder (a worktree, a CI cache), and one compiled in a
    // folder since removed read no catalogue at all (every rule a warning).
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let root = Path::new(&manifest_dir);
    let mut hasher = DefaultHasher::new();
    for dir in ["src", "rules", "crates"] {
        hash_tree(&root.join(dir), &mut hasher);
    }
    hasher.write(&fs::read(root.join("Cargo.lock")).unwrap_or_default());
    println!("cargo:rustc-env=DVMLINT_BUILD_ID={:016x}", hasher.finish());

    let dir = root.join("rules");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        println!("cargo:warning=no rule catalogue in {}", dir.display());
        std::process::exit(1);
    }
    let out_dir = Path::new(&env::var("OUT_DIR").unwrap_or_default()).to_path_buf();
    let mut out = String::from("pub static FILES: &[(&str, &str, &str)] = &[\n");
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        // The same file as JSON, which the catalogue reads ~30x faster than YAML at
        // every start; empty when the YAML does not convert (the catalogue then
        // reads the YAML, whose error names the line).
        let json = fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_yaml::from_str::<serde_yaml::Value>(&text).ok())
            .and_then(|value| serde_json::to_string(&value).ok())
            .unwrap_or_default();
        let json_path = out_dir.join(format!("{name}.json"));
        if let Err(err) = fs::write(&json_path, json) {
            println!("cargo:warning=cannot write {}: {err}", json_path.display());
        }
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?}), include_str!({:?})),\n",
            path.display().to_string(),
            json_path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let target = out_dir.join("catalogue_files.rs");
    if let Err(err) = fs::write(&target, out) {
        println!("cargo:warning=cannot write {}: {err}", target.display());
    }

    // dvmlint's own wording: the text of every string literal of `src/`
    // outside test modules, cut where a format string interpolates
    // (`report::redact` never masks a secret inside it; docs/security.md).
    let mut sources = Vec::new();
    rust_files(&root.join("src"), &mut sources);
    sources.sort();
    let mut pieces = std::collections::BTreeSet::new();
    for path in sources {
        let text = fs::read_to_string(&path).unwrap_or_default();
        let code = text
            .find("\n#[cfg(test)]\nmod tests")
            .map_or(text.as_str(), |end| &text[..end]);
        for literal in string_literals(code) {
            for piece in format_pieces(&literal) {
                if piece.len() >= 6 && piece.bytes().any(|b| b.is_ascii_alphanumeric()) {
                    pieces.insert(piece);
                }
            }
        }
    }
    let mut out = String::from("pub static PIECES: &[&str] = &[\n");
    for piece in pieces {
        out.push_str(&format!("    {piece:?},\n"));
    }
    out.push_str("];\n");
    let target = out_dir.join("own_wording.rs");
    if let Err(err) = fs::write(&target, out) {
        println!("cargo:warning=cannot write {}: {err}", target.display());
    }
}

/// Every `.rs` file below `dir`, test files (`tests.rs`, `tests/`) left out.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for path in fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            if name != "tests" {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" {
            out.push(path);
        }
    }
}

/// The values of the string literals of Rust source `code` (`"…"`, `r#"…"#`,
/// `b"…"`), escapes resolved; comments and character literals skipped.
fn string_literals(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut literals = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = at(i);
        let ident_before = i > 0 && (at(i - 1).is_alphanumeric() || at(i - 1) == '_');
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && at(i) != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i += 2;
            while i < chars.len() && !(at(i) == '*' && at(i + 1) == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            // A character literal (`'a'`, `'\''`, `'\u{1b}'`) or a lifetime.
            if at(i + 1) == '\\' {
                i += 3;
                while i < chars.len() && at(i) != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
            }
        } else if !ident_before && (c == 'r' || (c == 'b' && at(i + 1) == 'r')) && {
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let mut j = start;
            while at(j) == '#' {
                j += 1;
            }
            at(j) == '"'
        } {
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let mut j = start;
            while at(j) == '#' {
                j += 1;
            }
            let hashes = j - start;
            j += 1;
            let mut value = String::new();
            while j < chars.len() {
                if at(j) == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                    break;
                }
                value.push(at(j));
                j += 1;
            }
            literals.push(value);
            i = j + 1 + hashes;
        } else if c == '"' {
            let mut value = String::new();
            i += 1;
            while i < chars.len() && at(i) != '"' {
                if at(i) == '\\' {
                    i += 1;
                    match at(i) {
                        'n' => value.push('\n'),
                        't' => value.push('\t'),
                        'r' => value.push('\r'),
                        '0' => value.push('\0'),
                        '\n' => {
                            while at(i + 1).is_whitespace() {
                                i += 1;
                            }
                        }
                        'x' => {
                            let hex: String = [at(i + 1), at(i + 2)].iter().collect();
                            value.extend(u8::from_str_radix(&hex, 16).ok().map(char::from));
                            i += 2;
                        }
                        'u' => {
                            let mut hex = String::new();
                            i += 2;
                            while i < chars.len() && at(i) != '}' {
                                hex.push(at(i));
                                i += 1;
                            }
                            value.extend(
                                u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32),
                            );
                        }
                        other => value.push(other),
                    }
                } else {
                    value.push(at(i));
                }
                i += 1;
            }
            literals.push(value);
            i += 1;
        } else {
            i += 1;
        }
    }
    literals
}

/// The parts of `literal` a format string prints as written: cut at every
/// `{…}` argument and at every brace (`{{` prints `{`, outside a format
/// string it is the text `{{`: cutting there serves both readings).
fn format_pieces(literal: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut in_argument = false;
    for c in literal.chars() {
        match c {
            '{' => {
                in_argument = !in_argument;
                pieces.push(String::new());
            }
            '}' => {
                in_argument = false;
                pieces.push(String::new());
            }
            c if !in_argument => pieces.last_mut().into_iter().for_each(|p| p.push(c)),
            _ => {}
        }
    }
    pieces.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Hashes every file below `dir` (names and contents, in sorted order).
fn hash_tree(dir: &Path, hasher: &mut DefaultHasher) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            hash_tree(&path, hasher);
        } else {
            hasher.write(path.to_string_lossy().as_bytes());
            hasher.write(&fs::read(&path).unwrap_or_default());
        }
    }
}
