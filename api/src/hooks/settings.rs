//! The `[hooks]` settings: which provider serves each port and how to reach it. Every section is
//! optional, and a port whose section is absent is not configured (an effect that needs it becomes an
//! incident that says so). Plain data read with serde; [`build`](super::build()) checks it and builds the
//! clients.
//!
//! ```toml
//! [hooks.app_io]
//! provider = "http"                 # or "fake" (only with --dev)
//! subscription_key = "…"
//!
//! [hooks.pagopa]
//! provider = "http"
//! subscription_key = "…"
//! creditor_fiscal_code = "80012345676"
//! creditor_name = "Comune di Esempio"
//! segregation_code = "01"
//! iban = "IT60X0542811101000000123456"
//! category = "9/0101108TS/"
//!
//! [hooks.email]
//! provider = "smtp"
//! host = "smtp.comune.example.it"
//! username = "sportello"
//! password = "…"
//! from = "Comune di Esempio <noreply@comune.example.it>"
//!
//! [hooks.webhooks.protocol]         # one table per endpoint; `provider` is not an endpoint name
//! url = "https://protocollo.comune.example.it/sportello"
//! secret = "…at least 32 characters…"
//! ```

use indexmap::IndexMap;
use serde::Deserialize;

use super::email::SmtpSecurity;
use super::secret::Secret;

/// The `[hooks]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HooksSettings {
    /// App IO messages (`[hooks.app_io]`).
    pub app_io: Option<AppIoSettings>,
    /// pagoPA GPD debt positions (`[hooks.pagopa]`).
    pub pagopa: Option<PagopaSettings>,
    /// E-mail, the fallback for citizens not on App IO (`[hooks.email]`).
    pub email: Option<EmailSettings>,
    /// Other systems' webhooks (`[hooks.webhooks.<endpoint>]`).
    pub webhooks: Option<WebhooksSettings>,
}

/// Who serves an HTTP port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HttpProvider {
    /// The real API.
    #[default]
    Http,
    /// The in-process fake, which records calls and reaches nobody: only with `--dev`.
    Fake,
}

/// Who serves the e-mail port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailProvider {
    /// An SMTP relay.
    Smtp,
    /// The in-process fake, which records e-mails and sends none: only with `--dev`.
    Fake,
}

/// `[hooks.app_io]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppIoSettings {
    /// `"http"` for App IO, `"fake"` for the in-process fake.
    pub provider: HttpProvider,
    /// The API's base URL (UAT and production share it; the key decides).
    #[serde(default = "default_app_io_url")]
    pub base_url: String,
    /// The service's subscription key (`Ocp-Apim-Subscription-Key`); required with `"http"`.
    pub subscription_key: Option<Secret>,
    /// Seconds to wait for an answer before the call counts as failed (and is retried later).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
}

/// `[hooks.pagopa]`: GPD and the municipality as a creditor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagopaSettings {
    /// `"http"` for GPD, `"fake"` for the in-process fake.
    pub provider: HttpProvider,
    /// GPD's base URL, debt positions v1 (UAT:
    /// `https://api.uat.platform.pagopa.it/gpd/debt-positions-service/v1`).
    #[serde(default = "default_gpd_url")]
    pub base_url: String,
    /// The GPD subscription key; required with `"http"`.
    pub subscription_key: Option<Secret>,
    /// The municipality's fiscal code (11 digits); always required.
    pub creditor_fiscal_code: Option<String>,
    /// The municipality's name as printed on notices (at most 140 characters); always required.
    pub creditor_name: Option<String>,
    /// The segregation code of its notice numbers (two digits, e.g. `"01"`); always required.
    pub segregation_code: Option<String>,
    /// The IBAN payments are credited to; required with `"http"`.
    pub iban: Option<String>,
    /// The transfer's taxonomy code (e.g. `"9/0101108TS/"`); required with `"http"`.
    pub category: Option<String>,
    /// Days after the due date that GPD keeps a position payable (its `retentionDate`).
    #[serde(default = "default_retention_days")]
    pub retention_days: u16,
    /// Seconds to wait for an answer before the call counts as failed (and is retried later).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
    /// Added to each payment's row id to make the 13-digit base of its notice number (default 0). Set
    /// it above every base this segregation code has used before, when starting on a new database.
    #[serde(default)]
    pub notice_offset: u64,
    /// Seconds between two passes asking GPD about the open payments (default 600).
    #[serde(default = "default_poll_seconds")]
    pub poll_seconds: f64,
}

/// `[hooks.email]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// `"smtp"` for a relay, `"fake"` for the in-process fake.
    pub provider: EmailProvider,
    /// The relay's host name; required with `"smtp"`.
    pub host: Option<String>,
    /// The relay's port; by default 587, 465 or 25 after `security`.
    pub port: Option<u16>,
    /// `"starttls"` (the default), `"tls"`, or `"none"` for a local relay.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The user name, when the relay wants one (then `password` too).
    pub username: Option<String>,
    /// The password.
    pub password: Option<Secret>,
    /// The sender, e.g. `"Comune di Esempio <noreply@comune.example.it>"`; required with `"smtp"`.
    pub from: Option<String>,
    /// Seconds to wait for the relay at each step.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
}

/// `[hooks.webhooks]`: `provider`, and one table per endpoint name.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhooksSettings {
    /// `"http"` (the default) to call the endpoints, `"fake"` for the in-process fake.
    #[serde(default)]
    pub provider: HttpProvider,
    /// The endpoints, by the name workflows call them with.
    #[serde(flatten)]
    pub endpoints: IndexMap<String, WebhookEndpointSettings>,
}

/// `[hooks.webhooks.<endpoint>]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointSettings {
    /// Where calls are POSTed.
    pub url: Option<String>,
    /// The key calls are signed with (at least 32 characters).
    pub secret: Option<Secret>,
    /// Seconds to wait for an answer before the call counts as failed (and is retried later).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
}

fn default_app_io_url() -> String {
    super::app_io::DEFAULT_BASE_URL.to_owned()
}

fn default_gpd_url() -> String {
    super::gpd::DEFAULT_BASE_URL.to_owned()
}

fn default_timeout() -> f64 {
    10.0
}

fn default_poll_seconds() -> f64 {
    600.0
}

fn default_retention_days() -> u16 {
    365
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_reads_and_secrets_stay_hidden() {
        let text = include_str!("settings.rs")
            .lines()
            .skip_while(|line| !line.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|line| !line.starts_with("//! ```"))
            .map(|line| line.trim_start_matches("//!").trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        let table: toml::Table = format!("[hooks]\n{text}").parse().unwrap();
        let settings: HooksSettings = table["hooks"].clone().try_into().unwrap();

        let app_io = settings.app_io.as_ref().unwrap();
        assert_eq!(app_io.base_url, "https://api.io.pagopa.it/api/v1");
        assert_eq!(app_io.timeout_seconds, 10.0);
        let webhooks = settings.webhooks.as_ref().unwrap();
        assert_eq!(webhooks.provider, HttpProvider::Http);
        assert_eq!(webhooks.endpoints.keys().collect::<Vec<_>>(), ["protocol"]);
        assert_eq!(settings.email.as_ref().unwrap().security, SmtpSecurity::Starttls);
        assert!(!format!("{settings:?}").contains('…'), "a secret shows in {settings:?}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let table: toml::Table = "provider = \"http\"\nsubscription_kye = \"x\"".parse().unwrap();
        let error = toml::Value::Table(table).try_into::<AppIoSettings>().unwrap_err();
        assert!(error.to_string().contains("subscription_kye"), "{error}");
    }
}
