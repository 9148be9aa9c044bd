//! What states trigger: notifications (templates checked against App IO's limits), pagoPA payments,
//! webhooks and assignments; and the full state definitions that reference them.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use super::Ctx;
use crate::data_schema::{DataSchema, max_len, properties};
use crate::diagnostic::{Code, YamlPath};
use crate::duration::Duration;
use crate::expr::Ty;
use crate::ids::{StateId, TransitionId};
use crate::model::{
    DeadlineDef, DeadlineWhen, EffectDef, NotificationDef, PaymentDef, StateDef, WaitingFor, WebhookDef,
};
use crate::raw::RawEffect;
use crate::template::{self, TemplateProblem, TemplateScope};

/// App IO's limits (`io-services-api.yaml`, `MessageContent`).
const SUBJECT_CHARS: (usize, usize) = (10, 120);
const MARKDOWN_CHARS: (usize, usize) = (80, 10_000);
/// pagoPA's limit on a payment option's description.
const PAYMENT_DESCRIPTION_CHARS: usize = 140;
/// The longest case code the runtime generates (`ABC-2026-0000001`).
const CASE_CODE_CHARS: usize = 24;
/// The most digits a count of documents prints (up to 99,999).
const DOCUMENT_COUNT_CHARS: usize = 5;

impl Ctx<'_> {
    pub(super) fn duration(&mut self, path: YamlPath, text: &str) -> Option<Duration> {
        match text.parse::<Duration>() {
            Ok(duration) => Some(duration),
            Err(error) => {
                self.push(
                    Code::BadDuration,
                    path,
                    error.to_string(),
                    "write `30 days`, `10 business days`, `48 hours` or `6 months`",
                );
                None
            }
        }
    }

    pub(super) fn payments(&mut self, data: Option<&DataSchema>) -> IndexMap<String, PaymentDef> {
        let raw = self.raw;
        let scope = self.case_scope(data);
        let mut out = IndexMap::new();
        for (name, payment) in &raw.payments {
            let path = crate::yaml_path!["payments", name];
            let amount =
                self.expression(path.key("amount_cents"), &payment.amount_cents, &scope, &Ty::Int, "the amount");
            let due = self.duration(path.key("due"), &payment.due);
            let chars = payment.description.chars().count();
            if payment.description.trim().is_empty() {
                self.push(
                    Code::InvalidValue,
                    path.key("description"),
                    format!("payment `{name}` has an empty description"),
                    "say what the citizen pays for: it is printed on the payment notice",
                );
            } else if chars > PAYMENT_DESCRIPTION_CHARS {
                self.push(Code::PaymentDescriptionTooLong, path.key("description"), format!("the description of payment `{name}` has {chars} characters; pagoPA takes 1 to {PAYMENT_DESCRIPTION_CHARS}"), "shorten it: it is printed on the payment notice");
            }
            if let (Some(amount_cents), Some(due)) = (amount, due) {
                out.insert(name.clone(), PaymentDef { amount_cents, description: payment.description.clone(), due });
            }
        }
        out
    }

    fn template_scope(&self, data: Option<&DataSchema>) -> TemplateScope {
        let raw = self.raw;
        let mut scope = TemplateScope::default();
        let title = raw.title.it.as_deref().map_or(0, |t| t.chars().count());
        scope.insert("workflow.title", Some(title));
        scope.insert("workflow.id", Some(raw.id.len()));
        scope.insert("case.code", Some(CASE_CODE_CHARS));
        scope.insert("case.opened_at", Some(10));
        let longest_status = raw
            .states
            .values()
            .filter_map(|s| s.status.as_ref()?.it.as_deref())
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(0);
        scope.insert("state.status", Some(longest_status));
        if let Some(data) = data {
            add_data_vars(&mut scope, "data", data.schema(), 0);
        }
        for clock in raw.clocks.keys() {
            scope.insert(format!("clock.{clock}.due"), Some(10));
            scope.insert(format!("clock.{clock}.remaining_days"), Some(5));
        }
        for document in raw.documents.keys() {
            scope.insert(format!("documents.{document}"), Some(DOCUMENT_COUNT_CHARS));
        }
        for payment in raw.payments.keys() {
            scope.insert(format!("payment.{payment}.amount"), Some(16));
            scope.insert(format!("payment.{payment}.amount_cents"), Some(12));
            scope.insert(format!("payment.{payment}.notice_number"), Some(18));
            scope.insert(format!("payment.{payment}.due_date"), Some(10));
        }
        scope
    }

    pub(super) fn notifications(&mut self, data: Option<&DataSchema>) -> IndexMap<String, NotificationDef> {
        let raw = self.raw;
        let scope = self.template_scope(data);
        let payments: Vec<String> = raw.payments.keys().cloned().collect();
        let mut out = IndexMap::new();
        for (name, notification) in &raw.notifications {
            let path = crate::yaml_path!["notifications", name];
            self.template(
                path.key("subject"),
                &notification.subject,
                &scope,
                SUBJECT_CHARS,
                Code::AppIoSubjectLength,
                "subject",
            );
            self.template(
                path.key("markdown"),
                &notification.markdown,
                &scope,
                MARKDOWN_CHARS,
                Code::AppIoMarkdownLength,
                "markdown",
            );
            let subject_vars = template::variables(&notification.subject);
            if subject_vars.iter().any(|v| v == "data" || v.starts_with("data.")) {
                self.push(
                    Code::PersonalDataInSubject,
                    path.key("subject"),
                    format!("the subject of `{name}` uses case data"),
                    "App IO forbids personal data in subjects: move it to the markdown body",
                );
            }
            if let Some(payment) = &notification.payment {
                self.reference(Code::UnknownEffect, path.key("payment"), "payment", payment, &payments);
            }
            out.insert(
                name.clone(),
                NotificationDef {
                    subject: notification.subject.clone(),
                    markdown: notification.markdown.clone(),
                    payment: notification.payment.clone(),
                },
            );
        }
        out
    }

    fn template(
        &mut self,
        path: YamlPath,
        source: &str,
        scope: &TemplateScope,
        (min, max): (usize, usize),
        length_code: Code,
        what: &str,
    ) {
        match template::check(source, scope) {
            Ok(bounds) => {
                let too_long = bounds.max.filter(|m| *m > max);
                if let Some(longest) = too_long {
                    self.push(
                        length_code,
                        path.clone(),
                        format!("the {what} can render to up to {longest} characters; App IO takes {min} to {max}"),
                        "App IO refuses longer messages: shorten the text or bound its variables with `maxLength`",
                    );
                }
                if bounds.min < min {
                    self.push(
                        length_code,
                        path,
                        format!(
                            "the {what} can render to as few as {} characters; App IO takes {min} to {max}",
                            bounds.min
                        ),
                        "App IO refuses shorter messages: write more fixed text",
                    );
                } else if bounds.max.is_none() {
                    self.push(Code::AppIoUnboundedLength, path, format!("the {what} uses a variable with no length bound, so App IO's limit of {max} characters cannot be checked"), "give the data fields it uses a `maxLength` (or an `enum`)");
                }
            }
            Err(TemplateProblem::Syntax(message, position)) => {
                let place =
                    position.map(|(line, col)| format!(" (template line {line}, column {col})")).unwrap_or_default();
                self.push(
                    Code::TemplateSyntax,
                    path,
                    format!("the {what} is not a valid template: {message}{place}"),
                    "templates are Handlebars: `{{case.code}}`, `{{#if …}}…{{/if}}`",
                );
            }
            Err(TemplateProblem::UnknownVariable(message, hint)) => {
                self.push(Code::TemplateUnknownVariable, path, format!("in the {what}: {message}"), hint)
            }
        }
    }

    pub(super) fn webhooks(&mut self) -> IndexMap<String, WebhookDef> {
        self.raw
            .webhooks
            .iter()
            .map(|(name, w)| (name.clone(), WebhookDef { endpoint: w.endpoint.clone(), include_data: w.include_data }))
            .collect()
    }

    pub(super) fn check_unused(&mut self) {
        let raw = self.raw;
        let mut used: BTreeSet<(&str, &str)> = BTreeSet::new();
        for state in raw.states.values() {
            for effect in &state.on_enter {
                match effect {
                    RawEffect::Notify(n) => used.insert(("notifications", n)),
                    RawEffect::Payment(p) => used.insert(("payments", p)),
                    RawEffect::Webhook(w) => used.insert(("webhooks", w)),
                    RawEffect::Assign(_) => false,
                };
            }
        }
        used.extend(raw.notifications.values().filter_map(|n| n.payment.as_deref()).map(|p| ("payments", p)));
        used.extend(raw.transitions.values().flat_map(|t| t.by.names()).map(|r| ("roles", r)));
        let sections: [(&str, Vec<&String>); 4] = [
            ("notifications", raw.notifications.keys().collect()),
            ("payments", raw.payments.keys().collect()),
            ("webhooks", raw.webhooks.keys().collect()),
            ("roles", raw.roles.keys().collect()),
        ];
        for (section, names) in sections {
            for name in names {
                if !used.contains(&(section, name.as_str())) {
                    self.push(
                        Code::UnusedDefinition,
                        crate::yaml_path![section, name],
                        format!("`{name}` in `{section}` is never used"),
                        "use it or remove it",
                    );
                }
            }
        }
    }

    pub(super) fn state_details(&mut self, data: Option<&DataSchema>) -> IndexMap<StateId, StateDef> {
        let raw = self.raw;
        let scope = self.case_scope(data);
        let notifications: Vec<String> = raw.notifications.keys().cloned().collect();
        let payments: Vec<String> = raw.payments.keys().cloned().collect();
        let webhooks: Vec<String> = raw.webhooks.keys().cloned().collect();
        let mut out = IndexMap::new();
        for (name, state) in &raw.states {
            let path = crate::yaml_path!["states", name];
            self.check_deadline(name);
            let deadline = state.deadline.as_ref().and_then(|d| {
                let when = match (&d.after, &d.at) {
                    (Some(after), None) => {
                        DeadlineWhen::After(self.duration(path.key("deadline").key("after"), after)?)
                    }
                    (None, Some(at)) => DeadlineWhen::At(self.expression(
                        path.key("deadline").key("at"),
                        at,
                        &scope,
                        &Ty::Date,
                        "the deadline date",
                    )?),
                    _ => return None,
                };
                Some(DeadlineDef { when, fire: TransitionId::checked(&d.fire) })
            });
            let mut on_enter = Vec::new();
            for (i, effect) in state.on_enter.iter().enumerate() {
                let at = path.key("on_enter").index(i);
                match effect {
                    RawEffect::Notify(n) => {
                        if self.reference(Code::UnknownEffect, at.key("notify"), "notification", n, &notifications) {
                            on_enter.push(EffectDef::Notify(n.clone()));
                        }
                    }
                    RawEffect::Payment(p) => {
                        if self.reference(Code::UnknownEffect, at.key("payment"), "payment", p, &payments) {
                            on_enter.push(EffectDef::Payment(p.clone()));
                        }
                    }
                    RawEffect::Webhook(w) => {
                        if self.reference(Code::UnknownEffect, at.key("webhook"), "webhook", w, &webhooks) {
                            on_enter.push(EffectDef::Webhook(w.clone()));
                        }
                    }
                    RawEffect::Assign(assign) => {
                        if assign.office.is_none() && assign.clerk.is_none() {
                            self.push(
                                Code::MissingKey,
                                at.key("assign"),
                                "an assignment names neither an office nor a clerk",
                                "write `assign: { office: ragioneria }` or `assign: { clerk: data.clerk_id }`",
                            );
                        }
                        let clerk = assign.clerk.as_ref().and_then(|c| {
                            self.expression(at.key("assign").key("clerk"), c, &scope, &Ty::String, "the clerk")
                        });
                        on_enter.push(EffectDef::Assign { office: assign.office.clone(), clerk });
                    }
                }
            }
            out.insert(
                StateId::checked(name),
                StateDef {
                    initial: state.initial,
                    is_final: state.r#final,
                    outcome: state.outcome,
                    status: state.status.as_ref().map(super::text_of),
                    waiting_for: state.waiting_for.unwrap_or(WaitingFor::Nobody),
                    milestone: state.milestone.as_ref().map(super::text_of),
                    clock: state.clock.clone(),
                    deadline,
                    on_enter,
                },
            );
        }
        out
    }
}

/// Declares `prefix.field` for every property of an object schema, nested objects included.
fn add_data_vars(scope: &mut TemplateScope, prefix: &str, schema: &serde_json::Value, depth: usize) {
    for (name, property) in properties(schema) {
        let path = format!("{prefix}.{name}");
        if depth < 4 && !properties(property).is_empty() {
            add_data_vars(scope, &path, property, depth + 1);
        }
        scope.insert(path, max_len(property));
    }
}
