//! Deploying a workflow file: validate it, then store its source and SHA-256 as the next version,
//! unless the latest version already has that hash. Cases keep the version they were opened with.

use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entities::workflow_version;
use super::sql::{micros, sha256_hex};
use super::{Store, db};
use crate::types::Deployed;
use sportello_definition as definition;
use sportello_runtime::error::Error;

/// Deploys `source`.
pub async fn deploy(store: &Store, source: &str, file_stem: Option<&str>) -> Result<Deployed, Error> {
    let report = definition::load_str(source, file_stem);
    let Some(definition) = report.definition else {
        let first = report
            .diagnostics
            .iter()
            .find(|d| d.severity == definition::Severity::Error)
            .map(|d| format!("{}:{}: {}", d.location.line, d.location.column, d.message))
            .unwrap_or_default();
        return Err(Error::InvalidWorkflow(first));
    };
    let workflow = definition.id.to_string();
    let hash = sha256_hex(source);
    let source = source.to_owned();
    let now = store.now();
    store
        .inner
        .writer
        .write(true, move |txn| {
            Box::pin(async move {
                let latest = workflow_version::Entity::find()
                    .filter(workflow_version::Column::Workflow.eq(workflow.as_str()))
                    .order_by_desc(workflow_version::Column::Version)
                    .one(txn)
                    .await
                    .map_err(db)?;
                if let Some(latest) = latest.as_ref().filter(|l| l.hash == hash) {
                    return Ok(Deployed { workflow, version: latest.version as u32, changed: false });
                }
                let version = latest.map_or(1, |l| l.version + 1);
                let row = workflow_version::ActiveModel {
                    workflow: Set(workflow.clone()),
                    version: Set(version),
                    source: Set(source),
                    hash: Set(hash),
                    deployed_at: Set(micros(now)),
                };
                workflow_version::Entity::insert(row).exec_without_returning(txn).await.map_err(db)?;
                Ok(Deployed { workflow, version: version as u32, changed: true })
            })
        })
        .await
}
