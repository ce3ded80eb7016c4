//! Masking secrets in everything a reporter prints.
//!
//! Rules already avoid putting passwords in messages; this is the second line of
//! defence, and the only one for source snippets, which show the raw line.

use std::borrow::Cow;

pub struct Redactor<'s> {
    /// Longest first, so that a secret containing another is masked whole.
    secrets: Vec<&'s str>,
}

pub const MASK: &str = "****";

impl<'s> Redactor<'s> {
    pub fn new(secrets: &'s [String]) -> Self {
        let mut secrets: Vec<&str> = secrets
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        Redactor { secrets }
    }

    pub fn apply<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.apply_with(text, |_| MASK.to_owned())
    }

    /// Replaces every secret in `text` with `mask(secret)`.
    pub fn apply_with<'t>(&self, text: &'t str, mask: impl Fn(&str) -> String) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            if out.contains(secret) {
                out = Cow::Owned(out.replace(secret, &mask(secret)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_longest_first() {
        let secrets = vec!["s3cret".to_owned(), "s3cret%21".to_owned()];
        let r = Redactor::new(&secrets);
        assert_eq!(
            r.apply("http://u:s3cret%21@p:3128 and s3cret"),
            "http://u:****@p:3128 and ****"
        );
    }
}
