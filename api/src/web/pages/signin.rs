//! Signing in and out. With an OpenID Connect provider configured, `/accedi/oidc` starts the
//! authorization-code flow with PKCE (state, nonce and verifier kept in a signed cookie for ten
//! minutes) and `/accedi/callback` finishes it: the ID token is checked like any bearer token and its
//! claims become the session's user. In dev mode the sign-in page also lists demo users: a citizen, a
//! clerk for each office of the deployed workflows (with every role of that office) and an analyst,
//! each with a made-up Italian name. Whoever signs in is recorded in the directory of people (name and
//! e-mail address from the ID token's claims), and the header shows their name from then on.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use sportello_runtime::case::Actor;

use super::local_path;
use crate::app::{self, people, workflows};
use crate::auth::Profile;
use crate::auth::dev::demo_name;
use crate::dev_token::DEMO_FISCAL_CODE;
use crate::state::AppState;
use crate::web::Web;
use crate::web::context::{Page, Place};
use crate::web::error::PageError;
use crate::web::oidc::{Answer, PendingLogin};
use crate::web::redirect::see_other;
use crate::web::session::{LOGIN_COOKIE, Session, cookie, set_cookie, subject_key};
use crate::web::visitor::{Form, NewSession, Visitor, now_seconds};

/// How long a sign-in may take at the provider, in seconds.
const LOGIN_SECONDS: i64 = 600;

/// `?next=`: where to go after signing in; `?idp=`: the identity provider chosen (its hint).
#[derive(Debug, Default, Deserialize)]
pub struct Next {
    next: Option<String>,
    idp: Option<String>,
}

/// `/accedi`: the ways to sign in.
pub async fn page(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    Query(query): Query<Next>,
) -> Result<Response, PageError> {
    let next = local_path(query.next.as_deref());
    if session.user.is_some() {
        return Ok(see_other(&next));
    }
    let page = Page::new(&web, &session);
    let dev_users = if web.dev { demo_users(&state, &page).await? } else { Vec::new() };
    let settings = web.settings.oidc.as_ref().filter(|_| web.oidc.is_some());
    let hinted = settings.is_some_and(|s| s.idp_hint_parameter.is_some());
    let spid_providers: Vec<_> = settings
        .filter(|_| hinted)
        .map(|s| s.spid_providers.iter().map(|p| json!({"name": p.name, "hint": p.hint})).collect())
        .unwrap_or_default();
    let data = json!({
        "oidc": web.oidc.is_some(),
        "spid_providers": spid_providers,
        "cie_hint": settings.filter(|_| hinted).and_then(|s| s.cie_hint.as_deref()),
        "dev": web.dev,
        "dev_users": dev_users,
        "next": next,
    });
    Ok(page.render("signin", &page.t("sign_in_title"), Place::Nowhere, None, data))
}

/// The demo users of dev mode, each with the id the form sends.
async fn demo_users(state: &AppState, page: &Page<'_>) -> Result<Vec<serde_json::Value>, PageError> {
    let mut users = vec![json!({"id": "citizen", "label": page.t("citizen"), "detail": DEMO_FISCAL_CODE})];
    for (office, roles) in offices(state).await? {
        users.push(json!({
            "id": format!("clerk-{office}"),
            "label": format!("{} {}", page.t("clerk_of"), page.office_name(&office)),
            "detail": roles.join(", "),
        }));
    }
    users.push(json!({"id": "analyst", "label": page.t("analyst"), "detail": "dev-analyst"}));
    Ok(users)
}

/// Every office of the deployed workflows, with the staff roles its workflows give it.
async fn offices(state: &AppState) -> Result<BTreeMap<String, Vec<String>>, PageError> {
    let mut offices: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for definition in workflows::latest_definitions(state).await? {
        let roles = offices.entry(definition.office.clone()).or_default();
        for (name, role) in &definition.roles {
            if role.office == definition.office && !roles.contains(name) {
                roles.push(name.clone());
            }
        }
    }
    Ok(offices)
}

/// `POST /accedi/dev`: signs in as a demo user (dev mode only).
pub async fn dev(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    form: Form,
) -> Result<Response, PageError> {
    if !web.dev {
        return Err(PageError::not_found());
    }
    let user = match form.get("user").unwrap_or_default() {
        "citizen" => Actor::Citizen { fiscal_code: DEMO_FISCAL_CODE.to_owned() },
        "analyst" => Actor::Staff { user: "dev-analyst".into(), roles: vec!["analyst".into()], offices: Vec::new() },
        other => {
            let office = other.strip_prefix("clerk-").ok_or_else(PageError::bad_request)?;
            let roles = offices(&state).await?.remove(office).ok_or_else(PageError::bad_request)?;
            Actor::Staff { user: format!("dev-{office}"), roles, offices: vec![office.to_owned()] }
        }
    };
    let id = match &user {
        Actor::Citizen { fiscal_code } => fiscal_code.clone(),
        Actor::Staff { user, .. } => user.clone(),
        Actor::System => String::new(),
    };
    let (given, family) = demo_name(&id);
    let profile =
        Profile { given_name: Some(given.to_owned()), family_name: Some(family.to_owned()), name: None, email: None };
    let now = now_seconds();
    let mut signed_in =
        session.signed_in(user, None, now, web.settings.session_hours).ok_or_else(PageError::forbidden)?;
    kept(&web, &signed_in, now).await?;
    known(&state, &mut signed_in, &profile).await?;
    let mut response = see_other(&local_path(form.get("next")));
    response.extensions_mut().insert(NewSession(Some(signed_in)));
    Ok(response)
}

/// `/accedi/oidc`: to the provider, with a new state, nonce and PKCE challenge.
/// With `?idp=`, the proxy is asked to go straight to that identity provider, if it is one offered.
pub async fn oidc_start(State(web): State<Arc<Web>>, Query(query): Query<Next>) -> Result<Response, PageError> {
    let provider = web.oidc.as_ref().ok_or_else(PageError::not_found)?;
    let client = provider.client().await.map_err(|e| PageError::internal(&e.to_string()))?;
    let hint = web.settings.oidc.as_ref().and_then(|s| s.known_hint(query.idp.as_deref()));
    let (url, pending) =
        client.begin(&local_path(query.next.as_deref()), hint).map_err(|e| PageError::internal(&e.to_string()))?;
    let mut response = see_other(&url);
    let sealed = web.signer.seal(&pending);
    if let Ok(value) = HeaderValue::from_str(&set_cookie(LOGIN_COOKIE, &sealed, LOGIN_SECONDS, web.dev)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The provider's answer.
#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    /// The provider's own name (RFC 9207), which it adds to its answer when it says so.
    iss: Option<String>,
    error: Option<String>,
}

/// `/accedi/callback`: checks the answer, exchanges the code, signs in.
pub async fn oidc_callback(
    State(state): State<AppState>,
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Result<Response, PageError> {
    let provider = web.oidc.as_ref().ok_or_else(PageError::not_found)?;
    let oidc = provider.client().await.map_err(|e| PageError::internal(&e.to_string()))?;
    let pending: Option<PendingLogin> = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| cookie(c, LOGIN_COOKIE))
        .and_then(|v| web.signer.open(v));
    let (Some(pending), Some(code), Some(returned_state), None) = (pending, answer.code, answer.state, answer.error)
    else {
        return Err(PageError::expired_form());
    };
    let answer = Answer { state: &returned_state, iss: answer.iss.as_deref(), code: &code };
    let signed = oidc.finish(&pending, answer, &state.auth).await.map_err(|error| {
        tracing::warn!(error.code = error.code(), error.message = %error, "an OpenID Connect sign-in failed");
        PageError::expired_form()
    })?;
    // The system never signs in: a token that names it gets 403, not a session.
    let now = now_seconds();
    let mut signed_in = session
        .signed_in(signed.actor, Some(signed.id_token), now, web.settings.session_hours)
        .ok_or_else(PageError::forbidden)?;
    kept(&web, &signed_in, now).await?;
    known(&state, &mut signed_in, &signed.profile).await?;
    let mut response = see_other(&local_path(Some(pending.return_to.as_str())));
    response.extensions_mut().insert(NewSession(Some(signed_in)));
    if let Ok(value) = HeaderValue::from_str(&set_cookie(LOGIN_COOKIE, "", 0, web.dev)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /esci`: ends the session (in the store, so in every process and for every copy of the
/// cookie), then at the provider when it offers a logout.
pub async fn sign_out(
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    _form: Form,
) -> Result<Response, PageError> {
    if let Some(sid) = &session.sid {
        web.sessions.end_web_session(sid, now_seconds()).await.map_err(app::Error::from)?;
    }
    Ok(signed_out(&web, &session).await)
}

/// `POST /esci/ovunque`: ends every session of the signed-in user, on every device, then signs out
/// here as [`sign_out`] does.
pub async fn sign_out_everywhere(
    State(web): State<Arc<Web>>,
    Visitor(session): Visitor,
    _form: Form,
) -> Result<Response, PageError> {
    if let Some(user) = &session.user {
        web.sessions.end_web_sessions_of(&subject_key(user), now_seconds()).await.map_err(app::Error::from)?;
    }
    Ok(signed_out(&web, &session).await)
}

/// The answer once `session` has ended: the cookie cleared, and on to the provider's logout if it
/// offers one, else to the sign-in page.
async fn signed_out(web: &Web, session: &Session) -> Response {
    let provider_logout = match (&web.oidc, &session.id_token) {
        (Some(provider), Some(token)) => provider.client().await.ok().and_then(|c| c.logout_url(token, None)),
        _ => None,
    };
    let mut response = see_other(provider_logout.as_deref().unwrap_or("/accedi"));
    response.extensions_mut().insert(NewSession(None));
    response.into_response()
}

/// Records who just signed in in the directory of people, with what `profile` says of them, and keeps
/// their name (as now known) in the session for the header.
async fn known(state: &AppState, signed_in: &mut Session, profile: &Profile) -> Result<(), PageError> {
    if let Some(user) = &signed_in.user {
        signed_in.name = people::record(state, user, profile).await?.and_then(|person| person.display_name);
    }
    Ok(())
}

/// Records the session just signed in, so that it counts until it is ended (ending, in the same
/// step, the user's sessions held with other staff roles).
async fn kept(web: &Web, signed_in: &Session, now: i64) -> Result<(), PageError> {
    let record = signed_in.record(now).ok_or_else(|| PageError::internal("a signed-in session has no id"))?;
    let ended = web.sessions.start_web_session(record).await.map_err(app::Error::from)?;
    if ended > 0 {
        tracing::info!(ended, "a sign-in with other roles ended the user's earlier sessions");
    }
    Ok(())
}
