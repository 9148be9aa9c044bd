//! The OpenID Connect provider the pages sign in with (`[web.oidc]`, the issuer of `[auth]`): its
//! discovery document is read on the first sign-in rather than at start, so the server starts (and
//! serves the API) while the provider is briefly unreachable; a failed discovery is tried again on
//! the next sign-in.

use tokio::sync::OnceCell;

use super::WebSettings;
use super::oidc::{OidcClient, OidcClientSettings, OidcError};
use crate::auth::AuthSettings;

/// The configured provider, discovered once.
#[derive(Debug)]
pub struct Provider {
    issuer: String,
    settings: OidcClientSettings,
    http: reqwest::Client,
    client: OnceCell<OidcClient>,
}

impl Provider {
    /// The provider the settings name, if any; `[web.oidc]` without an `[auth] issuer` is an error.
    pub fn from_settings(auth: &AuthSettings, web: &WebSettings) -> anyhow::Result<Option<Provider>> {
        let Some(settings) = web.oidc.clone() else { return Ok(None) };
        let Some(issuer) = auth.issuer.clone() else {
            anyhow::bail!("[web.oidc] signs in through the [auth] issuer: set `[auth] issuer` too");
        };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {e}"))?;
        Ok(Some(Provider { issuer, settings, http, client: OnceCell::new() }))
    }

    /// The issuer's origin (`https://host:port`), which forms may lead to (the provider's logout).
    pub fn origin(&self) -> String {
        match reqwest::Url::parse(&self.issuer) {
            Ok(url) => url.origin().ascii_serialization(),
            Err(_) => String::new(),
        }
    }

    /// The client, discovering the provider on first use.
    pub async fn client(&self) -> Result<&OidcClient, OidcError> {
        self.client
            .get_or_try_init(|| OidcClient::discover(&self.issuer, self.settings.clone(), self.http.clone()))
            .await
    }
}
