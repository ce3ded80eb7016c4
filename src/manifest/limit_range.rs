//! The `v1` LimitRange (its `spec.limits` items with the spans a finding
//! points at) and Kubernetes resource quantities (`100m`, `1Gi`, `0.5`).

use std::collections::BTreeMap;

use crate::yaml::{Node, Span};

use super::Text;

/// A resource quantity in thousandths of its unit, rounded up as
/// Kubernetes' `MilliValue` does; `None` when the text is not a quantity
/// (or too large to hold).
pub fn parse_quantity(text: &str) -> Option<i128> {
    let text = text.trim();
    let (number, multiplier_num, multiplier_den): (&str, i128, i128) = {
        let binary = [
            ("Ki", 1i128 << 10),
            ("Mi", 1 << 20),
            ("Gi", 1 << 30),
            ("Ti", 1 << 40),
            ("Pi", 1 << 50),
            ("Ei", 1 << 60),
        ];
        if let Some((n, m)) = binary
            .iter()
            .find_map(|(s, m)| text.strip_suffix(s).map(|n| (n, *m)))
        {
            (n, m, 1)
        } else if let Some(pos) = text.find(['e', 'E']).filter(|&p| p > 0) {
            let (n, exp) = text.split_at(pos);
            let exp: i32 = exp.get(1..)?.parse().ok()?;
            if !(-30..=30).contains(&exp) {
                return None;
            }
            let pow = 10i128.checked_pow(exp.unsigned_abs())?;
            if exp >= 0 { (n, pow, 1) } else { (n, 1, pow) }
        } else {
            let decimal = [
                ("n", 1i128, 1_000_000_000i128),
                ("u", 1, 1_000_000),
                ("m", 1, 1000),
                ("k", 1000, 1),
                ("M", 1_000_000, 1),
                ("G", 1_000_000_000, 1),
                ("T", 1_000_000_000_000, 1),
                ("P", 1_000_000_000_000_000, 1),
                ("E", 1_000_000_000_000_000_000, 1),
            ];
            match decimal
                .iter()
                .find_map(|(s, num, den)| text.strip_suffix(s).map(|n| (n, *num, *den)))
            {
                Some(found) => found,
                None => (text, 1, 1),
            }
        }
    };
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number.strip_prefix('+').unwrap_or(number)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || whole.len() + fraction.len() > 30
    {
        return None;
    }
    let mantissa: i128 = format!("{whole}{fraction}").parse().ok()?;
    let scale = 10i128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
    // value × 1000 = mantissa × num × 1000 / (scale × den), rounded up.
    let top = mantissa.checked_mul(multiplier_num)?.checked_mul(1000)?;
    let bottom = scale.checked_mul(multiplier_den)?;
    let milli = top.checked_add(bottom - 1)? / bottom;
    Some(if negative { -milli } else { milli })
}

/// A quantity as written, with its value.
#[derive(Clone, Debug)]
pub struct Quantity {
    pub milli: i128,
    pub text: Text,
}

pub type Resources = BTreeMap<String, Quantity>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitType {
    Container,
    Pod,
    Other,
}

/// One `spec.limits` item. A map that is not written is `None` (Go's nil
/// map), one written empty is `Some` of nothing.
#[derive(Clone, Debug)]
pub struct LimitItem {
    pub kind: LimitType,
    /// The item's `type` key, else its first key: where to add a field.
    pub anchor: Span,
    pub min: Option<Resources>,
    pub max: Option<Resources>,
    pub default: Option<Resources>,
    pub default_request: Option<Resources>,
    pub max_limit_request_ratio: Option<Resources>,
}

impl LimitItem {
    fn from_node(node: &Node<'_>) -> Option<LimitItem> {
        let resources = |key: &str| -> Option<Resources> {
            let map = node.get(key).filter(|n| !n.is_null())?;
            Some(
                map.entries()
                    .iter()
                    .filter_map(|(k, v)| {
                        let text = Text::from_node(v)?;
                        Some((
                            k.as_str()?.to_owned(),
                            Quantity {
                                milli: parse_quantity(&text.value)?,
                                text,
                            },
                        ))
                    })
                    .collect(),
            )
        };
        let kind = match node.get("type").and_then(Node::as_str) {
            Some("Container") => LimitType::Container,
            Some("Pod") => LimitType::Pod,
            _ => LimitType::Other,
        };
        let anchor = node
            .entry("type")
            .map(|(k, _)| k.span)
            .or_else(|| node.entries().first().map(|(k, _)| k.span))?;
        Some(LimitItem {
            kind,
            anchor,
            min: resources("min"),
            max: resources("max"),
            default: resources("default"),
            default_request: resources("defaultRequest"),
            max_limit_request_ratio: resources("maxLimitRequestRatio"),
        })
    }

    /// `default` and `defaultRequest` as the API server stores them for a
    /// Container item: a missing default limit is `max`, a missing default
    /// request is the default limit, else `min`.
    pub fn stored_defaults(&self) -> (Resources, Resources) {
        let mut limits = self.default.clone().unwrap_or_default();
        let mut requests = self.default_request.clone().unwrap_or_default();
        if self.kind != LimitType::Container {
            return (BTreeMap::new(), BTreeMap::new());
        }
        for (k, v) in self.max.iter().flatten() {
            limits.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &limits {
            requests.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in self.min.iter().flatten() {
            requests.entry(k.clone()).or_insert_with(|| v.clone());
        }
        (limits, requests)
    }
}

#[derive(Clone, Debug, Default)]
pub struct LimitRange {
    pub items: Vec<LimitItem>,
}

impl LimitRange {
    pub fn from_node(node: &Node<'_>) -> LimitRange {
        LimitRange {
            items: node
                .at(&["spec", "limits"])
                .map_or(&[][..], Node::items)
                .iter()
                .filter_map(LimitItem::from_node)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_chunk};

    #[test]
    fn reads_quantities_in_thousandths_rounded_up() {
        assert_eq!(parse_quantity("100m"), Some(100));
        assert_eq!(parse_quantity("1"), Some(1000));
        assert_eq!(parse_quantity("0.5"), Some(500));
        assert_eq!(parse_quantity("1Gi"), Some(1_073_741_824_000));
        assert_eq!(parse_quantity("512Mi"), Some(536_870_912_000));
        assert_eq!(parse_quantity("1G"), Some(1_000_000_000_000));
        assert_eq!(parse_quantity("1e3"), Some(1_000_000));
        assert_eq!(parse_quantity("1500u"), Some(2));
        assert_eq!(parse_quantity("2k"), Some(2_000_000));
        assert_eq!(parse_quantity(".5"), Some(500));
        assert_eq!(parse_quantity("abc"), None);
        assert_eq!(parse_quantity(""), None);
        assert_eq!(parse_quantity("1Qi"), None);
        assert_eq!(parse_quantity("99999999999999999999999999999999Ei"), None);
    }

    #[test]
    fn keeps_unwritten_and_empty_maps_apart_and_defaults_as_stored() {
        let text = "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: l\nspec:\n  limits:\n  - type: Container\n    max:\n      cpu: \"2\"\n    min: {}\n  - type: Pod\n    maxLimitRequestRatio:\n      cpu: 4\n";
        let parsed = parse_chunk(text, 1, Limits::default());
        let range = LimitRange::from_node(&parsed.documents[0]);
        let [container, pod] = range.items.as_slice() else {
            panic!("two items expected");
        };
        assert_eq!(container.kind, LimitType::Container);
        assert!(container.min.as_ref().is_some_and(BTreeMap::is_empty));
        assert!(pod.min.is_none());
        assert_eq!(pod.anchor.start.line, 11);
        let (limits, requests) = container.stored_defaults();
        assert_eq!(limits.get("cpu").map(|q| q.milli), Some(2000));
        assert_eq!(requests.get("cpu").map(|q| q.milli), Some(2000));
        assert_eq!(
            pod.max_limit_request_ratio
                .as_ref()
                .and_then(|r| r.get("cpu"))
                .map(|q| q.milli),
            Some(4000)
        );
    }
}
