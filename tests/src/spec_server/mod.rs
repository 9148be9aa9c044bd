//! Local HTTP servers that stand in for App IO and pagoPA GPD in tests: every request is checked
//! against the official OpenAPI document (kept unmodified in `tests/specs/`), a request the document
//! rejects is answered `400` and recorded as a [`Violation`], and valid requests get the replies the
//! test scripted per `operationId`.
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! use serde_json::json;
//! use sportello_tests::spec_server::{Reply, Spec, SpecServer};
//!
//! let io = SpecServer::start(Spec::app_io()?);
//! io.script("submitMessageforUserWithFiscalCodeInBody", Reply::status(429).header("Retry-After", "2"));
//! io.default_reply("submitMessageforUserWithFiscalCodeInBody", Reply::json(201, json!({ "id": "01HX" })));
//! // … point the client under test at io.base_url() (http://127.0.0.1:PORT/api/v1) and run it …
//! io.assert_no_violations();
//! # Ok(()) }
//! ```
//!
//! # What a request is checked for
//!
//! - **Route**: the path must be below the base path (Swagger `basePath`, or the path of the first
//!   `servers[].url`; [`Spec::with_base_path`] changes it) and match a path template with this method;
//!   a literal segment wins over a parameter.
//! - **Parameters** (path, query, header; path-level ones merged, `$ref`s followed): required ones
//!   present, the text converted to the declared type (`toPublish=true` → `true`, arrays split per
//!   `collectionFormat` or `style`/`explode`) and checked against the schema: type, enum, pattern,
//!   lengths, bounds, formats. A query parameter the operation does not declare is a violation too (a
//!   typo such as `topublish` would otherwise pass).
//! - **Security**: one of the operation's (or the document's) security alternatives must be met in full:
//!   an `apiKey` header, query parameter or cookie present and not empty (App IO and GPD:
//!   `Ocp-Apim-Subscription-Key`), or `Authorization: Bearer …` / `Basic …` for `http`, `oauth2` and
//!   `openIdConnect` schemes. Only presence is checked, never the value.
//! - **Body**: present when required; no body for an operation that takes none; a `Content-Type`
//!   among the documented media types; for JSON, valid JSON that follows the schema, with every `$ref`
//!   resolved against the whole document. Schemas are compiled with `jsonschema` as draft 4 (Swagger 2.0
//!   and OpenAPI 3.0, with 3.0's `nullable: true` read as allowing `null`) or 2020-12 (OpenAPI 3.1).
//! - **Formats**: `date`, `date-time`, `email`, `uri` and the other standard ones `jsonschema` knows;
//!   the pagoPA `format`s `FiscalCode` and `OrganizationFiscalCode` (the patterns of `@pagopa/ts-commons`)
//!   and `UTCISODateFromString` (ISO 8601 date and time, `Z` or an offset). Unknown formats (`int32`,
//!   `int64`, `EmailString`, …) are ignored.
//! - **Patterns** follow JSON Schema (a match anywhere in the value), except patterns in Java syntax
//!   (with `\h`, from Bean Validation `@Pattern` in the GPD document), which must match the whole value,
//!   as they do on the real service.
//!
//! Scripted replies are checked too, unless built [`Reply::unchecked`]: the status must be documented
//! (exactly, as `4XX`, or `default`), a body's media type documented for it and a JSON body valid
//! against its schema. A bad reply is a [`ViolationKind::Reply`]: a bug in the test, not the client.
//!
//! # What is not checked
//!
//! Cookie parameters (except a cookie credential's presence); `formData` bodies and non-JSON bodies
//! beyond their content type; media-type parameters such as `charset`; `Accept` against what the
//! operation produces; `readOnly` properties sent in a request; `discriminator`; the values of
//! credentials; remote `$ref`s; path templates with a parameter inside a segment (`/files/{name}.pdf`);
//! headers of scripted replies. Vendor extensions (`x-…`) constrain nothing: App IO's
//! `x-extensible-enum` (e.g. `feature_level_type`) accepts any string.
//!
//! # Answers
//!
//! A violating request gets `400` with a problem body listing the violations and consumes no scripted
//! reply. A valid one gets, in order: `500` if a [`SpecServer::fail_randomly`] rule draws a failure;
//! the next reply queued with [`SpecServer::script`] or [`SpecServer::script_fn`]; the operation's
//! default ([`SpecServer::default_reply`], [`SpecServer::default_fn`]); else `501`. Every request is
//! recorded ([`SpecServer::requests`]). Dropping a server that still holds violations fails the test,
//! so a forgotten [`SpecServer::assert_no_violations`] hides nothing; a test that expects violations
//! takes them with [`SpecServer::take_violations`].

mod context;
mod operation;
mod parameter;
mod path;
mod record;
mod schema;
mod script;
mod server;
mod spec;
mod validate;

#[cfg(test)]
mod examples;

pub use operation::Operation;
pub use record::{RecordedRequest, Violation, ViolationKind};
pub use schema::Dialect;
pub use script::{Reply, Scope};
pub use server::SpecServer;
pub use spec::{Spec, specs_dir};
