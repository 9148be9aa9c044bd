//! The HTTP routes: `/api/v1/…` (workflows, cases and their documents, events, searches, payments), `/healthz`, `/readyz`,
//! `/metrics` and the OpenAPI document at `/api/v1/openapi.json`, generated from the handlers'
//! annotations so that a route cannot exist without being documented. Each module exposes `router()`;
//! this one merges them and adds the document's security schemes. The routes are one adapter over the
//! application layer ([`crate::app`]): each handler reads the request, calls a use case, and answers
//! with its result or with the [`Problem`](crate::problem::Problem) its error maps to.

pub(crate) mod cases;
pub(crate) mod documents;
pub(crate) mod events;
pub(crate) mod health;
pub(crate) mod incidents;
pub(crate) mod payments;
mod responses;
pub(crate) mod search;
pub(crate) mod timeline;
pub(crate) mod workflows;

/// The JSON bodies the routes accept, for tests that feed them to [`JsonBody`](crate::extract::JsonBody).
pub use cases::{AssignBody, OpenCaseBody};
pub use events::EventBody;

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Sportello", description = "Case management for the online services of Italian municipalities."),
    modifiers(&SecuritySchemes),
    components(schemas(crate::problem::Problem, crate::problem::FieldError)),
    tags(
        (name = "workflows", description = "Procedures, their versions, diagrams, validation and deployment"),
        (name = "cases", description = "Applications and their transitions"),
        (name = "documents", description = "The case file: uploads, downloads, what a case holds"),
        (name = "events", description = "External events from integrations"),
        (name = "health", description = "Liveness, readiness and metrics"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        components.add_security_scheme(
            "integration",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route with its state, and the OpenAPI document describing them.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let api = OpenApiRouter::new()
        .merge(workflows::router())
        .merge(cases::router())
        .merge(documents::router())
        .merge(search::router())
        .merge(timeline::router())
        .merge(events::router())
        .merge(incidents::router())
        .merge(payments::router());
    let (router, mut openapi) =
        OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", api).merge(health::router()).split_for_parts();
    // After the routes are in: modifiers given to `#[openapi]` run before them.
    responses::add_derived_problems(&mut openapi);
    (router, openapi)
}
