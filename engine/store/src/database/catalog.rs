//! The catalogue of deployed workflows: which workflows exist, their versions with hash and deploy
//! instant, and the parsed definition of any version (the latest, or the one a case runs on).

use std::sync::Arc;

use jiff::Timestamp;
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};

use super::entities::workflow_version;
use super::{Store, db};
use crate::types::{DeployedVersion, WorkflowVersions};
use sportello_definition::Definition;
use sportello_runtime::error::Error;

impl Store {
    /// Every deployed workflow with its versions, workflows by id and versions oldest first.
    pub async fn workflows(&self) -> Result<Vec<WorkflowVersions>, Error> {
        let rows: Vec<(String, i32, String, i64)> = workflow_version::Entity::find()
            .select_only()
            .columns([
                workflow_version::Column::Workflow,
                workflow_version::Column::Version,
                workflow_version::Column::Hash,
                workflow_version::Column::DeployedAt,
            ])
            .order_by_asc(workflow_version::Column::Workflow)
            .order_by_asc(workflow_version::Column::Version)
            .into_tuple()
            .all(&self.inner.reader)
            .await
            .map_err(db)?;
        let mut workflows: Vec<WorkflowVersions> = Vec::new();
        for (workflow, version, hash, deployed_at) in rows {
            let deployed = DeployedVersion {
                version: version as u32,
                hash,
                deployed_at: Timestamp::from_microsecond(deployed_at).unwrap_or(Timestamp::UNIX_EPOCH),
            };
            match workflows.last_mut() {
                Some(last) if last.workflow == workflow => last.versions.push(deployed),
                _ => workflows.push(WorkflowVersions { workflow, versions: vec![deployed] }),
            }
        }
        Ok(workflows)
    }

    /// The definition of `workflow` at `version`, or at its latest version.
    pub async fn definition(&self, workflow: &str, version: Option<u32>) -> Result<Arc<Definition>, Error> {
        match version {
            Some(version) => self.inner.definitions.get(&self.inner.reader, workflow, version).await,
            None => self.inner.definitions.latest(&self.inner.reader, workflow).await,
        }
    }
}
