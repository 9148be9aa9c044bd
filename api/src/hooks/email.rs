//! [`SmtpMailer`]: the [`Mailer`] port on an SMTP relay (lettre). The connection is STARTTLS (required,
//! never opportunistic), implicit TLS, or plain for a relay on the same host; certificates are checked
//! against the Mozilla roots. The `Message-ID` is derived from our idempotency key, so a retried
//! delivery carries the same id and the relay or the reader can recognise it. A 4xx reply, a timeout or
//! a lost connection is `Unavailable`; a 5xx reply is `Rejected`. Replies are reported by their code
//! only: their text often quotes the recipient's address.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;
use sportello_hooks::{Email, HookError, HookFuture, Mailer};

use super::secret::Secret;

/// How the connection to the relay is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required (port 587 by default).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No encryption: only for a relay on the same host or network (port 25 by default).
    None,
}

impl SmtpSecurity {
    /// The usual port for this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        }
    }
}

/// What an [`SmtpMailer`] is built from.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// The relay's host name (also the name its certificate must carry).
    pub host: String,
    /// The relay's port.
    pub port: u16,
    /// How the connection is secured.
    pub security: SmtpSecurity,
    /// User name and password, when the relay wants them.
    pub credentials: Option<(String, Secret)>,
    /// The sender, e.g. `Comune di Esempio <noreply@comune.example.it>`.
    pub from: String,
    /// How long to wait for the relay at each step.
    pub timeout: Duration,
}

/// Why an [`SmtpMailer`] could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SmtpSetupError {
    /// The sender is not an e-mail address.
    #[error("the sender is not a valid e-mail address")]
    From(#[source] lettre::address::AddressError),
    /// TLS could not be set up for the host.
    #[error("cannot set up tls for the smtp host")]
    Tls(#[source] lettre::transport::smtp::Error),
}

/// E-mail through one SMTP relay.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `config`'s relay; it connects on each send.
    pub fn new(config: SmtpConfig) -> Result<SmtpMailer, SmtpSetupError> {
        let from = config.from.parse::<Mailbox>().map_err(SmtpSetupError::From)?;
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::Starttls => Tls::Required(tls_parameters(&config.host)?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(&config.host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some((username, password)) = config.credentials {
            builder = builder.credentials(Credentials::new(username, password.expose().to_owned()));
        }
        Ok(SmtpMailer { transport: builder.build(), from })
    }

    async fn deliver(&self, email: &Email, idempotency_key: &str) -> Result<String, HookError> {
        let to = email
            .to
            .parse::<Mailbox>()
            .map_err(|_| HookError::Rejected("the recipient's e-mail address is not valid".to_owned()))?;
        let message_id = message_id(idempotency_key);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.as_str())
            .message_id(Some(message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(email.text.clone())
            .map_err(|_| HookError::Rejected("the e-mail cannot be built".to_owned()))?;
        self.transport.send(message).await.map_err(smtp_error)?;
        Ok(message_id)
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, email: &'a Email, idempotency_key: &'a str) -> HookFuture<'a, String> {
        Box::pin(self.deliver(email, idempotency_key))
    }
}

fn tls_parameters(host: &str) -> Result<TlsParameters, SmtpSetupError> {
    TlsParameters::new(host.to_owned()).map_err(SmtpSetupError::Tls)
}

/// `<key@sportello>`, with every character of the key other than ASCII letters, digits, `-` and `_`
/// replaced by `-`, and at most 128 of them.
fn message_id(idempotency_key: &str) -> String {
    let local: String = idempotency_key
        .chars()
        .take(128)
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .collect();
    let local = if local.is_empty() { "message".to_owned() } else { local };
    format!("<{local}@sportello>")
}

/// An SMTP failure, by its reply code (never its text).
fn smtp_error(error: lettre::transport::smtp::Error) -> HookError {
    let code = error.status().map(|code| format!(" ({code})")).unwrap_or_default();
    if error.is_permanent() {
        HookError::Rejected(format!("the smtp relay refused the e-mail{code}"))
    } else if error.is_transient() {
        HookError::Unavailable(format!("the smtp relay deferred the e-mail{code}"))
    } else if error.is_timeout() {
        HookError::Unavailable("the smtp relay did not answer in time".to_owned())
    } else if error.is_tls() {
        HookError::Unavailable("tls with the smtp relay failed".to_owned())
    } else if error.is_client() {
        HookError::Rejected("the smtp client refused the e-mail".to_owned())
    } else {
        HookError::Unavailable("the smtp relay could not be reached".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    use super::*;

    /// A scripted SMTP relay: answers each command in turn, `RCPT TO` with `rcpt_reply`, and records
    /// what it was sent after `DATA`. Returns its port and the recorded message.
    async fn relay(rcpt_reply: &'static str) -> (u16, Arc<Mutex<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let data = Arc::new(Mutex::new(String::new()));
        let recorded = Arc::clone(&data);
        tokio::spawn(async move {
            let Ok((socket, _)) = listener.accept().await else { return };
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 relay.test ESMTP\r\n").await.unwrap();
            let mut in_data = false;
            while let Ok(Some(line)) = lines.next_line().await {
                if in_data {
                    if line == "." {
                        in_data = false;
                        write.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                    } else {
                        recorded.lock().unwrap().push_str(&format!("{line}\n"));
                    }
                    continue;
                }
                let command = line.to_ascii_uppercase();
                let reply = if command.starts_with("EHLO") || command.starts_with("HELO") {
                    "250 relay.test\r\n"
                } else if command.starts_with("RCPT") {
                    rcpt_reply
                } else if command.starts_with("DATA") {
                    in_data = true;
                    "354 go ahead\r\n"
                } else if command.starts_with("QUIT") {
                    "221 bye\r\n"
                } else {
                    "250 2.0.0 ok\r\n"
                };
                if write.write_all(reply.as_bytes()).await.is_err() || command.starts_with("QUIT") {
                    break;
                }
            }
        });
        (port, data)
    }

    fn mailer(port: u16) -> SmtpMailer {
        SmtpMailer::new(SmtpConfig {
            host: "127.0.0.1".to_owned(),
            port,
            security: SmtpSecurity::None,
            credentials: None,
            from: "Comune di Esempio <noreply@comune.example.it>".to_owned(),
            timeout: Duration::from_secs(1),
        })
        .unwrap()
    }

    fn email() -> Email {
        Email {
            to: "mario.rossi@example.it".to_owned(),
            subject: "La sua pratica".to_owned(),
            text: "La sua pratica è stata accolta.".to_owned(),
        }
    }

    #[tokio::test]
    async fn an_email_is_sent_with_a_message_id_from_the_idempotency_key() {
        let (port, data) = relay("250 2.1.5 ok\r\n").await;

        let id = mailer(port).send(&email(), "notify/42:e-mail").await;

        assert_eq!(id, Ok("<notify-42-e-mail@sportello>".to_owned()));
        let data = data.lock().unwrap().clone();
        assert!(data.contains("From: \"Comune di Esempio\" <noreply@comune.example.it>\n"), "{data}");
        assert!(data.contains("To: mario.rossi@example.it\n"), "{data}");
        assert!(data.contains("Subject: La sua pratica\n"), "{data}");
        assert!(data.contains("Message-ID: <notify-42-e-mail@sportello>\n"), "{data}");
        assert!(data.contains("Content-Type: text/plain; charset=utf-8\n"), "{data}");
    }

    #[tokio::test]
    async fn a_permanent_refusal_is_rejected_and_a_temporary_one_unavailable() {
        let (port, _) = relay("550 5.1.1 <mario.rossi@example.it>: user unknown\r\n").await;
        assert_eq!(
            mailer(port).send(&email(), "k").await,
            Err(HookError::Rejected("the smtp relay refused the e-mail (550)".to_owned()))
        );

        let (port, _) = relay("451 4.3.0 try later\r\n").await;
        assert_eq!(
            mailer(port).send(&email(), "k").await,
            Err(HookError::Unavailable("the smtp relay deferred the e-mail (451)".to_owned()))
        );
    }

    #[tokio::test]
    async fn a_relay_that_is_not_there_is_unavailable() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        assert!(matches!(mailer(port).send(&email(), "k").await, Err(HookError::Unavailable(_))));
    }

    #[test]
    fn message_ids_are_sanitised() {
        assert_eq!(message_id("a b<c>@d"), "<a-b-c--d@sportello>");
        assert_eq!(message_id(""), "<message@sportello>");
    }
}
