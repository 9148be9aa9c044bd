//! The JSON Schema of the workflow format, generated from the raw types; committed as
//! `docs/workflow.schema.json` for editors (`yaml-language-server`) and checked for staleness by a test.

use super::raw::RawWorkflow;

/// The format's JSON Schema, pretty-printed, with a final newline.
pub fn workflow_schema() -> String {
    let schema = schemars::schema_for!(RawWorkflow);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/workflow.schema.json");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == super::workflow_schema(),
            "docs/workflow.schema.json is stale: run `cargo run -- schema > docs/workflow.schema.json`"
        );
    }
}
