//! Lists of cases: the search (`GET /cases`, filtered, sorted by legal due date, cursor-paginated) and
//! the clerk's worklist (`GET /worklist`: the cases waiting for the clerk's offices, soonest due first,
//! with counts per state and overdue counts). The use cases are in [`crate::app::search`] and
//! [`crate::app::worklist`]; here are the query strings and the routes.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::search::{self, CaseFilter, CasePageDto};
use crate::app::worklist::{self, WorklistDto, WorklistPage};
use crate::extract::{Caller, QueryParams};
use crate::problem::Problem;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_cases)).routes(routes!(worklist))
}

/// Worklist paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorklistParams {
    /// Only this office (one of the clerk's).
    pub office: Option<String>,
    /// The `next` cursor of the previous page.
    pub cursor: Option<String>,
    /// Page size (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Searches cases the caller may see, soonest legal due date first.
#[utoipa::path(get, path = "/cases", tag = "cases", security(("bearer" = [])), params(CaseFilter),
    responses((status = 200, body = CasePageDto), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn search_cases(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(filter): QueryParams<CaseFilter>,
) -> Result<axum::Json<CasePageDto>, Problem> {
    Ok(axum::Json(search::search(&state, &caller, filter).await?))
}

/// The clerk's worklist: cases waiting for their offices, soonest legal due date first, with counts.
#[utoipa::path(get, path = "/worklist", tag = "cases", security(("bearer" = [])), params(WorklistParams),
    responses((status = 200, body = WorklistDto), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn worklist(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<WorklistParams>,
) -> Result<axum::Json<WorklistDto>, Problem> {
    let page = WorklistPage { office: params.office, cursor: params.cursor, limit: params.limit };
    Ok(axum::Json(worklist::worklist(&state, &caller, page).await?))
}
