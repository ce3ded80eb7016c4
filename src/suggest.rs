//! "Did you mean …?" for misspelt keys, rule ids and values.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    if let Some(number) = rule_id_number(word) {
        return closest_id(word, number, candidates);
    }
    near_name(word, candidates)
}

/// The name closest to `word`, if close enough to be a likely typo, by
/// string similarity alone (a namespace `app2` is not a rule id).
pub fn near_name<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// The number of a rule-id-like word (`DVM114`, `ORG001`, `dvm114`): letters
/// then digits.
fn rule_id_number(word: &str) -> Option<u32> {
    let digits = word.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    (digits.len() < word.len() && !digits.is_empty())
        .then(|| digits.parse().ok())
        .flatten()
}

/// For a rule id, string similarity misleads (Jaro-Winkler rates `DVM101`
/// closest to `DVM114`, for the shared prefix): the closest id is the one a
/// single typo away (an edit or two swapped characters), the nearest number
/// first (`DVM114` → `DVM113`, not `DVM104` or `DVM111`).
fn closest_id<'c>(
    word: &str,
    number: u32,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let upper = word.to_ascii_uppercase();
    candidates
        .into_iter()
        .filter_map(|c| {
            let n = rule_id_number(c)?;
            let edits = strsim::damerau_levenshtein(&upper, c);
            (edits <= 1).then_some((edits, n.abs_diff(number), c))
        })
        .min()
        .map(|(_, _, c)| c)
}

/// ` (did you mean `x`?)`, or nothing.
pub fn hint<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    did_you_mean(word, candidates).map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"))
}

/// The message for a mapping key not in `allowed`, `in` `what` (`the
/// configuration`, `a rule`): an empty, null or non-text key is said to be so
/// (rather than "unknown key ``"), and a key is shown escaped and cut short.
pub fn unknown_key(key: &crate::yaml::Node<'_>, allowed: &[&str], what: &str) -> String {
    use crate::yaml::Value;
    let expected = format!("expected one of {}", allowed.join(", "));
    match &key.value {
        Value::Scalar(text, _) if text.trim().is_empty() => {
            format!("a key in {what} is empty; {expected}")
        }
        Value::Scalar(text, _) if key.as_str().is_none() => {
            format!("a key in {what} is `{text}`, which YAML reads as null (no key); {expected}")
        }
        Value::Scalar(text, _) => {
            let shown = crate::glob::shown(text);
            let hint = hint(text, allowed.iter().copied());
            format!("unknown key `{shown}` in {what}{hint}")
        }
        Value::Seq(_) | Value::Map(_) => {
            format!("a key in {what} is a list or mapping, not a name; {expected}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        let keys = ["stunnel_tcp_proxy", "no_proxy", "rsync_endpoint_type"];
        assert_eq!(
            did_you_mean("stunnel_tcp_procy", keys),
            Some("stunnel_tcp_proxy")
        );
        assert_eq!(
            did_you_mean("FAIL-ON", ["fail-on", "select"]),
            Some("fail-on")
        );
        assert_eq!(did_you_mean("banana", keys), None);
    }

    #[test]
    fn rule_ids_are_suggested_by_typo_then_number() {
        let ids = [
            "DVM101",
            "DVM104",
            "DVM111",
            "DVM113",
            "rsync-egress-blocked",
        ];
        assert_eq!(did_you_mean("DVM114", ids), Some("DVM113"));
        assert_eq!(did_you_mean("dvm114", ids), Some("DVM113"));
        assert_eq!(did_you_mean("DVM110", ids), Some("DVM111"));
        assert_eq!(
            did_you_mean("DVM131", ids),
            Some("DVM113"),
            "swapped digits"
        );
        assert_eq!(did_you_mean("DVM999", ids), None);
        assert_eq!(did_you_mean("DVM1", ids), None);
    }
}
