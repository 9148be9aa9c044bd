//! `GET /payments`: the signed-in citizen's pagoPA payments across all their cases, read through
//! [`crate::app::payments`].

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::payments::{self, CasePaymentDto};
use crate::extract::Caller;
use crate::problem::Problem;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_payments))
}

/// The citizen's payments on all their cases, each with its case, notice and whether it is paid.
/// Citizens only: staff read payments on each case.
#[utoipa::path(get, path = "/payments", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<CasePaymentDto>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn my_payments(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<axum::Json<Vec<CasePaymentDto>>, Problem> {
    Ok(axum::Json(payments::of_citizen(&state, &caller).await?))
}
