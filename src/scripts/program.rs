//! A program's source (Go, Python, JavaScript, TypeScript, Ruby: `super::is_program`)
//! read as the commands it runs, so the readers of shell commands can read
//! it too (`render::unrestricted`: a `kustomize build --load-restrictor
//! LoadRestrictionsNone` a tool of the repository runs).
//!
//! The program is not parsed: its string literals are its words (a
//! literal's own spaces split it, adjacent literals and those joined by `+`
//! are one word, as Python's `"kustomize build " "../x"` is one string), a
//! name outside a literal is a variable (`path` is `$path`, a value not
//! known, as a shell variable), a format field in a literal (`{name}`,
//! `%s`) is one too, and a call's or a list's arguments over several lines
//! are one line. Comments are dropped.

/// `text` as shell-like commands, one statement a line (see the module).
pub fn as_commands(text: &str, name: &str) -> String {
    let hash_comments = [".py", ".rb"].iter().any(|s| name.ends_with(s));
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    // Per open bracket, whether a newline inside it continues the line: a
    // call's `(`, a list's `[`, a composite literal's `{` (`[]string{`),
    // not a block's `{` (`func f() {`, `if x {`).
    let mut joins: Vec<bool> = Vec::new();
    let mut prev = ' ';
    // The last thing written was a literal, and only spaces or `+` since.
    let mut joining = false;
    while let Some(c) = chars.next() {
        // The character just before `c` (gofmt writes `T{` for a composite
        // literal, `if x {` for a block).
        let before = std::mem::replace(&mut prev, c);
        match c {
            '"' | '\'' | '`' => {
                let triple = c != '`' && chars.peek() == Some(&c) && {
                    let mut ahead = chars.clone();
                    ahead.next();
                    ahead.peek() == Some(&c)
                };
                if triple {
                    chars.next();
                    chars.next();
                } else if chars.peek() == Some(&c) {
                    // An empty literal.
                    chars.next();
                    continue;
                }
                if !joining {
                    out.push(' ');
                }
                literal(&mut chars, c, triple, &mut out);
                joining = true;
                continue;
            }
            '#' if hash_comments => skip_line(&mut chars),
            '/' if !hash_comments && chars.peek() == Some(&'/') => skip_line(&mut chars),
            '/' if !hash_comments && chars.peek() == Some(&'*') => skip_block(&mut chars),
            '(' | '[' => joins.push(true),
            '{' => {
                let literal = before.is_alphanumeric() || before == '_' || before == ']';
                joins.push(literal);
                if !literal {
                    out.push('\n');
                }
            }
            ')' | ']' => {
                joins.pop();
            }
            '}' => {
                if joins.pop() != Some(true) {
                    out.push('\n');
                }
            }
            '\n' if joins.last() != Some(&true) => out.push('\n'),
            ';' => out.push('\n'),
            c if c.is_alphanumeric() || c == '_' || c == '.' => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if !(next.is_alphanumeric() || next == '_' || next == '.') {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                // A literal's prefix (Python's `f"…"`, `r'…'`) is no name.
                let prefix = word.len() <= 2
                    && word.chars().all(|c| "fFrRbBuU".contains(c))
                    && chars.peek().is_some_and(|n| *n == '"' || *n == '\'');
                if !prefix {
                    out.push_str(" $");
                    out.push_str(&word);
                }
            }
            '+' | ' ' | '\t' | '\r' | '\n' => {
                // Between two literals it joins them.
                if !joining {
                    out.push(' ');
                }
                continue;
            }
            _ => out.push(' '),
        }
        joining = false;
    }
    out
}

/// Copies a literal opened by `quote` (its opening quote read) to `out`, a
/// format field (`{name}`, `%s`) written `$name`, `$s`.
fn literal(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    quote: char,
    triple: bool,
    out: &mut String,
) {
    let raw = quote == '`';
    while let Some(c) = chars.next() {
        match c {
            '\\' if !raw => {
                chars.next();
            }
            c if c == quote => {
                if !triple {
                    return;
                }
                let mut ahead = chars.clone();
                if ahead.next() == Some(quote) && ahead.next() == Some(quote) {
                    chars.next();
                    chars.next();
                    return;
                }
                out.push(c);
            }
            '\n' if !triple && !raw => return,
            '{' if chars.peek().is_some_and(|n| n.is_alphabetic() || *n == '_') => {
                out.push_str("${");
            }
            '%' if chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) => out.push('$'),
            c => out.push(c),
        }
    }
}

fn skip_line(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while chars.peek().is_some_and(|c| *c != '\n') {
        chars.next();
    }
}

fn skip_block(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    let mut star = false;
    for c in chars.by_ref() {
        if star && c == '/' {
            return;
        }
        star = c == '*';
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, name: &str) -> Vec<Vec<String>> {
        as_commands(text, name)
            .lines()
            .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .filter(|w| !w.is_empty())
            .collect()
    }

    #[test]
    fn a_python_command_split_over_literals_is_one_line() {
        let py = "def gen(config):\n    cmd = (\n        \"kustomize build \"\n        \"--load-restrictor LoadRestrictionsNone \"  # lifted\n        \"../manifests/{strategy_name}\".format(strategy_name=config[\"s\"])\n    )\n";
        let lines = words(py, "tools/bundle.py");
        assert!(lines.iter().any(|l| l.join(" ").contains(
            "$cmd kustomize build --load-restrictor LoadRestrictionsNone ../manifests/${strategy_name}"
        )), "{lines:?}");
        assert!(!as_commands(py, "tools/bundle.py").contains("lifted"));
    }

    #[test]
    fn a_go_call_names_its_variables() {
        let go = "// kustomize build here\nfunc t(path string) {\n\tcmd := exec.CommandContext(ctx,\n\t\tkustomizePath,\n\t\t\"build\",\n\t\tpath,\n\t\t\"--load-restrictor=LoadRestrictionsNone\",\n\t)\n}\n";
        let text = as_commands(go, "main.go")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains("$kustomizePath build $path --load-restrictor=LoadRestrictionsNone"),
            "{text}"
        );
        assert!(!text.contains("here"));
        let sprintf = as_commands("p := \"./obs/%s/\" + `x`\n", "a.go");
        assert!(sprintf.contains("./obs/$s/x"), "{sprintf}");
    }

    #[test]
    fn unterminated_input_ends_cleanly() {
        for text in ["\"abc", "'''abc", "`abc", "/* abc", "x = \"\\", "f'", "{{{"] {
            let _ = as_commands(text, "a.py");
            let _ = as_commands(text, "a.go");
        }
    }
}
