//! Stable fingerprints for findings, shared by the SARIF (`partialFingerprints`)
//! and GitLab Code Quality (`fingerprint`) reports.
//!
//! Code-scanning services match a finding of today with the same finding of
//! yesterday by its fingerprint, so it must survive edits that do not touch the
//! problem: lines inserted above it, or the earlier duplicate it names moving.
//! It therefore hashes what the finding is *about* — rule, file, cluster, the
//! object's kind/namespace/name and the message — never its position, and line
//! numbers quoted in the message (`defined at a.yaml:12`) are dropped first.
//!
//! The message hashed is the redacted one: a hash of a short password can be
//! brute-forced, so secrets stay out of fingerprints too.
//!
//! Identical keys (the same placeholder twice in one object) are told apart by
//! their order: the first keeps the plain hash, the n-th hashes `n` as well, so
//! adding a later duplicate never changes an earlier fingerprint.
//!
//! The hash is FNV-1a 64 over the bytes: tiny, deterministic across platforms
//! and releases (unlike `std`'s `DefaultHasher`), and not a security boundary.

use std::collections::HashMap;

use super::Redactor;
use crate::finding::Finding;

/// The SARIF `partialFingerprints` key; bump the version when the recipe changes.
pub const SARIF_KEY: &str = "dvmlint/v1";

/// One fingerprint per finding, in the order of `findings`.
pub fn fingerprints(findings: &[Finding], redactor: &Redactor<'_>) -> Vec<String> {
    let mut seen: HashMap<u64, u64> = HashMap::new();
    findings
        .iter()
        .map(|finding| {
            let base = fnv1a64(&key_bytes(finding, redactor));
            let occurrence = seen.entry(base).or_insert(0);
            let hash = if *occurrence == 0 {
                base
            } else {
                let mut bytes = base.to_be_bytes().to_vec();
                bytes.extend_from_slice(&occurrence.to_be_bytes());
                fnv1a64(&bytes)
            };
            *occurrence += 1;
            format!("{hash:016x}")
        })
        .collect()
}

/// The identity of a finding, fields separated by NUL so that no two
/// different field lists give the same bytes.
fn key_bytes(finding: &Finding, redactor: &Redactor<'_>) -> Vec<u8> {
    let object = finding.object.as_ref();
    let fields = [
        finding.rule.as_ref(),
        &finding.location.file,
        finding.cluster.as_deref().unwrap_or(""),
        object.map_or("", |o| o.kind.as_str()),
        object.and_then(|o| o.namespace.as_deref()).unwrap_or(""),
        object.map_or("", |o| o.name.as_str()),
        &without_line_numbers(&redactor.apply(&finding.message)),
    ];
    let mut bytes = Vec::new();
    for field in fields {
        bytes.extend_from_slice(field.as_bytes());
        bytes.push(0);
    }
    bytes
}

/// Drops the digits of `file:LINE` and `line LINE` references in a message.
fn without_line_numbers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        let line_ref =
            c == ':' || (c == ' ' && (out.ends_with("line ") || out.ends_with("lines ")));
        if line_ref {
            while chars.next_if(char::is_ascii_digit).is_some() {}
        }
    }
    out
}

/// FNV-1a, 64 bits (<http://www.isthe.com/chongo/tech/comp/fnv/>).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn line_references_are_dropped_other_numbers_kept() {
        assert_eq!(
            without_line_numbers("the earlier definition at a/b.yaml:12 is replaced"),
            "the earlier definition at a/b.yaml: is replaced"
        );
        assert_eq!(
            without_line_numbers("see line 7, port 8443"),
            "see line , port 8443"
        );
    }
}
