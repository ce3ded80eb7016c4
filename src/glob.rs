//! Globs written by a repository's author (`exclude`, `per-file-ignores`,
//! cluster `paths`, `custom-rules`, a custom rule's `match`), checked before
//! use.
//!
//! `globset` parses a glob, then turns it into a regular expression when it
//! is matched. That second step can fail on a glob that parsed (nesting deeper
//! than the regex parser's limit, an automaton over its size limit), and then
//! `Glob::compile_matcher` panics and `GlobSetBuilder::build` answers "error
//! parsing pattern 0", naming no pattern. [`parse`] compiles the regex itself
//! under stricter limits than `globset`'s, so a glob it accepts can always be
//! matched, and says which glob failed and why.

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};

/// Longest glob accepted, in bytes: real ones are a few dozen.
pub const MAX_LEN: usize = 4096;

/// Nesting of `{…}` groups accepted (the regex parser's own limit is 250).
const NEST_LIMIT: u32 = 64;

/// Compiled size accepted for one glob (`globset` allows 10 MiB).
const SIZE_LIMIT: usize = 4 << 20;

/// Checks `pattern` and builds it. The error says why, without repeating the
/// pattern (the caller names it, with [`shown`]).
pub fn parse(pattern: &str, literal_separator: bool) -> Result<Glob, String> {
    if pattern.len() > MAX_LEN {
        return Err(format!(
            "it is {} bytes long, over the {MAX_LEN}-byte limit for a glob",
            pattern.len()
        ));
    }
    let glob = GlobBuilder::new(pattern)
        .literal_separator(literal_separator)
        .build()
        .map_err(|err| err.kind().to_string())?;
    regex::bytes::RegexBuilder::new(glob.regex())
        .nest_limit(NEST_LIMIT)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|err| match err {
            regex::Error::CompiledTooBig(limit) => format!(
                "it is too complex to match (its automaton would exceed {} MiB); \
                 split it into simpler globs",
                limit >> 20
            ),
            regex::Error::Syntax(text) if text.contains("nest") => {
                format!("its `{{…}}` groups are nested more than {NEST_LIMIT} deep")
            }
            other => format!(
                "it cannot be matched ({})",
                other.to_string().lines().last().unwrap_or("").trim()
            ),
        })?;
    Ok(glob)
}

/// [`parse`], then its matcher.
pub fn matcher(pattern: &str, literal_separator: bool) -> Result<GlobMatcher, String> {
    // `compile_matcher` cannot fail on a glob `parse` accepted: its limits are
    // looser than the ones checked there.
    parse(pattern, literal_separator).map(|glob| glob.compile_matcher())
}

/// Longest set of globs accepted, in bytes of globs: building a matcher for
/// hundreds of 4 KiB globs takes seconds.
pub const MAX_SET_LEN: usize = 64 << 10;

/// One set of globs each accepted by [`parse`]; fails when together they are
/// too large to match at once.
pub fn set(globs: impl IntoIterator<Item = Glob>) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    let mut count = 0usize;
    let mut len = 0usize;
    for glob in globs {
        len += glob.glob().len();
        builder.add(glob);
        count += 1;
    }
    if len > MAX_SET_LEN {
        return Err(format!(
            "these {count} globs are {len} bytes together, over the {MAX_SET_LEN}-byte limit; \
             use fewer or simpler ones"
        ));
    }
    builder.build().map_err(|err| {
        format!(
            "these {count} globs together are too complex to match at once ({}); \
             use fewer or simpler ones",
            err.kind()
        )
    })
}

/// `pattern` for a message: escaped, and cut at 120 characters.
pub fn shown(pattern: &str) -> String {
    let escaped = pattern.escape_debug().to_string();
    match escaped.char_indices().nth(120) {
        Some((cut, _)) => format!(
            "{}… ({} bytes)",
            escaped.get(..cut).unwrap_or(""),
            pattern.len()
        ),
        None => escaped,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_glob_nested_too_deep_is_refused_not_a_panic() {
        let deep = format!("{}b{}", "{a,".repeat(300), "}".repeat(300));
        let err = parse(&deep, true).unwrap_err();
        assert!(err.contains("nested more than 64 deep"), "{err}");
        assert!(matcher(&deep, true).is_err());
    }

    #[test]
    fn a_glob_too_long_or_globs_too_many_to_match_are_refused() {
        let long = "a".repeat(MAX_LEN + 1);
        assert!(parse(&long, true).unwrap_err().contains("limit for a glob"));
        // Each glob fine on its own; together over the set's limit.
        let globs: Vec<Glob> = (0..300)
            .map(|g| parse(&format!("**/{g}-{}/*.yaml", "x".repeat(300)), true).unwrap())
            .collect();
        let err = set(globs).unwrap_err();
        assert!(err.contains("these 300 globs are"), "{err}");
    }

    #[test]
    fn ordinary_globs_still_match() {
        let m = matcher("clusters/*/{base,overlays}/**", true).unwrap();
        assert!(m.is_match("clusters/src/base/a/b.yaml"));
        assert!(!m.is_match("clusters/src/other/a.yaml"));
        let s = set([parse("a/**", true).unwrap(), parse("*.json", true).unwrap()]).unwrap();
        assert!(s.is_match("a/b/c.yaml") && s.is_match("x.json") && !s.is_match("b/x.yaml"));
    }

    #[test]
    fn patterns_are_shown_escaped_and_short() {
        assert_eq!(shown("a\nb"), "a\\nb");
        let long = shown(&"x".repeat(500));
        assert!(
            long.ends_with("… (500 bytes)") && long.len() < 140,
            "{long}"
        );
    }
}
