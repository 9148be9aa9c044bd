//! [`build`]: from the `[hooks]` settings to the engine's [`Hooks`], checking them on the way so a
//! mistake stops the server at start with a message naming the key, not at the first delivery. The
//! fakes are the engine's; they come in through [`FakePorts`] and are refused in production.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use sportello_hooks::{AppIo, Creditor, DebtPositions, Hooks, Mailer, Webhooks};
use sportello_runtime::pagopa::{CreditorFiscalCode, SegregationCode};

use super::app_io::AppIoClient;
use super::email::{SmtpConfig, SmtpMailer};
use super::gpd::{GpdClient, GpdConfig, MAX_TEXT_CHARS};
use super::secret::Secret;
use super::settings::{
    AppIoSettings, EmailProvider, EmailSettings, HooksSettings, HttpProvider, PagopaSettings, WebhooksSettings,
};
use super::webhook::WebhookClient;

/// The longest timeout accepted, in seconds.
const MAX_TIMEOUT_SECONDS: f64 = 300.0;

/// The in-process fakes a configuration may name with `provider = "fake"` (in development only).
pub trait FakePorts {
    /// A fake App IO.
    fn app_io(&self) -> Arc<dyn AppIo>;
    /// A fake mailer.
    fn mailer(&self) -> Arc<dyn Mailer>;
    /// A fake GPD for `creditor`.
    fn debt_positions(&self, creditor: Creditor) -> Arc<dyn DebtPositions>;
    /// Fake webhooks.
    fn webhooks(&self) -> Arc<dyn Webhooks>;
}

/// The ports `settings` configure. In `production`, a fake provider is refused.
pub fn build(settings: &HooksSettings, production: bool, fakes: &dyn FakePorts) -> anyhow::Result<Hooks> {
    Ok(Hooks {
        app_io: settings.app_io.as_ref().map(|app_io| build_app_io(app_io, production, fakes)).transpose()?,
        mailer: settings.email.as_ref().map(|email| build_mailer(email, production, fakes)).transpose()?,
        debt_positions: settings.pagopa.as_ref().map(|pagopa| build_gpd(pagopa, production, fakes)).transpose()?,
        webhooks: settings.webhooks.as_ref().map(|webhooks| build_webhooks(webhooks, production, fakes)).transpose()?,
    })
}

fn build_app_io(settings: &AppIoSettings, production: bool, fakes: &dyn FakePorts) -> anyhow::Result<Arc<dyn AppIo>> {
    if settings.provider == HttpProvider::Fake {
        refuse_fake(production, "hooks.app_io.provider")?;
        return Ok(fakes.app_io());
    }
    let base_url = required_text(Some(&settings.base_url), "hooks.app_io.base_url")?;
    let key = required_secret(settings.subscription_key.as_ref(), "hooks.app_io.subscription_key")?;
    let timeout = timeout(settings.timeout_seconds, "hooks.app_io.timeout_seconds")?;
    let client = AppIoClient::new(base_url, key, timeout).context("hooks.app_io.base_url is not usable")?;
    Ok(Arc::new(client))
}

fn build_gpd(
    settings: &PagopaSettings,
    production: bool,
    fakes: &dyn FakePorts,
) -> anyhow::Result<Arc<dyn DebtPositions>> {
    let creditor = creditor(settings)?;
    if settings.provider == HttpProvider::Fake {
        refuse_fake(production, "hooks.pagopa.provider")?;
        return Ok(fakes.debt_positions(creditor));
    }
    let base_url = required_text(Some(&settings.base_url), "hooks.pagopa.base_url")?;
    let subscription_key = required_secret(settings.subscription_key.as_ref(), "hooks.pagopa.subscription_key")?;
    let iban = required_text(settings.iban.as_ref(), "hooks.pagopa.iban")?;
    if iban.len() > 35 || !iban.bytes().all(|b| b.is_ascii_alphanumeric()) {
        bail!("hooks.pagopa.iban must be 1 to 35 letters and digits, without spaces");
    }
    let category = required_text(settings.category.as_ref(), "hooks.pagopa.category")?;
    let config = GpdConfig {
        base_url: base_url.to_owned(),
        subscription_key,
        creditor,
        iban: iban.to_owned(),
        category: category.to_owned(),
        retention_days: settings.retention_days,
        timeout: timeout(settings.timeout_seconds, "hooks.pagopa.timeout_seconds")?,
    };
    Ok(Arc::new(GpdClient::new(config).context("hooks.pagopa.base_url is not usable")?))
}

fn creditor(settings: &PagopaSettings) -> anyhow::Result<Creditor> {
    let fiscal_code = required_text(settings.creditor_fiscal_code.as_ref(), "hooks.pagopa.creditor_fiscal_code")?;
    let fiscal_code = CreditorFiscalCode::parse(fiscal_code)
        .map_err(|error| anyhow::anyhow!("hooks.pagopa.creditor_fiscal_code is not valid: {error}"))?;
    let name = required_text(settings.creditor_name.as_ref(), "hooks.pagopa.creditor_name")?;
    if name.chars().count() > MAX_TEXT_CHARS {
        bail!("hooks.pagopa.creditor_name must be at most {MAX_TEXT_CHARS} characters long");
    }
    let segregation = required_text(settings.segregation_code.as_ref(), "hooks.pagopa.segregation_code")?;
    let segregation = SegregationCode::parse(segregation)
        .map_err(|error| anyhow::anyhow!("hooks.pagopa.segregation_code is not valid: {error}"))?;
    Ok(Creditor { fiscal_code, name: name.to_owned(), segregation })
}

fn build_mailer(settings: &EmailSettings, production: bool, fakes: &dyn FakePorts) -> anyhow::Result<Arc<dyn Mailer>> {
    if settings.provider == EmailProvider::Fake {
        refuse_fake(production, "hooks.email.provider")?;
        return Ok(fakes.mailer());
    }
    let credentials = match (&settings.username, &settings.password) {
        (None, None) => None,
        (Some(username), Some(password)) => Some((username.clone(), password.clone())),
        (Some(_), None) => bail!("hooks.email.password is missing (hooks.email.username is set)"),
        (None, Some(_)) => bail!("hooks.email.username is missing (hooks.email.password is set)"),
    };
    let config = SmtpConfig {
        host: required_text(settings.host.as_ref(), "hooks.email.host")?.to_owned(),
        port: settings.port.unwrap_or_else(|| settings.security.default_port()),
        security: settings.security,
        credentials,
        from: required_text(settings.from.as_ref(), "hooks.email.from")?.to_owned(),
        timeout: timeout(settings.timeout_seconds, "hooks.email.timeout_seconds")?,
    };
    Ok(Arc::new(SmtpMailer::new(config).context("hooks.email is not usable")?))
}

fn build_webhooks(
    settings: &WebhooksSettings,
    production: bool,
    fakes: &dyn FakePorts,
) -> anyhow::Result<Arc<dyn Webhooks>> {
    if settings.provider == HttpProvider::Fake {
        refuse_fake(production, "hooks.webhooks.provider")?;
        return Ok(fakes.webhooks());
    }
    let mut client = WebhookClient::new().context("cannot build the webhook client")?;
    for (name, endpoint) in &settings.endpoints {
        let url = required_text(endpoint.url.as_ref(), &format!("hooks.webhooks.{name}.url"))?;
        let secret = required_secret(endpoint.secret.as_ref(), &format!("hooks.webhooks.{name}.secret"))?;
        let timeout = timeout(endpoint.timeout_seconds, &format!("hooks.webhooks.{name}.timeout_seconds"))?;
        client = client
            .endpoint(name, url, secret, timeout)
            .with_context(|| format!("hooks.webhooks.{name} is not usable"))?;
    }
    Ok(Arc::new(client))
}

fn refuse_fake(production: bool, key: &str) -> anyhow::Result<()> {
    if production {
        bail!("{key} = \"fake\" is only allowed with --dev");
    }
    Ok(())
}

fn required_text<'a>(value: Option<&'a String>, key: &str) -> anyhow::Result<&'a str> {
    match value.map(|value| value.trim()) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => bail!("{key} is missing"),
    }
}

fn required_secret(value: Option<&Secret>, key: &str) -> anyhow::Result<Secret> {
    match value {
        Some(secret) if !secret.expose().trim().is_empty() => Ok(secret.clone()),
        _ => bail!("{key} is missing"),
    }
}

fn timeout(seconds: f64, key: &str) -> anyhow::Result<Duration> {
    if !(seconds > 0.0 && seconds <= MAX_TIMEOUT_SECONDS) {
        bail!("{key} must be more than 0 and at most {MAX_TIMEOUT_SECONDS}");
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use sportello_hooks::{DebtPosition, Email, HookError, HookFuture, IoMessage, IoProfile, PaymentStatus};

    use super::*;

    /// Stands for the engine's fakes: every call is refused, and the creditor is kept.
    struct Stub(Option<Creditor>);

    impl FakePorts for Stub {
        fn app_io(&self) -> Arc<dyn AppIo> {
            Arc::new(Stub(None))
        }
        fn mailer(&self) -> Arc<dyn Mailer> {
            Arc::new(Stub(None))
        }
        fn debt_positions(&self, creditor: Creditor) -> Arc<dyn DebtPositions> {
            Arc::new(Stub(Some(creditor)))
        }
        fn webhooks(&self) -> Arc<dyn Webhooks> {
            Arc::new(Stub(None))
        }
    }

    fn refused<'a, T>() -> HookFuture<'a, T> {
        Box::pin(async { Err(HookError::NotConfigured("stub".to_owned())) })
    }

    impl AppIo for Stub {
        fn profile<'a>(&'a self, _: &'a str) -> HookFuture<'a, IoProfile> {
            refused()
        }
        fn send<'a>(&'a self, _: &'a IoMessage, _: &'a str) -> HookFuture<'a, String> {
            refused()
        }
    }

    impl Mailer for Stub {
        fn send<'a>(&'a self, _: &'a Email, _: &'a str) -> HookFuture<'a, String> {
            refused()
        }
    }

    impl DebtPositions for Stub {
        fn creditor(&self) -> &Creditor {
            self.0.as_ref().unwrap()
        }
        fn create<'a>(&'a self, _: &'a DebtPosition) -> HookFuture<'a, ()> {
            refused()
        }
        fn status<'a>(&'a self, _: &'a str) -> HookFuture<'a, PaymentStatus> {
            refused()
        }
    }

    impl Webhooks for Stub {
        fn call<'a>(&'a self, _: &'a str, _: &'a serde_json::Value, _: &'a str) -> HookFuture<'a, ()> {
            refused()
        }
    }

    fn settings(toml: &str) -> HooksSettings {
        toml::from_str(toml).unwrap()
    }

    fn error(toml: &str, production: bool) -> String {
        match build(&settings(toml), production, &Stub(None)) {
            Ok(_) => panic!("expected an error"),
            Err(error) => format!("{error:#}"),
        }
    }

    const PAGOPA: &str = r#"
        [pagopa]
        provider = "http"
        subscription_key = "gpd-key"
        creditor_fiscal_code = "80012345676"
        creditor_name = "Comune di Esempio"
        segregation_code = "01"
        iban = "IT60X0542811101000000123456"
        category = "9/0101108TS/"
    "#;

    #[test]
    fn complete_settings_build_every_port() {
        let toml = format!(
            r#"{PAGOPA}
            [app_io]
            provider = "http"
            subscription_key = "io-key"

            [email]
            provider = "smtp"
            host = "smtp.example.it"
            from = "Comune di Esempio <noreply@comune.example.it>"

            [webhooks.protocol]
            url = "https://protocollo.example.it/sportello"
            secret = "{secret}"
            "#,
            secret = "s".repeat(32)
        );

        let hooks = build(&settings(&toml), true, &Stub(None)).unwrap();

        assert!(hooks.app_io.is_some() && hooks.mailer.is_some() && hooks.webhooks.is_some());
        assert_eq!(hooks.debt_positions.unwrap().creditor().name, "Comune di Esempio");
    }

    #[test]
    fn absent_sections_leave_their_ports_unconfigured() {
        let hooks = build(&HooksSettings::default(), true, &Stub(None)).unwrap();
        assert!(
            hooks.app_io.is_none()
                && hooks.mailer.is_none()
                && hooks.debt_positions.is_none()
                && hooks.webhooks.is_none()
        );
    }

    #[test]
    fn a_missing_key_is_named() {
        assert_eq!(error("[app_io]\nprovider = \"http\"", true), "hooks.app_io.subscription_key is missing");
        assert_eq!(
            error(&PAGOPA.replace("subscription_key = \"gpd-key\"", ""), true),
            "hooks.pagopa.subscription_key is missing"
        );
        assert_eq!(
            error(&PAGOPA.replace("iban = \"IT60X0542811101000000123456\"", ""), false),
            "hooks.pagopa.iban is missing"
        );
        assert_eq!(error("[email]\nprovider = \"smtp\"\nfrom = \"a@b.it\"", true), "hooks.email.host is missing");
        assert_eq!(
            error("[webhooks.protocol]\nurl = \"https://example.it\"", true),
            "hooks.webhooks.protocol.secret is missing"
        );
        assert_eq!(
            error(&format!("[webhooks.protocol]\nurl = \"ftp://example.it\"\nsecret = \"{}\"", "s".repeat(32)), true),
            "hooks.webhooks.protocol is not usable: not an absolute http or https url"
        );
        assert_eq!(
            error("[webhooks.protocol]\nurl = \"https://example.it\"\nsecret = \"short\"", true),
            "hooks.webhooks.protocol is not usable: the secret must be at least 32 characters long"
        );
        assert_eq!(
            error("[app_io]\nprovider = \"http\"\nsubscription_key = \"k\"\ntimeout_seconds = 0", true),
            "hooks.app_io.timeout_seconds must be more than 0 and at most 300"
        );
    }

    #[test]
    fn production_refuses_fakes_and_development_uses_them() {
        let fakes = "[app_io]\nprovider = \"fake\"\n[email]\nprovider = \"fake\"\n[webhooks]\nprovider = \"fake\"";
        assert_eq!(error(fakes, true), "hooks.app_io.provider = \"fake\" is only allowed with --dev");
        assert_eq!(
            error("[email]\nprovider = \"fake\"", true),
            "hooks.email.provider = \"fake\" is only allowed with --dev"
        );

        let hooks = build(&settings(fakes), false, &Stub(None)).unwrap();
        assert!(hooks.app_io.is_some() && hooks.mailer.is_some() && hooks.webhooks.is_some());

        // A fake GPD still needs the creditor, which it is built for.
        let fake_gpd = "[pagopa]\nprovider = \"fake\"\ncreditor_fiscal_code = \"80012345676\"\n\
                        creditor_name = \"Comune di Esempio\"\nsegregation_code = \"01\"";
        let hooks = build(&settings(fake_gpd), false, &Stub(None)).unwrap();
        assert_eq!(hooks.debt_positions.unwrap().creditor().fiscal_code.as_str(), "80012345676");
        assert_eq!(
            error("[pagopa]\nprovider = \"fake\"\ncreditor_name = \"Comune\"", false),
            "hooks.pagopa.creditor_fiscal_code is missing"
        );
    }
}
