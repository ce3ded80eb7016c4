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
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut hasher = DefaultHasher::new();
    for dir in ["src", "rules", "crates"] {
        hash_tree(&root.join(dir), &mut hasher);
    }
    hasher.write(&fs::read(root.join("Cargo.lock")).unwrap_or_default());
    println!("cargo:rustc-env=DVMLINT_BUILD_ID={:016x}", hasher.finish());

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
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
