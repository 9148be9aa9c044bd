//! Printing validation results: for people (`file:line:column: error[code]: message`, the offending
//! line with a caret, the hint) or as JSON for tools.

use std::fmt::Write;

use serde::Serialize;
use sportello_definition::{Diagnostic, Report};

/// One file's result, as printed.
#[derive(Serialize)]
pub struct FileReport<'a> {
    /// The file as named on the command line.
    pub file: String,
    /// Whether it is valid (warnings allowed).
    pub valid: bool,
    /// Every diagnostic.
    pub diagnostics: &'a [Diagnostic],
}

/// The human form of one file's diagnostics; `source` is the file's text, when it is readable.
pub fn human(file: &str, report: &Report, source: Option<&str>) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = source.map(|s| s.lines().collect()).unwrap_or_default();
    for d in &report.diagnostics {
        let _ = writeln!(
            out,
            "{file}:{}:{}: {}[{}]: {}",
            d.location.line, d.location.column, d.severity, d.code, d.message
        );
        if let Some(line) = lines.get((d.location.line as usize).wrapping_sub(1)).filter(|l| l.len() <= 300) {
            let number = d.location.line.to_string();
            let pad = " ".repeat(number.len());
            let caret_pad: String = line
                .chars()
                .take((d.location.column as usize).saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} |\n{number} | {line}\n{pad} | {caret_pad}^");
        }
        if let Some(hint) = &d.hint {
            let _ = writeln!(out, "  = hint: {hint}");
        }
        let _ = writeln!(out, "  = see: docs/problems/{}.md", d.code);
    }
    out
}

/// The one-line summary after all files.
pub fn summary(files: usize, invalid: usize, errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
    };
    format!(
        "validated {}: {} valid, {} invalid ({}, {})",
        plural(files, "workflow file"),
        files - invalid,
        invalid,
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}
