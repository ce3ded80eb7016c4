//! Proxy settings as the programs that consume them read them.
//!
//! dvmlint judges three proxy-related values, each against the code that actually consumes it
//! rather than against what the value seems to say:
//!
//! - [`noproxy`]: a `noProxy` list as Go's `golang.org/x/net/http/httpproxy` matcher reads it
//!   (MTC controller, and every Go client using `http.ProxyFromEnvironment`; docs/domain.md §5,
//!   docs/noproxy.md).
//! - [`cno_validation`]: the cluster `Proxy`'s `noProxy` as the OpenShift cluster-network-operator
//!   validates it before applying anything (docs/domain.md §4), and the entries of a
//!   MigrationController `no_proxy` whose Go reading differs from their evident intent (DVM203).
//! - [`stunnel_url`]: a MigrationController `stunnel_tcp_proxy` value as MTC's Go `url.Parse`
//!   and stunnel's `protocol = connect` read it (docs/domain.md §2, DVM205/DVM206).
//!
//! Everything here works on plain strings: no YAML, no spans. Where a location matters, a
//! function returns a byte range within the string it was given ([`ByteRange`]) and the caller
//! maps it to a file position. Nothing here panics; malformed input is data to report.

pub mod cno_validation;
pub mod noproxy;
pub mod stunnel_url;

pub use cno_validation::{
    CnoProblem, CnoProblemKind, IntentProblem, IntentProblemKind, intent_problems,
    validate_cluster_no_proxy,
};
pub use noproxy::{Decision, DirectBy, EntryKind, EntryReading, GoRevision, NoProxy, NoProxyEntry};
pub use stunnel_url::{
    Password, StunnelProblem, StunnelProblemKind, StunnelProxy, password, redact,
};

/// A byte range within the string a function was given.
pub type ByteRange = std::ops::Range<usize>;

/// One comma-separated item of a `noProxy` list, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem<'a> {
    /// The item with surrounding white space removed (may be empty).
    pub text: &'a str,
    /// Where `text` sits in the list; for an empty item, an empty range at its position.
    pub range: ByteRange,
}

/// Splits a `noProxy` list on `,` and trims each item (Go's `strings.TrimSpace`, which trims the
/// same Unicode white space as [`str::trim`]). Empty items are kept: Go skips them, the network
/// operator rejects them, and both callers need to know where they are.
pub fn split_list(list: &str) -> Vec<ListItem<'_>> {
    let mut items = Vec::new();
    let mut start = 0;
    for piece in list.split(',') {
        let lead = piece.len() - piece.trim_start().len();
        let text = piece.trim();
        let from = start + lead;
        items.push(ListItem {
            text,
            range: from..from + text.len(),
        });
        start += piece.len() + 1;
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_empty_items_and_ranges() {
        let list = " a.com ,,b , ";
        let items = split_list(list);
        let texts: Vec<_> = items.iter().map(|i| i.text).collect();
        assert_eq!(texts, ["a.com", "", "b", ""]);
        for item in &items {
            assert_eq!(&list[item.range.clone()], item.text);
        }
        assert_eq!(items[0].range, 1..6);
        assert_eq!(items[1].range, 8..8);
    }
}
