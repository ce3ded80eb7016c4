//! `noProxy list \n host \n port` → Go's noProxy matcher (both golang/net revisions), the
//! network operator's validation and the intent checks. A port that is not a number is
//! derived from the text so every input still reaches `decide`.
#![no_main]

use dvmlint::proxy::{GoRevision, NoProxy, intent_problems, validate_cluster_no_proxy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let list = parts.next().unwrap_or_default();
    let host = parts.next().unwrap_or_default();
    let port_text = parts.next().unwrap_or_default();
    let port = port_text.trim().parse::<u16>().unwrap_or_else(|_| {
        port_text
            .bytes()
            .fold(0u16, |a, b| a.wrapping_mul(31).wrapping_add(u16::from(b)))
    });
    for rev in [GoRevision::Classic, GoRevision::Current] {
        let np = NoProxy::parse_with(list, rev);
        assert_eq!(np.revision(), rev);
        for entry in np.entries() {
            let _ = entry.kind().as_str();
            let _ = entry.explain();
        }
        let _ = np.wildcard();
        let decision = np.decide(host, port);
        let _ = decision.is_direct();
        let _ = decision.entry();
    }
    for problem in validate_cluster_no_proxy(list) {
        let _ = format!("{problem:?}");
    }
    for problem in intent_problems(list) {
        let _ = format!("{problem:?}");
    }
});
