//! `dvmlint rules` and `dvmlint explain`: the catalogue for people.

use crate::catalogue::{self, RuleMeta};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

pub fn list(format: ListFormat) -> i32 {
    let rules = catalogue::rules();
    match format {
        ListFormat::Text => {
            for r in rules {
                println!("{:<8} {:<38} {:<8} {}", r.id, r.name, r.severity, r.summary);
            }
        }
        ListFormat::Json => {
            let rows: Vec<_> = rules
                .iter()
                .map(|r| serde_json::json!({"id": r.id, "name": r.name, "severity": r.severity, "family": r.family, "summary": r.summary}))
                .collect();
            match serde_json::to_string_pretty(&rows) {
                Ok(text) => println!("{text}"),
                Err(err) => {
                    eprintln!("dvmlint: error: {err}");
                    return 2;
                }
            }
        }
    }
    0
}

pub fn explain(rule: &str) -> i32 {
    match catalogue::find(rule) {
        Some(meta) => {
            print!("{}", render(meta));
            0
        }
        None => {
            let candidates = catalogue::rules()
                .iter()
                .flat_map(|r| [r.id.as_str(), r.name.as_str()]);
            eprintln!(
                "dvmlint: error: unknown rule `{rule}`{}",
                crate::suggest::hint(rule, candidates)
            );
            2
        }
    }
}

/// The catalogue entry as Markdown (also what `docs/rules.md` is made of).
pub fn render(meta: &RuleMeta) -> String {
    let mut out = format!(
        "# {} {}\n\nDefault severity: {}. Family: {}.\n\n{}\n\n## Why is this bad?\n\n{}\n\n## How to fix it\n\n{}\n",
        meta.id,
        meta.name,
        meta.severity,
        meta.family,
        meta.summary.trim(),
        meta.rationale.trim(),
        meta.fix.trim()
    );
    if let Some(examples) = &meta.examples {
        for (title, example) in [
            ("Example that fails", &examples.fail),
            ("Example that passes", &examples.pass),
        ] {
            out.push_str(&format!("\n## {title}\n"));
            if let Some(config) = &example.config {
                out.push_str(&format!(
                    "\n`.dvmlint.yaml`:\n\n```yaml\n{}\n```\n",
                    config.trim_end()
                ));
            }
            for (file, text) in &example.files {
                out.push_str(&format!(
                    "\n`{file}`:\n\n```yaml\n{}\n```\n",
                    text.trim_end()
                ));
            }
        }
    }
    out
}
