//! Embeds the rule catalogue (`rules/*.yaml`) into the binary, and gives the
//! build an id (a hash of its sources) that invalidates `.dvmlint-cache/`.
use std::hash::{DefaultHasher, Hasher};
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut hasher = DefaultHasher::new();
    for dir in ["src", "rules"] {
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
    let mut out = String::from("pub static FILES: &[(&str, &str)] = &[\n");
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let target = Path::new(&env::var("OUT_DIR").unwrap_or_default()).join("catalogue_files.rs");
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
