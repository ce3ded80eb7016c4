//! Proxy rules (DVM201–DVM212): the cluster Proxy, install-config's `proxy:`
//! and the MigrationController's proxy variables and `stunnel_tcp_proxy`, judged
//! by how Go, stunnel and the network operator read them (docs/domain.md §2, §4, §5).
//! Document rules judge one object; project rules use
//! [`crate::model::proxy::EffectiveProxy`].

pub mod both_clusters_behind_proxy;
pub mod legacy_cluster_proxy_not_inherited;
pub mod migcluster_url_through_proxy;
pub mod migrationcontroller_noproxy_drops_defaults;
pub mod noproxy_invalid_entry;
pub mod noproxy_missing_worker;
pub mod noproxy_without_proxy;
pub mod proxy_connect_nodeport;
pub mod proxy_not_named_cluster;
pub mod stunnel_proxy_intercepts;
pub mod stunnel_proxy_invalid;
pub mod stunnel_proxy_plaintext_credentials;

use crate::proxy::ByteRange;
use crate::yaml::{Node, Span};

/// The span of bytes `range` of the scalar `text` held by `node` (columns count
/// characters, so the byte range is converted first).
pub(crate) fn span_in(node: &Node<'_>, text: &str, range: &ByteRange) -> Span {
    let chars = |b: usize| text.get(..b).map_or(0, |s| s.chars().count());
    match node.scalar_style() {
        Some(style) => node.span.sub(chars(range.start), chars(range.end), style),
        None => node.span,
    }
}

/// The MigrationController of a document rule, if the document is one.
pub(crate) fn controller(
    ctx: &crate::rules::DocContext<'_, '_>,
) -> Option<crate::manifest::migration_controller::MigrationController> {
    ctx.is("migration.openshift.io", "MigrationController")
        .then(|| crate::manifest::migration_controller::MigrationController::from_node(ctx.node))
}

/// The `stunnel_tcp_proxy` setting of a MigrationController document, with its
/// text (DVM205, DVM206 judge the same value).
pub(crate) fn stunnel_setting(
    ctx: &crate::rules::DocContext<'_, '_>,
) -> Option<(crate::manifest::migration_controller::Setting, String)> {
    let setting = controller(ctx)?.setting("stunnel_tcp_proxy")?.clone();
    let value = setting.value.as_str()?.to_owned();
    Some((setting, value))
}

use crate::finding::{Finding, Location};
use crate::model::Project;
use crate::model::migration::Migration;
use crate::model::proxy::{EffectiveProxy, VarOrigin};

/// The MTC view and every cluster's effective proxy settings.
pub(crate) fn effective(project: &Project) -> (&Migration, &[EffectiveProxy]) {
    (project.migration(), project.proxies())
}

/// A project-rule finding about `cluster`, on the object holding `location`
/// when it is the cluster's MigrationController or Proxy.
pub(crate) fn finding(
    project: &Project,
    proxy: &EffectiveProxy,
    rule: &'static str,
    location: Location,
    origin: VarOrigin,
    message: String,
) -> Finding {
    let object = match origin {
        VarOrigin::MigrationController => proxy
            .controller
            .as_ref()
            .and_then(|(i, _)| project.objects.get(*i)),
        VarOrigin::ClusterProxy => crate::model::proxy::cluster_proxies(project, proxy.cluster)
            .next()
            .map(|(_, o)| o),
        VarOrigin::InstallConfig => None,
    };
    Finding::new(rule, location, message)
        .object(object.map(crate::model::ModelObject::object_ref))
        .cluster(project.cluster_name(Some(proxy.cluster)))
}

/// Where the controller's `spec` key is (findings about absent settings).
pub(crate) fn controller_spec(project: &Project, proxy: &EffectiveProxy) -> Option<Location> {
    let (index, controller) = proxy.controller.as_ref()?;
    let object = project.objects.get(*index)?;
    Some(Location::new(
        &object.object.file,
        controller
            .spec_key
            .unwrap_or(object.object.meta.name_span()),
    ))
}
