//! `stunnel_tcp_proxy` value → `StunnelProxy::parse`, `has_errors`, `password`, `forms`,
//! `redact`, with the masking invariant `redact` documents; `user_token` (a user name alone
//! is a secret: non-empty, written in the value, never together with a password).
#![no_main]

use dvmlint::proxy::{StunnelProxy, password, redact};
use libfuzzer_sys::fuzz_target;

/// What `redact` promises for one URL-like unit (the whole value when it holds at most one
/// `://`, else each white-space separated word): the password `password` finds is the text that
/// was replaced by `****`, and nothing else changed.
fn check_unit(unit: &str) {
    let Some(pass) = password(unit) else {
        return;
    };
    assert!(!pass.raw.is_empty());
    assert!(pass.forms().contains(&pass.raw.as_str()));
    let masked = redact(unit);
    // Every occurrence, overlapping ones included (`match_indices` skips those).
    let hidden = (0..=unit.len().saturating_sub(pass.raw.len())).any(|at| {
        let (Some(before), Some(raw), Some(after)) = (
            unit.get(..at),
            unit.get(at..at + pass.raw.len()),
            unit.get(at + pass.raw.len()..),
        ) else {
            return false;
        };
        raw == pass.raw
            && masked.len() == before.len() + 4 + after.len()
            && masked.starts_with(before)
            && masked.ends_with(after)
            && masked.get(before.len()..before.len() + 4) == Some("****")
    });
    assert!(
        hidden,
        "password {:?} of {unit:?} not masked: {masked:?}",
        pass.raw
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = StunnelProxy::parse(value);
    let _ = parsed.has_errors();
    for problem in &parsed.problems {
        assert!(value.get(problem.range.clone()).is_some(), "{problem:?}");
    }
    let _ = redact(value);
    if let Some(forms) = dvmlint::proxy::stunnel_url::user_token(value) {
        assert!(forms.iter().all(|f| !f.is_empty()), "{forms:?}");
        assert!(value.contains(forms[0].as_str()), "{forms:?} of {value:?}");
        assert!(!forms[0].contains([':', '@']), "{forms:?}");
    }
    if value.matches("://").count() <= 1 {
        check_unit(value);
    } else {
        for word in value.split(char::is_whitespace).filter(|w| !w.is_empty()) {
            check_unit(word);
        }
    }
});
