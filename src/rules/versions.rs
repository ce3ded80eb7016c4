//! The MTC version a rule applies to: config `mtcVersion` when set, else the
//! assumption the rule states in its message (docs/decisions/dvm-failure-modes.md).

use crate::model::Project;

/// An MTC version as `[major, minor, patch]` (missing parts are 0).
pub type Version = [u32; 3];

/// Reads `"1.8"`, `"1.8.6"`, `"v1.7.3"`; `None` when not such a version.
pub fn parse(text: &str) -> Option<Version> {
    let mut out = [0; 3];
    let mut parts = text.trim().trim_start_matches('v').split('.');
    for slot in &mut out {
        match parts.next() {
            Some(part) => *slot = part.parse().ok()?,
            None => break,
        }
    }
    if parts.next().is_some() {
        return None;
    }
    Some(out)
}

/// Config `mtcVersion`, parsed.
pub fn configured(project: &Project) -> Option<Version> {
    project.config.mtc_version.as_deref().and_then(parse)
}

/// What a message says about the version: the configured one, or the
/// assumption (`assumed`, e.g. "MTC 1.8.6 or later") and how to state it.
pub fn note(project: &Project, assumed: &str) -> String {
    match project.config.mtc_version.as_deref() {
        Some(version) => format!("(MTC {version}, config `mtcVersion`)"),
        None => format!("(assuming {assumed}; set `mtcVersion` in .dvmlint.yaml to be exact)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_long_and_prefixed_versions() {
        assert_eq!(parse("1.8"), Some([1, 8, 0]));
        assert_eq!(parse("v1.8.6"), Some([1, 8, 6]));
        assert!(parse("1.8.6") > parse("1.8.5"));
        assert_eq!(parse("1.x"), None);
        assert_eq!(parse("1.2.3.4"), None);
        assert_eq!(parse(""), None);
    }
}
