//! The paths a script's commands write: a redirection's target (`> file`,
//! `>> file`, `&> file`), the files of `tee` and `sponge`, the folders of
//! `mkdir` and the files of `touch`, the destination of `cp`, `mv`,
//! `install`, `ln`, `rsync`, `scp` and `git clone`, the folder `tar -x` and
//! `unzip` extract into, an output option's value (`-o`, `--output`,
//! `--output-dir`, `--out`, curl's `-sLo`, wget's `-O`…), the folder a
//! `kustomize create` runs in (`cd dir && kustomize create`), and a
//! Makefile's targets. Read to tell a script that makes a file from one that
//! only reads it: `kustomize build dir | oc apply -f -`, `oc apply -k dir`,
//! `cat file`, `< file`, `sed -i … file` (which edits a file that must be
//! there) write none of their operands. `render::kustomize` asks it which
//! script makes a resource a build misses.
//!
//! A path named through a variable the script sets counts as the variable's
//! value (`MANIFEST="${DIR}/common/manifest.yaml"` … `helm template … >
//! $MANIFEST`; a Makefile's `OUT := …` … `> $(OUT)`). What a program of the
//! repository does with an operand (`./hack/gen.sh deploy/x.yaml`, `bash
//! scripts/make-secret.sh config/secret.yaml`) is not known: each operand may
//! be what it makes, and counts as written (a DVM002 that says so costs less
//! than a false DVM004); a known program that reads its operands (`kustomize
//! build`, `oc apply`, `cat`) writes none.

/// A path a command of a script writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    /// The line of the script the path is written on, from 1.
    pub line: u32,
    /// How the command writes it, as written (`> ./deploy/x.yaml`,
    /// `tee all.yaml`, `cp … dest/`), cut to 160 bytes.
    pub shown: String,
    /// The path as written, quotes removed, then the same with the
    /// variables the script sets replaced by their values (at most 16).
    pub paths: Vec<String>,
}

/// Whether `path`, a path a script writes, names `needle` (a path from the
/// project, or `/folder/name`): it holds the needle at a path boundary
/// (after a `/`, or at its start; before a `/` or at its end). A folder
/// written is named by a file's path below it too (`> dir/x.yaml` makes
/// `dir`).
pub fn path_names(path: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    path.match_indices(needle).any(|(at, _)| {
        let before = path.get(..at).and_then(|b| b.chars().next_back());
        let after = path.get(at + needle.len()..).and_then(|a| a.chars().next());
        (needle.starts_with('/') || before.is_none_or(|c| c == '/'))
            && after.is_none_or(|c| c == '/')
    })
}

/// The paths the commands of `text`, a shell script or (`makefile`) a
/// Makefile, write, in the order of the script. A continued line (`\` at
/// its end) is read as one; comments and here-documents' bodies are no
/// commands.
pub fn writes(text: &str, makefile: bool) -> Vec<Write> {
    // Same length as the text, so an offset is one of the text.
    let joined = text.replace("\\\r\n", "   ").replace("\\\n", "  ");
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', text.as_bytes()).collect();
    let line_of = |at: usize| {
        let line = newlines.partition_point(|&n| n < at) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    };
    let mut found: Vec<(usize, String, String)> = Vec::new();
    let mut variables: Vec<(String, String)> = Vec::new();
    // The folder of the latest `cd` (a shell script's lasts to its end, a
    // Makefile recipe's to the end of its line).
    let mut cd: Option<(String, usize)> = None;
    // The here-documents' ends still to skip to, and whether their lines
    // may be indented with tabs (`<<-`).
    let mut here: Vec<(String, bool)> = Vec::new();
    let mut offset = 0;
    for line in joined.split('\n') {
        let at = offset;
        offset += line.len() + 1;
        if let Some((end, tabs)) = here.first() {
            let body = if *tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if body.trim_end_matches('\r') == end {
                here.remove(0);
            }
            continue;
        }
        let shell = if makefile {
            cd = None;
            match make_line(line) {
                MakeLine::Recipe(recipe) => Some((recipe, at + (line.len() - recipe.len()))),
                MakeLine::Assignment(name, value) => {
                    variables.push((name.to_owned(), unquoted(value)));
                    None
                }
                MakeLine::Rule(targets, recipe) => {
                    for (target, start) in targets {
                        found.push((at + start, format!("{target}:"), target.to_owned()));
                    }
                    recipe.map(|(recipe, start)| (recipe, at + start))
                }
                MakeLine::Other => None,
            }
        } else {
            Some((line, at))
        };
        let Some((shell, at)) = shell else { continue };
        for command in commands(&tokens(shell, at)) {
            for (name, value) in &command.assignments {
                variables.push((name.clone(), value.clone()));
            }
            if let Some(end) = &command.here {
                here.push(end.clone());
            }
            for (how, path, at) in command.redirections {
                found.push((at, format!("{how} {path}"), path));
            }
            let Some((name, args)) = program_of(&command.words, makefile) else {
                continue;
            };
            if matches!(name.as_str(), "cd" | "pushd") {
                cd = args.first().map(|(dir, at)| (dir.clone(), *at));
                continue;
            }
            if name == "kustomize"
                && args
                    .first()
                    .is_some_and(|(sub, _)| matches!(sub.as_str(), "create" | "init"))
                && let Some((dir, at)) = &cd
            {
                found.push((*at, format!("cd {dir} && kustomize create"), dir.clone()));
            }
            found.extend(
                program_writes(&name, args)
                    .into_iter()
                    .map(|(how, path, at)| (at, how, path)),
            );
        }
    }
    found
        .into_iter()
        .filter(|(_, _, path)| !path.is_empty() && path != "-")
        .map(|(at, shown, path)| Write {
            line: line_of(at),
            shown: cut(&shown, 160),
            paths: expansions(&path, &variables),
        })
        .collect()
}

/// A Makefile's line, by what it is.
enum MakeLine<'l> {
    /// A recipe line (after its tab), run by the shell.
    Recipe(&'l str),
    /// `NAME := value` (`=`, `?=`, `+=`, `::=`, `!=`; after `export` or
    /// `override`).
    Assignment(&'l str, &'l str),
    /// `targets: prerequisites`, each target with its offset in the line,
    /// and the recipe written after a `;` with its offset.
    Rule(Vec<(&'l str, usize)>, Option<(&'l str, usize)>),
    /// A directive, a blank or a comment.
    Other,
}

fn make_line(line: &str) -> MakeLine<'_> {
    if let Some(recipe) = line.strip_prefix('\t') {
        return MakeLine::Recipe(recipe);
    }
    let code = super::code_of(line);
    let trimmed = code.trim_start();
    let bare = ["export ", "override "]
        .iter()
        .find_map(|word| trimmed.strip_prefix(word))
        .unwrap_or(trimmed);
    if let Some(eq) = bare.find('=') {
        let head = bare.get(..eq).unwrap_or_default();
        let name = head.trim_end_matches([':', '?', '+', '!']).trim();
        if !name.is_empty()
            && !head.trim_end_matches([':', '?', '+', '!']).contains(':')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return MakeLine::Assignment(name, bare.get(eq + 1..).unwrap_or_default().trim());
        }
    }
    let Some(colon) = code.find(':') else {
        return MakeLine::Other;
    };
    let head = code.get(..colon).unwrap_or_default();
    if head.trim().is_empty() || head.contains(['=', '\t']) || head.trim_start().starts_with('.') {
        return MakeLine::Other;
    }
    let mut targets = Vec::new();
    let mut start = 0;
    for word in head.split(' ') {
        if !word.is_empty() {
            targets.push((word, start));
        }
        start += word.len() + 1;
    }
    let rest = code.get(colon + 1..).unwrap_or_default();
    let recipe = rest
        .find(';')
        .map(|semi| colon + 1 + semi + 1)
        .and_then(|at| Some((code.get(at..)?, at)));
    MakeLine::Rule(targets, recipe)
}

/// A token of a shell command line.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// A word, quotes removed, with its offset.
    Word(String, usize),
    /// `|`, `||`, `&&`, `;`, `&`, `(`, `)`: between two commands.
    Separator,
    /// A redirection writing the next word (`>`, `>>`, `>|`, `&>`, `2>`).
    WriteTo(&'static str),
    /// A redirection reading the next word (`<`, `<<<`, `<>`).
    ReadFrom,
    /// `>&`, `<&`: the next word is a descriptor.
    Duplicate,
    /// `<<`, `<<-` (`true`): the next word ends a here-document.
    Here(bool),
}

/// The tokens of `line` (a logical line of a script), offsets from `base`.
fn tokens(line: &str, base: usize) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut start: Option<usize> = None;
    let mut chars = line.char_indices().peekable();
    let flush = |word: &mut String, start: &mut Option<usize>, out: &mut Vec<Token>| {
        if let Some(at) = start.take() {
            out.push(Token::Word(std::mem::take(word), base + at));
        }
    };
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => flush(&mut word, &mut start, &mut out),
            '#' if start.is_none() => break,
            '\'' => {
                start.get_or_insert(i);
                for (_, c) in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                start.get_or_insert(i);
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some((_, next)) = chars.next() {
                                if !matches!(next, '"' | '\\' | '$' | '`') {
                                    word.push('\\');
                                }
                                word.push(next);
                            }
                        }
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                start.get_or_insert(i);
                if let Some((_, next)) = chars.next() {
                    word.push(next);
                }
            }
            '$' if chars.peek().is_some_and(|(_, c)| *c == '(') => {
                // `$(command)`, `$((arithmetic))`, a Makefile's `$(VAR)`:
                // part of the word, to its closing parenthesis.
                start.get_or_insert(i);
                word.push('$');
                let mut depth = 0usize;
                for (_, c) in chars.by_ref() {
                    word.push(c);
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            // `$@`, `$<`, `$^`, `$?`, `$*`: a Makefile's automatic variables
            // (and the shell's special parameters), part of the word.
            '$' if chars.peek().is_some_and(|(_, c)| {
                matches!(c, '@' | '<' | '^' | '?' | '*' | '%' | '+' | '!' | '#')
            }) =>
            {
                start.get_or_insert(i);
                word.push('$');
                if let Some((_, next)) = chars.next() {
                    word.push(next);
                }
            }
            '`' => {
                start.get_or_insert(i);
                word.push('`');
                for (_, c) in chars.by_ref() {
                    word.push(c);
                    if c == '`' {
                        break;
                    }
                }
            }
            '|' | ';' | '(' | ')' => {
                flush(&mut word, &mut start, &mut out);
                if matches!(c, '|' | ';') && chars.peek().is_some_and(|(_, n)| *n == c || *n == '&')
                {
                    chars.next();
                }
                out.push(Token::Separator);
            }
            '&' => {
                flush(&mut word, &mut start, &mut out);
                match chars.peek().map(|(_, n)| *n) {
                    Some('>') => {
                        chars.next();
                        let append = chars.peek().is_some_and(|(_, n)| *n == '>');
                        if append {
                            chars.next();
                        }
                        out.push(Token::WriteTo(if append { "&>>" } else { "&>" }));
                    }
                    Some('&') => {
                        chars.next();
                        out.push(Token::Separator);
                    }
                    _ => out.push(Token::Separator),
                }
            }
            '>' | '<' => {
                // A descriptor's number just before it (`2>`) is no word.
                if start.is_some() && !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
                    word.clear();
                    start = None;
                } else {
                    flush(&mut word, &mut start, &mut out);
                }
                let next = chars.peek().map(|(_, n)| *n);
                let token = match (c, next) {
                    // Process substitution: `<(cmd)`, `>(tee file)`.
                    (_, Some('(')) => Token::Separator,
                    ('>', Some('>')) => {
                        chars.next();
                        Token::WriteTo(">>")
                    }
                    ('>', Some('|')) => {
                        chars.next();
                        Token::WriteTo(">|")
                    }
                    (_, Some('&')) => {
                        chars.next();
                        Token::Duplicate
                    }
                    ('>', _) => Token::WriteTo(">"),
                    ('<', Some('<')) => {
                        chars.next();
                        match chars.peek().map(|(_, n)| *n) {
                            Some('<') => {
                                chars.next();
                                Token::ReadFrom
                            }
                            Some('-') => {
                                chars.next();
                                Token::Here(true)
                            }
                            _ => Token::Here(false),
                        }
                    }
                    ('<', Some('>')) => {
                        chars.next();
                        Token::ReadFrom
                    }
                    _ => Token::ReadFrom,
                };
                out.push(token);
            }
            c => {
                start.get_or_insert(i);
                word.push(c);
            }
        }
    }
    flush(&mut word, &mut start, &mut out);
    out
}

/// One simple command of a line.
#[derive(Debug, Default)]
struct Command {
    /// Its words (after the assignments that open it), with their offsets.
    words: Vec<(String, usize)>,
    /// The variables it sets (`NAME=value` opening it, or after `export`,
    /// `local`, `readonly`, `declare`).
    assignments: Vec<(String, String)>,
    /// What its redirections write: (the redirection, the path, its offset).
    redirections: Vec<(&'static str, String, usize)>,
    /// The end of a here-document it opens, and whether tabs indent it.
    here: Option<(String, bool)>,
}

/// The simple commands of a line's `tokens`.
fn commands(tokens: &[Token]) -> Vec<Command> {
    let mut out = Vec::new();
    let mut command = Command::default();
    let mut tokens = tokens.iter();
    while let Some(token) = tokens.next() {
        match token {
            Token::Separator => out.push(std::mem::take(&mut command)),
            Token::WriteTo(how) => {
                if let Some(Token::Word(path, at)) = tokens.next() {
                    command.redirections.push((how, path.clone(), *at));
                }
            }
            Token::ReadFrom | Token::Duplicate => {
                tokens.next();
            }
            Token::Here(tabs) => {
                if let Some(Token::Word(end, _)) = tokens.next() {
                    command.here = Some((end.clone(), *tabs));
                }
            }
            Token::Word(word, at) => {
                let opening = command.words.is_empty()
                    || command.words.first().is_some_and(|(first, _)| {
                        matches!(
                            first.as_str(),
                            "export" | "local" | "readonly" | "declare" | "typeset"
                        )
                    });
                match assignment(word).filter(|_| opening) {
                    Some((name, value)) => command.assignments.push((name, value)),
                    None => command.words.push((word.clone(), *at)),
                }
            }
        }
    }
    out.push(command);
    out.retain(|c| !c.words.is_empty() || !c.assignments.is_empty() || !c.redirections.is_empty());
    out
}

/// `NAME=value`: the name and the value.
fn assignment(word: &str) -> Option<(String, String)> {
    let (name, value) = word.split_once('=')?;
    let is_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_name.then(|| (name.to_owned(), value.to_owned()))
}

/// The program a command's `words` run, by its name (`/usr/bin/env kustomize`
/// is `kustomize`, `$(KUSTOMIZE)` is `kustomize`), and its arguments; the
/// shell's keywords and the wrappers that run a program (`sudo`, `env`,
/// `command`, `exec`, `time`, `nohup`) passed over.
fn program_of(words: &[(String, usize)], makefile: bool) -> Option<(String, &[(String, usize)])> {
    let mut words = words;
    loop {
        let ((first, _), rest) = words.split_first()?;
        let first = if makefile {
            first.trim_start_matches(['@', '-', '+'])
        } else {
            first.as_str()
        };
        let name = first.rsplit('/').next().unwrap_or(first);
        // `$(KUSTOMIZE)`, `${HELM}`, `$KUBECTL`: the tool a variable names.
        let name = name
            .strip_prefix("$(")
            .and_then(|n| n.strip_suffix(')'))
            .or_else(|| name.strip_prefix("${").and_then(|n| n.strip_suffix('}')))
            .or_else(|| name.strip_prefix('$'))
            .map_or_else(|| name.to_owned(), str::to_ascii_lowercase);
        match name.as_str() {
            // A recipe line's `@` or `-` alone.
            "" => words = rest,
            "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "{" | "time"
            | "nohup" | "exec" | "command" | "builtin" => words = rest,
            "sudo" | "env" => {
                // Their options and (env's) assignments, then the program.
                let skip = rest
                    .iter()
                    .take_while(|(w, _)| w.starts_with('-') || w.contains('='))
                    .count();
                words = rest.get(skip..)?;
            }
            _ => return Some((name, rest)),
        }
    }
}

/// Options of any program whose value is a file or folder it writes.
const OUTPUT_OPTIONS: [&str; 12] = [
    "-o",
    "--output",
    "--out",
    "-out",
    "--outfile",
    "--out-file",
    "--output-file",
    "--output-dir",
    "--output-directory",
    "--output-document",
    "--untardir",
    "--sealed-secret-file",
];

/// What the program `name` writes of its `args`: (how, path, offset).
fn program_writes(name: &str, args: &[(String, usize)]) -> Vec<(String, String, usize)> {
    let operands = || {
        args.iter()
            .filter(|(w, _)| !w.starts_with('-') || w == "-")
            .collect::<Vec<_>>()
    };
    let mut out: Vec<(String, String, usize)> = Vec::new();
    let mut option_value = |flags: &[&str], short_cluster: Option<char>| {
        let mut words = args.iter().peekable();
        while let Some((word, at)) = words.next() {
            if let Some((flag, value)) = word.split_once('=')
                && flags.contains(&flag)
            {
                out.push((format!("{flag}={value}"), value.to_owned(), *at));
                continue;
            }
            let cluster = short_cluster.is_some_and(|last| {
                word.len() > 2
                    && !word.starts_with("--")
                    && word.starts_with('-')
                    && word.ends_with(last)
                    && word.chars().skip(1).all(|c| c.is_ascii_alphabetic())
            });
            if (flags.contains(&word.as_str()) || cluster)
                && let Some((value, at)) = words.next()
            {
                out.push((format!("{word} {value}"), value.clone(), *at));
            }
        }
    };
    match name {
        "tee" | "sponge" | "mkdir" | "touch" => {
            let values: &[&str] = if name == "mkdir" {
                &["-m", "--mode"]
            } else {
                &[]
            };
            let mut words = args.iter();
            while let Some((word, at)) = words.next() {
                if values.contains(&word.as_str()) {
                    words.next();
                } else if !word.starts_with('-') {
                    out.push((format!("{name} {word}"), word.clone(), *at));
                }
            }
        }
        "cp" | "mv" | "install" | "ln" | "rsync" | "scp" => {
            option_value(&["-t", "--target-directory"], None);
            if out.is_empty()
                && let [_, .., (last, at)] = operands().as_slice()
            {
                out.push((format!("{name} … {last}"), last.clone(), *at));
            }
        }
        "git" => {
            let operands = operands();
            if operands.first().is_some_and(|(w, _)| w == "clone")
                && let [_, _, .., (last, at)] = operands.as_slice()
            {
                out.push((format!("git clone … {last}"), last.clone(), *at));
            }
        }
        "tar" | "unzip" => {
            // `tar xzf`, `tar -xzf`, `tar -C dir -xf`, `tar --extract`.
            let mode = |w: &str| {
                let letters = w.strip_prefix('-').unwrap_or(w);
                !w.starts_with("--")
                    && !letters.is_empty()
                    && letters.chars().all(|c| c.is_ascii_alphabetic())
                    && letters.contains('x')
            };
            let extracts = name == "unzip"
                || args.first().is_some_and(|(w, _)| mode(w))
                || args.iter().any(|(w, _)| {
                    w == "--extract" || w == "--get" || (w.starts_with('-') && mode(w))
                });
            if extracts {
                let flags: &[&str] = if name == "tar" {
                    &["-C", "--directory"]
                } else {
                    &["-d"]
                };
                option_value(flags, None);
            }
        }
        "curl" => option_value(&["-o", "--output", "--output-dir"], Some('o')),
        "wget" => option_value(
            &["-O", "--output-document", "-P", "--directory-prefix"],
            Some('O'),
        ),
        // `-o` is their output's format; `kubectl kustomize -o` writes a
        // file, `oc extract --to` a folder.
        "kubectl" | "oc" => match args.first().map(|(sub, _)| sub.as_str()) {
            Some("kustomize") => option_value(&["-o", "--output"], None),
            _ if args.iter().any(|(w, _)| w == "extract") => option_value(&["--to"], None),
            _ => {}
        },
        // `-o` is the format of `helm list`; `-d` the folder of `helm pull`
        // and `helm package`.
        "helm" => option_value(&["--output-dir", "-d", "--destination", "--untardir"], None),
        "jsonnet" => option_value(&["-o", "--output-file", "-m", "--multi"], None),
        "dd" => {
            for (word, at) in args {
                if let Some(path) = word.strip_prefix("of=") {
                    out.push((word.clone(), path.to_owned(), *at));
                }
            }
        }
        "controller-gen" => {
            // `output:crd:artifacts:config=config/crd/bases`, `output:dir=…`.
            for (word, at) in args {
                if word.starts_with("output:")
                    && let Some((_, path)) = word.split_once('=')
                {
                    out.push((word.clone(), path.to_owned(), *at));
                }
            }
        }
        _ => {
            option_value(&OUTPUT_OPTIONS, None);
            if out.is_empty() && repository_program(name, args) {
                for (word, at) in operands() {
                    out.push((format!("{name} … {word}"), word.clone(), *at));
                }
            }
        }
    }
    out
}

/// Whether the program `name` (with `args`) is a script of the repository
/// (`./hack/gen.sh`, `bash scripts/make.sh`, `python3 tools/render.py`),
/// whose use of its operands is unknown.
fn repository_program(name: &str, args: &[(String, usize)]) -> bool {
    let script = |word: &str| {
        [".sh", ".bash", ".py"]
            .iter()
            .any(|suffix| word.len() > suffix.len() && word.ends_with(suffix))
    };
    script(name)
        || (matches!(name, "bash" | "sh" | "zsh" | "python" | "python3")
            && args.first().is_some_and(|(word, _)| script(word)))
}

/// `path` as written, then with each variable of `variables` (a script's
/// settings in order, a name possibly set more than once) replaced by each
/// of its values: `$NAME`, `${NAME}`, `$(NAME)` (a Makefile's), `$$NAME`
/// (a recipe's shell variable), `${NAME:-default}` (its values and the
/// default). At most 16, four levels deep.
fn expansions(path: &str, variables: &[(String, String)]) -> Vec<String> {
    let mut out = vec![path.to_owned()];
    let mut next = vec![path.to_owned()];
    for _ in 0..4 {
        let mut expanded = Vec::new();
        for text in &next {
            // The first reference to a variable the script sets, or with a
            // default.
            let Some((reference, values)) = references(text).into_iter().find_map(|r| {
                let values: Vec<&str> = variables
                    .iter()
                    .filter(|(name, _)| *name == r.name)
                    .map(|(_, value)| value.as_str())
                    .chain(r.default)
                    .collect();
                (!values.is_empty()).then_some((r, values))
            }) else {
                continue;
            };
            let (Some(head), Some(tail)) = (text.get(..reference.start), text.get(reference.end..))
            else {
                continue;
            };
            expanded.extend(values.iter().map(|value| format!("{head}{value}{tail}")));
        }
        expanded.retain(|text| !out.contains(text));
        expanded.dedup();
        expanded.truncate(16usize.saturating_sub(out.len()));
        if expanded.is_empty() {
            break;
        }
        out.extend(expanded.iter().cloned());
        next = expanded;
    }
    out
}

/// A reference to a variable in a script's word.
#[derive(Debug, PartialEq, Eq)]
struct Reference<'t> {
    start: usize,
    end: usize,
    name: &'t str,
    /// `${NAME:-default}`'s (or `:=`'s) default.
    default: Option<&'t str>,
}

/// The references to variables in `text`, in order.
fn references(text: &str) -> Vec<Reference<'_>> {
    let name_len = |s: &str| {
        s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find('$')) {
        let start = from + found;
        // `$$NAME`: a recipe's shell variable, written for make.
        let skip = usize::from(text.get(start + 1..).is_some_and(|r| r.starts_with('$')));
        let body = start + 1 + skip;
        from = body;
        let Some(rest) = text.get(body..) else { break };
        let close = match rest.chars().next() {
            Some('{') => '}',
            Some('(') => ')',
            _ => {
                let len = name_len(rest);
                if len > 0 && rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                    out.push(Reference {
                        start,
                        end: body + len,
                        name: rest.get(..len).unwrap_or_default(),
                        default: None,
                    });
                    from = body + len;
                }
                continue;
            }
        };
        let inner = rest.get(1..).unwrap_or_default();
        let len = name_len(inner);
        let (Some(name), Some(after)) = (inner.get(..len), inner.get(len..)) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        if after.starts_with(close) {
            out.push(Reference {
                start,
                end: body + 1 + len + 1,
                name,
                default: None,
            });
        } else if close == '}'
            && let Some(default) = after
                .strip_prefix(":-")
                .or_else(|| after.strip_prefix(":="))
            && let Some(stop) = default.find('}')
        {
            out.push(Reference {
                start,
                end: body + 1 + len + 2 + stop + 1,
                name,
                default: default.get(..stop),
            });
        }
    }
    out
}

/// A value as a Makefile writes it, quotes around it removed.
fn unquoted(value: &str) -> String {
    let value = value.trim();
    ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
        .unwrap_or(value)
        .to_owned()
}

/// `text` cut to at most `max` bytes at a character boundary, `…` after a cut.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text.get(..end).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paths (as written) `text` writes, with their lines.
    fn written(text: &str, makefile: bool) -> Vec<(u32, String)> {
        writes(text, makefile)
            .into_iter()
            .map(|w| (w.line, w.paths.first().cloned().unwrap_or_default()))
            .collect()
    }

    fn names(text: &str, makefile: bool, needle: &str) -> bool {
        writes(text, makefile)
            .iter()
            .any(|w| w.paths.iter().any(|p| path_names(p, needle)))
    }

    #[test]
    fn operands_of_the_repositorys_own_programs_may_be_what_they_make() {
        let text = "./hack/gen-secret.sh config/secret.yaml\nbash scripts/render.sh --env dev out/app.yaml\npython3 tools/make.py deploy/x.yaml\n";
        assert!(names(text, false, "config/secret.yaml"));
        assert!(names(text, false, "out/app.yaml"));
        assert!(names(text, false, "deploy/x.yaml"));
        // Known readers stay readers.
        assert!(!names(
            "kubectl apply -f config/secret.yaml\n",
            false,
            "config/secret.yaml"
        ));
    }

    #[test]
    fn reading_commands_write_nothing() {
        for script in [
            "kustomize build components/auth/oauth/overlays/htpasswd | oc apply -f -",
            "/usr/bin/env kustomize build deploy/app | oc apply -f -",
            "oc apply -k deploy/app\nkubectl apply -k deploy/app\nkubectl apply -f deploy/app/x.yaml",
            "kubectl kustomize deploy/app\nkubectl diff -k deploy/app\noc create -f deploy/app/x.yaml",
            "cat deploy/app/x.yaml | kubectl apply -f -",
            "kubectl apply -f - < deploy/app/x.yaml",
            "sed -i 's/a/b/' deploy/app/x.yaml\nyq -i '.a = 1' deploy/app/x.yaml",
            "cp deploy/app/x.yaml /tmp/\nrm -f deploy/app/x.yaml",
            "echo \"apply deploy/app/x.yaml\"  # > deploy/app/x.yaml",
            "test -f deploy/app/x.yaml || exit 1\n[ -d deploy/app ] && cd deploy/app",
            "kubectl get cm -o yaml 2>&1 >&2",
        ] {
            assert!(!names(script, false, "deploy/app"), "{script}");
            assert!(!names(script, false, "/overlays/htpasswd"), "{script}");
        }
    }

    #[test]
    fn writing_commands_write_their_targets() {
        let script = "\
sed \"s/x/y/g\" ./deploy/a.yaml.in > ./deploy/a.yaml
helm template web ./chart >> deploy/b.yaml
kustomize build deploy/base | tee -a deploy/c.yaml deploy/d.yaml
mkdir -p deploy/e && touch deploy/e/.keep
cp -r templates/f deploy/f
install -m 0644 -D x deploy/g.yaml
kustomize build deploy/base -o deploy/h.yaml
helm template web ./chart --output-dir=deploy/i
curl -sLo deploy/j.yaml https://example.test/j.yaml
wget -qO deploy/k.yaml https://example.test/k.yaml
tar xzf vendor.tgz -C deploy/l
git clone --depth 1 https://example.test/m.git deploy/m
(cd deploy/n && kustomize create --autodetect)
cat <<EOF > deploy/o.yaml
kind: ConfigMap
> deploy/not-a-command.yaml
EOF
kubectl create secret generic p --dry-run=client -o yaml &> deploy/p.yaml
";
        assert_eq!(
            written(script, false),
            [
                (1, "./deploy/a.yaml".to_owned()),
                (2, "deploy/b.yaml".to_owned()),
                (3, "deploy/c.yaml".to_owned()),
                (3, "deploy/d.yaml".to_owned()),
                (4, "deploy/e".to_owned()),
                (4, "deploy/e/.keep".to_owned()),
                (5, "deploy/f".to_owned()),
                (6, "deploy/g.yaml".to_owned()),
                (7, "deploy/h.yaml".to_owned()),
                (8, "deploy/i".to_owned()),
                (9, "deploy/j.yaml".to_owned()),
                (10, "deploy/k.yaml".to_owned()),
                (11, "deploy/l".to_owned()),
                (12, "deploy/m".to_owned()),
                (13, "deploy/n".to_owned()),
                (14, "deploy/o.yaml".to_owned()),
                (18, "deploy/p.yaml".to_owned()),
            ]
        );
    }

    #[test]
    fn a_line_that_reads_one_path_and_writes_another_writes_only_the_second() {
        let script = "kustomize build deploy/base > deploy/all.yaml\n";
        assert!(names(script, false, "deploy/all.yaml"));
        assert!(!names(script, false, "deploy/base"));
        let script = "cp deploy/base/x.yaml deploy/copy/\n";
        assert!(names(script, false, "deploy/copy"));
        assert!(!names(script, false, "deploy/base/x.yaml"));
    }

    #[test]
    fn paths_named_through_variables_are_their_values() {
        let script = "\
DIR=$(cd $(dirname \"${BASH_SOURCE}\")/.. && pwd -P)
TEMPLATE_DIR=\"${DIR}/hack/manifest-templates\"
for TARGET in ${TARGETS}; do
  MANIFEST=\"${TEMPLATE_DIR}/common/manifest.yaml\" # intermediate manifest
  helm template ingress-nginx ${DIR}/charts/ingress-nginx \\
    --values values.yaml \\
    > $MANIFEST
done
OUT=${OUT:-deploy/gen}
kubectl kustomize deploy/base > \"$OUT/all.yaml\"
";
        let found = writes(script, false);
        assert_eq!(found.first().map(|w| w.line), Some(7));
        assert!(names(script, false, "/common/manifest.yaml"));
        assert!(names(
            script,
            false,
            "hack/manifest-templates/common/manifest.yaml"
        ));
        assert!(names(script, false, "deploy/gen/all.yaml"));
        assert!(!names(script, false, "deploy/base"));
    }

    #[test]
    fn makefile_targets_recipes_and_variables() {
        let makefile = "\
OUT ?= deploy/generated
SECRET := ./deploy/dev-db/secret-processed.yaml

deploy/dev-db/config.yaml: deploy/dev-db/config.yaml.in
\tenvsubst < $< > $@

dev-db:
\tsed \"s/\\$$(NAMESPACE)/$(NAMESPACE)/g\" ./deploy/dev-db/secret.yaml.in > $(SECRET)
\t@$(KUSTOMIZE) build deploy/base -o $(OUT)/all.yaml
\tkubectl apply -k ./deploy/dev-db
\t-rm $(SECRET)
.PHONY: dev-db
";
        assert!(names(makefile, true, "deploy/dev-db/config.yaml"));
        assert!(names(makefile, true, "deploy/dev-db/secret-processed.yaml"));
        assert!(names(makefile, true, "deploy/generated/all.yaml"));
        // Read, or a prerequisite: not made.
        assert!(!names(makefile, true, "deploy/dev-db/config.yaml.in"));
        assert!(!names(makefile, true, "deploy/base"));
        assert!(
            writes(makefile, true)
                .iter()
                .any(|w| w.line == 8 && w.shown == "> $(SECRET)")
        );
    }

    #[test]
    fn paths_name_needles_at_path_boundaries() {
        assert!(path_names("./deploy/a.yaml", "deploy/a.yaml"));
        assert!(path_names("$ROOT/deploy/a.yaml", "/deploy/a.yaml"));
        assert!(path_names("deploy/a/kustomization.yaml", "deploy/a"));
        assert!(!path_names("deploy/a.yaml.bak", "deploy/a.yaml"));
        assert!(!path_names("mydeploy/a.yaml", "deploy/a.yaml"));
        assert!(!path_names("deploy/abc", "deploy/a"));
    }
}
