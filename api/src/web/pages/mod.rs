//! The page handlers, one module per audience: sign-in, citizens, clerks, analysts. The home page
//! sends each visitor where their work is.

mod action;
pub mod analyst;
mod attachments;
mod case_data;
mod case_file;
pub mod citizen;
pub mod clerk;
pub mod dev_payment;
pub mod documents;
pub mod draft_deletion;
pub mod messages;
pub mod payments;
pub mod profile;
pub mod rating;
pub mod search;
pub mod signin;
pub mod summary;

use axum::response::Response;
use serde::Deserialize;
use sportello_runtime::case::Actor;

use super::redirect::see_other;
use super::return_path::same_site_path;
use super::visitor::Visitor;

/// `?notice=…`: a text key shown on top of the page after a form succeeded.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    /// The text key.
    pub notice: Option<String>,
}

impl Notice {
    /// The notice, if it is one the pages send.
    pub fn key(&self) -> Option<&str> {
        self.notice.as_deref().filter(|k| {
            ["draft_saved", "draft_deleted", "application_sent", "action_done", "profile_saved"].contains(k)
        })
    }
}

/// `/`: citizens to their applications, clerks to the worklist, analysts to the workflows, others to
/// sign in.
pub async fn home(Visitor(session): Visitor) -> Response {
    match &session.user {
        Some(Actor::Citizen { .. }) => see_other("/pratiche"),
        Some(Actor::Staff { offices, .. }) if !offices.is_empty() => see_other("/ufficio"),
        Some(_) => see_other("/procedimenti"),
        None => see_other("/accedi"),
    }
}

/// Where to come back to after sign-in: `next` if it is a path on this site, else `/`
/// ([`same_site_path`]).
pub fn local_path(next: Option<&str>) -> String {
    next.map_or("/", same_site_path).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/pratiche/NE-2026-000001")), "/pratiche/NE-2026-000001");
        assert_eq!(local_path(Some("//evil.example/x")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("/\t/evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
