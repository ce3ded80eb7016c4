//! The MigrationController CR (`migration.openshift.io/v1alpha1`).
//!
//! Its CRD has no schema: the ansible operator converts every `spec` key to
//! snake_case (operator-sdk `paramconv.ToSnake`, docs/domain.md §2) and ignores what
//! it does not know. So a setting is identified by its snake_case name, and each
//! keeps the key as written for locations and did-you-mean messages.

use crate::snake_case::to_snake;
use crate::yaml::{Node, Span};

use super::Text;

#[derive(Clone, Debug)]
pub struct Setting {
    /// The key as written (`noProxy`, `no_proxy`, `HTTPS_PROXY`).
    pub key: Text,
    /// What the operator turns it into (`no_proxy`, `_https_proxy`).
    pub snake: String,
    pub value: Node<'static>,
}

impl Setting {
    pub fn text(&self) -> Option<Text> {
        Text::from_node(&self.value)
    }
}

#[derive(Clone, Debug, Default)]
pub struct MigrationController {
    /// Span of the `spec` key (where findings about absent settings point).
    pub spec_key: Option<Span>,
    /// Every `spec` entry, in file order.
    pub settings: Vec<Setting>,
}

impl MigrationController {
    pub fn from_node(node: &Node<'_>) -> MigrationController {
        let Some((spec_key, spec)) = node.entry("spec") else {
            return MigrationController::default();
        };
        let settings = spec
            .entries()
            .iter()
            .filter_map(|(k, v)| {
                let key = Text::from_node(k)?;
                Some(Setting {
                    snake: to_snake(&key.value),
                    key,
                    value: v.to_owned_node(),
                })
            })
            .collect();
        MigrationController {
            spec_key: Some(spec_key.span),
            settings,
        }
    }

    /// The setting the operator reads as `snake` (the first spelling written;
    /// DVM404 reports the others, since which one wins is undefined).
    pub fn setting(&self, snake: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.snake == snake)
    }

    /// A string setting, ignoring empty values (`""` means unset to the operator).
    pub fn text(&self, snake: &str) -> Option<Text> {
        self.setting(snake)?.text().filter(|t| !t.value.is_empty())
    }

    pub fn flag(&self, snake: &str) -> Option<bool> {
        self.setting(snake)?.value.as_bool()
    }
}
