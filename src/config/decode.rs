//! Decoding `.dvmlint.yaml` from the span tree, with positions in every error.

use std::path::Path;

use globset::{Glob, GlobSet};
use ipnet::IpNet;

use super::{
    ChartRelease, ClusterConfig, Config, ConfigError, KustomizationTarget, NamespacePair,
    PerFileIgnore, RenderConfig, Role, RouterNetwork, ToolSetting,
};
use crate::finding::Severity;
use crate::suggest;
use crate::yaml::{self, Limits, Node};

const TOP_KEYS: &[&str] = &[
    "clusters",
    "mtcVersion",
    "namespaces",
    "interceptingProxies",
    "select",
    "ignore",
    "fail-on",
    "severity",
    "exclude",
    "per-file-ignores",
    "custom-rules",
    "max-file-size",
    "render",
    "hosts",
];

const RENDER_KEYS: &[&str] = &["kustomize", "helm", "timeout", "charts", "kustomizations"];
const CHART_KEYS: &[&str] = &["path", "release", "namespace", "values", "set", "cluster"];
const KUSTOMIZATION_KEYS: &[&str] = &["path", "cluster"];
const NAMESPACE_KEYS: &[&str] = &["name", "labels"];

const CLUSTER_KEYS: &[&str] = &[
    "name",
    "role",
    "paths",
    "version",
    "machineNetwork",
    "workers",
    "cidrs",
    "ingress",
    "routeDomain",
    "behindProxy",
    "routerNetwork",
    "migCluster",
];

struct Decoder<'p> {
    path: &'p Path,
}

type Result<T> = std::result::Result<T, ConfigError>;

pub fn parse_config(text: &str, path: &Path) -> Result<Config> {
    let d = Decoder { path };
    let parsed = yaml::parse_chunk(text.trim_start_matches('\u{feff}'), 1, Limits::default());
    if let Some(err) = parsed.error {
        return Err(d.err_at(err.pos, format!("invalid YAML: {}", err.message)));
    }
    let mut config = Config::default();
    let mut documents = parsed.documents.into_iter();
    let Some(root) = documents.next() else {
        return Ok(config);
    };
    // A second document would be silently ignored: a typo'd `---` must not
    // turn half the configuration off.
    if let Some(second) = documents.next() {
        return Err(d.err(
            &second,
            "the configuration is one YAML document; this second one would be ignored".into(),
        ));
    }
    if root.is_null() {
        return Ok(config);
    }
    if !root.is_map() {
        return Err(d.err(&root, "the configuration must be a mapping".into()));
    }
    d.check_keys(&root, TOP_KEYS, "configuration")?;
    for (key, value) in root.entries() {
        let Some(name) = key.as_str() else { continue };
        match name {
            "clusters" => {
                for item in d.seq(value)? {
                    config.clusters.push(d.cluster(item)?);
                }
                d.unique_cluster_names(&config.clusters, value)?;
                d.unique_mig_clusters(&config.clusters, value)?;
            }
            "mtcVersion" => config.mtc_version = Some(d.version(value)?),
            "namespaces" => {
                for item in d.seq(value)? {
                    config.namespaces.push(d.namespace(item)?);
                }
            }
            "interceptingProxies" => config.intercepting_proxies = d.strings(value)?,
            "select" => config.select = d.rule_ids(value)?,
            "ignore" => config.ignore = d.rule_ids(value)?,
            "fail-on" => config.fail_on = Some(d.severity(value)?),
            "severity" => {
                if !value.is_map() {
                    return Err(d.err(
                        value,
                        "`severity` maps rule ids to error, warning or info".into(),
                    ));
                }
                for (rule, level) in value.entries() {
                    let id = d.rule_id(rule)?;
                    config.severity.push((id, d.severity(level)?));
                }
            }
            "exclude" => {
                config.exclude = d.strings(value)?;
                for (glob, item) in config.exclude.iter().zip(value.items()) {
                    d.glob(glob, item, "exclude")?;
                }
            }
            "per-file-ignores" => {
                if !value.is_map() {
                    return Err(d.err(
                        value,
                        "`per-file-ignores` maps globs to lists of rule ids".into(),
                    ));
                }
                for (glob_node, rules) in value.entries() {
                    let glob = d.string(glob_node)?;
                    let matcher = d
                        .glob(&glob, glob_node, "per-file-ignores")?
                        .compile_matcher();
                    config.per_file_ignores.push(PerFileIgnore {
                        glob,
                        matcher,
                        rules: d.rule_ids(rules)?,
                    });
                }
            }
            "custom-rules" => config.custom_rules = d.strings(value)?,
            "max-file-size" => config.max_file_size = d.size(value)?,
            "render" => config.render = d.render(value)?,
            "hosts" => config.hosts = d.hosts(value)?,
            _ => {}
        }
    }
    d.render_clusters(&config, &root)?;
    Ok(config)
}

/// `paths` decoded ([`Decoder::glob_set`]).
type PathGlobs = (Vec<String>, GlobSet, Vec<yaml::Pos>, Vec<usize>);

impl Decoder<'_> {
    fn err(&self, node: &Node<'_>, message: String) -> ConfigError {
        self.err_at(node.span.start, message)
    }

    fn err_at(&self, pos: yaml::Pos, message: String) -> ConfigError {
        ConfigError {
            path: self.path.to_owned(),
            pos: Some(pos),
            message,
        }
    }

    fn check_keys(&self, map: &Node<'_>, allowed: &[&str], what: &str) -> Result<()> {
        for (key, _) in map.entries() {
            if !key.as_str().is_some_and(|name| allowed.contains(&name)) {
                let what = format!("the {what}");
                return Err(self.err(key, suggest::unknown_key(key, allowed, &what)));
            }
        }
        Ok(())
    }

    fn seq<'n, 'a>(&self, node: &'n Node<'a>) -> Result<&'n [Node<'a>]> {
        if node.is_seq() {
            Ok(node.items())
        } else {
            Err(self.err(node, "expected a list".into()))
        }
    }

    fn string(&self, node: &Node<'_>) -> Result<String> {
        node.as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.err(node, "expected a string".into()))
    }

    /// A `namespaces:` entry: `name` or `source:destination`, or a map of
    /// that `name` and the `labels` the namespace carries.
    fn namespace(&self, item: &Node<'_>) -> Result<NamespacePair> {
        let (name_node, labels) = if item.is_map() {
            self.map(item, NAMESPACE_KEYS, "namespaces entry")?;
            let Some(name) = item.get("name") else {
                return Err(self.err(item, "a namespaces entry needs `name`".into()));
            };
            let mut labels = Vec::new();
            if let Some(node) = item.get("labels") {
                if !node.is_map() {
                    return Err(self.err(
                        node,
                        "`labels` maps label keys to values, e.g. `tier: app`".into(),
                    ));
                }
                for (key, value) in node.entries() {
                    labels.push((self.string(key)?, self.string(value)?));
                }
            }
            (name, labels)
        } else {
            (item, Vec::new())
        };
        let text = self.string(name_node)?;
        let (source, destination) = text.split_once(':').unwrap_or((&text, &text));
        if source.is_empty() || destination.is_empty() {
            return Err(self.err(
                name_node,
                format!("`{text}` is not `namespace` or `source:destination`"),
            ));
        }
        Ok(NamespacePair {
            source: source.to_owned(),
            destination: destination.to_owned(),
            labels,
            pos: item.span.start,
        })
    }

    fn strings(&self, node: &Node<'_>) -> Result<Vec<String>> {
        self.seq(node)?
            .iter()
            .map(|item| self.string(item))
            .collect()
    }

    fn version(&self, node: &Node<'_>) -> Result<String> {
        let text = self.string(node)?;
        let valid = text.split('.').count() >= 2
            && text
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if valid {
            Ok(text)
        } else {
            Err(self.err(
                node,
                format!(
                    "`{text}` is not a version like \"4.12\" (quote it: 4.10 is a number in YAML)"
                ),
            ))
        }
    }

    fn severity(&self, node: &Node<'_>) -> Result<Severity> {
        let text = self.string(node)?;
        Severity::parse(&text).ok_or_else(|| {
            let hint = suggest::hint(&text, ["error", "warning", "info"]);
            self.err(
                node,
                format!("unknown severity `{text}`, expected error, warning or info{hint}"),
            )
        })
    }

    fn rule_id(&self, node: &Node<'_>) -> Result<String> {
        let text = self.string(node)?;
        crate::catalogue::resolve(&text).map_err(|message| self.err(node, message))
    }

    fn rule_ids(&self, node: &Node<'_>) -> Result<Vec<String>> {
        self.seq(node)?
            .iter()
            .map(|item| self.rule_id(item))
            .collect()
    }

    /// A glob checked by [`crate::glob::parse`] (so matching it cannot fail);
    /// the error names the key, the glob and the reason.
    fn glob(&self, pattern: &str, node: &Node<'_>, key: &str) -> Result<Glob> {
        crate::glob::parse(pattern, true).map_err(|why| {
            self.err(
                node,
                format!(
                    "`{key}`: invalid glob `{}`: {why}",
                    crate::glob::shown(pattern)
                ),
            )
        })
    }

    /// A cluster's `paths`: a glob set where a plain folder name also matches
    /// everything below it.
    /// The patterns of `paths`, their set, where each pattern is written and,
    /// for each glob of the set, the pattern it was made from.
    fn glob_set(&self, node: &Node<'_>) -> Result<PathGlobs> {
        let patterns = self.strings(node)?;
        let mut globs = Vec::new();
        let mut of_glob = Vec::new();
        let mut positions = Vec::new();
        for (index, (pattern, item)) in patterns.iter().zip(node.items()).enumerate() {
            positions.push(item.span.start);
            let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
            if trimmed.is_empty() || trimmed == "." {
                // `.`, `./`: the folder of .dvmlint.yaml, everything under it.
                globs.push(self.glob("**", item, "paths")?);
                of_glob.push(index);
                continue;
            }
            globs.push(self.glob(trimmed, item, "paths")?);
            globs.push(self.glob(&format!("{trimmed}/**"), item, "paths")?);
            of_glob.extend([index, index]);
        }
        let set =
            crate::glob::set(globs).map_err(|why| self.err(node, format!("`paths`: {why}")))?;
        Ok((patterns, set, positions, of_glob))
    }

    fn nets(&self, node: &Node<'_>) -> Result<Vec<IpNet>> {
        self.seq(node)?
            .iter()
            .map(|item| {
                let text = self.string(item)?;
                parse_net(&text).ok_or_else(|| {
                    self.err(item, format!("`{text}` is not a CIDR or an IP address"))
                })
            })
            .collect()
    }

    fn cluster(&self, node: &Node<'_>) -> Result<ClusterConfig> {
        if !node.is_map() {
            return Err(self.err(node, "a cluster is a mapping with at least `name`".into()));
        }
        self.check_keys(node, CLUSTER_KEYS, "cluster")?;
        let (name, pos) = match node.get("name") {
            Some(n) => (self.string(n)?, n.span.start),
            None => return Err(self.err(node, "a cluster needs a `name`".into())),
        };
        let role = match node.get("role") {
            None => Role::Both,
            Some(n) => match self.string(n)?.as_str() {
                "source" => Role::Source,
                "target" => Role::Target,
                "both" => Role::Both,
                other => {
                    let hint = suggest::hint(other, ["source", "target", "both"]);
                    return Err(self.err(
                        n,
                        format!("unknown role `{other}`, expected source, target or both{hint}"),
                    ));
                }
            },
        };
        let (paths, path_set, path_pos, path_of_glob) = match node.get("paths") {
            Some(n) => self.glob_set(n)?,
            None => (Vec::new(), GlobSet::empty(), Vec::new(), Vec::new()),
        };
        let paths_pos = node.get("paths").map(|n| n.span.start);
        let mig_cluster = node
            .get("migCluster")
            .map(|n| {
                let text = self.string(n)?;
                if is_object_name(&text) {
                    Ok(text)
                } else {
                    Err(self.err(
                        n,
                        format!(
                            "`{text}` is not a MigCluster name (lower-case letters, digits, `-` and `.`)"
                        ),
                    ))
                }
            })
            .transpose()?;
        let workers = match node.get("workers") {
            Some(n) => self.strings(n)?,
            None => Vec::new(),
        };
        Ok(ClusterConfig {
            name,
            role,
            paths,
            path_set,
            path_pos,
            path_of_glob,
            version: node.get("version").map(|n| self.version(n)).transpose()?,
            machine_network: node
                .get("machineNetwork")
                .map(|n| self.nets(n))
                .transpose()?
                .unwrap_or_default(),
            workers,
            cidrs: node
                .get("cidrs")
                .map(|n| self.nets(n))
                .transpose()?
                .unwrap_or_default(),
            ingress: node.get("ingress").map(|n| self.nets(n)).transpose()?,
            route_domain: node
                .get("routeDomain")
                .map(|n| self.string(n))
                .transpose()?,
            behind_proxy: node
                .get("behindProxy")
                .map(|n| {
                    n.as_bool()
                        .ok_or_else(|| self.err(n, "expected true or false".into()))
                })
                .transpose()?,
            router_network: node
                .get("routerNetwork")
                .map(|n| match self.string(n)?.as_str() {
                    "host" => Ok(RouterNetwork::Host),
                    "pod" => Ok(RouterNetwork::Pod),
                    _ => Err(self.err(n, "expected host or pod".into())),
                })
                .transpose()?,
            mig_cluster,
            pos,
            paths_pos,
        })
    }

    /// `hosts:` maps host names to the addresses they resolve to.
    fn hosts(&self, node: &Node<'_>) -> Result<Vec<(String, Vec<IpNet>)>> {
        if !node.is_map() {
            return Err(self.err(
                node,
                "`hosts` maps host names to lists of IP addresses, e.g. `proxy.corp.example.com: [192.0.2.10]`".into(),
            ));
        }
        let mut out: Vec<(String, Vec<IpNet>)> = Vec::new();
        for (key, value) in node.entries() {
            let name = self.string(key)?;
            if name.parse::<std::net::IpAddr>().is_ok()
                || name.is_empty()
                || name.contains(['/', ':', ' '])
            {
                return Err(self.err(key, format!("`{name}` is not a host name")));
            }
            let nets = if value.is_seq() {
                self.nets(value)?
            } else {
                let text = self.string(value)?;
                vec![parse_net(&text).ok_or_else(|| {
                    self.err(value, format!("`{text}` is not a CIDR or an IP address"))
                })?]
            };
            if out.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                return Err(self.err(key, format!("host `{name}` is listed twice")));
            }
            out.push((name, nets));
        }
        Ok(out)
    }

    fn unique_mig_clusters(&self, clusters: &[ClusterConfig], node: &Node<'_>) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for (cluster, item) in clusters.iter().zip(node.items()) {
            if let Some(name) = &cluster.mig_cluster
                && !seen.insert(name.as_str())
            {
                let at = item.get("migCluster").unwrap_or(item);
                return Err(self.err(
                    at,
                    format!("MigCluster `{name}` is given to two clusters: a MigCluster stands for one cluster"),
                ));
            }
        }
        Ok(())
    }

    fn unique_cluster_names(&self, clusters: &[ClusterConfig], node: &Node<'_>) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for (cluster, item) in clusters.iter().zip(node.items()) {
            if !seen.insert(cluster.name.as_str()) {
                return Err(self.err(item, format!("cluster `{}` is defined twice", cluster.name)));
            }
        }
        Ok(())
    }

    fn map(&self, node: &Node<'_>, allowed: &[&str], what: &str) -> Result<()> {
        if !node.is_map() {
            return Err(self.err(node, format!("the {what} must be a mapping")));
        }
        self.check_keys(node, allowed, what)
    }

    fn render(&self, node: &Node<'_>) -> Result<RenderConfig> {
        self.map(node, RENDER_KEYS, "`render` section")?;
        let mut render = RenderConfig::default();
        for (key, value) in node.entries() {
            match key.as_str().unwrap_or("") {
                "kustomize" => render.kustomize = self.tool(value)?,
                "helm" => render.helm = self.tool(value)?,
                "timeout" => render.timeout = self.duration(value)?,
                "charts" => {
                    for item in self.seq(value)? {
                        render.charts.push(self.chart(item)?);
                    }
                }
                "kustomizations" => {
                    for item in self.seq(value)? {
                        self.map(item, KUSTOMIZATION_KEYS, "kustomization entry")?;
                        render.kustomizations.push(KustomizationTarget {
                            path: self.folder(item, "a kustomization entry")?,
                            cluster: item.get("cluster").map(|n| self.string(n)).transpose()?,
                        });
                    }
                }
                _ => {}
            }
        }
        Ok(render)
    }

    fn tool(&self, node: &Node<'_>) -> Result<ToolSetting> {
        let text = self.string(node)?;
        Ok(match text.as_str() {
            "auto" => ToolSetting::Auto,
            "off" => ToolSetting::Off,
            "" => return Err(self.err(node, "expected auto, off or a path to the binary".into())),
            path => ToolSetting::Path(path.into()),
        })
    }

    fn duration(&self, node: &Node<'_>) -> Result<std::time::Duration> {
        let text = self.string(node)?;
        parse_duration(&text).ok_or_else(|| {
            self.err(
                node,
                format!("`{text}` is not a duration like 60s, 2m or 500ms"),
            )
        })
    }

    /// A folder of the project: `path`, relative, without `./` or a trailing
    /// `/`; `.` and `./` name the project root itself, as `""` (how discovery
    /// names the root's folder). An empty `path` is refused: `.` says it.
    fn folder(&self, node: &Node<'_>, what: &str) -> Result<String> {
        let Some(path) = node.get("path") else {
            return Err(self.err(node, format!("{what} needs a `path`")));
        };
        let text = self.string(path)?;
        if text.trim().is_empty() {
            return Err(self.err(
                path,
                "an empty `path` is no folder: write `.` for the project root".into(),
            ));
        }
        let trimmed = normalise_folder(&text);
        let absolute = text.trim().starts_with('/');
        if !absolute && (trimmed.is_empty() || trimmed == ".") {
            return Ok(String::new());
        }
        if absolute || trimmed.is_empty() || trimmed.split('/').any(|p| p == "..") {
            return Err(self.err(
                path,
                format!("`{text}` is not a folder inside the project (a relative path)"),
            ));
        }
        Ok(trimmed)
    }

    fn chart(&self, node: &Node<'_>) -> Result<ChartRelease> {
        self.map(node, CHART_KEYS, "chart entry")?;
        let mut chart = ChartRelease {
            path: self.folder(node, "a chart entry")?,
            ..ChartRelease::default()
        };
        for (key, value) in node.entries() {
            match key.as_str().unwrap_or("") {
                "release" => chart.release = Some(self.name(value, "release name")?),
                "namespace" => chart.namespace = Some(self.name(value, "namespace")?),
                "values" => {
                    chart.values = self
                        .strings(value)?
                        .iter()
                        .map(|v| normalise_folder(v))
                        .collect();
                }
                "set" => {
                    if !value.is_map() {
                        return Err(self.err(value, "`set` maps value paths to values".into()));
                    }
                    for (k, v) in value.entries() {
                        let name = self.string(k)?;
                        let text = v.as_str().map(str::to_owned).ok_or_else(|| {
                            self.err(
                                v,
                                "a `set` value is a scalar (quote it to keep it a string)".into(),
                            )
                        })?;
                        chart.set.push((name, text));
                    }
                }
                "cluster" => chart.cluster = Some(self.string(value)?),
                _ => {}
            }
        }
        Ok(chart)
    }

    /// A DNS-1123 label (release names and namespaces).
    fn name(&self, node: &Node<'_>, what: &str) -> Result<String> {
        let text = self.string(node)?;
        if crate::manifest::is_dns_label(&text) {
            Ok(text)
        } else {
            Err(self.err(
                node,
                format!("`{text}` is not a valid {what} (lowercase letters, digits and `-`)"),
            ))
        }
    }

    /// `render` entries name configured clusters.
    fn render_clusters(&self, config: &Config, root: &Node<'_>) -> Result<()> {
        let Some(render) = root.get("render") else {
            return Ok(());
        };
        let names: Vec<&str> = config.clusters.iter().map(|c| c.name.as_str()).collect();
        for section in ["charts", "kustomizations"] {
            for item in render.get(section).map_or(&[][..], Node::items) {
                let Some(node) = item.get("cluster") else {
                    continue;
                };
                let name = node.as_str().unwrap_or("");
                if !names.contains(&name) {
                    let hint = suggest::hint(name, names.iter().copied());
                    return Err(self.err(
                        node,
                        format!("`{name}` is not a cluster of `clusters:`{hint}"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn size(&self, node: &Node<'_>) -> Result<u64> {
        let text = self.string(node)?;
        parse_size(&text).ok_or_else(|| {
            self.err(
                node,
                format!("`{text}` is not a size like 16MiB, 500KB or 1048576"),
            )
        })
    }
}

/// A Kubernetes object name (DNS subdomain: lower-case alphanumerics, `-`, `.`).
fn is_object_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// A CIDR, or a plain address taken as a single-host network.
pub fn parse_net(text: &str) -> Option<IpNet> {
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

fn normalise_folder(text: &str) -> String {
    let mut text = text.trim();
    while let Some(rest) = text.strip_prefix("./") {
        text = rest;
    }
    text.trim_end_matches('/').to_owned()
}

/// `60s`, `2m`, `500ms`, `1h`, or a plain number of seconds; more than zero.
fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let millis = match unit.trim() {
        "" | "s" => number.checked_mul(1000)?,
        "ms" => number,
        "m" => number.checked_mul(60_000)?,
        "h" => number.checked_mul(3_600_000)?,
        _ => return None,
    };
    (millis > 0).then(|| std::time::Duration::from_millis(millis))
}

fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" | "kB" => 1000,
        "KiB" => 1024,
        "MB" => 1000 * 1000,
        "MiB" => 1024 * 1024,
        "GB" => 1000 * 1000 * 1000,
        "GiB" => 1024 * 1024 * 1024,
        _ => return None,
    };
    number.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        parse_config(text, Path::new("/p/.dvmlint.yaml"))
    }

    #[test]
    fn full_schema_parses() {
        let config = parse(
            r#"
clusters:
  - name: source
    role: source
    paths: ["clusters/source/**"]
    version: "4.12"
    machineNetwork: ["10.0.0.0/16"]
    workers: ["10.0.5.21", "worker-7.example.com"]
    cidrs: ["10.0.0.0/16"]
    ingress: ["192.0.2.10/32"]
    routeDomain: apps.source.example.com
    behindProxy: true
    migCluster: src-cluster
  - name: target
    role: target
    paths: [clusters/target]
mtcVersion: "1.8"
namespaces: ["app1", "app2:app2-new"]
interceptingProxies: ["proxy.corp.example.com:3128"]
select: []
ignore: [duplicate-object]
fail-on: warning
severity: { DVM401: info }
exclude: ["charts/**"]
per-file-ignores: { "legacy/**": ["DVM401"] }
custom-rules: ["policies/*.yaml"]
max-file-size: 16MiB
hosts:
  proxy.corp.example.com: [192.0.2.10]
  router.example.com: 192.0.2.20/32
"#,
        )
        .unwrap();
        assert_eq!(config.clusters.len(), 2);
        assert_eq!(config.cluster_of("clusters/source/a/b.yaml"), Some(0));
        assert_eq!(config.cluster_of("clusters/target/x.yaml"), Some(1));
        assert_eq!(config.cluster_of("other/x.yaml"), None);
        assert_eq!(config.ignore, vec!["DVM401"]);
        assert_eq!(config.namespaces[1].destination, "app2-new");
        assert_eq!(config.max_file_size, 16 * 1024 * 1024);
        assert_eq!(config.severity, vec![("DVM401".to_owned(), Severity::Info)]);
        assert_eq!(
            config.clusters[0].mig_cluster.as_deref(),
            Some("src-cluster")
        );
        assert_eq!(config.clusters[0].pos, yaml::Pos::new(3, 11));
        assert_eq!(config.clusters[1].paths_pos, Some(yaml::Pos::new(16, 12)));
        assert_eq!(config.namespaces[1].pos.line, 18);
        assert_eq!(
            config.host_addresses("PROXY.corp.example.com."),
            Some(&["192.0.2.10/32".parse().unwrap()][..])
        );
        assert_eq!(config.host_addresses("other.example.com"), None);
    }

    #[test]
    fn the_folder_itself_as_paths_claims_every_file() {
        for paths in ["[\".\"]", "[\"./\"]", "[\"./ns\", \".\"]"] {
            let config = parse(&format!(
                "clusters:\n  - name: source\n    paths: {paths}\n"
            ))
            .unwrap();
            for file in ["a.yaml", "ns/cm.yaml", "deep/er/x.yaml"] {
                assert_eq!(config.cluster_of(file), Some(0), "{paths} {file}");
            }
        }
    }

    /// A file belongs to every cluster whose `paths` match it; clusters of
    /// plain folders of which neither holds the other are never asked.
    #[test]
    fn a_file_belongs_to_every_cluster_that_claims_it() {
        let config = parse(
            "clusters:\n  - name: a\n    paths: [platform, src]\n  - name: b\n    paths: [platform/, dst]\n  - name: c\n    paths: [other]\n  - name: d\n    paths: [\"**/common.yaml\"]\n",
        )
        .unwrap();
        assert_eq!(config.clusters_of("platform/np.yaml"), vec![0, 1]);
        assert_eq!(config.clusters_of("src/common.yaml"), vec![0, 3]);
        assert_eq!(config.clusters_of("dst/app.yaml"), vec![1]);
        assert_eq!(config.clusters_of("elsewhere.yaml"), Vec::<usize>::new());
        assert!(config.may_share(0, 1));
        assert!(!config.may_share(0, 2), "plain folders apart");
        assert!(config.may_share(2, 3), "a glob may match anywhere");
        let nested = parse(
            "clusters:\n  - name: a\n    paths: [apps]\n  - name: b\n    paths: [./apps/b]\n  - name: c\n    paths: [\".\"]\n",
        )
        .unwrap();
        assert!(nested.may_share(0, 1) && nested.may_share(0, 2) && nested.may_share(1, 2));
        assert_eq!(nested.clusters_of("apps/b/x.yaml"), vec![0, 1, 2]);
    }

    #[test]
    fn unknown_keys_name_their_place_and_a_suggestion() {
        let err = parse("clusters:\n  - name: a\n    machineNetworks: []\n").unwrap_err();
        assert_eq!(err.pos, Some(yaml::Pos::new(3, 5)));
        assert!(
            err.message.contains("did you mean `machineNetwork`"),
            "{}",
            err.message
        );
        let err = parse("fail_on: error\n").unwrap_err();
        assert!(err.message.contains("`fail-on`"), "{}", err.message);
    }

    /// A `namespaces:` entry may carry the namespace's labels; `routerNetwork`
    /// is `host` or `pod`.
    #[test]
    fn namespace_labels_and_router_network() {
        let config = parse(
            "clusters:\n  - name: a\n    routerNetwork: host\nnamespaces:\n  - app1\n  - {name: 'shop:shop-new', labels: {tier: app}}\n",
        )
        .unwrap();
        assert_eq!(config.clusters[0].router_network, Some(RouterNetwork::Host));
        assert!(config.namespaces[0].labels.is_empty());
        assert_eq!(config.namespaces[1].source, "shop");
        assert_eq!(config.namespaces[1].destination, "shop-new");
        assert_eq!(
            config.namespaces[1].labels,
            vec![("tier".to_owned(), "app".to_owned())]
        );
        for bad in [
            "clusters:\n  - name: a\n    routerNetwork: hostNetwork\n",
            "namespaces: [{labels: {tier: app}}]\n",
            "namespaces: [{name: shop, labels: [tier]}]\n",
            "namespaces: [{name: shop, lables: {tier: app}}]\n",
            "namespaces: [{name: ':shop'}]\n",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn invalid_values_are_errors() {
        assert!(parse("fail-on: fatal\n").is_err());
        assert!(parse("clusters:\n  - name: a\n    cidrs: [10.0.0.0/33]\n").is_err());
        assert!(parse("max-file-size: lots\n").is_err());
        assert!(parse("select: [DVM999]\n").is_err());
        assert!(parse("clusters:\n  - name: a\n  - name: a\n").is_err());
        assert!(parse("mtcVersion: 1.10\n").is_ok());
        assert!(parse("mtcVersion: banana\n").is_err());
        let err = parse("clusters:\n  - name: a\n    migcluster: host\n").unwrap_err();
        assert!(
            err.message.contains("did you mean `migCluster`"),
            "{}",
            err.message
        );
        assert!(parse("clusters:\n  - name: a\n    migCluster: Host_1\n").is_err());
        let twice = "clusters:\n  - {name: a, migCluster: host}\n  - {name: b, migCluster: host}\n";
        assert_eq!(parse(twice).unwrap_err().pos, Some(yaml::Pos::new(3, 27)));
        assert!(parse("hosts: {proxy.example.com: [banana]}\n").is_err());
        assert!(parse("hosts: [proxy.example.com]\n").is_err());
        assert!(parse("hosts: {192.0.2.1: [192.0.2.1]}\n").is_err());
    }

    #[test]
    fn render_section_parses() {
        let config = parse(
            r#"
clusters: [{name: target}]
render:
  kustomize: auto
  helm: /opt/helm
  timeout: 2m
  charts:
    - path: ./charts/shop/
      release: shop
      namespace: shop
      values: [charts/shop/values-prod.yaml]
      set: {replicas: "2", image.tag: v1}
      cluster: target
  kustomizations:
    - {path: overlays/prod, cluster: target}
"#,
        )
        .unwrap();
        let render = &config.render;
        assert_eq!(render.kustomize, ToolSetting::Auto);
        assert_eq!(render.helm, ToolSetting::Path("/opt/helm".into()));
        assert_eq!(render.timeout, std::time::Duration::from_secs(120));
        let chart = &render.charts[0];
        assert_eq!(chart.path, "charts/shop");
        assert_eq!(chart.release.as_deref(), Some("shop"));
        assert_eq!(chart.values, vec!["charts/shop/values-prod.yaml"]);
        assert_eq!(
            chart.set,
            vec![
                ("replicas".to_owned(), "2".to_owned()),
                ("image.tag".to_owned(), "v1".to_owned())
            ]
        );
        assert_eq!(render.kustomizations[0].path, "overlays/prod");
        assert_eq!(render.kustomizations[0].cluster.as_deref(), Some("target"));
        assert_eq!(
            parse("render: {helm: off}\n").unwrap().render.helm,
            ToolSetting::Off
        );
    }

    #[test]
    fn render_section_errors_name_their_place() {
        let err = parse("render:\n  timeot: 5s\n").unwrap_err();
        assert_eq!(err.pos, Some(yaml::Pos::new(2, 3)));
        assert!(
            err.message.contains("did you mean `timeout`"),
            "{}",
            err.message
        );
        let err = parse("render:\n  charts:\n    - path: c\n      relase: x\n").unwrap_err();
        assert!(
            err.message.contains("did you mean `release`"),
            "{}",
            err.message
        );
        let err = parse("render: {timeout: soon}\n").unwrap_err();
        assert!(err.message.contains("duration"), "{}", err.message);
        assert!(parse("render: {timeout: 0s}\n").is_err());
        assert!(parse("render: {charts: [{release: x}]}\n").is_err());
        assert!(parse("render: {charts: [{path: ../outside}]}\n").is_err());
        assert!(parse("render: {charts: [{path: c, release: Shop}]}\n").is_err());
        assert!(parse("render: {charts: [{path: c, set: {a: [1]}}]}\n").is_err());
        assert!(parse("render: {charts: c}\n").is_err());
        let err = parse(
            "clusters: [{name: target}]\nrender: {kustomizations: [{path: o, cluster: targt}]}\n",
        )
        .unwrap_err();
        assert!(
            err.message.contains("did you mean `target`"),
            "{}",
            err.message
        );
    }

    /// `.` and `./` name the project root, where discovery puts a chart or a
    /// kustomization whose `Chart.yaml` or `kustomization.yaml` is at the top
    /// (`""`); an empty path and the paths leading out are refused.
    #[test]
    fn the_project_root_as_a_render_path() {
        for path in [".", "./", "\".//\"", "\" . \""] {
            let config = parse(&format!(
                "render:\n  charts: [{{path: {path}, namespace: shop}}]\n  kustomizations: [{{path: {path}}}]\n"
            ))
            .unwrap();
            assert_eq!(config.render.charts[0].path, "", "{path}");
            assert_eq!(config.render.kustomizations[0].path, "", "{path}");
        }
        for path in ["\"\"", "/", "/srv/chart", "..", "./..", "a/../.."] {
            let text = format!("render: {{charts: [{{path: {path}}}]}}\n");
            assert!(parse(&text).is_err(), "{path}");
        }
        let err = parse("render: {charts: [{path: \"\"}]}\n").unwrap_err();
        assert!(err.message.contains("write `.`"), "{}", err.message);
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(
            parse("").unwrap().max_file_size,
            super::super::DEFAULT_MAX_FILE_SIZE
        );
    }
}
