//! DVM403 unknown-migrationcontroller-field: a `spec` key the operator does not
//! know once converted to snake_case. The CRD accepts anything, so a typo
//! (`stunnel_tcp_procy`) or an ALL-CAPS key (`HTTPS_PROXY` → `http_s_proxy`) is
//! silently ignored and the setting never takes effect (docs/domain.md §2).

use crate::finding::Finding;
use crate::manifest::migration_controller::MigrationController;
use crate::rules::DocContext;
use crate::suggest;

use super::migration_controller_keys::{KNOWN, is_known};

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    if !ctx.is("migration.openshift.io", "MigrationController") {
        return;
    }
    let controller = MigrationController::from_node(ctx.node);
    for setting in &controller.settings {
        if is_known(&setting.snake) {
            continue;
        }
        let written = &setting.key.value;
        let intended = intended(&setting.snake, written);
        let conversion = if setting.snake == *written {
            String::new()
        } else {
            format!(" (the operator reads it as `{}`)", setting.snake)
        };
        let message = format!(
            "`{written}` is not a MigrationController setting{conversion}: the operator ignores it"
        );
        let help = match intended {
            Some(key) => {
                format!("did you mean `{key}`? Write `{key}:` so that the operator applies it")
            }
            None => "remove it, or check the spelling against the MTC documentation".to_owned(),
        };
        out.push(ctx.finding("DVM403", setting.key.span, message).help(help));
    }
}

/// The setting a key not known was likely meant to be. A key whose last word
/// ends some known key (`restic_image`: `image`) is taken for one of those,
/// never for a setting of another type (`restic_timeout`, a duration): the
/// known key holding its words and one more (`registry_image` →
/// `migration_registry_image`, `ui_image` → `mig_ui_image`), else the closest
/// spelling among them (`mig_controler_image`), else none. Any other key
/// (`stunnel_tcp_procy`) is compared with every known one.
fn intended(snake: &str, written: &str) -> Option<&'static str> {
    let last = |key: &str| key.rsplit('_').next().unwrap_or(key).to_owned();
    let own_last = last(snake);
    let typed: Vec<&'static str> = KNOWN
        .iter()
        .copied()
        .filter(|k| k.contains('_') && last(k) == own_last)
        .collect();
    if snake.contains('_') && !typed.is_empty() {
        let words: Vec<&str> = snake.split('_').collect();
        let one_more = typed.iter().copied().find(|k| {
            let theirs: Vec<&str> = k.split('_').collect();
            theirs.len() == words.len() + 1 && words.iter().all(|w| theirs.contains(w))
        });
        return one_more.or_else(|| suggest::did_you_mean(snake, typed.iter().copied()));
    }
    suggest::did_you_mean(snake, KNOWN.iter().copied())
        .or_else(|| suggest::did_you_mean(&written.to_ascii_lowercase(), KNOWN.iter().copied()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key is never taken for a setting of another type; an image key is
    /// taken for the image key holding its words and one more.
    #[test]
    fn suggestions_keep_the_kind_of_setting() {
        for (written, expected) in [
            ("registry_image", Some("migration_registry_image")),
            ("ui_image", Some("mig_ui_image")),
            ("controller_image", Some("mig_controller_image")),
            ("mig_controler_image", Some("mig_controller_image")),
            ("stunnel_tcp_procy", Some("stunnel_tcp_proxy")),
        ] {
            assert_eq!(intended(written, written), expected, "{written}");
        }
        // No image key holds `restic` and one more word: none, or an image.
        let got = intended("restic_image", "restic_image");
        assert!(got.is_none_or(|k| k.ends_with("_image")), "{got:?}");
    }
}
