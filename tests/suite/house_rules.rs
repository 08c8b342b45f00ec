//! Size rules of the source tree (docs/ARCHITECTURE.md, "House rules"): no Rust source file
//! over 1,200 lines and no function over 150, so that each file has one job a newcomer can
//! read at once. Functions are found as rustfmt lays them out: a line starting (after its
//! indentation) with `fn`, `pub fn`, `pub(crate) fn`, ... ends at the first line holding
//! only the closing brace at the same indentation.

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 1_200;
const MAX_FN_LINES: usize = 150;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if !p.ends_with("target") && !p.ends_with("data") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The name of the function a line opens, with the line's indentation, or None.
fn opens_fn(line: &str) -> Option<(usize, &str)> {
    let body = line.trim_start();
    let indent = line.len() - body.len();
    let mut rest = body;
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    if line.trim_end().ends_with(';') || line.trim_end().ends_with('}') {
        return None; // a declaration in a trait, or a function on one line
    }
    let name = rest
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()?;
    Some((indent, name))
}

/// Functions longer than `max` lines in `text`: (name, first line, length).
fn long_functions(text: &str, max: usize) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((indent, name)) = opens_fn(line) else {
            continue;
        };
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(end) = (i + 1..lines.len()).find(|&j| lines[j].trim_end() == close) {
            let len = end - i + 1;
            if len > max {
                out.push((name.to_string(), i + 1, len));
            }
        }
    }
    out
}

fn tree() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "crates", "tests", "benches"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    files
}

#[test]
fn no_file_over_1200_lines_and_no_function_over_150() {
    let files = tree();
    assert!(files.len() > 100, "only {} Rust files found", files.len());
    let mut broken = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let n = text.lines().count();
        if n > MAX_FILE_LINES {
            broken.push(format!("{}: {n} lines", f.display()));
        }
        for (name, line, len) in long_functions(&text, MAX_FN_LINES) {
            broken.push(format!("{}:{line}: fn {name} is {len} lines", f.display()));
        }
    }
    assert!(
        broken.is_empty(),
        "over the size rules:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_function_finder_measures_what_rustfmt_writes() {
    let long_body = "        x += 1;\n".repeat(200);
    let text = format!(
        "impl A {{\n    pub(crate) fn long(&self) {{\n{long_body}    }}\n\n    fn short() {{}}\n}}\n\
         trait T {{\n    fn declared(&self);\n}}\nfn free() {{\n    let s = \"}}\";\n}}\n"
    );
    assert_eq!(
        long_functions(&text, 150),
        vec![("long".to_string(), 2, 202)]
    );
    assert_eq!(long_functions(&text, 2).len(), 2, "long and free (3 lines)");
}
