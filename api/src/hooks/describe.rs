//! The start-up banner's lines about the hooks: where each kind of effect goes (a real system, the
//! in-process fake, or nowhere, in which case its effects become incidents).

use super::settings::{EmailProvider, HooksSettings, HttpProvider};

/// One line per port, saying where its effects go (for the start-up banner).
pub fn describe(settings: &HooksSettings) -> Vec<String> {
    let http = |provider: &HttpProvider, url: &str| match provider {
        HttpProvider::Http => format!("to {url}"),
        HttpProvider::Fake => "to the in-process fake (nothing leaves this machine)".to_owned(),
    };
    let mut lines = vec![
        match &settings.app_io {
            Some(s) => format!("App IO messages go {}", http(&s.provider, &s.base_url)),
            None => "App IO is not configured ([hooks.app_io]): citizens are written to by e-mail only".to_owned(),
        },
        match &settings.pagopa {
            Some(s) => format!("pagoPA debt positions go {}", http(&s.provider, &s.base_url)),
            None => "pagoPA is not configured ([hooks.pagopa]): payments become incidents".to_owned(),
        },
        match &settings.email {
            Some(s) if s.provider == EmailProvider::Fake => "e-mail goes to the in-process fake".to_owned(),
            Some(s) => format!("e-mail goes through {}", s.host.as_deref().unwrap_or("?")),
            None => "e-mail is not configured ([hooks.email])".to_owned(),
        },
    ];
    lines.push(match &settings.webhooks {
        Some(s) if s.provider == HttpProvider::Fake => "webhooks go to the in-process fake".to_owned(),
        Some(s) => format!("webhooks: {} endpoint(s)", s.endpoints.len()),
        None => "webhooks are not configured ([hooks.webhooks]): webhook effects become incidents".to_owned(),
    });
    lines
}
