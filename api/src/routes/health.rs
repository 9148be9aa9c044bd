//! Liveness, readiness and metrics: `/healthz` answers while the process runs, `/readyz` only when
//! the database answers and every migration has run, `/metrics` in Prometheus text. None of them needs
//! sign-in, and none of them says anything about a case.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::metrics::Backlog;
use crate::problem::Problem;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz)).routes(routes!(metrics))
}

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
async fn healthz() -> axum::Json<Health> {
    axum::Json(Health { status: "ok" })
}

/// The database answers and its schema is current.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn readyz(State(state): State<AppState>) -> Result<axum::Json<Health>, Problem> {
    state.store.ping().await.map_err(|_| Problem::new("not-ready", "the database does not answer"))?;
    let pending = state
        .store
        .pending_migrations()
        .await
        .map_err(|_| Problem::new("not-ready", "the schema version cannot be read"))?;
    if pending > 0 {
        return Err(Problem::new("not-ready", format!("{pending} migration(s) have not run")));
    }
    Ok(axum::Json(Health { status: "ok" }))
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let backlog = match state.store.backlog().await {
        Ok(b) => Backlog {
            timer_lag_seconds: b
                .oldest_due
                .map(|due| (state.store.now().as_microsecond() - due.as_microsecond()).max(0) as f64 / 1e6)
                .unwrap_or(0.0),
            due_timers: b.due_timers,
            outbox_pending: b.outbox_pending,
        },
        Err(_) => Backlog::default(),
    };
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render(backlog))
}
