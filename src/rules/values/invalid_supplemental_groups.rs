//! DVM302 invalid-supplemental-groups: `src_supplemental_groups` and
//! `target_supplemental_groups` are strings of comma-separated group ids that
//! MTC puts into the rsync pods' `securityContext.supplementalGroups`
//! (domain.md §2, MTC 1.7+); a value that is not such a list leaves the pods
//! without the groups that grant access to the volume, or fails the pod.

use crate::finding::Finding;
use crate::rules::DocContext;

const MAX_GID: u64 = 4_294_967_294;

pub fn check(ctx: &DocContext<'_, '_>, out: &mut Vec<Finding>) {
    let Some(controller) = crate::rules::proxy::controller(ctx) else {
        return;
    };
    for setting in controller.settings.iter().filter(|s| {
        matches!(
            s.snake.as_str(),
            "src_supplemental_groups" | "target_supplemental_groups"
        )
    }) {
        if setting.value.is_null() {
            continue;
        }
        let problem = match setting.value.as_str() {
            None => Some("is not a string".to_owned()),
            Some(text) => text
                .split(',')
                .map(str::trim)
                .find(|g| g.parse::<u64>().map_or(true, |n| n > MAX_GID))
                .map(|bad| {
                    if bad.is_empty() {
                        "has an empty group id".to_owned()
                    } else {
                        format!("has `{bad}`, not a group id in 0..=4294967294")
                    }
                }),
        };
        let Some(problem) = problem else {
            continue;
        };
        out.push(
            ctx.finding(
                "DVM302",
                setting.value.span,
                format!(
                    "{} {problem}: the rsync pods do not get the supplemental groups that give \
                     them access to the volumes",
                    setting.key.value
                ),
            )
            .help(format!(
                "write a quoted string of comma-separated numeric group ids, e.g. `{}: \"1000,2000\"`",
                setting.key.value
            )),
        );
    }
}
