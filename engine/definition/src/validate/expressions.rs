//! Guards and computed values: each expression compiled and type-checked against the variables its
//! place can see, the same everywhere but for a guard's `input`.

use super::Ctx;
use crate::data_schema::{DataSchema, ty_of};
use crate::diagnostic::{Code, YamlPath};
use crate::expr::{self, ExprError, Expression, Scope, Ty};

impl Ctx<'_> {
    fn data_ty(data: Option<&DataSchema>) -> Ty {
        match data.map(|d| ty_of(d.schema())) {
            Some(Ty::Map(_)) | None => Ty::object([]),
            Some(ty) => ty,
        }
    }

    fn clock_ty(&self) -> Ty {
        let clock = Ty::object([
            ("elapsed_days", Ty::Int),
            ("remaining_days", Ty::Int),
            ("interruptions", Ty::Int),
            ("suspensions", Ty::Int),
            ("running", Ty::Bool),
            ("due", Ty::Date),
        ]);
        Ty::Object(self.raw.clocks.keys().map(|k| (k.clone(), clock.clone())).collect(), false)
    }

    /// `documents`: per declared document type, how many documents of it the case file holds.
    fn documents_ty(&self) -> Ty {
        Ty::Object(self.raw.documents.keys().map(|k| (k.clone(), Ty::Int)).collect(), false)
    }

    fn case_ty() -> Ty {
        Ty::object([("code", Ty::String), ("opened_at", Ty::Date), ("state", Ty::String), ("office", Ty::String)])
    }

    /// The scope of expressions outside transitions: `data`, `case`, `clock`, `documents`, `today`.
    pub(super) fn case_scope(&self, data: Option<&DataSchema>) -> Scope {
        Scope::new([
            ("data", Self::data_ty(data)),
            ("case", Self::case_ty()),
            ("clock", self.clock_ty()),
            ("documents", self.documents_ty()),
            ("today", Ty::Date),
        ])
    }

    /// A transition's guard: the case scope and `input`. Its `documents` count the ones the transition
    /// attaches too, as the runtime evaluates it with them.
    pub(super) fn guard(
        &mut self,
        transition: &str,
        source: &str,
        data: Option<&DataSchema>,
        input: Option<&DataSchema>,
    ) -> Option<Expression> {
        let input_ty = input.map_or_else(|| Ty::object([]), |i| ty_of(i.schema()));
        let scope = Scope::new([
            ("data", Self::data_ty(data)),
            ("input", input_ty),
            ("case", Self::case_ty()),
            ("clock", self.clock_ty()),
            ("documents", self.documents_ty()),
            ("today", Ty::Date),
        ]);
        self.expression(crate::yaml_path!["transitions", transition, "when"], source, &scope, &Ty::Bool, "a guard")
    }

    /// Compiles and checks an expression, reporting what is wrong at `path`.
    pub(super) fn expression(
        &mut self,
        path: YamlPath,
        source: &str,
        scope: &Scope,
        expected: &Ty,
        what: &str,
    ) -> Option<Expression> {
        match expr::check(source, scope, expected) {
            Ok(expression) => Some(expression),
            Err(ExprError::Syntax(message)) => {
                self.push(
                    Code::ExpressionSyntax,
                    path,
                    format!("{what} is not a valid CEL expression: {message}"),
                    "expressions are CEL, e.g. `data.fee_cents > 0 && clock.procedure.interruptions == 0`",
                );
                None
            }
            Err(ExprError::Unknown(message, hint)) => {
                self.push(Code::ExpressionUnknownField, path, format!("in {what}: {message}"), hint);
                None
            }
            Err(ExprError::Type(message)) => {
                self.push(
                    Code::ExpressionType,
                    path,
                    format!("{what} has the wrong type: {message}"),
                    format!("{what} must be of type {expected}"),
                );
                None
            }
        }
    }
}
