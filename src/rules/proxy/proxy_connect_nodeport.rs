//! DVM210 proxy-connect-nodeport: with `stunnel_tcp_proxy` and
//! `rsync_endpoint_type: NodePort`, stunnel asks the proxy to CONNECT to a node
//! port in 30000–32767 (docs/domain.md §2); many proxies allow CONNECT only to 443
//! (Squid's default `deny CONNECT !SSL_ports`), and DVM then fails.

use crate::finding::{Finding, Location};
use crate::model::Project;
use crate::model::proxy::VarOrigin;

use super::{effective, finding};

pub fn check(project: &Project, out: &mut Vec<Finding>) {
    let (migration, proxies) = effective(project);
    let stunnel = proxies
        .iter()
        .filter(|p| migration.host.is_none_or(|h| h == p.cluster))
        .find_map(|p| {
            let (index, controller) = p.controller.as_ref()?;
            let text = controller.text("stunnel_tcp_proxy")?;
            Some(Location::new(
                &project.objects.get(*index)?.object.file,
                text.span,
            ))
        });
    let Some(stunnel) = stunnel else {
        return;
    };
    for proxy in proxies {
        if migration.is_target.get(proxy.cluster) != Some(&true) {
            continue;
        }
        let Some((index, controller)) = &proxy.controller else {
            continue;
        };
        let Some(text) = controller
            .text("rsync_endpoint_type")
            .filter(|t| t.value == "NodePort")
        else {
            continue;
        };
        let Some(object) = project.objects.get(*index) else {
            continue;
        };
        out.push(
            finding(
                project,
                proxy,
                "DVM210",
                Location::new(&object.object.file, text.span),
                VarOrigin::MigrationController,
                "rsync_endpoint_type NodePort through stunnel_tcp_proxy: the proxy must allow \
                 CONNECT to ports 30000-32767, and many allow CONNECT only to 443"
                    .to_owned(),
            )
            .help(
                "allow CONNECT to 30000-32767 on the proxy for the target's workers (Squid: add \
                   them to `SSL_ports`), or use `rsync_endpoint_type: Route` (port 443)",
            )
            .related(stunnel.clone(), "the proxy stunnel connects through"),
        );
    }
}
