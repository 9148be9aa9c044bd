//! What building the operations of an OpenAPI document reads from the whole document: the document
//! itself (to follow local `$ref`s), its JSON Schema dialect and the schema compiler.

use anyhow::{Context as _, bail};
use serde_json::Value;

use super::schema::{Compiler, Dialect, Schema};

/// What building an operation reads from the whole document.
pub(super) struct Context<'a> {
    pub document: &'a Value,
    pub dialect: Dialect,
    pub compiler: &'a Compiler,
}

impl Context<'_> {
    /// `value`, with a local `$ref` followed (repeatedly).
    pub fn resolve<'v>(&'v self, mut value: &'v Value) -> anyhow::Result<&'v Value> {
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else { return Ok(value) };
            let pointer = reference.strip_prefix('#').with_context(|| format!("`{reference}` is not a local $ref"))?;
            value = self.document.pointer(pointer).with_context(|| format!("`{reference}` points at nothing"))?;
        }
        bail!("a $ref chain is too long")
    }

    pub fn compile(&self, schema: &Value, place: &str) -> anyhow::Result<Schema> {
        self.compiler.compile(schema, place)
    }
}
