//! bytes → the per-file stage: split → YAML with spans → typed objects → document rules
//! (built-in and declarative), exactly as `dvmlint check` runs it on one file.
#![no_main]

use std::sync::{Arc, LazyLock};

use dvmlint::lint::file::{FileSettings, analyze_bytes};
use dvmlint::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::new(&[], &[]));
static REL: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("fuzz.yaml"));

fuzz_target!(|data: &[u8]| {
    let cluster: Arc<str> = Arc::from("default");
    let cluster_of = move |_: &str| Some(Arc::clone(&cluster));
    let settings = FileSettings::standalone(&RULES, &cluster_of);
    let result = analyze_bytes(&REL, data, &settings);
    for finding in &result.findings {
        let span = finding.location.span;
        assert!(span.start.line >= 1 && span.start.col >= 1, "{finding:?}");
    }
});
