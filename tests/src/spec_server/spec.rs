//! An OpenAPI document loaded for validation: read from YAML or JSON, told apart as Swagger 2.0 or
//! OpenAPI 3.0/3.1, normalised and compiled once, indexed by operation, and routed: which operation a
//! method and a request path name, below which base path.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use axum::http::Method;
use serde_json::Value;

use super::context::Context;
use super::operation::Operation;
use super::schema::{self, Compiler, Dialect};

/// The methods a path item may hold.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A loaded OpenAPI document. Cloning is cheap.
#[derive(Clone)]
pub struct Spec {
    loaded: Arc<Loaded>,
    base_path: String,
}

struct Loaded {
    source: PathBuf,
    dialect: Dialect,
    title: String,
    operations: Vec<Operation>,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("source", &self.loaded.source)
            .field("dialect", &self.loaded.dialect)
            .field("base_path", &self.base_path)
            .finish_non_exhaustive()
    }
}

/// What a method and a path name in the document.
pub(super) enum Route<'a> {
    /// The operation, with the path parameters' decoded values.
    Found(&'a Operation, Vec<(String, String)>),
    /// The path exists, not with this method; the methods it has.
    WrongMethod(Vec<&'a Method>),
    /// No path template matches.
    Unknown,
    /// The path is not below the base path.
    OutsideBasePath,
}

impl Spec {
    /// Loads a Swagger 2.0 or OpenAPI 3.x document, YAML (`.yaml`, `.yml`) or JSON, and compiles every
    /// schema its operations use. The base path is Swagger's `basePath` or the path of the first
    /// `servers[].url`.
    pub fn load(path: impl AsRef<Path>) -> anyhow::Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_text(&text, path).with_context(|| format!("loading {}", path.display()))
    }

    /// The App IO services API (Swagger 2.0, base path `/api/v1`), loaded once per test binary.
    pub fn app_io() -> anyhow::Result<Self> {
        static LOADED: OnceLock<Result<Spec, String>> = OnceLock::new();
        bundled(&LOADED, "io-services-api.yaml")
    }

    /// The pagoPA GPD debt positions API (OpenAPI 3.1, base path `/gpd/debt-positions-service/v1`),
    /// loaded once per test binary.
    pub fn gpd_debt_positions() -> anyhow::Result<Self> {
        static LOADED: OnceLock<Result<Spec, String>> = OnceLock::new();
        bundled(&LOADED, "pagopa-gpd-api.json")
    }

    /// The pagoPA GPD payment receipts API (OpenAPI 3.0, base path `/gpd/payments-receipts-service/v1`),
    /// loaded once per test binary.
    pub fn gpd_receipts() -> anyhow::Result<Self> {
        static LOADED: OnceLock<Result<Spec, String>> = OnceLock::new();
        bundled(&LOADED, "pagopa-gpd-receipts-api.json")
    }

    fn from_text(text: &str, path: &Path) -> anyhow::Result<Self> {
        let yaml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        let mut document = if yaml {
            sportello_definition::parse::parse_text(text)
                .map_err(|d| anyhow::anyhow!("{}:{}: {}", d.location.line, d.location.column, d.message))?
                .to_json()
        } else {
            serde_json::from_str(text)?
        };
        let dialect = Dialect::of(&document)?;
        schema::normalise(&mut document, dialect);
        let compiler = Compiler::new(&document, dialect);
        let context = Context { document: &document, dialect, compiler: &compiler };
        let mut operations = Vec::new();
        for (template, item) in
            document.get("paths").and_then(Value::as_object).context("the document has no `paths`")?
        {
            let item = context.resolve(item)?;
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    operations.push(context.operation(template, method, item, op)?);
                }
            }
        }
        let loaded = Loaded {
            source: path.to_owned(),
            dialect,
            title: document.pointer("/info/title").and_then(Value::as_str).unwrap_or_default().to_owned(),
            operations,
        };
        Ok(Self { base_path: document_base_path(&document, dialect), loaded: Arc::new(loaded) })
    }

    /// The same document served below another base path (`""` for none).
    pub fn with_base_path(mut self, base_path: &str) -> Self {
        self.base_path = clean_base_path(base_path);
        self
    }

    /// The base path requests must start with, e.g. `/api/v1`; `""` for none.
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// Swagger 2.0, OpenAPI 3.0 or 3.1.
    pub fn dialect(&self) -> Dialect {
        self.loaded.dialect
    }

    /// The document's `info.title`.
    pub fn title(&self) -> &str {
        &self.loaded.title
    }

    /// Every operation, in document order.
    pub fn operations(&self) -> &[Operation] {
        &self.loaded.operations
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations().iter().find(|op| op.id() == id)
    }

    /// The operation for `method` on `path` (the full request path, still percent-encoded).
    pub(super) fn route(&self, method: &Method, path: &str) -> Route<'_> {
        let Some(below) = path.strip_prefix(self.base_path.as_str()) else { return Route::OutsideBasePath };
        let below = match below {
            "" => "/",
            below if below.starts_with('/') => below,
            _ => return Route::OutsideBasePath,
        };
        let matching: Vec<(&Operation, Vec<(String, String)>)> =
            self.operations().iter().filter_map(|op| Some((op, op.path.capture(below)?))).collect();
        let best = matching
            .iter()
            .filter(|(op, _)| op.method() == method)
            .reduce(|best, next| if next.0.path.specificity(&best.0.path).is_gt() { next } else { best });
        match best {
            Some((op, params)) => Route::Found(op, params.clone()),
            None if matching.is_empty() => Route::Unknown,
            None => Route::WrongMethod(matching.iter().map(|(op, _)| op.method()).collect()),
        }
    }
}

/// A document of `tests/specs/`, loaded (and compiled) at most once.
fn bundled(cell: &OnceLock<Result<Spec, String>>, file: &str) -> anyhow::Result<Spec> {
    let loaded = cell.get_or_init(|| Spec::load(specs_dir().join(file)).map_err(|error| format!("{error:#}")));
    loaded.clone().map_err(anyhow::Error::msg)
}

/// `tests/specs/`, where the public documents are kept.
pub fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")
}

fn document_base_path(document: &Value, dialect: Dialect) -> String {
    let declared = match dialect {
        Dialect::Swagger2 => document.get("basePath").and_then(Value::as_str).unwrap_or_default(),
        Dialect::OpenApi30 | Dialect::OpenApi31 => {
            let url = document.pointer("/servers/0/url").and_then(Value::as_str).unwrap_or_default();
            match url.split_once("://") {
                Some((_, rest)) => rest.find('/').map_or("", |slash| &rest[slash..]),
                None => url,
            }
        }
    };
    clean_base_path(declared)
}

/// `/api/v1/` → `/api/v1`, `api` → `/api`, `/` → ``.
fn clean_base_path(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() { String::new() } else { format!("/{trimmed}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_loads_with_its_base_path_and_dialect() {
        let app_io = Spec::app_io().unwrap();
        assert_eq!((app_io.dialect(), app_io.base_path()), (Dialect::Swagger2, "/api/v1"));
        let gpd = Spec::gpd_debt_positions().unwrap();
        assert_eq!((gpd.dialect(), gpd.base_path()), (Dialect::OpenApi31, "/gpd/debt-positions-service/v1"));
        let receipts = Spec::gpd_receipts().unwrap();
        assert_eq!(
            (receipts.dialect(), receipts.base_path()),
            (Dialect::OpenApi30, "/gpd/payments-receipts-service/v1")
        );
        assert_eq!(receipts.with_base_path("/receipts/").base_path(), "/receipts");
    }

    #[test]
    fn the_operations_a_client_calls_are_there() {
        let app_io = Spec::app_io().unwrap();
        let gpd = Spec::gpd_debt_positions().unwrap();
        let receipts = Spec::gpd_receipts().unwrap();
        let found = [
            (&app_io, "getProfile"),
            (&app_io, "submitMessageforUserWithFiscalCodeInBody"),
            (&gpd, "createPosition"),
            (&gpd, "getOrganizationDebtPositionByIUPD"),
            (&receipts, "getReceiptByIUV"),
        ]
        .map(|(spec, id)| spec.operation(id).map(Operation::label));
        assert_eq!(
            found.map(Option::unwrap_or_default),
            [
                "GET /profiles/{fiscal_code}",
                "POST /messages",
                "POST /organizations/{organizationfiscalcode}/debtpositions",
                "GET /organizations/{organizationfiscalcode}/debtpositions/{iupd}",
                "GET /payments/{organizationfiscalcode}/receipts/{iuv}",
            ]
        );
    }

    #[test]
    fn a_literal_path_wins_over_a_template_and_a_wrong_method_is_told_apart() {
        let gpd = Spec::gpd_debt_positions().unwrap();
        let base = "/gpd/debt-positions-service/v1/organizations/77777777777/debtpositions";
        let id = |route: Route<'_>| match route {
            Route::Found(op, _) => op.id().to_owned(),
            Route::WrongMethod(methods) => format!("wrong method; allowed {methods:?}"),
            Route::Unknown => "unknown".to_owned(),
            Route::OutsideBasePath => "outside".to_owned(),
        };
        assert_eq!(id(gpd.route(&Method::PATCH, &format!("{base}/transfers"))), "updateTransferIbanMassive");
        assert_eq!(id(gpd.route(&Method::GET, &format!("{base}/transfers"))), "getOrganizationDebtPositionByIUPD");
        assert_eq!(
            id(gpd.route(&Method::PATCH, &format!("{base}/IUPD-1"))),
            "wrong method; allowed [GET, PUT, DELETE]"
        );
        assert_eq!(id(gpd.route(&Method::GET, "/gpd/debt-positions-service/v1/nothing")), "unknown");
        assert_eq!(id(gpd.route(&Method::GET, "/gpd/debt-positions-service/v10/info")), "outside");
    }
}
