//! What a person reads when a value does not fit its field, in Italian or English: one short sentence
//! per JSON Schema error, written for the field it appears under (so it never repeats the field's
//! name, and never shows a pointer, a keyword or an amount in cents). The engine's own messages, in
//! English for developers, are the validator library's; pages ask [`DataSchema::explain`] for these.
//!
//! [`DataSchema::explain`]: crate::data_schema::DataSchema::explain

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use crate::field_texts::is_euro_cents;
use crate::text::Lang;

/// The error as (JSON pointer of the field at fault, message in `lang`). A missing required field is
/// reported at the field itself, not at the object that lacks it.
pub fn explain(error: &ValidationError<'_>, root: &Value, lang: Lang) -> (String, String) {
    let mut pointer = error.instance_path().to_string();
    if let ValidationErrorKind::Required { property } = error.kind() {
        let name = property.as_str().map_or_else(|| property.to_string(), str::to_owned);
        pointer = format!("{pointer}/{}", name.replace('~', "~0").replace('/', "~1"));
    }
    let field = schema_at(root, &pointer);
    (pointer, message(error.kind(), field, lang))
}

fn message(kind: &ValidationErrorKind, field: Option<&Value>, lang: Lang) -> String {
    let it = lang == Lang::It;
    let pick = |it_text: String, en_text: String| if it { it_text } else { en_text };
    let amount = |limit: &Value| quantity(limit, field, lang);
    match kind {
        ValidationErrorKind::Required { .. } => pick("Campo obbligatorio".into(), "Required".into()),
        ValidationErrorKind::MinLength { limit: 1 } => {
            pick("Campo obbligatorio: non può essere vuoto".into(), "Required: it cannot be empty".into())
        }
        ValidationErrorKind::MinLength { limit } => {
            pick(format!("Scrivi almeno {limit} caratteri"), format!("Write at least {limit} characters"))
        }
        ValidationErrorKind::MaxLength { limit } => {
            pick(format!("Scrivi al massimo {limit} caratteri"), format!("Write at most {limit} characters"))
        }
        ValidationErrorKind::Minimum { limit } => pick(
            format!("Il valore più basso ammesso è {}", amount(limit)),
            format!("The lowest value allowed is {}", amount(limit)),
        ),
        ValidationErrorKind::Maximum { limit } => pick(
            format!("Il valore più alto ammesso è {}", amount(limit)),
            format!("The highest value allowed is {}", amount(limit)),
        ),
        ValidationErrorKind::ExclusiveMinimum { limit } => pick(
            format!("Il valore deve superare {}", amount(limit)),
            format!("The value must be above {}", amount(limit)),
        ),
        ValidationErrorKind::ExclusiveMaximum { limit } => pick(
            format!("Il valore deve restare sotto {}", amount(limit)),
            format!("The value must be below {}", amount(limit)),
        ),
        ValidationErrorKind::Format { format } => format_message(format, lang),
        ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. } => {
            pick("Scegli uno dei valori proposti".into(), "Choose one of the values offered".into())
        }
        ValidationErrorKind::MinItems { limit: 1 } => pick("Indicane almeno uno".into(), "Give at least one".into()),
        ValidationErrorKind::MinItems { limit } => {
            pick(format!("Indicane almeno {limit}"), format!("Give at least {limit}"))
        }
        ValidationErrorKind::MaxItems { limit } => {
            pick(format!("Indicane al massimo {limit}"), format!("Give at most {limit}"))
        }
        ValidationErrorKind::UniqueItems => {
            pick("Lo stesso valore compare più volte".into(), "The same value appears more than once".into())
        }
        ValidationErrorKind::Pattern { .. } => {
            pick("Il testo non ha la forma richiesta".into(), "The text is not in the form required".into())
        }
        ValidationErrorKind::Type { kind } => type_message(kind, lang),
        ValidationErrorKind::AdditionalProperties { .. } | ValidationErrorKind::UnevaluatedProperties { .. } => {
            pick("Questo modulo non prevede il campo inviato".into(), "This form does not take the field sent".into())
        }
        _ => pick("Valore non valido".into(), "Invalid value".into()),
    }
}

fn format_message(format: &str, lang: Lang) -> String {
    let (it, en) = match format {
        "codice-fiscale" => (
            "Non è un codice fiscale valido: controlla le 16 lettere e cifre",
            "Not a valid Italian fiscal code: check its 16 letters and digits",
        ),
        "date" => ("Non è una data valida", "Not a valid date"),
        "date-time" => ("Non è una data e ora valida", "Not a valid date and time"),
        "email" => ("Non è un indirizzo e-mail valido", "Not a valid e-mail address"),
        "uri" => ("Non è un indirizzo web valido", "Not a valid web address"),
        _ => ("Il valore non ha il formato richiesto", "The value is not in the format required"),
    };
    if lang == Lang::It { it } else { en }.to_owned()
}

fn type_message(kind: &TypeKind, lang: Lang) -> String {
    let wanted = match kind {
        TypeKind::Single(single) => Some(*single),
        TypeKind::Multiple(set) => set.iter().find(|t| *t != JsonType::Null),
    };
    let (it, en) = match wanted {
        Some(JsonType::Integer) => ("Scrivi un numero intero", "Write a whole number"),
        Some(JsonType::Number) => ("Scrivi un numero", "Write a number"),
        Some(JsonType::Boolean) => ("Rispondi sì o no", "Answer yes or no"),
        Some(JsonType::String) => ("Scrivi un testo", "Write a text"),
        Some(JsonType::Array) => ("Indica uno o più valori", "Give one or more values"),
        _ => ("Valore non valido", "Invalid value"),
    };
    if lang == Lang::It { it } else { en }.to_owned()
}

/// A limit as the field's reader writes it: `1.000` or `1,000`, and `12,50 €` for an amount in cents.
fn quantity(limit: &Value, field: Option<&Value>, lang: Lang) -> String {
    let Some(number) = limit.as_f64() else {
        return limit.to_string();
    };
    if field.is_some_and(is_euro_cents) {
        return euros(number.round() as i64, lang);
    }
    match limit.as_i64() {
        Some(whole) => grouped(whole, lang),
        None => decimal(number, lang),
    }
}

/// An amount in cents as euros with two decimals: `1.234,50 €` (`€1,234.50` in English).
pub fn euros(cents: i64, lang: Lang) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = grouped(i64::try_from(cents / 100).unwrap_or(i64::MAX), lang);
    match lang {
        Lang::It => format!("{sign}{whole},{:02} €", cents % 100),
        Lang::En => format!("{sign}€{whole}.{:02}", cents % 100),
    }
}

fn grouped(whole: i64, lang: Lang) -> String {
    let separator = if lang == Lang::It { '.' } else { ',' };
    let digits = whole.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    if whole < 0 { format!("-{out}") } else { out }
}

fn decimal(number: f64, lang: Lang) -> String {
    let text = number.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let whole = grouped(whole.parse().unwrap_or(0), lang);
    let point = if lang == Lang::It { ',' } else { '.' };
    if fraction.is_empty() { whole } else { format!("{whole}{point}{fraction}") }
}

/// The schema of the field at `pointer` (array indexes go to `items`), if the schema declares it.
fn schema_at<'s>(root: &'s Value, pointer: &str) -> Option<&'s Value> {
    let mut here = root;
    for segment in pointer.split('/').skip(1) {
        here = if segment.parse::<usize>().is_ok() && here.get("items").is_some() {
            here.get("items")?
        } else {
            here.get("properties")?.get(segment.replace("~1", "/").replace("~0", "~"))?
        };
    }
    Some(here)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::data_schema::DataSchema;

    fn schema() -> DataSchema {
        DataSchema::compile(&json!({
            "type": "object",
            "required": ["child_name", "fee"],
            "properties": {
                "child_name": {"type": "string", "maxLength": 5},
                "cf": {"type": "string", "format": "codice-fiscale"},
                "fee": {"type": "integer", "format": "euro-cents", "minimum": 100000},
                "score": {"type": "number", "maximum": 1000},
                "mode": {"type": "string", "enum": ["a", "b"]},
                "preferences": {"type": "array", "minItems": 1, "items": {"type": "string", "maxLength": 2}}
            }
        }))
        .unwrap()
    }

    #[test]
    fn each_problem_reads_as_a_sentence_at_its_field() {
        let instance = json!({
            "child_name": "Giovanni", "cf": "RSSMRA85T10A562T", "score": 1500, "mode": "c",
            "preferences": ["abc"]
        });
        let mut errors = schema().explain(&instance, Lang::It);
        errors.sort();
        assert_eq!(
            errors,
            vec![
                ("/cf".to_owned(), "Non è un codice fiscale valido: controlla le 16 lettere e cifre".to_owned()),
                ("/child_name".to_owned(), "Scrivi al massimo 5 caratteri".to_owned()),
                ("/fee".to_owned(), "Campo obbligatorio".to_owned()),
                ("/mode".to_owned(), "Scegli uno dei valori proposti".to_owned()),
                ("/preferences/0".to_owned(), "Scrivi al massimo 2 caratteri".to_owned()),
                ("/score".to_owned(), "Il valore più alto ammesso è 1.000".to_owned()),
            ]
        );
    }

    #[test]
    fn amounts_in_cents_are_told_in_euros() {
        let errors = schema().explain(&json!({"child_name": "Ada", "fee": 5}), Lang::It);
        assert_eq!(errors, vec![("/fee".to_owned(), "Il valore più basso ammesso è 1.000,00 €".to_owned())]);
        let errors = schema().explain(&json!({"child_name": "Ada", "fee": 5}), Lang::En);
        assert_eq!(errors, vec![("/fee".to_owned(), "The lowest value allowed is €1,000.00".to_owned())]);
    }

    #[test]
    fn euros_are_grouped_with_two_decimals() {
        assert_eq!(euros(12_345_678, Lang::It), "123.456,78 €");
        assert_eq!(euros(5, Lang::En), "€0.05");
        assert_eq!(euros(-1050, Lang::It), "-10,50 €");
    }
}
