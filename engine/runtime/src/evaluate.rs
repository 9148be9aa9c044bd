//! Evaluating the expressions validation accepted: guards, amounts, deadline dates, clerks.
//!
//! The variables are JSON values (`data`, `input`, `case`, `clock`, `today`), converted to CEL values;
//! dates are ISO strings, and the two functions Sportello adds to CEL work on them: `days_between(a, b)`
//! (the days from `a` to `b`) and `add_days(date, n)`.

use std::sync::Arc;

use jiff::civil::Date;
use serde_json::Value as Json;

use super::calendar::days_between;
use sportello_definition::expr::Expression;

/// Why an expression could not be evaluated on a case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{source_text}` could not be evaluated: {reason}")]
pub struct EvaluationError {
    source_text: String,
    reason: String,
}

impl EvaluationError {
    /// An error about the expression `source_text`.
    pub fn new(source_text: &str, reason: impl Into<String>) -> Self {
        Self { source_text: source_text.to_owned(), reason: reason.into() }
    }
}

/// The variables an expression sees, by name.
pub type Variables<'a> = &'a [(&'a str, Json)];

/// Evaluates `expression` with `variables`, returning the result as JSON.
pub fn evaluate(expression: &Expression, variables: Variables<'_>) -> Result<Json, EvaluationError> {
    let fail = |reason: String| EvaluationError { source_text: expression.source().to_owned(), reason };
    let mut context = cel::Context::default();
    for (name, value) in variables {
        context.add_variable_from_value(*name, to_cel(value));
    }
    // In CEL's standard library, and so accepted by the checker, but not registered by default.
    context.add_function("max", cel::functions::max).map_err(|e| fail(e.to_string()))?;
    context.add_function("min", cel::functions::min).map_err(|e| fail(e.to_string()))?;
    context
        .add_function("days_between", |a: Arc<String>, b: Arc<String>| -> Result<i64, cel::ExecutionError> {
            day_count(&a, &b)
                .ok_or_else(|| cel::ExecutionError::function_error("days_between", "expects two dates YYYY-MM-DD"))
        })
        .map_err(|e| fail(e.to_string()))?;
    context
        .add_function("add_days", |a: Arc<String>, n: i64| -> Result<Arc<String>, cel::ExecutionError> {
            let date = parse_date(&a)
                .and_then(|d| d.checked_add(jiff::Span::new().try_days(n).ok()?).ok())
                .ok_or_else(|| {
                    cel::ExecutionError::function_error("add_days", "expects a date YYYY-MM-DD and a number of days")
                })?;
            Ok(Arc::new(date.to_string()))
        })
        .map_err(|e| fail(e.to_string()))?;
    let value = expression.program().execute(&context).map_err(|e| fail(e.to_string()))?;
    value.json().map_err(|e| fail(e.to_string()))
}

/// Evaluates a guard: true, false, or an error when it does not give a boolean.
pub fn is_true(expression: &Expression, variables: Variables<'_>) -> Result<bool, EvaluationError> {
    match evaluate(expression, variables)? {
        Json::Bool(b) => Ok(b),
        other => Err(EvaluationError {
            source_text: expression.source().to_owned(),
            reason: format!("gave {other}, not true or false"),
        }),
    }
}

/// JSON → CEL, with whole numbers as CEL `int` (JSON Schema's `integer`), not `uint`.
fn to_cel(value: &Json) -> cel::Value {
    match value {
        Json::Null => cel::Value::Null,
        Json::Bool(b) => cel::Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => cel::Value::Int(i),
            (None, Some(u)) => cel::Value::UInt(u),
            _ => cel::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => cel::Value::String(Arc::new(s.clone())),
        Json::Array(items) => items.iter().map(to_cel).collect::<Vec<_>>().into(),
        Json::Object(map) => {
            map.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect::<std::collections::HashMap<_, _>>().into()
        }
    }
}

fn parse_date(text: &str) -> Option<Date> {
    text.parse().ok()
}

fn day_count(a: &str, b: &str) -> Option<i64> {
    Some(days_between(parse_date(a)?, parse_date(b)?))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use sportello_definition::expr::{MAX_EXPRESSION_DEPTH, Scope, Ty, check};
    use sportello_definition::parse::on_large_stack;

    fn compiled(source: &str, expected: Ty) -> Expression {
        let data = Ty::object([("fee_cents", Ty::Int), ("hearing", Ty::Date), ("notes", Ty::String)]);
        // As validation does: parsing nested brackets needs a large stack.
        on_large_stack(|| check(source, &Scope::new([("data", data), ("today", Ty::Date)]), &expected)).unwrap()
    }

    fn vars() -> Vec<(&'static str, Json)> {
        vec![("data", json!({"fee_cents": 1652, "hearing": "2027-03-31", "notes": ""})), ("today", json!("2027-03-25"))]
    }

    #[test]
    fn guards_and_amounts_evaluate_on_the_case() {
        assert!(is_true(&compiled("data.fee_cents > 1000 && data.notes == ''", Ty::Bool), &vars()).unwrap());
        assert!(!is_true(&compiled("data.hearing < today", Ty::Bool), &vars()).unwrap());
        assert_eq!(evaluate(&compiled("data.fee_cents * 2", Ty::Int), &vars()).unwrap(), json!(3304));
    }

    #[test]
    fn date_functions_count_civil_days() {
        assert_eq!(evaluate(&compiled("days_between(today, data.hearing)", Ty::Int), &vars()).unwrap(), json!(6));
        assert_eq!(evaluate(&compiled("add_days(today, 7)", Ty::Date), &vars()).unwrap(), json!("2027-04-01"));
        assert!(evaluate(&compiled("add_days(data.notes, 1)", Ty::Date), &vars()).is_err());
    }

    #[test]
    fn a_missing_field_is_an_error_not_a_panic() {
        let without_fee = vec![("data", json!({"hearing": "2027-03-31"})), ("today", json!("2027-03-25"))];
        assert!(is_true(&compiled("data.fee_cents > 0", Ty::Bool), &without_fee).is_err());
        assert!(
            is_true(&compiled("has(data.fee_cents) && data.fee_cents > 0", Ty::Bool), &without_fee).is_ok_and(|b| !b)
        );
    }

    /// Issue 22 (fuzzing): these passed validation, then overflowed a server thread's stack when a
    /// case evaluated them (the runtime parsed the source again, and `cel`'s parser needs over 2 MiB for
    /// a dozen nested parentheses in a debug build), or failed on every case (`max`, `min`, `matches`).
    #[test]
    fn the_deepest_expressions_validation_accepts_evaluate_on_a_server_threads_stack() {
        let sum = format!("1{}", " + 1".repeat(MAX_EXPRESSION_DEPTH - 1));
        let parentheses = format!("{}data.fee_cents > 0{}", "(".repeat(90), ")".repeat(90));
        let lists =
            format!("size({}1{}) == 1", "[".repeat(MAX_EXPRESSION_DEPTH - 3), "]".repeat(MAX_EXPRESSION_DEPTH - 3));
        let expressions = [
            (compiled(&sum, Ty::Int), json!(MAX_EXPRESSION_DEPTH)),
            (compiled(&parentheses, Ty::Bool), json!(true)),
            (compiled(&lists, Ty::Bool), json!(true)),
            (compiled("max(data.fee_cents, 2000) == min(2000, 3000)", Ty::Bool), json!(true)),
            (compiled("data.hearing.matches('^[0-9]{4}-03-')", Ty::Bool), json!(true)),
        ];
        let server_thread = std::thread::Builder::new().stack_size(2 * 1024 * 1024);
        let results = server_thread
            .spawn(move || expressions.map(|(expression, expected)| (evaluate(&expression, &vars()), expected)))
            .unwrap()
            .join()
            .unwrap();
        for (result, expected) in results {
            assert_eq!(result.unwrap(), expected);
        }
    }
}
