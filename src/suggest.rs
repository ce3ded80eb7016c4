//! "Did you mean …?" for misspelt keys, rule ids and values.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)`, or nothing.
pub fn hint<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    did_you_mean(word, candidates).map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"))
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
}
