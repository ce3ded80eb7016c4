//! DVM207 both-clusters-behind-proxy: "DVM supports only one proxy"
//! (docs/domain.md §2): stunnel makes one CONNECT hop, so when the target is also
//! behind a proxy the source cannot reach the destination route.

use std::collections::BTreeSet;

use crate::finding::{Finding, Location};
use crate::model::Project;
use crate::model::proxy::{EffectiveProxy, VarOrigin};

use super::{effective, finding};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let (migration, proxies) = effective(project);
    let stunnel = migration.host.and_then(|h| proxies.get(h)).and_then(|p| {
        let (index, controller) = p.controller.as_ref()?;
        let text = controller.text("stunnel_tcp_proxy")?;
        Some((
            p,
            Location::new(&project.objects.get(*index)?.object.file, text.span),
        ))
    });
    let behind = |c: usize| -> bool {
        let configured = project
            .clusters
            .get(c)
            .and_then(|cl| cl.config)
            .and_then(|i| project.config.clusters.get(i))
            .and_then(|cc| cc.behind_proxy);
        configured.unwrap_or_else(|| {
            stunnel.is_some()
                && proxies.get(c).is_some_and(|p| {
                    p.has_proxy() || p.platform.as_ref().is_some_and(|pl| pl.vars.has_proxy())
                })
        })
    };
    let pairs: BTreeSet<(usize, usize)> = migration
        .pairs
        .iter()
        .map(|p| (p.source.cluster, p.target.cluster))
        .chain(distinct_roles(migration))
        .filter(|(s, t)| s != t)
        .collect();
    for (source, target) in pairs {
        if !behind(source) || !behind(target) {
            continue;
        }
        let names = (
            project
                .cluster_name(Some(source))
                .map_or("?", |n| n.as_ref()),
            project
                .cluster_name(Some(target))
                .map_or("?", |n| n.as_ref()),
        );
        let Some(target_proxy) = proxies.get(target) else {
            continue;
        };
        let located: Option<(&EffectiveProxy, Location, VarOrigin)> = match &stunnel {
            Some((p, at)) => Some((p, at.clone(), VarOrigin::MigrationController)),
            None => target_proxy
                .platform
                .as_ref()
                .map(|pl| (target_proxy, Location::new(&pl.file, pl.anchor), pl.origin))
                .or_else(|| {
                    [target, source].into_iter().find_map(|c| {
                        let p = proxies.get(c)?;
                        let at = super::controller_spec(project, p)?;
                        Some((p, at, VarOrigin::MigrationController))
                    })
                }),
        };
        let Some((owner, at, origin)) = located else {
            continue;
        };
        out.push(
            finding(project, owner, "DVM207", at, origin, format!(
                "both the source cluster `{}` and the target cluster `{}` are behind proxies: DVM \
                 supports one proxy (stunnel makes a single CONNECT hop), so the source's rsync \
                 clients cannot reach the target's route",
                names.0, names.1
            ))
            .help("give the source a path to the target through one proxy only: expose the \
                   target's route (or NodePorts) directly to the source's proxy, or migrate \
                   with indirect volume migration (`indirectVolumeMigration: true`)"),
        );
    }
}

/// Configured source and target roles, for repositories without MigPlans.
fn distinct_roles(migration: &crate::model::migration::Migration) -> Vec<(usize, usize)> {
    let sources = migration.is_source.iter().enumerate().filter(|(_, s)| **s);
    sources
        .flat_map(|(s, _)| {
            migration
                .is_target
                .iter()
                .enumerate()
                .filter(|(_, t)| **t)
                .map(move |(t, _)| (s, t))
        })
        .collect()
}
