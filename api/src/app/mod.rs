//! The application layer: the use cases the HTTP API (`routes/`) and the pages (`web/`) both call,
//! so what a page shows and allows is what the API shows and allows to the same person. Each use case
//! takes the [`AppState`](crate::state::AppState) and plain domain inputs (an actor, a case code, a
//! transition's input), runs the rules that are not the engine's (who may see which case, who may
//! assign, search or handle incidents), lets the store run the command, and answers with a domain
//! value or an [`Error`]. Nothing here knows of HTTP: the routes turn an [`Error`] into
//! problem+json, the pages into their own error pages.

pub mod access;
pub mod case_view;
pub mod cases;
pub mod documents;
pub mod documents_cleanup;
pub mod drafts;
pub mod effects_view;
pub mod error;
pub mod events;
pub mod incidents;
pub mod messages;
pub mod page_ratings;
pub mod payments;
pub mod people;
pub mod refusal_counter;
pub mod refusals;
pub mod search;
pub mod seen_people;
pub mod simulated_payments;
pub mod timeline;
pub mod workflows;
pub mod worklist;

pub use error::Error;
