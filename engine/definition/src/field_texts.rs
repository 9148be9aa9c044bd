//! The texts a person reads beside a data field: its `label`, its `hint` and, for a field with a fixed
//! list of values (`enum`), the label of each value under `options`. They are annotations of our own
//! inside the JSON Schema of `data` and of a transition's `input`, written like every other text of
//! the workflow (`{ it: …, en: … }`); JSON Schema validators ignore them. The workflow's validator
//! checks them (Italian required), the pages read them from here, and an input property that
//! redeclares a data field inherits the ones it does not write itself ([`inherit`]).
//!
//! Money kept in cents is marked `format: euro-cents` on an `integer`: forms show and read it in
//! euros with two decimals, and pages print it as an amount.

use serde_json::{Map, Value};

use crate::text::Text;

/// The annotation holding a field's name as people read it.
pub const LABEL: &str = "label";
/// The annotation holding a short help text shown under the field.
pub const HINT: &str = "hint";
/// The annotation holding, for each value of an `enum`, its label.
pub const OPTIONS: &str = "options";
/// The `format` of an `integer` that holds an amount of money in euro cents.
pub const EURO_CENTS: &str = "euro-cents";

/// A `{ it, en }` object as a [`Text`], when it has a non-empty Italian side.
pub fn text(value: &Value) -> Option<Text> {
    let object = value.as_object()?;
    let it = object.get("it")?.as_str()?.trim();
    if it.is_empty() {
        return None;
    }
    let en = object.get("en").and_then(Value::as_str).map(str::trim).filter(|en| !en.is_empty());
    Some(Text { it: it.to_owned(), en: en.map(str::to_owned) })
}

/// The field's label.
pub fn label(schema: &Value) -> Option<Text> {
    schema.get(LABEL).and_then(text)
}

/// The field's hint.
pub fn hint(schema: &Value) -> Option<Text> {
    schema.get(HINT).and_then(text)
}

/// The label of one of the field's values, looked up by the value as text (`full_time`, `3`, `true`).
pub fn option_label(schema: &Value, value: &Value) -> Option<Text> {
    schema.get(OPTIONS)?.get(key_of(value)).and_then(text)
}

/// How a value of an `enum` is written as a key of `options`.
pub fn key_of(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

/// Whether the field holds an amount in euro cents.
pub fn is_euro_cents(schema: &Value) -> bool {
    schema.get("format").and_then(Value::as_str) == Some(EURO_CENTS)
}

/// Copies the texts of `data_property` that `input_property` does not write itself.
pub fn inherit(input_property: &mut Map<String, Value>, data_property: &Value) {
    for key in [LABEL, HINT, OPTIONS] {
        if let Some(text) = data_property.get(key) {
            input_property.entry(key).or_insert_with(|| text.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::text::Lang;

    #[test]
    fn texts_are_read_in_either_language() {
        let schema = json!({
            "type": "string",
            "enum": ["full_time", "part_time"],
            "label": {"it": "Frequenza", "en": "Attendance"},
            "hint": {"it": "Scegli l'orario"},
            "options": {"full_time": {"it": "Tempo pieno", "en": "Full time"}, "part_time": {"it": "Part-time"}}
        });
        assert_eq!(label(&schema).unwrap().get(Lang::En), "Attendance");
        assert_eq!(hint(&schema).unwrap().get(Lang::En), "Scegli l'orario");
        assert_eq!(option_label(&schema, &json!("full_time")).unwrap().get(Lang::It), "Tempo pieno");
        assert_eq!(option_label(&schema, &json!("part_time")).unwrap().get(Lang::En), "Part-time");
        assert!(option_label(&schema, &json!("evening")).is_none());
    }

    #[test]
    fn a_text_without_italian_is_no_text() {
        assert!(text(&json!({"en": "Attendance"})).is_none());
        assert!(text(&json!({"it": "  "})).is_none());
        assert!(text(&json!("Frequenza")).is_none());
    }

    #[test]
    fn an_input_property_inherits_what_it_does_not_write() {
        let data = json!({"type": "number", "label": {"it": "Valore ISEE"}, "hint": {"it": "In euro"}});
        let mut input = json!({"type": "number", "minimum": 0, "hint": {"it": "Dall'attestazione"}});
        inherit(input.as_object_mut().unwrap(), &data);
        assert_eq!(label(&input).unwrap().it, "Valore ISEE");
        assert_eq!(hint(&input).unwrap().it, "Dall'attestazione");
    }
}
