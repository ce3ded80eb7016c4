//! What a path rule decides about one hop of a DVM path (docs/graph.md).
//!
//! The network, egress-firewall and proxy rules judge the hops of the path
//! the rsync traffic takes (client pods → NetworkPolicy egress → egress
//! firewall → proxy → router / NodePort / Service → NetworkPolicy ingress →
//! rsync server, and DNS). Each of them decides a hop in one function that
//! returns a [`Hop`]: its verdict, why, the manifests that decided it, and the
//! finding the rule reports when the hop is cut. The rule's `check` reports
//! those findings; `dvmlint graph` (`crate::graph`) draws the same hops. One
//! decision, two readers: the picture cannot disagree with `check`.

use crate::finding::{Finding, Location};

/// What a hop lets through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allowed,
    Blocked,
    /// dvmlint cannot say: the hop's `why` says what is missing.
    Unknown,
}

/// A manifest (or configuration value) that took part in the decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decider {
    /// How it is named: `app1/deny-all`, `app1/allow-dvm egress[0]`,
    /// `EgressFirewall default egress[1]`.
    pub name: String,
    pub location: Option<Location>,
}

/// One hop, decided.
#[derive(Clone, Debug)]
pub struct Hop {
    pub verdict: Verdict,
    /// A few words for a picture's label (`no rule allows TCP 6443`).
    pub short: String,
    /// The whole reason (the finding's message when the hop is cut).
    pub why: String,
    pub by: Vec<Decider>,
    /// What the rule reports about this hop (before one finding per cause
    /// is made of those an unbound manifest gives in several namespaces).
    pub findings: Vec<Finding>,
}

impl Hop {
    pub fn allowed(short: impl Into<String>, why: impl Into<String>, by: Vec<Decider>) -> Hop {
        Hop {
            verdict: Verdict::Allowed,
            short: short.into(),
            why: why.into(),
            by,
            findings: Vec::new(),
        }
    }

    pub fn unknown(short: impl Into<String>, why: impl Into<String>, by: Vec<Decider>) -> Hop {
        Hop {
            verdict: Verdict::Unknown,
            short: short.into(),
            why: why.into(),
            by,
            findings: Vec::new(),
        }
    }

    /// A NetworkPolicy hop an admin-tier rule decides before any
    /// NetworkPolicy is consulted (DVM105 judges it, and reports a Deny).
    pub fn admin_decided(by: Vec<Decider>) -> Hop {
        Hop::unknown(
            "decided by an admin policy",
            "an AdminNetworkPolicy or BaselineAdminNetworkPolicy rule decides this traffic before NetworkPolicies are consulted (DVM105 reports a Deny)",
            by,
        )
    }

    /// A hop dvmlint could not judge, which `finding` (an info) says.
    pub fn unjudged(short: impl Into<String>, by: Vec<Decider>, finding: Finding) -> Hop {
        Hop {
            verdict: Verdict::Unknown,
            ..Hop::blocked(short, by, finding)
        }
    }

    /// A cut hop, reported by `finding`.
    pub fn blocked(short: impl Into<String>, by: Vec<Decider>, finding: Finding) -> Hop {
        Hop {
            verdict: Verdict::Blocked,
            short: short.into(),
            why: finding.message.clone(),
            by,
            findings: vec![finding],
        }
    }
}
