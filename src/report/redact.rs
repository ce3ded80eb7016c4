//! Masking secrets in everything a reporter prints.
//!
//! Rules already avoid putting passwords in messages; this is the second line of
//! defence, and the only one for source snippets, which show the raw line.

use std::borrow::Cow;

use crate::finding::Location;

use super::source::byte_offset;

pub struct Redactor<'s> {
    /// Longest first, so that a secret containing another is masked whole.
    secrets: Vec<&'s str>,
    /// Scalars a secret was read from: where the source writes it differently
    /// from its value (escapes, line folding), the whole scalar is masked.
    spans: &'s [Location],
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
        Redactor {
            secrets,
            spans: &[],
        }
    }

    pub fn with_spans(mut self, spans: &'s [Location]) -> Self {
        self.spans = spans;
        self
    }

    /// The source text of `file` for a snippet: every secret replaced by `*` of the
    /// same byte length, so spans stay exact. A scalar holding a secret that its
    /// source does not spell verbatim (`\x41`, a value folded over lines) is masked
    /// whole, line breaks kept.
    pub fn mask_source(&self, file: &str, text: &str) -> String {
        let mut out = text.to_owned();
        for span in self.spans.iter().filter(|l| &*l.file == file) {
            let start = byte_offset(text, span.span.start);
            let end = byte_offset(text, span.span.end).max(start);
            let Some(raw) = text.get(start..end) else {
                continue;
            };
            if self.secrets.iter().any(|secret| raw.contains(secret)) {
                continue;
            }
            let masked: String = raw
                .chars()
                .map(|c| match c {
                    '\n' | '\r' => c.to_string(),
                    _ => "*".repeat(c.len_utf8()),
                })
                .collect();
            out.replace_range(start..end, &masked);
        }
        self.apply_with(&out, |secret| "*".repeat(secret.len()))
            .into_owned()
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
    fn secrets_spelled_differently_in_the_source_mask_their_whole_scalar() {
        use crate::yaml::{Pos, Span};
        use std::sync::Arc;
        let text = "a: \"http://u:Tr0ub\\\n  4dor@h:1\"\nb: \"http://u:plain1@h\"\n";
        let secrets = vec!["Tr0ub4dor".to_owned(), "plain1".to_owned()];
        let file: Arc<str> = Arc::from("f.yaml");
        let spans = vec![
            Location::new(&file, Span::new(Pos::new(1, 4), Pos::new(2, 12))),
            Location::new(&file, Span::new(Pos::new(3, 4), Pos::new(3, 23))),
        ];
        let masked = Redactor::new(&secrets)
            .with_spans(&spans)
            .mask_source("f.yaml", text);
        assert_eq!(masked.len(), text.len());
        assert!(
            !masked.contains("Tr0ub") && !masked.contains("4dor"),
            "{masked}"
        );
        assert_eq!(masked.lines().count(), text.lines().count());
        // Written verbatim: only the password is masked, the host stays readable.
        assert!(masked.contains("b: \"http://u:******@h\""), "{masked}");
        // Another file's spans do not apply.
        assert_eq!(
            Redactor::new(&[])
                .with_spans(&spans)
                .mask_source("g.yaml", text),
            text
        );
    }

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
