//! The engine's hook ports on real systems: [`AppIoClient`] for App IO, [`GpdClient`] for pagoPA GPD,
//! [`SmtpMailer`] for e-mail and [`WebhookClient`] for other systems, each in its own file, with the
//! HTTP plumbing they share in [`http`]. [`build`](build()) turns the `[hooks]` settings into the
//! engine's [`Hooks`](sportello_hooks::Hooks), with the engine's fakes where a development
//! configuration names them.

pub mod app_io;
mod build;
mod describe;
pub mod email;
mod fakes;
pub mod gpd;
pub mod http;
mod redact;
pub mod secret;
pub mod settings;
#[cfg(test)]
mod test_server;
pub mod webhook;

pub use app_io::AppIoClient;
pub use build::{FakePorts, build};
pub use describe::describe;
pub use email::{SmtpConfig, SmtpMailer, SmtpSecurity};
pub use fakes::EngineFakes;
pub use gpd::{GpdClient, GpdConfig};
pub use secret::Secret;
pub use settings::HooksSettings;
pub use webhook::WebhookClient;
