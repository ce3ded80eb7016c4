//! dvmlint: lint Kubernetes/OpenShift manifest repositories for configuration that
//! breaks MTC Direct Volume Migration. See `docs/architecture.md` for the map.

pub mod proxy;
pub mod snake_case;
