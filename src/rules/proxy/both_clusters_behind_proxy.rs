//! DVM207 both-clusters-behind-proxy: "DVM supports only one proxy"
//! (docs/domain.md §2): stunnel makes one CONNECT hop, so when the target is also
//! behind a proxy the source cannot reach the destination route.
//!
//! "Behind a proxy" is what `behindProxy` in .dvmlint.yaml says. Without it,
//! while `stunnel_tcp_proxy` is set, a cluster with an outbound proxy (a
//! cluster-wide Proxy, install-config `proxy:`, the MigrationController's
//! proxy variables) is taken to be. For the source that is what its DVM
//! traffic does; for the target it is an assumption: an outbound proxy carries
//! the cluster's own traffic out and does not show that its route is reachable
//! only through a proxy. A finding that rests on it is an info that says so and
//! names the key that makes it exact.

use std::collections::BTreeSet;

use crate::finding::{Finding, Location, Severity};
use crate::model::Project;
use crate::model::proxy::{EffectiveProxy, VarOrigin};
use crate::proxy::redact;

use super::{effective, finding};

/// Why a cluster is taken to be behind a proxy.
enum Behind {
    /// `behindProxy: true` in .dvmlint.yaml.
    Configured,
    /// The cluster's outbound HTTP(S) goes through a proxy, set here.
    Outbound(Setting),
}

/// An outbound proxy variable: its value, where it is written and by what.
struct Setting {
    value: String,
    location: Location,
    origin: VarOrigin,
}

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
    let behind = |c: usize| -> Option<Behind> {
        let configured = project
            .clusters
            .get(c)
            .and_then(|cl| cl.config)
            .and_then(|i| project.config.clusters.get(i))
            .and_then(|cc| cc.behind_proxy);
        match configured {
            Some(true) => Some(Behind::Configured),
            Some(false) => None,
            None if stunnel.is_some() => outbound(proxies.get(c)?).map(Behind::Outbound),
            None => None,
        }
    };
    let pairs: BTreeSet<(usize, usize)> = migration
        .pairs
        .iter()
        .map(|p| (p.source.cluster, p.target.cluster))
        .chain(distinct_roles(migration))
        .filter(|(s, t)| s != t)
        .collect();
    for (source, target) in pairs {
        let (Some(source_behind), Some(target_behind)) = (behind(source), behind(target)) else {
            continue;
        };
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
        let mut f = match &target_behind {
            Behind::Configured => {
                let basis = match &source_behind {
                    Behind::Configured => "`behindProxy: true` in .dvmlint.yaml".to_owned(),
                    Behind::Outbound(setting) => format!(
                        "the target by `behindProxy: true` in .dvmlint.yaml, the source by its \
                         outbound proxy, set in {}, while DVM goes through `stunnel_tcp_proxy`",
                        setting.origin.describe()
                    ),
                };
                finding(project, owner, "DVM207", at, origin, format!(
                    "both the source cluster `{}` and the target cluster `{}` are behind proxies \
                     ({basis}): DVM supports one proxy (stunnel makes a single CONNECT hop), so \
                     the source's rsync clients cannot reach the target's route",
                    names.0, names.1
                ))
                .help(
                    "give the source a path to the target through one proxy only: expose the \
                     target's route (or NodePorts) directly to the source's proxy, or migrate \
                     with indirect volume migration (`indirectVolumeMigration: true`)",
                )
            }
            Behind::Outbound(setting) => finding(project, owner, "DVM207", at, origin, format!(
                "the target cluster `{target}` is taken to be behind a proxy only because it has \
                 an outbound proxy (set in {set_in}), which carries the cluster's own traffic out \
                 and does not show that its route is reachable only through a proxy: if it is, \
                 the rsync clients of the source cluster `{source}`, which go through \
                 `stunnel_tcp_proxy`, cannot reach that route, since DVM supports one proxy \
                 (stunnel makes a single CONNECT hop); set `behindProxy` for cluster `{target}` \
                 in .dvmlint.yaml to make this check exact",
                target = names.1,
                source = names.0,
                set_in = setting.origin.describe(),
            ))
            .severity(Severity::Info)
            .help(format!(
                "set `behindProxy: false` for cluster `{target}` in .dvmlint.yaml when the proxy \
                 of `stunnel_tcp_proxy` reaches its route directly (one proxy, the supported \
                 layout), `behindProxy: true` when the route is reachable only through another \
                 proxy; in that case expose the target's route (or NodePorts) directly to the \
                 source's proxy, or migrate with indirect volume migration \
                 (`indirectVolumeMigration: true`)",
                target = names.1
            )),
        };
        for (name, behind) in [(names.0, &source_behind), (names.1, &target_behind)] {
            if let Behind::Outbound(setting) = behind {
                f = f.related(
                    setting.location.clone(),
                    format!(
                        "outbound proxy `{}` of cluster `{name}`, set in {}",
                        redact(&setting.value),
                        setting.origin.describe()
                    ),
                );
            }
        }
        out.push(f);
    }
}

/// The proxy a cluster's outbound HTTPS (else HTTP) goes through: the
/// effective one MTC uses, else the cluster's own when MTC does not inherit
/// it (OpenShift 4.1 and earlier).
fn outbound(proxy: &EffectiveProxy) -> Option<Setting> {
    if let Some(var) = proxy.https_proxy.as_ref().or(proxy.http_proxy.as_ref()) {
        return Some(Setting {
            value: var.value.clone(),
            location: var.location.clone(),
            origin: var.origin,
        });
    }
    let platform = proxy.platform.as_ref()?;
    let text = platform
        .vars
        .https_proxy
        .as_ref()
        .or(platform.vars.http_proxy.as_ref())?;
    Some(Setting {
        value: text.value.clone(),
        location: Location::new(&platform.file, text.span),
        origin: platform.origin,
    })
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
