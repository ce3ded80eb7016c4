//! `.dvmlint.yaml` text → `dvmlint::config::parse_config` (span tree, validation, did-you-mean),
//! then the cluster lookup a valid configuration drives.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match dvmlint::config::parse_config(text, Path::new(".dvmlint.yaml")) {
        Ok(config) => {
            for rel in [
                "clusters/source/a.yaml",
                "clusters/target/b/c.yaml",
                "x.yaml",
                "",
            ] {
                let _ = config.cluster_of(rel);
            }
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
