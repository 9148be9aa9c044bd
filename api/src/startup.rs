//! Building and running the server: [`Application::build`] binds the listener (port 0 picks a free
//! one, which [`Application::port`] reads back), assembles the routes with their protection (body
//! limit, timeout, rate limit, security headers, CORS only when origins are configured) and, unless
//! told not to, starts the timer and outbox workers in the same process. [`Application::run_until_stopped`] serves
//! until the shutdown future completes, lets requests in flight finish, then stops the worker between
//! two rounds, so no acknowledged work is lost.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::{any, get};
use axum::serve::ListenerExt;
use sportello_hooks::Hooks;
use sportello_hooks::deliver::Deliverer;
use sportello_store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::Authenticator;
use crate::config::Settings;
use crate::connection::GuardedListener;
use crate::integrations::Integrations;
use crate::metrics::Metrics;
use crate::middleware::{self, Protection, RateLimiter};
use crate::state::AppState;
use crate::web::Web;
use crate::{outbox_worker, statistics_task, timer_worker};

/// The OpenAPI document, rendered once.
static OPENAPI_JSON: OnceLock<String> = OnceLock::new();

/// What the server is built from, so tests can hand in their own store (with a manual clock) and
/// authenticator.
pub struct Dependencies {
    /// The store, migrated.
    pub store: Store,
    /// The authenticator.
    pub auth: Authenticator,
    /// The ports effects are delivered through (`Hooks::default()`: none configured).
    pub hooks: Hooks,
}

/// The state of the server's router: the application's, which the API's handlers and the use cases
/// take, and the pages' own, which only the pages take. Each is handed out through [`FromRef`].
#[derive(Clone)]
pub struct ServerState {
    /// The application's state.
    pub app: AppState,
    /// The pages' state.
    pub web: Arc<Web>,
}

impl FromRef<ServerState> for AppState {
    fn from_ref(state: &ServerState) -> AppState {
        state.app.clone()
    }
}

impl FromRef<ServerState> for Arc<Web> {
    fn from_ref(state: &ServerState) -> Arc<Web> {
        state.web.clone()
    }
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    checkpoints: Option<crate::checkpoint::Schedule>,
    head_timeout: Duration,
    /// The address clients reach the server at: problem `type`s are links under it.
    public_url: Arc<str>,
    router: Router,
    state: AppState,
    workers: bool,
    poll: Duration,
    deliverer: Deliverer,
    outbox_poll: Duration,
    payments_poll: Duration,
}

impl Application {
    /// Binds `settings.listen` and assembles the routes.
    pub async fn build(settings: &Settings, deps: Dependencies) -> anyhow::Result<Application> {
        let deliverer = settings.deliverer(deps.store.clone(), deps.hooks);
        let (outbox_poll, payments_poll) = settings.outbox_intervals();
        let oidc = crate::web::Provider::from_settings(&settings.auth, &settings.web)?;
        let mut web =
            Web::new(settings.web.clone(), settings.dev, settings.workflows.clone(), oidc, deps.store.clone())?;
        web.simulated_payments = settings.simulates_payments();
        let state = AppState {
            store: deps.store,
            auth: Arc::new(deps.auth),
            integrations: Arc::new(Integrations::new(&settings.integrations)?),
            metrics: Arc::new(Metrics::default()),
            creditor: deliverer.hooks.debt_positions.as_ref().map(|gpd| Arc::new(gpd.creditor().clone())),
            refusals: Default::default(),
            seen: Default::default(),
            documents: crate::documents::open(&settings.documents)?,
            upload_ttl: Duration::from_secs(settings.documents.upload_hours.max(1) * 3600),
        };
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let public_url: Arc<str> =
            settings.public_url(listener.local_addr().context("cannot read the bound address")?).into();
        let router = router(settings, ServerState { app: state.clone(), web: Arc::new(web) }, public_url.clone())?;
        Ok(Application {
            listener,
            checkpoints: None,
            head_timeout: Duration::from_secs(settings.limits.request_timeout_seconds),
            public_url,
            router,
            state,
            workers: settings.workers,
            poll: Duration::from_secs_f64(settings.worker_poll_seconds),
            deliverer,
            outbox_poll,
            payments_poll,
        })
    }

    /// Takes signed audit checkpoints on `schedule` while it runs.
    pub fn with_checkpoints(mut self, schedule: Option<crate::checkpoint::Schedule>) -> Application {
        self.checkpoints = schedule;
        self
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or_default()
    }

    /// The application's state, for commands run through the application layer before serving (the
    /// dev cases).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes; then finishes requests in flight and stops the worker.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let statistics = tokio::spawn(statistics_task::run(self.state.store.clone(), stop_rx.clone()));
        let checkpoints = self
            .checkpoints
            .map(|schedule| tokio::spawn(crate::checkpoint::run(self.state.store.clone(), schedule, stop_rx.clone())));
        let outbox = self.workers.then(|| {
            tokio::spawn(outbox_worker::run(
                self.deliverer.clone(),
                self.outbox_poll,
                self.payments_poll,
                stop_rx.clone(),
            ))
        });
        let tidying =
            self.workers.then(|| tokio::spawn(crate::app::documents_cleanup::run(self.state.clone(), stop_rx.clone())));
        let worker = self.workers.then(|| {
            tokio::spawn(timer_worker::run(self.state.store.clone(), self.poll, stop_rx, timer_worker::log_round))
        });
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        // The tap changes nothing; through it each request knows its client's address
        // (`ConnectInfo<SocketAddr>`, for the rate limit).
        let listener = GuardedListener::new(self.listener, self.head_timeout, self.public_url).tap_io(|_| {});
        let served = axum::serve(listener, service).with_graceful_shutdown(shutdown).await;
        let _ = stop_tx.send(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        if let Some(outbox) = outbox {
            let _ = outbox.await;
        }
        if let Some(tidying) = tidying {
            let _ = tidying.await;
        }
        let _ = statistics.await;
        if let Some(checkpoints) = checkpoints {
            let _ = checkpoints.await;
        }
        served.context("the server failed")
    }
}

fn router(settings: &Settings, state: ServerState, public_url: Arc<str>) -> anyhow::Result<Router> {
    let (routes, openapi) = crate::routes::routes();
    let json = OPENAPI_JSON.get_or_init(|| openapi.to_pretty_json().unwrap_or_default()).clone();
    let protection = Protection { timeout: Duration::from_secs(settings.limits.request_timeout_seconds) };
    let limiter = Arc::new(RateLimiter::new(settings.limits.requests_per_minute));
    let mut router = routes
        .with_state::<ServerState>(state.app.clone())
        .merge(crate::web::router(state.web.clone()))
        .route("/api/v1/openapi.json", get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json) }))
        // An unknown path under `/api` is the API's `route-not-found`; any other is the pages' 404
        // (the web router's fallback).
        .route("/problems/{code}", get(crate::problem_pages::serve_page))
        .route("/api", any(middleware::route_not_found))
        .route("/api/{*rest}", any(middleware::route_not_found))
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(DefaultBodyLimit::max(settings.limits.body_bytes))
        .layer(CatchPanicLayer::custom(middleware::handler_panicked))
        .layer(axum::middleware::from_fn_with_state((state.app.clone(), protection), middleware::observe))
        .layer(axum::middleware::from_fn_with_state(limiter, middleware::rate_limit))
        .layer(axum::middleware::from_fn_with_state(public_url, crate::problem_pages::absolute_types))
        .with_state(state);
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
        ("cache-control", "no-store"),
    ] {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    if !settings.cors.allowed_origins.is_empty() {
        let origins = settings
            .cors
            .allowed_origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o).with_context(|| format!("cors.allowed_origins: `{o}` is not a valid origin"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::IF_MATCH,
                    HeaderName::from_static("idempotency-key"),
                ])
                .expose_headers([header::ETAG, header::LOCATION]),
        );
    }
    Ok(router)
}
