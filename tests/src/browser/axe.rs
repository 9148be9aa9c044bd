//! Accessibility checks with axe-core: the script that runs it in the page against WCAG 2.0 and 2.1
//! levels A and AA plus axe's best practices, and the [`Violation`]s read from its result. The result
//! is handed back as JSON text, kept whole for the report file a check writes.

use serde::Deserialize;
use serde_json::Value;

/// The axe-core rule tags a page is checked against.
pub(super) const TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/// Runs axe on the whole document with the tags passed as the first argument; calls back with the
/// result as JSON text, or with `{"error": …}` when axe fails.
pub(super) const RUN: &str = r#"
const done = arguments[arguments.length - 1];
window.axe.run(document, { runOnly: arguments[0] }).then(
    (result) => done(JSON.stringify(result)),
    (error) => done(JSON.stringify({ error: String(error) })),
);
"#;

/// One axe rule the page breaks, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule, e.g. `image-alt`, `label`, `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks for, in a sentence.
    pub help: String,
    /// Deque's page on the rule.
    pub help_url: String,
    /// A CSS selector for each offending element.
    pub targets: Vec<String>,
}

impl Violation {
    /// Whether the impact is `serious` or `critical`: the ones that fail a check.
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }

    /// One line: id, impact, help and the first few targets.
    pub fn summary(&self) -> String {
        const SHOWN: usize = 3;
        let mut targets = self.targets.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
        if self.targets.len() > SHOWN {
            targets.push_str(&format!(" and {} more", self.targets.len() - SHOWN));
        }
        format!("{} ({}): {}; at {targets}", self.id, self.impact, self.help)
    }
}

#[derive(Deserialize)]
struct Results {
    violations: Vec<RawViolation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawViolation {
    id: String,
    impact: Option<String>,
    help: String,
    help_url: String,
    nodes: Vec<RawNode>,
}

#[derive(Deserialize)]
struct RawNode {
    /// Selectors; an inner list is a path through shadow roots.
    target: Vec<Value>,
}

/// The violations in axe's result JSON; the error axe reported, or why the text is not a result.
pub(super) fn violations(json: &str) -> Result<Vec<Violation>, String> {
    if let Ok(Value::Object(failure)) = serde_json::from_str::<Value>(json)
        && let Some(error) = failure.get("error")
    {
        return Err(format!("axe-core failed: {error}"));
    }
    let results: Results = serde_json::from_str(json).map_err(|e| format!("unexpected axe-core result: {e}"))?;
    Ok(results
        .violations
        .into_iter()
        .map(|raw| Violation {
            id: raw.id,
            impact: raw.impact.unwrap_or_else(|| "unknown".into()),
            help: raw.help,
            help_url: raw.help_url,
            targets: raw.nodes.iter().flat_map(|node| &node.target).map(selector).collect(),
        })
        .collect())
}

fn selector(target: &Value) -> String {
    match target {
        Value::String(css) => css.clone(),
        Value::Array(path) => path.iter().map(selector).collect::<Vec<_>>().join(" >> "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_are_read_with_their_targets_and_shadow_paths() {
        let json = r##"{"violations": [{"id": "label", "impact": "critical", "help": "Form elements must have labels",
            "helpUrl": "https://dequeuniversity.com/rules/axe/4.14/label", "nodes": [
            {"target": ["#a"]}, {"target": [["my-widget", "input"]]}]}]}"##;
        let found = violations(json).unwrap();
        assert_eq!(found[0].targets, ["#a", "my-widget >> input"]);
        assert!(found[0].is_serious());
        assert_eq!(found[0].summary(), "label (critical): Form elements must have labels; at #a, my-widget >> input");
    }

    #[test]
    fn an_axe_failure_is_an_error() {
        assert_eq!(violations(r#"{"error": "boom"}"#), Err(r#"axe-core failed: "boom""#.to_string()));
    }
}
