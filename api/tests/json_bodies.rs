//! Fuzz target for the API's JSON bodies, as a proptest property: the bodies of the cases, assignee
//! and events routes, taken from valid examples and mutated (values retyped, keys dropped, renamed or
//! added, bytes cut or inserted), or random JSON, or random bytes, are read by the extractor the
//! routes use. It never panics; it accepts the body, or refuses it as `malformed-json` (saying the
//! body is not valid JSON) or as `invalid-input` naming the field at fault with a JSON pointer.

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, header};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Value as Json, json};
use sportello_api::extract::JsonBody;
use sportello_api::problem::Problem;
use sportello_api::routes::{AssignBody, EventBody, OpenCaseBody};

/// `PROPTEST_CASES` when set (to run longer), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// Valid bodies, one route after the other.
fn examples() -> Vec<Json> {
    vec![
        json!({"workflow": "residence-certificate", "applicant": "RSSMRA85T10A562S", "data": {"use": "generic"}}),
        json!({"workflow": "building-permit"}),
        json!({"assignee": "mrossi"}),
        json!({"assignee": null}),
        json!({"message_id": "pagopa-0001", "payload": {"iuv": "01000000000000042", "amount_cents": 1652}}),
        json!({"message_id": "m-2"}),
    ]
}

/// One change to a JSON value, at the node `at` picks.
#[derive(Debug, Clone)]
enum Edit {
    Replace(Json),
    DropKey,
    AddKey(&'static str, Json),
    RenameKey(&'static str),
    Nest(usize),
}

fn scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        prop::sample::select(vec!["", "x", "é", "\u{0}", "residence-certificate", "RSSMRA85T10A562S"])
            .prop_map(|s: &str| Json::String(s.to_owned())),
        Just(json!([])),
        Just(json!({})),
        Just(json!([1, "a", null])),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let key = prop::sample::select(vec!["workflow", "applicant", "data", "assignee", "message_id", "payload", "x", ""]);
    prop_oneof![
        scalar().prop_map(Edit::Replace),
        Just(Edit::DropKey),
        (key.clone(), scalar()).prop_map(|(k, v)| Edit::AddKey(k, v)),
        key.prop_map(Edit::RenameKey),
        (1usize..200).prop_map(Edit::Nest),
    ]
}

/// Applies `edit` to the node found by walking `path` (each step picks a child, wrapping around).
fn apply(value: &mut Json, path: &[usize], edit: &Edit) {
    if let Some((&step, rest)) = path.split_first() {
        let child = match value {
            Json::Object(map) if !map.is_empty() => {
                let n = map.len();
                map.values_mut().nth(step % n)
            }
            Json::Array(items) if !items.is_empty() => {
                let n = items.len();
                items.get_mut(step % n)
            }
            _ => None,
        };
        if let Some(child) = child {
            return apply(child, rest, edit);
        }
    }
    match (edit, &mut *value) {
        (Edit::Replace(new), _) => *value = new.clone(),
        (Edit::DropKey, Json::Object(map)) => {
            if let Some(first) = map.keys().next().cloned() {
                map.shift_remove(&first);
            }
        }
        (Edit::AddKey(key, new), Json::Object(map)) => {
            map.insert((*key).to_owned(), new.clone());
        }
        (Edit::RenameKey(key), Json::Object(map)) => {
            if let Some(first) = map.keys().next().cloned() {
                let moved = map.shift_remove(&first).unwrap_or(Json::Null);
                map.insert((*key).to_owned(), moved);
            }
        }
        (Edit::Nest(levels), _) => {
            for _ in 0..*levels {
                *value = json!([value.take()]);
            }
        }
        _ => {}
    }
}

/// A body: an example edited, its text then maybe cut or salted; or any bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let edited = (
        any::<prop::sample::Index>(),
        prop::collection::vec((prop::collection::vec(any::<usize>(), 0..3), edit()), 0..4),
    )
        .prop_map(|(which, edits)| {
            let examples = examples();
            let mut value = examples[which.index(examples.len())].clone();
            for (path, edit) in &edits {
                apply(&mut value, path, edit);
            }
            serde_json::to_vec(&value).expect("JSON")
        })
        .boxed();
    let junk = prop::sample::select(vec![&b","[..], b"}", b"]", b"\"", b"\\", b"1e999", b"-", b"\xff", b"\0", b"nul"]);
    prop_oneof![
        6 => edited.clone(),
        2 => (edited.clone(), any::<prop::sample::Index>(), junk).prop_map(|(mut bytes, at, junk)| {
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, junk.iter().copied());
            bytes
        }),
        1 => (edited, any::<prop::sample::Index>()).prop_map(|(mut bytes, at)| {
            bytes.truncate(at.index(bytes.len() + 1));
            bytes
        }),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// Reads `bytes` as the routes read a JSON body.
fn extract<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Box<Problem>> {
    let request = Request::builder()
        .method("POST")
        .uri("/api/v1/cases")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(bytes.to_vec()))
        .expect("a request");
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    runtime.block_on(JsonBody::<T>::from_request(request, &())).map(|JsonBody(body)| body).map_err(Box::new)
}

/// Checks what the extractor says about `bytes` read as `T`.
fn refusal_is_clear<T: DeserializeOwned>(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Err(problem) = extract::<T>(bytes) else { return Ok(()) };
    match problem.code.as_str() {
        "malformed-json" => {
            prop_assert_eq!(problem.status, 400);
            prop_assert!(problem.detail.starts_with("the body is not valid JSON"), "{}", problem.detail);
            prop_assert!(serde_json::from_slice::<Json>(bytes).is_err(), "valid JSON refused: {}", problem.detail);
        }
        "invalid-input" => {
            prop_assert_eq!(problem.status, 422);
            prop_assert_eq!(problem.errors.len(), 1);
            let error = &problem.errors[0];
            prop_assert!(!error.message.is_empty());
            // A pointer into the body: to the value at fault, or (for a missing or unknown key, or a
            // body of the wrong type) to the object that should have held it.
            prop_assert!(error.field.is_empty() || error.field.starts_with('/'), "{:?}", error.field);
            // An empty body is read as `null`.
            let text: &[u8] = if bytes.is_empty() { b"null" } else { bytes };
            let parsed: Json = match serde_json::from_slice(text) {
                Ok(parsed) => parsed,
                // Valid JSON nested deeper than serde_json reads (128 levels): refused where it gets
                // too deep, or before, at a value of the wrong type.
                Err(e) if e.to_string().starts_with("recursion limit exceeded") => return Ok(()),
                Err(e) => {
                    let body = String::from_utf8_lossy(bytes);
                    return Err(TestCaseError::fail(format!("invalid-input ({error:?}) for {body:?}, not JSON: {e}")));
                }
            };
            let parent = error.field.rsplit_once('/').map_or("", |(parent, _)| parent);
            prop_assert!(
                parsed.pointer(&error.field).is_some() || parsed.pointer(parent).is_some_and(Json::is_object),
                "{} names {:?}, not in {:.200}",
                error.message,
                error.field,
                String::from_utf8_lossy(bytes)
            );
        }
        other => prop_assert!(false, "unexpected refusal {other}: {}", problem.detail),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2_000)))]

    #[test]
    fn every_route_body_is_read_or_refused_naming_the_field_or_saying_it_is_not_json(body in body()) {
        refusal_is_clear::<OpenCaseBody>(&body)?;
        refusal_is_clear::<AssignBody>(&body)?;
        refusal_is_clear::<EventBody>(&body)?;
        refusal_is_clear::<Json>(&body)?;
    }
}

/// Issue 22 (fuzzing): a value of the wrong type before the place where the text stops being JSON was
/// reported as `invalid-input` at that value, not as `malformed-json`.
#[test]
fn a_body_that_is_not_json_is_malformed_json_even_after_a_value_of_the_wrong_type() {
    let problem = extract::<OpenCaseBody>(br#"{"workflow": 1, "data": {"#).unwrap_err();
    assert_eq!((problem.code.as_str(), problem.status), ("malformed-json", 400), "{}", problem.detail);
    assert_eq!(problem.detail, "the body is not valid JSON: EOF while parsing an object at line 1 column 25");

    let problem = extract::<OpenCaseBody>(br#"{"workflow": 1, "data": {}}"#).unwrap_err();
    assert_eq!((problem.code.as_str(), problem.errors[0].field.as_str()), ("invalid-input", "/workflow"));
}
