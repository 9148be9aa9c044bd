//! The directory of people (`person`): a row per citizen (by fiscal code) and per member of staff (by
//! user id) who signed in to the pages or called the API, with the name and e-mail address their
//! identity provider gave, a member of staff's offices and roles as last seen, a citizen's
//! notification preferences, and when they were first and last seen. A sign-in updates what it
//! carries and keeps what it does not (a token without a name does not erase a known one); the
//! preferences change only when the citizen saves them. Kinds are `citizen` and `staff` only here.

use jiff::Timestamp;
use sea_orm::{ConnectionTrait, QueryResult};

use super::sql::{corrupt, from_micros, micros, placeholders, statement};
use super::{Store, db};
use sportello_runtime::error::Error;

/// Whether a person is a citizen or a member of staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonKind {
    /// A citizen, known by fiscal code.
    Citizen,
    /// A member of staff, known by user id.
    Staff,
}

impl PersonKind {
    fn as_str(self) -> &'static str {
        match self {
            PersonKind::Citizen => "citizen",
            PersonKind::Staff => "staff",
        }
    }

    fn parse(text: &str) -> Option<PersonKind> {
        match text {
            "citizen" => Some(PersonKind::Citizen),
            "staff" => Some(PersonKind::Staff),
            _ => None,
        }
    }
}

/// What a sign-in (or an authenticated call) tells of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// Citizen or staff.
    pub kind: PersonKind,
    /// The fiscal code or the user id.
    pub id: String,
    /// Given name, if the identity provider sent one.
    pub given_name: Option<String>,
    /// Family name, if sent.
    pub family_name: Option<String>,
    /// The name as shown ("Mario Rossi"), if one is known.
    pub display_name: Option<String>,
    /// The e-mail address the identity provider gave, if any.
    pub email: Option<String>,
    /// A member of staff's offices (empty for citizens).
    pub offices: Vec<String>,
    /// A member of staff's roles (empty for citizens).
    pub roles: Vec<String>,
    /// When.
    pub at: Timestamp,
}

/// How a citizen wants to receive messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationPreferences {
    /// The address for messages sent by e-mail, over the one in an application's data.
    pub email: Option<String>,
    /// Whether a message App IO carries is also sent by e-mail.
    pub email_too: bool,
}

/// A person as the directory knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Citizen or staff.
    pub kind: PersonKind,
    /// The fiscal code or the user id.
    pub id: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// The name as shown.
    pub display_name: Option<String>,
    /// The e-mail address from the last sign-in that gave one.
    pub email: Option<String>,
    /// Offices, as last seen.
    pub offices: Vec<String>,
    /// Roles, as last seen.
    pub roles: Vec<String>,
    /// A citizen's notification preferences.
    pub preferences: NotificationPreferences,
    /// First seen.
    pub first_seen: Timestamp,
    /// Last seen.
    pub last_seen: Timestamp,
}

const COLUMNS: &str = "kind, id, given_name, family_name, display_name, email, offices, roles, notify_email, \
                       email_too, first_seen, last_seen";

impl Store {
    /// Records a sign-in in the directory: a new person, or the known one with what the sign-in
    /// carries (a name or an address it lacks is kept as known; offices and roles are replaced) and
    /// seen now. The person as recorded.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn record_person(&self, sign_in: SignIn) -> Result<Person, Error> {
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let upsert = format!(
                        "INSERT INTO person ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?) \
                         ON CONFLICT (kind, id) DO UPDATE SET \
                         given_name = COALESCE(excluded.given_name, person.given_name), \
                         family_name = COALESCE(excluded.family_name, person.family_name), \
                         display_name = COALESCE(excluded.display_name, person.display_name), \
                         email = COALESCE(excluded.email, person.email), \
                         offices = excluded.offices, roles = excluded.roles, last_seen = excluded.last_seen"
                    );
                    let at = micros(sign_in.at);
                    let values = [
                        sign_in.kind.as_str().into(),
                        sign_in.id.as_str().into(),
                        sign_in.given_name.clone().into(),
                        sign_in.family_name.clone().into(),
                        sign_in.display_name.clone().into(),
                        sign_in.email.clone().into(),
                        list(&sign_in.offices).into(),
                        list(&sign_in.roles).into(),
                        at.into(),
                        at.into(),
                    ];
                    txn.execute_raw(statement(txn, &upsert, values)).await.map_err(db)?;
                    let select = format!("SELECT {COLUMNS} FROM person WHERE kind = ? AND id = ?");
                    let values = [sign_in.kind.as_str().into(), sign_in.id.as_str().into()];
                    let row = txn.query_one_raw(statement(txn, &select, values)).await.map_err(db)?;
                    row.as_ref().map(person).ok_or_else(|| corrupt("a person just recorded is not found".to_owned()))?
                })
            })
            .await
    }

    /// The person `id` of `kind`, if the directory knows them.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn person(&self, kind: PersonKind, id: &str) -> Result<Option<Person>, Error> {
        let reader = &self.inner.reader;
        let sql = format!("SELECT {COLUMNS} FROM person WHERE kind = ? AND id = ?");
        let row = reader.query_one_raw(statement(reader, &sql, [kind.as_str().into(), id.into()])).await.map_err(db)?;
        row.as_ref().map(person).transpose()
    }

    /// The people of `kind` among `ids` whom the directory knows, in no particular order.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn people(&self, kind: PersonKind, ids: &[String]) -> Result<Vec<Person>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let reader = &self.inner.reader;
        let sql = format!("SELECT {COLUMNS} FROM person WHERE kind = ? AND id IN ({})", placeholders(ids.len()));
        let values = std::iter::once(kind.as_str().into()).chain(ids.iter().map(|id| id.as_str().into()));
        let rows = reader.query_all_raw(statement(reader, &sql, values)).await.map_err(db)?;
        rows.iter().map(person).collect()
    }

    /// The members of staff whose offices, as last seen, include `office`, by name (then user id).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn staff_of_office(&self, office: &str) -> Result<Vec<Person>, Error> {
        let reader = &self.inner.reader;
        // The JSON list holds the office quoted; the exact test is made on the list read back (an
        // office's name may hold `_` or `%`, which LIKE reads as wildcards).
        let sql = format!("SELECT {COLUMNS} FROM person WHERE kind = 'staff' AND offices LIKE ?");
        let pattern = format!("%{}%", serde_json::to_string(office).unwrap_or_default());
        let rows = reader.query_all_raw(statement(reader, &sql, [pattern.into()])).await.map_err(db)?;
        let mut staff = Vec::new();
        for row in &rows {
            let person = person(row)?;
            if person.offices.iter().any(|o| o == office) {
                staff.push(person);
            }
        }
        staff.sort_by(|a, b| (a.display_name.as_deref(), &a.id).cmp(&(b.display_name.as_deref(), &b.id)));
        Ok(staff)
    }

    /// Saves citizen `fiscal_code`'s notification preferences (recording them in the directory, seen
    /// `at`, if they were not yet).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn set_notification_preferences(
        &self,
        fiscal_code: &str,
        preferences: NotificationPreferences,
        at: Timestamp,
    ) -> Result<(), Error> {
        let fiscal_code = fiscal_code.to_owned();
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let sql = format!(
                        "INSERT INTO person ({COLUMNS}) VALUES ('citizen', ?, NULL, NULL, NULL, NULL, '[]', '[]', ?, ?, ?, ?) \
                         ON CONFLICT (kind, id) DO UPDATE SET \
                         notify_email = excluded.notify_email, email_too = excluded.email_too"
                    );
                    let at = micros(at);
                    let values = [
                        fiscal_code.as_str().into(),
                        preferences.email.clone().into(),
                        i32::from(preferences.email_too).into(),
                        at.into(),
                        at.into(),
                    ];
                    txn.execute_raw(statement(txn, &sql, values)).await.map_err(db)?;
                    Ok(())
                })
            })
            .await
    }
}

/// A list of text as stored: a JSON array.
fn list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// A person read back from a row of [`COLUMNS`].
fn person(row: &QueryResult) -> Result<Person, Error> {
    let text = |i: usize| row.try_get_by_index::<Option<String>>(i).map_err(db);
    let kind: String = row.try_get_by_index(0).map_err(db)?;
    let items = |i: usize| -> Result<Vec<String>, Error> {
        let stored: String = row.try_get_by_index(i).map_err(db)?;
        serde_json::from_str(&stored).map_err(|_| corrupt("a person's offices or roles are not a list".to_owned()))
    };
    Ok(Person {
        kind: PersonKind::parse(&kind).ok_or_else(|| corrupt(format!("a person's kind `{kind}` is unknown")))?,
        id: row.try_get_by_index(1).map_err(db)?,
        given_name: text(2)?,
        family_name: text(3)?,
        display_name: text(4)?,
        email: text(5)?,
        offices: items(6)?,
        roles: items(7)?,
        preferences: NotificationPreferences {
            email: text(8)?,
            email_too: row.try_get_by_index::<i32>(9).map_err(db)? != 0,
        },
        first_seen: from_micros(row.try_get_by_index(10).map_err(db)?),
        last_seen: from_micros(row.try_get_by_index(11).map_err(db)?),
    })
}
