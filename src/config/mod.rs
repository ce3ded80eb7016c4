//! `.dvmlint.yaml`: discovery and the validated configuration (docs/configuration.md).
//!
//! The file is parsed with the same span-keeping YAML front end as manifests, so
//! every configuration error names its line and column; unknown keys are errors
//! with a did-you-mean, since a silently ignored typo in a linter's config is a
//! rule that silently stops running.

mod decode;

use std::fmt;
use std::path::{Path, PathBuf};

use globset::GlobSet;
use ipnet::IpNet;

use crate::finding::Severity;
use crate::yaml::Pos;

pub use decode::parse_config;

pub const FILE_NAMES: [&str; 2] = [".dvmlint.yaml", "dvmlint.yaml"];

/// Default for `max-file-size` (docs/input.md).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Source,
    Target,
    Both,
}

#[derive(Clone, Debug)]
pub struct ClusterConfig {
    pub name: String,
    pub role: Role,
    pub paths: Vec<String>,
    pub path_set: GlobSet,
    pub version: Option<String>,
    pub machine_network: Vec<IpNet>,
    pub workers: Vec<String>,
    pub cidrs: Vec<IpNet>,
    pub ingress: Option<Vec<IpNet>>,
    pub route_domain: Option<String>,
    /// `behindProxy:` the cluster reaches other clusters, and is reached,
    /// only through a proxy (a cluster-wide Proxy shows only the first).
    pub behind_proxy: Option<bool>,
    /// `routerNetwork:` whether the cluster's routers run on the host network
    /// (an IngressController publishing with `HostNetwork`) or the pod network.
    pub router_network: Option<RouterNetwork>,
    /// The name of the MigCluster object that stands for this cluster
    /// (`migCluster:`): what MigPlans' `srcMigClusterRef`/`destMigClusterRef`
    /// name when it differs from `name`.
    pub mig_cluster: Option<String>,
    /// Where the cluster's entry starts in the configuration (its `name`).
    pub pos: Pos,
    /// Where its `paths` value starts, when it has one.
    pub paths_pos: Option<Pos>,
    /// Where each of `paths` is written.
    pub path_pos: Vec<Pos>,
    /// For each glob of `path_set`, the index in `paths` it was made from
    /// (a folder name makes two: itself and everything below it).
    pub path_of_glob: Vec<usize>,
}

/// Where a cluster's router pods run (`routerNetwork:`, `crate::model::router`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouterNetwork {
    /// `host`: an IngressController publishing with `HostNetwork`.
    Host,
    /// `pod`: `LoadBalancerService`, `NodePortService` or `Private`.
    Pod,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespacePair {
    pub source: String,
    pub destination: String,
    /// `labels:` of the entry: the labels the namespace carries on both
    /// clusters where the repository holds no Namespace object for it.
    pub labels: Vec<(String, String)>,
    /// Where the entry is written in the configuration.
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub struct PerFileIgnore {
    pub glob: String,
    pub matcher: globset::GlobMatcher,
    pub rules: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The file this came from (`None`: defaults).
    pub path: Option<PathBuf>,
    pub clusters: Vec<ClusterConfig>,
    pub mtc_version: Option<String>,
    pub namespaces: Vec<NamespacePair>,
    pub intercepting_proxies: Vec<String>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
    pub severity: Vec<(String, Severity)>,
    pub exclude: Vec<String>,
    pub per_file_ignores: Vec<PerFileIgnore>,
    pub custom_rules: Vec<String>,
    pub max_file_size: u64,
    /// `render:`: Kustomize builds and Helm charts (docs/rendering.md).
    pub render: RenderConfig,
    /// `hosts:`: the addresses of host names, as the clusters resolve them
    /// (dvmlint never resolves DNS itself), in the order written.
    pub hosts: Vec<(String, Vec<IpNet>)>,
}

/// Which binary renders: found on `PATH` (`auto`), none (`off`), or this one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum ToolSetting {
    #[default]
    Auto,
    Off,
    Path(PathBuf),
}

/// A chart release as configured (`render.charts[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ChartRelease {
    /// The chart folder, relative to the project root, without `./` or a
    /// trailing `/`; `""` for the project root (`path: .`).
    pub path: String,
    pub release: Option<String>,
    pub namespace: Option<String>,
    /// Values files, relative to the project root, in order.
    pub values: Vec<String>,
    /// `--set` values, in the order written.
    pub set: Vec<(String, String)>,
    pub cluster: Option<String>,
}

/// `render.kustomizations[]`: the cluster a Kustomize root is applied to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KustomizationTarget {
    pub path: String,
    pub cluster: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RenderConfig {
    pub kustomize: ToolSetting,
    pub helm: ToolSetting,
    /// Per render; the process is killed when it runs longer.
    pub timeout: std::time::Duration,
    pub charts: Vec<ChartRelease>,
    pub kustomizations: Vec<KustomizationTarget>,
}

/// Default for `render.timeout`.
pub const DEFAULT_RENDER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            kustomize: ToolSetting::Auto,
            helm: ToolSetting::Auto,
            timeout: DEFAULT_RENDER_TIMEOUT,
            charts: Vec::new(),
            kustomizations: Vec::new(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            clusters: Vec::new(),
            mtc_version: None,
            namespaces: Vec::new(),
            intercepting_proxies: Vec::new(),
            select: Vec::new(),
            ignore: Vec::new(),
            fail_on: None,
            severity: Vec::new(),
            exclude: Vec::new(),
            per_file_ignores: Vec::new(),
            custom_rules: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            render: RenderConfig::default(),
            hosts: Vec::new(),
        }
    }
}

/// An invalid configuration: exit code 2, with the place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub pos: Option<Pos>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(pos) => write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                pos.line,
                pos.col,
                self.message
            ),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The nearest `.dvmlint.yaml` / `dvmlint.yaml` from `start` upwards.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = if start.is_file() {
        start.parent()?
    } else {
        start
    };
    start.ancestors().find_map(|dir| {
        FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            // A link or special file is found too, so that [`load_discovered`]
            // refuses it aloud rather than the project running unconfigured.
            .find(|candidate| std::fs::symlink_metadata(candidate).is_ok_and(|m| !m.is_dir()))
    })
}

/// Reads and validates a configuration file the user named (`--config`): it
/// may lie anywhere, but must be a regular file of at most
/// [`crate::boundary::CONFIG_CAP`] bytes (`/dev/zero`, `/dev/null`, a FIFO are refused).
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let bytes = crate::boundary::read_named(path, crate::boundary::CONFIG_CAP)
        .map_err(|refusal| unreadable(path, &refusal))?;
    parse_bytes(path, bytes)
}

/// Reads and validates a configuration file found by [`discover`]: it is part
/// of the project it configures, so a link resolving outside its folder is
/// refused, and so is anything but a regular file of at most
/// [`crate::boundary::CONFIG_CAP`] bytes. The refusal never shows its content.
pub fn load_discovered(path: &Path) -> Result<Config, ConfigError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let bytes = crate::boundary::ProjectBoundary::new(folder)
        .open_bounded(path, crate::boundary::CONFIG_CAP)
        .map_err(|refusal| unreadable(path, &refusal))?;
    parse_bytes(path, bytes)
}

fn unreadable(path: &Path, refusal: &crate::boundary::Refusal) -> ConfigError {
    ConfigError {
        path: path.to_owned(),
        pos: None,
        message: format!("cannot read the configuration: {refusal}"),
    }
}

/// A configuration from text that is not (or not yet) the file at `path`:
/// an editor's unsaved buffer of it. Validated as the file would be.
pub fn from_text(path: &Path, text: &str) -> Result<Config, ConfigError> {
    if text.len() as u64 > crate::boundary::CONFIG_CAP {
        return Err(ConfigError {
            path: path.to_owned(),
            pos: None,
            message: format!(
                "the configuration is larger than {} bytes",
                crate::boundary::CONFIG_CAP
            ),
        });
    }
    let mut config = parse_config(text, path)?;
    config.path = Some(path.to_owned());
    Ok(config)
}

fn parse_bytes(path: &Path, bytes: Vec<u8>) -> Result<Config, ConfigError> {
    let text = String::from_utf8(bytes).map_err(|err| ConfigError {
        path: path.to_owned(),
        pos: None,
        message: format!("the configuration is not valid UTF-8: {err}"),
    })?;
    let mut config = parse_config(&text, path)?;
    config.path = Some(path.to_owned());
    Ok(config)
}

impl Config {
    /// The addresses `hosts:` gives a host name (case-insensitive, without a
    /// trailing dot), if any.
    pub fn host_addresses(&self, host: &str) -> Option<&[IpNet]> {
        let host = host.trim_end_matches('.');
        self.hosts
            .iter()
            .find(|(name, _)| name.trim_end_matches('.').eq_ignore_ascii_case(host))
            .map(|(_, nets)| nets.as_slice())
    }

    /// The first cluster a file (path relative to the project root) belongs
    /// to: the one its per-file findings name.
    pub fn cluster_of(&self, rel_path: &str) -> Option<usize> {
        self.clusters
            .iter()
            .position(|c| c.path_set.is_match(rel_path))
    }

    /// Every cluster a file belongs to: each whose `paths` match it (a
    /// `platform/` folder listed for two clusters is applied to both), in
    /// the order of the configuration.
    pub fn clusters_of(&self, rel_path: &str) -> Vec<usize> {
        let Some(first) = self.cluster_of(rel_path) else {
            return Vec::new();
        };
        let mut all = vec![first];
        all.extend(self.later_clusters_of(first, rel_path));
        all
    }

    /// The clusters after `first` (the file's [`Config::cluster_of`]) whose
    /// `paths` match the file too; only those whose paths may share a file
    /// with `first`'s are asked ([`Config::may_share`]).
    pub fn later_clusters_of<'a>(
        &'a self,
        first: usize,
        rel_path: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        self.clusters
            .iter()
            .enumerate()
            .skip(first + 1)
            .filter(move |(later, c)| {
                self.may_share(first, *later) && c.path_set.is_match(rel_path)
            })
            .map(|(later, _)| later)
    }

    /// Whether clusters `a` and `b` may both claim a file: not when every
    /// entry of both is a plain folder (most configurations) and neither
    /// holds the other's.
    pub fn may_share(&self, a: usize, b: usize) -> bool {
        let (Some(a), Some(b)) = (self.clusters.get(a), self.clusters.get(b)) else {
            return false;
        };
        fn folder(p: &str) -> Option<&str> {
            let p = p.trim_start_matches("./").trim_end_matches('/');
            (!p.contains(['*', '?', '[', '{', '\\'])).then_some(p)
        }
        let inside = |outer: &str, inner: &str| {
            outer.is_empty()
                || outer == "."
                || inner
                    .strip_prefix(outer)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        a.paths.iter().any(|pa| {
            b.paths.iter().any(|pb| match (folder(pa), folder(pb)) {
                (Some(fa), Some(fb)) => inside(fa, fb) || inside(fb, fa),
                _ => true,
            })
        })
    }
}
