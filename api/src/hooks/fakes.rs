//! The engine's fakes as the ports `provider = "fake"` names: for a local demo only (`--dev`).

use std::sync::Arc;

use sportello_hooks::fake::{FakeAppIo, FakeDebtPositions, FakeMailer, FakeWebhooks};
use sportello_hooks::{AppIo, Creditor, DebtPositions, Mailer, Webhooks};

use super::build::FakePorts;

/// Fresh in-memory fakes, one per port.
#[derive(Debug, Default, Clone, Copy)]
pub struct EngineFakes;

impl FakePorts for EngineFakes {
    fn app_io(&self) -> Arc<dyn AppIo> {
        Arc::new(FakeAppIo::new())
    }

    fn mailer(&self) -> Arc<dyn Mailer> {
        Arc::new(FakeMailer::new())
    }

    fn debt_positions(&self, creditor: Creditor) -> Arc<dyn DebtPositions> {
        Arc::new(FakeDebtPositions::new(creditor))
    }

    fn webhooks(&self) -> Arc<dyn Webhooks> {
        Arc::new(FakeWebhooks::new())
    }
}
