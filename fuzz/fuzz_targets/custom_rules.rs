//! Rule-file text → `dvmlint::policy::parse_rules`; rules that parse are then evaluated on a
//! fixed set of manifests through the per-file stage, so the matcher, paths, operators and
//! message templates are fuzzed too. Their metadata is deliberately not registered in the
//! catalogue (that leaks once per distinct rule by design).
#![no_main]

use std::path::Path;
use std::sync::Arc;

use dvmlint::lint::file::{FileSettings, analyze_bytes};
use dvmlint::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

const MANIFESTS: &[&[u8]] = &[
    include_bytes!("../../fixtures/custom-rules/manifests/controllers.yaml"),
    include_bytes!("../../fixtures/custom-rules/manifests/firewall.yaml"),
    include_bytes!("../../fixtures/custom-rules/manifests/netpol.yaml"),
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rules = match dvmlint::policy::parse_rules(text, Path::new("rules.yaml"), false) {
        Ok(rules) => rules,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    let policies: Vec<_> = rules.into_iter().map(|(rule, _)| rule).collect();
    let ids: Vec<&str> = policies.iter().map(|r| r.meta.id.as_str()).collect();
    let set = RuleSet::with_custom(&[], &[], &ids);
    let cluster: Arc<str> = Arc::from("source");
    let cluster_of = move |_: &str| Some(Arc::clone(&cluster));
    let settings = FileSettings {
        policies: &policies,
        ..FileSettings::standalone(&set, &cluster_of)
    };
    let rel: Arc<str> = Arc::from("manifests.yaml");
    for manifest in MANIFESTS {
        let _ = analyze_bytes(&rel, manifest, &settings);
    }
});
