//! Deployed definitions, parsed once per process: a case names its workflow and version, and the
//! stored source of that version is what it runs on, whatever has been deployed since. The latest
//! version of each workflow is remembered as last read, for opening cases; whoever uses it checks in
//! the database that it still is the latest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::db;
use super::entities::workflow_version;
use super::sql::by_key;
use sportello_definition::Definition;
use sportello_runtime::error::Error;

/// Parsed definitions by (workflow, version), and the latest version of each workflow as last read.
#[derive(Debug, Default)]
pub struct Definitions {
    parsed: Mutex<HashMap<(String, u32), Arc<Definition>>>,
    latest: Mutex<HashMap<String, Arc<Definition>>>,
}

impl Definitions {
    /// The definition of `workflow` at `version`.
    pub async fn get(
        &self,
        conn: &impl ConnectionTrait,
        workflow: &str,
        version: u32,
    ) -> Result<Arc<Definition>, Error> {
        let key = (workflow.to_owned(), version);
        if let Some(found) = self.parsed.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(found.clone());
        }
        let row = by_key(workflow_version::Entity::find_by_id((workflow.to_owned(), version as i32)), conn)
            .await?
            .ok_or_else(|| Error::WorkflowNotFound(workflow.to_owned()))?;
        let parsed = Arc::new(parse(&row)?);
        self.parsed.lock().unwrap_or_else(PoisonError::into_inner).insert(key, parsed.clone());
        Ok(parsed)
    }

    /// The latest deployed version of `workflow`.
    pub async fn latest(&self, conn: &impl ConnectionTrait, workflow: &str) -> Result<Arc<Definition>, Error> {
        // `MAX` rather than `ORDER BY … LIMIT ?`, which SQLite re-prepares on every call (see `by_key`).
        let versions: Vec<Option<i32>> = workflow_version::Entity::find()
            .select_only()
            .expr(sea_orm::sea_query::Func::max(sea_orm::sea_query::Expr::col(workflow_version::Column::Version)))
            .filter(workflow_version::Column::Workflow.eq(workflow))
            .into_tuple()
            .all(conn)
            .await
            .map_err(db)?;
        let version =
            versions.into_iter().flatten().next().ok_or_else(|| Error::WorkflowNotFound(workflow.to_owned()))?;
        let latest = self.get(conn, workflow, version as u32).await?;
        self.latest.lock().unwrap_or_else(PoisonError::into_inner).insert(workflow.to_owned(), latest.clone());
        Ok(latest)
    }

    /// The latest version of `workflow` as [`Definitions::latest`] last read it, if it has: another
    /// version may have been deployed since (by another process, say), so whoever uses it checks in
    /// the database that it is still the latest.
    pub fn latest_read(&self, workflow: &str) -> Option<Arc<Definition>> {
        self.latest.lock().unwrap_or_else(PoisonError::into_inner).get(workflow).cloned()
    }
}

/// A stored source back into a definition. It validated when it was deployed, so a failure here means
/// the row was changed by hand or the validator changed meaning; either way the case cannot run.
///
/// The definition carries the version number the store gave it when it was deployed (1, 2, … for each
/// changed file), which is what cases record, whatever number the file's own `version` key says.
pub fn parse(row: &workflow_version::Model) -> Result<Definition, Error> {
    let report = sportello_definition::load_stored(&row.source, Some(&row.workflow));
    report.definition.map(|definition| definition.stored_as(row.version as u32)).ok_or_else(|| {
        let first = report.diagnostics.first().map(|d| d.message.clone()).unwrap_or_default();
        Error::InvalidWorkflow(format!(
            "stored version {} of `{}` no longer validates: {first}",
            row.version, row.workflow
        ))
    })
}
