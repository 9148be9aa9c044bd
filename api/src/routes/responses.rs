//! The problems each operation of the OpenAPI document lists, beyond those its handler declares:
//! derived from what the operation takes, as the document itself says it, so that an operation lists
//! exactly the refusals its extractors and the layers around every route can send. Every route can be
//! rate-limited (429), time out (503) or fail (500); a signed-in one can refuse the token (401) or find
//! the issuer's keys unavailable (503); one under `/api/v1` reads the database (503); a JSON body can
//! be malformed (400), too large (413), of the wrong type (415) or of the wrong shape (422); a YAML body
//! too large or of the wrong type; query parameters can be refused (422), headers too (400). Nothing
//! else is added: `/healthz` lists only what a live process can answer.

use std::collections::BTreeMap;

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::problem::PROBLEM_JSON;

/// Adds to every operation of `openapi` the problems its inputs and the layers can cause.
pub fn add_derived_problems(openapi: &mut OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            let reasons = reasons(path, operation);
            for (status, reasons) in reasons {
                operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(reasons.join("; "))
                            .content(
                                PROBLEM_JSON,
                                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                            )
                            .build(),
                    )
                });
            }
        }
    }
}

/// Each status `operation` at `path` can answer with a problem, with why.
fn reasons(path: &str, operation: &Operation) -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut out: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    let mut add = |status, reason| out.entry(status).or_default().push(reason);
    add("429", "Too many requests from this address (`rate-limited`)");
    add("500", "Internal error (`internal-error`)");
    add("503", "The request took too long (`request-timeout`)");
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        add("401", "Sign-in required, or the token is refused (`missing-token`, `invalid-token`, …)");
        add("503", "The issuer's signing keys are unavailable (`keys-unavailable`)");
    }
    if path.starts_with("/api/v1/") {
        add("503", "The database is unavailable (`storage-failed`)");
    }
    if let Some(body) = &operation.request_body {
        add("413", "Body too large (`payload-too-large`)");
        add("415", "Unsupported content type (`unsupported-media-type`)");
        if body.content.keys().any(|media| media.contains("json")) {
            add("400", "The body is not JSON (`malformed-json`)");
            add("422", "The body does not have the expected shape (`invalid-input`)");
        }
    }
    let parameters = operation.parameters.iter().flatten();
    for parameter in parameters {
        match parameter.parameter_in {
            ParameterIn::Query => add("422", "A query parameter is unknown or invalid (`invalid-query`)"),
            ParameterIn::Header => add("400", "A header is invalid (`invalid-header`)"),
            _ => {}
        }
    }
    for reasons in out.values_mut() {
        reasons.dedup();
    }
    out
}
