//! Findings raised while reading input (DVM001–DVM003).

pub mod template_file;
pub mod unreadable_input;
pub mod unrendered_template;
pub mod yaml_syntax;
