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
        let intended = suggest::did_you_mean(&setting.snake, KNOWN.iter().copied()).or_else(|| {
            suggest::did_you_mean(&written.to_ascii_lowercase(), KNOWN.iter().copied())
        });
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
