//! The pages' words, in Italian first and English second: one table of `(key, it, en)` that templates
//! read as `t.key`. A key missing from the table renders as nothing, which the template test catches.

use serde_json::{Map, Value as Json};

/// Every text of the pages.
const TEXTS: &[(&str, &str, &str)] = &[
    ("skip_to_content", "Vai al contenuto", "Skip to content"),
    ("tagline", "Servizi online: le tue pratiche", "Online services: your applications"),
    ("main_menu", "Menu principale", "Main menu"),
    ("sign_in", "Accedi", "Sign in"),
    ("sign_out", "Esci", "Sign out"),
    ("sign_out_everywhere", "Esci da tutti i dispositivi", "Sign out everywhere"),
    ("sign_in_title", "Accedi ai servizi", "Sign in"),
    (
        "sign_in_oidc_intro",
        "Entra con la tua identità digitale (SPID o CIE).",
        "Sign in with your digital identity (SPID or CIE).",
    ),
    (
        "sign_in_unavailable",
        "L'accesso non è configurato su questo server.",
        "Sign-in is not configured on this server.",
    ),
    ("sign_in_as", "Entra come", "Sign in as"),
    ("dev_users", "Utenti dimostrativi", "Demo users"),
    (
        "dev_warning",
        "Modalità di sviluppo: chiunque può entrare come questi utenti. Mai in produzione.",
        "Development mode: anyone can sign in as these users. Never in production.",
    ),
    ("back_home", "Torna alla pagina iniziale", "Back to the home page"),
    ("breadcrumb", "Percorso", "Breadcrumb"),
    ("my_cases", "Le mie pratiche", "My applications"),
    (
        "my_cases_intro",
        "Le domande che hai presentato o stai compilando, e a che punto sono.",
        "The applications you sent or are filling in, and where they stand.",
    ),
    ("new_application", "Nuova domanda", "New application"),
    (
        "catalogue_intro",
        "Scegli il servizio per cui vuoi presentare una domanda.",
        "Choose the service you want to apply for.",
    ),
    ("fill_in", "Compila la domanda", "Fill in the application"),
    ("group_drafts", "Bozze", "Drafts"),
    ("group_waiting_for_me", "In attesa di una tua azione", "Waiting for you"),
    ("group_in_progress", "In lavorazione", "In progress"),
    ("group_concluded", "Concluse", "Concluded"),
    ("none", "Nessuna", "None"),
    ("case_code", "Codice pratica", "Case code"),
    ("procedure", "Servizio", "Service"),
    ("status", "Stato", "Status"),
    ("due", "Scadenza", "Due"),
    ("updated", "Ultimo aggiornamento", "Last update"),
    ("overdue", "scaduta", "overdue"),
    ("near_due", "in scadenza", "due soon"),
    ("draft_of", "Bozza della pratica", "Draft of case"),
    ("check_the_form", "Controlla i dati inseriti", "Check what you entered"),
    (
        "kept_as_draft",
        "La domanda non è stata inviata: è salvata come bozza, puoi correggerla e inviarla.",
        "The application was not sent: it is saved as a draft, which you can correct and send.",
    ),
    (
        "not_sent_check_the_form",
        "La domanda non è stata inviata né salvata: correggi i campi segnalati e inviala di nuovo.",
        "The application was neither sent nor saved: correct the fields marked and send it again.",
    ),
    ("leads_to", "La pratica passa a", "The case moves to"),
    ("case_waiting", "pratica in attesa dell'ufficio", "case waiting for the office"),
    ("overdue_many", "scadute", "overdue"),
    ("days_left", "Giorni al termine", "Days left"),
    ("due_today", "scade oggi", "due today"),
    ("due_tomorrow", "scade domani", "due tomorrow"),
    ("due_in", "tra {n} giorni", "in {n} days"),
    ("overdue_by_one", "scaduta da 1 giorno", "overdue by 1 day"),
    ("overdue_by", "scaduta da {n} giorni", "overdue by {n} days"),
    ("assign_to_me", "Assegna a me", "Assign to me"),
    ("window_from", "Domande dal", "Applications from"),
    ("window_until", "al", "to"),
    (
        "service_closed",
        "Servizio chiuso: ora non si possono presentare domande",
        "Closed: applications are not accepted now",
    ),
    ("draft_until", "Puoi riprenderla e inviarla fino al", "You can resume and send it until"),
    ("other_services", "Vedi gli altri servizi", "See the other services"),
    ("your_data", "I dati della pratica", "The case's data"),
    (
        "condition_not_met",
        "Non è possibile farlo ora: mancano le condizioni previste dal procedimento.",
        "This cannot be done now: the conditions the procedure sets are not met.",
    ),
    (
        "not_possible_now",
        "Non è più possibile farlo: la pratica è andata avanti. Controlla lo stato aggiornato.",
        "This can no longer be done: the case has moved on. Check its current state.",
    ),
    (
        "confirm_final",
        "Confermo: la domanda si chiude e non potrà essere riaperta",
        "I confirm: the application closes and cannot be reopened",
    ),
    (
        "confirm_needed",
        "Per procedere spunta la conferma: questa operazione chiude la domanda. Nulla è stato cambiato.",
        "To go ahead, tick the confirmation: this closes the application. Nothing was changed.",
    ),
    (
        "required_hint",
        "I campi con * sono obbligatori per inviare la domanda; puoi salvare la bozza in qualsiasi momento.",
        "Fields marked * are required to send the application; you can save the draft at any time.",
    ),
    ("save_draft", "Salva la bozza", "Save the draft"),
    (
        "draft_saved",
        "Bozza salvata. La trovi in «Le mie pratiche», con la data entro cui inviarla se il servizio ne ha una.",
        "Draft saved. You find it in “My applications”, with the date by which to send it if the service has one.",
    ),
    ("application_sent", "Domanda inviata.", "Application sent."),
    ("action_done", "Fatto.", "Done."),
    ("draft_not_sent", "La domanda non è ancora stata inviata.", "The application has not been sent yet."),
    ("resume_draft", "Riprendi la bozza", "Resume the draft"),
    ("delete_draft", "Elimina la bozza", "Delete the draft"),
    (
        "delete_draft_hint",
        "Se non ti serve più, puoi eliminare la bozza: sparisce dalle tue pratiche e i dati inseriti vengono cancellati.",
        "If you no longer need it, you can delete the draft: it leaves your applications and the data you entered is erased.",
    ),
    (
        "confirm_delete",
        "Confermo: la bozza e i suoi dati vengono eliminati e non potranno essere recuperati",
        "I confirm: the draft and its data are deleted and cannot be recovered",
    ),
    (
        "confirm_delete_needed",
        "Per eliminare la bozza spunta la conferma. Nulla è stato cambiato.",
        "To delete the draft, tick the confirmation. Nothing was changed.",
    ),
    ("draft_deleted", "Bozza eliminata.", "Draft deleted."),
    ("opened_on", "Aperta il", "Opened on"),
    ("taken_in_charge_on", "Presa in carico il", "Taken in charge on"),
    ("legal_due", "Scadenza del termine", "Legal due date"),
    ("suspended_since", "Termine sospeso dal", "Term suspended since"),
    ("expected_from_you", "Cosa puoi fare ora", "What you can do now"),
    ("payments", "Pagamenti", "Payments"),
    ("payment", "Pagamento", "Payment"),
    ("amount", "Importo", "Amount"),
    ("payment_status", "Stato", "Status"),
    ("notice_number", "Codice avviso", "Notice number"),
    ("pay_by", "Da pagare entro il", "Pay by"),
    ("payee", "Ente creditore", "Payee"),
    ("paid_at", "Pagato il", "Paid on"),
    (
        "qr_hint",
        "Inquadra il codice QR con l'app della tua banca o di un prestatore di servizi di pagamento pagoPA.",
        "Scan the QR code with your bank's app or another pagoPA payment provider's.",
    ),
    ("payment_requested", "in preparazione", "being prepared"),
    ("payment_open", "da pagare", "to pay"),
    ("payment_paid", "pagato", "paid"),
    ("payment_expired", "scaduto", "expired"),
    ("simulate_payment", "Simula il pagamento", "Simulate the payment"),
    (
        "simulate_payment_hint",
        "Modalità di sviluppo: pagoPA è simulato, e questo pulsante paga l'avviso come farebbe una ricevuta vera.",
        "Development mode: pagoPA is simulated, and this button pays the notice as a real receipt would.",
    ),
    ("milestones", "Le tappe", "Milestones"),
    ("messages", "Messaggi inviati", "Messages sent"),
    ("worklist", "Pratiche da lavorare", "Worklist"),
    (
        "worklist_caption",
        "Pratiche in attesa dell'ufficio, dalla scadenza più vicina",
        "Cases waiting for the office, soonest due first",
    ),
    ("cases_waiting", "pratiche in attesa dell'ufficio", "cases waiting for the office"),
    ("filters", "Filtri", "Filters"),
    ("filter", "Filtra", "Filter"),
    ("all", "Tutte", "All"),
    ("within_7_days", "Entro 7 giorni", "Within 7 days"),
    ("assignee", "Assegnata a", "Assigned to"),
    ("next_page", "Pagina successiva", "Next page"),
    ("by_state", "Per stato", "By state"),
    ("count", "Numero", "Count"),
    ("earliest_due", "Prima scadenza", "Earliest due date"),
    ("incidents", "Consegne non riuscite", "Failed deliveries"),
    ("applicant", "Richiedente", "Applicant"),
    ("office", "Ufficio", "Office"),
    ("version", "Versione", "Version"),
    ("assignment", "Assegnazione", "Assignment"),
    ("assign", "Assegna", "Assign"),
    ("nobody", "Nessuno", "Nobody"),
    (
        "assignee_not_staff",
        "La pratica può essere assegnata solo a una persona dell'ufficio: scegline una dall'elenco.",
        "The case can only be assigned to a member of staff of the office: choose one from the list.",
    ),
    ("available_actions", "Azioni disponibili", "Available actions"),
    ("clocks", "Termini", "Terms"),
    ("clock", "Termine", "Term"),
    ("started_on", "Iniziato il", "Started on"),
    ("elapsed_days", "Giorni trascorsi", "Days elapsed"),
    ("remaining_days", "Giorni rimanenti", "Days left"),
    ("data", "Dati della pratica", "Case data"),
    ("deliveries", "Messaggi, pagamenti e notifiche", "Messages, payments and webhooks"),
    ("kind", "Tipo", "Kind"),
    ("name", "Nome", "Name"),
    ("attempts", "Tentativi", "Attempts"),
    ("last_error", "Ultimo errore", "Last error"),
    ("actions", "Azioni", "Actions"),
    ("retry", "Riprova", "Retry"),
    ("dismiss", "Archivia", "Dismiss"),
    ("audit_trail", "Registro delle operazioni", "Audit trail"),
    ("when", "Quando", "When"),
    ("who", "Chi", "Who"),
    ("what", "Cosa", "What"),
    ("outcome", "Esito", "Outcome"),
    ("workflows", "Procedimenti", "Workflows"),
    (
        "workflows_intro",
        "I procedimenti pubblicati, con le loro versioni.",
        "The deployed workflows and their versions.",
    ),
    ("versions", "Versioni", "Versions"),
    ("diagram", "Diagramma degli stati", "State diagram"),
    ("states", "Stati", "States"),
    ("transitions", "Transizioni", "Transitions"),
    ("title", "Titolo", "Title"),
    ("from", "Da", "From"),
    ("to", "A", "To"),
    ("by", "Chi", "By"),
    ("waiting_for", "In attesa di", "Waiting for"),
    ("final", "Esito finale", "Final outcome"),
    ("validate_title", "Verifica un procedimento", "Validate a workflow"),
    (
        "validate_intro",
        "Incolla o carica il file YAML di un procedimento: ogni problema è indicato con riga e colonna.",
        "Paste or upload a workflow's YAML file: every problem is shown with its line and column.",
    ),
    ("workflow_file", "File del procedimento (YAML)", "Workflow file (YAML)"),
    ("paste_yaml", "Il contenuto del file .yaml", "The .yaml file's content"),
    ("upload_yaml", "Oppure carica il file", "Or upload the file"),
    ("validate", "Verifica", "Validate"),
    ("valid_workflow", "Il procedimento è valido:", "The workflow is valid:"),
    ("problems_found", "problemi trovati", "problems found"),
    ("line", "Riga", "Line"),
    ("column", "colonna", "column"),
    ("scenarios_title", "Scenari di prova", "Scenario tests"),
    (
        "scenarios_intro",
        "Gli scenari (*.test.yaml) accanto ai procedimenti pubblicati, eseguiti ora, con la copertura delle transizioni.",
        "The scenarios (*.test.yaml) beside the deployed workflows, run now, with their transition coverage.",
    ),
    ("coverage", "Copertura", "Coverage"),
    ("not_covered", "non coperte", "not covered"),
    ("no_scenarios", "Nessuno scenario trovato.", "No scenario found."),
    ("not_found", "Pagina non trovata", "Page not found"),
    (
        "not_found_message",
        "La pagina o la pratica che cerchi non esiste, o non puoi vederla.",
        "The page or case you are looking for does not exist, or you cannot see it.",
    ),
    ("method_not_allowed", "Richiesta non accettata", "Request not accepted"),
    (
        "method_not_allowed_message",
        "Questa pagina non accetta questo tipo di richiesta: tornaci e usa i suoi pulsanti e moduli.",
        "This page does not take this kind of request: go back to it and use its buttons and forms.",
    ),
    ("forbidden", "Accesso non consentito", "Not allowed"),
    ("forbidden_message", "Questa pagina non è per il tuo profilo.", "This page is not for your profile."),
    ("too_large", "File troppo grande", "File too large"),
    (
        "too_large_message",
        "Il file supera i 512 KiB che questa pagina accetta: un procedimento ha qualche centinaio di righe. \
         Controlla di aver scelto il file giusto.",
        "The file is over the 512 KiB this page takes: a workflow has a few hundred lines. Check that you \
         chose the right file.",
    ),
    (
        "expired_form",
        "Il modulo è scaduto: ricarica la pagina e riprova.",
        "The form has expired: reload the page and try again.",
    ),
    ("error", "Si è verificato un errore", "Something went wrong"),
    (
        "error_message",
        "Riprova tra poco. Se il problema continua, contatta l'ufficio.",
        "Try again shortly. If it goes on, contact the office.",
    ),
    (
        "stale",
        "La pratica è cambiata nel frattempo: controlla lo stato aggiornato e riprova.",
        "The case changed meanwhile: check its current state and try again.",
    ),
    ("yes", "sì", "yes"),
    ("no", "no", "no"),
    ("citizen", "Cittadino", "Citizen"),
    ("clerk_of", "Operatore dell'ufficio", "Clerk of the office"),
    ("analyst", "Analista dei procedimenti", "Workflow analyst"),
    ("nav_my_cases", "Le mie pratiche", "My applications"),
    ("nav_messages", "Messaggi", "Messages"),
    ("nav_profile", "Il mio profilo", "My profile"),
    ("my_profile", "Il mio profilo", "My profile"),
    ("full_name", "Nome e cognome", "Name"),
    ("fiscal_code", "Codice fiscale", "Fiscal code"),
    ("sign_in_email", "E-mail dell'identità digitale", "E-mail of your digital identity"),
    ("notification_preferences", "Come ricevere i messaggi", "How to receive messages"),
    (
        "notification_preferences_intro",
        "I messaggi sulle tue pratiche arrivano sull'app IO se la usi; altrimenti per e-mail.",
        "Messages about your applications reach you on the IO app if you use it; otherwise by e-mail.",
    ),
    ("messages_email", "E-mail per i messaggi", "E-mail for messages"),
    (
        "messages_email_hint",
        "Usata al posto di quella scritta nelle domande. Lascia vuoto per usare quella di ogni domanda.",
        "Used instead of the one written in your applications. Leave empty to use each application's.",
    ),
    (
        "email_too",
        "Ricevi per e-mail anche i messaggi che leggi sull'app IO",
        "Also receive by e-mail the messages you read on the IO app",
    ),
    ("save", "Salva", "Save"),
    ("profile_saved", "Preferenze salvate.", "Preferences saved."),
    (
        "email_invalid",
        "Non è un indirizzo e-mail valido: controlla di averlo scritto per intero, ad esempio nome@esempio.it.",
        "Not a valid e-mail address: check it is written in full, for example name@example.it.",
    ),
    (
        "email_needed",
        "Scrivi un indirizzo e-mail per ricevere i messaggi anche per e-mail.",
        "Enter an e-mail address to receive messages by e-mail too.",
    ),
    ("act_by", "Hai tempo fino al", "You have until"),
    ("contacts", "Contatti", "Contacts"),
    ("privacy_notice", "Informativa privacy", "Privacy notice"),
    ("accessibility_statement", "Dichiarazione di accessibilità", "Accessibility statement"),
    ("legal_notes", "Note legali", "Legal notes"),
    ("summary", "riepilogo prima dell'invio", "review before sending"),
    (
        "summary_intro",
        "Controlla i dati: saranno inviati così all'ufficio. Se qualcosa non va, modificali prima di inviare.",
        "Check the data: this is what the office will receive. If something is wrong, change it before sending.",
    ),
    ("confirm_send", "Conferma e invia", "Confirm and send"),
    ("change_it", "Modifica i dati", "Change the data"),
    (
        "messages_intro",
        "Tutti i messaggi che l'ufficio ti ha inviato, i più recenti per primi, con la pratica a cui si riferiscono.",
        "Every message the office sent you, newest first, with the case it is about.",
    ),
    ("no_messages", "Non hai ancora ricevuto messaggi.", "You have not received any messages yet."),
    ("nav_new", "Nuova domanda", "New application"),
    ("nav_worklist", "Pratiche da lavorare", "Worklist"),
    ("nav_workflows", "Procedimenti", "Workflows"),
    ("nav_validate", "Verifica", "Validate"),
    ("nav_scenarios", "Scenari", "Scenarios"),
    ("nav_payments", "Pagamenti", "Payments"),
    ("nav_ratings", "Valutazioni", "Ratings"),
    ("home", "Home", "Home"),
    ("search", "Cerca", "Search"),
    ("search_label", "Cerca servizi, pagine e pratiche", "Search services, pages and applications"),
    ("search_title", "Cerca", "Search"),
    ("search_placeholder", "Servizi, pratiche…", "Services, applications…"),
    (
        "search_intro",
        "Scrivi il nome di un servizio (per esempio «nido») o il codice di una pratica.",
        "Type the name of a service (for example \"nursery\") or an application's code.",
    ),
    ("search_found", "Risultati trovati:", "Results found:"),
    (
        "search_nothing",
        "Nessun risultato. Prova con altre parole o controlla il codice della pratica.",
        "Nothing found. Try other words or check the application's code.",
    ),
    ("search_cases", "Pratiche", "Applications"),
    ("search_services", "Servizi", "Services"),
    ("search_pages", "Pagine", "Pages"),
    ("search_service", "Servizio online", "Online service"),
    ("search_page", "Pagina del sito", "Page of this site"),
    (
        "rating_question",
        "Quanto sono chiare le informazioni su questa pagina?",
        "How clear is the information on this page?",
    ),
    ("rating_of_five", "stelle su 5", "stars out of 5"),
    ("rating_send", "Invia la valutazione", "Send your rating"),
    ("rating_thanks_title", "Grazie per il tuo aiuto!", "Thank you for your help!"),
    (
        "rating_thanks",
        "La tua valutazione ci aiuta a migliorare il servizio. Non abbiamo registrato chi sei.",
        "Your rating helps us improve the service. We did not record who you are.",
    ),
    (
        "rating_choose",
        "Scegli da 1 a 5 stelle prima di inviare la valutazione.",
        "Choose from 1 to 5 stars before sending your rating.",
    ),
    ("rating_back", "Torna alla pagina", "Back to the page"),
    ("ratings_title", "Valutazioni delle pagine", "Page ratings"),
    (
        "ratings_intro",
        "Quante persone hanno dato da 1 a 5 stelle a ogni pagina, rispondendo alla domanda «Quanto sono chiare le informazioni su questa pagina?».",
        "How many people gave each page 1 to 5 stars, answering \"How clear is the information on this page?\".",
    ),
    ("ratings_none", "Nessuna valutazione ricevuta finora.", "No ratings received so far."),
    ("rated_page", "Pagina", "Page"),
    ("ratings_total", "Risposte", "Answers"),
    ("ratings_average", "Media", "Average"),
    ("page_kind_application", "Modulo di domanda", "Application form"),
    ("page_kind_catalogue", "Nuova domanda: i servizi", "New application: the services"),
    ("page_kind_citizen_case", "Pratica del cittadino", "Citizen's application page"),
    ("page_kind_clerk_case", "Pratica in ufficio", "Office's case page"),
    ("page_kind_messages", "Messaggi", "Messages"),
    ("page_kind_my_cases", "Le mie pratiche", "My applications"),
    ("page_kind_payments", "Pagamenti", "Payments"),
    ("page_kind_profile", "Il mio profilo", "My profile"),
    ("page_kind_ratings", "Valutazioni delle pagine", "Page ratings"),
    ("page_kind_scenarios", "Scenari di prova", "Scenario tests"),
    ("page_kind_search", "Cerca", "Search"),
    ("page_kind_signin", "Accesso", "Sign in"),
    ("page_kind_summary", "Riepilogo prima dell'invio", "Review before sending"),
    ("page_kind_validate", "Verifica un procedimento", "Validate a workflow"),
    ("page_kind_workflow", "Procedimento e diagramma", "Workflow and diagram"),
    ("page_kind_workflows", "Procedimenti", "Workflows"),
    ("page_kind_worklist", "Pratiche da lavorare", "Worklist"),
    ("payment_reason", "Causale", "Reason of payment"),
    (
        "payments_intro",
        "I pagamenti pagoPA chiesti per le tue pratiche. Il codice QR di ogni avviso è nella pagina della pratica.",
        "The pagoPA payments asked for your applications. Each notice's QR code is on its application's page.",
    ),
    ("payments_to_pay", "Da pagare", "To pay"),
    ("payments_none_to_pay", "Non hai pagamenti da fare.", "You have nothing to pay."),
    ("payments_others", "Pagati o scaduti", "Paid or expired"),
    ("sign_in_spid", "Entra con SPID", "Sign in with SPID"),
    ("sign_in_cie", "Entra con CIE", "Sign in with CIE"),
    ("spid_providers", "Scegli il tuo gestore di identità SPID", "Choose your SPID identity provider"),
    (
        "spid_explained",
        "SPID, il Sistema Pubblico di Identità Digitale, è il sistema di accesso che consente di utilizzare, con un'identità digitale unica, i servizi online della Pubblica Amministrazione.",
        "SPID, the Public Digital Identity System, lets you use the public administration's online services with one digital identity.",
    ),
    ("spid_how", "Come attivare SPID", "How to get SPID"),
    (
        "cie_explained",
        "La Carta d'Identità Elettronica (CIE) è il documento d'identità con cui puoi accedere ai servizi online, con il telefono o con un lettore di carte.",
        "The Electronic Identity Card (CIE) is the identity document you can sign in with, using your phone or a card reader.",
    ),
    ("cie_how", "Come entrare con la CIE", "How to sign in with CIE"),
    ("case_file", "Documenti", "Documents"),
    (
        "case_file_intro",
        "Il fascicolo della pratica: i documenti allegati, da scaricare.",
        "The case file: the documents attached, to download.",
    ),
    ("case_file_empty", "Nessun documento nel fascicolo.", "No documents in the case file."),
    ("uploaded_on", "Caricato il", "Uploaded on"),
    ("by_applicant", "Richiedente", "Applicant"),
    ("by_office", "Ufficio", "Office"),
    ("signed_by", "Firmato da", "Signed by"),
    ("certificate_valid", "certificato valido dal {from} al {until}", "certificate valid from {from} to {until}"),
    ("certificate_issuer", "Certificato rilasciato da", "Certificate issued by"),
    ("trust_not_checked", "catena di fiducia non verificata", "chain of trust not checked"),
    ("staff_only", "Riservato all'ufficio", "Office only"),
    ("format_pdf", "PDF", "PDF"),
    ("format_jpeg", "immagine JPEG", "JPEG image"),
    ("format_png", "immagine PNG", "PNG image"),
    ("format_p7m", "file firmato .p7m", "signed .p7m file"),
    ("or", "o", "or"),
    ("signed_formats", "{formats} firmato digitalmente (.p7m)", "digitally signed {formats} (.p7m)"),
    ("signed_file", "file firmato digitalmente (.p7m)", "digitally signed file (.p7m)"),
    ("file_limit", "fino a {size} per file", "up to {size} per file"),
    ("file_required", "obbligatorio", "required"),
    ("file_optional", "facoltativo", "optional"),
    ("file_at_most", "al massimo {n} file", "at most {n} files"),
    ("attach_at_least_one", "Allega almeno un documento.", "Attach at least one document."),
    ("attach_at_least", "Allega almeno {n} documenti.", "Attach at least {n} documents."),
    ("one_file_only", "Puoi allegare un solo file di questo tipo.", "You can attach only one file of this type."),
    (
        "too_many_files",
        "Puoi allegare al massimo {n} file di questo tipo.",
        "You can attach at most {n} files of this type.",
    ),
    ("file_over_limit", "Il file supera il limite di {size}.", "The file is over the {size} limit."),
    ("file_not_attached", "Il file non si può allegare: ricaricalo.", "The file cannot be attached: upload it again."),
    (
        "reload_files",
        "I file scelti non sono stati allegati: ricarica i file prima di inviare di nuovo.",
        "The files you chose were not attached: choose them again before sending.",
    ),
    ("documents_to_attach", "Documenti da allegare", "Documents to attach"),
    (
        "documents_at_review",
        "Nel riepilogo, prima dell'invio, allegherai questi documenti:",
        "In the review, before sending, you will attach these documents:",
    ),
    ("nav_documents", "Documenti", "Documents"),
    (
        "documents_intro",
        "I documenti di tutte le tue pratiche, i più recenti per primi: quelli che hai allegato e quelli che l'ufficio ti ha reso disponibili.",
        "The documents of all your applications, newest first: those you attached and those the office made available to you.",
    ),
    (
        "no_documents",
        "Non ci sono ancora documenti nelle tue pratiche.",
        "There are no documents in your applications yet.",
    ),
    ("page_kind_documents", "Documenti", "Documents"),
    // Why an upload was refused, for English pages; Italian pages show the case file's own sentence.
    ("file_not_accepted_type", "Questo tipo di file qui non è accettato.", "This kind of file is not accepted here."),
    ("file_empty_file", "Il file caricato è vuoto.", "The file is empty."),
    (
        "file_damaged_pdf",
        "Il PDF è danneggiato o incompleto.",
        "The PDF is damaged or incomplete: save it again from the program that made it and upload it again.",
    ),
    (
        "file_encrypted_pdf",
        "Il PDF è protetto da una password.",
        "The PDF is protected by a password: save it without one and upload it again.",
    ),
    (
        "file_not_signed_data",
        "Il file .p7m non contiene un documento firmato.",
        "The .p7m file does not hold a digitally signed document.",
    ),
    (
        "file_detached_signature",
        "Il file .p7m contiene solo la firma.",
        "The .p7m file holds only the signature, without the signed document: upload the envelope that holds both.",
    ),
    (
        "file_damaged_p7m",
        "Il file firmato è danneggiato.",
        "The signed file (.p7m) is damaged or incomplete and cannot be read.",
    ),
    (
        "file_signature_invalid",
        "La firma digitale non è valida.",
        "The digital signature is not valid: the document was changed after signing, or the signature is damaged.",
    ),
    (
        "file_unsupported_signature",
        "La firma usa un algoritmo non supportato.",
        "The signature uses an algorithm this system cannot verify: sign the document again with an up-to-date tool.",
    ),
    (
        "file_signature_required",
        "Questo documento va firmato digitalmente.",
        "This document must be digitally signed: upload the signed file, ending in .p7m.",
    ),
    (
        "file_duplicate_file",
        "Il fascicolo contiene già questo file.",
        "The case file already holds this same file: there is no need to upload it twice.",
    ),
    ("file_no_name", "Il file non ha un nome.", "The file has no name: give it one and upload it again."),
    (
        "file_long_name",
        "Il nome del file è troppo lungo.",
        "The file's name is too long: rename the file and upload it again.",
    ),
    (
        "file_name_with_folder",
        "Il nome del file contiene una cartella.",
        "The file's name holds a folder (/, \\ or ..): rename the file and upload it again.",
    ),
    (
        "file_unsafe_name",
        "Il nome del file contiene caratteri non ammessi.",
        "The file's name holds control or direction-changing characters: rename the file and upload it again.",
    ),
    ("file_unknown_type", "Tipo di documento sconosciuto.", "This service has no documents of this kind."),
    (
        "file_type_not_taken_now",
        "Ora non si possono allegare documenti di questo tipo.",
        "No action you can take on this case now takes documents of this kind.",
    ),
    ("file_incomplete_upload", "Il file non è arrivato per intero.", "The file did not arrive whole: upload it again."),
    (
        "file_unchecked_file",
        "Non è stato possibile controllare il file.",
        "The file could not be checked: try again later.",
    ),
];

/// The table for `lang` (`en`, or Italian for anything else), as the object templates read.
pub fn texts(lang: &str) -> Json {
    let english = lang == "en";
    Json::Object(
        TEXTS
            .iter()
            .map(|(key, it, en)| ((*key).to_owned(), Json::String(if english { en } else { it }.to_string())))
            .collect::<Map<_, _>>(),
    )
}

/// One text by key, for messages built in code.
pub fn text(lang: &str, key: &str) -> String {
    TEXTS
        .iter()
        .find(|(k, ..)| *k == key)
        .map(|(_, it, en)| if lang == "en" { *en } else { *it })
        .unwrap_or(key)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_written_once() {
        let mut keys: Vec<&str> = TEXTS.iter().map(|(k, ..)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "a key appears twice");
    }

    #[test]
    fn every_key_a_template_reads_is_in_the_table() {
        let templates = [
            include_str!("../../web/templates/layout.hbs"),
            include_str!("../../web/templates/fields.hbs"),
            include_str!("../../web/templates/file_fields.hbs"),
            include_str!("../../web/templates/case_file.hbs"),
            include_str!("../../web/templates/documents.hbs"),
            include_str!("../../web/templates/summary.hbs"),
            include_str!("../../web/templates/error.hbs"),
            include_str!("../../web/templates/signin.hbs"),
            include_str!("../../web/templates/my_cases.hbs"),
            include_str!("../../web/templates/catalogue.hbs"),
            include_str!("../../web/templates/application.hbs"),
            include_str!("../../web/templates/citizen_case.hbs"),
            include_str!("../../web/templates/worklist.hbs"),
            include_str!("../../web/templates/clerk_case.hbs"),
            include_str!("../../web/templates/profile.hbs"),
            include_str!("../../web/templates/workflows.hbs"),
            include_str!("../../web/templates/workflow.hbs"),
            include_str!("../../web/templates/validate.hbs"),
            include_str!("../../web/templates/scenarios.hbs"),
        ];
        let table = texts("it");
        for template in templates {
            for (at, _) in template.match_indices("t.") {
                let before = template[..at].chars().last();
                if !matches!(before, Some('{' | ' ' | '.')) || template[..at].ends_with("page.") {
                    continue;
                }
                if before == Some('.') && !template[..at].ends_with("@root.") {
                    continue;
                }
                let key: String = template[at + 2..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                    .collect();
                assert!(table.get(&key).is_some(), "templates read t.{key}, which the table lacks");
            }
        }
    }
}
