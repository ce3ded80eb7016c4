//! The key conversion the MTC ansible operator applies to `MigrationController` spec keys.
//!
//! The `MigrationController` CRD has no schema (`x-kubernetes-preserve-unknown-fields`), and the
//! ansible operator hands each spec key to the playbook after converting it with operator-sdk's
//! `paramconv.ToSnake` (docs/domain.md §2). Whether a key such as `noProxy` or `NO_PROXY` reaches the
//! role variable `no_proxy` is therefore decided by that function alone, quirks included, so this
//! module is a line-by-line port of it rather than a "reasonable" snake-case conversion.
//!
//! Ported from `operator-framework/operator-sdk`, `internal/ansible/paramconv/paramconv.go`
//! (`ToSnake`, `preprocessWordMapping`, `addWordBoundariesToNumbers`; itself based on
//! `iancoleman/strcase`). Its test table is ported below. The algorithm, in order:
//!
//! 1. Number boundaries: every leftmost, non-overlapping match of
//!    `([a-zA-Z])(\d+)([a-zA-Z](\d+))` becomes `$1 $2 $3` (`a12b34` → `a 12 b34`).
//! 2. Spaces are trimmed from both ends. If the first character is `A`–`Z`, the result will be
//!    prefixed with `_` (unless the first word is a special word, step 5).
//! 3. Special words: for each of `HTTP`, `URL`, `IP` (case-sensitive, first occurrence only), `_` is
//!    inserted around it; a directly following `s` is taken as a plural, upper-cased and kept
//!    with the word (`egressIPs` → `egress_IPS`). Go iterates a map here, so the order is random;
//!    the edits are local and the three words cannot overlap, so the order does not change the
//!    result (a test checks every permutation).
//! 4. Words are split at ` `, `_`, `-`, and where the case flips: before an upper-case letter
//!    followed by a lower-case one (`TCPProxy` → `tcp`, `proxy`) and after a lower-case letter
//!    followed by an upper-case one. Every word is lower-cased and words are joined with `_`;
//!    empty words are kept, which is how doubled underscores arise.
//! 5. The `_` prefix from step 2 is dropped when the first word is `http`, `url` or `ip`.
//!
//! Consequences that matter to dvmlint: `noProxy` → `no_proxy`, `httpsProxy` → `https_proxy`,
//! `stunnelTCPProxy` → `stunnel_tcp_proxy`, but `NO_PROXY` → `_no_proxy`,
//! `HTTP_PROXY` → `http__proxy` and `HTTPS_PROXY` → `http_s_proxy`: no ALL-CAPS proxy key reaches
//! the role variable. (docs/domain.md §2 infers `http_proxy` and `_https_proxy` for the last two; the
//! code gives the values above, which the tests pin.)
//!
//! Divergences from Go, both outside anything a YAML key can usefully be: Go panics on an empty
//! (or all-space) key, where this returns an empty string; `strings.ToLower` maps `İ` (U+0130) to
//! `i`, which is reproduced, and no other character lower-cases to more than one character.

/// The special words of `paramconv.wordMapping`, as they appear in keys (upper case).
const SPECIAL_WORDS: [&str; 3] = ["HTTP", "URL", "IP"];

/// Converts a key the way operator-sdk's `paramconv.ToSnake` does (see the module docs).
pub fn to_snake(key: &str) -> String {
    // A key of lower-case letters and `_` (most MigrationController keys) is
    // its own conversion: no digits, spaces, special words or case changes,
    // and its words are joined back at the same `_`.
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return key.to_owned();
    }
    ported_to_snake(key)
}

/// [`to_snake`] as the Go code computes it, step by step.
fn ported_to_snake(key: &str) -> String {
    let spaced = add_word_boundaries_to_numbers(key);
    let trimmed = spaced.trim_matches(' ');
    let Some(first) = trimmed.chars().next() else {
        // Go indexes `[]rune(s)[0]` here and panics on an empty key.
        return String::new();
    };
    let prefix = if first.is_ascii_uppercase() { "_" } else { "" };
    let s = preprocess_word_mapping(trimmed, SPECIAL_WORDS);
    let bytes = s.as_bytes();

    let mut bits: Vec<String> = Vec::new();
    let mut n = String::new();
    // Go's `iReal`: position of the current character within the word being built.
    let mut i_real: i64 = -1;
    for (i, v) in s.char_indices() {
        i_real += 1;
        // Go compares the rune with the *byte* after it; for an ASCII rune that is the first
        // byte of the next character, and for any other rune the test fails either way.
        let next_case_is_changed = match bytes.get(i + 1) {
            Some(next) => {
                (v.is_ascii_uppercase() && next.is_ascii_lowercase())
                    || (v.is_ascii_lowercase() && next.is_ascii_uppercase())
            }
            None => false,
        };
        if i_real > 0 && !n.ends_with('_') && next_case_is_changed {
            if v.is_ascii_uppercase() {
                bits.push(go_to_lower(&n));
                n = v.to_string();
                i_real = 0;
            } else if v.is_ascii_lowercase() {
                n.push(v);
                bits.push(go_to_lower(&n));
                n.clear();
                i_real = -1;
            }
        } else if v == ' ' || v == '_' || v == '-' {
            bits.push(go_to_lower(&n));
            n.clear();
            i_real = -1;
        } else {
            n.push(v);
        }
    }
    bits.push(go_to_lower(&n));
    let joined = bits.join("_");

    // Go looks the first word up among the map's keys, which are the lower-case words.
    let first_is_special = bits
        .first()
        .is_some_and(|b| matches!(b.as_str(), "http" | "url" | "ip"));
    if first_is_special {
        joined
    } else {
        format!("{prefix}{joined}")
    }
}

/// Go's `strings.ToLower`: per-character simple lower-casing.
fn go_to_lower(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{130}' => 'i',
            c => c.to_lowercase().next().unwrap_or(c),
        })
        .collect()
}

/// Go's `addWordBoundariesToNumbers`: `([a-zA-Z])(\d+)([a-zA-Z](\d+))` → `$1 $2 $3`.
///
/// The pattern needs no backtracking (a digit run is always followed by a non-digit), so a
/// left-to-right scan finds exactly RE2's leftmost, non-overlapping matches.
fn add_word_boundaries_to_numbers(s: &str) -> String {
    let b = s.as_bytes();
    let digits_from = |start: usize| -> usize {
        let mut j = start;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        j
    };
    let mut out = String::with_capacity(s.len() + 4);
    let mut copied = 0; // bytes of `s` already copied to `out`
    let mut i = 0;
    while i < b.len() {
        let is_letter = |k: usize| b.get(k).is_some_and(u8::is_ascii_alphabetic);
        if is_letter(i) {
            let d1 = digits_from(i + 1);
            if d1 > i + 1 && is_letter(d1) {
                let d2 = digits_from(d1 + 1);
                if d2 > d1 + 1 {
                    // All four boundaries sit next to ASCII bytes, so they are char boundaries.
                    out.push_str(s.get(copied..i + 1).unwrap_or_default());
                    out.push(' ');
                    out.push_str(s.get(i + 1..d1).unwrap_or_default());
                    out.push(' ');
                    out.push_str(s.get(d1..d2).unwrap_or_default());
                    copied = d2;
                    i = d2;
                    continue;
                }
            }
        }
        i += 1;
    }
    out.push_str(s.get(copied..).unwrap_or_default());
    out
}

/// Go's `preprocessWordMapping`, with the map's iteration order made explicit.
fn preprocess_word_mapping(value: &str, order: [&str; 3]) -> String {
    let mut value = value.to_string();
    for word in order {
        let Some(idx) = value.find(word) else {
            continue;
        };
        let end = idx + word.len();
        // `idx` and `end` border ASCII bytes, and `end + 1` follows an ASCII `s`: all slicing
        // below is on char boundaries.
        let before = value.get(..idx).unwrap_or_default();
        let after = value.get(end..).unwrap_or_default();
        value = if end == value.len() {
            // The special word ends the key.
            format!("{before}_{word}")
        } else if value.as_bytes().get(end) == Some(&b's') {
            // A plural: the `s` joins the word, upper-cased.
            let after_s = value.get(end + 1..).unwrap_or_default();
            if end + 1 == value.len() {
                format!("{before}_{word}S")
            } else if idx == 0 {
                format!("{word}S_{after_s}")
            } else {
                format!("{before}_{word}S_{after_s}")
            }
        } else if idx == 0 {
            format!("{word}_{after}")
        } else {
            format!("{before}_{word}_{after}")
        };
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TestToSnake` from operator-sdk `internal/ansible/paramconv/paramconv_test.go`.
    const GO_TO_SNAKE: &[(&str, &str)] = &[
        ("var", "var"),
        ("888", "888"),
        ("k8s_var", "k8s_var"),
        ("_k8s_var", "_k8s_var"),
        ("k8s var", "k8s_var"),
        ("ThisShouldHaveUnderscores", "_this_should_have_underscores"),
        ("sizeK8sBuckets", "size_k8s_buckets"),
        ("_CanYou_Handle_mixedVars", "_can_you_handle_mixed_vars"),
        ("this_should_be_a_noop", "this_should_be_a_noop"),
        ("egressIPs", "egress_ips"),
        ("egressIPsEgress", "egress_ips_egress"),
        ("egressIPsegress", "egress_ips_egress"),
        ("IPsegress", "_ips_egress"),
        ("egressIP", "egress_ip"),
        ("egressIPEgress", "egress_ip_egress"),
        ("egressIPegress", "egress_ip_egress"),
        ("URLegressIPEgressHTTP", "url_egress_ip_egress_http"),
        ("URLsegressIPsEgressHTTPs", "_urls_egress_ips_egress_https"),
    ];

    /// The keys of `TestMapToSnake` (same file): all already snake case.
    const GO_MAP_TO_SNAKE_KEYS: &[&str] = &["var", "var_var", "size_k8s_test", "888"];

    /// MigrationController keys (docs/domain.md §2), traced by hand through the Go code.
    const MTC_KEYS: &[(&str, &str)] = &[
        ("noProxy", "no_proxy"),
        ("httpProxy", "http_proxy"),
        ("httpsProxy", "https_proxy"),
        ("stunnelTCPProxy", "stunnel_tcp_proxy"),
        ("stunnelTcpProxy", "stunnel_tcp_proxy"),
        ("rsyncEndpointType", "rsync_endpoint_type"),
        ("no_proxy", "no_proxy"),
        ("stunnel_tcp_proxy", "stunnel_tcp_proxy"),
        ("NO_PROXY", "_no_proxy"),
        ("HTTP_PROXY", "http__proxy"),
        ("HTTPS_PROXY", "http_s_proxy"),
        ("srcSupplementalGroups", "src_supplemental_groups"),
        ("migrationRsyncPrivileged", "migration_rsync_privileged"),
        ("serviceAccount", "service_account"),
        ("JSONData", "_json_data"),
    ];

    #[test]
    fn go_test_table() {
        for (input, want) in GO_TO_SNAKE {
            assert_eq!(to_snake(input), *want, "to_snake({input:?})");
        }
        for key in GO_MAP_TO_SNAKE_KEYS {
            assert_eq!(to_snake(key), *key);
        }
    }

    #[test]
    fn lower_case_keys_are_their_own_conversion_as_the_port_computes_it() {
        for key in [
            "a",
            "_",
            "__",
            "_a",
            "a_",
            "a__b",
            "http",
            "http_proxy",
            "url",
            "ip",
            "ips",
            "no_proxy",
            "_https_proxy",
            "mig_pv_limit",
            "migration_velero",
        ] {
            assert_eq!(ported_to_snake(key), key, "ported_to_snake({key:?})");
            assert_eq!(to_snake(key), key);
        }
    }

    #[test]
    fn migration_controller_keys() {
        for (input, want) in MTC_KEYS {
            assert_eq!(to_snake(input), *want, "to_snake({input:?})");
        }
    }

    #[test]
    fn number_boundaries() {
        assert_eq!(add_word_boundaries_to_numbers("a12b34"), "a 12 b34");
        assert_eq!(add_word_boundaries_to_numbers("a1b2c3d4"), "a 1 b2c 3 d4");
        assert_eq!(add_word_boundaries_to_numbers("k8s"), "k8s");
        assert_eq!(add_word_boundaries_to_numbers("1a2b3"), "1a 2 b3");
        assert_eq!(to_snake("a12b34"), "a_12_b34");
    }

    #[test]
    fn trims_spaces_and_handles_empty() {
        assert_eq!(to_snake("  noProxy "), "no_proxy");
        assert_eq!(to_snake(""), "");
        assert_eq!(to_snake("   "), "");
    }

    #[test]
    fn non_ascii_does_not_panic() {
        assert_eq!(to_snake("éA"), "éa");
        assert_eq!(to_snake("İx"), "ix");
        assert_eq!(to_snake("aÉb"), "aéb");
    }

    #[test]
    fn special_word_order_does_not_matter() {
        let orders = [
            ["HTTP", "URL", "IP"],
            ["HTTP", "IP", "URL"],
            ["URL", "HTTP", "IP"],
            ["URL", "IP", "HTTP"],
            ["IP", "HTTP", "URL"],
            ["IP", "URL", "HTTP"],
        ];
        let inputs = [
            "HTTPIP",
            "HTTPsIP",
            "HTTPsURL",
            "IPsIP",
            "URLsegressIPsEgressHTTPs",
            "URLegressIPEgressHTTP",
            "xHTTPURLIPs",
            "HTTPS_PROXY",
            "IPURLsHTTP",
        ];
        for input in inputs {
            let reference = preprocess_word_mapping(input, orders[0]);
            for order in orders {
                assert_eq!(preprocess_word_mapping(input, order), reference, "{input}");
            }
        }
    }
}
