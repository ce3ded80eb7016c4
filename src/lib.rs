//! dvmlint: lint Kubernetes/OpenShift manifest repositories for configuration that
//! breaks MTC Direct Volume Migration. See `docs/architecture.md` for the map.

pub mod alloc;
pub mod baseline;
pub mod boundary;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod discovery;
pub mod finding;
pub mod fix;
pub mod glob;
pub mod graph;
pub mod intern;
pub mod lint;
pub mod lsp;
pub mod manifest;
pub mod model;
pub mod net;
pub mod parsed;
pub mod policy;
pub mod proxy;
pub mod render;
pub mod report;
pub mod rules;
pub mod scripts;
pub mod snake_case;
pub mod string_map;
pub mod suggest;
pub mod suppress;
pub mod timings;
pub mod units;
pub mod yaml;
