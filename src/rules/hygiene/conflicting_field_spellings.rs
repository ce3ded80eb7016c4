//! DVM404 conflicting-field-spellings: one MigrationController setting written
//! twice under different spellings (`noProxy` and `no_proxy`). The operator
//! converts both to the same variable and which one wins depends on Go map
//! order (docs/domain.md §2): undefined.

use std::collections::HashMap;

use crate::finding::{Finding, Location};
use crate::manifest::migration_controller::MigrationController;
use crate::rules::DocContext;

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    if !ctx.is("migration.openshift.io", "MigrationController") {
        return;
    }
    let controller = MigrationController::from_node(ctx.node);
    let mut first = HashMap::new();
    for setting in &controller.settings {
        match first.get(setting.snake.as_str()) {
            None => {
                first.insert(setting.snake.as_str(), &setting.key);
            }
            Some(earlier) => {
                let message = format!(
                    "`{}` and `{}` both set `{}`: which one the operator uses is undefined",
                    earlier.value, setting.key.value, setting.snake
                );
                out.push(
                    ctx.finding("DVM404", setting.key.span, message)
                        .help(format!(
                            "keep one spelling of `{}` and delete the other",
                            setting.snake
                        ))
                        .related(
                            Location::new(ctx.file, earlier.span),
                            format!("`{}` is set here first", earlier.value),
                        ),
                );
            }
        }
    }
}
