//! The analyst's pages: the catalogue of deployed workflows with their versions; each workflow with its
//! state diagram drawn as SVG on the server, its states and transitions; a validation page (paste a
//! workflow file, get every problem with its line, column and the lines around it); and the scenario
//! tests beside the deployed workflows, run on request, with their transition coverage.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value as Json, json};
use sportello_definition as definition;
use sportello_store::scenario;

use crate::app::workflows;
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::visitor::{Form, Visitor};
use crate::workflow_files;

/// Lines shown before and after a diagnostic's line.
const AROUND: usize = 2;
/// The largest workflow file the validation page takes, in bytes.
const MAX_SOURCE: usize = 512 * 1024;

/// `/procedimenti`: every deployed workflow.
pub async fn catalogue(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    page.analyst("/procedimenti")?;
    let catalogue = workflows::catalogue(&state).await?;
    Ok(page.render(
        "workflows",
        &page.t("workflows"),
        Place::Section("/procedimenti"),
        None,
        json!({"workflows": catalogue}),
    ))
}

/// `?version=`.
#[derive(Debug, Default, Deserialize)]
pub struct Version {
    version: Option<u32>,
}

/// `/procedimenti/{id}`: one workflow, its diagram, states and transitions.
pub async fn workflow(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Path(id): Path<String>,
    Query(query): Query<Version>,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    page.analyst(&format!("/procedimenti/{id}"))?;
    let definition = workflows::definition(&state, &id, query.version).await?;
    let svg = crate::web::diagram::svg(&definition).map_err(|e| PageError::internal(&e.to_string()))?;
    let detail = workflows::detail_of(&definition);
    let data = json!({
        "id": id,
        "version": definition.version,
        "title": detail.title,
        "description": detail.description,
        "states": detail.states,
        "transitions": detail.transitions,
        "svg": svg,
    });
    Ok(page.render("workflow", definition.title.get(page.language()), Place::Within("/procedimenti"), None, data))
}

/// `/procedimenti/valida`: the empty validation form.
pub async fn validate_form(State(web): State<Arc<Web>>, Visitor(session): Visitor) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    page.analyst("/procedimenti/valida")?;
    Ok(page.render(
        "validate",
        &page.t("validate_title"),
        Place::Section("/procedimenti/valida"),
        None,
        json!({"checked": false}),
    ))
}

/// `POST /procedimenti/valida`: the pasted file's diagnostics, each with the lines around it.
pub async fn validate(
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    form: Form,
) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    page.analyst("/procedimenti/valida")?;
    // An uploaded file, when one was chosen, as sent (the validator names bytes that are not UTF-8, as
    // `sportello validate` does); else what was pasted.
    let uploaded = form.file("file").filter(|f| !f.iter().all(u8::is_ascii_whitespace));
    let sent = uploaded.unwrap_or_else(|| form.get("source").unwrap_or_default().as_bytes());
    if sent.len() > MAX_SOURCE {
        return Err(PageError::too_large());
    }
    let bytes = match std::str::from_utf8(sent) {
        Ok(text) => text.replace("\r\n", "\n").into_bytes(),
        Err(_) => sent.to_vec(),
    };
    let report = definition::load(&bytes, None);
    let source = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = source.lines().collect();
    let diagnostics: Vec<Json> = report
        .diagnostics
        .iter()
        .map(|d| {
            let line = d.location.line as usize;
            let first = line.saturating_sub(AROUND + 1);
            let last = (line + AROUND).min(lines.len());
            let excerpt: Vec<Json> = (first..last)
                .map(|i| json!({"number": i + 1, "text": lines.get(i).copied().unwrap_or_default(), "current": i + 1 == line}))
                .collect();
            json!({
                "line": line,
                "column": d.location.column,
                "message": d.message,
                "code": d.code,
                "help": d.hint,
                "excerpt": excerpt,
            })
        })
        .collect();
    let data = json!({
        "checked": true,
        "valid": report.is_valid(),
        "workflow": report.definition.as_ref().map(|d| d.id.to_string()),
        "count": diagnostics.len(),
        "diagnostics": diagnostics,
        "source": source,
    });
    Ok(page.render("validate", &page.t("validate_title"), Place::Section("/procedimenti/valida"), None, data))
}

/// `/procedimenti/scenari`: every `*.test.yaml` in the workflows folder, run now.
pub async fn scenarios(State(web): State<Arc<Web>>, Visitor(session): Visitor) -> Result<Response, PageError> {
    let page = Page::new(&web, &session);
    page.analyst("/procedimenti/scenari")?;
    let folder = web.workflows.clone();
    let files = tokio::task::spawn_blocking(move || run_scenarios(&folder))
        .await
        .map_err(|e| PageError::internal(&e.to_string()))?;
    Ok(page.render(
        "scenarios",
        &page.t("scenarios_title"),
        Place::Section("/procedimenti/scenari"),
        None,
        json!({"files": files}),
    ))
}

fn run_scenarios(folder: &FsPath) -> Vec<Json> {
    // A missing or unreadable folder shows no scenarios, as an empty one does.
    let files = workflow_files::collect_scenarios(&[folder.to_path_buf()]).unwrap_or_default();
    files.iter().map(|file| run_file(file)).collect()
}

fn run_file(file: &FsPath) -> Json {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let workflow_file = PathBuf::from(file.to_string_lossy().replace(".test.yaml", ".yaml"));
    let failed = |message: String| json!({"workflow": name, "passed": 0, "failed": 1, "error": message, "results": []});
    let Ok(source) = std::fs::read_to_string(&workflow_file) else {
        return failed(format!("cannot read {}", workflow_file.display()));
    };
    let report = definition::load_str(&source, workflow_file.file_stem().and_then(|s| s.to_str()));
    let Some(definition) = report.definition else {
        return failed(format!("{} does not validate", workflow_file.display()));
    };
    let Ok(text) = std::fs::read_to_string(file) else {
        return failed(format!("cannot read {name}"));
    };
    let result = match // On a blocking thread of the server's runtime (the files are read synchronously), which may
    // wait on the scenario runner's in-memory store.
    tokio::runtime::Handle::current().block_on(scenario::run(&definition, &text)) {
        Ok(result) => result,
        Err((at, message)) => return failed(format!("{name}:{}:{}: {message}", at.line, at.column)),
    };
    let mut results: Vec<Json> = result.passed.iter().map(|s| json!({"ok": true, "name": s})).collect();
    results.extend(result.failures.iter().map(|(s, at, message)| {
        json!({"ok": false, "name": s, "at": format!("{name}:{}:{}", at.line, at.column), "message": message})
    }));
    let (covered, total) = scenario::coverage(&definition, &result.covered);
    let missing: Vec<&str> =
        definition.transitions.keys().map(|t| t.as_str()).filter(|t| !result.covered.contains(*t)).collect();
    json!({
        "workflow": definition.id.to_string(),
        "passed": result.passed.len(),
        "failed": result.failures.len(),
        "coverage": {"covered": covered, "total": total, "percent": (covered * 100).checked_div(total).unwrap_or(100), "missing": missing.join(", ")},
        "results": results,
    })
}
